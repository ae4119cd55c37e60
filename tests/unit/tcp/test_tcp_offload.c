/*
 * TX offloads through the strict-offload port (drivers/eth/eth_strict.h):
 * the stack's metadata must satisfy a NIC that takes it at its word, with
 * TSO, with checksum offload only and with none; and the strict port must
 * catch each kind of bad metadata (frames built by hand), so a test that
 * passes through it means something.
 */
#include "eth_strict.h"
#include "test_tcp.h"

static struct eth_strict *strict;

static void use_strict(uint64_t offload)
{
	CU_ASSERT_FATAL(eth_strict_create(&strict, &fx.port, offload) == 0);
	fx.net.port = eth_strict_port(strict);
	fx.net.tx_offload = offload;
}

static void drop_strict(void)
{
	fx.net.port = &fx.port;
	fx.net.tx_offload = 0;
	eth_strict_destroy(&strict);
}

static struct eth_strict_stats strict_stats(void)
{
	struct eth_strict_stats s;
	eth_strict_stats_get(strict, &s);
	return s;
}

#define ALL_OFFLOADS                                                                               \
	(RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |                            \
	 RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
#define CKSUM_OFFLOADS (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM)

/* Open a connection, queue @p len bytes and check what reaches the wire:
 * segments of at most the MSS, valid checksums, contiguous, the pattern.
 * @return the frames seen. */
static unsigned send_and_check(size_t len, uint16_t mss)
{
	static struct fx_pkt p[64];
	struct fx_conn fc;
	fx.app.consume = true;
	CU_ASSERT_FATAL(fx_open(&fc, 40100, 65535, mss) == 0);
	app_write(fc.c, len);
	unsigned n = fx_flush_take(p, 64);
	CU_ASSERT_FATAL(n > 0 && n <= 64);
	uint32_t seq = fc.rcv_nxt;
	for (unsigned i = 0; i < n; i++) {
		CU_ASSERT(p[i].ip_cksum_ok);
		CU_ASSERT(p[i].tcp_cksum_ok);
		CU_ASSERT(p[i].len <= mss);
		CU_ASSERT(p[i].frame_len <= 1514);
		CU_ASSERT_EQUAL(p[i].seq, seq);
		CU_ASSERT(pattern_ok(&p[i], p[i].seq - fc.rcv_nxt));
		seq += p[i].len;
	}
	/* the initial window: 10 segments (RFC 6928) */
	CU_ASSERT_EQUAL(seq - fc.rcv_nxt, len < 10u * mss ? len : 10u * mss);
	return n;
}

static void test_tcp_offload_tso_frames_cut_to_mss_with_valid_checksums(void)
{
	use_strict(ALL_OFFLOADS);
	struct eth_strict_stats before = strict_stats();
	unsigned n = send_and_check(20000, 1460);
	struct eth_strict_stats after = strict_stats();
	CU_ASSERT_EQUAL(n, 10);
	/* the SYN-ACK, then one TSO frame for the whole flight */
	CU_ASSERT_EQUAL(after.checked - before.checked, 2);
	CU_ASSERT_EQUAL(after.segmented - before.segmented, 10);
	CU_ASSERT_EQUAL(eth_strict_violations(strict, 0), 0);
	drop_strict();
}

static void test_tcp_offload_checksum_only_every_segment_passes(void)
{
	use_strict(CKSUM_OFFLOADS);
	struct eth_strict_stats before = strict_stats();
	unsigned n = send_and_check(5000, 1000);
	struct eth_strict_stats after = strict_stats();
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_EQUAL(after.checked - before.checked, 1 + 5);
	CU_ASSERT_EQUAL(after.segmented, 0);
	CU_ASSERT_EQUAL(eth_strict_violations(strict, 0), 0);
	drop_strict();
}

static void test_tcp_offload_none_software_checksums_pass(void)
{
	use_strict(0);
	unsigned n = send_and_check(3000, 1460);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(strict_stats().checked, 1 + 3); /* SYN-ACK, data */
	CU_ASSERT_EQUAL(eth_strict_violations(strict, 0), 0);
	drop_strict();
}

/* Control segments (RST for no connection, cookie SYN-ACKs) carry the
 * same metadata rules. */
static void test_tcp_offload_rst_and_cookie_synack_pass(void)
{
	use_strict(ALL_OFFLOADS);
	fx_send(&(struct fx_seg){.seq = 5, .ack = 9, .flags = FX_ACK, .wnd = FX_WND, .sport = 999});
	fx.tcp.synq_max = 0;
	fx_send(
	    &(struct fx_seg){.seq = 1, .flags = FX_SYN, .wnd = FX_WND, .sport = 998, .mss = 1460});
	struct fx_pkt p[4];
	CU_ASSERT_EQUAL(fx_flush_take(p, 4), 2);
	CU_ASSERT(p[0].tcp_cksum_ok && p[1].tcp_cksum_ok && p[0].ip_cksum_ok && p[1].ip_cksum_ok);
	CU_ASSERT_EQUAL(eth_strict_violations(strict, 0), 0);
	drop_strict();
}

/* ---- the strict port catches bad metadata ---- */

/* A valid IPv4/TCP frame of @p len payload bytes, software checksums. */
static struct rte_mbuf *tcp_frame(uint16_t len)
{
	static uint8_t data[FX_MAX_DATA];
	memset(data, 'x', sizeof(data));
	return fx_tcp_frame(&(struct fx_seg){.seq = 100,
					     .ack = 1,
					     .flags = FX_ACK | FX_PSH,
					     .wnd = FX_WND,
					     .data = data,
					     .len = len});
}

static struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
}

static struct rte_tcp_hdr *th_of(struct rte_mbuf *m)
{
	return (struct rte_tcp_hdr *)(ip_of(m) + 1);
}

/* Metadata for TCP checksum offload, done right. */
static void meta_cksum(struct rte_mbuf *m)
{
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(struct rte_ipv4_hdr);
	m->l4_len = sizeof(struct rte_tcp_hdr);
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
	ip_of(m)->hdr_checksum = 0;
	th_of(m)->cksum = rte_ipv4_phdr_cksum(ip_of(m), 0);
}

static void meta_tso(struct rte_mbuf *m, uint16_t segsz)
{
	meta_cksum(m);
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
	m->tso_segsz = segsz;
	th_of(m)->cksum = rte_ipv4_phdr_cksum(ip_of(m), RTE_MBUF_F_TX_TCP_SEG);
}

/* Send @p m through the strict port: @return frames on the wire. */
static unsigned through(struct rte_mbuf *m, struct fx_pkt *p, unsigned max)
{
	struct eth_port *sp = eth_strict_port(strict);
	CU_ASSERT_EQUAL(sp->tx_burst(sp, 0, &m, 1), 1);
	return fx_take(p, max);
}

static void test_tcp_offload_strict_port_refuses_bad_metadata(void)
{
	static struct fx_pkt p[8];
	struct rte_mbuf *m;
	use_strict(ALL_OFFLOADS);
	struct eth_strict_stats s0 = strict_stats();

	m = tcp_frame(100); /* correct offload metadata: passes, checksums filled in */
	meta_cksum(m);
	CU_ASSERT_EQUAL_FATAL(through(m, p, 8), 1);
	CU_ASSERT(p[0].ip_cksum_ok && p[0].tcp_cksum_ok);

	m = tcp_frame(100); /* offload without TX_IPV4 */
	meta_cksum(m);
	m->ol_flags &= ~RTE_MBUF_F_TX_IPV4;
	CU_ASSERT_EQUAL(through(m, p, 8), 0);

	m = tcp_frame(100); /* l2_len wrong */
	meta_cksum(m);
	m->l2_len = 18;
	CU_ASSERT_EQUAL(through(m, p, 8), 0);

	m = tcp_frame(100); /* IP checksum offload with the field not zeroed */
	meta_cksum(m);
	ip_of(m)->hdr_checksum = rte_ipv4_cksum(ip_of(m));
	CU_ASSERT_EQUAL(through(m, p, 8), 0);

	m = tcp_frame(100); /* l4_len not the TCP header length */
	meta_cksum(m);
	m->l4_len = 32;
	CU_ASSERT_EQUAL(through(m, p, 8), 0);

	m = tcp_frame(100); /* the full checksum where the pseudo-header sum belongs */
	meta_cksum(m);
	th_of(m)->cksum = 0;
	th_of(m)->cksum = rte_ipv4_udptcp_cksum(ip_of(m), th_of(m));
	CU_ASSERT_EQUAL(through(m, p, 8), 0);

	m = tcp_frame(100); /* no offload and a wrong checksum */
	th_of(m)->cksum ^= 0x0101;
	CU_ASSERT_EQUAL(through(m, p, 8), 0);

	m = tcp_frame(1800); /* TSO with the pseudo-header sum including the length */
	meta_tso(m, 600);
	th_of(m)->cksum = rte_ipv4_phdr_cksum(ip_of(m), 0);
	CU_ASSERT_EQUAL(through(m, p, 8), 0);

	m = tcp_frame(1800); /* TSO segments past the MTU */
	meta_tso(m, 1490);
	CU_ASSERT_EQUAL(through(m, p, 8), 0);

	m = tcp_frame(1800); /* TSO done right: three segments of 600 */
	meta_tso(m, 600);
	CU_ASSERT_EQUAL_FATAL(through(m, p, 8), 3);
	for (unsigned i = 0; i < 3; i++) {
		CU_ASSERT(p[i].ip_cksum_ok && p[i].tcp_cksum_ok);
		CU_ASSERT_EQUAL(p[i].len, 600);
		CU_ASSERT_EQUAL(p[i].seq, 100 + 600 * i);
		CU_ASSERT_EQUAL(!!(p[i].flags & FX_PSH), i == 2);
	}

	struct eth_strict_stats s = strict_stats();
	CU_ASSERT_EQUAL(s.bad_l3 - s0.bad_l3, 1);
	CU_ASSERT_EQUAL(s.bad_l2 - s0.bad_l2, 1);
	CU_ASSERT_EQUAL(s.bad_ip_cksum - s0.bad_ip_cksum, 1);
	CU_ASSERT_EQUAL(s.bad_l4_len - s0.bad_l4_len, 1);
	CU_ASSERT_EQUAL(s.bad_phdr - s0.bad_phdr, 2);
	CU_ASSERT_EQUAL(s.bad_l4_cksum - s0.bad_l4_cksum, 1);
	CU_ASSERT_EQUAL(s.bad_tso - s0.bad_tso, 1);
	CU_ASSERT_EQUAL(eth_strict_violations(strict, 0), 8);
	drop_strict();

	use_strict(0); /* an offload the port did not advertise */
	m = tcp_frame(100);
	meta_cksum(m);
	CU_ASSERT_EQUAL(through(m, p, 8), 0);
	CU_ASSERT_EQUAL(strict_stats().bad_unadvertised, 1);
	drop_strict();
}

const struct rw_test_case test_tcp_offload_cases[] = {
    RW_TEST(test_tcp_offload_tso_frames_cut_to_mss_with_valid_checksums),
    RW_TEST(test_tcp_offload_checksum_only_every_segment_passes),
    RW_TEST(test_tcp_offload_none_software_checksums_pass),
    RW_TEST(test_tcp_offload_rst_and_cookie_synack_pass),
    RW_TEST(test_tcp_offload_strict_port_refuses_bad_metadata),
    {NULL, NULL},
};
