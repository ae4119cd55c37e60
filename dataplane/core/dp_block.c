/*
 * Blocking commands on the worker owning their keys (dp_block.h).
 */
#include "dp_block.h"

#include <stdlib.h>
#include <string.h>

#include "dp_int.h"
#include "dp_tx.h"
#include "worker.h"

const struct cmd_def dp_block_cancel_def = {.name = "block-cancel", .flags = CMD_NOKEYS};

static void publish(struct worker *w)
{
	w->stats->blocked_clients = w->blk.q.n;
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
	if (dp_blockq_push(&w->blk.q, m, w->blk.deadline_ms) == NULL) {
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

/* Try one waiter. @return true if it is answered (and gone from the queue). */
static bool try_waiter(struct worker *w, struct dp_waiter *wt)
{
	struct shard_msg *m = wt->req;
	if (local_gone(w, m)) {
		dp_blockq_remove(&w->blk.q, wt);
		answer(w, m, 0);
		return true;
	}
	if (m->argc > w->blk.argv_cap) {
		struct resp_arg *a = realloc(w->blk.argv, sizeof(*a) * m->argc);
		if (a == NULL)
			return false; /* tried again on the next write */
		w->blk.argv = a;
		w->blk.argv_cap = m->argc;
	}
	shard_msg_unpack(m, w->blk.argv);
	rw_buf_reset(&m->reply);
	w->blk.may = w->blk.retry = true;
	w->blk.would = false;
	uint64_t lsn = dp_run(w, m->def, w->blk.argv, m->argc, &m->client, &m->reply);
	w->blk.may = w->blk.retry = false;
	if (w->blk.would) {
		w->blk.would = false;
		return false;
	}
	dp_blockq_remove(&w->blk.q, wt);
	answer(w, m, lsn);
	return true;
}

/* Passes over the waiters in blocking order until one finds nothing new:
 * a served BLMOVE pushes, and that push may serve a later waiter (or an
 * earlier one: hence another pass). Each pass that continues served one
 * at least, so the passes are bounded by the waiters. */
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
	struct shard_msg *m = dp_blockq_remove(&w->blk.q, wt);
	rw_buf_reset(&m->reply);
	enum resp_proto proto = m->client.proto == RESP_PROTO_3 ? RESP_PROTO_3 : RESP_PROTO_2;
	resp_w_null_array(&m->reply, proto);
	answer(w, m, 0);
}

/* Redis 7.0.15's CLIENT UNBLOCK: replyToBlockedClientTimedOut(), or the
 * error addReplyError() writes for "-UNBLOCKED ..." (no -ERR prefix). */
bool dp_block_unblock(struct worker *w, uint64_t id, bool error)
{
	for (struct dp_waiter *wt = w->blk.q.head; wt != NULL; wt = wt->next) {
		struct shard_msg *m = wt->req;
		if (m->client.id != id || local_gone(w, m))
			continue;
		if (!error) {
			expire(w, wt);
		} else {
			dp_blockq_remove(&w->blk.q, wt);
			rw_buf_reset(&m->reply);
			resp_w_error(&m->reply, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
			answer(w, m, 0);
		}
		publish(w);
		return true;
	}
	return false;
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
		if (b->src == m->src && b->conn_idx == m->conn_idx && b->conn_gen == m->slot_seq) {
			dp_blockq_remove(&w->blk.q, wt);
			answer(w, b, 0); /* dropped by the requester: the connection is gone */
			break;
		}
	}
	publish(w);
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
