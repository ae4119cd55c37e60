/* Unit tests for the management API routing table (control/api), without a dataplane. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_route.h"
#include "test_cpapi.h"

static const struct api_ctx no_dp = {.name = "unit", .start_mono_ms = 0, .chan = NULL};

/* Route and parse the JSON body; the caller json_decref()s. */
static json_t *route(const char *method, const char *path, int *status, const char **allow)
{
	struct api_resp resp;
	api_route(&no_dp, method, path, &resp);
	*status = resp.status;
	if (allow != NULL)
		*allow = resp.allow;
	json_t *j = json_loadb(resp.body, resp.len, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(j);
	api_resp_fini(&resp);
	return j;
}

static const char *jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s ? s : "";
}

static void test_cpapi_route_live_is_always_200(void)
{
	int st;
	json_t *j = route("GET", "/v1/health/live", &st, NULL);
	CU_ASSERT_EQUAL(st, 200);
	json_decref(j);
}

static void test_cpapi_route_ready_is_503_without_dataplane(void)
{
	int st;
	json_t *j = route("GET", "/v1/health/ready", &st, NULL);
	CU_ASSERT_EQUAL(st, 503);
	CU_ASSERT(json_is_false(json_object_get(j, "ready")));
	CU_ASSERT_STRING_EQUAL(jstr(j, "reason"), "dataplane not attached");
	json_decref(j);
}

static void test_cpapi_route_status_reports_master_and_detached_dataplane(void)
{
	int st;
	json_t *j = route("GET", "/v1/status", &st, NULL);
	CU_ASSERT_EQUAL(st, 200);
	CU_ASSERT_STRING_EQUAL(jstr(j, "role"), "master");
	CU_ASSERT_STRING_EQUAL(jstr(j, "name"), "unit");
	CU_ASSERT(json_is_integer(json_object_get(j, "uptime_seconds")));
	json_t *dp = json_object_get(j, "dataplane");
	CU_ASSERT(json_is_false(json_object_get(dp, "alive")));
	CU_ASSERT(json_is_false(json_object_get(dp, "attached")));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "workers")), 0);
	json_t *tot = json_object_get(j, "totals");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(tot, "connections_current")), 0);
	json_decref(j);
}

static void test_cpapi_route_stats_totals_have_every_counter(void)
{
	int st;
	json_t *j = route("GET", "/v1/stats", &st, NULL);
	CU_ASSERT_EQUAL(st, 200);
	json_t *tot = json_object_get(j, "totals");
	CU_ASSERT_EQUAL(json_object_size(tot), chan_worker_stat_count);
	CU_ASSERT_PTR_NOT_NULL(json_object_get(tot, "fwd_received"));
	json_decref(j);
}

static void test_cpapi_route_wrong_method_is_405_with_allow(void)
{
	int st;
	const char *allow = NULL;
	json_t *j = route("POST", "/v1/status", &st, &allow);
	CU_ASSERT_EQUAL(st, 405);
	CU_ASSERT_STRING_EQUAL(allow, "GET");
	json_decref(j);
	j = route("get", "/v1/stats", &st, NULL); /* methods are case-sensitive (RFC 9110 §9.1) */
	CU_ASSERT_EQUAL(st, 405);
	json_decref(j);
}

static void test_cpapi_route_future_routes_are_501_with_route(void)
{
	static const char *const paths[] = {"/v1/replication", "/v1/replication/x", "/v1/failover",
					    "/v1/failover/y"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int st;
		json_t *j = route(i % 2 ? "POST" : "GET", paths[i], &st, NULL);
		CU_ASSERT_EQUAL(st, 501);
		CU_ASSERT_STRING_EQUAL(jstr(j, "error"), "not implemented yet");
		CU_ASSERT(strncmp(jstr(j, "route"), paths[i], strlen(jstr(j, "route"))) == 0);
		CU_ASSERT(strlen(jstr(j, "detail")) > 0);
		json_decref(j);
	}
}

/*
 * The support bundle carries the logs and the parameters, never a secret:
 * requirepass planted in the control plane's log and the dataplane's
 * comes out as "(redacted)", counted; a viewer may not fetch it.
 */
static void test_cpapi_route_support_bundle_redacts_planted_secrets(void)
{
	char dir[] = "/tmp/rw-unit-bundle-XXXXXX", path[256], err[256] = "";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char *argv[] = {"--requirepass", "pl4nted-S3cret", "--redwire-run-dir", dir};
	struct rw_config cfg;
	CU_ASSERT_EQUAL_FATAL(rw_config_load(&cfg, NULL, 4, argv, NULL, NULL, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/control.log", dir);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "level=info msg=\"started\"\nlevel=warn msg=\"AUTH pl4nted-S3cret\" "
		   "again=pl4nted-S3cret\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/dataplane.log", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "requirepass pl4nted-S3cret\n");
	fclose(f);
	struct api_ctx ctx = {.name = "unit", .cfg = &cfg};
	struct api_resp resp;
	api_route(&ctx, "GET", "/v1/support-bundle", &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	CU_ASSERT_PTR_NULL(strstr(resp.body, "pl4nted-S3cret"));
	json_t *j = json_loadb(resp.body, resp.len, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "redactions")), 3);
	json_t *logs = json_object_get(j, "logs");
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(jstr(logs, "control.log"), "AUTH (redacted)\" again=(redacted)"));
	CU_ASSERT_STRING_EQUAL(jstr(logs, "dataplane.log"), "requirepass (redacted)\n");
	CU_ASSERT(json_is_array(json_object_get(json_object_get(j, "parameters"), "parameters")));
	CU_ASSERT(json_is_string(json_object_get(j, "metrics")));
	CU_ASSERT(json_is_object(json_object_get(j, "stats")));
	json_decref(j);
	api_resp_fini(&resp);
	/* a viewer may not have it */
	const struct api_caller viewer = {.role = API_ROLE_VIEWER, .actor = "v", .source = "-"};
	const struct api_call call = {
	    .method = "GET", .path = "/v1/support-bundle", .caller = &viewer};
	api_route_call(&ctx, &call, &resp);
	CU_ASSERT_EQUAL(resp.status, 403);
	api_resp_fini(&resp);
	rw_config_fini(&cfg);
	snprintf(path, sizeof(path), "%s/control.log", dir);
	remove(path);
	snprintf(path, sizeof(path), "%s/dataplane.log", dir);
	remove(path);
	rmdir(dir);
}

/* Both PATCHes need If-Match: the list's ETag for the bulk one, the
 * directive's for one (the CONFIG SET over the channel is tested in
 * test_api_config.sh). */
static void test_cpapi_route_parameters_patch_needs_if_match(void)
{
	int st;
	json_t *j = route("PATCH", "/v1/parameters", &st, NULL);
	CU_ASSERT_EQUAL(st, 428);
	CU_ASSERT_PTR_NOT_NULL(strstr(jstr(j, "error"), "If-Match"));
	json_decref(j);
	j = route("PATCH", "/v1/parameters/maxmemory", &st, NULL);
	CU_ASSERT_EQUAL(st, 428);
	json_decref(j);
	j = route("PATCH", "/v1/parameters/nosuch", &st, NULL);
	CU_ASSERT_EQUAL(st, 404);
	json_decref(j);
}

static void test_cpapi_route_templated_path_needs_one_segment(void)
{
	static const char *const paths[] = {"/v1/parameters/", "/v1/parameters/port/x",
					    "/v1/parameters//port"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int st;
		json_t *j = route("GET", paths[i], &st, NULL);
		CU_ASSERT_EQUAL(st, 404);
		CU_ASSERT_STRING_EQUAL(jstr(j, "error"), "not found");
		json_decref(j);
	}
}

static void test_cpapi_route_unknown_paths_are_404(void)
{
	static const char *const paths[] = {"/",	  "/v1",	"/v1/statusx",
					    "/v1/usersx", "/v2/status", "/v1/status/"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int st;
		json_t *j = route("GET", paths[i], &st, NULL);
		CU_ASSERT_EQUAL(st, 404);
		json_decref(j);
	}
}

const struct rw_test_case test_cpapi_route_cases[] = {
    RW_TEST(test_cpapi_route_live_is_always_200),
    RW_TEST(test_cpapi_route_ready_is_503_without_dataplane),
    RW_TEST(test_cpapi_route_status_reports_master_and_detached_dataplane),
    RW_TEST(test_cpapi_route_stats_totals_have_every_counter),
    RW_TEST(test_cpapi_route_wrong_method_is_405_with_allow),
    RW_TEST(test_cpapi_route_future_routes_are_501_with_route),
    RW_TEST(test_cpapi_route_support_bundle_redacts_planted_secrets),
    RW_TEST(test_cpapi_route_unknown_paths_are_404),
    RW_TEST(test_cpapi_route_parameters_patch_needs_if_match),
    RW_TEST(test_cpapi_route_templated_path_needs_one_segment),
    {NULL, NULL},
};
