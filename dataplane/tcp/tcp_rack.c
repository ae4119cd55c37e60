/*
 * The sender's per-segment record and RACK loss detection (RFC 8985 §6),
 * for connections that negotiated SACK.
 *
 * Every segment sent and not yet cumulatively acknowledged has a record:
 *
 *   seg[] (ring, sequence order)   [start, end) xmit_us  SACKED LOST RETRANS EVER
 *   log[] (ring, send-time order)  end, xmit_us: one entry per transmission
 *
 * tcp_send_data() reports every segment through tcp_rack_sent(): new data
 * appends records (one per segment of a TSO frame), a retransmission
 * stamps its record with the new time. The log is the time-ordered list
 * RFC 8985 §6.2 step 5 walks: an entry whose record was acknowledged,
 * SACKed, marked lost or sent again since is stale and leaves from the
 * head, so each transmission is looked at a bounded number of times.
 *
 * RACK: the most recently sent segment that was delivered (RACK.xmit_ts,
 * RACK.end_seq) and its RTT; a segment sent before it that is still not
 * delivered once RACK.rtt + reo_wnd passed since its own transmission is
 * lost (§6.2 step 5), whether an original or a retransmission (so a lost
 * retransmission is found without the RTO, §6.3). What is not yet
 * overdue arms the reordering timer (tcp_timer.c). The reordering window
 * is min_RTT / 4, or 0 in recovery and once DupThresh segments are SACKed
 * while no reordering was seen (§6.2 step 4; the D-SACK multiplier is not
 * kept: it stays 1).
 *
 * Recovery (tcp_cc.c, tcp_out.c) counts RFC 6675's pipe with RACK as the
 * IsLost() oracle, as Linux does:
 *     pipe = (SND.MAX - SND.UNA) - SACKed - lost + retransmitted
 * and NextSeg() is the lowest record marked lost and not yet resent.
 *
 * Memory: both rings grow by doubling, per connection, as the flight does
 * (24 + 16 bytes per segment in flight, from 8 entries); a ring that cannot
 * grow stops new data (tcp_rack_room) rather than send it untracked. A
 * released connection keeps rings of the first size for the next one
 * (tcp.c) and frees larger ones.
 *
 * Context: the owning worker lcore.
 */
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

#define TXS_SACKED  0x01u
#define TXS_LOST    0x02u
#define TXS_RETRANS 0x04u /* a retransmission is in flight */
#define TXS_EVER    0x08u /* retransmitted at least once (RFC 8985 Segment.retransmitted) */

#define TCP_DUPTHRESH 3u

/* A ring's first size: a request/response connection keeps a few segments
 * in flight, and 10,000 of them hold 320 bytes each of both rings. */
#define TCP_RACK_RING_MIN 8u

static struct tcp_txseg *seg_at(const struct tcp_txq *q, uint32_t i)
{
	return &q->seg[(q->seg_head + i) & (q->seg_cap - 1)];
}

static struct tcp_txlog *log_at(const struct tcp_txq *q, uint32_t i)
{
	return &q->log[(q->log_head + i) & (q->log_cap - 1)];
}

/* Double a ring of @p size-byte entries, @p n of them live from @p head. */
static int ring_grow(void **ring, uint32_t *cap, uint32_t *head, uint32_t n, size_t size)
{
	uint32_t ncap = *cap != 0 ? *cap * 2u : TCP_RACK_RING_MIN;
	if (ncap == 0 || ncap > (1u << 26))
		return -1;
	uint8_t *nr = malloc((size_t)ncap * size);
	if (nr == NULL)
		return -1;
	const uint8_t *old = *ring;
	for (uint32_t i = 0; i < n; i++)
		memcpy(nr + i * size, old + (((*head + i) & (*cap - 1)) * size), size);
	free(*ring);
	*ring = nr;
	*cap = ncap;
	*head = 0;
	return 0;
}

bool tcp_rack_ring_small(const struct tcp_conn *c)
{
	return c->txq.seg_cap <= TCP_RACK_RING_MIN && c->txq.log_cap <= TCP_RACK_RING_MIN;
}

bool tcp_rack_room(struct tcp_conn *c, uint32_t n_segs)
{
	struct tcp_txq *q = &c->txq;
	while (q->seg_n + n_segs > q->seg_cap)
		if (ring_grow((void **)&q->seg, &q->seg_cap, &q->seg_head, q->seg_n,
			      sizeof(*q->seg)) != 0)
			return false;
	while (q->log_n + n_segs > q->log_cap)
		if (ring_grow((void **)&q->log, &q->log_cap, &q->log_head, q->log_n,
			      sizeof(*q->log)) != 0)
			return false;
	return true;
}

void tcp_rack_free(struct tcp_conn *c)
{
	free(c->txq.seg);
	free(c->txq.log);
	memset(&c->txq, 0, sizeof(c->txq));
}

void tcp_rack_reset(struct tcp_conn *c)
{
	struct tcp_txq *q = &c->txq;
	q->seg_n = q->seg_head = 0;
	q->log_n = q->log_head = 0;
	q->sacked = q->lost = q->retrans = 0;
	q->lost_hint = 0;
}

/* Move record @p s to @p flags, keeping the byte counters true. */
static void seg_flags(struct tcp_txq *q, struct tcp_txseg *s, uint8_t flags)
{
	uint32_t len = s->end - s->start;
	if (s->flags & TXS_SACKED)
		q->sacked -= len;
	if (s->flags & TXS_LOST)
		q->lost -= len;
	if (s->flags & TXS_RETRANS)
		q->retrans -= len;
	s->flags = flags;
	if (flags & TXS_SACKED)
		q->sacked += len;
	if (flags & TXS_LOST)
		q->lost += len;
	if (flags & TXS_RETRANS)
		q->retrans += len;
}

static void log_add(struct tcp_txq *q, const struct tcp_txseg *s)
{
	if (q->log_n == q->log_cap &&
	    ring_grow((void **)&q->log, &q->log_cap, &q->log_head, q->log_n, sizeof(*q->log)) != 0)
		return; /* untracked: the RTO still covers it */
	*log_at(q, q->log_n++) = (struct tcp_txlog){.end = s->end, .xmit_us = s->xmit_us};
}

/* Index of the first record ending after @p seq (seg_n if none). */
static uint32_t seg_find(const struct tcp_txq *q, uint32_t seq)
{
	uint32_t lo = 0, hi = q->seg_n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (seq_leq(seg_at(q, mid)->end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void tcp_rack_sent(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint32_t len,
		   uint32_t seg_size)
{
	struct tcp_txq *q = &c->txq;
	uint32_t end = seq + len;
	/* the part below SND.MAX: retransmissions of existing records */
	if (seq_lt(seq, c->snd_max)) {
		for (uint32_t i = seg_find(q, seq); i < q->seg_n; i++) {
			struct tcp_txseg *s = seg_at(q, i);
			if (!seq_lt(s->start, end))
				break;
			if (s->flags & TXS_SACKED)
				continue;
			s->xmit_us = t->now_us;
			seg_flags(q, s, (uint8_t)(s->flags | TXS_RETRANS | TXS_EVER));
			log_add(q, s);
		}
		if (!seq_gt(end, c->snd_max))
			return;
		seq = c->snd_max;
	}
	/* new data: a record per segment */
	if (seg_size == 0)
		seg_size = len;
	while (seq_lt(seq, end)) {
		uint32_t n = end - seq < seg_size ? end - seq : seg_size;
		if (q->seg_n == q->seg_cap && ring_grow((void **)&q->seg, &q->seg_cap, &q->seg_head,
							q->seg_n, sizeof(*q->seg)) != 0)
			return; /* tcp_rack_room() said there was room */
		struct tcp_txseg *s = seg_at(q, q->seg_n++);
		*s = (struct tcp_txseg){.start = seq, .end = seq + n, .xmit_us = t->now_us};
		log_add(q, s);
		seq += n;
	}
}

/* RFC 8985 §6.2 steps 2-3 for one segment newly delivered. */
static void rack_delivered(struct tcp_stack *t, struct tcp_conn *c, const struct tcp_txseg *s)
{
	uint64_t rtt = t->now_us - s->xmit_us;
	if (c->rack_xmit_us == 0 || seq_gt(s->end, c->rack_fack))
		c->rack_fack = s->end; /* the first delivery sets it */
	else if (seq_lt(s->end, c->rack_fack) && !(s->flags & TXS_EVER))
		c->rack_reo_seen = true;
	/* an ACK sooner than min_RTT after a retransmission is for the
	 * original: no sample, and RACK does not move */
	if ((s->flags & TXS_EVER) && c->rack_min_rtt_us != 0 && rtt < c->rack_min_rtt_us)
		return;
	if (!(s->flags & TXS_EVER) && (c->rack_min_rtt_us == 0 || rtt < c->rack_min_rtt_us))
		c->rack_min_rtt_us = rtt != 0 ? (uint32_t)rtt : 1u;
	if (c->rack_xmit_us == 0 || s->xmit_us > c->rack_xmit_us ||
	    (s->xmit_us == c->rack_xmit_us && seq_gt(s->end, c->rack_end))) {
		c->rack_xmit_us = s->xmit_us;
		c->rack_end = s->end;
		c->rack_rtt_us = (uint32_t)rtt;
	}
}

void tcp_rack_ack(struct tcp_stack *t, struct tcp_conn *c, uint32_t ack, const struct tcp_opts *o)
{
	struct tcp_txq *q = &c->txq;
	/* selectively acknowledged: each block's whole records */
	for (unsigned k = 0; o != NULL && k < o->n_sack; k++) {
		uint32_t bs = o->sack[k].start, be = o->sack[k].end;
		if (!seq_lt(bs, be) || seq_leq(be, ack) || seq_gt(be, c->snd_max))
			continue; /* D-SACK or garbage (RFC 2883) */
		for (uint32_t i = seg_find(q, bs); i < q->seg_n; i++) {
			struct tcp_txseg *s = seg_at(q, i);
			if (!seq_leq(s->end, be))
				break;
			if (seq_lt(s->start, bs) || (s->flags & TXS_SACKED))
				continue;
			rack_delivered(t, c, s);
			seg_flags(q, s, (uint8_t)((s->flags & TXS_EVER) | TXS_SACKED));
		}
	}
	/* cumulatively acknowledged */
	uint32_t gone = 0;
	while (q->seg_n != 0) {
		struct tcp_txseg *s = seg_at(q, 0);
		if (!seq_gt(ack, s->start))
			break;
		if (seq_lt(ack, s->end)) { /* a part of it */
			if (!(s->flags & TXS_SACKED))
				rack_delivered(t, c, s);
			uint8_t f = s->flags;
			seg_flags(q, s, 0);
			s->start = ack;
			seg_flags(q, s, f);
			break;
		}
		if (!(s->flags & TXS_SACKED))
			rack_delivered(t, c, s);
		seg_flags(q, s, 0);
		q->seg_head = (q->seg_head + 1) & (q->seg_cap - 1);
		q->seg_n--;
		gone++;
	}
	q->lost_hint = q->lost_hint > gone ? q->lost_hint - gone : 0;
}

/* RFC 8985 §6.2 step 4, the D-SACK multiplier left at 1. */
static uint64_t rack_reo_wnd(const struct tcp_conn *c)
{
	if (!c->rack_reo_seen && (!tcp_cc_open(c) || c->txq.sacked >= TCP_DUPTHRESH * tcp_smss(c)))
		return 0;
	uint64_t w = c->rack_min_rtt_us / 4u;
	return c->srtt_us != 0 && w > c->srtt_us ? c->srtt_us : w;
}

static void mark_lost(struct tcp_stack *t, struct tcp_conn *c, struct tcp_txseg *s, uint32_t i)
{
	struct tcp_txq *q = &c->txq;
	if (s->flags & TXS_RETRANS)
		t->stats->tcp_lost_rexmits++;
	seg_flags(q, s, (uint8_t)((s->flags & TXS_EVER) | TXS_LOST));
	if (i < q->lost_hint)
		q->lost_hint = i;
}

uint32_t tcp_rack_detect(struct tcp_stack *t, struct tcp_conn *c)
{
	struct tcp_txq *q = &c->txq;
	uint32_t marked = 0;
	c->rack_deadline_us = 0;
	if (c->rack_xmit_us == 0)
		return 0;
	uint64_t reo = rack_reo_wnd(c);

	while (q->log_n != 0) {
		struct tcp_txlog *e = log_at(q, 0);
		uint32_t i = seg_find(q, e->end - 1);
		struct tcp_txseg *s = i < q->seg_n ? seg_at(q, i) : NULL;
		bool stale = s == NULL || s->end != e->end || s->xmit_us != e->xmit_us ||
			     (s->flags & TXS_SACKED) ||
			     (s->flags & (TXS_LOST | TXS_RETRANS)) == TXS_LOST;
		if (!stale) {
			/* RACK_sent_after(RACK, segment): stop at what went later */
			if (e->xmit_us > c->rack_xmit_us ||
			    (e->xmit_us == c->rack_xmit_us && !seq_lt(e->end, c->rack_end)))
				break;
			uint64_t due = e->xmit_us + c->rack_rtt_us + reo;
			if (due > t->now_us) {
				c->rack_deadline_us = due; /* §6.3: the reordering timer */
				tcp_timer_schedule(t, c, due);
				break;
			}
			mark_lost(t, c, s, i);
			t->stats->tcp_rack_lost++;
			marked++;
		}
		q->log_head = (q->log_head + 1) & (q->log_cap - 1);
		q->log_n--;
	}
	return marked;
}

void tcp_rack_mark_una_lost(struct tcp_stack *t, struct tcp_conn *c)
{
	struct tcp_txq *q = &c->txq;
	if (q->seg_n == 0)
		return;
	struct tcp_txseg *s = seg_at(q, 0);
	if (!(s->flags & (TXS_SACKED | TXS_LOST | TXS_RETRANS)))
		mark_lost(t, c, s, 0);
}

void tcp_rack_rto(struct tcp_stack *t, struct tcp_conn *c, bool forget_sacks)
{
	struct tcp_txq *q = &c->txq;
	(void)t;
	for (uint32_t i = 0; i < q->seg_n; i++) {
		struct tcp_txseg *s = seg_at(q, i);
		if ((s->flags & TXS_SACKED) && !forget_sacks)
			continue;
		seg_flags(q, s, (uint8_t)((s->flags & TXS_EVER) | TXS_LOST));
	}
	q->lost_hint = 0;
	q->log_n = q->log_head = 0; /* every entry is stale now */
	c->rack_deadline_us = 0;
}

uint32_t tcp_rack_pipe(const struct tcp_conn *c)
{
	const struct tcp_txq *q = &c->txq;
	uint32_t out = c->snd_max - c->snd_una, gone = q->sacked + q->lost;
	return (out > gone ? out - gone : 0) + q->retrans;
}

bool tcp_rack_next_lost(struct tcp_conn *c, uint32_t *seq, uint32_t *len)
{
	struct tcp_txq *q = &c->txq;
	for (uint32_t i = q->lost_hint; i < q->seg_n; i++) {
		const struct tcp_txseg *s = seg_at(q, i);
		if ((s->flags & (TXS_LOST | TXS_RETRANS | TXS_SACKED)) == TXS_LOST) {
			q->lost_hint = i;
			*seq = s->start;
			*len = s->end - s->start;
			return true;
		}
	}
	q->lost_hint = q->seg_n;
	return false;
}

bool tcp_rack_tail_resent(const struct tcp_conn *c)
{
	const struct tcp_txq *q = &c->txq;
	return q->seg_n != 0 && (seg_at(q, q->seg_n - 1)->flags & (TXS_RETRANS | TXS_LOST)) != 0;
}

bool tcp_rack_check(const struct tcp_conn *c)
{
	const struct tcp_txq *q = &c->txq;
	uint32_t sacked = 0, lost = 0, retrans = 0, at = c->snd_una;
	if (q->seg_n > q->seg_cap || q->log_n > q->log_cap)
		return false;
	for (uint32_t i = 0; i < q->seg_n; i++) {
		const struct tcp_txseg *s = seg_at(q, i);
		uint32_t len = s->end - s->start;
		if (seq_lt(s->start, at) || !seq_lt(s->start, s->end) || seq_gt(s->end, c->snd_max))
			return false;
		at = s->end;
		sacked += (s->flags & TXS_SACKED) ? len : 0;
		lost += (s->flags & TXS_LOST) ? len : 0;
		retrans += (s->flags & TXS_RETRANS) ? len : 0;
	}
	return sacked == q->sacked && lost == q->lost && retrans == q->retrans;
}
