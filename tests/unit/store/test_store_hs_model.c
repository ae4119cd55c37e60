/*
 * Seeded random operations on hashes and sets checked against a plain
 * reference model after every step: sizes, every member's presence and
 * value, the encoding the thresholds call for (listpack/intset until a
 * threshold is crossed, hashtable after, never back), iteration visiting
 * each element once, and the memory the shard accounts returning to its
 * baseline when the key goes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_test.h"
#include "store.h"
#include "store_hash.h"
#include "store_set.h"

#define T0	 1700000000000ULL
#define NVALS	 64
#define STEPS	 4000
#define VAL_MAXB 80

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Element i's name: an integer for most, a string for some. */
static size_t name_of(int i, char *buf)
{
	if (i % 7 == 3)
		return (size_t)snprintf(buf, 32, "name-%d", i);
	return (size_t)snprintf(buf, 32, "%d", i * 37 - 900);
}

struct model {
	bool present[NVALS];
	size_t vlen[NVALS];
	char val[NVALS][VAL_MAXB];
	bool converted;
};

static void check_hash(const struct store_obj *o, const struct model *m,
		       const struct store_hash_limits *lim)
{
	uint64_t n = 0;
	size_t longest = 0;
	for (int i = 0; i < NVALS; i++) {
		char f[32];
		size_t fl = name_of(i, f);
		const uint8_t *v;
		size_t vl;
		bool got = store_hash_get(o, f, fl, &v, &vl);
		CU_ASSERT_EQUAL(got, m->present[i]);
		if (got && m->present[i])
			CU_ASSERT(vl == m->vlen[i] && memcmp(v, m->val[i], vl) == 0);
		if (m->present[i]) {
			n++;
			longest = fl > longest ? fl : longest;
			longest = m->vlen[i] > longest ? m->vlen[i] : longest;
		}
	}
	CU_ASSERT_EQUAL(store_hash_len(o), n);
	bool must_ht = m->converted || n > lim->max_lp_entries || longest > lim->max_lp_value;
	CU_ASSERT_EQUAL(o->enc, must_ht ? STORE_ENC_HT : STORE_ENC_LISTPACK);
	struct store_hash_it it;
	const uint8_t *f, *v;
	size_t fl, vl;
	uint64_t walked = 0;
	store_hash_it_init(&it, o);
	while (store_hash_it_next(&it, &f, &fl, &v, &vl))
		walked++;
	CU_ASSERT_EQUAL(walked, n);
}

static void test_store_hash_random_ops_match_a_model(void)
{
	const struct store_hash_limits lim = {20, 40};
	struct store_shard *s = store_shard_create(0, 1);
	uint64_t base = store_shard_stats(s)->used_bytes;
	static struct model m;
	memset(&m, 0, sizeof(m));
	for (int step = 0; step < STEPS; step++) {
		struct store_wr w;
		store_write_begin(s, 0, "h", 1, T0, &w);
		if (w.obj == NULL) {
			CU_ASSERT_EQUAL_FATAL(store_wr_set_coll(&w, STORE_TYPE_HASH,
								STORE_ENC_LISTPACK,
								store_hash_create()),
					      0);
			memset(&m, 0, sizeof(m));
		}
		int i = (int)(next() % NVALS);
		char f[32];
		size_t fl = name_of(i, f);
		if (next() % 3 != 0) {
			char v[VAL_MAXB];
			size_t vl = next() % (next() % 8 == 0 ? VAL_MAXB : 12);
			for (size_t k = 0; k < vl; k++)
				v[k] = (char)('a' + next() % 26);
			int rc = store_hash_set(w.obj, f, fl, v, vl, &lim);
			CU_ASSERT_EQUAL(rc, m.present[i] ? 0 : 1);
			m.present[i] = true;
			m.vlen[i] = vl;
			memcpy(m.val[i], v, vl);
		} else {
			CU_ASSERT_EQUAL(store_hash_del(w.obj, f, fl), m.present[i]);
			m.present[i] = false;
		}
		check_hash(w.obj, &m, &lim);
		m.converted = w.obj->enc == STORE_ENC_HT;
		if (store_hash_len(w.obj) == 0)
			store_wr_delete(&w);
		store_write_commit(&w, 1, "hset");
	}
	store_delete(s, 0, "h", 1, T0);
	CU_ASSERT_EQUAL(store_shard_stats(s)->used_bytes, base + store_shard_index_bytes(s));
	store_shard_destroy(&s);
}

static void test_store_set_random_ops_match_a_model(void)
{
	const uint64_t max_intset = 24;
	struct store_shard *s = store_shard_create(0, 1);
	uint64_t base = store_shard_stats(s)->used_bytes;
	bool present[NVALS] = {false}, converted = false;
	for (int step = 0; step < STEPS; step++) {
		struct store_wr w;
		int i = (int)(next() % NVALS);
		char e[32];
		size_t el = name_of(i, e);
		bool add = next() % 3 != 0;
		store_write_begin(s, 0, "s", 1, T0, &w);
		if (w.obj == NULL) {
			if (!add) {
				store_write_commit(&w, 0, NULL);
				continue;
			}
			uint8_t enc;
			void *c = store_set_create(e, el, &enc);
			CU_ASSERT_EQUAL_FATAL(store_wr_set_coll(&w, STORE_TYPE_SET, enc, c), 0);
			memset(present, 0, sizeof(present));
			converted = enc == STORE_ENC_HT;
		}
		if (add) {
			CU_ASSERT_EQUAL(store_set_add(w.obj, e, el, max_intset),
					present[i] ? 0 : 1);
			present[i] = true;
		} else {
			CU_ASSERT_EQUAL(store_set_rem(w.obj, e, el), present[i]);
			present[i] = false;
		}
		uint64_t n = 0;
		bool any_str = false;
		for (int j = 0; j < NVALS; j++) {
			char b[32];
			size_t bl = name_of(j, b);
			CU_ASSERT_EQUAL(store_set_has(w.obj, b, bl), present[j]);
			n += present[j];
			any_str |= present[j] && j % 7 == 3;
		}
		CU_ASSERT_EQUAL(store_set_len(w.obj), n);
		CU_ASSERT_EQUAL(w.obj->enc, converted || any_str || n > max_intset
						? STORE_ENC_HT
						: STORE_ENC_INTSET);
		converted = w.obj->enc == STORE_ENC_HT;
		/* an intset walks in ascending order */
		struct store_set_it it;
		const uint8_t *p;
		size_t pl;
		uint64_t walked = 0;
		long long prev = 0;
		store_set_it_init(&it, w.obj);
		while (store_set_it_next(&it, &p, &pl)) {
			if (w.obj->enc == STORE_ENC_INTSET) {
				char b[32];
				memcpy(b, p, pl);
				b[pl] = '\0';
				long long v = atoll(b);
				CU_ASSERT(walked == 0 || v > prev);
				prev = v;
			}
			walked++;
		}
		CU_ASSERT_EQUAL(walked, n);
		if (n == 0)
			store_wr_delete(&w);
		store_write_commit(&w, 1, "sadd");
	}
	store_delete(s, 0, "s", 1, T0);
	CU_ASSERT_EQUAL(store_shard_stats(s)->used_bytes, base + store_shard_index_bytes(s));
	store_shard_destroy(&s);
}

const struct rw_test_case store_hs_model_tests[] = {
    RW_TEST(test_store_hash_random_ops_match_a_model),
    RW_TEST(test_store_set_random_ops_match_a_model),
    {NULL, NULL},
};
