/*
 * Pub/sub across workers: subscriptions, PUBLISH fan-out, PUBSUB queries,
 * keyspace notifications and the pubsub output-buffer limit (PUBSUB.md).
 *
 * A worker holds the subscriptions of its own connections only. PUBLISH
 * and SPUBLISH deliver here at once and go, as one SHARD_PUBSUB message per
 * worker that holds any subscription (its published `any` counter), over
 * the per-pair rings; each worker delivers to its subscribers and answers
 * its count, and the publisher's reply slot sums them (DP_AGG_SUM). A ring
 * is FIFO and a publisher's commands run in order on its own worker, so
 * every subscriber, wherever it sits, sees one publisher's messages in
 * publish order. PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARD* gather every worker's
 * part (same messages, op QUERY) and merge them on the asking worker.
 * Keyspace notifications are raised in dp_notify.c and published here.
 *
 * Context: the owning worker lcore.
 */
#include "dp_pubsub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "dp_int.h"
#include "dp_tx.h"
#include "dp_tx_int.h"
#include "store.h"
#include "worker.h"

enum ps_op { PS_OP_PUBLISH = 1, PS_OP_NOTIFY = 2, PS_OP_QUERY = 3, PS_OP_REG = 4 };
enum ps_query { PS_Q_CHANNELS, PS_Q_SHARDCHANNELS, PS_Q_NUMPAT, PS_Q_NUMSUB, PS_Q_SHARDNUMSUB };

/* A PUBSUB query waiting for the other workers' parts. */
struct ps_gather {
	uint32_t conn_idx, gen;
	uint64_t slot_seq;
	uint32_t left;
	enum ps_query q;
	uint32_t nargs;	   /* NUMSUB: channels asked */
	struct rw_buf acc; /* entries: u32 len, name, u64 count */
};

static struct dp_pubsub *ps_of(struct worker *w)
{
	return w->ps;
}

/* ---- delivery ---- */

/* Where a push to @p cl goes: after its pending replies (a slot) when it
 * has some, else its send buffer. */
static struct rw_buf *push_target(struct worker *w, struct dp_client *cl)
{
	if (cl->slot_tail - cl->slot_head >= DP_SLOTS - 2) {
		tcp_output_mark(&w->tcp, cl->tcp);
		return &cl->tcp->snd;
	}
	return dp_reply_target(w, cl);
}

/* client-output-buffer-limit pubsub: the hard limit at once, the soft one
 * when exceeded for longer than its seconds (checkClientOutputBufferLimits). */
static void limit_check(struct worker *w, struct dp_client *cl)
{
	struct dp_ps_client *pc = cl->ps;
	if (pc == NULL || !pc->flag || pc->doomed)
		return;
	uint64_t hard, soft, secs;
	cmd_cfg_pubsub_limit(&w->sh->env, &hard, &soft, &secs);
	uint64_t used = cl->tcp->snd.len - cl->tcp->snd_off;
	for (uint64_t s = cl->slot_head; s != cl->slot_tail; s++)
		used += cl->slots[s % DP_SLOTS].buf.len;
	bool over = hard != 0 && used >= hard;
	if (soft != 0 && used >= soft) {
		if (pc->soft_since_us == 0)
			pc->soft_since_us = w->now_us;
		else if (w->now_us - pc->soft_since_us > secs * 1000000u)
			over = true;
	} else {
		pc->soft_since_us = 0;
	}
	if (!over)
		return;
	struct dp_pubsub *ps = ps_of(w);
	if (ps->n_kill == ps->kill_cap) {
		uint32_t cap = ps->kill_cap ? ps->kill_cap * 2 : 16;
		struct dp_ps_kill *k = realloc(ps->kill, cap * sizeof(*k));
		if (k == NULL)
			return; /* retried at the next delivery */
		ps->kill = k;
		ps->kill_cap = cap;
	}
	pc->doomed = true;
	ps->kill[ps->n_kill++] = (struct dp_ps_kill){cl->tcp->idx, cl->gen};
	rw_logring_put(&w->log, RW_LOG_WARN, "dp.pubsub",
		       "client=%llu closed: over the pubsub output buffer limit (%llu bytes)",
		       (unsigned long long)cl->cc.id, (unsigned long long)used);
}

struct deliver {
	struct worker *w;
	const char *kind; /* "message", "smessage", "pmessage" */
	const uint8_t *ch, *msg;
	size_t clen, mlen;
	uint64_t n;
};

static void deliver_ent(void *arg, const struct cmd_ps_ent *e)
{
	struct deliver *d = arg;
	bool pat = d->kind[0] == 'p';
	for (uint32_t i = 0; i < e->n; i++) {
		struct dp_client *cl = &d->w->clients[e->conns[i]];
		d->n++; /* Redis counts every receiver it writes to */
		if (cl->tcp == NULL || cl->ps == NULL || cl->ps->doomed)
			continue;
		cmd_pubsub_w_msg(push_target(d->w, cl), cl->cc.proto, d->kind, pat ? e->name : NULL,
				 e->len, d->ch, d->clen, d->msg, d->mlen);
		limit_check(d->w, cl);
	}
}

/* Deliver to this worker's subscribers. @return the receivers. */
static uint64_t deliver_local(struct worker *w, enum cmd_ps_kind kind, const uint8_t *ch,
			      size_t clen, const uint8_t *msg, size_t mlen)
{
	struct dp_pubsub *ps = ps_of(w);
	struct deliver d = {w, kind == CMD_PS_SHARD ? "smessage" : "message", ch, msg, clen, mlen,
			    0};
	if (atomic_load_explicit(&ps->any, memory_order_relaxed) == 0)
		return 0;
	struct cmd_ps_ent *e = cmd_ps_find(&ps->tab[kind], ch, clen);
	if (e != NULL)
		deliver_ent(&d, e);
	if (kind == CMD_PS_CHAN && ps->tab[CMD_PS_PAT].n != 0) {
		d.kind = "pmessage";
		cmd_ps_match(&ps->tab[CMD_PS_PAT], ch, clen, deliver_ent, &d);
	}
	return d.n;
}

/* Send one message to worker @p to. @return false: no memory. */
static struct shard_msg *msg_to(struct worker *w, uint32_t to, uint8_t op, uint32_t kind,
				const struct resp_arg *argv, uint32_t argc)
{
	struct shard_msg *m = shard_msg_get(&w->shard);
	if (m == NULL)
		return NULL;
	if (shard_msg_pack(m, argv, argc) != 0) {
		shard_msg_put(&w->shard, m);
		return NULL;
	}
	m->kind = SHARD_PUBSUB;
	m->dst = (uint16_t)to;
	m->op = op;
	m->epoch = kind;
	m->tx = NULL;
	m->conn_idx = UINT32_MAX;
	return m;
}

static bool worker_has_subs(const struct worker *w, uint32_t i)
{
	return atomic_load_explicit(&w->sh->workers[i].ps->any, memory_order_relaxed) != 0;
}

/* A notification: delivered here and on every worker with subscriptions. */
void dp_pubsub_publish_uncounted(struct worker *w, const uint8_t *ch, size_t clen,
				 const uint8_t *msg, size_t mlen)
{
	if (w->ps_hold != NULL) { /* a part of a cross-worker EXEC: published by its coordinator */
		uint32_t cl32 = (uint32_t)clen, ml32 = (uint32_t)mlen;
		rw_buf_append(w->ps_hold, &cl32, 4);
		rw_buf_append(w->ps_hold, ch, clen);
		rw_buf_append(w->ps_hold, &ml32, 4);
		rw_buf_append(w->ps_hold, msg, mlen);
		return;
	}
	deliver_local(w, CMD_PS_CHAN, ch, clen, msg, mlen);
	struct resp_arg a[2] = {{(uint8_t *)ch, (uint32_t)clen}, {(uint8_t *)msg, (uint32_t)mlen}};
	for (uint32_t i = 0; i < w->sh->n_workers; i++) {
		if (i == w->id || !worker_has_subs(w, i))
			continue;
		struct shard_msg *m = msg_to(w, i, PS_OP_NOTIFY, CMD_PS_CHAN, a, 2);
		if (m == NULL)
			continue; /* out of memory: the notification is lost, as a full buffer */
		ps_of(w)->msgs_out++;
		shard_send(&w->shard, m);
	}
}

void dp_pubsub_publish_held(struct worker *w, const uint8_t *p, size_t n)
{
	for (size_t off = 0; off + 8 <= n;) {
		uint32_t clen, mlen;
		memcpy(&clen, p + off, 4);
		const uint8_t *ch = p + off + 4;
		memcpy(&mlen, ch + clen, 4);
		const uint8_t *msg = ch + clen + 4;
		off += 8 + (size_t)clen + mlen;
		dp_pubsub_publish_uncounted(w, ch, clen, msg, mlen);
	}
}

/* PUBLISH / SPUBLISH: the reply is the sum of every worker's receivers. */
static void publish(struct worker *w, struct dp_client *cl, enum cmd_ps_kind kind,
		    const struct resp_arg *argv)
{
	uint64_t n = deliver_local(w, kind, argv[1].ptr, argv[1].len, argv[2].ptr, argv[2].len);
	uint32_t targets = 0;
	for (uint32_t i = 0; i < w->sh->n_workers; i++)
		targets += i != w->id && worker_has_subs(w, i);
	if (targets == 0) {
		resp_w_int(dp_reply_target(w, cl), (int64_t)n);
		return;
	}
	uint64_t seq = cl->slot_tail;
	struct dp_slot *slot = dp_slot_multi(w, cl, DP_AGG_SUM);
	if (slot == NULL)
		return;
	char num[32];
	int k = snprintf(num, sizeof(num), ":%llu\r\n", (unsigned long long)n);
	dp_slot_expect(slot);
	dp_slot_absorb(slot, w->id, (const uint8_t *)num, (size_t)k);
	for (uint32_t i = 0; i < w->sh->n_workers; i++) {
		if (i == w->id || !worker_has_subs(w, i))
			continue;
		dp_slot_expect(slot);
		struct shard_msg *m = msg_to(w, i, PS_OP_PUBLISH, kind, argv + 1, 2);
		if (m == NULL) {
			dp_slot_fail(slot, "-ERR out of memory publishing the message\r\n");
			dp_slot_release(slot);
			continue;
		}
		m->conn_idx = cl->tcp->idx;
		m->conn_gen = cl->gen;
		m->slot_seq = seq;
		ps_of(w)->msgs_out++;
		shard_send(&w->shard, m);
	}
	dp_slot_release(slot);
}

/* ---- subscriptions ---- */

static struct dp_ps_client *client_ps(struct dp_client *cl)
{
	if (cl->ps == NULL)
		cl->ps = calloc(1, sizeof(*cl->ps));
	return cl->ps;
}

/* The count a confirmation shows: shard channels apart, as Redis. */
static int64_t sub_count(const struct dp_ps_client *pc, enum cmd_ps_kind k)
{
	if (k == CMD_PS_SHARD)
		return pc->subs.n[CMD_PS_SHARD];
	return pc->subs.n[CMD_PS_CHAN] + pc->subs.n[CMD_PS_PAT];
}

/* ---- the name registry (INFO's pubsub_channels, pubsub_patterns) ----
 *
 * Redis counts distinct names; here a name's subscribers may sit on several
 * workers. The worker owning the name's key slot keeps a count of the
 * workers with local subscribers: a worker registers a name when its first
 * local subscriber comes and unregisters it when its last goes (one
 * message; FIFO per pair, so a name's +1 and -1 from one worker arrive in
 * order). Each worker publishes how many names it owns; INFO sums them.
 * A (P|S)SUBSCRIBE or (P|S)UNSUBSCRIBE reply waits for the owners' acks, so
 * INFO after a confirmation already counts it. */

struct reg_hold {
	struct dp_slot *slot; /* NULL: nothing waits (a client going away) */
	uint64_t seq;
	uint32_t conn_idx, gen;
};

static void reg_apply(struct dp_pubsub *ps, enum cmd_ps_kind k, const void *name, size_t len,
		      int delta)
{
	cmd_ps_ref(&ps->reg[k], name, len, delta);
	atomic_store_explicit(&ps->names[k], ps->reg[k].n, memory_order_relaxed);
}

static void reg_change(struct worker *w, enum cmd_ps_kind k, const void *name, size_t len,
		       int delta, struct reg_hold *h)
{
	uint32_t owner = shard_of_key(name, len, w->sh->n_workers);
	if (owner == w->id) {
		reg_apply(ps_of(w), k, name, len, delta);
		return;
	}
	struct resp_arg a = {(uint8_t *)name, (uint32_t)len};
	struct shard_msg *m = msg_to(w, owner, PS_OP_REG, k, &a, 1);
	if (m == NULL)
		return; /* out of memory: INFO's count drifts, nothing else */
	m->all = delta > 0;
	if (h != NULL && h->slot != NULL) {
		dp_slot_expect(h->slot);
		m->conn_idx = h->conn_idx;
		m->conn_gen = h->gen;
		m->slot_seq = h->seq;
	}
	shard_send(&w->shard, m);
}

/* Where a (un)subscribe writes its confirmations: a slot held until the
 * owners acknowledged, with several workers. @return NULL if no memory (an
 * error reply took the slot). */
static struct rw_buf *hold_begin(struct worker *w, struct dp_client *cl, struct reg_hold *h)
{
	*h = (struct reg_hold){0};
	if (w->sh->n_workers == 1)
		return dp_reply_target(w, cl);
	h->seq = cl->slot_tail;
	h->slot = dp_slot_multi(w, cl, DP_AGG_NONE);
	h->conn_idx = cl->tcp->idx;
	h->gen = cl->gen;
	return h->slot != NULL ? &h->slot->buf : NULL;
}

static void hold_end(struct reg_hold *h)
{
	if (h->slot != NULL)
		dp_slot_release(h->slot);
}

static void subscribe(struct worker *w, struct dp_client *cl, enum cmd_ps_kind k,
		      const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc)
{
	struct reg_hold h;
	struct rw_buf *out = hold_begin(w, cl, &h);
	struct dp_ps_client *pc = client_ps(cl);
	struct dp_pubsub *ps = ps_of(w);
	if (out == NULL)
		return;
	if (pc == NULL) {
		resp_w_error(out, "ERR out of memory");
		hold_end(&h);
		return;
	}
	for (uint32_t j = 1; j < argc; j++) {
		int rc = cmd_ps_subscribe(&ps->tab[k], &pc->subs, k, cl->tcp->idx, argv[j].ptr,
					  argv[j].len);
		if (rc < 0) {
			resp_w_error(out, "ERR out of memory");
			break;
		}
		if (rc == 1) {
			atomic_fetch_add_explicit(&ps->any, 1, memory_order_relaxed);
			if (cmd_ps_find(&ps->tab[k], argv[j].ptr, argv[j].len)->n == 1)
				reg_change(w, k, argv[j].ptr, argv[j].len, 1, &h);
		}
		pc->flag = true;
		cmd_pubsub_w_ack(out, cl->cc.proto, d->name, argv[j].ptr, argv[j].len,
				 sub_count(pc, k));
	}
	hold_end(&h);
}

static void unsub_one(struct worker *w, struct dp_client *cl, enum cmd_ps_kind k, const void *name,
		      size_t len, struct reg_hold *h)
{
	struct dp_pubsub *ps = ps_of(w);
	const struct cmd_ps_ent *e = cmd_ps_find(&ps->tab[k], name, len);
	/* the last local subscriber: unregister while the name is still ours */
	if (e != NULL && e->n == 1 && e->conns[0] == cl->tcp->idx)
		reg_change(w, k, name, len, -1, h);
	if (cmd_ps_unsubscribe(&ps->tab[k], &cl->ps->subs, k, cl->tcp->idx, name, len) == 1)
		atomic_fetch_sub_explicit(&ps->any, 1, memory_order_relaxed);
}

static void unsubscribe(struct worker *w, struct dp_client *cl, enum cmd_ps_kind k,
			const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc)
{
	struct reg_hold h;
	struct rw_buf *out = hold_begin(w, cl, &h);
	struct dp_ps_client *pc = client_ps(cl);
	if (out == NULL)
		return;
	if (pc == NULL) {
		resp_w_error(out, "ERR out of memory");
		hold_end(&h);
		return;
	}
	if (argc == 1) {
		if (pc->subs.n[k] == 0)
			cmd_pubsub_w_ack(out, cl->cc.proto, d->name, NULL, 0, sub_count(pc, k));
		while (pc->subs.n[k] != 0) {
			const struct cmd_ps_ent *e = pc->subs.list[k][0];
			cmd_pubsub_w_ack(out, cl->cc.proto, d->name, e->name, e->len,
					 sub_count(pc, k) - 1);
			unsub_one(w, cl, k, e->name, e->len, &h);
		}
	} else {
		for (uint32_t j = 1; j < argc; j++) {
			unsub_one(w, cl, k, argv[j].ptr, argv[j].len, &h);
			cmd_pubsub_w_ack(out, cl->cc.proto, d->name, argv[j].ptr, argv[j].len,
					 sub_count(pc, k));
		}
	}
	/* subscribed mode ends when no channel, pattern or shard channel is left */
	if (pc->subs.n[CMD_PS_CHAN] + pc->subs.n[CMD_PS_PAT] + pc->subs.n[CMD_PS_SHARD] == 0)
		pc->flag = false;
	hold_end(&h);
}

void dp_pubsub_client_gone(struct worker *w, struct dp_client *cl)
{
	struct dp_ps_client *pc = cl->ps;
	if (pc == NULL)
		return;
	if (cl->tcp != NULL)
		for (int k = 0; k < CMD_PS_KINDS; k++) {
			while (pc->subs.n[k] != 0) {
				const struct cmd_ps_ent *e = pc->subs.list[k][0];
				unsub_one(w, cl, (enum cmd_ps_kind)k, e->name, e->len, NULL);
			}
		}
	cmd_ps_client_fini(&pc->subs);
	free(pc);
	cl->ps = NULL;
}

/* ---- PUBSUB queries ---- */

static void acc_put(struct rw_buf *b, const void *name, uint32_t len, uint64_t count)
{
	rw_buf_append(b, &len, sizeof(len));
	rw_buf_append(b, name, len);
	rw_buf_append(b, &count, sizeof(count));
}

struct query_ctx {
	struct rw_buf *acc;
	const struct resp_arg *pat; /* NULL: every name */
};

static void query_visit(void *arg, const struct cmd_ps_ent *e)
{
	struct query_ctx *q = arg;
	if (q->pat == NULL || cmd_ps_glob(q->pat->ptr, q->pat->len, e->name, e->len))
		acc_put(q->acc, e->name, e->len, e->n);
}

/* This worker's part of query @p q (argv: the PUBSUB command). */
static void query_local(struct worker *w, enum ps_query q, const struct resp_arg *argv,
			uint32_t argc, struct rw_buf *acc)
{
	struct dp_pubsub *ps = ps_of(w);
	struct query_ctx qc = {acc, argc > 2 ? &argv[2] : NULL};
	switch (q) {
	case PS_Q_CHANNELS:
	case PS_Q_SHARDCHANNELS:
		cmd_ps_foreach(&ps->tab[q == PS_Q_CHANNELS ? CMD_PS_CHAN : CMD_PS_SHARD],
			       query_visit, &qc);
		break;
	case PS_Q_NUMPAT:
		qc.pat = NULL;
		cmd_ps_foreach(&ps->tab[CMD_PS_PAT], query_visit, &qc);
		break;
	case PS_Q_NUMSUB:
	case PS_Q_SHARDNUMSUB:
		for (uint32_t j = 2; j < argc; j++) {
			const struct cmd_ps_ent *e =
			    cmd_ps_find(&ps->tab[q == PS_Q_NUMSUB ? CMD_PS_CHAN : CMD_PS_SHARD],
					argv[j].ptr, argv[j].len);
			acc_put(acc, argv[j].ptr, argv[j].len, e != NULL ? e->n : 0);
		}
		break;
	}
}

struct name_ref {
	const uint8_t *p;
	uint32_t len;
	uint64_t count;
};

static int name_cmp(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);
	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* Merge every worker's entries into the reply Redis gives. */
static void query_reply(const struct ps_gather *g, uint8_t proto, struct rw_buf *out)
{
	(void)proto;
	size_t n = 0;
	for (size_t off = 0; off + 4 <= g->acc.len; n++) {
		uint32_t len;
		memcpy(&len, g->acc.data + off, 4);
		off += 4 + len + 8;
	}
	struct name_ref *r = calloc(n ? n : 1, sizeof(*r));
	if (r == NULL) {
		resp_w_error(out, "ERR out of memory");
		return;
	}
	size_t i = 0;
	for (size_t off = 0; off + 4 <= g->acc.len; i++) {
		memcpy(&r[i].len, g->acc.data + off, 4);
		r[i].p = g->acc.data + off + 4;
		memcpy(&r[i].count, g->acc.data + off + 4 + r[i].len, 8);
		off += 4 + r[i].len + 8;
	}
	if (g->q == PS_Q_NUMSUB || g->q == PS_Q_SHARDNUMSUB) {
		/* every worker answered one entry per channel asked, in order */
		resp_w_array(out, (int64_t)g->nargs * 2);
		for (uint32_t j = 0; j < g->nargs; j++) {
			uint64_t sum = 0;
			for (size_t k = j; k < n; k += g->nargs)
				sum += r[k].count;
			resp_w_bulk(out, r[j].p, r[j].len);
			resp_w_int(out, (int64_t)sum);
		}
		free(r);
		return;
	}
	qsort(r, n, sizeof(*r), name_cmp);
	size_t u = 0;
	for (size_t k = 0; k < n; k++)
		if (u == 0 || name_cmp(&r[u - 1], &r[k]) != 0)
			r[u++] = r[k];
	if (g->q == PS_Q_NUMPAT) {
		resp_w_int(out, (int64_t)u);
	} else {
		resp_w_array(out, (int64_t)u);
		for (size_t k = 0; k < u; k++)
			resp_w_bulk(out, r[k].p, r[k].len);
	}
	free(r);
}

static void gather_finish(struct worker *w, struct ps_gather *g)
{
	struct dp_client *cl = &w->clients[g->conn_idx];
	if (cl->tcp != NULL && cl->gen == g->gen) {
		rw_buf_reset(&w->part_buf);
		query_reply(g, cl->cc.proto, &w->part_buf);
		struct dp_slot *slot = &cl->slots[g->slot_seq % DP_SLOTS];
		dp_slot_absorb(slot, w->id, w->part_buf.data, w->part_buf.len);
		dp_drain_slots(w, cl);
	}
	rw_buf_fini(&g->acc);
	free(g);
}

static const char *const pubsub_help[] = {
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: "
    "'*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
};

static void pubsub_cmd(struct worker *w, struct dp_client *cl, const struct resp_arg *argv,
		       uint32_t argc)
{
	enum ps_query q;
	const struct resp_arg *s = &argv[1];
	if (dp_ps_arg_is(s, "help") && argc == 2) {
		struct rw_buf *out = dp_reply_target(w, cl);
		size_t n = sizeof(pubsub_help) / sizeof(pubsub_help[0]);
		resp_w_array(out, (int64_t)n);
		for (size_t i = 0; i < n; i++)
			resp_w_simple(out, pubsub_help[i]);
		return;
	}
	if (dp_ps_arg_is(s, "channels") && argc <= 3)
		q = PS_Q_CHANNELS;
	else if (dp_ps_arg_is(s, "shardchannels") && argc <= 3)
		q = PS_Q_SHARDCHANNELS;
	else if (dp_ps_arg_is(s, "numpat") && argc == 2)
		q = PS_Q_NUMPAT;
	else if (dp_ps_arg_is(s, "numsub"))
		q = PS_Q_NUMSUB;
	else if (dp_ps_arg_is(s, "shardnumsub"))
		q = PS_Q_SHARDNUMSUB;
	else {
		resp_w_errorf(dp_reply_target(w, cl),
			      "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
			      "Try PUBSUB HELP.",
			      (int)(s->len < 128 ? s->len : 128), (const char *)s->ptr);
		return;
	}
	struct ps_gather *g = calloc(1, sizeof(*g));
	if (g == NULL) {
		resp_w_error(dp_reply_target(w, cl), "ERR out of memory");
		return;
	}
	g->q = q;
	g->nargs = argc - 2;
	query_local(w, q, argv, argc, &g->acc);
	uint64_t seq = cl->slot_tail;
	struct dp_slot *slot = dp_slot_multi(w, cl, DP_AGG_NONE);
	if (slot == NULL) {
		rw_buf_fini(&g->acc);
		free(g);
		return;
	}
	dp_slot_expect(slot); /* the merged reply */
	dp_slot_release(slot);
	*g = (struct ps_gather){.conn_idx = cl->tcp->idx,
				.gen = cl->gen,
				.slot_seq = seq,
				.q = q,
				.nargs = argc - 2,
				.acc = g->acc};
	for (uint32_t i = 0; i < w->sh->n_workers; i++) {
		if (i == w->id)
			continue;
		struct shard_msg *m = msg_to(w, i, PS_OP_QUERY, q, argv, argc);
		if (m == NULL)
			continue; /* that worker's part is missing from the answer */
		m->tx = g;
		g->left++;
		shard_send(&w->shard, m);
	}
	if (g->left == 0)
		gather_finish(w, g);
}

/* ---- entry points ---- */

void dp_pubsub_run(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		   const struct resp_arg *argv, uint32_t argc)
{
	const char *n = d->name;
	if (strcmp(n, "publish") == 0)
		publish(w, cl, CMD_PS_CHAN, argv);
	else if (strcmp(n, "spublish") == 0)
		publish(w, cl, CMD_PS_SHARD, argv);
	else if (strcmp(n, "subscribe") == 0)
		subscribe(w, cl, CMD_PS_CHAN, d, argv, argc);
	else if (strcmp(n, "psubscribe") == 0)
		subscribe(w, cl, CMD_PS_PAT, d, argv, argc);
	else if (strcmp(n, "ssubscribe") == 0)
		subscribe(w, cl, CMD_PS_SHARD, d, argv, argc);
	else if (strcmp(n, "unsubscribe") == 0)
		unsubscribe(w, cl, CMD_PS_CHAN, d, argv, argc);
	else if (strcmp(n, "punsubscribe") == 0)
		unsubscribe(w, cl, CMD_PS_PAT, d, argv, argc);
	else if (strcmp(n, "sunsubscribe") == 0)
		unsubscribe(w, cl, CMD_PS_SHARD, d, argv, argc);
	else
		pubsub_cmd(w, cl, argv, argc);
	w->stats->commands++;
}

static bool allowed_subscribed(const char *n)
{
	static const char *const ok[] = {"ping",	 "subscribe",	 "ssubscribe",
					 "unsubscribe",	 "sunsubscribe", "psubscribe",
					 "punsubscribe", "quit",	 "reset"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(n, ok[i]) == 0)
			return true;
	return false;
}

bool dp_pubsub_filter(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		      const struct resp_arg *argv, uint32_t argc)
{
	struct dp_ps_client *pc = cl->ps;
	if (pc == NULL)
		return false;
	if (strcmp(d->name, "reset") == 0) {
		dp_pubsub_client_gone(w, cl); /* clearClientConnectionState() */
		return false;
	}
	if (!pc->flag || cl->cc.proto == RESP_PROTO_3)
		return false;
	if (!allowed_subscribed(d->name)) {
		/* Redis names the subcommand: 'client|list' */
		const char *full = d->name;
		for (uint32_t i = 0; argc > 1 && i < d->n_subcmds; i++) {
			const char *bar = strchr(d->subcmds[i].name, '|');
			if (bar != NULL && dp_ps_arg_is(&argv[1], bar + 1))
				full = d->subcmds[i].name;
		}
		char why[160];
		snprintf(
		    why, sizeof(why),
		    "Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
		    "RESET are allowed in this context",
		    full);
		if (strcmp(d->name, "exec") == 0) { /* rejectCommand(): execCommandAbort() */
			dp_tx_exec_rejected(w, cl, why);
		} else {
			struct rw_buf *b = &w->part_buf;
			rw_buf_reset(b);
			resp_w_errorf(b, "ERR %s", why);
			dp_reject(w, cl, d, argv, argc, b->data, b->len);
		}
		return true;
	}
	if (strcmp(d->name, "ping") == 0 && argc <= 2) {
		uint64_t t0 = rte_rdtsc();
		if (!dp_pubsub_exec_ping(cl, d, argv, argc, dp_reply_target(w, cl)))
			return false;
		dp_tx_record(w, &cl->cc, cl->cc.db, d, (struct resp_arg *)argv, argc,
			     (int64_t)worker_tsc_us(w, rte_rdtsc() - t0), NULL, 0);
		return true;
	}
	return false;
}

bool dp_pubsub_exec_ping(const struct dp_client *cl, const struct cmd_def *d,
			 const struct resp_arg *argv, uint32_t argc, struct rw_buf *out)
{
	if (cl->ps == NULL || !cl->ps->flag || cl->cc.proto == RESP_PROTO_3 ||
	    strcmp(d->name, "ping") != 0 || argc > 2)
		return false;
	/* pingCommand(): a subscribed RESP2 client gets a pong array */
	resp_w_array(out, 2);
	resp_w_bulk(out, "pong", 4);
	if (argc == 2)
		resp_w_bulk(out, argv[1].ptr, argv[1].len);
	else
		resp_w_bulk(out, "", 0);
	return true;
}

void dp_pubsub_msg_in(struct worker *w, struct shard_msg *m)
{
	struct dp_pubsub *ps = ps_of(w);
	if (m->kind == SHARD_PUBSUB) {
		if (m->argc > w->argv_cap && !dp_grow_argv(w, m->argc)) {
			rw_buf_reset(&m->reply); /* no memory: this worker's part is missing */
			if (m->op == PS_OP_PUBLISH || m->op == PS_OP_NOTIFY)
				resp_w_int(&m->reply, 0);
		} else {
			shard_msg_unpack(m, w->argv);
			rw_buf_reset(&m->reply);
			ps->msgs_in++;
			if (m->op == PS_OP_QUERY) {
				query_local(w, (enum ps_query)m->epoch, w->argv, m->argc,
					    &m->reply);
			} else if (m->op == PS_OP_REG) {
				reg_apply(ps, (enum cmd_ps_kind)m->epoch, w->argv[0].ptr,
					  w->argv[0].len, m->all ? 1 : -1);
			} else {
				uint64_t n =
				    deliver_local(w, (enum cmd_ps_kind)m->epoch, w->argv[0].ptr,
						  w->argv[0].len, w->argv[1].ptr, w->argv[1].len);
				resp_w_int(&m->reply, (int64_t)n);
			}
		}
		m->kind = SHARD_PUBSUB_DONE;
		shard_send(&w->shard, m);
		return;
	}
	if (m->op == PS_OP_QUERY) {
		struct ps_gather *g = m->tx;
		rw_buf_append(&g->acc, m->reply.data, m->reply.len);
		if (--g->left == 0)
			gather_finish(w, g);
	} else if (m->op == PS_OP_PUBLISH || (m->op == PS_OP_REG && m->conn_idx != UINT32_MAX)) {
		struct dp_client *cl = &w->clients[m->conn_idx];
		if (cl->tcp != NULL && cl->gen == m->conn_gen) {
			dp_slot_absorb(&cl->slots[m->slot_seq % DP_SLOTS], m->dst, m->reply.data,
				       m->reply.len);
			dp_drain_slots(w, cl);
		}
	}
	shard_msg_put(&w->shard, m);
}

unsigned dp_pubsub_poll(struct worker *w)
{
	struct dp_pubsub *ps = ps_of(w);
	unsigned n = ps->n_kill;
	for (uint32_t i = 0; i < ps->n_kill; i++) {
		struct dp_client *cl = &w->clients[ps->kill[i].conn_idx];
		if (cl->tcp != NULL && cl->gen == ps->kill[i].gen)
			dp_client_kill(w, cl);
	}
	ps->n_kill = 0;
	return n;
}

void dp_pubsub_describe(const struct dp_client *cl, struct cmd_conn_info *out)
{
	const struct dp_ps_client *pc = cl->ps;
	if (pc == NULL)
		return;
	out->sub = pc->subs.n[CMD_PS_CHAN];
	out->psub = pc->subs.n[CMD_PS_PAT];
	out->ssub = pc->subs.n[CMD_PS_SHARD];
	out->pubsub = pc->flag;
}

int dp_pubsub_setup(struct worker *w)
{
	w->ps = calloc(1, sizeof(*w->ps));
	if (w->ps == NULL)
		return -ENOMEM;
	return dp_notify_setup(w);
}

void dp_pubsub_teardown(struct worker *w)
{
	struct dp_pubsub *ps = w->ps;
	if (ps == NULL)
		return;
	for (int k = 0; k < CMD_PS_KINDS; k++) {
		cmd_ps_tab_fini(&ps->tab[k]);
		cmd_ps_tab_fini(&ps->reg[k]);
	}
	free(ps->kill);
	dp_notify_teardown(w);
	free(ps);
	w->ps = NULL;
}
