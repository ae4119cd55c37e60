/* Unit tests for the command latency histogram's bucketing
 * (cmd_hist_bucket_of, cmd_diag.c) against its definition: Redis's
 * hdr_histogram log iteration from 1024 ns, doubling, where level
 * L = 1024 * 2^k holds the values up to L + L/128 - 1 ns not held below.
 * Linked into the cmd test binary; registered from test_cmd_replies.c. */
#include "cmd_diag.h"
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
