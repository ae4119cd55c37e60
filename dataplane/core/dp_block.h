/*
 * Blocking commands on the worker owning their keys (BLPOP BRPOP BLMOVE
 * BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP).
 *
 * A blocking command always reaches its keys' worker as a request message
 * (dp_client.c forwards it, to itself too), so the request can wait there:
 * when the handler finds nothing to pop (cmd_block.c sets would_block), the
 * message is parked in the worker's FIFO of waiters instead of being sent
 * back. Its reply slot on the client's worker stays pending, and that
 * connection stops parsing until the reply comes (a blocked Redis client
 * runs nothing else).
 *
 * After every write on the shard the waiters are tried again in the order
 * they blocked: a served one pops exactly once, on this worker, and its
 * reply goes back like any forwarded command's. A try during a
 * transaction's part waits until the part is over (Redis serves blocked
 * clients after EXEC). The loop expires deadlines (nil reply) and a client
 * that disconnects sends a cancel so its waiter never pops.
 *
 * Keys on two workers: the client's own worker decides (dp_xblock.h) and
 * parks a *proxy* here, in the same FIFO, in its blocking order: when a
 * write gives one of its keys something to pop, the proxy does not pop; it
 * goes home ("woken") and this worker serves no other waiter (a *stall*)
 * until that client has tried its keys again and sent an unstall, so a
 * client blocked later cannot take the element first.
 *
 * The wake-up also *reserves* the proxy's keys here: an entry in the
 * shard's intent queue (shard_txq, TRANSACTIONS.md) named
 * DP_BLOCK_RESV | the client's blocking order, holding them as a gather's
 * LOCK does, so a command of another client on those keys (LPOP...) queues
 * behind it and runs only once the client's attempt is over: Redis serves
 * the blocked client at the push, before any other command. The attempt's
 * LOCK here takes the entry over in its place (dp_block_resv_take) and its
 * RELEASE ends it; an unstall, or the proxy sent back armed with nothing
 * to pop, drops it. A proxy whose element sits on a key another entry
 * holds is woken at that entry's release, and its reservation then takes
 * the released entry's place, ahead of the commands queued behind it
 * (shard_txq_add_fence): Redis serves the client at the end of the EXEC
 * that pushed, before any later command.
 *
 * Deadlock freedom: a reservation is held before the attempt holds the
 * lower shards, which the ordered acquisition of TRANSACTIONS.md forbids.
 * So a transaction that already holds another shard never waits for one:
 * if its LOCK here waits, directly or through the entries between, for a
 * reservation, the reservation moves behind it (dp_block_resv_yield), and
 * its client only lets that transaction go first (it may take the element;
 * exactly once still holds: only attempts pop, under the locks). A command or a transaction's first LOCK holds nothing elsewhere
 * and waits as behind any lock. A reservation put in a released entry's
 * place never passes an entry that is granted or *firm* (a LOCK holding
 * another shard) and would wait for it, so the same holds there.
 *
 * Context: the worker lcore.
 */
#ifndef RW_DP_BLOCK_H
#define RW_DP_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "dp_blockq.h"
#include "resp.h"

struct worker;
struct shard_msg;

struct dp_block {
	struct dp_blockq q;
	struct resp_arg *argv; /* a waiter's arguments while it is tried */
	uint32_t argv_cap;
	/* the handler's verdict, through dp_run (cmd_ctx may_block/would_block) */
	bool may, retry, would;
	uint64_t deadline_ms;
	bool serving; /* trying the waiters: writes they make only ask for another pass */
	bool pending; /* a write happened while trying was not possible */
	/* proxies of clients blocked on several workers (dp_xblock.h) */
	uint32_t n_proxy; /* parked here (not blocked clients of their own) */
	uint32_t n_x;	  /* this worker's clients blocked that way */
	uint32_t stall;	  /* proxies woken whose client has not decided yet */
};

/** The cancel request a disconnecting blocked client sends to the keys' worker. */
extern const struct cmd_def dp_block_cancel_def;

/** The proxy of a client blocked on keys of several workers (dp_xblock.h),
 * and the message ending the stall its wake-up started. */
extern const struct cmd_def dp_block_proxy_def;
extern const struct cmd_def dp_block_unstall_def;

/* The txid of a reservation: this bit and the blocking order (real
 * transaction ids, a global counter, never reach it). */
#define DP_BLOCK_RESV (1ull << 63)

struct shard_txq_entry;

/**
 * LOCK of the attempt of the client blocked in @p order, intents @p keys
 * (@p len bytes of u64): take its reservation over as transaction @p txid.
 * @return the entry (granted or not, now the transaction's), or NULL if
 * there is none (or it does not cover the intents: then it is dropped).
 */
struct shard_txq_entry *dp_block_resv_take(struct worker *w, uint64_t order, const uint8_t *keys,
					   size_t len, uint64_t txid);
/** Transaction entry @p e waits here and holds another shard: move the
 * reservations it waits for behind it (dp_block.h, deadlock freedom). */
void dp_block_resv_yield(struct worker *w, struct shard_txq_entry *e);

/** A proxy or unstall message (request or reply). */
void dp_block_msg_in(struct worker *w, struct shard_msg *m);
/** The blocked clients count INFO shows, after a change. */
void dp_block_publish(struct worker *w);

/** After dp_run of a request: park it if its handler would block.
 * @return true if parked (the caller sends nothing). */
bool dp_block_park(struct worker *w, struct shard_msg *m);
/** A write changed the shard: try the waiters (now or after the transaction part). */
void dp_block_signal(struct worker *w);
/**
 * Release intent entry @p e (a transaction's RELEASE, or a reservation's
 * end) and give it back: the waiters it held back are tried first, then the
 * commands and transactions queued behind it are granted. Redis serves a
 * blocked client at the push, before any command that came after it; a
 * waiter ignores entries that only wait their turn (shard_txq_held).
 */
void dp_block_release(struct worker *w, struct shard_txq_entry *e);
/** Loop step: deferred tries and expired deadlines. @return work done. */
unsigned dp_block_poll(struct worker *w);
/** A cancel request: drop the waiter of that connection, answer both. */
void dp_block_cancel(struct worker *w, struct shard_msg *m);
/**
 * CLIENT UNBLOCK: answer the waiter of client @p id parked here with the
 * timeout's reply, or with -UNBLOCKED when @p error. @return true if one was.
 */
bool dp_block_unblock(struct worker *w, uint64_t id, bool error);
void dp_block_fini(struct worker *w);

#endif
