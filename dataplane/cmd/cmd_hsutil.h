/*
 * What the hash and set commands share (cmd_hash.c, cmd_set.c): typed key
 * lookups that reply WRONGTYPE, the write that deletes a key its command
 * emptied, the *SCAN argument parser, and random sampling without
 * repetition for HRANDFIELD / SRANDMEMBER / SPOP.
 *
 * Context: a worker lcore, inside a command handler.
 */
#ifndef RW_CMD_HSUTIL_H
#define RW_CMD_HSUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd_int.h"

/**
 * lookupKeyRead() + checkType(): *@p o is the value of @p key or NULL.
 * @return false after replying WRONGTYPE (the key holds another type).
 */
bool cmd_hs_read(struct cmd_ctx *ctx, const struct resp_arg *key, uint8_t type,
		 const struct store_obj **o);

/**
 * Begin the write of @p key; @return false after replying WRONGTYPE (the
 * write is then committed with no change).
 */
bool cmd_hs_write_begin(struct cmd_ctx *ctx, const struct resp_arg *key, uint8_t type,
			struct store_wr *w);

/** Commit, deleting the key first when its collection is now empty (@p len 0). */
void cmd_hs_commit(struct store_wr *w, uint64_t len, uint32_t changes, const char *event);

/* *SCAN options, scanGenericCommand()'s parse. */
struct cmd_hs_scan {
	uint64_t cursor;
	int64_t count;
	const struct resp_arg *pat; /* NULL: no MATCH, or MATCH "*" */
};
/** Parse argv[2] (cursor) and the options from argv[3]. @return false after replying. */
bool cmd_hs_scan_cursor(struct cmd_ctx *ctx, struct cmd_hs_scan *sc);
bool cmd_hs_scan_options(struct cmd_ctx *ctx, struct cmd_hs_scan *sc);
/** Does @p p / @p n pass the MATCH filter? */
static inline bool cmd_hs_scan_match(const struct cmd_hs_scan *sc, const uint8_t *p, size_t n)
{
	return sc->pat == NULL || cmd_glob_match(sc->pat->ptr, sc->pat->len, p, n, false);
}
/** Reply the scan: cursor, then @p n_items bulk strings already in @p items. */
void cmd_hs_scan_reply(struct cmd_ctx *ctx, uint64_t cursor, const struct rw_buf *items,
		       int64_t n_items);

/**
 * Choose @p k distinct indexes out of [0, @p n) (k <= n) in ascending
 * order (Knuth's selection sampling, O(n)) into @p out.
 */
void cmd_hs_sample_sorted(uint64_t n, uint64_t k, uint64_t *out);

/** getRangeLongFromObjectOrReply(c, o, -LONG_MAX, LONG_MAX, ...). */
bool cmd_hs_arg_count(struct cmd_ctx *ctx, const struct resp_arg *a, int64_t *v);

#endif
