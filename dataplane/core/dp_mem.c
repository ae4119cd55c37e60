/*
 * The main lcore's RSS guard (see dp_mem.h).
 */
#include "dp_mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "cmd.h"
#include "rw_alloc.h"
#include "rw_log.h"

uint64_t dp_mem_anon_resident(void)
{
	unsigned long long size = 0, res = 0, shared = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu %llu %llu", &size, &res, &shared) != 3)
		res = shared = 0;
	fclose(f);
	return (res > shared ? res - shared : 0) * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* What the shards and the clients account (used_memory). */
static uint64_t accounted(const struct dp_shared *sh)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < sh->n_workers; i++)
		n += atomic_load_explicit(&sh->env.mem->slot[i].used, memory_order_relaxed) +
		     atomic_load_explicit(&sh->env.mem->slot[i].clients, memory_order_relaxed);
	return n;
}

/* The workers' TCP receive pools in use (tcp_rwnd.c): outside used_memory. */
static uint64_t rcv_pools(const struct dp_shared *sh)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < sh->n_workers; i++)
		n += atomic_load_explicit(&sh->env.mem->slot[i].rcv_pool, memory_order_relaxed);
	return n;
}

/* What of the waste counts toward maxmemory (dp_memguard.h): none under
 * ASan (its quarantine is freed memory held on purpose, evicting would not
 * make it reusable) nor while a snapshot runs (it holds values the workers
 * have since dropped, as a fork's copy-on-write pages would: evicting makes
 * it hold more). */
static uint64_t counted_waste(const struct dp_shared *sh, const struct dp_memguard_look *l,
			      bool purged)
{
	if (rw_alloc_asan() || atomic_load_explicit(&sh->snap.running, memory_order_relaxed))
		return 0;
	uint64_t prev = atomic_load_explicit(&sh->env.mem->waste, memory_order_relaxed);
	return dp_memguard_recount(l, prev, purged);
}

static void purge(struct dp_mem_watch *mw, struct cmd_mem_board *board, uint64_t excess,
		  uint64_t now_ms)
{
	uint64_t anon0 = dp_mem_anon_resident();
	rw_alloc_release();
	uint64_t anon1 = dp_mem_anon_resident();
	uint64_t back = anon0 > anon1 ? anon0 - anon1 : 0;
	mw->last_purge_ms = now_ms;
	atomic_fetch_add_explicit(&board->guard_purges, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&board->guard_purged_bytes, back, memory_order_relaxed);
	rw_log(RW_LOG_NOTICE, "dp.mem",
	       "resident memory %" PRIu64 " MB beyond maxmemory + start + 8 MB: releasing "
	       "returned %" PRIu64 " MB",
	       excess >> 20, back >> 20);
}

void dp_mem_watch(struct dp_mem_watch *mw, struct dp_shared *sh, uint64_t now_ms)
{
	struct cmd_mem_board *board = sh->env.mem;
	if (now_ms < mw->next_ms || board == NULL)
		return;
	mw->next_ms = now_ms + DP_MEM_WATCH_MS;
	uint64_t anon = dp_mem_anon_resident(), acc = accounted(sh);
	if (mw->baseline == 0)
		mw->baseline = (int64_t)anon - (int64_t)acc;
	int64_t max = cmd_cfg_maxmemory(&sh->env);
	uint64_t waste = 0;
	if (max > 0) {
		struct dp_memguard_look l = {.anon_bytes = anon,
					     .baseline_bytes = mw->baseline,
					     .used_bytes = acc,
					     .max_bytes = (uint64_t)max,
					     .rcv_bytes = rcv_pools(sh)};
		uint64_t excess = dp_memguard_over_aim(&l);
		bool purged = excess > 0 && now_ms - mw->last_purge_ms >= DP_MEM_PURGE_MS;
		if (purged) {
			purge(mw, board, excess, now_ms);
			l.anon_bytes = dp_mem_anon_resident();
		}
		waste = counted_waste(sh, &l, purged);
	}
	uint64_t was = atomic_exchange_explicit(&board->waste, waste, memory_order_relaxed);
	if ((was == 0) == (waste == 0))
		return;
	if (waste == 0) {
		rw_log(RW_LOG_NOTICE, "dp.mem",
		       "allocator waste no longer counted toward maxmemory");
		return;
	}
	atomic_fetch_add_explicit(&board->guard_engaged, 1, memory_order_relaxed);
	rw_log(RW_LOG_NOTICE, "dp.mem",
	       "allocator waste counted toward maxmemory: %" PRIu64 " KB (resident beyond "
	       "maxmemory + start + 16 MB)",
	       waste >> 10);
}
