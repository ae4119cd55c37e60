/*
 * Minimal HTTP/1.1 for the management API (RFC 9112): an incremental
 * request parser and a response writer. Enough for a local API over a
 * Unix socket: request line, header fields, a Content-Length body,
 * persistent connections. Chunked request bodies are refused (501).
 *
 * Context: the control plane's event loop; pure functions, no I/O.
 */
#ifndef API_HTTP_H
#define API_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "rw_buf.h"

#define API_HTTP_MAX_HEAD 8192		/* request line + headers */
#define API_HTTP_MAX_BODY (1024 * 1024) /* request body */
#define API_HTTP_MAX_PATH 256
#define API_HTTP_MAX_AUTH 512 /* a longer Authorization field is 431 */
#define API_HTTP_MAX_ETAG 128

enum api_parse {
	API_PARSE_OK,
	API_PARSE_INCOMPLETE,
	API_PARSE_ERROR,
};

struct api_http_req {
	char method[16];
	char path[API_HTTP_MAX_PATH];  /* without the query string */
	char query[API_HTTP_MAX_PATH]; /* after '?', "" if none */
	int minor;		       /* HTTP/1.<minor> */
	bool keep_alive;
	size_t content_length;
	char authorization[API_HTTP_MAX_AUTH]; /* Authorization field, "" if absent */
	char if_match[API_HTTP_MAX_ETAG];      /* If-Match field (RFC 9110 §13.1.1) */
	bool has_if_match;
	char last_event_id[32]; /* Last-Event-ID (SSE), "" if absent */
	const char *body;	/* points into the parsed buffer */
	size_t total_bytes;	/* head + body: what to consume once handled */
	int error_status;	/* on API_PARSE_ERROR: the status to answer with */
};

/**
 * Parse one request from the start of @p buf.
 * @return API_PARSE_OK (req filled), API_PARSE_INCOMPLETE (need more bytes),
 *         API_PARSE_ERROR (req->error_status: 400, 413, 414, 431, 501, 505).
 *         Only the fields the API acts on are kept: Content-Length,
 *         Connection, Authorization, If-Match, Last-Event-ID.
 */
enum api_parse api_http_parse(const char *buf, size_t len, struct api_http_req *req);

/** Reason phrase of @p status ("Unknown" if not one we send). */
const char *api_http_reason(int status);

/**
 * Append a complete response to @p out. @p content_type NULL means
 * application/json. @p allow, if not NULL, is sent as the Allow field
 * (RFC 9110 §15.5.6: required with 405).
 * @return 0, -ENOMEM, -EINVAL (allow or content type too long).
 */
int api_http_respond(struct rw_buf *out, int status, const char *content_type, const char *allow,
		     const char *body, size_t body_len, bool keep_alive);

/**
 * As api_http_respond(), with @p extra (NULL or "Name: value\r\n" lines,
 * under 512 bytes) sent as further header fields: ETag, Retry-After,
 * WWW-Authenticate, Allow.
 * @return 0, -ENOMEM, -EINVAL (a field too long).
 */
int api_http_respond_ex(struct rw_buf *out, int status, const char *content_type, const char *extra,
			const char *body, size_t body_len, bool keep_alive);

/**
 * Append the head of a response whose body has no length and runs until
 * the connection closes (a server-sent-events stream, RFC 9112 §6.3 rule
 * 8): 200, @p content_type, no Content-Length, Connection: close.
 * @return 0 or -ENOMEM.
 */
int api_http_stream_head(struct rw_buf *out, const char *content_type);

#endif
