/*
 * Management API routes (see api_route.h). JSON is built with jansson, so
 * escaping is never hand-rolled. Counters are JSON integers; the dataplane
 * epoch is a 16-digit hex string because a 64-bit value does not survive a
 * JavaScript number.
 *
 * The route table below is the one list of what the API serves; the
 * OpenAPI file (openapi.yaml) describes exactly these paths, and
 * test_cpapi_openapi.c fails when the two drift apart.
 */
#include "api_route.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

#ifndef RW_VERSION
#define RW_VERSION "0.0.0"
#endif

#define API_MAX_ARG 128

struct api_route_def {
	const char *path;      /* "{x}" matches one non-empty segment */
	api_json_fn *get;      /* GET answered with JSON */
	api_text_fn *get_text; /* GET answered with another media type */
	const char *later;     /* methods answered 501 until their issue lands ("*": all) */
	const char *why;       /* the 501 body's detail */
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
	(void)arg;
	api_chan_status(ctx, &st);
	json_t *workers = json_array();
	for (uint32_t w = 0; w < st.n_workers && api_chan_worker(ctx, w, &ws); w++) {
		const uint64_t *v = (const uint64_t *)&ws.stats;
		uint64_t *t = (uint64_t *)&sum;
		for (size_t i = 0; i < chan_worker_stat_count; i++)
			t[i] += v[i]; /* readers sum the per-worker single-writer counters */
		json_t *o = stats_object(&ws.stats);
		json_object_set_new(o, "worker", json_integer(w));
		json_array_append_new(workers, o);
	}
	*status = 200;
	return json_pack("{s:b, s:o, s:o}", "attached", st.attached, "workers", workers, "totals",
			 stats_object(&sum));
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

static const struct api_route_def routes[] = {
    {"/metrics", NULL, api_metrics, NULL, NULL},
    {"/v1/openapi.yaml", NULL, route_openapi, NULL, NULL},
    {"/v1/status", route_status, NULL, NULL, NULL},
    {"/v1/stats", route_stats, NULL, NULL, NULL},
    {"/v1/health/live", route_live, NULL, NULL, NULL},
    {"/v1/health/ready", route_ready, NULL, NULL, NULL},
    {"/v1/appliance", api_appliance, NULL, NULL, NULL},
    {"/v1/parameters", api_params_list, NULL, "PATCH", "run-time CONFIG SET arrives with issue #4"},
    {"/v1/parameters/{name}", api_params_one, NULL, "PATCH",
     "run-time CONFIG SET arrives with issue #4"},
    /* Routes that will exist; every method (and every path below them) answers 501. */
    {"/v1/users", NULL, NULL, "*", "users arrive with the management issue (#8)"},
    {"/v1/snapshots", NULL, NULL, "*", "snapshots arrive with the persistence issue"},
    {"/v1/replication", NULL, NULL, "*", "replication arrives with its issue"},
    {"/v1/failover", NULL, NULL, "*", "failover arrives with its issue"},
    {"/v1/events", NULL, NULL, "*", "events arrive with the management issue (#8)"},
    {"/v1/tasks", NULL, NULL, "*", "tasks arrive with the management issue (#8)"},
    {"/v1/support-bundle", NULL, NULL, "*", "the support bundle arrives with issue #8"},
};

const char *api_route_path(size_t i)
{
	return i < sizeof(routes) / sizeof(routes[0]) ? routes[i].path : NULL;
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

static bool route_matches(const struct api_route_def *r, const char *path, char *arg)
{
	arg[0] = '\0';
	if (r->get == NULL && r->get_text == NULL)
		return path_under(path, r->path);
	return path_match(r->path, path, arg, API_MAX_ARG);
}

static bool method_later(const struct api_route_def *r, const char *method)
{
	return r->later != NULL && (strcmp(r->later, "*") == 0 || strcmp(r->later, method) == 0);
}

static json_t *route_dispatch(const struct api_ctx *ctx, const char *method, const char *path,
			      struct api_resp *resp)
{
	char arg[API_MAX_ARG];
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct api_route_def *r = &routes[i];
		if (!route_matches(r, path, arg))
			continue;
		if (method_later(r, method)) {
			resp->status = 501;
			return json_pack("{s:s, s:s, s:s}", "error", "not implemented yet", "route",
					 r->path, "detail", r->why);
		}
		if (strcmp(method, "GET") == 0 && r->get_text != NULL) {
			if (r->get_text(ctx, resp) != 0)
				return NULL;
			return json_null(); /* the body is already in resp */
		}
		if (strcmp(method, "GET") == 0)
			return r->get(ctx, arg[0] ? arg : NULL, &resp->status);
		resp->status = 405;
		resp->allow = "GET";
		return json_pack("{s:s, s:s, s:s}", "error", "method not allowed", "route", r->path,
				 "allow", "GET");
	}
	resp->status = 404;
	return json_pack("{s:s, s:s}", "error", "not found", "route", path);
}

void api_route(const struct api_ctx *ctx, const char *method, const char *path,
	       struct api_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->content_type = API_CT_JSON;
	json_t *j = route_dispatch(ctx, method, path, resp);
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
		s = strdup(oom);
	}
	resp->body = s;
	resp->len = s ? strlen(s) : 0;
}

void api_resp_fini(struct api_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}
