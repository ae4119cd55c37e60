/* Manifest, annotation and scanner: the on-disk formats (FORMAT.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"
#include "test_persist.h"

/* Exactly what redis-server 7.0.15 writes with appendonly yes, aof-use-rdb-preamble no. */
static const char stock_manifest[] = "file appendonly.aof.1.base.aof seq 1 type b\n"
				     "file appendonly.aof.1.incr.aof seq 1 type i\n";

static void test_manifest_format_is_byte_identical_to_redis_7_0(void)
{
	struct aof_manifest m = {0};
	struct rw_buf b = {0};
	/* incr added first: the base still comes first, as Redis writes it */
	CU_ASSERT_EQUAL(aof_manifest_add(&m, "appendonly.aof.1.incr.aof", 1, 'i'), 0);
	CU_ASSERT_EQUAL(aof_manifest_add(&m, "appendonly.aof.1.base.aof", 1, 'b'), 0);
	CU_ASSERT_EQUAL(aof_manifest_format(&m, &b), 0);
	CU_ASSERT_EQUAL(b.len, strlen(stock_manifest));
	CU_ASSERT(memcmp(b.data, stock_manifest, b.len) == 0);
	rw_buf_fini(&b);
	aof_manifest_fini(&m);
}

static void test_manifest_parse_accepts_stock_and_any_key_order(void)
{
	struct aof_manifest m;
	char err[128];
	const char *text = "# a comment\n"
			   "type b seq 1 file appendonly.aof.1.base.aof\n"
			   "  file appendonly.aof.1.incr.aof seq 1 type i  \r\n"
			   "file appendonly.aof.2.incr.aof seq 2 type i\n";
	CU_ASSERT_EQUAL_FATAL(aof_manifest_parse(text, strlen(text), &m, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(m.n, 3);
	CU_ASSERT_STRING_EQUAL(aof_manifest_base(&m)->name, "appendonly.aof.1.base.aof");
	CU_ASSERT_STRING_EQUAL(aof_manifest_last_incr(&m)->name, "appendonly.aof.2.incr.aof");
	aof_manifest_fini(&m);
	CU_ASSERT_EQUAL(
	    aof_manifest_parse(stock_manifest, strlen(stock_manifest), &m, err, sizeof(err)), 0);
	aof_manifest_fini(&m);
}

static void test_manifest_parse_rejects_what_redis_rejects(void)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
	    {"file a seq 1\n", "Invalid AOF manifest file format"},
	    {"file a seq 1 type x\n", "Unknown AOF file type"},
	    {"file a seq 1 type b\nfile b seq 1 type b\n", "Found duplicate base file information"},
	    {"file a seq 2 type i\nfile b seq 2 type i\n", "Found a non-monotonic sequence number"},
	    {"file ../a seq 1 type i\n", "File can't be a path, just a filename"},
	    {"file a seq 1 type i", "The AOF manifest file is truncated"},
	    {"# only a comment\n", "Found an empty AOF manifest"},
	    {"file a seq x type i\n", "Invalid AOF manifest file format"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct aof_manifest m;
		char err[128] = "";
		CU_ASSERT_EQUAL(
		    aof_manifest_parse(bad[i].text, strlen(bad[i].text), &m, err, sizeof(err)),
		    -EINVAL);
		if (strstr(err, bad[i].err) == NULL)
			fprintf(stderr, "case %zu: '%s'\n", i, err);
		CU_ASSERT(strstr(err, bad[i].err) != NULL);
	}
}

static void test_annotation_round_trips_and_is_strict(void)
{
	struct aof_annot a = {.epoch = 0x0123456789abcdefull,
			      .w = 63,
			      .first = 1,
			      .last = UINT64_MAX,
			      .n = 4294967295u,
			      .crc = 0xfedcba9876543210ull},
			 b;
	char line[AOF_ANNOT_MAX];
	size_t n = aof_annot_format(line, &a);
	CU_ASSERT(n < 128); /* well within the 1024-byte line Redis reads */
	CU_ASSERT(strncmp(line, "#RW1 epoch=0123456789abcdef w=63 lsn=1-", 39) == 0);
	CU_ASSERT_EQUAL_FATAL(aof_annot_parse((uint8_t *)line, n, &b), 0);
	CU_ASSERT(a.epoch == b.epoch && a.w == b.w && a.first == b.first && a.last == b.last &&
		  a.n == b.n && a.crc == b.crc);
	static const char *bad[] = {
	    "#RW1 epoch=0123456789abcdef w=1 lsn=1-2 n=1 crc64=0123456789ABCDEF\r\n",
	    "#RW1 epoch=0123456789abcdef w=64 lsn=1-2 n=1 crc64=0123456789abcdef\r\n",
	    "#RW1 epoch=0123456789abcdef w=1 lsn=2-1 n=1 crc64=0123456789abcdef\r\n",
	    "#RW1 epoch=0123456789abcdef w=01 lsn=1-2 n=1 crc64=0123456789abcdef\r\n",
	    "#RW1 epoch=0123456789abcdef w=1 lsn=1-2 n=1 crc64=0123456789abcdef\n",
	    "#RW1 epoch=0123456789abcdef w=1 lsn=1-2 n=1 crc64=0123456789abcdef x\r\n",
	    "#RW1 epoch=123456789abcdef w=1 lsn=1-2 n=1 crc64=0123456789abcdef\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(aof_annot_parse((const uint8_t *)bad[i], strlen(bad[i]), &b),
				-EINVAL);
}

static void test_select_record_is_redis_encoding(void)
{
	char buf[48];
	size_t n = aof_select_format(buf, 0);
	CU_ASSERT_EQUAL(n, strlen("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"));
	CU_ASSERT(memcmp(buf, "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n", n) == 0);
	n = aof_select_format(buf, 15);
	CU_ASSERT(memcmp(buf, "*2\r\n$6\r\nSELECT\r\n$2\r\n15\r\n", n) == 0);
}

/* Two batches of worker 0: SELECT 1 + SET k v + INCR n, then DEL k. */
static size_t build_file(uint8_t *out, size_t *batch2)
{
	static const char b1[] = "*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n"
				 "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"
				 "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n";
	static const char b2[] = "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n";
	char line[AOF_ANNOT_MAX];
	size_t len = strlen(AOF_HEADER);
	struct aof_annot a = {.epoch = 7, .w = 0, .first = 1, .last = 2, .n = 3};
	memcpy(out, AOF_HEADER, len);
	memcpy(out + len, b1, sizeof(b1) - 1);
	len += sizeof(b1) - 1;
	a.crc = aof_annot_crc((const uint8_t *)b1, sizeof(b1) - 1, &a);
	len += (size_t)sprintf((char *)out + len, "%.*s", (int)aof_annot_format(line, &a), line);
	*batch2 = len;
	memcpy(out + len, b2, sizeof(b2) - 1);
	len += sizeof(b2) - 1;
	a = (struct aof_annot){.epoch = 7, .w = 0, .first = 3, .last = 3, .n = 1};
	a.crc = aof_annot_crc((const uint8_t *)b2, sizeof(b2) - 1, &a);
	len += (size_t)sprintf((char *)out + len, "%.*s", (int)aof_annot_format(line, &a), line);
	return len;
}

static void test_scan_verifies_batches_and_reports_lsns(void)
{
	uint8_t buf[512];
	size_t b2, len = build_file(buf, &b2);
	struct aof_scan s;
	CU_ASSERT_EQUAL_FATAL(aof_scan(buf, len, &s), 0);
	CU_ASSERT_TRUE(s.annotated);
	CU_ASSERT_EQUAL(s.valid_end, len);
	CU_ASSERT_EQUAL(s.batches, 2);
	CU_ASSERT_EQUAL(s.commands, 4);
	CU_ASSERT_EQUAL(s.epoch, 7);
	CU_ASSERT_EQUAL(s.lsn[0], 3);
	CU_ASSERT_EQUAL(s.db, 1);
}

/* A crash can tear the last write anywhere: every cut is a tail, never corruption. */
static void test_scan_torn_tail_at_every_offset(void)
{
	uint8_t buf[512], copy[512];
	size_t b2, len = build_file(buf, &b2);
	for (size_t cut = 0; cut < len; cut++) {
		struct aof_scan s;
		memcpy(copy, buf, cut);
		CU_ASSERT_EQUAL_FATAL(aof_scan(copy, cut, &s), 0);
		size_t hdr = strlen(AOF_HEADER);
		CU_ASSERT_EQUAL(s.valid_end, cut < hdr ? 0 : cut < b2 ? hdr : b2);
		CU_ASSERT_EQUAL(s.lsn[0], cut < b2 ? 0 : 2);
	}
}

/* Every single-bit flip in a closed batch is detected, with the batch's offset. */
static void test_scan_bit_flip_anywhere_in_a_closed_batch_is_detected(void)
{
	uint8_t buf[512], copy[512];
	size_t b2, len = build_file(buf, &b2);
	for (size_t off = 0; off < b2; off++) {
		for (int bit = 0; bit < 8; bit++) {
			struct aof_scan s;
			memcpy(copy, buf, len);
			copy[off] ^= (uint8_t)(1u << bit);
			int rc = aof_scan(copy, len, &s);
			if (rc != -EILSEQ)
				fprintf(stderr, "flip at %zu bit %d: rc %d\n", off, bit, rc);
			CU_ASSERT_EQUAL(rc, -EILSEQ);
		}
	}
	/* a flip inside the value "value" names the batch start (after the header) */
	struct aof_scan s;
	memcpy(copy, buf, len);
	uint8_t *v = memmem(copy, len, "value", 5);
	v[2] ^= 0x01;
	CU_ASSERT_EQUAL(aof_scan(copy, len, &s), -EILSEQ);
	CU_ASSERT_EQUAL(s.err_off, strlen(AOF_HEADER));
	CU_ASSERT(strstr(s.err, "CRC64 mismatch") != NULL);
	/* in the second batch: its own offset */
	memcpy(copy, buf, len);
	copy[b2 + 12] ^= 0x20;
	CU_ASSERT_EQUAL(aof_scan(copy, len, &s), -EILSEQ);
	CU_ASSERT_EQUAL(s.err_off, b2);
}

static void test_scan_unannotated_stock_file_reads_like_redis(void)
{
	char text[] = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n#TS:1628217470\r\n"
		      "*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\nDEL";
	size_t len = strlen(text);
	struct aof_scan s;
	CU_ASSERT_EQUAL_FATAL(aof_scan((uint8_t *)text, len, &s), 0);
	CU_ASSERT_FALSE(s.annotated);
	CU_ASSERT_EQUAL(s.commands, 2);
	CU_ASSERT_EQUAL(s.valid_end, len - strlen("*2\r\n$3\r\nDEL"));
	/* Redis: a format error (not at the end) is fatal */
	char bad[] = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\nXYZ\r\n*1\r\n$4\r\nPING\r\n";
	CU_ASSERT_EQUAL(aof_scan((uint8_t *)bad, strlen(bad), &s), -EILSEQ);
	CU_ASSERT_EQUAL(s.err_off, 23);
}

static void test_scan_garbage_after_last_annotation_is_a_tail(void)
{
	uint8_t buf[600];
	size_t b2, len = build_file(buf, &b2);
	memset(buf + len, 0, 64); /* power loss: the size grew, the data did not land */
	struct aof_scan s;
	CU_ASSERT_EQUAL(aof_scan(buf, len + 64, &s), 0);
	CU_ASSERT_EQUAL(s.valid_end, len);
	/* but the same garbage before a later annotation is corruption */
	uint8_t copy[600];
	memcpy(copy, buf, b2);
	memset(copy + b2, 0, 8);
	memcpy(copy + b2 + 8, buf + b2, len - b2);
	CU_ASSERT_EQUAL(aof_scan(copy, len + 8, &s), -EILSEQ);
	CU_ASSERT_EQUAL(s.err_off, b2);
}

const struct rw_test_case persist_format_tests[] = {
    RW_TEST(test_manifest_format_is_byte_identical_to_redis_7_0),
    RW_TEST(test_manifest_parse_accepts_stock_and_any_key_order),
    RW_TEST(test_manifest_parse_rejects_what_redis_rejects),
    RW_TEST(test_annotation_round_trips_and_is_strict),
    RW_TEST(test_select_record_is_redis_encoding),
    RW_TEST(test_scan_verifies_batches_and_reports_lsns),
    RW_TEST(test_scan_torn_tail_at_every_offset),
    RW_TEST(test_scan_bit_flip_anywhere_in_a_closed_batch_is_detected),
    RW_TEST(test_scan_unannotated_stock_file_reads_like_redis),
    RW_TEST(test_scan_garbage_after_last_annotation_is_a_tail),
    {NULL, NULL},
};
