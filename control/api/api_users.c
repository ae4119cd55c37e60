/*
 * /v1/users: the dataplane's ACL users (Redis 7.0 ACL; dataplane/cmd/cmd_acl.c)
 * for the management API. A change goes to the dataplane over the control
 * channel (cp_chan_acl(), CHAN_MSG_ACL), as PATCH /v1/parameters does for
 * CONFIG SET, so the API and RESP clients see one set of users; a read is
 * answered from the control plane's copy, which the workers' ACL_NOTEs keep
 * true (platform/chan/FORMAT.md, type 24), and reaches no worker.
 *
 *   GET    /v1/users          every user (name order)
 *   GET    /v1/users/{name}   one user, 404 if none
 *   PUT    /v1/users/{name}   {"rules": "on >secret ~app:* +@read"}: the user
 *                            becomes exactly these rules (ACL SETUSER name
 *                            reset RULES...), created if new (201) or
 *                            replaced (200); Redis's error text is a 400
 *   DELETE /v1/users/{name}   200 {"deleted": name}, 404 if none, 400 for
 *                            "default"; the user's connections are closed
 *
 * A password never comes back: a user shows its SHA-256 hashes and a
 * nopass flag, from ACL LIST's text; audit lines and events name the user
 * only (the rules of a PUT may hold a password). Admin role (api_route.c).
 *
 * Context: the control plane's event loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

#define USERS_TEXT_MAX (512u * 1024)
#define RULES_MAX      64

/* One ACL LIST line's "NAME RULES" part as the API's object. */
static json_t *user_object(const char *line, size_t len)
{
	char *s = strndup(line, len);
	if (s == NULL)
		return NULL;
	char *save = NULL, *name = strtok_r(s, " ", &save);
	char *rules = save != NULL ? save : (char *)"";
	json_t *hashes = json_array(), *keys = json_array(), *chans = json_array();
	char cmds[4096] = "";
	bool on = false, nopass = false;
	char *rcopy = strdup(rules), *s2 = NULL;
	for (char *t = rcopy ? strtok_r(rcopy, " ", &s2) : NULL; t; t = strtok_r(NULL, " ", &s2)) {
		if (strcmp(t, "on") == 0)
			on = true;
		else if (strcmp(t, "nopass") == 0)
			nopass = true;
		else if (t[0] == '#')
			json_array_append_new(hashes, json_string(t + 1));
		else if (t[0] == '~' || t[0] == '%')
			json_array_append_new(keys, json_string(t));
		else if (t[0] == '&')
			json_array_append_new(chans, json_string(t));
		else if (t[0] == '+' || t[0] == '-')
			snprintf(cmds + strlen(cmds), sizeof(cmds) - strlen(cmds), "%s%s",
				 cmds[0] ? " " : "", t);
	}
	json_t *o = json_pack("{s:s, s:b, s:b, s:o, s:o, s:o, s:s, s:s}", "name", name ? name : "",
			      "enabled", on, "nopass", nopass, "password_hashes", hashes, "keys",
			      keys, "channels", chans, "commands", cmds, "rules", rules);
	free(rcopy);
	free(s);
	return o;
}

/* ACL LIST's text: the control plane's copy of the dataplane's users
 * (cp_chan_users_cached: no message to a worker), after taking the notes
 * waiting in the rings; worker 0 is asked only when there is no copy (the
 * list does not fit one message, or the re-send after an attach is not in
 * yet). @return 0 or the error status (502/503). */
static int users_text(const struct api_ctx *ctx, char **text)
{
	const char *copy = NULL;
	cp_chan_notes_take(ctx->chan);
	if (cp_chan_users_cached(ctx->chan, &copy) == 0) {
		*text = strdup(copy);
		return *text != NULL ? 0 : 500;
	}
	*text = malloc(USERS_TEXT_MAX);
	if (*text == NULL)
		return 500;
	const char *args[] = {"list"};
	int rc = cp_chan_acl(ctx->chan, args, 1, *text, USERS_TEXT_MAX);
	if (rc == 0)
		return 0;
	free(*text);
	*text = NULL;
	return rc == -ENOTCONN || rc == -ETIMEDOUT ? 503 : 502;
}

/* The line of user @p name in ACL LIST's @p text, as an object; NULL if none. */
static json_t *user_find(const char *text, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > 5 + nl && strncmp(p, "user ", 5) == 0 && strncmp(p + 5, name, nl) == 0 &&
		    p[5 + nl] == ' ')
			return user_object(p + 5, len - 5);
		p += len + (e != NULL);
	}
	return NULL;
}

static json_t *unavailable(struct api_resp *resp, int status)
{
	return api_error(resp, status,
			 status == 503 ? "the dataplane is not attached or did not answer"
				       : "the dataplane refused the request");
}

json_t *api_users_list(const struct api_ctx *ctx, const char *arg, int *status)
{
	(void)arg;
	char *text;
	int st = users_text(ctx, &text);
	if (st != 0) {
		*status = st;
		return json_pack("{s:s}", "error", "the dataplane's users are not available");
	}
	json_t *arr = json_array();
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > 5 && strncmp(p, "user ", 5) == 0)
			json_array_append_new(arr, user_object(p + 5, len - 5));
		p += len + (e != NULL);
	}
	free(text);
	*status = 200;
	return json_pack("{s:o}", "users", arr);
}

json_t *api_users_get(const struct api_ctx *ctx, const struct api_call *call, const char *arg,
		      struct api_resp *resp)
{
	(void)call;
	char *text;
	int st = users_text(ctx, &text);
	if (st != 0)
		return unavailable(resp, st);
	json_t *u = user_find(text, arg);
	free(text);
	if (u == NULL)
		return api_error(resp, 404, "no such user");
	resp->status = 200;
	return u;
}

json_t *api_users_put(const struct api_ctx *ctx, const struct api_call *call, const char *arg,
		      struct api_resp *resp)
{
	json_error_t jerr;
	json_t *body = json_loadb(call->body ? call->body : "", call->body_len, 0, &jerr);
	const char *rules = body ? json_string_value(json_object_get(body, "rules")) : NULL;
	resp->audit_detail = json_pack("{s:s}", "user", arg);
	if (rules == NULL) {
		json_decref(body);
		return api_error(resp, 400, "the body must be {\"rules\": \"ACL SETUSER rules\"}");
	}
	char *text;
	int st = users_text(ctx, &text);
	if (st != 0) {
		json_decref(body);
		return unavailable(resp, st);
	}
	json_t *before = user_find(text, arg);
	bool existed = before != NULL;
	json_decref(before);
	/* ACL SETUSER NAME reset RULES...: the user becomes exactly these rules */
	char *copy = strdup(rules), *save = NULL;
	const char *args[RULES_MAX + 3] = {"setuser", arg, "reset"};
	size_t n = 3;
	for (char *t = copy ? strtok_r(copy, " \t", &save) : NULL; t && n < RULES_MAX + 3;
	     t = strtok_r(NULL, " \t", &save))
		args[n++] = t;
	int rc = copy != NULL ? cp_chan_acl(ctx->chan, args, n, text, USERS_TEXT_MAX) : -ENOMEM;
	free(copy);
	json_decref(body);
	json_t *out;
	if (rc == -ENOTCONN || rc == -ETIMEDOUT || rc == -ENOSPC) {
		out = unavailable(resp, 503);
	} else if (rc != 0) {
		out = api_error(resp, 400, text[0] ? text : "the dataplane refused the rules");
	} else if (users_text(ctx, &copy) == 0) {
		out = user_find(copy, arg);
		free(copy);
		resp->status = existed ? 200 : 201;
		if (out == NULL)
			out = api_error(resp, 502, "the user vanished");
	} else {
		out = unavailable(resp, 503);
	}
	free(text);
	return out;
}

json_t *api_users_delete(const struct api_ctx *ctx, const struct api_call *call, const char *arg,
			 struct api_resp *resp)
{
	(void)call;
	char text[256];
	const char *args[] = {"deluser", arg};
	resp->audit_detail = json_pack("{s:s}", "user", arg);
	int rc = cp_chan_acl(ctx->chan, args, 2, text, sizeof(text));
	if (rc == -ENOTCONN || rc == -ETIMEDOUT || rc == -ENOSPC)
		return unavailable(resp, 503);
	if (rc != 0)
		return api_error(resp, 400, text[0] ? text : "refused");
	if (strcmp(text, "1") != 0)
		return api_error(resp, 404, "no such user");
	resp->status = 200;
	return json_pack("{s:s}", "deleted", arg);
}
