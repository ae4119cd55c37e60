/*
 * Hash and set commands through cmd_call() (dataplane/cmd/cmd_hash.c,
 * cmd_set.c): what counts as a change (ctx->dirty decides whether the
 * command is journaled, so it must be Redis's server.dirty: a no-op write
 * journals nothing), keys deleted when a command empties them, and the
 * encodings CONFIG SET's thresholds select. Reply bytes are compared with
 * stock redis-server 7.0.15 by tests/integration/oracle_cases_{hash,set}.py.
 */
#include <string.h>

#include "cmd_harness.h"

/* Run @p line and @return the changes it made. */
static uint32_t dirty_of(struct harness *h, const char *line, const char *want)
{
	h->ctx.dirty = 0;
	const char *got = h_run(h, line);
	if (want != NULL && strcmp(got, want) != 0) {
		h_print_escaped(line, got);
		CU_FAIL("unexpected reply");
	}
	return h->ctx.dirty;
}

static void test_cmd_hash_noop_writes_count_no_change(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 1000);
	CU_ASSERT_EQUAL(dirty_of(&h, "hset h a 1 b 2", ":2\r\n"), 2);
	CU_ASSERT_EQUAL(dirty_of(&h, "hset h a 1", ":0\r\n"), 1); /* Redis counts every pair */
	CU_ASSERT_EQUAL(dirty_of(&h, "hsetnx h a 9", ":0\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "hdel h zz", ":0\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "hdel nokey a", ":0\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "hincrby h a x", NULL), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "hincrby h b 5", ":7\r\n"), 1);
	CU_ASSERT_EQUAL(dirty_of(&h, "hincrbyfloat h b 0.5", "$3\r\n7.5\r\n"), 1);
	CU_ASSERT_EQUAL(dirty_of(&h, "hincrby h b 1", "-ERR hash value is not an integer\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "hget h a", "$1\r\n1\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "hdel h a b", ":2\r\n"), 2);
	CU_ASSERT_EQUAL(dirty_of(&h, "exists h", ":0\r\n"), 0); /* emptied: deleted */
	CU_ASSERT_EQUAL(dirty_of(&h, "set s v", "+OK\r\n"), 1);
	CU_ASSERT_EQUAL(dirty_of(&h, "hset s a 1",
				 "-WRONGTYPE Operation against a key holding the wrong kind of "
				 "value\r\n"),
			0);
	h_fini(&h);
}

static void test_cmd_hash_encoding_follows_config_set(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 1000);
	dirty_of(&h, "config set hash-max-ziplist-entries 2", "+OK\r\n");
	dirty_of(&h, "config get hash-max-listpack-entries",
		 "*2\r\n$25\r\nhash-max-listpack-entries\r\n$1\r\n2\r\n");
	dirty_of(&h, "hset h a 1 b 2", ":2\r\n");
	dirty_of(&h, "object encoding h", "$8\r\nlistpack\r\n");
	dirty_of(&h, "hset h c 3", ":1\r\n");
	dirty_of(&h, "object encoding h", "$9\r\nhashtable\r\n");
	dirty_of(&h, "config set hash-max-listpack-entries 512 hash-max-listpack-value 1kb",
		 "+OK\r\n");
	dirty_of(&h, "config get hash-max-ziplist-value",
		 "*2\r\n$22\r\nhash-max-ziplist-value\r\n$4\r\n1024\r\n");
	dirty_of(&h, "type h", "+hash\r\n");
	h_fini(&h);
}

static void test_cmd_set_noop_writes_count_no_change(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 1000);
	CU_ASSERT_EQUAL(dirty_of(&h, "sadd s 1 2 3", ":3\r\n"), 3);
	CU_ASSERT_EQUAL(dirty_of(&h, "sadd s 1", ":0\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "srem s 9", ":0\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "smove s d 9", ":0\r\n"), 0);
	CU_ASSERT(dirty_of(&h, "smove s d 1", ":1\r\n") >= 1);
	CU_ASSERT_EQUAL(dirty_of(&h, "spop nokey", "$-1\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "spop s 0", "*0\r\n"), 0);
	CU_ASSERT(dirty_of(&h, "spop s 1", NULL) >= 1);
	CU_ASSERT(dirty_of(&h, "spop s 5", NULL) >= 1);
	CU_ASSERT_EQUAL(dirty_of(&h, "exists s", ":0\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "sinterstore x nokey d", ":0\r\n"), 0); /* nothing to delete */
	CU_ASSERT(dirty_of(&h, "sunionstore x d", ":1\r\n") >= 1);
	CU_ASSERT(dirty_of(&h, "sinterstore x nokey d", ":0\r\n") >= 1); /* x deleted */
	CU_ASSERT_EQUAL(dirty_of(&h, "exists x", ":0\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "srandmember d 5", "*1\r\n$1\r\n1\r\n"), 0);
	CU_ASSERT_EQUAL(dirty_of(&h, "srem d 1", ":1\r\n"), 1);
	CU_ASSERT_EQUAL(dirty_of(&h, "type d", "+none\r\n"), 0);
	h_fini(&h);
}

static void test_cmd_set_encoding_follows_config_set(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 1000);
	dirty_of(&h, "config set set-max-intset-entries 2", "+OK\r\n");
	dirty_of(&h, "sadd s 2 1", ":2\r\n");
	dirty_of(&h, "object encoding s", "$6\r\nintset\r\n");
	dirty_of(&h, "smembers s", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
	dirty_of(&h, "sadd s 3", ":1\r\n");
	dirty_of(&h, "object encoding s", "$9\r\nhashtable\r\n");
	dirty_of(&h, "sadd t abc", ":1\r\n");
	dirty_of(&h, "object encoding t", "$9\r\nhashtable\r\n");
	dirty_of(&h, "type t", "+set\r\n");
	h_fini(&h);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_cmd_hash_noop_writes_count_no_change),
	    RW_TEST(test_cmd_hash_encoding_follows_config_set),
	    RW_TEST(test_cmd_set_noop_writes_count_no_change),
	    RW_TEST(test_cmd_set_encoding_follows_config_set),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("cmd_hs", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
