/* Management API server on a Unix socket (see api_server.h). */
#include "api_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api_http.h"
#include "rw_log.h"
#include "rw_buf.h"

#define READ_CHUNK 4096

struct api_conn {
	int fd;
	uid_t uid;
	bool closing; /* close once `out` is flushed */
	uint64_t last_ms;
	struct rw_buf in;
	struct rw_buf out;
	struct api_server *srv;
};

struct api_server {
	struct cp_loop *loop;
	int fd;
	int sweep_timer;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct api_ctx ctx;
	struct api_conn *conns[API_MAX_CONNS];
};

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* mkdir -p the socket's parent; only a directory we create gets 0700, so a
 * socket configured in a shared directory (say /tmp) leaves it alone. */
static int dir_create(const char *sock_path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof(dir), "%s", sock_path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		bool last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(dir, last ? 0700 : 0755) != 0 && errno != EEXIST)
			return -errno;
		if (last)
			return 0;
		*p = '/';
	}
}

/* A socket file left by a dead process refuses connections: remove it.
 * One that accepts belongs to a live control plane: refuse to start. */
static int stale_remove(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ? -EADDRINUSE : 0;
	close(fd);
	if (rc == 0 && unlink(path) != 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

static void conn_close(struct api_conn *c)
{
	struct api_server *s = c->srv;
	for (int i = 0; i < API_MAX_CONNS; i++)
		if (s->conns[i] == c)
			s->conns[i] = NULL;
	cp_loop_del(s->loop, c->fd);
	close(c->fd);
	rw_buf_fini(&c->in);
	rw_buf_fini(&c->out);
	free(c);
}

/* Write what we can; wait for EPOLLOUT for the rest. @return false if closed. */
static bool conn_flush(struct api_conn *c)
{
	while (c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_close(c);
			return false;
		}
		rw_buf_consume(&c->out, (size_t)n);
	}
	if (c->out.len == 0 && c->closing) {
		conn_close(c);
		return false;
	}
	cp_loop_mod(c->srv->loop, c->fd, c->out.len ? EPOLLIN | EPOLLOUT : EPOLLIN);
	return true;
}

static void log_request(const struct api_conn *c, const char *method, const char *path, int status,
			uint64_t start_us)
{
	char qpath[API_HTTP_MAX_PATH + 8];
	rw_log_kv(status == 500 ? RW_LOG_WARN : RW_LOG_INFO, "cp.api", "request",
		  "method=%s path=%s status=%d duration_us=%llu uid=%d", method[0] ? method : "-",
		  rw_log_quote(qpath, sizeof(qpath), path[0] ? path : "-"), status,
		  (unsigned long long)(mono_us() - start_us), (int)c->uid);
}

/* Handle every complete request in `in` (pipelining keeps order). */
static void conn_serve(struct api_conn *c)
{
	struct api_http_req req;
	while (!c->closing && c->in.len > 0) {
		uint64_t t0 = mono_us();
		enum api_parse pr = api_http_parse((const char *)c->in.data, c->in.len, &req);
		if (pr == API_PARSE_INCOMPLETE)
			return;
		struct api_resp resp = {0};
		if (pr == API_PARSE_ERROR) {
			char body[96];
			int n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}",
					 api_http_reason(req.error_status));
			api_http_respond(&c->out, req.error_status, NULL, NULL, body, (size_t)n,
					 false);
			c->closing = true; /* the stream cannot be resynchronised */
			log_request(c, req.method, req.path, req.error_status, t0);
			return;
		}
		api_route(&c->srv->ctx, req.method, req.path, &resp);
		if (api_http_respond(&c->out, resp.status, resp.content_type, resp.allow, resp.body,
				     resp.len, req.keep_alive) != 0 ||
		    !req.keep_alive)
			c->closing = true;
		log_request(c, req.method, req.path, resp.status, t0);
		api_resp_fini(&resp);
		rw_buf_consume(&c->in, req.total_bytes);
	}
}

static void conn_io(struct cp_loop *l, int fd, uint32_t events, void *arg)
{
	struct api_conn *c = arg;
	(void)l;
	(void)fd;
	if (events & EPOLLOUT && !conn_flush(c))
		return;
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		if (rw_buf_reserve(&c->in, READ_CHUNK) != 0) {
			conn_close(c);
			return;
		}
		ssize_t n = recv(c->fd, c->in.data + c->in.len, READ_CHUNK, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_close(c); /* peer closed (or error): nothing left to answer */
			return;
		}
		c->in.len += (size_t)n;
		c->last_ms = cp_now_ms();
		if (c->in.len > API_HTTP_MAX_HEAD + API_HTTP_MAX_BODY)
			break; /* the parser will reject it */
	}
	conn_serve(c);
	conn_flush(c);
}

static int conn_slot(struct api_server *s)
{
	for (int i = 0; i < API_MAX_CONNS; i++)
		if (s->conns[i] == NULL)
			return i;
	return -1;
}

static void server_accept(struct cp_loop *l, int fd, uint32_t events, void *arg)
{
	struct api_server *s = arg;
	(void)events;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return; /* EAGAIN, or a transient error: the next event retries */
		int slot = conn_slot(s);
		struct api_conn *c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
		if (c == NULL) {
			rw_log_kv(RW_LOG_WARN, "cp.api", "connection refused", "reason=%s",
				  slot < 0 ? "too_many_connections" : "no_memory");
			close(cfd);
			continue;
		}
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		c->uid = getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 ? cred.uid
										     : (uid_t)-1;
		c->fd = cfd;
		c->srv = s;
		c->last_ms = cp_now_ms();
		if (cp_loop_add(l, cfd, EPOLLIN, conn_io, c) != 0) {
			close(cfd);
			free(c);
			continue;
		}
		s->conns[slot] = c;
	}
}

static void server_sweep(struct cp_loop *l, void *arg)
{
	struct api_server *s = arg;
	(void)l;
	uint64_t now = cp_now_ms();
	for (int i = 0; i < API_MAX_CONNS; i++)
		if (s->conns[i] != NULL && now - s->conns[i]->last_ms > API_IDLE_TIMEOUT_MS)
			conn_close(s->conns[i]);
}

static int server_listen(struct api_server *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
	int rc = dir_create(s->path);
	if (rc == 0)
		rc = stale_remove(s->path, &sa);
	if (rc != 0)
		return rc;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	/* umask makes the socket 0600 from birth: no window where others may connect */
	mode_t old = umask(0177);
	rc = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : -errno;
	umask(old);
	if (rc == 0 && listen(s->fd, 64) != 0)
		rc = -errno;
	return rc;
}

int api_server_create(struct api_server **out, struct cp_loop *l, const char *path,
		      const struct api_ctx *ctx)
{
	struct api_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->loop = l;
	s->fd = -1;
	s->sweep_timer = -1;
	s->ctx = *ctx;
	int rc = -ENAMETOOLONG;
	if (strlen(path) >= sizeof(s->path))
		goto fail;
	snprintf(s->path, sizeof(s->path), "%s", path);
	rc = server_listen(s);
	if (rc != 0)
		goto fail;
	rc = cp_loop_add(l, s->fd, EPOLLIN, server_accept, s);
	if (rc != 0)
		goto fail_unlink;
	s->sweep_timer = cp_timer_add(l, 5000, server_sweep, s);
	*out = s;
	return 0;

fail_unlink:
	unlink(s->path);
fail:
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return rc;
}

void api_server_destroy(struct api_server **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	struct api_server *s = *sp;
	for (int i = 0; i < API_MAX_CONNS; i++)
		if (s->conns[i] != NULL)
			conn_close(s->conns[i]);
	if (s->sweep_timer > 0)
		cp_timer_del(s->loop, s->sweep_timer);
	cp_loop_del(s->loop, s->fd);
	close(s->fd);
	unlink(s->path);
	free(s);
	*sp = NULL;
}
