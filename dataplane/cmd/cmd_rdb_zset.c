/*
 * Sorted sets to and from RDB values (cmd_rdb.h), as Redis 7.0.15's rdb.c.
 *
 * A listpack set saves as RDB_TYPE_ZSET_LISTPACK: one listpack of member,
 * score, ... ascending, each score as the listpack holds it (an integral
 * score in double2ll()'s range as an integer, any other as d2string()
 * prints it: store_zset_score_str()), Redis's exact bytes. A skiplist set
 * saves as RDB_TYPE_ZSET_2: the count, then from the highest element down
 * the member string and the score as 8 bytes of little-endian double, also
 * Redis's bytes since the order is the set's own.
 *
 * Loading follows rdbLoadObject(): ZSET_2 and ZSET (scores as length-
 * prefixed text, 253 nan, 254 inf, 255 -inf) load into a skiplist and
 * become a listpack when the set is within zset-max-listpack-entries and
 * no member is longer than zset-max-listpack-value; ZSET_LISTPACK and
 * ZSET_ZIPLIST keep their listpack unless they hold more than
 * zset-max-listpack-entries elements (Redis checks only the count there).
 * A NaN score, a duplicate member, an odd blob or an empty set is bad data.
 *
 * Context: see cmd_rdb_int.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_rdb_int.h"
#include "store_zset.h"

/* lpSafeToAdd(): LISTPACK_MAX_SAFETY_SIZE */
#define LP_SAFETY_BYTES (UINT64_C(1) << 30)

uint8_t cmd_rdb_zset_type(const struct store_obj *o)
{
	return store_zset_enc(o->v.coll) == STORE_ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK
							       : RDB_TYPE_ZSET_2;
}

static int w_double(struct rdb_out *out, double d)
{
	int64_t bits;
	memcpy(&bits, &d, sizeof(bits));
	return rdb_w_i64le(out, bits);
}

int cmd_rdb_zset_save(struct rdb_out *out, const struct store_obj *o, bool compress)
{
	const struct store_zset *z = o->v.coll;
	struct store_zset_iter it;
	const uint8_t *m;
	size_t n;
	double score;
	uint64_t len = store_zset_len(z);
	if (store_zset_enc(z) == STORE_ENC_LISTPACK) {
		struct rdb_lp lp;
		char buf[64];
		rdb_lp_init(&lp);
		store_zset_iter_init(z, 0, false, &it);
		while (store_zset_iter_next(&it, &m, &n, &score)) {
			rdb_lp_append(&lp, m, n);
			rdb_lp_append(&lp, buf, store_zset_score_str(z, score, buf));
		}
		return cmd_rdb_lp_write(out, &lp, compress);
	}
	rdb_w_len(out, len);
	if (len == 0)
		return out->err;
	store_zset_iter_init(z, len - 1, true, &it);
	while (store_zset_iter_next(&it, &m, &n, &score)) {
		rdb_w_string(out, m, n, compress);
		w_double(out, score);
	}
	return out->err;
}

/* ---- loading ---- */

/* Start the set (skiplist-encoded if @p sl) and hand it to @p v. */
static struct store_zset *zs_init(struct cmd_rdb_val *v, bool sl)
{
	struct store_zset *z = store_zset_create(sl);
	if (z == NULL)
		return NULL;
	v->type = STORE_TYPE_ZSET;
	v->enc = store_zset_enc(z);
	v->coll = z;
	return z;
}

/* Add a new member; NaN or a member seen before is bad data. */
static int zs_add(struct store_zset *z, const void *m, size_t n, double score)
{
	static const struct store_zset_cfg nolimit = {UINT64_MAX, UINT64_MAX};
	unsigned out = 0;
	double now;
	if (isnan(score))
		return -EBADMSG;
	int rc = store_zset_add(z, &nolimit, score, m, n, STORE_ZADD_NX, &out, &now);
	if (rc == -ENOMEM)
		return rc;
	return rc == 0 && (out & STORE_ZADD_OUT_ADDED) ? 0 : -EBADMSG;
}

/* rdbLoadDoubleValue(): ZSET's text scores. */
static int r_text_double(struct rdb_in *in, double *d)
{
	uint8_t len;
	char buf[256];
	int rc = rdb_r_u8(in, &len);
	if (rc != 0)
		return rc;
	if (len >= 253) {
		*d = len == 253 ? NAN : len == 254 ? INFINITY : -INFINITY;
		return 0;
	}
	if ((rc = rdb_in_read(in, buf, len)) != 0)
		return rc;
	buf[len] = '\0';
	/* Redis reads it with sscanf("%lg"): a prefix that parses is enough */
	return sscanf(buf, "%lg", d) == 1 ? 0 : -EBADMSG;
}

/* One element of ZSET_2 / ZSET, kept until the encoding is chosen. */
struct zs_elem {
	uint8_t *m;
	size_t n;
	double score;
};

static void elems_free(struct zs_elem *e, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		free(e[i].m);
	free(e);
}

/* Read the @p len elements of ZSET_2 / ZSET into *@p out (grown as they
 * come, so a corrupt count costs no more than the input holds). */
static int read_elems(struct rdb_in *in, uint8_t t, uint64_t len, struct zs_elem **out,
		      uint64_t *got, uint64_t *maxlen, uint64_t *totlen)
{
	uint64_t cap = 0;
	struct zs_elem *e = NULL;
	int rc = 0;
	for (*got = 0; rc == 0 && *got < len; (*got)++) {
		if (*got == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			struct zs_elem *ne = realloc(e, cap * sizeof(*e));
			if (ne == NULL) {
				rc = -ENOMEM;
				break;
			}
			e = ne;
		}
		struct zs_elem *x = &e[*got];
		x->m = NULL;
		if ((rc = rdb_r_string(in, &x->m, &x->n)) != 0)
			break;
		if (t == RDB_TYPE_ZSET_2) {
			int64_t bits;
			if ((rc = rdb_r_i64le(in, &bits)) == 0)
				memcpy(&x->score, &bits, sizeof(bits));
		} else {
			rc = r_text_double(in, &x->score);
		}
		*maxlen = x->n > *maxlen ? x->n : *maxlen;
		*totlen += x->n;
	}
	*out = e;
	return rc;
}

static int load_pairs(struct rdb_in *in, uint8_t t, const struct cmd_rdb_limits *lim,
		      struct cmd_rdb_val *v)
{
	uint64_t len, got = 0, maxlen = 0, totlen = 0;
	struct zs_elem *e = NULL;
	int rc = rdb_r_len_plain(in, &len);
	if (rc != 0)
		return rc;
	if (len == 0)
		return -EBADMSG;
	rc = read_elems(in, t, len, &e, &got, &maxlen, &totlen);
	/* Redis converts after loading, as the elements come unordered */
	bool lp = len <= lim->zset_max_entries && maxlen <= lim->zset_max_value &&
		  totlen <= LP_SAFETY_BYTES;
	struct store_zset *z = rc == 0 ? zs_init(v, !lp) : NULL;
	if (rc == 0 && z == NULL)
		rc = -ENOMEM;
	for (uint64_t i = 0; rc == 0 && i < len; i++)
		rc = zs_add(z, e[i].m, e[i].n, e[i].score);
	elems_free(e, got);
	return rc;
}

/* A listpack string score (what d2string() wrote) as a double. */
static int lp_score(const struct rdb_lp_elem *e, double *d)
{
	if (e->is_int) {
		*d = (double)e->v;
		return 0;
	}
	char buf[128];
	if (e->n == 0 || e->n >= sizeof(buf))
		return -EBADMSG;
	memcpy(buf, e->s, e->n);
	buf[e->n] = '\0';
	char *end;
	*d = strtod(buf, &end);
	return *end == '\0' ? 0 : -EBADMSG;
}

static int load_packed(struct rdb_in *in, uint8_t t, const struct cmd_rdb_limits *lim,
		       struct cmd_rdb_val *v)
{
	uint8_t *b;
	size_t n;
	uint32_t count;
	struct rdb_lp_iter it;
	struct rdb_lp_elem e[2];
	bool zl = t == RDB_TYPE_ZSET_ZIPLIST;
	int rc = cmd_rdb_blob_read(in, &b, &n);
	if (rc != 0)
		return rc;
	struct store_zset *z = NULL;
	if ((zl ? rdb_zl_validate(b, n, &count) : rdb_lp_validate(b, n, &count)) != 0 ||
	    count == 0 || count % 2 != 0)
		rc = -EBADMSG;
	else if ((z = zs_init(v, count / 2 > lim->zset_max_entries)) == NULL)
		rc = -ENOMEM;
	if (zl)
		rdb_zl_iter_init(&it, b, n);
	else
		rdb_lp_iter_init(&it, b, n);
	while (rc == 0 && (zl ? rdb_zl_next(&it, &e[0]) && rdb_zl_next(&it, &e[1])
			      : rdb_lp_next(&it, &e[0]) && rdb_lp_next(&it, &e[1]))) {
		char mb[24];
		const uint8_t *m;
		size_t mn = cmd_rdb_lp_bytes(&e[0], mb, &m);
		double score;
		rc = lp_score(&e[1], &score);
		if (rc == 0)
			rc = zs_add(z, m, mn, score);
	}
	free(b);
	return rc;
}

int cmd_rdb_zset_load(struct rdb_in *in, uint8_t t, const struct cmd_rdb_limits *lim,
		      struct cmd_rdb_val *v)
{
	if (t == RDB_TYPE_ZSET_2 || t == RDB_TYPE_ZSET)
		return load_pairs(in, t, lim, v);
	return load_packed(in, t, lim, v);
}

int cmd_rdb_zset_to_skiplist(struct cmd_rdb_val *v)
{
	struct store_zset *z = v->coll, *sl;
	if (store_zset_enc(z) != STORE_ENC_LISTPACK)
		return 0;
	if ((sl = store_zset_create(true)) == NULL)
		return -ENOMEM;
	struct store_zset_iter it;
	const uint8_t *m;
	size_t n;
	double score;
	store_zset_iter_init(z, 0, false, &it);
	while (store_zset_iter_next(&it, &m, &n, &score)) {
		if (zs_add(sl, m, n, score) != 0) {
			store_zset_destroy(&sl);
			return -ENOMEM;
		}
	}
	store_zset_destroy(&z);
	v->coll = sl;
	v->enc = STORE_ENC_SKIPLIST;
	return 0;
}
