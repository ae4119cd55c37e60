/*
 * Client memory and maxmemory-clients (Redis 7.0 client eviction,
 * networking.c evictClients() / getClientEvictionLimit()).
 *
 * A client's memory is what its connection holds: the query buffer, the
 * TCP send buffer (replies the peer has not acknowledged: unread output
 * lands there as the peer's window closes), the reply slots waiting for
 * other workers, and its fixed structures. CLIENT LIST's tot-mem is the
 * same figure.
 *
 * The TCP receive buffer is both Redis's query buffer and the kernel's
 * socket buffer in front of it, which Redis counts nowhere: Redis reads
 * 16 KB at a time and runs every complete command it read, so its query
 * buffer holds a partial command and little else, while a pipeline's
 * backlog waits in the kernel. So the receive buffer counts as that query
 * buffer would: what it holds once parsing stopped on a partial command
 * (a big argument arriving counts in full), and one read's worth
 * (DP_CMEM_KEEP) while complete commands wait behind the command budget
 * (struct dp_client rcv_backlog), never more than its capacity. Counted
 * by capacity, a pipeline outrunning its worker under a small maxmemory
 * made the keys go for megabytes of commands about to run (and become
 * keys), down to -OOM for the pipeline itself; stock redis-server evicts
 * nothing for them. What the buffer holds beyond that count is the
 * socket-buffer part, bounded as a kernel bounds it (16 KB a connection,
 * then the worker's receive pool: dataplane/tcp/tcp_rwnd.c), and the RSS
 * guard allows for the pools in use (dp_mem.h). The client tells the stack
 * which bytes are its partial command (tcp_rcv_consumed), so a command
 * larger than the stack's per-connection cap still arrives.
 *
 * ONE BUDGET ACROSS WORKERS, LIKE MAXMEMORY
 *
 * Each worker owns its connections. Every DP_CMEM_SCAN_TICKS ticks it sums
 * its clients' memory and finds its largest evictable client (no CLIENT
 * NO-EVICT), and publishes both in its struct dp_cmem (written by it
 * alone, read by the others). The total is the sum of all workers'. While
 * it is at or over maxmemory-clients, the worker holding the largest
 * evictable client of all (ties: the lower worker id) disconnects it and
 * looks again, so clients go largest first, as Redis's buckets order them,
 * until the total is under the limit. No worker touches another's
 * connections; the price is that the others' figures are up to one scan
 * old. A worker publishes its total before its top (release / acquire), so
 * another that sees the smaller top after an eviction also sees the
 * smaller total and does not evict a second client for the same excess.
 *
 * THE SAME BYTES COUNT TOWARD MAXMEMORY
 *
 * As in Redis 7.0, used_memory includes the clients' buffers and the key
 * eviction trigger counts them: each scan also publishes the worker's
 * total in its slot of the maxmemory board (cmd.h struct cmd_mem_slot),
 * where it joins the shards' figures.
 *
 * The scan also returns the query and send buffers of idle connections
 * beyond 16 KB to the allocator (Redis's clientsCronResizeQueryBuffer and
 * its reply-list freeing), so a client's memory is what it holds now, not
 * the largest it ever held.
 *
 * Context: the owning worker lcore (dp_cmem_tick, dp_client_mem); readers
 * of struct dp_cmem on any lcore.
 */
#ifndef RW_DP_CMEM_H
#define RW_DP_CMEM_H

#include <stdatomic.h>
#include <stdint.h>

#define DP_CMEM_SCAN_TICKS 10	 /* a scan every 10 ms */
#define DP_CMEM_KEEP	   16384 /* idle buffers up to this size are kept */
#define DP_CMEM_EVICT_MAX  64	 /* clients a scan may disconnect */

struct dp_cmem {
	_Atomic uint64_t total;	  /* bytes all this worker's clients hold */
	_Atomic uint64_t top;	  /* bytes of its largest evictable client (0: none) */
	_Atomic uint64_t evicted; /* clients disconnected by maxmemory-clients */
	uint32_t ticks;		  /* owner only: ticks since the last scan */
};

struct worker;
struct dp_client;

/** Bytes @p cl holds (CLIENT LIST tot-mem without argv-mem). */
uint64_t dp_client_mem(const struct dp_client *cl);

/**
 * @p cl was just accepted: count it in the published totals now, not at
 * the next scan. Redis's used_memory holds a client from its accept, so a
 * client's first command under a maxmemory an empty appliance already
 * exceeds gets -OOM, as in Redis; uncounted, an appliance whose shards are
 * empty (they hold nothing) let the write through for up to a scan.
 * Context: the owning worker lcore.
 */
void dp_cmem_joined(struct worker *w, const struct dp_client *cl);

/** A tick: every DP_CMEM_SCAN_TICKS, scan, publish, evict. */
void dp_cmem_tick(struct worker *w);

#endif
