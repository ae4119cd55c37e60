/*
 * Internals of the keyspace shard shared by store.c (API, expiry) and
 * store_ht.c (the hash table). Not for use outside dataplane/store.
 *
 * Entry layout: one allocation per key, a 48-byte header. The key follows
 * the header; an embstr value follows the key, so a short string key/value
 * pair costs a single malloc, as Redis's embstr does for the value object.
 *
 *   0      8        16           32     36        40     44        47  48
 *   +------+--------+------------+------+---------+------+---------+---+
 *   | next | expire | val (obj)  | hash | vol_idx | klen | lru     |gen|
 *   +------+--------+------------+------+---------+------+---------+---+
 *   | key bytes (klen) | embstr value bytes (the rest of the chunk)     |
 *   +------------------+------------------------------------------------+
 *
 * What the header does not hold, because the allocator knows it: the
 * inline room for an embstr (malloc_usable_size() of the entry less the
 * header and the key) and a RAW value's capacity (malloc_usable_size() of
 * it). The snapshot mark is an 8-bit generation beside the 24-bit LRU/LFU
 * clock (store_snap.c), not a 64-bit version. 48 + 10-byte key + 8-byte
 * value fit glibc's 80-byte chunk, where 64 needed 96: 16 bytes less per
 * small key (tests/bench/hitratio.sh's overhead figure).
 */
#ifndef RW_STORE_INT_H
#define RW_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* 48 bytes of header before the key (checked below): the per-key overhead
 * issue #6 measures against redis-server. */
struct store_entry {
	struct store_entry *next; /* bucket chain */
	int64_t expire_at_ms;	  /* STORE_NO_EXPIRE or absolute unix ms */
	struct store_obj val;
	/* cached (rehash moves entries without rehashing keys); 32 bits index
	 * any table a shard can hold */
	uint32_t hash;
	uint32_t vol_idx; /* slot in the DB's volatile index when expire is set */
	uint32_t klen;
	uint32_t lru : STORE_LRU_BITS; /* LRU clock (s) of the last access, or LFU state */
	uint32_t gen : 8;	       /* snapshot generation of the last change or hand-over */
	uint8_t key[];
};
_Static_assert(sizeof(struct store_entry) == 48, "store_entry header grew");

/** Bytes after the key the entry's chunk holds for an embstr value. */
size_t store_entry_inline_cap(const struct store_entry *e);

/* One table of the pair; size is a power of two (0 when unallocated). */
struct store_ht {
	struct store_entry **buckets;
	uint64_t size;
	uint64_t used;
};

/*
 * A DB: ht[0] is the table, ht[1] the table being migrated to while
 * rehash_idx >= 0 (buckets below rehash_idx in ht[0] are already empty).
 * vol is the expires index: a dense array of the entries that have an
 * expiry, so the active cycle samples a random volatile key in O(1).
 */
struct store_db {
	struct store_ht ht[2];
	int64_t rehash_idx;
	struct store_entry **vol;
	uint32_t vol_n;
	uint32_t vol_cap;
	uint64_t *acct; /* the shard's stats.used_bytes: the tables and the index count too */
};

struct store_shard {
	uint32_t id;
	uint32_t databases;
	uint32_t expire_db; /* where the next active expire step resumes */
	uint32_t pad;
	uint64_t hash_k0, hash_k1; /* SipHash key, random per shard */
	uint64_t rng;		   /* xorshift state for expiry and eviction sampling */
	struct store_stats stats;
	struct store_evict_cfg evict;  /* policy and LFU parameters (store_evict.c) */
	bool lfu;		       /* entries' lru holds LFU state (see store.h) */
	uint8_t evict_last;	       /* enum store_evict_result of the last store_evict() */
	uint32_t evict_db;	       /* where the random policies look next */
	uint64_t clock_ms;	       /* the last now_ms a lookup or write was given */
	struct store_evict_pool *pool; /* eviction candidates, kept across calls */
	struct {
		store_hook_fn *fn;
		void *arg;
	} hooks[STORE_HOOKS_MAX];
	uint32_t n_hooks;
	/* the live entries the running command looked up for writing and has
	 * not begun a write of yet (STORE_LOOKUP_WRITE); beyond the array's
	 * room a write touches again, as before */
	struct store_entry *wlooked[8];
	uint8_t n_wlooked;
	bool snap_on; /* a snapshot walks this shard (store_snap.c) */
	struct store_snap_state {
		uint8_t gen; /* entries with another gen are the snapshot's, not written yet */
		uint8_t clean_gen; /* every entry had this gen when a walk last completed */
		bool complete;	   /* the running walk has completed */
		store_snap_fn *fn;
		void *arg;
		uint32_t db;	 /* where the walk is */
		uint64_t cursor; /* reverse-binary bucket cursor in that DB (store_scan.c) */
	} snap;
	struct store_db db[];
};

/* store_coll.c */
/** Free whatever @p o holds outside the entry (a RAW string or a collection). */
void store_val_release(struct store_obj *o);
/** Bytes @p o holds outside the entry (RAW capacity excluded: see footprint). */
uint64_t store_coll_bytes(const struct store_obj *o);

/* store_lazyfree.c */
/* A dropped collection holding at least this many bytes is freed in steps. */
#define STORE_LAZYFREE_MIN_BYTES (64u * 1024)
/** Queue the dropped collection @p o (of @p bytes) for store_lazyfree_step()
 * if it is big. @return true if queued (the caller must not free it). */
bool store_lazyfree_defer(const struct store_obj *o, uint64_t bytes);

/* store.c */
struct store_db *store_db_of(struct store_shard *s, uint32_t db);
void store_entry_free(struct store_entry *e);
/** Bytes an entry and its value occupy (memory accounting). */
uint64_t store_entry_footprint(const struct store_entry *e);
/** Give @p e the expiry @p at (or none). @return 0 or -ENOMEM. */
int store_entry_set_expire(struct store_db *d, struct store_entry *e, int64_t at);
/** Unlink, unindex and free the entry held by @p link; accounts its memory. */
void store_entry_delete(struct store_shard *s, struct store_db *d, struct store_entry **link,
			int table);
/** Find a live entry, reclaiming it first (event "expired") if it expired. */
struct store_entry **store_find_live(struct store_shard *s, struct store_db *d, uint32_t db,
				     const void *key, size_t klen, uint64_t now_ms, int *table);
/** Run the write hooks. */
void store_hooks_run(struct store_shard *s, uint32_t db, const void *key, size_t klen,
		     const char *event);
static inline uint32_t store_lru_clock(uint64_t now_ms)
{
	return (uint32_t)(now_ms / 1000) & STORE_LRU_MAX;
}

static inline uint64_t store_rng_next(struct store_shard *s)
{
	/* xorshift64*: sampling only needs to be cheap and well spread. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dULL;
}

/* store_evict.c */
/** Redis's updateLFU(): decay, then a logarithmic increment. */
void store_lfu_touch(struct store_shard *s, struct store_entry *e, uint64_t now_ms);
/** LFUGetTimeInMinutes(): 16 bits of unix minutes. */
static inline uint32_t store_lfu_minutes(uint64_t now_ms)
{
	return (uint32_t)(now_ms / 60000) & 0xffff;
}
/** The 24 bits a new key starts with: the LRU clock, or LFU_INIT_VAL now. */
static inline uint32_t store_entry_lru_new(const struct store_shard *s, uint64_t now_ms)
{
	return s->lfu ? (store_lfu_minutes(now_ms) << 8) | STORE_LFU_INIT_VAL
		      : store_lru_clock(now_ms);
}
/** An access: lookupKey()'s LRU touch or LFU update. */
static inline void store_entry_touch(struct store_shard *s, struct store_entry *e, uint64_t now_ms)
{
	if (s->lfu)
		store_lfu_touch(s, e, now_ms);
	else
		e->lru = store_lru_clock(now_ms);
}
/** Free the eviction pool (shard destroy). */
void store_evict_pool_free(struct store_shard *s);
/** Commit a write as the store's own change (eviction): hooks run with
 * @p event, memory is accounted, dirty does not move. */
void store_write_commit_silent(struct store_wr *w, const char *event);

/** Was @p e looked up for writing by the running command? Forgets it. */
static inline bool store_wlooked_take(struct store_shard *s, const struct store_entry *e)
{
	for (uint32_t i = 0; i < s->n_wlooked; i++)
		if (s->wlooked[i] == e) {
			s->wlooked[i] = s->wlooked[--s->n_wlooked];
			return true;
		}
	return false;
}

/* store_scan.c */
/** SCAN's reverse-binary increment of @p v within the table mask @p mask. */
uint64_t store_scan_next_cursor(uint64_t v, uint64_t mask);

/* store_snap.c */
/** Hand @p e (of DB @p db) to the snapshot before the key changes or goes. */
void store_snap_save(struct store_shard *s, uint32_t db, struct store_entry *e);
/** Is @p e part of the running snapshot and not yet handed to it? */
static inline bool store_snap_pending(const struct store_shard *s, const struct store_entry *e)
{
	return s->snap_on && e->gen != s->snap.gen;
}
/** Before a key of @p db changes or is removed: the snapshot gets its old value first. */
static inline void store_snap_touch(struct store_shard *s, uint32_t db, struct store_entry *e)
{
	if (store_snap_pending(s, e))
		store_snap_save(s, db, e);
}

/* store_ht.c */
uint32_t store_hash(const struct store_shard *s, const void *key, size_t klen);
/**
 * Find a key, after migrating a bounded number of buckets if rehashing.
 * @return the link (pointer to the pointer) that holds the entry, or NULL;
 *         *@p table says which table it is in. Valid until the next call.
 */
struct store_entry **store_ht_find(struct store_db *d, const void *key, size_t klen, uint32_t hash,
				   int *table);
/**
 * Insert a new entry (the key must not exist).
 * @return the link that holds it (valid until the next find/insert), or NULL
 *         on allocation failure; *@p table says which table.
 */
struct store_entry **store_ht_insert(struct store_db *d, struct store_entry *e, int *table);
/** Unlink the entry held by @p link; the caller frees it. */
void store_ht_unlink(struct store_db *d, struct store_entry **link, int table);
void store_ht_maybe_shrink(struct store_db *d);
void store_ht_fini(struct store_db *d, void (*free_entry)(struct store_entry *));

#endif
