/* The AOF writer: encoding, durable-LSN rules per appendfsync, errors, reopen, load. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "test_persist.h"

/* ---- helpers ---- */

static char dir[64];
static struct cp_aof_conf conf;

static void setup(enum cp_aof_fsync mode)
{
	tp_tmpdir(dir);
	conf = (struct cp_aof_conf){.dir = dir,
				    .dirname = "appendonlydir",
				    .filename = "appendonly.aof",
				    .fsync = mode,
				    .load_truncated = true,
				    .reserve_bytes = 1 << 20};
}

static void teardown(struct cp_aof **a)
{
	cp_aof_close(a);
	tp_rmdir(dir);
}

/* A CHAN_REC_COMMAND payload: u32 db, then the command as a RESP array. */
static size_t payload(uint8_t *out, uint32_t db, const char *const *argv, int argc)
{
	size_t n = 4;
	memcpy(out, &db, 4);
	n += (size_t)sprintf((char *)out + n, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++)
		n += (size_t)sprintf((char *)out + n, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
	return n;
}

static int put(struct cp_aof *a, uint64_t epoch, uint32_t w, uint64_t lsn, uint32_t db,
	       const char *c0, const char *c1, const char *c2)
{
	const char *argv[3] = {c0, c1, c2};
	uint8_t buf[256];
	size_t n = payload(buf, db, argv, c2 ? 3 : c1 ? 2 : 1);
	return cp_aof_record(a, epoch, w, lsn, buf, (uint32_t)n);
}

static uint8_t *incr_file(size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.incr.aof", dir);
	return tp_read(path, len);
}

struct collected {
	int n;
	uint32_t db[32];
	char cmd[32][64];
};

static int collect(void *arg, const struct cp_aof_cmd *c)
{
	struct collected *col = arg;
	if (col->n < 32) {
		col->db[col->n] = c->db;
		snprintf(col->cmd[col->n], sizeof(col->cmd[0]), "%.*s %.*s", (int)c->argv[0].len,
			 c->argv[0].ptr, c->argc > 1 ? (int)c->argv[1].len : 0,
			 c->argc > 1 ? (const char *)c->argv[1].ptr : "");
	}
	col->n++;
	return 0;
}

/* test seams */
static atomic_int fsync_fail; /* next N fsyncs fail with EIO */
static atomic_int fsync_gate; /* non-zero: fsync waits */
static atomic_int fsync_calls;
static atomic_int fsync_on_loop; /* fsyncs run by the test's own thread (the "loop") */
static pthread_t loop_thread;
static atomic_int pwrite_fail; /* next N pwrites fail with ENOSPC */
static atomic_int pwrite_calls;
static uint64_t pwrite_last_off, pwrite_last_len;

static int hook_fsync(int fd)
{
	while (atomic_load(&fsync_gate))
		usleep(1000);
	atomic_fetch_add(&fsync_calls, 1);
	if (pthread_equal(pthread_self(), loop_thread))
		atomic_fetch_add(&fsync_on_loop, 1);
	if (atomic_load(&fsync_fail) > 0) {
		atomic_fetch_sub(&fsync_fail, 1);
		errno = EIO;
		return -1;
	}
	return fdatasync(fd);
}

static ssize_t hook_pwrite(int fd, const void *p, size_t n, off_t off)
{
	atomic_fetch_add(&pwrite_calls, 1);
	if (atomic_load(&pwrite_fail) > 0) {
		atomic_fetch_sub(&pwrite_fail, 1);
		errno = ENOSPC;
		return -1;
	}
	pwrite_last_off = (uint64_t)off;
	pwrite_last_len = n;
	return pwrite(fd, p, n, off);
}

static void hooks_reset(void)
{
	atomic_store(&fsync_fail, 0);
	atomic_store(&fsync_gate, 0);
	atomic_store(&fsync_calls, 0);
	atomic_store(&fsync_on_loop, 0);
	loop_thread = pthread_self();
	atomic_store(&pwrite_fail, 0);
	atomic_store(&pwrite_calls, 0);
	conf.fsync_fn = hook_fsync;
	conf.pwrite_fn = hook_pwrite;
}

/* ---- tests ---- */

static void test_new_aof_has_stock_layout_and_exact_records(void)
{
	struct cp_aof *a = NULL;
	struct cp_aof_load_info st;
	setup(CP_AOF_FSYNC_EVERYSEC);
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, &st), 0);
	CU_ASSERT_FALSE(st.exists);
	char path[256];
	size_t len;
	snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.manifest", dir);
	uint8_t *m = tp_read(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL((char *)m, "file appendonly.aof.1.base.aof seq 1 type b\n"
					  "file appendonly.aof.1.incr.aof seq 1 type i\n");
	free(m);
	snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.base.aof", dir);
	m = tp_read(path, &len);
	CU_ASSERT_PTR_NOT_NULL(m);
	CU_ASSERT_EQUAL(len, 0);
	free(m);

	CU_ASSERT_EQUAL(put(a, 9, 0, 1, 0, "SET", "a", "1"), 0);
	CU_ASSERT_EQUAL(put(a, 9, 0, 2, 0, "INCR", "n", NULL), 0);
	CU_ASSERT_EQUAL(put(a, 9, 1, 1, 3, "SET", "b", "2"), 0); /* worker 1: a new batch */
	cp_aof_flush(a, 1);
	uint8_t *f = incr_file(&len);
	const char *expect_start = AOF_HEADER "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
					      "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
					      "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"
					      "#RW1 epoch=0000000000000009 w=0 lsn=1-2 n=3 crc64=";
	CU_ASSERT(strncmp((char *)f, expect_start, strlen(expect_start)) == 0);
	CU_ASSERT(strstr((char *)f,
			 "\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$1\r\nb"
			 "\r\n$1\r\n2\r\n#RW1 epoch=0000000000000009 w=1 lsn=1-1 n=2 ") != NULL);
	free(f);

	struct collected col = {0};
	struct cp_aof_load_info li;
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &li), 0);
	CU_ASSERT_EQUAL(col.n, 3);
	CU_ASSERT_EQUAL(li.batches, 2);
	CU_ASSERT_EQUAL(col.db[0], 0);
	CU_ASSERT_STRING_EQUAL(col.cmd[1], "INCR n");
	CU_ASSERT_EQUAL(col.db[2], 3);
	CU_ASSERT_EQUAL(li.lsn[0], 2);
	CU_ASSERT_EQUAL(li.lsn[1], 1);
	teardown(&a);
}

static void test_durable_lsn_rules_per_appendfsync(void)
{
	for (int mode = CP_AOF_FSYNC_NO; mode <= CP_AOF_FSYNC_ALWAYS; mode++) {
		struct cp_aof *a = NULL;
		setup((enum cp_aof_fsync)mode);
		hooks_reset();
		CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
		atomic_store(&fsync_gate, 1); /* hold any fsync */
		CU_ASSERT_EQUAL(put(a, 5, 0, 1, 0, "SET", "k", "v"), 0);
		CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), 0); /* not written yet */
		cp_aof_flush(a, 100);
		usleep(20000);
		cp_aof_flush(a, 101);
		/* no, everysec: durable once written; always: only after the fsync */
		CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), mode == CP_AOF_FSYNC_ALWAYS ? 0 : 1);
		CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 6, 0), 0); /* another epoch */
		atomic_store(&fsync_gate, 0);
		CU_ASSERT_EQUAL(cp_aof_sync_wait(a, 5000), 0);
		cp_aof_flush(a, 102);
		CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), 1);
		struct cp_aof_status st;
		cp_aof_status(a, &st);
		if (mode == CP_AOF_FSYNC_NO)
			CU_ASSERT_EQUAL(atomic_load(&fsync_calls), 0);
		if (mode == CP_AOF_FSYNC_ALWAYS)
			CU_ASSERT_EQUAL(st.synced_bytes, st.written_bytes);
		if (mode == CP_AOF_FSYNC_EVERYSEC) {
			CU_ASSERT_EQUAL(atomic_load(&fsync_calls), 0); /* not a second yet */
			cp_aof_flush(a, 1200);
			CU_ASSERT_EQUAL(cp_aof_sync_wait(a, 5000), 0);
			cp_aof_flush(a, 1201);
			cp_aof_status(a, &st);
			CU_ASSERT_EQUAL(atomic_load(&fsync_calls), 1);
			CU_ASSERT_EQUAL(st.synced_bytes, st.written_bytes);
		}
		teardown(&a);
	}
}

/*
 * fsync EIO under always: nothing is acknowledged, nothing new is taken,
 * and a later fsync is trusted only after the unsynced bytes were written
 * again from memory (never retry-and-trust).
 */
static void test_fsync_error_poisons_until_rewrite_and_fsync(void)
{
	struct cp_aof *a = NULL;
	setup(CP_AOF_FSYNC_ALWAYS);
	hooks_reset();
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	struct cp_aof_status st;
	cp_aof_status(a, &st);
	uint64_t base = st.written_bytes;
	atomic_store(&fsync_fail, 1);
	CU_ASSERT_EQUAL(put(a, 5, 0, 1, 0, "SET", "k", "v"), 0);
	cp_aof_flush(a, 100);
	CU_ASSERT_EQUAL(cp_aof_sync_wait(a, 5000), 0);
	cp_aof_flush(a, 101);
	cp_aof_status(a, &st);
	CU_ASSERT_TRUE(st.poisoned);
	CU_ASSERT_FALSE(st.fsync_ok);
	CU_ASSERT_EQUAL(st.fsync_errors, 1);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), 0);
	CU_ASSERT_FALSE(cp_aof_ready(a));
	CU_ASSERT_EQUAL(put(a, 5, 0, 2, 0, "SET", "k2", "v"), -EAGAIN);
	char info[1024];
	cp_aof_info(a, info, sizeof(info));
	CU_ASSERT(strstr(info, "aof_last_write_status:err\r\n") != NULL);

	/* the retry waits for its back-off, then writes [synced, written) from
	 * memory into a fresh incr file: header, carry, the bytes; the fsync
	 * thread does it, the tick that collects it adopts the file */
	int writes = atomic_load(&pwrite_calls);
	cp_aof_flush(a, 105);
	CU_ASSERT_EQUAL(atomic_load(&pwrite_calls), writes);
	cp_aof_flush(a, 200);
	CU_ASSERT_EQUAL(cp_aof_sync_wait(a, 5000), 0);
	CU_ASSERT_EQUAL(atomic_load(&pwrite_calls), writes + 3);
	CU_ASSERT_EQUAL(pwrite_last_len, st.written_bytes - base);
	CU_ASSERT_EQUAL(atomic_load(&fsync_calls), 3);	 /* failed, old file cut, new file */
	CU_ASSERT_EQUAL(atomic_load(&fsync_on_loop), 0); /* issue #7: never on the loop */
	cp_aof_status(a, &st);
	CU_ASSERT_TRUE(st.poisoned); /* not collected yet */
	cp_aof_flush(a, 201);
	cp_aof_status(a, &st);
	CU_ASSERT_FALSE(st.poisoned);
	CU_ASSERT_TRUE(st.fsync_ok);
	CU_ASSERT_EQUAL(st.rewrites, 1);
	CU_ASSERT(strstr(st.incr_path, "/appendonly.aof.2.incr.aof") != NULL);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), 1);
	CU_ASSERT_TRUE(cp_aof_ready(a));
	cp_aof_info(a, info, sizeof(info));
	CU_ASSERT(strstr(info, "aof_last_write_status:ok\r\n") != NULL);

	/* the old file holds only what its good fsync covered */
	char path[256];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.incr.aof", dir);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL((uint64_t)sb.st_size, base);
	size_t mlen;
	snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.manifest", dir);
	uint8_t *man = tp_read(path, &mlen);
	CU_ASSERT(man != NULL &&
		  strstr((char *)man, "file appendonly.aof.1.incr.aof seq 1 type i\n"
				      "file appendonly.aof.2.incr.aof seq 2 type i\n"));
	free(man);

	/* new records follow in the fresh file */
	CU_ASSERT_EQUAL(put(a, 5, 0, 2, 1, "SET", "k2", "v"), 0);
	cp_aof_flush(a, 300);
	CU_ASSERT_EQUAL(cp_aof_sync_wait(a, 5000), 0);
	cp_aof_flush(a, 301);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), 2);
	cp_aof_close(&a);

	/* every record exactly once, in its db; a reopen knows both LSNs */
	struct collected col = {0};
	struct cp_aof_load_info li;
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &li), 0);
	CU_ASSERT_EQUAL(col.n, 2);
	CU_ASSERT_STRING_EQUAL(col.cmd[0], "SET k");
	CU_ASSERT_EQUAL(col.db[0], 0);
	CU_ASSERT_STRING_EQUAL(col.cmd[1], "SET k2");
	CU_ASSERT_EQUAL(col.db[1], 1);
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, &li), 0);
	CU_ASSERT_EQUAL(li.epoch, 5);
	CU_ASSERT_EQUAL(li.lsn[0], 2);
	CU_ASSERT_EQUAL(put(a, 5, 0, 2, 1, "SET", "k2", "v"), 0);
	cp_aof_status(a, &st);
	CU_ASSERT_EQUAL(st.skipped, 1);
	teardown(&a);
}

/* The carry keeps the db and the LSNs of the cut: a fresh file that starts
 * in db 3 after records of two workers loads in db 3 and knows both. */
static void test_fresh_file_after_eio_carries_db_and_lsns(void)
{
	struct cp_aof *a = NULL;
	setup(CP_AOF_FSYNC_ALWAYS);
	hooks_reset();
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	CU_ASSERT_EQUAL(put(a, 7, 0, 10, 3, "SET", "a", "1"), 0);
	CU_ASSERT_EQUAL(put(a, 7, 1, 20, 3, "SET", "b", "1"), 0);
	cp_aof_flush(a, 100);
	CU_ASSERT_EQUAL(cp_aof_sync_wait(a, 5000), 0);
	cp_aof_flush(a, 101);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 7, 1), 20);
	atomic_store(&fsync_fail, 1);
	CU_ASSERT_EQUAL(put(a, 7, 1, 21, 3, "SET", "c", "1"), 0); /* no SELECT: db 3 still */
	cp_aof_flush(a, 200);
	CU_ASSERT_EQUAL(cp_aof_sync_wait(a, 5000), 0);
	cp_aof_flush(a, 201);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 7, 1), 20); /* its fsync failed: not durable */
	cp_aof_flush(a, 400);
	CU_ASSERT_EQUAL(cp_aof_sync_wait(a, 5000), 0);
	cp_aof_flush(a, 401);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 7, 1), 21);
	cp_aof_close(&a);
	struct collected col = {0};
	struct cp_aof_load_info li;
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &li), 0);
	CU_ASSERT_EQUAL(col.n, 3);
	CU_ASSERT_STRING_EQUAL(col.cmd[2], "SET c");
	CU_ASSERT_EQUAL(col.db[2], 3);
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, &li), 0);
	CU_ASSERT_EQUAL(li.lsn[0], 10);
	CU_ASSERT_EQUAL(li.lsn[1], 21);
	teardown(&a);
}

/* EIO, and EIO again during the recovery (cutting the old file): it stays
 * poisoned and tries again; it recovers only through a fresh file. */
static void test_fsync_error_twice_then_ok(void)
{
	struct cp_aof *a = NULL;
	setup(CP_AOF_FSYNC_EVERYSEC);
	hooks_reset();
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	CU_ASSERT_EQUAL(put(a, 5, 0, 1, 0, "SET", "k", "v"), 0);
	atomic_store(&fsync_fail, 2);
	cp_aof_flush(a, 2000);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), 1); /* everysec: written = durable */
	uint64_t now = 2001;
	for (int i = 0; i < 200; i++, now += 50) {
		cp_aof_sync_wait(a, 5000);
		cp_aof_flush(a, now);
		struct cp_aof_status st;
		cp_aof_status(a, &st);
		if (st.rewrites > 0)
			break;
	}
	struct cp_aof_status st;
	cp_aof_status(a, &st);
	CU_ASSERT_EQUAL(st.fsync_errors, 1);
	CU_ASSERT_EQUAL(st.write_errors, 1); /* the failed recovery */
	CU_ASSERT_EQUAL(st.rewrites, 1);
	CU_ASSERT_FALSE(st.poisoned);
	CU_ASSERT_EQUAL(st.synced_bytes, st.written_bytes);
	CU_ASSERT(strstr(st.incr_path, "/appendonly.aof.2.incr.aof") != NULL);
	cp_aof_close(&a);
	struct collected col = {0};
	struct cp_aof_load_info li;
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &li), 0);
	CU_ASSERT_EQUAL(col.n, 1); /* once, not in both files */
	teardown(&a);
}

static void test_write_error_keeps_records_pending_and_retries(void)
{
	struct cp_aof *a = NULL;
	setup(CP_AOF_FSYNC_NO);
	hooks_reset();
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	atomic_store(&pwrite_calls, 0); /* the open wrote the file header */
	atomic_store(&pwrite_fail, 2);
	CU_ASSERT_EQUAL(put(a, 5, 0, 1, 0, "SET", "k", "v"), 0);
	cp_aof_flush(a, 100);
	struct cp_aof_status st;
	cp_aof_status(a, &st);
	CU_ASSERT_FALSE(st.write_ok);
	CU_ASSERT_EQUAL(st.last_write_errno, ENOSPC);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), 0);
	CU_ASSERT_FALSE(cp_aof_ready(a));
	cp_aof_flush(a, 110); /* second failure: back-off doubles */
	cp_aof_flush(a, 115);
	CU_ASSERT_EQUAL(atomic_load(&pwrite_calls), 2);
	cp_aof_flush(a, 131);
	cp_aof_status(a, &st);
	CU_ASSERT_TRUE(st.write_ok);
	CU_ASSERT_EQUAL(st.write_errors, 2);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), 1);
	teardown(&a);
}

static void test_reopen_continues_and_skips_records_already_in_the_file(void)
{
	struct cp_aof *a = NULL;
	struct cp_aof_load_info st;
	setup(CP_AOF_FSYNC_ALWAYS);
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	CU_ASSERT_EQUAL(put(a, 5, 0, 1, 2, "INCR", "n", NULL), 0);
	CU_ASSERT_EQUAL(put(a, 5, 0, 2, 2, "INCR", "n", NULL), 0);
	cp_aof_close(&a);
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, &st), 0);
	CU_ASSERT_TRUE(st.exists);
	CU_ASSERT_EQUAL(st.epoch, 5);
	CU_ASSERT_EQUAL(st.lsn[0], 2);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), 2); /* fsynced at open */
	/* the channel was rewound: 1 and 2 come again, then 3 */
	CU_ASSERT_EQUAL(put(a, 5, 0, 1, 2, "INCR", "n", NULL), 0);
	CU_ASSERT_EQUAL(put(a, 5, 0, 2, 2, "INCR", "n", NULL), 0);
	CU_ASSERT_EQUAL(put(a, 5, 0, 3, 2, "INCR", "n", NULL), 0);
	cp_aof_flush(a, 10);
	struct cp_aof_status s;
	cp_aof_status(a, &s);
	CU_ASSERT_EQUAL(s.skipped, 2);
	cp_aof_close(&a);
	struct collected col = {0};
	struct cp_aof_load_info li;
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &li), 0);
	CU_ASSERT_EQUAL(col.n, 3);
	CU_ASSERT_EQUAL(col.db[2], 2); /* SELECT again after the reopen */
	CU_ASSERT_EQUAL(li.lsn[0], 3);
	teardown(&a);
}

static void append_bytes(const char *s)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.incr.aof", dir);
	int fd = open(path, O_WRONLY | O_APPEND);
	CU_ASSERT(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
}

static void test_torn_tail_cut_only_with_aof_load_truncated(void)
{
	struct cp_aof *a = NULL;
	struct cp_aof_load_info st;
	setup(CP_AOF_FSYNC_EVERYSEC);
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	CU_ASSERT_EQUAL(put(a, 5, 0, 1, 0, "SET", "k", "v"), 0);
	cp_aof_close(&a);
	size_t good;
	free(incr_file(&good));
	const char *torn = "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$5\r\nab";
	append_bytes(torn);

	struct collected col = {0};
	conf.load_truncated = false;
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &st), -EILSEQ);
	CU_ASSERT(strstr(st.err, "appendonly.aof.1.incr.aof offset") != NULL);
	CU_ASSERT_EQUAL(col.n, 0); /* nothing delivered from a file that fails */
	CU_ASSERT_EQUAL(cp_aof_open(&a, &conf, &st), -EILSEQ);
	CU_ASSERT_PTR_NULL(a);

	conf.load_truncated = true;
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &st), 0);
	CU_ASSERT_EQUAL(col.n, 1);
	CU_ASSERT_EQUAL(st.tail_cut, strlen(torn));
	CU_ASSERT_EQUAL(st.tail_offset, good);
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, &st), 0);
	CU_ASSERT_EQUAL(st.tail_cut, strlen(torn));
	size_t len;
	free(incr_file(&len));
	CU_ASSERT_EQUAL(len, good); /* cut on disk by the writer */
	teardown(&a);
}

static void test_bit_flip_in_a_value_stops_the_load_with_file_and_offset(void)
{
	struct cp_aof *a = NULL;
	struct cp_aof_load_info st;
	setup(CP_AOF_FSYNC_EVERYSEC);
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	CU_ASSERT_EQUAL(put(a, 5, 0, 1, 0, "SET", "k", "hello"), 0);
	cp_aof_flush(a, 1);
	CU_ASSERT_EQUAL(put(a, 5, 0, 2, 0, "SET", "k2", "world"), 0);
	cp_aof_close(&a);
	size_t len;
	uint8_t *f = incr_file(&len);
	uint8_t *v = memmem(f, len, "hello", 5);
	v[1] ^= 0x04; /* "hallo": still valid RESP, stock Redis would load it */
	char path[256];
	snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.incr.aof", dir);
	tp_write(path, f, len);
	struct collected col = {0};
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &st), -EILSEQ);
	CU_ASSERT_EQUAL(col.n, 0);
	char want[128];
	snprintf(want, sizeof(want), "appendonly.aof.1.incr.aof offset %zu: CRC64 mismatch",
		 strlen(AOF_HEADER));
	CU_ASSERT(strstr(st.err, want) != NULL);
	CU_ASSERT_EQUAL(cp_aof_open(&a, &conf, &st), -EILSEQ); /* not even with truncation */
	free(f);
	teardown(&a);
}

static void test_stock_written_incr_file_is_loaded_and_sealed(void)
{
	struct cp_aof *a = NULL;
	struct cp_aof_load_info st;
	char path[256];
	setup(CP_AOF_FSYNC_EVERYSEC);
	snprintf(path, sizeof(path), "%s/appendonlydir", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.manifest", dir);
	const char *man = "file appendonly.aof.1.base.aof seq 1 type b\n"
			  "file appendonly.aof.1.incr.aof seq 1 type i\n";
	tp_write(path, man, strlen(man));
	snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.base.aof", dir);
	tp_write(path, "", 0);
	snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.incr.aof", dir);
	const char *stock =
	    "*2\r\n$6\r\nSELECT\r\n$1\r\n4\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n";
	tp_write(path, stock, strlen(stock));
	struct collected col = {0};
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &st), 0);
	CU_ASSERT_EQUAL(col.n, 1);
	CU_ASSERT_EQUAL(st.unverified, strlen(stock));
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	CU_ASSERT_EQUAL(put(a, 5, 0, 1, 4, "SET", "b", "2"), 0);
	cp_aof_close(&a);
	memset(&col, 0, sizeof(col));
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &st), 0);
	CU_ASSERT_EQUAL(col.n, 2);
	CU_ASSERT_EQUAL(st.batches, 2); /* the seal, then ours */
	CU_ASSERT_EQUAL(col.db[1], 4);
	teardown(&a);
}

static void test_malformed_record_is_left_out_but_its_lsn_completes(void)
{
	struct cp_aof *a = NULL;
	setup(CP_AOF_FSYNC_NO);
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	static const uint8_t bad[] = {0, 0, 0, 0, '*', '2', '\r', '\n', '$', '9'};
	CU_ASSERT_EQUAL(cp_aof_record(a, 5, 0, 1, bad, sizeof(bad)), 0);
	CU_ASSERT_EQUAL(put(a, 5, 0, 2, 0, "SET", "k", "v"), 0);
	cp_aof_flush(a, 1);
	struct cp_aof_status st;
	cp_aof_status(a, &st);
	CU_ASSERT_EQUAL(st.bad_records, 1);
	CU_ASSERT_EQUAL(cp_aof_durable_lsn(a, 5, 0), 2);
	cp_aof_close(&a);
	struct collected col = {0};
	struct cp_aof_load_info li;
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &li), 0);
	CU_ASSERT_EQUAL(col.n, 1);
	teardown(&a);
}

static void test_config_directives_for_the_aof(void)
{
	struct rw_config cfg;
	char err[256];
	char *ok[] = {"--appendfsync", "ALWAYS",	   "--appenddirname",
		      "aofdir",	       "--appendfilename", "x.aof"};
	CU_ASSERT_EQUAL_FATAL(rw_config_load(&cfg, NULL, 6, ok, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.appendfsync, "always");
	CU_ASSERT_STRING_EQUAL(cfg.appenddirname, "aofdir");
	CU_ASSERT_TRUE(cfg.aof_load_truncated);
	rw_config_fini(&cfg);
	CU_ASSERT_EQUAL_FATAL(rw_config_load(&cfg, NULL, 0, NULL, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.appendfsync, "everysec");
	CU_ASSERT_STRING_EQUAL(cfg.appendfilename, "appendonly.aof");
	CU_ASSERT_STRING_EQUAL(cfg.appenddirname, "appendonlydir");
	rw_config_fini(&cfg);
	char *bad1[] = {"--appendfsync", "sometimes"};
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 2, bad1, NULL, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "'appendfsync'") != NULL);
	char *bad2[] = {"--appendfilename", "../x"};
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 2, bad2, NULL, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "not a path") != NULL);
}

/* A transaction is one journal record (MULTI, commands, EXEC): the batch's
 * annotation counts each of its commands, so the file loads back. */
static void test_transaction_record_counts_every_command(void)
{
	struct cp_aof *a = NULL;
	setup(CP_AOF_FSYNC_ALWAYS);
	hooks_reset();
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	uint8_t buf[256];
	uint32_t db = 0;
	memcpy(buf, &db, 4);
	const char *tx = "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nt\r\n$1\r\n1\r\n"
			 "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nt\r\n$13\r\n4102444800000\r\n"
			 "*1\r\n$4\r\nEXEC\r\n";
	memcpy(buf + 4, tx, strlen(tx));
	CU_ASSERT_EQUAL(cp_aof_record(a, 5, 0, 1, buf, (uint32_t)(4 + strlen(tx))), 0);
	CU_ASSERT_EQUAL(put(a, 5, 0, 2, 0, "SET", "after", "v"), 0);
	cp_aof_flush(a, 100);
	cp_aof_close(&a);
	struct collected col = {0};
	struct cp_aof_load_info info;
	CU_ASSERT_EQUAL(cp_aof_load(&conf, collect, &col, &info), 0);
	CU_ASSERT_EQUAL(col.n, 5);
	CU_ASSERT_STRING_EQUAL(col.cmd[2], "PEXPIREAT t");
	CU_ASSERT_STRING_EQUAL(col.cmd[4], "SET after");
	teardown(&a);
}

const struct rw_test_case persist_write_tests[] = {
    RW_TEST(test_transaction_record_counts_every_command),
    RW_TEST(test_new_aof_has_stock_layout_and_exact_records),
    RW_TEST(test_durable_lsn_rules_per_appendfsync),
    RW_TEST(test_fsync_error_poisons_until_rewrite_and_fsync),
    RW_TEST(test_fsync_error_twice_then_ok),
    RW_TEST(test_fresh_file_after_eio_carries_db_and_lsns),
    RW_TEST(test_write_error_keeps_records_pending_and_retries),
    RW_TEST(test_reopen_continues_and_skips_records_already_in_the_file),
    RW_TEST(test_torn_tail_cut_only_with_aof_load_truncated),
    RW_TEST(test_bit_flip_in_a_value_stops_the_load_with_file_and_offset),
    RW_TEST(test_stock_written_incr_file_is_loaded_and_sealed),
    RW_TEST(test_malformed_record_is_left_out_but_its_lsn_completes),
    RW_TEST(test_config_directives_for_the_aof),
    {NULL, NULL},
};
