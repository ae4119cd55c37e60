/* string2ll()/ll2string() rules, CRC16 key slots and CRC64 test vectors. */
#include <string.h>

#include "crc16.h"
#include "crc64.h"
#include "test_codec.h"

static int s2ll(const char *s, int64_t *v)
{
	return resp_str_to_i64((const uint8_t *)s, strlen(s), v);
}

static void test_resp_str_to_i64_accepts_redis_integers(void)
{
	int64_t v = 1;
	CU_ASSERT(s2ll("0", &v) && v == 0);
	CU_ASSERT(s2ll("-1", &v) && v == -1);
	CU_ASSERT(s2ll("1234567890", &v) && v == 1234567890);
	CU_ASSERT(s2ll("9223372036854775807", &v) && v == INT64_MAX);
	CU_ASSERT(s2ll("-9223372036854775808", &v) && v == INT64_MIN);
}

static void test_resp_str_to_i64_rejects_what_string2ll_rejects(void)
{
	static const char *bad[] = {"",
				    "-",
				    "+1",
				    "01",
				    "-0",
				    "00",
				    " 1",
				    "1 ",
				    "1a",
				    "0x10",
				    "1.0",
				    "1e3",
				    "--1",
				    "9223372036854775808",
				    "-9223372036854775809",
				    "18446744073709551616",
				    "000000000000000000001"};
	int64_t v = 7;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(s2ll(bad[i], &v), 0);
	CU_ASSERT_EQUAL(v, 7);
	/* length is explicit: a NUL inside is just a bad byte */
	CU_ASSERT_EQUAL(resp_str_to_i64((const uint8_t *)"1\0", 2, &v), 0);
}

static void test_resp_i64_to_str_round_trips(void)
{
	static const int64_t vals[] = {0, 1, -1, 9, 10, -10, 123456789, INT64_MAX, INT64_MIN};
	char buf[21];
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		int64_t back = 0;
		size_t n = resp_i64_to_str(buf, vals[i]);
		CU_ASSERT_EQUAL(n, strlen(buf));
		CU_ASSERT(resp_str_to_i64((const uint8_t *)buf, n, &back) && back == vals[i]);
	}
	CU_ASSERT_EQUAL(resp_i64_to_str(buf, INT64_MIN), 20);
	CU_ASSERT_STRING_EQUAL(buf, "-9223372036854775808");
}

static void test_crc16_xmodem_check_value(void)
{
	CU_ASSERT_EQUAL(rw_crc16("123456789", 9), 0x31C3);
	CU_ASSERT_EQUAL(rw_crc16("", 0), 0);
}

/* The two-bytes-per-step table walk equals the CRC computed bit by bit
 * (poly 0x1021, MSB first), at every length and alignment. */
static void test_crc16_equals_bitwise_definition(void)
{
	uint8_t buf[80];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t off = 0; off < 3; off++) {
		for (size_t n = 0; n + off <= sizeof(buf); n++) {
			uint16_t crc = 0;
			for (size_t i = 0; i < n; i++) {
				crc ^= (uint16_t)(buf[off + i] << 8);
				for (int b = 0; b < 8; b++)
					crc = crc & 0x8000 ? (uint16_t)((crc << 1) ^ 0x1021)
							   : (uint16_t)(crc << 1);
			}
			CU_ASSERT_EQUAL(rw_crc16(buf + off, n), crc);
		}
	}
}

static void test_key_slot_matches_redis_cluster(void)
{
	CU_ASSERT_EQUAL(rw_key_slot("foo", 3), 12182);
	CU_ASSERT_EQUAL(rw_key_slot("bar", 3), 5061);
	CU_ASSERT_EQUAL(rw_key_slot("", 0), 0);
}

static void test_key_slot_hash_tag_groups_keys(void)
{
	const char *a = "{user1000}.following", *b = "{user1000}.followers";
	CU_ASSERT_EQUAL(rw_key_slot(a, strlen(a)), rw_key_slot(b, strlen(b)));
	CU_ASSERT_EQUAL(rw_key_slot(a, strlen(a)), rw_key_slot("user1000", 8));
	CU_ASSERT_EQUAL(rw_key_slot("x{bar}y{z}", 10), rw_key_slot("bar", 3));
}

static void test_key_slot_empty_or_open_tag_hashes_whole_key(void)
{
	CU_ASSERT_EQUAL(rw_key_slot("foo{}{bar}", 10), rw_crc16("foo{}{bar}", 10) & 16383);
	CU_ASSERT_EQUAL(rw_key_slot("foo{}{bar}", 10), 8363);
	CU_ASSERT_EQUAL(rw_key_slot("foo{bar", 7), rw_crc16("foo{bar", 7) & 16383);
	/* only the first '{' counts: "{{bar}}" hashes "{bar" */
	CU_ASSERT_EQUAL(rw_key_slot("foo{{bar}}zap", 13), rw_key_slot("{bar", 4));
	CU_ASSERT_EQUAL(rw_key_slot("}{x}", 4), rw_key_slot("x", 1));
}

/* Redis crc64.c _crc64(): the bit-at-a-time definition the table must match. */
static uint64_t crc64_bitwise(uint64_t crc, const void *p, size_t n)
{
	const uint8_t *s = p;
	for (size_t i = 0; i < n; i++) {
		crc ^= s[i];
		for (int b = 0; b < 8; b++)
			crc = crc & 1 ? (crc >> 1) ^ UINT64_C(0x95ac9329ac4bc9b5) : crc >> 1;
	}
	return crc;
}

static void test_crc64_jones_check_value_and_chaining(void)
{
	CU_ASSERT_EQUAL(rw_crc64(0, "123456789", 9), UINT64_C(0xe9c6d914c4b8d9ca));
	const char *li = "This is a test of the emergency broadcast system.";
	CU_ASSERT_EQUAL(rw_crc64(0, li, strlen(li)), crc64_bitwise(0, li, strlen(li)));
	CU_ASSERT_EQUAL(rw_crc64(rw_crc64(0, "1234", 4), "56789", 5), UINT64_C(0xe9c6d914c4b8d9ca));
	CU_ASSERT_EQUAL(rw_crc64(0, "", 0), 0);
}

const struct rw_test_case codec_num_crc_tests[] = {
    RW_TEST(test_resp_str_to_i64_accepts_redis_integers),
    RW_TEST(test_resp_str_to_i64_rejects_what_string2ll_rejects),
    RW_TEST(test_resp_i64_to_str_round_trips),
    RW_TEST(test_crc16_xmodem_check_value),
    RW_TEST(test_crc16_equals_bitwise_definition),
    RW_TEST(test_key_slot_matches_redis_cluster),
    RW_TEST(test_key_slot_hash_tag_groups_keys),
    RW_TEST(test_key_slot_empty_or_open_tag_hashes_whole_key),
    RW_TEST(test_crc64_jones_check_value_and_chaining),
    {NULL, NULL},
};
