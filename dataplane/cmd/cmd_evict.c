/*
 * maxmemory in the command path: one budget for all shards, the OOM rule of
 * processCommand() (Redis 7.0.15 server.c) and the continuation of an
 * eviction that hit its time bound (evict.c evictionTimeProc).
 *
 * The budget is global, the eviction local: each worker publishes what its
 * shard and its clients hold (struct cmd_mem_slot, once per tick) and,
 * while the total is over maxmemory, evicts from its own shard only, its
 * share of the excess in proportion to what it holds among the shards that
 * can still evict. As in Redis 7.0 the total counts the clients' buffers:
 * a client holding megabytes of unread replies or of a half-sent query
 * makes keys go, and when keys alone cannot make room, writes get -OOM.
 * No worker ever touches another's shard and no lock is taken; the price
 * is that the others' figures are up to one tick old.
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

static struct cmd_mem_slot *slot_of(const struct cmd_env *env, struct store_shard *shard)
{
	if (env == NULL || env->mem == NULL || shard == NULL)
		return NULL;
	uint32_t id = store_shard_id(shard);
	return id < env->n_workers ? &env->mem->slot[id] : NULL;
}

/* What the shard holds now, the others at the last tick, and the budget. */
struct mem_view {
	uint64_t max, own, others, others_evictable;
};

/* Every worker's clients now: each worker publishes its total at each
 * scan and as a connection is accepted (dp_cmem.h), so a new client's
 * first write sees itself counted, as Redis's used_memory holds a client
 * from its accept. A load per worker: slots are written every few ms. */
static uint64_t clients_now(const struct cmd_env *env)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < env->n_workers; i++)
		n += atomic_load_explicit(&env->mem->slot[i].clients, memory_order_relaxed);
	return n;
}

static bool mem_view(const struct cmd_env *env, struct store_shard *shard, struct mem_view *v)
{
	int64_t max = cmd_cfg_maxmemory(env);
	if (max <= 0)
		return false;
	const struct cmd_mem_slot *slot = slot_of(env, shard);
	v->max = (uint64_t)max;
	v->own = store_shard_stats(shard)->used_bytes;
	v->others = slot != NULL ? slot->others + clients_now(env) : 0;
	v->others_evictable = slot != NULL ? slot->others_evictable : 0;
	if (slot == NULL) { /* no shared board: a fixed share each */
		uint32_t n = env->n_workers > 0 ? env->n_workers : 1;
		v->max = v->max / n > 0 ? v->max / n : 1;
	}
	return true;
}

static uint64_t own_target(const struct mem_view *v)
{
	uint64_t total = v->own + v->others;
	if (total <= v->max)
		return v->own > v->max ? v->max : UINT64_MAX;
	if (v->own == 0)
		return 0;
	uint64_t excess = total - v->max;
	uint64_t evictable = v->own + v->others_evictable;
	/* own * excess / evictable, rounded up, without overflow for any size */
	uint64_t share =
	    (uint64_t)(((unsigned __int128)v->own * excess + evictable - 1) / evictable);
	return share >= v->own ? 0 : v->own - share;
}

uint64_t cmd_evict_budget(const struct cmd_env *env, struct store_shard *shard)
{
	struct mem_view v;
	if (!mem_view(env, shard, &v))
		return 0;
	uint64_t t = own_target(&v);
	return t == UINT64_MAX ? v.own : t;
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

/* Evict this shard's part of the excess. @return true if the total is over
 * maxmemory and this shard could not give its part. */
static bool evict_own_share(struct store_shard *shard, const struct cmd_env *env,
			    const struct mem_view *v, const struct store_evict_cfg *cfg,
			    uint64_t now_ms)
{
	uint64_t target = own_target(v);
	if (target == UINT64_MAX) {
		store_evict(shard, UINT64_MAX, cfg, now_ms, 0); /* resets the result to OK */
		return false;
	}
	store_evict(shard, target, cfg, now_ms, 0);
	bool failed = store_evict_last(shard) == STORE_EVICT_FAIL || v->own == 0;
	struct cmd_mem_slot *slot = slot_of(env, shard);
	if (slot != NULL)
		atomic_store_explicit(&slot->cannot_evict, failed ? 1u : 0u, memory_order_relaxed);
	return failed;
}

/* Per command: one relaxed load when maxmemory is unset. The shard's policy
 * (LRU or LFU tracking) follows CONFIG SET through cmd_evict_apply(), which
 * the worker calls when the run-time config changes, not per command. */
bool cmd_oom_reject(const struct cmd_def *d, struct cmd_ctx *ctx, bool in_multi)
{
	if (ctx->shard == NULL)
		return false;
	/* the fast path of every command: the total fits */
	int64_t max = cmd_cfg_maxmemory(ctx->env);
	if (max <= 0)
		return false;
	const struct cmd_mem_slot *slot = slot_of(ctx->env, ctx->shard);
	if (slot != NULL &&
	    store_shard_stats(ctx->shard)->used_bytes + slot->others + clients_now(ctx->env) <=
		(uint64_t)max)
		return false;
	struct mem_view v;
	if (!mem_view(ctx->env, ctx->shard, &v) || v.own + v.others <= v.max)
		return false;
	struct store_evict_cfg cfg;
	cmd_evict_cfg(ctx->env, &cfg);
	if (!evict_own_share(ctx->shard, ctx->env, &v, &cfg, ctx->now_ms))
		return false;
	/* performEvictions() returns EVICT_FAIL when it runs out of keys
	 * before the appliance's used memory is within maxmemory. This shard
	 * ran out; the others shed their share at their next tick, and the
	 * write may run only if what they hold in keys the policy may evict
	 * could cover what is still over: not for noeviction, not when no
	 * shard holds a candidate (an empty appliance under a budget below
	 * what it holds), not when evicting every key left would not do. */
	uint64_t total = store_shard_stats(ctx->shard)->used_bytes + v.others;
	if (total <= v.max ||
	    (cfg.policy != STORE_EVICT_NOEVICTION && v.others_evictable >= total - v.max))
		return false;
	bool reject = (d->flags & CMD_DENYOOM) != 0;
	if (in_multi && !multi_exempt(d))
		reject = true;
	return reject;
}

/* Publish this shard's figure and read the others' (relaxed: each slot has
 * one writer and a stale value only delays an eviction by a tick). The
 * allocator waste joins `others`, and every worker's clients, this one's
 * included, are added at each look (clients_now): they count toward the
 * total, but only shards evict. A shard
 * without a key the policy may evict says so before anyone asks it to
 * (cannot_evict), so a write elsewhere is not let through on the strength
 * of keys that do not exist. */
static void board_exchange(const struct cmd_env *env, struct store_shard *shard)
{
	struct cmd_mem_slot *slot = slot_of(env, shard);
	if (slot == NULL)
		return;
	uint32_t me = store_shard_id(shard);
	uint64_t used = store_shard_stats(shard)->used_bytes;
	struct store_evict_cfg cfg;
	cmd_evict_cfg(env, &cfg);
	atomic_store_explicit(&slot->cannot_evict,
			      store_evict_has_candidates(shard, cfg.policy) ? 0u : 1u,
			      memory_order_relaxed);
	atomic_store_explicit(&slot->used, used, memory_order_relaxed);
	uint64_t others = 0, evictable = 0, clients = 0;
	for (uint32_t i = 0; i < env->n_workers; i++) {
		clients += atomic_load_explicit(&env->mem->slot[i].clients, memory_order_relaxed);
		if (i == me)
			continue;
		uint64_t u = atomic_load_explicit(&env->mem->slot[i].used, memory_order_relaxed);
		others += u;
		if (!atomic_load_explicit(&env->mem->slot[i].cannot_evict, memory_order_relaxed))
			evictable += u;
	}
	/* the peak of used_memory (keys, values, clients), not of the waste */
	uint64_t total = used + others + clients;
	uint64_t peak = atomic_load_explicit(&env->mem->peak, memory_order_relaxed);
	while (total > peak &&
	       !atomic_compare_exchange_weak_explicit(&env->mem->peak, &peak, total,
						      memory_order_relaxed, memory_order_relaxed))
		;
	others += atomic_load_explicit(&env->mem->waste, memory_order_relaxed);
	slot->others = others;
	slot->others_evictable = evictable;
}

void cmd_evict_tick(struct store_shard *shard, const struct cmd_env *env, uint64_t now_ms)
{
	board_exchange(env, shard);
	struct mem_view v;
	if (!mem_view(env, shard, &v)) {
		if (store_evict_last(shard) != STORE_EVICT_OK) {
			struct store_evict_cfg cfg;
			cmd_evict_cfg(env, &cfg);
			store_evict(shard, UINT64_MAX, &cfg, now_ms, 0); /* resets to OK */
		}
		return;
	}
	if (v.own + v.others <= v.max && store_evict_last(shard) == STORE_EVICT_OK)
		return;
	struct store_evict_cfg cfg;
	cmd_evict_cfg(env, &cfg);
	evict_own_share(shard, env, &v, &cfg, now_ms);
	/* what the shard holds after the step, not before (board_exchange):
	 * another shard reading the earlier figure at its own tick would shed
	 * part of this shard's share of the excess again */
	struct cmd_mem_slot *slot = slot_of(env, shard);
	if (slot != NULL)
		atomic_store_explicit(&slot->used, store_shard_stats(shard)->used_bytes,
				      memory_order_relaxed);
}
