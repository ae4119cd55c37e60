/*
 * Internals of dataplane/cmd: handler prototypes, the COMMAND metadata
 * generated into cmd_meta.c, and small helpers the handler files share.
 * Not for use outside dataplane/cmd.
 */
#ifndef RW_CMD_INT_H
#define RW_CMD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cmd.h"
#include "store.h"

/* Redis's shared error replies (server.c createSharedObjects), without '-'. */
#define CMD_ERR_SYNTAX	  "ERR syntax error"
#define CMD_ERR_NOT_INT	  "ERR value is not an integer or out of range"
#define CMD_ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define CMD_ERR_OVERFLOW  "ERR increment or decrement would overflow"
#define CMD_ERR_OOM	  "OOM command not allowed when used memory > 'maxmemory'."
#define CMD_ERR_STR_MAX	  "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
#define CMD_ERR_NOT_FLOAT "ERR value is not a valid float"

/* handlers, by family */
cmd_handler_fn cmd_get, cmd_set, cmd_setnx, cmd_setex, cmd_psetex, cmd_getset; /* cmd_string.c */
cmd_handler_fn cmd_getdel, cmd_getex, cmd_append, cmd_strlen, cmd_setrange, cmd_getrange;
cmd_handler_fn cmd_incr, cmd_decr, cmd_incrby, cmd_decrby, cmd_incrbyfloat; /* cmd_incr.c */
cmd_handler_fn cmd_setbit, cmd_getbit, cmd_bitcount, cmd_bitpos, cmd_bitop; /* cmd_bitmap.c */
cmd_handler_fn cmd_bitfield, cmd_bitfield_ro;
cmd_handler_fn cmd_expire, cmd_pexpire, cmd_expireat, cmd_pexpireat; /* cmd_expire.c */
cmd_handler_fn cmd_ttl, cmd_pttl, cmd_expiretime, cmd_pexpiretime, cmd_persist;
cmd_handler_fn cmd_del, cmd_exists, cmd_dbsize, cmd_touch, cmd_type; /* cmd_keyspace.c */
cmd_handler_fn cmd_object;
cmd_handler_fn cmd_dump, cmd_restore; /* cmd_dump.c */
cmd_handler_fn cmd_mget, cmd_mset, cmd_msetnx, cmd_keys, cmd_flushdb,
    cmd_flushall;						    /* cmd_multi.c */
cmd_handler_fn cmd_ping, cmd_echo, cmd_quit, cmd_select, cmd_hello; /* cmd_server.c */
cmd_handler_fn cmd_time, cmd_lastsave, cmd_shutdown;		    /* cmd_server.c */
cmd_handler_fn cmd_info;					    /* cmd_info.c */
cmd_handler_fn cmd_swapdb;					    /* cmd_swapdb.c */
/* cmd_server.c: snapshots (the dispatcher takes them, dataplane/core/dp_snap.c) */
cmd_handler_fn cmd_bgrewriteaof, cmd_bgsave, cmd_save;
/* cmd_config.c: the collection encodings' directives in force */
int64_t cmd_cfg_list_max_listpack_size(const struct cmd_env *env);
int64_t cmd_cfg_list_compress_depth(const struct cmd_env *env);
int64_t cmd_cfg_zset_max_listpack_entries(const struct cmd_env *env);
int64_t cmd_cfg_zset_max_listpack_value(const struct cmd_env *env);

/* cmd_client.c */
/** The default user's credentials without ACL users (unit tests): any
 * password while none is required. */
bool cmd_auth_check(const struct cmd_env *env, const struct resp_arg *user,
		    const struct resp_arg *pass);
/** AUTH/HELLO AUTH: authenticate ctx's client as @p user, or add an ACL LOG
 * entry. @return true if it is now that user. */
bool cmd_auth_login(struct cmd_ctx *ctx, const struct resp_arg *user, const struct resp_arg *pass);
/** authRequired()'s server half: is the default user off or not nopass? */
bool cmd_default_needs_auth(const struct cmd_env *env);
/** Is ctx's client inside MULTI (the ACL log's context)? */
bool cmd_client_in_multi(const struct cmd_ctx *ctx);
/** validateClientAttr(): only '!'..'~'. */
bool cmd_client_attr_ok(const uint8_t *p, size_t n);
/** Set the client name (empty clears it), replying the error if refused. @return 0 or -1. */
int cmd_client_setname(struct cmd_ctx *ctx, const struct resp_arg *a);

/* cmd_info.c */
cmd_handler_fn cmd_config;							 /* cmd_config.c */
cmd_handler_fn cmd_auth, cmd_client, cmd_reset;					 /* cmd_client.c */
cmd_handler_fn cmd_debug, cmd_memory;						 /* cmd_debug.c */
cmd_handler_fn cmd_command;							 /* cmd_command.c */
cmd_handler_fn cmd_lpush, cmd_rpush, cmd_lpushx, cmd_rpushx, cmd_lpop, cmd_rpop; /* cmd_list.c */
cmd_handler_fn cmd_llen, cmd_lrange, cmd_lindex, cmd_lset, cmd_linsert, cmd_lrem, cmd_ltrim;
cmd_handler_fn cmd_lpos, cmd_lmove, cmd_rpoplpush, cmd_lmpop;
cmd_handler_fn cmd_blpop, cmd_brpop, cmd_blmove, cmd_brpoplpush, cmd_blmpop; /* cmd_block.c */
cmd_handler_fn cmd_bzpopmin, cmd_bzpopmax, cmd_bzmpop;
/** Redis's xorObjectDigest() of a list value into @p d. */
void cmd_digest_list(uint8_t d[20], const struct store_obj *o);
cmd_handler_fn cmd_zadd, cmd_zincrby, cmd_zrem, cmd_zcard, cmd_zscore, cmd_zmscore; /* cmd_zset.c */
cmd_handler_fn cmd_zrank, cmd_zrevrank, cmd_zcount, cmd_zlexcount, cmd_zremrangebyrank;
cmd_handler_fn cmd_zremrangebyscore, cmd_zremrangebylex, cmd_zpopmin, cmd_zpopmax, cmd_zmpop;
cmd_handler_fn cmd_zrandmember, cmd_zscan;
cmd_handler_fn cmd_zrange, cmd_zrangestore, cmd_zrevrange, cmd_zrangebyscore; /* cmd_zrange.c */
cmd_handler_fn cmd_zrevrangebyscore, cmd_zrangebylex, cmd_zrevrangebylex;
cmd_handler_fn cmd_zunion, cmd_zinter, cmd_zdiff, cmd_zunionstore,
    cmd_zinterstore; /* cmd_zsetops.c */
cmd_handler_fn cmd_zdiffstore, cmd_zintercard;
/** Redis's xorObjectDigest() of a sorted set value into @p d. */
void cmd_digest_zset(uint8_t d[20], const struct store_obj *o);
cmd_handler_fn cmd_hset, cmd_hsetnx, cmd_hmset, cmd_hget, cmd_hmget, cmd_hdel; /* cmd_hash.c */
cmd_handler_fn cmd_hexists, cmd_hlen, cmd_hstrlen, cmd_hkeys, cmd_hvals, cmd_hgetall;
cmd_handler_fn cmd_hincrby, cmd_hincrbyfloat, cmd_hrandfield, cmd_hscan;
cmd_handler_fn cmd_sadd, cmd_srem, cmd_sismember, cmd_smismember, cmd_scard; /* cmd_set.c */
cmd_handler_fn cmd_smembers, cmd_spop, cmd_srandmember, cmd_smove, cmd_sinter, cmd_sintercard;
cmd_handler_fn cmd_sinterstore, cmd_sunion, cmd_sunionstore, cmd_sdiff, cmd_sdiffstore, cmd_sscan;
cmd_handler_fn cmd_multi, cmd_exec, cmd_discard, cmd_watch, cmd_unwatch; /* cmd_tx.c */
cmd_handler_fn cmd_rename, cmd_renamenx, cmd_copy, cmd_move;		 /* cmd_rename.c */
cmd_handler_fn cmd_pubsub;  /* cmd_pubsub.c: every pub/sub command inside EXEC */
cmd_handler_fn cmd_lcs;	    /* cmd_lcs.c */
cmd_handler_fn cmd_slowlog; /* cmd_slowlog.c */
/** addReplySubcommandSyntaxError(): @p upper is the command name in capitals. */
void cmd_reply_subcmd_syntax(struct cmd_ctx *ctx, const char *upper);
cmd_handler_fn cmd_latency;			     /* cmd_latency.c */
cmd_handler_fn cmd_client_pause, cmd_client_unpause; /* cmd_client_pause.c */
cmd_handler_fn cmd_monitor;			     /* cmd_monitor.c */
/** CONFIG REWRITE (cmd_config_rewrite.c). */
void cmd_config_rewrite(struct cmd_ctx *ctx);
/* cmd_config.c: the slow log's and the latency monitor's directives now */
int64_t cmd_cfg_slowlog_slower_us(const struct cmd_env *env);
int64_t cmd_cfg_slowlog_max_len(const struct cmd_env *env);
int64_t cmd_cfg_latency_threshold_ms(const struct cmd_env *env);

/* cmd_meta.c (generated by gen_cmd_meta.py) */
/* clang-format off */
#define CMD_META_X(X) \
	X(X) X(acl) X(append) X(auth) X(bitcount) X(bitfield) X(bitfield_ro) X(bitpos) X(client) \
	X(command) X(config) X(copy) X(dbsize) X(debug) X(decr) X(decrby) X(del) X(discard) X(dump) X(echo) X(exec) X(exists) X(expire) \
	X(expireat) X(expiretime) X(flushall) X(flushdb) X(get) X(getbit) X(getdel) X(getex) X(getrange) X(getset) \
	X(hdel) X(hello) X(hexists) X(hget) X(hgetall) X(hincrby) X(hincrbyfloat) X(hkeys) X(hlen) \
	X(hmget) X(hmset) X(hrandfield) X(hscan) X(hset) X(hsetnx) X(hstrlen) X(hvals) X(incr) X(incrby) X(incrbyfloat) X(info) X(keys) X(lastsave) X(memory) X(mget) X(move) X(mset) X(msetnx) X(multi) X(object) X(persist) X(pexpire) \
	X(pexpireat) X(pexpiretime) X(ping) X(psetex) X(pttl) X(quit) X(randomkey) X(rename) X(renamenx) X(reset) X(restore) X(sadd) X(scan) X(scard) X(sdiff) X(sdiffstore) X(select) X(set) \
	X(setbit) X(setex) X(setnx) X(setrange) X(shutdown) X(sinter) X(sintercard) X(sinterstore) X(sismember) \
	X(smembers) X(smismember) X(smove) X(spop) X(srandmember) X(srem) X(sscan) X(strlen) X(substr) \
	X(sunion) X(sunionstore) X(time) X(touch) X(ttl) X(type) \
	X(unlink) X(unwatch) X(watch) \
	X(swapdb) \
	X(blmove) X(blmpop) X(blpop) X(brpop) X(brpoplpush) X(bzmpop) X(bzpopmax) X(bzpopmin) \
	X(lindex) X(linsert) X(llen) X(lmove) X(lmpop) X(lpop) X(lpos) X(lpush) X(lpushx) X(lrange) \
	X(lrem) X(lset) X(ltrim) X(rpop) X(rpoplpush) X(rpush) X(rpushx) \
	X(bgrewriteaof) X(bgsave) X(save) \
	X(zadd) X(zcard) X(zcount) X(zdiff) X(zdiffstore) X(zincrby) X(zinter) X(zintercard) X(zinterstore) X(zlexcount) X(zmpop) X(zmscore) X(zpopmax) X(zpopmin) X(zrandmember) X(zrange) X(zrangebylex) X(zrangebyscore) X(zrangestore) X(zrank) X(zrem) X(zremrangebylex) X(zremrangebyrank) X(zremrangebyscore) X(zrevrange) X(zrevrangebylex) X(zrevrangebyscore) X(zrevrank) X(zscan) X(zscore) X(zunion) X(zunionstore) \
	X(psubscribe) X(publish) X(pubsub) X(punsubscribe) X(spublish) X(ssubscribe) X(subscribe) \
	X(sunsubscribe) X(unsubscribe) \
	X(bitop) X(lcs) X(latency) X(monitor) X(slowlog)
/* clang-format on */
#define CMD_META_DECL(n) extern const char cmd_meta_info_##n[], cmd_meta_docs_##n[];
CMD_META_X(CMD_META_DECL)
#undef CMD_META_DECL

/* INFO stats counters CONFIG RESETSTAT can reset (a baseline, cmd_config.c) */
enum cmd_stat {
	CMD_STAT_CONNECTIONS,
	CMD_STAT_REJECTED,
	CMD_STAT_COMMANDS,
	CMD_STAT_NET_IN,
	CMD_STAT_NET_OUT,
	CMD_STAT_EXPIRED,
	CMD_STAT_HITS,
	CMD_STAT_MISSES,
	CMD_STAT_ERRORS,
	CMD_STAT_EVICTED,
	CMD_STAT_EVICTED_CLIENTS,
	CMD_STAT_RDB_SAVES,	    /* rdb_saves */
	CMD_STAT_AOF_REWRITES,	    /* aof_rewrites */
	CMD_STAT_AOF_DELAYED_FSYNC, /* aof_delayed_fsync */
	CMD_STAT_N,
};

/* cmd_config.c: run-time values (see cmd.h for the numeric ones) */
bool cmd_cfg_requirepass_set(const struct cmd_env *env);
/** Copy requirepass into @p buf (NUL-terminated). @return its length. */
size_t cmd_cfg_requirepass(const struct cmd_env *env, char *buf, size_t cap);
/** Are save points configured (SHUTDOWN without NOSAVE would save)? */
bool cmd_cfg_save_set(const struct cmd_env *env);
struct store_hash_limits;
/** hash-max-listpack-entries / -value now (the ziplist names are aliases). */
void cmd_cfg_hash_limits(const struct cmd_env *env, struct store_hash_limits *out);
/** set-max-intset-entries now. */
uint64_t cmd_cfg_set_max_intset_entries(const struct cmd_env *env);
/** The counters at the last CONFIG RESETSTAT (zeros if never). */
void cmd_cfg_stat_base(const struct cmd_env *env, uint64_t base[CMD_STAT_N]);

/* cmd_client.c */
/** The default user's credentials: any password while none is required. */
bool cmd_auth_check(const struct cmd_env *env, const struct resp_arg *user,
		    const struct resp_arg *pass);
/** validateClientAttr(): only '!'..'~'. */
bool cmd_client_attr_ok(const uint8_t *p, size_t n);
/** Set the client name (empty clears it), replying the error if refused. @return 0 or -1. */
int cmd_client_setname(struct cmd_ctx *ctx, const struct resp_arg *a);

/* cmd_info.c */
/** The totals INFO prints, from every worker; t->dbs is allocated (free it). @return 0 or -ENOMEM.
 */
int cmd_info_totals_get(struct cmd_ctx *ctx, struct cmd_info_totals *t);
/** INFO commandstats and errorstats lines, every worker's since the last
 * CONFIG RESETSTAT. */
void cmd_info_commandstats(const struct cmd_ctx *ctx, struct rw_buf *b);
void cmd_info_errorstats(const struct cmd_ctx *ctx, struct rw_buf *b);
struct cmd_stat_sum;
/** One "cmdstat_NAME:calls=..." line, as 7.0.15 prints it (float division). */
void cmd_info_cmdstat_line(struct rw_buf *b, const char *name, const struct cmd_stat_sum *st);
/* cmd_memory.c */
/** MEMORY STATS, DOCTOR, PURGE or MALLOC-STATS (@p sub is the subcommand's table name). */
void cmd_memory_report(struct cmd_ctx *ctx, const char *sub);
/** The resettable counters now, gathered as INFO does (not baseline-adjusted). */
void cmd_info_stat_counters(struct cmd_ctx *ctx, uint64_t out[CMD_STAT_N]);

/* cmd_table.c */
/**
 * Resolve ctx->argv[1] as a subcommand of @p parent and check its arity,
 * replying Redis's error if either fails. @return the subcommand or NULL.
 */
const struct cmd_def *cmd_subcmd_resolve(struct cmd_ctx *ctx, const struct cmd_def *parent);
/** "config|get" style full name of a command or subcommand. */
static inline const char *cmd_fullname(const struct cmd_def *d)
{
	return d->name;
}

/** Reply a HELP text: an array of simple strings. */
void cmd_reply_help(struct cmd_ctx *ctx, const char *const *lines, size_t n);

/** util.c memtoull() (cmd_config.c): digits, then an optional unit b k kb
 * m mb g gb. @return false for anything else. */
bool cmd_memtoull(const uint8_t *p, size_t len, uint64_t *out);

/* cmd_debug.c: Redis's digest steps (see the top of cmd_debug.c) */
/** xorDigest(): d ^= SHA1(p). */
void cmd_digest_xor(uint8_t d[20], const void *p, size_t n);
/** mixDigest(): d = SHA1(d ^ SHA1(p)). */
void cmd_digest_mix(uint8_t d[20], const void *p, size_t n);
/** MEMORY USAGE's allocation sizes: jemalloc's class of @p n bytes, and of an
 * sds of @p len bytes (@p allow5: the 1-byte header below 32 bytes). */
uint64_t cmd_je_class(uint64_t n);
uint64_t cmd_sds_alloc(uint64_t len, bool allow5);
/** objectComputeSize() of a hash (cmd_hash.c) and a set (cmd_set.c), sampling
 * @p samples elements of a hash table (0: all). */
uint64_t cmd_hash_mem_usage(const struct store_obj *o, uint64_t samples);
uint64_t cmd_set_mem_usage(const struct store_obj *o, uint64_t samples);
/** objectComputeSize() of a list (cmd_list.c): the first @p samples nodes
 * (0: all) as stock allocates them, compressed ones as their blobs. */
uint64_t cmd_list_mem_usage(const struct store_obj *o, uint64_t samples);
/** DEBUG OBJECT's serializedlength (rdbSavedObjectLen(), LZF aside): rdbSaveLen()'s size, a
 * string's, a hash's (cmd_hash.c) and a set's (cmd_set.c). */
size_t cmd_rdb_len_size(uint64_t n);
size_t cmd_rdb_bytes_len(const uint8_t *p, size_t n);
size_t cmd_hash_rdb_len(const struct store_obj *o);
size_t cmd_set_rdb_len(const struct store_obj *o);
/** xorObjectDigest()'s value part for a hash (cmd_hash.c) and a set (cmd_set.c). */
void cmd_hash_digest(uint8_t d[20], const struct store_obj *o);
void cmd_set_digest(uint8_t d[20], const struct store_obj *o);

/* cmd_scan.c */
/* SCAN's cursor: the worker in the low bits (see cmd_scan.c) */
#define CMD_SCAN_WORKER_BITS 8
#define CMD_SCAN_WORKER_MASK ((UINT64_C(1) << CMD_SCAN_WORKER_BITS) - 1)
cmd_handler_fn cmd_scan;
cmd_handler_fn cmd_randomkey; /* cmd_keyspace.c */
/** parseScanCursorOrReply()'s acceptance (strtoul). @return false if invalid. */
bool cmd_cursor_parse(const struct resp_arg *a, uint64_t *out);

/* cmd_glob.c */
/** Redis's stringmatchlen(): glob with * ? [a-z] [^x] and \ escapes. */
bool cmd_glob_match(const uint8_t *pat, size_t plen, const uint8_t *str, size_t slen, bool nocase);

/** Case-insensitive compare of an argument with a lower-case literal. */
static inline bool cmd_arg_is(const struct resp_arg *a, const char *lit)
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

/** Parse a strict int64 argument, replying CMD_ERR_NOT_INT if it is not one. */
static inline bool cmd_arg_i64(struct cmd_ctx *ctx, const struct resp_arg *a, int64_t *v)
{
	if (resp_str_to_i64(a->ptr, a->len, v))
		return true;
	resp_w_error(ctx->out, CMD_ERR_NOT_INT);
	return false;
}

/** Start the write of key @p key on the command's shard and DB. */
static inline void cmd_write_begin(struct cmd_ctx *ctx, const struct resp_arg *key,
				   struct store_wr *w)
{
	store_write_begin(ctx->shard, ctx->client->db, key->ptr, key->len, ctx->now_ms, w);
}

/** Look @p key up on the command's shard and DB (store_lookup() flags). */
static inline struct store_obj *cmd_lookup_key(struct cmd_ctx *ctx, const struct resp_arg *key,
					       unsigned flags)
{
	return store_lookup(ctx->shard, ctx->client->db, key->ptr, key->len, ctx->now_ms, flags);
}

/** The running command's table name ("set", "getex"), as Redis's c->cmd->fullname. */
static inline const char *cmd_name(const struct cmd_ctx *ctx)
{
	const struct cmd_def *d = cmd_lookup(ctx->argv[0].ptr, ctx->argv[0].len);
	return d != NULL ? d->name : "";
}

/*
 * Journal rewrites for expiries (Redis 7.0's rewriteClientCommandVector()
 * in expire.c, t_string.c, cluster.c): a relative time is journaled as
 * the absolute one it resolved to, so an AOF replayed later, or a replica,
 * does not extend the TTL; an expiry already in the past as the DEL it
 * caused. Each writes ctx->propagate (cmd_expire.c).
 */
/** DEL @p key. */
void cmd_propagate_del(struct cmd_ctx *ctx, const struct resp_arg *key);
/** PEXPIREAT @p key @p at_ms, then argv[@p first_opt..argc) (NX XX GT LT). */
void cmd_propagate_pexpireat(struct cmd_ctx *ctx, const struct resp_arg *key, int64_t at_ms,
			     uint32_t first_opt);

/** The string limit: proto-max-bulk-len. */
static inline uint64_t cmd_str_max(const struct cmd_ctx *ctx)
{
	int64_t v = cmd_cfg_proto_max_bulk_len(ctx->env);
	return v > 0 ? (uint64_t)v : STORE_STR_MAX;
}

/* cmd_incr.c: INCRBYFLOAT's number handling, shared with HINCRBYFLOAT */
#define CMD_LD_CHARS_MAX (5 * 1024) /* MAX_LONG_DOUBLE_CHARS */
/** string2ld(): the whole argument as a long double (no space, NaN, overflow). */
bool cmd_str_to_ld(const uint8_t *p, size_t n, long double *out);
/** ld2string(LD_STR_HUMAN). @return the length written to @p buf. */
size_t cmd_ld_human(char *buf, size_t cap, long double v);

/* cmd_string.c */
/** Reply a string object's bytes as a bulk string. */
void cmd_reply_obj(struct cmd_ctx *ctx, const struct store_obj *o);
/** checkStringLength(): may a string grow to @p size + @p add bytes? Replies if not. */
bool cmd_check_str_len(struct cmd_ctx *ctx, uint64_t size, uint64_t add);

static inline enum resp_proto cmd_proto(const struct cmd_ctx *ctx)
{
	return ctx->client->proto == RESP_PROTO_3 ? RESP_PROTO_3 : RESP_PROTO_2;
}

#endif
