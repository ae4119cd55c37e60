/*
 * Per-core flows (tcp_flow.c): two workers' stacks on a two-queue memory
 * port, sharing one tcp_shared. Segments of one flow are injected on both
 * queues; every one must reach the worker owning the flow and none may
 * be answered with a RST by the other.
 */
#include <pthread.h>

#include "test_tcp.h"

#define HO_CONNS 16

struct ho_worker {
	struct net_ctx net;
	struct chan_worker_stats stats;
	struct tcp_stack tcp;
	unsigned accepted, readable, reset;
	struct tcp_conn *last;
};

static struct {
	struct eth_port port;
	struct net_arp_cache arp;
	struct net_if nif;
	struct tcp_shared *sh;
	struct ho_worker w[2];
} ho;

static const struct rte_ether_addr ho_local_mac = {{0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr ho_peer_mac = {{0x02, 0, 0, 0, 0, 0x01}};

static void ho_accepted(void *arg, struct tcp_conn *c)
{
	struct ho_worker *w = arg;
	w->accepted++;
	w->last = c;
	c->app = w;
}

/* An echo server: what arrives goes back. */
static void ho_readable(void *arg, struct tcp_conn *c)
{
	struct ho_worker *w = arg;
	w->readable++;
	size_t n = c->rcv.len;
	if (n == 0)
		return;
	CU_ASSERT_EQUAL(rw_buf_append(&c->snd, c->rcv.data, n), 0);
	tcp_rcv_consumed(&w->tcp, c, n, 0);
	tcp_output_mark(&w->tcp, c);
}

static void ho_reset(void *arg, struct tcp_conn *c)
{
	struct ho_worker *w = arg;
	(void)c;
	w->reset++;
}

static const struct tcp_app_ops ho_ops = {
    .accepted = ho_accepted,
    .readable = ho_readable,
    .reset = ho_reset,
};

static int ho_init(void)
{
	return 0;
}

static void ho_setup(void)
{
	memset(&ho, 0, sizeof(ho));
	CU_ASSERT_FATAL(eth_port_mem_create(&ho.port, 2, &ho_local_mac) == 0);
	ho.nif = (struct net_if){.ip = FX_LOCAL_IP,
				 .mask = RTE_BE32(0xffffff00u),
				 .mac = ho_local_mac,
				 .mtu = 1500,
				 .arp = &ho.arp};
	net_arp_update(&ho.arp, FX_PEER_IP, &ho_peer_mac, FX_START_MS);
	CU_ASSERT_FATAL(tcp_shared_create(&ho.sh, 2, 2 * HO_CONNS) == 0);
	for (unsigned i = 0; i < 2; i++) {
		struct ho_worker *w = &ho.w[i];
		net_ctx_init(&w->net, &ho.nif, &ho.port, (uint16_t)i, fx.pool, &w->stats);
		w->net.now_ms = FX_START_MS;
		CU_ASSERT_FATAL(
		    tcp_stack_init(&w->tcp, &w->net, FX_LPORT, HO_CONNS, &ho_ops, w, i) == 0);
		w->tcp.now_us = FX_START_MS * 1000u;
		tcp_stack_share(&w->tcp, ho.sh, i);
	}
}

static void ho_drain(void)
{
	struct rte_mbuf *m[64];
	unsigned n;
	for (uint16_t q = 0; q < 2; q++)
		while ((n = eth_port_mem_take(&ho.port, q, m, 64)) != 0)
			rte_pktmbuf_free_bulk(m, n);
}

static void ho_teardown(void)
{
	for (unsigned i = 0; i < 2; i++) {
		tcp_stack_fini(&ho.w[i].tcp);
		net_tx_flush(&ho.w[i].net);
	}
	tcp_shared_destroy(&ho.sh);
	CU_ASSERT_PTR_NULL(ho.sh);
	ho_drain();
	eth_port_mem_destroy(&ho.port);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(fx.pool), 2047);
}

/* Queue @p q receives segment @p s (the worker of that queue runs net_input). */
static void ho_in(unsigned q, const struct fx_seg *s)
{
	net_input(&ho.w[q].net, fx_tcp_frame(s));
}

/* The rest of one loop iteration on both workers: handed-off segments,
 * TCP output, TX. */
static void ho_loop(void)
{
	for (unsigned i = 0; i < 2; i++) {
		tcp_handoff_poll(&ho.w[i].tcp);
		tcp_output_flush(&ho.w[i].tcp);
		net_tx_flush(&ho.w[i].net);
	}
}

static unsigned ho_take(uint16_t q, struct fx_pkt *out, unsigned max)
{
	struct rte_mbuf *m[64];
	unsigned got = 0, n;
	while ((n = eth_port_mem_take(&ho.port, q, m, 64)) != 0) {
		for (unsigned i = 0; i < n; i++) {
			if (got < max)
				fx_parse_frame(m[i], &out[got]);
			got++;
		}
		rte_pktmbuf_free_bulk(m, n);
	}
	return got;
}

static uint64_t rst_sent(void)
{
	return ho.w[0].stats.tcp_rst_sent + ho.w[1].stats.tcp_rst_sent;
}

/* Open from FX_PEER_PORT through queue @p q. @return our ISS. */
static uint32_t ho_open_on(uint16_t q)
{
	struct fx_pkt p;
	ho_in(q, &(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND, .mss = 1460});
	ho_loop();
	CU_ASSERT_EQUAL_FATAL(ho_take(q, &p, 1), 1);
	CU_ASSERT_EQUAL_FATAL(p.flags, FX_SYN | FX_ACK);
	CU_ASSERT_EQUAL(ho_take(1 - q, &p, 1), 0);
	return p.seq;
}

static void test_tcp_handoff_segments_reach_owner(void)
{
	struct fx_pkt p[4];
	uint32_t iss = ho_open_on(0);
	/* the rest of the flow arrives on the other queue */
	ho_in(1, &(struct fx_seg){
		     .seq = FX_PEER_ISN + 1, .ack = iss + 1, .flags = FX_ACK, .wnd = FX_WND});
	CU_ASSERT_EQUAL(ho.w[1].stats.tcp_handoff_sent, 1);
	CU_ASSERT_EQUAL(ho.w[0].accepted, 0); /* not before worker 0 polls */
	ho_loop();
	CU_ASSERT_EQUAL(ho.w[0].accepted, 1);
	CU_ASSERT_EQUAL(ho.w[1].accepted, 0);
	CU_ASSERT_EQUAL(ho.w[1].tcp.n_free, HO_CONNS);
	ho_in(1, &(struct fx_seg){.seq = FX_PEER_ISN + 1,
				  .ack = iss + 1,
				  .flags = FX_ACK | FX_PSH,
				  .wnd = FX_WND,
				  .data = "hello",
				  .len = 5});
	ho_loop();
	CU_ASSERT_EQUAL(ho_take(1, p, 4), 0); /* nothing from the worker that does not own it */
	CU_ASSERT_EQUAL_FATAL(ho_take(0, p, 4), 1);
	CU_ASSERT_EQUAL(p[0].len, 5);
	CU_ASSERT_EQUAL(memcmp(p[0].data, "hello", 5), 0);
	CU_ASSERT_EQUAL(p[0].ack, FX_PEER_ISN + 6);
	CU_ASSERT_EQUAL(p[0].seq, iss + 1);
	/* the peer's FIN, again on the wrong queue */
	ho_in(1,
	      &(struct fx_seg){
		  .seq = FX_PEER_ISN + 6, .ack = iss + 6, .flags = FX_ACK | FX_FIN, .wnd = FX_WND});
	ho_loop();
	CU_ASSERT_EQUAL(ho_take(1, p, 4), 0);
	CU_ASSERT_EQUAL_FATAL(ho_take(0, p, 4), 1);
	CU_ASSERT_EQUAL(p[0].ack, FX_PEER_ISN + 7);
	CU_ASSERT_EQUAL(ho.w[0].last->state, TCP_CLOSE_WAIT);
	CU_ASSERT_EQUAL(ho.w[1].stats.tcp_handoff_sent, 3);
	CU_ASSERT_EQUAL(ho.w[0].stats.tcp_handoff_received, 3);
	CU_ASSERT_EQUAL(ho.w[0].stats.tcp_handoff_sent, 0);
	CU_ASSERT_EQUAL(rst_sent(), 0);
}

static void test_tcp_handoff_syn_retransmit_on_other_queue(void)
{
	struct fx_pkt p;
	uint32_t iss = ho_open_on(0);
	/* the SYN-ACK was lost; the repeated SYN lands on queue 1 */
	ho_in(1, &(struct fx_seg){.seq = FX_PEER_ISN, .flags = FX_SYN, .wnd = FX_WND, .mss = 1460});
	ho_loop();
	CU_ASSERT_EQUAL(ho_take(1, &p, 1), 0);
	CU_ASSERT_EQUAL_FATAL(ho_take(0, &p, 1), 1);
	CU_ASSERT_EQUAL(p.flags, FX_SYN | FX_ACK);
	CU_ASSERT_EQUAL(p.seq, iss); /* the same connection answers again */
	CU_ASSERT_EQUAL(ho.w[1].tcp.n_free, HO_CONNS);
	CU_ASSERT_EQUAL(ho.w[0].tcp.n_free, HO_CONNS - 1);
	CU_ASSERT_EQUAL(rst_sent(), 0);
}

static void test_tcp_handoff_cookie_validated_by_other_worker(void)
{
	struct fx_pkt p[4];
	ho.w[0].tcp.synq_max = 0; /* worker 0 answers every SYN with a cookie */
	uint32_t iss = ho_open_on(0);
	CU_ASSERT_EQUAL(ho.w[0].stats.tcp_syncookies_sent, 1);
	/* the cookie comes back to worker 1, which shares the secret */
	ho_in(1, &(struct fx_seg){
		     .seq = FX_PEER_ISN + 1, .ack = iss + 1, .flags = FX_ACK, .wnd = FX_WND});
	ho_loop();
	CU_ASSERT_EQUAL(ho.w[1].stats.tcp_syncookies_validated, 1);
	CU_ASSERT_EQUAL(ho.w[1].accepted, 1);
	CU_ASSERT_EQUAL(tcp_owner_lookup(&ho.w[0].tcp, FX_PEER_IP, rte_cpu_to_be_16(FX_PEER_PORT)),
			1);
	/* data on queue 0 now belongs to worker 1 */
	ho_in(0, &(struct fx_seg){.seq = FX_PEER_ISN + 1,
				  .ack = iss + 1,
				  .flags = FX_ACK | FX_PSH,
				  .wnd = FX_WND,
				  .data = "ping",
				  .len = 4});
	ho_loop();
	CU_ASSERT_EQUAL(ho.w[0].stats.tcp_handoff_sent, 1);
	CU_ASSERT_EQUAL(ho_take(0, p, 4), 0);
	CU_ASSERT_EQUAL_FATAL(ho_take(1, p, 4), 1);
	CU_ASSERT_EQUAL(memcmp(p[0].data, "ping", 4), 0);
	CU_ASSERT_EQUAL(rst_sent(), 0);
}

/* Once the owner lets go, the flow is nobody's: a stray segment gets the
 * RST of RFC 9293 §3.10.7.1 from whichever worker receives it. */
static void test_tcp_handoff_owner_entry_released_with_connection(void)
{
	struct fx_pkt p;
	uint32_t iss = ho_open_on(0);
	ho_in(0, &(struct fx_seg){
		     .seq = FX_PEER_ISN + 1, .ack = iss + 1, .flags = FX_ACK, .wnd = FX_WND});
	ho_loop();
	CU_ASSERT_EQUAL_FATAL(ho.w[0].accepted, 1);
	uint16_t port = rte_cpu_to_be_16(FX_PEER_PORT);
	CU_ASSERT_EQUAL(tcp_owner_lookup(&ho.w[1].tcp, FX_PEER_IP, port), 0);
	tcp_abort(&ho.w[0].tcp, ho.w[0].last);
	CU_ASSERT_EQUAL(tcp_owner_lookup(&ho.w[1].tcp, FX_PEER_IP, port), -1);
	ho_in(1, &(struct fx_seg){
		     .seq = FX_PEER_ISN + 1, .ack = iss + 1, .flags = FX_ACK, .wnd = FX_WND});
	ho_loop();
	CU_ASSERT_EQUAL(ho.w[1].stats.tcp_handoff_sent, 0);
	CU_ASSERT_EQUAL_FATAL(ho_take(1, &p, 1), 1);
	CU_ASSERT_EQUAL(p.flags, FX_RST);
}

/* ICMP fragmentation needed comes from a router, hashed anywhere: the
 * worker that gets it hands it to the flow's owner, whose MSS drops. */
static void test_tcp_handoff_icmp_frag_needed_reaches_owner(void)
{
	uint32_t iss = ho_open_on(0);
	ho_in(0, &(struct fx_seg){
		     .seq = FX_PEER_ISN + 1, .ack = iss + 1, .flags = FX_ACK, .wnd = FX_WND});
	ho_loop();
	struct tcp_conn *c = ho.w[0].last;
	CU_ASSERT_FATAL(c != NULL);
	for (unsigned i = 0; i < 3000; i++)
		CU_ASSERT_EQUAL_FATAL(rw_buf_append(&c->snd, "z", 1), 0);
	tcp_output_mark(&ho.w[0].tcp, c);
	ho_loop();
	ho_drain();
	uint8_t b[8 + 20 + 8] = {3, 4};
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)b;
	ic->icmp_seq_nb = rte_cpu_to_be_16(1200);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(b + 8);
	in->version_ihl = RTE_IPV4_VHL_DEF;
	in->next_proto_id = IPPROTO_TCP;
	in->src_addr = FX_LOCAL_IP;
	in->dst_addr = FX_PEER_IP;
	uint16_t ports[2] = {rte_cpu_to_be_16(FX_LPORT), rte_cpu_to_be_16(FX_PEER_PORT)};
	uint32_t seq = rte_cpu_to_be_32(iss + 1);
	memcpy(b + 28, ports, 4);
	memcpy(b + 32, &seq, 4);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(b, sizeof(b));
	net_input(&ho.w[1].net, fx_ipv4_frame(IPPROTO_ICMP, b, sizeof(b)));
	CU_ASSERT_EQUAL(ho.w[1].stats.tcp_handoff_sent, 1);
	ho_loop();
	CU_ASSERT_EQUAL(c->mss, 1160);
	CU_ASSERT_EQUAL(ho.w[0].stats.tcp_pmtu_lowered, 1);
	CU_ASSERT_EQUAL(rst_sent(), 0);
}

/* A full ring to the owner drops (counted), like a full NIC queue. */
static void test_tcp_handoff_ring_full_drops_counted(void)
{
	uint32_t iss = ho_open_on(0);
	ho_in(0, &(struct fx_seg){
		     .seq = FX_PEER_ISN + 1, .ack = iss + 1, .flags = FX_ACK, .wnd = FX_WND});
	ho_loop();
	for (unsigned i = 0; i < 1100; i++)
		ho_in(1,
		      &(struct fx_seg){
			  .seq = FX_PEER_ISN + 1, .ack = iss + 1, .flags = FX_ACK, .wnd = FX_WND});
	const struct chan_worker_stats *s1 = &ho.w[1].stats;
	CU_ASSERT_EQUAL(s1->tcp_handoff_sent + s1->tcp_handoff_dropped, 1100);
	CU_ASSERT(s1->tcp_handoff_dropped >= 1100 - 1024);
	for (unsigned i = 0; i < 64; i++)
		ho_loop();
	CU_ASSERT_EQUAL(ho.w[0].stats.tcp_handoff_received, s1->tcp_handoff_sent);
	ho_drain();
}

/* Two threads claim the same flows at once: never two owners, and the
 * table holds exactly the winner. */
struct claim_arg {
	struct tcp_stack t;
	struct chan_worker_stats stats;
	int8_t won[4096];
};

static void *claim_all(void *p)
{
	struct claim_arg *a = p;
	for (uint32_t i = 0; i < 4096; i++) {
		int32_t slot;
		int r = tcp_owner_claim(&a->t, RTE_BE32(0xc6120000u + i), 7, &slot);
		a->won[i] = (int8_t)(r == (int)a->t.self);
	}
	return NULL;
}

static void test_tcp_owner_claim_race_single_owner(void)
{
	static struct claim_arg a[2];
	struct tcp_shared *sh;
	CU_ASSERT_FATAL(tcp_shared_create(&sh, 2, 4096) == 0);
	for (unsigned i = 0; i < 2; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].t.stats = &a[i].stats;
		tcp_stack_share(&a[i].t, sh, i);
	}
	pthread_t th[2];
	for (unsigned i = 0; i < 2; i++)
		CU_ASSERT_FATAL(pthread_create(&th[i], NULL, claim_all, &a[i]) == 0);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	unsigned both_yielded = 0;
	for (uint32_t i = 0; i < 4096; i++) {
		CU_ASSERT(a[0].won[i] + a[1].won[i] <= 1);
		int o = tcp_owner_lookup(&a[0].t, RTE_BE32(0xc6120000u + i), 7);
		if (a[0].won[i])
			CU_ASSERT_EQUAL(o, 0);
		if (a[1].won[i])
			CU_ASSERT_EQUAL(o, 1);
		if (!a[0].won[i] && !a[1].won[i]) {
			CU_ASSERT_EQUAL(o, -1);
			both_yielded++;
		}
	}
	/* each worker that withdrew counted it */
	CU_ASSERT(a[0].stats.tcp_owner_conflicts + a[1].stats.tcp_owner_conflicts >=
		  2 * both_yielded);
	CU_ASSERT_EQUAL(a[0].stats.tcp_owner_table_full + a[1].stats.tcp_owner_table_full, 0);
	tcp_shared_destroy(&sh);
}

static const struct rw_test_case handoff_cases[] = {
    RW_TEST(test_tcp_handoff_segments_reach_owner),
    RW_TEST(test_tcp_handoff_syn_retransmit_on_other_queue),
    RW_TEST(test_tcp_handoff_cookie_validated_by_other_worker),
    RW_TEST(test_tcp_handoff_owner_entry_released_with_connection),
    RW_TEST(test_tcp_handoff_icmp_frag_needed_reaches_owner),
    RW_TEST(test_tcp_handoff_ring_full_drops_counted),
    RW_TEST(test_tcp_owner_claim_race_single_owner),
    {NULL, NULL},
};

int test_tcp_handoff_register(void)
{
	CU_pSuite s = CU_add_suite_with_setup_and_teardown("tcp_handoff", ho_init, NULL, ho_setup,
							   ho_teardown);
	if (s == NULL)
		return -1;
	for (const struct rw_test_case *t = handoff_cases; t->name != NULL; t++)
		if (CU_add_test(s, t->name, t->fn) == NULL)
			return -1;
	return 0;
}
