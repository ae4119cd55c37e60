/*
 * String commands: GET, SET, INCR.
 *
 * Semantics and error replies follow Redis 7.0.15's t_string.c: SET parses
 * every option before acting (so a syntax error wins over a bad number),
 * then validates the expiry, then runs GET, then applies NX/XX.
 *
 * Context: the worker lcore that owns the key's shard.
 */
#include <stdint.h>

#include "cmd_int.h"
#include "store.h"

/* Reply with a string object's bytes. */
static void reply_str(struct cmd_ctx *ctx, const struct store_obj *o)
{
	char buf[21];
	const uint8_t *p;
	size_t n = store_obj_str(o, buf, &p);
	resp_w_bulk(ctx->out, p, n);
}

/*
 * getGenericCommand(): reply with the value, nil for a missing key, or
 * WRONGTYPE. @return false after WRONGTYPE.
 */
static bool get_generic(struct cmd_ctx *ctx, const struct resp_arg *key)
{
	struct store_obj *o =
	    store_lookup_read(ctx->shard, ctx->client->db, key->ptr, key->len, ctx->now_ms);
	if (o == NULL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return true;
	}
	if (o->type != STORE_TYPE_STRING) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return false;
	}
	reply_str(ctx, o);
	return true;
}

void cmd_get(struct cmd_ctx *ctx)
{
	get_generic(ctx, &ctx->argv[1]);
}

/* ---- SET ---- */

enum set_flag {
	SET_NX = 1u << 0,
	SET_XX = 1u << 1,
	SET_GET = 1u << 2,
	SET_KEEPTTL = 1u << 3,
	SET_EX = 1u << 4,
	SET_PX = 1u << 5,
	SET_EXAT = 1u << 6,
	SET_PXAT = 1u << 7,
};

#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

struct set_opts {
	unsigned flags;
	const struct resp_arg *expire; /* the EX/PX/EXAT/PXAT argument */
};

/*
 * parseExtendedStringArgumentsOrReply(): an option may repeat, but NX/XX
 * exclude each other and KEEPTTL and the four expiry forms exclude each
 * other (the same form twice is accepted, the later value wins).
 */
static bool set_parse(struct cmd_ctx *ctx, struct set_opts *o)
{
	static const struct {
		const char *name;
		unsigned flag, excludes;
	} opts[] = {
	    {"nx", SET_NX, SET_XX},
	    {"xx", SET_XX, SET_NX},
	    {"get", SET_GET, 0},
	    {"keepttl", SET_KEEPTTL, SET_ANY_EXPIRE},
	    {"ex", SET_EX, SET_KEEPTTL | (SET_ANY_EXPIRE & ~SET_EX)},
	    {"px", SET_PX, SET_KEEPTTL | (SET_ANY_EXPIRE & ~SET_PX)},
	    {"exat", SET_EXAT, SET_KEEPTTL | (SET_ANY_EXPIRE & ~SET_EXAT)},
	    {"pxat", SET_PXAT, SET_KEEPTTL | (SET_ANY_EXPIRE & ~SET_PXAT)},
	};
	const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
	o->flags = 0;
	o->expire = NULL;
	for (uint32_t j = 3; j < ctx->argc; j++) {
		const struct resp_arg *a = &ctx->argv[j];
		bool has_next = j + 1 < ctx->argc;
		size_t i;
		for (i = 0; i < n_opts; i++)
			if (cmd_arg_is(a, opts[i].name))
				break;
		bool takes_value = i < n_opts && (opts[i].flag & SET_ANY_EXPIRE);
		if (i == n_opts || (o->flags & opts[i].excludes) || (takes_value && !has_next)) {
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
static bool set_expire_at(struct cmd_ctx *ctx, const struct set_opts *o, int64_t *at_ms)
{
	int64_t v;
	if (!resp_str_to_i64(o->expire->ptr, o->expire->len, &v)) {
		resp_w_error(ctx->out, CMD_ERR_NOT_INT);
		return false;
	}
	bool seconds = o->flags & (SET_EX | SET_EXAT);
	bool relative = o->flags & (SET_EX | SET_PX);
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
	resp_w_error(ctx->out, "ERR invalid expire time in 'set' command");
	return false;
}

void cmd_set(struct cmd_ctx *ctx)
{
	const struct resp_arg *key = &ctx->argv[1], *val = &ctx->argv[2];
	struct set_opts o;
	int64_t at = STORE_NO_EXPIRE;

	if (!set_parse(ctx, &o))
		return;
	if (o.expire != NULL && !set_expire_at(ctx, &o, &at))
		return;
	if ((o.flags & SET_GET) && !get_generic(ctx, key))
		return;
	bool found = store_lookup_write(ctx->shard, ctx->client->db, key->ptr, key->len,
					ctx->now_ms) != NULL;
	if (((o.flags & SET_NX) && found) || ((o.flags & SET_XX) && !found)) {
		if (!(o.flags & SET_GET))
			resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	unsigned sf = (o.flags & SET_KEEPTTL) ? STORE_SET_KEEPTTL : 0;
	if (store_set(ctx->shard, ctx->client->db, key->ptr, key->len, val->ptr, val->len, at,
		      sf) != 0) {
		/* Redis would have been killed by the OOM handler; we degrade. */
		if (!(o.flags & SET_GET))
			resp_w_error(ctx->out,
				     "OOM command not allowed when used memory > 'maxmemory'.");
		return;
	}
	ctx->dirty++;
	if (!(o.flags & SET_GET))
		resp_w_simple(ctx->out, "OK");
}

/* ---- INCR ---- */

/* getLongLongFromObject(): the value as a strict int64. */
static bool obj_to_i64(const struct store_obj *o, int64_t *v)
{
	if (o->enc == STORE_ENC_INT) {
		*v = o->v.i;
		return true;
	}
	return resp_str_to_i64(o->v.ptr, o->len, v) == 1;
}

/* incrDecrCommand(): the key keeps its expiry. */
static void incr_by(struct cmd_ctx *ctx, int64_t incr)
{
	const struct resp_arg *key = &ctx->argv[1];
	int64_t value = 0;
	struct store_obj *o =
	    store_lookup_write(ctx->shard, ctx->client->db, key->ptr, key->len, ctx->now_ms);
	if (o != NULL && o->type != STORE_TYPE_STRING) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	if (o != NULL && !obj_to_i64(o, &value)) {
		resp_w_error(ctx->out, CMD_ERR_NOT_INT);
		return;
	}
	if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
	    (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
		resp_w_error(ctx->out, CMD_ERR_OVERFLOW);
		return;
	}
	value += incr;
	if (store_set_int(ctx->shard, ctx->client->db, key->ptr, key->len, value, STORE_NO_EXPIRE,
			  STORE_SET_KEEPTTL) != 0) {
		resp_w_error(ctx->out, "OOM command not allowed when used memory > 'maxmemory'.");
		return;
	}
	ctx->dirty++;
	resp_w_int(ctx->out, value);
}

void cmd_incr(struct cmd_ctx *ctx)
{
	incr_by(ctx, 1);
}
