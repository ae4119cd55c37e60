/*
 * TCP output: segment construction and the per-iteration flush.
 *
 * Replies leave at the end of each loop iteration, after every command of
 * the iteration ran, so a pipeline's replies share segments and an ACK
 * rides on the reply it acknowledges. Checksums are computed in software
 * (offloads are negotiated in the TCP issue).
 */
#include <string.h>

#include <rte_tcp.h>

#include "tcp.h"

#define TCP_OPT_MSS_LEN 4

uint16_t tcp_rcv_window(const struct tcp_stack *t, const struct tcp_conn *c)
{
	uint32_t used = (uint32_t)c->rcv.len;
	uint32_t room = used >= t->rcv_limit ? 0 : t->rcv_limit - used;
	return (uint16_t)(room > 65535 ? 65535 : room);
}

/* Build and send one segment; @p payload may be NULL. */
static void send_segment(struct tcp_stack *t, uint32_t rip, uint16_t rport, uint16_t lport,
			 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd, uint16_t mss_opt,
			 const uint8_t *payload, uint16_t len)
{
	struct net_ctx *n = t->net;
	struct rte_mbuf *m = net_alloc(n);
	if (m == NULL) {
		n->stats->tx_dropped++;
		return;
	}
	uint16_t opt_len = mss_opt ? TCP_OPT_MSS_LEN : 0;
	uint16_t hlen =
	    (uint16_t)(sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr) + opt_len);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hlen + len));
	if (p == NULL) {
		n->stats->tx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	*ip = (struct rte_ipv4_hdr){
	    .version_ihl = RTE_IPV4_VHL_DEF,
	    .total_length = rte_cpu_to_be_16((uint16_t)(hlen + len)),
	    .fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG),
	    .time_to_live = 64,
	    .next_proto_id = IPPROTO_TCP,
	    .src_addr = n->nif->ip,
	    .dst_addr = rip,
	};
	*th = (struct rte_tcp_hdr){
	    .src_port = lport,
	    .dst_port = rport,
	    .sent_seq = rte_cpu_to_be_32(seq),
	    .recv_ack = rte_cpu_to_be_32(ack),
	    .data_off = (uint8_t)(((sizeof(*th) + opt_len) / 4) << 4),
	    .tcp_flags = flags,
	    .rx_win = rte_cpu_to_be_16(wnd),
	};
	if (mss_opt) {
		uint8_t *o = (uint8_t *)(th + 1);
		o[0] = 2; /* RFC 9293 §3.2: kind 2, length 4 */
		o[1] = 4;
		o[2] = (uint8_t)(mss_opt >> 8);
		o[3] = (uint8_t)mss_opt;
	}
	if (len != 0)
		memcpy((uint8_t *)th + sizeof(*th) + opt_len, payload, len);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	net_ip_output(n, m, rip);
}

void tcp_send_ctl(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint8_t flags)
{
	uint16_t mss = (flags & RTE_TCP_SYN_FLAG) ? t->mss_local : 0;
	uint32_t ack = (flags & RTE_TCP_ACK_FLAG) ? c->rcv_nxt : 0;
	send_segment(t, c->rip, c->rport, c->lport, seq, ack, flags, tcp_rcv_window(t, c), mss,
		     NULL, 0);
	if (flags & RTE_TCP_ACK_FLAG)
		c->ack_now = false;
	if (flags & RTE_TCP_RST_FLAG)
		t->stats->tcp_rst_sent++;
}

/* RFC 9293 §3.10.7.1: a segment for no connection gets a RST that the
 * sender will accept; a RST is never answered. */
void tcp_send_rst_for(struct tcp_stack *t, const struct rte_ipv4_hdr *ip,
		      const struct rte_tcp_hdr *th, uint32_t seg_len)
{
	if (th->tcp_flags & RTE_TCP_RST_FLAG)
		return;
	if (th->tcp_flags & RTE_TCP_ACK_FLAG)
		send_segment(t, ip->src_addr, th->src_port, th->dst_port,
			     rte_be_to_cpu_32(th->recv_ack), 0, RTE_TCP_RST_FLAG, 0, 0, NULL, 0);
	else
		send_segment(t, ip->src_addr, th->src_port, th->dst_port, 0,
			     rte_be_to_cpu_32(th->sent_seq) + seg_len,
			     RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, 0, NULL, 0);
	t->stats->tcp_rst_sent++;
}

static uint32_t data_end_seq(const struct tcp_conn *c)
{
	return c->snd_una + (uint32_t)(c->snd.len - c->snd_off);
}

static void send_data(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint16_t len)
{
	const uint8_t *p = c->snd.data + c->snd_off + (seq - c->snd_una);
	send_segment(t, c->rip, c->rport, c->lport, seq, c->rcv_nxt,
		     RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, tcp_rcv_window(t, c), 0, p, len);
	c->ack_now = false;
	if (seq_lt(seq, c->snd_max)) {
		t->stats->tcp_retransmits++;
	} else if (!c->rtt_timing) {
		c->rtt_timing = true;
		c->rtt_seq = seq;
		c->rtt_start_us = t->now_us;
	}
}

static bool fin_may_go(const struct tcp_conn *c)
{
	return c->fin_queued && c->snd_nxt == c->fin_seq &&
	       (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
		c->state == TCP_FIN_WAIT_1 || c->state == TCP_LAST_ACK || c->state == TCP_CLOSING);
}

/* Send what the windows allow: new or go-back-N retransmitted data, our FIN
 * once all data went, and a pure ACK if one is still owed. */
static void conn_output(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->state == TCP_SYN_RCVD || c->state == TCP_FREE || c->state == TCP_TIME_WAIT) {
		if (c->ack_now && c->state == TCP_TIME_WAIT)
			tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_ACK_FLAG);
		return;
	}
	uint32_t end = data_end_seq(c);
	uint32_t wnd = c->snd_wnd < c->cwnd ? c->snd_wnd : c->cwnd;
	uint32_t limit = c->snd_una + wnd;
	while (seq_lt(c->snd_nxt, end) && seq_lt(c->snd_nxt, limit)) {
		uint32_t len = end - c->snd_nxt;
		if (len > c->mss)
			len = c->mss;
		if (len > limit - c->snd_nxt)
			len = limit - c->snd_nxt;
		send_data(t, c, c->snd_nxt, (uint16_t)len);
		c->snd_nxt += len;
	}
	if (fin_may_go(c)) {
		tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
		c->snd_nxt++;
		if (c->state == TCP_ESTABLISHED)
			c->state = TCP_FIN_WAIT_1;
		else if (c->state == TCP_CLOSE_WAIT)
			c->state = TCP_LAST_ACK;
	}
	if (c->ack_now)
		tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_ACK_FLAG);
	if (seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	/* Unacknowledged data or FIN, or data the peer's zero window holds back
	 * (the timer then probes it): keep the retransmission timer running. */
	if (c->rto_deadline_us == 0 && (c->snd_una != c->snd_max || seq_lt(c->snd_nxt, end)))
		tcp_timer_arm_rto(t, c);
}

void tcp_output_mark(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->on_out_list)
		return;
	c->on_out_list = true;
	c->out_next = t->out_head;
	t->out_head = c;
}

void tcp_output_flush(struct tcp_stack *t)
{
	struct tcp_conn *c = t->out_head;
	t->out_head = NULL;
	while (c != NULL) {
		struct tcp_conn *next = c->out_next;
		c->on_out_list = false;
		c->out_next = NULL;
		if (c->state != TCP_FREE)
			conn_output(t, c);
		c = next;
	}
}

/* Zero-window probe: one byte past the window, so the peer's ACK reports
 * when it opens again (RFC 9293 §3.8.6.1). */
void tcp_send_probe(struct tcp_stack *t, struct tcp_conn *c)
{
	if (seq_lt(c->snd_nxt, data_end_seq(c))) {
		send_data(t, c, c->snd_nxt, 1);
		c->snd_nxt++;
		if (seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
	}
}

void tcp_close(struct tcp_stack *t, struct tcp_conn *c)
{
	c->app = NULL;
	if (c->fin_queued)
		return;
	if (c->state == TCP_SYN_RCVD) {
		tcp_abort(t, c);
		return;
	}
	c->fin_queued = true;
	c->fin_seq = data_end_seq(c);
	tcp_output_mark(t, c);
}

void tcp_abort(struct tcp_stack *t, struct tcp_conn *c)
{
	c->app = NULL;
	tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	tcp_conn_release(t, c);
}
