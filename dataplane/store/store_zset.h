/*
 * Sorted set values, in Redis 7.0's two encodings:
 *
 *   listpack  small sets: one packed buffer of (member, score) entries in
 *             order, each  [len LEB128][member bytes][score, 8 bytes]; every
 *             operation is a linear walk (the size is bounded by
 *             zset-max-listpack-entries, 128 by default);
 *   skiplist  beyond zset-max-listpack-entries entries or
 *             zset-max-listpack-value bytes in a member: Redis's skiplist
 *             with spans (rank in O(log n)) plus a chained hash table from
 *             member to node (score in O(1)).
 *
 * Order is (score, member bytes) ascending, as Redis's zslInsert(). A
 * set converts to skiplist as Redis's zsetAdd() does (before the insert
 * that would break a bound) and never back (a stored result is built
 * afresh from a listpack, so it ends as Redis's converted result does).
 *
 * Scores in the listpack go through Redis's double2ll(): an integral score
 * is kept as an integer there, so -0 becomes 0 (as OBJECT ENCODING
 * listpack reads it back in Redis); store_zset_score_str() renders a score
 * as ZSCAN shows it for each encoding.
 *
 * bytes() is kept incrementally, O(1).
 * Context: the owning worker lcore, inside a store write for changes.
 */
#ifndef RW_STORE_ZSET_H
#define RW_STORE_ZSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_zset;

extern const struct store_coll_ops store_zset_ops;

/* The encoding bounds in force (zset-max-listpack-entries/value). */
struct store_zset_cfg {
	uint64_t max_entries;
	uint64_t max_value;
};

/* zsetAdd() flags in and out, Redis's ZADD_IN_* / ZADD_OUT_*. */
#define STORE_ZADD_INCR 1u
#define STORE_ZADD_NX	2u
#define STORE_ZADD_XX	4u
#define STORE_ZADD_GT	8u
#define STORE_ZADD_LT	16u

#define STORE_ZADD_OUT_NOP     1u
#define STORE_ZADD_OUT_NAN     2u
#define STORE_ZADD_OUT_ADDED   4u
#define STORE_ZADD_OUT_UPDATED 8u

/** An empty set, skiplist-encoded if @p skiplist. @return NULL on ENOMEM. */
struct store_zset *store_zset_create(bool skiplist);
void store_zset_destroy(struct store_zset **z);
/**
 * Free at most *@p budget skiplist nodes of a set no key holds any more
 * (lazy free); *@p budget drops by what was freed. @return true when the
 * whole set is gone (*@p z cleared).
 */
bool store_zset_free_step(struct store_zset **z, uint32_t *budget);

uint64_t store_zset_len(const struct store_zset *z);
uint64_t store_zset_bytes(const struct store_zset *z);
/** STORE_ENC_LISTPACK or STORE_ENC_SKIPLIST. */
uint8_t store_zset_enc(const struct store_zset *z);

/**
 * Redis's zsetAdd(): add or update @p m with @p score under @p flags
 * (STORE_ZADD_*), converting to skiplist first if the insert would break a
 * bound of @p cfg. *@p out gets STORE_ZADD_OUT_*; *@p newscore the score
 * now held (when added or updated, or unchanged but allowed).
 * @return 0, -EDOM for a NaN result (nothing changed) or -ENOMEM.
 */
int store_zset_add(struct store_zset *z, const struct store_zset_cfg *cfg, double score,
		   const void *m, size_t n, unsigned flags, unsigned *out, double *newscore);
/** @return true and the score if @p m is a member. */
bool store_zset_score(const struct store_zset *z, const void *m, size_t n, double *score);
/** Remove @p m. @return true if it was a member. */
bool store_zset_del(struct store_zset *z, const void *m, size_t n);
/** The 0-based ascending rank of @p m. @return false if not a member. */
bool store_zset_rank(const struct store_zset *z, const void *m, size_t n, uint64_t *rank);
/** Remove the elements of ranks [@p first, @p end). */
void store_zset_del_ranks(struct store_zset *z, uint64_t first, uint64_t end);

/* Score and lex ranges as Redis parses them (zrangespec, zlexrangespec). */
struct store_zset_range {
	double min, max;
	bool minex, maxex;
};

/* A lex bound: -1 is "-", +1 is "+", 0 a member with ex saying '(' */
struct store_zset_lexb {
	const uint8_t *p;
	size_t n;
	int8_t inf;
	bool ex;
};

/** The ranks [*first, *end) of the elements whose score is in @p r. */
void store_zset_score_ranks(const struct store_zset *z, const struct store_zset_range *r,
			    uint64_t *first, uint64_t *end);
/** As _score_ranks() for a lex range (members ordered as the set is). */
void store_zset_lex_ranks(const struct store_zset *z, const struct store_zset_lexb *min,
			  const struct store_zset_lexb *max, uint64_t *first, uint64_t *end);

/* Walk by rank, ascending or descending. */
struct store_zset_iter {
	const struct store_zset *z;
	void *node;   /* skiplist node */
	uint32_t off; /* listpack offset */
	uint64_t left;
	bool rev;
};

/** Start at rank @p rank (ascending rank, whatever the direction). */
void store_zset_iter_init(const struct store_zset *z, uint64_t rank, bool rev,
			  struct store_zset_iter *it);
/** The next element (valid until the next change). @return false at the end. */
bool store_zset_iter_next(struct store_zset_iter *it, const uint8_t **m, size_t *n, double *score);

/**
 * A ZSCAN step: reports elements and @return the next cursor (0: done).
 * A listpack set is reported whole with cursor 0; a skiplist one bucket
 * by bucket of its hash table with Redis's reverse-binary cursor, at least
 * @p count elements when there are that many left.
 */
typedef void store_zset_scan_fn(void *arg, const uint8_t *m, size_t n, double score);
uint64_t store_zset_scan(const struct store_zset *z, uint64_t cursor, uint64_t count,
			 store_zset_scan_fn *fn, void *arg);

/**
 * The score as ZSCAN prints it for this set's encoding: Redis's d2string()
 * for a skiplist, the integer a listpack holds for integral scores.
 * @return the length written into @p buf (>= 32 bytes).
 */
size_t store_zset_score_str(const struct store_zset *z, double score, char *buf);

#endif
