/*
 * Client connections on a worker: parse, route, execute, reply in order.
 *
 * A command whose keys this worker owns runs at once and its reply goes
 * straight into the connection's TCP send buffer. A command for keys owned
 * by another worker travels there (dataplane/shard) and the connection gets
 * a reply slot; from then on, until the slots drain, every reply of that
 * connection (local ones too) is written into its own slot, and slots are
 * copied to the send buffer strictly in request order:
 *
 *   request:  GET a(local)  GET b(remote)  GET c(local)  GET d(remote)
 *   slots:                  [b: waiting]   [c: ready]    [d: waiting]
 *   send buf: reply(a) ..... reply(b), reply(c) once b arrives, then d
 *
 * A command over keys of several workers (MGET, MSET, MSETNX, DEL...), a
 * whole-keyspace one (KEYS, DBSIZE, FLUSHDB, FLUSHALL) and MULTI/EXEC run as
 * transactions, atomically across workers (dp_tx.c, TRANSACTIONS.md); a
 * command for this worker's keys runs at once unless a transaction holds
 * one of them, then it waits its turn in the shard's intent queue.
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "cmd_diag.h"
#include "dp_clientkill.h"
#include "dp_digest.h"
#include "dp_info.h"
#include "dp_int.h"
#include "dp_snap.h"
#include "dp_pubsub.h"
#include "dp_slot.h"
#include "dp_tx.h"
#include "dp_tx_int.h"
#include "dp_xblock.h"
#include "store.h"
#include "worker.h"

#define DP_CMD_BUDGET 512 /* commands per connection per loop iteration */

static struct dp_client *client_of(struct worker *w, const struct tcp_conn *c)
{
	return &w->clients[c->idx];
}

static void mark_ready(struct worker *w, struct dp_client *cl)
{
	if (cl->on_ready)
		return;
	cl->on_ready = true;
	cl->ready_next = w->ready;
	w->ready = cl;
}

/* A blocked client that goes away: its waiter on the keys' worker must
 * never pop (dp_block_cancel). Best effort without a message to send: the
 * waiter's owner then drops it when its own connection check sees it gone
 * (same worker) or serves into a reply that is dropped. */
static void block_cancel(struct dp_client *cl)
{
	struct worker *w = cl->owner;
	if (cl->xblk != NULL) { /* blocked on several workers: decided here */
		dp_xblock_gone(w, cl);
		return;
	}
	struct shard_msg *m = shard_msg_get(&w->shard);
	if (m == NULL || shard_msg_pack(m, NULL, 0) != 0) {
		if (m != NULL)
			shard_msg_put(&w->shard, m);
		return;
	}
	m->kind = SHARD_REQ;
	m->dst = cl->blk_owner;
	m->conn_idx = cl->tcp->idx;
	/* the generation to cancel rides in slot_seq; conn_gen is one the
	 * connection never has now, so the cancel's own answer is dropped */
	m->conn_gen = ~cl->gen;
	m->slot_seq = cl->gen;
	m->client = cl->cc;
	m->def = &dp_block_cancel_def;
	m->blk_order = 0; /* a request's cancel, not a proxy's */
	dp_msg_send(w, m);
}

/* A slot's reply went to the send buffer (or was dropped): its buffer is
 * kept for the next reply up to DP_CMEM_KEEP, as an idle connection keeps
 * its own (dp_cmem.h); a larger one goes back to the allocator. Kept, every
 * slot held the largest reply it ever carried, across connections, counted
 * nowhere: 160 replies of 100 KB left 16 MB behind. */
static void slot_buf_done(struct dp_slot *slot)
{
	if (slot->buf.cap > DP_CMEM_KEEP)
		rw_buf_fini(&slot->buf);
	else
		rw_buf_reset(&slot->buf);
}

static void live_add(struct worker *w, struct dp_client *cl)
{
	w->live[w->n_live++] = (uint32_t)(cl - w->clients);
	cl->live_pos = w->n_live;
}

static void live_remove(struct worker *w, struct dp_client *cl)
{
	uint32_t last = w->live[--w->n_live];
	w->live[cl->live_pos - 1] = last;
	w->clients[last].live_pos = cl->live_pos;
	cl->live_pos = 0;
}

static void client_release(struct dp_client *cl)
{
	if (cl->live_pos != 0)
		live_remove(cl->owner, cl);
	if (cl->cc.monitor && cl->tcp != NULL) {
		cl->cc.monitor = 0;
		cmd_monitor_gone(&cl->owner->sh->env, cl->owner->id);
	}
	if (cl->blocking && cl->tcp != NULL)
		block_cancel(cl);
	cl->blocking = false;
	if (cl->multi != NULL && cl->tcp != NULL)
		dp_tx_reset(cl->owner, cl); /* drop its watched keys on their owners */
	dp_tx_client_free(cl);
	dp_pubsub_client_gone(cl->owner, cl);
	if (cl->tcp != NULL)
		cmd_client_fini(&cl->cc, &cl->owner->sh->env); /* let go of its ACL user */
	for (uint64_t s = cl->slot_head; s != cl->slot_tail; s++) {
		struct dp_slot *slot = &cl->slots[s % DP_SLOTS];
		slot_buf_done(slot);
		slot->parts_left = 0;
	}
	cl->slot_head = cl->slot_tail = 0;
	cl->tcp = NULL;
	cl->gen++;
	cl->closing = false;
	cl->paused = false;
	cl->order_wait = false;
	cl->ord_seq = 0;
	cl->rcv_backlog = false;
	cl->tx_inflight = 0;
	cl->save_wait = 0;
}

static void on_accepted(void *arg, struct tcp_conn *c)
{
	struct worker *w = arg;
	struct dp_client *cl = client_of(w, c);
	cl->tcp = c;
	cl->gen++;
	cl->closing = false;
	cl->slot_head = cl->slot_tail = 0;
	cl->owner = w;
	live_add(w, cl);
	cmd_client_init(&cl->cc, ++w->next_client_id * w->sh->n_workers + w->id, &w->sh->env,
			w->now_unix_ms);
	c->app = cl;
	struct cmd_conn_info ci = {0};
	dp_conn_describe(cl, &ci);
	cl->cc.peer_ip = ci.peer_ip;
	cl->cc.peer_port = ci.peer_port;
	cl->cc.local_ip = ci.local_ip;
	cl->cc.local_port = ci.local_port;
	dp_cmem_joined(w, cl);
}

static void on_readable(void *arg, struct tcp_conn *c)
{
	struct worker *w = arg;
	struct dp_client *cl = c->app;
	cl->cc.last_ms = w->now_unix_ms; /* Redis's lastinteraction: any bytes read */
	mark_ready(w, cl);
}

static void on_reset(void *arg, struct tcp_conn *c)
{
	(void)arg;
	client_release(c->app);
}

const struct tcp_app_ops dp_client_tcp_ops = {
    .accepted = on_accepted,
    .readable = on_readable,
    .reset = on_reset,
};

void dp_client_kill(struct worker *w, struct dp_client *cl)
{
	struct tcp_conn *c = cl->tcp;
	client_release(cl);
	tcp_abort(&w->tcp, c);
}

static void maybe_close(struct worker *w, struct dp_client *cl)
{
	if (!cl->closing || cl->slot_head != cl->slot_tail)
		return;
	tcp_close(&w->tcp, cl->tcp);
	client_release(cl);
}

void dp_client_close(struct worker *w, struct dp_client *cl)
{
	cl->closing = true;
	maybe_close(w, cl);
}

static struct dp_slot *slot_new(struct dp_client *cl)
{
	if (cl->slots == NULL) {
		cl->slots = calloc(DP_SLOTS, sizeof(*cl->slots));
		if (cl->slots == NULL)
			return NULL;
	}
	struct dp_slot *slot = &cl->slots[cl->slot_tail++ % DP_SLOTS];
	rw_buf_reset(&slot->buf);
	slot->discard = false;
	slot->parts_left = 0;
	slot->held = 0;
	slot->at = DP_AT_ANY;
	slot->agg = DP_AGG_NONE;
	slot->failed = false;
	slot->count_fail = NULL;
	return slot;
}

void dp_client_wake(struct worker *w, struct dp_client *cl)
{
	if (!cl->paused)
		return;
	cl->paused = false;
	mark_ready(w, cl);
}

/* A fanned-out command's combined error reply: a failed call and its
 * errorstat, as the connection's worker recorded the call. */
static void count_failed(struct worker *w, struct dp_client *cl, const struct dp_slot *slot)
{
	struct cmd_client c = cl->cc;
	c.last_cmd = slot->count_fail;
	struct cmd_ctx ctx = {.client = &c, .env = &w->sh->env};
	cmd_diag_failed(&ctx, slot->count_fail, w->id, slot->buf.data, slot->buf.len);
}

/* Move finished head slots into the send buffer, in order. */
void dp_drain_slots(struct worker *w, struct dp_client *cl)
{
	while (cl->slot_head != cl->slot_tail) {
		struct dp_slot *slot = &cl->slots[cl->slot_head % DP_SLOTS];
		if (slot->parts_left != 0)
			break;
		if (slot->count_fail != NULL && slot->buf.len > 0 && slot->buf.data[0] == '-')
			count_failed(w, cl, slot);
		if (!slot->discard) {
			rw_buf_append(&cl->tcp->snd, slot->buf.data, slot->buf.len);
			cl->cc.last_ms = w->now_unix_ms; /* a reply written: lastinteraction */
		}
		slot_buf_done(slot);
		slot->discard = false;
		cl->slot_head++;
	}
	tcp_output_mark(&w->tcp, cl->tcp);
	if (cl->paused) {
		cl->paused = false;
		mark_ready(w, cl); /* parsing stopped while every slot was busy */
	}
	maybe_close(w, cl);
}

/* Where the next reply goes: the send buffer when nothing is pending ahead
 * of it, else a new (immediately complete) slot. */
struct rw_buf *dp_reply_target(struct worker *w, struct dp_client *cl)
{
	if (cl->slot_head == cl->slot_tail) {
		tcp_output_mark(&w->tcp, cl->tcp);
		return &cl->tcp->snd;
	}
	struct dp_slot *slot = slot_new(cl);
	return slot != NULL ? &slot->buf : &cl->tcp->snd;
}

/* The journal record of a write: u32 db, then the command as a RESP array
 * (FORMAT.md, CHAN_REC_COMMAND). A command that arrived as a multibulk
 * request is already that array: its bytes in the query buffer
 * (w->cur_raw) go to the channel as they are, with no re-encoding; inline
 * and forwarded commands are encoded here. */
static uint64_t journal_write(struct worker *w, uint32_t db, const struct resp_arg *argv,
			      uint32_t argc)
{
	struct chan_part parts[2] = {{&db, sizeof(db)}, w->cur_raw};
	if (w->propagate.len > 0) /* the handler's rewrite (cmd_ctx.propagate) */
		parts[1] = (struct chan_part){w->propagate.data, w->propagate.len};
	if (parts[1].p == NULL) {
		struct rw_buf *b = &w->scratch;
		rw_buf_reset(b);
		resp_w_array(b, argc);
		for (uint32_t i = 0; i < argc; i++)
			resp_w_bulk(b, argv[i].ptr, argv[i].len);
		parts[1] = (struct chan_part){b->data, b->len};
	}
	uint64_t lsn;
	int rc = chan_jrnl_append(w->sh->chan, w->id, CHAN_REC_COMMAND, w->now_us, parts, 2, &lsn);
	if (rc != 0) {
		/* journal_room() checked the room first: only a race for it
		 * (or an I/O error) gets here, after the write was applied */
		w->stats->journal_lost++;
		rw_logring_put(&w->log, RW_LOG_ERR, "dp.core",
			       "a write's journal record was lost (%s): the AOF misses it",
			       strerror(-rc));
		return 0;
	}
	w->stats->journal_records++;
	w->jrnl_last_lsn = lsn;
	return lsn;
}

uint64_t dp_journal_raw(struct worker *w, uint32_t db, const void *p, size_t len)
{
	struct chan_part parts[2] = {{&db, sizeof(db)}, {p, len}};
	uint64_t lsn;
	if (chan_jrnl_append(w->sh->chan, w->id, CHAN_REC_COMMAND, w->now_us, parts, 2, &lsn) !=
	    0) {
		w->stats->journal_full_stalls++;
		return 0;
	}
	w->stats->journal_records++;
	w->jrnl_last_lsn = lsn;
	return lsn;
}

/* Inside a transaction's part the effect is kept (u32 db, u32 length, the
 * command as a RESP array) for the coordinator's one MULTI/EXEC record. */
static void effect_capture(struct worker *w, uint32_t db, const struct resp_arg *argv,
			   uint32_t argc)
{
	struct rw_buf *fx = w->tx_effects;
	size_t at = fx->len;
	uint32_t len = 0;
	rw_buf_append(fx, &db, sizeof(db));
	rw_buf_append(fx, &len, sizeof(len));
	if (w->propagate.len > 0) { /* the handler's rewrite (cmd_ctx.propagate) */
		rw_buf_append(fx, w->propagate.data, w->propagate.len);
	} else {
		resp_w_array(fx, argc);
		for (uint32_t i = 0; i < argc; i++)
			resp_w_bulk(fx, argv[i].ptr, argv[i].len);
	}
	len = (uint32_t)(fx->len - at - 8);
	memcpy(fx->data + at + 4, &len, sizeof(len));
}

/* Store hook: a key that expires or is evicted leaves the dataset without a
 * client command, so its effect is journaled as the DEL Redis propagates
 * (the AOF and replicas stay in step). Encoded here, never from cur_raw:
 * it may fire while another command runs (lazy expiry). */
void dp_journal_store_event(void *arg, uint32_t db, const void *key, size_t klen, const char *event)
{
	struct worker *w = arg;
	if (strcmp(event, "expired") != 0 && strcmp(event, "evicted") != 0)
		return;
	struct rw_buf *b = &w->scratch;
	rw_buf_reset(b);
	resp_w_array(b, 2);
	resp_w_bulk(b, "DEL", 3);
	resp_w_bulk(b, key, klen);
	struct chan_part parts[2] = {{&db, sizeof(db)}, {b->data, b->len}};
	uint64_t lsn;
	if (chan_jrnl_append(w->sh->chan, w->id, CHAN_REC_COMMAND, w->now_us, parts, 2, &lsn) ==
	    0) {
		w->stats->journal_records++;
		w->jrnl_last_lsn = lsn;
	} else {
		w->stats->journal_full_stalls++;
	}
}

static size_t journal_need(const struct resp_arg *argv, uint32_t argc)
{
	size_t n = 64;
	for (uint32_t i = 0; i < argc; i++)
		n += argv[i].len + 24;
	return n;
}

/* Room for a write's journal record, checked before it runs. A record that
 * would go to a side file the file system has no room for refuses the
 * write (its effect must never go unjournaled): @return DP_JRNL_REFUSED
 * with the error replied. A full ring waits (back-pressure):
 * DP_JRNL_WAIT. */
enum dp_jrnl_room { DP_JRNL_OK, DP_JRNL_WAIT, DP_JRNL_REFUSED };

static enum dp_jrnl_room journal_room(struct worker *w, struct dp_client *cl,
				      const struct cmd_def *d, const struct resp_arg *argv,
				      uint32_t argc)
{
	if (!(d->flags & CMD_WRITE))
		return DP_JRNL_OK;
	int rc = chan_jrnl_room(w->sh->chan, w->id, journal_need(argv, argc));
	if (rc == 0)
		return DP_JRNL_OK;
	if (rc == -EAGAIN) {
		w->stats->journal_full_stalls++;
		return DP_JRNL_WAIT;
	}
	w->stats->journal_refused++;
	static const char nospace[] =
	    "-MISCONF Errors writing to the journal: No space left on device\r\n";
	dp_reject(w, cl, d, argv, argc, nospace, sizeof(nospace) - 1);
	return DP_JRNL_REFUSED;
}

/* WATCH on the owner of its keys: register them for this client. */
static void watch_here(struct worker *w, const struct resp_arg *argv, uint32_t argc,
		       const struct cmd_client *client, struct rw_buf *out)
{
	uint64_t now_ms = dp_unix_ms_now(w);
	for (uint32_t i = 1; i < argc; i++)
		if (dp_watch_add(&w->watch, w->store, client->id, client->watch_epoch, client->db,
				 argv[i].ptr, argv[i].len, now_ms) != 0) {
			resp_w_error(out, "ERR out of memory");
			return;
		}
	resp_w_simple(out, "OK");
}

/* FLUSHDB/FLUSHALL empty a DB and SWAPDB swaps two without a write per
 * key: the watched keys that existed are dirtied first (Redis's
 * touchAllWatchedKeysInDb). */
static void flush_watched(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
			  uint32_t argc, uint32_t db)
{
	if (w->watch.n == 0 || !(d->flags & CMD_ALL_SHARDS_OK))
		return;
	if (strcmp(d->name, "swapdb") == 0) {
		int64_t a, b;
		uint32_t n = store_shard_databases(w->store);
		if (argc == 3 && resp_str_to_i64(argv[1].ptr, argv[1].len, &a) &&
		    resp_str_to_i64(argv[2].ptr, argv[2].len, &b) && a >= 0 && b >= 0 &&
		    (uint64_t)a < n && (uint64_t)b < n && a != b)
			dp_watch_swap(&w->watch, w->store, (uint32_t)a, (uint32_t)b,
				      w->now_unix_ms);
		return;
	}
	dp_watch_flush(&w->watch, w->store, db, strcmp(d->name, "flushall") == 0, w->now_unix_ms);
}

/* Execute on this worker's shard. @return the LSN of the journal record the
 * command produced, 0 if none. */
uint64_t dp_run(struct worker *w, const struct cmd_def *d, struct resp_arg *argv, uint32_t argc,
		struct cmd_client *client, struct rw_buf *out)
{
	if (d->flags & CMD_TX_DISPATCH) { /* only WATCH gets here */
		watch_here(w, argv, argc, client, out);
		return 0;
	}
	w->run_us = 0;
	struct cmd_ctx ctx = {
	    .argv = argv,
	    .argc = argc,
	    .out = out,
	    .shard = w->store,
	    .client = client,
	    .env = &w->sh->env,
	    .now_ms = w->now_unix_ms,
	    .now_us = w->now_us,
	    .conn = w->cur_conn,
	    .propagate = &w->propagate,
	    .may_block = w->blk.may,
	    .block_retry = w->blk.retry,
	};
	rw_buf_reset(&w->propagate);
	/* processCommand()'s maxmemory step, on the worker owning the keys:
	 * evict if over budget, refuse a DENYOOM command if that failed. */
	/* (a gather's write-back, notify_mute, is not refused: its command was
	 * admitted on the coordinator, dp_tx_gather.inc) */
	if (!w->notify_mute && cmd_oom_reject(d, &ctx, false)) {
		rw_buf_append(out, CMD_ERR_OOM_REPLY, sizeof(CMD_ERR_OOM_REPLY) - 1);
		const struct cmd_def *sub = d->n_subcmds != 0 && argc >= 2
						? cmd_subcmd_lookup(d, argv[1].ptr, argv[1].len)
						: NULL;
		cmd_diag_rejected(ctx.env, w->id, sub != NULL ? sub : d,
				  (const uint8_t *)CMD_ERR_OOM_REPLY,
				  sizeof(CMD_ERR_OOM_REPLY) - 1);
		return 0;
	}
	flush_watched(w, d, argv, argc, client->db);
	dp_pubsub_cmd_begin(w, d, argv, argc, client->db, out); /* notifications: at its end */
	/* the duration by the TSC: two rdtsc, no clock_gettime per command */
	size_t at = out->len;
	uint64_t t0_tsc = rte_rdtsc();
	cmd_execute(d, &ctx);
	/* SLOWLOG, LATENCY, the command histograms, commandstats and MONITOR,
	 * as Redis's call(); not for each part of a cross-worker command or
	 * EXEC (its coordinator records the command when it ends, dp_tx.c),
	 * but a part's error reply counts here, where it is known. A reply
	 * that starts with '-' is an error: a failed call. */
	w->run_us = (int64_t)worker_tsc_us(w, rte_rdtsc() - t0_tsc);
	const uint8_t *err = out->len > at && out->data[at] == '-' ? out->data + at : NULL;
	if (d->flags & CMD_PART) {
		/* a part: the connection's worker records the command once */
	} else if (!w->in_tx_part && !ctx.would_block) { /* (a blocked call counts when it ends) */
		cmd_diag_command(&ctx, d, w->id, w->run_us, err, out->len - at);
	} else if (err != NULL)
		cmd_diag_failed(&ctx, d, w->id, err, out->len - at);
	dp_pubsub_cmd_end(w, d, argv, argc, client->db, ctx.dirty);
	/* a part of SWAPDB/FLUSHALL... moves keys between DBs without counting
	 * a write on every worker: the next tick republishes the DBs */
	if (d->flags & (CMD_ALL_SHARDS_SUM | CMD_ALL_SHARDS_CONCAT | CMD_ALL_SHARDS_OK))
		w->dbs_moved = true;
	w->blk.would = ctx.would_block;
	w->blk.deadline_ms = ctx.block_deadline_ms;
	w->stats->commands++;
	if (ctx.shutdown_requested) {
		rw_logring_put(&w->log, RW_LOG_NOTICE, "dp.core", "SHUTDOWN requested by a client");
		atomic_store(&w->sh->stop, true);
	}
	if (!(d->flags & CMD_WRITE) || ctx.dirty == 0)
		return 0;
	if (w->tx_effects != NULL) {
		effect_capture(w, client->db, argv, argc);
		dp_block_signal(w); /* waits for the end of the transaction's part */
		return 0;
	}
	uint64_t lsn = journal_write(w, client->db, argv, argc);
	dp_block_signal(w); /* Redis serves blocked clients right after the push */
	return lsn;
}

static bool forward(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		    const struct resp_arg *argv, uint32_t argc, uint32_t owner, uint64_t seq)
{
	struct shard_msg *m = shard_msg_get(&w->shard);
	if (m == NULL || shard_msg_pack(m, argv, argc) != 0) {
		if (m != NULL)
			shard_msg_put(&w->shard, m);
		return false;
	}
	m->kind = SHARD_REQ;
	m->dst = (uint16_t)owner;
	m->conn_idx = cl->tcp->idx;
	m->conn_gen = cl->gen;
	m->slot_seq = seq;
	m->client = cl->cc;
	m->def = d;
	/* A command for this worker's own keys comes here only to wait behind
	 * a transaction: it enters the intent queue now, so the commands after
	 * it (this connection's included) see its keys held and keep order. */
	if (owner == w->id && dp_tx_request_wait(w, m))
		return true;
	dp_msg_send(w, m);
	if (owner != w->id)
		w->stats->fwd_sent++;
	return true;
}

/* ---- durability before acknowledgement (appendonly) ----
 *
 * A write's reply leaves only once the control plane has made its journal
 * record durable (written to the AOF for everysec/no, fsynced for always;
 * the control plane decides and publishes the durable LSN). The worker's
 * LSNs grow, so held replies queue in LSN order and the loop releases the
 * head while it is covered. Nothing is held when appendonly is off. */
static bool ack_push(struct worker *w, struct dp_ack_wait a)
{
	if (w->ack_tail - w->ack_head == w->ack_cap) {
		uint32_t cap = w->ack_cap ? w->ack_cap * 2 : 256;
		struct dp_ack_wait *n = malloc(sizeof(*n) * cap);
		if (n == NULL)
			return false;
		for (uint32_t i = 0; i < w->ack_tail - w->ack_head; i++)
			n[i] = w->acks[(w->ack_head + i) & (w->ack_cap - 1)];
		w->ack_tail -= w->ack_head;
		w->ack_head = 0;
		free(w->acks);
		w->acks = n;
		w->ack_cap = cap;
	}
	w->acks[w->ack_tail++ & (w->ack_cap - 1)] = a;
	return true;
}

bool dp_ack_msg(struct worker *w, uint64_t lsn, struct shard_msg *m)
{
	return ack_push(w, (struct dp_ack_wait){.lsn = lsn, .msg = m});
}

/* Hold one part of @p slot (sequence @p seq) until @p lsn is durable. */
void dp_hold_slot(struct worker *w, struct dp_client *cl, struct dp_slot *slot, uint64_t seq,
		  uint64_t lsn)
{
	if (!w->hold_acks || lsn == 0)
		return;
	struct dp_ack_wait a = {
	    .lsn = lsn, .conn_idx = cl->tcp->idx, .gen = cl->gen, .slot_seq = seq};
	dp_slot_expect(slot);
	if (!ack_push(w, a)) {
		dp_slot_fail(slot, "-ERR out of memory holding the reply\r\n");
		dp_slot_release(slot);
		return;
	}
	slot->held++; /* it ran: no later command waits for the record */
}

unsigned dp_acks_release(struct worker *w)
{
	if (w->ack_head == w->ack_tail)
		return 0;
	uint64_t durable = chan_jrnl_durable_lsn(w->sh->chan, w->id);
	unsigned n = 0;
	while (w->ack_head != w->ack_tail) {
		struct dp_ack_wait *a = &w->acks[w->ack_head & (w->ack_cap - 1)];
		if (a->lsn > durable)
			break;
		w->ack_head++;
		n++;
		if (a->msg != NULL) {
			dp_msg_send(w, a->msg);
			continue;
		}
		struct dp_client *cl = &w->clients[a->conn_idx];
		if (cl->tcp == NULL || cl->gen != a->gen)
			continue;
		struct dp_slot *slot = &cl->slots[a->slot_seq % DP_SLOTS];
		slot->held--;
		dp_slot_release(slot);
		dp_drain_slots(w, cl);
	}
	return n;
}

static const char oom_reply[] = "-ERR out of memory forwarding the command\r\n";

/* A slot for a reply that comes in parts, hold taken. NULL: no memory. */
struct dp_slot *dp_slot_multi(struct worker *w, struct dp_client *cl, enum dp_agg agg)
{
	struct dp_slot *slot = slot_new(cl);
	if (slot != NULL && dp_slot_begin(slot, agg, w->sh->n_workers) != 0) {
		dp_slot_begin(slot, DP_AGG_NONE, 0);
		dp_slot_fail(slot, oom_reply);
		dp_slot_release(slot);
		return NULL;
	}
	return slot;
}

/* Send one part to @p owner, or fail the slot if that cannot be done. */
static void send_part(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		      const struct resp_arg *argv, uint32_t argc, uint32_t owner,
		      struct dp_slot *slot, uint64_t seq)
{
	dp_slot_expect(slot);
	if (!forward(w, cl, d, argv, argc, owner, seq)) {
		dp_slot_fail(slot, oom_reply);
		dp_slot_release(slot); /* the part that will never come */
	}
}

/* Run this worker's part here (into scratch space) and fold its reply in. */
static void run_local_part(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
			   struct resp_arg *argv, uint32_t argc, struct dp_slot *slot, uint64_t seq)
{
	struct rw_buf *part = &w->part_buf;
	rw_buf_reset(part);
	dp_slot_expect(slot);
	uint64_t lsn = dp_run(w, d, argv, argc, &cl->cc, part);
	dp_slot_absorb(slot, w->id, part->data, part->len);
	dp_hold_slot(w, cl, slot, seq, lsn);
}

/* A write on this worker's shard while appendonly holds replies: it gets
 * a slot that completes when its record is durable. */
static void run_held(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		     struct resp_arg *argv, uint32_t argc)
{
	uint64_t seq = cl->slot_tail;
	struct dp_slot *slot = dp_slot_multi(w, cl, DP_AGG_NONE);
	if (slot == NULL)
		return;
	run_local_part(w, cl, d, argv, argc, slot, seq);
	dp_slot_release(slot);
}

static void forward_single(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
			   const struct resp_arg *argv, uint32_t argc, uint32_t owner)
{
	uint64_t seq = cl->slot_tail;
	struct dp_slot *slot = dp_slot_multi(w, cl, DP_AGG_NONE);
	if (slot == NULL)
		return;
	/* its worker's ring keeps its place among the connection's commands
	 * sent there; a command for this worker's keys that comes here waits
	 * in the intent queue, which keeps no such order */
	slot->at = owner != w->id ? (uint16_t)owner : DP_AT_ANY;
	send_part(w, cl, d, argv, argc, owner, slot, seq);
	dp_slot_release(slot);
}

/* DBSIZE, KEYS, FLUSHDB: every worker answers, the parts are combined. */
static void fanout_all(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		       struct resp_arg *argv, uint32_t argc, enum dp_agg agg)
{
	uint64_t seq = cl->slot_tail;
	struct dp_slot *slot = dp_slot_multi(w, cl, agg);
	if (slot == NULL)
		return;
	for (uint32_t o = 0; o < w->sh->n_workers; o++)
		if (o != w->id)
			send_part(w, cl, d, argv, argc, o, slot, seq);
	run_local_part(w, cl, d, argv, argc, slot, seq);
	dp_slot_release(slot);
}

/* CLIENT LIST/KILL/UNBLOCK: every worker's part (@p part, not recorded
 * where it runs), then the command recorded once here as Redis's call()
 * records it (commandstats, SLOWLOG with this worker's part's time). Its
 * arguments refused (@p ok false: the check replied an "ERR ..." error) it
 * is a failed call; an error its parts combine into (KILL's "No such
 * client") counts as one when the reply drains (dp_drain_slots()). */
static void fanout_client(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
			  const struct cmd_def *part, struct resp_arg *argv, uint32_t argc,
			  enum dp_agg agg, bool ok)
{
	static const uint8_t refused[] = "-ERR \r\n";
	uint64_t seq = cl->slot_tail;
	uint64_t t0 = rte_rdtsc();
	if (ok)
		fanout_all(w, cl, part, argv, argc, agg);
	dp_tx_record(w, &cl->cc, cl->cc.db, d, argv, argc,
		     (int64_t)worker_tsc_us(w, rte_rdtsc() - t0), ok ? NULL : refused,
		     ok ? 0 : sizeof(refused) - 1);
	const struct cmd_def *sub = cmd_subcmd_lookup(d, argv[1].ptr, argv[1].len);
	cl->cc.last_cmd = sub != NULL ? sub : d; /* CLIENT LIST's cmd=client|list */
	if (ok && cl->slot_tail != seq)
		cl->slots[seq % DP_SLOTS].count_fail = cl->cc.last_cmd;
}

static int32_t last_key_index(const struct cmd_def *d, uint32_t argc)
{
	return d->last_key < 0 ? (int32_t)argc + d->last_key : d->last_key;
}

/* Keys on several workers (DEL, MGET, MSET...): one sub-command per owner
 * with that owner's key groups (a key and, for MSET, its value), in request
 * order; MERGE records each key's owner to put the reply back in order. */
static void split_by_owner(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
			   struct resp_arg *argv, uint32_t argc, enum dp_agg agg)
{
	uint64_t seq = cl->slot_tail;
	struct dp_slot *slot = dp_slot_multi(w, cl, agg);
	if (slot == NULL)
		return;
	int32_t last = last_key_index(d, argc), step = d->key_step > 0 ? d->key_step : 1;
	uint8_t *owner = w->key_owner_buf;
	for (int32_t i = d->first_key, k = 0; i <= last && i < (int32_t)argc; i += step, k++) {
		owner[i] = (uint8_t)shard_of_key(argv[i].ptr, argv[i].len, w->sh->n_workers);
		if (agg == DP_AGG_MERGE && dp_slot_key_owner(slot, (uint32_t)k, owner[i]) != 0) {
			dp_slot_fail(slot, oom_reply);
			dp_slot_release(slot);
			return;
		}
	}
	struct resp_arg *sub = w->sub_argv;
	for (uint32_t o = 0; o < w->sh->n_workers; o++) {
		uint32_t n = 0;
		for (int32_t i = 0; i < d->first_key; i++)
			sub[n++] = argv[i];
		for (int32_t i = d->first_key; i <= last && i < (int32_t)argc; i += step)
			if (owner[i] == o)
				for (int32_t j = 0; j < step && i + j < (int32_t)argc; j++)
					sub[n++] = argv[i + j];
		if (n == (uint32_t)d->first_key)
			continue;
		if (o == w->id && !dp_tx_must_wait(w, d, sub, n, cl->cc.db))
			run_local_part(w, cl, d, sub, n, slot, seq);
		else
			send_part(w, cl, d, sub, n, o, slot, seq);
	}
	dp_slot_release(slot);
}

/* A blocking command always goes to its keys' worker as a request, this
 * worker's own too, so it can wait there (dp_block.h); the connection
 * parses nothing more until its reply is in. */
static void route_blocking(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
			   const struct resp_arg *argv, uint32_t argc, uint32_t owner)
{
	/* CLIENT LIST shows a blocked client's command (it runs elsewhere, on
	 * a copy of the client) */
	cl->cc.last_cmd = d;
	cl->cc.last_ms = w->now_unix_ms;
	if (owner >= w->sh->n_workers) { /* keys of several workers: decided here */
		dp_xblock_start(w, cl, d, argv, argc);
		return;
	}
	uint64_t seq = cl->slot_tail;
	forward_single(w, cl, d, argv, argc, owner);
	if (cl->slot_tail != seq && cl->slots[seq % DP_SLOTS].parts_left != 0) {
		cl->blocking = true;
		cl->blk_owner = (uint16_t)owner;
		cl->blk_seq = seq;
	}
}

/* The last command name looked up, as its bytes arrived: a pipeline or a
 * benchmark repeats one command, and the table lookup folds case, hashes
 * and compares strings. cmd_lookup is pure, so a hit is its answer. */
static const struct cmd_def *lookup_cached(struct worker *w, const uint8_t *name, size_t len)
{
	if (len == w->lk_len && memcmp(name, w->lk_name, len) == 0)
		return w->lk_def;
	const struct cmd_def *d = cmd_lookup(name, len);
	if (d != NULL && len <= sizeof(w->lk_name)) {
		memcpy(w->lk_name, name, len);
		w->lk_len = len;
		w->lk_def = d;
	}
	return d;
}

void dp_reject(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
	       const struct resp_arg *argv, uint32_t argc, const void *err, size_t len)
{
	rw_buf_append(dp_reply_target(w, cl), err, len);
	/* Redis's c->cmd: the subcommand when argv names one */
	const struct cmd_def *sub = d != NULL && d->n_subcmds != 0 && argc >= 2
					? cmd_subcmd_lookup(d, argv[1].ptr, argv[1].len)
					: NULL;
	cmd_diag_rejected(&w->sh->env, w->id, sub != NULL ? sub : d, err, len);
	dp_tx_flag(cl);
}

/* Which worker owns every key; UINT32_MAX if they live on several. */
static uint32_t keys_owner(const struct worker *w, const struct cmd_def *d,
			   const struct resp_arg *argv, uint32_t argc)
{
	if (w->sh->n_workers == 1)
		return 0; /* one worker owns every slot: no CRC16 of the keys */
	int32_t last = d->last_key < 0 ? (int32_t)argc + d->last_key : d->last_key;
	int32_t step = d->key_step > 0 ? d->key_step : 1;
	uint32_t owner = UINT32_MAX;
	for (int32_t i = d->first_key; i > 0 && i <= last && i < (int32_t)argc; i += step) {
		uint32_t o = shard_of_key(argv[i].ptr, argv[i].len, w->sh->n_workers);
		if (owner == UINT32_MAX)
			owner = o;
		else if (o != owner)
			return UINT32_MAX - 1;
	}
	/* numkeys keys (LMPOP, ZUNIONSTORE...); a bad count runs here and the
	 * handler replies the error */
	int64_t nk;
	uint32_t na = (uint32_t)d->numkeys_arg;
	if (na != 0 && na < argc && resp_str_to_i64(argv[na].ptr, argv[na].len, &nk) && nk > 0 &&
	    (uint64_t)nk < argc - na) {
		for (uint32_t i = na + 1; i <= na + (uint32_t)nk; i++) {
			uint32_t o = shard_of_key(argv[i].ptr, argv[i].len, w->sh->n_workers);
			if (owner == UINT32_MAX)
				owner = o;
			else if (o != owner)
				return UINT32_MAX - 1;
		}
	}
	return owner == UINT32_MAX ? w->id : owner;
}

/* RANDOMKEY's worker: drawn in proportion to the keys each holds in @p db
 * (the figures every worker publishes once per tick), so every key is about
 * equally likely; this worker when all look empty. */
static uint32_t random_owner(struct worker *w, uint32_t db)
{
	uint64_t total = 0, keys[64];
	uint32_t n = w->sh->n_workers < 64 ? w->sh->n_workers : 64;
	for (uint32_t i = 0; i < n; i++) {
		const struct dp_pub *p = &w->sh->workers[i].pub;
		keys[i] =
		    db < p->n_dbs ? atomic_load_explicit(&p->db_keys[db], memory_order_relaxed) : 0;
		total += keys[i];
	}
	if (total == 0)
		return w->id;
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	uint64_t r = w->rng % total;
	for (uint32_t i = 0; i < n; i++) {
		if (r < keys[i])
			return i;
		r -= keys[i];
	}
	return w->id;
}

/* processCommand()'s ACL step for a restricted user (cmd_acl_refuses()):
 * a refusal is rejectCommand()'s, counted in commandstats and errorstats. */
static bool __attribute__((noinline))
acl_refuses(struct worker *w, struct dp_client *cl, const struct cmd_def *d, struct resp_arg *argv,
	    uint32_t argc)
{
	struct rw_buf *why = &w->part_buf;
	rw_buf_reset(why);
	struct cmd_ctx ctx = {.argv = argv,
			      .argc = argc,
			      .out = why,
			      .client = &cl->cc,
			      .env = &w->sh->env,
			      .now_ms = w->now_unix_ms,
			      .conn = cl};
	if (!cmd_acl_refuses(&ctx, d, cl->multi != NULL))
		return false;
	dp_reject(w, cl, d, argv, argc, why->data, why->len);
	return true;
}

/*
 * Pipelines in order. Redis runs a connection's commands one after the
 * other, so no client can see a later command's effect before an earlier
 * one's, and MONITOR prints them in the order sent. Here a command for
 * another worker's keys runs there, later, while the connection's next
 * commands go on. So the rule, for every command that runs (not those
 * queued inside MULTI, which run at EXEC):
 *
 *   a command starts only once every earlier command of its connection
 *   has run, except those running on the same worker, in its ring.
 *
 * A worker's ring (dataplane/shard) carries a connection's requests to it
 * in order, and it runs them in that order, so commands for one worker keep
 * pipelining; a command for another worker, or for this one (it runs at
 * once), waits while commands are out on another worker: client A's SET k1
 * (worker 1) then SET k2 (worker 0) no longer let client B read k2's new
 * value and then k1's old one (tests/integration/order_check.py). A
 * command runs where route() sends it (route_place()); what cannot keep
 * order in a ring runs "anywhere" (DP_AT_ANY: split or fanned-out
 * commands, transactions, PUBLISH to subscribers on other workers, a
 * command waiting in this worker's intent queue) and waits for, and is
 * waited for by, everything. What every worker shares (an admin command:
 * CONFIG SET's encoding thresholds, CONFIG RESETSTAT, SLOWLOG, DEBUG,
 * CLIENT, MONITOR...; INFO, every worker's counters) runs anywhere too,
 * and so does EXEC: a CONFIG SET zset-max-listpack-entries pipelined
 * behind ZADDs forwarded to the other worker ran first, and the ZADDs
 * chose the new encoding (oracle_cases_xshard.py, "pipeline in order").
 *
 * The slots say what is out: a slot with parts not yet in (other than
 * replies held for durability, dp_slot.held: those commands ran) runs at
 * its dp_slot.at. Replies are internal messages, so this holds whether the
 * client gets them or not (CLIENT REPLY OFF marks slots, never drops
 * them). A command that must wait stops parsing (cl->order_wait);
 * dp_drain_slots() resumes it as replies come in. Cost: a pipeline that
 * switches worker with commands out pays one hop per switch.
 */
bool dp_cmd_orders_pipeline(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc)
{
	if (d->n_subcmds != 0 && argc >= 2) {
		const struct cmd_def *sub = cmd_subcmd_lookup(d, argv[1].ptr, argv[1].len);
		if (sub != NULL)
			d = sub;
	}
	return (d->flags & CMD_ADMIN) || strcmp(d->name, "info") == 0;
}

#define DP_AT_NONE 0xfffeu /* runs nothing now: queued inside MULTI */

/* The worker a command with keys runs on: its keys' (UINT32_MAX - 1 for
 * keys of several workers), the one SCAN's cursor names; this one for a
 * keyless command. (RANDOMKEY draws its worker in route().) */
static uint32_t route_owner(const struct worker *w, const struct cmd_def *d,
			    const struct resp_arg *argv, uint32_t argc)
{
	if (d->flags & CMD_ROUTE_CURSOR) { /* SCAN: the worker its cursor names */
		uint32_t o = cmd_scan_worker(argv, argc, w->sh->n_workers);
		return o < w->sh->n_workers ? o : w->id;
	}
	if ((d->flags & CMD_NOKEYS) || (d->first_key == 0 && d->numkeys_arg == 0))
		return w->id;
	return keys_owner(w, d, argv, argc);
}

/* redwire-pipeline-order relaxed: only what every worker shares waits for
 * the commands ahead (and an EXEC that queued such a command); a
 * pipeline's commands for different workers run where and when their keys'
 * workers reach them. */
static uint32_t relaxed_place(const struct dp_client *cl, const struct cmd_def *d,
			      const struct resp_arg *argv, uint32_t argc)
{
	if (dp_tx_multi_count(cl) != UINT32_MAX)
		return (d->flags & CMD_TX_DISPATCH) && d->name[0] == 'e' && dp_tx_exec_ordered(cl)
			   ? DP_AT_ANY
			   : DP_AT_NONE;
	return dp_cmd_orders_pipeline(d, argv, argc) ? DP_AT_ANY : DP_AT_NONE;
}

/* Where route() will run @p d: a worker, DP_AT_ANY, or DP_AT_NONE. */
static uint32_t route_place(const struct worker *w, const struct dp_client *cl,
			    const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc)
{
	if (w->sh->order_relaxed)
		return relaxed_place(cl, d, argv, argc);
	if (dp_tx_multi_count(cl) != UINT32_MAX) { /* inside MULTI (dp_tx_intercept()) */
		bool runs = (d->flags & CMD_TX_DISPATCH) ||
			    ((d->flags & CMD_NOAUTH) && (d->name[0] == 'q' || d->name[0] == 'r'));
		if (!runs || (d->name[0] == 'u' && (d->flags & CMD_TX_DISPATCH)))
			return DP_AT_NONE; /* queued (UNWATCH too) */
		return d->name[0] == 'e' && (d->flags & CMD_TX_DISPATCH) ? DP_AT_ANY : w->id;
	}
	if (dp_cmd_orders_pipeline(d, argv, argc) || (d->flags & CMD_SNAPSHOT))
		return DP_AT_ANY;
	if (d->flags & CMD_PUBSUB)
		return w->id;
	if (w->sh->n_workers > 1 &&
	    ((d->flags & (CMD_ALL_SHARDS_SUM | CMD_ALL_SHARDS_CONCAT | CMD_ALL_SHARDS_OK)) ||
	     dp_digest_is(d, argv, argc) || (d->flags & CMD_ROUTE_RANDOM)))
		return DP_AT_ANY;
	uint32_t owner = route_owner(w, dp_debug_route_def(d, argv, argc), argv, argc);
	return owner < w->sh->n_workers ? owner : DP_AT_ANY;
}

/* May a command that runs at @p at start now (the rule above)? */
static bool order_clear(struct dp_client *cl, uint32_t at)
{
	if (at == DP_AT_NONE)
		return true;
	uint64_t s = cl->slot_head;
	if (at != DP_AT_ANY && at == cl->ord_at && cl->ord_seq > s)
		s = cl->ord_seq; /* checked already: a slot at ord_at stays there */
	for (; s != cl->slot_tail; s++) {
		const struct dp_slot *slot = &cl->slots[s % DP_SLOTS];
		if (slot->parts_left > slot->held && (slot->at != at || at == DP_AT_ANY))
			return false;
	}
	cl->ord_at = (uint16_t)at;
	cl->ord_seq = cl->slot_tail;
	return true;
}

/* Route and run one command. @return false if it must wait (journal full,
 * or cl->order_wait): the caller leaves it in the query buffer. */
static bool route(struct worker *w, struct dp_client *cl, struct resp_arg *argv, uint32_t argc,
		  struct chan_part raw)
{
	w->stats->commands_received++;
	const struct cmd_def *d = lookup_cached(w, argv[0].ptr, argv[0].len);
	/* Redis's order: unknown command, arity, subcommand, then NOAUTH. A
	 * refused command inside MULTI makes EXEC abort. */
	struct rw_buf *why = &w->part_buf;
	rw_buf_reset(why);
	if (d == NULL) {
		cmd_reply_unknown(why, argv, argc);
		dp_reject(w, cl, NULL, argv, argc, why->data, why->len);
		return true;
	}
	if (!cmd_arity_ok(d, argc)) {
		if (d->flags & CMD_TX_DISPATCH && d->name[0] == 'e') {
			dp_tx_exec_rejected(w, cl, "wrong number of arguments for 'exec' command");
			dp_tx_flag(cl);
			return true;
		}
		cmd_reply_arity(why, d);
		dp_reject(w, cl, d, argv, 1, why->data, why->len); /* the container's arity */
		return true;
	}
	if (!cmd_subcmd_check(d, argv, argc, why)) {
		/* an unknown subcommand counts for no command */
		dp_reject(w, cl, cmd_subcmd_lookup(d, argv[1].ptr, argv[1].len) ? d : NULL, argv,
			  argc, why->data, why->len);
		return true;
	}
	if (cmd_auth_required(d, &cl->cc, &w->sh->env)) {
		dp_reject(w, cl, d, argv, argc, CMD_ERR_NOAUTH, sizeof(CMD_ERR_NOAUTH) - 1);
		return true;
	}
	/* ACL: a user of +@all ~* &* costs this one branch */
	if (!cmd_acl_unrestricted(&cl->cc) && acl_refuses(w, cl, d, argv, argc))
		return true; /* dp_reject() flagged a transaction */
	if (dp_load_refuses(w, d, argv, argc)) {
		dp_reject(w, cl, d, argv, argc, CMD_ERR_LOADING, sizeof(CMD_ERR_LOADING) - 1);
		return true;
	}
	if (dp_info_persist_refuses(w, d)) {
		dp_info_misconf_reply(w, why);
		dp_reject(w, cl, d, argv, argc, why->data, why->len);
		return true;
	}
	if (dp_pubsub_filter(w, cl, d, argv, argc))
		return true; /* RESP2 subscribed mode: refused, or PING's pong */
	if ((d->flags & CMD_TX_DISPATCH) && d->name[0] == 'e' && !dp_tx_exec_has_room(w, cl))
		return false; /* EXEC: the journal must have room for its record */
	if ((d->flags & CMD_SNAPSHOT) && d->name[1] == 'a' && dp_tx_multi_count(cl) != UINT32_MAX) {
		/* SAVE is no-multi: rejected at queue time, the transaction aborts */
		static const char no_multi[] = "-ERR Command not allowed inside a transaction\r\n";
		dp_reject(w, cl, d, argv, argc, no_multi, sizeof(no_multi) - 1);
		return true;
	}
	if (cmd_pause_holds(&w->sh->env, d, w->now_unix_ms)) {
		w->stats->commands_received--; /* CLIENT PAUSE: waits, counted when it runs */
		return false;
	}
	/* (nothing out, nothing to wait for: no need to know where it runs) */
	if (cl->slot_head != cl->slot_tail && !order_clear(cl, route_place(w, cl, d, argv, argc))) {
		w->stats->commands_received--; /* counted once, when it runs */
		cl->order_wait = true;
		return false;
	}
	if ((cl->multi != NULL || (d->flags & CMD_TX_DISPATCH)) &&
	    dp_tx_intercept(w, cl, d, argv, argc))
		return true; /* MULTI EXEC DISCARD UNWATCH, a refused WATCH, or queued */
	enum dp_jrnl_room room = journal_room(w, cl, d, argv, argc);
	if (room != DP_JRNL_OK)
		return room == DP_JRNL_REFUSED;
	if (cl->multi != NULL && (d->flags & CMD_NOAUTH) && d->name[0] == 'r')
		dp_tx_reset(w, cl);    /* RESET leaves MULTI and unwatches */
	if (d->flags & CMD_SNAPSHOT) { /* SAVE BGSAVE SHUTDOWN: the cut across workers */
		enum dp_snap_route_result r = dp_snap_route(w, cl, d, argv, argc);
		if (r == DP_SNAP_DONE)
			return true;
		if (r == DP_SNAP_WAIT) {
			w->stats->commands_received--; /* counted once, when it runs */
			return false;
		}
	}
	if (d->flags & CMD_PUBSUB) {
		uint64_t t0 = rte_rdtsc();
		dp_pubsub_run(w, cl, d, argv, argc); /* on this worker, whatever the keys */
		/* SLOWLOG, LATENCY, commandstats, MONITOR: as any command's */
		dp_tx_record(w, &cl->cc, cl->cc.db, d, argv, argc,
			     (int64_t)worker_tsc_us(w, rte_rdtsc() - t0), NULL, 0);
		return true;
	}
	if (dp_clientkill_is(d, argv, argc)) { /* every worker kills its own */
		fanout_client(w, cl, d, &dp_clientkill_part_def, argv, argc,
			      argc == 3 ? DP_AGG_KILLED : DP_AGG_SUM,
			      dp_clientkill_check(w, cl, argv, argc));
		return true;
	}
	if (dp_clientlist_is(d, argv, argc)) { /* every worker lists its own */
		fanout_client(w, cl, d, &dp_clientlist_part_def, argv, argc, DP_AGG_TEXT,
			      dp_clientlist_check(w, cl, argv, argc));
		return true;
	}
	if (dp_clientunblock_is(d, argv, argc)) { /* the waiter is on its keys' worker */
		fanout_client(w, cl, d, &dp_clientunblock_part_def, argv, argc, DP_AGG_SUM,
			      dp_clientunblock_check(w, cl, argv, argc));
		return true;
	}
	if (w->sh->n_workers > 1 && dp_digest_is(d, argv, argc)) {
		/* every shard's part under "all" intents: the digest waits for
		 * the transactions in flight and sees none half-applied */
		if (!dp_tx_start_one(w, cl, d, argv, argc))
			resp_w_error(dp_reply_target(w, cl), "ERR internal: cannot run everywhere");
		return true;
	}
	if ((d->flags & (CMD_ALL_SHARDS_SUM | CMD_ALL_SHARDS_CONCAT | CMD_ALL_SHARDS_OK)) &&
	    w->sh->n_workers > 1) {
		if (!dp_tx_start_one(w, cl, d, argv, argc))
			resp_w_error(dp_reply_target(w, cl), "ERR internal: cannot run everywhere");
		return true;
	}
	if (d->flags & (CMD_ALL_SHARDS_SUM | CMD_ALL_SHARDS_CONCAT | CMD_ALL_SHARDS_OK)) {
		fanout_all(w, cl, d, argv, argc,
			   (d->flags & CMD_ALL_SHARDS_SUM)	? DP_AGG_SUM
			   : (d->flags & CMD_ALL_SHARDS_CONCAT) ? DP_AGG_CONCAT
								: DP_AGG_OK);
		return true;
	}
	d = dp_debug_route_def(d, argv, argc); /* DEBUG OBJECT, DIGEST-VALUE: their keys */
	uint32_t owner = (d->flags & CMD_ROUTE_RANDOM) ? random_owner(w, cl->cc.db)
						       : route_owner(w, d, argv, argc);
	if (d->flags & CMD_BLOCKING) {
		route_blocking(w, cl, d, argv, argc, owner);
		return true;
	}
	if (owner == w->id && dp_tx_must_wait(w, d, argv, argc, cl->cc.db)) {
		forward_single(w, cl, d, argv, argc, w->id); /* waits in the intent queue */
	} else if (owner == w->id) {
		w->cur_raw = raw;
		w->cur_conn = cl;
		if (w->hold_acks && (d->flags & CMD_WRITE))
			run_held(w, cl, d, argv, argc);
		else
			dp_run(w, d, argv, argc, &cl->cc, dp_reply_target(w, cl));
		w->cur_raw = (struct chan_part){NULL, 0};
		w->cur_conn = NULL;
	} else if (owner < w->sh->n_workers)
		forward_single(w, cl, d, argv, argc, owner);
	else if (d->flags & CMD_TX_DISPATCH) /* WATCH: each owner registers its keys */
		split_by_owner(w, cl, d, argv, argc, DP_AGG_OK);
	else if (!dp_tx_start_one(w, cl, d, argv, argc))
		/* Redis Cluster's words: a command the transactions cannot split
		 * across workers needs its keys on one ({hash tag}) */
		resp_w_error(dp_reply_target(w, cl),
			     "CROSSSLOT Keys in request don't hash to the same slot");
	return true;
}

/* Route and run one command, then apply CLIENT REPLY OFF|SKIP: a dropped
 * reply is cut from the send buffer, or its slots are marked to be skipped
 * when they drain (the decision is taken here, on the connection's worker,
 * because CLIENT REPLY always runs there). @return false if the command
 * must wait (journal full): it stays in the query buffer. */
static bool dispatch(struct worker *w, struct dp_client *cl, struct resp_arg *argv, uint32_t argc,
		     struct chan_part raw)
{
	bool direct = cl->slot_head == cl->slot_tail;
	size_t mark = cl->tcp->snd.len;
	uint64_t first_slot = cl->slot_tail;
	if (!route(w, cl, argv, argc, raw))
		return false;
	if (!cmd_client_reply_suppressed(&cl->cc))
		return true;
	if (cl->slot_tail != first_slot) {
		for (uint64_t i = first_slot; i != cl->slot_tail; i++)
			cl->slots[i % DP_SLOTS].discard = true;
	} else if (direct && cl->tcp->snd.len >= mark) {
		cl->tcp->snd.len = mark;
	}
	return true;
}

/* argv and the arrays sized like it (a split command's sub-argv and key
 * owners) grow together. */
bool dp_grow_argv(struct worker *w, uint32_t need)
{
	struct resp_arg *a = realloc(w->argv, sizeof(*a) * need);
	if (a != NULL)
		w->argv = a;
	struct resp_arg *sub = realloc(w->sub_argv, sizeof(*sub) * need);
	if (sub != NULL)
		w->sub_argv = sub;
	uint8_t *own = realloc(w->key_owner_buf, need);
	if (own != NULL)
		w->key_owner_buf = own;
	if (a == NULL || sub == NULL || own == NULL)
		return false;
	w->argv_cap = need;
	return true;
}

/* Parse and dispatch the complete commands in the query buffer. */
static void client_process(struct worker *w, struct dp_client *cl)
{
	struct tcp_conn *c = cl->tcp;
	size_t off = 0;
	unsigned n = 0;
	bool drained = false;
	if (cl->blocking && c->peer_fin) { /* Redis frees a blocked client that closes */
		block_cancel(cl);
		cl->blocking = false;
		cl->closing = true;
	}
	while (!cl->closing) {
		if (n == DP_CMD_BUDGET)
			break;
		if (cl->slot_tail - cl->slot_head >= DP_SLOTS - 1) {
			cl->paused = true;
			break;
		}
		/* A transaction of this connection is taking its locks: until they
		 * are all queued a later command for one of its keys could overtake
		 * it. Parsing resumes once they are (dp_client_wake). */
		if (cl->tx_inflight != 0 || cl->blocking) {
			cl->paused = true;
			break;
		}
		if (off == c->rcv.len) { /* all parsed: resp_parse would say so */
			drained = true;
			break;
		}
		/* An inline line is split in place: kept as it came, to be put
		 * back if its command must wait and is parsed again. */
		size_t inline_len = 0;
		if (c->rcv.data[off] != '*') {
			const uint8_t *nl = memchr(c->rcv.data + off, '\n', c->rcv.len - off);
			if (nl != NULL) {
				inline_len = (size_t)(nl - (c->rcv.data + off)) + 1;
				rw_buf_reset(&w->inline_line);
				if (rw_buf_append(&w->inline_line, c->rcv.data + off, inline_len) !=
				    0)
					inline_len = 0;
			}
		}
		struct resp_cmd rc = {.argv = w->argv, .cap = w->argv_cap};
		enum resp_status st =
		    resp_parse(c->rcv.data + off, c->rcv.len - off, &w->limits, &rc);
		if (st == RESP_NEED_ARGS) {
			if (!dp_grow_argv(w, rc.need_args))
				break;
			continue;
		}
		if (st == RESP_INCOMPLETE) {
			drained = true;
			break;
		}
		if (st == RESP_ERROR) {
			struct rw_buf *b = &w->part_buf;
			rw_buf_reset(b);
			resp_w_errorf(b, "ERR %s", rc.err);
			rw_buf_append(dp_reply_target(w, cl), b->data, b->len);
			cmd_diag_error(cmd_diag_of(&w->sh->env), w->id, b->data, b->len);
			w->stats->protocol_errors++;
			rw_logring_put(&w->log, RW_LOG_NOTICE, "dp.resp", "client=%llu closed: %s",
				       (unsigned long long)cl->cc.id, rc.err);
			cl->closing = true;
			break;
		}
		struct chan_part raw = {NULL, 0};
		if (c->rcv.data[off] == '*')
			raw = (struct chan_part){c->rcv.data + off, rc.consumed};
		if (rc.argc != 0 && !dispatch(w, cl, rc.argv, rc.argc, raw)) {
			if (inline_len != 0) /* as it came, for the next parse */
				memcpy(c->rcv.data + off, w->inline_line.data, inline_len);
			if (cl->order_wait) { /* until the replies ahead are in */
				cl->order_wait = false;
				cl->paused = true;
			} else {
				mark_ready(w, cl); /* journal full: retry next iteration */
			}
			break;
		}
		off += rc.consumed;
		n += rc.argc != 0;
		if (cl->cc.close_after_reply)
			cl->closing = true;
	}
	/* Drained, what is left is one partial command: the query buffer,
	 * counted in client memory (dp_cmem.c) and bounded by
	 * client-query-buffer-limit; the stack bounds the rest like a socket
	 * buffer (tcp_rwnd.c), so a command larger than that still arrives. */
	size_t query = drained ? c->rcv.len - off : 0;
	if (off != 0 || query != c->rcv_query)
		tcp_rcv_consumed(&w->tcp, c, off, query);
	cl->rcv_backlog = !drained;
	if (!drained && !cl->closing && n == DP_CMD_BUDGET)
		mark_ready(w, cl);
	if (drained && c->rcv.len >= w->tcp.rcv_limit) {
		rw_logring_put(&w->log, RW_LOG_WARN, "dp.resp",
			       "client=%llu closed: query buffer limit reached",
			       (unsigned long long)cl->cc.id);
		cl->closing = true;
	}
	if (drained && c->peer_fin)
		cl->closing = true; /* nothing more will come; a partial command is dropped */
	if (cl->slot_head != cl->slot_tail)
		dp_drain_slots(w, cl); /* slots completed locally (DBSIZE on one worker...) */
	else
		maybe_close(w, cl);
}

void dp_client_process_ready(struct worker *w)
{
	struct dp_client *cl = w->ready;
	w->ready = NULL;
	while (cl != NULL) {
		struct dp_client *next = cl->ready_next;
		cl->on_ready = false;
		cl->ready_next = NULL;
		if (cl->tcp != NULL)
			client_process(w, cl);
		cl = next;
	}
}

static void defer(struct worker *w, struct shard_msg *m)
{
	m->next = NULL;
	if (w->deferred_tail != NULL)
		w->deferred_tail->next = m;
	else
		w->deferred_head = m;
	w->deferred_tail = m;
}

static bool request_has_room(struct worker *w, const struct shard_msg *m)
{
	if (!(m->def->flags & CMD_WRITE) ||
	    chan_jrnl_has_room(w->sh->chan, w->id, m->args.len + 24u * m->argc + 64u))
		return true;
	w->stats->journal_full_stalls++;
	return false;
}

/* Run another worker's command here and send the reply back. */
void dp_request_exec(struct worker *w, struct shard_msg *m)
{
	uint64_t lsn = 0;
	rw_buf_reset(&m->reply);
	if (m->src != w->id)
		w->stats->fwd_received++;
	if (m->def == &dp_block_cancel_def) {
		dp_block_cancel(w, m);
		return;
	}
	if (m->argc > w->argv_cap && !dp_grow_argv(w, m->argc)) {
		resp_w_error(&m->reply, "ERR out of memory");
	} else {
		shard_msg_unpack(m, w->argv);
		w->blk.may = (m->def->flags & CMD_BLOCKING) != 0;
		lsn = dp_run(w, m->def, w->argv, m->argc, &m->client, &m->reply);
		w->blk.may = false;
		if (dp_block_park(w, m))
			return; /* answered when served or timed out */
	}
	m->kind = SHARD_REPLY;
	if (w->hold_acks && lsn != 0 && ack_push(w, (struct dp_ack_wait){.lsn = lsn, .msg = m}))
		return; /* sent back once durable */
	dp_msg_send(w, m);
}

/* Requests wait, in arrival order, while the journal has no room. */
void dp_deferred_retry(struct worker *w)
{
	while (w->deferred_head != NULL && request_has_room(w, w->deferred_head)) {
		struct shard_msg *m = w->deferred_head;
		w->deferred_head = m->next;
		if (w->deferred_head == NULL)
			w->deferred_tail = NULL;
		if (!dp_tx_request_wait(w, m)) /* a transaction may hold its key by now */
			dp_request_exec(w, m);
	}
}

static void request_in(struct worker *w, struct shard_msg *m)
{
	if (dp_tx_request_wait(w, m))
		return; /* a transaction holds one of its keys: granted later */
	if (w->deferred_head != NULL || !request_has_room(w, m))
		defer(w, m);
	else
		dp_request_exec(w, m);
}

static void reply_in(struct worker *w, struct shard_msg *m)
{
	struct dp_client *cl = &w->clients[m->conn_idx];
	if (cl->tcp != NULL && cl->gen == m->conn_gen) {
		if (cl->blocking && m->slot_seq == cl->blk_seq)
			cl->blocking = false; /* parsing resumes as the slot drains */
		struct dp_slot *slot = &cl->slots[m->slot_seq % DP_SLOTS];
		dp_slot_absorb(slot, m->dst, m->reply.data, m->reply.len);
		dp_drain_slots(w, cl);
	}
	shard_msg_put(&w->shard, m);
}

void dp_shard_msg_in(void *arg, struct shard_msg *m)
{
	struct worker *w = arg;
	if (m->away && (m->kind == SHARD_REPLY || m->kind == SHARD_TX_DONE)) {
		m->away = false; /* one of ours is back (dp_msg_send) */
		w->mesh_away--;
	}
	if ((m->kind == SHARD_REQ || m->kind == SHARD_REPLY) &&
	    (m->def == &dp_block_proxy_def || m->def == &dp_block_unstall_def))
		dp_block_msg_in(w, m); /* clients blocked on several workers (dp_xblock.h) */
	else if (m->kind == SHARD_REQ)
		request_in(w, m);
	else if (m->kind == SHARD_REPLY)
		reply_in(w, m);
	else if (m->kind == SHARD_PUBSUB || m->kind == SHARD_PUBSUB_DONE)
		dp_pubsub_msg_in(w, m);
	else
		dp_tx_msg_in(w, m);
}
