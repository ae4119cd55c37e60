/*
 * Between the MULTI commands (dp_multi.c) and the transaction machinery
 * (dp_tx.c). Not for use outside dataplane/core.
 *
 * Context: the coordinating worker lcore.
 */
#ifndef RW_DP_TX_INT_H
#define RW_DP_TX_INT_H

#include "dp_int.h"
#include "dp_tx.h"

enum dp_tx_kind {
	DP_TX_EXEC,   /* the reply is an array of every command's reply (nil if a WATCH failed) */
	DP_TX_ONE,    /* one multi-shard command: its reply */
	DP_TX_MSETNX, /* :1 if no key existed (then all were set), else :0 */
	DP_TX_MOVE,   /* RENAME, RENAMENX, COPY across workers: read, then write */
	DP_TX_GATHER, /* a multi-key command across workers: read, run here, write back */
};

struct dp_tx;

/** A transaction of @p n_cmds commands for @p cl, with the next global id. NULL: no memory. */
struct dp_tx *dp_tx_new(struct worker *w, struct dp_client *cl, enum dp_tx_kind kind,
			uint32_t n_cmds);
void dp_tx_free(struct worker *w, struct dp_tx *tx);
/**
 * Plan command @p idx: sub-commands and intents on the shards owning its
 * keys; keyless commands run now, with @p cc (SELECT changes it).
 * @return 0 or -ENOMEM.
 */
int dp_tx_plan_cmd(struct worker *w, struct dp_tx *tx, uint32_t idx, const struct cmd_def *d,
		   struct resp_arg *argv, uint32_t argc, struct cmd_client *cc);
/** The watched keys of @p mu as intents, and a check on each shard holding some. */
int dp_tx_plan_watch(struct dp_tx *tx, const struct dp_multi *mu, const struct cmd_client *cc);
/** Planned: take a reply slot of @p cl and start locking; the parts see @p cc. */
void dp_tx_launch(struct worker *w, struct dp_client *cl, struct dp_tx *tx,
		  const struct cmd_client *cc);
/**
 * EXEC as a gather (dp_tx_gather.inc): every key of every command copied to
 * this worker, the commands run here in order, the written keys sent back.
 * dp_tx_gather_fits(): can this command run that way? new: NULL if no
 * memory. add: the command's keys read (or, keyless, it runs now with
 * @p cc, which SELECT changes). watch: the watched keys as intents and
 * checks. launch: lock and go. @return 0 or -ENOMEM.
 */
bool dp_tx_gather_fits(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc);
/**
 * Does command @p d of an EXEC across workers need its keys of several
 * workers at once (RENAME, MSETNX, SUNIONSTORE, LMPOP...; not the commands
 * split by key, MSET, DEL...)? It runs as a gather: the whole EXEC if
 * every command fits one (dp_tx_gather_fits()), else in its turn between
 * the planned commands (a stepped EXEC, dp_tx_plan_cmd()).
 */
bool dp_tx_exec_needs_gather(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
			     uint32_t argc);
struct dp_tx *dp_tx_gather_new(struct worker *w, struct dp_client *cl);
int dp_tx_gather_add(struct worker *w, struct dp_tx *tx, const struct cmd_def *d,
		     struct resp_arg *argv, uint32_t argc, struct cmd_client *cc);
int dp_tx_gather_watch(struct dp_tx *tx, const struct dp_multi *mu, const struct cmd_client *cc);
void dp_tx_gather_launch(struct worker *w, struct dp_client *cl, struct dp_tx *tx,
			 const struct cmd_client *cc);
/**
 * Keep EXEC's commands until it ends (its pub/sub commands run then, and
 * SLOWLOG, LATENCY and MONITOR see every command in order then): @p q, the
 * connection's queue of @p count commands, is taken over (left empty), with
 * EXEC itself (@p exec, @p argv) appended. Before planning.
 * @return the kept queue (plan from it), NULL if no memory.
 */
const struct rw_buf *dp_tx_keep_cmds(struct dp_tx *tx, struct rw_buf *q, uint32_t count,
				     const struct cmd_def *exec, const struct resp_arg *argv,
				     uint32_t argc);
/**
 * SLOWLOG, LATENCY, the histograms, commandstats and MONITOR for command
 * @p d of a transaction (or MULTI, EXEC...), run by @p cc in @p db for @p us
 * microseconds, recorded by the connection's worker (Redis's call()).
 * @p err: its reply if that is an error decided here (a failed call; the
 * errors of parts run elsewhere are counted there), else NULL.
 */
void dp_tx_record(struct worker *w, const struct cmd_client *cc, uint32_t db,
		  const struct cmd_def *d, struct resp_arg *argv, uint32_t argc, int64_t us,
		  const uint8_t *err, size_t err_len);
/** Would @p d run on every worker (CLIENT KILL, CLIENT UNBLOCK)? */
bool dp_tx_every_worker(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc);
/* EXEC with pub/sub commands (dp_multi.c): its reply cut into slots around
 * them, held until @p lsn is durable. */
struct dp_exec_segs {
	uint64_t *seq;
	uint32_t n, cap;
};
/** The reply so far (@p out) into a slot of its own; @p out is emptied. */
void dp_exec_cut(struct worker *w, struct dp_client *cl, struct rw_buf *out,
		 struct dp_exec_segs *sg);
/** Release the cut slots, held for @p lsn (0: none). */
void dp_exec_uncut(struct worker *w, struct dp_client *cl, struct dp_exec_segs *sg, uint64_t lsn);
/** Run pub/sub command @p d of an EXEC for @p cl (its replies after the cut). */
void dp_exec_pubsub(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		    struct resp_arg *argv, uint32_t argc);

/** Journal @p fx ((u32 db, u32 len, RESP)*) as one MULTI ... EXEC record. @return its LSN. */
uint64_t dp_tx_journal(struct worker *w, const struct rw_buf *fx);

#endif
