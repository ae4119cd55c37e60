/*
 * Parser of segment scripts (see tcp_script.h, tests/tcp/README.md).
 *
 *   +0.1 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
 *   +0   > S. 0:0(0) ack 1 <mss 1460,...>
 *   +0   < P. 1:11(10) ack 1 win 512
 *   +0   write(10)
 *
 * A hand-written recursive scanner over one line at a time; every error
 * names the line.
 */
#include "tcp_script.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_tcp.h>

struct cur {
	const char *p;
	char *err;
	size_t err_len;
};

static int fail(struct cur *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->err_len, fmt, ap);
	va_end(ap);
	return -1;
}

static void skip_ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

static bool at_end(struct cur *c)
{
	skip_ws(c);
	return *c->p == '\0' || (c->p[0] == '/' && c->p[1] == '/');
}

static bool eat(struct cur *c, const char *s)
{
	skip_ws(c);
	size_t n = strlen(s);
	if (strncmp(c->p, s, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* A word of letters (keyword). */
static bool eat_word(struct cur *c, const char *w)
{
	skip_ws(c);
	size_t n = strlen(w);
	if (strncmp(c->p, w, n) != 0 || isalnum((unsigned char)c->p[n]) || c->p[n] == '_')
		return false;
	c->p += n;
	return true;
}

static int num(struct cur *c, uint32_t *v, const char *what)
{
	skip_ws(c);
	char *e;
	errno = 0;
	unsigned long x = strtoul(c->p, &e, 10);
	if (e == c->p || errno != 0 || x > UINT32_MAX)
		return fail(c, "expected a number for %s at '%.12s'", what, c->p);
	c->p = e;
	*v = (uint32_t)x;
	return 0;
}

/* A number, or `...` (any) when @p any is not NULL. */
static int num_or_any(struct cur *c, uint32_t *v, bool *any, const char *what)
{
	if (any != NULL && eat(c, "...")) {
		*any = true;
		return 0;
	}
	return num(c, v, what);
}

static int parse_time(struct cur *c, struct sc_event *e)
{
	skip_ws(c);
	e->rel = false;
	if (*c->p == '+') {
		e->rel = true;
		c->p++;
	}
	char *end;
	double t = strtod(c->p, &end);
	if (end == c->p || t < 0)
		return fail(c, "expected a time");
	c->p = end;
	e->us = (uint64_t)(t * 1e6 + 0.5);
	return 0;
}

static void raw_put(struct sc_opts *o, const uint8_t *b, unsigned n)
{
	if (o->raw_len + n <= sizeof(o->raw)) {
		memcpy(o->raw + o->raw_len, b, n);
	}
	o->raw_len = (uint8_t)(o->raw_len + n); /* overflow is caught by the caller */
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int parse_sack_blocks(struct cur *c, struct sc_opts *o)
{
	uint8_t b[2 + 32] = {5, 2};
	while (1) {
		skip_ws(c);
		if (!isdigit((unsigned char)*c->p))
			break;
		if (o->n_sack == 4)
			return fail(c, "more than 4 SACK blocks");
		uint32_t s, e;
		if (num(c, &s, "SACK start") != 0 || !eat(c, ":") || num(c, &e, "SACK end") != 0)
			return fail(c, "bad SACK block");
		o->sack[o->n_sack][0] = s;
		o->sack[o->n_sack][1] = e;
		put32(b + 2 + 8 * o->n_sack, s);
		put32(b + 6 + 8 * o->n_sack, e);
		o->n_sack++;
	}
	if (o->n_sack == 0)
		return fail(c, "sack without blocks");
	b[1] = (uint8_t)(2 + 8 * o->n_sack);
	raw_put(o, b, b[1]);
	return 0;
}

/* <opt,opt,...> */
static int parse_opts(struct cur *c, struct sc_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (eat(c, "...>")) {
		o->any = true;
		return 0;
	}
	while (1) {
		skip_ws(c);
		if (eat_word(c, "nop")) {
			raw_put(o, (const uint8_t[]){1}, 1);
		} else if (eat_word(c, "eol")) {
			raw_put(o, (const uint8_t[]){0}, 1);
		} else if (eat_word(c, "mss")) {
			uint32_t v;
			if (num(c, &v, "mss") != 0)
				return -1;
			o->mss_set = true;
			o->mss = (uint16_t)v;
			raw_put(o, (const uint8_t[]){2, 4, (uint8_t)(v >> 8), (uint8_t)v}, 4);
		} else if (eat_word(c, "wscale")) {
			uint32_t v;
			if (num(c, &v, "wscale") != 0)
				return -1;
			o->ws = true;
			o->wscale = (uint8_t)v;
			raw_put(o, (const uint8_t[]){3, 3, (uint8_t)v}, 3);
		} else if (eat_word(c, "sackOK")) {
			o->sack_perm = true;
			raw_put(o, (const uint8_t[]){4, 2}, 2);
		} else if (eat_word(c, "TS")) {
			o->ts = true;
			if (!eat_word(c, "val") ||
			    num_or_any(c, &o->tsval, &o->tsval_any, "TS val") != 0 ||
			    !eat_word(c, "ecr") ||
			    num_or_any(c, &o->tsecr, &o->tsecr_any, "TS ecr") != 0)
				return fail(c, "expected TS val N ecr N");
			uint8_t b[10] = {8, 10};
			put32(b + 2, o->tsval);
			put32(b + 6, o->tsecr);
			raw_put(o, b, 10);
		} else if (eat_word(c, "sack")) {
			if (parse_sack_blocks(c, o) != 0)
				return -1;
		} else {
			return fail(c, "unknown option at '%.12s'", c->p);
		}
		if (eat(c, ">"))
			break;
		if (!eat(c, ","))
			return fail(c, "expected ',' or '>' in options");
	}
	if (o->raw_len > 40)
		return fail(c, "options longer than 40 bytes");
	return 0;
}

static int parse_flags(struct cur *c, uint8_t *flags)
{
	skip_ws(c);
	*flags = 0;
	const char *start = c->p;
	for (; *c->p != '\0' && *c->p != ' ' && *c->p != '\t'; c->p++) {
		switch (*c->p) {
		case 'S':
			*flags |= RTE_TCP_SYN_FLAG;
			break;
		case 'F':
			*flags |= RTE_TCP_FIN_FLAG;
			break;
		case 'R':
			*flags |= RTE_TCP_RST_FLAG;
			break;
		case 'P':
			*flags |= RTE_TCP_PSH_FLAG;
			break;
		case 'U':
			*flags |= RTE_TCP_URG_FLAG;
			break;
		case '.':
			*flags |= RTE_TCP_ACK_FLAG;
			break;
		default:
			return fail(c, "unknown flag '%c'", *c->p);
		}
	}
	if (c->p == start)
		return fail(c, "expected flags");
	return 0;
}

static int parse_segment(struct cur *c, struct sc_event *e)
{
	if (parse_flags(c, &e->flags) != 0)
		return -1;
	if (eat(c, "...")) {
		if (e->kind != SC_OUT)
			return fail(c, "'...' sequence only on outbound lines");
		e->seq_any = true;
	} else {
		if (num(c, &e->seq, "seq") != 0 || !eat(c, ":") ||
		    num(c, &e->end, "end seq") != 0 || !eat(c, "(") ||
		    num(c, &e->len, "length") != 0 || !eat(c, ")"))
			return fail(c, "expected start:end(length)");
		if (e->end - e->seq != e->len)
			return fail(c, "end - start != length");
		if (e->len > 2048)
			return fail(c, "payload longer than 2048");
	}
	while (!at_end(c)) {
		if (eat_word(c, "ack")) {
			e->ack_set = true;
			if (num_or_any(c, &e->ack, e->kind == SC_OUT ? &e->ack_any : NULL, "ack") !=
			    0)
				return -1;
		} else if (eat_word(c, "win")) {
			e->win_set = true;
			if (num_or_any(c, &e->win, e->kind == SC_OUT ? &e->win_any : NULL, "win") !=
			    0)
				return -1;
			if (e->win > 65535)
				return fail(c, "win above 65535");
		} else if (eat(c, "<")) {
			e->opt_set = true;
			if (parse_opts(c, &e->opt) != 0)
				return -1;
			if (e->opt.any && e->kind == SC_IN)
				return fail(c, "<...> only on outbound lines");
			if (e->opt.raw_len % 4 != 0 && e->kind == SC_IN)
				return fail(c, "inbound options must fill 32-bit words (add nop)");
		} else {
			return fail(c, "unexpected '%.12s'", c->p);
		}
	}
	return 0;
}

/* name(arg, arg) */
static int parse_call(struct cur *c, struct sc_event *e)
{
	skip_ws(c);
	size_t n = 0;
	while (isalnum((unsigned char)c->p[n]) || c->p[n] == '_')
		n++;
	if (n == 0 || n >= SC_ARG_LEN || c->p[n] != '(')
		return fail(c, "expected '<', '>' or name(...)");
	memcpy(e->fn, c->p, n);
	e->fn[n] = '\0';
	c->p += n + 1;
	skip_ws(c);
	if (eat(c, ")"))
		goto done;
	while (1) {
		skip_ws(c);
		size_t k = 0;
		while (c->p[k] != '\0' && c->p[k] != ',' && c->p[k] != ')' && c->p[k] != ' ')
			k++;
		if (k == 0 || k >= SC_ARG_LEN || e->n_arg == SC_MAX_ARGS)
			return fail(c, "bad argument list");
		memcpy(e->arg[e->n_arg], c->p, k);
		e->arg[e->n_arg][k] = '\0';
		e->n_arg++;
		c->p += k;
		if (eat(c, ")"))
			break;
		if (!eat(c, ","))
			return fail(c, "expected ',' or ')'");
	}
done:
	if (!at_end(c))
		return fail(c, "junk after call");
	return 0;
}

int sc_parse_line(const char *line, struct sc_event *e, char *err, size_t err_len)
{
	struct cur c = {.p = line, .err = err, .err_len = err_len};
	memset(e, 0, sizeof(*e));
	if (at_end(&c) || *c.p == '#')
		return 0;
	if (parse_time(&c, e) != 0)
		return -1;
	skip_ws(&c);
	if (*c.p == '<' || *c.p == '>') {
		e->kind = *c.p == '<' ? SC_IN : SC_OUT;
		c.p++;
		return parse_segment(&c, e) == 0 ? 1 : -1;
	}
	e->kind = SC_CALL;
	return parse_call(&c, e) == 0 ? 1 : -1;
}

int sc_parse_file(const char *path, struct sc_script *s, char *err, size_t err_len)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[512], why[256];
	int lineno = 0, rc = 0;
	s->n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		struct sc_event e;
		int r = sc_parse_line(line, &e, why, sizeof(why));
		if (r < 0 || (r > 0 && s->n == SC_MAX_EVENTS)) {
			snprintf(err, err_len, "%s:%d: %s", path, lineno,
				 r < 0 ? why : "too many events");
			rc = -1;
			break;
		}
		if (r > 0) {
			e.line = lineno;
			s->ev[s->n++] = e;
		}
	}
	fclose(f);
	return rc;
}
