/*
 * The main lcore's watch over resident memory (see dp_mem.h).
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

static uint64_t accounted(const struct dp_shared *sh)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < sh->n_workers; i++)
		n += atomic_load_explicit(&sh->env.mem->slot[i].used, memory_order_relaxed);
	return n;
}

/* Bytes resident beyond the accounting, the baseline and the slack. */
static uint64_t waste_now(const struct dp_mem_watch *mw, const struct dp_shared *sh, uint64_t slack)
{
	int64_t extra = (int64_t)dp_mem_anon_resident() - mw->baseline - (int64_t)accounted(sh);
	return extra > (int64_t)slack ? (uint64_t)extra - slack : 0;
}

static void trim(struct dp_mem_watch *mw, uint64_t before, uint64_t now_ms)
{
	uint64_t anon0 = dp_mem_anon_resident();
	rw_alloc_release();
	uint64_t anon1 = dp_mem_anon_resident();
	mw->last_trim_ms = now_ms;
	mw->trims++;
	mw->trimmed_bytes += anon0 > anon1 ? anon0 - anon1 : 0;
	rw_log(RW_LOG_NOTICE, "dp.mem",
	       "allocator held %" PRIu64 " MB beyond the data: releasing returned %" PRIu64 " MB",
	       before >> 20, (anon0 > anon1 ? anon0 - anon1 : 0) >> 20);
}

void dp_mem_watch(struct dp_mem_watch *mw, struct dp_shared *sh, uint64_t now_ms)
{
	if (now_ms < mw->next_ms || sh->env.mem == NULL)
		return;
	mw->next_ms = now_ms + DP_MEM_WATCH_MS;
	if (mw->baseline == 0)
		mw->baseline = (int64_t)dp_mem_anon_resident() - (int64_t)accounted(sh);
	int64_t max = cmd_cfg_maxmemory(&sh->env);
	uint64_t waste = 0;
	if (max > 0) {
		uint64_t slack = DP_MEM_SLACK_BASE + (uint64_t)max / 10;
		waste = waste_now(mw, sh, slack);
		if (waste > 0 && now_ms - mw->last_trim_ms >= DP_MEM_TRIM_MS) {
			trim(mw, waste, now_ms);
			waste = waste_now(mw, sh, slack);
		}
	}
	uint64_t was = atomic_exchange_explicit(&sh->env.mem->waste, waste, memory_order_relaxed);
	if ((was == 0) != (waste == 0))
		rw_log(RW_LOG_NOTICE, "dp.mem",
		       "allocator waste counted toward maxmemory: %" PRIu64 " MB", waste >> 20);
}
