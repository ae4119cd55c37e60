/*
 * Set values in one of two encodings, as Redis 7.0 (which has no listpack
 * sets):
 *
 *   intset     (STORE_ENC_INTSET, struct store_intset: a sorted array of
 *              int64) while every member is an integer in canonical form
 *              (string2ll) and there are at most set-max-intset-entries;
 *   hashtable  (STORE_ENC_HT, struct store_strtab, no values) otherwise.
 *
 * A new set is an intset if its first member is an integer (setTypeCreate()),
 * and converts once, never back: when a non-integer joins or the count
 * exceeds set-max-intset-entries. Intset members iterate in ascending order,
 * so SMEMBERS of an intset prints what Redis prints.
 *
 * Changing functions run inside a store write (see store_hash.h); a caller
 * that empties a set deletes the key.
 *
 * Context: the owning worker lcore; never blocks.
 */
#ifndef RW_STORE_SET_H
#define RW_STORE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_intset {
	uint32_t n;
	uint32_t cap;
	int64_t v[]; /* ascending */
};

extern const struct store_coll_ops store_set_ops;

/** Is @p m an integer an intset may hold (string2ll: canonical form)? */
bool store_set_member_int(const void *m, size_t n, int64_t *v);

/**
 * An empty set of the encoding setTypeCreate() picks for its first member
 * @p m: intset for an integer (and @p max_intset > 0 is not checked: the
 * first add converts if needed), hashtable otherwise; *@p enc says which.
 * @p m NULL: an intset (createIntsetObject(), SINTERSTORE's destination).
 * @return NULL on ENOMEM.
 */
void *store_set_create(const void *m, size_t n, uint8_t *enc);

uint64_t store_set_len(const struct store_obj *o);
bool store_set_has(const struct store_obj *o, const void *m, size_t n);
/**
 * setTypeAdd(): @return 1 added, 0 already there, -ENOMEM (unchanged). An
 * intset converts to a hash table before a non-integer joins, and after an
 * add leaves it with more than @p max_intset members.
 */
int store_set_add(struct store_obj *o, const void *m, size_t n, uint64_t max_intset);
/** @return true if @p m was there. */
bool store_set_rem(struct store_obj *o, const void *m, size_t n);
/** Convert to the hash table encoding now. @return 0 or -ENOMEM (unchanged). */
int store_set_to_ht(struct store_obj *o);

/* Iteration (ascending for an intset). The set must not change meanwhile. */
struct store_set_it {
	const struct store_obj *o;
	uint64_t pos;
	const void *nd;
	char buf[24]; /* an intset member's digits */
};
void store_set_it_init(struct store_set_it *it, const struct store_obj *o);
bool store_set_it_next(struct store_set_it *it, const uint8_t **m, size_t *n);

/** A random member (the set must not be empty); intset digits go to @p buf. */
void store_set_random(const struct store_obj *o, char buf[24], const uint8_t **m, size_t *n);

typedef void store_set_visit_fn(void *arg, const uint8_t *m, size_t n);
/** One SSCAN step: an intset is visited whole (cursor 0 back). */
uint64_t store_set_scan(const struct store_obj *o, uint64_t cursor, store_set_visit_fn *fn,
			void *arg);

#endif
