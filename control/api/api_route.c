/*
 * Management API routes (see api_route.h). JSON is built with jansson, so
 * escaping is never hand-rolled. Counters are JSON integers; the dataplane
 * epoch is a 16-digit hex string because a 64-bit value does not survive a
 * JavaScript number.
 */
#include "api_route.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RW_VERSION
#define RW_VERSION "0.0.0"
#endif

typedef json_t *api_handler_fn(const struct api_ctx *ctx, int *status);

struct api_route_def {
	const char *path;
	api_handler_fn *get;
};

/* Routes that will exist; answered 501 until their issues land. */
static const char *const future_routes[] = {
    "/v1/parameters", "/v1/users",  "/v1/snapshots", "/v1/replication",
    "/v1/failover",   "/v1/events", "/v1/tasks",     "/v1/support-bundle",
};

static void chan_status(const struct api_ctx *ctx, struct cp_chan_status *st)
{
	if (ctx->chan != NULL)
		cp_chan_status(ctx->chan, st);
	else
		memset(st, 0, sizeof(*st));
}

static bool worker_get(const struct api_ctx *ctx, uint32_t w, struct cp_chan_worker_status *ws)
{
	return ctx->chan != NULL && cp_chan_worker(ctx->chan, w, ws) == 0;
}

static json_t *stats_object(const struct chan_worker_stats *s)
{
	const uint64_t *v = (const uint64_t *)s;
	json_t *o = json_object();
	for (size_t i = 0; i < chan_worker_stat_count; i++)
		json_object_set_new(o, chan_worker_stat_names[i], json_integer((json_int_t)v[i]));
	return o;
}

static json_t *dataplane_object(const struct cp_chan_status *st)
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

static json_t *route_status(const struct api_ctx *ctx, int *status)
{
	struct cp_chan_status st;
	struct cp_chan_worker_status ws;
	uint64_t conns = 0, cmds = 0, received = 0;
	chan_status(ctx, &st);
	json_t *workers = json_array();
	for (uint32_t w = 0; w < st.n_workers && worker_get(ctx, w, &ws); w++) {
		conns += ws.stats.tcp_conns_current;
		cmds += ws.stats.commands;
		received += ws.stats.commands_received;
		json_array_append_new(workers, worker_object(w, &ws));
	}
	*status = 200;
	return json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I}}", "role",
			 "master", "name", ctx->name, "version", RW_VERSION, "uptime_seconds",
			 (json_int_t)((cp_now_ms() - ctx->start_mono_ms) / 1000), "dataplane",
			 dataplane_object(&st), "workers", workers, "totals", "connections_current",
			 (json_int_t)conns, "commands", (json_int_t)cmds, "commands_received",
			 (json_int_t)received, "journal_records_consumed",
			 (json_int_t)st.jrnl_records, "journal_bytes_consumed",
			 (json_int_t)st.jrnl_bytes);
}

static json_t *route_stats(const struct api_ctx *ctx, int *status)
{
	struct cp_chan_status st;
	struct cp_chan_worker_status ws;
	struct chan_worker_stats sum = {0};
	chan_status(ctx, &st);
	json_t *workers = json_array();
	for (uint32_t w = 0; w < st.n_workers && worker_get(ctx, w, &ws); w++) {
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

static json_t *route_live(const struct api_ctx *ctx, int *status)
{
	(void)ctx;
	*status = 200;
	return json_pack("{s:s}", "status", "live");
}

static json_t *route_ready(const struct api_ctx *ctx, int *status)
{
	struct cp_chan_status st;
	chan_status(ctx, &st);
	bool ready = st.attached && st.alive;
	const char *why = !st.attached ? "dataplane not attached"
			  : !st.alive  ? "dataplane heartbeat stale"
				       : "ok";
	*status = ready ? 200 : 503;
	return json_pack("{s:b, s:s}", "ready", ready, "reason", why);
}

static const struct api_route_def routes[] = {
    {"/v1/status", route_status},
    {"/v1/stats", route_stats},
    {"/v1/health/live", route_live},
    {"/v1/health/ready", route_ready},
};

static bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static json_t *route_dispatch(const struct api_ctx *ctx, const char *method, const char *path,
			      struct api_resp *resp)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path) != 0)
			continue;
		if (strcmp(method, "GET") == 0)
			return routes[i].get(ctx, &resp->status);
		resp->status = 405;
		resp->allow = "GET";
		return json_pack("{s:s, s:s, s:s}", "error", "method not allowed", "route", path,
				 "allow", "GET");
	}
	for (size_t i = 0; i < sizeof(future_routes) / sizeof(future_routes[0]); i++) {
		if (path_under(path, future_routes[i])) {
			resp->status = 501;
			return json_pack("{s:s, s:s}", "error", "not implemented yet", "route",
					 future_routes[i]);
		}
	}
	resp->status = 404;
	return json_pack("{s:s, s:s}", "error", "not found", "route", path);
}

void api_route(const struct api_ctx *ctx, const char *method, const char *path,
	       struct api_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	json_t *j = route_dispatch(ctx, method, path, resp);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL) {
		static const char oom[] = "{\"error\":\"internal error\"}";
		resp->status = 500;
		resp->allow = NULL;
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
