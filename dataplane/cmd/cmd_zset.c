/*
 * Sorted set commands on one key: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE
 * ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ZREMRANGEBYRANK/SCORE/LEX ZPOPMIN ZPOPMAX
 * ZMPOP ZRANDMEMBER ZSCAN, and the helpers the other zset files share.
 * The ZRANGE family is in cmd_zrange.c, ZUNION/ZINTER/ZDIFF in
 * cmd_zsetops.c.
 *
 * Semantics, check order and error texts follow t_zset.c of redis-server
 * 7.0.15; scores print as its addReplyDouble() does ("%.17g", inf/-inf;
 * RESP3 doubles). Sets live in dataplane/store/store_zset.c (listpack up
 * to zset-max-listpack-entries/value, then skiplist). Every change goes
 * through store_write_begin()/store_write_commit(); a command that empties
 * a set deletes the key.
 *
 * Context: the worker lcore that owns the keys' shard.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_zset.h"

/* ---- shared helpers ---- */

void zs_cfg(const struct cmd_ctx *ctx, struct store_zset_cfg *cfg)
{
	int64_t e = cmd_cfg_zset_max_listpack_entries(ctx->env);
	int64_t v = cmd_cfg_zset_max_listpack_value(ctx->env);
	cfg->max_entries = e > 0 ? (uint64_t)e : 0;
	cfg->max_value = v > 0 ? (uint64_t)v : 0;
}

bool zs_parse_double(const struct resp_arg *a, double *v)
{
	char buf[512];
	if (a->len == 0 || a->len >= sizeof(buf) || isspace(a->ptr[0]))
		return false;
	memcpy(buf, a->ptr, a->len);
	buf[a->len] = '\0';
	char *end;
	errno = 0;
	double d = strtod(buf, &end);
	if ((size_t)(end - buf) != a->len || isnan(d) ||
	    (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL || d == 0)))
		return false;
	*v = d;
	return true;
}

struct store_zset *zs_read(struct cmd_ctx *ctx, const struct resp_arg *key, bool *wrong)
{
	struct store_obj *o = cmd_lookup_key(ctx, key, 0);
	*wrong = false;
	if (o == NULL)
		return NULL;
	if (o->type != STORE_TYPE_ZSET) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		*wrong = true;
		return NULL;
	}
	return o->v.coll;
}

void zs_reply_len(struct cmd_ctx *ctx, uint64_t count, bool withscores)
{
	bool pairs = withscores && cmd_proto(ctx) == RESP_PROTO_2;
	resp_w_array(ctx->out, (int64_t)(pairs ? count * 2 : count));
}

void zs_reply_elem(struct cmd_ctx *ctx, const uint8_t *m, size_t n, double score, bool withscores)
{
	if (withscores && cmd_proto(ctx) == RESP_PROTO_3)
		resp_w_array(ctx->out, 2);
	resp_w_bulk(ctx->out, m, n);
	if (withscores)
		resp_w_double(ctx->out, score, cmd_proto(ctx));
}

int zs_result_push(struct zs_result *r, const uint8_t *m, size_t n, double score)
{
	if (r->used + n > r->cap) {
		size_t cap = r->cap * 2 > r->used + n ? r->cap * 2 : r->used + n + 64;
		uint8_t *b = realloc(r->buf, cap);
		if (b == NULL)
			return -ENOMEM;
		r->buf = b;
		r->cap = cap;
	}
	if (r->n == r->n_cap) {
		size_t cap = r->n_cap ? r->n_cap * 2 : 16;
		struct zs_item *it = realloc(r->items, cap * sizeof(*it));
		if (it == NULL)
			return -ENOMEM;
		r->items = it;
		r->n_cap = cap;
	}
	if (n > 0)
		memcpy(r->buf + r->used, m, n);
	r->items[r->n++] = (struct zs_item){r->used, n, score};
	r->used += n;
	return 0;
}

void zs_result_free(struct zs_result *r)
{
	free(r->buf);
	free(r->items);
	*r = (struct zs_result){0};
}

void zs_store_result(struct cmd_ctx *ctx, const struct resp_arg *dst, const struct zs_result *r,
		     const char *event)
{
	struct store_wr w;
	cmd_write_begin(ctx, dst, &w);
	if (r->n == 0) {
		bool found = w.obj != NULL;
		store_wr_delete(&w);
		store_write_commit(&w, found, "del");
		resp_w_int(ctx->out, 0);
		return;
	}
	struct store_zset_cfg cfg;
	zs_cfg(ctx, &cfg);
	struct store_zset *z = store_zset_create(cfg.max_entries == 0);
	int rc = z != NULL ? 0 : -ENOMEM;
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		unsigned out;
		double ns;
		rc = store_zset_add(z, &cfg, r->items[i].score, r->buf + r->items[i].off,
				    r->items[i].len, 0, &out, &ns);
	}
	if (rc == 0)
		rc = store_wr_set_coll(&w, STORE_TYPE_ZSET, store_zset_enc(z), z);
	else
		store_zset_destroy(&z);
	if (rc == 0)
		store_wr_set_expire(&w, STORE_NO_EXPIRE);
	store_write_commit(&w, rc == 0, event);
	if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, (int64_t)r->n);
}

/* After a write begun on a key: does it hold a non-zset? Replies WRONGTYPE. */
static bool wr_wrongtype(struct cmd_ctx *ctx, struct store_wr *w)
{
	if (w->obj == NULL || w->obj->type == STORE_TYPE_ZSET)
		return false;
	store_write_commit(w, 0, NULL);
	resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
	return true;
}

/* Finish a write that may have removed elements or changed the encoding. */
static void wr_done(struct store_wr *w, uint32_t changes, const char *event)
{
	struct store_zset *z = w->obj->v.coll;
	w->obj->enc = store_zset_enc(z);
	if (store_zset_len(z) == 0)
		store_wr_delete(w);
	store_write_commit(w, changes, event);
}

/* ---- ZADD, ZINCRBY ---- */

struct zadd_opts {
	unsigned flags;
	bool ch;
	uint32_t scoreidx;
	uint32_t elements;
};

static bool zadd_parse(struct cmd_ctx *ctx, unsigned flags, struct zadd_opts *o)
{
	static const struct {
		const char *name;
		unsigned flag;
	} names[] = {{"nx", STORE_ZADD_NX},
		     {"xx", STORE_ZADD_XX},
		     {"incr", STORE_ZADD_INCR},
		     {"gt", STORE_ZADD_GT},
		     {"lt", STORE_ZADD_LT}};
	*o = (struct zadd_opts){.flags = flags, .scoreidx = 2};
	for (; o->scoreidx < ctx->argc; o->scoreidx++) {
		const struct resp_arg *a = &ctx->argv[o->scoreidx];
		size_t i;
		if (cmd_arg_is(a, "ch")) {
			o->ch = true;
			continue;
		}
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (cmd_arg_is(a, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			break;
		o->flags |= names[i].flag;
	}
	uint32_t left = ctx->argc - o->scoreidx;
	unsigned f = o->flags;
	if (left == 0 || left % 2 != 0) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return false;
	}
	o->elements = left / 2;
	if ((f & STORE_ZADD_INCR) && o->elements > 1) {
		resp_w_error(ctx->out, "ERR INCR option supports a single increment-element pair");
		return false;
	}
	if ((f & STORE_ZADD_NX) && (f & STORE_ZADD_XX)) {
		resp_w_error(ctx->out, "ERR XX and NX options at the same time are not compatible");
		return false;
	}
	if (((f & STORE_ZADD_GT) && (f & STORE_ZADD_NX)) ||
	    ((f & STORE_ZADD_LT) && (f & STORE_ZADD_NX)) ||
	    ((f & STORE_ZADD_GT) && (f & STORE_ZADD_LT))) {
		resp_w_error(ctx->out,
			     "ERR GT, LT, and/or NX options at the same time are not compatible");
		return false;
	}
	return true;
}

/* zaddGenericCommand(): options, every score, the key, then the adds. */
static void zadd_generic(struct cmd_ctx *ctx, unsigned flags)
{
	struct zadd_opts o;
	if (!zadd_parse(ctx, flags, &o))
		return;
	/* no allocation for the usual few pairs */
	double local[16];
	double *scores = o.elements <= 16 ? local : malloc(o.elements * sizeof(*scores));
	if (scores == NULL) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	for (uint32_t j = 0; j < o.elements; j++)
		if (!zs_parse_double(&ctx->argv[o.scoreidx + 2 * j], &scores[j])) {
			resp_w_error(ctx->out, CMD_ERR_NOT_FLOAT);
			goto out;
		}
	bool incr = o.flags & STORE_ZADD_INCR;
	struct store_zset_cfg cfg;
	zs_cfg(ctx, &cfg);
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (wr_wrongtype(ctx, &w))
		goto out;
	if (w.obj == NULL && (o.flags & STORE_ZADD_XX)) {
		store_write_commit(&w, 0, NULL);
		if (incr)
			resp_w_null(ctx->out, cmd_proto(ctx));
		else
			resp_w_int(ctx->out, 0);
		goto out;
	}
	if (w.obj == NULL) {
		const struct resp_arg *first = &ctx->argv[o.scoreidx + 1];
		struct store_zset *z =
		    store_zset_create(cfg.max_entries == 0 || cfg.max_value < first->len);
		if (z == NULL ||
		    store_wr_set_coll(&w, STORE_TYPE_ZSET, store_zset_enc(z), z) != 0) {
			store_write_commit(&w, 0, NULL);
			resp_w_error(ctx->out, CMD_ERR_OOM);
			goto out;
		}
	}
	struct store_zset *z = w.obj->v.coll;
	uint32_t added = 0, updated = 0, processed = 0;
	double score = 0;
	int rc = 0;
	for (uint32_t j = 0; j < o.elements && rc == 0; j++) {
		const struct resp_arg *m = &ctx->argv[o.scoreidx + 2 * j + 1];
		unsigned out;
		rc = store_zset_add(z, &cfg, scores[j], m->ptr, m->len, o.flags, &out, &score);
		added += (out & STORE_ZADD_OUT_ADDED) != 0;
		updated += (out & STORE_ZADD_OUT_UPDATED) != 0;
		processed += rc == 0 && !(out & STORE_ZADD_OUT_NOP);
	}
	wr_done(&w, added + updated, incr ? "zincr" : "zadd");
	if (rc == -EDOM)
		resp_w_error(ctx->out, ZS_ERR_NAN);
	else if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else if (incr && processed)
		resp_w_double(ctx->out, score, cmd_proto(ctx));
	else if (incr)
		resp_w_null(ctx->out, cmd_proto(ctx));
	else
		resp_w_int(ctx->out, o.ch ? added + updated : added);
out:
	if (scores != local)
		free(scores);
}

void cmd_zadd(struct cmd_ctx *ctx)
{
	zadd_generic(ctx, 0);
}

void cmd_zincrby(struct cmd_ctx *ctx)
{
	zadd_generic(ctx, STORE_ZADD_INCR);
}

/* ---- single-member reads and ZREM ---- */

void cmd_zrem(struct cmd_ctx *ctx)
{
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj == NULL) {
		store_write_commit(&w, 0, NULL);
		resp_w_int(ctx->out, 0);
		return;
	}
	if (wr_wrongtype(ctx, &w))
		return;
	struct store_zset *z = w.obj->v.coll;
	uint32_t deleted = 0;
	for (uint32_t j = 2; j < ctx->argc && store_zset_len(z) > 0; j++)
		deleted += store_zset_del(z, ctx->argv[j].ptr, ctx->argv[j].len);
	wr_done(&w, deleted, "zrem");
	resp_w_int(ctx->out, deleted);
}

void cmd_zcard(struct cmd_ctx *ctx)
{
	bool wrong;
	struct store_zset *z = zs_read(ctx, &ctx->argv[1], &wrong);
	if (!wrong)
		resp_w_int(ctx->out, z != NULL ? (int64_t)store_zset_len(z) : 0);
}

void cmd_zscore(struct cmd_ctx *ctx)
{
	bool wrong;
	double s;
	struct store_zset *z = zs_read(ctx, &ctx->argv[1], &wrong);
	if (wrong)
		return;
	if (z != NULL && store_zset_score(z, ctx->argv[2].ptr, ctx->argv[2].len, &s))
		resp_w_double(ctx->out, s, cmd_proto(ctx));
	else
		resp_w_null(ctx->out, cmd_proto(ctx));
}

void cmd_zmscore(struct cmd_ctx *ctx)
{
	bool wrong;
	double s;
	struct store_zset *z = zs_read(ctx, &ctx->argv[1], &wrong);
	if (wrong)
		return;
	resp_w_array(ctx->out, ctx->argc - 2);
	for (uint32_t j = 2; j < ctx->argc; j++)
		if (z != NULL && store_zset_score(z, ctx->argv[j].ptr, ctx->argv[j].len, &s))
			resp_w_double(ctx->out, s, cmd_proto(ctx));
		else
			resp_w_null(ctx->out, cmd_proto(ctx));
}

static void rank_generic(struct cmd_ctx *ctx, bool rev)
{
	bool wrong;
	uint64_t r;
	struct store_zset *z = zs_read(ctx, &ctx->argv[1], &wrong);
	if (wrong)
		return;
	if (z == NULL || !store_zset_rank(z, ctx->argv[2].ptr, ctx->argv[2].len, &r)) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	resp_w_int(ctx->out, (int64_t)(rev ? store_zset_len(z) - 1 - r : r));
}

void cmd_zrank(struct cmd_ctx *ctx)
{
	rank_generic(ctx, false);
}

void cmd_zrevrank(struct cmd_ctx *ctx)
{
	rank_generic(ctx, true);
}

/* ---- ranges shared with cmd_zrange.c ---- */

/* zslParseRange(): '(' for exclusive, strtod with nothing left over. */
static bool parse_score_bound(const struct resp_arg *a, double *v, bool *ex)
{
	char buf[512];
	size_t skip = a->len > 0 && a->ptr[0] == '(';
	size_t n = a->len - skip;
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, a->ptr + skip, n);
	buf[n] = '\0';
	char *end;
	*v = strtod(buf, &end);
	*ex = skip;
	return *end == '\0' && !isnan(*v);
}

bool zs_parse_range(const struct resp_arg *min, const struct resp_arg *max,
		    struct store_zset_range *r)
{
	return parse_score_bound(min, &r->min, &r->minex) &&
	       parse_score_bound(max, &r->max, &r->maxex);
}

/* zslParseLexRangeItem(): "+", "-", "(member" or "[member". */
static bool parse_lex_bound(const struct resp_arg *a, struct store_zset_lexb *b)
{
	*b = (struct store_zset_lexb){0};
	if (a->len == 0)
		return false;
	switch (a->ptr[0]) {
	case '+':
	case '-':
		b->inf = a->ptr[0] == '+' ? 1 : -1;
		b->ex = true;
		return a->len == 1;
	case '(':
	case '[':
		b->ex = a->ptr[0] == '(';
		b->p = a->ptr + 1;
		b->n = a->len - 1;
		return true;
	default:
		return false;
	}
}

bool zs_parse_lex(const struct resp_arg *min, const struct resp_arg *max,
		  struct store_zset_lexb *lo, struct store_zset_lexb *hi)
{
	return parse_lex_bound(min, lo) && parse_lex_bound(max, hi);
}

void cmd_zcount(struct cmd_ctx *ctx)
{
	struct store_zset_range r;
	bool wrong;
	uint64_t first, end;
	if (!zs_parse_range(&ctx->argv[2], &ctx->argv[3], &r)) {
		resp_w_error(ctx->out, ZS_ERR_RANGE);
		return;
	}
	struct store_zset *z = zs_read(ctx, &ctx->argv[1], &wrong);
	if (wrong)
		return;
	if (z == NULL) {
		resp_w_int(ctx->out, 0);
		return;
	}
	store_zset_score_ranks(z, &r, &first, &end);
	resp_w_int(ctx->out, (int64_t)(end - first));
}

void cmd_zlexcount(struct cmd_ctx *ctx)
{
	struct store_zset_lexb lo, hi;
	bool wrong;
	uint64_t first, end;
	if (!zs_parse_lex(&ctx->argv[2], &ctx->argv[3], &lo, &hi)) {
		resp_w_error(ctx->out, ZS_ERR_LEX);
		return;
	}
	struct store_zset *z = zs_read(ctx, &ctx->argv[1], &wrong);
	if (wrong)
		return;
	if (z == NULL) {
		resp_w_int(ctx->out, 0);
		return;
	}
	store_zset_lex_ranks(z, &lo, &hi, &first, &end);
	resp_w_int(ctx->out, (int64_t)(end - first));
}

/* ---- ZREMRANGEBY* ---- */

enum zrem_kind { ZREM_RANK, ZREM_SCORE, ZREM_LEX };

/* zremrangeGenericCommand(): range first, then the key. */
static void zremrange_generic(struct cmd_ctx *ctx, enum zrem_kind kind)
{
	int64_t start = 0, stop = 0;
	struct store_zset_range r;
	struct store_zset_lexb lo, hi;
	if (kind == ZREM_RANK) {
		if (!cmd_arg_i64(ctx, &ctx->argv[2], &start) ||
		    !cmd_arg_i64(ctx, &ctx->argv[3], &stop))
			return;
	} else if (kind == ZREM_SCORE && !zs_parse_range(&ctx->argv[2], &ctx->argv[3], &r)) {
		resp_w_error(ctx->out, ZS_ERR_RANGE);
		return;
	} else if (kind == ZREM_LEX && !zs_parse_lex(&ctx->argv[2], &ctx->argv[3], &lo, &hi)) {
		resp_w_error(ctx->out, ZS_ERR_LEX);
		return;
	}
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj == NULL) {
		store_write_commit(&w, 0, NULL);
		resp_w_int(ctx->out, 0);
		return;
	}
	if (wr_wrongtype(ctx, &w))
		return;
	struct store_zset *z = w.obj->v.coll;
	uint64_t first = 0, end = 0, len = store_zset_len(z);
	if (kind == ZREM_RANK) {
		if (start < 0)
			start += (int64_t)len;
		if (stop < 0)
			stop += (int64_t)len;
		if (start < 0)
			start = 0;
		if (start <= stop && start < (int64_t)len) {
			first = (uint64_t)start;
			end = stop >= (int64_t)len ? len : (uint64_t)stop + 1;
		}
	} else if (kind == ZREM_SCORE) {
		store_zset_score_ranks(z, &r, &first, &end);
	} else {
		store_zset_lex_ranks(z, &lo, &hi, &first, &end);
	}
	store_zset_del_ranks(z, first, end);
	static const char *const events[] = {"zremrangebyrank", "zremrangebyscore",
					     "zremrangebylex"};
	wr_done(&w, (uint32_t)(end - first), events[kind]);
	resp_w_int(ctx->out, (int64_t)(end - first));
}

void cmd_zremrangebyrank(struct cmd_ctx *ctx)
{
	zremrange_generic(ctx, ZREM_RANK);
}

void cmd_zremrangebyscore(struct cmd_ctx *ctx)
{
	zremrange_generic(ctx, ZREM_SCORE);
}

void cmd_zremrangebylex(struct cmd_ctx *ctx)
{
	zremrange_generic(ctx, ZREM_LEX);
}

/* ---- pops ---- */

/*
 * Pop up to @p count from one end of the write's set and reply them:
 * [member, score] pairs when @p nested (ZMPOP; ZPOPMIN/MAX with a count
 * in RESP3), else flat member, score, member, score...
 */
static void pop_reply(struct cmd_ctx *ctx, struct store_wr *w, bool max, uint64_t count,
		      bool nested)
{
	struct store_zset *z = w->obj->v.coll;
	uint64_t len = store_zset_len(z);
	if (count > len)
		count = len;
	struct store_zset_iter it;
	const uint8_t *m;
	size_t n;
	double s;
	resp_w_array(ctx->out, (int64_t)(nested ? count : count * 2));
	store_zset_iter_init(z, max ? len - 1 : 0, max, &it);
	for (uint64_t i = 0; i < count && store_zset_iter_next(&it, &m, &n, &s); i++) {
		if (nested)
			resp_w_array(ctx->out, 2);
		resp_w_bulk(ctx->out, m, n);
		resp_w_double(ctx->out, s, cmd_proto(ctx));
	}
	if (max)
		store_zset_del_ranks(z, len - count, len);
	else
		store_zset_del_ranks(z, 0, count);
	wr_done(w, (uint32_t)count, max ? "zpopmax" : "zpopmin");
}

static void zpop_generic(struct cmd_ctx *ctx, bool max)
{
	int64_t count = 1;
	if (ctx->argc > 3) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	if (ctx->argc == 3 &&
	    (!resp_str_to_i64(ctx->argv[2].ptr, ctx->argv[2].len, &count) || count < 0)) {
		resp_w_error(ctx->out, "ERR value is out of range, must be positive");
		return;
	}
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj == NULL || count == 0) {
		bool wrong = w.obj != NULL && w.obj->type != STORE_TYPE_ZSET;
		store_write_commit(&w, 0, NULL);
		if (wrong)
			resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		else
			resp_w_array(ctx->out, 0);
		return;
	}
	if (wr_wrongtype(ctx, &w))
		return;
	pop_reply(ctx, &w, max, (uint64_t)count, ctx->argc == 3 && cmd_proto(ctx) == RESP_PROTO_3);
}

void cmd_zpopmin(struct cmd_ctx *ctx)
{
	zpop_generic(ctx, false);
}

void cmd_zpopmax(struct cmd_ctx *ctx)
{
	zpop_generic(ctx, true);
}

/* Redis propagates ZMPOP as ZPOPMIN|ZPOPMAX key count (genericZpopCommand()): the
 * journal's command names its key first, so an AOF replay finds the key's
 * worker (a count as first argument would not). */
static void propagate_mpop(struct cmd_ctx *ctx, const char *cmd, const struct resp_arg *key,
			   int64_t count)
{
	char num[24];
	if (ctx->propagate == NULL)
		return;
	int n = snprintf(num, sizeof(num), "%lld", (long long)count);
	rw_buf_reset(ctx->propagate);
	resp_w_array(ctx->propagate, 3);
	resp_w_bulk_cstr(ctx->propagate, cmd);
	resp_w_bulk(ctx->propagate, key->ptr, key->len);
	resp_w_bulk(ctx->propagate, num, (size_t)n);
}

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
void cmd_zmpop(struct cmd_ctx *ctx)
{
	int64_t numkeys, count = -1;
	bool max;
	if (!resp_str_to_i64(ctx->argv[1].ptr, ctx->argv[1].len, &numkeys) || numkeys < 1) {
		resp_w_error(ctx->out, "ERR numkeys should be greater than 0");
		return;
	}
	if (numkeys >= (int64_t)ctx->argc - 2) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	uint32_t where = 2 + (uint32_t)numkeys;
	if (cmd_arg_is(&ctx->argv[where], "min")) {
		max = false;
	} else if (cmd_arg_is(&ctx->argv[where], "max")) {
		max = true;
	} else {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	for (uint32_t j = where + 1; j < ctx->argc; j++) {
		if (count == -1 && cmd_arg_is(&ctx->argv[j], "count") && j + 1 < ctx->argc) {
			j++;
			if (!resp_str_to_i64(ctx->argv[j].ptr, ctx->argv[j].len, &count) ||
			    count < 1) {
				resp_w_error(ctx->out, "ERR count should be greater than 0");
				return;
			}
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return;
		}
	}
	if (count == -1)
		count = 1;
	for (uint32_t j = 2; j < where; j++) {
		struct store_wr w;
		cmd_write_begin(ctx, &ctx->argv[j], &w);
		if (w.obj == NULL) {
			store_write_commit(&w, 0, NULL);
			continue;
		}
		if (wr_wrongtype(ctx, &w))
			return;
		resp_w_array(ctx->out, 2);
		resp_w_bulk(ctx->out, ctx->argv[j].ptr, ctx->argv[j].len);
		pop_reply(ctx, &w, max, (uint64_t)count, true);
		propagate_mpop(ctx, max ? "ZPOPMAX" : "ZPOPMIN", &ctx->argv[j], count);
		return;
	}
	resp_w_null_array(ctx->out, cmd_proto(ctx));
}

/* ---- ZRANDMEMBER ---- */

static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void reply_at(struct cmd_ctx *ctx, struct store_zset *z, uint64_t rank, bool withscores)
{
	struct store_zset_iter it;
	const uint8_t *m;
	size_t n;
	double s;
	store_zset_iter_init(z, rank, false, &it);
	store_zset_iter_next(&it, &m, &n, &s);
	zs_reply_elem(ctx, m, n, s, withscores);
}

/*
 * zrandmemberWithCountCommand(): a negative count may repeat members; a
 * count at least the size replies the whole set, walked from the tail as
 * Redis's zui iterator does; otherwise distinct members at random.
 */
static void zrandmember_count(struct cmd_ctx *ctx, struct store_zset *z, int64_t l, bool withscores)
{
	uint64_t size = store_zset_len(z), seed = ctx->now_us | 1;
	seed ^= (uint64_t)(uintptr_t)z;
	if (l < 0) {
		uint64_t count = (uint64_t)-l;
		zs_reply_len(ctx, count, withscores);
		for (uint64_t i = 0; i < count; i++)
			reply_at(ctx, z, rnd_next(&seed) % size, withscores);
		return;
	}
	uint64_t count = (uint64_t)l;
	if (count >= size) {
		struct store_zset_iter it;
		const uint8_t *m;
		size_t n;
		double s;
		zs_reply_len(ctx, size, withscores);
		store_zset_iter_init(z, size - 1, true, &it);
		while (store_zset_iter_next(&it, &m, &n, &s))
			zs_reply_elem(ctx, m, n, s, withscores);
		return;
	}
	/* partial Fisher-Yates over the ranks */
	uint64_t *ranks = malloc(size * sizeof(*ranks));
	if (ranks == NULL) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	for (uint64_t i = 0; i < size; i++)
		ranks[i] = i;
	zs_reply_len(ctx, count, withscores);
	for (uint64_t i = 0; i < count; i++) {
		uint64_t j = i + rnd_next(&seed) % (size - i), t = ranks[i];
		ranks[i] = ranks[j];
		ranks[j] = t;
		reply_at(ctx, z, ranks[i], withscores);
	}
	free(ranks);
}

void cmd_zrandmember(struct cmd_ctx *ctx)
{
	bool wrong, withscores = false;
	int64_t l = 0;
	if (ctx->argc > 4 || (ctx->argc == 4 && !cmd_arg_is(&ctx->argv[3], "withscores"))) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	withscores = ctx->argc == 4;
	if (ctx->argc >= 3) {
		if (!cmd_arg_i64(ctx, &ctx->argv[2], &l))
			return;
		if (l == INT64_MIN) {
			resp_w_error(ctx->out, "ERR value is out of range, value must between "
					       "-9223372036854775807 and 9223372036854775807");
			return;
		}
	}
	struct store_zset *z = zs_read(ctx, &ctx->argv[1], &wrong);
	if (wrong)
		return;
	if (ctx->argc == 2) {
		uint64_t seed = ctx->now_us | 1;
		if (z == NULL)
			resp_w_null(ctx->out, cmd_proto(ctx));
		else
			reply_at(ctx, z, rnd_next(&seed) % store_zset_len(z), false);
		return;
	}
	if (z == NULL || l == 0) {
		resp_w_array(ctx->out, 0);
		return;
	}
	zrandmember_count(ctx, z, l, withscores);
}

/* ---- ZSCAN ---- */

struct zscan_acc {
	struct zs_result r;
	int rc;
};

static void zscan_visit(void *arg, const uint8_t *m, size_t n, double score)
{
	struct zscan_acc *a = arg;
	if (a->rc == 0)
		a->rc = zs_result_push(&a->r, m, n, score);
}

void cmd_zscan(struct cmd_ctx *ctx)
{
	char buf[32];
	bool wrong;
	uint64_t cursor = 0, count = 10;
	const struct resp_arg *pat = NULL;
	const struct resp_arg *c = &ctx->argv[2];
	/* parseScanCursorOrReply(): strtoull of the whole argument ("-1"
	 * wraps, as there) */
	char cbuf[64], *end;
	if (c->len >= sizeof(cbuf) || (c->len > 0 && isspace(c->ptr[0]))) {
		resp_w_error(ctx->out, "ERR invalid cursor");
		return;
	}
	memcpy(cbuf, c->ptr, c->len);
	cbuf[c->len] = '\0';
	errno = 0;
	cursor = strtoull(cbuf, &end, 10);
	if (*end != '\0' || errno == ERANGE || (size_t)(end - cbuf) != c->len) {
		resp_w_error(ctx->out, "ERR invalid cursor");
		return;
	}
	struct store_zset *z = zs_read(ctx, &ctx->argv[1], &wrong);
	if (wrong)
		return;
	if (z == NULL) {
		rw_buf_append(ctx->out, "*2\r\n$1\r\n0\r\n*0\r\n", 15);
		return;
	}
	for (uint32_t j = 3; j < ctx->argc; j++) {
		bool more = j + 1 < ctx->argc;
		int64_t v;
		if (cmd_arg_is(&ctx->argv[j], "count") && more) {
			if (!cmd_arg_i64(ctx, &ctx->argv[++j], &v))
				return;
			if (v < 1) {
				resp_w_error(ctx->out, CMD_ERR_SYNTAX);
				return;
			}
			count = (uint64_t)v;
		} else if (cmd_arg_is(&ctx->argv[j], "match") && more) {
			pat = &ctx->argv[++j];
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return;
		}
	}
	struct zscan_acc a = {{0}, 0};
	uint64_t next = store_zset_scan(z, cursor, count, zscan_visit, &a);
	if (a.rc != 0) {
		zs_result_free(&a.r);
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	bool all = pat == NULL || (pat->len == 1 && pat->ptr[0] == '*');
	size_t kept = 0;
	for (size_t i = 0; i < a.r.n; i++)
		kept += all || cmd_glob_match(pat->ptr, pat->len, a.r.buf + a.r.items[i].off,
					      a.r.items[i].len, false);
	resp_w_array(ctx->out, 2);
	resp_w_bulk(ctx->out, buf,
		    (size_t)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)next));
	resp_w_array(ctx->out, (int64_t)kept * 2);
	for (size_t i = 0; i < a.r.n; i++) {
		const uint8_t *m = a.r.buf + a.r.items[i].off;
		if (!all && !cmd_glob_match(pat->ptr, pat->len, m, a.r.items[i].len, false))
			continue;
		resp_w_bulk(ctx->out, m, a.r.items[i].len);
		resp_w_bulk(ctx->out, buf, store_zset_score_str(z, a.r.items[i].score, buf));
	}
	zs_result_free(&a.r);
}

/* ---- DEBUG DIGEST ---- */

/* xorObjectDigest() of a zset: per element e = mix(member), mix("%.17g"
 * of the score), then key digest ^= SHA1(e) (order-free). */
void cmd_digest_zset(uint8_t d[20], const struct store_obj *o)
{
	struct store_zset_iter it;
	const uint8_t *m;
	size_t n;
	double s;
	store_zset_iter_init(o->v.coll, 0, false, &it);
	while (store_zset_iter_next(&it, &m, &n, &s)) {
		uint8_t e[20] = {0};
		char buf[64];
		cmd_digest_mix(e, m, n);
		cmd_digest_mix(e, buf, (size_t)snprintf(buf, sizeof(buf), "%.17g", s));
		cmd_digest_xor(d, e, 20);
	}
}
