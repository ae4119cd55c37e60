/*
 * The seeded impairment stage (eth_impair.h).
 *
 * Each queue and direction has its own PRNG (splitmix64 of the seed, the
 * queue and the direction, then xorshift64*), Gilbert-Elliott state and
 * hold queue. A packet's fate is drawn as it enters:
 *
 *   drop? (bad state: always; good state: with `drop`) -> freed
 *         (the bad state ends per packet, or at a drawn time: burst_us)
 *   corrupt? -> one byte XORed with a non-zero value
 *   dup? -> a copy (rte_pktmbuf_copy from the packet's own pool) follows it
 *   reorder? -> held until `reorder_gap` later packets have passed
 *   delay -> held until now + delay_us + U[0, jitter_us]
 *
 * The hold queue is a fixed array in arrival order; a burst emits every
 * entry that is due, in array order, so jitter reorders as netem's does.
 * A full hold queue lets packets through unimpaired (counted), so the
 * stage never drops what it was not asked to.
 *
 * Context: per queue, the worker that owns it.
 */
#include "eth_impair.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#define IMPAIR_HOLD	      1024 /* packets held per queue and direction */
#define IMPAIR_BURST	      64
#define IMPAIR_REORDER_MAX_US 20000u /* a reordered packet never waits longer */

struct held {
	struct rte_mbuf *m;
	uint64_t due_us;    /* not before (delay) */
	uint64_t limit_us;  /* a reorder hold stops waiting for packets here */
	uint32_t wait_pkts; /* later packets still to pass before it */
};

struct impair_q {
	uint64_t rng;
	bool bad;	    /* Gilbert-Elliott state */
	uint64_t bad_until; /* time model (burst_us): the outage ends here */
	uint16_t n_held;
	struct held held[IMPAIR_HOLD];
	struct eth_impair_stats st;
};

struct eth_impair {
	struct eth_port port; /* first: the stack calls through it */
	struct eth_port *inner;
	struct eth_impair_cfg cfg;
	eth_clock_us_fn *clock;
	void *clock_arg;
	struct impair_q *q[2]; /* [dir][queue] */
};

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static bool chance(uint64_t *s, double p)
{
	return p > 0.0 && rng_unit(s) < p;
}

/* Exponential with mean @p mean_us, at least 1 µs (inverse transform). */
static uint64_t exp_draw(uint64_t *s, uint32_t mean_us)
{
	double d = -log(1.0 - rng_unit(s)) * (double)mean_us;
	return d < 1.0 ? 1u : d > 60e6 ? 60000000u : (uint64_t)d;
}

static uint64_t tsc_clock_us(void *arg)
{
	(void)arg;
	return rte_rdtsc() / (rte_get_tsc_hz() / 1000000u);
}

static uint64_t now_us(const struct eth_impair *im)
{
	return im->clock(im->clock_arg);
}

static struct eth_impair *of_port(struct eth_port *p)
{
	return (struct eth_impair *)p;
}

/* Emit due held packets of @p iq into @p out (room @p n). */
static uint16_t release(struct impair_q *iq, uint64_t now, struct rte_mbuf **out, uint16_t n)
{
	uint16_t got = 0, keep = 0;
	for (uint16_t i = 0; i < iq->n_held; i++) {
		struct held *h = &iq->held[i];
		if (got < n && h->wait_pkts == 0 && h->due_us <= now) {
			out[got++] = h->m;
			iq->st.passed++;
		} else
			iq->held[keep++] = *h;
	}
	iq->n_held = keep;
	return got;
}

/* A packet passed: held ones waiting for later packets count it. */
static void count_passing(struct impair_q *iq)
{
	for (uint16_t i = 0; i < iq->n_held; i++)
		if (iq->held[i].wait_pkts != 0)
			iq->held[i].wait_pkts--;
}

static void corrupt_one(uint64_t *rng, struct rte_mbuf *m)
{
	uint16_t len = rte_pktmbuf_data_len(m);
	if (len == 0)
		return;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint64_t r = rng_next(rng);
	p[r % len] ^= (uint8_t)(1u + (r >> 32) % 255u);
}

/* Decide one packet's fate; what passes at once goes to @p out. */
static void admit(struct impair_q *iq, const struct eth_impair_dir_cfg *dc, struct rte_mbuf *m,
		  uint64_t now, struct rte_mbuf **out, uint16_t *n_out, uint16_t room)
{
	/* Gilbert-Elliott: move between states, lose everything while bad. */
	if (dc->burst_us != 0) {
		/* by time: the outage ends when its drawn duration has passed */
		if (iq->bad && now >= iq->bad_until)
			iq->bad = false;
		if (!iq->bad && chance(&iq->rng, dc->burst)) {
			iq->bad = true;
			iq->bad_until = now + exp_draw(&iq->rng, dc->burst_us);
		}
	} else if (iq->bad) {
		if (chance(&iq->rng, dc->burst_len ? 1.0 / dc->burst_len : 1.0))
			iq->bad = false;
	} else if (chance(&iq->rng, dc->burst)) {
		iq->bad = true;
	}
	if (iq->bad) {
		iq->st.burst_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	if (chance(&iq->rng, dc->drop)) {
		iq->st.dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	if (chance(&iq->rng, dc->corrupt)) {
		iq->st.corrupted++;
		corrupt_one(&iq->rng, m);
	}
	struct rte_mbuf *copy = NULL;
	if (chance(&iq->rng, dc->dup)) {
		copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (copy != NULL)
			iq->st.duplicated++;
	}
	for (int k = 0; k < 2; k++) {
		struct rte_mbuf *x = k == 0 ? m : copy;
		if (x == NULL)
			continue;
		struct held h = {.m = x, .due_us = now};
		if (chance(&iq->rng, dc->reorder)) {
			h.wait_pkts = dc->reorder_gap ? dc->reorder_gap : 1;
			h.limit_us = now + IMPAIR_REORDER_MAX_US;
			iq->st.reordered++;
		}
		if (dc->delay_us != 0 || dc->jitter_us != 0) {
			uint64_t d = dc->delay_us;
			if (dc->jitter_us != 0)
				d += rng_next(&iq->rng) % ((uint64_t)dc->jitter_us + 1);
			h.due_us = now + d;
			iq->st.delayed++;
		}
		bool hold = h.wait_pkts != 0 || h.due_us > now;
		if (hold && iq->n_held < IMPAIR_HOLD) {
			iq->held[iq->n_held++] = h;
			continue;
		}
		if (hold)
			iq->st.overflow++;
		if (*n_out < room) {
			out[(*n_out)++] = x;
			count_passing(iq);
			iq->st.passed++;
		} else if (iq->n_held < IMPAIR_HOLD) {
			iq->held[iq->n_held++] = h; /* no room in this burst: the next */
		} else {
			rte_pktmbuf_free(x);
		}
	}
}

/* A reorder hold whose time limit passed no longer waits for packets. */
static void expire_waits(struct impair_q *iq, uint64_t now)
{
	for (uint16_t i = 0; i < iq->n_held; i++)
		if (iq->held[i].wait_pkts != 0 && iq->held[i].limit_us <= now)
			iq->held[i].wait_pkts = 0;
}

static uint16_t impair_rx(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct eth_impair *im = of_port(p);
	struct impair_q *iq = &im->q[ETH_IMPAIR_RX][q];
	const struct eth_impair_dir_cfg *dc = &im->cfg.dir[ETH_IMPAIR_RX];
	uint64_t now = now_us(im);
	eth_impair_poll(im, q); /* delayed TX leaves even when the stack sends nothing */
	expire_waits(iq, now);
	uint16_t got = release(iq, now, pkts, n);
	struct rte_mbuf *in[IMPAIR_BURST];
	uint16_t want = n - got < IMPAIR_BURST ? (uint16_t)(n - got) : IMPAIR_BURST;
	uint16_t k = want != 0 ? im->inner->rx_burst(im->inner, q, in, want) : 0;
	for (uint16_t i = 0; i < k; i++)
		admit(iq, dc, in[i], now, pkts, &got, n);
	if (got < n)
		got = (uint16_t)(got + release(iq, now, pkts + got, (uint16_t)(n - got)));
	return got;
}

/* Hand @p k packets to the inner port; what it refuses is dropped and
 * counted as passed-then-lost by the inner port's own counters. */
static void tx_out(struct eth_impair *im, uint16_t q, struct rte_mbuf **pk, uint16_t k)
{
	uint16_t sent = k != 0 ? im->inner->tx_burst(im->inner, q, pk, k) : 0;
	if (sent < k)
		rte_pktmbuf_free_bulk(pk + sent, (unsigned)(k - sent));
}

static uint16_t impair_tx(struct eth_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct eth_impair *im = of_port(p);
	struct impair_q *iq = &im->q[ETH_IMPAIR_TX][q];
	const struct eth_impair_dir_cfg *dc = &im->cfg.dir[ETH_IMPAIR_TX];
	uint64_t now = now_us(im);
	struct rte_mbuf *out[2 * IMPAIR_BURST];
	for (uint16_t i = 0; i < n;) {
		uint16_t chunk = n - i < IMPAIR_BURST ? (uint16_t)(n - i) : IMPAIR_BURST;
		uint16_t k = 0;
		for (uint16_t j = 0; j < chunk; j++)
			admit(iq, dc, pkts[i + j], now, out, &k, (uint16_t)(2 * IMPAIR_BURST));
		tx_out(im, q, out, k);
		i = (uint16_t)(i + chunk);
	}
	eth_impair_poll(im, q);
	return n; /* the stage owns every packet it was given */
}

uint16_t eth_impair_poll(struct eth_impair *im, uint16_t q)
{
	struct impair_q *iq = &im->q[ETH_IMPAIR_TX][q];
	if (iq->n_held == 0)
		return 0;
	uint64_t now = now_us(im);
	expire_waits(iq, now);
	struct rte_mbuf *out[IMPAIR_BURST];
	uint16_t total = 0, k;
	while ((k = release(iq, now, out, IMPAIR_BURST)) != 0) {
		tx_out(im, q, out, k);
		total = (uint16_t)(total + k);
	}
	return total;
}

static bool prob_ok(double p)
{
	return p >= 0.0 && p <= 1.0;
}

int eth_impair_create(struct eth_impair **out, struct eth_port *inner,
		      const struct eth_impair_cfg *cfg, eth_clock_us_fn *clock, void *clock_arg)
{
	*out = NULL;
	for (int d = 0; d < 2; d++) {
		const struct eth_impair_dir_cfg *dc = &cfg->dir[d];
		if (!prob_ok(dc->drop) || !prob_ok(dc->burst) || !prob_ok(dc->dup) ||
		    !prob_ok(dc->reorder) || !prob_ok(dc->corrupt))
			return -EINVAL;
	}
	struct eth_impair *im = calloc(1, sizeof(*im));
	if (im == NULL)
		return -ENOMEM;
	im->inner = inner;
	im->cfg = *cfg;
	im->clock = clock != NULL ? clock : tsc_clock_us;
	im->clock_arg = clock_arg;
	im->port = *inner; /* mac, mtu, queue count (and the memory port's rings) */
	im->port.rx_burst = impair_rx;
	im->port.tx_burst = impair_tx;
	uint16_t nq = inner->n_queues ? inner->n_queues : 1;
	for (int d = 0; d < 2; d++) {
		im->q[d] = calloc(nq, sizeof(struct impair_q));
		if (im->q[d] == NULL) {
			eth_impair_destroy(&im);
			return -ENOMEM;
		}
		for (uint16_t q = 0; q < nq; q++) {
			uint64_t s = splitmix64(cfg->seed ^ ((uint64_t)q << 32) ^ (uint64_t)d);
			im->q[d][q].rng = s != 0 ? s : 1;
		}
	}
	*out = im;
	return 0;
}

void eth_impair_destroy(struct eth_impair **pi)
{
	struct eth_impair *im = *pi;
	if (im == NULL)
		return;
	uint16_t nq = im->inner->n_queues ? im->inner->n_queues : 1;
	for (int d = 0; d < 2; d++) {
		if (im->q[d] == NULL)
			continue;
		for (uint16_t q = 0; q < nq; q++)
			for (uint16_t i = 0; i < im->q[d][q].n_held; i++)
				rte_pktmbuf_free(im->q[d][q].held[i].m);
		free(im->q[d]);
	}
	free(im);
	*pi = NULL;
}

struct eth_port *eth_impair_port(struct eth_impair *im)
{
	return &im->port;
}

void eth_impair_stats_get(const struct eth_impair *im, enum eth_impair_dir d,
			  struct eth_impair_stats *out)
{
	memset(out, 0, sizeof(*out));
	uint16_t nq = im->inner->n_queues ? im->inner->n_queues : 1;
	for (uint16_t q = 0; q < nq; q++) {
		const struct eth_impair_stats *s = &im->q[d][q].st;
#define ETH_IMPAIR_STAT_SUM(f, desc) out->f += s->f;
		ETH_IMPAIR_STATS(ETH_IMPAIR_STAT_SUM)
#undef ETH_IMPAIR_STAT_SUM
	}
}

/* One key=value applied to direction @p d. */
static int parse_kv(struct eth_impair_dir_cfg *dc, const char *key, const char *val)
{
	char *end;
	errno = 0;
	if (strcmp(key, "delay_us") == 0 || strcmp(key, "jitter_us") == 0 ||
	    strcmp(key, "reorder_gap") == 0 || strcmp(key, "burst_len") == 0 ||
	    strcmp(key, "burst_us") == 0) {
		unsigned long v = strtoul(val, &end, 10);
		if (errno != 0 || end == val || *end != '\0' || val[0] == '-' || v > UINT32_MAX)
			return -EINVAL;
		if (key[0] == 'd')
			dc->delay_us = (uint32_t)v;
		else if (key[0] == 'j')
			dc->jitter_us = (uint32_t)v;
		else if (key[0] == 'r')
			dc->reorder_gap = (uint32_t)v;
		else if (strcmp(key, "burst_us") == 0)
			dc->burst_us = (uint32_t)v;
		else
			dc->burst_len = (uint32_t)v;
		return 0;
	}
	double p = strtod(val, &end);
	if (errno != 0 || end == val || *end != '\0' || !prob_ok(p))
		return -EINVAL;
	if (strcmp(key, "drop") == 0)
		dc->drop = p;
	else if (strcmp(key, "burst") == 0)
		dc->burst = p;
	else if (strcmp(key, "dup") == 0)
		dc->dup = p;
	else if (strcmp(key, "reorder") == 0)
		dc->reorder = p;
	else if (strcmp(key, "corrupt") == 0)
		dc->corrupt = p;
	else
		return -EINVAL;
	return 0;
}

int eth_impair_parse(const char *s, struct eth_impair_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (int d = 0; d < 2; d++) {
		cfg->dir[d].reorder_gap = 3;
		cfg->dir[d].burst_len = 4;
	}
	char buf[512];
	size_t n = strlen(s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		char *eq = strchr(tok, '=');
		if (eq == NULL)
			return -EINVAL;
		*eq = '\0';
		const char *key = tok, *val = eq + 1;
		if (strcmp(key, "seed") == 0) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(val, &end, 0);
			if (errno != 0 || end == val || *end != '\0' || val[0] == '-')
				return -EINVAL;
			cfg->seed = v;
			continue;
		}
		int lo = 0, hi = 1;
		if (strncmp(key, "rx_", 3) == 0) {
			key += 3;
			hi = 0;
		} else if (strncmp(key, "tx_", 3) == 0) {
			key += 3;
			lo = 1;
		}
		for (int d = lo; d <= hi; d++)
			if (parse_kv(&cfg->dir[d], key, val) != 0)
				return -EINVAL;
	}
	return 0;
}
