/*
 * The RSS guard's arithmetic (the guard itself: dp_mem.h): from one look
 * at resident memory and at what used_memory accounts, how far resident
 * memory is beyond the guard's aim and beyond its bound, how much
 * allocator waste there is, and how much of that waste counts toward
 * maxmemory. Pure C, no DPDK: unit-tested on its own (tests/unit/memguard).
 *
 * Two marks above maxmemory + baseline (what the process held before
 * holding data) + the TCP receive pools in use (rcv_bytes, at most
 * redwire-tcp-rmem-pool a worker):
 *   - the aim, + DP_MEM_AIM (8 MB): beyond it the guard purges (free pages
 *     back to the kernel), which costs no data;
 *   - the bound, + DP_MEM_OVERHEAD (16 MB, README): beyond it, what the
 *     purge could not return counts toward maxmemory, so keys are evicted.
 *
 * WHY THE COUNT IS THE EXCESS, NOT THE WASTE
 *
 * Evicting a key frees its chunk but does not shrink the process: the
 * resident figure stays, used_memory drops, so the waste (resident less
 * used_memory) grows by exactly what was evicted. Counting the waste
 * itself toward maxmemory therefore fed on its own evictions: keys went
 * until the count reached its cap, whatever resident memory was, and a
 * process within its bound, its heap merely holed by earlier work, kept a
 * quarter of its budget empty. The excess beyond the bound does not move
 * when keys are evicted, so counting it makes the shards evict once what
 * it takes for the writes that follow to reuse the freed chunks instead
 * of growing the process; a process within the bound counts nothing.
 *
 *   counted = min(excess beyond the bound, waste, maxmemory / 4)
 *
 * The waste (resident memory beyond used_memory + baseline + the overhead)
 * bounds it when the excess is accounted memory (clients or keys over the
 * budget count toward the total already); the cap keeps memory
 * the guard cannot attribute (a burst of in-flight replies) from emptying
 * the dataset.
 *
 * Context: any thread; pure arithmetic.
 */
#ifndef RW_DP_MEMGUARD_H
#define RW_DP_MEMGUARD_H

#include <stdbool.h>
#include <stdint.h>

#define DP_MEM_OVERHEAD (16ull << 20) /* the documented fixed overhead: the bound (README) */
/* where purging starts: half the overhead, so what writes add between two
 * looks and what a purge cannot return stay within the other half */
#define DP_MEM_AIM	   (DP_MEM_OVERHEAD / 2)
#define DP_MEM_WASTE_SHARE 4 /* the waste counted is at most maxmemory / 4 */

/* One look of the guard. */
struct dp_memguard_look {
	uint64_t anon_bytes;	/* resident anonymous memory now */
	int64_t baseline_bytes; /* resident and not accounted at the first look */
	uint64_t used_bytes;	/* used_memory: the shards and the clients */
	uint64_t max_bytes;	/* maxmemory; 0: none */
	/* TCP receive memory the workers' pools hold now (tcp_rwnd.c): like
	 * a kernel's socket buffers, outside maxmemory and bounded by
	 * redwire-tcp-rmem-pool; it raises the aim, the bound and what the
	 * waste is measured from alike */
	uint64_t rcv_bytes;
};

/**
 * Resident bytes beyond maxmemory + receive pools + baseline + DP_MEM_AIM: what the guard
 * purges for. @return 0 when within, or without maxmemory.
 */
uint64_t dp_memguard_over_aim(const struct dp_memguard_look *l);

/**
 * Resident bytes beyond maxmemory + receive pools + baseline + DP_MEM_OVERHEAD, the bound
 * the guard keeps. @return 0 when within, or without maxmemory.
 */
uint64_t dp_memguard_over_bound(const struct dp_memguard_look *l);

/**
 * Allocator waste beyond what the overhead allows: resident bytes beyond
 * baseline + used_memory + receive pools + DP_MEM_OVERHEAD (0 if none).
 */
uint64_t dp_memguard_waste(const struct dp_memguard_look *l);

/** What of the waste counts toward maxmemory: min(over the bound, waste, maxmemory / 4). */
uint64_t dp_memguard_counted(const struct dp_memguard_look *l);

/**
 * The count for this look, given the last one (@p prev): dp_memguard_counted(),
 * but raised only by a look that has just purged (@p purged); between two
 * purges (at most one per DP_MEM_PURGE_MS) it may only fall. Only what a
 * purge could not return is evicted for: a buffer that doubled leaves its
 * old half free until the next purge, and counting it evicted a quarter of
 * the budget for memory the purge 0.5 s later returned.
 */
uint64_t dp_memguard_recount(const struct dp_memguard_look *l, uint64_t prev, bool purged);

#endif
