/*
 * GET /metrics: the Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * Per-worker families come from the channel's stats blocks
 * (CHAN_WORKER_STATS in platform/chan/chan.h: its names become metric
 * names, its descriptions HELP lines), one sample per worker labelled
 * worker="N". A scrape only reads the shared blocks (chan_stats_read), so
 * it never touches a worker's hot path: each worker refreshes its keyspace
 * and memory figures there once a millisecond (dp_info_publish). Stats
 * that go up and down are gauges, the rest counters.
 *
 * Whole-appliance families follow, the ones alerts are written against:
 * memory used against maxmemory and the dataplane's RSS, the snapshot
 * state (worker 0 publishes it), the append-only file (the control plane's
 * own writer), the replication role; and the control plane's own gauges
 * and counters (uptime, dataplane up, journal records consumed).
 *
 * Every family is written whole (HELP, TYPE, then all of its samples), as
 * the format requires; counters carry the _total suffix.
 *
 * Context: the control plane's event loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_internal.h"

#ifndef RW_VERSION
#define RW_VERSION "0.0.0"
#endif

#define API_METRIC_PREFIX "redwire_"

/* HELP text: backslash and line feed are escaped. */
static void help_write(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fputc('\n', f);
}

/* A label value: backslash, double quote and line feed are escaped. */
static void label_write(FILE *f, const char *v)
{
	for (const char *p = v; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
}

static void family_write(FILE *f, const char *name, const char *type, const char *help)
{
	help_write(f, name, help);
	fprintf(f, "# TYPE %s %s\n", name, type);
}

static void scalar_write(FILE *f, const char *name, const char *type, const char *help,
			 unsigned long long v)
{
	family_write(f, name, type, help);
	fprintf(f, "%s %llu\n", name, v);
}

static const char *const stat_help[] = {
#define API_STAT_HELP(f, d) d,
    CHAN_WORKER_STATS(API_STAT_HELP)
#undef API_STAT_HELP
};

/* Stats that go up and down besides those whose description says "gauge". */
static const char *const worker_gauges[] = {"tcp_conns_current", "keys", "blocked_clients"};

static bool stat_is_gauge(size_t i)
{
	for (size_t k = 0; k < sizeof(worker_gauges) / sizeof(worker_gauges[0]); k++)
		if (strcmp(worker_gauges[k], chan_worker_stat_names[i]) == 0)
			return true;
	return strstr(stat_help[i], "gauge") != NULL;
}

/* Dataplane-wide fields: one value (worker 0's), written as families of
 * their own below, not per worker. */
static bool stat_is_global(size_t i)
{
	const char *n = chan_worker_stat_names[i];
	return strcmp(n, "maxmemory") == 0 || strncmp(n, "rdb_", 4) == 0;
}

/* The unit suffix Prometheus names carry, where the stat's name lacks it. */
static const char *stat_unit(size_t i)
{
	return strcmp(chan_worker_stat_names[i], "used_memory") == 0 ? "_bytes" : "";
}

uint64_t api_dataplane_rss_bytes(const struct api_ctx *ctx, int32_t pid)
{
	char path[512];
	unsigned long long size = 0, resident = 0;
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/proc/%d/statm", ctx->proc_root ? ctx->proc_root : "",
		 (int)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return 0;
	int n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	long page = sysconf(_SC_PAGESIZE);
	return n == 2 && page > 0 ? resident * (uint64_t)page : 0;
}

static void per_worker_write(FILE *f, const struct cp_chan_worker_status *ws, uint32_t have)
{
	for (size_t i = 0; i < chan_worker_stat_count; i++) {
		if (stat_is_global(i))
			continue;
		bool gauge = stat_is_gauge(i);
		char name[128];
		snprintf(name, sizeof(name), API_METRIC_PREFIX "worker_%s%s%s",
			 chan_worker_stat_names[i], stat_unit(i), gauge ? "" : "_total");
		family_write(f, name, gauge ? "gauge" : "counter", stat_help[i]);
		for (uint32_t w = 0; w < have; w++)
			fprintf(f, "%s{worker=\"%u\"} %llu\n", name, w,
				(unsigned long long)((const uint64_t *)&ws[w].stats)[i]);
	}
	family_write(f, API_METRIC_PREFIX "worker_journal_records_consumed_total", "counter",
		     "journal records the control plane consumed from this worker (this epoch)");
	for (uint32_t w = 0; w < have; w++)
		fprintf(f,
			API_METRIC_PREFIX
			"worker_journal_records_consumed_total{worker=\"%u\"} %llu\n",
			w, (unsigned long long)ws[w].jrnl_records);
	family_write(f, API_METRIC_PREFIX "worker_ping_rtt_seconds", "gauge",
		     "last control-to-worker channel round trip (0: none yet)");
	for (uint32_t w = 0; w < have; w++)
		fprintf(f, API_METRIC_PREFIX "worker_ping_rtt_seconds{worker=\"%u\"} %.6f\n", w,
			(double)ws[w].ping_rtt_us / 1e6);
}

/*
 * The figures an alert is written against, whole-appliance: memory against
 * its budget, and the snapshot state worker 0 publishes (INFO persistence's
 * rdb_* fields under Prometheus names).
 */
static void dataplane_write(FILE *f, const struct api_ctx *ctx, const struct cp_chan_status *st,
			    const struct cp_chan_worker_status *ws, uint32_t have)
{
	uint64_t used = 0, dirty = 0;
	for (uint32_t w = 0; w < have; w++) {
		used += ws[w].stats.used_memory;
		dirty += ws[w].stats.dirty;
	}
	const struct chan_worker_stats *w0 = &ws[0].stats;
	scalar_write(f, API_METRIC_PREFIX "memory_used_bytes", "gauge",
		     "bytes the keys and values take, all workers (INFO used_memory less "
		     "mem_clients_normal)",
		     used);
	scalar_write(f, API_METRIC_PREFIX "memory_max_bytes", "gauge",
		     "maxmemory in effect (0: none); used memory is held below it", w0->maxmemory);
	scalar_write(f, API_METRIC_PREFIX "memory_rss_bytes", "gauge",
		     "resident memory of the dataplane process (0: unreadable)",
		     api_dataplane_rss_bytes(ctx, st->pid));
	scalar_write(f, API_METRIC_PREFIX "rdb_saves_total", "counter",
		     "snapshots (RDB files) written since the dataplane started", w0->rdb_saves);
	scalar_write(f, API_METRIC_PREFIX "rdb_last_save_timestamp_seconds", "gauge",
		     "unix time of the last good snapshot, else of the dataplane's start",
		     w0->rdb_last_save_unix);
	scalar_write(f, API_METRIC_PREFIX "rdb_last_save_ok", "gauge",
		     "0 if the last snapshot failed, else 1 (INFO rdb_last_bgsave_status)",
		     w0->rdb_last_save_failed ? 0 : 1);
	scalar_write(f, API_METRIC_PREFIX "rdb_save_in_progress", "gauge",
		     "1 while a snapshot is being written", w0->rdb_save_in_progress);
	scalar_write(f, API_METRIC_PREFIX "rdb_changes_since_last_save", "gauge",
		     "changes not in the last good snapshot",
		     dirty > w0->rdb_dirty_saved ? dirty - w0->rdb_dirty_saved : 0);
}

/* The append-only file the control plane writes, as INFO's aof_* fields. */
static void aof_write(FILE *f, const struct api_ctx *ctx)
{
	struct chan_persist_status ps;
	bool on = ctx->chan != NULL && cp_chan_persist_status(ctx->chan, &ps);
	scalar_write(f, API_METRIC_PREFIX "aof_enabled", "gauge",
		     "1 if the append-only file is on (appendonly yes)", on);
	if (!on)
		return;
	scalar_write(f, API_METRIC_PREFIX "aof_last_write_ok", "gauge",
		     "0 while the last AOF write or fsync failed (writes are refused), else 1",
		     ps.write_ok ? 1 : 0);
	scalar_write(f, API_METRIC_PREFIX "aof_current_size_bytes", "gauge",
		     "size of the AOF (INFO aof_current_size)", ps.current_size);
	scalar_write(f, API_METRIC_PREFIX "aof_base_size_bytes", "gauge",
		     "size of the AOF at start or the last rewrite (INFO aof_base_size)",
		     ps.base_size);
	scalar_write(f, API_METRIC_PREFIX "aof_buffer_length_bytes", "gauge",
		     "journal bytes taken but not yet written to the AOF", ps.buffer_length);
	scalar_write(f, API_METRIC_PREFIX "aof_pending_fsync", "gauge",
		     "fsyncs of the AOF in flight (INFO aof_pending_bio_fsync)",
		     ps.pending_bio_fsync);
	scalar_write(f, API_METRIC_PREFIX "aof_delayed_fsync_total", "counter",
		     "times an fsync was late (INFO aof_delayed_fsync)", ps.delayed_fsync);
	scalar_write(f, API_METRIC_PREFIX "journal_big_lost_total", "counter",
		     "large journal records left out of the AOF: their side file could not be read "
		     "(INFO redwire_journal_big_lost)",
		     ps.big_lost);
}

/* Redwire has no replication yet (its issue adds it): always a master
 * without replicas, as INFO replication says. */
static void replication_write(FILE *f)
{
	family_write(f, API_METRIC_PREFIX "replication_role", "gauge",
		     "1 for the appliance's replication role (master or replica)");
	fprintf(f, API_METRIC_PREFIX "replication_role{role=\"master\"} 1\n");
	fprintf(f, API_METRIC_PREFIX "replication_role{role=\"replica\"} 0\n");
	scalar_write(f, API_METRIC_PREFIX "replication_connected_replicas", "gauge",
		     "replicas attached (INFO connected_slaves)", 0);
}

/*
 * From the dataplane's board (api_board.c): per command, the calls, the
 * time they took (INFO commandstats' calls and usec, in seconds here as
 * Prometheus wants base units), the rejected and failed calls; the error
 * replies per prefix (INFO errorstats); the latency histogram of all commands
 * (cumulative buckets up to each bound, as the format requires); each
 * worker's busy share; the slow log's length. Absent without a board.
 */
static void board_write(FILE *f, const struct api_ctx *ctx)
{
	struct chan_board *b = malloc(sizeof(*b));
	if (b == NULL || api_board_get(ctx, b) != 0) {
		free(b);
		return;
	}
	family_write(f, API_METRIC_PREFIX "command_calls_total", "counter",
		     "calls of the command since the dataplane started (INFO commandstats calls)");
	for (uint32_t i = 0; i < b->n_cmds; i++) {
		fprintf(f, API_METRIC_PREFIX "command_calls_total{command=\"");
		label_write(f, b->cmd[i].name);
		fprintf(f, "\"} %llu\n", (unsigned long long)b->cmd[i].calls);
	}
	family_write(f, API_METRIC_PREFIX "command_duration_seconds_total", "counter",
		     "time the command's calls took (INFO commandstats usec)");
	uint64_t usec = 0;
	for (uint32_t i = 0; i < b->n_cmds; i++) {
		fprintf(f, API_METRIC_PREFIX "command_duration_seconds_total{command=\"");
		label_write(f, b->cmd[i].name);
		fprintf(f, "\"} %.6f\n", (double)b->cmd[i].usec / 1e6);
		usec += b->cmd[i].usec;
	}
	family_write(f, API_METRIC_PREFIX "command_rejected_calls_total", "counter",
		     "calls refused before the command ran: arity, NOAUTH, OOM... (INFO "
		     "commandstats rejected_calls)");
	for (uint32_t i = 0; i < b->n_cmds; i++) {
		fprintf(f, API_METRIC_PREFIX "command_rejected_calls_total{command=\"");
		label_write(f, b->cmd[i].name);
		fprintf(f, "\"} %llu\n", (unsigned long long)b->cmd[i].rejected);
	}
	family_write(f, API_METRIC_PREFIX "command_failed_calls_total", "counter",
		     "calls of the command that replied an error (INFO commandstats failed_calls)");
	for (uint32_t i = 0; i < b->n_cmds; i++) {
		fprintf(f, API_METRIC_PREFIX "command_failed_calls_total{command=\"");
		label_write(f, b->cmd[i].name);
		fprintf(f, "\"} %llu\n", (unsigned long long)b->cmd[i].failed);
	}
	family_write(f, API_METRIC_PREFIX "error_replies_total", "counter",
		     "error replies by their first word (INFO errorstats)");
	for (uint32_t i = 0; i < b->n_errs && i < CHAN_BOARD_ERRS; i++) {
		char name[sizeof(b->err[i].name) + 1];
		memcpy(name, b->err[i].name, sizeof(b->err[i].name));
		name[sizeof(b->err[i].name)] = '\0';
		fprintf(f, API_METRIC_PREFIX "error_replies_total{prefix=\"");
		label_write(f, name);
		fprintf(f, "\"} %llu\n", (unsigned long long)b->err[i].count);
	}
	const char *h = API_METRIC_PREFIX "command_latency_seconds";
	family_write(f, h, "histogram", "duration of every command (all commands together)");
	uint64_t cum = 0;
	for (uint32_t k = 0; k < CHAN_BOARD_HIST; k++) {
		cum += b->hist[k];
		fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", h, (double)b->hist_bound_us[k] / 1e6,
			(unsigned long long)cum);
	}
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", h, (unsigned long long)cum);
	fprintf(f, "%s_sum %.6f\n%s_count %llu\n", h, (double)usec / 1e6, h,
		(unsigned long long)cum);
	family_write(f, API_METRIC_PREFIX "worker_busy_ratio", "gauge",
		     "share of the last quarter second the worker spent in loop iterations "
		     "that found work");
	for (uint32_t w = 0; w < b->n_workers && w < CHAN_MAX_WORKERS; w++)
		fprintf(f, API_METRIC_PREFIX "worker_busy_ratio{worker=\"%u\"} %.3f\n", w,
			(double)b->busy_permille[w] / 1000.0);
	scalar_write(f, API_METRIC_PREFIX "slowlog_length", "gauge",
		     "entries in the slow log, all workers (SLOWLOG LEN)", b->slowlog_len);
	free(b);
}

static void workers_write(FILE *f, const struct api_ctx *ctx, const struct cp_chan_status *st)
{
	uint32_t n = st->n_workers < CHAN_MAX_WORKERS ? st->n_workers : CHAN_MAX_WORKERS;
	struct cp_chan_worker_status *ws = n ? calloc(n, sizeof(*ws)) : NULL;
	uint32_t have = 0;
	while (ws != NULL && have < n && api_chan_worker(ctx, have, &ws[have]))
		have++;
	if (have > 0) {
		per_worker_write(f, ws, have);
		dataplane_write(f, ctx, st, ws, have);
	}
	free(ws);
}

int api_metrics(const struct api_ctx *ctx, struct api_resp *resp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return -ENOMEM;
	struct cp_chan_status st;
	api_chan_status(ctx, &st);

	family_write(f, API_METRIC_PREFIX "build_info", "gauge",
		     "always 1; the labels name the build and the instance");
	fprintf(f, API_METRIC_PREFIX "build_info{version=\"");
	label_write(f, RW_VERSION);
	fprintf(f, "\",name=\"");
	label_write(f, ctx->name ? ctx->name : "");
	fprintf(f, "\"} 1\n");
	scalar_write(f, API_METRIC_PREFIX "control_uptime_seconds", "gauge",
		     "seconds since the control plane started", api_uptime_seconds(ctx));
	scalar_write(f, API_METRIC_PREFIX "dataplane_up", "gauge",
		     "1 if the dataplane is attached and its heartbeat is fresh",
		     st.attached && st.alive ? 1 : 0);
	scalar_write(f, API_METRIC_PREFIX "dataplane_workers", "gauge",
		     "worker lcores of the attached dataplane", st.n_workers);
	scalar_write(f, API_METRIC_PREFIX "control_channel_attaches_total", "counter",
		     "times the control plane attached to the dataplane channel", st.attaches);
	scalar_write(f, API_METRIC_PREFIX "control_journal_records_consumed_total", "counter",
		     "journal records the control plane consumed since it started",
		     st.jrnl_records);
	scalar_write(f, API_METRIC_PREFIX "control_journal_bytes_consumed_total", "counter",
		     "journal payload bytes the control plane consumed since it started",
		     st.jrnl_bytes);
	workers_write(f, ctx, &st);
	board_write(f, ctx);
	aof_write(f, ctx);
	replication_write(f);

	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		return -ENOMEM;
	}
	resp->status = 200;
	resp->content_type = API_CT_PROMETHEUS;
	resp->body = buf;
	resp->len = len;
	return 0;
}
