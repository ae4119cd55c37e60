/*
 * Unit tests for maxmemory eviction and the LFU counter (store_evict.c):
 * every policy on a shard with a small budget, eligibility of keys, the
 * LFU formula of Redis 7.0 evict.c (compared with stock redis-server
 * 7.0.15: a new key reads 5; 1000 GETs at lfu-log-factor 10 read 19).
 */
#include <stdio.h>
#include <string.h>

#include "rw_test.h"
#include "store.h"

#define T0     1700000000000ULL
#define BUDGET (256u * 1024)
#define VAL    "0123456789012345678901234567890123456789012345678901234567890123456789"

static struct store_evict_cfg cfg_of(enum store_evict_policy p)
{
	return (struct store_evict_cfg){
	    .policy = p, .samples = 5, .tenacity = 100, .lfu_log_factor = 10, .lfu_decay_time = 1};
}

static void put(struct store_shard *s, uint32_t db, const char *pfx, int i, int64_t exp,
		uint64_t now)
{
	char k[32];
	int n = snprintf(k, sizeof(k), "%s:%d", pfx, i);
	struct store_wr w;
	store_write_begin(s, db, k, (size_t)n, now, &w);
	CU_ASSERT_EQUAL_FATAL(store_wr_set_str(&w, VAL, sizeof(VAL) - 1), 0);
	if (exp != STORE_NO_EXPIRE)
		store_wr_set_expire(&w, exp);
	store_write_commit(&w, 1, "set");
}

static uint64_t max_entry(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	put(s, 0, "persist", 99999, T0 + 1, T0);
	uint64_t n = store_shard_stats(s)->used_bytes;
	store_shard_destroy(&s);
	return n;
}

/* Offer three times the budget (a quarter persistent, the rest volatile,
 * spread over two DBs), evicting after every write as the dispatcher does. */
static void run_policy(enum store_evict_policy p, bool volatile_only)
{
	struct store_shard *s = store_shard_create(0, 2);
	struct store_evict_cfg c = cfg_of(p);
	store_shard_evict_cfg_set(s, &c);
	uint64_t one = max_entry();
	int n_persist = 0, total = (int)(3 * BUDGET / one);
	for (int i = 0; i < total; i++) {
		uint64_t now = T0 + (uint64_t)i * 10;
		bool persist = i % 4 == 0 && (uint64_t)n_persist * one < BUDGET / 4;
		if (persist)
			put(s, (uint32_t)(i & 1), "persist", n_persist++, STORE_NO_EXPIRE, now);
		else
			put(s, (uint32_t)(i & 1), "vol", i,
			    (int64_t)(T0 + 3600000 + (uint64_t)i * 1000), now);
		store_evict(s, BUDGET, &c, now, 0);
		CU_ASSERT_NOT_EQUAL(store_evict_last(s), STORE_EVICT_FAIL);
	}
	const struct store_stats *st = store_shard_stats(s);
	CU_ASSERT(st->used_bytes <= BUDGET + one);
	CU_ASSERT(st->used_bytes * 100 > (uint64_t)BUDGET * 85);
	CU_ASSERT(st->evicted_keys > 0);
	if (volatile_only) {
		/* never a persistent key */
		for (int i = 0; i < n_persist; i++) {
			char k[32];
			int n = snprintf(k, sizeof(k), "persist:%d", i);
			bool found = store_lookup(s, 0, k, (size_t)n, T0, STORE_LOOKUP_NOTOUCH) ||
				     store_lookup(s, 1, k, (size_t)n, T0, STORE_LOOKUP_NOTOUCH);
			CU_ASSERT_FATAL(found);
		}
	}
	store_shard_destroy(&s);
}

static void test_store_evict_allkeys_lru_holds_budget(void)
{
	run_policy(STORE_EVICT_ALLKEYS_LRU, false);
}
static void test_store_evict_allkeys_lfu_holds_budget(void)
{
	run_policy(STORE_EVICT_ALLKEYS_LFU, false);
}
static void test_store_evict_allkeys_random_holds_budget(void)
{
	run_policy(STORE_EVICT_ALLKEYS_RANDOM, false);
}
static void test_store_evict_volatile_lru_spares_persistent_keys(void)
{
	run_policy(STORE_EVICT_VOLATILE_LRU, true);
}
static void test_store_evict_volatile_lfu_spares_persistent_keys(void)
{
	run_policy(STORE_EVICT_VOLATILE_LFU, true);
}
static void test_store_evict_volatile_random_spares_persistent_keys(void)
{
	run_policy(STORE_EVICT_VOLATILE_RANDOM, true);
}
static void test_store_evict_volatile_ttl_spares_persistent_keys(void)
{
	run_policy(STORE_EVICT_VOLATILE_TTL, true);
}

static void test_store_evict_volatile_ttl_prefers_nearer_expiry(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_evict_cfg c = cfg_of(STORE_EVICT_VOLATILE_TTL);
	for (int i = 0; i < 2000; i++)
		put(s, 0, "vol", i, (int64_t)(T0 + 1000000 + (uint64_t)i * 1000), T0);
	uint64_t used = store_shard_stats(s)->used_bytes;
	store_evict(s, used / 2, &c, T0, 0);
	int near = 0, far = 0;
	for (int i = 0; i < 2000; i++) {
		char k[32];
		int n = snprintf(k, sizeof(k), "vol:%d", i);
		if (store_lookup(s, 0, k, (size_t)n, T0, STORE_LOOKUP_NOTOUCH) != NULL)
			continue;
		if (i < 1000)
			near++;
		else
			far++;
	}
	CU_ASSERT(near > 3 * far);
	store_shard_destroy(&s);
}

static void test_store_evict_noeviction_evicts_nothing(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_evict_cfg c = cfg_of(STORE_EVICT_NOEVICTION);
	for (int i = 0; i < 100; i++)
		put(s, 0, "k", i, STORE_NO_EXPIRE, T0);
	CU_ASSERT_EQUAL(store_evict(s, 1024, &c, T0, 0), 0);
	CU_ASSERT_EQUAL(store_evict_last(s), STORE_EVICT_FAIL);
	CU_ASSERT_EQUAL(store_shard_keys(s), 100);
	CU_ASSERT_EQUAL(store_shard_stats(s)->evicted_keys, 0);
	/* under budget is OK whatever the policy */
	CU_ASSERT_EQUAL(store_evict(s, UINT64_MAX, &c, T0, 0), 0);
	CU_ASSERT_EQUAL(store_evict_last(s), STORE_EVICT_OK);
	store_shard_destroy(&s);
}

static void test_store_evict_volatile_without_volatile_keys_fails(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_evict_cfg c = cfg_of(STORE_EVICT_VOLATILE_LRU);
	for (int i = 0; i < 100; i++)
		put(s, 0, "k", i, STORE_NO_EXPIRE, T0);
	CU_ASSERT_EQUAL(store_evict(s, 1024, &c, T0, 0), 0);
	CU_ASSERT_EQUAL(store_evict_last(s), STORE_EVICT_FAIL);
	CU_ASSERT_EQUAL(store_shard_keys(s), 100);
	store_shard_destroy(&s);
}

static void test_store_evict_max_keys_bounds_work_and_hooks_see_evicted(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_evict_cfg c = cfg_of(STORE_EVICT_ALLKEYS_RANDOM);
	for (int i = 0; i < 100; i++)
		put(s, 0, "k", i, STORE_NO_EXPIRE, T0);
	uint64_t dirty = store_shard_stats(s)->dirty;
	CU_ASSERT(store_evict(s, 1024, &c, T0, 10) > 0);
	CU_ASSERT_EQUAL(store_evict_last(s), STORE_EVICT_RUNNING);
	CU_ASSERT_EQUAL(store_shard_keys(s), 90);
	CU_ASSERT_EQUAL(store_shard_stats(s)->evicted_keys, 10);
	CU_ASSERT_EQUAL(store_shard_stats(s)->dirty, dirty); /* not a change */
	store_shard_destroy(&s);
}

static void test_store_lfu_counter_starts_at_5_grows_log_and_decays(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_evict_cfg c = cfg_of(STORE_EVICT_ALLKEYS_LFU);
	store_shard_evict_cfg_set(s, &c);
	put(s, 0, "k", 1, STORE_NO_EXPIRE, T0);
	struct store_obj *o = store_lookup(s, 0, "k:1", 3, T0, STORE_LOOKUP_NOTOUCH);
	CU_ASSERT_EQUAL(store_obj_freq(s, o, T0), STORE_LFU_INIT_VAL);
	/* at INIT the increment is certain: p = 1 / (0 * factor + 1) */
	o = store_lookup_read(s, 0, "k:1", 3, T0);
	CU_ASSERT_EQUAL(store_obj_freq(s, o, T0), 6);
	/* decay: one per lfu-decay-time minute, read without storing */
	CU_ASSERT_EQUAL(store_obj_freq(s, o, T0 + 3 * 60000), 3);
	CU_ASSERT_EQUAL(store_obj_freq(s, o, T0 + 100 * 60000), 0);
	CU_ASSERT_EQUAL(store_obj_freq(s, o, T0), 6);
	/* growth: stock 7.0.15 reads 19 after 1000 GETs at factor 10; the
	 * increment is random, so average over 20 keys */
	unsigned sum = 0;
	uint8_t f = 0;
	for (int k = 0; k < 20; k++) {
		char key[16];
		put(s, 0, "c", k, STORE_NO_EXPIRE, T0);
		int n = snprintf(key, sizeof(key), "c:%d", k);
		for (int i = 0; i < 1000; i++)
			o = store_lookup_read(s, 0, key, (size_t)n, T0);
		f = store_obj_freq(s, o, T0);
		sum += f;
	}
	CU_ASSERT(sum >= 16 * 20 && sum <= 22 * 20);
	/* lfu-decay-time 0: never decays */
	c.lfu_decay_time = 0;
	store_shard_evict_cfg_set(s, &c);
	CU_ASSERT_EQUAL(store_obj_freq(s, o, T0 + 1000 * 60000), f);
	/* factor 0: every access counts, up to 255 */
	c.lfu_log_factor = 0;
	store_shard_evict_cfg_set(s, &c);
	for (int i = 0; i < 300; i++)
		o = store_lookup_read(s, 0, "c:19", 4, T0);
	CU_ASSERT_EQUAL(store_obj_freq(s, o, T0), 255);
	store_shard_destroy(&s);
}

/* Read k:1's counter (factor 0: a count of accesses). */
static uint8_t freq_of(struct store_shard *s, const char *k)
{
	struct store_obj *o = store_lookup(s, 0, k, strlen(k), T0, STORE_LOOKUP_NOTOUCH);
	return o != NULL ? store_obj_freq(s, o, T0) : 0;
}

/* Redis's lookupKeyWrite() then an in-place change is one access (SMOVE,
 * LMOVE: 7.0.15 counts +1 on each key); a read lookup and a write are two
 * (ZINTERSTORE d ... d: +2); a key looked up twice for writing (LMOVE l l)
 * is two; store_cmd_end() forgets what the command looked up. */
static void test_store_write_after_write_lookup_is_one_access(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct store_evict_cfg c = cfg_of(STORE_EVICT_ALLKEYS_LFU);
	c.lfu_log_factor = 0;
	c.lfu_decay_time = 0;
	store_shard_evict_cfg_set(s, &c);
	put(s, 0, "k", 1, STORE_NO_EXPIRE, T0);
	put(s, 0, "k", 2, STORE_NO_EXPIRE, T0);
	CU_ASSERT_EQUAL(freq_of(s, "k:1"), STORE_LFU_INIT_VAL);
	struct store_wr w;
	/* lookupKeyWrite() of both, then each written: one access each */
	CU_ASSERT_PTR_NOT_NULL(store_lookup_write(s, 0, "k:1", 3, T0));
	CU_ASSERT_PTR_NOT_NULL(store_lookup_write(s, 0, "k:2", 3, T0));
	store_write_begin(s, 0, "k:1", 3, T0, &w);
	store_write_commit(&w, 1, "x");
	store_write_begin(s, 0, "k:2", 3, T0, &w);
	store_write_commit(&w, 1, "x");
	store_cmd_end(s);
	CU_ASSERT_EQUAL(freq_of(s, "k:1"), 6);
	CU_ASSERT_EQUAL(freq_of(s, "k:2"), 6);
	/* the lookup covers one write only: a second write is a new access */
	CU_ASSERT_PTR_NOT_NULL(store_lookup_write(s, 0, "k:1", 3, T0));
	store_write_begin(s, 0, "k:1", 3, T0, &w);
	store_write_commit(&w, 1, "x");
	store_write_begin(s, 0, "k:1", 3, T0, &w);
	store_write_commit(&w, 1, "x");
	store_cmd_end(s);
	CU_ASSERT_EQUAL(freq_of(s, "k:1"), 8);
	/* named twice (LMOVE l l): two lookups, two accesses, the write none */
	store_lookup_write(s, 0, "k:1", 3, T0);
	store_lookup_write(s, 0, "k:1", 3, T0);
	store_write_begin(s, 0, "k:1", 3, T0, &w);
	store_write_commit(&w, 1, "x");
	store_cmd_end(s);
	CU_ASSERT_EQUAL(freq_of(s, "k:1"), 10);
	/* a read lookup, then a write (setKey()'s own lookup): two */
	store_lookup_read(s, 0, "k:2", 3, T0);
	store_write_begin(s, 0, "k:2", 3, T0, &w);
	store_write_commit(&w, 1, "x");
	store_cmd_end(s);
	CU_ASSERT_EQUAL(freq_of(s, "k:2"), 8);
	/* the command ended: the next one's write touches */
	store_lookup_write(s, 0, "k:2", 3, T0);
	store_cmd_end(s);
	store_write_begin(s, 0, "k:2", 3, T0, &w);
	store_write_commit(&w, 1, "x");
	CU_ASSERT_EQUAL(freq_of(s, "k:2"), 10);
	store_shard_destroy(&s);
}

const struct rw_test_case store_evict_tests[] = {
    RW_TEST(test_store_evict_allkeys_lru_holds_budget),
    RW_TEST(test_store_evict_allkeys_lfu_holds_budget),
    RW_TEST(test_store_evict_allkeys_random_holds_budget),
    RW_TEST(test_store_evict_volatile_lru_spares_persistent_keys),
    RW_TEST(test_store_evict_volatile_lfu_spares_persistent_keys),
    RW_TEST(test_store_evict_volatile_random_spares_persistent_keys),
    RW_TEST(test_store_evict_volatile_ttl_spares_persistent_keys),
    RW_TEST(test_store_evict_volatile_ttl_prefers_nearer_expiry),
    RW_TEST(test_store_evict_noeviction_evicts_nothing),
    RW_TEST(test_store_evict_volatile_without_volatile_keys_fails),
    RW_TEST(test_store_evict_max_keys_bounds_work_and_hooks_see_evicted),
    RW_TEST(test_store_lfu_counter_starts_at_5_grows_log_and_decays),
    RW_TEST(test_store_write_after_write_lookup_is_one_access),
    {NULL, NULL},
};
