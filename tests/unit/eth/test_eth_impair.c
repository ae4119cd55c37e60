/*
 * Unit tests for the seeded impairment stage (drivers/eth/eth_impair.c)
 * on the in-memory port: each impairment alone, both directions, the
 * config parser, and the same seed giving the same run.
 *
 * Frames carry a 32-bit serial number so the tests can see what was lost,
 * repeated, reordered or changed.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#include "eth_impair.h"
#include "eth_port.h"
#include "rw_test.h"

#define POOL_SIZE 4095
#define FRAME_LEN 64

static struct rte_mempool *pool;
static struct eth_port mem;
static uint64_t clock_us;

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return clock_us;
}

static struct rte_mbuf *frame(uint32_t serial)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rte_pktmbuf_append(m, FRAME_LEN));
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	for (unsigned i = 0; i < FRAME_LEN; i++)
		p[i] = 0xa5;
	memcpy(p, &serial, sizeof(serial));
	return m;
}

static uint32_t serial_of(struct rte_mbuf *m)
{
	uint32_t s;
	memcpy(&s, rte_pktmbuf_mtod(m, uint8_t *), sizeof(s));
	return s;
}

static bool intact(struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	for (unsigned i = 4; i < FRAME_LEN; i++)
		if (p[i] != 0xa5)
			return false;
	return true;
}

/* Send @p n frames through the stage's TX, 8 per burst, 100 µs apart;
 * then let everything held out. Records serials (corrupt ones as ~s). */
static unsigned run_tx(struct eth_impair *im, unsigned n, uint32_t *out, unsigned max)
{
	struct eth_port *p = eth_impair_port(im);
	unsigned got = 0;
	struct rte_mbuf *m[64];
	for (unsigned i = 0; i < n; i += 8) {
		struct rte_mbuf *b[8];
		unsigned k = n - i < 8 ? n - i : 8;
		for (unsigned j = 0; j < k; j++)
			b[j] = frame(i + j);
		CU_ASSERT_EQUAL(p->tx_burst(p, 0, b, (uint16_t)k), k);
		clock_us += 100;
		eth_impair_poll(im, 0);
		unsigned t;
		while ((t = eth_port_mem_take(&mem, 0, m, 64)) != 0) {
			for (unsigned j = 0; j < t; j++) {
				if (got < max)
					out[got] =
					    intact(m[j]) ? serial_of(m[j]) : ~serial_of(m[j]);
				got++;
			}
			rte_pktmbuf_free_bulk(m, t);
		}
	}
	for (int r = 0; r < 100; r++) {
		clock_us += 1000;
		eth_impair_poll(im, 0);
	}
	unsigned t;
	while ((t = eth_port_mem_take(&mem, 0, m, 64)) != 0) {
		for (unsigned j = 0; j < t; j++) {
			if (got < max)
				out[got] = intact(m[j]) ? serial_of(m[j]) : ~serial_of(m[j]);
			got++;
		}
		rte_pktmbuf_free_bulk(m, t);
	}
	return got;
}

static struct eth_impair *make(const char *cfg)
{
	struct eth_impair_cfg c;
	CU_ASSERT_FATAL(eth_impair_parse(cfg, &c) == 0);
	struct eth_impair *im;
	CU_ASSERT_FATAL(eth_impair_create(&im, &mem, &c, fake_clock, NULL) == 0);
	return im;
}

static void setup(void)
{
	static const struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, 0x02}};
	clock_us = 1000000;
	CU_ASSERT_FATAL(eth_port_mem_create(&mem, 1, &mac) == 0);
}

static void teardown(void)
{
	eth_port_mem_destroy(&mem);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), POOL_SIZE);
}

static uint32_t out_a[4096], out_b[4096];

static void test_eth_impair_parse_accepts_directives_and_rejects_garbage(void)
{
	struct eth_impair_cfg c;
	CU_ASSERT_EQUAL(eth_impair_parse("seed=1,drop=0.01,reorder=0.05,dup=0.01,corrupt=0.001,"
					 "delay_us=200,jitter_us=100",
					 &c),
			0);
	CU_ASSERT_EQUAL(c.seed, 1);
	for (int d = 0; d < 2; d++) {
		CU_ASSERT_DOUBLE_EQUAL(c.dir[d].drop, 0.01, 1e-12);
		CU_ASSERT_DOUBLE_EQUAL(c.dir[d].reorder, 0.05, 1e-12);
		CU_ASSERT_DOUBLE_EQUAL(c.dir[d].corrupt, 0.001, 1e-12);
		CU_ASSERT_EQUAL(c.dir[d].delay_us, 200);
		CU_ASSERT_EQUAL(c.dir[d].jitter_us, 100);
		CU_ASSERT_EQUAL(c.dir[d].reorder_gap, 3);
	}
	CU_ASSERT_EQUAL(eth_impair_parse("rx_drop=0.5, tx_dup=0.25,burst=0.1,burst_len=8", &c), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.dir[ETH_IMPAIR_RX].drop, 0.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(c.dir[ETH_IMPAIR_TX].drop, 0.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(c.dir[ETH_IMPAIR_TX].dup, 0.25, 1e-12);
	CU_ASSERT_EQUAL(c.dir[ETH_IMPAIR_RX].burst_len, 8);
	CU_ASSERT_EQUAL(c.dir[ETH_IMPAIR_RX].burst_us, 0);
	CU_ASSERT_EQUAL(eth_impair_parse("tx_burst_us=3000", &c), 0);
	CU_ASSERT_EQUAL(c.dir[ETH_IMPAIR_TX].burst_us, 3000);
	CU_ASSERT_EQUAL(c.dir[ETH_IMPAIR_RX].burst_us, 0);
	CU_ASSERT_EQUAL(eth_impair_parse("", &c), 0);
	CU_ASSERT_EQUAL(eth_impair_parse("drop=1.5", &c), -EINVAL);
	CU_ASSERT_EQUAL(eth_impair_parse("drop=-0.1", &c), -EINVAL);
	CU_ASSERT_EQUAL(eth_impair_parse("drop=abc", &c), -EINVAL);
	CU_ASSERT_EQUAL(eth_impair_parse("lose=0.1", &c), -EINVAL);
	CU_ASSERT_EQUAL(eth_impair_parse("drop", &c), -EINVAL);
	CU_ASSERT_EQUAL(eth_impair_parse("delay_us=-5", &c), -EINVAL);
	CU_ASSERT_EQUAL(eth_impair_parse("seed=x", &c), -EINVAL);
}

static void test_eth_impair_same_seed_same_run_other_seed_differs(void)
{
	const char *cfg = "seed=7,drop=0.05,dup=0.05,reorder=0.1,corrupt=0.05,delay_us=50,"
			  "jitter_us=300,burst=0.01";
	struct eth_impair *im = make(cfg);
	unsigned na = run_tx(im, 2000, out_a, 4096);
	eth_impair_destroy(&im);
	CU_ASSERT_PTR_NULL(im);
	clock_us = 1000000;
	im = make(cfg);
	unsigned nb = run_tx(im, 2000, out_b, 4096);
	eth_impair_destroy(&im);
	CU_ASSERT_EQUAL_FATAL(na, nb);
	CU_ASSERT(memcmp(out_a, out_b, na * sizeof(out_a[0])) == 0);
	clock_us = 1000000;
	im = make("seed=8,drop=0.05,dup=0.05,reorder=0.1,corrupt=0.05,delay_us=50,jitter_us=300,"
		  "burst=0.01");
	nb = run_tx(im, 2000, out_b, 4096);
	eth_impair_destroy(&im);
	CU_ASSERT(na != nb || memcmp(out_a, out_b, na * sizeof(out_a[0])) != 0);
}

static void test_eth_impair_drop_rate_near_configured_and_counted(void)
{
	struct eth_impair *im = make("seed=3,tx_drop=0.2");
	unsigned n = run_tx(im, 2000, out_a, 4096);
	struct eth_impair_stats st;
	eth_impair_stats_get(im, ETH_IMPAIR_TX, &st);
	CU_ASSERT_EQUAL(st.dropped + n, 2000);
	CU_ASSERT_EQUAL(st.passed, n);
	CU_ASSERT(st.dropped > 300 && st.dropped < 500);
	for (unsigned i = 1; i < n; i++)
		CU_ASSERT(out_a[i] > out_a[i - 1]); /* loss only: order kept */
	eth_impair_stats_get(im, ETH_IMPAIR_RX, &st);
	CU_ASSERT_EQUAL(st.dropped, 0); /* rx_ untouched */
	eth_impair_destroy(&im);
}

static void test_eth_impair_burst_loss_drops_runs(void)
{
	struct eth_impair *im = make("seed=4,tx_burst=0.02,tx_burst_len=6");
	unsigned n = run_tx(im, 2000, out_a, 4096);
	struct eth_impair_stats st;
	eth_impair_stats_get(im, ETH_IMPAIR_TX, &st);
	CU_ASSERT(st.burst_dropped > 0);
	CU_ASSERT_EQUAL(st.burst_dropped + n, 2000);
	unsigned longest = 0;
	for (unsigned i = 1; i < n; i++)
		if (out_a[i] - out_a[i - 1] - 1 > longest)
			longest = out_a[i] - out_a[i - 1] - 1;
	CU_ASSERT(longest >= 3); /* losses come in runs */
	eth_impair_destroy(&im);
}

/* Send @p n frames one at a time, @p gap_us apart. @return the longest
 * run of consecutive frames lost; *lost counts them all. */
static unsigned spaced_tx(struct eth_impair *im, unsigned n, uint64_t gap_us, unsigned *lost)
{
	struct eth_port *p = eth_impair_port(im);
	unsigned run = 0, longest = 0;
	*lost = 0;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *b = frame(i), *m[4];
		CU_ASSERT_EQUAL(p->tx_burst(p, 0, &b, 1), 1);
		unsigned t = eth_port_mem_take(&mem, 0, m, 4);
		rte_pktmbuf_free_bulk(m, t);
		run = t == 0 ? run + 1 : 0;
		*lost += t == 0;
		longest = run > longest ? run : longest;
		clock_us += gap_us;
	}
	return longest;
}

/* burst_us: a burst is an outage of a drawn time (mean 10 ms). Frames 1 ms
 * apart lose runs of about ten; frames a second apart (a sender backing
 * off) each meet a new draw, as a link's outage is over by then, where the
 * per-packet model keeps a burst over many of them. */
static void test_eth_impair_burst_by_time_ends_with_time(void)
{
	struct eth_impair *im = make("seed=7,tx_burst=0.02,tx_burst_us=10000");
	unsigned lost, longest = spaced_tx(im, 3000, 1000, &lost);
	struct eth_impair_stats st;
	eth_impair_stats_get(im, ETH_IMPAIR_TX, &st);
	CU_ASSERT_EQUAL(st.burst_dropped, lost);
	CU_ASSERT(longest >= 10);
	eth_impair_destroy(&im);

	im = make("seed=7,tx_burst=0.02,tx_burst_us=10000");
	longest = spaced_tx(im, 3000, 1000000, &lost);
	CU_ASSERT(lost > 0);
	CU_ASSERT(longest < 4); /* new bursts back to back (2% each) at most */
	eth_impair_destroy(&im);

	im = make("seed=7,tx_burst=0.02,tx_burst_len=10");
	longest = spaced_tx(im, 3000, 1000000, &lost);
	CU_ASSERT(longest >= 10); /* the packet model: time does not end it */
	eth_impair_destroy(&im);
}

static void test_eth_impair_duplicates_and_corrupts_one_byte(void)
{
	struct eth_impair *im = make("seed=5,tx_dup=0.1,tx_corrupt=0.1");
	unsigned n = run_tx(im, 1000, out_a, 4096);
	struct eth_impair_stats st;
	eth_impair_stats_get(im, ETH_IMPAIR_TX, &st);
	CU_ASSERT_EQUAL(n, 1000 + st.duplicated);
	CU_ASSERT(st.duplicated > 50 && st.corrupted > 50);
	unsigned bad = 0;
	for (unsigned i = 0; i < n; i++)
		bad += out_a[i] >= 0x80000000u || out_a[i] >= 1000; /* ~serial, or serial hit */
	CU_ASSERT(bad > 0 && bad <= st.corrupted * 2);
	eth_impair_destroy(&im);
}

static void test_eth_impair_reorder_holds_packet_behind_later_ones(void)
{
	struct eth_impair *im = make("seed=6,tx_reorder=0.1,tx_reorder_gap=3");
	unsigned n = run_tx(im, 1000, out_a, 4096);
	CU_ASSERT_EQUAL_FATAL(n, 1000); /* nothing lost */
	struct eth_impair_stats st;
	eth_impair_stats_get(im, ETH_IMPAIR_TX, &st);
	CU_ASSERT(st.reordered > 50);
	unsigned inversions = 0;
	static bool seen[1000];
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < n; i++) {
		CU_ASSERT_FATAL(out_a[i] < 1000 && !seen[out_a[i]]);
		seen[out_a[i]] = true;
		if (i > 0 && out_a[i] < out_a[i - 1]) {
			inversions++;
			CU_ASSERT(out_a[i - 1] - out_a[i] >= 3); /* it waited for 3 later ones */
		}
	}
	CU_ASSERT(inversions > 50);
	eth_impair_destroy(&im);
}

static void test_eth_impair_delay_releases_on_the_clock(void)
{
	struct eth_impair *im = make("seed=1,tx_delay_us=1000");
	struct eth_port *p = eth_impair_port(im);
	struct rte_mbuf *b = frame(42), *m[4];
	CU_ASSERT_EQUAL(p->tx_burst(p, 0, &b, 1), 1);
	CU_ASSERT_EQUAL(eth_port_mem_take(&mem, 0, m, 4), 0);
	clock_us += 999;
	eth_impair_poll(im, 0);
	CU_ASSERT_EQUAL(eth_port_mem_take(&mem, 0, m, 4), 0);
	clock_us += 1;
	/* an RX poll releases due TX too (the worker polls RX every loop) */
	CU_ASSERT_EQUAL(p->rx_burst(p, 0, m, 4), 0);
	CU_ASSERT_EQUAL_FATAL(eth_port_mem_take(&mem, 0, m, 4), 1);
	CU_ASSERT_EQUAL(serial_of(m[0]), 42);
	rte_pktmbuf_free(m[0]);
	/* held packets are freed with the stage */
	b = frame(43);
	p->tx_burst(p, 0, &b, 1);
	eth_impair_destroy(&im);
}

static void test_eth_impair_rx_direction_impairs_received_frames(void)
{
	struct eth_impair *im = make("seed=9,rx_drop=0.3");
	struct eth_port *p = eth_impair_port(im);
	for (uint32_t i = 0; i < 500; i++)
		CU_ASSERT_EQUAL(eth_port_mem_inject(&mem, 0, frame(i)), 0);
	struct rte_mbuf *m[32];
	unsigned got = 0;
	uint16_t k;
	uint32_t last = 0;
	while ((k = p->rx_burst(p, 0, m, 32)) != 0) {
		for (uint16_t i = 0; i < k; i++) {
			CU_ASSERT(got == 0 || serial_of(m[i]) > last);
			last = serial_of(m[i]);
		}
		got += k;
		rte_pktmbuf_free_bulk(m, k);
	}
	struct eth_impair_stats st;
	eth_impair_stats_get(im, ETH_IMPAIR_RX, &st);
	CU_ASSERT_EQUAL(got + st.dropped, 500);
	CU_ASSERT(st.dropped > 100 && st.dropped < 200);
	eth_impair_destroy(&im);
}

static const struct rw_test_case cases[] = {
    RW_TEST(test_eth_impair_parse_accepts_directives_and_rejects_garbage),
    RW_TEST(test_eth_impair_same_seed_same_run_other_seed_differs),
    RW_TEST(test_eth_impair_drop_rate_near_configured_and_counted),
    RW_TEST(test_eth_impair_burst_loss_drops_runs),
    RW_TEST(test_eth_impair_burst_by_time_ends_with_time),
    RW_TEST(test_eth_impair_duplicates_and_corrupts_one_byte),
    RW_TEST(test_eth_impair_reorder_holds_packet_behind_later_ones),
    RW_TEST(test_eth_impair_delay_releases_on_the_clock),
    RW_TEST(test_eth_impair_rx_direction_impairs_received_frames),
    {NULL, NULL},
};

/* EAL as in tests/unit/tcp/tcp_fixture.c: --no-huge, --no-shconf. */
static int eal_init(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=rwue-%d", (int)getpid());
	char *argv[] = {
	    "rw_unit",	      "--no-huge", "-m", "64", "--no-pci",	     "--no-shconf",
	    "--no-telemetry", prefix,	   "-l", "0",  "--log-level=*:error"};
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0) {
		fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	rmdir(rte_eal_get_runtime_dir());
	pool = rte_pktmbuf_pool_create("eth_pool", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	return pool != NULL ? 0 : -1;
}

int main(void)
{
	if (eal_init() != 0)
		return 1;
	if (rw_test_init() != 0)
		return 1;
	CU_pSuite s =
	    CU_add_suite_with_setup_and_teardown("eth_impair", NULL, NULL, setup, teardown);
	if (s == NULL)
		return 1;
	for (const struct rw_test_case *t = cases; t->name != NULL; t++)
		if (CU_add_test(s, t->name, t->fn) == NULL)
			return 1;
	int rc = rw_test_run();
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
