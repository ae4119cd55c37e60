/* RDB file framing: write a file, read it back item by item, through small
 * source chunks, and detect every single-bit flip. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_file.h"
#include "test_codec.h"

static char long_val[3000];

/* A small file: AUX fields, two DBs, expiry, IDLE and FREQ, an int, an
 * LZF string and a long plain one. */
static void write_sample(struct rdb_buf *b, bool checksum)
{
	struct rdb_out *o = malloc(sizeof(*o));
	memset(b, 0, sizeof(*b));
	memset(long_val, 'z', sizeof(long_val));
	for (size_t i = 0; i < sizeof(long_val); i += 7)
		long_val[i] = (char)('a' + i % 26);
	rdb_out_init(o, rdb_buf_sink, b);
	rdb_w_header(o);
	struct rdb_aux_std aux = {.redis_ver = "7.0.15", .ctime = 1700000000, .used_mem = 123456};
	rdb_w_aux_std(o, &aux);
	rdb_w_aux_int(o, RDB_AUX_RW_EPOCH, 7);
	rdb_w_aux_offsets(o, (const uint64_t[]){17, 0, UINT64_MAX}, 3);
	rdb_w_select_db(o, 0);
	rdb_w_resize_db(o, 2, 1);
	struct rdb_key_meta m = RDB_KEY_META_NONE;
	rdb_w_key(o, &m, RDB_TYPE_STRING, "plain", 5);
	rdb_w_string(o, "hello", 5, true);
	m.expire_ms = 1900000000123;
	m.idle_s = 70;
	rdb_w_key(o, &m, RDB_TYPE_STRING, "n", 1);
	rdb_w_int_string(o, -70000);
	rdb_w_select_db(o, 13);
	rdb_w_resize_db(o, 1, 0);
	m = RDB_KEY_META_NONE;
	m.freq = 200;
	rdb_w_key(o, &m, RDB_TYPE_STRING, "long", 4);
	rdb_w_string(o, long_val, sizeof(long_val), true);
	CU_ASSERT_EQUAL(rdb_w_eof(o, checksum), 0);
	free(o);
}

/* A source handing out 7 bytes per call. */
struct src {
	const uint8_t *p;
	size_t len, off;
};

static ssize_t src_read(void *arg, void *p, size_t n)
{
	struct src *s = arg;
	size_t k = s->len - s->off < 7 ? s->len - s->off : 7;
	k = k < n ? k : n;
	memcpy(p, s->p + s->off, k);
	s->off += k;
	return (ssize_t)k;
}

/* Read a whole file; @return 0 or the first error; *@p keys counts keys. */
static int read_all(struct rdb_in *in, int *keys)
{
	struct rdb_item it = {0};
	unsigned ver;
	int rc = rdb_r_header(in, &ver);
	*keys = 0;
	while (rc == 0) {
		rc = rdb_r_next(in, ver, &it);
		if (rc != 0 || it.kind == RDB_ITEM_EOF)
			break;
		if (it.kind == RDB_ITEM_KEY) {
			uint8_t *v;
			size_t n;
			if (it.type != RDB_TYPE_STRING) {
				rc = -EBADMSG;
				break;
			}
			if ((rc = rdb_r_string(in, &v, &n)) == 0)
				free(v);
			(*keys)++;
		}
	}
	rdb_item_clear(&it);
	return rc;
}

static void test_rdb_file_round_trip_every_item(void)
{
	struct rdb_buf b;
	write_sample(&b, true);
	CU_ASSERT(memcmp(b.p,
			 "REDIS0010\xfa\x09redis-ver\x06"
			 "7.0.15",
			 26) == 0);
	struct src s = {b.p, b.len, 0};
	struct rdb_in in;
	CU_ASSERT_EQUAL_FATAL(rdb_in_init_source(&in, src_read, &s), 0);
	unsigned ver = 0;
	CU_ASSERT_EQUAL(rdb_r_header(&in, &ver), 0);
	CU_ASSERT_EQUAL(ver, 10);

	struct rdb_item it = {0};
	static const char *aux[][2] = {{"redis-ver", "7.0.15"},
				       {"redis-bits", "64"},
				       {"ctime", "1700000000"},
				       {"used-mem", "123456"},
				       {"aof-base", "0"},
				       {"redwire-epoch", "7"},
				       {"redwire-offsets", "17,0,18446744073709551615"}};
	for (size_t i = 0; i < 7; i++) {
		CU_ASSERT_EQUAL_FATAL(rdb_r_next(&in, ver, &it), 0);
		CU_ASSERT_EQUAL(it.kind, RDB_ITEM_AUX);
		CU_ASSERT_STRING_EQUAL((char *)it.aux_key, aux[i][0]);
		CU_ASSERT_STRING_EQUAL((char *)it.aux_val, aux[i][1]);
	}
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_SELECTDB && it.db == 0);
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_RESIZEDB &&
		  it.db_keys == 2 && it.db_expires == 1);

	uint8_t *v;
	size_t n;
	CU_ASSERT_EQUAL_FATAL(rdb_r_next(&in, ver, &it), 0);
	CU_ASSERT(it.kind == RDB_ITEM_KEY && it.type == RDB_TYPE_STRING && it.klen == 5 &&
		  memcmp(it.key, "plain", 5) == 0);
	CU_ASSERT(it.meta.expire_ms == -1 && it.meta.idle_s == -1 && it.meta.freq == -1);
	CU_ASSERT(rdb_r_string(&in, &v, &n) == 0 && n == 5 && memcmp(v, "hello", 5) == 0);
	free(v);

	CU_ASSERT_EQUAL_FATAL(rdb_r_next(&in, ver, &it), 0);
	CU_ASSERT(it.kind == RDB_ITEM_KEY && it.klen == 1 && it.key[0] == 'n');
	CU_ASSERT(it.meta.expire_ms == 1900000000123 && it.meta.idle_s == 70 && it.meta.freq == -1);
	CU_ASSERT(rdb_r_string(&in, &v, &n) == 0 && n == 6 && memcmp(v, "-70000", 6) == 0);
	free(v);

	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_SELECTDB && it.db == 13);
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_RESIZEDB);
	CU_ASSERT_EQUAL_FATAL(rdb_r_next(&in, ver, &it), 0);
	CU_ASSERT(it.kind == RDB_ITEM_KEY && it.meta.freq == 200 && it.meta.expire_ms == -1);
	CU_ASSERT(rdb_r_string(&in, &v, &n) == 0 && n == sizeof(long_val) &&
		  memcmp(v, long_val, n) == 0);
	free(v);
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_EOF);
	CU_ASSERT_EQUAL(in.off, b.len);
	rdb_item_clear(&it);
	rdb_in_fini(&in);
	rdb_buf_free(&b);
}

static void test_rdb_file_every_bit_flip_is_detected(void)
{
	struct rdb_buf b;
	write_sample(&b, true);
	int keys, missed = 0;
	struct rdb_in in;
	rdb_in_init_mem(&in, b.p, b.len);
	CU_ASSERT_EQUAL(read_all(&in, &keys), 0);
	CU_ASSERT_EQUAL(keys, 3);
	uint8_t *p = malloc(b.len);
	for (size_t bit = 0; bit < b.len * 8; bit++) {
		memcpy(p, b.p, b.len);
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		rdb_in_init_mem(&in, p, b.len);
		if (read_all(&in, &keys) == 0)
			missed++;
	}
	CU_ASSERT_EQUAL(missed, 0);
	free(p);
	rdb_buf_free(&b);
}

static void test_rdb_file_zero_trailer_is_not_checked(void)
{
	struct rdb_buf b;
	write_sample(&b, false);
	CU_ASSERT(memcmp(b.p + b.len - 9, "\xff\0\0\0\0\0\0\0\0", 9) == 0);
	struct rdb_in in;
	int keys;
	rdb_in_init_mem(&in, b.p, b.len);
	CU_ASSERT_EQUAL(read_all(&in, &keys), 0);
	rdb_buf_free(&b);
}

static void test_rdb_file_rejects_bad_header_and_truncation(void)
{
	struct rdb_in in;
	unsigned ver;
	rdb_in_init_mem(&in, "REDIS0011", 9);
	CU_ASSERT_EQUAL(rdb_r_header(&in, &ver), -ENOTSUP);
	rdb_in_init_mem(&in, "REDIX0010", 9);
	CU_ASSERT_EQUAL(rdb_r_header(&in, &ver), -EBADMSG);
	rdb_in_init_mem(&in, "REDIS001", 8);
	CU_ASSERT_EQUAL(rdb_r_header(&in, &ver), -ENODATA);

	struct rdb_buf b;
	write_sample(&b, true);
	int keys;
	for (size_t cut = 0; cut < b.len; cut++) {
		rdb_in_init_mem(&in, b.p, cut);
		CU_ASSERT_EQUAL(read_all(&in, &keys), -ENODATA);
	}
	rdb_buf_free(&b);
}

static void test_rdb_aux_offsets_parse(void)
{
	uint64_t v[4];
	static const char ok[] = "17,0,18446744073709551615";
	CU_ASSERT_EQUAL(rdb_aux_offsets_parse((const uint8_t *)ok, strlen(ok), v, 4), 3);
	CU_ASSERT(v[0] == 17 && v[1] == 0 && v[2] == UINT64_MAX);
	CU_ASSERT_EQUAL(rdb_aux_offsets_parse((const uint8_t *)"", 0, v, 4), 0);
	static const char *bad[] = {"1,",  ",1", "1,,2",     "18446744073709551616",
				    "1;2", "-1", "1,2,3,4,5"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(
		    rdb_aux_offsets_parse((const uint8_t *)bad[i], strlen(bad[i]), v, 4), -EBADMSG);
}

/* Older files: EXPIRETIME in seconds (RDB < 3 writers); no trailer below
 * version 5; modules and functions are refused, not skipped. */
static void test_rdb_file_old_expiretime_and_refused_opcodes(void)
{
	static const uint8_t v4[] = "REDIS0004\xfe\x00\xfd\x10\x32\x54\x76\x00\x01k\x01v\xff";
	struct rdb_in in;
	struct rdb_item it = {0};
	unsigned ver;
	rdb_in_init_mem(&in, v4, sizeof(v4) - 1);
	CU_ASSERT(rdb_r_header(&in, &ver) == 0 && ver == 4);
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_SELECTDB);
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_KEY);
	CU_ASSERT_EQUAL(it.meta.expire_ms, (int64_t)0x76543210 * 1000);
	uint8_t *v;
	size_t n;
	CU_ASSERT(rdb_r_string(&in, &v, &n) == 0 && n == 1 && v[0] == 'v');
	free(v);
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_EOF);
	CU_ASSERT_EQUAL(in.off, sizeof(v4) - 1);
	static const uint8_t mod[] = "REDIS0010\xf7", fn[] = "REDIS0010\xf5",
			     bad[] = "REDIS0010\x08";
	rdb_in_init_mem(&in, mod, sizeof(mod) - 1);
	CU_ASSERT(rdb_r_header(&in, &ver) == 0 && rdb_r_next(&in, ver, &it) == -ENOTSUP);
	rdb_in_init_mem(&in, fn, sizeof(fn) - 1);
	CU_ASSERT(rdb_r_header(&in, &ver) == 0 && rdb_r_next(&in, ver, &it) == -ENOTSUP);
	rdb_in_init_mem(&in, bad, sizeof(bad) - 1);
	CU_ASSERT(rdb_r_header(&in, &ver) == 0 && rdb_r_next(&in, ver, &it) == -EBADMSG);
	rdb_item_clear(&it);
}

const struct rw_test_case codec_rdb_file_tests[] = {
    RW_TEST(test_rdb_file_old_expiretime_and_refused_opcodes),
    RW_TEST(test_rdb_aux_offsets_parse),
    RW_TEST(test_rdb_file_round_trip_every_item),
    RW_TEST(test_rdb_file_every_bit_flip_is_detected),
    RW_TEST(test_rdb_file_zero_trailer_is_not_checked),
    RW_TEST(test_rdb_file_rejects_bad_header_and_truncation),
    {NULL, NULL},
};
