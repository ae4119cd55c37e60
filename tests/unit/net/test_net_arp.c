/*
 * Unit tests for ARP (RFC 826) and IPv4 output's next-hop resolution
 * (dataplane/net: net_arp.c, net_ip_output). Frames go in through
 * net_input; what the stack sends is taken from the in-memory port.
 */
#include <string.h>

#include "test_net.h"

static const struct rte_ether_addr other_mac = {{0x02, 0, 0, 0, 0, 0x77}};

static void test_net_arp_request_for_us_gets_reply_and_requester_learned(void)
{
	struct fx_pkt p;
	struct rte_ether_addr mac;
	CU_ASSERT_FALSE(net_arp_lookup(&fx.arp, FX_OTHER_IP, fx.net.now_ms, &mac));
	fx_input(fx_arp_frame(RTE_ARP_OP_REQUEST, &other_mac, FX_OTHER_IP, FX_LOCAL_IP));
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.ether_type, RTE_ETHER_TYPE_ARP);
	CU_ASSERT(rte_is_same_ether_addr(&p.eth.dst_addr, &other_mac));
	CU_ASSERT(rte_is_same_ether_addr(&p.eth.src_addr, &fx.nif.mac));
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(p.arp.arp_opcode), RTE_ARP_OP_REPLY);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(p.arp.arp_hardware), RTE_ARP_HRD_ETHER);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(p.arp.arp_protocol), RTE_ETHER_TYPE_IPV4);
	CU_ASSERT_EQUAL(p.arp.arp_hlen, RTE_ETHER_ADDR_LEN);
	CU_ASSERT_EQUAL(p.arp.arp_plen, 4);
	CU_ASSERT(rte_is_same_ether_addr(&p.arp.arp_data.arp_sha, &fx.nif.mac));
	CU_ASSERT_EQUAL(p.arp.arp_data.arp_sip, FX_LOCAL_IP);
	CU_ASSERT(rte_is_same_ether_addr(&p.arp.arp_data.arp_tha, &other_mac));
	CU_ASSERT_EQUAL(p.arp.arp_data.arp_tip, FX_OTHER_IP);
	CU_ASSERT_EQUAL(fx.stats.arp_replies, 1);
	CU_ASSERT_EQUAL(fx.stats.rx_dropped, 0);
	CU_ASSERT_FATAL(net_arp_lookup(&fx.arp, FX_OTHER_IP, fx.net.now_ms, &mac));
	CU_ASSERT(rte_is_same_ether_addr(&mac, &other_mac));
}

static void test_net_arp_reply_padded_to_ethernet_minimum(void)
{
	struct fx_pkt p;
	fx_input(fx_arp_frame(RTE_ARP_OP_REQUEST, &other_mac, FX_OTHER_IP, FX_LOCAL_IP));
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.frame_len, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
}

static void test_net_arp_request_for_other_address_not_answered(void)
{
	struct fx_pkt p;
	struct rte_ether_addr mac;
	uint32_t tip = RTE_BE32(RTE_IPV4(198u, 18u, 0u, 99u));
	fx_input(fx_arp_frame(RTE_ARP_OP_REQUEST, &other_mac, FX_OTHER_IP, tip));
	CU_ASSERT_EQUAL(fx_take(&p, 1), 0);
	CU_ASSERT_EQUAL(fx.stats.arp_replies, 0);
	/* RFC 826: an unknown sender is merged only when the packet is for us */
	CU_ASSERT_FALSE(net_arp_lookup(&fx.arp, FX_OTHER_IP, fx.net.now_ms, &mac));
}

static void test_net_arp_from_known_sender_refreshes_its_mac(void)
{
	struct fx_pkt p;
	struct rte_ether_addr mac;
	uint32_t tip = RTE_BE32(RTE_IPV4(198u, 18u, 0u, 99u));
	/* the peer (already cached) moved to a new MAC and asks for someone else */
	fx_input(fx_arp_frame(RTE_ARP_OP_REQUEST, &other_mac, FX_PEER_IP, tip));
	CU_ASSERT_EQUAL(fx_take(&p, 1), 0);
	CU_ASSERT_FATAL(net_arp_lookup(&fx.arp, FX_PEER_IP, fx.net.now_ms, &mac));
	CU_ASSERT(rte_is_same_ether_addr(&mac, &other_mac));
}

static void test_net_arp_reply_for_us_is_learned_without_answer(void)
{
	struct fx_pkt p;
	struct rte_ether_addr mac;
	fx_input(fx_arp_frame(RTE_ARP_OP_REPLY, &other_mac, FX_OTHER_IP, FX_LOCAL_IP));
	CU_ASSERT_EQUAL(fx_take(&p, 1), 0);
	CU_ASSERT_EQUAL(fx.stats.arp_replies, 0);
	CU_ASSERT_FATAL(net_arp_lookup(&fx.arp, FX_OTHER_IP, fx.net.now_ms, &mac));
	CU_ASSERT(rte_is_same_ether_addr(&mac, &other_mac));
}

static void test_net_arp_truncated_or_non_ethernet_dropped(void)
{
	struct fx_pkt p;
	struct rte_ether_addr bcast;
	memset(bcast.addr_bytes, 0xff, sizeof(bcast.addr_bytes));
	struct rte_arp_hdr ah = {
	    .arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER),
	    .arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4),
	    .arp_hlen = RTE_ETHER_ADDR_LEN,
	    .arp_plen = 4,
	    .arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST),
	};
	ah.arp_data.arp_sip = FX_OTHER_IP;
	ah.arp_data.arp_tip = FX_LOCAL_IP;
	fx_input(fx_eth_frame(&bcast, RTE_ETHER_TYPE_ARP, &ah, sizeof(ah) - 4));
	ah.arp_hardware = rte_cpu_to_be_16(6); /* IEEE 802 */
	fx_input(fx_eth_frame(&bcast, RTE_ETHER_TYPE_ARP, &ah, sizeof(ah)));
	CU_ASSERT_EQUAL(fx_take(&p, 1), 0);
	CU_ASSERT_EQUAL(fx.stats.rx_dropped, 2);
	CU_ASSERT_EQUAL(fx.stats.arp_replies, 0);
}

static void test_net_gratuitous_arp_announces_our_address(void)
{
	struct fx_pkt p;
	net_send_gratuitous_arp(&fx.net);
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.ether_type, RTE_ETHER_TYPE_ARP);
	CU_ASSERT(rte_is_broadcast_ether_addr(&p.eth.dst_addr));
	CU_ASSERT(rte_is_same_ether_addr(&p.eth.src_addr, &fx.nif.mac));
	/* RFC 5227 §3: a request with sender = target = our address */
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(p.arp.arp_opcode), RTE_ARP_OP_REQUEST);
	CU_ASSERT(rte_is_same_ether_addr(&p.arp.arp_data.arp_sha, &fx.nif.mac));
	CU_ASSERT_EQUAL(p.arp.arp_data.arp_sip, FX_LOCAL_IP);
	CU_ASSERT_EQUAL(p.arp.arp_data.arp_tip, FX_LOCAL_IP);
	CU_ASSERT(rte_is_zero_ether_addr(&p.arp.arp_data.arp_tha));
}

/* An IPv4 packet (header only) for net_ip_output. */
static struct rte_mbuf *ip_packet(uint32_t dst)
{
	struct rte_mbuf *m = net_alloc(&fx.net);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	struct rte_ipv4_hdr *ip =
	    (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, sizeof(struct rte_ipv4_hdr));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ip);
	*ip = (struct rte_ipv4_hdr){
	    .version_ihl = RTE_IPV4_VHL_DEF,
	    .total_length = rte_cpu_to_be_16(sizeof(*ip)),
	    .time_to_live = 64,
	    .next_proto_id = 253, /* RFC 3692 experimentation */
	    .src_addr = FX_LOCAL_IP,
	    .dst_addr = dst,
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

static void test_net_output_to_known_next_hop_prepends_ethernet(void)
{
	struct fx_pkt p;
	net_ip_output(&fx.net, ip_packet(FX_PEER_IP), FX_PEER_IP);
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.ether_type, RTE_ETHER_TYPE_IPV4);
	CU_ASSERT_EQUAL(p.eth.dst_addr.addr_bytes[5], 0x01);
	CU_ASSERT(rte_is_same_ether_addr(&p.eth.src_addr, &fx.nif.mac));
	CU_ASSERT_EQUAL(p.ip.dst_addr, FX_PEER_IP);
	CU_ASSERT(p.ip_cksum_ok);
	CU_ASSERT_EQUAL(fx.stats.tx_packets, 1);
	CU_ASSERT_EQUAL(fx.stats.tx_bytes, 14 + 20);
}

static void test_net_output_to_unknown_next_hop_sends_arp_request(void)
{
	struct fx_pkt p;
	net_ip_output(&fx.net, ip_packet(FX_OTHER_IP), FX_OTHER_IP);
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.ether_type, RTE_ETHER_TYPE_ARP);
	CU_ASSERT(rte_is_broadcast_ether_addr(&p.eth.dst_addr));
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(p.arp.arp_opcode), RTE_ARP_OP_REQUEST);
	CU_ASSERT(rte_is_same_ether_addr(&p.arp.arp_data.arp_sha, &fx.nif.mac));
	CU_ASSERT_EQUAL(p.arp.arp_data.arp_sip, FX_LOCAL_IP);
	CU_ASSERT_EQUAL(p.arp.arp_data.arp_tip, FX_OTHER_IP);
	CU_ASSERT_EQUAL(fx.stats.tx_dropped, 1); /* the packet itself (TCP retransmits) */
}

static void test_net_output_off_subnet_resolves_the_gateway(void)
{
	struct fx_pkt p;
	uint32_t gw = RTE_BE32(RTE_IPV4(198u, 18u, 0u, 254u));
	uint32_t far = RTE_BE32(RTE_IPV4(203u, 0u, 113u, 9u));
	fx.nif.gw = gw;
	net_ip_output(&fx.net, ip_packet(far), far);
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.ether_type, RTE_ETHER_TYPE_ARP);
	CU_ASSERT_EQUAL(p.arp.arp_data.arp_tip, gw);
	/* the gateway answers; the next packet goes to its MAC */
	fx_input(fx_arp_frame(RTE_ARP_OP_REPLY, &other_mac, gw, FX_LOCAL_IP));
	net_ip_output(&fx.net, ip_packet(far), far);
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.ether_type, RTE_ETHER_TYPE_IPV4);
	CU_ASSERT(rte_is_same_ether_addr(&p.eth.dst_addr, &other_mac));
	CU_ASSERT_EQUAL(p.ip.dst_addr, far);
	/* an on-link destination is never sent to the gateway */
	net_ip_output(&fx.net, ip_packet(FX_PEER_IP), FX_PEER_IP);
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.eth.dst_addr.addr_bytes[5], 0x01);
}

static void test_net_arp_entry_expires_after_max_age(void)
{
	struct rte_ether_addr mac;
	CU_ASSERT(net_arp_lookup(&fx.arp, FX_PEER_IP, fx.net.now_ms + NET_ARP_MAX_AGE_MS, &mac));
	CU_ASSERT_FALSE(
	    net_arp_lookup(&fx.arp, FX_PEER_IP, fx.net.now_ms + NET_ARP_MAX_AGE_MS + 1, &mac));
}

static void test_net_arp_cache_full_chains_keep_the_newest_entries(void)
{
	/* 200 addresses differing in the first octet collide in the 256-slot
	 * table; eviction takes the oldest of a probe chain, so the last eight
	 * written are always found */
	struct rte_ether_addr mac = other_mac, got;
	for (uint32_t i = 1; i <= 200; i++) {
		mac.addr_bytes[4] = (uint8_t)i;
		net_arp_update(&fx.arp, RTE_BE32(RTE_IPV4(i, 0u, 0u, 1u)), &mac, fx.net.now_ms + i);
	}
	for (uint32_t i = 193; i <= 200; i++) {
		CU_ASSERT_FATAL(net_arp_lookup(&fx.arp, RTE_BE32(RTE_IPV4(i, 0u, 0u, 1u)),
					       fx.net.now_ms + 200, &got));
		CU_ASSERT_EQUAL(got.addr_bytes[4], i);
	}
}

const struct rw_test_case test_net_arp_cases[] = {
    RW_TEST(test_net_arp_request_for_us_gets_reply_and_requester_learned),
    RW_TEST(test_net_arp_reply_padded_to_ethernet_minimum),
    RW_TEST(test_net_arp_request_for_other_address_not_answered),
    RW_TEST(test_net_arp_from_known_sender_refreshes_its_mac),
    RW_TEST(test_net_arp_reply_for_us_is_learned_without_answer),
    RW_TEST(test_net_arp_truncated_or_non_ethernet_dropped),
    RW_TEST(test_net_gratuitous_arp_announces_our_address),
    RW_TEST(test_net_output_to_known_next_hop_prepends_ethernet),
    RW_TEST(test_net_output_to_unknown_next_hop_sends_arp_request),
    RW_TEST(test_net_output_off_subnet_resolves_the_gateway),
    RW_TEST(test_net_arp_entry_expires_after_max_age),
    RW_TEST(test_net_arp_cache_full_chains_keep_the_newest_entries),
    {NULL, NULL},
};
