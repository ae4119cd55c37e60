/* Tasks: the bounded history of long jobs (see api_task.h). */
#include "api_task.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const state_names[] = {"queued", "running", "succeeded", "failed", "cancelled"};

const char *api_task_state_name(enum api_task_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
									  : "failed";
}

uint64_t api_unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

json_t *api_time_json(uint64_t unix_ms)
{
	char buf[40];
	struct tm tm;
	time_t s = (time_t)(unix_ms / 1000);
	if (unix_ms == 0)
		return json_null();
	gmtime_r(&s, &tm);
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%03uZ", (unsigned)(unix_ms % 1000));
	return json_string(buf);
}

void api_tasks_init(struct api_tasks *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->next_id = 1;
}

struct api_task *api_tasks_add(struct api_tasks *ts, const char *kind, const char *origin,
			       uint64_t now_ms)
{
	/* the ring's slot for an id is fixed: the one it overwrites is the
	 * oldest, API_TASKS_MAX ids back */
	uint64_t id = ts->next_id++;
	struct api_task *t = &ts->ring[id % API_TASKS_MAX];
	memset(t, 0, sizeof(*t));
	t->id = id;
	snprintf(t->kind, sizeof(t->kind), "%s", kind);
	snprintf(t->origin, sizeof(t->origin), "%s", origin);
	snprintf(t->phase, sizeof(t->phase), "queued");
	t->state = API_TASK_QUEUED;
	t->created_ms = now_ms;
	return t;
}

struct api_task *api_tasks_find(struct api_tasks *ts, uint64_t id)
{
	struct api_task *t = &ts->ring[id % API_TASKS_MAX];
	return id != 0 && t->id == id ? t : NULL;
}

bool api_task_done(const struct api_task *t)
{
	return t->state >= API_TASK_SUCCEEDED;
}

void api_task_start(struct api_task *t, const char *phase, uint64_t now_ms)
{
	if (t->state != API_TASK_QUEUED)
		return;
	t->state = API_TASK_RUNNING;
	t->started_ms = now_ms;
	snprintf(t->phase, sizeof(t->phase), "%s", phase);
}

void api_task_progress(struct api_task *t, const char *phase, uint64_t done, uint64_t total)
{
	if (t->state != API_TASK_RUNNING)
		return;
	snprintf(t->phase, sizeof(t->phase), "%s", phase);
	if (done > t->bytes_done)
		t->bytes_done = done;
	t->bytes_total = total > t->bytes_done ? total : t->bytes_done;
	/* 100 % is success's alone: an estimate met early is not the end */
	uint32_t pct = t->bytes_total ? (uint32_t)(t->bytes_done * 100 / t->bytes_total) : 0;
	if (pct > 99)
		pct = 99;
	if (pct > t->percent)
		t->percent = pct;
}

void api_task_succeed(struct api_task *t, uint64_t bytes, uint64_t now_ms)
{
	if (api_task_done(t))
		return;
	if (t->started_ms == 0)
		t->started_ms = now_ms;
	t->state = API_TASK_SUCCEEDED;
	snprintf(t->phase, sizeof(t->phase), "done");
	t->bytes_done = t->bytes_total = bytes;
	t->percent = 100;
	t->finished_ms = now_ms;
}

void api_task_fail(struct api_task *t, enum api_task_state state, const char *error,
		   uint64_t now_ms)
{
	if (api_task_done(t))
		return;
	t->state = state == API_TASK_CANCELLED ? API_TASK_CANCELLED : API_TASK_FAILED;
	snprintf(t->phase, sizeof(t->phase), "%s", api_task_state_name(t->state));
	snprintf(t->error, sizeof(t->error), "%s", error);
	t->finished_ms = now_ms;
}

/* Seconds left at the rate so far; null until there is a rate to go by. */
static json_t *eta_json(const struct api_task *t, uint64_t now_ms)
{
	if (t->state == API_TASK_SUCCEEDED)
		return json_integer(0);
	if (t->state != API_TASK_RUNNING || t->bytes_done == 0 || now_ms <= t->started_ms ||
	    t->bytes_total < t->bytes_done)
		return json_null();
	uint64_t elapsed = now_ms - t->started_ms, left = t->bytes_total - t->bytes_done;
	double s = (double)elapsed / 1000.0 * (double)left / (double)t->bytes_done;
	return json_integer((json_int_t)(s + 0.5));
}

json_t *api_task_json(const struct api_task *t, uint64_t now_ms)
{
	return json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s?, s:i, s:I, s:I, s:o, s:s?, s:o, s:o, "
	    "s:o}",
	    "id", (json_int_t)t->id, "kind", t->kind, "state", api_task_state_name(t->state),
	    "phase", t->phase, "origin", t->origin, "resource", t->resource[0] ? t->resource : NULL,
	    "percent", (int)t->percent, "bytes_done", (json_int_t)t->bytes_done, "bytes_total",
	    (json_int_t)t->bytes_total, "eta_seconds", eta_json(t, now_ms), "error",
	    t->error[0] ? t->error : NULL, "created", api_time_json(t->created_ms), "started",
	    api_time_json(t->started_ms), "finished", api_time_json(t->finished_ms));
}

json_t *api_tasks_json(const struct api_tasks *ts, uint64_t now_ms)
{
	json_t *a = json_array();
	uint64_t last = ts->next_id - 1;
	for (uint64_t i = 0; i < API_TASKS_MAX && last >= 1 + i; i++) {
		const struct api_task *t = &ts->ring[(last - i) % API_TASKS_MAX];
		if (t->id == last - i)
			json_array_append_new(a, api_task_json(t, now_ms));
	}
	return json_pack("{s:o, s:i}", "tasks", a, "max", API_TASKS_MAX);
}
