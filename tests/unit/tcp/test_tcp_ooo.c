/*
 * The out-of-order receive queue (RFC 9293 §3.10.7.4, RFC 5681 §4.2) and
 * the SACK blocks generated from it (RFC 2018 §4), in lwIP's test_tcp_oos
 * manner: segments injected around gaps, delivery checked byte by byte.
 */
#include "test_tcp.h"

static struct fx_conn fc;
static uint8_t msg[2000 + 100 * TCP_OOO_RANGES]; /* room for an island per slot */

static void open_conn(const struct fx_seg *syn)
{
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 13 + 7);
	CU_ASSERT_FATAL(fx_open_opts(&fc, FX_PEER_PORT, FX_WND, 1460, syn) == 0);
	fx.app.consume = true;
}

/* Bytes [off, off + len) of msg, relative to the peer's first data byte. */
static void seg(uint32_t off, uint16_t len)
{
	fx_conn_data_at(&fc, FX_PEER_ISN + 1 + off, msg + off, len);
}

static void test_tcp_ooo_gaps_fill_in_any_order(void)
{
	struct fx_pkt p, dup[2];
	open_conn(NULL);
	seg(300, 100);
	seg(100, 100);
	CU_ASSERT_EQUAL(fx.app.readable, 0);
	CU_ASSERT_EQUAL(fc.c->ooo_n, 2);
	/* RFC 5681 §4.2: a duplicate ACK per segment, still for byte 0 */
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(dup, 2), 2);
	CU_ASSERT_EQUAL(dup[0].ack, FX_PEER_ISN + 1);
	CU_ASSERT_EQUAL(dup[1].ack, FX_PEER_ISN + 1);
	seg(0, 100); /* fills the first gap: 0..200 in order */
	CU_ASSERT_EQUAL(fx.app.rcv_copy_len, 200);
	CU_ASSERT_EQUAL(fc.c->ooo_n, 1);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 1 + 200);
	seg(200, 100);
	CU_ASSERT_EQUAL_FATAL(fx.app.rcv_copy_len, 400);
	CU_ASSERT(memcmp(fx.app.rcv_copy, msg, 400) == 0);
	CU_ASSERT_EQUAL(fc.c->ooo_n, 0);
	CU_ASSERT_EQUAL(fx.tcp.ooo_bytes, 0);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 1 + 400);
}

static void test_tcp_ooo_overlapping_and_duplicate_segments_deliver_once(void)
{
	open_conn(NULL);
	seg(100, 100);
	seg(100, 100); /* duplicate */
	seg(150, 200); /* overlaps the end, extends to 350 */
	seg(400, 50);
	seg(340, 70); /* bridges two islands */
	CU_ASSERT_EQUAL_FATAL(fc.c->ooo_n, 1);
	CU_ASSERT_EQUAL(fc.c->ooo[0].start, FX_PEER_ISN + 1 + 100);
	CU_ASSERT_EQUAL(fc.c->ooo[0].end, FX_PEER_ISN + 1 + 450);
	seg(0, 120); /* overlaps the island's start */
	CU_ASSERT_EQUAL_FATAL(fx.app.rcv_copy_len, 450);
	CU_ASSERT(memcmp(fx.app.rcv_copy, msg, 450) == 0);
	seg(0, 450); /* an old retransmission: nothing new */
	CU_ASSERT_EQUAL(fx.app.rcv_copy_len, 450);
	CU_ASSERT_EQUAL(fc.c->rcv_nxt, FX_PEER_ISN + 1 + 450);
}

static void test_tcp_ooo_islands_survive_the_application_consuming(void)
{
	open_conn(NULL);
	fx.app.consume = false;
	seg(0, 100);
	seg(300, 100);
	tcp_rcv_consumed(&fx.tcp, fc.c, 60, 0); /* moves the island down with the rest */
	fx.app.consume = true;
	seg(100, 200);
	CU_ASSERT_EQUAL_FATAL(fx.app.rcv_copy_len, 340);
	CU_ASSERT(memcmp(fx.app.rcv_copy, msg + 60, 340) == 0);
}

/* The idle-buffer trim (maxmemory-clients' scan) ran while every in-order
 * byte was consumed but islands were held: it freed the buffer they sit in,
 * and the gap's retransmission then delivered past the new buffer's end
 * (a worker's segfault in a full CI run, test_tcp_integrity.sh at 1% loss). */
static void test_tcp_ooo_islands_survive_the_idle_trim(void)
{
	open_conn(NULL);
	seg(0, 100);
	seg(300, 100);
	CU_ASSERT_EQUAL_FATAL(fx.app.rcv_copy_len, 100);
	CU_ASSERT_EQUAL_FATAL(fc.c->rcv.len, 0);
	CU_ASSERT_EQUAL_FATAL(fc.c->ooo_n, 1);
	size_t cap = fc.c->rcv.cap;
	tcp_conn_trim_idle(fc.c, 16);
	CU_ASSERT_EQUAL(fc.c->rcv.cap, cap);
	seg(100, 200);
	CU_ASSERT_EQUAL_FATAL(fx.app.rcv_copy_len, 400);
	CU_ASSERT(memcmp(fx.app.rcv_copy, msg, 400) == 0);
	CU_ASSERT_EQUAL(fc.c->ooo_n, 0);
	tcp_conn_trim_idle(fc.c, 16); /* idle now: handed back */
	CU_ASSERT_EQUAL(fc.c->rcv.cap, 0);
	seg(400, 100); /* and grown again from nothing */
	CU_ASSERT_EQUAL_FATAL(fx.app.rcv_copy_len, 500);
	CU_ASSERT(memcmp(fx.app.rcv_copy, msg, 500) == 0);
}

static void test_tcp_ooo_fin_before_gap_fill(void)
{
	open_conn(NULL);
	fx_send(&(struct fx_seg){.seq = FX_PEER_ISN + 1 + 100,
				 .ack = fc.rcv_nxt,
				 .flags = FX_ACK | FX_FIN,
				 .wnd = FX_WND,
				 .sport = FX_PEER_PORT,
				 .data = msg + 100,
				 .len = 50});
	CU_ASSERT_EQUAL(fc.c->state, TCP_ESTABLISHED);
	CU_ASSERT(fc.c->ooo_fin);
	seg(0, 100);
	CU_ASSERT_EQUAL(fc.c->state, TCP_CLOSE_WAIT);
	CU_ASSERT(fc.c->peer_fin);
	CU_ASSERT_EQUAL(fc.c->rcv_nxt, FX_PEER_ISN + 1 + 151);
	CU_ASSERT_EQUAL_FATAL(fx.app.rcv_copy_len, 150);
	CU_ASSERT(memcmp(fx.app.rcv_copy, msg, 150) == 0);
}

static void test_tcp_ooo_beyond_window_or_island_limit_not_kept(void)
{
	fx.tcp.rcv_limit = 1000; /* before the SYN-ACK: a window once offered is not withdrawn */
	open_conn(NULL);
	seg(1200, 100); /* wholly past the window */
	CU_ASSERT_EQUAL(fc.c->ooo_n, 0);
	seg(950, 100); /* straddles the edge: the part inside is kept */
	CU_ASSERT_EQUAL_FATAL(fc.c->ooo_n, 1);
	CU_ASSERT_EQUAL(fc.c->ooo[0].end, FX_PEER_ISN + 1 + 1000);
	fx.tcp.rcv_limit = 1u << 30;
	/* one island is there: TCP_OOO_RANGES - 1 more fit, the next is not kept */
	uint64_t dropped = fx.stats.tcp_ooo_dropped;
	for (unsigned i = 0; i < TCP_OOO_RANGES; i++)
		seg(1100 + 100 * i, 10);
	CU_ASSERT_EQUAL(fc.c->ooo_n, TCP_OOO_RANGES);
	CU_ASSERT_EQUAL(fx.stats.tcp_ooo_dropped, dropped + 1);
	uint32_t last_end = fc.c->ooo[TCP_OOO_RANGES - 1].end;
	CU_ASSERT_EQUAL(last_end, FX_PEER_ISN + 1 + 1100 + 100 * (TCP_OOO_RANGES - 2) + 10);
	/* a segment touching an island still merges into it when the table is full */
	seg(1100 + 10, 10);
	CU_ASSERT_EQUAL(fc.c->ooo[1].end, FX_PEER_ISN + 1 + 1100 + 20);
	/* the worker-wide bound: extending the last island would pass it */
	fx.tcp.ooo_limit = fx.tcp.ooo_bytes;
	seg(last_end - (FX_PEER_ISN + 1), 10);
	CU_ASSERT_EQUAL(fc.c->ooo[TCP_OOO_RANGES - 1].end, last_end);
	CU_ASSERT_EQUAL(fx.stats.tcp_ooo_dropped, dropped + 2);
}

static void test_tcp_ooo_freed_on_reset(void)
{
	open_conn(NULL);
	seg(100, 100);
	CU_ASSERT(fx.tcp.ooo_bytes != 0);
	fx_send(&(struct fx_seg){.seq = fc.c->rcv_nxt, .flags = FX_RST, .sport = FX_PEER_PORT});
	CU_ASSERT_EQUAL(fx.app.reset, 1);
	CU_ASSERT_EQUAL(fx.tcp.ooo_bytes, 0);
	CU_ASSERT_EQUAL(fc.c->ooo_n, 0);
}

static void test_tcp_ooo_sack_blocks_most_recent_first(void)
{
	struct fx_pkt p;
	open_conn(&(struct fx_seg){.sack_perm = true, .ts = true, .tsval = 1});
	seg(100, 50);
	seg(500, 50);
	seg(300, 50);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL_FATAL(p.n_sack, 3);
	uint32_t b = FX_PEER_ISN + 1;
	CU_ASSERT_EQUAL(p.sack[0][0], b + 300); /* RFC 2018 §4: the latest first */
	CU_ASSERT_EQUAL(p.sack[0][1], b + 350);
	CU_ASSERT_EQUAL(p.sack[1][0], b + 500);
	CU_ASSERT_EQUAL(p.sack[2][0], b + 100);
	CU_ASSERT_EQUAL(p.opt_len, 40);
	/* a fourth island: only three fit beside the timestamp */
	seg(700, 50);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.n_sack, 3);
	CU_ASSERT_EQUAL(p.sack[0][0], b + 700);
	/* a segment extending an island makes it the first block */
	seg(150, 50);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.sack[0][0], b + 100);
	CU_ASSERT_EQUAL(p.sack[0][1], b + 200);
	/* gaps filled by a segment covering the islands too: RFC 2883 §4
	 * reports the first bytes received twice in a D-SACK block, once */
	seg(0, 800);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL_FATAL(p.n_sack, 1);
	CU_ASSERT_EQUAL(p.sack[0][0], b + 100);
	CU_ASSERT_EQUAL(p.sack[0][1], b + 200);
	CU_ASSERT_EQUAL(p.ack, b + 800);
	/* no islands left: no more blocks */
	seg(800, 10);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.n_sack, 0);
	CU_ASSERT_EQUAL(p.ack, b + 810);
}

static void test_tcp_ooo_no_sack_blocks_unless_permitted(void)
{
	struct fx_pkt p;
	open_conn(NULL);
	seg(100, 50);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 2), 1);
	CU_ASSERT_EQUAL(p.n_sack, 0);
	CU_ASSERT_EQUAL(p.opt_len, 0);
}

/* Segments that reach the stack in one RX burst: one loop iteration, one
 * flush at its end, as the worker runs them. @return the frames sent. */
static unsigned burst_take(const uint32_t (*segs)[2], unsigned n, struct fx_pkt *out, unsigned max)
{
	for (unsigned i = 0; i < n; i++)
		seg(segs[i][0], (uint16_t)segs[i][1]);
	return fx_flush_take(out, max);
}

/* RFC 5681 §4.2: an immediate duplicate ACK for every segment that arrives
 * out of order, however many share an iteration: a peer without SACK needs
 * three of them to retransmit (§3.2) and counts one segment gone from the
 * network per duplicate in recovery. The stack used to send one ACK per
 * iteration: three segments past a hole in one burst gave one duplicate. */
static void test_tcp_ooo_dupack_for_each_segment_in_a_burst(void)
{
	struct fx_pkt p[8];
	open_conn(NULL);
	const uint32_t after_hole[][2] = {{0, 100}, {200, 100}, {300, 100}, {400, 100}};
	CU_ASSERT_EQUAL_FATAL(burst_take(after_hole, 4, p, 8), 4);
	uint32_t b = FX_PEER_ISN + 1;
	CU_ASSERT_EQUAL(p[0].ack, b + 100); /* the in-order segment's ACK */
	for (unsigned i = 1; i < 4; i++) {
		CU_ASSERT_EQUAL(p[i].ack, b + 100); /* three duplicates */
		CU_ASSERT_EQUAL(p[i].wnd, p[1].wnd);
		CU_ASSERT_EQUAL(p[i].len, 0);
	}
	/* in-order data alone still gets one ACK per iteration (as GRO gives) */
	const uint32_t fill[][2] = {{100, 100}, {500, 100}, {600, 100}};
	CU_ASSERT_EQUAL_FATAL(burst_take(fill, 1, p, 8), 1);
	CU_ASSERT_EQUAL(p[0].ack, b + 500);
	CU_ASSERT_EQUAL_FATAL(burst_take(fill + 1, 2, p, 8), 1);
	CU_ASSERT_EQUAL(p[0].ack, b + 700);
	CU_ASSERT_EQUAL(fx.app.rcv_copy_len, 700);
}

/* RFC 2018 §4: with SACK one ACK may serve a burst, but only while its
 * blocks (three beside a timestamp) can report every island the burst
 * changed; a fourth island would never have been reported at all. */
static void test_tcp_ooo_sack_burst_reports_every_island(void)
{
	struct fx_pkt p[8];
	open_conn(&(struct fx_seg){.sack_perm = true, .ts = true, .tsval = 1});
	const uint32_t islands[][2] = {{100, 50}, {150, 50}, {300, 50}, {500, 50}, {700, 50}};
	unsigned n = burst_take(islands, 5, p, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	uint32_t b = FX_PEER_ISN + 1;
	/* the first ACK carries the first three islands, the latest first */
	CU_ASSERT_EQUAL_FATAL(p[0].n_sack, 3);
	CU_ASSERT_EQUAL(p[0].sack[0][0], b + 500);
	CU_ASSERT_EQUAL(p[0].sack[1][0], b + 300);
	CU_ASSERT_EQUAL(p[0].sack[2][0], b + 100);
	CU_ASSERT_EQUAL(p[0].sack[2][1], b + 200);
	/* the second leads with the fourth */
	CU_ASSERT_EQUAL_FATAL(p[1].n_sack, 3);
	CU_ASSERT_EQUAL(p[1].sack[0][0], b + 700);
	CU_ASSERT_EQUAL(p[1].sack[0][1], b + 750);
	CU_ASSERT_EQUAL(p[0].ack, b);
	CU_ASSERT_EQUAL(p[1].ack, b);
}

/* RFC 2883: each duplicate reported. Several retransmissions that were not
 * needed (a spurious timeout, a loss probe) can arrive in one burst; a
 * sender such as Linux undoes its window reduction only when all of them
 * come back as D-SACKs, and the stack reported only the last. Adjoining
 * duplicates share a block; others get an ACK each. */
static void test_tcp_ooo_each_duplicate_in_a_burst_is_dsacked(void)
{
	struct fx_pkt p[8];
	open_conn(&(struct fx_seg){.sack_perm = true, .ts = true, .tsval = 1});
	const uint32_t data[][2] = {{0, 100}, {100, 100}, {200, 100}, {300, 100}};
	CU_ASSERT_EQUAL_FATAL(burst_take(data, 4, p, 8), 1);
	uint32_t b = FX_PEER_ISN + 1;
	const uint32_t apart[][2] = {{0, 100}, {200, 100}};
	CU_ASSERT_EQUAL_FATAL(burst_take(apart, 2, p, 8), 2);
	for (unsigned i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(p[i].ack, b + 400);
		CU_ASSERT_EQUAL_FATAL(p[i].n_sack, 1);
		CU_ASSERT_EQUAL(p[i].sack[0][0], b + 200 * i);
		CU_ASSERT_EQUAL(p[i].sack[0][1], b + 200 * i + 100);
	}
	const uint32_t adjoining[][2] = {{100, 100}, {200, 100}};
	CU_ASSERT_EQUAL_FATAL(burst_take(adjoining, 2, p, 8), 1);
	CU_ASSERT_EQUAL_FATAL(p[0].n_sack, 1);
	CU_ASSERT_EQUAL(p[0].sack[0][0], b + 100);
	CU_ASSERT_EQUAL(p[0].sack[0][1], b + 300);
}

const struct rw_test_case test_tcp_ooo_cases[] = {
    RW_TEST(test_tcp_ooo_dupack_for_each_segment_in_a_burst),
    RW_TEST(test_tcp_ooo_sack_burst_reports_every_island),
    RW_TEST(test_tcp_ooo_each_duplicate_in_a_burst_is_dsacked),
    RW_TEST(test_tcp_ooo_gaps_fill_in_any_order),
    RW_TEST(test_tcp_ooo_overlapping_and_duplicate_segments_deliver_once),
    RW_TEST(test_tcp_ooo_islands_survive_the_application_consuming),
    RW_TEST(test_tcp_ooo_islands_survive_the_idle_trim),
    RW_TEST(test_tcp_ooo_fin_before_gap_fill),
    RW_TEST(test_tcp_ooo_beyond_window_or_island_limit_not_kept),
    RW_TEST(test_tcp_ooo_freed_on_reset),
    RW_TEST(test_tcp_ooo_sack_blocks_most_recent_first),
    RW_TEST(test_tcp_ooo_no_sack_blocks_unless_permitted),
    {NULL, NULL},
};
