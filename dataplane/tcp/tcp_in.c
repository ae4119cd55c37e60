/*
 * TCP input: RFC 9293 §3.10.7 "SEGMENT ARRIVES" for a passive-open server.
 *
 * Order of checks for a synchronized connection follows the RFC: sequence
 * acceptability, RST (RFC 5961 §3), SYN (RFC 5961 §4: challenge ACK), ACK
 * (RFC 5961 §5 window, RFC 5681 duplicate ACKs), segment text, FIN.
 */
#include <rte_tcp.h>

#include "tcp.h"

/* A parsed segment; seq/ack in host order, len counts SYN and FIN. */
struct seg {
	uint32_t seq, ack, len;
	uint16_t wnd;
	uint8_t flags;
	uint16_t mss; /* 0: no MSS option */
	const uint8_t *data;
	uint32_t data_len;
};

/* One's-complement sum of pseudo-header and segment must be all ones. */
static bool cksum_ok(const struct rte_ipv4_hdr *ip, const void *l4, uint32_t l4_len)
{
	uint32_t sum = (uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(l4, l4_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static bool parse_segment(struct rte_mbuf *m, struct rte_ipv4_hdr *ip, struct seg *s,
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
	s->mss = 0;
	const uint8_t *o = (const uint8_t *)(th + 1), *end = (const uint8_t *)th + thl;
	while (o < end && *o != 0) { /* RFC 9293 §3.2 option list */
		if (*o == 1) {
			o++;
			continue;
		}
		if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
			break;
		if (o[0] == 2 && o[1] == 4)
			s->mss = (uint16_t)((o[2] << 8) | o[3]);
		o += o[1];
	}
	return true;
}

/* LISTEN state (§3.10.7.2): a SYN opens a connection in SYN-RECEIVED. */
static void listen_input(struct tcp_stack *t, struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *th,
			 const struct seg *s)
{
	if (s->flags & RTE_TCP_RST_FLAG)
		return;
	if ((s->flags & RTE_TCP_ACK_FLAG) || !(s->flags & RTE_TCP_SYN_FLAG)) {
		tcp_send_rst_for(t, ip, th, s->len);
		return;
	}
	struct tcp_conn *c = tcp_conn_alloc(t, ip->src_addr, th->src_port);
	if (c == NULL)
		return; /* pool full: drop, the client retries (SYN cookies: #3) */
	c->state = TCP_SYN_RCVD;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	uint16_t peer_mss = s->mss ? s->mss : 536;
	c->mss = peer_mss < t->mss_local ? peer_mss : t->mss_local;
	c->cwnd = 10u * c->mss; /* RFC 6928 initial window */
	c->ssthresh = UINT32_MAX;
	tcp_send_ctl(t, c, c->iss, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_timer_arm_rto(t, c);
}

static bool seq_acceptable(const struct tcp_stack *t, const struct tcp_conn *c, const struct seg *s)
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

/* RFC 5961 §7: at most one challenge ACK per connection per 10 ms... and
 * the global limit arrives with the TCP issue. */
static void challenge_ack(struct tcp_stack *t, struct tcp_conn *c)
{
	uint64_t now_ms = t->now_us / 1000;
	if (now_ms - c->challenge_ms < 10)
		return;
	c->challenge_ms = now_ms;
	tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_ACK_FLAG);
}

static void notify_reset(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->app != NULL && t->app->reset != NULL)
		t->app->reset(t->app_arg, c);
	tcp_conn_release(t, c);
}

/* @return false if the connection was released. */
static bool rst_input(struct tcp_stack *t, struct tcp_conn *c, const struct seg *s)
{
	if (s->seq == c->rcv_nxt) {
		notify_reset(t, c);
		return false;
	}
	challenge_ack(t, c); /* RFC 5961 §3.2: in window but not exact */
	return true;
}

static void rtt_on_ack(struct tcp_stack *t, struct tcp_conn *c, uint32_t ack)
{
	/* Karn: only time segments never retransmitted (timing is cancelled
	 * when the timer fires), sampled when their ACK arrives. */
	if (c->rtt_timing && seq_gt(ack, c->rtt_seq)) {
		tcp_rtt_sample(c, (uint32_t)(t->now_us - c->rtt_start_us));
		c->rtt_timing = false;
	}
}

/* Growth stops here: without window scaling the peer never offers more
 * than 64 KB, and an unbounded cwnd wraps after ~4 GB of loss-free data. */
#define TCP_CWND_MAX (1u << 30)

static void cwnd_grow(struct tcp_conn *c, uint32_t by)
{
	c->cwnd = c->cwnd > TCP_CWND_MAX - by ? TCP_CWND_MAX : c->cwnd + by;
}

/* RFC 5681 §3.1: slow start below ssthresh, then about one MSS per RTT. */
static void cwnd_on_new_ack(struct tcp_conn *c, uint32_t acked)
{
	if (c->in_recovery) {
		c->cwnd = c->ssthresh;
		c->in_recovery = false;
		return;
	}
	if (c->cwnd < c->ssthresh)
		cwnd_grow(c, acked < c->mss ? acked : c->mss);
	else
		cwnd_grow(c, (c->mss * c->mss) / (c->cwnd ? c->cwnd : 1) + 1);
}

/* RFC 5681 §3.2: the third duplicate ACK retransmits the first unacknowledged
 * segment and halves the window. */
static void dupack_input(struct tcp_stack *t, struct tcp_conn *c)
{
	if (++c->dupacks == 3 && !c->in_recovery) {
		uint32_t flight = c->snd_max - c->snd_una;
		c->ssthresh = flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss;
		c->cwnd = c->ssthresh + 3u * c->mss;
		c->in_recovery = true;
		c->recover = c->snd_max;
		c->rtt_timing = false;
		uint32_t saved = c->snd_nxt;
		c->snd_nxt = c->snd_una;
		uint32_t cw = c->cwnd;
		c->cwnd = c->mss; /* send exactly one segment */
		tcp_output_mark(t, c);
		tcp_output_flush(t);
		c->cwnd = cw;
		if (seq_gt(saved, c->snd_nxt))
			c->snd_nxt = saved;
	} else if (c->in_recovery) {
		cwnd_grow(c, c->mss);
		tcp_output_mark(t, c);
	}
}

static void ack_advance(struct tcp_stack *t, struct tcp_conn *c, uint32_t ack)
{
	uint32_t acked = ack - c->snd_una;
	uint32_t data_acked = acked;
	if (c->fin_queued && seq_gt(ack, c->fin_seq))
		data_acked--; /* our FIN occupies one sequence number */
	rtt_on_ack(t, c, ack);
	cwnd_on_new_ack(c, acked);
	c->snd_off += data_acked;
	c->snd_una = ack;
	if (seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	if (c->snd_off >= c->snd.len) {
		c->snd.len = 0;
		c->snd_off = 0;
	} else if (c->snd_off > 65536 && c->snd_off * 2 > c->snd.len) {
		rw_buf_consume(&c->snd, c->snd_off);
		c->snd_off = 0;
	}
	c->dupacks = 0;
	c->retries = 0;
	c->rto_deadline_us = 0; /* RFC 6298 §5.3: restart for what is still out */
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
static bool ack_input(struct tcp_stack *t, struct tcp_conn *c, const struct seg *s)
{
	if (c->state == TCP_SYN_RCVD) {
		if (!(seq_gt(s->ack, c->snd_una) && seq_leq(s->ack, c->snd_nxt))) {
			tcp_send_ctl(t, c, s->ack, RTE_TCP_RST_FLAG);
			return false;
		}
		c->state = TCP_ESTABLISHED;
		c->snd_una = s->ack;
		c->rto_deadline_us = 0;
		c->retries = 0;
		c->snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		t->stats->tcp_conns_opened++;
		t->stats->tcp_conns_current++;
		if (t->app->accepted != NULL)
			t->app->accepted(t->app_arg, c);
		return true;
	}
	if (seq_gt(s->ack, c->snd_max)) { /* acks something not yet sent */
		tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_ACK_FLAG);
		return false;
	}
	/* RFC 5961 §5.2: an ACK older than the window we could have sent. */
	if (seq_lt(s->ack, c->snd_una - 65535u)) {
		challenge_ack(t, c);
		return false;
	}
	bool wnd_changed = s->wnd != c->snd_wnd;
	if (seq_gt(s->ack, c->snd_una))
		ack_advance(t, c, s->ack);
	else if (s->ack == c->snd_una && s->data_len == 0 && !wnd_changed && s->wnd != 0 &&
		 !(s->flags & RTE_TCP_FIN_FLAG) && c->snd_una != c->snd_max)
		dupack_input(t, c); /* a zero window answers a probe: no loss signal */
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
		c->tw_deadline_us = t->now_us + (uint64_t)t->time_wait_ms * 1000u;
		return true;
	case TCP_CLOSING:
		c->state = TCP_TIME_WAIT;
		c->tw_deadline_us = t->now_us + (uint64_t)t->time_wait_ms * 1000u;
		return true;
	case TCP_LAST_ACK:
		tcp_conn_release(t, c);
		return false;
	default:
		return true;
	}
}

/* Trim what lies before rcv_nxt or beyond the window, then take in-order
 * text; anything after a gap is dropped and answered with a duplicate ACK. */
static void text_input(struct tcp_stack *t, struct tcp_conn *c, struct seg *s)
{
	if (s->data_len == 0)
		return;
	if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_1 && c->state != TCP_FIN_WAIT_2)
		return;
	uint32_t seq = s->seq + !!(s->flags & RTE_TCP_SYN_FLAG);
	if (seq_gt(seq, c->rcv_nxt)) {
		c->ack_now = true;
		s->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
		tcp_output_mark(t, c);
		return;
	}
	uint32_t skip = c->rcv_nxt - seq;
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
	if (rw_buf_append(&c->rcv, s->data + skip, len) != 0) {
		s->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
		return; /* no memory: not acknowledged, the peer retransmits */
	}
	c->rcv_nxt += len;
	c->ack_now = true;
	tcp_output_mark(t, c);
	if (c->app != NULL && t->app->readable != NULL)
		t->app->readable(t->app_arg, c);
}

static void fin_input(struct tcp_stack *t, struct tcp_conn *c, const struct seg *s)
{
	if (!(s->flags & RTE_TCP_FIN_FLAG) || s->seq + s->len - 1 != c->rcv_nxt)
		return;
	c->rcv_nxt++;
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
	if (c->state == TCP_TIME_WAIT)
		c->tw_deadline_us = t->now_us + (uint64_t)t->time_wait_ms * 1000u;
}

static void conn_input(struct tcp_stack *t, struct tcp_conn *c, struct seg *s)
{
	/* RFC 9293 §3.10.7.4: in TIME-WAIT only the peer's FIN can come again;
	 * it is acknowledged (below) and restarts the 2 MSL timeout. */
	if (c->state == TCP_TIME_WAIT && (s->flags & RTE_TCP_FIN_FLAG))
		c->tw_deadline_us = t->now_us + (uint64_t)t->time_wait_ms * 1000u;
	if (c->state == TCP_TIME_WAIT && (s->flags & RTE_TCP_SYN_FLAG) &&
	    !(s->flags & RTE_TCP_ACK_FLAG) && seq_gt(s->seq, c->rcv_nxt)) {
		tcp_conn_release(t, c); /* RFC 9293 §3.6.1: a new incarnation */
		return;
	}
	if (c->state == TCP_SYN_RCVD && (s->flags & RTE_TCP_SYN_FLAG) &&
	    !(s->flags & RTE_TCP_ACK_FLAG) && s->seq == c->irs) {
		/* our SYN-ACK was lost: the client repeats its SYN */
		tcp_send_ctl(t, c, c->iss, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
		return;
	}
	if (!seq_acceptable(t, c, s)) {
		if (!(s->flags & RTE_TCP_RST_FLAG)) {
			c->ack_now = true;
			tcp_output_mark(t, c);
		}
		return;
	}
	if ((s->flags & RTE_TCP_RST_FLAG) && !rst_input(t, c, s))
		return;
	if (s->flags & RTE_TCP_RST_FLAG)
		return;
	if (s->flags & RTE_TCP_SYN_FLAG) {
		challenge_ack(t, c); /* RFC 5961 §4.2 */
		return;
	}
	if (!(s->flags & RTE_TCP_ACK_FLAG))
		return;
	if (!ack_input(t, c, s))
		return;
	text_input(t, c, s);
	fin_input(t, c, s);
}

void tcp_input(void *arg, struct net_ctx *n, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	struct tcp_stack *t = arg;
	struct rte_tcp_hdr *th;
	struct seg s;
	(void)n;
	if (!parse_segment(m, ip, &s, &th)) {
		t->stats->rx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	struct tcp_conn *c = tcp_flow_lookup(t, ip->src_addr, th->src_port, th->dst_port);
	if (c == NULL && th->dst_port == t->lport)
		listen_input(t, ip, th, &s);
	else if (c == NULL)
		tcp_send_rst_for(t, ip, th, s.len);
	else {
		conn_input(t, c, &s);
		/* a TIME_WAIT reincarnation was released above: open anew */
		if (c->state == TCP_FREE && (s.flags & RTE_TCP_SYN_FLAG) &&
		    !(s.flags & RTE_TCP_ACK_FLAG))
			listen_input(t, ip, th, &s);
	}
	rte_pktmbuf_free(m);
}
