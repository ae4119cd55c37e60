/*
 * RESP reply writers: append one RESP2 or RESP3 value to an rw_buf.
 *
 * Where it sits: command handlers on the dataplane's worker lcores write
 * replies straight into the connection's send buffer; the control plane uses
 * the same writers for replication and the AOF.
 *
 * Spec: Redis 7.0.15 networking.c (addReply*). Every writer reserves the
 * whole value first, so a failed write (-ENOMEM) leaves the buffer as it was
 * and a reply is never half written.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "resp.h"

#define RESP_NUM_MAX 21 /* "-9223372036854775808" and a NUL */

/* Append "<type><n>\r\n". */
static int w_count(struct rw_buf *b, char type, int64_t n)
{
	char line[1 + RESP_NUM_MAX + 2];
	line[0] = type;
	size_t len = 1 + resp_i64_to_str(line + 1, n);
	line[len++] = '\r';
	line[len++] = '\n';
	return rw_buf_append(b, line, len);
}

/*
 * Append "<type><s>\r\n" for a simple string or an error. A CR or LF inside
 * would end the line early and desynchronise the client, so they become
 * spaces, as Redis's addReplyErrorFormat() does.
 */
static int w_line(struct rw_buf *b, char type, const char *s, size_t n)
{
	if (rw_buf_reserve(b, n + 3) != 0)
		return -ENOMEM;
	uint8_t *p = b->data + b->len;
	p[0] = (uint8_t)type;
	for (size_t i = 0; i < n; i++)
		p[1 + i] = s[i] == '\r' || s[i] == '\n' ? ' ' : (uint8_t)s[i];
	p[n + 1] = '\r';
	p[n + 2] = '\n';
	b->len += n + 3;
	return 0;
}

int resp_w_simple(struct rw_buf *b, const char *s)
{
	return w_line(b, '+', s, strlen(s));
}

int resp_w_error(struct rw_buf *b, const char *s)
{
	/* callers may pass "-ERR ..." as Redis's addReplyError() accepts */
	if (s[0] == '-')
		s++;
	return w_line(b, '-', s, strlen(s));
}

/*
 * addReplyErrorFormat(): the message is formatted straight into the spare
 * room after the '-', trailing CR/LF are trimmed and inner ones become spaces.
 */
int resp_w_errorf(struct rw_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if (rw_buf_reserve(b, (size_t)n + 3) != 0)
		return -ENOMEM;
	uint8_t *p = b->data + b->len;
	char *msg = (char *)p + 1;
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);

	size_t len = (size_t)n;
	while (len > 0 && (msg[len - 1] == '\r' || msg[len - 1] == '\n'))
		len--;
	size_t skip = len > 0 && msg[0] == '-' ? 1 : 0;
	p[0] = '-';
	/* forward copy onto itself: the source is never behind the target */
	for (size_t i = skip; i < len; i++)
		p[1 + i - skip] = msg[i] == '\r' || msg[i] == '\n' ? ' ' : (uint8_t)msg[i];
	len -= skip;
	p[1 + len] = '\r';
	p[2 + len] = '\n';
	b->len += len + 3;
	return 0;
}

int resp_w_int(struct rw_buf *b, int64_t v)
{
	return w_count(b, ':', v);
}

int resp_w_bulk(struct rw_buf *b, const void *p, size_t n)
{
	if (rw_buf_reserve(b, 1 + RESP_NUM_MAX + 2 + n + 2) != 0)
		return -ENOMEM;
	w_count(b, '$', (int64_t)n);
	rw_buf_append(b, p, n);
	return rw_buf_append(b, "\r\n", 2);
}

int resp_w_bulk_cstr(struct rw_buf *b, const char *s)
{
	return resp_w_bulk(b, s, strlen(s));
}

int resp_w_null(struct rw_buf *b, enum resp_proto proto)
{
	return proto == RESP_PROTO_3 ? rw_buf_append(b, "_\r\n", 3)
				     : rw_buf_append(b, "$-1\r\n", 5);
}

int resp_w_null_array(struct rw_buf *b, enum resp_proto proto)
{
	return proto == RESP_PROTO_3 ? rw_buf_append(b, "_\r\n", 3)
				     : rw_buf_append(b, "*-1\r\n", 5);
}

int resp_w_array(struct rw_buf *b, int64_t n)
{
	return w_count(b, '*', n);
}

int resp_w_map(struct rw_buf *b, int64_t n, enum resp_proto proto)
{
	return proto == RESP_PROTO_3 ? w_count(b, '%', n) : w_count(b, '*', 2 * n);
}

int resp_w_set(struct rw_buf *b, int64_t n, enum resp_proto proto)
{
	return w_count(b, proto == RESP_PROTO_3 ? '~' : '*', n);
}

/* addReplyVerbatim() with the "txt" format. */
int resp_w_verbatim(struct rw_buf *b, const char *p, size_t n, enum resp_proto proto)
{
	if (proto != RESP_PROTO_3)
		return resp_w_bulk(b, p, n);
	if (rw_buf_reserve(b, 1 + RESP_NUM_MAX + 2 + 4 + n + 2) != 0)
		return -ENOMEM;
	w_count(b, '=', (int64_t)n + 4);
	rw_buf_append(b, "txt:", 4);
	rw_buf_append(b, p, n);
	return rw_buf_append(b, "\r\n", 2);
}

int resp_w_bool(struct rw_buf *b, int v, enum resp_proto proto)
{
	if (proto == RESP_PROTO_3)
		return rw_buf_append(b, v ? "#t\r\n" : "#f\r\n", 4);
	return rw_buf_append(b, v ? ":1\r\n" : ":0\r\n", 4);
}

/*
 * Redis 7.0 addReplyDouble(): infinities are spelled out because some libcs
 * print them differently; everything else is "%.17g", which round-trips a
 * double exactly (so 0.1 reads back as "0.10000000000000001" in 7.0; the
 * shortest form came with 7.2). NaN is left to glibc ("nan", "-nan").
 */
int resp_w_double(struct rw_buf *b, double v, enum resp_proto proto)
{
	char num[64];

	if (isinf(v))
		snprintf(num, sizeof(num), "%s", v > 0 ? "inf" : "-inf");
	else
		snprintf(num, sizeof(num), "%.17g", v);
	if (proto != RESP_PROTO_3)
		return resp_w_bulk_cstr(b, num);

	size_t n = strlen(num);
	if (rw_buf_reserve(b, n + 3) != 0)
		return -ENOMEM;
	rw_buf_append(b, ",", 1);
	rw_buf_append(b, num, n);
	return rw_buf_append(b, "\r\n", 2);
}
