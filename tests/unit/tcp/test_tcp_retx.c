/*
 * TCP retransmission: the RFC 6298 timer (a first RTT sample from the
 * handshake, back-off, RTT samples, Karn's rule), giving up after the retry limit, and fast
 * retransmit on three duplicate ACKs (RFC 5681 §3.2).
 */
#include "test_tcp.h"

static struct fx_conn fc;

static void test_tcp_rto_retransmits_after_rto_backs_off_and_stops_on_ack(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	app_write(fc.c, 100);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.len, 100);
	/* the handshake's (near zero) RTT sample: the 200 ms floor */
	CU_ASSERT_EQUAL(fc.c->rto_deadline_us, fx.tcp.now_us + 200000u);
	uint64_t wait_ms = 200;
	for (unsigned i = 1; i <= 3; i++) {
		fx_advance_ms(wait_ms - 1);
		CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
		fx_advance_ms(1);
		CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
		CU_ASSERT_EQUAL(p.seq, fc.iss + 1);
		CU_ASSERT_EQUAL(p.len, 100);
		CU_ASSERT(pattern_ok(&p, 0));
		CU_ASSERT_EQUAL(fx.stats.tcp_retransmits, i);
		wait_ms *= 2; /* RFC 6298 §5.5 */
		CU_ASSERT_EQUAL(fc.c->rto_us, wait_ms * 1000u);
	}
	fx_conn_ack(&fc, fc.iss + 101, FX_WND);
	CU_ASSERT_EQUAL(fc.c->rto_deadline_us, 0); /* RFC 6298 §5.2 */
	fx_advance_ms(60000);
	CU_ASSERT_EQUAL(fx_flush_take(&p, 1), 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_retransmits, 3);
}

static void test_tcp_rto_retransmits_go_back_n_from_first_unacked(void)
{
	struct fx_pkt p[8];
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 100) == 0);
	app_write(fc.c, 300);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 8), 3);
	fx_conn_ack(&fc, fc.iss + 101, FX_WND); /* the first arrived */
	CU_ASSERT_EQUAL(fx_flush_take(p, 8), 0);
	fx_advance_ms(200);
	/* the window collapses to one segment (RFC 5681 §3.1) */
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 8), 1);
	CU_ASSERT_EQUAL(p[0].seq, fc.iss + 101);
	CU_ASSERT_EQUAL(p[0].len, 100);
	CU_ASSERT(pattern_ok(&p[0], 100));
	CU_ASSERT_EQUAL(fc.c->cwnd, 100);
}

static void test_tcp_rtt_sample_sets_rto_with_200ms_floor(void)
{
	struct fx_pkt p;
	/* the first sample, R = 100 ms, is the handshake's */
	CU_ASSERT_FATAL(fx_open_rtt(&fc, FX_PEER_PORT, FX_WND, 1460, NULL, 100000) == 0);
	/* RFC 6298 §2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR */
	CU_ASSERT_EQUAL(fc.c->srtt_us, 100000);
	CU_ASSERT_EQUAL(fc.c->rttvar_us, 50000);
	CU_ASSERT_EQUAL(fc.c->rto_us, 300000);
	for (int i = 0; i < 20; i++) { /* a fast LAN: RTT 1 ms */
		app_write(fc.c, 10);
		CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
		fx_advance_us(1000);
		fx_conn_ack(&fc, p.seq + 10, FX_WND);
	}
	CU_ASSERT(fc.c->srtt_us < 20000);
	CU_ASSERT_EQUAL(fc.c->rto_us, 200000);
}

static void test_tcp_karn_no_rtt_sample_from_retransmitted_segment(void)
{
	struct fx_pkt p;
	/* handshake sample 100 ms: SRTT 100, RTTVAR 50, RTO 300 ms */
	CU_ASSERT_FATAL(fx_open_rtt(&fc, FX_PEER_PORT, FX_WND, 1460, NULL, 100000) == 0);
	app_write(fc.c, 10);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	fx_advance_ms(300);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1); /* retransmission */
	fx_advance_ms(50);
	fx_conn_ack(&fc, fc.iss + 11, FX_WND); /* ambiguous: first send or retransmission? */
	CU_ASSERT_EQUAL(fc.c->srtt_us, 100000);
	CU_ASSERT_EQUAL(fc.c->rto_us, 600000); /* the backed-off value stays */
	/* the next, unambiguous segment gives a sample: RFC 6298 §2.3 */
	app_write(fc.c, 10);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	fx_advance_us(80000);
	fx_conn_ack(&fc, fc.iss + 21, FX_WND);
	CU_ASSERT_EQUAL(fc.c->srtt_us, 97500);	 /* 7/8 100 + 1/8 80 */
	CU_ASSERT_EQUAL(fc.c->rttvar_us, 42500); /* 3/4 50 + 1/4 |100 - 80| */
	CU_ASSERT_EQUAL(fc.c->rto_us, 267500);
}

static void test_tcp_retries_exhausted_resets_connection(void)
{
	struct fx_pkt p;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1460) == 0);
	app_write(fc.c, 10);
	fx_flush();
	int rounds = 0;
	while (fx.tcp.n_free != fx.tcp.max_conns && rounds++ < 100) {
		fx_advance_ms(fc.c->rto_us / 1000u);
		fx_flush();
		fx_take(&p, 1);
	}
	CU_ASSERT_EQUAL(rounds, 16); /* TCP_DATA_RETRIES retransmissions, then give up */
	CU_ASSERT_EQUAL(fx.app.reset, 1);
	CU_ASSERT_EQUAL(p.flags & FX_RST, FX_RST);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_current, 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_conns_closed, 1);
	CU_ASSERT_EQUAL(fc.c->state, TCP_FREE);
}

static void test_tcp_three_duplicate_acks_trigger_fast_retransmit(void)
{
	struct fx_pkt p[8];
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 100) == 0);
	app_write(fc.c, 500);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 8), 5);
	fx_conn_ack(&fc, fc.iss + 101, FX_WND); /* segment 2 is lost; 3, 4, 5 arrive */
	CU_ASSERT_EQUAL(fx_flush_take(p, 8), 0);
	for (int i = 0; i < 2; i++) {
		fx_conn_ack(&fc, fc.iss + 101, FX_WND);
		CU_ASSERT_EQUAL(fx_flush_take(p, 8), 0);
	}
	CU_ASSERT_EQUAL(fc.c->dupacks, 2);
	fx_conn_ack(&fc, fc.iss + 101, FX_WND);
	/* the third duplicate retransmits at once, well before the RTO */
	CU_ASSERT_EQUAL_FATAL(fx_take(p, 8), 1);
	CU_ASSERT_EQUAL(p[0].seq, fc.iss + 101);
	CU_ASSERT_EQUAL(p[0].len, 100);
	CU_ASSERT(pattern_ok(&p[0], 100));
	CU_ASSERT_EQUAL(fx.stats.tcp_retransmits, 1);
	CU_ASSERT(fc.c->in_recovery);
	CU_ASSERT_EQUAL(fc.c->ssthresh, 200); /* max(FlightSize / 2, 2 SMSS) */
	CU_ASSERT_EQUAL(fc.c->cwnd, 500);     /* ssthresh + 3 SMSS */
	CU_ASSERT_EQUAL(fx_flush_take(p, 8), 0);
	/* the retransmission fills the hole: everything is acknowledged */
	fx_conn_ack(&fc, fc.iss + 501, FX_WND);
	CU_ASSERT_FALSE(fc.c->in_recovery);
	CU_ASSERT_EQUAL(fc.c->cwnd, 200); /* deflated to ssthresh */
	CU_ASSERT_EQUAL(fc.c->rto_deadline_us, 0);
	CU_ASSERT_EQUAL(fx_flush_take(p, 8), 0);
}

static void test_tcp_ack_carrying_data_is_not_a_duplicate(void)
{
	struct fx_pkt p[8];
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 100) == 0);
	app_write(fc.c, 300);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 8), 3);
	for (int i = 0; i < 4; i++)
		fx_conn_data(&fc, "x", 1); /* ack = iss + 1, but with data */
	CU_ASSERT_EQUAL(fc.c->dupacks, 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_retransmits, 0);
}

const struct rw_test_case test_tcp_retx_cases[] = {
    RW_TEST(test_tcp_rto_retransmits_after_rto_backs_off_and_stops_on_ack),
    RW_TEST(test_tcp_rto_retransmits_go_back_n_from_first_unacked),
    RW_TEST(test_tcp_rtt_sample_sets_rto_with_200ms_floor),
    RW_TEST(test_tcp_karn_no_rtt_sample_from_retransmitted_segment),
    RW_TEST(test_tcp_retries_exhausted_resets_connection),
    RW_TEST(test_tcp_three_duplicate_acks_trigger_fast_retransmit),
    RW_TEST(test_tcp_ack_carrying_data_is_not_a_duplicate),
    {NULL, NULL},
};
