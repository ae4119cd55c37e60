/*
 * INFO: every section redis-server 7.0.15 prints, with its field names, its
 * order and CRLF line ends (genRedisInfoString()).
 *
 * Values are Redwire's true ones where it has them; the rest are the
 * values a stock server with the same feature switched off prints (0, -1,
 * "ok"), so parsers see every field they expect:
 *   - clients, stats, keyspace: the process-wide numbers of struct
 *     cmd_info_totals, gathered from every worker by env->info_gather
 *     (without one, this worker's shard alone: unit tests);
 *   - memory: used_memory is the store's accounting of keys and values
 *     plus the clients' buffers (as 7.0 counts them, and as maxmemory
 *     counts them), rss from /proc/self/statm; peak, Lua, fragmentation
 *     and allocator figures are derived or 0;
 *   - persistence, replication: no RDB/AOF/replicas in the dataplane yet
 *     (rdb_last_save_time is the start time, as in a fresh Redis);
 *     master_replid is the run id until replication lands;
 *   - cpu: getrusage() of the process and of the calling worker thread;
 *   - latencystats: each command's latency histogram (cmd_diag.c) read at
 *     latency-tracking-info-percentiles (cmd_latency_report.c);
 *   - commandstats, errorstats: every worker's counters of cmd_diag.h
 *     summed (cmd_info_commandstats(), cmd_info_errorstats()); commands in
 *     the table's order, each container before its subcommands (Redis
 *     walks a dict: its order changes from run to run), errors by name.
 * CONFIG RESETSTAT resets through a baseline kept in cmd_rtcfg: counters
 * stay single-writer, INFO prints counter - baseline (and cmd_diag.c keeps
 * its own baselines, cmd_diag_reset()).
 *
 * Context: a worker lcore; allocates a scratch buffer (not on the hot path).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cmd_diag.h"
#include "cmd_int.h"
#include "cmd_latency.h"
#include "store.h"

void cmd_env_init(struct cmd_env *env)
{
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(env->os, sizeof(env->os), "%s %s %s", u.sysname, u.release, u.machine);
	else
		snprintf(env->os, sizeof(env->os), "Linux");
}

static void add_line(struct rw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_line(struct rw_buf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) { /* a long path: format again, unclipped */
		if (rw_buf_reserve(b, (size_t)n + 3) != 0)
			return;
		va_start(ap, fmt);
		vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
		b->len += (size_t)n;
	} else {
		rw_buf_append(b, line, (size_t)n);
	}
	rw_buf_append(b, "\r\n", 2);
}

/* A stable id of this build, as redis_build_id is of Redis's. */
static uint64_t build_id(void)
{
	static const char s[] = "redwire-" RW_VERSION " " __VERSION__;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i + 1 < sizeof(s); i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
	return h;
}

/* genRedisInfoString("server"), field for field. */
static void info_server(const struct cmd_ctx *ctx, struct rw_buf *b,
			const struct cmd_info_totals *t)
{
	const struct cmd_env *env = ctx->env;
	uint64_t up_s =
	    ctx->now_ms > env->start_unix_ms ? (ctx->now_ms - env->start_unix_ms) / 1000 : 0;

	add_line(b, "# Server");
	add_line(b, "redis_version:7.0.15");
	add_line(b, "redis_git_sha1:00000000");
	add_line(b, "redis_git_dirty:0");
	add_line(b, "redis_build_id:%llx", (unsigned long long)build_id());
	add_line(b, "redis_mode:standalone");
	add_line(b, "os:%s", env->os);
	add_line(b, "arch_bits:%d", (int)(sizeof(long) * 8));
	add_line(b, "monotonic_clock:%s",
		 env->monotonic_clock ? env->monotonic_clock : "POSIX clock_gettime");
	add_line(b, "multiplexing_api:dpdk");
	add_line(b, "atomicvar_api:c11-builtin");
	add_line(b, "gcc_version:%d.%d.%d", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
	add_line(b, "process_id:%d", (int)env->pid);
	add_line(b, "process_supervised:no");
	add_line(b, "run_id:%s", env->run_id);
	add_line(b, "tcp_port:%lld", (long long)(env->cfg ? env->cfg->port : 0));
	add_line(b, "server_time_usec:%llu", (unsigned long long)ctx->now_us);
	add_line(b, "uptime_in_seconds:%llu", (unsigned long long)up_s);
	add_line(b, "uptime_in_days:%llu", (unsigned long long)(up_s / 86400));
	/* each worker's cron rate (worker.c): dynamic-hz scales it with the clients */
	add_line(b, "hz:%lld",
		 t->hz != 0 ? (long long)t->hz
			    : (long long)cmd_hz_in_force(env, t->connected_clients));
	add_line(b, "configured_hz:%lld", (long long)cmd_cfg_hz(env));
	/* LRU_CLOCK(): seconds, 24 bits. */
	add_line(b, "lru_clock:%llu",
		 (unsigned long long)((ctx->now_ms / 1000) & ((1u << 24) - 1)));
	add_line(b, "executable:%s", env->executable ? env->executable : "");
	add_line(b, "config_file:%s", env->config_file ? env->config_file : "");
	add_line(b, "io_threads_active:0");
	add_line(b, "redwire_version:%s", RW_VERSION);
}

/* server.c bytesToHuman() */
static void human(char *s, size_t cap, uint64_t n)
{
	if (n < 1024)
		snprintf(s, cap, "%lluB", (unsigned long long)n);
	else if (n < 1024ull * 1024)
		snprintf(s, cap, "%.2fK", (double)n / 1024);
	else if (n < 1024ull * 1024 * 1024)
		snprintf(s, cap, "%.2fM", (double)n / (1024 * 1024));
	else if (n < 1024ull * 1024 * 1024 * 1024)
		snprintf(s, cap, "%.2fG", (double)n / (1024.0 * 1024 * 1024));
	else if (n < 1024ull * 1024 * 1024 * 1024 * 1024)
		snprintf(s, cap, "%.2fT", (double)n / (1024.0 * 1024 * 1024 * 1024));
	else
		snprintf(s, cap, "%.2fP", (double)n / (1024.0 * 1024 * 1024 * 1024 * 1024));
}

static void info_clients(const struct cmd_ctx *ctx, struct rw_buf *b,
			 const struct cmd_info_totals *t)
{
	add_line(b, "# Clients");
	add_line(b, "connected_clients:%llu", (unsigned long long)t->connected_clients);
	add_line(b, "cluster_connections:0");
	add_line(b, "maxclients:%lld", (long long)cmd_cfg_maxclients(ctx->env));
	add_line(b, "client_recent_max_input_buffer:0");
	add_line(b, "client_recent_max_output_buffer:0");
	add_line(b, "blocked_clients:%llu", (unsigned long long)t->blocked_clients);
	add_line(b, "tracking_clients:0");
	add_line(b, "clients_in_timeout_table:0");
}

static uint64_t rss_bytes(void)
{
	unsigned long long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void info_memory(const struct cmd_ctx *ctx, struct rw_buf *b,
			const struct cmd_info_totals *t)
{
	char h1[32], h2[32], h3[32], h4[32], h5[32];
	uint64_t used = cmd_info_used(t), rss = rss_bytes();
	/* Redis's used_memory_overhead less what Redwire has no counterpart
	 * for: the clients and the key tables (getMemoryOverheadData()) */
	uint64_t overhead = t->mem_clients_normal;
	for (uint32_t j = 0; j < t->n_dbs; j++)
		overhead += t->dbs[j].main_bytes + t->dbs[j].expires_bytes;
	uint64_t dataset = used > overhead ? used - overhead : 0;
	uint64_t peak = ctx->env->mem != NULL
			    ? atomic_load_explicit(&ctx->env->mem->peak, memory_order_relaxed)
			    : 0;
	if (peak < used)
		peak = used;
	uint64_t sysmem = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t maxmem = (uint64_t)cmd_cfg_maxmemory(ctx->env);
	human(h1, sizeof(h1), used);
	human(h2, sizeof(h2), rss);
	human(h3, sizeof(h3), sysmem);
	human(h4, sizeof(h4), maxmem);
	human(h5, sizeof(h5), peak);
	add_line(b, "# Memory");
	add_line(b, "used_memory:%llu", (unsigned long long)used);
	add_line(b, "used_memory_human:%s", h1);
	add_line(b, "used_memory_rss:%llu", (unsigned long long)rss);
	add_line(b, "used_memory_rss_human:%s", h2);
	add_line(b, "used_memory_peak:%llu", (unsigned long long)peak);
	add_line(b, "used_memory_peak_human:%s", h5);
	add_line(b, "used_memory_peak_perc:%.2f%%",
		 peak ? 100.0 * (double)used / (double)peak : 0.0);
	add_line(b, "used_memory_overhead:%llu", (unsigned long long)overhead);
	add_line(b, "used_memory_startup:0");
	add_line(b, "used_memory_dataset:%llu", (unsigned long long)dataset);
	add_line(b, "used_memory_dataset_perc:%.2f%%",
		 used ? (float)dataset * 100 / (float)used : 0.0);
	add_line(b, "allocator_allocated:%llu", (unsigned long long)used);
	add_line(b, "allocator_active:%llu", (unsigned long long)used);
	add_line(b, "allocator_resident:%llu", (unsigned long long)rss);
	add_line(b, "total_system_memory:%llu", (unsigned long long)sysmem);
	add_line(b, "total_system_memory_human:%s", h3);
	add_line(b, "used_memory_lua:0");
	add_line(b, "used_memory_vm_eval:0");
	add_line(b, "used_memory_lua_human:0B");
	add_line(b, "used_memory_scripts_eval:0");
	add_line(b, "number_of_cached_scripts:0");
	add_line(b, "number_of_functions:0");
	add_line(b, "number_of_libraries:0");
	add_line(b, "used_memory_vm_functions:0");
	add_line(b, "used_memory_vm_total:0");
	add_line(b, "used_memory_vm_total_human:0B");
	add_line(b, "used_memory_functions:0");
	add_line(b, "used_memory_scripts:0");
	add_line(b, "used_memory_scripts_human:0B");
	add_line(b, "maxmemory:%llu", (unsigned long long)maxmem);
	add_line(b, "maxmemory_human:%s", h4);
	add_line(b, "maxmemory_policy:%s", cmd_cfg_maxmemory_policy_name(ctx->env));
	add_line(b, "allocator_frag_ratio:1.00");
	add_line(b, "allocator_frag_bytes:0");
	add_line(b, "allocator_rss_ratio:1.00");
	add_line(b, "allocator_rss_bytes:0");
	add_line(b, "rss_overhead_ratio:1.00");
	add_line(b, "rss_overhead_bytes:0");
	add_line(b, "mem_fragmentation_ratio:%.2f", used ? (double)rss / (double)used : 0.0);
	add_line(b, "mem_fragmentation_bytes:%lld", (long long)rss - (long long)used);
	/* 7.0 leaves replica output buffers and the AOF buffer out of the
	 * eviction trigger; the dataplane's heap holds neither (cmd.h) */
	add_line(b, "mem_not_counted_for_evict:0");
	add_line(b, "mem_replication_backlog:0");
	add_line(b, "mem_total_replication_buffers:0");
	add_line(b, "mem_clients_slaves:0");
	add_line(b, "mem_clients_normal:%llu", (unsigned long long)t->mem_clients_normal);
	add_line(b, "mem_cluster_links:0");
	add_line(b, "mem_aof_buffer:0");
	add_line(b, "mem_allocator:libc");
	add_line(b, "active_defrag_running:0");
	add_line(b, "lazyfree_pending_objects:0");
	add_line(b, "lazyfreed_objects:0");
	/* Redwire's own: allocator waste counted toward maxmemory now (dp_mem.h) */
	add_line(b, "redwire_rss_guard_waste:%llu",
		 (unsigned long long)(ctx->env->mem != NULL
					  ? atomic_load_explicit(&ctx->env->mem->waste,
								 memory_order_relaxed)
					  : 0));
}

/* Redwire's own, after Redis's stats: the RSS guard's work since start
 * (dataplane/core/dp_mem.h; CONFIG RESETSTAT leaves them). */
static void info_rss_guard(const struct cmd_ctx *ctx, struct rw_buf *b)
{
	struct cmd_mem_board *m = ctx->env != NULL ? ctx->env->mem : NULL;
#define GUARD(f)                                                                                   \
	(unsigned long long)(m != NULL ? atomic_load_explicit(&m->f, memory_order_relaxed) : 0)
	add_line(b, "redwire_rss_guard_purges:%llu", GUARD(guard_purges));
	add_line(b, "redwire_rss_guard_purged_bytes:%llu", GUARD(guard_purged_bytes));
	add_line(b, "redwire_rss_guard_engaged:%llu", GUARD(guard_engaged));
#undef GUARD
}

/* genRedisInfoString()'s loading_* block (7.0.15), with its ETA formula. */
static void info_loading(const struct cmd_ctx *ctx, struct rw_buf *b, struct cmd_loading *ld)
{
	uint64_t start_s = atomic_load_explicit(&ld->start_unix_ms, memory_order_relaxed) / 1000;
	uint64_t total = atomic_load_explicit(&ld->total_bytes, memory_order_relaxed);
	uint64_t loaded = atomic_load_explicit(&ld->loaded_bytes, memory_order_relaxed);
	double perc = 0;
	uint64_t remaining = 1, now_s = ctx->now_ms / 1000;
	if (total != 0) {
		perc = (double)loaded / (double)total * 100;
		remaining = total > loaded ? total - loaded : 0;
	}
	uint64_t elapsed = now_s > start_s ? now_s - start_s : 0;
	uint64_t eta = elapsed == 0 ? 1 : elapsed * remaining / (loaded + 1);
	add_line(b, "loading_start_time:%llu", (unsigned long long)start_s);
	add_line(b, "loading_total_bytes:%llu", (unsigned long long)total);
	add_line(b, "loading_rdb_used_mem:0");
	add_line(b, "loading_loaded_bytes:%llu", (unsigned long long)loaded);
	add_line(b, "loading_loaded_perc:%.2f", perc);
	add_line(b, "loading_eta_seconds:%llu", (unsigned long long)eta);
}

/* A counter CONFIG RESETSTAT resets: @p v less its baseline. */
static unsigned long long since_reset(const struct cmd_ctx *ctx, uint64_t v, enum cmd_stat i)
{
	uint64_t base[CMD_STAT_N];
	cmd_cfg_stat_base(ctx->env, base);
	return v >= base[i] ? (unsigned long long)(v - base[i]) : 0;
}

/* The aof_enabled block, as 7.0.15 prints it after module_fork_last_cow_size. */
static void info_aof(const struct cmd_ctx *ctx, struct rw_buf *b, struct cmd_persist *ps)
{
#define PS(f) (unsigned long long)(ps ? atomic_load_explicit(&ps->f, memory_order_relaxed) : 0)
	add_line(b, "aof_current_size:%llu", PS(current_size));
	add_line(b, "aof_base_size:%llu", PS(base_size));
	add_line(b, "aof_pending_rewrite:0");
	add_line(b, "aof_buffer_length:%llu", PS(buffer_length));
	add_line(b, "aof_pending_bio_fsync:%llu", PS(pending_bio_fsync));
	add_line(b, "aof_delayed_fsync:%llu",
		 since_reset(ctx, PS(delayed_fsync), CMD_STAT_AOF_DELAYED_FSYNC));
	/* Redwire's own: large journal records the AOF lacks (side file unreadable) */
	add_line(b, "redwire_journal_big_lost:%llu", PS(big_lost));
#undef PS
}

#define SNAP_LD(f) atomic_load_explicit(&sn->f, memory_order_relaxed)

/* The rdb_* fields of a snapshot (dataplane/core/dp_snap.c keeps them). */
static void info_rdb(const struct cmd_ctx *ctx, struct rw_buf *b, const struct cmd_info_totals *t)
{
	struct cmd_snap *sn = ctx->env != NULL ? ctx->env->snap : NULL;
	uint64_t saved = sn != NULL ? SNAP_LD(dirty_saved) : 0;
	uint64_t last =
	    sn != NULL ? SNAP_LD(lastsave_unix_s) : (ctx->env ? ctx->env->start_unix_ms / 1000 : 0);
	/* an AOF rewrite runs as a snapshot too, but is not a BGSAVE */
	bool running = sn != NULL && SNAP_LD(running) != 0 && SNAP_LD(running) != SNAP_LD(aofrw_id);
	int64_t cur = -1;
	if (running) {
		uint64_t st = SNAP_LD(start_unix_ms);
		cur = ctx->now_ms > st ? (int64_t)((ctx->now_ms - st) / 1000) : 0;
	}
	add_line(b, "rdb_changes_since_last_save:%llu",
		 (unsigned long long)(t->dirty > saved ? t->dirty - saved : 0));
	add_line(b, "rdb_bgsave_in_progress:%d", running ? 1 : 0);
	add_line(b, "rdb_last_save_time:%llu", (unsigned long long)last);
	add_line(b, "rdb_last_bgsave_status:%s",
		 sn != NULL && SNAP_LD(last_status) != 0 ? "err" : "ok");
	add_line(b, "rdb_last_bgsave_time_sec:%lld",
		 (long long)(sn != NULL ? SNAP_LD(last_time_sec) : -1));
	add_line(b, "rdb_current_bgsave_time_sec:%lld", (long long)cur);
	add_line(b, "rdb_saves:%llu",
		 since_reset(ctx, sn != NULL ? SNAP_LD(saves) : 0, CMD_STAT_RDB_SAVES));
}

/* The aof_rewrite* fields: a rewrite runs as a snapshot (dp_snap.c). */
static void info_aofrw(const struct cmd_ctx *ctx, struct rw_buf *b)
{
	struct cmd_snap *sn = ctx->env != NULL ? ctx->env->snap : NULL;
	bool running = sn != NULL && SNAP_LD(aofrw_id) != 0;
	int64_t cur = -1;
	if (running) {
		uint64_t st = SNAP_LD(aofrw_start_unix_ms);
		cur = ctx->now_ms > st ? (int64_t)((ctx->now_ms - st) / 1000) : 0;
	}
	bool done = sn != NULL && SNAP_LD(aofrw_done) != 0;
	add_line(b, "aof_rewrite_in_progress:%d", running ? 1 : 0);
	add_line(b, "aof_rewrite_scheduled:%d", sn != NULL && SNAP_LD(aofrw_scheduled) ? 1 : 0);
	add_line(b, "aof_last_rewrite_time_sec:%lld",
		 (long long)(done ? SNAP_LD(aofrw_last_time_sec) : -1));
	add_line(b, "aof_current_rewrite_time_sec:%lld", (long long)cur);
	add_line(b, "aof_last_bgrewrite_status:%s",
		 done && SNAP_LD(aofrw_last_status) != 0 ? "err" : "ok");
	add_line(b, "aof_rewrites:%llu",
		 since_reset(ctx, sn != NULL ? SNAP_LD(aofrw_ok) : 0, CMD_STAT_AOF_REWRITES));
	add_line(b, "aof_rewrites_consecutive_failures:%llu",
		 (unsigned long long)(sn != NULL ? SNAP_LD(aofrw_fail_run) : 0));
}

static void info_persistence(const struct cmd_ctx *ctx, struct rw_buf *b,
			     const struct cmd_info_totals *t)
{
	struct cmd_loading *ld = ctx->env != NULL ? ctx->env->loading : NULL;
	bool loading = ld != NULL && atomic_load_explicit(&ld->workers_left, memory_order_relaxed);
	add_line(b, "# Persistence");
	add_line(b, "loading:%d", loading ? 1 : 0);
	add_line(b, "async_loading:0");
	add_line(b, "current_cow_peak:0");
	add_line(b, "current_cow_size:0");
	add_line(b, "current_cow_size_age:0");
	add_line(b, "current_fork_perc:0.00");
	add_line(b, "current_save_keys_processed:0");
	add_line(b, "current_save_keys_total:0");
	info_rdb(ctx, b, t);
	add_line(b, "rdb_last_cow_size:0");
	add_line(b, "rdb_last_load_keys_expired:0");
	add_line(b, "rdb_last_load_keys_loaded:0");
	/* Redis: aof_state != AOF_OFF (so 1 while the first rewrite runs) */
	struct cmd_snap *snp = ctx->env != NULL ? ctx->env->snap : NULL;
	add_line(b, "aof_enabled:%d",
		 snp != NULL ? atomic_load_explicit(&snp->aof_state, memory_order_relaxed) != 0
			     : ctx->env && ctx->env->cfg && ctx->env->cfg->appendonly);
	info_aofrw(ctx, b);
	struct cmd_persist *ps = ctx->env != NULL ? ctx->env->persist : NULL;
	bool write_ok = ps == NULL || !atomic_load_explicit(&ps->reported, memory_order_relaxed) ||
			atomic_load_explicit(&ps->write_ok, memory_order_relaxed);
	add_line(b, "aof_last_write_status:%s", write_ok ? "ok" : "err");
	add_line(b, "aof_last_cow_size:0");
	add_line(b, "module_fork_in_progress:0");
	add_line(b, "module_fork_last_cow_size:0");
	if (cmd_cfg_appendonly(ctx->env)) /* Redis: server.aof_enabled, the directive */
		info_aof(ctx, b, ps);
	if (loading)
		info_loading(ctx, b, ld);
}

static void info_stats(const struct cmd_ctx *ctx, struct rw_buf *b, const struct cmd_info_totals *t)
{
	uint64_t base[CMD_STAT_N];
	cmd_cfg_stat_base(ctx->env, base);
#define SINCE(v, i) (unsigned long long)((v) >= base[i] ? (v)-base[i] : 0)
	add_line(b, "# Stats");
	add_line(b, "total_connections_received:%llu",
		 SINCE(t->total_connections_received, CMD_STAT_CONNECTIONS));
	add_line(b, "total_commands_processed:%llu",
		 SINCE(t->total_commands_processed, CMD_STAT_COMMANDS));
	add_line(b, "instantaneous_ops_per_sec:0");
	add_line(b, "total_net_input_bytes:%llu", SINCE(t->total_net_input_bytes, CMD_STAT_NET_IN));
	add_line(b, "total_net_output_bytes:%llu",
		 SINCE(t->total_net_output_bytes, CMD_STAT_NET_OUT));
	add_line(b, "total_net_repl_input_bytes:0");
	add_line(b, "total_net_repl_output_bytes:0");
	add_line(b, "instantaneous_input_kbps:0.00");
	add_line(b, "instantaneous_output_kbps:0.00");
	add_line(b, "instantaneous_input_repl_kbps:0.00");
	add_line(b, "instantaneous_output_repl_kbps:0.00");
	add_line(b, "rejected_connections:%llu", SINCE(t->rejected_connections, CMD_STAT_REJECTED));
	add_line(b, "sync_full:0");
	add_line(b, "sync_partial_ok:0");
	add_line(b, "sync_partial_err:0");
	add_line(b, "expired_keys:%llu", SINCE(t->expired_keys, CMD_STAT_EXPIRED));
	add_line(b, "expired_stale_perc:0.00");
	add_line(b, "expired_time_cap_reached_count:0");
	add_line(b, "expire_cycle_cpu_milliseconds:0");
	add_line(b, "evicted_keys:%llu", SINCE(t->evicted_keys, CMD_STAT_EVICTED));
	add_line(b, "evicted_clients:%llu", SINCE(t->evicted_clients, CMD_STAT_EVICTED_CLIENTS));
	add_line(b, "total_eviction_exceeded_time:0");
	add_line(b, "current_eviction_exceeded_time:0");
	add_line(b, "keyspace_hits:%llu", SINCE(t->keyspace_hits, CMD_STAT_HITS));
	add_line(b, "keyspace_misses:%llu", SINCE(t->keyspace_misses, CMD_STAT_MISSES));
	add_line(b, "pubsub_channels:%llu", (unsigned long long)t->pubsub_channels);
	add_line(b, "pubsub_patterns:%llu", (unsigned long long)t->pubsub_patterns);
	add_line(b, "pubsubshard_channels:%llu", (unsigned long long)t->pubsubshard_channels);
	add_line(b, "latest_fork_usec:0");
	add_line(b, "total_forks:0");
	add_line(b, "migrate_cached_sockets:0");
	add_line(b, "slave_expires_tracked_keys:0");
	add_line(b, "active_defrag_hits:0");
	add_line(b, "active_defrag_misses:0");
	add_line(b, "active_defrag_key_hits:0");
	add_line(b, "active_defrag_key_misses:0");
	add_line(b, "total_active_defrag_time:0");
	add_line(b, "current_active_defrag_time:0");
	add_line(b, "tracking_total_keys:0");
	add_line(b, "tracking_total_items:0");
	add_line(b, "tracking_total_prefixes:0");
	add_line(b, "unexpected_error_replies:0");
	add_line(b, "total_error_replies:%llu", SINCE(t->total_error_replies, CMD_STAT_ERRORS));
	add_line(b, "dump_payload_sanitizations:0");
	add_line(b, "total_reads_processed:0");
	add_line(b, "total_writes_processed:0");
	add_line(b, "io_threaded_reads_processed:0");
	add_line(b, "io_threaded_writes_processed:0");
	add_line(b, "reply_buffer_shrinks:0");
	add_line(b, "reply_buffer_expands:0");
	info_rss_guard(ctx, b);
#undef SINCE
}

static void info_replication(const struct cmd_ctx *ctx, struct rw_buf *b)
{
	add_line(b, "# Replication");
	add_line(b, "role:master");
	add_line(b, "connected_slaves:0");
	add_line(b, "master_failover_state:no-failover");
	add_line(b, "master_replid:%s", ctx->env ? ctx->env->run_id : "");
	add_line(b, "master_replid2:0000000000000000000000000000000000000000");
	add_line(b, "master_repl_offset:0");
	add_line(b, "second_repl_offset:-1");
	add_line(b, "repl_backlog_active:0");
	add_line(b, "repl_backlog_size:1048576");
	add_line(b, "repl_backlog_first_byte_offset:0");
	add_line(b, "repl_backlog_histlen:0");
}

static void add_tv(struct rw_buf *b, const char *name, struct timeval tv)
{
	add_line(b, "%s:%ld.%06ld", name, (long)tv.tv_sec, (long)tv.tv_usec);
}

static void info_cpu(struct rw_buf *b)
{
	struct rusage self = {0}, ch = {0}, th = {0};
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &ch);
	getrusage(RUSAGE_THREAD, &th);
	add_line(b, "# CPU");
	add_tv(b, "used_cpu_sys", self.ru_stime);
	add_tv(b, "used_cpu_user", self.ru_utime);
	add_tv(b, "used_cpu_sys_children", ch.ru_stime);
	add_tv(b, "used_cpu_user_children", ch.ru_utime);
	add_tv(b, "used_cpu_sys_main_thread", th.ru_stime);
	add_tv(b, "used_cpu_user_main_thread", th.ru_utime);
}

static void info_keyspace(struct rw_buf *b, const struct cmd_info_totals *t)
{
	add_line(b, "# Keyspace");
	for (uint32_t j = 0; j < t->n_dbs; j++)
		if (t->dbs[j].keys != 0)
			add_line(b, "db%u:keys=%llu,expires=%llu,avg_ttl=%llu", j,
				 (unsigned long long)t->dbs[j].keys,
				 (unsigned long long)t->dbs[j].expires,
				 (unsigned long long)t->dbs[j].avg_ttl_ms);
}

/* The totals: from every worker, or this shard alone. @p dbs has room for
 * n_dbs entries. */
static void gather(const struct cmd_ctx *ctx, struct cmd_info_totals *t)
{
	uint32_t n_dbs = t->n_dbs;
	struct cmd_info_db *dbs = t->dbs;
	memset(t, 0, sizeof(*t));
	memset(dbs, 0, sizeof(*dbs) * n_dbs);
	t->n_dbs = n_dbs;
	t->dbs = dbs;
	t->total_error_replies = cmd_diag_errors_total(cmd_diag_of(ctx->env));
	if (ctx->env != NULL && ctx->env->info_gather != NULL) {
		ctx->env->info_gather(ctx->env->info_arg, t);
		t->total_error_replies = cmd_diag_errors_total(cmd_diag_of(ctx->env));
		return;
	}
	t->connected_clients = 1;
	if (ctx->shard == NULL)
		return;
	const struct store_stats *st = store_shard_stats(ctx->shard);
	t->expired_keys = st->expired_keys;
	t->evicted_keys = st->evicted_keys;
	t->keyspace_hits = st->keyspace_hits;
	t->keyspace_misses = st->keyspace_misses;
	t->used_memory = st->used_bytes;
	t->dirty = st->dirty;
	uint32_t n = store_shard_databases(ctx->shard);
	for (uint32_t j = 0; j < n && j < n_dbs; j++) {
		dbs[j].keys = store_db_size(ctx->shard, j);
		dbs[j].expires = store_db_expires(ctx->shard, j);
		store_db_index_bytes(ctx->shard, j, &dbs[j].main_bytes, &dbs[j].expires_bytes);
	}
}

static uint32_t n_databases(const struct cmd_ctx *ctx)
{
	if (ctx->env != NULL && ctx->env->cfg != NULL && ctx->env->cfg->databases > 0)
		return (uint32_t)ctx->env->cfg->databases;
	return ctx->shard != NULL ? store_shard_databases(ctx->shard) : 16;
}

int cmd_info_totals_get(struct cmd_ctx *ctx, struct cmd_info_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->n_dbs = n_databases(ctx);
	t->dbs = calloc(t->n_dbs, sizeof(*t->dbs));
	if (t->dbs == NULL)
		return -ENOMEM;
	gather(ctx, t);
	return 0;
}

void cmd_info_stat_counters(struct cmd_ctx *ctx, uint64_t out[CMD_STAT_N])
{
	struct cmd_info_totals t = {.n_dbs = n_databases(ctx)};
	t.dbs = calloc(t.n_dbs, sizeof(*t.dbs));
	if (t.dbs == NULL)
		t.n_dbs = 0;
	gather(ctx, &t);
	out[CMD_STAT_CONNECTIONS] = t.total_connections_received;
	out[CMD_STAT_REJECTED] = t.rejected_connections;
	out[CMD_STAT_COMMANDS] = t.total_commands_processed;
	out[CMD_STAT_NET_IN] = t.total_net_input_bytes;
	out[CMD_STAT_NET_OUT] = t.total_net_output_bytes;
	out[CMD_STAT_EXPIRED] = t.expired_keys;
	out[CMD_STAT_HITS] = t.keyspace_hits;
	out[CMD_STAT_MISSES] = t.keyspace_misses;
	out[CMD_STAT_ERRORS] = t.total_error_replies;
	out[CMD_STAT_EVICTED] = t.evicted_keys;
	out[CMD_STAT_EVICTED_CLIENTS] = t.evicted_clients;
	struct cmd_snap *sn = ctx->env != NULL ? ctx->env->snap : NULL;
	struct cmd_persist *ps = ctx->env != NULL ? ctx->env->persist : NULL;
	out[CMD_STAT_RDB_SAVES] = sn != NULL ? SNAP_LD(saves) : 0;
	out[CMD_STAT_AOF_REWRITES] = sn != NULL ? SNAP_LD(aofrw_ok) : 0;
	out[CMD_STAT_AOF_DELAYED_FSYNC] =
	    ps != NULL ? atomic_load_explicit(&ps->delayed_fsync, memory_order_relaxed) : 0;
	free(t.dbs);
}

/* genRedisInfoStringCommandStats(): a command that ran, was rejected or
 * failed since the last CONFIG RESETSTAT, then its subcommands. */
static void commandstats_one(struct rw_buf *b, struct cmd_diag *dg, const struct cmd_def *d)
{
	struct cmd_stat_sum st;
	if (cmd_stat_sum(dg, d, &st))
		cmd_info_cmdstat_line(b, cmd_fullname(d), &st);
	for (uint32_t i = 0; i < d->n_subcmds; i++)
		commandstats_one(b, dg, &d->subcmds[i]);
}

void cmd_info_cmdstat_line(struct rw_buf *b, const char *name, const struct cmd_stat_sum *st)
{
	/* Redis divides as float: (float)c->microseconds/c->calls */
	float per = st->calls == 0 ? 0 : (float)st->usec / (float)st->calls;
	add_line(b,
		 "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
		 "failed_calls=%llu",
		 name, (unsigned long long)st->calls, (unsigned long long)st->usec, (double)per,
		 (unsigned long long)st->rejected, (unsigned long long)st->failed);
}

void cmd_info_commandstats(const struct cmd_ctx *ctx, struct rw_buf *b)
{
	struct cmd_diag *dg = cmd_diag_of(ctx->env);
	size_t nt;
	const struct cmd_def *t = cmd_table(&nt);
	for (size_t i = 0; dg != NULL && i < nt; i++)
		commandstats_one(b, dg, &t[i]);
}

void cmd_info_errorstats(const struct cmd_ctx *ctx, struct rw_buf *b)
{
	struct cmd_err_sum e[CMD_ERR_NAMES * 2];
	size_t n = cmd_err_sums(cmd_diag_of(ctx->env), false, e, sizeof(e) / sizeof(e[0]));
	for (size_t i = 0; i < n; i++)
		add_line(b, "errorstat_%s:count=%llu", e[i].name, (unsigned long long)e[i].count);
}

/* Sections in 7.0.15's order; "default" selects those with def, "all"
 * adds the others, "everything" is "all" (Redwire has no modules). */
enum sect {
	S_SERVER,
	S_CLIENTS,
	S_MEMORY,
	S_PERSISTENCE,
	S_STATS,
	S_REPLICATION,
	S_CPU,
	S_MODULES,
	S_COMMANDSTATS,
	S_ERRORSTATS,
	S_LATENCYSTATS,
	S_CLUSTER,
	S_KEYSPACE,
	S_N,
};

static const struct {
	const char *name;
	bool def;
} sects[S_N] = {
    {"server", true},	     {"clients", true},	    {"memory", true},	     {"persistence", true},
    {"stats", true},	     {"replication", true}, {"cpu", true},	     {"modules", true},
    {"commandstats", false}, {"errorstats", true},  {"latencystats", false}, {"cluster", true},
    {"keyspace", true},
};

static void info_select(const struct cmd_ctx *ctx, bool want[S_N])
{
	memset(want, 0, sizeof(bool) * S_N);
	if (ctx->argc == 1) {
		for (int i = 0; i < S_N; i++)
			want[i] = sects[i].def;
		return;
	}
	for (uint32_t j = 1; j < ctx->argc; j++) {
		const struct resp_arg *a = &ctx->argv[j];
		bool all = cmd_arg_is(a, "all") || cmd_arg_is(a, "everything");
		for (int i = 0; i < S_N; i++)
			if (all || (cmd_arg_is(a, "default") && sects[i].def) ||
			    cmd_arg_is(a, sects[i].name))
				want[i] = true;
	}
}

void cmd_info(struct cmd_ctx *ctx)
{
	bool want[S_N];
	struct rw_buf b = {0};
	struct cmd_info_totals t = {.n_dbs = n_databases(ctx)};
	info_select(ctx, want);
	t.dbs = calloc(t.n_dbs, sizeof(*t.dbs));
	if (t.dbs == NULL)
		t.n_dbs = 0;
	gather(ctx, &t);
	int n = 0;
	for (int i = 0; i < S_N; i++) {
		if (!want[i])
			continue;
		if (n++)
			rw_buf_append(&b, "\r\n", 2);
		switch ((enum sect)i) {
		case S_SERVER:
			info_server(ctx, &b, &t);
			break;
		case S_CLIENTS:
			info_clients(ctx, &b, &t);
			break;
		case S_MEMORY:
			info_memory(ctx, &b, &t);
			break;
		case S_PERSISTENCE:
			info_persistence(ctx, &b, &t);
			break;
		case S_STATS:
			info_stats(ctx, &b, &t);
			break;
		case S_REPLICATION:
			info_replication(ctx, &b);
			break;
		case S_CPU:
			info_cpu(&b);
			break;
		case S_KEYSPACE:
			info_keyspace(&b, &t);
			break;
		case S_LATENCYSTATS:
			add_line(&b, "# Latencystats");
			cmd_latency_info(ctx, &b);
			break;
		case S_COMMANDSTATS:
			add_line(&b, "# Commandstats");
			cmd_info_commandstats(ctx, &b);
			break;
		case S_ERRORSTATS:
			add_line(&b, "# Errorstats");
			cmd_info_errorstats(ctx, &b);
			break;
		case S_CLUSTER:
			add_line(&b, "# Cluster");
			add_line(&b, "cluster_enabled:0");
			break;
		default: /* modules: no entries */
			add_line(&b, "# %c%s", sects[i].name[0] - 32, sects[i].name + 1);
			break;
		}
	}
	free(t.dbs);
	resp_w_verbatim(ctx->out, b.data ? (const char *)b.data : "", b.len, cmd_proto(ctx));
	rw_buf_fini(&b);
}
