/*
 * `redwirectl stats --watch`: poll /v1/stats every interval and redraw
 * per-worker rates (commands/s, packets/s in and out, forwarded/s,
 * evicted/s) from the difference of two samples over the measured time
 * between them, and each shard's used memory as it is. A counter
 * that went backwards (the dataplane restarted) or a changed worker count
 * shows "-" for one interval and starts again from the new values.
 *
 * On a terminal each redraw clears the screen; otherwise (a pipe, a test)
 * the tables follow each other. With --json each interval is one JSON
 * object on one line. Ctrl-C stops it with exit 0.
 *
 * Context: redwirectl, blocking.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_cmd.h"

/* The counters turned into rates, and their column titles. */
static const char *const rate_keys[] = {"commands", "rx_packets", "tx_packets", "fwd_sent",
					"evicted_keys"};
static const char *const rate_titles[] = {"commands/s", "rx_pkts/s", "tx_pkts/s", "forwarded/s",
					  "evicted/s"};
#define N_RATES	    (sizeof(rate_keys) / sizeof(rate_keys[0]))
#define MAX_WORKERS 64

struct sample {
	size_t n_workers;
	double t; /* monotonic seconds */
	long long v[MAX_WORKERS][N_RATES];
	long long conns[MAX_WORKERS];
	long long used[MAX_WORKERS]; /* used_memory, a gauge: shown as is */
};

static volatile sig_atomic_t stop;

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sample_take(const struct ctl *c, struct sample *s)
{
	int status = 0;
	json_t *j;
	enum ctl_exit e = ctl_fetch_json(c, "/v1/stats", &status, &j);
	if (e != CTL_EXIT_OK)
		return e;
	s->t = mono_s();
	json_t *workers = json_object_get(j, "workers");
	if (status != 200 || !json_is_array(workers)) {
		fprintf(stderr, "redwirectl: /v1/stats answered %d\n", status);
		json_decref(j);
		return status != 200 ? CTL_EXIT_FAIL : CTL_EXIT_PROTOCOL;
	}
	s->n_workers =
	    json_array_size(workers) < MAX_WORKERS ? json_array_size(workers) : MAX_WORKERS;
	for (size_t w = 0; w < s->n_workers; w++) {
		json_t *o = json_array_get(workers, w);
		for (size_t k = 0; k < N_RATES; k++)
			s->v[w][k] = json_integer_value(json_object_get(o, rate_keys[k]));
		s->conns[w] = json_integer_value(json_object_get(o, "tcp_conns_current"));
		s->used[w] = json_integer_value(json_object_get(o, "used_memory"));
	}
	json_decref(j);
	return CTL_EXIT_OK;
}

/* Rate of counter k on worker w; < 0 when it cannot be told (reset). */
static double rate(const struct sample *a, const struct sample *b, size_t w, size_t k)
{
	double dt = b->t - a->t;
	if (a->n_workers != b->n_workers || b->v[w][k] < a->v[w][k] || dt <= 0)
		return -1;
	return (double)(b->v[w][k] - a->v[w][k]) / dt;
}

static void cell(double r)
{
	if (r < 0)
		printf(" %12s", "-");
	else
		printf(" %12.1f", r);
}

static void draw_table(const struct sample *a, const struct sample *b, double interval_s)
{
	if (isatty(STDOUT_FILENO))
		printf("\033[H\033[J");
	time_t now = time(NULL);
	char when[32];
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	printf("redwirectl stats --watch   every %.2fs   %s   (Ctrl-C stops)\n", interval_s, when);
	printf("%-6s", "worker");
	for (size_t k = 0; k < N_RATES; k++)
		printf(" %12s", rate_titles[k]);
	printf(" %12s %12s\n", "connections", "used_bytes");
	double tot[N_RATES] = {0};
	bool tot_ok[N_RATES];
	long long conns = 0, used = 0;
	memset(tot_ok, 1, sizeof(tot_ok));
	for (size_t w = 0; w < b->n_workers; w++) {
		printf("%-6zu", w);
		for (size_t k = 0; k < N_RATES; k++) {
			double r = rate(a, b, w, k);
			cell(r);
			tot[k] += r;
			tot_ok[k] &= r >= 0;
		}
		printf(" %12lld %12lld\n", b->conns[w], b->used[w]);
		conns += b->conns[w];
		used += b->used[w];
	}
	if (b->n_workers == 0)
		printf("(dataplane not attached)\n");
	printf("%-6s", "total");
	for (size_t k = 0; k < N_RATES; k++)
		cell(tot_ok[k] ? tot[k] : -1);
	printf(" %12lld %12lld\n\n", conns, used);
	fflush(stdout);
}

static json_t *rate_json(double r)
{
	return r < 0 ? json_null() : json_real(r);
}

static void draw_json(const struct sample *a, const struct sample *b)
{
	json_t *workers = json_array();
	for (size_t w = 0; w < b->n_workers; w++) {
		json_t *o =
		    json_pack("{s:i, s:I, s:I}", "worker", (int)w, "connections_current",
			      (json_int_t)b->conns[w], "used_memory", (json_int_t)b->used[w]);
		for (size_t k = 0; k < N_RATES; k++) {
			char key[40];
			snprintf(key, sizeof(key), "%s_per_s", rate_keys[k]);
			json_object_set_new(o, key, rate_json(rate(a, b, w, k)));
		}
		json_array_append_new(workers, o);
	}
	json_t *line = json_pack("{s:f, s:o}", "interval_s", b->t - a->t, "workers", workers);
	json_dumpf(line, stdout, JSON_COMPACT);
	printf("\n");
	fflush(stdout);
	json_decref(line);
}

/* Sleep @p s seconds unless Ctrl-C comes first. */
static void nap(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
			      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (!stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int ctl_stats_watch(const struct ctl *c, double interval_s, long count)
{
	static struct sample s[2];
	struct sigaction sa = {.sa_handler = on_sigint}; /* no SA_RESTART: wake the sleep */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int rc = sample_take(c, &s[0]);
	for (long n = 0; rc == CTL_EXIT_OK && !stop && (count == 0 || n < count); n++) {
		nap(interval_s);
		if (stop)
			break;
		struct sample *prev = &s[n % 2], *cur = &s[(n + 1) % 2];
		rc = sample_take(c, cur);
		if (rc != CTL_EXIT_OK)
			break;
		if (c->json)
			draw_json(prev, cur);
		else
			draw_table(prev, cur, interval_s);
	}
	return rc;
}
