/*
 * The main lcore's RSS guard (issue #6: "resident memory beyond the budget
 * (allocator waste) triggers active defragmentation or eviction rather
 * than growth").
 *
 * The bound it keeps (README, Memory): the dataplane's resident anonymous
 * memory stays within maxmemory + what the process held before holding
 * data (the baseline: DPDK, tables, code) + DP_MEM_OVERHEAD (16 MB).
 *
 * Every 100 ms it reads the resident anonymous memory and what used_memory
 * accounts (the shards and the clients, the maxmemory board). Allocator
 * waste is the difference beyond the baseline and DP_MEM_AIM (half the
 * overhead: the other half is for what writes add between looks): freed
 * chunks glibc keeps (holes between live chunks, a heap top it did not
 * trim). When resident memory is beyond maxmemory + baseline + the aim:
 *   1. purge first: rw_alloc_release() (malloc_trim(0): free pages back to
 *      the kernel, also in the middle of the heap) -- at most every 2 s, as
 *      it briefly takes each arena's lock, so a worker's malloc may wait;
 *   2. then evict: the waste still there is published as the board's
 *      `waste`, which counts toward the eviction total, so the shards evict
 *      until used_memory + waste fits maxmemory, i.e. until resident
 *      memory fits maxmemory + baseline + the aim; new values reuse the freed chunks instead of
 *      the process growing. Evicting neighbours also coalesces the holes.
 * The waste counted is at most a quarter of maxmemory (memory the guard
 * cannot attribute, such as a burst of in-flight replies, must not empty
 * the dataset), and none while a snapshot runs (it holds values the
 * workers dropped since its cut; evicting would only make it hold more).
 * The waste is recomputed every look, so once writes have reused the
 * freed chunks it stops counting. glibc cannot move live chunks: there is
 * no active defragmentation, eviction is the remedy.
 *
 * INFO stats counts it: redwire_rss_guard_purges, _purged_bytes,
 * _engaged (times the waste began to count toward eviction); INFO memory
 * redwire_rss_guard_waste is what counts now.
 *
 * Under ASan the guard purges (which drains the quarantine) but counts no
 * waste: the quarantine holds freed chunks on purpose, eviction cannot
 * make them reusable, and no RSS bound holds there.
 *
 * Context: the main lcore (service loop), never a worker.
 */
#ifndef RW_DP_MEM_H
#define RW_DP_MEM_H

#include <stdint.h>

#include "worker.h"

#define DP_MEM_WATCH_MS 100
#define DP_MEM_PURGE_MS 2000
#define DP_MEM_OVERHEAD (16ull << 20) /* the documented fixed overhead (README) */
/* what the guard holds to: half the overhead, so what writes add in the
 * 100 ms between two looks stays within the other half */
#define DP_MEM_AIM	   (DP_MEM_OVERHEAD / 2)
#define DP_MEM_WASTE_SHARE 4 /* the waste counted is at most maxmemory / 4 */

struct dp_mem_watch {
	uint64_t next_ms;
	uint64_t last_purge_ms;
	int64_t baseline; /* anonymous resident bytes not accounted at the first look */
};

/** Resident anonymous bytes of this process (statm resident - shared), 0 if unreadable. */
uint64_t dp_mem_anon_resident(void);

/** One look, if DP_MEM_WATCH_MS passed since the last. */
void dp_mem_watch(struct dp_mem_watch *mw, struct dp_shared *sh, uint64_t now_ms);

#endif
