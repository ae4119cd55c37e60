/*
 * CLIENT KILL across workers (see dp_clientkill.h). A worker's part walks
 * its connections, kills every match but the caller (Redis's freeClient():
 * the connection is reset, pending replies dropped) and replies how many
 * it killed. The caller, when it matches (old form, or SKIPME no), lives on
 * exactly one worker: that part marks it to close once its reply is out,
 * as Redis's CLIENT_CLOSE_AFTER_REPLY.
 *
 * Context: each worker lcore runs its own part.
 */
#include "dp_clientkill.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "dp_block.h"
#include "dp_int.h"
#include "dp_pubsub.h"
#include "store.h"
#include "worker.h"

bool dp_clientkill_is(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc)
{
	return argc >= 3 && argv[1].len == 4 && strcmp(d->name, "client") == 0 &&
	       strncasecmp((const char *)argv[1].ptr, "kill", 4) == 0;
}

bool dp_clientkill_check(struct worker *w, struct dp_client *cl, struct resp_arg *argv,
			 uint32_t argc)
{
	struct cmd_kill_filter f;
	struct cmd_ctx ctx = {.argv = argv,
			      .argc = argc,
			      .out = dp_reply_target(w, cl),
			      .client = &cl->cc,
			      .env = &w->sh->env};
	return cmd_client_kill_parse(&ctx, &f) == 0;
}

static void kill_part(struct cmd_ctx *ctx)
{
	struct dp_shared *sh =
	    (struct dp_shared *)((char *)ctx->env - offsetof(struct dp_shared, env));
	struct worker *w = &sh->workers[store_shard_id(ctx->shard)];
	struct cmd_kill_filter f;
	if (cmd_client_kill_parse(ctx, &f) != 0)
		return;
	int64_t killed = 0;
	for (uint32_t i = 0; i < w->tcp.max_conns; i++) {
		struct dp_client *v = &w->clients[i];
		if (v->tcp == NULL || v->closing)
			continue;
		struct cmd_conn_info ci = {0};
		dp_pubsub_describe(v, &ci);
		if (!cmd_client_kill_match(&f, &v->cc, ci.pubsub, ctx->client->id))
			continue;
		killed++;
		if (v->cc.id == ctx->client->id)
			v->cc.close_after_reply = 1; /* the caller: once its reply is out */
		else
			dp_client_kill(w, v);
	}
	resp_w_int(ctx->out, killed);
}

void dp_clientkill_deleted_users(struct worker *w)
{
	for (uint32_t i = 0; i < w->tcp.max_conns; i++) {
		struct dp_client *v = &w->clients[i];
		if (v->tcp == NULL || v->closing || v->cc.user == NULL || v->cc.close_after_reply ||
		    !atomic_load_explicit(&v->cc.user->deleted, memory_order_acquire))
			continue;
		dp_client_kill(w, v);
	}
}

const struct cmd_def dp_clientkill_part_def = {
    .name = "client",
    .arity = -3,
    .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_PART,
    .fn = kill_part,
    .acl_categories = "@admin @slow @dangerous @connection",
    .group = "connection",
};

bool dp_clientunblock_is(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc)
{
	return argc >= 3 && argv[1].len == 7 && strcmp(d->name, "client") == 0 &&
	       strncasecmp((const char *)argv[1].ptr, "unblock", 7) == 0;
}

bool dp_clientunblock_check(struct worker *w, struct dp_client *cl, struct resp_arg *argv,
			    uint32_t argc)
{
	int64_t id;
	bool error;
	struct cmd_ctx ctx = {.argv = argv,
			      .argc = argc,
			      .out = dp_reply_target(w, cl),
			      .client = &cl->cc,
			      .env = &w->sh->env};
	return cmd_client_unblock_parse(&ctx, &id, &error) == 0;
}

static void unblock_part(struct cmd_ctx *ctx)
{
	struct dp_shared *sh =
	    (struct dp_shared *)((char *)ctx->env - offsetof(struct dp_shared, env));
	struct worker *w = &sh->workers[store_shard_id(ctx->shard)];
	int64_t id;
	bool error;
	if (cmd_client_unblock_parse(ctx, &id, &error) != 0)
		return;
	resp_w_int(ctx->out, id > 0 && dp_block_unblock(w, (uint64_t)id, error) ? 1 : 0);
}

const struct cmd_def dp_clientunblock_part_def = {
    .name = "client",
    .arity = -3,
    .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_PART,
    .fn = unblock_part,
    .acl_categories = "@admin @slow @dangerous @connection",
    .group = "connection",
};

bool dp_clientlist_is(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc)
{
	return argc >= 2 && argv[1].len == 4 && strcmp(d->name, "client") == 0 &&
	       strncasecmp((const char *)argv[1].ptr, "list", 4) == 0;
}

bool dp_clientlist_check(struct worker *w, struct dp_client *cl, struct resp_arg *argv,
			 uint32_t argc)
{
	struct cmd_ctx ctx = {.argv = argv,
			      .argc = argc,
			      .out = dp_reply_target(w, cl),
			      .client = &cl->cc,
			      .env = &w->sh->env};
	return cmd_client_list_parse(&ctx) == 0;
}

/* This worker's lines: the caller's as CLIENT INFO prints it (cmd
 * client|list, its arguments' memory), every other connection's with its
 * last command (a blocked one: BLPOP..., flag b). */
static void list_part(struct cmd_ctx *ctx)
{
	struct dp_shared *sh =
	    (struct dp_shared *)((char *)ctx->env - offsetof(struct dp_shared, env));
	struct worker *w = &sh->workers[store_shard_id(ctx->shard)];
	struct rw_buf b = {0};
	for (uint32_t i = 0; i < w->tcp.max_conns; i++) {
		struct dp_client *v = &w->clients[i];
		if (v->tcp == NULL || v->closing)
			continue;
		struct cmd_conn_info ci = {0};
		dp_pubsub_describe(v, &ci);
		if (!cmd_client_list_match(ctx, &v->cc, ci.pubsub))
			continue;
		struct cmd_ctx lc = *ctx;
		lc.conn = v;
		bool self = v->cc.id == ctx->client->id;
		if (!self) {
			lc.client = &v->cc;
			lc.argc = 0;
		}
		const struct cmd_def *last = v->cc.last_cmd;
		cmd_client_info_line(&lc, &b,
				     self	    ? "client|list"
				     : last != NULL ? last->name
						    : "NULL");
	}
	resp_w_verbatim(ctx->out, b.data != NULL ? (const char *)b.data : "", b.len,
			ctx->client->proto == RESP_PROTO_3 ? RESP_PROTO_3 : RESP_PROTO_2);
	rw_buf_fini(&b);
}

const struct cmd_def dp_clientlist_part_def = {
    .name = "client",
    .arity = -2,
    .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_PART,
    .fn = list_part,
    .acl_categories = "@admin @slow @dangerous @connection",
    .group = "connection",
};
