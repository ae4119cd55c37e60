/*
 * Management API server: HTTP/1.1 on a Unix stream socket, served from the
 * control plane's event loop. The socket's directory is created 0700 and
 * the socket itself 0600, so only root (the owner) can talk to it; every
 * request is logged with the peer's uid (SO_PEERCRED).
 *
 * Context: the control plane's event loop; nothing blocks (non-blocking
 * sockets, responses buffered until the peer reads them).
 */
#ifndef API_SERVER_H
#define API_SERVER_H

#include "api_route.h"
#include "cp_loop.h"

#define API_MAX_CONNS	    64
#define API_IDLE_TIMEOUT_MS 60000

struct api_server;

/**
 * Listen on @p path (removing a stale socket left by a dead process) and
 * serve @p ctx's routes on @p l.
 * @return 0, -EADDRINUSE (another process is serving there), -EEXIST (the
 *         path is not a socket), -ENAMETOOLONG, -errno.
 */
int api_server_create(struct api_server **out, struct cp_loop *l, const char *path,
		      const struct api_ctx *ctx);
/** Close every connection and remove the socket file. NULL-safe; clears the pointer. */
void api_server_destroy(struct api_server **s);

#endif
