/*
 * What the command layer may learn about the rest of the dataplane without
 * sharing any mutable state: a connection's addresses and buffers
 * (CLIENT INFO/LIST), and the process-wide totals INFO prints.
 *
 * Each worker publishes its shard's numbers once a millisecond (worker_tick)
 * into relaxed atomics it alone writes (and into its block of the control
 * channel, for /metrics); INFO, running on any worker, sums
 * those and the per-worker counters in the control channel. Figures are a
 * millisecond old at most, never torn, and no worker waits for another.
 *
 * Context: dp_info_publish on the owning worker; the readers on any worker.
 */
#include "dp_info.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "dp_pubsub.h"
#include "dp_tx.h"
#include "store.h"

#define SNAP_LD(f) atomic_load_explicit(&sn->f, memory_order_relaxed)

/*
 * The same figures for the control plane (its /metrics and /v1/stats) in
 * this worker's block of the channel, plain stores by its single writer.
 * Worker 0 adds the dataplane-wide snapshot state, which the control plane
 * cannot see otherwise (dp_snap.c keeps it).
 */
static void dp_info_publish_chan(struct worker *w, const struct store_stats *st)
{
	struct chan_worker_stats *cs = w->stats;
	int64_t max = cmd_cfg_maxmemory(&w->sh->env);
	cs->used_memory = st->used_bytes;
	cs->maxmemory = max > 0 ? (uint64_t)max : 0;
	cs->expired_keys = st->expired_keys;
	cs->evicted_keys = st->evicted_keys;
	cs->keyspace_hits = st->keyspace_hits;
	cs->keyspace_misses = st->keyspace_misses;
	cs->dirty = st->dirty;
	if (w->id != 0)
		return;
	const struct cmd_snap *sn = &w->sh->snap;
	cs->rdb_saves = SNAP_LD(saves);
	cs->rdb_last_save_unix = SNAP_LD(lastsave_unix_s);
	cs->rdb_last_save_failed = SNAP_LD(last_status) != 0;
	cs->rdb_save_in_progress = SNAP_LD(running) != 0;
	cs->rdb_dirty_saved = SNAP_LD(dirty_saved);
}

void dp_info_publish(struct worker *w, bool dbs)
{
	const struct store_stats *st = store_shard_stats(w->store);
	struct dp_pub *p = &w->pub;
	atomic_store_explicit(&p->expired, st->expired_keys, memory_order_relaxed);
	atomic_store_explicit(&p->evicted, st->evicted_keys, memory_order_relaxed);
	atomic_store_explicit(&p->hits, st->keyspace_hits, memory_order_relaxed);
	atomic_store_explicit(&p->misses, st->keyspace_misses, memory_order_relaxed);
	atomic_store_explicit(&p->used, st->used_bytes, memory_order_relaxed);
	atomic_store_explicit(&p->dirty, st->dirty, memory_order_relaxed);
	dp_info_publish_chan(w, st);
	if (!dbs)
		return;
	struct store_db_figures f[256]; /* n_dbs <= 256 (worker_init) */
	store_db_figures(w->store, p->n_dbs, f);
	uint64_t expires = 0, keys = 0;
	for (uint32_t db = 0; db < p->n_dbs; db++) {
		keys += f[db].keys;
		expires += f[db].expires;
		atomic_store_explicit(&p->db_keys[db], f[db].keys, memory_order_relaxed);
		atomic_store_explicit(&p->db_expires[db], f[db].expires, memory_order_relaxed);
		atomic_store_explicit(&p->db_main_bytes[db], f[db].main_bytes,
				      memory_order_relaxed);
		atomic_store_explicit(&p->db_expires_bytes[db], f[db].expires_bytes,
				      memory_order_relaxed);
	}
	w->stats->expires = expires;
	/* more DBs than INFO lists (over 256): the gauge counts them all */
	w->stats->keys =
	    p->n_dbs == store_shard_databases(w->store) ? keys : store_shard_keys(w->store);
}

static uint64_t ld(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void dp_info_gather(void *arg, struct cmd_info_totals *t)
{
	struct dp_shared *sh = arg;
	for (uint32_t i = 0; i < sh->n_workers; i++) {
		const struct chan_worker_stats *cs = chan_stats(sh->chan, i);
		t->connected_clients += cs->tcp_conns_current;
		if (i == 0) /* each worker finds the same rate from the same total */
			t->hz = ld(&sh->workers[0].pub.hz);
		t->blocked_clients += cs->blocked_clients;
		t->total_connections_received += cs->tcp_conns_opened;
		t->total_commands_processed += cs->commands_received;
		t->total_net_input_bytes += cs->rx_bytes;
		t->total_net_output_bytes += cs->tx_bytes;
		struct dp_pub *p = &sh->workers[i].pub;
		struct dp_pubsub *ps = sh->workers[i].ps;
		if (ps != NULL) {
			t->pubsub_channels += ld(&ps->names[CMD_PS_CHAN]);
			t->pubsub_patterns += ld(&ps->names[CMD_PS_PAT]);
			t->pubsubshard_channels += ld(&ps->names[CMD_PS_SHARD]);
		}
		t->expired_keys += ld(&p->expired);
		t->evicted_keys += ld(&p->evicted);
		t->keyspace_hits += ld(&p->hits);
		t->keyspace_misses += ld(&p->misses);
		t->used_memory += ld(&p->used);
		t->mem_clients_normal += ld(&sh->workers[i].cmem.total);
		t->evicted_clients += ld(&sh->workers[i].cmem.evicted);
		t->dirty += ld(&p->dirty);
		for (uint32_t db = 0; db < t->n_dbs && db < p->n_dbs; db++) {
			t->dbs[db].keys += ld(&p->db_keys[db]);
			t->dbs[db].expires += ld(&p->db_expires[db]);
			t->dbs[db].main_bytes += ld(&p->db_main_bytes[db]);
			t->dbs[db].expires_bytes += ld(&p->db_expires_bytes[db]);
		}
	}
}

void dp_conn_describe(const void *conn, struct cmd_conn_info *out)
{
	const struct dp_client *cl = conn;
	const struct tcp_conn *c = cl->tcp;
	const struct worker *w = cl->owner;
	if (c == NULL || w == NULL)
		return;
	out->peer_ip = ntohl(c->rip);
	out->local_ip = ntohl(w->sh->nif.ip);
	out->peer_port = ntohs(c->rport);
	out->local_port = ntohs(c->lport);
	out->qbuf = c->rcv.len;
	out->qbuf_free = w->tcp.rcv_limit > c->rcv.len ? w->tcp.rcv_limit - c->rcv.len : 0;
	out->obl = c->snd.len - c->snd_off;
	uint64_t slots = 0;
	for (uint64_t i = cl->slot_head; i != cl->slot_tail; i++)
		slots += cl->slots[i % DP_SLOTS].buf.len;
	out->omem = slots;
	out->tot_mem = dp_client_mem(cl);
	out->multi = dp_tx_multi_count(cl);
	out->in_exec = dp_tx_in_exec(cl);
	out->blocked = cl->blocking;
	dp_pubsub_describe(cl, out);
}

bool dp_info_persist_msg(struct worker *w, const struct chan_msg *m)
{
	struct chan_persist_status st;
	if (m->type != CHAN_MSG_PERSIST_STATUS)
		return false;
	if (m->len < sizeof(st))
		return true;
	memcpy(&st, m->payload, sizeof(st));
	struct cmd_persist *p = &w->sh->persist;
	atomic_store_explicit(&p->write_errno, st.write_errno, memory_order_relaxed);
	atomic_store_explicit(&p->write_ok, st.write_ok, memory_order_relaxed);
	atomic_store_explicit(&p->current_size, st.current_size, memory_order_relaxed);
	atomic_store_explicit(&p->base_size, st.base_size, memory_order_relaxed);
	atomic_store_explicit(&p->buffer_length, st.buffer_length, memory_order_relaxed);
	atomic_store_explicit(&p->pending_bio_fsync, st.pending_bio_fsync, memory_order_relaxed);
	atomic_store_explicit(&p->delayed_fsync, st.delayed_fsync, memory_order_relaxed);
	atomic_store_explicit(&p->big_lost, st.big_lost, memory_order_relaxed);
	atomic_store_explicit(&p->reported, 1, memory_order_relaxed);
	return true;
}

/* writeCommandsDeniedByDiskError()'s RDB case: stop-writes-on-bgsave-error,
 * save points set, and the last snapshot failed. */
static bool rdb_refuses(const struct worker *w)
{
	const struct cmd_env *env = &w->sh->env;
	return atomic_load_explicit(&w->sh->snap.last_status, memory_order_relaxed) != 0 &&
	       cmd_cfg_rdb_error_stops_writes(env);
}

bool dp_info_persist_refuses(const struct worker *w, const struct cmd_def *d)
{
	const struct cmd_persist *p = &w->sh->persist;
	/* the state first: writes are fine nearly always, no name compared */
	bool rdb = rdb_refuses(w);
	if (!rdb && (!atomic_load_explicit(&p->reported, memory_order_relaxed) ||
		     atomic_load_explicit(&p->write_ok, memory_order_relaxed)))
		return false;
	if (!(d->flags & CMD_WRITE) && strcmp(d->name, "ping") != 0)
		return false;
	if (rdb)
		return true;
	return atomic_load_explicit(&w->sh->snap.aof_state, memory_order_relaxed) != CMD_AOF_OFF;
}

void dp_info_misconf_reply(const struct worker *w, struct rw_buf *out)
{
	const struct cmd_persist *p = &w->sh->persist;
	if (rdb_refuses(w)) { /* Redis checks the RDB first */
		rw_buf_append(out, CMD_ERR_MISCONF_RDB, sizeof(CMD_ERR_MISCONF_RDB) - 1);
		return;
	}
	uint32_t e = atomic_load_explicit(&p->write_errno, memory_order_relaxed);
	const char *why = strerror(e != 0 ? (int)e : EIO);
	rw_buf_append(out, CMD_ERR_MISCONF_AOF, sizeof(CMD_ERR_MISCONF_AOF) - 1);
	rw_buf_append(out, why, strlen(why));
	rw_buf_append(out, "\r\n", 2);
}
