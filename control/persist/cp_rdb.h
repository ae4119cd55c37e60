/*
 * RDB files in the control plane (issue #7 items 4 and 5): writing the
 * snapshot the workers stream (fork-less BGSAVE/SAVE, see
 * dataplane/snapshot/SNAPSHOT.md) and reading dir/dbfilename at start.
 *
 * Writer: the SNAP_* messages of platform/chan/FORMAT.md ("Snapshots").
 * Every worker sends SNAP_BEGIN (its cut), then chunks of whole keys, then
 * SNAP_END. The file gets the header and AUX fields once every worker's
 * BEGIN is in (redwire-offsets lists each worker's cut LSN), then the
 * chunks in arrival order (a SELECTDB before a chunk of another DB; a key
 * cut over several chunks is written whole before any other worker's
 * chunk), then EOF and the CRC64 trailer (0 under rdbchecksum no). The
 * file is written as temp-<id>-<pid>.rdb in dir, fsynced, renamed over
 * dbfilename and the directory fsynced; SNAP_DONE tells worker 0 the
 * outcome. A part that failed (a type without RDB form yet) fails the
 * snapshot: the temp file is removed and the old dump.rdb stays.
 *
 * Reader: parses the file (CRC64 checked at EOF when the trailer is not 0)
 * and hands each key on as a RESTORE ... REPLACE ABSTTL command carrying
 * the key's value as a DUMP payload, which the dataplane's RESTORE turns
 * into the stored object (dataplane/cmd/cmd_rdb.c): the loader needs no
 * knowledge of value types beyond skipping over them. Keys already
 * expired are skipped, as a Redis master does when it loads.
 *
 * Context: the control plane's event loop thread; the chunks' writes
 * block it, the fsync, rename and directory fsync at the end (an AOF
 * base's install_run) run on the writer's own thread (rdb_save.c).
 */
#ifndef CP_RDB_H
#define CP_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "resp.h"

/*
 * An AOF rewrite's base (control/persist/FORMAT.md "Rewrite"): the file is
 * written as dir/temp-rewriteaof-bg-<pid>.aof with AUX aof-base 1; once
 * complete it is put in place instead of the rename over filename, in
 * three steps: prepare() on the loop when the last END is taken (it
 * returns the job, or NULL: nothing to run), install_run() on the writer's
 * thread after the file's fsync (skipped for a NULL job), install() on the
 * loop with the job and run's outcome (it reports the outcome DONE
 * carries). ready() must say yes before the last END is taken.
 */
typedef void *cp_rdb_prepare_fn(void *arg);
typedef int cp_rdb_install_run_fn(void *job, const char *tmp_path, int status);
typedef int cp_rdb_install_fn(void *arg, void *job, const char *tmp_path, int status);
typedef bool cp_rdb_ready_fn(void *arg);

/* A snapshot's progress as the file is written (for the API's tasks). */
struct cp_rdb_progress {
	uint32_t id;		/* the dataplane's snapshot id; 0: none being written */
	bool header;		/* every worker's cut is in: the file is being written */
	uint64_t bytes;		/* written to the file so far */
	uint64_t keys;		/* keys at the cut, summed over the workers that began */
	uint64_t used_bytes;	/* the dataset's memory at the cut, likewise */
	uint64_t start_unix_ms; /* the first BEGIN */
};

/*
 * Told when a snapshot's file is begun (@p done false: the first BEGIN)
 * and when it is finished (@p done true, @p status 0 or -errno, @p path
 * the file renamed into place, @p bytes its size). Bound by main.c for
 * the API's tasks and events; NULL: nobody listens.
 */
typedef void cp_rdb_notify_fn(void *arg, bool done, const struct cp_rdb_progress *p, int status,
			      const char *path);

struct cp_rdb_conf {
	const char *dir;
	const char *filename;	    /* dbfilename */
	bool checksum;		    /* rdbchecksum */
	cp_rdb_install_fn *install; /* NULL: a dump.rdb */
	cp_rdb_prepare_fn *prepare;
	cp_rdb_install_run_fn *install_run;
	cp_rdb_ready_fn *ready;
	cp_rdb_notify_fn *notify;
	void *hook_arg;
};

struct cp_rdb;

/** Removes temp-*.rdb files a dead control plane left in dir. @return 0 or -ENOMEM. */
int cp_rdb_create(struct cp_rdb **out, const struct cp_rdb_conf *conf);
/** Abandon a snapshot being written (its temp file is removed). NULL-safe. */
void cp_rdb_destroy(struct cp_rdb **r);

/**
 * Take one SNAP_* message from worker @p w (NULL @p m: housekeeping once
 * per poll, resend a DONE the ring had no room for).
 * @return 0 (handled: release it), -EAGAIN (not yet: leave it in the ring
 *         and take nothing more from this worker in this poll).
 */
int cp_rdb_msg(struct cp_rdb *r, struct chan *ch, uint32_t w, const struct chan_msg *m);

/** The snapshot being written. @return 0, or -ENOENT when none is (@p out zeroed). */
int cp_rdb_progress(const struct cp_rdb *r, struct cp_rdb_progress *out);

/* ---- loading ---- */

struct cp_rdb_load_info {
	uint64_t bytes;	  /* file size */
	uint64_t keys;	  /* keys handed on */
	uint64_t expired; /* keys skipped: expired already */
	char err[256];	  /* why loading stopped, naming file and offset */
};

/** One key: "RESTORE key ttl payload REPLACE ABSTTL" for DB @p db. */
typedef int cp_rdb_cmd_fn(void *arg, uint32_t db, const struct resp_arg *argv, uint32_t argc,
			  const uint8_t *resp, size_t len, uint64_t loaded_bytes);

/**
 * Read @p path; @p fn NULL only checks it.
 * @return 0, -ENOENT (no file), -EBADMSG (corrupt: info->err says where),
 *         -ENOTSUP (a value type or opcode this build cannot load), -errno,
 *         or what @p fn returned.
 */
int cp_rdb_load(const char *path, uint64_t now_ms, cp_rdb_cmd_fn *fn, void *arg,
		struct cp_rdb_load_info *info);

/*
 * The same reading in slices (a live restore, between the event loop's
 * other work): open, step until 0, close.
 */
struct cp_rdb_reader;

/** Map @p path (kept by the caller until close) and read its header.
 *  @return 0, -ENOENT, -EBADMSG (@p info->err says why), -errno. The reader
 *  is set even on a bad header: close it. */
int cp_rdb_reader_open(struct cp_rdb_reader **out, const char *path, uint64_t now_ms,
		       struct cp_rdb_load_info *info);
/** Hand on keys until about @p max_bytes more of the file are read.
 *  @return 1 (more to read), 0 (EOF reached, CRC checked), or an error as cp_rdb_load. */
int cp_rdb_reader_step(struct cp_rdb_reader *r, cp_rdb_cmd_fn *fn, void *arg, uint64_t max_bytes);
/** Bytes of the file read so far. */
uint64_t cp_rdb_reader_offset(const struct cp_rdb_reader *r);
/** Keys handed on, skipped, and the error text of the last failure. */
const struct cp_rdb_load_info *cp_rdb_reader_info(const struct cp_rdb_reader *r);
/** NULL-safe; clears the pointer. */
void cp_rdb_reader_close(struct cp_rdb_reader **r);

#endif
