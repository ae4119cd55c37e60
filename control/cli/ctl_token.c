/*
 * redwirectl token create|list|revoke: bearer tokens of the HTTPS API, made
 * over the root-only Unix socket (which acts as admin), so the first admin
 * token needs nothing but root on the box.
 *
 * Context: redwirectl, blocking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_cmd.h"

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* An API answer other than @p want: print its error, exit 1. */
static int api_failed(int status, int want, json_t *j)
{
	if (status == want)
		return CTL_EXIT_OK;
	fprintf(stderr, "redwirectl: the API answered %d: %s\n", status, jstr(j, "error"));
	return CTL_EXIT_FAIL;
}

/* create ROLE NAME [--ttl SECONDS] (NAME is not an option: --name picks the instance) */
static int token_create(const struct ctl *c, int argc, char **argv)
{
	const char *role = NULL, *name = NULL;
	long long ttl = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc) {
			char *end;
			ttl = strtoll(argv[++i], &end, 10);
			if (*end != '\0' || ttl < 0)
				return CTL_EXIT_USAGE;
		} else if (argv[i][0] == '-') {
			return CTL_EXIT_USAGE;
		} else if (role == NULL) {
			role = argv[i];
		} else if (name == NULL) {
			name = argv[i];
		} else {
			return CTL_EXIT_USAGE;
		}
	}
	if (role == NULL || name == NULL)
		return CTL_EXIT_USAGE;
	json_t *req = json_pack("{s:s, s:s, s:I}", "role", role, "name", name, "ttl_seconds",
				(json_int_t)ttl);
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (body == NULL)
		return CTL_EXIT_FAIL;
	int status;
	json_t *j;
	enum ctl_exit e = ctl_send_json(c, "POST", "/v1/tokens", body, &status, &j);
	free(body);
	if (e != CTL_EXIT_OK)
		return e;
	int rc = api_failed(status, 201, j);
	if (rc == CTL_EXIT_OK && c->json) {
		char *s = json_dumps(j, JSON_COMPACT);
		printf("%s\n", s ? s : "{}");
		free(s);
	} else if (rc == CTL_EXIT_OK) {
		printf("%s\nid %s, role %s: shown once, keep it now\n", jstr(j, "token"),
		       jstr(j, "id"), jstr(j, "role"));
	}
	json_decref(j);
	return rc;
}

static void print_expiry(json_int_t unix_s, bool expired)
{
	char when[32];
	time_t t = (time_t)unix_s;
	struct tm tm;
	if (unix_s == 0) {
		printf("never\n");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s%s\n", when, expired ? " (expired)" : "");
}

static int token_list(const struct ctl *c)
{
	int status;
	json_t *j;
	enum ctl_exit e = ctl_fetch_json(c, "/v1/tokens", &status, &j);
	if (e != CTL_EXIT_OK)
		return e;
	int rc = api_failed(status, 200, j);
	if (rc == CTL_EXIT_OK && c->json) {
		char *s = json_dumps(j, JSON_COMPACT);
		printf("%s\n", s ? s : "{}");
		free(s);
	} else if (rc == CTL_EXIT_OK) {
		size_t i;
		json_t *k;
		printf("%-16s  %-8s  %-24s  %s\n", "id", "role", "name", "expires");
		json_array_foreach(json_object_get(j, "tokens"), i, k)
		{
			printf("%-16s  %-8s  %-24s  ", jstr(k, "id"), jstr(k, "role"),
			       jstr(k, "name"));
			print_expiry(json_integer_value(json_object_get(k, "expires_unix")),
				     json_is_true(json_object_get(k, "expired")));
		}
	}
	json_decref(j);
	return rc;
}

static int token_revoke(const struct ctl *c, const char *id)
{
	char path[128];
	if (strlen(id) > 64 || strchr(id, '/') != NULL)
		return CTL_EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/tokens/%s", id);
	int status;
	json_t *j;
	enum ctl_exit e = ctl_send_json(c, "DELETE", path, NULL, &status, &j);
	if (e != CTL_EXIT_OK)
		return e;
	int rc = api_failed(status, 200, j);
	if (rc == CTL_EXIT_OK)
		printf(c->json ? "{\"revoked\":\"%s\"}\n" : "revoked %s\n", id);
	json_decref(j);
	return rc;
}

int ctl_cmd_token(const struct ctl *c, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "create") == 0)
		return token_create(c, argc - 1, argv + 1);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return token_list(c);
	if (argc == 2 && strcmp(argv[0], "revoke") == 0)
		return token_revoke(c, argv[1]);
	return CTL_EXIT_USAGE;
}
