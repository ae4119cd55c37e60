/*
 * libFuzzer target for the dataplane's frame input: Ethernet, ARP, IPv4,
 * ICMP and TCP (dataplane/net, dataplane/tcp) on one stack instance over
 * the in-memory port, with a fake clock.
 *
 * The input is a script of steps, each [op][len lo][len hi][len bytes]:
 *   op & 3 == 0  a frame (the bytes); with op & 4 the harness makes it
 *                reach TCP: our MAC and address, a valid IPv4 header
 *                checksum, and the TCP checksum marked good (checksums are
 *                "off" for the fuzzer, as a NIC's RX offload would say);
 *                with op & 8 as well, the sequence and acknowledgment
 *                numbers become offsets (their low byte, none with op & 16)
 *                from the connection's RCV.NXT and SND.UNA, so segments
 *                land in the window without guessing our ISN;
 *   op & 3 == 1  the clock moves by the first two bytes, in ms, and the
 *                timers run;
 *   op & 3 == 2  the application writes len bytes on the last connection
 *                it accepted (replies piling up);
 *   op & 3 == 3  the application closes (op & 4: aborts) that connection.
 * After every step the stack's output is flushed and taken off the port,
 * and invariants are checked: for every connection SND.UNA <= SND.NXT <=
 * SND.MAX, the unsent offset inside the send buffer, the send records RACK
 * works on (sorted within [SND.UNA, SND.MAX], counters true), the receive buffer
 * within the query-buffer limit, the pool's free count consistent; at the
 * end every mbuf is back in the pool.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "eth_port.h"
#include "net.h"
#include "tcp.h"

#define POOL_SIZE 2047
#define CONNS	  8
#define LPORT	  6379

static struct rte_mempool *pool;
static const struct rte_ether_addr local_mac = {{0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr peer_mac = {{0x02, 0, 0, 0, 0, 0x01}};
#define LOCAL_IP RTE_BE32(RTE_IPV4(198u, 18u, 0u, 2u))
#define PEER_IP	 RTE_BE32(RTE_IPV4(198u, 18u, 0u, 1u))

struct harness {
	struct eth_port port;
	struct net_arp_cache arp;
	struct net_if nif;
	struct net_ctx net;
	struct chan_worker_stats stats;
	struct tcp_stack tcp;
	struct tcp_conn *last;
};
static struct harness h;

static void on_accepted(void *arg, struct tcp_conn *c)
{
	(void)arg;
	h.last = c;
	c->app = &h;
}

/* An echo server that consumes what it reads. */
static void on_readable(void *arg, struct tcp_conn *c)
{
	(void)arg;
	size_t n = c->rcv.len;
	if (n != 0 && c->snd.len < (1u << 20)) {
		if (rw_buf_append(&c->snd, c->rcv.data, n) == 0)
			tcp_output_mark(&h.tcp, c);
	}
	tcp_rcv_consumed(&h.tcp, c, n, 0);
	if (c->peer_fin) {
		tcp_close(&h.tcp, c);
		if (h.last == c)
			h.last = NULL;
	}
}

static void on_reset(void *arg, struct tcp_conn *c)
{
	(void)arg;
	if (h.last == c)
		h.last = NULL;
}

static const struct tcp_app_ops ops = {
    .accepted = on_accepted, .readable = on_readable, .reset = on_reset};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=rwfz-%d", (int)getpid());
	char *eal[] = {"fuzz_frame",	     "--no-huge",      "-m",   "128", "--no-pci",
		       "--no-shconf",	     "--no-telemetry", prefix, "-l",  "0",
		       "--log-level=*:error"};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		abort();
	}
	rmdir(rte_eal_get_runtime_dir());
	pool = rte_pktmbuf_pool_create("fz_pool", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	return 0;
}

static void drain_tx(void)
{
	struct rte_mbuf *m[64];
	unsigned n;
	tcp_output_flush(&h.tcp);
	net_tx_flush(&h.net);
	while ((n = eth_port_mem_take(&h.port, 0, m, 64)) != 0)
		rte_pktmbuf_free_bulk(m, n);
}

static void check_invariants(void)
{
	uint32_t used = 0;
	for (uint32_t i = 0; i < h.tcp.max_conns; i++) {
		const struct tcp_conn *c = &h.tcp.conns[i];
		if (c->state == TCP_FREE)
			continue;
		used++;
		if (c->state == TCP_SYN_RCVD)
			continue;
		if (!seq_leq(c->snd_una, c->snd_nxt) || !seq_leq(c->snd_nxt, c->snd_max))
			abort();
		if (c->snd_off > c->snd.len)
			abort();
		/* the limit, passed at most by a window already announced, which
		 * is honoured until the buffer is a maximum window past it
		 * (tcp_out.c, "The right edge never moves left") */
		if (c->rcv.len > (size_t)h.tcp.rcv_limit + 2 * ((size_t)65535 << c->rcv_wscale))
			abort();
		/* what is outstanding is data (or our FIN) we hold */
		if (c->snd_max - c->snd_una > (uint32_t)(c->snd.len - c->snd_off) + 1u)
			abort();
		/* the send records RACK works on (tcp_rack.c) */
		if (c->sack_ok && !tcp_rack_check(c))
			abort();
	}
	if (used + h.tcp.n_free != h.tcp.max_conns)
		abort();
}

/* Address the frame to us, fix the IPv4 header checksum and mark the L4
 * checksum good, so the fuzzer spends its time past the checksums. */
static void make_deliverable(struct rte_mbuf *m, uint8_t op)
{
	uint32_t len = rte_pktmbuf_data_len(m);
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	if (len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))
		return;
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f;
	eh->dst_addr = local_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	ip->version_ihl = (uint8_t)(0x40 | (ip->version_ihl & 0x0f));
	ip->dst_addr = LOCAL_IP;
	ip->src_addr = PEER_IP;
	ip->next_proto_id = IPPROTO_TCP;
	ip->fragment_offset = 0;
	uint32_t ihl = rte_ipv4_hdr_len(ip);
	if (ihl < sizeof(*ip) || sizeof(*eh) + ihl > len)
		return;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eh)));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, ihl);
	if (sizeof(*eh) + ihl + sizeof(struct rte_tcp_hdr) <= len) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
		th->dst_port = rte_cpu_to_be_16(LPORT);
		struct tcp_conn *c =
		    (op & 8) ? tcp_flow_lookup(&h.tcp, PEER_IP, th->src_port, th->dst_port) : NULL;
		if (c != NULL) {
			uint32_t ds = (op & 16) ? 0 : rte_be_to_cpu_32(th->sent_seq) & 0xff;
			uint32_t da = (op & 16) ? 0 : rte_be_to_cpu_32(th->recv_ack) & 0xff;
			th->sent_seq = rte_cpu_to_be_32(c->rcv_nxt + ds);
			th->recv_ack = rte_cpu_to_be_32(c->snd_una + da);
		}
	}
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

static void step_frame(uint8_t op, const uint8_t *p, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		abort(); /* every earlier mbuf must have come back */
	if (len > rte_pktmbuf_tailroom(m))
		len = rte_pktmbuf_tailroom(m);
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, len);
	if (len != 0)
		memcpy(d, p, len);
	if (op & 4)
		make_deliverable(m, op);
	net_input(&h.net, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(&h, 0, sizeof(h));
	if (eth_port_mem_create(&h.port, 1, &local_mac) != 0)
		abort();
	h.nif = (struct net_if){.ip = LOCAL_IP,
				.mask = RTE_BE32(0xffffff00u),
				.mac = local_mac,
				.mtu = 1500,
				.arp = &h.arp};
	net_ctx_init(&h.net, &h.nif, &h.port, 0, pool, &h.stats);
	h.net.now_ms = 1000000;
	net_arp_update(&h.arp, PEER_IP, &peer_mac, h.net.now_ms);
	if (tcp_stack_init(&h.tcp, &h.net, LPORT, CONNS, &ops, NULL, 0) != 0)
		abort();
	h.tcp.now_us = h.net.now_ms * 1000u;
	h.tcp.rcv_limit = 1u << 16;
	h.tcp.synq_max = 2; /* cookies come into play early */
	/* fixed secrets: the same input takes the same path (rte_rand differs) */
	memset(h.tcp.isn_secret, 0x5a, sizeof(h.tcp.isn_secret));
	memset(h.tcp.cookie_secret, 0xa5, sizeof(h.tcp.cookie_secret));
	size_t off = 0;
	for (unsigned steps = 0; off + 3 <= size && steps < 256; steps++) {
		uint8_t op = data[off];
		uint16_t len = (uint16_t)(data[off + 1] | (data[off + 2] << 8));
		off += 3;
		if (len > size - off)
			len = (uint16_t)(size - off);
		const uint8_t *p = data + off;
		off += len;
		switch (op & 3) {
		case 0:
			step_frame(op, p, len);
			break;
		case 1: {
			uint32_t ms = len >= 2 ? (uint32_t)(p[0] | (p[1] << 8)) : len;
			h.tcp.now_us += (uint64_t)ms * 1000u;
			h.net.now_ms = h.tcp.now_us / 1000u;
			tcp_timers_run(&h.tcp);
			break;
		}
		case 2:
			if (h.last != NULL && h.last->snd.len < (1u << 20) &&
			    rw_buf_append(&h.last->snd, p, len) == 0)
				tcp_output_mark(&h.tcp, h.last);
			break;
		default:
			if (h.last != NULL) {
				if (op & 4)
					tcp_abort(&h.tcp, h.last);
				else
					tcp_close(&h.tcp, h.last);
				h.last = NULL;
			}
			break;
		}
		drain_tx();
		check_invariants();
	}
	drain_tx();
	tcp_stack_fini(&h.tcp);
	eth_port_mem_destroy(&h.port); /* frees what is still queued */
	if (rte_mempool_avail_count(pool) != POOL_SIZE)
		abort(); /* an mbuf leaked */
	return 0;
}
