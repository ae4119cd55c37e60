/*
 * Management API routes (see api_route.h). JSON is built with jansson, so
 * escaping is never hand-rolled. Counters are JSON integers; the dataplane
 * epoch is a 16-digit hex string because a 64-bit value does not survive a
 * JavaScript number.
 *
 * The route table below is the one list of what the API serves; the
 * OpenAPI file (openapi.yaml) describes exactly these paths, and
 * test_cpapi_openapi.c fails when the two drift apart.
 *
 * The caller arrives authenticated (api_auth.c on HTTPS; admin on the Unix
 * socket). Here its role is checked against the route and method
 * (api_role.h) before anything runs, and every request that tries a change
 * is written to the audit log, done or refused.
 */
#include "api_route.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_auth.h"
#include "api_events.h"
#include "api_internal.h"
#include "api_task.h"

#ifndef RW_VERSION
#define RW_VERSION "0.0.0"
#endif

#define API_MAX_ARG 128

struct api_route_def {
	const char *path;      /* "{x}" matches one non-empty segment */
	api_json_fn *get;      /* GET answered with JSON */
	api_text_fn *get_text; /* GET answered with another media type */
	api_call_fn *get_call; /* GET that sets header fields (ETag) */
	api_call_fn *post;
	api_call_fn *patch;
	api_call_fn *put;
	api_call_fn *del;
	bool admin;	   /* every method needs the admin role */
	bool open;	   /* GET needs no credentials (the console's static assets) */
	const char *later; /* methods answered 501 until their issue lands ("*": all) */
	const char *why;   /* the 501 body's detail */
};

void api_chan_status(const struct api_ctx *ctx, struct cp_chan_status *st)
{
	if (ctx->chan != NULL)
		cp_chan_status(ctx->chan, st);
	else
		memset(st, 0, sizeof(*st));
}

bool api_chan_worker(const struct api_ctx *ctx, uint32_t w, struct cp_chan_worker_status *ws)
{
	return ctx->chan != NULL && cp_chan_worker(ctx->chan, w, ws) == 0;
}

uint64_t api_uptime_seconds(const struct api_ctx *ctx)
{
	return (cp_now_ms() - ctx->start_mono_ms) / 1000;
}

static json_t *stats_object(const struct chan_worker_stats *s)
{
	const uint64_t *v = (const uint64_t *)s;
	json_t *o = json_object();
	for (size_t i = 0; i < chan_worker_stat_count; i++)
		json_object_set_new(o, chan_worker_stat_names[i], json_integer((json_int_t)v[i]));
	return o;
}

json_t *api_dataplane_object(const struct cp_chan_status *st)
{
	char epoch[17];
	snprintf(epoch, sizeof(epoch), "%016" PRIx64, st->epoch);
	if (!st->attached)
		return json_pack("{s:b, s:b, s:n, s:n, s:i}", "attached", 0, "alive", 0, "pid",
				 "epoch", "workers", 0);
	return json_pack("{s:b, s:b, s:i, s:s, s:i, s:s, s:I, s:I}", "attached", 1, "alive",
			 st->alive, "pid", (int)st->pid, "epoch", epoch, "workers",
			 (int)st->n_workers, "version", st->version, "start_unix_ms",
			 (json_int_t)st->start_unix_ms, "heartbeat_age_ms",
			 (json_int_t)st->heartbeat_age_ms);
}

static json_t *worker_object(uint32_t w, const struct cp_chan_worker_status *ws)
{
	return json_pack("{s:i, s:o, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}", "worker", (int)w,
			 "stats", stats_object(&ws->stats), "journal", "records_consumed",
			 (json_int_t)ws->jrnl_records, "bytes_consumed", (json_int_t)ws->jrnl_bytes,
			 "durable_lsn", (json_int_t)ws->durable_lsn, "ping", "sent",
			 (json_int_t)ws->pings_sent, "answered", (json_int_t)ws->pongs, "rtt_us",
			 (json_int_t)ws->ping_rtt_us);
}

static json_t *route_status(const struct api_ctx *ctx, const char *arg, int *status)
{
	struct cp_chan_status st;
	struct cp_chan_worker_status ws;
	uint64_t conns = 0, cmds = 0, received = 0;
	(void)arg;
	api_chan_status(ctx, &st);
	json_t *workers = json_array();
	for (uint32_t w = 0; w < st.n_workers && api_chan_worker(ctx, w, &ws); w++) {
		conns += ws.stats.tcp_conns_current;
		cmds += ws.stats.commands;
		received += ws.stats.commands_received;
		json_array_append_new(workers, worker_object(w, &ws));
	}
	*status = 200;
	return json_pack(
	    "{s:s, s:s, s:s, s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I}}", "role", "master", "name",
	    ctx->name, "version", RW_VERSION, "uptime_seconds", (json_int_t)api_uptime_seconds(ctx),
	    "dataplane", api_dataplane_object(&st), "workers", workers, "totals",
	    "connections_current", (json_int_t)conns, "commands", (json_int_t)cmds,
	    "commands_received", (json_int_t)received, "journal_records_consumed",
	    (json_int_t)st.jrnl_records, "journal_bytes_consumed", (json_int_t)st.jrnl_bytes);
}

static json_t *route_stats(const struct api_ctx *ctx, const char *arg, int *status)
{
	struct cp_chan_status st;
	struct cp_chan_worker_status ws;
	struct chan_worker_stats sum = {0};
	struct chan_board *board = malloc(sizeof(*board));
	(void)arg;
	api_chan_status(ctx, &st);
	if (board != NULL && api_board_get(ctx, board) != 0) {
		free(board);
		board = NULL; /* no busy share without the dataplane's board */
	}
	json_t *workers = json_array();
	for (uint32_t w = 0; w < st.n_workers && api_chan_worker(ctx, w, &ws); w++) {
		const uint64_t *v = (const uint64_t *)&ws.stats;
		uint64_t *t = (uint64_t *)&sum;
		for (size_t i = 0; i < chan_worker_stat_count; i++)
			t[i] += v[i]; /* readers sum the per-worker single-writer counters */
		sum.maxmemory = ws.stats.maxmemory; /* one budget: the same on every worker */
		json_t *o = stats_object(&ws.stats);
		json_object_set_new(o, "worker", json_integer(w));
		if (board != NULL && w < CHAN_MAX_WORKERS)
			json_object_set_new(o, "busy_permille",
					    json_integer(board->busy_permille[w]));
		json_array_append_new(workers, o);
	}
	free(board);
	*status = 200;
	return json_pack("{s:b, s:o, s:o, s:I}", "attached", st.attached, "workers", workers,
			 "totals", stats_object(&sum), "dataplane_rss_bytes",
			 (json_int_t)api_dataplane_rss_bytes(ctx, st.attached ? st.pid : 0));
}

static json_t *route_live(const struct api_ctx *ctx, const char *arg, int *status)
{
	(void)ctx;
	(void)arg;
	*status = 200;
	return json_pack("{s:s}", "status", "live");
}

static json_t *route_ready(const struct api_ctx *ctx, const char *arg, int *status)
{
	struct cp_chan_status st;
	(void)arg;
	api_chan_status(ctx, &st);
	bool ready = st.attached && st.alive;
	const char *why = !st.attached ? "dataplane not attached"
			  : !st.alive  ? "dataplane heartbeat stale"
				       : "ok";
	*status = ready ? 200 : 503;
	return json_pack("{s:b, s:s}", "ready", ready, "reason", why);
}

static int route_openapi(const struct api_ctx *ctx, struct api_resp *resp)
{
	(void)ctx;
	resp->body = malloc(api_openapi_yaml_len + 1);
	if (resp->body == NULL)
		return -ENOMEM;
	memcpy(resp->body, api_openapi_yaml, api_openapi_yaml_len + 1);
	resp->len = api_openapi_yaml_len;
	resp->status = 200;
	resp->content_type = API_CT_YAML;
	return 0;
}

static json_t *route_tasks(const struct api_ctx *ctx, const char *arg, int *status)
{
	(void)arg;
	*status = 200;
	if (ctx->tasks == NULL)
		return json_pack("{s:[], s:i}", "tasks", "max", 0);
	return api_tasks_json(ctx->tasks, api_unix_ms());
}

static json_t *route_task(const struct api_ctx *ctx, const char *arg, int *status)
{
	char *end;
	unsigned long long id = strtoull(arg, &end, 10);
	struct api_task *t =
	    *end == '\0' && ctx->tasks != NULL ? api_tasks_find(ctx->tasks, id) : NULL;
	if (t == NULL) {
		*status = 404;
		return json_pack("{s:s, s:s}", "error", "no such task (unknown, or forgotten)",
				 "id", arg);
	}
	*status = 200;
	return api_task_json(t, api_unix_ms());
}

/* Entries start with the path, in the form the OpenAPI test reads. */
static const struct api_route_def routes[] = {
    {"/metrics", .get_text = api_metrics},
    {"/v1/openapi.yaml", .get_text = route_openapi},
    {"/v1/status", .get = route_status},
    {"/v1/stats", .get = route_stats},
    {"/v1/health/live", .get = route_live},
    {"/v1/health/ready", .get = route_ready},
    {"/v1/appliance", .get = api_appliance},
    {"/v1/parameters", .get_call = api_params_get_list, .patch = api_params_patch_many},
    {"/v1/parameters/{name}", .get_call = api_params_get_one, .patch = api_params_patch},
    {"/v1/tokens", .get = api_tokens_route_list, .post = api_tokens_route_create, .admin = true},
    {"/v1/tokens/{id}", .del = api_tokens_route_revoke, .admin = true},
    {"/v1/tls/reload", .post = api_tls_reload_route, .admin = true},
    {"/v1/users", .get = api_users_list, .admin = true},
    {"/v1/users/{name}", .get_call = api_users_get, .put = api_users_put, .del = api_users_delete,
     .admin = true},
    {"/v1/support-bundle", .get_text = api_support_bundle, .admin = true},
    {"/v1/snapshots", .get = api_snaps_route_list, .post = api_snaps_route_create},
    {"/v1/snapshots/{id}", .get = api_snaps_route_one, .del = api_snaps_route_delete},
    {"/v1/snapshots/{id}/restore", .post = api_snaps_route_restore, .admin = true},
    {"/v1/events", .get_call = api_events_route_list},
    {"/v1/events/stream", .get_call = api_events_route_stream},
    {"/v1/tasks", .get = route_tasks},
    {"/v1/tasks/{id}", .get = route_task},
    {"/v1/commands", .get = api_board_commands},
    {"/v1/slowlog", .get = api_board_slowlog},
    {"/console", .get_text = api_console_page, .open = true},
    {"/console/app.js", .get_text = api_console_js, .open = true},
    {"/console/app.css", .get_text = api_console_css, .open = true},
    /* Routes that will exist; every method (and every path below them) answers 501. */
    {"/v1/replication", .later = "*", .why = "replication arrives with its issue"},
    {"/v1/failover", .later = "*", .why = "failover arrives with its issue"},
};

const char *api_route_path(size_t i)
{
	return i < sizeof(routes) / sizeof(routes[0]) ? routes[i].path : NULL;
}

static bool path_match(const char *tmpl, const char *path, char *arg, size_t arglen);

bool api_route_open(const char *method, const char *path)
{
	char arg[API_MAX_ARG];
	if (strcmp(method, "GET") != 0)
		return false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].open && path_match(routes[i].path, path, arg, sizeof(arg)))
			return true;
	return false;
}

static bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Match @p path against @p tmpl; a "{...}" segment matches one non-empty
 * segment, copied to @p arg. */
static bool path_match(const char *tmpl, const char *path, char *arg, size_t arglen)
{
	while (*tmpl != '\0' && *path != '\0') {
		if (*tmpl == '{') {
			const char *te = strchr(tmpl, '}');
			size_t n = strcspn(path, "/");
			if (te == NULL || n == 0 || n >= arglen)
				return false;
			memcpy(arg, path, n);
			arg[n] = '\0';
			tmpl = te + 1;
			path += n;
			continue;
		}
		if (*tmpl++ != *path++)
			return false;
	}
	return *tmpl == '\0' && *path == '\0';
}

static bool method_later(const struct api_route_def *r, const char *method)
{
	return r->later != NULL && (strcmp(r->later, "*") == 0 || strcmp(r->later, method) == 0);
}

static bool route_matches(const struct api_route_def *r, const char *path, char *arg)
{
	arg[0] = '\0';
	if (r->later != NULL && strcmp(r->later, "*") == 0)
		return path_under(path, r->path);
	return path_match(r->path, path, arg, API_MAX_ARG);
}

json_t *api_error(struct api_resp *resp, int status, const char *msg)
{
	resp->status = status;
	return json_pack("{s:s}", "error", msg);
}

/* "GET, PATCH": the methods @p r serves, for Allow (RFC 9110 §10.2.1). */
static const char *allow_of(const struct api_route_def *r, struct api_resp *resp)
{
	const char *m[] = {r->get || r->get_text || r->get_call ? "GET" : NULL,
			   r->post ? "POST" : NULL, r->put ? "PUT" : NULL,
			   r->patch ? "PATCH" : NULL, r->del ? "DELETE" : NULL};
	size_t n = 0;
	resp->allow_buf[0] = '\0';
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (m[i] != NULL)
			n += (size_t)snprintf(resp->allow_buf + n, sizeof(resp->allow_buf) - n,
					      "%s%s", n ? ", " : "", m[i]);
	return resp->allow_buf;
}

static api_call_fn *call_handler(const struct api_route_def *r, const char *method)
{
	if (strcmp(method, "POST") == 0)
		return r->post;
	if (strcmp(method, "PATCH") == 0)
		return r->patch;
	if (strcmp(method, "PUT") == 0)
		return r->put;
	if (strcmp(method, "DELETE") == 0)
		return r->del;
	if (strcmp(method, "GET") == 0)
		return r->get_call;
	return NULL;
}

static json_t *route_forbidden(const struct api_ctx *ctx, const struct api_call *call,
			       enum api_role need, struct api_resp *resp)
{
	if (ctx->auth != NULL)
		api_audit_write(&ctx->auth->audit, "auth_failure", call->caller->actor,
				call->caller->source, call->method, call->path, 403,
				json_pack("{s:s, s:s, s:s}", "reason", "role", "role",
					  api_role_name(call->caller->role), "needs",
					  api_role_name(need)));
	resp->status = 403;
	return json_pack("{s:s, s:s, s:s}", "error", "forbidden: the role may not do this", "role",
			 api_role_name(call->caller->role), "needs", api_role_name(need));
}

static json_t *route_dispatch(const struct api_ctx *ctx, const struct api_call *call,
			      struct api_resp *resp, bool *acted)
{
	char arg[API_MAX_ARG];
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct api_route_def *r = &routes[i];
		if (!route_matches(r, call->path, arg))
			continue;
		enum api_role need = api_role_needed(call->method, r->admin);
		bool open = r->open && strcmp(call->method, "GET") == 0;
		if (!open && !api_role_allows(call->caller->role, need))
			return route_forbidden(ctx, call, need, resp);
		if (method_later(r, call->method)) {
			resp->status = 501;
			return json_pack("{s:s, s:s, s:s}", "error", "not implemented yet", "route",
					 r->path, "detail", r->why);
		}
		api_call_fn *fn = call_handler(r, call->method);
		if (fn != NULL) {
			*acted = strcmp(call->method, "GET") != 0;
			return fn(ctx, call, arg[0] ? arg : NULL, resp);
		}
		if (strcmp(call->method, "GET") == 0 && r->get_text != NULL) {
			if (r->get_text(ctx, resp) != 0)
				return NULL;
			return json_null(); /* the body is already in resp */
		}
		if (strcmp(call->method, "GET") == 0 && r->get != NULL)
			return r->get(ctx, arg[0] ? arg : NULL, &resp->status);
		resp->status = 405;
		resp->allow = allow_of(r, resp);
		return json_pack("{s:s, s:s, s:s}", "error", "method not allowed", "route", r->path,
				 "allow", resp->allow);
	}
	resp->status = 404;
	return json_pack("{s:s, s:s}", "error", "not found", "route", call->path);
}

/* The event a change made through the API is, by its route. */
static const char *change_event_type(const struct api_call *call)
{
	static const struct {
		const char *method, *prefix, *type;
	} types[] = {
	    {"PATCH", "/v1/parameters", "config.changed"},
	    {"POST", "/v1/tokens", "token.created"},
	    {"DELETE", "/v1/tokens/", "token.revoked"},
	    {"POST", "/v1/tls/reload", "tls.reloaded"},
	    {"POST", "/v1/snapshots/", "snapshot.restore_requested"},
	    {"POST", "/v1/snapshots", "snapshot.requested"},
	    {"DELETE", "/v1/snapshots/", "snapshot.deleted"},
	    {"PUT", "/v1/users/", "user.changed"},
	    {"DELETE", "/v1/users/", "user.deleted"},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(call->method, types[i].method) == 0 &&
		    strncmp(call->path, types[i].prefix, strlen(types[i].prefix)) == 0)
			return types[i].type;
	return "api.changed";
}

/* A change that was made is an event too; its detail is the audit line's. */
static void change_event(const struct api_ctx *ctx, const struct api_call *call,
			 const struct api_resp *resp, json_t *detail)
{
	if (ctx->events == NULL || resp->status < 200 || resp->status >= 300)
		return;
	api_events_emit(ctx->events, change_event_type(call),
			json_pack("{s:s, s:s, s:s, s:O?}", "actor", call->caller->actor, "method",
				  call->method, "path", call->path, "detail", detail));
}

/* Every request that tried to change something, done or refused. */
static void audit_change(const struct api_ctx *ctx, const struct api_call *call,
			 struct api_resp *resp)
{
	json_t *detail = resp->audit_detail;
	resp->audit_detail = NULL;
	change_event(ctx, call, resp, detail);
	if (ctx->auth == NULL) {
		json_decref(detail);
		return;
	}
	api_audit_write(&ctx->auth->audit,
			resp->status >= 200 && resp->status < 300 ? "change" : "change_refused",
			call->caller->actor, call->caller->source, call->method, call->path,
			resp->status, detail);
}

void api_route_call(const struct api_ctx *ctx, const struct api_call *call, struct api_resp *resp)
{
	bool acted = false;
	memset(resp, 0, sizeof(*resp));
	resp->content_type = API_CT_JSON;
	json_t *j = route_dispatch(ctx, call, resp, &acted);
	if (acted)
		audit_change(ctx, call, resp);
	json_decref(resp->audit_detail);
	resp->audit_detail = NULL;
	if (j != NULL && json_is_null(j) && resp->body != NULL)
		return; /* a text route filled the body */
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL) {
		static const char oom[] = "{\"error\":\"internal error\"}";
		free(resp->body);
		resp->status = 500;
		resp->allow = NULL;
		resp->content_type = API_CT_JSON;
		resp->extra[0] = '\0';
		s = strdup(oom);
	}
	resp->body = s;
	resp->len = s ? strlen(s) : 0;
}

void api_route(const struct api_ctx *ctx, const char *method, const char *path,
	       struct api_resp *resp)
{
	const struct api_caller admin = {.role = API_ROLE_ADMIN, .actor = "test", .source = "-"};
	const struct api_call call = {.method = method, .path = path, .caller = &admin};
	api_route_call(ctx, &call, resp);
}

void api_resp_fini(struct api_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}
