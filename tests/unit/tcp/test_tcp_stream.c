/*
 * Byte-stream integrity through the seeded impairment stage: a scripted
 * peer sends 1 MB to the stack, whose application echoes it back, with 5%
 * loss, 5% reordering and 1% duplication on both directions (plus delay
 * jitter on one). Every byte must come back exactly once, in order. Runs
 * over a fixed seed list, with and without SACK/timestamps/window scaling
 * (NewReno then), and prints the seed of a failing run.
 *
 * The peer is deliberately simple and correct: a sender with a fixed
 * 64 KB window, go-back-N on a 50 ms timeout and fast retransmit of the
 * first unacknowledged segment on three duplicate ACKs; a receiver with a
 * per-byte map that ACKs every data segment with SACK blocks (most recent
 * first) when SACK was agreed.
 */
#include <stdio.h>

#include "eth_impair.h"
#include "test_tcp.h"

#define ST_TOTAL   (1u << 20)
#define ST_MSS	   1400u
#define ST_WINDOW  65536u
#define ST_RTO_US  50000u
#define ST_MAX_ITR 400000u

struct peer {
	struct fx_conn fc;
	bool sack;
	/* send side, offsets from the first data byte */
	uint32_t una, nxt;
	uint8_t dupacks;
	uint64_t rto_at_us;
	uint32_t snd_wnd;
	/* receive side */
	uint8_t *got; /* per byte: received */
	uint8_t *rcv;
	uint32_t rcv_nxt;
	uint32_t last_start, last_end; /* most recent island, for SACK */
	bool bad;
	char why[128];
};

static struct peer pr;
static uint8_t *stream; /* what the peer sends */

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fx.tcp.now_us;
}

static void peer_send_seg(uint32_t off, uint32_t len)
{
	struct fx_seg s = {.seq = FX_PEER_ISN + 1 + off,
			   .ack = pr.fc.iss + 1 + pr.rcv_nxt,
			   .flags = FX_ACK | FX_PSH,
			   .wnd = FX_WND,
			   .sport = pr.fc.port,
			   .data = stream + off,
			   .len = (uint16_t)len,
			   .ts = pr.fc.ts,
			   .tsval = (uint32_t)(fx.tcp.now_us / 1000u),
			   .tsecr = pr.fc.tsecr};
	eth_port_mem_inject(&fx.port, 0, fx_tcp_frame(&s));
}

/* One island starting at or after @p from: [*s, *e). */
static bool island_after(uint32_t from, uint32_t *s, uint32_t *e)
{
	uint32_t lim =
	    pr.rcv_nxt + 4 * ST_WINDOW < ST_TOTAL ? pr.rcv_nxt + 4 * ST_WINDOW : ST_TOTAL;
	uint32_t i = from;
	while (i < lim && !pr.got[i])
		i++;
	if (i >= lim)
		return false;
	*s = i;
	while (i < lim && pr.got[i])
		i++;
	*e = i;
	return true;
}

static void peer_ack(void)
{
	struct fx_seg s = {.seq = FX_PEER_ISN + 1 + pr.nxt,
			   .ack = pr.fc.iss + 1 + pr.rcv_nxt,
			   .flags = FX_ACK,
			   .wnd = FX_WND,
			   .sport = pr.fc.port,
			   .ts = pr.fc.ts,
			   .tsval = (uint32_t)(fx.tcp.now_us / 1000u),
			   .tsecr = pr.fc.tsecr};
	if (pr.sack) {
		uint32_t base = pr.fc.iss + 1, a, b, from = pr.rcv_nxt;
		if (pr.last_end > pr.rcv_nxt && pr.got[pr.last_start]) {
			/* RFC 2018 §4: the island with the latest segment first */
			uint32_t st = pr.last_start;
			while (st > pr.rcv_nxt && pr.got[st - 1])
				st--;
			uint32_t en = pr.last_end;
			while (en < ST_TOTAL && pr.got[en])
				en++;
			s.sack[s.n_sack][0] = base + st;
			s.sack[s.n_sack][1] = base + en;
			s.n_sack++;
		}
		while (s.n_sack < (pr.fc.ts ? 3 : 4) && island_after(from, &a, &b)) {
			if (s.n_sack == 0 || base + a != s.sack[0][0]) {
				s.sack[s.n_sack][0] = base + a;
				s.sack[s.n_sack][1] = base + b;
				s.n_sack++;
			}
			from = b;
		}
	}
	eth_port_mem_inject(&fx.port, 0, fx_tcp_frame(&s));
}

static void peer_send(void)
{
	uint32_t wnd = pr.snd_wnd < ST_WINDOW ? pr.snd_wnd : ST_WINDOW;
	for (unsigned k = 0; k < 16 && pr.nxt < ST_TOTAL && pr.nxt < pr.una + wnd; k++) {
		uint32_t len = ST_TOTAL - pr.nxt;
		if (len > ST_MSS)
			len = ST_MSS;
		if (len > pr.una + wnd - pr.nxt)
			len = pr.una + wnd - pr.nxt;
		peer_send_seg(pr.nxt, len);
		if (pr.rto_at_us == 0)
			pr.rto_at_us = fx.tcp.now_us + ST_RTO_US;
		pr.nxt += len;
	}
	if (pr.una < pr.nxt && fx.tcp.now_us >= pr.rto_at_us) {
		pr.nxt = pr.una; /* go back N */
		pr.rto_at_us = fx.tcp.now_us + ST_RTO_US;
	}
}

static void fail(const char *why)
{
	if (!pr.bad)
		snprintf(pr.why, sizeof(pr.why), "%s", why);
	pr.bad = true;
}

static void peer_input(const struct fx_pkt *p)
{
	if (p->ether_type != RTE_ETHER_TYPE_IPV4 || p->ip.next_proto_id != IPPROTO_TCP ||
	    !p->tcp_cksum_ok || p->dport != pr.fc.port)
		return;
	if (p->flags & FX_RST) {
		fail("the stack reset the connection");
		return;
	}
	if (p->has_ts)
		pr.fc.tsecr = p->tsval;
	uint32_t ack = p->ack - (FX_PEER_ISN + 1);
	pr.snd_wnd = (uint32_t)p->wnd << pr.fc.wscale;
	if (ack > pr.una && ack <= ST_TOTAL) {
		pr.una = ack;
		pr.dupacks = 0;
		pr.rto_at_us = pr.una < pr.nxt ? fx.tcp.now_us + ST_RTO_US : 0;
		if (pr.nxt < pr.una)
			pr.nxt = pr.una;
	} else if (ack == pr.una && p->len == 0 && pr.una < pr.nxt && ++pr.dupacks == 3) {
		uint32_t len = pr.nxt - pr.una < ST_MSS ? pr.nxt - pr.una : ST_MSS;
		peer_send_seg(pr.una, len);
	}
	if (p->len == 0)
		return;
	uint32_t off = p->seq - (pr.fc.iss + 1);
	if (off >= ST_TOTAL || off + p->len > ST_TOTAL) {
		if ((int32_t)(p->seq - (pr.fc.iss + 1)) >= 0)
			fail("data beyond the echoed stream");
		peer_ack();
		return;
	}
	for (uint32_t i = 0; i < p->len; i++) {
		if (pr.got[off + i] && pr.rcv[off + i] != p->data[i])
			fail("a retransmission differs from the original");
		pr.rcv[off + i] = p->data[i];
		pr.got[off + i] = 1;
	}
	pr.last_start = off;
	pr.last_end = off + p->len;
	while (pr.rcv_nxt < ST_TOTAL && pr.got[pr.rcv_nxt])
		pr.rcv_nxt++;
	peer_ack();
}

/* One worker loop iteration: RX through the stage, output, timers, TX. */
static void stack_iteration(struct eth_port *port)
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

#define ST_RX_MAX 1024
static struct fx_pkt rx[ST_RX_MAX];

static bool run_one(uint64_t seed, bool opts)
{
	char cfg[160];
	snprintf(cfg, sizeof(cfg),
		 "seed=%llu,drop=0.05,reorder=0.05,dup=0.01,tx_delay_us=300,tx_jitter_us=700",
		 (unsigned long long)seed);
	struct eth_impair_cfg ic;
	CU_ASSERT_FATAL(eth_impair_parse(cfg, &ic) == 0);
	struct eth_impair *im;
	CU_ASSERT_FATAL(eth_impair_create(&im, &fx.port, &ic, fake_clock, NULL) == 0);
	struct eth_port *port = eth_impair_port(im);
	memset(&pr, 0, sizeof(pr));
	pr.got = calloc(ST_TOTAL, 1);
	pr.rcv = calloc(ST_TOTAL, 1);
	CU_ASSERT_FATAL(pr.got != NULL && pr.rcv != NULL);
	const struct fx_seg syn = {
	    .ws = opts, .wscale = 3, .sack_perm = opts, .ts = opts, .tsval = 1};
	/* the handshake runs on the clean port, the transfer through the stage */
	CU_ASSERT_FATAL(fx_open_opts(&pr.fc, (uint16_t)(41000 + seed % 1000), FX_WND, 1460, &syn) ==
			0);
	pr.sack = opts;
	pr.snd_wnd = FX_WND;
	fx.net.port = port;
	fx.app.echo = true;
	unsigned itr = 0;
	while (!pr.bad && (pr.rcv_nxt < ST_TOTAL || pr.una < ST_TOTAL) && itr++ < ST_MAX_ITR) {
		fx_advance_us(200);
		peer_send();
		stack_iteration(port);
		unsigned k = fx_take(rx, ST_RX_MAX);
		if (k > ST_RX_MAX)
			fail("more frames in one iteration than the test holds");
		for (unsigned i = 0; i < k && i < ST_RX_MAX; i++)
			peer_input(&rx[i]);
	}
	bool ok = !pr.bad && pr.rcv_nxt == ST_TOTAL && memcmp(pr.rcv, stream, ST_TOTAL) == 0 &&
		  fx.app.rcv_copy_len <= sizeof(fx.app.rcv_copy);
	if (!ok)
		printf("\n  stream seed %llu (%s): %s; peer got %u of %u bytes, acked %u, %u "
		       "iterations\n",
		       (unsigned long long)seed, opts ? "sack+ts+ws" : "newreno",
		       pr.bad ? pr.why : "incomplete or corrupt", pr.rcv_nxt, ST_TOTAL, pr.una,
		       itr);
	fx.net.port = &fx.port;
	tcp_abort(&fx.tcp, pr.fc.c);
	fx_take(rx, ST_RX_MAX); /* the RST */
	eth_impair_destroy(&im);
	free(pr.got);
	free(pr.rcv);
	return ok;
}

static const uint64_t seeds[] = {1, 2, 3, 5, 8, 13, 21, 34};

static void run_all(bool opts)
{
	stream = malloc(ST_TOTAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(stream);
	uint64_t x = 0x1234567u;
	for (uint32_t i = 0; i < ST_TOTAL; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		stream[i] = (uint8_t)(x >> 56);
	}
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		fx.app = (struct fx_app){0};
		CU_ASSERT(run_one(seeds[i], opts));
	}
	free(stream);
}

static void test_tcp_stream_1mb_exact_through_impairment_with_sack(void)
{
	run_all(true);
}

static void test_tcp_stream_1mb_exact_through_impairment_newreno(void)
{
	run_all(false);
}

const struct rw_test_case test_tcp_stream_cases[] = {
    RW_TEST(test_tcp_stream_1mb_exact_through_impairment_with_sack),
    RW_TEST(test_tcp_stream_1mb_exact_through_impairment_newreno),
    {NULL, NULL},
};
