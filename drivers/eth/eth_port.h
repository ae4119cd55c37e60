/*
 * NIC port seam. A worker moves packets only through struct eth_port's two
 * burst functions, bound once at setup:
 *   - the DPDK ethdev port (net_tap, net_af_packet, net_memif, a PCI NIC...),
 *     one RX and one TX queue per worker;
 *   - the in-memory port, whose queues are plain rings that unit tests fill
 *     with crafted frames and drain to inspect what the stack sent.
 * The seeded impairment stage (eth_impair.h) wraps either port, between it
 * and the stack, without touching the stack; a strict-offload mode is
 * still to come (#3).
 *
 * Context: queue q is used only by worker q (no locks); setup at boot.
 */
#ifndef RW_ETH_PORT_H
#define RW_ETH_PORT_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
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
	/* memory port: per-queue rings (rx: test -> stack, tx: stack -> test) */
	struct rte_ring *mem_rx[ETH_MAX_QUEUES];
	struct rte_ring *mem_tx[ETH_MAX_QUEUES];
};

/**
 * Configure and start DPDK port @p port_id with @p n_queues RX/TX queue
 * pairs; queue q receives into @p pools[q].
 * Context: boot (main lcore).
 * @return 0 or a negative errno from ethdev.
 */
int eth_port_dpdk_setup(struct eth_port *p, uint16_t port_id, uint16_t n_queues,
			struct rte_mempool *const *pools, uint16_t mtu);
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

#endif
