/*
 * Loading the dataset at start, on the dataplane side (issue #7, "Recovery
 * on start"). The control plane reads the AOF and streams its commands over
 * the control channel, each to the worker that owns its key
 * (platform/chan/FORMAT.md, "Loading"); the worker runs them on its shard
 * through the command table, like Redis's AOF fake client:
 *
 *   - not journaled (they are in the AOF already) and not counted as client
 *     commands;
 *   - nothing expires or is evicted while loading (Redis's keyIsExpired()
 *     is false while loading), so the replay is the file, exactly;
 *   - while any worker still loads, clients get -LOADING for every command
 *     without Redis's `loading` flag (PING, INFO, CONFIG GET... still run).
 *
 * Per worker: WAIT (appendonly yes, nothing received yet) -> RUNNING
 * (LOAD_BEGIN accepted) -> SERVING (LOAD_END). With appendonly no a worker
 * starts SERVING. A LOAD_BEGIN from a new control plane while RUNNING (the
 * previous one died mid-load) empties the shard and starts again; a
 * LOAD_BEGIN while SERVING is answered "serving": a live dataset is never
 * loaded into twice.
 *
 * Context: the owning worker lcore.
 */
#ifndef RW_DP_LOAD_H
#define RW_DP_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "chan.h"
#include "cmd.h"

struct worker;

enum dp_load_phase {
	DP_LOAD_WAIT = 0,
	DP_LOAD_RUNNING = 1,
	DP_LOAD_SERVING = 2,
	DP_LOAD_QUIESCE = 3, /* a live restore's BEGIN taken: waiting for a quiet point */
};

#define DP_QUIET_MAX_WORKERS 64 /* SHARD_MAX_WORKERS */

/*
 * What a worker still has in the mesh, published by the worker at every
 * tick (worker.c; one cache line each, single writer) for a live restore's
 * quiet point (dp_load.c): the worker's tick count, written last (release),
 * the requests and transaction parts it sent another worker whose answer
 * has not come back (blocking ones aside: they may wait for ever), and its
 * own pending work (transactions it coordinates, intent-queue entries,
 * messages to itself, requests deferred for journal room, clients blocked
 * on several workers).
 */
struct dp_quiet {
	_Atomic uint64_t away;
	_Atomic uint64_t busy;
	_Atomic uint64_t tick;
} __attribute__((aligned(64)));

struct dp_load {
	uint8_t phase;	  /* enum dp_load_phase */
	bool replayed;	  /* something ran since boot: a new session empties the shard */
	uint32_t session; /* the control plane's load id (message id) */
	/* DP_LOAD_QUIESCE: every worker's tick when the BEGIN came, how long
	 * to wait at most, quiet evaluations passed so far */
	uint64_t quiet_tick[DP_QUIET_MAX_WORKERS];
	uint64_t quiet_start_us, quiet_deadline_us;
	uint32_t quiet_seen;
	uint64_t quiet_total, quiet_start_ms; /* the BEGIN's total_bytes, start_unix_ms */
	uint64_t executed, errors;
	struct cmd_client client; /* the AOF "fake client": db per record */
	struct rw_buf out;	  /* replies, discarded */
	struct rw_buf partial;	  /* a record split across LOAD_CMDS messages */
	struct resp_arg *argv;
	uint32_t argv_cap;
};

/**
 * Does the control plane have a dataset for us: appendonly yes (the AOF),
 * or dir/dbfilename exists (the RDB)? Then workers start WAITing.
 * Context: boot.
 */
bool dp_load_expected(const struct rw_config *cfg);
/** Phase from dp_load_expected(). Context: boot (worker_init). @return 0 or -ENOMEM. */
int dp_load_init(struct worker *w);
void dp_load_fini(struct worker *w);

/** Handle a LOAD_* message from the control plane. @return false if @p m is another type. */
bool dp_load_msg(struct worker *w, const struct chan_msg *m);

/** Is any worker still loading? Context: any worker; one relaxed load. */
bool dp_loading(const struct worker *w);

/**
 * processCommand()'s loading rule: refuse @p d (the subcommand's flags
 * count for container commands) while loading unless it has CMD_LOADING.
 * The dispatcher then replies CMD_ERR_LOADING. Context: any worker.
 */
bool dp_load_refuses(const struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
		     uint32_t argc);

/** store_hook_fn in front of dp_journal_store_event: silent while this worker loads. */
void dp_load_store_event(void *arg, uint32_t db, const void *key, size_t klen, const char *event);

/**
 * Once per tick: publish this worker's quiet figures (struct dp_quiet) and,
 * in DP_LOAD_QUIESCE, empty the shard and accept the live restore once the
 * mesh is quiet (or the wait timed out). Context: worker @p w.
 */
void dp_load_tick(struct worker *w);

#endif
