/*
 * TCP data transfer: in-order receive and its ACK, reassembly of small
 * segments, out-of-order and duplicate segments (RFC 9293 §3.10.7.4; more in
 * test_tcp_ooo.c), the
 * receive window, send segmentation at the MSS and the peer's window, ACKs
 * for data never sent, and the zero-window probe (RFC 9293 §3.8.6.1).
 */
#include "test_tcp.h"

static struct fx_conn fc;

static void open_conn(uint16_t wnd, uint16_t mss)
{
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, wnd, mss) == 0);
}

static void test_tcp_in_order_data_lands_in_rcv_and_is_acked_at_flush(void)
{
	struct fx_pkt p;
	open_conn(FX_WND, 1460);
	fx_conn_data(&fc, "PING\r\n", 6);
	CU_ASSERT_EQUAL(fx.app.readable, 1);
	CU_ASSERT_EQUAL_FATAL(fc.c->rcv.len, 6);
	CU_ASSERT(memcmp(fc.c->rcv.data, "PING\r\n", 6) == 0);
	CU_ASSERT_EQUAL(fc.c->rcv_nxt, FX_PEER_ISN + 7);
	CU_ASSERT_EQUAL(fx_take(&p, 1), 0); /* nothing before the flush */
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 7);
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT_EQUAL(p.wnd, 65535); /* unscaled, capped: rcv_limit is 1 GB */
	CU_ASSERT(p.tcp_cksum_ok);
}

static void test_tcp_many_small_segments_reassemble_in_order(void)
{
	struct fx_pkt p;
	uint8_t msg[600];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	open_conn(FX_WND, 1460);
	fx.app.consume = true;
	for (size_t off = 0; off < sizeof(msg); off += 3)
		fx_conn_data(&fc, msg + off, 3);
	CU_ASSERT_EQUAL(fx.app.readable, sizeof(msg) / 3);
	CU_ASSERT_EQUAL_FATAL(fx.app.rcv_copy_len, sizeof(msg));
	CU_ASSERT(memcmp(fx.app.rcv_copy, msg, sizeof(msg)) == 0);
	/* one cumulative ACK for the whole iteration */
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 1 + sizeof(msg));
	CU_ASSERT_EQUAL(p.wnd, 65535);
}

static void test_tcp_out_of_order_segment_kept_and_delivered_when_gap_fills(void)
{
	struct fx_pkt p;
	open_conn(FX_WND, 1460);
	/* bytes 10..19 arrive before 0..9 */
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt + 10,
				 .ack = fc.rcv_nxt,
				 .flags = FX_ACK,
				 .wnd = FX_WND,
				 .data = "0123456789",
				 .len = 10});
	CU_ASSERT_EQUAL(fx.app.readable, 0);
	CU_ASSERT_EQUAL(fc.c->rcv.len, 0);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt); /* duplicate ACK: still expecting byte 0 */
	CU_ASSERT_EQUAL(p.len, 0);
	/* the gap fills: the early segment was kept and follows at once */
	fx_conn_data(&fc, "abcdefghij", 10);
	CU_ASSERT_EQUAL_FATAL(fc.c->rcv.len, 20);
	CU_ASSERT(memcmp(fc.c->rcv.data, "abcdefghij0123456789", 20) == 0);
	CU_ASSERT_EQUAL(fx.app.readable, 1);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt + 10);
	CU_ASSERT_EQUAL(fc.c->ooo_n, 0);
}

static void test_tcp_out_of_order_fin_not_taken(void)
{
	struct fx_pkt p;
	open_conn(FX_WND, 1460);
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt + 4,
				 .ack = fc.rcv_nxt,
				 .flags = FX_ACK | FX_FIN,
				 .wnd = FX_WND,
				 .data = "tail",
				 .len = 4});
	CU_ASSERT_EQUAL(fc.c->state, TCP_ESTABLISHED);
	CU_ASSERT_FALSE(fc.c->peer_fin);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt);
}

static void test_tcp_duplicate_segment_reacked_and_not_delivered_twice(void)
{
	struct fx_pkt p;
	open_conn(FX_WND, 1460);
	uint32_t seq = fc.snd_nxt;
	fx_conn_data(&fc, "abc", 3);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	/* the same segment again (our ACK was lost) */
	fx_send(&(struct fx_seg){.seq = seq,
				 .ack = fc.rcv_nxt,
				 .flags = FX_ACK,
				 .wnd = FX_WND,
				 .data = "abc",
				 .len = 3});
	CU_ASSERT_EQUAL(fx.app.readable, 1);
	CU_ASSERT_EQUAL(fc.c->rcv.len, 3);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.ack, seq + 3);
	/* a retransmission overlapping old and new bytes delivers only the new */
	fx_send(&(struct fx_seg){.seq = seq + 1,
				 .ack = fc.rcv_nxt,
				 .flags = FX_ACK,
				 .wnd = FX_WND,
				 .data = "bcdef",
				 .len = 5});
	CU_ASSERT_EQUAL(fx.app.readable, 2);
	CU_ASSERT_EQUAL_FATAL(fc.c->rcv.len, 6);
	CU_ASSERT(memcmp(fc.c->rcv.data, "abcdef", 6) == 0);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.ack, seq + 6);
}

static void test_tcp_receive_window_limits_intake_and_reopens_on_consume(void)
{
	struct fx_pkt p;
	uint8_t big[700];
	memset(big, 'x', sizeof(big));
	fx.tcp.rcv_limit = 1000; /* the query-buffer limit, before the SYN-ACK offers a window */
	open_conn(FX_WND, 500);
	fx_conn_data(&fc, big, 600);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.wnd, 400);
	/* 600 more: only the 400 that fit are taken and acknowledged */
	fx_conn_data(&fc, big, 600);
	CU_ASSERT_EQUAL(fc.c->rcv.len, 1000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 1 + 1000);
	CU_ASSERT_EQUAL(p.wnd, 0);
	/* the application drains the buffer: a window update goes out */
	tcp_rcv_consumed(&fx.tcp, fc.c, 1000, 0);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.wnd, 1000);
}

/* RFC 9293 §3.8.6.2.2: a read that moves the right edge by at least
 * min(half the buffer, MSS) is announced at once, though the window never
 * fell below one MSS (the old rule waited for that, so a sender filling a
 * half-read buffer saw its window shrink until the next data segment). */
static void test_tcp_window_update_when_edge_moves_by_an_mss(void)
{
	struct fx_pkt p;
	uint8_t big[500];
	memset(big, 'x', sizeof(big));
	fx.tcp.rcv_limit = 10000;
	open_conn(FX_WND, 500);
	for (int i = 0; i < 12; i++)
		fx_conn_data(&fc, big, 500);
	CU_ASSERT_EQUAL_FATAL(fc.c->rcv.len, 6000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 1 + 6000);
	CU_ASSERT_EQUAL(p.wnd, 4000); /* no window scaling in this handshake */
	/* a read of 200 bytes: the edge moves by less than an MSS, no ACK */
	tcp_rcv_consumed(&fx.tcp, fc.c, 200, 0);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	/* the rest: the edge moves by 5,800, a window update goes out */
	tcp_rcv_consumed(&fx.tcp, fc.c, 5800, 0);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 1 + 6000);
	CU_ASSERT_EQUAL(fc.c->rcv_adv, p.ack + 10000);
}

static void test_tcp_reply_larger_than_mss_segmented_at_mss_within_peer_window(void)
{
	struct fx_pkt p[8];
	open_conn(1200, 500);
	app_write(fc.c, 2000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 8), 3);
	CU_ASSERT_EQUAL(p[0].len, 500);
	CU_ASSERT_EQUAL(p[1].len, 500);
	CU_ASSERT_EQUAL(p[2].len, 200); /* the window ends at 1200 */
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(p[i].seq, fc.iss + 1 + 500u * (uint32_t)i);
		CU_ASSERT_EQUAL(p[i].flags & FX_ACK, FX_ACK);
		CU_ASSERT_EQUAL(p[i].ack, fc.snd_nxt);
		CU_ASSERT(p[i].tcp_cksum_ok);
		CU_ASSERT(pattern_ok(&p[i], 500u * (size_t)i));
	}
	CU_ASSERT_EQUAL(fx_flush_take(p, 8), 0); /* the window is full */
	/* the peer takes 1200: the window slides by as much */
	fx_conn_ack(&fc, fc.iss + 1 + 1200, 1200);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 8), 2);
	CU_ASSERT_EQUAL(p[0].seq, fc.iss + 1 + 1200);
	CU_ASSERT_EQUAL(p[0].len, 500);
	CU_ASSERT_EQUAL(p[1].len, 300);
	CU_ASSERT(pattern_ok(&p[0], 1200));
	CU_ASSERT(pattern_ok(&p[1], 1700));
	fx_conn_ack(&fc, fc.iss + 1 + 2000, 1200);
	CU_ASSERT_EQUAL(fx_flush_take(p, 8), 0);
	CU_ASSERT_EQUAL(fc.c->snd.len, 0); /* all acknowledged: the buffer is empty */
	CU_ASSERT_EQUAL(fc.c->rto_deadline_us, 0);
}

static void test_tcp_initial_cwnd_limits_a_burst_to_ten_segments(void)
{
	struct fx_pkt p[16];
	open_conn(FX_WND, 100);
	app_write(fc.c, 1500);
	CU_ASSERT_EQUAL(fx_flush_take(p, 16), 10); /* RFC 6928 */
	/* an ACK of one segment in slow start opens two more */
	fx_conn_ack(&fc, fc.iss + 1 + 100, FX_WND);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 2);
	CU_ASSERT_EQUAL(p[0].seq, fc.iss + 1 + 1000);
}

static void test_tcp_ack_for_data_never_sent_gets_ack_and_is_dropped(void)
{
	struct fx_pkt p;
	open_conn(FX_WND, 1460);
	fx_send(&(struct fx_seg){.seq = fc.snd_nxt,
				 .ack = fc.iss + 1 + 100,
				 .flags = FX_ACK,
				 .wnd = FX_WND,
				 .data = "xyz",
				 .len = 3});
	CU_ASSERT_EQUAL(fx.app.readable, 0);
	CU_ASSERT_EQUAL(fc.c->rcv.len, 0);
	CU_ASSERT_EQUAL(fc.c->snd_una, fc.iss + 1);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt); /* the data was not taken */
	CU_ASSERT_EQUAL(fc.c->state, TCP_ESTABLISHED);
}

static void test_tcp_zero_window_holds_data_and_timer_sends_one_byte_probe(void)
{
	struct fx_pkt p;
	open_conn(FX_WND, 1460);
	fx_conn_ack(&fc, fc.iss + 1, 0); /* the peer's window closes */
	CU_ASSERT_EQUAL(fc.c->snd_wnd, 0);
	app_write(fc.c, 100);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	CU_ASSERT_NOT_EQUAL(fc.c->rto_deadline_us, 0);
	fx_advance_ms(1000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
	CU_ASSERT_EQUAL_FATAL(p.len, 1);
	CU_ASSERT(pattern_ok(&p, 0));
	/* still closed: the timer probes again, backed off */
	fx_conn_ack(&fc, fc.iss + 1, 0);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	fx_advance_ms(2000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
	CU_ASSERT_EQUAL(p.len, 1);
	/* the window opens: everything goes */
	fx_conn_ack(&fc, fc.iss + 1, FX_WND);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
	CU_ASSERT_EQUAL(p.len, 100);
	CU_ASSERT(pattern_ok(&p, 0));
	fx_conn_ack(&fc, fc.iss + 101, FX_WND);
	CU_ASSERT_EQUAL(fc.c->rto_deadline_us, 0);
	CU_ASSERT_EQUAL(fc.c->snd.len, 0);
}

static void test_tcp_zero_window_peer_that_answers_probes_is_not_dropped(void)
{
	/* RFC 9293 §3.8.6.1: keep probing as long as the peer answers */
	struct fx_pkt p;
	open_conn(FX_WND, 1460);
	fx_conn_ack(&fc, fc.iss + 1, 0);
	app_write(fc.c, 10);
	fx_flush();
	for (int i = 0; i < 40; i++) {
		fx_advance_ms(fc.c->rto_us / 1000u);
		fx_flush();
		fx_take(&p, 1);
		fx_conn_ack(&fc, fc.iss + 1, 0);
		fx_flush();
		fx_take(&p, 1);
	}
	CU_ASSERT_EQUAL(fc.c->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(fx.app.reset, 0);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns - 1);
}

static void test_tcp_cwnd_growth_never_wraps(void)
{
	struct fx_pkt p[4];
	open_conn(FX_WND, 1460);
	app_write(fc.c, 1000);
	CU_ASSERT_EQUAL(fx_flush_take(p, 4), 1);
	fc.c->cwnd = UINT32_MAX - 100; /* jump: a long, loss-free transfer */
	fx_conn_ack(&fc, fc.iss + 1001, FX_WND);
	CU_ASSERT(fc.c->cwnd >= 10u * 1460u);
}

/*
 * Issue #3: with window scaling the field is RCV.WND >> 7, and rounding
 * down pulled the right edge (ACK + field << 7) left by up to 127 bytes each
 * time unread data arrived in sizes that are not multiples of 128 (RFC 9293
 * §3.8.6 SHLD-14, RFC 7323 §2.3-2.4). Every ACK's edge must be at or right
 * of the one before, and every byte the peer sends inside it taken, until
 * the peer has filled it and the window is zero.
 */
static void test_issue_3_scaled_window_right_edge_never_moves_left(void)
{
	static const uint16_t sizes[] = {1, 5, 127, 129, 300, 64, 1000, 3, 255, 77};
	static uint8_t buf[1460];
	struct fx_pkt p;
	memset(buf, 'q', sizeof(buf));
	fx.tcp.rcv_limit = 3000; /* not a multiple of 128 */
	CU_ASSERT_FATAL(fx_open_opts(&fc, FX_PEER_PORT, FX_WND, 1460,
				     &(struct fx_seg){.ws = true, .wscale = 7}) == 0);
	CU_ASSERT_EQUAL_FATAL(fc.wscale, 7);
	CU_ASSERT_EQUAL(fc.synack.wnd, 3000); /* a SYN's window is not scaled */
	uint32_t edge = FX_PEER_ISN + 1 + 3000, acks = 0;
	for (unsigned i = 0; seq_lt(fc.snd_nxt, edge); i++) {
		uint32_t room = edge - fc.snd_nxt, n = sizes[i % 10];
		n = n < room ? n : room;
		fx_conn_data(&fc, buf, (uint16_t)n);
		CU_ASSERT_EQUAL(fc.c->rcv_nxt, fc.snd_nxt); /* inside the window: taken whole */
		CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
		CU_ASSERT_EQUAL(p.ack, fc.snd_nxt);
		uint32_t e = p.ack + ((uint32_t)p.wnd << 7);
		CU_ASSERT(seq_geq(e, edge));
		if (seq_lt(e, edge))
			break;
		edge = e;
		acks++;
	}
	CU_ASSERT(acks > 10);
	CU_ASSERT_EQUAL(p.wnd, 0); /* the peer filled the window */
	CU_ASSERT(fc.c->rcv.len >= 3000);
	CU_ASSERT(fc.c->rcv.len < 3000 + 128 * acks); /* less than a unit past the room per ACK */
	/* a byte past the edge is not taken */
	size_t held = fc.c->rcv.len;
	fx_conn_data_at(&fc, fc.snd_nxt, buf, 1);
	CU_ASSERT_EQUAL(fc.c->rcv.len, held);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.ack, fc.snd_nxt);
	CU_ASSERT_EQUAL(p.wnd, 0);
	/* the reader drains it: the window reopens, rounded down to what fits */
	tcp_rcv_consumed(&fx.tcp, fc.c, held, 0);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.wnd, 3000 >> 7);
}

const struct rw_test_case test_tcp_data_cases[] = {
    RW_TEST(test_tcp_in_order_data_lands_in_rcv_and_is_acked_at_flush),
    RW_TEST(test_tcp_many_small_segments_reassemble_in_order),
    RW_TEST(test_tcp_out_of_order_segment_kept_and_delivered_when_gap_fills),
    RW_TEST(test_tcp_out_of_order_fin_not_taken),
    RW_TEST(test_tcp_duplicate_segment_reacked_and_not_delivered_twice),
    RW_TEST(test_tcp_receive_window_limits_intake_and_reopens_on_consume),
    RW_TEST(test_tcp_window_update_when_edge_moves_by_an_mss),
    RW_TEST(test_tcp_reply_larger_than_mss_segmented_at_mss_within_peer_window),
    RW_TEST(test_tcp_initial_cwnd_limits_a_burst_to_ten_segments),
    RW_TEST(test_tcp_ack_for_data_never_sent_gets_ack_and_is_dropped),
    RW_TEST(test_tcp_zero_window_holds_data_and_timer_sends_one_byte_probe),
    RW_TEST(test_tcp_zero_window_peer_that_answers_probes_is_not_dropped),
    RW_TEST(test_tcp_cwnd_growth_never_wraps),
    RW_TEST(test_issue_3_scaled_window_right_edge_never_moves_left),
    {NULL, NULL},
};
