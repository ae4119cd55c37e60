/*
 * Keyspace shard: hash values in their two encodings (see store_hash.h).
 * The listpack stores field, value, field, value...; the hash table is a
 * store_strtab whose node values are the hash values.
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_hash.h"
#include "store_lpack.h"
#include "store_strtab.h"

static bool is_lp(const struct store_obj *o)
{
	return o->enc == STORE_ENC_LISTPACK;
}

static void hash_free(struct store_obj *o)
{
	if (is_lp(o))
		store_lpack_destroy(o->v.coll);
	else
		store_strtab_destroy(o->v.coll);
}

static uint64_t hash_bytes(const struct store_obj *o)
{
	if (is_lp(o))
		return store_lpack_bytes(o->v.coll);
	return ((const struct store_strtab *)o->v.coll)->bytes;
}

const struct store_coll_ops store_hash_ops = {.free = hash_free, .bytes = hash_bytes};

void *store_hash_create(void)
{
	return store_lpack_create();
}

uint64_t store_hash_len(const struct store_obj *o)
{
	if (is_lp(o))
		return ((const struct store_lpack *)o->v.coll)->n / 2;
	return ((const struct store_strtab *)o->v.coll)->n;
}

bool store_hash_get(const struct store_obj *o, const void *f, size_t flen, const uint8_t **v,
		    size_t *vlen)
{
	if (is_lp(o)) {
		const struct store_lpack *l = o->v.coll;
		int64_t off = store_lpack_find_pair(l, f, flen);
		if (off < 0)
			return false;
		const uint8_t *p;
		uint32_t len;
		store_lpack_get(l, store_lpack_get(l, (uint32_t)off, &p, &len), v, &len);
		*vlen = len;
		return true;
	}
	const struct store_strtab_node *nd = store_strtab_get(o->v.coll, f, flen);
	if (nd == NULL)
		return false;
	*v = store_strtab_val(nd);
	*vlen = nd->vlen;
	return true;
}

int store_hash_to_ht(struct store_obj *o)
{
	if (!is_lp(o))
		return 0;
	struct store_lpack *l = o->v.coll;
	struct store_strtab *t = store_strtab_create(l->n / 2);
	if (t == NULL)
		return -ENOMEM;
	uint32_t off = 0;
	while (off < l->used) {
		const uint8_t *f, *v;
		uint32_t flen, vlen;
		off = store_lpack_get(l, off, &f, &flen);
		off = store_lpack_get(l, off, &v, &vlen);
		if (store_strtab_set(t, f, flen, v, vlen) < 0) {
			store_strtab_destroy(t);
			return -ENOMEM;
		}
	}
	store_lpack_destroy(l);
	o->v.coll = t;
	o->enc = STORE_ENC_HT;
	return 0;
}

/* Set in a listpack hash. @return 1 new, 0 replaced, -ENOMEM. */
static int lp_set(struct store_obj *o, const void *f, size_t flen, const void *v, size_t vlen)
{
	struct store_lpack *l = o->v.coll;
	int64_t off = store_lpack_find_pair(l, f, flen);
	int rc;
	if (off >= 0) {
		const uint8_t *p;
		uint32_t len;
		uint32_t voff = store_lpack_get(l, (uint32_t)off, &p, &len);
		rc = store_lpack_replace(&l, voff, v, vlen);
		o->v.coll = l;
		return rc < 0 ? rc : 0;
	}
	uint32_t used = l->used, n = l->n;
	rc = store_lpack_append(&l, f, flen);
	if (rc == 0) {
		rc = store_lpack_append(&l, v, vlen);
		if (rc != 0) { /* take the field back */
			l->used = used;
			l->n = n;
		}
	}
	o->v.coll = l;
	return rc < 0 ? rc : 1;
}

int store_hash_set(struct store_obj *o, const void *f, size_t flen, const void *v, size_t vlen,
		   const struct store_hash_limits *lim)
{
	if (is_lp(o) && (flen > lim->max_lp_value || vlen > lim->max_lp_value) &&
	    store_hash_to_ht(o) != 0)
		return -ENOMEM;
	if (!is_lp(o))
		return store_strtab_set(o->v.coll, f, flen, v, vlen);
	int rc = lp_set(o, f, flen, v, vlen);
	/* a failed conversion leaves a valid, if oversized, listpack */
	if (rc > 0 && store_hash_len(o) > lim->max_lp_entries)
		(void)store_hash_to_ht(o);
	return rc;
}

bool store_hash_del(struct store_obj *o, const void *f, size_t flen)
{
	if (!is_lp(o))
		return store_strtab_del(o->v.coll, f, flen);
	struct store_lpack *l = o->v.coll;
	int64_t off = store_lpack_find_pair(l, f, flen);
	if (off < 0)
		return false;
	store_lpack_delete(l, (uint32_t)off, 2);
	return true;
}

void store_hash_it_init(struct store_hash_it *it, const struct store_obj *o)
{
	*it = (struct store_hash_it){.o = o};
	if (!is_lp(o))
		it->nd = store_strtab_first(o->v.coll, &it->pos);
}

bool store_hash_it_next(struct store_hash_it *it, const uint8_t **f, size_t *flen,
			const uint8_t **v, size_t *vlen)
{
	if (is_lp(it->o)) {
		const struct store_lpack *l = it->o->v.coll;
		if (it->pos >= l->used)
			return false;
		uint32_t a, b;
		uint32_t off = store_lpack_get(l, (uint32_t)it->pos, f, &a);
		it->pos = store_lpack_get(l, off, v, &b);
		*flen = a;
		*vlen = b;
		return true;
	}
	const struct store_strtab_node *nd = it->nd;
	if (nd == NULL)
		return false;
	*f = nd->data;
	*flen = nd->klen;
	*v = store_strtab_val(nd);
	*vlen = nd->vlen;
	it->nd = store_strtab_next(it->o->v.coll, &it->pos, nd);
	return true;
}

void store_hash_random(const struct store_obj *o, const uint8_t **f, size_t *flen,
		       const uint8_t **v, size_t *vlen)
{
	if (is_lp(o)) {
		const struct store_lpack *l = o->v.coll;
		uint32_t idx = (uint32_t)(store_strtab_rand() % (l->n / 2)) * 2;
		uint32_t a, b;
		uint32_t off = store_lpack_get(l, store_lpack_offset(l, idx), f, &a);
		store_lpack_get(l, off, v, &b);
		*flen = a;
		*vlen = b;
		return;
	}
	const struct store_strtab_node *nd = store_strtab_random(o->v.coll, store_strtab_rand);
	*f = nd->data;
	*flen = nd->klen;
	*v = store_strtab_val(nd);
	*vlen = nd->vlen;
}

struct scan_arg {
	store_hash_visit_fn *fn;
	void *arg;
};

static void scan_node(void *arg, const struct store_strtab_node *nd)
{
	struct scan_arg *a = arg;
	a->fn(a->arg, nd->data, nd->klen, store_strtab_val(nd), nd->vlen);
}

uint64_t store_hash_scan(const struct store_obj *o, uint64_t cursor, store_hash_visit_fn *fn,
			 void *arg)
{
	if (is_lp(o)) {
		struct store_hash_it it;
		const uint8_t *f, *v;
		size_t flen, vlen;
		store_hash_it_init(&it, o);
		while (store_hash_it_next(&it, &f, &flen, &v, &vlen))
			fn(arg, f, flen, v, vlen);
		return 0;
	}
	struct scan_arg a = {fn, arg};
	return store_strtab_scan(o->v.coll, cursor, scan_node, &a);
}
