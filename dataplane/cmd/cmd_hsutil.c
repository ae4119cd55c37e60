/*
 * Helpers shared by the hash and set commands (see cmd_hsutil.h).
 *
 * Context: a worker lcore, inside a command handler.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_hsutil.h"
#include "store_strtab.h"

bool cmd_hs_read(struct cmd_ctx *ctx, const struct resp_arg *key, uint8_t type,
		 const struct store_obj **o)
{
	*o = cmd_lookup_key(ctx, key, 0);
	if (*o != NULL && (*o)->type != type) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return false;
	}
	return true;
}

bool cmd_hs_write_begin(struct cmd_ctx *ctx, const struct resp_arg *key, uint8_t type,
			struct store_wr *w)
{
	cmd_write_begin(ctx, key, w);
	if (w->obj != NULL && w->obj->type != type) {
		store_write_commit(w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return false;
	}
	return true;
}

void cmd_hs_commit(struct store_wr *w, uint64_t len, uint32_t changes, const char *event)
{
	if (w->obj != NULL && len == 0)
		store_wr_delete(w);
	store_write_commit(w, changes, event);
}

bool cmd_hs_scan_cursor(struct cmd_ctx *ctx, struct cmd_hs_scan *sc)
{
	uint64_t v;
	if (!cmd_cursor_parse(&ctx->argv[2], &v)) {
		resp_w_error(ctx->out, "ERR invalid cursor");
		return false;
	}
	*sc = (struct cmd_hs_scan){.cursor = v, .count = 10};
	return true;
}

bool cmd_hs_scan_options(struct cmd_ctx *ctx, struct cmd_hs_scan *sc)
{
	for (uint32_t i = 3; i < ctx->argc;) {
		uint32_t left = ctx->argc - i;
		const struct resp_arg *a = &ctx->argv[i];
		if (cmd_arg_is(a, "count") && left >= 2) {
			if (!cmd_arg_i64(ctx, &ctx->argv[i + 1], &sc->count))
				return false;
			if (sc->count < 1) {
				resp_w_error(ctx->out, CMD_ERR_SYNTAX);
				return false;
			}
			i += 2;
		} else if (cmd_arg_is(a, "match") && left >= 2) {
			const struct resp_arg *p = &ctx->argv[i + 1];
			sc->pat = p->len == 1 && p->ptr[0] == '*' ? NULL : p;
			i += 2;
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return false;
		}
	}
	return true;
}

void cmd_hs_scan_reply(struct cmd_ctx *ctx, uint64_t cursor, const struct rw_buf *items,
		       int64_t n_items)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cursor);
	resp_w_array(ctx->out, 2);
	resp_w_bulk(ctx->out, buf, (size_t)n);
	resp_w_array(ctx->out, n_items);
	rw_buf_append(ctx->out, items->data, items->len);
}

void cmd_hs_sample_sorted(uint64_t n, uint64_t k, uint64_t *out)
{
	/* Algorithm S (TAOCP 3.4.2): take index i with probability
	 * (still needed) / (still left). */
	uint64_t taken = 0;
	for (uint64_t i = 0; i < n && taken < k; i++) {
		uint64_t left = n - i;
		if (store_strtab_rand() % left < k - taken)
			out[taken++] = i;
	}
}

bool cmd_hs_arg_count(struct cmd_ctx *ctx, const struct resp_arg *a, int64_t *v)
{
	if (!cmd_arg_i64(ctx, a, v))
		return false;
	if (*v < -INT64_MAX) {
		resp_w_error(ctx->out, "ERR value is out of range, value must between "
				       "-9223372036854775807 and 9223372036854775807");
		return false;
	}
	return true;
}
