/*
 * Control channel: the only contract between redwire-dataplane and
 * redwire-control. A shared-memory file (tmpfs) that both processes map;
 * no DPDK multi-process, so it works with --no-huge. Layout and record
 * formats are in FORMAT.md next to this file (versioned).
 *
 * Per worker w the channel holds:
 *   - a stats block (single writer: worker w; readers sum);
 *   - a journal: a byte ring of records with three cursors
 *       produced (dataplane) >= consumed (control) >= durable (control);
 *     the dataplane may only overwrite bytes below `durable`, so a restarted
 *     control plane rewinds `consumed` to `durable` and re-reads everything
 *     not yet made durable (a replayable journal, not a mailbox);
 *   - two message rings (SPSC): control -> dataplane requests and
 *     dataplane -> control messages (replies, requests the control plane
 *     answers, bulk stream chunks).
 *
 * The producer side never makes a syscall: it writes records and publishes
 * the cursor with a release store, once per loop iteration (batched).
 *
 * Context: each ring has exactly one producer thread and one consumer
 * thread. Functions never block.
 */
#ifndef RW_CHAN_H
#define RW_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHAN_VERSION	 1
#define CHAN_MAX_WORKERS 64

/* Per-worker counters shown by redwirectl and the API.
 * X(field, "description"); single writer (the worker), plain increments. */
#define CHAN_WORKER_STATS(X)                                                                       \
	X(loops, "worker loop iterations")                                                         \
	X(busy_loops, "loop iterations that found work")                                           \
	X(busy_cycles, "TSC cycles spent in loop iterations that found work")                      \
	X(idle_sleeps, "idle back-off sleeps")                                                     \
	X(rx_packets, "packets received")                                                          \
	X(tx_packets, "packets sent")                                                              \
	X(rx_bytes, "bytes received")                                                              \
	X(tx_bytes, "bytes sent")                                                                  \
	X(rx_dropped, "received packets dropped (any reason)")                                     \
	X(tx_dropped, "packets the port did not take")                                             \
	X(arp_replies, "ARP replies sent")                                                         \
	X(icmp_echo_replies, "ICMP echo replies sent")                                             \
	X(tcp_conns_opened, "TCP connections accepted")                                            \
	X(tcp_conns_closed, "TCP connections closed")                                              \
	X(tcp_conns_current, "TCP connections open now")                                           \
	X(tcp_retransmits, "TCP segments retransmitted")                                           \
	X(tcp_rst_sent, "TCP resets sent")                                                         \
	X(tcp_rst_received, "TCP resets accepted (connection reset by the peer)")                  \
	X(tcp_ooo_segs, "TCP segments kept out of order")                                          \
	X(tcp_ooo_dropped, "TCP out-of-order segments not kept (limits)")                          \
	X(tcp_paws_rejected, "TCP segments rejected by PAWS (RFC 7323)")                           \
	X(tcp_sack_rexmits, "TCP holes retransmitted in SACK recovery")                            \
	X(tcp_fast_recoveries, "TCP fast recovery episodes")                                       \
	X(tcp_partial_acks, "TCP partial ACKs in recovery (RFC 6582)")                             \
	X(tcp_limited_transmits, "TCP segments sent by limited transmit (RFC 3042)")               \
	X(tcp_rto_expired, "TCP retransmission timer expiries")                                    \
	X(tcp_timeouts, "TCP connections dropped after too many retransmissions")                  \
	X(tcp_syncookies_sent, "TCP SYN cookies sent (RFC 4987)")                                  \
	X(tcp_syncookies_validated, "TCP connections opened from a valid SYN cookie")              \
	X(tcp_syncookies_failed, "TCP ACKs carrying an invalid or stale SYN cookie")               \
	X(tcp_keepalive_probes, "TCP keepalive probes sent")                                       \
	X(tcp_keepalive_aborts, "TCP connections aborted by keepalive")                            \
	X(tcp_challenge_acks, "TCP challenge ACKs sent (RFC 5961)")                                \
	X(tcp_challenge_limited, "TCP challenge ACKs suppressed by the rate limit")                \
	X(tcp_drop_malformed, "TCP segments dropped: checksum, offset or length")                  \
	X(tcp_drop_listen_overflow, "TCP SYNs or cookie ACKs dropped: no free connection")         \
	X(tcp_drop_out_of_window, "TCP segments outside the window (answered by an ACK)")          \
	X(tcp_drop_no_memory, "TCP segment text dropped for lack of buffer memory")                \
	X(commands, "commands executed on this worker's shard")                                    \
	X(commands_received, "commands parsed from this worker's clients")                         \
	X(fwd_sent, "commands forwarded to another worker")                                        \
	X(fwd_received, "commands executed for another worker")                                    \
	X(blocked_clients, "blocking commands waiting on this worker's keys (BLPOP...)")           \
	X(protocol_errors, "clients closed for protocol errors")                                   \
	X(keys, "keys in this worker's shard")                                                     \
	X(journal_records, "journal records produced")                                             \
	X(journal_full_stalls, "times a write waited for journal space")                           \
	X(journal_refused, "writes refused: no room for their large record's side file")           \
	X(journal_lost, "writes applied whose journal record could not be written")                \
	X(tcp_handoff_sent, "TCP segments handed to the worker owning their flow")                 \
	X(tcp_handoff_received, "TCP segments of this worker's flows received by another worker")  \
	X(tcp_handoff_dropped, "TCP segments dropped: the ring to the owning worker was full")     \
	X(tcp_owner_conflicts, "TCP SYNs dropped: two workers claimed the flow at once")           \
	X(tcp_owner_table_full, "TCP flows served without an entry in the shared owner table")     \
	X(tx_offload_violations, "frames whose TX offload metadata a strict NIC refused")          \
	X(tcp_time_wait_recycled, "TCP TIME_WAIT connections reused because the pool ran out")     \
	X(tcp_drop_output_limit, "TCP connections reset: unread replies past the output limit")    \
	X(tcp_persist_probes, "TCP zero-window probes sent (RFC 9293 §3.8.6.1)")                   \
	X(tcp_pmtu_lowered, "TCP MSS lowered by ICMP fragmentation needed (RFC 1191)")             \
	X(tcp_loss_probes, "TCP tail loss probes sent (RFC 8985 §7)")                              \
	X(tcp_lost_rexmits, "TCP retransmissions found lost and sent again in SACK recovery")      \
	X(arp_gratuitous_sent, "gratuitous ARPs sent (start, SIGUSR1)")                            \
	X(tcp_flow_entries, "TCP flow table entries now (gauge)")                                  \
	X(tcp_timer_entries, "TCP connections on the timer wheel now (gauge)")                     \
	X(mbufs_in_use, "mbufs of this worker's pool in use now (gauge)")                          \
	X(used_memory, "bytes the keys and values of this worker's shard take (gauge)")            \
	X(maxmemory, "maxmemory in effect in bytes, one budget for all shards; 0: none (gauge)")   \
	X(expires, "keys with a time to live in this worker's shard (gauge)")                      \
	X(expired_keys, "keys deleted because their time to live passed")                          \
	X(evicted_keys, "keys evicted to keep used memory within maxmemory")                       \
	X(keyspace_hits, "key lookups by read commands that found the key")                        \
	X(keyspace_misses, "key lookups by read commands that found no key")                       \
	X(dirty, "changes committed to this worker's shard (Redis's dirty counter)")               \
	X(rdb_saves, "snapshots written since start (worker 0 only)")                              \
	X(rdb_last_save_unix,                                                                      \
	  "unix time of the last good snapshot, else the start (worker 0 only, gauge)")            \
	X(rdb_last_save_failed, "1 if the last snapshot failed (worker 0 only, gauge)")            \
	X(rdb_save_in_progress, "1 while a snapshot is being taken (worker 0 only, gauge)")        \
	X(rdb_dirty_saved, "changes (the sum of the dirty counters) the last good snapshot "       \
			   "covers (worker 0 only, gauge)")                                        \
	X(cron_runs, "worker cron runs (hz a second: active expiry cycles)")                       \
	X(ctl_msgs, "control-plane messages this worker's loop handled (PING, CONFIG, load, ...)") \
	X(tcp_rmem_bytes, "TCP receive memory committed beyond the connections' floors: the "      \
			  "worker's receive pool in use (gauge)")                                  \
	X(tcp_rmem_clamped, "TCP windows the receive pool held below the per-connection cap")      \
	X(tcp_rack_lost, "TCP segments RACK found lost by time (RFC 8985 §6.2)")                   \
	X(tcp_rack_timeouts, "TCP reordering timer expiries (RFC 8985 §6.3)")

struct chan_worker_stats {
#define CHAN_STAT_FIELD(f, d) uint64_t f;
	CHAN_WORKER_STATS(CHAN_STAT_FIELD)
#undef CHAN_STAT_FIELD
} __attribute__((aligned(64)));

/* Names for the stats fields, in declaration order (for the API). */
extern const char *const chan_worker_stat_names[];
extern const size_t chan_worker_stat_count;

struct chan_sizes {
	uint32_t journal_bytes; /* per worker, power of two */
	uint32_t msg_bytes;	/* per ring, power of two */
};

/* Identity the dataplane publishes for the control plane. */
struct chan_dp_info {
	uint64_t epoch; /* new on every dataplane start */
	int32_t pid;
	uint32_t n_workers;
	uint64_t start_unix_ms;
	uint64_t heartbeat_unix_ms; /* refreshed by the dataplane's service thread */
	char version[32];
	char name[64];
};

/* Where the dataplane runs (FORMAT.md "Placement"): each worker's lcore,
 * its CPU and that CPU's NUMA node, and the client port's node, as DPDK's
 * EAL placed them. Written once at start, before the workers run. */
struct chan_dp_lcore {
	uint32_t lcore; /* DPDK lcore id */
	uint32_t cpu;	/* the CPU it is pinned to */
	int32_t node;	/* that CPU's NUMA node (SOCKET_ID_ANY: -1 when unknown) */
	uint32_t reserved;
};

struct chan_dp_place {
	uint32_t n_placed; /* workers below; 0: not published (yet) */
	int32_t port_node; /* the client port's NUMA node; -1: none (a virtual device) */
	struct chan_dp_lcore worker[CHAN_MAX_WORKERS];
};

enum chan_dir {
	CHAN_TO_DP = 0, /* control -> dataplane */
	CHAN_TO_CP = 1, /* dataplane -> control */
};

/* Message types; payloads are described in FORMAT.md. */
enum chan_msg_type {
	CHAN_MSG_PING = 1, /* either way; payload echoed in the PONG */
	CHAN_MSG_PONG = 2,
	CHAN_MSG_CONFIG_SET = 3,   /* to dp: "name\0value\0" */
	CHAN_MSG_CONFIG_REPLY = 4, /* to cp: int32 status + text */
	CHAN_MSG_INFO_REQ = 5,	   /* to cp: section name */
	CHAN_MSG_INFO_REPLY = 6,   /* to dp: text */
	CHAN_MSG_BULK = 7,	   /* either way: stream id, offset, bytes */
	/* Loading the dataset at start (issue #7, FORMAT.md "Loading"); id = load session. */
	CHAN_MSG_LOAD_BEGIN = 8,      /* to dp: u64 total_bytes, u64 start_unix_ms[, u64 flags] */
	CHAN_MSG_LOAD_STATE = 9,      /* to cp: struct chan_load_state */
	CHAN_MSG_LOAD_CMDS = 10,      /* to dp: u64 loaded_bytes, then {u32 db, u32 len, RESP}... */
	CHAN_MSG_LOAD_END = 11,	      /* to dp: u64 commands sent to this worker */
	CHAN_MSG_PERSIST_STATUS = 12, /* to dp (worker 0): struct chan_persist_status */
	/* Snapshots (FORMAT.md "Snapshots"); id = snapshot id (non-zero). */
	CHAN_MSG_SNAP_BEGIN = 13, /* to cp: struct chan_snap_begin, a worker's cut */
	CHAN_MSG_SNAP_CHUNK = 14, /* to cp: struct chan_snap_chunk, then RDB key bytes */
	CHAN_MSG_SNAP_END = 15,	  /* to cp: struct chan_snap_end, the worker's part is out */
	CHAN_MSG_SNAP_DONE = 16,  /* to dp (worker 0): struct chan_snap_done, the file's fate */
	CHAN_MSG_CONFIG_GET = 17, /* to dp: "name\0"; CONFIG_REPLY carries the value */
	/* AOF rewrite (FORMAT.md "AOF rewrite"); id = the snapshot id it runs as. */
	CHAN_MSG_AOFRW_REQ = 18, /* to cp: a rewrite is wanted; u32 flags (CHAN_AOFRW_F_*) */
	CHAN_MSG_AOFRW_CUT = 19, /* to dp (worker 0): the AOF is ready, take the cut; no payload */
	/* to cp: "name\0value\0old\0source\0client\0gen\0", CONFIG SET changed a
	 * directive (the control plane's copy of the values, its persistence directives,
	 * events); "name\0value\0", the AOF's state; "" (empty): the end of a re-send. To
	 * dp (worker 0), empty: re-send every directive and the users (a control plane that
	 * attached; FORMAT.md, type 20) */
	CHAN_MSG_CONFIG_NOTE = 20,
	CHAN_MSG_SNAP_REQ = 21,	   /* to dp (worker 0): BGSAVE SCHEDULE for the management API;
				      [u32 flags (CHAN_SNAP_REQ_F_*)] */
	CHAN_MSG_ACL = 22,	   /* to dp (worker 0): "sub\0arg\0...", an ACL request of the API;
				      CONFIG_REPLY carries int32 status + text */
	CHAN_MSG_CONFIG_LIST = 23, /* to dp (worker 0): none; CONFIG_REPLY's text: the
				      directives CONFIG SET changes, "name[ v1,v2]\n"... */
	CHAN_MSG_ACL_NOTE = 24,	   /* to cp: struct chan_acl_note, then ACL LIST's lines:
				      the users changed (or the re-send of type 20) */
};

/* CHAN_MSG_ACL_NOTE header; "user NAME RULES\n" lines follow (passwords only as
 * their SHA-256), unless CHAN_ACL_NOTE_F_TOO_LONG: they do not fit one message. */
struct chan_acl_note {
	uint64_t gen; /* the users' generation the lines are at least as new as */
	uint32_t flags;
	uint32_t reserved;
};
_Static_assert(sizeof(struct chan_acl_note) == 16, "chan_acl_note is a wire struct");
#define CHAN_ACL_NOTE_F_TOO_LONG 1u

/* CHAN_MSG_AOFRW_REQ flags: the rewrite that starts the AOF (CONFIG SET appendonly yes) */
#define CHAN_AOFRW_F_ENABLE 1u
/* CHAN_MSG_SNAP_REQ flags: BGREWRITEAOF SCHEDULE instead of BGSAVE SCHEDULE */
#define CHAN_SNAP_REQ_F_AOFRW 1u
/* CHAN_MSG_LOAD_BEGIN flags: a live restore. A serving worker empties its shard and
 * loads too (clients get -LOADING meanwhile); worker 0 answers BUSY while a snapshot
 * or rewrite runs */
#define CHAN_LOAD_F_REPLACE 1u

/* CHAN_MSG_SNAP_BEGIN payload: where a worker took its part of the cut. */
struct chan_snap_begin {
	uint64_t lsn;	     /* the worker's last journal LSN before the cut (redwire-offsets) */
	uint64_t used_bytes; /* the shard's used memory (AUX used-mem sums them) */
	uint64_t keys;	     /* keys in the shard at the cut */
	uint64_t unix_ms;    /* when the cut was taken (AUX ctime) */
};
_Static_assert(sizeof(struct chan_snap_begin) == 32, "chan_snap_begin is a wire struct");

#define CHAN_SNAP_MORE 1u /* chunk flag: its last key continues in the next chunk */

/* CHAN_MSG_SNAP_CHUNK header: whole RDB keys of one DB follow (the last one
 * possibly cut, CHAN_SNAP_MORE). */
struct chan_snap_chunk {
	uint32_t db;
	uint32_t flags; /* CHAN_SNAP_MORE */
};
_Static_assert(sizeof(struct chan_snap_chunk) == 8, "chan_snap_chunk is a wire struct");

/* CHAN_MSG_SNAP_END payload. */
struct chan_snap_end {
	int32_t status; /* 0, or -errno: the part failed (-ENOTSUP: a type without an RDB form) */
	uint32_t reserved;
	uint64_t keys;	/* keys serialized */
	uint64_t bytes; /* RDB bytes sent */
};
_Static_assert(sizeof(struct chan_snap_end) == 24, "chan_snap_end is a wire struct");

/* CHAN_MSG_SNAP_DONE payload: the file is durable (status 0) or not. */
struct chan_snap_done {
	int32_t status; /* 0 or -errno */
	uint32_t reserved;
	uint64_t unix_ms;     /* when the file was renamed into place (LASTSAVE) */
	uint64_t bytes;	      /* file size */
	uint64_t duration_ms; /* from the first BEGIN to the rename */
};
_Static_assert(sizeof(struct chan_snap_done) == 32, "chan_snap_done is a wire struct");

/* CHAN_MSG_PERSIST_STATUS payload: the AOF's state for INFO persistence, sent
 * to worker 0 when it changes and once a second. */
struct chan_persist_status {
	uint32_t write_ok;	    /* aof_last_write_status: 0 after a write or fsync error */
	uint32_t write_errno;	    /* that error (ENOSPC, EIO...) while write_ok is 0 */
	uint64_t current_size;	    /* aof_current_size */
	uint64_t base_size;	    /* aof_base_size */
	uint64_t buffer_length;	    /* aof_buffer_length: taken, not written yet */
	uint64_t pending_bio_fsync; /* aof_pending_bio_fsync */
	uint64_t delayed_fsync;	    /* aof_delayed_fsync */
	uint64_t big_lost;	    /* large journal records whose side file could not be read */
};
_Static_assert(sizeof(struct chan_persist_status) == 56, "chan_persist_status is a wire struct");

/* CHAN_MSG_LOAD_STATE payload: a worker's answer to LOAD_BEGIN and LOAD_END. */
enum chan_load_state_code {
	CHAN_LOAD_ACCEPTED = 0, /* was waiting for its dataset (emptied): send it */
	CHAN_LOAD_SERVING = 1,	/* serves already: nothing may be loaded into it */
	CHAN_LOAD_DONE = 2,	/* LOAD_END processed: every command before it ran */
	CHAN_LOAD_BUSY = 3,	/* REPLACE refused: a snapshot or rewrite runs (worker 0) */
};

struct chan_load_state {
	int32_t state; /* enum chan_load_state_code */
	uint32_t reserved;
	uint64_t executed; /* commands run in this session */
	uint64_t errors;   /* of them: unknown, or replied an error */
};
_Static_assert(sizeof(struct chan_load_state) == 24, "chan_load_state is a wire struct");

/* Header of one command inside a CHAN_MSG_LOAD_CMDS payload (the RESP follows). */
struct chan_load_rec {
	uint32_t db;
	uint32_t len;
};
_Static_assert(sizeof(struct chan_load_rec) == 8, "chan_load_rec is a wire struct");

/* Journal record types. */
enum chan_rec_type {
	CHAN_REC_COMMAND = 1, /* the effect of a write, as a RESP array */
};

/* Journal record flag: the record's payload is in a side file next to the
 * channel file (a record larger than a quarter of the ring: a value of up
 * to proto-max-bulk-len); the ring holds a struct chan_big_ref
 * (FORMAT.md "Large records"). */
#define CHAN_REC_F_FILE 1u

struct chan_big_ref {
	uint64_t bytes;	 /* payload size, the side file's size */
	uint64_t lsn;	 /* the record's LSN, also in the file's name */
	uint32_t worker; /* the journal's worker, also in the file's name */
	uint32_t reserved;
};
_Static_assert(sizeof(struct chan_big_ref) == 24, "chan_big_ref is a wire struct");

/* A record or message as seen by a consumer; payload points into the ring. */
struct chan_msg {
	uint16_t type;
	uint16_t flags;
	uint32_t id;  /* request id, echoed in the reply */
	uint64_t lsn; /* journal: per-worker log sequence number */
	uint64_t tsc; /* journal: producer timestamp */
	const void *payload;
	uint32_t len;
	uint64_t next; /* cursor after this record (internal) */
};

struct chan;

/**
 * Create (or re-create) the channel file at @p path and map it.
 * Context: dataplane boot.
 * @return 0, -EINVAL (bad sizes/workers), -errno from open/ftruncate/mmap.
 */
int chan_create(struct chan **out, const char *path, uint32_t n_workers,
		const struct chan_sizes *sizes);
/** Map an existing channel. @return 0, -ENOENT (not there yet), -EPROTO (version/magic). */
int chan_attach(struct chan **out, const char *path);
/** Unmap; NULL-safe; clears the pointer. The file stays. */
void chan_detach(struct chan **c);
/** Remove the file. @return 0 or -errno. */
int chan_unlink(const char *path);

/**
 * Read the epoch of the channel file at @p path without mapping it, so the
 * control plane can notice that the dataplane re-created the channel.
 * Context: control plane; blocks briefly (open/pread).
 * @return 0, -ENOENT, -EPROTO (version/magic), -errno.
 */
int chan_path_epoch(const char *path, uint64_t *epoch);

uint32_t chan_workers(const struct chan *c);
/** Largest message payload the message rings take (msg_bytes / 2 - 32). */
uint32_t chan_msg_max(const struct chan *c);
struct chan_dp_info *chan_info(struct chan *c);
struct chan_worker_stats *chan_stats(struct chan *c, uint32_t w);
/** Copy worker @p w's counters, each field read without tearing. Context: any reader. */
void chan_stats_read(struct chan *c, uint32_t w, struct chan_worker_stats *out);
/** Refresh chan_info()->heartbeat_unix_ms (release store). Context: dataplane service thread. */
void chan_heartbeat_set(struct chan *c, uint64_t unix_ms);
/** The last heartbeat (acquire load). Context: control plane. */
uint64_t chan_heartbeat_get(const struct chan *c);
/** Publish the dataplane's placement (@p p->n_placed last, release store).
 * Context: dataplane main lcore, at start. */
void chan_place_set(struct chan *c, const struct chan_dp_place *p);
/** Copy the placement. @return 0, or -ENOENT if none is published. Context: control plane. */
int chan_place_get(const struct chan *c, struct chan_dp_place *out);

/* ---- journal: dataplane side (worker w only) ---- */

/** Bytes that can still be appended before `durable` would be overrun. */
size_t chan_jrnl_space(const struct chan *c, uint32_t w);
/** May a record of @p need payload bytes be appended now? A large record
 * only needs room for its reference (CHAN_REC_F_FILE). */
bool chan_jrnl_has_room(const struct chan *c, uint32_t w, size_t need);
/** chan_jrnl_has_room(), and whether a record of @p need payload bytes can
 * be written at all: 0; -EAGAIN while the ring is full (wait); -ENOSPC when
 * it would go to a side file and the file system that holds them has not
 * that much free, with a margin (refuse the write before it runs, rather
 * than run it and lose its record). */
int chan_jrnl_room(const struct chan *c, uint32_t w, size_t need);
/**
 * Append a record (not yet visible). Payload is the concatenation of
 * @p parts (iovec-like) so callers need not copy into a temporary. A
 * payload larger than a quarter of the ring is written to a side file
 * first (a syscall: only for values of megabytes) and the ring gets its
 * reference.
 * @return 0, -ENOSPC (journal full: apply back-pressure), -EMSGSIZE, or
 * the side file's -errno.
 */
struct chan_part {
	const void *p;
	size_t n;
};
int chan_jrnl_append(struct chan *c, uint32_t w, uint16_t type, uint64_t tsc,
		     const struct chan_part *parts, unsigned nparts, uint64_t *lsn_out);
/** Make appended records visible (release store). Once per loop iteration. */
void chan_jrnl_publish(struct chan *c, uint32_t w);
/** Highest LSN the control plane has made durable (acquire load). */
uint64_t chan_jrnl_durable_lsn(const struct chan *c, uint32_t w);

/* ---- journal: control side ---- */

/**
 * Next unconsumed record (a pad record is skipped).
 * @return 0, -EAGAIN (nothing new), -EPROTO (corrupt record header).
 */
int chan_jrnl_peek(struct chan *c, uint32_t w, struct chan_msg *m);
/** Advance `consumed` past @p m. */
void chan_jrnl_consume(struct chan *c, uint32_t w, const struct chan_msg *m);
/** Everything consumed up to and including @p lsn is durable; frees ring space. */
void chan_jrnl_mark_durable(struct chan *c, uint32_t w, uint64_t lsn);
/**
 * The payload of a CHAN_REC_F_FILE record, mapped read-only: *@p p, *@p len
 * until chan_jrnl_big_unmap(). @return 0, -EPROTO (a bad reference), or the
 * file's -errno (-ENOENT: gone).
 */
int chan_jrnl_big_map(const struct chan *c, const struct chan_msg *m, const void **p, size_t *len);
void chan_jrnl_big_unmap(const void *p, size_t len);
/** Remove the side file of worker @p w's record @p lsn once it is durable. */
int chan_jrnl_big_remove(const struct chan *c, uint32_t w, uint64_t lsn);
/** After a control-plane restart: re-read from the durable cursor. */
void chan_jrnl_rewind(struct chan *c, uint32_t w);
/** Published bytes not yet consumed (for status). Context: control plane. */
uint64_t chan_jrnl_pending_bytes(struct chan *c, uint32_t w);

/* ---- message rings ---- */

/** @return 0, -ENOSPC (ring full), -EMSGSIZE. Visible at once (release store). */
int chan_msg_send(struct chan *c, uint32_t w, enum chan_dir dir, uint16_t type, uint32_t id,
		  const void *payload, uint32_t len);
/** @return 0 with @p m filled (valid until chan_msg_release), -EAGAIN, or -EPROTO. */
int chan_msg_recv(struct chan *c, uint32_t w, enum chan_dir dir, struct chan_msg *m);
void chan_msg_release(struct chan *c, uint32_t w, enum chan_dir dir, const struct chan_msg *m);

#endif
