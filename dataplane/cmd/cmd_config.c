/*
 * CONFIG GET/SET/RESETSTAT/REWRITE/HELP and the run-time configuration.
 *
 * RUN-TIME VALUES
 *
 * struct rw_config is immutable after boot and shared by every worker.
 * The directives Redis lets CONFIG SET change, and that Redwire acts on,
 * live in one struct cmd_rtcfg per process (cmd_env.rt), created from the
 * boot config:
 *
 *   numbers  (maxmemory maxclients timeout tcp-keepalive proto-max-bulk-len
 *             client-query-buffer-limit hz ..., loglevel as its index, and
 *             bind's verdict on redwire-address, which the TCP stack reads
 *             on each SYN): one _Atomic uint64_t each, read with relaxed
 *             loads by any worker;
 *   strings  (requirepass, save, bind, latency-tracking-info-percentiles):
 *             byte arrays of relaxed atomics under a sequence lock; readers
 *             copy and retry while `seq` is odd or moved (never block, never
 *             see a torn value);
 *   baseline the INFO counters at the last CONFIG RESETSTAT, same seqlock.
 *
 * Writers are CONFIG SET and RESETSTAT, on whichever worker the client
 * lives: they take `wlock` (a spin flag; the commands are rare and short),
 * make the seq odd, store every value of the command, make it even, and
 * bump `gen` so workers that cache a value (the RESP parser's limits) know
 * to re-read. All pairs of one CONFIG SET become visible together to any
 * reader that uses the seqlock, as Redis applies them all or none.
 *
 * CONFIG SET follows config.c configSetCommand() of 7.0.15: every name is
 * checked (unknown, immutable, protected, duplicate: the first error wins,
 * the argument as typed), then every value is parsed (the error names the
 * directive), and only then is anything stored. Then the control plane is
 * told each directive changed, old and new value (env->config_note).
 *
 * Context: a worker lcore; never blocks (the write lock spins only against
 * another CONFIG SET).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd_acl_int.h"
#include "cmd_diag.h"
#include "cmd_int.h"
#include "store_hash.h"

#define RT_STR_MAX 256

enum rt_int {
	RT_MAXMEMORY,
	RT_MAXCLIENTS,
	RT_TIMEOUT,
	RT_TCP_KEEPALIVE,
	RT_PROTO_MAX_BULK_LEN,
	RT_CLIENT_QUERY_BUFFER_LIMIT,
	RT_LOGLEVEL,
	RT_MAXMEMORY_POLICY, /* enum store_evict_policy */
	RT_MAXMEMORY_SAMPLES,
	RT_EVICTION_TENACITY,
	RT_LFU_LOG_FACTOR,
	RT_LFU_DECAY_TIME,
	RT_LIST_MAX_LISTPACK_SIZE,
	RT_LIST_COMPRESS_DEPTH,
	RT_ZSET_MAX_LISTPACK_ENTRIES,
	RT_ZSET_MAX_LISTPACK_VALUE,
	RT_HASH_MAX_LP_ENTRIES,
	RT_HASH_MAX_LP_VALUE,
	RT_SET_MAX_INTSET_ENTRIES,
	RT_NOTIFY_FLAGS, /* notify-keyspace-events, CMD_NOTIFY_* bits */
	RT_COBL,	 /* client-output-buffer-limit: 3 classes x (hard, soft, seconds) */
	RT_COBL_END = RT_COBL + 8,
	RT_SLOWLOG_SLOWER,
	RT_SLOWLOG_MAX_LEN,
	RT_LATENCY_THRESHOLD,
	RT_STOP_WRITES_BGSAVE, /* stop-writes-on-bgsave-error: 0 or 1 */
	RT_RDBCOMPRESSION,     /* 0 or 1 */
	RT_AUTO_AOFRW_PCT,     /* auto-aof-rewrite-percentage */
	RT_AUTO_AOFRW_MIN,     /* auto-aof-rewrite-min-size */
	/* the control plane's (CHAN_MSG_CONFIG_NOTE tells it) */
	RT_APPENDFSYNC, /* index in fsyncs[] */
	RT_AOF_RDB_PREAMBLE,
	RT_AOF_LOAD_TRUNCATED,
	RT_APPENDONLY,	      /* dataplane/core/dp_snap.c turns the AOF on and off */
	RT_MAXMEMORY_CLIENTS, /* bytes, or -percent of maxmemory (Redis's encoding) */
	RT_HZ,		      /* 1..500: each worker's cron runs a second */
	RT_DYNAMIC_HZ,	      /* 0 or 1: hz scales with the clients (cmd_hz_in_force) */
	RT_BIND_OWN,	      /* 1: bind covers redwire-address (SYNs to it are accepted) */
	RT_N_INT,
};

/* strings; bind and the percentiles as CONFIG GET shows them */
enum rt_str { RT_REQUIREPASS, RT_SAVE, RT_BIND, RT_PERCENTILES, RT_N_STR };

struct rt_str_val {
	_Atomic uint32_t len;
	_Atomic unsigned char b[RT_STR_MAX];
};

struct cmd_rtcfg {
	_Atomic uint64_t ival[RT_N_INT];
	_Atomic uint64_t seq;
	_Atomic uint64_t gen;
	_Atomic bool requirepass_set;
	atomic_flag wlock;
	struct rt_str_val sval[RT_N_STR];
	_Atomic uint64_t base[CMD_STAT_N]; /* counters at the last RESETSTAT */
	struct cmd_diag *diag;		   /* SLOWLOG and LATENCY data (cmd_diag.c) */
	struct cmd_acl *acl;		   /* the ACL users (cmd_acl.c) */
};

static const char *const loglevels[] = {"debug", "verbose", "notice", "warning"};
/* config.c maxmemory_policy_enum order = enum store_evict_policy */
static const char *const policies[] = {"volatile-lru",	 "volatile-lfu", "volatile-random",
				       "volatile-ttl",	 "allkeys-lru",	 "allkeys-lfu",
				       "allkeys-random", "noeviction"};
_Static_assert(sizeof(policies) / sizeof(policies[0]) == STORE_EVICT_N_POLICIES,
	       "one name per policy");

/* ---- the mutable set ---- */

enum rt_kind {
	K_MEMORY,
	K_MEMPCT,
	K_INT,
	K_UINT,
	K_ENUM,
	K_BOOL,
	K_SAVE,
	K_STRING,
	K_NOTIFY,
	K_COBL,
	K_HZ,	  /* an integer Redis clamps to 1..500 (updateHZ()) */
	K_BIND,	  /* addresses, checked against redwire-address (config_values.c) */
	K_PERCENT /* latency-tracking-info-percentiles */
};

struct rt_def {
	const char *name;
	enum rt_kind kind;
	int slot; /* enum rt_int or enum rt_str */
	int64_t min, max;
	const char *const *names; /* K_ENUM: the values, index stored */
	const char *enum_err;	  /* K_ENUM: Redis's error for another value */
	bool cp;		  /* the control plane acts on it (it is told of every change) */
};

/* config.c aof_fsync_enum order */
static const char *const fsyncs[] = {"everysec", "always", "no"};

static const struct rt_def rt_defs[] = {
    {"maxmemory", K_MEMORY, RT_MAXMEMORY, 0, -1 /* ULLONG_MAX */},
    {"maxclients", K_UINT, RT_MAXCLIENTS, 1, UINT32_MAX},
    {"timeout", K_INT, RT_TIMEOUT, 0, INT32_MAX},
    {"tcp-keepalive", K_INT, RT_TCP_KEEPALIVE, 0, INT32_MAX},
    {"proto-max-bulk-len", K_MEMORY, RT_PROTO_MAX_BULK_LEN, 1024 * 1024, INT64_MAX},
    {"client-query-buffer-limit", K_MEMORY, RT_CLIENT_QUERY_BUFFER_LIMIT, 1024 * 1024, INT64_MAX},
    {"loglevel", K_ENUM, RT_LOGLEVEL, 0, 3, loglevels,
     "argument(s) must be one of the following: debug, verbose, notice, warning"},
    {"maxmemory-policy", K_ENUM, RT_MAXMEMORY_POLICY, 0, STORE_EVICT_N_POLICIES - 1, policies,
     "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
     "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
    {"maxmemory-samples", K_INT, RT_MAXMEMORY_SAMPLES, 1, INT32_MAX},
    {"maxmemory-eviction-tenacity", K_INT, RT_EVICTION_TENACITY, 0, 100},
    {"lfu-log-factor", K_INT, RT_LFU_LOG_FACTOR, 0, INT32_MAX},
    {"lfu-decay-time", K_INT, RT_LFU_DECAY_TIME, 0, INT32_MAX},
    {"list-max-listpack-size", K_INT, RT_LIST_MAX_LISTPACK_SIZE, INT32_MIN, INT32_MAX},
    {"list-compress-depth", K_INT, RT_LIST_COMPRESS_DEPTH, 0, INT32_MAX},
    {"zset-max-listpack-entries", K_INT, RT_ZSET_MAX_LISTPACK_ENTRIES, 0, INT64_MAX},
    {"zset-max-listpack-value", K_MEMORY, RT_ZSET_MAX_LISTPACK_VALUE, 0, INT64_MAX},
    /* collection encodings; the ziplist names are 7.0's aliases of the same value */
    {"hash-max-listpack-entries", K_INT, RT_HASH_MAX_LP_ENTRIES, 0, INT64_MAX},
    {"hash-max-ziplist-entries", K_INT, RT_HASH_MAX_LP_ENTRIES, 0, INT64_MAX},
    {"hash-max-listpack-value", K_MEMORY, RT_HASH_MAX_LP_VALUE, 0, INT64_MAX},
    {"hash-max-ziplist-value", K_MEMORY, RT_HASH_MAX_LP_VALUE, 0, INT64_MAX},
    {"set-max-intset-entries", K_INT, RT_SET_MAX_INTSET_ENTRIES, 0, INT64_MAX},
    {"requirepass", K_STRING, RT_REQUIREPASS, 0, 0},
    {"notify-keyspace-events", K_NOTIFY, RT_NOTIFY_FLAGS, 0, 0},
    {"client-output-buffer-limit", K_COBL, RT_COBL, 0, 0},
    {"save", K_SAVE, RT_SAVE, 0, 0},
    {"slowlog-log-slower-than", K_INT, RT_SLOWLOG_SLOWER, -1, INT64_MAX},
    {"slowlog-max-len", K_INT, RT_SLOWLOG_MAX_LEN, 0, INT64_MAX},
    {"latency-monitor-threshold", K_INT, RT_LATENCY_THRESHOLD, 0, INT64_MAX},
    {"stop-writes-on-bgsave-error", K_BOOL, RT_STOP_WRITES_BGSAVE, 0, 1},
    {"rdbcompression", K_BOOL, RT_RDBCOMPRESSION, 0, 1},
    {"auto-aof-rewrite-percentage", K_INT, RT_AUTO_AOFRW_PCT, 0, INT32_MAX},
    {"auto-aof-rewrite-min-size", K_MEMORY, RT_AUTO_AOFRW_MIN, 0, INT64_MAX},
    {"appendfsync", K_ENUM, RT_APPENDFSYNC, 0, 2, fsyncs,
     "argument(s) must be one of the following: everysec, always, no", true},
    {"aof-use-rdb-preamble", K_BOOL, RT_AOF_RDB_PREAMBLE, 0, 1, NULL, NULL, true},
    {"aof-load-truncated", K_BOOL, RT_AOF_LOAD_TRUNCATED, 0, 1, NULL, NULL, true},
    {"appendonly", K_BOOL, RT_APPENDONLY, 0, 1, NULL, NULL, true},
    {"maxmemory-clients", K_MEMPCT, RT_MAXMEMORY_CLIENTS, 0, 100},
    {"hz", K_HZ, RT_HZ, 0, INT32_MAX},
    {"dynamic-hz", K_BOOL, RT_DYNAMIC_HZ, 0, 1},
    {"bind", K_BIND, RT_BIND, 0, 0},
    {"latency-tracking-info-percentiles", K_PERCENT, RT_PERCENTILES, 0, 0},
};
#define N_RT (sizeof(rt_defs) / sizeof(rt_defs[0]))

/* Directives of the config table CONFIG SET refuses. Redis's protected
 * configs (enable-protected-configs no) are dir and dbfilename; port and
 * port is mutable in Redis but needs the TCP stack to act, so Redwire treats
 * it as immutable for now. */
static const char *const rt_protected[] = {"dir", "dbfilename"};

/* Redis 7.0's aliases (the pre-listpack names): CONFIG GET lists both
 * names, CONFIG SET takes either and names the one given in errors. */
static const struct {
	const char *alias, *name;
} rt_aliases[] = {
    {"list-max-ziplist-size", "list-max-listpack-size"},
    {"zset-max-ziplist-entries", "zset-max-listpack-entries"},
    {"zset-max-ziplist-value", "zset-max-listpack-value"},
};
#define N_ALIAS (sizeof(rt_aliases) / sizeof(rt_aliases[0]))

static const struct rt_def *rt_def_find_name(const char *name, size_t len)
{
	for (size_t i = 0; i < N_RT; i++)
		if (strlen(rt_defs[i].name) == len && strncasecmp(rt_defs[i].name, name, len) == 0)
			return &rt_defs[i];
	return NULL;
}

/* The directive @p name (or its alias) names; *@p canon (may be NULL) gets
 * the name as Redis spells it, alias or not. */
static const struct rt_def *rt_def_find_canon(const char *name, size_t len, const char **canon)
{
	const struct rt_def *d = rt_def_find_name(name, len);
	if (canon != NULL)
		*canon = d != NULL ? d->name : NULL;
	for (size_t i = 0; i < N_ALIAS && d == NULL; i++)
		if (strlen(rt_aliases[i].alias) == len &&
		    strncasecmp(rt_aliases[i].alias, name, len) == 0) {
			d = rt_def_find_name(rt_aliases[i].name, strlen(rt_aliases[i].name));
			if (canon != NULL)
				*canon = rt_aliases[i].alias;
		}
	return d;
}

static const struct rt_def *rt_def_find(const char *name, size_t len)
{
	return rt_def_find_canon(name, len, NULL);
}

/* ---- seqlock ---- */

static void rt_write_begin(struct cmd_rtcfg *rt)
{
	while (atomic_flag_test_and_set_explicit(&rt->wlock, memory_order_acquire))
		;
	atomic_fetch_add_explicit(&rt->seq, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

static void rt_write_end(struct cmd_rtcfg *rt)
{
	atomic_fetch_add_explicit(&rt->seq, 1, memory_order_release);
	atomic_fetch_add_explicit(&rt->gen, 1, memory_order_relaxed);
	atomic_flag_clear_explicit(&rt->wlock, memory_order_release);
}

static void rt_str_store(struct rt_str_val *v, const char *s, size_t n)
{
	if (n > RT_STR_MAX)
		n = RT_STR_MAX;
	for (size_t i = 0; i < n; i++)
		atomic_store_explicit(&v->b[i], (unsigned char)s[i], memory_order_relaxed);
	atomic_store_explicit(&v->len, (uint32_t)n, memory_order_relaxed);
}

/* Copy a string out under the seqlock. @return its length. */
static size_t rt_str_load(const struct cmd_rtcfg *rt, enum rt_str which, char *buf, size_t cap)
{
	struct cmd_rtcfg *m = (struct cmd_rtcfg *)rt; /* atomics: loads only */
	for (;;) {
		uint64_t s0 = atomic_load_explicit(&m->seq, memory_order_acquire);
		if (s0 & 1)
			continue;
		size_t n = atomic_load_explicit(&m->sval[which].len, memory_order_relaxed);
		if (n >= cap)
			n = cap - 1;
		for (size_t i = 0; i < n; i++)
			buf[i] =
			    (char)atomic_load_explicit(&m->sval[which].b[i], memory_order_relaxed);
		buf[n] = '\0';
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&m->seq, memory_order_relaxed) == s0)
			return n;
	}
}

/* The directives the loader validated already (platform/config): parsed
 * again into the run-time forms; a value that fails here (a config built
 * by hand, unit tests) keeps Redis's default. */
static void rt_boot_extras(struct cmd_rtcfg *rt, const struct rw_config *cfg)
{
	const char *why;
	int64_t mp = 0;
	if (cfg->maxmemory_clients != NULL &&
	    rw_config_mempct_parse(cfg->maxmemory_clients, &mp, &why) != 0)
		mp = 0;
	atomic_init(&rt->ival[RT_MAXMEMORY_CLIENTS], (uint64_t)mp);
	int64_t hz = cfg->hz < 1 ? 10 : cfg->hz > 500 ? 500 : cfg->hz;
	atomic_init(&rt->ival[RT_HZ], (uint64_t)hz);
	atomic_init(&rt->ival[RT_DYNAMIC_HZ], cfg->dynamic_hz ? 1 : 0);
	bool own = true;
	const char *bind = cfg->bind != NULL ? cfg->bind : "* -::*";
	if (rw_config_bind_check(bind, cfg->rw_address, &own, &why) != 0)
		own = true;
	atomic_init(&rt->ival[RT_BIND_OWN], own ? 1 : 0);
	rt_str_store(&rt->sval[RT_BIND], bind, strlen(bind));
	double pct[RW_CONFIG_PERCENTILES_MAX] = {50, 99, 99.9};
	size_t n = 3;
	char buf[RT_STR_MAX];
	if (cfg->latency_tracking_info_percentiles != NULL &&
	    rw_config_percentiles_parse(cfg->latency_tracking_info_percentiles, pct,
					RW_CONFIG_PERCENTILES_MAX, &n, &why) != 0) {
		n = 3;
		pct[0] = 50, pct[1] = 99, pct[2] = 99.9;
	}
	rw_config_percentiles_fmt(pct, n, buf, sizeof(buf));
	rt_str_store(&rt->sval[RT_PERCENTILES], buf, strlen(buf));
}

struct cmd_rtcfg *cmd_rtcfg_create(const struct rw_config *cfg)
{
	struct cmd_rtcfg *rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return NULL;
	rt->diag = cmd_diag_create();
	if (rt->diag == NULL) {
		free(rt);
		return NULL;
	}
	atomic_flag_clear(&rt->wlock);
	atomic_init(&rt->ival[RT_MAXMEMORY], (uint64_t)cfg->maxmemory);
	atomic_init(&rt->ival[RT_MAXCLIENTS], (uint64_t)cfg->maxclients);
	atomic_init(&rt->ival[RT_TIMEOUT], (uint64_t)cfg->timeout);
	atomic_init(&rt->ival[RT_TCP_KEEPALIVE], (uint64_t)cfg->tcp_keepalive);
	atomic_init(&rt->ival[RT_PROTO_MAX_BULK_LEN], (uint64_t)cfg->proto_max_bulk_len);
	atomic_init(&rt->ival[RT_CLIENT_QUERY_BUFFER_LIMIT],
		    (uint64_t)cfg->client_query_buffer_limit);
	uint64_t ll = 2;
	for (uint64_t i = 0; i < 4; i++)
		if (cfg->loglevel != NULL && strcasecmp(cfg->loglevel, loglevels[i]) == 0)
			ll = i;
	atomic_init(&rt->ival[RT_LOGLEVEL], ll);
	uint64_t pol = STORE_EVICT_NOEVICTION;
	for (uint64_t i = 0; i < STORE_EVICT_N_POLICIES; i++)
		if (cfg->maxmemory_policy != NULL &&
		    strcasecmp(cfg->maxmemory_policy, policies[i]) == 0)
			pol = i;
	atomic_init(&rt->ival[RT_MAXMEMORY_POLICY], pol);
	atomic_init(&rt->ival[RT_MAXMEMORY_SAMPLES], (uint64_t)cfg->maxmemory_samples);
	atomic_init(&rt->ival[RT_EVICTION_TENACITY], (uint64_t)cfg->maxmemory_eviction_tenacity);
	atomic_init(&rt->ival[RT_LFU_LOG_FACTOR], (uint64_t)cfg->lfu_log_factor);
	atomic_init(&rt->ival[RT_LFU_DECAY_TIME], (uint64_t)cfg->lfu_decay_time);
	atomic_init(&rt->ival[RT_LIST_MAX_LISTPACK_SIZE], (uint64_t)cfg->list_max_listpack_size);
	atomic_init(&rt->ival[RT_LIST_COMPRESS_DEPTH], (uint64_t)cfg->list_compress_depth);
	atomic_init(&rt->ival[RT_ZSET_MAX_LISTPACK_ENTRIES],
		    (uint64_t)cfg->zset_max_listpack_entries);
	atomic_init(&rt->ival[RT_ZSET_MAX_LISTPACK_VALUE], (uint64_t)cfg->zset_max_listpack_value);
	atomic_init(&rt->ival[RT_HASH_MAX_LP_ENTRIES], (uint64_t)cfg->hash_max_listpack_entries);
	atomic_init(&rt->ival[RT_HASH_MAX_LP_VALUE], (uint64_t)cfg->hash_max_listpack_value);
	atomic_init(&rt->ival[RT_SET_MAX_INTSET_ENTRIES], (uint64_t)cfg->set_max_intset_entries);
	atomic_init(&rt->ival[RT_SLOWLOG_SLOWER], (uint64_t)cfg->slowlog_log_slower_than);
	atomic_init(&rt->ival[RT_SLOWLOG_MAX_LEN], (uint64_t)cfg->slowlog_max_len);
	atomic_init(&rt->ival[RT_LATENCY_THRESHOLD], (uint64_t)cfg->latency_monitor_threshold);
	atomic_init(&rt->ival[RT_STOP_WRITES_BGSAVE], cfg->stop_writes_on_bgsave_error ? 1 : 0);
	atomic_init(&rt->ival[RT_RDBCOMPRESSION], cfg->rdbcompression ? 1 : 0);
	atomic_init(&rt->ival[RT_AUTO_AOFRW_PCT], (uint64_t)cfg->auto_aof_rewrite_percentage);
	atomic_init(&rt->ival[RT_AUTO_AOFRW_MIN], (uint64_t)cfg->auto_aof_rewrite_min_size);
	uint64_t fs = 0;
	for (uint64_t i = 0; i < 3; i++)
		if (cfg->appendfsync != NULL && strcasecmp(cfg->appendfsync, fsyncs[i]) == 0)
			fs = i;
	atomic_init(&rt->ival[RT_APPENDFSYNC], fs);
	atomic_init(&rt->ival[RT_AOF_RDB_PREAMBLE], cfg->aof_use_rdb_preamble ? 1 : 0);
	atomic_init(&rt->ival[RT_AOF_LOAD_TRUNCATED], cfg->aof_load_truncated ? 1 : 0);
	atomic_init(&rt->ival[RT_APPENDONLY], cfg->appendonly ? 1 : 0);
	/* Redis's defaults: normal 0 0 0, replica 256mb 64mb 60, pubsub 32mb 8mb 60 */
	static const uint64_t cobl[9] = {0,	      0,	  0, 256ull << 20, 64ull << 20, 60,
					 32ull << 20, 8ull << 20, 60};
	for (int i = 0; i < 9; i++)
		atomic_init(&rt->ival[RT_COBL + i], cobl[i]);
	const char *pass = cfg->requirepass != NULL ? cfg->requirepass : "";
	const char *save = cfg->save != NULL ? cfg->save : "";
	rt_str_store(&rt->sval[RT_REQUIREPASS], pass, strlen(pass));
	rt_str_store(&rt->sval[RT_SAVE], save, strlen(save));
	rt_boot_extras(rt, cfg);
	atomic_init(&rt->requirepass_set, pass[0] != '\0');
	rt->acl = cmd_acl_create((uint32_t)(cfg->rw_workers > 0 ? cfg->rw_workers : 1));
	if (rt->acl == NULL ||
	    (pass[0] != '\0' && cmd_acl_requirepass(rt->acl, pass, strlen(pass)))) {
		cmd_rtcfg_destroy(&rt);
		return NULL;
	}
	return rt;
}

struct cmd_acl *cmd_rtcfg_acl(const struct cmd_env *env)
{
	return env != NULL && env->rt != NULL ? env->rt->acl : NULL;
}

int cmd_rtcfg_users(struct cmd_rtcfg *rt, const struct rw_config *cfg, char *err, size_t cap)
{
	for (size_t i = 0; i < cfg->n_users; i++) {
		char **v = cfg->users[i];
		uint32_t n = 0, bad = 0;
		while (v[n + 1] != NULL)
			n++;
		struct resp_arg *ops = calloc(n + 1, sizeof(*ops));
		if (ops == NULL)
			return -ENOMEM;
		for (uint32_t k = 0; k < n; k++)
			ops[k] = (struct resp_arg){(uint8_t *)v[k + 1], strlen(v[k + 1])};
		int rc =
		    cmd_acl_setuser(rt->acl, (const uint8_t *)v[0], strlen(v[0]), ops, n, &bad);
		free(ops);
		if (rc != 0) {
			snprintf(err, cap, "user %s: Error in ACL SETUSER modifier '%s': %s", v[0],
				 rc == -ENOMEM ? "" : v[bad + 1], cmd_acl_strerror(rc));
			return rc;
		}
	}
	return 0;
}

void cmd_rtcfg_destroy(struct cmd_rtcfg **rt)
{
	if (rt == NULL || *rt == NULL)
		return;
	cmd_diag_destroy(&(*rt)->diag);
	cmd_acl_destroy(&(*rt)->acl);
	free(*rt);
	*rt = NULL;
}

uint64_t cmd_rtcfg_generation(const struct cmd_rtcfg *rt)
{
	return atomic_load_explicit(&((struct cmd_rtcfg *)rt)->gen, memory_order_relaxed);
}

static int64_t rt_int(const struct cmd_env *env, enum rt_int i, int64_t boot)
{
	if (env == NULL || env->rt == NULL)
		return boot;
	return (int64_t)atomic_load_explicit(&env->rt->ival[i], memory_order_relaxed);
}

#define CFG_OF(env, f) ((env) != NULL && (env)->cfg != NULL ? (env)->cfg->f : 0)

int64_t cmd_cfg_maxmemory(const struct cmd_env *env)
{
	return rt_int(env, RT_MAXMEMORY, CFG_OF(env, maxmemory));
}

uint64_t cmd_cfg_maxmemory_clients(const struct cmd_env *env)
{
	/* getClientEvictionLimit(): a percent of maxmemory (none without one),
	 * and never under 128 KB, so a bad setting cannot lock every client out */
	int64_t v = rt_int(env, RT_MAXMEMORY_CLIENTS, 0);
	uint64_t limit = (uint64_t)v;
	if (v < 0) {
		int64_t max = cmd_cfg_maxmemory(env);
		if (max <= 0)
			return 0;
		limit = (uint64_t)((double)max * (double)-v / 100);
	}
	if (limit == 0)
		return 0;
	return limit < CMD_CLIENT_EVICT_MIN ? CMD_CLIENT_EVICT_MIN : limit;
}

int64_t cmd_cfg_hz(const struct cmd_env *env)
{
	int64_t hz = rt_int(env, RT_HZ, CFG_OF(env, hz));
	return hz < CMD_HZ_MIN ? 10 : hz > CMD_HZ_MAX ? CMD_HZ_MAX : hz;
}

bool cmd_cfg_dynamic_hz(const struct cmd_env *env)
{
	if (env == NULL || (env->rt == NULL && env->cfg == NULL))
		return true; /* Redis's default */
	return rt_int(env, RT_DYNAMIC_HZ, CFG_OF(env, dynamic_hz)) != 0;
}

int64_t cmd_hz_in_force(const struct cmd_env *env, uint64_t clients)
{
	int64_t hz = cmd_cfg_hz(env);
	if (!cmd_cfg_dynamic_hz(env))
		return hz;
	while (clients / (uint64_t)hz > CMD_HZ_CLIENTS_PER_TICK) {
		hz *= 2;
		if (hz > CMD_HZ_MAX)
			return CMD_HZ_MAX;
	}
	return hz;
}

bool cmd_cfg_bind_accepts(const struct cmd_env *env)
{
	return rt_int(env, RT_BIND_OWN, 1) != 0;
}

const _Atomic uint64_t *cmd_cfg_bind_flag(const struct cmd_env *env)
{
	return env != NULL && env->rt != NULL ? &env->rt->ival[RT_BIND_OWN] : NULL;
}

size_t cmd_cfg_percentiles(const struct cmd_env *env, double *out, size_t cap)
{
	char buf[RT_STR_MAX];
	size_t n = 0;
	const char *why;
	if (env != NULL && env->rt != NULL)
		rt_str_load(env->rt, RT_PERCENTILES, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s",
			 env != NULL && env->cfg != NULL &&
				 env->cfg->latency_tracking_info_percentiles != NULL
			     ? env->cfg->latency_tracking_info_percentiles
			     : "50 99 99.9");
	if (rw_config_percentiles_parse(buf, out, cap, &n, &why) != 0)
		return 0;
	return n;
}

int64_t cmd_cfg_maxclients(const struct cmd_env *env)
{
	return rt_int(env, RT_MAXCLIENTS, CFG_OF(env, maxclients));
}

int64_t cmd_cfg_timeout(const struct cmd_env *env)
{
	return rt_int(env, RT_TIMEOUT, CFG_OF(env, timeout));
}

int64_t cmd_cfg_tcp_keepalive(const struct cmd_env *env)
{
	return rt_int(env, RT_TCP_KEEPALIVE, CFG_OF(env, tcp_keepalive));
}

int64_t cmd_cfg_proto_max_bulk_len(const struct cmd_env *env)
{
	return rt_int(env, RT_PROTO_MAX_BULK_LEN, CFG_OF(env, proto_max_bulk_len));
}

int64_t cmd_cfg_client_query_buffer_limit(const struct cmd_env *env)
{
	return rt_int(env, RT_CLIENT_QUERY_BUFFER_LIMIT, CFG_OF(env, client_query_buffer_limit));
}

int64_t cmd_cfg_list_max_listpack_size(const struct cmd_env *env)
{
	return rt_int(env, RT_LIST_MAX_LISTPACK_SIZE, CFG_OF(env, list_max_listpack_size));
}

int64_t cmd_cfg_list_compress_depth(const struct cmd_env *env)
{
	return rt_int(env, RT_LIST_COMPRESS_DEPTH, CFG_OF(env, list_compress_depth));
}

int64_t cmd_cfg_zset_max_listpack_entries(const struct cmd_env *env)
{
	return rt_int(env, RT_ZSET_MAX_LISTPACK_ENTRIES, CFG_OF(env, zset_max_listpack_entries));
}

int64_t cmd_cfg_zset_max_listpack_value(const struct cmd_env *env)
{
	return rt_int(env, RT_ZSET_MAX_LISTPACK_VALUE, CFG_OF(env, zset_max_listpack_value));
}

const char *cmd_cfg_maxmemory_policy_name(const struct cmd_env *env)
{
	struct store_evict_cfg c;
	cmd_evict_cfg(env, &c);
	return policies[c.policy < STORE_EVICT_N_POLICIES ? c.policy : STORE_EVICT_NOEVICTION];
}

void cmd_evict_cfg(const struct cmd_env *env, struct store_evict_cfg *out)
{
	uint64_t pol = STORE_EVICT_NOEVICTION;
	if (env != NULL && env->rt != NULL) {
		pol =
		    atomic_load_explicit(&env->rt->ival[RT_MAXMEMORY_POLICY], memory_order_relaxed);
	} else if (env != NULL && env->cfg != NULL && env->cfg->maxmemory_policy != NULL) {
		for (uint64_t i = 0; i < STORE_EVICT_N_POLICIES; i++)
			if (strcasecmp(env->cfg->maxmemory_policy, policies[i]) == 0)
				pol = i;
	}
	*out = (struct store_evict_cfg){
	    .policy = (uint8_t)(pol < STORE_EVICT_N_POLICIES ? pol : STORE_EVICT_NOEVICTION),
	    .samples =
		(uint32_t)rt_int(env, RT_MAXMEMORY_SAMPLES,
				 env != NULL && env->cfg != NULL ? env->cfg->maxmemory_samples : 5),
	    .tenacity = (uint32_t)rt_int(
		env, RT_EVICTION_TENACITY,
		env != NULL && env->cfg != NULL ? env->cfg->maxmemory_eviction_tenacity : 10),
	    .lfu_log_factor =
		(uint32_t)rt_int(env, RT_LFU_LOG_FACTOR,
				 env != NULL && env->cfg != NULL ? env->cfg->lfu_log_factor : 10),
	    .lfu_decay_time =
		(uint32_t)rt_int(env, RT_LFU_DECAY_TIME,
				 env != NULL && env->cfg != NULL ? env->cfg->lfu_decay_time : 1),
	};
	if (out->samples == 0)
		out->samples = 5;
}

void cmd_cfg_hash_limits(const struct cmd_env *env, struct store_hash_limits *out)
{
	out->max_lp_entries = (uint64_t)rt_int(
	    env, RT_HASH_MAX_LP_ENTRIES,
	    env != NULL && env->cfg != NULL ? env->cfg->hash_max_listpack_entries : 512);
	out->max_lp_value = (uint64_t)rt_int(
	    env, RT_HASH_MAX_LP_VALUE,
	    env != NULL && env->cfg != NULL ? env->cfg->hash_max_listpack_value : 64);
}

uint64_t cmd_cfg_set_max_intset_entries(const struct cmd_env *env)
{
	return (uint64_t)rt_int(env, RT_SET_MAX_INTSET_ENTRIES,
				env != NULL && env->cfg != NULL ? env->cfg->set_max_intset_entries
								: 512);
}

struct cmd_diag *cmd_diag_of(const struct cmd_env *env)
{
	return env != NULL && env->rt != NULL ? env->rt->diag : NULL;
}

int64_t cmd_cfg_slowlog_slower_us(const struct cmd_env *env)
{
	return rt_int(env, RT_SLOWLOG_SLOWER, CFG_OF(env, slowlog_log_slower_than));
}

int64_t cmd_cfg_slowlog_max_len(const struct cmd_env *env)
{
	return rt_int(env, RT_SLOWLOG_MAX_LEN, CFG_OF(env, slowlog_max_len));
}

int64_t cmd_cfg_latency_threshold_ms(const struct cmd_env *env)
{
	return rt_int(env, RT_LATENCY_THRESHOLD, CFG_OF(env, latency_monitor_threshold));
}

uint32_t cmd_cfg_notify_flags(const struct cmd_env *env)
{
	return (uint32_t)rt_int(env, RT_NOTIFY_FLAGS, 0);
}

void cmd_cfg_pubsub_limit(const struct cmd_env *env, uint64_t *hard, uint64_t *soft,
			  uint64_t *soft_s)
{
	*hard = (uint64_t)rt_int(env, RT_COBL + 6, 32ll << 20);
	*soft = (uint64_t)rt_int(env, RT_COBL + 7, 8ll << 20);
	*soft_s = (uint64_t)rt_int(env, RT_COBL + 8, 60);
}

bool cmd_cfg_requirepass_set(const struct cmd_env *env)
{
	if (env == NULL)
		return false;
	if (env->rt != NULL)
		return atomic_load_explicit(&env->rt->requirepass_set, memory_order_relaxed);
	return env->cfg != NULL && env->cfg->requirepass != NULL && env->cfg->requirepass[0];
}

size_t cmd_cfg_requirepass(const struct cmd_env *env, char *buf, size_t cap)
{
	if (env != NULL && env->rt != NULL)
		return rt_str_load(env->rt, RT_REQUIREPASS, buf, cap);
	const char *p = env != NULL && env->cfg != NULL && env->cfg->requirepass != NULL
			    ? env->cfg->requirepass
			    : "";
	snprintf(buf, cap, "%s", p);
	return strlen(buf);
}

size_t cmd_cfg_save(const struct cmd_env *env, char *buf, size_t cap)
{
	if (env != NULL && env->rt != NULL)
		return rt_str_load(env->rt, RT_SAVE, buf, cap);
	snprintf(buf, cap, "%s",
		 env != NULL && env->cfg != NULL && env->cfg->save != NULL ? env->cfg->save : "");
	return strlen(buf);
}

bool cmd_cfg_rdbcompression(const struct cmd_env *env)
{
	if (env == NULL || (env->rt == NULL && env->cfg == NULL))
		return true; /* Redis's default */
	return rt_int(env, RT_RDBCOMPRESSION, CFG_OF(env, rdbcompression)) != 0;
}

void cmd_cfg_auto_aofrw(const struct cmd_env *env, int64_t *percentage, int64_t *min_size)
{
	*percentage = rt_int(env, RT_AUTO_AOFRW_PCT, CFG_OF(env, auto_aof_rewrite_percentage));
	*min_size = rt_int(env, RT_AUTO_AOFRW_MIN, CFG_OF(env, auto_aof_rewrite_min_size));
}

bool cmd_cfg_appendonly(const struct cmd_env *env)
{
	return rt_int(env, RT_APPENDONLY, CFG_OF(env, appendonly)) != 0;
}

bool cmd_cfg_rdb_error_stops_writes(const struct cmd_env *env)
{
	return rt_int(env, RT_STOP_WRITES_BGSAVE, CFG_OF(env, stop_writes_on_bgsave_error)) != 0 &&
	       cmd_cfg_save_set(env);
}

bool cmd_cfg_save_set(const struct cmd_env *env)
{
	char buf[8];
	if (env != NULL && env->rt != NULL)
		return rt_str_load(env->rt, RT_SAVE, buf, sizeof(buf)) != 0;
	return env != NULL && env->cfg != NULL && env->cfg->save != NULL && env->cfg->save[0];
}

void cmd_cfg_stat_base(const struct cmd_env *env, uint64_t base[CMD_STAT_N])
{
	memset(base, 0, sizeof(uint64_t) * CMD_STAT_N);
	if (env == NULL || env->rt == NULL)
		return;
	struct cmd_rtcfg *m = env->rt;
	for (;;) {
		uint64_t s0 = atomic_load_explicit(&m->seq, memory_order_acquire);
		if (s0 & 1)
			continue;
		for (int i = 0; i < CMD_STAT_N; i++)
			base[i] = atomic_load_explicit(&m->base[i], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&m->seq, memory_order_relaxed) == s0)
			return;
	}
}

size_t cmd_config_runtime_list(char *buf, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < N_RT; i++) {
		const struct rt_def *d = &rt_defs[i];
		int w = snprintf(buf + n, cap - n, "%s", d->name);
		for (int64_t v = d->min; d->kind == K_ENUM && v <= d->max && w >= 0; v++) {
			n += (size_t)w < cap - n ? (size_t)w : 0;
			w = snprintf(buf + n, cap - n, "%c%s", v == d->min ? ' ' : ',',
				     d->names[v]);
		}
		if (w < 0 || (size_t)w + 1 >= cap - n)
			return 0; /* does not fit: say nothing rather than a part */
		n += (size_t)w;
		buf[n++] = '\n';
		buf[n] = '\0';
	}
	return n;
}

/* ---- CONFIG GET ---- */

static const char *const config_names[] = {
#define CMD_CFG_NAME(field, name, type, def, min, max, desc) name,
    RW_CONFIG_TABLE(CMD_CFG_NAME)
#undef CMD_CFG_NAME
    /* Redis 7.0's aliases: CONFIG GET lists them as names of their own */
    "hash-max-ziplist-entries",
    "hash-max-ziplist-value",
    /* run-time only (not in the boot config yet) */
    "notify-keyspace-events",
    "client-output-buffer-limit",
};

#define N_CONFIG (sizeof(config_names) / sizeof(config_names[0]))

/* CONFIG GET's names: the table's, then the aliases. */
static const char *config_name_at(size_t i)
{
	return i < N_CONFIG ? config_names[i] : rt_aliases[i - N_CONFIG].alias;
}

/* The directive whose value an alias (or a name) shows. */
static const char *config_target(size_t i)
{
	return i < N_CONFIG ? config_names[i] : rt_aliases[i - N_CONFIG].name;
}

/* The reply key of each matched directive: the argument as typed for an
 * exact name (as Redis does), the directive's own name for a pattern. */
struct config_match {
	const uint8_t *key;
	size_t key_len;
};

static void config_match_arg(const struct resp_arg *a, struct config_match *m)
{
	bool glob = false;
	for (uint32_t i = 0; i < a->len && !glob; i++)
		glob = a->ptr[i] == '*' || a->ptr[i] == '?' || a->ptr[i] == '[';
	for (size_t i = 0; i < N_CONFIG + N_ALIAS; i++) {
		const char *n = config_name_at(i);
		size_t nl = strlen(n);
		if (m[i].key != NULL)
			continue;
		if (glob && cmd_glob_match(a->ptr, a->len, (const uint8_t *)n, nl, true)) {
			m[i] = (struct config_match){(const uint8_t *)n, nl};
		} else if (!glob && a->len == nl && strncasecmp((const char *)a->ptr, n, nl) == 0) {
			m[i] = (struct config_match){a->ptr, a->len};
		}
	}
}

/* The current value of directive @p name: the run-time one if it has one
 * (cmd_int.h). */
void cmd_config_value(const struct cmd_env *env, const char *name, char *val, size_t cap)
{
	const struct rt_def *d = rt_def_find(name, strlen(name));
	if (d != NULL && env != NULL && env->rt != NULL) {
		if (d->kind == K_STRING || d->kind == K_SAVE || d->kind == K_BIND ||
		    d->kind == K_PERCENT) {
			rt_str_load(env->rt, (enum rt_str)d->slot, val, cap);
		} else if (d->kind == K_NOTIFY) {
			cmd_notify_format(cmd_cfg_notify_flags(env), val, cap);
		} else if (d->kind == K_COBL) {
			uint64_t v[9];
			for (int i = 0; i < 9; i++)
				v[i] = atomic_load_explicit(&env->rt->ival[RT_COBL + i],
							    memory_order_relaxed);
			snprintf(val, cap,
				 "normal %llu %llu %llu slave %llu %llu %llu pubsub %llu %llu %llu",
				 (unsigned long long)v[0], (unsigned long long)v[1],
				 (unsigned long long)v[2], (unsigned long long)v[3],
				 (unsigned long long)v[4], (unsigned long long)v[5],
				 (unsigned long long)v[6], (unsigned long long)v[7],
				 (unsigned long long)v[8]);
		} else {
			uint64_t v =
			    atomic_load_explicit(&env->rt->ival[d->slot], memory_order_relaxed);
			if (d->kind == K_ENUM)
				snprintf(val, cap, "%s", d->names[v <= (uint64_t)d->max ? v : 0]);
			else if (d->kind == K_BOOL)
				snprintf(val, cap, "%s", v ? "yes" : "no");
			else if (d->kind == K_MEMPCT && (int64_t)v < 0)
				snprintf(val, cap, "%lld%%", -(long long)(int64_t)v);
			else if (d->kind == K_INT)
				snprintf(val, cap, "%lld", (long long)(int64_t)v);
			else
				snprintf(val, cap, "%llu", (unsigned long long)v);
		}
		return;
	}
	if (env == NULL || env->cfg == NULL || rw_config_get(env->cfg, name, val, cap) != 0)
		val[0] = '\0';
}

uint64_t cmd_config_gen(const struct cmd_env *env)
{
	if (env == NULL || env->rt == NULL)
		return 0;
	return atomic_load_explicit(&env->rt->gen, memory_order_acquire);
}

static void config_get(struct cmd_ctx *ctx)
{
	struct config_match m[N_CONFIG + N_ALIAS] = {0};
	int64_t n = 0;
	for (uint32_t j = 2; j < ctx->argc; j++)
		config_match_arg(&ctx->argv[j], m);
	for (size_t i = 0; i < N_CONFIG + N_ALIAS; i++)
		n += m[i].key != NULL;
	resp_w_map(ctx->out, n, cmd_proto(ctx));
	for (size_t i = 0; i < N_CONFIG + N_ALIAS; i++) {
		char val[4096];
		if (m[i].key == NULL)
			continue;
		cmd_config_value(ctx->env, config_target(i), val, sizeof(val));
		resp_w_bulk(ctx->out, m[i].key, m[i].key_len);
		resp_w_bulk_cstr(ctx->out, val);
	}
}

/* ---- CONFIG SET ---- */

bool cmd_memtoull(const uint8_t *p, size_t len, uint64_t *out)
{
	size_t d = 0;
	uint64_t mul = 1, v = 0;
	if (len > 0 && p[0] == '-')
		return false;
	while (d < len && p[d] >= '0' && p[d] <= '9')
		d++;
	const char *u = (const char *)p + d;
	size_t ul = len - d;
	static const struct {
		const char *s;
		uint64_t mul;
	} units[] = {{"", 1},	     {"b", 1},	      {"k", 1000},	 {"kb", 1024},
		     {"m", 1000000}, {"mb", 1048576}, {"g", 1000000000}, {"gb", 1073741824}};
	bool found = false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && !found; i++)
		if (strlen(units[i].s) == ul && strncasecmp(units[i].s, u, ul) == 0) {
			mul = units[i].mul;
			found = true;
		}
	if (!found || d == 0 || d >= 128)
		return false;
	for (size_t i = 0; i < d; i++) {
		if (v > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT64_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

/* setConfigSaveOption(): "" or pairs "seconds changes", seconds >= 1,
 * changes >= 0, split on single spaces. Renders the canonical form. */
static bool save_parse(const struct resp_arg *a, char *out, size_t cap)
{
	size_t o = 0, i = 0, j = 0;
	out[0] = '\0';
	if (a->len == 0)
		return true;
	while (i <= a->len) {
		size_t s = i;
		while (i < a->len && a->ptr[i] != ' ')
			i++;
		char tok[32];
		size_t tl = i - s;
		if (tl >= sizeof(tok))
			return false;
		memcpy(tok, a->ptr + s, tl);
		tok[tl] = '\0';
		char *end;
		errno = 0;
		long long v = strtoll(tok, &end, 10);
		if (*end != '\0' || ((j & 1) == 0 && v < 1) || ((j & 1) == 1 && v < 0))
			return false;
		int n = snprintf(out + o, cap - o, "%s%lld", j ? " " : "", v);
		if (n < 0 || (size_t)n >= cap - o)
			return false;
		o += (size_t)n;
		j++;
		i++;
	}
	return (j & 1) == 0;
}

struct set_item;
static const char *cobl_parse(const struct resp_arg *v, struct set_item *it);
static const char *mempct_parse(const struct rt_def *d, const struct resp_arg *v,
				struct set_item *it);

struct set_item {
	const struct rt_def *def;
	const char *name;     /* as Redis names it in errors: the alias if one was given */
	const char *own_addr; /* K_BIND: redwire-address */
	uint64_t ival;
	char sval[RT_STR_MAX];
	size_t slen;
};

/* Parse one value. @return NULL or Redis's error text. */
static const char *set_parse_words(const struct rt_def *d, const struct resp_arg *v,
				   struct set_item *it, char *ebuf, size_t ecap);

static const char *set_parse(const struct rt_def *d, const struct resp_arg *v, struct set_item *it,
			     char *ebuf, size_t ecap)
{
	int64_t ll;
	uint64_t u;
	switch (d->kind) {
	case K_MEMORY:
		if (!cmd_memtoull(v->ptr, v->len, &u))
			return "argument must be a memory value";
		if (d->max >= 0 && (u < (uint64_t)d->min || u > (uint64_t)d->max)) {
			snprintf(ebuf, ecap, "argument must be between %lld and %lld inclusive",
				 (long long)d->min, (long long)d->max);
			return ebuf;
		}
		it->ival = u;
		return NULL;
	case K_MEMPCT:
		return mempct_parse(d, v, it);
	case K_INT:
	case K_UINT:
		if (!resp_str_to_i64(v->ptr, v->len, &ll))
			return "argument couldn't be parsed into an integer";
		if (ll < d->min || ll > d->max) {
			snprintf(ebuf, ecap, "argument must be between %lld and %lld inclusive",
				 (long long)d->min, (long long)d->max);
			return ebuf;
		}
		it->ival = (uint64_t)ll;
		return NULL;
	case K_ENUM:
		for (uint64_t i = 0; i <= (uint64_t)d->max; i++)
			if (strlen(d->names[i]) == v->len &&
			    strncasecmp(d->names[i], (const char *)v->ptr, v->len) == 0) {
				it->ival = i;
				return NULL;
			}
		return d->enum_err;
	case K_BOOL: /* config.c boolConfigSet(): yesnotoi() */
		if (v->len == 3 && strncasecmp((const char *)v->ptr, "yes", 3) == 0)
			it->ival = 1;
		else if (v->len == 2 && strncasecmp((const char *)v->ptr, "no", 2) == 0)
			it->ival = 0;
		else
			return "argument must be 'yes' or 'no'";
		return NULL;
	case K_SAVE:
		if (!save_parse(v, it->sval, sizeof(it->sval)))
			return "Invalid save parameters";
		it->slen = strlen(it->sval);
		return NULL;
	case K_NOTIFY: {
		uint32_t f;
		if (cmd_notify_parse(v->ptr, v->len, &f) != 0)
			return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
		it->ival = f;
		return NULL;
	}
	case K_COBL:
		return cobl_parse(v, it);
	case K_HZ: /* updateHZ(): in range, then clamped */
		if (!resp_str_to_i64(v->ptr, v->len, &ll))
			return "argument couldn't be parsed into an integer";
		if (ll < d->min || ll > d->max) {
			snprintf(ebuf, ecap, "argument must be between %lld and %lld inclusive",
				 (long long)d->min, (long long)d->max);
			return ebuf;
		}
		it->ival = (uint64_t)(ll < CMD_HZ_MIN	? CMD_HZ_MIN
				      : ll > CMD_HZ_MAX ? CMD_HZ_MAX
							: ll);
		return NULL;
	case K_BIND:
	case K_PERCENT:
		return set_parse_words(d, v, it, ebuf, ecap);
	case K_STRING:
		if (v->len >= RT_STR_MAX)
			return "argument is longer than Redwire's limit of 255 bytes";
		memcpy(it->sval, v->ptr, v->len);
		it->slen = v->len;
		return NULL;
	}
	return "unknown directive kind";
}

/* bind and latency-tracking-info-percentiles: the words parsed by
 * platform/config (the loader's rules); sval gets what CONFIG GET shows,
 * ival the bind's verdict on redwire-address. */
static const char *set_parse_words(const struct rt_def *d, const struct resp_arg *v,
				   struct set_item *it, char *ebuf, size_t ecap)
{
	char buf[RT_STR_MAX];
	const char *err = NULL;
	(void)ebuf;
	(void)ecap;
	if (v->len >= sizeof(buf))
		return d->kind == K_BIND ? "Too many bind addresses specified."
					 : "Invalid latency-tracking-info-percentiles parameters";
	memcpy(buf, v->ptr, v->len);
	buf[v->len] = '\0';
	if (d->kind == K_BIND) {
		bool own;
		if (rw_config_bind_check(buf, it->own_addr, &own, &err) != 0)
			return err;
		it->ival = own;
		memcpy(it->sval, buf, v->len + 1);
		it->slen = v->len;
		return NULL;
	}
	double pct[RW_CONFIG_PERCENTILES_MAX];
	size_t n;
	if (rw_config_percentiles_parse(buf, pct, RW_CONFIG_PERCENTILES_MAX, &n, &err) != 0)
		return err;
	rw_config_percentiles_fmt(pct, n, it->sval, sizeof(it->sval));
	it->slen = strlen(it->sval);
	return NULL;
}

/* client-output-buffer-limit: "<class> <hard> <soft> <seconds>" groups
 * (config.c setConfigClientOutputBufferLimitOption()); the classes given
 * replace theirs, the others keep their values. Parsed into sval as
 * u64 triples per class (class index in ival's bits). */
static const char *cobl_parse(const struct resp_arg *v, struct set_item *it)
{
	char buf[RT_STR_MAX];
	if (v->len >= sizeof(buf))
		return "Wrong number of arguments in buffer limit configuration.";
	memcpy(buf, v->ptr, v->len);
	buf[v->len] = '\0';
	char *tok[64], *save = NULL;
	int n = 0;
	for (char *t = strtok_r(buf, " ", &save); t != NULL && n < 64;
	     t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	if (n % 4 != 0)
		return "Wrong number of arguments in buffer limit configuration.";
	uint64_t vals[9] = {0};
	it->ival = 0;
	for (int j = 0; j < n; j += 4) {
		int cls = strcasecmp(tok[j], "normal") == 0 ? 0
			  : strcasecmp(tok[j], "slave") == 0 || strcasecmp(tok[j], "replica") == 0
			      ? 1
			  : strcasecmp(tok[j], "pubsub") == 0 ? 2
							      : -1;
		if (cls < 0)
			return "Invalid client class specified in buffer limit configuration.";
		uint64_t hard, soft;
		char *end;
		long long secs = strtoll(tok[j + 3], &end, 10);
		if (!cmd_memtoull((const uint8_t *)tok[j + 1], strlen(tok[j + 1]), &hard) ||
		    !cmd_memtoull((const uint8_t *)tok[j + 2], strlen(tok[j + 2]), &soft) ||
		    secs < 0 || *end != '\0')
			return "Error in hard, soft or soft_seconds setting in buffer limit "
			       "configuration.";
		vals[cls * 3] = hard;
		vals[cls * 3 + 1] = soft;
		vals[cls * 3 + 2] = (uint64_t)secs;
		it->ival |= 1u << cls;
	}
	_Static_assert(sizeof(vals) <= RT_STR_MAX, "fits in sval");
	memcpy(it->sval, vals, sizeof(vals));
	return NULL;
}

/* A memory value or "N%" of maxmemory (config.c PERCENT_CONFIG): N is a
 * strict integer (string2ll: no sign, no leading zero) up to d->max; the
 * percent is stored negated, as Redis stores it, and "0%" is plain 0. */
static const char *mempct_parse(const struct rt_def *d, const struct resp_arg *v,
				struct set_item *it)
{
	int64_t pct;
	if (v->len > 1 && v->ptr[v->len - 1] == '%') {
		if (!resp_str_to_i64(v->ptr, v->len - 1, &pct) || pct < 0)
			return "argument must be a memory or percent value";
		if (pct > d->max)
			return "percentage argument must be less or equal to 100";
		it->ival = (uint64_t)-pct;
		return NULL;
	}
	uint64_t u;
	if (!cmd_memtoull(v->ptr, v->len, &u) || u > INT64_MAX)
		return "argument must be a memory or percent value";
	it->ival = u;
	return NULL;
}

static void cobl_store(struct cmd_rtcfg *rt, const struct set_item *it)
{
	uint64_t vals[9];
	memcpy(vals, it->sval, sizeof(vals));
	for (int c = 0; c < 3; c++)
		if (it->ival & (1u << c))
			for (int k = 0; k < 3; k++)
				atomic_store_explicit(&rt->ival[RT_COBL + c * 3 + k],
						      vals[c * 3 + k], memory_order_relaxed);
}

static bool name_in(const struct resp_arg *a, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == a->len &&
		    strncasecmp(names[i], (const char *)a->ptr, a->len) == 0)
			return true;
	return false;
}

/* A redis.conf directive Redwire accepts at boot but does not implement. */
static bool redis_directive(const struct resp_arg *a)
{
	char low[64];
	if (a->len >= sizeof(low))
		return false;
	for (uint32_t i = 0; i < a->len; i++)
		low[i] = (char)(a->ptr[i] >= 'A' && a->ptr[i] <= 'Z' ? a->ptr[i] + 32 : a->ptr[i]);
	low[a->len] = '\0';
	return rw_config_redis_directive(low);
}

static void set_fail(struct cmd_ctx *ctx, const uint8_t *name, size_t len, const char *err)
{
	resp_w_errorf(ctx->out, "ERR CONFIG SET failed (possibly related to argument '%.*s') - %s",
		      (int)len, (const char *)name, err);
}

/* A secret of the config table (requirepass): its values never leave the
 * CONFIG handler, neither in notes nor in events. */
static bool rt_secret(const char *name)
{
	static const struct {
		const char *name;
		enum rw_cfg_type type;
	} types[] = {
#define CMD_CFG_TYPE(field, name, type, def, min, max, desc) {name, type},
	    RW_CONFIG_TABLE(CMD_CFG_TYPE)
#undef CMD_CFG_TYPE
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == RW_CFG_SECRET && strcmp(types[i].name, name) == 0)
			return true;
	return false;
}

/* The values CONFIG SET is about to replace (what the notes call old). */
static char (*config_olds(struct cmd_ctx *ctx, const struct set_item *items,
			  uint32_t n))[CMD_NOTE_VALUE_MAX]
{
	char(*old)[CMD_NOTE_VALUE_MAX] = NULL;
	if (ctx->env->config_note == NULL || (old = calloc(n, sizeof(*old))) == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		cmd_config_value(ctx->env, items[i].def->name, old[i], sizeof(old[i]));
	return old;
}

/* Tell the control plane every directive the command changed, old and new
 * value (it acts on the persistence ones and records an event for each). */
static void config_notes(struct cmd_ctx *ctx, const struct set_item *items, uint32_t n,
			 char (*old)[CMD_NOTE_VALUE_MAX])
{
	/* the generation first: each value read below is at least that new */
	uint64_t gen = cmd_config_gen(ctx->env);
	bool pass = false;
	for (uint32_t i = 0; i < n && old != NULL; i++) {
		char val[CMD_NOTE_VALUE_MAX];
		const char *name = items[i].def->name;
		cmd_config_value(ctx->env, name, val, sizeof(val));
		bool secret = rt_secret(name);
		pass = pass ||
		       (items[i].def->kind == K_STRING && items[i].def->slot == RT_REQUIREPASS);
		ctx->env->config_note(ctx, name, secret ? CMD_NOTE_REDACTED : old[i],
				      secret ? CMD_NOTE_REDACTED : val, gen);
	}
	if (pass && ctx->env->acl_note != NULL) /* the default user's password changed */
		ctx->env->acl_note(ctx);
}

void cmd_config_foreach(const struct cmd_env *env,
			void (*fn)(void *arg, const char *name, const char *value), void *arg)
{
	for (size_t i = 0; i < N_CONFIG; i++) {
		char val[CMD_NOTE_VALUE_MAX];
		if (rt_secret(config_names[i]))
			continue;
		cmd_config_value(env, config_names[i], val, sizeof(val));
		fn(arg, config_names[i], val);
	}
}

static void config_set(struct cmd_ctx *ctx)
{
	if (ctx->argc & 1) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	uint32_t n = (ctx->argc - 2) / 2;
	struct set_item *items = calloc(n, sizeof(*items));
	if (items == NULL) {
		resp_w_error(ctx->out, "ERR out of memory");
		return;
	}
	/* pass 1: names; the first error wins (config.c: invalid_args) */
	for (uint32_t i = 0; i < n; i++) {
		const struct resp_arg *a = &ctx->argv[2 + 2 * i];
		const char *canon;
		const struct rt_def *d = rt_def_find_canon((const char *)a->ptr, a->len, &canon);
		if (d == NULL) {
			if (name_in(a, rt_protected, 2)) {
				set_fail(ctx, a->ptr, a->len, "can't set protected config");
			} else if (name_in(a, config_names, N_CONFIG) || redis_directive(a)) {
				set_fail(ctx, a->ptr, a->len, "can't set immutable config");
			} else {
				resp_w_errorf(
				    ctx->out,
				    "ERR Unknown option or number of arguments for CONFIG "
				    "SET - '%.*s'",
				    (int)a->len, (const char *)a->ptr);
			}
			goto out;
		}
		for (uint32_t j = 0; j < i; j++)
			if (items[j].name == canon) {
				set_fail(ctx, a->ptr, a->len, "duplicate parameter");
				goto out;
			}
		items[i].def = d;
		items[i].name = canon;
	}
	/* pass 2: values; nothing is stored until all parse */
	for (uint32_t i = 0; i < n; i++) {
		char ebuf[128];
		items[i].own_addr =
		    ctx->env != NULL && ctx->env->cfg != NULL ? ctx->env->cfg->rw_address : NULL;
		const char *err =
		    set_parse(items[i].def, &ctx->argv[3 + 2 * i], &items[i], ebuf, sizeof(ebuf));
		if (err != NULL) {
			const char *nm = items[i].name;
			set_fail(ctx, (const uint8_t *)nm, strlen(nm), err);
			goto out;
		}
	}
	if (ctx->env == NULL || ctx->env->rt == NULL) {
		resp_w_error(ctx->out, "ERR CONFIG SET is not available (no run-time table)");
		goto out;
	}
	struct cmd_rtcfg *rt = ctx->env->rt;
	char(*old)[CMD_NOTE_VALUE_MAX] = config_olds(ctx, items, n);
	rt_write_begin(rt);
	for (uint32_t i = 0; i < n; i++) {
		const struct rt_def *d = items[i].def;
		if (d->kind == K_COBL) {
			cobl_store(rt, &items[i]);
		} else if (d->kind == K_STRING || d->kind == K_SAVE || d->kind == K_BIND ||
			   d->kind == K_PERCENT) {
			rt_str_store(&rt->sval[d->slot], items[i].sval, items[i].slen);
			if (d->kind == K_BIND)
				atomic_store_explicit(&rt->ival[RT_BIND_OWN], items[i].ival,
						      memory_order_relaxed);
			if (d->slot == RT_REQUIREPASS) {
				atomic_store_explicit(&rt->requirepass_set, items[i].slen != 0,
						      memory_order_relaxed);
				/* ACLUpdateDefaultUserPassword() */
				cmd_acl_requirepass(rt->acl, items[i].sval, items[i].slen);
			}
		} else {
			atomic_store_explicit(&rt->ival[d->slot], items[i].ival,
					      memory_order_relaxed);
		}
	}
	rt_write_end(rt);
	config_notes(ctx, items, n, old);
	free(old);
	resp_w_simple(ctx->out, "OK");
out:
	free(items);
}

/* RESETSTAT: counters belong to their workers (single writer), so they
 * are not zeroed; the totals of this moment become INFO's baseline, and
 * every worker's command, error and histogram counters get theirs
 * (resetCommandTableStats(), resetErrorTableStats()). */
static void config_resetstat(struct cmd_ctx *ctx)
{
	if (ctx->env != NULL && ctx->env->rt != NULL) {
		cmd_diag_reset(ctx->env->rt->diag);
		uint64_t now[CMD_STAT_N];
		cmd_info_stat_counters(ctx, now);
		struct cmd_rtcfg *rt = ctx->env->rt;
		rt_write_begin(rt);
		for (int i = 0; i < CMD_STAT_N; i++)
			atomic_store_explicit(&rt->base[i], now[i], memory_order_relaxed);
		rt_write_end(rt);
	}
	resp_w_simple(ctx->out, "OK");
}

static const char *const config_help[] = {
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
};

void cmd_config(struct cmd_ctx *ctx)
{
	const struct cmd_def *sub =
	    cmd_subcmd_resolve(ctx, cmd_lookup((const uint8_t *)"config", 6));
	if (sub == NULL)
		return;
	if (strcmp(sub->name, "config|get") == 0)
		config_get(ctx);
	else if (strcmp(sub->name, "config|set") == 0)
		config_set(ctx);
	else if (strcmp(sub->name, "config|resetstat") == 0)
		config_resetstat(ctx);
	else if (strcmp(sub->name, "config|rewrite") == 0)
		cmd_config_rewrite(ctx);
	else
		cmd_reply_help(ctx, config_help, sizeof(config_help) / sizeof(config_help[0]));
}
