/*
 * TCP input: RFC 9293 §3.10.7 "SEGMENT ARRIVES" for a passive-open server.
 *
 * Order of checks for a synchronized connection follows the RFC: PAWS
 * (RFC 7323 §5.3 R1), sequence acceptability, TS.Recent update (RFC 7323
 * §4.3), RST (RFC 5961 §3), SYN (RFC 5961 §4: challenge ACK), ACK (RFC 5961
 * §5 window, SACK scoreboard, duplicate ACKs, RTT), segment text (in order,
 * or into the out-of-order queue: tcp_ooo.c), FIN.
 */
#include <errno.h>
#include <string.h>

#include <rte_tcp.h>

#include "tcp.h"

/* One's-complement sum of pseudo-header and segment must be all ones. */
static bool cksum_ok(const struct rte_ipv4_hdr *ip, const void *l4, uint32_t l4_len)
{
	uint32_t sum = (uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(l4, l4_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static bool parse_segment(struct rte_mbuf *m, struct rte_ipv4_hdr *ip, struct tcp_seg *s,
			  struct rte_tcp_hdr **thp)
{
	size_t ihl = rte_ipv4_hdr_len(ip);
	uint32_t l4 = rte_be_to_cpu_16(ip->total_length) - (uint32_t)ihl;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	if (l4 < sizeof(*th))
		return false;
	uint32_t thl = (uint32_t)(th->data_off >> 4) * 4;
	if (thl < sizeof(*th) || thl > l4)
		return false;
	if (!(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_GOOD) && !cksum_ok(ip, th, l4))
		return false;
	*thp = th;
	s->seq = rte_be_to_cpu_32(th->sent_seq);
	s->ack = rte_be_to_cpu_32(th->recv_ack);
	s->wnd = rte_be_to_cpu_16(th->rx_win);
	s->flags = th->tcp_flags;
	s->data = (const uint8_t *)th + thl;
	s->data_len = l4 - thl;
	s->len = s->data_len + !!(s->flags & RTE_TCP_SYN_FLAG) + !!(s->flags & RTE_TCP_FIN_FLAG);
	tcp_opts_parse((const uint8_t *)(th + 1), thl - sizeof(*th),
		       (s->flags & RTE_TCP_SYN_FLAG) != 0, &s->opt);
	return true;
}

/* LISTEN state (§3.10.7.2): a SYN opens a connection in SYN-RECEIVED.
 * @return -1, or the worker that owns the flow after all: the caller
 * hands the segment there. */
static int listen_input(struct tcp_stack *t, struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *th,
			struct tcp_seg *s)
{
	if (s->flags & RTE_TCP_RST_FLAG)
		return -1;
	if ((s->flags & RTE_TCP_ACK_FLAG) && !(s->flags & RTE_TCP_SYN_FLAG)) {
		/* the third segment of a handshake we answered with a cookie? */
		struct tcp_conn *c = NULL;
		int rc = tcp_cookie_check(t, ip, th, s, &c);
		if (rc > 0)
			tcp_conn_input(t, c, s);
		else if (rc == 0)
			tcp_send_rst_for(t, ip, th, s->len);
		return rc <= -2 ? -2 - rc : -1;
	}
	if ((s->flags & RTE_TCP_ACK_FLAG) || !(s->flags & RTE_TCP_SYN_FLAG)) {
		tcp_send_rst_for(t, ip, th, s->len);
		return -1;
	}
	/* RFC 4987 §3.6: past the half-open limit, or with no connection
	 * left, answer without keeping state. */
	if (t->n_syn_rcvd >= t->synq_max || (t->n_free == 0 && t->tw_head == NULL)) {
		if (t->syncookies)
			tcp_cookie_synack(t, ip, th, s);
		else
			t->stats->tcp_drop_listen_overflow++; /* the client retries */
		return -1;
	}
	int32_t slot;
	int owner = tcp_owner_claim(t, ip->src_addr, th->src_port, &slot);
	if (owner == -EAGAIN)
		return -1; /* two workers claimed it at once: both let go */
	if (owner != (int)t->self)
		return owner;
	struct tcp_conn *c = tcp_conn_alloc(t, ip->src_addr, th->src_port);
	if (c == NULL) {
		tcp_owner_release(t, slot);
		t->stats->tcp_drop_listen_overflow++;
		return -1;
	}
	c->owner_slot = slot;
	c->state = TCP_SYN_RCVD;
	t->n_syn_rcvd++;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt; /* nothing advertised yet */
	c->snd_wnd = s->wnd;	 /* RFC 7323 §2.2: a SYN's window is never scaled */
	c->max_snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	uint16_t peer_mss = s->opt.mss ? s->opt.mss : 536;
	c->mss = peer_mss < t->mss_local ? peer_mss : t->mss_local;
	c->ssthresh = UINT32_MAX;
	c->recover = c->iss;
	/* Each option only if the peer offered it (RFC 7323 §1.3, RFC 2018 §2). */
	if (s->opt.ws) {
		c->ws_ok = true;
		c->snd_wscale = s->opt.wscale;
		c->rcv_wscale = TCP_RCV_WSCALE;
	}
	if (s->opt.ts) {
		c->ts_ok = true;
		c->ts_recent = s->opt.tsval;
		c->ts_recent_us = t->now_us;
		c->ts_offset = tcp_ts_offset(t, ip->src_addr, th->src_port); /* RFC 7323 §7.1 */
	}
	c->sack_ok = s->opt.sack_perm;
	c->cwnd = 10u * tcp_smss(c); /* RFC 6928 initial window, in SMSS */
	tcp_send_ctl(t, c, c->iss, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	c->rtt_start_us = t->now_us; /* the handshake's RTT sample (RFC 6298 §2) */
	c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_timer_arm_rto(t, c);
	return -1;
}

static bool seq_acceptable(const struct tcp_stack *t, const struct tcp_conn *c,
			   const struct tcp_seg *s)
{
	uint32_t wnd = tcp_rcv_window(t, c);
	if (s->len == 0)
		return wnd == 0 ? s->seq == c->rcv_nxt
				: seq_geq(s->seq, c->rcv_nxt) && seq_lt(s->seq, c->rcv_nxt + wnd);
	if (wnd == 0)
		return false;
	return (seq_geq(s->seq, c->rcv_nxt) && seq_lt(s->seq, c->rcv_nxt + wnd)) ||
	       (seq_geq(s->seq + s->len - 1, c->rcv_nxt) &&
		seq_lt(s->seq + s->len - 1, c->rcv_nxt + wnd));
}

/* RFC 5961 §7: at most one challenge ACK per connection per 10 ms, and
 * at most challenge_per_s per second for the whole worker, so blind
 * injection cannot turn the stack into an ACK amplifier. */
void tcp_challenge_ack(struct tcp_stack *t, struct tcp_conn *c)
{
	uint64_t now_ms = t->now_us / 1000;
	if (now_ms - c->challenge_ms < 10) {
		t->stats->tcp_challenge_limited++;
		return;
	}
	if (now_ms - t->challenge_refill_ms >= 1000) {
		t->challenge_refill_ms = now_ms;
		t->challenge_tokens = t->challenge_per_s;
	}
	if (t->challenge_tokens == 0) {
		t->stats->tcp_challenge_limited++;
		return;
	}
	t->challenge_tokens--;
	c->challenge_ms = now_ms;
	t->stats->tcp_challenge_acks++;
	tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_ACK_FLAG);
}

void tcp_conn_reset(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->app != NULL && t->app->reset != NULL)
		t->app->reset(t->app_arg, c);
	tcp_conn_release(t, c);
}

/* @return false if the connection was released. */
static bool rst_input(struct tcp_stack *t, struct tcp_conn *c, const struct tcp_seg *s)
{
	if (s->seq == c->rcv_nxt) {
		t->stats->tcp_rst_received++;
		tcp_conn_reset(t, c);
		return false;
	}
	tcp_challenge_ack(t, c); /* RFC 5961 §3.2: in window but not exact */
	return true;
}

/* RTT samples: with timestamps, every ACK of new data echoing one of our
 * TSvals (RFC 7323 §4.1, §4.2); without, one timed segment per flight,
 * never a retransmitted one (Karn; timing stops when the timer fires). */
static void rtt_on_ack(struct tcp_stack *t, struct tcp_conn *c, const struct tcp_seg *s)
{
	if (c->ts_ok && s->opt.ts && s->opt.tsecr != 0) {
		uint32_t ms = tcp_ts_now(t, c) - s->opt.tsecr;
		if (ms < 60u * 1000u) /* an echo from the future or the distant past is no sample */
			tcp_rtt_sample(c, (ms != 0 ? ms : 1u) * 1000u);
		c->rtt_timing = false;
		return;
	}
	if (c->rtt_timing && seq_gt(s->ack, c->rtt_seq)) {
		tcp_rtt_sample(c, (uint32_t)(t->now_us - c->rtt_start_us));
		c->rtt_timing = false;
	}
}

/*
 * RFC 6298 §2: the SYN-ACK's round trip is the first RTT sample (as Linux
 * takes it), from the timestamp echo or, by Karn's rule, only if the SYN-ACK
 * was not resent. Without one after a resent SYN-ACK, §5.7: the RTO is
 * 3 s once data flows.
 */
#define TCP_RTO_FALLBACK_US 3000000u

static void handshake_rtt(struct tcp_stack *t, struct tcp_conn *c, const struct tcp_seg *s)
{
	if (c->ts_ok && s->opt.ts && s->opt.tsecr != 0) {
		uint32_t ms = tcp_ts_now(t, c) - s->opt.tsecr;
		if (ms < 60u * 1000u) {
			tcp_rtt_sample(c, (ms != 0 ? ms : 1u) * 1000u);
			return;
		}
	}
	if (c->retries != 0)
		c->rto_us = TCP_RTO_FALLBACK_US;
	else if (!c->synack_resent)
		tcp_rtt_sample(c, (uint32_t)(t->now_us - c->rtt_start_us));
}

static void ack_advance(struct tcp_stack *t, struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t ack = s->ack;
	uint32_t acked = ack - c->snd_una;
	uint32_t data_acked = acked;
	if (c->fin_queued && seq_gt(ack, c->fin_seq))
		data_acked--; /* our FIN occupies one sequence number */
	rtt_on_ack(t, c, s);
	c->snd_off += data_acked;
	c->snd_una = ack;
	if (seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	tcp_sack_prune(c);
	tcp_cc_new_ack(t, c, acked);
	if (c->snd_off >= c->snd.len) {
		c->snd.len = 0;
		c->snd_off = 0;
	} else if (c->snd_off > 65536 && c->snd_off * 2 > c->snd.len) {
		rw_buf_consume(&c->snd, c->snd_off);
		c->snd_off = 0;
	}
	c->retries = 0;
	c->rto_deadline_us = 0; /* RFC 6298 §5.3: restart for what is still out */
	c->tlp_deadline_us = 0; /* RFC 8985 §7.2: so is the PTO (tcp_out.c) */
	if (c->snd_una != c->snd_max || c->snd.len != c->snd_off)
		tcp_timer_arm_rto(t, c);
	tcp_output_mark(t, c);
}

static bool fin_acked(const struct tcp_conn *c)
{
	return c->fin_queued && seq_gt(c->snd_una, c->fin_seq);
}

/* §3.10.7.4 fifth check. @return false if the segment must be dropped or
 * the connection was released. */
static bool ack_input(struct tcp_stack *t, struct tcp_conn *c, const struct tcp_seg *s)
{
	if (c->state == TCP_SYN_RCVD) {
		if (!(seq_gt(s->ack, c->snd_una) && seq_leq(s->ack, c->snd_nxt))) {
			tcp_send_ctl(t, c, s->ack, RTE_TCP_RST_FLAG);
			return false;
		}
		c->state = TCP_ESTABLISHED;
		t->n_syn_rcvd--;
		c->snd_una = s->ack;
		c->rto_deadline_us = 0;
		handshake_rtt(t, c, s);
		c->retries = 0;
		c->snd_wnd = s->wnd;
		if (s->wnd > c->max_snd_wnd)
			c->max_snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		t->stats->tcp_conns_opened++;
		t->stats->tcp_conns_current++;
		tcp_timer_resched(t, c); /* keepalive */
		if (t->app->accepted != NULL)
			t->app->accepted(t->app_arg, c);
		return c->state != TCP_FREE;
	}
	if (seq_gt(s->ack, c->snd_max)) { /* acks something not yet sent */
		tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_ACK_FLAG);
		return false;
	}
	/* RFC 5961 §5.2: an ACK older than the window we could have sent. */
	if (seq_lt(s->ack, c->snd_una - (c->max_snd_wnd > 65535u ? c->max_snd_wnd : 65535u))) {
		tcp_challenge_ack(t, c);
		return false;
	}
	bool new_sack = false, dsack = false;
	if (c->sack_ok && s->opt.n_sack != 0) {
		/* RFC 2883 §4: a first block below the cumulative ACK, or inside
		 * the second, reports a duplicate */
		const struct tcp_seq_range *b = s->opt.sack;
		dsack = seq_leq(b[0].end, s->ack) ||
			(s->opt.n_sack > 1 && seq_geq(b[0].start, b[1].start) &&
			 seq_leq(b[0].end, b[1].end));
		new_sack = tcp_sack_update(c, &s->opt); /* RFC 6675 §5: on every ACK */
	}
	/* RFC 8985 §6.2 steps 1-3: what this ACK delivered; RFC 6937
	 * DeliveredData = the change in SND.UNA plus the change in SACKed */
	uint32_t delivered = 0;
	if (c->sack_ok && seq_geq(s->ack, c->snd_una)) {
		uint32_t sacked = c->txq.sacked;
		tcp_rack_ack(t, c, s->ack, &s->opt);
		int64_t d = (int64_t)(s->ack - c->snd_una) + (int64_t)c->txq.sacked - sacked;
		delivered = d > 0 ? (uint32_t)d : 0;
	}
	/* RFC 5681 §2 (e): a duplicate leaves the window as it was; RFC 6675
	 * §2: with SACK, an ACK that SACKs new data is one whatever its window
	 * (a receiver growing its buffer, as Linux's autotuning does, changes
	 * the window on nearly every ACK, and recovery would wait for the RTO). */
	bool wnd_same = s->wnd == c->snd_wnd || new_sack;
	bool advanced = seq_gt(s->ack, c->snd_una);
	if (advanced)
		ack_advance(t, c, s);
	else if (s->ack == c->snd_una && s->data_len == 0 && wnd_same && s->wnd != 0 &&
		 !(s->flags & RTE_TCP_FIN_FLAG) && c->snd_una != c->snd_max)
		tcp_cc_dupack(t, c); /* a zero window answers a probe: no loss signal */
	tcp_cc_on_ack(t, c, s->ack, dsack, advanced, delivered);
	/* RFC 9293 §3.10.7.4: update the send window from newer segments only. */
	if (seq_lt(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && seq_leq(c->snd_wl2, s->ack))) {
		if (s->wnd > c->snd_wnd)
			tcp_output_mark(t, c);
		/* The window reopens: resend from snd_una, as a probe byte the
		 * peer did not take would otherwise leave a hole until the RTO. */
		if (c->snd_wnd == 0 && s->wnd != 0 && c->snd_nxt != c->snd_una) {
			c->snd_nxt = c->snd_una;
			c->rtt_timing = false; /* Karn: what follows is resent */
		}
		c->snd_wnd = s->wnd;
		if (s->wnd > c->max_snd_wnd)
			c->max_snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
	}
	/* RFC 1122 §4.2.2.17: a peer that answers our zero-window probes is
	 * alive; its closed window must not time the connection out. */
	if (c->snd_wnd == 0)
		c->retries = 0;
	if (!fin_acked(c))
		return true;
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		/* The application has closed: a peer that never sends its FIN
		 * must not pin the slot (Linux: tcp_fin_timeout). */
		c->state = TCP_FIN_WAIT_2;
		tcp_timer_arm_tw(t, c);
		return true;
	case TCP_CLOSING:
		c->state = TCP_TIME_WAIT;
		tcp_tw_enter(t, c);
		tcp_timer_arm_tw(t, c);
		return true;
	case TCP_LAST_ACK:
		tcp_conn_release(t, c);
		return false;
	default:
		return true;
	}
}

/* The peer's FIN is next in sequence (RFC 9293 §3.10.7.4 eighth check). */
static void fin_take(struct tcp_stack *t, struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->ooo_fin = false;
	c->ack_now = true;
	tcp_output_mark(t, c);
	switch (c->state) {
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		c->peer_fin = true;
		if (c->app != NULL && t->app->readable != NULL)
			t->app->readable(t->app_arg, c);
		break;
	case TCP_FIN_WAIT_1:
		c->state = fin_acked(c) ? TCP_TIME_WAIT : TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		c->state = TCP_TIME_WAIT;
		break;
	default:
		break;
	}
	if (c->state == TCP_TIME_WAIT) {
		tcp_tw_enter(t, c);
		tcp_timer_arm_tw(t, c);
	}
}

/* A segment starting past RCV.NXT: keep what fits the window in the
 * out-of-order queue and ACK at once, so the peer sees the duplicate ACK
 * (with SACK blocks) that drives its fast retransmit (RFC 5681 §4.2). */
static void text_early(struct tcp_stack *t, struct tcp_conn *c, struct tcp_seg *s, uint32_t seq)
{
	bool fin = (s->flags & RTE_TCP_FIN_FLAG) != 0;
	s->flags &= (uint8_t)~RTE_TCP_FIN_FLAG; /* not for fin_input: it is not next */
	tcp_ack_before_ooo(t, c, seq, seq + s->data_len);
	c->ack_now = true;
	tcp_output_mark(t, c);
	uint32_t off = seq - c->rcv_nxt, wnd = tcp_rcv_window(t, c);
	if (off >= wnd) {
		t->stats->tcp_ooo_dropped++;
		return;
	}
	uint32_t len = s->data_len;
	if (len > wnd - off) {
		len = wnd - off;
		fin = false; /* the FIN lies beyond what we keep */
	}
	if (len != 0)
		tcp_ooo_dsack(t, c, seq, seq + len); /* RFC 2883 §4 (2) */
	tcp_ooo_insert(t, c, seq, s->data, len, fin);
}

/* Trim what lies before rcv_nxt or beyond the window, take in-order text
 * and whatever out-of-order data it joins up with. */
static void text_input(struct tcp_stack *t, struct tcp_conn *c, struct tcp_seg *s)
{
	if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_1 && c->state != TCP_FIN_WAIT_2)
		return;
	uint32_t seq = s->seq + !!(s->flags & RTE_TCP_SYN_FLAG);
	if (seq_gt(seq, c->rcv_nxt)) {
		if (s->data_len != 0 || (s->flags & RTE_TCP_FIN_FLAG))
			text_early(t, c, s, seq);
		return;
	}
	if (s->data_len == 0)
		return;
	uint32_t skip = c->rcv_nxt - seq;
	/* RFC 2883 §4 case 1: what arrived before, whole or in part */
	tcp_dsack_note(t, c, seq, skip >= s->data_len ? seq + s->data_len : c->rcv_nxt);
	if (skip >= s->data_len) {
		c->ack_now = true;
		tcp_output_mark(t, c);
		return;
	}
	uint32_t len = s->data_len - skip;
	uint32_t wnd = tcp_rcv_window(t, c);
	if (len > wnd) {
		len = wnd;
		s->flags &= (uint8_t)~RTE_TCP_FIN_FLAG; /* the FIN lies beyond what we took */
	}
	if (rw_buf_reserve(&c->rcv, len) != 0) {
		t->stats->tcp_drop_no_memory++;
		s->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
		return; /* no memory: not acknowledged, the peer retransmits */
	}
	/* Islands past rcv.len stay put: these bytes land before them. */
	if (c->ooo_n != 0)
		tcp_ooo_dsack(t, c, c->rcv_nxt, c->rcv_nxt + len); /* RFC 2883 §4 (2) */
	memcpy(c->rcv.data + c->rcv.len, s->data + skip, len);
	c->rcv.len += len;
	c->rcv_nxt += len;
	if (c->ooo_n != 0 || c->ooo_fin) {
		tcp_ooo_deliver(t, c);
		if (c->ooo_fin && c->ooo_fin_seq == c->rcv_nxt) {
			s->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
			c->ack_now = true;
			if (c->app != NULL && t->app->readable != NULL)
				t->app->readable(t->app_arg, c);
			if (c->state != TCP_FREE)
				fin_take(t, c);
			return;
		}
	}
	c->ack_now = true;
	tcp_output_mark(t, c);
	if (c->app != NULL && t->app->readable != NULL)
		t->app->readable(t->app_arg, c);
}

static void fin_input(struct tcp_stack *t, struct tcp_conn *c, const struct tcp_seg *s)
{
	if (!(s->flags & RTE_TCP_FIN_FLAG) || s->seq + s->len - 1 != c->rcv_nxt)
		return;
	fin_take(t, c);
}

/* RFC 7323 §5.3 R1: a segment whose TSval is older than TS.Recent is an
 * old duplicate, unless it is a RST or TS.Recent went stale after 24 days
 * of idleness (§5.5). @return true to drop it. */
#define TCP_PAWS_IDLE_US (24ull * 24 * 3600 * 1000000)

static bool paws_reject(struct tcp_stack *t, struct tcp_conn *c, const struct tcp_seg *s)
{
	if (!c->ts_ok || !s->opt.ts || (s->flags & RTE_TCP_RST_FLAG) ||
	    !ts_lt(s->opt.tsval, c->ts_recent))
		return false;
	if (t->now_us - c->ts_recent_us > TCP_PAWS_IDLE_US) {
		c->ts_recent = s->opt.tsval; /* §5.5: TS.Recent is invalid */
		c->ts_recent_us = t->now_us;
		return false;
	}
	t->stats->tcp_paws_rejected++;
	c->ack_now = true;
	tcp_output_mark(t, c);
	return true;
}

void tcp_conn_input(struct tcp_stack *t, struct tcp_conn *c, struct tcp_seg *s)
{
	/* RFC 9293 §3.10.7.4: in TIME-WAIT only the peer's FIN can come again;
	 * it is acknowledged (below) and restarts the 2 MSL timeout. */
	if (c->state == TCP_TIME_WAIT && (s->flags & RTE_TCP_FIN_FLAG))
		tcp_timer_arm_tw(t, c);
	if (c->state == TCP_TIME_WAIT && (s->flags & RTE_TCP_SYN_FLAG) &&
	    !(s->flags & RTE_TCP_ACK_FLAG) && seq_gt(s->seq, c->rcv_nxt)) {
		tcp_conn_release(t, c); /* RFC 9293 §3.6.1: a new incarnation */
		return;
	}
	if (c->state == TCP_SYN_RCVD && (s->flags & RTE_TCP_SYN_FLAG) &&
	    !(s->flags & RTE_TCP_ACK_FLAG) && s->seq == c->irs) {
		/* our SYN-ACK was lost: the client repeats its SYN */
		tcp_send_ctl(t, c, c->iss, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
		c->synack_resent = true; /* Karn: the handshake is no RTT sample */
		return;
	}
	/* Windows in anything but a SYN are scaled (RFC 7323 §2.3). */
	if (!(s->flags & RTE_TCP_SYN_FLAG))
		s->wnd <<= c->snd_wscale;
	if (paws_reject(t, c, s))
		return;
	if (!seq_acceptable(t, c, s)) {
		t->stats->tcp_drop_out_of_window++;
		/* RFC 5961 §4.2: a SYN, whatever its sequence number, gets a
		 * (rate-limited) challenge ACK */
		if ((s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_SYN_FLAG) {
			tcp_challenge_ack(t, c);
		} else if (!(s->flags & RTE_TCP_RST_FLAG)) {
			/* RFC 2883 §4 (1): old data arrived again */
			if (s->data_len != 0 && seq_leq(s->seq + s->data_len, c->rcv_nxt))
				tcp_dsack_note(t, c, s->seq, s->seq + s->data_len);
			c->ack_now = true;
			tcp_output_mark(t, c);
		}
		return;
	}
	/* the peer is alive: the keepalive idle clock restarts (lazily: the
	 * wheel entry fires at the old deadline and re-arms) */
	c->last_rx_us = t->now_us;
	c->ka_probes = 0;
	/* RFC 7323 §4.3 (2): remember the TSval of a segment that covers the
	 * left edge of what we acknowledged. */
	if (c->ts_ok && s->opt.ts && !ts_lt(s->opt.tsval, c->ts_recent) &&
	    seq_leq(s->seq, c->last_ack_sent)) {
		c->ts_recent = s->opt.tsval;
		c->ts_recent_us = t->now_us;
	}
	if ((s->flags & RTE_TCP_RST_FLAG) && !rst_input(t, c, s))
		return;
	if (s->flags & RTE_TCP_RST_FLAG)
		return;
	if (s->flags & RTE_TCP_SYN_FLAG) {
		tcp_challenge_ack(t, c); /* RFC 5961 §4.2 */
		return;
	}
	if (!(s->flags & RTE_TCP_ACK_FLAG))
		return;
	if (!ack_input(t, c, s))
		return;
	text_input(t, c, s);
	fin_input(t, c, s);
	tcp_rmem_charge(t, c); /* data in, or the FIN: nothing more may come */
}

/* Is anything listening on our address? (CONFIG SET bind, read at once:
 * a client told OK connects to the new set whichever worker its SYN hits.) */
static inline bool tcp_listening(const struct tcp_stack *t)
{
	return t->bind_open == NULL ||
	       atomic_load_explicit(t->bind_open, memory_order_relaxed) != 0;
}

/* A segment of this worker's: its connection, LISTEN, or a RST. With
 * @p may_hand_off, a flow another worker owns goes there instead. */
static void input_segment(struct tcp_stack *t, struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
			  bool may_hand_off)
{
	struct rte_tcp_hdr *th;
	struct tcp_seg s;
	if (!parse_segment(m, ip, &s, &th)) {
		t->stats->rx_dropped++;
		t->stats->tcp_drop_malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	struct tcp_conn *c = tcp_flow_lookup(t, ip->src_addr, th->src_port, th->dst_port);
	int owner = -1;
	if (c == NULL && th->dst_port == t->lport && tcp_listening(t)) {
		/* §4 of the issue: never a RST for a flow that lives elsewhere */
		if (may_hand_off)
			owner = tcp_owner_lookup(t, ip->src_addr, th->src_port);
		if (owner < 0 || owner == (int)t->self)
			owner = listen_input(t, ip, th, &s);
	} else if (c == NULL) {
		tcp_send_rst_for(t, ip, th, s.len);
	} else {
		tcp_conn_input(t, c, &s);
		/* a TIME_WAIT reincarnation was released above: open anew */
		if (c->state == TCP_FREE && (s.flags & RTE_TCP_SYN_FLAG) &&
		    !(s.flags & RTE_TCP_ACK_FLAG))
			owner = listen_input(t, ip, th, &s);
	}
	if (owner >= 0 && owner != (int)t->self && may_hand_off) {
		tcp_handoff(t, (uint32_t)owner, m);
		return;
	}
	rte_pktmbuf_free(m);
}

void tcp_input(void *arg, struct net_ctx *n, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	(void)n;
	input_segment(arg, m, ip, true);
}

/* A handed-off segment is never handed on: should its owner have let go of
 * the flow meanwhile, it is processed here like any segment of no flow. */
void tcp_input_owned(struct tcp_stack *t, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	input_segment(t, m, ip, false);
}
