/*
 * Transactions: MULTI/EXEC/DISCARD/WATCH/UNWATCH, and atomic commands over
 * keys of several workers (the design is in TRANSACTIONS.md next to this).
 *
 * Context: the worker lcore that owns the connection (the coordinator) or
 * the keys (a participant); never blocks.
 */
#ifndef RW_DP_TX_H
#define RW_DP_TX_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"
#include "rw_buf.h"

struct worker;
struct dp_client;
struct shard_msg;
struct shard_txq_entry;

/* A key the connection WATCHes, remembered on its own worker for the
 * intents of the EXEC that checks it. */
struct dp_watched {
	uint32_t db, owner, klen;
	uint8_t *key;
};

/* MULTI state of a connection (allocated at its first MULTI or WATCH). */
struct dp_multi {
	bool active;	 /* between MULTI and EXEC/DISCARD */
	bool dirty_exec; /* a command was refused while queuing: EXEC aborts */
	uint32_t count;	 /* commands queued */
	struct rw_buf q; /* queued: [def ptr][u32 argc]([u32 len][bytes])* */
	struct dp_watched *watched;
	uint32_t n_watched, watched_cap;
	uint64_t watch_shards; /* bit per worker holding entries of this client */
	bool executing;	       /* EXEC is running (or planning) its commands here */
	bool ordered; /* a queued command waits for the replies ahead (dp_cmd_orders_pipeline) */
};

/** Commands queued by @p cl, or UINT32_MAX outside MULTI (CLIENT LIST multi=). */
uint32_t dp_tx_multi_count(const struct dp_client *cl);
/** Does @p cl's EXEC wait for the replies ahead of it (a queued CONFIG SET...)? */
bool dp_tx_exec_ordered(const struct dp_client *cl);
/** Is @p cl running its EXEC's commands now (CLIENT LIST cmd=exec)? */
bool dp_tx_in_exec(const struct dp_client *cl);
/** A command was refused by the dispatcher (unknown, arity, NOAUTH...): inside
 * MULTI that makes EXEC abort (Redis's flagTransaction). */
void dp_tx_flag(struct dp_client *cl);
/**
 * MULTI, EXEC, DISCARD, WATCH, UNWATCH, and queuing inside MULTI. Called after
 * the dispatcher's checks. @return true if the command was handled here.
 */
bool dp_tx_intercept(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		     struct resp_arg *argv, uint32_t argc);
/** EXEC refused by the dispatcher (arity): Redis's execCommandAbort(). */
void dp_tx_exec_rejected(struct worker *w, struct dp_client *cl, const char *why);
/** Has the journal room for what EXEC may write? (else EXEC waits in the query buffer) */
bool dp_tx_exec_has_room(struct worker *w, const struct dp_client *cl);
/** RESET and connection close: leave MULTI, drop every watched key. */
void dp_tx_reset(struct worker *w, struct dp_client *cl);
void dp_tx_client_free(struct dp_client *cl);

/**
 * A command whose keys live on several workers (or a whole-keyspace one with
 * more than one worker): run it as a transaction over them, atomically.
 * @return false if this command cannot be split (the caller replies CROSSSLOT).
 */
bool dp_tx_start_one(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		     struct resp_arg *argv, uint32_t argc);

/** Must a blocked client on these keys wait before it is served: does a
 * transaction that may have read one of them hold it (shard_txq_held)? */
bool dp_tx_held(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
		uint32_t argc, uint32_t db);
/** Must a command for this shard's keys wait behind a transaction's intents? */
bool dp_tx_must_wait(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
		     uint32_t argc, uint32_t db);
/** A forwarded request arrived: @return true if it was queued to wait. */
bool dp_tx_request_wait(struct worker *w, struct shard_msg *m);

/** SHARD_TX and SHARD_TX_DONE messages. */
void dp_tx_msg_in(struct worker *w, struct shard_msg *m);
/** Send @p m to its destination: another worker's ring, or this worker's own queue. */
void dp_msg_send(struct worker *w, struct shard_msg *m);
/** Messages this worker sent itself, and transactions waiting for durability. @return work. */
unsigned dp_tx_poll(struct worker *w);

/** Setup/teardown of the worker's queue, watch table and hooks. @return 0 or -ENOMEM. */
int dp_tx_setup(struct worker *w);
void dp_tx_teardown(struct worker *w);

#endif
