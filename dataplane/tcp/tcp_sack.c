/*
 * The sender's SACK scoreboard (RFC 2018 §5, RFC 6675 §3).
 *
 * c->sacked holds the ranges the peer reported above SND.UNA, sorted and
 * merged. The limited transmit and go-back-N paths (tcp_out.c) and the
 * DupThresh trigger (tcp_cc.c) ask it whether a byte is SACKed, how much
 * is, and where the highest SACKed byte lies; loss recovery with SACK works
 * on the per-segment records of tcp_rack.c, which the same ACKs update.
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
