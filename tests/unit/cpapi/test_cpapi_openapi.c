/*
 * The OpenAPI file and the route table agree (control/api): every path of
 * the table is in openapi.yaml's `paths` and every path there is in the
 * table; the file is served as built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_route.h"
#include "test_cpapi.h"

#define MAX_PATHS 64

/* The keys of the top-level `paths:` map: lines "  /...:" until the next top-level key. */
static int spec_paths(char paths[][128], int max)
{
	const char *p = (const char *)api_openapi_yaml;
	bool in_paths = false;
	int n = 0;
	for (; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		size_t len = strcspn(p, "\n");
		if (len > 0 && p[0] != ' ' && p[0] != '#')
			in_paths = strncmp(p, "paths:", 6) == 0;
		else if (in_paths && len > 4 && strncmp(p, "  /", 3) == 0 && p[len - 1] == ':' &&
			 n < max)
			snprintf(paths[n++], 128, "%.*s", (int)len - 3, p + 2);
	}
	return n;
}

static bool in_list(char list[][128], int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static void test_cpapi_openapi_paths_equal_route_table(void)
{
	char spec[MAX_PATHS][128], table[MAX_PATHS][128];
	int ns = spec_paths(spec, MAX_PATHS), nt = 0;
	for (const char *r; (r = api_route_path((size_t)nt)) != NULL && nt < MAX_PATHS; nt++)
		snprintf(table[nt], 128, "%s", r);
	CU_ASSERT(ns >= 10);
	CU_ASSERT_EQUAL(ns, nt);
	for (int i = 0; i < nt; i++)
		if (!in_list(spec, ns, table[i])) {
			fprintf(stderr, "\nroute %s is missing from openapi.yaml\n", table[i]);
			CU_FAIL("route not in the OpenAPI file");
		}
	for (int i = 0; i < ns; i++)
		if (!in_list(table, nt, spec[i])) {
			fprintf(stderr, "\nopenapi.yaml path %s is not a route\n", spec[i]);
			CU_FAIL("OpenAPI path not in the route table");
		}
}

static void test_cpapi_openapi_is_served_as_built(void)
{
	struct api_ctx ctx = {.name = "unit"};
	struct api_resp resp;
	api_route(&ctx, "GET", "/v1/openapi.yaml", &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	CU_ASSERT_STRING_EQUAL(resp.content_type, API_CT_YAML);
	CU_ASSERT_EQUAL_FATAL(resp.len, api_openapi_yaml_len);
	CU_ASSERT(memcmp(resp.body, api_openapi_yaml, resp.len) == 0);
	CU_ASSERT(strncmp(resp.body, "openapi: 3.0.", 13) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(resp.body, "\n  version: " RW_VERSION "\n"));
	api_resp_fini(&resp);
}

const struct rw_test_case test_cpapi_openapi_cases[] = {
    RW_TEST(test_cpapi_openapi_paths_equal_route_table),
    RW_TEST(test_cpapi_openapi_is_served_as_built),
    {NULL, NULL},
};
