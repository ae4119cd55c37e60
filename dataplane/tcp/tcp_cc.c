/*
 * Congestion control and loss recovery on the ACK path.
 *
 *   - slow start and congestion avoidance (RFC 5681 §3.1);
 *   - limited transmit (RFC 3042): the first two duplicate ACKs each let
 *     one new segment out beyond cwnd (tcp_out.c applies the allowance);
 *   - fast retransmit on the third duplicate ACK, or with SACK as soon as
 *     more than 2 SMSS above SND.UNA are SACKed (RFC 6675 §5, DupThresh 3);
 *   - recovery with SACK (RFC 6675 §5, simplified; tcp_sack.c): cwnd =
 *     ssthresh, holes are resent while pipe leaves room, partial ACKs just
 *     let the scoreboard move on;
 *   - recovery without SACK: NewReno (RFC 6582 §3.2) — the window inflates
 *     per duplicate ACK, a partial ACK resends the next hole at once and
 *     deflates by what it acknowledged, a full ACK ends the episode.
 *
 * Recovery is entered only when SND.UNA has reached `recover` (SND.MAX when
 * the last episode or timeout began; RFC 6582 §3.2 step 2), so the
 * duplicates that follow a timeout's go-back-N do not start a second
 * episode.
 *
 * Context: the owning worker lcore.
 */
#include "tcp.h"

/* Growth stops here so an unbounded cwnd never wraps after ~4 GB of
 * loss-free data; the peer's window (at most 1 GB scaled) binds first. */
#define TCP_CWND_MAX (1u << 30)

static void cwnd_grow(struct tcp_conn *c, uint32_t by)
{
	c->cwnd = c->cwnd > TCP_CWND_MAX - by ? TCP_CWND_MAX : c->cwnd + by;
}

/* RFC 5681 §3.1 equation (4): ssthresh = max(FlightSize / 2, 2 SMSS). */
static uint32_t half_flight(const struct tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;
	return flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss;
}

static void recovery_enter(struct tcp_stack *t, struct tcp_conn *c)
{
	t->stats->tcp_fast_recoveries++;
	c->ssthresh = half_flight(c);
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->rtt_timing = false; /* Karn */
	uint32_t seq = c->snd_una, room = UINT32_MAX;
	if (c->sack_ok) {
		/* RFC 6675 §5 steps 4.2-4.3: cwnd = ssthresh, resend the
		 * first hole now, the rest as pipe allows (tcp_out.c). */
		c->cwnd = c->ssthresh;
		c->high_rxt = c->snd_una;
		if (!tcp_sack_next_hole(c, &seq, &room)) {
			seq = c->snd_una;
			room = UINT32_MAX;
		}
		uint32_t n = tcp_output_rexmit(t, c, seq, room);
		c->high_rxt = seq + n;
		t->stats->tcp_sack_rexmits++;
	} else {
		/* RFC 6582 §3.2 step 2 / RFC 5681 §3.2 steps 2-3 */
		c->cwnd = c->ssthresh + 3u * c->mss;
		tcp_output_rexmit(t, c, seq, room);
	}
	tcp_output_mark(t, c);
}

void tcp_cc_dupack(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->dupacks < UINT8_MAX)
		c->dupacks++;
	if (c->in_recovery) {
		/* RFC 6582 §3.2 step 3: inflate by one SMSS per duplicate.
		 * With SACK, the duplicate's blocks shrank pipe instead. */
		if (!c->sack_ok)
			cwnd_grow(c, c->mss);
		tcp_output_mark(t, c);
		return;
	}
	bool lost = c->dupacks >= 3 || (c->sack_ok && tcp_sack_bytes(c) > 2u * c->mss);
	/* RFC 6582 §3.2 step 2: the ACK must cover more than recover, the
	 * highest sequence number sent, i.e. reach SND.MAX as it was (which
	 * c->recover holds): a loss of the first segment past the previous
	 * episode is then recovered at once, not by the timer. */
	if (lost && seq_geq(c->snd_una, c->recover)) {
		recovery_enter(t, c);
		return;
	}
	if (c->dupacks <= 2)
		tcp_output_mark(t, c); /* RFC 3042 limited transmit */
}

/* SND.UNA advanced by @p acked (already applied to c). */
void tcp_cc_new_ack(struct tcp_stack *t, struct tcp_conn *c, uint32_t acked)
{
	if (c->in_recovery) {
		if (seq_geq(c->snd_una, c->recover)) {
			/* full ACK: RFC 6675 §5 / RFC 6582 §3.2 step 4 option 1 */
			c->in_recovery = false;
			c->dupacks = 0;
			if (c->sack_ok) {
				c->cwnd = c->ssthresh;
			} else {
				uint32_t flight = c->snd_max - c->snd_una;
				uint32_t w = (flight > c->mss ? flight : c->mss) + c->mss;
				c->cwnd = w < c->ssthresh ? w : c->ssthresh;
			}
			return;
		}
		t->stats->tcp_partial_acks++;
		if (c->sack_ok) {
			if (seq_lt(c->high_rxt, c->snd_una))
				c->high_rxt = c->snd_una;
			return;
		}
		/* RFC 6582 §3.2 step 5: resend the first unacknowledged
		 * segment, deflate by the amount acknowledged, add back one
		 * SMSS if that was at least one SMSS. */
		tcp_output_rexmit(t, c, c->snd_una, UINT32_MAX);
		c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
		if (acked >= c->mss)
			c->cwnd += c->mss;
		if (c->cwnd < c->mss)
			c->cwnd = c->mss;
		return;
	}
	c->dupacks = 0;
	/* RFC 5681 §3.1: slow start below ssthresh, then about one MSS per RTT. */
	if (c->cwnd < c->ssthresh)
		cwnd_grow(c, acked < c->mss ? acked : c->mss);
	else
		cwnd_grow(c, (c->mss * c->mss) / (c->cwnd ? c->cwnd : 1) + 1);
}
