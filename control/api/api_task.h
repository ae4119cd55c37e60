/*
 * Tasks: every long job the appliance runs (a snapshot now; restore,
 * resync, image install as their issues land) is a task the API shows with
 * its state, phase, progress (percent, bytes done of bytes expected, ETA)
 * and error, so a console can follow it without knowing the job.
 *
 *   queued --> running --> succeeded
 *      \          \-----> failed
 *       \---------------> failed | cancelled
 *
 * The history is bounded: a ring of API_TASKS_MAX tasks, the oldest
 * forgotten first. Ids count up from 1 and are never reused while the
 * control plane runs. The job's owner (api_snap.c for snapshots) moves the
 * task along; this file only keeps it and turns it into JSON.
 *
 * Progress only ever moves forward: percent never goes down even when the
 * job's estimate of its total grows, and a succeeded task has
 * bytes_done == bytes_total and percent 100.
 *
 * Context: the control plane's event loop.
 */
#ifndef API_TASK_H
#define API_TASK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define API_TASKS_MAX 64

enum api_task_state {
	API_TASK_QUEUED = 0,
	API_TASK_RUNNING,
	API_TASK_SUCCEEDED,
	API_TASK_FAILED,
	API_TASK_CANCELLED,
};

struct api_task {
	uint64_t id; /* 0: an empty slot */
	char kind[16];
	enum api_task_state state;
	char phase[32];
	char origin[32];   /* who started it: "api", "dataplane" (BGSAVE, save point) */
	char resource[64]; /* what it made or acts on (a snapshot's id), "" if none */
	uint32_t percent;
	uint64_t bytes_done, bytes_total;
	char error[192];
	uint64_t created_ms, started_ms, finished_ms; /* unix ms; 0: not yet */
};

struct api_tasks {
	struct api_task ring[API_TASKS_MAX];
	uint64_t next_id;
};

void api_tasks_init(struct api_tasks *ts);
/** A new queued task; the oldest one is forgotten when the ring is full. Never NULL. */
struct api_task *api_tasks_add(struct api_tasks *ts, const char *kind, const char *origin,
			       uint64_t now_ms);
/** @return the task with id @p id, NULL if unknown or forgotten. */
struct api_task *api_tasks_find(struct api_tasks *ts, uint64_t id);

/** queued -> running, in @p phase. */
void api_task_start(struct api_task *t, const char *phase, uint64_t now_ms);
/** Progress of a running task: @p total may be an estimate (raised to @p done). */
void api_task_progress(struct api_task *t, const char *phase, uint64_t done, uint64_t total);
/** Success: bytes_done = bytes_total = @p bytes, 100 %. */
void api_task_succeed(struct api_task *t, uint64_t bytes, uint64_t now_ms);
/** Failure (or cancellation) with @p error. */
void api_task_fail(struct api_task *t, enum api_task_state state, const char *error,
		   uint64_t now_ms);
bool api_task_done(const struct api_task *t);

const char *api_task_state_name(enum api_task_state s);
/** The task as the API shows it (openapi.yaml, Task). @p now_ms: for the ETA. */
json_t *api_task_json(const struct api_task *t, uint64_t now_ms);
/** Every task, newest first: {"tasks": [...]}. */
json_t *api_tasks_json(const struct api_tasks *ts, uint64_t now_ms);

/** Unix milliseconds (CLOCK_REALTIME). */
uint64_t api_unix_ms(void);
/** "2026-11-27T07:15:00.123Z" for @p unix_ms; JSON null for 0. */
json_t *api_time_json(uint64_t unix_ms);

#endif
