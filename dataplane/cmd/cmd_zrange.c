/*
 * The ZRANGE family: ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES),
 * ZRANGESTORE, ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX,
 * ZREVRANGEBYLEX, all through zrangeGenericCommand() of redis-server
 * 7.0.15: options parsed first (each command allows only its own), then
 * the conflicts, then the range (swapped for REV by score or lex), then
 * the key.
 *
 * A range becomes a window of ranks before anything is replied, so the
 * reply length is known up front: by rank directly; by score or lex from
 * the ranks of the first and past-the-last element in range, then LIMIT
 * (an offset past the set or negative selects nothing, a negative count
 * everything). ZRANGESTORE copies the window out first (the destination
 * may be the source), then stores it as a new set.
 *
 * Context: the worker lcore that owns the keys' shard.
 */
#include "cmd_zset.h"

enum zr_type { ZR_AUTO, ZR_RANK, ZR_SCORE, ZR_LEX };
enum zr_dir { ZD_AUTO, ZD_FWD, ZD_REV };

struct zr_args {
	enum zr_type type;
	enum zr_dir dir;
	bool withscores;
	int64_t offset, limit;
	uint32_t minidx, maxidx;
};

static bool zr_options(struct cmd_ctx *ctx, uint32_t argc_start, bool store, struct zr_args *a)
{
	for (uint32_t j = argc_start + 3; j < ctx->argc; j++) {
		const struct resp_arg *o = &ctx->argv[j];
		uint32_t left = ctx->argc - j - 1;
		if (!store && cmd_arg_is(o, "withscores")) {
			a->withscores = true;
		} else if (cmd_arg_is(o, "limit") && left >= 2) {
			if (!cmd_arg_i64(ctx, &ctx->argv[j + 1], &a->offset) ||
			    !cmd_arg_i64(ctx, &ctx->argv[j + 2], &a->limit))
				return false;
			j += 2;
		} else if (a->dir == ZD_AUTO && cmd_arg_is(o, "rev")) {
			a->dir = ZD_REV;
		} else if (a->type == ZR_AUTO && cmd_arg_is(o, "bylex")) {
			a->type = ZR_LEX;
		} else if (a->type == ZR_AUTO && cmd_arg_is(o, "byscore")) {
			a->type = ZR_SCORE;
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return false;
		}
	}
	if (a->dir == ZD_AUTO)
		a->dir = ZD_FWD;
	if (a->type == ZR_AUTO)
		a->type = ZR_RANK;
	if (a->limit != -1 && a->type == ZR_RANK) {
		resp_w_error(ctx->out, "ERR syntax error, LIMIT is only supported in combination "
				       "with either BYSCORE or BYLEX");
		return false;
	}
	if (a->withscores && a->type == ZR_LEX) {
		resp_w_error(
		    ctx->out,
		    "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
		return false;
	}
	a->minidx = argc_start + 1;
	a->maxidx = argc_start + 2;
	if (a->dir == ZD_REV && a->type != ZR_RANK) {
		a->minidx = argc_start + 2;
		a->maxidx = argc_start + 1;
	}
	return true;
}

/* A parsed range of any kind. */
struct zr_range {
	int64_t start, end;
	struct store_zset_range score;
	struct store_zset_lexb lo, hi;
};

static bool zr_parse(struct cmd_ctx *ctx, const struct zr_args *a, struct zr_range *r)
{
	const struct resp_arg *min = &ctx->argv[a->minidx], *max = &ctx->argv[a->maxidx];
	switch (a->type) {
	case ZR_SCORE:
		if (zs_parse_range(min, max, &r->score))
			return true;
		resp_w_error(ctx->out, ZS_ERR_RANGE);
		return false;
	case ZR_LEX:
		if (zs_parse_lex(min, max, &r->lo, &r->hi))
			return true;
		resp_w_error(ctx->out, ZS_ERR_LEX);
		return false;
	default:
		return cmd_arg_i64(ctx, min, &r->start) && cmd_arg_i64(ctx, max, &r->end);
	}
}

/* The window: @p count elements from ascending rank @p *from, walked
 * backward if @p a says REV. */
static uint64_t zr_window(const struct store_zset *z, const struct zr_args *a,
			  const struct zr_range *r, uint64_t *from)
{
	uint64_t len = store_zset_len(z), first, end;
	bool rev = a->dir == ZD_REV;
	if (a->type == ZR_RANK) {
		int64_t s = r->start, e = r->end, l = (int64_t)len;
		if (s < 0)
			s += l;
		if (e < 0)
			e += l;
		if (s < 0)
			s = 0;
		if (s > e || s >= l)
			return 0;
		if (e >= l)
			e = l - 1;
		*from = rev ? len - 1 - (uint64_t)s : (uint64_t)s;
		return (uint64_t)(e - s + 1);
	}
	if (a->type == ZR_SCORE)
		store_zset_score_ranks(z, &r->score, &first, &end);
	else
		store_zset_lex_ranks(z, &r->lo, &r->hi, &first, &end);
	if (a->offset < 0 || (a->offset > 0 && (uint64_t)a->offset >= len))
		return 0;
	uint64_t skip = (uint64_t)a->offset, total = end - first;
	if (skip >= total)
		return 0;
	uint64_t count = total - skip;
	if (a->limit >= 0 && (uint64_t)a->limit < count)
		count = (uint64_t)a->limit;
	*from = rev ? end - 1 - skip : first + skip;
	return count;
}

static void zrange_generic(struct cmd_ctx *ctx, uint32_t argc_start, bool store, enum zr_type type,
			   enum zr_dir dir)
{
	struct zr_args a = {.type = type, .dir = dir, .limit = -1};
	struct zr_range r;
	bool wrong;
	if (!zr_options(ctx, argc_start, store, &a) || !zr_parse(ctx, &a, &r))
		return;
	struct store_zset *z = zs_read(ctx, &ctx->argv[argc_start], &wrong);
	if (wrong)
		return;
	uint64_t from = 0, count = z != NULL ? zr_window(z, &a, &r, &from) : 0;
	struct store_zset_iter it;
	const uint8_t *m;
	size_t n;
	double s;
	if (count > 0)
		store_zset_iter_init(z, from, a.dir == ZD_REV, &it);
	if (!store) {
		zs_reply_len(ctx, count, a.withscores);
		for (uint64_t i = 0; i < count && store_zset_iter_next(&it, &m, &n, &s); i++)
			zs_reply_elem(ctx, m, n, s, a.withscores);
		return;
	}
	struct zs_result res = {0};
	int rc = 0;
	for (uint64_t i = 0; i < count && rc == 0 && store_zset_iter_next(&it, &m, &n, &s); i++)
		rc = zs_result_push(&res, m, n, s);
	if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		zs_store_result(ctx, &ctx->argv[1], &res, "zrangestore");
	zs_result_free(&res);
}

void cmd_zrange(struct cmd_ctx *ctx)
{
	zrange_generic(ctx, 1, false, ZR_AUTO, ZD_AUTO);
}

void cmd_zrangestore(struct cmd_ctx *ctx)
{
	zrange_generic(ctx, 2, true, ZR_AUTO, ZD_AUTO);
}

void cmd_zrevrange(struct cmd_ctx *ctx)
{
	zrange_generic(ctx, 1, false, ZR_RANK, ZD_REV);
}

void cmd_zrangebyscore(struct cmd_ctx *ctx)
{
	zrange_generic(ctx, 1, false, ZR_SCORE, ZD_FWD);
}

void cmd_zrevrangebyscore(struct cmd_ctx *ctx)
{
	zrange_generic(ctx, 1, false, ZR_SCORE, ZD_REV);
}

void cmd_zrangebylex(struct cmd_ctx *ctx)
{
	zrange_generic(ctx, 1, false, ZR_LEX, ZD_FWD);
}

void cmd_zrevrangebylex(struct cmd_ctx *ctx)
{
	zrange_generic(ctx, 1, false, ZR_LEX, ZD_REV);
}
