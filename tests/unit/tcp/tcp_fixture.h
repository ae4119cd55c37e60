/*
 * Test fixture for the dataplane's network layer and TCP, in the manner of
 * lwIP's tcp_helper: a frame/segment builder that computes valid checksums,
 * the in-memory port capturing what the stack transmits, a parser for those
 * frames, a fake clock (tcp_stack.now_us and net_ctx.now_ms set directly)
 * and a fake application recording the stack's callbacks.
 *
 * Topology: we are 198.18.0.2/24 (02:00:00:00:00:02) listening on port
 * FX_LPORT; the peer is 198.18.0.1 (02:00:00:00:00:01), already in the ARP
 * cache. One fixture per test (fx_setup/fx_teardown run around every test
 * of a suite registered with fx_add_suite); teardown checks that every
 * mbuf went back to the pool.
 *
 * Context: single-threaded test binaries (lcore 0).
 */
#ifndef RW_TCP_FIXTURE_H
#define RW_TCP_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "chan.h"
#include "eth_port.h"
#include "net.h"
#include "rw_test.h"
#include "tcp.h"

#define FX_LOCAL_IP  RTE_BE32(RTE_IPV4(198u, 18u, 0u, 2u))
#define FX_PEER_IP   RTE_BE32(RTE_IPV4(198u, 18u, 0u, 1u))
#define FX_OTHER_IP  RTE_BE32(RTE_IPV4(198u, 18u, 0u, 77u))
#define FX_LPORT     6379
#define FX_PEER_PORT 40000
#define FX_PEER_ISN  1000000u
#define FX_MAX_DATA  2048
#define FX_START_MS  1000000ull /* the clock starts at 1000 s */

/* TCP flag shorthands */
#define FX_SYN RTE_TCP_SYN_FLAG
#define FX_ACK RTE_TCP_ACK_FLAG
#define FX_FIN RTE_TCP_FIN_FLAG
#define FX_RST RTE_TCP_RST_FLAG
#define FX_PSH RTE_TCP_PSH_FLAG

/* The fake application: counts callbacks and optionally replies. */
struct fx_app {
	unsigned accepted, readable, reset;
	struct tcp_conn *last;	 /* connection of the last callback */
	bool last_peer_fin;	 /* c->peer_fin at the last readable */
	size_t last_rcv_len;	 /* c->rcv.len at the last readable */
	bool echo;		 /* readable: move c->rcv to c->snd */
	bool consume;		 /* readable: consume c->rcv (without echo) */
	const char *reply;	 /* readable: append this to c->snd */
	size_t reply_len;	 /* 0: strlen(reply) */
	bool close_on_fin;	 /* readable with peer_fin: tcp_close */
	bool abort_on_read;	 /* readable: tcp_abort (a protocol error) */
	uint8_t rcv_copy[16384]; /* everything consumed, in order */
	size_t rcv_copy_len;
};

/* A frame the stack sent, parsed. */
struct fx_pkt {
	struct rte_ether_hdr eth;
	uint16_t ether_type; /* host order */
	uint16_t frame_len;
	/* ARP */
	struct rte_arp_hdr arp;
	/* IPv4 */
	struct rte_ipv4_hdr ip;
	bool ip_cksum_ok;
	/* ICMP */
	struct rte_icmp_hdr icmp;
	bool icmp_cksum_ok;
	/* TCP (host order) */
	uint16_t sport, dport, wnd, mss; /* mss 0: no option */
	uint32_t seq, ack;
	uint8_t flags;
	bool tcp_cksum_ok;
	uint8_t opt_len; /* bytes of options */
	bool has_ws, sack_perm, has_ts;
	uint8_t wscale;
	uint32_t tsval, tsecr;
	uint8_t n_sack;
	uint32_t sack[4][2]; /* [start, end) */
	/* ICMP or TCP payload */
	uint8_t data[FX_MAX_DATA];
	uint16_t len;
};

/* A segment to inject (host order; ports default to peer -> FX_LPORT). */
struct fx_seg {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;	/* 0 is taken literally; use FX_WND for the default */
	uint16_t sport; /* 0: FX_PEER_PORT */
	uint16_t dport; /* 0: FX_LPORT */
	uint16_t mss;	/* 0: no option */
	const void *data;
	uint16_t len;
	bool bad_cksum;
	/* more options (RFC 7323, RFC 2018) */
	bool ws, sack_perm, ts;
	uint8_t wscale;
	uint32_t tsval, tsecr;
	uint8_t n_sack;
	uint32_t sack[4][2];
	/* or exactly these option bytes, in this order (script runner) */
	const uint8_t *raw_opt;
	uint8_t raw_opt_len; /* a multiple of 4, at most 40 */
};
#define FX_WND 65535

struct fx {
	struct rte_mempool *pool;
	struct eth_port port;
	struct net_arp_cache arp;
	struct net_if nif;
	struct net_ctx net;
	struct chan_worker_stats stats;
	struct tcp_stack tcp;
	bool tcp_on;
	struct fx_app app;
};
extern struct fx fx;

/** Start the EAL (--no-huge, in-memory) and create the mbuf pool. @return 0 or -1. */
int fx_eal_init(void);
/** Release the pool and clean up the EAL. */
void fx_eal_fini(void);
/** Register a suite whose tests each run between fx_setup and fx_teardown. */
int fx_add_suite(const char *name, const struct rw_test_case *tests);
/** Replace the TCP stack with one of @p max_conns connections. @return 0 or -1. */
int fx_tcp_reinit(uint32_t max_conns);

/** Advance the fake clock by @p ms and run the TCP timers. */
void fx_advance_ms(uint64_t ms);
/** Advance the fake clock by @p us (no timers). */
void fx_advance_us(uint64_t us);

/* ---- frame builders (all checksums valid unless asked otherwise) ---- */

/** An Ethernet frame with @p payload after the header. */
struct rte_mbuf *fx_eth_frame(const struct rte_ether_addr *dst, uint16_t ether_type,
			      const void *payload, uint16_t len);
/** An ARP packet from the peer (or @p sip/@p sha) for @p tip. */
struct rte_mbuf *fx_arp_frame(uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
			      uint32_t tip);
/** An IPv4 packet from the peer to us (valid header checksum) carrying @p l4. */
struct rte_mbuf *fx_ipv4_frame(uint8_t proto, const void *l4, uint16_t len);
/** The IPv4 header of a frame built above. */
struct rte_ipv4_hdr *fx_frame_ip(struct rte_mbuf *m);
/** Recompute the IPv4 header checksum of a frame built above. */
void fx_frame_ip_cksum(struct rte_mbuf *m);
/** An ICMP echo request (id, seq, payload) from the peer. */
struct rte_mbuf *fx_icmp_echo_frame(uint16_t id, uint16_t seq, const void *payload, uint16_t len);
/** A TCP segment from the peer. */
struct rte_mbuf *fx_tcp_frame(const struct fx_seg *s);

/** Hand a frame to net_input (the stack consumes it). */
void fx_input(struct rte_mbuf *m);
/** Build and input a TCP segment. */
void fx_send(const struct fx_seg *s);

/* ---- what the stack sent ---- */

/** Parse a frame the stack sent into @p p (asserts it is well formed). */
void fx_parse_frame(struct rte_mbuf *m, struct fx_pkt *p);
/** Flush TCP output and the net TX batch (end of a worker loop iteration). */
void fx_flush(void);
/** Flush the net TX batch, then take and parse up to @p max frames. @return the count. */
unsigned fx_take(struct fx_pkt *out, unsigned max);
/** fx_flush() then fx_take(). */
unsigned fx_flush_take(struct fx_pkt *out, unsigned max);

/* ---- TCP scenarios ---- */

/* A connection as the peer sees it. */
struct fx_conn {
	struct tcp_conn *c;
	uint32_t iss;	     /* our ISS, from the SYN-ACK */
	uint32_t snd_nxt;    /* the peer's next sequence number */
	uint32_t rcv_nxt;    /* what the peer has received from us */
	uint16_t port;	     /* peer port */
	bool ts;	     /* timestamps negotiated: data and ACKs carry them */
	uint32_t tsval;	     /* the peer's clock (the test moves it) */
	uint32_t tsecr;	     /* what the peer echoes */
	uint8_t wscale;	     /* the stack's shift, from its SYN-ACK (0: none) */
	uint8_t peer_wscale; /* the shift the peer offered */
	struct fx_pkt synack;
};

/**
 * Complete a handshake from peer port @p port with window @p wnd and MSS
 * option @p mss (0: none). Asserts the SYN-ACK and the accept.
 * @return 0 or -1.
 */
int fx_open(struct fx_conn *fc, uint16_t port, uint16_t wnd, uint16_t mss);
/**
 * fx_open with the SYN's extra options taken from @p syn (ws, wscale,
 * sack_perm, ts, tsval); fc->ts etc. record what the stack agreed to.
 */
int fx_open_opts(struct fx_conn *fc, uint16_t port, uint16_t wnd, uint16_t mss,
		 const struct fx_seg *syn);
/** fx_open_opts whose handshake ACK comes @p rtt_us after the SYN-ACK (@p syn may be NULL). */
int fx_open_rtt(struct fx_conn *fc, uint16_t port, uint16_t wnd, uint16_t mss,
		const struct fx_seg *syn, uint64_t rtt_us);
/** Send @p len bytes at @p seq (not advancing fc->snd_nxt), with the connection's options. */
void fx_conn_data_at(struct fx_conn *fc, uint32_t seq, const void *data, uint16_t len);
/** A pure ACK with SACK blocks @p blocks[n][2] and window field @p wnd. */
void fx_conn_sack(struct fx_conn *fc, uint32_t ack, uint16_t wnd, unsigned n,
		  const uint32_t (*blocks)[2]);
/** Send @p len bytes of data (ACK|PSH) from the peer at fc->snd_nxt and advance it. */
void fx_conn_data(struct fx_conn *fc, const void *data, uint16_t len);
/** Send a pure ACK (seq fc->snd_nxt) acknowledging @p ack with window @p wnd. */
void fx_conn_ack(struct fx_conn *fc, uint32_t ack, uint16_t wnd);

#endif
