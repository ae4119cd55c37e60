/*
 * Blocking commands on the worker owning their keys (dp_block.h).
 */
#include "cmd_diag.h"
#include "dp_block.h"

#include <stdlib.h>
#include <string.h>

#include "dp_int.h"
#include "dp_tx.h"
#include "dp_xblock.h"
#include "store.h"
#include "worker.h"

const struct cmd_def dp_block_cancel_def = {.name = "block-cancel", .flags = CMD_NOKEYS};
const struct cmd_def dp_block_proxy_def = {.name = "block-proxy", .flags = CMD_NOKEYS};
const struct cmd_def dp_block_unstall_def = {.name = "block-unstall", .flags = CMD_NOKEYS};

/* A client blocked on several workers counts once, on its own worker. */
static void publish(struct worker *w)
{
	w->stats->blocked_clients = w->blk.q.n - w->blk.n_proxy + w->blk.n_x;
}

void dp_block_publish(struct worker *w)
{
	publish(w);
}

static bool is_proxy(const struct shard_msg *m)
{
	return m->def == &dp_block_proxy_def;
}

/* Unlink @p wt from the FIFO. @return its request. */
static struct shard_msg *unpark(struct worker *w, struct dp_waiter *wt)
{
	struct shard_msg *m = dp_blockq_remove(&w->blk.q, wt);
	if (is_proxy(m))
		w->blk.n_proxy--;
	return m;
}

/* Send the request's reply back (after durability when appendonly). */
static void answer(struct worker *w, struct shard_msg *m, uint64_t lsn)
{
	m->kind = SHARD_REPLY;
	if (w->hold_acks && lsn != 0 && dp_ack_msg(w, lsn, m))
		return;
	dp_msg_send(w, m);
}

bool dp_block_park(struct worker *w, struct shard_msg *m)
{
	if (!w->blk.would)
		return false;
	w->blk.would = false;
	rw_buf_reset(&m->reply);
	uint64_t order =
	    atomic_fetch_add_explicit(&w->sh->next_block_order, 1, memory_order_relaxed);
	if (dp_blockq_push_at(&w->blk.q, m, w->blk.deadline_ms, order + 1) == NULL) {
		resp_w_error(&m->reply, "ERR out of memory blocking the client");
		return false;
	}
	publish(w);
	return true;
}

/* A waiter of a connection on this worker that has gone: nothing to serve. */
static bool local_gone(const struct worker *w, const struct shard_msg *m)
{
	if (m->src != w->id)
		return false;
	const struct dp_client *cl = &w->clients[m->conn_idx];
	return cl->tcp == NULL || cl->gen != m->conn_gen;
}

static bool unpack(struct worker *w, struct shard_msg *m)
{
	if (m->argc > w->blk.argv_cap) {
		struct resp_arg *a = realloc(w->blk.argv, sizeof(*a) * m->argc);
		if (a == NULL)
			return false; /* tried again on the next write */
		w->blk.argv = a;
		w->blk.argv_cap = m->argc;
	}
	shard_msg_unpack(m, w->blk.argv);
	return true;
}

/* A proxy's keys (arguments "l" or "z", then the keys of this shard):
 * does one hold a list (a sorted set) now? Redis serves a waiter only from
 * a key of its type. A key held by another entry (a transaction that
 * pushed to it and has not released it yet, another client's reservation)
 * does not count: the proxy is tried again at that entry's release
 * (dp_block_release), before the entries queued behind it, and its
 * reservation then takes the released entry's place (resv_add). Woken
 * now, it would reserve behind a command queued during the hold, which
 * would run first. A proxy that kept its reservation holds its keys
 * itself. */
static bool proxy_ready(struct worker *w, struct shard_msg *m)
{
	if (m->argc < 2 || !unpack(w, m))
		return false;
	uint8_t type = w->blk.argv[0].ptr[0] == 'z' ? STORE_TYPE_ZSET : STORE_TYPE_LIST;
	bool held =
	    w->txq.n_held != 0 && shard_txq_find(&w->txq, DP_BLOCK_RESV | m->blk_order) == NULL;
	for (uint32_t i = 1; i < m->argc; i++) {
		const struct resp_arg *k = &w->blk.argv[i];
		const struct store_obj *o =
		    store_lookup(w->store, m->client.db, k->ptr, k->len, w->now_unix_ms,
				 STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS);
		if (o == NULL || o->type != type)
			continue;
		uint64_t h = held ? shard_key_hash(m->client.db, k->ptr, k->len) : 0;
		if (!held || !shard_txq_held(&w->txq, &h, 1, false))
			return true;
	}
	return false;
}

/* ---- reservations (dp_block.h) ---- */

static bool has_key(const struct shard_txq_entry *e, uint64_t h)
{
	for (uint32_t i = 0; i < e->nkeys; i++)
		if (e->keys[i] == h)
			return true;
	return false;
}

/* The woken proxy @p m holds its keys here until its client's attempt
 * (one reservation per client: a proxy woken again keeps the one it has).
 * Without memory for it the client only risks what it risked before. */
static void resv_add(struct worker *w, struct shard_msg *m)
{
	uint64_t id = DP_BLOCK_RESV | m->blk_order;
	if (m->blk_order == 0 || m->argc < 2 || shard_txq_find(&w->txq, id) != NULL ||
	    !unpack(w, m))
		return;
	struct shard_txq_entry *e = shard_txq_entry_get(&w->txq);
	if (e == NULL)
		return;
	e->txid = id;
	e->owner = m->blk_order;
	for (uint32_t i = 1; i < m->argc; i++) {
		uint64_t h = shard_key_hash(m->client.db, w->blk.argv[i].ptr, w->blk.argv[i].len);
		if (!has_key(e, h) && shard_txq_entry_key(e, h) != 0) {
			shard_txq_entry_put(&w->txq, e);
			return;
		}
	}
	/* a fence: holds from now on, granted or not (and once taken over); woken
	 * at a RELEASE (dp_block_release), in the released entry's place */
	if (shard_txq_add_fence(&w->txq, e) < 0)
		shard_txq_entry_put(&w->txq, e);
}

/* End reservation @p id: the commands queued behind it run (in queue order,
 * as after a RELEASE), the waiters it held back are tried. */
static void resv_end(struct worker *w, uint64_t id)
{
	struct shard_txq_entry *e = shard_txq_find(&w->txq, id);
	if (e == NULL)
		return;
	dp_block_release(w, e);
}

static void resv_drop(struct worker *w, uint64_t order)
{
	if (order != 0)
		resv_end(w, DP_BLOCK_RESV | order);
}

struct shard_txq_entry *dp_block_resv_take(struct worker *w, uint64_t order, const uint8_t *keys,
					   size_t len, uint64_t txid)
{
	struct shard_txq_entry *e = shard_txq_find(&w->txq, DP_BLOCK_RESV | order);
	if (e == NULL)
		return NULL;
	for (size_t off = 0; off + 8 <= len; off += 8) {
		uint64_t h;
		memcpy(&h, keys + off, 8);
		if (!has_key(e, h)) { /* not expected: the attempt locks as any gather */
			resv_drop(w, order);
			return NULL;
		}
	}
	e->txid = txid;
	return e;
}

static bool hits(const struct shard_txq_entry *x, const uint64_t *set, uint32_t n)
{
	for (uint32_t i = 0; i < x->nkeys; i++)
		for (uint32_t j = 0; j < n; j++)
			if (x->keys[i] == set[j])
				return true;
	return false;
}

/* The entries @p e waits for: those ahead of it sharing a key with it or
 * with an entry it waits for (a walk back to the head, the keys of every
 * entry found so far in @p set). The reservations among them move behind
 * it (without memory for the walk, every reservation ahead of it): still
 * ahead of the commands queued after @p e, their clients keep their turn
 * before those. */
void dp_block_resv_yield(struct worker *w, struct shard_txq_entry *e)
{
	if (e->granted || w->txq.n < 2)
		return;
	uint64_t *set = malloc(sizeof(*set) * e->nkeys + 8);
	uint32_t n = 0, cap = e->nkeys + 1;
	bool all = e->all || set == NULL;
	if (set != NULL && e->nkeys > 0) { /* an 'all' entry has no key list */
		memcpy(set, e->keys, sizeof(*set) * e->nkeys);
		n = e->nkeys;
	}
	struct rw_buf drop = {0};
	for (const struct shard_txq_entry *x = e->prev; x != NULL; x = x->prev) {
		if (!all && !x->all && !hits(x, set, n))
			continue;
		if (x->txid & DP_BLOCK_RESV) {
			if (rw_buf_append(&drop, &x->txid, 8) != 0)
				all = true; /* cannot list it: found again below */
			continue;
		}
		if (x->all || all) {
			all = true;
			continue;
		}
		if (n + x->nkeys > cap) {
			uint32_t c = (n + x->nkeys) * 2;
			uint64_t *s2 = realloc(set, sizeof(*set) * c);
			if (s2 == NULL) {
				all = true;
				continue;
			}
			set = s2;
			cap = c;
		}
		memcpy(set + n, x->keys, sizeof(*set) * x->nkeys);
		n += x->nkeys;
	}
	free(set);
	/* nearest first: the next one goes behind @p e too, ahead of those
	 * moved before it unless it shares a key with one (the rule) */
	for (size_t off = 0; off + 8 <= drop.len; off += 8) {
		uint64_t id;
		memcpy(&id, drop.data + off, 8);
		struct shard_txq_entry *r = shard_txq_find(&w->txq, id);
		if (r != NULL)
			shard_txq_fence_behind(&w->txq, r, e);
	}
	rw_buf_fini(&drop);
	shard_txq_grant(&w->txq); /* what they no longer hold back (e itself, maybe) */
}

/* Send a proxy home woken (":1"): its client tries its keys again, and this
 * worker wakes no other proxy (nor serves a waiter behind one that could
 * be woken: serve()) until it says so (dp_block_unstall_def); its keys are
 * reserved for that attempt. */
static void proxy_wake(struct worker *w, struct shard_msg *m)
{
	resv_add(w, m);
	rw_buf_reset(&m->reply);
	resp_w_int(&m->reply, 1);
	w->blk.stall++;
	answer(w, m, 0);
}

static void unstall(struct worker *w)
{
	if (w->blk.stall > 0)
		w->blk.stall--;
	w->blk.pending = true; /* the waiters behind the proxy were not tried: dp_block_poll */
}

/* Try one waiter. @return true if it is answered (and gone from the queue). */
static bool try_waiter(struct worker *w, struct dp_waiter *wt)
{
	struct shard_msg *m = wt->req;
	if (local_gone(w, m)) {
		unpark(w, wt);
		rw_buf_reset(&m->reply);
		answer(w, m, 0);
		return true;
	}
	if (is_proxy(m)) {
		if (!proxy_ready(w, m))
			return false;
		unpark(w, wt);
		proxy_wake(w, m);
		return true;
	}
	if (!unpack(w, m))
		return false;
	/* A transaction holds one of its keys (a gather may have read it and not
	 * written it back yet): popping now could serve an element twice. It is
	 * tried again once the transaction releases (dp_block_release). Entries
	 * that only wait their turn (a command, a transaction not granted here)
	 * come after the write that can serve it: it goes first, as in Redis. */
	if (w->txq.n_held != 0 && dp_tx_held(w, m->def, w->blk.argv, m->argc, m->client.db))
		return false;
	rw_buf_reset(&m->reply);
	w->blk.may = w->blk.retry = true;
	w->blk.would = false;
	uint64_t lsn = dp_run(w, m->def, w->blk.argv, m->argc, &m->client, &m->reply);
	w->blk.may = w->blk.retry = false;
	if (w->blk.would) {
		w->blk.would = false;
		return false;
	}
	unpark(w, wt);
	answer(w, m, lsn);
	return true;
}

/* Passes over the waiters in blocking order until one finds nothing new:
 * a served BLMOVE pushes, and that push may serve a later waiter (or an
 * earlier one: hence another pass). Each pass that continues served one
 * at least, so the passes are bounded by the waiters.
 *
 * While a woken proxy's client decides (the stall), the waiters are still
 * served, up to the first proxy that could be woken too: it was blocked
 * first, so nobody behind it goes before it (it is woken once the stall
 * ends). The woken proxy's keys are reserved (an intent entry), so a
 * waiter on one of them waits for its client's attempt (try_waiter()'s
 * dp_tx_must_wait()); a waiter on other keys is served at the push, as
 * Redis serves it. */
static void serve(struct worker *w)
{
	struct chan_part raw = w->cur_raw;
	const struct dp_client *conn = w->cur_conn;
	w->cur_raw = (struct chan_part){NULL, 0}; /* the pops journal their own commands */
	w->cur_conn = NULL;
	w->blk.serving = true;
	for (uint32_t pass = 0; pass <= w->blk.q.n + 1; pass++) {
		w->blk.pending = false;
		bool served = false;
		struct dp_waiter *wt = w->blk.q.head;
		while (wt != NULL) {
			struct dp_waiter *next = wt->next;
			if (w->blk.stall != 0 && is_proxy(wt->req) && proxy_ready(w, wt->req))
				break;
			served |= try_waiter(w, wt);
			wt = next;
		}
		if (!served || !w->blk.pending)
			break;
	}
	w->blk.pending = false;
	w->blk.serving = false;
	w->cur_raw = raw;
	w->cur_conn = conn;
	publish(w);
}

void dp_block_release(struct worker *w, struct shard_txq_entry *e)
{
	shard_txq_unlink(&w->txq, e);
	shard_txq_entry_put(&w->txq, e);
	if (w->blk.q.n != 0) {
		/* the waiters it held back, before the entries queued behind it
		 * (they cannot hold a waiter back: shard_txq_held) */
		if (w->blk.serving || w->tx_effects != NULL)
			w->blk.pending = true; /* dp_block_poll */
		else
			serve(w);
	}
	shard_txq_grant(&w->txq);
}

void dp_block_signal(struct worker *w)
{
	if (w->blk.q.n == 0)
		return;
	if (w->blk.serving || w->tx_effects != NULL) {
		w->blk.pending = true;
		return;
	}
	serve(w);
}

/* Timed out: Redis 7.0 replies a null array for every blocking command,
 * BLMOVE and BRPOPLPUSH included (replyToBlockedClientTimedOut()). */
static void expire(struct worker *w, struct dp_waiter *wt)
{
	struct shard_msg *m = unpark(w, wt);
	rw_buf_reset(&m->reply);
	enum resp_proto proto = m->client.proto == RESP_PROTO_3 ? RESP_PROTO_3 : RESP_PROTO_2;
	resp_w_null_array(&m->reply, proto);
	if (!is_proxy(m)) /* (a proxy's command is counted by its coordinator, dp_xblock.c) */
		cmd_diag_timed_out(&w->sh->env, w->id, m->def);
	answer(w, m, 0);
}

/* Redis 7.0.15's CLIENT UNBLOCK: replyToBlockedClientTimedOut(), or the
 * error addReplyError() writes for "-UNBLOCKED ..." (no -ERR prefix). */
bool dp_block_unblock(struct worker *w, uint64_t id, bool error)
{
	for (struct dp_waiter *wt = w->blk.q.head; wt != NULL; wt = wt->next) {
		struct shard_msg *m = wt->req;
		if (m->client.id != id || is_proxy(m) || local_gone(w, m))
			continue;
		if (!error) {
			expire(w, wt);
		} else {
			unpark(w, wt);
			rw_buf_reset(&m->reply);
			resp_w_error(&m->reply, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
			cmd_diag_error(cmd_diag_of(&w->sh->env), w->id, m->reply.data,
				       m->reply.len);
			answer(w, m, 0);
		}
		publish(w);
		return true;
	}
	return dp_xblock_unblock(w, id, error);
}

unsigned dp_block_poll(struct worker *w)
{
	if (w->blk.q.n == 0)
		return 0;
	unsigned work = 0;
	if (w->blk.pending && !w->blk.serving && w->tx_effects == NULL) {
		serve(w);
		work++;
	}
	for (unsigned i = 0; i < 64; i++) {
		struct dp_waiter *wt = dp_blockq_expired(&w->blk.q, w->now_unix_ms);
		if (wt == NULL)
			break;
		expire(w, wt);
		work++;
	}
	if (work != 0)
		publish(w);
	return work;
}

void dp_block_cancel(struct worker *w, struct shard_msg *m)
{
	for (struct dp_waiter *wt = w->blk.q.head; wt != NULL; wt = wt->next) {
		struct shard_msg *b = wt->req;
		/* a proxy is named by its blocking order, a request by its connection */
		bool match = m->blk_order != 0
				 ? is_proxy(b) && b->blk_order == m->blk_order
				 : !is_proxy(b) && b->src == m->src && b->conn_idx == m->conn_idx &&
				       b->conn_gen == m->slot_seq;
		if (match) {
			unpark(w, wt);
			rw_buf_reset(&b->reply);
			answer(w, b, 0); /* dropped by the requester */
			break;
		}
	}
	publish(w);
	rw_buf_reset(&m->reply);
	answer(w, m, 0);
}

/* A proxy arrives: woken at once if one of its keys has something (then
 * the worker stalls), else parked in its blocking order. One sent back
 * after a wake-up (op 1) also ends the stall that wake-up started. */
static void proxy_in(struct worker *w, struct shard_msg *m)
{
	bool ends_stall = m->op == 1, woken = true;
	uint64_t order = m->blk_order;
	rw_buf_reset(&m->reply);
	if (proxy_ready(w, m)) {
		proxy_wake(w, m); /* keeps the reservation of its last wake-up */
	} else if (dp_blockq_push_at(&w->blk.q, m, 0, m->blk_order) != NULL) {
		w->blk.n_proxy++;
		publish(w);
		woken = false;
	} else {
		proxy_wake(w, m); /* no memory to park: its client tries again */
	}
	if (ends_stall)
		unstall(w);
	if (ends_stall && !woken) /* armed again: nothing to keep for it */
		resv_drop(w, order);
}

void dp_block_msg_in(struct worker *w, struct shard_msg *m)
{
	if (m->kind == SHARD_REPLY) {
		if (is_proxy(m))
			dp_xblock_proxy_home(w, m);
		else
			shard_msg_put(&w->shard, m);
		return;
	}
	if (m->src != w->id)
		w->stats->fwd_received++;
	if (is_proxy(m)) {
		proxy_in(w, m);
		return;
	}
	unstall(w);
	resv_drop(w, m->blk_order); /* its client is done: served, gone, timed out */
	rw_buf_reset(&m->reply);
	answer(w, m, 0);
}

void dp_block_fini(struct worker *w)
{
	/* the parked messages belong to their requesters' pools */
	while (w->blk.q.head != NULL)
		dp_blockq_remove(&w->blk.q, w->blk.q.head);
	free(w->blk.argv);
	w->blk.argv = NULL;
}
