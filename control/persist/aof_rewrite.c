/*
 * AOF rewrite, the writer's side (FORMAT.md "Rewrite"): no fork, no second
 * walker. The dataset comes from a fork-less snapshot (its RDB stream is
 * written by rdb_save.c as the new base); this file splits the journal at
 * the snapshot's cut and installs the new base.
 *
 *   prepare    BGREWRITEAOF (or CONFIG SET appendonly yes) reached the
 *              control plane: the file thread makes the cut's incr file
 *              (next seq, header only), fsyncs it and the directory and
 *              lists it in the manifest (enabling: not yet, the install
 *              names it with its base); records go on into the file in
 *              use meanwhile, and its fsyncs on the fsync thread, so an
 *              appendfsync always ack never waits on these (as Redis
 *              7.0's openNewIncrAofForAppend() before its fork, whose cut
 *              comes after the new file is listed)
 *   arm        the file is listed: from now on a record is held back unless
 *              its worker's cut LSN is known and the record is at or below
 *              it (the cut is not taken yet: the dataplane waits for
 *              AOFRW_CUT, sent now)
 *   cut(w)     a worker's SNAP_BEGIN: records of w up to its cut go on into
 *              the old incr file, held ones included
 *   switch     every worker's cut is known and every record up to it was
 *              taken: the old incr file is written (appendfsync always:
 *              and fsynced, its acks wait for that anyway), the loop moves
 *              to the prepared file, writes the carry of the cut LSNs and
 *              the held records (all past the cut) into it: write(2) only,
 *              so an everysec write waits on no fsync here. The old file's
 *              last fsync (a FINAL job) goes before any of the new file's.
 *              Enabling has no old file: records up to the cut were left
 *              out (the base holds them)
 *   finish     the base is complete (fsynced temp file): renamed to
 *              <name>.<seq+1>.base.rdb|aof, the manifest switched (old base
 *              and older incr files become history), the history deleted
 *
 * So the new base holds exactly the records up to the cut and the new incr
 * file exactly those after it: nothing lost, nothing doubled. A crash at
 * any step leaves a manifest naming files that hold every durable record:
 * before the switch the old files, after it base + new incr.
 *
 * Context: the control plane's event loop thread, which never waits on
 * the disk here: the new incr file with its manifest runs on the writer's
 * file thread, the old file's fsyncs on its fsync thread (aof_sync.c), the base's
 * conversion, rename and manifest switch (cp_aof_install_run) on the
 * snapshot writer's thread (rdb_save.c). The loop only decides: prepare,
 * arm, cut, switch, post the jobs, take their outcomes. Records wait
 * (held) only from arming until the cut's records are all taken: no fsync
 * lies on that path (it did when the switch made the file at the cut: an
 * everysec write waited 4.7 s behind four slow fsyncs in CI; and under
 * always, while the prepare's fsyncs shared the fsync thread, each ack
 * waited behind them: test_fsync_offloop.sh step 6).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aof_internal.h"
#include "cp_rdb.h"
#include "crc64.h"
#include "rw_log.h"

#define AOF_RW_ARM_TIMEOUT_MS 30000
#define AOF_RW_STAGE_MAX      (64u << 20) /* held bytes; beyond: back-pressure */

void cp_crash_point(const char *name)
{
	const char *want = getenv("RW_CRASH_POINT");
	if (want == NULL || strcmp(want, name) != 0)
		return;
	rw_log_kv(RW_LOG_WARN, "cp.aof", "crash point reached: SIGKILL", "point=%s", name);
	raise(SIGKILL);
}

struct staged {
	uint64_t lsn;
	uint32_t w, len;
};

static int stage(struct cp_aof *a, uint32_t w, uint64_t lsn, const void *p, uint32_t len)
{
	struct staged h = {.lsn = lsn, .w = w, .len = len};
	if (a->rw.stage.len > AOF_RW_STAGE_MAX)
		return -EAGAIN;
	if (rw_buf_append(&a->rw.stage, &h, sizeof(h)) != 0 ||
	    rw_buf_append(&a->rw.stage, p, len) != 0)
		return -ENOMEM;
	return 0;
}

/*
 * Hand held records on to the current file: those of worker @p only (or of
 * every worker: UINT32_MAX) up to @p upto[w] (NULL: all). The others stay
 * held, in order. Taking cannot fail for want of room here: the file's
 * pending buffer takes what the ring gave before.
 */
static void unstage(struct cp_aof *a, uint32_t only, const uint64_t *upto)
{
	struct rw_buf keep = {0};
	size_t off = 0;
	while (off + sizeof(struct staged) <= a->rw.stage.len) {
		struct staged h;
		memcpy(&h, a->rw.stage.data + off, sizeof(h));
		const uint8_t *p = a->rw.stage.data + off + sizeof(h);
		off += sizeof(h) + h.len;
		bool go =
		    (only == UINT32_MAX || h.w == only) && (upto == NULL || h.lsn <= upto[h.w]);
		if (go && aof_record_take(a, a->rw.epoch, h.w, h.lsn, p, h.len) == 0)
			continue;
		if (rw_buf_append(&keep, &h, sizeof(h)) != 0 || rw_buf_append(&keep, p, h.len) != 0)
			rw_log_kv(RW_LOG_ERR, "cp.aof", "out of memory holding a record",
				  "lsn=%" PRIu64, h.lsn);
	}
	rw_buf_fini(&a->rw.stage);
	a->rw.stage = keep;
}

int aof_rw_hold(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn, const void *payload,
		uint32_t len)
{
	if (a->rw.state != AOF_RW_ARMED && a->rw.state != AOF_RW_PREPARING)
		return 0;
	if (epoch != a->rw.epoch) {
		cp_aof_rewrite_abort(a); /* the dataplane restarted: its snapshot is gone */
		return 0;
	}
	if (a->rw.state == AOF_RW_PREPARING)
		return 0; /* the cut is not asked for yet: every record is before it */
	if (epoch == a->taken_epoch && lsn <= a->taken_lsn[w])
		return 0; /* already in the file: skipped as usual */
	if (a->rw.has_cut[w] && lsn <= a->rw.cut[w])
		return 0; /* before the cut: the old file (w's held ones went there at its cut) */
	int rc = stage(a, w, lsn, payload, len);
	return rc == 0 ? 1 : rc;
}

/* ---- prepare: the cut's incr file, on the file thread ---- */

/* The file thread's part: the carry is the loop's, written at the switch. */
static int prep_run(void *arg)
{
	struct aof_incr_job *j = arg;
	struct cp_aof *a = j->a;
	return aof_incr_new(a->dirfd, &a->conf, a->sync.fsync_fn, NULL, NULL, 0, j->listed, &j->f);
}

/*
 * Hand the file thread the prepare, unless something else changes the
 * manifest meanwhile: an earlier prepare given up but still running, a
 * base being installed, a fresh file after an fsync error (poisoned: the
 * rewrite is given up first, aof_write.c's sync_issue()).
 */
static void prep_post(struct cp_aof *a)
{
	if (a->rw.state != AOF_RW_PREPARING || a->prep_inflight || a->rw.installing || a->poisoned)
		return;
	a->prep = (struct aof_incr_job){.kind = AOF_JOB_PREPARE, .a = a, .listed = !a->enabling};
	a->prep_gen = aof_syncer_run(&a->files, prep_run, &a->prep);
	a->prep_inflight = true;
}

/* A prepared file the rewrite will not use. Listed, header only: the
 * loader and cp_aof_open() take an incr file without records as the
 * continuation of the one before. Unlisted (enabling): nothing names it. */
static void next_drop(struct cp_aof *a, const struct aof_fresh *f, bool unlisted)
{
	close(f->fd);
	if (unlisted && unlinkat(a->dirfd, f->name, 0) != 0 && errno != ENOENT)
		rw_log_kv(RW_LOG_WARN, "cp.aof", "cannot remove an unused incr file",
			  "file=%s err=\"%s\"", f->name, strerror(errno));
}

static void rw_prepared(struct cp_aof *a, int rc, uint64_t now_ms);

void aof_rw_collect(struct cp_aof *a, uint64_t now_ms)
{
	int err;
	if (!a->prep_inflight || !aof_syncer_done(&a->files, a->prep_gen, &err))
		return;
	a->prep_inflight = false;
	if (!a->prep_stale) {
		rw_prepared(a, -err, now_ms);
		return;
	}
	a->prep_stale = false;
	if (err == 0)
		next_drop(a, &a->prep.f, !a->prep.listed);
}

void aof_rw_drain(struct cp_aof *a)
{
	if (!a->prep_inflight)
		return;
	aof_syncer_wait_idle(&a->files, 600000);
	aof_rw_collect(a, 0);
}

int cp_aof_rewrite_arm(struct cp_aof *a, uint64_t epoch, uint32_t workers, uint64_t now_ms)
{
	if (workers == 0 || workers > CP_AOF_MAX_WORKERS)
		return -EINVAL;
	if (a->rw.state != AOF_RW_IDLE) {
		rw_log_kv(RW_LOG_WARN, "cp.aof", "a new AOF rewrite replaces an unfinished one",
			  NULL);
		cp_aof_rewrite_abort(a);
	}
	if (a->poisoned || a->write_err != 0)
		return a->poisoned ? -EIO : -a->write_err;
	memset(a->rw.has_cut, 0, sizeof(a->rw.has_cut));
	memset(a->rw.cut, 0, sizeof(a->rw.cut));
	a->rw.epoch = epoch;
	a->rw.workers = workers;
	a->rw.armed_ms = now_ms;
	a->rw.new_seq = 0;
	a->rw.prep_err = 0;
	a->rw.state = AOF_RW_PREPARING;
	prep_post(a); /* else the next tick's (aof_rw_flush) */
	return 0;
}

int cp_aof_rewrite_prepared(const struct cp_aof *a)
{
	if (a->rw.state == AOF_RW_PREPARING)
		return 0;
	if (a->rw.state == AOF_RW_ARMED)
		return 1;
	return a->rw.prep_err != 0 ? a->rw.prep_err : -ECANCELED;
}

static void rw_prepared(struct cp_aof *a, int rc, uint64_t now_ms)
{
	if (rc != 0) {
		rw_log_kv(RW_LOG_ERR, "cp.aof", "AOF rewrite: cannot make the new incr file",
			  "err=\"%s\"", strerror(-rc));
		a->rw.prep_err = rc;
		a->rw.state = AOF_RW_IDLE;
		return;
	}
	a->rw.next = a->prep.f;
	a->rw.has_next = true;
	a->rw.state = AOF_RW_ARMED;
	a->rw.armed_ms = now_ms;
}

void cp_aof_rewrite_cut(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn)
{
	if (a->rw.state != AOF_RW_ARMED || epoch != a->rw.epoch || w >= a->rw.workers)
		return;
	a->rw.has_cut[w] = true;
	a->rw.cut[w] = lsn;
	uint64_t upto[CP_AOF_MAX_WORKERS] = {0};
	upto[w] = lsn;
	unstage(a, w, upto);
}

bool cp_aof_rewrite_switched(const struct cp_aof *a)
{
	return a->rw.state == AOF_RW_SWITCHED;
}

bool cp_aof_rewrite_waiting(const struct cp_aof *a)
{
	return a->rw.state == AOF_RW_PREPARING || a->rw.state == AOF_RW_ARMED;
}

void cp_aof_rewrite_abort(struct cp_aof *a)
{
	if (a->prep_inflight)
		a->prep_stale = true; /* its file is dropped when it ends (aof_rw_collect) */
	if (a->rw.has_next) {
		next_drop(a, &a->rw.next, a->enabling);
		a->rw.has_next = false;
	}
	if (a->rw.state == AOF_RW_IDLE)
		return;
	if (a->rw.state == AOF_RW_ARMED)
		unstage(a, UINT32_MAX, NULL); /* no split: everything into the file in use */
	if (a->rw.stage.len > 0)
		rw_log_kv(RW_LOG_ERR, "cp.aof", "held records could not be taken back", "bytes=%zu",
			  a->rw.stage.len);
	rw_buf_fini(&a->rw.stage);
	a->rw.state = AOF_RW_IDLE;
}

/* Has every record up to each worker's cut been taken? */
static bool cut_complete(const struct cp_aof *a)
{
	for (uint32_t w = 0; w < a->rw.workers; w++) {
		uint64_t have = a->taken_epoch == a->rw.epoch ? a->taken_lsn[w] : 0;
		if (!a->rw.has_cut[w] || have < a->rw.cut[w])
			return false;
	}
	return true;
}

/*
 * Move to the prepared incr file on the loop: the carry of the cut first,
 * then the held records, by write(2). The old file's bytes not fsynced yet
 * stay with old_fd for a FINAL job (aof_write.c's sync_issue() posts it
 * before any fsync of the new file); they are in the new base too.
 */
static void switch_to_next(struct cp_aof *a)
{
	struct aof_fresh *f = &a->rw.next;
	struct aof_carry cut = {.epoch = a->rw.epoch, .db = -1};
	memcpy(cut.lsn, a->rw.cut, sizeof(cut.lsn));
	if (a->fd < 0) {
		/* enabling: no file before the cut */
	} else if (a->written_off > a->synced_off || a->sync_inflight) {
		a->old_fd = a->fd;
		a->sync_stale = a->sync_inflight;
	} else {
		close(a->fd);
	}
	aof_syncer_set_fd(&a->sync, f->fd);
	a->fd = f->fd;
	a->prev_incr_bytes += a->written_off;
	rw_log_kv(RW_LOG_NOTICE, "cp.aof", "AOF rewrite: new incr file opened at the cut",
		  "old_file=%s old_bytes=%" PRIu64 " file=%s", a->incr_name, a->written_off,
		  f->name);
	snprintf(a->incr_name, sizeof(a->incr_name), "%s", f->name);
	a->written_off = a->synced_off = a->reserved_off = f->len;
	rw_buf_reset(&a->unsynced); /* the old file's: FINAL fsyncs them, the base has them */
	a->wr_carry = a->sync_carry = a->synced_carry = cut;
	a->cur_db = -1; /* Redis: SELECT first in a new file */
	/* the pending buffer is empty (everything before the cut is written),
	 * so the carry leads the file; without it (ENOMEM) the next open takes
	 * the LSNs from the file before */
	if (aof_carry_append(&a->pending, &cut) != 0)
		rw_log_kv(RW_LOG_WARN, "cp.aof", "AOF rewrite: no room for the cut's carry", NULL);
	a->rw.new_seq = f->seq;
	a->rw.has_next = false;
	a->rw.state = AOF_RW_SWITCHED;
	unstage(a, UINT32_MAX, NULL); /* all of them past the cut */
}

/*
 * Every record up to the cut is taken: write them into the old incr file
 * and move on. Come back on a later tick while a write is pending or
 * failing (the poison recovery goes first) and, under appendfsync always,
 * until the old file is fsynced whole (its acks wait for that anyway).
 */
static void incr_switch(struct cp_aof *a, uint64_t now_ms)
{
	if (aof_batch_close(a) != 0)
		return;
	aof_write_step(a, now_ms);
	if (a->pending.len > 0 || a->poisoned)
		return;
	if (a->conf.fsync == CP_AOF_FSYNC_ALWAYS && a->sync_inflight)
		return;
	if (a->conf.fsync == CP_AOF_FSYNC_ALWAYS && a->written_off > a->synced_off) {
		aof_sync_request(a, now_ms);
		return;
	}
	aof_durable_advance(a); /* every mark is written (always: and fsynced), so durable */
	switch_to_next(a);
}

void aof_rw_flush(struct cp_aof *a, uint64_t now_ms)
{
	prep_post(a);
	if (a->rw.state != AOF_RW_ARMED)
		return;
	if (now_ms - a->rw.armed_ms > AOF_RW_ARM_TIMEOUT_MS) {
		rw_log_kv(RW_LOG_ERR, "cp.aof", "AOF rewrite: the cut never came, given up",
			  "held_bytes=%zu", a->rw.stage.len);
		cp_aof_rewrite_abort(a);
		return;
	}
	if (!cut_complete(a))
		return;
	incr_switch(a, now_ms);
}

/* ---- the base ---- */

struct resp_base {
	int fd;
	struct rw_buf buf;
	int64_t db;
	uint64_t n, crc, bytes;
	int err;
};

static void resp_base_out(struct resp_base *rb)
{
	const uint8_t *p = rb->buf.data;
	size_t n = rb->buf.len;
	rb->crc = rw_crc64(rb->crc, p, n);
	while (n > 0 && rb->err == 0) {
		ssize_t k = write(rb->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			rb->err = k < 0 ? -errno : -EIO;
		else {
			p += k;
			n -= (size_t)k;
		}
	}
	rb->bytes += rb->buf.len;
	rw_buf_reset(&rb->buf);
}

static int resp_base_cmd(void *arg, uint32_t db, const struct resp_arg *argv, uint32_t argc,
			 const uint8_t *resp, size_t len, uint64_t loaded)
{
	struct resp_base *rb = arg;
	char sel[48];
	(void)argv;
	(void)argc;
	(void)loaded;
	if ((int64_t)db != rb->db) {
		size_t n = aof_select_format(sel, db);
		if (rw_buf_append(&rb->buf, sel, n) != 0)
			return -ENOMEM;
		rb->db = db;
		rb->n++;
	}
	if (rw_buf_append(&rb->buf, resp, len) != 0)
		return -ENOMEM;
	rb->n++;
	if (rb->buf.len >= (1u << 20))
		resp_base_out(rb);
	return rb->err;
}

/*
 * aof-use-rdb-preamble no: the snapshot's RDB read back as commands, one
 * "RESTORE key ttl <DUMP payload> REPLACE ABSTTL" per key (SELECT before a
 * key of another db), the way the loader hands an RDB to the dataplane: no
 * second serializer per type. Header line first, one seal annotation
 * (epoch 0) closing the file, so a flipped bit in the base is caught too.
 */
static int base_to_resp(const char *rdb_path, const char *out_path, uint64_t *bytes)
{
	struct resp_base rb = {.db = -1};
	struct cp_rdb_load_info info;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	rb.fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (rb.fd < 0)
		return -errno;
	/* the header is outside the seal's CRC (as in an incr file) */
	int rc = rw_buf_append(&rb.buf, AOF_HEADER, strlen(AOF_HEADER));
	if (rc == 0) {
		resp_base_out(&rb);
		rb.crc = 0;
		rc = rb.err;
	}
	if (rc == 0)
		rc = cp_rdb_load(rdb_path, (uint64_t)ts.tv_sec * 1000, resp_base_cmd, &rb, &info);
	if (rc == 0)
		resp_base_out(&rb);
	if (rc == 0 && (rc = rb.err) == 0) {
		char line[AOF_ANNOT_MAX];
		struct aof_annot seal = {.n = (uint32_t)rb.n};
		seal.crc = aof_annot_crc_cont(rb.crc, &seal);
		size_t n = aof_annot_format(line, &seal);
		rc = rw_buf_append(&rb.buf, line, n);
		if (rc == 0)
			resp_base_out(&rb);
		rc = rb.err;
	}
	if (rc == 0 && fsync(rb.fd) != 0)
		rc = -errno;
	if (close(rb.fd) != 0 && rc == 0)
		rc = -errno;
	rw_buf_fini(&rb.buf);
	*bytes = rb.bytes;
	if (rc != 0)
		unlink(out_path);
	return rc;
}

/* ---- installing the base: prepared on the loop, run on a thread, committed on the loop ---- */

void cp_aof_install_init(struct cp_aof_install *j, struct cp_aof *a, const struct cp_aof_conf *conf,
			 bool rdb_base)
{
	memset(j, 0, sizeof(*j));
	if (a != NULL)
		conf = &a->conf;
	snprintf(j->dir, sizeof(j->dir), "%s", conf->dir);
	snprintf(j->dirname, sizeof(j->dirname), "%s", conf->dirname);
	snprintf(j->filename, sizeof(j->filename), "%s", conf->filename);
	j->rdb_base = rdb_base;
	if (a == NULL)
		return;
	j->writer = true;
	j->enabling = a->enabling;
	j->new_seq = a->rw.new_seq;
	snprintf(j->incr_name, sizeof(j->incr_name), "%s", a->incr_name);
	if (a->rw.state != AOF_RW_SWITCHED)
		j->pre = -EINVAL; /* aborted meanwhile (the dataplane restarted) */
	else
		a->rw.installing = true;
}

/*
 * The manifest with the new base (older incr files and the old base become
 * history; appendonly no: every incr file); then the history deleted and
 * dropped.
 */
static int manifest_install(const struct cp_aof_install *j, int dirfd, const char *mname,
			    struct aof_manifest *m, int64_t seq)
{
	int rc = aof_manifest_switch(m, j->base, seq, j->writer ? j->new_seq : INT64_MAX);
	if (j->writer)
		cp_crash_point("aofrw-manifest");
	if (rc == 0)
		rc = aof_manifest_write(dirfd, mname, m);
	if (rc != 0)
		return rc;
	if (j->writer)
		cp_crash_point("aofrw-history");
	/* the switch is done: a history file left behind is only space */
	int e = aof_history_unlink(dirfd, m);
	if (e == 0 && aof_manifest_drop_history(m) > 0)
		e = aof_manifest_write(dirfd, mname, m);
	if (e != 0)
		rw_log_kv(RW_LOG_WARN, "cp.aof", "AOF history files not all removed", "err=\"%s\"",
			  strerror(-e));
	return 0;
}

int cp_aof_install_run(struct cp_aof_install *j, const char *tmp_path, int status)
{
	struct aof_manifest m = {0};
	struct cp_aof_conf conf = {.dir = j->dir, .dirname = j->dirname, .filename = j->filename};
	char mname[AOF_NAME_MAX + 16], err[256], path[2 * AOF_NAME_MAX + 4096];
	char resp_tmp[PATH_MAX + 8];
	const char *src = tmp_path;
	uint64_t bytes = 0;
	bool renamed = false;
	int dirfd = -1, rc = status != 0 ? status : j->pre;

	if (rc == 0 && !j->rdb_base) {
		snprintf(resp_tmp, sizeof(resp_tmp), "%s.resp", tmp_path);
		rc = base_to_resp(tmp_path, resp_tmp, &bytes);
		src = resp_tmp;
		unlink(tmp_path);
	}
	if (j->writer)
		cp_crash_point("aofrw-base");
	if (rc == 0)
		rc = aof_dir_open(&conf, true, &dirfd);
	snprintf(mname, sizeof(mname), "%s.manifest", j->filename);
	if (rc == 0) {
		rc = aof_manifest_read(dirfd, mname, &m, err, sizeof(err));
		if (rc == -ENOENT && (j->enabling || !j->writer))
			rc = 0; /* appendonly yes on a fresh directory; the first base-only one */
	}
	const struct aof_file_info *old = rc == 0 ? aof_manifest_base(&m) : NULL;
	int64_t seq = old != NULL ? old->seq + 1 : 1;
	if (rc == 0)
		rc = aof_name_base(j->base, sizeof(j->base), j->filename, seq, j->rdb_base);
	snprintf(path, sizeof(path), "%s/%s/%s", j->dir, j->dirname, j->base);
	if (rc == 0 && rename(src, path) != 0)
		rc = -errno;
	renamed = rc == 0;
	if (rc == 0)
		rc = aof_dir_fsync(dirfd);
	/* enabling: the incr file of the cut is named now, with its base; the
	 * files of an earlier appendonly yes become history (stale since) */
	if (rc == 0 && j->enabling)
		rc = aof_manifest_add(&m, j->incr_name, j->new_seq, 'i');
	if (rc == 0)
		rc = manifest_install(j, dirfd, mname, &m, seq);
	if (rc != 0 && renamed)
		unlink(path); /* the manifest still names the old base */
	if (rc != 0)
		unlink(src);
	struct stat st;
	if (rc == 0 && stat(path, &st) == 0)
		j->base_bytes = (uint64_t)st.st_size;
	aof_manifest_fini(&m);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

int cp_aof_install_commit(struct cp_aof *a, const struct cp_aof_install *j, int status)
{
	int rc = status;
	if (!j->writer || a == NULL) { /* appendonly no (or it came meanwhile) */
		rw_log_kv(rc == 0 ? RW_LOG_NOTICE : RW_LOG_ERR, "cp.aof",
			  rc == 0 ? "Background AOF rewrite finished successfully"
				  : "Background AOF rewrite failed",
			  "base=%s appendonly=no err=\"%s\"", j->base,
			  rc == 0 ? "" : strerror(-rc));
		return rc;
	}
	a->rw.installing = false;
	if (rc == 0) {
		a->base_bytes = j->base_bytes;
		a->prev_incr_bytes = 0;
		a->rw_base_bytes = a->base_bytes + a->written_off;
		a->st.aof_rewrites++;
	}
	rw_log_kv(rc == 0 ? RW_LOG_NOTICE : RW_LOG_ERR, "cp.aof",
		  rc == 0 ? "Background AOF rewrite finished successfully"
			  : "Background AOF rewrite failed",
		  "base=%s incr=%s enabling=%d err=\"%s\"", j->base, a->incr_name, a->enabling,
		  rc == 0 ? "" : strerror(-rc));
	cp_aof_rewrite_abort(a); /* idle again; after the switch nothing is held */
	if (a->enabling && rc != 0)
		aof_enable_reset(a); /* the next rewrite tries again (Redis: scheduled) */
	else if (a->enabling)
		rw_log_kv(RW_LOG_NOTICE, "cp.aof", "AOF enabled: its first rewrite is installed",
			  "incr=%s", a->incr_name);
	a->enabling = a->enabling && rc != 0;
	return rc;
}

int cp_aof_rewrite_finish(struct cp_aof *a, const char *tmp_path, int status, bool rdb_base)
{
	struct cp_aof_install *j = malloc(sizeof(*j));
	if (j == NULL) {
		unlink(tmp_path);
		cp_aof_rewrite_abort(a);
		return -ENOMEM;
	}
	cp_aof_install_init(j, a, NULL, rdb_base);
	int rc = cp_aof_install_commit(a, j, cp_aof_install_run(j, tmp_path, status));
	free(j);
	return rc;
}

int cp_aof_base_install(const struct cp_aof_conf *conf, const char *tmp_path, int status,
			bool rdb_base)
{
	struct cp_aof_install *j = malloc(sizeof(*j));
	if (j == NULL) {
		unlink(tmp_path);
		return -ENOMEM;
	}
	cp_aof_install_init(j, NULL, conf, rdb_base);
	int rc = cp_aof_install_commit(NULL, j, cp_aof_install_run(j, tmp_path, status));
	free(j);
	return rc;
}
