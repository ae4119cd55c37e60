/*
 * TCP options: parsing what arrives and writing what we send.
 *
 * Options we understand: MSS (RFC 9293 §3.2, §3.7.1), window scale and
 * timestamps (RFC 7323 §2, §3), SACK-permitted and SACK (RFC 2018 §2, §3).
 * Every option is accepted only in the segments its RFC allows: MSS, window
 * scale and SACK-permitted in a SYN, SACK blocks in a non-SYN segment.
 *
 * What we write: in a SYN-ACK, MSS always and each of the others only when
 * the peer's SYN offered it (RFC 7323 §1.3, RFC 2018 §2); afterwards
 * timestamps in every non-RST segment once negotiated (RFC 7323 §3.2) and
 * SACK blocks on ACKs while out-of-order data is held (RFC 2018 §4). The
 * layout is Linux's, so each option sits on its natural alignment:
 *
 *   SYN-ACK   MSS(4) [SACKOK(2)|NOP NOP] TS(10) [NOP WS(3)]   <= 20 bytes
 *   data/ACK  NOP NOP TS(10) [NOP NOP SACK(2 + 8n)]           <= 40 bytes
 *
 * Context: the owning worker lcore.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "tcp.h"

enum {
	TCP_OPT_EOL = 0,
	TCP_OPT_NOP = 1,
	TCP_OPT_MSS = 2,
	TCP_OPT_WS = 3,
	TCP_OPT_SACK_PERM = 4,
	TCP_OPT_SACK = 5,
	TCP_OPT_TS = 8,
};

#define TCP_WSCALE_MAX 14 /* RFC 7323 §2.3 */

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

void tcp_opts_parse(const uint8_t *o, size_t len, bool syn, struct tcp_opts *out)
{
	const uint8_t *end = o + len;
	memset(out, 0, sizeof(*out));
	while (o < end && *o != TCP_OPT_EOL) { /* RFC 9293 §3.2 option list */
		if (*o == TCP_OPT_NOP) {
			o++;
			continue;
		}
		if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
			break; /* malformed: ignore the rest */
		uint8_t kind = o[0], olen = o[1];
		if (kind == TCP_OPT_MSS && olen == 4 && syn) {
			out->mss = (uint16_t)((o[2] << 8) | o[3]);
		} else if (kind == TCP_OPT_WS && olen == 3 && syn) {
			out->ws = true;
			/* RFC 7323 §2.3: a shift above 14 is taken as 14 */
			out->wscale = o[2] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : o[2];
		} else if (kind == TCP_OPT_SACK_PERM && olen == 2 && syn) {
			out->sack_perm = true;
		} else if (kind == TCP_OPT_TS && olen == 10) {
			out->ts = true;
			out->tsval = get32(o + 2);
			out->tsecr = get32(o + 6);
		} else if (kind == TCP_OPT_SACK && !syn && olen >= 10 && (olen - 2) % 8 == 0) {
			unsigned n = (olen - 2u) / 8u;
			for (unsigned i = 0; i < n && out->n_sack < 4; i++) {
				out->sack[out->n_sack].start = get32(o + 2 + 8 * i);
				out->sack[out->n_sack].end = get32(o + 6 + 8 * i);
				out->n_sack++;
			}
		}
		o += olen;
	}
}

size_t tcp_opts_write(uint8_t *o, const struct tcp_opts *in)
{
	uint8_t *p = o;
	if (in->mss != 0) {
		*p++ = TCP_OPT_MSS;
		*p++ = 4;
		*p++ = (uint8_t)(in->mss >> 8);
		*p++ = (uint8_t)in->mss;
	}
	if (in->ts) {
		if (in->sack_perm) {
			*p++ = TCP_OPT_SACK_PERM;
			*p++ = 2;
		} else {
			*p++ = TCP_OPT_NOP;
			*p++ = TCP_OPT_NOP;
		}
		*p++ = TCP_OPT_TS;
		*p++ = 10;
		p = put32(p, in->tsval);
		p = put32(p, in->tsecr);
	} else if (in->sack_perm) {
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_SACK_PERM;
		*p++ = 2;
	}
	if (in->ws) {
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_WS;
		*p++ = 3;
		*p++ = in->wscale;
	}
	if (in->n_sack != 0) {
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_SACK;
		*p++ = (uint8_t)(2 + 8 * in->n_sack);
		for (unsigned i = 0; i < in->n_sack; i++) {
			p = put32(p, in->sack[i].start);
			p = put32(p, in->sack[i].end);
		}
	}
	return (size_t)(p - o);
}

uint32_t tcp_ts_now(const struct tcp_stack *t, const struct tcp_conn *c)
{
	return (uint32_t)(t->now_us / 1000u) + c->ts_offset;
}

void tcp_opts_for(const struct tcp_stack *t, const struct tcp_conn *c, uint8_t flags,
		  struct tcp_opts *out)
{
	memset(out, 0, sizeof(*out));
	if (flags & RTE_TCP_RST_FLAG)
		return;
	if (flags & RTE_TCP_SYN_FLAG) {
		out->mss = t->mss_local;
		out->ws = c->ws_ok;
		out->wscale = c->rcv_wscale;
		out->sack_perm = c->sack_ok;
	}
	if (c->ts_ok) {
		out->ts = true;
		out->tsval = tcp_ts_now(t, c);
		out->tsecr = c->ts_recent;
	}
	/* RFC 2018 §4: report the islands on every ACK while they exist;
	 * three blocks fit beside a timestamp, four without. A duplicate
	 * goes first (RFC 2883 §4), in one ACK. */
	if (c->sack_ok && (c->ooo_n != 0 || c->dsack_on) && (flags & RTE_TCP_ACK_FLAG) &&
	    !(flags & RTE_TCP_SYN_FLAG)) {
		unsigned max = c->ts_ok ? 3 : 4, n = 0;
		if (c->dsack_on)
			out->sack[n++] = c->dsack;
		n += tcp_ooo_sack_blocks(c, out->sack + n, max - n);
		out->n_sack = (uint8_t)n;
	}
}
