/*
 * SCAN over all workers' shards, as scanGenericCommand() of redis-server
 * 7.0.15 parses and answers it.
 *
 * The cursor a client sees names the worker and that worker's own cursor:
 *
 *     cursor = shard_cursor << CMD_SCAN_WORKER_BITS | worker
 *
 * SCAN 0 starts on worker 0; the dispatcher sends every SCAN to the worker
 * its cursor names (cmd_scan_worker()). A worker walks its shard with the
 * store's SCAN (reverse-binary bucket order, so a key present for the whole
 * walk is returned at least once even across a resize) and, when its shard
 * is done, hands the client the next worker's cursor 0; the last worker's
 * end is 0. Each shard's cursor stays far below 2^56 (it is a bucket index
 * of the shard's table), so nothing is lost in the shift.
 *
 * Context: the worker lcore that owns ctx->shard.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_int.h"

bool cmd_cursor_parse(const struct resp_arg *a, uint64_t *out)
{
	/* parseScanCursorOrReply(): strtoul, so "-1" wraps and "+5" passes */
	char buf[64];
	if (a->len >= sizeof(buf) || (a->len > 0 && isspace(a->ptr[0])))
		return false;
	memcpy(buf, a->ptr, a->len);
	buf[a->len] = '\0';
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return false;
	*out = v;
	return true;
}

uint32_t cmd_scan_worker(const struct resp_arg *argv, uint32_t argc, uint32_t n_workers)
{
	uint64_t c;
	if (argc < 2 || !cmd_cursor_parse(&argv[1], &c))
		return UINT32_MAX;
	uint32_t w = (uint32_t)(c & CMD_SCAN_WORKER_MASK);
	return w < n_workers ? w : UINT32_MAX;
}

struct scan_args {
	int64_t count;
	const struct resp_arg *pat;  /* NULL: every key */
	const struct resp_arg *type; /* NULL: every type */
};

/* The options after the cursor. @return false after replying an error. */
static bool scan_options(struct cmd_ctx *ctx, struct scan_args *sa)
{
	*sa = (struct scan_args){.count = 10};
	for (uint32_t i = 2; i < ctx->argc;) {
		uint32_t left = ctx->argc - i;
		const struct resp_arg *a = &ctx->argv[i];
		if (cmd_arg_is(a, "count") && left >= 2) {
			if (!cmd_arg_i64(ctx, &ctx->argv[i + 1], &sa->count))
				return false;
			if (sa->count < 1) {
				resp_w_error(ctx->out, CMD_ERR_SYNTAX);
				return false;
			}
		} else if (cmd_arg_is(a, "match") && left >= 2) {
			const struct resp_arg *p = &ctx->argv[i + 1];
			sa->pat = p->len == 1 && p->ptr[0] == '*' ? NULL : p;
		} else if (cmd_arg_is(a, "type") && left >= 2) {
			sa->type = &ctx->argv[i + 1];
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return false;
		}
		i += 2;
	}
	return true;
}

struct scan_walk {
	const struct scan_args *sa;
	struct rw_buf keys;
	int64_t n, visited;
};

static const char *type_name(const struct store_obj *o)
{
	switch (o->type) {
	case STORE_TYPE_STRING:
		return "string";
	case STORE_TYPE_LIST:
		return "list";
	case STORE_TYPE_SET:
		return "set";
	case STORE_TYPE_ZSET:
		return "zset";
	case STORE_TYPE_HASH:
		return "hash";
	default:
		return "stream";
	}
}

static void scan_one(void *arg, const uint8_t *key, size_t klen, const struct store_obj *o)
{
	struct scan_walk *sw = arg;
	const struct scan_args *sa = sw->sa;
	sw->visited++;
	if (sa->pat != NULL && !cmd_glob_match(sa->pat->ptr, sa->pat->len, key, klen, false))
		return;
	if (sa->type != NULL) {
		const char *t = type_name(o);
		if (sa->type->len != strlen(t) ||
		    strncasecmp((const char *)sa->type->ptr, t, sa->type->len) != 0)
			return;
	}
	resp_w_bulk(&sw->keys, key, klen);
	sw->n++;
}

void cmd_scan(struct cmd_ctx *ctx)
{
	uint64_t c;
	struct scan_args sa;
	if (!cmd_cursor_parse(&ctx->argv[1], &c)) {
		resp_w_error(ctx->out, "ERR invalid cursor");
		return;
	}
	if (!scan_options(ctx, &sa))
		return;
	uint32_t me = store_shard_id(ctx->shard);
	uint32_t n_workers = ctx->env != NULL && ctx->env->n_workers > 0 ? ctx->env->n_workers : 1;
	uint64_t next = 0;
	struct scan_walk sw = {.sa = &sa};
	if ((c & CMD_SCAN_WORKER_MASK) == me) {
		/* dictScan() until COUNT keys were looked at or 10*COUNT steps */
		uint64_t cursor = c >> CMD_SCAN_WORKER_BITS;
		int64_t steps = sa.count * 10;
		do
			cursor = store_db_scan(ctx->shard, ctx->client->db, cursor, ctx->now_ms,
					       scan_one, &sw);
		while (cursor != 0 && sw.visited < sa.count && --steps > 0);
		if (cursor != 0)
			next = cursor << CMD_SCAN_WORKER_BITS | me;
		else if (me + 1 < n_workers)
			next = me + 1;
	} /* a cursor naming no worker ends the walk, as a stale cursor may */
	char buf[24];
	int len = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)next);
	resp_w_array(ctx->out, 2);
	resp_w_bulk(ctx->out, buf, (size_t)len);
	resp_w_array(ctx->out, sw.n);
	rw_buf_append(ctx->out, sw.keys.data, sw.keys.len);
	rw_buf_fini(&sw.keys);
}
