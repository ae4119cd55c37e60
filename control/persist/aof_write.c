/*
 * The AOF writer: journal records in, batches out, durable LSNs back.
 *
 *   cp_aof_record()  the loop takes a record: SELECT when the db changes,
 *                    the RESP bytes as they came; one batch per worker run
 *   cp_aof_flush()   once a tick: close the batch with its "#RW1"
 *                    annotation, pwrite every closed batch in one call,
 *                    hand fsyncs to the thread, pop durable batch marks
 *
 *   file:  |.... synced ....|.... written, not fsynced ....|  pending (memory) ...
 *          0            synced_off                     written_off
 *
 * A batch mark (end offset, epoch, worker, last LSN) becomes durable when
 * its end is below written_off (everysec, no) or synced_off (always).
 * The bytes between synced_off and written_off stay in memory
 * (`unsynced`): an fsync error can lose dirty pages while marking them
 * clean, so a later successful fsync proves nothing (PostgreSQL's
 * "fsyncgate"; Redis 7.0 retries and trusts the file again). Here the file
 * is poisoned instead: nothing new is written or acknowledged until those
 * bytes have been written again from memory and an fsync of all of them
 * succeeded. Write errors keep their batch pending and retry with back-off
 * (10 ms doubling to 1 s); meanwhile cp_aof_ready() is false, so the
 * channel consumer stops and the dataplane feels back-pressure.
 *
 * Space is reserved ahead with fallocate(FALLOC_FL_KEEP_SIZE) in
 * reserve_bytes steps, so a full disk shows up at the step, with the rest
 * of the reservation still usable, rather than in the middle of a record.
 *
 * Context: the control plane's event loop thread; fsync, and the fresh
 * incr file after an fsync error (aof_rotate.c), on aof_sync.c's fsync
 * thread; a rewrite's prepared incr file on its file thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <unistd.h>

#include "aof_internal.h"
#include "crc64.h"
#include "rw_log.h"

#define AOF_RESERVE_DEFAULT (64ull << 20)
#define AOF_PENDING_MAX	    (64u << 20) /* stop taking records beyond this */
#define AOF_BACKOFF_MIN_MS  10
#define AOF_BACKOFF_MAX_MS  1000
#define AOF_EVERYSEC_MS	    1000

static ssize_t default_pwrite(int fd, const void *p, size_t n, off_t off)
{
	return pwrite(fd, p, n, off);
}

/* ---- taking records ---- */

bool cp_aof_ready(const struct cp_aof *a)
{
	return !a->poisoned && a->write_err == 0 && a->pending.len < AOF_PENDING_MAX;
}

static int mark_push(struct cp_aof *a, const struct aof_mark *m)
{
	if (a->n_marks == a->cap_marks) {
		size_t cap = a->cap_marks ? a->cap_marks * 2 : 64;
		struct aof_mark *n = realloc(a->marks, cap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		a->marks = n;
		a->cap_marks = cap;
	}
	a->marks[a->n_marks++] = *m;
	return 0;
}

int aof_batch_close(struct cp_aof *a)
{
	char line[AOF_ANNOT_MAX];
	if (!a->batch_open)
		return 0;
	a->batch.crc = aof_annot_crc(a->pending.data + a->batch_start,
				     a->pending.len - a->batch_start, &a->batch);
	size_t n = aof_annot_format(line, &a->batch);
	if (rw_buf_append(&a->pending, line, n) != 0)
		return -ENOMEM;
	struct aof_mark m = {
	    .end = a->pending.len, .epoch = a->batch.epoch, .lsn = a->batch.last, .w = a->batch.w};
	if (mark_push(a, &m) != 0) {
		a->pending.len -= n;
		return -ENOMEM;
	}
	a->batch_open = false;
	return 0;
}

/* The bytes of the one well-formed RESP array at the start of @p p (0: none). */
static size_t record_command(struct cp_aof *a, const uint8_t *p, size_t n)
{
	if (n < 4 || p[0] != '*')
		return 0; /* '*' first: the parser never writes into a multibulk */
	for (;;) {
		enum resp_status st = resp_parse((uint8_t *)p, n, NULL, &a->cmd);
		if (st == RESP_OK)
			return a->cmd.argc > 0 ? a->cmd.consumed : 0;
		if (st != RESP_NEED_ARGS)
			return 0;
		struct resp_arg *argv = realloc(a->cmd.argv, a->cmd.need_args * sizeof(*argv));
		if (argv == NULL)
			return 0;
		a->cmd.argv = argv;
		a->cmd.cap = a->cmd.need_args;
	}
}

static bool record_is(const struct cp_aof *a, const char *name)
{
	size_t len = strlen(name);
	return a->cmd.argc == 1 && a->cmd.argv[0].len == len &&
	       strncasecmp((const char *)a->cmd.argv[0].ptr, name, len) == 0;
}

/* Is @p p a single well-formed RESP array of @p n bytes, or a transaction:
 * MULTI, commands, EXEC, each a well-formed array (the dataplane journals a
 * transaction over several workers as one record, so the AOF gets it whole;
 * dataplane/core/TRANSACTIONS.md)? */
static bool record_valid(struct cp_aof *a, const uint8_t *p, size_t n, uint32_t *commands)
{
	size_t len = record_command(a, p, n);
	*commands = 1;
	if (len == n)
		return true;
	if (len == 0 || !record_is(a, "multi"))
		return false;
	for (size_t off = len; off < n; off += len) {
		len = record_command(a, p + off, n - off);
		if (len == 0)
			return false;
		++*commands; /* the annotation's n counts each command of the transaction */
		if (off + len == n)
			return record_is(a, "exec");
	}
	return false;
}

static void taken(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn)
{
	if (epoch != a->taken_epoch) {
		memset(a->taken_lsn, 0, sizeof(a->taken_lsn));
		a->taken_epoch = epoch;
	}
	a->taken_lsn[w] = lsn;
}

int cp_aof_record(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn, const void *payload,
		  uint32_t len)
{
	if (w >= CP_AOF_MAX_WORKERS)
		return -EINVAL;
	if (!cp_aof_ready(a))
		return -EAGAIN;
	int held = aof_rw_hold(a, epoch, w, lsn, payload, len);
	if (held != 0)
		return held < 0 ? held : 0;
	return aof_record_take(a, epoch, w, lsn, payload, len);
}

/* Enabling, no file yet: the record is before the first rewrite's cut, so
 * its base holds it. Durable at once, as with appendonly no until now. */
static void enabling_drop(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn)
{
	if (epoch == a->taken_epoch && lsn <= a->taken_lsn[w])
		return;
	taken(a, epoch, w, lsn);
	if (epoch != a->durable_epoch) {
		memset(a->durable_lsn, 0, sizeof(a->durable_lsn));
		a->durable_epoch = epoch;
	}
	a->durable_lsn[w] = lsn;
}

int aof_record_take(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn, const void *payload,
		    uint32_t len)
{
	const uint8_t *p = payload;
	char sel[48];
	uint32_t db = 0;

	if (w >= CP_AOF_MAX_WORKERS)
		return -EINVAL;
	if (!cp_aof_ready(a))
		return -EAGAIN;
	if (a->enabling && a->fd < 0) {
		enabling_drop(a, epoch, w, lsn);
		return 0;
	}
	if (epoch == a->taken_epoch && lsn <= a->taken_lsn[w]) {
		a->st.skipped++; /* already in the file: a rewound channel re-reads it */
		return 0;
	}
	if (a->batch_open && (a->batch.epoch != epoch || a->batch.w != w) &&
	    aof_batch_close(a) != 0)
		return -ENOMEM;
	if (!a->batch_open) {
		a->batch_open = true;
		a->batch_start = a->pending.len;
		a->batch = (struct aof_annot){.epoch = epoch, .w = w, .first = lsn, .last = lsn};
	}
	uint64_t prev_last = a->batch.last, prev_taken = a->taken_lsn[w];
	a->batch.last = lsn;
	taken(a, epoch, w, lsn);
	if (len > 4)
		memcpy(&db, p, 4); /* little endian on both sides: same host */
	uint32_t commands = 0;
	if (len <= 4 || !record_valid(a, p + 4, len - 4, &commands)) {
		/* Written it could not be loaded; its LSN still closes the batch, so the
		 * dataplane is not held forever. A dataplane bug, loudly reported. */
		a->st.bad_records++;
		if ((a->st.bad_records & (a->st.bad_records - 1)) == 0)
			rw_log_kv(RW_LOG_ERR, "cp.aof",
				  "malformed journal record left out of the AOF",
				  "worker=%u lsn=%" PRIu64 " len=%u count=%" PRIu64, w, lsn, len,
				  a->st.bad_records);
		return 0;
	}
	size_t before = a->pending.len;
	if ((int64_t)db != a->cur_db) {
		size_t n = aof_select_format(sel, db);
		if (rw_buf_append(&a->pending, sel, n) != 0)
			goto nomem;
		a->batch.n++;
	}
	if (rw_buf_append(&a->pending, p + 4, len - 4) != 0)
		goto nomem;
	if ((int64_t)db != a->cur_db)
		a->cur_db = db;
	a->batch.n += commands;
	a->st.records++;
	return 0;
nomem:
	/* as if the record had not come: the channel keeps it for the next tick */
	a->pending.len = before;
	a->taken_lsn[w] = prev_taken;
	a->batch.last = prev_last;
	if (a->batch_start == a->pending.len && a->batch.first == lsn)
		a->batch_open = false;
	return -ENOMEM;
}

/* ---- writing ---- */

static int pwrite_all(struct cp_aof *a, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = a->conf.pwrite_fn(a->fd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 && errno != 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/*
 * Keep reserved_off a step ahead of what is about to be written. When the
 * step cannot be had (disk nearly full) warn once and try exactly what
 * this write needs; only if that fails too the write is refused (-ENOSPC),
 * before any byte of it reaches the file.
 */
static int reserve(struct cp_aof *a, size_t n)
{
	uint64_t need = a->written_off + n;
	if (a->reserve_disabled || need + a->conf.reserve_bytes / 4 <= a->reserved_off)
		return 0;
	if (fallocate(a->fd, FALLOC_FL_KEEP_SIZE, (off_t)a->written_off,
		      (off_t)(n + a->conf.reserve_bytes)) == 0) {
		a->reserved_off = need + a->conf.reserve_bytes;
		a->reserve_warned = false;
		return 0;
	}
	int e = errno;
	if (e == EOPNOTSUPP || e == ENOSYS) {
		a->reserve_disabled = true;
		rw_log_kv(RW_LOG_INFO, "cp.aof", "file system cannot reserve space ahead",
			  "file=%s", a->incr_name);
		return 0;
	}
	a->st.reserve_errors++;
	if (!a->reserve_warned)
		rw_log_kv(RW_LOG_WARN, "cp.aof", "cannot reserve AOF space ahead: disk nearly full",
			  "file=%s step_bytes=%" PRIu64 " err=\"%s\"", a->incr_name,
			  a->conf.reserve_bytes, strerror(e));
	a->reserve_warned = true;
	if (need <= a->reserved_off)
		return 0;
	if (fallocate(a->fd, FALLOC_FL_KEEP_SIZE, (off_t)a->written_off, (off_t)n) == 0) {
		a->reserved_off = need;
		return 0;
	}
	return -errno;
}

static void backoff(struct cp_aof *a, uint64_t now_ms)
{
	a->retry_at_ms = now_ms + a->backoff_ms;
	a->backoff_ms =
	    a->backoff_ms * 2 > AOF_BACKOFF_MAX_MS ? AOF_BACKOFF_MAX_MS : a->backoff_ms * 2;
}

void aof_write_step(struct cp_aof *a, uint64_t now_ms)
{
	size_t n = a->pending.len; /* the open batch was closed by the caller */
	if (n == 0 || a->poisoned || (a->write_err != 0 && now_ms < a->retry_at_ms))
		return;
	int rc = reserve(a, n);
	if (rc == 0)
		rc = pwrite_all(a, a->pending.data, n, a->written_off);
	if (rc != 0) {
		a->st.write_errors++;
		if (a->write_err != -rc)
			rw_log_kv(RW_LOG_ERR, "cp.aof",
				  "AOF write failed: records stay pending, retrying",
				  "file=%s offset=%" PRIu64 " bytes=%zu err=\"%s\"", a->incr_name,
				  a->written_off, n, strerror(-rc));
		a->write_err = -rc;
		backoff(a, now_ms);
		return;
	}
	if (a->write_err != 0)
		rw_log_kv(RW_LOG_INFO, "cp.aof", "AOF writes succeed again", "file=%s",
			  a->incr_name);
	a->write_err = 0;
	a->backoff_ms = AOF_BACKOFF_MIN_MS;
	if (a->conf.fsync != CP_AOF_FSYNC_NO && !a->unsynced_lost &&
	    rw_buf_append(&a->unsynced, a->pending.data, n) != 0)
		a->unsynced_lost = true;
	a->wr_carry.epoch = a->taken_epoch;
	memcpy(a->wr_carry.lsn, a->taken_lsn, sizeof(a->wr_carry.lsn));
	a->wr_carry.db = (int32_t)a->cur_db;
	for (size_t i = a->marks_written; i < a->n_marks; i++)
		a->marks[i].end += a->written_off;
	a->marks_written = a->n_marks;
	a->written_off += n;
	rw_buf_reset(&a->pending);
}

/* ---- fsync ---- */

static void job_collect(struct cp_aof *a, int err, uint64_t now_ms);

void aof_sync_collect(struct cp_aof *a, uint64_t now_ms)
{
	int err;
	if (!a->sync_inflight || !aof_syncer_done(&a->sync, a->sync_gen, &err))
		return;
	a->sync_inflight = false;
	if (a->sync_stale) { /* of the file a rewrite's switch left: FINAL follows */
		a->sync_stale = false;
		if (err != 0)
			aof_old_fsync_failed(a, err);
		return;
	}
	if (a->job.kind != AOF_JOB_NONE) {
		job_collect(a, err, now_ms);
		return;
	}
	if (err != 0) {
		a->st.fsync_errors++;
		if (!a->poisoned)
			rw_log_kv(
			    RW_LOG_ERR, "cp.aof",
			    "AOF fsync failed: writes are refused and nothing is acknowledged "
			    "until everything since the last good fsync is written again into a "
			    "fresh incr file and fsynced",
			    "file=%s synced=%" PRIu64 " written=%" PRIu64 " err=\"%s\"",
			    a->incr_name, a->synced_off, a->written_off, strerror(err));
		a->fsync_err = err;
		a->poisoned = true;
		backoff(a, now_ms);
		return;
	}
	a->st.fsyncs++;
	if (a->sync_target > a->synced_off) {
		size_t drop = (size_t)(a->sync_target - a->synced_off);
		rw_buf_consume(&a->unsynced, drop < a->unsynced.len ? drop : a->unsynced.len);
		a->synced_off = a->sync_target;
		a->synced_carry = a->sync_carry;
	}
	a->fsync_err = 0;
	a->backoff_ms = AOF_BACKOFF_MIN_MS;
}

/*
 * The thread's part of a job: aof_rotate.c's file work. The loop changes
 * none of what it reads until aof_sync_collect() has its outcome.
 */
static int job_run(void *arg)
{
	struct aof_incr_job *j = arg;
	struct cp_aof *a = j->a;
	if (j->kind == AOF_JOB_FINAL) {
		errno = 0;
		return a->sync.fsync_fn(j->old_fd) == 0 ? 0 : (errno != 0 ? -errno : -EIO);
	}
	return aof_incr_fresh(a->dirfd, &a->conf, a->sync.fsync_fn, a->fd, a->synced_off,
			      &a->synced_carry, a->unsynced.data, a->unsynced.len, &j->f);
}

void aof_job_post(struct cp_aof *a, enum aof_job_kind kind)
{
	a->job.kind = kind;
	a->job.a = a;
	a->sync_gen = aof_syncer_run(&a->sync, job_run, &a->job);
	a->sync_inflight = true;
}

/*
 * Recovery from an fsync error, its end: the bytes since the last good
 * fsync went, from memory, into a fresh incr file named by the manifest
 * (aof_rotate.c, on the thread); the old file was cut back to its last
 * good fsync. The same file is never fsynced again and trusted.
 */
static void rotated(struct cp_aof *a, const struct aof_fresh *f)
{
	for (size_t i = 0; i < a->marks_written; i++)
		a->marks[i].end = a->marks[i].end > a->synced_off
				      ? a->marks[i].end - a->synced_off + f->carry_end
				      : f->carry_end;
	aof_syncer_set_fd(&a->sync, f->fd);
	close(a->fd);
	a->fd = f->fd;
	rw_log_kv(RW_LOG_NOTICE, "cp.aof",
		  "AOF re-persisted into a fresh incr file after an fsync error",
		  "old_file=%s old_bytes=%" PRIu64 " file=%s rewritten_bytes=%zu", a->incr_name,
		  a->synced_off, f->name, a->unsynced.len);
	snprintf(a->incr_name, sizeof(a->incr_name), "%s", f->name);
	a->written_off = a->synced_off = a->reserved_off = f->len;
	a->synced_carry = a->wr_carry;
	rw_buf_reset(&a->unsynced);
	a->poisoned = false;
	a->fsync_err = 0;
	a->backoff_ms = AOF_BACKOFF_MIN_MS;
	a->st.rewrites++;
}

static void job_collect(struct cp_aof *a, int err, uint64_t now_ms)
{
	enum aof_job_kind kind = a->job.kind;
	a->job.kind = AOF_JOB_NONE;
	if (kind == AOF_JOB_FINAL) {
		close(a->old_fd);
		a->old_fd = -1;
		if (err != 0)
			aof_old_fsync_failed(a, err);
		else
			a->st.fsyncs++;
		return;
	}
	if (err == 0) {
		rotated(a, &a->job.f);
		return;
	}
	a->st.write_errors++;
	rw_log_kv(RW_LOG_ERR, "cp.aof",
		  "cannot re-persist the AOF into a fresh file: stays poisoned, retrying",
		  "file=%s err=\"%s\"", a->incr_name, strerror(err));
	backoff(a, now_ms);
}

void aof_sync_drain(struct cp_aof *a, uint64_t now_ms)
{
	if (!a->sync_inflight)
		return;
	aof_syncer_wait_idle(&a->sync, 600000);
	aof_sync_collect(a, now_ms);
}

void aof_old_fsync_failed(struct cp_aof *a, int err)
{
	a->st.fsync_errors++;
	rw_log_kv(RW_LOG_ERR, "cp.aof",
		  "the last fsync of the incr file left at the rewrite's cut failed: its records "
		  "are durable once the rewrite's base is installed",
		  "err=\"%s\"", strerror(err));
}

static void sync_issue(struct cp_aof *a, uint64_t now_ms)
{
	if (a->sync_inflight)
		return;
	if (a->old_fd >= 0) { /* before any fsync of the new file */
		a->job.old_fd = a->old_fd;
		aof_job_post(a, AOF_JOB_FINAL);
		return;
	}
	if (a->poisoned) {
		if (now_ms < a->retry_at_ms)
			return;
		if (a->rw.state == AOF_RW_PREPARING || a->rw.state == AOF_RW_ARMED)
			cp_aof_rewrite_abort(a); /* the fresh file must come after the listed one */
		if (a->prep_inflight)
			return; /* so the file thread's manifest change goes first */
		if (a->unsynced_lost) {
			backoff(a, now_ms); /* stays poisoned: needs a snapshot (#7 item 4) */
			return;
		}
		if (a->rw.installing) { /* the rewrite's manifest switch goes first */
			backoff(a, now_ms);
			return;
		}
		aof_job_post(a, AOF_JOB_ROTATE);
		return;
	} else if (a->written_off <= a->synced_off || a->conf.fsync == CP_AOF_FSYNC_NO ||
		   (a->conf.fsync == CP_AOF_FSYNC_EVERYSEC &&
		    now_ms - a->last_sync_ms < AOF_EVERYSEC_MS)) {
		return;
	}
	aof_sync_request(a, now_ms);
}

void aof_sync_request(struct cp_aof *a, uint64_t now_ms)
{
	a->sync_target = a->written_off;
	a->sync_carry = a->wr_carry;
	a->sync_gen = aof_syncer_request(&a->sync, a->sync_target);
	a->sync_inflight = true;
	a->last_sync_ms = now_ms;
}

/* Pop the batch marks the durability rule now covers. */
void aof_durable_advance(struct cp_aof *a)
{
	uint64_t limit =
	    a->conf.fsync == CP_AOF_FSYNC_ALWAYS || a->poisoned ? a->synced_off : a->written_off;
	size_t i = 0;
	for (; i < a->marks_written && a->marks[i].end <= limit; i++) {
		const struct aof_mark *m = &a->marks[i];
		if (m->epoch != a->durable_epoch) {
			memset(a->durable_lsn, 0, sizeof(a->durable_lsn));
			a->durable_epoch = m->epoch;
		}
		if (m->lsn > a->durable_lsn[m->w])
			a->durable_lsn[m->w] = m->lsn;
	}
	if (i == 0)
		return;
	memmove(a->marks, a->marks + i, (a->n_marks - i) * sizeof(*a->marks));
	a->n_marks -= i;
	a->marks_written -= i;
}

void cp_aof_flush(struct cp_aof *a, uint64_t now_ms)
{
	aof_sync_collect(a, now_ms);
	aof_rw_collect(a, now_ms); /* a prepared rewrite may take its cut from now on */
	if (aof_batch_close(a) != 0)
		return; /* ENOMEM: the batch stays open, try again next tick */
	aof_write_step(a, now_ms);
	sync_issue(a, now_ms);
	aof_durable_advance(a);
	aof_rw_flush(a, now_ms);
}

void cp_aof_set_fsync(struct cp_aof *a, enum cp_aof_fsync f)
{
	if (a->conf.fsync == f)
		return;
	if (a->job.kind == AOF_JOB_ROTATE)
		aof_sync_drain(a, 0); /* it reads the bytes about to be replaced (rare) */
	if (a->conf.fsync == CP_AOF_FSYNC_NO && a->written_off > a->synced_off &&
	    !a->unsynced_lost) {
		/* `no` kept no copy of them: read back what was written */
		size_t n = (size_t)(a->written_off - a->synced_off);
		rw_buf_reset(&a->unsynced);
		if (rw_buf_reserve(&a->unsynced, n) != 0 ||
		    pread(a->fd, a->unsynced.data, n, (off_t)a->synced_off) != (ssize_t)n)
			a->unsynced_lost = true;
		else
			a->unsynced.len = n;
	}
	rw_log_kv(RW_LOG_NOTICE, "cp.aof", "appendfsync changed", "from=%s to=%s",
		  cp_aof_fsync_name(a->conf.fsync), cp_aof_fsync_name(f));
	a->conf.fsync = f;
}

void cp_aof_set_load_truncated(struct cp_aof *a, bool yes)
{
	a->conf.load_truncated = yes;
}

uint64_t cp_aof_durable_lsn(const struct cp_aof *a, uint64_t epoch, uint32_t w)
{
	return w < CP_AOF_MAX_WORKERS && epoch == a->durable_epoch ? a->durable_lsn[w] : 0;
}

bool cp_aof_rotating(const struct cp_aof *a)
{
	return a != NULL && a->job.kind == AOF_JOB_ROTATE;
}

int cp_aof_sync_wait(struct cp_aof *a, int timeout_ms)
{
	int rc = aof_syncer_wait_idle(&a->sync, timeout_ms);
	return rc == 0 && a->files.started ? aof_syncer_wait_idle(&a->files, timeout_ms) : rc;
}

void cp_aof_status(const struct cp_aof *a, struct cp_aof_status *st)
{
	*st = a->st;
	st->enabled = true;
	st->write_ok = a->write_err == 0;
	st->fsync_ok = a->fsync_err == 0 && !a->poisoned;
	st->poisoned = a->poisoned;
	st->last_write_errno = a->write_err;
	st->last_fsync_errno = a->fsync_err;
	st->written_bytes = a->written_off;
	st->synced_bytes = a->synced_off;
	st->pending_bytes = a->pending.len;
	st->base_bytes = a->base_bytes;
	st->current_bytes = a->base_bytes + a->prev_incr_bytes + a->written_off;
	st->rw_base_bytes = a->rw_base_bytes;
	st->fsync_inflight = a->sync_inflight;
	snprintf(st->incr_path, sizeof(st->incr_path), "%s/%s/%s", a->conf.dir, a->conf.dirname,
		 a->incr_name);
}

size_t cp_aof_info(const struct cp_aof *a, char *buf, size_t len)
{
	bool ok = a->write_err == 0 && a->fsync_err == 0 && !a->poisoned;
	int n = snprintf(buf, len,
			 "# Persistence\r\nloading:0\r\nasync_loading:0\r\n"
			 "rdb_bgsave_in_progress:0\r\naof_enabled:1\r\n"
			 "aof_rewrite_in_progress:0\r\naof_last_write_status:%s\r\n"
			 "aof_current_size:%" PRIu64 "\r\naof_buffer_length:%zu\r\n"
			 "aof_pending_bio_fsync:%d\r\naof_fsync:%s\r\n"
			 "aof_last_fsync_status:%s\r\naof_poisoned:%d\r\n",
			 ok ? "ok" : "err", a->written_off, a->pending.len,
			 a->sync_inflight ? 1 : 0, cp_aof_fsync_name(a->conf.fsync),
			 a->fsync_err == 0 && !a->poisoned ? "ok" : "err", a->poisoned ? 1 : 0);
	return n < 0 ? 0 : (size_t)n;
}

/* ---- open and close ---- */

int aof_conf_copy(struct cp_aof *a, const struct cp_aof_conf *conf)
{
	a->conf = *conf;
	a->conf.dir = strdup(conf->dir);
	a->conf.dirname = strdup(conf->dirname);
	a->conf.filename = strdup(conf->filename);
	if (a->conf.reserve_bytes == 0)
		a->conf.reserve_bytes = AOF_RESERVE_DEFAULT;
	if (a->conf.pwrite_fn == NULL)
		a->conf.pwrite_fn = default_pwrite;
	return a->conf.dir && a->conf.dirname && a->conf.filename ? 0 : -ENOMEM;
}

static int create_empty(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

/* History files a rewrite switched away from and a crash left behind. */
static void history_remove(struct cp_aof *a, const char *mname, struct aof_manifest *m)
{
	int rc = aof_history_unlink(a->dirfd, m);
	if (rc == 0 && aof_manifest_drop_history(m) > 0) {
		rc = aof_manifest_write(a->dirfd, mname, m);
		rw_log_kv(RW_LOG_INFO, "cp.aof", "removed AOF history files left by a rewrite",
			  "err=\"%s\"", rc == 0 ? "" : strerror(-rc));
	}
}

/*
 * Make sure the manifest lists a base and an incr file that exist, as
 * Redis 7.0 does on its first start with appendonly yes (with
 * aof-use-rdb-preamble no: an empty base AOF). Files first, then the
 * manifest that names them, so a crash in between leaves no manifest
 * pointing at a missing file.
 */
static int manifest_prepare(struct cp_aof *a, struct cp_aof_load_info *info)
{
	struct aof_manifest m = {0};
	char mname[AOF_NAME_MAX + 16], name[AOF_NAME_MAX], err[256] = "";
	bool dirty = false;
	int rc;

	snprintf(mname, sizeof(mname), "%s.manifest", a->conf.filename);
	rc = aof_manifest_read(a->dirfd, mname, &m, err, sizeof(err));
	if (rc == -EINVAL)
		snprintf(info->err, sizeof(info->err), "%s: %s", mname, err);
	if (rc != 0 && rc != -ENOENT)
		goto out;
	info->exists = rc == 0;
	if (aof_manifest_base(&m) == NULL) {
		snprintf(name, sizeof(name), "%s.1.base.aof", a->conf.filename);
		rc = create_empty(a->dirfd, name);
		if (rc == 0)
			rc = aof_manifest_add(&m, name, 1, 'b');
		dirty = true;
	}
	const struct aof_file_info *incr = aof_manifest_last_incr(&m);
	if (rc == 0 && incr == NULL) {
		snprintf(name, sizeof(name), "%s.1.incr.aof", a->conf.filename);
		rc = create_empty(a->dirfd, name);
		if (rc == 0)
			rc = aof_manifest_add(&m, name, 1, 'i');
		incr = aof_manifest_last_incr(&m);
		dirty = true;
	}
	if (rc == 0 && dirty)
		rc = aof_dir_fsync(a->dirfd);
	if (rc == 0 && dirty)
		rc = aof_manifest_write(a->dirfd, mname, &m);
	if (rc == 0)
		snprintf(a->incr_name, sizeof(a->incr_name), "%s", incr->name);
	if (rc == 0)
		history_remove(a, mname, &m);
	struct stat bst;
	const struct aof_file_info *base = aof_manifest_base(&m);
	if (rc == 0 && base != NULL && fstatat(a->dirfd, base->name, &bst, 0) == 0)
		a->base_bytes = (uint64_t)bst.st_size;
	/* Redis: aof_current_size counts every file, aof_base_size starts as the base's */
	a->rw_base_bytes = a->base_bytes;
	incr = rc == 0 ? aof_manifest_last_incr(&m) : NULL;
	for (size_t i = 0; incr != NULL && i < m.n; i++)
		if (m.files[i].type == 'i' && m.files[i].seq != incr->seq &&
		    fstatat(a->dirfd, m.files[i].name, &bst, 0) == 0)
			a->prev_incr_bytes += (uint64_t)bst.st_size;
out:
	aof_manifest_fini(&m);
	return rc;
}

/*
 * The incr file we continue holds no command: a rewrite may have listed it
 * ahead of its cut (aof_rewrite.c) while the file before went on taking
 * records. Cut a torn tail there too (the loader took it as the AOF's
 * tail: aof_load.c), and while the file has no annotation of its own take
 * the epoch and LSNs in effect at the end of the last file that has.
 */
static int incr_adopt_before(struct cp_aof *a, struct aof_scan *s)
{
	struct aof_manifest m = {0};
	char mname[AOF_NAME_MAX + 16], err[256];
	snprintf(mname, sizeof(mname), "%s.manifest", a->conf.filename);
	int rc = aof_manifest_read(a->dirfd, mname, &m, err, sizeof(err));
	const struct aof_file_info *cur = rc == 0 ? aof_manifest_last_incr(&m) : NULL;
	for (int64_t seq = cur != NULL ? cur->seq - 1 : 0; rc == 0 && seq > 0; seq--) {
		const struct aof_file_info *f = NULL;
		for (size_t i = 0; i < m.n; i++)
			if (m.files[i].type == 'i' && m.files[i].seq == seq)
				f = &m.files[i];
		if (f == NULL)
			break;
		struct aof_scan ps;
		uint8_t *p;
		size_t len;
		if (aof_file_map(a->dirfd, f->name, &p, &len) != 0)
			break;
		rc = aof_scan(p, len, &ps);
		aof_file_unmap(p, len);
		if (rc == 0 && ps.valid_end < len && a->conf.load_truncated) {
			int fd = openat(a->dirfd, f->name, O_RDWR | O_CLOEXEC);
			rc = fd < 0 || ftruncate(fd, (off_t)ps.valid_end) != 0 || fsync(fd) != 0
				 ? -errno
				 : 0;
			if (fd >= 0)
				close(fd);
			rw_log_kv(RW_LOG_WARN, "cp.aof", "AOF torn tail cut",
				  "file=%s valid_bytes=%" PRIu64 " cut_bytes=%" PRIu64, f->name,
				  ps.valid_end, (uint64_t)(len - ps.valid_end));
		}
		if (rc != 0 || ps.batches == 0)
			continue;
		if (s->batches == 0) {
			s->epoch = ps.epoch;
			memcpy(s->lsn, ps.lsn, sizeof(s->lsn));
		}
		break;
	}
	aof_manifest_fini(&m);
	return rc == -EILSEQ ? 0 : rc; /* the loader judged the files: nothing to adopt */
}

/*
 * Validate the incr file we continue, cut a torn tail (aof-load-truncated),
 * seal a stock-written (unannotated) file with an annotation so our first
 * batch's CRC starts after it, and fsync: from here on everything in the
 * file is durable.
 */
static int incr_prepare(struct cp_aof *a, struct cp_aof_load_info *info)
{
	struct aof_scan s;
	uint8_t *p;
	size_t len;
	int rc = aof_file_map(a->dirfd, a->incr_name, &p, &len);
	if (rc != 0)
		return rc;
	rc = aof_scan(p, len, &s);
	if (rc == -EILSEQ)
		snprintf(info->err, sizeof(info->err), "%s offset %" PRIu64 ": %s", a->incr_name,
			 s.err_off, s.err);
	if (rc == 0 && s.valid_end < len) {
		if (!a->conf.load_truncated) {
			snprintf(info->err, sizeof(info->err),
				 "%s offset %" PRIu64 ": torn tail of %" PRIu64
				 " bytes and aof-load-truncated is no",
				 a->incr_name, s.valid_end, (uint64_t)(len - s.valid_end));
			rc = -EILSEQ;
		} else if (ftruncate(a->fd, (off_t)s.valid_end) != 0) {
			rc = -errno;
		} else {
			info->tail_cut = len - s.valid_end;
			info->tail_offset = s.valid_end;
			snprintf(info->tail_file, sizeof(info->tail_file), "%s", a->incr_name);
			rw_log_kv(RW_LOG_WARN, "cp.aof", "AOF torn tail cut",
				  "file=%s valid_bytes=%" PRIu64 " cut_bytes=%" PRIu64,
				  a->incr_name, s.valid_end, info->tail_cut);
		}
	}
	uint64_t end = s.valid_end;
	if (rc == 0 && s.commands == 0)
		rc = incr_adopt_before(a, &s);
	if (rc == 0 && end == 0) {
		rc = pwrite_all(a, (const uint8_t *)AOF_HEADER, strlen(AOF_HEADER), 0);
		end = strlen(AOF_HEADER);
	} else if (rc == 0 && !s.annotated) {
		char line[AOF_ANNOT_MAX];
		struct aof_annot seal = {.n = (uint32_t)s.commands};
		seal.crc = aof_annot_crc(p, end, &seal);
		size_t n = aof_annot_format(line, &seal);
		rc = pwrite_all(a, (const uint8_t *)line, n, end);
		end += n;
	}
	aof_file_unmap(p, len);
	if (rc != 0)
		return rc;
	if (fsync(a->fd) != 0)
		return -errno;
	a->written_off = a->synced_off = a->reserved_off = end;
	a->synced_carry.epoch = s.epoch;
	memcpy(a->synced_carry.lsn, s.lsn, sizeof(a->synced_carry.lsn));
	a->synced_carry.db = s.db;
	a->wr_carry = a->synced_carry;
	info->epoch = a->taken_epoch = a->durable_epoch = s.epoch;
	memcpy(info->lsn, s.lsn, sizeof(info->lsn));
	memcpy(a->taken_lsn, s.lsn, sizeof(a->taken_lsn));
	memcpy(a->durable_lsn, s.lsn, sizeof(a->durable_lsn));
	info->batches = s.batches;
	return 0;
}

int cp_aof_open(struct cp_aof **out, const struct cp_aof_conf *conf, struct cp_aof_load_info *start)
{
	struct cp_aof_load_info dummy;
	struct cp_aof *a = calloc(1, sizeof(*a));
	int rc;

	if (start == NULL)
		start = &dummy;
	memset(start, 0, sizeof(*start));
	if (a == NULL)
		return -ENOMEM;
	a->dirfd = a->fd = a->old_fd = -1;
	a->cur_db = -1; /* Redis: the first command after open is preceded by SELECT */
	a->backoff_ms = AOF_BACKOFF_MIN_MS;
	rc = aof_conf_copy(a, conf);
	if (rc == 0)
		rc = aof_dir_open(&a->conf, true, &a->dirfd);
	if (rc == 0)
		rc = manifest_prepare(a, start);
	if (rc == 0) {
		a->fd = openat(a->dirfd, a->incr_name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		rc = a->fd < 0 ? -errno : 0;
	}
	if (rc == 0)
		rc = incr_prepare(a, start);
	if (rc == 0)
		rc = aof_syncer_start(&a->sync, a->fd, conf->fsync_fn, "aof-fsync");
	if (rc == 0)
		rc = aof_syncer_start(&a->files, -1, conf->fsync_fn, "aof-files");
	if (rc != 0) {
		if (start->err[0] == '\0')
			snprintf(start->err, sizeof(start->err), "%s/%s: %s", conf->dir,
				 conf->dirname, strerror(-rc));
		cp_aof_close(&a);
		return rc;
	}
	rw_log_kv(RW_LOG_INFO, "cp.aof", "AOF open",
		  "file=%s/%s/%s bytes=%" PRIu64 " appendfsync=%s epoch=%016" PRIx64, a->conf.dir,
		  a->conf.dirname, a->incr_name, a->written_off, cp_aof_fsync_name(a->conf.fsync),
		  start->epoch);
	*out = a;
	return 0;
}

void cp_aof_close(struct cp_aof **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	struct cp_aof *a = *ap;
	aof_sync_drain(a, UINT64_MAX / 2); /* a job's new file is adopted (or dropped) first */
	aof_rw_drain(a);
	cp_aof_rewrite_abort(a); /* held records go into the file */
	if (a->fd >= 0 && a->sync.started) {
		cp_aof_flush(a, UINT64_MAX / 2);
		aof_sync_drain(a, UINT64_MAX / 2);
		aof_syncer_stop(&a->sync);
		if (a->written_off > a->synced_off && !a->poisoned && a->write_err == 0) {
			cp_aof_fsync_fn *fn = a->sync.fsync_fn;
			if (fn(a->fd) == 0)
				a->synced_off = a->written_off;
			else
				rw_log_kv(RW_LOG_ERR, "cp.aof", "final AOF fsync failed",
					  "file=%s err=\"%s\"", a->incr_name, strerror(errno));
		}
		if (a->pending.len > 0 || a->poisoned || a->write_err != 0)
			rw_log_kv(RW_LOG_WARN, "cp.aof", "AOF closed with records not durable",
				  "pending_bytes=%zu poisoned=%d write_err=%d", a->pending.len,
				  a->poisoned, a->write_err);
	}
	aof_syncer_stop(&a->sync);
	aof_syncer_stop(&a->files);
	if (a->old_fd >= 0) {
		if (a->sync.fsync_fn(a->old_fd) != 0)
			aof_old_fsync_failed(a, errno != 0 ? errno : EIO);
		close(a->old_fd);
	}
	if (a->fd >= 0)
		close(a->fd);
	/* appendonly no before the first rewrite was installed: nothing names it
	 * (unless the install, running, is about to: then it stays) */
	if (a->enabling && !a->rw.installing && a->fd >= 0 && a->dirfd >= 0)
		unlinkat(a->dirfd, a->incr_name, 0);
	if (a->dirfd >= 0)
		close(a->dirfd);
	rw_buf_fini(&a->pending);
	rw_buf_fini(&a->unsynced);
	rw_buf_fini(&a->rw.stage);
	free(a->marks);
	free(a->cmd.argv);
	free((char *)a->conf.dir);
	free((char *)a->conf.dirname);
	free((char *)a->conf.filename);
	free(a);
	*ap = NULL;
}
