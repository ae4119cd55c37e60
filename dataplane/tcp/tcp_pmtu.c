/*
 * Path MTU discovery, TCP's half (RFC 1191 §6.1, RFC 1122 §4.2.3.9): our
 * segments leave with DF set; a router that cannot forward one answers
 * "fragmentation needed" with its next-hop MTU and the start of our
 * segment. The connection's MSS drops to that MTU minus the IPv4 and TCP
 * headers, and what was in flight is sent again from SND.UNA in segments
 * that fit (the one that was too big is gone).
 *
 * Validation (RFC 5927 §4.1), as a blind attacker could otherwise shrink
 * every connection: the quoted segment must be one of ours (our address
 * and port, a known flow) and its sequence number must lie in
 * [SND.UNA, SND.MAX). The MTU never goes below 576 (RFC 791: every host
 * takes datagrams of 576 bytes), and a message without an MTU (a router
 * older than RFC 1191) is ignored rather than guessed at. The MSS only
 * ever decreases; a PMTU increase (RFC 1191 §6.3) is not attempted.
 *
 * The ICMP message comes from the router, not the peer, so it may reach a
 * worker other than the flow's owner: it is handed over like a segment.
 *
 * Context: the owning worker lcore.
 */
#include <string.h>

#include <rte_icmp.h>

#include "tcp.h"

#define TCP_PMTU_MIN 576u

static void pmtu_input(struct tcp_stack *t, struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
		       bool may_hand_off)
{
	size_t ihl = rte_ipv4_hdr_len(ip);
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - (uint32_t)ihl;
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)((const uint8_t *)ip + ihl);
	const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)(ic + 1);
	if (len < sizeof(*ic) + sizeof(*in) + 8)
		goto drop;
	uint32_t in_ihl = rte_ipv4_hdr_len(in);
	if (in_ihl < sizeof(*in) || len < sizeof(*ic) + in_ihl + 8 ||
	    in->src_addr != t->net->nif->ip || in->next_proto_id != IPPROTO_TCP)
		goto drop;
	/* the first 8 bytes of our TCP header: ports and sequence number */
	const uint8_t *l4 = (const uint8_t *)in + in_ihl;
	uint16_t sport, dport;
	uint32_t seq;
	memcpy(&sport, l4, 2);
	memcpy(&dport, l4 + 2, 2);
	memcpy(&seq, l4 + 4, 4);
	seq = rte_be_to_cpu_32(seq);
	if (sport != t->lport)
		goto drop;
	struct tcp_conn *c = tcp_flow_lookup(t, in->dst_addr, dport, sport);
	if (c == NULL) {
		int owner = may_hand_off ? tcp_owner_lookup(t, in->dst_addr, dport) : -1;
		if (owner >= 0 && owner != (int)t->self) {
			tcp_handoff(t, (uint32_t)owner, m);
			return;
		}
		goto drop;
	}
	uint32_t mtu = rte_be_to_cpu_16(ic->icmp_seq_nb); /* RFC 1191 §4: next-hop MTU */
	if (c->state == TCP_SYN_RCVD || !seq_geq(seq, c->snd_una) || !seq_lt(seq, c->snd_max) ||
	    mtu == 0)
		goto drop;
	if (mtu < TCP_PMTU_MIN)
		mtu = TCP_PMTU_MIN;
	uint32_t mss = mtu - (uint32_t)(sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr));
	if (mss >= c->mss)
		goto drop;
	c->mss = (uint16_t)mss;
	t->stats->tcp_pmtu_lowered++;
	c->snd_nxt = c->snd_una;
	c->rtt_timing = false; /* Karn: what follows is resent */
	tcp_output_mark(t, c);
drop:
	rte_pktmbuf_free(m);
}

void tcp_icmp_input(void *arg, struct net_ctx *n, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	(void)n;
	pmtu_input(arg, m, ip, true);
}

void tcp_icmp_input_owned(struct tcp_stack *t, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	pmtu_input(t, m, ip, false);
}
