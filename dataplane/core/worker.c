/*
 * The worker loop (see worker.h for the shape of one iteration).
 */
#include "worker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "cmd_diag.h"
#include "dp_ccron.h"
#include "dp_cfgmsg.h"
#include "dp_clientkill.h"
#include "dp_xblock.h"
#include "dp_info.h"
#include "dp_pubsub.h"
#include "eth_strict.h"
#include "dp_snap.h"
#include "dp_tx.h"
#include "store.h"

#define WORKER_RX_BURST		 32
#define WORKER_MSG_BUDGET	 256
#define WORKER_EXPIRE_BUDGET	 64
#define WORKER_EXPIRE_STALE_PERC 10 /* Redis's ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE */
/* allocations a tick may free of dropped big collections (~50 us) */
#define WORKER_LAZYFREE_BUDGET 2048
#define WORKER_TICK_US	       1000
#define WORKER_SLOW_TICKS      16 /* a power of two */

/*
 * Command durations come from the TSC (dp_run, worker_tsc_us); its rate is
 * measured against CLOCK_MONOTONIC here, not taken from rte_get_tsc_hz(), a
 * nominal figure that can be a few percent off on a VM (a 50 ms DEBUG
 * SLEEP read as 49 ms). First over a 20 ms busy window at boot, then at
 * every slow tick over a window of up to a minute (a longer one would
 * overflow the Q32 ratio).
 */
#define WORKER_TSC_BOOT_US   20000
#define WORKER_TSC_WINDOW_US 60000000ull

static void tsc_pair(uint64_t *tsc, uint64_t *us)
{
	uint64_t a = rte_rdtsc();
	*us = rw_time_mono_us();
	*tsc = a + (rte_rdtsc() - a) / 2;
}

/* A new ratio from a window of at least @p min_us (a short one after the
 * window restarted would be less exact than the ratio in force). */
static void worker_tsc_calibrate(struct worker *w, uint64_t min_us)
{
	uint64_t tsc, us;
	tsc_pair(&tsc, &us);
	uint64_t dt = tsc - w->cal_tsc, du = us - w->cal_us;
	if (dt != 0 && du != 0 && du >= min_us)
		w->us_per_tsc_q32 = (du << 32) / dt;
	if (du >= WORKER_TSC_WINDOW_US) {
		w->cal_tsc = tsc;
		w->cal_us = us;
	}
}

static void worker_tsc_setup(struct worker *w)
{
	uint64_t hz = rte_get_tsc_hz();
	w->us_per_tsc_q32 = hz != 0 ? (1000000ull << 32) / hz : 1ull << 32;
	tsc_pair(&w->cal_tsc, &w->cal_us);
	for (uint32_t i = 0; i < 10000000 && rw_time_mono_us() - w->cal_us < WORKER_TSC_BOOT_US;
	     i++)
		rte_pause();
	worker_tsc_calibrate(w, 1);
}

int worker_init(struct worker *w, uint32_t id, struct dp_shared *sh, struct rte_mempool *pool,
		uint32_t max_conns)
{
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->sh = sh;
	w->rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)id + 1) * 0xbf58476d1ce4e5b9ULL; /* never 0 */
	w->pool = pool;
	rw_clock_init_real(&w->clock);
	worker_tsc_setup(w);
	w->stats = chan_stats(sh->chan, id);
	resp_limits_default(&w->limits);
	w->limits.max_bulk_len = (uint64_t)sh->cfg->proto_max_bulk_len;
	net_ctx_init(&w->net, &sh->nif, sh->port, (uint16_t)id, pool, w->stats);
	int rc =
	    tcp_stack_init(&w->tcp, &w->net, sh->tcp_port, max_conns, &dp_client_tcp_ops, w, id);
	if (rc != 0)
		return rc;
	if (sh->tcp != NULL)
		tcp_stack_share(&w->tcp, sh->tcp, id);
	tcp_keepalive_set(&w->tcp, (uint32_t)sh->cfg->tcp_keepalive);
	w->tcp.snd_limit = (uint64_t)sh->cfg->rw_output_limit;
	w->hold_acks = sh->cfg->appendonly;
	w->tcp.rcv_limit = (uint32_t)(sh->cfg->client_query_buffer_limit > UINT32_MAX / 2
					  ? UINT32_MAX / 2
					  : sh->cfg->client_query_buffer_limit);
	w->tcp.rmem_max = (uint32_t)sh->cfg->rw_tcp_rmem_max;
	w->tcp.rmem_pool = (uint64_t)sh->cfg->rw_tcp_rmem_pool;
	w->clients = calloc(max_conns, sizeof(*w->clients));
	w->live = calloc(max_conns, sizeof(*w->live));
	w->argv_cap = 64;
	w->argv = calloc(w->argv_cap, sizeof(*w->argv));
	w->sub_argv = calloc(w->argv_cap, sizeof(*w->sub_argv));
	w->key_owner_buf = calloc(w->argv_cap, 1);
	w->store = store_shard_create(id, (uint32_t)sh->cfg->databases);
	if (w->clients == NULL || w->live == NULL || w->argv == NULL || w->sub_argv == NULL ||
	    w->key_owner_buf == NULL || w->store == NULL) {
		worker_fini(w);
		return -ENOMEM;
	}
	w->pub.n_dbs = (uint32_t)(sh->cfg->databases < 256 ? sh->cfg->databases : 256);
	w->store_dbs = store_shard_databases(w->store);
	w->pub.db_keys = calloc(w->pub.n_dbs, sizeof(*w->pub.db_keys));
	w->pub.db_expires = calloc(w->pub.n_dbs, sizeof(*w->pub.db_expires));
	w->pub.db_main_bytes = calloc(w->pub.n_dbs, sizeof(*w->pub.db_main_bytes));
	w->pub.db_expires_bytes = calloc(w->pub.n_dbs, sizeof(*w->pub.db_expires_bytes));
	if (w->pub.db_keys == NULL || w->pub.db_expires == NULL || w->pub.db_main_bytes == NULL ||
	    w->pub.db_expires_bytes == NULL) {
		worker_fini(w);
		return -ENOMEM;
	}
	if (dp_load_init(w) != 0 || store_hook_add(w->store, dp_load_store_event, w) != 0 ||
	    dp_tx_setup(w) != 0 || snap_part_init(&w->snap, w->store, sh->chan, id) != 0 ||
	    dp_pubsub_setup(w) != 0) {
		worker_fini(w);
		return -ENOMEM;
	}
	shard_port_init(&w->shard, &sh->mesh, id);
	struct cmd_diag *dg = cmd_diag_of(&sh->env);
	w->mon_slot = dg != NULL && id < CMD_DIAG_WORKERS ? &dg->slot[id] : NULL;
	return 0;
}

void worker_fini(struct worker *w)
{
	dp_block_fini(w);
	dp_xblock_fini(w);
	if (w->clients != NULL)
		for (uint32_t i = 0; i < w->tcp.max_conns; i++) {
			if (w->clients[i].slots == NULL)
				continue;
			for (unsigned s = 0; s < DP_SLOTS; s++)
				dp_slot_fini(&w->clients[i].slots[s]);
			free(w->clients[i].slots);
		}
	if (w->clients != NULL)
		for (uint32_t i = 0; i < w->tcp.max_conns; i++)
			dp_tx_client_free(&w->clients[i]);
	dp_tx_teardown(w);
	dp_pubsub_teardown(w);
	free(w->clients);
	free(w->live);
	w->live = NULL;
	free(w->argv);
	free(w->sub_argv);
	free(w->acks);
	w->acks = NULL;
	free(w->pub.db_keys);
	free(w->pub.db_expires);
	free(w->pub.db_main_bytes);
	free(w->pub.db_expires_bytes);
	w->pub.db_keys = w->pub.db_expires = NULL;
	w->pub.db_main_bytes = w->pub.db_expires_bytes = NULL;
	free(w->key_owner_buf);
	dp_load_fini(w);
	snap_part_fini(&w->snap);
	rw_buf_fini(&w->scratch);
	rw_buf_fini(&w->inline_line);
	rw_buf_fini(&w->propagate);
	rw_buf_fini(&w->part_buf);
	rw_buf_fini(&w->mon_buf);
	store_shard_destroy(&w->store);
	shard_port_fini(&w->shard);
	tcp_stack_fini(&w->tcp);
	w->clients = NULL;
	w->argv = NULL;
}

static void update_clock(struct worker *w)
{
	w->now_us = rw_clock_now_us(&w->clock);
	w->now_unix_ms = (uint64_t)((int64_t)w->now_us + w->clock.unix_offset_us) / 1000u;
	w->net.now_ms = w->now_us / 1000u;
	w->tcp.now_us = w->now_us;
}

/* Requests from the control plane: PING, and the dataset while loading
 * (more messages per iteration then: there is nothing else to do). Counted
 * in ctl_msgs: reading the appliance (/metrics, /v1/stats, the console)
 * sends none, which test_api_metrics.sh checks with this counter. */
static unsigned control_poll(struct worker *w)
{
	struct chan_msg m;
	unsigned n = 0, budget = w->load.phase == DP_LOAD_SERVING ? 8 : 64;
	while (n < budget && chan_msg_recv(w->sh->chan, w->id, CHAN_TO_DP, &m) == 0) {
		if (m.type == CHAN_MSG_PING)
			chan_msg_send(w->sh->chan, w->id, CHAN_TO_CP, CHAN_MSG_PONG, m.id,
				      m.payload, m.len);
		else if (!dp_info_persist_msg(w, &m) && !dp_snap_msg(w, &m) && !dp_cfg_msg(w, &m))
			dp_load_msg(w, &m);
		chan_msg_release(w->sh->chan, w->id, CHAN_TO_DP, &m);
		n++;
	}
	w->stats->ctl_msgs += n; /* what the control plane made this loop do */
	return n;
}

/* CONFIG SET changed something: refresh the limits this worker caches. */
static void worker_apply_runtime_config(struct worker *w)
{
	const struct cmd_env *env = &w->sh->env;
	w->rt_generation = cmd_rtcfg_generation(env->rt);
	w->limits.max_bulk_len = (uint64_t)cmd_cfg_proto_max_bulk_len(env);
	int64_t qbl = cmd_cfg_client_query_buffer_limit(env);
	w->tcp.rcv_limit = (uint32_t)(qbl > UINT32_MAX / 2 ? UINT32_MAX / 2 : qbl);
	tcp_keepalive_set(&w->tcp, (uint32_t)cmd_cfg_tcp_keepalive(env));
	cmd_evict_apply(w->store, env);
	/* bind: connections open stay, as in Redis (it closes listeners only) */
	w->tcp.bind_open = cmd_cfg_bind_flag(env);
	int64_t hz = cmd_cfg_hz(env);
	if (hz != w->cron_hz_cfg) {
		w->cron_hz_cfg = hz;
		w->next_cron_us = w->now_us; /* the new rhythm starts now */
	}
}

/* Every worker's clients (INFO's connected_clients): dynamic-hz follows the
 * appliance's count, as Redis's follows listLength(server.clients), so all
 * workers run at the rate INFO shows. */
static uint64_t worker_clients_all(const struct worker *w)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < w->sh->n_workers; i++)
		n += chan_stats(w->sh->chan, i)->tcp_conns_current;
	return n;
}

/*
 * The cron, hz times a second (Redis's serverCron). Its rate is the hz in
 * force: the configured one, doubled by dynamic-hz while the clients
 * outnumber 200 a run (cmd_hz_in_force), recomputed at every run as stock
 * does, the next run one period of the new rate away. A run
 *   - starts an active expire cycle (activeExpireCycle(ACTIVE_EXPIRE_CYCLE_SLOW)).
 *     The cycle samples WORKER_EXPIRE_BUDGET keys a tick, so latency stays
 *     flat, and ends as Redis's does once a slice finds the shard fresh (at
 *     most WORKER_EXPIRE_STALE_PERC of a slice's budget expired); then
 *     nothing is sampled until the next cron. hz sets how soon keys nobody
 *     reads are reclaimed, not how much a cycle may do;
 *   - visits a slice of the worker's clients (clientsCron: idle timeout,
 *     dp_ccron.h).
 */
static void worker_cron(struct worker *w)
{
	int64_t hz = cmd_hz_in_force(&w->sh->env, worker_clients_all(w));
	atomic_store_explicit(&w->pub.hz, (uint64_t)hz, memory_order_relaxed);
	uint64_t period = 1000000u / (uint64_t)hz;
	w->next_cron_us += period;
	if (w->next_cron_us <= w->now_us) /* a long stall: no burst of crons after it */
		w->next_cron_us = w->now_us + period;
	w->expire_cycle = true;
	w->stats->cron_runs++;
	dp_clients_cron(w, hz);
}

static void worker_expire_slice(struct worker *w)
{
	uint32_t n = store_active_expire_step(w->store, w->now_unix_ms, WORKER_EXPIRE_BUDGET);
	if (n * 100 <= WORKER_EXPIRE_BUDGET * WORKER_EXPIRE_STALE_PERC)
		w->expire_cycle = false;
}

/* What moves the per-DB figures dp_info_publish walks every DB for: a key
 * added, removed or resized changes the footprint or counts a write, an
 * expiry or an eviction. */
static struct worker_db_sig worker_db_sig_of(const struct worker *w)
{
	const struct store_stats *st = store_shard_stats(w->store);
	return (struct worker_db_sig){st->used_bytes, st->dirty, st->expired_keys,
				      st->evicted_keys};
}

/* Gauges only leak checks read (test_tcp_scale.sh, tests/soak/churn_soak.sh):
 * every WORKER_SLOW_TICKS ticks. The mempool count alone walks every
 * lcore's cache (RTE_MAX_LCORE of them). */
static void worker_slow_gauges(struct worker *w)
{
	w->stats->tcp_flow_entries = (uint64_t)rte_hash_count(w->tcp.flows);
	w->stats->tcp_timer_entries = w->tcp.wheel.n;
	w->stats->mbufs_in_use = rte_mempool_in_use_count(w->pool);
	if (w->sh->strict != NULL)
		w->stats->tx_offload_violations =
		    eth_strict_violations(w->sh->strict, (uint16_t)w->id);
}

/* Housekeeping that need not run every iteration: once a millisecond,
 * bounded work (Redis's active expire cycle runs at hz 10; this is finer
 * and smaller, so latency stays flat). */
__attribute__((noinline)) static void worker_tick(struct worker *w)
{
	w->next_tick_us = w->now_us + WORKER_TICK_US;
	bool loading = dp_loading(w); /* Redis neither expires nor evicts while loading */
	if (w->now_us >= w->next_cron_us)
		worker_cron(w);
	/* Redis's activeExpireCycle skips a DB without volatile keys: none in
	 * the shard at the last count, nothing to sample. The count is a tick
	 * old at most (a write that set a time to live republishes it), well
	 * inside Redis's own 100 ms cycle. (The count covers the DBs INFO
	 * lists, the first 256: past those, always sample.) */
	if (!loading && w->expire_cycle && (w->stats->expires != 0 || w->pub.n_dbs < w->store_dbs))
		worker_expire_slice(w);
	store_lazyfree_step(WORKER_LAZYFREE_BUDGET);
	if (!loading)
		cmd_evict_tick(w->store, &w->sh->env, w->now_unix_ms);
	/* the per-DB walk when something moved (loading changes keys without
	 * counting writes: always then), and every WORKER_SLOW_TICKS anyway */
	struct worker_db_sig sig = worker_db_sig_of(w);
	bool slow = (w->ticks++ & (WORKER_SLOW_TICKS - 1)) == 0;
	bool dbs = loading || slow || w->dbs_moved || memcmp(&sig, &w->db_sig, sizeof(sig)) != 0;
	w->db_sig = sig;
	w->dbs_moved = false;
	if (slow) {
		worker_slow_gauges(w);
		worker_tsc_calibrate(w, 1000000);
	}
	dp_cmem_tick(w);
	if (cmd_acl_tick(&w->sh->env, w->id, &w->acl_kill_gen)) /* a quiescent point too */
		dp_clientkill_deleted_users(w);
	dp_info_publish(w, dbs);
	dp_snap_tick(w); /* save points (worker 0) */
	dp_load_tick(w); /* the quiet figures; a live restore's quiet point */
	if (w->id == 0 && atomic_load_explicit(&w->sh->garp, memory_order_relaxed) &&
	    atomic_exchange(&w->sh->garp, false))
		net_send_gratuitous_arp(&w->net);
	if (w->sh->env.rt != NULL && cmd_rtcfg_generation(w->sh->env.rt) != w->rt_generation)
		worker_apply_runtime_config(w);
}

/*
 * Every subsystem below costs an inline test when it has nothing to do:
 * its own queue or count is looked at here, and only then is it called.
 * Segment handoff and the shard mesh exist between workers only.
 */
static inline bool tx_pending(const struct worker *w)
{
	return w->self_head != NULL || w->tx_wait != NULL;
}

static inline bool monitor_pending(const struct worker *w)
{
	const struct cmd_diag_slot *s = w->mon_slot;
	return s != NULL &&
	       (atomic_load_explicit(&s->monitors, memory_order_relaxed) != 0 || s->mon.len != 0);
}

/* The iteration after its RX burst: @p n packets in @p pkts. */
static unsigned worker_poll_rest(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		net_input(&w->net, pkts[i]);
	unsigned work = n;
	if (w->sh->n_workers > 1) {
		/* segments of our flows that reached another worker's queue */
		work += tcp_handoff_poll(&w->tcp);
		work += shard_poll(&w->shard, dp_shard_msg_in, w, WORKER_MSG_BUDGET);
	}
	if (tx_pending(w))
		work += dp_tx_poll(w);
	if (w->deferred_head != NULL)
		dp_deferred_retry(w);
	if (w->blk.q.n != 0)
		work += dp_block_poll(w);
	if (w->xblk_head != NULL)
		work += dp_xblock_poll(w);
	if (w->ack_head != w->ack_tail)
		work += dp_acks_release(w);
	if (w->ready != NULL) {
		work++;
		dp_client_process_ready(w);
		if (tx_pending(w))
			work += dp_tx_poll(w); /* what the commands sent this worker itself */
	}
	if (w->ps->n_kill != 0)
		work += dp_pubsub_poll(w); /* subscribers over their output limit */
	if (monitor_pending(w))
		work += dp_monitor_poll(w);
	tcp_output_flush(&w->tcp);
	if (w->shard.backlogged != 0)
		shard_backlog_flush(&w->shard);
	tcp_timers_run(&w->tcp);
	tcp_output_flush(&w->tcp);
	net_tx_flush(&w->net);
	if (w->now_us >= w->next_tick_us)
		worker_tick(w);
	chan_jrnl_publish(w->sh->chan, w->id);
	work += dp_snap_poll(w); /* a slice of the snapshot walk, bounded */
	work += control_poll(w);
	return work;
}

/*
 * Instructions per request (tests/bench/instructions.sh) count the
 * iterations that did work, as VPP reports clocks per packet. Callgrind
 * collects inside worker_poll_once() and not inside worker_poll_idle()
 * (--collect-atstart=no --toggle-collect for both), so of an iteration
 * whose RX burst came back empty only the burst itself counts, the same
 * code every time: the script counts the calls of worker_cg_idle() and
 * takes off an empty burst's cost, measured while the worker is quiet. An
 * iteration without packets that still found work (a retransmission, a
 * control request) is not counted: worker_cg_missed() counts those.
 * Outside valgrind this is an extra call when idle.
 */
__attribute__((noinline)) void worker_cg_idle(void)
{
	__asm__ volatile("");
}

__attribute__((noinline)) void worker_cg_missed(void)
{
	__asm__ volatile("");
}

__attribute__((noinline)) static unsigned worker_poll_idle(struct worker *w)
{
	return worker_poll_rest(w, NULL, 0);
}

__attribute__((noinline)) unsigned worker_poll_once(struct worker *w)
{
	struct rte_mbuf *pkts[WORKER_RX_BURST];
	update_clock(w);
	w->stats->loops++;
	uint16_t n = w->sh->port->rx_burst(w->sh->port, (uint16_t)w->id, pkts, WORKER_RX_BURST);
	if (n != 0)
		return worker_poll_rest(w, pkts, n);
	worker_cg_idle();
	unsigned work = worker_poll_idle(w);
	if (work != 0)
		worker_cg_missed();
	return work;
}

/* Back off exponentially while idle so a shared development machine keeps
 * its cores; the first packet resets the sleep. Production sets
 * redwire-idle-backoff no and polls flat out. */
static void idle_backoff(struct worker *w, unsigned work)
{
	if (work != 0 || !w->sh->idle_backoff) {
		w->idle_us = 0;
		return;
	}
	w->idle_us = w->idle_us == 0 ? 1 : w->idle_us * 2;
	if (w->idle_us > w->sh->idle_max_us)
		w->idle_us = w->sh->idle_max_us;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)w->idle_us * 1000};
	nanosleep(&ts, NULL);
	w->stats->idle_sleeps++;
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	update_clock(w);
	if (w->sh->env.rt != NULL)
		worker_apply_runtime_config(w); /* the policy and limits in force at boot */
	if (w->id == 0)
		net_send_gratuitous_arp(&w->net);
	rw_logring_put(&w->log, RW_LOG_INFO, "dp.core", "lcore=%u started", rte_lcore_id());
	while (!atomic_load_explicit(&w->sh->stop, memory_order_relaxed)) {
		uint64_t t0 = rte_rdtsc();
		unsigned work = worker_poll_once(w);
		/* Cycles per request, as VPP reports clocks per packet: only
		 * iterations that did something count. */
		if (work != 0) {
			w->stats->busy_loops++;
			w->stats->busy_cycles += rte_rdtsc() - t0;
		}
		idle_backoff(w, work);
	}
	store_lazyfree_drain(); /* this thread's queue: nobody else can free it */
	return 0;
}
