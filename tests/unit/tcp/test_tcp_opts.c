/*
 * TCP options: parsing and emission, window scaling both ways (RFC 7323
 * §2), timestamps with RTT measurement (§4) and PAWS (§5).
 */
#include "test_tcp.h"

static struct fx_conn fc;

static const struct fx_seg all_opts = {
    .ws = true, .wscale = 2, .sack_perm = true, .ts = true, .tsval = 5000};

static void test_tcp_opts_write_then_parse_round_trips(void)
{
	struct tcp_opts in = {.mss = 1460,
			      .ws = true,
			      .wscale = 7,
			      .sack_perm = true,
			      .ts = true,
			      .tsval = 0x01020304,
			      .tsecr = 0xa0b0c0d0};
	uint8_t buf[TCP_OPT_MAX];
	size_t n = tcp_opts_write(buf, &in);
	CU_ASSERT_EQUAL(n, 20);
	struct tcp_opts out;
	tcp_opts_parse(buf, n, true, &out);
	CU_ASSERT_EQUAL(out.mss, 1460);
	CU_ASSERT(out.ws && out.wscale == 7 && out.sack_perm && out.ts);
	CU_ASSERT_EQUAL(out.tsval, 0x01020304);
	CU_ASSERT_EQUAL(out.tsecr, 0xa0b0c0d0);
	/* SACK blocks beside a timestamp: 3 blocks fill the 40 bytes */
	struct tcp_opts s = {.ts = true, .tsval = 1, .tsecr = 2, .n_sack = 3};
	for (unsigned i = 0; i < 3; i++)
		s.sack[i] = (struct tcp_seq_range){100u * i, 100u * i + 50u};
	n = tcp_opts_write(buf, &s);
	CU_ASSERT_EQUAL(n, 40);
	tcp_opts_parse(buf, n, false, &out);
	CU_ASSERT_EQUAL_FATAL(out.n_sack, 3);
	CU_ASSERT_EQUAL(out.sack[2].start, 200);
	CU_ASSERT_EQUAL(out.sack[2].end, 250);
	/* SYN-only options are ignored outside a SYN, SACK inside one */
	tcp_opts_parse((const uint8_t[]){3, 3, 9, 4, 2, 2, 4, 0}, 8, false, &out);
	CU_ASSERT_FALSE(out.ws || out.sack_perm || out.mss);
	/* RFC 7323 §2.3: a shift above 14 counts as 14 */
	tcp_opts_parse((const uint8_t[]){3, 3, 20, 0}, 4, true, &out);
	CU_ASSERT(out.ws && out.wscale == 14);
	/* a length running off the end stops the parse */
	tcp_opts_parse((const uint8_t[]){1, 8, 10, 0, 0}, 5, true, &out);
	CU_ASSERT_FALSE(out.ts);
}

static void test_tcp_syn_ack_offers_only_what_the_syn_offered(void)
{
	CU_ASSERT_FATAL(fx_open_opts(&fc, 40001, FX_WND, 1460, &all_opts) == 0);
	CU_ASSERT_EQUAL(fc.synack.opt_len, 20); /* MSS, SACKOK, TS, NOP, WS */
	CU_ASSERT_EQUAL(fc.synack.mss, 1460);
	CU_ASSERT(fc.synack.has_ws && fc.synack.wscale == TCP_RCV_WSCALE);
	CU_ASSERT(fc.synack.sack_perm);
	CU_ASSERT(fc.synack.has_ts && fc.synack.tsecr == 5000);
	CU_ASSERT(fc.c->ws_ok && fc.c->sack_ok && fc.c->ts_ok);
	CU_ASSERT_EQUAL(fc.c->snd_wscale, 2);
	/* only SACK offered: only SACK (and MSS) answered */
	struct fx_conn b;
	CU_ASSERT_FATAL(
	    fx_open_opts(&b, 40002, FX_WND, 1460, &(struct fx_seg){.sack_perm = true}) == 0);
	CU_ASSERT_EQUAL(b.synack.opt_len, 8);
	CU_ASSERT(b.synack.sack_perm && !b.synack.has_ws && !b.synack.has_ts);
	/* nothing offered: MSS alone, the pre-RFC 7323 layout */
	struct fx_conn c;
	CU_ASSERT_FATAL(fx_open(&c, 40003, FX_WND, 1460) == 0);
	CU_ASSERT_EQUAL(c.synack.opt_len, 4);
	CU_ASSERT_FALSE(c.c->ws_ok || c.c->sack_ok || c.c->ts_ok);
}

static void test_tcp_receive_window_scaled_after_the_syn(void)
{
	struct fx_pkt p;
	fx.tcp.rcv_limit = 1000000;
	CU_ASSERT_FATAL(fx_open_opts(&fc, FX_PEER_PORT, FX_WND, 1460, &all_opts) == 0);
	CU_ASSERT_EQUAL(fc.synack.wnd, 65535); /* RFC 7323 §2.2: a SYN's is unscaled */
	fx_conn_data(&fc, "PING\r\n", 6);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.wnd, (1000000 - 6) >> TCP_RCV_WSCALE);
	CU_ASSERT(p.has_ts);
	CU_ASSERT_EQUAL(p.opt_len, 12);
	/* the scaled window admits data past 64 KB */
	CU_ASSERT_EQUAL(tcp_rcv_window(&fx.tcp, fc.c), 1000000 - 6);
	/* without the option the window stays capped at 65535 */
	fx.tcp.rcv_limit = 1u << 30;
	struct fx_conn b;
	CU_ASSERT_FATAL(fx_open(&b, 40002, FX_WND, 1460) == 0);
	CU_ASSERT_EQUAL(tcp_rcv_window(&fx.tcp, b.c), 65535);
}

static void test_tcp_peer_window_scale_honoured_on_send(void)
{
	struct fx_pkt p[16];
	CU_ASSERT_FATAL(fx_open_opts(&fc, FX_PEER_PORT, 1000, 1000, &all_opts) == 0);
	/* the handshake's ACK carried 1000 << 2 */
	CU_ASSERT_EQUAL(fc.c->snd_wnd, 4000);
	app_write(fc.c, 10000);
	unsigned n = fx_flush_take(p, 16);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	uint32_t sent = 0;
	for (unsigned i = 0; i < n; i++) {
		CU_ASSERT(p[i].has_ts);
		CU_ASSERT(p[i].len <= 1000 - 12); /* the option comes out of the MSS */
		sent += p[i].len;
	}
	CU_ASSERT_EQUAL(sent, 4000);
}

static void test_tcp_timestamps_echoed_and_rtt_taken_from_tsecr(void)
{
	struct fx_pkt p;
	/* the handshake's sample (from its echo) is 70 ms as well */
	CU_ASSERT_FATAL(fx_open_rtt(&fc, FX_PEER_PORT, FX_WND, 1460, &all_opts, 70000) == 0);
	fc.tsval = 5100;
	fx_conn_data(&fc, "a", 1);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.tsecr, 5100); /* TS.Recent follows the in-order segment */
	app_write(fc.c, 10);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	uint32_t tsval = p.tsval;
	fx_advance_us(70000);
	fc.tsecr = tsval;
	fx_conn_ack(&fc, p.seq + 10, FX_WND);
	CU_ASSERT_EQUAL(fc.c->srtt_us, 70000);
	/* our clock ticks in milliseconds */
	app_write(fc.c, 10);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.tsval - tsval, 70);
}

static void test_tcp_paws_drops_old_timestamp_but_not_rst(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open_opts(&fc, FX_PEER_PORT, FX_WND, 1460, &all_opts) == 0);
	fc.tsval = 6000;
	fx_conn_data(&fc, "new", 3);
	fx_flush_take(&p, 1);
	fc.tsval = 5999; /* an old duplicate from an earlier incarnation */
	fx_conn_data(&fc, "old", 3);
	CU_ASSERT_EQUAL(fc.c->rcv.len, 3);
	CU_ASSERT_EQUAL(fx.stats.tcp_paws_rejected, 1);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1); /* RFC 7323 §5.3 R1: ACK it */
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt - 3);
	/* a RST is exempt (§5.3 R1) */
	fx_send(&(struct fx_seg){
	    .seq = fc.c->rcv_nxt, .flags = FX_RST, .sport = FX_PEER_PORT, .ts = true, .tsval = 1});
	CU_ASSERT_EQUAL(fx.app.reset, 1);
}

static void test_tcp_paws_accepts_old_timestamp_after_24_days_idle(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open_opts(&fc, FX_PEER_PORT, FX_WND, 1460, &all_opts) == 0);
	fx_advance_us(25ull * 24 * 3600 * 1000000);
	/* the peer's ARP entry aged out meanwhile: it announces itself again */
	fx_input(fx_arp_frame(RTE_ARP_OP_REPLY, NULL, FX_PEER_IP, FX_LOCAL_IP));
	fc.tsval = 10; /* the peer's clock wrapped or restarted */
	fx_conn_data(&fc, "late", 4);
	CU_ASSERT_EQUAL(fc.c->rcv.len, 4);
	CU_ASSERT_EQUAL(fx.stats.tcp_paws_rejected, 0);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.tsecr, 10);
}

const struct rw_test_case test_tcp_opts_cases[] = {
    RW_TEST(test_tcp_opts_write_then_parse_round_trips),
    RW_TEST(test_tcp_syn_ack_offers_only_what_the_syn_offered),
    RW_TEST(test_tcp_receive_window_scaled_after_the_syn),
    RW_TEST(test_tcp_peer_window_scale_honoured_on_send),
    RW_TEST(test_tcp_timestamps_echoed_and_rtt_taken_from_tsecr),
    RW_TEST(test_tcp_paws_drops_old_timestamp_but_not_rst),
    RW_TEST(test_tcp_paws_accepts_old_timestamp_after_24_days_idle),
    {NULL, NULL},
};
