/*
 * The loader (cp_aof_load) over whole AOF directories, exhaustively:
 *   - a torn tail at every offset of the last 4 KiB of the last incr file
 *     loads every whole batch before it under aof-load-truncated yes (and is
 *     refused, naming file and offset, under no);
 *   - every single-bit flip anywhere in a closed incr file is refused with
 *     the file and offset named, never loaded.
 * The files are written by the real writer (cp_aof_open/record/flush), one
 * batch per flush, and where each batch ends is taken from the file size
 * after each flush, not from the scanner under test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_persist.h"

#define LOAD_RECORDS 240 /* about 12 KiB of incr file */
#define LOAD_TAIL    4096

static char dir[64];
static struct cp_aof_conf conf;

/* The commands the loader delivered: "db|RESP" strings. */
struct seen {
	size_t n;
	char **cmd;
};

static int seen_add(void *arg, const struct cp_aof_cmd *c)
{
	struct seen *s = arg;
	char **n = realloc(s->cmd, (s->n + 1) * sizeof(*n));
	char *line = malloc(c->len + 16);
	if (n == NULL || line == NULL)
		abort();
	s->cmd = n;
	int k = sprintf(line, "%u|", c->db);
	memcpy(line + k, c->resp, c->len);
	line[k + (int)c->len] = '\0';
	s->cmd[s->n++] = line;
	return 0;
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->cmd[i]);
	free(s->cmd);
	memset(s, 0, sizeof(*s));
}

static void path_of(char *out, size_t n, const char *file)
{
	snprintf(out, n, "%s/appendonlydir/%s", dir, file);
}

static off_t size_of(const char *file)
{
	char p[256];
	struct stat st;
	path_of(p, sizeof(p), file);
	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* Records of three workers in two epochs over dbs 0..2, values of varying
 * size; one batch per flush. ends[i] = incr size once record i is written. */
static void write_aof(int records, off_t *ends)
{
	struct cp_aof *a = NULL;
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, NULL), 0);
	uint64_t lsn[3] = {0};
	for (int i = 0; i < records; i++) {
		uint8_t buf[256];
		uint32_t w = (uint32_t)(i % 3), db = (uint32_t)(i / 7 % 3);
		char key[16], val[128];
		snprintf(key, sizeof(key), "key:%d", i);
		memset(val, 'a' + i % 26, sizeof(val));
		val[i % 100 + 1] = '\0';
		memcpy(buf, &db, 4);
		size_t n = 4 + (size_t)sprintf((char *)buf + 4,
					       "*3\r\n$3\r\nSET\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n",
					       strlen(key), key, strlen(val), val);
		CU_ASSERT_EQUAL_FATAL(cp_aof_record(a, 0x1234, w, ++lsn[w], buf, (uint32_t)n), 0);
		cp_aof_flush(a, 1000 + (uint64_t)i);
		CU_ASSERT_EQUAL(cp_aof_sync_wait(a, 5000), 0);
		if (ends != NULL)
			ends[i] = size_of("appendonly.aof.1.incr.aof");
	}
	cp_aof_close(&a);
}

static void setup(void)
{
	tp_tmpdir(dir);
	conf = (struct cp_aof_conf){.dir = dir,
				    .dirname = "appendonlydir",
				    .filename = "appendonly.aof",
				    .fsync = CP_AOF_FSYNC_NO,
				    .load_truncated = true,
				    .reserve_bytes = 1 << 16};
}

static void test_load_torn_tail_at_every_offset_of_the_last_4k(void)
{
	static off_t ends[LOAD_RECORDS];
	struct seen all = {0};
	struct cp_aof_load_info info;
	char p[256];
	setup();
	write_aof(LOAD_RECORDS, ends);
	CU_ASSERT_EQUAL_FATAL(cp_aof_load(&conf, seen_add, &all, &info), 0);
	CU_ASSERT_EQUAL_FATAL(all.n, LOAD_RECORDS);
	size_t len;
	path_of(p, sizeof(p), "appendonly.aof.1.incr.aof");
	uint8_t *file = tp_read(p, &len);
	CU_ASSERT_FATAL(file != NULL && len == (size_t)ends[LOAD_RECORDS - 1] &&
			len > 2 * LOAD_TAIL);
	int bad = 0;
	for (size_t cut = len - LOAD_TAIL; cut < len && bad < 5; cut++) {
		size_t whole = 0; /* records whose batch ends at or before the cut */
		while (whole < LOAD_RECORDS && (size_t)ends[whole] <= cut)
			whole++;
		tp_write(p, file, cut);
		struct seen got = {0};
		conf.load_truncated = true;
		int rc = cp_aof_load(&conf, seen_add, &got, &info);
		bool ok = rc == 0 && got.n == whole;
		for (size_t i = 0; ok && i < got.n; i++)
			ok = strcmp(got.cmd[i], all.cmd[i]) == 0;
		bool boundary = whole > 0 && (size_t)ends[whole - 1] == cut;
		ok = ok && info.tail_cut == (boundary ? 0 : cut - (size_t)ends[whole - 1]);
		if (ok && !boundary) { /* names the file and the offset of the cut */
			ok = strcmp(info.tail_file, "appendonly.aof.1.incr.aof") == 0 &&
			     info.tail_offset == (uint64_t)ends[whole - 1];
		}
		/* aof-load-truncated no: refused, naming file and offset */
		conf.load_truncated = false;
		struct seen none = {0};
		rc = cp_aof_load(&conf, seen_add, &none, &info);
		char want[96];
		snprintf(want, sizeof(want), "appendonly.aof.1.incr.aof offset %lld",
			 (long long)ends[whole - 1]);
		if (boundary)
			ok = ok && rc == 0 && none.n == whole;
		else
			ok = ok && rc == -EILSEQ && none.n == 0 && strstr(info.err, want) != NULL;
		if (!ok) {
			fprintf(stderr, "cut %zu: rc %d got %zu want %zu err '%s'\n", cut, rc,
				got.n, whole, info.err);
			bad++;
		}
		CU_ASSERT_TRUE(ok);
		seen_free(&got);
		seen_free(&none);
	}
	/* and the writer continues a cut file: what it had loads, then what is new */
	tp_write(p, file, len - 100);
	conf.load_truncated = true;
	struct cp_aof *a = NULL;
	CU_ASSERT_EQUAL_FATAL(cp_aof_open(&a, &conf, &info), 0);
	uint8_t rec[64];
	uint32_t db = 0;
	memcpy(rec, &db, 4);
	size_t n = 4 + (size_t)sprintf((char *)rec + 4, "*2\r\n$4\r\nINCR\r\n$1\r\nz\r\n");
	CU_ASSERT_EQUAL(cp_aof_record(a, 0x9999, 0, 1, rec, (uint32_t)n), 0);
	cp_aof_flush(a, 1);
	cp_aof_close(&a);
	struct seen after = {0};
	CU_ASSERT_EQUAL(cp_aof_load(&conf, seen_add, &after, &info), 0);
	CU_ASSERT_EQUAL(after.n, LOAD_RECORDS);
	CU_ASSERT(after.n > 0 && strstr(after.cmd[after.n - 1], "INCR") != NULL);
	seen_free(&after);
	free(file);
	seen_free(&all);
	tp_rmdir(dir);
}

/* A closed incr file (seq 1) followed by the last one (seq 2). */
static void make_two_incr_files(void)
{
	char a[256], b[256];
	write_aof(40, NULL);
	path_of(a, sizeof(a), "appendonly.aof.1.incr.aof");
	path_of(b, sizeof(b), "appendonly.aof.2.incr.aof");
	size_t len;
	uint8_t *f = tp_read(a, &len);
	tp_write(b, f, len); /* a valid annotated file, loaded after the closed one */
	free(f);
	static const char m[] = "file appendonly.aof.1.base.aof seq 1 type b\n"
				"file appendonly.aof.1.incr.aof seq 1 type i\n"
				"file appendonly.aof.2.incr.aof seq 2 type i\n";
	path_of(a, sizeof(a), "appendonly.aof.manifest");
	tp_write(a, m, sizeof(m) - 1);
}

static void test_load_every_bit_flip_in_a_closed_file_is_refused(void)
{
	struct cp_aof_load_info info;
	struct seen all = {0};
	char p[256];
	setup();
	make_two_incr_files();
	CU_ASSERT_EQUAL_FATAL(cp_aof_load(&conf, seen_add, &all, &info), 0);
	CU_ASSERT_EQUAL(all.n, 80);
	path_of(p, sizeof(p), "appendonly.aof.1.incr.aof");
	size_t len;
	uint8_t *file = tp_read(p, &len);
	CU_ASSERT_FATAL(file != NULL && len > 1000);
	int missed = 0;
	for (size_t off = 0; off < len; off++) {
		for (int bit = 0; bit < 8; bit++) {
			file[off] ^= (uint8_t)(1u << bit);
			tp_write(p, file, len);
			file[off] ^= (uint8_t)(1u << bit);
			struct seen got = {0};
			int rc = cp_aof_load(&conf, seen_add, &got, &info);
			bool ok = rc == -EILSEQ && got.n == 0 &&
				  strstr(info.err, "appendonly.aof.1.incr.aof offset ") != NULL;
			if (!ok && missed++ < 5)
				fprintf(stderr,
					"flip at %zu bit %d: rc %d delivered %zu err '%s'\n", off,
					bit, rc, got.n, info.err);
			CU_ASSERT_TRUE(ok);
			seen_free(&got);
		}
	}
	free(file);
	seen_free(&all);
	tp_rmdir(dir);
}

/* An AOF written by stock Redis (no annotations) loads as Redis reads it. */
static void test_load_stock_written_directory(void)
{
	char p[256];
	struct cp_aof_load_info info;
	struct seen got = {0};
	setup();
	mkdir(dir, 0755);
	path_of(p, sizeof(p), "");
	mkdir(p, 0755);
	static const char m[] = "file appendonly.aof.1.base.aof seq 1 type b\n"
				"file appendonly.aof.1.incr.aof seq 1 type i\n";
	static const char incr[] = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
				   "*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n"
				   "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"
				   "*3\r\n$3\r\nset\r\n$1\r\nb\r\n$1\r\n2\r\n";
	path_of(p, sizeof(p), "appendonly.aof.manifest");
	tp_write(p, m, sizeof(m) - 1);
	path_of(p, sizeof(p), "appendonly.aof.1.base.aof");
	tp_write(p, "", 0);
	path_of(p, sizeof(p), "appendonly.aof.1.incr.aof");
	tp_write(p, incr, sizeof(incr) - 1);
	CU_ASSERT_EQUAL(cp_aof_load(&conf, seen_add, &got, &info), 0);
	CU_ASSERT_EQUAL_FATAL(got.n, 2);
	CU_ASSERT_EQUAL(strncmp(got.cmd[0], "0|*3", 4), 0);
	CU_ASSERT_EQUAL(strncmp(got.cmd[1], "2|*3", 4), 0);
	CU_ASSERT_EQUAL(info.unverified, sizeof(incr) - 1);
	CU_ASSERT_EQUAL(info.total_bytes, sizeof(incr) - 1);
	uint64_t total = 0;
	CU_ASSERT_EQUAL(cp_aof_files_bytes(&conf, &total), 0);
	CU_ASSERT_EQUAL(total, sizeof(incr) - 1);
	seen_free(&got);
	tp_rmdir(dir);
}

const struct rw_test_case persist_load_tests[] = {
    RW_TEST(test_load_torn_tail_at_every_offset_of_the_last_4k),
    RW_TEST(test_load_every_bit_flip_in_a_closed_file_is_refused),
    RW_TEST(test_load_stock_written_directory),
    {NULL, NULL},
};
