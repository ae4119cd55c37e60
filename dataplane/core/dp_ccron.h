/*
 * The clients cron (Redis 7.0.15's clientsCron()): each run of a worker's
 * cron visits a slice of that worker's connections, so every connection is
 * looked at about once a second, whatever their number, and no run costs
 * more than its slice.
 *
 * IDLE TIMEOUT (clientsCronHandleTimeout())
 *
 * With `timeout` N > 0, a client that has neither sent nor been sent
 * anything for more than N seconds is closed (an orderly close, no reply,
 * as stock closes the socket), with the log line "Closing idle client".
 * Seconds are whole unix seconds, as Redis counts them: the client goes
 * when now_s - last_s > N. Exempt, as in stock:
 *   - MONITOR clients (stock's CLIENT_SLAVE; Redwire has no replica or
 *     master connection on the dataplane);
 *   - blocked clients (BLPOP...: their own timeout fires, dp_block.c), and
 *     clients held by CLIENT PAUSE (stock blocks them too);
 *   - pub/sub clients (CLIENT_PUBSUB: subscribed to anything, RESP2 or
 *     RESP3; one that unsubscribed from everything is not).
 * A client in MULTI is not special. A client whose command is still running
 * (a reply pending from another worker, a transaction, SAVE) is not idle.
 * CONFIG SET timeout acts on the connections already open at the next visit.
 *
 * THE SLICE
 *
 * Connections live in an array (worker.clients, one entry per TCP pool
 * slot). A run visits ceil(slots / hz) entries from a cursor that wraps, so
 * the whole array is walked once in hz runs, a second; stock walks
 * numclients / hz list nodes per run for the same guarantee. With
 * dynamic-hz the rate grows with the clients and the slice shrinks.
 *
 * Context: the owning worker lcore, from its cron (worker.c).
 */
#ifndef RW_DP_CCRON_H
#define RW_DP_CCRON_H

#include <stdint.h>

struct worker;

/** One cron run's slice of @p w's connections, at @p hz runs a second. */
void dp_clients_cron(struct worker *w, int64_t hz);

#endif
