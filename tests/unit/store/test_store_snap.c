/*
 * Unit tests for the snapshot walk (dataplane/store/store_snap.c): the
 * generations that make a fork-less snapshot point in time. A recorder
 * callback keeps every key handed over with the value it had then; the
 * tests then check the record against the state at the cut.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_test.h"
#include "store.h"

#define T0 1700000000000ULL

#define REC_MAX 40000

/* What the snapshot received: per key index, how often and which value. */
struct rec {
	uint32_t seen[REC_MAX];
	int64_t val[REC_MAX];
	uint32_t others; /* keys outside key:0..REC_MAX */
	uint32_t total;
};

static void rec_key(void *arg, uint32_t db, const uint8_t *key, size_t klen,
		    const struct store_obj *o, int64_t expire_at_ms)
{
	struct rec *r = arg;
	(void)db;
	(void)expire_at_ms;
	char buf[32];
	int i;
	r->total++;
	if (klen >= sizeof(buf) || o->enc != STORE_ENC_INT) {
		r->others++;
		return;
	}
	memcpy(buf, key, klen);
	buf[klen] = 0;
	if (sscanf(buf, "key:%d", &i) != 1 || i < 0 || i >= REC_MAX) {
		r->others++;
		return;
	}
	r->seen[i]++;
	r->val[i] = o->v.i;
}

static size_t key_of(char *buf, int i)
{
	return (size_t)sprintf(buf, "key:%d", i);
}

static void set_int(struct store_shard *s, int i, int64_t v)
{
	char k[32];
	size_t n = key_of(k, i);
	CU_ASSERT_EQUAL_FATAL(store_set_int(s, 0, k, n, v, STORE_NO_EXPIRE, 0), 0);
}

static void walk_all(struct store_shard *s)
{
	for (int i = 0; i < 1000000 && !store_snap_step(s, 7, 16); i++)
		;
}

static void test_store_snap_walk_hands_over_every_key_once(void)
{
	struct store_shard *s = store_shard_create(0, 4);
	struct rec *r = calloc(1, sizeof(*r));
	for (int i = 0; i < 5000; i++)
		set_int(s, i, i);
	CU_ASSERT_EQUAL_FATAL(store_set(s, 3, "other", 5, "x", 1, STORE_NO_EXPIRE, 0), 0);
	store_snap_begin(s, rec_key, r);
	walk_all(s);
	CU_ASSERT(store_snap_step(s, 1, 1));
	store_snap_end(s);
	for (int i = 0; i < 5000; i++) {
		CU_ASSERT_EQUAL(r->seen[i], 1);
		CU_ASSERT_EQUAL(r->val[i], i);
	}
	CU_ASSERT_EQUAL(r->others, 1);
	CU_ASSERT_EQUAL(r->total, 5001);
	free(r);
	store_shard_destroy(&s);
}

/* The walk is interleaved with overwrites, deletes, new keys, expiry and
 * table growth; every key of the cut comes out once with its cut value. */
static void test_store_snap_modify_before_visit_serializes_old_value_once(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct rec *r = calloc(1, sizeof(*r));
	char k[32];
	for (int i = 0; i < 3000; i++)
		set_int(s, i, i);
	/* key 2999 expires right after the cut */
	CU_ASSERT_EQUAL(store_set_int(s, 0, "key:2999", 8, 2999, (int64_t)T0 + 5, 0), 0);
	store_snap_begin(s, rec_key, r);
	for (int round = 0; !store_snap_step(s, 5, 8); round++) {
		int i = (round * 37) % 3000;
		set_int(s, i, -1);				/* overwrite (twice for some) */
		size_t n = key_of(k, (round * 53 + 11) % 3000); /* delete */
		store_delete(s, 0, k, n, T0);
		set_int(s, 10000 + round % 20000, 7); /* keys after the cut, table grows */
		if (round == 3)
			CU_ASSERT_EQUAL(store_active_expire_step(s, T0 + 10, 10000), 1);
	}
	store_snap_end(s);
	for (int i = 0; i < 3000; i++) {
		CU_ASSERT_EQUAL(r->seen[i], 1);
		CU_ASSERT_EQUAL(r->val[i], i);
	}
	for (int i = 10000; i < 30000; i++)
		CU_ASSERT_EQUAL(r->seen[i], 0);
	CU_ASSERT_EQUAL(r->total, 3000);
	/* after the end, writes hand nothing over */
	set_int(s, 1, 5);
	CU_ASSERT_EQUAL(r->total, 3000);
	free(r);
	store_shard_destroy(&s);
}

static void test_store_snap_flushdb_hands_over_unvisited_keys_first(void)
{
	struct store_shard *s = store_shard_create(0, 2);
	struct rec *r = calloc(1, sizeof(*r));
	for (int i = 0; i < 2000; i++)
		set_int(s, i, i);
	store_snap_begin(s, rec_key, r);
	CU_ASSERT_FALSE(store_snap_step(s, 100, 1000));
	CU_ASSERT_EQUAL(store_db_flush(s, 0), 2000);
	walk_all(s);
	store_snap_end(s);
	for (int i = 0; i < 2000; i++)
		CU_ASSERT_EQUAL(r->seen[i], 1);
	CU_ASSERT_EQUAL(r->total, 2000);
	free(r);
	store_shard_destroy(&s);
}

/* A second snapshot sees the keys the first one marked: marks are below the
 * next cut. */
static void test_store_snap_second_snapshot_sees_every_key_again(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct rec *r = calloc(1, sizeof(*r));
	for (int i = 0; i < 1000; i++)
		set_int(s, i, i);
	store_snap_begin(s, rec_key, r);
	walk_all(s);
	store_snap_end(s);
	memset(r, 0, sizeof(*r));
	set_int(s, 5, 55);
	store_snap_begin(s, rec_key, r);
	walk_all(s);
	store_snap_end(s);
	CU_ASSERT_EQUAL(r->total, 1000);
	CU_ASSERT_EQUAL(r->val[5], 55);
	CU_ASSERT_EQUAL(r->seen[999], 1);
	free(r);
	store_shard_destroy(&s);
}

/* 8-bit generations (store_snap.c): after 300 snapshots abandoned early
 * (the wrap past the last clean generation included), with keys changed
 * and created between them, a complete one still hands every key over
 * exactly once, with its value at the cut, and none created after. */
static void test_store_snap_generation_wrap_after_abandoned_walks(void)
{
	struct store_shard *s = store_shard_create(0, 1);
	struct rec *r = calloc(1, sizeof(*r));
	for (int i = 0; i < 2000; i++)
		set_int(s, i, i);
	for (int round = 0; round < 300; round++) {
		memset(r, 0, sizeof(*r));
		store_snap_begin(s, rec_key, r);
		store_snap_step(s, 3, 4); /* a few keys handed over, then abandoned */
		store_snap_end(s);
		set_int(s, round % 2000, round % 2000);
		set_int(s, 2000 + round, 2000 + round);
	}
	memset(r, 0, sizeof(*r));
	store_snap_begin(s, rec_key, r);
	for (int round = 0; !store_snap_step(s, 5, 8); round++)
		set_int(s, 5000 + round % 100, 1); /* after the cut: never handed over */
	store_snap_end(s);
	for (int i = 0; i < 2300; i++) {
		CU_ASSERT_EQUAL(r->seen[i], 1);
		CU_ASSERT_EQUAL(r->val[i], i);
	}
	CU_ASSERT_EQUAL(r->total, 2300);
	free(r);
	store_shard_destroy(&s);
}

const struct rw_test_case store_snap_tests[] = {
    RW_TEST(test_store_snap_generation_wrap_after_abandoned_walks),
    RW_TEST(test_store_snap_walk_hands_over_every_key_once),
    RW_TEST(test_store_snap_modify_before_visit_serializes_old_value_once),
    RW_TEST(test_store_snap_flushdb_hands_over_unvisited_keys_first),
    RW_TEST(test_store_snap_second_snapshot_sees_every_key_again),
    {NULL, NULL},
};
