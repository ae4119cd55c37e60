/*
 * Reply slots: how a connection's replies stay in request order while some
 * of its commands run on other workers, and how the parts of a command split
 * across workers are combined into the one reply Redis would give.
 *
 * A slot is pending while parts_left > 0. A multi-part slot starts with a
 * "hold" (one extra expected part) so it cannot complete while its parts are
 * still being sent out; dp_slot_release() drops the hold.
 *
 * How parts combine (enum dp_agg):
 *   NONE    one part, its reply as is (a forwarded single-owner command);
 *   SUM     integer replies added up (DEL, EXISTS, TOUCH, UNLINK, DBSIZE);
 *   OK      +OK once every part said +OK (MSET, FLUSHDB, FLUSHALL);
 *   CONCAT  the parts' arrays concatenated (KEYS: order unspecified);
 *   MERGE   one element per key, put back in request order using the owner
 *           of each key recorded when the command was split (MGET);
 *   DIGEST  as CONCAT; the dispatcher turns the result into DEBUG DIGEST's
 *           reply when the slot drains (dp_digest.h).
 * An error from any part wins (the first one), as the whole command failing.
 *
 * Context: the owning worker lcore.
 */
#ifndef RW_DP_SLOT_H
#define RW_DP_SLOT_H

#include <stdbool.h>
#include <stdint.h>

#include "rw_buf.h"

struct cmd_def;

enum dp_agg {
	DP_AGG_NONE,
	DP_AGG_SUM,
	DP_AGG_OK,
	DP_AGG_CONCAT,
	DP_AGG_MERGE,
	DP_AGG_DIGEST,
	DP_AGG_KILLED, /* as SUM; then +OK, or -ERR No such client for 0 (CLIENT KILL ip:port) */
	DP_AGG_TEXT,   /* CLIENT LIST: each part a bulk (RESP3: verbatim txt) string of
			* "id=..." lines; one string of every line, by id */
};

/* dp_slot.at of a slot whose parts run on several workers, on this one
 * through its intent queue, or as a transaction: no ring keeps their order */
#define DP_AT_ANY 0xffffu

struct dp_slot {
	struct rw_buf buf; /* the final reply (or the first error) */
	uint16_t parts_left;
	/* parts_left counts these too: parts that ran, their replies held
	 * until their journal records are durable (dp_hold_slot()) */
	uint16_t held;
	/* the worker its parts run on, in the order of that worker's ring, or
	 * DP_AT_ANY (the connection's order rule, dp_client.c) */
	uint16_t at;
	uint8_t agg; /* enum dp_agg */
	bool failed;
	bool discard;	      /* CLIENT REPLY OFF|SKIP: drained without sending */
	int64_t total;	      /* SUM: the sum; CONCAT/MERGE: elements */
	struct rw_buf *parts; /* CONCAT/MERGE: elements received, per worker */
	uint32_t n_parts;     /* entries in parts (the worker count) */
	uint8_t *key_owner;   /* MERGE: owner of each key, request order */
	uint32_t nkeys, key_cap;
	/* a command recorded where it was dispatched (CLIENT KILL): a failed
	 * call of this (sub)command if the combined reply is an error */
	const struct cmd_def *count_fail;
};

/** Reset @p s for a new reply of kind @p agg with the hold taken. */
int dp_slot_begin(struct dp_slot *s, enum dp_agg agg, uint32_t n_workers);
/** One more part will come. */
static inline void dp_slot_expect(struct dp_slot *s)
{
	s->parts_left++;
}
/** A part from worker @p owner arrived (its RESP reply bytes). */
void dp_slot_absorb(struct dp_slot *s, uint32_t owner, const uint8_t *p, size_t n);
/** Every part is out: drop the hold (the slot may complete now). */
void dp_slot_release(struct dp_slot *s);
/** Fail the slot with @p err (a full "-ERR ...\r\n" reply). It still completes
 * only when its expected parts and the hold are in: a late reply can never
 * land in a slot that was reused. */
void dp_slot_fail(struct dp_slot *s, const char *err);
/** MERGE: remember that key @p i (request order) lives on @p owner. */
int dp_slot_key_owner(struct dp_slot *s, uint32_t i, uint8_t owner);
/** Free the slot's memory. */
void dp_slot_fini(struct dp_slot *s);

#endif
