/* Listpack and intset blobs against DUMP payloads of stock redis-server
 * 7.0.15 (the vectors below were captured from it: RPUSH, SADD, HSET and
 * ZADD, then DUMP): the readers get the elements back, and the builders
 * give the very same bytes, payload included. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_blob.h"
#include "test_codec.h"

static const char vec_list[] = /* quicklist */
    "120202c3409a50dc1fdc10000015008161020101dfff027f01c08002d00002cfff02f1001003f100801a03f1ff7f03"
    "f2"
    "409c0004f3c0ab76ff05f2ffff7f04f4005ed0b20020000109f4200440000e80098330303704822b35038001bf78e0"
    "35"
    "000340e04079e036000342efff7ae0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
    "e0"
    "ff00e0ff00e0ff00e0ff00e07d00022081ff02c34041500e070e1000000100f00020060077e0ff00e0ff00e0ff00e0"
    "ff"
    "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e07e00022085ff0a00e2bfe79a"
    "8f"
    "561489";
static const char vec_intset16[] = /* intset */
    "0b100200000004000000f9ff0100020003000a003bfa4a3923b1fa84";
static const char vec_intset32[] = /* intset */
    "0b10040000000200000001000000701101000a002735436efd6656c4";
static const char vec_intset64[] = /* intset */
    "0b200800000003000000000efad5feffffff010000000000000000f2052a010000000a007256e3c53166ecbe";
static const char vec_hash[] = /* listpack */
    "10c3214057195700000006008266310382763103816e020c018362696704bc78e03200013dff0a00592a06e8cdce73"
    "18";
static const char vec_zset[] = /* listpack */
    "111d1d0000000600826d3303dffe02826d31030101826d320383312e3504ff0a0010141856ea970ef9";

/* The elements RPUSHed into vec_list, in order. */
static const char *list_els[] = {
    "a",     "1",	 "-1",	    "127",	  "128",
    "-4096", "4095",	 "4096",    "-32768",	  "32767",
    "40000", "-9000000", "8388607", "3000000000", "-9223372036854775808",
    "007",   "+5",	 "",	    NULL,	  NULL,
    NULL,    NULL};

static uint8_t *unhex(const char *h, size_t *n)
{
	*n = strlen(h) / 2;
	uint8_t *p = malloc(*n);
	for (size_t i = 0; i < *n; i++) {
		unsigned b;
		sscanf(h + 2 * i, "%2x", &b);
		p[i] = (uint8_t)b;
	}
	return p;
}

/* An element as its string form (integers in decimal). */
static size_t elem_str(const struct rdb_lp_elem *e, char *buf, size_t cap, const uint8_t **p)
{
	if (!e->is_int) {
		*p = e->s;
		return e->n;
	}
	*p = (const uint8_t *)buf;
	return (size_t)snprintf(buf, cap, "%lld", (long long)e->v);
}

/* Check a listpack blob and rebuild it from its own elements: same bytes. */
static uint32_t lp_check_rebuild(const uint8_t *blob, size_t n)
{
	uint32_t count = 0;
	CU_ASSERT_EQUAL_FATAL(rdb_lp_validate(blob, n, &count), 0);
	struct rdb_lp lp;
	struct rdb_lp_iter it;
	struct rdb_lp_elem e;
	rdb_lp_init(&lp);
	rdb_lp_iter_init(&it, blob, n);
	while (rdb_lp_next(&it, &e)) {
		char buf[24];
		const uint8_t *s;
		size_t k = elem_str(&e, buf, sizeof(buf), &s);
		rdb_lp_append(&lp, s, k);
	}
	const uint8_t *out;
	size_t outn;
	CU_ASSERT_EQUAL_FATAL(rdb_lp_finish(&lp, &out, &outn), 0);
	CU_ASSERT(outn == n && memcmp(out, blob, n) == 0);
	rdb_lp_free(&lp);
	return count;
}

static void test_rdb_blob_quicklist_nodes_read_and_rebuild(void)
{
	size_t n, k = 0;
	uint8_t *p = unhex(vec_list, &n);
	struct rdb_in in;
	uint8_t type;
	uint64_t nodes;
	rdb_in_init_mem(&in, p, n);
	CU_ASSERT(rdb_r_u8(&in, &type) == 0 && type == RDB_TYPE_LIST_QUICKLIST_2);
	CU_ASSERT_EQUAL_FATAL(rdb_r_len_plain(&in, &nodes), 0);
	for (uint64_t i = 0; i < nodes; i++) {
		uint64_t container;
		uint8_t *blob;
		size_t bn;
		CU_ASSERT_EQUAL_FATAL(rdb_r_len_plain(&in, &container), 0);
		CU_ASSERT_EQUAL_FATAL(rdb_r_string(&in, &blob, &bn), 0);
		CU_ASSERT_EQUAL_FATAL(container, 2); /* packed: a listpack */
		struct rdb_lp_iter it;
		struct rdb_lp_elem e;
		lp_check_rebuild(blob, bn);
		rdb_lp_iter_init(&it, blob, bn);
		while (rdb_lp_next(&it, &e)) {
			char buf[24], want[4100];
			const uint8_t *s;
			size_t sn = elem_str(&e, buf, sizeof(buf), &s);
			const char *w = list_els[k];
			if (w == NULL) { /* the long strings */
				static const struct {
					char c;
					size_t n;
				} longs[] = {{'x', 63}, {'y', 64}, {'z', 4095}, {'w', 4096}};
				memset(want, longs[k - 18].c, longs[k - 18].n);
				want[longs[k - 18].n] = '\0';
				w = want;
			}
			CU_ASSERT(sn == strlen(w) && memcmp(s, w, sn) == 0);
			CU_ASSERT_EQUAL(e.is_int, k >= 1 && k <= 14);
			k++;
		}
		free(blob);
	}
	CU_ASSERT_EQUAL(k, 22);
	free(p);
}

/* A payload holding one blob string: read it, check it, and rebuild the
 * whole payload (type, blob through rdb_w_string, footer): same bytes. */
static uint8_t *one_blob(const char *hex, uint8_t want_type, size_t *bn)
{
	size_t n;
	uint8_t *p = unhex(hex, &n), *blob, type;
	struct rdb_in in;
	rdb_in_init_mem(&in, p, n);
	CU_ASSERT(rdb_r_u8(&in, &type) == 0 && type == want_type);
	CU_ASSERT_FATAL(rdb_r_string(&in, &blob, bn) == 0);
	struct rdb_buf b = {0};
	struct rdb_out *o = malloc(sizeof(*o));
	rdb_out_init(o, rdb_buf_sink, &b);
	rdb_w_u8(o, want_type);
	rdb_w_string(o, blob, *bn, true);
	rdb_w_dump_footer(o);
	CU_ASSERT_EQUAL(rdb_out_flush(o), 0);
	CU_ASSERT(b.len == n && memcmp(b.p, p, n) == 0);
	rdb_buf_free(&b);
	free(o);
	free(p);
	return blob;
}

static void test_rdb_blob_hash_and_zset_listpacks(void)
{
	size_t bn;
	uint8_t *blob = one_blob(vec_hash, RDB_TYPE_HASH_LISTPACK, &bn);
	CU_ASSERT_EQUAL(lp_check_rebuild(blob, bn), 6);
	free(blob);
	blob = one_blob(vec_zset, RDB_TYPE_ZSET_LISTPACK, &bn);
	CU_ASSERT_EQUAL(lp_check_rebuild(blob, bn), 6);
	struct rdb_lp_iter it;
	struct rdb_lp_elem e[6];
	rdb_lp_iter_init(&it, blob, bn);
	for (int i = 0; i < 6; i++)
		CU_ASSERT_FATAL(rdb_lp_next(&it, &e[i]));
	CU_ASSERT(!rdb_lp_next(&it, &e[0]));
	/* ordered by score: m3 -2, m1 1, m2 "1.5" (a score that is not an
	 * integer stays a string) */
	CU_ASSERT(e[0].n == 2 && memcmp(e[0].s, "m3", 2) == 0 && e[1].is_int && e[1].v == -2);
	CU_ASSERT(e[3].is_int && e[3].v == 1);
	CU_ASSERT(!e[5].is_int && e[5].n == 3 && memcmp(e[5].s, "1.5", 3) == 0);
	free(blob);
}

static void test_rdb_blob_intsets_read_and_rebuild(void)
{
	static const struct {
		const char *hex;
		int64_t v[4];
		uint32_t n;
	} sets[] = {{vec_intset16, {-7, 1, 2, 3}, 4},
		    {vec_intset32, {1, 70000}, 2},
		    {vec_intset64, {-5000000000, 1, 5000000000}, 3}};
	for (size_t i = 0; i < 3; i++) {
		size_t bn;
		uint32_t count;
		uint8_t *blob = one_blob(sets[i].hex, RDB_TYPE_SET_INTSET, &bn);
		CU_ASSERT_EQUAL_FATAL(rdb_intset_validate(blob, bn, &count), 0);
		CU_ASSERT_EQUAL(count, sets[i].n);
		for (uint32_t j = 0; j < count; j++)
			CU_ASSERT_EQUAL(rdb_intset_get(blob, j), sets[i].v[j]);
		struct rdb_buf b = {0};
		CU_ASSERT_EQUAL(rdb_intset_build(sets[i].v, sets[i].n, &b), 0);
		CU_ASSERT(b.len == bn && memcmp(b.p, blob, bn) == 0);
		rdb_buf_free(&b);
		free(blob);
	}
}

static void test_rdb_blob_validation_refuses_corruption(void)
{
	struct rdb_lp lp;
	const uint8_t *p;
	size_t n;
	uint32_t count;
	uint8_t bad[64];
	rdb_lp_init(&lp);
	rdb_lp_append(&lp, "abc", 3);
	rdb_lp_append_int(&lp, -300);
	CU_ASSERT_EQUAL_FATAL(rdb_lp_finish(&lp, &p, &n), 0);
	CU_ASSERT_EQUAL(rdb_lp_validate(p, n, &count), 0);
	CU_ASSERT_EQUAL(count, 2);
	CU_ASSERT_EQUAL(rdb_lp_validate(p, n - 1, &count), -EBADMSG); /* total */
	memcpy(bad, p, n);
	bad[4] = 3; /* count */
	CU_ASSERT_EQUAL(rdb_lp_validate(bad, n, &count), -EBADMSG);
	memcpy(bad, p, n);
	bad[4] = 0xff, bad[5] = 0xff; /* unknown count is fine */
	CU_ASSERT_EQUAL(rdb_lp_validate(bad, n, &count), 0);
	memcpy(bad, p, n);
	bad[6] = 0x80 | 40; /* a string running past the end */
	CU_ASSERT_EQUAL(rdb_lp_validate(bad, n, &count), -EBADMSG);
	memcpy(bad, p, n);
	bad[10] = 9; /* backlen of "abc" is 4 */
	CU_ASSERT_EQUAL(rdb_lp_validate(bad, n, &count), -EBADMSG);
	memcpy(bad, p, n);
	bad[n - 1] = 0xfe; /* no terminator */
	CU_ASSERT_EQUAL(rdb_lp_validate(bad, n, &count), -EBADMSG);
	memcpy(bad, p, n);
	bad[11] = 0xf5; /* no such encoding */
	CU_ASSERT_EQUAL(rdb_lp_validate(bad, n, &count), -EBADMSG);
	rdb_lp_free(&lp);

	struct rdb_buf b = {0};
	CU_ASSERT_EQUAL(rdb_intset_build((const int64_t[]){3, 2}, 2, &b), -EINVAL);
	CU_ASSERT_EQUAL(rdb_intset_build((const int64_t[]){2, 3}, 2, &b), 0);
	CU_ASSERT_EQUAL(rdb_intset_validate(b.p, b.len, &count), 0);
	CU_ASSERT_EQUAL(rdb_intset_validate(b.p, b.len - 1, &count), -EBADMSG);
	b.p[8] = 9; /* 9, 3: not ascending */
	CU_ASSERT_EQUAL(rdb_intset_validate(b.p, b.len, &count), -EBADMSG);
	b.p[0] = 3; /* width 3 */
	CU_ASSERT_EQUAL(rdb_intset_validate(b.p, b.len, &count), -EBADMSG);
	CU_ASSERT_EQUAL(rdb_intset_validate((const uint8_t *)"\x02\0\0\0\0\0\0\0", 8, &count),
			-EBADMSG);
	rdb_buf_free(&b);
}

const struct rw_test_case codec_rdb_blob_tests[] = {
    RW_TEST(test_rdb_blob_quicklist_nodes_read_and_rebuild),
    RW_TEST(test_rdb_blob_hash_and_zset_listpacks),
    RW_TEST(test_rdb_blob_intsets_read_and_rebuild),
    RW_TEST(test_rdb_blob_validation_refuses_corruption),
    {NULL, NULL},
};
