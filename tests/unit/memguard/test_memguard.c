/*
 * Unit tests for the RSS guard's arithmetic (dataplane/core/dp_memguard.c):
 * a process within maxmemory + baseline + the overhead counts no waste
 * toward maxmemory however holed its heap (it only purges past the aim);
 * beyond, the count is the excess, which evicting keys does not raise (so
 * eviction stops where the writes that follow fit), never more than the
 * waste nor a quarter of maxmemory.
 */
#include "dp_memguard.h"
#include "rw_test.h"

#define MB   (1ull << 20)
#define BASE (100 * MB) /* what the process held before holding data */
#define AIM  (DP_MEM_AIM / MB)
#define OVH  (DP_MEM_OVERHEAD / MB)

static struct dp_memguard_look look(uint64_t resident_mb, uint64_t used_mb, uint64_t max_mb)
{
	return (struct dp_memguard_look){.anon_bytes = BASE + resident_mb * MB,
					 .baseline_bytes = (int64_t)BASE,
					 .used_bytes = used_mb * MB,
					 .max_bytes = max_mb * MB};
}

/* The shards' loop, as cmd_evict.c runs it: evict while used_memory and
 * the count exceed maxmemory. Evicting frees chunks the allocator keeps:
 * resident memory stays. @return used_memory where eviction stops. */
static uint64_t evict_until_within(struct dp_memguard_look l)
{
	for (int i = 0; i < 10000 && l.used_bytes + dp_memguard_counted(&l) > l.max_bytes; i++)
		l.used_bytes -= MB / 4;
	return l.used_bytes;
}

/* 2 MB of data under a 2 MB budget, 11 MB resident beyond the baseline
 * (what earlier, larger work left in the heap and a purge cannot return):
 * past the aim, so the guard purges, but within the bound: nothing counts.
 * Counting the waste (the reverted formula) kept a quarter of the budget
 * empty, and a process with 40 MB resident for 20 MB of a 64 MB budget
 * had 12 MB counted. */
static void test_memguard_within_bound_counts_nothing(void)
{
	struct dp_memguard_look l = look(2 + 9, 2, 2);
	CU_ASSERT_EQUAL(dp_memguard_over_aim(&l), 1 * MB);
	CU_ASSERT_EQUAL(dp_memguard_over_bound(&l), 0);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 0);
	CU_ASSERT_EQUAL(evict_until_within(l), 2 * MB);
	l = look(40, 20, 64);
	CU_ASSERT_EQUAL(dp_memguard_over_aim(&l), 0);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 0);
	/* a full budget, resident at the bound exactly: still within */
	l = look(64 + OVH, 64, 64);
	CU_ASSERT_EQUAL(dp_memguard_over_bound(&l), 0);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 0);
	/* one byte more is excess, and counts */
	l.anon_bytes++;
	CU_ASSERT_EQUAL(dp_memguard_over_bound(&l), 1);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 1);
}

/* 8 MB beyond the bound with a full budget: eviction sheds 8 MB and stops
 * at 56 MB of 64 (87.5%). The waste grows with every eviction (resident
 * memory stays), so counting it ran on to the cap: 48 MB, 75%. */
static void test_memguard_eviction_does_not_feed_the_count(void)
{
	struct dp_memguard_look l = look(64 + OVH + 8, 64, 64);
	CU_ASSERT_EQUAL(dp_memguard_over_bound(&l), 8 * MB);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 8 * MB);
	l.used_bytes = 40 * MB; /* evicted 24 MB: the waste is 32 MB now */
	CU_ASSERT_EQUAL(dp_memguard_waste(&l), 32 * MB);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 8 * MB);
	CU_ASSERT_EQUAL(evict_until_within(look(64 + OVH + 8, 64, 64)), 56 * MB);
	/* a purge that returned the pages: nothing counts any more */
	l = look(56 + AIM, 56, 64);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 0);
}

/* Clients holding 40 MB beside 50 MB of keys, under 64 MB: 28 MB beyond
 * the bound, all of it accounted save 2 MB of waste. The accounted part
 * counts toward the total already; only the waste is added. */
static void test_memguard_accounted_excess_counts_only_the_waste(void)
{
	struct dp_memguard_look l = look(90 + OVH + 2, 90, 64);
	CU_ASSERT_EQUAL(dp_memguard_over_bound(&l), 28 * MB);
	CU_ASSERT_EQUAL(dp_memguard_waste(&l), 2 * MB);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 2 * MB);
}

/* However far beyond, at most a quarter of maxmemory counts: memory the
 * guard cannot attribute never empties the dataset. */
static void test_memguard_count_capped_at_a_quarter(void)
{
	struct dp_memguard_look l = look(200, 64, 64);
	CU_ASSERT_EQUAL(dp_memguard_over_bound(&l), (200 - 64 - OVH) * MB);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 16 * MB);
	CU_ASSERT_EQUAL(evict_until_within(l), 48 * MB);
}

/* Without maxmemory there is no bound and nothing counts; resident memory
 * below the baseline (pages the first look saw, since returned) is no
 * excess and no waste, not a wrapped-around figure. */
static void test_memguard_no_maxmemory_and_below_baseline(void)
{
	struct dp_memguard_look l = look(200, 64, 0);
	CU_ASSERT_EQUAL(dp_memguard_over_aim(&l), 0);
	CU_ASSERT_EQUAL(dp_memguard_over_bound(&l), 0);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 0);
	CU_ASSERT_EQUAL(dp_memguard_waste(&l), (200 - 64 - OVH) * MB);
	l = look(0, 0, 64);
	l.anon_bytes = BASE - 10 * MB;
	CU_ASSERT_EQUAL(dp_memguard_over_aim(&l), 0);
	CU_ASSERT_EQUAL(dp_memguard_waste(&l), 0);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 0);
	l.baseline_bytes = -(int64_t)(20 * MB); /* ASan: more accounted than resident at first */
	l.anon_bytes = 0;
	CU_ASSERT_EQUAL(dp_memguard_over_bound(&l), 0);
}

/* A count rises only at a look that has just purged: a buffer that doubled
 * leaves its old half free until the next purge returns it, and counting
 * that in between evicted a quarter of the budget for nothing. Between
 * purges the count may fall (the excess went), not rise. */
static void test_memguard_count_rises_only_after_a_purge(void)
{
	struct dp_memguard_look l = look(25 + OVH + 17, 25, 25); /* 17 MB freed, not yet purged */
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 25 * MB / 4);
	CU_ASSERT_EQUAL(dp_memguard_recount(&l, 0, false), 0);
	/* the purge returned it all: nothing to count */
	l = look(25 + AIM, 25, 25);
	CU_ASSERT_EQUAL(dp_memguard_recount(&l, 0, true), 0);
	/* it returned only part: the rest counts from that look on */
	l = look(25 + OVH + 2, 25, 25);
	CU_ASSERT_EQUAL(dp_memguard_recount(&l, 0, true), 2 * MB);
	l = look(25 + OVH + 5, 25, 25); /* more, before the next purge: held at 2 MB */
	CU_ASSERT_EQUAL(dp_memguard_recount(&l, 2 * MB, false), 2 * MB);
	l = look(25 + OVH + 1, 25, 25); /* less: falls */
	CU_ASSERT_EQUAL(dp_memguard_recount(&l, 2 * MB, false), 1 * MB);
}

/* The TCP receive pools in use (dataplane/tcp/tcp_rwnd.c) are memory a
 * kernel's socket buffers would hold, outside maxmemory and bounded by
 * redwire-tcp-rmem-pool: a pipelined backlog in them is neither excess nor
 * waste, so no key goes for it; beyond it, the excess counts as before. */
static void test_memguard_receive_pools_raise_the_bound(void)
{
	struct dp_memguard_look l = look(16 + OVH + 12, 16, 16);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l),
			4 * MB); /* without the pools: evicts (a quarter) */
	l.rcv_bytes = 12 * MB;
	CU_ASSERT_EQUAL(dp_memguard_over_aim(&l), OVH * MB - DP_MEM_AIM);
	CU_ASSERT_EQUAL(dp_memguard_over_bound(&l), 0);
	CU_ASSERT_EQUAL(dp_memguard_waste(&l), 0);
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 0);
	l.anon_bytes += 3 * MB; /* 3 MB more than the pools account: counts */
	CU_ASSERT_EQUAL(dp_memguard_counted(&l), 3 * MB);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_memguard_within_bound_counts_nothing),
	    RW_TEST(test_memguard_eviction_does_not_feed_the_count),
	    RW_TEST(test_memguard_accounted_excess_counts_only_the_waste),
	    RW_TEST(test_memguard_count_capped_at_a_quarter),
	    RW_TEST(test_memguard_no_maxmemory_and_below_baseline),
	    RW_TEST(test_memguard_count_rises_only_after_a_purge),
	    RW_TEST(test_memguard_receive_pools_raise_the_bound),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("memguard", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
