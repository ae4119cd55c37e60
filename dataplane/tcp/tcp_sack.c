/*
 * The sender's SACK scoreboard (RFC 2018 §5, RFC 6675 §3).
 *
 * c->sacked holds the ranges the peer reported above SND.UNA, sorted and
 * merged. Recovery (tcp_cc.c, tcp_out.c) asks three things of it:
 *
 *   - the next hole to retransmit: the first byte at or after
 *     max(HighRxt, SND.UNA) that is not SACKed and lies below the highest
 *     SACKed byte (RFC 6675 §4 NextSeg() rule 1);
 *   - pipe, the bytes still in the network (RFC 6675 §4 SetPipe()). This
 *     is simplified the way FACK does it: every unSACKed byte below the
 *     highest SACKed byte counts as lost (IsLost() true), so
 *         pipe = (SND.MAX - HighSACK) + unSACKed bytes in [SND.UNA, HighRxt)
 *     i.e. what was sent past the last SACK plus the retransmissions of
 *     holes still unacknowledged;
 *   - whether a byte is SACKed, so that go-back-N after a timeout skips
 *     what the peer holds (RFC 6675 §5.1).
 *
 * The peer may renege (RFC 2018 §8): SACKed data stays in the send buffer
 * until the cumulative ACK covers it, and tcp_timer.c forgets the
 * scoreboard after a second consecutive timeout.
 *
 * Context: the owning worker lcore.
 */
#include <string.h>

#include "tcp.h"

/* Merge one reported block into the scoreboard. */
static void sacked_add(struct tcp_conn *c, uint32_t s, uint32_t e)
{
	struct tcp_seq_range out[TCP_SACK_RANGES + 1];
	unsigned n = 0;
	bool placed = false;
	for (unsigned i = 0; i < c->sack_n; i++) {
		struct tcp_seq_range x = c->sacked[i];
		if (seq_lt(x.end, s)) {
			out[n++] = x;
		} else if (seq_gt(x.start, e)) {
			if (!placed) {
				out[n++] = (struct tcp_seq_range){s, e};
				placed = true;
			}
			out[n++] = x;
		} else {
			if (seq_lt(x.start, s))
				s = x.start;
			if (seq_gt(x.end, e))
				e = x.end;
		}
	}
	if (!placed)
		out[n++] = (struct tcp_seq_range){s, e};
	if (n > TCP_SACK_RANGES)
		return; /* no room for a new island: forget this report */
	memcpy(c->sacked, out, n * sizeof(out[0]));
	c->sack_n = (uint8_t)n;
}

bool tcp_sack_update(struct tcp_conn *c, const struct tcp_opts *o)
{
	uint32_t before = tcp_sack_bytes(c);
	for (unsigned i = 0; i < o->n_sack; i++) {
		uint32_t s = o->sack[i].start, e = o->sack[i].end;
		/* RFC 2018 §4: a block lies above SND.UNA and within what was
		 * sent; anything else (D-SACK, RFC 2883, or garbage) is ignored. */
		if (!seq_lt(s, e) || seq_leq(e, c->snd_una) || seq_gt(e, c->snd_max))
			continue;
		if (seq_lt(s, c->snd_una))
			s = c->snd_una;
		sacked_add(c, s, e);
	}
	return tcp_sack_bytes(c) != before;
}

/* SND.UNA advanced: drop what it covers. */
void tcp_sack_prune(struct tcp_conn *c)
{
	unsigned k = 0;
	while (k < c->sack_n && seq_leq(c->sacked[k].end, c->snd_una))
		k++;
	if (k != 0) {
		c->sack_n = (uint8_t)(c->sack_n - k);
		memmove(c->sacked, c->sacked + k, c->sack_n * sizeof(c->sacked[0]));
	}
	if (c->sack_n != 0 && seq_lt(c->sacked[0].start, c->snd_una))
		c->sacked[0].start = c->snd_una;
}

uint32_t tcp_sack_high(const struct tcp_conn *c)
{
	return c->sack_n != 0 ? c->sacked[c->sack_n - 1].end : c->snd_una;
}

uint32_t tcp_sack_bytes(const struct tcp_conn *c)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < c->sack_n; i++)
		n += c->sacked[i].end - c->sacked[i].start;
	return n;
}

/* UnSACKed bytes in [a, b). */
static uint32_t unsacked_in(const struct tcp_conn *c, uint32_t a, uint32_t b)
{
	if (!seq_lt(a, b))
		return 0;
	uint32_t n = b - a;
	for (unsigned i = 0; i < c->sack_n; i++) {
		uint32_t s = c->sacked[i].start, e = c->sacked[i].end;
		if (seq_lt(s, a))
			s = a;
		if (seq_gt(e, b))
			e = b;
		if (seq_lt(s, e))
			n -= e - s;
	}
	return n;
}

uint32_t tcp_sack_pipe(const struct tcp_conn *c)
{
	if (c->sack_n == 0)
		return c->snd_max - c->snd_una;
	uint32_t high = tcp_sack_high(c);
	uint32_t rxt = seq_lt(c->high_rxt, high) ? c->high_rxt : high;
	return (c->snd_max - high) + unsacked_in(c, c->snd_una, rxt);
}

/*
 * If *seq is SACKed, move it to the end of its range. Then *room is how
 * far the unSACKed run from *seq goes before the next SACKed range
 * (UINT32_MAX if none follows). @return true if *seq moved.
 */
bool tcp_sack_skip(const struct tcp_conn *c, uint32_t *seq, uint32_t *room)
{
	bool moved = false;
	*room = UINT32_MAX;
	for (unsigned i = 0; i < c->sack_n; i++) {
		const struct tcp_seq_range *r = &c->sacked[i];
		if (seq_leq(r->end, *seq))
			continue;
		if (seq_leq(r->start, *seq)) {
			*seq = r->end;
			moved = true;
			continue;
		}
		*room = r->start - *seq;
		break;
	}
	return moved;
}

/* RFC 6675 §4 NextSeg() rule 1, with every hole below HighSACK lost. */
bool tcp_sack_next_hole(const struct tcp_conn *c, uint32_t *seq, uint32_t *room)
{
	uint32_t s = seq_gt(c->high_rxt, c->snd_una) ? c->high_rxt : c->snd_una;
	tcp_sack_skip(c, &s, room);
	if (!seq_lt(s, tcp_sack_high(c)))
		return false;
	*seq = s;
	return true;
}
