/*
 * WATCH on the shard that owns the key (see TRANSACTIONS.md).
 *
 * The owner of a watched key keeps one entry per (client, key): the client
 * id, the client's watch epoch at WATCH time, and a dirty flag. The store's
 * write hook (store_hook_add: every write commits through
 * store_write_commit, expiry and eviction included) marks the entries of a
 * written key dirty; FLUSHDB/FLUSHALL mark those whose key existed, as
 * Redis's touchAllWatchedKeysInDb() does. EXEC asks each owner, under the
 * transaction's lock, whether any of the client's entries is dirty, and
 * drops them. The client's watch epoch moves at every EXEC, DISCARD and
 * UNWATCH, and an entry belongs to one epoch: a WATCH pipelined after an
 * EXEC (which may reach its owner before the EXEC's check does) is neither
 * checked nor dropped with the EXEC's keys.
 *
 * Context: one table per worker, its lcore only.
 */
#ifndef RW_DP_WATCH_H
#define RW_DP_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_shard;

#define DP_WATCH_ALL UINT32_MAX /* every epoch (the connection closed) */
struct dp_watch_ent;

struct dp_watch {
	struct dp_watch_ent **b; /* buckets, by key hash */
	uint32_t cap, n;
};

/** Register @p key of @p db for client @p cid. Lazily expires the key first
 * (a key already expired at WATCH is not a change when it goes). @return 0
 * or -ENOMEM. */
int dp_watch_add(struct dp_watch *t, struct store_shard *s, uint64_t cid, uint32_t epoch,
		 uint32_t db, const void *key, size_t klen, uint64_t now_ms);
/** store_hook_fn: @p arg is the table; every event dirties the key's entries. */
void dp_watch_store_event(void *arg, uint32_t db, const void *key, size_t klen, const char *event);
/** Before FLUSHDB (@p db) or FLUSHALL (@p all): dirty the entries whose key exists. */
void dp_watch_flush(struct dp_watch *t, struct store_shard *s, uint32_t db, bool all,
		    uint64_t now_ms);
/**
 * SWAPDB @p a @p b (before the swap): dirty the entries of either DB whose
 * key exists in @p a or in @p b (Redis's touchAllWatchedKeysInDb() both
 * ways).
 */
void dp_watch_swap(struct dp_watch *t, struct store_shard *s, uint32_t a, uint32_t b,
		   uint64_t now_ms);
/**
 * EXEC's check: is any entry of @p cid of @p epoch dirty? A key
 * live at WATCH that is expired now counts as changed (Redis's
 * isWatchedKeyExpired). The entries are dropped.
 */
bool dp_watch_check(struct dp_watch *t, struct store_shard *s, uint64_t cid, uint32_t epoch,
		    uint64_t now_ms);
/** Drop the entries of @p cid of @p epoch, or all (UNWATCH, DISCARD, close). */
void dp_watch_remove(struct dp_watch *t, uint64_t cid, uint32_t epoch);
void dp_watch_fini(struct dp_watch *t);

#endif
