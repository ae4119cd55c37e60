/* redwirectl: HTTP requests over a Unix socket (see ctl_http.h). */
#include "ctl_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "rw_buf.h"

static int sock_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct timeval tv = {.tv_sec = 5}; /* a wedged server must not hang the tool */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int read_all(int fd, struct rw_buf *b)
{
	for (;;) {
		if (rw_buf_reserve(b, 4096) != 0)
			return -ENOMEM;
		ssize_t n = recv(fd, b->data + b->len, 4096, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
	}
}

/* The server closes after answering (we asked it to), so the body is
 * everything after the head; Content-Length is not needed to frame it. */
static int parse_response(struct rw_buf *b, struct ctl_resp *resp)
{
	if (rw_buf_append(b, "", 1) != 0)
		return -ENOMEM;
	const char *s = (const char *)b->data;
	int status;
	if (sscanf(s, "HTTP/1.%*d %3d", &status) != 1)
		return -EPROTO;
	const char *body = strstr(s, "\r\n\r\n");
	if (body == NULL)
		return -EPROTO;
	body += 4;
	resp->status = status;
	/* ETag, for a PATCH's If-Match */
	for (const char *h = strstr(s, "\r\n"); h != NULL && h < body - 2;
	     h = strstr(h + 2, "\r\n"))
		if (strncasecmp(h + 2, "ETag:", 5) == 0) {
			const char *v = h + 7;
			while (*v == ' ')
				v++;
			size_t n = strcspn(v, "\r");
			snprintf(resp->etag, sizeof(resp->etag), "%.*s", (int)n, v);
		}
	resp->len = b->len - 1 - (size_t)(body - s);
	resp->body = strdup(body);
	return resp->body ? 0 : -ENOMEM;
}

int ctl_http_request(const char *sock, const char *method, const char *path, const char *body,
		     struct ctl_resp *resp)
{
	return ctl_http_request_hdr(sock, method, path, "", body, resp);
}

int ctl_http_request_hdr(const char *sock, const char *method, const char *path,
			 const char *headers, const char *body, struct ctl_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	int fd = sock_connect(sock);
	if (fd < 0)
		return fd;
	size_t blen = body ? strlen(body) : 0;
	char head[768];
	int n = snprintf(
	    head, sizeof(head),
	    "%s %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: redwirectl/%s\r\n"
	    "Accept: application/json\r\nConnection: close\r\n%s%s%zu\r\n\r\n",
	    method, path, RW_VERSION, headers,
	    body ? "Content-Type: application/json\r\nContent-Length: " : "Content-Length: ", blen);
	struct rw_buf b = {0};
	int rc = n > 0 && (size_t)n < sizeof(head) ? 0 : -EINVAL;
	if (rc == 0)
		rc = rw_buf_append(&b, head, (size_t)n);
	if (rc == 0 && blen > 0)
		rc = rw_buf_append(&b, body, blen);
	ssize_t sent = rc == 0 ? send(fd, b.data, b.len, MSG_NOSIGNAL) : -1;
	if (rc == 0 && sent != (ssize_t)b.len)
		rc = sent < 0 ? -errno : -EIO;
	b.len = 0;
	if (rc == 0)
		rc = read_all(fd, &b);
	if (rc == 0)
		rc = parse_response(&b, resp);
	rw_buf_fini(&b);
	close(fd);
	return rc;
}

int ctl_http_get(const char *sock, const char *path, struct ctl_resp *resp)
{
	return ctl_http_request(sock, "GET", path, NULL, resp);
}

void ctl_resp_fini(struct ctl_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
}
