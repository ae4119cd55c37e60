/*
 * The ACL command (aclCommand() of redis-server 7.0.15's acl.c): SETUSER
 * GETUSER DELUSER USERS LIST WHOAMI CAT GENPASS DRYRUN LOG HELP, and LOAD
 * and SAVE answering as stock does without an aclfile. Users are the
 * process's (cmd_acl.c): a change made here is seen by every worker at
 * once.
 *
 * Context: the connection's worker (CMD_NOKEYS), or a control-plane request
 * run on a worker (dataplane/core/dp_cfgmsg.c).
 */
#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_acl_int.h"
#include "cmd_int.h"

static const char *const acl_help[] = {
#include "cmd_acl_help.inc"
};

static const char *const acl_reasons[] = {"", "command", "key", "auth", "channel"};

/* ACLStringHasSpaces() */
static bool name_ok(const struct resp_arg *a)
{
	for (size_t i = 0; i < a->len; i++)
		if (a->ptr[i] == ' ' || a->ptr[i] == '\0')
			return false;
	return true;
}

static void acl_setuser(struct cmd_ctx *ctx, struct cmd_acl *a)
{
	const struct resp_arg *name = &ctx->argv[2];
	if (!name_ok(name)) {
		resp_w_error(ctx->out, "ERR Usernames can't contain spaces or null characters");
		return;
	}
	uint32_t bad = 0;
	int rc = cmd_acl_setuser(a, name->ptr, name->len, &ctx->argv[3], ctx->argc - 3, &bad);
	if (rc == -ENOMEM) {
		resp_w_error(ctx->out, "ERR out of memory");
	} else if (rc != 0) {
		const struct resp_arg *m = &ctx->argv[3 + bad];
		resp_w_errorf(ctx->out, "ERR Error in ACL SETUSER modifier '%.*s': %s", (int)m->len,
			      (const char *)m->ptr, cmd_acl_strerror(rc));
	} else {
		if (ctx->env->acl_note != NULL) /* before the reply: see cmd_acl_note_fn */
			ctx->env->acl_note(ctx);
		resp_w_simple(ctx->out, "OK");
	}
}

static void w_buf(struct cmd_ctx *ctx, struct rw_buf *b)
{
	resp_w_bulk(ctx->out, b->data != NULL ? (const char *)b->data : "", b->len);
	rw_buf_reset(b);
}

static void acl_getuser(struct cmd_ctx *ctx, struct cmd_acl *a)
{
	static const char *const flags[] = {"on", "off", "nopass", "skip-sanitize-payload",
					    "sanitize-payload"};
	enum resp_proto proto = cmd_proto(ctx);
	const struct cmd_acl_user *u = cmd_acl_user_find(a, ctx->argv[2].ptr, ctx->argv[2].len);
	if (u == NULL) {
		resp_w_null(ctx->out, proto);
		return;
	}
	const struct cmd_acl_rules *r = cmd_acl_user_rules(u);
	resp_w_map(ctx->out, 6, proto);
	resp_w_bulk_cstr(ctx->out, "flags");
	int64_t nf = 0;
	for (uint32_t j = 0; j < 5; j++)
		nf += (r->flags >> j) & 1;
	resp_w_set(ctx->out, nf, proto);
	for (uint32_t j = 0; j < 5; j++)
		if (r->flags & (1u << j))
			resp_w_bulk_cstr(ctx->out, flags[j]);
	resp_w_bulk_cstr(ctx->out, "passwords");
	resp_w_array(ctx->out, r->n_pass);
	for (uint32_t i = 0; i < r->n_pass; i++)
		resp_w_bulk(ctx->out, r->pass[i], CMD_ACL_HASH_HEX);
	struct rw_buf b = {0};
	resp_w_bulk_cstr(ctx->out, "commands");
	cmd_acl_rules_describe_cmds(r, &b);
	w_buf(ctx, &b);
	resp_w_bulk_cstr(ctx->out, "keys");
	cmd_acl_rules_describe_keys(r, &b);
	w_buf(ctx, &b);
	resp_w_bulk_cstr(ctx->out, "channels");
	cmd_acl_rules_describe_chans(r, &b);
	w_buf(ctx, &b);
	rw_buf_fini(&b);
	resp_w_bulk_cstr(ctx->out, "selectors");
	resp_w_array(ctx->out, 0);
}

static void list_one(void *arg, const struct cmd_acl_user *u)
{
	struct cmd_ctx *ctx = arg;
	struct rw_buf b = {0};
	rw_buf_append(&b, "user ", 5);
	rw_buf_append(&b, u->name, u->name_len);
	rw_buf_append(&b, " ", 1);
	cmd_acl_rules_describe(cmd_acl_user_rules(u), &b);
	w_buf(ctx, &b);
	rw_buf_fini(&b);
}

static void users_one(void *arg, const struct cmd_acl_user *u)
{
	struct cmd_ctx *ctx = arg;
	resp_w_bulk(ctx->out, u->name, u->name_len);
}

static void acl_deluser(struct cmd_ctx *ctx, struct cmd_acl *a)
{
	for (uint32_t j = 2; j < ctx->argc; j++)
		if (ctx->argv[j].len == 7 && memcmp(ctx->argv[j].ptr, "default", 7) == 0) {
			resp_w_error(ctx->out, "ERR The 'default' user cannot be removed");
			return;
		}
	int64_t deleted = 0;
	for (uint32_t j = 2; j < ctx->argc; j++) {
		const struct resp_arg *n = &ctx->argv[j];
		const struct cmd_acl_user *self = ctx->client->user;
		bool mine = self != NULL && self->name_len == n->len &&
			    memcmp(self->name, n->ptr, n->len) == 0;
		int rc = cmd_acl_deluser(a, n->ptr, n->len);
		if (rc == 1) {
			deleted++;
			if (mine) /* CLIENT_CLOSE_AFTER_COMMAND */
				ctx->client->close_after_reply = 1;
		}
	}
	if (deleted > 0 && ctx->env->acl_note != NULL)
		ctx->env->acl_note(ctx);
	resp_w_int(ctx->out, deleted);
}

static void cat_one(void *arg, const char *name)
{
	struct cmd_ctx *ctx = arg;
	resp_w_bulk_cstr(ctx->out, name);
}

static void count_one(void *arg, const char *name)
{
	(void)name;
	(*(int64_t *)arg)++;
}

static void acl_cat(struct cmd_ctx *ctx)
{
	if (ctx->argc == 2) {
		int64_t n = 0;
		while (cmd_acl_categories[n] != NULL)
			n++;
		resp_w_array(ctx->out, n);
		for (int64_t i = 0; i < n; i++)
			resp_w_bulk_cstr(ctx->out, cmd_acl_categories[i]);
		return;
	}
	if (ctx->argc != 3) {
		cmd_reply_subcmd_syntax(ctx, "ACL");
		return;
	}
	const char *c = (const char *)ctx->argv[2].ptr;
	int64_t n = 0;
	if (cmd_acl_category_commands(c, ctx->argv[2].len, count_one, &n) != 0) {
		resp_w_errorf(ctx->out, "ERR Unknown category '%.*s'",
			      (int)(ctx->argv[2].len > 128 ? 128 : ctx->argv[2].len), c);
		return;
	}
	resp_w_array(ctx->out, n);
	cmd_acl_category_commands(c, ctx->argv[2].len, cat_one, ctx);
}

static void acl_genpass(struct cmd_ctx *ctx)
{
	int64_t bits = 256;
	if (ctx->argc > 3) {
		cmd_reply_subcmd_syntax(ctx, "ACL");
		return;
	}
	if (ctx->argc == 3 && !cmd_arg_i64(ctx, &ctx->argv[2], &bits))
		return;
	if (bits <= 0 || bits > 4096) {
		resp_w_error(ctx->out,
			     "ERR ACL GENPASS argument must be the number of bits for the "
			     "output password, a positive number up to 4096");
		return;
	}
	size_t chars = (size_t)(bits + 3) / 4;
	unsigned char raw[512];
	char hex[1025];
	if (RAND_bytes(raw, (int)((chars + 1) / 2)) != 1) {
		resp_w_error(ctx->out, "ERR cannot get random bytes");
		return;
	}
	for (size_t i = 0; i < chars; i++)
		hex[i] = "0123456789abcdef"[(raw[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	resp_w_bulk(ctx->out, hex, chars);
}

static void acl_dryrun(struct cmd_ctx *ctx, struct cmd_acl *a)
{
	const struct resp_arg *un = &ctx->argv[2];
	const struct cmd_acl_user *u = cmd_acl_user_find(a, un->ptr, un->len);
	if (u == NULL) {
		resp_w_errorf(ctx->out, "ERR User '%.*s' not found", (int)un->len,
			      (const char *)un->ptr);
		return;
	}
	const struct resp_arg *cargv = &ctx->argv[3];
	uint32_t cargc = ctx->argc - 3;
	const struct cmd_def *d = cmd_lookup(cargv[0].ptr, cargv[0].len);
	if (d != NULL && d->n_subcmds != 0 && cargc >= 2)
		d = cmd_subcmd_lookup(d, cargv[1].ptr, cargv[1].len);
	if (d == NULL) {
		resp_w_errorf(ctx->out, "ERR Command '%.*s' not found", (int)cargv[0].len,
			      (const char *)cargv[0].ptr);
		return;
	}
	if (!cmd_arity_ok(d, cargc)) {
		resp_w_errorf(ctx->out, "ERR wrong number of arguments for '%s' command", d->name);
		return;
	}
	uint32_t pos;
	char msg[640];
	switch (cmd_acl_rules_check(cmd_acl_user_rules(u), d, cargv, cargc, &pos)) {
	case CMD_ACL_OK:
		resp_w_simple(ctx->out, "OK");
		return;
	case CMD_ACL_DENIED_CMD:
		snprintf(msg, sizeof(msg), "This user has no permissions to run the '%s' command",
			 d->name);
		break;
	case CMD_ACL_DENIED_KEY:
		snprintf(msg, sizeof(msg), "This user has no permissions to access the '%.*s' key",
			 (int)(cargv[pos].len > 512 ? 512 : cargv[pos].len),
			 (const char *)cargv[pos].ptr);
		break;
	default:
		snprintf(msg, sizeof(msg),
			 "This user has no permissions to access the '%.*s' channel",
			 (int)(cargv[pos].len > 512 ? 512 : cargv[pos].len),
			 (const char *)cargv[pos].ptr);
		break;
	}
	resp_w_bulk_cstr(ctx->out, msg);
}

static void acl_log(struct cmd_ctx *ctx, struct cmd_acl *a)
{
	int64_t count = 10;
	if (ctx->argc > 3) {
		cmd_reply_subcmd_syntax(ctx, "ACL");
		return;
	}
	if (ctx->argc == 3) {
		if (cmd_arg_is(&ctx->argv[2], "reset")) {
			cmd_acl_log_reset(a);
			resp_w_simple(ctx->out, "OK");
			return;
		}
		if (!cmd_arg_i64(ctx, &ctx->argv[2], &count))
			return;
	}
	uint32_t max = count < 0 || count > 128 ? 128 : (uint32_t)count;
	struct acl_log_entry es[128];
	uint32_t n = cmd_acl_log_copy(a, es, max);
	enum resp_proto proto = cmd_proto(ctx);
	resp_w_array(ctx->out, n);
	for (uint32_t i = 0; i < n; i++) {
		resp_w_map(ctx->out, 7, proto);
		resp_w_bulk_cstr(ctx->out, "count");
		resp_w_int(ctx->out, (int64_t)es[i].count);
		resp_w_bulk_cstr(ctx->out, "reason");
		resp_w_bulk_cstr(ctx->out, acl_reasons[es[i].reason]);
		resp_w_bulk_cstr(ctx->out, "context");
		resp_w_bulk_cstr(ctx->out, es[i].multi ? "multi" : "toplevel");
		resp_w_bulk_cstr(ctx->out, "object");
		resp_w_bulk_cstr(ctx->out, es[i].object ? es[i].object : "");
		resp_w_bulk_cstr(ctx->out, "username");
		resp_w_bulk_cstr(ctx->out, es[i].username ? es[i].username : "");
		resp_w_bulk_cstr(ctx->out, "age-seconds");
		uint64_t age = ctx->now_ms > es[i].ctime_ms ? ctx->now_ms - es[i].ctime_ms : 0;
		resp_w_double(ctx->out, (double)age / 1000.0, proto);
		resp_w_bulk_cstr(ctx->out, "client-info");
		resp_w_bulk_cstr(ctx->out, es[i].cinfo ? es[i].cinfo : "");
		cmd_acl_log_entry_fini(&es[i]);
	}
}

void cmd_acl(struct cmd_ctx *ctx)
{
	const struct cmd_def *sub = cmd_subcmd_resolve(ctx, cmd_lookup((const uint8_t *)"acl", 3));
	if (sub == NULL)
		return;
	const char *s = sub->name + 4;
	struct cmd_acl *a = cmd_rtcfg_acl(ctx->env);
	if (strcmp(s, "help") == 0) {
		cmd_reply_help(ctx, acl_help, sizeof(acl_help) / sizeof(acl_help[0]));
	} else if (strcmp(s, "cat") == 0) {
		acl_cat(ctx);
	} else if (strcmp(s, "genpass") == 0) {
		acl_genpass(ctx);
	} else if (strcmp(s, "whoami") == 0) {
		const struct cmd_acl_user *u = ctx->client->user;
		if (u != NULL)
			resp_w_bulk(ctx->out, u->name, u->name_len);
		else
			resp_w_bulk_cstr(ctx->out, "default");
	} else if (strcmp(s, "load") == 0 || strcmp(s, "save") == 0) {
		resp_w_error(
		    ctx->out,
		    "ERR This Redis instance is not configured to use an ACL file. You may "
		    "want to specify users via the ACL SETUSER command and then issue a "
		    "CONFIG REWRITE (assuming you have a Redis configuration file set) in "
		    "order to store users in the Redis configuration.");
	} else if (a == NULL) {
		resp_w_error(ctx->out, "ERR ACL is not available here");
	} else if (strcmp(s, "setuser") == 0) {
		acl_setuser(ctx, a);
	} else if (strcmp(s, "getuser") == 0) {
		acl_getuser(ctx, a);
	} else if (strcmp(s, "deluser") == 0) {
		acl_deluser(ctx, a);
	} else if (strcmp(s, "users") == 0) {
		resp_w_array(ctx->out, cmd_acl_users_count(a));
		cmd_acl_users_foreach(a, users_one, ctx);
	} else if (strcmp(s, "list") == 0) {
		resp_w_array(ctx->out, cmd_acl_users_count(a));
		cmd_acl_users_foreach(a, list_one, ctx);
	} else if (strcmp(s, "dryrun") == 0) {
		acl_dryrun(ctx, a);
	} else {
		acl_log(ctx, a);
	}
}

/* ---- CONFIG REWRITE's user lines ---- */

struct rewrite_acc {
	char **lines;
	size_t n;
	int rc;
};

static void rewrite_one(void *arg, const struct cmd_acl_user *u)
{
	struct rewrite_acc *acc = arg;
	struct rw_buf b = {0};
	rw_buf_append(&b, "user ", 5);
	rw_buf_append(&b, u->name, u->name_len);
	rw_buf_append(&b, " ", 1);
	cmd_acl_rules_describe(cmd_acl_user_rules(u), &b);
	rw_buf_append(&b, "", 1);
	char **l = realloc(acc->lines, (acc->n + 1) * sizeof(*l));
	if (l != NULL)
		acc->lines = l;
	if (l == NULL || b.data == NULL) {
		acc->rc = -ENOMEM;
		rw_buf_fini(&b);
		return;
	}
	l[acc->n++] = (char *)b.data; /* the buffer's bytes become the line */
}

int cmd_acl_rewrite_lines(const struct cmd_env *env, char ***lines, size_t *n)
{
	struct cmd_acl *a = cmd_rtcfg_acl(env);
	struct rewrite_acc acc = {0};
	if (a != NULL)
		cmd_acl_users_foreach(a, rewrite_one, &acc);
	*lines = acc.lines;
	*n = acc.n;
	return acc.rc;
}

/* ---- the management API's requests (CHAN_MSG_ACL) ---- */

static void api_list_one(void *arg, const struct cmd_acl_user *u)
{
	struct rw_buf *out = arg;
	rw_buf_append(out, "user ", 5);
	rw_buf_append(out, u->name, u->name_len);
	rw_buf_append(out, " ", 1);
	cmd_acl_rules_describe(cmd_acl_user_rules(u), out);
	rw_buf_append(out, "\n", 1);
}

int cmd_acl_api(const struct cmd_env *env, const struct resp_arg *argv, uint32_t argc,
		struct rw_buf *out)
{
	struct cmd_acl *a = cmd_rtcfg_acl(env);
	if (a == NULL || argc == 0)
		return -EINVAL;
	if (cmd_arg_is(&argv[0], "list") && argc == 1) {
		cmd_acl_users_foreach(a, api_list_one, out);
		return 0;
	}
	if (cmd_arg_is(&argv[0], "setuser") && argc >= 2) {
		if (!name_ok(&argv[1])) {
			static const char e[] =
			    "ERR Usernames can't contain spaces or null characters";
			rw_buf_append(out, e, sizeof(e) - 1);
			return -EINVAL;
		}
		uint32_t bad = 0;
		int rc = cmd_acl_setuser(a, argv[1].ptr, argv[1].len, &argv[2], argc - 2, &bad);
		if (rc != 0) {
			char msg[512];
			int n = snprintf(msg, sizeof(msg),
					 "ERR Error in ACL SETUSER modifier '%.*s': %s",
					 rc == -ENOMEM ? 0 : (int)argv[2 + bad].len,
					 rc == -ENOMEM ? "" : (const char *)argv[2 + bad].ptr,
					 cmd_acl_strerror(rc));
			rw_buf_append(out, msg, n > 0 && (size_t)n < sizeof(msg) ? (size_t)n : 0);
		}
		return rc;
	}
	if (cmd_arg_is(&argv[0], "deluser") && argc == 2) {
		if (argv[1].len == 7 && memcmp(argv[1].ptr, "default", 7) == 0) {
			rw_buf_append(out, "ERR The 'default' user cannot be removed", 40);
			return -EPERM;
		}
		rw_buf_append(out, cmd_acl_deluser(a, argv[1].ptr, argv[1].len) == 1 ? "1" : "0",
			      1);
		return 0;
	}
	return -EINVAL;
}
