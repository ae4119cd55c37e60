/*
 * ARP (RFC 826) and the shared ARP cache.
 *
 * The cache is a small open-addressed table keyed by IPv4 address. Each
 * entry is a seqlock: a writer flips seq to odd with a CAS (a concurrent
 * writer on another worker simply skips: the cache is advisory and the next
 * packet refreshes it), writes, and releases seq even; readers retry while
 * seq is odd or changed under them. No reader ever blocks a worker.
 */
#include <string.h>

#include <rte_arp.h>

#include "net.h"

static unsigned arp_slot(uint32_t ip)
{
	return (unsigned)((ip * 2654435761u) >> 24) & (NET_ARP_SLOTS - 1);
}

bool net_arp_lookup(const struct net_arp_cache *c, uint32_t ip, uint64_t now_ms,
		    struct rte_ether_addr *mac)
{
	unsigned s = arp_slot(ip);
	for (unsigned probe = 0; probe < 8; probe++, s = (s + 1) & (NET_ARP_SLOTS - 1)) {
		const struct net_arp_entry *e = &c->e[s];
		for (;;) {
			uint32_t seq = atomic_load_explicit(&e->seq, memory_order_acquire);
			if (seq & 1u)
				continue;
			uint32_t eip = atomic_load_explicit(&e->ip, memory_order_relaxed);
			uint64_t upd = atomic_load_explicit(&e->updated_ms, memory_order_relaxed);
			struct rte_ether_addr tmp;
			memcpy(tmp.addr_bytes, e->mac, RTE_ETHER_ADDR_LEN);
			atomic_thread_fence(memory_order_acquire);
			if (atomic_load_explicit(&e->seq, memory_order_relaxed) != seq)
				continue;
			if (eip == 0)
				return false;
			if (eip != ip)
				break;
			if (now_ms - upd > NET_ARP_MAX_AGE_MS)
				return false;
			*mac = tmp;
			return true;
		}
	}
	return false;
}

void net_arp_update(struct net_arp_cache *c, uint32_t ip, const struct rte_ether_addr *mac,
		    uint64_t now_ms)
{
	unsigned s = arp_slot(ip);
	struct net_arp_entry *victim = NULL;
	for (unsigned probe = 0; probe < 8; probe++, s = (s + 1) & (NET_ARP_SLOTS - 1)) {
		struct net_arp_entry *e = &c->e[s];
		uint32_t eip = atomic_load_explicit(&e->ip, memory_order_relaxed);
		if (eip == ip || eip == 0) {
			victim = e;
			break;
		}
		if (victim == NULL ||
		    atomic_load_explicit(&e->updated_ms, memory_order_relaxed) <
			atomic_load_explicit(&victim->updated_ms, memory_order_relaxed))
			victim = e;
	}
	uint32_t seq = atomic_load_explicit(&victim->seq, memory_order_relaxed);
	if ((seq & 1u) ||
	    !atomic_compare_exchange_strong_explicit(&victim->seq, &seq, seq + 1,
						     memory_order_acquire, memory_order_relaxed))
		return;
	atomic_store_explicit(&victim->ip, ip, memory_order_relaxed);
	memcpy(victim->mac, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	atomic_store_explicit(&victim->updated_ms, now_ms, memory_order_relaxed);
	atomic_store_explicit(&victim->seq, seq + 2, memory_order_release);
}

static void arp_send(struct net_ctx *n, uint16_t op, const struct rte_ether_addr *tha, uint32_t tip,
		     const struct rte_ether_addr *eth_dst)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(n->pool);
	if (m == NULL) {
		n->stats->tx_dropped++;
		return;
	}
	/* 60 bytes: the Ethernet minimum without FCS; some ports drop runts */
	size_t len = RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN;
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)len);
	memset(eh, 0, len);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);
	eh->dst_addr = *eth_dst;
	eh->src_addr = n->nif->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = n->nif->mac;
	ah->arp_data.arp_sip = n->nif->ip;
	ah->arp_data.arp_tha = *tha;
	ah->arp_data.arp_tip = tip;
	if (n->tx_n == NET_TX_BURST)
		net_tx_flush(n);
	n->tx[n->tx_n++] = m;
}

/* RFC 5227 §3 ARP announcement: a request for our own address, sender and
 * target both ours; neighbours holding an entry for it take our MAC. */
void net_send_gratuitous_arp(struct net_ctx *n)
{
	struct rte_ether_addr bcast, zero = {{0}};
	memset(bcast.addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
	arp_send(n, RTE_ARP_OP_REQUEST, &zero, n->nif->ip, &bcast);
	n->stats->arp_gratuitous_sent++;
}

void net_arp_request(struct net_ctx *n, uint32_t ip)
{
	struct rte_ether_addr bcast, zero = {{0}};
	memset(bcast.addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
	arp_send(n, RTE_ARP_OP_REQUEST, &zero, ip, &bcast);
}

/* RFC 826 "packet reception": merge the sender into the cache when it is
 * already known or the request is for us, then answer requests for us. */
void net_arp_input(struct net_ctx *n, struct rte_mbuf *m)
{
	struct rte_arp_hdr *ah =
	    rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*ah) ||
	    ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != 4) {
		n->stats->rx_dropped++;
		goto out;
	}
	uint32_t sip = ah->arp_data.arp_sip;
	bool for_us = ah->arp_data.arp_tip == n->nif->ip;
	struct rte_ether_addr tmp;
	if (sip != 0 && (for_us || net_arp_lookup(n->nif->arp, sip, n->now_ms, &tmp)))
		net_arp_update(n->nif->arp, sip, &ah->arp_data.arp_sha, n->now_ms);
	if (for_us && ah->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		struct rte_ether_addr sha = ah->arp_data.arp_sha;
		arp_send(n, RTE_ARP_OP_REPLY, &sha, sip, &sha);
		n->stats->arp_replies++;
	}
out:
	rte_pktmbuf_free(m);
}
