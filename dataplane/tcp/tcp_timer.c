/*
 * TCP timers: retransmission (RFC 6298) and TIME_WAIT; the receive window
 * reopening as the application consumes.
 *
 * The skeleton scans the worker's active connections at most once a
 * millisecond; only connections with a deadline do any work. The TCP issue
 * replaces the scan with a timer wheel.
 */
#include "tcp.h"

#define TCP_RTO_MIN_US	   200000u   /* Linux's floor; RFC 6298 §2.4 says 1 s (departure noted) */
#define TCP_RTO_MAX_US	   60000000u /* RFC 6298 §2.5 */
#define TCP_SYNACK_RETRIES 5
#define TCP_DATA_RETRIES   15
#define TCP_TIMER_TICK_US  1000u

static uint32_t clamp_rto(uint64_t rto)
{
	if (rto < TCP_RTO_MIN_US)
		return TCP_RTO_MIN_US;
	if (rto > TCP_RTO_MAX_US)
		return TCP_RTO_MAX_US;
	return (uint32_t)rto;
}

/* RFC 6298 §2.2-2.3 with K = 4 and a 1 ms clock granularity. */
void tcp_rtt_sample(struct tcp_conn *c, uint32_t r_us)
{
	if (c->srtt_us == 0) {
		c->srtt_us = r_us;
		c->rttvar_us = r_us / 2;
	} else {
		uint32_t diff = c->srtt_us > r_us ? c->srtt_us - r_us : r_us - c->srtt_us;
		c->rttvar_us = (3u * c->rttvar_us + diff) / 4u;
		c->srtt_us = (7u * c->srtt_us + r_us) / 8u;
	}
	uint64_t var = 4ull * c->rttvar_us;
	c->rto_us = clamp_rto(c->srtt_us + (var > 1000 ? var : 1000));
}

void tcp_timer_arm_rto(struct tcp_stack *t, struct tcp_conn *c)
{
	c->rto_deadline_us = t->now_us + c->rto_us;
}

/* RFC 6298 §5.4-5.7: retransmit the earliest unacknowledged segment (go
 * back N), double the timer, collapse the window (RFC 5681 §3.1). */
static void rto_expired(struct tcp_stack *t, struct tcp_conn *c)
{
	c->rto_deadline_us = 0;
	uint8_t limit = c->state == TCP_SYN_RCVD ? TCP_SYNACK_RETRIES : TCP_DATA_RETRIES;
	if (++c->retries > limit) {
		if (c->app != NULL && t->app->reset != NULL)
			t->app->reset(t->app_arg, c);
		if (c->state != TCP_SYN_RCVD)
			tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
		tcp_conn_release(t, c);
		return;
	}
	c->rto_us = clamp_rto((uint64_t)c->rto_us * 2u);
	c->rtt_timing = false; /* Karn */
	if (c->state == TCP_SYN_RCVD) {
		tcp_send_ctl(t, c, c->iss, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
		tcp_timer_arm_rto(t, c);
		return;
	}
	if (c->snd_una == c->snd_max || (c->snd_wnd == 0 && c->snd.len != c->snd_off)) {
		/* The peer's window is closed: probe it with one byte, again
		 * from snd_una when an earlier probe was not taken (go-back-N
		 * would send nothing into a zero window). RFC 9293 §3.8.6.1. */
		c->snd_nxt = c->snd_una;
		tcp_send_probe(t, c);
		tcp_timer_arm_rto(t, c);
		return;
	}
	uint32_t flight = c->snd_max - c->snd_una;
	c->ssthresh = flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss;
	c->cwnd = c->mss;
	c->in_recovery = false;
	c->dupacks = 0;
	c->recover = c->snd_max; /* RFC 6582 §3.2 step 1: no fast retransmit until past it */
	c->high_rxt = c->snd_una;
	/* Go-back-N skips what the peer SACKed (RFC 6675 §5.1), but a peer may
	 * renege (RFC 2018 §8): a second timeout in a row forgets the board. */
	if (c->retries >= 2)
		c->sack_n = 0;
	c->snd_nxt = c->snd_una;
	tcp_timer_arm_rto(t, c);
	tcp_output_mark(t, c);
}

void tcp_timers_run(struct tcp_stack *t)
{
	if (t->now_us < t->next_timer_us)
		return;
	t->next_timer_us = t->now_us + TCP_TIMER_TICK_US;
	struct tcp_conn *c = t->active;
	while (c != NULL) {
		struct tcp_conn *next = c->act_next;
		if (c->state == TCP_TIME_WAIT || c->state == TCP_FIN_WAIT_2) {
			if (t->now_us >= c->tw_deadline_us)
				tcp_conn_release(t, c);
		} else if (c->rto_deadline_us != 0 && t->now_us >= c->rto_deadline_us) {
			rto_expired(t, c);
		}
		c = next;
	}
}

void tcp_rcv_consumed(struct tcp_stack *t, struct tcp_conn *c, size_t n)
{
	uint32_t before = tcp_rcv_window(t, c);
	tcp_ooo_consume(c, n);
	/* RFC 9293 §3.8.6.2.2: announce a window that opened by a useful amount. */
	if (before < c->mss && tcp_rcv_window(t, c) >= c->mss) {
		c->ack_now = true;
		tcp_output_mark(t, c);
	}
}
