/*
 * Fixture for the net and TCP unit tests (see tcp_fixture.h).
 */
#include "tcp_fixture.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#define FX_POOL_SIZE 2047

struct fx fx;

static const struct rte_ether_addr fx_local_mac = {{0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr fx_peer_mac = {{0x02, 0, 0, 0, 0, 0x01}};

/* ---- the fake application ---- */

static void app_keep(struct fx_app *a, struct tcp_conn *c)
{
	size_t n = c->rcv.len;
	if (a->rcv_copy_len + n <= sizeof(a->rcv_copy)) {
		memcpy(a->rcv_copy + a->rcv_copy_len, c->rcv.data, n);
		a->rcv_copy_len += n;
	}
}

static void app_accepted(void *arg, struct tcp_conn *c)
{
	struct fx_app *a = arg;
	a->accepted++;
	a->last = c;
	c->app = a;
}

static void app_readable(void *arg, struct tcp_conn *c)
{
	struct fx_app *a = arg;
	a->readable++;
	a->last = c;
	a->last_peer_fin = c->peer_fin;
	a->last_rcv_len = c->rcv.len;
	size_t n = c->rcv.len;
	if (a->echo && n != 0) {
		app_keep(a, c);
		CU_ASSERT_EQUAL(rw_buf_append(&c->snd, c->rcv.data, n), 0);
		tcp_rcv_consumed(&fx.tcp, c, n, 0);
		tcp_output_mark(&fx.tcp, c);
	} else if (a->consume && n != 0) {
		app_keep(a, c);
		tcp_rcv_consumed(&fx.tcp, c, n, 0);
	}
	if (a->reply != NULL && n != 0) {
		size_t len = a->reply_len ? a->reply_len : strlen(a->reply);
		CU_ASSERT_EQUAL(rw_buf_append(&c->snd, a->reply, len), 0);
		tcp_output_mark(&fx.tcp, c);
	}
	if (a->close_on_fin && c->peer_fin)
		tcp_close(&fx.tcp, c);
	else if (a->abort_on_read)
		tcp_abort(&fx.tcp, c);
}

static void app_reset(void *arg, struct tcp_conn *c)
{
	struct fx_app *a = arg;
	a->reset++;
	a->last = c;
}

static const struct tcp_app_ops fx_app_ops = {
    .accepted = app_accepted,
    .readable = app_readable,
    .reset = app_reset,
};

/* ---- EAL, per-test setup ---- */

/*
 * DPDK 22.11 refuses --in-memory together with --no-huge (--no-huge implies
 * legacy memory), so the tests use --no-shconf, the part of --in-memory that
 * matters here: no shared config and no IPC socket. The runtime directory
 * EAL still creates stays empty; it is removed at once, so that a crashed
 * test leaves nothing behind.
 */
int fx_eal_init(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=rwut-%d", (int)getpid());
	char *argv[] = {
	    "rw_unit",
	    "--no-huge",
	    "-m",
	    "128",
	    "--no-pci",
	    "--no-shconf",
	    "--no-telemetry",
	    prefix,
	    "-l",
	    "0",
	    "--log-level=*:error",
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0]));
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	rmdir(rte_eal_get_runtime_dir());
	fx.pool = rte_pktmbuf_pool_create("fx_pool", FX_POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	if (fx.pool == NULL) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void fx_eal_fini(void)
{
	rte_mempool_free(fx.pool);
	fx.pool = NULL;
	rte_eal_cleanup();
}

int fx_tcp_reinit(uint32_t max_conns)
{
	if (fx.tcp_on)
		tcp_stack_fini(&fx.tcp);
	fx.tcp_on = false;
	if (tcp_stack_init(&fx.tcp, &fx.net, FX_LPORT, max_conns, &fx_app_ops, &fx.app, 0) != 0)
		return -1;
	fx.tcp.now_us = fx.net.now_ms * 1000u;
	fx.tcp_on = true;
	return 0;
}

static void fx_setup(void)
{
	struct rte_mempool *pool = fx.pool;
	memset(&fx, 0, sizeof(fx));
	fx.pool = pool;
	CU_ASSERT_FATAL(eth_port_mem_create(&fx.port, 1, &fx_local_mac) == 0);
	fx.nif = (struct net_if){
	    .ip = FX_LOCAL_IP,
	    .mask = RTE_BE32(0xffffff00u),
	    .gw = 0,
	    .mac = fx_local_mac,
	    .mtu = 1500,
	    .arp = &fx.arp,
	};
	net_ctx_init(&fx.net, &fx.nif, &fx.port, 0, fx.pool, &fx.stats);
	fx.net.now_ms = FX_START_MS;
	net_arp_update(&fx.arp, FX_PEER_IP, &fx_peer_mac, fx.net.now_ms);
	CU_ASSERT_FATAL(fx_tcp_reinit(16) == 0);
}

static void fx_teardown(void)
{
	struct rte_mbuf *m[64];
	unsigned n;
	if (fx.tcp_on)
		tcp_stack_fini(&fx.tcp);
	fx.tcp_on = false;
	net_tx_flush(&fx.net);
	while ((n = eth_port_mem_take(&fx.port, 0, m, 64)) != 0)
		rte_pktmbuf_free_bulk(m, n);
	eth_port_mem_destroy(&fx.port);
	/* every mbuf the test or the stack allocated went back to the pool */
	CU_ASSERT_EQUAL(rte_mempool_avail_count(fx.pool), FX_POOL_SIZE);
}

int fx_add_suite(const char *name, const struct rw_test_case *tests)
{
	CU_pSuite s = CU_add_suite_with_setup_and_teardown(name, NULL, NULL, fx_setup, fx_teardown);
	if (s == NULL)
		return -1;
	for (const struct rw_test_case *t = tests; t->name != NULL; t++)
		if (CU_add_test(s, t->name, t->fn) == NULL)
			return -1;
	return 0;
}

void fx_advance_us(uint64_t us)
{
	fx.tcp.now_us += us;
	fx.net.now_ms = fx.tcp.now_us / 1000u;
}

void fx_advance_ms(uint64_t ms)
{
	fx_advance_us(ms * 1000u);
	tcp_timers_run(&fx.tcp);
}

/* ---- frame builders ---- */

struct rte_mbuf *fx_eth_frame(const struct rte_ether_addr *dst, uint16_t ether_type,
			      const void *payload, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fx.pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	struct rte_ether_hdr *eh =
	    (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eh) + len));
	CU_ASSERT_PTR_NOT_NULL_FATAL(eh);
	eh->dst_addr = *dst;
	eh->src_addr = fx_peer_mac;
	eh->ether_type = rte_cpu_to_be_16(ether_type);
	if (len != 0)
		memcpy(eh + 1, payload, len);
	return m;
}

struct rte_mbuf *fx_arp_frame(uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
			      uint32_t tip)
{
	struct rte_arp_hdr ah = {
	    .arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER),
	    .arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4),
	    .arp_hlen = RTE_ETHER_ADDR_LEN,
	    .arp_plen = 4,
	    .arp_opcode = rte_cpu_to_be_16(op),
	};
	ah.arp_data.arp_sha = sha != NULL ? *sha : fx_peer_mac;
	ah.arp_data.arp_sip = sip;
	ah.arp_data.arp_tip = tip;
	struct rte_ether_addr bcast;
	memset(bcast.addr_bytes, 0xff, sizeof(bcast.addr_bytes));
	return fx_eth_frame(&bcast, RTE_ETHER_TYPE_ARP, &ah, sizeof(ah));
}

struct rte_ipv4_hdr *fx_frame_ip(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

void fx_frame_ip_cksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = fx_frame_ip(m);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

struct rte_mbuf *fx_ipv4_frame(uint8_t proto, const void *l4, uint16_t len)
{
	uint8_t buf[sizeof(struct rte_ipv4_hdr) + FX_MAX_DATA];
	CU_ASSERT_FATAL(len <= FX_MAX_DATA);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	*ip = (struct rte_ipv4_hdr){
	    .version_ihl = RTE_IPV4_VHL_DEF,
	    .total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + len)),
	    .packet_id = rte_cpu_to_be_16(7),
	    .time_to_live = 64,
	    .next_proto_id = proto,
	    .src_addr = FX_PEER_IP,
	    .dst_addr = FX_LOCAL_IP,
	};
	if (len != 0)
		memcpy(ip + 1, l4, len);
	struct rte_mbuf *m =
	    fx_eth_frame(&fx_local_mac, RTE_ETHER_TYPE_IPV4, buf, (uint16_t)(sizeof(*ip) + len));
	fx_frame_ip_cksum(m);
	return m;
}

struct rte_mbuf *fx_icmp_echo_frame(uint16_t id, uint16_t seq, const void *payload, uint16_t len)
{
	uint8_t buf[sizeof(struct rte_icmp_hdr) + FX_MAX_DATA];
	CU_ASSERT_FATAL(len <= FX_MAX_DATA);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)buf;
	*ic = (struct rte_icmp_hdr){
	    .icmp_type = RTE_IP_ICMP_ECHO_REQUEST,
	    .icmp_ident = rte_cpu_to_be_16(id),
	    .icmp_seq_nb = rte_cpu_to_be_16(seq),
	};
	if (len != 0)
		memcpy(ic + 1, payload, len);
	uint16_t total = (uint16_t)(sizeof(*ic) + len);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, total);
	return fx_ipv4_frame(IPPROTO_ICMP, buf, total);
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/* The peer's options, written independently of the stack's writer. */
static uint16_t seg_opts(const struct fx_seg *s, uint8_t *o)
{
	uint8_t *p = o;
	if (s->raw_opt != NULL) {
		CU_ASSERT_FATAL(s->raw_opt_len <= 40 && s->raw_opt_len % 4 == 0);
		memcpy(o, s->raw_opt, s->raw_opt_len);
		return s->raw_opt_len;
	}
	if (s->mss) {
		*p++ = 2;
		*p++ = 4;
		*p++ = (uint8_t)(s->mss >> 8);
		*p++ = (uint8_t)s->mss;
	}
	if (s->ws) {
		*p++ = 1;
		*p++ = 3;
		*p++ = 3;
		*p++ = s->wscale;
	}
	if (s->sack_perm) {
		*p++ = 1;
		*p++ = 1;
		*p++ = 4;
		*p++ = 2;
	}
	if (s->ts) {
		*p++ = 1;
		*p++ = 1;
		*p++ = 8;
		*p++ = 10;
		p = put32(p, s->tsval);
		p = put32(p, s->tsecr);
	}
	if (s->n_sack) {
		*p++ = 1;
		*p++ = 1;
		*p++ = 5;
		*p++ = (uint8_t)(2 + 8 * s->n_sack);
		for (unsigned i = 0; i < s->n_sack; i++) {
			p = put32(p, s->sack[i][0]);
			p = put32(p, s->sack[i][1]);
		}
	}
	CU_ASSERT_FATAL(p - o <= 40 && (p - o) % 4 == 0);
	return (uint16_t)(p - o);
}

struct rte_mbuf *fx_tcp_frame(const struct fx_seg *s)
{
	uint8_t buf[sizeof(struct rte_tcp_hdr) + 40 + FX_MAX_DATA];
	CU_ASSERT_FATAL(s->len <= FX_MAX_DATA);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)buf;
	uint8_t *o = (uint8_t *)(th + 1);
	uint16_t opt = seg_opts(s, o);
	*th = (struct rte_tcp_hdr){
	    .src_port = rte_cpu_to_be_16(s->sport ? s->sport : FX_PEER_PORT),
	    .dst_port = rte_cpu_to_be_16(s->dport ? s->dport : FX_LPORT),
	    .sent_seq = rte_cpu_to_be_32(s->seq),
	    .recv_ack = rte_cpu_to_be_32(s->ack),
	    .data_off = (uint8_t)(((sizeof(*th) + opt) / 4) << 4),
	    .tcp_flags = s->flags,
	    .rx_win = rte_cpu_to_be_16(s->wnd),
	};
	if (s->len != 0)
		memcpy(o + opt, s->data, s->len);
	uint16_t l4 = (uint16_t)(sizeof(*th) + opt + s->len);
	struct rte_mbuf *m = fx_ipv4_frame(IPPROTO_TCP, buf, l4);
	struct rte_ipv4_hdr *ip = fx_frame_ip(m);
	struct rte_tcp_hdr *mth = (struct rte_tcp_hdr *)(ip + 1);
	mth->cksum = 0;
	mth->cksum = rte_ipv4_udptcp_cksum(ip, mth);
	if (s->bad_cksum)
		mth->cksum ^= 0x0101;
	return m;
}

void fx_input(struct rte_mbuf *m)
{
	net_input(&fx.net, m);
}

void fx_send(const struct fx_seg *s)
{
	fx_input(fx_tcp_frame(s));
}

/* ---- TX capture ---- */

static bool l4_cksum_ok(const struct rte_ipv4_hdr *ip, const void *l4, uint32_t len)
{
	uint32_t sum = (uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(l4, len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void parse_tcp(struct fx_pkt *p, const struct rte_ipv4_hdr *ip, const uint8_t *l4,
		      uint32_t len)
{
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)l4;
	CU_ASSERT_FATAL(len >= sizeof(*th));
	uint32_t thl = (uint32_t)(th->data_off >> 4) * 4;
	CU_ASSERT_FATAL(thl >= sizeof(*th) && thl <= len);
	p->tcp_cksum_ok = l4_cksum_ok(ip, l4, len);
	p->sport = rte_be_to_cpu_16(th->src_port);
	p->dport = rte_be_to_cpu_16(th->dst_port);
	p->seq = rte_be_to_cpu_32(th->sent_seq);
	p->ack = rte_be_to_cpu_32(th->recv_ack);
	p->flags = th->tcp_flags;
	p->wnd = rte_be_to_cpu_16(th->rx_win);
	p->opt_len = (uint8_t)(thl - sizeof(*th));
	for (uint32_t i = sizeof(*th); i < thl;) {
		uint8_t kind = l4[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= thl || l4[i + 1] < 2)
			break;
		const uint8_t *v = l4 + i + 2;
		uint8_t olen = l4[i + 1];
		if (kind == 2 && olen == 4)
			p->mss = (uint16_t)((v[0] << 8) | v[1]);
		if (kind == 3 && olen == 3) {
			p->has_ws = true;
			p->wscale = v[0];
		}
		if (kind == 4 && olen == 2)
			p->sack_perm = true;
		if (kind == 8 && olen == 10) {
			p->has_ts = true;
			p->tsval = get32(v);
			p->tsecr = get32(v + 4);
		}
		if (kind == 5 && olen >= 10 && (olen - 2) % 8 == 0) {
			for (unsigned k = 0; k < (olen - 2u) / 8u && p->n_sack < 4; k++) {
				p->sack[p->n_sack][0] = get32(v + 8 * k);
				p->sack[p->n_sack][1] = get32(v + 8 * k + 4);
				p->n_sack++;
			}
		}
		i += olen;
	}
	p->len = (uint16_t)(len - thl);
	CU_ASSERT_FATAL(p->len <= FX_MAX_DATA);
	memcpy(p->data, l4 + thl, p->len);
}

void fx_parse_frame(struct rte_mbuf *m, struct fx_pkt *p)
{
	memset(p, 0, sizeof(*p));
	CU_ASSERT_EQUAL_FATAL(m->nb_segs, 1);
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t flen = rte_pktmbuf_data_len(m);
	p->frame_len = (uint16_t)flen;
	CU_ASSERT_FATAL(flen >= sizeof(p->eth));
	memcpy(&p->eth, f, sizeof(p->eth));
	p->ether_type = rte_be_to_cpu_16(p->eth.ether_type);
	f += sizeof(p->eth);
	flen -= (uint32_t)sizeof(p->eth);
	if (p->ether_type == RTE_ETHER_TYPE_ARP) {
		CU_ASSERT_FATAL(flen >= sizeof(p->arp));
		memcpy(&p->arp, f, sizeof(p->arp));
		return;
	}
	if (p->ether_type != RTE_ETHER_TYPE_IPV4)
		return;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)f;
	CU_ASSERT_FATAL(flen >= sizeof(*ip));
	memcpy(&p->ip, ip, sizeof(p->ip));
	uint32_t ihl = rte_ipv4_hdr_len(ip);
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	CU_ASSERT_FATAL(ihl >= sizeof(*ip) && tot >= ihl && tot <= flen);
	p->ip_cksum_ok = rte_raw_cksum(ip, ihl) == 0xffff;
	const uint8_t *l4 = f + ihl;
	uint32_t l4_len = tot - ihl;
	if (ip->next_proto_id == IPPROTO_TCP) {
		parse_tcp(p, ip, l4, l4_len);
	} else if (ip->next_proto_id == IPPROTO_ICMP) {
		CU_ASSERT_FATAL(l4_len >= sizeof(p->icmp));
		memcpy(&p->icmp, l4, sizeof(p->icmp));
		p->icmp_cksum_ok = rte_raw_cksum(l4, l4_len) == 0xffff;
		p->len = (uint16_t)(l4_len - sizeof(p->icmp));
		CU_ASSERT_FATAL(p->len <= FX_MAX_DATA);
		memcpy(p->data, l4 + sizeof(p->icmp), p->len);
	}
}

void fx_flush(void)
{
	if (fx.tcp_on)
		tcp_output_flush(&fx.tcp);
	net_tx_flush(&fx.net);
}

unsigned fx_take(struct fx_pkt *out, unsigned max)
{
	struct rte_mbuf *m[64];
	unsigned got = 0, n;
	net_tx_flush(&fx.net);
	while ((n = eth_port_mem_take(&fx.port, 0, m, 64)) != 0) {
		for (unsigned i = 0; i < n; i++) {
			if (got < max)
				fx_parse_frame(m[i], &out[got]);
			got++;
		}
		rte_pktmbuf_free_bulk(m, n);
	}
	return got;
}

unsigned fx_flush_take(struct fx_pkt *out, unsigned max)
{
	fx_flush();
	return fx_take(out, max);
}

/* ---- TCP scenarios ---- */

int fx_open_opts(struct fx_conn *fc, uint16_t port, uint16_t wnd, uint16_t mss,
		 const struct fx_seg *syn)
{
	return fx_open_rtt(fc, port, wnd, mss, syn, 0);
}

int fx_open_rtt(struct fx_conn *fc, uint16_t port, uint16_t wnd, uint16_t mss,
		const struct fx_seg *syn, uint64_t rtt_us)
{
	struct fx_pkt p;
	unsigned accepted = fx.app.accepted;
	memset(fc, 0, sizeof(*fc));
	fc->port = port;
	struct fx_seg s = syn != NULL ? *syn : (struct fx_seg){0};
	s.seq = FX_PEER_ISN;
	s.flags = FX_SYN;
	s.wnd = wnd;
	s.sport = port;
	s.mss = mss;
	fx_send(&s);
	if (fx_flush_take(&p, 1) != 1 || p.flags != (FX_SYN | FX_ACK) || p.ack != FX_PEER_ISN + 1 ||
	    p.dport != port)
		return -1;
	fc->synack = p;
	fc->iss = p.seq;
	fc->snd_nxt = FX_PEER_ISN + 1;
	fc->rcv_nxt = p.seq + 1;
	fc->ts = p.has_ts;
	fc->tsval = s.tsval;
	fc->tsecr = p.tsval;
	fc->wscale = p.has_ws ? p.wscale : 0;
	fc->peer_wscale = p.has_ws ? s.wscale : 0;
	fx_advance_us(rtt_us); /* the handshake's RTT sample (RFC 6298 §2) */
	fx_send(&(struct fx_seg){.seq = fc->snd_nxt,
				 .ack = fc->rcv_nxt,
				 .flags = FX_ACK,
				 .wnd = wnd,
				 .sport = port,
				 .ts = fc->ts,
				 .tsval = fc->tsval,
				 .tsecr = fc->tsecr});
	if (fx.app.accepted != accepted + 1 || fx.app.last == NULL ||
	    fx.app.last->state != TCP_ESTABLISHED)
		return -1;
	fc->c = fx.app.last;
	if (fx_flush_take(&p, 1) != 0) /* nothing owed after the handshake */
		return -1;
	return 0;
}

int fx_open(struct fx_conn *fc, uint16_t port, uint16_t wnd, uint16_t mss)
{
	return fx_open_opts(fc, port, wnd, mss, NULL);
}

void fx_conn_data_at(struct fx_conn *fc, uint32_t seq, const void *data, uint16_t len)
{
	fx_send(&(struct fx_seg){.seq = seq,
				 .ack = fc->rcv_nxt,
				 .flags = FX_ACK | FX_PSH,
				 .wnd = FX_WND,
				 .sport = fc->port,
				 .data = data,
				 .len = len,
				 .ts = fc->ts,
				 .tsval = fc->tsval,
				 .tsecr = fc->tsecr});
}

void fx_conn_sack(struct fx_conn *fc, uint32_t ack, uint16_t wnd, unsigned n,
		  const uint32_t (*blocks)[2])
{
	struct fx_seg s = {.seq = fc->snd_nxt,
			   .ack = ack,
			   .flags = FX_ACK,
			   .wnd = wnd,
			   .sport = fc->port,
			   .ts = fc->ts,
			   .tsval = fc->tsval,
			   .tsecr = fc->tsecr,
			   .n_sack = (uint8_t)n};
	for (unsigned i = 0; i < n; i++) {
		s.sack[i][0] = blocks[i][0];
		s.sack[i][1] = blocks[i][1];
	}
	fx_send(&s);
}

void fx_conn_data(struct fx_conn *fc, const void *data, uint16_t len)
{
	fx_conn_data_at(fc, fc->snd_nxt, data, len);
	fc->snd_nxt += len;
}

void fx_conn_ack(struct fx_conn *fc, uint32_t ack, uint16_t wnd)
{
	fx_conn_sack(fc, ack, wnd, 0, NULL);
}
