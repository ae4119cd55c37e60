/*
 * Unit tests for the waiters' FIFO of blocking commands
 * (dataplane/core/dp_blockq.c): blocking order is kept through removals
 * from anywhere, deadlines expire oldest first, 0 never, and a waiter
 * parked by its global order lands in its place.
 */
#include "dp_blockq.h"
#include "rw_test.h"

static int reqs[8];

/* The requests left, head to tail, into @p out. @return how many. */
static unsigned order(const struct dp_blockq *q, int *out)
{
	unsigned n = 0;
	for (const struct dp_waiter *w = q->head; w != NULL; w = w->next)
		out[n++] = *(const int *)w->req;
	return n;
}

static void test_blockq_fifo_through_removals(void)
{
	struct dp_blockq q = {0};
	struct dp_waiter *w[5];
	for (int i = 0; i < 5; i++) {
		reqs[i] = i;
		w[i] = dp_blockq_push(&q, &reqs[i], 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w[i]);
	}
	CU_ASSERT_EQUAL(q.n, 5);
	CU_ASSERT_PTR_EQUAL(dp_blockq_remove(&q, w[2]), &reqs[2]); /* middle */
	CU_ASSERT_PTR_EQUAL(dp_blockq_remove(&q, w[0]), &reqs[0]); /* head */
	CU_ASSERT_PTR_EQUAL(dp_blockq_remove(&q, w[4]), &reqs[4]); /* tail */
	int got[8];
	CU_ASSERT_EQUAL_FATAL(order(&q, got), 2);
	CU_ASSERT_EQUAL(got[0], 1);
	CU_ASSERT_EQUAL(got[1], 3);
	CU_ASSERT_PTR_EQUAL(q.tail, w[3]);
	reqs[5] = 5;
	struct dp_waiter *late = dp_blockq_push(&q, &reqs[5], 0); /* joins behind */
	CU_ASSERT_EQUAL_FATAL(order(&q, got), 3);
	CU_ASSERT_EQUAL(got[2], 5);
	CU_ASSERT_TRUE(late->seq > w[3]->seq);
	dp_blockq_remove(&q, w[1]);
	dp_blockq_remove(&q, w[3]);
	dp_blockq_remove(&q, late);
	CU_ASSERT_EQUAL(q.n, 0);
	CU_ASSERT_PTR_NULL(q.head);
	CU_ASSERT_PTR_NULL(q.tail);
}

static void test_blockq_deadlines_expire_oldest_first_zero_never(void)
{
	struct dp_blockq q = {0};
	dp_blockq_push(&q, &reqs[0], 0);			 /* forever */
	struct dp_waiter *b = dp_blockq_push(&q, &reqs[1], 200); /* later */
	struct dp_waiter *c = dp_blockq_push(&q, &reqs[2], 100);
	CU_ASSERT_PTR_NULL(dp_blockq_expired(&q, 99));
	CU_ASSERT_PTR_EQUAL(dp_blockq_expired(&q, 100), c);
	CU_ASSERT_PTR_EQUAL(dp_blockq_expired(&q, 1000), b); /* first in blocking order */
	dp_blockq_remove(&q, b);
	dp_blockq_remove(&q, c);
	CU_ASSERT_PTR_NULL(dp_blockq_expired(&q, UINT64_MAX));
	dp_blockq_remove(&q, q.head);
	CU_ASSERT_EQUAL(q.n, 0);
}

/* A request coming back keeps its place among the others by its order. */
static void test_blockq_push_at_keeps_global_order(void)
{
	struct dp_blockq q = {0};
	int got[8];
	for (int i = 0; i < 8; i++)
		reqs[i] = i;
	dp_blockq_push_at(&q, &reqs[2], 0, 20);
	dp_blockq_push_at(&q, &reqs[4], 0, 40);
	dp_blockq_push_at(&q, &reqs[1], 0, 10); /* before every waiter */
	dp_blockq_push_at(&q, &reqs[3], 0, 30); /* between two */
	dp_blockq_push_at(&q, &reqs[5], 0, 50); /* at the tail */
	dp_blockq_push_at(&q, &reqs[6], 0, 30); /* equal: after the earlier one */
	CU_ASSERT_EQUAL(order(&q, got), 6);
	int want[] = {1, 2, 3, 6, 4, 5};
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(got[i], want[i]);
	CU_ASSERT_PTR_EQUAL(q.tail->req, &reqs[5]);
	CU_ASSERT_PTR_NULL(q.head->prev);
	for (const struct dp_waiter *w = q.head; w->next != NULL; w = w->next)
		CU_ASSERT_PTR_EQUAL(w->next->prev, w);
	while (q.head != NULL)
		dp_blockq_remove(&q, q.head);
	CU_ASSERT_PTR_NULL(q.tail);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_blockq_fifo_through_removals),
	    RW_TEST(test_blockq_deadlines_expire_oldest_first_zero_never),
	    RW_TEST(test_blockq_push_at_keeps_global_order),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("blockq", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
