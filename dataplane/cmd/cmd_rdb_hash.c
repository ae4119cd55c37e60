/*
 * Hashes to and from RDB values (cmd_rdb.h), as Redis 7.0.15's rdb.c.
 *
 * A listpack hash saves as RDB_TYPE_HASH_LISTPACK: one listpack of field,
 * value, ... in the hash's order (insertion order, the same as Redis's
 * listpack), so its bytes are Redis's. A hash table saves as RDB_TYPE_HASH:
 * the pair count, then field and value strings in the table's order (Redis's
 * dict order depends on its per-process hash seed: never comparable).
 *
 * Loading follows rdbLoadObject(): RDB_TYPE_HASH is a hash table from the
 * start when it has more than hash-max-listpack-entries pairs, and converts
 * on the first field or value longer than hash-max-listpack-value; the
 * blob forms (HASH_LISTPACK, HASH_ZIPLIST) keep their listpack unless they
 * hold more than hash-max-listpack-entries pairs (Redis checks only the
 * count there); HASH_ZIPMAP checks both bounds. A duplicate field, an odd
 * element count or an empty hash is bad data.
 *
 * Context: see cmd_rdb_int.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "cmd_rdb_int.h"
#include "store_hash.h"

uint8_t cmd_rdb_hash_type(const struct store_obj *o)
{
	return o->enc == STORE_ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
}

int cmd_rdb_hash_save(struct rdb_out *out, const struct store_obj *o, bool compress)
{
	struct store_hash_it it;
	const uint8_t *f, *v;
	size_t fl, vl;
	store_hash_it_init(&it, o);
	if (o->enc == STORE_ENC_LISTPACK) {
		struct rdb_lp lp;
		rdb_lp_init(&lp);
		while (store_hash_it_next(&it, &f, &fl, &v, &vl)) {
			rdb_lp_append(&lp, f, fl);
			rdb_lp_append(&lp, v, vl);
		}
		return cmd_rdb_lp_write(out, &lp, compress);
	}
	rdb_w_len(out, store_hash_len(o));
	while (store_hash_it_next(&it, &f, &fl, &v, &vl)) {
		rdb_w_string(out, f, fl, compress);
		rdb_w_string(out, v, vl, compress);
	}
	return out->err;
}

/* ---- loading ---- */

/* The hash being built, outside the keyspace. */
struct hash_build {
	struct store_obj o;
	struct store_hash_limits lim;
};

static int hb_init(struct hash_build *hb, struct cmd_rdb_val *v, bool ht)
{
	hb->o = (struct store_obj){.type = STORE_TYPE_HASH, .enc = STORE_ENC_LISTPACK};
	hb->o.v.coll = store_hash_create();
	if (hb->o.v.coll == NULL)
		return -ENOMEM;
	/* the value is v's from here, so errors free it */
	v->type = STORE_TYPE_HASH;
	v->enc = hb->o.enc;
	v->coll = hb->o.v.coll;
	if (ht && store_hash_to_ht(&hb->o) != 0)
		return -ENOMEM;
	v->enc = hb->o.enc;
	v->coll = hb->o.v.coll;
	return 0;
}

/* Add a pair; a field seen before is bad data. */
static int hb_set(struct hash_build *hb, struct cmd_rdb_val *v, const uint8_t *f, size_t fl,
		  const uint8_t *val, size_t vl)
{
	int rc = store_hash_set(&hb->o, f, fl, val, vl, &hb->lim);
	v->enc = hb->o.enc;
	v->coll = hb->o.v.coll;
	return rc < 0 ? rc : rc == 0 ? -EBADMSG : 0;
}

static int load_pairs(struct rdb_in *in, const struct cmd_rdb_limits *lim, struct cmd_rdb_val *v)
{
	uint64_t len;
	struct hash_build hb;
	int rc = rdb_r_len_plain(in, &len);
	if (rc != 0)
		return rc;
	if (len == 0)
		return -EBADMSG;
	if ((rc = hb_init(&hb, v, len > lim->hash_max_entries)) != 0)
		return rc;
	hb.lim = (struct store_hash_limits){lim->hash_max_entries, lim->hash_max_value};
	for (uint64_t i = 0; rc == 0 && i < len; i++) {
		uint8_t *f = NULL, *val = NULL;
		size_t fl, vl;
		rc = rdb_r_string(in, &f, &fl);
		if (rc == 0)
			rc = rdb_r_string(in, &val, &vl);
		if (rc == 0)
			rc = hb_set(&hb, v, f, fl, val, vl);
		free(f);
		free(val);
	}
	return rc;
}

/* HASH_LISTPACK, HASH_ZIPLIST: the listpack kept unless too many pairs. */
static int load_packed(struct rdb_in *in, uint8_t t, const struct cmd_rdb_limits *lim,
		       struct cmd_rdb_val *v)
{
	uint8_t *b;
	size_t n;
	uint32_t count;
	struct rdb_lp_iter it;
	struct rdb_lp_elem e[2];
	bool zl = t == RDB_TYPE_HASH_ZIPLIST;
	int rc = cmd_rdb_blob_read(in, &b, &n);
	if (rc != 0)
		return rc;
	if ((zl ? rdb_zl_validate(b, n, &count) : rdb_lp_validate(b, n, &count)) != 0 ||
	    count == 0 || count % 2 != 0) {
		free(b);
		return -EBADMSG;
	}
	struct hash_build hb;
	if ((rc = hb_init(&hb, v, count / 2 > lim->hash_max_entries)) != 0) {
		free(b);
		return rc;
	}
	hb.lim = (struct store_hash_limits){UINT64_MAX, UINT64_MAX};
	if (zl)
		rdb_zl_iter_init(&it, b, n);
	else
		rdb_lp_iter_init(&it, b, n);
	while (rc == 0 && (zl ? rdb_zl_next(&it, &e[0]) && rdb_zl_next(&it, &e[1])
			      : rdb_lp_next(&it, &e[0]) && rdb_lp_next(&it, &e[1]))) {
		char fb[24], vb[24];
		const uint8_t *f, *val;
		size_t fl = cmd_rdb_lp_bytes(&e[0], fb, &f), vl = cmd_rdb_lp_bytes(&e[1], vb, &val);
		rc = hb_set(&hb, v, f, fl, val, vl);
	}
	free(b);
	return rc;
}

/* HASH_ZIPMAP (Redis < 2.6): converted when either bound is exceeded. */
static int load_zipmap(struct rdb_in *in, const struct cmd_rdb_limits *lim, struct cmd_rdb_val *v)
{
	uint8_t *b;
	size_t n, maxlen = 0;
	uint32_t pairs;
	struct rdb_lp_iter it;
	struct rdb_lp_elem f, val;
	int rc = cmd_rdb_blob_read(in, &b, &n);
	if (rc != 0)
		return rc;
	struct hash_build hb;
	if (rdb_zipmap_validate(b, n, &pairs) != 0 || pairs == 0)
		rc = -EBADMSG;
	else
		rc = hb_init(&hb, v, false);
	if (rc == 0)
		hb.lim = (struct store_hash_limits){UINT64_MAX, UINT64_MAX};
	rdb_zipmap_iter_init(&it, b, n);
	while (rc == 0 && rdb_zipmap_next(&it, &f, &val)) {
		maxlen = f.n > maxlen ? f.n : maxlen;
		maxlen = val.n > maxlen ? val.n : maxlen;
		rc = hb_set(&hb, v, f.s, f.n, val.s, val.n);
	}
	if (rc == 0 && (pairs > lim->hash_max_entries || maxlen > lim->hash_max_value)) {
		rc = store_hash_to_ht(&hb.o);
		v->enc = hb.o.enc;
		v->coll = hb.o.v.coll;
	}
	free(b);
	return rc;
}

int cmd_rdb_hash_load(struct rdb_in *in, uint8_t t, const struct cmd_rdb_limits *lim,
		      struct cmd_rdb_val *v)
{
	if (t == RDB_TYPE_HASH)
		return load_pairs(in, lim, v);
	if (t == RDB_TYPE_HASH_ZIPMAP)
		return load_zipmap(in, lim, v);
	return load_packed(in, t, lim, v);
}
