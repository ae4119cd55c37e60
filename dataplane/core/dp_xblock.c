/*
 * Blocking commands over keys of several workers: the client's side
 * (dp_xblock.h has the protocol; the proxies' side is in dp_block.c).
 *
 * Context: the worker lcore owning the client's connection.
 */
#include "cmd_diag.h"
#include "dp_xblock.h"

#include <stdlib.h>
#include <string.h>

#include "dp_block.h"
#include "dp_int.h"
#include "dp_tx.h"
#include "dp_tx_int.h"
#include "worker.h"

struct dp_xblock {
	struct dp_xblock *next, *prev;
	uint32_t conn_idx, conn_gen;
	uint64_t slot_seq;
	const struct cmd_def *d;
	struct cmd_client cc; /* as it was when the command came */
	struct rw_buf args;   /* the arguments' bytes, end to end (argv points in) */
	struct resp_arg *argv;
	uint32_t argc;
	uint64_t deadline_ms;	 /* unix ms; 0: forever */
	uint64_t order;		 /* global blocking order; 0 until it first blocks */
	uint64_t parked;	 /* workers holding a proxy of it (bit per worker) */
	struct shard_msg *woken; /* proxies home ":1" whose worker stalls for it */
	enum dp_xb_outcome outcome;
	bool retrying;	 /* an attempt is in flight */
	bool counted;	 /* in blocked_clients: its first attempt found nothing */
	bool gone;	 /* the connection went away */
	uint8_t unblock; /* CLIENT UNBLOCK: 1 TIMEOUT, 2 ERROR */
};

static void xb_link(struct worker *w, struct dp_xblock *xb)
{
	xb->prev = NULL;
	xb->next = w->xblk_head;
	if (w->xblk_head != NULL)
		w->xblk_head->prev = xb;
	w->xblk_head = xb;
}

static void xb_free(struct worker *w, struct dp_xblock *xb)
{
	if (xb->prev != NULL)
		xb->prev->next = xb->next;
	else
		w->xblk_head = xb->next;
	if (xb->next != NULL)
		xb->next->prev = xb->prev;
	if (xb->counted) {
		w->blk.n_x--;
		dp_block_publish(w);
	}
	rw_buf_fini(&xb->args);
	free(xb->argv);
	free(xb);
}

/* The keys the client waits on: BLMOVE's and BRPOPLPUSH's source, the
 * numkeys keys of BLMPOP/BZMPOP, every key of BLPOP/BRPOP/BZPOPMIN/MAX. */
static void wait_keys(const struct dp_xblock *xb, uint32_t *first, uint32_t *n)
{
	const char *name = xb->d->name;
	*first = 1;
	*n = xb->argc >= 2 ? xb->argc - 2 : 0;
	if (strcmp(name, "blmove") == 0 || strcmp(name, "brpoplpush") == 0) {
		*n = 1;
	} else if (strcmp(name, "blmpop") == 0 || strcmp(name, "bzmpop") == 0) {
		int64_t nk = 0;
		*first = 3;
		*n = 0;
		if (xb->argc > 3 && resp_str_to_i64(xb->argv[2].ptr, xb->argv[2].len, &nk) &&
		    nk > 0 && (uint64_t)nk <= xb->argc - 3)
			*n = (uint32_t)nk;
	}
}

static uint64_t wait_owners(const struct worker *w, const struct dp_xblock *xb)
{
	uint32_t first, n;
	wait_keys(xb, &first, &n);
	uint64_t owners = 0;
	for (uint32_t i = first; i < first + n; i++)
		owners |= 1ull << shard_of_key(xb->argv[i].ptr, xb->argv[i].len, w->sh->n_workers);
	return owners;
}

/* A message to worker @p s about @p xb (a proxy, a cancel, an unstall). */
static void xb_msg(struct worker *w, const struct dp_xblock *xb, struct shard_msg *m, uint32_t s,
		   const struct cmd_def *d)
{
	m->kind = SHARD_REQ;
	m->src = (uint16_t)w->id;
	m->dst = (uint16_t)s;
	m->conn_idx = xb->conn_idx;
	m->conn_gen = xb->conn_gen;
	m->slot_seq = 0;
	m->client = xb->cc;
	m->def = d;
	m->op = 0;
	m->blk_order = xb->order;
}

/* A proxy for worker @p s: "l" or "z", then the waited keys it owns. */
static int proxy_pack(struct worker *w, const struct dp_xblock *xb, struct shard_msg *m, uint32_t s)
{
	uint32_t first, n;
	wait_keys(xb, &first, &n);
	struct resp_arg *sub = malloc(sizeof(*sub) * (n + 1));
	if (sub == NULL)
		return -1;
	static uint8_t kinds[] = "lz";
	sub[0] = (struct resp_arg){.ptr = &kinds[xb->d->name[1] == 'z'], .len = 1};
	uint32_t k = 1;
	for (uint32_t i = first; i < first + n; i++)
		if (shard_of_key(xb->argv[i].ptr, xb->argv[i].len, w->sh->n_workers) == s)
			sub[k++] = xb->argv[i];
	int rc = shard_msg_pack(m, sub, k);
	free(sub);
	return rc;
}

/* Every woken proxy's worker serves its next waiters again. */
static void unstall_all(struct worker *w, struct dp_xblock *xb)
{
	while (xb->woken != NULL) {
		struct shard_msg *m = xb->woken;
		xb->woken = m->next;
		uint32_t s = m->dst;
		xb_msg(w, xb, m, s, &dp_block_unstall_def);
		shard_msg_pack(m, NULL, 0);
		dp_msg_send(w, m);
	}
}

/* The parked proxies are dropped; a cancel that cannot be sent only costs
 * a wake-up later, answered by an unstall (dp_xblock_proxy_home). */
static void cancel_parked(struct worker *w, struct dp_xblock *xb)
{
	for (uint32_t s = 0; s < w->sh->n_workers; s++) {
		if (!(xb->parked & (1ull << s)))
			continue;
		struct shard_msg *m = shard_msg_get(&w->shard);
		if (m == NULL || shard_msg_pack(m, NULL, 0) != 0) {
			if (m != NULL)
				shard_msg_put(&w->shard, m);
			continue;
		}
		xb_msg(w, xb, m, s, &dp_block_cancel_def);
		m->conn_gen = ~xb->conn_gen; /* its answer is dropped (dp_client.c reply_in) */
		dp_msg_send(w, m);
	}
	xb->parked = 0;
}

/* The client's reply goes in its slot; the blocked client runs on. */
static void deliver(struct worker *w, struct dp_xblock *xb, const void *p, size_t n, uint64_t lsn)
{
	struct dp_client *cl = &w->clients[xb->conn_idx];
	if (xb->gone || cl->tcp == NULL || cl->gen != xb->conn_gen)
		return;
	cl->blocking = false;
	cl->xblk = NULL;
	struct dp_slot *slot = &cl->slots[xb->slot_seq % DP_SLOTS];
	dp_hold_slot(w, cl, slot, xb->slot_seq, lsn);
	dp_slot_absorb(slot, w->id, p, n);
	dp_drain_slots(w, cl);
}

/* The end of a blocked client: its proxies dropped, its stalls ended. */
static void xb_end(struct worker *w, struct dp_xblock *xb)
{
	cancel_parked(w, xb);
	unstall_all(w, xb);
	xb_free(w, xb);
}

/* Redis 7.0.15's replyToBlockedClientTimedOut(): a null array for all of
 * them; or CLIENT UNBLOCK ... ERROR's error. */
static void end_unblocked(struct worker *w, struct dp_xblock *xb, bool error)
{
	struct rw_buf b = {0};
	if (error) {
		resp_w_error(&b, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
		cmd_diag_error(cmd_diag_of(&w->sh->env), w->id, b.data, b.len);
	} else {
		resp_w_null_array(&b, xb->cc.proto == RESP_PROTO_3 ? RESP_PROTO_3 : RESP_PROTO_2);
		cmd_diag_timed_out(&w->sh->env, w->id, xb->d);
	}
	deliver(w, xb, b.data, b.len, 0);
	rw_buf_fini(&b);
	xb_end(w, xb);
}

static void attempt(struct worker *w, struct dp_xblock *xb)
{
	struct dp_client *cl = &w->clients[xb->conn_idx];
	xb->retrying = true;
	xb->outcome = DP_XB_NONE;
	if (!dp_tx_block_try(w, cl, xb, xb->d, xb->argv, xb->argc, &xb->cc))
		dp_xblock_failed(w, xb);
}

void dp_xblock_start(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		     const struct resp_arg *argv, uint32_t argc)
{
	struct dp_xblock *xb = calloc(1, sizeof(*xb));
	if (xb != NULL)
		xb->argv = malloc(sizeof(*xb->argv) * argc);
	size_t need = 0;
	for (uint32_t i = 0; i < argc; i++)
		need += argv[i].len;
	if (xb == NULL || xb->argv == NULL || rw_buf_reserve(&xb->args, need + 1) != 0) {
		if (xb != NULL) {
			rw_buf_fini(&xb->args);
			free(xb->argv);
			free(xb);
		}
		resp_w_error(dp_reply_target(w, cl), "ERR out of memory");
		return;
	}
	for (uint32_t i = 0; i < argc; i++) { /* the buffer does not move: reserved */
		xb->argv[i] =
		    (struct resp_arg){.ptr = xb->args.data + xb->args.len, .len = argv[i].len};
		rw_buf_append(&xb->args, argv[i].ptr, argv[i].len);
	}
	xb->argc = argc;
	xb->d = d;
	xb->cc = cl->cc;
	xb->conn_idx = cl->tcp->idx;
	xb->conn_gen = cl->gen;
	xb->slot_seq = cl->slot_tail;
	struct dp_slot *slot = dp_slot_multi(w, cl, DP_AGG_NONE);
	if (slot == NULL) {
		rw_buf_fini(&xb->args);
		free(xb->argv);
		free(xb);
		return;
	}
	dp_slot_expect(slot);
	dp_slot_release(slot);
	xb_link(w, xb);
	cl->blocking = true; /* a blocked Redis client runs nothing else */
	cl->blk_owner = (uint16_t)w->id;
	cl->blk_seq = xb->slot_seq;
	cl->xblk = xb;
	attempt(w, xb);
}

void dp_xblock_gone(struct worker *w, struct dp_client *cl)
{
	struct dp_xblock *xb = cl->xblk;
	cl->xblk = NULL;
	if (xb == NULL)
		return;
	xb->gone = true;
	if (!xb->retrying)
		xb_end(w, xb);
}

static struct dp_xblock *find_order(struct worker *w, uint64_t order)
{
	for (struct dp_xblock *xb = w->xblk_head; xb != NULL; xb = xb->next)
		if (order != 0 && xb->order == order)
			return xb;
	return NULL;
}

void dp_xblock_proxy_home(struct worker *w, struct shard_msg *m)
{
	bool woken = m->reply.len > 0 && m->reply.data[0] == ':';
	uint32_t s = m->dst;
	if (!woken) { /* dropped (cancelled, or its client's connection went away) */
		shard_msg_put(&w->shard, m);
		return;
	}
	struct dp_xblock *xb = find_order(w, m->blk_order);
	if (xb == NULL) {
		/* its client was served, timed out or went: that worker goes on */
		struct dp_xblock none = {.order = m->blk_order};
		xb_msg(w, &none, m, s, &dp_block_unstall_def);
		shard_msg_pack(m, NULL, 0);
		dp_msg_send(w, m);
		return;
	}
	/* Kept until the attempt is over, even one that already served: that
	 * worker must not serve its next waiter before the attempt's write-back
	 * of the key has landed there (it would pop the same element). */
	xb->parked &= ~(1ull << s);
	m->next = xb->woken;
	xb->woken = m;
	if (!xb->retrying)
		attempt(w, xb);
}

bool dp_xblock_unblock(struct worker *w, uint64_t id, bool error)
{
	for (struct dp_xblock *xb = w->xblk_head; xb != NULL; xb = xb->next) {
		/* not blocked yet (its first attempt runs) or already served */
		if (xb->cc.id != id || xb->order == 0 || xb->gone || xb->unblock != 0 ||
		    xb->outcome == DP_XB_SERVED)
			continue;
		if (xb->retrying) { /* its attempt will not run: answered at its end */
			xb->unblock = error ? 2 : 1;
			return true;
		}
		end_unblocked(w, xb, error);
		return true;
	}
	return false;
}

unsigned dp_xblock_poll(struct worker *w)
{
	unsigned work = 0;
	struct dp_xblock *xb = w->xblk_head;
	while (xb != NULL && work < 64) {
		struct dp_xblock *next = xb->next;
		if (!xb->retrying && xb->deadline_ms != 0 && xb->deadline_ms <= w->now_unix_ms) {
			end_unblocked(w, xb, false);
			work++;
		}
		xb = next;
	}
	return work;
}

void dp_xblock_fini(struct worker *w)
{
	while (w->xblk_head != NULL) {
		struct dp_xblock *xb = w->xblk_head;
		while (xb->woken != NULL) {
			struct shard_msg *m = xb->woken;
			xb->woken = m->next;
			shard_msg_put(&w->shard, m);
		}
		xb_free(w, xb);
	}
}

bool dp_xblock_may_run(const struct dp_xblock *xb)
{
	return !xb->gone && xb->unblock == 0;
}

uint64_t dp_xblock_order(const struct dp_xblock *xb)
{
	return xb->order;
}

bool dp_xblock_retry(const struct dp_xblock *xb)
{
	return xb->order != 0;
}

void dp_xblock_ran(struct worker *w, struct dp_xblock *xb, enum dp_xb_outcome o,
		   uint64_t deadline_ms)
{
	xb->outcome = o;
	if (o == DP_XB_BLOCKED && xb->order == 0) { /* it blocks now: its place in line */
		xb->order =
		    atomic_fetch_add_explicit(&w->sh->next_block_order, 1, memory_order_relaxed) +
		    1;
		xb->deadline_ms = deadline_ms;
		/* INFO's blocked_clients counts it from now, as Redis counts a
		 * client once blockForKeys() ran (its proxies leave before the
		 * attempt's RELEASE, in this same step) */
		xb->counted = true;
		w->blk.n_x++;
		dp_block_publish(w);
	}
}

uint64_t dp_xblock_slot(const struct dp_xblock *xb)
{
	return xb->slot_seq;
}

static bool timed_out(const struct worker *w, const struct dp_xblock *xb)
{
	return xb->deadline_ms != 0 && xb->deadline_ms <= w->now_unix_ms;
}

/* Still nothing: a proxy to each worker of a waited key that holds none
 * (all of them the first time; the woken ones after a retry, which go back
 * armed to end their stall too). Sent before the attempt's RELEASE. */
void dp_xblock_before_release(struct worker *w, struct dp_xblock *xb)
{
	if (xb->outcome != DP_XB_BLOCKED || !dp_xblock_may_run(xb) || timed_out(w, xb))
		return;
	uint64_t owners = wait_owners(w, xb) & ~xb->parked;
	for (uint32_t s = 0; s < w->sh->n_workers; s++) {
		if (!(owners & (1ull << s)))
			continue;
		struct shard_msg *m = NULL, **pp = &xb->woken;
		for (; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->dst == s) {
				m = *pp;
				*pp = m->next;
				break;
			}
		bool ends_stall = m != NULL;
		if (m == NULL)
			m = shard_msg_get(&w->shard);
		if (m == NULL || proxy_pack(w, xb, m, s) != 0) {
			if (m != NULL && ends_stall) { /* keep it: the stall still ends */
				m->next = xb->woken;
				xb->woken = m;
			} else if (m != NULL) {
				shard_msg_put(&w->shard, m);
			}
			xb->outcome = DP_XB_SERVED; /* an error ends the wait (finish) */
			return;
		}
		xb_msg(w, xb, m, s, &dp_block_proxy_def);
		m->op = ends_stall ? 1 : 0;
		xb->parked |= 1ull << s;
		dp_msg_send(w, m);
	}
}

void dp_xblock_finish(struct worker *w, struct dp_xblock *xb, const struct rw_buf *reply,
		      uint64_t lsn, int64_t us)
{
	xb->retrying = false;
	if (xb->gone) {
		xb_end(w, xb);
		return;
	}
	if (xb->unblock != 0) {
		end_unblocked(w, xb, xb->unblock == 2);
		return;
	}
	switch (xb->outcome) {
	case DP_XB_BLOCKED:
		if (timed_out(w, xb)) {
			end_unblocked(w, xb, false);
		} else if (xb->woken != NULL) {
			attempt(w, xb); /* woken while it ran: another look */
		}
		return;
	case DP_XB_SERVED:
		if (reply->len > 0) {
			bool err = reply->data[0] == '-';
			dp_tx_record(w, &xb->cc, xb->cc.db, xb->d, xb->argv, xb->argc, us,
				     err ? reply->data : NULL, err ? reply->len : 0);
			deliver(w, xb, reply->data, reply->len, lsn);
		} else {
			static const char oom[] = "-ERR out of memory blocking the client\r\n";
			deliver(w, xb, oom, sizeof(oom) - 1, 0);
		}
		xb_end(w, xb);
		return;
	default:
		end_unblocked(w, xb, false);
		return;
	}
}

void dp_xblock_failed(struct worker *w, struct dp_xblock *xb)
{
	static const char oom[] = "-ERR out of memory\r\n";
	xb->retrying = false;
	deliver(w, xb, oom, sizeof(oom) - 1, 0);
	xb_end(w, xb);
}
