/*
 * The out-of-order receive queue (RFC 9293 §3.10.7.4: segments beyond
 * RCV.NXT "may be held for later processing").
 *
 * Nothing is queued as packets: an early segment's bytes are copied straight
 * to where they will sit in the receive buffer once the gap before them
 * fills, and the connection remembers which islands of sequence space it
 * holds. The mbuf goes back to the pool at once, so a lossy peer cannot
 * drain the NIC's RX pool, and there is no per-segment allocation:
 *
 *   rcv.data:  [ in order, not consumed | gap | island 0 | gap | island 1 ]
 *              0                  rcv.len = RCV.NXT                ^ rcv.len + ooo_extent
 *
 * Islands are kept sorted and disjoint (an overlap or an adjacent segment
 * merges), at most TCP_OOO_RANGES of them; overlapping and duplicate bytes
 * are simply written again. When in-order data reaches an island, the
 * island's bytes are already in place: RCV.NXT and rcv.len jump over it.
 *
 * Bounds: an island must lie inside the receive window (so delivered data
 * never passes the query-buffer limit), and the spans of all connections'
 * islands together stay under the worker's ooo_limit, because a one-byte
 * segment far into the window would otherwise reserve the whole window.
 *
 * SACK blocks (RFC 2018 §4) come from the islands, the one that took the
 * most recent segment first.
 *
 * Context: the owning worker lcore.
 */
#include <string.h>

#include "tcp.h"

static void extent_set(struct tcp_stack *t, struct tcp_conn *c, uint32_t extent)
{
	t->ooo_bytes = t->ooo_bytes - c->ooo_extent + extent;
	c->ooo_extent = extent;
}

static uint32_t extent_of(const struct tcp_conn *c)
{
	return c->ooo_n != 0 ? c->ooo[c->ooo_n - 1].end - c->rcv_nxt : 0;
}

/* Merge [s, e) into the sorted island list; the caller checked there is
 * room (the range touches an island, or a slot is free). */
static void range_merge(struct tcp_conn *c, uint32_t s, uint32_t e)
{
	struct tcp_seq_range out[TCP_OOO_RANGES];
	uint32_t stamps[TCP_OOO_RANGES];
	unsigned n = 0;
	bool placed = false;
	for (unsigned i = 0; i < c->ooo_n; i++) {
		struct tcp_seq_range x = c->ooo[i];
		if (seq_lt(x.end, s)) { /* wholly before, not adjacent */
			stamps[n] = c->ooo_stamp[i];
			out[n++] = x;
		} else if (seq_gt(x.start, e)) { /* wholly after */
			if (!placed) {
				stamps[n] = ++c->ooo_clock;
				out[n++] = (struct tcp_seq_range){s, e};
				placed = true;
			}
			stamps[n] = c->ooo_stamp[i];
			out[n++] = x;
		} else { /* overlaps or touches: absorb */
			if (seq_lt(x.start, s))
				s = x.start;
			if (seq_gt(x.end, e))
				e = x.end;
		}
	}
	if (!placed) {
		stamps[n] = ++c->ooo_clock;
		out[n++] = (struct tcp_seq_range){s, e};
	}
	memcpy(c->ooo, out, n * sizeof(out[0]));
	memcpy(c->ooo_stamp, stamps, n * sizeof(stamps[0]));
	c->ooo_n = (uint8_t)n;
}

static bool touches_island(const struct tcp_conn *c, uint32_t s, uint32_t e)
{
	for (unsigned i = 0; i < c->ooo_n; i++)
		if (seq_leq(c->ooo[i].start, e) && seq_geq(c->ooo[i].end, s))
			return true;
	return false;
}

/*
 * Keep bytes [seq, seq + len) (seq > RCV.NXT, inside the window) and, with
 * @p fin, a FIN right after them. @return false if they were not kept.
 */
bool tcp_ooo_insert(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, const uint8_t *data,
		    uint32_t len, bool fin)
{
	if (c->ooo_fin) { /* nothing exists past the peer's FIN */
		if (seq_geq(seq, c->ooo_fin_seq))
			return len == 0 && fin && seq == c->ooo_fin_seq;
		if (seq_gt(seq + len, c->ooo_fin_seq))
			len = c->ooo_fin_seq - seq;
		fin = false;
	}
	if (len != 0) {
		uint32_t off = seq - c->rcv_nxt, e = seq + len;
		if (c->ooo_n == TCP_OOO_RANGES && !touches_island(c, seq, e)) {
			t->stats->tcp_ooo_dropped++;
			return false;
		}
		uint32_t extent = c->ooo_extent > off + len ? c->ooo_extent : off + len;
		if (t->ooo_bytes - c->ooo_extent + extent > t->ooo_limit ||
		    rw_buf_reserve(&c->rcv, extent) != 0) {
			t->stats->tcp_ooo_dropped++;
			return false;
		}
		memcpy(c->rcv.data + c->rcv.len + off, data, len);
		range_merge(c, seq, e);
		extent_set(t, c, extent_of(c));
		t->stats->tcp_ooo_segs++;
	}
	if (fin) {
		c->ooo_fin = true;
		c->ooo_fin_seq = seq + len;
	}
	return true;
}

/* RCV.NXT advanced: islands it reached become in-order data. */
void tcp_ooo_deliver(struct tcp_stack *t, struct tcp_conn *c)
{
	unsigned k = 0;
	while (k < c->ooo_n && seq_leq(c->ooo[k].start, c->rcv_nxt)) {
		if (seq_gt(c->ooo[k].end, c->rcv_nxt)) {
			c->rcv.len += c->ooo[k].end - c->rcv_nxt;
			c->rcv_nxt = c->ooo[k].end;
		}
		k++;
	}
	if (k != 0) {
		c->ooo_n = (uint8_t)(c->ooo_n - k);
		memmove(c->ooo, c->ooo + k, c->ooo_n * sizeof(c->ooo[0]));
		memmove(c->ooo_stamp, c->ooo_stamp + k, c->ooo_n * sizeof(c->ooo_stamp[0]));
	}
	extent_set(t, c, extent_of(c));
}

unsigned tcp_ooo_sack_blocks(const struct tcp_conn *c, struct tcp_seq_range *out, unsigned max)
{
	bool used[TCP_OOO_RANGES] = {false};
	unsigned n = 0;
	while (n < max && n < c->ooo_n) {
		unsigned best = TCP_OOO_RANGES;
		for (unsigned i = 0; i < c->ooo_n; i++)
			if (!used[i] && (best == TCP_OOO_RANGES ||
					 (int32_t)(c->ooo_stamp[i] - c->ooo_stamp[best]) > 0))
				best = i;
		used[best] = true;
		out[n++] = c->ooo[best];
	}
	return n;
}

void tcp_ooo_dsack(struct tcp_stack *t, struct tcp_conn *c, uint32_t s, uint32_t e)
{
	for (unsigned i = 0; i < c->ooo_n; i++) {
		uint32_t a = c->ooo[i].start, b = c->ooo[i].end;
		if (seq_lt(a, e) && seq_gt(b, s)) {
			tcp_dsack_note(t, c, seq_gt(a, s) ? a : s, seq_lt(b, e) ? b : e);
			return;
		}
	}
}

/*
 * One D-SACK block per ACK (RFC 2883 §4), and ACKs leave at the end of the
 * loop iteration: several duplicates in one RX burst (the retransmissions
 * a sender sent in vain after a spurious timeout or a tail loss probe)
 * would be reported as the last one alone. A sender such as Linux undoes
 * its window reduction only once every retransmission of the episode has
 * been reported as a duplicate, so a duplicate adjoining the pending block
 * extends it (one block covers both), and any other first sends the ACK
 * that reports the pending one.
 */
void tcp_dsack_note(struct tcp_stack *t, struct tcp_conn *c, uint32_t s, uint32_t e)
{
	if (!c->sack_ok || !seq_lt(s, e))
		return;
	if (c->dsack_on) {
		if (seq_leq(s, c->dsack.end) && seq_geq(e, c->dsack.start)) {
			if (seq_lt(s, c->dsack.start))
				c->dsack.start = s;
			if (seq_gt(e, c->dsack.end))
				c->dsack.end = e;
			return;
		}
		tcp_ack_owed_send(t, c);
	}
	c->dsack_on = true;
	c->dsack = (struct tcp_seq_range){s, e};
}

/*
 * RFC 5681 §4.2: a segment arriving out of order SHOULD get an immediate
 * duplicate ACK, one per segment. ACKs leave at the end of the loop
 * iteration, so a burst holding several would get one: a peer without SACK
 * counts duplicate ACKs to find the loss (three for fast retransmit, §3.2)
 * and, in recovery, to know how many segments left the network, so the ACK
 * owed for the previous segment goes now. With SACK the blocks carry the
 * same news: one ACK serves the burst while its blocks can still report
 * every island changed since the last ACK (RFC 2018 §4: the most recent
 * first; beyond the three or four that fit, the oldest change would never
 * be reported).
 */
void tcp_ack_before_ooo(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	if (!c->ack_now && !c->dsack_on)
		return;
	if (!c->sack_ok) {
		tcp_ack_owed_send(t, c);
		return;
	}
	unsigned cap = (c->ts_ok ? 3u : 4u) - c->dsack_on, news = 0;
	for (unsigned i = 0; i < c->ooo_n; i++) {
		if ((int32_t)(c->ooo_stamp[i] - c->ooo_acked_clock) <= 0)
			continue;
		if (seq_leq(c->ooo[i].start, end) && seq_geq(c->ooo[i].end, seq))
			return; /* it grows an island the next ACK reports anyway */
		news++;
	}
	if (news >= cap)
		tcp_ack_owed_send(t, c);
}

void tcp_ooo_clear(struct tcp_stack *t, struct tcp_conn *c)
{
	extent_set(t, c, 0);
	c->ooo_n = 0;
	c->ooo_fin = false;
}

/* The application took @p n bytes: the islands move down with the rest. */
void tcp_ooo_consume(struct tcp_conn *c, size_t n)
{
	if (c->ooo_extent == 0) {
		rw_buf_consume(&c->rcv, n);
		return;
	}
	if (n > c->rcv.len)
		n = c->rcv.len;
	memmove(c->rcv.data, c->rcv.data + n, c->rcv.len + c->ooo_extent - n);
	c->rcv.len -= n;
}
