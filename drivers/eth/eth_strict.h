/*
 * Strict-offload port: a port that wraps another one and behaves like a
 * NIC that takes its TX metadata at its word. net_tap quietly fixes
 * whatever checksum it is given; a real NIC sends exactly what the mbuf
 * metadata asks for, so a stack bug in that metadata would only show on
 * real hardware. This port checks every frame against the rules of
 * rte_mbuf_core.h (and what Intel's rte_net_intel_cksum_prepare() expects),
 * counts each violation by reason and drops the frame (a real NIC would
 * send garbage), then does the offloaded work in software — IPv4 and TCP
 * checksums, TCP segmentation — and hands plain frames to the inner port.
 *
 * Rules, for an IPv4/TCP frame:
 *   - an offload flag the port does not advertise (tx_offload) is refused;
 *   - any offload: RTE_MBUF_F_TX_IPV4 set, l2_len 14 on an IPv4 frame,
 *     l3_len = IHL * 4;
 *   - IP checksum offload: the header checksum field is 0;
 *     without it the header checksum must be valid;
 *   - TCP checksum offload: l4_len = data offset * 4 and the checksum field
 *     holds the pseudo-header sum with the TCP length;
 *     without it the TCP checksum must be valid;
 *   - TSO: TCP_SEG with IP checksum offload, tso_segsz > 0, headers plus
 *     tso_segsz within the MTU, and the pseudo-header sum without length;
 *   - without TSO the frame fits the MTU; pkt_len is the sum of the
 *     segments' data_len; a chain needs MULTI_SEGS.
 *
 * Context: queue q of the wrapper is used only by worker q, like the port
 * it wraps; create/destroy at boot or in tests.
 */
#ifndef RW_ETH_STRICT_H
#define RW_ETH_STRICT_H

#include <stdint.h>

#include "eth_port.h"

#define ETH_STRICT_STATS(X)                                                                        \
	X(checked, "frames checked")                                                               \
	X(segmented, "frames produced by TCP segmentation")                                        \
	X(bad_unadvertised, "offload flag the port does not advertise")                            \
	X(bad_l2, "offload with l2_len not 14 or a frame that is not IPv4")                        \
	X(bad_l3, "offload without TX_IPV4 or with l3_len not the IPv4 header length")             \
	X(bad_l4_len, "TCP offload with l4_len not the TCP header length")                         \
	X(bad_ip_cksum, "IPv4 checksum field not 0 under offload, or wrong without")               \
	X(bad_phdr, "TCP checksum field not the pseudo-header sum under offload")                  \
	X(bad_l4_cksum, "TCP checksum wrong without offload")                                      \
	X(bad_tso, "TSO without IP checksum offload, with tso_segsz 0 or past the MTU")            \
	X(bad_size, "frame past the MTU without TSO, or lengths that do not add up")               \
	X(bad_alloc, "no mbuf to build a segment (not a stack fault)")

struct eth_strict_stats {
#define ETH_STRICT_STAT_FIELD(f, d) uint64_t f;
	ETH_STRICT_STATS(ETH_STRICT_STAT_FIELD)
#undef ETH_STRICT_STAT_FIELD
};

struct eth_strict;

/**
 * Wrap @p inner (which must outlive the wrapper), advertising @p tx_offload
 * (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, _TCP_CKSUM, _TCP_TSO, _MULTI_SEGS; the
 * wrapper does the work itself, whatever the inner port can do).
 * @return 0, -ENOMEM or -EINVAL (an offload it cannot model).
 */
int eth_strict_create(struct eth_strict **out, struct eth_port *inner, uint64_t tx_offload);
/** Free the wrapper; NULL-safe, clears the pointer. */
void eth_strict_destroy(struct eth_strict **ps);
/** The wrapper as a port: pass it to the stack instead of the inner one. */
struct eth_port *eth_strict_port(struct eth_strict *s);
/** Sum of all queues' counters. Context: any thread (a racy but untorn read). */
void eth_strict_stats_get(const struct eth_strict *s, struct eth_strict_stats *out);
/** Violations (every bad_* but bad_alloc) seen on queue @p q. */
uint64_t eth_strict_violations(const struct eth_strict *s, uint16_t q);

#endif
