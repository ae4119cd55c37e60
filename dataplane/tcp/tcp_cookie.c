/*
 * SYN cookies (RFC 4987 §3.6): when a worker holds synq_max half-open
 * connections, or has no free connection at all, a SYN is answered
 * without keeping any state. The SYN-ACK's sequence number is the cookie;
 * the client's ACK returns it (ACK - 1), and a valid one creates the
 * connection directly in ESTABLISHED.
 *
 * The encoding is Linux's (net/ipv4/syncookies.c), so the behaviour a
 * Linux-trained eye expects holds here too:
 *
 *   ISS = H(flow, k0) + SEG.SEQ + (count << 24)
 *         + ((H(flow, count, k1) + mss_index) & 0xffffff)
 *
 * H is a keyed hash (jhash, two per-worker random secrets), count a clock
 * of minutes. A cookie is accepted while its count is at most one minute
 * old (Linux's MAX_SYNCOOKIE_AGE of 2), and only for 2 minutes after the
 * worker last sent one, so ordinary stray ACKs still get their RST. The
 * MSS survives as a 2-bit index into {536, 1300, 1440, 1460}.
 *
 * Options: with timestamps, the low 6 bits of our SYN-ACK's TSval carry
 * the peer's window shift (4 bits, 0xf = none) and SACK-permitted (bit
 * 4); the peer echoes them in TSecr. Without timestamps the cookie can
 * carry no more than the MSS, so the SYN-ACK offers no other option
 * (RFC 7323 and RFC 2018 allow us to decline) and the connection runs
 * without window scaling and SACK, as Linux does.
 *
 * Workers share the secrets (tcp_flow.c), so the ACK may come back to any
 * worker: the one that validates it creates, and owns, the connection.
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>

#include <rte_jhash.h>

#include "tcp.h"

#define COOKIE_BITS	      24
#define COOKIE_MASK	      ((1u << COOKIE_BITS) - 1)
#define COOKIE_MAX_AGE	      2 /* minutes of count */
#define COOKIE_MINUTE_US      60000000ull
#define COOKIE_TS_WSCALE_MASK 0xfu
#define COOKIE_TS_SACK	      (1u << 4)
#define COOKIE_TS_BITS	      6
#define COOKIE_TS_MASK	      ((1u << COOKIE_TS_BITS) - 1)

static const uint16_t cookie_mss[] = {536, 1300, 1440, 1460};
#define COOKIE_MSS_N (sizeof(cookie_mss) / sizeof(cookie_mss[0]))

static uint32_t cookie_count(const struct tcp_stack *t)
{
	return (uint32_t)(t->now_us / COOKIE_MINUTE_US);
}

static uint32_t cookie_hash(const struct tcp_stack *t, uint32_t rip, uint16_t rport, uint32_t count,
			    unsigned k)
{
	return rte_jhash_3words(rip, ((uint32_t)rport << 16) | t->lport, count ^ t->net->nif->ip,
				t->cookie_secret[k]);
}

static uint32_t cookie_make(const struct tcp_stack *t, uint32_t rip, uint16_t rport, uint32_t sseq,
			    uint32_t data)
{
	uint32_t count = cookie_count(t);
	return cookie_hash(t, rip, rport, 0, 0) + sseq + (count << COOKIE_BITS) +
	       ((cookie_hash(t, rip, rport, count, 1) + data) & COOKIE_MASK);
}

/* @return the MSS index the cookie carries, or -1. */
static int cookie_decode(const struct tcp_stack *t, uint32_t rip, uint16_t rport, uint32_t sseq,
			 uint32_t cookie)
{
	uint32_t count = cookie_count(t);
	cookie -= cookie_hash(t, rip, rport, 0, 0) + sseq;
	uint32_t diff = (count - (cookie >> COOKIE_BITS)) & (UINT32_MAX >> COOKIE_BITS);
	if (diff >= COOKIE_MAX_AGE)
		return -1;
	uint32_t data = (cookie - cookie_hash(t, rip, rport, count - diff, 1)) & COOKIE_MASK;
	return data < COOKIE_MSS_N ? (int)data : -1;
}

void tcp_cookie_synack(struct tcp_stack *t, const struct rte_ipv4_hdr *ip,
		       const struct rte_tcp_hdr *th, const struct tcp_seg *s)
{
	uint16_t mss = s->opt.mss != 0 ? s->opt.mss : 536;
	if (mss > t->mss_local)
		mss = t->mss_local;
	unsigned idx = COOKIE_MSS_N - 1;
	while (idx != 0 && mss < cookie_mss[idx])
		idx--;
	uint32_t iss = cookie_make(t, ip->src_addr, th->src_port, s->seq, idx);
	struct tcp_opts o = {.mss = t->mss_local};
	if (s->opt.ts) {
		uint32_t bits = s->opt.ws ? s->opt.wscale : COOKIE_TS_WSCALE_MASK;
		if (s->opt.sack_perm)
			bits |= COOKIE_TS_SACK;
		uint32_t now =
		    (uint32_t)(t->now_us / 1000u) + tcp_ts_offset(t, ip->src_addr, th->src_port);
		uint32_t ts = (now & ~COOKIE_TS_MASK) | bits;
		if (ts_lt(now, ts)) /* never ahead of the clock the connection continues */
			ts -= 1u << COOKIE_TS_BITS;
		o.ts = true;
		o.tsval = ts;
		o.tsecr = s->opt.tsval;
		o.ws = s->opt.ws;
		o.wscale = TCP_RCV_WSCALE;
		o.sack_perm = s->opt.sack_perm;
	}
	uint16_t wnd = t->rcv_limit < 65535u ? (uint16_t)t->rcv_limit : 65535u;
	tcp_send_raw(t, ip->src_addr, th->src_port, th->dst_port, iss, s->seq + 1,
		     RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, wnd, &o);
	t->stats->tcp_syncookies_sent++;
	tcp_cookie_note_sent(t);
}

int tcp_cookie_check(struct tcp_stack *t, const struct rte_ipv4_hdr *ip,
		     const struct rte_tcp_hdr *th, const struct tcp_seg *s, struct tcp_conn **out)
{
	uint64_t sent_us = tcp_cookie_last_sent(t);
	if (!t->syncookies || sent_us == 0 ||
	    t->now_us - sent_us > COOKIE_MAX_AGE * COOKIE_MINUTE_US)
		return 0;
	int idx = cookie_decode(t, ip->src_addr, th->src_port, s->seq - 1, s->ack - 1);
	if (idx < 0) {
		t->stats->tcp_syncookies_failed++;
		return 0;
	}
	bool ws = false, sack = false;
	uint8_t wscale = 0;
	if (s->opt.ts) {
		uint32_t bits = s->opt.tsecr & COOKIE_TS_MASK;
		sack = (bits & COOKIE_TS_SACK) != 0;
		if ((bits & COOKIE_TS_WSCALE_MASK) != COOKIE_TS_WSCALE_MASK) {
			ws = true;
			wscale = (uint8_t)(bits & COOKIE_TS_WSCALE_MASK);
			if (wscale > 14) /* RFC 7323 §2.3 */
				wscale = 14;
		}
	}
	int32_t slot;
	int owner = tcp_owner_claim(t, ip->src_addr, th->src_port, &slot);
	if (owner == -EAGAIN)
		return -1;
	if (owner != (int)t->self)
		return -2 - owner;
	struct tcp_conn *c = tcp_conn_alloc(t, ip->src_addr, th->src_port);
	if (c == NULL) {
		tcp_owner_release(t, slot);
		t->stats->tcp_drop_listen_overflow++;
		return -1;
	}
	c->owner_slot = slot;
	t->stats->tcp_syncookies_validated++;
	c->state = TCP_ESTABLISHED;
	c->irs = s->seq - 1;
	c->rcv_nxt = s->seq;
	c->rcv_adv = c->rcv_nxt; /* the SYN-ACK's window left no state */
	c->iss = s->ack - 1;
	c->snd_una = c->snd_nxt = c->snd_max = s->ack;
	c->recover = c->iss;
	c->snd_wl1 = s->seq - 1; /* the window is taken from this ACK next */
	c->snd_wl2 = s->ack;
	c->mss = cookie_mss[idx] < t->mss_local ? cookie_mss[idx] : t->mss_local;
	c->ssthresh = UINT32_MAX;
	c->last_ack_sent = c->rcv_nxt;
	if (s->opt.ts) {
		c->ts_ok = true;
		c->ts_recent = s->opt.tsval;
		c->ts_recent_us = t->now_us;
		c->ts_offset = tcp_ts_offset(t, ip->src_addr, th->src_port);
	}
	if (ws) {
		c->ws_ok = true;
		c->snd_wscale = wscale;
		c->rcv_wscale = TCP_RCV_WSCALE;
	}
	c->sack_ok = sack;
	c->cwnd = 10u * tcp_smss(c); /* RFC 6928, in SMSS */
	t->stats->tcp_conns_opened++;
	t->stats->tcp_conns_current++;
	tcp_timer_resched(t, c);
	if (t->app->accepted != NULL)
		t->app->accepted(t->app_arg, c);
	if (c->state == TCP_FREE)
		return -1; /* the application refused it */
	*out = c;
	return 1;
}
