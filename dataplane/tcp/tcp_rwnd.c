/*
 * The receive window and the receive memory behind it: what window a
 * segment of a connection announces, how much of the worker's memory the
 * connection may commit, and when a window that grew is worth an update.
 *
 * Context: the owning worker lcore (tcp_in.c, tcp_out.c, the application's
 * tcp_rcv_consumed()).
 *
 * RECEIVE MEMORY, BOUNDED LIKE A KERNEL SOCKET BUFFER
 *
 * c->rcv is two things at once. Its head may be a partial command the
 * application is assembling (c->rcv_query bytes, Redis's query buffer:
 * bounded by rcv_limit, client-query-buffer-limit, and counted by the
 * application in client memory). Everything else -- complete commands the
 * application has not run yet, and the window offered for more -- is what
 * a kernel would hold in the socket buffer in front of Redis, which Redis
 * counts nowhere. The kernel bounds that per socket (tcp_rmem's max) and
 * for all sockets together (tcp_mem); so does this file:
 *
 *   backlog   = rcv.len - rcv_query               (bytes held, not a partial command)
 *   committed = backlog + (rcv_adv - RCV.NXT)      (held, plus what the peer may still send)
 *   charge    = max(0, committed - TCP_RMEM_FLOOR) (taken from the worker's pool)
 *
 * and a window is only offered so that
 *
 *   committed <= rmem_max                          (redwire-tcp-rmem-max, per connection)
 *   sum of charges <= rmem_pool                    (redwire-tcp-rmem-pool, per worker)
 *   rcv.len + window <= rcv_limit                  (the query-buffer limit)
 *
 * The pool charges the window offered, not only the bytes that arrived: a
 * window, once offered, cannot be taken back (below), so counting promises
 * is what makes the bound hard -- all connections sending at once into
 * everything they were offered still fit. The floor is never charged, so
 * every connection can always take TCP_RMEM_FLOOR (16 KB, what client
 * memory already counts for a pipeline's query buffer, dp_cmem.h): when
 * the pool runs dry, windows shrink to the floor and close only while a
 * connection holds that much unread backlog; the application's reading
 * reopens them with a window update (tcp_rcv_consumed). A connection
 * whose peer half-sent a command larger than the cap is not stuck: those
 * bytes are the application's query buffer, not backlog, once it said so.
 *
 * THE RIGHT EDGE NEVER MOVES LEFT
 *
 * As unread data piles up the room shrinks by what arrived, so the right
 * edge RCV.NXT + RCV.WND stays put; a receiver SHOULD NOT move it left (RFC
 * 9293 §3.8.6, SHLD-14; RFC 7323 §2.4). Window scaling makes that a rule to
 * enforce: the field carries RCV.WND >> shift (RFC 7323 §2.3), and rounding
 * down would announce up to 2^shift - 1 bytes less each time the edge falls
 * inside a unit, pulling it left by as much (issue #3). So:
 *
 *   - rcv_adv records the edge last announced (RCV.NXT + the field's bytes);
 *   - RCV.WND is never less than what is left up to it (`promised`), and a
 *     segment inside it is taken even if the room ran out;
 *   - the field is never less than the promised part rounded UP to a unit.
 *
 *     RCV.NXT         room_edge   rcv_adv (announced)
 *        |<---- room ---->|..........|           units of 2^shift from RCV.NXT:
 *        |----|----|----|----|                   floor(room) ends before rcv_adv,
 *                            ^ ceil(promised)    ceil(promised) at or after it
 *
 * Rounding up lets the announced edge pass the room by less than a unit
 * each time, as Linux's tcp_select_window and FreeBSD's tcp_output do; the
 * charge follows the edge announced, so the pool may be passed by as much
 * (under 128 bytes a connection). Past rcv_limit by a whole maximum window,
 * the promise is dropped and the window may close (Linux's
 * tcp_shrink_window under memory pressure): the application closes such a
 * client long before (client-query-buffer-limit).
 */
#include "tcp.h"

static uint32_t rcv_backlog(const struct tcp_conn *c)
{
	uint32_t len = (uint32_t)c->rcv.len;
	return c->rcv_query < len ? len - c->rcv_query : 0;
}

/* The edge already announced, beyond RCV.NXT; nothing once the peer's FIN
 * came (nothing follows it). */
static uint32_t rcv_outstanding(const struct tcp_conn *c)
{
	if (c->peer_fin || !seq_gt(c->rcv_adv, c->rcv_nxt))
		return 0;
	return c->rcv_adv - c->rcv_nxt;
}

void tcp_rmem_charge(struct tcp_stack *t, struct tcp_conn *c)
{
	uint64_t committed = 0;
	if (c->state != TCP_FREE)
		committed = (uint64_t)rcv_backlog(c) + rcv_outstanding(c);
	uint32_t charge = committed > TCP_RMEM_FLOOR ? (uint32_t)(committed - TCP_RMEM_FLOOR) : 0;
	t->rmem_used = t->rmem_used - c->rmem_charged + charge;
	c->rmem_charged = charge;
	t->stats->tcp_rmem_bytes = t->rmem_used;
}

static uint32_t rcv_promised(const struct tcp_stack *t, const struct tcp_conn *c, uint32_t max)
{
	if (c->rcv.len >= (size_t)t->rcv_limit + max)
		return 0;
	uint32_t p = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	return p > max ? max : p;
}

/* Bytes the pool lets @p c commit in all: the floor, plus what the pool
 * has left with this connection's own charge given back. */
static uint64_t pool_room(const struct tcp_stack *t, const struct tcp_conn *c)
{
	uint64_t others = t->rmem_used - c->rmem_charged;
	uint64_t left = t->rmem_pool > others ? t->rmem_pool - others : 0;
	return TCP_RMEM_FLOOR + left;
}

/* The room @p c has for more: under the query-buffer limit, the cap and
 * the pool. *@p by_pool: the pool's bound was the tightest. */
static uint32_t room_of(const struct tcp_stack *t, const struct tcp_conn *c, bool *by_pool)
{
	uint32_t used = (uint32_t)c->rcv.len, backlog = rcv_backlog(c);
	uint32_t room = used >= t->rcv_limit ? 0 : t->rcv_limit - used;
	uint32_t cap = backlog >= t->rmem_max ? 0 : t->rmem_max - backlog;
	if (cap < room)
		room = cap;
	uint64_t pool = pool_room(t, c);
	*by_pool = pool < backlog + (uint64_t)room;
	if (!*by_pool)
		return room;
	return pool > backlog ? (uint32_t)(pool - backlog) : 0;
}

static uint32_t window_of(const struct tcp_stack *t, const struct tcp_conn *c, bool *by_pool)
{
	uint32_t room = room_of(t, c, by_pool);
	uint32_t max = 65535u << c->rcv_wscale; /* RFC 7323 §2.2 */
	if (room >= max)
		*by_pool = false;
	uint32_t promised = rcv_promised(t, c, max);
	uint32_t w = room > max ? max : room;
	return w > promised ? w : promised;
}

uint32_t tcp_rcv_window(const struct tcp_stack *t, const struct tcp_conn *c)
{
	bool by_pool;
	return window_of(t, c, &by_pool);
}

/* The 16-bit field: unscaled in a SYN (RFC 7323 §2.2), else shifted,
 * never announcing an edge left of rcv_adv (above); an ACK moves rcv_adv
 * to the edge it announces, and the pool's charge with it. */
uint16_t tcp_rcv_wnd_field(struct tcp_stack *t, struct tcp_conn *c, uint8_t flags)
{
	bool by_pool;
	uint32_t w = window_of(t, c, &by_pool);
	uint8_t ws = (flags & RTE_TCP_SYN_FLAG) ? 0 : c->rcv_wscale;
	uint32_t f = w >> ws;
	uint32_t promised = rcv_promised(t, c, 65535u << c->rcv_wscale);
	if ((f << ws) < promised)
		f = (promised + (1u << ws) - 1) >> ws;
	if (f > 65535)
		f = 65535;
	uint32_t edge = c->rcv_nxt + (f << ws);
	if (!(flags & RTE_TCP_ACK_FLAG))
		return (uint16_t)f;
	if (by_pool) /* the cap and the limit would have offered more */
		t->stats->tcp_rmem_clamped++;
	if (seq_gt(edge, c->rcv_adv)) {
		c->rcv_adv = edge;
		tcp_rmem_charge(t, c);
	}
	return (uint16_t)f;
}

/* RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): a window that grew is
 * announced once its right edge can move by min(half the buffer, MSS), or
 * as soon as a window below one MSS opens to a full segment; smaller
 * openings wait for the next segment's ACK. Only the edge the window field
 * can carry counts: a scaled field announces whole units. */
static bool rcv_window_opened(const struct tcp_stack *t, const struct tcp_conn *c, uint32_t before)
{
	uint32_t w = tcp_rcv_window(t, c);
	if (before < c->mss && w >= c->mss)
		return true;
	uint32_t edge = c->rcv_nxt + ((w >> c->rcv_wscale) << c->rcv_wscale);
	uint32_t buf = t->rcv_limit < t->rmem_max ? t->rcv_limit : t->rmem_max;
	uint32_t step = buf / 2 < c->mss ? buf / 2 : c->mss;
	return seq_gt(edge, c->rcv_adv) && edge - c->rcv_adv >= step;
}

void tcp_rcv_consumed(struct tcp_stack *t, struct tcp_conn *c, size_t n, size_t query)
{
	uint32_t before = tcp_rcv_window(t, c);
	tcp_ooo_consume(c, n);
	c->rcv_query = (uint32_t)(query < c->rcv.len ? query : c->rcv.len);
	tcp_rmem_charge(t, c);
	if (rcv_window_opened(t, c, before)) {
		c->ack_now = true;
		tcp_output_mark(t, c);
	}
}
