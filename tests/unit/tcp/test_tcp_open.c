/*
 * TCP passive open (RFC 9293 §3.5, §3.10.7.2): SYN -> SYN-ACK, the
 * handshake's ACK, SYN-ACK retransmission, segments for no connection, and
 * what happens when the connection pool is full.
 */
#include "test_tcp.h"

static void test_tcp_syn_gets_syn_ack_with_mss_and_ack_isn_plus_1(void)
{
	struct fx_pkt p;
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND, .mss = 1400});
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 2), 1); /* at once, not at the flush */
	CU_ASSERT_EQUAL(p.ether_type, RTE_ETHER_TYPE_IPV4);
	CU_ASSERT_EQUAL(p.eth.dst_addr.addr_bytes[5], 0x01);
	CU_ASSERT_EQUAL(p.ip.src_addr, FX_LOCAL_IP);
	CU_ASSERT_EQUAL(p.ip.dst_addr, FX_PEER_IP);
	CU_ASSERT(p.ip_cksum_ok);
	CU_ASSERT(p.tcp_cksum_ok);
	CU_ASSERT_EQUAL(p.flags, FX_SYN | FX_ACK);
	CU_ASSERT_EQUAL(p.sport, FX_LPORT);
	CU_ASSERT_EQUAL(p.dport, FX_PEER_PORT);
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 1);
	CU_ASSERT_EQUAL(p.mss, 1460); /* MTU 1500 - 40 */
	CU_ASSERT(p.wnd > 0);
	CU_ASSERT_EQUAL(p.len, 0);
	struct tcp_conn *c = tcp_flow_lookup(&fx.tcp, FX_PEER_IP, rte_cpu_to_be_16(FX_PEER_PORT),
					     rte_cpu_to_be_16(FX_LPORT));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->state, TCP_SYN_RCVD);
	CU_ASSERT_EQUAL(c->iss, p.seq);
	CU_ASSERT_EQUAL(c->mss, 1400); /* the smaller of ours and the peer's */
	CU_ASSERT_EQUAL(fx.app.accepted, 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_opened, 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_current, 0);
}

static void test_tcp_syn_without_mss_option_uses_536(void)
{
	struct fx_pkt p;
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.mss, 1460);
	struct tcp_conn *c = tcp_flow_lookup(&fx.tcp, FX_PEER_IP, rte_cpu_to_be_16(FX_PEER_PORT),
					     rte_cpu_to_be_16(FX_LPORT));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->mss, 536);
}

static void test_tcp_syn_to_other_port_gets_only_rst(void)
{
	struct fx_pkt p;
	fx_send(&(struct fx_seg){
	    .seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND, .dport = FX_LPORT + 1});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	/* RFC 9293 §3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	CU_ASSERT_EQUAL(p.flags, FX_RST | FX_ACK);
	CU_ASSERT_EQUAL(p.seq, 0);
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 1);
	CU_ASSERT_EQUAL(p.sport, FX_LPORT + 1);
	CU_ASSERT_EQUAL(p.dport, FX_PEER_PORT);
	CU_ASSERT(p.tcp_cksum_ok);
	CU_ASSERT_EQUAL(fx.stats.tcp_rst_sent, 1);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
}

static void test_tcp_ack_for_no_connection_gets_rst_with_its_ack_as_seq(void)
{
	struct fx_pkt p;
	fx_send(&(struct fx_seg){.seq = 5, .ack = 777, .flags = FX_ACK, .wnd = FX_WND});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_RST);
	CU_ASSERT_EQUAL(p.seq, 777);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
	/* a RST is never answered */
	fx_send(&(struct fx_seg){.seq = 5, .ack = 777, .flags = FX_RST | FX_ACK});
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
}

static void test_tcp_handshake_ack_completes_and_accepts(void)
{
	struct fx_conn fc;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	CU_ASSERT_EQUAL(fx.app.accepted, 1);
	CU_ASSERT_EQUAL(fc.c->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(fc.c->snd_una, fc.iss + 1);
	CU_ASSERT_EQUAL(fc.c->rcv_nxt, FX_PEER_ISN + 1);
	CU_ASSERT_EQUAL(fc.c->snd_wnd, FX_WND);
	CU_ASSERT_EQUAL(fc.c->rto_deadline_us, 0); /* the SYN-ACK's timer stopped */
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_opened, 1);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_current, 1);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns - 1);
}

static void test_tcp_handshake_ack_carrying_data_delivers_it(void)
{
	struct fx_pkt p;
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN + 1,
				 .ack = p.seq + 1,
				 .flags = FX_ACK | FX_PSH,
				 .wnd = FX_WND,
				 .data = "PING\r\n",
				 .len = 6});
	CU_ASSERT_EQUAL(fx.app.accepted, 1);
	CU_ASSERT_EQUAL(fx.app.readable, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx.app.last);
	CU_ASSERT_EQUAL(fx.app.last->rcv.len, 6);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 7);
}

static void test_tcp_handshake_ack_with_wrong_ack_gets_rst(void)
{
	struct fx_pkt p;
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	uint32_t iss = p.seq;
	fx_send(&(struct fx_seg){
	    .seq = FX_PEER_ISN + 1, .ack = iss + 9, .flags = FX_ACK, .wnd = FX_WND});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags & FX_RST, FX_RST);
	CU_ASSERT_EQUAL(p.seq, iss + 9);
	CU_ASSERT_EQUAL(fx.app.accepted, 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_opened, 0);
}

static void test_tcp_retransmitted_syn_in_syn_rcvd_gets_syn_ack_again(void)
{
	struct fx_pkt p, q;
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND, .mss = 1000});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	fx_advance_ms(300);
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND, .mss = 1000});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&q, 2), 1);
	CU_ASSERT_EQUAL(q.flags, FX_SYN | FX_ACK);
	CU_ASSERT_EQUAL(q.seq, p.seq);
	CU_ASSERT_EQUAL(q.ack, FX_PEER_ISN + 1);
	CU_ASSERT_EQUAL(q.mss, 1460);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns - 1); /* still one connection */
}

static void test_tcp_syn_ack_retransmitted_with_backoff_then_given_up(void)
{
	struct fx_pkt p;
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	uint32_t iss = p.seq;
	uint64_t wait_ms = 1000;
	for (int i = 0; i < 5; i++) { /* TCP_SYNACK_RETRIES */
		fx_advance_ms(wait_ms - 1);
		CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
		fx_advance_ms(1);
		CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
		CU_ASSERT_EQUAL(p.flags, FX_SYN | FX_ACK);
		CU_ASSERT_EQUAL(p.seq, iss);
		wait_ms *= 2;
	}
	fx_advance_ms(wait_ms);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0); /* given up silently */
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
	CU_ASSERT_EQUAL(fx.app.reset, 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_closed, 0);
}

static void test_tcp_pool_exhaustion_drops_third_syn_without_cookies(void)
{
	struct fx_conn a, b;
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_tcp_reinit(2) == 0);
	fx.tcp.syncookies = false;
	CU_ASSERT_FATAL(fx_open(&a, 40001, FX_WND, 1460) == 0);
	CU_ASSERT_FATAL(fx_open(&b, 40002, FX_WND, 1460) == 0);
	CU_ASSERT_EQUAL(fx.tcp.n_free, 0);
	fx_send(
	    &(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND, .sport = 40003});
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	CU_ASSERT_PTR_NULL(tcp_flow_lookup(&fx.tcp, FX_PEER_IP, rte_cpu_to_be_16(40003),
					   rte_cpu_to_be_16(FX_LPORT)));
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_current, 2);
	/* one leaves; the client's retried SYN now gets in */
	fx_send(&(struct fx_seg){.seq = a.snd_nxt, .flags = FX_RST, .sport = 40001});
	CU_ASSERT_EQUAL(fx.tcp.n_free, 1);
	fx_send(
	    &(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND, .sport = 40003});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.flags, FX_SYN | FX_ACK);
	CU_ASSERT_EQUAL(p.dport, 40003);
}

static void test_tcp_segment_with_bad_checksum_dropped(void)
{
	struct fx_pkt p;
	fx_send(&(struct fx_seg){
	    .seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND, .bad_cksum = true});
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	CU_ASSERT_EQUAL(fx.stats.rx_dropped, 1);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
	/* on a connection: not delivered, not acknowledged */
	struct fx_conn fc;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt,
				 .ack = fc.rcv_nxt,
				 .flags = FX_ACK,
				 .wnd = FX_WND,
				 .data = "GET k\r\n",
				 .len = 7,
				 .bad_cksum = true});
	CU_ASSERT_EQUAL(fx.app.readable, 0);
	CU_ASSERT_EQUAL(fc.c->rcv.len, 0);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	CU_ASSERT_EQUAL(fx.stats.rx_dropped, 2);
}

static void test_tcp_truncated_or_bad_offset_header_dropped(void)
{
	struct fx_pkt p;
	uint8_t half[12] = {0};
	fx_input(fx_ipv4_frame(IPPROTO_TCP, half, sizeof(half)));
	/* data offset 4 words: shorter than the fixed header */
	struct rte_mbuf *m = fx_tcp_frame(&(struct fx_seg){.seq = 1, .flags = FX_SYN});
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(fx_frame_ip(m) + 1);
	th->data_off = 4 << 4;
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(fx_frame_ip(m), th);
	fx_input(m);
	/* data offset beyond the segment */
	m = fx_tcp_frame(&(struct fx_seg){.seq = 1, .flags = FX_SYN});
	th = (struct rte_tcp_hdr *)(fx_frame_ip(m) + 1);
	th->data_off = 15 << 4;
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(fx_frame_ip(m), th);
	fx_input(m);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	CU_ASSERT_EQUAL(fx.stats.rx_dropped, 3);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
}

static void test_tcp_malformed_options_do_not_overrun(void)
{
	/* an option whose length runs past the header is ignored */
	struct fx_pkt p;
	struct rte_mbuf *m = fx_tcp_frame(
	    &(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND, .mss = 1200});
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(fx_frame_ip(m) + 1);
	uint8_t *o = (uint8_t *)(th + 1);
	o[1] = 40; /* kind 2, length 40 > the 4 bytes of options */
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(fx_frame_ip(m), th);
	fx_input(m);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.flags, FX_SYN | FX_ACK);
	struct tcp_conn *c = tcp_flow_lookup(&fx.tcp, FX_PEER_IP, rte_cpu_to_be_16(FX_PEER_PORT),
					     rte_cpu_to_be_16(FX_LPORT));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->mss, 536);
}

const struct rw_test_case test_tcp_open_cases[] = {
    RW_TEST(test_tcp_syn_gets_syn_ack_with_mss_and_ack_isn_plus_1),
    RW_TEST(test_tcp_syn_without_mss_option_uses_536),
    RW_TEST(test_tcp_syn_to_other_port_gets_only_rst),
    RW_TEST(test_tcp_ack_for_no_connection_gets_rst_with_its_ack_as_seq),
    RW_TEST(test_tcp_handshake_ack_completes_and_accepts),
    RW_TEST(test_tcp_handshake_ack_carrying_data_delivers_it),
    RW_TEST(test_tcp_handshake_ack_with_wrong_ack_gets_rst),
    RW_TEST(test_tcp_retransmitted_syn_in_syn_rcvd_gets_syn_ack_again),
    RW_TEST(test_tcp_syn_ack_retransmitted_with_backoff_then_given_up),
    RW_TEST(test_tcp_pool_exhaustion_drops_third_syn_without_cookies),
    RW_TEST(test_tcp_segment_with_bad_checksum_dropped),
    RW_TEST(test_tcp_truncated_or_bad_offset_header_dropped),
    RW_TEST(test_tcp_malformed_options_do_not_overrun),
    {NULL, NULL},
};
