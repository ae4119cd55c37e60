/*
 * SCAN's guarantee and FLUSHDB (dataplane/store/store_scan.c): every key
 * present for the whole walk is reported, even while the table grows,
 * shrinks or rehashes between steps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_test.h"
#include "store.h"

#define NKEYS 5000

struct seen {
	uint8_t *hit; /* per original key index */
	unsigned reported;
};

static size_t key_of(char *buf, int i)
{
	return (size_t)snprintf(buf, 32, "scan:%d", i);
}

static void on_key(void *arg, const uint8_t *key, size_t klen, const struct store_obj *o)
{
	struct seen *s = arg;
	(void)o;
	int i;
	char tmp[32];
	if (klen < sizeof(tmp) && klen > 5 && memcmp(key, "scan:", 5) == 0) {
		memcpy(tmp, key, klen);
		tmp[klen] = '\0';
		i = atoi(tmp + 5);
		if (i >= 0 && i < NKEYS)
			s->hit[i] = 1;
	}
	s->reported++;
}

static struct store_shard *filled(int n)
{
	struct store_shard *sh = store_shard_create(0, 16);
	char k[32];
	for (int i = 0; i < n; i++) {
		size_t len = key_of(k, i);
		store_set(sh, 0, k, len, "v", 1, STORE_NO_EXPIRE, 0);
	}
	return sh;
}

static void test_store_scan_reports_every_key_once_on_a_stable_table(void)
{
	struct store_shard *sh = filled(NKEYS);
	struct seen s = {calloc(NKEYS, 1), 0};
	uint64_t cursor = 0;
	unsigned steps = 0;
	do {
		cursor = store_db_scan(sh, 0, cursor, 0, on_key, &s);
		steps++;
	} while (cursor != 0 && steps < 1000000);
	for (int i = 0; i < NKEYS; i++)
		CU_ASSERT_FATAL(s.hit[i]);
	/* no rehash ran during the walk, so nothing twice */
	if (!store_db_rehashing(sh, 0))
		CU_ASSERT_EQUAL(s.reported, NKEYS);
	free(s.hit);
	store_shard_destroy(&sh);
}

/* Keys added between steps make the table grow and rehash mid-walk; keys
 * deleted make it shrink: the original keys must all still be reported. */
static void test_store_scan_guarantee_survives_growth_and_shrink(void)
{
	struct store_shard *sh = filled(NKEYS);
	struct seen s = {calloc(NKEYS, 1), 0};
	uint64_t cursor = 0;
	char k[64];
	int extra = 0;
	unsigned steps = 0;
	bool saw_rehash = false;
	do {
		cursor = store_db_scan(sh, 0, cursor, 0, on_key, &s);
		/* grow for a while (4x the keys), then let the walk finish */
		for (int j = 0; j < 8 && extra < 4 * NKEYS; j++, extra++) {
			size_t len = (size_t)snprintf(k, sizeof(k), "extra:%d", extra);
			store_set(sh, 0, k, len, "v", 1, STORE_NO_EXPIRE, 0);
		}
		saw_rehash |= store_db_rehashing(sh, 0);
		steps++;
	} while (cursor != 0 && steps < 1000000);
	CU_ASSERT(saw_rehash);
	for (int i = 0; i < NKEYS; i++)
		CU_ASSERT_FATAL(s.hit[i]);
	/* now shrink: delete the extras while walking again */
	memset(s.hit, 0, NKEYS);
	cursor = 0;
	int del = 0;
	do {
		cursor = store_db_scan(sh, 0, cursor, 0, on_key, &s);
		for (int j = 0; j < 64 && del < extra; j++, del++) {
			size_t len = (size_t)snprintf(k, sizeof(k), "extra:%d", del);
			store_delete(sh, 0, k, len, 0);
		}
	} while (cursor != 0);
	for (int i = 0; i < NKEYS; i++)
		CU_ASSERT_FATAL(s.hit[i]);
	free(s.hit);
	store_shard_destroy(&sh);
}

static void test_store_scan_skips_expired_keys(void)
{
	struct store_shard *sh = store_shard_create(0, 16);
	store_set(sh, 0, "live", 4, "v", 1, STORE_NO_EXPIRE, 0);
	store_set(sh, 0, "gone", 4, "v", 1, 1000, 0);
	struct seen s = {calloc(NKEYS, 1), 0};
	uint64_t cursor = 0;
	do
		cursor = store_db_scan(sh, 0, cursor, 5000, on_key, &s);
	while (cursor != 0);
	CU_ASSERT_EQUAL(s.reported, 1);
	free(s.hit);
	store_shard_destroy(&sh);
}

static void test_store_flush_empties_one_db_and_counts_changes(void)
{
	struct store_shard *sh = filled(100);
	store_set(sh, 1, "other", 5, "v", 1, 123456, 0);
	uint64_t dirty = store_shard_stats(sh)->dirty;
	CU_ASSERT_EQUAL(store_db_flush(sh, 0), 100);
	CU_ASSERT_EQUAL(store_db_size(sh, 0), 0);
	CU_ASSERT_EQUAL(store_db_size(sh, 1), 1);
	CU_ASSERT_EQUAL(store_shard_stats(sh)->dirty, dirty + 100);
	CU_ASSERT_EQUAL(store_db_flush(sh, 1), 1);
	CU_ASSERT_EQUAL(store_db_expires(sh, 1), 0);
	CU_ASSERT_EQUAL(store_shard_stats(sh)->used_bytes, store_shard_index_bytes(sh));
	/* the DB works again after a flush */
	CU_ASSERT_EQUAL(store_set(sh, 0, "again", 5, "v", 1, STORE_NO_EXPIRE, 0), 0);
	CU_ASSERT_EQUAL(store_db_size(sh, 0), 1);
	store_shard_destroy(&sh);
}

const struct rw_test_case store_scan_tests[] = {
    RW_TEST(test_store_scan_reports_every_key_once_on_a_stable_table),
    RW_TEST(test_store_scan_guarantee_survives_growth_and_shrink),
    RW_TEST(test_store_scan_skips_expired_keys),
    RW_TEST(test_store_flush_empties_one_db_and_counts_changes),
    {NULL, NULL},
};
