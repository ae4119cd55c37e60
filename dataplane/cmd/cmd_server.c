/*
 * Connection and server commands: PING, ECHO, QUIT, SELECT, HELLO, TIME,
 * LASTSAVE, SHUTDOWN.
 *
 * These run on the connection's own worker (CMD_NOKEYS). Replies match
 * redis-server 7.0.15.
 *
 * Context: a worker lcore.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "cmd_int.h"
#include "store.h"

void cmd_ping(struct cmd_ctx *ctx)
{
	/* arity is -1, but pingCommand() itself refuses more than one argument */
	if (ctx->argc > 2)
		cmd_reply_arity(ctx->out, cmd_lookup((const uint8_t *)"ping", 4));
	else if (ctx->argc == 1)
		resp_w_simple(ctx->out, "PONG");
	else
		resp_w_bulk(ctx->out, ctx->argv[1].ptr, ctx->argv[1].len);
}

void cmd_echo(struct cmd_ctx *ctx)
{
	resp_w_bulk(ctx->out, ctx->argv[1].ptr, ctx->argv[1].len);
}

void cmd_quit(struct cmd_ctx *ctx)
{
	resp_w_simple(ctx->out, "OK");
	ctx->client->close_after_reply = 1;
}

static uint32_t databases_of(const struct cmd_ctx *ctx)
{
	if (ctx->env != NULL && ctx->env->cfg != NULL)
		return (uint32_t)ctx->env->cfg->databases;
	return store_shard_databases(ctx->shard);
}

/* selectCommand(): getIntFromObjectOrReply(), then the DB range. */
void cmd_select(struct cmd_ctx *ctx)
{
	int64_t id;
	if (!resp_str_to_i64(ctx->argv[1].ptr, ctx->argv[1].len, &id)) {
		resp_w_error(ctx->out, CMD_ERR_NOT_INT);
		return;
	}
	if (id < INT32_MIN || id > INT32_MAX) {
		resp_w_error(ctx->out, "ERR value is out of range, value must between "
				       "-2147483648 and 2147483647");
		return;
	}
	if (id < 0 || (uint64_t)id >= databases_of(ctx)) {
		resp_w_error(ctx->out, "ERR DB index is out of range");
		return;
	}
	ctx->client->db = (uint32_t)id;
	resp_w_simple(ctx->out, "OK");
}

/* ---- HELLO ---- */

static bool client_authenticated(const struct cmd_ctx *ctx)
{
	return ctx->client->authenticated || !cmd_default_needs_auth(ctx->env);
}

/* helloCommand() of 7.0: HELLO [protover [AUTH user pass] [SETNAME name]]. */
void cmd_hello(struct cmd_ctx *ctx)
{
	int64_t ver = 0;
	uint32_t j = 1;
	if (ctx->argc >= 2) {
		if (!resp_str_to_i64(ctx->argv[1].ptr, ctx->argv[1].len, &ver)) {
			resp_w_error(ctx->out,
				     "ERR Protocol version is not an integer or out of range");
			return;
		}
		if (ver < 2 || ver > 3) {
			resp_w_error(ctx->out, "NOPROTO unsupported protocol version");
			return;
		}
		j = 2;
	}
	const struct resp_arg *user = NULL, *pass = NULL, *name = NULL;
	for (; j < ctx->argc; j++) {
		uint32_t more = ctx->argc - 1 - j;
		const struct resp_arg *o = &ctx->argv[j];
		if (o->len == 4 && strncasecmp((const char *)o->ptr, "AUTH", 4) == 0 && more >= 2) {
			user = &ctx->argv[j + 1];
			pass = &ctx->argv[j + 2];
			j += 2;
		} else if (o->len == 7 && strncasecmp((const char *)o->ptr, "SETNAME", 7) == 0 &&
			   more) {
			name = &ctx->argv[++j];
			if (!cmd_client_attr_ok(name->ptr, name->len)) {
				resp_w_error(ctx->out,
					     "ERR Client names cannot contain spaces, newlines "
					     "or special characters.");
				return;
			}
		} else {
			resp_w_errorf(ctx->out, "ERR Syntax error in HELLO option '%.*s'",
				      (int)o->len, (const char *)o->ptr);
			return;
		}
	}
	if (user != NULL && !cmd_auth_login(ctx, user, pass)) {
		resp_w_error(ctx->out,
			     "WRONGPASS invalid username-password pair or user is disabled.");
		return;
	}
	if (!client_authenticated(ctx)) {
		resp_w_error(ctx->out,
			     "NOAUTH HELLO must be called with the client already "
			     "authenticated, otherwise the HELLO AUTH <user> <pass> "
			     "option can be used to authenticate the client and select the "
			     "RESP protocol version at the same time");
		return;
	}
	if (name != NULL && cmd_client_setname(ctx, name) != 0)
		return;
	if (ver != 0)
		ctx->client->proto = (uint8_t)ver;
	enum resp_proto proto = (enum resp_proto)ctx->client->proto;
	resp_w_map(ctx->out, 7, proto);
	resp_w_bulk_cstr(ctx->out, "server");
	resp_w_bulk_cstr(ctx->out, "redis");
	resp_w_bulk_cstr(ctx->out, "version");
	resp_w_bulk_cstr(ctx->out, "7.0.15");
	resp_w_bulk_cstr(ctx->out, "proto");
	resp_w_int(ctx->out, ctx->client->proto);
	resp_w_bulk_cstr(ctx->out, "id");
	resp_w_int(ctx->out, (int64_t)ctx->client->id);
	resp_w_bulk_cstr(ctx->out, "mode");
	resp_w_bulk_cstr(ctx->out, "standalone");
	resp_w_bulk_cstr(ctx->out, "role");
	resp_w_bulk_cstr(ctx->out, "master");
	resp_w_bulk_cstr(ctx->out, "modules");
	resp_w_array(ctx->out, 0);
}

/* ---- TIME, LASTSAVE, SHUTDOWN ---- */

void cmd_time(struct cmd_ctx *ctx)
{
	char s[24], us[8];
	int n = snprintf(s, sizeof(s), "%llu", (unsigned long long)(ctx->now_us / 1000000));
	int m = snprintf(us, sizeof(us), "%llu", (unsigned long long)(ctx->now_us % 1000000));
	resp_w_array(ctx->out, 2);
	resp_w_bulk(ctx->out, s, (size_t)n);
	resp_w_bulk(ctx->out, us, (size_t)m);
}

/* The last good save (a fresh server reports its start time, as Redis). */
void cmd_lastsave(struct cmd_ctx *ctx)
{
	if (ctx->env != NULL && ctx->env->snap != NULL)
		resp_w_int(ctx->out, (int64_t)atomic_load_explicit(&ctx->env->snap->lastsave_unix_s,
								   memory_order_relaxed));
	else
		resp_w_int(ctx->out,
			   ctx->env != NULL ? (int64_t)(ctx->env->start_unix_ms / 1000) : 0);
}

/*
 * BGSAVE and SAVE are taken by the dispatcher (CMD_SNAPSHOT,
 * dataplane/core/dp_snap.c): the cut must be one point for every worker,
 * which only the dispatcher can arrange. These handlers run only where the
 * dispatcher does not take them: inside EXEC, where Redis 7.0 never forks
 * either (server.in_exec): BGSAVE and BGREWRITEAOF are scheduled, and
 * worker 0's tick starts them once the transaction is over and no other
 * snapshot runs (dp_snap.c scheduled_start()).
 */
#define SNAP_LD(sn, f) atomic_load_explicit(&(sn)->f, memory_order_relaxed)

void cmd_bgsave(struct cmd_ctx *ctx)
{
	struct cmd_snap *sn = ctx->env != NULL ? ctx->env->snap : NULL;
	if (ctx->argc > 2 ||
	    (ctx->argc == 2 && (ctx->argv[1].len != 8 ||
				strncasecmp((const char *)ctx->argv[1].ptr, "schedule", 8) != 0))) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	if (sn == NULL) {
		resp_w_error(ctx->out, "ERR BGSAVE is not available here");
		return;
	}
	uint32_t running = SNAP_LD(sn, running);
	if (running != 0 && running != SNAP_LD(sn, aofrw_id)) {
		resp_w_error(ctx->out, "ERR Background save already in progress");
		return;
	}
	atomic_store_explicit(&sn->bgsave_scheduled, 1, memory_order_relaxed);
	resp_w_simple(ctx->out, "Background saving scheduled");
}

void cmd_bgrewriteaof(struct cmd_ctx *ctx)
{
	struct cmd_snap *sn = ctx->env != NULL ? ctx->env->snap : NULL;
	if (sn == NULL) {
		resp_w_error(ctx->out, "ERR BGREWRITEAOF is not available here");
		return;
	}
	if (SNAP_LD(sn, aofrw_id) != 0) {
		resp_w_error(ctx->out,
			     "ERR Background append only file rewriting already in progress");
		return;
	}
	atomic_store_explicit(&sn->aofrw_scheduled, 1, memory_order_relaxed);
	resp_w_simple(ctx->out, "Background append only file rewriting scheduled");
}

void cmd_save(struct cmd_ctx *ctx)
{
	resp_w_error(ctx->out, "ERR Command not allowed inside a transaction");
}

/* SHUTDOWN's options. @return false on a syntax error. */
static bool shutdown_opts(const struct resp_arg *argv, uint32_t argc, bool *nosave, bool *save,
			  bool *now, bool *force, bool *abrt)
{
	*nosave = *save = *now = *force = *abrt = false;
	for (uint32_t i = 1; i < argc; i++) {
		const struct resp_arg *a = &argv[i];
		if (cmd_arg_is(a, "nosave"))
			*nosave = true;
		else if (cmd_arg_is(a, "save"))
			*save = true;
		else if (cmd_arg_is(a, "now"))
			*now = true;
		else if (cmd_arg_is(a, "force"))
			*force = true;
		else if (cmd_arg_is(a, "abort"))
			*abrt = true;
		else
			return false;
	}
	return !((*abrt && (*nosave || *save || *now || *force)) || (*nosave && *save));
}

int cmd_shutdown_save(const struct cmd_env *env, const struct resp_arg *argv, uint32_t argc)
{
	bool nosave, save, now, force, abrt;
	if (!shutdown_opts(argv, argc, &nosave, &save, &now, &force, &abrt) || abrt)
		return -1;
	return (save || (!nosave && cmd_cfg_save_set(env)) ? CMD_SHUTDOWN_SAVE : 0) |
	       (force ? CMD_SHUTDOWN_FORCE : 0);
}

/*
 * shutdownCommand() of 7.0.15. A shutdown that saves (SAVE, or no NOSAVE
 * while save points are configured) is taken by the dispatcher
 * (dataplane/core/dp_snap.c): it saves like SAVE, then runs this with
 * NOSAVE, or replies the error below when the save failed and FORCE was not
 * given. Reaching here with a save still to do means no dispatcher (a
 * unit test, or inside EXEC): that fails as Redis's failed save does.
 * Otherwise nothing is replied and ctx->shutdown_requested tells the
 * dispatcher to stop the appliance.
 */
void cmd_shutdown(struct cmd_ctx *ctx)
{
	bool nosave, save, now, force, abrt;
	(void)now;
	if (!shutdown_opts(ctx->argv, ctx->argc, &nosave, &save, &now, &force, &abrt)) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	if (abrt) {
		resp_w_error(ctx->out, "ERR No shutdown in progress.");
		return;
	}
	/* FORCE goes on when the save fails (prepareForShutdown()) */
	if ((save || (!nosave && cmd_cfg_save_set(ctx->env))) && !force) {
		resp_w_error(ctx->out, "ERR Errors trying to SHUTDOWN. Check logs.");
		return;
	}
	ctx->shutdown_requested = true;
}
