/*
 * Frame classification, IPv4 validation, ICMP echo and IPv4 output.
 * See net.h for the contract.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_icmp.h>

#define NET_ICMP_PER_SEC 1000u

int net_parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = a.s_addr;
	return 0;
}

void net_ctx_init(struct net_ctx *n, const struct net_if *nif, struct eth_port *port,
		  uint16_t queue, struct rte_mempool *pool, struct chan_worker_stats *stats)
{
	memset(n, 0, sizeof(*n));
	n->nif = nif;
	n->port = port;
	n->queue = queue;
	n->pool = pool;
	n->stats = stats;
	n->tx_offload = port->tx_offload;
	n->icmp_tokens = NET_ICMP_PER_SEC;
}

static bool icmp_allowed(struct net_ctx *n)
{
	if (n->now_ms - n->icmp_refill_ms >= 1000) {
		n->icmp_refill_ms = n->now_ms;
		n->icmp_tokens = NET_ICMP_PER_SEC;
	}
	if (n->icmp_tokens == 0)
		return false;
	n->icmp_tokens--;
	return true;
}

#define NET_ICMP_UNREACH     3
#define NET_ICMP_FRAG_NEEDED 4

/* RFC 792: echo reply = the request with addresses swapped and type 0.
 * Reuses the received mbuf and recomputes the checksum over the (small)
 * ICMP message. RFC 1191: "fragmentation needed" goes to TCP. */
static void icmp_input(struct net_ctx *n, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	size_t ihl = rte_ipv4_hdr_len(ip);
	size_t len = rte_be_to_cpu_16(ip->total_length) - ihl;
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	if (len >= sizeof(*ic) && ic->icmp_type == NET_ICMP_UNREACH &&
	    ic->icmp_code == NET_ICMP_FRAG_NEEDED && n->tcp_icmp_input != NULL &&
	    rte_raw_cksum(ic, len) == 0xffff) {
		n->tcp_icmp_input(n->tcp_arg, n, m, ip);
		return;
	}
	if (len < sizeof(*ic) || ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
	    rte_raw_cksum(ic, len) != 0xffff || !icmp_allowed(n)) {
		n->stats->rx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	uint32_t peer = ip->src_addr;
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, len);
	ip->dst_addr = peer;
	ip->src_addr = n->nif->ip;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	n->stats->icmp_echo_replies++;
	net_ip_output(n, m, peer);
}

/* RFC 791/1122 checks; trims Ethernet padding. @return the header or NULL. */
static struct rte_ipv4_hdr *ipv4_validate(struct net_ctx *n, struct rte_mbuf *m)
{
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ipv4_hdr))
		return NULL;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	size_t ihl = rte_ipv4_hdr_len(ip);
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl ||
	    tot > rte_pktmbuf_data_len(m) || rte_raw_cksum(ip, ihl) != 0xffff)
		return NULL;
	if (ip->dst_addr != n->nif->ip)
		return NULL;
	/* RFC 1122 §3.2.1.3: a broadcast or multicast source is never valid,
	 * and answering it would only make us ARP for it. */
	uint32_t src = rte_be_to_cpu_32(ip->src_addr);
	uint32_t bcast = n->nif->ip | ~n->nif->mask;
	if (src == 0xffffffffu || (src >> 28) == 0xe || ip->src_addr == bcast || src == 0)
		return NULL;
	/* Fragments are not reassembled (documented): count and drop. */
	if (rte_be_to_cpu_16(ip->fragment_offset) &
	    (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return NULL;
	if (rte_pktmbuf_data_len(m) > tot)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - tot));
	return ip;
}

static void ipv4_input(struct net_ctx *n, struct rte_mbuf *m)
{
	rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
	struct rte_ipv4_hdr *ip = ipv4_validate(n, m);
	if (ip == NULL) {
		n->stats->rx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		if (n->tcp_input == NULL) /* no L4 handler bound (yet) */
			break;
		n->tcp_input(n->tcp_arg, n, m, ip);
		return;
	case IPPROTO_ICMP:
		icmp_input(n, m, ip);
		return;
	default:
		break;
	}
	n->stats->rx_dropped++;
	rte_pktmbuf_free(m);
}

void net_input(struct net_ctx *n, struct rte_mbuf *m)
{
	n->stats->rx_packets++;
	n->stats->rx_bytes += rte_pktmbuf_pkt_len(m);
	/* Multi-segment frames would need a copy; the mempool's buffers hold a
	 * full MTU frame, so a chained frame is unexpected here. */
	if (m->nb_segs != 1 || rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr)) {
		n->stats->rx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (!rte_is_same_ether_addr(&eh->dst_addr, &n->nif->mac) &&
	    !rte_is_broadcast_ether_addr(&eh->dst_addr)) {
		n->stats->rx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	switch (rte_be_to_cpu_16(eh->ether_type)) {
	case RTE_ETHER_TYPE_ARP:
		net_arp_input(n, m);
		return;
	case RTE_ETHER_TYPE_IPV4:
		ipv4_input(n, m);
		return;
	default:
		n->stats->rx_dropped++;
		rte_pktmbuf_free(m);
	}
}

struct rte_mbuf *net_alloc(struct net_ctx *n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(n->pool);
	if (m != NULL)
		rte_pktmbuf_reset_headroom(m);
	return m;
}

static uint32_t next_hop(const struct net_if *nif, uint32_t dst)
{
	if (nif->gw != 0 && ((dst ^ nif->ip) & nif->mask) != 0)
		return nif->gw;
	return dst;
}

void net_ip_output(struct net_ctx *n, struct rte_mbuf *m, uint32_t dst_ip)
{
	struct rte_ether_addr mac;
	uint32_t hop = next_hop(n->nif, dst_ip);
	if (!net_arp_lookup(n->nif->arp, hop, n->now_ms, &mac)) {
		net_arp_request(n, hop);
		n->stats->tx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	struct rte_ether_hdr *eh =
	    (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
	if (eh == NULL) {
		n->stats->tx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	eh->dst_addr = mac;
	eh->src_addr = n->nif->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	if (n->tx_n == NET_TX_BURST)
		net_tx_flush(n);
	n->tx[n->tx_n++] = m;
}

void net_tx_flush(struct net_ctx *n)
{
	uint16_t sent = 0;
	for (uint16_t i = 0; i < n->tx_n; i++)
		n->stats->tx_bytes += rte_pktmbuf_pkt_len(n->tx[i]);
	/* A busy NIC may take a burst in parts; give it a few tries, then count. */
	for (int tries = 0; sent < n->tx_n && tries < 4; tries++)
		sent += n->port->tx_burst(n->port, n->queue, n->tx + sent, n->tx_n - sent);
	n->stats->tx_packets += sent;
	for (uint16_t i = sent; i < n->tx_n; i++) {
		n->stats->tx_bytes -= rte_pktmbuf_pkt_len(n->tx[i]);
		n->stats->tx_dropped++;
		rte_pktmbuf_free(n->tx[i]);
	}
	n->tx_n = 0;
}
