/*
 * The web console's routes (control/api/api_console.c) and the dataplane
 * board they read (platform/chan/chan_board.h): only the three static
 * assets are open, and only to GET; they carry the strict policy; the
 * board's routes answer 503 without a dataplane; the board's sequence lock
 * refuses a copy taken mid-write and a file of another format.
 */
#include <stdlib.h>
#include <string.h>

#include "api_route.h"
#include "chan_board.h"
#include "test_cpapi.h"

extern const unsigned char api_console_html[];
extern const size_t api_console_html_len;

static void test_cpapi_console_only_the_assets_are_open_and_only_to_get(void)
{
	CU_ASSERT(api_route_open("GET", "/console"));
	CU_ASSERT(api_route_open("GET", "/console/app.js"));
	CU_ASSERT(api_route_open("GET", "/console/app.css"));
	CU_ASSERT_FALSE(api_route_open("POST", "/console"));
	CU_ASSERT_FALSE(api_route_open("HEAD", "/console"));
	CU_ASSERT_FALSE(api_route_open("GET", "/console/"));
	CU_ASSERT_FALSE(api_route_open("GET", "/console/app.jsx"));
	CU_ASSERT_FALSE(api_route_open("GET", "/console/../v1/status"));
	CU_ASSERT_FALSE(api_route_open("GET", "/v1/status"));
	CU_ASSERT_FALSE(api_route_open("GET", "/v1/slowlog"));
	CU_ASSERT_FALSE(api_route_open("GET", "/metrics"));
}

static struct api_resp call_as(enum api_role role, const char *method, const char *path)
{
	const struct api_caller c = {.role = role, .actor = "anonymous", .source = "-"};
	const struct api_call call = {.method = method, .path = path, .caller = &c};
	struct api_ctx ctx = {.name = "unit"};
	struct api_resp resp;
	api_route_call(&ctx, &call, &resp);
	return resp;
}

static void test_cpapi_console_page_served_to_nobody_with_a_strict_policy(void)
{
	struct api_resp r = call_as(API_ROLE_NONE, "GET", "/console");
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.content_type, API_CT_HTML);
	CU_ASSERT_EQUAL_FATAL(r.len, api_console_html_len);
	CU_ASSERT(memcmp(r.body, api_console_html, r.len) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.extra, "Content-Security-Policy: default-src 'self';"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.extra, "script-src 'self';"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.extra, "frame-ancestors 'none'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.extra, "X-Content-Type-Options: nosniff\r\n"));
	CU_ASSERT_PTR_NULL(strstr(r.extra, "unsafe"));
	CU_ASSERT_PTR_NULL(strstr(r.extra, "Set-Cookie"));
	api_resp_fini(&r);
	r = call_as(API_ROLE_NONE, "GET", "/console/app.js");
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.content_type, API_CT_JS);
	api_resp_fini(&r);
	/* nobody gets nothing else: the data routes need a role */
	r = call_as(API_ROLE_NONE, "GET", "/v1/stats");
	CU_ASSERT_EQUAL(r.status, 403);
	api_resp_fini(&r);
	r = call_as(API_ROLE_NONE, "POST", "/console");
	CU_ASSERT_EQUAL(r.status, 403);
	api_resp_fini(&r);
}

static void test_cpapi_board_routes_answer_503_without_a_dataplane(void)
{
	const char *paths[] = {"/v1/commands", "/v1/slowlog"};
	for (size_t i = 0; i < 2; i++) {
		struct api_resp r = call_as(API_ROLE_VIEWER, "GET", paths[i]);
		CU_ASSERT_EQUAL(r.status, 503);
		CU_ASSERT_PTR_NOT_NULL(r.body != NULL ? strstr(r.body, "\"error\"") : NULL);
		api_resp_fini(&r);
	}
}

static void test_cpapi_board_read_refuses_a_torn_copy_and_a_foreign_file(void)
{
	struct chan_board *b = calloc(1, sizeof(*b)), *out = calloc(1, sizeof(*out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	b->magic = CHAN_BOARD_MAGIC;
	b->version = CHAN_BOARD_VERSION;
	b->bytes = sizeof(*b);
	chan_board_write_begin(b);
	b->n_cmds = 1;
	strcpy(b->cmd[0].name, "get");
	b->cmd[0].calls = 7;
	CU_ASSERT_EQUAL(chan_board_read(b, out), -EAGAIN); /* the writer is at work */
	chan_board_write_end(b);
	CU_ASSERT_EQUAL(chan_board_read(b, out), 0);
	CU_ASSERT_EQUAL(out->cmd[0].calls, 7);
	CU_ASSERT_STRING_EQUAL(out->cmd[0].name, "get");
	b->version = CHAN_BOARD_VERSION + 1;
	CU_ASSERT_EQUAL(chan_board_read(b, out), -EPROTO);
	free(b);
	free(out);
}

const struct rw_test_case test_cpapi_console_cases[] = {
    RW_TEST(test_cpapi_console_only_the_assets_are_open_and_only_to_get),
    RW_TEST(test_cpapi_console_page_served_to_nobody_with_a_strict_policy),
    RW_TEST(test_cpapi_board_routes_answer_503_without_a_dataplane),
    RW_TEST(test_cpapi_board_read_refuses_a_torn_copy_and_a_foreign_file),
    {NULL, NULL},
};
