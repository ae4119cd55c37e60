/*
 * Keyspace shard: set values in their two encodings (see store_set.h).
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "store_set.h"
#include "store_strtab.h"

#define INTSET_MIN_CAP 4

static bool is_is(const struct store_obj *o)
{
	return o->enc == STORE_ENC_INTSET;
}

static void set_free(struct store_obj *o)
{
	if (is_is(o))
		free(o->v.coll);
	else
		store_strtab_destroy(o->v.coll);
}

static uint64_t set_bytes(const struct store_obj *o)
{
	if (is_is(o)) {
		const struct store_intset *is = o->v.coll;
		return sizeof(*is) + (uint64_t)is->cap * sizeof(is->v[0]);
	}
	return ((const struct store_strtab *)o->v.coll)->bytes;
}

const struct store_coll_ops store_set_ops = {.free = set_free, .bytes = set_bytes};

bool store_set_member_int(const void *m, size_t n, int64_t *v)
{
	return resp_str_to_i64(m, n, v) != 0;
}

static struct store_intset *intset_create(void)
{
	struct store_intset *is = malloc(sizeof(*is) + INTSET_MIN_CAP * sizeof(is->v[0]));
	if (is != NULL)
		*is = (struct store_intset){.cap = INTSET_MIN_CAP};
	return is;
}

void *store_set_create(const void *m, size_t n, uint8_t *enc)
{
	int64_t v;
	if (m == NULL || store_set_member_int(m, n, &v)) {
		*enc = STORE_ENC_INTSET;
		return intset_create();
	}
	*enc = STORE_ENC_HT;
	return store_strtab_create(0);
}

uint64_t store_set_len(const struct store_obj *o)
{
	if (is_is(o))
		return ((const struct store_intset *)o->v.coll)->n;
	return ((const struct store_strtab *)o->v.coll)->n;
}

/* Binary search: @return true if found; *@p pos is where @p v is or goes. */
static bool intset_find(const struct store_intset *is, int64_t v, uint32_t *pos)
{
	uint32_t lo = 0, hi = is->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (is->v[mid] == v) {
			*pos = mid;
			return true;
		}
		if (is->v[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return false;
}

bool store_set_has(const struct store_obj *o, const void *m, size_t n)
{
	if (!is_is(o))
		return store_strtab_get(o->v.coll, m, n) != NULL;
	int64_t v;
	uint32_t pos;
	return store_set_member_int(m, n, &v) && intset_find(o->v.coll, v, &pos);
}

int store_set_to_ht(struct store_obj *o)
{
	if (!is_is(o))
		return 0;
	struct store_intset *is = o->v.coll;
	struct store_strtab *t = store_strtab_create(is->n);
	if (t == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < is->n; i++) {
		char buf[24];
		size_t len = resp_i64_to_str(buf, is->v[i]);
		if (store_strtab_set(t, buf, len, NULL, 0) < 0) {
			store_strtab_destroy(t);
			return -ENOMEM;
		}
	}
	free(is);
	o->v.coll = t;
	o->enc = STORE_ENC_HT;
	return 0;
}

static int intset_add(struct store_obj *o, int64_t v)
{
	struct store_intset *is = o->v.coll;
	uint32_t pos;
	if (intset_find(is, v, &pos))
		return 0;
	if (is->n == is->cap) {
		if (is->cap >= UINT32_MAX / 2)
			return -ENOMEM;
		uint32_t cap = is->cap * 2;
		struct store_intset *n = realloc(is, sizeof(*n) + (size_t)cap * sizeof(n->v[0]));
		if (n == NULL)
			return -ENOMEM;
		n->cap = cap;
		o->v.coll = is = n;
	}
	memmove(&is->v[pos + 1], &is->v[pos], (size_t)(is->n - pos) * sizeof(is->v[0]));
	is->v[pos] = v;
	is->n++;
	return 1;
}

int store_set_add(struct store_obj *o, const void *m, size_t n, uint64_t max_intset)
{
	int64_t v;
	if (is_is(o)) {
		if (store_set_member_int(m, n, &v)) {
			int rc = intset_add(o, v);
			/* a failed conversion leaves a valid, if oversized, intset */
			if (rc > 0 && store_set_len(o) > max_intset)
				(void)store_set_to_ht(o);
			return rc;
		}
		if (store_set_to_ht(o) != 0)
			return -ENOMEM;
	}
	return store_strtab_get(o->v.coll, m, n) != NULL
		   ? 0
		   : store_strtab_set(o->v.coll, m, n, NULL, 0);
}

bool store_set_rem(struct store_obj *o, const void *m, size_t n)
{
	if (!is_is(o))
		return store_strtab_del(o->v.coll, m, n);
	struct store_intset *is = o->v.coll;
	int64_t v;
	uint32_t pos;
	if (!store_set_member_int(m, n, &v) || !intset_find(is, v, &pos))
		return false;
	memmove(&is->v[pos], &is->v[pos + 1], (size_t)(is->n - pos - 1) * sizeof(is->v[0]));
	is->n--;
	return true;
}

void store_set_it_init(struct store_set_it *it, const struct store_obj *o)
{
	it->o = o;
	it->pos = 0;
	it->nd = is_is(o) ? NULL : store_strtab_first(o->v.coll, &it->pos);
}

bool store_set_it_next(struct store_set_it *it, const uint8_t **m, size_t *n)
{
	if (is_is(it->o)) {
		const struct store_intset *is = it->o->v.coll;
		if (it->pos >= is->n)
			return false;
		*n = resp_i64_to_str(it->buf, is->v[it->pos++]);
		*m = (const uint8_t *)it->buf;
		return true;
	}
	const struct store_strtab_node *nd = it->nd;
	if (nd == NULL)
		return false;
	*m = nd->data;
	*n = nd->klen;
	it->nd = store_strtab_next(it->o->v.coll, &it->pos, nd);
	return true;
}

void store_set_random(const struct store_obj *o, char buf[24], const uint8_t **m, size_t *n)
{
	if (is_is(o)) {
		const struct store_intset *is = o->v.coll;
		*n = resp_i64_to_str(buf, is->v[store_strtab_rand() % is->n]);
		*m = (const uint8_t *)buf;
		return;
	}
	const struct store_strtab_node *nd = store_strtab_random(o->v.coll, store_strtab_rand);
	*m = nd->data;
	*n = nd->klen;
}

struct scan_arg {
	store_set_visit_fn *fn;
	void *arg;
};

static void scan_node(void *arg, const struct store_strtab_node *nd)
{
	struct scan_arg *a = arg;
	a->fn(a->arg, nd->data, nd->klen);
}

uint64_t store_set_scan(const struct store_obj *o, uint64_t cursor, store_set_visit_fn *fn,
			void *arg)
{
	if (is_is(o)) {
		struct store_set_it it;
		const uint8_t *m;
		size_t n;
		store_set_it_init(&it, o);
		while (store_set_it_next(&it, &m, &n))
			fn(arg, m, n);
		return 0;
	}
	struct scan_arg a = {fn, arg};
	return store_strtab_scan(o->v.coll, cursor, scan_node, &a);
}
