/*
 * Loading the dataset at start: the worker's side of the LOAD_* messages
 * (see dp_load.h; wire format in platform/chan/FORMAT.md, "Loading").
 */
#include "dp_load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <unistd.h>

#include "store.h"
#include "worker.h"

#define DP_LOAD_LOG_ERRORS   8	     /* commands that failed, logged one by one */
#define DP_LOAD_QUIET_MAX_US 2000000 /* a live restore waits this long for a quiet point */

bool dp_loading(const struct worker *w)
{
	return atomic_load_explicit(&w->sh->loading.workers_left, memory_order_relaxed) != 0;
}

bool dp_load_expected(const struct rw_config *cfg)
{
	char path[4096];
	if (cfg->appendonly)
		return true;
	snprintf(path, sizeof(path), "%s/%s", cfg->dir, cfg->dbfilename);
	return access(path, F_OK) == 0;
}

int dp_load_init(struct worker *w)
{
	struct dp_load *l = &w->load;
	l->phase = dp_load_expected(w->sh->cfg) ? DP_LOAD_WAIT : DP_LOAD_SERVING;
	cmd_client_init(&l->client, 0, &w->sh->env, 0);
	l->client.authenticated = 1; /* Redis's AOF client is not subject to AUTH */
	l->argv_cap = 16;
	l->argv = calloc(l->argv_cap, sizeof(*l->argv));
	return l->argv != NULL ? 0 : -ENOMEM;
}

void dp_load_fini(struct worker *w)
{
	free(w->load.argv);
	w->load.argv = NULL;
	rw_buf_fini(&w->load.out);
	rw_buf_fini(&w->load.partial);
}

static const struct cmd_def *subcommand(const struct cmd_def *d, const struct resp_arg *argv,
					uint32_t argc)
{
	if (d->n_subcmds == 0 || argc < 2)
		return d;
	size_t skip = strlen(d->name) + 1; /* subcommands are named "parent|sub" */
	for (uint32_t i = 0; i < d->n_subcmds; i++) {
		const char *name = d->subcmds[i].name;
		if (strlen(name) == skip + argv[1].len &&
		    strncasecmp(name + skip, (const char *)argv[1].ptr, argv[1].len) == 0)
			return &d->subcmds[i];
	}
	return d;
}

bool dp_load_refuses(const struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
		     uint32_t argc)
{
	if (!dp_loading(w))
		return false;
	return !(subcommand(d, argv, argc)->flags & CMD_LOADING);
}

void dp_load_store_event(void *arg, uint32_t db, const void *key, size_t klen, const char *event)
{
	struct worker *w = arg;
	if (w->load.phase != DP_LOAD_SERVING)
		return; /* the AOF being loaded already holds whatever caused it */
	dp_journal_store_event(arg, db, key, klen, event);
}

static void state_send(struct worker *w, uint32_t id, int32_t state)
{
	struct chan_load_state st = {
	    .state = state, .executed = w->load.executed, .errors = w->load.errors};
	int rc =
	    chan_msg_send(w->sh->chan, w->id, CHAN_TO_CP, CHAN_MSG_LOAD_STATE, id, &st, sizeof(st));
	if (rc != 0)
		rw_logring_put(&w->log, RW_LOG_WARN, "dp.load", "load state reply dropped err=%d",
			       -rc);
}

static void load_error(struct worker *w, const char *what, const struct resp_arg *a0)
{
	struct dp_load *l = &w->load;
	if (l->errors++ < DP_LOAD_LOG_ERRORS)
		rw_logring_put(&w->log, RW_LOG_WARN, "dp.load", "AOF command %s: cmd=%.*s", what,
			       a0 != NULL ? (int)(a0->len > 32 ? 32 : a0->len) : 1,
			       a0 != NULL ? (const char *)a0->ptr : "?");
}

static bool argv_fit(struct dp_load *l, uint32_t need)
{
	if (need <= l->argv_cap)
		return true;
	struct resp_arg *a = realloc(l->argv, sizeof(*a) * need);
	if (a == NULL)
		return false;
	l->argv = a;
	l->argv_cap = need;
	return true;
}

/* Run one command of the file on this worker's shard, as Redis's AOF client does: no
 * journal, no client statistics, the reply thrown away (an error reply is counted). */
static void replay_one(struct worker *w, uint32_t db, uint8_t *p, uint32_t len)
{
	struct dp_load *l = &w->load;
	struct resp_limits lim;
	resp_limits_default(&lim);
	lim.max_bulk_len = UINT32_MAX;
	struct resp_cmd rc = {.argv = l->argv, .cap = l->argv_cap};
	enum resp_status st;
	while ((st = resp_parse(p, len, &lim, &rc)) == RESP_NEED_ARGS) {
		if (!argv_fit(l, rc.need_args)) {
			load_error(w, "out of memory", NULL);
			return;
		}
		rc = (struct resp_cmd){.argv = l->argv, .cap = l->argv_cap};
	}
	if (st != RESP_OK || rc.argc == 0) {
		load_error(w, "malformed", NULL);
		return;
	}
	const struct cmd_def *d = cmd_lookup(rc.argv[0].ptr, rc.argv[0].len);
	if (d == NULL || !cmd_arity_ok(d, rc.argc) || db >= store_shard_databases(w->store)) {
		load_error(w, d == NULL ? "unknown" : "with a wrong arity or db", &rc.argv[0]);
		return;
	}
	l->client.db = db;
	rw_buf_reset(&l->out);
	struct cmd_ctx ctx = {
	    .argv = rc.argv,
	    .argc = rc.argc,
	    .out = &l->out,
	    .shard = w->store,
	    .client = &l->client,
	    .env = &w->sh->env,
	    .now_ms = w->now_unix_ms,
	    .now_us = w->now_us,
	};
	cmd_execute(d, &ctx);
	l->executed++;
	l->replayed = true;
	if (l->out.len > 0 && l->out.data[0] == '-')
		load_error(w, "replied an error", &rc.argv[0]);
}

/* A record split across messages: gather it. @return bytes of @p p taken. */
static uint32_t partial_fill(struct worker *w, const uint8_t *p, uint32_t n)
{
	struct rw_buf *b = &w->load.partial;
	uint32_t taken = 0;
	if (b->len < sizeof(struct chan_load_rec)) {
		uint32_t k = (uint32_t)(sizeof(struct chan_load_rec) - b->len);
		k = k < n ? k : n;
		if (rw_buf_append(b, p, k) != 0)
			return n;
		taken += k;
		if (b->len < sizeof(struct chan_load_rec))
			return taken;
	}
	struct chan_load_rec r;
	memcpy(&r, b->data, sizeof(r));
	size_t need = sizeof(r) + r.len - b->len, k = n - taken < need ? n - taken : need;
	if (rw_buf_append(b, p + taken, k) != 0) {
		load_error(w, "out of memory", NULL);
		rw_buf_reset(b);
		return n;
	}
	taken += (uint32_t)k;
	if (b->len == sizeof(r) + r.len) {
		replay_one(w, r.db, b->data + sizeof(r), r.len);
		rw_buf_reset(b);
	}
	return taken;
}

/*
 * The payloads of one session's LOAD_CMDS messages, after their 8-byte
 * progress field, form one stream of {db, len, RESP} records: a record may
 * continue in the next message (a value larger than a message).
 */
static void on_cmds(struct worker *w, const struct chan_msg *m)
{
	const uint8_t *p = m->payload;
	uint64_t loaded;
	if (w->load.phase != DP_LOAD_RUNNING || m->id != w->load.session || m->len < 8)
		return; /* a session that is over (a dead control plane's) */
	memcpy(&loaded, p, 8);
	if (loaded > atomic_load_explicit(&w->sh->loading.loaded_bytes, memory_order_relaxed))
		atomic_store_explicit(&w->sh->loading.loaded_bytes, loaded, memory_order_relaxed);
	uint32_t off = 8;
	if (w->load.partial.len > 0)
		off += partial_fill(w, p + off, m->len - off);
	while (off < m->len) {
		struct chan_load_rec r;
		if (m->len - off < sizeof(r) ||
		    (memcpy(&r, p + off, sizeof(r)), r.len > m->len - off - sizeof(r))) {
			off += partial_fill(w, p + off, m->len - off);
			continue;
		}
		off += (uint32_t)sizeof(r);
		/* the parser does not write into a multibulk request, which is all the
		 * control plane sends */
		replay_one(w, r.db, (uint8_t *)(uintptr_t)(p + off), r.len);
		off += r.len;
	}
}

static void shard_empty(struct worker *w)
{
	for (uint32_t db = 0; db < store_shard_databases(w->store); db++)
		store_db_flush(w->store, db);
}

/*
 * A live restore's BEGIN (CHAN_LOAD_F_REPLACE) on a serving worker: count
 * this worker as loading again, which every worker's clients see at once
 * (dp_loading reads the shared count), then wait for a quiet point before
 * the shard is emptied (dp_load_tick). The first worker to take it turns
 * the whole appliance to -LOADING, so no client sees a mix of the old and
 * the new dataset. Worker 0 gets the BEGIN first and alone: it refuses
 * while a snapshot or rewrite runs (their walk must not see a shard
 * emptied under it; none starts while loading).
 * @return false if refused (answered BUSY).
 */
static bool replace_take(struct worker *w, uint32_t id)
{
	atomic_fetch_add_explicit(&w->sh->loading.workers_left, 1, memory_order_acq_rel);
	if (w->id == 0 && atomic_load_explicit(&w->sh->snap.running, memory_order_acquire) != 0) {
		atomic_fetch_sub_explicit(&w->sh->loading.workers_left, 1, memory_order_release);
		state_send(w, id, CHAN_LOAD_BUSY);
		return false;
	}
	return true;
}

/* The session's fields, and ACCEPTED: its commands may come. */
static void begin_accept(struct worker *w, uint32_t id, uint64_t total, uint64_t start)
{
	struct dp_load *l = &w->load;
	atomic_store_explicit(&w->sh->loading.total_bytes, total, memory_order_relaxed);
	atomic_store_explicit(&w->sh->loading.loaded_bytes, 0, memory_order_relaxed);
	if (start != 0)
		atomic_store_explicit(&w->sh->loading.start_unix_ms, start, memory_order_relaxed);
	l->phase = DP_LOAD_RUNNING;
	l->session = id;
	rw_buf_reset(&l->partial);
	l->executed = l->errors = 0;
	state_send(w, id, CHAN_LOAD_ACCEPTED);
}

static void on_begin(struct worker *w, const struct chan_msg *m)
{
	struct dp_load *l = &w->load;
	uint64_t total = 0, start = 0, flags = 0;
	if (m->len >= 16) {
		memcpy(&total, m->payload, 8);
		memcpy(&start, (const uint8_t *)m->payload + 8, 8);
	}
	if (m->len >= 24)
		memcpy(&flags, (const uint8_t *)m->payload + 16, 8);
	if (l->phase == DP_LOAD_QUIESCE) { /* a new session while this one waited */
		l->session = m->id;
		l->quiet_total = total;
		l->quiet_start_ms = start;
		return;
	}
	if (l->phase == DP_LOAD_SERVING) {
		if (!(flags & CHAN_LOAD_F_REPLACE)) {
			state_send(w, m->id, CHAN_LOAD_SERVING);
			return;
		}
		if (!replace_take(w, m->id))
			return;
		/* the quiet point first (dp_load_tick): every worker's tick now */
		for (uint32_t j = 0; j < w->sh->n_workers; j++)
			l->quiet_tick[j] =
			    atomic_load_explicit(&w->sh->quiet[j].tick, memory_order_acquire);
		l->phase = DP_LOAD_QUIESCE;
		l->session = m->id;
		l->quiet_total = total;
		l->quiet_start_ms = start;
		l->quiet_start_us = w->now_us;
		l->quiet_deadline_us = w->now_us + DP_LOAD_QUIET_MAX_US;
		l->quiet_seen = 0;
		return;
	}
	if (l->replayed) { /* the control plane that was loading us died: start over */
		shard_empty(w);
		rw_logring_put(&w->log, RW_LOG_WARN, "dp.load",
			       "a new load session replaces an unfinished one: shard emptied");
	}
	begin_accept(w, m->id, total, start);
}

/*
 * The quiet point of a live restore (platform/chan/FORMAT.md, "Live
 * restore"). From the BEGIN on no client command starts anywhere (the
 * loading count refuses them), but work accepted before it may still be
 * crossing the mesh: a request forwarded to its owner, a transaction whose
 * LOCK, RUN and RELEASE are half way. Emptying a shard under it would run
 * its rest on the emptied or half-loaded shard. So the shard is emptied only
 * once, on two ticks of this worker in a row, every worker has published a
 * tick after the BEGIN (so whatever it dispatched before the count rose is
 * in its figures) showing nothing away and nothing pending. Nothing new can
 * make a worker busy again: only work already counted sends messages. A
 * worker that stays busy (a client blocked on several workers) is waited
 * for DP_LOAD_QUIET_MAX_US at most; then the shard is emptied anyway and
 * that is logged.
 */
static bool mesh_quiet(struct worker *w)
{
	const struct dp_load *l = &w->load;
	for (uint32_t j = 0; j < w->sh->n_workers; j++) {
		const struct dp_quiet *q = &w->sh->quiet[j];
		uint64_t t = atomic_load_explicit(&q->tick, memory_order_acquire);
		if (t <= l->quiet_tick[j] || atomic_load_explicit(&q->away, memory_order_relaxed) ||
		    atomic_load_explicit(&q->busy, memory_order_relaxed))
			return false;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&q->tick, memory_order_relaxed) != t)
			return false; /* published meanwhile: look again next tick */
	}
	return true;
}

void dp_load_tick(struct worker *w)
{
	struct dp_quiet *q = &w->sh->quiet[w->id];
	uint64_t busy = w->tx_live + w->txq.n + (w->self_head != NULL) + (w->tx_wait != NULL) +
			(w->deferred_head != NULL) + (w->xblk_head != NULL);
	atomic_store_explicit(&q->away, w->mesh_away, memory_order_relaxed);
	atomic_store_explicit(&q->busy, busy, memory_order_relaxed);
	atomic_store_explicit(&q->tick, w->ticks, memory_order_release);
	struct dp_load *l = &w->load;
	if (l->phase != DP_LOAD_QUIESCE)
		return;
	bool quiet = mesh_quiet(w);
	l->quiet_seen = quiet ? l->quiet_seen + 1 : 0;
	bool late = w->now_us >= l->quiet_deadline_us;
	if (l->quiet_seen < 2 && !late)
		return;
	shard_empty(w);
	rw_logring_put(&w->log, late ? RW_LOG_WARN : RW_LOG_NOTICE, "dp.load",
		       "live restore: %s after %llu us, shard emptied, loading the snapshot",
		       late ? "no quiet point (work still crossing the mesh)" : "quiet point",
		       (unsigned long long)(w->now_us - l->quiet_start_us));
	begin_accept(w, l->session, l->quiet_total, l->quiet_start_ms);
}

static void on_end(struct worker *w, const struct chan_msg *m)
{
	struct dp_load *l = &w->load;
	if (l->phase != DP_LOAD_RUNNING || m->id != l->session)
		return;
	uint64_t sent = 0;
	if (m->len >= 8)
		memcpy(&sent, m->payload, 8);
	l->phase = DP_LOAD_SERVING;
	atomic_fetch_sub_explicit(&w->sh->loading.workers_left, 1, memory_order_release);
	rw_logring_put(&w->log, RW_LOG_NOTICE, "dp.load",
		       "dataset loaded: commands=%llu sent=%llu errors=%llu keys=%llu",
		       (unsigned long long)l->executed, (unsigned long long)sent,
		       (unsigned long long)l->errors,
		       (unsigned long long)store_shard_keys(w->store));
	state_send(w, m->id, CHAN_LOAD_DONE);
}

bool dp_load_msg(struct worker *w, const struct chan_msg *m)
{
	switch (m->type) {
	case CHAN_MSG_LOAD_BEGIN:
		on_begin(w, m);
		return true;
	case CHAN_MSG_LOAD_CMDS:
		on_cmds(w, m);
		return true;
	case CHAN_MSG_LOAD_END:
		on_end(w, m);
		return true;
	default:
		return false;
	}
}
