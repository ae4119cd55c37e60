/* RDB value primitives and DUMP payloads: the byte forms Redis 7.0 writes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdb.h"
#include "test_codec.h"

/* Encode with @p fn into a fresh buffer. */
struct enc {
	struct rdb_buf buf;
	struct rdb_out out;
};

static void enc_start(struct enc *e)
{
	memset(&e->buf, 0, sizeof(e->buf));
	rdb_out_init(&e->out, rdb_buf_sink, &e->buf);
}

static void enc_end(struct enc *e)
{
	CU_ASSERT_EQUAL(rdb_out_flush(&e->out), 0);
}

static bool bytes_eq(const struct rdb_buf *b, const void *want, size_t n)
{
	return b->len == n && memcmp(b->p, want, n) == 0;
}

static void test_rdb_len_uses_6_14_32_64_bit_forms(void)
{
	static const struct {
		uint64_t len;
		const char *bytes;
		size_t n;
	} v[] = {
	    {0, "\x00", 1},
	    {63, "\x3f", 1},
	    {64, "\x40\x40", 2},
	    {16383, "\x7f\xff", 2},
	    {16384, "\x80\x00\x00\x40\x00", 5},
	    {UINT32_MAX, "\x80\xff\xff\xff\xff", 5},
	    {UINT64_C(0x100000000), "\x81\x00\x00\x00\x01\x00\x00\x00\x00", 9},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct enc e;
		enc_start(&e);
		rdb_w_len(&e.out, v[i].len);
		enc_end(&e);
		CU_ASSERT(bytes_eq(&e.buf, v[i].bytes, v[i].n));
		struct rdb_in in;
		uint64_t got = 0;
		bool encd = true;
		rdb_in_init_mem(&in, e.buf.p, e.buf.len);
		CU_ASSERT_EQUAL(rdb_r_len(&in, &got, &encd), 0);
		CU_ASSERT_EQUAL(got, v[i].len);
		CU_ASSERT(!encd);
		rdb_buf_free(&e.buf);
	}
}

static void test_rdb_string_int_forms_only_for_canonical_int32(void)
{
	static const struct {
		const char *s;
		const char *bytes;
		size_t n;
	} v[] = {
	    {"0", "\xc0\x00", 2},
	    {"-128", "\xc0\x80", 2},
	    {"127", "\xc0\x7f", 2},
	    {"128", "\xc1\x80\x00", 3},
	    {"-32769", "\xc2\xff\x7f\xff\xff", 5},
	    {"2147483647", "\xc2\xff\xff\xff\x7f", 5},
	    {"2147483648",
	     "\x0a"
	     "2147483648",
	     11},
	    {"01",
	     "\x02"
	     "01",
	     3},
	    {"+1", "\x02+1", 3},
	    {"-0", "\x02-0", 3},
	    {"", "\x00", 1},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct enc e;
		enc_start(&e);
		rdb_w_string(&e.out, v[i].s, strlen(v[i].s), true);
		enc_end(&e);
		CU_ASSERT(bytes_eq(&e.buf, v[i].bytes, v[i].n));
		struct rdb_in in;
		uint8_t *p;
		size_t n = 99;
		rdb_in_init_mem(&in, e.buf.p, e.buf.len);
		CU_ASSERT_EQUAL_FATAL(rdb_r_string(&in, &p, &n), 0);
		CU_ASSERT(n == strlen(v[i].s) && memcmp(p, v[i].s, n) == 0);
		CU_ASSERT_EQUAL(in.off, e.buf.len);
		free(p);
		rdb_buf_free(&e.buf);
	}
}

static void test_rdb_int_string_beyond_int32_is_decimal_digits(void)
{
	struct enc e;
	enc_start(&e);
	rdb_w_int_string(&e.out, INT64_MIN);
	rdb_w_int_string(&e.out, -5);
	enc_end(&e);
	CU_ASSERT(bytes_eq(&e.buf,
			   "\x14-9223372036854775808"
			   "\xc0\xfb",
			   23));
	rdb_buf_free(&e.buf);
}

static void test_rdb_string_lzf_when_long_compressible_and_enabled(void)
{
	char s[100];
	memset(s, 'a', sizeof(s));
	struct enc e;
	enc_start(&e);
	rdb_w_string(&e.out, s, sizeof(s), true);
	enc_end(&e);
	CU_ASSERT_EQUAL_FATAL(e.buf.p[0], 0xc3);
	CU_ASSERT(e.buf.len < 20);
	/* the original length (14-bit form) after the compressed one */
	CU_ASSERT(e.buf.p[2] == 0x40 && e.buf.p[3] == 100);
	struct rdb_in in;
	uint8_t *p;
	size_t n;
	rdb_in_init_mem(&in, e.buf.p, e.buf.len);
	CU_ASSERT_EQUAL_FATAL(rdb_r_string(&in, &p, &n), 0);
	CU_ASSERT(n == 100 && memcmp(p, s, 100) == 0);
	free(p);
	rdb_buf_free(&e.buf);

	/* rdbcompression no, or 20 bytes and under: plain */
	enc_start(&e);
	rdb_w_string(&e.out, s, sizeof(s), false);
	rdb_w_string(&e.out, s, 20, true);
	enc_end(&e);
	CU_ASSERT_EQUAL(e.buf.len, 2 + 100 + 1 + 20);
	CU_ASSERT(e.buf.p[0] == 0x40 && e.buf.p[1] == 100);
	rdb_buf_free(&e.buf);
}

static void test_rdb_string_incompressible_is_plain(void)
{
	uint8_t s[60];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(s); i++) {
		x = x * 1103515245u + 12345u;
		s[i] = (uint8_t)(x >> 16);
	}
	struct enc e;
	enc_start(&e);
	rdb_w_string(&e.out, s, sizeof(s), true);
	enc_end(&e);
	CU_ASSERT(e.buf.len == 1 + 60 && e.buf.p[0] == 60 && memcmp(e.buf.p + 1, s, 60) == 0);
	rdb_buf_free(&e.buf);
}

/* A quicklist node Redis holds compressed is LZF whatever rdbcompression
 * says; under 48 bytes, or not more than 8 bytes shorter, it is not. */
static void test_rdb_ql_lzf_node_follows_quicklist_rules(void)
{
	char s[60];
	memset(s, 'a', sizeof(s));
	struct enc e;
	enc_start(&e);
	rdb_w_ql_lzf_node(&e.out, s, 48, false);
	enc_end(&e);
	CU_ASSERT_EQUAL_FATAL(e.buf.p[0], 0xc3);
	CU_ASSERT(e.buf.p[2] == 48);
	struct rdb_in in;
	uint8_t *p;
	size_t n;
	rdb_in_init_mem(&in, e.buf.p, e.buf.len);
	CU_ASSERT_EQUAL_FATAL(rdb_r_string(&in, &p, &n), 0);
	CU_ASSERT(n == 48 && memcmp(p, s, 48) == 0);
	free(p);
	rdb_buf_free(&e.buf);

	/* 47 bytes: raw (compressed only by rdbcompression yes) */
	enc_start(&e);
	rdb_w_ql_lzf_node(&e.out, s, 47, false);
	enc_end(&e);
	CU_ASSERT(e.buf.len == 1 + 47 && e.buf.p[0] == 47);
	rdb_buf_free(&e.buf);

	/* incompressible: raw */
	uint8_t r[60];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(r); i++) {
		x = x * 1103515245u + 12345u;
		r[i] = (uint8_t)(x >> 16);
	}
	enc_start(&e);
	rdb_w_ql_lzf_node(&e.out, r, sizeof(r), false);
	enc_end(&e);
	CU_ASSERT(e.buf.len == 1 + 60 && e.buf.p[0] == 60);
	rdb_buf_free(&e.buf);
}

static void test_rdb_string_rejects_truncation_and_bad_lzf(void)
{
	struct rdb_in in;
	uint8_t *p = (uint8_t *)"x";
	size_t n;
	rdb_in_init_mem(&in,
			"\x05"
			"abc",
			4);
	CU_ASSERT_EQUAL(rdb_r_string(&in, &p, &n), -ENODATA);
	CU_ASSERT_PTR_NULL(p);
	/* LZF claiming 10 bytes out of a literal run of 3 */
	rdb_in_init_mem(&in, "\xc3\x04\x0a\x02xyz", 7);
	CU_ASSERT_EQUAL(rdb_r_string(&in, &p, &n), -EBADMSG);
	rdb_in_init_mem(&in, "\xc4", 1); /* no RDB_ENC 4 */
	CU_ASSERT_EQUAL(rdb_r_string(&in, &p, &n), -EBADMSG);
	rdb_in_init_mem(&in, "\x82", 1); /* 10xxxxxx other than 0x80/0x81 */
	CU_ASSERT_EQUAL(rdb_r_string(&in, &p, &n), -EBADMSG);
	rdb_in_init_mem(&in, "\xc2\x01\x02", 3); /* INT32 cut short */
	CU_ASSERT_EQUAL(rdb_r_string(&in, &p, &n), -ENODATA);
}

/* Redis's documentation of DUMP: SET mykey 10; DUMP mykey. */
static const uint8_t dump_10[] = {0x00, 0xc0, 0x0a, 0x0a, 0x00, 0x6e, 0x9f,
				  0x57, 0x45, 0x0e, 0xae, 0x63, 0xbb};

static void test_rdb_dump_payload_matches_redis_documentation(void)
{
	struct enc e;
	enc_start(&e);
	rdb_w_u8(&e.out, RDB_TYPE_STRING);
	rdb_w_int_string(&e.out, 10);
	rdb_w_dump_footer(&e.out);
	enc_end(&e);
	CU_ASSERT(bytes_eq(&e.buf, dump_10, sizeof(dump_10)));
	CU_ASSERT(rdb_dump_verify(e.buf.p, e.buf.len));
	rdb_buf_free(&e.buf);
}

static void test_rdb_dump_verify_rejects_flips_version_and_short(void)
{
	uint8_t p[sizeof(dump_10)];
	for (size_t bit = 0; bit < sizeof(p) * 8; bit++) {
		memcpy(p, dump_10, sizeof(p));
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CU_ASSERT(!rdb_dump_verify(p, sizeof(p)));
	}
	CU_ASSERT(!rdb_dump_verify(dump_10, 9));
	CU_ASSERT(!rdb_dump_verify(dump_10, sizeof(dump_10) - 1));
	/* version 11 with a right CRC is still refused */
	struct enc e;
	enc_start(&e);
	rdb_out_write(&e.out, "\x00\xc0\x0a\x0b\x00", 5);
	rdb_w_i64le(&e.out, (int64_t)e.out.crc);
	enc_end(&e);
	CU_ASSERT(!rdb_dump_verify(e.buf.p, e.buf.len));
	rdb_buf_free(&e.buf);
}

/* A sink that records the chunk sizes it was given. */
struct chunks {
	struct rdb_buf all;
	size_t calls, largest;
};

static int chunk_sink(void *arg, const void *p, size_t n)
{
	struct chunks *c = arg;
	c->calls++;
	c->largest = n > c->largest ? n : c->largest;
	return rdb_buf_sink(&c->all, p, n);
}

static int failing_sink(void *arg, const void *p, size_t n)
{
	(void)arg, (void)p, (void)n;
	return -ENOSPC;
}

static void test_rdb_out_hands_chunks_and_keeps_errors(void)
{
	struct chunks c = {0};
	struct rdb_out *o = malloc(sizeof(*o));
	rdb_out_init(o, chunk_sink, &c);
	for (int i = 0; i < 10000; i++)
		rdb_w_string(o, "key:0000000000", 14, true);
	CU_ASSERT(c.calls > 0 && c.largest == RDB_OUT_CHUNK); /* sent while being written */
	CU_ASSERT_EQUAL(rdb_out_flush(o), 0);
	CU_ASSERT_EQUAL(c.all.len, 150000);
	CU_ASSERT_EQUAL(o->bytes, 150000);
	rdb_buf_free(&c.all);

	rdb_out_init(o, failing_sink, NULL);
	uint8_t big[RDB_OUT_CHUNK + 1] = {0};
	CU_ASSERT_EQUAL(rdb_out_write(o, big, sizeof(big)), -ENOSPC);
	CU_ASSERT_EQUAL(rdb_w_u8(o, 1), -ENOSPC);
	CU_ASSERT_EQUAL(rdb_out_flush(o), -ENOSPC);
	free(o);
}

const struct rw_test_case codec_rdb_tests[] = {
    RW_TEST(test_rdb_len_uses_6_14_32_64_bit_forms),
    RW_TEST(test_rdb_string_int_forms_only_for_canonical_int32),
    RW_TEST(test_rdb_int_string_beyond_int32_is_decimal_digits),
    RW_TEST(test_rdb_string_lzf_when_long_compressible_and_enabled),
    RW_TEST(test_rdb_string_incompressible_is_plain),
    RW_TEST(test_rdb_ql_lzf_node_follows_quicklist_rules),
    RW_TEST(test_rdb_string_rejects_truncation_and_bad_lzf),
    RW_TEST(test_rdb_dump_payload_matches_redis_documentation),
    RW_TEST(test_rdb_dump_verify_rejects_flips_version_and_short),
    RW_TEST(test_rdb_out_hands_chunks_and_keeps_errors),
    {NULL, NULL},
};
