/*
 * Loss recovery on the send side: SACK-driven retransmission of holes only
 * (RFC 6675, simplified), go-back-N that skips SACKed data after a timeout
 * (RFC 6675 §5.1), NewReno partial ACKs (RFC 6582) and limited transmit
 * (RFC 3042), tail loss probes (RFC 8985 §7) and cwnd in SMSS (RFC 5681).
 * Segments of 100 bytes (MSS 100) keep the arithmetic legible.
 */
#include "test_tcp.h"

/* The handshake and the ACKs take an RTT: with none, RACK's reordering
 * window (RFC 8985 §6.2 step 4, min_RTT / 4) would be 0 and a single SACK
 * above a hole would mark it lost at once, where these cases look at
 * DupThresh (and the PTO, 2 SRTT, would fire as the clock moves). */
#define RTT_MS 10

static struct fx_conn fc;

static void open_sack(bool sack)
{
	CU_ASSERT_FATAL(fx_open_rtt(&fc, FX_PEER_PORT, FX_WND, 100,
				    &(struct fx_seg){.sack_perm = sack}, RTT_MS * 1000u) == 0);
}

/* Sequence number of byte @p off of the reply stream. */
static uint32_t sq(uint32_t off)
{
	return fc.iss + 1 + off;
}

static void sack1(uint32_t ack_off, uint32_t s, uint32_t e)
{
	const uint32_t b[1][2] = {{sq(s), sq(e)}};
	fx_conn_sack(&fc, sq(ack_off), FX_WND, 1, b);
}

static void test_tcp_sack_third_dupack_retransmits_the_hole_only(void)
{
	struct fx_pkt p[16];
	open_sack(true);
	app_write(fc.c, 1000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 10);
	fx_advance_ms(RTT_MS);
	fx_conn_ack(&fc, sq(100), FX_WND);
	/* 100..200 is lost; the peer SACKs what follows it */
	sack1(100, 200, 300);
	sack1(100, 200, 400);
	CU_ASSERT_EQUAL(fx_flush_take(p, 16), 0);
	sack1(100, 200, 500);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 1);
	CU_ASSERT_EQUAL(p[0].seq, sq(100));
	CU_ASSERT_EQUAL(p[0].len, 100);
	CU_ASSERT(pattern_ok(&p[0], 100));
	CU_ASSERT(fc.c->in_recovery);
	/* RFC 6675: ssthresh = FlightSize / 2; cwnd follows RFC 6937 from there */
	CU_ASSERT_EQUAL(fc.c->ssthresh, 450);
	/* more SACKs: nothing else is missing, nothing else is resent */
	sack1(100, 200, 1000);
	CU_ASSERT_EQUAL(fx_flush_take(p, 16), 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_retransmits, 1);
	fx_conn_ack(&fc, sq(1000), FX_WND);
	CU_ASSERT_FALSE(fc.c->in_recovery);
	CU_ASSERT_EQUAL(fc.c->sack_n, 0);
	CU_ASSERT_EQUAL(fc.c->rto_deadline_us, 0);
}

static void test_tcp_sack_two_holes_resent_never_the_sacked_data(void)
{
	struct fx_pkt p[16];
	open_sack(true);
	app_write(fc.c, 1000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 10);
	fx_advance_ms(RTT_MS);
	/* 0..100 and 400..500 are lost */
	const uint32_t b1[1][2] = {{sq(100), sq(400)}};
	const uint32_t b2[2][2] = {{sq(500), sq(700)}, {sq(100), sq(400)}};
	const uint32_t b3[2][2] = {{sq(500), sq(1000)}, {sq(100), sq(400)}};
	fx_conn_sack(&fc, sq(0), FX_WND, 1, b1);
	fx_conn_sack(&fc, sq(0), FX_WND, 2, b2);
	fx_conn_sack(&fc, sq(0), FX_WND, 2, b3);
	unsigned n = fx_flush_take(p, 16);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(p[0].seq, sq(0));
	CU_ASSERT_EQUAL(p[1].seq, sq(400));
	CU_ASSERT_EQUAL(p[1].len, 100);
	CU_ASSERT(pattern_ok(&p[1], 400));
	CU_ASSERT_EQUAL(fx.stats.tcp_sack_rexmits, 2);
	/* a partial ACK for the first hole: the second was resent already */
	fx_conn_sack(&fc, sq(400), FX_WND, 1, b3);
	CU_ASSERT_EQUAL(fx_flush_take(p, 16), 0);
	CU_ASSERT(fc.c->in_recovery);
	fx_conn_ack(&fc, sq(1000), FX_WND);
	CU_ASSERT_FALSE(fc.c->in_recovery);
}

static void test_tcp_rto_go_back_n_skips_sacked_data(void)
{
	struct fx_pkt p[16];
	open_sack(true);
	app_write(fc.c, 800);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 8);
	fx_advance_ms(RTT_MS);
	fx_conn_ack(&fc, sq(100), FX_WND);
	sack1(100, 200, 400); /* one duplicate: no fast retransmit yet */
	CU_ASSERT_EQUAL(fx_flush_take(p, 16), 0);
	fx_advance_ms(1000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 1);
	CU_ASSERT_EQUAL(p[0].seq, sq(100));
	fx_conn_ack(&fc, sq(200), FX_WND); /* cwnd 2 segments: 400..600, not 200..400 */
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 2);
	CU_ASSERT_EQUAL(p[0].seq, sq(400));
	CU_ASSERT_EQUAL(p[1].seq, sq(500));
	CU_ASSERT(pattern_ok(&p[0], 400));
}

static void test_tcp_newreno_partial_ack_resends_next_hole_at_once(void)
{
	struct fx_pkt p[16];
	open_sack(false);
	app_write(fc.c, 1000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 10);
	/* 100..200 and 400..500 lost */
	fx_conn_ack(&fc, sq(100), FX_WND);
	for (int i = 0; i < 3; i++)
		fx_conn_ack(&fc, sq(100), FX_WND);
	CU_ASSERT_EQUAL_FATAL(fx_take(p, 16), 1);
	CU_ASSERT_EQUAL(p[0].seq, sq(100));
	CU_ASSERT_EQUAL(fc.c->recover, sq(1000));
	uint32_t cwnd = fc.c->cwnd;
	/* the retransmission lands: ACK up to the second hole, a partial ACK */
	fx_conn_ack(&fc, sq(400), FX_WND);
	CU_ASSERT(fc.c->in_recovery);
	CU_ASSERT_EQUAL(fx.stats.tcp_partial_acks, 1);
	CU_ASSERT_EQUAL(fc.c->cwnd, cwnd - 300 + 100); /* RFC 6582 §3.2 step 5 */
	unsigned n = fx_flush_take(p, 16);
	CU_ASSERT_FATAL(n >= 1);
	CU_ASSERT_EQUAL(p[0].seq, sq(400));
	CU_ASSERT(pattern_ok(&p[0], 400));
	fx_conn_ack(&fc, sq(1000), FX_WND);
	CU_ASSERT_FALSE(fc.c->in_recovery);
	CU_ASSERT(fc.c->cwnd <= fc.c->ssthresh);
}

static void test_tcp_limited_transmit_on_first_two_dupacks(void)
{
	struct fx_pkt p[16];
	open_sack(false);
	app_write(fc.c, 1500);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 10); /* the initial window */
	fx_conn_ack(&fc, sq(0), FX_WND);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 1); /* RFC 3042: one new segment */
	CU_ASSERT_EQUAL(p[0].seq, sq(1000));
	fx_conn_ack(&fc, sq(0), FX_WND);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 1);
	CU_ASSERT_EQUAL(p[0].seq, sq(1100));
	CU_ASSERT_EQUAL(fc.c->cwnd, 1000); /* cwnd itself did not grow */
	fx_conn_ack(&fc, sq(0), FX_WND);
	CU_ASSERT_EQUAL_FATAL(fx_take(p, 16), 1); /* the third: fast retransmit */
	CU_ASSERT_EQUAL(p[0].seq, sq(0));
	CU_ASSERT(fc.c->in_recovery);
	CU_ASSERT_EQUAL(fx.stats.tcp_limited_transmits, 2);
}

/* RFC 5681 §2: with timestamps SMSS is the MSS less 12 bytes; a cwnd that
 * is not a whole number of SMSS sends only full segments while data is in
 * flight, the rest once an ACK makes room (no runt at the window's edge). */
static void test_tcp_cwnd_in_smss_sends_no_runt(void)
{
	struct fx_pkt p[16];
	CU_ASSERT_FATAL(fx_open_opts(&fc, FX_PEER_PORT, FX_WND, 1012,
				     &(struct fx_seg){.ts = true, .tsval = 1}) == 0);
	CU_ASSERT_EQUAL(tcp_smss(fc.c), 1000);
	CU_ASSERT_EQUAL(fc.c->cwnd, 10000); /* RFC 6928: 10 SMSS */
	fc.c->cwnd = 2500;		    /* as congestion avoidance leaves it */
	fc.c->ssthresh = 2000;
	app_write(fc.c, 5000);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 2);
	CU_ASSERT_EQUAL(p[0].len, 1000);
	CU_ASSERT_EQUAL(p[1].len, 1000);
	/* cwnd 2901: room for 1901 bytes past 1000, one full segment */
	fx_conn_ack(&fc, sq(1000), FX_WND);
	unsigned n = fx_flush_take(p, 16);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(p[0].seq, sq(2000));
	CU_ASSERT_EQUAL(p[0].len, 1000);
	/* cwnd 3246 past 3000: the last two segments, full */
	fx_conn_ack(&fc, sq(3000), FX_WND);
	n = fx_flush_take(p, 16);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(p[0].seq, sq(3000));
	CU_ASSERT_EQUAL(p[1].seq, sq(4000));
	CU_ASSERT_EQUAL(p[1].len, 1000);
}

/* RFC 8985 §7: 2 SRTT after the last ACK, with two segments unacknowledged
 * and no new data, the last one goes again as a probe. */
static void tlp_setup(void)
{
	struct fx_pkt p[16];
	CU_ASSERT_FATAL(fx_open_rtt(&fc, FX_PEER_PORT, FX_WND, 100,
				    &(struct fx_seg){.sack_perm = true}, 100000) == 0);
	app_write(fc.c, 400);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 4);
	fx_advance_ms(100);
	fx_conn_ack(&fc, sq(200), FX_WND); /* 200..400 outstanding */
	CU_ASSERT_EQUAL(fx_flush_take(p, 16), 0);
	fx_advance_ms(199);
	CU_ASSERT_EQUAL(fx_flush_take(p, 16), 0);
	fx_advance_ms(1); /* PTO = 2 SRTT = 200 ms, before the RTO (250 ms) */
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 1);
	CU_ASSERT_EQUAL(p[0].seq, sq(300));
	CU_ASSERT_EQUAL(p[0].len, 100);
	CU_ASSERT(pattern_ok(&p[0], 300));
	CU_ASSERT_EQUAL(fx.stats.tcp_loss_probes, 1);
	CU_ASSERT(fc.c->tlp_out);
	CU_ASSERT_EQUAL(fc.c->cwnd, 1100); /* 10 SMSS, plus one in slow start */
}

/* §7.4.2: an ACK beyond the probe, with no D-SACK for it, shows the probe
 * repaired a loss: the window comes down as in fast recovery. */
static void test_tcp_tlp_repairing_a_loss_reduces_cwnd(void)
{
	struct fx_pkt p[16];
	tlp_setup();
	fx_advance_ms(100);
	fx_conn_ack(&fc, sq(400), FX_WND);
	CU_ASSERT(fc.c->tlp_out); /* reaching TLP.end_seq tells nothing yet */
	app_write(fc.c, 100);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 16), 1);
	fx_advance_ms(100);
	fx_conn_ack(&fc, sq(500), FX_WND);
	CU_ASSERT_FALSE(fc.c->tlp_out);
	CU_ASSERT_EQUAL(fc.c->cwnd, 650); /* half of 1300 */
	CU_ASSERT_EQUAL(fc.c->ssthresh, 650);
	CU_ASSERT_EQUAL(fx.stats.tcp_rto_expired, 0);
}

/* A D-SACK for the probe: the original had arrived, nothing was lost. */
static void test_tcp_tlp_dsacked_keeps_cwnd(void)
{
	tlp_setup();
	fx_advance_ms(100);
	const uint32_t d[1][2] = {{sq(300), sq(400)}};
	fx_conn_sack(&fc, sq(400), FX_WND, 1, d);
	CU_ASSERT_FALSE(fc.c->tlp_out);
	CU_ASSERT_EQUAL(fc.c->cwnd, 1200); /* slow start went on */
}

const struct rw_test_case test_tcp_sack_cases[] = {
    RW_TEST(test_tcp_tlp_repairing_a_loss_reduces_cwnd),
    RW_TEST(test_tcp_tlp_dsacked_keeps_cwnd),
    RW_TEST(test_tcp_cwnd_in_smss_sends_no_runt),
    RW_TEST(test_tcp_sack_third_dupack_retransmits_the_hole_only),
    RW_TEST(test_tcp_sack_two_holes_resent_never_the_sacked_data),
    RW_TEST(test_tcp_rto_go_back_n_skips_sacked_data),
    RW_TEST(test_tcp_newreno_partial_ack_resends_next_hole_at_once),
    RW_TEST(test_tcp_limited_transmit_on_first_two_dupacks),
    {NULL, NULL},
};
