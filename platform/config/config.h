/*
 * Configuration: one file in redis.conf syntax, read by both processes.
 *
 * Redis's directives keep Redis's names; appliance directives carry the
 * "redwire-" prefix. Every directive lives in one table (RW_CONFIG_TABLE)
 * with its type, default and description; CONFIG GET/SET, the start-up echo
 * and the docs come from it.
 *
 * Rules (issue #2):
 *   - a directive of the table with a valid value is applied;
 *   - a Redis 7.0 directive Redwire does not implement yet is accepted with a
 *     warning naming it, so a real redis.conf can be brought over;
 *   - anything else, or an invalid value, stops the start with one line
 *     naming the directive and the cause (file:line).
 * Command-line overrides follow the file, Redis style: `--port 7000`.
 *
 * Context: boot, single threaded. The result is immutable after boot.
 */
#ifndef RW_CONFIG_H
#define RW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rw_cfg_type {
	RW_CFG_BOOL,   /* yes|no */
	RW_CFG_INT,    /* signed 64-bit, plain number */
	RW_CFG_MEMORY, /* bytes with Redis units: 1k 1kb 1m 1mb 1g 1gb (case-insensitive) */
	RW_CFG_STRING,
	RW_CFG_SECRET, /* a string that is redacted when echoed */
};

/*
 * X(field, "directive", type, "default", min, max, "description")
 * min/max bound INT and MEMORY values (inclusive). Defaults may contain
 * "%n", replaced by redwire-name after loading.
 */
#define RW_CONFIG_TABLE(X)                                                                         \
	X(port, "port", RW_CFG_INT, "6379", 0, 65535, "TCP port clients connect to")               \
	X(bind, "bind", RW_CFG_STRING, "* -::*", 0, 0,                                             \
	  "addresses RESP connections are accepted on, Redis's syntax; the dataplane's is "        \
	  "redwire-address, loopback ones bind but no NIC client reaches them (README)")           \
	X(requirepass, "requirepass", RW_CFG_SECRET, "", 0, 0, "password clients must AUTH with")  \
	X(databases, "databases", RW_CFG_INT, "16", 1, 1000000, "number of databases")             \
	X(maxmemory, "maxmemory", RW_CFG_MEMORY, "0", 0, INT64_MAX, "memory budget in bytes")      \
	X(maxmemory_policy, "maxmemory-policy", RW_CFG_STRING, "noeviction", 0, 0,                 \
	  "what to evict at maxmemory: noeviction, allkeys-lru|lfu|random, "                       \
	  "volatile-lru|lfu|random|ttl")                                                           \
	X(maxmemory_samples, "maxmemory-samples", RW_CFG_INT, "5", 1, INT32_MAX,                   \
	  "keys sampled per DB per eviction round")                                                \
	X(maxmemory_eviction_tenacity, "maxmemory-eviction-tenacity", RW_CFG_INT, "10", 0, 100,    \
	  "eviction effort per command: 0 least, 100 no time limit")                               \
	X(lfu_log_factor, "lfu-log-factor", RW_CFG_INT, "10", 0, INT32_MAX,                        \
	  "LFU counter growth: higher needs more hits to grow")                                    \
	X(lfu_decay_time, "lfu-decay-time", RW_CFG_INT, "1", 0, INT32_MAX,                         \
	  "minutes per LFU counter decrement when a key is idle")                                  \
	X(list_max_listpack_size, "list-max-listpack-size", RW_CFG_INT, "-2", INT32_MIN,           \
	  INT32_MAX,                                                                               \
	  "list node bound: -1..-5 for 4..64 KB, a positive number for entries per node")          \
	X(list_compress_depth, "list-compress-depth", RW_CFG_INT, "0", 0, INT32_MAX,               \
	  "accepted for compatibility: list nodes are not compressed")                             \
	X(zset_max_listpack_entries, "zset-max-listpack-entries", RW_CFG_INT, "128", 0, INT64_MAX, \
	  "largest sorted set kept in the compact listpack encoding")                              \
	X(zset_max_listpack_value, "zset-max-listpack-value", RW_CFG_MEMORY, "64", 0, INT64_MAX,   \
	  "longest member (bytes) of a listpack-encoded sorted set")                               \
	X(hash_max_listpack_entries, "hash-max-listpack-entries", RW_CFG_INT, "512", 0, INT64_MAX, \
	  "most fields a hash keeps in the compact listpack encoding (alias "                      \
	  "hash-max-ziplist-entries)")                                                             \
	X(hash_max_listpack_value, "hash-max-listpack-value", RW_CFG_MEMORY, "64", 0, INT64_MAX,   \
	  "longest field or value a listpack hash holds (alias hash-max-ziplist-value)")           \
	X(set_max_intset_entries, "set-max-intset-entries", RW_CFG_INT, "512", 0, INT64_MAX,       \
	  "most members a set of integers keeps in the compact intset encoding")                   \
	X(maxmemory_clients, "maxmemory-clients", RW_CFG_STRING, "0", 0, 0,                        \
	  "client memory budget: bytes, or N% of maxmemory; 0: no client eviction")                \
	X(hz, "hz", RW_CFG_INT, "10", 0, INT32_MAX,                                                \
	  "each worker's cron runs per second (active expiry cycles); clamped to 1..500")          \
	X(dynamic_hz, "dynamic-hz", RW_CFG_BOOL, "yes", 0, 0,                                      \
	  "hz doubles per 200 clients per cron run, up to 500, as Redis's serverCron scales it")   \
	X(latency_tracking_info_percentiles, "latency-tracking-info-percentiles", RW_CFG_STRING,   \
	  "50 99 99.9", 0, 0, "percentiles INFO latencystats reports per command")                 \
	X(maxclients, "maxclients", RW_CFG_INT, "10000", 1, 1000000, "client connection limit")    \
	X(timeout, "timeout", RW_CFG_INT, "0", 0, INT32_MAX, "idle client timeout in seconds")     \
	X(tcp_keepalive, "tcp-keepalive", RW_CFG_INT, "300", 0, INT32_MAX, "keepalive seconds")    \
	X(slowlog_log_slower_than, "slowlog-log-slower-than", RW_CFG_INT, "10000", -1, INT64_MAX,  \
	  "microseconds a command must take to enter the slow log (-1: never)")                    \
	X(slowlog_max_len, "slowlog-max-len", RW_CFG_INT, "128", 0, INT64_MAX,                     \
	  "entries the slow log keeps")                                                            \
	X(latency_monitor_threshold, "latency-monitor-threshold", RW_CFG_INT, "0", 0, INT64_MAX,   \
	  "milliseconds from which the latency monitor records an event (0: off)")                 \
	X(proto_max_bulk_len, "proto-max-bulk-len", RW_CFG_MEMORY, "512mb", 1024 * 1024,           \
	  INT64_MAX, "largest bulk string accepted")                                               \
	X(client_query_buffer_limit, "client-query-buffer-limit", RW_CFG_MEMORY, "1gb",            \
	  1024 * 1024, INT64_MAX, "largest query buffer per client")                               \
	X(dir, "dir", RW_CFG_STRING, "/var/lib/redwire/%n", 0, 0, "data directory")                \
	X(dbfilename, "dbfilename", RW_CFG_STRING, "dump.rdb", 0, 0, "RDB file name")              \
	X(appendonly, "appendonly", RW_CFG_BOOL, "no", 0, 0, "append-only file persistence")       \
	X(appendfsync, "appendfsync", RW_CFG_STRING, "everysec", 0, 0,                             \
	  "always|everysec|no: when an AOF write is durable (fsync per batch, per second, never)") \
	X(appendfilename, "appendfilename", RW_CFG_STRING, "appendonly.aof", 0, 0,                 \
	  "AOF base name: manifest and base/incr files")                                           \
	X(appenddirname, "appenddirname", RW_CFG_STRING, "appendonlydir", 0, 0,                    \
	  "AOF directory inside dir")                                                              \
	X(aof_load_truncated, "aof-load-truncated", RW_CFG_BOOL, "yes", 0, 0,                      \
	  "load an AOF whose tail is torn, cutting the tail with a warning")                       \
	X(aof_use_rdb_preamble, "aof-use-rdb-preamble", RW_CFG_BOOL, "yes", 0, 0,                  \
	  "AOF rewrite: the new base is an RDB (yes) or RESP commands (no)")                       \
	X(auto_aof_rewrite_percentage, "auto-aof-rewrite-percentage", RW_CFG_INT, "100", 0,        \
	  INT32_MAX,                                                                               \
	  "rewrite the AOF when it grew this much (%) since the last rewrite; 0: never")           \
	X(auto_aof_rewrite_min_size, "auto-aof-rewrite-min-size", RW_CFG_MEMORY, "64mb", 0,        \
	  INT64_MAX, "no automatic AOF rewrite below this size")                                   \
	X(rdb_key_save_delay, "rdb-key-save-delay", RW_CFG_INT, "0", 0, INT32_MAX,                 \
	  "tests, as Redis's: a snapshot's walk takes one key per this many microseconds")         \
	X(rw_aof_reserve, "redwire-aof-reserve", RW_CFG_MEMORY, "64mb", 4096, INT64_MAX,           \
	  "AOF space reserved ahead with fallocate: a full disk shows at this step")               \
	X(save, "save", RW_CFG_STRING, "3600 1 300 100 60 10000", 0, 0, "snapshot points")         \
	X(rdbcompression, "rdbcompression", RW_CFG_BOOL, "yes", 0, 0,                              \
	  "LZF-compress long strings in RDB snapshots")                                            \
	X(rdbchecksum, "rdbchecksum", RW_CFG_BOOL, "yes", 0, 0,                                    \
	  "write (and check on load) the RDB's CRC64 trailer")                                     \
	X(stop_writes_on_bgsave_error, "stop-writes-on-bgsave-error", RW_CFG_BOOL, "yes", 0, 0,    \
	  "refuse writes with -MISCONF while the last snapshot failed and save points are set")    \
	X(loglevel, "loglevel", RW_CFG_STRING, "notice", 0, 0, "debug|verbose|notice|warning")     \
	X(logfile, "logfile", RW_CFG_STRING, "", 0, 0, "log file; empty logs to stdout")           \
	X(daemonize, "daemonize", RW_CFG_BOOL, "no", 0, 0, "must be no: ./redwire supervises")     \
	X(pidfile, "pidfile", RW_CFG_STRING, "", 0, 0, "pid file")                                 \
	X(rw_name, "redwire-name", RW_CFG_STRING, "rw", 0, 0, "instance name")                     \
	X(rw_workers, "redwire-workers", RW_CFG_INT, "2", 1, 128, "dataplane worker lcores")       \
	X(rw_cores, "redwire-cores", RW_CFG_STRING, "", 0, 0,                                      \
	  "CPU list for the workers, e.g. 2,3; empty picks the first N cores")                     \
	X(rw_port_device, "redwire-port-device", RW_CFG_STRING, "net_tap0,iface=rw0", 0, 0,        \
	  "DPDK vdev string of the client port, or a PCI address with redwire-pci")                \
	X(rw_pci, "redwire-pci", RW_CFG_BOOL, "no", 0, 0,                                          \
	  "yes: redwire-port-device is a PCI address passed as -a (allow-list), else a --vdev")    \
	X(rw_address, "redwire-address", RW_CFG_STRING, "198.18.0.2", 0, 0,                        \
	  "dataplane IPv4 address")                                                                \
	X(rw_netmask, "redwire-netmask", RW_CFG_STRING, "255.255.255.0", 0, 0,                     \
	  "dataplane netmask")                                                                     \
	X(rw_gateway, "redwire-gateway", RW_CFG_STRING, "", 0, 0,                                  \
	  "default gateway; empty: on-link only")                                                  \
	X(rw_mtu, "redwire-mtu", RW_CFG_INT, "1500", 576, 9000, "IP MTU of the client port")       \
	X(rw_output_limit, "redwire-client-output-limit", RW_CFG_MEMORY, "0", 0, INT64_MAX,        \
	  "reset a client whose unread replies pass this many bytes; 0: no limit")                 \
	X(rw_tcp_rmem_max, "redwire-tcp-rmem-max", RW_CFG_MEMORY, "4mb", 65536, 1073741824,        \
	  "TCP receive memory per connection beyond its partial command: unread commands and "     \
	  "the window offered (Linux's tcp_rmem max)")                                             \
	X(rw_tcp_rmem_pool, "redwire-tcp-rmem-pool", RW_CFG_MEMORY, "8mb", 0, INT64_MAX,           \
	  "TCP receive memory per worker beyond each connection's first 16 KB; windows shrink "    \
	  "as it fills (Linux's tcp_mem)")                                                         \
	X(rw_port_offload, "redwire-port-offload", RW_CFG_STRING, "auto", 0, 0,                    \
	  "auto: checksum offload and TSO when the port advertises them; no: software; "           \
	  "strict: a NIC model that checks the TX metadata (tests)")                               \
	X(rw_port_impair, "redwire-port-impair", RW_CFG_STRING, "", 0, 0,                          \
	  "tests only: seeded loss/reorder/dup/corruption on the client port "                     \
	  "(drivers/eth/eth_impair.h syntax, e.g. seed=1,drop=0.01); empty: none")                 \
	X(rw_memory_mb, "redwire-memory-mb", RW_CFG_INT, "512", 64, 1048576,                       \
	  "DPDK memory (-m) in MB")                                                                \
	X(rw_hugepages, "redwire-hugepages", RW_CFG_BOOL, "yes", 0, 0,                             \
	  "use hugepages when hugetlbfs has room; no runs with --no-huge")                         \
	X(rw_pipeline_order, "redwire-pipeline-order", RW_CFG_STRING, "strict", 0, 0,              \
	  "strict: a connection's commands run in the order sent, as others see them (Redis); "    \
	  "relaxed: commands for different workers may run in another order (faster pipelines)")   \
	X(rw_idle_backoff, "redwire-idle-backoff", RW_CFG_BOOL, "yes", 0, 0,                       \
	  "sleep briefly when a worker finds no work (development); no polls flat out "            \
	  "(production)")                                                                          \
	X(rw_idle_max_us, "redwire-idle-max-us", RW_CFG_INT, "100", 1, 100000,                     \
	  "longest idle sleep")                                                                    \
	X(rw_channel, "redwire-channel", RW_CFG_STRING, "/dev/shm/redwire-%n.chan", 0, 0,          \
	  "control channel shared-memory file")                                                    \
	X(rw_run_dir, "redwire-run-dir", RW_CFG_STRING, "/run/redwire/%n", 0, 0,                   \
	  "runtime directory (pids, sockets)")                                                     \
	X(rw_mgmt_socket, "redwire-mgmt-socket", RW_CFG_STRING, "/run/redwire/%n/api.sock", 0, 0,  \
	  "management API Unix socket (root only)")                                                \
	X(rw_mgmt_address, "redwire-mgmt-address", RW_CFG_STRING, "127.0.0.1:8443", 0, 0,          \
	  "management HTTPS address IPv4:port (empty: no HTTPS listener)")                         \
	X(rw_mgmt_cert, "redwire-mgmt-cert", RW_CFG_STRING, "", 0, 0,                              \
	  "HTTPS certificate chain (PEM); empty: self-signed DIR/mgmt-cert.pem, made at first "    \
	  "start")                                                                                 \
	X(rw_mgmt_key, "redwire-mgmt-key", RW_CFG_STRING, "", 0, 0,                                \
	  "HTTPS private key (PEM); empty: DIR/mgmt-key.pem")                                      \
	X(rw_mgmt_client_ca, "redwire-mgmt-client-ca", RW_CFG_STRING, "", 0, 0,                    \
	  "CA file whose client certificates may log in (mTLS); empty: no client certificates")    \
	X(rw_mgmt_client_roles, "redwire-mgmt-client-roles", RW_CFG_STRING, "", 0, 0,              \
	  "client certificate CN to role, e.g. console=admin,grafana=viewer; a CN that names a "   \
	  "role has it")                                                                           \
	X(rw_mgmt_auth_failures, "redwire-mgmt-auth-failures", RW_CFG_INT, "10", 1, 1000000,       \
	  "failed logins from one address within redwire-mgmt-auth-window before 429")             \
	X(rw_mgmt_auth_window, "redwire-mgmt-auth-window", RW_CFG_INT, "60", 1, 86400,             \
	  "seconds over which failed logins are counted, and the lock-out")

struct rw_config {
#define RW_CFG_X(field, name, type, def, min, max, desc) RW_CFG_MEMBER_##type(field)
#define RW_CFG_MEMBER_RW_CFG_BOOL(f)			 bool f;
#define RW_CFG_MEMBER_RW_CFG_INT(f)			 int64_t f;
#define RW_CFG_MEMBER_RW_CFG_MEMORY(f)			 int64_t f;
#define RW_CFG_MEMBER_RW_CFG_STRING(f)			 char *f;
#define RW_CFG_MEMBER_RW_CFG_SECRET(f)			 char *f;
	RW_CONFIG_TABLE(RW_CFG_X)
#undef RW_CFG_X
	char *config_file; /* absolute path of the file read, "" if none */
	/* `user NAME RULE...` lines (Redis's ACL users), in file order: each a
	 * NULL-terminated argument vector starting with the name */
	char ***users;
	size_t n_users;
	bool maxmemory_given; /* maxmemory was in the file or on the command line */
};

/** Callback for warnings and the echo; @p line has no trailing newline. */
typedef void rw_config_log_fn(void *arg, const char *line);

/**
 * Fill @p cfg with defaults, then read @p path (may be NULL), then apply
 * overrides from @p argv (pairs "--directive" "value"...; a directive taking
 * several words consumes until the next "--"), then expand "%n".
 * Warnings (unimplemented Redis directives) go to @p warn (may be NULL).
 * Errors read "FILE:LINE: cause" ("(command line): cause" for overrides).
 * @return 0, or -EINVAL with one line in @p err naming the directive/cause,
 *         or -errno if the file cannot be read (-ENOMEM). On error @p cfg is
 *         already released; rw_config_fini() on it is harmless.
 */
int rw_config_load(struct rw_config *cfg, const char *path, int argc, char **argv,
		   rw_config_log_fn *warn, void *warn_arg, char *err, size_t errlen);

/** Echo every directive as "config key=value" lines, secrets as "(redacted)". */
void rw_config_echo(const struct rw_config *cfg, rw_config_log_fn *out, void *arg);

/**
 * CONFIG GET-style lookup (case-insensitive): format the value of @p name into
 * @p buf: yes/no, decimal (memory in bytes), strings as is (secrets too).
 * @return 0, -ENOENT for an unknown name, -ENOSPC if @p len is too small.
 */
int rw_config_get(const struct rw_config *cfg, const char *name, char *buf, size_t len);

/** Free the strings and clear the pointers; safe to call twice. */
void rw_config_fini(struct rw_config *cfg);

#define RW_CONFIG_BIND_MAX	  16 /* CONFIG_BINDADDR_MAX */
#define RW_CONFIG_PERCENTILES_MAX 64

/**
 * Check a bind list (addresses separated by single spaces, "-" marks an
 * optional one) as stock Redis would bind it on a host whose addresses are
 * @p own_addr (the dataplane's IPv4) and loopback (config_values.c).
 * *@p accept_own: a kept address covers @p own_addr.
 * @return 0, or -EINVAL with Redis's CONFIG SET error text in *@p err.
 * Context: any thread.
 */
int rw_config_bind_check(const char *value, const char *own_addr, bool *accept_own,
			 const char **err);
/**
 * The first host name of a bind list that does not resolve: copied to
 * @p name (@p cap bytes), @return getaddrinfo()'s reason (stock's boot log
 * line names it), or NULL if every name resolves. Context: any thread.
 */
const char *rw_config_bind_unresolved(const char *value, char *name, size_t cap);

/**
 * Parse latency-tracking-info-percentiles ("50 99 99.9", "" for none) into
 * @p out (at most @p cap). @return 0, or -EINVAL with Redis's error in *@p err.
 */
int rw_config_percentiles_parse(const char *value, double *out, size_t cap, size_t *n,
				const char **err);
/** The percentiles as CONFIG GET shows them ("%f" without trailing zeros, space separated). */
void rw_config_percentiles_fmt(const double *v, size_t n, char *buf, size_t cap);
/** One double as Redis prints a percentile: "%f" trimmed (trimDoubleString). @return its length. */
size_t rw_config_double_fmt(double v, char *buf, size_t cap);

/**
 * maxmemory-clients: bytes with Redis's units, or "N%" of maxmemory (N 0..100),
 * into *@p out in Redis's encoding (a percent negated).
 * @return 0, or -EINVAL with Redis's CONFIG SET error text in *@p err.
 */
int rw_config_mempct_parse(const char *value, int64_t *out, const char **err);

/**
 * The values an enumerated directive takes (loglevel, maxmemory-policy,
 * appendfsync, redwire-port-offload), in Redis's order, NULL-terminated;
 * NULL for any other directive. The loader refuses any other value (case
 * aside); the management API lists them as "allowed", run-time or not.
 * Context: any thread.
 */
const char *const *rw_config_enum_values(const char *name);

/**
 * Is @p name (lower case) a directive redis-server 7.0.15 accepts in
 * redis.conf? Table directives are checked before this.
 */
bool rw_config_redis_directive(const char *name);

#endif
