/*
 * Sorted set commands against replies captured from stock redis-server
 * 7.0.15 (stock_cases_zset.inc, made by capture_cases.py from
 * cases_zset.py): ZADD options and float edge cases, removals and counts,
 * the ZRANGE family with every option, pops, ZRANDMEMBER's deterministic
 * forms, ZSCAN, RESP3 doubles and nulls, ZUNION/ZINTER/ZDIFF and their
 * STORE forms, encodings at the zset-max-listpack-* bounds, and seeded
 * random sequences ending with each key's digest and DEBUG DIGEST.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_harness.h"

#include "stock_cases_zset.inc"

struct walk {
	cmd_key_visit_fn *visit;
	void *arg;
};

static void walk_one(void *arg, const uint8_t *key, size_t klen, const struct store_obj *o)
{
	struct walk *w = arg;
	w->visit(w->arg, key, klen, o, store_obj_expire(o));
}

/* DEBUG DIGEST walks the DB through the store's public SCAN. */
static void scan_db_foreach(struct store_shard *s, uint32_t db, cmd_key_visit_fn *visit, void *arg)
{
	struct walk w = {visit, arg};
	uint64_t cursor = 0;
	do
		cursor = store_db_scan(s, db, cursor, 0, walk_one, &w);
	while (cursor != 0);
}

static void run_cases(const struct cmd_case *cases, uint8_t proto)
{
	struct harness h;
	h_init(&h, proto, "", 90061000);
	h.env.db_foreach = scan_db_foreach;
	h_run_cases(&h, cases, NULL);
	h_fini(&h);
}

static void test_zset_zadd_options_and_float_edges_match_stock(void)
{
	run_cases(zset_add_cases, RESP_PROTO_2);
}

static void test_zset_zrem_rank_count_remrange_match_stock(void)
{
	run_cases(zset_rem_rank_count_cases, RESP_PROTO_2);
}

static void test_zset_range_family_matches_stock(void)
{
	run_cases(zset_range_cases, RESP_PROTO_2);
}

static void test_zset_pops_and_randmember_match_stock(void)
{
	run_cases(zset_pop_rand_cases, RESP_PROTO_2);
}

static void test_zset_zscan_listpack_matches_stock(void)
{
	run_cases(zset_scan_cases, RESP_PROTO_2);
}

static void test_zset_resp3_doubles_and_pairs_match_stock(void)
{
	run_cases(zset_resp3_cases, RESP_PROTO_3);
}

static void test_zset_union_inter_diff_match_stock(void)
{
	run_cases(zset_ops_cases, RESP_PROTO_2);
}

static void test_zset_encodings_at_bounds_match_stock(void)
{
	run_cases(zset_encoding_cases, RESP_PROTO_2);
}

static void test_zset_random_sequences_match_stock_digest(void)
{
	run_cases(zset_random_cases_7, RESP_PROTO_2);
	run_cases(zset_random_cases_99, RESP_PROTO_2);
}

/* ZSCAN of a skiplist set reports every member exactly as often as the
 * reverse-binary walk allows: each at least once, with its score. */
static void test_zset_zscan_skiplist_reports_every_member(void)
{
	struct harness h;
	char cmd[64];
	static int seen[300];
	h_init(&h, RESP_PROTO_2, "", 90061000);
	for (int i = 0; i < 300; i++) {
		snprintf(cmd, sizeof(cmd), "zadd z %d m%d", i, i);
		h_run(&h, cmd);
	}
	CU_ASSERT_STRING_EQUAL(h_run(&h, "object encoding z"), "$8\r\nskiplist\r\n");
	memset(seen, 0, sizeof(seen));
	unsigned long long cursor = 0;
	for (int rounds = 0; rounds < 1000; rounds++) {
		snprintf(cmd, sizeof(cmd), "zscan z %llu count 7", cursor);
		const char *r = h_run(&h, cmd);
		CU_ASSERT_FATAL(strncmp(r, "*2\r\n$", 5) == 0);
		const char *p = strchr(r + 5, '\n') + 1;
		cursor = strtoull(p, NULL, 10);
		p = strchr(p, '\n') + 1; /* the array header */
		int n = atoi(p + 1);
		p = strchr(p, '\n') + 1;
		for (int i = 0; i < n; i += 2) {
			int m, s;
			CU_ASSERT_FATAL(sscanf(p, "$%*d\r\nm%d\r\n$%*d\r\n%d\r\n", &m, &s) == 2);
			CU_ASSERT_EQUAL(m, s);
			if (m >= 0 && m < 300)
				seen[m]++;
			for (int k = 0; k < 4; k++)
				p = strchr(p, '\n') + 1;
		}
		if (cursor == 0)
			break;
	}
	CU_ASSERT_EQUAL(cursor, 0);
	for (int i = 0; i < 300; i++)
		CU_ASSERT(seen[i] >= 1);
	h_fini(&h);
}

/* used_memory follows the set across the listpack -> skiplist conversion
 * and returns to where it was when the set empties. */
static void test_zset_memory_accounting_follows_changes(void)
{
	struct harness h;
	char cmd[64];
	h_init(&h, RESP_PROTO_2, "", 90061000);
	uint64_t base = store_shard_stats(h.shard)->used_bytes;
	h_run(&h, "zadd z 1 a 2 b");
	uint64_t small = store_shard_stats(h.shard)->used_bytes;
	CU_ASSERT(small > base);
	for (int i = 0; i < 1000; i++) {
		snprintf(cmd, sizeof(cmd), "zadd z %d member-%d", i, i);
		h_run(&h, cmd);
	}
	CU_ASSERT_STRING_EQUAL(h_run(&h, "object encoding z"), "$8\r\nskiplist\r\n");
	uint64_t big = store_shard_stats(h.shard)->used_bytes;
	CU_ASSERT(big > small + 1000 * 8);
	h_run(&h, "zremrangebyrank z 0 899");
	CU_ASSERT(store_shard_stats(h.shard)->used_bytes < big);
	h_run(&h, "zunionstore u 1 z");
	h_run(&h, "zpopmin z 5000");
	h_run(&h, "del u");
	CU_ASSERT_EQUAL(store_shard_stats(h.shard)->used_bytes,
			base + store_shard_index_bytes(h.shard));
	h_fini(&h);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_zset_zadd_options_and_float_edges_match_stock),
	    RW_TEST(test_zset_zrem_rank_count_remrange_match_stock),
	    RW_TEST(test_zset_range_family_matches_stock),
	    RW_TEST(test_zset_pops_and_randmember_match_stock),
	    RW_TEST(test_zset_zscan_listpack_matches_stock),
	    RW_TEST(test_zset_resp3_doubles_and_pairs_match_stock),
	    RW_TEST(test_zset_union_inter_diff_match_stock),
	    RW_TEST(test_zset_encodings_at_bounds_match_stock),
	    RW_TEST(test_zset_random_sequences_match_stock_digest),
	    RW_TEST(test_zset_zscan_skiplist_reports_every_member),
	    RW_TEST(test_zset_memory_accounting_follows_changes),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("cmd_zset", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
