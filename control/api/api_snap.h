/*
 * Snapshots through the management API: POST /v1/snapshots asks the
 * dataplane for a snapshot (CHAN_MSG_SNAP_REQ: BGSAVE SCHEDULE on worker
 * 0), every snapshot the control plane writes becomes a task whose
 * progress is the file's bytes as they are written, and each good file is
 * kept under <dir>/snapshots/ for GET/DELETE (and restore, not yet live).
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

struct api_snaps_conf {
	const char *dir; /* the data directory: files go to <dir>/snapshots */
	uint32_t retain; /* files kept; 0: API_SNAPS_RETAIN_DEFAULT */
	struct cp_chan *chan;
	struct api_tasks *tasks;
	struct api_events *events; /* may be NULL */
	api_snap_progress_fn *progress;
	api_snap_check_fn *check;
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

/** Run the timer's work now (tests drive it without a loop). The same
 *  tick emits dataplane.attached/detached events (api_events.h). */
void api_snaps_tick(struct api_snaps *s);

#endif
