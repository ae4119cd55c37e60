/*
 * CLIENT KILL's arguments and matching (Redis 7.0.15's clientCommand()
 * "kill" branch in networking.c):
 *
 *   CLIENT KILL ip:port                 old form: may kill the caller;
 *                                       +OK, or -ERR No such client
 *   CLIENT KILL <filter> <value> ...    ID ADDR LADDR TYPE USER SKIPME;
 *                                       the number killed; SKIPME yes by
 *                                       default
 *
 *   CLIENT UNBLOCK id [TIMEOUT|ERROR]   :1 if that client was blocked (it
 *                                       gets the timeout's reply, or
 *                                       -UNBLOCKED ...), else :0
 *
 * The dispatcher (dataplane/core/dp_clientkill.c) runs the match on every
 * worker against its own connections and sums what they killed; this file
 * only parses and matches; USER matches the connection's ACL user by name.
 *
 * Context: any worker.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_acl_int.h"
#include "cmd_int.h"

int cmd_client_kill_parse(struct cmd_ctx *ctx, struct cmd_kill_filter *f)
{
	*f = (struct cmd_kill_filter){.skipme = true, .type = -1};
	if (ctx->argc == 3) {
		f->old_form = true;
		f->skipme = false; /* with the old form, you can kill yourself */
		f->addr = &ctx->argv[2];
		return 0;
	}
	if (ctx->argc < 3) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return -1;
	}
	for (uint32_t i = 2; i < ctx->argc; i += 2) {
		if (i + 1 >= ctx->argc) {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return -1;
		}
		const struct resp_arg *o = &ctx->argv[i], *v = &ctx->argv[i + 1];
		int64_t id;
		if (cmd_arg_is(o, "id")) {
			if (!resp_str_to_i64(v->ptr, v->len, &id) || id < 1) {
				resp_w_error(ctx->out, "ERR client-id should be greater than 0");
				return -1;
			}
			f->id = (uint64_t)id;
		} else if (cmd_arg_is(o, "type")) {
			f->type = cmd_arg_is(v, "normal")			       ? 0
				  : cmd_arg_is(v, "slave") || cmd_arg_is(v, "replica") ? 1
				  : cmd_arg_is(v, "pubsub")			       ? 2
				  : cmd_arg_is(v, "master")			       ? 3
										       : -1;
			if (f->type < 0) {
				resp_w_errorf(ctx->out, "ERR Unknown client type '%.*s'",
					      (int)v->len, (const char *)v->ptr);
				return -1;
			}
		} else if (cmd_arg_is(o, "addr")) {
			f->addr = v;
		} else if (cmd_arg_is(o, "laddr")) {
			f->laddr = v;
		} else if (cmd_arg_is(o, "user")) {
			f->user = v;
			if (!cmd_acl_user_exists(ctx->env, v->ptr, v->len)) {
				resp_w_errorf(ctx->out, "ERR No such user '%.*s'", (int)v->len,
					      (const char *)v->ptr);
				return -1;
			}
		} else if (cmd_arg_is(o, "skipme")) {
			if (cmd_arg_is(v, "yes")) {
				f->skipme = true;
			} else if (cmd_arg_is(v, "no")) {
				f->skipme = false;
			} else {
				resp_w_error(ctx->out, CMD_ERR_SYNTAX);
				return -1;
			}
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return -1;
		}
	}
	return 0;
}

static bool addr_is(const struct resp_arg *a, uint32_t ip, uint16_t port)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255,
			 (ip >> 8) & 255, ip & 255, port);
	return a->len == (size_t)n && memcmp(a->ptr, buf, (size_t)n) == 0;
}

bool cmd_client_kill_match(const struct cmd_kill_filter *f, const struct cmd_client *c, bool pubsub,
			   uint64_t self_id)
{
	if (f->addr != NULL && !addr_is(f->addr, c->peer_ip, c->peer_port))
		return false;
	if (f->laddr != NULL && !addr_is(f->laddr, c->local_ip, c->local_port))
		return false;
	if (f->type >= 0 && f->type != (pubsub ? 2 : 0))
		return false;
	if (f->id != 0 && c->id != f->id)
		return false;
	if (f->user != NULL && (c->user == NULL || c->user->name_len != f->user->len ||
				memcmp(c->user->name, f->user->ptr, f->user->len) != 0))
		return false;
	return !(c->id == self_id && f->skipme);
}

int cmd_client_unblock_parse(struct cmd_ctx *ctx, int64_t *id, bool *error)
{
	if (ctx->argc != 3 && ctx->argc != 4) {
		cmd_reply_subcmd_syntax(ctx, "CLIENT");
		return -1;
	}
	*error = false;
	if (ctx->argc == 4) {
		if (cmd_arg_is(&ctx->argv[3], "error")) {
			*error = true;
		} else if (!cmd_arg_is(&ctx->argv[3], "timeout")) {
			resp_w_error(ctx->out,
				     "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
			return -1;
		}
	}
	if (!resp_str_to_i64(ctx->argv[2].ptr, ctx->argv[2].len, id)) {
		resp_w_error(ctx->out, "ERR value is not an integer or out of range");
		return -1;
	}
	return 0;
}
