/*
 * RENAME, RENAMENX, COPY, MOVE on the worker that owns both keys (Redis
 * 7.0.15's renameGenericCommand, copyCommand, moveCommand).
 *
 * MOVE's key keeps its worker (the slot does not depend on the DB). When
 * RENAME/RENAMENX/COPY name keys of two workers the dispatcher runs them as
 * a transaction (dataplane/core/TRANSACTIONS.md): the source is read under
 * the lock, then the destination is set with SET ... PXAT and, for RENAME,
 * the source deleted.
 *
 * Strings are copied (their bytes may live inside the entry), in their
 * encoding (cmd_rdb_wr_match_enc()). A
 * collection moves as an object on one worker (store_wr_take_coll(): O(1),
 * encoding and expiry kept, as Redis's RENAME and MOVE move the robj);
 * COPY duplicates it through its RDB form (cmd_rdb_dup(), the source's
 * encoding kept, as Redis's *TypeDup() functions). Between workers a
 * collection travels as its DUMP payload (dp_tx_move.inc).
 *
 * Context: the worker that owns the keys.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd_int.h"
#include "cmd_rdb.h"
#include "store.h"

#define ERR_NO_SUCH_KEY "ERR no such key"
#define ERR_SAME_OBJECT "ERR source and destination objects are the same"
#define ERR_DB_RANGE	"ERR DB index is out of range"
#define ERR_INT_OUT_OF_RNG                                                                         \
	"ERR value is out of range, value must between -2147483648 and 2147483647"

/* getIntFromObjectOrReply() then selectDb(): @return the DB or -1 (replied). */
static int64_t cmd_db_arg(struct cmd_ctx *ctx, const struct resp_arg *a)
{
	int64_t id;
	if (!resp_str_to_i64(a->ptr, a->len, &id)) {
		resp_w_error(ctx->out, CMD_ERR_NOT_INT);
		return -1;
	}
	if (id < INT32_MIN || id > INT32_MAX) {
		resp_w_error(ctx->out, ERR_INT_OUT_OF_RNG);
		return -1;
	}
	if (id < 0 || (uint64_t)id >= store_shard_databases(ctx->shard)) {
		resp_w_error(ctx->out, ERR_DB_RANGE);
		return -1;
	}
	return id;
}

/*
 * LRU/LFU: RENAME and MOVE move Redis's object, which keeps the state the
 * source's lookupKeyWrite() left on it; COPY's duplicate is a new object
 * (LFU_INIT_VAL, or the LRU clock now) whatever the destination held.
 * @p lru is the source's state (after its lookup), or NULL for a new one.
 */
static void dst_lru(struct store_wr *w, const uint32_t *lru)
{
	if (lru != NULL)
		store_wr_keep_lru(w, *lru);
	else
		(void)store_wr_set_lru(w, STORE_LFU_INIT_VAL, 0);
}

/* Set @p dst in @p db to the string value of @p o with @p expire, in @p o's
 * encoding (raw after APPEND stays raw, an embstr holding a number stays
 * an embstr, as Redis moves or duplicates the robj), with LRU/LFU state
 * @p lru (dst_lru(): RENAME and MOVE pass the source's, and a raw string
 * keeps its sds as the moved robj does; COPY passes NULL); @p o's bytes are
 * copied first (the write may move them). @return 0 or -1. */
static int copy_value(struct cmd_ctx *ctx, const struct store_obj *o, int64_t expire, uint32_t db,
		      const struct resp_arg *dst, const uint32_t *lru)
{
	uint16_t sds = o->sds;
	char num[21];
	const uint8_t *p;
	size_t n = store_obj_str(o, num, &p);
	uint8_t small[64], *tmp = n <= sizeof(small) ? small : malloc(n);
	if (tmp == NULL) {
		resp_w_error(ctx->out, "ERR out of memory");
		return -1;
	}
	memcpy(tmp, p, n);
	uint8_t enc = o->enc;
	store_lookup_write(ctx->shard, db, dst->ptr, dst->len, ctx->now_ms);
	int rc = store_set(ctx->shard, db, dst->ptr, dst->len, tmp, n, expire, 0);
	if (rc == 0) {
		struct store_wr w;
		store_write_begin(ctx->shard, db, dst->ptr, dst->len, ctx->now_ms, &w);
		rc = cmd_rdb_wr_match_enc(&w, enc);
		if (w.obj != NULL)
			dst_lru(&w, lru);
		if (rc == 0 && lru != NULL && enc == STORE_ENC_RAW)
			store_wr_raw_sds(&w, sds);
		store_write_commit(&w, 0, NULL);
	}
	if (tmp != small)
		free(tmp);
	if (rc != 0)
		resp_w_error(ctx->out, "ERR out of memory");
	return rc != 0 ? -1 : 0;
}

/* Move the collection at @p src (db @p sdb) to @p dst (db @p ddb),
 * replacing what @p dst held, with expiry @p expire. @return 0 or -1. */
static int move_coll(struct cmd_ctx *ctx, uint32_t sdb, const struct resp_arg *src, uint32_t ddb,
		     const struct resp_arg *dst, int64_t expire, bool rename, uint32_t lru)
{
	struct store_wr w;
	struct store_obj o;
	store_write_begin(ctx->shard, sdb, src->ptr, src->len, ctx->now_ms, &w);
	int rc = store_wr_take_coll(&w, &o);
	store_write_commit(&w, rc == 0 ? 1 : 0, rename ? "rename_from" : "move_from");
	if (rc != 0)
		return -1;
	store_write_begin(ctx->shard, ddb, dst->ptr, dst->len, ctx->now_ms, &w);
	rc = store_wr_set_coll(&w, o.type, o.enc, o.v.coll);
	if (rc == 0)
		rc = store_wr_set_expire(&w, expire);
	if (rc == 0)
		dst_lru(&w, &lru);
	if (rc != 0 && w.obj != NULL)
		store_wr_delete(&w);
	store_write_commit(&w, 1, rename ? "rename_to" : "move_to");
	if (rc != 0)
		resp_w_error(ctx->out, "ERR out of memory");
	return rc != 0 ? -1 : 0;
}

/* COPY of a collection: a duplicate in its encoding at @p dst. */
static int copy_coll(struct cmd_ctx *ctx, const struct store_obj *o, int64_t expire, uint32_t db,
		     const struct resp_arg *dst)
{
	struct cmd_rdb_val v;
	struct store_wr w;
	if (cmd_rdb_dup(o, &v) != 0) {
		resp_w_error(ctx->out, "ERR out of memory");
		return -1;
	}
	store_write_begin(ctx->shard, db, dst->ptr, dst->len, ctx->now_ms, &w);
	int rc = cmd_rdb_val_apply(&w, &v);
	if (rc == 0)
		rc = store_wr_set_expire(&w, expire);
	if (rc == 0)
		dst_lru(&w, NULL);
	if (rc != 0 && w.obj != NULL)
		store_wr_delete(&w);
	store_write_commit(&w, 1, "copy_to");
	if (rc != 0)
		resp_w_error(ctx->out, "ERR out of memory");
	return rc != 0 ? -1 : 0;
}

static void rename_generic(struct cmd_ctx *ctx, bool nx)
{
	const struct resp_arg *src = &ctx->argv[1], *dst = &ctx->argv[2];
	uint32_t db = ctx->client->db;
	bool same = src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0;
	struct store_obj *o = store_lookup_write(ctx->shard, db, src->ptr, src->len, ctx->now_ms);
	if (o == NULL) {
		resp_w_error(ctx->out, ERR_NO_SUCH_KEY);
		return;
	}
	if (same) {
		if (nx)
			resp_w_int(ctx->out, 0);
		else
			resp_w_simple(ctx->out, "OK");
		return;
	}
	bool coll = o->type != STORE_TYPE_STRING;
	uint32_t lru = store_obj_lru(o);
	if (nx && store_lookup_write(ctx->shard, db, dst->ptr, dst->len, ctx->now_ms) != NULL) {
		resp_w_int(ctx->out, 0);
		return;
	}
	int64_t expire = store_get_expire(ctx->shard, db, src->ptr, src->len);
	if (coll) {
		if (move_coll(ctx, db, src, db, dst, expire, true, lru) != 0)
			return;
	} else {
		if (copy_value(ctx, o, expire, db, dst, &lru) != 0)
			return;
		store_delete(ctx->shard, db, src->ptr, src->len, ctx->now_ms);
	}
	if (nx)
		resp_w_int(ctx->out, 1);
	else
		resp_w_simple(ctx->out, "OK");
}

void cmd_rename(struct cmd_ctx *ctx)
{
	rename_generic(ctx, false);
}

void cmd_renamenx(struct cmd_ctx *ctx)
{
	rename_generic(ctx, true);
}

int cmd_copy_opts(struct cmd_ctx *ctx, uint32_t *dst_db, bool *replace)
{
	*dst_db = ctx->client->db;
	*replace = false;
	for (uint32_t j = 3; j < ctx->argc; j++) {
		if (cmd_arg_is(&ctx->argv[j], "replace")) {
			*replace = true;
		} else if (cmd_arg_is(&ctx->argv[j], "db") && j + 1 < ctx->argc) {
			int64_t id = cmd_db_arg(ctx, &ctx->argv[j + 1]);
			if (id < 0)
				return -1;
			*dst_db = (uint32_t)id;
			j++;
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return -1;
		}
	}
	const struct resp_arg *src = &ctx->argv[1], *dst = &ctx->argv[2];
	if (*dst_db == ctx->client->db && src->len == dst->len &&
	    memcmp(src->ptr, dst->ptr, src->len) == 0) {
		resp_w_error(ctx->out, ERR_SAME_OBJECT);
		return -1;
	}
	return 0;
}

void cmd_copy(struct cmd_ctx *ctx)
{
	uint32_t dst_db;
	bool replace;
	if (cmd_copy_opts(ctx, &dst_db, &replace) != 0)
		return;
	const struct resp_arg *src = &ctx->argv[1], *dst = &ctx->argv[2];
	uint32_t db = ctx->client->db;
	struct store_obj *o = store_lookup_read(ctx->shard, db, src->ptr, src->len, ctx->now_ms);
	if (o == NULL) {
		resp_w_int(ctx->out, 0);
		return;
	}
	if (!replace &&
	    store_lookup_write(ctx->shard, dst_db, dst->ptr, dst->len, ctx->now_ms) != NULL) {
		resp_w_int(ctx->out, 0);
		return;
	}
	/* the lookups above may have reclaimed an expired key: look again
	 * (lookupKeyRead() above was its one access) */
	o = store_lookup(ctx->shard, db, src->ptr, src->len, ctx->now_ms,
			 STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS);
	if (o == NULL) {
		resp_w_int(ctx->out, 0);
		return;
	}
	int64_t expire = store_get_expire(ctx->shard, db, src->ptr, src->len);
	int rc = o->type == STORE_TYPE_STRING ? copy_value(ctx, o, expire, dst_db, dst, NULL)
					      : copy_coll(ctx, o, expire, dst_db, dst);
	if (rc == 0)
		resp_w_int(ctx->out, 1);
}

void cmd_move(struct cmd_ctx *ctx)
{
	const struct resp_arg *key = &ctx->argv[1];
	int64_t id = cmd_db_arg(ctx, &ctx->argv[2]);
	if (id < 0)
		return;
	uint32_t db = ctx->client->db;
	if ((uint32_t)id == db) {
		resp_w_error(ctx->out, ERR_SAME_OBJECT);
		return;
	}
	struct store_obj *o = store_lookup_write(ctx->shard, db, key->ptr, key->len, ctx->now_ms);
	if (o == NULL) {
		resp_w_int(ctx->out, 0);
		return;
	}
	bool coll = o->type != STORE_TYPE_STRING;
	uint32_t lru = store_obj_lru(o);
	if (store_lookup_write(ctx->shard, (uint32_t)id, key->ptr, key->len, ctx->now_ms) != NULL) {
		resp_w_int(ctx->out, 0);
		return;
	}
	int64_t expire = store_get_expire(ctx->shard, db, key->ptr, key->len);
	if (coll) {
		if (move_coll(ctx, db, key, (uint32_t)id, key, expire, false, lru) != 0)
			return;
	} else {
		/* the lookup in the other DB may have moved this entry: find it
		 * again (its one access was the lookup above) */
		o = store_lookup(ctx->shard, db, key->ptr, key->len, ctx->now_ms,
				 STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS);
		if (o == NULL) {
			resp_w_int(ctx->out, 0);
			return;
		}
		if (copy_value(ctx, o, expire, (uint32_t)id, key, &lru) != 0)
			return;
		store_delete(ctx->shard, db, key->ptr, key->len, ctx->now_ms);
	}
	resp_w_int(ctx->out, 1);
}
