/*
 * The dataplane's TCP: server side (passive opens only), one instance per
 * worker lcore, owning that worker's flows, timers and buffers (no locks).
 *
 * Walking-skeleton scope (issue #2): passive open with MSS, in-order data,
 * immediate ACKs piggybacked at the end of each loop iteration (no delayed
 * ACK, no Nagle), RFC 6298 retransmission timeout with Karn's rule and
 * back-off, fast retransmit on three duplicate ACKs with Reno congestion
 * control (RFC 5681), RFC 5961 challenge ACKs for in-window RST/SYN,
 * orderly close (FIN both ways) with TIME_WAIT, RST for segments of no
 * connection. Out-of-order segments are dropped and answered with a
 * duplicate ACK. Window scaling, timestamps, SACK, SYN cookies, keepalive
 * and a timer wheel are the TCP issue's (#3).
 *
 * The application (dataplane/core) sees a connection as two byte buffers:
 * `rcv` holds in-order bytes received and not yet consumed; it appends
 * replies to `snd` and calls tcp_output_mark(). Callbacks are bound once.
 *
 * Context: every function runs on the owning worker lcore.
 */
#ifndef RW_TCP_H
#define RW_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_tcp.h>

#include "net.h"
#include "rw_buf.h"

enum tcp_state {
	TCP_FREE = 0,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
};

/* Sequence-space comparisons (RFC 9293 §3.4), modulo 2^32. */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

struct tcp_conn {
	uint32_t idx; /* index in the stack's pool, stable for the connection's life */
	enum tcp_state state;
	uint32_t rip;	/* peer address, network order */
	uint16_t rport; /* network order */
	uint16_t lport; /* network order */

	/* send sequence space (RFC 9293 §3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t fin_seq; /* valid when fin_queued: sequence number of our FIN */
	uint16_t mss;	  /* effective send MSS */
	uint32_t cwnd, ssthresh;
	uint8_t dupacks;
	bool in_recovery;
	uint32_t recover; /* snd_max when fast recovery started */
	bool fin_queued;  /* the application closed: FIN follows the data */

	/* receive sequence space */
	uint32_t irs, rcv_nxt;
	bool peer_fin; /* FIN received (in order) */
	bool ack_now;  /* an ACK is owed; sent with the next output */

	/* RFC 6298 state, microseconds */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint64_t rto_deadline_us; /* 0: timer off */
	uint64_t rtt_start_us;
	uint32_t rtt_seq;
	bool rtt_timing;
	uint8_t retries;
	uint64_t tw_deadline_us;
	uint64_t challenge_ms; /* RFC 5961 §7 rate limit: last challenge ACK */

	/* buffers */
	struct rw_buf rcv;
	struct rw_buf snd; /* snd.data[snd_off] is the byte at sequence snd_una */
	size_t snd_off;

	struct tcp_conn *out_next; /* pending-output list */
	bool on_out_list;
	struct tcp_conn *act_prev, *act_next; /* active list (timers) */
	void *app;
};

struct tcp_stack;

struct tcp_app_ops {
	/** The handshake completed; the connection is ESTABLISHED. */
	void (*accepted)(void *arg, struct tcp_conn *c);
	/** New in-order bytes in c->rcv, or c->peer_fin became true. */
	void (*readable)(void *arg, struct tcp_conn *c);
	/** The connection died without the application closing it (RST, timeout). */
	void (*reset)(void *arg, struct tcp_conn *c);
};

struct tcp_stack {
	struct net_ctx *net;
	uint16_t lport; /* network order */
	uint16_t mss_local;
	uint32_t max_conns;
	uint32_t rcv_limit; /* query-buffer limit: the window never opens past it */
	struct tcp_conn *conns;
	uint32_t *free_idx;
	uint32_t n_free;
	struct rte_hash *flows;
	struct tcp_conn *out_head;
	struct tcp_conn *active;
	const struct tcp_app_ops *app;
	void *app_arg;
	struct chan_worker_stats *stats;
	uint64_t now_us;
	uint64_t next_timer_us;
	uint32_t isn_secret[4];
	uint32_t time_wait_ms;
};

/**
 * Set up a worker's TCP instance listening on @p port (host order).
 * @return 0, -ENOMEM, or -EEXIST (hash name clash).
 */
int tcp_stack_init(struct tcp_stack *t, struct net_ctx *net, uint16_t port, uint32_t max_conns,
		   const struct tcp_app_ops *app, void *app_arg, unsigned worker_id);
void tcp_stack_fini(struct tcp_stack *t);

/** The net layer's L4 handler (net_l4_fn); @p arg is the tcp_stack. */
void tcp_input(void *arg, struct net_ctx *n, struct rte_mbuf *m, struct rte_ipv4_hdr *ip);

/** The application appended to c->snd (or owes an ACK): send at the next flush. */
void tcp_output_mark(struct tcp_stack *t, struct tcp_conn *c);
/** Send everything marked; called once per loop iteration, after commands ran. */
void tcp_output_flush(struct tcp_stack *t);
/** Run expired timers (retransmission, TIME_WAIT). Cheap when nothing is due. */
void tcp_timers_run(struct tcp_stack *t);

/** Orderly close: FIN after the buffered data. The application lets go of @p c. */
void tcp_close(struct tcp_stack *t, struct tcp_conn *c);
/** Abortive close: RST now. The application lets go of @p c. */
void tcp_abort(struct tcp_stack *t, struct tcp_conn *c);

/** The application consumed @p n bytes of c->rcv (the window reopens). */
void tcp_rcv_consumed(struct tcp_stack *t, struct tcp_conn *c, size_t n);

/* internal to the module */
void tcp_send_ctl(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint8_t flags);
void tcp_conn_release(struct tcp_stack *t, struct tcp_conn *c);
void tcp_timer_arm_rto(struct tcp_stack *t, struct tcp_conn *c);
void tcp_rtt_sample(struct tcp_conn *c, uint32_t r_us);
uint16_t tcp_rcv_window(const struct tcp_stack *t, const struct tcp_conn *c);
void tcp_send_rst_for(struct tcp_stack *t, const struct rte_ipv4_hdr *ip,
		      const struct rte_tcp_hdr *th, uint32_t seg_len);
void tcp_send_probe(struct tcp_stack *t, struct tcp_conn *c);
struct tcp_conn *tcp_flow_lookup(struct tcp_stack *t, uint32_t rip, uint16_t rport, uint16_t lport);
struct tcp_conn *tcp_conn_alloc(struct tcp_stack *t, uint32_t rip, uint16_t rport);

#endif
