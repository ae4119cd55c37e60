/*
 * Hash values: field -> value maps in one of two encodings, as Redis 7.0:
 *
 *   listpack   (STORE_ENC_LISTPACK, struct store_lpack: field, value, ...)
 *              while the hash has at most hash-max-listpack-entries fields
 *              and no field or value longer than hash-max-listpack-value;
 *   hashtable  (STORE_ENC_HT, struct store_strtab) beyond either threshold.
 *
 * The conversion happens once, inside the write that crosses a threshold
 * (hashTypeSet(): a long field or value converts before it is stored, one
 * field too many converts after), and never back, whatever is deleted
 * later: OBJECT ENCODING answers what 7.0.15 answers for the same history.
 *
 * Every function takes the value of a key of type STORE_TYPE_HASH; the ones
 * that change it run between store_write_begin() and store_write_commit(),
 * which accounts the memory through the bytes() operation registered in
 * store_coll.c (store_hash_ops). Emptying a hash is the caller's to turn
 * into a key deletion (store_wr_delete), as Redis does.
 *
 * Context: the owning worker lcore; never blocks.
 */
#ifndef RW_STORE_HASH_H
#define RW_STORE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The directives that choose the encoding (CONFIG SET may change them). */
struct store_hash_limits {
	uint64_t max_lp_entries; /* hash-max-listpack-entries */
	uint64_t max_lp_value;	 /* hash-max-listpack-value */
};

extern const struct store_coll_ops store_hash_ops;

/** createHashObject(): an empty listpack-encoded hash, for
 * store_wr_set_coll(w, STORE_TYPE_HASH, STORE_ENC_LISTPACK, c).
 * @return NULL on ENOMEM. */
void *store_hash_create(void);

/** Number of fields. */
uint64_t store_hash_len(const struct store_obj *o);
/** Find @p f. @return false if absent; else *@p v / *@p vlen is the value
 * (valid until the next change of the hash). */
bool store_hash_get(const struct store_obj *o, const void *f, size_t flen, const uint8_t **v,
		    size_t *vlen);
/**
 * hashTypeSet(): set @p f to @p v, converting to a hash table first when
 * either is longer than @p lim->max_lp_value, after when the field count
 * exceeds @p lim->max_lp_entries.
 * @return 1 (new field), 0 (value replaced) or -ENOMEM (field unchanged;
 *         the encoding may have changed).
 */
int store_hash_set(struct store_obj *o, const void *f, size_t flen, const void *v, size_t vlen,
		   const struct store_hash_limits *lim);
/** Delete @p f. @return true if it was there. */
bool store_hash_del(struct store_obj *o, const void *f, size_t flen);
/** Convert to the hash table encoding now. @return 0 or -ENOMEM (unchanged). */
int store_hash_to_ht(struct store_obj *o);

/* Iteration, in the encoding's order (insertion order for listpack). The
 * hash must not change during the walk. */
struct store_hash_it {
	const struct store_obj *o;
	uint64_t pos; /* listpack offset or bucket */
	const void *nd;
};
void store_hash_it_init(struct store_hash_it *it, const struct store_obj *o);
bool store_hash_it_next(struct store_hash_it *it, const uint8_t **f, size_t *flen,
			const uint8_t **v, size_t *vlen);

/** A random field and its value (the hash must not be empty). */
void store_hash_random(const struct store_obj *o, const uint8_t **f, size_t *flen,
		       const uint8_t **v, size_t *vlen);

typedef void store_hash_visit_fn(void *arg, const uint8_t *f, size_t flen, const uint8_t *v,
				 size_t vlen);
/**
 * One HSCAN step from @p cursor. A listpack hash is visited whole and the
 * walk ends at once (cursor 0), as Redis does for compact encodings; a
 * hash table visits one bucket per step.
 * @return the next cursor, 0 when done.
 */
uint64_t store_hash_scan(const struct store_obj *o, uint64_t cursor, store_hash_visit_fn *fn,
			 void *arg);

#endif
