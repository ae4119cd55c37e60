/*
 * Unit tests for the control plane's RDB files (control/persist/rdb_save.c,
 * rdb_load.c): the snapshot writer fed SNAP_* messages as two workers would
 * send them (interleaving, a key split over chunks, a failed part), and the
 * loader turning the file back into RESTORE commands, or refusing a
 * corrupt one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_rdb.h"
#include "rdb_file.h"
#include "test_persist.h"

struct env {
	char dir[64], chan_path[128], dump[160];
	struct chan *ch;
	struct cp_rdb *r;
};

static void env_up(struct env *e, bool checksum)
{
	struct chan_sizes sz = {.journal_bytes = 1u << 16, .msg_bytes = 1u << 16};
	tp_tmpdir(e->dir);
	snprintf(e->chan_path, sizeof(e->chan_path), "/dev/shm/rw-test-rdb-%d.chan", (int)getpid());
	snprintf(e->dump, sizeof(e->dump), "%s/dump.rdb", e->dir);
	CU_ASSERT_EQUAL_FATAL(chan_create(&e->ch, e->chan_path, 2, &sz), 0);
	struct cp_rdb_conf conf = {.dir = e->dir, .filename = "dump.rdb", .checksum = checksum};
	CU_ASSERT_EQUAL_FATAL(cp_rdb_create(&e->r, &conf), 0);
}

static void env_down(struct env *e)
{
	cp_rdb_destroy(&e->r);
	chan_detach(&e->ch);
	chan_unlink(e->chan_path);
	tp_rmdir(e->dir);
}

static int msg(struct env *e, uint32_t w, uint16_t type, uint32_t id, const void *p, size_t n)
{
	struct chan_msg m = {.type = type, .id = id, .payload = p, .len = (uint32_t)n};
	return cp_rdb_msg(e->r, e->ch, w, &m);
}

static int begin(struct env *e, uint32_t w, uint32_t id, uint64_t lsn)
{
	struct chan_snap_begin b = {.lsn = lsn, .used_bytes = 1000, .keys = 1, .unix_ms = 1};
	return msg(e, w, CHAN_MSG_SNAP_BEGIN, id, &b, sizeof(b));
}

static int end(struct env *e, uint32_t w, uint32_t id, int32_t status)
{
	struct chan_snap_end x = {.status = status};
	return msg(e, w, CHAN_MSG_SNAP_END, id, &x, sizeof(x));
}

/* A chunk of DB @p db holding @p n bytes of @p p, flagged @p flags. */
static int chunk(struct env *e, uint32_t w, uint32_t id, uint32_t db, uint32_t flags, const void *p,
		 size_t n)
{
	uint8_t *buf = malloc(sizeof(struct chan_snap_chunk) + n);
	struct chan_snap_chunk h = {.db = db, .flags = flags};
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, n);
	int rc = msg(e, w, CHAN_MSG_SNAP_CHUNK, id, buf, sizeof(h) + n);
	free(buf);
	return rc;
}

/* One RDB string key as a worker serializes it. */
static void key_bytes(struct rdb_buf *b, const char *key, const void *val, size_t vlen)
{
	struct rdb_out o;
	struct rdb_key_meta m = RDB_KEY_META_NONE;
	rdb_out_init(&o, rdb_buf_sink, b);
	rdb_w_key(&o, &m, RDB_TYPE_STRING, key, strlen(key));
	rdb_w_string(&o, val, vlen, false);
	CU_ASSERT_EQUAL(rdb_out_flush(&o), 0);
}

/* The DONE of snapshot @p id, polling the writer (its fsync and rename run
 * on a thread) for up to 5 s. @return its status, 1 when none came. */
static int done_status(struct env *e, uint32_t id)
{
	struct chan_msg m;
	int st = 1;
	for (int i = 0; i < 5000 && st == 1; i++) {
		cp_rdb_msg(e->r, e->ch, 0, NULL);
		while (chan_msg_recv(e->ch, 0, CHAN_TO_DP, &m) == 0) {
			struct chan_snap_done d;
			if (m.type == CHAN_MSG_SNAP_DONE && m.id == id && m.len == sizeof(d)) {
				memcpy(&d, m.payload, sizeof(d));
				st = d.status;
			}
			chan_msg_release(e->ch, 0, CHAN_TO_DP, &m);
		}
		if (st == 1)
			usleep(1000);
	}
	return st;
}

struct seen {
	uint32_t n;
	uint32_t db[8];
	char key[8][16];
	size_t payload_len[8];
};

static int collect(void *arg, uint32_t db, const struct resp_arg *argv, uint32_t argc,
		   const uint8_t *resp, size_t len, uint64_t loaded)
{
	struct seen *s = arg;
	(void)resp;
	(void)loaded;
	CU_ASSERT_EQUAL(argc, 2);
	CU_ASSERT(argv[0].len == 7 && memcmp(argv[0].ptr, "RESTORE", 7) == 0);
	if (s->n < 8) {
		s->db[s->n] = db;
		snprintf(s->key[s->n], sizeof(s->key[0]), "%.*s", (int)argv[1].len,
			 (const char *)argv[1].ptr);
		s->payload_len[s->n] = len;
	}
	s->n++;
	return 0;
}

static bool temp_left(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -q '^temp-'", dir);
	return system(cmd) == 0;
}

static void test_rdb_writer_keeps_split_keys_whole_and_loads_back(void)
{
	struct env e;
	env_up(&e, true);
	struct rdb_buf a = {0}, big = {0}, b = {0};
	size_t big_n = 100000;
	uint8_t *bigval = malloc(big_n);
	for (size_t i = 0; i < big_n; i++)
		bigval[i] = (uint8_t)(i * 7919 >> 3);
	key_bytes(&a, "a", "va", 2);
	key_bytes(&big, "big", bigval, big_n);
	key_bytes(&b, "b", "12345", 5);
	CU_ASSERT_EQUAL(begin(&e, 0, 7, 17), 0);
	/* the header needs every worker's cut: chunks wait in their ring */
	CU_ASSERT_EQUAL(chunk(&e, 0, 7, 0, 0, a.p, a.len), -EAGAIN);
	CU_ASSERT_EQUAL(begin(&e, 1, 7, 4), 0);
	CU_ASSERT_EQUAL(chunk(&e, 0, 7, 0, 0, a.p, a.len), 0);
	CU_ASSERT_EQUAL(chunk(&e, 0, 7, 0, CHAN_SNAP_MORE, big.p, 1000), 0);
	/* worker 1 waits while worker 0's key is half written */
	CU_ASSERT_EQUAL(chunk(&e, 1, 7, 1, 0, b.p, b.len), -EAGAIN);
	CU_ASSERT_EQUAL(chunk(&e, 0, 7, 0, 0, big.p + 1000, big.len - 1000), 0);
	CU_ASSERT_EQUAL(chunk(&e, 1, 7, 1, 0, b.p, b.len), 0);
	/* a chunk of another snapshot is ignored */
	CU_ASSERT_EQUAL(chunk(&e, 1, 99, 1, 0, b.p, b.len), 0);
	CU_ASSERT_EQUAL(end(&e, 0, 7, 0), 0);
	CU_ASSERT_EQUAL(access(e.dump, F_OK), -1); /* not before every part is in */
	CU_ASSERT_EQUAL(end(&e, 1, 7, 0), 0);
	CU_ASSERT_EQUAL(done_status(&e, 7), 0);
	CU_ASSERT_EQUAL(access(e.dump, F_OK), 0);
	CU_ASSERT_FALSE(temp_left(e.dir));

	struct seen s = {0};
	struct cp_rdb_load_info info;
	CU_ASSERT_EQUAL(cp_rdb_load(e.dump, 0, collect, &s, &info), 0);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT_STRING_EQUAL(s.key[0], "a");
	CU_ASSERT_STRING_EQUAL(s.key[1], "big");
	CU_ASSERT(s.payload_len[1] > big_n);
	CU_ASSERT_STRING_EQUAL(s.key[2], "b");
	CU_ASSERT_EQUAL(s.db[0], 0);
	CU_ASSERT_EQUAL(s.db[2], 1);
	/* the offsets AUX lists each worker's cut */
	size_t n;
	uint8_t *file = tp_read(e.dump, &n);
	CU_ASSERT_PTR_NOT_NULL(memmem(file, n, "redwire-offsets", 15));
	CU_ASSERT_PTR_NOT_NULL(memmem(file, n, "17,4", 4));

	/* a bit flip anywhere is refused, naming file and offset */
	file[n / 2] ^= 0x10;
	tp_write(e.dump, file, n);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(cp_rdb_load(e.dump, 0, NULL, NULL, &info), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(info.err, "dump.rdb at offset"));
	free(file);
	free(bigval);
	rdb_buf_free(&a);
	rdb_buf_free(&big);
	rdb_buf_free(&b);
	env_down(&e);
}

static void test_rdb_writer_failed_part_keeps_old_file(void)
{
	struct env e;
	env_up(&e, false);
	tp_write(e.dump, "old", 3);
	struct rdb_buf a = {0};
	key_bytes(&a, "a", "va", 2);
	CU_ASSERT_EQUAL(begin(&e, 0, 3, 0), 0);
	CU_ASSERT_EQUAL(begin(&e, 1, 3, 0), 0);
	CU_ASSERT_EQUAL(chunk(&e, 0, 3, 0, 0, a.p, a.len), 0);
	CU_ASSERT_EQUAL(end(&e, 1, 3, -ENOTSUP), 0);
	CU_ASSERT_EQUAL(end(&e, 0, 3, 0), 0);
	CU_ASSERT_EQUAL(done_status(&e, 3), -ENOTSUP);
	size_t n;
	uint8_t *file = tp_read(e.dump, &n);
	CU_ASSERT(n == 3 && memcmp(file, "old", 3) == 0);
	CU_ASSERT_FALSE(temp_left(e.dir));
	free(file);
	/* a new snapshot after it works, without a checksum (rdbchecksum no) */
	CU_ASSERT_EQUAL(begin(&e, 0, 4, 0), 0);
	CU_ASSERT_EQUAL(begin(&e, 1, 4, 0), 0);
	CU_ASSERT_EQUAL(chunk(&e, 1, 4, 2, 0, a.p, a.len), 0);
	CU_ASSERT_EQUAL(end(&e, 0, 4, 0), 0);
	CU_ASSERT_EQUAL(end(&e, 1, 4, 0), 0);
	CU_ASSERT_EQUAL(done_status(&e, 4), 0);
	file = tp_read(e.dump, &n);
	uint64_t trailer;
	memcpy(&trailer, file + n - 8, 8);
	CU_ASSERT_EQUAL(trailer, 0);
	struct cp_rdb_load_info info;
	CU_ASSERT_EQUAL(cp_rdb_load(e.dump, 0, NULL, NULL, &info), 0);
	CU_ASSERT_EQUAL(info.keys, 1);
	free(file);
	rdb_buf_free(&a);
	env_down(&e);
}

const struct rw_test_case persist_rdb_tests[] = {
    RW_TEST(test_rdb_writer_keeps_split_keys_whole_and_loads_back),
    RW_TEST(test_rdb_writer_failed_part_keeps_old_file),
    {NULL, NULL},
};
