/*
 * TCP connection teardown: passive close (CLOSE_WAIT, LAST_ACK), active
 * close (FIN_WAIT_1/2, CLOSING, TIME_WAIT), resets, and RFC 5961's
 * challenge ACKs for in-window RST and SYN.
 */
#include "test_tcp.h"

static struct fx_conn fc;

/* The connection is gone: pool slot back, flow removed, a later segment
 * for it gets a RST. */
static void expect_released(void)
{
	struct fx_pkt p;
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
	CU_ASSERT_PTR_NULL(tcp_flow_lookup(&fx.tcp, FX_PEER_IP, rte_cpu_to_be_16(fc.port),
					   rte_cpu_to_be_16(FX_LPORT)));
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_current, 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_closed, 1);
	fx_conn_ack(&fc, fc.rcv_nxt, FX_WND);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_RST);
	CU_ASSERT_EQUAL(p.seq, fc.rcv_nxt);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
}

static void test_tcp_peer_fin_then_close_sends_fin_after_data_and_last_ack_releases(void)
{
	struct fx_pkt p[4];
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	fx.app.echo = true;
	fx.app.close_on_fin = true;
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt,
				 .ack = fc.rcv_nxt,
				 .flags = FX_ACK | FX_PSH | FX_FIN,
				 .wnd = FX_WND,
				 .data = "hello",
				 .len = 5});
	fc.snd_nxt += 6;
	CU_ASSERT(fx.app.last_peer_fin);
	CU_ASSERT_EQUAL(fx.app.readable, 2); /* the bytes, then the FIN */
	CU_ASSERT_EQUAL(fx.app.rcv_copy_len, 5);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 4), 2);
	CU_ASSERT_EQUAL(p[0].seq, fc.iss + 1);
	CU_ASSERT_EQUAL_FATAL(p[0].len, 5);
	CU_ASSERT(memcmp(p[0].data, "hello", 5) == 0);
	CU_ASSERT_EQUAL(p[0].ack, fc.snd_nxt); /* acknowledges the FIN too */
	CU_ASSERT_EQUAL(p[1].flags, FX_FIN | FX_ACK);
	CU_ASSERT_EQUAL(p[1].seq, fc.iss + 6); /* after the data */
	CU_ASSERT_EQUAL(p[1].ack, fc.snd_nxt);
	CU_ASSERT_EQUAL(p[1].len, 0);
	CU_ASSERT_EQUAL(fc.c->state, TCP_LAST_ACK);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_current, 1);
	/* an ACK of the data alone leaves us waiting for the FIN's */
	fx_conn_ack(&fc, fc.iss + 6, FX_WND);
	CU_ASSERT_EQUAL(fc.c->state, TCP_LAST_ACK);
	fc.rcv_nxt = fc.iss + 7;
	fx_conn_ack(&fc, fc.rcv_nxt, FX_WND);
	CU_ASSERT_EQUAL(fx.app.reset, 0);
	expect_released();
}

static void test_tcp_peer_fin_alone_moves_to_close_wait_and_is_acked(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	fx_send(&(struct fx_seg){
	    .seq = fc.snd_nxt, .ack = fc.rcv_nxt, .flags = FX_ACK | FX_FIN, .wnd = FX_WND});
	CU_ASSERT_EQUAL(fc.c->state, TCP_CLOSE_WAIT);
	CU_ASSERT(fc.c->peer_fin);
	CU_ASSERT_EQUAL(fx.app.readable, 1);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt + 1);
	/* the application may still reply before it closes */
	app_write(fc.c, 20);
	tcp_close(&fx.tcp, fc.c);
	struct fx_pkt q[4];
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(q, 4), 2);
	CU_ASSERT_EQUAL(q[0].len, 20);
	CU_ASSERT_EQUAL(q[1].flags, FX_FIN | FX_ACK);
	CU_ASSERT_EQUAL(q[1].seq, fc.iss + 21);
	CU_ASSERT_EQUAL(fc.c->state, TCP_LAST_ACK);
}

static void test_tcp_close_first_goes_through_fin_wait_and_time_wait(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	tcp_close(&fx.tcp, fc.c);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_FIN | FX_ACK);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
	CU_ASSERT_EQUAL(fc.c->state, TCP_FIN_WAIT_1);
	fc.rcv_nxt = fc.iss + 2;
	fx_conn_ack(&fc, fc.rcv_nxt, FX_WND);
	CU_ASSERT_EQUAL(fc.c->state, TCP_FIN_WAIT_2);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	/* the peer's last bytes are still taken and acknowledged */
	fx_conn_data(&fc, "bye", 3);
	CU_ASSERT_EQUAL(fx.app.readable, 0); /* the application let go */
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt);
	fx_send(&(struct fx_seg){
	    .seq = fc.snd_nxt, .ack = fc.rcv_nxt, .flags = FX_ACK | FX_FIN, .wnd = FX_WND});
	fc.snd_nxt++;
	CU_ASSERT_EQUAL(fc.c->state, TCP_TIME_WAIT);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 2);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt);
	fx_advance_ms(fx.tcp.time_wait_ms - 1);
	CU_ASSERT_EQUAL(fc.c->state, TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns - 1);
	fx_advance_ms(1);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	expect_released();
}

static void test_tcp_simultaneous_close_goes_through_closing(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	tcp_close(&fx.tcp, fc.c);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	/* the peer's FIN crosses ours */
	fx_send(&(struct fx_seg){
	    .seq = fc.snd_nxt, .ack = fc.iss + 1, .flags = FX_ACK | FX_FIN, .wnd = FX_WND});
	fc.snd_nxt++;
	CU_ASSERT_EQUAL(fc.c->state, TCP_CLOSING);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt);
	fc.rcv_nxt = fc.iss + 2;
	fx_conn_ack(&fc, fc.rcv_nxt, FX_WND);
	CU_ASSERT_EQUAL(fc.c->state, TCP_TIME_WAIT);
	fx_advance_ms(fx.tcp.time_wait_ms);
	expect_released();
}

static void test_tcp_fin_retransmitted_on_timeout(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	app_write(fc.c, 30);
	tcp_close(&fx.tcp, fc.c);
	struct fx_pkt q[4];
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(q, 4), 2);
	fx_conn_ack(&fc, fc.iss + 31, FX_WND); /* the data arrived, the FIN did not */
	CU_ASSERT_EQUAL(fc.c->state, TCP_FIN_WAIT_1);
	fx_advance_ms(1000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_FIN | FX_ACK);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 31);
	CU_ASSERT_EQUAL(p.len, 0);
}

static void test_tcp_fin_retransmitted_into_zero_window(void)
{
	/* a FIN needs no window: the timer resends it, it is no probe */
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	fx_conn_ack(&fc, fc.iss + 1, 0);
	tcp_close(&fx.tcp, fc.c);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_FIN | FX_ACK);
	fx_advance_ms(1000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_FIN | FX_ACK);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
}

static void test_tcp_fin_wait_2_does_not_hold_the_slot_forever(void)
{
	/* the application closed; a peer that never sends its FIN must not
	 * pin the connection (Linux: tcp_fin_timeout) */
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	tcp_close(&fx.tcp, fc.c);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	fx_conn_ack(&fc, fc.iss + 2, FX_WND);
	CU_ASSERT_EQUAL(fc.c->state, TCP_FIN_WAIT_2);
	fx_advance_ms(fx.tcp.time_wait_ms);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_current, 0);
}

static void test_tcp_rst_with_exact_sequence_resets_and_releases(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt, .flags = FX_RST});
	CU_ASSERT_EQUAL(fx.app.reset, 1);
	CU_ASSERT_PTR_EQUAL(fx.app.last, fc.c);
	CU_ASSERT_EQUAL(fc.c->state, TCP_FREE);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0); /* a RST is never answered */
	CU_ASSERT_EQUAL(fx.stats.tcp_rst_sent, 0);
	expect_released();
}

static void test_tcp_rst_in_window_but_not_exact_gets_challenge_ack(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt + 100, .flags = FX_RST});
	CU_ASSERT_EQUAL(fx.app.reset, 0);
	CU_ASSERT_EQUAL(fc.c->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 2), 1); /* RFC 5961 §3.2: sent at once */
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt);
	/* §7: at most one challenge ACK per 10 ms */
	fx_advance_ms(5);
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt + 200, .flags = FX_RST});
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	fx_advance_ms(5);
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt + 200, .flags = FX_RST});
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 1);
	/* out of the window: silently dropped */
	fx_advance_ms(20);
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt + 70000, .flags = FX_RST});
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	CU_ASSERT_EQUAL(fc.c->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns - 1);
	/* the real peer's exact RST still works */
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt, .flags = FX_RST});
	CU_ASSERT_EQUAL(fx.app.reset, 1);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
}

static void test_tcp_syn_on_established_connection_gets_challenge_ack(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt + 10, .flags = FX_SYN, .wnd = FX_WND});
	CU_ASSERT_EQUAL_FATAL(fx_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK); /* RFC 5961 §4.2 */
	CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt);
	CU_ASSERT_EQUAL(fc.c->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(fx.app.reset, 0);
	CU_ASSERT_EQUAL(fx.app.accepted, 1);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
}

static void test_tcp_rst_in_syn_rcvd_releases_without_counting(void)
{
	struct fx_pkt p;
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN + 1, .flags = FX_RST});
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
	CU_ASSERT_EQUAL(fx.app.reset, 0); /* never accepted */
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_closed, 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_current, 0);
}

static void test_tcp_abort_sends_rst_and_releases(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	tcp_abort(&fx.tcp, fc.c);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_RST | FX_ACK);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
	CU_ASSERT_EQUAL(fx.app.reset, 0); /* the application asked for it */
	CU_ASSERT_EQUAL(fx.stats.tcp_rst_sent, 1);
	expect_released();
}

static void test_tcp_syn_in_time_wait_opens_new_incarnation(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	tcp_close(&fx.tcp, fc.c);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	fx_send(&(struct fx_seg){
	    .seq = fc.snd_nxt, .ack = fc.iss + 2, .flags = FX_ACK | FX_FIN, .wnd = FX_WND});
	CU_ASSERT_EQUAL(fc.c->state, TCP_TIME_WAIT);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	fx_advance_ms(1000);
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt + 100000, .flags = FX_SYN, .wnd = FX_WND});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_SYN | FX_ACK);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt + 100001);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns - 1);
}

static void test_tcp_time_wait_reacks_retransmitted_fin(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	tcp_close(&fx.tcp, fc.c);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	struct fx_seg fin = {
	    .seq = fc.snd_nxt, .ack = fc.iss + 2, .flags = FX_ACK | FX_FIN, .wnd = FX_WND};
	fx_send(&fin);
	CU_ASSERT_EQUAL(fc.c->state, TCP_TIME_WAIT);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	/* our ACK was lost: the peer's FIN comes again */
	fx_advance_ms(200);
	fx_send(&fin);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt + 1);
	CU_ASSERT_EQUAL(fc.c->state, TCP_TIME_WAIT);
}

static void test_tcp_time_wait_restarts_on_repeated_fin(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	tcp_close(&fx.tcp, fc.c);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	struct fx_seg fin = {
	    .seq = fc.snd_nxt, .ack = fc.iss + 2, .flags = FX_ACK | FX_FIN, .wnd = FX_WND};
	fx_send(&fin);
	fx_flush_take(&p, 1);
	struct tcp_conn *c = fc.c;
	CU_ASSERT_EQUAL_FATAL(c->state, TCP_TIME_WAIT);
	/* RFC 9293 §3.10.7.4: the repeated FIN restarts the 2 MSL timeout */
	fx_advance_ms(fx.tcp.time_wait_ms - 1000);
	fx_send(&fin);
	fx_flush_take(&p, 1);
	fx_advance_ms(2000);
	tcp_timers_run(&fx.tcp);
	CU_ASSERT_EQUAL(c->state, TCP_TIME_WAIT);
	fx_advance_ms(fx.tcp.time_wait_ms);
	tcp_timers_run(&fx.tcp);
	CU_ASSERT_EQUAL(c->state, TCP_FREE);
}

static void test_tcp_abort_from_readable_with_fin_is_safe(void)
{
	/* the application drops a client mid-segment (protocol error) while
	 * the same segment still carries a FIN to process */
	struct fx_pkt p[4];
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	fx.app.abort_on_read = true;
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt,
				 .ack = fc.rcv_nxt,
				 .flags = FX_ACK | FX_PSH | FX_FIN,
				 .wnd = FX_WND,
				 .data = "\x01junk",
				 .len = 5});
	CU_ASSERT_EQUAL(fx.app.readable, 1);
	CU_ASSERT_EQUAL(fc.c->state, TCP_FREE);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 4), 1);
	CU_ASSERT_EQUAL(p[0].flags, FX_RST | FX_ACK);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_current, 0);
	/* the slot is reused cleanly by the next client */
	fx.app.abort_on_read = false;
	struct fx_conn next;
	CU_ASSERT_FATAL(fx_open(&next, 40100, FX_WND, 1460) == 0);
	fx_conn_data(&next, "PING\r\n", 6);
	CU_ASSERT_EQUAL(next.c->rcv.len, 6);
	CU_ASSERT_EQUAL(next.c->rcv_nxt, FX_PEER_ISN + 7);
}

const struct rw_test_case test_tcp_close_cases[] = {
    RW_TEST(test_tcp_peer_fin_then_close_sends_fin_after_data_and_last_ack_releases),
    RW_TEST(test_tcp_peer_fin_alone_moves_to_close_wait_and_is_acked),
    RW_TEST(test_tcp_close_first_goes_through_fin_wait_and_time_wait),
    RW_TEST(test_tcp_simultaneous_close_goes_through_closing),
    RW_TEST(test_tcp_fin_retransmitted_on_timeout),
    RW_TEST(test_tcp_fin_retransmitted_into_zero_window),
    RW_TEST(test_tcp_fin_wait_2_does_not_hold_the_slot_forever),
    RW_TEST(test_tcp_rst_with_exact_sequence_resets_and_releases),
    RW_TEST(test_tcp_rst_in_window_but_not_exact_gets_challenge_ack),
    RW_TEST(test_tcp_syn_on_established_connection_gets_challenge_ack),
    RW_TEST(test_tcp_rst_in_syn_rcvd_releases_without_counting),
    RW_TEST(test_tcp_abort_sends_rst_and_releases),
    RW_TEST(test_tcp_syn_in_time_wait_opens_new_incarnation),
    RW_TEST(test_tcp_time_wait_reacks_retransmitted_fin),
    RW_TEST(test_tcp_time_wait_restarts_on_repeated_fin),
    RW_TEST(test_tcp_abort_from_readable_with_fin_is_safe),
    {NULL, NULL},
};
