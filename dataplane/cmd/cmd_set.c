/*
 * Set commands (issue #5 item 3), as t_set.c of Redis 7.0.15 answers them:
 * SADD SREM SISMEMBER SMISMEMBER SCARD SMEMBERS SPOP SRANDMEMBER SMOVE
 * SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
 *
 * Values live in dataplane/store/store_set.c (intset or hashtable). SPOP
 * journals what it did (SREM of the members it chose, or DEL), as Redis
 * propagates it, so the AOF replays to the same set. The
 * multi-key commands run on the worker that owns all their keys (keys of
 * several workers: on copies of them, dataplane/core/dp_tx_gather.inc); results of SUNION/SDIFF and
 * of the *STORE variants are built as Redis builds them, in a fresh intset that converts as it
 * grows, so encodings and intset order match stock.
 *
 * Context: the worker that owns the keys; never blocks.
 */
#include <stdlib.h>

#include "cmd_hsutil.h"
#include "store_set.h"
#include "store_strtab.h"

#define SET_KEYS_MAX 1024 /* sets one command combines without allocating */

static uint64_t max_intset(const struct cmd_ctx *ctx)
{
	return cmd_cfg_set_max_intset_entries(ctx->env);
}

static uint64_t len_of(const struct store_wr *w)
{
	return w->obj != NULL ? store_set_len(w->obj) : 1;
}

/* A new set for first member @p m, stored in the (absent) key of @p w.
 * @return false after replying OOM (the write is committed). */
static bool create_in(struct cmd_ctx *ctx, struct store_wr *w, const struct resp_arg *m)
{
	uint8_t enc;
	void *c = store_set_create(m->ptr, m->len, &enc);
	if (c == NULL || store_wr_set_coll(w, STORE_TYPE_SET, enc, c) != 0) {
		store_write_commit(w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return false;
	}
	return true;
}

void cmd_sadd(struct cmd_ctx *ctx)
{
	struct store_wr w;
	if (!cmd_hs_write_begin(ctx, &ctx->argv[1], STORE_TYPE_SET, &w))
		return;
	if (w.obj == NULL && !create_in(ctx, &w, &ctx->argv[2]))
		return;
	uint64_t max = max_intset(ctx);
	int64_t added = 0;
	bool oom = false;
	for (uint32_t j = 2; j < ctx->argc && !oom; j++) {
		int rc = store_set_add(w.obj, ctx->argv[j].ptr, ctx->argv[j].len, max);
		oom = rc < 0;
		added += rc > 0;
	}
	cmd_hs_commit(&w, len_of(&w), (uint32_t)added, "sadd");
	if (oom)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, added);
}

void cmd_srem(struct cmd_ctx *ctx)
{
	struct store_wr w;
	if (!cmd_hs_write_begin(ctx, &ctx->argv[1], STORE_TYPE_SET, &w))
		return;
	int64_t deleted = 0;
	for (uint32_t j = 2; w.obj != NULL && j < ctx->argc; j++) {
		deleted += store_set_rem(w.obj, ctx->argv[j].ptr, ctx->argv[j].len);
		if (store_set_len(w.obj) == 0)
			break;
	}
	cmd_hs_commit(&w, len_of(&w), (uint32_t)deleted, "srem");
	resp_w_int(ctx->out, deleted);
}

void cmd_sismember(struct cmd_ctx *ctx)
{
	const struct store_obj *o;
	if (cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_SET, &o))
		resp_w_int(ctx->out,
			   o != NULL && store_set_has(o, ctx->argv[2].ptr, ctx->argv[2].len));
}

void cmd_smismember(struct cmd_ctx *ctx)
{
	const struct store_obj *o;
	if (!cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_SET, &o))
		return;
	resp_w_array(ctx->out, ctx->argc - 2);
	for (uint32_t j = 2; j < ctx->argc; j++)
		resp_w_int(ctx->out,
			   o != NULL && store_set_has(o, ctx->argv[j].ptr, ctx->argv[j].len));
}

void cmd_scard(struct cmd_ctx *ctx)
{
	const struct store_obj *o;
	if (cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_SET, &o))
		resp_w_int(ctx->out, o != NULL ? (int64_t)store_set_len(o) : 0);
}

/* Reply the members of @p o as a set (RESP3 ~) or, @p as_array, an array. */
static void reply_members(struct cmd_ctx *ctx, const struct store_obj *o, bool as_array)
{
	uint64_t n = o != NULL ? store_set_len(o) : 0;
	if (as_array)
		resp_w_array(ctx->out, (int64_t)n);
	else
		resp_w_set(ctx->out, (int64_t)n, cmd_proto(ctx));
	if (o == NULL)
		return;
	struct store_set_it it;
	const uint8_t *m;
	size_t len;
	store_set_it_init(&it, o);
	while (store_set_it_next(&it, &m, &len))
		resp_w_bulk(ctx->out, m, len);
}

void cmd_smembers(struct cmd_ctx *ctx)
{
	const struct store_obj *o;
	if (cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_SET, &o))
		reply_members(ctx, o, false);
}

/* ---- SRANDMEMBER / SPOP ---- */

/* Choose @p count distinct members of @p o (count < size) into @p out, as
 * (pointer, length) pairs whose bytes are copied to @p pool. @return false
 * on ENOMEM. */
struct picked {
	struct rw_buf pool; /* member bytes back to back */
	uint64_t *idx;	    /* chosen indexes, ascending */
	size_t *off, *len;
	uint64_t n;
};

static void picked_free(struct picked *p)
{
	rw_buf_fini(&p->pool);
	free(p->idx);
	free(p->off);
	free(p->len);
}

static bool pick_distinct(const struct store_obj *o, uint64_t count, struct picked *p)
{
	uint64_t size = store_set_len(o);
	*p = (struct picked){0};
	p->idx = malloc(count * sizeof(*p->idx));
	p->off = malloc(count * sizeof(*p->off));
	p->len = malloc(count * sizeof(*p->len));
	if (p->idx == NULL || p->off == NULL || p->len == NULL)
		return false;
	cmd_hs_sample_sorted(size, count, p->idx);
	struct store_set_it it;
	const uint8_t *m;
	size_t len;
	store_set_it_init(&it, o);
	for (uint64_t i = 0; p->n < count && store_set_it_next(&it, &m, &len); i++) {
		if (p->idx[p->n] != i)
			continue;
		p->off[p->n] = p->pool.len;
		p->len[p->n] = len;
		if (rw_buf_append(&p->pool, m, len) != 0)
			return false;
		p->n++;
	}
	return true;
}

static void srandmember_count(struct cmd_ctx *ctx)
{
	int64_t l;
	if (!cmd_hs_arg_count(ctx, &ctx->argv[2], &l))
		return;
	const struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	if (o == NULL) {
		resp_w_array(ctx->out, 0);
		return;
	}
	if (o->type != STORE_TYPE_SET) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	uint64_t size = store_set_len(o);
	uint64_t count = l >= 0 ? (uint64_t)l : (uint64_t)-l;
	char buf[24];
	const uint8_t *m;
	size_t len;
	if (count == 0) {
		resp_w_array(ctx->out, 0);
	} else if (l < 0 || count == 1) {
		resp_w_array(ctx->out, (int64_t)count);
		for (uint64_t i = 0; i < count; i++) {
			store_set_random(o, buf, &m, &len);
			resp_w_bulk(ctx->out, m, len);
		}
	} else if (count >= size) {
		reply_members(ctx, o, true);
	} else {
		struct picked p;
		if (!pick_distinct(o, count, &p)) {
			resp_w_error(ctx->out, CMD_ERR_OOM);
		} else {
			resp_w_array(ctx->out, (int64_t)p.n);
			for (uint64_t i = 0; i < p.n; i++)
				resp_w_bulk(ctx->out, p.pool.data + p.off[i], p.len[i]);
		}
		picked_free(&p);
	}
}

void cmd_srandmember(struct cmd_ctx *ctx)
{
	if (ctx->argc == 3) {
		srandmember_count(ctx);
		return;
	}
	if (ctx->argc > 3) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	const struct store_obj *o;
	if (!cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_SET, &o))
		return;
	if (o == NULL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	char buf[24];
	const uint8_t *m;
	size_t len;
	store_set_random(o, buf, &m, &len);
	resp_w_bulk(ctx->out, m, len);
}

/* What SPOP journals (Redis propagates the effect, not the random
 * command): "SREM key" and @p members more arguments, or "DEL key". */
static void propagate_begin(struct cmd_ctx *ctx, const char *cmd, uint64_t members)
{
	if (ctx->propagate == NULL)
		return;
	rw_buf_reset(ctx->propagate);
	resp_w_array(ctx->propagate, (int64_t)(2 + members));
	resp_w_bulk_cstr(ctx->propagate, cmd);
	resp_w_bulk(ctx->propagate, ctx->argv[1].ptr, ctx->argv[1].len);
}

static void propagate_arg(struct cmd_ctx *ctx, const uint8_t *p, size_t n)
{
	if (ctx->propagate != NULL)
		resp_w_bulk(ctx->propagate, p, n);
}

/* spopWithCountCommand(): count >= size hands over the whole set (and
 * deletes the key), otherwise @p count random members leave it. */
static void spop_count(struct cmd_ctx *ctx)
{
	int64_t l;
	if (!resp_str_to_i64(ctx->argv[2].ptr, ctx->argv[2].len, &l) || l < 0) {
		resp_w_error(ctx->out, "ERR value is out of range, must be positive");
		return;
	}
	struct store_wr w;
	if (!cmd_hs_write_begin(ctx, &ctx->argv[1], STORE_TYPE_SET, &w))
		return;
	uint64_t count = (uint64_t)l, size = w.obj != NULL ? store_set_len(w.obj) : 0;
	if (w.obj == NULL || count == 0) {
		store_write_commit(&w, 0, NULL);
		resp_w_set(ctx->out, 0, cmd_proto(ctx));
		return;
	}
	if (count >= size) {
		reply_members(ctx, w.obj, false);
		propagate_begin(ctx, "DEL", 0);
		store_wr_delete(&w);
		store_write_commit(&w, (uint32_t)size, "spop");
		return;
	}
	struct picked p;
	if (!pick_distinct(w.obj, count, &p)) {
		picked_free(&p);
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	resp_w_set(ctx->out, (int64_t)p.n, cmd_proto(ctx));
	propagate_begin(ctx, "SREM", p.n);
	for (uint64_t i = 0; i < p.n; i++) {
		resp_w_bulk(ctx->out, p.pool.data + p.off[i], p.len[i]);
		propagate_arg(ctx, p.pool.data + p.off[i], p.len[i]);
		store_set_rem(w.obj, p.pool.data + p.off[i], p.len[i]);
	}
	store_write_commit(&w, (uint32_t)p.n, "spop");
	picked_free(&p);
}

void cmd_spop(struct cmd_ctx *ctx)
{
	if (ctx->argc == 3) {
		spop_count(ctx);
		return;
	}
	if (ctx->argc > 3) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	struct store_wr w;
	if (!cmd_hs_write_begin(ctx, &ctx->argv[1], STORE_TYPE_SET, &w))
		return;
	if (w.obj == NULL) {
		store_write_commit(&w, 0, NULL);
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	char buf[24], copy[24];
	const uint8_t *m;
	size_t len;
	store_set_random(w.obj, buf, &m, &len);
	resp_w_bulk(ctx->out, m, len);
	propagate_begin(ctx, "SREM", 1);
	propagate_arg(ctx, m, len);
	if (len < sizeof(copy)) { /* the member's bytes die with it */
		memcpy(copy, m, len);
		m = (const uint8_t *)copy;
		store_set_rem(w.obj, m, len);
	} else {
		uint8_t *tmp = malloc(len);
		if (tmp != NULL) {
			memcpy(tmp, m, len);
			store_set_rem(w.obj, tmp, len);
			free(tmp);
		}
	}
	cmd_hs_commit(&w, len_of(&w), 1, "spop");
}

/* ---- SMOVE ---- */

void cmd_smove(struct cmd_ctx *ctx)
{
	const struct resp_arg *src = &ctx->argv[1], *dst = &ctx->argv[2], *m = &ctx->argv[3];
	/* lookupKeyWrite() of both: the writes below touch them no more */
	const unsigned lf = STORE_LOOKUP_NOSTATS | STORE_LOOKUP_WRITE;
	struct store_obj *so = cmd_lookup_key(ctx, src, lf);
	if (so == NULL) {
		resp_w_int(ctx->out, 0);
		return;
	}
	struct store_obj *dobj = cmd_lookup_key(ctx, dst, lf);
	if (so->type != STORE_TYPE_SET || (dobj != NULL && dobj->type != STORE_TYPE_SET)) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	if (src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0) {
		resp_w_int(ctx->out, store_set_has(so, m->ptr, m->len));
		return;
	}
	struct store_wr w;
	cmd_write_begin(ctx, src, &w);
	if (!store_set_rem(w.obj, m->ptr, m->len)) {
		store_write_commit(&w, 0, NULL);
		resp_w_int(ctx->out, 0);
		return;
	}
	cmd_hs_commit(&w, len_of(&w), 1, "srem");
	cmd_write_begin(ctx, dst, &w);
	if (w.obj == NULL && !create_in(ctx, &w, m))
		return;
	int rc = store_set_add(w.obj, m->ptr, m->len, max_intset(ctx));
	cmd_hs_commit(&w, len_of(&w), rc > 0 ? 1 : 0, "sadd");
	if (rc < 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, 1);
}

/* ---- SINTER SUNION SDIFF and their STORE / CARD variants ---- */

enum set_op { OP_INTER, OP_UNION, OP_DIFF };

/* Look up @p n set keys from @p keys. @return -1 after WRONGTYPE, else the
 * number of missing keys (their slots are NULL). */
static int lookup_sets(struct cmd_ctx *ctx, const struct resp_arg *keys, uint32_t n,
		       const struct store_obj **sets)
{
	int missing = 0;
	for (uint32_t j = 0; j < n; j++) {
		if (!cmd_hs_read(ctx, &keys[j], STORE_TYPE_SET, &sets[j]))
			return -1;
		missing += sets[j] == NULL;
	}
	return missing;
}

static int by_size(const void *a, const void *b)
{
	uint64_t x = store_set_len(*(const struct store_obj *const *)a);
	uint64_t y = store_set_len(*(const struct store_obj *const *)b);
	return x < y ? -1 : x > y;
}

static bool in_all_others(const struct store_obj **sets, uint32_t n, const uint8_t *m, size_t len)
{
	for (uint32_t j = 1; j < n; j++)
		if (sets[j] != sets[0] && !store_set_has(sets[j], m, len))
			return false;
	return true;
}

/* The result of @p op over @p sets as a new set in @p out (an intset that
 * converts as members arrive, createIntsetObject() + setTypeAdd()).
 * @return 0 or -ENOMEM. */
static int build(const struct store_obj **sets, uint32_t n, enum set_op op, uint64_t max,
		 struct store_obj *out)
{
	uint8_t enc;
	*out = (struct store_obj){.type = STORE_TYPE_SET};
	out->v.coll = store_set_create(NULL, 0, &enc);
	if (out->v.coll == NULL)
		return -ENOMEM;
	out->enc = enc;
	struct store_set_it it;
	const uint8_t *m;
	size_t len;
	for (uint32_t j = 0; j < n; j++) {
		if (sets[j] == NULL || (op != OP_UNION && j > 0))
			continue;
		store_set_it_init(&it, sets[j]);
		while (store_set_it_next(&it, &m, &len)) {
			bool keep = true;
			for (uint32_t k = 1; op == OP_DIFF && k < n && keep; k++)
				keep = sets[k] == NULL || !store_set_has(sets[k], m, len);
			if (op == OP_INTER)
				keep = in_all_others(sets, n, m, len);
			if (keep && store_set_add(out, m, len, max) < 0) {
				store_set_ops.free(out);
				return -ENOMEM;
			}
		}
	}
	return 0;
}

/* Store @p res (owned) at the destination key, or delete the destination
 * when @p res is empty; reply the size. */
static void store_result(struct cmd_ctx *ctx, const struct resp_arg *dst, struct store_obj *res,
			 const char *event)
{
	struct store_wr w;
	cmd_write_begin(ctx, dst, &w);
	uint64_t n = res != NULL ? store_set_len(res) : 0;
	if (n == 0) {
		if (res != NULL)
			store_set_ops.free(res);
		bool existed = w.obj != NULL;
		store_wr_delete(&w);
		store_write_commit(&w, existed, "del");
		resp_w_int(ctx->out, 0);
		return;
	}
	int rc = store_wr_set_coll(&w, STORE_TYPE_SET, res->enc, res->v.coll);
	if (rc == 0)
		rc = store_wr_set_expire(&w, STORE_NO_EXPIRE); /* setKey(): the TTL goes */
	store_write_commit(&w, rc == 0, event);
	if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, (int64_t)n);
}

/* sinterGenericCommand() / sunionDiffGenericCommand(): @p keys are the
 * sources; @p dst the destination or NULL; @p card counts (SINTERCARD)
 * up to @p limit (0: no limit). */
static void set_op(struct cmd_ctx *ctx, const struct resp_arg *keys, uint32_t n,
		   const struct resp_arg *dst, enum set_op op, bool card, int64_t limit)
{
	const struct store_obj *stack[64], **sets = stack;
	if (n > 64 && (sets = malloc(n * sizeof(*sets))) == NULL) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	int missing = lookup_sets(ctx, keys, n, sets);
	if (missing < 0)
		goto out;
	static const char *const events[] = {"sinterstore", "sunionstore", "sdiffstore"};
	if (op == OP_INTER && missing > 0) {
		if (dst != NULL)
			store_result(ctx, dst, NULL, NULL);
		else if (card)
			resp_w_int(ctx->out, 0);
		else
			resp_w_set(ctx->out, 0, cmd_proto(ctx));
		goto out;
	}
	if (op == OP_INTER && dst == NULL) {
		/* iterate the smallest set, reply as members are confirmed */
		qsort(sets, n, sizeof(*sets), by_size);
		struct rw_buf items = {0};
		int64_t found = 0;
		struct store_set_it it;
		const uint8_t *m;
		size_t len;
		store_set_it_init(&it, sets[0]);
		while (store_set_it_next(&it, &m, &len)) {
			if (!in_all_others(sets, n, m, len))
				continue;
			found++;
			if (card && limit > 0 && found >= limit)
				break;
			if (!card)
				resp_w_bulk(&items, m, len);
		}
		if (card) {
			resp_w_int(ctx->out, found);
		} else {
			resp_w_set(ctx->out, found, cmd_proto(ctx));
			rw_buf_append(ctx->out, items.data, items.len);
		}
		rw_buf_fini(&items);
		goto out;
	}
	if (op == OP_INTER)
		qsort(sets, n, sizeof(*sets), by_size);
	struct store_obj res;
	if (build(sets, n, op, max_intset(ctx), &res) != 0) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
		goto out;
	}
	if (dst != NULL) {
		store_result(ctx, dst, &res, events[op]);
	} else {
		reply_members(ctx, &res, false);
		store_set_ops.free(&res);
	}
out:
	if (sets != stack)
		free(sets);
}

void cmd_sinter(struct cmd_ctx *ctx)
{
	set_op(ctx, &ctx->argv[1], ctx->argc - 1, NULL, OP_INTER, false, 0);
}

void cmd_sinterstore(struct cmd_ctx *ctx)
{
	set_op(ctx, &ctx->argv[2], ctx->argc - 2, &ctx->argv[1], OP_INTER, false, 0);
}

void cmd_sunion(struct cmd_ctx *ctx)
{
	set_op(ctx, &ctx->argv[1], ctx->argc - 1, NULL, OP_UNION, false, 0);
}

void cmd_sunionstore(struct cmd_ctx *ctx)
{
	set_op(ctx, &ctx->argv[2], ctx->argc - 2, &ctx->argv[1], OP_UNION, false, 0);
}

void cmd_sdiff(struct cmd_ctx *ctx)
{
	set_op(ctx, &ctx->argv[1], ctx->argc - 1, NULL, OP_DIFF, false, 0);
}

void cmd_sdiffstore(struct cmd_ctx *ctx)
{
	set_op(ctx, &ctx->argv[2], ctx->argc - 2, &ctx->argv[1], OP_DIFF, false, 0);
}

void cmd_sintercard(struct cmd_ctx *ctx)
{
	int64_t numkeys, limit = 0;
	if (!resp_str_to_i64(ctx->argv[1].ptr, ctx->argv[1].len, &numkeys) || numkeys < 1) {
		resp_w_error(ctx->out, "ERR numkeys should be greater than 0");
		return;
	}
	if (numkeys > (int64_t)ctx->argc - 2) {
		resp_w_error(ctx->out, "ERR Number of keys can't be greater than number of args");
		return;
	}
	for (uint32_t j = 2 + (uint32_t)numkeys; j < ctx->argc; j++) {
		if (cmd_arg_is(&ctx->argv[j], "limit") && j + 1 < ctx->argc) {
			j++;
			if (!resp_str_to_i64(ctx->argv[j].ptr, ctx->argv[j].len, &limit) ||
			    limit < 0) {
				resp_w_error(ctx->out, "ERR LIMIT can't be negative");
				return;
			}
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return;
		}
	}
	set_op(ctx, &ctx->argv[2], (uint32_t)numkeys, NULL, OP_INTER, true, limit);
}

/* ---- SSCAN ---- */

struct sscan_acc {
	struct rw_buf items;
	int64_t n;
	int64_t visited;
	const struct cmd_hs_scan *sc;
};

static void sscan_visit(void *arg, const uint8_t *m, size_t len)
{
	struct sscan_acc *a = arg;
	a->visited++;
	if (!cmd_hs_scan_match(a->sc, m, len))
		return;
	resp_w_bulk(&a->items, m, len);
	a->n++;
}

void cmd_sscan(struct cmd_ctx *ctx)
{
	struct cmd_hs_scan sc;
	if (!cmd_hs_scan_cursor(ctx, &sc))
		return;
	const struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	if (o == NULL) {
		rw_buf_append(ctx->out, "*2\r\n$1\r\n0\r\n*0\r\n", 15);
		return;
	}
	if (o->type != STORE_TYPE_SET) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	if (!cmd_hs_scan_options(ctx, &sc))
		return;
	struct sscan_acc a = {.sc = &sc};
	uint64_t cursor = sc.cursor;
	int64_t budget = sc.count > INT64_MAX / 10 ? INT64_MAX : sc.count * 10;
	do
		cursor = store_set_scan(o, cursor, sscan_visit, &a);
	while (cursor != 0 && budget-- > 0 && a.visited < sc.count);
	cmd_hs_scan_reply(ctx, cursor, &a.items, a.n);
	rw_buf_fini(&a.items);
}

/* ---- DEBUG DIGEST and MEMORY USAGE ---- */

/* xorObjectDigest() for OBJ_SET: every member xorDigest()ed in. */
void cmd_set_digest(uint8_t d[20], const struct store_obj *o)
{
	struct store_set_it it;
	const uint8_t *m;
	size_t len;
	store_set_it_init(&it, o);
	while (store_set_it_next(&it, &m, &len))
		cmd_digest_xor(d, m, len);
}

/*
 * objectComputeSize() for OBJ_SET (jemalloc build):
 *   intset     16 (robj) + 8 (header) + members * the width the range needs
 *              (2, 4 or 8 bytes, as intset's encodings);
 *   hashtable  16 + 56 (dict) + 8 per bucket + per member the average over
 *              @p samples members of its sds plus a 24-byte dictEntry.
 */
/* intsetBlobLen(): an 8-byte header and the members at the width the
 * range needs (intset's 16, 32 or 64-bit encodings). */
static uint64_t intset_blob(const struct store_obj *o)
{
	const struct store_intset *is = o->v.coll;
	uint64_t width = 2;
	if (is->n > 0) {
		int64_t lo = is->v[0], hi = is->v[is->n - 1];
		if (lo < INT32_MIN || hi > INT32_MAX)
			width = 8;
		else if (lo < INT16_MIN || hi > INT16_MAX)
			width = 4;
	}
	return 8 + width * is->n;
}

uint64_t cmd_set_mem_usage(const struct store_obj *o, uint64_t samples)
{
	if (o->enc == STORE_ENC_INTSET)
		return 16 + cmd_je_class(intset_blob(o));
	uint64_t size = 16 + 56 + 8 * store_strtab_buckets(o->v.coll);
	uint64_t n = store_set_len(o), seen = 0, ele = 0;
	struct store_set_it it;
	const uint8_t *m;
	size_t len;
	store_set_it_init(&it, o);
	while ((samples == 0 || seen < samples) && store_set_it_next(&it, &m, &len)) {
		ele += cmd_sds_alloc(len, false) + 24;
		seen++;
	}
	return seen > 0 ? size + (uint64_t)((double)ele / (double)seen * (double)n) : size;
}

/* RDB: an intset is saved as its blob (one string), a hash table as a
 * count and the member strings. */
size_t cmd_set_rdb_len(const struct store_obj *o)
{
	if (o->enc == STORE_ENC_INTSET) {
		uint64_t b = intset_blob(o);
		return cmd_rdb_len_size(b) + b;
	}
	struct store_set_it it;
	const uint8_t *m;
	size_t len, size = cmd_rdb_len_size(store_set_len(o));
	store_set_it_init(&it, o);
	while (store_set_it_next(&it, &m, &len))
		size += cmd_rdb_bytes_len(m, len);
	return size;
}
