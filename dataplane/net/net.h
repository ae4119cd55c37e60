/*
 * Ethernet, ARP, IPv4 and ICMP echo for the dataplane's client port.
 *
 * Input: net_input() takes one received frame, answers ARP and ICMP echo
 * itself and hands valid IPv4/TCP segments to the L4 handler bound at setup
 * (the TCP stack), so this module does not depend on TCP.
 * Output: net_ip_output() prepends Ethernet, resolving the next hop through
 * the ARP cache, and batches frames for the worker's TX queue.
 *
 * The ARP cache is shared by all workers (the kernel may send a peer's ARP
 * traffic to any queue): entries are seqlocked, so readers never block and
 * a writer never waits for a reader.
 *
 * RFCs: 826 (ARP), 791 (IPv4), 1122 §3.2.1 (validation), 792 (ICMP echo),
 * 1191 (ICMP fragmentation needed goes to TCP, which lowers the path MTU).
 * Fragments are dropped and counted: a Redis client's segments never need
 * them (MSS is clamped to the MTU). IPv6 and VLAN tags are not handled yet.
 *
 * Context: net_input/net_ip_output on the owning worker lcore.
 */
#ifndef RW_NET_H
#define RW_NET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "chan.h"
#include "eth_port.h"

#define NET_ARP_SLOTS	   256 /* power of two */
#define NET_ARP_MAX_AGE_MS (20u * 60u * 1000u)
#define NET_TX_BURST	   64

struct net_arp_entry {
	_Atomic uint32_t seq; /* odd while being written */
	_Atomic uint32_t ip;  /* network order; 0 = free */
	uint8_t mac[RTE_ETHER_ADDR_LEN];
	_Atomic uint64_t updated_ms;
};

/* Shared by all workers; created at boot. */
struct net_arp_cache {
	struct net_arp_entry e[NET_ARP_SLOTS];
};

/* The interface's addresses: immutable after boot. */
struct net_if {
	uint32_t ip; /* network order */
	uint32_t mask;
	uint32_t gw; /* 0: on-link only */
	struct rte_ether_addr mac;
	uint16_t mtu;
	struct net_arp_cache *arp;
};

struct net_ctx;
/** L4 handler: @p m's data starts at the IPv4 header; ownership passes. */
typedef void net_l4_fn(void *arg, struct net_ctx *n, struct rte_mbuf *m, struct rte_ipv4_hdr *ip);

/* Per-worker network context. */
struct net_ctx {
	const struct net_if *nif;
	struct eth_port *port;
	uint16_t queue;
	struct rte_mempool *pool;
	struct chan_worker_stats *stats;
	uint64_t tx_offload; /* the port's enabled RTE_ETH_TX_OFFLOAD_* (eth_port.h) */
	net_l4_fn *tcp_input;
	net_l4_fn *tcp_icmp_input; /* ICMP destination unreachable, fragmentation needed */
	void *tcp_arg;
	uint64_t now_ms;
	/* ICMP echo token bucket (replies per second) */
	uint32_t icmp_tokens;
	uint64_t icmp_refill_ms;
	uint16_t tx_n;
	struct rte_mbuf *tx[NET_TX_BURST];
};

/** Parse dotted-quad @p s into network order. @return 0 or -EINVAL. */
int net_parse_ipv4(const char *s, uint32_t *out);

void net_ctx_init(struct net_ctx *n, const struct net_if *nif, struct eth_port *port,
		  uint16_t queue, struct rte_mempool *pool, struct chan_worker_stats *stats);

/** Handle one received frame; always consumes @p m. */
void net_input(struct net_ctx *n, struct rte_mbuf *m);

/** Allocate a frame with room for Ethernet + IPv4 headers in front. */
struct rte_mbuf *net_alloc(struct net_ctx *n);

/**
 * Send an IPv4 packet whose data starts at the IPv4 header (header filled
 * by the caller, checksum included). Prepends Ethernet for the next hop;
 * when the next hop's MAC is unknown, sends an ARP request and drops the
 * packet (TCP retransmits). Consumes @p m.
 */
void net_ip_output(struct net_ctx *n, struct rte_mbuf *m, uint32_t dst_ip);

/** Send batched frames to the port; frames the port refuses are counted and freed. */
void net_tx_flush(struct net_ctx *n);

/** Broadcast a gratuitous ARP for our address (start, address takeover). */
void net_send_gratuitous_arp(struct net_ctx *n);

/** ARP cache lookup. @return true and the MAC if known and fresh. */
bool net_arp_lookup(const struct net_arp_cache *c, uint32_t ip, uint64_t now_ms,
		    struct rte_ether_addr *mac);
void net_arp_update(struct net_arp_cache *c, uint32_t ip, const struct rte_ether_addr *mac,
		    uint64_t now_ms);

/* internal to the module */
void net_arp_input(struct net_ctx *n, struct rte_mbuf *m);
void net_arp_request(struct net_ctx *n, uint32_t ip);

#endif
