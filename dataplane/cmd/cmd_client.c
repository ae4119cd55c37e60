/*
 * Connection commands: AUTH, RESET and the CLIENT container (ID, SETNAME,
 * GETNAME, INFO, LIST, SETINFO, REPLY, NO-EVICT, HELP), plus the two rules
 * the dispatcher applies around every command: NOAUTH and CLIENT REPLY.
 *
 * Replies follow networking.c and acl.c of redis-server 7.0.15; SETINFO
 * follows 7.2 (current clients send it on connect) but CLIENT INFO/LIST
 * keep 7.0.15's fields, so lib-name and lib-ver are stored, not printed.
 *
 * CLIENT INFO/LIST fields: id, addr, laddr, name, age, idle, db, flags
 * (e for NO-EVICT, else N), resp, cmd are true. fd=-1: a Redwire
 * connection lives in the userspace TCP stack and has no file descriptor
 * (Redis prints -1 for clients without one). qbuf/qbuf-free/obl/omem/
 * tot-mem come from the dispatcher (cmd_env.conn_describe), argv-mem is the
 * running command's argument bytes; rbs/rbp/oll are 0 (replies go straight
 * into the TCP send buffer: no reply buffer, no reply list); sub/psub/ssub
 * are 0 and multi -1 until pub/sub and MULTI land. LIST shows every
 * worker's connections (the dispatcher asks each worker for its lines:
 * dataplane/core/dp_clientkill.c); inside EXEC only the caller's.
 *
 * Context: the connection's own worker (CMD_NOKEYS).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmd_acl_int.h"
#include "cmd_int.h"

/* authRequired()'s half about the server: the default user is off or has a
 * password (requirepass maps onto it). */
bool cmd_default_needs_auth(const struct cmd_env *env)
{
	struct cmd_acl *a = cmd_rtcfg_acl(env);
	return a != NULL ? cmd_acl_default_needs_auth(a) : cmd_cfg_requirepass_set(env);
}

/* A connection that is not a client's (AOF load, tests without users): the
 * default user's rules, +@all ~* &*, never changed. */
static struct cmd_acl_user builtin_default = {
    .all = 1, .refs = 1, .name_len = 7, .name = (char *)"default"};

void cmd_client_init(struct cmd_client *c, uint64_t id, const struct cmd_env *env, uint64_t now_ms)
{
	*c = (struct cmd_client){
	    .id = id,
	    .proto = RESP_PROTO_2,
	    .authenticated = !cmd_default_needs_auth(env),
	    .created_ms = now_ms,
	    .last_ms = now_ms,
	    .user = &builtin_default,
	};
	struct cmd_acl *a = cmd_rtcfg_acl(env);
	if (a != NULL)
		cmd_acl_client_init(a, c);
}

void cmd_client_fini(struct cmd_client *c, const struct cmd_env *env)
{
	struct cmd_acl *a = cmd_rtcfg_acl(env);
	if (a != NULL && c->user != NULL && c->user != &builtin_default)
		cmd_acl_client_fini(a, c);
	c->user = NULL;
}

bool cmd_auth_required(const struct cmd_def *d, const struct cmd_client *c,
		       const struct cmd_env *env)
{
	return !c->authenticated && !(d->flags & CMD_NOAUTH) && cmd_default_needs_auth(env);
}

bool cmd_client_reply_suppressed(struct cmd_client *c)
{
	/* networking.c resetClient() */
	bool drop = (c->reply & (CMD_REPLY_OFF | CMD_REPLY_SKIP)) != 0;
	c->reply &= (uint8_t)~CMD_REPLY_SKIP;
	if (c->reply & CMD_REPLY_SKIP_NEXT)
		c->reply = (uint8_t)((c->reply & ~CMD_REPLY_SKIP_NEXT) | CMD_REPLY_SKIP);
	return drop;
}

/* ---- AUTH ---- */

bool cmd_auth_login(struct cmd_ctx *ctx, const struct resp_arg *user, const struct resp_arg *pass)
{
	struct cmd_acl *a = cmd_rtcfg_acl(ctx->env);
	if (a == NULL) {
		if (!cmd_auth_check(ctx->env, user, pass))
			return false;
		ctx->client->authenticated = 1;
		return true;
	}
	struct cmd_acl_user *u;
	if (cmd_acl_authenticate(a, user, pass, &u) != CMD_ACL_OK) {
		/* ACLAuthenticateUser(): the object is the command as typed */
		cmd_acl_log_client(ctx, CMD_ACL_DENIED_AUTH, cmd_client_in_multi(ctx),
				   (const char *)ctx->argv[0].ptr, ctx->argv[0].len,
				   (const char *)user->ptr, user->len);
		return false;
	}
	ctx->client->authenticated = 1;
	if (ctx->client->user == &builtin_default)
		ctx->client->user = u; /* not counted: nothing to let go */
	else
		cmd_acl_client_switch(a, ctx->client, u);
	return true;
}

bool cmd_client_in_multi(const struct cmd_ctx *ctx)
{
	struct cmd_conn_info ci = {.multi = UINT32_MAX};
	if (ctx->env != NULL && ctx->env->conn_describe != NULL && ctx->conn != NULL)
		ctx->env->conn_describe(ctx->conn, &ci);
	return ci.multi != UINT32_MAX || ci.in_exec;
}

bool cmd_auth_check(const struct cmd_env *env, const struct resp_arg *user,
		    const struct resp_arg *pass)
{
	char want[512];
	/* ACL user names are case-sensitive; only "default" exists */
	if (user->len != 7 || memcmp(user->ptr, "default", 7) != 0)
		return false;
	if (!cmd_cfg_requirepass_set(env))
		return true; /* the nopass default user takes any password */
	size_t n = cmd_cfg_requirepass(env, want, sizeof(want));
	return n == pass->len && memcmp(want, pass->ptr, n) == 0;
}

/* acl.c authCommand() */
void cmd_auth(struct cmd_ctx *ctx)
{
	static const struct resp_arg deflt = {(uint8_t *)"default", 7};
	const struct resp_arg *user, *pass;
	if (ctx->argc > 3) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	if (ctx->argc == 2) {
		struct cmd_acl *a = cmd_rtcfg_acl(ctx->env);
		if (a != NULL ? cmd_acl_default_nopass(a) : !cmd_cfg_requirepass_set(ctx->env)) {
			resp_w_error(ctx->out, "ERR AUTH <password> called without any password "
					       "configured for the default user. Are you sure your "
					       "configuration is correct?");
			return;
		}
		user = &deflt;
		pass = &ctx->argv[1];
	} else {
		user = &ctx->argv[1];
		pass = &ctx->argv[2];
	}
	if (!cmd_auth_login(ctx, user, pass)) {
		resp_w_error(ctx->out,
			     "WRONGPASS invalid username-password pair or user is disabled.");
		return;
	}
	resp_w_simple(ctx->out, "OK");
}

/* ---- RESET ---- */

/* networking.c clearClientConnectionState(): NO-EVICT and the library
 * attributes survive, as in Redis. */
void cmd_reset(struct cmd_ctx *ctx)
{
	struct cmd_client *c = ctx->client;
	if (c->monitor) { /* RESET ends MONITOR: no-key commands run on the client's worker */
		c->monitor = 0;
		cmd_monitor_gone(ctx->env, store_shard_id(ctx->shard));
	}
	c->db = 0;
	c->proto = RESP_PROTO_2;
	/* clearClientConnectionState(): back to the default user */
	struct cmd_acl *a = cmd_rtcfg_acl(ctx->env);
	if (a != NULL && c->user != cmd_acl_default(a) && c->user != &builtin_default) {
		struct cmd_acl_user *d = cmd_acl_default(a);
		atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
		cmd_acl_client_switch(a, c, d);
	}
	c->authenticated = !cmd_default_needs_auth(ctx->env);
	c->name_len = 0;
	c->reply &= (uint8_t) ~(CMD_REPLY_OFF | CMD_REPLY_SKIP_NEXT);
	resp_w_simple(ctx->out, "RESET");
}

/* ---- CLIENT ---- */

/* networking.c validateClientAttr(): '!' to '~' only. */
bool cmd_client_attr_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '!' || p[i] > '~')
			return false;
	return true;
}

int cmd_client_setname(struct cmd_ctx *ctx, const struct resp_arg *a)
{
	if (!cmd_client_attr_ok(a->ptr, a->len)) {
		resp_w_error(ctx->out,
			     "ERR Client names cannot contain spaces, newlines or special "
			     "characters.");
		return -1;
	}
	if (a->len > CMD_CLIENT_NAME_MAX) {
		resp_w_errorf(ctx->out, "ERR Client names longer than %d bytes are not supported",
			      CMD_CLIENT_NAME_MAX);
		return -1;
	}
	memcpy(ctx->client->name, a->ptr, a->len);
	ctx->client->name_len = (uint8_t)a->len;
	return 0;
}

static void client_setinfo(struct cmd_ctx *ctx)
{
	const struct resp_arg *attr = &ctx->argv[2], *val = &ctx->argv[3];
	char *dst;
	uint8_t *dlen;
	if (cmd_arg_is(attr, "lib-name")) {
		dst = ctx->client->lib_name;
		dlen = &ctx->client->lib_name_len;
	} else if (cmd_arg_is(attr, "lib-ver")) {
		dst = ctx->client->lib_ver;
		dlen = &ctx->client->lib_ver_len;
	} else {
		resp_w_errorf(ctx->out, "ERR Unrecognized option '%.*s'", (int)attr->len,
			      (const char *)attr->ptr);
		return;
	}
	if (!cmd_client_attr_ok(val->ptr, val->len)) {
		resp_w_errorf(ctx->out,
			      "ERR %.*s cannot contain spaces, newlines or special "
			      "characters.",
			      (int)attr->len, (const char *)attr->ptr);
		return;
	}
	if (val->len > CMD_CLIENT_LIB_MAX) {
		resp_w_errorf(ctx->out, "ERR %.*s longer than %d bytes is not supported",
			      (int)attr->len, (const char *)attr->ptr, CMD_CLIENT_LIB_MAX);
		return;
	}
	memcpy(dst, val->ptr, val->len);
	*dlen = (uint8_t)val->len;
	resp_w_simple(ctx->out, "OK");
}

static void ip_str(uint32_t ip, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* networking.c catClientInfoString() of 7.0.15, one line with its "\n". */
void cmd_client_info_line(struct cmd_ctx *ctx, struct rw_buf *b, const char *cmdname)
{
	const struct cmd_client *c = ctx->client;
	struct cmd_conn_info ci = {.multi = UINT32_MAX};
	if (ctx->env != NULL && ctx->env->conn_describe != NULL && ctx->conn != NULL)
		ctx->env->conn_describe(ctx->conn, &ci);
	char peer[16], local[16], line[1024];
	ip_str(ci.peer_ip, peer, sizeof(peer));
	ip_str(ci.local_ip, local, sizeof(local));
	uint64_t argv_mem = 0;
	for (uint32_t i = 0; i < ctx->argc; i++)
		argv_mem += ctx->argv[i].len;
	uint64_t now_s = ctx->now_ms / 1000;
	uint64_t age = now_s - (c->created_ms / 1000 < now_s ? c->created_ms / 1000 : now_s);
	uint64_t idle = now_s - (c->last_ms / 1000 < now_s ? c->last_ms / 1000 : now_s);
	/* Redis's flag letters in its order: x (in MULTI), b (blocked), e
	 * (no-evict); N for none */
	char flags[5];
	size_t nf = 0;
	if (ci.pubsub)
		flags[nf++] = 'P';
	if (ci.multi != UINT32_MAX)
		flags[nf++] = 'x';
	if (ci.blocked)
		flags[nf++] = 'b';
	if (c->no_evict)
		flags[nf++] = 'e';
	if (nf == 0)
		flags[nf++] = 'N';
	flags[nf] = '\0';
	int n = snprintf(
	    line, sizeof(line),
	    "id=%llu addr=%s:%u laddr=%s:%u fd=-1 name=%.*s age=%llu idle=%llu flags=%s db=%u "
	    "sub=%u psub=%u ssub=%u multi=%lld qbuf=%llu qbuf-free=%llu argv-mem=%llu multi-mem=0 "
	    "rbs=0 rbp=0 obl=%llu oll=0 omem=%llu tot-mem=%llu events=r cmd=%s user=%.*s "
	    "redir=-1 resp=%u\n",
	    (unsigned long long)c->id, peer, ci.peer_port, local, ci.local_port, (int)c->name_len,
	    c->name, (unsigned long long)age, (unsigned long long)idle, flags, c->db, ci.sub,
	    ci.psub, ci.ssub, ci.multi == UINT32_MAX ? -1LL : (long long)ci.multi,
	    (unsigned long long)ci.qbuf, (unsigned long long)ci.qbuf_free,
	    (unsigned long long)argv_mem, (unsigned long long)ci.obl, (unsigned long long)ci.omem,
	    (unsigned long long)(ci.tot_mem + argv_mem), ci.in_exec ? "exec" : cmdname,
	    c->user != NULL ? (int)c->user->name_len : 7,
	    c->user != NULL ? c->user->name : "default", c->proto == RESP_PROTO_3 ? 3 : 2);
	if (n > 0)
		rw_buf_append(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void reply_txt(struct cmd_ctx *ctx, struct rw_buf *b)
{
	resp_w_verbatim(ctx->out, b->data ? (const char *)b->data : "", b->len, cmd_proto(ctx));
	rw_buf_fini(b);
}

/* getClientTypeByName() */
static int client_type(const struct resp_arg *a)
{
	if (cmd_arg_is(a, "normal"))
		return 0;
	if (cmd_arg_is(a, "slave") || cmd_arg_is(a, "replica"))
		return 1;
	if (cmd_arg_is(a, "pubsub"))
		return 2;
	if (cmd_arg_is(a, "master"))
		return 3;
	return -1;
}

int cmd_client_list_parse(struct cmd_ctx *ctx)
{
	if (ctx->argc == 4 && cmd_arg_is(&ctx->argv[2], "type")) {
		if (client_type(&ctx->argv[3]) >= 0)
			return 0;
		resp_w_errorf(ctx->out, "ERR Unknown client type '%.*s'", (int)ctx->argv[3].len,
			      (const char *)ctx->argv[3].ptr);
		return -1;
	}
	if (ctx->argc > 3 && cmd_arg_is(&ctx->argv[2], "id")) {
		for (uint32_t j = 3; j < ctx->argc; j++) {
			int64_t id;
			if (!resp_str_to_i64(ctx->argv[j].ptr, ctx->argv[j].len, &id)) {
				resp_w_error(ctx->out, "ERR Invalid client ID");
				return -1;
			}
		}
		return 0;
	}
	if (ctx->argc != 2) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return -1;
	}
	return 0;
}

/* getClientType(): a subscribed client is of type pubsub, else normal
 * (no replicas or masters here). */
bool cmd_client_list_match(const struct cmd_ctx *ctx, const struct cmd_client *c, bool pubsub)
{
	if (ctx->argc == 4 && cmd_arg_is(&ctx->argv[2], "type"))
		return client_type(&ctx->argv[3]) == (pubsub ? 2 : 0);
	if (ctx->argc > 3 && cmd_arg_is(&ctx->argv[2], "id")) {
		for (uint32_t j = 3; j < ctx->argc; j++) {
			int64_t id;
			if (resp_str_to_i64(ctx->argv[j].ptr, ctx->argv[j].len, &id) &&
			    (uint64_t)id == c->id)
				return true;
		}
		return false;
	}
	return true;
}

/* The calling connection only: the dispatcher lists every worker's
 * connections (dataplane/core/dp_clientkill.c); this runs inside EXEC. */
static void client_list(struct cmd_ctx *ctx)
{
	struct rw_buf b = {0};
	if (cmd_client_list_parse(ctx) != 0)
		return;
	if (cmd_client_list_match(ctx, ctx->client, false))
		cmd_client_info_line(ctx, &b, "client|list");
	reply_txt(ctx, &b);
}

/* CLIENT REPLY: ON answers +OK; OFF and SKIP answer nothing. */
static void client_reply(struct cmd_ctx *ctx)
{
	struct cmd_client *c = ctx->client;
	const struct resp_arg *a = &ctx->argv[2];
	if (cmd_arg_is(a, "on")) {
		c->reply &= (uint8_t) ~(CMD_REPLY_SKIP | CMD_REPLY_OFF);
		resp_w_simple(ctx->out, "OK");
	} else if (cmd_arg_is(a, "off")) {
		c->reply |= CMD_REPLY_OFF;
	} else if (cmd_arg_is(a, "skip")) {
		if (!(c->reply & CMD_REPLY_OFF))
			c->reply |= CMD_REPLY_SKIP_NEXT;
	} else {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
	}
}

static const char *const client_help[] = {
#include "cmd_client_help.inc"
};

void cmd_client(struct cmd_ctx *ctx)
{
	const struct cmd_def *sub =
	    cmd_subcmd_resolve(ctx, cmd_lookup((const uint8_t *)"client", 6));
	if (sub == NULL)
		return;
	const char *s = sub->name + 7;
	struct rw_buf b = {0};
	if (strcmp(s, "id") == 0) {
		resp_w_int(ctx->out, (int64_t)ctx->client->id);
	} else if (strcmp(s, "setname") == 0) {
		if (cmd_client_setname(ctx, &ctx->argv[2]) == 0)
			resp_w_simple(ctx->out, "OK");
	} else if (strcmp(s, "getname") == 0) {
		if (ctx->client->name_len)
			resp_w_bulk(ctx->out, ctx->client->name, ctx->client->name_len);
		else
			resp_w_null(ctx->out, cmd_proto(ctx));
	} else if (strcmp(s, "info") == 0) {
		cmd_client_info_line(ctx, &b, "client|info");
		reply_txt(ctx, &b);
	} else if (strcmp(s, "list") == 0) {
		client_list(ctx);
	} else if (strcmp(s, "kill") == 0) {
		/* the dispatcher, and EXEC, run CLIENT KILL on every worker
		 * (dataplane/core/dp_clientkill.c): not reached from a client */
		struct cmd_kill_filter f;
		if (cmd_client_kill_parse(ctx, &f) == 0)
			resp_w_error(ctx->out, "ERR CLIENT KILL is not supported inside MULTI");
	} else if (strcmp(s, "unblock") == 0) {
		/* the dispatcher asks every worker's waiters (dp_clientkill.c);
		 * inside MULTI no client of this worker can be found here */
		int64_t id;
		bool error;
		if (cmd_client_unblock_parse(ctx, &id, &error) == 0)
			resp_w_int(ctx->out, 0);
	} else if (strcmp(s, "pause") == 0) {
		cmd_client_pause(ctx);
	} else if (strcmp(s, "unpause") == 0) {
		cmd_client_unpause(ctx);
	} else if (strcmp(s, "setinfo") == 0) {
		client_setinfo(ctx);
	} else if (strcmp(s, "reply") == 0) {
		client_reply(ctx);
	} else if (strcmp(s, "no-evict") == 0) {
		if (cmd_arg_is(&ctx->argv[2], "on") || cmd_arg_is(&ctx->argv[2], "off")) {
			ctx->client->no_evict = cmd_arg_is(&ctx->argv[2], "on");
			resp_w_simple(ctx->out, "OK");
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		}
	} else {
		cmd_reply_help(ctx, client_help, sizeof(client_help) / sizeof(client_help[0]));
	}
}
