/*
 * Unit tests for reply slots (dataplane/core/dp_slot.c): how the parts of a
 * command split across workers become the one reply Redis would give.
 */
#include <string.h>

#include "dp_slot.h"
#include "rw_test.h"

static struct dp_slot s;

static int fini(void)
{
	dp_slot_fini(&s);
	return 0;
}

static void feed(uint32_t owner, const char *reply)
{
	dp_slot_expect(&s);
	dp_slot_absorb(&s, owner, (const uint8_t *)reply, strlen(reply));
}

static void expect_reply(const char *want)
{
	CU_ASSERT_EQUAL(s.parts_left, 0);
	CU_ASSERT_EQUAL(s.buf.len, strlen(want));
	CU_ASSERT(s.buf.len == strlen(want) && memcmp(s.buf.data, want, s.buf.len) == 0);
}

static void test_slot_sum_adds_integers_after_the_hold(void)
{
	CU_ASSERT_EQUAL(dp_slot_begin(&s, DP_AGG_SUM, 2), 0);
	feed(0, ":2\r\n");
	feed(1, ":3\r\n");
	CU_ASSERT_EQUAL(s.parts_left, 1); /* the hold keeps it pending */
	dp_slot_release(&s);
	expect_reply(":5\r\n");
}

static void test_slot_waits_for_every_expected_part(void)
{
	dp_slot_begin(&s, DP_AGG_SUM, 2);
	dp_slot_expect(&s);
	dp_slot_expect(&s);
	dp_slot_release(&s);
	dp_slot_absorb(&s, 1, (const uint8_t *)":1\r\n", 4);
	CU_ASSERT_EQUAL(s.parts_left, 1);
	dp_slot_absorb(&s, 0, (const uint8_t *)":1\r\n", 4);
	expect_reply(":2\r\n");
}

static void test_slot_first_error_wins(void)
{
	dp_slot_begin(&s, DP_AGG_SUM, 2);
	feed(0, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
	feed(1, "-ERR second\r\n");
	dp_slot_release(&s);
	expect_reply("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

static void test_slot_ok_when_every_part_said_ok(void)
{
	dp_slot_begin(&s, DP_AGG_OK, 2);
	feed(0, "+OK\r\n");
	feed(1, "+OK\r\n");
	dp_slot_release(&s);
	expect_reply("+OK\r\n");
	dp_slot_begin(&s, DP_AGG_OK, 2);
	feed(0, "+OK\r\n");
	feed(1, ":1\r\n"); /* anything else fails the whole */
	dp_slot_release(&s);
	expect_reply(":1\r\n");
}

static void test_slot_concat_joins_arrays(void)
{
	dp_slot_begin(&s, DP_AGG_CONCAT, 2);
	feed(1, "*1\r\n$1\r\nb\r\n");
	feed(0, "*2\r\n$1\r\na\r\n$1\r\nc\r\n");
	feed(1, "*0\r\n");
	dp_slot_release(&s);
	expect_reply("*3\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nb\r\n");
}

/* MGET a b c d with a, c on worker 0 and b, d on worker 1: the reply keeps
 * request order whatever order the parts arrive in. */
static void test_slot_merge_restores_request_order(void)
{
	dp_slot_begin(&s, DP_AGG_MERGE, 2);
	const uint8_t owners[] = {0, 1, 0, 1};
	for (uint32_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(dp_slot_key_owner(&s, i, owners[i]), 0);
	feed(1, "*2\r\n$-1\r\n$2\r\nDD\r\n");
	feed(0, "*2\r\n$1\r\nA\r\n$3\r\nCCC\r\n");
	dp_slot_release(&s);
	expect_reply("*4\r\n$1\r\nA\r\n$-1\r\n$3\r\nCCC\r\n$2\r\nDD\r\n");
}

static void test_slot_merge_with_resp3_nulls_and_binary_values(void)
{
	dp_slot_begin(&s, DP_AGG_MERGE, 3);
	dp_slot_key_owner(&s, 0, 2);
	dp_slot_key_owner(&s, 1, 0);
	feed(0, "*1\r\n$4\r\na\r\nb\r\n"); /* a value holding CRLF */
	feed(2, "*1\r\n_\r\n");
	dp_slot_release(&s);
	expect_reply("*2\r\n_\r\n$4\r\na\r\nb\r\n");
}

static void test_slot_merge_short_part_is_an_error_not_a_crash(void)
{
	dp_slot_begin(&s, DP_AGG_MERGE, 2);
	dp_slot_key_owner(&s, 0, 0);
	dp_slot_key_owner(&s, 1, 0);
	feed(0, "*1\r\n$1\r\nA\r\n");
	dp_slot_release(&s);
	CU_ASSERT_EQUAL(s.parts_left, 0);
	CU_ASSERT(s.buf.len > 0 && s.buf.data[0] == '-');
}

static void test_slot_fail_still_waits_for_outstanding_parts(void)
{
	dp_slot_begin(&s, DP_AGG_NONE, 1);
	dp_slot_expect(&s);
	dp_slot_fail(&s, "-ERR out of memory\r\n");
	dp_slot_release(&s);
	CU_ASSERT_EQUAL(s.parts_left, 1); /* the forwarded part may still answer */
	dp_slot_absorb(&s, 0, (const uint8_t *)"+OK\r\n", 5);
	expect_reply("-ERR out of memory\r\n");
}

static void test_slot_text_joins_client_lines_by_id(void)
{
	CU_ASSERT_EQUAL(dp_slot_begin(&s, DP_AGG_TEXT, 2), 0);
	feed(1, "$15\r\nid=3 a\nid=12 b\n\r\n");
	feed(0, "$7\r\nid=7 c\n\r\n");
	dp_slot_release(&s);
	expect_reply("$22\r\nid=3 a\nid=7 c\nid=12 b\n\r\n");
}

static void test_slot_text_keeps_resp3_verbatim_and_empty(void)
{
	CU_ASSERT_EQUAL(dp_slot_begin(&s, DP_AGG_TEXT, 2), 0);
	feed(0, "=4\r\ntxt:\r\n");
	feed(1, "=11\r\ntxt:id=5 x\n\r\n");
	dp_slot_release(&s);
	expect_reply("=11\r\ntxt:id=5 x\n\r\n");
	dp_slot_fini(&s);
	CU_ASSERT_EQUAL(dp_slot_begin(&s, DP_AGG_TEXT, 1), 0);
	feed(0, "$0\r\n\r\n");
	dp_slot_release(&s);
	expect_reply("$0\r\n\r\n");
}

static void test_slot_text_error_part_wins(void)
{
	CU_ASSERT_EQUAL(dp_slot_begin(&s, DP_AGG_TEXT, 2), 0);
	feed(0, "$7\r\nid=1 a\n\r\n");
	feed(1, ":1\r\n"); /* not a string: an internal error, never a crash */
	dp_slot_release(&s);
	expect_reply(":1\r\n");
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_slot_sum_adds_integers_after_the_hold),
	    RW_TEST(test_slot_waits_for_every_expected_part),
	    RW_TEST(test_slot_first_error_wins),
	    RW_TEST(test_slot_ok_when_every_part_said_ok),
	    RW_TEST(test_slot_concat_joins_arrays),
	    RW_TEST(test_slot_merge_restores_request_order),
	    RW_TEST(test_slot_merge_with_resp3_nulls_and_binary_values),
	    RW_TEST(test_slot_merge_short_part_is_an_error_not_a_crash),
	    RW_TEST(test_slot_fail_still_waits_for_outstanding_parts),
	    RW_TEST(test_slot_text_joins_client_lines_by_id),
	    RW_TEST(test_slot_text_keeps_resp3_verbatim_and_empty),
	    RW_TEST(test_slot_text_error_part_wins),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("slot", NULL, fini, tests) != 0)
		return 1;
	return rw_test_run();
}
