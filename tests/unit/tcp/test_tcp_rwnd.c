/*
 * Receive memory bounded like a kernel socket buffer (tcp_rwnd.c): the
 * per-connection cap (tcp_rmem's max) bounds a connection's backlog and
 * the window offered; the worker's pool (tcp_mem) is charged by what the
 * connections commit beyond the floor, so windows shrink and close as it
 * fills, every connection keeps the floor, a window once offered is never
 * taken back (RFC 9293 §3.8.6, RFC 7323 §2.4), and the application's
 * reading reopens a closed window with a window update (§3.8.6.2.2). A
 * partial command the application holds is its query buffer, not backlog.
 *
 * No window scaling in these handshakes: the window field is in bytes.
 */
#include "test_tcp.h"

static uint8_t bytes[1000];

/* @p n segments of 1000 bytes from the peer. */
static void send_k(struct fx_conn *fc, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fx_conn_data(fc, bytes, sizeof(bytes));
}

/* The ACK the flush sends for @p fc (exactly one segment). */
static struct fx_pkt ack_of(void)
{
	struct fx_pkt p;
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(&p, 1), 1);
	CU_ASSERT_EQUAL(p.flags, FX_ACK);
	return p;
}

/* The pool's sum is the connections' charges. */
static uint64_t charges(void)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < fx.tcp.max_conns; i++)
		n += fx.tcp.conns[i].rmem_charged;
	return n;
}

static void test_tcp_rwnd_cap_bounds_backlog_and_window(void)
{
	fx.tcp.rmem_max = 40000;
	struct fx_conn fc;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1000) == 0);
	CU_ASSERT_EQUAL(fc.synack.wnd, 40000);
	send_k(&fc, 30);
	CU_ASSERT_EQUAL(ack_of().wnd, 10000);
	send_k(&fc, 10);
	struct fx_pkt p = ack_of();
	CU_ASSERT_EQUAL(p.wnd, 0); /* 40000 unread: the cap */
	CU_ASSERT_EQUAL(p.ack, FX_PEER_ISN + 1 + 40000);
	/* beyond the closed window: not taken */
	send_k(&fc, 1);
	CU_ASSERT_EQUAL(fc.c->rcv.len, 40000);
	CU_ASSERT_EQUAL(ack_of().wnd, 0);
	/* the application reads it all: a window update */
	tcp_rcv_consumed(&fx.tcp, fc.c, 40000, 0);
	CU_ASSERT_EQUAL(ack_of().wnd, 40000);
	CU_ASSERT_EQUAL(fx.tcp.rmem_used, charges());
}

/* Pool exhaustion: the first connection's window takes the pool; the
 * second gets the floor, and no more; each closes once it holds what it
 * was offered unread; reading reopens each with a window update. */
static void test_tcp_rwnd_pool_exhaustion_closes_and_consumption_reopens(void)
{
	fx.tcp.rmem_pool = 10000;
	struct fx_conn a, b;
	CU_ASSERT_FATAL(fx_open(&a, 40001, FX_WND, 1000) == 0);
	CU_ASSERT_EQUAL(a.synack.wnd, TCP_RMEM_FLOOR + 10000);
	CU_ASSERT_EQUAL(fx.tcp.rmem_used, 10000);
	uint64_t clamped = fx.stats.tcp_rmem_clamped;
	CU_ASSERT_FATAL(fx_open(&b, 40002, FX_WND, 1000) == 0);
	CU_ASSERT_EQUAL(b.synack.wnd, TCP_RMEM_FLOOR); /* the floor is always open */
	CU_ASSERT(fx.stats.tcp_rmem_clamped > clamped);
	CU_ASSERT_EQUAL(fx.tcp.rmem_used, 10000);
	/* b fills its floor, a its window: both close */
	for (unsigned i = 0; i < TCP_RMEM_FLOOR / 1000; i++)
		fx_conn_data(&b, bytes, 1000);
	fx_conn_data(&b, bytes, TCP_RMEM_FLOOR % 1000);
	send_k(&a, 26);
	fx_conn_data(&a, bytes, (TCP_RMEM_FLOOR + 10000) % 1000);
	struct fx_pkt p[2];
	CU_ASSERT_EQUAL_FATAL(fx_flush_take(p, 2), 2);
	CU_ASSERT_EQUAL(p[0].wnd, 0);
	CU_ASSERT_EQUAL(p[1].wnd, 0);
	CU_ASSERT_EQUAL(fx.tcp.rmem_used, 10000);
	/* the peer persists: its probe is answered with the zero window */
	fx_send(&(struct fx_seg){.sport = 40002,
				 .seq = b.snd_nxt,
				 .ack = b.rcv_nxt,
				 .flags = FX_ACK,
				 .wnd = FX_WND,
				 .data = "x",
				 .len = 1});
	CU_ASSERT_EQUAL(b.c->rcv.len, TCP_RMEM_FLOOR);
	CU_ASSERT_EQUAL(ack_of().wnd, 0);
	/* b reads: the floor opens again (the pool is still a's) */
	tcp_rcv_consumed(&fx.tcp, b.c, TCP_RMEM_FLOOR, 0);
	CU_ASSERT_EQUAL(ack_of().wnd, TCP_RMEM_FLOOR);
	/* a reads: the pool comes back to it */
	tcp_rcv_consumed(&fx.tcp, a.c, a.c->rcv.len, 0);
	CU_ASSERT_EQUAL(ack_of().wnd, TCP_RMEM_FLOOR + 10000);
	CU_ASSERT_EQUAL(fx.tcp.rmem_used, charges());
	CU_ASSERT(fx.tcp.rmem_used <= fx.tcp.rmem_pool);
}

/* RFC 9293 §3.8.6 (SHLD-14), RFC 7323 §2.4: the pool shrinking (here the
 * operator's limit; another connection taking it acts the same) never
 * pulls back the edge already announced; the window closes at that edge. */
static void test_tcp_rwnd_edge_never_retreats_when_the_pool_shrinks(void)
{
	fx.tcp.rmem_pool = 40000;
	struct fx_conn fc;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1000) == 0);
	uint32_t edge = FX_PEER_ISN + 1 + TCP_RMEM_FLOOR + 40000;
	CU_ASSERT_EQUAL(fc.synack.wnd, TCP_RMEM_FLOOR + 40000);
	fx.tcp.rmem_pool = 0;
	send_k(&fc, 1);
	struct fx_pkt p = ack_of();
	CU_ASSERT_EQUAL(p.ack + p.wnd, edge);
	send_k(&fc, 50);
	p = ack_of();
	CU_ASSERT_EQUAL(p.ack + p.wnd, edge);
	/* the whole promise was honoured: everything up to the edge taken */
	send_k(&fc, 5);
	fx_conn_data(&fc, bytes, (TCP_RMEM_FLOOR + 40000) % 1000);
	p = ack_of();
	CU_ASSERT_EQUAL(p.ack, edge);
	CU_ASSERT_EQUAL(p.wnd, 0);
	/* read: the pool is gone, the floor reopens */
	tcp_rcv_consumed(&fx.tcp, fc.c, fc.c->rcv.len, 0);
	CU_ASSERT_EQUAL(ack_of().wnd, TCP_RMEM_FLOOR);
	CU_ASSERT_EQUAL(fx.tcp.rmem_used, 0);
}

/* A command larger than the cap still arrives: once the application says
 * the bytes held are its partial command (its query buffer, counted as
 * client memory and bounded by client-query-buffer-limit), the window
 * opens past them, again up to the cap. */
static void test_tcp_rwnd_partial_command_is_not_backlog(void)
{
	fx.tcp.rmem_max = 20000;
	struct fx_conn fc;
	CU_ASSERT_FATAL(fx_open(&fc, FX_PEER_PORT, FX_WND, 1000) == 0);
	send_k(&fc, 20);
	CU_ASSERT_EQUAL(ack_of().wnd, 0);
	tcp_rcv_consumed(&fx.tcp, fc.c, 0, 20000);
	CU_ASSERT_EQUAL(ack_of().wnd, 20000);
	send_k(&fc, 20);
	CU_ASSERT_EQUAL(fc.c->rcv.len, 40000);
	CU_ASSERT_EQUAL(ack_of().wnd, 0);
	/* the command completed and ran; the application holds nothing */
	tcp_rcv_consumed(&fx.tcp, fc.c, 40000, 0);
	CU_ASSERT_EQUAL(ack_of().wnd, 20000);
	/* the query-buffer limit still bounds the whole buffer */
	fx.tcp.rcv_limit = 30000;
	send_k(&fc, 20);
	tcp_rcv_consumed(&fx.tcp, fc.c, 0, 20000);
	CU_ASSERT_EQUAL(tcp_rcv_window(&fx.tcp, fc.c), 10000);
}

/* A connection that goes gives its part of the pool back. */
static void test_tcp_rwnd_pool_returned_when_connections_go(void)
{
	fx.tcp.rmem_pool = 30000;
	struct fx_conn a, b;
	CU_ASSERT_FATAL(fx_open(&a, 40001, FX_WND, 1000) == 0);
	CU_ASSERT_FATAL(fx_open(&b, 40002, FX_WND, 1000) == 0);
	send_k(&a, 40);
	send_k(&b, 10);
	fx_flush();
	CU_ASSERT_EQUAL(fx.tcp.rmem_used, charges());
	CU_ASSERT_EQUAL(fx.tcp.rmem_used, 30000);
	tcp_abort(&fx.tcp, a.c);
	CU_ASSERT_EQUAL(fx.tcp.rmem_used, charges());
	CU_ASSERT(fx.tcp.rmem_used < 30000);
	tcp_abort(&fx.tcp, b.c);
	CU_ASSERT_EQUAL(fx.tcp.rmem_used, 0);
	CU_ASSERT_EQUAL(fx.stats.tcp_rmem_bytes, 0);
	struct fx_pkt p[8];
	fx_flush_take(p, 8);
}

const struct rw_test_case test_tcp_rwnd_cases[] = {
    {"cap_bounds_backlog_and_window", test_tcp_rwnd_cap_bounds_backlog_and_window},
    {"pool_exhaustion_closes_and_consumption_reopens",
     test_tcp_rwnd_pool_exhaustion_closes_and_consumption_reopens},
    {"edge_never_retreats_when_the_pool_shrinks",
     test_tcp_rwnd_edge_never_retreats_when_the_pool_shrinks},
    {"partial_command_is_not_backlog", test_tcp_rwnd_partial_command_is_not_backlog},
    {"pool_returned_when_connections_go", test_tcp_rwnd_pool_returned_when_connections_go},
    {NULL, NULL},
};
