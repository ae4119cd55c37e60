/*
 * The blocking list and sorted-set pops: BLPOP BRPOP BLMOVE BRPOPLPUSH
 * BLMPOP BZPOPMIN BZPOPMAX BZMPOP.
 *
 * Each one is its non-blocking form run on the same shard: a key with
 * something to pop serves the client at once (and the journal records the
 * non-blocking command that happened, as Redis's
 * rewriteClientCommandVector()). When every key is empty the handler
 * either replies Redis's nil (inside MULTI/EXEC, where nothing blocks:
 * ctx->may_block is false) or replies nothing and sets ctx->would_block
 * with the deadline; the worker then parks the request (dp_block.c) and
 * runs the handler again after each write on its shard.
 *
 * Context: the worker owning the keys.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_int.h"

/* getTimeoutFromObjectOrReply(UNIT_SECONDS) of 7.0.15: seconds as a long
 * double; @return false after replying the error. */
static bool parse_timeout(struct cmd_ctx *ctx, const struct resp_arg *a, uint64_t *deadline_ms)
{
	char buf[5 * 1024 + 1];
	long double v = 0;
	bool ok = a->len > 0 && a->len < sizeof(buf) && !isspace(a->ptr[0]);
	if (ok) {
		memcpy(buf, a->ptr, a->len);
		buf[a->len] = '\0';
		char *end;
		errno = 0;
		v = strtold(buf, &end);
		ok = (size_t)(end - buf) == a->len && errno != ERANGE && !isnan(v);
	}
	if (!ok) {
		resp_w_error(ctx->out, "ERR timeout is not a float or out of range");
		return false;
	}
	/* 7.0.15 truncates to ms, and a value past long long's range
	 * converts as x86 does (to LLONG_MIN): "timeout is negative" */
	v *= 1000.0L;
	long long ms =
	    v >= 9223372036854775807.0L || v < -9223372036854775807.0L ? INT64_MIN : (long long)v;
	if (ms < 0) {
		resp_w_error(ctx->out, "ERR timeout is negative");
		return false;
	}
	*deadline_ms = ms == 0 ? 0 : ctx->now_ms + (uint64_t)ms;
	return true;
}

/* Run @p fn with @p argv into @p out (a scratch buffer). */
static void run_sub(struct cmd_ctx *ctx, cmd_handler_fn *fn, struct resp_arg *argv, uint32_t argc,
		    struct rw_buf *out)
{
	struct cmd_ctx sub = *ctx;
	sub.argv = argv;
	sub.argc = argc;
	sub.out = out;
	sub.dirty = 0;
	fn(&sub);
	ctx->dirty += sub.dirty;
}

/* Record @p argv as the journal's command (the pop that happened). */
static void propagate(struct cmd_ctx *ctx, const struct resp_arg *argv, uint32_t argc)
{
	if (ctx->propagate == NULL)
		return;
	rw_buf_reset(ctx->propagate);
	resp_w_array(ctx->propagate, argc);
	for (uint32_t i = 0; i < argc; i++)
		resp_w_bulk(ctx->propagate, argv[i].ptr, argv[i].len);
}

static struct resp_arg lit(const char *s)
{
	/* never written: handlers only read their arguments */
	return (struct resp_arg){(uint8_t *)(uintptr_t)s, (uint32_t)strlen(s)};
}

/* Nothing to pop: nil inside MULTI, else wait (no reply now). */
static void nothing(struct cmd_ctx *ctx, uint64_t deadline_ms, bool bulk)
{
	if (!ctx->may_block) {
		if (bulk)
			resp_w_null(ctx->out, cmd_proto(ctx));
		else
			resp_w_null_array(ctx->out, cmd_proto(ctx));
		return;
	}
	ctx->would_block = true;
	ctx->block_deadline_ms = deadline_ms;
}

static bool is_nil(const struct rw_buf *b)
{
	return b->len == 0 || (b->len >= 3 && memcmp(b->data, "$-1", 3) == 0) ||
	       (b->len >= 3 && memcmp(b->data, "*-1", 3) == 0) ||
	       (b->len >= 2 && memcmp(b->data, "*0", 2) == 0) || b->data[0] == '_';
}

/*
 * BLPOP/BRPOP/BZPOPMIN/BZPOPMAX key [key ...] timeout: the first key with
 * something serves. A wrong-type key is an error when the command is
 * called; on a retry of a waiting client it is passed over, as Redis
 * serves a waiter only from a key of the right type.
 */
static void bpop_keys(struct cmd_ctx *ctx, const char *pop, cmd_handler_fn *fn, bool zset)
{
	uint64_t deadline;
	if (!parse_timeout(ctx, &ctx->argv[ctx->argc - 1], &deadline))
		return;
	struct rw_buf one = {0};
	for (uint32_t j = 1; j + 1 < ctx->argc; j++) {
		struct resp_arg sub[2] = {lit(pop), ctx->argv[j]};
		rw_buf_reset(&one);
		run_sub(ctx, fn, sub, 2, &one);
		if (one.len > 0 && one.data[0] == '-') {
			if (ctx->block_retry)
				continue;
			rw_buf_append(ctx->out, one.data, one.len);
			rw_buf_fini(&one);
			return;
		}
		if (is_nil(&one))
			continue;
		resp_w_array(ctx->out, zset ? 3 : 2);
		resp_w_bulk(ctx->out, ctx->argv[j].ptr, ctx->argv[j].len);
		/* ZPOPMIN key replies *2 member score: keep the two elements */
		size_t skip = zset ? 4 : 0;
		rw_buf_append(ctx->out, one.data + skip, one.len - skip);
		propagate(ctx, sub, 2);
		rw_buf_fini(&one);
		return;
	}
	rw_buf_fini(&one);
	nothing(ctx, deadline, false);
}

void cmd_blpop(struct cmd_ctx *ctx)
{
	bpop_keys(ctx, "LPOP", cmd_lpop, false);
}

void cmd_brpop(struct cmd_ctx *ctx)
{
	bpop_keys(ctx, "RPOP", cmd_rpop, false);
}

void cmd_bzpopmin(struct cmd_ctx *ctx)
{
	bpop_keys(ctx, "ZPOPMIN", cmd_zpopmin, true);
}

void cmd_bzpopmax(struct cmd_ctx *ctx)
{
	bpop_keys(ctx, "ZPOPMAX", cmd_zpopmax, true);
}

/* Run the non-blocking @p argv; @return true if it replied (served or an
 * error the caller must see), false if there was nothing. */
static bool try_once(struct cmd_ctx *ctx, cmd_handler_fn *fn, struct resp_arg *argv, uint32_t argc)
{
	struct rw_buf one = {0};
	run_sub(ctx, fn, argv, argc, &one);
	bool err = one.len > 0 && one.data[0] == '-';
	bool replied = err ? !ctx->block_retry : !is_nil(&one);
	if (replied)
		rw_buf_append(ctx->out, one.data, one.len);
	/* unless the command wrote its own (LMPOP, ZMPOP: the pop that happened) */
	if (replied && !err && (ctx->propagate == NULL || ctx->propagate->len == 0))
		propagate(ctx, argv, argc);
	rw_buf_fini(&one);
	return replied;
}

static bool where_ok(const struct resp_arg *a)
{
	return cmd_arg_is(a, "left") || cmd_arg_is(a, "right");
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
void cmd_blmove(struct cmd_ctx *ctx)
{
	struct resp_arg sub[5] = {lit("LMOVE"), ctx->argv[1], ctx->argv[2], ctx->argv[3],
				  ctx->argv[4]};
	if (!where_ok(&ctx->argv[3]) || !where_ok(&ctx->argv[4])) {
		run_sub(ctx, cmd_lmove, sub, 5, ctx->out); /* LMOVE's syntax error */
		return;
	}
	uint64_t deadline;
	if (!parse_timeout(ctx, &ctx->argv[5], &deadline))
		return;
	if (!try_once(ctx, cmd_lmove, sub, 5))
		nothing(ctx, deadline, true);
}

/* BRPOPLPUSH source destination timeout */
void cmd_brpoplpush(struct cmd_ctx *ctx)
{
	struct resp_arg sub[3] = {lit("RPOPLPUSH"), ctx->argv[1], ctx->argv[2]};
	uint64_t deadline;
	if (!parse_timeout(ctx, &ctx->argv[3], &deadline))
		return;
	if (!try_once(ctx, cmd_rpoplpush, sub, 3))
		nothing(ctx, deadline, true);
}

/* BLMPOP/BZMPOP timeout numkeys key [key ...] where [COUNT count]: the
 * timeout first, then LMPOP/ZMPOP's own checks. */
static void bmpop(struct cmd_ctx *ctx, const char *name, cmd_handler_fn *fn)
{
	uint64_t deadline;
	if (!parse_timeout(ctx, &ctx->argv[1], &deadline))
		return;
	uint32_t argc = ctx->argc - 1;
	struct resp_arg *sub = malloc(sizeof(*sub) * argc);
	if (sub == NULL) {
		resp_w_error(ctx->out, "ERR out of memory");
		return;
	}
	sub[0] = lit(name);
	memcpy(sub + 1, ctx->argv + 2, sizeof(*sub) * (argc - 1));
	if (!try_once(ctx, fn, sub, argc))
		nothing(ctx, deadline, false);
	free(sub);
}

void cmd_blmpop(struct cmd_ctx *ctx)
{
	bmpop(ctx, "LMPOP", cmd_lmpop);
}

void cmd_bzmpop(struct cmd_ctx *ctx)
{
	bmpop(ctx, "ZMPOP", cmd_zmpop);
}
