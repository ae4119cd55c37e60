/*
 * String commands: GET, SET, SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX,
 * APPEND, STRLEN, SETRANGE, GETRANGE, SUBSTR. (INCR and friends live in
 * cmd_incr.c, bitmaps in cmd_bitmap.c.)
 *
 * Semantics and error replies follow Redis 7.0.15's t_string.c. SET and
 * GETEX share parseExtendedStringArgumentsOrReply(): every option is parsed
 * before anything acts (so a syntax error wins over a bad number), then the
 * expiry is validated, then the key is read, then the write happens.
 * Encodings follow object.c: values a client sets are int/embstr/raw by
 * tryObjectEncoding(); APPEND and SETRANGE make a private raw copy
 * (dbUnshareStringValue()), so OBJECT ENCODING reports "raw" after them.
 * Every change goes through store_write_begin()/store_write_commit().
 *
 * Context: the worker lcore that owns the key's shard.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd_int.h"

void cmd_reply_obj(struct cmd_ctx *ctx, const struct store_obj *o)
{
	char buf[21];
	const uint8_t *p;
	size_t n = store_obj_str(o, buf, &p);
	resp_w_bulk(ctx->out, p, n);
}

bool cmd_check_str_len(struct cmd_ctx *ctx, uint64_t size, uint64_t add)
{
	if (size + add > cmd_str_max(ctx) || size + add < size) {
		resp_w_error(ctx->out, CMD_ERR_STR_MAX);
		return false;
	}
	return true;
}

/*
 * getGenericCommand(): reply with the value, nil for a missing key, or
 * WRONGTYPE. @return false after WRONGTYPE.
 */
static bool get_generic(struct cmd_ctx *ctx, const struct resp_arg *key)
{
	struct store_obj *o = cmd_lookup_key(ctx, key, 0);
	if (o == NULL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return true;
	}
	if (o->type != STORE_TYPE_STRING) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return false;
	}
	cmd_reply_obj(ctx, o);
	return true;
}

void cmd_get(struct cmd_ctx *ctx)
{
	get_generic(ctx, &ctx->argv[1]);
}

/* ---- SET and its options (shared with SETNX, SETEX, PSETEX, GETEX) ---- */

enum set_flag {
	SET_NX = 1u << 0,
	SET_XX = 1u << 1,
	SET_GET = 1u << 2,
	SET_KEEPTTL = 1u << 3,
	SET_EX = 1u << 4,
	SET_PX = 1u << 5,
	SET_EXAT = 1u << 6,
	SET_PXAT = 1u << 7,
	SET_PERSIST = 1u << 8,
};

#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)
#define SET_SET_ONLY   (SET_NX | SET_XX | SET_GET | SET_KEEPTTL)

struct set_opts {
	unsigned flags;
	const struct resp_arg *expire; /* the EX/PX/EXAT/PXAT argument */
};

/*
 * parseExtendedStringArgumentsOrReply(): an option may repeat, but NX/XX
 * exclude each other and KEEPTTL/PERSIST and the four expiry forms exclude
 * each other (the same form twice is accepted, the later value wins). SET
 * takes NX XX GET KEEPTTL, GETEX takes PERSIST.
 */
static bool opts_parse(struct cmd_ctx *ctx, uint32_t first, bool getex, struct set_opts *o)
{
	static const struct {
		const char *name;
		unsigned flag, excludes;
	} opts[] = {
	    {"nx", SET_NX, SET_XX},
	    {"xx", SET_XX, SET_NX},
	    {"get", SET_GET, 0},
	    {"keepttl", SET_KEEPTTL, SET_ANY_EXPIRE | SET_PERSIST},
	    {"persist", SET_PERSIST, SET_ANY_EXPIRE | SET_KEEPTTL},
	    {"ex", SET_EX, SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_EX)},
	    {"px", SET_PX, SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_PX)},
	    {"exat", SET_EXAT, SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_EXAT)},
	    {"pxat", SET_PXAT, SET_KEEPTTL | SET_PERSIST | (SET_ANY_EXPIRE & ~SET_PXAT)},
	};
	const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
	unsigned not_here = getex ? SET_SET_ONLY : SET_PERSIST;
	o->flags = 0;
	o->expire = NULL;
	for (uint32_t j = first; j < ctx->argc; j++) {
		const struct resp_arg *a = &ctx->argv[j];
		bool has_next = j + 1 < ctx->argc;
		size_t i;
		for (i = 0; i < n_opts; i++)
			if (cmd_arg_is(a, opts[i].name))
				break;
		bool takes_value = i < n_opts && (opts[i].flag & SET_ANY_EXPIRE);
		if (i == n_opts || (opts[i].flag & not_here) || (o->flags & opts[i].excludes) ||
		    (takes_value && !has_next)) {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return false;
		}
		o->flags |= opts[i].flag;
		if (takes_value)
			o->expire = &ctx->argv[++j];
	}
	return true;
}

/*
 * getExpireMillisecondsOrReply(): a positive number; seconds must not
 * overflow when scaled; relative forms must not overflow when now is added
 * (Redis's signed wrap makes them negative, hence the same error).
 * @return false after replying an error.
 */
static bool expire_at(struct cmd_ctx *ctx, const struct resp_arg *arg, unsigned flags,
		      int64_t *at_ms)
{
	int64_t v;
	if (!cmd_arg_i64(ctx, arg, &v))
		return false;
	bool seconds = flags & (SET_EX | SET_EXAT);
	bool relative = flags & (SET_EX | SET_PX);
	int64_t now = (int64_t)ctx->now_ms;
	if (v <= 0 || (seconds && v > INT64_MAX / 1000))
		goto invalid;
	if (seconds)
		v *= 1000;
	if (relative) {
		if (v > INT64_MAX - now)
			goto invalid;
		v += now;
	}
	*at_ms = v;
	return true;
invalid:
	resp_w_errorf(ctx->out, "ERR invalid expire time in '%s' command", cmd_name(ctx));
	return false;
}

/* setGenericCommand() journals an EX, PX or EXAT (SET, SETEX, PSETEX) as
 * SET key value PXAT <ms>, the other options dropped: the absolute time
 * replays to the same instant. */
static void propagate_set_pxat(struct cmd_ctx *ctx, const struct resp_arg *key,
			       const struct resp_arg *val, int64_t at_ms)
{
	char num[24];
	if (ctx->propagate == NULL)
		return;
	int n = snprintf(num, sizeof(num), "%" PRId64, at_ms);
	rw_buf_reset(ctx->propagate);
	resp_w_array(ctx->propagate, 5);
	resp_w_bulk_cstr(ctx->propagate, "SET");
	resp_w_bulk(ctx->propagate, key->ptr, key->len);
	resp_w_bulk(ctx->propagate, val->ptr, val->len);
	resp_w_bulk_cstr(ctx->propagate, "PXAT");
	resp_w_bulk(ctx->propagate, num, (size_t)n);
}

/*
 * setGenericCommand(): expiry first, then GET, then NX/XX, then the write.
 * @p ok / @p abort are the replies for "set" and "not set" (NULL: +OK / nil).
 */
static void set_generic(struct cmd_ctx *ctx, const struct resp_arg *key, const struct resp_arg *val,
			const struct set_opts *o, const char *ok, const char *abort)
{
	int64_t at = STORE_NO_EXPIRE;
	if (o->expire != NULL && !expire_at(ctx, o->expire, o->flags, &at))
		return;
	if ((o->flags & SET_GET) && !get_generic(ctx, key))
		return;
	struct store_wr w;
	cmd_write_begin(ctx, key, &w);
	bool found = w.obj != NULL;
	if (((o->flags & SET_NX) && found) || ((o->flags & SET_XX) && !found)) {
		store_write_commit(&w, 0, NULL);
		if (!(o->flags & SET_GET)) {
			if (abort != NULL)
				rw_buf_append(ctx->out, abort, strlen(abort));
			else
				resp_w_null(ctx->out, cmd_proto(ctx));
		}
		return;
	}
	int rc = store_wr_set_str(&w, val->ptr, val->len);
	if (rc == 0 && !(o->flags & SET_KEEPTTL))
		rc = store_wr_set_expire(&w, at);
	store_write_commit(&w, rc == 0 ? 1 : 0, "set");
	if (rc == 0 && o->expire != NULL && !(o->flags & SET_PXAT))
		propagate_set_pxat(ctx, key, val, at);
	if (rc != 0) {
		/* Redis would have been killed by the OOM handler; we degrade. */
		if (!(o->flags & SET_GET))
			resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	if (!(o->flags & SET_GET)) {
		if (ok != NULL)
			rw_buf_append(ctx->out, ok, strlen(ok));
		else
			resp_w_simple(ctx->out, "OK");
	}
}

void cmd_set(struct cmd_ctx *ctx)
{
	struct set_opts o;
	if (opts_parse(ctx, 3, false, &o))
		set_generic(ctx, &ctx->argv[1], &ctx->argv[2], &o, NULL, NULL);
}

void cmd_setnx(struct cmd_ctx *ctx)
{
	struct set_opts o = {.flags = SET_NX};
	set_generic(ctx, &ctx->argv[1], &ctx->argv[2], &o, ":1\r\n", ":0\r\n");
}

void cmd_setex(struct cmd_ctx *ctx)
{
	struct set_opts o = {.flags = SET_EX, .expire = &ctx->argv[2]};
	set_generic(ctx, &ctx->argv[1], &ctx->argv[3], &o, NULL, NULL);
}

void cmd_psetex(struct cmd_ctx *ctx)
{
	struct set_opts o = {.flags = SET_PX, .expire = &ctx->argv[2]};
	set_generic(ctx, &ctx->argv[1], &ctx->argv[3], &o, NULL, NULL);
}

/* GETSET: the old value, then a plain SET (which clears the expiry). */
void cmd_getset(struct cmd_ctx *ctx)
{
	struct set_opts o = {.flags = SET_GET};
	set_generic(ctx, &ctx->argv[1], &ctx->argv[2], &o, NULL, NULL);
}

void cmd_getdel(struct cmd_ctx *ctx)
{
	if (!get_generic(ctx, &ctx->argv[1]))
		return;
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	bool found = w.obj != NULL;
	store_wr_delete(&w);
	store_write_commit(&w, found, "del");
}

static void propagate_persist(struct cmd_ctx *ctx, const struct resp_arg *key)
{
	if (ctx->propagate == NULL)
		return;
	rw_buf_reset(ctx->propagate);
	resp_w_array(ctx->propagate, 2);
	resp_w_bulk_cstr(ctx->propagate, "PERSIST");
	resp_w_bulk(ctx->propagate, key->ptr, key->len);
}

/* GETEX: options, key, expiry check, the value, then the expiry change;
 * EXAT/PXAT in the past delete the key. */
void cmd_getex(struct cmd_ctx *ctx)
{
	struct set_opts o;
	int64_t at = STORE_NO_EXPIRE;
	if (!opts_parse(ctx, 2, true, &o))
		return;
	/* 7.0.15 looks the key up before it validates the expiry */
	struct store_obj *obj = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	if (obj == NULL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	if (obj->type != STORE_TYPE_STRING) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	if (o.expire != NULL && !expire_at(ctx, o.expire, o.flags, &at))
		return;
	cmd_reply_obj(ctx, obj);
	if (o.expire == NULL && !(o.flags & SET_PERSIST))
		return;
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if ((o.flags & (SET_EXAT | SET_PXAT)) && at <= (int64_t)ctx->now_ms) {
		store_wr_delete(&w); /* checkAlreadyExpired() */
		store_write_commit(&w, 1, "del");
		cmd_propagate_del(ctx, &ctx->argv[1]);
	} else if (o.expire != NULL) {
		store_write_commit(&w, store_wr_set_expire(&w, at) == 0, "expire");
		cmd_propagate_pexpireat(ctx, &ctx->argv[1], at, ctx->argc); /* no options */
	} else {
		bool had = store_obj_expire(w.obj) != STORE_NO_EXPIRE;
		store_wr_set_expire(&w, STORE_NO_EXPIRE);
		store_write_commit(&w, had, "persist");
		if (had) /* journaled as PERSIST key, as Redis rewrites it */
			propagate_persist(ctx, &ctx->argv[1]);
	}
}

/* ---- APPEND, STRLEN, SETRANGE, GETRANGE ---- */

void cmd_append(struct cmd_ctx *ctx)
{
	const struct resp_arg *val = &ctx->argv[2];
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj == NULL) {
		/* a new key stores the argument as SET would (int/embstr/raw) */
		int rc = store_wr_set_str(&w, val->ptr, val->len);
		store_write_commit(&w, rc == 0, "append");
		if (rc != 0)
			resp_w_error(ctx->out, CMD_ERR_OOM);
		else
			resp_w_int(ctx->out, (int64_t)val->len);
		return;
	}
	if (w.obj->type != STORE_TYPE_STRING) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	char buf[21];
	const uint8_t *p;
	size_t old = store_obj_str(w.obj, buf, &p);
	if (!cmd_check_str_len(ctx, old, val->len)) {
		store_write_commit(&w, 0, NULL);
		return;
	}
	uint8_t *raw = store_wr_raw(&w, old + val->len);
	if (raw != NULL && val->len > 0)
		memcpy(raw + old, val->ptr, val->len);
	store_write_commit(&w, raw != NULL, "append");
	if (raw == NULL)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, (int64_t)(old + val->len));
}

void cmd_strlen(struct cmd_ctx *ctx)
{
	struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	if (o != NULL && o->type != STORE_TYPE_STRING) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	char buf[21];
	const uint8_t *p;
	resp_w_int(ctx->out, o != NULL ? (int64_t)store_obj_str(o, buf, &p) : 0);
}

void cmd_setrange(struct cmd_ctx *ctx)
{
	const struct resp_arg *val = &ctx->argv[3];
	int64_t off;
	if (!cmd_arg_i64(ctx, &ctx->argv[2], &off))
		return;
	if (off < 0) {
		resp_w_error(ctx->out, "ERR offset is out of range");
		return;
	}
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	size_t old = 0;
	if (w.obj != NULL) {
		if (w.obj->type != STORE_TYPE_STRING) {
			store_write_commit(&w, 0, NULL);
			resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
			return;
		}
		char buf[21];
		const uint8_t *p;
		old = store_obj_str(w.obj, buf, &p);
	}
	/* an empty value changes nothing, not even a missing key */
	if (val->len == 0 || !cmd_check_str_len(ctx, (uint64_t)off, val->len)) {
		store_write_commit(&w, 0, NULL);
		if (val->len == 0)
			resp_w_int(ctx->out, (int64_t)old);
		return;
	}
	size_t end = (size_t)off + val->len;
	size_t len = end > old ? end : old;
	uint8_t *raw = store_wr_raw(&w, len);
	if (raw != NULL)
		memcpy(raw + off, val->ptr, val->len);
	store_write_commit(&w, raw != NULL, "setrange");
	if (raw == NULL)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, (int64_t)len);
}

/* GETRANGE and its old name SUBSTR: indexes parsed before the lookup. */
void cmd_getrange(struct cmd_ctx *ctx)
{
	int64_t start, end;
	if (!cmd_arg_i64(ctx, &ctx->argv[2], &start) || !cmd_arg_i64(ctx, &ctx->argv[3], &end))
		return;
	struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	if (o == NULL) {
		resp_w_bulk(ctx->out, "", 0);
		return;
	}
	if (o->type != STORE_TYPE_STRING) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	char buf[21];
	const uint8_t *p;
	int64_t len = (int64_t)store_obj_str(o, buf, &p);
	if (start < 0 && end < 0 && start > end) {
		resp_w_bulk(ctx->out, "", 0);
		return;
	}
	if (start < 0)
		start += len;
	if (end < 0)
		end += len;
	if (start < 0)
		start = 0;
	if (end < 0)
		end = 0;
	if (end >= len)
		end = len - 1;
	if (start > end || len == 0)
		resp_w_bulk(ctx->out, "", 0);
	else
		resp_w_bulk(ctx->out, p + start, (size_t)(end - start + 1));
}
