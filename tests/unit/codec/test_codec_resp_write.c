/* Reply writers: exact bytes for RESP2 and RESP3, as redis-server 7.0 sends them. */
#include <math.h>
#include <string.h>

#include "test_codec.h"

static struct rw_buf out;

/* Compare and reset the buffer; @return 1 if it holds exactly @p want. */
static int bytes_are(const char *want, size_t n)
{
	int same = out.len == n && memcmp(out.data, want, n) == 0;
	rw_buf_reset(&out);
	return same;
}

#define IS(lit) bytes_are(lit, sizeof(lit) - 1)

static void test_resp_write_simple_error_int(void)
{
	CU_ASSERT_EQUAL(resp_w_simple(&out, "OK"), 0);
	CU_ASSERT(IS("+OK\r\n"));
	resp_w_error(&out, "ERR unknown command");
	CU_ASSERT(IS("-ERR unknown command\r\n"));
	resp_w_error(&out, "-WRONGTYPE x");
	CU_ASSERT(IS("-WRONGTYPE x\r\n"));
	resp_w_int(&out, 0);
	resp_w_int(&out, -42);
	resp_w_int(&out, INT64_MIN);
	CU_ASSERT(IS(":0\r\n:-42\r\n:-9223372036854775808\r\n"));
}

static void test_resp_write_error_newlines_become_spaces(void)
{
	resp_w_errorf(&out, "ERR bad '%s'\r\n", "a\r\nb");
	CU_ASSERT(IS("-ERR bad 'a  b'\r\n"));
	resp_w_simple(&out, "a\nb");
	CU_ASSERT(IS("+a b\r\n"));
}

static void test_resp_write_errorf_long_message(void)
{
	char big[1000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	resp_w_simple(&out, "keep");
	CU_ASSERT_EQUAL(resp_w_errorf(&out, "ERR %s", big), 0);
	CU_ASSERT_EQUAL(out.len, 7 + 1 + 4 + 999 + 2);
	CU_ASSERT(memcmp(out.data, "+keep\r\n-ERR xxx", 15) == 0);
	CU_ASSERT(memcmp(out.data + out.len - 3, "x\r\n", 3) == 0);
	rw_buf_reset(&out);
}

static void test_resp_write_bulk_and_nulls(void)
{
	resp_w_bulk(&out, "a\0b", 3);
	CU_ASSERT(IS("$3\r\na\0b\r\n"));
	resp_w_bulk_cstr(&out, "");
	CU_ASSERT(IS("$0\r\n\r\n"));
	resp_w_null(&out, RESP_PROTO_2);
	resp_w_null_array(&out, RESP_PROTO_2);
	CU_ASSERT(IS("$-1\r\n*-1\r\n"));
	resp_w_null(&out, RESP_PROTO_3);
	resp_w_null_array(&out, RESP_PROTO_3);
	CU_ASSERT(IS("_\r\n_\r\n"));
}

static void test_resp_write_aggregates_per_protocol(void)
{
	resp_w_array(&out, 3);
	resp_w_map(&out, 2, RESP_PROTO_2);
	resp_w_set(&out, 5, RESP_PROTO_2);
	CU_ASSERT(IS("*3\r\n*4\r\n*5\r\n"));
	resp_w_map(&out, 2, RESP_PROTO_3);
	resp_w_set(&out, 5, RESP_PROTO_3);
	CU_ASSERT(IS("%2\r\n~5\r\n"));
}

static void test_resp_write_verbatim_and_bool(void)
{
	resp_w_verbatim(&out, "hi", 2, RESP_PROTO_3);
	CU_ASSERT(IS("=6\r\ntxt:hi\r\n"));
	resp_w_verbatim(&out, "hi", 2, RESP_PROTO_2);
	CU_ASSERT(IS("$2\r\nhi\r\n"));
	resp_w_bool(&out, 1, RESP_PROTO_3);
	resp_w_bool(&out, 0, RESP_PROTO_3);
	resp_w_bool(&out, 7, RESP_PROTO_2);
	resp_w_bool(&out, 0, RESP_PROTO_2);
	CU_ASSERT(IS("#t\r\n#f\r\n:1\r\n:0\r\n"));
}

static void test_resp_write_double_matches_redis_7_0(void)
{
	/* bytes observed from redis-server 7.0.15 ZSCORE */
	resp_w_double(&out, 0.1, RESP_PROTO_2);
	CU_ASSERT(IS("$19\r\n0.10000000000000001\r\n"));
	resp_w_double(&out, 1e300, RESP_PROTO_2);
	CU_ASSERT(IS("$23\r\n1.0000000000000001e+300\r\n"));
	resp_w_double(&out, 3, RESP_PROTO_2);
	CU_ASSERT(IS("$1\r\n3\r\n"));
	resp_w_double(&out, INFINITY, RESP_PROTO_2);
	resp_w_double(&out, -INFINITY, RESP_PROTO_2);
	CU_ASSERT(IS("$3\r\ninf\r\n$4\r\n-inf\r\n"));
	resp_w_double(&out, 0.1, RESP_PROTO_3);
	resp_w_double(&out, INFINITY, RESP_PROTO_3);
	resp_w_double(&out, -INFINITY, RESP_PROTO_3);
	resp_w_double(&out, -2.5, RESP_PROTO_3);
	CU_ASSERT(IS(",0.10000000000000001\r\n,inf\r\n,-inf\r\n,-2.5\r\n"));
	resp_w_double(&out, NAN, RESP_PROTO_3);
	CU_ASSERT(IS(",nan\r\n"));
}

static void test_resp_write_output_parses_back(void)
{
	struct resp_arg argv[2];
	struct resp_cmd cmd = {.argv = argv, .cap = 2};
	resp_w_array(&out, 2);
	resp_w_bulk_cstr(&out, "GET");
	resp_w_bulk(&out, "k\r\n", 3);
	CU_ASSERT_EQUAL(resp_parse(out.data, out.len, NULL, &cmd), RESP_OK);
	CU_ASSERT_EQUAL(cmd.consumed, out.len);
	CU_ASSERT_EQUAL(argv[1].len, 3);
	rw_buf_fini(&out);
}

const struct rw_test_case codec_write_tests[] = {
    RW_TEST(test_resp_write_simple_error_int),
    RW_TEST(test_resp_write_error_newlines_become_spaces),
    RW_TEST(test_resp_write_errorf_long_message),
    RW_TEST(test_resp_write_bulk_and_nulls),
    RW_TEST(test_resp_write_aggregates_per_protocol),
    RW_TEST(test_resp_write_verbatim_and_bool),
    RW_TEST(test_resp_write_double_matches_redis_7_0),
    RW_TEST(test_resp_write_output_parses_back),
    {NULL, NULL},
};
