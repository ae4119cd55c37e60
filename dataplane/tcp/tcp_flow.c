/*
 * Per-core flows across workers: who owns a flow, and how a segment that
 * reached the wrong worker gets to its owner (issue #3, "per-core flows").
 *
 * A flow belongs to the worker that created its connection: the one whose
 * queue the SYN reached (or, for a SYN cookie, the one that validated the
 * returning ACK). RSS, or net_tap's flow steering, keeps a flow on one
 * queue, so a segment on another worker is rare: an RSS table or hash key
 * change, a NIC that spreads by something else, a client that moved. Such
 * a segment is handed to the owner over a per-pair packet ring, and the
 * owner processes it as if its own queue had received it. It is never
 * answered with a RST by a worker that merely does not know the flow.
 *
 * How any worker tells the owner. Considered:
 *   - the ISN or cookie: only the handshake's ACK carries ISS + 1; later
 *     segments acknowledge ISS + n, so no bits of the ISN survive;
 *   - the timestamp echo: optional (the peer may refuse it), and stealing
 *     TSval bits coarsens RTT measurement;
 *   - a software hash of the 4-tuple deciding the owner: then every
 *     segment of (n - 1) / n of the flows would cross cores on a NIC whose
 *     RSS hash we cannot reproduce (net_tap's is the kernel's siphash);
 *   - a shared table of (flow -> owner): chosen. It is consulted only when
 *     the local flow table misses (a new SYN, a cookie ACK, a stray
 *     segment), never on the established fast path.
 *
 * The table: open-addressed 64-bit words, read and written with atomics,
 * no locks. Our side of the flow is fixed (one address, one listening
 * port), so the peer's address and port (48 bits) identify it and a word
 * holds the whole key plus the owner:
 *
 *   63            32 31        16 15          0
 *   +---------------+------------+-------------+
 *   | peer address  | peer port  | owner + 1   |     0 = free slot
 *   +---------------+------------+-------------+
 *
 * A key may live in either of two buckets of 8 words (one cache line
 * each; two choices keep every bucket short at the 1/4 load the table is
 * sized for). A lookup reads both buckets whole, so deleting is a plain
 * store of 0: no tombstones, no probe chains to repair. Only the owner
 * deletes its entries; a claim adds one with a compare-and-swap into a free
 * word, then looks again: if two workers claimed the same flow at the same
 * moment (the sequentially consistent CAS-then-load order guarantees at
 * least one sees the other), the ones that see a rival withdraw and drop
 * the SYN, which the client retransmits. At most one owner, always.
 *
 * Context: tcp_shared_create/destroy at boot; everything else on worker
 * lcores, each using its own row of the ring matrix as producer and its
 * own column as consumer (single producer, single consumer per ring).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_jhash.h>
#include <rte_random.h>

#include "tcp.h"

#define TCP_OWNER_BUCKET  8u	/* words per bucket: one cache line */
#define TCP_HANDOFF_RING  1024u /* segments in flight per worker pair */
#define TCP_HANDOFF_BURST 32u

static uint64_t owner_key(uint32_t rip, uint16_t rport)
{
	return ((uint64_t)rip << 32) | ((uint64_t)rport << 16);
}

#define OWNER_KEY_MASK (~(uint64_t)0xffffu)

int tcp_shared_create(struct tcp_shared **out, uint32_t n_workers, uint32_t max_flows)
{
	static unsigned seq;
	*out = NULL;
	if (n_workers == 0 || n_workers > TCP_MAX_WORKERS)
		return -EINVAL;
	struct tcp_shared *sh = calloc(1, sizeof(*sh));
	if (sh == NULL)
		return -ENOMEM;
	sh->n_workers = n_workers;
	for (int i = 0; i < 4; i++)
		sh->isn_secret[i] = (uint32_t)rte_rand();
	for (int i = 0; i < 2; i++)
		sh->cookie_secret[i] = (uint32_t)rte_rand();
	/* 4 words per flow, at least 2 buckets, a power of two */
	uint64_t words = TCP_OWNER_BUCKET * 2;
	while (words < (uint64_t)max_flows * 4 && words < (1ull << 30))
		words <<= 1;
	sh->owner_buckets = (uint32_t)(words / TCP_OWNER_BUCKET);
	sh->owner = aligned_alloc(64, words * sizeof(*sh->owner));
	if (sh->owner == NULL)
		goto fail;
	for (uint64_t i = 0; i < words; i++)
		atomic_init(&sh->owner[i], 0);
	unsigned id = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < n_workers; i++)
		for (uint32_t j = 0; j < n_workers; j++) {
			if (i == j)
				continue;
			char name[RTE_RING_NAMESIZE];
			snprintf(name, sizeof(name), "tcpho%u_%u_%u", id, i, j);
			sh->handoff[i][j] = rte_ring_create(name, TCP_HANDOFF_RING, SOCKET_ID_ANY,
							    RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (sh->handoff[i][j] == NULL)
				goto fail;
		}
	*out = sh;
	return 0;
fail:
	tcp_shared_destroy(&sh);
	return -ENOMEM;
}

void tcp_shared_destroy(struct tcp_shared **psh)
{
	struct tcp_shared *sh = *psh;
	if (sh == NULL)
		return;
	for (uint32_t i = 0; i < TCP_MAX_WORKERS; i++)
		for (uint32_t j = 0; j < TCP_MAX_WORKERS; j++) {
			struct rte_ring *r = sh->handoff[i][j];
			if (r == NULL)
				continue;
			void *m;
			while (rte_ring_dequeue(r, &m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(r);
		}
	free(sh->owner);
	free(sh);
	*psh = NULL;
}

void tcp_stack_share(struct tcp_stack *t, struct tcp_shared *sh, uint32_t self)
{
	t->sh = sh;
	t->self = self;
	/* Immutable after boot: every worker computes the same ISNs, timestamp
	 * offsets and cookies, so a cookie minted on one worker validates on
	 * another. */
	memcpy(t->isn_secret, sh->isn_secret, sizeof(t->isn_secret));
	memcpy(t->cookie_secret, sh->cookie_secret, sizeof(t->cookie_secret));
}

static _Atomic uint64_t *owner_bucket(const struct tcp_shared *sh, uint32_t rip, uint16_t rport,
				      unsigned which)
{
	uint32_t h = rte_jhash_2words(rip, rport, which ? 0x9e3779b9u : 0x7f4a7c15u);
	return &sh->owner[(uint64_t)(h & (sh->owner_buckets - 1)) * TCP_OWNER_BUCKET];
}

/* Scan both buckets for @p key, skipping the word @p skip. @return the
 * owner, or -1. */
static int owner_find(const struct tcp_shared *sh, uint32_t rip, uint16_t rport,
		      const _Atomic uint64_t *skip)
{
	uint64_t key = owner_key(rip, rport);
	for (unsigned b = 0; b < 2; b++) {
		_Atomic uint64_t *w = owner_bucket(sh, rip, rport, b);
		for (unsigned i = 0; i < TCP_OWNER_BUCKET; i++) {
			if (&w[i] == skip)
				continue;
			uint64_t v = atomic_load_explicit(&w[i], memory_order_seq_cst);
			if (v != 0 && (v & OWNER_KEY_MASK) == key)
				return (int)(v & 0xffffu) - 1;
		}
	}
	return -1;
}

int tcp_owner_lookup(const struct tcp_stack *t, uint32_t rip, uint16_t rport)
{
	if (t->sh == NULL)
		return -1;
	return owner_find(t->sh, rip, rport, NULL);
}

static unsigned bucket_load(_Atomic uint64_t *w)
{
	unsigned n = 0;
	for (unsigned i = 0; i < TCP_OWNER_BUCKET; i++)
		n += atomic_load_explicit(&w[i], memory_order_relaxed) != 0;
	return n;
}

int tcp_owner_claim(struct tcp_stack *t, uint32_t rip, uint16_t rport, int32_t *slot)
{
	*slot = -1;
	struct tcp_shared *sh = t->sh;
	if (sh == NULL)
		return (int)t->self;
	int o = owner_find(sh, rip, rport, NULL);
	if (o >= 0)
		return o;
	_Atomic uint64_t *b[2] = {owner_bucket(sh, rip, rport, 0), owner_bucket(sh, rip, rport, 1)};
	if (bucket_load(b[1]) < bucket_load(b[0])) {
		_Atomic uint64_t *tmp = b[0];
		b[0] = b[1];
		b[1] = tmp;
	}
	uint64_t mine = owner_key(rip, rport) | (t->self + 1u);
	_Atomic uint64_t *got = NULL;
	for (unsigned k = 0; k < 2 && got == NULL; k++)
		for (unsigned i = 0; i < TCP_OWNER_BUCKET && got == NULL; i++) {
			uint64_t expect = 0;
			if (atomic_compare_exchange_strong_explicit(&b[k][i], &expect, mine,
								    memory_order_seq_cst,
								    memory_order_relaxed))
				got = &b[k][i];
		}
	if (got == NULL) {
		t->stats->tcp_owner_table_full++;
		return (int)t->self; /* served here, but only here (counted) */
	}
	if (owner_find(sh, rip, rport, got) >= 0) {
		atomic_store_explicit(got, 0, memory_order_release);
		t->stats->tcp_owner_conflicts++;
		return -EAGAIN;
	}
	*slot = (int32_t)(got - sh->owner);
	return (int)t->self;
}

void tcp_owner_release(struct tcp_stack *t, int32_t slot)
{
	if (t->sh == NULL || slot < 0)
		return;
	atomic_store_explicit(&t->sh->owner[slot], 0, memory_order_release);
}

void tcp_handoff(struct tcp_stack *t, uint32_t owner, struct rte_mbuf *m)
{
	/* The checksum was verified here: the owner need not do it again. */
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_RX_L4_CKSUM_MASK) | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	if (rte_ring_sp_enqueue(t->sh->handoff[t->self][owner], m) != 0) {
		/* A full ring drops, as a full NIC queue would: TCP retransmits. */
		t->stats->tcp_handoff_dropped++;
		t->stats->rx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	t->stats->tcp_handoff_sent++;
}

unsigned tcp_handoff_poll(struct tcp_stack *t)
{
	struct tcp_shared *sh = t->sh;
	if (sh == NULL)
		return 0;
	unsigned total = 0;
	struct rte_mbuf *m[TCP_HANDOFF_BURST];
	for (uint32_t from = 0; from < sh->n_workers; from++) {
		if (from == t->self)
			continue;
		unsigned n = rte_ring_sc_dequeue_burst(sh->handoff[from][t->self], (void **)m,
						       TCP_HANDOFF_BURST, NULL);
		for (unsigned i = 0; i < n; i++) {
			t->stats->tcp_handoff_received++;
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m[i], struct rte_ipv4_hdr *);
			if (ip->next_proto_id == IPPROTO_ICMP)
				tcp_icmp_input_owned(t, m[i], ip);
			else
				tcp_input_owned(t, m[i], ip);
		}
		total += n;
	}
	return total;
}

void tcp_cookie_note_sent(struct tcp_stack *t)
{
	uint64_t now = t->now_us != 0 ? t->now_us : 1;
	t->cookie_sent_us = now;
	if (t->sh == NULL)
		return;
	/* Every worker checks cookie ACKs against this; written at most once
	 * a second so a SYN flood does not bounce the cache line. */
	uint64_t seen = atomic_load_explicit(&t->sh->cookie_sent_us, memory_order_relaxed);
	if (now > seen + 1000000u || seen == 0)
		atomic_store_explicit(&t->sh->cookie_sent_us, now, memory_order_relaxed);
}

uint64_t tcp_cookie_last_sent(const struct tcp_stack *t)
{
	uint64_t local = t->cookie_sent_us;
	if (t->sh == NULL)
		return local;
	uint64_t shared = atomic_load_explicit(&t->sh->cookie_sent_us, memory_order_relaxed);
	return shared > local ? shared : local;
}
