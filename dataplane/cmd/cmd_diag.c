/*
 * Recording what SLOWLOG and LATENCY report (see cmd_diag.h): after every
 * command the dispatcher calls cmd_diag_command() with its duration, on the
 * worker that ran it, as Redis's call() does after the handler:
 *
 *   - the latency monitor (latencyAddSampleIfNeeded): "fast-command" or
 *     "command" gets a sample when latency-monitor-threshold is set and the
 *     duration in ms reaches it; samples of one second keep the highest;
 *   - the slow log (slowlogPushCurrentCommand): when the duration reaches
 *     slowlog-log-slower-than (>= 0), unless the command skips it (EXEC);
 *     then trimmed to slowlog-max-len;
 *   - the command's latency histogram (updateCommandLatencyHistogram) and
 *     its commandstats: a call, its duration, and a failed call when it
 *     replied an error (incrCommandStatsOnError(ERROR_COMMAND_FAILED));
 *     the error itself in errorstats (afterErrorReply()).
 *
 * The histogram reproduces what Redis prints from its hdr_histogram
 * (1 ns .. 1 s, 2 significant figures) through a log iterator starting at
 * 1024 ns, doubling: the reported level L = 1024 * 2^k counts the samples
 * in sub-buckets up to L's, i.e. values <= L + L/128 - 1 ns, and prints
 * that bound / 1000 as its microseconds (1 2 4 8 16 33 66 132 ...).
 * Redis records duration_us * 1000 ns, so bucket k holds the durations
 * d with d * 1000 <= L + L/128 - 1, not held by a lower bucket.
 *
 * Context: the worker that ran the command; the slot lock only when the
 * command is logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_diag.h"
#include "cmd_int.h"
#include "rw_time.h"

const char *const cmd_lat_event_names[CMD_LAT_EVENTS] = {"command", "fast-command"};

struct cmd_diag *cmd_diag_create(void)
{
	struct cmd_diag *d = aligned_alloc(64, sizeof(*d));
	if (d == NULL)
		return NULL;
	memset(d, 0, sizeof(*d));
	for (uint32_t i = 0; i < CMD_DIAG_WORKERS; i++)
		atomic_flag_clear(&d->slot[i].lock);
	atomic_init(&d->slowlog_next_id, 0);
	return d;
}

void cmd_diag_destroy(struct cmd_diag **dp)
{
	if (dp == NULL || *dp == NULL)
		return;
	struct cmd_diag *d = *dp;
	for (uint32_t i = 0; i < CMD_DIAG_WORKERS; i++) {
		struct cmd_slowlog_entry *e = d->slot[i].head;
		while (e != NULL) {
			struct cmd_slowlog_entry *n = e->prev;
			free(e);
			e = n;
		}
		free(d->slot[i].hist);
		rw_buf_fini(&d->slot[i].mon);
	}
	free(d);
	*dp = NULL;
}

void cmd_diag_lock(struct cmd_diag_slot *s)
{
	while (atomic_flag_test_and_set_explicit(&s->lock, memory_order_acquire))
		;
}

void cmd_diag_unlock(struct cmd_diag_slot *s)
{
	atomic_flag_clear_explicit(&s->lock, memory_order_release);
}

int64_t cmd_hist_bucket_us(uint32_t i)
{
	int64_t level = 1024ll << i;
	return (level + level / 128 - 1) / 1000;
}

/* ---- histograms ---- */

static struct cmd_hist *hist_find(struct cmd_diag_slot *s, const struct cmd_def *d)
{
	if (s->hist_last != NULL && s->hist_last->def == d)
		return s->hist_last; /* a pipeline of one command: the usual case */
	if (s->hist == NULL) {
		s->hist = calloc(CMD_HIST_SLOTS, sizeof(*s->hist));
		if (s->hist == NULL)
			return NULL;
	}
	uintptr_t h = ((uintptr_t)d >> 4) * 0x9E3779B97F4A7C15ull;
	for (uint32_t i = 0; i < CMD_HIST_SLOTS; i++) {
		struct cmd_hist *e = &s->hist[(h + i) & (CMD_HIST_SLOTS - 1)];
		if (e->def == NULL)
			e->def = d;
		if (e->def == d)
			return s->hist_last = e;
	}
	return NULL;
}

/*
 * The bucket of a duration: the lowest k with ns <= 1032 * 2^k - 1 (see
 * the top of the file), i.e. 2^k >= ceil((ns + 1) / 1032): a division by
 * a constant and a count of leading zeros instead of a loop.
 */
uint32_t cmd_hist_bucket_of(int64_t dur_us)
{
	if (dur_us <= 1)
		return 0; /* 1000 ns <= 1031: most commands */
	int64_t ns = dur_us * 1000;
	if (ns < 1)
		ns = 1;
	if (ns > 1000000000)
		ns = 1000000000;
	uint64_t c = ((uint64_t)ns + 1 + 1031) / 1032;
	uint32_t k = c <= 1 ? 0 : 64 - (uint32_t)__builtin_clzll(c - 1);
	return k < CMD_HIST_BUCKETS ? k : CMD_HIST_BUCKETS - 1;
}

#define LD(x)	  atomic_load_explicit(&(x), memory_order_relaxed)
#define ST(x, v)  atomic_store_explicit(&(x), (v), memory_order_relaxed)
#define INC(x, v) ST(x, LD(x) + (v)) /* single writer: no read-modify-write */

static void hist_add(struct cmd_diag_slot *s, const struct cmd_def *d, int64_t dur_us, bool failed)
{
	struct cmd_hist *e = hist_find(s, d);
	if (e == NULL)
		return;
	uint32_t k = cmd_hist_bucket_of(dur_us);
	INC(e->n.calls, 1);
	INC(e->n.usec, (uint64_t)(dur_us > 0 ? dur_us : 0));
	INC(e->n.b[k], 1);
	if (failed)
		INC(e->n.failed, 1);
}

/* The entry of @p d in worker table @p t, NULL if it never ran there. */
static const struct cmd_hist *hist_get(const struct cmd_hist *t, const struct cmd_def *d)
{
	uintptr_t h = ((uintptr_t)d >> 4) * 0x9E3779B97F4A7C15ull;
	for (uint32_t i = 0; t != NULL && i < CMD_HIST_SLOTS; i++) {
		const struct cmd_hist *e = &t[(h + i) & (CMD_HIST_SLOTS - 1)];
		if (e->def == NULL)
			return NULL;
		if (e->def == d)
			return e;
	}
	return NULL;
}

/* n - base, never below 0 (a base read while its counter moved) */
static uint64_t since(const _Atomic uint64_t *n, const _Atomic uint64_t *base, bool raw)
{
	uint64_t v = atomic_load_explicit(n, memory_order_relaxed);
	uint64_t b = raw ? 0 : atomic_load_explicit(base, memory_order_relaxed);
	return v > b ? v - b : 0;
}

bool cmd_hist_sum(struct cmd_diag *dg, const struct cmd_def *d, uint64_t *calls,
		  uint64_t b[CMD_HIST_BUCKETS])
{
	*calls = 0;
	memset(b, 0, sizeof(uint64_t) * CMD_HIST_BUCKETS);
	for (uint32_t w = 0; w < CMD_DIAG_WORKERS; w++) {
		const struct cmd_hist *e = hist_get(dg->slot[w].hist, d);
		if (e == NULL)
			continue;
		for (uint32_t k = 0; k < CMD_HIST_BUCKETS; k++) {
			uint64_t v = since(&e->n.b[k], &e->base.b[k], false);
			b[k] += v;
			*calls += v; /* (a timed-out call counts in commandstats only) */
		}
	}
	return *calls != 0;
}

static void stat_sum(struct cmd_diag *dg, const struct cmd_def *d, struct cmd_stat_sum *o, bool raw)
{
	*o = (struct cmd_stat_sum){0};
	for (uint32_t w = 0; w < CMD_DIAG_WORKERS; w++) {
		const struct cmd_hist *e = hist_get(dg->slot[w].hist, d);
		if (e == NULL)
			continue;
		o->calls += since(&e->n.calls, &e->base.calls, raw);
		o->usec += since(&e->n.usec, &e->base.usec, raw);
		o->rejected += since(&e->n.rejected, &e->base.rejected, raw);
		o->failed += since(&e->n.failed, &e->base.failed, raw);
	}
}

bool cmd_stat_sum(struct cmd_diag *dg, const struct cmd_def *d, struct cmd_stat_sum *out)
{
	stat_sum(dg, d, out, false);
	return out->calls != 0 || out->rejected != 0 || out->failed != 0;
}

void cmd_stat_sum_raw(struct cmd_diag *dg, const struct cmd_def *d, struct cmd_stat_sum *out)
{
	stat_sum(dg, d, out, true);
}

/* ---- errorstats ---- */

size_t cmd_err_name(const uint8_t *s, size_t len, const uint8_t **name)
{
	if (len > 0 && s[0] == '-') {
		const uint8_t *sp = memchr(s, ' ', len < CMD_ERR_NAME_MAX ? len : CMD_ERR_NAME_MAX);
		if (sp != NULL) {
			*name = s + 1;
			return (size_t)(sp - s) - 1;
		}
	}
	*name = (const uint8_t *)"ERR";
	return 3;
}

void cmd_diag_error(struct cmd_diag *dg, uint32_t worker, const uint8_t *s, size_t len)
{
	if (dg == NULL || worker >= CMD_DIAG_WORKERS)
		return;
	struct cmd_diag_slot *sl = &dg->slot[worker];
	const uint8_t *name;
	size_t n = cmd_err_name(s, len, &name);
	INC(sl->errors, 1);
	uint32_t have = LD(sl->n_err);
	for (uint32_t i = 0; i < have; i++) {
		struct cmd_err_stat *e = &sl->err[i];
		if (e->len == n && memcmp(e->name, name, n) == 0) {
			INC(e->count, 1);
			return;
		}
	}
	if (have == CMD_ERR_NAMES) {
		INC(sl->errors_other, 1);
		return;
	}
	struct cmd_err_stat *e = &sl->err[have];
	memcpy(e->name, name, n);
	e->len = (uint32_t)n;
	ST(e->count, 1);
	ST(e->base, 0);
	atomic_store_explicit(&sl->n_err, have + 1, memory_order_release);
}

void cmd_diag_rejected(const struct cmd_env *env, uint32_t worker, const struct cmd_def *d,
		       const uint8_t *s, size_t len)
{
	struct cmd_diag *dg = cmd_diag_of(env);
	if (dg == NULL || worker >= CMD_DIAG_WORKERS)
		return;
	cmd_diag_error(dg, worker, s, len);
	struct cmd_hist *e = d != NULL ? hist_find(&dg->slot[worker], d) : NULL;
	if (e != NULL)
		INC(e->n.rejected, 1);
}

void cmd_diag_failed(struct cmd_ctx *ctx, const struct cmd_def *d, uint32_t worker,
		     const uint8_t *s, size_t len)
{
	struct cmd_diag *dg = cmd_diag_of(ctx->env);
	if (dg == NULL || worker >= CMD_DIAG_WORKERS || d == NULL)
		return;
	cmd_diag_error(dg, worker, s, len);
	const struct cmd_def *real = ctx->client->last_cmd != NULL ? ctx->client->last_cmd : d;
	struct cmd_hist *e = hist_find(&dg->slot[worker], real);
	if (e != NULL)
		INC(e->n.failed, 1);
}

void cmd_diag_timed_out(const struct cmd_env *env, uint32_t worker, const struct cmd_def *d)
{
	struct cmd_diag *dg = cmd_diag_of(env);
	if (dg == NULL || worker >= CMD_DIAG_WORKERS || d == NULL)
		return;
	struct cmd_hist *e = hist_find(&dg->slot[worker], d);
	if (e != NULL)
		INC(e->n.calls, 1);
}

uint64_t cmd_diag_errors_total(struct cmd_diag *dg)
{
	uint64_t n = 0;
	for (uint32_t w = 0; dg != NULL && w < CMD_DIAG_WORKERS; w++)
		n += LD(dg->slot[w].errors);
	return n;
}

/* rax order: bytewise, a name before the longer names it begins */
static int err_sum_cmp(const void *a, const void *b)
{
	const struct cmd_err_sum *x = a, *y = b;
	int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);
	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

size_t cmd_err_sums(struct cmd_diag *dg, bool raw, struct cmd_err_sum *out, size_t cap)
{
	size_t n = 0;
	for (uint32_t w = 0; dg != NULL && w < CMD_DIAG_WORKERS; w++) {
		const struct cmd_diag_slot *sl = &dg->slot[w];
		uint32_t have = atomic_load_explicit(&sl->n_err, memory_order_acquire);
		for (uint32_t i = 0; i < have; i++) {
			const struct cmd_err_stat *e = &sl->err[i];
			size_t j = 0;
			while (j < n &&
			       (out[j].len != e->len || memcmp(out[j].name, e->name, e->len)))
				j++;
			if (j == n) {
				if (n == cap)
					continue;
				memcpy(out[n].name, e->name, e->len);
				out[n].name[e->len] = '\0';
				out[n].len = e->len;
				out[n++].count = 0;
			}
			out[j].count += since(&e->count, &e->base, raw);
		}
	}
	size_t k = 0;
	for (size_t j = 0; j < n; j++)
		if (out[j].count != 0)
			out[k++] = out[j];
	qsort(out, k, sizeof(*out), err_sum_cmp);
	return k;
}

static void stat_base(struct cmd_stat_ctrs *base, const struct cmd_stat_ctrs *n)
{
	ST(base->calls, LD(n->calls));
	ST(base->usec, LD(n->usec));
	ST(base->rejected, LD(n->rejected));
	ST(base->failed, LD(n->failed));
	for (uint32_t k = 0; k < CMD_HIST_BUCKETS; k++)
		ST(base->b[k], LD(n->b[k]));
}

void cmd_diag_reset(struct cmd_diag *dg)
{
	for (uint32_t w = 0; dg != NULL && w < CMD_DIAG_WORKERS; w++) {
		struct cmd_diag_slot *sl = &dg->slot[w];
		for (uint32_t i = 0; sl->hist != NULL && i < CMD_HIST_SLOTS; i++)
			if (sl->hist[i].def != NULL)
				stat_base(&sl->hist[i].base, &sl->hist[i].n);
		uint32_t have = atomic_load_explicit(&sl->n_err, memory_order_acquire);
		for (uint32_t i = 0; i < have; i++)
			ST(sl->err[i].base, LD(sl->err[i].count));
	}
}

/* ---- latency events ---- */

static void lat_add(struct cmd_lat_ts *ts, int64_t now_s, int64_t ms)
{
	if (!ts->used) {
		memset(ts, 0, sizeof(*ts));
		ts->used = true;
	}
	if (ms > ts->max)
		ts->max = ms;
	uint32_t prev = (ts->idx + CMD_LAT_TS_LEN - 1) % CMD_LAT_TS_LEN;
	if (ts->s[prev].time_s == now_s) {
		if (ms > ts->s[prev].ms)
			ts->s[prev].ms = ms;
		return;
	}
	ts->s[ts->idx] = (struct cmd_lat_sample){now_s, ms};
	ts->idx = (ts->idx + 1) % CMD_LAT_TS_LEN;
}

/* ---- slow log ---- */

/* AUTH's and HELLO AUTH's secrets are shown as Redis's redactClientCommandArgument() does. */
bool cmd_diag_redacted(const struct cmd_def *d, const struct resp_arg *argv, uint32_t i)
{
	if (strcmp(d->name, "auth") == 0)
		return i >= 1;
	if (strcmp(d->name, "hello") == 0)
		for (uint32_t j = 2; j < i; j++)
			if (cmd_arg_is(&argv[j], "auth") && (i == j + 1 || i == j + 2))
				return true;
	return false;
}

static struct cmd_slowlog_entry *slowlog_entry_new(const struct cmd_ctx *ctx,
						   const struct cmd_def *d)
{
	uint32_t n = ctx->argc < CMD_SLOWLOG_ARGC ? ctx->argc : CMD_SLOWLOG_ARGC;
	size_t need = 0;
	for (uint32_t i = 0; i < n; i++)
		need +=
		    (ctx->argv[i].len < CMD_SLOWLOG_STR ? ctx->argv[i].len : CMD_SLOWLOG_STR) + 48;
	struct cmd_slowlog_entry *e = malloc(sizeof(*e) + need);
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->argc = n;
	size_t off = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct resp_arg *a = &ctx->argv[i];
		char *dst = (char *)e->data + off;
		int w;
		if (i == n - 1 && n < ctx->argc)
			w = snprintf(dst, 48, "... (%u more arguments)", ctx->argc - n + 1);
		else if (cmd_diag_redacted(d, ctx->argv, i))
			w = snprintf(dst, 48, "(redacted)");
		else if (a->len > CMD_SLOWLOG_STR) {
			memcpy(dst, a->ptr, CMD_SLOWLOG_STR);
			w = CMD_SLOWLOG_STR + snprintf(dst + CMD_SLOWLOG_STR, 48,
						       "... (%zu more bytes)",
						       (size_t)a->len - CMD_SLOWLOG_STR);
		} else {
			memcpy(dst, a->ptr, a->len);
			w = (int)a->len;
		}
		e->arg_off[i] = (uint32_t)off;
		e->arg_len[i] = (uint32_t)w;
		off += (size_t)w;
	}
	uint32_t ip = ctx->client->peer_ip; /* travels with a forwarded command */
	snprintf(e->peer, sizeof(e->peer), "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255,
		 (ip >> 8) & 255, ip & 255, ctx->client->peer_port);
	memcpy(e->name, ctx->client->name, ctx->client->name_len);
	e->name[ctx->client->name_len] = '\0';
	return e;
}

static void slowlog_push(struct cmd_diag *dg, struct cmd_diag_slot *s, struct cmd_ctx *ctx,
			 const struct cmd_def *d, int64_t dur_us, uint64_t max_len)
{
	struct cmd_slowlog_entry *e = slowlog_entry_new(ctx, d);
	if (e == NULL)
		return;
	e->time_s = (int64_t)(rw_time_unix_ms() / 1000);
	e->dur_us = dur_us;
	cmd_diag_lock(s);
	e->id = atomic_fetch_add_explicit(&dg->slowlog_next_id, 1, memory_order_relaxed);
	e->prev = s->head;
	if (s->head != NULL)
		s->head->next = e;
	s->head = e;
	if (s->tail == NULL)
		s->tail = e;
	s->len++;
	struct cmd_slowlog_entry *drop = NULL;
	while (s->len > max_len && s->tail != NULL) {
		struct cmd_slowlog_entry *t = s->tail;
		s->tail = t->next;
		if (s->tail != NULL)
			s->tail->prev = NULL;
		else
			s->head = NULL;
		s->len--;
		t->next = drop; /* freed outside the lock */
		drop = t;
	}
	cmd_diag_unlock(s);
	while (drop != NULL) {
		struct cmd_slowlog_entry *n = drop->next;
		free(drop);
		drop = n;
	}
}

void cmd_diag_command(struct cmd_ctx *ctx, const struct cmd_def *d, uint32_t worker, int64_t dur_us,
		      const uint8_t *err, size_t err_len)
{
	struct cmd_diag *dg = cmd_diag_of(ctx->env);
	if (dg == NULL || worker >= CMD_DIAG_WORKERS || d == NULL)
		return;
	struct cmd_diag_slot *s = &dg->slot[worker];
	/* Redis's real_cmd: the subcommand a container ran */
	const struct cmd_def *real = ctx->client->last_cmd != NULL ? ctx->client->last_cmd : d;
	int64_t thr_ms = cmd_cfg_latency_threshold_ms(ctx->env);
	if (thr_ms > 0 && dur_us / 1000 >= thr_ms) {
		int ev = (real->flags & CMD_FAST) ? CMD_LAT_EV_FAST_CMD : CMD_LAT_EV_COMMAND;
		cmd_diag_lock(s);
		lat_add(&s->ev[ev], (int64_t)(rw_time_unix_ms() / 1000), dur_us / 1000);
		cmd_diag_unlock(s);
	}
	int64_t slower = cmd_cfg_slowlog_slower_us(ctx->env);
	if (slower >= 0 && dur_us >= slower && strcmp(d->name, "exec") != 0)
		slowlog_push(dg, s, ctx, d, dur_us, (uint64_t)cmd_cfg_slowlog_max_len(ctx->env));
	hist_add(s, real, dur_us, err != NULL);
	if (err != NULL)
		cmd_diag_error(dg, worker, err, err_len);
	if (atomic_load_explicit(&dg->monitors, memory_order_relaxed) != 0)
		cmd_monitor_feed(ctx, d, real);
}
