/*
 * CONFIG SET appendonly yes at run time (FORMAT.md "Turning the AOF on and
 * off"), Redis 7.0's startAppendOnly(): the AOF starts with a rewrite.
 *
 *   enable   a writer with no file, armed for the rewrite the dataplane
 *            asked for with AOFRW_REQ, the way BGREWRITEAOF arms one
 *            (aof_rewrite.c): the prepare makes the incr file of the cut
 *            (next seq after the manifest's last, 1 on a fresh directory)
 *            on the file thread, but the manifest does not name it yet
 *            (Redis's temp incr file of AOF_WAIT_REWRITE). A record before
 *            the cut is left out (the base holds it; it is durable at once,
 *            as under appendonly no until now), one past it is held
 *   switch   every cut known: the writer moves to that file (it had none);
 *            held records and the ones after go there
 *   install  the base renamed, and the manifest written naming base and
 *            that incr file; the files of an earlier appendonly yes become
 *            history and are deleted. From here on a writer like any other.
 *
 * A crash before the install leaves the manifest as it was (appendonly no
 * had left it): nothing names the new files. A failed rewrite forgets the
 * incr file (a prepared one it never switched to too: aof_rewrite.c's
 * next_drop()); the dataplane schedules another one (Redis does too).
 *
 * Context: the control plane's event loop thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aof_internal.h"
#include "rw_log.h"

int cp_aof_enable(struct cp_aof **out, const struct cp_aof_conf *conf, uint64_t epoch,
		  uint32_t workers, const uint64_t *consumed_lsn, uint64_t now_ms)
{
	struct cp_aof *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	a->dirfd = a->fd = a->old_fd = -1;
	a->cur_db = -1;
	a->enabling = true;
	/* what was consumed before this writer existed is durable already */
	a->taken_epoch = a->durable_epoch = epoch;
	for (uint32_t w = 0; w < workers && w < CP_AOF_MAX_WORKERS; w++)
		a->taken_lsn[w] = a->durable_lsn[w] = consumed_lsn[w];
	int rc = aof_conf_copy(a, conf);
	if (rc == 0)
		rc = aof_dir_open(&a->conf, true, &a->dirfd);
	if (rc == 0)
		rc = aof_syncer_start(&a->sync, -1, conf->fsync_fn, "aof-fsync");
	if (rc == 0)
		rc = aof_syncer_start(&a->files, -1, conf->fsync_fn, "aof-files");
	if (rc == 0)
		rc = cp_aof_rewrite_arm(a, epoch, workers, now_ms);
	if (rc != 0) {
		cp_aof_close(&a);
		return rc;
	}
	rw_log_kv(RW_LOG_NOTICE, "cp.aof", "AOF enabled: waiting for its first rewrite",
		  "dir=%s/%s epoch=%016llx", a->conf.dir, a->conf.dirname,
		  (unsigned long long)epoch);
	*out = a;
	return 0;
}

bool cp_aof_enabling(const struct cp_aof *a)
{
	return a != NULL && a->enabling;
}

void aof_enable_reset(struct cp_aof *a)
{
	if (a->fd < 0)
		return;
	aof_syncer_wait_idle(&a->sync, 5000);
	a->sync_inflight = false;
	close(a->fd);
	a->fd = -1;
	aof_syncer_set_fd(&a->sync, -1);
	if (unlinkat(a->dirfd, a->incr_name, 0) != 0 && errno != ENOENT)
		rw_log_kv(RW_LOG_WARN, "cp.aof", "cannot remove an unused incr file",
			  "file=%s err=\"%s\"", a->incr_name, strerror(errno));
	a->incr_name[0] = '\0';
	/* what it held is in memory and goes into the next base: nothing waits on it */
	rw_buf_reset(&a->pending);
	rw_buf_reset(&a->unsynced);
	a->batch_open = false;
	a->n_marks = a->marks_written = 0;
	a->durable_epoch = a->taken_epoch;
	memcpy(a->durable_lsn, a->taken_lsn, sizeof(a->durable_lsn));
	a->written_off = a->synced_off = a->reserved_off = 0;
	a->write_err = a->fsync_err = 0;
	a->poisoned = false;
	a->cur_db = -1;
}
