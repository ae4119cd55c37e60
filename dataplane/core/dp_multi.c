/*
 * MULTI, EXEC, DISCARD, WATCH, UNWATCH: a connection's MULTI state and the
 * commands, on the connection's worker (Redis 7.0.15's multi.c semantics).
 *
 * Queuing: after the dispatcher's checks (unknown command, arity,
 * subcommand, NOAUTH, which also flag the transaction: EXECABORT), every
 * command but EXEC DISCARD MULTI WATCH QUIT RESET is copied into the
 * connection's queue and answered +QUEUED.
 * EXEC: when every key and watched key is on this worker and no transaction
 * holds any of this shard's keys, it runs here and now (as Redis does);
 * otherwise it becomes a transaction over the shards it touches (dp_tx.c).
 * WATCH: the keys are remembered here (EXEC's intents) and registered on
 * their owners (dp_watch.c), which see every write.
 * SLOWLOG, LATENCY and MONITOR see MULTI, EXEC, DISCARD, WATCH and UNWATCH
 * here (dp_tx_record(), as Redis's call()); a local EXEC's commands as they
 * run, a cross-worker EXEC's when it ends, in order (dp_tx.c).
 *
 * Context: the connection's worker lcore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_cycles.h>

#include "cmd_diag.h"
#include "dp_clientkill.h"
#include "dp_digest.h"
#include "dp_int.h"
#include "dp_pubsub.h"
#include "dp_tx.h"
#include "dp_tx_int.h"
#include "dp_watch.h"
#include "shard_txq.h"

/* ---- the connection's MULTI state ---- */

static struct dp_multi *multi_of(struct dp_client *cl)
{
	if (cl->multi == NULL)
		cl->multi = calloc(1, sizeof(*cl->multi));
	return cl->multi;
}

uint32_t dp_tx_multi_count(const struct dp_client *cl)
{
	return cl->multi != NULL && cl->multi->active ? cl->multi->count : UINT32_MAX;
}

bool dp_tx_exec_ordered(const struct dp_client *cl)
{
	return cl->multi != NULL && cl->multi->active && cl->multi->ordered;
}

bool dp_tx_in_exec(const struct dp_client *cl)
{
	return cl->multi != NULL && cl->multi->executing;
}

void dp_tx_flag(struct dp_client *cl)
{
	if (cl->multi != NULL && cl->multi->active)
		cl->multi->dirty_exec = true;
}

static void multi_clear_queue(struct dp_multi *mu)
{
	mu->active = false;
	mu->executing = false;
	mu->dirty_exec = false;
	mu->ordered = false;
	mu->count = 0;
	rw_buf_reset(&mu->q);
	if (mu->q.cap > 65536)
		rw_buf_fini(&mu->q);
}

static void watched_clear(struct dp_multi *mu)
{
	for (uint32_t i = 0; i < mu->n_watched; i++)
		free(mu->watched[i].key);
	mu->n_watched = 0;
	mu->watch_shards = 0;
}

static void unwatch_send(struct worker *w, struct dp_client *cl, uint32_t epoch)
{
	struct dp_multi *mu = cl->multi;
	for (uint32_t s = 0; s < w->sh->n_workers; s++) {
		if (!(mu->watch_shards & (1ull << s)))
			continue;
		if (s == w->id) {
			dp_watch_remove(&w->watch, cl->cc.id, epoch);
			continue;
		}
		struct shard_msg *m = shard_msg_get(&w->shard);
		if (m == NULL)
			continue; /* entries stay until the owner's table is dropped */
		m->kind = SHARD_TX;
		m->op = SHARD_TX_UNWATCH;
		m->dst = (uint16_t)s;
		m->client = cl->cc;
		m->epoch = epoch;
		m->tx = NULL;
		dp_msg_send(w, m);
	}
	watched_clear(mu);
}

/* UNWATCH, DISCARD, EXEC, RESET: the watched keys are forgotten, the epoch moves. */
static void unwatch_all(struct worker *w, struct dp_client *cl)
{
	if (cl->multi == NULL)
		return;
	if (cl->multi->watch_shards != 0)
		unwatch_send(w, cl, cl->cc.watch_epoch);
	else
		watched_clear(cl->multi);
	cl->cc.watch_epoch++;
}

void dp_tx_reset(struct worker *w, struct dp_client *cl)
{
	if (cl->multi == NULL)
		return;
	multi_clear_queue(cl->multi);
	if (cl->multi->watch_shards != 0)
		unwatch_send(w, cl, DP_WATCH_ALL);
	watched_clear(cl->multi);
	cl->cc.watch_epoch++;
}

void dp_tx_client_free(struct dp_client *cl)
{
	if (cl->multi == NULL)
		return;
	watched_clear(cl->multi);
	free(cl->multi->watched);
	rw_buf_fini(&cl->multi->q);
	free(cl->multi);
	cl->multi = NULL;
}

static int queue_cmd(struct dp_multi *mu, const struct cmd_def *d, const struct resp_arg *argv,
		     uint32_t argc)
{
	size_t need = sizeof(d) + sizeof(uint32_t);
	for (uint32_t i = 0; i < argc; i++)
		need += sizeof(uint32_t) + argv[i].len;
	if (rw_buf_reserve(&mu->q, need) != 0)
		return -ENOMEM;
	rw_buf_append(&mu->q, &d, sizeof(d));
	rw_buf_append(&mu->q, &argc, sizeof(argc));
	for (uint32_t i = 0; i < argc; i++) {
		rw_buf_append(&mu->q, &argv[i].len, sizeof(uint32_t));
		rw_buf_append(&mu->q, argv[i].ptr, argv[i].len);
	}
	mu->count++;
	return 0;
}

/* One queued command at @p off: @return the offset after it, 0 on failure. */
static size_t queued_next(struct worker *w, const struct rw_buf *q, size_t off,
			  const struct cmd_def **d, uint32_t *argc)
{
	memcpy(d, q->data + off, sizeof(*d));
	memcpy(argc, q->data + off + sizeof(*d), sizeof(*argc));
	off += sizeof(*d) + sizeof(*argc);
	if (*argc > w->argv_cap && !dp_grow_argv(w, *argc))
		return 0;
	for (uint32_t i = 0; i < *argc; i++) {
		memcpy(&w->argv[i].len, q->data + off, sizeof(uint32_t));
		w->argv[i].ptr = q->data + off + sizeof(uint32_t);
		off += sizeof(uint32_t) + w->argv[i].len;
	}
	return off;
}

/* ---- SLOWLOG, LATENCY, MONITOR ---- */

void dp_tx_record(struct worker *w, const struct cmd_client *cc, uint32_t db,
		  const struct cmd_def *d, struct resp_arg *argv, uint32_t argc, int64_t us,
		  const uint8_t *err, size_t err_len)
{
	struct cmd_client c = *cc; /* the connection's own last_cmd stays as it is */
	d = dp_debug_table_def(d); /* (a queued DEBUG OBJECT: the table's DEBUG) */
	c.db = db;
	c.last_cmd = d;
	/* Redis's real_cmd: the subcommand a container runs ("config|get") */
	size_t pl = strlen(d->name) + 1;
	for (uint32_t i = 0; argc >= 2 && i < d->n_subcmds; i++) {
		const char *n = d->subcmds[i].name + pl;
		if (strlen(n) == argv[1].len &&
		    strncasecmp(n, (const char *)argv[1].ptr, argv[1].len) == 0)
			c.last_cmd = &d->subcmds[i];
	}
	struct cmd_ctx ctx = {.argv = argv,
			      .argc = argc,
			      .client = &c,
			      .shard = w->store,
			      .env = &w->sh->env,
			      .now_ms = w->now_unix_ms,
			      .now_us = w->now_us};
	cmd_diag_command(&ctx, d, w->id, us, err, err_len);
}

/* MULTI, EXEC, DISCARD, WATCH, UNWATCH themselves, run by the connection;
 * @p err: the error it replied (a failed call), or NULL. */
static void record_err(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		       struct resp_arg *argv, uint32_t argc, uint64_t t0_tsc, const char *err)
{
	dp_tx_record(w, &cl->cc, cl->cc.db, d, argv, argc,
		     (int64_t)worker_tsc_us(w, rte_rdtsc() - t0_tsc), (const uint8_t *)err,
		     err != NULL ? strlen(err) : 0);
}

static void record_self(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
			struct resp_arg *argv, uint32_t argc, uint64_t t0_tsc)
{
	record_err(w, cl, d, argv, argc, t0_tsc, NULL);
}

bool dp_tx_every_worker(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc)
{
	return dp_clientkill_is(d, argv, argc) || dp_clientunblock_is(d, argv, argc) ||
	       dp_digest_is(d, argv, argc);
}

/* ---- MULTI, EXEC, DISCARD, WATCH, UNWATCH ---- */

static const char err_nested[] = "-ERR MULTI calls can not be nested\r\n";
static const char err_watch_in_multi[] = "-ERR WATCH inside MULTI is not allowed\r\n";
static const char err_exec_no_multi[] = "-ERR EXEC without MULTI\r\n";
static const char err_discard_no_multi[] = "-ERR DISCARD without MULTI\r\n";
static const char err_execabort[] =
    "-EXECABORT Transaction discarded because of previous errors.\r\n";

static void reply_raw(struct worker *w, struct dp_client *cl, const char *s, size_t n)
{
	rw_buf_append(dp_reply_target(w, cl), s, n);
}

#define REPLY(w, cl, lit) reply_raw(w, cl, lit, sizeof(lit) - 1)

void dp_tx_exec_rejected(struct worker *w, struct dp_client *cl, const char *why)
{
	if (cl->multi != NULL) {
		multi_clear_queue(cl->multi);
		unwatch_all(w, cl);
	}
	/* rejectCommand(): a rejected EXEC, its error an EXECABORT */
	struct rw_buf *b = &w->scratch;
	rw_buf_reset(b);
	resp_w_errorf(b, "EXECABORT Transaction discarded because of: %s", why);
	rw_buf_append(dp_reply_target(w, cl), b->data, b->len);
	cmd_diag_rejected(&w->sh->env, w->id, cmd_lookup((const uint8_t *)"exec", 4), b->data,
			  b->len);
}

/*
 * Pub/sub commands inside a local EXEC run as they do outside (dp_pubsub.c,
 * on this worker: a PUBLISH's count from every worker, a subscription's
 * registration): their replies, and the messages a PUBLISH delivers to this
 * very client, come in later reply slots. So the EXEC reply is cut there:
 * what it has so far goes into a slot of its own (a *segment*), the pub/sub
 * command writes after it, and the rest follows; the slots go out in order,
 * giving Redis's bytes, a message to the client itself among the array's
 * elements included. The segments are held until the EXEC's journal
 * record is durable, as its single reply would be.
 */
/* EXEC whose keys and watched keys are all on this worker with nothing in
 * the way: run it here and now, as Redis does. */
void dp_exec_cut(struct worker *w, struct dp_client *cl, struct rw_buf *out,
		 struct dp_exec_segs *sg)
{
	if (sg->n == sg->cap) {
		uint32_t cap = sg->cap ? sg->cap * 2 : 4;
		uint64_t *s = realloc(sg->seq, sizeof(*s) * cap);
		if (s == NULL) {
			rw_buf_append(dp_reply_target(w, cl), out->data, out->len);
			rw_buf_reset(out);
			return;
		}
		sg->seq = s;
		sg->cap = cap;
	}
	uint64_t seq = cl->slot_tail;
	struct dp_slot *slot = dp_slot_multi(w, cl, DP_AGG_NONE);
	if (slot != NULL) { /* released (and held for durability) at the end */
		dp_slot_expect(slot);
		dp_slot_absorb(slot, w->id, out->data, out->len);
		sg->seq[sg->n++] = seq;
	}
	rw_buf_reset(out);
}

void dp_exec_uncut(struct worker *w, struct dp_client *cl, struct dp_exec_segs *sg, uint64_t lsn)
{
	for (uint32_t i = 0; i < sg->n; i++) {
		struct dp_slot *slot = &cl->slots[sg->seq[i] % DP_SLOTS];
		dp_hold_slot(w, cl, slot, sg->seq[i], lsn);
		dp_slot_release(slot);
	}
	free(sg->seq);
}

/* A pub/sub command in EXEC, after the reply so far. Redis 7.0.15 refuses
 * SSUBSCRIBE to a client that may not block (an EXEC's), not SUBSCRIBE. */
void dp_exec_pubsub(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		    struct resp_arg *argv, uint32_t argc)
{
	if (strcmp(d->name, "ssubscribe") == 0) {
		resp_w_error(dp_reply_target(w, cl),
			     "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
		return;
	}
	dp_pubsub_run(w, cl, d, argv, argc);
}

static void exec_local(struct worker *w, struct dp_client *cl, const struct cmd_def *exd,
		       struct resp_arg *ex, uint64_t t0_tsc)
{
	struct dp_multi *mu = cl->multi;
	struct dp_exec_segs sg = {0};
	mu->executing = true;
	w->cur_conn = cl; /* CLIENT INFO inside EXEC describes this connection */
	struct rw_buf *out = &w->tx_out;
	rw_buf_reset(out);
	bool dirty = mu->watch_shards != 0 && dp_watch_check(&w->watch, w->store, cl->cc.id,
							     cl->cc.watch_epoch, dp_unix_ms_now(w));
	unwatch_all(w, cl);
	uint64_t lsn = 0;
	if (dirty) {
		resp_w_null_array(out, cl->cc.proto);
	} else {
		resp_w_array(out, mu->count);
		rw_buf_reset(&w->tx_fx);
		w->tx_effects = &w->tx_fx;
		size_t off = 0;
		for (uint32_t i = 0; i < mu->count; i++) {
			const struct cmd_def *d;
			uint32_t argc;
			size_t next = queued_next(w, &mu->q, off, &d, &argc);
			if (next == 0) {
				resp_w_error(out, "ERR out of memory");
				continue;
			}
			off = next;
			/* dp_run() records what it runs; the rest is recorded here */
			uint64_t t0 = rte_rdtsc();
			if ((d->flags & CMD_TX_DISPATCH) && d->name[0] == 'u') {
				resp_w_simple(out, "OK");
				record_self(w, cl, d, w->argv, argc, t0);
			} else if (d->flags & CMD_PUBSUB) {
				dp_exec_cut(w, cl, out, &sg);
				dp_exec_pubsub(w, cl, d, w->argv, argc);
				record_self(w, cl, d, w->argv, argc, t0);
			} else if (dp_pubsub_exec_ping(cl, d, w->argv, argc, out)) {
				record_self(w, cl, d, w->argv, argc, t0);
			} else {
				dp_run(w, d, w->argv, argc, &cl->cc, out);
			}
		}
		w->tx_effects = NULL;
		if (w->tx_fx.len > 0)
			lsn = dp_tx_journal(w, &w->tx_fx);
	}
	w->cur_conn = NULL;
	multi_clear_queue(mu);
	record_self(w, cl, exd, ex, 1, t0_tsc);
	dp_exec_uncut(w, cl, &sg, lsn);
	if (lsn != 0 && w->hold_acks) {
		uint64_t seq = cl->slot_tail;
		struct dp_slot *slot = dp_slot_multi(w, cl, DP_AGG_NONE);
		if (slot == NULL)
			return;
		dp_hold_slot(w, cl, slot, seq, lsn);
		dp_slot_expect(slot);
		dp_slot_absorb(slot, w->id, out->data, out->len);
		dp_slot_release(slot);
		return;
	}
	rw_buf_append(dp_reply_target(w, cl), out->data, out->len);
}

/* The owners of a numkeys command's keys (SINTERCARD, ZUNIONSTORE, LMPOP...) in w->argv. */
static uint64_t numkeys_owners(struct worker *w, const struct cmd_def *d, uint32_t argc)
{
	int64_t nk;
	uint32_t na = (uint32_t)d->numkeys_arg;
	uint64_t mask = 0;
	if (na != 0 && na < argc && resp_str_to_i64(w->argv[na].ptr, w->argv[na].len, &nk) &&
	    nk > 0 && (uint64_t)nk < argc - na)
		for (uint32_t i = na + 1; i <= na + (uint32_t)nk; i++)
			mask |= 1ull
				<< shard_of_key(w->argv[i].ptr, w->argv[i].len, w->sh->n_workers);
	return mask;
}

/* Must this EXEC run as a gather (dp_tx_gather.inc)? When a command
 * needs its keys of several workers at once (dp_tx_exec_needs_gather():
 * SUNIONSTORE, SMOVE, RENAME... across workers) and every command can run
 * that way. Else, with such a command, it is planned and stepped
 * (dp_tx.c): the command runs as a gather of its own in its turn. */
static bool exec_wants_gather(struct worker *w, struct dp_client *cl)
{
	struct dp_multi *mu = cl->multi;
	bool want = false;
	size_t off = 0;
	for (uint32_t i = 0; i < mu->count; i++) {
		const struct cmd_def *d;
		uint32_t argc;
		size_t next = queued_next(w, &mu->q, off, &d, &argc);
		if (next == 0 || !dp_tx_gather_fits(d, w->argv, argc))
			return false;
		off = next;
		want |= dp_tx_exec_needs_gather(w, d, w->argv, argc);
	}
	return want;
}

/* The whole EXEC as a gather: keyless commands run now (as in the usual
 * plan), the others on copies of their keys under the locks. */
static bool exec_gather(struct worker *w, struct dp_client *cl, const struct cmd_def *exd,
			struct resp_arg *ex)
{
	struct dp_multi *mu = cl->multi;
	struct dp_tx *tx = dp_tx_gather_new(w, cl);
	if (tx == NULL || dp_tx_gather_watch(tx, mu, &cl->cc) != 0)
		goto nomem;
	const struct rw_buf *q = dp_tx_keep_cmds(tx, &mu->q, mu->count, exd, ex, 1);
	if (q == NULL)
		goto nomem;
	size_t off = 0;
	mu->executing = true;
	w->cur_conn = cl;
	w->in_tx_part = true; /* recorded in order when the EXEC ends */
	for (uint32_t i = 0; i < mu->count; i++) {
		const struct cmd_def *d;
		uint32_t argc;
		size_t next = queued_next(w, q, off, &d, &argc);
		if (next == 0 || dp_tx_gather_add(w, tx, d, w->argv, argc, &cl->cc) != 0)
			goto nomem;
		off = next;
	}
	w->in_tx_part = false;
	struct cmd_client cc = cl->cc;
	watched_clear(mu);
	cl->cc.watch_epoch++;
	w->cur_conn = NULL;
	multi_clear_queue(mu);
	dp_tx_gather_launch(w, cl, tx, &cc);
	return true;
nomem:
	w->in_tx_part = false;
	if (tx != NULL)
		dp_tx_free(w, tx);
	w->cur_conn = NULL;
	multi_clear_queue(mu);
	unwatch_all(w, cl);
	resp_w_error(dp_reply_target(w, cl), "ERR out of memory");
	return true;
}

/* Which shards an EXEC touches, without planning it. @return a bit mask,
 * or all bits when a command needs every shard. */
static uint64_t exec_shards(struct worker *w, struct dp_client *cl, bool *ok)
{
	struct dp_multi *mu = cl->multi;
	uint64_t mask = mu->watch_shards;
	size_t off = 0;
	*ok = true;
	for (uint32_t i = 0; i < mu->count; i++) {
		const struct cmd_def *d;
		uint32_t argc;
		size_t next = queued_next(w, &mu->q, off, &d, &argc);
		if (next == 0) {
			*ok = false;
			return mask;
		}
		off = next;
		if ((d->flags & (CMD_ALL_SHARDS_SUM | CMD_ALL_SHARDS_CONCAT | CMD_ALL_SHARDS_OK |
				 CMD_ROUTE_RANDOM)) ||
		    dp_tx_every_worker(d, w->argv, argc))
			return ~0ull;	   /* every shard's keys (RANDOMKEY: any), every
					    * worker's connections (CLIENT KILL, UNBLOCK) */
		if (d->flags & CMD_PUBSUB) /* on this worker, whatever its channels */
			continue;
		if (d->flags & CMD_ROUTE_CURSOR) { /* SCAN: the worker its cursor names */
			uint32_t o = cmd_scan_worker(w->argv, argc, w->sh->n_workers);
			mask |= 1ull << (o < w->sh->n_workers ? o : w->id);
			continue;
		}
		mask |= numkeys_owners(w, d, argc); /* (LMPOP, SINTERCARD: no first key) */
		if ((d->flags & CMD_NOKEYS) || d->first_key <= 0 || (int32_t)argc <= d->first_key)
			continue;
		int32_t last = d->last_key < 0 ? (int32_t)argc + d->last_key : d->last_key;
		int32_t step = d->key_step > 0 ? d->key_step : 1;
		if (last >= (int32_t)argc)
			last = (int32_t)argc - 1;
		for (int32_t k = d->first_key; k <= last; k += step)
			mask |= 1ull
				<< shard_of_key(w->argv[k].ptr, w->argv[k].len, w->sh->n_workers);
	}
	/* Something is queued behind or holding intents here: take the queue
	 * like everyone else rather than look at which keys. */
	if (w->txq.n != 0 && mask != 0)
		return ~0ull;
	return mask;
}

/* EXEC (@p exd, @p argv: EXEC's own, copied before the queue is read). */
static void exec_cmd(struct worker *w, struct dp_client *cl, const struct cmd_def *exd,
		     const struct resp_arg *argv)
{
	uint64_t t0 = rte_rdtsc();
	struct resp_arg ex = argv[0]; /* w->argv is the queued commands' from here */
	struct dp_multi *mu = cl->multi;
	if (mu == NULL || !mu->active) {
		REPLY(w, cl, err_exec_no_multi);
		record_err(w, cl, exd, &ex, 1, t0, err_exec_no_multi);
		return;
	}
	if (mu->dirty_exec) { /* execCommand() replies it: a failed EXEC */
		REPLY(w, cl, err_execabort);
		w->cur_conn = NULL;
		multi_clear_queue(mu);
		unwatch_all(w, cl);
		record_err(w, cl, exd, &ex, 1, t0, err_execabort);
		return;
	}
	bool ok;
	uint64_t mask = exec_shards(w, cl, &ok);
	if (ok && (mask & ~(1ull << w->id)) == 0) {
		exec_local(w, cl, exd, &ex, t0);
		return;
	}
	if (ok && exec_wants_gather(w, cl) && exec_gather(w, cl, exd, &ex))
		return;
	struct dp_tx *tx = dp_tx_new(w, cl, DP_TX_EXEC, mu->count);
	if (tx == NULL)
		goto nomem;
	/* WATCH: each owner checks (and drops) the client's keys of this epoch,
	 * under the lock, with the keys among the intents. */
	if (dp_tx_plan_watch(tx, mu, &cl->cc) != 0)
		goto nomem_tx;
	const struct rw_buf *q = dp_tx_keep_cmds(tx, &mu->q, mu->count, exd, &ex, 1);
	if (q == NULL)
		goto nomem_tx;
	size_t off = 0;
	mu->executing = true;
	w->cur_conn = cl;     /* keyless commands run now: CLIENT INFO describes this connection */
	w->in_tx_part = true; /* recorded in order when the EXEC ends (dp_tx.c) */
	for (uint32_t i = 0; i < mu->count; i++) {
		const struct cmd_def *d;
		uint32_t argc;
		size_t next = queued_next(w, q, off, &d, &argc);
		if (next == 0 || dp_tx_plan_cmd(w, tx, i, d, w->argv, argc, &cl->cc) != 0)
			goto nomem_tx;
		off = next;
	}
	w->in_tx_part = false;
	/* the parts see the client as it is after the keyless commands ran,
	 * with the epoch its keys were watched in */
	struct cmd_client cc = cl->cc;
	watched_clear(mu);
	cl->cc.watch_epoch++;
	w->cur_conn = NULL;
	multi_clear_queue(mu);
	dp_tx_launch(w, cl, tx, &cc);
	return;
nomem_tx:
	w->in_tx_part = false;
	dp_tx_free(w, tx);
nomem:
	w->cur_conn = NULL;
	multi_clear_queue(mu);
	unwatch_all(w, cl);
	resp_w_error(dp_reply_target(w, cl), "ERR out of memory");
}

/* WATCH outside MULTI: remember the keys here (for EXEC's intents), then the
 * dispatcher routes the command to the owners, which register them. */
static bool watch_cmd(struct worker *w, struct dp_client *cl, struct resp_arg *argv, uint32_t argc,
		      const char **err)
{
	struct dp_multi *mu = multi_of(cl);
	if (mu == NULL) {
		resp_w_error(dp_reply_target(w, cl), "ERR out of memory");
		return true;
	}
	if (mu->active) {
		REPLY(w, cl, err_watch_in_multi);
		*err = err_watch_in_multi;
		return true;
	}
	for (uint32_t i = 1; i < argc; i++) {
		if (mu->n_watched == mu->watched_cap) {
			uint32_t cap = mu->watched_cap ? mu->watched_cap * 2 : 8;
			struct dp_watched *k = realloc(mu->watched, sizeof(*k) * cap);
			if (k == NULL)
				break;
			mu->watched = k;
			mu->watched_cap = cap;
		}
		struct dp_watched *k = &mu->watched[mu->n_watched];
		k->key = malloc(argv[i].len ? argv[i].len : 1);
		if (k->key == NULL)
			break;
		memcpy(k->key, argv[i].ptr, argv[i].len);
		k->klen = argv[i].len;
		k->db = cl->cc.db;
		k->owner = shard_of_key(argv[i].ptr, argv[i].len, w->sh->n_workers);
		mu->watch_shards |= 1ull << k->owner;
		mu->n_watched++;
	}
	return false; /* routed like a read of its keys; the owners run dp_watch_add() */
}

/* processCommand()'s maxmemory step applies to queuing too (Redis refuses
 * every command but EXEC DISCARD QUIT RESET inside MULTI when eviction
 * cannot make room). */
static bool queue_oom(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		      struct resp_arg *argv, uint32_t argc)
{
	struct cmd_ctx ctx = {
	    .argv = argv,
	    .argc = argc,
	    .out = &w->part_buf,
	    .shard = w->store,
	    .client = &cl->cc,
	    .env = &w->sh->env,
	    .now_ms = w->now_unix_ms,
	    .now_us = w->now_us,
	    .conn = cl,
	};
	return cmd_oom_reject(d, &ctx, true);
}

bool dp_tx_exec_has_room(struct worker *w, const struct dp_client *cl)
{
	const struct dp_multi *mu = cl->multi;
	if (mu == NULL || !mu->active || mu->dirty_exec)
		return true;
	size_t need = mu->q.len + 64 + 32u * mu->count;
	if (chan_jrnl_has_room(w->sh->chan, w->id, need))
		return true;
	w->stats->journal_full_stalls++;
	return false;
}

/* MULTI, DISCARD, UNWATCH outside MULTI, WATCH. @return true if answered
 * here; *err: the error replied, if one was. */
static bool tx_cmd(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		   struct resp_arg *argv, uint32_t argc, bool in_multi, const char **err)
{
	switch (d->name[0]) {
	case 'm': /* MULTI */
		if (in_multi) {
			REPLY(w, cl, err_nested);
			*err = err_nested;
			return true;
		}
		if (multi_of(cl) == NULL) {
			resp_w_error(dp_reply_target(w, cl), "ERR out of memory");
			return true;
		}
		cl->multi->active = true;
		resp_w_simple(dp_reply_target(w, cl), "OK");
		return true;
	case 'd': /* DISCARD */
		if (!in_multi) {
			REPLY(w, cl, err_discard_no_multi);
			*err = err_discard_no_multi;
			return true;
		}
		multi_clear_queue(cl->multi);
		unwatch_all(w, cl);
		resp_w_simple(dp_reply_target(w, cl), "OK");
		return true;
	case 'u': /* UNWATCH */
		unwatch_all(w, cl);
		resp_w_simple(dp_reply_target(w, cl), "OK");
		return true;
	default: /* WATCH */
		return watch_cmd(w, cl, argv, argc, err);
	}
}

bool dp_tx_intercept(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		     struct resp_arg *argv, uint32_t argc)
{
	bool in_multi = cl->multi != NULL && cl->multi->active;
	if (!(d->flags & CMD_TX_DISPATCH)) {
		if (!in_multi ||
		    ((d->flags & CMD_NOAUTH) && (d->name[0] == 'q' || d->name[0] == 'r')))
			return false; /* QUIT and RESET are never queued */
		if (queue_oom(w, cl, d, argv, argc)) {
			dp_reject(w, cl, d, argv, argc, CMD_ERR_OOM_REPLY,
				  sizeof(CMD_ERR_OOM_REPLY) - 1);
			return true;
		}
		cl->multi->ordered |= dp_cmd_orders_pipeline(d, argv, argc);
		/* DEBUG OBJECT, DIGEST-VALUE: planned by their keys at EXEC */
		if (queue_cmd(cl->multi, dp_debug_route_def(d, argv, argc), argv, argc) != 0) {
			cl->multi->dirty_exec = true;
			resp_w_error(dp_reply_target(w, cl), "ERR out of memory");
			return true;
		}
		resp_w_simple(dp_reply_target(w, cl), "QUEUED");
		return true;
	}
	if (d->name[0] == 'e') { /* EXEC */
		exec_cmd(w, cl, d, argv);
		return true;
	}
	if (d->name[0] == 'u' && in_multi) { /* UNWATCH is queued (recorded when it runs) */
		queue_cmd(cl->multi, d, argv, argc);
		resp_w_simple(dp_reply_target(w, cl), "QUEUED");
		return true;
	}
	/* MULTI, DISCARD, UNWATCH, WATCH: recorded as Redis's call() records
	 * them, whatever they answer (a WATCH's keys are registered on their
	 * owners after this, which no one can tell) */
	uint64_t t0 = rte_rdtsc();
	const char *err = NULL;
	bool done = tx_cmd(w, cl, d, argv, argc, in_multi, &err);
	record_err(w, cl, d, argv, argc, t0, err);
	return done;
}
