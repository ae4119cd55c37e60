/*
 * Congestion control and loss recovery on the ACK path.
 *
 *   - slow start and congestion avoidance (RFC 5681 §3.1);
 *   - limited transmit (RFC 3042): the first two duplicate ACKs each let
 *     one new segment out beyond cwnd (tcp_out.c applies the allowance);
 *   - fast retransmit on the third duplicate ACK, or with SACK as soon as
 *     more than 2 SMSS above SND.UNA are SACKed (RFC 6675 §5, DupThresh 3);
 *   - loss detection with SACK by RACK (RFC 8985 §6, tcp_rack.c): a
 *     segment, original or retransmission, is lost once a segment sent
 *     after it was delivered and RACK.rtt + reo_wnd passed since it went,
 *     checked on every ACK and by the reordering timer; what RACK marks
 *     starts fast recovery, or is resent in the episode under way;
 *   - recovery with SACK (RFC 6675 §5 with RACK as IsLost()): the first
 *     lost segment goes at once, the rest and then new data while pipe
 *     leaves room under cwnd (tcp_out.c), cwnd following RFC 6937's
 *     proportional rate reduction (prr_ack); after a timeout the same
 *     loop runs from cwnd = 1 SMSS in slow start, so a lost retransmission
 *     there needs no second timeout either;
 *   - tail loss probe (RFC 8985 §7; the PTO timer is in tcp_timer.c): when
 *     the tail of a flight is lost no duplicate ACK comes; after 2 SRTT a
 *     probe (new data, else the last segment again) makes the peer ACK,
 *     and RACK finds what the ACK shows missing. A probe that was a
 *     retransmission and repaired a loss (no D-SACK for it) reduces the
 *     window as fast recovery would (§7.4.2);
 *   - recovery without SACK: NewReno (RFC 6582 §3.2) — the window inflates
 *     per duplicate ACK, a partial ACK resends the next hole at once and
 *     deflates by what it acknowledged, a full ACK ends the episode.
 *
 * Recovery is entered only when SND.UNA has reached `recover` (SND.MAX when
 * the last episode or timeout began; RFC 6582 §3.2 step 2), so the
 * duplicates that follow a timeout's retransmissions do not start a second
 * episode.
 *
 * Every window here counts in SMSS (tcp_smss(): the MSS less the timestamp
 * option), so a window of n SMSS carries n full segments (RFC 5681 §2).
 *
 * Context: the owning worker lcore.
 */
#include "tcp.h"

/* RFC 6675 §2 DupThresh */
#define TCP_DUPTHRESH 3u

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
	uint32_t smss = tcp_smss(c);
	return flight / 2 > 2u * smss ? flight / 2 : 2u * smss;
}

bool tcp_cc_open(const struct tcp_conn *c)
{
	return !c->in_recovery && seq_geq(c->snd_una, c->recover);
}

static void recovery_enter(struct tcp_stack *t, struct tcp_conn *c)
{
	t->stats->tcp_fast_recoveries++;
	c->ssthresh = half_flight(c);
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->rescue_sent = false;
	c->tlp_out = false; /* the episode takes over from the probe */
	c->tlp_deadline_us = 0;
	c->rtt_timing = false; /* Karn */
	if (c->sack_ok) {
		/* RFC 6675 §5 step 4.3: resend the first segment presumed
		 * lost now, whatever pipe says; then RFC 6937 paces the rest
		 * (prr_ack): cwnd = pipe until ACKs report deliveries. */
		c->prr_recover_fs = c->snd_max - c->snd_una;
		c->prr_delivered = 0;
		c->prr_out = 0;
		c->cwnd = c->ssthresh;
		uint32_t pipe = tcp_rack_pipe(c);
		if (pipe < c->cwnd)
			c->cwnd = pipe > tcp_smss(c) ? pipe : tcp_smss(c);
		uint32_t seq, len;
		if (!tcp_rack_next_lost(c, &seq, &len)) {
			tcp_rack_mark_una_lost(t, c);
			if (!tcp_rack_next_lost(c, &seq, &len)) {
				seq = c->snd_una;
				len = UINT32_MAX;
			}
		}
		tcp_output_rexmit(t, c, seq, len);
		t->stats->tcp_sack_rexmits++;
	} else {
		/* RFC 6582 §3.2 step 2 / RFC 5681 §3.2 steps 2-3 */
		c->cwnd = c->ssthresh + 3u * tcp_smss(c);
		tcp_output_rexmit(t, c, c->snd_una, UINT32_MAX);
	}
	tcp_output_mark(t, c);
}

/*
 * RFC 8985 §7.4: what the ACK says about an outstanding probe. A probe of
 * new data needs no judging. A retransmitted one: a D-SACK, or a pure
 * duplicate at TLP.end_seq (the original and the probe both arrived), says
 * nothing was lost; an ACK beyond TLP.end_seq without either says the probe
 * repaired a loss (§7.4.2): the window comes down as in fast recovery.
 * An ACK that just reaches TLP.end_seq cannot tell yet (as Linux's
 * tcp_process_tlp_ack).
 */
static void tlp_check(struct tcp_conn *c, uint32_t ack, bool dsack, bool advanced)
{
	if (!c->tlp_out)
		return;
	if (seq_geq(ack, c->tlp_end)) {
		if (!c->tlp_rexmit || dsack || (ack == c->tlp_end && !advanced)) {
			c->tlp_out = false;
		} else if (seq_gt(ack, c->tlp_end)) {
			c->tlp_out = false;
			uint32_t smss = tcp_smss(c);
			c->ssthresh = c->cwnd / 2 > 2u * smss ? c->cwnd / 2 : 2u * smss;
			c->cwnd = c->ssthresh;
		}
	}
	/* Else the probe may be SACKed with data below it missing: RACK finds
	 * that data lost (it went 2 SRTT or more before the probe). */
}

/*
 * RFC 8985 §6.2 step 5 on every ACK, and when the reordering timer
 * expires: what RACK found lost starts fast recovery if none is under way
 * (§6.3, as DupThresh does in tcp_cc_dupack), or goes out within pipe in
 * the episode under way, after a timeout too (tcp_out.c).
 */
void tcp_cc_rack(struct tcp_stack *t, struct tcp_conn *c)
{
	if (!c->sack_ok || tcp_rack_detect(t, c) == 0)
		return;
	if (tcp_cc_open(c) && !c->in_recovery)
		recovery_enter(t, c);
	else
		tcp_output_mark(t, c);
}

/*
 * RFC 6937 §3, proportional rate reduction, on every ACK of SACK fast
 * recovery (in segments, as Linux's tcp_cwnd_reduction): while pipe is
 * above ssthresh, send in proportion to what the peer got, ssthresh /
 * RecoverFS of it, so the flight comes down to ssthresh by the end of the
 * episode; below it, the slow-start reduction bound (PRR-SSRB) rebuilds
 * pipe towards ssthresh by at most what was delivered plus one SMSS.
 * cwnd = pipe + sndcnt. Without it (RFC 6675 alone, cwnd = ssthresh) the
 * sender is silent until pipe falls below ssthresh: when a burst took the
 * rest of the flight, nothing sent after the losses can be delivered for
 * RACK to find them, and only the RTO moves; and when pipe then falls
 * far below ssthresh the whole difference leaves at once, into the same
 * burst.
 */
static void prr_ack(struct tcp_conn *c, uint32_t delivered)
{
	uint32_t smss = tcp_smss(c), pipe = tcp_rack_pipe(c);
	c->prr_delivered += delivered;
	uint64_t sndcnt;
	if (pipe > c->ssthresh) {
		uint64_t fs = c->prr_recover_fs != 0 ? c->prr_recover_fs : 1u;
		uint64_t want = ((uint64_t)c->prr_delivered * c->ssthresh + fs - 1) / fs;
		want = (want + smss - 1) / smss * smss; /* CEIL, in whole segments */
		sndcnt = want > c->prr_out ? want - c->prr_out : 0;
	} else {
		uint64_t limit = c->prr_delivered > c->prr_out ? c->prr_delivered - c->prr_out : 0;
		if (limit < delivered)
			limit = delivered;
		limit += smss;
		sndcnt = c->ssthresh - pipe < limit ? c->ssthresh - pipe : limit;
	}
	uint64_t w = (uint64_t)pipe + sndcnt;
	c->cwnd = w < smss ? smss : w > TCP_CWND_MAX ? TCP_CWND_MAX : (uint32_t)w;
}

void tcp_cc_on_ack(struct tcp_stack *t, struct tcp_conn *c, uint32_t ack, bool dsack, bool advanced,
		   uint32_t delivered)
{
	tlp_check(c, ack, dsack, advanced);
	bool was = c->in_recovery;
	tcp_cc_rack(t, c);
	/* the ACK that starts the episode counts too (as in Linux) */
	if (c->sack_ok && c->in_recovery && (was || delivered != 0))
		prr_ack(c, delivered);
}

/*
 * RFC 8985 §7.3: one new segment if the peer's window takes it, else the
 * last segment sent again (or our FIN); the RTO then runs for what is
 * outstanding.
 */
void tcp_cc_probe(struct tcp_stack *t, struct tcp_conn *c)
{
	c->tlp_deadline_us = 0;
	if (!c->sack_ok || !tcp_cc_open(c) || c->tlp_out || c->snd_una == c->snd_max)
		return;
	uint32_t n = tcp_output_new_one(t, c);
	c->tlp_rexmit = n == 0;
	if (n == 0) {
		uint32_t top = c->snd_max, data_end = tcp_data_end(c);
		if (seq_gt(top, data_end))
			top = data_end; /* our FIN is outstanding too */
		uint32_t len = top - c->snd_una, smss = tcp_smss(c);
		if (len > smss)
			len = smss;
		if (len != 0)
			tcp_output_rexmit(t, c, top - len, len);
		else
			tcp_output_rexmit(t, c, c->fin_seq, UINT32_MAX);
	}
	c->tlp_out = true;
	c->tlp_end = c->snd_max;
	t->stats->tcp_loss_probes++;
	tcp_timer_arm_rto(t, c);
}

void tcp_cc_dupack(struct tcp_stack *t, struct tcp_conn *c)
{
	if (c->dupacks < UINT8_MAX)
		c->dupacks++;
	if (c->in_recovery) {
		/* RFC 6582 §3.2 step 3: inflate by one SMSS per duplicate.
		 * With SACK, the duplicate's blocks shrank pipe instead. */
		if (!c->sack_ok)
			cwnd_grow(c, tcp_smss(c));
		tcp_output_mark(t, c);
		return;
	}
	/* RFC 6675 §5: DupThresh duplicates, or more than DupThresh - 1 SMSS
	 * SACKed (IsLost(SND.UNA)) */
	bool lost = c->dupacks >= TCP_DUPTHRESH ||
		    (c->sack_ok && tcp_sack_bytes(c) > (TCP_DUPTHRESH - 1u) * tcp_smss(c));
	/* RFC 6582 §3.2 step 2: the ACK must cover more than recover, the
	 * highest sequence number sent, i.e. reach SND.MAX as it was (which
	 * c->recover holds): a loss of the first segment past the previous
	 * episode is then recovered at once, not by the timer. */
	if (lost && seq_geq(c->snd_una, c->recover)) {
		recovery_enter(t, c);
		return;
	}
	if (c->dupacks < TCP_DUPTHRESH)
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
			uint32_t smss = tcp_smss(c);
			if (c->sack_ok) {
				c->cwnd = c->ssthresh;
			} else {
				uint32_t flight = c->snd_max - c->snd_una;
				uint32_t w = (flight > smss ? flight : smss) + smss;
				c->cwnd = w < c->ssthresh ? w : c->ssthresh;
			}
			return;
		}
		t->stats->tcp_partial_acks++;
		if (c->sack_ok)
			return; /* RACK and pipe say what goes next */
		/* RFC 6582 §3.2 step 5: resend the first unacknowledged
		 * segment, deflate by the amount acknowledged, add back one
		 * SMSS if that was at least one SMSS. */
		uint32_t smss = tcp_smss(c);
		tcp_output_rexmit(t, c, c->snd_una, UINT32_MAX);
		c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
		if (acked >= smss)
			c->cwnd += smss;
		if (c->cwnd < smss)
			c->cwnd = smss;
		return;
	}
	c->dupacks = 0;
	/* RFC 5681 §3.1: slow start below ssthresh, then about one SMSS per RTT. */
	uint32_t smss = tcp_smss(c);
	if (c->cwnd < c->ssthresh)
		cwnd_grow(c, acked < smss ? acked : smss);
	else
		cwnd_grow(c, (smss * smss) / (c->cwnd ? c->cwnd : 1) + 1);
}
