/*
 * TCP output: segment construction and the per-iteration flush.
 *
 * Replies leave at the end of each loop iteration, after every command of
 * the iteration ran, so a pipeline's replies share segments and an ACK
 * rides on the reply it acknowledges. Checksums go to the port when it
 * offers checksum offload, and new data leaves in TSO frames of up to
 * TCP_TSO_SEGS segments when it offers TSO (tx_cksum, send_new); else
 * everything is computed here.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_tcp.h>

#include "tcp.h"

/* Copy @p len payload bytes after what @p m holds, chaining more mbufs
 * when a TSO frame outgrows one. @return 0 or -ENOMEM. */
static int append_payload(struct net_ctx *n, struct rte_mbuf *m, const uint8_t *payload,
			  uint32_t len)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);
	while (len != 0) {
		uint32_t room = rte_pktmbuf_tailroom(last);
		if (room == 0) {
			struct rte_mbuf *seg = rte_pktmbuf_alloc(n->pool);
			if (seg == NULL)
				return -ENOMEM;
			seg->data_off = 0; /* no headers go in front of a continuation */
			last->next = seg;
			m->nb_segs++;
			last = seg;
			room = rte_pktmbuf_tailroom(seg);
		}
		uint32_t k = len < room ? len : room;
		memcpy(rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len), payload, k);
		last->data_len = (uint16_t)(last->data_len + k);
		m->pkt_len += k;
		payload += k;
		len -= k;
	}
	return 0;
}

/*
 * Checksums: offloaded when the port enabled it, with the metadata a NIC
 * reads (rte_mbuf_core.h): l2/l3/l4 lengths, TX_IPV4, the IP checksum
 * field zeroed, the TCP checksum field pre-filled with the pseudo-header
 * sum (without the length under TSO). Else computed here. @p tso_segsz
 * != 0 asks the port to cut the payload into segments of that size.
 */
static void tx_cksum(const struct net_ctx *n, struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
		     struct rte_tcp_hdr *th, uint16_t thl, uint16_t tso_segsz)
{
	uint64_t off = n->tx_offload, ol = 0;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(*ip);
	m->l4_len = thl;
	if (tso_segsz != 0) {
		/* TCP_SEG implies TCP_CKSUM (rte_mbuf_core.h), but a software
		 * segmenter (net_tap's GSO) checksums the segments only when
		 * TCP_CKSUM is there too. */
		ol = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 |
		     RTE_MBUF_F_TX_IP_CKSUM;
		m->tso_segsz = tso_segsz;
	} else {
		if (off & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
			ol |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		if (off & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
			ol |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	}
	m->ol_flags |= ol;
	ip->hdr_checksum = (ol & RTE_MBUF_F_TX_IP_CKSUM) ? 0 : rte_ipv4_cksum(ip);
	if (ol & (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM))
		th->cksum = rte_ipv4_phdr_cksum(ip, ol);
	else if (m->nb_segs == 1)
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	else /* a jumbo frame spilling into a second mbuf */
		th->cksum = (uint16_t)~eth_ipv4_l4_sum(m, ip, sizeof(*ip));
}

/* Build and send one segment (or one TSO frame when @p tso_segsz != 0);
 * @p payload may be NULL. */
static void send_segment(struct tcp_stack *t, uint32_t rip, uint16_t rport, uint16_t lport,
			 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
			 const uint8_t *opt, uint16_t opt_len, const uint8_t *payload, uint32_t len,
			 uint16_t tso_segsz)
{
	struct net_ctx *n = t->net;
	struct rte_mbuf *m = net_alloc(n);
	if (m == NULL) {
		n->stats->tx_dropped++;
		return;
	}
	uint16_t hlen =
	    (uint16_t)(sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr) + opt_len);
	uint32_t first = len;
	if (hlen + first > rte_pktmbuf_tailroom(m))
		first = rte_pktmbuf_tailroom(m) - hlen;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hlen + first));
	if (p == NULL || (len > first && append_payload(n, m, payload + first, len - first) != 0)) {
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
	if (opt_len != 0)
		memcpy(th + 1, opt, opt_len);
	if (first != 0)
		memcpy((uint8_t *)th + sizeof(*th) + opt_len, payload, first);
	tx_cksum(n, m, ip, th, (uint16_t)(sizeof(*th) + opt_len), tso_segsz);
	net_ip_output(n, m, rip);
}

void tcp_send_raw(struct tcp_stack *t, uint32_t rip, uint16_t rport, uint16_t lport, uint32_t seq,
		  uint32_t ack, uint8_t flags, uint16_t wnd, const struct tcp_opts *o)
{
	uint8_t opt[TCP_OPT_MAX];
	uint16_t opt_len = o != NULL ? (uint16_t)tcp_opts_write(opt, o) : 0;
	send_segment(t, rip, rport, lport, seq, ack, flags, wnd, opt, opt_len, NULL, 0, 0);
}

/* A segment of connection @p c, with the options it has negotiated; a
 * payload longer than one segment's goes out as one TSO frame. */
static void conn_segment(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint8_t flags,
			 const uint8_t *payload, uint32_t len)
{
	struct tcp_opts o;
	uint8_t opt[TCP_OPT_MAX];
	tcp_opts_for(t, c, flags, &o);
	uint16_t opt_len = (uint16_t)tcp_opts_write(opt, &o);
	uint32_t ack = (flags & RTE_TCP_ACK_FLAG) ? c->rcv_nxt : 0;
	uint16_t pmax = tcp_payload_max(t, c);
	send_segment(t, c->rip, c->rport, c->lport, seq, ack, flags, tcp_rcv_wnd_field(t, c, flags),
		     opt, opt_len, payload, len, len > pmax ? pmax : 0);
	if (o.n_sack != 0)
		c->dsack_on = false; /* reported once (RFC 2883 §4) */
	if (flags & RTE_TCP_ACK_FLAG) {
		c->ack_now = false;
		c->last_ack_sent = ack;
		c->ooo_acked_clock = c->ooo_clock;
	}
}

void tcp_ack_owed_send(struct tcp_stack *t, struct tcp_conn *c)
{
	/* conn_output sends no pure ACK before the handshake completes */
	if ((c->ack_now || c->dsack_on) && c->state != TCP_SYN_RCVD && c->state != TCP_FREE)
		tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_ACK_FLAG);
}

void tcp_send_ctl(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint8_t flags)
{
	conn_segment(t, c, seq, flags, NULL, 0);
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
			     rte_be_to_cpu_32(th->recv_ack), 0, RTE_TCP_RST_FLAG, 0, NULL, 0, NULL,
			     0, 0);
	else
		send_segment(t, ip->src_addr, th->src_port, th->dst_port, 0,
			     rte_be_to_cpu_32(th->sent_seq) + seg_len,
			     RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, NULL, 0, NULL, 0, 0);
	t->stats->tcp_rst_sent++;
}

uint32_t tcp_data_end(const struct tcp_conn *c)
{
	return c->snd_una + (uint32_t)(c->snd.len - c->snd_off);
}

/* RFC 9293 §3.7.1: the MSS counts data only, so options come out of it. */
uint16_t tcp_payload_max(const struct tcp_stack *t, const struct tcp_conn *c)
{
	(void)t;
	uint32_t opt = c->ts_ok ? 12u : 0u;
	if (c->sack_ok && (c->ooo_n != 0 || c->dsack_on)) {
		unsigned n = c->ooo_n + c->dsack_on, max = c->ts_ok ? 3u : 4u;
		n = n < max ? n : max;
		opt += 4u + 8u * n;
	}
	return (uint16_t)(c->mss > opt + 64u ? c->mss - opt : 64u);
}

void tcp_send_data(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	const uint8_t *p = c->snd.data + c->snd_off + (seq - c->snd_una);
	conn_segment(t, c, seq, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, p, len);
	if (c->sack_ok) {
		tcp_rack_sent(t, c, seq, len, tcp_payload_max(t, c));
		if (c->in_recovery)
			c->prr_out += len; /* RFC 6937 prr_out */
	}
	if (seq_lt(seq, c->snd_max)) {
		t->stats->tcp_retransmits++;
	} else if (!c->rtt_timing) {
		c->rtt_timing = true;
		c->rtt_seq = seq;
		c->rtt_start_us = t->now_us;
	}
}

uint32_t tcp_output_rexmit(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint32_t room)
{
	uint32_t end = tcp_data_end(c);
	if (!seq_lt(seq, end)) {
		/* only our FIN is outstanding there: resend it */
		if (c->fin_queued && seq == c->fin_seq && seq_gt(c->snd_max, c->fin_seq)) {
			tcp_send_ctl(t, c, seq, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
			t->stats->tcp_retransmits++;
		}
		return 0;
	}
	uint32_t len = end - seq;
	uint32_t pmax = tcp_payload_max(t, c);
	if (len > pmax)
		len = pmax;
	if (len > room)
		len = room;
	if (seq_lt(seq, c->snd_max) && len > c->snd_max - seq)
		len = c->snd_max - seq;
	tcp_send_data(t, c, seq, (uint16_t)len);
	return len;
}

static bool fin_may_go(const struct tcp_conn *c)
{
	return c->fin_queued && c->snd_nxt == c->fin_seq &&
	       (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
		c->state == TCP_FIN_WAIT_1 || c->state == TCP_LAST_ACK || c->state == TCP_CLOSING);
}

/* Payload of one TSO frame: TCP_TSO_SEGS segments, within the 16-bit IP
 * total length. */
#define TCP_TSO_SEGS	  16u
#define TCP_TSO_MAX_BYTES 64000u

/* New data at SND.NXT, at most @p limit - SND.NXT and one segment, or one
 * TSO frame of several when the port segments. @return false if nothing
 * went: no memory for the segments' records (tcp_rack.c). */
static bool send_new(struct tcp_stack *t, struct tcp_conn *c, uint32_t end, uint32_t limit,
		     uint32_t room)
{
	uint32_t len = end - c->snd_nxt;
	uint32_t pmax = tcp_payload_max(t, c);
	if (t->net->tx_offload & RTE_ETH_TX_OFFLOAD_TCP_TSO)
		pmax = pmax * TCP_TSO_SEGS < TCP_TSO_MAX_BYTES ? pmax * TCP_TSO_SEGS
							       : TCP_TSO_MAX_BYTES;
	if (len > pmax)
		len = pmax;
	if (len > limit - c->snd_nxt)
		len = limit - c->snd_nxt;
	if (len > room)
		len = room;
	uint32_t seg = tcp_payload_max(t, c);
	if (c->sack_ok && !tcp_rack_room(c, (len + seg - 1) / seg))
		return false;
	tcp_send_data(t, c, c->snd_nxt, len);
	c->snd_nxt += len;
	if (seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	return true;
}

/*
 * RFC 6675 §4 NextSeg() rule 4, rescue retransmission: once per episode,
 * when nothing lost is left to resend and no new data may go, resend the
 * segment holding the highest unSACKed sequence number, so a loss at the
 * tail of the flight (nothing above it to SACK) does not wait for the RTO.
 * When the tail is SACKed the highest unSACKed byte lies in a hole, and
 * when RACK (tcp_rack.c) found the tail lost it went as such: nothing is
 * sent here then.
 */
static void sack_rescue(struct tcp_stack *t, struct tcp_conn *c)
{
	uint32_t top = c->snd_max;
	if (c->rescue_sent || !c->in_recovery || tcp_sack_high(c) == top ||
	    (seq_leq(top, tcp_data_end(c)) && tcp_rack_tail_resent(c)))
		return;
	c->rescue_sent = true;
	uint32_t data_end = tcp_data_end(c);
	if (seq_gt(top, data_end)) { /* our FIN is the highest unSACKed */
		tcp_output_rexmit(t, c, c->fin_seq, UINT32_MAX);
		return;
	}
	uint32_t len = top - c->snd_una, smss = tcp_smss(c);
	if (len > smss)
		len = smss;
	t->stats->tcp_sack_rexmits++;
	tcp_output_rexmit(t, c, top - len, len);
}

/*
 * Loss recovery with SACK, fast (RFC 6675 §5) or after a timeout (RFC 5681
 * §3.1 slow start from one SMSS, RFC 6675 §5.1): while cwnd - pipe >= 1
 * SMSS, resend the lowest segment RACK or DupThresh marked lost (NextSeg()
 * rule 1 with RACK as IsLost(), RFC 8985 §6), else new data (rule 2), else
 * the rescue retransmission (rule 4); bounded per call like every loop of
 * the worker. pipe counts a lost segment's retransmission until RACK finds
 * it lost too, when it goes again (tcp_rack.c).
 */
static void sack_recovery_output(struct tcp_stack *t, struct tcp_conn *c, uint32_t end)
{
	uint32_t smss = tcp_smss(c);
	for (unsigned i = 0; i < 64; i++) {
		uint32_t pipe = tcp_rack_pipe(c);
		if (pipe >= c->cwnd || c->cwnd - pipe < smss)
			break;
		uint32_t seq, len;
		if (tcp_rack_next_lost(c, &seq, &len)) {
			if (tcp_output_rexmit(t, c, seq, len) == 0)
				break;
			t->stats->tcp_sack_rexmits++;
			continue;
		}
		if (c->fin_lost) { /* the timeout found our FIN outstanding */
			c->fin_lost = false;
			tcp_output_rexmit(t, c, c->fin_seq, UINT32_MAX);
			continue;
		}
		uint32_t limit = c->snd_una + c->snd_wnd;
		if (!seq_lt(c->snd_nxt, end) || !seq_lt(c->snd_nxt, limit)) {
			sack_rescue(t, c);
			break;
		}
		/* a TSO frame within cwnd too */
		if (!send_new(t, c, end, limit, c->cwnd - pipe))
			break;
	}
}

uint32_t tcp_output_new_one(struct tcp_stack *t, struct tcp_conn *c)
{
	uint32_t end = tcp_data_end(c), limit = c->snd_una + c->snd_wnd;
	if (c->snd_nxt != c->snd_max || !seq_lt(c->snd_nxt, end) || !seq_lt(c->snd_nxt, limit))
		return 0;
	uint32_t before = c->snd_nxt;
	if (!send_new(t, c, end, limit, tcp_smss(c)))
		return 0;
	return c->snd_nxt - before;
}

/*
 * Send what the windows allow: new data, or go-back-N retransmission that
 * skips SACKed ranges (RFC 6675 §5.1); RFC 3042 lets the first two
 * duplicate ACKs each send one segment beyond cwnd. When cwnd (not the
 * peer's window) leaves room for less than a full segment while more data
 * waits, nothing goes until an ACK arrives (cwnd counts in SMSS, RFC 5681
 * §2, as Linux counts it in packets): a window of n SMSS goes out as n
 * full segments, never as full segments plus a runt.
 */
static void window_output(struct tcp_stack *t, struct tcp_conn *c, uint32_t end)
{
	uint32_t cwnd = c->cwnd, smss = tcp_smss(c);
	bool limited = !c->in_recovery && c->dupacks > 0 && c->dupacks < 3;
	if (limited)
		cwnd += (uint32_t)c->dupacks * smss;
	/* SACKed bytes have left the network (RFC 6675 pipe): they do not
	 * count against cwnd, though the peer's window is sequence space.
	 * Not during limited transmit: one segment per duplicate (RFC 3042). */
	else if (c->sack_n != 0)
		cwnd += tcp_sack_bytes(c);
	uint32_t wnd = c->snd_wnd < cwnd ? c->snd_wnd : cwnd;
	uint32_t limit = c->snd_una + wnd;
	while (seq_lt(c->snd_nxt, end) && seq_lt(c->snd_nxt, limit)) {
		uint32_t room = UINT32_MAX;
		if (c->sack_n != 0 && seq_lt(c->snd_nxt, c->snd_max)) {
			tcp_sack_skip(c, &c->snd_nxt, &room);
			if (!seq_lt(c->snd_nxt, end) || !seq_lt(c->snd_nxt, limit))
				break;
		}
		uint32_t avail = limit - c->snd_nxt;
		if (cwnd < c->snd_wnd && avail < smss && avail < end - c->snd_nxt && avail < room &&
		    c->snd_una != c->snd_max)
			break;
		if (limited && seq_geq(c->snd_nxt, c->snd_max) &&
		    seq_geq(c->snd_nxt, c->snd_una + c->cwnd))
			t->stats->tcp_limited_transmits++;
		if (!send_new(t, c, end, limit, room))
			break;
	}
}

/* Send what the windows allow, our FIN once all data went, and a pure ACK
 * if one is still owed. */
static void conn_output(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->state == TCP_SYN_RCVD || c->state == TCP_FREE || c->state == TCP_TIME_WAIT) {
		if (c->ack_now && c->state == TCP_TIME_WAIT)
			tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_ACK_FLAG);
		return;
	}
	/* A peer that does not read while replies pile up: past the cap the
	 * connection is reset (as Redis's client-output-buffer-limit closes
	 * such a client), so one client cannot take the worker's memory. */
	if (t->snd_limit != 0 && c->snd.len - c->snd_off > t->snd_limit) {
		t->stats->tcp_drop_output_limit++;
		tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
		tcp_conn_reset(t, c);
		return;
	}
	uint32_t end = tcp_data_end(c), max_before = c->snd_max;
	/* with SACK, recovery after a timeout too: RACK keeps finding lost
	 * retransmissions until SND.UNA passes `recover` */
	if (c->sack_ok && (c->in_recovery || !tcp_cc_open(c)))
		sack_recovery_output(t, c, end);
	else
		window_output(t, c, end);
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
	/* RFC 8985 §7.2: the PTO restarts after new data went (an ACK of new
	 * data stopped it, tcp_in.c) */
	if (c->snd_max != max_before || c->tlp_deadline_us == 0)
		tcp_timer_arm_pto(t, c);
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
	if (seq_lt(c->snd_nxt, tcp_data_end(c))) {
		tcp_send_data(t, c, c->snd_nxt, 1);
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
	c->fin_seq = tcp_data_end(c);
	tcp_output_mark(t, c);
}

void tcp_abort(struct tcp_stack *t, struct tcp_conn *c)
{
	c->app = NULL;
	tcp_send_ctl(t, c, c->snd_nxt, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	tcp_conn_release(t, c);
}
