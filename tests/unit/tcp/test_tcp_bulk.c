/*
 * 4 MB transfers, each way, through the seeded impairment stage at 5% loss
 * (with reordering and duplication) against a peer that behaves like the
 * kernel clients of test_tcp_integrity.sh, on the fake clock, over a list
 * of seeds. Each must finish within a bounded simulated time, and no RTO
 * may back off repeatedly while the transfer makes progress.
 *
 * The upload peer sends as Linux with BBR does: a large flight regardless
 * of loss (here 512 KB), SACK and RACK loss detection (RFC 8985 §6: a
 * segment is lost once one sent later is delivered), RTO per RFC 6298 with
 * back-off (200 ms floor, 120 s cap) reset by progress, and RTT samples as
 * Linux takes them: from a cumulative ACK or a first SACK of a segment never
 * retransmitted, else from the timestamp echo. Against the stack's old
 * eight-island out-of-order queue this peer stalled: most of each flight
 * was dropped, late SACKs of old islands inflated its RTT, and its RTO
 * backed off to seconds (the 119 s stall of the integrity test).
 *
 * The download peer is a receiver with a per-byte map that ACKs every data
 * segment with SACK blocks, most recent first (RFC 2018 §4), and an 8 MB
 * window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_impair.h"
#include "test_tcp.h"

#define BK_TOTAL   (4u << 20)
#define BK_SEG	   1448u
#define BK_NSEG	   ((BK_TOTAL + BK_SEG - 1) / BK_SEG)
#define BK_FLIGHT  (512u << 10)
#define BK_TICK_US 100u
#define BK_BURST   32u		     /* segments the peer sends per tick */
#define BK_MAX_US  (60ull * 1000000) /* give up (and fail) after this */
/* what a 4 MB transfer at 5% loss may take on the simulated link, and the
 * most consecutive expiries of one RTO while the transfer goes on. The
 * download is Reno-bound here (about 200 recoveries, each halving cwnd):
 * with RACK (RFC 8985) finding lost retransmissions and the losses after a
 * timeout, the six seeds take 1.34-2.07 s; before it, with only the hole at
 * SND.UNA checked for a lost retransmission and go-back-N after an RTO
 * (further losses waiting for another timeout), 1.35-3.38 s and up to 8
 * RTOs (seeds 3 and 4 over this bound). */
#define BK_BOUND_US (2500ull * 1000)
/* An upload repaired by SACK and RACK alone takes 20-40 ms here; one
 * retransmission timeout of the peer (200 ms floor) means the stack lost
 * or did not report something the peer needed (before each out-of-order
 * segment got its ACK and 128 islands were kept, three seeds of six took
 * 0.22 s, an RTO each). */
#define BK_UPLOAD_BOUND_US (150ull * 1000)
#define BK_MAX_BACKOFF	   3u
#define BK_RTO_MIN_US	   200000u
#define BK_RTO_MAX_US	   120000000u

struct bk_seg {
	bool sacked, lost, rexmit;
	uint64_t xmit_us;
};

struct bk_peer {
	struct fx_conn fc;
	/* upload side */
	struct bk_seg *seg;
	uint32_t una, nxt; /* segment indexes */
	uint32_t srtt_us, rttvar_us, backoff, max_backoff;
	uint64_t rto_at_us, rack_xmit_us;
	uint32_t wnd;	    /* the stack's window, scaled */
	uint32_t delivered; /* bytes the application took, checked */
	/* download side */
	uint8_t *got;
	uint32_t rcv_nxt, last_start, last_end, max_seen;
	bool bad;
	char why[128];
};

static struct bk_peer bp;
static uint8_t *bk_stream;
static bool bk_sack = true; /* the peer offers SACK (BK_SACK=0: it does not) */
/* BK_DELACK=1: the download peer delays ACKs as Linux does (every second
 * full segment in order, at once when out of order or filling a hole, else
 * after 40 ms) */
static bool bk_delack;
static unsigned bk_unacked;
static uint64_t bk_delack_at;

static uint64_t bk_clock(void *arg)
{
	(void)arg;
	return fx.tcp.now_us;
}

static void bk_fail(const char *why)
{
	if (!bp.bad)
		snprintf(bp.why, sizeof(bp.why), "%s", why);
	bp.bad = true;
}

static uint32_t seg_len(uint32_t i)
{
	return i + 1 < BK_NSEG ? BK_SEG : BK_TOTAL - i * BK_SEG;
}

static uint32_t rto_us(void)
{
	uint64_t r = bp.srtt_us != 0 ? bp.srtt_us + 4ull * bp.rttvar_us : 1000000u;
	if (r < BK_RTO_MIN_US)
		r = BK_RTO_MIN_US;
	r <<= bp.backoff;
	return r > BK_RTO_MAX_US ? BK_RTO_MAX_US : (uint32_t)r;
}

static void rtt_sample(uint64_t r)
{
	if (r == 0)
		r = 1;
	if (bp.srtt_us == 0) {
		bp.srtt_us = (uint32_t)r;
		bp.rttvar_us = (uint32_t)(r / 2);
		return;
	}
	uint64_t d = r > bp.srtt_us ? r - bp.srtt_us : bp.srtt_us - r;
	bp.rttvar_us = (uint32_t)((3ull * bp.rttvar_us + d) / 4);
	bp.srtt_us = (uint32_t)((7ull * bp.srtt_us + r) / 8);
}

/* A segment from the peer: upload data at segment @p i, or (i == UINT32_MAX)
 * a pure ACK of the download with SACK blocks. */
static void bk_emit(uint32_t i)
{
	struct fx_seg s = {.seq =
			       FX_PEER_ISN + 1 + (i == UINT32_MAX ? bp.nxt * BK_SEG : i * BK_SEG),
			   .ack = bp.fc.iss + 1 + bp.rcv_nxt,
			   .flags = FX_ACK,
			   .wnd = FX_WND,
			   .sport = bp.fc.port,
			   .ts = true,
			   .tsval = (uint32_t)(fx.tcp.now_us / 1000u),
			   .tsecr = bp.fc.tsecr};
	if (i != UINT32_MAX) {
		s.flags |= FX_PSH;
		s.data = bk_stream + i * BK_SEG;
		s.len = (uint16_t)seg_len(i);
	} else if (bk_sack && bp.last_end > bp.rcv_nxt) {
		uint32_t base = bp.fc.iss + 1, st = bp.last_start, en = bp.last_end;
		while (st > bp.rcv_nxt && bp.got[st - 1])
			st--;
		while (en < BK_TOTAL && bp.got[en])
			en++;
		if (st > bp.rcv_nxt) {
			s.sack[0][0] = base + st;
			s.sack[0][1] = base + en;
			s.n_sack = 1;
		}
		/* then the lowest islands (RFC 2018 §4 lets older blocks repeat) */
		uint32_t k = bp.rcv_nxt;
		while (s.n_sack < 3 && k < bp.max_seen) {
			const uint8_t *a = memchr(bp.got + k, 1, bp.max_seen - k);
			if (a == NULL)
				break;
			const uint8_t *b = memchr(a, 0, bp.max_seen - (uint32_t)(a - bp.got));
			uint32_t as = (uint32_t)(a - bp.got);
			k = b != NULL ? (uint32_t)(b - bp.got) : bp.max_seen;
			if (s.n_sack == 0 || base + as != s.sack[0][0]) {
				s.sack[s.n_sack][0] = base + as;
				s.sack[s.n_sack][1] = base + k;
				s.n_sack++;
			}
		}
	}
	eth_port_mem_inject(&fx.port, 0, fx_tcp_frame(&s));
}

static void send_one(uint32_t i)
{
	if (bp.seg[i].xmit_us != 0)
		bp.seg[i].rexmit = true;
	bp.seg[i].xmit_us = fx.tcp.now_us;
	bp.seg[i].lost = false;
	bk_emit(i);
	if (bp.rto_at_us == 0)
		bp.rto_at_us = fx.tcp.now_us + rto_us();
}

/* Lost segments first (lowest first), then new ones, within the flight and
 * the stack's window; then the RTO. */
static void upload_send(void)
{
	uint32_t pipe = 0, budget = BK_BURST;
	for (uint32_t i = bp.una; i < bp.nxt; i++)
		if (!bp.seg[i].sacked && !bp.seg[i].lost)
			pipe += seg_len(i);
	for (uint32_t i = bp.una; i < bp.nxt && budget != 0 && pipe < BK_FLIGHT; i++)
		if (bp.seg[i].lost) {
			send_one(i);
			pipe += seg_len(i);
			budget--;
		}
	while (budget != 0 && pipe < BK_FLIGHT && bp.nxt < BK_NSEG &&
	       (bp.nxt + 1) * BK_SEG <= bp.una * BK_SEG + bp.wnd) {
		send_one(bp.nxt);
		pipe += seg_len(bp.nxt++);
		budget--;
	}
	if (bp.una < bp.nxt && bp.rto_at_us != 0 && fx.tcp.now_us >= bp.rto_at_us) {
		for (uint32_t i = bp.una; i < bp.nxt; i++)
			if (!bp.seg[i].sacked)
				bp.seg[i].lost = true;
		bp.backoff++;
		if (bp.backoff > bp.max_backoff)
			bp.max_backoff = bp.backoff;
		bp.rto_at_us = fx.tcp.now_us + rto_us();
	}
}

/* RACK (RFC 8985 §6.2): unSACKed segments sent well before the latest
 * delivered one are lost. */
static void rack_mark(void)
{
	uint64_t reo = bp.srtt_us / 4 > 1000 ? bp.srtt_us / 4 : 1000;
	for (uint32_t i = bp.una; i < bp.nxt; i++) {
		struct bk_seg *g = &bp.seg[i];
		if (!g->sacked && !g->lost && g->xmit_us + reo < bp.rack_xmit_us)
			g->lost = true;
	}
}

static void upload_ack(const struct fx_pkt *p)
{
	uint32_t ack = p->ack - (FX_PEER_ISN + 1);
	bp.wnd = (uint32_t)p->wnd << bp.fc.wscale;
	uint64_t now = fx.tcp.now_us, rtt = 0;
	bool rexmit_acked = false, got_rtt = false;
	uint32_t acked_to = ack >= BK_TOTAL ? BK_NSEG : ack / BK_SEG;
	if (acked_to > bp.una) {
		for (uint32_t i = bp.una; i < acked_to && i < bp.nxt; i++) {
			struct bk_seg *g = &bp.seg[i];
			if (g->xmit_us > bp.rack_xmit_us)
				bp.rack_xmit_us = g->xmit_us;
			rexmit_acked |= g->rexmit;
			if (!g->rexmit && !g->sacked && !got_rtt) {
				rtt = now - g->xmit_us; /* the oldest newly acked, as Linux */
				got_rtt = true;
			}
		}
		bp.una = acked_to;
		bp.backoff = 0;
		if (rexmit_acked || !got_rtt) {
			got_rtt = p->has_ts && p->tsecr != 0;
			rtt = (uint64_t)((uint32_t)(now / 1000u) - p->tsecr) * 1000u;
		}
		bp.rto_at_us = bp.una < bp.nxt ? now + rto_us() : 0;
	}
	for (unsigned k = 0; k < p->n_sack; k++) {
		uint32_t s = p->sack[k][0] - (FX_PEER_ISN + 1),
			 e = p->sack[k][1] - (FX_PEER_ISN + 1);
		for (uint32_t i = (s + BK_SEG - 1) / BK_SEG; i < bp.nxt && (i + 1) * BK_SEG <= e;
		     i++) {
			struct bk_seg *g = &bp.seg[i];
			if (g->sacked)
				continue;
			g->sacked = true;
			if (g->xmit_us > bp.rack_xmit_us)
				bp.rack_xmit_us = g->xmit_us;
			if (!g->rexmit && !got_rtt) { /* Linux's sack_rtt */
				rtt = now - g->xmit_us;
				got_rtt = true;
			}
		}
	}
	if (got_rtt)
		rtt_sample(rtt);
	rack_mark();
}

static void download_data(const struct fx_pkt *p)
{
	uint32_t off = p->seq - (bp.fc.iss + 1);
	if (off >= BK_TOTAL || off + p->len > BK_TOTAL) {
		if ((int32_t)off >= 0)
			bk_fail("data beyond the stream");
		bk_emit(UINT32_MAX);
		return;
	}
	for (uint32_t i = 0; i < p->len; i++) {
		if (p->data[i] != bk_stream[off + i])
			bk_fail("the stack sent a byte that differs from the stream");
		bp.got[off + i] = 1;
	}
	bp.last_start = off;
	bp.last_end = off + p->len;
	if (bp.last_end > bp.max_seen)
		bp.max_seen = bp.last_end;
	uint32_t before = bp.rcv_nxt;
	while (bp.rcv_nxt < BK_TOTAL && bp.got[bp.rcv_nxt])
		bp.rcv_nxt++;
	if (bk_delack && off == before && bp.rcv_nxt == bp.max_seen && ++bk_unacked < 2) {
		bk_delack_at = fx.tcp.now_us + 40000;
		return;
	}
	bk_unacked = 0;
	bk_delack_at = 0;
	bk_emit(UINT32_MAX);
}

static void bk_input(const struct fx_pkt *p)
{
	if (p->ether_type != RTE_ETHER_TYPE_IPV4 || p->ip.next_proto_id != IPPROTO_TCP ||
	    !p->tcp_cksum_ok || p->dport != bp.fc.port)
		return;
	if (p->flags & FX_RST) {
		bk_fail("the stack reset the connection");
		return;
	}
	if (p->has_ts)
		bp.fc.tsecr = p->tsval;
	upload_ack(p);
	if (p->len != 0)
		download_data(p);
}

/* The application takes what arrived in order and checks it. */
static void upload_consume(void)
{
	struct tcp_conn *c = bp.fc.c;
	size_t n = c->rcv.len;
	if (n == 0)
		return;
	if (bp.delivered + n > BK_TOTAL || memcmp(c->rcv.data, bk_stream + bp.delivered, n) != 0)
		bk_fail("the stack delivered bytes that differ from the stream");
	bp.delivered += (uint32_t)n;
	tcp_rcv_consumed(&fx.tcp, c, n, 0);
}

static void bk_iteration(struct eth_port *port)
{
	struct rte_mbuf *m[32];
	uint16_t n;
	while ((n = port->rx_burst(port, 0, m, 32)) != 0)
		for (uint16_t i = 0; i < n; i++)
			net_input(&fx.net, m[i]);
	tcp_output_flush(&fx.tcp);
	tcp_timers_run(&fx.tcp);
	tcp_output_flush(&fx.tcp);
	net_tx_flush(&fx.net);
}

#define BK_RX_MAX 512
static struct fx_pkt bk_rx[BK_RX_MAX];

/* @p upload: the peer sends 4 MB, else the stack does. @return true if it
 * arrived whole, in bound, without repeated RTO back-off. */
static bool bk_run(uint64_t seed, bool upload)
{
	char cfg[128];
	snprintf(cfg, sizeof(cfg), "seed=%llu,%s", (unsigned long long)seed,
		 getenv("BK_IMPAIR") ? getenv("BK_IMPAIR")
				     : "drop=0.05,reorder=0.05,dup=0.01,delay_us=500");
	struct eth_impair_cfg ic;
	CU_ASSERT_FATAL(eth_impair_parse(cfg, &ic) == 0);
	struct eth_impair *im;
	CU_ASSERT_FATAL(eth_impair_create(&im, &fx.port, &ic, bk_clock, NULL) == 0);
	struct eth_port *port = eth_impair_port(im);
	memset(&bp, 0, sizeof(bp));
	bk_unacked = 0;
	bk_delack_at = 0;
	bp.seg = calloc(BK_NSEG, sizeof(*bp.seg));
	bp.got = calloc(BK_TOTAL, 1);
	CU_ASSERT_FATAL(bp.seg != NULL && bp.got != NULL);
	const struct fx_seg syn = {
	    .ws = true, .wscale = 7, .sack_perm = bk_sack, .ts = true, .tsval = 1};
	CU_ASSERT_FATAL(fx_open_opts(&bp.fc, (uint16_t)(42000 + seed % 1000), FX_WND, 1460, &syn) ==
			0);
	struct tcp_conn *c = bp.fc.c;
	bp.wnd = FX_WND;
	fx.net.port = port;
	if (!upload) {
		CU_ASSERT_FATAL(rw_buf_append(&c->snd, bk_stream, BK_TOTAL) == 0);
		tcp_output_mark(&fx.tcp, c);
	}
	uint64_t start = fx.tcp.now_us, ooo_dropped = fx.stats.tcp_ooo_dropped;
	struct chan_worker_stats st0 = fx.stats;
	uint32_t stack_retries = 0, stack_rto_max = 0;
	while (!bp.bad && (upload ? bp.delivered < BK_TOTAL : bp.rcv_nxt < BK_TOTAL) &&
	       fx.tcp.now_us - start < BK_MAX_US) {
		fx_advance_us(BK_TICK_US);
		if (bk_delack_at != 0 && fx.tcp.now_us >= bk_delack_at) {
			bk_unacked = 0;
			bk_delack_at = 0;
			bk_emit(UINT32_MAX);
		}
		if (upload)
			upload_send();
		bk_iteration(port);
		if (upload)
			upload_consume();
		if (c->retries > stack_retries)
			stack_retries = c->retries;
		if (c->rto_deadline_us != 0 && c->rto_us > stack_rto_max)
			stack_rto_max = c->rto_us;
		unsigned k = fx_take(bk_rx, BK_RX_MAX);
		for (unsigned i = 0; i < k && i < BK_RX_MAX; i++)
			bk_input(&bk_rx[i]);
	}
	uint64_t took = fx.tcp.now_us - start;
	uint32_t backoff = upload ? bp.max_backoff : stack_retries;
	bool done = upload ? bp.delivered == BK_TOTAL : bp.rcv_nxt == BK_TOTAL;
	uint64_t bound = upload ? BK_UPLOAD_BOUND_US : BK_BOUND_US;
	bool ok = !bp.bad && done && took <= bound && backoff < BK_MAX_BACKOFF &&
		  fx.stats.tcp_ooo_dropped == ooo_dropped;
	printf("\n  bulk %s seed %llu: %s in %.2f s simulated, peer srtt %.1f ms, most "
	       "consecutive RTOs %u (stack's largest RTO %.2f s), in-window segments not kept %llu",
	       upload ? "upload" : "download", (unsigned long long)seed,
	       bp.bad ? bp.why : (done ? "complete" : "incomplete"), (double)took / 1e6,
	       bp.srtt_us / 1000.0, backoff, stack_rto_max / 1e6,
	       (unsigned long long)(fx.stats.tcp_ooo_dropped - ooo_dropped));
	printf(" [rto %llu tlp %llu fr %llu lostrx %llu rexmit %llu sackrx %llu]",
	       (unsigned long long)(fx.stats.tcp_rto_expired - st0.tcp_rto_expired),
	       (unsigned long long)(fx.stats.tcp_loss_probes - st0.tcp_loss_probes),
	       (unsigned long long)(fx.stats.tcp_fast_recoveries - st0.tcp_fast_recoveries),
	       (unsigned long long)(fx.stats.tcp_lost_rexmits - st0.tcp_lost_rexmits),
	       (unsigned long long)(fx.stats.tcp_retransmits - st0.tcp_retransmits),
	       (unsigned long long)(fx.stats.tcp_sack_rexmits - st0.tcp_sack_rexmits));
	if (!ok)
		printf(" <- FAILED (bound %.2f s, fewer than %u RTOs in a row)",
		       (double)bound / 1e6, BK_MAX_BACKOFF);
	fx.net.port = &fx.port;
	tcp_abort(&fx.tcp, c);
	fx_take(bk_rx, BK_RX_MAX);
	eth_impair_destroy(&im);
	free(bp.seg);
	free(bp.got);
	return ok;
}

static const uint64_t bk_seeds[] = {1, 2, 3, 4, 5, 6};

static void bk_all(bool upload)
{
	bk_stream = malloc(BK_TOTAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bk_stream);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < BK_TOTAL; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		bk_stream[i] = (uint8_t)(x >> 56);
	}
	/* BK_IMPAIR, BK_SACK=0 and BK_SEEDS="n n ..." replay other profiles
	 * by hand (the assertions then judge them by this profile's bounds) */
	bk_sack = getenv("BK_SACK") == NULL || strcmp(getenv("BK_SACK"), "0") != 0;
	bk_delack = getenv("BK_DELACK") != NULL && strcmp(getenv("BK_DELACK"), "1") == 0;
	const char *env = getenv("BK_SEEDS");
	if (env != NULL) {
		for (char *e; *env != '\0'; env = e) {
			unsigned long long seed = strtoull(env, &e, 10);
			if (e == env)
				break;
			fx.app = (struct fx_app){0};
			CU_ASSERT(bk_run(seed, upload));
		}
	} else {
		for (size_t i = 0; i < sizeof(bk_seeds) / sizeof(bk_seeds[0]); i++) {
			fx.app = (struct fx_app){0};
			CU_ASSERT(bk_run(bk_seeds[i], upload));
		}
	}
	printf("\n");
	free(bk_stream);
}

static void test_tcp_bulk_4mb_upload_at_5pct_loss_from_a_kernel_like_sender(void)
{
	bk_all(true);
}

static void test_tcp_bulk_4mb_download_at_5pct_loss_to_a_sack_receiver(void)
{
	bk_all(false);
}

const struct rw_test_case test_tcp_bulk_cases[] = {
    RW_TEST(test_tcp_bulk_4mb_upload_at_5pct_loss_from_a_kernel_like_sender),
    RW_TEST(test_tcp_bulk_4mb_download_at_5pct_loss_to_a_sack_receiver),
    {NULL, NULL},
};
