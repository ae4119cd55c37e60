/*
 * CLIENT PAUSE timeout [WRITE|ALL] and CLIENT UNPAUSE (Redis 7.0.15's
 * networking.c and pauseClients()): one pause for the whole process, kept
 * in the shared diag state (cmd_diag.h) so every worker sees it. A new
 * CLIENT PAUSE replaces the previous one (its end and its type), as the
 * pause by client command does in Redis; UNPAUSE ends it.
 *
 * Paused commands are not refused: the dispatcher holds them until the
 * pause ends (cmd_pause_holds()), so a client sees its reply late.
 *
 * Context: any worker.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_diag.h"
#include "cmd_int.h"

/* getTimeoutFromObjectOrReply(UNIT_MILLISECONDS): @return 0 or -1 (replied). */
static int pause_timeout(struct cmd_ctx *ctx, const struct resp_arg *a, uint64_t *end_ms)
{
	int64_t t;
	if (!resp_str_to_i64(a->ptr, a->len, &t)) {
		resp_w_error(ctx->out, "ERR timeout is not an integer or out of range");
		return -1;
	}
	if (t < 0) {
		resp_w_error(ctx->out, "ERR timeout is negative");
		return -1;
	}
	*end_ms = (uint64_t)t > UINT64_MAX - ctx->now_ms ? UINT64_MAX : ctx->now_ms + (uint64_t)t;
	return 0;
}

void cmd_client_pause(struct cmd_ctx *ctx)
{
	bool all = true;
	if (ctx->argc == 4) {
		if (cmd_arg_is(&ctx->argv[3], "write")) {
			all = false;
		} else if (!cmd_arg_is(&ctx->argv[3], "all")) {
			resp_w_error(ctx->out, "ERR CLIENT PAUSE mode must be WRITE or ALL");
			return;
		}
	} else if (ctx->argc != 3) {
		cmd_reply_subcmd_syntax(ctx, "CLIENT");
		return;
	}
	uint64_t end;
	if (pause_timeout(ctx, &ctx->argv[2], &end) != 0)
		return;
	struct cmd_diag *dg = cmd_diag_of(ctx->env);
	if (dg != NULL) {
		atomic_store_explicit(&dg->pause_all, all, memory_order_relaxed);
		atomic_store_explicit(&dg->pause_end_ms, end, memory_order_release);
	}
	resp_w_simple(ctx->out, "OK");
}

void cmd_client_unpause(struct cmd_ctx *ctx)
{
	struct cmd_diag *dg = cmd_diag_of(ctx->env);
	if (dg != NULL)
		atomic_store_explicit(&dg->pause_end_ms, 0, memory_order_release);
	resp_w_simple(ctx->out, "OK");
}

bool cmd_pause_holds(const struct cmd_env *env, const struct cmd_def *d, uint64_t now_ms)
{
	struct cmd_diag *dg = cmd_diag_of(env);
	if (dg == NULL)
		return false;
	uint64_t end = atomic_load_explicit(&dg->pause_end_ms, memory_order_acquire);
	if (end == 0 || now_ms >= end)
		return false;
	if (atomic_load_explicit(&dg->pause_all, memory_order_relaxed))
		return true;
	/* WRITE: the commands Redis marks write or may-replicate */
	return (d->flags & CMD_WRITE) || strcmp(d->name, "publish") == 0 ||
	       strcmp(d->name, "spublish") == 0 || strcmp(d->name, "exec") == 0;
}
