/* Channel consumer (see cp_chan.h; the channel format is platform/chan/FORMAT.md). */
#include "cp_chan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rw_log.h"

#define JRNL_BUDGET 4096 /* records per worker per poll: bounded work per tick */
#define MSG_BUDGET  256

struct cp_chan_worker {
	uint64_t jrnl_records;
	uint64_t jrnl_bytes;
	uint64_t pings_sent;
	uint64_t pongs;
	uint64_t ping_rtt_us;
	uint64_t requests;
	uint32_t ping_seq;
};

struct cp_chan {
	struct cp_loop *loop;
	char *path;
	struct chan *ch;
	uint64_t epoch;		 /* of the mapping we hold */
	uint64_t attached_ms;	 /* cp_now_ms() at attach */
	uint64_t stale_since_ms; /* 0 while the heartbeat is fresh */
	bool logged_waiting;
	uint64_t attaches;
	uint64_t records;
	uint64_t bytes;
	int timer_poll, timer_attach, timer_ping;
	bool has_sink;
	struct cp_jrnl_sink sink;
	cp_chan_attach_fn *attach_fn;
	void *attach_arg;
	cp_chan_msg_fn *snap_fn; /* SNAP_* messages (control/persist/cp_rdb.h) */
	void *snap_arg;
	uint64_t config_stall_until_ms; /* a CONFIG request timed out: fail fast until then */
	struct chan_persist_status status_sent; /* what worker 0 last got */
	uint64_t status_sent_ms;		/* 0: not since the attach */
	struct cp_chan_worker w[CHAN_MAX_WORKERS];
	/* side files of large records in the AOF's hands, removed once durable */
	struct cp_big_held {
		uint32_t w;
		uint64_t lsn;
	} * big_held;
	size_t n_big_held, cap_big_held;
	uint64_t big_lost; /* large records whose side file could not be read */
	/* After an attach the journals wait until worker 0 has re-sent the
	 * persistence directives (CONFIG_NOTEs, then an empty one): a record
	 * must not be taken before we know whether the AOF is on. */
	bool resync_pending;
	uint64_t resync_sent_ms;
	/* The dataplane's directive values and users, as its notes tell them
	 * (types 20 and 24): what the management API reads, so a read sends
	 * the workers nothing. Each entry keeps the generation of the note it
	 * came from: notes of different workers' rings are taken in ring
	 * order, not in the order the changes were made, and an older one
	 * must not overwrite a newer. Emptied at every attach; complete when
	 * worker 0's re-send ended. */
	struct cp_cfg_val {
		char *name, *value;
		uint64_t gen;
	} * vals;
	size_t n_vals, cap_vals;
	bool vals_complete;
	char *users; /* ACL LIST's lines; NULL: no copy (ask worker 0) */
	uint64_t users_gen;
};

#define RESYNC_RETRY_MS 1000

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t heartbeat_age_ms(const struct cp_chan *c)
{
	uint64_t hb = chan_heartbeat_get(c->ch), now = unix_ms();
	return now > hb ? now - hb : 0;
}

static void copy_clear(struct cp_chan *c)
{
	for (size_t i = 0; i < c->n_vals; i++) {
		free(c->vals[i].name);
		free(c->vals[i].value);
	}
	c->n_vals = 0;
	c->vals_complete = false;
	free(c->users);
	c->users = NULL;
	c->users_gen = 0;
}

static struct cp_cfg_val *val_find(const struct cp_chan *c, const char *name)
{
	for (size_t i = 0; i < c->n_vals; i++)
		if (strcasecmp(c->vals[i].name, name) == 0)
			return &c->vals[i];
	return NULL;
}

/* CONFIG_NOTE "name\0value\0old\0source\0client\0gen\0" into the copy
 * (the two-field notes of the AOF's state are not values). */
static void val_note(struct cp_chan *c, const struct chan_msg *m)
{
	const char *f[6];
	size_t n = 0;
	for (const char *p = m->payload, *end = p + m->len; n < 6 && p < end; n++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (z == NULL)
			return;
		f[n] = p;
		p = z + 1;
	}
	if (n < 6)
		return;
	uint64_t gen = strtoull(f[5], NULL, 10);
	struct cp_cfg_val *v = val_find(c, f[0]);
	if (v == NULL) {
		if (c->n_vals == c->cap_vals) {
			size_t cap = c->cap_vals ? 2 * c->cap_vals : 128;
			struct cp_cfg_val *nv = realloc(c->vals, cap * sizeof(*nv));
			if (nv == NULL)
				return;
			c->vals = nv;
			c->cap_vals = cap;
		}
		v = &c->vals[c->n_vals];
		*v = (struct cp_cfg_val){.name = strdup(f[0])};
		if (v->name == NULL)
			return;
		c->n_vals++;
	} else if (gen < v->gen) {
		return; /* an older change, taken after a newer one */
	}
	char *value = strdup(f[1]);
	if (value == NULL)
		return;
	free(v->value);
	v->value = value;
	v->gen = gen;
}

/* ACL_NOTE: the users now (struct chan_acl_note, then ACL LIST's lines). */
static void users_note(struct cp_chan *c, const struct chan_msg *m)
{
	struct chan_acl_note h;
	if (m->len < sizeof(h))
		return;
	memcpy(&h, m->payload, sizeof(h));
	if (c->users != NULL && h.gen < c->users_gen)
		return;
	char *text = NULL;
	if (!(h.flags & CHAN_ACL_NOTE_F_TOO_LONG) &&
	    (text = strndup((const char *)m->payload + sizeof(h), m->len - sizeof(h))) == NULL)
		return;
	free(c->users);
	c->users = text; /* NULL when too long: the API asks worker 0 */
	c->users_gen = h.gen;
}

static void chan_drop(struct cp_chan *c, const char *why)
{
	if (c->ch == NULL)
		return;
	rw_log_kv(RW_LOG_WARN, "cp.chan", "detached from the dataplane channel",
		  "reason=%s epoch=%016llx", why, (unsigned long long)c->epoch);
	chan_detach(&c->ch);
}

struct chan *cp_chan_mapped(const struct cp_chan *c, const char **path)
{
	if (path != NULL)
		*path = c->path;
	return c->ch;
}

void cp_chan_drop(struct cp_chan *c, const char *why)
{
	chan_drop(c, why);
}

static void attach_hook_run(struct cp_chan *c)
{
	if (c->attach_fn == NULL || c->ch == NULL)
		return;
	int rc = c->attach_fn(c->attach_arg, c->ch, c->path);
	if (rc != 0) {
		rw_log_kv(RW_LOG_WARN, "cp.chan", "attach hook failed: detaching, retrying",
			  "epoch=%016llx err=%d", (unsigned long long)c->epoch, -rc);
		chan_detach(&c->ch);
	}
}

void cp_chan_set_snap_hook(struct cp_chan *c, cp_chan_msg_fn *fn, void *arg)
{
	c->snap_fn = fn;
	c->snap_arg = arg;
	c->resync_pending = c->ch != NULL && fn != NULL; /* attached already: ask now */
	c->resync_sent_ms = 0;
}

void cp_chan_set_attach_hook(struct cp_chan *c, cp_chan_attach_fn *fn, void *arg)
{
	c->attach_fn = fn;
	c->attach_arg = arg;
	attach_hook_run(c);
}

/*
 * Attach and rewind every journal to its durable cursor: whatever a previous
 * control plane consumed but did not make durable is read again.
 */
static void chan_try_attach(struct cp_chan *c)
{
	struct chan *ch = NULL;
	int rc = chan_attach(&ch, c->path);
	if (rc != 0) {
		if (!c->logged_waiting)
			rw_log_kv(RW_LOG_INFO, "cp.chan", "waiting for the dataplane channel",
				  "path=%s err=%d", c->path, -rc);
		c->logged_waiting = true;
		return;
	}
	bool new_epoch = chan_info(ch)->epoch != c->epoch;
	c->ch = ch;
	c->epoch = chan_info(ch)->epoch;
	c->attached_ms = cp_now_ms();
	c->logged_waiting = false;
	c->attaches++;
	c->status_sent_ms = 0;
	if (new_epoch)
		memset(c->w, 0, sizeof(c->w)); /* per-worker counters belong to one epoch */
	for (uint32_t w = 0; w < chan_workers(ch); w++)
		chan_jrnl_rewind(ch, w);
	c->n_big_held = 0; /* re-read from the durable cursor: held again when taken */
	copy_clear(c);	   /* worker 0's re-send fills it again */
	rw_log_kv(new_epoch ? RW_LOG_INFO : RW_LOG_DEBUG, "cp.chan",
		  "attached to the dataplane channel", "path=%s epoch=%016llx pid=%d workers=%u",
		  c->path, (unsigned long long)c->epoch, (int)chan_info(ch)->pid, chan_workers(ch));
	attach_hook_run(c);
	c->resync_pending = c->ch != NULL && c->snap_fn != NULL;
	c->resync_sent_ms = 0;
}

/* Ask worker 0 for its persistence directives (again, if unanswered). */
static void resync_ask(struct cp_chan *c)
{
	uint64_t now = cp_now_ms();
	if (!c->resync_pending ||
	    (c->resync_sent_ms != 0 && now - c->resync_sent_ms < RESYNC_RETRY_MS))
		return;
	if (chan_msg_send(c->ch, 0, CHAN_TO_DP, CHAN_MSG_CONFIG_NOTE, 0, NULL, 0) == 0)
		c->resync_sent_ms = now != 0 ? now : 1;
}

/*
 * Every 100 ms: attach if we are not; otherwise notice a re-created channel
 * (the epoch in the file differs from our mapping's) and a dead dataplane
 * (heartbeat older than 3 s, re-attached at most every 3 s so a dead
 * dataplane's left-over file does not make us spin).
 */
static void chan_watch(struct cp_loop *l, void *arg)
{
	struct cp_chan *c = arg;
	(void)l;
	if (c->ch == NULL) {
		chan_try_attach(c);
		return;
	}
	uint64_t e = 0;
	if (chan_path_epoch(c->path, &e) != 0 || e != c->epoch) {
		chan_drop(c, e != 0 ? "new_epoch" : "channel_gone");
		chan_try_attach(c);
		return;
	}
	if (heartbeat_age_ms(c) <= CP_CHAN_HEARTBEAT_STALE_MS) {
		if (c->stale_since_ms != 0)
			rw_log_kv(RW_LOG_INFO, "cp.chan", "dataplane heartbeat is fresh again",
				  NULL);
		c->stale_since_ms = 0;
		return;
	}
	if (c->stale_since_ms == 0) {
		c->stale_since_ms = cp_now_ms();
		rw_log_kv(RW_LOG_WARN, "cp.chan", "dataplane heartbeat is stale",
			  "age_ms=%llu pid=%d", (unsigned long long)heartbeat_age_ms(c),
			  (int)chan_info(c->ch)->pid);
	}
	if (cp_now_ms() - c->attached_ms >= CP_CHAN_HEARTBEAT_STALE_MS) {
		chan_detach(&c->ch);
		chan_try_attach(c);
	}
}

static bool big_hold(struct cp_chan *c, uint32_t w, uint64_t lsn)
{
	if (c->n_big_held == c->cap_big_held) {
		size_t cap = c->cap_big_held ? c->cap_big_held * 2 : 16;
		struct cp_big_held *h = realloc(c->big_held, cap * sizeof(*h));
		if (h == NULL)
			return false;
		c->big_held = h;
		c->cap_big_held = cap;
	}
	c->big_held[c->n_big_held++] = (struct cp_big_held){w, lsn};
	return true;
}

/* Remove the side files of records now durable. */
static void big_release(struct cp_chan *c, uint32_t w, uint64_t durable_lsn)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n_big_held; i++) {
		struct cp_big_held h = c->big_held[i];
		if (h.w == w && h.lsn <= durable_lsn)
			chan_jrnl_big_remove(c->ch, h.w, h.lsn);
		else
			c->big_held[k++] = h;
	}
	c->n_big_held = k;
}

/*
 * A record whose payload is in a side file (chan.h CHAN_REC_F_FILE): mapped
 * for the sink, removed once durable. One that cannot be read is lost to
 * the AOF, and said so. @return false: the sink cannot take it now.
 */
static bool big_take(struct cp_chan *c, uint32_t w, const struct chan_msg *m)
{
	const void *p = NULL;
	size_t len = 0;
	int rc = chan_jrnl_big_map(c->ch, m, &p, &len);
	if (rc != 0) {
		c->big_lost++;
		rw_log_kv(
		    RW_LOG_ERR, "cp.chan", "large journal record unreadable: left out of the AOF",
		    "worker=%u lsn=%llu err=\"%s\"", w, (unsigned long long)m->lsn, strerror(-rc));
		chan_jrnl_big_remove(c->ch, w, m->lsn);
		return true;
	}
	if (c->has_sink) {
		bool taken = len <= UINT32_MAX && big_hold(c, w, m->lsn);
		if (taken &&
		    c->sink.record(c->sink.arg, c->epoch, w, m->lsn, p, (uint32_t)len) != 0) {
			c->n_big_held--; /* held last, above */
			taken = false;
		}
		if (!taken) {
			chan_jrnl_big_unmap(p, len);
			return false;
		}
	}
	chan_jrnl_big_unmap(p, len);
	if (!c->has_sink)
		chan_jrnl_big_remove(c->ch, w, m->lsn);
	return true;
}

/*
 * Drain one worker's journal. Without a sink a record is durable as soon
 * as it is consumed. With one (the AOF), each record goes to the sink and
 * is consumed once the sink took it; durability comes back later through
 * sink_mark_durable(). A sink that cannot take more (write error, backlog)
 * leaves the rest in the ring: the dataplane feels back-pressure.
 */
static int jrnl_drain(struct cp_chan *c, uint32_t w)
{
	struct chan_msg m;
	uint64_t last = 0;
	int rc = 0, n;
	for (n = 0; n < JRNL_BUDGET && (rc = chan_jrnl_peek(c->ch, w, &m)) == 0; n++) {
		if (m.flags & CHAN_REC_F_FILE) {
			if (!big_take(c, w, &m))
				break;
		} else if (c->has_sink &&
			   c->sink.record(c->sink.arg, c->epoch, w, m.lsn, m.payload, m.len) != 0) {
			break;
		}
		c->w[w].jrnl_records++;
		c->w[w].jrnl_bytes += m.len;
		c->records++;
		c->bytes += m.len;
		last = m.lsn;
		chan_jrnl_consume(c->ch, w, &m);
	}
	if (n > 0 && !c->has_sink)
		chan_jrnl_mark_durable(c->ch, w, last);
	return rc == -EPROTO ? rc : 0;
}

/* Pass on what the sink made durable since the last poll. */
static void sink_mark_durable(struct cp_chan *c)
{
	for (uint32_t w = 0; w < chan_workers(c->ch); w++) {
		/* compared with the channel's cursor, not with what we passed last
		 * time: mark_durable stops at `consumed`, which may lag behind */
		uint64_t lsn = c->sink.durable_lsn(c->sink.arg, c->epoch, w);
		if (lsn > chan_jrnl_durable_lsn(c->ch, w))
			chan_jrnl_mark_durable(c->ch, w, lsn);
		if (c->n_big_held > 0)
			big_release(c, w, chan_jrnl_durable_lsn(c->ch, w));
	}
}

void cp_chan_set_sink(struct cp_chan *c, const struct cp_jrnl_sink *sink)
{
	c->sink = *sink;
	c->has_sink = true;
}

void cp_chan_clear_sink(struct cp_chan *c)
{
	if (!c->has_sink)
		return;
	if (c->ch != NULL) {
		c->sink.flush(c->sink.arg, cp_now_ms());
		sink_mark_durable(c);
		/* the rest of what the sink took is durable as consumed, as
		 * without a sink (the replies held for it go out) */
		for (uint32_t w = 0; w < chan_workers(c->ch); w++) {
			chan_jrnl_mark_durable(c->ch, w, UINT64_MAX);
			if (c->n_big_held > 0)
				big_release(c, w, chan_jrnl_durable_lsn(c->ch, w));
		}
	}
	c->has_sink = false;
	memset(&c->sink, 0, sizeof(c->sink));
}

const char *cp_chan_info_section(const char *section, uint32_t len)
{
	/* Only fields that are true today: nothing persists or replicates yet. */
	static const struct {
		const char *name;
		const char *text;
	} sections[] = {
	    {"persistence", "# Persistence\r\nloading:0\r\nasync_loading:0\r\n"
			    "rdb_bgsave_in_progress:0\r\naof_enabled:0\r\n"
			    "aof_rewrite_in_progress:0\r\n"},
	    {"replication", "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"},
	};
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strlen(sections[i].name) == len &&
		    strncasecmp(section, sections[i].name, len) == 0)
			return sections[i].text;
	return "";
}

static void msg_answer(struct cp_chan *c, uint32_t w, const struct chan_msg *m)
{
	int rc = 0;
	switch (m->type) {
	case CHAN_MSG_PING:
		rc = chan_msg_send(c->ch, w, CHAN_TO_DP, CHAN_MSG_PONG, m->id, m->payload, m->len);
		break;
	case CHAN_MSG_PONG: {
		uint64_t sent;
		if (m->len == sizeof(sent)) {
			memcpy(&sent, m->payload, sizeof(sent));
			c->w[w].pongs++;
			c->w[w].ping_rtt_us = mono_us() - sent;
		}
		return;
	}
	case CHAN_MSG_INFO_REQ: {
		char buf[1024];
		const char *text = cp_chan_info_section(m->payload, m->len);
		if (c->has_sink && c->sink.info != NULL &&
		    strncmp(text, "# Persistence", 13) == 0 &&
		    c->sink.info(c->sink.arg, buf, sizeof(buf)) < sizeof(buf))
			text = buf;
		rc = chan_msg_send(c->ch, w, CHAN_TO_DP, CHAN_MSG_INFO_REPLY, m->id, text,
				   (uint32_t)strlen(text));
		break;
	}
	default:
		rw_log_kv(RW_LOG_DEBUG, "cp.chan", "ignored message", "worker=%u type=%u", w,
			  m->type);
		return;
	}
	c->w[w].requests++;
	if (rc != 0)
		rw_log_kv(RW_LOG_WARN, "cp.chan", "reply to the dataplane dropped",
			  "worker=%u type=%u err=%d", w, m->type, -rc);
}

/* One message of worker @p w, as the poll takes it. @return -EAGAIN: leave
 * it in the ring (another worker's key is half written), else 0. */
static int msg_take(struct cp_chan *c, uint32_t w, const struct chan_msg *m)
{
	if (m->type == CHAN_MSG_ACL_NOTE) {
		users_note(c, m);
		return 0;
	}
	if (m->type == CHAN_MSG_CONFIG_NOTE && m->len > 0)
		val_note(c, m);
	if (m->type == CHAN_MSG_CONFIG_NOTE && m->len == 0) {
		if (w == 0 && c->resync_pending)
			rw_log_kv(RW_LOG_INFO, "cp.chan",
				  "persistence directives re-sent by the dataplane", NULL);
		c->vals_complete = c->vals_complete || w == 0;
		c->resync_pending = c->resync_pending && w != 0; /* the re-send's end */
	} else if (((m->type >= CHAN_MSG_SNAP_BEGIN && m->type <= CHAN_MSG_SNAP_END) ||
		    m->type == CHAN_MSG_AOFRW_REQ || m->type == CHAN_MSG_CONFIG_NOTE) &&
		   c->snap_fn != NULL) {
		return c->snap_fn(c->snap_arg, c->ch, w, m) == -EAGAIN ? -EAGAIN : 0;
	} else {
		msg_answer(c, w, m);
	}
	return 0;
}

void cp_chan_msg_take(struct cp_chan *c, uint32_t w, const struct chan_msg *m)
{
	msg_take(c, w, m);
}

static int msg_drain(struct cp_chan *c, uint32_t w)
{
	struct chan_msg m;
	int rc = 0;
	for (int n = 0; n < MSG_BUDGET && (rc = chan_msg_recv(c->ch, w, CHAN_TO_CP, &m)) == 0;
	     n++) {
		if (msg_take(c, w, &m) == -EAGAIN)
			break;
		chan_msg_release(c->ch, w, CHAN_TO_CP, &m);
	}
	return rc == -EPROTO ? rc : 0;
}

/* A CONFIG_REPLY to request @p id from worker @p w, or -EAGAIN; every other
 * message is answered as the poll would, so nothing is lost while waiting. */
static int config_reply_take(struct cp_chan *c, uint32_t w, uint32_t id, char *out, size_t cap,
			     int *status)
{
	struct chan_msg m;
	int rc;
	while ((rc = chan_msg_recv(c->ch, w, CHAN_TO_CP, &m)) == 0) {
		bool mine = m.type == CHAN_MSG_CONFIG_REPLY && m.id == id;
		if (mine) {
			int32_t st = -EPROTO;
			size_t n = 0;
			if (m.len >= sizeof(st)) {
				memcpy(&st, m.payload, sizeof(st));
				n = m.len - sizeof(st);
			}
			if (n >= cap)
				n = cap - 1;
			memcpy(out, (const char *)m.payload + sizeof(st), n);
			out[n] = '\0';
			*status = st;
		} else if (m.type == CHAN_MSG_ACL_NOTE || m.type == CHAN_MSG_CONFIG_NOTE) {
			/* the request being waited for tells its change first */
			msg_take(c, w, &m);
		} else if (m.type == CHAN_MSG_AOFRW_REQ) {
			if (c->snap_fn != NULL)
				c->snap_fn(c->snap_arg, c->ch, w, &m);
		} else if (m.type != CHAN_MSG_CONFIG_REPLY) {
			msg_answer(c, w, &m); /* a late reply to a timed-out request is dropped */
		}
		chan_msg_release(c->ch, w, CHAN_TO_CP, &m);
		if (mine)
			return 0;
	}
	return rc == -EPROTO ? rc : -EAGAIN;
}

void cp_chan_notes_take(struct cp_chan *c)
{
	if (c == NULL || c->ch == NULL)
		return;
	for (uint32_t w = 0; w < chan_workers(c->ch); w++)
		if (msg_drain(c, w) != 0) {
			chan_drop(c, "corrupt_record");
			return;
		}
}

int cp_chan_config_cached(const struct cp_chan *c, const char *name, char *out, size_t cap)
{
	if (c == NULL || c->ch == NULL || !c->vals_complete)
		return -EAGAIN;
	const struct cp_cfg_val *v = val_find(c, name);
	if (v == NULL || v->value == NULL)
		return -ENOENT;
	snprintf(out, cap, "%s", v->value);
	return 0;
}

int cp_chan_users_cached(const struct cp_chan *c, const char **text)
{
	if (c == NULL || c->ch == NULL || c->users == NULL)
		return -EAGAIN;
	*text = c->users;
	return 0;
}

int cp_chan_send(struct cp_chan *c, uint32_t w, uint32_t type, uint32_t id, const void *payload,
		 uint32_t len)
{
	if (c == NULL || c->ch == NULL || w >= chan_workers(c->ch))
		return -ENOTCONN;
	return chan_msg_send(c->ch, w, CHAN_TO_DP, (uint16_t)type, id, payload, len) == 0 ? 0
											  : -ENOSPC;
}

/* Send a CONFIG_SET or CONFIG_GET of @p len bytes and wait for the answers. */
/* Bounded wait for worker @p w's answer to @p id: a worker answers from
 * its next loop iteration. A timeout makes later requests fail at once for
 * a while, so one stuck dataplane does not cost every caller a timeout. */
static int reply_wait(struct cp_chan *c, uint32_t w, uint32_t id, char *out, size_t cap, int *st,
		      uint64_t deadline)
{
	int rc;
	while ((rc = config_reply_take(c, w, id, out, cap, st)) == -EAGAIN &&
	       mono_us() < deadline) {
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	if (rc == -EAGAIN) {
		c->config_stall_until_ms = cp_now_ms() + CP_CHAN_CONFIG_TIMEOUT_MS;
		return -ETIMEDOUT;
	}
	return rc;
}

/* One request to worker 0 and its answer (@return its status, or an error). */
static int worker0_request(struct cp_chan *c, uint16_t type, const void *payload, uint32_t len,
			   char *out, size_t cap)
{
	static uint32_t seq;
	if (c == NULL || c->ch == NULL)
		return -ENOTCONN;
	if (cp_now_ms() < c->config_stall_until_ms)
		return -ETIMEDOUT;
	uint32_t id = 0x80000000u | ++seq; /* apart from config_request's ids */
	if (chan_msg_send(c->ch, 0, CHAN_TO_DP, type, id, payload, len) != 0)
		return -ENOSPC;
	int st = 0;
	out[0] = '\0';
	int rc = reply_wait(c, 0, id, out, cap, &st, mono_us() + CP_CHAN_CONFIG_TIMEOUT_MS * 1000u);
	return rc != 0 ? rc : st;
}

static int config_request(struct cp_chan *c, bool set, const char *payload, size_t len, char *out,
			  size_t cap)
{
	static uint32_t seq;
	if (c == NULL || c->ch == NULL)
		return -ENOTCONN;
	/* one stuck dataplane must not cost every parameter of a listing a timeout */
	if (cp_now_ms() < c->config_stall_until_ms)
		return -ETIMEDOUT;
	/* The run-time table is shared by the workers; SET goes to every one
	 * so each has applied it (and refreshed what it caches) when this
	 * returns. GET asks worker 0. */
	uint32_t id = ++seq, nw = set ? chan_workers(c->ch) : 1;
	for (uint32_t w = 0; w < nw; w++)
		if (chan_msg_send(c->ch, w, CHAN_TO_DP,
				  set ? CHAN_MSG_CONFIG_SET : CHAN_MSG_CONFIG_GET, id, payload,
				  (uint32_t)len) != 0)
			return -ENOSPC;
	int worst = 0;
	uint64_t deadline = mono_us() + CP_CHAN_CONFIG_TIMEOUT_MS * 1000u;
	out[0] = '\0';
	for (uint32_t w = 0; w < nw; w++) {
		char text[1024];
		int st = 0, rc = reply_wait(c, w, id, text, sizeof(text), &st, deadline);
		if (rc != 0)
			return rc;
		if (worst == 0 && (st != 0 || !set)) /* the first error text, or the value */
			snprintf(out, cap, "%s", text);
		if (worst == 0)
			worst = st;
	}
	return worst;
}

int cp_chan_config(struct cp_chan *c, bool set, const char *name, const char *value, char *out,
		   size_t cap)
{
	char payload[768];
	int n = set ? snprintf(payload, sizeof(payload), "%s%c%s", name, '\0', value)
		    : snprintf(payload, sizeof(payload), "%s", name);
	if (n < 0 || (size_t)n + 1 >= sizeof(payload))
		return -EMSGSIZE;
	return config_request(c, set, payload, (size_t)n + 1, out, cap);
}

int cp_chan_config_list(struct cp_chan *c, char *out, size_t cap)
{
	return worker0_request(c, CHAN_MSG_CONFIG_LIST, "", 0, out, cap);
}

int cp_chan_config_set_many(struct cp_chan *c, const char *const *names, const char *const *values,
			    size_t n, char *out, size_t cap)
{
	char payload[16384];
	size_t len = 0;
	if (n == 0 || n > 64)
		return -EMSGSIZE;
	for (size_t i = 0; i < n; i++) {
		size_t a = strlen(names[i]) + 1, b = strlen(values[i]) + 1;
		if (len + a + b > sizeof(payload))
			return -EMSGSIZE;
		memcpy(payload + len, names[i], a);
		memcpy(payload + len + a, values[i], b);
		len += a + b;
	}
	return config_request(c, true, payload, len, out, cap);
}

int cp_chan_acl(struct cp_chan *c, const char *const *args, size_t n, char *out, size_t cap)
{
	char payload[4096];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(args[i]);
		if (len + l + 1 > sizeof(payload))
			return -EMSGSIZE;
		memcpy(payload + len, args[i], l + 1);
		len += l + 1;
	}
	return worker0_request(c, CHAN_MSG_ACL, payload, (uint32_t)len, out, cap);
}

bool cp_chan_persist_status(const struct cp_chan *c, struct chan_persist_status *out)
{
	if (c == NULL || !c->has_sink || c->sink.status == NULL)
		return false;
	c->sink.status(c->sink.arg, out);
	out->big_lost = c->big_lost;
	return true;
}

/* INFO persistence's aof_* fields live on the dataplane: worker 0 keeps what
 * it was sent last. Sent on change, and once a second in case one was lost. */
static void status_send(struct cp_chan *c)
{
	struct chan_persist_status st = {0};
	uint64_t now = cp_now_ms();
	if (c->sink.status == NULL)
		return;
	c->sink.status(c->sink.arg, &st);
	st.big_lost = c->big_lost;
	if (c->status_sent_ms != 0 && now - c->status_sent_ms < 1000 &&
	    memcmp(&st, &c->status_sent, sizeof(st)) == 0)
		return;
	if (chan_msg_send(c->ch, 0, CHAN_TO_DP, CHAN_MSG_PERSIST_STATUS, 0, &st, sizeof(st)) == 0) {
		c->status_sent = st;
		c->status_sent_ms = now != 0 ? now : 1;
	}
}

static void chan_poll(struct cp_loop *l, void *arg)
{
	struct cp_chan *c = arg;
	(void)l;
	if (c->ch == NULL) {
		if (c->has_sink)
			c->sink.flush(c->sink.arg, cp_now_ms());
		return;
	}
	resync_ask(c);
	for (uint32_t w = 0; w < chan_workers(c->ch); w++) {
		if ((!c->resync_pending && jrnl_drain(c, w) != 0) || msg_drain(c, w) != 0) {
			rw_log_kv(RW_LOG_ERR, "cp.chan", "corrupt record in the channel",
				  "worker=%u", w);
			chan_drop(c, "corrupt_record");
			if (c->has_sink)
				c->sink.flush(c->sink.arg, cp_now_ms());
			return;
		}
	}
	if (c->snap_fn != NULL)
		c->snap_fn(c->snap_arg, c->ch, 0, NULL); /* a DONE waiting for ring room */
	if (c->has_sink) {
		c->sink.flush(c->sink.arg, cp_now_ms());
		sink_mark_durable(c);
		status_send(c);
	}
}

static void chan_ping(struct cp_loop *l, void *arg)
{
	struct cp_chan *c = arg;
	(void)l;
	if (c->ch == NULL)
		return;
	for (uint32_t w = 0; w < chan_workers(c->ch); w++) {
		uint64_t now = mono_us();
		if (chan_msg_send(c->ch, w, CHAN_TO_DP, CHAN_MSG_PING, ++c->w[w].ping_seq, &now,
				  sizeof(now)) == 0)
			c->w[w].pings_sent++;
	}
}

int cp_chan_create(struct cp_chan **out, struct cp_loop *l, const char *path)
{
	struct cp_chan *c = calloc(1, sizeof(*c));
	if (c == NULL || (c->path = strdup(path)) == NULL) {
		free(c);
		return -ENOMEM;
	}
	c->loop = l;
	c->timer_poll = cp_timer_add(l, CP_CHAN_POLL_MS, chan_poll, c);
	c->timer_attach = cp_timer_add(l, CP_CHAN_ATTACH_RETRY_MS, chan_watch, c);
	c->timer_ping = cp_timer_add(l, CP_CHAN_PING_MS, chan_ping, c);
	if (c->timer_poll < 0 || c->timer_attach < 0 || c->timer_ping < 0) {
		cp_chan_destroy(&c);
		return -ENOSPC;
	}
	chan_try_attach(c);
	*out = c;
	return 0;
}

void cp_chan_destroy(struct cp_chan **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct cp_chan *c = *cp;
	cp_timer_del(c->loop, c->timer_poll);
	cp_timer_del(c->loop, c->timer_attach);
	cp_timer_del(c->loop, c->timer_ping);
	chan_detach(&c->ch);
	copy_clear(c);
	free(c->vals);
	free(c->big_held);
	free(c->path);
	free(c);
	*cp = NULL;
}

void cp_chan_status(const struct cp_chan *c, struct cp_chan_status *out)
{
	memset(out, 0, sizeof(*out));
	out->attaches = c->attaches;
	out->jrnl_records = c->records;
	out->jrnl_bytes = c->bytes;
	out->big_lost = c->big_lost;
	if (c->ch == NULL)
		return;
	const struct chan_dp_info *info = chan_info(c->ch);
	out->attached = true;
	out->heartbeat_age_ms = heartbeat_age_ms(c);
	out->alive = out->heartbeat_age_ms <= CP_CHAN_HEARTBEAT_STALE_MS;
	out->pid = info->pid;
	out->epoch = info->epoch;
	out->n_workers = chan_workers(c->ch);
	out->start_unix_ms = info->start_unix_ms;
	snprintf(out->version, sizeof(out->version), "%.*s", (int)sizeof(info->version) - 1,
		 info->version);
	snprintf(out->name, sizeof(out->name), "%.*s", (int)sizeof(info->name) - 1, info->name);
}

int cp_chan_place(const struct cp_chan *c, struct chan_dp_place *out)
{
	return c->ch != NULL ? chan_place_get(c->ch, out) : -ENOENT;
}

int cp_chan_worker(const struct cp_chan *c, uint32_t w, struct cp_chan_worker_status *out)
{
	if (c->ch == NULL || w >= chan_workers(c->ch))
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	chan_stats_read(c->ch, w, &out->stats);
	out->jrnl_records = c->w[w].jrnl_records;
	out->jrnl_bytes = c->w[w].jrnl_bytes;
	out->durable_lsn = chan_jrnl_durable_lsn(c->ch, w);
	out->pings_sent = c->w[w].pings_sent;
	out->pongs = c->w[w].pongs;
	out->ping_rtt_us = c->w[w].ping_rtt_us;
	out->requests = c->w[w].requests;
	return 0;
}
