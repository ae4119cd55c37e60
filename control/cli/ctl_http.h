/*
 * redwirectl's HTTP client: one request over the management API's Unix
 * socket, one request per connection (Connection: close).
 *
 * Context: redwirectl, blocking.
 */
#ifndef CTL_HTTP_H
#define CTL_HTTP_H

#include <stddef.h>

struct ctl_resp {
	int status;
	char *body; /* NUL-terminated, malloc'd */
	size_t len;
	char etag[64]; /* the ETag header, "" if none */
};

/**
 * GET @p path from the API at Unix socket @p sock.
 * @return 0 (resp filled; free with ctl_resp_fini), -errno from
 *         socket/connect/send/recv, -EPROTO (not an HTTP response).
 */
int ctl_http_get(const char *sock, const char *path, struct ctl_resp *resp);
/** @p method @p path with a JSON @p body (NULL: none); returns as ctl_http_get(). */
int ctl_http_request(const char *sock, const char *method, const char *path, const char *body,
		     struct ctl_resp *resp);
/** As ctl_http_request(), with @p headers ("Name: value\r\n"..., or "") added. */
int ctl_http_request_hdr(const char *sock, const char *method, const char *path,
			 const char *headers, const char *body, struct ctl_resp *resp);
void ctl_resp_fini(struct ctl_resp *resp);

#endif
