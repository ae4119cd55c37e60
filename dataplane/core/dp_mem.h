/*
 * The main lcore's watch over resident memory (issue #6: "resident memory
 * beyond the budget (allocator waste) triggers active defragmentation or
 * eviction rather than growth").
 *
 * Once a second it compares the process's resident anonymous memory with
 * what the shards account (the maxmemory board) plus the baseline the
 * process had before holding data. Beyond a slack (64 MB + 10% of
 * maxmemory) the difference is allocator waste: freed chunks glibc keeps.
 * First rw_alloc_release() (malloc_trim(); under ASan, draining its
 * quarantine) hands free pages back to the kernel (at most every
 * 10 s: it briefly takes each arena's lock, so a worker's malloc may wait
 * for it); what it cannot return is published as the board's `waste`,
 * which counts toward the total, so the shards evict and new values reuse
 * the freed chunks instead of the process growing.
 *
 * Context: the main lcore (service loop), never a worker.
 */
#ifndef RW_DP_MEM_H
#define RW_DP_MEM_H

#include <stdint.h>

#include "worker.h"

#define DP_MEM_WATCH_MS	  1000
#define DP_MEM_TRIM_MS	  10000
#define DP_MEM_SLACK_BASE (64ull << 20)

struct dp_mem_watch {
	uint64_t next_ms;
	uint64_t last_trim_ms;
	int64_t baseline; /* anonymous resident bytes not accounted at the first look */
	uint64_t trims;
	uint64_t trimmed_bytes;
};

/** Resident anonymous bytes of this process (statm resident - shared), 0 if unreadable. */
uint64_t dp_mem_anon_resident(void);

/** One look, if DP_MEM_WATCH_MS passed since the last. */
void dp_mem_watch(struct dp_mem_watch *mw, struct dp_shared *sh, uint64_t now_ms);

#endif
