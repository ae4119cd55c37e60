/*
 * Two-thread stress of the channel rings: a producer thread on the
 * creator's mapping, a consumer thread on a second (attached) mapping, one
 * million records of varying length through a small ring so it wraps
 * thousands of times. Every record's sequence and every payload byte are
 * checked; the consumer makes records durable in batches so the producer
 * keeps meeting a full ring.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "chan.h"
#include "test_chan.h"

#define STRESS_RECORDS 1000000u
#define STRESS_MAX_LEN 300u

struct stress {
	struct chan *prod;
	struct chan *cons;
	enum chan_dir dir;
	bool journal;
	uint64_t errors;
	uint64_t full;
};

static size_t stress_len(uint64_t seq)
{
	return (size_t)((seq * 7919u) % STRESS_MAX_LEN);
}

static int stress_put(struct stress *s, uint64_t seq, const uint8_t *buf, size_t len)
{
	if (!s->journal)
		return chan_msg_send(s->prod, 0, s->dir, CHAN_MSG_BULK, (uint32_t)seq, buf,
				     (uint32_t)len);
	struct chan_part part = {buf, len};
	uint64_t lsn = 0;
	int rc = chan_jrnl_append(s->prod, 0, CHAN_REC_COMMAND, seq, &part, 1, &lsn);
	if (rc == 0 && lsn != seq)
		s->errors++;
	if (rc == 0 && seq % 16 == 0)
		chan_jrnl_publish(s->prod, 0); /* batched publish, as the worker loop does */
	return rc;
}

static void *stress_producer(void *arg)
{
	struct stress *s = arg;
	uint8_t buf[STRESS_MAX_LEN];
	for (uint64_t seq = 1; seq <= STRESS_RECORDS; seq++) {
		size_t len = stress_len(seq);
		for (size_t j = 0; j < len; j++)
			buf[j] = test_chan_byte(seq, j);
		int rc;
		while ((rc = stress_put(s, seq, buf, len)) == -ENOSPC) {
			s->full++;
			if (s->journal)
				chan_jrnl_publish(s->prod, 0);
			sched_yield();
		}
		if (rc != 0) {
			s->errors++;
			break;
		}
	}
	if (s->journal)
		chan_jrnl_publish(s->prod, 0);
	return NULL;
}

static bool stress_check(bool journal, const struct chan_msg *m, uint64_t seq)
{
	size_t len = stress_len(seq);
	uint64_t got = journal ? m->lsn : m->id; /* messages carry the sequence in id */
	if (got != seq)
		return false;
	if (m->len != len)
		return false;
	const uint8_t *p = m->payload;
	for (size_t j = 0; j < len; j++)
		if (p[j] != test_chan_byte(seq, j))
			return false;
	return true;
}

static int stress_get(struct stress *s, struct chan_msg *m)
{
	if (s->journal)
		return chan_jrnl_peek(s->cons, 0, m);
	return chan_msg_recv(s->cons, 0, s->dir, m);
}

static void stress_done(struct stress *s, const struct chan_msg *m, uint64_t seq)
{
	if (!s->journal) {
		chan_msg_release(s->cons, 0, s->dir, m);
		return;
	}
	chan_jrnl_consume(s->cons, 0, m);
	if (seq % 8 == 0 || seq == STRESS_RECORDS)
		chan_jrnl_mark_durable(s->cons, 0, m->lsn);
}

static void *stress_consumer(void *arg)
{
	struct stress *s = arg;
	struct chan_msg m;
	for (uint64_t seq = 1; seq <= STRESS_RECORDS;) {
		int rc = stress_get(s, &m);
		if (rc == -EAGAIN) {
			sched_yield();
			continue;
		}
		if (rc != 0 || !stress_check(s->journal, &m, seq)) {
			s->errors++;
			break;
		}
		stress_done(s, &m, seq);
		seq++;
	}
	return NULL;
}

static void stress_run(bool journal, enum chan_dir dir)
{
	struct chan_sizes sizes = {.journal_bytes = 1u << 14, .msg_bytes = 1u << 13};
	struct stress s = {.journal = journal, .dir = dir};
	CU_ASSERT_EQUAL_FATAL(chan_create(&s.prod, test_chan_path(), 1, &sizes), 0);
	CU_ASSERT_EQUAL_FATAL(chan_attach(&s.cons, test_chan_path()), 0);
	pthread_t pt, ct;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&ct, NULL, stress_consumer, &s), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&pt, NULL, stress_producer, &s), 0);
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	CU_ASSERT_EQUAL(s.errors, 0);
	struct chan_msg m;
	CU_ASSERT_EQUAL(stress_get(&s, &m), -EAGAIN);
	if (journal)
		CU_ASSERT_EQUAL(chan_jrnl_durable_lsn(s.prod, 0), STRESS_RECORDS);
	chan_detach(&s.cons);
	chan_detach(&s.prod);
}

static void test_chan_stress_journal_two_threads_1e6_records(void)
{
	stress_run(true, CHAN_TO_CP);
}

static void test_chan_stress_msg_to_cp_two_threads_1e6_records(void)
{
	stress_run(false, CHAN_TO_CP);
}

static void test_chan_stress_msg_to_dp_two_threads_1e6_records(void)
{
	stress_run(false, CHAN_TO_DP);
}

const struct rw_test_case test_chan_stress_cases[] = {
    RW_TEST(test_chan_stress_journal_two_threads_1e6_records),
    RW_TEST(test_chan_stress_msg_to_cp_two_threads_1e6_records),
    RW_TEST(test_chan_stress_msg_to_dp_two_threads_1e6_records),
    {NULL, NULL},
};
