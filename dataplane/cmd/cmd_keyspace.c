/*
 * Keyspace commands: DEL, UNLINK, EXISTS, TOUCH, DBSIZE, TYPE, OBJECT.
 *
 * A handler sees only the keys of its own shard: the dispatcher splits a
 * multi-key DEL/UNLINK/EXISTS/TOUCH by owning shard (CMD_KEYS_SUM) and
 * runs DBSIZE on every shard (CMD_ALL_SHARDS_SUM), then sums the integer
 * replies. So each handler replies one integer for the part it was given.
 * UNLINK is DEL: values are freed at once (no lazy-free thread; freeing a
 * string is one free()).
 *
 * As Redis 7.0.15's db.c and object.c: EXISTS, TYPE and OBJECT do not touch
 * the key's LRU clock (LOOKUP_NOTOUCH), TOUCH does.
 *
 * Context: the worker lcore that owns ctx->shard.
 */
#include <string.h>

#include "cmd_int.h"

/* Redis's OBJ_SHARED_REFCOUNT and OBJ_SHARED_INTEGERS */
#define SHARED_REFCOUNT 2147483647
#define SHARED_INTEGERS 10000

void cmd_del(struct cmd_ctx *ctx)
{
	int64_t deleted = 0;
	for (uint32_t j = 1; j < ctx->argc; j++) {
		const struct resp_arg *k = &ctx->argv[j];
		if (store_delete(ctx->shard, ctx->client->db, k->ptr, k->len, ctx->now_ms))
			deleted++;
	}
	resp_w_int(ctx->out, deleted);
}

/* A key named twice counts twice, as in Redis. */
void cmd_exists(struct cmd_ctx *ctx)
{
	int64_t count = 0;
	for (uint32_t j = 1; j < ctx->argc; j++)
		count += cmd_lookup_key(ctx, &ctx->argv[j], STORE_LOOKUP_NOTOUCH) != NULL;
	resp_w_int(ctx->out, count);
}

void cmd_touch(struct cmd_ctx *ctx)
{
	int64_t count = 0;
	for (uint32_t j = 1; j < ctx->argc; j++)
		count += cmd_lookup_key(ctx, &ctx->argv[j], 0) != NULL;
	resp_w_int(ctx->out, count);
}

/* randomkeyCommand(): a key of this worker's shard (the dispatcher chose
 * the worker, weighted by how many keys each holds), or nil. */
void cmd_randomkey(struct cmd_ctx *ctx)
{
	size_t n;
	const uint8_t *k = store_db_random_key(ctx->shard, ctx->client->db, ctx->now_ms, &n);
	if (k == NULL)
		resp_w_null(ctx->out, cmd_proto(ctx));
	else
		resp_w_bulk(ctx->out, k, n);
}

void cmd_dbsize(struct cmd_ctx *ctx)
{
	resp_w_int(ctx->out, (int64_t)store_db_size(ctx->shard, ctx->client->db));
}

void cmd_type(struct cmd_ctx *ctx)
{
	static const char *const names[] = {
	    [STORE_TYPE_STRING] = "string", [STORE_TYPE_LIST] = "list",
	    [STORE_TYPE_SET] = "set",	    [STORE_TYPE_ZSET] = "zset",
	    [STORE_TYPE_HASH] = "hash",	    [STORE_TYPE_STREAM] = "stream",
	};
	struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], STORE_LOOKUP_NOTOUCH);
	const char *t = "none";
	if (o != NULL)
		t = o->type < sizeof(names) / sizeof(names[0]) && names[o->type] ? names[o->type]
										 : "unknown";
	resp_w_simple(ctx->out, t);
}

/* ---- OBJECT ---- */

static const char *const object_help[] = {
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
};

/*
 * What REFCOUNT reports: small non-negative integers are Redis's shared
 * objects (any maxmemory policy Redwire has keeps sharing on); every other
 * value has one reference once the command that made it is done.
 */
static int64_t obj_refcount(const struct store_obj *o)
{
	if (o->enc == STORE_ENC_INT && o->v.i >= 0 && o->v.i < SHARED_INTEGERS)
		return SHARED_REFCOUNT;
	return 1;
}

void cmd_object(struct cmd_ctx *ctx)
{
	const struct cmd_def *sub =
	    cmd_subcmd_resolve(ctx, cmd_lookup((const uint8_t *)"object", 6));
	if (sub == NULL)
		return;
	const char *s = sub->name + strlen("object|");
	if (strcmp(s, "help") == 0) {
		cmd_reply_help(ctx, object_help, sizeof(object_help) / sizeof(object_help[0]));
		return;
	}
	struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[2], STORE_LOOKUP_NOTOUCH);
	if (o == NULL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	if (strcmp(s, "encoding") == 0) {
		resp_w_bulk_cstr(ctx->out, store_obj_enc_name(o));
		return;
	} else if (strcmp(s, "refcount") == 0) {
		resp_w_int(ctx->out, obj_refcount(o));
		return;
	}
	struct store_evict_cfg ec;
	cmd_evict_cfg(ctx->env, &ec);
	bool lfu = store_evict_policy_lfu(ec.policy);
	store_shard_evict_cfg_set(ctx->shard, &ec); /* FREQ decays with lfu-decay-time now */
	if (strcmp(s, "idletime") == 0) {
		if (lfu)
			resp_w_error(ctx->out,
				     "ERR An LFU maxmemory policy is selected, idle time "
				     "not tracked. Please note that when switching between "
				     "policies at runtime LRU and LFU data will take some "
				     "time to adjust.");
		else
			resp_w_int(ctx->out, (int64_t)store_obj_idle_s(o, ctx->now_ms));
	} else if (strcmp(s, "freq") == 0) {
		if (lfu)
			resp_w_int(ctx->out, store_obj_freq(ctx->shard, o, ctx->now_ms));
		else
			resp_w_error(
			    ctx->out,
			    "ERR An LFU maxmemory policy is not selected, access frequency "
			    "not tracked. Please note that when switching between policies "
			    "at runtime LRU and LFU data will take some time to adjust.");
	}
}
