/*
 * Counters: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT.
 *
 * As Redis 7.0.15's incrDecrCommand() and incrbyfloatCommand(): the key
 * keeps its expiry; integer results are int-encoded; INCRBYFLOAT works in
 * long double, formats with "%.17Lf" minus trailing zeros (ld2string()'s
 * LD_STR_HUMAN) and stores the text as embstr/raw, never as an int, so
 * OBJECT ENCODING says "embstr" even for "3".
 *
 * Context: the worker lcore that owns the key's shard.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_int.h"

/* Redis's MAX_LONG_DOUBLE_CHARS */
#define LD_CHARS_MAX (5 * 1024)

/* getLongLongFromObject(): the value as a strict int64. */
static bool obj_to_i64(const struct store_obj *o, int64_t *v)
{
	if (o->enc == STORE_ENC_INT) {
		*v = o->v.i;
		return true;
	}
	return resp_str_to_i64(o->v.ptr, o->len, v) == 1;
}

static void incr_by(struct cmd_ctx *ctx, int64_t incr)
{
	struct store_wr w;
	int64_t value = 0;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj != NULL && w.obj->type != STORE_TYPE_STRING) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	if (w.obj != NULL && !obj_to_i64(w.obj, &value)) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_NOT_INT);
		return;
	}
	if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
	    (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_OVERFLOW);
		return;
	}
	value += incr;
	int rc = store_wr_set_int(&w, value);
	store_write_commit(&w, rc == 0, incr < 0 ? "decrby" : "incrby");
	if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, value);
}

void cmd_incr(struct cmd_ctx *ctx)
{
	incr_by(ctx, 1);
}

void cmd_decr(struct cmd_ctx *ctx)
{
	incr_by(ctx, -1);
}

void cmd_incrby(struct cmd_ctx *ctx)
{
	int64_t v;
	if (cmd_arg_i64(ctx, &ctx->argv[2], &v))
		incr_by(ctx, v);
}

void cmd_decrby(struct cmd_ctx *ctx)
{
	int64_t v;
	if (!cmd_arg_i64(ctx, &ctx->argv[2], &v))
		return;
	if (v == INT64_MIN) {
		resp_w_error(ctx->out, "ERR decrement would overflow");
		return;
	}
	incr_by(ctx, -v);
}

/* string2ld(): strtold over the whole argument; no leading space, no NaN,
 * no overflow to infinity or underflow to zero. */
static bool str_to_ld(const uint8_t *p, size_t n, long double *out)
{
	char buf[LD_CHARS_MAX];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	errno = 0;
	char *end;
	long double v = strtold(buf, &end);
	if (isspace((unsigned char)buf[0]) || end[0] != '\0' ||
	    (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO)) ||
	    errno == EINVAL || isnan(v))
		return false;
	*out = v;
	return true;
}

/* getLongDoubleFromObject() */
static bool obj_to_ld(const struct store_obj *o, long double *v)
{
	if (o->enc == STORE_ENC_INT) {
		*v = (long double)o->v.i;
		return true;
	}
	return o->len <= LD_CHARS_MAX && str_to_ld(o->v.ptr, o->len, v);
}

/* ld2string(LD_STR_HUMAN). @return the length. */
static size_t ld_human(char *buf, size_t cap, long double v)
{
	int l = snprintf(buf, cap, "%.17Lf", v);
	if (l < 0 || (size_t)l + 1 > cap)
		return 0;
	if (memchr(buf, '.', (size_t)l) != NULL) {
		while (buf[l - 1] == '0')
			l--;
		if (buf[l - 1] == '.')
			l--;
	}
	if (l == 2 && buf[0] == '-' && buf[1] == '0') {
		buf[0] = '0';
		l = 1;
	}
	return (size_t)l;
}

void cmd_incrbyfloat(struct cmd_ctx *ctx)
{
	const struct resp_arg *arg = &ctx->argv[2];
	long double value = 0, incr;
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj != NULL && w.obj->type != STORE_TYPE_STRING) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	if ((w.obj != NULL && !obj_to_ld(w.obj, &value)) ||
	    !(arg->len <= LD_CHARS_MAX && str_to_ld(arg->ptr, arg->len, &incr))) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_NOT_FLOAT);
		return;
	}
	value += incr;
	if (isnan(value) || isinf(value)) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, "ERR increment would produce NaN or Infinity");
		return;
	}
	char buf[LD_CHARS_MAX];
	size_t n = ld_human(buf, sizeof(buf), value);
	int rc = store_wr_set_bytes(&w, buf, n);
	store_write_commit(&w, rc == 0, "incrbyfloat");
	if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_bulk(ctx->out, buf, n);
}

/* HINCRBYFLOAT parses and prints as INCRBYFLOAT does. */
bool cmd_str_to_ld(const uint8_t *p, size_t n, long double *out)
{
	return n <= LD_CHARS_MAX && str_to_ld(p, n, out);
}

size_t cmd_ld_human(char *buf, size_t cap, long double v)
{
	return ld_human(buf, cap, v);
}
