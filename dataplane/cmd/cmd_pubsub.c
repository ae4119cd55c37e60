/*
 * Pub/sub reply formats and the command-table handlers of the pub/sub
 * commands.
 *
 * SUBSCRIBE, PUBLISH, PUBSUB and the others need the connection's
 * subscriptions and every worker's subscribers: the dispatcher runs them
 * itself (CMD_PUBSUB, dataplane/core/dp_pubsub.c, PUBSUB.md) and these
 * handlers only run where it cannot, inside EXEC, where Redwire refuses
 * them (a known gap: Redis runs them in the transaction).
 *
 * Replies follow pubsub.c of redis-server 7.0.15: addReplyPushLen() is a
 * `>` push in RESP3 and a plain array in RESP2.
 *
 * Context: any worker lcore.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_int.h"
#include "cmd_pubsub.h"

static void push_len(struct rw_buf *out, uint8_t proto, int64_t n)
{
	if (proto == RESP_PROTO_3) {
		char h[24];
		int k = snprintf(h, sizeof(h), ">%lld\r\n", (long long)n);
		rw_buf_append(out, h, (size_t)k);
	} else {
		resp_w_array(out, n);
	}
}

void cmd_pubsub_w_ack(struct rw_buf *out, uint8_t proto, const char *kind, const void *name,
		      size_t nlen, int64_t count)
{
	push_len(out, proto, 3);
	resp_w_bulk_cstr(out, kind);
	if (name != NULL)
		resp_w_bulk(out, name, nlen);
	else
		resp_w_null(out, proto == RESP_PROTO_3 ? RESP_PROTO_3 : RESP_PROTO_2);
	resp_w_int(out, count);
}

void cmd_pubsub_w_msg(struct rw_buf *out, uint8_t proto, const char *kind, const void *pat,
		      size_t plen, const void *ch, size_t clen, const void *msg, size_t mlen)
{
	push_len(out, proto, pat != NULL ? 4 : 3);
	resp_w_bulk_cstr(out, kind);
	if (pat != NULL)
		resp_w_bulk(out, pat, plen);
	resp_w_bulk(out, ch, clen);
	resp_w_bulk(out, msg, mlen);
}

/* Not reached from a client: the dispatcher runs pub/sub commands on the
 * connection's worker (dp_pubsub.c), EXEC too (dp_multi.c). */
void cmd_pubsub(struct cmd_ctx *ctx)
{
	resp_w_errorf(ctx->out, "ERR %s inside MULTI is not supported by Redwire", cmd_name(ctx));
}

/* ---- subscription tables (cmd_pubsub.h) ---- */

static uint64_t name_hash(const void *p, size_t n)
{
	/* FNV-1a: names are short and the table is private to one worker */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ULL;
	return h;
}

static int tab_grow(struct cmd_ps_tab *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 16;
	struct cmd_ps_ent **b = calloc(cap, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->cap; i++)
		while (t->b[i] != NULL) {
			struct cmd_ps_ent *e = t->b[i];
			t->b[i] = e->next;
			e->next = b[e->h & (cap - 1)];
			b[e->h & (cap - 1)] = e;
		}
	free(t->b);
	t->b = b;
	t->cap = cap;
	return 0;
}

struct cmd_ps_ent *cmd_ps_find(const struct cmd_ps_tab *t, const void *name, size_t len)
{
	if (t->cap == 0)
		return NULL;
	uint64_t h = name_hash(name, len);
	for (struct cmd_ps_ent *e = t->b[h & (t->cap - 1)]; e != NULL; e = e->next)
		if (e->h == h && e->len == len && memcmp(e->name, name, len) == 0)
			return e;
	return NULL;
}

static int list_push(struct cmd_ps_client *c, enum cmd_ps_kind k, struct cmd_ps_ent *e)
{
	if (c->n[k] == c->cap[k]) {
		uint32_t cap = c->cap[k] ? c->cap[k] * 2 : 4;
		struct cmd_ps_ent **l = realloc(c->list[k], cap * sizeof(*l));
		if (l == NULL)
			return -ENOMEM;
		c->list[k] = l;
		c->cap[k] = cap;
	}
	c->list[k][c->n[k]++] = e;
	return 0;
}

static int ent_push(struct cmd_ps_ent *e, uint32_t conn)
{
	if (e->n == e->cap) {
		uint32_t cap = e->cap ? e->cap * 2 : 4;
		uint32_t *l = realloc(e->conns, cap * sizeof(*l));
		if (l == NULL)
			return -ENOMEM;
		e->conns = l;
		e->cap = cap;
	}
	e->conns[e->n++] = conn;
	return 0;
}

static void ent_unlink(struct cmd_ps_tab *t, struct cmd_ps_ent *e)
{
	struct cmd_ps_ent **pp = &t->b[e->h & (t->cap - 1)];
	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	t->n--;
	free(e->conns);
	free(e);
}

static struct cmd_ps_ent *ent_new(struct cmd_ps_tab *t, const void *name, size_t len)
{
	if (t->n + 1 > t->cap && tab_grow(t) != 0)
		return NULL;
	struct cmd_ps_ent *e = calloc(1, sizeof(*e) + len);
	if (e == NULL)
		return NULL;
	e->h = name_hash(name, len);
	e->len = (uint32_t)len;
	memcpy(e->name, name, len);
	e->next = t->b[e->h & (t->cap - 1)];
	t->b[e->h & (t->cap - 1)] = e;
	t->n++;
	return e;
}

int cmd_ps_subscribe(struct cmd_ps_tab *t, struct cmd_ps_client *c, enum cmd_ps_kind kind,
		     uint32_t conn, const void *name, size_t len)
{
	struct cmd_ps_ent *e = cmd_ps_find(t, name, len);
	if (e != NULL)
		for (uint32_t i = 0; i < c->n[kind]; i++)
			if (c->list[kind][i] == e)
				return 0;
	bool created = false;
	if (e == NULL) {
		e = ent_new(t, name, len);
		if (e == NULL)
			return -ENOMEM;
		created = true;
	}
	if (ent_push(e, conn) != 0) {
		if (created)
			ent_unlink(t, e);
		return -ENOMEM;
	}
	if (list_push(c, kind, e) != 0) {
		e->n--;
		if (e->n == 0)
			ent_unlink(t, e);
		return -ENOMEM;
	}
	return 1;
}

int cmd_ps_unsubscribe(struct cmd_ps_tab *t, struct cmd_ps_client *c, enum cmd_ps_kind kind,
		       uint32_t conn, const void *name, size_t len)
{
	struct cmd_ps_ent *e = cmd_ps_find(t, name, len);
	if (e == NULL)
		return 0;
	uint32_t i = 0;
	while (i < c->n[kind] && c->list[kind][i] != e)
		i++;
	if (i == c->n[kind])
		return 0;
	/* keep the client's order: UNSUBSCRIBE-all answers in it */
	memmove(&c->list[kind][i], &c->list[kind][i + 1], (c->n[kind] - i - 1) * sizeof(e));
	c->n[kind]--;
	for (uint32_t j = 0; j < e->n; j++)
		if (e->conns[j] == conn) {
			memmove(&e->conns[j], &e->conns[j + 1], (e->n - j - 1) * sizeof(uint32_t));
			e->n--;
			break;
		}
	if (e->n == 0)
		ent_unlink(t, e);
	return 1;
}

int64_t cmd_ps_ref(struct cmd_ps_tab *t, const void *name, size_t len, int delta)
{
	struct cmd_ps_ent *e = cmd_ps_find(t, name, len);
	if (e == NULL) {
		if (delta <= 0)
			return 0;
		e = ent_new(t, name, len);
		if (e == NULL)
			return -ENOMEM;
	}
	if (delta < 0 && e->n <= (uint32_t)-delta) {
		ent_unlink(t, e);
		return 0;
	}
	e->n = (uint32_t)((int64_t)e->n + delta);
	return e->n;
}

void cmd_ps_foreach(const struct cmd_ps_tab *t, cmd_ps_visit_fn *fn, void *arg)
{
	for (uint32_t i = 0; i < t->cap; i++)
		for (const struct cmd_ps_ent *e = t->b[i]; e != NULL; e = e->next)
			fn(arg, e);
}

bool cmd_ps_glob(const void *pat, size_t plen, const void *s, size_t slen)
{
	return cmd_glob_match(pat, plen, s, slen, false);
}

uint32_t cmd_ps_match(const struct cmd_ps_tab *pats, const void *ch, size_t len,
		      cmd_ps_visit_fn *fn, void *arg)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < pats->cap; i++)
		for (const struct cmd_ps_ent *e = pats->b[i]; e != NULL; e = e->next)
			if (cmd_glob_match(e->name, e->len, ch, len, false)) {
				fn(arg, e);
				n++;
			}
	return n;
}

void cmd_ps_tab_fini(struct cmd_ps_tab *t)
{
	for (uint32_t i = 0; i < t->cap; i++)
		while (t->b[i] != NULL) {
			struct cmd_ps_ent *e = t->b[i];
			t->b[i] = e->next;
			free(e->conns);
			free(e);
		}
	free(t->b);
	*t = (struct cmd_ps_tab){0};
}

void cmd_ps_client_fini(struct cmd_ps_client *c)
{
	for (int k = 0; k < CMD_PS_KINDS; k++)
		free(c->list[k]);
	*c = (struct cmd_ps_client){0};
}
