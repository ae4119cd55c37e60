/*
 * Private to control/api: the handler signatures of the route table and the
 * handlers that live outside api_route.c (one file per resource).
 *
 * Context: the control plane's event loop.
 */
#ifndef API_INTERNAL_H
#define API_INTERNAL_H

#include <jansson.h>

#include "api_route.h"

/*
 * A JSON route. @p arg is the path's {parameter} segment (NULL for a fixed
 * path). @return the body (NULL: out of memory) with *status set.
 */
typedef json_t *api_json_fn(const struct api_ctx *ctx, const char *arg, int *status);
/*
 * A route with another media type: sets resp->status, content_type, body
 * and len. @return 0 or -ENOMEM.
 */
typedef int api_text_fn(const struct api_ctx *ctx, struct api_resp *resp);

/*
 * A route that acts (POST, PATCH, DELETE): sets resp->status (and may set
 * resp->extra, resp->audit_detail). @return the JSON body (NULL: out of
 * memory).
 */
typedef json_t *api_call_fn(const struct api_ctx *ctx, const struct api_call *call, const char *arg,
			    struct api_resp *resp);

/* {"error": @p msg} with @p status; the body of most 4xx answers. */
json_t *api_error(struct api_resp *resp, int status, const char *msg);

/* The control channel's view, or all zeroes when there is no channel. */
void api_chan_status(const struct api_ctx *ctx, struct cp_chan_status *st);
bool api_chan_worker(const struct api_ctx *ctx, uint32_t w, struct cp_chan_worker_status *ws);
uint64_t api_uptime_seconds(const struct api_ctx *ctx);
/* {attached, alive, pid, epoch, workers, ...} of /v1/status and /v1/appliance. */
json_t *api_dataplane_object(const struct cp_chan_status *st);

/* api_users.c: /v1/users (the dataplane's ACL users). */
json_t *api_users_list(const struct api_ctx *ctx, const char *arg, int *status);
api_call_fn api_users_get, api_users_put, api_users_delete;

/* api_params.c: GET /v1/parameters and /v1/parameters/{name}. */
json_t *api_params_list(const struct api_ctx *ctx, const char *arg, int *status);
json_t *api_params_one(const struct api_ctx *ctx, const char *arg, int *status);
/** Is @p name a secret of the config table (its values are never shown)? */
bool api_param_secret(const char *name);
/* GET /v1/parameters/{name} with its ETag; PATCH guarded by If-Match. */
json_t *api_params_get_one(const struct api_ctx *ctx, const struct api_call *call, const char *arg,
			   struct api_resp *resp);
/* GET /v1/parameters with the collection's ETag; PATCH several, all or none. */
json_t *api_params_get_list(const struct api_ctx *ctx, const struct api_call *call, const char *arg,
			    struct api_resp *resp);
json_t *api_params_patch_many(const struct api_ctx *ctx, const struct api_call *call,
			      const char *arg, struct api_resp *resp);
json_t *api_params_patch(const struct api_ctx *ctx, const struct api_call *call, const char *arg,
			 struct api_resp *resp);

/* api_tokens.c: /v1/tokens (admin) and POST /v1/tls/reload (admin). */
json_t *api_tokens_route_list(const struct api_ctx *ctx, const char *arg, int *status);
json_t *api_tokens_route_create(const struct api_ctx *ctx, const struct api_call *call,
				const char *arg, struct api_resp *resp);
json_t *api_tokens_route_revoke(const struct api_ctx *ctx, const struct api_call *call,
				const char *arg, struct api_resp *resp);
json_t *api_tls_reload_route(const struct api_ctx *ctx, const struct api_call *call,
			     const char *arg, struct api_resp *resp);

/* api_metrics.c: GET /metrics, the Prometheus text exposition format 0.0.4. */
int api_metrics(const struct api_ctx *ctx, struct api_resp *resp);
/* Resident bytes of process @p pid (<proc_root>/proc/PID/statm); 0 if unreadable. */
uint64_t api_dataplane_rss_bytes(const struct api_ctx *ctx, int32_t pid);

/* api_support.c: GET /v1/support-bundle (admin), secrets redacted. */
int api_support_bundle(const struct api_ctx *ctx, struct api_resp *resp);

/* api_snap.c: /v1/snapshots (POST: operator; restore: admin). */
json_t *api_snaps_route_list(const struct api_ctx *ctx, const char *arg, int *status);
json_t *api_snaps_route_one(const struct api_ctx *ctx, const char *arg, int *status);
json_t *api_snaps_route_create(const struct api_ctx *ctx, const struct api_call *call,
			       const char *arg, struct api_resp *resp);
json_t *api_snaps_route_delete(const struct api_ctx *ctx, const struct api_call *call,
			       const char *arg, struct api_resp *resp);
json_t *api_snaps_route_restore(const struct api_ctx *ctx, const struct api_call *call,
				const char *arg, struct api_resp *resp);

/* api_events.c: GET /v1/events?since=ID and the SSE stream /v1/events/stream. */
json_t *api_events_route_list(const struct api_ctx *ctx, const struct api_call *call,
			      const char *arg, struct api_resp *resp);
json_t *api_events_route_stream(const struct api_ctx *ctx, const struct api_call *call,
				const char *arg, struct api_resp *resp);

/* api_board.c: what the dataplane publishes on its board (chan_board.h). */
#include "chan_board.h"
/*
 * Copy the board of the attached dataplane into @p out.
 * @return 0, -ENOENT (no configuration: tests), -ENOTCONN (not attached),
 *         -ESTALE (a board of an earlier run), -EPROTO, -EAGAIN, -errno.
 */
int api_board_get(const struct api_ctx *ctx, struct chan_board *out);
/* GET /v1/commands and GET /v1/slowlog; 503 without a board. */
json_t *api_board_commands(const struct api_ctx *ctx, const char *arg, int *status);
json_t *api_board_slowlog(const struct api_ctx *ctx, const char *arg, int *status);

/* api_console.c: the web console's page and assets (no credentials needed). */
int api_console_page(const struct api_ctx *ctx, struct api_resp *resp);
int api_console_js(const struct api_ctx *ctx, struct api_resp *resp);
int api_console_css(const struct api_ctx *ctx, struct api_resp *resp);

/* api_appliance.c: GET /v1/appliance. */
json_t *api_appliance(const struct api_ctx *ctx, const char *arg, int *status);

/*
 * Hugepages per size, from <proc_root>/proc/meminfo (the default size) and
 * <proc_root>/sys/kernel/mm/hugepages (every size). Exposed for tests.
 * @return a JSON array of {size_kb, total, free, default}; never NULL
 *         unless out of memory.
 */
json_t *api_hugepages(const char *proc_root);

#endif
