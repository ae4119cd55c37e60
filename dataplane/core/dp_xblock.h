/*
 * Blocking commands over keys of several workers (BLPOP a b 0 with a and b
 * on two shards; BLMOVE/BRPOPLPUSH with source and destination apart;
 * BLMPOP, BZMPOP, BZPOPMIN, BZPOPMAX), decided on the client's own worker.
 *
 * Each attempt is a gather transaction (dp_tx_gather.inc, TRANSACTIONS.md):
 * every key locked on its owner, read, the real handler run on the copies,
 * what it wrote sent back. An attempt that finds something serves the
 * client (the first key in argument order with something, as Redis); one
 * that finds nothing leaves the client blocked:
 *
 *   arm      before the attempt's RELEASE, a *proxy* goes to each worker
 *            owning one of the keys the client waits on (the same ring, so
 *            it is parked there before any later write to those keys can
 *            run: no wake-up is lost); the proxy waits in that worker's
 *            FIFO of blocked clients, in the client's global blocking order
 *   wake     a write there gives one of its keys something: the proxy pops
 *            nothing, it goes home ":1" and that worker stalls (serves no
 *            later waiter), so a client blocked later cannot take the
 *            element first (fairness across workers)
 *   retry    the client's worker runs another attempt; served: the other
 *            proxies are cancelled; still nothing: the woken proxies go
 *            back (armed again, in their place); either way each stalled
 *            worker is told (unstall) and serves its next waiters
 *
 * Exactly once: only an attempt pops, under the locks of every key, and at
 * most one attempt per client runs at a time; a client that went away, was
 * unblocked (CLIENT UNBLOCK) or timed out never runs another. Every ":1"
 * that comes home, whatever became of its client, is answered by exactly
 * one unstall, so no worker stays stalled.
 *
 * No command of another client comes in between: the wake-up reserves the
 * proxy's keys on their worker until the attempt's lock takes them over
 * (dp_block.h), so an LPOP right after the push finds nothing, as in Redis.
 * Known gap: a transaction that already holds another shard makes the
 * reservation yield, moving behind it (deadlock freedom); its command may
 * then take the element and the client stays blocked.
 *
 * Context: the worker lcore owning the client's connection.
 */
#ifndef RW_DP_XBLOCK_H
#define RW_DP_XBLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"
#include "resp.h"
#include "rw_buf.h"

struct worker;
struct dp_client;
struct shard_msg;
struct dp_xblock;

/* What an attempt's run found (dp_xblock_ran). */
enum dp_xb_outcome {
	DP_XB_NONE = 0, /* not run yet */
	DP_XB_SERVED,	/* it replied: served, or an error */
	DP_XB_BLOCKED,	/* nothing to pop */
	DP_XB_SKIPPED,	/* not run: the client went away or was unblocked */
};

/** Route: blocking command @p d over keys of several workers; the client blocks. */
void dp_xblock_start(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		     const struct resp_arg *argv, uint32_t argc);
/** The connection of a blocked client goes away. */
void dp_xblock_gone(struct worker *w, struct dp_client *cl);
/** A proxy came home: woken (":1") or dropped (empty). Takes @p m. */
void dp_xblock_proxy_home(struct worker *w, struct shard_msg *m);
/** CLIENT UNBLOCK of client @p id, if it is blocked here. @return true if it was. */
bool dp_xblock_unblock(struct worker *w, uint64_t id, bool error);
/** Loop step: deadlines. @return work done. */
unsigned dp_xblock_poll(struct worker *w);
void dp_xblock_fini(struct worker *w);

/* From the gather of an attempt (dp_tx_gather.inc, dp_tx.c). */
/** May the attempt run the command (its client still waits)? */
bool dp_xblock_may_run(const struct dp_xblock *xb);
/** The client's global blocking order (0 before it first blocks): its
 * attempts' LOCKs name their reservations by it (dp_block.h). */
uint64_t dp_xblock_order(const struct dp_xblock *xb);
/** Is it a retry (errors of a key's type are passed over, as on one worker)? */
bool dp_xblock_retry(const struct dp_xblock *xb);
/** The run's outcome; @p deadline_ms: the handler's, when it first blocks. */
void dp_xblock_ran(struct worker *w, struct dp_xblock *xb, enum dp_xb_outcome o,
		   uint64_t deadline_ms);
/** The reply slot of the blocked command. */
uint64_t dp_xblock_slot(const struct dp_xblock *xb);
/** Before the attempt's RELEASE: arm the proxies if the client stays blocked. */
void dp_xblock_before_release(struct worker *w, struct dp_xblock *xb);
/** The attempt is over (@p reply: its reply, @p lsn its journal record,
 * @p us: how long it ran; a served command is recorded then, as Redis's
 * call() records one). */
void dp_xblock_finish(struct worker *w, struct dp_xblock *xb, const struct rw_buf *reply,
		      uint64_t lsn, int64_t us);
/** The attempt could not start (no memory): the client gets an error. */
void dp_xblock_failed(struct worker *w, struct dp_xblock *xb);

/** dp_tx_gather.inc: start an attempt for @p xb. @return false: no memory. */
bool dp_tx_block_try(struct worker *w, struct dp_client *cl, struct dp_xblock *xb,
		     const struct cmd_def *d, struct resp_arg *argv, uint32_t argc,
		     const struct cmd_client *cc);

#endif
