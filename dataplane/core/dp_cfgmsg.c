/*
 * CONFIG SET and CONFIG GET from the control plane (the management API's
 * PATCH /v1/parameters[/{name}]): the message is turned into the RESP command
 * and run through the command table's CONFIG handler, so validation, the
 * shared run-time table and Redis's error texts are the ones a client's
 * CONFIG SET gets. Format: platform/chan/FORMAT.md, types 3, 4 and 17.
 *
 * The management API's users (type 22, ACL) run through cmd_acl_api().
 *
 * And the other way (type 20, CONFIG_NOTE): every directive a successful
 * CONFIG SET changed, whoever sent it, so the control plane applies what it
 * owns (appendfsync...), keeps its copy of every value true (the management
 * API reads that copy: GET /v1/parameters sends the workers nothing) and
 * records a config.changed event for a client's. Type 24 (ACL_NOTE) does the
 * same for the users (GET /v1/users). Both leave from the worker that ran
 * the change before its reply is written, so a client that saw OK and then
 * reads the API finds its change (the API takes the notes first).
 */
#include "dp_cfgmsg.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_int.h"
#include "dp_snap.h"
#include "rw_buf.h"
#include "store.h"

/* The control plane's requests run as this client id (no connection has it). */
#define DP_CFG_CLIENT_ID 0

void dp_cfg_note(const struct cmd_ctx *ctx, const char *name, const char *old, const char *value,
		 uint64_t gen)
{
	struct dp_shared *sh =
	    (struct dp_shared *)((const char *)ctx->env - offsetof(struct dp_shared, env));
	struct worker *w = &sh->workers[store_shard_id(ctx->shard)];
	if (strcmp(name, "appendonly") == 0) /* its state note comes from dp_snap.c */
		dp_snap_appendonly_set(ctx, strcmp(value, "yes") == 0);
	const struct cmd_client *c = ctx->client;
	bool api = c == NULL || c->id == DP_CFG_CLIENT_ID;
	char client[24] = "";
	if (!api)
		snprintf(client, sizeof(client), "%u.%u.%u.%u:%u", c->peer_ip >> 24,
			 (c->peer_ip >> 16) & 255, (c->peer_ip >> 8) & 255, c->peer_ip & 255,
			 c->peer_port);
	char buf[2 * CMD_NOTE_VALUE_MAX + 128];
	int n = snprintf(buf, sizeof(buf), "%s%c%.*s%c%.*s%c%s%c%s%c%llu", name, '\0',
			 CMD_NOTE_VALUE_MAX - 1, value, '\0', CMD_NOTE_VALUE_MAX - 1, old, '\0',
			 api ? "api" : "resp", '\0', client, '\0', (unsigned long long)gen);
	if (n < 0 || (size_t)n + 1 > sizeof(buf) ||
	    chan_msg_send(w->sh->chan, w->id, CHAN_TO_CP, CHAN_MSG_CONFIG_NOTE, 0, buf,
			  (uint32_t)n + 1) != 0)
		rw_logring_put(&w->log, RW_LOG_WARN, "dp.config",
			       "cannot tell the control plane: CONFIG SET %s", name);
}

/* The re-send's note of one directive: source "sync", no old value. */
struct sync_arg {
	struct worker *w;
	uint64_t gen;
};

static void sync_one(void *arg, const char *name, const char *value)
{
	struct sync_arg *a = arg;
	char buf[CMD_NOTE_VALUE_MAX + 128];
	int n = snprintf(buf, sizeof(buf), "%s%c%s%c%csync%c%c%llu", name, '\0', value, '\0', '\0',
			 '\0', '\0', (unsigned long long)a->gen);
	if (n < 0 || (size_t)n + 1 > sizeof(buf) ||
	    chan_msg_send(a->w->sh->chan, a->w->id, CHAN_TO_CP, CHAN_MSG_CONFIG_NOTE, 0, buf,
			  (uint32_t)n + 1) != 0)
		rw_logring_put(&a->w->log, RW_LOG_WARN, "dp.config",
			       "cannot tell the control plane: %s", name);
}

void dp_cfg_notes_all(struct worker *w)
{
	/* the generation first: each value read is at least that new */
	struct sync_arg a = {w, cmd_config_gen(&w->sh->env)};
	cmd_config_foreach(&w->sh->env, sync_one, &a);
	dp_acl_note_send(w);
}

void dp_acl_note_send(struct worker *w)
{
	uint8_t list[] = "list";
	struct resp_arg arg = {.ptr = list, .len = 4};
	struct chan_acl_note h = {.gen = cmd_acl_gen(&w->sh->env)}; /* before the list */
	struct rw_buf out = {0};
	rw_buf_append(&out, &h, sizeof(h));
	int rc = cmd_acl_api(&w->sh->env, &arg, 1, &out);
	if (rc == 0 && out.len > chan_msg_max(w->sh->chan)) {
		h.flags = CHAN_ACL_NOTE_F_TOO_LONG; /* the control plane asks (CHAN_MSG_ACL) */
		rw_buf_reset(&out);
		rw_buf_append(&out, &h, sizeof(h));
	}
	if (rc != 0 || out.data == NULL ||
	    chan_msg_send(w->sh->chan, w->id, CHAN_TO_CP, CHAN_MSG_ACL_NOTE, 0, out.data,
			  (uint32_t)out.len) != 0)
		rw_logring_put(&w->log, RW_LOG_WARN, "dp.config",
			       "cannot tell the control plane: the users changed");
	rw_buf_fini(&out);
}

void dp_acl_note(const struct cmd_ctx *ctx)
{
	struct dp_shared *sh =
	    (struct dp_shared *)((const char *)ctx->env - offsetof(struct dp_shared, env));
	dp_acl_note_send(&sh->workers[store_shard_id(ctx->shard)]);
}

void dp_cfg_note_state(struct worker *w, const char *name, const char *value)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "%s%c%s", name, '\0', value);
	if (n < 0 || (size_t)n + 1 > sizeof(buf) ||
	    chan_msg_send(w->sh->chan, w->id, CHAN_TO_CP, CHAN_MSG_CONFIG_NOTE, 0, buf,
			  (uint32_t)n + 1) != 0)
		rw_logring_put(&w->log, RW_LOG_WARN, "dp.config",
			       "cannot tell the control plane: %s %s", name, value);
}

#define DP_CFG_SET_PAIRS_MAX 64 /* directives in one CONFIG_SET */

/* Split "name\0value\0..." (SET) or "name\0" (GET) into at most @p max
 * fields. @return fields found, or max + 1 if there are more. */
static unsigned split(const struct chan_msg *m, const char **f, size_t *l, unsigned max)
{
	const char *p = m->payload, *end = p + m->len;
	unsigned n = 0;
	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (z == NULL)
			break;
		if (n == max)
			return max + 1;
		f[n] = p;
		l[n++] = (size_t)(z - p);
		p = z + 1;
	}
	return n;
}

/* The last bulk string of a RESP reply ("*2\r\n$4\r\nname\r\n$3\r\nval\r\n"). */
static bool last_bulk(const struct rw_buf *b, const char **v, size_t *len)
{
	const char *s = (const char *)b->data, *end = s + b->len, *last = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == '$' && (p == s || p[-1] == '\n'))
			last = p;
	if (last == NULL)
		return false;
	const char *crlf = memchr(last, '\r', (size_t)(end - last));
	if (crlf == NULL || crlf + 2 > end)
		return false;
	*v = crlf + 2;
	const char *vend = memchr(*v, '\r', (size_t)(end - *v));
	*len = vend != NULL ? (size_t)(vend - *v) : 0;
	return vend != NULL;
}

/* Reply: int32 status, then the error text (SET) or the value (GET). */
static void reply(struct worker *w, uint32_t id, int32_t status, const char *text, size_t len)
{
	uint8_t buf[sizeof(status) + 4096]; /* CONFIG_LIST's text is the longest */
	if (len > sizeof(buf) - sizeof(status))
		len = sizeof(buf) - sizeof(status);
	memcpy(buf, &status, sizeof(status));
	memcpy(buf + sizeof(status), text, len);
	chan_msg_send(w->sh->chan, w->id, CHAN_TO_CP, CHAN_MSG_CONFIG_REPLY, id, buf,
		      (uint32_t)(sizeof(status) + len));
}

/*
 * CONFIG SET name value [name value ...] (the API's PATCH: one directive,
 * or several at once, which the handler applies all or none of, as Redis
 * 7.0 does) or CONFIG GET name, on a copy of the fields: the handler takes
 * mutable arguments, and the ring's bytes are not ours.
 */
static void run(struct worker *w, const struct chan_msg *m, bool set)
{
	const char *f[2 * DP_CFG_SET_PAIRS_MAX];
	size_t l[2 * DP_CFG_SET_PAIRS_MAX];
	unsigned n = split(m, f, l, set ? 2 * DP_CFG_SET_PAIRS_MAX : 1);
	if (n == 0 || n > (set ? 2u * DP_CFG_SET_PAIRS_MAX : 1u) || (set && (n & 1u))) {
		reply(w, m->id, -EINVAL, "ERR malformed request", 21);
		return;
	}
	uint8_t cmd[] = "config", sub[] = "set";
	struct resp_arg argv[2 + 2 * DP_CFG_SET_PAIRS_MAX] = {
	    {.ptr = cmd, .len = 6},
	    {.ptr = sub, .len = 3},
	};
	uint8_t *copy = malloc(m->len);
	if (copy == NULL) {
		reply(w, m->id, -ENOMEM, "ERR out of memory", 17);
		return;
	}
	memcpy(copy, m->payload, m->len);
	for (unsigned i = 0; i < n; i++)
		argv[2 + i] = (struct resp_arg){.ptr = copy + (f[i] - (const char *)m->payload),
						.len = (uint32_t)l[i]};
	if (!set)
		memcpy(sub, "get", 3);
	struct cmd_client client;
	struct rw_buf out = {0};
	cmd_client_init(&client, DP_CFG_CLIENT_ID, &w->sh->env, w->now_unix_ms);
	struct cmd_ctx ctx = {.argv = argv,
			      .argc = 2 + n,
			      .out = &out,
			      .shard = w->store,
			      .client = &client,
			      .env = &w->sh->env,
			      .now_ms = w->now_unix_ms,
			      .now_us = w->now_us};
	cmd_execute(cmd_lookup(argv[0].ptr, argv[0].len), &ctx);
	cmd_client_fini(&client, &w->sh->env);
	free(copy);
	const char *v = "";
	size_t vl = 0;
	if (out.len > 0 && out.data[0] == '-') /* "-ERR ...\r\n": the text without '-' */
		reply(w, m->id, -EINVAL, (const char *)out.data + 1,
		      out.len >= 3 ? out.len - 3 : 0);
	else if (set)
		reply(w, m->id, 0, "", 0);
	else if (last_bulk(&out, &v, &vl))
		reply(w, m->id, 0, v, vl);
	else
		reply(w, m->id, -ENOENT, "ERR no such parameter", 21);
	rw_buf_fini(&out);
}

/* CHAN_MSG_ACL: the API's users, through cmd_acl_api(). The reply may be
 * long (every user's line): it is sized to the channel's message limit. */
static void acl_run(struct worker *w, const struct chan_msg *m)
{
	struct resp_arg argv[64] = {0};
	uint32_t argc = 0;
	char *copy = malloc(m->len + 1);
	struct rw_buf out = {0};
	int32_t st = -ENOMEM;
	if (copy != NULL) {
		memcpy(copy, m->payload, m->len);
		copy[m->len] = '\0';
		for (char *p = copy, *end = copy + m->len; p < end && argc < 64;) {
			size_t n = strlen(p);
			argv[argc++] = (struct resp_arg){(uint8_t *)p, n};
			p += n + 1;
		}
		st = cmd_acl_api(&w->sh->env, argv, argc, &out);
		/* a change: the users' note leaves before the reply */
		if (st == 0 && argc > 0 &&
		    (strcmp(copy, "setuser") == 0 ||
		     (strcmp(copy, "deluser") == 0 && out.len == 1 && out.data[0] == '1')))
			dp_acl_note_send(w);
	}
	if (st == -EINVAL && out.len == 0)
		rw_buf_append(&out, "ERR malformed request", 21);
	size_t max = chan_msg_max(w->sh->chan) - sizeof(st);
	if (out.len > max) {
		rw_buf_reset(&out);
		rw_buf_append(&out, "ERR too many users to list in one message", 41);
		st = -E2BIG;
	}
	uint8_t *buf = malloc(sizeof(st) + out.len);
	if (buf != NULL) {
		memcpy(buf, &st, sizeof(st));
		if (out.len)
			memcpy(buf + sizeof(st), out.data, out.len);
		chan_msg_send(w->sh->chan, w->id, CHAN_TO_CP, CHAN_MSG_CONFIG_REPLY, m->id, buf,
			      (uint32_t)(sizeof(st) + out.len));
	}
	free(buf);
	free(copy);
	rw_buf_fini(&out);
}

bool dp_cfg_msg(struct worker *w, const struct chan_msg *m)
{
	if (m->type == CHAN_MSG_ACL) {
		acl_run(w, m);
		return true;
	}
	if (m->type == CHAN_MSG_CONFIG_LIST) {
		char list[4096];
		size_t n = cmd_config_runtime_list(list, sizeof(list));
		reply(w, m->id, n > 0 ? 0 : -E2BIG, list, n);
		return true;
	}
	if (m->type != CHAN_MSG_CONFIG_SET && m->type != CHAN_MSG_CONFIG_GET)
		return false;
	run(w, m, m->type == CHAN_MSG_CONFIG_SET);
	return true;
}
