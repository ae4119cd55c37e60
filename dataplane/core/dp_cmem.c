/*
 * Client memory and maxmemory-clients across workers (see dp_cmem.h).
 */
#include "dp_cmem.h"

#include "dp_int.h"
#include "dp_slot.h"
#include "worker.h"

/* The receive buffer as Redis's query buffer (dp_cmem.h): a partial
 * command as what it holds, a pipeline's backlog as one read's worth. */
static uint64_t query_bytes(const struct dp_client *cl)
{
	const struct rw_buf *b = &cl->tcp->rcv;
	uint64_t n = cl->rcv_backlog || b->len < DP_CMEM_KEEP ? DP_CMEM_KEEP : b->len;
	return n < b->cap ? n : b->cap;
}

uint64_t dp_client_mem(const struct dp_client *cl)
{
	const struct tcp_conn *c = cl->tcp;
	uint64_t n = sizeof(*cl) + sizeof(*c) + query_bytes(cl) + c->snd.cap;
	if (cl->slots != NULL) {
		n += DP_SLOTS * sizeof(*cl->slots);
		for (uint64_t i = cl->slot_head; i != cl->slot_tail; i++)
			n += cl->slots[i % DP_SLOTS].buf.cap;
	}
	return n;
}

/* Sum this worker's clients, find the largest evictable one (of equal
 * ones, the lowest slot). Only connected clients are walked (w->live). */
static uint64_t scan(struct worker *w, struct dp_client **top, uint64_t *top_bytes, bool trim)
{
	uint64_t total = 0;
	*top = NULL;
	*top_bytes = 0;
	for (uint32_t i = 0; i < w->n_live; i++) {
		struct dp_client *cl = &w->clients[w->live[i]];
		if (trim) /* empty buffers hold no parse state nor unacknowledged bytes */
			tcp_conn_trim_idle(cl->tcp, DP_CMEM_KEEP);
		uint64_t n = dp_client_mem(cl);
		total += n;
		if (cl->cc.no_evict || cl->closing)
			continue;
		if (n > *top_bytes || (n == *top_bytes && *top != NULL && cl < *top)) {
			*top = cl;
			*top_bytes = n;
		}
	}
	return total;
}

/* For maxmemory-clients (struct dp_cmem) and for maxmemory, whose total
 * counts the clients as Redis 7.0's used_memory does (cmd.h cmd_mem_slot). */
static void publish(struct worker *w, uint64_t total, uint64_t top)
{
	struct cmd_mem_board *board = w->sh->env.mem;
	if (board != NULL) {
		atomic_store_explicit(&board->slot[w->id].clients, total, memory_order_relaxed);
		atomic_store_explicit(&board->slot[w->id].rcv_pool, w->tcp.rmem_used,
				      memory_order_relaxed);
	}
	atomic_store_explicit(&w->cmem.total, total, memory_order_relaxed);
	atomic_store_explicit(&w->cmem.top, top, memory_order_release);
}

/* Is @p top_bytes on this worker the largest evictable client of all?
 * *@p others gets the other workers' total. */
static bool holds_largest(const struct worker *w, uint64_t top_bytes, uint64_t *others)
{
	bool largest = true;
	*others = 0;
	for (uint32_t i = 0; i < w->sh->n_workers; i++) {
		struct worker *o = &w->sh->workers[i];
		if (o == w)
			continue;
		uint64_t t = atomic_load_explicit(&o->cmem.top, memory_order_acquire);
		*others += atomic_load_explicit(&o->cmem.total, memory_order_relaxed);
		if (t > top_bytes || (t == top_bytes && i < w->id))
			largest = false;
	}
	return largest;
}

static void evict(struct worker *w, struct dp_client *cl, uint64_t bytes, uint64_t total,
		  uint64_t limit)
{
	rw_logring_put(&w->log, RW_LOG_NOTICE, "dp.client",
		       "evicting client=%llu: %llu bytes, clients hold %llu of maxmemory-clients "
		       "%llu",
		       (unsigned long long)cl->cc.id, (unsigned long long)bytes,
		       (unsigned long long)total, (unsigned long long)limit);
	dp_client_kill(w, cl);
	atomic_fetch_add_explicit(&w->cmem.evicted, 1, memory_order_relaxed);
}

void dp_cmem_joined(struct worker *w, const struct dp_client *cl)
{
	struct cmd_mem_board *board = w->sh->env.mem;
	uint64_t total = atomic_load_explicit(&w->cmem.total, memory_order_relaxed);
	total += dp_client_mem(cl);
	if (board != NULL)
		atomic_store_explicit(&board->slot[w->id].clients, total, memory_order_relaxed);
	atomic_store_explicit(&w->cmem.total, total, memory_order_relaxed);
}

void dp_cmem_tick(struct worker *w)
{
	if (++w->cmem.ticks < DP_CMEM_SCAN_TICKS)
		return;
	w->cmem.ticks = 0;
	struct dp_client *top;
	uint64_t top_bytes;
	uint64_t total = scan(w, &top, &top_bytes, true);
	publish(w, total, top_bytes);
	uint64_t limit = cmd_cfg_maxmemory_clients(&w->sh->env);
	for (unsigned n = 0; limit != 0 && top != NULL && n < DP_CMEM_EVICT_MAX; n++) {
		uint64_t others;
		if (!holds_largest(w, top_bytes, &others) || total + others < limit)
			break;
		evict(w, top, top_bytes, total + others, limit);
		total = scan(w, &top, &top_bytes, false);
		publish(w, total, top_bytes);
	}
}
