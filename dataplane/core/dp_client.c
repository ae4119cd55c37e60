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
 * DEL/EXISTS over keys of several workers are split per owner and their
 * integer replies added up in one slot; DBSIZE asks every worker. (Atomic
 * multi-shard transactions arrive with MULTI/EXEC, issue #4.)
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static void client_release(struct dp_client *cl)
{
	for (uint64_t s = cl->slot_head; s != cl->slot_tail; s++) {
		struct dp_slot *slot = &cl->slots[s % DP_SLOTS];
		rw_buf_reset(&slot->buf);
		slot->parts_left = 0;
	}
	cl->slot_head = cl->slot_tail = 0;
	cl->tcp = NULL;
	cl->gen++;
	cl->closing = false;
	cl->paused = false;
}

static void on_accepted(void *arg, struct tcp_conn *c)
{
	struct worker *w = arg;
	struct dp_client *cl = client_of(w, c);
	cl->tcp = c;
	cl->gen++;
	cl->closing = false;
	cl->slot_head = cl->slot_tail = 0;
	cl->cc = (struct cmd_client){
	    .id = ++w->next_client_id * w->sh->n_workers + w->id,
	    .db = 0,
	    .proto = RESP_PROTO_2,
	};
	c->app = cl;
}

static void on_readable(void *arg, struct tcp_conn *c)
{
	mark_ready(arg, c->app);
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

static void maybe_close(struct worker *w, struct dp_client *cl)
{
	if (!cl->closing || cl->slot_head != cl->slot_tail)
		return;
	tcp_close(&w->tcp, cl->tcp);
	client_release(cl);
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
	slot->parts_left = 0;
	slot->sum = false;
	slot->failed = false;
	slot->total = 0;
	return slot;
}

/* Move finished head slots into the send buffer, in order. */
static void drain_slots(struct worker *w, struct dp_client *cl)
{
	while (cl->slot_head != cl->slot_tail) {
		struct dp_slot *slot = &cl->slots[cl->slot_head % DP_SLOTS];
		if (slot->parts_left != 0)
			break;
		rw_buf_append(&cl->tcp->snd, slot->buf.data, slot->buf.len);
		rw_buf_reset(&slot->buf);
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
static struct rw_buf *reply_target(struct worker *w, struct dp_client *cl)
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
static void journal_write(struct worker *w, uint32_t db, const struct resp_arg *argv, uint32_t argc)
{
	struct chan_part parts[2] = {{&db, sizeof(db)}, w->cur_raw};
	if (parts[1].p == NULL) {
		struct rw_buf *b = &w->scratch;
		rw_buf_reset(b);
		resp_w_array(b, argc);
		for (uint32_t i = 0; i < argc; i++)
			resp_w_bulk(b, argv[i].ptr, argv[i].len);
		parts[1] = (struct chan_part){b->data, b->len};
	}
	uint64_t lsn;
	if (chan_jrnl_append(w->sh->chan, w->id, CHAN_REC_COMMAND, w->now_us, parts, 2, &lsn) == 0)
		w->stats->journal_records++;
}

static size_t journal_need(const struct resp_arg *argv, uint32_t argc)
{
	size_t n = 64;
	for (uint32_t i = 0; i < argc; i++)
		n += argv[i].len + 24;
	return n;
}

static bool journal_has_room(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
			     uint32_t argc)
{
	if (!(d->flags & CMD_WRITE) ||
	    chan_jrnl_space(w->sh->chan, w->id) >= journal_need(argv, argc))
		return true;
	w->stats->journal_full_stalls++;
	return false;
}

/* Execute on this worker's shard. */
static void run(struct worker *w, const struct cmd_def *d, struct resp_arg *argv, uint32_t argc,
		struct cmd_client *client, struct rw_buf *out)
{
	struct cmd_ctx ctx = {
	    .argv = argv,
	    .argc = argc,
	    .out = out,
	    .shard = w->store,
	    .client = client,
	    .env = &w->sh->env,
	    .now_ms = w->now_unix_ms,
	    .now_us = w->now_us,
	};
	cmd_execute(d, &ctx);
	w->stats->commands++;
	if ((d->flags & CMD_WRITE) && ctx.dirty != 0)
		journal_write(w, client->db, argv, argc);
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
	shard_send(&w->shard, m);
	w->stats->fwd_sent++;
	return true;
}

/* Add one part's reply to a summing slot. */
static void slot_absorb(struct dp_slot *slot, const uint8_t *p, size_t n)
{
	if (slot->sum) {
		int64_t v;
		if (!slot->failed && n > 3 && p[0] == ':' && resp_str_to_i64(p + 1, n - 3, &v)) {
			slot->total += v;
		} else if (!slot->failed) {
			slot->failed = true;
			rw_buf_reset(&slot->buf);
			rw_buf_append(&slot->buf, p, n);
		}
	} else {
		rw_buf_append(&slot->buf, p, n);
	}
	if (--slot->parts_left == 0 && slot->sum && !slot->failed)
		resp_w_int(&slot->buf, slot->total);
}

static void slot_fail_oom(struct dp_slot *slot)
{
	slot->parts_left = 1;
	slot->sum = false;
	static const char oom[] = "-ERR out of memory forwarding the command\r\n";
	slot_absorb(slot, (const uint8_t *)oom, sizeof(oom) - 1);
}

static void forward_single(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
			   const struct resp_arg *argv, uint32_t argc, uint32_t owner)
{
	uint64_t seq = cl->slot_tail;
	struct dp_slot *slot = slot_new(cl);
	if (slot == NULL)
		return;
	slot->parts_left = 1;
	if (!forward(w, cl, d, argv, argc, owner, seq))
		slot_fail_oom(slot);
}

/* Run the part of a summing command this worker owns (into scratch space)
 * and fold its reply into the slot. */
static void run_local_part(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
			   struct resp_arg *argv, uint32_t argc, struct dp_slot *slot)
{
	struct rw_buf part = {0};
	slot->parts_left++;
	run(w, d, argv, argc, &cl->cc, &part);
	slot_absorb(slot, part.data, part.len);
	rw_buf_fini(&part);
}

/* DBSIZE-like: every worker answers, the integers are added. */
static void fanout_all(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		       struct resp_arg *argv, uint32_t argc)
{
	uint64_t seq = cl->slot_tail;
	struct dp_slot *slot = slot_new(cl);
	if (slot == NULL)
		return;
	slot->sum = true;
	slot->parts_left = 1; /* held until every part is out */
	for (uint32_t o = 0; o < w->sh->n_workers; o++) {
		if (o == w->id)
			continue;
		slot->parts_left++;
		if (!forward(w, cl, d, argv, argc, o, seq))
			slot->parts_left--;
	}
	slot->parts_left--;
	run_local_part(w, cl, d, argv, argc, slot);
}

/* DEL/EXISTS with keys on several workers: one sub-command per owner. */
static void split_by_owner(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
			   struct resp_arg *argv, uint32_t argc)
{
	uint64_t seq = cl->slot_tail;
	struct dp_slot *slot = slot_new(cl);
	struct resp_arg *sub = malloc(sizeof(*sub) * argc);
	if (slot == NULL || sub == NULL) {
		free(sub);
		if (slot != NULL)
			slot_fail_oom(slot);
		return;
	}
	slot->sum = true;
	slot->parts_left = 1; /* held until every part is out */
	for (uint32_t o = 0; o < w->sh->n_workers; o++) {
		uint32_t n = 1;
		sub[0] = argv[0];
		for (uint32_t i = 1; i < argc; i++)
			if (shard_of_key(argv[i].ptr, argv[i].len, w->sh->n_workers) == o)
				sub[n++] = argv[i];
		if (n == 1)
			continue;
		if (o == w->id) {
			run_local_part(w, cl, d, sub, n, slot);
		} else {
			slot->parts_left++;
			if (!forward(w, cl, d, sub, n, o, seq))
				slot->parts_left--;
		}
	}
	free(sub);
	slot_absorb(slot, (const uint8_t *)":0\r\n", 4); /* releases the hold */
}

/* Which worker owns every key; UINT32_MAX if they live on several. */
static uint32_t keys_owner(const struct worker *w, const struct cmd_def *d,
			   const struct resp_arg *argv, uint32_t argc)
{
	int32_t last = d->last_key < 0 ? (int32_t)argc + d->last_key : d->last_key;
	int32_t step = d->key_step > 0 ? d->key_step : 1;
	uint32_t owner = UINT32_MAX;
	for (int32_t i = d->first_key; i <= last && i < (int32_t)argc; i += step) {
		uint32_t o = shard_of_key(argv[i].ptr, argv[i].len, w->sh->n_workers);
		if (owner == UINT32_MAX)
			owner = o;
		else if (o != owner)
			return UINT32_MAX - 1;
	}
	return owner == UINT32_MAX ? w->id : owner;
}

/* Route and run one command. @return false if it must wait (journal full):
 * the caller leaves it in the query buffer for the next iteration. */
static bool dispatch(struct worker *w, struct dp_client *cl, struct resp_arg *argv, uint32_t argc,
		     struct chan_part raw)
{
	w->stats->commands_received++;
	const struct cmd_def *d = cmd_lookup(argv[0].ptr, argv[0].len);
	if (d == NULL) {
		cmd_reply_unknown(reply_target(w, cl), argv, argc);
		return true;
	}
	if (!cmd_arity_ok(d, argc)) {
		cmd_reply_arity(reply_target(w, cl), d);
		return true;
	}
	if (!journal_has_room(w, d, argv, argc))
		return false;
	if (d->flags & CMD_ALL_SHARDS_SUM) {
		fanout_all(w, cl, d, argv, argc);
		return true;
	}
	uint32_t owner =
	    (d->flags & CMD_NOKEYS) || d->first_key == 0 ? w->id : keys_owner(w, d, argv, argc);
	if (owner == w->id) {
		w->cur_raw = raw;
		run(w, d, argv, argc, &cl->cc, reply_target(w, cl));
		w->cur_raw = (struct chan_part){NULL, 0};
	} else if (owner < w->sh->n_workers)
		forward_single(w, cl, d, argv, argc, owner);
	else if (d->flags & CMD_KEYS_SUM)
		split_by_owner(w, cl, d, argv, argc);
	else
		resp_w_error(reply_target(w, cl),
			     "CROSSSLOT Keys in request don't hash to the same slot");
	return true;
}

static bool grow_argv(struct worker *w, uint32_t need)
{
	struct resp_arg *a = realloc(w->argv, sizeof(*a) * need);
	if (a == NULL)
		return false;
	w->argv = a;
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
	while (!cl->closing) {
		if (n == DP_CMD_BUDGET)
			break;
		if (cl->slot_tail - cl->slot_head >= DP_SLOTS - 1) {
			cl->paused = true;
			break;
		}
		struct resp_cmd rc = {.argv = w->argv, .cap = w->argv_cap};
		enum resp_status st =
		    resp_parse(c->rcv.data + off, c->rcv.len - off, &w->limits, &rc);
		if (st == RESP_NEED_ARGS) {
			if (!grow_argv(w, rc.need_args))
				break;
			continue;
		}
		if (st == RESP_INCOMPLETE) {
			drained = true;
			break;
		}
		if (st == RESP_ERROR) {
			resp_w_errorf(reply_target(w, cl), "ERR %s", rc.err);
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
			mark_ready(w, cl); /* journal full: retry next iteration */
			break;
		}
		off += rc.consumed;
		n += rc.argc != 0;
		if (cl->cc.close_after_reply)
			cl->closing = true;
	}
	if (off != 0)
		tcp_rcv_consumed(&w->tcp, c, off);
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
		drain_slots(w, cl); /* slots completed locally (DBSIZE on one worker...) */
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
	    chan_jrnl_space(w->sh->chan, w->id) >= m->args.len + 24u * m->argc + 64u)
		return true;
	w->stats->journal_full_stalls++;
	return false;
}

/* Run another worker's command here and send the reply back. */
static void request_exec(struct worker *w, struct shard_msg *m)
{
	rw_buf_reset(&m->reply);
	if (m->argc > w->argv_cap && !grow_argv(w, m->argc)) {
		resp_w_error(&m->reply, "ERR out of memory");
	} else {
		shard_msg_unpack(m, w->argv);
		run(w, m->def, w->argv, m->argc, &m->client, &m->reply);
	}
	w->stats->fwd_received++;
	m->kind = SHARD_REPLY;
	shard_send(&w->shard, m);
}

/* Requests wait, in arrival order, while the journal has no room. */
void dp_deferred_retry(struct worker *w)
{
	while (w->deferred_head != NULL && request_has_room(w, w->deferred_head)) {
		struct shard_msg *m = w->deferred_head;
		w->deferred_head = m->next;
		if (w->deferred_head == NULL)
			w->deferred_tail = NULL;
		request_exec(w, m);
	}
}

static void request_in(struct worker *w, struct shard_msg *m)
{
	if (w->deferred_head != NULL || !request_has_room(w, m))
		defer(w, m);
	else
		request_exec(w, m);
}

static void reply_in(struct worker *w, struct shard_msg *m)
{
	struct dp_client *cl = &w->clients[m->conn_idx];
	if (cl->tcp != NULL && cl->gen == m->conn_gen) {
		struct dp_slot *slot = &cl->slots[m->slot_seq % DP_SLOTS];
		slot_absorb(slot, m->reply.data, m->reply.len);
		drain_slots(w, cl);
	}
	shard_msg_put(&w->shard, m);
}

void dp_shard_msg_in(void *arg, struct shard_msg *m)
{
	struct worker *w = arg;
	if (m->kind == SHARD_REQ)
		request_in(w, m);
	else
		reply_in(w, m);
}
