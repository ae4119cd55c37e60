/*
 * Transactions (see TRANSACTIONS.md for the design and dp_tx.h for the API).
 *
 * Coordinator side (the connection's worker), one struct dp_tx per
 * transaction, one message per shard it touches, reused phase after phase:
 *
 *   plan:    every command becomes sub-commands on the shards owning its
 *            keys (split as the dispatcher splits MGET/MSET/DEL), with a
 *            reply aggregator (dp_slot) per command; keyless commands
 *            (PING, SELECT...) run here and now, in order
 *   LOCK:    shard by shard, in increasing index, queue the intents there;
 *            the next shard is asked only once this one granted
 *   CHECK:   (WATCH, MSETNX) every shard answers whether its check passed
 *   RUN:     every shard runs its sub-commands, answers their replies and
 *            the writes' effects
 *   finish:  one journal record MULTI ... EXEC with every shard's effects,
 *            EXEC's held notifications and pub/sub commands in command
 *            order, the reply to the client, SLOWLOG/LATENCY/MONITOR for
 *            every command, RELEASE to every shard
 *
 * Participant side: LOCK enters the shard's intent queue (shard_txq) and is
 * answered when granted; CHECK and RUN execute at once (the coordinator
 * sends them only when it holds every lock); RELEASE leaves the queue and
 * lets waiting commands run.
 *
 * The commands (MULTI, EXEC, WATCH...) and a connection's MULTI state are in
 * dp_multi.c.
 *
 * Context: the worker lcore.
 */
#include "dp_tx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd_diag.h"
#include "dp_clientkill.h"
#include "dp_digest.h"
#include "dp_int.h"
#include "dp_tx_int.h"
#include "dp_pubsub.h"
#include "dp_watch.h"
#include "dp_xblock.h"
#include "cmd_rdb.h"
#include "shard_txq.h"
#include "store.h"

/* What a sub-command's keyspace notifications become on its shard. */
enum tx_ev {
	TX_EV_NOTIFY, /* published there, as any command's */
	TX_EV_MUTE,   /* none: a gather's write-back (dp_tx_gather.inc) */
	TX_EV_HOLD,   /* sent back with its result: an EXEC's coordinator publishes
		       * every command's in command order */
};

/* A sub-command in a part: this header, then argc x (u32 length, bytes). */
struct tx_sub {
	const struct cmd_def *d;
	uint32_t idx; /* the command of the transaction it belongs to */
	uint32_t db, argc;
	uint8_t proto;
	uint8_t ev; /* enum tx_ev */
};

/* A result in a CHECK/RUN answer: this header, then len reply bytes, then
 * ev_len bytes of held notifications (dp_pubsub_publish_held()'s format). */
struct tx_res {
	uint32_t idx, len, ev_len;
	uint32_t us; /* how long the sub-command ran (SLOWLOG, LATENCY) */
};

/* An EXEC's command as its coordinator records it when the transaction
 * ends (SLOWLOG, LATENCY, the histograms, MONITOR, as Redis's call()). */
struct tx_cmd_rec {
	int64_t us;    /* its parts' durations, summed */
	uint32_t db;   /* the client's DB once it ran (SELECT's own line shows the new one) */
	bool later;    /* a pub/sub command (or a PING after one): runs at the end */
	bool pick;     /* RANDOMKEY: every shard's count and key, one picked at the end */
	bool ev_split; /* its held notifications came from several parts */
	bool skipped;  /* did not run (the client went before its turn) */
};

struct dp_tx_part {
	struct rw_buf run, check, keys; /* sub-commands, checks, intents (u64) */
	uint32_t n_run, n_check;
	struct rw_buf cuts; /* a stepped EXEC: struct tx_cut at each segment's end */
	struct rw_buf wb;   /* a stepped EXEC: its gather's write-backs */
	uint32_t n_wb;
	/* sub-commands the RELEASE carries (a gather's "set-lru" of keys it
	 * only read), run on the shard before it lets the keys go */
	struct rw_buf rel;
	bool all, used;
	struct shard_msg *m;
	uint64_t lsn_at; /* the shard's journal position after its part */
};

struct dp_tx {
	struct dp_tx *next; /* waiting for durability */
	uint64_t txid;
	uint8_t kind; /* enum dp_tx_kind */
	uint8_t proto;
	bool abort;	 /* a watched key changed, or an MSETNX key exists */
	bool holds_conn; /* the connection waits until every lock is queued */
	uint32_t conn_idx, conn_gen;
	uint64_t slot_seq;
	struct cmd_client cc; /* the client as the parts see it */
	uint32_t n_cmds;
	struct dp_slot *cmds; /* one reply aggregator per command */
	uint32_t n_shards, lock_i, pending;
	uint8_t shards[SHARD_MAX_WORKERS]; /* increasing */
	struct rw_buf fx;		   /* effects: (u32 db, u32 len, RESP)* */
	struct rw_buf out;		   /* DP_TX_MOVE: the reply, decided after CHECK */
	struct rw_buf mv;		   /* DP_TX_MOVE: source and destination keys */
	uint32_t mv_db;			   /* DP_TX_MOVE: destination DB */
	uint8_t mv_mode;		   /* DP_TX_MOVE: enum dp_mv_mode */
	bool mv_replace;		   /* COPY ... REPLACE */
	/* DP_TX_GATHER: the commands (struct ga_rec) in mv, the keys read
	 * ((u32 db, u32 len, bytes) in read-slot order) */
	struct rw_buf ga_keys;
	uint32_t ga_n_keys, ga_count;
	bool ga_exec;	      /* EXEC: the reply is the array of the commands' replies */
	struct dp_xblock *xb; /* an attempt of a client blocked on several workers */
	/* EXEC: its commands as queued (dp_multi.c's format), EXEC itself last
	 * (q_exec: its offset); one record each; the notifications a part held
	 * for each (DP_TX_EXEC), published in command order at the end. Pub/sub
	 * commands (and the PINGs after one) run at the end on this worker in
	 * their place; the connection waits for them (holds_conn until finish). */
	struct rw_buf q;
	size_t q_exec;
	uint32_t n_q;
	struct tx_cmd_rec *rec;
	struct rw_buf *ev;
	bool ps_any;
	bool watch_failed; /* a gather EXEC whose watched key changed */
	/* one command across workers (not EXEC): tx->q holds it, recorded
	 * when it ends with the time its parts (or its gather run) took; its
	 * parts' notifications, published in argument order when it ends */
	int64_t us_total;
	struct rw_buf ev1;
	bool ev1_split;
	/* A stepped EXEC (TRANSACTIONS.md): its parts' sub-commands cut into
	 * segments run one after the other, a gather between two where a
	 * command needs its keys of several workers at once. */
	struct rw_buf segs;    /* struct tx_seg per cut */
	uint32_t n_cuts, seg;  /* cuts; the segment running */
	uint8_t st;	       /* enum tx_st */
	uint64_t ga_cur;       /* the running gather's ga_rec (offset in mv) */
	struct dp_slot *ga_rd; /* its keys' reads */
	uint32_t ga_rd_cap;
	struct dp_tx_part part[]; /* one per worker */
};

/* The check EXEC runs on each shard holding watched keys of the client. */
static const struct cmd_def tx_watch_check = {.name = "watch-check"};

static const char crossslot[] =
    "-CROSSSLOT Keys in request don't hash to the same worker: "
    "use a {hash tag} (this command cannot be split across workers)\r\n";

/* ---- parts: building (coordinator) ---- */

static int sub_add_q(struct rw_buf *b, uint32_t idx, const struct cmd_client *cc,
		     const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc,
		     enum tx_ev ev)
{
	struct tx_sub h = {
	    .d = d, .idx = idx, .db = cc->db, .argc = argc, .proto = cc->proto, .ev = (uint8_t)ev};
	size_t need = sizeof(h);
	for (uint32_t i = 0; i < argc; i++)
		need += sizeof(uint32_t) + argv[i].len;
	if (rw_buf_reserve(b, need) != 0)
		return -ENOMEM;
	rw_buf_append(b, &h, sizeof(h));
	for (uint32_t i = 0; i < argc; i++) {
		rw_buf_append(b, &argv[i].len, sizeof(uint32_t));
		rw_buf_append(b, argv[i].ptr, argv[i].len);
	}
	return 0;
}

static int sub_add(struct rw_buf *b, uint32_t idx, const struct cmd_client *cc,
		   const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc)
{
	return sub_add_q(b, idx, cc, d, argv, argc, TX_EV_NOTIFY);
}

/* An EXEC's parts, and a split command's (DEL, MSET... across workers),
 * hold their notifications for the coordinator, which publishes them in
 * command order (and a command's in argument order). */
static enum tx_ev tx_ev_of(const struct dp_tx *tx)
{
	return tx->kind == DP_TX_EXEC || tx->kind == DP_TX_ONE || tx->kind == DP_TX_MSETNX
		   ? TX_EV_HOLD
		   : TX_EV_NOTIFY;
}

static struct dp_tx_part *part_use(struct dp_tx *tx, uint32_t s)
{
	struct dp_tx_part *p = &tx->part[s];
	p->used = true;
	return p;
}

static int intent(struct dp_tx *tx, uint32_t s, uint32_t db, const struct resp_arg *key)
{
	uint64_t h = shard_key_hash(db, key->ptr, key->len);
	return rw_buf_append(&part_use(tx, s)->keys, &h, sizeof(h));
}

static int32_t last_key_of(const struct cmd_def *d, uint32_t argc)
{
	int32_t last = d->last_key < 0 ? (int32_t)argc + d->last_key : d->last_key;
	return last < (int32_t)argc ? last : (int32_t)argc - 1;
}

static bool arg_is_db(const struct resp_arg *a)
{
	return a->len == 2 && (a->ptr[0] | 32) == 'd' && (a->ptr[1] | 32) == 'b';
}

/*
 * The DB besides @p db where a command writes its key: MOVE key db, COPY
 * src dst DB n (parsed as cmd_copy_opts() does). Its keys are held, and
 * wait, in both DBs: else a command on the key in that DB (a read after
 * SELECT n, pipelined behind the MOVE) overtakes a MOVE that waits in the
 * intent queue behind a transaction holding the key in @p db, or runs in
 * the middle of an EXEC that moves the key. @return false if there is no
 * other DB (or no valid number: the handler replies an error, writes
 * nothing).
 */
static bool other_db_of(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc,
			uint32_t db, uint32_t *other)
{
	const struct resp_arg *a = NULL;
	if (d->name[0] == 'm' && strcmp(d->name, "move") == 0 && argc > 2) {
		a = &argv[2];
	} else if (d->name[0] == 'c' && strcmp(d->name, "copy") == 0) {
		for (uint32_t j = 3; j < argc; j++) {
			if (arg_is_db(&argv[j]) && j + 1 < argc)
				a = &argv[++j];
			else if (argv[j].len != 7 ||
				 strncasecmp((const char *)argv[j].ptr, "replace", 7) != 0)
				break; /* a syntax error: nothing is written */
		}
	}
	int64_t v;
	if (a == NULL || !resp_str_to_i64(a->ptr, a->len, &v) || v < 0 || v > UINT32_MAX ||
	    (uint32_t)v == db)
		return false;
	*other = (uint32_t)v;
	return true;
}

static enum dp_agg agg_of(const struct cmd_def *d)
{
	if (d->flags & (CMD_KEYS_SUM | CMD_ALL_SHARDS_SUM))
		return DP_AGG_SUM;
	if (d->flags & CMD_KEYS_MERGE)
		return DP_AGG_MERGE;
	if (d->flags & (CMD_KEYS_ALL_OK | CMD_ALL_SHARDS_OK))
		return DP_AGG_OK;
	if (d->flags & CMD_ALL_SHARDS_CONCAT)
		return DP_AGG_CONCAT;
	return DP_AGG_NONE;
}

/* A reply known at plan time (an error, or a keyless command's). */
static void cmd_reply_now(struct dp_tx *tx, uint32_t idx, const void *p, size_t n)
{
	struct dp_slot *s = &tx->cmds[idx];
	dp_slot_begin(s, DP_AGG_NONE, 0);
	dp_slot_absorb(s, 0, p, n);
}

/* Whole keyspace (KEYS, DBSIZE, FLUSHDB, FLUSHALL), or every worker's
 * connections (CLIENT KILL): every shard, every key. */
static int plan_every_shard(struct worker *w, struct dp_tx *tx, uint32_t idx,
			    const struct cmd_def *d, struct resp_arg *argv, uint32_t argc,
			    const struct cmd_client *cc, enum dp_agg how)
{
	struct dp_slot *agg = &tx->cmds[idx];
	if (dp_slot_begin(agg, how, w->sh->n_workers) != 0)
		return -ENOMEM;
	for (uint32_t s = 0; s < w->sh->n_workers; s++) {
		struct dp_tx_part *p = part_use(tx, s);
		p->all = true;
		if (sub_add_q(&p->run, idx, cc, d, argv, argc, tx_ev_of(tx)) != 0)
			return -ENOMEM;
		p->n_run++;
		dp_slot_expect(agg);
	}
	dp_slot_release(agg);
	return 0;
}

static int plan_all_shards(struct worker *w, struct dp_tx *tx, uint32_t idx,
			   const struct cmd_def *d, struct resp_arg *argv, uint32_t argc,
			   const struct cmd_client *cc)
{
	return plan_every_shard(w, tx, idx, d, argv, argc, cc, agg_of(d));
}

/* CLIENT KILL inside EXEC: each worker kills its own matches, as outside
 * MULTI (dp_clientkill.c); its argument errors are known now. */
static int plan_client_kill(struct worker *w, struct dp_tx *tx, uint32_t idx, struct resp_arg *argv,
			    uint32_t argc, struct cmd_client *cc)
{
	struct cmd_kill_filter f;
	rw_buf_reset(&w->part_buf);
	struct cmd_ctx ctx = {
	    .argv = argv, .argc = argc, .out = &w->part_buf, .client = cc, .env = &w->sh->env};
	if (cmd_client_kill_parse(&ctx, &f) != 0) {
		cmd_reply_now(tx, idx, w->part_buf.data, w->part_buf.len);
		return 0;
	}
	return plan_every_shard(w, tx, idx, &dp_clientkill_part_def, argv, argc, cc,
				argc == 3 ? DP_AGG_KILLED : DP_AGG_SUM);
}

/* CLIENT UNBLOCK inside EXEC: the client waits on its keys' worker (or, on
 * keys of several, on its own), so each worker looks among its waiters, as
 * outside MULTI (dp_clientkill.c); :1 from the one that had it. Its
 * argument errors are known now. */
static int plan_client_unblock(struct worker *w, struct dp_tx *tx, uint32_t idx,
			       struct resp_arg *argv, uint32_t argc, struct cmd_client *cc)
{
	int64_t id;
	bool error;
	rw_buf_reset(&w->part_buf);
	struct cmd_ctx ctx = {
	    .argv = argv, .argc = argc, .out = &w->part_buf, .client = cc, .env = &w->sh->env};
	if (cmd_client_unblock_parse(&ctx, &id, &error) != 0) {
		cmd_reply_now(tx, idx, w->part_buf.data, w->part_buf.len);
		return 0;
	}
	return plan_every_shard(w, tx, idx, &dp_clientunblock_part_def, argv, argc, cc, DP_AGG_SUM);
}

/* Keys on one or several shards: one sub-command per owner with its keys
 * (and, for MSET, their values), as the dispatcher splits them. */
static int plan_keys(struct worker *w, struct dp_tx *tx, uint32_t idx, const struct cmd_def *d,
		     struct resp_arg *argv, uint32_t argc, const struct cmd_client *cc)
{
	int32_t last = last_key_of(d, argc), step = d->key_step > 0 ? d->key_step : 1;
	uint8_t *owner = w->key_owner_buf;
	uint32_t odb;
	bool other = other_db_of(d, argv, argc, cc->db, &odb); /* MOVE, COPY ... DB */
	uint64_t owners = 0;
	for (int32_t i = d->first_key; i <= last; i += step) {
		owner[i] = (uint8_t)shard_of_key(argv[i].ptr, argv[i].len, w->sh->n_workers);
		owners |= 1ull << owner[i];
	}
	bool split = (owners & (owners - 1)) != 0;
	if (split && !(d->flags & (CMD_KEYS_SUM | CMD_KEYS_MERGE | CMD_KEYS_ALL_OK))) {
		cmd_reply_now(tx, idx, crossslot, sizeof(crossslot) - 1);
		return 0;
	}
	if (split && (d->flags & CMD_KEYS_ALL_OK) &&
	    (argc - (uint32_t)d->first_key) % (uint32_t)step) {
		rw_buf_reset(&w->part_buf);
		cmd_reply_arity(&w->part_buf, d);
		cmd_reply_now(tx, idx, w->part_buf.data, w->part_buf.len);
		return 0;
	}
	struct dp_slot *agg = &tx->cmds[idx];
	if (dp_slot_begin(agg, split ? agg_of(d) : DP_AGG_NONE, w->sh->n_workers) != 0)
		return -ENOMEM;
	if (split && (d->flags & CMD_KEYS_MERGE))
		for (int32_t i = d->first_key, k = 0; i <= last; i += step, k++)
			if (dp_slot_key_owner(agg, (uint32_t)k, owner[i]) != 0)
				return -ENOMEM;
	struct resp_arg *sub = w->sub_argv;
	for (uint32_t o = 0; o < w->sh->n_workers; o++) {
		if (!(owners & (1ull << o)))
			continue;
		uint32_t n = 0;
		if (!split) {
			memcpy(sub, argv, sizeof(*sub) * argc);
			n = argc;
		} else {
			for (int32_t i = 0; i < d->first_key; i++)
				sub[n++] = argv[i];
			for (int32_t i = d->first_key; i <= last; i += step)
				if (owner[i] == o)
					for (int32_t j = 0; j < step && i + j < (int32_t)argc; j++)
						sub[n++] = argv[i + j];
		}
		for (int32_t i = d->first_key; i <= last; i += step)
			if (owner[i] == o && (intent(tx, o, cc->db, &argv[i]) != 0 ||
					      (other && intent(tx, o, odb, &argv[i]) != 0)))
				return -ENOMEM;
		struct dp_tx_part *p = part_use(tx, o);
		if (sub_add_q(&p->run, idx, cc, d, sub, n, tx_ev_of(tx)) != 0)
			return -ENOMEM;
		p->n_run++;
		dp_slot_expect(agg);
	}
	dp_slot_release(agg);
	return 0;
}

/* Do the numkeys keys of @p d live on its first_key's worker (and has it one)? */
static bool numkeys_one_owner(struct worker *w, const struct cmd_def *d,
			      const struct resp_arg *argv, uint32_t argc)
{
	int64_t nk;
	uint32_t na = (uint32_t)d->numkeys_arg;
	if (na == 0 || na >= argc || !resp_str_to_i64(argv[na].ptr, argv[na].len, &nk) || nk <= 0 ||
	    (uint64_t)nk >= argc - na)
		return true; /* a bad count: the handler replies the error */
	if (d->first_key <= 0 || (int32_t)argc <= d->first_key)
		return false;
	uint32_t o = shard_of_key(argv[d->first_key].ptr, argv[d->first_key].len, w->sh->n_workers);
	for (uint32_t i = na + 1; i <= na + (uint32_t)nk; i++)
		if (shard_of_key(argv[i].ptr, argv[i].len, w->sh->n_workers) != o)
			return false;
	return true;
}

/* ---- a stepped EXEC: segments (TRANSACTIONS.md) ---- */

/* A part's run buffer where a segment ends. */
struct tx_cut {
	uint32_t off, n;
};

/* A cut: the gather that runs after the segment it ends (its ga_rec's
 * offset in tx->mv), or TX_SEG_NO_GA. */
struct tx_seg {
	uint64_t ga_off;
};
#define TX_SEG_NO_GA UINT64_MAX

enum tx_st {
	TX_ST_SEG,  /* a segment runs */
	TX_ST_READ, /* a gather between segments reads its keys */
	TX_ST_WB,   /* ... and writes back what it wrote */
};

/* Has anything been planned on a part since the last cut? */
static bool seg_open(const struct worker *w, const struct dp_tx *tx)
{
	for (uint32_t s = 0; s < w->sh->n_workers; s++) {
		const struct dp_tx_part *p = &tx->part[s];
		uint32_t n0 = 0;
		if (tx->n_cuts > 0)
			memcpy(&n0, p->cuts.data + (tx->n_cuts - 1) * sizeof(struct tx_cut) + 4, 4);
		if (p->n_run > n0)
			return true;
	}
	return false;
}

/* End the current segment here; @p ga_off: the gather to run after it. */
static int seg_cut(struct worker *w, struct dp_tx *tx, uint64_t ga_off)
{
	for (uint32_t s = 0; s < w->sh->n_workers; s++) {
		struct dp_tx_part *p = &tx->part[s];
		struct tx_cut c = {.off = (uint32_t)p->run.len, .n = p->n_run};
		if (rw_buf_append(&p->cuts, &c, sizeof(c)) != 0)
			return -ENOMEM;
	}
	struct tx_seg g = {.ga_off = ga_off};
	if (rw_buf_append(&tx->segs, &g, sizeof(g)) != 0)
		return -ENOMEM;
	tx->n_cuts++;
	return 0;
}

/* Defined with the gathers (dp_tx_gather.inc). */
static int ga_plan_step(struct worker *w, struct dp_tx *tx, uint32_t idx, const struct cmd_def *d,
			struct resp_arg *argv, uint32_t argc, const struct cmd_client *cc);

/* RANDOMKEY inside a cross-worker EXEC: when its turn comes each shard
 * answers its key count and a random key of its own ("random-pick"), and
 * the coordinator picks one shard's key, weighted by the counts
 * (tx_pick()), as random_owner() picks a worker outside MULTI. */
static const struct cmd_def tx_pick_def = {.name = "random-pick"};

static int plan_pick(struct worker *w, struct dp_tx *tx, uint32_t idx, struct resp_arg *argv,
		     uint32_t argc, const struct cmd_client *cc)
{
	if (tx->rec == NULL || idx >= tx->n_q)
		return -ENOMEM;
	tx->rec[idx].pick = true;
	return plan_every_shard(w, tx, idx, &tx_pick_def, argv, argc, cc, DP_AGG_CONCAT);
}

/* SCAN inside a cross-worker EXEC: on the worker its cursor names, as
 * outside MULTI, in its turn, with that whole shard held. */
static int plan_scan(struct worker *w, struct dp_tx *tx, uint32_t idx, const struct cmd_def *d,
		     struct resp_arg *argv, uint32_t argc, const struct cmd_client *cc)
{
	uint32_t o = cmd_scan_worker(argv, argc, w->sh->n_workers);
	if (o >= w->sh->n_workers)
		o = w->id; /* a bad cursor: the handler's error, from here */
	struct dp_tx_part *p = part_use(tx, o);
	p->all = true;
	if (dp_slot_begin(&tx->cmds[idx], DP_AGG_NONE, 0) != 0 ||
	    sub_add_q(&p->run, idx, cc, d, argv, argc, tx_ev_of(tx)) != 0)
		return -ENOMEM;
	p->n_run++;
	dp_slot_expect(&tx->cmds[idx]);
	dp_slot_release(&tx->cmds[idx]);
	return 0;
}

bool dp_tx_exec_needs_gather(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
			     uint32_t argc)
{
	if ((d->flags & (CMD_NOKEYS | CMD_PUBSUB | CMD_ALL_SHARDS_SUM | CMD_ALL_SHARDS_CONCAT |
			 CMD_ALL_SHARDS_OK)) ||
	    dp_tx_every_worker(d, argv, argc))
		return false;
	if (d->numkeys_arg > 0)
		return !numkeys_one_owner(w, d, argv, argc);
	if (d->first_key <= 0 || (int32_t)argc <= d->first_key ||
	    (d->flags & (CMD_KEYS_SUM | CMD_KEYS_MERGE | CMD_KEYS_ALL_OK)))
		return false;
	int32_t last = last_key_of(d, argc), step = d->key_step > 0 ? d->key_step : 1;
	uint64_t owners = 0;
	for (int32_t i = d->first_key; i <= last; i += step)
		owners |= 1ull << shard_of_key(argv[i].ptr, argv[i].len, w->sh->n_workers);
	return (owners & (owners - 1)) != 0;
}

/* One command of the transaction. Keyless ones run now, on this worker, with
 * @p cc (SELECT and HELLO change it for the commands after them). */
/* A pub/sub command of an EXEC (or a PING after one, which may see the
 * subscription): kept for the end, where it runs in its place (its
 * arguments are in tx->q). */
static int plan_later(struct dp_tx *tx, uint32_t idx)
{
	if (tx->rec == NULL || idx >= tx->n_q)
		return -ENOMEM;
	tx->ps_any = true;
	tx->rec[idx].later = true;
	dp_slot_begin(&tx->cmds[idx], DP_AGG_NONE, 0);
	return 0;
}

static int plan_one(struct worker *w, struct dp_tx *tx, uint32_t idx, const struct cmd_def *d,
		    struct resp_arg *argv, uint32_t argc, struct cmd_client *cc)
{
	if (tx->kind == DP_TX_EXEC &&
	    ((d->flags & CMD_PUBSUB) || (tx->ps_any && strcmp(d->name, "ping") == 0)))
		return plan_later(tx, idx);
	if (tx->kind == DP_TX_EXEC && (d->flags & CMD_ROUTE_RANDOM))
		return plan_pick(w, tx, idx, argv, argc, cc);
	if (tx->kind == DP_TX_EXEC && (d->flags & CMD_ROUTE_CURSOR))
		return plan_scan(w, tx, idx, d, argv, argc, cc);
	if (tx->kind == DP_TX_EXEC && dp_tx_exec_needs_gather(w, d, argv, argc))
		return ga_plan_step(w, tx, idx, d, argv, argc, cc);
	if (tx->kind == DP_TX_EXEC && (d->flags & CMD_WRITE) &&
	    (d->flags & (CMD_ALL_SHARDS_SUM | CMD_ALL_SHARDS_CONCAT | CMD_ALL_SHARDS_OK))) {
		/* FLUSHDB, FLUSHALL, SWAPDB: a segment of their own, so every
		 * shard's effects before them reach the journal record before
		 * theirs, and theirs before every effect after them */
		if ((seg_open(w, tx) && seg_cut(w, tx, TX_SEG_NO_GA) != 0) ||
		    plan_all_shards(w, tx, idx, d, argv, argc, cc) != 0)
			return -ENOMEM;
		return seg_cut(w, tx, TX_SEG_NO_GA);
	}
	if (d->flags & (CMD_ALL_SHARDS_SUM | CMD_ALL_SHARDS_CONCAT | CMD_ALL_SHARDS_OK))
		return plan_all_shards(w, tx, idx, d, argv, argc, cc);
	if (dp_clientkill_is(d, argv, argc))
		return plan_client_kill(w, tx, idx, argv, argc, cc);
	if (dp_clientunblock_is(d, argv, argc))
		return plan_client_unblock(w, tx, idx, argv, argc, cc);
	if (dp_digest_is(d, argv, argc)) /* every shard's part, its keys held */
		return plan_every_shard(w, tx, idx, &dp_digest_part_def, argv, argc, cc,
					DP_AGG_DIGEST);
	/* A numkeys command (ZUNION, LMPOP...) in an EXEC that could not be a
	 * gather (dp_multi.c): this plan routes by first_key only, so unless
	 * every key is first_key's worker it cannot run here. */
	if (d->numkeys_arg > 0 && !(d->flags & CMD_NOKEYS) &&
	    !numkeys_one_owner(w, d, argv, argc)) {
		cmd_reply_now(tx, idx, crossslot, sizeof(crossslot) - 1);
		return 0;
	}
	if ((d->flags & CMD_NOKEYS) || d->first_key == 0 || (int32_t)argc <= d->first_key) {
		rw_buf_reset(&w->part_buf);
		if ((d->flags & CMD_TX_DISPATCH) && d->name[0] == 'u')
			resp_w_simple(&w->part_buf, "OK"); /* UNWATCH: EXEC unwatches anyway */
		else
			dp_run(w, d, argv, argc, cc, &w->part_buf);
		cmd_reply_now(tx, idx, w->part_buf.data, w->part_buf.len);
		return 0;
	}
	return plan_keys(w, tx, idx, d, argv, argc, cc);
}

int dp_tx_plan_cmd(struct worker *w, struct dp_tx *tx, uint32_t idx, const struct cmd_def *d,
		   struct resp_arg *argv, uint32_t argc, struct cmd_client *cc)
{
	w->run_us = 0;
	int rc = plan_one(w, tx, idx, d, argv, argc, cc);
	if (tx->rec != NULL && idx < tx->n_q) { /* a keyless command ran: w->run_us */
		tx->rec[idx].db = cc->db;
		tx->rec[idx].us += w->run_us;
		w->run_us = 0;
	}
	return rc;
}

struct dp_tx *dp_tx_new(struct worker *w, struct dp_client *cl, enum dp_tx_kind kind,
			uint32_t n_cmds)
{
	uint32_t n = w->sh->n_workers;
	struct dp_tx *tx = calloc(1, sizeof(*tx) + sizeof(struct dp_tx_part) * n);
	if (tx == NULL)
		return NULL;
	tx->cmds = calloc(n_cmds ? n_cmds : 1, sizeof(*tx->cmds));
	if (tx->cmds == NULL) {
		free(tx);
		return NULL;
	}
	tx->n_cmds = n_cmds;
	tx->kind = (uint8_t)kind;
	tx->proto = cl->cc.proto;
	tx->conn_idx = cl->tcp->idx;
	tx->conn_gen = cl->gen;
	tx->txid = atomic_fetch_add_explicit(&w->sh->next_txid, 1, memory_order_relaxed) + 1;
	w->tx_live++;
	return tx;
}

void dp_tx_free(struct worker *w, struct dp_tx *tx)
{
	w->tx_live--;
	for (uint32_t i = 0; i < tx->n_cmds; i++)
		dp_slot_fini(&tx->cmds[i]);
	free(tx->cmds);
	for (uint32_t s = 0; s < w->sh->n_workers; s++) {
		rw_buf_fini(&tx->part[s].run);
		rw_buf_fini(&tx->part[s].check);
		rw_buf_fini(&tx->part[s].keys);
	}
	for (uint32_t s = 0; s < w->sh->n_workers; s++) {
		rw_buf_fini(&tx->part[s].cuts);
		rw_buf_fini(&tx->part[s].wb);
		rw_buf_fini(&tx->part[s].rel);
	}
	for (uint32_t k = 0; k < tx->ga_rd_cap; k++)
		dp_slot_fini(&tx->ga_rd[k]);
	free(tx->ga_rd);
	rw_buf_fini(&tx->segs);
	rw_buf_fini(&tx->ev1);
	rw_buf_fini(&tx->fx);
	rw_buf_fini(&tx->out);
	rw_buf_fini(&tx->mv);
	rw_buf_fini(&tx->ga_keys);
	rw_buf_fini(&tx->q);
	for (uint32_t i = 0; tx->ev != NULL && i < tx->n_q; i++)
		rw_buf_fini(&tx->ev[i]);
	free(tx->ev);
	free(tx->rec);
	free(tx);
}

/* ---- coordinator: the phases ---- */

static void tx_run(struct worker *w, struct dp_tx *tx);
static void tx_finish(struct worker *w, struct dp_tx *tx);

/* The read of a RENAME/COPY source under the lock (dp_tx_move.inc). */
static const struct cmd_def tx_read_def = {.name = "read-value"};
/* After a collection's RESTORE there: its source's encoding (dp_tx_move.inc). */
static const struct cmd_def tx_enc_def = {.name = "match-enc"};
static const struct cmd_def tx_lru_def = {.name = "set-lru"};

static int tx_keep_one(struct dp_tx *tx, const struct cmd_def *d, const struct resp_arg *argv,
		       uint32_t argc);
static void tx_send(struct worker *w, struct dp_tx *tx, uint32_t s, uint8_t op,
		    const struct rw_buf *args);

/* The notifications command @p idx of an EXEC holds (NULL: no memory, they
 * are lost as a full buffer's). */
static struct rw_buf *tx_ev_buf(struct dp_tx *tx, uint32_t idx)
{
	if (tx->rec == NULL || idx >= tx->n_q)
		return NULL;
	if (tx->ev == NULL)
		tx->ev = calloc(tx->n_q, sizeof(*tx->ev));
	return tx->ev != NULL ? &tx->ev[idx] : NULL;
}

#include "dp_tx_move.inc"
#include "dp_tx_gather.inc"

static void tx_lock_next(struct worker *w, struct dp_tx *tx);

static void tx_send_raw(struct worker *w, struct dp_tx *tx, uint32_t s, uint8_t op,
			const uint8_t *args, size_t len)
{
	struct shard_msg *m = tx->part[s].m;
	m->kind = SHARD_TX;
	m->op = op;
	m->dst = (uint16_t)s;
	m->tx = tx;
	m->txid = tx->txid;
	m->client = tx->cc;
	m->all = tx->part[s].all;
	m->first_lock = tx->lock_i == 0;
	/* an attempt of a blocked client: its LOCK takes its reservation over */
	m->blk_order = tx->xb != NULL ? dp_xblock_order(tx->xb) : 0;
	rw_buf_reset(&m->args);
	rw_buf_reset(&m->reply);
	if (len > 0 && rw_buf_append(&m->args, args, len) != 0)
		rw_buf_reset(&m->args); /* the part does nothing; its replies come back short */
	dp_msg_send(w, m);
}

static void tx_send(struct worker *w, struct dp_tx *tx, uint32_t s, uint8_t op,
		    const struct rw_buf *args)
{
	tx_send_raw(w, tx, s, op, args != NULL ? args->data : NULL, args != NULL ? args->len : 0);
}

/* Part @p s's sub-commands of segment @p j: [a, b). */
static void seg_range(const struct dp_tx *tx, uint32_t s, uint32_t j, struct tx_cut *a,
		      struct tx_cut *b)
{
	const struct dp_tx_part *p = &tx->part[s];
	*a = (struct tx_cut){0};
	*b = (struct tx_cut){.off = (uint32_t)p->run.len, .n = p->n_run};
	if (j > 0)
		memcpy(a, p->cuts.data + (j - 1) * sizeof(*a), sizeof(*a));
	if (j < tx->n_cuts)
		memcpy(b, p->cuts.data + j * sizeof(*b), sizeof(*b));
}

/*
 * An EXEC's RUN, segment by segment (one segment unless a FLUSHDB-like
 * command or a gather cut it): segment tx->seg on every shard with
 * sub-commands in it, or, if it has none, what follows it.
 */
static void tx_seg_run(struct worker *w, struct dp_tx *tx)
{
	for (;;) {
		struct tx_cut a, b;
		tx->pending = 0;
		for (uint32_t i = 0; i < tx->n_shards; i++) {
			seg_range(tx, tx->shards[i], tx->seg, &a, &b);
			tx->pending += b.n > a.n;
		}
		if (tx->pending > 0) {
			tx->st = TX_ST_SEG;
			for (uint32_t i = 0, n = tx->n_shards; i < n; i++) {
				uint32_t s = tx->shards[i];
				seg_range(tx, s, tx->seg, &a, &b);
				if (b.n > a.n)
					tx_send_raw(w, tx, s, SHARD_TX_RUN,
						    tx->part[s].run.data + a.off, b.off - a.off);
			}
			return;
		}
		if (tx->seg == tx->n_cuts) {
			tx_finish(w, tx);
			return;
		}
		struct tx_seg g;
		memcpy(&g, tx->segs.data + tx->seg * sizeof(g), sizeof(g));
		tx->seg++;
		if (g.ga_off != TX_SEG_NO_GA && ga_step_read(w, tx, g.ga_off))
			return;
	}
}

/* Segment tx->seg ran: the gather after it, or the next one. */
static void tx_seg_next(struct worker *w, struct dp_tx *tx)
{
	if (tx->seg == tx->n_cuts) {
		tx_finish(w, tx);
		return;
	}
	struct tx_seg g;
	memcpy(&g, tx->segs.data + tx->seg * sizeof(g), sizeof(g));
	tx->seg++;
	if (g.ga_off != TX_SEG_NO_GA && ga_step_read(w, tx, g.ga_off))
		return;
	tx_seg_run(w, tx);
}

static void tx_run(struct worker *w, struct dp_tx *tx)
{
	if (tx->kind == DP_TX_EXEC) {
		tx_seg_run(w, tx);
		return;
	}
	tx->pending = 0;
	for (uint32_t i = 0; i < tx->n_shards; i++)
		if (tx->part[tx->shards[i]].n_run > 0)
			tx->pending++;
	if (tx->pending == 0) {
		tx_finish(w, tx);
		return;
	}
	for (uint32_t i = 0, n = tx->n_shards; i < n; i++) {
		uint32_t s = tx->shards[i];
		if (tx->part[s].n_run > 0)
			tx_send(w, tx, s, SHARD_TX_RUN, &tx->part[s].run);
	}
}

/* Every shard granted: check (WATCH, MSETNX), or run at once. */
/* Every intent is queued: a later command of the connection for one of
 * these keys would queue behind them, so the connection may go on. */
static void tx_unhold_conn(struct worker *w, struct dp_tx *tx)
{
	struct dp_client *cl = &w->clients[tx->conn_idx];
	if (tx->holds_conn && cl->tcp != NULL && cl->gen == tx->conn_gen) {
		cl->tx_inflight--;
		dp_client_wake(w, cl);
	}
	tx->holds_conn = false;
}

static void tx_locked(struct worker *w, struct dp_tx *tx)
{
	if (!tx->ps_any) /* pub/sub commands write their replies at the end */
		tx_unhold_conn(w, tx);
	tx->pending = 0;
	for (uint32_t i = 0; i < tx->n_shards; i++)
		if (tx->part[tx->shards[i]].n_check > 0)
			tx->pending++;
	if (tx->pending == 0) {
		tx_run(w, tx);
		return;
	}
	for (uint32_t i = 0, n = tx->n_shards; i < n; i++) {
		uint32_t s = tx->shards[i];
		if (tx->part[s].n_check > 0)
			tx_send(w, tx, s, SHARD_TX_CHECK, &tx->part[s].check);
	}
}

static bool part_lock_try(struct worker *w, struct shard_msg *m);

static void tx_lock_next(struct worker *w, struct dp_tx *tx)
{
	for (;;) {
		if (tx->lock_i == tx->n_shards) {
			tx_locked(w, tx);
			return;
		}
		uint32_t s = tx->shards[tx->lock_i];
		/* Commands waiting to enter this shard's queue go through the self
		 * queue; a LOCK must not overtake them (they may be this
		 * connection's, sent before): then it takes the same way. */
		if (s != w->id || w->self_head != NULL) {
			tx_send(w, tx, s, SHARD_TX_LOCK, &tx->part[s].keys);
			return;
		}
		/* this worker's own shard, nothing ahead: queue the intents here */
		struct shard_msg *m = tx->part[s].m;
		m->kind = SHARD_TX;
		m->op = SHARD_TX_LOCK;
		m->dst = m->src = (uint16_t)w->id;
		m->tx = tx;
		m->txid = tx->txid;
		m->all = tx->part[s].all;
		m->first_lock = tx->lock_i == 0;
		m->blk_order = tx->xb != NULL ? dp_xblock_order(tx->xb) : 0;
		rw_buf_reset(&m->args);
		if (rw_buf_append(&m->args, tx->part[s].keys.data, tx->part[s].keys.len) != 0)
			rw_buf_reset(&m->args);
		if (!part_lock_try(w, m))
			return; /* granted later: tx_granted() answers through the self queue */
		tx->lock_i++;
	}
}

/* The journal record of a transaction: MULTI, the effects (SELECT where the
 * DB changes), EXEC, as one record so the AOF gets it whole. */
uint64_t dp_tx_journal(struct worker *w, const struct rw_buf *fx)
{
	struct rw_buf *b = &w->scratch;
	rw_buf_reset(b);
	uint32_t db0 = 0, cur = 0;
	memcpy(&db0, fx->data, sizeof(db0));
	cur = db0;
	resp_w_array(b, 1);
	resp_w_bulk(b, "MULTI", 5);
	char num[16];
	for (size_t off = 0; off + 8 <= fx->len;) {
		uint32_t db, len;
		memcpy(&db, fx->data + off, 4);
		memcpy(&len, fx->data + off + 4, 4);
		if (db != cur) {
			int n = snprintf(num, sizeof(num), "%u", db);
			resp_w_array(b, 2);
			resp_w_bulk(b, "SELECT", 6);
			resp_w_bulk(b, num, (size_t)n);
			cur = db;
		}
		rw_buf_append(b, fx->data + off + 8, len);
		off += 8 + len;
	}
	if (cur != db0) { /* the reader's DB is the record's once it is read */
		int n = snprintf(num, sizeof(num), "%u", db0);
		resp_w_array(b, 2);
		resp_w_bulk(b, "SELECT", 6);
		resp_w_bulk(b, num, (size_t)n);
	}
	resp_w_array(b, 1);
	resp_w_bulk(b, "EXEC", 4);
	return dp_journal_raw(w, db0, b->data, b->len);
}

/* Durability order (appendonly): the records a shard journaled before its
 * part ran must be in the AOF before this transaction's record, which is on
 * the coordinator's journal. */
static bool tx_may_journal(const struct worker *w, const struct dp_tx *tx)
{
	if (!w->hold_acks)
		return true;
	for (uint32_t i = 0; i < tx->n_shards; i++) {
		uint32_t s = tx->shards[i];
		if (s != w->id && tx->part[s].lsn_at != 0 &&
		    chan_jrnl_durable_lsn(w->sh->chan, s) < tx->part[s].lsn_at)
			return false;
	}
	return true;
}

/* Command @p i's reply, complete: DEBUG DIGEST's per-shard pairs mixed
 * into the digest (once). */
static const struct rw_buf *tx_cmd_reply(struct dp_tx *tx, uint32_t i)
{
	struct dp_slot *s = &tx->cmds[i];
	if (s->agg == DP_AGG_DIGEST && !s->failed)
		dp_digest_finish(&s->buf);
	s->agg = DP_AGG_NONE;
	return &s->buf;
}

static void tx_reply(struct worker *w, struct dp_tx *tx, struct rw_buf *out)
{
	if (tx->kind == DP_TX_MOVE || tx->kind == DP_TX_GATHER) {
		rw_buf_append(out, tx->out.data, tx->out.len);
	} else if (tx->kind == DP_TX_MSETNX) {
		resp_w_int(out, tx->abort ? 0 : 1);
	} else { /* DP_TX_ONE (DP_TX_EXEC replies in tx_exec_end()) */
		const struct rw_buf *r = tx_cmd_reply(tx, 0);
		rw_buf_append(out, r->data, r->len);
	}
	(void)w;
}

const struct rw_buf *dp_tx_keep_cmds(struct dp_tx *tx, struct rw_buf *q, uint32_t count,
				     const struct cmd_def *exec, const struct resp_arg *argv,
				     uint32_t argc)
{
	size_t at = q->len;
	if (rw_buf_append(q, &exec, sizeof(exec)) != 0 || rw_buf_append(q, &argc, 4) != 0)
		return NULL;
	for (uint32_t i = 0; i < argc; i++)
		if (rw_buf_append(q, &argv[i].len, 4) != 0 ||
		    rw_buf_append(q, argv[i].ptr, argv[i].len) != 0)
			return NULL;
	tx->rec = calloc(count ? count : 1, sizeof(*tx->rec));
	if (tx->rec == NULL)
		return NULL;
	tx->q = *q;
	*q = (struct rw_buf){0};
	tx->q_exec = at;
	tx->n_q = count;
	return &tx->q;
}

/* One command of tx->q at @p off into w->ga_argv. @return the offset
 * after it, 0 if no memory. */
static size_t tx_q_next(struct worker *w, const struct dp_tx *tx, size_t off,
			const struct cmd_def **d, uint32_t *argc)
{
	memcpy(d, tx->q.data + off, sizeof(*d));
	memcpy(argc, tx->q.data + off + sizeof(*d), 4);
	off += sizeof(*d) + 4;
	if (!ga_grow_argv(w, *argc))
		return 0;
	for (uint32_t k = 0; k < *argc; k++) {
		memcpy(&w->ga_argv[k].len, tx->q.data + off, 4);
		w->ga_argv[k].ptr = tx->q.data + off + 4;
		off += 4 + w->ga_argv[k].len;
	}
	return off;
}

/* A held notification, placed by its key's argument index. */
struct ev_pos {
	uint32_t off, len, pos, seq;
};

static int ev_pos_cmp(const void *a, const void *b)
{
	const struct ev_pos *x = a, *y = b;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The key a notification names: after "__:" in a __keyspace@ channel, the
 * message of a __keyevent@ one. */
static struct resp_arg ev_key(const uint8_t *ch, uint32_t clen, const uint8_t *msg, uint32_t mlen)
{
	static const char ks[] = "__keyspace@";
	if (clen > sizeof(ks) - 1 && memcmp(ch, ks, sizeof(ks) - 1) == 0)
		for (uint32_t i = sizeof(ks) - 1; i + 3 <= clen; i++)
			if (memcmp(ch + i, "__:", 3) == 0)
				return (struct resp_arg){.ptr = (uint8_t *)ch + i + 3,
							 .len = clen - i - 3};
	return (struct resp_arg){.ptr = (uint8_t *)msg, .len = mlen};
}

/*
 * A split command (DEL, UNLINK, MSET over keys of several workers) got its
 * notifications from several parts, each in its own keys' order: put them
 * in argument order, as Redis raises them (one event per key, in order).
 * Stable: a key's keyspace and keyevent records stay together.
 */
static void ev_arg_order(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc,
			 struct rw_buf *ev, struct rw_buf *tmp)
{
	uint32_t n = 0, cap = 16;
	struct ev_pos *v = malloc(sizeof(*v) * cap);
	int32_t last = last_key_of(d, argc), step = d->key_step > 0 ? d->key_step : 1;
	for (size_t off = 0; v != NULL && off + 8 <= ev->len;) {
		uint32_t clen, mlen;
		memcpy(&clen, ev->data + off, 4);
		memcpy(&mlen, ev->data + off + 4 + clen, 4);
		struct resp_arg k =
		    ev_key(ev->data + off + 4, clen, ev->data + off + 8 + clen, mlen);
		uint32_t pos = UINT32_MAX;
		for (int32_t i = d->first_key; i > 0 && i <= last && pos == UINT32_MAX; i += step)
			if (argv[i].len == k.len && memcmp(argv[i].ptr, k.ptr, k.len) == 0)
				pos = (uint32_t)i;
		if (n == cap) {
			struct ev_pos *nv = realloc(v, sizeof(*v) * (cap *= 2));
			if (nv == NULL)
				break;
			v = nv;
		}
		uint32_t len = 8 + clen + mlen;
		v[n] = (struct ev_pos){.off = (uint32_t)off, .len = len, .pos = pos, .seq = n};
		n++;
		off += len;
	}
	if (v != NULL && n > 1 && rw_buf_reserve(tmp, ev->len) == 0) {
		qsort(v, n, sizeof(*v), ev_pos_cmp);
		rw_buf_reset(tmp);
		for (uint32_t i = 0; i < n; i++)
			rw_buf_append(tmp, ev->data + v[i].off, v[i].len);
		if (tmp->len == ev->len)
			memcpy(ev->data, tmp->data, ev->len);
	}
	free(v);
}

/* The end of one RESP element at @p p (a simple one, or a bulk string).
 * @return its length, 0 if it is not whole. */
static size_t resp_elem_len(const uint8_t *p, size_t n)
{
	const uint8_t *eol = n > 0 ? memchr(p, '\n', n) : NULL;
	if (eol == NULL)
		return 0;
	size_t head = (size_t)(eol - p) + 1;
	int64_t blen;
	if (p[0] != '$' || !resp_str_to_i64(p + 1, head - 3, &blen) || blen < 0)
		return head;
	return head + (size_t)blen + 2 <= n ? head + (size_t)blen + 2 : 0;
}

/*
 * RANDOMKEY's reply inside a cross-worker EXEC: @p parts is every shard's
 * "random-pick" answer concatenated, pairs of (its key count, a random key
 * of its own or nil) in one array; one key is picked, each shard weighted
 * by its count, as random_owner() picks a worker. An error is the reply.
 */
static void tx_pick(struct worker *w, const struct rw_buf *parts, struct rw_buf *out)
{
	const uint8_t *p = parts->data;
	size_t n = parts->len;
	const uint8_t *eol = n > 0 ? memchr(p, '\n', n) : NULL;
	if (n == 0 || p[0] != '*' || eol == NULL) {
		rw_buf_append(out, p, n); /* an error */
		return;
	}
	struct {
		const uint8_t *key;
		size_t len;
		uint64_t count;
	} v[SHARD_MAX_WORKERS];
	uint32_t k = 0;
	uint64_t total = 0;
	size_t off = (size_t)(eol - p) + 1;
	while (off < n && k < SHARD_MAX_WORKERS) {
		size_t cl = resp_elem_len(p + off, n - off);
		if (cl == 0)
			break;
		size_t kl = resp_elem_len(p + off + cl, n - off - cl);
		if (kl == 0)
			break;
		int64_t c = 0;
		if (p[off] == ':' && !resp_str_to_i64(p + off + 1, cl - 3, &c))
			c = 0;
		v[k].key = p + off + cl;
		v[k].len = kl;
		v[k].count = c > 0 ? (uint64_t)c : 0;
		total += v[k].count;
		k++;
		off += cl + kl;
	}
	if (k == 0) {
		rw_buf_append(out, p, n); /* (cannot be: every shard answers a pair) */
		return;
	}
	uint32_t pick = 0;
	if (total > 0) {
		w->rng ^= w->rng << 13;
		w->rng ^= w->rng >> 7;
		w->rng ^= w->rng << 17;
		uint64_t r = w->rng % total;
		while (pick + 1 < k && r >= v[pick].count)
			r -= v[pick++].count;
	}
	rw_buf_append(out, v[pick].key, v[pick].len);
}

/* The EXEC reply so far (@p out) goes out before what comes next (a pub/sub
 * command's reply, a message to the client itself): the first cut into the
 * transaction's own slot, the others into slots of their own (dp_multi.c
 * has the why). */
static void tx_cut(struct worker *w, struct dp_tx *tx, struct dp_client *cl, struct rw_buf *out,
		   struct dp_exec_segs *sg, bool *first, uint64_t lsn)
{
	if (!*first) {
		dp_exec_cut(w, cl, out, sg);
		return;
	}
	struct dp_slot *slot = &cl->slots[tx->slot_seq % DP_SLOTS];
	dp_hold_slot(w, cl, slot, tx->slot_seq, lsn);
	dp_slot_absorb(slot, w->id, out->data, out->len);
	rw_buf_reset(out);
	*first = false;
}

/*
 * The end of a cross-worker EXEC (not a gather), in command order as Redis
 * runs it: for each command the keyspace notifications its parts held
 * (published from here, so every subscriber on every worker sees them in
 * command order), or, for a pub/sub command, the command itself, run here in
 * its place; and the reply. A message that reaches the client itself lands
 * among the reply's elements where Redis writes it: the reply is cut there.
 * Runs before the RELEASEs, so later writes to these keys notify after.
 */
static void tx_exec_end(struct worker *w, struct dp_tx *tx, uint64_t lsn)
{
	struct dp_client *cl = &w->clients[tx->conn_idx];
	bool alive = cl->tcp != NULL && cl->gen == tx->conn_gen;
	/* may the client itself receive a notification? */
	bool self = alive && (tx->ps_any || cl->ps != NULL);
	struct rw_buf *out = &w->tx_out;
	rw_buf_reset(out);
	struct dp_exec_segs sg = {0};
	bool first = true;
	if (tx->abort) {
		resp_w_null_array(out, tx->proto);
	} else {
		resp_w_array(out, tx->n_cmds);
	}
	size_t off = 0;
	for (uint32_t i = 0; !tx->abort && i < tx->n_cmds; i++) {
		const struct cmd_def *d;
		uint32_t argc;
		size_t next = tx_q_next(w, tx, off, &d, &argc);
		struct tx_cmd_rec *rec = &tx->rec[i];
		if (!rec->later) {
			struct rw_buf *ev = tx->ev != NULL ? &tx->ev[i] : NULL;
			if (ev != NULL && ev->len > 0 && rec->ev_split && next != 0)
				ev_arg_order(d, w->ga_argv, argc, ev, &w->part_buf);
			if (ev != NULL && ev->len > 0) {
				if (self)
					tx_cut(w, tx, cl, out, &sg, &first, lsn);
				dp_pubsub_publish_held(w, ev->data, ev->len);
			}
			if (rec->pick)
				tx_pick(w, &tx->cmds[i].buf, out);
			else
				rw_buf_append(out, tx_cmd_reply(tx, i)->data,
					      tx_cmd_reply(tx, i)->len);
		} else if (!alive) {
			rec->skipped = true;
		} else {
			tx_cut(w, tx, cl, out, &sg, &first, lsn);
			uint64_t t0 = rte_rdtsc();
			struct rw_buf *to = dp_reply_target(w, cl);
			if (next == 0)
				resp_w_error(to, "ERR out of memory");
			else if (d->flags & CMD_PUBSUB)
				dp_exec_pubsub(w, cl, d, w->ga_argv, argc);
			else if (!dp_pubsub_exec_ping(cl, d, w->ga_argv, argc, to))
				dp_run(w, d, w->ga_argv, argc, &cl->cc, to);
			rec->us = (int64_t)worker_tsc_us(w, rte_rdtsc() - t0);
		}
		if (next == 0)
			break;
		off = next;
	}
	if (!alive) {
		free(sg.seq);
		return;
	}
	tx_cut(w, tx, cl, out, &sg, &first, lsn);
	dp_exec_uncut(w, cl, &sg, lsn);
	dp_drain_slots(w, cl);
}

/* A split command's (DEL, UNLINK, MSET, MSETNX across workers)
 * notifications, held by its parts: published from here in argument order,
 * before the RELEASEs, as Redis raises them while the command runs. */
static void tx_one_notify(struct worker *w, struct dp_tx *tx)
{
	const struct cmd_def *d;
	uint32_t argc;
	if (tx->ev1_split && tx->q.len > 0 && tx_q_next(w, tx, 0, &d, &argc) != 0)
		ev_arg_order(d, w->ga_argv, argc, &tx->ev1, &w->part_buf);
	dp_pubsub_publish_held(w, tx->ev1.data, tx->ev1.len);
}

/* A command run as a transaction across workers (not EXEC): kept to be
 * recorded when it ends (tx_record()). @return 0 or -ENOMEM. */
static int tx_keep_one(struct dp_tx *tx, const struct cmd_def *d, const struct resp_arg *argv,
		       uint32_t argc)
{
	d = dp_debug_table_def(d); /* recorded as the table's entry */
	if (rw_buf_append(&tx->q, &d, sizeof(d)) != 0 || rw_buf_append(&tx->q, &argc, 4) != 0)
		return -ENOMEM;
	for (uint32_t i = 0; i < argc; i++)
		if (rw_buf_append(&tx->q, &argv[i].len, 4) != 0 ||
		    rw_buf_append(&tx->q, argv[i].ptr, argv[i].len) != 0)
			return -ENOMEM;
	tx->q_exec = 0;
	return 0;
}

/* SLOWLOG, LATENCY, the histograms and MONITOR for a transaction across
 * workers, as Redis's call() records them: an EXEC's commands that ran,
 * one after the other in order, each with its DB and its parts'
 * durations, then EXEC itself (as long as all of them); or the one
 * command, as long as its parts took. */
static void tx_record(struct worker *w, struct dp_tx *tx)
{
	if (tx->q.len == 0)
		return;
	if (tx->rec == NULL) {
		const struct cmd_def *d;
		uint32_t argc;
		/* a RENAME's or COPY's "no such key" is decided here; the other
		 * errors came from parts, which counted them */
		bool err = tx->kind == DP_TX_MOVE && tx->out.len > 0 && tx->out.data[0] == '-';
		if (tx->xb != NULL)
			return; /* a blocking command's attempt: dp_xblock_finish() records */
		if (tx_q_next(w, tx, 0, &d, &argc) != 0)
			dp_tx_record(w, &tx->cc, tx->cc.db, d, w->ga_argv, argc, tx->us_total,
				     err ? tx->out.data : NULL, err ? tx->out.len : 0);
		return;
	}
	size_t off = 0;
	int64_t total = 0;
	/* (a gather's abort only says it wrote nothing) */
	bool ran = tx->kind == DP_TX_GATHER ? !tx->watch_failed : !tx->abort;
	for (uint32_t i = 0; ran && i < tx->n_q; i++) {
		const struct cmd_def *d;
		uint32_t argc;
		size_t next = tx_q_next(w, tx, off, &d, &argc);
		if (next == 0)
			return;
		off = next;
		if (!tx->rec[i].skipped)
			dp_tx_record(w, &tx->cc, tx->rec[i].db, d, w->ga_argv, argc, tx->rec[i].us,
				     NULL, 0);
		total += tx->rec[i].us;
	}
	const struct cmd_def *d;
	uint32_t argc;
	if (tx_q_next(w, tx, tx->q_exec, &d, &argc) != 0)
		dp_tx_record(w, &tx->cc, tx->cc.db, d, w->ga_argv, argc, total, NULL, 0);
}

static void tx_finish(struct worker *w, struct dp_tx *tx)
{
	tx_unhold_conn(w, tx); /* a transaction that locked nothing */
	if (!tx->abort && tx->fx.len > 0 && !tx_may_journal(w, tx)) {
		tx->next = w->tx_wait;
		w->tx_wait = tx; /* dp_tx_poll() comes back */
		return;
	}
	uint64_t lsn = !tx->abort && tx->fx.len > 0 ? dp_tx_journal(w, &tx->fx) : 0;
	if (tx->xb != NULL) /* still blocked: its proxies go before the RELEASEs */
		dp_xblock_before_release(w, tx->xb);
	bool exec_end = tx->kind == DP_TX_EXEC;
	if (exec_end) /* notifications before the RELEASEs: later writes notify after */
		tx_exec_end(w, tx, lsn);
	else if (tx->ev1.len > 0)
		tx_one_notify(w, tx);
	tx_record(w, tx);
	for (uint32_t i = 0; i < tx->n_shards; i++) {
		uint32_t s = tx->shards[i];
		struct shard_msg *m = tx->part[s].m;
		m->kind = SHARD_TX;
		m->op = SHARD_TX_RELEASE;
		m->tx = NULL;
		rw_buf_reset(&m->args);
		if (tx->part[s].rel.len > 0 &&
		    rw_buf_append(&m->args, tx->part[s].rel.data, tx->part[s].rel.len) != 0)
			rw_buf_reset(&m->args); /* (no memory: the LRU/LFU states stay) */
		/* Another shard's keys stay held until this record is durable, so
		 * their next writes reach the AOF after it. */
		if (w->hold_acks && lsn != 0 && s != w->id && dp_ack_msg(w, lsn, m))
			continue;
		dp_msg_send(w, m);
	}
	if (tx->xb != NULL) {
		rw_buf_reset(&w->part_buf);
		tx_reply(w, tx, &w->part_buf);
		struct dp_xblock *xb = tx->xb;
		int64_t us = tx->us_total;
		dp_tx_free(w, tx);
		/* (another attempt it may start uses part_buf only once this reply
		 * is delivered: a blocked attempt's reply is empty) */
		dp_xblock_finish(w, xb, &w->part_buf, lsn, us);
		return;
	}
	struct dp_client *cl = &w->clients[tx->conn_idx];
	if (!exec_end && cl->tcp != NULL && cl->gen == tx->conn_gen) {
		struct dp_slot *slot = &cl->slots[tx->slot_seq % DP_SLOTS];
		rw_buf_reset(&w->part_buf);
		tx_reply(w, tx, &w->part_buf);
		dp_hold_slot(w, cl, slot, tx->slot_seq, lsn);
		dp_slot_absorb(slot, w->id, w->part_buf.data, w->part_buf.len);
		dp_drain_slots(w, cl);
	}
	dp_tx_free(w, tx);
}

/* What a part reports of command @p idx of an EXEC: its duration there,
 * the notifications it held (published in command order at the end). */
static void tx_cmd_ran(struct dp_tx *tx, uint32_t idx, uint32_t us, const uint8_t *ev,
		       uint32_t ev_len)
{
	if (tx->rec == NULL || idx >= tx->n_q)
		return;
	tx->rec[idx].us += us;
	if (ev_len == 0)
		return;
	if (tx->ev == NULL)
		tx->ev = calloc(tx->n_q, sizeof(*tx->ev));
	if (tx->ev != NULL && tx->ev[idx].len > 0)
		tx->rec[idx].ev_split = true;
	if (tx->ev != NULL) /* (no memory: the notifications are lost, as a full buffer's) */
		rw_buf_append(&tx->ev[idx], ev, ev_len);
}

/* Results of a CHECK or RUN from shard @p s. */
static void tx_results(struct worker *w, struct dp_tx *tx, struct shard_msg *m, bool check)
{
	uint32_t s = m->dst;
	for (size_t off = 0; off + sizeof(struct tx_res) <= m->reply.len;) {
		struct tx_res r;
		memcpy(&r, m->reply.data + off, sizeof(r));
		const uint8_t *p = m->reply.data + off + sizeof(r);
		off += sizeof(r) + r.len + r.ev_len;
		if (!check && tx->kind == DP_TX_EXEC) {
			tx_cmd_ran(tx, r.idx, r.us, p + r.len, r.ev_len);
		} else if (!check && tx->kind != DP_TX_GATHER) {
			tx->us_total += r.us;
			if (r.ev_len > 0) { /* DEL, MSET...: in argument order at the end */
				tx->ev1_split |= tx->ev1.len > 0;
				rw_buf_append(&tx->ev1, p + r.len, r.ev_len);
			}
		}
		if (check && tx->kind == DP_TX_EXEC && tx->st == TX_ST_READ) {
			if (r.idx < tx->ga_n_keys) /* a stepped EXEC's gather reads */
				dp_slot_absorb(&tx->ga_rd[r.idx], s, p, r.len);
		} else if (check && tx->kind == DP_TX_GATHER && r.idx == GA_WATCH_IDX) {
			if (r.len < 2 || p[0] != ':' || p[1] != '0')
				tx->abort = true;
		} else if (check && (tx->kind == DP_TX_MOVE || tx->kind == DP_TX_GATHER)) {
			if (r.idx < tx->n_cmds)
				dp_slot_absorb(&tx->cmds[r.idx], s, p, r.len);
		} else if (check) {
			if (r.len < 2 || p[0] != ':' || p[1] != '0')
				tx->abort = true;
		} else if (r.idx < tx->n_cmds) {
			dp_slot_absorb(&tx->cmds[r.idx], s, p, r.len);
		}
	}
	if (!check) {
		rw_buf_append(&tx->fx, m->args.data, m->args.len);
		tx->part[s].lsn_at = m->lsn_at;
	}
	(void)w;
}

static void tx_done(struct worker *w, struct shard_msg *m)
{
	struct dp_tx *tx = m->tx;
	switch (m->op) {
	case SHARD_TX_LOCK:
		tx->lock_i++;
		tx_lock_next(w, tx);
		break;
	case SHARD_TX_CHECK:
		tx_results(w, tx, m, true);
		if (--tx->pending == 0) {
			if (tx->kind == DP_TX_EXEC && tx->st == TX_ST_READ)
				ga_step_run(w, tx);
			else if (tx->kind == DP_TX_MOVE && !tx->abort)
				mv_after_check(w, tx);
			else if (tx->kind == DP_TX_GATHER)
				ga_after_check(w, tx);
			else if (tx->abort)
				tx_finish(w, tx);
			else
				tx_run(w, tx);
		}
		break;
	case SHARD_TX_RUN:
		tx_results(w, tx, m, false);
		if (--tx->pending == 0) {
			if (tx->kind != DP_TX_EXEC)
				tx_finish(w, tx);
			else if (tx->st == TX_ST_WB) /* a gather wrote back: the next segment */
				tx_seg_run(w, tx);
			else
				tx_seg_next(w, tx);
		}
		break;
	default: /* RELEASE, UNWATCH: the message is home */
		shard_msg_put(&w->shard, m);
		break;
	}
}

/* Planned: take a message per shard and a reply slot, and start locking. */
void dp_tx_launch(struct worker *w, struct dp_client *cl, struct dp_tx *tx,
		  const struct cmd_client *cc)
{
	tx->cc = *cc;
	for (uint32_t s = 0; s < w->sh->n_workers; s++)
		if (tx->part[s].used)
			tx->shards[tx->n_shards++] = (uint8_t)s;
	for (uint32_t i = 0; i < tx->n_shards; i++) {
		struct dp_tx_part *p = &tx->part[tx->shards[i]];
		p->m = shard_msg_get(&w->shard);
		if (p->m == NULL) {
			for (uint32_t j = 0; j < i; j++)
				shard_msg_put(&w->shard, tx->part[tx->shards[j]].m);
			struct dp_xblock *xb = tx->xb;
			dp_tx_free(w, tx);
			if (xb != NULL)
				dp_xblock_failed(w, xb);
			else
				resp_w_error(dp_reply_target(w, cl), "ERR out of memory");
			return;
		}
	}
	if (tx->xb != NULL) { /* the blocked command's slot, taken when it came */
		tx->slot_seq = dp_xblock_slot(tx->xb);
		if (tx->n_shards == 0) {
			tx_finish(w, tx);
			return;
		}
		tx_lock_next(w, tx);
		return;
	}
	tx->slot_seq = cl->slot_tail;
	struct dp_slot *slot = dp_slot_multi(w, cl, DP_AGG_NONE);
	if (slot == NULL) {
		for (uint32_t i = 0; i < tx->n_shards; i++)
			shard_msg_put(&w->shard, tx->part[tx->shards[i]].m);
		dp_tx_free(w, tx);
		return;
	}
	dp_slot_expect(slot);
	dp_slot_release(slot);
	cl->tx_inflight++;
	tx->holds_conn = true;
	if (tx->n_shards == 0) {
		tx_finish(w, tx);
		return;
	}
	tx_lock_next(w, tx);
}

/* ---- participant: a shard's side ---- */

/* RANDOMKEY's part in a cross-worker EXEC (tx_pick()): this shard's key
 * count in the DB and RANDOMKEY's own reply here. */
static void part_pick(struct worker *w, struct cmd_client *cc, struct resp_arg *argv, uint32_t argc,
		      struct rw_buf *out)
{
	static const uint8_t name[] = "randomkey";
	resp_w_array(out, 2);
	resp_w_int(out, (int64_t)store_db_size(w->store, cc->db));
	dp_run(w, cmd_lookup(name, sizeof(name) - 1), argv, argc, cc, out);
}

/* Run the sub-commands (or checks) of @p m here; results into m->reply,
 * effects (RUN) into m->args once the arguments are no longer needed. */
static void part_exec(struct worker *w, struct shard_msg *m)
{
	struct rw_buf *fx = &w->tx_fx;
	rw_buf_reset(fx);
	rw_buf_reset(&m->reply);
	w->tx_effects = m->op == SHARD_TX_RUN ? fx : NULL;
	w->in_tx_part = true;
	for (size_t off = 0; off + sizeof(struct tx_sub) <= m->args.len;) {
		struct tx_sub h;
		memcpy(&h, m->args.data + off, sizeof(h));
		off += sizeof(h);
		if (h.argc > w->argv_cap && !dp_grow_argv(w, h.argc))
			break;
		for (uint32_t i = 0; i < h.argc; i++) {
			memcpy(&w->argv[i].len, m->args.data + off, sizeof(uint32_t));
			w->argv[i].ptr = m->args.data + off + sizeof(uint32_t);
			off += sizeof(uint32_t) + w->argv[i].len;
		}
		struct cmd_client cc = m->client;
		cc.db = h.db;
		cc.proto = h.proto;
		struct rw_buf *out = &w->part_buf;
		rw_buf_reset(out);
		rw_buf_reset(&w->tx_ev);
		w->run_us = 0;
		if (h.d == &tx_read_def)
			mv_read(w, &cc, w->argv, h.argc, out);
		else if (h.d == &tx_enc_def)
			mv_match_enc(w, &cc, w->argv, h.argc);
		else if (h.d == &tx_lru_def)
			mv_set_lru(w, &cc, w->argv, h.argc);
		else if (h.d == &tx_watch_check)
			resp_w_int(out, dp_watch_check(&w->watch, w->store, cc.id, cc.watch_epoch,
						       dp_unix_ms_now(w)));
		else if (h.d == &tx_pick_def)
			part_pick(w, &cc, w->argv, h.argc, out);
		else {
			w->notify_mute = h.ev == TX_EV_MUTE;
			w->ps_hold = h.ev == TX_EV_HOLD ? &w->tx_ev : NULL;
			dp_run(w, h.d, w->argv, h.argc, &cc, out);
			w->notify_mute = false;
			w->ps_hold = NULL;
		}
		struct tx_res r = {.idx = h.idx,
				   .len = (uint32_t)out->len,
				   .ev_len = (uint32_t)w->tx_ev.len,
				   .us = (uint32_t)w->run_us};
		rw_buf_append(&m->reply, &r, sizeof(r));
		rw_buf_append(&m->reply, out->data, out->len);
		rw_buf_append(&m->reply, w->tx_ev.data, w->tx_ev.len);
	}
	w->tx_effects = NULL;
	w->in_tx_part = false;
	m->lsn_at = w->jrnl_last_lsn;
	rw_buf_reset(&m->args);
	rw_buf_append(&m->args, fx->data, fx->len);
}

static void reply_back(struct worker *w, struct shard_msg *m)
{
	m->kind = SHARD_TX_DONE;
	dp_msg_send(w, m);
}

/* Queue the intents of LOCK @p m here. @return true if granted now (the
 * caller answers), false if the grant callback will answer. */
static bool part_lock_try(struct worker *w, struct shard_msg *m)
{
	/* A blocked client's attempt: the reservation its wake-up made here
	 * (dp_block.h) becomes its lock, in its place in the queue. */
	struct shard_txq_entry *e =
	    m->blk_order != 0 && !m->all
		? dp_block_resv_take(w, m->blk_order, m->args.data, m->args.len, m->txid)
		: NULL;
	if (e != NULL) {
		e->firm = !m->first_lock; /* no fence goes ahead of it now */
		e->owner = m->blk_order;
		if (e->granted)
			return true;
		e->arg = m;
		if (!m->first_lock)
			dp_block_resv_yield(w, e);
		return false;
	}
	e = shard_txq_entry_get(&w->txq);
	int rc = -ENOMEM;
	if (e != NULL) {
		e->txid = m->txid;
		e->all = m->all;
		/* holding another shard, it must not wait for a reservation, nor
		 * for one placed ahead of it later (shard_txq_add_fence) */
		e->firm = !m->first_lock;
		/* an attempt: a reservation its client's proxy makes here while
		 * it runs never goes ahead of it (it would wait for it forever) */
		e->owner = m->blk_order;
		rc = 0;
		for (size_t off = 0; off + 8 <= m->args.len && rc == 0; off += 8) {
			uint64_t h;
			memcpy(&h, m->args.data + off, 8);
			rc = shard_txq_entry_key(e, h);
		}
		if (rc == 0) {
			e->arg = m;
			rc = shard_txq_add(&w->txq, e);
		}
	}
	if (rc == 0) {
		/* holding another shard, it must not wait for a reservation */
		if (!m->first_lock)
			dp_block_resv_yield(w, e);
		return false; /* answered when granted (tx_granted) */
	}
	if (rc < 0) {
		/* No memory for the intents: go on unlocked rather than stall
		 * the transaction and every key it touches (logged). */
		shard_txq_entry_put(&w->txq, e);
		rw_logring_put(&w->log, RW_LOG_WARN, "dp.tx",
			       "txid=%llu ran without its lock: no memory",
			       (unsigned long long)m->txid);
	} else {
		e->arg = NULL;
	}
	return true;
}

static void part_lock(struct worker *w, struct shard_msg *m)
{
	if (part_lock_try(w, m))
		reply_back(w, m);
}

/* shard_txq_grant_fn: an entry waited and may go now. */
static void tx_granted(void *arg, struct shard_txq_entry *e)
{
	struct worker *w = arg;
	struct shard_msg *m = e->arg;
	e->arg = NULL;
	if (e->txid != 0) { /* a transaction's lock: tell its coordinator (a
			     * reservation, dp_block.h, has nobody to tell) */
		if (m != NULL)
			reply_back(w, m);
		return;
	}
	/* a command that waited behind a transaction: leave, run, and only then
	 * grant the entries behind it, so a client its push wakes on another
	 * worker reserves in its place, ahead of them (dp_block_release) */
	shard_txq_unlink(&w->txq, e);
	shard_txq_entry_put(&w->txq, e);
	dp_request_exec(w, m);
	shard_txq_grant(&w->txq);
}

static void part_in(struct worker *w, struct shard_msg *m)
{
	if (m->src != w->id)
		w->stats->fwd_received++;
	switch (m->op) {
	case SHARD_TX_LOCK:
		part_lock(w, m);
		break;
	case SHARD_TX_CHECK:
	case SHARD_TX_RUN:
		part_exec(w, m);
		reply_back(w, m);
		break;
	case SHARD_TX_RELEASE: {
		if (m->args.len > 0) /* its sub-commands, while the keys are still held */
			part_exec(w, m);
		struct shard_txq_entry *e = shard_txq_find(&w->txq, m->txid);
		if (e != NULL)
			dp_block_release(w, e); /* its waiters first, then the queue */
		reply_back(w, m);
		break;
	}
	case SHARD_TX_UNWATCH:
		dp_watch_remove(&w->watch, m->client.id, m->epoch);
		reply_back(w, m);
		break;
	default:
		reply_back(w, m);
		break;
	}
}

void dp_tx_msg_in(struct worker *w, struct shard_msg *m)
{
	if (m->kind == SHARD_TX)
		part_in(w, m);
	else
		tx_done(w, m);
}

void dp_msg_send(struct worker *w, struct shard_msg *m)
{
	uint32_t to = m->kind == SHARD_REQ || m->kind == SHARD_TX ? m->dst : m->src;
	if (to != w->id) {
		if (m->kind == SHARD_TX)
			w->stats->fwd_sent++;
		/* out until its answer is back (a live restore waits for that); a
		 * blocking request may be parked there for ever, so not counted */
		if ((m->kind == SHARD_TX ||
		     (m->kind == SHARD_REQ && !(m->def->flags & CMD_BLOCKING) &&
		      m->def != &dp_block_proxy_def && m->def != &dp_block_unstall_def &&
		      m->def != &dp_block_cancel_def)) &&
		    !m->away) {
			m->away = true;
			w->mesh_away++;
		}
		shard_send(&w->shard, m);
		return;
	}
	m->next = NULL;
	if (w->self_tail != NULL)
		w->self_tail->next = m;
	else
		w->self_head = m;
	w->self_tail = m;
}

unsigned dp_tx_poll(struct worker *w)
{
	unsigned n = 0;
	/* Only what is queued now: what these messages send to this worker
	 * waits for the next iteration, so one call is bounded. */
	struct shard_msg *m = w->self_head, *end = w->self_tail;
	w->self_head = w->self_tail = NULL;
	while (m != NULL) {
		struct shard_msg *next = m == end ? NULL : m->next;
		dp_shard_msg_in(w, m);
		n++;
		m = next;
	}
	if (w->tx_wait != NULL) {
		struct dp_tx *tx = w->tx_wait;
		w->tx_wait = NULL;
		while (tx != NULL) {
			struct dp_tx *next = tx->next;
			tx_finish(w, tx); /* parks itself again if still not allowed */
			tx = next;
			n++;
		}
	}
	return n;
}

/* ---- waiting behind intents (single-shard commands) ---- */

/* Keyless commands that read the whole shard (RANDOMKEY, SCAN): they wait
 * behind every transaction holding keys here, as "all", or they would see
 * one half-applied (an EXEC that wrote some of its keys on this shard). */
#define TX_READS_SHARD (CMD_ROUTE_RANDOM | CMD_ROUTE_CURSOR)

static bool intents_of(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
		       uint32_t argc, uint32_t db, uint32_t *n, bool *all)
{
	*n = 0;
	*all = (d->flags & (CMD_ALL_SHARDS_SUM | CMD_ALL_SHARDS_CONCAT | CMD_ALL_SHARDS_OK |
			    TX_READS_SHARD)) != 0;
	if (*all || (d->first_key <= 0 && d->numkeys_arg <= 0))
		return true;
	int32_t last = d->first_key > 0 ? last_key_of(d, argc) : 0,
		step = d->key_step > 0 ? d->key_step : 1;
	uint32_t odb;
	bool other = other_db_of(d, argv, argc, db, &odb); /* MOVE, COPY ... DB */
	uint32_t need = other ? 2 * argc : argc;
	if (need > w->hash_cap) {
		uint64_t *h = realloc(w->hash_buf, sizeof(*h) * need);
		if (h == NULL)
			return false;
		w->hash_buf = h;
		w->hash_cap = need;
	}
	for (int32_t i = d->first_key; i > 0 && i <= last; i += step) {
		w->hash_buf[(*n)++] = shard_key_hash(db, argv[i].ptr, argv[i].len);
		if (other)
			w->hash_buf[(*n)++] = shard_key_hash(odb, argv[i].ptr, argv[i].len);
	}
	/* a numkeys argument's keys (SINTERCARD, LMPOP, ZUNIONSTORE...): a
	 * transaction holding one of them must run first */
	int64_t nk;
	uint32_t na = (uint32_t)d->numkeys_arg;
	if (na != 0 && na < argc && resp_str_to_i64(argv[na].ptr, argv[na].len, &nk) && nk > 0 &&
	    (uint64_t)nk < argc - na)
		for (uint32_t i = na + 1; i <= na + (uint32_t)nk && *n < w->hash_cap; i++)
			w->hash_buf[(*n)++] = shard_key_hash(db, argv[i].ptr, argv[i].len);
	return true;
}

bool dp_tx_must_wait(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
		     uint32_t argc, uint32_t db)
{
	/* WATCH waits too: a transaction of this connection sent before it must
	 * write first, or it would dirty the keys it watches */
	if (w->txq.n == 0 || (d->flags & (CMD_NOKEYS | TX_READS_SHARD)) == CMD_NOKEYS)
		return false;
	uint32_t n;
	bool all;
	if (!intents_of(w, d, argv, argc, db, &n, &all))
		return true;
	if (!all && n == 0)
		return false;
	return shard_txq_busy(&w->txq, w->hash_buf, n, all);
}

bool dp_tx_held(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
		uint32_t argc, uint32_t db)
{
	if (w->txq.n_held == 0)
		return false;
	uint32_t n;
	bool all;
	if (!intents_of(w, d, argv, argc, db, &n, &all))
		return true;
	return shard_txq_held(&w->txq, w->hash_buf, n, all);
}

/* A pseudo-key naming the connection that sent @p m: a request that waits
 * in the queue holds it, so the connection's later requests to this worker
 * wait behind it whatever their keys (no DB is UINT32_MAX). */
static uint64_t conn_intent(const struct shard_msg *m)
{
	uint32_t id[3] = {m->src, m->conn_idx, m->conn_gen};
	return shard_key_hash(UINT32_MAX, id, sizeof(id));
}

/* A request waits in the queue while an entry ahead holds one of its keys
 * or its connection: a worker runs a connection's requests in the order
 * they came (its ring's), which the order rule of dp_client.c counts on. */
bool dp_tx_request_wait(struct worker *w, struct shard_msg *m)
{
	if (w->txq.n == 0 || (m->def->flags & (CMD_NOKEYS | TX_READS_SHARD)) == CMD_NOKEYS)
		return false;
	/* Its own array: this may run while the dispatcher still reads w->argv
	 * (a split command's part for this worker). */
	if (m->argc > w->wait_cap) {
		struct resp_arg *a = realloc(w->wait_argv, sizeof(*a) * m->argc);
		if (a == NULL)
			return false;
		w->wait_argv = a;
		w->wait_cap = m->argc;
	}
	shard_msg_unpack(m, w->wait_argv);
	uint32_t n;
	bool all;
	if (!intents_of(w, m->def, w->wait_argv, m->argc, m->client.db, &n, &all))
		return false;
	if (n + 1 > w->hash_cap) {
		uint64_t *h = realloc(w->hash_buf, sizeof(*h) * (n + 1));
		if (h == NULL)
			return false;
		w->hash_buf = h;
		w->hash_cap = n + 1;
	}
	w->hash_buf[n++] = conn_intent(m);
	if (!shard_txq_busy(&w->txq, w->hash_buf, n, all))
		return false;
	struct shard_txq_entry *e = shard_txq_entry_get(&w->txq);
	if (e == NULL)
		return false;
	e->all = all;
	for (uint32_t i = 0; i < n; i++)
		if (shard_txq_entry_key(e, w->hash_buf[i]) != 0)
			goto nomem;
	e->arg = m;
	int rc = shard_txq_add(&w->txq, e);
	if (rc == 0)
		return true;
	if (rc > 0) { /* cannot happen (it was busy); run it */
		shard_txq_remove(&w->txq, e);
		shard_txq_entry_put(&w->txq, e);
		return false;
	}
nomem:
	shard_txq_entry_put(&w->txq, e);
	return false;
}

int dp_tx_plan_watch(struct dp_tx *tx, const struct dp_multi *mu, const struct cmd_client *cc)
{
	for (uint32_t i = 0; i < mu->n_watched; i++) {
		const struct dp_watched *k = &mu->watched[i];
		struct resp_arg key = {.ptr = k->key, .len = k->klen};
		if (intent(tx, k->owner, k->db, &key) != 0)
			return -ENOMEM;
	}
	for (uint32_t s = 0; s < SHARD_MAX_WORKERS; s++)
		if (mu->watch_shards & (1ull << s)) {
			struct dp_tx_part *p = part_use(tx, s);
			if (sub_add(&p->check, 0, cc, &tx_watch_check, NULL, 0) != 0)
				return -ENOMEM;
			p->n_check++;
		}
	return 0;
}

/* ---- a multi-shard command as a transaction ---- */

bool dp_tx_start_one(struct worker *w, struct dp_client *cl, const struct cmd_def *d,
		     struct resp_arg *argv, uint32_t argc)
{
	if (strcmp(d->name, "rename") == 0 || strcmp(d->name, "renamenx") == 0 ||
	    strcmp(d->name, "copy") == 0)
		return mv_start(w, cl, d, argv, argc);
	bool msetnx = (d->flags & CMD_MULTI_KEYS_SAME_SHARD) && d->key_step == 2;
	bool all = (d->flags & (CMD_ALL_SHARDS_SUM | CMD_ALL_SHARDS_CONCAT | CMD_ALL_SHARDS_OK)) ||
		   dp_digest_is(d, argv, argc);
	if (!all && !msetnx && !(d->flags & (CMD_KEYS_SUM | CMD_KEYS_MERGE | CMD_KEYS_ALL_OK)))
		return ga_eligible(d) && ga_start(w, cl, d, argv, argc);
	if ((msetnx || (d->flags & CMD_KEYS_ALL_OK)) && (argc - 1) % 2 != 0) {
		cmd_reply_arity(dp_reply_target(w, cl), d);
		return true;
	}
	struct dp_tx *tx = dp_tx_new(w, cl, msetnx ? DP_TX_MSETNX : DP_TX_ONE, 1);
	if (tx == NULL)
		goto nomem;
	if (tx_keep_one(tx, d, argv, argc) != 0)
		goto nomem_tx;
	if (!msetnx) {
		if (dp_tx_plan_cmd(w, tx, 0, d, argv, argc, &cl->cc) != 0)
			goto nomem_tx;
		dp_tx_launch(w, cl, tx, &cl->cc);
		return true;
	}
	/* MSETNX: every owner first counts which of its keys exist (EXISTS,
	 * under the lock); only if none does, each sets its pairs. */
	const struct cmd_def *exists = cmd_lookup((const uint8_t *)"exists", 6);
	struct resp_arg *sub = w->sub_argv;
	for (uint32_t o = 0; o < w->sh->n_workers; o++) {
		uint32_t n = 1, nk = 1;
		sub[0] = argv[0];
		for (uint32_t i = 1; i + 1 < argc; i += 2)
			if (shard_of_key(argv[i].ptr, argv[i].len, w->sh->n_workers) == o) {
				sub[n++] = argv[i];
				sub[n++] = argv[i + 1];
				nk++;
				if (intent(tx, o, cl->cc.db, &argv[i]) != 0)
					goto nomem_tx;
			}
		if (n == 1)
			continue;
		struct dp_tx_part *p = part_use(tx, o);
		if (sub_add_q(&p->run, 0, &cl->cc, d, sub, n, tx_ev_of(tx)) != 0)
			goto nomem_tx;
		p->n_run++;
		/* the keys alone, for EXISTS (sub is copied into the part: reuse it) */
		for (uint32_t k = 1; k < nk; k++)
			sub[k] = sub[2 * k - 1];
		static uint8_t exists_name[] = "exists";
		sub[0] = (struct resp_arg){.ptr = exists_name, .len = 6};
		if (sub_add(&p->check, 0, &cl->cc, exists, sub, nk) != 0)
			goto nomem_tx;
		p->n_check++;
	}
	dp_slot_begin(&tx->cmds[0], DP_AGG_NONE, 0);
	dp_tx_launch(w, cl, tx, &cl->cc);
	return true;
nomem_tx:
	dp_tx_free(w, tx);
nomem:
	resp_w_error(dp_reply_target(w, cl), "ERR out of memory");
	return true;
}

/* ---- setup ---- */

int dp_tx_setup(struct worker *w)
{
	if (shard_txq_init(&w->txq, tx_granted, w) != 0)
		return -ENOMEM;
	if (store_hook_add(w->store, dp_watch_store_event, &w->watch) != 0)
		return -ENOMEM;
	return 0;
}

void dp_tx_teardown(struct worker *w)
{
	while (w->tx_wait != NULL) {
		struct dp_tx *tx = w->tx_wait;
		w->tx_wait = tx->next;
		dp_tx_free(w, tx);
	}
	shard_txq_fini(&w->txq);
	dp_watch_fini(&w->watch);
	rw_buf_fini(&w->tx_fx);
	rw_buf_fini(&w->tx_out);
	rw_buf_fini(&w->tx_ev);
	free(w->hash_buf);
	w->hash_buf = NULL;
	free(w->wait_argv);
	w->wait_argv = NULL;
	store_shard_destroy(&w->ga_store);
	free(w->ga_argv);
	w->ga_argv = NULL;
	w->ga_argv_cap = 0;
}
