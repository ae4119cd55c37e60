/*
 * Strict-offload port (see eth_strict.h for the rules it enforces).
 */
#include "eth_strict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#define STRICT_MODELLED                                                                            \
	(RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |                            \
	 RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
#define STRICT_TSO_MAX_SEGS 64 /* segments one TSO frame may become */
#define STRICT_OUT_MAX	    256

struct eth_strict {
	struct eth_port port; /* first: the stack calls through it */
	struct eth_port *inner;
	struct eth_strict_stats *q; /* per queue: written by that queue's worker */
	struct rte_mbuf *out[ETH_MAX_QUEUES][STRICT_OUT_MAX];
};

static struct eth_strict *strict_of(struct eth_port *p)
{
	return (struct eth_strict *)p; /* port is the first member */
}

static uint16_t strict_rx(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct eth_port *in = strict_of(p)->inner;
	return in->rx_burst(in, q, pkts, n);
}

/* The frame's IPv4 and TCP headers when it is an IPv4/TCP frame whose
 * headers sit in the first segment. */
struct strict_hdrs {
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th; /* NULL: not TCP */
	uint32_t ihl, thl;
};

static bool strict_parse(struct rte_mbuf *m, struct strict_hdrs *h)
{
	memset(h, 0, sizeof(*h));
	uint32_t len = rte_pktmbuf_data_len(m);
	if (len < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))
		return false;
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return false;
	h->ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	h->ihl = rte_ipv4_hdr_len(h->ip);
	if (h->ip->next_proto_id != IPPROTO_TCP ||
	    len < RTE_ETHER_HDR_LEN + h->ihl + sizeof(struct rte_tcp_hdr))
		return true;
	h->th = (struct rte_tcp_hdr *)((uint8_t *)h->ip + h->ihl);
	h->thl = (uint32_t)(h->th->data_off >> 4) * 4;
	if (len < RTE_ETHER_HDR_LEN + h->ihl + h->thl)
		h->th = NULL;
	return true;
}

static uint32_t chain_len(const struct rte_mbuf *m)
{
	uint32_t n = 0;
	for (; m != NULL; m = m->next)
		n += m->data_len;
	return n;
}

/* @return the counter of the first rule @p m breaks, or NULL. */
static uint64_t *strict_check(struct eth_strict *s, struct eth_strict_stats *st, struct rte_mbuf *m,
			      const struct strict_hdrs *h)
{
	uint64_t ol = m->ol_flags;
	uint64_t adv = s->port.tx_offload;
	bool ip_off = (ol & RTE_MBUF_F_TX_IP_CKSUM) != 0;
	bool tcp_off = (ol & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM;
	bool tso = (ol & RTE_MBUF_F_TX_TCP_SEG) != 0;
	if ((ip_off && !(adv & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)) ||
	    (tcp_off && !(adv & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)) ||
	    (tso && !(adv & RTE_ETH_TX_OFFLOAD_TCP_TSO)) ||
	    ((ol & RTE_MBUF_F_TX_L4_MASK) != 0 && !tcp_off) ||
	    (m->nb_segs > 1 && !(adv & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)))
		return &st->bad_unadvertised;
	if (m->pkt_len != chain_len(m) || m->nb_segs == 0)
		return &st->bad_size;
	bool any = ip_off || tcp_off || tso;
	if (any && (h->ip == NULL || m->l2_len != RTE_ETHER_HDR_LEN))
		return &st->bad_l2;
	if (any && (!(ol & RTE_MBUF_F_TX_IPV4) || m->l3_len != h->ihl))
		return &st->bad_l3;
	if ((tcp_off || tso) && (h->th == NULL || m->l4_len != h->thl))
		return &st->bad_l4_len;
	uint32_t max_frame = (uint32_t)s->port.mtu + RTE_ETHER_HDR_LEN;
	if (tso) {
		if (!ip_off || m->tso_segsz == 0 ||
		    (uint32_t)(m->l2_len + m->l3_len + m->l4_len + m->tso_segsz) > max_frame)
			return &st->bad_tso;
	} else if (m->pkt_len > max_frame) {
		return &st->bad_size;
	}
	if (h->ip == NULL)
		return NULL; /* ARP and the like: nothing more to check */
	if (ip_off ? h->ip->hdr_checksum != 0 : rte_raw_cksum(h->ip, h->ihl) != 0xffff)
		return &st->bad_ip_cksum;
	if (h->th == NULL)
		return NULL;
	if (tcp_off || tso) {
		/* the pseudo-header sum, without the length under TSO */
		if (h->th->cksum != rte_ipv4_phdr_cksum(h->ip, tso ? RTE_MBUF_F_TX_TCP_SEG : 0))
			return &st->bad_phdr;
	} else {
		if (eth_ipv4_l4_sum(m, h->ip, RTE_ETHER_HDR_LEN + h->ihl) != 0xffff)
			return &st->bad_l4_cksum;
	}
	return NULL;
}

/* Finish the checksums the NIC was asked for, in place. */
static void strict_fill_cksums(struct rte_mbuf *m, const struct strict_hdrs *h)
{
	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
		h->ip->hdr_checksum = 0;
		h->ip->hdr_checksum = rte_ipv4_cksum(h->ip);
	}
	if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM) {
		h->th->cksum = 0;
		h->th->cksum = (uint16_t)~eth_ipv4_l4_sum(m, h->ip, RTE_ETHER_HDR_LEN + h->ihl);
	}
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
}

/* TCP segmentation as a NIC does it: every segment gets the headers (with
 * the options), its sequence number, an IP id one up, FIN and PSH only on
 * the last, CWR only on the first, and fresh checksums. @return frames
 * written to @p out, or 0 (no mbuf: nothing is sent). */
static unsigned strict_tso(struct rte_mbuf *m, const struct strict_hdrs *h, struct rte_mbuf **out,
			   unsigned room)
{
	uint32_t hl = RTE_ETHER_HDR_LEN + h->ihl + h->thl;
	uint32_t payload = m->pkt_len - hl, seg = m->tso_segsz;
	uint32_t n = (payload + seg - 1) / seg;
	if (payload == 0)
		n = 1;
	if (n > room || n > STRICT_TSO_MAX_SEGS)
		return 0;
	uint32_t seq = rte_be_to_cpu_32(h->th->sent_seq);
	uint16_t id = rte_be_to_cpu_16(h->ip->packet_id);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = i * seg, k = payload - off < seg ? payload - off : seg;
		struct rte_mbuf *o = rte_pktmbuf_alloc(m->pool);
		uint8_t *p =
		    o != NULL ? (uint8_t *)rte_pktmbuf_append(o, (uint16_t)(hl + k)) : NULL;
		if (p == NULL) {
			rte_pktmbuf_free(o);
			rte_pktmbuf_free_bulk(out, i);
			return 0;
		}
		memcpy(p, rte_pktmbuf_mtod(m, const uint8_t *), hl);
		const void *src = rte_pktmbuf_read(m, hl + off, k, p + hl);
		if (src != p + hl)
			memcpy(p + hl, src, k);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + h->ihl);
		ip->total_length = rte_cpu_to_be_16((uint16_t)(h->ihl + h->thl + k));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)(id + i));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th->sent_seq = rte_cpu_to_be_32(seq + off);
		if (i + 1 < n)
			th->tcp_flags &= (uint8_t) ~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
		if (i != 0)
			th->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
		out[i] = o;
	}
	return n;
}

/* Hand @p n frames to the inner port; what it refuses after a few tries
 * is dropped here (counted as bad_alloc: not the stack's fault). */
static void strict_send(struct eth_strict *s, uint16_t q, struct rte_mbuf **out, unsigned n)
{
	unsigned sent = 0;
	for (int tries = 0; sent < n && tries < 4; tries++)
		sent += s->inner->tx_burst(s->inner, q, out + sent, (uint16_t)(n - sent));
	if (sent < n) {
		s->q[q].bad_alloc += n - sent;
		rte_pktmbuf_free_bulk(out + sent, n - sent);
	}
}

static uint16_t strict_tx(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct eth_strict *s = strict_of(p);
	struct eth_strict_stats *st = &s->q[q];
	struct rte_mbuf **out = s->out[q];
	unsigned n_out = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (n_out + STRICT_TSO_MAX_SEGS > STRICT_OUT_MAX) {
			strict_send(s, q, out, n_out);
			n_out = 0;
		}
		struct strict_hdrs h;
		strict_parse(m, &h);
		st->checked++;
		uint64_t *bad = strict_check(s, st, m, &h);
		if (bad != NULL) {
			(*bad)++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
			unsigned k = strict_tso(m, &h, out + n_out, STRICT_OUT_MAX - n_out);
			if (k == 0)
				st->bad_alloc++;
			st->segmented += k;
			n_out += k;
			rte_pktmbuf_free(m);
			continue;
		}
		strict_fill_cksums(m, &h);
		out[n_out++] = m;
	}
	strict_send(s, q, out, n_out);
	return n; /* every frame taken: sent, or dropped and counted */
}

int eth_strict_create(struct eth_strict **out, struct eth_port *inner, uint64_t tx_offload)
{
	*out = NULL;
	if (tx_offload & ~STRICT_MODELLED)
		return -EINVAL;
	struct eth_strict *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	uint16_t nq = inner->n_queues ? inner->n_queues : 1;
	s->q = calloc(nq, sizeof(*s->q));
	if (s->q == NULL) {
		free(s);
		return -ENOMEM;
	}
	s->inner = inner;
	s->port = *inner; /* mac, mtu, queue count (and the memory port's rings) */
	s->port.rx_burst = strict_rx;
	s->port.tx_burst = strict_tx;
	s->port.tx_offload = tx_offload;
	*out = s;
	return 0;
}

void eth_strict_destroy(struct eth_strict **ps)
{
	if (*ps == NULL)
		return;
	free((*ps)->q);
	free(*ps);
	*ps = NULL;
}

struct eth_port *eth_strict_port(struct eth_strict *s)
{
	return &s->port;
}

void eth_strict_stats_get(const struct eth_strict *s, struct eth_strict_stats *out)
{
	memset(out, 0, sizeof(*out));
	uint16_t nq = s->port.n_queues ? s->port.n_queues : 1;
	for (uint16_t q = 0; q < nq; q++) {
#define ETH_STRICT_SUM(f, d) out->f += __atomic_load_n(&s->q[q].f, __ATOMIC_RELAXED);
		ETH_STRICT_STATS(ETH_STRICT_SUM)
#undef ETH_STRICT_SUM
	}
}

uint64_t eth_strict_violations(const struct eth_strict *s, uint16_t q)
{
	const struct eth_strict_stats *st = &s->q[q];
	uint64_t v = 0;
#define ETH_STRICT_BAD(f, d) v += __atomic_load_n(&st->f, __ATOMIC_RELAXED);
	ETH_STRICT_STATS(ETH_STRICT_BAD)
#undef ETH_STRICT_BAD
	return v - __atomic_load_n(&st->checked, __ATOMIC_RELAXED) -
	       __atomic_load_n(&st->segmented, __ATOMIC_RELAXED) -
	       __atomic_load_n(&st->bad_alloc, __ATOMIC_RELAXED);
}
