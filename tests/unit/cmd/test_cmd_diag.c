/* Unit tests for the command latency histogram's bucketing
 * (cmd_hist_bucket_of, cmd_diag.c) against its definition: Redis's
 * hdr_histogram log iteration from 1024 ns, doubling, where level
 * L = 1024 * 2^k holds the values up to L + L/128 - 1 ns not held below;
 * and for INFO errorstats and commandstats' formatting and accumulation.
 * Linked into the cmd test binary; registered from test_cmd_replies.c. */
#include <stdlib.h>

#include "cmd_diag.h"
#include "cmd_int.h"
#include "rw_test.h"

/* the definition, one level at a time */
static uint32_t bucket_by_levels(int64_t dur_us)
{
	int64_t ns = dur_us * 1000;
	if (ns < 1)
		ns = 1;
	if (ns > 1000000000)
		ns = 1000000000;
	uint32_t k = 0;
	while (k + 1 < CMD_HIST_BUCKETS && ns > (1024ll << k) + (1024ll << k) / 128 - 1)
		k++;
	return k;
}

void test_cmd_hist_bucket_matches_hdr_levels(void)
{
	uint32_t bad = 0;
	for (int64_t us = -3; us < 2100000; us++) /* every value up to 2.1 s */
		bad += cmd_hist_bucket_of(us) != bucket_by_levels(us);
	for (int64_t us = 2100000; us < 4000000000ll; us += 999983) /* far past 1 s */
		bad += cmd_hist_bucket_of(us) != bucket_by_levels(us);
	CU_ASSERT_EQUAL(bad, 0);
	/* the edges Redis prints: 1 us (1031 ns) and 2 us (2063 ns) */
	CU_ASSERT_EQUAL(cmd_hist_bucket_of(0), 0);
	CU_ASSERT_EQUAL(cmd_hist_bucket_of(1), 0);
	CU_ASSERT_EQUAL(cmd_hist_bucket_of(2), 1);
	CU_ASSERT_EQUAL(cmd_hist_bucket_of(3), 2);
	CU_ASSERT_EQUAL(cmd_hist_bucket_of(INT32_MAX), CMD_HIST_BUCKETS - 1);
	CU_ASSERT_EQUAL(cmd_hist_bucket_us(cmd_hist_bucket_of(2)), 2);
}

static size_t err_name(const char *s, char *out)
{
	const uint8_t *n;
	size_t len = cmd_err_name((const uint8_t *)s, strlen(s), &n);
	memcpy(out, n, len);
	out[len] = '\0';
	return len;
}

/* afterErrorReply(): the word after '-' up to a space within 32 bytes */
void test_cmd_err_name_as_after_error_reply(void)
{
	char n[64];
	err_name("-WRONGTYPE Operation against a key\r\n", n);
	CU_ASSERT_STRING_EQUAL(n, "WRONGTYPE");
	err_name("-ERR unknown command\r\n", n);
	CU_ASSERT_STRING_EQUAL(n, "ERR");
	err_name("no dash here\r\n", n);
	CU_ASSERT_STRING_EQUAL(n, "ERR");
	err_name("-NOSPACEATALLINTHISERRORLONGERTHAN32CHARS\r\n", n);
	CU_ASSERT_STRING_EQUAL(n, "ERR");
	/* a space at byte 31 is found, at byte 32 it is not */
	err_name("-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123 x", n);
	CU_ASSERT_STRING_EQUAL(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123");
	err_name("-ABCDEFGHIJKLMNOPQRSTUVWXYZ01234 x", n);
	CU_ASSERT_STRING_EQUAL(n, "ERR");
	CU_ASSERT_EQUAL(err_name("- x", n), 0);
}

/* usec_per_call is (float)usec / calls printed %.2f, as Redis divides */
void test_cmd_cmdstat_line_divides_as_float(void)
{
	struct rw_buf b = {0};
	struct cmd_stat_sum st = {.calls = 3, .usec = 13, .rejected = 2, .failed = 1};
	cmd_info_cmdstat_line(&b, "config|get", &st);
	st = (struct cmd_stat_sum){.calls = 1, .usec = 16777217}; /* 2^24 + 1: no float has it */
	cmd_info_cmdstat_line(&b, "get", &st);
	st = (struct cmd_stat_sum){.rejected = 1};
	cmd_info_cmdstat_line(&b, "set", &st);
	rw_buf_append(&b, "", 1);
	CU_ASSERT_STRING_EQUAL((const char *)b.data,
			       "cmdstat_config|get:calls=3,usec=13,usec_per_call=4.33,"
			       "rejected_calls=2,failed_calls=1\r\n"
			       "cmdstat_get:calls=1,usec=16777217,usec_per_call=16777216.00,"
			       "rejected_calls=0,failed_calls=0\r\n"
			       "cmdstat_set:calls=0,usec=0,usec_per_call=0.00,"
			       "rejected_calls=1,failed_calls=0\r\n");
	rw_buf_fini(&b);
}

static void err_on(struct cmd_diag *dg, uint32_t worker, const char *s, int times)
{
	for (int i = 0; i < times; i++)
		cmd_diag_error(dg, worker, (const uint8_t *)s, strlen(s));
}

/* Every worker's errors merged by name in rax order; a reset starts them
 * again for INFO while the board's raw counts keep growing. */
void test_cmd_errorstats_merge_sort_and_reset(void)
{
	struct cmd_diag *dg = cmd_diag_create();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dg);
	err_on(dg, 0, "-b x\r\n", 2);
	err_on(dg, 1, "-ab x\r\n", 1);
	err_on(dg, 1, "-b y\r\n", 3);
	err_on(dg, 2, "-a z\r\n", 1);
	err_on(dg, 2, "-B z\r\n", 1);
	err_on(dg, 3, "plain\r\n", 4); /* ERR */
	struct cmd_err_sum e[16];
	size_t n = cmd_err_sums(dg, false, e, 16);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	static const char *const names[] = {"B", "ERR", "a", "ab", "b"};
	static const uint64_t counts[] = {1, 4, 1, 1, 5};
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_STRING_EQUAL(e[i].name, names[i]);
		CU_ASSERT_EQUAL(e[i].count, counts[i]);
	}
	CU_ASSERT_EQUAL(cmd_diag_errors_total(dg), 12);
	cmd_diag_reset(dg);
	CU_ASSERT_EQUAL(cmd_err_sums(dg, false, e, 16), 0);
	err_on(dg, 1, "-b z\r\n", 1);
	n = cmd_err_sums(dg, false, e, 16);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_STRING_EQUAL(e[0].name, "b");
	CU_ASSERT_EQUAL(e[0].count, 1);
	CU_ASSERT_EQUAL(cmd_err_sums(dg, true, e, 16), 5); /* raw: since the start */
	CU_ASSERT_EQUAL(cmd_diag_errors_total(dg), 13);
	/* a worker keeps CMD_ERR_NAMES names; the rest count in the total */
	char s[16];
	for (int i = 0; i < CMD_ERR_NAMES + 3; i++) {
		snprintf(s, sizeof(s), "-E%d x", i);
		err_on(dg, 5, s, 1);
	}
	CU_ASSERT_EQUAL(cmd_diag_errors_total(dg), 13 + CMD_ERR_NAMES + 3);
	CU_ASSERT_EQUAL(dg->slot[5].errors_other, 3);
	cmd_diag_destroy(&dg);
	CU_ASSERT_PTR_NULL(dg);
}
