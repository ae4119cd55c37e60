/*
 * Snapshots through the management API: POST /v1/snapshots asks the
 * dataplane for a snapshot (CHAN_MSG_SNAP_REQ: BGSAVE SCHEDULE on worker
 * 0), every snapshot the control plane writes becomes a task whose
 * progress is the file's bytes as they are written, and each good file is
 * kept under <dir>/snapshots/ for GET/DELETE and live restore (below).
 *
 *   POST /v1/snapshots --SNAP_REQ--> worker 0 (BGSAVE SCHEDULE)
 *     task queued, "requested"
 *   first SNAP_BEGIN (control/persist tells us)      task running, "writing"
 *   every 200 ms: bytes written / bytes expected     percent, ETA
 *   DONE: dump.rdb renamed into place                task succeeded,
 *     hard link <dir>/snapshots/<id>.rdb             bytes_done == total == size
 *
 * A snapshot the dataplane starts by itself (BGSAVE, SAVE, a save point)
 * is a task too (origin "dataplane") and its file is kept the same way.
 * The task asked for by the API is bound to the first snapshot that
 * begins after the request (not one running already): that snapshot's cut
 * is after the request, which is what was asked for.
 *
 * Retained files are hard links to the inode dump.rdb had when it was
 * renamed into place: no copy, and the next snapshot's rename over
 * dump.rdb leaves them alone. At most `retain` are kept, the oldest
 * removed first. Their ids are "<UTC time>-<snapshot id>"
 * ("20261127T071500Z-3"), so names sort by age.
 *
 * POST /v1/snapshots/{id}/restore is a task too: the file is loaded into
 * the running dataplane (every worker empties its shard and loads, clients
 * get -LOADING meanwhile, as during a boot load), then made durable:
 *
 *   begin: LOAD_BEGIN REPLACE (worker 0 first)     task running, "loading"
 *   a slice every 1 ms: keys -> LOAD_CMDS          bytes of the file sent
 *   LOAD_END, every worker serves                  "rewriting" (appendonly yes:
 *                                                   BGREWRITEAOF SCHEDULE) or
 *                                                   "saving" (a snapshot task)
 *   the rewrite installed / the snapshot written   succeeded, bytes = file size
 *
 * A load that fails half way fails the task, and the durable dataset (AOF
 * or dump.rdb) is loaded back; one that fails to be made durable fails the
 * task saying so (the restored dataset is served, but a restart would not
 * keep it until the next rewrite or save succeeds).
 *
 * This module knows neither the RDB writer nor the reader (control/
 * persist): main.c binds the progress and check functions and forwards
 * the writer's notifications (api_snaps_notify).
 *
 * Context: the control plane's event loop.
 */
#ifndef API_SNAP_H
#define API_SNAP_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_chan.h"
#include "cp_loop.h"

#define API_SNAPS_RETAIN_DEFAULT 8
#define API_SNAPS_TICK_MS	 200
/* a requested snapshot that has not begun this long after the slot was
 * free (no snapshot ran) is given up */
#define API_SNAPS_START_TIMEOUT_MS 30000

struct api_tasks;
struct api_events;

/* What the RDB writer reports (a copy of control/persist's cp_rdb_progress). */
struct api_snap_progress {
	uint32_t id; /* 0: no snapshot being written */
	uint64_t bytes;
	uint64_t keys;
	uint64_t used_bytes;
	uint64_t start_unix_ms;
};

typedef int api_snap_progress_fn(void *arg, struct api_snap_progress *out);
/* Check a whole RDB file (CRC64): 0 good, else -errno with @p err saying why. */
typedef int api_snap_check_fn(void *arg, const char *path, char *err, size_t len);

/*
 * A live restore, bound by main.c to the RDB reader and a load session
 * (control/persist, control/core/cp_load.h). Context: the event loop.
 */
enum api_restore_persist {
	API_RESTORE_PERSIST_AOF = 1, /* an AOF rewrite was asked for: api_snaps_rewrite_done */
	API_RESTORE_PERSIST_RDB = 2, /* appendonly no: this module asks for a snapshot */
};

struct api_restore_ops {
	/** Start loading @p path into the running dataplane; its clients get
	 *  -LOADING from now on. @p total: the file's bytes. @return 0, -EBUSY
	 *  (a snapshot, rewrite or load runs), -ENOTCONN, -errno; @p err says why. */
	int (*begin)(void *arg, const char *path, uint64_t *total, char *err, size_t len);
	/** Load a slice (a few ms). @p done: bytes of the file sent so far.
	 *  @return 1 (more), 0 (loaded: the dataplane serves the restored
	 *  dataset), -errno (failed: the durable dataset is loaded back). */
	int (*step)(void *arg, uint64_t *done, char *err, size_t len);
	/** After the load: make it durable. @return an api_restore_persist. */
	int (*persist)(void *arg);
};

struct api_snaps_conf {
	const char *dir; /* the data directory: files go to <dir>/snapshots */
	uint32_t retain; /* files kept; 0: API_SNAPS_RETAIN_DEFAULT */
	struct cp_chan *chan;
	struct api_tasks *tasks;
	struct api_events *events; /* may be NULL */
	api_snap_progress_fn *progress;
	api_snap_check_fn *check;
	const struct api_restore_ops *restore; /* NULL: no live restore (501) */
	void *arg;
};

struct api_snaps;

/** Create <dir>/snapshots (0750) and start the progress timer. @return 0, -ENOMEM, -ENOSPC, -errno.
 */
int api_snaps_create(struct api_snaps **out, struct cp_loop *l, const struct api_snaps_conf *conf);
/** NULL-safe; clears the pointer. */
void api_snaps_destroy(struct api_snaps **s);

/**
 * The RDB writer began (@p done false) or finished (@p done true, @p status
 * 0 or -errno, @p path the file in place) snapshot @p p->id.
 */
void api_snaps_notify(struct api_snaps *s, bool done, const struct api_snap_progress *p, int status,
		      const char *path);

/** An AOF rewrite ended (@p status 0 or -errno): the one a live restore
 *  waits for, if it does (any rewrite that ends after the load has the
 *  restored dataset in its base). */
void api_snaps_rewrite_done(struct api_snaps *s, int status);

/** Is a live restore loading? (main.c refuses snapshots meanwhile) */
bool api_snaps_restoring(const struct api_snaps *s);

/** Run the timer's work now (tests drive it without a loop). The same
 *  tick emits dataplane.attached/detached events (api_events.h). */
void api_snaps_tick(struct api_snaps *s);

#endif
