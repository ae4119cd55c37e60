/*
 * Seeded impairment stage: a port that wraps another port and, on RX and
 * TX independently, drops (uniformly and in Gilbert-Elliott bursts),
 * duplicates, reorders (holds a packet until N later ones passed), delays
 * with jitter and corrupts one byte. Every decision comes from a PRNG
 * seeded per queue and direction, so a run is repeatable from its seed
 * given the same traffic and clock.
 *
 * It sits between the stack and any port (the DPDK one in a lab, the
 * in-memory one in unit tests); the stack only sees a struct eth_port.
 * Held and delayed packets leave on later bursts: a worker that polls RX
 * every iteration also releases delayed TX (eth_impair_poll() does it for
 * a caller that does not).
 *
 * Config string (eth_impair_parse), comma-separated key=value; a key
 * applies to both directions unless prefixed rx_ or tx_:
 *   seed=N  drop=P  burst=P (good->bad)  burst_len=N (mean, bad->good = 1/N)
 *   burst_us=N (a burst lasts a time, not a packet count: see below)
 *   dup=P  reorder=P  reorder_gap=N  corrupt=P  delay_us=N  jitter_us=N
 *
 * Two burst models. By packets (the default): every packet, lost or not,
 * ends a burst with probability 1 / burst_len, so a burst takes about
 * burst_len packets however long the sender waits between them (a sender
 * backing off its timer sends one packet per expiry: a burst outlasts
 * several back-offs). By time (burst_us != 0): a burst is an outage of the
 * link lasting a drawn time, exponential with mean burst_us (the bad
 * state of a continuous-time Gilbert-Elliott chain), and every packet sent
 * during it is lost; it starts, as in the packet model, with probability
 * `burst` per packet. burst_len is then unused.
 *
 * Context: queue q of the wrapper is used only by worker q, like the port
 * it wraps; create/destroy at boot or in tests.
 */
#ifndef RW_ETH_IMPAIR_H
#define RW_ETH_IMPAIR_H

#include <stdint.h>

#include "eth_port.h"

enum eth_impair_dir {
	ETH_IMPAIR_RX = 0,
	ETH_IMPAIR_TX = 1,
};

struct eth_impair_dir_cfg {
	double drop;	    /* independent loss probability (in the good state) */
	double burst;	    /* Gilbert-Elliott: P(good -> bad) per packet */
	uint32_t burst_len; /* mean packets lost per burst; bad -> good = 1/len */
	uint32_t burst_us;  /* != 0: a burst lasts Exp(mean burst_us) microseconds */
	double dup;
	double reorder;
	uint32_t reorder_gap; /* a reordered packet waits for this many later ones */
	double corrupt;	      /* flip one byte of the frame */
	uint32_t delay_us;
	uint32_t jitter_us; /* uniform in [0, jitter_us] added to delay_us */
};

struct eth_impair_cfg {
	uint64_t seed;
	struct eth_impair_dir_cfg dir[2];
};

#define ETH_IMPAIR_STATS(X)                                                                        \
	X(passed, "packets handed on")                                                             \
	X(dropped, "packets dropped at random")                                                    \
	X(burst_dropped, "packets dropped in a Gilbert-Elliott burst")                             \
	X(duplicated, "extra copies made")                                                         \
	X(reordered, "packets held back for later ones")                                           \
	X(delayed, "packets given a delay")                                                        \
	X(corrupted, "packets with one byte flipped")                                              \
	X(overflow, "packets passed unimpaired because the hold queue was full")

struct eth_impair_stats {
#define ETH_IMPAIR_STAT_FIELD(f, d) uint64_t f;
	ETH_IMPAIR_STATS(ETH_IMPAIR_STAT_FIELD)
#undef ETH_IMPAIR_STAT_FIELD
};

/** A clock in microseconds; NULL selects the TSC. */
typedef uint64_t eth_clock_us_fn(void *arg);

struct eth_impair;

/**
 * Wrap @p inner (which must outlive the wrapper).
 * @param clock time source for delays; NULL: rte_rdtsc() / TSC rate
 * @return 0, -ENOMEM or -EINVAL (a probability outside [0, 1]).
 */
int eth_impair_create(struct eth_impair **out, struct eth_port *inner,
		      const struct eth_impair_cfg *cfg, eth_clock_us_fn *clock, void *clock_arg);
/** Free held packets and the wrapper; NULL-safe, clears the pointer. */
void eth_impair_destroy(struct eth_impair **pi);
/** The wrapper as a port: pass it to the stack instead of the inner one. */
struct eth_port *eth_impair_port(struct eth_impair *im);
/** Release due delayed TX packets of queue @p q. @return how many left. */
uint16_t eth_impair_poll(struct eth_impair *im, uint16_t q);
/** Sum of the counters of direction @p d over all queues. */
void eth_impair_stats_get(const struct eth_impair *im, enum eth_impair_dir d,
			  struct eth_impair_stats *out);
/**
 * Parse a config string (see the file header) into @p cfg, which starts
 * zeroed with reorder_gap 3 and burst_len 4.
 * @return 0 or -EINVAL (unknown key, bad number, probability outside [0, 1]).
 */
int eth_impair_parse(const char *s, struct eth_impair_cfg *cfg);

#endif
