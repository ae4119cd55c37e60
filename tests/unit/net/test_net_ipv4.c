/*
 * Unit tests for Ethernet classification, IPv4 validation (RFC 791, RFC
 * 1122 §3.2.1) and ICMP echo (RFC 792) in dataplane/net/net.c.
 */
#include <string.h>

#include "test_net.h"

/* The frame is dropped, counted once in rx_dropped, and nothing is sent. */
static void expect_dropped(struct rte_mbuf *m)
{
	struct fx_pkt p;
	uint64_t dropped = fx.stats.rx_dropped, replies = fx.stats.icmp_echo_replies;
	fx_input(m);
	CU_ASSERT_EQUAL(fx.stats.rx_dropped, dropped + 1);
	fx_flush();
	CU_ASSERT_EQUAL(fx_take(&p, 1), 0);
	CU_ASSERT_EQUAL(fx.stats.icmp_echo_replies, replies);
}

static const uint8_t payload[56] = "redwire echo payload 0123456789abcdefghijklmnopqrstuvw";

static void test_net_icmp_echo_gets_reply_with_same_id_seq_and_payload(void)
{
	struct fx_pkt p;
	fx_input(fx_icmp_echo_frame(0x1234, 7, payload, sizeof(payload)));
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.ether_type, RTE_ETHER_TYPE_IPV4);
	CU_ASSERT(rte_is_same_ether_addr(&p.eth.src_addr, &fx.nif.mac));
	CU_ASSERT_EQUAL(p.eth.dst_addr.addr_bytes[5], 0x01);
	CU_ASSERT_EQUAL(p.ip.src_addr, FX_LOCAL_IP);
	CU_ASSERT_EQUAL(p.ip.dst_addr, FX_PEER_IP);
	CU_ASSERT_EQUAL(p.ip.next_proto_id, IPPROTO_ICMP);
	CU_ASSERT(p.ip_cksum_ok);
	CU_ASSERT_EQUAL(p.icmp.icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	CU_ASSERT_EQUAL(p.icmp.icmp_code, 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(p.icmp.icmp_ident), 0x1234);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(p.icmp.icmp_seq_nb), 7);
	CU_ASSERT(p.icmp_cksum_ok);
	CU_ASSERT_EQUAL_FATAL(p.len, sizeof(payload));
	CU_ASSERT(memcmp(p.data, payload, sizeof(payload)) == 0);
	CU_ASSERT_EQUAL(fx.stats.icmp_echo_replies, 1);
	CU_ASSERT_EQUAL(fx.stats.rx_packets, 1);
	CU_ASSERT_EQUAL(fx.stats.tx_packets, 1);
	CU_ASSERT_EQUAL(fx.stats.rx_dropped, 0);
}

static void test_net_icmp_echo_odd_length_payload_checksums_valid(void)
{
	struct fx_pkt p;
	fx_input(fx_icmp_echo_frame(1, 1, payload, 13));
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT(p.icmp_cksum_ok);
	CU_ASSERT_EQUAL(p.len, 13);
	CU_ASSERT(memcmp(p.data, payload, 13) == 0);
}

static void test_net_icmp_echo_rate_limited_to_1000_per_second(void)
{
	struct fx_pkt p;
	unsigned replies = 0;
	for (unsigned i = 0; i < 1000; i++) {
		fx_input(fx_icmp_echo_frame(1, (uint16_t)i, payload, 8));
		if (i % 32 == 31)
			replies += fx_take(&p, 1);
	}
	replies += fx_take(&p, 1);
	CU_ASSERT_EQUAL(replies, 1000);
	/* the bucket is empty for the rest of this second */
	fx_advance_ms(999);
	expect_dropped(fx_icmp_echo_frame(1, 1000, payload, 8));
	CU_ASSERT_EQUAL(fx.stats.icmp_echo_replies, 1000);
	/* and full again in the next */
	fx_advance_ms(1);
	fx_input(fx_icmp_echo_frame(1, 1001, payload, 8));
	CU_ASSERT_EQUAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(fx.stats.icmp_echo_replies, 1001);
}

static void test_net_icmp_bad_checksum_dropped(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(fx_frame_ip(m) + 1);
	ic->icmp_cksum ^= 0x4000;
	expect_dropped(m);
}

static void test_net_icmp_echo_reply_not_answered(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(fx_frame_ip(m) + 1);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + 8);
	expect_dropped(m);
}

static void test_net_ipv4_bad_header_checksum_dropped(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	fx_frame_ip(m)->hdr_checksum ^= 0x0100;
	expect_dropped(m);
}

static void test_net_ipv4_bad_version_dropped(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	fx_frame_ip(m)->version_ihl = 0x65;
	fx_frame_ip_cksum(m);
	expect_dropped(m);
}

static void test_net_ipv4_header_length_below_minimum_dropped(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	fx_frame_ip(m)->version_ihl = 0x44;
	fx_frame_ip_cksum(m);
	expect_dropped(m);
}

static void test_net_ipv4_total_length_beyond_frame_dropped(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	struct rte_ipv4_hdr *ip = fx_frame_ip(m);
	ip->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->total_length) + 1);
	fx_frame_ip_cksum(m);
	expect_dropped(m);
}

static void test_net_ipv4_total_length_below_header_dropped(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	fx_frame_ip(m)->total_length = rte_cpu_to_be_16(19);
	fx_frame_ip_cksum(m);
	expect_dropped(m);
}

static void test_net_ipv4_frame_shorter_than_header_dropped(void)
{
	uint8_t half[10] = {0x45};
	expect_dropped(fx_eth_frame(&fx.nif.mac, RTE_ETHER_TYPE_IPV4, half, sizeof(half)));
}

static void test_net_ipv4_first_fragment_dropped(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	fx_frame_ip(m)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	fx_frame_ip_cksum(m);
	expect_dropped(m);
}

static void test_net_ipv4_later_fragment_dropped(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	fx_frame_ip(m)->fragment_offset = rte_cpu_to_be_16(185); /* offset 1480 bytes, last */
	fx_frame_ip_cksum(m);
	expect_dropped(m);
}

static void test_net_ipv4_dont_fragment_flag_accepted(void)
{
	struct fx_pkt p;
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	fx_frame_ip(m)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	fx_frame_ip_cksum(m);
	fx_input(m);
	CU_ASSERT_EQUAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(fx.stats.rx_dropped, 0);
}

static void test_net_ipv4_broadcast_or_multicast_source_dropped(void)
{
	static const uint32_t sources[] = {
	    RTE_BE32(RTE_IPV4(255u, 255u, 255u, 255u)), RTE_BE32(RTE_IPV4(198u, 18u, 0u, 255u)),
	    RTE_BE32(RTE_IPV4(224u, 0u, 0u, 1u)), RTE_BE32(RTE_IPV4(0u, 0u, 0u, 0u))};
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
		fx_frame_ip(m)->src_addr = sources[i];
		fx_frame_ip_cksum(m);
		expect_dropped(m);
	}
}

static void test_net_ipv4_wrong_destination_dropped(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	fx_frame_ip(m)->dst_addr = FX_OTHER_IP;
	fx_frame_ip_cksum(m);
	expect_dropped(m);
}

static void test_net_ipv4_unknown_protocol_dropped(void)
{
	uint8_t udp[8] = {0};
	expect_dropped(fx_ipv4_frame(IPPROTO_UDP, udp, sizeof(udp)));
}

static void test_net_tcp_without_l4_handler_dropped(void)
{
	uint8_t syn[20] = {0x9c, 0x40, 0x18, 0xeb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff};
	fx.net.tcp_input = NULL; /* frames may arrive before TCP is set up */
	expect_dropped(fx_ipv4_frame(IPPROTO_TCP, syn, sizeof(syn)));
}

static void test_net_ipv4_header_options_accepted(void)
{
	/* IHL 6: one NOP word of options; the reply keeps them */
	struct fx_pkt p;
	uint8_t l4[4 + sizeof(struct rte_icmp_hdr) + 8] = {1, 1, 1, 0};
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(l4 + 4);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_ident = rte_cpu_to_be_16(9);
	memcpy(ic + 1, payload, 8);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + 8);
	struct rte_mbuf *m = fx_ipv4_frame(IPPROTO_ICMP, l4, sizeof(l4));
	fx_frame_ip(m)->version_ihl = 0x46;
	fx_frame_ip_cksum(m);
	fx_input(m);
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT(p.ip_cksum_ok);
	CU_ASSERT(p.icmp_cksum_ok);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(p.icmp.icmp_ident), 9);
}

static void test_net_ethernet_padding_trimmed(void)
{
	/* a 42-byte echo request padded to the 60-byte Ethernet minimum */
	struct fx_pkt p;
	struct rte_mbuf *m = fx_icmp_echo_frame(5, 6, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_pkt_len(m), 42);
	uint8_t *pad = (uint8_t *)rte_pktmbuf_append(m, 18);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pad);
	memset(pad, 0xee, 18);
	fx_input(m);
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.frame_len, 42);
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT(p.icmp_cksum_ok);
	CU_ASSERT_EQUAL(fx.stats.rx_bytes, 60);
}

static void test_net_ethernet_frame_for_other_mac_dropped(void)
{
	struct rte_ether_addr other = {{0x02, 0, 0, 0, 0, 0x99}};
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = other;
	expect_dropped(m);
}

static void test_net_ethernet_unknown_ether_type_dropped(void)
{
	uint8_t ipv6[40] = {0x60};
	expect_dropped(fx_eth_frame(&fx.nif.mac, RTE_ETHER_TYPE_IPV6, ipv6, sizeof(ipv6)));
}

static void test_net_ethernet_runt_frame_dropped(void)
{
	struct rte_mbuf *m = fx_icmp_echo_frame(1, 1, payload, 8);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - 10));
	expect_dropped(m);
}

static void test_net_parse_ipv4_accepts_dotted_quad_only(void)
{
	uint32_t a = 0;
	CU_ASSERT_EQUAL(net_parse_ipv4("198.18.0.2", &a), 0);
	CU_ASSERT_EQUAL(a, FX_LOCAL_IP);
	CU_ASSERT_EQUAL(net_parse_ipv4("198.18.0", &a), -EINVAL);
	CU_ASSERT_EQUAL(net_parse_ipv4("198.18.0.256", &a), -EINVAL);
	CU_ASSERT_EQUAL(net_parse_ipv4("", &a), -EINVAL);
}

const struct rw_test_case test_net_ipv4_cases[] = {
    RW_TEST(test_net_icmp_echo_gets_reply_with_same_id_seq_and_payload),
    RW_TEST(test_net_icmp_echo_odd_length_payload_checksums_valid),
    RW_TEST(test_net_icmp_echo_rate_limited_to_1000_per_second),
    RW_TEST(test_net_icmp_bad_checksum_dropped),
    RW_TEST(test_net_icmp_echo_reply_not_answered),
    RW_TEST(test_net_ipv4_bad_header_checksum_dropped),
    RW_TEST(test_net_ipv4_bad_version_dropped),
    RW_TEST(test_net_ipv4_header_length_below_minimum_dropped),
    RW_TEST(test_net_ipv4_total_length_beyond_frame_dropped),
    RW_TEST(test_net_ipv4_total_length_below_header_dropped),
    RW_TEST(test_net_ipv4_frame_shorter_than_header_dropped),
    RW_TEST(test_net_ipv4_first_fragment_dropped),
    RW_TEST(test_net_ipv4_later_fragment_dropped),
    RW_TEST(test_net_ipv4_dont_fragment_flag_accepted),
    RW_TEST(test_net_ipv4_wrong_destination_dropped),
    RW_TEST(test_net_ipv4_unknown_protocol_dropped),
    RW_TEST(test_net_tcp_without_l4_handler_dropped),
    RW_TEST(test_net_ipv4_header_options_accepted),
    RW_TEST(test_net_ethernet_padding_trimmed),
    RW_TEST(test_net_ethernet_frame_for_other_mac_dropped),
    RW_TEST(test_net_ethernet_unknown_ether_type_dropped),
    RW_TEST(test_net_ethernet_runt_frame_dropped),
    RW_TEST(test_net_ipv4_broadcast_or_multicast_source_dropped),
    RW_TEST(test_net_parse_ipv4_accepts_dotted_quad_only),
    {NULL, NULL},
};
