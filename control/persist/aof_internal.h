/*
 * Private to control/persist: the manifest, the batch annotation, the file
 * scanner and the fsync thread, shared by the writer (aof_write.c) and the
 * loader (aof_load.c). Formats: FORMAT.md in this directory.
 */
#ifndef AOF_INTERNAL_H
#define AOF_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cp_aof.h"
#include "rw_buf.h"

/* ---- annotation: "#RW1 epoch=%016x w=%u lsn=%u-%u n=%u crc64=%016x\r\n" ---- */

#define AOF_ANNOT_PREFIX "#RW1 "
#define AOF_ANNOT_MAX	 160 /* longest line we write is 117 bytes */
/* First line of every incr file Redwire starts: the file is annotated from
 * byte 0, so a torn first batch is a tail, not a stock-written command. */
#define AOF_HEADER "#RW1 redwire-aof\r\n"

struct aof_annot {
	uint64_t epoch;
	uint32_t w;
	uint64_t first, last; /* LSN range of the batch's journal records */
	uint32_t n;	      /* RESP commands in the batch, SELECTs included */
	uint64_t crc;	      /* aof_annot_crc(): batch bytes, then the line before it */
};

/**
 * The annotation's CRC64: over the batch bytes, then over its own line up
 * to "crc64=", so a flipped epoch, worker, LSN or count is caught too.
 */
uint64_t aof_annot_crc(const uint8_t *batch, size_t n, const struct aof_annot *a);
/** The same, given the CRC64 of the batch bytes (written in pieces). */
uint64_t aof_annot_crc_cont(uint64_t batch_crc, const struct aof_annot *a);
/** @return the line length (with CRLF), at most AOF_ANNOT_MAX - 1. */
size_t aof_annot_format(char *buf, const struct aof_annot *a);
/** Parse one line (@p n bytes, up to and including '\n'). @return 0 or -EINVAL. */
int aof_annot_parse(const uint8_t *line, size_t n, struct aof_annot *a);
/** "*2\r\n$6\r\nSELECT\r\n$<len>\r\n<db>\r\n" into @p buf (>= 40 bytes). @return length. */
size_t aof_select_format(char *buf, uint32_t db);

/* ---- manifest ---- */

#define AOF_NAME_MAX 256

struct aof_file_info {
	char name[AOF_NAME_MAX];
	int64_t seq;
	char type; /* 'b' base, 'h' history, 'i' incr */
};

struct aof_manifest {
	struct aof_file_info *files;
	size_t n, cap;
};

/** Redis 7.0 aofLoadManifestFromFile() rules. @return 0 or -EINVAL with @p err set. */
int aof_manifest_parse(const char *text, size_t len, struct aof_manifest *m, char *err,
		       size_t errlen);
/** Base first, then history, then incr, as Redis writes them. @return 0 or -ENOMEM. */
int aof_manifest_format(const struct aof_manifest *m, struct rw_buf *out);
int aof_manifest_add(struct aof_manifest *m, const char *name, int64_t seq, char type);
void aof_manifest_fini(struct aof_manifest *m);
/** The base entry, or NULL. */
const struct aof_file_info *aof_manifest_base(const struct aof_manifest *m);
/** The incr entry with the highest seq, or NULL. */
const struct aof_file_info *aof_manifest_last_incr(const struct aof_manifest *m);
/**
 * Read <dirfd>/<name>. @return 0, -ENOENT (no manifest), -EINVAL (@p err set), -errno.
 */
int aof_manifest_read(int dirfd, const char *name, struct aof_manifest *m, char *err,
		      size_t errlen);
/** Crash-safe: temp-<name>, write, fsync, rename over <name>, fsync the directory. */
int aof_manifest_write(int dirfd, const char *name, const struct aof_manifest *m);
/**
 * Open <dir>/<dirname> (with @p create: make both if missing, fsyncing the
 * parent). @return 0 with *out set, -ENOENT, -errno.
 */
int aof_dir_open(const struct cp_aof_conf *conf, bool create, int *out);
/** fsync a directory fd. @return 0 or -errno. */
int aof_dir_fsync(int dirfd);

/* ---- scanning one file ---- */

struct aof_scan {
	uint64_t size;	    /* bytes scanned */
	uint64_t valid_end; /* whole and (when annotated) verified up to here */
	uint64_t batches;   /* verified annotations */
	uint64_t commands;  /* RESP commands up to valid_end (SELECT included) */
	bool annotated;	    /* at least one "#RW1" line */
	int32_t db;	    /* SELECTed db at valid_end, -1 if none yet */
	uint64_t epoch;	    /* epoch of the last verified batch */
	uint64_t lsn[CP_AOF_MAX_WORKERS];
	uint64_t err_off; /* where the corruption starts */
	char err[256];	  /* cause, when aof_scan() returns -EILSEQ */
};

/**
 * Validate @p buf: RESP commands, '#' lines, "#RW1" batch CRCs. A problem
 * with no later "#RW1" annotation is a torn tail: valid_end stops before
 * it (the caller decides whether to cut it). Bytes after the last
 * annotation of an annotated file are unverified and also a tail.
 * @return 0, -EILSEQ (corruption before the tail: err/err_off set), -ENOMEM.
 */
int aof_scan(uint8_t *buf, size_t len, struct aof_scan *s);

/**
 * Deliver the commands of [0, end) of an already validated buffer; @p base
 * is the bytes of the files before it (cp_aof_cmd.loaded_bytes).
 * @return 0 or the callback's non-zero.
 */
int aof_replay(uint8_t *buf, size_t end, const char *file, uint64_t base, uint32_t *db,
	       cp_aof_cmd_fn *cb, void *arg, uint64_t *count);

/** Map <dirfd>/<name> read-write private (parsing may need it). len 0: *p NULL. */
int aof_file_map(int dirfd, const char *name, uint8_t **p, size_t *len);
void aof_file_unmap(uint8_t *p, size_t len);

/* ---- a fresh incr file after an fsync error (aof_rotate.c) ---- */

/* What is in effect at the last good fsync of the old file. */
struct aof_carry {
	uint64_t epoch;
	uint64_t lsn[CP_AOF_MAX_WORKERS];
	int32_t db; /* -1: no SELECT yet */
};

struct aof_fresh {
	char name[AOF_NAME_MAX];
	int64_t seq;
	int fd;
	uint64_t carry_end; /* where the re-written bytes start */
	uint64_t len;	    /* the new file's size, all of it fsynced */
};

/**
 * Cut @p old_fd back to @p old_good and fsync it, write a new incr file
 * (next seq): header, carry, then @p bytes; fsync it and the directory;
 * add it to the manifest. On error nothing names the new file.
 * @return 0 with @p out set (out->fd open), or -errno.
 */
int aof_incr_fresh(int dirfd, const struct cp_aof_conf *conf, cp_aof_fsync_fn *fsync_fn, int old_fd,
		   uint64_t old_good, const struct aof_carry *carry, const uint8_t *bytes, size_t n,
		   struct aof_fresh *out);
/** The carry's annotation lines (a SELECT first when it has a db) onto @p out. @return 0, -ENOMEM.
 */
int aof_carry_append(struct rw_buf *out, const struct aof_carry *c);
/**
 * Step 2 and 3 of aof_incr_fresh() alone: a new incr file (next seq) with
 * the header, @p carry (NULL: none, the loop writes it later) and @p bytes, fsynced, then named by
 * the manifest
 * (@p listed; else not named yet, and a missing manifest means seq 1: the
 * incr file of CONFIG SET appendonly yes, listed with its base).
 * An AOF rewrite opens the incr file of its cut with it.
 */
int aof_incr_new(int dirfd, const struct cp_aof_conf *conf, cp_aof_fsync_fn *fsync_fn,
		 const struct aof_carry *carry, const uint8_t *bytes, size_t n, bool listed,
		 struct aof_fresh *out);

/* ---- fsync thread ---- */

/* A job for the thread instead of an fsync of its fd: @return 0 or -errno. */
typedef int aof_job_fn(void *arg);

struct aof_syncer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* the thread waits for a request */
	pthread_cond_t idle_cv; /* a request completed */
	int fd;
	cp_aof_fsync_fn *fsync_fn;
	bool started, stop;
	bool req;	  /* a request waits */
	bool busy;	  /* the thread is in fsync */
	uint64_t req_gen; /* generation of the last request */
	uint64_t req_off; /* its target offset */
	aof_job_fn *job;  /* NULL: the request is an fsync of fd */
	void *job_arg;
	uint64_t done_gen;
	uint64_t done_off;
	int done_err; /* 0 or errno of the completed request */
};

/** Start the thread, named @p name (at most 15 characters: top -H, gdb). */
int aof_syncer_start(struct aof_syncer *s, int fd, cp_aof_fsync_fn *fn, const char *name);
/** Point the thread at another file. Only while no request is in flight. */
void aof_syncer_set_fd(struct aof_syncer *s, int fd);
void aof_syncer_stop(struct aof_syncer *s);
/** Ask for an fsync covering @p off. @return the request's generation. */
uint64_t aof_syncer_request(struct aof_syncer *s, uint64_t off);
/**
 * Run @p fn(@p arg) on the thread instead of an fsync (the RDB writer's
 * fsync, close, rename and directory fsync). Same rules as a request: one
 * at a time, its outcome (-return value as errno) collected by
 * aof_syncer_done(). @return the request's generation.
 */
uint64_t aof_syncer_run(struct aof_syncer *s, aof_job_fn *fn, void *arg);
/** Completed @p gen? Then *err = 0 or errno. @return true when done. */
bool aof_syncer_done(struct aof_syncer *s, uint64_t gen, int *err);
int aof_syncer_wait_idle(struct aof_syncer *s, int timeout_ms);

/* ---- the writer's state, shared by aof_write.c and aof_rewrite.c ---- */

/* A rewrite as the writer sees it (aof_rewrite.c): armed before the cut is
 * taken, switched once the new incr file is open, idle again when the new
 * base is in the manifest (or the rewrite failed). */
enum aof_rw_state {
	AOF_RW_IDLE = 0,
	AOF_RW_PREPARING, /* the cut's incr file is being made and listed (a PREPARE job); records
			     go on into the file in use, and the dataplane is not asked for the
			     cut yet */
	AOF_RW_ARMED, /* records past a worker's cut (or of a worker whose cut is unknown) are held
		       */
	AOF_RW_SWITCHED, /* the new incr file is written; waiting for the base */
};

struct aof_rw {
	enum aof_rw_state state;
	uint64_t epoch; /* the dataplane's whose cut it is */
	uint32_t workers;
	uint64_t armed_ms;
	bool has_cut[CP_AOF_MAX_WORKERS];
	uint64_t cut[CP_AOF_MAX_WORKERS]; /* each worker's last LSN before the cut */
	struct rw_buf stage;		  /* held records: {u64 lsn, u32 w, u32 len, payload} */
	int64_t new_seq;		  /* seq of the incr file opened at the cut */
	struct aof_fresh next; /* ARMED after PREPARING: the cut's file, listed (fd open) */
	bool has_next;
	int prep_err;	 /* a PREPARE job's failure, for cp_aof_rewrite_prepared() */
	bool installing; /* the base is being put in place (cp_aof_install_run): no fresh
			    incr file may change the manifest meanwhile */
};

/*
 * Disk work on a thread instead of a plain fsync, on one of two threads:
 *
 *   sync   (the fsync thread) in line with the fsyncs of the file in use:
 *          a fresh incr file after an fsync error (aof_rotate.c), the last
 *          fsync of the incr file a rewrite's switch left. While it runs
 *          the loop leaves alone what the job reads (the old fd, the
 *          unsynced bytes: nothing is written while poisoned),
 *          sync_inflight keeps other requests away and aof_sync_collect()
 *          takes the outcome.
 *   files  (the file thread) beside them: the incr file of a rewrite's
 *          cut, made, fsynced and listed before the cut (aof_rewrite.c).
 *          Its four fsyncs touch neither the file in use nor its bytes, so
 *          an appendfsync always write's group-commit fsync never queues
 *          behind them. The manifest's other writers wait for it (a
 *          fresh file after an fsync error; a base's install cannot
 *          overlap: it follows the switch, which follows this job).
 */
enum aof_job_kind {
	AOF_JOB_NONE = 0,
	AOF_JOB_PREPARE, /* files: the incr file of a rewrite's cut, made and listed before it */
	AOF_JOB_ROTATE,	 /* sync: a fresh incr file after an fsync error */
	AOF_JOB_FINAL,	 /* sync: fsync the incr file left at a rewrite's switch (old_fd) */
};

struct aof_incr_job {
	enum aof_job_kind kind;
	struct cp_aof *a;
	bool listed;	    /* PREPARE: named by the manifest now (not while enabling) */
	int old_fd;	    /* FINAL */
	struct aof_fresh f; /* the outcome */
};

struct aof_mark {
	uint64_t end; /* absolute once written; relative to pending before */
	uint64_t epoch;
	uint64_t lsn;
	uint32_t w;
};

struct cp_aof {
	struct cp_aof_conf conf;
	int dirfd, fd;
	char incr_name[AOF_NAME_MAX];
	uint64_t base_bytes;	  /* size of the base file */
	uint64_t prev_incr_bytes; /* incr files before the one written (aof_current_size) */
	uint64_t rw_base_bytes;	  /* aof_base_size: the AOF's size after the last rewrite */
	uint64_t written_off, synced_off, reserved_off;
	bool reserve_disabled, reserve_warned;
	struct rw_buf pending; /* closed batches, then the open one */
	struct rw_buf unsynced;
	bool unsynced_lost; /* could not keep them (ENOMEM): a rewrite is impossible */
	struct aof_mark *marks;
	size_t n_marks, cap_marks, marks_written;
	bool batch_open;
	size_t batch_start;
	struct aof_annot batch;
	int64_t cur_db;
	uint64_t taken_epoch, taken_lsn[CP_AOF_MAX_WORKERS];
	uint64_t durable_epoch, durable_lsn[CP_AOF_MAX_WORKERS];
	struct aof_syncer sync;
	/* db and LSNs in effect at written_off, at the fsync in flight's
	 * target, and at synced_off: a fresh file after an fsync error starts
	 * from synced_carry (aof_rotate.c) */
	struct aof_carry wr_carry, sync_carry, synced_carry;
	bool sync_inflight, poisoned;
	/* the incr file a rewrite's switch left with bytes not fsynced (-1:
	 * none): its last fsync (a FINAL job) goes before any of the new
	 * file's, so the new file never holds durable records past a hole */
	int old_fd;
	bool sync_stale; /* the request in flight is an fsync of old_fd's file */
	uint64_t sync_gen, sync_target, last_sync_ms;
	int write_err, fsync_err;
	uint64_t retry_at_ms, backoff_ms;
	struct resp_cmd cmd;
	struct cp_aof_status st;
	struct aof_rw rw;
	struct aof_incr_job job; /* on the fsync thread when kind != NONE */
	/* the file thread and its PREPARE job; prep_stale: the rewrite was
	 * given up while it ran, its file is dropped when it ends */
	struct aof_syncer files;
	struct aof_incr_job prep;
	uint64_t prep_gen;
	bool prep_inflight, prep_stale;
	/* CONFIG SET appendonly yes, until its first rewrite is installed
	 * (aof_enable.c): no file before the cut (fd -1, records are left
	 * out: the base will hold them), then an incr file the manifest does
	 * not name yet (Redis's AOF_WAIT_REWRITE and its temp incr file) */
	bool enabling;
};

/** The writer's copy of @p conf (strings duplicated, defaults filled in). */
int aof_conf_copy(struct cp_aof *a, const struct cp_aof_conf *conf);
/** Enabling, the rewrite failed: forget the unnamed incr file, back to no file. */
void aof_enable_reset(struct cp_aof *a);

/* Take one record into the current incr file's batches (cp_aof_record
 * without the rewrite's hold). */
int aof_record_take(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn, const void *payload,
		    uint32_t len);
int aof_batch_close(struct cp_aof *a);
void aof_write_step(struct cp_aof *a, uint64_t now_ms);
void aof_sync_collect(struct cp_aof *a, uint64_t now_ms);
/** Hand the thread an fsync of everything written (none may be in flight). */
void aof_sync_request(struct cp_aof *a, uint64_t now_ms);
void aof_durable_advance(struct cp_aof *a);
/** Hand the fsync thread a job (@p kind: ROTATE, FINAL; none may be in flight). */
void aof_job_post(struct cp_aof *a, enum aof_job_kind kind);
/** Take the file thread's PREPARE outcome, if it is in (aof_rewrite.c). */
void aof_rw_collect(struct cp_aof *a, uint64_t now_ms);
/** Wait for the file thread's job in flight and take its outcome. */
void aof_rw_drain(struct cp_aof *a);
/** The old incr file's last fsync failed (@p err): count and say so. */
void aof_old_fsync_failed(struct cp_aof *a, int err);
/** Block until the request in flight (fsync or job) is over and collect it. */
void aof_sync_drain(struct cp_aof *a, uint64_t now_ms);
/** The rewrite's part of cp_aof_flush(): switch files when the cut allows. */
void aof_rw_flush(struct cp_aof *a, uint64_t now_ms);
/** Hold back @p w's record if the rewrite needs it. @return 1 held, 0 not, -EAGAIN. */
int aof_rw_hold(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn, const void *payload,
		uint32_t len);

/* ---- file names and the rewrite's manifest switch (aof_manifest.c) ---- */

/** "<filename>.<seq>.base.rdb" (@p rdb) or ".base.aof", as Redis 7.0 names them. */
int aof_name_base(char *buf, size_t len, const char *filename, int64_t seq, bool rdb);
/** "<filename>.<seq>.incr.aof". */
int aof_name_incr(char *buf, size_t len, const char *filename, int64_t seq);
/**
 * backgroundRewriteDoneHandler()'s manifest: @p base_name (seq
 * @p base_seq) becomes the base, the old base and every incr file with a
 * seq below @p keep_incr_seq become history ('h'). @return 0, -ENOMEM.
 */
int aof_manifest_switch(struct aof_manifest *m, const char *base_name, int64_t base_seq,
			int64_t keep_incr_seq);
/** Drop the history entries (their files are deleted). @return how many. */
size_t aof_manifest_drop_history(struct aof_manifest *m);
/** Unlink every history file @p m lists (missing ones are fine). @return 0 or the first -errno. */
int aof_history_unlink(int dirfd, const struct aof_manifest *m);

#endif
