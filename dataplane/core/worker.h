/*
 * The per-lcore worker: one run-to-completion loop that owns a NIC queue,
 * a TCP instance, a keyspace shard and its end of the shard mesh.
 *
 * One loop iteration:
 *   rx burst -> eth/arp/ipv4/tcp (bytes land in connections' rcv buffers;
 *   a segment of another worker's flow is handed to it) -> segments other
 *   workers handed to this one
 *   -> messages from other workers (requests to run here, replies to deliver)
 *   -> parse and dispatch the complete commands of every readable connection
 *   -> TCP output of every connection with replies (one flush per iteration)
 *   -> tx burst -> timers -> journal publish -> control-channel requests
 *   -> idle back-off when nothing happened.
 *
 * Context: struct worker is owned by its lcore; other threads read only the
 * stats block in the control channel.
 */
#ifndef RW_WORKER_H
#define RW_WORKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "chan.h"
#include "cmd.h"
#include "dp_block.h"
#include "dp_cmem.h"
#include "dp_load.h"
#include "dp_slot.h"
#include "dp_watch.h"
#include "eth_port.h"
#include "net.h"
#include "resp.h"
#include "rw_log.h"
#include "rw_time.h"
#include "shard.h"
#include "shard_txq.h"
#include "snap.h"
#include "tcp.h"

struct store_shard;
struct eth_strict;
struct cmd_diag_slot;
struct dp_pubsub;
struct dp_ps_client;
struct dp_xblock;

#define DP_SLOTS 256 /* per connection; parsing pauses while all are busy */

struct dp_client {
	struct tcp_conn *tcp; /* NULL when free */
	uint32_t gen;	      /* bumped when the connection ends: stale replies are dropped */
	struct cmd_client cc;
	struct dp_slot *slots; /* ring of DP_SLOTS, allocated on first use */
	uint64_t slot_head;    /* oldest slot */
	uint64_t slot_tail;    /* next slot to hand out */
	bool closing;	       /* QUIT, protocol error or peer FIN: close once drained */
	bool paused;	       /* parsing stopped while every slot was busy */
	bool order_wait;       /* the next command waits for the replies ahead (dp_client.c) */
	/* every slot in [slot_head, ord_seq) has run or runs on worker ord_at:
	 * what the order rule already checked (dp_client.c, order_clear()) */
	uint16_t ord_at;
	uint64_t ord_seq;
	/* the last parse stopped with complete commands left (its command
	 * budget, a pause): the receive buffer holds a pipeline's backlog,
	 * which Redis leaves in the kernel's socket buffer (dp_cmem.h) */
	bool rcv_backlog;
	uint32_t tx_inflight; /* transactions of this connection not finished (dp_tx.c) */
	bool on_ready;
	uint32_t live_pos; /* its place in worker.live plus one; 0: not there */
	struct dp_client *ready_next;
	struct worker *owner;	/* the worker the connection lives on */
	struct dp_multi *multi; /* MULTI/WATCH state (dp_tx.h); NULL until used */
	uint32_t save_wait;	/* SAVE waits for this snapshot's file (dp_snap.c); 0: none */
	bool blocking;	    /* a blocking command's reply is awaited: parsing waits (dp_block.h) */
	uint16_t blk_owner; /* the worker it waits on */
	uint64_t blk_seq;   /* its reply slot */
	struct dp_xblock *xblk; /* blocked on keys of several workers (dp_xblock.h) */

	/* pub/sub state (dp_pubsub.h); NULL until it subscribes */
	struct dp_ps_client *ps;
};

/* A worker's shard numbers for INFO on other workers (dp_info.c):
 * written by the worker alone, read with relaxed loads. */
struct dp_pub {
	_Atomic uint64_t expired, evicted, hits, misses, used, dirty;
	_Atomic uint64_t *db_keys, *db_expires;
	_Atomic uint64_t *db_main_bytes, *db_expires_bytes; /* MEMORY STATS overheads */
	_Atomic uint64_t hz; /* the cron's rate in force (worker.c; INFO's hz) */
	uint32_t n_dbs;
};

struct worker;

/* A reply held until the control plane has made the write it answers
 * durable (appendonly): either a slot part of a local connection, or a
 * forwarded command's reply message to send back. */
struct dp_ack_wait {
	uint64_t lsn;
	struct shard_msg *msg; /* reply to send back; NULL: a local slot */
	uint32_t conn_idx, gen;
	uint64_t slot_seq;
};

/* Boot-time facts every worker reads. */
struct dp_shared {
	const struct rw_config *cfg;
	struct cmd_env env;
	struct net_if nif;
	struct eth_port *port;
	struct eth_strict *strict; /* redwire-port-offload strict: the NIC model in front */
	struct shard_mesh mesh;
	struct tcp_shared *tcp; /* flow owners and segment handoff rings (dataplane/tcp) */
	struct chan *chan;
	uint32_t n_workers;
	uint16_t tcp_port;
	bool idle_backoff;
	bool order_relaxed; /* redwire-pipeline-order relaxed (dp_client.c) */
	uint32_t idle_max_us;
	struct worker *workers; /* all of them, for INFO's totals */
	/* env.loading and env.persist point here: dataset loading at start
	 * (dp_load.c), the AOF's state from the control plane (dp_info.c) */
	struct cmd_loading loading;
	struct cmd_persist persist;
	struct cmd_snap snap;		   /* env.snap: BGSAVE/SAVE state (dp_snap.c) */
	_Atomic uint64_t next_txid;	   /* the last transaction id handed out (dp_tx.c) */
	_Atomic uint64_t next_block_order; /* clients blocked so far, all workers (dp_block.c) */
	_Atomic bool stop;
	_Atomic bool garp; /* SIGUSR1: worker 0 announces our address (takeover) */
	struct dp_quiet quiet[DP_QUIET_MAX_WORKERS]; /* each worker's, for a live restore */
};

/* The store counters the per-DB figures follow (worker.c's tick). */
struct worker_db_sig {
	uint64_t used_bytes, dirty, expired, evicted;
};

struct worker {
	uint32_t id;
	struct dp_shared *sh;
	struct rw_clock clock;
	uint64_t now_us;
	uint64_t now_unix_ms;
	uint64_t next_tick_us;
	uint64_t ticks;
	uint64_t acl_kill_gen; /* cmd_acl_tick(): users deleted up to here are handled */
	/* the cron (worker.c): hz times a second (dynamic-hz: the rate in
	 * force), it starts an active expire cycle, which runs a slice per tick
	 * until the shard looks fresh, and visits a slice of the clients */
	uint64_t next_cron_us;
	int64_t cron_hz_cfg;   /* hz configured when the rhythm was last reset */
	uint32_t ccron_cursor; /* the clients cron's next entry of clients[] (dp_ccron.c) */
	bool expire_cycle;
	uint64_t us_per_tsc_q32;     /* command durations: microseconds per cycle << 32 */
	uint64_t cal_tsc, cal_us;    /* the start of its measuring window (worker.c) */
	struct worker_db_sig db_sig; /* at the last per-DB publish */
	bool dbs_moved;		     /* a command that may move keys between DBs ran */
	uint32_t store_dbs;	     /* the shard's DB count */
	/* the last command name looked up and its entry (dp_client.c) */
	const struct cmd_def *lk_def;
	size_t lk_len;
	uint8_t lk_name[24];
	uint64_t rt_generation;	  /* CONFIG SET generation the cached limits come from */
	bool hold_acks;		  /* appendonly: a write is answered once durable */
	struct dp_ack_wait *acks; /* ring, LSN order */
	uint32_t ack_head, ack_tail, ack_cap;
	struct dp_pub pub;
	struct dp_cmem cmem; /* its clients' memory, maxmemory-clients (dp_cmem.c) */
	struct chan_worker_stats *stats;
	struct net_ctx net;
	struct tcp_stack tcp;
	struct store_shard *store;
	struct shard_port shard;
	struct rte_mempool *pool;
	struct resp_limits limits;
	struct dp_client *clients; /* indexed by tcp_conn idx */
	/* the connected ones' indexes, n_live of them, in no order
	 * (dp_client.c): walks of every client skip the free slots */
	uint32_t *live;
	uint32_t n_live;
	struct dp_client *ready;
	struct resp_arg *argv;	   /* argv_cap entries, and so are the next two */
	struct resp_arg *sub_argv; /* a split command's part */
	uint8_t *key_owner_buf;	   /* owner of each argument of a split command */
	uint32_t argv_cap;
	struct rw_buf part_buf;		/* reply of the local part of a split command */
	struct rw_buf mon_buf;		/* MONITOR lines moved out for this loop (dp_monitor.c) */
	struct cmd_diag_slot *mon_slot; /* this worker's MONITOR lines and count; NULL: none */
	/* a transaction's part, or an EXEC being planned: dp_run() records no
	 * SLOWLOG/LATENCY/MONITOR entry (the coordinator records the
	 * transaction's commands in order when it ends, dp_tx.c) */
	bool in_tx_part;
	int64_t run_us;	       /* dp_run(): how long the command it ran last took */
	struct rw_buf scratch; /* journal records, local parts of split commands */
	/* an inline command's line as it came: parsing splits it in place, and a
	 * command that must wait is parsed again later (dp_client.c) */
	struct rw_buf inline_line;
	struct rw_buf propagate;	  /* a command's journal rewrite (cmd_ctx.propagate) */
	struct chan_part cur_raw;	  /* the running command's multibulk bytes, if any */
	const struct dp_client *cur_conn; /* the local connection running a command, if any */
	struct shard_msg *deferred_head, *deferred_tail; /* requests waiting for journal space */
	uint64_t next_client_id;
	uint64_t rng; /* xorshift state: RANDOMKEY's choice of worker */
	/* transactions (dp_tx.c) */
	struct shard_txq txq;			 /* intents on this shard */
	struct dp_watch watch;			 /* watched keys this shard owns */
	struct shard_msg *self_head, *self_tail; /* messages to this worker itself */
	struct dp_tx *tx_wait;			 /* finished, waiting for durability order */
	uint32_t tx_live;			 /* transactions this worker coordinates now */
	uint64_t mesh_away;	     /* requests and parts at other workers (struct dp_quiet) */
	struct rw_buf *tx_effects;   /* non-NULL: writes are captured, not journaled */
	struct rw_buf tx_fx, tx_out; /* a part's effects; a local EXEC's reply */
	uint64_t *hash_buf;	     /* a command's intents */
	struct resp_arg *wait_argv;  /* a request checked against the intents */
	uint32_t wait_cap;
	uint32_t hash_cap;
	uint64_t jrnl_last_lsn; /* the last record this worker journaled */
	uint32_t idle_us;
	struct rw_logring log;
	struct dp_load load;	     /* loading the dataset at start (dp_load.c) */
	struct snap_part snap;	     /* this worker's part of a running snapshot */
	struct dp_block blk;	     /* blocking commands parked on this shard (dp_block.c) */
	struct dp_xblock *xblk_head; /* this worker's clients blocked on several workers */

	/* pub/sub: this worker's connections' subscriptions (dp_pubsub.c), and
	 * a notification's channel name */
	struct dp_pubsub *ps;
	struct rw_buf ps_scratch;
	bool notify_mute; /* a gather's copies and write-backs notify nothing (dp_tx_gather.inc) */
	/* non-NULL: notifications are kept there instead of published (a part
	 * of a cross-worker EXEC: its coordinator publishes them in command
	 * order, dp_tx.c); tx_ev is the buffer a part uses */
	struct rw_buf *ps_hold;
	struct rw_buf tx_ev;

	/* multi-key commands over keys of several workers (dp_tx_gather.inc):
	 * the copies of their keys, the keys the command wrote there */
	struct store_shard *ga_store;
	struct rw_buf *ga_written; /* non-NULL while the command runs on ga_store */
	struct resp_arg *ga_argv;
	uint32_t ga_argv_cap;
} __attribute__((aligned(64)));

/**
 * Set up worker @p id: TCP, store shard, mesh port. The clock is the real
 * one unless the caller replaces w->clock afterwards (tests).
 * Context: boot. @return 0 or -ENOMEM.
 */
int worker_init(struct worker *w, uint32_t id, struct dp_shared *sh, struct rte_mempool *pool,
		uint32_t max_conns);
void worker_fini(struct worker *w);

/** Microseconds in @p cycles of the TSC (the rate measured against the clock). */
static inline uint64_t worker_tsc_us(const struct worker *w, uint64_t cycles)
{
	uint64_t m = w->us_per_tsc_q32;
	return (((cycles & 0xffffffffu) * m) >> 32) + (cycles >> 32) * m;
}

/** One loop iteration. @return the amount of work done (0: idle). */
unsigned worker_poll_once(struct worker *w);
/** Markers tests/bench/instructions.sh counts under callgrind (worker.c):
 * an idle poll, and a poll without packets that found work. */
void worker_cg_idle(void);
void worker_cg_missed(void);
/** The lcore entry point: loops until sh->stop. */
int worker_main(void *arg);

/* client side (dp_client.c) */
extern const struct tcp_app_ops dp_client_tcp_ops;
void dp_client_process_ready(struct worker *w);
/** MONITOR: copy the lines fed to this worker's monitors. @return 1 if any. */
unsigned dp_monitor_poll(struct worker *w);
void dp_shard_msg_in(void *arg, struct shard_msg *m);
void dp_deferred_retry(struct worker *w);
/** Close @p cl now (RST), dropping what it has not read (output limits). */
void dp_client_kill(struct worker *w, struct dp_client *cl);
/** Close @p cl in order (FIN after what it was sent), no reply pending. */
void dp_client_close(struct worker *w, struct dp_client *cl);
/** store_hook_fn: journal expiries and evictions as DELs; @p arg is the worker. */
void dp_journal_store_event(void *arg, uint32_t db, const void *key, size_t klen,
			    const char *event);
/** Release the replies whose writes became durable. @return how many. */
unsigned dp_acks_release(struct worker *w);

#endif
