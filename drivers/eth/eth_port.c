/*
 * DPDK ethdev and in-memory implementations of the port seam (eth_port.h).
 */
#include "eth_port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#define ETH_RX_DESC  1024
#define ETH_TX_DESC  1024
#define ETH_MEM_RING 4096

static uint16_t dpdk_rx(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(p->port_id, q, pkts, n);
}

static uint16_t dpdk_tx(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(p->port_id, q, pkts, n);
}

int eth_port_dpdk_setup(struct eth_port *p, uint16_t port_id, uint16_t n_queues,
			struct rte_mempool *const *pools, uint16_t mtu, uint64_t tx_offload_want)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	int rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0)
		return rc;
	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues)
		return -EINVAL;
	/* What the port advertises of what the stack can use; TSO produces
	 * chained frames, so it needs MULTI_SEGS as well. */
	uint64_t tx = tx_offload_want & info.tx_offload_capa;
	/* net_tap's TSO is software GSO inside the PMD that counts the
	 * Ethernet header against the MTU, so full-sized segments fail
	 * (DPDK 22.11 tap_write_mbufs); it saves nothing over our own
	 * segments either. Checksum offload on tap works and is kept. */
	if (strcmp(info.driver_name, "net_tap") == 0)
		tx &= ~RTE_ETH_TX_OFFLOAD_TCP_TSO;
	if (!(tx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS))
		tx &= ~RTE_ETH_TX_OFFLOAD_TCP_TSO;
	if (!(tx & RTE_ETH_TX_OFFLOAD_TCP_TSO))
		tx &= ~RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	conf.txmode.offloads = tx;
	conf.rxmode.mtu = mtu;
	rc = rte_eth_dev_configure(port_id, n_queues, n_queues, &conf);
	if (rc != 0)
		return rc;
	uint16_t nb_rx = ETH_RX_DESC, nb_tx = ETH_TX_DESC;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rx, &nb_tx);
	if (rc != 0)
		return rc;
	int socket = rte_eth_dev_socket_id(port_id);
	for (uint16_t q = 0; q < n_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rx, (unsigned)socket, NULL, pools[q]);
		if (rc != 0)
			return rc;
		rc = rte_eth_tx_queue_setup(port_id, q, nb_tx, (unsigned)socket, NULL);
		if (rc != 0)
			return rc;
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0)
		return rc;
	rc = rte_eth_macaddr_get(port_id, &p->mac);
	if (rc != 0)
		return rc;
	p->rx_burst = dpdk_rx;
	p->tx_burst = dpdk_tx;
	p->port_id = port_id;
	p->n_queues = n_queues;
	p->mtu = mtu;
	p->tx_offload = tx;
	return 0;
}

void eth_port_dpdk_teardown(struct eth_port *p)
{
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
}

static uint16_t mem_rx(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	return (uint16_t)rte_ring_dequeue_burst(p->mem_rx[q], (void **)pkts, n, NULL);
}

/* Like a NIC, the memory port takes what fits and leaves the rest to the caller. */
static uint16_t mem_tx(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	return (uint16_t)rte_ring_enqueue_burst(p->mem_tx[q], (void **)pkts, n, NULL);
}

int eth_port_mem_create(struct eth_port *p, uint16_t n_queues, const struct rte_ether_addr *mac)
{
	static unsigned seq;
	char name[RTE_RING_NAMESIZE];
	*p = (struct eth_port){.rx_burst = mem_rx,
			       .tx_burst = mem_tx,
			       .mac = *mac,
			       .port_id = UINT16_MAX,
			       .n_queues = n_queues,
			       .mtu = 1500};
	for (uint16_t q = 0; q < n_queues; q++) {
		snprintf(name, sizeof(name), "memrx%u_%u", seq, q);
		p->mem_rx[q] = rte_ring_create(name, ETH_MEM_RING, SOCKET_ID_ANY,
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "memtx%u_%u", seq, q);
		p->mem_tx[q] = rte_ring_create(name, ETH_MEM_RING, SOCKET_ID_ANY,
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (p->mem_rx[q] == NULL || p->mem_tx[q] == NULL) {
			eth_port_mem_destroy(p);
			return -ENOMEM;
		}
	}
	seq++;
	return 0;
}

static void drain_free(struct rte_ring *r)
{
	void *m;
	while (rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

void eth_port_mem_destroy(struct eth_port *p)
{
	for (uint16_t q = 0; q < p->n_queues; q++) {
		if (p->mem_rx[q] != NULL)
			drain_free(p->mem_rx[q]);
		if (p->mem_tx[q] != NULL)
			drain_free(p->mem_tx[q]);
		p->mem_rx[q] = p->mem_tx[q] = NULL;
	}
}

int eth_port_mem_inject(struct eth_port *p, uint16_t q, struct rte_mbuf *m)
{
	return rte_ring_enqueue(p->mem_rx[q], m) == 0 ? 0 : -ENOBUFS;
}

unsigned eth_port_mem_take(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, unsigned n)
{
	return rte_ring_dequeue_burst(p->mem_tx[q], (void **)pkts, n, NULL);
}
