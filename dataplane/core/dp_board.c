/*
 * The dataplane's board (see dp_board.h, platform/chan/chan_board.h).
 *
 * Every DP_BOARD_PERIOD_MS the service thread rebuilds the board from:
 *   - each worker's command histograms (cmd_diag.h: calls, time, rejected
 *     and failed calls and the duration buckets, single-writer relaxed
 *     atomics read without a lock, as LATENCY HISTOGRAM does), summed per
 *     command over the workers, and its error replies per prefix; the
 *     counters themselves, not INFO's since CONFIG RESETSTAT;
 *   - each worker's slow log, copied under its slot lock one slot at a
 *     time (a worker takes that lock only to log a slow command), merged
 *     newest first by id as SLOWLOG GET merges them;
 *   - each worker's busy_cycles counter from the channel, against the TSC.
 * A worker's loop is unchanged by all this: it already records these.
 *
 * Context: the dataplane's service thread.
 */
#include "dp_board.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "cmd_diag.h"
#include "rw_log.h"
#include "worker.h"

static int board_map(struct dp_board *bd)
{
	char tmp[sizeof(bd->path) + 16];
	snprintf(tmp, sizeof(tmp), "%s.tmp", bd->path);
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int rc = ftruncate(fd, sizeof(struct chan_board)) == 0 ? 0 : -errno;
	void *p = rc == 0 ? mmap(NULL, sizeof(struct chan_board), PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, 0)
			  : MAP_FAILED;
	if (rc == 0 && p == MAP_FAILED)
		rc = -errno;
	close(fd);
	if (rc == 0) {
		bd->b = p;
		bd->b->magic = CHAN_BOARD_MAGIC;
		bd->b->version = CHAN_BOARD_VERSION;
		bd->b->bytes = sizeof(struct chan_board);
		for (uint32_t k = 0; k < CHAN_BOARD_HIST; k++)
			bd->b->hist_bound_us[k] = (uint64_t)cmd_hist_bucket_us(k);
		/* complete before it has its name: a reader never sees half a header */
		if (rename(tmp, bd->path) != 0) {
			rc = -errno;
			munmap(p, sizeof(struct chan_board));
			bd->b = NULL;
		}
	}
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int dp_board_setup(struct dp_board *bd, const struct dp_shared *sh)
{
	memset(bd, 0, sizeof(*bd));
	int rc = -ENAMETOOLONG;
	if (snprintf(bd->path, sizeof(bd->path), "%s" CHAN_BOARD_SUFFIX, sh->cfg->rw_channel) >=
	    (int)sizeof(bd->path))
		goto fail;
	rc = -ENOMEM;
	bd->last_busy = calloc(sh->n_workers, sizeof(*bd->last_busy));
	bd->defs = calloc(CHAN_BOARD_CMDS, sizeof(*bd->defs));
	bd->slow_tmp = calloc((size_t)sh->n_workers * CHAN_BOARD_SLOW, sizeof(*bd->slow_tmp));
	if (bd->last_busy == NULL || bd->defs == NULL || bd->slow_tmp == NULL)
		goto fail;
	rc = board_map(bd);
	if (rc != 0)
		goto fail;
	bd->b->epoch = chan_info(sh->chan)->epoch;
	bd->b->n_workers = sh->n_workers;
	return 0;
fail:
	rw_log(RW_LOG_WARN, "dp.board", "board %s not published: %s", bd->path, strerror(-rc));
	free(bd->last_busy);
	free(bd->defs);
	free(bd->slow_tmp);
	bd->last_busy = NULL;
	bd->defs = NULL;
	bd->slow_tmp = NULL;
	return rc;
}

/* The cmd[] entry of @p def, added on first sight; NULL when cmd[] is full. */
static struct chan_board_cmd *cmd_slot(struct dp_board *bd, const struct cmd_def *def)
{
	struct chan_board *b = bd->b;
	for (uint32_t i = 0; i < b->n_cmds; i++)
		if (bd->defs[i] == def)
			return &b->cmd[i];
	if (b->n_cmds == CHAN_BOARD_CMDS) {
		b->cmds_dropped++;
		return NULL;
	}
	bd->defs[b->n_cmds] = def;
	struct chan_board_cmd *c = &b->cmd[b->n_cmds++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", def->name);
	return c;
}

static void commands_fill(struct dp_board *bd, struct cmd_diag *dg, uint32_t n_workers)
{
	struct chan_board *b = bd->b;
	b->n_cmds = 0;
	b->cmds_dropped = 0;
	memset(b->hist, 0, sizeof(b->hist));
	for (uint32_t w = 0; w < n_workers && w < CMD_DIAG_WORKERS; w++) {
		const struct cmd_hist *t = dg->slot[w].hist;
		for (uint32_t i = 0; t != NULL && i < CMD_HIST_SLOTS; i++) {
			const struct cmd_def *def = t[i].def;
			if (def == NULL)
				continue;
			struct chan_board_cmd *c = cmd_slot(bd, def);
			if (c == NULL)
				continue;
			const struct cmd_stat_ctrs *n = &t[i].n;
			c->calls += atomic_load_explicit(&n->calls, memory_order_relaxed);
			c->usec += atomic_load_explicit(&n->usec, memory_order_relaxed);
			c->rejected += atomic_load_explicit(&n->rejected, memory_order_relaxed);
			c->failed += atomic_load_explicit(&n->failed, memory_order_relaxed);
			for (uint32_t k = 0; k < CMD_HIST_BUCKETS && k < CHAN_BOARD_HIST; k++)
				b->hist[k] += atomic_load_explicit(&n->b[k], memory_order_relaxed);
		}
	}
}

/* Every worker's error replies per prefix, merged by name (INFO errorstats). */
static void errors_fill(struct dp_board *bd, struct cmd_diag *dg)
{
	struct chan_board *b = bd->b;
	struct cmd_err_sum e[CMD_ERR_NAMES * 2];
	size_t n = cmd_err_sums(dg, true, e, sizeof(e) / sizeof(e[0]));
	b->errors_total = cmd_diag_errors_total(dg);
	b->n_errs = n < CHAN_BOARD_ERRS ? (uint32_t)n : CHAN_BOARD_ERRS;
	b->errs_dropped = (uint32_t)(n - b->n_errs);
	memset(b->err, 0, sizeof(b->err));
	for (uint32_t i = 0; i < b->n_errs; i++) {
		_Static_assert(CMD_ERR_NAME_MAX <= sizeof(b->err[0].name), "an error name fits");
		memcpy(b->err[i].name, e[i].name, e[i].len < CMD_ERR_NAME_MAX ? e[i].len : 31);
		b->err[i].count = e[i].count;
	}
}

static void slow_copy(struct chan_board_slow *o, const struct cmd_slowlog_entry *e)
{
	memset(o, 0, sizeof(*o));
	o->id = e->id;
	o->time_s = e->time_s;
	o->dur_us = e->dur_us;
	o->argc_all = e->argc;
	/* bounded copies: a client name longer than the board's is cut */
	memcpy(o->peer, e->peer, sizeof(o->peer) - 1);
	size_t nl = strnlen(e->name, sizeof(o->client_name) - 1);
	memcpy(o->client_name, e->name, nl);
	size_t off = 0;
	for (uint32_t i = 0; i < e->argc && i < CHAN_BOARD_ARGC; i++) {
		size_t len = e->arg_len[i];
		if (off + len > sizeof(o->args))
			break;
		memcpy(o->args + off, e->data + e->arg_off[i], len);
		o->arg_len[i] = (uint16_t)len;
		off += len;
		o->argc++;
	}
}

static int slow_newer_first(const void *a, const void *b)
{
	uint64_t x = ((const struct chan_board_slow *)a)->id;
	uint64_t y = ((const struct chan_board_slow *)b)->id;
	return x > y ? -1 : x < y;
}

/*
 * Each worker's newest CHAN_BOARD_SLOW entries are copied out under its
 * lock (short: no more than that many copies), then all are sorted by id
 * outside any lock and the newest CHAN_BOARD_SLOW kept.
 */
static void slowlog_fill(struct dp_board *bd, struct cmd_diag *dg, uint32_t n_workers)
{
	struct chan_board *b = bd->b;
	size_t n = 0;
	b->slowlog_len = 0;
	for (uint32_t w = 0; w < n_workers && w < CMD_DIAG_WORKERS; w++) {
		struct cmd_diag_slot *s = &dg->slot[w];
		uint32_t k = 0;
		cmd_diag_lock(s);
		b->slowlog_len += s->len;
		for (const struct cmd_slowlog_entry *e = s->head; e != NULL && k < CHAN_BOARD_SLOW;
		     e = e->prev, k++)
			slow_copy(&bd->slow_tmp[n++], e);
		cmd_diag_unlock(s);
	}
	qsort(bd->slow_tmp, n, sizeof(bd->slow_tmp[0]), slow_newer_first);
	b->n_slow = n < CHAN_BOARD_SLOW ? (uint32_t)n : CHAN_BOARD_SLOW;
	memcpy(b->slow, bd->slow_tmp, b->n_slow * sizeof(b->slow[0]));
}

static void busy_fill(struct dp_board *bd, const struct dp_shared *sh, uint64_t tsc)
{
	uint64_t dt = tsc - bd->last_tsc;
	for (uint32_t w = 0; w < sh->n_workers && w < CHAN_MAX_WORKERS; w++) {
		struct chan_worker_stats st;
		chan_stats_read(sh->chan, w, &st);
		uint64_t busy = st.busy_cycles - bd->last_busy[w];
		bd->b->busy_permille[w] = bd->last_tsc == 0 || dt == 0 ? 0
					  : busy >= dt		       ? 1000
						       : (uint32_t)(busy * 1000 / dt);
		bd->last_busy[w] = st.busy_cycles;
	}
	bd->last_tsc = tsc;
}

void dp_board_tick(struct dp_board *bd, const struct dp_shared *sh, uint64_t now_ms)
{
	if (bd->b == NULL || now_ms - bd->last_ms < DP_BOARD_PERIOD_MS)
		return;
	bd->last_ms = now_ms;
	struct cmd_diag *dg = cmd_diag_of(&sh->env);
	struct chan_board *b = bd->b;
	chan_board_write_begin(b);
	if (dg != NULL) {
		commands_fill(bd, dg, sh->n_workers);
		errors_fill(bd, dg);
		slowlog_fill(bd, dg, sh->n_workers);
	}
	busy_fill(bd, sh, rte_rdtsc());
	b->published_unix_ms = now_ms;
	chan_board_write_end(b);
}

void dp_board_teardown(struct dp_board *bd)
{
	if (bd->b != NULL) {
		munmap(bd->b, sizeof(struct chan_board));
		unlink(bd->path);
		bd->b = NULL;
	}
	free(bd->last_busy);
	free(bd->defs);
	free(bd->slow_tmp);
	bd->last_busy = NULL;
	bd->defs = NULL;
	bd->slow_tmp = NULL;
}
