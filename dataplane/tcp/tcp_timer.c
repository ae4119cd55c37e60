/*
 * TCP timers: retransmission (RFC 6298) and zero-window persist, tail loss
 * probe (RFC 8985 §7), RACK's reordering timer (§6.3), keepalive
 * (RFC 1122 §4.2.3.6, RFC 9293 §3.8.4), TIME_WAIT and FIN_WAIT_2; the
 * receive window reopening as the application consumes.
 *
 * Every deadline of a connection lives in the connection (rto_deadline_us,
 * tlp_deadline_us, rack_deadline_us, tw_deadline_us, the keepalive clock); the connection has one
 * entry on a hashed timer wheel of 1 ms ticks (struct tcp_wheel, tcp.h), placed at its earliest
 * deadline or before it:
 *
 *   slot[tick % 4096] -> c -> c -> ...     due within 4096 ms
 *   overflow          -> c -> ...          later; walked once a revolution
 *
 * Moving a deadline later (every ACK restarts the RTO, every segment the
 * keepalive clock) costs nothing: the entry fires early, finds nothing
 * due and re-arms at the real deadline. Moving one earlier re-links the
 * entry (O(1), a doubly linked list through tm_pprev). tcp_timers_run()
 * visits only the slots of the ticks that passed, so a tick costs the
 * entries due in it, not a scan of every connection. A jump of more than
 * one revolution (a stalled loop, a test's fake clock) re-files every entry
 * once.
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <stdlib.h>

#include "tcp.h"

#define TCP_RTO_MIN_US	   200000u   /* Linux's floor; RFC 6298 §2.4 says 1 s (departure noted) */
#define TCP_RTO_MAX_US	   60000000u /* RFC 6298 §2.5 */
#define TCP_SYNACK_RETRIES 5
#define TCP_DATA_RETRIES   15

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
	if (r_us == 0)
		r_us = 1; /* srtt_us == 0 means "no sample yet" */
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
	tcp_timer_schedule(t, c, c->rto_deadline_us);
}

/* RFC 8985 §7.2: PTO = 2 SRTT, plus the worst-case delayed ACK when one
 * segment is in flight (its ACK may be delayed: 200 ms, as Linux's
 * TCP_RTO_MIN there); 1 s without an RTT sample. Never under
 * TCP_PTO_MIN_US, the floor of the TLP draft RFC 8985 grew from
 * (draft-dukkipati-tcpm-tcp-loss-probe §2.1: PTO = max(2 SRTT, 10 ms)) and
 * of Linux until it kept 2 jiffies: SRTT here comes from timestamps in
 * milliseconds (1 ms on a link of 100 µs), and a worker sharing its core
 * with others often answers later than 2 ms, so a 2 SRTT probe goes
 * while the ACKs are on their way (bench tcp.sh §4: 70-100 probes per 12
 * MB GET against 20-30 recoveries). */
#define TCP_PTO_NO_RTT_US 1000000u
#define TCP_WCDELACK_US	  200000u
#define TCP_PTO_MIN_US	  10000u

void tcp_timer_arm_pto(struct tcp_stack *t, struct tcp_conn *c)
{
	c->tlp_deadline_us = 0;
	bool open = c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
		    c->state == TCP_FIN_WAIT_1 || c->state == TCP_LAST_ACK ||
		    c->state == TCP_CLOSING;
	/* SACK only (RACK-TLP needs it, §1); never in recovery or after a
	 * timeout, never while a probe is out, never into a closed window */
	if (!open || !c->sack_ok || c->tlp_out || !tcp_cc_open(c) || c->snd_una == c->snd_max ||
	    c->snd_wnd == 0 || c->retries != 0)
		return;
	uint64_t pto = c->srtt_us != 0 ? 2ull * c->srtt_us : TCP_PTO_NO_RTT_US;
	if (pto < TCP_PTO_MIN_US)
		pto = TCP_PTO_MIN_US;
	if (c->snd_max - c->snd_una <= tcp_smss(c))
		pto += TCP_WCDELACK_US;
	uint64_t at = t->now_us + pto;
	if (c->rto_deadline_us != 0 && at >= c->rto_deadline_us)
		return; /* the RTO comes first */
	c->tlp_deadline_us = at;
	tcp_timer_schedule(t, c, at);
}

void tcp_timer_arm_tw(struct tcp_stack *t, struct tcp_conn *c)
{
	c->tw_deadline_us = t->now_us + (uint64_t)t->time_wait_ms * 1000u;
	tcp_timer_schedule(t, c, c->tw_deadline_us);
}

/* RFC 6298 §5.4-5.7: retransmit the earliest unacknowledged segment (go
 * back N), double the timer, collapse the window (RFC 5681 §3.1). */
static void rto_expired(struct tcp_stack *t, struct tcp_conn *c)
{
	c->rto_deadline_us = 0;
	t->stats->tcp_rto_expired++;
	uint8_t limit = c->state == TCP_SYN_RCVD ? TCP_SYNACK_RETRIES : TCP_DATA_RETRIES;
	if (++c->retries > limit) {
		t->stats->tcp_timeouts++;
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
		t->stats->tcp_persist_probes++;
		tcp_send_probe(t, c);
		tcp_timer_arm_rto(t, c);
		return;
	}
	uint32_t flight = c->snd_max - c->snd_una, smss = tcp_smss(c);
	c->ssthresh = flight / 2 > 2u * smss ? flight / 2 : 2u * smss;
	c->cwnd = smss; /* RFC 5681 §3.1: LW = 1 SMSS, one full segment */
	c->in_recovery = false;
	c->tlp_out = false;
	c->tlp_deadline_us = 0;
	c->dupacks = 0;
	c->recover = c->snd_max; /* RFC 6582 §3.2 step 1: no fast retransmit until past it */
	/* The retransmission skips what the peer SACKed (RFC 6675 §5.1), but a
	 * peer may renege (RFC 2018 §8): a second timeout in a row forgets the
	 * board. */
	if (c->retries >= 2)
		c->sack_n = 0;
	if (c->sack_ok && c->txq.seg_n != 0) {
		/* RFC 8985 §6.3 / RFC 6675 §5.1: everything not SACKed is lost;
		 * it goes lowest first in slow start (tcp_out.c), and RACK finds
		 * a lost retransmission without another timeout. */
		tcp_rack_rto(t, c, c->retries >= 2);
		c->fin_lost = c->fin_queued && seq_gt(c->snd_max, c->fin_seq);
	} else {
		c->snd_nxt = c->snd_una; /* go back N */
	}
	tcp_timer_arm_rto(t, c);
	tcp_output_mark(t, c);
}

/* ---- keepalive ---- */

static bool ka_applies(const struct tcp_stack *t, const struct tcp_conn *c)
{
	return t->keepalive_s != 0 && (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT);
}

static uint64_t ka_interval_us(const struct tcp_stack *t)
{
	uint32_t s = t->keepalive_s / 3;
	return (uint64_t)(s != 0 ? s : 1) * 1000000u;
}

static uint64_t ka_deadline(const struct tcp_stack *t, const struct tcp_conn *c)
{
	if (c->ka_probes == 0)
		return c->last_rx_us + (uint64_t)t->keepalive_s * 1000000u;
	return c->ka_probe_us + ka_interval_us(t);
}

/*
 * RFC 1122 §4.2.3.6: probe an idle connection with a segment the peer
 * must answer (SEG.SEQ = SND.NXT - 1, no data: it lies left of the
 * window, so the peer ACKs it). A connection with data in flight or
 * queued is not idle: the retransmission or persist timer watches it, and
 * the idle clock restarts (as Linux does). After TCP_KEEPALIVE_PROBES
 * unanswered probes the peer is gone: reset, as an expired RTO does.
 */
static void ka_fire(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->snd_una != c->snd_max || tcp_data_end(c) != c->snd_una) {
		c->last_rx_us = t->now_us;
		c->ka_probes = 0;
		return;
	}
	if (c->ka_probes >= TCP_KEEPALIVE_PROBES) {
		t->stats->tcp_keepalive_aborts++;
		if (c->app != NULL && t->app->reset != NULL)
			t->app->reset(t->app_arg, c);
		tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
		tcp_conn_release(t, c);
		return;
	}
	c->ka_probes++;
	c->ka_probe_us = t->now_us;
	t->stats->tcp_keepalive_probes++;
	tcp_send_ctl(t, c, c->snd_nxt - 1, RTE_TCP_ACK_FLAG);
}

void tcp_keepalive_set(struct tcp_stack *t, uint32_t seconds)
{
	t->keepalive_s = seconds;
	if (seconds == 0)
		return; /* pending entries fire, find nothing due and lapse */
	for (uint32_t i = 0; i < t->max_conns; i++)
		if (ka_applies(t, &t->conns[i]))
			tcp_timer_resched(t, &t->conns[i]);
}

/* ---- the wheel ---- */

#define WHEEL_MASK (TCP_WHEEL_SLOTS - 1)

int tcp_wheel_init(struct tcp_wheel *w)
{
	w->slot = calloc(TCP_WHEEL_SLOTS, sizeof(*w->slot));
	w->overflow = NULL;
	w->tick = 1;
	w->n = 0;
	return w->slot != NULL ? 0 : -ENOMEM;
}

void tcp_wheel_fini(struct tcp_wheel *w)
{
	free(w->slot);
	w->slot = NULL;
	w->overflow = NULL;
}

static void list_push(struct tcp_conn **head, struct tcp_conn *c)
{
	c->tm_next = *head;
	if (*head != NULL)
		(*head)->tm_pprev = &c->tm_next;
	*head = c;
	c->tm_pprev = head;
}

static void wheel_unlink(struct tcp_wheel *w, struct tcp_conn *c)
{
	w->n--;
	*c->tm_pprev = c->tm_next;
	if (c->tm_next != NULL)
		c->tm_next->tm_pprev = c->tm_pprev;
	c->tm_next = NULL;
	c->tm_pprev = NULL;
	c->tm_tick = 0;
}

/* File @p c at @p tick (a tick already processed means the next one). */
static void wheel_insert(struct tcp_wheel *w, struct tcp_conn *c, uint64_t tick)
{
	if (tick < w->tick)
		tick = w->tick;
	c->tm_tick = tick;
	w->n++;
	if (tick - w->tick < TCP_WHEEL_SLOTS)
		list_push(&w->slot[tick & WHEEL_MASK], c);
	else
		list_push(&w->overflow, c);
}

void tcp_timer_cancel(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->tm_tick != 0)
		wheel_unlink(&t->wheel, c);
}

void tcp_timer_schedule(struct tcp_stack *t, struct tcp_conn *c, uint64_t deadline_us)
{
	uint64_t tick = (deadline_us + 999u) / 1000u; /* never early */
	if (c->tm_tick != 0 && c->tm_tick <= tick)
		return; /* fires first, then re-arms */
	if (c->tm_tick != 0)
		wheel_unlink(&t->wheel, c);
	wheel_insert(&t->wheel, c, tick);
}

void tcp_timer_resched(struct tcp_stack *t, struct tcp_conn *c)
{
	uint64_t d = c->rto_deadline_us;
	if (c->tlp_deadline_us != 0 && (d == 0 || c->tlp_deadline_us < d))
		d = c->tlp_deadline_us;
	if (c->rack_deadline_us != 0 && (d == 0 || c->rack_deadline_us < d))
		d = c->rack_deadline_us;
	if ((c->state == TCP_TIME_WAIT || c->state == TCP_FIN_WAIT_2) &&
	    (d == 0 || c->tw_deadline_us < d))
		d = c->tw_deadline_us;
	if (ka_applies(t, c)) {
		uint64_t k = ka_deadline(t, c);
		if (d == 0 || k < d)
			d = k;
	}
	if (d != 0)
		tcp_timer_schedule(t, c, d);
}

/* Whatever of @p c is due; then back on the wheel at the next deadline. */
static void conn_fire(struct tcp_stack *t, struct tcp_conn *c)
{
	if ((c->state == TCP_TIME_WAIT || c->state == TCP_FIN_WAIT_2) &&
	    t->now_us >= c->tw_deadline_us) {
		tcp_conn_release(t, c);
		return;
	}
	if (c->rto_deadline_us != 0 && t->now_us >= c->rto_deadline_us) {
		rto_expired(t, c);
		if (c->state == TCP_FREE)
			return;
	}
	if (c->rack_deadline_us != 0 && t->now_us >= c->rack_deadline_us) {
		t->stats->tcp_rack_timeouts++;
		tcp_cc_rack(t, c); /* RFC 8985 §6.3 */
	}
	if (c->tlp_deadline_us != 0 && t->now_us >= c->tlp_deadline_us) {
		tcp_cc_probe(t, c);
		if (c->state == TCP_FREE)
			return;
	}
	if (ka_applies(t, c) && t->now_us >= ka_deadline(t, c)) {
		ka_fire(t, c);
		if (c->state == TCP_FREE)
			return;
	}
	tcp_timer_resched(t, c);
}

/* Once a revolution: overflow entries now within reach move to slots. */
static void wheel_cascade(struct tcp_wheel *w)
{
	struct tcp_conn *c = w->overflow;
	while (c != NULL) {
		struct tcp_conn *next = c->tm_next;
		if (c->tm_tick - w->tick < TCP_WHEEL_SLOTS) {
			uint64_t tick = c->tm_tick;
			wheel_unlink(w, c);
			wheel_insert(w, c, tick);
		}
		c = next;
	}
}

/* The clock jumped past a whole revolution: re-file every entry. */
static void wheel_refile(struct tcp_wheel *w, uint64_t now)
{
	struct tcp_conn *all = NULL;
	for (unsigned i = 0; i <= TCP_WHEEL_SLOTS; i++) {
		struct tcp_conn **head = i < TCP_WHEEL_SLOTS ? &w->slot[i] : &w->overflow;
		while (*head != NULL) {
			struct tcp_conn *c = *head;
			uint64_t tick = c->tm_tick;
			wheel_unlink(w, c);
			c->tm_tick = tick;
			c->tm_next = all; /* a private chain: tm_pprev unused */
			all = c;
		}
	}
	w->tick = now;
	while (all != NULL) {
		struct tcp_conn *c = all;
		all = c->tm_next;
		wheel_insert(w, c, c->tm_tick);
	}
}

void tcp_timers_run(struct tcp_stack *t)
{
	struct tcp_wheel *w = &t->wheel;
	uint64_t now = t->now_us / 1000u;
	if (w->tick > now)
		return;
	if (now - w->tick >= TCP_WHEEL_SLOTS)
		wheel_refile(w, now);
	while (w->tick <= now) {
		uint64_t tick = w->tick;
		if ((tick & WHEEL_MASK) == 0)
			wheel_cascade(w);
		/* Detach the slot: what fires re-files at tick + 1 or later. */
		struct tcp_conn *due = w->slot[tick & WHEEL_MASK];
		w->slot[tick & WHEEL_MASK] = NULL;
		if (due != NULL)
			due->tm_pprev = &due;
		w->tick = tick + 1;
		while (due != NULL) {
			struct tcp_conn *c = due;
			wheel_unlink(w, c);
			conn_fire(t, c);
		}
	}
}
