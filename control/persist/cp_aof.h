/*
 * Append-only file: the control plane writes the journal the dataplane
 * publishes on the channel (platform/chan, CHAN_REC_COMMAND records) to an
 * AOF in Redis 7.0's multi-part layout, and reads it back at start.
 *
 *   <dir>/<appenddirname>/
 *       <appendfilename>.manifest          file ... seq 1 type b / type i lines
 *       <appendfilename>.<n>.base.rdb|aof  the base: empty at first, a rewrite's
 *                                          snapshot (RDB, or RESP) afterwards
 *       <appendfilename>.1.incr.aof        RESP commands, SELECT on db change,
 *                                          one "#RW1 ..." annotation per batch
 *
 * The annotation closes a batch of one worker's records and carries the
 * dataplane epoch, the worker, the LSN range and a CRC64 (Redis's Jones
 * polynomial) of every byte since the previous annotation. Stock
 * redis-server 7.0 and redis-check-aof skip lines starting with '#', so the
 * files stay loadable by stock Redis; Redwire's loader verifies the CRCs
 * (FORMAT.md next to this file).
 *
 * Durability (issue #7): a record is durable, and chan_jrnl_mark_durable()
 * may cover it, when
 *   appendfsync always    its batch was written and then fsynced (group commit)
 *   appendfsync everysec  its batch was written (write(2) returned); a thread
 *                         fsyncs within a second
 *   appendfsync no        its batch was written
 * and never while the file is poisoned: after an fsync error, the bytes
 * written since the last good fsync are written again from memory and
 * fsynced before anything new is written or marked durable.
 *
 * Context: the control plane's event loop thread calls everything here;
 * fsync runs on a thread of this module. cp_aof_load() may block (boot).
 */
#ifndef CP_AOF_H
#define CP_AOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "resp.h"

#define CP_AOF_MAX_WORKERS 64 /* CHAN_MAX_WORKERS */

enum cp_aof_fsync {
	CP_AOF_FSYNC_NO = 0,
	CP_AOF_FSYNC_EVERYSEC = 1,
	CP_AOF_FSYNC_ALWAYS = 2,
};

/* Test seams (NULL = pwrite(2) / fdatasync(2)); bound once at open. */
typedef ssize_t cp_aof_pwrite_fn(int fd, const void *p, size_t n, off_t off);
typedef int cp_aof_fsync_fn(int fd);

struct cp_aof_conf {
	const char *dir;      /* `dir` */
	const char *dirname;  /* `appenddirname` */
	const char *filename; /* `appendfilename` */
	enum cp_aof_fsync fsync;
	bool load_truncated;	/* `aof-load-truncated`: cut a torn tail with a warning */
	uint64_t reserve_bytes; /* fallocate step ahead of the write offset; 0 = 64 MiB */
	cp_aof_pwrite_fn *pwrite_fn;
	cp_aof_fsync_fn *fsync_fn;
};

/** "always" | "everysec" | "no" (case-insensitive). @return 0 or -EINVAL. */
int cp_aof_fsync_parse(const char *s, enum cp_aof_fsync *out);
const char *cp_aof_fsync_name(enum cp_aof_fsync f);

/* ---- loading ---- */

/* One command read back from the AOF; SELECT is applied, not passed on. */
struct cp_aof_cmd {
	uint32_t db;
	const uint8_t *resp; /* the command's RESP bytes */
	size_t len;
	const struct resp_arg *argv;
	uint32_t argc;
	const char *file;      /* file name inside the AOF directory */
	uint64_t offset;       /* of the command in that file */
	uint64_t loaded_bytes; /* through all files, up to the end of this command */
};

/** @return 0 to continue, non-zero to stop the load (returned by cp_aof_load). */
typedef int cp_aof_cmd_fn(void *arg, const struct cp_aof_cmd *cmd);

struct cp_aof_load_info {
	bool exists;	      /* a manifest was found */
	uint32_t files;	      /* files read */
	uint64_t commands;    /* delivered to the callback */
	uint64_t batches;     /* verified "#RW1" annotations */
	uint64_t unverified;  /* bytes of files without annotations (stock-written) */
	uint64_t tail_cut;    /* bytes of a torn tail left out (aof-load-truncated yes) */
	char tail_file[256];  /* where the tail was cut */
	uint64_t tail_offset; /* the file's valid length */
	uint64_t epoch;	      /* epoch of the last verified batch */
	uint64_t lsn[CP_AOF_MAX_WORKERS]; /* last LSN per worker in that epoch */
	uint64_t total_bytes;		  /* of the files that load (what is delivered) */
	char err[800];			  /* on error: "file offset N: cause" */
};

/**
 * Read the manifest and every file it lists (base, then incr by seq) and
 * call @p cb for each command, in file order, with the db SELECT set.
 * Everything is validated before the first callback: a CRC mismatch or a
 * format error anywhere stops the load with -EILSEQ and a message naming the
 * file and offset; a torn tail of the last file is left out with a warning
 * when conf->load_truncated, else -EILSEQ.
 * No manifest: 0 with info->exists false.
 * Context: control plane at start; blocks (file I/O). Does not modify files.
 * An RDB base ("REDIS" magic, aof-use-rdb-preamble) is checked and
 * delivered as RESTORE commands (cp_rdb_load).
 * @return 0, -EILSEQ (corrupt or truncated), -ENOTSUP (a value type this build cannot load),
 *         -EINVAL (bad manifest), -errno (I/O), or the callback's non-zero.
 */
int cp_aof_load(const struct cp_aof_conf *conf, cp_aof_cmd_fn *cb, void *arg,
		struct cp_aof_load_info *info);

/**
 * Bytes of the files cp_aof_load() would read (base and incr files listed
 * by the manifest), for INFO's loading_total_bytes before loading starts.
 * @return 0 (*total 0 when there is no AOF), -errno.
 */
int cp_aof_files_bytes(const struct cp_aof_conf *conf, uint64_t *total);

/* ---- writing ---- */

struct cp_aof_status {
	bool enabled;
	bool write_ok;		/* aof_last_write_status */
	bool fsync_ok;		/* last fsync succeeded */
	bool poisoned;		/* fsync failed: nothing is trusted until re-persisted */
	int last_write_errno;	/* 0 when ok */
	int last_fsync_errno;	/* 0 when ok */
	uint64_t written_bytes; /* offset of the incr file written so far */
	uint64_t synced_bytes;	/* ... and fsynced */
	uint64_t pending_bytes; /* encoded, not written yet */
	uint64_t base_bytes;	/* size of the base file (INFO's aof_base_size) */
	bool fsync_inflight;	/* the fsync thread is at work (aof_pending_bio_fsync) */
	uint64_t records;	/* journal records taken */
	uint64_t skipped;	/* records already in the file (re-read after a restart) */
	uint64_t bad_records;	/* malformed payloads, logged and left out */
	uint64_t write_errors;
	uint64_t fsync_errors;
	uint64_t fsyncs;
	uint64_t rewrites;	/* recoveries: unsynced bytes written again after an fsync error */
	uint64_t aof_rewrites;	/* AOF rewrites installed (BGREWRITEAOF) */
	uint64_t current_bytes; /* aof_current_size: base and every incr file */
	uint64_t rw_base_bytes; /* aof_base_size: the size after the last rewrite (or at open) */
	uint64_t reserve_errors;
	char incr_path[512];
};

struct cp_aof;

/**
 * Open (or create) the AOF directory, manifest and incr file, crash-safely:
 * manifest written to a temp file, fsynced, renamed, directory fsynced.
 * An existing incr file is validated, a torn tail cut (aof-load-truncated)
 * and fsynced, then continued. @p start (may be NULL) gets what the file
 * already holds: with start->epoch and start->lsn[] durable.
 * Starts the fsync thread.
 * Context: control plane boot; blocks.
 * @return 0, -EILSEQ (corrupt file: see start->err), -ENOTSUP, -EINVAL,
 *         -ENOMEM, -errno.
 */
int cp_aof_open(struct cp_aof **out, const struct cp_aof_conf *conf,
		struct cp_aof_load_info *start);
/** Write what is pending, fsync, stop the thread, close. NULL-safe; clears the pointer. */
void cp_aof_close(struct cp_aof **a);

/** May more records be taken now? false while a write/fsync error is being retried. */
bool cp_aof_ready(const struct cp_aof *a);
/**
 * Take one CHAN_REC_COMMAND record of worker @p w: payload = u32 db (little
 * endian) then one RESP array. Records with an LSN the file already has for
 * this epoch are skipped (counted). Consecutive records of one worker form
 * a batch; cp_aof_flush() closes and writes it.
 * @return 0 (taken, skipped, or malformed: logged and counted),
 *         -EAGAIN (not ready: keep the record), -EINVAL (w out of range), -ENOMEM.
 */
int cp_aof_record(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn, const void *payload,
		  uint32_t len);
/**
 * Once per loop tick: close the open batch, write pending batches (one
 * pwrite), collect fsync completions, ask for fsyncs (always: after every
 * write; everysec: once a second), retry errors with back-off.
 */
void cp_aof_flush(struct cp_aof *a, uint64_t now_ms);
/**
 * CONFIG SET appendfsync: the rule for records written from now on. Leaving
 * `no`, the bytes written but not fsynced are read back into memory, so an
 * fsync error can still re-persist them (the poisoned-file rule).
 */
void cp_aof_set_fsync(struct cp_aof *a, enum cp_aof_fsync f);
/** CONFIG SET aof-load-truncated: for the next load (a dataplane restart). */
void cp_aof_set_load_truncated(struct cp_aof *a, bool yes);
/** Highest LSN of worker @p w in @p epoch that is durable by the rules above (0: none). */
uint64_t cp_aof_durable_lsn(const struct cp_aof *a, uint64_t epoch, uint32_t w);

void cp_aof_status(const struct cp_aof *a, struct cp_aof_status *st);
/** INFO persistence text ("# Persistence\r\n..."). @return bytes (snprintf semantics). */
size_t cp_aof_info(const struct cp_aof *a, char *buf, size_t len);

/* ---- rewrite (aof_rewrite.c, FORMAT.md "Rewrite") ---- */

/**
 * A rewrite is about to take its cut in dataplane @p epoch (@p workers
 * workers). First the fsync thread makes and lists the cut's incr file
 * (records go on into the file in use); then, armed, every record is held
 * back until its worker's cut is known. The dataplane may take the cut
 * once cp_aof_rewrite_prepared() says 1. An unfinished earlier rewrite is
 * given up. @return 0, -EIO (poisoned), -errno of a pending write error,
 * -EINVAL.
 */
int cp_aof_rewrite_arm(struct cp_aof *a, uint64_t epoch, uint32_t workers, uint64_t now_ms);
/**
 * Is the armed rewrite's incr file made and listed (cp_aof_flush() takes
 * the thread's outcome)? @return 1 (the cut may be taken), 0 (not yet),
 * -errno (the file could not be made, or the rewrite was given up).
 */
int cp_aof_rewrite_prepared(const struct cp_aof *a);
/** Worker @p w's cut: its last journal LSN before it (SNAP_BEGIN). */
void cp_aof_rewrite_cut(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn);
/** Is the incr file of the cut open (the base may be installed now)? */
bool cp_aof_rewrite_switched(const struct cp_aof *a);
/** Preparing or armed, not switched yet (the base must wait; once given up it need not). */
bool cp_aof_rewrite_waiting(const struct cp_aof *a);
/**
 * The snapshot ended with @p status; on 0 @p tmp_path is the complete,
 * fsynced RDB. Install it as the new base (@p rdb_base: as it is, else
 * turned into RESP commands), switch the manifest, delete the history.
 * @p tmp_path is gone afterwards in every case.
 * @return 0 or -errno (the rewrite failed; the manifest is as before).
 */
int cp_aof_rewrite_finish(struct cp_aof *a, const char *tmp_path, int status, bool rdb_base);
/**
 * BGREWRITEAOF with appendonly no: the snapshot @p tmp_path (complete,
 * fsynced; gone afterwards in every case) becomes the only file the
 * manifest of @p conf lists (the directory is made if missing); older
 * files are deleted. @return 0 or -errno.
 * Context: blocks (rename, fsyncs); tests. The control plane runs it in
 * the three steps below.
 */
int cp_aof_base_install(const struct cp_aof_conf *conf, const char *tmp_path, int status,
			bool rdb_base);

/*
 * The two functions above in three steps, so the slow part runs off the
 * event loop (main.c binds them to the rewrite's snapshot writer, whose
 * thread runs the middle one after the base's fsync):
 *
 *   init    (loop)    copies what the install needs; with a writer, no
 *                     fresh incr file (fsync error recovery) may change
 *                     the manifest until commit
 *   run     (thread)  the RESP conversion (aof-use-rdb-preamble no), the
 *                     rename, the manifest switch, the history deleted:
 *                     files only, no writer state
 *   commit  (loop)    the writer's sizes and state, the log line; frees
 */
struct cp_aof_install {
	char dir[4096], dirname[256], filename[256];
	bool rdb_base;
	bool writer;   /* an AOF is being written (else appendonly no: the base alone) */
	bool enabling; /* its first rewrite: the cut's incr file is named with the base */
	int64_t new_seq;
	char incr_name[256];
	int pre; /* -EINVAL: not installable (the rewrite was given up meanwhile) */
	/* the outcome, for commit */
	char base[256];
	uint64_t base_bytes;
};

/** @p a the writer (its conf is used), or NULL (appendonly no: @p conf). */
void cp_aof_install_init(struct cp_aof_install *j, struct cp_aof *a, const struct cp_aof_conf *conf,
			 bool rdb_base);
/** Context: any thread; blocks. @return 0 or -errno; @p tmp_path is gone afterwards. */
int cp_aof_install_run(struct cp_aof_install *j, const char *tmp_path, int status);
/**
 * @p a the writer init() had (NULL: none, or closed meanwhile), @p status
 * what run() returned. @return @p status.
 */
int cp_aof_install_commit(struct cp_aof *a, const struct cp_aof_install *j, int status);
/**
 * CONFIG SET appendonly yes (aof_enable.c, FORMAT.md "Turning the AOF on and
 * off"): a writer armed for the rewrite dataplane @p epoch asked for, as
 * cp_aof_rewrite_arm() arms one (the cut waits for
 * cp_aof_rewrite_prepared()), with no file until that rewrite's cut; every
 * record up to @p consumed_lsn[w]
 * (taken before the writer existed) counts as durable. Once the rewrite is
 * installed the writer is like one cp_aof_open() made; a failed one leaves
 * it enabling, waiting for the next rewrite (cp_aof_rewrite_arm()).
 * Context: the control plane's event loop; blocks (mkdir, directory fsync).
 * @return 0, -ENOMEM, -errno.
 */
int cp_aof_enable(struct cp_aof **out, const struct cp_aof_conf *conf, uint64_t epoch,
		  uint32_t workers, const uint64_t *consumed_lsn, uint64_t now_ms);
/** Enabled at run time and its first rewrite not installed yet? NULL-safe. */
bool cp_aof_enabling(const struct cp_aof *a);
/** Give the rewrite up (held records go into the file in use). NULL-safe state: idle stays idle. */
void cp_aof_rewrite_abort(struct cp_aof *a);

/**
 * Named crash points for the crash tests: when the environment variable
 * RW_CRASH_POINT equals @p name the process SIGKILLs itself (as kill -9).
 * Points: aofrw-mid (base half written), aofrw-base (base complete, not
 * renamed), aofrw-manifest (base renamed, manifest not switched),
 * aofrw-history (manifest switched, history not deleted).
 */
void cp_crash_point(const char *name);

/** Is the fsync thread re-persisting the AOF after an fsync error (a rewrite's
 * install must wait: both change the manifest)? NULL-safe. */
bool cp_aof_rotating(const struct cp_aof *a);

/** Tests: wait until no fsync is in flight. @return 0 or -ETIMEDOUT. */
int cp_aof_sync_wait(struct cp_aof *a, int timeout_ms);

#endif
