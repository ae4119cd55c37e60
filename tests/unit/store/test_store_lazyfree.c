/* Lazy free (store_lazyfree.c): a big collection dropped from the keyspace
 * (DEL, overwrite, FLUSHDB, expiry) is queued and freed in bounded steps,
 * every type and encoding; a small one goes at once. ASan checks that
 * every node is freed exactly once. */
#include <stdio.h>
#include <string.h>

#include "rw_test.h"
#include "store.h"
#include "store_hash.h"
#include "store_list.h"
#include "store_set.h"
#include "store_zset.h"

#define T0 1700000000000ull

/* Give key "k" a collection of @p n elements of type @p type. */
static void fill(struct store_shard *s, uint8_t type, uint32_t n)
{
	struct store_wr w;
	store_write_begin(s, 0, "k", 1, T0, &w);
	static const struct store_hash_limits hlim = {0, 0}; /* hash table at once */
	static const struct store_zset_cfg zcfg = {0, 0};    /* skiplist at once */
	char m[32];
	if (type == STORE_TYPE_LIST) {
		struct store_list *l = store_list_create(-2, 0);
		CU_ASSERT_FATAL(store_wr_set_coll(&w, type, STORE_ENC_QUICKLIST, l) == 0);
		for (uint32_t i = 0; i < n; i++)
			store_list_push(l, false, m, (size_t)snprintf(m, sizeof(m), "e%u", i));
	} else if (type == STORE_TYPE_HASH) {
		CU_ASSERT_FATAL(
		    store_wr_set_coll(&w, type, STORE_ENC_LISTPACK, store_hash_create()) == 0);
		for (uint32_t i = 0; i < n; i++)
			store_hash_set(w.obj, m, (size_t)snprintf(m, sizeof(m), "f%u", i), "v", 1,
				       &hlim);
	} else if (type == STORE_TYPE_SET) {
		uint8_t enc;
		void *c = store_set_create("a", 1, &enc);
		CU_ASSERT_FATAL(store_wr_set_coll(&w, type, enc, c) == 0);
		for (uint32_t i = 0; i < n; i++)
			store_set_add(w.obj, m, (size_t)snprintf(m, sizeof(m), "m%u", i), 512);
	} else {
		struct store_zset *z = store_zset_create(true);
		CU_ASSERT_FATAL(store_wr_set_coll(&w, type, STORE_ENC_SKIPLIST, z) == 0);
		for (uint32_t i = 0; i < n; i++) {
			unsigned out;
			double now;
			store_zset_add(z, &zcfg, i, m, (size_t)snprintf(m, sizeof(m), "z%u", i), 0,
				       &out, &now);
		}
	}
	store_write_commit(&w, 1, "fill");
}

static void test_lazyfree_big_collections_go_in_bounded_steps(void)
{
	static const uint8_t types[] = {STORE_TYPE_LIST, STORE_TYPE_HASH, STORE_TYPE_SET,
					STORE_TYPE_ZSET};
	struct store_shard *s = store_shard_create(0, 1);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		fill(s, types[t], 20000);
		uint64_t used = store_shard_stats(s)->used_bytes;
		CU_ASSERT_TRUE(store_delete(s, 0, "k", 1, T0));
		/* the key and its accounting go at once, the memory later */
		CU_ASSERT_EQUAL(store_db_size(s, 0), 0);
		CU_ASSERT(store_shard_stats(s)->used_bytes < used);
		CU_ASSERT_EQUAL(store_lazyfree_pending(), 1);
		uint32_t steps = 0, freed = 0, got;
		/* a list frees whole nodes (~1000 short elements each) */
		uint32_t budget = types[t] == STORE_TYPE_LIST ? 2 : 100;
		while ((got = store_lazyfree_step(budget)) > 0) {
			CU_ASSERT(got <= budget);
			freed += got;
			steps++;
		}
		CU_ASSERT_EQUAL(store_lazyfree_pending(), 0);
		CU_ASSERT(steps > 5); /* not in one go */
		CU_ASSERT(freed >= 20000 / 2000);
	}
	store_shard_destroy(&s);
}

static void test_lazyfree_small_collection_freed_at_once(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	fill(s, STORE_TYPE_SET, 10);
	CU_ASSERT_TRUE(store_delete(s, 0, "k", 1, T0));
	CU_ASSERT_EQUAL(store_lazyfree_pending(), 0);
	store_shard_destroy(&s);
}

/* Overwrite, FLUSHDB and teardown drop big values too; teardown drains. */
static void test_lazyfree_overwrite_flush_and_teardown(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	fill(s, STORE_TYPE_ZSET, 5000);
	CU_ASSERT_EQUAL(store_set(s, 0, "k", 1, "v", 1, STORE_NO_EXPIRE, 0), 0);
	CU_ASSERT_EQUAL(store_lazyfree_pending(), 1);
	fill(s, STORE_TYPE_LIST, 50000);
	store_db_flush(s, 0);
	CU_ASSERT_EQUAL(store_lazyfree_pending(), 2);
	store_lazyfree_step(10);
	fill(s, STORE_TYPE_HASH, 5000);
	store_shard_destroy(&s); /* drains the rest and the live key's table */
	CU_ASSERT_EQUAL(store_lazyfree_pending(), 0);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_lazyfree_big_collections_go_in_bounded_steps),
	    RW_TEST(test_lazyfree_small_collection_freed_at_once),
	    RW_TEST(test_lazyfree_overwrite_flush_and_teardown),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("store_lazyfree", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
