/*
 * redwirectl users list|get|set|del: the dataplane's Redis ACL users through
 * /v1/users (api_users.c), over the root-only Unix socket (admin).
 * Passwords never come back: a user shows its SHA-256 hashes or nopass.
 *
 * Context: redwirectl, blocking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmd.h"

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	printf("%s\n", s ? s : "{}");
	free(s);
}

/* "alice  on   ~app:* &*  -@all +@read  (2 passwords)" */
static void print_user(json_t *u)
{
	size_t i;
	json_t *v;
	printf("%-16s  %-3s  ", jstr(u, "name"),
	       json_is_true(json_object_get(u, "enabled")) ? "on" : "off");
	json_array_foreach(json_object_get(u, "keys"), i, v) printf("%s ", json_string_value(v));
	json_array_foreach(json_object_get(u, "channels"), i, v)
	    printf("%s ", json_string_value(v));
	size_t np = json_array_size(json_object_get(u, "password_hashes"));
	printf(" %s  (%s", jstr(u, "commands"),
	       json_is_true(json_object_get(u, "nopass")) ? "nopass" : "");
	if (!json_is_true(json_object_get(u, "nopass")))
		printf("%zu password%s", np, np == 1 ? "" : "s");
	printf(")\n");
}

/* @p name: a user name fits a path segment. */
static bool name_ok(const char *name)
{
	return name[0] != '\0' && strlen(name) < 100 && strpbrk(name, "/?#% ") == NULL;
}

static int answer(const struct ctl *c, int status, int want, int want2, json_t *j, bool one)
{
	if (status != want && status != want2) {
		fprintf(stderr, "redwirectl: the API answered %d: %s\n", status, jstr(j, "error"));
		return CTL_EXIT_FAIL;
	}
	if (c->json) {
		print_json(j);
	} else if (one) {
		print_user(j);
	} else {
		size_t i;
		json_t *u;
		json_array_foreach(json_object_get(j, "users"), i, u) print_user(u);
	}
	return CTL_EXIT_OK;
}

int ctl_cmd_users(const struct ctl *c, int argc, char **argv)
{
	int status, rc;
	json_t *j = NULL;
	char path[160];
	enum ctl_exit e;
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if ((e = ctl_fetch_json(c, "/v1/users", &status, &j)) != CTL_EXIT_OK)
			return e;
		rc = answer(c, status, 200, 200, j, false);
	} else if (argc == 2 && strcmp(argv[0], "get") == 0 && name_ok(argv[1])) {
		snprintf(path, sizeof(path), "/v1/users/%s", argv[1]);
		if ((e = ctl_fetch_json(c, path, &status, &j)) != CTL_EXIT_OK)
			return e;
		rc = answer(c, status, 200, 200, j, true);
	} else if (argc >= 2 && strcmp(argv[0], "set") == 0 && name_ok(argv[1])) {
		/* the rules, as separate words or one quoted string */
		char rules[4096] = "";
		for (int i = 2; i < argc; i++)
			snprintf(rules + strlen(rules), sizeof(rules) - strlen(rules), "%s%s",
				 i > 2 ? " " : "", argv[i]);
		json_t *req = json_pack("{s:s}", "rules", rules);
		char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
		json_decref(req);
		if (body == NULL)
			return CTL_EXIT_FAIL;
		snprintf(path, sizeof(path), "/v1/users/%s", argv[1]);
		e = ctl_send_json(c, "PUT", path, body, &status, &j);
		free(body);
		if (e != CTL_EXIT_OK)
			return e;
		rc = answer(c, status, 200, 201, j, true);
	} else if (argc == 2 && strcmp(argv[0], "del") == 0 && name_ok(argv[1])) {
		snprintf(path, sizeof(path), "/v1/users/%s", argv[1]);
		if ((e = ctl_send_json(c, "DELETE", path, NULL, &status, &j)) != CTL_EXIT_OK)
			return e;
		if (status != 200) {
			fprintf(stderr, "redwirectl: the API answered %d: %s\n", status,
				jstr(j, "error"));
			rc = CTL_EXIT_FAIL;
		} else {
			if (c->json)
				print_json(j);
			else
				printf("deleted %s\n", argv[1]);
			rc = CTL_EXIT_OK;
		}
	} else {
		return CTL_EXIT_USAGE;
	}
	json_decref(j);
	return rc;
}
