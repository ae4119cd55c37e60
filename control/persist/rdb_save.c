/*
 * Writing a snapshot streamed by the workers (see cp_rdb.h and
 * platform/chan/FORMAT.md, "Snapshots").
 *
 * The end of a snapshot is where a slow disk hurts: fsync of the whole
 * file, close, rename over dbfilename and fsync of the directory. They run
 * on this writer's own thread (aof_sync.c's job runner), not on the event
 * loop, so the API, the channel and the AOF's acks go on meanwhile:
 *
 *   last END  -> EOF + trailer written (loop) -> job: fsync, close, rename,
 *                fsync dir (thread) -> collected on a later poll: DONE sent
 *
 * An AOF rewrite's base goes the same way, its install_run (conversion,
 * rename, manifest switch: aof_rewrite.c) in place of the rename, so the
 * loop waits on the disk for none of it.
 *
 * While the job runs the writer takes no message (-EAGAIN: the next
 * snapshot's BEGIN waits in the ring).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aof_internal.h"
#include "cp_aof.h"
#include "cp_rdb.h"
#include "rdb_file.h"
#include "rw_log.h"

#define NO_WORKER UINT32_MAX

struct cp_rdb {
	struct cp_rdb_conf conf;
	char dir[PATH_MAX / 2];
	char file[PATH_MAX / 4];
	uint32_t id; /* the snapshot being written; 0: none */
	uint64_t epoch;
	uint32_t n;
	uint32_t begun, ended;
	bool header;
	int status;
	int fd;
	uint32_t locked; /* a worker whose key continues in its next chunk */
	uint64_t db;	 /* the DB of the last key written */
	uint64_t t0_ms;
	char tmp[PATH_MAX];
	struct chan_snap_begin beg[CHAN_MAX_WORKERS];
	bool has_beg[CHAN_MAX_WORKERS], has_end[CHAN_MAX_WORKERS];
	struct rdb_out out;
	/* the end of the snapshot, running on bg's thread */
	struct aof_syncer bg;
	void *job; /* an AOF base's install job (conf.prepare) */
	bool finishing;
	uint64_t fin_gen;
	uint64_t fin_bytes;
	/* a DONE the ring had no room for */
	bool done_pending;
	uint32_t done_id;
	struct chan_snap_done done;
};

static uint64_t unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int file_sink(void *arg, const void *p, size_t n)
{
	struct cp_rdb *r = arg;
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t k = write(r->fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static bool stale_temp(const char *name, bool aof_base)
{
	size_t n = strlen(name);
	if (aof_base)
		return strncmp(name, "temp-rewriteaof-bg-", 19) == 0;
	return strncmp(name, "temp-", 5) == 0 && n >= 9 && strcmp(name + n - 4, ".rdb") == 0;
}

/* temp-<id>-<pid>.rdb (temp-rewriteaof-bg-<pid>.aof) files a control plane
 * that died mid-snapshot left. */
static void stale_temps_remove(const char *dir, bool aof_base)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!stale_temp(e->d_name, aof_base))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) == 0)
			rw_log_kv(RW_LOG_WARN, "cp.rdb", "removed a snapshot's leftover temp file",
				  "path=%s", path);
	}
	closedir(d);
}

int cp_rdb_create(struct cp_rdb **out, const struct cp_rdb_conf *conf)
{
	struct cp_rdb *r = calloc(1, sizeof(*r));
	*out = r;
	if (r == NULL)
		return -ENOMEM;
	snprintf(r->dir, sizeof(r->dir), "%s", conf->dir);
	snprintf(r->file, sizeof(r->file), "%s", conf->filename);
	r->conf = *conf;
	r->conf.dir = r->dir;
	r->conf.filename = r->file;
	r->fd = -1;
	r->locked = NO_WORKER;
	stale_temps_remove(r->dir, conf->install != NULL);
	int rc =
	    aof_syncer_start(&r->bg, -1, NULL, conf->install != NULL ? "aofrw-end" : "rdb-end");
	if (rc != 0) {
		free(r);
		*out = NULL;
	}
	return rc;
}

static void finish_collect(struct cp_rdb *r, struct chan *ch, bool wait);

/* Drop the snapshot being written (its temp file too). */
static void abandon(struct cp_rdb *r)
{
	if (r->finishing)
		finish_collect(r, NULL, true); /* the thread owns fd and tmp until it is done */
	if (r->fd >= 0) {
		close(r->fd);
		unlink(r->tmp);
	}
	r->fd = -1;
	r->id = 0;
	r->begun = r->ended = 0;
	r->header = false;
	r->status = 0;
	r->locked = NO_WORKER;
	memset(r->has_beg, 0, sizeof(r->has_beg));
	memset(r->has_end, 0, sizeof(r->has_end));
}

void cp_rdb_destroy(struct cp_rdb **rp)
{
	if (rp == NULL || *rp == NULL)
		return;
	abandon(*rp);
	aof_syncer_stop(&(*rp)->bg);
	free(*rp);
	*rp = NULL;
}

static void done_send(struct cp_rdb *r, struct chan *ch)
{
	if (ch != NULL && r->done_pending &&
	    chan_msg_send(ch, 0, CHAN_TO_DP, CHAN_MSG_SNAP_DONE, r->done_id, &r->done,
			  sizeof(r->done)) == 0)
		r->done_pending = false;
}

int cp_rdb_progress(const struct cp_rdb *r, struct cp_rdb_progress *out)
{
	memset(out, 0, sizeof(*out));
	if (r == NULL || r->id == 0)
		return -ENOENT;
	out->id = r->id;
	out->header = r->header;
	out->bytes = r->out.bytes;
	out->start_unix_ms = r->t0_ms;
	for (uint32_t w = 0; w < r->n && w < CHAN_MAX_WORKERS; w++)
		if (r->has_beg[w]) {
			out->keys += r->beg[w].keys;
			out->used_bytes += r->beg[w].used_bytes;
		}
	return 0;
}

static void notify(struct cp_rdb *r, bool done, int status, const char *path)
{
	struct cp_rdb_progress p;
	if (r->conf.notify == NULL)
		return;
	cp_rdb_progress(r, &p);
	r->conf.notify(r->conf.hook_arg, done, &p, status, path);
}

static int start(struct cp_rdb *r, struct chan *ch, uint32_t id)
{
	abandon(r);
	r->id = id;
	r->epoch = chan_info(ch)->epoch;
	r->n = chan_workers(ch);
	r->t0_ms = unix_ms();
	r->db = UINT64_MAX;
	if (r->conf.install != NULL) /* Redis's name for a rewrite's temp file */
		snprintf(r->tmp, sizeof(r->tmp), "%s/temp-rewriteaof-bg-%d.aof", r->dir,
			 (int)getpid());
	else
		snprintf(r->tmp, sizeof(r->tmp), "%s/temp-%u-%d.rdb", r->dir, id, (int)getpid());
	r->fd = open(r->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (r->fd < 0) {
		r->status = -errno;
		rw_log_kv(RW_LOG_ERR, "cp.rdb", "cannot create the snapshot file",
			  "key=dir path=%s err=\"%s\"", r->tmp, strerror(errno));
	}
	rdb_out_init(&r->out, file_sink, r);
	return 0;
}

/* Header and AUX fields, once every worker's cut is known. */
static void header_write(struct cp_rdb *r)
{
	uint64_t used = 0, lsn[CHAN_MAX_WORKERS];
	for (uint32_t w = 0; w < r->n; w++) {
		used += r->beg[w].used_bytes;
		lsn[w] = r->beg[w].lsn;
	}
	struct rdb_aux_std aux = {.redis_ver = "7.0.15",
				  .ctime = (int64_t)(r->beg[0].unix_ms / 1000),
				  .used_mem = used,
				  .aof_base = r->conf.install != NULL};
	rdb_w_header(&r->out);
	rdb_w_aux_std(&r->out, &aux);
	rdb_w_aux_int(&r->out, RDB_AUX_RW_EPOCH, 0); /* no failover epochs yet */
	rdb_w_aux_offsets(&r->out, lsn, r->n);
	r->header = true;
}

/* An AOF base's file work (the thread's, or the loop's after a failure:
 * then it only removes the file). */
static int install_run(struct cp_rdb *r, int rc)
{
	if (r->job == NULL || r->conf.install_run == NULL)
		return rc;
	return r->conf.install_run(r->job, r->tmp, rc);
}

/*
 * The thread's part of the end: fsync and close the temp file, then
 * rename it over dbfilename and fsync the directory (an AOF base: its
 * install_run instead). The loop touches neither fd, tmp nor job meanwhile.
 */
static int finish_job(void *arg)
{
	struct cp_rdb *r = arg;
	char path[PATH_MAX];
	int rc = fsync(r->fd) == 0 ? 0 : -errno;
	if (close(r->fd) != 0 && rc == 0)
		rc = -errno;
	r->fd = -1;
	if (r->conf.install != NULL)
		return install_run(r, rc);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", r->dir, r->file);
	if (rename(r->tmp, path) != 0)
		return -errno;
	int dfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0)
		rc = -errno;
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* After the job (or without it, when the snapshot failed before): install
 * an AOF base, report the outcome, forget the snapshot. */
static void finish_end(struct cp_rdb *r, struct chan *ch, int rc)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", r->dir, r->file);
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
	if (r->conf.install != NULL) {
		rc = r->conf.install(r->conf.hook_arg, r->job, r->tmp, rc);
		r->job = NULL;
		snprintf(path, sizeof(path), "%s", "the AOF base");
	}
	if (rc != 0)
		unlink(r->tmp);
	uint64_t now = unix_ms();
	r->done = (struct chan_snap_done){
	    .status = rc, .unix_ms = now, .bytes = r->fin_bytes, .duration_ms = now - r->t0_ms};
	r->done_id = r->id;
	r->done_pending = true;
	rw_log_kv(rc == 0 ? RW_LOG_INFO : RW_LOG_ERR, "cp.rdb",
		  rc == 0 ? "DB saved on disk" : "snapshot failed",
		  "id=%u path=%s bytes=%llu ms=%llu err=\"%s\"", r->id, path,
		  (unsigned long long)r->fin_bytes, (unsigned long long)(now - r->t0_ms),
		  rc == 0 ? "" : strerror(-rc));
	notify(r, true, rc, path);
	abandon(r);
	done_send(r, ch);
}

/* Has the job ended (@p wait: block until it has)? Then finish. */
static void finish_collect(struct cp_rdb *r, struct chan *ch, bool wait)
{
	int err = 0;
	if (wait)
		aof_syncer_wait_idle(&r->bg, 600000);
	if (!aof_syncer_done(&r->bg, r->fin_gen, &err))
		return;
	r->finishing = false;
	r->fd = -1; /* closed by the job */
	finish_end(r, ch, -err);
}

/* Every part is in: EOF and trailer here, the rest on the thread. */
static void finish(struct cp_rdb *r, struct chan *ch)
{
	int rc = r->status;
	if (rc == 0)
		rc = rdb_w_eof(&r->out, r->conf.checksum);
	r->fin_bytes = r->out.bytes;
	if (r->conf.prepare != NULL)
		r->job = r->conf.prepare(r->conf.hook_arg);
	if (rc != 0 || r->fd < 0) {
		rc = rc != 0 ? rc : -EBADF;
		finish_end(r, ch, r->conf.install != NULL ? install_run(r, rc) : rc);
		return;
	}
	r->finishing = true;
	r->fin_gen = aof_syncer_run(&r->bg, finish_job, r);
}

static int chunk(struct cp_rdb *r, uint32_t w, const struct chan_msg *m)
{
	struct chan_snap_chunk h;
	if (r->status != 0)
		return 0; /* failed already: the rest is not written */
	if (!r->header)
		return -EAGAIN;
	if (r->locked != NO_WORKER && r->locked != w)
		return -EAGAIN;
	if (m->len < sizeof(h))
		return 0;
	memcpy(&h, m->payload, sizeof(h));
	if (r->status == 0) {
		if (r->locked == NO_WORKER && h.db != r->db) {
			rdb_w_select_db(&r->out, h.db);
			r->db = h.db;
		}
		rdb_out_write(&r->out, (const uint8_t *)m->payload + sizeof(h), m->len - sizeof(h));
		if (r->out.err != 0)
			r->status = r->out.err;
		if (r->conf.install != NULL)
			cp_crash_point("aofrw-mid");
	}
	r->locked = (h.flags & CHAN_SNAP_MORE) ? w : NO_WORKER;
	return 0;
}

int cp_rdb_msg(struct cp_rdb *r, struct chan *ch, uint32_t w, const struct chan_msg *m)
{
	if (r->finishing)
		finish_collect(r, ch, false);
	if (m == NULL) {
		done_send(r, ch);
		return 0;
	}
	if (r->finishing)
		return -EAGAIN; /* the thread ends the last snapshot: the next one waits */
	if (w >= CHAN_MAX_WORKERS)
		return 0;
	if (r->id != 0 && r->epoch != chan_info(ch)->epoch)
		abandon(r); /* the dataplane restarted: its snapshot is gone */
	if (m->type == CHAN_MSG_SNAP_BEGIN) {
		if (m->id != r->id) {
			start(r, ch, m->id);
			notify(r, false, 0, NULL);
		}
		if (m->len >= sizeof(r->beg[w]) && !r->has_beg[w]) {
			memcpy(&r->beg[w], m->payload, sizeof(r->beg[w]));
			r->has_beg[w] = true;
			r->begun++;
		}
		if (r->begun == r->n && !r->header && r->status == 0)
			header_write(r);
		return 0;
	}
	if (m->id != r->id || r->id == 0)
		return 0; /* a snapshot abandoned (dataplane restart) */
	if (m->type == CHAN_MSG_SNAP_CHUNK)
		return chunk(r, w, m);
	if (m->type == CHAN_MSG_SNAP_END) {
		struct chan_snap_end e = {0};
		if (!r->header && r->status == 0)
			return -EAGAIN;
		if (!r->has_end[w] && r->ended + 1 == r->n && r->conf.ready != NULL &&
		    !r->conf.ready(r->conf.hook_arg))
			return -EAGAIN; /* the AOF writer has not switched files yet */
		if (m->len >= sizeof(e))
			memcpy(&e, m->payload, sizeof(e));
		if (e.status != 0 && r->status == 0) {
			r->status = e.status;
			rw_log_kv(RW_LOG_ERR, "cp.rdb", "a worker could not serialize its part",
				  "worker=%u err=\"%s\"", w,
				  e.status == -ENOTSUP ? "a value type without an RDB form yet"
						       : strerror(-e.status));
		}
		if (!r->has_end[w]) {
			r->has_end[w] = true;
			r->ended++;
		}
		if (r->ended == r->n)
			finish(r, ch);
	}
	return 0;
}
