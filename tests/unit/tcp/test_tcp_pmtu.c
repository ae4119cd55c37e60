/*
 * Path MTU (tcp_pmtu.c, RFC 1191): ICMP fragmentation needed quoting one of
 * our segments lowers the connection's MSS and what was in flight goes
 * again in segments that fit; a message that does not quote a segment in
 * flight (RFC 5927 §4.1), or lacks the MTU, changes nothing.
 */
#include "test_tcp.h"

/* ICMP 3/4 from a router, quoting the start of our segment at @p seq. */
static void frag_needed(const struct fx_conn *fc, uint32_t seq, uint16_t mtu)
{
	uint8_t b[8 + 20 + 8];
	memset(b, 0, sizeof(b));
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)b;
	ic->icmp_type = 3;
	ic->icmp_code = 4;
	ic->icmp_seq_nb = rte_cpu_to_be_16(mtu);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(b + 8);
	in->version_ihl = RTE_IPV4_VHL_DEF;
	in->total_length = rte_cpu_to_be_16(1500);
	in->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	in->time_to_live = 63;
	in->next_proto_id = IPPROTO_TCP;
	in->src_addr = FX_LOCAL_IP;
	in->dst_addr = FX_PEER_IP;
	in->hdr_checksum = rte_ipv4_cksum(in);
	uint8_t *l4 = b + 28;
	uint16_t sport = rte_cpu_to_be_16(FX_LPORT), dport = rte_cpu_to_be_16(fc->port);
	uint32_t nseq = rte_cpu_to_be_32(seq);
	memcpy(l4, &sport, 2);
	memcpy(l4 + 2, &dport, 2);
	memcpy(l4 + 4, &nseq, 4);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(b, sizeof(b));
	fx_input(fx_ipv4_frame(IPPROTO_ICMP, b, sizeof(b)));
}

static void test_tcp_pmtu_frag_needed_lowers_mss_and_resends(void)
{
	struct fx_conn fc;
	static struct fx_pkt p[16];
	CU_ASSERT_FATAL(fx_open(&fc, 41100, FX_WND, 1460) == 0);
	app_write(fc.c, 2920);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 2);
	CU_ASSERT_EQUAL(p[0].len, 1460);
	frag_needed(&fc, fc.rcv_nxt, 1000);
	CU_ASSERT_EQUAL(fc.c->mss, 960);
	CU_ASSERT_EQUAL(fx.stats.tcp_pmtu_lowered, 1);
	unsigned n = fx_flush_take(p, 16);
	CU_ASSERT_EQUAL_FATAL(n, 4); /* 2920 bytes again, 960 at a time */
	uint32_t seq = fc.rcv_nxt;
	for (unsigned i = 0; i < n; i++) {
		CU_ASSERT(p[i].len <= 960);
		CU_ASSERT_EQUAL(p[i].seq, seq);
		CU_ASSERT(pattern_ok(&p[i], p[i].seq - fc.rcv_nxt));
		seq += p[i].len;
	}
	CU_ASSERT_EQUAL(seq, fc.rcv_nxt + 2920);
}

static void test_tcp_pmtu_ignores_unvalidated_or_useless_messages(void)
{
	struct fx_conn fc;
	static struct fx_pkt p[16];
	CU_ASSERT_FATAL(fx_open(&fc, 41101, FX_WND, 1460) == 0);
	app_write(fc.c, 1460);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 1);
	frag_needed(&fc, fc.rcv_nxt + 5000, 1000); /* not in flight: a blind guess */
	frag_needed(&fc, fc.rcv_nxt - 100, 1000);  /* already acknowledged */
	frag_needed(&fc, fc.rcv_nxt, 0);	   /* no MTU (pre-RFC 1191 router) */
	frag_needed(&fc, fc.rcv_nxt, 1500);	   /* no smaller than what we use */
	CU_ASSERT_EQUAL(fc.c->mss, 1460);
	frag_needed(&fc, fc.rcv_nxt, 100); /* absurdly small: floored at 576 */
	CU_ASSERT_EQUAL(fc.c->mss, 536);
	CU_ASSERT_EQUAL(fx.stats.tcp_pmtu_lowered, 1);
	fx_flush_take(p, 16);
}

const struct rw_test_case test_tcp_pmtu_cases[] = {
    RW_TEST(test_tcp_pmtu_frag_needed_lowers_mss_and_resends),
    RW_TEST(test_tcp_pmtu_ignores_unvalidated_or_useless_messages),
    {NULL, NULL},
};
