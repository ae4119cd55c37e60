/*
 * The main lcore's RSS guard (issue #6: "resident memory beyond the budget
 * (allocator waste) triggers active defragmentation or eviction rather
 * than growth").
 *
 * The bound it keeps (README, Memory): the dataplane's resident anonymous
 * memory stays within maxmemory + what the process held before holding
 * data (the baseline: DPDK, tables, code) + DP_MEM_OVERHEAD (16 MB) + the
 * TCP receive pools in use (at most redwire-tcp-rmem-pool a worker: the
 * socket-buffer part of the receive buffers, which like a kernel's is not
 * used_memory; dataplane/tcp/tcp_rwnd.c).
 *
 * Every 100 ms it reads the resident anonymous memory and what used_memory
 * accounts (the shards and the clients, the maxmemory board); the
 * arithmetic is dp_memguard.h's. Allocator waste is resident memory
 * beyond the baseline and used_memory: freed chunks glibc keeps (holes
 * between live chunks, a heap top it did not trim).
 *   1. purge: once resident memory is beyond maxmemory + baseline +
 *      DP_MEM_AIM (half the overhead), rw_alloc_release() (malloc_trim(0):
 *      free pages back to the kernel, also in the middle of the heap) --
 *      at most every 2 s, as it briefly takes each arena's lock, so a
 *      worker's malloc may wait;
 *   2. evict: once it is beyond the bound itself, the excess the purge
 *      could not return (the count rises only right after a purge) is
 *      published as the board's `waste`, which counts toward the eviction
 *      total, so the shards evict that much and the writes that follow
 *      reuse the freed chunks instead of growing the process. Evicting neighbours also coalesces
 * holes the next purge returns. Not the whole waste: evicting raises it (dp_memguard.h). A process
 * within the bound counts nothing, however holed its heap. The count is at most a quarter of
 * maxmemory (memory the guard cannot attribute, such as a burst of in-flight replies, must not
 * empty the dataset), and none while a snapshot runs (it holds values the workers dropped since its
 * cut; evicting would only make it hold more). It is recomputed every look, so once purges have
 * brought resident memory back within the bound it stops counting. glibc cannot move live chunks:
 * there is no active defragmentation, eviction is the remedy.
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

#include "dp_memguard.h"
#include "worker.h"

#define DP_MEM_WATCH_MS 100
#define DP_MEM_PURGE_MS 2000

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
