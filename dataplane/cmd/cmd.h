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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "resp.h"
#include "rw_buf.h"

struct store_shard;

/* Per-connection state commands read and change. It travels with a
 * forwarded command (by value), so commands that change it (SELECT, QUIT,
 * HELLO) have CMD_NOKEYS and always run on the connection's own worker. */
struct cmd_client {
	uint64_t id;
	uint32_t db;
	uint8_t proto;	/* enum resp_proto */
	uint8_t close_after_reply;
	uint8_t authenticated;
	uint8_t pad;
};

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
};

struct cmd_ctx {
	struct resp_arg *argv;
	uint32_t argc;
	struct rw_buf *out;	  /* the reply is appended here */
	struct store_shard *shard; /* the shard that owns this command's keys */
	struct cmd_client *client;
	const struct cmd_env *env;
	uint64_t now_ms; /* unix time in ms, cached once per loop iteration */
	uint64_t now_us;
	uint32_t dirty;	 /* handlers add the number of changes made (journal, stats) */
};

typedef void cmd_handler_fn(struct cmd_ctx *ctx);

enum cmd_flag {
	CMD_WRITE = 1u << 0,
	CMD_READONLY = 1u << 1,
	CMD_FAST = 1u << 2,
	CMD_NOKEYS = 1u << 3,	   /* runs on the connection's worker */
	CMD_KEYS_SUM = 1u << 4,	   /* multi-key: split by shard, sum the integer replies (DEL, EXISTS) */
	CMD_ALL_SHARDS_SUM = 1u << 5, /* run on every shard, sum the integer replies (DBSIZE) */
	CMD_STALE = 1u << 6,
	CMD_LOADING = 1u << 7,
	CMD_NOSCRIPT = 1u << 8,
	CMD_DENYOOM = 1u << 9,
	CMD_ADMIN = 1u << 10,
	CMD_NOAUTH = 1u << 11,
	CMD_SENTINEL = 1u << 12,
	CMD_ALLOW_BUSY = 1u << 13,
	CMD_MULTI_KEYS_SAME_SHARD = 1u << 14, /* multi-key, must all live on one shard (else CROSSSLOT-like error) */
	/* How the dispatcher combines the parts of a command split across
	 * workers (dataplane/core/dp_client.c, "Across shards"): */
	CMD_KEYS_MERGE = 1u << 15,	  /* split by key; one reply element per key, in request order (MGET) */
	CMD_KEYS_ALL_OK = 1u << 16,	  /* split by key group; +OK when every part said +OK (MSET) */
	CMD_ALL_SHARDS_CONCAT = 1u << 17, /* run on every shard, concatenate the arrays (KEYS) */
	CMD_ALL_SHARDS_OK = 1u << 18,	  /* run on every shard, +OK when every part said +OK (FLUSHDB) */
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
	const char *key_flags;		/* key-spec flags COMMAND GETKEYSANDFLAGS shows: "RW access update" */
	const char *meta_info;		/* stock COMMAND INFO entry, RESP3 (cmd_meta.c) */
	const char *meta_docs;		/* stock COMMAND DOCS value, RESP3 (cmd_meta.c) */
	const struct cmd_def *subcmds; /* container commands (CONFIG, COMMAND): sorted by name */
	uint32_t n_subcmds;
};

/** Case-insensitive lookup. @return the entry or NULL. */
const struct cmd_def *cmd_lookup(const uint8_t *name, size_t len);
/** The whole table, for COMMAND and the API. */
const struct cmd_def *cmd_table(size_t *n);
/** @return true if @p argc satisfies the arity. */
bool cmd_arity_ok(const struct cmd_def *d, uint32_t argc);

/* Redis's error replies for the dispatcher (exact 7.0.15 wording). */
void cmd_reply_unknown(struct rw_buf *out, const struct resp_arg *argv, uint32_t argc);
void cmd_reply_arity(struct rw_buf *out, const struct cmd_def *d);

/** Run the handler. The caller has routed the command to ctx->shard's worker. */
void cmd_execute(const struct cmd_def *d, struct cmd_ctx *ctx);

/**
 * Look up ctx->argv[0], check the arity and run it on ctx->shard, replying
 * Redis's unknown-command or arity error instead when they apply. For a
 * single-shard setup and tests; the dispatcher routes multi-shard work itself.
 * @return the entry run, or NULL if an error was replied.
 */
const struct cmd_def *cmd_call(struct cmd_ctx *ctx);

/** Fill the boot-time facts INFO reports (env->os). Context: boot. */
void cmd_env_init(struct cmd_env *env);

#endif
