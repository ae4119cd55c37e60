/*
 * Management API routes: maps (method, path) to a response built from the
 * channel consumer's view of the dataplane and the configuration. Versioned
 * under /v1; the Prometheus exposition is at /metrics. Every route is in
 * one table (api_route.c) and in control/api/openapi.yaml; a unit test
 * keeps the two equal.
 *
 * Context: the control plane's event loop.
 */
#ifndef API_ROUTE_H
#define API_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "api_role.h"
#include "config.h"
#include "cp_chan.h"

struct api_auth;
struct api_tls;
struct api_tasks;
struct api_snaps;
struct api_events;

struct api_ctx {
	const char *name;	     /* redwire-name */
	uint64_t start_mono_ms;	     /* cp_now_ms() when the control plane started */
	struct cp_chan *chan;	     /* NULL in tests: the dataplane is never attached */
	const struct rw_config *cfg; /* NULL: /v1/parameters lists no values */
	const char *mgmt_socket;     /* the socket this API is served on */
	struct api_auth *auth;	     /* tokens, limits, audit; NULL: token routes answer 503 */
	struct api_tls *tls;	     /* the HTTPS listener's TLS; NULL: not serving HTTPS */
	const char *proc_root;	     /* "" normally; a fixture tree in tests */
	struct api_tasks *tasks;     /* long jobs; NULL: /v1/tasks lists none */
	struct api_snaps *snaps;     /* snapshot files; NULL: /v1/snapshots answers 503 */
	struct api_events *events;   /* event history; NULL: /v1/events lists none */
};

#define API_CT_JSON	    "application/json"
#define API_CT_PROMETHEUS   "text/plain; version=0.0.4; charset=utf-8"
#define API_CT_YAML	    "application/yaml"
#define API_CT_EVENT_STREAM "text/event-stream"
#define API_CT_HTML	    "text/html; charset=utf-8"
#define API_CT_JS	    "text/javascript; charset=utf-8"
#define API_CT_CSS	    "text/css; charset=utf-8"

struct api_resp {
	int status;
	const char *allow;	  /* for 405 */
	const char *content_type; /* API_CT_JSON unless a route says otherwise */
	char *body;		  /* malloc'd */
	size_t len;
	char extra[384]; /* further header lines ("ETag: ...\r\n"), "" for none */
	char allow_buf[48];
	void *audit_detail; /* json_t *: what a change did, for its audit line */
	bool stream;	    /* the body opens a server-sent-events stream (no length) */
};

/* One request as a route sees it. */
struct api_call {
	const char *method;
	const char *path;
	const char *body; /* request body (not NUL-terminated), len bytes */
	size_t body_len;
	const char *if_match;	   /* If-Match field, NULL when absent */
	const char *query;	   /* the request target's query ("since=3"), NULL when absent */
	const char *last_event_id; /* Last-Event-ID field (SSE resume), NULL when absent */
	const struct api_caller *caller;
};

/**
 * Answer @p call: role check (403, audited), then the route. A change
 * (PATCH, POST, DELETE that succeeds) is audited. Always fills @p resp (500
 * if the body cannot be built).
 */
void api_route_call(const struct api_ctx *ctx, const struct api_call *call, struct api_resp *resp);
/** api_route_call() as admin with no body: the Unix socket's view, for tests. */
void api_route(const struct api_ctx *ctx, const char *method, const char *path,
	       struct api_resp *resp);
/** Free the body. */
void api_resp_fini(struct api_resp *resp);

/**
 * Is @p method @p path one of the routes served without credentials (the
 * web console's static page and assets, GET only)? The HTTPS listener
 * skips authentication for them; nothing else is open.
 */
bool api_route_open(const char *method, const char *path);

/**
 * The route table as the OpenAPI file spells it ("/v1/parameters/{name}"),
 * for the test that compares the two. @return the @p i-th path, NULL past
 * the end.
 */
const char *api_route_path(size_t i);

/** The OpenAPI description served at /v1/openapi.yaml (embedded at build time). */
extern const unsigned char api_openapi_yaml[];
extern const size_t api_openapi_yaml_len;

#endif
