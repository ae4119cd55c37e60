/*
 * The dataplane's TCP: server side (passive opens only), one instance per
 * worker lcore, owning that worker's flows, timers and buffers (no locks).
 *
 * Scope: passive open with MSS, window scaling, timestamps with PAWS and
 * SACK-permitted (RFC 7323, RFC 2018; each only if the peer offered it),
 * in-order data plus an out-of-order queue kept in the receive buffer
 * itself (tcp_ooo.c), immediate ACKs piggybacked at the end of each loop
 * iteration (no delayed ACK, no Nagle), RFC 6298 retransmission timeout
 * (Karn's rule, or RTTM from timestamps; the first sample from the
 * handshake) with back-off, fast retransmit and recovery: SACK-based (RFC
 * 6675 with RACK, RFC 8985 §6, as the loss oracle, per-segment send
 * records, rescue retransmission, RFC 6937 proportional rate reduction;
 * tcp_rack.c, tcp_cc.c) or NewReno (RFC
 * 6582), tail loss probes (RFC 8985 §7, with SACK), D-SACK
 * reports of duplicates (RFC 2883), congestion windows in SMSS (RFC
 * 5681), limited transmit (RFC 3042), RFC 5961 challenge ACKs,
 * orderly close (FIN both ways) with TIME_WAIT, RST for segments of no
 * connection, SYN cookies when the half-open queue or the pool is full
 * (RFC 4987 §3.6, Linux's encoding; tcp_cookie.c), keepalive (RFC 1122
 * §4.2.3.6, Redis's tcp-keepalive), a hashed timer wheel for every
 * per-connection deadline (tcp_timer.c), and receive memory bounded like a
 * kernel's socket buffers: a cap per connection, a pool per worker, the
 * window offered charged against both (tcp_rwnd.c).
 *
 * The application (dataplane/core) sees a connection as two byte buffers:
 * `rcv` holds in-order bytes received and not yet consumed; it appends
 * replies to `snd` and calls tcp_output_mark(). Callbacks are bound once.
 *
 * Context: every function runs on the owning worker lcore.
 */
#ifndef RW_TCP_H
#define RW_TCP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "net.h"
#include "rw_buf.h"

enum tcp_state {
	TCP_FREE = 0,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
};

/* Sequence-space comparisons (RFC 9293 §3.4), modulo 2^32. */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* Timestamps compare like sequence numbers (RFC 7323 §5.2). */
static inline bool ts_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* Out-of-order islands kept per connection. A kernel sender's flight is
 * hundreds of segments (our window opens to 8 MB), and at 5% loss each
 * flight leaves a hole every ~20 segments: with 8 islands every segment
 * past the eighth that touched none was dropped, the sender saw most of its
 * flight lost, its retransmissions into those holes were dropped too, and
 * only its (backed-off) RTO moved the transfer, one segment per expiry.
 * 64 held while the receiver reported fewer islands than it kept; once
 * every island is reported (tcp_ack_before_ooo) the sender's pipe drains
 * faster and it runs further ahead while a lost retransmission waits:
 * 1.9 MB past RCV.NXT at 5% loss in tcp_bulk, 66+ islands. 128 cost 12
 * bytes each per connection. */
#define TCP_OOO_RANGES	128
#define TCP_SACK_RANGES 32 /* SACKed ranges remembered per connection */
#define TCP_RCV_WSCALE	7  /* our window shift: 128-byte units, up to 8 MB */
#define TCP_OPT_MAX	40 /* RFC 9293 §3.1: data offset of 15 words */

/* Receive memory defaults (tcp_rwnd.c): the floor every connection may
 * always use (tcp_rmem's min; what client memory counts as a pipeline's
 * query buffer, DP_CMEM_KEEP), the per-connection cap (tcp_rmem's max,
 * redwire-tcp-rmem-max) and the worker's pool (tcp_mem,
 * redwire-tcp-rmem-pool). */
#define TCP_RMEM_FLOOR	      16384u
#define TCP_RMEM_MAX_DEFAULT  (4u << 20)
#define TCP_RMEM_POOL_DEFAULT (8ull << 20)

/*
 * SMSS (RFC 5681 §2): the largest payload a segment of @p c carries, the
 * MSS less the options every segment has (the timestamp, RFC 7323 §3:
 * 12 bytes with padding). Congestion control counts in it, so a window of
 * n SMSS is n full segments and never leaves a runt.
 */
#define TCP_TS_OPT_LEN 12u
#define TCP_SMSS_MIN   64u
static inline uint32_t tcp_smss_of(uint16_t mss, bool ts_ok)
{
	uint32_t opt = ts_ok ? TCP_TS_OPT_LEN : 0u;
	return mss > opt + TCP_SMSS_MIN ? mss - opt : TCP_SMSS_MIN;
}

/* A half-open range of sequence numbers [start, end). */
struct tcp_seq_range {
	uint32_t start, end;
};

/* The send side's per-segment records and their transmissions in time
 * order (tcp_rack.c); SACK connections only. */
struct tcp_txseg {
	uint32_t start, end;
	uint64_t xmit_us; /* the latest transmission */
	uint8_t flags;
};
struct tcp_txlog {
	uint32_t end; /* the record's end: it never changes */
	uint64_t xmit_us;
};
struct tcp_txq {
	struct tcp_txseg *seg; /* ring in sequence order, [SND.UNA, SND.MAX) */
	struct tcp_txlog *log; /* ring in send-time order */
	uint32_t seg_cap, seg_head, seg_n;
	uint32_t log_cap, log_head, log_n;
	uint32_t sacked, lost, retrans; /* bytes of records SACKed / lost / resent */
	uint32_t lost_hint;		/* no record before it is lost and not resent */
};

struct tcp_conn {
	uint32_t idx; /* index in the stack's pool, stable for the connection's life */
	enum tcp_state state;
	uint32_t rip;	/* peer address, network order */
	uint16_t rport; /* network order */
	uint16_t lport; /* network order */

	/* send sequence space (RFC 9293 §3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t fin_seq; /* valid when fin_queued: sequence number of our FIN */
	uint16_t mss;	  /* effective send MSS */
	uint32_t cwnd, ssthresh;
	uint8_t dupacks;
	bool in_recovery;
	uint32_t recover;     /* snd_max when fast recovery started (RFC 6582 §3.2) */
	bool fin_queued;      /* the application closed: FIN follows the data */
	uint32_t max_snd_wnd; /* largest window the peer offered (RFC 5961 §5.2) */
	bool synack_resent;   /* a repeated SYN was answered again (Karn: no RTT sample) */

	/* options negotiated in the handshake */
	bool ws_ok, ts_ok, sack_ok;
	uint8_t snd_wscale;	/* the peer's shift: applies to windows it sends */
	uint8_t rcv_wscale;	/* ours: applies to windows we send */
	uint32_t ts_offset;	/* RFC 7323 §7.1: per-connection TSval offset */
	uint32_t ts_recent;	/* RFC 7323 §4.3 TS.Recent */
	uint64_t ts_recent_us;	/* when ts_recent was set (PAWS idle rule, §5.5) */
	uint32_t last_ack_sent; /* RFC 7323 §4.3 Last.ACK.sent */

	/* send side SACK scoreboard (RFC 6675 §3), sorted, above snd_una */
	uint8_t sack_n;
	struct tcp_seq_range sacked[TCP_SACK_RANGES];
	bool rescue_sent; /* RFC 6675 §4 NextSeg() rule 4 used in this episode */
	/* RFC 6937 proportional rate reduction during SACK fast recovery */
	uint32_t prr_recover_fs; /* RecoverFS: SND.MAX - SND.UNA at the start */
	uint32_t prr_delivered;	 /* bytes the peer got since (SND.UNA and SACKed) */
	uint32_t prr_out;	 /* bytes sent since */

	/* RFC 8985 §6 RACK (tcp_rack.c): the latest sent segment delivered */
	struct tcp_txq txq;
	uint64_t rack_xmit_us;	   /* RACK.xmit_ts; 0: none yet */
	uint32_t rack_end;	   /* RACK.end_seq */
	uint32_t rack_rtt_us;	   /* RACK.rtt */
	uint32_t rack_min_rtt_us;  /* RACK.min_RTT (never-resent segments) */
	uint32_t rack_fack;	   /* RACK.fack: highest end delivered */
	bool rack_reo_seen;	   /* RACK.reordering_seen */
	bool fin_lost;		   /* the RTO found our FIN outstanding: resend it */
	uint64_t rack_deadline_us; /* the reordering timer; 0: off */

	/* RFC 8985 §7 tail loss probe (tcp_timer.c) */
	uint64_t tlp_deadline_us; /* PTO; 0: off */
	bool tlp_out;		  /* a probe is outstanding (TLP.end_seq valid) */
	bool tlp_rexmit;	  /* ... and it was a retransmission */
	uint32_t tlp_end;	  /* TLP.end_seq: SND.MAX after the probe */

	/* receive sequence space */
	uint32_t irs, rcv_nxt;
	uint32_t rcv_adv; /* the right edge last advertised, RCV.NXT + RCV.WND (tcp_rwnd.c) */
	/* receive memory (tcp_rwnd.c): the first rcv_query bytes of rcv are the
	 * application's partial command (its query buffer); rmem_charged is
	 * what the connection holds of the worker's pool */
	uint32_t rcv_query;
	uint32_t rmem_charged;
	bool peer_fin; /* FIN received (in order) */
	bool ack_now;  /* an ACK is owed; sent with the next output */
	/* RFC 2883: a duplicate segment arrived; the next ACK reports it
	 * first among its SACK blocks (once) */
	bool dsack_on;
	struct tcp_seq_range dsack;
	/* out-of-order islands (tcp_ooo.c): bytes of [start, end) live in
	 * rcv.data[rcv.len + (seq - rcv_nxt)], sorted by start, disjoint */
	uint8_t ooo_n;
	bool ooo_fin; /* a FIN arrived out of order at ooo_fin_seq */
	uint32_t ooo_fin_seq;
	uint32_t ooo_extent; /* bytes past rcv.len the islands span (accounted) */
	uint32_t ooo_clock;  /* arrival counter: SACK blocks go most recent first */
	/* ooo_clock when our last ACK left: islands stamped later are news
	 * the next ACK must report (tcp_ack_before_ooo) */
	uint32_t ooo_acked_clock;
	struct tcp_seq_range ooo[TCP_OOO_RANGES];
	uint32_t ooo_stamp[TCP_OOO_RANGES];

	/* RFC 6298 state, microseconds */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint64_t rto_deadline_us; /* 0: timer off */
	uint64_t rtt_start_us;
	uint32_t rtt_seq;
	bool rtt_timing;
	uint8_t retries;
	uint64_t tw_deadline_us;
	uint64_t challenge_ms; /* RFC 5961 §7 rate limit: last challenge ACK */

	/* keepalive (tcp_timer.c) */
	uint64_t last_rx_us; /* the peer's last acceptable segment */
	uint64_t ka_probe_us;
	uint8_t ka_probes; /* unanswered probes */

	/* timer wheel link (tcp_timer.c): one entry per connection, at the
	 * earliest of its deadlines or earlier (fires early, re-arms) */
	uint64_t tm_tick; /* 0: not on the wheel */
	struct tcp_conn *tm_next, **tm_pprev;

	/* buffers */
	struct rw_buf rcv;
	struct rw_buf snd; /* snd.data[snd_off] is the byte at sequence snd_una */
	size_t snd_off;

	struct tcp_conn *out_next; /* pending-output list */
	bool on_out_list;
	int32_t owner_slot; /* word of the shared owner table (tcp_flow.c); -1: none */
	bool tw_listed;	    /* on the stack's TIME_WAIT list (oldest first) */
	struct tcp_conn *tw_next, *tw_prev;
	void *app;
};

struct tcp_stack;

struct tcp_app_ops {
	/** The handshake completed; the connection is ESTABLISHED. */
	void (*accepted)(void *arg, struct tcp_conn *c);
	/** New in-order bytes in c->rcv, or c->peer_fin became true. */
	void (*readable)(void *arg, struct tcp_conn *c);
	/** The connection died without the application closing it (RST, timeout). */
	void (*reset)(void *arg, struct tcp_conn *c);
};

/*
 * The timer wheel: TCP_WHEEL_SLOTS slots of 1 ms; a connection due within
 * the wheel's span sits in slot (tick % slots), a later one on the
 * overflow list, which is walked once per revolution (4 s). Work per tick
 * is the number of entries due (plus the overflow walk per revolution).
 */
#define TCP_WHEEL_SLOTS 4096u /* power of two */
struct tcp_wheel {
	struct tcp_conn **slot; /* TCP_WHEEL_SLOTS list heads */
	struct tcp_conn *overflow;
	uint64_t tick; /* next tick (ms) not yet processed */
	uint32_t n;    /* connections on the wheel (the tcp_timer_entries gauge) */
};

#define TCP_MAX_WORKERS 64

/*
 * What the workers' TCP instances share (tcp_flow.c): secrets fixed at
 * boot, the flow -> owner table and the packet rings that carry a segment
 * from a worker that received it to the worker owning its flow.
 * Created once at boot; workers attach with tcp_stack_share().
 */
struct tcp_shared {
	uint32_t n_workers;
	uint32_t isn_secret[4];
	uint32_t cookie_secret[2];
	_Atomic uint64_t cookie_sent_us; /* latest cookie any worker sent (1 s grain) */
	uint32_t owner_buckets;		 /* power of two */
	_Atomic uint64_t *owner;	 /* owner_buckets buckets of 8 words */
	struct rte_ring *handoff[TCP_MAX_WORKERS][TCP_MAX_WORKERS]; /* [from][to], mbufs */
};

struct tcp_stack {
	struct net_ctx *net;
	struct tcp_shared *sh; /* NULL: a lone stack (unit tests), no handoff */
	uint32_t self;	       /* this worker's index in sh */
	uint16_t lport;	       /* network order */
	/* 0 while bind does not cover our address: a SYN gets a RST. Read
	 * on a SYN only, from the CONFIG handler's table (NULL: open) */
	const _Atomic uint64_t *bind_open;
	uint16_t mss_local;
	uint32_t max_conns;
	uint32_t rcv_limit; /* query-buffer limit: the window never opens past it */
	/* Receive memory like a kernel socket buffer (tcp_rwnd.c): each
	 * connection's backlog and the window it was offered stay within
	 * rmem_max (tcp_rmem's max), and what they take beyond TCP_RMEM_FLOOR
	 * comes from the worker's pool of rmem_pool bytes (tcp_mem). */
	uint32_t rmem_max;
	uint64_t rmem_pool;
	uint64_t rmem_used; /* sum of the connections' rmem_charged */
	struct tcp_conn *conns;
	uint32_t *free_idx;
	uint32_t n_free;
	struct rte_hash *flows;
	/* the connection the last lookup found (tcp.c): a burst's segments
	 * and a pipelining client's are mostly of one flow. NULL once it is
	 * released */
	struct tcp_conn *last_flow;
	struct tcp_conn *out_head;
	const struct tcp_app_ops *app;
	void *app_arg;
	struct chan_worker_stats
	    *stats; /* the worker's channel block: counters go straight there */
	uint64_t now_us;
	struct tcp_wheel wheel;
	uint32_t isn_secret[4];
	uint32_t time_wait_ms;
	/* TIME_WAIT connections, oldest first: when the pool runs out, the
	 * oldest is reused (Linux: tcp_max_tw_buckets), so TIME_WAIT holds at
	 * most the pool and never refuses a new connection. */
	struct tcp_conn *tw_head, *tw_tail;
	uint32_t n_time_wait;
	/* bytes a connection may hold unacknowledged or unsent (replies the
	 * peer does not read); past it the connection is reset. 0: no cap */
	uint64_t snd_limit;
	uint32_t ooo_limit; /* bytes all connections' islands may span */
	uint32_t ooo_bytes; /* sum of the connections' ooo_extent */

	/* SYN cookies (tcp_cookie.c) */
	bool syncookies;	 /* answer statelessly when the limits below are hit */
	uint32_t synq_max;	 /* half-open connections kept before cookies */
	uint32_t n_syn_rcvd;	 /* connections in SYN-RECEIVED */
	uint64_t cookie_sent_us; /* last cookie sent: ACKs are checked for 2 min after */
	uint32_t cookie_secret[2];

	/* keepalive: Redis's tcp-keepalive in seconds, 0 = off. Probes after
	 * that idle time, then every max(1, idle / 3) s; the connection is
	 * reset after TCP_KEEPALIVE_PROBES unanswered (what Redis asks of
	 * Linux: TCP_KEEPIDLE = n, TCP_KEEPINTVL = n / 3, TCP_KEEPCNT = 3). */
	uint32_t keepalive_s;

	/* RFC 5961 §7: challenge ACKs per second for the whole worker */
	uint32_t challenge_per_s;
	uint32_t challenge_tokens;
	uint64_t challenge_refill_ms;
};

#define TCP_KEEPALIVE_PROBES 3

/**
 * Set up a worker's TCP instance listening on @p port (host order).
 * @return 0, -ENOMEM, or -EEXIST (hash name clash).
 */
int tcp_stack_init(struct tcp_stack *t, struct net_ctx *net, uint16_t port, uint32_t max_conns,
		   const struct tcp_app_ops *app, void *app_arg, unsigned worker_id);
void tcp_stack_fini(struct tcp_stack *t);

/** The net layer's L4 handler (net_l4_fn); @p arg is the tcp_stack. */
void tcp_input(void *arg, struct net_ctx *n, struct rte_mbuf *m, struct rte_ipv4_hdr *ip);
/** ICMP fragmentation needed (net_l4_fn, tcp_pmtu.c): lowers a connection's MSS. */
void tcp_icmp_input(void *arg, struct net_ctx *n, struct rte_mbuf *m, struct rte_ipv4_hdr *ip);

/**
 * Create what @p n_workers stacks share for about @p max_flows flows in all.
 * Context: boot. @return 0, -EINVAL (worker count) or -ENOMEM.
 */
int tcp_shared_create(struct tcp_shared **out, uint32_t n_workers, uint32_t max_flows);
/** Free the shared state (after every stack stopped); NULL-safe, clears the pointer. */
void tcp_shared_destroy(struct tcp_shared **sh);
/** Attach stack @p t (worker @p self) to @p sh, right after tcp_stack_init. Context: boot. */
void tcp_stack_share(struct tcp_stack *t, struct tcp_shared *sh, uint32_t self);
/**
 * Process the segments other workers handed to this one (their flows live
 * here). Call every loop iteration, after the RX burst.
 * @return segments processed.
 */
unsigned tcp_handoff_poll(struct tcp_stack *t);

/** The application appended to c->snd (or owes an ACK): send at the next flush. */
void tcp_output_mark(struct tcp_stack *t, struct tcp_conn *c);
/** Send everything marked; called once per loop iteration, after commands ran. */
void tcp_output_flush(struct tcp_stack *t);
/**
 * Run expired timers (retransmission, persist, keepalive, TIME_WAIT,
 * FIN_WAIT_2) up to t->now_us: work in proportion to what is due.
 */
void tcp_timers_run(struct tcp_stack *t);

/**
 * Set Redis's tcp-keepalive (seconds, 0 = off) and apply it to existing
 * connections too (one pass over the pool: a config change, not a hot
 * path). Writing t->keepalive_s directly affects new connections only.
 */
void tcp_keepalive_set(struct tcp_stack *t, uint32_t seconds);

/** Orderly close: FIN after the buffered data. The application lets go of @p c. */
void tcp_close(struct tcp_stack *t, struct tcp_conn *c);
/** Abortive close: RST now. The application lets go of @p c. */
void tcp_abort(struct tcp_stack *t, struct tcp_conn *c);

/**
 * The application consumed @p n bytes of c->rcv (the window reopens) and
 * holds the @p query bytes that follow as a partial command of its own
 * (Redis's query buffer: bounded by rcv_limit, client-query-buffer-limit,
 * and counted by the application), 0 if none. The rest of c->rcv is
 * backlog, bounded like a kernel socket buffer (tcp_rwnd.c). The
 * application may only shrink c->rcv through this call: bytes past
 * c->rcv.len may hold out-of-order data.
 */
void tcp_rcv_consumed(struct tcp_stack *t, struct tcp_conn *c, size_t n, size_t query);

/* ---- internal to the module ---- */

/* TCP options of one segment (tcp_opt.c); host order. */
struct tcp_opts {
	uint16_t mss; /* 0: absent */
	bool ws, sack_perm, ts;
	uint8_t wscale;
	uint32_t tsval, tsecr;
	uint8_t n_sack;
	struct tcp_seq_range sack[4];
};

/* A parsed segment; seq/ack in host order, len counts SYN and FIN. */
struct tcp_seg {
	uint32_t seq, ack, len;
	uint32_t wnd; /* scaled once the connection is known */
	uint8_t flags;
	const uint8_t *data;
	uint32_t data_len;
	struct tcp_opts opt;
};

/** Parse the option list @p o[0..len) (RFC 9293 §3.2); @p syn admits SYN-only options. */
void tcp_opts_parse(const uint8_t *o, size_t len, bool syn, struct tcp_opts *out);
/** Write @p in as an option list padded to 32 bits. @return its length (<= 40). */
size_t tcp_opts_write(uint8_t *o, const struct tcp_opts *in);
/** The options we put on a segment of @p c with @p flags. */
void tcp_opts_for(const struct tcp_stack *t, const struct tcp_conn *c, uint8_t flags,
		  struct tcp_opts *out);
/** Our TSval clock for @p c: milliseconds plus the connection's offset. */
uint32_t tcp_ts_now(const struct tcp_stack *t, const struct tcp_conn *c);

/* out-of-order receive queue (tcp_ooo.c) */
bool tcp_ooo_insert(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, const uint8_t *data,
		    uint32_t len, bool fin);
void tcp_ooo_deliver(struct tcp_stack *t, struct tcp_conn *c);
unsigned tcp_ooo_sack_blocks(const struct tcp_conn *c, struct tcp_seq_range *out, unsigned max);
void tcp_ooo_clear(struct tcp_stack *t, struct tcp_conn *c);
/** RFC 2883 §4: [s, e) arrived; report the part an island already held. */
void tcp_ooo_dsack(struct tcp_stack *t, struct tcp_conn *c, uint32_t s, uint32_t e);
/** RFC 2883: report [s, e), received twice, in the next ACK (with SACK);
 * a duplicate not adjoining the one already pending gets its own ACK. */
void tcp_dsack_note(struct tcp_stack *t, struct tcp_conn *c, uint32_t s, uint32_t e);
/** [seq, end) arrives out of order: send the ACK still owed now if the
 * next one could not report both (RFC 5681 §4.2, RFC 2018 §4). */
void tcp_ack_before_ooo(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint32_t end);
/** Send the ACK still owed (ack_now or a pending D-SACK) now, not at the flush. */
void tcp_ack_owed_send(struct tcp_stack *t, struct tcp_conn *c);
void tcp_ooo_consume(struct tcp_conn *c, size_t n);

/* send-side SACK scoreboard (tcp_sack.c) */
/** Merge an ACK's SACK blocks. @return true if they SACKed bytes not SACKed before. */
bool tcp_sack_update(struct tcp_conn *c, const struct tcp_opts *o);
void tcp_sack_prune(struct tcp_conn *c);
uint32_t tcp_sack_high(const struct tcp_conn *c);
bool tcp_sack_skip(const struct tcp_conn *c, uint32_t *seq, uint32_t *room);
uint32_t tcp_sack_bytes(const struct tcp_conn *c);

/* per-segment records and RACK (tcp_rack.c) */
/** Make room for @p n_segs new records. @return false: no memory, send nothing new. */
bool tcp_rack_room(struct tcp_conn *c, uint32_t n_segs);
/** [seq, seq + len) left now, cut in segments of @p seg_size (0: one). */
void tcp_rack_sent(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint32_t len,
		   uint32_t seg_size);
/** An ACK up to @p ack with @p o's SACK blocks: records delivered, RACK updated. */
void tcp_rack_ack(struct tcp_stack *t, struct tcp_conn *c, uint32_t ack, const struct tcp_opts *o);
/** RFC 8985 §6.2 step 5: mark what is overdue lost. @return records marked. */
uint32_t tcp_rack_detect(struct tcp_stack *t, struct tcp_conn *c);
/** DupThresh (RFC 6675 IsLost(SND.UNA)): the first record is lost. */
void tcp_rack_mark_una_lost(struct tcp_stack *t, struct tcp_conn *c);
/** The RTO expired: every record not SACKed (@p forget_sacks: every one) is lost. */
void tcp_rack_rto(struct tcp_stack *t, struct tcp_conn *c, bool forget_sacks);
/** RFC 6675 pipe with RACK's losses. */
uint32_t tcp_rack_pipe(const struct tcp_conn *c);
/** NextSeg(): the lowest record lost and not resent. @return false if none. */
bool tcp_rack_next_lost(struct tcp_conn *c, uint32_t *seq, uint32_t *len);
/** The last record is lost or resent: no rescue retransmission of it. */
bool tcp_rack_tail_resent(const struct tcp_conn *c);
/** Records sorted, disjoint, within [SND.UNA, SND.MAX], counters true (tests, fuzzing). */
bool tcp_rack_check(const struct tcp_conn *c);
/** Forget every record (the connection starts over or ends). */
void tcp_rack_reset(struct tcp_conn *c);
void tcp_rack_free(struct tcp_conn *c);
/** Both rings are of the first size (a released connection keeps them). */
bool tcp_rack_ring_small(const struct tcp_conn *c);

/* loss recovery (tcp_cc.c) */
static inline uint32_t tcp_smss(const struct tcp_conn *c)
{
	return tcp_smss_of(c->mss, c->ts_ok);
}
void tcp_cc_dupack(struct tcp_stack *t, struct tcp_conn *c);
void tcp_cc_new_ack(struct tcp_stack *t, struct tcp_conn *c, uint32_t acked);
/** No recovery or timeout episode is under way (SND.UNA reached `recover`). */
bool tcp_cc_open(const struct tcp_conn *c);
/** Every ACK after the scoreboard took its SACK blocks: tail loss probe
 * outcome (RFC 8985 §7.4), lost retransmissions and the recovery's
 * sending rate (RFC 6937). @p dsack: the ACK reported a duplicate (RFC
 * 2883); @p advanced: it moved SND.UNA; @p delivered: bytes it newly
 * acknowledged or SACKed (RFC 6937 DeliveredData). */
void tcp_cc_on_ack(struct tcp_stack *t, struct tcp_conn *c, uint32_t ack, bool dsack, bool advanced,
		   uint32_t delivered);
/** RACK's loss detection (ACK or reordering timer): recovery or resend. */
void tcp_cc_rack(struct tcp_stack *t, struct tcp_conn *c);
/** The PTO expired (tcp_timer.c): send the probe (RFC 8985 §7.3). */
void tcp_cc_probe(struct tcp_stack *t, struct tcp_conn *c);

void tcp_send_ctl(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint8_t flags);
void tcp_send_data(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint32_t len);
/** Resend up to @p room bytes (one segment) at @p seq < SND.MAX. @return bytes sent. */
uint32_t tcp_output_rexmit(struct tcp_stack *t, struct tcp_conn *c, uint32_t seq, uint32_t room);
/** One new segment of at most SMSS if there is data and the peer's window
 * lets it go, regardless of cwnd (a loss probe). @return bytes sent. */
uint32_t tcp_output_new_one(struct tcp_stack *t, struct tcp_conn *c);
uint16_t tcp_payload_max(const struct tcp_stack *t, const struct tcp_conn *c);
uint32_t tcp_data_end(const struct tcp_conn *c);
void tcp_conn_release(struct tcp_stack *t, struct tcp_conn *c);
/**
 * Hand back the buffers of an idle connection grown beyond @p keep bytes.
 * The receive buffer counts as idle only without out-of-order islands: their
 * bytes sit in it past rcv.len (tcp_ooo.c), so it is kept while any is held.
 */
void tcp_conn_trim_idle(struct tcp_conn *c, size_t keep);
/** Tell the application (reset callback) and release: the connection died under it. */
void tcp_conn_reset(struct tcp_stack *t, struct tcp_conn *c);
/** @p c entered TIME_WAIT: append it to the oldest-first list (idempotent). */
void tcp_tw_enter(struct tcp_stack *t, struct tcp_conn *c);
void tcp_timer_arm_rto(struct tcp_stack *t, struct tcp_conn *c);
/** (Re)start or stop the tail loss probe timer as RFC 8985 §7.2 says. */
void tcp_timer_arm_pto(struct tcp_stack *t, struct tcp_conn *c);
/** Start the TIME_WAIT / FIN_WAIT_2 timeout (time_wait_ms from now). */
void tcp_timer_arm_tw(struct tcp_stack *t, struct tcp_conn *c);
/** Make sure @p c is on the wheel no later than @p deadline_us. */
void tcp_timer_schedule(struct tcp_stack *t, struct tcp_conn *c, uint64_t deadline_us);
/** Put @p c on the wheel at its earliest deadline (after establishment). */
void tcp_timer_resched(struct tcp_stack *t, struct tcp_conn *c);
void tcp_timer_cancel(struct tcp_stack *t, struct tcp_conn *c);
int tcp_wheel_init(struct tcp_wheel *w);
void tcp_wheel_fini(struct tcp_wheel *w);

/* SYN cookies (tcp_cookie.c) */
/** Answer a SYN statelessly with a cookie SYN-ACK. */
void tcp_cookie_synack(struct tcp_stack *t, const struct rte_ipv4_hdr *ip,
		       const struct rte_tcp_hdr *th, const struct tcp_seg *s);
/**
 * An ACK for no connection: if it carries a valid cookie, create the
 * connection (ESTABLISHED, the application told) in @p *out.
 * @return 1 (created), 0 (no valid cookie: answer with a RST), -1 (a
 * valid cookie but no free connection: drop, the peer retransmits), or
 * -2 - w: worker w already owns the flow (hand the segment there).
 */
int tcp_cookie_check(struct tcp_stack *t, const struct rte_ipv4_hdr *ip,
		     const struct rte_tcp_hdr *th, const struct tcp_seg *s, struct tcp_conn **out);
/** Per-connection TSval offset (RFC 7323 §7.1), a pure function of the flow. */
uint32_t tcp_ts_offset(const struct tcp_stack *t, uint32_t rip, uint16_t rport);
/** Send a segment for no connection (RST, cookie SYN-ACK); @p opt may be NULL. */
void tcp_send_raw(struct tcp_stack *t, uint32_t rip, uint16_t rport, uint16_t lport, uint32_t seq,
		  uint32_t ack, uint8_t flags, uint16_t wnd, const struct tcp_opts *opt);
/** RFC 5961 challenge ACK, rate-limited per connection and per worker. */
void tcp_challenge_ack(struct tcp_stack *t, struct tcp_conn *c);
/** Segment processing for a connection (tcp_in.c). */
void tcp_conn_input(struct tcp_stack *t, struct tcp_conn *c, struct tcp_seg *s);
void tcp_rtt_sample(struct tcp_conn *c, uint32_t r_us);
/* receive window and memory (tcp_rwnd.c) */
/** Bytes we can take past rcv_nxt (scaled, capped at what the field can carry). */
uint32_t tcp_rcv_window(const struct tcp_stack *t, const struct tcp_conn *c);
/** The window field of a segment of @p c with @p flags; an ACK moves rcv_adv. */
uint16_t tcp_rcv_wnd_field(struct tcp_stack *t, struct tcp_conn *c, uint8_t flags);
/** What @p c commits of receive memory changed (data in, edge moved, released):
 * recharge the worker's pool. */
void tcp_rmem_charge(struct tcp_stack *t, struct tcp_conn *c);
void tcp_send_rst_for(struct tcp_stack *t, const struct rte_ipv4_hdr *ip,
		      const struct rte_tcp_hdr *th, uint32_t seg_len);
void tcp_send_probe(struct tcp_stack *t, struct tcp_conn *c);
struct tcp_conn *tcp_flow_lookup(struct tcp_stack *t, uint32_t rip, uint16_t rport, uint16_t lport);

/* flow ownership across workers (tcp_flow.c) */
/** The worker owning flow (@p rip, @p rport), or -1 if none is recorded. */
int tcp_owner_lookup(const struct tcp_stack *t, uint32_t rip, uint16_t rport);
/**
 * Record this worker as the flow's owner before creating its connection.
 * @return t->self (claimed; *slot is the table word or -1 if the table had
 * no room: served here, unrecorded), another worker's index (it owns the
 * flow: hand the segment there) or -EAGAIN (another worker claimed it at
 * the same moment: drop the SYN, the client retransmits).
 */
int tcp_owner_claim(struct tcp_stack *t, uint32_t rip, uint16_t rport, int32_t *slot);
void tcp_owner_release(struct tcp_stack *t, int32_t slot);
/** Hand @p m (data at the IPv4 header, checksum verified) to worker @p owner. */
void tcp_handoff(struct tcp_stack *t, uint32_t owner, struct rte_mbuf *m);
/** tcp_icmp_input for a message handed over by another worker. */
void tcp_icmp_input_owned(struct tcp_stack *t, struct rte_mbuf *m, struct rte_ipv4_hdr *ip);
/** tcp_input for a segment whose flow is known to live here: never handed on. */
void tcp_input_owned(struct tcp_stack *t, struct rte_mbuf *m, struct rte_ipv4_hdr *ip);
/** A cookie SYN-ACK went out: cookie ACKs are checked on every worker for a while. */
void tcp_cookie_note_sent(struct tcp_stack *t);
/** When this worker, or any worker sharing its state, last sent a cookie (0: never). */
uint64_t tcp_cookie_last_sent(const struct tcp_stack *t);
struct tcp_conn *tcp_conn_alloc(struct tcp_stack *t, uint32_t rip, uint16_t rport);

#endif
