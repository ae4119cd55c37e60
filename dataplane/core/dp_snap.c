/*
 * SAVE, BGSAVE and the cut across workers (see dp_snap.h).
 *
 *   client's worker                 every shard (a transaction, "all" intent)
 *   BGSAVE: running 0 -> id  ---->  LOCK in shard order ... RUN snap_cut:
 *   "+Background saving started"    snap_part_start() (the store's cut),
 *                                   then RELEASE; each worker then walks and
 *                                   streams its part (snap_part_poll)
 *   control plane: file written, fsynced, renamed -> SNAP_DONE to worker 0
 *   worker 0: LASTSAVE, rdb_* fields, running -> 0; a waiting SAVE replies
 *
 * The transaction's own reply (+OK from every part) is discarded: the
 * client gets Redis's words instead, in its place.
 */
#include "dp_snap.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_cfgmsg.h"
#include "dp_int.h"
#include "dp_tx.h"
#include "snap.h"
#include "store.h"

#define SNAP_LD(sn, f)	   atomic_load_explicit(&(sn)->f, memory_order_relaxed)
#define SNAP_ST(sn, f, v)  atomic_store_explicit(&(sn)->f, (v), memory_order_relaxed)
#define SAVE_POINTS_MAX	   16
#define SAVE_RETRY_FAIL_MS 5000 /* Redis's CONFIG_BGSAVE_RETRY_DELAY */
/* Every part is sent and no DONE came: the control plane died with the
 * snapshot (a restarted one does not know it). Far above a file's fsync. */
#define SNAP_DONE_TIMEOUT_MS 20000

static struct worker *worker_of(const struct cmd_ctx *ctx)
{
	struct dp_shared *sh =
	    (struct dp_shared *)((const char *)ctx->env - offsetof(struct dp_shared, env));
	return &sh->workers[store_shard_id(ctx->shard)];
}

static const char *const aof_state_names[] = {"no", "wait-rewrite", "yes"};

static int aofrw_start(struct worker *w);

/*
 * CONFIG SET appendonly, as Redis 7.0's updateAppendonly(): yes from OFF is
 * startAppendOnly() (WAIT_REWRITE, and a rewrite whose base starts the AOF:
 * now, or scheduled behind the snapshot that runs); no is stopAppendOnly()
 * (OFF: the control plane stops appending, a rewrite under way is not
 * installed). Anything else changes nothing, as there.
 */
static void appendonly_set(struct worker *w, bool yes)
{
	struct cmd_snap *sn = &w->sh->snap;
	uint32_t st = SNAP_LD(sn, aof_state);
	/* a CONFIG SET from the management API runs on every worker: one flips it */
	if (yes == (st != CMD_AOF_OFF) ||
	    !atomic_compare_exchange_strong(&sn->aof_state, &st,
					    yes ? CMD_AOF_WAIT_REWRITE : CMD_AOF_OFF))
		return;
	dp_cfg_note_state(w, "appendonly",
			  aof_state_names[yes ? CMD_AOF_WAIT_REWRITE : CMD_AOF_OFF]);
	rw_logring_put(&w->log, RW_LOG_NOTICE, "dp.snap", "appendonly %s", yes ? "yes" : "no");
	if (!yes)
		return;
	if (SNAP_LD(sn, running) != 0 || aofrw_start(w) != 0) {
		SNAP_ST(sn, aofrw_scheduled, 1);
		rw_logring_put(
		    &w->log, RW_LOG_WARN, "dp.snap",
		    "AOF was enabled but there is already another background "
		    "operation. An AOF background was scheduled to start when possible.");
	}
}

void dp_snap_appendonly_set(const struct cmd_ctx *ctx, bool yes)
{
	appendonly_set(worker_of(ctx), yes);
}

/* A control plane attached (CONFIG_NOTE with no payload, to worker 0): it
 * read its directives from the configuration file, so it gets every
 * run-time value (those it acts on among them) and the users, the AOF's
 * state last, then the end of the list (an empty note). */
static void notes_resend(struct worker *w)
{
	dp_cfg_notes_all(w);
	uint32_t st = SNAP_LD(&w->sh->snap, aof_state);
	dp_cfg_note_state(w, "appendonly", aof_state_names[st <= CMD_AOF_ON ? st : 0]);
	if (chan_msg_send(w->sh->chan, w->id, CHAN_TO_CP, CHAN_MSG_CONFIG_NOTE, 0, NULL, 0) != 0)
		rw_logring_put(&w->log, RW_LOG_WARN, "dp.config",
			       "cannot end the directives' re-send (ring full)");
}

/* The RUN part on every shard: this worker's part of the cut, now. */
static void snap_cut(struct cmd_ctx *ctx)
{
	struct worker *w = worker_of(ctx);
	struct cmd_snap *sn = ctx->env->snap;
	const struct rw_config *cfg = w->sh->cfg;
	uint32_t id = SNAP_LD(sn, running);
	atomic_fetch_add_explicit(&sn->dirty_cut, store_shard_stats(w->store)->dirty,
				  memory_order_relaxed);
	w->snap.key_delay_us = (uint32_t)cfg->rdb_key_save_delay;
	struct store_evict_cfg ev;
	cmd_evict_cfg(ctx->env, &ev);
	w->snap.access =
	    store_evict_policy_lfu(ev.policy) ? SNAP_ACCESS_LFU
	    : ev.policy == STORE_EVICT_VOLATILE_LRU || ev.policy == STORE_EVICT_ALLKEYS_LRU
		? SNAP_ACCESS_LRU
		: SNAP_ACCESS_NONE;
	w->snap.next_us = 0;
	if (id == 0 || snap_part_start(&w->snap, id, cmd_cfg_rdbcompression(ctx->env),
				       w->jrnl_last_lsn, w->now_unix_ms) != 0)
		/* cannot happen while running is ours; the part's END will be
		 * missing and the control plane times the snapshot out */
		rw_logring_put(&w->log, RW_LOG_WARN, "dp.snap", "part not started id=%u", id);
	resp_w_simple(ctx->out, "OK");
}

static const struct cmd_def snap_cut_def = {
    .name = "bgsave",
    .arity = -1,
    .flags = CMD_ALL_SHARDS_OK | CMD_NOSCRIPT | CMD_ADMIN,
    .fn = snap_cut,
    .acl_categories = "@admin @slow @dangerous",
    .group = "server",
};

/*
 * The cut needs a transaction, and a transaction belongs to a connection.
 * Save points have none: they use this stand-in, whose generation matches
 * no real connection, so the transaction's reply is dropped when it ends
 * (dp_tx.c delivers only to w->clients[idx] of the same generation). Only
 * worker 0 uses it.
 */
static struct dp_client *phantom_of(struct worker *w)
{
	static struct tcp_conn tcp;
	static struct dp_client cl;
	if (cl.tcp == NULL) {
		cl.tcp = &tcp;
		cl.gen = UINT32_MAX;
		cl.owner = w;
		cl.cc.authenticated = 1;
	}
	cl.slot_head = cl.slot_tail; /* its replies are never read */
	cl.tx_inflight = 0;
	return &cl;
}

static void reply(struct worker *w, struct dp_client *cl, const char *text)
{
	rw_buf_append(dp_reply_target(w, cl), text, strlen(text));
}

/* Claim the snapshot slot. @return the id, 0 if one runs. */
static uint32_t snap_claim(struct worker *w)
{
	struct cmd_snap *sn = &w->sh->snap;
	uint32_t id = atomic_fetch_add(&sn->next_id, 1) + 1, idle = 0;
	if (id == 0)
		id = atomic_fetch_add(&sn->next_id, 1) + 1;
	if (!atomic_compare_exchange_strong(&sn->running, &idle, id))
		return 0;
	SNAP_ST(sn, start_unix_ms, w->now_unix_ms);
	SNAP_ST(sn, last_try_unix_ms, w->now_unix_ms);
	SNAP_ST(sn, dirty_cut, 0);
	SNAP_ST(sn, parts_ended, 0);
	return id;
}

/* Take the cut of the claimed snapshot @p id on every worker.
 * @return false if the transaction could not start (nothing taken). */
static bool snap_cut_take(struct worker *w, struct dp_client *cl, struct resp_arg *argv,
			  uint32_t argc, uint32_t id)
{
	(void)id;
	if (w->sh->n_workers == 1) {
		/* one shard: nothing can be half done between two commands */
		struct rw_buf scratch = {0};
		struct cmd_ctx ctx = {.argv = argv,
				      .argc = argc,
				      .out = &scratch,
				      .shard = w->store,
				      .env = &w->sh->env};
		snap_cut(&ctx);
		rw_buf_fini(&scratch);
		return true;
	}
	if (cl == NULL)
		cl = phantom_of(w);
	uint64_t first = cl->slot_tail;
	if (!dp_tx_start_one(w, cl, &snap_cut_def, argv, argc))
		return false;
	for (uint64_t s = first; s != cl->slot_tail; s++)
		cl->slots[s % DP_SLOTS].discard = true;
	return true;
}

/* Claim the snapshot slot and take the cut. @return the id, 0 if one runs. */
static uint32_t snap_start(struct worker *w, struct dp_client *cl, struct resp_arg *argv,
			   uint32_t argc)
{
	uint32_t id = snap_claim(w);
	if (id == 0)
		return 0;
	if (!snap_cut_take(w, cl, argv, argc, id)) {
		SNAP_ST(&w->sh->snap, running, 0);
		return 0;
	}
	return id;
}

/*
 * An AOF rewrite runs as a snapshot whose file becomes the AOF's new base
 * (control/persist/FORMAT.md, "Rewrite"). Its cut must not be taken before
 * the control plane's AOF writer holds back journal records: the writer
 * has to know each worker's cut LSN before it takes any record past it,
 * so that records up to the cut close the old incr file and the rest open
 * the new one. Hence a round trip: the slot is claimed here and
 * AOFRW_REQ goes to the control plane; its AOFRW_CUT tells worker 0 to
 * take the cut (aofrw_cut_try); SNAP_DONE ends it as any snapshot.
 * @return 0, -EBUSY (a snapshot runs), -ENOSPC (the ring is full).
 */
static int aofrw_start(struct worker *w)
{
	struct cmd_snap *sn = &w->sh->snap;
	uint32_t id = snap_claim(w);
	if (id == 0)
		return -EBUSY;
	SNAP_ST(sn, aofrw_cut, 0);
	SNAP_ST(sn, aofrw_scheduled, 0);
	SNAP_ST(sn, aofrw_start_unix_ms, w->now_unix_ms);
	SNAP_ST(sn, aofrw_id, id);
	uint32_t flags = SNAP_LD(sn, aof_state) == CMD_AOF_WAIT_REWRITE ? CHAN_AOFRW_F_ENABLE : 0;
	SNAP_ST(sn, aofrw_enable, flags != 0);
	if (chan_msg_send(w->sh->chan, w->id, CHAN_TO_CP, CHAN_MSG_AOFRW_REQ, id, &flags,
			  sizeof(flags)) != 0) {
		SNAP_ST(sn, aofrw_id, 0);
		atomic_store_explicit(&sn->running, 0, memory_order_release);
		return -ENOSPC;
	}
	rw_logring_put(&w->log, RW_LOG_NOTICE, "dp.snap",
		       "Background append only file rewriting started id=%u", id);
	return 0;
}

/* Worker 0, once the control plane said go: the cut, or again next tick. */
static void aofrw_cut_try(struct worker *w)
{
	static uint8_t name[] = "bgrewriteaof";
	struct resp_arg argv[1] = {{.ptr = name, .len = 12}};
	struct cmd_snap *sn = &w->sh->snap;
	uint32_t id = SNAP_LD(sn, aofrw_id);
	if (id == 0 || SNAP_LD(sn, aofrw_cut) != 1 || SNAP_LD(sn, running) != id)
		return;
	if (snap_cut_take(w, NULL, argv, 1, id))
		SNAP_ST(sn, aofrw_cut, 2);
}

/* When the last rewrite ended; worker 0 alone (DONE comes to it). The
 * control plane's new sizes follow DONE: no automatic rewrite before. */
static uint64_t aofrw_ended_ms;

/* The rewrite's end (SNAP_DONE of its id), good or not. */
static void aofrw_end(struct worker *w, uint32_t id, int32_t status)
{
	struct cmd_snap *sn = &w->sh->snap;
	aofrw_ended_ms = w->now_unix_ms;
	uint64_t st = SNAP_LD(sn, aofrw_start_unix_ms);
	SNAP_ST(sn, aofrw_last_status, status);
	SNAP_ST(sn, aofrw_last_time_sec,
		(int64_t)(w->now_unix_ms > st ? (w->now_unix_ms - st + 500) / 1000 : 0));
	SNAP_ST(sn, aofrw_done, SNAP_LD(sn, aofrw_done) + 1);
	if (status == 0) {
		SNAP_ST(sn, aofrw_ok, SNAP_LD(sn, aofrw_ok) + 1);
		SNAP_ST(sn, aofrw_fail_run, 0);
	} else {
		SNAP_ST(sn, aofrw_fail_run, SNAP_LD(sn, aofrw_fail_run) + 1);
	}
	rw_logring_put(&w->log, status == 0 ? RW_LOG_NOTICE : RW_LOG_WARN, "dp.snap",
		       "AOF rewrite id=%u status=%d", id, status);
	/* the rewrite that starts the AOF: on, or again (Redis schedules one) */
	if (SNAP_LD(sn, aofrw_enable) && SNAP_LD(sn, aof_state) == CMD_AOF_WAIT_REWRITE) {
		if (status == 0)
			SNAP_ST(sn, aof_state, CMD_AOF_ON);
		else
			SNAP_ST(sn, aofrw_scheduled, 1);
	}
	SNAP_ST(sn, aofrw_enable, 0);
	SNAP_ST(sn, aofrw_cut, 0);
	SNAP_ST(sn, aofrw_id, 0);
	SNAP_ST(sn, last_id, id);
	atomic_store_explicit(&sn->running, 0, memory_order_release);
}

#define AOFRW_ERR_CANT                                                                             \
	"-ERR Can't execute an AOF background rewriting. Please check the server logs for more "   \
	"information.\r\n"

/* bgrewriteaofCommand() of Redis 7.0, a BGSAVE in the role of the child. */
static void aofrw_route(struct worker *w, struct dp_client *cl)
{
	struct cmd_snap *sn = &w->sh->snap;
	/* appendonly no too: the control plane writes a base-only AOF directory */
	for (int tries = 0; tries < 2; tries++) {
		if (SNAP_LD(sn, aofrw_id) != 0) {
			reply(w, cl,
			      "-ERR Background append only file rewriting already in progress\r\n");
			return;
		}
		if (SNAP_LD(sn, running) != 0) {
			SNAP_ST(sn, aofrw_scheduled, 1);
			SNAP_ST(sn, aofrw_fail_run, 0);
			reply(w, cl, "+Background append only file rewriting scheduled\r\n");
			return;
		}
		int rc = aofrw_start(w);
		if (rc == 0) {
			reply(w, cl, "+Background append only file rewriting started\r\n");
			return;
		}
		if (rc != -EBUSY)
			break; /* -EBUSY: another worker claimed the slot first; look again */
	}
	reply(w, cl, AOFRW_ERR_CANT);
}

/* SHUTDOWN that saves: like SAVE (waiting for a running snapshot first),
 * then the handler with NOSAVE; a failed save stops it unless FORCE. */
static enum dp_snap_route_result shutdown_route(struct worker *w, struct dp_client *cl,
						const struct cmd_def *d, struct resp_arg *argv,
						uint32_t argc)
{
	struct cmd_snap *sn = &w->sh->snap;
	int want = cmd_shutdown_save(&w->sh->env, argv, argc);
	if (want < 0 || !(want & CMD_SHUTDOWN_SAVE) || dp_loading(w))
		return DP_SNAP_PASS;
	if (cl->save_wait == 0) {
		uint32_t id = SNAP_LD(sn, running) == 0 ? snap_start(w, cl, argv, 1) : 0;
		if (id != 0) {
			cl->save_wait = id;
			SNAP_ST(sn, save_id, id); /* a foreground save, as SAVE */
		}
		return DP_SNAP_WAIT; /* ours started, or another finishes first */
	}
	if (SNAP_LD(sn, last_id) != cl->save_wait && SNAP_LD(sn, running) == cl->save_wait)
		return DP_SNAP_WAIT;
	cl->save_wait = 0;
	if (SNAP_LD(sn, last_outcome) != 0 && !(want & CMD_SHUTDOWN_FORCE)) {
		reply(w, cl, "-ERR Errors trying to SHUTDOWN. Check logs.\r\n");
		return DP_SNAP_DONE;
	}
	static uint8_t nosave[] = "nosave";
	struct resp_arg args[2] = {argv[0], {.ptr = nosave, .len = 6}};
	dp_run(w, d, args, 2, &cl->cc, dp_reply_target(w, cl));
	return DP_SNAP_DONE;
}

enum dp_snap_route_result dp_snap_route(struct worker *w, struct dp_client *cl,
					const struct cmd_def *d, struct resp_arg *argv,
					uint32_t argc)
{
	struct cmd_snap *sn = &w->sh->snap;
	if (d->name[1] == 'h')
		return shutdown_route(w, cl, d, argv, argc);
	if (d->name[2] == 'r') {
		aofrw_route(w, cl);
		return DP_SNAP_DONE;
	}
	bool save = d->name[0] == 's';
	if (save && cl->save_wait != 0) {
		if (SNAP_LD(sn, last_id) != cl->save_wait && SNAP_LD(sn, running) == cl->save_wait)
			return DP_SNAP_WAIT;
		reply(w, cl, SNAP_LD(sn, last_outcome) == 0 ? "+OK\r\n" : "-ERR\r\n");
		cl->save_wait = 0;
		return DP_SNAP_DONE;
	}
	if (!save && argc > 1 &&
	    (argc > 2 || argv[1].len != 8 ||
	     strncasecmp((const char *)argv[1].ptr, "schedule", 8))) {
		reply(w, cl, "-ERR syntax error\r\n");
		return DP_SNAP_DONE;
	}
	if (SNAP_LD(sn, aofrw_id) != 0) {
		/* Redis's SAVE runs beside a rewrite's child; here it waits for it */
		if (save)
			return DP_SNAP_WAIT;
		if (argc > 1) {
			SNAP_ST(sn, bgsave_scheduled, 1);
			reply(w, cl, "+Background saving scheduled\r\n");
		} else {
			reply(w, cl,
			      "-ERR Another child process is active (AOF?): can't BGSAVE right "
			      "now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever "
			      "possible.\r\n");
		}
		return DP_SNAP_DONE;
	}
	uint32_t id = SNAP_LD(sn, running) == 0 ? snap_start(w, cl, argv, argc) : 0;
	if (id == 0) {
		reply(w, cl, "-ERR Background save already in progress\r\n");
		return DP_SNAP_DONE;
	}
	if (!save) {
		reply(w, cl, "+Background saving started\r\n");
		return DP_SNAP_DONE;
	}
	cl->save_wait = id;
	SNAP_ST(sn, save_id, id);
	return DP_SNAP_WAIT;
}

bool dp_snap_msg(struct worker *w, const struct chan_msg *m)
{
	struct chan_snap_done d;
	struct cmd_snap *sn = &w->sh->snap;
	if (m->type == CHAN_MSG_AOFRW_CUT) {
		uint32_t go = 0;
		if (m->id == SNAP_LD(sn, aofrw_id))
			atomic_compare_exchange_strong(&sn->aofrw_cut, &go, 1);
		aofrw_cut_try(w);
		return true;
	}
	if (m->type == CHAN_MSG_CONFIG_NOTE) {
		notes_resend(w);
		return true;
	}
	if (m->type == CHAN_MSG_SNAP_REQ) {
		/* the management API's snapshot: BGSAVE SCHEDULE (BGREWRITEAOF
		 * SCHEDULE with CHAN_SNAP_REQ_F_AOFRW: a live restore's durability),
		 * started by dp_snap_tick once the slot is free */
		uint32_t flags = 0;
		if (m->len >= sizeof(flags))
			memcpy(&flags, m->payload, sizeof(flags));
		if (flags & CHAN_SNAP_REQ_F_AOFRW)
			SNAP_ST(sn, aofrw_scheduled, 1);
		else
			SNAP_ST(sn, bgsave_scheduled, 1);
		return true;
	}
	if (m->type != CHAN_MSG_SNAP_DONE)
		return false;
	if (m->len < sizeof(d) || m->id != SNAP_LD(sn, running))
		return true; /* a snapshot of an earlier dataplane, or a duplicate */
	memcpy(&d, m->payload, sizeof(d));
	if (m->id == SNAP_LD(sn, aofrw_id)) {
		aofrw_end(w, m->id, d.status);
		return true;
	}
	/* rdbSave(): a failed SAVE leaves rdb_last_bgsave_status (and with it
	 * stop-writes-on-bgsave-error's -MISCONF) as it was; a good one clears it */
	if (d.status == 0 || m->id != SNAP_LD(sn, save_id))
		SNAP_ST(sn, last_status, d.status);
	SNAP_ST(sn, last_outcome, d.status);
	SNAP_ST(sn, last_time_sec, (int64_t)((d.duration_ms + 500) / 1000));
	if (d.status == 0) {
		SNAP_ST(sn, lastsave_unix_s, d.unix_ms / 1000);
		SNAP_ST(sn, saves, SNAP_LD(sn, saves) + 1);
		SNAP_ST(sn, dirty_saved, SNAP_LD(sn, dirty_cut));
	}
	rw_logring_put(&w->log, d.status == 0 ? RW_LOG_INFO : RW_LOG_WARN, "dp.snap",
		       "snapshot id=%u status=%d bytes=%llu ms=%llu", m->id, d.status,
		       (unsigned long long)d.bytes, (unsigned long long)d.duration_ms);
	SNAP_ST(sn, last_id, m->id);
	atomic_store_explicit(&sn->running, 0, memory_order_release);
	return true;
}

unsigned dp_snap_poll(struct worker *w)
{
	if (!snap_part_active(&w->snap))
		return 0;
	unsigned work = snap_part_poll(&w->snap);
	if (!snap_part_active(&w->snap)) { /* this worker's END is out */
		struct cmd_snap *sn = &w->sh->snap;
		SNAP_ST(sn, ended_unix_ms, w->now_unix_ms);
		atomic_fetch_add_explicit(&sn->parts_ended, 1, memory_order_release);
	}
	return work;
}

/* No DONE long after every part was sent: give the snapshot up, so BGSAVE
 * works again (the control plane died; a new one removed its temp file). */
static void done_timeout(struct worker *w)
{
	struct cmd_snap *sn = &w->sh->snap;
	uint32_t id = SNAP_LD(sn, running);
	if (id == 0 ||
	    atomic_load_explicit(&sn->parts_ended, memory_order_acquire) < w->sh->n_workers ||
	    w->now_unix_ms - SNAP_LD(sn, ended_unix_ms) < SNAP_DONE_TIMEOUT_MS)
		return;
	rw_logring_put(&w->log, RW_LOG_WARN, "dp.snap",
		       "snapshot id=%u: no answer from the control plane, given up", id);
	if (id == SNAP_LD(sn, aofrw_id)) {
		aofrw_end(w, id, -ETIMEDOUT);
		return;
	}
	SNAP_ST(sn, last_status, -ETIMEDOUT);
	SNAP_ST(sn, last_outcome, -ETIMEDOUT);
	SNAP_ST(sn, last_id, id);
	atomic_store_explicit(&sn->running, 0, memory_order_release);
}

/* The control plane never answered a rewrite's AOFRW_REQ (it died, or a
 * new one missed the message): give the rewrite up so it can run again. */
static void aofrw_req_timeout(struct worker *w)
{
	struct cmd_snap *sn = &w->sh->snap;
	uint32_t id = SNAP_LD(sn, aofrw_id);
	if (id == 0 || SNAP_LD(sn, aofrw_cut) != 0 ||
	    w->now_unix_ms - SNAP_LD(sn, aofrw_start_unix_ms) < SNAP_DONE_TIMEOUT_MS)
		return;
	rw_logring_put(&w->log, RW_LOG_WARN, "dp.snap",
		       "AOF rewrite id=%u: no answer from the control plane, given up", id);
	aofrw_end(w, id, -ETIMEDOUT);
}

/*
 * What waits for the snapshot slot (worker 0, nothing running): a
 * scheduled BGSAVE, then a scheduled rewrite, then serverCron()'s
 * automatic rewrite: the AOF (base plus incr files) grew
 * auto-aof-rewrite-percentage over its size after the last rewrite (or at
 * start) and is above auto-aof-rewrite-min-size. After a failure, not
 * again for 10 s. @return true if one started.
 */
static bool scheduled_start(struct worker *w)
{
	static uint8_t bgsave[] = "bgsave";
	struct resp_arg argv[1] = {{.ptr = bgsave, .len = 6}};
	struct cmd_snap *sn = &w->sh->snap;
	if (SNAP_LD(sn, bgsave_scheduled)) {
		SNAP_ST(sn, bgsave_scheduled, 0);
		return snap_start(w, NULL, argv, 1) != 0;
	}
	if (SNAP_LD(sn, aofrw_scheduled)) /* appendonly no too, as Redis */
		return aofrw_start(w) == 0;
	struct cmd_persist *ps = &w->sh->persist;
	uint64_t cur = atomic_load_explicit(&ps->current_size, memory_order_relaxed);
	uint64_t base = atomic_load_explicit(&ps->base_size, memory_order_relaxed);
	int64_t pct, min_size;
	cmd_cfg_auto_aofrw(&w->sh->env, &pct, &min_size);
	if (SNAP_LD(sn, aof_state) != CMD_AOF_ON || pct <= 0 ||
	    w->now_unix_ms - aofrw_ended_ms < 1000 ||
	    !atomic_load_explicit(&ps->reported, memory_order_relaxed) || cur <= (uint64_t)min_size)
		return false;
	if (SNAP_LD(sn, aofrw_fail_run) != 0 &&
	    w->now_unix_ms - SNAP_LD(sn, aofrw_start_unix_ms) < 10000)
		return false;
	uint64_t growth = cur * 100 / (base != 0 ? base : 1);
	if (growth < 100 + (uint64_t)pct)
		return false;
	rw_logring_put(&w->log, RW_LOG_NOTICE, "dp.snap",
		       "Starting automatic rewriting of AOF on %llu%% growth",
		       (unsigned long long)(growth - 100));
	return aofrw_start(w) == 0;
}

/* Parse "save" ("3600 1 300 100"): up to SAVE_POINTS_MAX (seconds, changes). */
static unsigned save_points(const struct cmd_env *env, uint64_t sec[], uint64_t chg[])
{
	char buf[256], *p = buf, *end;
	unsigned n = 0;
	cmd_cfg_save(env, buf, sizeof(buf));
	while (n < SAVE_POINTS_MAX) {
		unsigned long long a = strtoull(p, &end, 10);
		if (end == p)
			break;
		p = end;
		unsigned long long b = strtoull(p, &end, 10);
		if (end == p)
			break;
		p = end;
		sec[n] = a;
		chg[n++] = b;
	}
	return n;
}

/*
 * serverCron()'s save points, on worker 0 every 100 ms: BGSAVE when some
 * "save <seconds> <changes>" holds (that many changes since the last good
 * save, and that long since it), unless the last try failed less than
 * 5 s ago.
 */
void dp_snap_tick(struct worker *w)
{
	static uint64_t next_ms;
	struct cmd_snap *sn = &w->sh->snap;
	/* appendonly (CONFIG SET may change it): a write is answered once durable */
	w->hold_acks = SNAP_LD(sn, aof_state) != CMD_AOF_OFF;
	if (w->id != 0 || w->now_unix_ms < next_ms || dp_loading(w))
		return;
	next_ms = w->now_unix_ms + 100;
	done_timeout(w);
	aofrw_cut_try(w);
	aofrw_req_timeout(w);
	if (SNAP_LD(sn, running) != 0)
		return;
	if (scheduled_start(w))
		return;
	uint64_t sec[SAVE_POINTS_MAX], chg[SAVE_POINTS_MAX], dirty = 0;
	unsigned n = save_points(&w->sh->env, sec, chg);
	if (n == 0)
		return;
	for (uint32_t i = 0; i < w->sh->n_workers; i++)
		dirty += atomic_load_explicit(&w->sh->workers[i].pub.dirty, memory_order_relaxed);
	uint64_t saved = SNAP_LD(sn, dirty_saved), changes = dirty > saved ? dirty - saved : 0;
	uint64_t since_s = w->now_unix_ms / 1000 - SNAP_LD(sn, lastsave_unix_s);
	bool retry_ok = SNAP_LD(sn, last_status) == 0 ||
			w->now_unix_ms - SNAP_LD(sn, last_try_unix_ms) > SAVE_RETRY_FAIL_MS;
	for (unsigned i = 0; i < n && retry_ok; i++) {
		if (changes < chg[i] || since_s <= sec[i])
			continue;
		static uint8_t name[] = "bgsave";
		struct resp_arg argv[1] = {{.ptr = name, .len = 6}};
		uint32_t id = snap_start(w, NULL, argv, 1);
		rw_logring_put(&w->log, RW_LOG_NOTICE, "dp.snap",
			       "%llu changes in %llu seconds. Saving... id=%u",
			       (unsigned long long)chg[i], (unsigned long long)sec[i], id);
		return;
	}
}
