/*
 * List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX
 * LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP (the blocking ones
 * come with the blocking machinery, issue #5 item 1).
 *
 * Semantics, check order and error texts follow t_list.c of redis-server
 * 7.0.15: arguments that Redis parses before the key lookup are parsed
 * before it here too (LRANGE, LTRIM, LREM: a bad number wins over a
 * missing key), the others after (LINDEX, LSET: a missing key wins).
 * Every change goes through store_write_begin()/store_write_commit(); a
 * command that empties a list deletes the key. Lists live in
 * dataplane/store/store_list.c (a quicklist, OBJECT ENCODING "quicklist").
 *
 * LMOVE, RPOPLPUSH and LMPOP with keys on different workers run on copies
 * of their keys (dataplane/core/dp_tx_gather.inc); here every key is on
 * the shard the handler is given.
 *
 * Context: the worker lcore that owns the keys' shard.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd_int.h"
#include "store_list.h"

#define ERR_POSITIVE "ERR value is out of range, must be positive"

/* lookupKeyRead + checkType: the list, or NULL with *@p wrong set after
 * replying WRONGTYPE (nothing replied for a missing key). */
static struct store_list *list_read(struct cmd_ctx *ctx, const struct resp_arg *key, bool *wrong)
{
	struct store_obj *o = cmd_lookup_key(ctx, key, 0);
	*wrong = false;
	if (o == NULL)
		return NULL;
	if (o->type != STORE_TYPE_LIST) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		*wrong = true;
		return NULL;
	}
	return o->v.coll;
}

/* A read that walks a list under list-compress-depth may change which of
 * its nodes are compressed (quicklistNext() tries the nodes it leaves):
 * the shard's memory accounting follows the list's bytes since @p before. */
static void read_done(struct cmd_ctx *ctx, const struct store_list *l, uint64_t before)
{
	uint64_t after = store_list_bytes(l);
	if (after != before)
		store_shard_stats(ctx->shard)->used_bytes += after - before;
}

/* After a write begun on a key: does it hold a non-list? Replies WRONGTYPE
 * and commits nothing if so. */
static bool wr_wrongtype(struct cmd_ctx *ctx, struct store_wr *w)
{
	if (w->obj == NULL || w->obj->type == STORE_TYPE_LIST)
		return false;
	store_write_commit(w, 0, NULL);
	resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
	return true;
}

/* Make the write's key an empty list (createQuicklistObject() with the
 * list-max-listpack-size and list-compress-depth in force). */
static struct store_list *wr_new_list(struct cmd_ctx *ctx, struct store_wr *w)
{
	struct store_list *l = store_list_create((int32_t)cmd_cfg_list_max_listpack_size(ctx->env),
						 (int32_t)cmd_cfg_list_compress_depth(ctx->env));
	if (l == NULL || store_wr_set_coll(w, STORE_TYPE_LIST, STORE_ENC_QUICKLIST, l) != 0)
		return NULL;
	return l;
}

/* Finish a write that removed elements: an emptied list deletes the key. */
static void wr_done_removed(struct store_wr *w, struct store_list *l, uint32_t changes,
			    const char *event)
{
	if (l != NULL && store_list_len(l) == 0)
		store_wr_delete(w);
	store_write_commit(w, changes, event);
}

/* ---- push ---- */

/* pushGenericCommand() / pushxGenericCommand(). */
static void push_generic(struct cmd_ctx *ctx, bool head, bool only_existing)
{
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (wr_wrongtype(ctx, &w))
		return;
	if (w.obj == NULL && only_existing) {
		store_write_commit(&w, 0, NULL);
		resp_w_int(ctx->out, 0);
		return;
	}
	struct store_list *l = w.obj != NULL ? w.obj->v.coll : wr_new_list(ctx, &w);
	uint32_t pushed = 0;
	int rc = l != NULL ? 0 : -1;
	for (uint32_t j = 2; j < ctx->argc && rc == 0; j++) {
		rc = store_list_push(l, head, ctx->argv[j].ptr, ctx->argv[j].len);
		pushed += rc == 0;
	}
	if (l != NULL && store_list_len(l) == 0)
		store_wr_delete(&w);
	store_write_commit(&w, pushed, head ? "lpush" : "rpush");
	if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, (int64_t)store_list_len(l));
}

void cmd_lpush(struct cmd_ctx *ctx)
{
	push_generic(ctx, true, false);
}

void cmd_rpush(struct cmd_ctx *ctx)
{
	push_generic(ctx, false, false);
}

void cmd_lpushx(struct cmd_ctx *ctx)
{
	push_generic(ctx, true, true);
}

void cmd_rpushx(struct cmd_ctx *ctx)
{
	push_generic(ctx, false, true);
}

/* ---- pop ---- */

/* addListRangeReply() of the @p count elements at one end, in pop order. */
static void reply_end_range(struct cmd_ctx *ctx, struct store_list *l, bool head, uint64_t count)
{
	struct store_list_iter it;
	const uint8_t *p;
	size_t n;
	resp_w_array(ctx->out, (int64_t)count);
	store_list_iter_init(l, head ? 0 : store_list_len(l) - 1, !head, &it);
	for (uint64_t i = 0; i < count && store_list_iter_next(&it, &p, &n); i++)
		resp_w_bulk(ctx->out, p, n);
	store_list_iter_release(&it);
}

/* Pop @p count (0: one, as a bulk string) from the write's list and reply. */
static void pop_reply(struct cmd_ctx *ctx, struct store_wr *w, bool head, uint64_t count)
{
	struct store_list *l = w->obj->v.coll;
	const uint8_t *p;
	size_t n;
	if (count == 0) {
		store_list_peek(l, head, &p, &n);
		resp_w_bulk(ctx->out, p, n);
		store_list_pop(l, head);
		count = 1;
	} else {
		uint64_t len = store_list_len(l);
		if (count > len)
			count = len;
		reply_end_range(ctx, l, head, count);
		store_list_del_range(l, head ? 0 : len - count, count);
	}
	wr_done_removed(w, l, (uint32_t)count, head ? "lpop" : "rpop");
}

/* popGenericCommand() */
static void pop_generic(struct cmd_ctx *ctx, bool head)
{
	int64_t count = 0;
	bool has_count = ctx->argc == 3;
	if (ctx->argc > 3) {
		cmd_reply_arity(ctx->out, cmd_lookup(ctx->argv[0].ptr, ctx->argv[0].len));
		return;
	}
	if (has_count &&
	    (!resp_str_to_i64(ctx->argv[2].ptr, ctx->argv[2].len, &count) || count < 0)) {
		resp_w_error(ctx->out, ERR_POSITIVE);
		return;
	}
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj == NULL) {
		store_write_commit(&w, 0, NULL);
		if (has_count)
			resp_w_null_array(ctx->out, cmd_proto(ctx));
		else
			resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	if (wr_wrongtype(ctx, &w))
		return;
	if (has_count && count == 0) {
		store_write_commit(&w, 0, NULL);
		resp_w_array(ctx->out, 0);
		return;
	}
	pop_reply(ctx, &w, head, (uint64_t)count);
}

void cmd_lpop(struct cmd_ctx *ctx)
{
	pop_generic(ctx, true);
}

void cmd_rpop(struct cmd_ctx *ctx)
{
	pop_generic(ctx, false);
}

/* ---- reads ---- */

void cmd_llen(struct cmd_ctx *ctx)
{
	bool wrong;
	struct store_list *l = list_read(ctx, &ctx->argv[1], &wrong);
	if (!wrong)
		resp_w_int(ctx->out, l != NULL ? (int64_t)store_list_len(l) : 0);
}

/* Redis's start/end normalisation (LRANGE, LTRIM). @return false if the
 * range is empty; else [*s, *e] is within the list. */
static bool range_clip(int64_t start, int64_t end, int64_t len, int64_t *s, int64_t *e)
{
	if (start < 0)
		start = len + start;
	if (end < 0)
		end = len + end;
	if (start < 0)
		start = 0;
	if (start > end || start >= len)
		return false;
	if (end >= len)
		end = len - 1;
	*s = start;
	*e = end;
	return true;
}

void cmd_lrange(struct cmd_ctx *ctx)
{
	int64_t start, end, s, e;
	bool wrong;
	if (!cmd_arg_i64(ctx, &ctx->argv[2], &start) || !cmd_arg_i64(ctx, &ctx->argv[3], &end))
		return;
	struct store_list *l = list_read(ctx, &ctx->argv[1], &wrong);
	if (wrong)
		return;
	if (l == NULL || !range_clip(start, end, (int64_t)store_list_len(l), &s, &e)) {
		resp_w_array(ctx->out, 0);
		return;
	}
	struct store_list_iter it;
	const uint8_t *p;
	size_t n;
	uint64_t before = store_list_bytes(l);
	resp_w_array(ctx->out, e - s + 1);
	store_list_iter_init(l, (uint64_t)s, false, &it);
	for (int64_t i = s; i <= e && store_list_iter_next(&it, &p, &n); i++)
		resp_w_bulk(ctx->out, p, n);
	store_list_iter_release(&it);
	read_done(ctx, l, before);
}

/* A LINDEX/LSET index to a position from the head. @return false if out of range. */
static bool index_pos(int64_t idx, uint64_t len, uint64_t *pos)
{
	if (idx < 0)
		idx += (int64_t)len;
	if (idx < 0 || (uint64_t)idx >= len)
		return false;
	*pos = (uint64_t)idx;
	return true;
}

void cmd_lindex(struct cmd_ctx *ctx)
{
	bool wrong;
	struct store_list *l = list_read(ctx, &ctx->argv[1], &wrong);
	int64_t idx;
	uint64_t pos;
	if (wrong)
		return;
	if (l == NULL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	if (!cmd_arg_i64(ctx, &ctx->argv[2], &idx))
		return;
	if (!index_pos(idx, store_list_len(l), &pos)) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	struct store_list_iter it;
	const uint8_t *p;
	size_t n;
	uint64_t before = store_list_bytes(l);
	store_list_iter_init(l, pos, false, &it);
	store_list_iter_next(&it, &p, &n);
	resp_w_bulk(ctx->out, p, n);
	store_list_iter_release(&it);
	read_done(ctx, l, before);
}

static bool elem_eq(const uint8_t *p, size_t n, const struct resp_arg *a)
{
	return n == a->len && (n == 0 || memcmp(p, a->ptr, n) == 0);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
struct lpos_opts {
	int64_t rank, count, maxlen; /* count -1: not given */
};

static bool lpos_parse(struct cmd_ctx *ctx, struct lpos_opts *o)
{
	*o = (struct lpos_opts){1, -1, 0};
	for (uint32_t j = 3; j < ctx->argc; j++) {
		const struct resp_arg *a = &ctx->argv[j];
		bool more = j + 1 < ctx->argc;
		if (cmd_arg_is(a, "rank") && more) {
			if (!cmd_arg_i64(ctx, &ctx->argv[++j], &o->rank))
				return false;
			if (o->rank == 0) {
				resp_w_error(
				    ctx->out,
				    "ERR RANK can't be zero: use 1 to start from the first "
				    "match, 2 from the second ... or use negative to start "
				    "from the end of the list");
				return false;
			}
		} else if (cmd_arg_is(a, "count") && more) {
			if (!cmd_arg_i64(ctx, &ctx->argv[++j], &o->count))
				return false;
			if (o->count < 0) {
				resp_w_error(ctx->out, "ERR COUNT can't be negative");
				return false;
			}
		} else if (cmd_arg_is(a, "maxlen") && more) {
			if (!cmd_arg_i64(ctx, &ctx->argv[++j], &o->maxlen))
				return false;
			if (o->maxlen < 0) {
				resp_w_error(ctx->out, "ERR MAXLEN can't be negative");
				return false;
			}
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return false;
		}
	}
	return true;
}

void cmd_lpos(struct cmd_ctx *ctx)
{
	struct lpos_opts o;
	bool wrong;
	if (!lpos_parse(ctx, &o))
		return;
	bool rev = o.rank < 0;
	/* -LLONG_MIN stays negative in Redis: every match then qualifies */
	if (rev && o.rank != INT64_MIN)
		o.rank = -o.rank;
	struct store_list *l = list_read(ctx, &ctx->argv[1], &wrong);
	if (wrong)
		return;
	if (l == NULL) {
		if (o.count != -1)
			resp_w_array(ctx->out, 0);
		else
			resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	/* The array length is known only at the end: collect the indexes. */
	uint64_t len = store_list_len(l), cap = 16, nm = 0;
	int64_t *found = o.count != -1 ? malloc(cap * sizeof(*found)) : NULL;
	int64_t index = 0, matches = 0, matchindex = -1;
	struct store_list_iter it;
	const uint8_t *p;
	size_t n;
	uint64_t before = store_list_bytes(l);
	store_list_iter_init(l, rev ? len - 1 : 0, rev, &it);
	while (store_list_iter_next(&it, &p, &n) && (o.maxlen == 0 || index < o.maxlen)) {
		if (elem_eq(p, n, &ctx->argv[2])) {
			matches++;
			matchindex = rev ? (int64_t)len - index - 1 : index;
			if (matches >= o.rank) {
				if (o.count == -1)
					break;
				if (nm == cap) {
					int64_t *g = found != NULL
							 ? realloc(found, 2 * cap * sizeof(*g))
							 : NULL;
					if (g == NULL)
						break;
					found = g;
					cap *= 2;
				}
				if (found != NULL)
					found[nm++] = matchindex;
				if (o.count != 0 && (int64_t)nm >= o.count)
					break;
			}
		}
		index++;
		matchindex = -1;
	}
	store_list_iter_release(&it);
	read_done(ctx, l, before);
	if (o.count != -1) {
		resp_w_array(ctx->out, (int64_t)nm);
		for (uint64_t i = 0; i < nm; i++)
			resp_w_int(ctx->out, found[i]);
	} else if (matchindex != -1) {
		resp_w_int(ctx->out, matchindex);
	} else {
		resp_w_null(ctx->out, cmd_proto(ctx));
	}
	free(found);
}

/* ---- in-place changes ---- */

void cmd_lset(struct cmd_ctx *ctx)
{
	struct store_wr w;
	int64_t idx;
	uint64_t pos;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj == NULL) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, "ERR no such key");
		return;
	}
	if (wr_wrongtype(ctx, &w))
		return;
	struct store_list *l = w.obj->v.coll;
	if (!resp_str_to_i64(ctx->argv[2].ptr, ctx->argv[2].len, &idx)) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_NOT_INT);
		return;
	}
	if (!index_pos(idx, store_list_len(l), &pos)) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, "ERR index out of range");
		return;
	}
	int rc = store_list_set(l, pos, ctx->argv[3].ptr, ctx->argv[3].len);
	store_write_commit(&w, rc == 0, "lset");
	if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_simple(ctx->out, "OK");
}

void cmd_linsert(struct cmd_ctx *ctx)
{
	bool after;
	if (cmd_arg_is(&ctx->argv[2], "after")) {
		after = true;
	} else if (cmd_arg_is(&ctx->argv[2], "before")) {
		after = false;
	} else {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
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
	struct store_list *l = w.obj->v.coll;
	struct store_list_iter it;
	const uint8_t *p;
	size_t n;
	uint64_t idx = 0;
	bool found = false;
	store_list_iter_init(l, 0, false, &it);
	while (!found && store_list_iter_next(&it, &p, &n)) {
		found = elem_eq(p, n, &ctx->argv[3]);
		idx++;
	}
	if (!found) { /* the walk ended: nothing to release */
		store_write_commit(&w, 0, NULL);
		resp_w_int(ctx->out, -1);
		return;
	}
	/* quicklistInsertAfter/Before() the pivot (idx - 1): the node effects
	 * depend on the side, not only on the new element's index */
	int rc = store_list_insert(l, idx - 1, after, ctx->argv[4].ptr, ctx->argv[4].len);
	store_write_commit(&w, rc == 0, "linsert");
	if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, (int64_t)store_list_len(l));
}

void cmd_lrem(struct cmd_ctx *ctx)
{
	int64_t toremove, removed = 0;
	if (!cmd_arg_i64(ctx, &ctx->argv[2], &toremove))
		return;
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj == NULL) {
		store_write_commit(&w, 0, NULL);
		resp_w_int(ctx->out, 0);
		return;
	}
	if (wr_wrongtype(ctx, &w))
		return;
	struct store_list *l = w.obj->v.coll;
	bool rev = toremove < 0;
	uint64_t limit = rev ? (uint64_t)0 - (uint64_t)toremove : (uint64_t)toremove;
	struct store_list_iter it;
	const uint8_t *p;
	size_t n;
	store_list_iter_init(l, rev ? store_list_len(l) - 1 : 0, rev, &it);
	while (store_list_iter_next(&it, &p, &n)) {
		if (!elem_eq(p, n, &ctx->argv[3]))
			continue;
		store_list_iter_del(&it);
		removed++;
		if (limit != 0 && (uint64_t)removed == limit)
			break;
	}
	store_list_iter_release(&it);
	wr_done_removed(&w, l, (uint32_t)removed, "lrem");
	resp_w_int(ctx->out, removed);
}

void cmd_ltrim(struct cmd_ctx *ctx)
{
	int64_t start, end, s, e;
	if (!cmd_arg_i64(ctx, &ctx->argv[2], &start) || !cmd_arg_i64(ctx, &ctx->argv[3], &end))
		return;
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj == NULL) {
		store_write_commit(&w, 0, NULL);
		resp_w_simple(ctx->out, "OK");
		return;
	}
	if (wr_wrongtype(ctx, &w))
		return;
	struct store_list *l = w.obj->v.coll;
	uint64_t len = store_list_len(l);
	if (!range_clip(start, end, (int64_t)len, &s, &e)) {
		store_list_del_range(l, 0, len);
	} else {
		store_list_del_range(l, (uint64_t)e + 1, len - (uint64_t)e - 1);
		store_list_del_range(l, 0, (uint64_t)s);
	}
	/* Redis counts LTRIM as one change even when nothing was cut */
	wr_done_removed(&w, l, 1, "ltrim");
	resp_w_simple(ctx->out, "OK");
}

/* ---- moves between lists ---- */

/* LEFT or RIGHT (getListPositionFromObjectOrReply()). */
static bool parse_where(struct cmd_ctx *ctx, const struct resp_arg *a, bool *head)
{
	if (cmd_arg_is(a, "left"))
		*head = true;
	else if (cmd_arg_is(a, "right"))
		*head = false;
	else {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return false;
	}
	return true;
}

static bool same_key(const struct resp_arg *a, const struct resp_arg *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/*
 * lmoveGenericCommand(): pop from @p src at one end, push to @p dst at
 * one end, reply the element. Both keys are checked before anything
 * changes; the two changes are two writes one after the other (a write
 * may move the other key's entry, so they never overlap), except when
 * source and destination are the same key: one write, so the key keeps
 * its expiry as it does in Redis.
 */
static void move_generic(struct cmd_ctx *ctx, bool from_head, bool to_head)
{
	const struct resp_arg *src = &ctx->argv[1], *dst = &ctx->argv[2];
	uint32_t db = ctx->client->db;
	struct store_obj *so = store_lookup_write(ctx->shard, db, src->ptr, src->len, ctx->now_ms);
	if (so == NULL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	/* a lookup may expire dst, never move src's value */
	struct store_obj *d = store_lookup_write(ctx->shard, db, dst->ptr, dst->len, ctx->now_ms);
	if (so->type != STORE_TYPE_LIST || (d != NULL && d->type != STORE_TYPE_LIST)) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	const uint8_t *p;
	size_t n;
	store_list_peek(so->v.coll, from_head, &p, &n);
	/* the element outlives its node: copied, on the stack when small */
	uint8_t local[256];
	uint8_t *v = n <= sizeof(local) ? local : malloc(n);
	if (v == NULL) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	memcpy(v, p, n);
	struct store_wr w;
	cmd_write_begin(ctx, src, &w);
	struct store_list *l = w.obj->v.coll;
	store_list_pop(l, from_head);
	if (same_key(src, dst)) {
		int rc = store_list_push(l, to_head, v, n);
		wr_done_removed(&w, l, rc == 0 ? 2 : 1, "lpush");
		resp_w_bulk(ctx->out, v, n);
		if (v != local)
			free(v);
		return;
	}
	wr_done_removed(&w, l, 1, from_head ? "lpop" : "rpop");
	cmd_write_begin(ctx, dst, &w);
	l = w.obj != NULL ? w.obj->v.coll : wr_new_list(ctx, &w);
	int rc = l != NULL ? store_list_push(l, to_head, v, n) : -1;
	if (l != NULL && store_list_len(l) == 0)
		store_wr_delete(&w);
	store_write_commit(&w, rc == 0, to_head ? "lpush" : "rpush");
	resp_w_bulk(ctx->out, v, n);
	if (v != local)
		free(v);
}

void cmd_lmove(struct cmd_ctx *ctx)
{
	bool from_head, to_head;
	if (parse_where(ctx, &ctx->argv[3], &from_head) &&
	    parse_where(ctx, &ctx->argv[4], &to_head))
		move_generic(ctx, from_head, to_head);
}

void cmd_rpoplpush(struct cmd_ctx *ctx)
{
	move_generic(ctx, false, true);
}

/* Redis propagates LMPOP as LPOP|RPOP key count (listPopRangeAndReplyWithKey()): the
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

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
void cmd_lmpop(struct cmd_ctx *ctx)
{
	int64_t numkeys, count = -1;
	bool head;
	if (!resp_str_to_i64(ctx->argv[1].ptr, ctx->argv[1].len, &numkeys) || numkeys < 1) {
		resp_w_error(ctx->out, "ERR numkeys should be greater than 0");
		return;
	}
	if (numkeys >= (int64_t)ctx->argc - 2) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	uint32_t where = 2 + (uint32_t)numkeys;
	if (!parse_where(ctx, &ctx->argv[where], &head))
		return;
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
		pop_reply(ctx, &w, head, (uint64_t)count);
		propagate_mpop(ctx, head ? "LPOP" : "RPOP", &ctx->argv[j], count);
		return;
	}
	resp_w_null_array(ctx->out, cmd_proto(ctx));
}

/* ---- MEMORY USAGE ---- */

/*
 * objectComputeSize() of a quicklist: the robj (16) and the quicklist (40),
 * then the average over the first samples nodes of a quicklistNode (40)
 * and zmalloc_size() of its entry, times the node count. A raw node's
 * entry is its listpack (lpBytes(), allocated to size), a plain node's its
 * element, a compressed node's the quicklistLZF: a 4-byte length and the
 * blob. So a list under a depth is estimated from its first nodes, which
 * are raw, as stock does.
 */
uint64_t cmd_list_mem_usage(const struct store_obj *o, uint64_t samples)
{
	const struct store_list *l = o->v.coll;
	uint64_t elesize = 0, seen = 0;
	for (const struct store_list_node *nd = store_list_node_first(l);
	     nd != NULL && (samples == 0 || seen < samples); nd = store_list_node_next(nd)) {
		const uint8_t *b;
		size_t n;
		uint64_t entry = store_list_node_lzf(nd, &b, &n) ? 4 + (uint64_t)n
								 : store_list_node_lp_bytes(nd);
		elesize += 40 + cmd_je_class(entry);
		seen++;
	}
	double asize = 16 + 40;
	if (seen > 0)
		asize += (double)elesize / (double)seen * (double)store_list_nodes(l);
	return (uint64_t)asize;
}

/* ---- DEBUG DIGEST ---- */

void cmd_digest_list(uint8_t d[20], const struct store_obj *o)
{
	struct store_list_iter it;
	const uint8_t *p;
	size_t n;
	store_list_iter_init(o->v.coll, 0, false, &it);
	while (store_list_iter_next(&it, &p, &n))
		cmd_digest_mix(d, p, n);
	store_list_iter_release(&it);
}
