/*
 * Runner of segment scripts on virtual time (see tcp_script.h).
 *
 * The fixture's fake clock advances 1 ms at a time; at each step the TCP
 * timers run and the iteration's output is flushed, as the worker loop
 * does, and every frame the stack sends is queued with its send time.
 *
 *   < line   the clock moves to the line's time (nothing may be sent
 *            meanwhile), the segment goes in, output is flushed;
 *   > line   the next queued frame, waiting up to the line's time plus
 *            the tolerance, must match (and not be early);
 *   call     the clock moves there, the action runs, output is flushed.
 *
 * Sequence numbers are relative: inbound seq and outbound ack to the
 * peer's ISN (FX_PEER_ISN), outbound seq and inbound ack to our ISS,
 * learnt from each SYN-ACK (absolute until then, so a RST for no
 * connection is written in absolute numbers). An inbound TS ecr is shifted
 * by the difference between our first TSval and the one the script wrote
 * on that line. A frame left unmatched when the next inbound or call line
 * runs, or at the end, fails the script.
 */
#include "tcp_script.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tcp_fixture.h"

#define SC_QUEUE	  64
#define SC_DEFAULT_TOL_US 2000u
#define SC_MAX_WAIT_US	  (3600ull * 1000000u)
static const struct rte_ether_addr sc_peer_mac = {{0x02, 0, 0, 0, 0, 0x01}};

struct sc_sent {
	struct fx_pkt p;
	uint64_t at_us; /* script time */
};

struct sc_run {
	const struct sc_script *s;
	char *err;
	size_t err_len;
	int line;
	uint64_t t0_us; /* fixture clock at script time 0 */
	uint32_t our_base;
	bool ts_known;
	uint32_t ts_delta; /* our TSval - the script's */
	uint16_t sport, dport;
	uint64_t tol_us;
	struct sc_sent q[SC_QUEUE];
	unsigned q_head, q_n;
};

static struct sc_run R;

static int fail(const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(R.err, R.err_len, "line %d: %s", R.line, why);
	return -1;
}

static uint64_t now_script(void)
{
	return fx.tcp.now_us - R.t0_us;
}

/* Queue what the stack sent (TCP only; anything else fails the script). */
static int capture(void)
{
	static struct fx_pkt p[16];
	unsigned n;
	while ((n = fx_take(p, 16)) != 0) {
		for (unsigned i = 0; i < n && i < 16; i++) {
			if (p[i].ether_type != RTE_ETHER_TYPE_IPV4 ||
			    p[i].ip.next_proto_id != IPPROTO_TCP)
				return fail("the stack sent a non-TCP frame (ethertype 0x%04x)",
					    p[i].ether_type);
			if (!p[i].tcp_cksum_ok || !p[i].ip_cksum_ok)
				return fail("the stack sent a frame with a bad checksum");
			if (R.q_n == SC_QUEUE)
				return fail("more than %d frames unmatched", SC_QUEUE);
			struct sc_sent *e = &R.q[(R.q_head + R.q_n++) % SC_QUEUE];
			e->p = p[i];
			e->at_us = now_script();
		}
		if (n > 16)
			return fail("more than 16 frames in one step");
	}
	return 0;
}

static int flush_capture(void)
{
	fx_flush();
	return capture();
}

/* One step of the worker loop at the current time. */
static int step_to(uint64_t abs_us)
{
	fx_advance_us(abs_us - fx.tcp.now_us);
	net_arp_update(&fx.arp, FX_PEER_IP, &sc_peer_mac, fx.net.now_ms);
	tcp_timers_run(&fx.tcp);
	return flush_capture();
}

/* Advance to script time @p t; a frame sent before it is unexpected. */
static int advance_to(uint64_t t)
{
	uint64_t target = R.t0_us + t;
	while (fx.tcp.now_us < target) {
		uint64_t next = (fx.tcp.now_us / 1000u + 1u) * 1000u;
		if (next > target)
			next = target;
		if (step_to(next) != 0)
			return -1;
		if (R.q_n != 0 && fx.tcp.now_us < target)
			break;
	}
	return 0;
}

static int expect_queue_empty(void)
{
	if (R.q_n == 0)
		return 0;
	const struct sc_sent *e = &R.q[R.q_head];
	return fail("unexpected segment at %.3f s: flags 0x%02x seq %u ack %u len %u",
		    (double)e->at_us / 1e6, e->p.flags, e->p.seq - R.our_base,
		    e->p.ack - FX_PEER_ISN, e->p.len);
}

/* ---- inbound ---- */

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void set32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Script numbers in the option bytes become the wire's. */
static void opts_translate(uint8_t *o, unsigned len)
{
	for (unsigned i = 0; i < len;) {
		if (o[i] <= 1) {
			i++;
			continue;
		}
		unsigned ol = o[i + 1];
		if (o[i] == 8 && ol == 10 && get32(o + i + 6) != 0 && R.ts_known)
			set32(o + i + 6, get32(o + i + 6) + R.ts_delta);
		if (o[i] == 5)
			for (unsigned k = i + 2; k + 4 <= i + ol; k += 4)
				set32(o + k, get32(o + k) + R.our_base);
		i += ol < 2 ? 1 : ol;
	}
}

static int do_inbound(const struct sc_event *e)
{
	static uint8_t payload[2048];
	for (unsigned i = 0; i < e->len; i++)
		payload[i] = (uint8_t)('A' + i % 26);
	uint8_t raw[40];
	memcpy(raw, e->opt.raw, e->opt.raw_len);
	opts_translate(raw, e->opt.raw_len);
	struct fx_seg s = {
	    .seq = FX_PEER_ISN + e->seq,
	    .ack = e->ack_set ? R.our_base + e->ack : 0,
	    .flags = e->flags,
	    .wnd = e->win_set ? (uint16_t)e->win : 65535,
	    .sport = R.sport,
	    .dport = R.dport,
	    .data = payload,
	    .len = (uint16_t)e->len,
	    .raw_opt = raw,
	    .raw_opt_len = e->opt.raw_len,
	};
	fx_send(&s);
	return flush_capture();
}

/* ---- outbound ---- */

static int opts_match(const struct sc_event *e, const struct fx_pkt *p)
{
	if (e->opt_set && e->opt.any)
		return 0;
	struct sc_opts none = {0};
	const struct sc_opts *o = e->opt_set ? &e->opt : &none;
	if (o->mss_set != (p->mss != 0) || (o->mss_set && o->mss != p->mss))
		return fail("option mss: expected %u, sent %u", o->mss_set ? o->mss : 0, p->mss);
	if (o->ws != p->has_ws || (o->ws && o->wscale != p->wscale))
		return fail("option wscale: expected %s%u, sent %s%u", o->ws ? "" : "none ",
			    o->wscale, p->has_ws ? "" : "none ", p->wscale);
	if (o->sack_perm != p->sack_perm)
		return fail("option sackOK: expected %d, sent %d", o->sack_perm, p->sack_perm);
	if (o->ts != p->has_ts)
		return fail("option TS: expected %d, sent %d", o->ts, p->has_ts);
	if (o->ts && !o->tsecr_any && o->tsecr != p->tsecr)
		return fail("TS ecr: expected %u, sent %u", o->tsecr, p->tsecr);
	if (o->ts && !o->tsval_any && (!R.ts_known || (p->flags & RTE_TCP_SYN_FLAG))) {
		R.ts_delta = p->tsval - o->tsval;
		R.ts_known = true;
	}
	if (o->n_sack != p->n_sack)
		return fail("SACK blocks: expected %u, sent %u", o->n_sack, p->n_sack);
	for (unsigned i = 0; i < o->n_sack; i++)
		if (o->sack[i][0] != p->sack[i][0] - FX_PEER_ISN ||
		    o->sack[i][1] != p->sack[i][1] - FX_PEER_ISN)
			return fail("SACK block %u: expected %u:%u, sent %u:%u", i, o->sack[i][0],
				    o->sack[i][1], p->sack[i][0] - FX_PEER_ISN,
				    p->sack[i][1] - FX_PEER_ISN);
	return 0;
}

static int match(const struct sc_event *e, const struct fx_pkt *p)
{
	if (p->flags != e->flags)
		return fail("flags: expected 0x%02x, sent 0x%02x (seq %u ack %u len %u)", e->flags,
			    p->flags, p->seq - R.our_base, p->ack - FX_PEER_ISN, p->len);
	if (p->sport != FX_LPORT && p->sport != R.dport)
		return fail("sent from port %u", p->sport);
	if ((p->flags & RTE_TCP_SYN_FLAG) && !e->seq_any)
		R.our_base = p->seq - e->seq;
	if (!e->seq_any && (p->seq - R.our_base != e->seq || p->len != e->len))
		return fail("seq: expected %u:%u(%u), sent %u:%u(%u)", e->seq, e->end, e->len,
			    p->seq - R.our_base, p->seq - R.our_base + p->len, p->len);
	if (e->ack_set && !e->ack_any && p->ack - FX_PEER_ISN != e->ack)
		return fail("ack: expected %u, sent %u", e->ack, p->ack - FX_PEER_ISN);
	if (e->win_set && !e->win_any && p->wnd != e->win)
		return fail("win: expected %u, sent %u", e->win, p->wnd);
	return opts_match(e, p);
}

static int do_outbound(const struct sc_event *e, uint64_t t)
{
	uint64_t deadline = R.t0_us + t + R.tol_us;
	while (R.q_n == 0 && fx.tcp.now_us < deadline) {
		uint64_t next = (fx.tcp.now_us / 1000u + 1u) * 1000u;
		if (step_to(next < deadline ? next : deadline) != 0)
			return -1;
	}
	if (R.q_n == 0)
		return fail("expected segment not sent by %.3f s", (double)t / 1e6);
	const struct sc_sent *s = &R.q[R.q_head];
	R.q_head = (R.q_head + 1) % SC_QUEUE;
	R.q_n--;
	if (s->at_us + R.tol_us < t)
		return fail("segment sent early: at %.3f s, expected %.3f s",
			    (double)s->at_us / 1e6, (double)t / 1e6);
	return match(e, &s->p);
}

/* ---- calls ---- */

static struct tcp_conn *cur_conn(void)
{
	return tcp_flow_lookup(&fx.tcp, FX_PEER_IP, rte_cpu_to_be_16(R.sport),
			       rte_cpu_to_be_16(R.dport));
}

static const char *const state_names[] = {
    [TCP_FREE] = "CLOSED",	     [TCP_SYN_RCVD] = "SYN_RCVD", [TCP_ESTABLISHED] = "ESTABLISHED",
    [TCP_CLOSE_WAIT] = "CLOSE_WAIT", [TCP_LAST_ACK] = "LAST_ACK", [TCP_FIN_WAIT_1] = "FIN_WAIT_1",
    [TCP_FIN_WAIT_2] = "FIN_WAIT_2", [TCP_CLOSING] = "CLOSING",	  [TCP_TIME_WAIT] = "TIME_WAIT",
};

static int stat_get(const char *name, uint64_t *v)
{
	const uint64_t *f = (const uint64_t *)&fx.stats;
	for (size_t i = 0; i < chan_worker_stat_count; i++)
		if (strcmp(chan_worker_stat_names[i], name) == 0) {
			*v = f[i];
			return 0;
		}
	return -1;
}

static int need_args(const struct sc_event *e, unsigned n)
{
	if (e->n_arg != n)
		return fail("%s() takes %u argument(s)", e->fn, n);
	return 0;
}

static int need_conn(struct tcp_conn **c, const char *fn)
{
	*c = cur_conn();
	if (*c == NULL)
		return fail("%s(): no connection", fn);
	return 0;
}

static int do_set(const struct sc_event *e)
{
	if (need_args(e, 2) != 0)
		return -1;
	unsigned long v = strtoul(e->arg[1], NULL, 10);
	const char *k = e->arg[0];
	if (strcmp(k, "keepalive") == 0)
		tcp_keepalive_set(&fx.tcp, (uint32_t)v);
	else if (strcmp(k, "max_conns") == 0) {
		if (fx_tcp_reinit((uint32_t)v) != 0)
			return fail("set(max_conns): reinit failed");
	} else if (strcmp(k, "synq_max") == 0)
		fx.tcp.synq_max = (uint32_t)v;
	else if (strcmp(k, "syncookies") == 0)
		fx.tcp.syncookies = v != 0;
	else if (strcmp(k, "rcv_limit") == 0)
		fx.tcp.rcv_limit = (uint32_t)v;
	else if (strcmp(k, "rmem_max") == 0)
		fx.tcp.rmem_max = (uint32_t)v;
	else if (strcmp(k, "rmem_pool") == 0)
		fx.tcp.rmem_pool = v;
	else if (strcmp(k, "time_wait_ms") == 0)
		fx.tcp.time_wait_ms = (uint32_t)v;
	else if (strcmp(k, "challenge_per_s") == 0)
		fx.tcp.challenge_per_s = fx.tcp.challenge_tokens = (uint32_t)v;
	else if (strcmp(k, "sport") == 0)
		R.sport = (uint16_t)v;
	else if (strcmp(k, "dport") == 0)
		R.dport = (uint16_t)v;
	else if (strcmp(k, "tolerance_ms") == 0)
		R.tol_us = v * 1000u;
	else
		return fail("set(): unknown parameter '%s'", k);
	return 0;
}

static int do_call(const struct sc_event *e)
{
	struct tcp_conn *c;
	unsigned long n = e->n_arg > 0 ? strtoul(e->arg[0], NULL, 10) : 0;
	if (strcmp(e->fn, "set") == 0) {
		if (do_set(e) != 0)
			return -1;
	} else if (strcmp(e->fn, "write") == 0) {
		if (need_args(e, 1) != 0 || need_conn(&c, "write") != 0)
			return -1;
		for (unsigned long i = 0; i < n; i++) {
			uint8_t b = (uint8_t)('a' + i % 26);
			if (rw_buf_append(&c->snd, &b, 1) != 0)
				return fail("write(): no memory");
		}
		tcp_output_mark(&fx.tcp, c);
	} else if (strcmp(e->fn, "read") == 0) {
		if (need_args(e, 1) != 0 || need_conn(&c, "read") != 0)
			return -1;
		if (c->rcv.len < n)
			return fail("read(%lu): only %zu bytes readable", n, c->rcv.len);
		tcp_rcv_consumed(&fx.tcp, c, n, 0);
	} else if (strcmp(e->fn, "readable") == 0) {
		if (need_args(e, 1) != 0 || need_conn(&c, "readable") != 0)
			return -1;
		if (c->rcv.len != n)
			return fail("readable(%lu): %zu bytes readable", n, c->rcv.len);
	} else if (strcmp(e->fn, "close") == 0 || strcmp(e->fn, "abort") == 0) {
		if (need_args(e, 0) != 0 || need_conn(&c, e->fn) != 0)
			return -1;
		if (e->fn[0] == 'c')
			tcp_close(&fx.tcp, c);
		else
			tcp_abort(&fx.tcp, c);
	} else if (strcmp(e->fn, "state") == 0) {
		if (need_args(e, 1) != 0)
			return -1;
		c = cur_conn();
		const char *st = c != NULL ? state_names[c->state] : "CLOSED";
		if (strcmp(st, e->arg[0]) != 0)
			return fail("state: expected %s, is %s", e->arg[0], st);
	} else if (strcmp(e->fn, "stat") == 0) {
		uint64_t v;
		if (need_args(e, 2) != 0)
			return -1;
		if (stat_get(e->arg[0], &v) != 0)
			return fail("stat(): no counter '%s'", e->arg[0]);
		if (v != strtoull(e->arg[1], NULL, 10))
			return fail("stat %s: expected %s, is %llu", e->arg[0], e->arg[1],
				    (unsigned long long)v);
	} else if (strcmp(e->fn, "resets") == 0 || strcmp(e->fn, "accepts") == 0) {
		if (need_args(e, 1) != 0)
			return -1;
		unsigned v = e->fn[0] == 'r' ? fx.app.reset : fx.app.accepted;
		if (v != n)
			return fail("%s: expected %lu, counted %u", e->fn, n, v);
	} else {
		return fail("unknown call %s()", e->fn);
	}
	return flush_capture();
}

int sc_run(const struct sc_script *s, char *err, size_t err_len)
{
	memset(&R, 0, sizeof(R));
	R.s = s;
	R.err = err;
	R.err_len = err_len;
	R.t0_us = fx.tcp.now_us;
	R.sport = FX_PEER_PORT;
	R.dport = FX_LPORT;
	R.tol_us = SC_DEFAULT_TOL_US;
	uint64_t t = 0;
	for (unsigned i = 0; i < s->n; i++) {
		const struct sc_event *e = &s->ev[i];
		R.line = e->line;
		t = e->rel ? t + e->us : e->us;
		if (t > SC_MAX_WAIT_US)
			return fail("time beyond an hour");
		if (e->kind == SC_OUT) {
			if (do_outbound(e, t) != 0)
				return -1;
			continue;
		}
		if (advance_to(t) != 0 || expect_queue_empty() != 0)
			return -1;
		if ((e->kind == SC_IN ? do_inbound(e) : do_call(e)) != 0)
			return -1;
	}
	return expect_queue_empty();
}
