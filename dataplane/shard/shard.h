/*
 * Cross-core dispatch: which worker owns a key, and the message rings that
 * carry a command to its owner and its reply back.
 *
 * Ownership: a key's slot is CRC16 mod 16384 (Redis Cluster's, hash tags
 * included); worker w owns the contiguous slot range
 * [w * 16384 / n, (w + 1) * 16384 / n).
 *
 * Messages: worker i talks to worker j over ring[i][j], a single-producer
 * single-consumer rte_ring of message pointers. A message belongs to the
 * worker that allocated it (the requester): the owner of the keys turns the
 * request into a reply in place and sends it back, and the requester puts
 * it back on its own free list. So message memory needs no locks and, once
 * warm, no allocation. A full ring never drops: the message waits in a
 * per-destination backlog and is retried every loop iteration.
 *
 * Context: a shard_port is used only by its own worker lcore.
 */
#ifndef RW_SHARD_H
#define RW_SHARD_H

#include <stdint.h>

#include <rte_ring.h>

#include "chan.h"
#include "cmd.h"
#include "crc16.h"
#include "rw_buf.h"

#define SHARD_MAX_WORKERS 64

/* REQ, TX and PUBSUB travel to dst, REPLY, TX_DONE and PUBSUB_DONE back to
 * src (the owner). PUBSUB: a published message or a PUBSUB query
 * (dataplane/core/dp_pubsub.c). */
enum shard_msg_kind {
	SHARD_REQ = 1,
	SHARD_REPLY = 2,
	SHARD_TX = 3,
	SHARD_TX_DONE = 4,
	SHARD_PUBSUB = 5,
	SHARD_PUBSUB_DONE = 6,
};

/* What a SHARD_TX message asks of a shard (dataplane/core/dp_tx.c). */
enum shard_tx_op {
	SHARD_TX_LOCK = 1,    /* queue the intents in args; answer once granted */
	SHARD_TX_CHECK = 2,   /* run the check sub-commands in args, keep the lock */
	SHARD_TX_RUN = 3,     /* run the sub-commands in args, keep the lock */
	SHARD_TX_RELEASE = 4, /* drop the intents: waiting commands may run */
	SHARD_TX_UNWATCH = 5, /* drop the client's watched keys (up to an epoch) */
};

struct shard_msg {
	struct shard_msg *next; /* free list / backlog link */
	uint8_t kind;
	uint16_t src; /* requester: owns the message */
	uint16_t dst; /* worker that executes */
	uint32_t conn_idx;
	uint32_t conn_gen;
	uint64_t slot_seq; /* reply slot on the requester's connection */
	struct cmd_client client;
	const struct cmd_def *def;
	uint32_t argc;
	struct rw_buf args;  /* packed arguments: u32 length + bytes, each */
	struct rw_buf reply; /* RESP reply bytes */
	/* transactions (SHARD_TX / SHARD_TX_DONE) */
	uint8_t op;	 /* enum shard_tx_op */
	bool all;	 /* LOCK: every key of the shard */
	bool first_lock; /* LOCK: the transaction holds no other shard yet (dp_block.h) */
	uint32_t epoch;	 /* UNWATCH: up to this watch epoch */
	uint64_t txid;	 /* the transaction's global id */
	void *tx;	 /* the coordinator's transaction; only the coordinator reads it */
	uint64_t lsn_at; /* RUN: the shard's last journal LSN after its part */
	/* a blocked client's proxy (dataplane/core/dp_xblock.h): its global
	 * blocking order, which also names it */
	uint64_t blk_order;
	bool away; /* counted in the requester's mesh_away until it is back */
};

/* All rings, shared by every worker; built at boot. */
struct shard_mesh {
	uint32_t n;
	struct rte_ring *ring[SHARD_MAX_WORKERS][SHARD_MAX_WORKERS]; /* [from][to] */
};

struct shard_backlog {
	struct shard_msg *head, *tail;
};

/* One worker's end of the mesh. */
struct shard_port {
	struct shard_mesh *mesh;
	uint32_t self;
	struct shard_msg *free;
	struct shard_backlog backlog[SHARD_MAX_WORKERS];
	uint32_t backlogged;
};

static inline uint32_t shard_of_slot(uint16_t slot, uint32_t n_workers)
{
	return (uint32_t)(((uint32_t)slot * n_workers) / RW_SLOTS);
}

static inline uint32_t shard_of_key(const void *key, size_t len, uint32_t n_workers)
{
	return shard_of_slot(rw_key_slot(key, len), n_workers);
}

/** Create the n x n rings. Context: boot. @return 0 or -ENOMEM. */
int shard_mesh_create(struct shard_mesh *mesh, uint32_t n_workers, int socket_id);
void shard_mesh_destroy(struct shard_mesh *mesh);

void shard_port_init(struct shard_port *p, struct shard_mesh *mesh, uint32_t self);
void shard_port_fini(struct shard_port *p);

/** A message from this worker's pool. @return NULL only when out of memory. */
struct shard_msg *shard_msg_get(struct shard_port *p);
/** Return a message this worker owns. */
void shard_msg_put(struct shard_port *p, struct shard_msg *m);

/** Pack @p argv into m->args. @return 0 or -ENOMEM. */
int shard_msg_pack(struct shard_msg *m, const struct resp_arg *argv, uint32_t argc);
/** Point @p argv (m->argc entries) at the packed arguments. */
void shard_msg_unpack(struct shard_msg *m, struct resp_arg *argv);

/** Send to m->dst (REQ) or m->src (REPLY); waits in the backlog if the ring is full. */
void shard_send(struct shard_port *p, struct shard_msg *m);
/** Retry backlogged messages. */
void shard_backlog_flush(struct shard_port *p);

typedef void shard_msg_fn(void *arg, struct shard_msg *m);
/** Receive up to @p budget messages from every peer. @return messages handled. */
unsigned shard_poll(struct shard_port *p, shard_msg_fn *fn, void *arg, unsigned budget);

#endif
