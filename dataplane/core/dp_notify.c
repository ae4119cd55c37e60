/*
 * Keyspace notifications (notify.c of redis-server 7.0.15), raised on the
 * worker that owns the key and published to subscribers on every worker
 * through dp_pubsub (PUBSUB.md, "Keyspace notifications").
 *
 * The store's write hook reports each committed write with the event its
 * handler named. During a command the events are held (key copied) and
 * published when it ends, after fix-ups that make them what Redis notifies
 * for that command; outside a command (active expiry, eviction) they go at
 * once.
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_pubsub.h"
#include "store.h"
#include "worker.h"

#define PS_NEW_MAX 64 /* keys of one command checked for "new" (more: not notified) */

struct ps_ev {
	uint32_t db;
	uint32_t off, len; /* the key in the pending buffer */
	const char *event; /* a handler's literal, or a Redis name below */
};

struct ps_pending {
	struct ps_ev *ev;
	uint32_t n, cap;
	struct rw_buf keys;
	bool in_cmd;
	struct rw_buf *out; /* where the command replies, and its length before */
	size_t mark;
	struct rw_buf tmp;
	/* class n: the command's keys that did not exist when it started */
	uint32_t n_new;
	uint32_t new_arg[PS_NEW_MAX]; /* argument index */
};

static void notify_now(struct worker *w, uint32_t db, const void *key, size_t klen,
		       const char *event)
{
	uint32_t flags = cmd_cfg_notify_flags(&w->sh->env), cls;
	if (!(flags & (CMD_NOTIFY_KEYSPACE | CMD_NOTIFY_KEYEVENT)))
		return;
	const char *ev = cmd_notify_event(event, &cls);
	if (ev == NULL || !(flags & cls))
		return;
	size_t elen = strlen(ev);
	char head[64];
	struct rw_buf *b = &w->ps_scratch;
	if (flags & CMD_NOTIFY_KEYSPACE) {
		int h = snprintf(head, sizeof(head), "__keyspace@%u__:", db);
		rw_buf_reset(b);
		rw_buf_append(b, head, (size_t)h);
		rw_buf_append(b, key, klen);
		dp_pubsub_publish_uncounted(w, b->data, b->len, (const uint8_t *)ev, elen);
	}
	if (flags & CMD_NOTIFY_KEYEVENT) {
		int h = snprintf(head, sizeof(head), "__keyevent@%u__:", db);
		rw_buf_reset(b);
		rw_buf_append(b, head, (size_t)h);
		rw_buf_append(b, ev, elen);
		dp_pubsub_publish_uncounted(w, b->data, b->len, key, klen);
	}
}

static int pend_push(struct ps_pending *p, uint32_t db, const void *key, size_t klen,
		     const char *event)
{
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 16;
		struct ps_ev *e = realloc(p->ev, cap * sizeof(*e));
		if (e == NULL)
			return -ENOMEM;
		p->ev = e;
		p->cap = cap;
	}
	p->ev[p->n++] = (struct ps_ev){db, (uint32_t)p->keys.len, (uint32_t)klen, event};
	rw_buf_append(&p->keys, key, klen);
	return 0;
}

static void store_event(void *arg, uint32_t db, const void *key, size_t klen, const char *event)
{
	struct worker *w = arg;
	uint32_t flags = cmd_cfg_notify_flags(&w->sh->env);
	if (!(flags & (CMD_NOTIFY_KEYSPACE | CMD_NOTIFY_KEYEVENT)) || w->notify_mute)
		return;
	struct ps_pending *p = w->ps->pend;
	if (!p->in_cmd || pend_push(p, db, key, klen, event) != 0)
		notify_now(w, db, key, klen, event);
}

/* Class n: which of the command's keys are absent before it runs (Redis
 * raises "new" in dbAdd()). Lazy expiry here raises "expired" first, as the
 * command's own lookup would. */
static void new_keys_note(struct worker *w, struct ps_pending *p, const struct cmd_def *d,
			  const struct resp_arg *argv, uint32_t argc, uint32_t db)
{
	int32_t last = d->last_key < 0 ? (int32_t)argc + d->last_key : d->last_key;
	int32_t step = d->key_step > 0 ? d->key_step : 1;
	for (int32_t i = d->first_key; i > 0 && i <= last && i < (int32_t)argc; i += step)
		if (p->n_new < PS_NEW_MAX &&
		    store_lookup(w->store, db, argv[i].ptr, argv[i].len, w->now_unix_ms,
				 STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS) == NULL)
			p->new_arg[p->n_new++] = (uint32_t)i;
}

void dp_pubsub_cmd_begin(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
			 uint32_t argc, uint32_t db, struct rw_buf *out)
{
	struct ps_pending *p = w->ps->pend;
	p->out = out;
	p->mark = out->len;
	uint32_t flags = cmd_cfg_notify_flags(&w->sh->env);
	p->in_cmd = (flags & (CMD_NOTIFY_KEYSPACE | CMD_NOTIFY_KEYEVENT)) != 0;
	p->n_new = 0;
	if (p->in_cmd && (flags & CMD_NOTIFY_NEW))
		new_keys_note(w, p, d, argv, argc, db);
}

static bool ev_key_is(const struct ps_pending *p, const struct ps_ev *e, const struct resp_arg *a)
{
	return e->len == a->len && memcmp(p->keys.data + e->off, a->ptr, a->len) == 0;
}

static bool arg_expiry(const struct resp_arg *argv, uint32_t argc)
{
	for (uint32_t i = 3; i < argc; i++)
		if (dp_ps_arg_is(&argv[i], "ex") || dp_ps_arg_is(&argv[i], "px") ||
		    dp_ps_arg_is(&argv[i], "exat") || dp_ps_arg_is(&argv[i], "pxat"))
			return true;
	return false;
}

/* Insert @p ev at index @p at (dropped if no memory: a notification lost). */
static void pend_insert_at(struct ps_pending *p, uint32_t at, struct ps_ev ev)
{
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 16;
		struct ps_ev *e = realloc(p->ev, cap * sizeof(*e));
		if (e == NULL)
			return;
		p->ev = e;
		p->cap = cap;
	}
	memmove(&p->ev[at + 1], &p->ev[at], (p->n - at) * sizeof(*p->ev));
	p->ev[at] = ev;
	p->n++;
}

/* Insert @p event for the key of entry @p i right after it. */
static void pend_insert_after(struct ps_pending *p, uint32_t i, const char *event)
{
	struct ps_ev ev = p->ev[i];
	ev.event = event;
	pend_insert_at(p, i + 1, ev);
}

static bool collection_event(const char *ev)
{
	uint32_t cls;
	return cmd_notify_event(ev, &cls) != NULL &&
	       (cls & (CMD_NOTIFY_LIST | CMD_NOTIFY_SET | CMD_NOTIFY_HASH | CMD_NOTIFY_ZSET));
}

/* What Redis notifies differs from the store's events for a few commands. */
static void pend_fixup(struct worker *w, struct ps_pending *p, const char *name,
		       const struct resp_arg *argv, uint32_t argc)
{
	/* SETEX, PSETEX, SET ... EX: "set" then "expire" */
	bool ttl = strcmp(name, "setex") == 0 || strcmp(name, "psetex") == 0 ||
		   (strcmp(name, "set") == 0 && arg_expiry(argv, argc));
	for (uint32_t i = 0; ttl && i < p->n; i++)
		if (strcmp(p->ev[i].event, "set") == 0) {
			pend_insert_after(p, i, "expire");
			break;
		}
	/* RENAME: rename_from on the source, then rename_to on the destination */
	if ((strcmp(name, "rename") == 0 || strcmp(name, "renamenx") == 0) && p->n >= 2) {
		struct ps_ev from = p->ev[0], to = p->ev[0];
		for (uint32_t i = 0; i < p->n; i++) {
			if (ev_key_is(p, &p->ev[i], &argv[1]))
				from = p->ev[i];
			else if (ev_key_is(p, &p->ev[i], &argv[2]))
				to = p->ev[i];
		}
		from.event = "rename_from";
		to.event = "rename_to";
		p->ev[0] = from;
		p->ev[1] = to;
		p->n = 2;
	}
	/* COPY: one copy_to on the destination */
	if (strcmp(name, "copy") == 0 && p->n >= 1) {
		for (uint32_t i = 0; i < p->n; i++)
			if (ev_key_is(p, &p->ev[i], &argv[2])) {
				p->ev[0] = p->ev[i];
				break;
			}
		p->ev[0].event = "copy_to";
		p->n = 1;
	}
	/* LMOVE, RPOPLPUSH: the push on the destination comes first */
	if ((strcmp(name, "lmove") == 0 || strcmp(name, "rpoplpush") == 0) && p->n == 2 &&
	    ev_key_is(p, &p->ev[0], &argv[1]) && !ev_key_is(p, &p->ev[1], &argv[1])) {
		struct ps_ev t = p->ev[0];
		p->ev[0] = p->ev[1];
		p->ev[1] = t;
	}
	/* a collection left empty is deleted: "del" after the event that emptied it */
	for (uint32_t i = 0; i < p->n; i++) {
		if (!collection_event(p->ev[i].event))
			continue;
		bool later = false;
		for (uint32_t j = i + 1; j < p->n && !later; j++)
			later = p->ev[j].off == p->ev[i].off ||
				(p->ev[j].len == p->ev[i].len && p->ev[j].db == p->ev[i].db &&
				 memcmp(p->keys.data + p->ev[j].off, p->keys.data + p->ev[i].off,
					p->ev[i].len) == 0);
		if (later)
			continue;
		if (store_lookup(w->store, p->ev[i].db, p->keys.data + p->ev[i].off, p->ev[i].len,
				 0, STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS) == NULL) {
			pend_insert_after(p, i, "del");
			i++;
		}
	}
}

/* "new" before the first event of each key the command created; RENAME's
 * destination is added before the source goes (renameGenericCommand()). */
static void new_keys_insert(struct worker *w, struct ps_pending *p, const char *name,
			    const struct resp_arg *argv, uint32_t db)
{
	bool rename = strcmp(name, "rename") == 0 || strcmp(name, "renamenx") == 0;
	for (uint32_t k = 0; k < p->n_new; k++) {
		const struct resp_arg *a = &argv[p->new_arg[k]];
		if (store_lookup(w->store, db, a->ptr, a->len, 0,
				 STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS) == NULL)
			continue;
		for (uint32_t i = 0; i < p->n; i++) {
			if (p->ev[i].db != db || !ev_key_is(p, &p->ev[i], a))
				continue;
			struct ps_ev nw = p->ev[i];
			nw.event = "new";
			pend_insert_at(p, rename ? 0 : i, nw);
			break;
		}
	}
}

void dp_pubsub_cmd_end(struct worker *w, const struct cmd_def *d, const struct resp_arg *argv,
		       uint32_t argc, uint32_t db, uint32_t dirty)
{
	struct ps_pending *p = w->ps->pend;
	if (!p->in_cmd)
		return;
	p->in_cmd = false;
	if (strcmp(d->name, "copy") == 0 && dirty != 0 && p->n == 0) {
		/* the store copies without a write event: COPY src dst [DB n] */
		for (uint32_t i = 3; i + 1 < argc; i++)
			if (dp_ps_arg_is(&argv[i], "db")) {
				int64_t v;
				if (resp_str_to_i64(argv[i + 1].ptr, argv[i + 1].len, &v) && v >= 0)
					db = (uint32_t)v;
			}
		pend_push(p, db, argv[2].ptr, argv[2].len, "copy_to");
	}
	if (p->n == 0)
		return;
	pend_fixup(w, p, d->name, argv, argc);
	new_keys_insert(w, p, d->name, argv, db);
	size_t reply_end = p->out->len;
	for (uint32_t i = 0; i < p->n; i++)
		notify_now(w, p->ev[i].db, p->keys.data + p->ev[i].off, p->ev[i].len,
			   p->ev[i].event);
	/* A RESP3 client notified of its own write: Redis pushes before the
	 * reply (the notification is raised while the command runs). The
	 * pushes that landed right after the reply in the same buffer go
	 * before it. */
	size_t pushes = p->out->len - reply_end, reply = reply_end - p->mark;
	if (pushes != 0 && reply != 0 && rw_buf_reserve(&p->tmp, reply) == 0) {
		uint8_t *b = p->out->data + p->mark;
		memcpy(p->tmp.data, b, reply);
		memmove(b, b + reply, pushes);
		memcpy(b + pushes, p->tmp.data, reply);
	}
	p->n = 0;
	rw_buf_reset(&p->keys);
}

int dp_notify_setup(struct worker *w)
{
	w->ps->pend = calloc(1, sizeof(*w->ps->pend));
	if (w->ps->pend == NULL)
		return -ENOMEM;
	return store_hook_add(w->store, store_event, w);
}

int dp_notify_attach(struct worker *w, struct store_shard *s)
{
	return store_hook_add(s, store_event, w);
}

void dp_notify_teardown(struct worker *w)
{
	struct ps_pending *p = w->ps->pend;
	if (p != NULL) {
		free(p->ev);
		rw_buf_fini(&p->keys);
		rw_buf_fini(&p->tmp);
		free(p);
		w->ps->pend = NULL;
	}
	rw_buf_fini(&w->ps_scratch);
}
