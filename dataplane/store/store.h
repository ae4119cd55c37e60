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
 * The store knows nothing of RESP or of commands: cmd/ validates and formats.
 *
 * Pointers returned by lookups stay valid until the next write to the same
 * shard (a write may reallocate the entry that holds the value).
 *
 * Context: the owning worker lcore only; never blocks. Memory comes from
 * malloc for now (memory accounting and per-shard NUMA arenas come with the
 * maxmemory issue).
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

/* Encodings as OBJECT ENCODING reports them. */
enum store_enc {
	STORE_ENC_RAW = 0,    /* string in its own allocation (> 44 bytes) */
	STORE_ENC_INT = 1,    /* canonical int64 held in the object itself */
	STORE_ENC_EMBSTR = 8, /* string of <= 44 bytes inline with the entry */
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
	uint16_t pad;
	uint32_t len; /* string length in bytes (not for INT) */
	union {
		int64_t i;    /* STORE_ENC_INT */
		uint8_t *ptr; /* EMBSTR (points into the entry) and RAW */
	} v;
};

/* Per-shard counters: single writer (the owning lcore); readers sum. */
struct store_stats {
	uint64_t expired_keys;
	uint64_t keyspace_hits;
	uint64_t keyspace_misses;
};

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

/**
 * Find @p key for a read command: an expired key is deleted first (lazy
 * expiry) and counts as a miss; keyspace_hits/misses are updated.
 * @return the value or NULL.
 */
struct store_obj *store_lookup_read(struct store_shard *s, uint32_t db, const void *key,
				    size_t klen, uint64_t now_ms);
/** As store_lookup_read() but for the write path: no hit/miss counting. */
struct store_obj *store_lookup_write(struct store_shard *s, uint32_t db, const void *key,
				     size_t klen, uint64_t now_ms);

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

/** Keys in @p db, including expired ones not yet reclaimed (as Redis's DBSIZE). */
uint64_t store_db_size(const struct store_shard *s, uint32_t db);
/** Keys with an expiry in @p db. */
uint64_t store_db_expires(const struct store_shard *s, uint32_t db);
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

/* ---- string object helpers ---- */

/**
 * The bytes of a string object. For INT the digits are written to @p buf.
 * @return the length; *@p p points at the bytes.
 */
size_t store_obj_str(const struct store_obj *o, char buf[21], const uint8_t **p);
/** OBJECT ENCODING's name: "int", "embstr", "raw". */
const char *store_obj_enc_name(const struct store_obj *o);

#endif
