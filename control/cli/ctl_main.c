/*
 * redwirectl: the operator's command-line tool. Speaks the management API
 * (control/api) over its Unix socket and prints the answer as a table, or
 * as the API's JSON with --json.
 *
 *   redwirectl [--socket PATH | --name NAME] status [--json]
 *   redwirectl [--socket PATH | --name NAME] stats [--json]
 *   redwirectl [--socket PATH | --name NAME] health
 *
 * Exit status: 0 success (health: live and ready), 1 failure or not ready,
 * 2 usage error.
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_http.h"

#define CTL_DEFAULT_NAME "rw"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: redwirectl [--socket PATH | --name NAME] <command> [--json]\n"
		"commands:\n"
		"  status [--json]   role, uptime, dataplane, per-worker counts\n"
		"  stats [--json]    every per-worker counter\n"
		"  health            liveness and readiness (exit 1 if not ready)\n"
		"NAME defaults to \"" CTL_DEFAULT_NAME "\": socket /run/redwire/NAME/api.sock\n");
}

static json_int_t jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* GET @p path and parse its JSON; prints the cause and returns NULL on failure. */
static json_t *api_get(const char *sock, const char *path, int *status, bool raw)
{
	struct ctl_resp r;
	int rc = ctl_http_get(sock, path, &r);
	if (rc != 0) {
		fprintf(stderr, "redwirectl: cannot reach the management API at %s: %s%s\n", sock,
			strerror(-rc),
			rc == -ENOENT || rc == -ECONNREFUSED ? " (is redwire-control running?)"
							     : "");
		return NULL;
	}
	*status = r.status;
	if (raw)
		printf("%s\n", r.body);
	json_error_t err;
	json_t *j = json_loads(r.body, 0, &err);
	if (j == NULL)
		fprintf(stderr, "redwirectl: %s answered %d with invalid JSON: %s\n", path,
			r.status, err.text);
	ctl_resp_fini(&r);
	return j;
}

static void print_uptime(json_int_t s)
{
	if (s >= 86400)
		printf("%lldd%02lldh%02lldm\n", s / 86400, s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		printf("%lldh%02lldm%02llds\n", s / 3600, s % 3600 / 60, s % 60);
	else
		printf("%llds\n", s);
}

static void print_dataplane(json_t *dp)
{
	if (!json_is_true(json_object_get(dp, "attached"))) {
		printf("dataplane:    not attached\n");
		return;
	}
	printf("dataplane:    pid %lld, epoch %s, %s, %lld workers\n", jint(dp, "pid"),
	       json_string_value(json_object_get(dp, "epoch")),
	       json_is_true(json_object_get(dp, "alive")) ? "alive" : "NOT ALIVE (stale heartbeat)",
	       jint(dp, "workers"));
}

static void print_status(json_t *j)
{
	json_t *tot = json_object_get(j, "totals");
	printf("role:         %s\n", json_string_value(json_object_get(j, "role")));
	printf("name:         %s\n", json_string_value(json_object_get(j, "name")));
	printf("version:      %s\n", json_string_value(json_object_get(j, "version")));
	printf("uptime:       ");
	print_uptime(jint(j, "uptime_seconds"));
	print_dataplane(json_object_get(j, "dataplane"));
	printf("connections:  %lld\n", jint(tot, "connections_current"));
	printf("commands:     %lld executed, %lld received\n", jint(tot, "commands"),
	       jint(tot, "commands_received"));
	printf("journal:      %lld records consumed\n", jint(tot, "journal_records_consumed"));
	json_t *workers = json_object_get(j, "workers");
	if (json_array_size(workers) == 0)
		return;
	printf("\n%-6s %14s %12s %12s %11s %9s\n", "worker", "commands", "fwd_sent", "fwd_recv",
	       "connections", "ping_us");
	size_t i;
	json_t *w;
	json_array_foreach(workers, i, w)
	{
		json_t *st = json_object_get(w, "stats");
		printf("%-6lld %14lld %12lld %12lld %11lld %9lld\n", jint(w, "worker"),
		       jint(st, "commands"), jint(st, "fwd_sent"), jint(st, "fwd_received"),
		       jint(st, "tcp_conns_current"), jint(json_object_get(w, "ping"), "rtt_us"));
	}
}

/* One row per counter, one column per worker, then the total. */
static void print_stats(json_t *j)
{
	json_t *workers = json_object_get(j, "workers"), *tot = json_object_get(j, "totals");
	if (!json_is_true(json_object_get(j, "attached")))
		printf("dataplane not attached\n");
	size_t i;
	json_t *w;
	printf("%-22s", "counter");
	json_array_foreach(workers, i, w)
	{
		char h[24];
		snprintf(h, sizeof(h), "w%lld", jint(w, "worker"));
		printf(" %14s", h);
	}
	printf(" %16s\n", "total");
	const char *key;
	json_t *v;
	json_object_foreach(tot, key, v)
	{
		printf("%-22s", key);
		json_array_foreach(workers, i, w) printf(" %14lld", jint(w, key));
		printf(" %16lld\n", json_integer_value(v));
	}
}

static int cmd_show(const char *sock, const char *path, bool raw, void (*print)(json_t *))
{
	int status = 0;
	json_t *j = api_get(sock, path, &status, raw);
	if (j == NULL)
		return 1;
	if (status != 200 && !raw)
		fprintf(stderr, "redwirectl: %s: HTTP %d: %s\n", path, status,
			json_string_value(json_object_get(j, "error")));
	else if (!raw)
		print(j);
	json_decref(j);
	return status == 200 ? 0 : 1;
}

static int cmd_health(const char *sock)
{
	int live_status = 0, ready_status = 0;
	json_t *live = api_get(sock, "/v1/health/live", &live_status, false);
	if (live == NULL)
		return 1;
	json_t *ready = api_get(sock, "/v1/health/ready", &ready_status, false);
	printf("live:  %s\n", live_status == 200 ? "yes" : "no");
	if (ready != NULL)
		printf("ready: %s (%s)\n", ready_status == 200 ? "yes" : "no",
		       json_string_value(json_object_get(ready, "reason")));
	json_decref(live);
	json_decref(ready);
	return live_status == 200 && ready_status == 200 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *name = CTL_DEFAULT_NAME, *cmd = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (cmd == NULL && argv[i][0] != '-')
			cmd = argv[i];
		else {
			fprintf(stderr, "redwirectl: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	char path[256];
	if (sock == NULL) {
		snprintf(path, sizeof(path), "/run/redwire/%s/api.sock", name);
		sock = path;
	}
	if (cmd != NULL && strcmp(cmd, "status") == 0)
		return cmd_show(sock, "/v1/status", json, print_status);
	if (cmd != NULL && strcmp(cmd, "stats") == 0)
		return cmd_show(sock, "/v1/stats", json, print_stats);
	if (cmd != NULL && strcmp(cmd, "health") == 0 && !json)
		return cmd_health(sock);
	usage(stderr);
	return 2;
}
