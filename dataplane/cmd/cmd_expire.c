/*
 * Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX XX GT LT), TTL,
 * PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
 *
 * As Redis 7.0.15's expire.c: options are checked before the time, the time
 * before the key; a time that is not in the future deletes the key (and
 * answers 1); TTL-style reads do not touch the key's LRU clock. Times are
 * absolute unix ms inside the store; the journal gets the same instant:
 * EXPIRE, PEXPIRE and EXPIREAT are journaled as PEXPIREAT <ms> (options
 * kept), a time already past as DEL, as Redis 7.0 propagates them.
 *
 * Context: the worker lcore that owns the key's shard.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd_int.h"

void cmd_propagate_del(struct cmd_ctx *ctx, const struct resp_arg *key)
{
	if (ctx->propagate == NULL)
		return;
	rw_buf_reset(ctx->propagate);
	resp_w_array(ctx->propagate, 2);
	resp_w_bulk_cstr(ctx->propagate, "DEL");
	resp_w_bulk(ctx->propagate, key->ptr, key->len);
}

void cmd_propagate_pexpireat(struct cmd_ctx *ctx, const struct resp_arg *key, int64_t at_ms,
			     uint32_t first_opt)
{
	char num[24];
	if (ctx->propagate == NULL)
		return;
	int n = snprintf(num, sizeof(num), "%" PRId64, at_ms);
	uint32_t opts = ctx->argc > first_opt ? ctx->argc - first_opt : 0;
	rw_buf_reset(ctx->propagate);
	resp_w_array(ctx->propagate, 3 + (int64_t)opts);
	resp_w_bulk_cstr(ctx->propagate, "PEXPIREAT");
	resp_w_bulk(ctx->propagate, key->ptr, key->len);
	resp_w_bulk(ctx->propagate, num, (size_t)n);
	for (uint32_t i = 0; i < opts; i++)
		resp_w_bulk(ctx->propagate, ctx->argv[first_opt + i].ptr,
			    ctx->argv[first_opt + i].len);
}

enum exp_flag { EXP_NX = 1, EXP_XX = 2, EXP_GT = 4, EXP_LT = 8 };

/* parseExtendedExpireArgumentsOrReply() */
static bool exp_flags(struct cmd_ctx *ctx, unsigned *flags)
{
	*flags = 0;
	for (uint32_t j = 3; j < ctx->argc; j++) {
		const struct resp_arg *a = &ctx->argv[j];
		if (cmd_arg_is(a, "nx")) {
			*flags |= EXP_NX;
		} else if (cmd_arg_is(a, "xx")) {
			*flags |= EXP_XX;
		} else if (cmd_arg_is(a, "gt")) {
			*flags |= EXP_GT;
		} else if (cmd_arg_is(a, "lt")) {
			*flags |= EXP_LT;
		} else {
			/* "%s" of the sds: stops at a NUL; CR/LF become spaces */
			char opt[128];
			size_t n = 0;
			for (; n < a->len && n < sizeof(opt) - 1 && a->ptr[n] != '\0'; n++)
				opt[n] =
				    a->ptr[n] == '\r' || a->ptr[n] == '\n' ? ' ' : (char)a->ptr[n];
			opt[n] = '\0';
			resp_w_errorf(ctx->out, "ERR Unsupported option %s", opt);
			return false;
		}
	}
	if ((*flags & EXP_NX) && (*flags & (EXP_XX | EXP_GT | EXP_LT))) {
		resp_w_error(ctx->out,
			     "ERR NX and XX, GT or LT options at the same time are not compatible");
		return false;
	}
	if ((*flags & EXP_GT) && (*flags & EXP_LT)) {
		resp_w_error(ctx->out, "ERR GT and LT options at the same time are not compatible");
		return false;
	}
	return true;
}

/* expireGenericCommand(): @p base_ms is now for relative forms, 0 for
 * absolute ones. */
static void expire_generic(struct cmd_ctx *ctx, int64_t base_ms, bool seconds)
{
	unsigned flags;
	int64_t when;
	if (!exp_flags(ctx, &flags) || !cmd_arg_i64(ctx, &ctx->argv[2], &when))
		return;
	if (seconds) {
		if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000)
			goto invalid;
		when *= 1000;
	}
	if (when > INT64_MAX - base_ms)
		goto invalid;
	when += base_ms;

	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (w.obj == NULL) {
		store_write_commit(&w, 0, NULL);
		resp_w_int(ctx->out, 0);
		return;
	}
	int64_t cur = store_obj_expire(w.obj);
	if (((flags & EXP_NX) && cur != STORE_NO_EXPIRE) ||
	    ((flags & EXP_XX) && cur == STORE_NO_EXPIRE) ||
	    ((flags & EXP_GT) && (cur == STORE_NO_EXPIRE || when <= cur)) ||
	    ((flags & EXP_LT) && cur != STORE_NO_EXPIRE && when >= cur)) {
		store_write_commit(&w, 0, NULL);
		resp_w_int(ctx->out, 0);
		return;
	}
	if (when <= (int64_t)ctx->now_ms) {
		/* checkAlreadyExpired(): delete now, replicated as a DEL */
		store_wr_delete(&w);
		store_write_commit(&w, 1, "del");
		cmd_propagate_del(ctx, &ctx->argv[1]);
		resp_w_int(ctx->out, 1);
		return;
	}
	int rc = store_wr_set_expire(&w, when);
	store_write_commit(&w, rc == 0, "expire");
	if (base_ms != 0 || seconds) /* PEXPIREAT itself is journaled as it came */
		cmd_propagate_pexpireat(ctx, &ctx->argv[1], when, 3);
	if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, 1);
	return;
invalid:
	resp_w_errorf(ctx->out, "ERR invalid expire time in '%s' command", cmd_name(ctx));
}

void cmd_expire(struct cmd_ctx *ctx)
{
	expire_generic(ctx, (int64_t)ctx->now_ms, true);
}

void cmd_pexpire(struct cmd_ctx *ctx)
{
	expire_generic(ctx, (int64_t)ctx->now_ms, false);
}

void cmd_expireat(struct cmd_ctx *ctx)
{
	expire_generic(ctx, 0, true);
}

void cmd_pexpireat(struct cmd_ctx *ctx)
{
	expire_generic(ctx, 0, false);
}

/* ttlGenericCommand(): -2 missing, -1 no expiry; seconds round to nearest. */
static void ttl_generic(struct cmd_ctx *ctx, bool ms, bool absolute)
{
	struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], STORE_LOOKUP_NOTOUCH);
	if (o == NULL) {
		resp_w_int(ctx->out, -2);
		return;
	}
	int64_t at = store_obj_expire(o);
	if (at == STORE_NO_EXPIRE) {
		resp_w_int(ctx->out, -1);
		return;
	}
	int64_t ttl = absolute ? at : at - (int64_t)ctx->now_ms;
	if (ttl < 0)
		ttl = 0;
	resp_w_int(ctx->out, ms ? ttl : (ttl + 500) / 1000);
}

void cmd_ttl(struct cmd_ctx *ctx)
{
	ttl_generic(ctx, false, false);
}

void cmd_pttl(struct cmd_ctx *ctx)
{
	ttl_generic(ctx, true, false);
}

void cmd_expiretime(struct cmd_ctx *ctx)
{
	ttl_generic(ctx, false, true);
}

void cmd_pexpiretime(struct cmd_ctx *ctx)
{
	ttl_generic(ctx, true, true);
}

void cmd_persist(struct cmd_ctx *ctx)
{
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	bool had = w.obj != NULL && store_obj_expire(w.obj) != STORE_NO_EXPIRE;
	if (had)
		store_wr_set_expire(&w, STORE_NO_EXPIRE);
	store_write_commit(&w, had, "persist");
	resp_w_int(ctx->out, had);
}
