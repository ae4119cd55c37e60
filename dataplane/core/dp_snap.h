/*
 * Snapshots on the dataplane side: how SAVE and BGSAVE take one cut for
 * every worker, and what happens when the control plane has written the
 * file. The per-worker walk is dataplane/snapshot/snap.h; the design is
 * dataplane/snapshot/SNAPSHOT.md.
 *
 * The cut is a transaction over every shard holding the "all" intent
 * (dataplane/core/TRANSACTIONS.md), as FLUSHALL: it is granted on a shard
 * only when no transaction holds any key there, and it holds every shard
 * at once while each worker takes its part of the cut. A cross-worker
 * MULTI/EXEC is therefore wholly before the cut on every shard or wholly
 * after it (two-phase locking), never half in.
 *
 * Context: the worker lcores (dp_snap_route on the client's worker,
 * dp_snap_msg on worker 0).
 */
#ifndef RW_DP_SNAP_H
#define RW_DP_SNAP_H

#include <stdbool.h>

#include "chan.h"
#include "cmd.h"

struct worker;
struct dp_client;

enum dp_snap_route_result {
	DP_SNAP_DONE, /* replied (or the cut is under way and the reply is out) */
	DP_SNAP_WAIT, /* SAVE: not durable yet, retry the command next iteration */
	DP_SNAP_PASS, /* not a saving command after all (SHUTDOWN NOSAVE): route it on */
};

/**
 * SAVE, BGSAVE, BGREWRITEAOF (CMD_SNAPSHOT) from @p cl: start a snapshot
 * (the cut across workers; for BGREWRITEAOF after the control plane's
 * AOFRW_CUT), schedule it, or reply Redis's error; SAVE waits
 * (DP_SNAP_WAIT, the command stays in the query buffer) until the file is
 * durable.
 */
enum dp_snap_route_result dp_snap_route(struct worker *w, struct dp_client *cl,
					const struct cmd_def *d, struct resp_arg *argv,
					uint32_t argc);
/** Handle SNAP_DONE, AOFRW_CUT and SNAP_REQ (the management API's BGSAVE SCHEDULE) from the
 *  control plane. @return false if @p m is another type. */
bool dp_snap_msg(struct worker *w, const struct chan_msg *m);
/** This worker's slice of a running snapshot (snap_part_poll). @return work done. */
unsigned dp_snap_poll(struct worker *w);
/** Once per tick, on worker 0: save points ("save 900 1"), scheduled BGSAVE and
 *  BGREWRITEAOF, the automatic rewrite, a lost DONE. */
void dp_snap_tick(struct worker *w);

/** CONFIG SET appendonly yes|no (as Redis 7.0's updateAppendonly()): the
 * AOF's state changes, a first rewrite starts or is scheduled, the control
 * plane hears the state. Context: the worker running the CONFIG SET. */
void dp_snap_appendonly_set(const struct cmd_ctx *ctx, bool yes);
#endif
