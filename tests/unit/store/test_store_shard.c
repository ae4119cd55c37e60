/*
 * Unit tests for the keyspace shard (dataplane/store): incremental rehash,
 * lazy and active expiry, encodings, counters. A fake clock: every call
 * takes now_ms explicitly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rw_test.h"
#include "store.h"

#define T0 1700000000000ULL /* a fixed "now" in unix ms */

static size_t key_of(char *buf, int i)
{
	return (size_t)sprintf(buf, "key:%d", i);
}

static bool has_key(struct store_shard *s, uint32_t db, int i)
{
	char k[32];
	size_t n = key_of(k, i);
	return store_lookup_write(s, db, k, n, T0) != NULL;
}

static void test_store_rehash_inserts_keep_every_key_findable(void)
{
	struct store_shard *s = store_shard_create(0, 16);
	char k[32];
	bool saw_rehash = false;
	for (int i = 0; i < 20000; i++) {
		size_t n = key_of(k, i);
		CU_ASSERT_EQUAL_FATAL(store_set(s, 0, k, n, k, n, STORE_NO_EXPIRE, 0), 0);
		saw_rehash |= store_db_rehashing(s, 0);
		/* Mid-rehash, earlier keys live in either table. */
		if (i % 997 == 0)
			for (int j = 0; j <= i; j += 13)
				CU_ASSERT_FATAL(has_key(s, 0, j));
	}
	CU_ASSERT(saw_rehash);
	CU_ASSERT_EQUAL(store_db_size(s, 0), 20000);
	for (int i = 0; i < 20000; i++)
		CU_ASSERT_FATAL(has_key(s, 0, i));
	CU_ASSERT_FALSE(has_key(s, 1, 5)); /* DBs are separate */
	store_shard_destroy(&s);
	CU_ASSERT_PTR_NULL(s);
}

static void test_store_rehash_deletes_shrink_and_keep_rest_findable(void)
{
	struct store_shard *s = store_shard_create(0, 2);
	char k[32];
	for (int i = 0; i < 10000; i++) {
		size_t n = key_of(k, i);
		store_set(s, 1, k, n, "v", 1, STORE_NO_EXPIRE, 0);
	}
	bool saw_rehash = false;
	for (int i = 0; i < 10000; i++) {
		if (i % 10 == 0)
			continue;
		size_t n = key_of(k, i);
		CU_ASSERT_FATAL(store_delete(s, 1, k, n, T0));
		saw_rehash |= store_db_rehashing(s, 1);
		/* interleave inserts with the shrinking rehash */
		if (i % 500 == 1) {
			n = (size_t)sprintf(k, "late:%d", i);
			store_set(s, 1, k, n, "x", 1, STORE_NO_EXPIRE, 0);
		}
	}
	CU_ASSERT(saw_rehash);
	CU_ASSERT_EQUAL(store_db_size(s, 1), 1000 + 20);
	for (int i = 0; i < 10000; i += 10)
		CU_ASSERT_FATAL(has_key(s, 1, i));
	CU_ASSERT_FALSE(has_key(s, 1, 11));
	CU_ASSERT_FALSE(store_delete(s, 1, "nope", 4, T0));
	store_shard_destroy(&s);
}

static void test_store_encodings_follow_redis(void)
{
	struct store_shard *s = store_shard_create(3, 16);
	static const struct {
		const char *v;
		const char *enc;
	} cases[] = {
	    {"12345", "int"},
	    {"-9223372036854775808", "int"},
	    {"9223372036854775808", "embstr"}, /* overflows int64 */
	    {"012", "embstr"},		       /* not canonical */
	    {"-0", "embstr"},
	    {"+1", "embstr"},
	    {"", "embstr"},
	    {"12345678901234567890123456789012345678901234", "embstr"}, /* 44 */
	    {"123456789012345678901234567890123456789012345", "raw"},	/* 45 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t vl = strlen(cases[i].v);
		CU_ASSERT_EQUAL(store_set(s, 0, "k", 1, cases[i].v, vl, STORE_NO_EXPIRE, 0), 0);
		struct store_obj *o = store_lookup_read(s, 0, "k", 1, T0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		CU_ASSERT_EQUAL(o->type, STORE_TYPE_STRING);
		CU_ASSERT_STRING_EQUAL(store_obj_enc_name(o), cases[i].enc);
		char buf[21];
		const uint8_t *p;
		size_t n = store_obj_str(o, buf, &p);
		CU_ASSERT_EQUAL(n, vl);
		CU_ASSERT(memcmp(p, cases[i].v, vl) == 0);
	}
	/* embstr growing in place, then shrinking back: entry is reallocated */
	store_set(s, 0, "k", 1, "ab", 2, T0 + 5000, 0);
	store_set(s, 0, "k", 1, "abcdefghijklmnopqrstuvwxyz0123456789", 36, STORE_NO_EXPIRE,
		  STORE_SET_KEEPTTL);
	CU_ASSERT_EQUAL(store_get_expire(s, 0, "k", 1), (int64_t)(T0 + 5000));
	CU_ASSERT_EQUAL(store_db_expires(s, 0), 1);
	CU_ASSERT_EQUAL(store_set_int(s, 0, "k", 1, 42, STORE_NO_EXPIRE, STORE_SET_KEEPTTL), 0);
	struct store_obj *o = store_lookup_read(s, 0, "k", 1, T0);
	CU_ASSERT_EQUAL(o->enc, STORE_ENC_INT);
	CU_ASSERT_EQUAL(o->v.i, 42);
	CU_ASSERT_EQUAL(store_get_expire(s, 0, "k", 1), (int64_t)(T0 + 5000));
	store_shard_destroy(&s);
}

static void test_store_lazy_expiry_on_lookup_and_delete(void)
{
	struct store_shard *s = store_shard_create(0, 16);
	struct store_stats *st = store_shard_stats(s);
	store_set(s, 0, "a", 1, "1", 1, T0 + 100, 0);
	store_set(s, 0, "b", 1, "1", 1, T0 + 100, 0);
	CU_ASSERT_EQUAL(store_db_expires(s, 0), 2);
	/* Redis: expired only once now is strictly past the expiry */
	CU_ASSERT_PTR_NOT_NULL(store_lookup_read(s, 0, "a", 1, T0 + 100));
	CU_ASSERT_PTR_NULL(store_lookup_read(s, 0, "a", 1, T0 + 101));
	CU_ASSERT_EQUAL(st->keyspace_hits, 1);
	CU_ASSERT_EQUAL(st->keyspace_misses, 1);
	CU_ASSERT_EQUAL(st->expired_keys, 1);
	CU_ASSERT_EQUAL(store_db_size(s, 0), 1); /* b is expired but not yet reclaimed */
	CU_ASSERT_FALSE(store_delete(s, 0, "b", 1, T0 + 101));
	CU_ASSERT_EQUAL(st->expired_keys, 2);
	CU_ASSERT_EQUAL(store_db_size(s, 0), 0);
	CU_ASSERT_EQUAL(store_db_expires(s, 0), 0);
	/* A plain SET clears the expiry; KEEPTTL keeps it */
	store_set(s, 0, "c", 1, "1", 1, T0 + 100, 0);
	store_set(s, 0, "c", 1, "2", 1, STORE_NO_EXPIRE, 0);
	CU_ASSERT_EQUAL(store_get_expire(s, 0, "c", 1), STORE_NO_EXPIRE);
	CU_ASSERT_EQUAL(store_db_expires(s, 0), 0);
	store_lookup_write(s, 0, "c", 1, T0 + 1000); /* write lookups do not count */
	CU_ASSERT_EQUAL(st->keyspace_hits, 1);
	store_shard_destroy(&s);
}

static void test_store_active_expire_is_bounded_and_reclaims_all(void)
{
	struct store_shard *s = store_shard_create(0, 4);
	char k[32];
	for (int i = 0; i < 3000; i++) {
		size_t n = key_of(k, i);
		/* DB 2: two thirds volatile and due; a third persistent */
		store_set(s, 2, k, n, "v", 1, i % 3 ? (int64_t)T0 + 10 : STORE_NO_EXPIRE, 0);
	}
	store_set(s, 3, "later", 5, "v", 1, T0 + 1000000, 0);
	CU_ASSERT_EQUAL(store_db_expires(s, 2), 2000);
	CU_ASSERT_EQUAL(store_active_expire_step(s, T0, 100), 0); /* nothing due yet */
	uint32_t got = store_active_expire_step(s, T0 + 11, 50);
	CU_ASSERT(got > 0 && got <= 50);
	uint32_t total = got, steps = 1;
	while (store_db_expires(s, 2) > 0 && steps < 10000) {
		total += store_active_expire_step(s, T0 + 11, 64);
		steps++;
	}
	CU_ASSERT_EQUAL(total, 2000);
	CU_ASSERT_EQUAL(store_shard_stats(s)->expired_keys, 2000);
	CU_ASSERT_EQUAL(store_db_size(s, 2), 1000);
	CU_ASSERT_EQUAL(store_db_expires(s, 3), 1); /* not due */
	CU_ASSERT_EQUAL(store_shard_keys(s), 1001);
	store_shard_destroy(&s);
}

static void test_store_shard_create_rejects_zero_dbs_and_destroy_is_null_safe(void)
{
	CU_ASSERT_PTR_NULL(store_shard_create(0, 0));
	struct store_shard *s = NULL;
	store_shard_destroy(&s);
	store_shard_destroy(NULL);
	s = store_shard_create(7, 16);
	CU_ASSERT_EQUAL(store_shard_id(s), 7);
	CU_ASSERT_EQUAL(store_shard_databases(s), 16);
	/* binary keys with NUL bytes are distinct keys */
	store_set(s, 0, "a\0b", 3, "1", 1, STORE_NO_EXPIRE, 0);
	CU_ASSERT_PTR_NULL(store_lookup_read(s, 0, "a", 1, T0));
	CU_ASSERT_PTR_NOT_NULL(store_lookup_read(s, 0, "a\0b", 3, T0));
	store_shard_destroy(&s);
}

struct hook_log {
	int calls;
	char last_event[16];
	char last_key[16];
};

static void log_hook(void *arg, uint32_t db, const void *key, size_t klen, const char *event)
{
	struct hook_log *l = arg;
	(void)db;
	l->calls++;
	snprintf(l->last_event, sizeof(l->last_event), "%s", event);
	snprintf(l->last_key, sizeof(l->last_key), "%.*s", (int)klen, (const char *)key);
}

/* Issue #4 item 7: the one write entry point does dirty, versions, LRU,
 * hooks and memory accounting for every change, and nothing for none. */
static void test_store_write_commit_counts_dirty_versions_hooks_and_memory(void)
{
	struct store_shard *s = store_shard_create(0, 16);
	struct store_stats *st = store_shard_stats(s);
	struct hook_log log = {0};
	CU_ASSERT_EQUAL(store_hook_add(s, log_hook, &log), 0);
	struct store_wr w;

	store_write_begin(s, 0, "k", 1, T0, &w);
	CU_ASSERT_PTR_NULL(w.obj);
	CU_ASSERT_EQUAL(store_wr_set_str(&w, "hello", 5), 0);
	store_write_commit(&w, 1, "set");
	CU_ASSERT_EQUAL(st->dirty, 1);
	CU_ASSERT_EQUAL(log.calls, 1);
	CU_ASSERT_STRING_EQUAL(log.last_event, "set");
	CU_ASSERT_STRING_EQUAL(log.last_key, "k");
	uint64_t mem1 = st->used_bytes;
	CU_ASSERT(mem1 > 5);
	struct store_obj *o = store_lookup(s, 0, "k", 1, T0, STORE_LOOKUP_NOTOUCH);
	uint64_t v1 = st->version;
	CU_ASSERT(v1 > 0);

	/* no change: no dirty, no hook, no change counted */
	store_write_begin(s, 0, "k", 1, T0, &w);
	store_write_commit(&w, 0, NULL);
	CU_ASSERT_EQUAL(st->dirty, 1);
	CU_ASSERT_EQUAL(log.calls, 1);
	CU_ASSERT_EQUAL(st->version, v1);

	/* in-place raw growth: raw encoding, memory grows, a change is counted */
	store_write_begin(s, 0, "k", 1, T0 + 3000, &w);
	uint8_t *p = store_wr_raw(&w, 200);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT(memcmp(p, "hello", 5) == 0 && p[5] == 0 && p[199] == 0);
	store_write_commit(&w, 1, "append");
	CU_ASSERT(st->used_bytes >= mem1 + 200);
	o = store_lookup(s, 0, "k", 1, T0 + 3000, STORE_LOOKUP_NOTOUCH);
	CU_ASSERT_STRING_EQUAL(store_obj_enc_name(o), "raw");
	CU_ASSERT_EQUAL(o->len, 200);
	CU_ASSERT(st->version > v1);
	CU_ASSERT_EQUAL(store_obj_idle_s(o, T0 + 5000), 2); /* the write touched the LRU clock */
	CU_ASSERT_EQUAL(st->dirty, 2);

	/* delete: the entry's memory is returned, hook sees "del" */
	CU_ASSERT(store_delete(s, 0, "k", 1, T0));
	CU_ASSERT_EQUAL(st->used_bytes, store_shard_index_bytes(s)); /* only the tables remain */
	CU_ASSERT_STRING_EQUAL(log.last_event, "del");
	CU_ASSERT_EQUAL(st->dirty, 3);
	CU_ASSERT_FALSE(store_delete(s, 0, "k", 1, T0));
	CU_ASSERT_EQUAL(st->dirty, 3);
	store_shard_destroy(&s);
}

/* Expiry through the entry point: set/clear, lazy reclaim runs the hooks
 * ("expired") and releases memory but is not a dirty change. */
static void test_store_write_expiry_and_lazy_reclaim(void)
{
	struct store_shard *s = store_shard_create(0, 16);
	struct store_stats *st = store_shard_stats(s);
	struct hook_log log = {0};
	store_hook_add(s, log_hook, &log);
	struct store_wr w;
	store_write_begin(s, 0, "t", 1, T0, &w);
	CU_ASSERT_EQUAL(store_wr_set_expire(&w, T0 + 10), -ENOENT); /* no key yet */
	CU_ASSERT_EQUAL(store_wr_set_int(&w, 7), 0);
	CU_ASSERT_EQUAL(store_wr_set_expire(&w, T0 + 10), 0);
	store_write_commit(&w, 1, "set");
	CU_ASSERT_EQUAL(store_db_expires(s, 0), 1);
	CU_ASSERT_EQUAL(store_get_expire(s, 0, "t", 1), (int64_t)(T0 + 10));
	/* a value change keeps the expiry; an embstr that needs room moves the entry */
	store_write_begin(s, 0, "t", 1, T0, &w);
	CU_ASSERT_EQUAL(store_wr_set_bytes(&w, "0123456789abcdefghij0123456789", 30), 0);
	store_write_commit(&w, 1, "set");
	CU_ASSERT_EQUAL(store_get_expire(s, 0, "t", 1), (int64_t)(T0 + 10));
	uint64_t dirty = st->dirty;
	/* lazy expiry on the next write's begin */
	store_write_begin(s, 0, "t", 1, T0 + 11, &w);
	CU_ASSERT_PTR_NULL(w.obj);
	store_write_commit(&w, 0, NULL);
	CU_ASSERT_STRING_EQUAL(log.last_event, "expired");
	CU_ASSERT_EQUAL(st->expired_keys, 1);
	CU_ASSERT_EQUAL(st->dirty, dirty);
	CU_ASSERT_EQUAL(st->used_bytes, store_shard_index_bytes(s)); /* only the tables remain */
	CU_ASSERT_EQUAL(store_db_expires(s, 0), 0);
	/* set_bytes never int-encodes (INCRBYFLOAT's "3") */
	store_write_begin(s, 0, "f", 1, T0, &w);
	store_wr_set_bytes(&w, "3", 1);
	store_write_commit(&w, 1, "incrbyfloat");
	CU_ASSERT_STRING_EQUAL(store_obj_enc_name(store_lookup_read(s, 0, "f", 1, T0)), "embstr");
	/* hooks are bounded */
	for (int i = 1; i < STORE_HOOKS_MAX; i++)
		CU_ASSERT_EQUAL(store_hook_add(s, log_hook, &log), 0);
	CU_ASSERT_EQUAL(store_hook_add(s, log_hook, &log), -ENOSPC);
	store_shard_destroy(&s);
}

/* RESTORE IDLETIME / RDB IDLE when the LRU clock (unix seconds, 24 bits)
 * has just wrapped: the idle time reaches back into the clock's previous
 * turn and OBJECT IDLETIME reads it back unchanged, as with Redis 7.0's
 * objectSetLRUOrLFU() (it once put such a key half a clock away). */
/* The sds stock would hold for a string changed in place: the figures are
 * stock 7.0.15's MEMORY USAGE minus its robj, key and dictEntry (48). */
static uint64_t grow_to(struct store_shard *s, const char *key, size_t len)
{
	struct store_wr w;
	store_write_begin(s, 0, key, strlen(key), T0, &w);
	CU_ASSERT_PTR_NOT_NULL(store_wr_raw(&w, len));
	store_write_commit(&w, 1, "append");
	return store_raw_sds_bytes(store_lookup(s, 0, key, strlen(key), T0, STORE_LOOKUP_NOTOUCH));
}

static void test_store_raw_models_stock_sds(void)
{
	struct store_shard *s = store_shard_create(0, 16);
	CU_ASSERT_EQUAL(store_set(s, 0, "a", 1, "abc", 3, STORE_NO_EXPIRE, 0), 0);
	CU_ASSERT_EQUAL(grow_to(s, "a", 4), 16);	  /* embstr unshared (sds5), grown to 8 */
	CU_ASSERT_EQUAL(grow_to(s, "a", 11), 16);	  /* fits its capacity (12) */
	CU_ASSERT_EQUAL(grow_to(s, "a", 16), 48);	  /* 32 asked */
	CU_ASSERT_EQUAL(grow_to(s, "c", 5), 8);		  /* a new key: sdsnewlen(5), sds5 */
	CU_ASSERT_EQUAL(grow_to(s, "c", 51), 112);	  /* sds5 has no room: 102 asked */
	CU_ASSERT_EQUAL(grow_to(s, "e", 100001), 114688); /* the class is all capacity */
	CU_ASSERT_EQUAL(grow_to(s, "e", 100002), 114688);
	static const char x[120] = {0};
	CU_ASSERT_EQUAL(store_set(s, 0, "i", 1, x, sizeof(x), STORE_NO_EXPIRE, 0), 0);
	CU_ASSERT_EQUAL(grow_to(s, "i", 121), 128); /* SET kept 4 spare bytes (< a tenth) */
	CU_ASSERT_EQUAL(grow_to(s, "i", 252), 512); /* 252 > 124: 504 asked, sds16 */
	store_shard_destroy(&s);
}

static void test_store_set_lru_idle_across_the_clock_wrap(void)
{
	struct store_shard *s = store_shard_create(0, 16);
	const uint64_t now = (100ULL << 24) * 1000 + 10 * 1000; /* the clock reads 10 */
	const int64_t idle[] = {0, 10, 11, 2592000, 9000000};
	struct store_wr w;
	for (int i = 0; i < 5; i++) {
		char k[8];
		snprintf(k, sizeof(k), "k%d", i);
		store_write_begin(s, 0, k, strlen(k), now, &w);
		CU_ASSERT_EQUAL(store_wr_set_str(&w, "v", 1), 0);
		CU_ASSERT_TRUE(store_wr_set_lru(&w, -1, idle[i]));
		store_write_commit(&w, 1, "restore");
		struct store_obj *o = store_lookup(s, 0, k, strlen(k), now, STORE_LOOKUP_NOTOUCH);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		CU_ASSERT_EQUAL(store_obj_idle_s(o, now), (uint64_t)idle[i]);
		CU_ASSERT_EQUAL(store_obj_idle_s(o, now + 3000), (uint64_t)idle[i] + 3);
	}
	store_shard_destroy(&s);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_store_rehash_inserts_keep_every_key_findable),
	    RW_TEST(test_store_rehash_deletes_shrink_and_keep_rest_findable),
	    RW_TEST(test_store_encodings_follow_redis),
	    RW_TEST(test_store_lazy_expiry_on_lookup_and_delete),
	    RW_TEST(test_store_active_expire_is_bounded_and_reclaims_all),
	    RW_TEST(test_store_shard_create_rejects_zero_dbs_and_destroy_is_null_safe),
	    RW_TEST(test_store_write_commit_counts_dirty_versions_hooks_and_memory),
	    RW_TEST(test_store_set_lru_idle_across_the_clock_wrap),
	    RW_TEST(test_store_raw_models_stock_sds),
	    RW_TEST(test_store_write_expiry_and_lazy_reclaim),
	    {NULL, NULL},
	};
	extern const struct rw_test_case store_scan_tests[], store_evict_tests[],
	    store_snap_tests[];
	if (rw_test_init() != 0 || rw_test_add_suite("store_shard", NULL, NULL, tests) != 0 ||
	    rw_test_add_suite("store_scan", NULL, NULL, store_scan_tests) != 0 ||
	    rw_test_add_suite("store_evict", NULL, NULL, store_evict_tests) != 0 ||
	    rw_test_add_suite("store_snap", NULL, NULL, store_snap_tests) != 0)
		return 1;
	return rw_test_run();
}
