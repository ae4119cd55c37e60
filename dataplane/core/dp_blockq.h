/*
 * The waiters of one worker's blocking commands (BLPOP...): a FIFO of
 * parked requests, so the first client blocked is the first one retried
 * (Redis serves the clients blocked on a key in the order they blocked).
 * Pure C, no DPDK: unit-tested on its own (tests/unit/blockq).
 *
 * Context: the worker owning the keys.
 */
#ifndef RW_DP_BLOCKQ_H
#define RW_DP_BLOCKQ_H

#include <stdbool.h>
#include <stdint.h>

struct dp_waiter {
	struct dp_waiter *next, *prev;
	void *req;	      /* the parked request (a struct shard_msg) */
	uint64_t deadline_ms; /* unix ms; 0: forever */
	uint64_t seq;	      /* order of blocking */
};

struct dp_blockq {
	struct dp_waiter *head, *tail;
	uint32_t n;
	uint64_t next_seq;
};

/** Park @p req at the tail. @return the waiter, NULL when out of memory. */
struct dp_waiter *dp_blockq_push(struct dp_blockq *q, void *req, uint64_t deadline_ms);
/**
 * Park @p req in order of @p seq (a global blocking order: a request that
 * blocked earlier on another worker and comes back keeps its place): after
 * every waiter whose seq is not greater. @return the waiter, NULL when out
 * of memory.
 */
struct dp_waiter *dp_blockq_push_at(struct dp_blockq *q, void *req, uint64_t deadline_ms,
				    uint64_t seq);
/** Unlink and free @p wt. @return its request. */
void *dp_blockq_remove(struct dp_blockq *q, struct dp_waiter *wt);
/** The oldest waiter whose deadline is at or before @p now_ms, NULL if none. */
struct dp_waiter *dp_blockq_expired(const struct dp_blockq *q, uint64_t now_ms);

#endif
