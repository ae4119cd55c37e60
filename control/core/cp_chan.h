/*
 * Channel consumer: the control plane's end of platform/chan.
 *
 * Attaches to the channel file the dataplane created (retrying every
 * 100 ms until it exists), follows it across dataplane restarts (a new
 * epoch) and re-attaches when the heartbeat goes stale, drains every
 * worker's journal, answers the dataplane's requests (PING, INFO) and pings
 * each worker once a second to measure the round trip.
 *
 * Context: the control plane's event loop (all work runs from its timers).
 */
#ifndef CP_CHAN_H
#define CP_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "cp_loop.h"

#define CP_CHAN_ATTACH_RETRY_MS	   100
#define CP_CHAN_HEARTBEAT_STALE_MS 3000
#define CP_CHAN_PING_MS		   1000
#define CP_CHAN_POLL_MS		   1

struct cp_chan_status {
	bool attached;
	bool alive; /* attached and the heartbeat is fresh */
	int32_t pid;
	uint64_t epoch;
	uint32_t n_workers;
	uint64_t start_unix_ms;
	uint64_t heartbeat_age_ms;
	char version[32];
	char name[64];
	uint64_t attaches;     /* successful attaches since start */
	uint64_t jrnl_records; /* journal records consumed since start */
	uint64_t jrnl_bytes;   /* their payload bytes */
	uint64_t big_lost;     /* large records whose side file could not be read: not in the AOF */
};

struct cp_chan_worker_status {
	struct chan_worker_stats stats;
	uint64_t jrnl_records;
	uint64_t jrnl_bytes;
	uint64_t durable_lsn;
	uint64_t pings_sent;
	uint64_t pongs;
	uint64_t ping_rtt_us; /* last measured round trip; 0 = none yet */
	uint64_t requests;    /* dataplane -> control messages answered */
};

struct cp_chan;

/*
 * Where consumed journal records go (the AOF; replication later). Bound once
 * by main.c. Without a sink a record is durable as soon as it is consumed.
 */
typedef int cp_jrnl_record_fn(void *arg, uint64_t epoch, uint32_t w, uint64_t lsn,
			      const void *payload, uint32_t len);
typedef void cp_jrnl_flush_fn(void *arg, uint64_t now_ms);
typedef uint64_t cp_jrnl_durable_fn(void *arg, uint64_t epoch, uint32_t w);
typedef size_t cp_jrnl_info_fn(void *arg, char *buf, size_t len);
typedef void cp_jrnl_status_fn(void *arg, struct chan_persist_status *out);

struct cp_jrnl_sink {
	void *arg;
	/* take a record: 0, or -EAGAIN/-ENOMEM to leave it unconsumed for a later poll */
	cp_jrnl_record_fn *record;
	/* once per poll (every CP_CHAN_POLL_MS), attached or not: write, fsync, retry */
	cp_jrnl_flush_fn *flush;
	/* highest LSN of worker w in epoch that is durable; the consumer marks it */
	cp_jrnl_durable_fn *durable_lsn;
	/* INFO persistence text; NULL: the static text of cp_chan_info_section() */
	cp_jrnl_info_fn *info;
	/* INFO's aof_* fields, sent to worker 0 when they change and once a second; may be NULL */
	cp_jrnl_status_fn *status;
};

/** Start following the channel at @p path on loop @p l. @return 0, -ENOMEM, -ENOSPC (timers). */
int cp_chan_create(struct cp_chan **out, struct cp_loop *l, const char *path);
/** Stop the timers and detach. NULL-safe; clears the pointer. */
void cp_chan_destroy(struct cp_chan **c);

/*
 * Called right after every attach (the journals are rewound already), before
 * anything is drained: main.c loads the AOF into a dataplane that waits for
 * it (control/core/cp_load.h). A non-zero return detaches; the attach is
 * tried again 100 ms later.
 */
typedef int cp_chan_attach_fn(void *arg, struct chan *ch, const char *path);

/*
 * Where the snapshot messages (CHAN_MSG_SNAP_BEGIN..END, and AOFRW_REQ: an
 * AOF rewrite is a snapshot) and the persistence directives CONFIG SET
 * changed (CONFIG_NOTE) go: main.c binds
 * control/persist's RDB writer. Called per message; -EAGAIN leaves the
 * message in the ring and stops taking that worker's messages in this poll.
 * Called with a NULL message once per poll (housekeeping).
 * With a hook bound, every attach asks worker 0 to re-send its directives
 * (they may differ from the configuration file: CONFIG SET) and no journal
 * record is taken until the re-send has ended.
 */
typedef int cp_chan_msg_fn(void *arg, struct chan *ch, uint32_t w, const struct chan_msg *m);
void cp_chan_set_snap_hook(struct cp_chan *c, cp_chan_msg_fn *fn, void *arg);

/** Bind the attach hook; when attached already, it runs now. Context: setup. */
void cp_chan_set_attach_hook(struct cp_chan *c, cp_chan_attach_fn *fn, void *arg);

/** Send journal records to @p sink (copied) from the next poll on. Context: the loop. */
void cp_chan_set_sink(struct cp_chan *c, const struct cp_jrnl_sink *sink);
/**
 * No sink from now on (CONFIG SET appendonly no): what the sink made durable
 * is passed on, everything else consumed counts as durable at once (the
 * sink must still be alive: it is flushed first).
 */
void cp_chan_clear_sink(struct cp_chan *c);

void cp_chan_status(const struct cp_chan *c, struct cp_chan_status *out);
/**
 * The AOF's state as INFO persistence reports it (the sink's status), for
 * the API's /metrics. @return false, @p out untouched, when there is no AOF
 * (appendonly no: no sink status is bound).
 */
bool cp_chan_persist_status(const struct cp_chan *c, struct chan_persist_status *out);
/** The attached dataplane's placement (chan_place_get): each worker's
 * lcore, CPU and NUMA node, the client port's node. @return 0, or -ENOENT
 * when none is attached or published. Context: the event loop. */
int cp_chan_place(const struct cp_chan *c, struct chan_dp_place *out);

/** @return 0 with @p out filled, or -ENOENT (not attached or no such worker). */
int cp_chan_worker(const struct cp_chan *c, uint32_t w, struct cp_chan_worker_status *out);

/**
 * The text of INFO section @p section (case-insensitive) that the control
 * plane owns, in Redis's "# Section\r\nfield:value\r\n" form; "" for a
 * section it does not own. Exposed for tests.
 */
const char *cp_chan_info_section(const char *section, uint32_t len);

/** The channel mapped now (NULL: not attached) and its file's @p path (may be NULL). */
struct chan *cp_chan_mapped(const struct cp_chan *c, const char **path);
/**
 * Detach now; the attach timer attaches again and runs the attach hook,
 * which loads the dataset from disk into workers that are not serving
 * (a live restore that failed half way: the durable dataset comes back).
 */
void cp_chan_drop(struct cp_chan *c, const char *why);

/**
 * Handle message @p m of worker @p w as the poll would (answer an INFO_REQ
 * or PING, hand a CONFIG_NOTE to the snapshot hook); the caller releases
 * it. For a live restore's load session, which takes the rings meanwhile.
 */
void cp_chan_msg_take(struct cp_chan *c, uint32_t w, const struct chan_msg *m);

/**
 * Take what waits in the workers' to-cp rings now, as the poll would (the
 * journals are left to it): a change a client saw acknowledged has its
 * note in a ring before the client got the reply, so the copies below are
 * true for anything acknowledged before this call. Sends the workers
 * nothing of its own. Context: the event loop (an API read).
 */
void cp_chan_notes_take(struct cp_chan *c);

/**
 * Directive @p name's current value in the dataplane, from the control
 * plane's copy (kept by the workers' CONFIG_NOTEs: worker 0's re-send at
 * every attach, then every CONFIG SET). No message is sent.
 * @return 0 (@p out filled), -ENOENT (the dataplane has no such directive),
 *         -EAGAIN (no complete copy: not attached, or the re-send has not
 *         ended; ask with cp_chan_config).
 */
int cp_chan_config_cached(const struct cp_chan *c, const char *name, char *out, size_t cap);

/**
 * The dataplane's users as ACL LIST's lines ("user NAME RULES\n"...), from
 * the control plane's copy (ACL_NOTEs). @p text stays valid until the next
 * message is taken. @return 0, or -EAGAIN (no copy: ask with cp_chan_acl).
 */
int cp_chan_users_cached(const struct cp_chan *c, const char **text);

/**
 * Send one message of @p type to worker @p w (a request that needs no
 * answer here: SNAP_REQ).
 * @return 0, -ENOTCONN (not attached), -ENOSPC (the ring is full).
 */
int cp_chan_send(struct cp_chan *c, uint32_t w, uint32_t type, uint32_t id, const void *payload,
		 uint32_t len);

#define CP_CHAN_CONFIG_TIMEOUT_MS 2000
/**
 * CONFIG SET @p name @p value on every worker (@p set), or CONFIG GET @p name
 * on worker 0, through the dataplane's own CONFIG handler. Waits for the
 * answers (bounded, CP_CHAN_CONFIG_TIMEOUT_MS), answering other messages.
 * @p out gets Redis's error text ("ERR CONFIG SET failed ...") on failure, the
 * value on a GET, "" on a SET that worked.
 * Context: the control plane's event loop (the API's PATCH); blocks briefly.
 * @return 0, -EINVAL/-ENOENT (the dataplane refused: text in @p out),
 *         -ENOTCONN (not attached), -ETIMEDOUT, -ENOSPC, -EMSGSIZE, -EPROTO.
 */
int cp_chan_config(struct cp_chan *c, bool set, const char *name, const char *value, char *out,
		   size_t cap);

/**
 * The directives the dataplane's CONFIG SET changes at run time
 * (CHAN_MSG_CONFIG_LIST on worker 0): "name" or "name v1,v2,..." (its
 * allowed values) a line, in @p out. Waits as cp_chan_config.
 * @return 0, -ENOTCONN, -ETIMEDOUT, -ENOSPC, -E2BIG, -EPROTO.
 */
int cp_chan_config_list(struct cp_chan *c, char *out, size_t cap);

/**
 * CONFIG SET of @p n directives at once (@p names[i] to @p values[i]) on
 * every worker, as one `CONFIG SET n1 v1 n2 v2 ...`: the dataplane's
 * handler checks every name and value before it stores any, so all apply
 * or none (Redis 7.0). Waits and returns as cp_chan_config (SET).
 */
int cp_chan_config_set_many(struct cp_chan *c, const char *const *names, const char *const *values,
			    size_t n, char *out, size_t cap);

/**
 * An ACL request of the management API on worker 0 (CHAN_MSG_ACL:
 * "list", "setuser NAME RULE...", "deluser NAME"), answered by the
 * dataplane's users (dataplane/cmd/cmd_acl.c). Same wait as
 * cp_chan_config(). @p out gets the text (ACL LIST's lines, "1"/"0") or
 * Redis's error text. Context: the event loop; blocks briefly.
 * @return 0, a negative errno the dataplane returned (text in @p out),
 *         -ENOTCONN, -ETIMEDOUT, -ENOSPC, -EMSGSIZE.
 */
int cp_chan_acl(struct cp_chan *c, const char *const *args, size_t n, char *out, size_t cap);

#endif
