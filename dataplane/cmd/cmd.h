/*
 * Command table and execution context.
 *
 * The table is data: name, arity, flags, key positions, handler, ACL
 * categories. The dispatcher (dataplane/shard) reads key positions to route
 * a command to the worker that owns its keys *before* it runs; the handler
 * then runs on that worker against that worker's store shard. Handlers
 * validate, execute and format; they know nothing of TCP or rings.
 *
 * Context: a worker lcore; handlers never block and never allocate per
 * command beyond growing the reply buffer.
 */
#ifndef RW_CMD_H
#define RW_CMD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "resp.h"
#include "rw_buf.h"

struct store_shard;

/* Per-connection state commands read and change. It travels with a
 * forwarded command (by value), so commands that change it (SELECT, QUIT,
 * HELLO, AUTH, CLIENT, RESET) have CMD_NOKEYS and always run on the
 * connection's own worker; a forwarded copy's changes are lost.
 * About 200 bytes: the name and library strings are fixed buffers
 * (CMD_CLIENT_NAME_MAX, CMD_CLIENT_LIB_MAX; Redis has no limit, Redwire
 * replies an error beyond them). */
#define CMD_CLIENT_NAME_MAX 64
#define CMD_CLIENT_LIB_MAX  32

/* cmd_client.reply: CLIENT REPLY state, Redis's CLIENT_REPLY_* flags */
#define CMD_REPLY_OFF	    1u /* drop every reply until CLIENT REPLY ON */
#define CMD_REPLY_SKIP	    2u /* drop the reply of the command running now */
#define CMD_REPLY_SKIP_NEXT 4u /* CLIENT REPLY SKIP ran: drop the next command's reply */

struct cmd_def;

/*
 * An ACL user (cmd_acl.c): a connection points at the one it authenticated
 * as. The handle lives while the user exists or a connection holds it; its
 * rules are replaced whole by ACL SETUSER (published, never changed in
 * place), so a worker reads them without a lock.
 */
struct cmd_acl_rules;
struct cmd_acl_user {
	/* non-zero while the rules are +@all ~* &*: the dispatcher's only test
	 * on the hot path (cmd_acl_unrestricted) */
	_Atomic uint32_t all;
	_Atomic uint32_t deleted; /* ACL DELUSER removed it: its connections are closed */
	_Atomic uint32_t refs;	  /* connections holding it, +1 while the user exists */
	struct cmd_acl_rules *_Atomic rules;
	uint32_t name_len;
	char *name;
};

struct cmd_client {
	uint64_t id;
	uint32_t db;
	uint8_t proto; /* enum resp_proto */
	uint8_t close_after_reply;
	uint8_t authenticated;
	uint8_t reply;	  /* CMD_REPLY_* */
	uint8_t no_evict; /* CLIENT NO-EVICT ON */
	uint8_t monitor;  /* MONITOR ran: every worker's commands are fed to it */
	uint8_t name_len; /* 0: no name */
	uint8_t lib_name_len;
	uint8_t lib_ver_len;
	uint32_t watch_epoch;		/* WATCH generation (dataplane/core/dp_watch.h) */
	uint32_t peer_ip, local_ip;	/* the connection's addresses, host order (set at accept: */
	uint16_t peer_port, local_port; /* SLOWLOG, MONITOR, CLIENT KILL on other workers) */
	uint64_t created_ms;		/* unix ms of the accept (CLIENT LIST age) */
	uint64_t last_ms;		/* unix ms of the last command run here (idle) */
	const struct cmd_def *last_cmd; /* CLIENT LIST cmd=; NULL before the first */
	struct cmd_acl_user *user;	/* the ACL user (cmd_acl.c); a copy does not hold it */
	char name[CMD_CLIENT_NAME_MAX];
	char lib_name[CMD_CLIENT_LIB_MAX]; /* CLIENT SETINFO (Redis 7.2) */
	char lib_ver[CMD_CLIENT_LIB_MAX];
};

/* What CLIENT INFO/LIST print about the transport of a connection; the
 * dispatcher fills it through cmd_env.conn_describe (not carried in
 * cmd_client: it does not travel). Addresses are IPv4 in host order. */
struct cmd_conn_info {
	uint32_t peer_ip, local_ip;
	uint16_t peer_port, local_port;
	uint64_t qbuf;	    /* bytes in the query buffer */
	uint64_t qbuf_free; /* room left in it */
	uint64_t obl;	    /* bytes in the send buffer not yet acknowledged */
	uint64_t omem;	    /* bytes of reply slots waiting for other workers */
	uint64_t tot_mem;   /* everything the connection holds */
	uint32_t multi;	    /* commands queued in MULTI, or UINT32_MAX outside MULTI */
	bool in_exec;	    /* running EXEC's commands: CLIENT LIST/INFO say cmd=exec */
	bool blocked;	    /* waiting in a blocking command (flag b) */
	uint32_t sub;	    /* subscribed channels */
	uint32_t psub;	    /* subscribed patterns */
	uint32_t ssub;	    /* subscribed shard channels */
	bool pubsub;	    /* in subscribed mode (flag P) */
};
typedef void cmd_conn_describe_fn(const void *conn, struct cmd_conn_info *out);

struct store_obj;
/** A key visitor for cmd_db_foreach_fn. */
typedef void cmd_key_visit_fn(void *arg, const void *key, size_t klen, const struct store_obj *o,
			      int64_t expire_at_ms);
/** Visit every key of @p db in @p shard, expired ones not yet reclaimed included. */
typedef void cmd_db_foreach_fn(struct store_shard *shard, uint32_t db, cmd_key_visit_fn *visit,
			       void *arg);

/*
 * INFO's numbers that live on every worker (cmd_info.c formats them). The
 * INFO handler runs on one worker; env->info_gather fills this from every
 * worker's channel stats block and store shard. dbs[] has one entry per
 * database (n_dbs == databases), zeroed by the caller before gathering.
 */
struct cmd_info_db {
	uint64_t keys;		/* store_db_size() summed over shards */
	uint64_t expires;	/* store_db_expires() summed over shards */
	uint64_t avg_ttl_ms;	/* 0 until the store samples TTLs (Redis: a running estimate) */
	uint64_t main_bytes;	/* the key tables (MEMORY STATS overhead.hashtable.main) */
	uint64_t expires_bytes; /* the expires indexes (overhead.hashtable.expires) */
};

struct cmd_info_totals {
	uint64_t connected_clients;	     /* sum of chan stats tcp_conns_current */
	uint64_t blocked_clients;	     /* sum of chan stats blocked_clients */
	uint64_t total_connections_received; /* sum of tcp_conns_opened */
	uint64_t rejected_connections;	     /* maxclients refusals */
	uint64_t total_commands_processed;   /* sum of commands_received */
	uint64_t total_net_input_bytes;	     /* sum of rx_bytes (frames; Redis counts payload) */
	uint64_t total_net_output_bytes;     /* sum of tx_bytes */
	uint64_t expired_keys;		     /* store_stats, summed over shards */
	uint64_t evicted_keys;		     /* store_stats.evicted_keys, summed */
	uint64_t evicted_clients;	     /* maxmemory-clients disconnections, summed */
	uint64_t mem_clients_normal;	     /* bytes all clients hold (dataplane/core/dp_cmem.c) */
	uint64_t keyspace_hits;
	uint64_t keyspace_misses;
	uint64_t used_memory; /* keys and values: store_stats.used_bytes summed (INFO's
			       * used_memory adds mem_clients_normal, cmd_info_used()) */
	uint64_t dirty;	      /* store_stats.dirty summed: rdb_changes_since_last_save */
	uint64_t total_error_replies;
	uint64_t hz; /* the cron rate in force (dynamic-hz); 0: cmd_hz_in_force() of the clients */
	/* distinct names with subscribers (each worker counts the names it owns) */
	uint64_t pubsub_channels, pubsub_patterns, pubsubshard_channels;
	uint32_t n_dbs;
	struct cmd_info_db *dbs;
};
/* Redis 7.0's used_memory: keys and values plus what the clients hold. */
static inline uint64_t cmd_info_used(const struct cmd_info_totals *t)
{
	return t->used_memory + t->mem_clients_normal;
}
typedef void cmd_info_gather_fn(void *arg, struct cmd_info_totals *out);
struct cmd_ctx;
/* CONFIG SET changed @p name from @p old to @p value (secrets already
 * "(redacted)"): every directive of a successful CONFIG SET, for the control
 * plane to act on (persistence directives), to keep its copy of the values
 * true (GET /v1/parameters) and to record as an event. @p gen is the
 * run-time table's generation read after the change and before @p value
 * (cmd_config_gen): of two notes of one directive, the higher is the newer. */
#define CMD_NOTE_VALUE_MAX 512		/* longer values are cut in notes */
#define CMD_NOTE_REDACTED  "(redacted)" /* a secret's value in a note */
typedef void cmd_config_note_fn(const struct cmd_ctx *ctx, const char *name, const char *old,
				const char *value, uint64_t gen);
/* A successful ACL SETUSER or DELUSER, or CONFIG SET requirepass (the
 * default user's password), by a client: the control plane's copy of the
 * users (GET /v1/users) is re-sent (dataplane/core/dp_cfgmsg.c). */
typedef void cmd_acl_note_fn(const struct cmd_ctx *ctx);

/* CONFIG SET's run-time values, one per process (cmd_config.c). */
struct cmd_rtcfg;

/*
 * One maxmemory budget for all shards (issue #6): every worker publishes
 * what its shard holds in its own slot (one cache line, written by its
 * owner only) once per tick, and reads the others' to know the total. A
 * shard may hold any share of maxmemory while the total fits ("borrowing");
 * when the total exceeds it, each shard that can evict sheds its
 * proportional part of the excess, so a workload whose keys all share one
 * hash tag can use the whole budget.
 *
 * The total is Redis 7.0's: used_memory less mem_not_counted_for_evict
 * (evict.c getMaxmemoryState()). used_memory counts the clients' buffers
 * (query, output, pending replies of normal and pub/sub clients), so each
 * slot carries its worker's client bytes too; they count toward the
 * total but no shard can evict them, like the allocator waste of the
 * board. What 7.0 leaves out (replica output buffers, the AOF buffer) is
 * not in the dataplane's heap at all: the journal is a fixed shared-memory
 * ring and the AOF is written by the control plane.
 */
struct cmd_mem_slot {
	_Atomic uint64_t used;	       /* store_stats.used_bytes at the owner's last tick */
	_Atomic uint64_t clients;      /* bytes the owner's clients hold (dp_cmem.c, each scan) */
	_Atomic uint32_t cannot_evict; /* 1: the owner holds no key the policy may evict (each
					* tick), or its last eviction found none */
	uint32_t pad;
	/* TCP receive memory beyond what `clients` counts: the owner's receive
	 * pool in use (dataplane/tcp/tcp_rwnd.c; dp_cmem.c, each scan). Like a
	 * kernel's socket buffers it is not used_memory; the RSS guard allows
	 * for it */
	_Atomic uint64_t rcv_pool;
	uint64_t others;	   /* owner only: the rest of the total but the clients (other
				    * shards, the waste) at its last tick; the clients are summed
				    * from the slots at each look */
	uint64_t others_evictable; /* owner only: the other shards' part that can still evict */
} __attribute__((aligned(64)));

struct cmd_mem_board {
	struct cmd_mem_slot *slot; /* n_workers, indexed by shard id */
	/* Resident memory the allocator holds beyond what the shards and the
	 * clients account and the documented overhead (fragmentation
	 * malloc_trim could not return), published by the main lcore's RSS
	 * guard (dp_mem.c): it counts toward the total, so eviction lets freed
	 * chunks be reused instead of the process growing. */
	_Atomic uint64_t waste;
	_Atomic uint64_t peak; /* the largest total the workers saw (INFO used_memory_peak) */
	/* the RSS guard's counters (main lcore; INFO stats redwire_rss_guard_*) */
	_Atomic uint64_t guard_purges;	     /* allocator purges the RSS excess asked for */
	_Atomic uint64_t guard_purged_bytes; /* resident bytes those purges returned */
	_Atomic uint64_t guard_engaged;	     /* times the excess began to count toward eviction */
};

/*
 * Loading the dataset at start (dataplane/core/dp_load.c writes it, INFO's
 * loading fields read it): workers_left counts workers still waiting for or
 * replaying their part; while it is non-zero the dispatcher refuses
 * commands without CMD_LOADING with CMD_ERR_LOADING.
 */
struct cmd_loading {
	_Atomic uint32_t workers_left;
	_Atomic uint64_t start_unix_ms;
	_Atomic uint64_t total_bytes;
	_Atomic uint64_t loaded_bytes;
};

/* The AOF's state as the control plane last reported it (INFO persistence's
 * aof_* fields; dataplane/core/dp_info.c writes it, relaxed atomics). */
struct cmd_persist {
	_Atomic uint32_t reported; /* 0 until the control plane reported once */
	_Atomic uint32_t write_ok;
	_Atomic uint32_t write_errno; /* of the failed write or fsync, while write_ok is 0 */
	_Atomic uint64_t current_size, base_size, buffer_length, pending_bio_fsync, delayed_fsync;
	_Atomic uint64_t big_lost; /* redwire_journal_big_lost (chan_persist_status) */
};

#define CMD_ERR_LOADING "-LOADING Redis is loading the dataset in memory\r\n"
/* Redis 7.0's writeCommandsGetDiskErrorMessage() for the AOF, then strerror() */
#define CMD_ERR_MISCONF_AOF "-MISCONF Errors writing to the AOF file: "
/* server.c writeCommandsGetDiskErrorMessage(), DISK_ERROR_TYPE_RDB */
#define CMD_ERR_MISCONF_RDB                                                                        \
	"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "        \
	"persist to disk. Commands that may modify the data set are disabled, because this "       \
	"instance is configured to report errors during writes if RDB snapshotting fails "         \
	"(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "     \
	"the RDB error.\r\n"

/*
 * Snapshots (BGSAVE, SAVE, LASTSAVE, INFO persistence's rdb_* fields): the
 * dataplane-wide state. dataplane/core/dp_snap.c writes it (the worker that
 * accepts a BGSAVE sets running; worker 0 records the control plane's
 * verdict); any worker reads it with relaxed loads.
 */
struct cmd_snap {
	_Atomic uint32_t next_id;     /* the last snapshot id handed out */
	_Atomic uint32_t running;     /* the snapshot in progress; 0: none */
	_Atomic uint32_t last_id;     /* the last snapshot that finished */
	_Atomic int32_t last_status;  /* rdb_last_bgsave_status: 0 or -errno (see save_id) */
	_Atomic int32_t last_outcome; /* the last snapshot's status, SAVE's too */
	_Atomic uint32_t save_id; /* the last one a SAVE started: its failure keeps last_status */
	_Atomic uint64_t lastsave_unix_s;  /* LASTSAVE: the last good save (start time before) */
	_Atomic uint64_t start_unix_ms;	   /* when the running one started */
	_Atomic int64_t last_time_sec;	   /* rdb_last_bgsave_time_sec; -1 before the first */
	_Atomic uint64_t saves;		   /* rdb_saves: good saves since start */
	_Atomic uint64_t dirty_cut;	   /* changes before the running snapshot's cut, summed */
	_Atomic uint64_t dirty_saved;	   /* changes the last good save covers */
	_Atomic uint64_t last_try_unix_ms; /* the last start, good or not (save points retry) */
	_Atomic uint32_t parts_ended;	   /* workers whose part of the running one is sent */
	_Atomic uint64_t ended_unix_ms;	   /* when the last of them was */
	_Atomic uint32_t bgsave_scheduled; /* BGSAVE SCHEDULE while an AOF rewrite runs */
	/* AOF rewrite (BGREWRITEAOF, auto-aof-rewrite-*): it runs as a snapshot
	 * whose base goes to the AOF (control/persist/FORMAT.md "Rewrite") */
	_Atomic uint32_t aofrw_id;	   /* the running snapshot is this rewrite; 0: none */
	_Atomic uint32_t aofrw_cut;	   /* worker 0 took its cut (the control plane said go) */
	_Atomic uint32_t aofrw_scheduled;  /* asked while a BGSAVE ran: starts after it */
	_Atomic int32_t aofrw_last_status; /* 0 or -errno of the last one */
	_Atomic uint64_t aofrw_start_unix_ms; /* when the running one was asked for */
	_Atomic int64_t aofrw_last_time_sec;  /* aof_last_rewrite_time_sec */
	_Atomic uint64_t aofrw_done;	      /* rewrites ended, good or not */
	_Atomic uint64_t aofrw_ok;	      /* aof_rewrites */
	_Atomic uint64_t aofrw_fail_run;      /* aof_rewrites_consecutive_failures */
	_Atomic uint32_t aofrw_enable;	      /* the running rewrite starts the AOF */
	/* Redis's aof_state: CONFIG SET appendonly yes goes OFF -> WAIT_REWRITE,
	 * and ON once that rewrite is installed; no goes back to OFF */
	_Atomic uint32_t aof_state; /* enum cmd_aof_state */
};

enum cmd_aof_state { CMD_AOF_OFF = 0, CMD_AOF_WAIT_REWRITE = 1, CMD_AOF_ON = 2 };

/* Read-only server facts, shared by all workers after boot. */
struct cmd_env {
	const struct rw_config *cfg;
	uint64_t start_unix_ms;
	char run_id[41];
	uint32_t n_workers;
	const char *executable;
	const char *config_file;
	int32_t pid;
	const char *monotonic_clock; /* INFO's monotonic_clock; NULL: "POSIX clock_gettime" */
	char os[200];		     /* "sysname release machine", filled by cmd_env_init() */
	struct cmd_rtcfg *rt;	     /* CONFIG SET overrides shared by all workers (cmd_config.c) */
	cmd_conn_describe_fn *conn_describe; /* NULL: addresses 0.0.0.0:0, buffers 0 */
	cmd_db_foreach_fn *db_foreach;	     /* NULL: DEBUG DIGEST replies an error */
	cmd_info_gather_fn *info_gather; /* INFO's process-wide numbers; NULL: this shard only */
	void *info_arg;
	struct cmd_mem_board *mem; /* the shared maxmemory board; NULL: a fixed budget per shard */
	struct cmd_loading *loading;	 /* NULL: the process never loads (INFO shows loading:0) */
	struct cmd_persist *persist;	 /* NULL: no AOF facts (INFO's aof_* fields read 0/ok) */
	struct cmd_snap *snap;		 /* NULL: no snapshots (LASTSAVE is the start time) */
	cmd_config_note_fn *config_note; /* NULL: the control plane is not told */
	cmd_acl_note_fn *acl_note;	 /* NULL: the control plane is not told */
};

struct cmd_ctx {
	struct resp_arg *argv;
	uint32_t argc;
	struct rw_buf *out;	   /* the reply is appended here */
	struct store_shard *shard; /* the shard that owns this command's keys */
	struct cmd_client *client;
	const struct cmd_env *env;
	uint64_t now_ms; /* unix time in ms, cached once per loop iteration */
	uint64_t now_us;
	uint32_t dirty;	  /* handlers add the number of changes made (journal, stats) */
	const void *conn; /* the dispatcher's connection, for env->conn_describe; may be NULL */
	bool shutdown_requested; /* SHUTDOWN NOSAVE|NOW|FORCE: the caller stops the appliance */
	/* NULL, or where a handler whose command would not replay to the same
	 * effect (SPOP's random picks) writes the RESP command the journal
	 * records instead, as Redis's rewriteClientCommandVector(); the caller
	 * gives it empty and journals it when non-empty */
	struct rw_buf *propagate;
	/* blocking commands (cmd_block.c): may_block is set by the caller when
	 * the command may wait (not inside MULTI/EXEC); a handler that finds
	 * nothing to pop then replies nothing, sets would_block and the
	 * absolute unix-ms deadline (0: forever) */
	bool may_block;
	bool block_retry; /* a waiting client's new try: wrong-type keys are passed over */
	bool would_block;
	uint64_t block_deadline_ms;
};

typedef void cmd_handler_fn(struct cmd_ctx *ctx);

enum cmd_flag {
	CMD_WRITE = 1u << 0,
	CMD_READONLY = 1u << 1,
	CMD_FAST = 1u << 2,
	CMD_NOKEYS = 1u << 3, /* runs on the connection's worker */
	CMD_KEYS_SUM =
	    1u << 4, /* multi-key: split by shard, sum the integer replies (DEL, EXISTS) */
	CMD_ALL_SHARDS_SUM = 1u << 5, /* run on every shard, sum the integer replies (DBSIZE) */
	CMD_STALE = 1u << 6,
	CMD_LOADING = 1u << 7,
	CMD_NOSCRIPT = 1u << 8,
	CMD_DENYOOM = 1u << 9,
	CMD_ADMIN = 1u << 10,
	CMD_NOAUTH = 1u << 11,
	CMD_SENTINEL = 1u << 12,
	CMD_ALLOW_BUSY = 1u << 13,
	CMD_MULTI_KEYS_SAME_SHARD =
	    1u << 14, /* multi-key, must all live on one shard (else CROSSSLOT-like error) */
	/* How the dispatcher combines the parts of a command split across
	 * workers (dataplane/core/dp_client.c, "Across shards"): */
	CMD_KEYS_MERGE =
	    1u << 15, /* split by key; one reply element per key, in request order (MGET) */
	CMD_KEYS_ALL_OK = 1u << 16, /* split by key group; +OK when every part said +OK (MSET) */
	CMD_ALL_SHARDS_CONCAT = 1u << 17, /* run on every shard, concatenate the arrays (KEYS) */
	CMD_ALL_SHARDS_OK =
	    1u << 18,		    /* run on every shard, +OK when every part said +OK (FLUSHDB) */
	CMD_TX_DISPATCH = 1u << 19, /* MULTI EXEC DISCARD WATCH UNWATCH: the dispatcher runs them */
	CMD_ROUTE_CURSOR =
	    1u << 20, /* SCAN: runs on the worker its cursor names (cmd_scan_worker) */
	CMD_ROUTE_RANDOM = 1u << 21, /* RANDOMKEY: runs on a worker drawn by its keys in the DB */
	CMD_SNAPSHOT =
	    1u << 22, /* SAVE BGSAVE SHUTDOWN: the dispatcher takes the cut (dp_snap.c) */
	CMD_BLOCKING = 1u << 23, /* BLPOP...: may wait on its keys' worker (dp_block.h) */
	CMD_PUBSUB = 1u << 24,	 /* pub/sub: the dispatcher runs it (dataplane/core/dp_pubsub.c) */
	CMD_PART = 1u << 25,	 /* one worker's part of a command its dispatcher records once
				    (CLIENT LIST/KILL/UNBLOCK on every worker, dp_clientkill.c) */
};

struct cmd_def {
	const char *name;  /* lower case */
	int32_t arity;	   /* Redis convention: -N means >= N */
	uint32_t flags;	   /* enum cmd_flag */
	int32_t first_key; /* 0: no keys */
	int32_t last_key;  /* -1: last argument */
	int32_t key_step;
	cmd_handler_fn *fn;
	const char *acl_categories; /* "@write @string @slow" as COMMAND shows */
	const char *group;	    /* "string", "generic", "server", "connection" */
	const char *summary;
	const char *since;
	const char *complexity;
	const char *key_flags; /* key-spec flags COMMAND GETKEYSANDFLAGS shows: "RW access update";
				  per key "RW access delete|OW update" (the last repeats) */
	int32_t numkeys_arg;   /* index of a numkeys argument followed by that many keys (LMPOP,
				  ZUNIONSTORE...), in addition to first_key..last_key; 0: none */
	const char *meta_info; /* stock COMMAND INFO entry, RESP3 (cmd_meta.c) */
	const char *meta_docs; /* stock COMMAND DOCS value, RESP3 (cmd_meta.c) */
	const struct cmd_def *subcmds; /* container commands (CONFIG, COMMAND): sorted by name */
	uint32_t n_subcmds;
};

/* One key argument of a command, as COMMAND GETKEYSANDFLAGS reports it. */
struct cmd_key_ref {
	uint32_t pos;	  /* its index in argv (argv[0] is the command) */
	const char *spec; /* its key-spec flags, "RW access update" (not terminated) */
	size_t spec_len;
};

/**
 * The keys of @p d called as @p argv (@p d a subcommand's own entry when it
 * has one): first..last by step, then a numkeys argument's keys, the first
 * @p cap of them into @p out. Used by COMMAND GETKEYS and the ACL key check.
 * @return how many keys there are, or -1 if the numkeys argument is invalid.
 */
int64_t cmd_keys_of(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc,
		    struct cmd_key_ref *out, size_t cap);

/** Case-insensitive lookup. @return the entry or NULL. */
const struct cmd_def *cmd_lookup(const uint8_t *name, size_t len);
/** The whole table, for COMMAND and the API. */
const struct cmd_def *cmd_table(size_t *n);
/** @return true if @p argc satisfies the arity. */
bool cmd_arity_ok(const struct cmd_def *d, uint32_t argc);

/* Redis's error replies for the dispatcher (exact 7.0.15 wording). */
void cmd_reply_unknown(struct rw_buf *out, const struct resp_arg *argv, uint32_t argc);
void cmd_reply_arity(struct rw_buf *out, const struct cmd_def *d);
/** Find a subcommand of container @p parent by name (case-insensitive). */
const struct cmd_def *cmd_subcmd_lookup(const struct cmd_def *parent, const uint8_t *name,
					size_t len);

/**
 * For a container command (CLIENT, CONFIG, MEMORY...) called with a
 * subcommand: reply Redis's unknown-subcommand or subcommand-arity error
 * into @p out, as processCommand() does before the NOAUTH check.
 * @return false if it replied (the command must not run).
 */
bool cmd_subcmd_check(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc,
		      struct rw_buf *out);

/** Run the handler. The caller has routed the command to ctx->shard's worker. */
void cmd_execute(const struct cmd_def *d, struct cmd_ctx *ctx);

/**
 * Look up ctx->argv[0], check the arity and NOAUTH and run it on
 * ctx->shard, replying Redis's unknown-command, arity or NOAUTH error
 * instead when they apply; then drop the reply if CLIENT REPLY says so.
 * For a single-shard setup and tests, and the reference for the
 * dispatcher, which routes multi-shard work itself.
 * @return the entry run, or NULL if an error was replied.
 */
const struct cmd_def *cmd_call(struct cmd_ctx *ctx);

/**
 * COPY's options ([DB n] [REPLACE]) and its same-object check, replying
 * Redis's error into ctx->out when they fail (the dispatcher checks them
 * before running a COPY across workers). @return 0 or -1 (replied).
 */
int cmd_copy_opts(struct cmd_ctx *ctx, uint32_t *dst_db, bool *replace);

/**
 * After a command ran on worker @p worker for @p dur_us microseconds: the
 * latency monitor, the slow log, the command's latency histogram and its
 * commandstats (cmd_diag.c), as Redis's call() does after the handler.
 * @p d is the table entry run (ctx->client->last_cmd tells the
 * subcommand). @p err: the command's reply when it is an error ("-..."),
 * a failed call and an error reply; NULL otherwise.
 * Context: the worker that ran it.
 */
void cmd_diag_command(struct cmd_ctx *ctx, const struct cmd_def *d, uint32_t worker, int64_t dur_us,
		      const uint8_t *err, size_t err_len);

/** Fill the boot-time facts INFO reports (env->os). Context: boot. */
void cmd_env_init(struct cmd_env *env);

/* ---- snapshots (cmd_server.c, cmd_config.c) ---- */

/** The "save" points now ("3600 1 300 100"), into @p buf. @return its length. */
size_t cmd_cfg_save(const struct cmd_env *env, char *buf, size_t cap);
/** Does a failed snapshot stop writes: stop-writes-on-bgsave-error yes and save points set? */
bool cmd_cfg_rdb_error_stops_writes(const struct cmd_env *env);
/** rdbcompression now (CONFIG SET). */
bool cmd_cfg_rdbcompression(const struct cmd_env *env);
/** auto-aof-rewrite-percentage and auto-aof-rewrite-min-size now (CONFIG SET). */
void cmd_cfg_auto_aofrw(const struct cmd_env *env, int64_t *percentage, int64_t *min_size);
/**
 * The directives CONFIG SET changes at run time, one a line: "name", or
 * "name v1,v2,..." for one of a fixed set of values (the management API's
 * "apply" and "allowed"). @return bytes written (NUL-terminated), 0 if
 * @p cap is too small. Context: any; read-only data.
 */
size_t cmd_config_runtime_list(char *buf, size_t cap);
/** CONFIG GET's value of directive @p name now (cmd_config.c). */
void cmd_config_value(const struct cmd_env *env, const char *name, char *val, size_t cap);
/** The run-time table's generation: grows by one with every CONFIG SET
 * (read it before a value to tag what the value is at least as new as). */
uint64_t cmd_config_gen(const struct cmd_env *env);
/** Call @p fn with every directive CONFIG GET names (not the aliases, not
 * a secret: requirepass, masterauth) and its value now (cut at
 * CMD_NOTE_VALUE_MAX - 1 bytes): the control plane's copy, re-sent when it
 * attaches. Context: a worker. */
void cmd_config_foreach(const struct cmd_env *env,
			void (*fn)(void *arg, const char *name, const char *value), void *arg);
/** appendonly as CONFIG SET left it (Redis's server.aof_enabled; the state is cmd_snap's). */
bool cmd_cfg_appendonly(const struct cmd_env *env);
/* cmd_shutdown_save() result bits */
#define CMD_SHUTDOWN_SAVE  1 /* the shutdown saves first (SAVE, or save points and no NOSAVE) */
#define CMD_SHUTDOWN_FORCE 2 /* go on even if the save fails */
/**
 * What SHUTDOWN @p argv asks for, as the handler reads it.
 * @return CMD_SHUTDOWN_* bits, or -1 for arguments the handler refuses.
 */
int cmd_shutdown_save(const struct cmd_env *env, const struct resp_arg *argv, uint32_t argc);

/* ---- connection state (cmd_client.c) ---- */

/**
 * Initialise a new connection's state: id, RESP2, DB 0, the accept time,
 * and authenticated when no password is required at accept time (as Redis
 * marks a client of the nopass default user). Context: the accepting worker.
 */
void cmd_client_init(struct cmd_client *c, uint64_t id, const struct cmd_env *env, uint64_t now_ms);

/* The reply of a command refused by cmd_auth_required(). */
#define CMD_ERR_NOAUTH "-NOAUTH Authentication required.\r\n"

/**
 * Must the dispatcher refuse @p d with CMD_ERR_NOAUTH? True when a password
 * is required (requirepass, CONFIG SET included), the client has not
 * authenticated and @p d lacks CMD_NOAUTH. Redis checks this after the
 * unknown-command and arity errors. Context: any worker; cheap (one byte
 * for an authenticated client).
 */
bool cmd_auth_required(const struct cmd_def *d, const struct cmd_client *c,
		       const struct cmd_env *env);

/**
 * Call once after every command of the connection (run, refused or
 * unknown; forwarded ones at dispatch time): @return true if that
 * command's reply must be dropped (CLIENT REPLY OFF, or SKIP for the one
 * command after CLIENT REPLY SKIP), and advance the SKIP state as Redis's
 * resetClient() does.
 */
bool cmd_client_reply_suppressed(struct cmd_client *c);

/* ---- ACL users (cmd_acl.c) ---- */

/** May client @p c run anything without an ACL check (+@all ~* &*)? The hot
 * path: one load, one branch. */
static inline bool cmd_acl_unrestricted(const struct cmd_client *c)
{
	return atomic_load_explicit(&c->user->all, memory_order_relaxed) != 0;
}

/**
 * processCommand()'s ACL step for a client cmd_acl_unrestricted() is false
 * for: check @p d (the top-level entry; its subcommand is resolved here)
 * against the client's user. A refusal replies stock's -NOPERM into
 * ctx->out and adds an ACL LOG entry (context multi when @p in_multi).
 * @return true if refused. Context: the connection's worker.
 */
bool cmd_acl_refuses(struct cmd_ctx *ctx, const struct cmd_def *d, bool in_multi);

/**
 * A management API request (CHAN_MSG_ACL, platform/chan/FORMAT.md): "list"
 * (ACL LIST's lines, one per line), "setuser NAME RULE..." (ACL SETUSER),
 * "deluser NAME" ("1" or "0"). @return 0, or -errno with Redis's error text
 * in @p out. Context: a worker.
 */
int cmd_acl_api(const struct cmd_env *env, const struct resp_arg *argv, uint32_t argc,
		struct rw_buf *out);
/** The users' generation: grows by one with every change (SETUSER, a
 * DELUSER that deleted, requirepass). Read it before listing the users to
 * tag what the list is at least as new as. 0 without users. Context: any. */
uint64_t cmd_acl_gen(const struct cmd_env *env);

/** A connection closes: let go of its user. */
void cmd_client_fini(struct cmd_client *c, const struct cmd_env *env);

/**
 * Once per worker tick: note a quiescent point of worker @p worker (rules
 * and user tables it read may be freed once every worker passed one), and
 * @return true when users were deleted since @p *gen (updated): the
 * caller then closes its connections whose user is deleted.
 */
bool cmd_acl_tick(const struct cmd_env *env, uint32_t worker, uint64_t *gen);

/* ---- CLIENT KILL (cmd_client_kill.c) ---- */

/* CLIENT KILL's filter (networking.c clientCommand "kill"). */
struct cmd_kill_filter {
	bool old_form;		      /* CLIENT KILL ip:port: +OK or -ERR No such client */
	bool skipme;		      /* SKIPME yes (the default of the filter form) */
	int type;		      /* -1: any; 0 normal, 1 replica, 2 pubsub, 3 master */
	uint64_t id;		      /* 0: any */
	const struct resp_arg *addr;  /* NULL: any; "ip:port" of the peer */
	const struct resp_arg *laddr; /* NULL: any; "ip:port" of the local end */
	const struct resp_arg *user;  /* NULL: any; the connection's user name */
};

/**
 * Parse CLIENT KILL's arguments (argv[2..]) as Redis does, replying its
 * error into ctx->out when they are wrong. @return 0 or -1 (replied).
 */
int cmd_client_kill_parse(struct cmd_ctx *ctx, struct cmd_kill_filter *f);
/** Does connection @p c (in pub/sub mode: @p pubsub) match @p f, asked by client @p self_id? */
bool cmd_client_kill_match(const struct cmd_kill_filter *f, const struct cmd_client *c, bool pubsub,
			   uint64_t self_id);

/** CLIENT LIST [TYPE t | ID id...]: check the arguments as 7.0.15 does,
 * replying its error into ctx->out. @return 0 or -1 (replied). */
int cmd_client_list_parse(struct cmd_ctx *ctx);
/** Does CLIENT LIST (ctx's checked arguments) list client @p c (@p pubsub: subscribed)? */
bool cmd_client_list_match(const struct cmd_ctx *ctx, const struct cmd_client *c, bool pubsub);
/** Append the CLIENT INFO/LIST line of ctx->client (its connection ctx->conn),
 * cmd= @p cmdname, to @p b. */
void cmd_client_info_line(struct cmd_ctx *ctx, struct rw_buf *b, const char *cmdname);

/**
 * CLIENT UNBLOCK id [TIMEOUT|ERROR] (cmd_client_kill.c): parse as 7.0.15
 * does (the reason first, then the id), replying its error into ctx->out.
 * @return 0 (then *@p id and *@p error are set) or -1 (replied).
 */
int cmd_client_unblock_parse(struct cmd_ctx *ctx, int64_t *id, bool *error);

/**
 * CLIENT PAUSE in force (cmd_client_pause.c): must @p d, about to run,
 * wait? True while a pause runs and it is ALL, or WRITE and @p d writes
 * (or may replicate: PUBLISH, EXEC). The dispatcher leaves such a command
 * in its query buffer and tries again on a later loop, as Redis postpones
 * the client. Context: any worker; two relaxed loads when not paused.
 */
bool cmd_pause_holds(const struct cmd_env *env, const struct cmd_def *d, uint64_t now_ms);

/**
 * MONITOR: move the lines fed to worker @p worker's monitors into @p out
 * (empty when none). Context: that worker, once per loop iteration.
 */
void cmd_monitor_take(const struct cmd_env *env, uint32_t worker, struct rw_buf *out);
/** A monitor client of @p worker went away (closed or RESET). */
void cmd_monitor_gone(const struct cmd_env *env, uint32_t worker);

/* ---- CONFIG SET run-time values (cmd_config.c) ---- */

/**
 * Create the run-time table from the boot config. One per process, shared
 * by every worker through cmd_env.rt. @return NULL on allocation failure.
 * Context: boot.
 */
struct cmd_rtcfg *cmd_rtcfg_create(const struct rw_config *cfg);
void cmd_rtcfg_destroy(struct cmd_rtcfg **rt);
/**
 * Load the `user` lines of the boot config into the ACL users, in file
 * order (after requirepass, as Redis loads them). @return 0, or -EINVAL
 * with one line naming the user and the modifier in @p err. Context: boot.
 */
int cmd_rtcfg_users(struct cmd_rtcfg *rt, const struct rw_config *cfg, char *err, size_t cap);
/** Bumped by every CONFIG SET that changed something: a worker re-reads its cached limits when it
 * moves. */
uint64_t cmd_rtcfg_generation(const struct cmd_rtcfg *rt);
/* Current values (any worker, lock-free; the boot value when @p env->rt is NULL). */
int64_t cmd_cfg_maxmemory(const struct cmd_env *env);
int64_t cmd_cfg_maxclients(const struct cmd_env *env);
/* The least maxmemory-clients acts as (getClientEvictionLimit()). */
#define CMD_CLIENT_EVICT_MIN (128u * 1024)
/** maxmemory-clients in bytes now (a percent resolved against maxmemory); 0: off. */
uint64_t cmd_cfg_maxmemory_clients(const struct cmd_env *env);
/* hz: each worker's cron runs this many times a second (Redis's range) */
#define CMD_HZ_MIN 1
#define CMD_HZ_MAX 500
/** hz configured (CONFIG SET hz, clamped as Redis clamps it). Context: any worker. */
int64_t cmd_cfg_hz(const struct cmd_env *env);
/** dynamic-hz: does the cron's rate scale with the number of clients? */
bool cmd_cfg_dynamic_hz(const struct cmd_env *env);
/* Redis's MAX_CLIENTS_PER_CLOCK_TICK: dynamic-hz keeps clients / hz at most this */
#define CMD_HZ_CLIENTS_PER_TICK 200
/**
 * The hz in force with @p clients connected (every worker's): the configured
 * hz, doubled (dynamic-hz) while clients / hz exceeds CMD_HZ_CLIENTS_PER_TICK,
 * up to CMD_HZ_MAX (7.0.15's serverCron). INFO's hz; each worker's cron rate.
 * Context: any worker.
 */
int64_t cmd_hz_in_force(const struct cmd_env *env, uint64_t clients);
/** Does bind cover redwire-address (new connections to it are accepted)? */
bool cmd_cfg_bind_accepts(const struct cmd_env *env);
/** The same as a flag the TCP stack reads on each SYN (non-zero: accept);
 *  NULL without a run-time table. Context: any worker. */
const _Atomic uint64_t *cmd_cfg_bind_flag(const struct cmd_env *env);
/** latency-tracking-info-percentiles in force into @p out. @return how many (<= @p cap). */
size_t cmd_cfg_percentiles(const struct cmd_env *env, double *out, size_t cap);
int64_t cmd_cfg_timeout(const struct cmd_env *env);
int64_t cmd_cfg_tcp_keepalive(const struct cmd_env *env);
int64_t cmd_cfg_proto_max_bulk_len(const struct cmd_env *env);
int64_t cmd_cfg_client_query_buffer_limit(const struct cmd_env *env);
/** maxmemory-policy's name as CONFIG GET and INFO print it. */
const char *cmd_cfg_maxmemory_policy_name(const struct cmd_env *env);
struct store_evict_cfg;
/** The eviction directives now (policy, samples, tenacity, LFU factor and decay). */
void cmd_evict_cfg(const struct cmd_env *env, struct store_evict_cfg *out);

/* ---- pub/sub and keyspace notifications (cmd_notify.c, cmd_pubsub.c) ---- */

/* notify-keyspace-events classes, Redis's NOTIFY_* bits */
#define CMD_NOTIFY_KEYSPACE (1u << 0)  /* K */
#define CMD_NOTIFY_KEYEVENT (1u << 1)  /* E */
#define CMD_NOTIFY_GENERIC  (1u << 2)  /* g */
#define CMD_NOTIFY_STRING   (1u << 3)  /* $ */
#define CMD_NOTIFY_LIST	    (1u << 4)  /* l */
#define CMD_NOTIFY_SET	    (1u << 5)  /* s */
#define CMD_NOTIFY_HASH	    (1u << 6)  /* h */
#define CMD_NOTIFY_ZSET	    (1u << 7)  /* z */
#define CMD_NOTIFY_EXPIRED  (1u << 8)  /* x */
#define CMD_NOTIFY_EVICTED  (1u << 9)  /* e */
#define CMD_NOTIFY_STREAM   (1u << 10) /* t */
#define CMD_NOTIFY_KEY_MISS (1u << 11) /* m */
#define CMD_NOTIFY_MODULE   (1u << 13) /* d */
#define CMD_NOTIFY_NEW	    (1u << 14) /* n */
#define CMD_NOTIFY_ALL                                                                             \
	(CMD_NOTIFY_GENERIC | CMD_NOTIFY_STRING | CMD_NOTIFY_LIST | CMD_NOTIFY_SET |               \
	 CMD_NOTIFY_HASH | CMD_NOTIFY_ZSET | CMD_NOTIFY_EXPIRED | CMD_NOTIFY_EVICTED |             \
	 CMD_NOTIFY_STREAM | CMD_NOTIFY_MODULE) /* A */

/** notify-keyspace-events now (CMD_NOTIFY_* bits). Context: any worker, one relaxed load. */
uint32_t cmd_cfg_notify_flags(const struct cmd_env *env);
/** client-output-buffer-limit's pubsub class now: hard and soft bytes (0: none), soft seconds. */
void cmd_cfg_pubsub_limit(const struct cmd_env *env, uint64_t *hard, uint64_t *soft,
			  uint64_t *soft_s);
/**
 * The name Redis notifies for the store event @p event (a write hook's) and
 * its class in *@p cls. @return NULL (and *cls 0) for an event Redis does
 * not notify.
 */
const char *cmd_notify_event(const char *event, uint32_t *cls);
/** keyspaceEventsStringToFlags(). @return 0, or -1 for an unknown letter. */
int cmd_notify_parse(const uint8_t *p, size_t n, uint32_t *out);
/** keyspaceEventsFlagsToString() into @p buf (>= 20 bytes). @return its length. */
size_t cmd_notify_format(uint32_t flags, char *buf, size_t cap);

/* Pub/sub replies (cmd_pubsub.c): a push in RESP3, an array in RESP2. */
/** [p|s]subscribe / [p|s]unsubscribe confirmation; @p name NULL: a null (nothing to drop). */
void cmd_pubsub_w_ack(struct rw_buf *out, uint8_t proto, const char *kind, const void *name,
		      size_t nlen, int64_t count);
/** message / smessage (@p pat NULL) or pmessage. */
void cmd_pubsub_w_msg(struct rw_buf *out, uint8_t proto, const char *kind, const void *pat,
		      size_t plen, const void *ch, size_t clen, const void *msg, size_t mlen);

/* ---- maxmemory: the OOM rule (cmd_evict.c) ---- */

/* The reply of a command refused by cmd_oom_reject(). */
#define CMD_ERR_OOM_REPLY "-OOM command not allowed when used memory > 'maxmemory'.\r\n"

/**
 * What @p shard may hold now (its eviction target), 0 for no limit: with
 * env->mem, what it holds less its proportional part of the total's excess
 * over maxmemory (its whole content if the total fits); without,
 * maxmemory / n_workers.
 */
uint64_t cmd_evict_budget(const struct cmd_env *env, struct store_shard *shard);

/**
 * processCommand()'s maxmemory step for @p d about to run on ctx->shard:
 *   1. hands the current policy and LFU parameters to the shard (so access
 *      tracking follows CONFIG SET at once, maxmemory or not);
 *   2. if maxmemory is set and all shards together hold more, evicts on
 *      ctx->shard down to cmd_evict_budget() (performEvictions(): bounded
 *      by maxmemory-eviction-tenacity);
 *   3. @return true, refuse with CMD_ERR_OOM_REPLY, when the total is over
 *      maxmemory and not enough can be evicted (noeviction; or this shard's
 *      eviction failed, EVICT_FAIL, and the other shards' evictable keys
 *      could not cover what is still over, as Redis's performEvictions()
 *      fails when it runs out of keys: also an empty appliance under a
 *      maxmemory below what it holds)
 *      and the command has CMD_DENYOOM, or @p in_multi is true (queuing inside
 *      MULTI) and the command is not EXEC, DISCARD, QUIT or RESET.
 *      A time-limited eviction (EVICT_RUNNING) never refuses, as in Redis.
 * Call it for every command, after the NOAUTH check and before the handler,
 * on the worker that owns ctx->shard; a refused command has no effect (it
 * still counts in total_error_replies and rejected_calls).
 * Context: the owning worker lcore; never blocks.
 */
bool cmd_oom_reject(const struct cmd_def *d, struct cmd_ctx *ctx, bool in_multi);
/** Give @p shard the eviction settings in force (policy: LRU or LFU tracking).
 * Context: the shard's worker, at setup and whenever cmd_rtcfg_generation() moves. */
void cmd_evict_apply(struct store_shard *shard, const struct cmd_env *env);

/**
 * Once per worker tick: publish what @p shard holds, read what the others
 * hold, and evict this shard's part of any excess (which also continues an
 * eviction that stopped at its time bound, Redis's evictionTimeProc).
 * Cheap when maxmemory is unset.
 * Context: the owning worker lcore.
 */
void cmd_evict_tick(struct store_shard *shard, const struct cmd_env *env, uint64_t now_ms);

/* ---- DEBUG DIGEST across shards (cmd_debug.c) ---- */

/**
 * Redis's DEBUG DIGEST is, over DBs j in ascending order that hold keys:
 *     final = SHA1(final XOR SHA1(htonl(j)));  final ^= X(j)
 * where X(j) is the XOR of SHA1(key digest) over the keys of DB j. XOR commutes, so
 * X(j) of the whole appliance is the XOR of every shard's X(j): each shard
 * computes cmd_digest_db() per DB, the dispatcher XORs them per DB and
 * feeds the DBs any shard reported non-empty to cmd_digest_mix_db() in
 * ascending order, starting from 20 zero bytes.
 * @return true if @p db holds keys on @p shard (then @p x is its X(j)).
 */
bool cmd_digest_db(struct store_shard *shard, const struct cmd_env *env, uint32_t db,
		   uint8_t x[20]);
void cmd_digest_mix_db(uint8_t final[20], uint32_t db, const uint8_t x[20]);

/**
 * The worker a SCAN request's cursor names (cmd_scan.c), for the
 * dispatcher; UINT32_MAX if the cursor is invalid or names no worker (the
 * handler then answers wherever it runs).
 */
uint32_t cmd_scan_worker(const struct resp_arg *argv, uint32_t argc, uint32_t n_workers);

#endif
