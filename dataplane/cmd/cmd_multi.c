/*
 * Multi-key commands: MGET, MSET, MSETNX, and the whole-keyspace KEYS,
 * FLUSHDB, FLUSHALL.
 *
 * A handler sees only the keys of its own shard: when a request's keys live
 * on several workers the dispatcher runs it as a transaction over them,
 * split by owner (CMD_KEYS_MERGE for MGET, CMD_KEYS_ALL_OK for MSET, see
 * dataplane/core/dp_slot.h and TRANSACTIONS.md) and combines the parts.
 * MSETNX (CMD_MULTI_KEYS_SAME_SHARD) must check every key before setting
 * any: across workers the transaction first asks every owner whether its
 * keys exist, under the lock, and only then runs MSETNX on each owner's pairs.
 *
 * Context: the worker that owns the keys.
 */
#include <string.h>
#include <strings.h>

#include "cmd_int.h"
#include "store.h"

/* mgetCommand(): nil for a missing key or a key of another type. */
void cmd_mget(struct cmd_ctx *ctx)
{
	resp_w_array(ctx->out, ctx->argc - 1);
	for (uint32_t i = 1; i < ctx->argc; i++) {
		struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[i], 0);
		if (o == NULL || o->type != STORE_TYPE_STRING)
			resp_w_null(ctx->out, cmd_proto(ctx));
		else
			cmd_reply_obj(ctx, o);
	}
}

static bool pairs_ok(struct cmd_ctx *ctx, const char *name)
{
	if ((ctx->argc % 2) == 1) /* the name and key/value pairs */
		return true;
	resp_w_errorf(ctx->out, "ERR wrong number of arguments for '%s' command", name);
	return false;
}

static void set_pairs(struct cmd_ctx *ctx)
{
	for (uint32_t i = 1; i + 1 < ctx->argc; i += 2) {
		const struct resp_arg *k = &ctx->argv[i], *v = &ctx->argv[i + 1];
		store_lookup_write(ctx->shard, ctx->client->db, k->ptr, k->len, ctx->now_ms);
		store_set(ctx->shard, ctx->client->db, k->ptr, k->len, v->ptr, v->len,
			  STORE_NO_EXPIRE, 0);
	}
}

/* msetGenericCommand(c, 0) */
void cmd_mset(struct cmd_ctx *ctx)
{
	if (!pairs_ok(ctx, "mset"))
		return;
	set_pairs(ctx);
	resp_w_simple(ctx->out, "OK");
}

/* msetGenericCommand(c, 1): nothing is set if any key exists. */
void cmd_msetnx(struct cmd_ctx *ctx)
{
	if (!pairs_ok(ctx, "msetnx"))
		return;
	for (uint32_t i = 1; i < ctx->argc; i += 2) {
		const struct resp_arg *k = &ctx->argv[i];
		if (store_lookup_write(ctx->shard, ctx->client->db, k->ptr, k->len, ctx->now_ms) !=
		    NULL) {
			resp_w_int(ctx->out, 0);
			return;
		}
	}
	set_pairs(ctx);
	resp_w_int(ctx->out, 1);
}

/* ---- whole-keyspace commands: every shard runs them (CMD_ALL_SHARDS_*) ---- */

struct keys_walk {
	const struct resp_arg *pat;
	bool all;
	struct rw_buf out;
	int64_t n;
};

static void keys_one(void *arg, const uint8_t *key, size_t klen, const struct store_obj *o)
{
	struct keys_walk *k = arg;
	(void)o;
	if (k->all || cmd_glob_match(k->pat->ptr, k->pat->len, key, klen, false)) {
		resp_w_bulk(&k->out, key, klen);
		k->n++;
	}
}

/* keysCommand(): this shard's matching keys; the dispatcher concatenates. */
void cmd_keys(struct cmd_ctx *ctx)
{
	struct keys_walk k = {.pat = &ctx->argv[1]};
	k.all = k.pat->len == 1 && k.pat->ptr[0] == '*';
	uint64_t cursor = 0;
	do
		cursor =
		    store_db_scan(ctx->shard, ctx->client->db, cursor, ctx->now_ms, keys_one, &k);
	while (cursor != 0);
	resp_w_array(ctx->out, k.n);
	rw_buf_append(ctx->out, k.out.data, k.out.len);
	rw_buf_fini(&k.out);
}

/* getFlushCommandFlags(): [SYNC|ASYNC]. Freeing is synchronous either way
 * for now (bounded-step lazy freeing is issue #5's). */
static bool flush_args_ok(struct cmd_ctx *ctx)
{
	if (ctx->argc == 1)
		return true;
	const struct resp_arg *a = &ctx->argv[1];
	if (ctx->argc == 2 && ((a->len == 4 && strncasecmp((const char *)a->ptr, "sync", 4) == 0) ||
			       (a->len == 5 && strncasecmp((const char *)a->ptr, "async", 5) == 0)))
		return true;
	resp_w_error(ctx->out, CMD_ERR_SYNTAX);
	return false;
}

void cmd_flushdb(struct cmd_ctx *ctx)
{
	if (!flush_args_ok(ctx))
		return;
	store_db_flush(ctx->shard, ctx->client->db);
	resp_w_simple(ctx->out, "OK");
}

void cmd_flushall(struct cmd_ctx *ctx)
{
	if (!flush_args_ok(ctx))
		return;
	for (uint32_t db = 0; db < store_shard_databases(ctx->shard); db++)
		store_db_flush(ctx->shard, db);
	resp_w_simple(ctx->out, "OK");
}
