/*
 * Hash values (dataplane/store/store_hash.c) in both encodings: listpack
 * order and in-place replacement, the one-way conversion at
 * hash-max-listpack-entries / -value (7.0.15's thresholds, checked against
 * the stock server by tests/integration/oracle_cases_hash.py), memory
 * accounting through the write path, and the hash table's SCAN guarantee
 * across resizes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_test.h"
#include "store.h"
#include "store_hash.h"
#include "store_strtab.h"

#define T0 1700000000000ULL

static const struct store_hash_limits lim_default = {512, 64};

/* A shard with one empty hash under key "h", inside an open write. */
static struct store_obj *hash_begin(struct store_shard *s, struct store_wr *w)
{
	store_write_begin(s, 0, "h", 1, T0, w);
	if (w->obj == NULL)
		CU_ASSERT_EQUAL_FATAL(
		    store_wr_set_coll(w, STORE_TYPE_HASH, STORE_ENC_LISTPACK, store_hash_create()),
		    0);
	return w->obj;
}

static int set_str(struct store_obj *o, const char *f, const char *v,
		   const struct store_hash_limits *lim)
{
	return store_hash_set(o, f, strlen(f), v, strlen(v), lim);
}

static void test_store_hash_listpack_keeps_insertion_order_and_replaces_in_place(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_wr w;
	struct store_obj *o = hash_begin(s, &w);
	CU_ASSERT_EQUAL(set_str(o, "a", "1", &lim_default), 1);
	CU_ASSERT_EQUAL(set_str(o, "b", "2", &lim_default), 1);
	CU_ASSERT_EQUAL(set_str(o, "c", "3", &lim_default), 1);
	CU_ASSERT_EQUAL(set_str(o, "a", "a much longer value than before", &lim_default), 0);
	CU_ASSERT_TRUE(store_hash_del(o, "b", 1));
	CU_ASSERT_FALSE(store_hash_del(o, "b", 1));
	CU_ASSERT_EQUAL(set_str(o, "b", "", &lim_default), 1);
	const char *want[][2] = {{"a", "a much longer value than before"}, {"c", "3"}, {"b", ""}};
	struct store_hash_it it;
	const uint8_t *f, *v;
	size_t flen, vlen, i = 0;
	store_hash_it_init(&it, o);
	while (store_hash_it_next(&it, &f, &flen, &v, &vlen) && i < 3) {
		CU_ASSERT(flen == strlen(want[i][0]) && memcmp(f, want[i][0], flen) == 0);
		CU_ASSERT(vlen == strlen(want[i][1]) && memcmp(v, want[i][1], vlen) == 0);
		i++;
	}
	CU_ASSERT_EQUAL(i, 3);
	CU_ASSERT_EQUAL(store_hash_len(o), 3);
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_LISTPACK);
	CU_ASSERT_TRUE(store_hash_get(o, "c", 1, &v, &vlen));
	CU_ASSERT(vlen == 1 && v[0] == '3');
	CU_ASSERT_FALSE(store_hash_get(o, "zz", 2, &v, &vlen));
	store_write_commit(&w, 1, "hset");
	store_shard_destroy(&s);
}

static void test_store_hash_converts_at_entries_threshold_and_never_back(void)
{
	const struct store_hash_limits lim = {4, 64};
	struct store_shard *s = store_shard_create(0, 1);
	struct store_wr w;
	struct store_obj *o = hash_begin(s, &w);
	char f[16];
	for (int i = 0; i < 4; i++) {
		snprintf(f, sizeof(f), "f%d", i);
		CU_ASSERT_EQUAL(set_str(o, f, "v", &lim), 1);
	}
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_LISTPACK); /* exactly at the threshold */
	CU_ASSERT_EQUAL(set_str(o, "f0", "replaced", &lim), 0);
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_LISTPACK); /* a replacement adds no field */
	CU_ASSERT_EQUAL(set_str(o, "f4", "v", &lim), 1);
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_HT);
	CU_ASSERT_STRING_EQUAL(store_obj_enc_name(o), "hashtable");
	for (int i = 0; i < 5; i++) {
		const uint8_t *v;
		size_t n;
		snprintf(f, sizeof(f), "f%d", i);
		CU_ASSERT_TRUE(store_hash_get(o, f, strlen(f), &v, &n));
		CU_ASSERT_EQUAL(n, i == 0 ? 8 : 1);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(f, sizeof(f), "f%d", i);
		CU_ASSERT_TRUE(store_hash_del(o, f, strlen(f)));
	}
	CU_ASSERT_EQUAL(store_hash_len(o), 1);
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_HT); /* never back, as Redis */
	store_write_commit(&w, 1, "hset");
	store_shard_destroy(&s);
}

static void test_store_hash_converts_on_long_field_or_value(void)
{
	const struct store_hash_limits lim = {512, 8};
	struct store_shard *s = store_shard_create(0, 1);
	struct store_wr w;
	struct store_obj *o = hash_begin(s, &w);
	CU_ASSERT_EQUAL(set_str(o, "12345678", "12345678", &lim), 1);
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_LISTPACK); /* 8 bytes: at the limit */
	CU_ASSERT_EQUAL(set_str(o, "12345678", "123456789", &lim), 0);
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_HT);
	store_wr_delete(&w);
	store_write_commit(&w, 1, "del");
	o = hash_begin(s, &w);
	CU_ASSERT_EQUAL(set_str(o, "123456789", "v", &lim), 1);
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_HT);
	store_write_commit(&w, 1, "hset");
	store_shard_destroy(&s);
}

static void test_store_hash_memory_follows_the_collection_and_returns_to_baseline(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_stats *st = store_shard_stats(s);
	uint64_t base = st->used_bytes;
	struct store_wr w;
	char f[32];
	uint64_t prev = base;
	for (int round = 0; round < 4; round++) {
		struct store_obj *o = hash_begin(s, &w);
		for (int i = 0; i < 300; i++) {
			snprintf(f, sizeof(f), "field:%d:%d", round, i);
			CU_ASSERT_EQUAL(set_str(o, f, "some value", &lim_default), 1);
		}
		store_write_commit(&w, 300, "hset");
		CU_ASSERT(st->used_bytes > prev + 300 * 20); /* every field is counted */
		prev = st->used_bytes;
	}
	CU_ASSERT_EQUAL(store_obj_enc_name(store_lookup(s, 0, "h", 1, T0, 0))[0], 'h');
	CU_ASSERT(store_delete(s, 0, "h", 1, T0));
	CU_ASSERT_EQUAL(st->used_bytes,
			base + store_shard_index_bytes(s)); /* the key table stays */
	/* a small listpack hash, then an emptied one deleted by its writer */
	struct store_obj *o = hash_begin(s, &w);
	CU_ASSERT_EQUAL(set_str(o, "a", "1", &lim_default), 1);
	store_write_commit(&w, 1, "hset");
	CU_ASSERT(st->used_bytes > base);
	store_write_begin(s, 0, "h", 1, T0, &w);
	CU_ASSERT_TRUE(store_hash_del(w.obj, "a", 1));
	CU_ASSERT_EQUAL(store_hash_len(w.obj), 0);
	store_wr_delete(&w);
	store_write_commit(&w, 1, "hdel");
	CU_ASSERT_EQUAL(st->used_bytes,
			base + store_shard_index_bytes(s)); /* the key table stays */
	CU_ASSERT_EQUAL(store_db_size(s, 0), 0);
	store_shard_destroy(&s);
}

struct scan_seen {
	uint8_t hit[3000];
	unsigned reported;
};

static void on_field(void *arg, const uint8_t *f, size_t flen, const uint8_t *v, size_t vlen)
{
	struct scan_seen *sc = arg;
	char tmp[16];
	(void)v;
	(void)vlen;
	if (flen < sizeof(tmp)) {
		memcpy(tmp, f, flen);
		tmp[flen] = '\0';
		int i = atoi(tmp + 1);
		if (i >= 0 && i < 3000)
			sc->hit[i] = 1;
	}
	sc->reported++;
}

static void test_store_hash_table_scan_reports_every_field_across_resizes(void)
{
	const struct store_hash_limits lim = {0, 64};
	struct store_shard *s = store_shard_create(0, 1);
	struct store_wr w;
	struct store_obj *o = hash_begin(s, &w);
	char f[16];
	for (int i = 0; i < 1000; i++) {
		snprintf(f, sizeof(f), "f%d", i);
		CU_ASSERT_EQUAL(set_str(o, f, "v", &lim), 1);
	}
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_HT);
	static struct scan_seen sc;
	memset(&sc, 0, sizeof(sc));
	uint64_t cursor = 0;
	int steps = 0, added = 1000, removed = 0;
	do {
		cursor = store_hash_scan(o, cursor, on_field, &sc);
		/* grow during the first half of the walk, shrink during the second */
		if (steps < 300 && added < 3000) {
			for (int k = 0; k < 8; k++, added++) {
				snprintf(f, sizeof(f), "f%d", added);
				set_str(o, f, "v", &lim);
			}
		} else if (steps >= 300 && added - removed > 1100) {
			/* delete only fields added during the walk (>= 1000) */
			for (int k = 0; k < 16 && added - removed > 1100; k++, removed++) {
				snprintf(f, sizeof(f), "f%d", 1000 + removed);
				store_hash_del(o, f, strlen(f));
			}
		}
		steps++;
	} while (cursor != 0 && steps < 1000000);
	CU_ASSERT_EQUAL(cursor, 0);
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(sc.hit[i], 1);
	/* random picks land on live fields */
	for (int i = 0; i < 100; i++) {
		const uint8_t *rf, *rv;
		size_t rfl, rvl;
		store_hash_random(o, &rf, &rfl, &rv, &rvl);
		CU_ASSERT_TRUE(store_hash_get(o, rf, rfl, &rv, &rvl));
	}
	store_write_commit(&w, 1, "hset");
	store_shard_destroy(&s);
}

static void test_store_strtab_grows_shrinks_and_counts_bytes(void)
{
	struct store_strtab *t = store_strtab_create(0);
	uint64_t empty = t->bytes;
	char k[16];
	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		CU_ASSERT_EQUAL(store_strtab_set(t, k, strlen(k), NULL, 0), 1);
	}
	CU_ASSERT_EQUAL(store_strtab_set(t, "k7", 2, "val", 3), 0);
	CU_ASSERT_EQUAL(t->n, 5000);
	CU_ASSERT(store_strtab_buckets(t) >= 5000);
	uint64_t sum = sizeof(*t) + store_strtab_buckets(t) * sizeof(t->b[0][0]);
	uint64_t bucket;
	for (struct store_strtab_node *nd = store_strtab_first(t, &bucket); nd != NULL;
	     nd = store_strtab_next(t, &bucket, nd))
		sum += sizeof(*nd) + nd->klen + nd->vlen;
	CU_ASSERT_EQUAL(t->bytes, sum);
	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		CU_ASSERT_TRUE(store_strtab_del(t, k, strlen(k)));
	}
	CU_ASSERT_EQUAL(t->n, 0);
	/* a shrink may still be moving buckets (one per change): only the arrays remain */
	CU_ASSERT_EQUAL(t->bytes, sizeof(*t) + store_strtab_buckets(t) * sizeof(t->b[0][0]));
	CU_ASSERT(t->bytes >= empty);
	store_strtab_destroy(t);
}

/* A resize moves one bucket per change: meanwhile both arrays hold
 * elements, and lookups, iteration, random picks and SCAN see all of them. */
static void test_store_strtab_incremental_resize_keeps_every_element_visible(void)
{
	struct store_strtab *t = store_strtab_create(0);
	char k[16];
	int resizing_steps = 0;
	for (int i = 0; i < 1500; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		CU_ASSERT_EQUAL(store_strtab_set(t, k, strlen(k), "v", 1), 1);
		if (t->rehash_idx < 0)
			continue;
		resizing_steps++;
		CU_ASSERT(t->size[1] == 2 * t->size[0]);
		uint64_t bucket, walked = 0;
		for (struct store_strtab_node *nd = store_strtab_first(t, &bucket); nd != NULL;
		     nd = store_strtab_next(t, &bucket, nd))
			walked++;
		CU_ASSERT_EQUAL(walked, t->n);
		for (int j = 0; j <= i; j += 97) {
			snprintf(k, sizeof(k), "k%d", j);
			CU_ASSERT_PTR_NOT_NULL(store_strtab_get(t, k, strlen(k)));
		}
		struct store_strtab_node *r = store_strtab_random(t, store_strtab_rand);
		CU_ASSERT_PTR_NOT_NULL(r);
	}
	CU_ASSERT(resizing_steps > 100);
	/* shrink back, one bucket per delete */
	for (int i = 0; i < 1490; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		CU_ASSERT_TRUE(store_strtab_del(t, k, strlen(k)));
	}
	for (int i = 1490; i < 1500; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		CU_ASSERT_PTR_NOT_NULL(store_strtab_get(t, k, strlen(k)));
	}
	CU_ASSERT(store_strtab_buckets(t) < 512);
	store_strtab_destroy(t);
}

const struct rw_test_case store_hash_tests[] = {
    RW_TEST(test_store_strtab_incremental_resize_keeps_every_element_visible),
    RW_TEST(test_store_hash_listpack_keeps_insertion_order_and_replaces_in_place),
    RW_TEST(test_store_hash_converts_at_entries_threshold_and_never_back),
    RW_TEST(test_store_hash_converts_on_long_field_or_value),
    RW_TEST(test_store_hash_memory_follows_the_collection_and_returns_to_baseline),
    RW_TEST(test_store_hash_table_scan_reports_every_field_across_resizes),
    RW_TEST(test_store_strtab_grows_shrinks_and_counts_bytes),
    {NULL, NULL},
};
