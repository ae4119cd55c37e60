/*
 * List commands against replies captured from stock redis-server 7.0.15
 * (stock_cases_list.inc, made by capture_cases.py from cases_list.py):
 * push/pop with counts, reads and their argument order, LSET/LINSERT/LREM/
 * LTRIM, LPOS options, LMOVE/RPOPLPUSH/LMPOP, RESP3 nulls, WRONGTYPE and
 * arity, and DEBUG DIGEST-VALUE of lists. Plus the list directives in
 * CONFIG GET/SET and OBJECT ENCODING at the node bounds.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_harness.h"

#include "stock_cases_list.inc"

/* DEBUG DIGEST walks the DB through the store's public SCAN (the
 * dataplane wires its own walk; one shard holds every key here). */
struct walk {
	cmd_key_visit_fn *visit;
	void *arg;
};

static void walk_one(void *arg, const uint8_t *key, size_t klen, const struct store_obj *o)
{
	struct walk *w = arg;
	w->visit(w->arg, key, klen, o, store_obj_expire(o));
}

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

static void test_list_push_pop_match_stock(void)
{
	run_cases(list_push_pop_cases, RESP_PROTO_2);
}

static void test_list_reads_match_stock(void)
{
	run_cases(list_read_cases, RESP_PROTO_2);
}

static void test_list_lset_linsert_lrem_ltrim_match_stock(void)
{
	run_cases(list_change_cases, RESP_PROTO_2);
}

static void test_list_lpos_options_match_stock(void)
{
	run_cases(list_lpos_cases, RESP_PROTO_2);
}

static void test_list_lmove_rpoplpush_match_stock(void)
{
	run_cases(list_move_cases, RESP_PROTO_2);
}

static void test_list_lmpop_match_stock(void)
{
	run_cases(list_mpop_cases, RESP_PROTO_2);
}

static void test_list_resp3_nulls_match_stock(void)
{
	run_cases(list_resp3_cases, RESP_PROTO_3);
}

static void test_list_digest_value_matches_stock(void)
{
	run_cases(list_digest_cases, RESP_PROTO_2);
}

/* Seeded random sequences over every list command: each reply, each
 * key's digest and the dataset's DEBUG DIGEST equal stock's. */
static void test_list_random_sequences_match_stock_digest(void)
{
	run_cases(list_random_cases_11, RESP_PROTO_2);
	run_cases(list_random_cases_4242, RESP_PROTO_2);
}

/* Every string, bitmap and generic command on a list and a sorted set
 * answers as stock does (WRONGTYPE, or acts on the key as a whole). */
static void test_coll_string_commands_on_collections_match_stock(void)
{
	run_cases(coll_cross_type_cases, RESP_PROTO_2);
}

/* COMMAND GETKEYS finds the keys a numkeys argument counts. */
static void test_coll_getkeys_numkeys_match_stock(void)
{
	run_cases(coll_getkeys_cases, RESP_PROTO_2);
}

/* CONFIG GET shows the directive and its 7.0 alias; SET through either. */
static void test_list_config_directives_and_aliases(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 90061000);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get list-max-listpack-size"),
			       "*2\r\n$22\r\nlist-max-listpack-size\r\n$2\r\n-2\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set list-max-ziplist-size 3"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get LIST-MAX-ZIPLIST-SIZE"),
			       "*2\r\n$21\r\nLIST-MAX-ZIPLIST-SIZE\r\n$1\r\n3\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get list-max-listpack-size"),
			       "*2\r\n$22\r\nlist-max-listpack-size\r\n$1\r\n3\r\n");
	CU_ASSERT_STRING_EQUAL(
	    h_run(&h, "config set LIST-max-ziplist-size abc"),
	    "-ERR CONFIG SET failed (possibly related to argument 'list-max-ziplist-size') - "
	    "argument couldn't be parsed into an integer\r\n");
	CU_ASSERT_STRING_EQUAL(
	    h_run(&h, "config set list-compress-depth -1"),
	    "-ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - "
	    "argument must be between 0 and 2147483647 inclusive\r\n");
	CU_ASSERT_STRING_EQUAL(
	    h_run(&h, "config set list-max-listpack-size 99999999999"),
	    "-ERR CONFIG SET failed (possibly related to argument 'list-max-listpack-size') - "
	    "argument must be between -2147483648 and 2147483647 inclusive\r\n");
	CU_ASSERT_STRING_EQUAL(
	    h_run(&h, "config set list-max-listpack-size -2 list-max-ziplist-size -2"), "+OK\r\n");
	const char *all = h_run(&h, "config get list*");
	CU_ASSERT(strncmp(all, "*6\r\n", 4) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(all, "$19\r\nlist-compress-depth\r\n$1\r\n0\r\n"));
	/* every list is a quicklist, whatever its size (7.0.15) */
	h_run(&h, "rpush l a");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "object encoding l"), "$9\r\nquicklist\r\n");
	h_fini(&h);
}

/* A long list through the commands keeps order across many nodes. */
static void test_list_many_nodes_keep_order(void)
{
	struct harness h;
	char cmd[64], want[64];
	h_init(&h, RESP_PROTO_2, "", 90061000);
	h_run(&h, "config set list-max-listpack-size 4");
	for (int i = 0; i < 200; i++) {
		snprintf(cmd, sizeof(cmd), "rpush l %d", i);
		h_run(&h, cmd);
	}
	h_run(&h, "linsert l before 100 x");
	h_run(&h, "lrem l 0 50");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "llen l"), ":200\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "lindex l 99"), "$1\r\nx\r\n");
	for (int i = 0; i < 200; i += 37) {
		int v = i < 50 ? i : i < 99 ? i + 1 : i == 99 ? -1 : i;
		if (v < 0)
			continue;
		snprintf(cmd, sizeof(cmd), "lindex l %d", i);
		snprintf(want, sizeof(want), "$%zu\r\n%d\r\n", (size_t)snprintf(NULL, 0, "%d", v),
			 v);
		CU_ASSERT_STRING_EQUAL(h_run(&h, cmd), want);
	}
	CU_ASSERT_STRING_EQUAL(h_run(&h, "ltrim l 198 -1"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "lrange l 0 -1"), "*2\r\n$3\r\n198\r\n$3\r\n199\r\n");
	h_fini(&h);
}

/* used_memory follows the list through every change (bytes() at each
 * commit) and returns to where it was when the key goes. */
static void test_list_memory_accounting_follows_changes(void)
{
	struct harness h;
	char cmd[128];
	h_init(&h, RESP_PROTO_2, "", 90061000);
	uint64_t base = store_shard_stats(h.shard)->used_bytes;
	for (int i = 0; i < 2000; i++) {
		snprintf(cmd, sizeof(cmd), "rpush l element-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			 i);
		h_run(&h, cmd);
	}
	uint64_t full = store_shard_stats(h.shard)->used_bytes;
	CU_ASSERT(full > base + 2000 * 40);
	h_run(&h, "ltrim l 0 99");
	uint64_t trimmed = store_shard_stats(h.shard)->used_bytes;
	CU_ASSERT(trimmed < full && trimmed > base);
	h_run(&h, "lpop l 90"); /* a node keeps its room until a quarter is used */
	h_run(&h, "lset l 3 a-new-value");
	CU_ASSERT(store_shard_stats(h.shard)->used_bytes < trimmed);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "del l"), ":1\r\n");
	CU_ASSERT_EQUAL(store_shard_stats(h.shard)->used_bytes,
			base + store_shard_index_bytes(h.shard));
	h_run(&h, "rpush l x");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "rpop l"), "$1\r\nx\r\n");
	CU_ASSERT_EQUAL(store_shard_stats(h.shard)->used_bytes,
			base + store_shard_index_bytes(h.shard));
	h_fini(&h);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_list_push_pop_match_stock),
	    RW_TEST(test_list_reads_match_stock),
	    RW_TEST(test_list_lset_linsert_lrem_ltrim_match_stock),
	    RW_TEST(test_list_lpos_options_match_stock),
	    RW_TEST(test_list_lmove_rpoplpush_match_stock),
	    RW_TEST(test_list_lmpop_match_stock),
	    RW_TEST(test_list_resp3_nulls_match_stock),
	    RW_TEST(test_list_digest_value_matches_stock),
	    RW_TEST(test_list_random_sequences_match_stock_digest),
	    RW_TEST(test_coll_string_commands_on_collections_match_stock),
	    RW_TEST(test_coll_getkeys_numkeys_match_stock),
	    RW_TEST(test_list_config_directives_and_aliases),
	    RW_TEST(test_list_many_nodes_keep_order),
	    RW_TEST(test_list_memory_accounting_follows_changes),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("cmd_list", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
