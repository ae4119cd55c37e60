/*
 * ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD, as
 * zunionInterDiffGenericCommand() of redis-server 7.0.15 runs them:
 * numkeys, then every source key (WRONGTYPE before any option error),
 * then WEIGHTS / AGGREGATE / WITHSCORES / LIMIT as each command allows.
 *
 *   union  every element of every source; weighted score (NaN -> 0),
 *          combined with SUM (NaN -> 0), MIN or MAX in source order;
 *   inter  elements of the smallest source present in all others,
 *          sources taken smallest first (Redis sorts them by size);
 *   diff   elements of the first source in none of the others, with
 *          their score.
 * The result is ordered as a sorted set (score, member), gathered in a
 * skiplist-encoded scratch set for union and inter. A STORE replaces the
 * destination (no expiry) or deletes it for an empty result; the stored
 * set is a listpack when it fits the bounds, as Redis converts it.
 *
 * Sources that are plain sets count with score 1 each, as in Redis: they
 * are copied into a scratch sorted set for the command's duration.
 *
 * Context: the worker lcore that owns the keys' shard.
 */
#include <math.h>
#include <stdlib.h>

#include "cmd_zset.h"
#include "store_set.h"

enum zop { ZOP_UNION, ZOP_INTER, ZOP_DIFF };
enum zagg { AGG_SUM, AGG_MIN, AGG_MAX };

struct zsrc {
	struct store_zset *z; /* NULL: missing key, empty */
	double weight;
	bool scratch; /* z is a copy of a plain set, freed after the command */
};

/* A plain set as a sorted set of score-1 members. @return NULL on OOM. */
static struct store_zset *set_as_zset(const struct store_obj *o, const struct store_zset_cfg *cfg)
{
	struct store_zset *z = store_zset_create(store_set_len(o) > cfg->max_entries);
	struct store_set_it it;
	const uint8_t *m;
	size_t n;
	unsigned out;
	double ns;
	if (z == NULL)
		return NULL;
	store_set_it_init(&it, o);
	while (store_set_it_next(&it, &m, &n))
		if (store_zset_add(z, cfg, 1.0, m, n, 0, &out, &ns) != 0) {
			store_zset_destroy(&z);
			return NULL;
		}
	return z;
}

/* zunionInterDiffGenericCommand()'s lookup: a sorted set, a plain set, or
 * WRONGTYPE (replied; *@p wrong set). @return false after replying an error. */
static bool src_read(struct cmd_ctx *ctx, const struct resp_arg *key, struct zsrc *src, bool *wrong)
{
	struct store_obj *o = cmd_lookup_key(ctx, key, 0); /* one lookup: one access */
	*wrong = false;
	src->weight = 1.0;
	src->z = NULL;
	if (o == NULL)
		return true;
	if (o->type == STORE_TYPE_ZSET) {
		src->z = o->v.coll;
		return true;
	}
	if (o->type != STORE_TYPE_SET) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		*wrong = true;
		return false;
	}
	struct store_zset_cfg cfg;
	zs_cfg(ctx, &cfg);
	src->z = set_as_zset(o, &cfg);
	src->scratch = src->z != NULL;
	if (src->z == NULL) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
		*wrong = true;
		return false;
	}
	return true;
}

static uint64_t src_len(const struct zsrc *s)
{
	return s->z != NULL ? store_zset_len(s->z) : 0;
}

/* zunionInterAggregate() */
static void aggregate(double *target, double val, enum zagg agg)
{
	if (agg == AGG_SUM) {
		*target += val;
		if (isnan(*target))
			*target = 0.0; /* inf + -inf */
	} else if (agg == AGG_MIN) {
		*target = val < *target ? val : *target;
	} else {
		*target = val > *target ? val : *target;
	}
}

struct zops_args {
	enum zop op;
	enum zagg agg;
	bool withscores, card_only;
	int64_t limit;
	uint32_t n;
	struct zsrc *src;
};

/* Options after the keys. @return false after replying an error. */
static bool zops_options(struct cmd_ctx *ctx, uint32_t j, bool store, struct zops_args *a)
{
	while (j < ctx->argc) {
		const struct resp_arg *o = &ctx->argv[j];
		uint32_t remaining = ctx->argc - j;
		bool weighted = a->op != ZOP_DIFF && !a->card_only;
		if (weighted && remaining >= a->n + 1 && cmd_arg_is(o, "weights")) {
			j++;
			for (uint32_t i = 0; i < a->n; i++, j++)
				if (!zs_parse_double(&ctx->argv[j], &a->src[i].weight)) {
					resp_w_error(ctx->out, "ERR weight value is not a float");
					return false;
				}
		} else if (weighted && remaining >= 2 && cmd_arg_is(o, "aggregate")) {
			const struct resp_arg *v = &ctx->argv[j + 1];
			if (cmd_arg_is(v, "sum")) {
				a->agg = AGG_SUM;
			} else if (cmd_arg_is(v, "min")) {
				a->agg = AGG_MIN;
			} else if (cmd_arg_is(v, "max")) {
				a->agg = AGG_MAX;
			} else {
				resp_w_error(ctx->out, CMD_ERR_SYNTAX);
				return false;
			}
			j += 2;
		} else if (!store && !a->card_only && cmd_arg_is(o, "withscores")) {
			a->withscores = true;
			j++;
		} else if (a->card_only && remaining >= 2 && cmd_arg_is(o, "limit")) {
			const struct resp_arg *v = &ctx->argv[j + 1];
			if (!resp_str_to_i64(v->ptr, v->len, &a->limit) || a->limit < 0) {
				resp_w_error(ctx->out, "ERR LIMIT can't be negative");
				return false;
			}
			j += 2;
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return false;
		}
	}
	return true;
}

/* The weighted score of a source element (NaN, as inf * 0, is 0). */
static double weighted(double s, double w)
{
	double v = s * w;
	return isnan(v) ? 0.0 : v;
}

static int union_into(const struct zops_args *a, struct store_zset *acc,
		      const struct store_zset_cfg *cfg)
{
	for (uint32_t i = 0; i < a->n; i++) {
		struct store_zset_iter it;
		const uint8_t *m;
		size_t n;
		double s, cur, ns;
		unsigned out;
		if (src_len(&a->src[i]) == 0)
			continue;
		store_zset_iter_init(a->src[i].z, 0, false, &it);
		while (store_zset_iter_next(&it, &m, &n, &s)) {
			double v = weighted(s, a->src[i].weight);
			if (store_zset_score(acc, m, n, &cur)) {
				aggregate(&cur, v, a->agg);
				v = cur;
			}
			if (store_zset_add(acc, cfg, v, m, n, 0, &out, &ns) != 0)
				return -1;
		}
	}
	return 0;
}

/* Inter: the elements of the smallest source found in every other.
 * @p acc NULL only counts (ZINTERCARD), stopping at a->limit. */
static int64_t inter_into(const struct zops_args *a, struct store_zset *acc,
			  const struct store_zset_cfg *cfg)
{
	int64_t found = 0;
	if (src_len(&a->src[0]) == 0)
		return 0;
	struct store_zset_iter it;
	const uint8_t *m;
	size_t n;
	double s;
	store_zset_iter_init(a->src[0].z, 0, false, &it);
	while (store_zset_iter_next(&it, &m, &n, &s)) {
		double score = weighted(s, a->src[0].weight), v;
		uint32_t j;
		for (j = 1; j < a->n; j++) {
			if (a->src[j].z == NULL || !store_zset_score(a->src[j].z, m, n, &v))
				break;
			aggregate(&score, v * a->src[j].weight, a->agg);
		}
		if (j < a->n)
			continue;
		found++;
		if (acc == NULL) {
			if (a->limit > 0 && found >= a->limit)
				break;
			continue;
		}
		unsigned out;
		double ns;
		if (store_zset_add(acc, cfg, score, m, n, 0, &out, &ns) != 0)
			return -1;
	}
	return found;
}

static int diff_into(const struct zops_args *a, struct zs_result *r)
{
	if (src_len(&a->src[0]) == 0)
		return 0;
	struct store_zset_iter it;
	const uint8_t *m;
	size_t n;
	double s, v;
	store_zset_iter_init(a->src[0].z, 0, false, &it);
	while (store_zset_iter_next(&it, &m, &n, &s)) {
		uint32_t j;
		for (j = 1; j < a->n; j++)
			if (a->src[j].z != NULL && store_zset_score(a->src[j].z, m, n, &v))
				break;
		if (j == a->n && zs_result_push(r, m, n, s) != 0)
			return -1;
	}
	return 0;
}

/* Stable insertion sort by size, smallest first (the inter's order). */
static void sort_by_size(struct zsrc *src, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		struct zsrc t = src[i];
		uint32_t j = i;
		for (; j > 0 && src_len(&src[j - 1]) > src_len(&t); j--)
			src[j] = src[j - 1];
		src[j] = t;
	}
}

/* The result: computed into @p r in set order. @return 0 or -1 (ENOMEM). */
static int zops_compute(const struct zops_args *a, const struct store_zset_cfg *cfg,
			struct zs_result *r)
{
	if (a->op == ZOP_DIFF)
		return diff_into(a, r);
	struct store_zset *acc = store_zset_create(true);
	if (acc == NULL)
		return -1;
	int rc = a->op == ZOP_UNION ? union_into(a, acc, cfg) : (int)(inter_into(a, acc, cfg) < 0);
	struct store_zset_iter it;
	const uint8_t *m;
	size_t n;
	double s;
	store_zset_iter_init(acc, 0, false, &it);
	while (rc == 0 && store_zset_iter_next(&it, &m, &n, &s))
		rc = zs_result_push(r, m, n, s);
	store_zset_destroy(&acc);
	return rc;
}

static void zops_generic(struct cmd_ctx *ctx, const struct resp_arg *dst, uint32_t numkeys_idx,
			 enum zop op, bool card_only)
{
	struct zops_args a = {.op = op, .agg = AGG_SUM, .card_only = card_only};
	int64_t setnum;
	bool wrong;
	if (!cmd_arg_i64(ctx, &ctx->argv[numkeys_idx], &setnum))
		return;
	if (setnum < 1) {
		resp_w_errorf(ctx->out, "ERR at least 1 input key is needed for '%s' command",
			      cmd_name(ctx));
		return;
	}
	if (setnum > (int64_t)(ctx->argc - numkeys_idx - 1)) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	a.n = (uint32_t)setnum;
	a.src = calloc(a.n, sizeof(*a.src));
	if (a.src == NULL) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	for (uint32_t i = 0; i < a.n; i++)
		if (!src_read(ctx, &ctx->argv[numkeys_idx + 1 + i], &a.src[i], &wrong))
			goto out;
	if (!zops_options(ctx, numkeys_idx + 1 + a.n, dst != NULL, &a))
		goto out;
	if (op == ZOP_INTER)
		sort_by_size(a.src, a.n);
	if (card_only) {
		resp_w_int(ctx->out, inter_into(&a, NULL, NULL));
		goto out;
	}
	struct store_zset_cfg cfg;
	struct zs_result r = {0};
	zs_cfg(ctx, &cfg);
	if (zops_compute(&a, &cfg, &r) != 0) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
	} else if (dst != NULL) {
		static const char *const events[] = {"zunionstore", "zinterstore", "zdiffstore"};
		zs_store_result(ctx, dst, &r, events[op]);
	} else {
		zs_reply_len(ctx, r.n, a.withscores);
		for (size_t i = 0; i < r.n; i++)
			zs_reply_elem(ctx, r.buf + r.items[i].off, r.items[i].len, r.items[i].score,
				      a.withscores);
	}
	zs_result_free(&r);
out:
	for (uint32_t i = 0; i < a.n; i++)
		if (a.src[i].scratch)
			store_zset_destroy(&a.src[i].z);
	free(a.src);
}

void cmd_zunion(struct cmd_ctx *ctx)
{
	zops_generic(ctx, NULL, 1, ZOP_UNION, false);
}

void cmd_zinter(struct cmd_ctx *ctx)
{
	zops_generic(ctx, NULL, 1, ZOP_INTER, false);
}

void cmd_zdiff(struct cmd_ctx *ctx)
{
	zops_generic(ctx, NULL, 1, ZOP_DIFF, false);
}

void cmd_zunionstore(struct cmd_ctx *ctx)
{
	zops_generic(ctx, &ctx->argv[1], 2, ZOP_UNION, false);
}

void cmd_zinterstore(struct cmd_ctx *ctx)
{
	zops_generic(ctx, &ctx->argv[1], 2, ZOP_INTER, false);
}

void cmd_zdiffstore(struct cmd_ctx *ctx)
{
	zops_generic(ctx, &ctx->argv[1], 2, ZOP_DIFF, false);
}

void cmd_zintercard(struct cmd_ctx *ctx)
{
	zops_generic(ctx, NULL, 1, ZOP_INTER, true);
}
