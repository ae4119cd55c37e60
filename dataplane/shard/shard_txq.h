/*
 * Intent queue: the per-shard half of cross-shard atomicity (very
 * lightweight locking, Ren, Thomson, Abadi, VLDB 2012, as Dragonfly uses it).
 *
 * A shard keeps one queue of entries. An entry is a set of key intents (64-
 * bit hashes of db + key; a collision only makes two keys wait for each
 * other, never lets two conflicting ones run together) or "all" (every key
 * of the shard: FLUSHDB, KEYS, DBSIZE inside a transaction). Entries are
 * either a multi-shard transaction holding its keys on this shard, or a
 * command that arrived while one of its keys was held and waits its turn.
 *
 *   queue:  [T7: a b (granted)] [GET a (waits)] [T9: c (granted)] [T8: b c (waits)]
 *   counts: a=2 b=2 c=2
 *
 * The rule: an entry is granted when no entry ahead of it in the queue
 * shares a key with it. So two entries that conflict are granted in arrival
 * order, and entries that do not conflict never wait for each other.
 * Per key a count of entries holding it gives the fast path: a command whose
 * keys all have count 0 (and no "all" entry is queued) runs at once without
 * entering the queue; with an empty queue that is one load.
 *
 * Two kinds of holder, for blocked clients (dataplane/core/dp_block.c): an
 * entry *holds* its keys against them while it may have read a key and not
 * written it back, that is a granted transaction (txid != 0), or from the
 * moment it is queued when it is *fenced* (a blocked client's reservation).
 * A command waiting its turn, or a transaction not granted here yet, has
 * done nothing here: whatever it will do comes after every write so far, so
 * a client blocked on its keys is served before it, as Redis serves one at
 * the push (shard_txq_held). Per key a second count, of holding entries,
 * answers that as cheaply as shard_txq_busy. A release can take its entry
 * out (shard_txq_unlink), let the caller serve those clients, and only then
 * grant the entries behind it (shard_txq_grant).
 *
 * Between the two steps the released entry leaves a *gap*: a fence queued
 * then (a client woken by what the release let it see) takes the released
 * entry's place, ahead of the entries that were queued behind it, as Redis
 * serves the client right after the push and before any later command
 * (shard_txq_add_fence). It never goes ahead of an entry that is granted,
 * nor of one marked *firm* (a transaction holding another shard: it must
 * never wait for a fence), nor of one with its own owner (the attempt its
 * client has in flight: only that attempt's end can end the fence), that
 * would wait for it, directly or through the entries between: it goes
 * behind the last such entry instead.
 *
 * Deadlock freedom comes from the caller: a transaction requests its shards
 * one at a time in increasing shard index, and requests the next only once
 * granted on the previous one (dataplane/core/TRANSACTIONS.md has the proof).
 *
 * Context: one queue per worker, used only by that worker's lcore. Pure C,
 * no DPDK; unit-tested in tests/unit/txq.
 */
#ifndef RW_SHARD_TXQ_H
#define RW_SHARD_TXQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shard_txq_entry {
	struct shard_txq_entry *next, *prev; /* queue order */
	struct shard_txq_entry *ready_next;  /* granted, grant callback not yet run */
	uint64_t txid;			     /* 0: a single command waiting its turn */
	uint64_t *keys;			     /* intents: key hashes */
	uint32_t nkeys, cap;
	bool all;     /* conflicts with every entry */
	bool granted; /* may run (a transaction keeps it until released) */
	bool queued;
	bool fence;	/* holds its keys from the moment it is queued (set before adding) */
	bool holding;	/* counted in the slots' held (shard_txq_held) */
	bool firm;	/* never to wait for a fence queued after it (shard_txq_add_fence) */
	uint64_t owner; /* 0, or whose it is: a fence never passes its owner's entries */
	void *arg;	/* the caller's (the message to act on once granted) */
};

struct shard_txq_slot {
	uint64_t h;    /* 0: never used */
	uint32_t n;    /* entries holding h (0: free for h again) */
	uint32_t held; /* of them, holding it against blocked clients */
	uint32_t seen;
};

/** Called for each entry that became granted; it may remove entries. */
typedef void shard_txq_grant_fn(void *arg, struct shard_txq_entry *e);

struct shard_txq {
	struct shard_txq_entry *head, *tail;
	uint32_t n;		     /* entries queued */
	uint32_t n_all;		     /* of them, "all" entries */
	uint32_t n_held, n_held_all; /* holding entries, of them "all" ones */
	struct shard_txq_slot *tab;
	uint32_t tab_cap, tab_used; /* used: slots with h != 0 */
	uint32_t seen_gen;
	struct shard_txq_entry *free;
	struct shard_txq_entry *ready, *ready_tail;
	bool draining;
	/* between shard_txq_unlink and shard_txq_grant: the released entry's
	 * place, before gap (NULL: the tail) */
	bool gap_open;
	struct shard_txq_entry *gap;
	shard_txq_grant_fn *grant;
	void *grant_arg;
	uint64_t granted_total, waited_total; /* counters */
};

/** The intent of @p key in @p db. Never 0. */
uint64_t shard_key_hash(uint32_t db, const void *key, size_t klen);

/** @return 0 or -ENOMEM. @p grant runs for entries granted after waiting. */
int shard_txq_init(struct shard_txq *q, shard_txq_grant_fn *grant, void *arg);
void shard_txq_fini(struct shard_txq *q);

/** A blank entry from the queue's pool. @return NULL when out of memory. */
struct shard_txq_entry *shard_txq_entry_get(struct shard_txq *q);
/** Give a removed (or never added) entry back. */
void shard_txq_entry_put(struct shard_txq *q, struct shard_txq_entry *e);
/** Add intent @p h to @p e before it is queued. @return 0 or -ENOMEM. */
int shard_txq_entry_key(struct shard_txq_entry *e, uint64_t h);

/**
 * Must a command with intents @p h[0..n) (or every key, @p all) wait?
 * True when a queued entry holds one of them (or an "all" entry is queued,
 * or @p all and anything is queued).
 */
bool shard_txq_busy(const struct shard_txq *q, const uint64_t *h, uint32_t n, bool all);

/**
 * Must a client blocked on @p h[0..n) (or on every key, @p all) wait before
 * it is served? True when a holding entry (a granted transaction, or a
 * fenced one) holds one of them, or is "all" (or @p all and any holds);
 * entries that wait their turn do not count.
 */
bool shard_txq_held(const struct shard_txq *q, const uint64_t *h, uint32_t n, bool all);

/**
 * Queue @p e. @return 1 if granted at once, 0 if it waits (the grant
 * callback runs when it is granted), -ENOMEM.
 */
int shard_txq_add(struct shard_txq *q, struct shard_txq_entry *e);

/**
 * Queue fenced entry @p e in the place of the entry the last
 * shard_txq_unlink took out, if shard_txq_grant has not run since (else at
 * the tail, as shard_txq_add): ahead of the entries queued behind that
 * entry, except that it goes behind the last of them that is granted,
 * firm or its owner's (e->owner != 0) and would wait for @p e (it shares a key with @p e, or with
 * an entry between them that would). So no granted entry has a conflicting one ahead of it, and no
 * firm entry waits for @p e. Sets e->fence.
 * @return 1 if granted at once, 0 if it waits, -ENOMEM.
 */
int shard_txq_add_fence(struct shard_txq *q, struct shard_txq_entry *e);

/**
 * Move fenced entry @p f, queued ahead of @p x, behind @p x: to the first
 * place there that shard_txq_add_fence's rule allows (@p x is about to
 * wait for it and must not: a firm entry). Grants nothing; the entries it
 * no longer holds back are granted by the caller's shard_txq_grant.
 */
void shard_txq_fence_behind(struct shard_txq *q, struct shard_txq_entry *f,
			    struct shard_txq_entry *x);

/**
 * Take @p e out of the queue (a transaction released, or a waiting
 * command that ran) and grant, in queue order, the entries that no longer
 * conflict with anything ahead of them. The entry is not freed.
 */
void shard_txq_remove(struct shard_txq *q, struct shard_txq_entry *e);

/**
 * shard_txq_remove() in two steps: take @p e out, grant nothing yet (the
 * entries behind it wait until shard_txq_grant, which the caller runs
 * before anything else can queue). Its place stays open for a fence until
 * then (shard_txq_add_fence).
 */
void shard_txq_unlink(struct shard_txq *q, struct shard_txq_entry *e);
/** Grant, in queue order, every entry nothing ahead conflicts with, and run
 * the grant callbacks. */
void shard_txq_grant(struct shard_txq *q);

/** The queued transaction @p txid, or NULL. */
struct shard_txq_entry *shard_txq_find(const struct shard_txq *q, uint64_t txid);

#endif
