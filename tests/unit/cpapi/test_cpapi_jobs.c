/*
 * Unit tests of the API's long jobs and events: the task history
 * (control/api/api_task.c), the event history and its SSE form
 * (api_events.c), their routes, without a dataplane.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_events.h"
#include "api_http.h"
#include "api_route.h"
#include "api_snap.h"
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

static json_t *call_ctx(const struct api_ctx *ctx, const char *method, const char *path,
			const char *query, const char *last_id, struct api_resp *resp)
{
	const struct api_caller admin = {.role = API_ROLE_ADMIN, .actor = "t", .source = "-"};
	const struct api_call call = {.method = method,
				      .path = path,
				      .query = query,
				      .last_event_id = last_id,
				      .caller = &admin};
	api_route_call(ctx, &call, resp);
	return resp->stream ? NULL : json_loadb(resp->body, resp->len, 0, NULL);
}

static void test_cpapi_events_since_and_bounded_history(void)
{
	static struct api_events ev;
	api_events_init(&ev);
	for (int i = 0; i < API_EVENTS_MAX + 5; i++)
		api_events_emit(&ev, "test.event", json_pack("{s:i}", "n", i));
	json_t *j = api_events_json(&ev, 0);
	json_t *a = json_object_get(j, "events");
	CU_ASSERT_EQUAL(json_array_size(a), API_EVENTS_MAX);
	CU_ASSERT(json_is_true(json_object_get(j, "truncated")));
	CU_ASSERT_EQUAL(jint(j, "last_id"), API_EVENTS_MAX + 5);
	CU_ASSERT_EQUAL(jint(json_array_get(a, 0), "id"), 6); /* oldest first */
	json_decref(j);
	j = api_events_json(&ev, API_EVENTS_MAX + 3);
	a = json_object_get(j, "events");
	CU_ASSERT_EQUAL(json_array_size(a), 2);
	CU_ASSERT(json_is_false(json_object_get(j, "truncated")));
	CU_ASSERT_EQUAL(jint(json_object_get(json_array_get(a, 1), "detail"), "n"),
			API_EVENTS_MAX + 4);
	CU_ASSERT_STRING_EQUAL(jstr(json_array_get(a, 1), "type"), "test.event");
	json_decref(j);
	api_events_fini(&ev);
}

static void test_cpapi_events_sse_form_has_id_event_data(void)
{
	static struct api_events ev;
	struct rw_buf b = {0};
	api_events_init(&ev);
	api_events_emit(&ev, "config.changed", json_pack("{s:s}", "name", "maxmemory"));
	api_events_emit(&ev, "token.created", NULL);
	CU_ASSERT_EQUAL(api_events_replay(&ev, 1, &b), 0);
	CU_ASSERT_EQUAL(rw_buf_append(&b, "", 1), 0);
	const char *t = (const char *)b.data;
	CU_ASSERT(strncmp(t, "id: 2\nevent: token.created\ndata: {\"id\":2,", 40) == 0);
	CU_ASSERT(strstr(t, "\n\n") == t + strlen(t) - 2); /* one event, ended by an empty line */
	CU_ASSERT(strstr(t, "config.changed") == NULL);
	rw_buf_fini(&b);
	api_events_fini(&ev);
}

static void test_cpapi_events_routes_since_stream_and_limits(void)
{
	static struct api_events ev;
	struct api_resp resp;
	api_events_init(&ev);
	struct api_ctx ctx = {.name = "unit", .events = &ev};
	api_events_emit(&ev, "a", NULL);
	api_events_emit(&ev, "b", NULL);
	api_events_emit(&ev, "c", NULL);
	json_t *j = call_ctx(&ctx, "GET", "/v1/events", "x=1&since=1", NULL, &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "events")), 2);
	json_decref(j);
	api_resp_fini(&resp);
	j = call_ctx(&ctx, "GET", "/v1/events", "since=abc", NULL, &resp);
	CU_ASSERT_EQUAL(resp.status, 400);
	json_decref(j);
	api_resp_fini(&resp);
	/* the stream resumes after Last-Event-ID */
	call_ctx(&ctx, "GET", "/v1/events/stream", NULL, "2", &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	CU_ASSERT(resp.stream);
	CU_ASSERT_STRING_EQUAL(resp.content_type, "text/event-stream");
	CU_ASSERT(resp.len > 0 && memmem(resp.body, resp.len, "id: 3\nevent: c\n", 15) != NULL);
	CU_ASSERT(memmem(resp.body, resp.len, "id: 2\n", 6) == NULL);
	api_resp_fini(&resp);
	/* a new stream without Last-Event-ID starts from now */
	call_ctx(&ctx, "GET", "/v1/events/stream", NULL, NULL, &resp);
	CU_ASSERT(resp.stream && memmem(resp.body, resp.len, "id: ", 4) == NULL);
	api_resp_fini(&resp);
	ev.streams = API_EVENTS_MAX_STREAMS;
	j = call_ctx(&ctx, "GET", "/v1/events/stream", NULL, NULL, &resp);
	CU_ASSERT_EQUAL(resp.status, 503);
	CU_ASSERT(!resp.stream);
	CU_ASSERT(strstr(resp.extra, "Retry-After:") != NULL);
	json_decref(j);
	api_resp_fini(&resp);
	api_events_fini(&ev);
}

static void test_cpapi_events_a_change_through_the_api_is_an_event(void)
{
	static struct api_events ev;
	static struct api_tasks ts;
	struct api_resp resp;
	api_events_init(&ev);
	api_tasks_init(&ts);
	struct api_ctx ctx = {.name = "unit", .events = &ev, .tasks = &ts};
	/* a refused change (no snapshots here: 503) is no event */
	json_decref(call_ctx(&ctx, "POST", "/v1/snapshots", NULL, NULL, &resp));
	CU_ASSERT_EQUAL(resp.status, 503);
	api_resp_fini(&resp);
	CU_ASSERT_EQUAL(ev.next_id, 1);
	json_decref(call_ctx(&ctx, "GET", "/v1/tasks", NULL, NULL, &resp));
	api_resp_fini(&resp);
	CU_ASSERT_EQUAL(ev.next_id, 1); /* reading is no event */
	api_events_fini(&ev);
}

static void test_cpapi_events_dataplane_attach_detach_and_restart(void)
{
	static struct api_events ev;
	api_events_init(&ev);
	struct cp_chan_status st = {.attached = true, .epoch = 0xabc, .pid = 7, .n_workers = 2};
	api_events_watch_dataplane(&ev, &st);
	api_events_watch_dataplane(&ev, &st); /* unchanged: nothing */
	st.epoch = 0xdef;		      /* a restarted dataplane: a new epoch */
	api_events_watch_dataplane(&ev, &st);
	st.attached = false;
	api_events_watch_dataplane(&ev, &st);
	json_t *j = api_events_json(&ev, 0);
	json_t *a = json_object_get(j, "events");
	CU_ASSERT_EQUAL(json_array_size(a), 4);
	const char *want[] = {"dataplane.attached", "dataplane.detached", "dataplane.attached",
			      "dataplane.detached"};
	for (size_t i = 0; i < 4 && i < json_array_size(a); i++)
		CU_ASSERT_STRING_EQUAL(jstr(json_array_get(a, i), "type"), want[i]);
	CU_ASSERT_STRING_EQUAL(jstr(json_object_get(json_array_get(a, 1), "detail"), "epoch"),
			       "0000000000000abc");
	CU_ASSERT_EQUAL(jint(json_object_get(json_array_get(a, 2), "detail"), "workers"), 2);
	json_decref(j);
	api_events_fini(&ev);
}

/* The RDB writer as the fake below reports it. */
static struct api_snap_progress fake_progress;

static int fake_progress_fn(void *arg, struct api_snap_progress *out)
{
	(void)arg;
	*out = fake_progress;
	return fake_progress.id ? 0 : -ENOENT;
}

static int fake_check(void *arg, const char *path, char *err, size_t len)
{
	(void)arg;
	(void)path;
	(void)err;
	(void)len;
	return 0;
}

/*
 * A snapshot the dataplane starts (BGSAVE) is a task that runs with the
 * writer's bytes, succeeds with the file's size, and its file is kept as
 * <dir>/snapshots/<id>.rdb; one that vanishes without a DONE fails; a
 * restore needs its loader (503 without).
 */
static void test_cpapi_snaps_task_follows_the_writer_and_keeps_the_file(void)
{
	static struct api_tasks ts;
	static struct api_events ev;
	char dir[] = "/tmp/cpapi_snaps.XXXXXX", path[512], kept[600];
	struct api_snaps *s = NULL;
	api_tasks_init(&ts);
	api_events_init(&ev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	const struct api_snaps_conf conf = {.dir = dir,
					    .tasks = &ts,
					    .events = &ev,
					    .progress = fake_progress_fn,
					    .check = fake_check};
	CU_ASSERT_EQUAL_FATAL(api_snaps_create(&s, NULL, &conf), 0);
	fake_progress = (struct api_snap_progress){.id = 5, .used_bytes = 1000, .keys = 10};
	api_snaps_notify(s, false, &fake_progress, 0, NULL);
	struct api_task *t = api_tasks_find(&ts, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->state, API_TASK_RUNNING);
	CU_ASSERT_STRING_EQUAL(t->origin, "dataplane");
	fake_progress.bytes = 250;
	api_snaps_tick(s);
	CU_ASSERT_EQUAL(t->bytes_done, 250);
	CU_ASSERT_EQUAL(t->bytes_total, 1000); /* no file yet: the dataset's memory */
	CU_ASSERT_EQUAL(t->percent, 25);
	/* the file in place, as the writer leaves it */
	snprintf(path, sizeof(path), "%s/dump.rdb", dir);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("REDIS0010-not-really", f);
	fclose(f);
	fake_progress.bytes = 20;
	api_snaps_notify(s, true, &fake_progress, 0, path);
	CU_ASSERT_EQUAL(t->state, API_TASK_SUCCEEDED);
	CU_ASSERT_EQUAL(t->bytes_done, 20);
	CU_ASSERT_EQUAL(t->bytes_total, 20);
	snprintf(kept, sizeof(kept), "%s/snapshots/%s.rdb", dir, t->resource);
	struct stat a, b;
	CU_ASSERT_EQUAL(stat(kept, &a), 0);
	CU_ASSERT_EQUAL(stat(path, &b), 0);
	CU_ASSERT_EQUAL(a.st_ino, b.st_ino); /* a hard link, not a copy */
	/* the next one: estimated from the last file's bytes per key */
	fake_progress = (struct api_snap_progress){.id = 6, .keys = 20, .bytes = 10};
	api_snaps_notify(s, false, &fake_progress, 0, NULL);
	api_snaps_tick(s);
	struct api_task *t2 = api_tasks_find(&ts, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
	CU_ASSERT_EQUAL(t2->bytes_total, 40);
	/* the writer dropped it (a dataplane restart): the task fails */
	fake_progress.id = 0;
	api_snaps_tick(s);
	CU_ASSERT_EQUAL(t2->state, API_TASK_FAILED);
	CU_ASSERT(strstr(t2->error, "abandoned") != NULL);
	/* restore without a loader bound (main.c binds it): 503, no task */
	struct api_ctx ctx = {.name = "unit", .tasks = &ts, .snaps = s, .events = &ev};
	struct api_resp resp;
	char rpath[160];
	snprintf(rpath, sizeof(rpath), "/v1/snapshots/%s/restore", t->resource);
	json_t *j = call_ctx(&ctx, "POST", rpath, NULL, NULL, &resp);
	CU_ASSERT_EQUAL(resp.status, 503);
	CU_ASSERT(strstr(jstr(j, "error"), "not served") != NULL);
	CU_ASSERT_PTR_NULL(api_tasks_find(&ts, 3));
	json_decref(j);
	api_resp_fini(&resp);
	j = call_ctx(&ctx, "GET", "/v1/snapshots", NULL, NULL, &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "snapshots")), 1);
	json_decref(j);
	api_resp_fini(&resp);
	j = call_ctx(&ctx, "DELETE", "/v1/snapshots/..", NULL, NULL, &resp);
	CU_ASSERT_EQUAL(resp.status, 404);
	json_decref(j);
	api_resp_fini(&resp);
	/* events: started, finished, started, failed (a refused restore is none) */
	j = api_events_json(&ev, 0);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "events")), 4);
	json_decref(j);
	unlink(kept);
	unlink(path);
	snprintf(kept, sizeof(kept), "%s/snapshots", dir);
	rmdir(kept);
	rmdir(dir);
	api_snaps_destroy(&s);
	api_events_fini(&ev);
}

static void test_cpapi_http_keeps_query_and_last_event_id(void)
{
	struct api_http_req req;
	const char *s = "GET /v1/events/stream?since=4 HTTP/1.1\r\nLast-Event-ID: 17\r\n\r\n";
	CU_ASSERT_EQUAL(api_http_parse(s, strlen(s), &req), API_PARSE_OK);
	CU_ASSERT_STRING_EQUAL(req.path, "/v1/events/stream");
	CU_ASSERT_STRING_EQUAL(req.query, "since=4");
	CU_ASSERT_STRING_EQUAL(req.last_event_id, "17");
}

const struct rw_test_case test_cpapi_jobs_cases[] = {
    RW_TEST(test_cpapi_events_since_and_bounded_history),
    RW_TEST(test_cpapi_events_sse_form_has_id_event_data),
    RW_TEST(test_cpapi_events_routes_since_stream_and_limits),
    RW_TEST(test_cpapi_events_a_change_through_the_api_is_an_event),
    RW_TEST(test_cpapi_events_dataplane_attach_detach_and_restart),
    RW_TEST(test_cpapi_http_keeps_query_and_last_event_id),
    RW_TEST(test_cpapi_snaps_task_follows_the_writer_and_keeps_the_file),
    RW_TEST(test_cpapi_task_progress_is_monotonic_and_ends_at_total),
    RW_TEST(test_cpapi_task_eta_from_the_rate_so_far),
    RW_TEST(test_cpapi_tasks_history_is_bounded_newest_first),
    RW_TEST(test_cpapi_tasks_routes_list_and_find),
    {NULL, NULL},
};
