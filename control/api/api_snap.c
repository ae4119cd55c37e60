/* Snapshots through the management API (see api_snap.h). */
#include "api_snap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api_events.h"
#include "api_internal.h"
#include "api_task.h"
#include "rw_log.h"

#define SNAP_ID_MAX   64
#define CHECKS_CACHED 32

/* A file's CRC check, kept while the file is unchanged (a check reads it whole). */
struct snap_check {
	char name[SNAP_ID_MAX + 8];
	uint64_t size;
	int64_t mtime_ns;
	int rc;
	char err[128];
};

struct api_snaps {
	struct api_snaps_conf conf;
	char dir[PATH_MAX / 2]; /* <dir>/snapshots */
	struct cp_loop *loop;
	int timer;
	/* the task following the snapshot being written; 0: none */
	uint64_t cur_task;
	uint32_t cur_snap; /* the dataplane's snapshot id it follows */
	/* the task asked for by POST, until a snapshot begins for it; 0: none */
	uint64_t req_task;
	uint32_t req_baseline; /* the snapshot running when it was asked for */
	uint64_t req_since_ms; /* since when no snapshot ran */
	/* the last good file: bytes per key for the next one's estimate */
	uint64_t last_bytes, last_keys;
	struct snap_check checks[CHECKS_CACHED];
	uint32_t next_check;
	/* the live restore (one at a time): its task, what it waits for */
	uint64_t restore_task;
	enum { RESTORE_NONE, RESTORE_LOADING, RESTORE_REWRITE, RESTORE_SAVE } restore_phase;
	uint64_t restore_total;
	uint64_t restore_snap_task; /* RESTORE_SAVE: the snapshot task that persists it */
	int restore_timer;
};

static bool snap_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n >= SNAP_ID_MAX || id[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= 'a' && id[i] <= 'z') || id[i] == '-'))
			return false; /* no '/' nor '.': never outside the directory */
	return true;
}

static void snap_path(const struct api_snaps *s, const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.rdb", s->dir, id);
}

/* The live task of id *@p id; clears *@p id once it is done or forgotten. */
static struct api_task *live_task(struct api_snaps *s, uint64_t *id)
{
	struct api_task *t = *id ? api_tasks_find(s->conf.tasks, *id) : NULL;
	if (t == NULL || api_task_done(t)) {
		*id = 0;
		return NULL;
	}
	return t;
}

/* ---- retention ---- */

static int name_cmp_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/*
 * The retained files' ids, newest first (ids sort by time). @return how
 * many (at most @p max), the strings malloc'd into @p ids.
 */
static size_t snap_ids(const struct api_snaps *s, char **ids, size_t max)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;
	size_t n = 0;
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".rdb") != 0)
			continue;
		char *id = strndup(e->d_name, len - 4);
		if (id != NULL && snap_id_valid(id))
			ids[n++] = id;
		else
			free(id);
	}
	closedir(d);
	qsort(ids, n, sizeof(ids[0]), name_cmp_desc);
	return n;
}

static void ids_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
}

#define SNAP_LIST_MAX 256

static void retention_apply(struct api_snaps *s)
{
	char *ids[SNAP_LIST_MAX], path[PATH_MAX];
	size_t n = snap_ids(s, ids, SNAP_LIST_MAX);
	for (size_t i = s->conf.retain; i < n; i++) {
		snap_path(s, ids[i], path, sizeof(path));
		if (unlink(path) == 0)
			rw_log_kv(RW_LOG_INFO, "cp.api", "snapshot removed by retention",
				  "id=%s retain=%u", ids[i], s->conf.retain);
	}
	ids_free(ids, n);
}

/* Keep the file just renamed into place as <dir>/snapshots/<id>.rdb. */
static int retain_file(struct api_snaps *s, const char *path, uint32_t snap_id, char *id,
		       size_t idlen)
{
	char dst[PATH_MAX], when[24];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(id, idlen, "%s-%u", when, snap_id);
	snap_path(s, id, dst, sizeof(dst));
	if (link(path, dst) != 0 && errno != EEXIST)
		return -errno;
	retention_apply(s);
	return 0;
}

/* ---- the writer's notifications ---- */

static void event(struct api_snaps *s, const char *type, json_t *detail)
{
	api_events_emit(s->conf.events, type, detail);
}

/* The task that follows snapshot @p snap_id: the one asked for if it was
 * waiting for a snapshot to begin, else a new one (BGSAVE, a save point). */
static struct api_task *task_for(struct api_snaps *s, uint32_t snap_id, uint64_t now)
{
	struct api_task *t = live_task(s, &s->cur_task);
	if (t != NULL && s->cur_snap == snap_id)
		return t;
	if (t != NULL) /* its snapshot vanished without a DONE */
		api_task_fail(t, API_TASK_FAILED, "the snapshot was abandoned", now);
	struct api_task *req = live_task(s, &s->req_task);
	if (req != NULL && snap_id != s->req_baseline) {
		t = req; /* the first snapshot to begin after the request */
		s->req_task = 0;
	} else {
		t = api_tasks_add(s->conf.tasks, "snapshot", "dataplane", now);
	}
	s->cur_task = t->id;
	s->cur_snap = snap_id;
	return t;
}

static void notify_begin(struct api_snaps *s, const struct api_snap_progress *p, uint64_t now)
{
	struct api_task *t = task_for(s, p->id, now);
	if (t == NULL)
		return;
	api_task_start(t, "writing", now);
	event(s, "snapshot.started",
	      json_pack("{s:I, s:i, s:s}", "task", (json_int_t)t->id, "snapshot", (int)p->id,
			"origin", t->origin));
}

static void notify_done(struct api_snaps *s, const struct api_snap_progress *p, int status,
			const char *path, uint64_t now)
{
	char id[SNAP_ID_MAX] = "", why[192];
	struct stat st;
	struct api_task *t = task_for(s, p->id, now);
	if (t == NULL)
		return;
	api_task_start(t, "writing", now);
	if (status == 0)
		status = retain_file(s, path, p->id, id, sizeof(id));
	if (status == 0 && stat(path, &st) == 0 && (uint64_t)st.st_size != p->bytes)
		status =
		    -EIO; /* replaced under us already: the size we report must be the file's */
	if (status != 0) {
		snprintf(why, sizeof(why), "the snapshot failed: %s", strerror(-status));
		api_task_fail(t, API_TASK_FAILED, why, now);
		event(s, "snapshot.failed",
		      json_pack("{s:I, s:i, s:s}", "task", (json_int_t)t->id, "snapshot",
				(int)p->id, "error", why));
		return;
	}
	snprintf(t->resource, sizeof(t->resource), "%s", id);
	api_task_succeed(t, p->bytes, now);
	s->last_bytes = p->bytes;
	s->last_keys = p->keys;
	event(s, "snapshot.finished",
	      json_pack("{s:I, s:s, s:I}", "task", (json_int_t)t->id, "id", id, "bytes",
			(json_int_t)p->bytes));
}

void api_snaps_notify(struct api_snaps *s, bool done, const struct api_snap_progress *p, int status,
		      const char *path)
{
	if (s == NULL || p == NULL || p->id == 0)
		return;
	uint64_t now = api_unix_ms();
	if (done)
		notify_done(s, p, status, path, now);
	else
		notify_begin(s, p, now);
}

/* ---- progress ---- */

/* Bytes the file will have: the last file's bytes per key times the keys
 * at this cut, or (no file yet) the dataset's memory. */
static uint64_t bytes_expected(const struct api_snaps *s, const struct api_snap_progress *p)
{
	if (s->last_keys != 0 && p->keys != 0)
		return (uint64_t)((double)s->last_bytes / (double)s->last_keys * (double)p->keys);
	return p->used_bytes;
}

/* Asked for, not begun: a running snapshot goes first; none for 30 s is a failure. */
static void request_tick(struct api_snaps *s, const struct api_snap_progress *p, uint64_t now)
{
	struct api_task *t = live_task(s, &s->req_task);
	if (t == NULL)
		return;
	if (p->id != 0) {
		s->req_since_ms = now;
		snprintf(t->phase, sizeof(t->phase), "waiting");
	} else if (now - s->req_since_ms > API_SNAPS_START_TIMEOUT_MS) {
		api_task_fail(t, API_TASK_FAILED,
			      "the dataplane did not start the snapshot within 30 s", now);
		event(s, "snapshot.failed",
		      json_pack("{s:I, s:s}", "task", (json_int_t)t->id, "error", "not started"));
	}
}

static void restore_slice(struct cp_loop *l, void *arg);
static void restore_tick(struct api_snaps *s, uint64_t now);

void api_snaps_tick(struct api_snaps *s)
{
	struct api_snap_progress p;
	struct cp_chan_status st;
	uint64_t now = api_unix_ms();
	if (s->conf.chan != NULL && s->conf.events != NULL) {
		/* the API's 200 ms tick also watches the dataplane come and go */
		cp_chan_status(s->conf.chan, &st);
		api_events_watch_dataplane(s->conf.events, &st);
	}
	if (s->conf.progress == NULL || s->conf.progress(s->conf.arg, &p) != 0)
		memset(&p, 0, sizeof(p));
	request_tick(s, &p, now);
	if (s->restore_phase == RESTORE_LOADING && s->restore_timer == 0)
		restore_slice(s->loop, s);
	restore_tick(s, now);
	struct api_task *t = live_task(s, &s->cur_task);
	if (t == NULL)
		return;
	if (p.id != s->cur_snap) {
		/* the writer dropped it without a DONE: the dataplane restarted */
		api_task_fail(t, API_TASK_FAILED,
			      "the snapshot was abandoned (the dataplane restarted or detached)",
			      now);
		event(s, "snapshot.failed",
		      json_pack("{s:I, s:s}", "task", (json_int_t)t->id, "error", "abandoned"));
		return;
	}
	api_task_progress(t, "writing", p.bytes, bytes_expected(s, &p));
}

static void snaps_timer(struct cp_loop *l, void *arg)
{
	(void)l;
	api_snaps_tick(arg);
}

int api_snaps_create(struct api_snaps **out, struct cp_loop *l, const struct api_snaps_conf *conf)
{
	struct api_snaps *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (s == NULL)
		return -ENOMEM;
	s->conf = *conf;
	if (s->conf.retain == 0)
		s->conf.retain = API_SNAPS_RETAIN_DEFAULT;
	snprintf(s->dir, sizeof(s->dir), "%s/snapshots", conf->dir);
	s->conf.dir = NULL; /* not kept: the caller's string */
	if (mkdir(s->dir, 0750) != 0 && errno != EEXIST) {
		int rc = -errno;
		free(s);
		return rc;
	}
	s->loop = l;
	s->timer = l ? cp_timer_add(l, API_SNAPS_TICK_MS, snaps_timer, s) : 0;
	if (s->timer < 0) {
		free(s);
		return -ENOSPC;
	}
	*out = s;
	return 0;
}

void api_snaps_destroy(struct api_snaps **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	if ((*sp)->loop != NULL && (*sp)->timer > 0)
		cp_timer_del((*sp)->loop, (*sp)->timer);
	if ((*sp)->loop != NULL && (*sp)->restore_timer > 0)
		cp_timer_del((*sp)->loop, (*sp)->restore_timer);
	free(*sp);
	*sp = NULL;
}

/* ---- routes ---- */

/* The CRC check of @p id's file, cached while the file is unchanged. */
static const struct snap_check *check_of(struct api_snaps *s, const char *id, const struct stat *st)
{
	char path[PATH_MAX];
	int64_t mt = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	for (size_t i = 0; i < CHECKS_CACHED; i++) {
		struct snap_check *c = &s->checks[i];
		if (strcmp(c->name, id) == 0 && c->size == (uint64_t)st->st_size &&
		    c->mtime_ns == mt)
			return c;
	}
	struct snap_check *c = &s->checks[s->next_check++ % CHECKS_CACHED];
	snprintf(c->name, sizeof(c->name), "%s", id);
	c->size = (uint64_t)st->st_size;
	c->mtime_ns = mt;
	c->err[0] = '\0';
	snap_path(s, id, path, sizeof(path));
	c->rc = s->conf.check ? s->conf.check(s->conf.arg, path, c->err, sizeof(c->err)) : 0;
	if (c->rc != 0 && c->err[0] == '\0')
		snprintf(c->err, sizeof(c->err), "%s", strerror(-c->rc));
	return c;
}

/* One retained file; NULL if there is none by that id. */
static json_t *snap_json(struct api_snaps *s, const char *id)
{
	char path[PATH_MAX];
	struct stat st;
	snap_path(s, id, path, sizeof(path));
	if (!snap_id_valid(id) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	const struct snap_check *c = check_of(s, id, &st);
	return json_pack("{s:s, s:s, s:I, s:o, s:b, s:s?}", "id", id, "file", path, "size_bytes",
			 (json_int_t)st.st_size, "created",
			 api_time_json((uint64_t)st.st_mtim.tv_sec * 1000 +
				       (uint64_t)st.st_mtim.tv_nsec / 1000000),
			 "checksum_ok", c->rc == 0, "error", c->rc == 0 ? NULL : c->err);
}

static json_t *no_snaps(int *status)
{
	*status = 503;
	return json_pack("{s:s}", "error", "snapshots are not served by this process");
}

json_t *api_snaps_route_list(const struct api_ctx *ctx, const char *arg, int *status)
{
	struct api_snaps *s = ctx->snaps;
	char *ids[SNAP_LIST_MAX];
	(void)arg;
	if (s == NULL)
		return no_snaps(status);
	size_t n = snap_ids(s, ids, SNAP_LIST_MAX);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = snap_json(s, ids[i]);
		if (o != NULL)
			json_array_append_new(a, o);
	}
	ids_free(ids, n);
	*status = 200;
	return json_pack("{s:o, s:s, s:i}", "snapshots", a, "dir", s->dir, "retain",
			 (int)s->conf.retain);
}

json_t *api_snaps_route_one(const struct api_ctx *ctx, const char *arg, int *status)
{
	if (ctx->snaps == NULL)
		return no_snaps(status);
	json_t *o = snap_json(ctx->snaps, arg);
	*status = o ? 200 : 404;
	return o ? o : json_pack("{s:s, s:s}", "error", "no such snapshot", "id", arg);
}

/* Ask worker 0 for a snapshot (SNAP_REQ): a queued task, bound to the
 * first snapshot that begins after. @return 0, -ENOSPC (the ring is full). */
static int snap_request(struct api_snaps *s, uint64_t now, struct api_task **out)
{
	struct api_snap_progress p = {0};
	if (s->conf.progress != NULL)
		s->conf.progress(s->conf.arg, &p);
	static const uint32_t none; /* no flags: BGSAVE SCHEDULE */
	if (cp_chan_send(s->conf.chan, 0, CHAN_MSG_SNAP_REQ, 1, &none, sizeof(none)) != 0)
		return -ENOSPC;
	struct api_task *t = api_tasks_add(s->conf.tasks, "snapshot", "api", now);
	snprintf(t->phase, sizeof(t->phase), "requested");
	s->req_task = t->id;
	s->req_baseline = p.id;
	s->req_since_ms = now;
	*out = t;
	return 0;
}

json_t *api_snaps_route_create(const struct api_ctx *ctx, const struct api_call *call,
			       const char *arg, struct api_resp *resp)
{
	struct api_snaps *s = ctx->snaps;
	struct cp_chan_status st;
	(void)call;
	(void)arg;
	if (s == NULL)
		return no_snaps(&resp->status);
	struct api_task *t = live_task(s, &s->req_task);
	if (t == NULL && (t = live_task(s, &s->cur_task)) != NULL && strcmp(t->origin, "api") != 0)
		t = NULL; /* a BGSAVE runs: ours will follow it */
	if (t == NULL && s->restore_phase == RESTORE_LOADING)
		t = api_tasks_find(s->conf.tasks, s->restore_task);
	if (t != NULL) {
		resp->status = 409;
		return json_pack("{s:s, s:o}", "error",
				 strcmp(t->kind, "restore") == 0
				     ? "a restore is loading: the snapshot would see it half done"
				     : "a snapshot asked for is not done yet",
				 "task", api_task_json(t, api_unix_ms()));
	}
	api_chan_status(ctx, &st);
	if (!st.attached)
		return api_error(resp, 503, "the dataplane is not attached: no snapshot possible");
	uint64_t now = api_unix_ms();
	if (snap_request(s, now, &t) != 0)
		return api_error(resp, 503, "the dataplane's message ring is full; try again");
	resp->status = 202;
	snprintf(resp->extra, sizeof(resp->extra), "Location: /v1/tasks/%llu\r\n",
		 (unsigned long long)t->id);
	resp->audit_detail = json_pack("{s:I}", "task", (json_int_t)t->id);
	return api_task_json(t, now);
}

json_t *api_snaps_route_delete(const struct api_ctx *ctx, const struct api_call *call,
			       const char *arg, struct api_resp *resp)
{
	char path[PATH_MAX];
	(void)call;
	if (ctx->snaps == NULL)
		return no_snaps(&resp->status);
	if (!snap_id_valid(arg))
		return api_error(resp, 404, "no such snapshot");
	snap_path(ctx->snaps, arg, path, sizeof(path));
	if (unlink(path) != 0)
		return api_error(resp, errno == ENOENT ? 404 : 500,
				 errno == ENOENT ? "no such snapshot" : strerror(errno));
	resp->status = 200;
	resp->audit_detail = json_pack("{s:s}", "id", arg);
	return json_pack("{s:s}", "deleted", arg);
}

/* ---- live restore ---- */

#define RESTORE_SLICE_MS 1 /* the loading timer's period: a slice, then the loop's other work */

bool api_snaps_restoring(const struct api_snaps *s)
{
	return s != NULL && s->restore_phase == RESTORE_LOADING;
}

static void restore_end(struct api_snaps *s, int status, const char *why, uint64_t now)
{
	struct api_task *t = api_tasks_find(s->conf.tasks, s->restore_task);
	if (s->restore_timer > 0 && s->loop != NULL)
		cp_timer_del(s->loop, s->restore_timer);
	s->restore_timer = 0;
	s->restore_phase = RESTORE_NONE;
	s->restore_snap_task = 0;
	if (t == NULL)
		return;
	if (status == 0) {
		api_task_succeed(t, s->restore_total, now);
		event(s, "snapshot.restored",
		      json_pack("{s:I, s:s, s:I}", "task", (json_int_t)t->id, "id", t->resource,
				"bytes", (json_int_t)s->restore_total));
		return;
	}
	api_task_fail(t, API_TASK_FAILED, why, now);
	event(s, "snapshot.restore_failed",
	      json_pack("{s:I, s:s, s:s}", "task", (json_int_t)t->id, "id", t->resource, "error",
			why));
}

/* Loaded: ask for what makes it durable. */
static void restore_persist(struct api_snaps *s, struct api_task *t, uint64_t now)
{
	struct api_task *snap = NULL;
	int how = s->conf.restore->persist(s->conf.arg);
	if (how < 0) {
		restore_end(
		    s, how,
		    "restored, but not durable (a restart would not keep it): the AOF rewrite "
		    "could not be asked for",
		    now);
		return;
	}
	if (how == API_RESTORE_PERSIST_AOF) {
		s->restore_phase = RESTORE_REWRITE;
		api_task_progress(t, "rewriting", s->restore_total, s->restore_total);
		return;
	}
	if (snap_request(s, now, &snap) != 0) {
		restore_end(
		    s, -ENOSPC,
		    "restored, but not durable (a restart would not keep it): the dataplane's "
		    "message ring was full",
		    now);
		return;
	}
	s->restore_phase = RESTORE_SAVE;
	s->restore_snap_task = snap->id;
	api_task_progress(t, "saving", s->restore_total, s->restore_total);
}

static void restore_slice(struct cp_loop *l, void *arg)
{
	struct api_snaps *s = arg;
	char err[160] = "";
	uint64_t done = 0, now = api_unix_ms();
	(void)l;
	if (s->restore_phase != RESTORE_LOADING)
		return;
	struct api_task *t = api_tasks_find(s->conf.tasks, s->restore_task);
	int rc = s->conf.restore->step(s->conf.arg, &done, err, sizeof(err));
	if (t != NULL && rc >= 0)
		api_task_progress(t, "loading", done, s->restore_total);
	if (rc < 0) {
		char why[192];
		snprintf(why, sizeof(why),
			 "the load failed (the durable dataset is loaded back): %s",
			 err[0] ? err : strerror(-rc));
		restore_end(s, rc, why, now);
		return;
	}
	if (rc > 0)
		return;
	if (s->restore_timer > 0)
		cp_timer_del(s->loop, s->restore_timer);
	s->restore_timer = 0;
	if (t == NULL) {
		s->restore_phase = RESTORE_NONE;
		return;
	}
	restore_persist(s, t, now);
}

void api_snaps_rewrite_done(struct api_snaps *s, int status)
{
	char why[256];
	if (s == NULL || s->restore_phase != RESTORE_REWRITE)
		return;
	snprintf(why, sizeof(why),
		 "restored, but not durable (a restart would not keep it): the AOF rewrite "
		 "failed: %.64s",
		 strerror(-status));
	restore_end(s, status, why, api_unix_ms());
}

/* RESTORE_SAVE: the snapshot task's end is the restore's. */
static void restore_tick(struct api_snaps *s, uint64_t now)
{
	char why[256];
	if (s->restore_phase != RESTORE_SAVE)
		return;
	struct api_task *snap = api_tasks_find(s->conf.tasks, s->restore_snap_task);
	if (snap != NULL && !api_task_done(snap))
		return;
	if (snap != NULL && snap->state == API_TASK_SUCCEEDED) {
		restore_end(s, 0, NULL, now);
		return;
	}
	snprintf(why, sizeof(why),
		 "restored, but not durable (a restart would not keep it): the save failed: %.96s",
		 snap != NULL ? snap->error : "forgotten");
	restore_end(s, -EIO, why, now);
}

/*
 * POST /v1/snapshots/{id}/restore: start the load (the begin blocks the
 * loop for the workers' first answers only), then the slices run on a
 * timer and the task follows them; 202 with the task.
 */
json_t *api_snaps_route_restore(const struct api_ctx *ctx, const struct api_call *call,
				const char *arg, struct api_resp *resp)
{
	struct api_snaps *s = ctx->snaps;
	char path[PATH_MAX], err[160] = "";
	(void)call;
	if (s == NULL)
		return no_snaps(&resp->status);
	json_t *o = snap_json(s, arg);
	if (o == NULL)
		return api_error(resp, 404, "no such snapshot");
	bool good = json_is_true(json_object_get(o, "checksum_ok"));
	json_decref(o);
	if (!good)
		return api_error(resp, 409, "the snapshot's file is damaged (checksum_ok false)");
	if (s->conf.restore == NULL)
		return api_error(resp, 503, "live restore is not served by this process");
	struct api_task *t = NULL;
	if (s->restore_phase != RESTORE_NONE)
		t = api_tasks_find(s->conf.tasks, s->restore_task);
	if (t == NULL)
		t = live_task(s, &s->req_task);
	if (t == NULL)
		t = live_task(s, &s->cur_task);
	if (t != NULL) {
		resp->status = 409;
		return json_pack("{s:s, s:o}", "error",
				 "a snapshot or restore runs; try again once its task is done",
				 "task", api_task_json(t, api_unix_ms()));
	}
	struct cp_chan_status st;
	api_chan_status(ctx, &st);
	if (!st.attached)
		return api_error(resp, 503, "the dataplane is not attached: no restore possible");
	snap_path(s, arg, path, sizeof(path));
	uint64_t total = 0;
	int rc = s->conf.restore->begin(s->conf.arg, path, &total, err, sizeof(err));
	if (rc != 0)
		return api_error(resp, rc == -EBUSY ? 409 : 503,
				 err[0] ? err : "the dataplane did not take the restore");
	uint64_t now = api_unix_ms();
	s->restore_timer = s->loop ? cp_timer_add(s->loop, RESTORE_SLICE_MS, restore_slice, s) : 0;
	if (s->restore_timer < 0)
		s->restore_timer = 0; /* the 200 ms tick drives it then */
	t = api_tasks_add(s->conf.tasks, "restore", "api", now);
	snprintf(t->resource, sizeof(t->resource), "%s", arg);
	api_task_start(t, "loading", now);
	api_task_progress(t, "loading", 0, total);
	s->restore_task = t->id;
	s->restore_total = total;
	s->restore_phase = RESTORE_LOADING;
	event(s, "snapshot.restore_started",
	      json_pack("{s:I, s:s, s:I}", "task", (json_int_t)t->id, "id", arg, "bytes",
			(json_int_t)total));
	resp->status = 202;
	snprintf(resp->extra, sizeof(resp->extra), "Location: /v1/tasks/%llu\r\n",
		 (unsigned long long)t->id);
	resp->audit_detail = json_pack("{s:I}", "task", (json_int_t)t->id);
	return api_task_json(t, now);
}
