/*
 * GET /metrics: the Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * Per-worker families come from the channel's stats blocks
 * (CHAN_WORKER_STATS in platform/chan/chan.h: its names become metric
 * names, its descriptions HELP lines), one sample per worker labelled
 * worker="N". A scrape only reads the shared blocks (chan_stats_read), so
 * it never touches a worker's hot path. The control plane adds its own
 * gauges and counters (uptime, dataplane up, journal records consumed).
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

#include "api_internal.h"

#ifndef RW_VERSION
#define RW_VERSION "0.0.0"
#endif

#define API_METRIC_PREFIX "redwire_"

/* Stats that go up and down; every other one is a counter. */
static const char *const worker_gauges[] = {"tcp_conns_current", "keys"};

static bool stat_is_gauge(const char *name)
{
	for (size_t i = 0; i < sizeof(worker_gauges) / sizeof(worker_gauges[0]); i++)
		if (strcmp(worker_gauges[i], name) == 0)
			return true;
	return false;
}

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

static void workers_write(FILE *f, const struct api_ctx *ctx, uint32_t n)
{
	struct cp_chan_worker_status ws[CHAN_MAX_WORKERS]; /* ~16 KiB: one copy per scrape */
	uint32_t have = 0;
	while (have < n && have < CHAN_MAX_WORKERS && api_chan_worker(ctx, have, &ws[have]))
		have++;
	if (have == 0)
		return;
	for (size_t i = 0; i < chan_worker_stat_count; i++) {
		const char *stat = chan_worker_stat_names[i];
		bool gauge = stat_is_gauge(stat);
		char name[128];
		snprintf(name, sizeof(name), API_METRIC_PREFIX "worker_%s%s", stat,
			 gauge ? "" : "_total");
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
	workers_write(f, ctx, st.n_workers);

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
