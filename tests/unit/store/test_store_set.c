/*
 * Set values (dataplane/store/store_set.c): the intset's order and
 * canonical-integer rule, the one-way conversion to a hash table at
 * set-max-intset-entries or on a non-integer member (7.0.15's behaviour,
 * checked against the stock server by oracle_cases_set.py), memory
 * accounting through the write path, and SSCAN / random members.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_test.h"
#include "store.h"
#include "store_set.h"

#define T0 1700000000000ULL

/* Begin a write of key "s", creating a set for first member @p first. */
static struct store_obj *set_begin(struct store_shard *s, struct store_wr *w, const char *first)
{
	store_write_begin(s, 0, "s", 1, T0, w);
	if (w->obj == NULL) {
		uint8_t enc;
		void *c = store_set_create(first, first != NULL ? strlen(first) : 0, &enc);
		CU_ASSERT_EQUAL_FATAL(store_wr_set_coll(w, STORE_TYPE_SET, enc, c), 0);
	}
	return w->obj;
}

static int add(struct store_obj *o, const char *m, uint64_t max)
{
	return store_set_add(o, m, strlen(m), max);
}

static void test_store_set_intset_is_sorted_and_takes_only_canonical_integers(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_wr w;
	struct store_obj *o = set_begin(s, &w, "5");
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_INTSET);
	const char *in[] = {"5", "-3", "9223372036854775807", "0", "-9223372036854775808", "5"};
	int added = 0;
	for (size_t i = 0; i < 6; i++)
		added += add(o, in[i], 512);
	CU_ASSERT_EQUAL(added, 5);
	const char *want[] = {"-9223372036854775808", "-3", "0", "5", "9223372036854775807"};
	struct store_set_it it;
	const uint8_t *m;
	size_t n, i = 0;
	store_set_it_init(&it, o);
	while (store_set_it_next(&it, &m, &n) && i < 5) {
		CU_ASSERT(n == strlen(want[i]) && memcmp(m, want[i], n) == 0);
		i++;
	}
	CU_ASSERT_EQUAL(i, 5);
	CU_ASSERT_FALSE(store_set_has(o, "05", 2)); /* not canonical: not the member 5 */
	CU_ASSERT_TRUE(store_set_has(o, "5", 1));
	CU_ASSERT_FALSE(store_set_rem(o, "+5", 2));
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_INTSET);
	CU_ASSERT_EQUAL(add(o, "05", 512), 1); /* a string member: converts */
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_HT);
	CU_ASSERT_TRUE(store_set_has(o, "5", 1));
	CU_ASSERT_TRUE(store_set_has(o, "05", 2));
	CU_ASSERT_EQUAL(store_set_len(o), 6);
	store_write_commit(&w, 1, "sadd");
	store_shard_destroy(&s);
}

static void test_store_set_converts_past_max_intset_entries_and_never_back(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_wr w;
	struct store_obj *o = set_begin(s, &w, "1");
	char m[16];
	for (int i = 0; i < 3; i++) {
		snprintf(m, sizeof(m), "%d", i);
		CU_ASSERT_EQUAL(add(o, m, 3), 1);
	}
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_INTSET); /* exactly at the threshold */
	CU_ASSERT_EQUAL(add(o, "2", 3), 0);
	CU_ASSERT_EQUAL(add(o, "3", 3), 1);
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_HT);
	CU_ASSERT_STRING_EQUAL(store_obj_enc_name(o), "hashtable");
	for (int i = 0; i < 3; i++) {
		snprintf(m, sizeof(m), "%d", i);
		CU_ASSERT_TRUE(store_set_rem(o, m, strlen(m)));
	}
	CU_ASSERT_EQUAL(store_set_len(o), 1);
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_HT);
	store_write_commit(&w, 1, "sadd");
	/* a set whose first member is a string starts as a hash table */
	store_delete(s, 0, "s", 1, T0);
	o = set_begin(s, &w, "abc");
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_HT);
	CU_ASSERT_EQUAL(add(o, "abc", 512), 1);
	store_write_commit(&w, 1, "sadd");
	store_shard_destroy(&s);
}

static void test_store_set_memory_follows_the_set_and_returns_to_baseline(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_stats *st = store_shard_stats(s);
	uint64_t base = st->used_bytes;
	struct store_wr w;
	struct store_obj *o = set_begin(s, &w, "1");
	char m[24];
	for (int i = 0; i < 500; i++) {
		snprintf(m, sizeof(m), "%d", i * 7);
		add(o, m, 512);
	}
	store_write_commit(&w, 500, "sadd");
	uint64_t intset = st->used_bytes - base;
	CU_ASSERT(intset >= 500 * 8 && intset < 500 * 8 * 3); /* 8 bytes a member, doubling */
	o = set_begin(s, &w, NULL);
	for (int i = 0; i < 500; i++) {
		snprintf(m, sizeof(m), "member:%d", i);
		add(o, m, 512);
	}
	store_write_commit(&w, 500, "sadd");
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_HT);
	CU_ASSERT(st->used_bytes - base > 1000 * 16);
	CU_ASSERT(store_delete(s, 0, "s", 1, T0));
	CU_ASSERT_EQUAL(st->used_bytes,
			base + store_shard_index_bytes(s)); /* the key table stays */
	store_shard_destroy(&s);
}

static void on_member(void *arg, const uint8_t *m, size_t n)
{
	uint8_t *hit = arg;
	char tmp[16];
	if (n < sizeof(tmp) && n > 1 && m[0] == 'm') {
		memcpy(tmp, m, n);
		tmp[n] = '\0';
		int i = atoi(tmp + 1);
		if (i >= 0 && i < 2000)
			hit[i] = 1;
	}
}

static void test_store_set_scan_and_random_cover_live_members(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_wr w;
	struct store_obj *o = set_begin(s, &w, "m0");
	char m[16];
	for (int i = 0; i < 1000; i++) {
		snprintf(m, sizeof(m), "m%d", i);
		add(o, m, 512);
	}
	static uint8_t hit[2000];
	memset(hit, 0, sizeof(hit));
	uint64_t cursor = 0;
	int steps = 0, added = 1000;
	do {
		cursor = store_set_scan(o, cursor, on_member, hit);
		if (added < 2000) { /* grow under the walk */
			snprintf(m, sizeof(m), "m%d", added++);
			add(o, m, 512);
		}
	} while (cursor != 0 && ++steps < 1000000);
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(hit[i], 1);
	for (int i = 0; i < 200; i++) {
		char buf[24];
		const uint8_t *r;
		size_t n;
		store_set_random(o, buf, &r, &n);
		CU_ASSERT_TRUE(store_set_has(o, r, n));
	}
	/* an intset scans whole in one step */
	store_write_commit(&w, 1, "sadd");
	store_delete(s, 0, "s", 1, T0);
	o = set_begin(s, &w, "1");
	add(o, "1", 512);
	add(o, "2", 512);
	int count = 0;
	struct store_set_it it;
	const uint8_t *mm;
	size_t n;
	store_set_it_init(&it, o);
	while (store_set_it_next(&it, &mm, &n))
		count++;
	CU_ASSERT_EQUAL(count, 2);
	CU_ASSERT_EQUAL(store_set_scan(o, 0, on_member, hit), 0);
	store_write_commit(&w, 1, "sadd");
	store_shard_destroy(&s);
}

const struct rw_test_case store_set_tests[] = {
    RW_TEST(test_store_set_intset_is_sorted_and_takes_only_canonical_integers),
    RW_TEST(test_store_set_converts_past_max_intset_entries_and_never_back),
    RW_TEST(test_store_set_memory_follows_the_set_and_returns_to_baseline),
    RW_TEST(test_store_set_scan_and_random_cover_live_members),
    {NULL, NULL},
};
