/*
 * Unit tests of the API's long jobs: the task history (control/api/
 * api_task.c) and its routes, without a dataplane.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_route.h"
#include "api_task.h"
#include "test_cpapi.h"

static json_t *route_ctx(const struct api_ctx *ctx, const char *method, const char *path,
			 int *status)
{
	struct api_resp resp;
	api_route(ctx, method, path, &resp);
	*status = resp.status;
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

static json_int_t jint(json_t *j, const char *key)
{
	return json_integer_value(json_object_get(j, key));
}

static void test_cpapi_task_progress_is_monotonic_and_ends_at_total(void)
{
	static struct api_tasks ts;
	api_tasks_init(&ts);
	struct api_task *t = api_tasks_add(&ts, "snapshot", "api", 1000);
	CU_ASSERT_EQUAL(t->id, 1);
	CU_ASSERT_EQUAL(t->state, API_TASK_QUEUED);
	api_task_start(t, "writing", 2000);
	api_task_progress(t, "writing", 50, 100);
	CU_ASSERT_EQUAL(t->percent, 50);
	/* the estimate grew: the percent holds, it never goes back */
	api_task_progress(t, "writing", 60, 1000);
	CU_ASSERT_EQUAL(t->percent, 50);
	CU_ASSERT_EQUAL(t->bytes_total, 1000);
	/* past the estimate: total follows done, and only success says 100 */
	api_task_progress(t, "writing", 2000, 1000);
	CU_ASSERT_EQUAL(t->bytes_total, 2000);
	CU_ASSERT_EQUAL(t->percent, 99);
	api_task_succeed(t, 2345, 3000);
	CU_ASSERT_EQUAL(t->state, API_TASK_SUCCEEDED);
	CU_ASSERT_EQUAL(t->bytes_done, 2345);
	CU_ASSERT_EQUAL(t->bytes_total, 2345);
	CU_ASSERT_EQUAL(t->percent, 100);
	/* a finished task stays finished */
	api_task_fail(t, API_TASK_FAILED, "late", 4000);
	CU_ASSERT_EQUAL(t->state, API_TASK_SUCCEEDED);
	json_t *j = api_task_json(t, 5000);
	CU_ASSERT_STRING_EQUAL(jstr(j, "state"), "succeeded");
	CU_ASSERT_EQUAL(jint(j, "eta_seconds"), 0);
	CU_ASSERT(json_is_null(json_object_get(j, "error")));
	CU_ASSERT_STRING_EQUAL(jstr(j, "created"), "1970-01-01T00:00:01.000Z");
	json_decref(j);
}

static void test_cpapi_task_eta_from_the_rate_so_far(void)
{
	static struct api_tasks ts;
	api_tasks_init(&ts);
	struct api_task *t = api_tasks_add(&ts, "snapshot", "api", 0);
	json_t *j = api_task_json(t, 0);
	CU_ASSERT(json_is_null(json_object_get(j, "eta_seconds")));
	CU_ASSERT(json_is_null(json_object_get(j, "started")));
	json_decref(j);
	api_task_start(t, "writing", 10000);
	api_task_progress(t, "writing", 250, 1000);
	j = api_task_json(t, 20000); /* 250 bytes in 10 s: 750 more in 30 s */
	CU_ASSERT_EQUAL(jint(j, "eta_seconds"), 30);
	json_decref(j);
}

static void test_cpapi_tasks_history_is_bounded_newest_first(void)
{
	static struct api_tasks ts;
	api_tasks_init(&ts);
	for (int i = 0; i < API_TASKS_MAX + 10; i++)
		api_task_fail(api_tasks_add(&ts, "snapshot", "api", 1), API_TASK_CANCELLED, "x", 2);
	json_t *j = api_tasks_json(&ts, 3);
	json_t *a = json_object_get(j, "tasks");
	CU_ASSERT_EQUAL(json_array_size(a), API_TASKS_MAX);
	CU_ASSERT_EQUAL(jint(json_array_get(a, 0), "id"), API_TASKS_MAX + 10);
	CU_ASSERT_EQUAL(jint(json_array_get(a, API_TASKS_MAX - 1), "id"), 11);
	CU_ASSERT_STRING_EQUAL(jstr(json_array_get(a, 0), "state"), "cancelled");
	json_decref(j);
	CU_ASSERT_PTR_NULL(api_tasks_find(&ts, 10)); /* forgotten */
	CU_ASSERT_PTR_NOT_NULL(api_tasks_find(&ts, 11));
	CU_ASSERT_PTR_NULL(api_tasks_find(&ts, API_TASKS_MAX + 11)); /* not yet */
}

static void test_cpapi_tasks_routes_list_and_find(void)
{
	static struct api_tasks ts;
	api_tasks_init(&ts);
	struct api_ctx ctx = {.name = "unit", .tasks = &ts};
	int st;
	json_t *j = route_ctx(&ctx, "GET", "/v1/tasks", &st);
	CU_ASSERT_EQUAL(st, 200);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "tasks")), 0);
	json_decref(j);
	struct api_task *t = api_tasks_add(&ts, "snapshot", "api", api_unix_ms());
	api_task_fail(t, API_TASK_FAILED, "disk full", api_unix_ms());
	j = route_ctx(&ctx, "GET", "/v1/tasks/1", &st);
	CU_ASSERT_EQUAL(st, 200);
	CU_ASSERT_STRING_EQUAL(jstr(j, "error"), "disk full");
	CU_ASSERT_STRING_EQUAL(jstr(j, "state"), "failed");
	json_decref(j);
	j = route_ctx(&ctx, "GET", "/v1/tasks/2", &st);
	CU_ASSERT_EQUAL(st, 404);
	json_decref(j);
	j = route_ctx(&ctx, "GET", "/v1/tasks/1x", &st);
	CU_ASSERT_EQUAL(st, 404);
	json_decref(j);
	j = route_ctx(&ctx, "DELETE", "/v1/tasks/1", &st);
	CU_ASSERT_EQUAL(st, 405);
	json_decref(j);
}

const struct rw_test_case test_cpapi_jobs_cases[] = {
    RW_TEST(test_cpapi_task_progress_is_monotonic_and_ends_at_total),
    RW_TEST(test_cpapi_task_eta_from_the_rate_so_far),
    RW_TEST(test_cpapi_tasks_history_is_bounded_newest_first),
    RW_TEST(test_cpapi_tasks_routes_list_and_find),
    {NULL, NULL},
};
