/* Unit tests for platform/chan: layout, attach checks, journal and message rings. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "test_chan.h"

static const struct chan_sizes small = {.journal_bytes = 1024, .msg_bytes = 1024};

static struct chan *create_small(void)
{
	struct chan *c = NULL;
	CU_ASSERT_EQUAL_FATAL(chan_create(&c, test_chan_path(), 2, &small), 0);
	return c;
}

/* Append one record of @p len bytes whose content derives from @p seq. */
static int append_seq(struct chan *c, uint64_t seq, size_t len, uint64_t *lsn)
{
	uint8_t buf[512];
	for (size_t j = 0; j < len; j++)
		buf[j] = test_chan_byte(seq, j);
	struct chan_part part = {buf, len};
	return chan_jrnl_append(c, 0, CHAN_REC_COMMAND, seq, &part, 1, lsn);
}

static int check_seq(const struct chan_msg *m, uint64_t seq, size_t len)
{
	if (m->len != len || m->tsc != seq || m->type != CHAN_REC_COMMAND)
		return 0;
	const uint8_t *p = m->payload;
	for (size_t j = 0; j < len; j++)
		if (p[j] != test_chan_byte(seq, j))
			return 0;
	return 1;
}

static void test_chan_create_attach_share_identity(void)
{
	struct chan *dp = create_small();
	struct chan *cp = NULL;
	CU_ASSERT_EQUAL_FATAL(chan_attach(&cp, test_chan_path()), 0);
	CU_ASSERT_EQUAL(chan_workers(cp), 2);
	CU_ASSERT_NOT_EQUAL(chan_info(dp)->epoch, 0);
	CU_ASSERT_EQUAL(chan_info(cp)->epoch, chan_info(dp)->epoch);
	CU_ASSERT_EQUAL(chan_info(cp)->pid, getpid());
	chan_stats(dp, 1)->commands = 42;
	struct chan_worker_stats st;
	chan_stats_read(cp, 1, &st);
	CU_ASSERT_EQUAL(st.commands, 42);
	chan_heartbeat_set(dp, 1234);
	CU_ASSERT_EQUAL(chan_heartbeat_get(cp), 1234);
	chan_detach(&cp);
	CU_ASSERT_PTR_NULL(cp);
	chan_detach(&cp); /* NULL-safe */
	chan_detach(&dp);
}

static void test_chan_stat_names_match_struct(void)
{
	CU_ASSERT_EQUAL(chan_worker_stat_count * 8 <= sizeof(struct chan_worker_stats), 1);
#define COUNT_ONE(f, d) +1
	CU_ASSERT_EQUAL(chan_worker_stat_count, 0 CHAN_WORKER_STATS(COUNT_ONE));
#undef COUNT_ONE
	CU_ASSERT_STRING_EQUAL(chan_worker_stat_names[0], "loops");
	CU_ASSERT_STRING_EQUAL(chan_worker_stat_names[chan_worker_stat_count - 1],
			       "tcp_rack_timeouts");
}

static void test_chan_create_rejects_bad_sizes(void)
{
	struct chan *c = NULL;
	struct chan_sizes odd = {.journal_bytes = 3000, .msg_bytes = 1024};
	CU_ASSERT_EQUAL(chan_create(&c, test_chan_path(), 1, &odd), -EINVAL);
	CU_ASSERT_EQUAL(chan_create(&c, test_chan_path(), 0, &small), -EINVAL);
	CU_ASSERT_EQUAL(chan_create(&c, test_chan_path(), CHAN_MAX_WORKERS + 1, &small), -EINVAL);
	CU_ASSERT_PTR_NULL(c);
}

static void test_chan_attach_missing_file_is_enoent(void)
{
	struct chan *c = NULL;
	CU_ASSERT_EQUAL(chan_attach(&c, "/dev/shm/rw-test-chan-does-not-exist"), -ENOENT);
}

/* Overwrite 4 bytes at @p off of the channel file (FORMAT.md offsets). */
static void poke32(off_t off, uint32_t v)
{
	int fd = open(test_chan_path(), O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(pwrite(fd, &v, sizeof(v), off), (ssize_t)sizeof(v));
	close(fd);
}

static void test_chan_attach_rejects_wrong_magic(void)
{
	struct chan *dp = create_small(), *cp = NULL;
	poke32(0, 0xdeadbeef);
	CU_ASSERT_EQUAL(chan_attach(&cp, test_chan_path()), -EPROTO);
	uint64_t e;
	CU_ASSERT_EQUAL(chan_path_epoch(test_chan_path(), &e), -EPROTO);
	chan_detach(&dp);
}

static void test_chan_attach_rejects_wrong_version(void)
{
	struct chan *dp = create_small(), *cp = NULL;
	poke32(8, CHAN_VERSION + 1);
	CU_ASSERT_EQUAL(chan_attach(&cp, test_chan_path()), -EPROTO);
	chan_detach(&dp);
}

static void test_chan_attach_rejects_inconsistent_layout(void)
{
	struct chan *dp = create_small(), *cp = NULL;
	poke32(24, 3); /* n_workers no longer matches the file size */
	CU_ASSERT_EQUAL(chan_attach(&cp, test_chan_path()), -EPROTO);
	chan_detach(&dp);
	dp = create_small();
	CU_ASSERT_EQUAL(truncate(test_chan_path(), 100), 0);
	CU_ASSERT_EQUAL(chan_attach(&cp, test_chan_path()), -EPROTO);
	chan_detach(&dp);
}

static void test_chan_recreate_gives_new_epoch_old_mapping_stays(void)
{
	struct chan *a = create_small(), *b = NULL;
	uint64_t old = chan_info(a)->epoch, e = 0;
	CU_ASSERT_EQUAL_FATAL(chan_create(&b, test_chan_path(), 1, &small), 0);
	CU_ASSERT_NOT_EQUAL(chan_info(b)->epoch, old);
	CU_ASSERT_EQUAL(chan_path_epoch(test_chan_path(), &e), 0);
	CU_ASSERT_EQUAL(e, chan_info(b)->epoch);
	CU_ASSERT_EQUAL(chan_info(a)->epoch, old); /* still mapped, still readable */
	chan_detach(&a);
	chan_detach(&b);
}

static void test_chan_jrnl_lsn_starts_at_one_and_publish_makes_visible(void)
{
	struct chan *c = create_small();
	struct chan_msg m;
	uint64_t lsn = 0;
	for (uint64_t i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL(append_seq(c, i, 10, &lsn), 0);
		CU_ASSERT_EQUAL(lsn, i);
	}
	CU_ASSERT_EQUAL(chan_jrnl_peek(c, 0, &m), -EAGAIN);
	chan_jrnl_publish(c, 0);
	for (uint64_t i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL_FATAL(chan_jrnl_peek(c, 0, &m), 0);
		CU_ASSERT_EQUAL(m.lsn, i);
		CU_ASSERT(check_seq(&m, i, 10));
		chan_jrnl_consume(c, 0, &m);
	}
	CU_ASSERT_EQUAL(chan_jrnl_peek(c, 0, &m), -EAGAIN);
	CU_ASSERT_EQUAL(chan_jrnl_peek(c, 1, &m), -EAGAIN); /* workers are separate */
	chan_detach(&c);
}

static void test_chan_jrnl_wraparound_skips_pad_records(void)
{
	struct chan *c = create_small();
	struct chan_msg m;
	uint64_t lsn;
	/* 136-byte records never tile a 1024-byte ring: every lap ends in a pad. */
	for (uint64_t i = 1; i <= 200; i++) {
		size_t len = 100 + (i % 3) * 8;
		CU_ASSERT_EQUAL_FATAL(append_seq(c, i, len, &lsn), 0);
		chan_jrnl_publish(c, 0);
		CU_ASSERT_EQUAL_FATAL(chan_jrnl_peek(c, 0, &m), 0);
		CU_ASSERT_EQUAL(m.lsn, i);
		CU_ASSERT(check_seq(&m, i, len));
		chan_jrnl_consume(c, 0, &m);
		chan_jrnl_mark_durable(c, 0, m.lsn);
	}
	CU_ASSERT_EQUAL(chan_jrnl_durable_lsn(c, 0), 200);
	CU_ASSERT_EQUAL(chan_jrnl_space(c, 0), 1024);
	chan_detach(&c);
}

/* Fill the journal without making anything durable: -ENOSPC, and every
 * record is still intact when re-read, so nothing undurable was overwritten. */
static void test_chan_jrnl_full_returns_enospc_never_overwrites_undurable(void)
{
	struct chan *c = create_small();
	struct chan_msg m;
	uint64_t lsn, n = 0;
	while (append_seq(c, n + 1, 40, &lsn) == 0)
		n++;
	CU_ASSERT(n >= 10);
	CU_ASSERT_EQUAL(append_seq(c, n + 1, 40, &lsn), -ENOSPC);
	chan_jrnl_publish(c, 0);
	for (uint64_t i = 1; i <= n; i++) {
		CU_ASSERT_EQUAL_FATAL(chan_jrnl_peek(c, 0, &m), 0);
		chan_jrnl_consume(c, 0, &m);
	}
	/* consumed but not durable: still no room */
	CU_ASSERT_EQUAL(append_seq(c, n + 1, 40, &lsn), -ENOSPC);
	chan_jrnl_mark_durable(c, 0, 3);
	CU_ASSERT_EQUAL(chan_jrnl_durable_lsn(c, 0), 3);
	for (uint64_t i = n + 1; append_seq(c, i, 40, &lsn) == 0; i++)
		CU_ASSERT_EQUAL(lsn, i);
	CU_ASSERT(lsn <= n + 3);
	chan_jrnl_publish(c, 0);
	chan_jrnl_rewind(c, 0);
	for (uint64_t i = 4; i <= lsn; i++) {
		CU_ASSERT_EQUAL_FATAL(chan_jrnl_peek(c, 0, &m), 0);
		CU_ASSERT_EQUAL(m.lsn, i);
		CU_ASSERT(check_seq(&m, i, 40));
		chan_jrnl_consume(c, 0, &m);
	}
	CU_ASSERT_EQUAL(chan_jrnl_peek(c, 0, &m), -EAGAIN);
	chan_detach(&c);
}

static void test_chan_jrnl_rewind_rereads_undurable_records(void)
{
	struct chan *dp = create_small(), *cp = NULL;
	struct chan_msg m;
	for (uint64_t i = 1; i <= 10; i++)
		CU_ASSERT_EQUAL(append_seq(dp, i, 16, NULL), 0);
	chan_jrnl_publish(dp, 0);
	CU_ASSERT_EQUAL_FATAL(chan_attach(&cp, test_chan_path()), 0);
	for (int i = 0; i < 10; i++) {
		CU_ASSERT_EQUAL_FATAL(chan_jrnl_peek(cp, 0, &m), 0);
		chan_jrnl_consume(cp, 0, &m);
	}
	chan_jrnl_mark_durable(cp, 0, 4);
	chan_detach(&cp); /* the control plane "crashes" */
	CU_ASSERT_EQUAL_FATAL(chan_attach(&cp, test_chan_path()), 0);
	chan_jrnl_rewind(cp, 0);
	CU_ASSERT_EQUAL(chan_jrnl_pending_bytes(cp, 0), 6 * 48);
	for (uint64_t i = 5; i <= 10; i++) {
		CU_ASSERT_EQUAL_FATAL(chan_jrnl_peek(cp, 0, &m), 0);
		CU_ASSERT_EQUAL(m.lsn, i);
		CU_ASSERT(check_seq(&m, i, 16));
		chan_jrnl_consume(cp, 0, &m);
	}
	CU_ASSERT_EQUAL(chan_jrnl_peek(cp, 0, &m), -EAGAIN);
	chan_jrnl_mark_durable(cp, 0, 2); /* never moves back */
	CU_ASSERT_EQUAL(chan_jrnl_durable_lsn(dp, 0), 4);
	chan_detach(&cp);
	chan_detach(&dp);
}

/* A record ten times the ring goes through a side file: the ring holds its
 * reference, the consumer maps the payload, and the file goes once the
 * record is durable; the records around it keep their LSN order. */
static void test_chan_jrnl_large_record_goes_through_a_side_file(void)
{
	struct chan *c = create_small();
	struct chan *cp = NULL;
	CU_ASSERT_EQUAL_FATAL(chan_attach(&cp, test_chan_path()), 0);
	static uint8_t big[10240];
	for (size_t j = 0; j < sizeof(big); j++)
		big[j] = test_chan_byte(7, j);
	struct chan_part parts[2] = {{big, 5000}, {big + 5000, sizeof(big) - 5000}};
	uint64_t lsn = 0;
	CU_ASSERT_EQUAL_FATAL(append_seq(c, 1, 40, &lsn), 0);
	CU_ASSERT_TRUE(chan_jrnl_has_room(c, 0, sizeof(big)));
	CU_ASSERT_EQUAL_FATAL(chan_jrnl_append(c, 0, CHAN_REC_COMMAND, 7, parts, 2, &lsn), 0);
	CU_ASSERT_EQUAL(lsn, 2);
	CU_ASSERT_EQUAL_FATAL(append_seq(c, 3, 40, &lsn), 0);
	CU_ASSERT_EQUAL(lsn, 3);
	chan_jrnl_publish(c, 0);

	char side[4200];
	snprintf(side, sizeof(side), "%s.w0.l2", test_chan_path());
	CU_ASSERT_EQUAL(access(side, F_OK), 0);
	struct chan_msg m;
	CU_ASSERT_EQUAL_FATAL(chan_jrnl_peek(cp, 0, &m), 0);
	CU_ASSERT(check_seq(&m, 1, 40));
	CU_ASSERT_EQUAL(chan_jrnl_big_map(cp, &m, &(const void *){NULL}, &(size_t){0}), -EPROTO);
	chan_jrnl_consume(cp, 0, &m);
	CU_ASSERT_EQUAL_FATAL(chan_jrnl_peek(cp, 0, &m), 0);
	CU_ASSERT_EQUAL(m.lsn, 2);
	CU_ASSERT_EQUAL(m.flags, CHAN_REC_F_FILE);
	CU_ASSERT_EQUAL(m.tsc, 7);
	const void *p = NULL;
	size_t len = 0;
	CU_ASSERT_EQUAL_FATAL(chan_jrnl_big_map(cp, &m, &p, &len), 0);
	CU_ASSERT_EQUAL(len, sizeof(big));
	CU_ASSERT_EQUAL(memcmp(p, big, sizeof(big)), 0);
	chan_jrnl_big_unmap(p, len);
	chan_jrnl_consume(cp, 0, &m);
	chan_jrnl_mark_durable(cp, 0, 2);
	CU_ASSERT_EQUAL(chan_jrnl_big_remove(cp, 0, 2), 0);
	CU_ASSERT_NOT_EQUAL(access(side, F_OK), 0);
	CU_ASSERT_EQUAL(chan_jrnl_big_map(cp, &m, &p, &len), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(chan_jrnl_peek(cp, 0, &m), 0);
	CU_ASSERT(check_seq(&m, 3, 40));
	CU_ASSERT_EQUAL(m.flags, 0);

	/* a side file a dead dataplane left is swept by the next one */
	uint64_t l4 = 0;
	CU_ASSERT_EQUAL_FATAL(chan_jrnl_append(c, 0, CHAN_REC_COMMAND, 0, parts, 2, &l4), 0);
	snprintf(side, sizeof(side), "%s.w0.l%llu", test_chan_path(), (unsigned long long)l4);
	CU_ASSERT_EQUAL(access(side, F_OK), 0);
	struct chan_part none = {big, 8};
	CU_ASSERT_EQUAL(chan_jrnl_append(c, 0, 0 /* pad */, 0, &none, 1, NULL), -EMSGSIZE);
	chan_detach(&cp);
	chan_detach(&c);
	c = create_small();
	CU_ASSERT_NOT_EQUAL(access(side, F_OK), 0);
	chan_detach(&c);
}

static void test_chan_jrnl_parts_are_concatenated(void)
{
	struct chan *c = create_small();
	struct chan_part parts[3] = {{"*1\r\n", 4}, {"", 0}, {"$4\r\nPING\r\n", 10}};
	struct chan_msg m;
	CU_ASSERT_EQUAL(chan_jrnl_append(c, 1, CHAN_REC_COMMAND, 7, parts, 3, NULL), 0);
	chan_jrnl_publish(c, 1);
	CU_ASSERT_EQUAL_FATAL(chan_jrnl_peek(c, 1, &m), 0);
	CU_ASSERT_EQUAL(m.len, 14);
	CU_ASSERT(memcmp(m.payload, "*1\r\n$4\r\nPING\r\n", 14) == 0);
	chan_detach(&c);
}

static void test_chan_msg_roundtrip_both_directions(void)
{
	struct chan *dp = create_small(), *cp = NULL;
	CU_ASSERT_EQUAL_FATAL(chan_attach(&cp, test_chan_path()), 0);
	struct chan_msg m;
	CU_ASSERT_EQUAL(chan_msg_send(dp, 1, CHAN_TO_CP, CHAN_MSG_INFO_REQ, 9, "persistence", 11),
			0);
	CU_ASSERT_EQUAL(chan_msg_recv(cp, 1, CHAN_TO_DP, &m), -EAGAIN);
	CU_ASSERT_EQUAL_FATAL(chan_msg_recv(cp, 1, CHAN_TO_CP, &m), 0);
	CU_ASSERT_EQUAL(m.type, CHAN_MSG_INFO_REQ);
	CU_ASSERT_EQUAL(m.id, 9);
	CU_ASSERT_EQUAL(m.len, 11);
	CU_ASSERT(memcmp(m.payload, "persistence", 11) == 0);
	chan_msg_release(cp, 1, CHAN_TO_CP, &m);
	CU_ASSERT_EQUAL(chan_msg_send(cp, 1, CHAN_TO_DP, CHAN_MSG_INFO_REPLY, 9, "x", 1), 0);
	CU_ASSERT_EQUAL_FATAL(chan_msg_recv(dp, 1, CHAN_TO_DP, &m), 0);
	CU_ASSERT_EQUAL(m.type, CHAN_MSG_INFO_REPLY);
	chan_msg_release(dp, 1, CHAN_TO_DP, &m);
	CU_ASSERT_EQUAL(chan_msg_recv(dp, 1, CHAN_TO_DP, &m), -EAGAIN);
	chan_detach(&cp);
	chan_detach(&dp);
}

static void test_chan_msg_full_ring_is_enospc_until_released(void)
{
	struct chan *c = create_small();
	struct chan_msg m;
	uint8_t payload[64] = {0};
	int n = 0;
	while (chan_msg_send(c, 0, CHAN_TO_CP, CHAN_MSG_PING, (uint32_t)n, payload, 64) == 0)
		n++;
	CU_ASSERT_EQUAL(n, 1024 / 96);
	CU_ASSERT_EQUAL(chan_msg_send(c, 0, CHAN_TO_CP, CHAN_MSG_PING, 0, payload, 64), -ENOSPC);
	CU_ASSERT_EQUAL(chan_msg_send(c, 0, CHAN_TO_CP, CHAN_MSG_PING, 0, payload, 600), -EMSGSIZE);
	CU_ASSERT_EQUAL_FATAL(chan_msg_recv(c, 0, CHAN_TO_CP, &m), 0);
	CU_ASSERT_EQUAL(m.id, 0);
	chan_msg_release(c, 0, CHAN_TO_CP, &m);
	CU_ASSERT_EQUAL(chan_msg_send(c, 0, CHAN_TO_CP, CHAN_MSG_PING, 99, payload, 64), 0);
	chan_detach(&c);
}

const struct rw_test_case test_chan_ring_cases[] = {
    RW_TEST(test_chan_create_attach_share_identity),
    RW_TEST(test_chan_stat_names_match_struct),
    RW_TEST(test_chan_create_rejects_bad_sizes),
    RW_TEST(test_chan_attach_missing_file_is_enoent),
    RW_TEST(test_chan_attach_rejects_wrong_magic),
    RW_TEST(test_chan_attach_rejects_wrong_version),
    RW_TEST(test_chan_attach_rejects_inconsistent_layout),
    RW_TEST(test_chan_recreate_gives_new_epoch_old_mapping_stays),
    RW_TEST(test_chan_jrnl_lsn_starts_at_one_and_publish_makes_visible),
    RW_TEST(test_chan_jrnl_wraparound_skips_pad_records),
    RW_TEST(test_chan_jrnl_full_returns_enospc_never_overwrites_undurable),
    RW_TEST(test_chan_jrnl_rewind_rereads_undurable_records),
    RW_TEST(test_chan_jrnl_large_record_goes_through_a_side_file),
    RW_TEST(test_chan_jrnl_parts_are_concatenated),
    RW_TEST(test_chan_msg_roundtrip_both_directions),
    RW_TEST(test_chan_msg_full_ring_is_enospc_until_released),
    {NULL, NULL},
};
