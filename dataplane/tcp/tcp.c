/*
 * TCP instance setup, the connection pool and the flow table.
 *
 * Each worker owns one tcp_stack: a fixed pool of connections (maxclients
 * split across workers) indexed by a stable idx, and an rte_hash from the
 * flow's (peer address, peer port, local port) to that idx. Only boot-time
 * secrets and the flow -> owner table are shared with other workers
 * (tcp_flow.c), and only a miss in the local table consults the latter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_jhash.h>
#include <rte_random.h>

#include "tcp.h"

/* What all of a worker's out-of-order islands may span together (memory
 * reserved ahead of in-order data; see tcp_ooo.c). */
#define TCP_OOO_LIMIT_BYTES (64u << 20)

/* Half-open connections kept per worker before SYN cookies take over
 * (Linux: tcp_max_syn_backlog); at most half the pool by default. */
#define TCP_SYNQ_DEFAULT 256u

/* RFC 5961 §7 worker-wide challenge ACK budget (Linux: 1000 per second). */
#define TCP_CHALLENGE_PER_S 1000u

struct flow_key {
	uint32_t rip;
	uint16_t rport;
	uint16_t lport;
};

int tcp_stack_init(struct tcp_stack *t, struct net_ctx *net, uint16_t port, uint32_t max_conns,
		   const struct tcp_app_ops *app, void *app_arg, unsigned worker_id)
{
	memset(t, 0, sizeof(*t));
	t->net = net;
	t->lport = rte_cpu_to_be_16(port);
	t->mss_local = (uint16_t)(net->nif->mtu - 40);
	t->max_conns = max_conns;
	t->rcv_limit = 1u << 30;
	t->rmem_max = TCP_RMEM_MAX_DEFAULT;
	t->rmem_pool = TCP_RMEM_POOL_DEFAULT;
	t->app = app;
	t->app_arg = app_arg;
	t->stats = net->stats;
	t->time_wait_ms = 60000; /* 2 * MSL with MSL = 30 s, as Linux */
	t->ooo_limit = TCP_OOO_LIMIT_BYTES;
	for (int i = 0; i < 4; i++)
		t->isn_secret[i] = (uint32_t)rte_rand();
	t->syncookies = true;
	t->synq_max = max_conns / 2 < TCP_SYNQ_DEFAULT ? max_conns / 2 : TCP_SYNQ_DEFAULT;
	if (t->synq_max == 0)
		t->synq_max = 1;
	for (int i = 0; i < 2; i++)
		t->cookie_secret[i] = (uint32_t)rte_rand();
	t->challenge_per_s = TCP_CHALLENGE_PER_S;
	t->challenge_tokens = TCP_CHALLENGE_PER_S;
	t->conns = calloc(max_conns, sizeof(*t->conns));
	t->free_idx = calloc(max_conns, sizeof(*t->free_idx));
	if (t->conns == NULL || t->free_idx == NULL || tcp_wheel_init(&t->wheel) != 0)
		goto fail;
	for (uint32_t i = 0; i < max_conns; i++) {
		t->conns[i].idx = i;
		t->free_idx[i] = max_conns - 1 - i;
	}
	t->n_free = max_conns;
	char name[RTE_HASH_NAMESIZE];
	snprintf(name, sizeof(name), "flows_w%u_%p", worker_id, (void *)t);
	struct rte_hash_parameters hp = {
	    .name = name,
	    .entries = max_conns < 8 ? 16 : max_conns * 2,
	    .key_len = sizeof(struct flow_key),
	    .hash_func = rte_jhash,
	    .socket_id = (int)rte_socket_id(),
	};
	t->flows = rte_hash_create(&hp);
	if (t->flows == NULL)
		goto fail;
	net->tcp_input = tcp_input;
	net->tcp_icmp_input = tcp_icmp_input;
	net->tcp_arg = t;
	return 0;
fail:
	tcp_stack_fini(t);
	return -ENOMEM;
}

void tcp_stack_fini(struct tcp_stack *t)
{
	if (t->conns != NULL) {
		for (uint32_t i = 0; i < t->max_conns; i++) {
			rw_buf_fini(&t->conns[i].rcv);
			rw_buf_fini(&t->conns[i].snd);
			tcp_rack_free(&t->conns[i]);
		}
	}
	free(t->conns);
	free(t->free_idx);
	tcp_wheel_fini(&t->wheel);
	rte_hash_free(t->flows);
	t->conns = NULL;
	t->free_idx = NULL;
	t->flows = NULL;
}

static struct flow_key key_of(uint32_t rip, uint16_t rport, uint16_t lport)
{
	struct flow_key k = {.rip = rip, .rport = rport, .lport = lport};
	return k;
}

/* A connection in t->flows has its key in rip/rport/lport until
 * tcp_conn_release() takes it out (and clears t->last_flow), so a match of
 * the last one found is the table's answer without hashing. */
struct tcp_conn *tcp_flow_lookup(struct tcp_stack *t, uint32_t rip, uint16_t rport, uint16_t lport)
{
	struct tcp_conn *c = t->last_flow;
	if (c != NULL && c->rip == rip && c->rport == rport && c->lport == lport)
		return c;
	struct flow_key k = key_of(rip, rport, lport);
	void *data;
	if (rte_hash_lookup_data(t->flows, &k, &data) < 0)
		return NULL;
	c = &t->conns[(uintptr_t)data];
	t->last_flow = c;
	return c;
}

/* RFC 6528: ISN = M + F(4-tuple, secret), M a 4 µs clock. */
static uint32_t isn_for(const struct tcp_stack *t, uint32_t rip, uint16_t rport)
{
	uint32_t f = rte_jhash_3words(rip, ((uint32_t)rport << 16) | t->lport, t->net->nif->ip,
				      t->isn_secret[0] ^ t->isn_secret[1]);
	return f + (uint32_t)(t->now_us / 4);
}

/* RFC 7323 §7.1 via Linux's secure_tcp_ts_off(): a keyed hash of the flow,
 * so a SYN cookie's connection and a later incarnation get the same
 * offset without state. */
uint32_t tcp_ts_offset(const struct tcp_stack *t, uint32_t rip, uint16_t rport)
{
	return rte_jhash_3words(rip, ((uint32_t)rport << 16) | t->lport, t->net->nif->ip,
				t->isn_secret[2] ^ t->isn_secret[3]);
}

void tcp_tw_enter(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->tw_listed)
		return;
	c->tw_listed = true;
	c->tw_next = NULL;
	c->tw_prev = t->tw_tail;
	if (t->tw_tail != NULL)
		t->tw_tail->tw_next = c;
	else
		t->tw_head = c;
	t->tw_tail = c;
	t->n_time_wait++;
}

static void tw_unlink(struct tcp_stack *t, struct tcp_conn *c)
{
	if (!c->tw_listed)
		return;
	if (c->tw_prev != NULL)
		c->tw_prev->tw_next = c->tw_next;
	else
		t->tw_head = c->tw_next;
	if (c->tw_next != NULL)
		c->tw_next->tw_prev = c->tw_prev;
	else
		t->tw_tail = c->tw_prev;
	c->tw_listed = false;
	c->tw_next = c->tw_prev = NULL;
	t->n_time_wait--;
}

struct tcp_conn *tcp_conn_alloc(struct tcp_stack *t, uint32_t rip, uint16_t rport)
{
	/* The pool is all used: the oldest TIME_WAIT gives way. Its 2 MSL
	 * guard against old duplicates is cut short, as Linux does past
	 * tcp_max_tw_buckets; the alternative is refusing live clients. */
	if (t->n_free == 0 && t->tw_head != NULL) {
		t->stats->tcp_time_wait_recycled++;
		tcp_conn_release(t, t->tw_head);
	}
	if (t->n_free == 0)
		return NULL;
	struct tcp_conn *c = &t->conns[t->free_idx[t->n_free - 1]];
	struct flow_key k = key_of(rip, rport, t->lport);
	if (rte_hash_add_key_data(t->flows, &k, (void *)(uintptr_t)c->idx) < 0)
		return NULL;
	t->n_free--;
	/* A released connection may still sit on this iteration's output list;
	 * keep its link so the list stays intact. */
	struct rw_buf rcv = c->rcv, snd = c->snd;
	struct tcp_txq txq = c->txq;
	uint32_t idx = c->idx;
	struct tcp_conn *out_next = c->out_next;
	bool on_out_list = c->on_out_list;
	memset(c, 0, sizeof(*c));
	c->idx = idx;
	c->out_next = out_next;
	c->on_out_list = on_out_list;
	c->rcv = rcv;
	c->snd = snd;
	c->txq = txq;
	tcp_rack_reset(c);
	rw_buf_reset(&c->rcv);
	rw_buf_reset(&c->snd);
	c->rip = rip;
	c->rport = rport;
	c->lport = t->lport;
	c->iss = isn_for(t, rip, rport);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->rto_us = 1000000; /* RFC 6298 §2.1 */
	c->mss = 536;	     /* RFC 9293 §3.7.1 default until the SYN says otherwise */
	c->last_rx_us = t->now_us;
	c->owner_slot = -1;
	return c;
}

/* Buffers above this size are returned to the allocator when a connection
 * ends, so one large transfer does not pin memory in the pool. */
#define TCP_BUF_KEEP 16384

void tcp_conn_trim_idle(struct tcp_conn *c, size_t keep)
{
	if (c->rcv.len == 0 && c->ooo_n == 0 && c->ooo_extent == 0 && c->rcv.cap > keep)
		rw_buf_fini(&c->rcv);
	if (c->snd.len == 0 && c->snd_off == 0 && c->snd.cap > keep)
		rw_buf_fini(&c->snd);
}

void tcp_conn_release(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->state == TCP_FREE)
		return;
	if (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
	    c->state == TCP_FIN_WAIT_1 || c->state == TCP_FIN_WAIT_2 || c->state == TCP_CLOSING ||
	    c->state == TCP_LAST_ACK || c->state == TCP_TIME_WAIT) {
		t->stats->tcp_conns_closed++;
		t->stats->tcp_conns_current--;
	}
	if (c->state == TCP_SYN_RCVD)
		t->n_syn_rcvd--;
	tw_unlink(t, c);
	tcp_ooo_clear(t, c);
	tcp_timer_cancel(t, c);
	struct flow_key k = key_of(c->rip, c->rport, c->lport);
	rte_hash_del_key(t->flows, &k);
	if (t->last_flow == c)
		t->last_flow = NULL;
	tcp_owner_release(t, c->owner_slot);
	c->owner_slot = -1;
	if (c->rcv.cap > TCP_BUF_KEEP)
		rw_buf_fini(&c->rcv);
	if (c->snd.cap > TCP_BUF_KEEP)
		rw_buf_fini(&c->snd);
	if (!tcp_rack_ring_small(c))
		tcp_rack_free(c);
	else
		tcp_rack_reset(c);
	c->state = TCP_FREE;
	tcp_rmem_charge(t, c); /* gives its part of the receive pool back */
	c->app = NULL;
	t->free_idx[t->n_free++] = c->idx;
}
