/*
 * maxmemory in the command path: the per-shard budget, the OOM rule of
 * processCommand() (Redis 7.0.15 server.c) and the continuation of an
 * eviction that hit its time bound (evict.c evictionTimeProc).
 *
 * The choice of keys and the deletes are the store's (store_evict.c); this
 * file decides when to evict and whether the command may run. Reads and
 * deletes keep working when nothing can be evicted: only CMD_DENYOOM
 * commands (and commands queued in MULTI) are refused.
 *
 * Context: a worker lcore, on the shard the command runs on; never blocks.
 */
#include <string.h>

#include "cmd_int.h"

uint64_t cmd_evict_budget(const struct cmd_env *env)
{
	int64_t max = cmd_cfg_maxmemory(env);
	if (max <= 0)
		return 0;
	uint32_t n = env != NULL && env->n_workers > 0 ? env->n_workers : 1;
	uint64_t b = (uint64_t)max / n;
	return b > 0 ? b : 1;
}

/* Commands Redis lets through inside MULTI even when out of memory. */
static bool multi_exempt(const struct cmd_def *d)
{
	return strcmp(d->name, "exec") == 0 || strcmp(d->name, "discard") == 0 ||
	       strcmp(d->name, "quit") == 0 || strcmp(d->name, "reset") == 0;
}

void cmd_evict_apply(struct store_shard *shard, const struct cmd_env *env)
{
	struct store_evict_cfg cfg;
	cmd_evict_cfg(env, &cfg);
	store_shard_evict_cfg_set(shard, &cfg);
}

/* Per command: one relaxed load when maxmemory is unset. The shard's policy
 * (LRU or LFU tracking) follows CONFIG SET through cmd_evict_apply(), which
 * the worker calls when the run-time config changes, not per command. */
bool cmd_oom_reject(const struct cmd_def *d, struct cmd_ctx *ctx, bool in_multi)
{
	struct store_evict_cfg cfg;
	if (ctx->shard == NULL)
		return false;
	uint64_t budget = cmd_evict_budget(ctx->env);
	if (budget == 0)
		return false;
	cmd_evict_cfg(ctx->env, &cfg);
	store_shard_evict_cfg_set(ctx->shard, &cfg);
	store_evict(ctx->shard, budget, &cfg, ctx->now_ms, 0);
	if (store_evict_last(ctx->shard) != STORE_EVICT_FAIL)
		return false;
	bool reject = (d->flags & CMD_DENYOOM) != 0;
	if (in_multi && !multi_exempt(d))
		reject = true;
	return reject;
}

void cmd_evict_tick(struct store_shard *shard, const struct cmd_env *env, uint64_t now_ms)
{
	if (store_evict_last(shard) != STORE_EVICT_RUNNING)
		return;
	struct store_evict_cfg cfg;
	cmd_evict_cfg(env, &cfg);
	uint64_t budget = cmd_evict_budget(env);
	if (budget == 0) {
		store_evict(shard, UINT64_MAX, &cfg, now_ms, 0); /* resets to OK */
		return;
	}
	store_evict(shard, budget, &cfg, now_ms, 0);
}
