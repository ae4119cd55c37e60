/* DEBUG DIGEST across workers (see dp_digest.h). */
#include "dp_digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store.h"

struct foreach_ctx {
	cmd_key_visit_fn *visit;
	void *arg;
};

static void foreach_one(void *arg, const uint8_t *key, size_t klen, const struct store_obj *o)
{
	struct foreach_ctx *c = arg;
	c->visit(c->arg, key, klen, o, store_obj_expire(o));
}

void dp_db_foreach(struct store_shard *shard, uint32_t db, cmd_key_visit_fn *visit, void *arg)
{
	struct foreach_ctx c = {visit, arg};
	uint64_t cursor = 0;
	do /* now 0: keys past their expiry are visited too, as Redis's digest does */
		cursor = store_db_scan(shard, db, cursor, 0, foreach_one, &c);
	while (cursor != 0);
}

/* The keyed DEBUG runs and is recorded as the table's DEBUG (INFO
 * commandstats, LATENCY count the command by its entry). */
static void debug_keyed(struct cmd_ctx *ctx)
{
	const struct cmd_def *real = cmd_lookup((const uint8_t *)"debug", 5);
	ctx->client->last_cmd = real;
	real->fn(ctx);
}

static const struct cmd_def debug_keyed_def = {
    .name = "debug",
    .arity = -2,
    .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_KEYS_MERGE,
    .first_key = 2,
    .last_key = -1,
    .key_step = 1,
    .fn = debug_keyed,
    .acl_categories = "@admin @slow @dangerous",
    .group = "server",
};

const struct cmd_def *dp_debug_route_def(const struct cmd_def *d, const struct resp_arg *argv,
					 uint32_t argc)
{
	if (argc < 3 || d->name[0] != 'd' || strcmp(d->name, "debug") != 0)
		return d;
	if ((argc == 3 && argv[1].len == 6 &&
	     strncasecmp((const char *)argv[1].ptr, "object", 6) == 0) ||
	    (argv[1].len == 12 && strncasecmp((const char *)argv[1].ptr, "digest-value", 12) == 0))
		return &debug_keyed_def;
	return d;
}

const struct cmd_def *dp_debug_table_def(const struct cmd_def *d)
{
	return d == &debug_keyed_def ? cmd_lookup((const uint8_t *)"debug", 5) : d;
}

bool dp_digest_is(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc)
{
	return argc == 2 && strcmp(d->name, "debug") == 0 && argv[1].len == 6 &&
	       strncasecmp((const char *)argv[1].ptr, "digest", 6) == 0;
}

/* This shard's {db, X(db)} pairs for every DB holding keys here. */
static void digest_part(struct cmd_ctx *ctx)
{
	uint32_t n = store_shard_databases(ctx->shard), k = 0;
	uint8_t(*x)[20] = calloc(n, 20);
	bool *has = calloc(n, sizeof(*has));
	if (x == NULL || has == NULL) {
		resp_w_error(ctx->out, "ERR out of memory");
		goto out;
	}
	for (uint32_t db = 0; db < n; db++) {
		has[db] = cmd_digest_db(ctx->shard, ctx->env, db, x[db]);
		k += has[db];
	}
	resp_w_array(ctx->out, 2 * (int64_t)k);
	for (uint32_t db = 0; db < n; db++) {
		if (!has[db])
			continue;
		resp_w_int(ctx->out, db);
		resp_w_bulk(ctx->out, x[db], 20);
	}
out:
	free(x);
	free(has);
}

const struct cmd_def dp_digest_part_def = {
    .name = "debug",
    .arity = -2,
    .flags = CMD_READONLY | CMD_ADMIN | CMD_LOADING | CMD_STALE,
    .fn = digest_part,
    .acl_categories = "@admin @slow @dangerous",
    .group = "server",
};

/* One RESP line at p: @return its length (with CRLF), 0 if none. */
static size_t line_len(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	return nl != NULL ? (size_t)(nl - p) + 1 : 0;
}

void dp_digest_finish(struct rw_buf *buf)
{
	enum { MAX_DBS = 4096 };
	uint8_t(*x)[20] = calloc(MAX_DBS, 20), final[20] = {0};
	bool *has = calloc(MAX_DBS, sizeof(*has));
	const uint8_t *p = buf->data, *end = buf->data + buf->len;
	size_t l = buf->len > 0 && p[0] == '*' ? line_len(p, end) : 0;
	bool ok = x != NULL && has != NULL && l != 0;
	for (p += l; ok && p < end;) {
		int64_t db;
		size_t a = line_len(p, end);
		ok = a > 3 && p[0] == ':' && resp_str_to_i64(p + 1, a - 3, &db) && db >= 0 &&
		     db < MAX_DBS && end - (p + a) >= 26 && memcmp(p + a, "$20\r\n", 5) == 0;
		if (!ok)
			break;
		for (int i = 0; i < 20; i++)
			x[db][i] ^= p[a + 5 + i];
		has[db] = true;
		p += a + 27;
	}
	rw_buf_reset(buf);
	if (ok) {
		char hex[41];
		for (uint32_t db = 0; db < MAX_DBS; db++)
			if (has[db])
				cmd_digest_mix_db(final, db, x[db]);
		for (int i = 0; i < 20; i++)
			snprintf(hex + 2 * i, 3, "%02x", final[i]);
		resp_w_simple(buf, hex);
	} else {
		resp_w_error(buf, "ERR internal: malformed digest part from a worker");
	}
	free(x);
	free(has);
}
