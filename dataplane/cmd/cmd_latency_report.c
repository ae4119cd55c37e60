/*
 * LATENCY HISTOGRAM, DOCTOR and GRAPH (Redis 7.0's latency.c and
 * sparkline.c): replies built from the merged data of cmd_latency.c.
 *
 *   HISTOGRAM  per command: calls, then the cumulative count at each
 *              reporting level whose count grew (cmd_diag.c explains the
 *              levels);
 *   DOCTOR     createLatencyReport(): one line per event (samples,
 *              average, mean absolute deviation, period, worst) and the
 *              advice Redis gives for command events;
 *   GRAPH      latencyCommandGenSparkeline(): a header, 80 dashes, then a
 *              4-row sparkline (fill charset "_o#", '|' above) with labels
 *              of the time elapsed since each sample, 80 columns a block.
 *
 * Context: the connection's worker.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd_diag.h"
#include "cmd_int.h"
#include "cmd_latency.h"
#include "rw_time.h"

/* ---- HISTOGRAM ---- */

static void hist_w_cdf(struct cmd_ctx *ctx, const struct cmd_def *d, uint64_t calls,
		       const uint64_t b[CMD_HIST_BUCKETS])
{
	enum resp_proto p = cmd_proto(ctx);
	resp_w_bulk_cstr(ctx->out, cmd_fullname(d));
	resp_w_map(ctx->out, 2, p);
	resp_w_bulk_cstr(ctx->out, "calls");
	resp_w_int(ctx->out, (int64_t)calls);
	resp_w_bulk_cstr(ctx->out, "histogram_usec");
	int64_t n = 0;
	for (uint32_t k = 0; k < CMD_HIST_BUCKETS; k++)
		n += b[k] != 0;
	resp_w_map(ctx->out, n, p);
	uint64_t cum = 0;
	for (uint32_t k = 0; k < CMD_HIST_BUCKETS; k++) {
		if (b[k] == 0)
			continue;
		cum += b[k];
		resp_w_int(ctx->out, cmd_hist_bucket_us(k));
		resp_w_int(ctx->out, (int64_t)cum);
	}
}

/* One command and, for a container, its subcommands: written when @p out
 * is true, counted either way. */
static int64_t hist_fill(struct cmd_ctx *ctx, struct cmd_diag *dg, const struct cmd_def *d,
			 bool out)
{
	uint64_t calls, b[CMD_HIST_BUCKETS];
	int64_t n = 0;
	if (cmd_hist_sum(dg, d, &calls, b)) {
		if (out)
			hist_w_cdf(ctx, d, calls, b);
		n++;
	}
	for (uint32_t i = 0; i < d->n_subcmds; i++)
		n += hist_fill(ctx, dg, &d->subcmds[i], out);
	return n;
}

/* lookupCommandBySds(): "name" or "container|sub". */
static const struct cmd_def *hist_lookup(const struct resp_arg *a)
{
	const uint8_t *bar = memchr(a->ptr, '|', a->len);
	if (bar == NULL)
		return cmd_lookup(a->ptr, a->len);
	const struct cmd_def *parent = cmd_lookup(a->ptr, (size_t)(bar - a->ptr));
	size_t rest = a->len - (size_t)(bar - a->ptr) - 1;
	if (parent == NULL || parent->n_subcmds == 0 || memchr(bar + 1, '|', rest) != NULL)
		return NULL;
	return cmd_subcmd_lookup(parent, bar + 1, rest);
}

void cmd_latency_histogram(struct cmd_ctx *ctx, struct cmd_diag *dg)
{
	size_t nt;
	const struct cmd_def *t = cmd_table(&nt);
	for (int pass = 0; pass < 2; pass++) { /* count, then write */
		int64_t n = 0;
		if (ctx->argc == 2) {
			for (size_t i = 0; i < nt; i++)
				n += hist_fill(ctx, dg, &t[i], pass == 1);
		} else {
			for (uint32_t j = 2; j < ctx->argc; j++) {
				const struct cmd_def *d = hist_lookup(&ctx->argv[j]);
				if (d != NULL)
					n += hist_fill(ctx, dg, d, pass == 1);
			}
		}
		if (pass == 0)
			resp_w_map(ctx->out, n, cmd_proto(ctx));
	}
}

/* ---- INFO latencystats ---- */

/*
 * hdr_value_at_percentile(): the count the percentile covers, rounded and
 * at least 1, found by a walk of the cumulative counts; the value is the
 * highest one of the bucket reached. Redwire's buckets are the powers of
 * two LATENCY HISTOGRAM reports (cmd_diag.c), so the figures are those
 * bounds (1.031, 2.063, 4.127 ... us), coarser than Redis's 2 digits.
 */
static double hist_percentile_us(uint64_t calls, const uint64_t b[CMD_HIST_BUCKETS], double pct)
{
	uint64_t want = (uint64_t)(pct / 100.0 * (double)calls + 0.5), cum = 0;
	if (want < 1)
		want = 1;
	uint32_t k = 0;
	for (; k < CMD_HIST_BUCKETS; k++) {
		cum += b[k];
		if (cum >= want)
			break;
	}
	if (k == CMD_HIST_BUCKETS)
		k = CMD_HIST_BUCKETS - 1;
	int64_t level = 1024ll << k;
	return (double)(level + level / 128 - 1) / 1000.0;
}

static void info_one(struct cmd_ctx *ctx, struct rw_buf *b, struct cmd_diag *dg,
		     const struct cmd_def *d, const double *pct, size_t n_pct)
{
	uint64_t calls, h[CMD_HIST_BUCKETS];
	if (cmd_hist_sum(dg, d, &calls, h) && calls > 0) {
		char line[2048];
		int w =
		    snprintf(line, sizeof(line), "latency_percentiles_usec_%s:", cmd_fullname(d));
		for (size_t i = 0; i < n_pct && w > 0 && (size_t)w < sizeof(line) - 64; i++) {
			char p[64];
			rw_config_double_fmt(pct[i], p, sizeof(p));
			w += snprintf(line + w, sizeof(line) - (size_t)w, "%sp%s=%.3f",
				      i ? "," : "", p, hist_percentile_us(calls, h, pct[i]));
		}
		if (w > 0 && (size_t)w < sizeof(line) - 2) {
			memcpy(line + w, "\r\n", 2);
			rw_buf_append(b, line, (size_t)w + 2);
		}
	}
	for (uint32_t i = 0; i < d->n_subcmds; i++)
		info_one(ctx, b, dg, &d->subcmds[i], pct, n_pct);
}

void cmd_latency_info(struct cmd_ctx *ctx, struct rw_buf *b)
{
	struct cmd_diag *dg = cmd_diag_of(ctx->env);
	double pct[RW_CONFIG_PERCENTILES_MAX];
	size_t nt, n_pct = cmd_cfg_percentiles(ctx->env, pct, RW_CONFIG_PERCENTILES_MAX);
	const struct cmd_def *t = cmd_table(&nt);
	if (dg == NULL)
		return;
	for (size_t i = 0; i < nt; i++)
		info_one(ctx, b, dg, &t[i], pct, n_pct);
}

/* ---- DOCTOR ---- */

struct lat_stats {
	int64_t samples, avg, mad, period;
};

/* analyzeLatencyForEvent() */
static void lat_analyze(const struct cmd_lat_ts *ts, int64_t now_s, struct lat_stats *ls)
{
	uint64_t sum = 0;
	*ls = (struct lat_stats){0};
	for (uint32_t j = 0; j < CMD_LAT_TS_LEN; j++) {
		if (ts->s[j].time_s == 0)
			continue;
		ls->samples++;
		sum += (uint64_t)ts->s[j].ms;
		if (ls->period == 0 || ts->s[j].time_s < ls->period)
			ls->period = ts->s[j].time_s;
	}
	if (ls->samples == 0)
		return;
	ls->avg = (int64_t)(sum / (uint64_t)ls->samples);
	ls->period = now_s - ls->period;
	if (ls->period == 0)
		ls->period = 1;
	sum = 0;
	for (uint32_t j = 0; j < CMD_LAT_TS_LEN; j++) {
		if (ts->s[j].time_s == 0)
			continue;
		int64_t delta = ls->avg - ts->s[j].ms;
		sum += (uint64_t)(delta < 0 ? -delta : delta);
	}
	ls->mad = (int64_t)(sum / (uint64_t)ls->samples);
}

static void buf_cat(struct rw_buf *b, const char *s)
{
	rw_buf_append(b, s, strlen(s));
}

void cmd_latency_doctor(struct cmd_ctx *ctx, struct cmd_diag *dg)
{
	struct rw_buf r = {0};

	struct cmd_lat_ts ts[CMD_LAT_EVENTS];
	bool any = false;
	for (int e = 0; e < CMD_LAT_EVENTS; e++)
		any |= cmd_lat_merge(dg, e, &ts[e]);
	int64_t thr = cmd_cfg_latency_threshold_ms(ctx->env);
	if (!any && thr == 0) {
		buf_cat(&r,
			"I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this "
			"Redis instance. You may use \"CONFIG SET latency-monitor-threshold "
			"<milliseconds>.\" in order to enable it. If we weren't in a deep space "
			"mission I'd suggest to take a look at "
			"https://redis.io/topics/latency-monitor.\n");
		goto out;
	}
	int64_t slower = cmd_cfg_slowlog_slower_us(ctx->env), now_s = ctx->now_ms / 1000;
	int eventnum = 0, advices = 0;
	bool slowlog_enabled = false, slowlog_tuning = false, command = false, scheduler = false;
	for (int e = 0; e < CMD_LAT_EVENTS; e++) {
		if (!ts[e].used)
			continue;
		if (++eventnum == 1)
			buf_cat(&r,
				"Dave, I have observed latency spikes in this Redis instance. You "
				"don't mind talking about it, do you Dave?\n\n");
		struct lat_stats ls;
		lat_analyze(&ts[e], now_s, &ls);
		char line[512];
		snprintf(line, sizeof(line),
			 "%d. %s: %d latency spikes (average %lums, mean deviation %lums, period "
			 "%.2f sec). Worst all time event %lums.",
			 eventnum, cmd_lat_event_names[e], (int)ls.samples, (unsigned long)ls.avg,
			 (unsigned long)ls.mad,
			 ls.samples ? (double)ls.period / (double)ls.samples : 0.0,
			 (unsigned long)ts[e].max);
		buf_cat(&r, line);
		if (e == CMD_LAT_EV_COMMAND) {
			if (slower < 0) {
				slowlog_enabled = true;
				advices++;
			} else if (slower / 1000 > thr) {
				slowlog_tuning = true;
				advices++;
			}
			command = true;
			advices += 2;
		} else {
			scheduler = true;
			advices++;
		}
		buf_cat(&r, "\n");
	}
	if (eventnum == 0 && advices == 0) {
		buf_cat(&r, "Dave, no latency spike was observed during the lifetime of this Redis "
			    "instance, not in the slightest bit. I honestly think you ought to sit "
			    "down calmly, take a stress pill, and think things over.\n");
		goto out;
	}
	buf_cat(&r, "\nI have a few advices for you:\n\n");
	char line[512];
	if (slowlog_enabled) {
		snprintf(line, sizeof(line),
			 "- There are latency issues with potentially slow commands you are using. "
			 "Try to enable the Slow Log Redis feature using the command 'CONFIG SET "
			 "slowlog-log-slower-than %llu'. If the Slow log is disabled Redis is not "
			 "able to log slow commands execution for you.\n",
			 (unsigned long long)thr * 1000);
		buf_cat(&r, line);
	}
	if (slowlog_tuning) {
		snprintf(line, sizeof(line),
			 "- Your current Slow Log configuration only logs events that are slower "
			 "than your configured latency monitor threshold. Please use 'CONFIG SET "
			 "slowlog-log-slower-than %llu'.\n",
			 (unsigned long long)thr * 1000);
		buf_cat(&r, line);
	}
	if (command)
		buf_cat(&r, "- Check your Slow Log to understand what are the commands you are "
			    "running which are too slow to execute. Please check "
			    "https://redis.io/commands/slowlog for more information.\n");
	if (scheduler)
		buf_cat(&r,
			"- The system is slow to execute Redis code paths not containing system "
			"calls. This usually means the system does not provide Redis CPU time "
			"to run for long periods. You should try to:\n"
			"  1) Lower the system load.\n"
			"  2) Use a computer / VM just for Redis if you are running other "
			"software in the same system.\n"
			"  3) Check if you have a \"noisy neighbour\" problem.\n"
			"  4) Check with 'redis-cli --intrinsic-latency 100' what is the "
			"intrinsic latency in your system.\n"
			"  5) Check if the problem is allocator-related by recompiling Redis "
			"with MALLOC=libc, if you are using Jemalloc. However this may create "
			"fragmentation problems.\n");
	if (command)
		buf_cat(&r, "- Deleting, expiring or evicting (because of maxmemory policy) large "
			    "objects is a blocking operation. If you have very large objects that "
			    "are often deleted, expired, or evicted, try to fragment those objects "
			    "into multiple smaller objects.\n");
out:
	resp_w_verbatim(ctx->out, (const char *)r.data, r.len, cmd_proto(ctx));
	rw_buf_fini(&r);
}

/* ---- GRAPH ---- */

#define GRAPH_COLS 80
#define GRAPH_ROWS 4

struct spark {
	int64_t v[CMD_LAT_TS_LEN];
	char label[CMD_LAT_TS_LEN][16];
	int n;
	int64_t min, max;
};

/* sparklineRenderRange() with SPARKLINE_FILL and labels (margin 1) */
static void spark_range(struct rw_buf *o, const struct spark *sp, int off, int len)
{
	static const char fill[] = "_o#";
	double relmax = (double)(sp->max - sp->min);
	int steps = 3 * GRAPH_ROWS;
	if (relmax == 0)
		relmax = 1;
	char chars[GRAPH_COLS];
	for (int row = 0;; row++) {
		bool loop = false;
		memset(chars, ' ', (size_t)len);
		for (int j = 0; j < len; j++) {
			double relval = (double)(sp->v[j + off] - sp->min);
			int step = (int)((double)(int)(relval * steps) / relmax);
			if (step < 0)
				step = 0;
			if (step >= steps)
				step = steps - 1;
			if (row < GRAPH_ROWS) {
				int ci = step - (GRAPH_ROWS - row - 1) * 3;
				loop = true;
				if (ci >= 0 && ci < 3)
					chars[j] = fill[ci];
				else if (ci >= 3)
					chars[j] = '|';
			} else {
				if (row - GRAPH_ROWS < 1) {
					loop = true;
					break;
				}
				int lc = row - GRAPH_ROWS - 1;
				if ((int)strlen(sp->label[j + off]) > lc) {
					loop = true;
					chars[j] = sp->label[j + off][lc];
				}
			}
		}
		if (!loop)
			break;
		rw_buf_append(o, chars, (size_t)len);
		rw_buf_append(o, "\n", 1);
	}
}

void cmd_latency_graph(struct cmd_ctx *ctx, struct cmd_diag *dg)
{
	const struct resp_arg *a = &ctx->argv[2];
	int e = cmd_lat_event_find(a);
	struct cmd_lat_ts ts;
	if (e < 0 || !cmd_lat_merge(dg, e, &ts)) {
		resp_w_errorf(ctx->out, "ERR No samples available for event '%.*s'", (int)a->len,
			      (const char *)a->ptr);
		return;
	}
	static _Thread_local struct spark sp;
	memset(&sp, 0, sizeof(sp));
	int64_t now_s = (int64_t)(rw_time_unix_ms() / 1000);
	for (uint32_t j = 0; j < CMD_LAT_TS_LEN; j++) {
		const struct cmd_lat_sample *s = &ts.s[(ts.idx + j) % CMD_LAT_TS_LEN];
		if (s->time_s == 0)
			continue;
		if (sp.n == 0 || s->ms < sp.min)
			sp.min = s->ms;
		if (sp.n == 0 || s->ms > sp.max)
			sp.max = s->ms;
		int el = (int)(now_s - s->time_s);
		char *l = sp.label[sp.n];
		if (el < 60)
			snprintf(l, 16, "%ds", el);
		else if (el < 3600)
			snprintf(l, 16, "%dm", el / 60);
		else if (el < 3600 * 24)
			snprintf(l, 16, "%dh", el / 3600);
		else
			snprintf(l, 16, "%dd", el / (3600 * 24));
		sp.v[sp.n++] = s->ms;
	}
	struct rw_buf g = {0};

	char head[160];
	snprintf(head, sizeof(head), "%s - high %lu ms, low %lu ms (all time high %lu ms)\n",
		 cmd_lat_event_names[e], (unsigned long)sp.max, (unsigned long)sp.min,
		 (unsigned long)ts.max);
	buf_cat(&g, head);
	for (int j = 0; j < GRAPH_COLS; j++)
		rw_buf_append(&g, "-", 1);
	rw_buf_append(&g, "\n", 1);
	for (int j = 0; j < sp.n; j += GRAPH_COLS) {
		if (j != 0)
			rw_buf_append(&g, "\n", 1);
		spark_range(&g, &sp, j, sp.n - j < GRAPH_COLS ? sp.n - j : GRAPH_COLS);
	}
	resp_w_verbatim(ctx->out, (const char *)g.data, g.len, cmd_proto(ctx));
	rw_buf_fini(&g);
}
