/*
 * Pub/sub and keyspace notifications across workers (PUBSUB.md).
 *
 * Each worker keeps the subscriptions of its own connections
 * (cmd_pubsub.h tables). A PUBLISH delivers to this worker's subscribers at
 * once and travels to every other worker that has subscriptions, over the
 * per-pair shard rings (FIFO: one publisher's messages arrive in order);
 * each answers its receiver count and the reply is their sum. Keyspace
 * notifications are raised by the store's write hook on the worker owning
 * the key and published the same way, without a count.
 *
 * Context: the owning worker lcore; other workers read only the published
 * `any` counter.
 */
#ifndef RW_DP_PUBSUB_H
#define RW_DP_PUBSUB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "resp.h"

#include "cmd_pubsub.h"

struct worker;
struct dp_client;
struct shard_msg;
struct cmd_def;
struct store_shard;
struct cmd_conn_info;
struct resp_arg;
struct ps_pending;
struct rw_buf;

/* A connection's pub/sub state (dp_client.ps; NULL until it subscribes). */
struct dp_ps_client {
	struct cmd_ps_client subs;
	bool flag;		/* Redis's CLIENT_PUBSUB: RESP2 subscribed mode, flag P */
	bool doomed;		/* over the output limit: closed at the end of the iteration */
	uint64_t soft_since_us; /* over the soft limit since (0: under it) */
};

struct dp_ps_kill {
	uint32_t conn_idx, gen;
};

/* One worker's pub/sub state. */
struct dp_pubsub {
	struct cmd_ps_tab tab[CMD_PS_KINDS];
	_Atomic uint64_t any; /* subscriptions held here, every kind (others read) */
	_Atomic uint64_t names[CMD_PS_KINDS]; /* names this worker registers (INFO sums them) */
	/* the registry of the names this worker owns (a name's owner is the
	 * worker of its key slot): how many workers have local subscribers */
	struct cmd_ps_tab reg[CMD_PS_KINDS];
	struct dp_ps_kill *kill; /* connections over the pubsub output limit */
	uint32_t n_kill, kill_cap;
	uint64_t msgs_out, msgs_in; /* messages sent to / received from other workers */
	struct ps_pending *pend;    /* notifications of the running command (dp_pubsub.c) */
};

/** Set up @p w's pub/sub state and its notification hook. @return 0 or -ENOMEM. */
int dp_pubsub_setup(struct worker *w);
void dp_pubsub_teardown(struct worker *w);
/**
 * Before a command runs on connection @p cl: RESP2 subscribed mode refuses
 * what Redis refuses and answers PING its way; RESET drops the
 * subscriptions. @return true if the command was answered here.
 */
bool dp_pubsub_filter(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		      const struct resp_arg *argv, uint32_t argc);
/**
 * PING inside EXEC: a RESP2 client subscribed by then gets the pong array
 * (pingCommand()). @return true if it answered into @p out.
 */
bool dp_pubsub_exec_ping(const struct dp_client *cl, const struct cmd_def *d,
			 const struct resp_arg *argv, uint32_t argc, struct rw_buf *out);
/** Run a CMD_PUBSUB command for @p cl (subscribe, publish, PUBSUB ...). */
void dp_pubsub_run(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		   const struct resp_arg *argv, uint32_t argc);
/** The connection ends: drop its subscriptions. */
void dp_pubsub_client_gone(struct worker *w, struct dp_client *cl);
/** A SHARD_PUBSUB / SHARD_PUBSUB_DONE message. */
void dp_pubsub_msg_in(struct worker *w, struct shard_msg *m);
/** Close the connections that went over the output limit. @return how many. */
unsigned dp_pubsub_poll(struct worker *w);
/** A command starts on this worker's shard: its notifications are held. */
void dp_pubsub_cmd_begin(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
			 uint32_t argc, uint32_t db, struct rw_buf *out);
/** It ended: publish its notifications as Redis names them for it. */
void dp_pubsub_cmd_end(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
		       uint32_t argc, uint32_t db, uint32_t dirty);
/** CLIENT LIST's sub= psub= ssub= and flag P. */
void dp_pubsub_describe(const struct dp_client *cl, struct cmd_conn_info *out);

/* Internal to dp_pubsub.c and dp_notify.c. */
/** Publish without a count: to this worker's subscribers and every other
 * worker with subscriptions (a keyspace notification). */
void dp_pubsub_publish_uncounted(struct worker *w, const uint8_t *ch, size_t clen,
				 const uint8_t *msg, size_t mlen);
/** Publish notifications held by a part of a cross-worker EXEC (worker.ps_hold:
 * (u32 length, channel, u32 length, message)* as @p p, @p n bytes), in order. */
void dp_pubsub_publish_held(struct worker *w, const uint8_t *p, size_t n);
/** The notification hook and its state (dp_notify.c). @return 0 or -errno. */
int dp_notify_setup(struct worker *w);
void dp_notify_teardown(struct worker *w);
/** The same hook on another store (a gather's copies, dp_tx_gather.inc). @return 0 or -errno. */
int dp_notify_attach(struct worker *w, struct store_shard *s);

/** Case-insensitive compare of an argument with a lower-case literal. */
static inline bool dp_ps_arg_is(const struct resp_arg *a, const char *lit)
{
	size_t n = strlen(lit);
	if (a->len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = a->ptr[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c != (uint8_t)lit[i])
			return false;
	}
	return true;
}

#endif
