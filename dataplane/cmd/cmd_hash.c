/*
 * Hash commands (issue #5 item 2), as t_hash.c of Redis 7.0.15 answers
 * them: HSET HSETNX HMSET HGET HMGET HDEL HEXISTS HLEN HSTRLEN HKEYS HVALS
 * HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
 *
 * Values live in dataplane/store/store_hash.c (listpack or hashtable
 * encoding, converted once at hash-max-listpack-entries / -value). Every
 * change is one store write; a command that empties a hash deletes the key.
 * Dirty counts follow Redis (server.dirty), so the journal sees exactly the
 * writes Redis would propagate.
 *
 * Context: the worker that owns the key; never blocks.
 */
#include <math.h>
#include <stdlib.h>

#include "cmd_hsutil.h"
#include "store_hash.h"
#include "store_strtab.h"

static void limits(const struct cmd_ctx *ctx, struct store_hash_limits *lim)
{
	cmd_cfg_hash_limits(ctx->env, lim);
}

/* hashTypeLookupWriteOrCreate(): the hash at @p key, created empty if absent.
 * @return NULL after replying (WRONGTYPE or OOM; the write is committed). */
static struct store_obj *write_or_create(struct cmd_ctx *ctx, struct store_wr *w)
{
	if (!cmd_hs_write_begin(ctx, &ctx->argv[1], STORE_TYPE_HASH, w))
		return NULL;
	if (w->obj != NULL)
		return w->obj;
	void *c = store_hash_create();
	if (c == NULL || store_wr_set_coll(w, STORE_TYPE_HASH, STORE_ENC_LISTPACK, c) != 0) {
		store_write_commit(w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return NULL;
	}
	return w->obj;
}

static void commit(struct store_wr *w, uint32_t changes, const char *event)
{
	cmd_hs_commit(w, w->obj != NULL ? store_hash_len(w->obj) : 1, changes, event);
}

/* HSET and HMSET: field value pairs from argv[2]. */
static void hset_generic(struct cmd_ctx *ctx, bool hmset)
{
	if ((ctx->argc % 2) == 1) {
		resp_w_errorf(ctx->out, "ERR wrong number of arguments for '%s' command",
			      hmset ? "hmset" : "hset");
		return;
	}
	struct store_hash_limits lim;
	limits(ctx, &lim);
	struct store_wr w;
	struct store_obj *o = write_or_create(ctx, &w);
	if (o == NULL)
		return;
	int64_t created = 0;
	uint32_t done = 0;
	for (uint32_t j = 2; j < ctx->argc; j += 2, done++) {
		const struct resp_arg *f = &ctx->argv[j], *v = &ctx->argv[j + 1];
		int rc = store_hash_set(w.obj, f->ptr, f->len, v->ptr, v->len, &lim);
		if (rc < 0)
			break;
		created += rc;
	}
	bool oom = done < (ctx->argc - 2) / 2;
	commit(&w, done, "hset");
	if (oom)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else if (hmset)
		resp_w_simple(ctx->out, "OK");
	else
		resp_w_int(ctx->out, created);
}

void cmd_hset(struct cmd_ctx *ctx)
{
	hset_generic(ctx, false);
}

void cmd_hmset(struct cmd_ctx *ctx)
{
	hset_generic(ctx, true);
}

void cmd_hsetnx(struct cmd_ctx *ctx)
{
	struct store_hash_limits lim;
	limits(ctx, &lim);
	struct store_wr w;
	struct store_obj *o = write_or_create(ctx, &w);
	if (o == NULL)
		return;
	const struct resp_arg *f = &ctx->argv[2], *v = &ctx->argv[3];
	const uint8_t *p;
	size_t n;
	if (store_hash_get(o, f->ptr, f->len, &p, &n)) {
		commit(&w, 0, NULL);
		resp_w_int(ctx->out, 0);
		return;
	}
	int rc = store_hash_set(o, f->ptr, f->len, v->ptr, v->len, &lim);
	commit(&w, rc > 0 ? 1 : 0, "hset");
	if (rc < 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, 1);
}

void cmd_hget(struct cmd_ctx *ctx)
{
	const struct store_obj *o;
	if (!cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_HASH, &o))
		return;
	const uint8_t *v;
	size_t n;
	if (o != NULL && store_hash_get(o, ctx->argv[2].ptr, ctx->argv[2].len, &v, &n))
		resp_w_bulk(ctx->out, v, n);
	else
		resp_w_null(ctx->out, cmd_proto(ctx));
}

void cmd_hmget(struct cmd_ctx *ctx)
{
	const struct store_obj *o;
	if (!cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_HASH, &o))
		return;
	resp_w_array(ctx->out, ctx->argc - 2);
	for (uint32_t j = 2; j < ctx->argc; j++) {
		const uint8_t *v;
		size_t n;
		if (o != NULL && store_hash_get(o, ctx->argv[j].ptr, ctx->argv[j].len, &v, &n))
			resp_w_bulk(ctx->out, v, n);
		else
			resp_w_null(ctx->out, cmd_proto(ctx));
	}
}

void cmd_hdel(struct cmd_ctx *ctx)
{
	struct store_wr w;
	if (!cmd_hs_write_begin(ctx, &ctx->argv[1], STORE_TYPE_HASH, &w))
		return;
	int64_t deleted = 0;
	for (uint32_t j = 2; w.obj != NULL && j < ctx->argc; j++) {
		deleted += store_hash_del(w.obj, ctx->argv[j].ptr, ctx->argv[j].len);
		if (store_hash_len(w.obj) == 0)
			break;
	}
	commit(&w, (uint32_t)deleted, "hdel");
	resp_w_int(ctx->out, deleted);
}

void cmd_hexists(struct cmd_ctx *ctx)
{
	const struct store_obj *o;
	if (!cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_HASH, &o))
		return;
	const uint8_t *v;
	size_t n;
	resp_w_int(ctx->out,
		   o != NULL && store_hash_get(o, ctx->argv[2].ptr, ctx->argv[2].len, &v, &n));
}

void cmd_hlen(struct cmd_ctx *ctx)
{
	const struct store_obj *o;
	if (cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_HASH, &o))
		resp_w_int(ctx->out, o != NULL ? (int64_t)store_hash_len(o) : 0);
}

void cmd_hstrlen(struct cmd_ctx *ctx)
{
	const struct store_obj *o;
	if (!cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_HASH, &o))
		return;
	const uint8_t *v;
	size_t n = 0;
	if (o == NULL || !store_hash_get(o, ctx->argv[2].ptr, ctx->argv[2].len, &v, &n))
		n = 0;
	resp_w_int(ctx->out, (int64_t)n);
}

enum { WANT_KEYS = 1, WANT_VALS = 2 };

/* genericHgetallCommand(): HKEYS, HVALS (arrays), HGETALL (a map). */
static void getall(struct cmd_ctx *ctx, int what)
{
	const struct store_obj *o;
	if (!cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_HASH, &o))
		return;
	int64_t n = o != NULL ? (int64_t)store_hash_len(o) : 0;
	if (what == (WANT_KEYS | WANT_VALS))
		resp_w_map(ctx->out, n, cmd_proto(ctx));
	else
		resp_w_array(ctx->out, n);
	if (o == NULL)
		return;
	struct store_hash_it it;
	const uint8_t *f, *v;
	size_t flen, vlen;
	store_hash_it_init(&it, o);
	while (store_hash_it_next(&it, &f, &flen, &v, &vlen)) {
		if (what & WANT_KEYS)
			resp_w_bulk(ctx->out, f, flen);
		if (what & WANT_VALS)
			resp_w_bulk(ctx->out, v, vlen);
	}
}

void cmd_hkeys(struct cmd_ctx *ctx)
{
	getall(ctx, WANT_KEYS);
}

void cmd_hvals(struct cmd_ctx *ctx)
{
	getall(ctx, WANT_VALS);
}

void cmd_hgetall(struct cmd_ctx *ctx)
{
	getall(ctx, WANT_KEYS | WANT_VALS);
}

/* Store the new value of a counter field and reply nothing; @return false
 * after replying OOM. */
static bool incr_store(struct cmd_ctx *ctx, struct store_wr *w, const char *buf, size_t n,
		       const char *event)
{
	struct store_hash_limits lim;
	limits(ctx, &lim);
	const struct resp_arg *f = &ctx->argv[2];
	int rc = store_hash_set(w->obj, f->ptr, f->len, buf, n, &lim);
	commit(w, rc >= 0 ? 1 : 0, event);
	if (rc < 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	return rc >= 0;
}

void cmd_hincrby(struct cmd_ctx *ctx)
{
	int64_t incr, value = 0;
	if (!cmd_arg_i64(ctx, &ctx->argv[3], &incr))
		return;
	struct store_wr w;
	struct store_obj *o = write_or_create(ctx, &w);
	if (o == NULL)
		return;
	const uint8_t *v;
	size_t n;
	if (store_hash_get(o, ctx->argv[2].ptr, ctx->argv[2].len, &v, &n) &&
	    !resp_str_to_i64(v, n, &value)) {
		commit(&w, 0, NULL);
		resp_w_error(ctx->out, "ERR hash value is not an integer");
		return;
	}
	if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
	    (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
		commit(&w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_OVERFLOW);
		return;
	}
	value += incr;
	char buf[24];
	size_t len = resp_i64_to_str(buf, value);
	if (incr_store(ctx, &w, buf, len, "hincrby"))
		resp_w_int(ctx->out, value);
}

void cmd_hincrbyfloat(struct cmd_ctx *ctx)
{
	long double incr, value = 0;
	const struct resp_arg *a = &ctx->argv[3];
	if (!cmd_str_to_ld(a->ptr, a->len, &incr)) {
		resp_w_error(ctx->out, CMD_ERR_NOT_FLOAT);
		return;
	}
	if (isnan(incr) || isinf(incr)) {
		resp_w_error(ctx->out, "ERR value is NaN or Infinity");
		return;
	}
	struct store_wr w;
	struct store_obj *o = write_or_create(ctx, &w);
	if (o == NULL)
		return;
	const uint8_t *v;
	size_t n;
	if (store_hash_get(o, ctx->argv[2].ptr, ctx->argv[2].len, &v, &n) &&
	    !cmd_str_to_ld(v, n, &value)) {
		commit(&w, 0, NULL);
		resp_w_error(ctx->out, "ERR hash value is not a float");
		return;
	}
	value += incr;
	if (isnan(value) || isinf(value)) {
		commit(&w, 0, NULL);
		resp_w_error(ctx->out, "ERR increment would produce NaN or Infinity");
		return;
	}
	char buf[CMD_LD_CHARS_MAX];
	size_t len = cmd_ld_human(buf, sizeof(buf), value);
	if (incr_store(ctx, &w, buf, len, "hincrbyfloat"))
		resp_w_bulk(ctx->out, buf, len);
}

/* ---- HRANDFIELD ---- */

static void reply_pair(struct cmd_ctx *ctx, bool withvalues, const uint8_t *f, size_t flen,
		       const uint8_t *v, size_t vlen)
{
	if (withvalues && cmd_proto(ctx) == RESP_PROTO_3)
		resp_w_array(ctx->out, 2);
	resp_w_bulk(ctx->out, f, flen);
	if (withvalues)
		resp_w_bulk(ctx->out, v, vlen);
}

/* hrandfieldWithCountCommand(): count < 0 repeats, count >= size is the
 * whole hash, otherwise distinct fields (here in the hash's order). */
static void randfield_count(struct cmd_ctx *ctx, int64_t l, bool withvalues)
{
	const struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	if (o == NULL) {
		resp_w_array(ctx->out, 0);
		return;
	}
	if (o->type != STORE_TYPE_HASH) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	uint64_t size = store_hash_len(o);
	bool uniq = l >= 0;
	uint64_t count = l >= 0 ? (uint64_t)l : (uint64_t)-l;
	if (count == 0) {
		resp_w_array(ctx->out, 0);
		return;
	}
	bool flat = withvalues && cmd_proto(ctx) == RESP_PROTO_2;
	const uint8_t *f, *v;
	size_t flen, vlen;
	if (!uniq || count == 1) {
		resp_w_array(ctx->out, (int64_t)(flat ? count * 2 : count));
		for (uint64_t i = 0; i < count; i++) {
			store_hash_random(o, &f, &flen, &v, &vlen);
			reply_pair(ctx, withvalues, f, flen, v, vlen);
		}
		return;
	}
	if (count > size)
		count = size;
	uint64_t *pick = count < size ? malloc(count * sizeof(*pick)) : NULL;
	if (count < size && pick == NULL) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	if (pick != NULL)
		cmd_hs_sample_sorted(size, count, pick);
	resp_w_array(ctx->out, (int64_t)(flat ? count * 2 : count));
	struct store_hash_it it;
	store_hash_it_init(&it, o);
	for (uint64_t i = 0, k = 0; k < count && store_hash_it_next(&it, &f, &flen, &v, &vlen);
	     i++) {
		if (pick != NULL && pick[k] != i)
			continue;
		reply_pair(ctx, withvalues, f, flen, v, vlen);
		k++;
	}
	free(pick);
}

void cmd_hrandfield(struct cmd_ctx *ctx)
{
	if (ctx->argc >= 3) {
		int64_t l;
		if (!cmd_hs_arg_count(ctx, &ctx->argv[2], &l))
			return;
		bool withvalues = ctx->argc == 4 && cmd_arg_is(&ctx->argv[3], "withvalues");
		if (ctx->argc > 4 || (ctx->argc == 4 && !withvalues)) {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return;
		}
		if (withvalues && (l < -INT64_MAX / 2 || l > INT64_MAX / 2)) {
			resp_w_error(ctx->out, "ERR value is out of range");
			return;
		}
		randfield_count(ctx, l, withvalues);
		return;
	}
	const struct store_obj *o;
	if (!cmd_hs_read(ctx, &ctx->argv[1], STORE_TYPE_HASH, &o))
		return;
	if (o == NULL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return;
	}
	const uint8_t *f, *v;
	size_t flen, vlen;
	store_hash_random(o, &f, &flen, &v, &vlen);
	resp_w_bulk(ctx->out, f, flen);
}

/* ---- HSCAN ---- */

struct hscan_acc {
	struct rw_buf items;
	int64_t n;
	int64_t visited; /* Redis's keys list: field and value, before MATCH */
	const struct cmd_hs_scan *sc;
};

static void hscan_visit(void *arg, const uint8_t *f, size_t flen, const uint8_t *v, size_t vlen)
{
	struct hscan_acc *a = arg;
	a->visited += 2;
	if (!cmd_hs_scan_match(a->sc, f, flen))
		return;
	resp_w_bulk(&a->items, f, flen);
	resp_w_bulk(&a->items, v, vlen);
	a->n += 2;
}

void cmd_hscan(struct cmd_ctx *ctx)
{
	struct cmd_hs_scan sc;
	if (!cmd_hs_scan_cursor(ctx, &sc))
		return;
	const struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	if (o == NULL) {
		rw_buf_append(ctx->out, "*2\r\n$1\r\n0\r\n*0\r\n", 15);
		return;
	}
	if (o->type != STORE_TYPE_HASH) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	if (!cmd_hs_scan_options(ctx, &sc))
		return;
	struct hscan_acc a = {.sc = &sc};
	/* scanGenericCommand(): up to COUNT elements, at most 10 * COUNT
	 * buckets; the MATCH filter applies to what was collected */
	uint64_t cursor = sc.cursor;
	int64_t budget = sc.count > INT64_MAX / 10 ? INT64_MAX : sc.count * 10;
	do
		cursor = store_hash_scan(o, cursor, hscan_visit, &a);
	while (cursor != 0 && budget-- > 0 && a.visited < sc.count);
	cmd_hs_scan_reply(ctx, cursor, &a.items, a.n);
	rw_buf_fini(&a.items);
}

/* xorObjectDigest() for OBJ_HASH: each field/value pair is mixed into a
 * digest of its own (order matters within a pair), and xorDigest() adds
 * that to @p d (order-free across pairs). */
void cmd_hash_digest(uint8_t d[20], const struct store_obj *o)
{
	struct store_hash_it it;
	const uint8_t *f, *v;
	size_t flen, vlen;
	store_hash_it_init(&it, o);
	while (store_hash_it_next(&it, &f, &flen, &v, &vlen)) {
		uint8_t e[20] = {0};
		cmd_digest_mix(e, f, flen);
		cmd_digest_mix(e, v, vlen);
		cmd_digest_xor(d, e, 20);
	}
}

/* Bytes of one listpack entry holding @p p / @p n as Redis encodes it:
 * integers in 1..9 bytes by range, strings with a 1, 2 or 5-byte header;
 * then the back length (7 bits a byte) of the two. */
static uint64_t lp_entry_bytes(const uint8_t *p, size_t n)
{
	int64_t v;
	uint64_t e;
	if (resp_str_to_i64(p, n, &v))
		e = v >= 0 && v <= 127		       ? 1
		    : v >= -4096 && v <= 4095	       ? 2
		    : v >= INT16_MIN && v <= INT16_MAX ? 3
		    : v >= -8388608 && v <= 8388607    ? 4
		    : v >= INT32_MIN && v <= INT32_MAX ? 5
						       : 9;
	else
		e = (n < 64 ? 1 : n < 4096 ? 2 : 5) + n;
	return e + (e < 128 ? 1 : e < 16384 ? 2 : e < 2097152 ? 3 : e < 268435456 ? 4 : 5);
}

/* lpBytes() of the listpack Redis would hold for listpack hash @p o. */
static uint64_t lp_bytes(const struct store_obj *o)
{
	struct store_hash_it it;
	const uint8_t *f, *v;
	size_t flen, vlen;
	uint64_t size = 6 + 1; /* header, end mark */
	store_hash_it_init(&it, o);
	while (store_hash_it_next(&it, &f, &flen, &v, &vlen))
		size += lp_entry_bytes(f, flen) + lp_entry_bytes(v, vlen);
	return size;
}

/*
 * objectComputeSize() for OBJ_HASH, as a jemalloc build of 7.0.15 computes
 * it, from the encoding Redis would hold:
 *   listpack   16 (robj) + the allocation of the listpack's bytes;
 *   hashtable  16 + 56 (dict) + 8 per bucket + per field the average over
 *              @p samples fields of the field and value sds plus a 24-byte
 *              dictEntry, times the field count.
 */
uint64_t cmd_hash_mem_usage(const struct store_obj *o, uint64_t samples)
{
	if (o->enc == STORE_ENC_LISTPACK)
		return 16 + cmd_je_class(lp_bytes(o));
	struct store_hash_it it;
	const uint8_t *f, *v;
	size_t flen, vlen;
	uint64_t n = store_hash_len(o), seen = 0, ele = 0;
	uint64_t size = 16 + 56 + 8 * store_strtab_buckets(o->v.coll);
	store_hash_it_init(&it, o);
	while ((samples == 0 || seen < samples) && store_hash_it_next(&it, &f, &flen, &v, &vlen)) {
		ele += cmd_sds_alloc(flen, false) + cmd_sds_alloc(vlen, false) + 24;
		seen++;
	}
	return seen > 0 ? size + (uint64_t)((double)ele / (double)seen * (double)n) : size;
}

/* RDB: a listpack hash is saved as its listpack (one string), a hash table
 * as a count and the field/value strings. */
size_t cmd_hash_rdb_len(const struct store_obj *o)
{
	if (o->enc == STORE_ENC_LISTPACK) {
		uint64_t b = lp_bytes(o);
		return cmd_rdb_len_size(b) + b;
	}
	struct store_hash_it it;
	const uint8_t *f, *v;
	size_t flen, vlen, size = cmd_rdb_len_size(store_hash_len(o));
	store_hash_it_init(&it, o);
	while (store_hash_it_next(&it, &f, &flen, &v, &vlen))
		size += cmd_rdb_bytes_len(f, flen) + cmd_rdb_bytes_len(v, vlen);
	return size;
}
