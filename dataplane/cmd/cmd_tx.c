/*
 * MULTI EXEC DISCARD WATCH UNWATCH: table entries only.
 *
 * A transaction is connection state and, with keys on several workers, a
 * protocol between workers, so the dispatcher runs these commands itself
 * (CMD_TX_DISPATCH; dataplane/core/dp_tx.c, TRANSACTIONS.md) and never
 * calls these handlers, except UNWATCH queued inside MULTI, which EXEC
 * answers +OK (EXEC has unwatched everything already, as in Redis). Called
 * without the dispatcher (cmd_call() in a unit harness) they say so.
 *
 * Context: a worker lcore.
 */
#include "cmd_int.h"

static void no_dispatcher(struct cmd_ctx *ctx)
{
	resp_w_error(ctx->out, "ERR transactions need the dispatcher");
}

void cmd_multi(struct cmd_ctx *ctx)
{
	no_dispatcher(ctx);
}

void cmd_exec(struct cmd_ctx *ctx)
{
	no_dispatcher(ctx);
}

void cmd_discard(struct cmd_ctx *ctx)
{
	no_dispatcher(ctx);
}

void cmd_watch(struct cmd_ctx *ctx)
{
	no_dispatcher(ctx);
}

void cmd_unwatch(struct cmd_ctx *ctx)
{
	resp_w_simple(ctx->out, "OK");
}
