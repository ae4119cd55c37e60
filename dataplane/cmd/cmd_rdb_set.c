/*
 * Sets to and from RDB values (cmd_rdb.h), as Redis 7.0.15's rdb.c (7.0
 * has no listpack sets).
 *
 * An intset saves as RDB_TYPE_SET_INTSET: the intset blob (the smallest
 * width holding every member, ascending), Redis's exact bytes. A hash
 * table saves as RDB_TYPE_SET: the member count and the member strings in
 * the table's order (Redis's order depends on its hash seed).
 *
 * Loading follows rdbLoadObject(): RDB_TYPE_SET is a hash table from the
 * start when it has more than set-max-intset-entries members, else an
 * intset until a member is not an integer; SET_INTSET keeps its intset
 * unless it holds more than set-max-intset-entries. A duplicate member or
 * an empty set is bad data.
 *
 * Context: see cmd_rdb_int.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_rdb_int.h"
#include "store_set.h"

uint8_t cmd_rdb_set_type(const struct store_obj *o)
{
	return o->enc == STORE_ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
}

int cmd_rdb_set_save(struct rdb_out *out, const struct store_obj *o, bool compress)
{
	if (o->enc == STORE_ENC_INTSET) {
		const struct store_intset *is = o->v.coll;
		struct rdb_buf b = {0};
		int rc = rdb_intset_build(is->v, is->n, &b);
		if (rc == 0)
			rc = rdb_w_string(out, b.p, b.len, compress);
		rdb_buf_free(&b);
		return rc;
	}
	struct store_set_it it;
	const uint8_t *m;
	size_t n;
	rdb_w_len(out, store_set_len(o));
	store_set_it_init(&it, o);
	while (store_set_it_next(&it, &m, &n))
		rdb_w_string(out, m, n, compress);
	return out->err;
}

/* ---- loading ---- */

/* Start the set in @p o (an intset, or a hash table if @p ht) and hand it
 * to @p v so errors free it. */
static int set_init(struct store_obj *o, struct cmd_rdb_val *v, bool ht)
{
	*o = (struct store_obj){.type = STORE_TYPE_SET};
	o->v.coll = store_set_create(NULL, 0, &o->enc);
	if (o->v.coll == NULL)
		return -ENOMEM;
	v->type = STORE_TYPE_SET;
	v->enc = o->enc;
	v->coll = o->v.coll;
	int rc = ht ? store_set_to_ht(o) : 0;
	v->enc = o->enc;
	v->coll = o->v.coll;
	return rc;
}

static int set_add(struct store_obj *o, struct cmd_rdb_val *v, const void *m, size_t n,
		   uint64_t max)
{
	int rc = store_set_add(o, m, n, max);
	v->enc = o->enc;
	v->coll = o->v.coll;
	return rc < 0 ? rc : rc == 0 ? -EBADMSG : 0;
}

static int load_members(struct rdb_in *in, const struct cmd_rdb_limits *lim, struct cmd_rdb_val *v)
{
	uint64_t len, max = lim->set_max_intset;
	struct store_obj o;
	int rc = rdb_r_len_plain(in, &len);
	if (rc != 0)
		return rc;
	if (len == 0)
		return -EBADMSG;
	if (max > (UINT64_C(1) << 30))
		max = UINT64_C(1) << 30;
	if ((rc = set_init(&o, v, len > max)) != 0)
		return rc;
	for (uint64_t i = 0; rc == 0 && i < len; i++) {
		uint8_t *m;
		size_t n;
		if ((rc = rdb_r_string(in, &m, &n)) != 0)
			break;
		rc = set_add(&o, v, m, n, UINT64_MAX);
		free(m);
	}
	return rc;
}

static int load_intset(struct rdb_in *in, const struct cmd_rdb_limits *lim, struct cmd_rdb_val *v)
{
	uint8_t *b;
	size_t n;
	uint32_t count;
	struct store_obj o;
	int rc = cmd_rdb_blob_read(in, &b, &n);
	if (rc != 0)
		return rc;
	if (rdb_intset_validate(b, n, &count) != 0)
		rc = -EBADMSG;
	else
		rc = set_init(&o, v, count > lim->set_max_intset);
	for (uint32_t i = 0; rc == 0 && i < count; i++) {
		char d[24];
		int dn = snprintf(d, sizeof(d), "%lld", (long long)rdb_intset_get(b, i));
		rc = set_add(&o, v, d, (size_t)dn, UINT64_MAX);
	}
	free(b);
	return rc;
}

int cmd_rdb_set_load(struct rdb_in *in, uint8_t t, const struct cmd_rdb_limits *lim,
		     struct cmd_rdb_val *v)
{
	return t == RDB_TYPE_SET ? load_members(in, lim, v) : load_intset(in, lim, v);
}
