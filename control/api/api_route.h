/*
 * Management API routes: maps (method, path) to a JSON response built from
 * the channel consumer's view of the dataplane. Versioned under /v1.
 *
 * Context: the control plane's event loop.
 */
#ifndef API_ROUTE_H
#define API_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "cp_chan.h"

struct api_ctx {
	const char *name;	/* redwire-name */
	uint64_t start_mono_ms; /* cp_now_ms() when the control plane started */
	struct cp_chan *chan;	/* NULL in tests: the dataplane is never attached */
};

struct api_resp {
	int status;
	const char *allow; /* for 405 */
	char *body;	   /* JSON, malloc'd */
	size_t len;
};

/** Answer @p method @p path. Always fills @p resp (500 if JSON cannot be built). */
void api_route(const struct api_ctx *ctx, const char *method, const char *path,
	       struct api_resp *resp);
/** Free the body. */
void api_resp_fini(struct api_resp *resp);

#endif
