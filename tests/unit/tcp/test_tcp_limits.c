/*
 * Limits that keep one worker's TCP bounded: TIME_WAIT never holds more
 * than the pool and never refuses a new connection (the oldest gives way),
 * and a peer that stops reading is reset once its unread replies pass the
 * output limit.
 */
#include "test_tcp.h"

/* Take @p fc through an active close into TIME_WAIT. */
static void to_time_wait(struct fx_conn *fc)
{
	struct fx_pkt p[4];
	tcp_close(&fx.tcp, fc->c);
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 4), 1);
	CU_ASSERT_EQUAL(p[0].flags, FX_FIN | FX_ACK);
	fx_send(&(struct fx_seg){.seq = fc->snd_nxt,
				 .ack = fc->rcv_nxt + 1,
				 .flags = FX_ACK | FX_FIN,
				 .wnd = FX_WND,
				 .sport = fc->port});
	fx_flush_take(p, 4);
	CU_ASSERT_EQUAL(fc->c->state, TCP_TIME_WAIT);
}

static void test_tcp_time_wait_oldest_gives_way_when_pool_is_full(void)
{
	struct fx_conn a, b, c;
	struct fx_pkt p[4];
	CU_ASSERT_FATAL(fx_tcp_reinit(2) == 0);
	CU_ASSERT_FATAL(fx_open(&a, 41000, FX_WND, 1460) == 0);
	to_time_wait(&a);
	CU_ASSERT_FATAL(fx_open(&b, 41001, FX_WND, 1460) == 0);
	to_time_wait(&b);
	CU_ASSERT_EQUAL(fx.tcp.n_free, 0);
	CU_ASSERT_EQUAL(fx.tcp.n_time_wait, 2);
	/* a third client: a real connection (no cookie), in A's place */
	CU_ASSERT_FATAL(fx_open(&c, 41002, FX_WND, 1460) == 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_syncookies_sent, 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_time_wait_recycled, 1);
	CU_ASSERT_EQUAL(fx.tcp.n_time_wait, 1);
	CU_ASSERT_PTR_NULL(tcp_flow_lookup(&fx.tcp, FX_PEER_IP, rte_cpu_to_be_16(41000),
					   rte_cpu_to_be_16(FX_LPORT)));
	CU_ASSERT_PTR_NOT_NULL(tcp_flow_lookup(&fx.tcp, FX_PEER_IP, rte_cpu_to_be_16(41001),
					       rte_cpu_to_be_16(FX_LPORT)));
	/* B's TIME_WAIT still answers its peer's repeated FIN */
	fx_send(&(struct fx_seg){.seq = b.snd_nxt,
				 .ack = b.rcv_nxt + 1,
				 .flags = FX_ACK | FX_FIN,
				 .wnd = FX_WND,
				 .sport = 41001});
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 4), 1);
	CU_ASSERT_EQUAL(p[0].flags, FX_ACK);
	CU_ASSERT_EQUAL(p[0].dport, 41001);
	/* TIME_WAIT ends on its timer: the list empties */
	fx_advance_ms(61000);
	CU_ASSERT_EQUAL(fx.tcp.n_time_wait, 0);
	CU_ASSERT_PTR_NULL(fx.tcp.tw_head);
}

static void test_tcp_output_limit_resets_a_peer_that_does_not_read(void)
{
	struct fx_conn fc;
	struct fx_pkt p[16];
	fx.tcp.snd_limit = 10000;
	CU_ASSERT_FATAL(fx_open(&fc, 41010, 4000, 1000) == 0);
	app_write(fc.c, 8000); /* within the limit: the window's worth goes out */
	unsigned n = fx_flush_take(p, 16);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(fx.app.reset, 0);
	/* the peer reads nothing (window 0) and more replies pile up */
	fx_conn_ack(&fc, fc.rcv_nxt + 4000, 0);
	fx_flush_take(p, 16);
	app_write(fc.c, 6500); /* 4000 + 6500 unacknowledged or unsent */
	n = fx_flush_take(p, 16);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(p[0].flags, FX_RST | FX_ACK);
	CU_ASSERT_EQUAL(fx.app.reset, 1);
	CU_ASSERT_EQUAL(fx.stats.tcp_drop_output_limit, 1);
	CU_ASSERT_EQUAL(fx.tcp.n_free, fx.tcp.max_conns);
}

static void test_tcp_output_limit_off_by_default(void)
{
	struct fx_conn fc;
	struct fx_pkt p[16];
	CU_ASSERT_EQUAL(fx.tcp.snd_limit, 0);
	CU_ASSERT_FATAL(fx_open(&fc, 41011, 0, 1000) == 0);
	app_write(fc.c, 200000);
	fx_flush_take(p, 16);
	CU_ASSERT_EQUAL(fx.app.reset, 0);
	CU_ASSERT_EQUAL(fc.c->state, TCP_ESTABLISHED);
}

const struct rw_test_case test_tcp_limits_cases[] = {
    RW_TEST(test_tcp_time_wait_oldest_gives_way_when_pool_is_full),
    RW_TEST(test_tcp_output_limit_resets_a_peer_that_does_not_read),
    RW_TEST(test_tcp_output_limit_off_by_default),
    {NULL, NULL},
};
