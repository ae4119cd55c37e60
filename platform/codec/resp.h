/*
 * RESP codec: an incremental request parser and reply writers.
 *
 * Pure C, no DPDK, no allocation in the parser; linked by the dataplane
 * (client requests) and the control plane (AOF, replication).
 *
 * Parsing model: the caller keeps the connection's unconsumed input in one
 * contiguous buffer (the query buffer) and calls resp_parse() on it. The
 * parser either returns a whole command (arguments point into the buffer,
 * valid until the caller consumes/moves it), reports INCOMPLETE (call again
 * when more bytes arrived; nothing is consumed), or reports a protocol
 * error with Redis's exact wording (the caller replies with it and closes
 * the connection, as Redis does).
 *
 * Inline commands ("PING\r\n", "set a 'b c'\r\n") are unescaped in place,
 * which is why the buffer is not const.
 *
 * Context: any thread; reentrant (state lives in the caller's structs).
 */
#ifndef RW_RESP_H
#define RW_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rw_buf.h"

enum resp_status {
	RESP_OK = 0,	 /* a complete command was parsed */
	RESP_INCOMPLETE, /* need more input; nothing consumed */
	RESP_ERROR,	 /* protocol error; *err holds Redis's text */
	RESP_NEED_ARGS,	 /* argv capacity too small: grow to *need_args, call again */
};

struct resp_arg {
	uint8_t *ptr;
	uint32_t len;
};

struct resp_limits {
	uint64_t max_bulk_len;	/* proto-max-bulk-len, default 512 MB (capped at UINT32_MAX) */
	uint64_t max_multibulk; /* INT_MAX elements, as Redis 7.0 (the 1024*1024 cap went in 6.2) */
	uint64_t
	    max_inline_len; /* PROTO_INLINE_MAX_SIZE, 64 KB; also bounds a "*"/"$" count line */
};

struct resp_cmd {
	struct resp_arg *argv; /* caller-provided array */
	uint32_t argc;
	uint32_t cap;	    /* capacity of argv */
	uint32_t need_args; /* set with RESP_NEED_ARGS */
	bool auth_required; /* input: connection not authenticated yet (Redis's authRequired()) */
	size_t consumed;    /* bytes of input the command occupied (RESP_OK) */
	const char *err;    /* RESP_ERROR: "Protocol error: ..." without '-' or CRLF; the reply
			       on the wire is "-ERR " err "\r\n". May point into err_buf. */
	char err_buf[48];   /* room for the one error text that quotes an input byte */
};

void resp_limits_default(struct resp_limits *lim);

/**
 * Parse one command from @p buf (never reads past @p len, never allocates).
 * An empty inline line ("\r\n") or "*0\r\n"/"*-1\r\n" is consumed silently:
 * the call returns RESP_OK with argc == 0 and consumed > 0.
 * RESP_NEED_ARGS is returned only once the whole command is in the buffer and
 * valid, so memory for argv grows with bytes received, never with a claimed
 * count; after growing argv to need_args the next call returns RESP_OK.
 * @param lim NULL means resp_limits_default().
 * @return RESP_OK, RESP_INCOMPLETE, RESP_ERROR or RESP_NEED_ARGS; the buffer is
 *         modified (inline unescaping) only with RESP_OK.
 * Context: any thread.
 */
enum resp_status resp_parse(uint8_t *buf, size_t len, const struct resp_limits *lim,
			    struct resp_cmd *cmd);

/**
 * Split @p line into arguments with Redis's sdssplitargs() rules (blanks
 * separate, "double quotes" with \n \r \t \b \a \xHH escapes, 'single
 * quotes' with \' only, a closing quote must be followed by a blank), unescaping
 * in place. Like sdssplitargs() the line ends at the first NUL byte.
 * Arguments beyond @p cap are counted, not stored; the line is rewritten only
 * when the count fits @p cap. Used by inline commands and by redis.conf.
 * @return the number of arguments, or -1 for unbalanced quotes (line untouched).
 */
int64_t resp_split_args(uint8_t *line, size_t n, struct resp_arg *argv, uint32_t cap);

/* ---- reply writers: append RESP to an rw_buf; return 0 or -ENOMEM ---- */

enum resp_proto { RESP_PROTO_2 = 2, RESP_PROTO_3 = 3 };

int resp_w_simple(struct rw_buf *b, const char *s); /* +s\r\n */
int resp_w_error(struct rw_buf *b,
		 const char *s); /* -s\r\n (s includes the code, e.g. "ERR ...") */
int resp_w_errorf(struct rw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int resp_w_int(struct rw_buf *b, int64_t v);		    /* :v\r\n */
int resp_w_bulk(struct rw_buf *b, const void *p, size_t n); /* $n\r\n...\r\n */
int resp_w_bulk_cstr(struct rw_buf *b, const char *s);
int resp_w_null(struct rw_buf *b, enum resp_proto proto);	    /* $-1 or _ */
int resp_w_null_array(struct rw_buf *b, enum resp_proto proto);	    /* *-1 or _ */
int resp_w_array(struct rw_buf *b, int64_t n);			    /* *n\r\n */
int resp_w_map(struct rw_buf *b, int64_t n, enum resp_proto proto); /* %n or *2n */
int resp_w_set(struct rw_buf *b, int64_t n, enum resp_proto proto); /* ~n or *n */
int resp_w_verbatim(struct rw_buf *b, const char *p, size_t n,
		    enum resp_proto proto);			 /* =n txt: or $n */
int resp_w_bool(struct rw_buf *b, int v, enum resp_proto proto); /* #t/#f or :1/:0 */
/* ,v or bulk: Redis 7.0 addReplyDouble(): "%.17g", "inf"/"-inf"; NaN prints as libc does ("nan") */
int resp_w_double(struct rw_buf *b, double v, enum resp_proto proto);

/* ---- number helpers with Redis's exact acceptance rules ---- */

/** string2ll(): strict base-10 int64, no spaces, no leading '+', no "-0". @return 1 if valid. */
int resp_str_to_i64(const uint8_t *p, size_t n, int64_t *out);
/** ll2string(): @return length written (buf must hold 21 bytes). */
size_t resp_i64_to_str(char *buf, int64_t v);

#endif
