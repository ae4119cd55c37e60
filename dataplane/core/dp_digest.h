/*
 * DEBUG DIGEST across workers. Redis's dataset digest mixes the DBs in
 * ascending order, each DB's part being the XOR of its keys' digests (see
 * cmd_digest_db() in cmd.h), so it splits by shard: every worker answers
 * its per-DB XORs as an array of {db, 20 bytes} pairs (dp_digest_part_def,
 * sent as the parts of a DP_AGG_DIGEST slot), and when the slot completes
 * dp_digest_finish() XORs the pairs per DB and mixes the DBs in order into
 * the reply Redis gives.
 *
 * Context: worker lcores.
 */
#ifndef RW_DP_DIGEST_H
#define RW_DP_DIGEST_H

#include <stdbool.h>

#include "cmd.h"
#include "rw_buf.h"

/* The part every worker runs (name "debug", so CLIENT LIST shows it as such). */
extern const struct cmd_def dp_digest_part_def;

/**
 * DEBUG's keys are its subcommand's: stock's table declares none (COMMAND
 * GETKEYS and the ACL key check see none, and SLEEP's or HELP's arguments
 * are no keys), but OBJECT key and DIGEST-VALUE key... read their keys.
 * @return the entry the dispatcher routes such a DEBUG by (keys from
 * argv[2], one reply element per key when they span workers), or @p d.
 */
const struct cmd_def *dp_debug_route_def(const struct cmd_def *d, const struct resp_arg *argv,
					 uint32_t argc);
/** The command table's entry of @p d (DEBUG's for dp_debug_route_def()'s), as recorded. */
const struct cmd_def *dp_debug_table_def(const struct cmd_def *d);
/** Is this DEBUG DIGEST (which then runs on every worker)? */
bool dp_digest_is(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc);
/** Replace the concatenated pairs in @p buf by the digest reply ("+<40 hex>\r\n"). */
void dp_digest_finish(struct rw_buf *buf);
/** cmd_db_foreach_fn over a shard's tables (expired keys not reclaimed yet included). */
void dp_db_foreach(struct store_shard *shard, uint32_t db, cmd_key_visit_fn *visit, void *arg);

#endif
