/*
 * DEBUG (HELP, SLEEP, OBJECT, DIGEST, DIGEST-VALUE,
 * QUICKLIST-PACKED-THRESHOLD) and MEMORY (USAGE,
 * HELP), as debug.c and object.c of redis-server 7.0.15 answer them with
 * enable-debug-command yes (Redwire has no such switch yet; the
 * differential test starts stock with it).
 *
 * DIGESTS. Redis's dataset digest (debug.c computeDatasetDigest()) is
 * built from SHA1 with two operations on a 20-byte state:
 *     xor(d, p)  d ^= SHA1(p)
 *     mix(d, p)  d = SHA1(d ^ SHA1(p))
 * A key's digest starts at zero: mix(key), mix(htonl(type)), mix(value
 * string), then xor("!!expire!!") if it has an expiry (the time itself is
 * left out). The keys of a DB are XORed together (order-free), and DBs are
 * chained in ascending order with mix(htonl(db)) (order matters): see
 * cmd_digest_db()/cmd_digest_mix_db() in cmd.h for the per-shard split.
 * DIGEST-VALUE is the same key digest without mix(key).
 *
 * MEMORY USAGE follows objectComputeSize() for strings on a jemalloc
 * build, so the figures equal stock's for the same key and value:
 *     key:   jemalloc class of (sds header + len + 1), header 1 byte below
 *            32 bytes (sds5), 3 below 256, 5 below 64K, 9 beyond
 *   + value: int 16 (the robj); embstr class of (16 + 3 + len + 1);
 *            raw 16 + class of (sds header + len + 1), exact length
 *            (Redis counts the sds's spare room after APPEND; Redwire
 *            does not)
 *   + 24 (the dictEntry).
 * It is what Redis would use, not Redwire's own footprint.
 *
 * DEBUG OBJECT's serializedlength is the RDB length of the value without
 * LZF (Redis compresses strings over 20 bytes: longer values differ).
 *
 * Context: a worker lcore. DEBUG SLEEP blocks the worker, as it blocks
 * Redis.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_int.h"
#include "store.h"
#include "store_list.h"
#include "store_zset.h"

/* ---- SHA1 (FIPS 180-4), small and unoptimised: DEBUG only ---- */

struct sha1 {
	uint32_t h[5];
	uint64_t n;
	uint8_t buf[64];
};

static uint32_t rol(uint32_t v, int s)
{
	return (v << s) | (v >> (32 - s));
}

static void sha1_block(struct sha1 *c, const uint8_t *p)
{
	uint32_t w[80], a = c->h[0], b = c->h[1], d = c->h[2], e = c->h[3], f = c->h[4];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t k, fn;
		if (i < 20) {
			fn = (b & d) | (~b & e);
			k = 0x5a827999;
		} else if (i < 40) {
			fn = b ^ d ^ e;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			fn = (b & d) | (b & e) | (d & e);
			k = 0x8f1bbcdc;
		} else {
			fn = b ^ d ^ e;
			k = 0xca62c1d6;
		}
		uint32_t t = rol(a, 5) + fn + f + k + w[i];
		f = e;
		e = d;
		d = rol(b, 30);
		b = a;
		a = t;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += d;
	c->h[3] += e;
	c->h[4] += f;
}

static void sha1_init(struct sha1 *c)
{
	*c = (struct sha1){{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}, 0, {0}};
}

static void sha1_update(struct sha1 *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		size_t off = c->n % 64, take = 64 - off < len ? 64 - off : len;
		memcpy(c->buf + off, p, take);
		c->n += take;
		p += take;
		len -= take;
		if (c->n % 64 == 0)
			sha1_block(c, c->buf);
	}
}

static void sha1_final(struct sha1 *c, uint8_t out[20])
{
	uint64_t bits = c->n * 8;
	uint8_t pad = 0x80, zero = 0, len[8];
	sha1_update(c, &pad, 1);
	while (c->n % 64 != 56)
		sha1_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_update(c, len, 8);
	for (int i = 0; i < 20; i++)
		out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* ---- Redis's digest operations ---- */

void cmd_digest_xor(uint8_t d[20], const void *p, size_t n)
{
	struct sha1 c;
	uint8_t h[20];
	sha1_init(&c);
	sha1_update(&c, p, n);
	sha1_final(&c, h);
	for (int i = 0; i < 20; i++)
		d[i] ^= h[i];
}

void cmd_digest_mix(uint8_t d[20], const void *p, size_t n)
{
	struct sha1 c;
	cmd_digest_xor(d, p, n);
	sha1_init(&c);
	sha1_update(&c, d, 20);
	sha1_final(&c, d);
}

/* xorObjectDigest(): the type, then the value by its type's rule. */
static void object_digest(uint8_t d[20], const struct store_obj *o, int64_t expire_at)
{
	uint32_t type = htonl(o->type);
	cmd_digest_mix(d, &type, sizeof(type));
	if (o->type == STORE_TYPE_HASH) {
		cmd_hash_digest(d, o);
	} else if (o->type == STORE_TYPE_SET) {
		cmd_set_digest(d, o);
	} else if (o->type == STORE_TYPE_LIST) {
		cmd_digest_list(d, o);
	} else if (o->type == STORE_TYPE_ZSET) {
		cmd_digest_zset(d, o);
	} else {
		char ibuf[21];
		const uint8_t *p;
		size_t n = store_obj_str(o, ibuf, &p);
		cmd_digest_mix(d, p, n);
	}
	if (expire_at != STORE_NO_EXPIRE)
		cmd_digest_xor(d, "!!expire!!", 10);
}

struct digest_acc {
	uint8_t x[20];
	bool any;
};

static void digest_visit(void *arg, const void *key, size_t klen, const struct store_obj *o,
			 int64_t expire_at)
{
	struct digest_acc *a = arg;
	uint8_t d[20] = {0};
	cmd_digest_mix(d, key, klen);
	object_digest(d, o, expire_at);
	cmd_digest_xor(a->x, d, 20);
	a->any = true;
}

/* Without the dispatcher's iterator: walk the shard's DB with the store's
 * SCAN (now 0: logically expired keys count, as Redis's dict walk does). */
static void scan_visit(void *arg, const uint8_t *key, size_t klen, const struct store_obj *o)
{
	digest_visit(arg, key, klen, o, store_obj_expire(o));
}

bool cmd_digest_db(struct store_shard *shard, const struct cmd_env *env, uint32_t db, uint8_t x[20])
{
	struct digest_acc a = {{0}, false};
	if (store_db_size(shard, db) != 0) {
		if (env != NULL && env->db_foreach != NULL) {
			env->db_foreach(shard, db, digest_visit, &a);
		} else {
			uint64_t cursor = 0;
			do
				cursor = store_db_scan(shard, db, cursor, 0, scan_visit, &a);
			while (cursor != 0);
		}
	}
	memcpy(x, a.x, 20);
	return a.any;
}

void cmd_digest_mix_db(uint8_t final[20], uint32_t db, const uint8_t x[20])
{
	uint32_t aux = htonl(db);
	cmd_digest_mix(final, &aux, sizeof(aux));
	for (int i = 0; i < 20; i++)
		final[i] ^= x[i];
}

static void reply_hex(struct cmd_ctx *ctx, const uint8_t d[20])
{
	char hex[41];
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	resp_w_simple(ctx->out, hex);
}

/* ---- DEBUG ---- */

static const char *const debug_help[] = {
#include "cmd_debug_help.inc"
};

/* rdbSaveLen() */
size_t cmd_rdb_len_size(uint64_t n)
{
	return n < 64 ? 1 : n < 16384 ? 2 : n <= UINT32_MAX ? 5 : 9;
}

/* rdbSaveRawString() of @p p / @p n, LZF aside (see the top of the file). */
size_t cmd_rdb_bytes_len(const uint8_t *p, size_t n)
{
	int64_t v;
	if (n <= 11 && resp_str_to_i64(p, n, &v)) {
		if (v >= -128 && v <= 127)
			return 2;
		if (v >= -32768 && v <= 32767)
			return 3;
		if (v >= INT32_MIN && v <= INT32_MAX)
			return 5;
	}
	return cmd_rdb_len_size(n) + n;
}

/* rdbSavedObjectLen(), LZF aside. */
static size_t rdb_obj_len(const struct store_obj *o)
{
	if (o->type == STORE_TYPE_HASH)
		return cmd_hash_rdb_len(o);
	if (o->type == STORE_TYPE_SET)
		return cmd_set_rdb_len(o);
	char ibuf[21];
	const uint8_t *p;
	size_t n = store_obj_str(o, ibuf, &p);
	return cmd_rdb_bytes_len(p, n);
}

static void debug_object(struct cmd_ctx *ctx)
{
	const struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[2], STORE_LOOKUP_NOTOUCH);
	if (o == NULL) {
		resp_w_error(ctx->out, "ERR no such key");
		return;
	}
	uint64_t idle = store_obj_idle_s(o, ctx->now_ms);
	uint32_t lru = (uint32_t)((ctx->now_ms / 1000 - idle) & STORE_LRU_MAX);
	int refcount = o->enc == STORE_ENC_INT && o->v.i >= 0 && o->v.i < 10000 ? 2147483647 : 1;
	char line[256];
	snprintf(line, sizeof(line),
		 "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%u "
		 "lru_seconds_idle:%llu",
		 (const void *)o, refcount, store_obj_enc_name(o), rdb_obj_len(o), lru,
		 (unsigned long long)idle);
	resp_w_simple(ctx->out, line);
}

static void debug_digest(struct cmd_ctx *ctx)
{
	/* this shard's keys: with several workers the dispatcher runs the
	 * per-DB parts on every one and mixes them (dataplane/core/dp_digest.h) */
	uint8_t final[20] = {0}, x[20];
	uint32_t n = store_shard_databases(ctx->shard);
	for (uint32_t db = 0; db < n; db++)
		if (cmd_digest_db(ctx->shard, ctx->env, db, x))
			cmd_digest_mix_db(final, db, x);
	reply_hex(ctx, final);
}

static void debug_digest_value(struct cmd_ctx *ctx)
{
	resp_w_array(ctx->out, ctx->argc - 2);
	for (uint32_t j = 2; j < ctx->argc; j++) {
		uint8_t d[20] = {0};
		const struct store_obj *o =
		    cmd_lookup_key(ctx, &ctx->argv[j], STORE_LOOKUP_NOTOUCH);
		if (o != NULL)
			object_digest(d, o, store_obj_expire(o));
		reply_hex(ctx, d);
	}
}

static void debug_sleep(struct cmd_ctx *ctx)
{
	char buf[64];
	size_t n = ctx->argv[2].len < sizeof(buf) - 1 ? ctx->argv[2].len : sizeof(buf) - 1;
	memcpy(buf, ctx->argv[2].ptr, n);
	buf[n] = '\0';
	double s = strtod(buf, NULL); /* as Redis: garbage sleeps 0 */
	long long us = (long long)(s * 1000000);
	if (us > 0) {
		struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	resp_w_simple(ctx->out, "OK");
}

/* DEBUG QUICKLIST-PACKED-THRESHOLD: memtoull() of the argument ("" is 0,
 * the default again), process-wide as in Redis. */
static void debug_packed_threshold(struct cmd_ctx *ctx)
{
	const struct resp_arg *a = &ctx->argv[2];
	uint64_t n = 0;
	if ((a->len > 0 && !cmd_memtoull(a->ptr, a->len, &n)) ||
	    !store_list_set_packed_threshold(n))
		resp_w_error(
		    ctx->out,
		    "ERR argument must be a memory value bigger than 1 and smaller than 4gb");
	else
		resp_w_simple(ctx->out, "OK");
}

static void subcmd_syntax_error(struct cmd_ctx *ctx)
{
	const struct resp_arg *s = &ctx->argv[1];
	resp_w_errorf(ctx->out,
		      "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s "
		      "HELP.",
		      (int)(s->len > 128 ? 128 : s->len), (const char *)s->ptr, "DEBUG");
}

void cmd_debug(struct cmd_ctx *ctx)
{
	const struct resp_arg *s = &ctx->argv[1];
	if (cmd_arg_is(s, "help") && ctx->argc == 2)
		cmd_reply_help(ctx, debug_help, sizeof(debug_help) / sizeof(debug_help[0]));
	else if (cmd_arg_is(s, "sleep") && ctx->argc == 3)
		debug_sleep(ctx);
	else if (cmd_arg_is(s, "object") && ctx->argc == 3)
		debug_object(ctx);
	else if (cmd_arg_is(s, "digest") && ctx->argc == 2)
		debug_digest(ctx);
	else if (cmd_arg_is(s, "digest-value"))
		debug_digest_value(ctx);
	else if (cmd_arg_is(s, "quicklist-packed-threshold") && ctx->argc == 3)
		debug_packed_threshold(ctx);
	else
		subcmd_syntax_error(ctx);
}

/* ---- MEMORY ---- */

static const char *const memory_help[] = {
#include "cmd_memory_help.inc"
};

/* jemalloc's size class of a small allocation (quantum 16, four classes
 * per doubling above 128). */
uint64_t cmd_je_class(uint64_t n)
{
	return store_je_class(n);
}

uint64_t cmd_sds_alloc(uint64_t len, bool allow5)
{
	uint64_t hdr = len < 32 && allow5 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9;
	return cmd_je_class(hdr + len + 1);
}

static void memory_usage(struct cmd_ctx *ctx)
{
	int64_t samples = 5; /* MEMORY_USAGE_DEFAULT_SAMPLES (0: every element) */
	for (uint32_t j = 3; j < ctx->argc; j++) {
		if (cmd_arg_is(&ctx->argv[j], "samples") && j + 1 < ctx->argc) {
			if (!cmd_arg_i64(ctx, &ctx->argv[j + 1], &samples))
				return;
			if (samples < 0) {
				resp_w_error(ctx->out, CMD_ERR_SYNTAX);
				return;
			}
			j++;
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return;
		}
	}
	const struct resp_arg *key = &ctx->argv[2];
	const struct store_obj *o =
	    cmd_lookup_key(ctx, key, STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS);
	if (o == NULL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	uint64_t v;
	if (o->type == STORE_TYPE_HASH)
		v = cmd_hash_mem_usage(o, (uint64_t)samples);
	else if (o->type == STORE_TYPE_SET)
		v = cmd_set_mem_usage(o, (uint64_t)samples);
	else if (o->type == STORE_TYPE_LIST)
		v = cmd_list_mem_usage(o, (uint64_t)samples);
	else if (o->type == STORE_TYPE_ZSET)
		v = 16 + store_zset_bytes(o->v.coll);
	else if (o->enc == STORE_ENC_INT)
		v = 16;
	else if (o->enc == STORE_ENC_EMBSTR)
		v = cmd_je_class(16 + 3 + (uint64_t)o->len + 1);
	else /* its sds as stock's APPEND/SETRANGE... left it */
		v = 16 + store_raw_sds_bytes(o);
	resp_w_int(ctx->out, (int64_t)(cmd_sds_alloc(key->len, true) + v + 24));
}

void cmd_memory(struct cmd_ctx *ctx)
{
	const struct cmd_def *sub =
	    cmd_subcmd_resolve(ctx, cmd_lookup((const uint8_t *)"memory", 6));
	if (sub == NULL)
		return;
	if (strcmp(sub->name, "memory|usage") == 0)
		memory_usage(ctx);
	else if (strcmp(sub->name, "memory|help") != 0)
		cmd_memory_report(ctx, sub->name);
	else
		cmd_reply_help(ctx, memory_help, sizeof(memory_help) / sizeof(memory_help[0]));
}
