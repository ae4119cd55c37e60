/*
 * SWAPDB index1 index2, as Redis 7.0.15's swapdbCommand(): the two DBs
 * trade their keys (expiries included); clients stay in the DB they
 * selected.
 *
 * Each worker holds its part of every DB, so the command runs on every
 * worker inside one transaction holding every key of every shard (flag
 * CMD_ALL_SHARDS_OK, as FLUSHALL: dataplane/core/TRANSACTIONS.md), and
 * each swaps its part here in O(1). Redis counts one change
 * (server.dirty++): only worker 0's part counts it, so the journal gets
 * the transaction's one SWAPDB. WATCHed keys are dirtied by the dispatcher
 * before the swap (dp_watch_swap(), Redis's touchAllWatchedKeysInDb()).
 *
 * Context: every worker, each on its own shard.
 */
#include "cmd_int.h"
#include "store.h"

/* getIntFromObjectOrReply() with Redis's message for this argument. */
static bool db_index(struct cmd_ctx *ctx, const struct resp_arg *a, const char *err, int64_t *id)
{
	if (!resp_str_to_i64(a->ptr, a->len, id) || *id < INT32_MIN || *id > INT32_MAX) {
		resp_w_error(ctx->out, err);
		return false;
	}
	return true;
}

void cmd_swapdb(struct cmd_ctx *ctx)
{
	int64_t a, b;
	if (!db_index(ctx, &ctx->argv[1], "ERR invalid first DB index", &a) ||
	    !db_index(ctx, &ctx->argv[2], "ERR invalid second DB index", &b))
		return;
	uint32_t n = store_shard_databases(ctx->shard);
	if (a < 0 || (uint64_t)a >= n || b < 0 || (uint64_t)b >= n) {
		resp_w_error(ctx->out, "ERR DB index is out of range");
		return;
	}
	store_db_swap(ctx->shard, (uint32_t)a, (uint32_t)b);
	if (store_shard_id(ctx->shard) == 0)
		store_shard_stats(ctx->shard)->dirty++;
	resp_w_simple(ctx->out, "OK");
}
