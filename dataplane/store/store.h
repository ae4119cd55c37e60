/*
 * Keyspace shard: the keys one worker core owns.
 *
 * One shard per worker lcore, `databases` logical DBs per shard (SELECT
 * picks one). Each DB is a chained hash table that grows and shrinks by
 * incremental rehash (a bounded number of buckets migrate per operation,
 * as Redis's dict does), so no single command ever pays for a resize.
 * Keys are byte strings; values are typed objects (type + encoding) so
 * lists, hashes, sets and sorted sets can join later. Expiry is an absolute
 * unix time in ms, kept in a separate per-DB index of volatile keys that the
 * active expire cycle samples; lookups expire lazily.
 *
 * ONE WAY TO CHANGE A KEY (issue #4 item 7)
 *
 * Every change to the keyspace, whatever the command, is a *write*:
 *
 *     struct store_wr w;
 *     store_write_begin(s, db, key, klen, now_ms, &w);  // lazy expiry, LRU touch
 *     ... w.obj is the value or NULL; change it only with store_wr_*():
 *         store_wr_set_str / _set_int / _set_bytes / _raw / _set_expire / _delete
 *     store_write_commit(&w, changes, "event");         // always, even for 0 changes
 *
 * store_write_commit() is where the bookkeeping every later feature hangs
 * on happens, once, for every command:
 *   - the shard's dirty counter grows by `changes` (Redis's server.dirty:
 *     cmd_execute() turns the delta into ctx->dirty, which journals the
 *     command; 0 changes means "nothing happened", e.g. SET NX on a
 *     present key);
 *   - a changed key gets the next shard version (snapshots compare it with
 *     their cut) and its LRU clock is touched;
 *   - the write hooks run (WATCH invalidation, keyspace notifications;
 *     none are registered yet) with the key and the event name Redis's
 *     notifyKeyspaceEvent() would use ("set", "append", "expire", "del"...);
 *   - the memory accounting (stats.used_bytes) moves by the entry's change
 *     in footprint.
 * Keys the store removes by itself (lazy and active expiry) go through the
 * same bookkeeping with event "expired" and no dirty change.
 * store_set(), store_set_int() and store_delete() are one-call writes built
 * on the same entry point. Nothing else mutates the keyspace.
 *
 * The store knows nothing of RESP or of commands: cmd/ validates and formats.
 *
 * Pointers returned by lookups stay valid until the next write to the same
 * shard (a write may reallocate the entry that holds the value).
 *
 * Context: the owning worker lcore only; never blocks. Memory comes from
 * malloc for now (per-shard NUMA arenas come with the maxmemory issue).
 */
#ifndef RW_STORE_H
#define RW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value types, in Redis's OBJ_* order so the TYPE command maps 1:1. */
enum store_type {
	STORE_TYPE_STRING = 0,
	STORE_TYPE_LIST = 1,
	STORE_TYPE_SET = 2,
	STORE_TYPE_ZSET = 3,
	STORE_TYPE_HASH = 4,
	STORE_TYPE_STREAM = 6,
};

/* Encodings as OBJECT ENCODING reports them, Redis's OBJ_ENCODING_* numbers. */
enum store_enc {
	STORE_ENC_RAW = 0,	 /* string in its own allocation (> 44 bytes) */
	STORE_ENC_INT = 1,	 /* canonical int64 held in the object itself */
	STORE_ENC_HT = 2,	 /* "hashtable": hash or set in a hash table */
	STORE_ENC_INTSET = 6,	 /* "intset": small set of integers */
	STORE_ENC_SKIPLIST = 7,	 /* "skiplist": large sorted set */
	STORE_ENC_EMBSTR = 8,	 /* string of <= 44 bytes inline with the entry */
	STORE_ENC_QUICKLIST = 9, /* "quicklist": every list in 7.0 */
	STORE_ENC_LISTPACK = 11, /* "listpack": small hash or sorted set */
};

/* Longest string stored inline, Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
#define STORE_EMBSTR_MAX 44

/* No expiry, for store_set() and store_get_expire(). */
#define STORE_NO_EXPIRE INT64_C(-1)

/* store_set() flags */
#define STORE_SET_KEEPTTL 1u /* keep an existing key's expiry */

struct store_obj {
	uint8_t type; /* enum store_type */
	uint8_t enc;  /* enum store_enc */
	/* RAW: the sds stock would hold for it (MEMORY USAGE). 0: as created,
	 * capacity = len (sdsnewlen()); grown by sds's greedy rule (APPEND,
	 * SETRANGE, SETBIT, BITFIELD): header bytes << 8 | the jemalloc size
	 * class index of its allocation (store_write.c, "sds model"). */
	uint16_t sds;
	uint32_t len; /* string length in bytes (not for INT) */
	union {
		int64_t i;    /* STORE_ENC_INT */
		uint8_t *ptr; /* EMBSTR (points into the entry) and RAW */
		void *coll;   /* every type but STRING: owned by that type's code */
	} v;
};

/*
 * Collections (lists, hashes, sets, sorted sets). A value whose type is not
 * STORE_TYPE_STRING holds in v.coll a structure owned by its type's code
 * (dataplane/store/store_<type>.c), which registers these operations in
 * store_coll.c. Within a write (store_write_begin .. commit) that type's
 * code may change the collection in place and switch its encoding (obj->enc
 * and v.coll: listpack to hashtable at the thresholds); commit accounts the
 * memory through bytes(). A command that empties a collection deletes the
 * key (store_wr_delete), as Redis does.
 */
struct store_coll_ops {
	/** Free the collection held in @p o (its type and encoding). */
	void (*free)(struct store_obj *o);
	/** Bytes the collection holds, O(1) (memory accounting on every commit). */
	uint64_t (*bytes)(const struct store_obj *o);
};

/* Per-shard counters: single writer (the owning lcore); readers sum. */
struct store_stats {
	uint64_t expired_keys;
	uint64_t evicted_keys; /* keys store_evict() removed (INFO evicted_keys) */
	uint64_t keyspace_hits;
	uint64_t keyspace_misses;
	uint64_t dirty;	     /* changes committed (Redis's server.dirty) */
	uint64_t version;    /* changes committed to keys (any key, any DB) */
	uint64_t used_bytes; /* footprint of the entries and their values */
};

/* Redis's LRU clock: seconds, 24 bits, wrapping (LRU_CLOCK_RESOLUTION 1000 ms). */
#define STORE_LRU_BITS 24
#define STORE_LRU_MAX  ((1u << STORE_LRU_BITS) - 1)

/*
 * LFU state, as Redis keeps it in the same 24 bits as the LRU clock while
 * an LFU policy is selected:
 *
 *        16 bits                8 bits
 *   +------------------+----------------+
 *   | last decrement   | log counter    |
 *   | time (minutes)   | (0..255)       |
 *   +------------------+----------------+
 *
 * A new key starts at STORE_LFU_INIT_VAL so it is not evicted before it
 * had a chance to be hit; each access first decays the counter by one per
 * lfu-decay-time minutes elapsed, then increments it with probability
 * 1 / ((counter - INIT) * lfu-log-factor + 1) (evict.c LFULogIncr,
 * LFUDecrAndReturn).
 */
#define STORE_LFU_INIT_VAL 5

/* maxmemory-policy, in the order of Redis's error text (config.c
 * maxmemory_policy_enum). */
enum store_evict_policy {
	STORE_EVICT_VOLATILE_LRU,
	STORE_EVICT_VOLATILE_LFU,
	STORE_EVICT_VOLATILE_RANDOM,
	STORE_EVICT_VOLATILE_TTL,
	STORE_EVICT_ALLKEYS_LRU,
	STORE_EVICT_ALLKEYS_LFU,
	STORE_EVICT_ALLKEYS_RANDOM,
	STORE_EVICT_NOEVICTION,
	STORE_EVICT_N_POLICIES,
};

/* The eviction directives a shard acts on (a copy of CONFIG SET's values). */
struct store_evict_cfg {
	uint8_t policy;	   /* enum store_evict_policy */
	uint32_t samples;  /* maxmemory-samples, >= 1 */
	uint32_t tenacity; /* maxmemory-eviction-tenacity, 0..100 */
	uint32_t lfu_log_factor;
	uint32_t lfu_decay_time; /* minutes; 0: never decay */
};

/* What the last store_evict() call left behind (Redis's EVICT_*). */
enum store_evict_result {
	STORE_EVICT_OK,	     /* used_bytes <= budget */
	STORE_EVICT_RUNNING, /* over budget but the work bound was hit: call again */
	STORE_EVICT_FAIL,    /* over budget and nothing evictable (noeviction, no
				volatile keys for volatile-*, empty shard) */
};

/** Does @p policy keep LFU counters (rather than the LRU clock) in entries? */
static inline bool store_evict_policy_lfu(unsigned policy)
{
	return policy == STORE_EVICT_VOLATILE_LFU || policy == STORE_EVICT_ALLKEYS_LFU;
}

/* Largest string a write may produce unless the config says otherwise. */
#define STORE_STR_MAX (512u * 1024 * 1024)

struct store_shard;

/**
 * Create a shard with @p databases empty DBs.
 * @return the shard, or NULL on allocation failure or databases == 0.
 * Context: boot.
 */
struct store_shard *store_shard_create(uint32_t id, uint32_t databases);
/** Free every key and the shard; NULL-safe; clears *@p s. */
void store_shard_destroy(struct store_shard **s);

uint32_t store_shard_id(const struct store_shard *s);
uint32_t store_shard_databases(const struct store_shard *s);
/** Counters of this shard. */
struct store_stats *store_shard_stats(struct store_shard *s);

/* store_lookup() flags, Redis's LOOKUP_* */
#define STORE_LOOKUP_NOTOUCH 1u /* leave the LRU clock alone (TTL, TYPE, OBJECT, EXISTS) */
#define STORE_LOOKUP_NOSTATS 2u /* no keyspace hit/miss (write lookups) */
/*
 * A write lookup (store_lookup_write(): NOSTATS | WRITE), Redis's
 * lookupKeyWrite(): the command changes the object it returns. Redis then
 * changes that object in place, where Redwire begins a write of the key
 * (store_write_begin(), which touches it as lookupKeyWrite() does); so the
 * store remembers the keys a command looked up this way, and the first
 * store_write_begin() of such a key in the same command does not touch it
 * again: one lookup, one access, as in Redis (SMOVE, LMOVE, RPOPLPUSH,
 * MSET, RENAME...). A read lookup (lookupKeyRead()) followed by a write is
 * two accesses in Redis too (ZINTERSTORE dst ... dst: the sources' read,
 * then setKey()'s lookupKeyWrite()), and stays two here.
 * store_cmd_end() forgets them (cmd_execute(), around every command).
 */
#define STORE_LOOKUP_WRITE 4u

/**
 * Find @p key: an expired key is deleted first (lazy expiry). Touches the
 * key's LRU clock and counts a hit or miss unless @p flags say otherwise.
 * @return the value or NULL.
 */
struct store_obj *store_lookup(struct store_shard *s, uint32_t db, const void *key, size_t klen,
			       uint64_t now_ms, unsigned flags);

/**
 * Find @p key for a read command: an expired key is deleted first (lazy
 * expiry) and counts as a miss; keyspace_hits/misses are updated.
 * @return the value or NULL.
 */
struct store_obj *store_lookup_read(struct store_shard *s, uint32_t db, const void *key,
				    size_t klen, uint64_t now_ms);
/** As store_lookup_read() but for the write path: no hit/miss counting,
 * and a write of the key in the same command touches it no more
 * (STORE_LOOKUP_WRITE). */
struct store_obj *store_lookup_write(struct store_shard *s, uint32_t db, const void *key,
				     size_t klen, uint64_t now_ms);
/** A command is over: forget the keys it looked up for writing (STORE_LOOKUP_WRITE). */
void store_cmd_end(struct store_shard *s);

/**
 * Set @p key to the string @p val, choosing the encoding as Redis's
 * tryObjectEncoding() does (int, embstr, raw).
 * @param expire_at_ms absolute unix ms, or STORE_NO_EXPIRE (clears an
 *        existing expiry unless @p flags has STORE_SET_KEEPTTL)
 * Callers look the key up first (store_lookup_write), as Redis's SET does,
 * so an expired key is reclaimed before KEEPTTL could keep its expiry.
 * @return 0 or -ENOMEM (the key is then unchanged).
 */
int store_set(struct store_shard *s, uint32_t db, const void *key, size_t klen, const void *val,
	      size_t vlen, int64_t expire_at_ms, unsigned flags);
/** Set @p key to an int-encoded string (INCR and friends). @return 0 or -ENOMEM. */
int store_set_int(struct store_shard *s, uint32_t db, const void *key, size_t klen, int64_t v,
		  int64_t expire_at_ms, unsigned flags);

/**
 * Delete @p key. A key that had already expired is reclaimed (counted in
 * expired_keys) but reported as absent, as Redis's DEL does.
 * @return true if a live key was deleted.
 */
bool store_delete(struct store_shard *s, uint32_t db, const void *key, size_t klen,
		  uint64_t now_ms);

/** @return the absolute expiry in unix ms, or STORE_NO_EXPIRE (also for a missing key). */
int64_t store_get_expire(struct store_shard *s, uint32_t db, const void *key, size_t klen);

/* ---- the write entry point (see the top of this file) ---- */

/* A write in progress. obj is public; the rest belongs to the store. */
struct store_wr {
	struct store_obj *obj; /* the key's value, NULL while it does not exist */
	struct store_shard *s;
	struct store_entry *e;
	struct store_entry **link;
	const void *key;
	size_t klen;
	uint64_t now_ms;
	uint64_t mem_before;
	uint32_t db;
	int table;
	bool existed;
	bool lru_set; /* store_wr_set_lru() chose the clock: commit keeps it */
};

/** Events a write hook sees. */
typedef void store_hook_fn(void *arg, uint32_t db, const void *key, size_t klen, const char *event);
#define STORE_HOOKS_MAX 4

/** Register a hook run by every commit that changed something. @return 0 or -ENOSPC. */
int store_hook_add(struct store_shard *s, store_hook_fn *fn, void *arg);

/**
 * Start a write of @p key: lazily expires it, finds it, touches its LRU
 * clock (unless the command looked it up for writing already:
 * STORE_LOOKUP_WRITE). Cannot fail. Must be paired with store_write_commit().
 */
void store_write_begin(struct store_shard *s, uint32_t db, const void *key, size_t klen,
		       uint64_t now_ms, struct store_wr *w);
/**
 * Finish a write: dirty += @p changes; if changes > 0 the key (when it
 * still exists) gets a new version, and the hooks run with @p event.
 * Memory accounting follows the entry's footprint in every case.
 */
void store_write_commit(struct store_wr *w, uint32_t changes, const char *event);

/* Value changes within a write. A missing key is created (without expiry);
 * an existing key keeps its expiry. Each @return 0 or -ENOMEM (the value is
 * then unchanged). */
/** tryObjectEncoding(): int, embstr or raw, as SET stores a value. */
int store_wr_set_str(struct store_wr *w, const void *val, size_t vlen);
/** An int-encoded string (INCR). */
int store_wr_set_int(struct store_wr *w, int64_t v);
/** createStringObject(): embstr up to 44 bytes, raw beyond, never int (INCRBYFLOAT). */
int store_wr_set_bytes(struct store_wr *w, const void *val, size_t vlen);
/**
 * Make the value a RAW string of exactly @p len bytes for in-place change
 * (APPEND, SETRANGE, SETBIT, BITFIELD): the old bytes are kept, growth is
 * zero-filled, capacity grows greedily as sds does.
 * @return the bytes, or NULL on allocation failure (value unchanged).
 */
uint8_t *store_wr_raw(struct store_wr *w, size_t len);
/**
 * Make the key hold the collection @p coll (type @p type, encoding @p enc),
 * creating the key if absent; an existing value (string or collection) is
 * freed first, its expiry kept. The store owns @p coll from then on, also
 * on failure (it is freed). @return 0 or -ENOMEM.
 */
int store_wr_set_coll(struct store_wr *w, uint8_t type, uint8_t enc, void *coll);
/** A RAW string takes the sds model of the one it was moved from (RENAME,
 * MOVE: Redis moves the robj; store_obj.sds). */
void store_wr_raw_sds(struct store_wr *w, uint16_t sds);
/** jemalloc's size class of an allocation of @p n bytes (Redis's zmalloc_size()). */
uint64_t store_je_class(uint64_t n);
/** Bytes the sds of stock's RAW string @p o would take (sdsZmallocSize()). */
uint64_t store_raw_sds_bytes(const struct store_obj *o);
/** Set (absolute unix ms) or clear (STORE_NO_EXPIRE) the expiry; the key must exist. */
int store_wr_set_expire(struct store_wr *w, int64_t at_ms);
/**
 * Redis's objectSetLRUOrLFU() (RESTORE IDLETIME/FREQ, RDB IDLE/FREQ): under
 * an LFU policy set the counter to @p lfu_freq (0..255) if it is >= 0,
 * otherwise set the LRU clock @p lru_idle_s seconds back if that is >= 0.
 * The key must exist. @return true if something was set.
 */
bool store_wr_set_lru(struct store_wr *w, int64_t lfu_freq, int64_t lru_idle_s);
/**
 * The key takes @p lru (store_obj_lru() of another key) as its LRU clock or
 * LFU state: RENAME and MOVE move Redis's object, which keeps its own.
 * The key must exist.
 */
void store_wr_keep_lru(struct store_wr *w, uint32_t lru);
/** Delete the key (it must exist). */
void store_wr_delete(struct store_wr *w);
/**
 * Delete the key but keep its collection: *@p out gets the value (type,
 * encoding, v.coll), now the caller's, to hand to store_wr_set_coll() of
 * another key (RENAME, MOVE: O(1), the encoding kept, as Redis moves the
 * object). @return 0, or -EINVAL if the key is absent or a string.
 */
int store_wr_take_coll(struct store_wr *w, struct store_obj *out);

/** Keys in @p db, including expired ones not yet reclaimed (as Redis's DBSIZE). */
uint64_t store_db_size(const struct store_shard *s, uint32_t db);

/* ---- walking and emptying a DB (store_scan.c) ---- */

typedef void store_scan_fn(void *arg, const uint8_t *key, size_t klen, const struct store_obj *o);
/**
 * One step of Redis's SCAN over @p db: reports the live keys of one bucket
 * (of both tables while rehashing) and returns the next cursor (0: done).
 * Every key present for the whole walk is reported at least once.
 */
uint64_t store_db_scan(struct store_shard *s, uint32_t db, uint64_t cursor, uint64_t now_ms,
		       store_scan_fn *fn, void *arg);
/**
 * RANDOMKEY's dbRandomKey(): a random key of @p db. An expired key met on
 * the way is reclaimed and another drawn; after 100 draws of expired keys
 * one is returned anyway, as Redis does when every key is volatile.
 * @return the key's bytes (valid until the next write to the shard) and
 *         *@p klen, or NULL if the DB is empty.
 */
const uint8_t *store_db_random_key(struct store_shard *s, uint32_t db, uint64_t now_ms,
				   size_t *klen);
/** Delete every key of @p db (FLUSHDB); dirty grows by their number. @return keys removed. */
uint64_t store_db_flush(struct store_shard *s, uint32_t db);
/**
 * SWAPDB's part on this shard: DBs @p a and @p b trade their keys and
 * expiries, O(1). Out-of-range or equal indexes do nothing. Not a write
 * (no hooks, no dirty, no versions): the caller does the bookkeeping.
 */
void store_db_swap(struct store_shard *s, uint32_t a, uint32_t b);
/** Keys with an expiry in @p db. */
uint64_t store_db_expires(const struct store_shard *s, uint32_t db);
/** Bytes @p db's key table (*@p main) and expires index (*@p expires) hold. */
void store_db_index_bytes(const struct store_shard *s, uint32_t db, uint64_t *main,
			  uint64_t *expires);
/** What INFO keyspace and MEMORY STATS read of one DB, in one call. */
struct store_db_figures {
	uint64_t keys, expires, main_bytes, expires_bytes;
};
/** Fill @p out for every DB below @p n (at most the shard's count). */
void store_db_figures(const struct store_shard *s, uint32_t n, struct store_db_figures *out);
/** Bytes the shard's tables and expires indexes hold (part of stats.used_bytes). */
uint64_t store_shard_index_bytes(const struct store_shard *s);
/** Keys in all DBs of the shard. */
uint64_t store_shard_keys(const struct store_shard *s);
/** @return true while @p db is migrating buckets to a resized table. */
bool store_db_rehashing(const struct store_shard *s, uint32_t db);

/**
 * One slice of the active expire cycle: sample at most @p budget volatile
 * keys (over all DBs, resuming where the previous call stopped) and delete
 * the expired ones.
 * @return the number of keys expired.
 */
uint32_t store_active_expire_step(struct store_shard *s, uint64_t now_ms, uint32_t budget);

/* ---- lazy free (store_lazyfree.c) ---- */

/**
 * Free a bounded part of the big collections this thread's shard dropped
 * (DEL, UNLINK, FLUSH*, expiry, overwrite: over 64 KiB they are queued,
 * not freed, so no command stalls the worker): at most @p budget
 * allocations. @return how many were freed. Call from the worker loop.
 */
uint32_t store_lazyfree_step(uint32_t budget);
/** Collections queued and not yet wholly freed (INFO lazyfree_pending_objects). */
uint64_t store_lazyfree_pending(void);
/** Free everything queued, whatever it costs (teardown, tests). */
void store_lazyfree_drain(void);

/* ---- maxmemory (store_evict.c) ---- */

/**
 * Make the shard track what @p cfg's policy needs on every access (the LRU
 * clock, or the LFU counter with its log factor and decay time) and keep
 * @p cfg for eviction. Switching between LRU and LFU leaves existing
 * entries' 24 bits as they are: as in Redis, "LRU and LFU data will take
 * some time to adjust". Cheap; call whenever the config may have changed.
 */
void store_shard_evict_cfg_set(struct store_shard *s, const struct store_evict_cfg *cfg);

/**
 * Redis's performEvictions() for one shard: while stats.used_bytes exceeds
 * @p budget_bytes, pick a key by @p cfg's policy with the approximated
 * algorithm (sample cfg->samples keys per DB, from the keyspace or, for
 * volatile-*, from the keys with an expiry; keep a pool of the 16 best
 * candidates across calls; evict the best; *-random pick a random key) and
 * delete it through the write path with event "evicted" (hooks see it; no
 * dirty change, as Redis's eviction does not count as a change);
 * stats.evicted_keys counts it.
 * Work is bounded: at most @p max_keys keys (0: no bound) and the time
 * maxmemory-eviction-tenacity allows (50 us per unit up to 10, then
 * 500 us * 1.15^(t-10), unbounded at 100), checked every 16 keys.
 * @return bytes freed; store_evict_last() tells how it ended.
 * Context: the owning worker lcore; never blocks.
 */
size_t store_evict(struct store_shard *s, uint64_t budget_bytes, const struct store_evict_cfg *cfg,
		   uint64_t now_ms, unsigned max_keys);
/**
 * @return true if @p policy could evict a key of @p s now: it holds a key
 * (allkeys-*) or a key with an expiry (volatile-*); false for noeviction.
 * O(databases). Context: the owning worker lcore.
 */
bool store_evict_has_candidates(const struct store_shard *s, unsigned policy);
/** How the last store_evict() ended (STORE_EVICT_OK before the first). */
enum store_evict_result store_evict_last(const struct store_shard *s);

/* ---- string object helpers ---- */

/**
 * The bytes of a string object. For INT the digits are written to @p buf.
 * @return the length; *@p p points at the bytes.
 */
size_t store_obj_str(const struct store_obj *o, char buf[21], const uint8_t **p);
/** OBJECT IDLETIME: whole seconds since the object's key was last touched. */
uint64_t store_obj_idle_s(const struct store_obj *o, uint64_t now_ms);
/**
 * OBJECT FREQ: the object's LFU counter after decay (LFUDecrAndReturn(),
 * not stored). Meaningful only while an LFU policy is selected.
 */
uint8_t store_obj_freq(const struct store_shard *s, const struct store_obj *o, uint64_t now_ms);
/** The absolute expiry of the object's key, or STORE_NO_EXPIRE. */
int64_t store_obj_expire(const struct store_obj *o);
/**
 * The raw LRU clock or LFU state of the object's key (Redis's robj->lru),
 * and setting it: a cross-worker command's copy carries its original's, and
 * the original takes the copy's back (dp_tx_gather.inc).
 */
uint32_t store_obj_lru(const struct store_obj *o);
void store_obj_set_lru(struct store_obj *o, uint32_t lru);

/** OBJECT ENCODING's name: "int", "embstr", "raw", "listpack", "hashtable", ... */
const char *store_obj_enc_name(const struct store_obj *o);

/* ---- point-in-time snapshots without fork (store_snap.c) ----
 *
 * One snapshot at a time per shard. store_snap_begin() takes the cut: every
 * key present then is the snapshot's, with the value it has then. The walk
 * (store_snap_step(), bounded slices) hands each such key to @p fn once;
 * a key about to change or go before the walk reached it (any write, DEL,
 * expiry, eviction, FLUSHDB) is handed over first, with its cut value, and
 * the walk then skips it. Keys created after the cut are never handed over.
 * How: every entry carries an 8-bit snapshot generation; begin moves the
 * shard's to the next, and a key changed, created or handed over since
 * gets the new one, so "another generation" means "the snapshot's and not
 * handed over yet" (store_snap.c: why 8 bits cannot alias).
 * dataplane/snapshot/SNAPSHOT.md has the rest.
 */
typedef void store_snap_fn(void *arg, uint32_t db, const uint8_t *key, size_t klen,
			   const struct store_obj *o, int64_t expire_at_ms);
/** Take the cut. @p fn must not change the store. */
void store_snap_begin(struct store_shard *s, store_snap_fn *fn, void *arg);
/**
 * Walk on: at most @p max_keys keys handed over and @p max_buckets buckets
 * looked at. @return true when the walk is complete (every key of the cut
 * was handed over); the snapshot stays on until store_snap_end().
 */
bool store_snap_step(struct store_shard *s, uint32_t max_keys, uint32_t max_buckets);
/** Stop the snapshot (complete or abandoned): writes no longer hand keys over. */
void store_snap_end(struct store_shard *s);
/** Is a snapshot on? */
bool store_snap_active(const struct store_shard *s);

#endif
