/*
 * redwirectl replication | failover status | failover start: the
 * replication and failover routes of the management API. Until their issue
 * lands the API answers them 501 with a body that says so; these commands
 * print that answer (the JSON with --json) and exit 1, as for any error the
 * API answers, so scripts written now keep working when the routes arrive.
 *
 * Context: redwirectl, blocking, single threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmd.h"

/* Print @p j (an answer to @p what) and map its @p status to an exit code. */
static int answer(const struct ctl *c, const char *what, int status, json_t *j)
{
	if (c->json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (status >= 200 && status < 300) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v)
		{
			char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			printf("%-20s %s\n", k,
			       json_is_string(v) ? json_string_value(v) : (s ? s : "?"));
			free(s);
		}
	} else {
		json_t *detail = json_object_get(j, "detail");
		json_t *error = json_object_get(j, "error");
		fprintf(stderr, "redwirectl: %s: %d %s%s%s\n", what, status,
			json_is_string(error) ? json_string_value(error) : "error",
			json_is_string(detail) ? ": " : "",
			json_is_string(detail) ? json_string_value(detail) : "");
	}
	return status >= 200 && status < 300 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

static int call(const struct ctl *c, const char *method, const char *path, const char *what)
{
	int status = 0;
	json_t *j;
	int rc = ctl_send_json(c, method, path, NULL, &status, &j);
	if (rc != CTL_EXIT_OK)
		return rc;
	rc = answer(c, what, status, j);
	json_decref(j);
	return rc;
}

int ctl_cmd_replication(const struct ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "redwirectl: replication takes no argument\n");
		return CTL_EXIT_USAGE;
	}
	return call(c, "GET", "/v1/replication", "replication");
}

int ctl_cmd_failover(const struct ctl *c, int argc, char **argv)
{
	if (argc == 1 && strcmp(argv[0], "status") == 0)
		return call(c, "GET", "/v1/failover", "failover status");
	if (argc == 1 && strcmp(argv[0], "start") == 0)
		return call(c, "POST", "/v1/failover", "failover start");
	fprintf(stderr, "redwirectl: failover status | failover start\n");
	return CTL_EXIT_USAGE;
}
