/*
 * Management API server: HTTP/1.1 on a Unix stream socket, and over HTTPS
 * on the management address, served from the control plane's event loop.
 *
 * The Unix socket's directory is created 0700 and the socket itself 0600,
 * so only root (the owner) can talk to it: its callers act as admin, and
 * every request is logged with the peer's uid (SO_PEERCRED).
 *
 * The HTTPS listener (api_tls.h) serves the same routes; every request on
 * it is authenticated first (api_auth.h: bearer token or client
 * certificate, rate-limited, audited) and checked against its role. TLS
 * handshakes, reads and writes are non-blocking, driven by the loop.
 *
 * Context: the control plane's event loop; nothing blocks (non-blocking
 * sockets, responses buffered until the peer reads them).
 */
#ifndef API_SERVER_H
#define API_SERVER_H

#include "api_route.h"
#include "cp_loop.h"

#define API_MAX_CONNS 64
/* clients beyond API_MAX_CONNS wait here, not refused (100 concurrent
 * consoles and scrapers fit with room to spare) */
#define API_BACKLOG	    512
#define API_IDLE_TIMEOUT_MS 60000
/* A TLS handshake not done by then is dropped: idle half-open connections
 * must not hold the HTTPS listener's slots for a minute each. */
#define API_HANDSHAKE_TIMEOUT_MS 10000

struct api_server;

/**
 * Listen on @p path (removing a stale socket left by a dead process) and
 * serve @p ctx's routes on @p l.
 * @return 0, -EADDRINUSE (another process is serving there), -EEXIST (the
 *         path is not a socket), -ENAMETOOLONG, -errno.
 */
int api_server_create(struct api_server **out, struct cp_loop *l, const char *path,
		      const struct api_ctx *ctx);
/**
 * Listen on @p address ("IPv4:port", "[IPv6]:port") with TLS @p tls (not
 * owned) and serve @p ctx's routes, authenticated by @p ctx->auth.
 * @return 0, -EINVAL (bad address, no auth), -EADDRINUSE, -errno.
 */
int api_server_create_https(struct api_server **out, struct cp_loop *l, const char *address,
			    struct api_tls *tls, const struct api_ctx *ctx);
/** Close every connection and remove the socket file. NULL-safe; clears the pointer. */
void api_server_destroy(struct api_server **s);

#endif
