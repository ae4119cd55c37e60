/*
 * DUMP and RESTORE, as Redis 7.0.15's cluster.c: the payload is one RDB
 * value (type byte + value, cmd_rdb.c) followed by the 2-byte RDB version
 * and the CRC64 of everything before it, both little-endian
 * (createDumpPayload / verifyDumpPayload), so a payload DUMPed by stock
 * Redis restores here and the other way round.
 *
 * RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f] checks
 * in Redis's order: options, BUSYKEY, TTL, version and checksum, then the
 * whole value is decoded before the keyspace changes (a bad payload leaves
 * the key as it was). One write (store_write_begin .. commit) covers the
 * busy check, the replacement, the expiry and the LRU/LFU setting.
 *
 * The journal gets a relative TTL as the absolute one (RESTORE key <ms>
 * payload ... ABSTTL) and an already expired one as DEL, as Redis 7.0
 * propagates them, so a replay later does not extend the TTL.
 *
 * Context: the worker lcore that owns the key's shard.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_int.h"
#include "cmd_rdb.h"

#define ERR_BUSYKEY	"BUSYKEY Target key name already exists."
#define ERR_BAD_PAYLOAD "ERR DUMP payload version or checksum are wrong"
#define ERR_BAD_DATA	"ERR Bad data format"

void cmd_dump(struct cmd_ctx *ctx)
{
	const struct resp_arg *key = &ctx->argv[1];
	struct store_obj *o =
	    store_lookup_read(ctx->shard, ctx->client->db, key->ptr, key->len, ctx->now_ms);
	if (o == NULL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	struct rdb_buf payload = {0};
	struct rdb_out *out = malloc(sizeof(*out)); /* 16 KiB: not on a worker's stack */
	int rc = -ENOMEM;
	if (out != NULL) {
		rdb_out_init(out, rdb_buf_sink, &payload);
		rc =
		    cmd_rdb_save(out, o, cmd_cfg_rdbcompression(ctx->env)) /* as rdbSaveObject() */;
		rdb_w_dump_footer(out);
		rc = rc != 0 ? rc : rdb_out_flush(out);
		free(out);
	}
	if (rc == 0)
		resp_w_bulk(ctx->out, payload.p, payload.len);
	else if (rc == -ENOTSUP)
		resp_w_error(ctx->out, "ERR DUMP of this value type is not supported yet");
	else
		resp_w_error(ctx->out, CMD_ERR_OOM);
	rdb_buf_free(&payload);
}

struct restore_opts {
	bool replace, absttl;
	int64_t idle_s; /* -1: not given */
	int64_t freq;	/* -1: not given */
};

/* restoreCommand()'s option loop: IDLETIME and FREQ exclude each other
 * (the second one is a syntax error), each takes one argument. */
static bool restore_opts(struct cmd_ctx *ctx, struct restore_opts *r)
{
	*r = (struct restore_opts){.idle_s = -1, .freq = -1};
	for (uint32_t j = 4; j < ctx->argc; j++) {
		const struct resp_arg *a = &ctx->argv[j];
		bool more = j + 1 < ctx->argc;
		if (cmd_arg_is(a, "replace")) {
			r->replace = true;
		} else if (cmd_arg_is(a, "absttl")) {
			r->absttl = true;
		} else if (cmd_arg_is(a, "idletime") && more && r->freq == -1) {
			if (!cmd_arg_i64(ctx, &ctx->argv[++j], &r->idle_s))
				return false;
			if (r->idle_s < 0) {
				resp_w_error(ctx->out, "ERR Invalid IDLETIME value, must be >= 0");
				return false;
			}
		} else if (cmd_arg_is(a, "freq") && more && r->idle_s == -1) {
			if (!cmd_arg_i64(ctx, &ctx->argv[++j], &r->freq))
				return false;
			if (r->freq < 0 || r->freq > 255) {
				resp_w_error(ctx->out,
					     "ERR Invalid FREQ value, must be >= 0 and <= 255");
				return false;
			}
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return false;
		}
	}
	return true;
}

/* TTL, payload check and decoding, before anything changes. @return false
 * after replying the error. */
static bool restore_decode(struct cmd_ctx *ctx, int64_t *ttl, struct cmd_rdb_val *v)
{
	if (!cmd_arg_i64(ctx, &ctx->argv[2], ttl))
		return false;
	if (*ttl < 0) {
		resp_w_error(ctx->out, "ERR Invalid TTL value, must be >= 0");
		return false;
	}
	const struct resp_arg *p = &ctx->argv[3];
	if (!rdb_dump_verify(p->ptr, p->len)) {
		resp_w_error(ctx->out, ERR_BAD_PAYLOAD);
		return false;
	}
	/* as Redis, the value is read from the whole payload, footer included */
	struct rdb_in in;
	uint8_t type;
	struct cmd_rdb_limits lim;
	cmd_rdb_limits_get(ctx->env, &lim);
	rdb_in_init_mem(&in, p->ptr, p->len);
	if (rdb_r_u8(&in, &type) != 0 || !rdb_type_is_object(type) ||
	    cmd_rdb_load_lim(&in, type, &lim, v) != 0) {
		resp_w_error(ctx->out, ERR_BAD_DATA);
		return false;
	}
	return true;
}

/* restoreCommand(): the TTL argument replaced by the absolute time and
 * ABSTTL appended, every other argument as it came. */
static void propagate_absttl(struct cmd_ctx *ctx, int64_t at_ms)
{
	char num[24];
	if (ctx->propagate == NULL)
		return;
	int n = snprintf(num, sizeof(num), "%" PRId64, at_ms);
	rw_buf_reset(ctx->propagate);
	resp_w_array(ctx->propagate, (int64_t)ctx->argc + 1);
	for (uint32_t i = 0; i < ctx->argc; i++) {
		if (i == 2)
			resp_w_bulk(ctx->propagate, num, (size_t)n);
		else
			resp_w_bulk(ctx->propagate, ctx->argv[i].ptr, ctx->argv[i].len);
	}
	resp_w_bulk_cstr(ctx->propagate, "ABSTTL");
}

void cmd_restore(struct cmd_ctx *ctx)
{
	struct restore_opts r;
	if (!restore_opts(ctx, &r))
		return;
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[1], &w);
	if (!r.replace && w.obj != NULL) {
		store_write_commit(&w, 0, NULL);
		resp_w_error(ctx->out, ERR_BUSYKEY);
		return;
	}
	int64_t ttl;
	struct cmd_rdb_val v;
	if (!restore_decode(ctx, &ttl, &v)) {
		store_write_commit(&w, 0, NULL);
		return;
	}
	bool deleted = w.obj != NULL;
	if (deleted)
		store_wr_delete(&w);
	if (ttl != 0 && !r.absttl) /* wraps as Redis's ttl += mstime() would */
		ttl = (int64_t)((uint64_t)ttl + ctx->now_ms);
	if (ttl != 0 && ttl <= (int64_t)ctx->now_ms) {
		/* checkAlreadyExpired(): nothing is created; a replaced key is
		 * gone, which Redis propagates as a DEL */
		cmd_rdb_val_free(&v);
		store_write_commit(&w, deleted, "del");
		cmd_propagate_del(ctx, &ctx->argv[1]);
		resp_w_simple(ctx->out, "OK");
		return;
	}
	int rc = cmd_rdb_val_apply(&w, &v);
	if (rc == 0 && ttl != 0)
		rc = store_wr_set_expire(&w, ttl);
	if (rc != 0) {
		if (w.obj != NULL)
			store_wr_delete(&w);
		store_write_commit(&w, deleted, "del");
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	store_wr_set_lru(&w, r.freq, r.idle_s);
	store_write_commit(&w, 1, "restore");
	if (ttl != 0 && !r.absttl)
		propagate_absttl(ctx, ttl);
	resp_w_simple(ctx->out, "OK");
}
