/*
 * HTTP/1.1 request parsing and response framing (see api_http.h).
 * Section numbers refer to RFC 9112 (HTTP/1.1) and RFC 9110 (semantics).
 */
#include "api_http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static enum api_parse fail(struct api_http_req *req, int status)
{
	req->error_status = status;
	return API_PARSE_ERROR;
}

/* RFC 9110 §5.6.2: tchar, the characters of a method or field name. */
static bool is_tchar(char ch)
{
	return isalnum((unsigned char)ch) || (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static const char *find_crlf(const char *p, const char *end)
{
	for (; p + 1 < end; p++)
		if (p[0] == '\r' && p[1] == '\n')
			return p;
	return NULL;
}

/* RFC 9112 §3: method SP request-target SP HTTP-version */
static enum api_parse parse_request_line(const char *p, const char *eol, struct api_http_req *req)
{
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
	if (sp1 == NULL || sp1 == p || (size_t)(sp1 - p) >= sizeof(req->method))
		return fail(req, 400);
	for (const char *q = p; q < sp1; q++)
		if (!is_tchar(*q))
			return fail(req, 400);
	memcpy(req->method, p, (size_t)(sp1 - p));
	req->method[sp1 - p] = '\0';

	const char *target = sp1 + 1;
	const char *sp2 = memchr(target, ' ', (size_t)(eol - target));
	if (sp2 == NULL || sp2 == target || *target != '/')
		return fail(req, 400); /* origin-form only (§3.2.1) */
	const char *qmark = memchr(target, '?', (size_t)(sp2 - target));
	const char *path_end = qmark ? qmark : sp2;
	for (const char *q = target; q < sp2; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f || *q == '"' ||
		    *q == '\\')
			return fail(req, 400);
	if ((size_t)(path_end - target) >= sizeof(req->path))
		return fail(req, 414);
	memcpy(req->path, target, (size_t)(path_end - target));
	req->path[path_end - target] = '\0';
	if (qmark != NULL) {
		size_t ql = (size_t)(sp2 - qmark - 1);
		if (ql >= sizeof(req->query))
			return fail(req, 414);
		memcpy(req->query, qmark + 1, ql);
		req->query[ql] = '\0';
	}

	const char *ver = sp2 + 1;
	if (eol - ver != 8 || memcmp(ver, "HTTP/", 5) != 0 || !isdigit((unsigned char)ver[5]) ||
	    ver[6] != '.' || !isdigit((unsigned char)ver[7]))
		return fail(req, 400);
	if (ver[5] != '1')
		return fail(req, 505);
	req->minor = ver[7] - '0';
	/* §9.3: 1.1 persists unless told to close; 1.0 only when asked to keep alive */
	req->keep_alive = req->minor >= 1;
	return API_PARSE_OK;
}

static bool token_in_list(const char *v, size_t n, const char *token)
{
	size_t tl = strlen(token);
	for (size_t i = 0; i < n;) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, token, tl) == 0)
			return true;
	}
	return false;
}

static enum api_parse parse_content_length(const char *v, size_t n, struct api_http_req *req,
					   bool *seen)
{
	size_t cl = 0;
	if (n == 0 || n > 19)
		return fail(req, 400);
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return fail(req, 400);
		cl = cl * 10 + (size_t)(v[i] - '0');
	}
	if (*seen && cl != req->content_length)
		return fail(req, 400); /* §6.3: conflicting lengths are an error */
	*seen = true;
	req->content_length = cl;
	return cl > API_HTTP_MAX_BODY ? fail(req, 413) : API_PARSE_OK;
}

/* A field we keep: too long for its buffer is 431 (RFC 6585 §5). */
static enum api_parse copy_field(struct api_http_req *req, char *dst, size_t cap, const char *v,
				 size_t vl)
{
	if (vl >= cap)
		return fail(req, 431);
	memcpy(dst, v, vl);
	dst[vl] = '\0';
	return API_PARSE_OK;
}

/* RFC 9112 §5: field-name ":" OWS field-value OWS */
static enum api_parse parse_header(const char *p, const char *eol, struct api_http_req *req,
				   bool *cl_seen)
{
	const char *colon = memchr(p, ':', (size_t)(eol - p));
	if (colon == NULL || colon == p)
		return fail(req, 400);
	for (const char *q = p; q < colon; q++)
		if (!is_tchar(*q))
			return fail(req, 400); /* includes whitespace before the colon (§5.1) */
	const char *v = colon + 1, *ve = eol;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	size_t nl = (size_t)(colon - p), vl = (size_t)(ve - v);
	if (nl == 14 && strncasecmp(p, "content-length", nl) == 0)
		return parse_content_length(v, vl, req, cl_seen);
	if (nl == 17 && strncasecmp(p, "transfer-encoding", nl) == 0)
		return fail(req, 501);
	if (nl == 13 && strncasecmp(p, "authorization", nl) == 0)
		return copy_field(req, req->authorization, sizeof(req->authorization), v, vl);
	if (nl == 8 && strncasecmp(p, "if-match", nl) == 0) {
		req->has_if_match = true;
		return copy_field(req, req->if_match, sizeof(req->if_match), v, vl);
	}
	if (nl == 13 && strncasecmp(p, "last-event-id", nl) == 0)
		return copy_field(req, req->last_event_id, sizeof(req->last_event_id), v, vl);
	if (nl == 10 && strncasecmp(p, "connection", nl) == 0) {
		if (token_in_list(v, vl, "close"))
			req->keep_alive = false;
		else if (token_in_list(v, vl, "keep-alive"))
			req->keep_alive = true;
	}
	return API_PARSE_OK;
}

enum api_parse api_http_parse(const char *buf, size_t len, struct api_http_req *req)
{
	memset(req, 0, sizeof(*req));
	const char *p = buf, *end = buf + len;
	/* §2.2: ignore at least one empty line before the request line */
	while (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
		p += 2;
	const char *eol = find_crlf(p, end);
	if (eol == NULL)
		return len > API_HTTP_MAX_HEAD ? fail(req, 431) : API_PARSE_INCOMPLETE;
	enum api_parse rc = parse_request_line(p, eol, req);
	if (rc != API_PARSE_OK)
		return rc;
	bool cl_seen = false;
	for (p = eol + 2;; p = eol + 2) {
		eol = find_crlf(p, end);
		if (eol == NULL)
			return len > API_HTTP_MAX_HEAD ? fail(req, 431) : API_PARSE_INCOMPLETE;
		if (eol == p)
			break; /* the empty line ending the header section */
		if (*p == ' ' || *p == '\t')
			return fail(req, 400); /* §5.2: obsolete line folding */
		rc = parse_header(p, eol, req, &cl_seen);
		if (rc != API_PARSE_OK)
			return rc;
	}
	size_t head = (size_t)(eol + 2 - buf);
	if (head > API_HTTP_MAX_HEAD)
		return fail(req, 431);
	if (len - head < req->content_length)
		return API_PARSE_INCOMPLETE;
	req->body = buf + head;
	req->total_bytes = head + req->content_length;
	return API_PARSE_OK;
}

const char *api_http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 409:
		return "Conflict";
	case 412:
		return "Precondition Failed";
	case 415:
		return "Unsupported Media Type";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

int api_http_respond_ex(struct rw_buf *out, int status, const char *content_type, const char *extra,
			const char *body, size_t body_len, bool keep_alive)
{
	char head[896];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nCache-Control: no-store\r\n%s%s\r\n",
			 status, api_http_reason(status),
			 content_type ? content_type : "application/json", body_len,
			 extra ? extra : "", keep_alive ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= sizeof(head) || (extra != NULL && strlen(extra) >= 512))
		return -EINVAL;
	int rc = rw_buf_append(out, head, (size_t)n);
	return rc != 0 ? rc : rw_buf_append(out, body, body_len);
}

int api_http_respond(struct rw_buf *out, int status, const char *content_type, const char *allow,
		     const char *body, size_t body_len, bool keep_alive)
{
	char extra[160];
	if (allow != NULL) {
		int n = snprintf(extra, sizeof(extra), "Allow: %s\r\n", allow);
		if (n < 0 || (size_t)n >= sizeof(extra))
			return -EINVAL;
	}
	return api_http_respond_ex(out, status, content_type, allow ? extra : NULL, body, body_len,
				   keep_alive);
}

int api_http_stream_head(struct rw_buf *out, const char *content_type)
{
	char head[256];
	/* X-Accel-Buffering: a reverse proxy in front must not hold events back */
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nCache-Control: no-store\r\n"
			 "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n",
			 content_type);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -EINVAL;
	return rw_buf_append(out, head, (size_t)n);
}
