/*
 * LATENCY LATEST | HISTORY event | RESET [event...] | HISTOGRAM [cmd...] |
 * DOCTOR | GRAPH event | HELP (Redis 7.0's latency.c), over every
 * worker's events and histograms (cmd_diag.h).
 *
 * An event's samples are merged across workers into one series as one
 * server would have recorded it: one sample per second (the highest of
 * the workers' for that second), the latest CMD_LAT_TS_LEN of them, the
 * all-time maximum the highest of the workers'. Histograms are summed.
 *
 * Context: the connection's worker; takes every slot's lock while it
 * copies a series out.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd_diag.h"
#include "cmd_int.h"
#include "cmd_latency.h"
#include "rw_time.h"

static const char *const latency_help[] = {
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the "
    "specified command names.",
    "    If no commands are specified then all histograms are replied.",
    "HELP",
    "    Prints this help.",
};

static int sample_cmp(const void *a, const void *b)
{
	const struct cmd_lat_sample *x = a, *y = b;
	return x->time_s < y->time_s ? -1 : x->time_s > y->time_s;
}

bool cmd_lat_merge(struct cmd_diag *dg, int ev, struct cmd_lat_ts *out)
{
	static _Thread_local struct cmd_lat_sample all[CMD_DIAG_WORKERS * CMD_LAT_TS_LEN];
	size_t n = 0;
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < CMD_DIAG_WORKERS; i++) {
		struct cmd_diag_slot *s = &dg->slot[i];
		cmd_diag_lock(s);
		const struct cmd_lat_ts *ts = &s->ev[ev];
		if (ts->used) {
			out->used = true;
			if (ts->max > out->max)
				out->max = ts->max;
			for (uint32_t j = 0; j < CMD_LAT_TS_LEN; j++)
				if (ts->s[j].time_s != 0)
					all[n++] = ts->s[j];
		}
		cmd_diag_unlock(s);
	}
	qsort(all, n, sizeof(all[0]), sample_cmp);
	size_t m = 0; /* same second: keep the highest */
	for (size_t i = 0; i < n; i++) {
		if (m > 0 && all[m - 1].time_s == all[i].time_s) {
			if (all[i].ms > all[m - 1].ms)
				all[m - 1].ms = all[i].ms;
		} else {
			all[m++] = all[i];
		}
	}
	size_t first = m > CMD_LAT_TS_LEN ? m - CMD_LAT_TS_LEN : 0;
	for (size_t i = first; i < m; i++)
		out->s[i - first] = all[i];
	out->idx = (uint32_t)((m - first) % CMD_LAT_TS_LEN);
	return out->used;
}

int cmd_lat_event_find(const struct resp_arg *a)
{
	for (int i = 0; i < CMD_LAT_EVENTS; i++)
		if (a->len == strlen(cmd_lat_event_names[i]) &&
		    memcmp(a->ptr, cmd_lat_event_names[i], a->len) == 0)
			return i;
	return -1;
}

static void latency_latest(struct cmd_ctx *ctx, struct cmd_diag *dg)
{
	struct cmd_lat_ts ts[CMD_LAT_EVENTS];
	int n = 0;
	for (int e = 0; e < CMD_LAT_EVENTS; e++)
		n += cmd_lat_merge(dg, e, &ts[e]);
	resp_w_array(ctx->out, n);
	for (int e = 0; e < CMD_LAT_EVENTS; e++) {
		if (!ts[e].used)
			continue;
		uint32_t last = (ts[e].idx + CMD_LAT_TS_LEN - 1) % CMD_LAT_TS_LEN;
		resp_w_array(ctx->out, 4);
		resp_w_bulk_cstr(ctx->out, cmd_lat_event_names[e]);
		resp_w_int(ctx->out, ts[e].s[last].time_s);
		resp_w_int(ctx->out, ts[e].s[last].ms);
		resp_w_int(ctx->out, ts[e].max);
	}
}

static void latency_history(struct cmd_ctx *ctx, struct cmd_diag *dg)
{
	int e = cmd_lat_event_find(&ctx->argv[2]);
	struct cmd_lat_ts ts;
	if (e < 0 || !cmd_lat_merge(dg, e, &ts)) {
		resp_w_array(ctx->out, 0);
		return;
	}
	int64_t n = 0;
	for (uint32_t j = 0; j < CMD_LAT_TS_LEN; j++)
		n += ts.s[j].time_s != 0;
	resp_w_array(ctx->out, n);
	for (uint32_t j = 0; j < CMD_LAT_TS_LEN; j++) {
		const struct cmd_lat_sample *s = &ts.s[(ts.idx + j) % CMD_LAT_TS_LEN];
		if (s->time_s == 0)
			continue;
		resp_w_array(ctx->out, 2);
		resp_w_int(ctx->out, s->time_s);
		resp_w_int(ctx->out, s->ms);
	}
}

/* Remove event @p e everywhere. @return true if it existed. */
static bool latency_reset_event(struct cmd_diag *dg, int e)
{
	bool had = false;
	for (uint32_t i = 0; i < CMD_DIAG_WORKERS; i++) {
		struct cmd_diag_slot *s = &dg->slot[i];
		cmd_diag_lock(s);
		had |= s->ev[e].used;
		memset(&s->ev[e], 0, sizeof(s->ev[e]));
		cmd_diag_unlock(s);
	}
	return had;
}

static void latency_reset(struct cmd_ctx *ctx, struct cmd_diag *dg)
{
	int64_t n = 0;
	if (ctx->argc == 2) {
		for (int e = 0; e < CMD_LAT_EVENTS; e++)
			n += latency_reset_event(dg, e);
	} else {
		for (uint32_t j = 2; j < ctx->argc; j++) {
			int e = cmd_lat_event_find(&ctx->argv[j]);
			if (e >= 0)
				n += latency_reset_event(dg, e);
		}
	}
	resp_w_int(ctx->out, n);
}

void cmd_latency(struct cmd_ctx *ctx)
{
	const struct cmd_def *sub =
	    cmd_subcmd_resolve(ctx, cmd_lookup((const uint8_t *)"latency", 7));
	if (sub == NULL)
		return;
	struct cmd_diag *dg = cmd_diag_of(ctx->env);
	const char *n = sub->name + 8;
	if (strcmp(n, "help") == 0) {
		cmd_reply_help(ctx, latency_help, sizeof(latency_help) / sizeof(latency_help[0]));
	} else if (dg == NULL) {
		resp_w_error(ctx->out, "ERR latency data not available");
	} else if (strcmp(n, "latest") == 0) {
		latency_latest(ctx, dg);
	} else if (strcmp(n, "history") == 0) {
		latency_history(ctx, dg);
	} else if (strcmp(n, "reset") == 0) {
		latency_reset(ctx, dg);
	} else if (strcmp(n, "histogram") == 0) {
		cmd_latency_histogram(ctx, dg);
	} else if (strcmp(n, "doctor") == 0) {
		cmd_latency_doctor(ctx, dg);
	} else {
		cmd_latency_graph(ctx, dg);
	}
}
