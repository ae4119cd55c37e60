/*
 * SLOWLOG GET [count] | LEN | RESET | HELP (Redis 7.0's slowlog.c), over
 * every worker's slow log (cmd_diag.h): GET merges the workers' lists by
 * id, newest first, as one server's list would read; LEN sums them; RESET
 * empties them all.
 *
 * Context: the connection's worker; takes every slot's lock while it
 * reads (writers take only their own, so the order cannot deadlock).
 */
#include <stdlib.h>

#include "cmd_diag.h"
#include "cmd_int.h"

static const char *const slowlog_help[] = {
    "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
    "HELP",
    "    Prints this help.",
};

/* addReplySubcommandSyntaxError() */
void cmd_reply_subcmd_syntax(struct cmd_ctx *ctx, const char *upper)
{
	const struct resp_arg *s = &ctx->argv[1];
	resp_w_errorf(ctx->out,
		      "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s "
		      "HELP.",
		      (int)(s->len > 128 ? 128 : s->len), (const char *)s->ptr, upper);
}

static void slowlog_w_entry(struct cmd_ctx *ctx, const struct cmd_slowlog_entry *e)
{
	resp_w_array(ctx->out, 6);
	resp_w_int(ctx->out, (int64_t)e->id);
	resp_w_int(ctx->out, e->time_s);
	resp_w_int(ctx->out, e->dur_us);
	resp_w_array(ctx->out, e->argc);
	for (uint32_t i = 0; i < e->argc; i++)
		resp_w_bulk(ctx->out, e->data + e->arg_off[i], e->arg_len[i]);
	resp_w_bulk_cstr(ctx->out, e->peer);
	resp_w_bulk_cstr(ctx->out, e->name);
}

static void slowlog_get(struct cmd_ctx *ctx, struct cmd_diag *dg)
{
	int64_t count = 10;
	if (ctx->argc == 3) {
		const char *msg = "ERR count should be greater than or equal to -1";
		if (!resp_str_to_i64(ctx->argv[2].ptr, ctx->argv[2].len, &count) || count < -1) {
			resp_w_error(ctx->out, msg);
			return;
		}
	}
	uint64_t total = 0;
	for (uint32_t i = 0; i < CMD_DIAG_WORKERS; i++) {
		cmd_diag_lock(&dg->slot[i]);
		total += dg->slot[i].len;
	}
	/* each worker keeps its newest slowlog-max-len: together they hold the
	 * newest max-len of the server, which is all one server would show */
	uint64_t max = (uint64_t)cmd_cfg_slowlog_max_len(ctx->env);
	if (total > max)
		total = max;
	uint64_t n = count < 0 || (uint64_t)count > total ? total : (uint64_t)count;
	resp_w_array(ctx->out, (int64_t)n);
	const struct cmd_slowlog_entry *cur[CMD_DIAG_WORKERS];
	for (uint32_t i = 0; i < CMD_DIAG_WORKERS; i++)
		cur[i] = dg->slot[i].head;
	for (uint64_t k = 0; k < n; k++) { /* k-way merge, highest id first */
		int best = -1;
		for (uint32_t i = 0; i < CMD_DIAG_WORKERS; i++)
			if (cur[i] != NULL && (best < 0 || cur[i]->id > cur[best]->id))
				best = (int)i;
		if (best < 0)
			break;
		slowlog_w_entry(ctx, cur[best]);
		cur[best] = cur[best]->prev;
	}
	for (uint32_t i = 0; i < CMD_DIAG_WORKERS; i++)
		cmd_diag_unlock(&dg->slot[i]);
}

static void slowlog_reset(struct cmd_diag *dg)
{
	for (uint32_t i = 0; i < CMD_DIAG_WORKERS; i++) {
		struct cmd_diag_slot *s = &dg->slot[i];
		cmd_diag_lock(s);
		struct cmd_slowlog_entry *e = s->head;
		s->head = s->tail = NULL;
		s->len = 0;
		cmd_diag_unlock(s);
		while (e != NULL) {
			struct cmd_slowlog_entry *n = e->prev;
			free(e);
			e = n;
		}
	}
}

void cmd_slowlog(struct cmd_ctx *ctx)
{
	const struct cmd_def *sub =
	    cmd_subcmd_resolve(ctx, cmd_lookup((const uint8_t *)"slowlog", 7));
	if (sub == NULL)
		return;
	struct cmd_diag *dg = cmd_diag_of(ctx->env);
	if (strcmp(sub->name, "slowlog|help") == 0) {
		cmd_reply_help(ctx, slowlog_help, sizeof(slowlog_help) / sizeof(slowlog_help[0]));
	} else if (strcmp(sub->name, "slowlog|get") == 0) {
		if (ctx->argc > 3)
			cmd_reply_subcmd_syntax(ctx, "SLOWLOG");
		else if (dg == NULL)
			resp_w_array(ctx->out, 0);
		else
			slowlog_get(ctx, dg);
	} else if (strcmp(sub->name, "slowlog|len") == 0) {
		uint64_t total = 0;
		for (uint32_t i = 0; dg != NULL && i < CMD_DIAG_WORKERS; i++) {
			cmd_diag_lock(&dg->slot[i]);
			total += dg->slot[i].len;
			cmd_diag_unlock(&dg->slot[i]);
		}
		uint64_t max = (uint64_t)cmd_cfg_slowlog_max_len(ctx->env);
		resp_w_int(ctx->out, (int64_t)(total < max ? total : max));
	} else {
		if (dg != NULL)
			slowlog_reset(dg);
		resp_w_simple(ctx->out, "OK");
	}
}
