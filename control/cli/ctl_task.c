/*
 * redwirectl tasks [ID]: the appliance's long jobs (snapshots...) with
 * their state and progress, from /v1/tasks; redwirectl snapshot
 * create|list|delete|restore on /v1/snapshots (create --wait follows the
 * task with a progress bar on standard error); redwirectl events on
 * /v1/events.
 *
 * Context: redwirectl, blocking.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_cmd.h"
#include "ctl_jobs.h"

const char *ctl_jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int ctl_api_failed(int status, int want, json_t *j)
{
	if (status == want)
		return CTL_EXIT_OK;
	fprintf(stderr, "redwirectl: the API answered %d: %s\n", status, ctl_jstr(j, "error"));
	return CTL_EXIT_FAIL;
}

void ctl_json_print(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	printf("%s\n", s ? s : "{}");
	free(s);
}

static void size_human(uint64_t b, char *buf, size_t len)
{
	if (b >= 10u << 20)
		snprintf(buf, len, "%.1fM", (double)b / (1 << 20));
	else if (b >= 10u << 10)
		snprintf(buf, len, "%.1fK", (double)b / (1 << 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)b);
}

void ctl_task_line(json_t *t)
{
	char done[24], total[24], eta[24] = "-";
	size_human((uint64_t)json_integer_value(json_object_get(t, "bytes_done")), done,
		   sizeof(done));
	size_human((uint64_t)json_integer_value(json_object_get(t, "bytes_total")), total,
		   sizeof(total));
	json_t *e = json_object_get(t, "eta_seconds");
	if (json_is_integer(e))
		snprintf(eta, sizeof(eta), "%llds", (long long)json_integer_value(e));
	printf("%-6lld %-9s %-10s %-10s %3lld%% %9s/%-9s eta %-6s %s%s%s\n",
	       (long long)json_integer_value(json_object_get(t, "id")), ctl_jstr(t, "kind"),
	       ctl_jstr(t, "state"), ctl_jstr(t, "phase"),
	       (long long)json_integer_value(json_object_get(t, "percent")), done, total, eta,
	       ctl_jstr(t, "resource"),
	       json_is_string(json_object_get(t, "error")) ? " error: " : "", ctl_jstr(t, "error"));
}

int ctl_cmd_tasks(const struct ctl *c, int argc, char **argv)
{
	char path[96] = "/v1/tasks";
	if (argc > 1 || (argc == 1 && strspn(argv[0], "0123456789") != strlen(argv[0])))
		return CTL_EXIT_USAGE;
	if (argc == 1)
		snprintf(path, sizeof(path), "/v1/tasks/%s", argv[0]);
	int status;
	json_t *j;
	enum ctl_exit e = ctl_fetch_json(c, path, &status, &j);
	if (e != CTL_EXIT_OK)
		return e;
	int rc = ctl_api_failed(status, 200, j);
	if (rc == CTL_EXIT_OK && c->json) {
		ctl_json_print(j);
	} else if (rc == CTL_EXIT_OK) {
		printf("%-6s %-9s %-10s %-10s %4s %19s %-10s %s\n", "ID", "KIND", "STATE", "PHASE",
		       "%", "BYTES", "ETA", "RESOURCE");
		json_t *list = json_object_get(j, "tasks"), *t;
		size_t i;
		if (argc == 1)
			ctl_task_line(j);
		json_array_foreach(list, i, t) ctl_task_line(t);
	}
	json_decref(j);
	return rc;
}

/* ---- snapshot create|list|delete|restore ---- */

/* A one-line progress bar on stderr, redrawn in place. */
static void progress_bar(json_t *t)
{
	char bar[41];
	long long pct = json_integer_value(json_object_get(t, "percent"));
	int n = (int)(pct * 40 / 100);
	for (int i = 0; i < 40; i++)
		bar[i] = i < n ? '#' : '.';
	bar[40] = '\0';
	fprintf(stderr, "\rtask %lld %-10s [%s] %3lld%% %lld/%lld bytes",
		(long long)json_integer_value(json_object_get(t, "id")), ctl_jstr(t, "phase"), bar,
		pct, (long long)json_integer_value(json_object_get(t, "bytes_done")),
		(long long)json_integer_value(json_object_get(t, "bytes_total")));
}

#define WAIT_POLL_US   100000
#define WAIT_MAX_POLLS 36000 /* an hour */

/* Follow task @p id until it is done. @return 0 if it succeeded. */
static int task_wait(const struct ctl *c, long long id)
{
	char path[64];
	snprintf(path, sizeof(path), "/v1/tasks/%lld", id);
	for (int i = 0; i < WAIT_MAX_POLLS; i++) {
		int status;
		json_t *t;
		enum ctl_exit e = ctl_fetch_json(c, path, &status, &t);
		if (e != CTL_EXIT_OK)
			return e;
		int rc = ctl_api_failed(status, 200, t);
		const char *st = ctl_jstr(t, "state");
		bool done =
		    rc != CTL_EXIT_OK || (strcmp(st, "queued") != 0 && strcmp(st, "running") != 0);
		if (!c->json && rc == CTL_EXIT_OK)
			progress_bar(t);
		if (done) {
			if (!c->json)
				fprintf(stderr, "\n");
			if (rc == CTL_EXIT_OK && c->json)
				ctl_json_print(t);
			else if (rc == CTL_EXIT_OK)
				ctl_task_line(t);
			if (rc == CTL_EXIT_OK && strcmp(st, "succeeded") != 0)
				rc = CTL_EXIT_FAIL;
			json_decref(t);
			return rc;
		}
		json_decref(t);
		usleep(WAIT_POLL_US);
	}
	return CTL_EXIT_FAIL;
}

static int snapshot_create(const struct ctl *c, int argc, char **argv)
{
	bool wait = argc == 1 && strcmp(argv[0], "--wait") == 0;
	if (argc > 1 || (argc == 1 && !wait))
		return CTL_EXIT_USAGE;
	int status;
	json_t *j;
	enum ctl_exit e = ctl_send_json(c, "POST", "/v1/snapshots", NULL, &status, &j);
	if (e != CTL_EXIT_OK)
		return e;
	int rc = ctl_api_failed(status, 202, j);
	long long id = (long long)json_integer_value(json_object_get(j, "id"));
	if (rc == CTL_EXIT_OK && !wait) {
		if (c->json)
			ctl_json_print(j);
		else
			printf("task %lld: snapshot requested (redwirectl tasks %lld)\n", id, id);
	}
	json_decref(j);
	return rc == CTL_EXIT_OK && wait ? task_wait(c, id) : rc;
}

static int snapshot_list(const struct ctl *c)
{
	int status;
	json_t *j;
	enum ctl_exit e = ctl_fetch_json(c, "/v1/snapshots", &status, &j);
	if (e != CTL_EXIT_OK)
		return e;
	int rc = ctl_api_failed(status, 200, j);
	if (rc == CTL_EXIT_OK && c->json) {
		ctl_json_print(j);
	} else if (rc == CTL_EXIT_OK) {
		json_t *s;
		size_t i;
		printf("%-24s %12s %-24s %s\n", "ID", "BYTES", "CREATED", "CHECKSUM");
		json_array_foreach(json_object_get(j, "snapshots"), i, s) printf(
		    "%-24s %12lld %-24s %s\n", ctl_jstr(s, "id"),
		    (long long)json_integer_value(json_object_get(s, "size_bytes")),
		    ctl_jstr(s, "created"),
		    json_is_true(json_object_get(s, "checksum_ok")) ? "ok" : ctl_jstr(s, "error"));
	}
	json_decref(j);
	return rc;
}

/* delete ID (200) or restore ID (202: the task is followed to its end) */
static int snapshot_act(const struct ctl *c, const char *method, const char *id, const char *sub,
			int want)
{
	char path[160];
	int status;
	json_t *j;
	snprintf(path, sizeof(path), "/v1/snapshots/%s%s", id, sub);
	enum ctl_exit e = ctl_send_json(c, method, path, NULL, &status, &j);
	if (e != CTL_EXIT_OK)
		return e;
	int rc = ctl_api_failed(status, want, j);
	if (rc == CTL_EXIT_OK && want == 202) {
		long long task = (long long)json_integer_value(json_object_get(j, "id"));
		json_decref(j);
		rc = task_wait(c, task);
		if (rc == CTL_EXIT_FAIL)
			fprintf(stderr, "redwirectl: the restore failed (redwirectl tasks %lld)\n",
				task);
		return rc;
	}
	if (rc == CTL_EXIT_OK)
		c->json ? ctl_json_print(j)
			: (void)printf("%s %s\n", id, sub[0] ? "restored" : "deleted");
	json_decref(j);
	return rc;
}

int ctl_cmd_snapshot(const struct ctl *c, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "create") == 0)
		return snapshot_create(c, argc - 1, argv + 1);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return snapshot_list(c);
	if (argc == 2 && strcmp(argv[0], "delete") == 0)
		return snapshot_act(c, "DELETE", argv[1], "", 200);
	if (argc == 2 && strcmp(argv[0], "restore") == 0)
		return snapshot_act(c, "POST", argv[1], "/restore", 202);
	return CTL_EXIT_USAGE;
}

/* ---- events [--since ID] [--follow] ---- */

static void event_line(json_t *e)
{
	char *d = json_dumps(json_object_get(e, "detail"), JSON_COMPACT);
	printf("%-6lld %-24s %-26s %s\n", (long long)json_integer_value(json_object_get(e, "id")),
	       ctl_jstr(e, "time"), ctl_jstr(e, "type"), d ? d : "{}");
	free(d);
}

#define FOLLOW_POLL_US 500000

int ctl_cmd_events(const struct ctl *c, int argc, char **argv)
{
	long long since = 0;
	bool follow = false;
	for (int i = 0; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-f") == 0) {
			follow = true;
		} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			since = strtoll(argv[++i], &end, 10);
			if (*end != '\0' || since < 0)
				return CTL_EXIT_USAGE;
		} else {
			return CTL_EXIT_USAGE;
		}
	}
	if (!c->json)
		printf("%-6s %-24s %-26s %s\n", "ID", "TIME", "TYPE", "DETAIL");
	for (;;) {
		char path[96];
		int status;
		json_t *j, *e;
		size_t i;
		snprintf(path, sizeof(path), "/v1/events?since=%lld", since);
		enum ctl_exit x = ctl_fetch_json(c, path, &status, &j);
		if (x != CTL_EXIT_OK)
			return x;
		int rc = ctl_api_failed(status, 200, j);
		if (rc == CTL_EXIT_OK && c->json && !follow)
			ctl_json_print(j);
		json_array_foreach(json_object_get(j, "events"), i, e)
		{
			if (rc == CTL_EXIT_OK && follow && c->json)
				ctl_json_print(e); /* one event per line */
			else if (rc == CTL_EXIT_OK && !c->json)
				event_line(e);
			since = (long long)json_integer_value(json_object_get(e, "id"));
		}
		json_decref(j);
		if (rc != CTL_EXIT_OK || !follow)
			return rc;
		fflush(stdout);
		usleep(FOLLOW_POLL_US);
	}
}
