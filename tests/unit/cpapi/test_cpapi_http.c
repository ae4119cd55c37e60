/* Unit tests for the management API's HTTP/1.1 request parser (control/api). */
#include <string.h>

#include "api_http.h"
#include "test_cpapi.h"

static enum api_parse parse(const char *s, struct api_http_req *req)
{
	return api_http_parse(s, strlen(s), req);
}

static void test_cpapi_http_get_parses_path_and_defaults_to_keep_alive(void)
{
	struct api_http_req r;
	const char *s = "GET /v1/status?verbose=1 HTTP/1.1\r\nHost: x\r\n\r\n";
	CU_ASSERT_EQUAL_FATAL(parse(s, &r), API_PARSE_OK);
	CU_ASSERT_STRING_EQUAL(r.method, "GET");
	CU_ASSERT_STRING_EQUAL(r.path, "/v1/status");
	CU_ASSERT_EQUAL(r.minor, 1);
	CU_ASSERT(r.keep_alive);
	CU_ASSERT_EQUAL(r.total_bytes, strlen(s));
}

static void test_cpapi_http_connection_close_and_http10(void)
{
	struct api_http_req r;
	CU_ASSERT_EQUAL(parse("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n", &r),
			API_PARSE_OK);
	CU_ASSERT(!r.keep_alive);
	CU_ASSERT_EQUAL(parse("GET / HTTP/1.0\r\n\r\n", &r), API_PARSE_OK);
	CU_ASSERT(!r.keep_alive);
	CU_ASSERT_EQUAL(parse("GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n", &r),
			API_PARSE_OK);
	CU_ASSERT(r.keep_alive);
}

static void test_cpapi_http_incomplete_until_head_and_body_arrive(void)
{
	struct api_http_req r;
	const char *s = "POST /v1/tasks HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(api_http_parse(s, i, &r), API_PARSE_INCOMPLETE);
	CU_ASSERT_EQUAL_FATAL(api_http_parse(s, n, &r), API_PARSE_OK);
	CU_ASSERT_EQUAL(r.content_length, 5);
	CU_ASSERT(memcmp(r.body, "hello", 5) == 0);
	CU_ASSERT_EQUAL(r.total_bytes, n);
}

static void test_cpapi_http_pipelined_requests_parse_one_at_a_time(void)
{
	struct api_http_req r;
	const char *s = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
	CU_ASSERT_EQUAL_FATAL(parse(s, &r), API_PARSE_OK);
	CU_ASSERT_STRING_EQUAL(r.path, "/a");
	CU_ASSERT_EQUAL_FATAL(parse(s + r.total_bytes, &r), API_PARSE_OK);
	CU_ASSERT_STRING_EQUAL(r.path, "/b");
}

static void expect_error(const char *s, int status)
{
	struct api_http_req r;
	CU_ASSERT_EQUAL(parse(s, &r), API_PARSE_ERROR);
	CU_ASSERT_EQUAL(r.error_status, status);
}

static void test_cpapi_http_malformed_request_lines_are_400(void)
{
	expect_error("GET\r\n\r\n", 400);
	expect_error("GET /x\r\n\r\n", 400);
	expect_error("GET x HTTP/1.1\r\n\r\n", 400); /* not origin-form */
	expect_error("GE T / HTTP/1.1\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1 \r\n\r\n", 400);
	expect_error("GET /a\"b HTTP/1.1\r\n\r\n", 400);
	expect_error("GET / FTP/1.1\r\n\r\n", 400);
}

static void test_cpapi_http_bad_headers_are_400(void)
{
	expect_error("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400); /* RFC 9112 §5.1 */
	expect_error("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400);
}

static void test_cpapi_http_limits_and_unsupported_features(void)
{
	expect_error("GET / HTTP/2.0\r\n\r\n", 505);
	expect_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501);
	expect_error("POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413);
	static char big[API_HTTP_MAX_HEAD + 64];
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	expect_error(big, 431);
	static char longpath[API_HTTP_MAX_PATH + 64];
	memset(longpath, 'p', sizeof(longpath) - 1);
	memcpy(longpath, "GET /", 5);
	memcpy(longpath + sizeof(longpath) - 20, " HTTP/1.1\r\n\r\n", 14);
	expect_error(longpath, 414);
}

static void test_cpapi_http_leading_empty_lines_are_ignored(void)
{
	struct api_http_req r;
	CU_ASSERT_EQUAL(parse("\r\nGET /v1/stats HTTP/1.1\r\n\r\n", &r), API_PARSE_OK);
	CU_ASSERT_STRING_EQUAL(r.path, "/v1/stats");
}

static void test_cpapi_http_response_has_length_and_close(void)
{
	struct rw_buf b = {0};
	CU_ASSERT_EQUAL(api_http_respond(&b, 405, NULL, "GET", "{}", 2, false), 0);
	CU_ASSERT_EQUAL_FATAL(rw_buf_append(&b, "", 1), 0);
	const char *s = (const char *)b.data;
	CU_ASSERT(strncmp(s, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\r\nContent-Length: 2\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\r\nAllow: GET\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\r\nConnection: close\r\n"));
	CU_ASSERT(strcmp(s + strlen(s) - 6, "\r\n\r\n{}") == 0);
	rw_buf_fini(&b);
}

static void test_cpapi_http_keeps_authorization_and_if_match(void)
{
	struct api_http_req r;
	CU_ASSERT_EQUAL_FATAL(parse("PATCH /v1/parameters/x HTTP/1.1\r\n"
				    "authorization:   Bearer rwt_abc  \r\n"
				    "If-Match: \"0123\", \"4567\"\r\n\r\n",
				    &r),
			      API_PARSE_OK);
	CU_ASSERT_STRING_EQUAL(r.authorization, "Bearer rwt_abc"); /* OWS trimmed */
	CU_ASSERT(r.has_if_match);
	CU_ASSERT_STRING_EQUAL(r.if_match, "\"0123\", \"4567\"");
	CU_ASSERT_EQUAL_FATAL(parse("GET / HTTP/1.1\r\n\r\n", &r), API_PARSE_OK);
	CU_ASSERT_STRING_EQUAL(r.authorization, "");
	CU_ASSERT(!r.has_if_match);
}

static void test_cpapi_http_oversized_authorization_is_431(void)
{
	char req[API_HTTP_MAX_AUTH + 64];
	int n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nAuthorization: Bearer ");
	memset(req + n, 'a', API_HTTP_MAX_AUTH);
	snprintf(req + n + API_HTTP_MAX_AUTH, sizeof(req) - (size_t)n - API_HTTP_MAX_AUTH,
		 "\r\n\r\n");
	struct api_http_req r;
	CU_ASSERT_EQUAL(parse(req, &r), API_PARSE_ERROR);
	CU_ASSERT_EQUAL(r.error_status, 431);
}

static void test_cpapi_http_response_carries_extra_fields(void)
{
	struct rw_buf b = {0};
	CU_ASSERT_EQUAL(api_http_respond_ex(&b, 429, NULL, "Retry-After: 7\r\n", "{}", 2, true), 0);
	CU_ASSERT_EQUAL_FATAL(rw_buf_append(&b, "", 1), 0);
	const char *s = (const char *)b.data;
	const char *status = "HTTP/1.1 429 Too Many Requests\r\n";
	CU_ASSERT_EQUAL(strncmp(s, status, strlen(status)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\r\nRetry-After: 7\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\r\n\r\n{}"));
	rw_buf_fini(&b);
}

const struct rw_test_case test_cpapi_http_cases[] = {
    RW_TEST(test_cpapi_http_get_parses_path_and_defaults_to_keep_alive),
    RW_TEST(test_cpapi_http_connection_close_and_http10),
    RW_TEST(test_cpapi_http_incomplete_until_head_and_body_arrive),
    RW_TEST(test_cpapi_http_pipelined_requests_parse_one_at_a_time),
    RW_TEST(test_cpapi_http_malformed_request_lines_are_400),
    RW_TEST(test_cpapi_http_bad_headers_are_400),
    RW_TEST(test_cpapi_http_limits_and_unsupported_features),
    RW_TEST(test_cpapi_http_leading_empty_lines_are_ignored),
    RW_TEST(test_cpapi_http_response_has_length_and_close),
    RW_TEST(test_cpapi_http_keeps_authorization_and_if_match),
    RW_TEST(test_cpapi_http_oversized_authorization_is_431),
    RW_TEST(test_cpapi_http_response_carries_extra_fields),
    {NULL, NULL},
};
