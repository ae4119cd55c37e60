/*
 * A table of byte strings, each with an optional value: the "hashtable"
 * encoding of hashes (field -> value) and sets (member, no value).
 *
 * Chained buckets, power-of-two bucket arrays, one allocation per element
 * (the node header, then the key bytes, then the value bytes). Elements are
 * found by a keyed 64-bit hash (random seed per process) so clients cannot
 * aim their fields at one bucket. The table grows when it holds as many
 * elements as buckets and shrinks under 1/8 full, as Redis's dict resizes
 * hash and set dicts after a delete (htNeedsResize()).
 *
 * A resize never walks the whole table at once: as in Redis's dict, a
 * second bucket array is allocated and every insert or delete first moves
 * one bucket of the old array (visiting at most ten empty ones) to it;
 * lookups search both arrays meanwhile, inserts go to the new one, and the
 * old one is freed once empty. The worst case of one command is the calloc
 * of the new bucket array.
 *
 * Memory accounting: `bytes` is the sum of the node allocations and the
 * bucket arrays, kept up to date by every change (O(1) to read).
 *
 * SCAN: store_strtab_scan() is Redis's dictScan() (reverse-binary cursor,
 * both arrays while resizing), so an element present for the whole walk is
 * reported at least once even when the table resizes between calls.
 *
 * Context: the owning worker lcore; never blocks.
 */
#ifndef RW_STORE_STRTAB_H
#define RW_STORE_STRTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_strtab_node {
	struct store_strtab_node *next;
	uint64_t hash;
	uint32_t klen;
	uint32_t vlen;
	uint8_t data[]; /* klen key bytes, then vlen value bytes */
};

struct store_strtab {
	struct store_strtab_node **b[2]; /* b[1]: the array being moved to while resizing */
	uint64_t size[2];		 /* buckets of each, powers of two (size[1] 0: none) */
	int64_t rehash_idx;		 /* next bucket of b[0] to move; -1: not resizing */
	uint64_t n;			 /* elements */
	uint64_t bytes;
};

/** Buckets of both arrays (Redis's dictSlots()). */
static inline uint64_t store_strtab_buckets(const struct store_strtab *t)
{
	return t->size[0] + t->size[1];
}

static inline const uint8_t *store_strtab_val(const struct store_strtab_node *nd)
{
	return nd->data + nd->klen;
}

/** Allocate an empty table sized for @p hint elements. @return NULL on ENOMEM. */
struct store_strtab *store_strtab_create(uint64_t hint);
/** Free the table and every element; NULL-safe. */
void store_strtab_destroy(struct store_strtab *t);
/**
 * Free at most *@p budget nodes of a table no key holds any more (lazy
 * free), from bucket *@p cursor on (0 at first; kept by the caller between
 * calls); *@p budget drops by what was freed. @return true when the whole
 * table is gone.
 */
bool store_strtab_free_step(struct store_strtab *t, uint64_t *cursor, uint32_t *budget);

/** @return the element @p k, or NULL. */
struct store_strtab_node *store_strtab_get(const struct store_strtab *t, const void *k,
					   size_t klen);
/**
 * Insert @p k with value @p v, or replace the value of an existing @p k.
 * @return 1 inserted, 0 replaced, -ENOMEM (table unchanged).
 */
int store_strtab_set(struct store_strtab *t, const void *k, size_t klen, const void *v,
		     size_t vlen);
/** Remove @p k. @return true if it was there. */
bool store_strtab_del(struct store_strtab *t, const void *k, size_t klen);

/** A random element (a random non-empty bucket, then a random element of
 * its chain, as Redis's dictGetRandomKey()); NULL only for an empty table. */
struct store_strtab_node *store_strtab_random(const struct store_strtab *t, uint64_t (*rnd)(void));

typedef void store_strtab_visit_fn(void *arg, const struct store_strtab_node *nd);
/** One SCAN step: visits one bucket. @return the next cursor, 0 when done. */
uint64_t store_strtab_scan(const struct store_strtab *t, uint64_t cursor, store_strtab_visit_fn *fn,
			   void *arg);

/* Iteration in bucket order (both arrays): for (nd = first(t, &i); nd; nd = next(t, &i, nd)).
 * The table must not change during the walk. */
struct store_strtab_node *store_strtab_first(const struct store_strtab *t, uint64_t *bucket);
struct store_strtab_node *store_strtab_next(const struct store_strtab *t, uint64_t *bucket,
					    const struct store_strtab_node *nd);

/** 64 random bits from this lcore's generator (xorshift, seeded per
 * thread): HRANDFIELD, SRANDMEMBER, SPOP. */
uint64_t store_strtab_rand(void);

/** The seeded hash of the table (exposed for tests). */
uint64_t store_strtab_hash(const void *k, size_t klen);

#endif
