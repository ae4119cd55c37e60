/*
 * Internals of dataplane/core shared by the dispatcher (dp_client.c) and the
 * transactions (dp_tx.c). Not for use outside dataplane/core.
 *
 * Context: the worker lcore.
 */
#ifndef RW_DP_INT_H
#define RW_DP_INT_H

#include "dp_slot.h"
#include "worker.h"

/** Execute on this worker's shard; journals (or, inside a transaction part,
 * captures into w->tx_fx) the write. @return the record's LSN, 0 if none. */
uint64_t dp_run(struct worker *w, const struct cmd_def *d, struct resp_arg *argv, uint32_t argc,
		struct cmd_client *client, struct rw_buf *out);
/** A slot for a reply that comes in parts, hold taken. NULL: no memory (an
 * error reply is in its place). */
struct dp_slot *dp_slot_multi(struct worker *w, struct dp_client *cl, enum dp_agg agg);
/** Move finished head slots of @p cl into its send buffer, in order. */
void dp_drain_slots(struct worker *w, struct dp_client *cl);
/** Where the next reply of @p cl goes (its send buffer or a new slot). */
struct rw_buf *dp_reply_target(struct worker *w, struct dp_client *cl);
/**
 * processCommand()'s rejectCommand(): reply @p err (a whole "-...\r\n"
 * line) to @p cl instead of running @p d (NULL: an unknown command), count
 * a rejected call of the command or subcommand argv names and the error
 * (INFO commandstats, errorstats), and make a MULTI's EXEC abort.
 */
void dp_reject(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
	       const struct resp_arg *argv, uint32_t argc, const void *err, size_t len);
/**
 * Does @p d (called as @p argv) read or change what every worker shares, so
 * that it must wait for the connection's earlier commands still running on
 * other workers (dp_client.c, "Pipelines in order")?
 */
bool dp_cmd_orders_pipeline(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc);
/**
 * Unix ms now, not the loop iteration's w->now_unix_ms: WATCH and EXEC's
 * check decide whether a key has expired at the command, as Redis's call()
 * refreshes its clock per command (a worker preempted in the middle of an
 * iteration ran a WATCH with the clock of a SET PX 1 of the same burst,
 * 50 ms older, and the key counted as live, then as changed at EXEC).
 */
static inline uint64_t dp_unix_ms_now(const struct worker *w)
{
	return (uint64_t)((int64_t)rw_clock_now_us(&w->clock) + w->clock.unix_offset_us) / 1000u;
}
/** Resume parsing @p cl's commands if it was paused (next loop iteration). */
void dp_client_wake(struct worker *w, struct dp_client *cl);
/** Hold one part of @p slot until @p lsn is durable (appendonly). */
void dp_hold_slot(struct worker *w, struct dp_client *cl, struct dp_slot *slot, uint64_t seq,
		  uint64_t lsn);
/** Grow w->argv and the arrays sized like it. */
bool dp_grow_argv(struct worker *w, uint32_t need);
/** Run a forwarded request here and send its reply back. */
void dp_request_exec(struct worker *w, struct shard_msg *m);
/** Append one journal record (u32 db + @p len bytes of RESP). @return its LSN, 0 if refused. */
uint64_t dp_journal_raw(struct worker *w, uint32_t db, const void *p, size_t len);
/** Queue @p m (a reply to send back once @p lsn is durable). @return false: no memory. */
bool dp_ack_msg(struct worker *w, uint64_t lsn, struct shard_msg *m);

#endif
