/*
 * Keyspace commands: DEL, EXISTS, DBSIZE.
 *
 * A handler sees only the keys of its own shard: the dispatcher splits a
 * multi-key DEL/EXISTS by owning shard (CMD_KEYS_SUM) and runs DBSIZE on
 * every shard (CMD_ALL_SHARDS_SUM), then sums the integer replies. So each
 * handler replies one integer for the part it was given.
 *
 * Context: the worker lcore that owns ctx->shard.
 */
#include "cmd_int.h"
#include "store.h"

void cmd_del(struct cmd_ctx *ctx)
{
	int64_t deleted = 0;
	for (uint32_t j = 1; j < ctx->argc; j++) {
		const struct resp_arg *k = &ctx->argv[j];
		if (store_delete(ctx->shard, ctx->client->db, k->ptr, k->len, ctx->now_ms))
			deleted++;
	}
	ctx->dirty += (uint32_t)deleted;
	resp_w_int(ctx->out, deleted);
}

/* A key named twice counts twice, as in Redis. */
void cmd_exists(struct cmd_ctx *ctx)
{
	int64_t count = 0;
	for (uint32_t j = 1; j < ctx->argc; j++) {
		const struct resp_arg *k = &ctx->argv[j];
		if (store_lookup_read(ctx->shard, ctx->client->db, k->ptr, k->len, ctx->now_ms))
			count++;
	}
	resp_w_int(ctx->out, count);
}

void cmd_dbsize(struct cmd_ctx *ctx)
{
	resp_w_int(ctx->out, (int64_t)store_db_size(ctx->shard, ctx->client->db));
}
