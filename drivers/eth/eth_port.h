/*
 * NIC port seam. A worker moves packets only through struct eth_port's two
 * burst functions, bound once at setup:
 *   - the DPDK ethdev port (net_tap, net_af_packet, net_memif, a PCI NIC...),
 *     one RX and one TX queue per worker;
 *   - the in-memory port, whose queues are plain rings that unit tests fill
 *     with crafted frames and drain to inspect what the stack sent.
 * The seeded impairment stage (eth_impair.h) and the strict-offload port
 * (eth_strict.h) wrap either port, between it and the stack.
 *
 * TX offloads: tx_offload holds the RTE_ETH_TX_OFFLOAD_* bits the port has
 * enabled; the stack sets the matching mbuf metadata (checksum offload,
 * TSO) only for those, and computes everything else in software.
 *
 * Context: queue q is used only by worker q (no locks); setup at boot.
 */
#ifndef RW_ETH_PORT_H
#define RW_ETH_PORT_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_ring.h>

struct eth_port;
typedef uint16_t eth_burst_fn(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n);

#define ETH_MAX_QUEUES 64

struct eth_port {
	eth_burst_fn *rx_burst;
	eth_burst_fn *tx_burst;
	struct rte_ether_addr mac;
	uint16_t port_id; /* DPDK port id; UINT16_MAX for the memory port */
	uint16_t n_queues;
	uint16_t mtu;
	uint64_t tx_offload; /* RTE_ETH_TX_OFFLOAD_* enabled (the memory port: none) */
	/* memory port: per-queue rings (rx: test -> stack, tx: stack -> test) */
	struct rte_ring *mem_rx[ETH_MAX_QUEUES];
	struct rte_ring *mem_tx[ETH_MAX_QUEUES];
};

/* The TX offloads the stack can use (eth_port_dpdk_setup's @p tx_offload_want). */
#define ETH_TX_OFFLOAD_STACK                                                                       \
	(RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |                            \
	 RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_MULTI_SEGS)

/**
 * Configure and start DPDK port @p port_id with @p n_queues RX/TX queue
 * pairs; queue q receives into @p pools[q]. Of @p tx_offload_want, the
 * offloads the port advertises (tx_offload_capa) are enabled and recorded
 * in p->tx_offload; TSO only together with multi-segment frames.
 * Context: boot (main lcore).
 * @return 0 or a negative errno from ethdev.
 */
int eth_port_dpdk_setup(struct eth_port *p, uint16_t port_id, uint16_t n_queues,
			struct rte_mempool *const *pools, uint16_t mtu, uint64_t tx_offload_want);
/** Stop and close a DPDK port. */
void eth_port_dpdk_teardown(struct eth_port *p);

/**
 * Create an in-memory port with @p n_queues queues and MAC @p mac.
 * @return 0 or -ENOMEM.
 */
int eth_port_mem_create(struct eth_port *p, uint16_t n_queues, const struct rte_ether_addr *mac);
void eth_port_mem_destroy(struct eth_port *p);
/** Test side: queue a frame for the stack to receive on queue @p q. @return 0 or -ENOBUFS. */
int eth_port_mem_inject(struct eth_port *p, uint16_t q, struct rte_mbuf *m);
/** Test side: take up to @p n frames the stack sent on queue @p q. */
unsigned eth_port_mem_take(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, unsigned n);

/**
 * One's-complement sum of the IPv4 pseudo-header and the L4 bytes of
 * @p m from offset @p l4_off (one mbuf or a chain), folded, not inverted:
 * 0xffff when a received checksum is right; ~sum is the checksum to write
 * over a zeroed field.
 */
static inline uint16_t eth_ipv4_l4_sum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
				       uint32_t l4_off)
{
	uint32_t l4_len = rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip);
	uint16_t raw = 0;
	if (rte_raw_cksum_mbuf(m, l4_off, l4_len, &raw) != 0)
		return 0;
	uint32_t sum = (uint32_t)raw + rte_ipv4_phdr_cksum(ip, 0);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

#endif
