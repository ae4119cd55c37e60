/*
 * redwire-dataplane: the composition root of the DPDK dataplane.
 *
 * Boot, in dependency order: config -> EAL (args built from the config:
 * --no-pci plus the vdev, or an explicit -a allow-list; per-instance
 * --file-prefix; hugepages when hugetlbfs has room, else --no-huge) ->
 * mempools -> port -> control channel -> shard mesh -> workers, one per
 * lcore. The main lcore is the service thread: heartbeat, log draining,
 * the board the management plane reads (dp_board.h), signals. Teardown
 * runs in reverse. Boot fails fast with one line naming the cause; after
 * boot nothing exits but a signal.
 *
 * Usage: redwire-dataplane [--config FILE] [--directive value ...]
 */
#include <inttypes.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "config.h"
#include "rw_eal.h"
#include "rw_log.h"
#include "rw_sysmem.h"
#include "rw_time.h"
#include "dp_board.h"
#include "dp_cfgmsg.h"
#include "dp_digest.h"
#include "dp_info.h"
#include "dp_mem.h"
#include "dp_snap.h"
#include "dp_telemetry.h"
#include "eth_impair.h"
#include "eth_strict.h"
#include "worker.h"

#define DP_MBUFS_PER_QUEUE 8191
#define DP_JOURNAL_BYTES   (16u << 20)
#define DP_MSG_BYTES	   (1u << 20)

static struct dp_shared shared;
static struct eth_impair *impair; /* redwire-port-impair: tests only */

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&shared.stop, true);
}

/* SIGUSR1: a gratuitous ARP on demand, e.g. after taking over the address
 * from a failed appliance; worker 0 sends it (a worker owns its TX queue). */
static void on_garp_signal(int sig)
{
	(void)sig;
	atomic_store(&shared.garp, true);
}

static void log_line(void *arg, const char *line)
{
	rw_log((enum rw_log_level)(uintptr_t)arg, "dp.config", "%s", line);
}

static int fail(const char *what, int rc)
{
	rw_log(RW_LOG_ERR, "dp.boot", "%s: %s", what, strerror(rc < 0 ? -rc : rc));
	return 1;
}

/*
 * redwire-port-impair: the seeded impairment stage (drivers/eth/eth_impair.h)
 * between the stack and the port, for loss, reordering, duplication and
 * corruption tests against a real peer. It sits after the offload stages:
 * with checksum offload the port computes checksums after a corruption, so
 * corruption tests run with redwire-port-offload no.
 */
static int impair_setup(const char *spec, struct eth_port **port)
{
	struct eth_impair_cfg ic;
	if (eth_impair_parse(spec, &ic) != 0) {
		rw_log(RW_LOG_ERR, "dp.boot", "redwire-port-impair: cannot parse '%s'", spec);
		return -1;
	}
	int rc = eth_impair_create(&impair, *port, &ic, NULL, NULL);
	if (rc != 0)
		return fail("redwire-port-impair", rc);
	*port = eth_impair_port(impair);
	rw_log(RW_LOG_NOTICE, "dp.boot", "port impairment on (tests only): %s", spec);
	return 0;
}

/* What the stage did, once at stop (tests read it from the log). */
static void impair_report(void)
{
	if (impair == NULL)
		return;
	static const char *const dir_name[] = {"rx", "tx"};
	for (int d = ETH_IMPAIR_RX; d <= ETH_IMPAIR_TX; d++) {
		struct eth_impair_stats st;
		eth_impair_stats_get(impair, (enum eth_impair_dir)d, &st);
		rw_log(RW_LOG_NOTICE, "dp.impair",
		       "dir=%s passed=%llu dropped=%llu burst_dropped=%llu duplicated=%llu "
		       "reordered=%llu delayed=%llu corrupted=%llu overflow=%llu",
		       dir_name[d], (unsigned long long)st.passed, (unsigned long long)st.dropped,
		       (unsigned long long)st.burst_dropped, (unsigned long long)st.duplicated,
		       (unsigned long long)st.reordered, (unsigned long long)st.delayed,
		       (unsigned long long)st.corrupted, (unsigned long long)st.overflow);
	}
}

static void make_run_id(char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 40; i++)
		out[i] = hex[rte_rand() & 15];
	out[40] = '\0';
}

static int setup_interface(const struct rw_config *cfg, struct net_if *nif,
			   struct net_arp_cache *arp, const struct eth_port *port)
{
	if (net_parse_ipv4(cfg->rw_address, &nif->ip) != 0) {
		rw_log(RW_LOG_ERR, "dp.boot", "redwire-address: invalid IPv4 address '%s'",
		       cfg->rw_address);
		return -EINVAL;
	}
	if (net_parse_ipv4(cfg->rw_netmask, &nif->mask) != 0) {
		rw_log(RW_LOG_ERR, "dp.boot", "redwire-netmask: invalid netmask '%s'",
		       cfg->rw_netmask);
		return -EINVAL;
	}
	nif->gw = 0;
	if (cfg->rw_gateway[0] != '\0' && net_parse_ipv4(cfg->rw_gateway, &nif->gw) != 0) {
		rw_log(RW_LOG_ERR, "dp.boot", "redwire-gateway: invalid IPv4 address '%s'",
		       cfg->rw_gateway);
		return -EINVAL;
	}
	nif->mac = port->mac;
	nif->mtu = (uint16_t)cfg->rw_mtu;
	nif->arp = arp;
	return 0;
}

static void fill_env(struct dp_shared *sh, const struct rw_config *cfg, const char *exe)
{
	sh->env.cfg = cfg;
	sh->env.start_unix_ms = rw_time_unix_ms();
	make_run_id(sh->env.run_id);
	sh->env.n_workers = sh->n_workers;
	sh->env.executable = exe;
	sh->env.config_file = cfg->config_file;
	sh->env.pid = (int32_t)getpid();
	cmd_env_init(&sh->env);
	sh->env.conn_describe = dp_conn_describe;
	sh->env.config_note = dp_cfg_note;
	sh->env.acl_note = dp_acl_note;
	sh->env.info_gather = dp_info_gather;
	sh->env.db_foreach = dp_db_foreach;
	sh->env.info_arg = sh;
	/* the shared maxmemory board (cmd.h struct cmd_mem_slot); without it each
	 * shard keeps a fixed share */
	static struct cmd_mem_board board;
	board.slot = aligned_alloc(64, sizeof(struct cmd_mem_slot) * sh->n_workers);
	if (board.slot != NULL) {
		memset(board.slot, 0, sizeof(struct cmd_mem_slot) * sh->n_workers);
		sh->env.mem = &board;
	}
	/* appendonly yes: every worker waits for the control plane to load the AOF */
	atomic_store(&sh->loading.workers_left, dp_load_expected(cfg) ? sh->n_workers : 0);
	atomic_store(&sh->loading.start_unix_ms, sh->env.start_unix_ms);
	sh->env.loading = &sh->loading;
	sh->env.persist = &sh->persist;
	atomic_store(&sh->snap.lastsave_unix_s, sh->env.start_unix_ms / 1000);
	atomic_store(&sh->snap.last_time_sec, -1);
	atomic_store(&sh->snap.aof_state, cfg->appendonly ? CMD_AOF_ON : CMD_AOF_OFF);
	sh->env.snap = &sh->snap;
}

/* No maxmemory in the configuration: a budget the machine can hold (see
 * rw_sysmem.h), said in the log. An explicit "maxmemory 0" is obeyed. */
static void default_maxmemory(struct rw_config *cfg)
{
	if (cfg->maxmemory_given) {
		if (cfg->maxmemory == 0)
			rw_log(RW_LOG_WARN, "dp.boot",
			       "maxmemory 0: no memory limit, the kernel's OOM killer decides");
		return;
	}
	uint64_t def = rw_sysmem_default_maxmemory();
	if (def == 0) {
		rw_log(RW_LOG_WARN, "dp.boot",
		       "maxmemory unset and /proc/meminfo unreadable: no limit");
		return;
	}
	cfg->maxmemory = (int64_t)def;
	rw_log(RW_LOG_NOTICE, "dp.boot",
	       "maxmemory not set: using %" PRIu64 " bytes (%" PRIu64
	       " MB), %d%% of the memory not "
	       "reserved for hugepages; set maxmemory to choose",
	       def, def >> 20, RW_SYSMEM_DEFAULT_PCT);
}

static void publish_identity(struct chan *ch, const struct rw_config *cfg, uint32_t n_workers)
{
	struct chan_dp_info *info = chan_info(ch);
	info->pid = getpid();
	info->n_workers = n_workers;
	info->start_unix_ms = rw_time_unix_ms();
	info->heartbeat_unix_ms = info->start_unix_ms;
	snprintf(info->version, sizeof(info->version), "%s", RW_VERSION);
	snprintf(info->name, sizeof(info->name), "%s", cfg->rw_name);
}

/* Where worker i runs (the i-th worker lcore, as launched below) and the
 * client port's NUMA node, for /v1/appliance: the EAL's own placement. */
static void publish_placement(struct chan *ch, uint32_t n_workers, uint16_t port_id)
{
	struct chan_dp_place p = {.port_node = rte_eth_dev_socket_id(port_id)};
	unsigned lcore;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (p.n_placed == n_workers || p.n_placed == CHAN_MAX_WORKERS)
			break;
		/* the CPU it is pinned to (--lcores N@CPU): rte_lcore_to_cpu_id()
		 * answers the lcore's own id under such a mapping */
		rte_cpuset_t set = rte_lcore_cpuset(lcore);
		uint32_t cpu = 0;
		while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set))
			cpu++;
		p.worker[p.n_placed++] = (struct chan_dp_lcore){
		    .lcore = lcore, .cpu = cpu, .node = (int32_t)rte_lcore_to_socket_id(lcore)};
	}
	chan_place_set(ch, &p);
}

/* The main lcore's duty while workers run. */
static void service_loop(struct worker *workers, uint32_t n)
{
	struct chan_dp_info *info = chan_info(shared.chan);
	char(*who)[24] = calloc(n, sizeof(*who));
	struct dp_mem_watch mem_watch = {0};
	struct dp_board board;
	dp_board_setup(&board, &shared); /* logged on failure: served without it */
	for (uint32_t i = 0; who != NULL && i < n; i++)
		snprintf(who[i], sizeof(who[i]), "worker=%u", i);
	while (!atomic_load(&shared.stop)) {
		info->heartbeat_unix_ms = rw_time_unix_ms();
		dp_mem_watch(&mem_watch, &shared, info->heartbeat_unix_ms);
		dp_board_tick(&board, &shared, info->heartbeat_unix_ms);
		for (uint32_t i = 0; i < n; i++)
			rw_logring_drain(&workers[i].log, who != NULL ? who[i] : "worker");
		usleep(10000);
	}
	dp_board_teardown(&board);
	free(who);
}

int main(int argc, char **argv)
{
	static struct rw_config cfg;
	static struct net_arp_cache arp;
	static struct eth_port port;
	char err[512];
	const char *conf_path = NULL;
	int first_override = 1;
	if (argc > 2 && strcmp(argv[1], "--config") == 0) {
		conf_path = argv[2];
		first_override = 3;
	}
	rw_log_setup(STDOUT_FILENO, RW_LOG_INFO);
	/* No glibc fastbins: a freed small chunk is coalesced when freed, so
	 * the collections store_lazyfree.c frees in steps do not pile up a
	 * million fastbin chunks for the next large free() or malloc() to
	 * consolidate in one go (measured: ~1 s stalls in test_lazyfree.sh). */
	mallopt(M_MXFAST, 0);
	int rc = rw_config_load(&cfg, conf_path, argc - first_override, argv + first_override,
				log_line, (void *)(uintptr_t)RW_LOG_WARN, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "redwire-dataplane: %s\n", err);
		return 1;
	}
	enum rw_log_level lvl;
	if (rw_log_level_parse(cfg.loglevel, &lvl) == 0)
		rw_log_setup(STDOUT_FILENO, lvl < RW_LOG_INFO ? lvl : RW_LOG_INFO);
	rw_log(RW_LOG_INFO, "dp.boot", "redwire-dataplane %s starting, name=%s pid=%d", RW_VERSION,
	       cfg.rw_name, (int)getpid());
	rw_config_echo(&cfg, log_line, (void *)(uintptr_t)RW_LOG_INFO);
	default_maxmemory(&cfg);

	uint32_t n = (uint32_t)cfg.rw_workers;
	shared.n_workers = n;
	shared.cfg = &cfg;
	struct rw_eal eal;
	rc = rw_eal_setup(&eal, &cfg, argv[0]);
	if (rc != 0)
		return fail("EAL initialisation failed (see the EAL lines above)", rc);
	if (rte_eth_dev_count_avail() != 1) {
		rw_log(RW_LOG_ERR, "dp.boot",
		       "redwire-port-device: expected exactly one port, found %u",
		       rte_eth_dev_count_avail());
		return 1;
	}
	struct rte_mempool *pools[ETH_MAX_QUEUES];
	for (uint32_t i = 0; i < n; i++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		snprintf(name, sizeof(name), "mbuf_w%u", i);
		pools[i] = rte_pktmbuf_pool_create(name, DP_MBUFS_PER_QUEUE, 256, 0,
						   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
		if (pools[i] == NULL)
			return fail("mbuf pool", -rte_errno);
	}
	uint16_t port_id = 0;
	RTE_ETH_FOREACH_DEV(port_id) break;
	const char *offload = cfg.rw_port_offload;
	bool strict = strcmp(offload, "strict") == 0; /* auto, no or strict: the loader checked */
	uint64_t want = strcmp(offload, "auto") == 0 ? ETH_TX_OFFLOAD_STACK : 0;
	rc = eth_port_dpdk_setup(&port, port_id, (uint16_t)n, pools, (uint16_t)cfg.rw_mtu, want);
	if (rc != 0)
		return fail("redwire-port-device: port setup", rc);
	struct eth_port *client_port = &port;
	if (strict) {
		rc = eth_strict_create(&shared.strict, &port, ETH_TX_OFFLOAD_STACK);
		if (rc != 0)
			return fail("redwire-port-offload: strict port", rc);
		client_port = eth_strict_port(shared.strict);
	}
	if (cfg.rw_port_impair[0] != '\0' && impair_setup(cfg.rw_port_impair, &client_port) != 0)
		return 1;
	rw_log(RW_LOG_INFO, "dp.boot", "tx offloads: ipv4_cksum=%s tcp_cksum=%s tso=%s%s",
	       client_port->tx_offload & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM ? "yes" : "no",
	       client_port->tx_offload & RTE_ETH_TX_OFFLOAD_TCP_CKSUM ? "yes" : "no",
	       client_port->tx_offload & RTE_ETH_TX_OFFLOAD_TCP_TSO ? "yes" : "no",
	       strict ? " (strict NIC model)" : "");
	if (setup_interface(&cfg, &shared.nif, &arp, client_port) != 0)
		return 1;
	shared.port = client_port;
	shared.tcp_port = (uint16_t)cfg.port;
	shared.idle_backoff = cfg.rw_idle_backoff;
	shared.order_relaxed =
	    strcmp(cfg.rw_pipeline_order, "relaxed") == 0; /* the loader checked */
	shared.idle_max_us = (uint32_t)cfg.rw_idle_max_us;
	struct chan_sizes sizes = {.journal_bytes = DP_JOURNAL_BYTES, .msg_bytes = DP_MSG_BYTES};
	rc = chan_create(&shared.chan, cfg.rw_channel, n, &sizes);
	if (rc != 0)
		return fail("redwire-channel: cannot create the control channel", rc);
	publish_identity(shared.chan, &cfg, n);
	publish_placement(shared.chan, n, port_id);
	dp_telemetry_setup(&shared); /* logged on failure: served without it */
	rc = shard_mesh_create(&shared.mesh, n, (int)rte_socket_id());
	if (rc != 0)
		return fail("shard mesh", rc);
	rc = tcp_shared_create(&shared.tcp, n, (uint32_t)cfg.maxclients + 64u * n);
	if (rc != 0)
		return fail("TCP flow owner table", rc);
	char exe[512] = "";
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[el > 0 ? el : 0] = '\0';
	fill_env(&shared, &cfg, exe);
	shared.env.rt = cmd_rtcfg_create(&cfg);
	if (shared.env.rt == NULL)
		return fail("run-time config", -ENOMEM);
	char uerr[512];
	rc = cmd_rtcfg_users(shared.env.rt, &cfg, uerr, sizeof(uerr));
	if (rc != 0)
		return fail(uerr, rc);

	struct worker *workers = rte_zmalloc("workers", sizeof(*workers) * n, 64);
	uint32_t conns_per_worker = (uint32_t)(cfg.maxclients / n + 64);
	for (uint32_t i = 0; i < n && workers != NULL; i++) {
		rc = worker_init(&workers[i], i, &shared, pools[i], conns_per_worker);
		if (rc != 0)
			return fail("worker setup", rc);
	}
	if (workers == NULL)
		return fail("workers", -ENOMEM);
	shared.workers = workers;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_garp_signal);
	uint32_t i = 0;
	unsigned lcore;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (i < n)
			rte_eal_remote_launch(worker_main, &workers[i++], lcore);
	}
	rw_log(RW_LOG_INFO, "dp.boot", "tsc_hz=%llu", (unsigned long long)rte_get_tsc_hz());
	rw_log(RW_LOG_NOTICE, "dp.boot",
	       "ready: serving %s:%lld on %s with %u workers (hugepages=%s), channel %s",
	       cfg.rw_address, (long long)cfg.port, cfg.rw_port_device, n,
	       eal.hugepages ? "yes" : "no", cfg.rw_channel);
	service_loop(workers, n);

	rw_log(RW_LOG_NOTICE, "dp.boot", "stopping");
	rte_eal_mp_wait_lcore();
	for (uint32_t k = 0; k < n; k++) {
		rw_logring_drain(&workers[k].log, "worker");
		chan_jrnl_publish(shared.chan, k);
		worker_fini(&workers[k]);
	}
	rte_free(workers);
	cmd_rtcfg_destroy(&shared.env.rt);
	chan_detach(&shared.chan);
	shard_mesh_destroy(&shared.mesh);
	tcp_shared_destroy(&shared.tcp);
	impair_report();
	eth_impair_destroy(&impair);
	eth_strict_destroy(&shared.strict);
	eth_port_dpdk_teardown(&port);
	for (uint32_t k = 0; k < n; k++)
		rte_mempool_free(pools[k]);
	if (shared.env.mem != NULL)
		free(shared.env.mem->slot);
	rw_config_fini(&cfg);
	rte_eal_cleanup();
	rw_log(RW_LOG_NOTICE, "dp.boot", "stopped");
	return 0;
}
