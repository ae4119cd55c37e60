/* Management API server on a Unix socket and over HTTPS (see api_server.h). */
#include "api_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api_auth.h"
#include "api_events.h"
#include "api_http.h"
#include "api_tls.h"
#include "rw_log.h"
#include "rw_buf.h"

#define READ_CHUNK 4096

struct api_conn {
	int fd;
	uid_t uid;
	SSL *ssl;	 /* HTTPS; NULL on the Unix socket */
	bool handshaken; /* the TLS handshake is done */
	bool want_write; /* OpenSSL waits for the socket to be writable */
	char source[API_SOURCE_SIZE];
	char cert_cn[API_AUTH_CN_SIZE]; /* a verified client certificate's CN, "" if none */
	bool closing;			/* close once `out` is flushed */
	bool stream;			/* an event stream: events are written as they come */
	uint64_t last_ms;
	struct rw_buf in;
	struct rw_buf out;
	struct api_server *srv;
};

struct api_server {
	struct cp_loop *loop;
	int fd;
	int sweep_timer;
	int heartbeat_timer; /* event streams' heartbeat; 0: none */
	struct api_tls *tls; /* HTTPS: not owned; NULL: the Unix socket */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* or the address */
	struct api_ctx ctx;
	struct api_conn *conns[API_MAX_CONNS];
	/* every slot taken: the listener is not watched, so further clients wait
	 * in the kernel's backlog (API_BACKLOG) instead of being reset, and are
	 * accepted as slots free up */
	bool accept_paused;
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
	if (c->stream && s->ctx.events != NULL && s->ctx.events->streams > 0)
		s->ctx.events->streams--;
	if (s->accept_paused && cp_loop_mod(s->loop, s->fd, EPOLLIN) == 0)
		s->accept_paused = false;
	if (c->ssl != NULL) {
		if (c->handshaken)
			SSL_shutdown(c->ssl); /* one close_notify, not waited for */
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	close(c->fd);
	rw_buf_fini(&c->in);
	rw_buf_fini(&c->out);
	free(c);
}

/*
 * One send or receive through TLS or the plain socket.
 * @return bytes moved (> 0), 0 (the peer closed), -EAGAIN (try again on
 * the next event; c->want_write says which), or -EIO.
 */
static ssize_t conn_send(struct api_conn *c, const void *buf, size_t len)
{
	if (c->ssl == NULL) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN
											 : -EIO;
		return n;
	}
	int n = SSL_write(c->ssl, buf, (int)(len > INT32_MAX ? INT32_MAX : len));
	if (n > 0)
		return n;
	int e = SSL_get_error(c->ssl, n);
	ERR_clear_error();
	c->want_write = e == SSL_ERROR_WANT_WRITE;
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? -EAGAIN : -EIO;
}

static ssize_t conn_recv(struct api_conn *c, void *buf, size_t len)
{
	if (c->ssl == NULL) {
		ssize_t n = recv(c->fd, buf, len, 0);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN
											 : -EIO;
		return n;
	}
	int n = SSL_read(c->ssl, buf, (int)len);
	if (n > 0)
		return n;
	int e = SSL_get_error(c->ssl, n);
	ERR_clear_error();
	c->want_write = e == SSL_ERROR_WANT_WRITE;
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return -EAGAIN;
	return e == SSL_ERROR_ZERO_RETURN ? 0 : -EIO;
}

/* Write what we can; wait for EPOLLOUT for the rest. @return false if closed. */
static bool conn_flush(struct api_conn *c)
{
	c->want_write = false;
	while (c->out.len > 0) {
		ssize_t n = conn_send(c, c->out.data, c->out.len);
		if (n == -EAGAIN) {
			c->want_write = c->want_write || c->ssl == NULL;
			break;
		}
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
	cp_loop_mod(c->srv->loop, c->fd, c->want_write ? EPOLLIN | EPOLLOUT : EPOLLIN);
	return true;
}

static void log_request(const struct api_conn *c, const char *method, const char *path, int status,
			uint64_t start_us, const char *actor)
{
	char qpath[API_HTTP_MAX_PATH + 8], qactor[API_ACTOR_SIZE + 8];
	rw_log_kv(status == 500 ? RW_LOG_WARN : RW_LOG_INFO, "cp.api", "request",
		  "method=%s path=%s status=%d duration_us=%llu source=%s actor=%s",
		  method[0] ? method : "-",
		  rw_log_quote(qpath, sizeof(qpath), path[0] ? path : "-"), status,
		  (unsigned long long)(mono_us() - start_us), c->source,
		  rw_log_quote(qactor, sizeof(qactor), actor[0] ? actor : "-"));
}

static int64_t now_unix(void)
{
	return (int64_t)time(NULL);
}

/*
 * Who is calling. On the Unix socket: root (the socket is 0600), as admin.
 * On HTTPS: nobody for the console's static assets (api_route_open()),
 * else api_auth_request(); @return 0, or the status it answered with
 * (the response is already in c->out).
 */
static int conn_caller(struct api_conn *c, const struct api_http_req *req,
		       struct api_caller *caller)
{
	if (c->ssl == NULL) {
		memset(caller, 0, sizeof(*caller));
		caller->role = API_ROLE_ADMIN;
		snprintf(caller->actor, sizeof(caller->actor), "unix:uid=%d", (int)c->uid);
		snprintf(caller->source, sizeof(caller->source), "unix");
		return 0;
	}
	if (api_route_open(req->method, req->path)) {
		/* the console's static page: no credentials asked, none checked
		 * (a stale token in the request is not a failed login) */
		memset(caller, 0, sizeof(*caller));
		snprintf(caller->actor, sizeof(caller->actor), "anonymous");
		snprintf(caller->source, sizeof(caller->source), "%s", c->source);
		return 0;
	}
	const struct api_peer peer = {.source = c->source,
				      .cert_cn = c->cert_cn[0] ? c->cert_cn : NULL};
	const char *body = NULL;
	char extra[160];
	int status =
	    api_auth_request(c->srv->ctx.auth, &peer, req->method, req->path, req->authorization,
			     cp_now_ms(), now_unix(), caller, &body, extra, sizeof(extra));
	if (status != 0 && api_http_respond_ex(&c->out, status, NULL, extra, body, strlen(body),
					       req->keep_alive) != 0)
		c->closing = true;
	return status;
}

static int respond(struct api_conn *c, const struct api_resp *resp, bool keep_alive)
{
	char extra[sizeof(resp->extra) + 64];
	snprintf(extra, sizeof(extra), "%s%s%s%s", resp->extra, resp->allow ? "Allow: " : "",
		 resp->allow ? resp->allow : "", resp->allow ? "\r\n" : "");
	return api_http_respond_ex(&c->out, resp->status, resp->content_type, extra, resp->body,
				   resp->len, keep_alive);
}

/*
 * Turn the connection into an event stream: the head without a length,
 * then what the route put in the body (the retry field, missed events);
 * from now on events are appended as they are emitted (server_event) and
 * a heartbeat comment every API_EVENTS_HEARTBEAT_MS (server_heartbeat).
 */
static void stream_open(struct api_conn *c, const struct api_resp *resp)
{
	if (api_http_stream_head(&c->out, resp->content_type) != 0 ||
	    rw_buf_append(&c->out, resp->body, resp->len) != 0) {
		c->closing = true;
		return;
	}
	c->stream = true;
	c->srv->ctx.events->streams++;
}

/* A new event: to every open stream; a stream that fell too far behind is closed. */
static void server_event(void *arg, const struct api_event *e)
{
	struct api_server *s = arg;
	for (int i = 0; i < API_MAX_CONNS; i++) {
		struct api_conn *c = s->conns[i];
		if (c == NULL || !c->stream)
			continue;
		if (c->out.len > API_EVENTS_STREAM_BACKLOG || api_events_sse(e, &c->out) != 0) {
			rw_log_kv(RW_LOG_WARN, "cp.api", "event stream closed: client too slow",
				  "source=%s backlog_bytes=%zu", c->source, c->out.len);
			conn_close(c);
			continue;
		}
		conn_flush(c);
	}
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
			log_request(c, req.method, req.path, req.error_status, t0, "");
			return;
		}
		struct api_caller caller;
		int denied = conn_caller(c, &req, &caller);
		if (denied != 0) {
			if (!req.keep_alive)
				c->closing = true;
			log_request(c, req.method, req.path, denied, t0, "");
			rw_buf_consume(&c->in, req.total_bytes);
			continue;
		}
		const struct api_call call = {.method = req.method,
					      .path = req.path,
					      .body = req.body,
					      .body_len = req.content_length,
					      .if_match = req.has_if_match ? req.if_match : NULL,
					      .query = req.query[0] ? req.query : NULL,
					      .last_event_id =
						  req.last_event_id[0] ? req.last_event_id : NULL,
					      .caller = &caller};
		api_route_call(&c->srv->ctx, &call, &resp);
		if (resp.stream) {
			stream_open(c, &resp);
			log_request(c, req.method, req.path, resp.status, t0, caller.actor);
			api_resp_fini(&resp);
			rw_buf_consume(&c->in, c->in.len); /* the stream owns the connection now */
			return;
		}
		if (respond(c, &resp, req.keep_alive) != 0 || !req.keep_alive)
			c->closing = true;
		log_request(c, req.method, req.path, resp.status, t0, caller.actor);
		api_resp_fini(&resp);
		rw_buf_consume(&c->in, req.total_bytes);
	}
}

/* @return false if the connection was closed. */
static bool conn_handshake(struct api_conn *c)
{
	int n = SSL_accept(c->ssl);
	if (n == 1) {
		c->handshaken = true;
		if (!api_tls_peer_cn(c->ssl, c->cert_cn, sizeof(c->cert_cn)))
			c->cert_cn[0] = '\0';
		c->want_write = false;
		cp_loop_mod(c->srv->loop, c->fd, EPOLLIN);
		return true;
	}
	int e = SSL_get_error(c->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		cp_loop_mod(c->srv->loop, c->fd,
			    e == SSL_ERROR_WANT_WRITE ? EPOLLIN | EPOLLOUT : EPOLLIN);
		return true;
	}
	char why[160] = "peer closed";
	unsigned long err = ERR_get_error();
	if (err != 0)
		ERR_error_string_n(err, why, sizeof(why));
	ERR_clear_error();
	/* plain HTTP, TLS 1.0/1.1, an untrusted client certificate... */
	rw_log_kv(RW_LOG_INFO, "cp.api", "TLS handshake failed", "source=%s err=\"%s\"", c->source,
		  why);
	conn_close(c);
	return false;
}

static void conn_io(struct cp_loop *l, int fd, uint32_t events, void *arg)
{
	struct api_conn *c = arg;
	(void)l;
	(void)fd;
	/* the handshake's clock runs from accept: trickled bytes do not extend it */
	if (c->ssl != NULL && !c->handshaken) {
		if (!conn_handshake(c) || !c->handshaken)
			return;
	}
	c->last_ms = cp_now_ms();
	if (events & EPOLLOUT && c->out.len > 0 && !conn_flush(c))
		return;
	if (c->stream)
		c->in.len = 0; /* a stream's client has nothing more to ask: drop it */
	/* TLS may hold decrypted bytes the socket no longer signals: always read */
	if (c->ssl == NULL && !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		if (rw_buf_reserve(&c->in, READ_CHUNK) != 0) {
			conn_close(c);
			return;
		}
		ssize_t n = conn_recv(c, c->in.data + c->in.len, READ_CHUNK);
		if (n == -EAGAIN)
			break;
		if (n <= 0) {
			conn_close(c); /* peer closed (or error): nothing left to answer */
			return;
		}
		c->in.len += (size_t)n;
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

static void peer_source(const struct sockaddr_storage *ss, char *out, size_t len)
{
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out,
			  (socklen_t)len);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, out,
			  (socklen_t)len);
	else
		snprintf(out, len, "unix");
}

static void server_accept(struct cp_loop *l, int fd, uint32_t events, void *arg)
{
	struct api_server *s = arg;
	(void)events;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int slot = conn_slot(s);
		if (slot < 0) { /* full: leave the rest queued until conn_close() */
			if (cp_loop_mod(l, fd, 0) == 0)
				s->accept_paused = true;
			return;
		}
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return; /* EAGAIN, or a transient error: the next event retries */
		struct api_conn *c = calloc(1, sizeof(*c));
		if (c == NULL) {
			rw_log_kv(RW_LOG_WARN, "cp.api", "connection refused", "reason=no_memory");
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
		peer_source(&ss, c->source, sizeof(c->source));
		if (s->tls != NULL && (c->ssl = api_tls_ssl_new(s->tls, cfd)) == NULL) {
			close(cfd);
			free(c);
			continue;
		}
		if (cp_loop_add(l, cfd, EPOLLIN, conn_io, c) != 0) {
			SSL_free(c->ssl);
			close(cfd);
			free(c);
			continue;
		}
		s->conns[slot] = c;
	}
}

/* A comment line on every stream: proxies and clients see it is alive. */
static void streams_heartbeat(struct api_server *s, uint64_t now)
{
	static const char beat[] = ": heartbeat\n\n";
	for (int i = 0; i < API_MAX_CONNS; i++) {
		struct api_conn *c = s->conns[i];
		if (c == NULL || !c->stream)
			continue;
		if (rw_buf_append(&c->out, beat, sizeof(beat) - 1) != 0) {
			conn_close(c);
			continue;
		}
		c->last_ms = now; /* a stream is idle by design: not swept */
		conn_flush(c);
	}
}

static void server_heartbeat(struct cp_loop *l, void *arg)
{
	(void)l;
	streams_heartbeat(arg, cp_now_ms());
}

static void server_sweep(struct cp_loop *l, void *arg)
{
	struct api_server *s = arg;
	(void)l;
	uint64_t now = cp_now_ms();
	for (int i = 0; i < API_MAX_CONNS; i++)
		if (s->conns[i] != NULL && now - s->conns[i]->last_ms >
					       (s->conns[i]->ssl != NULL && !s->conns[i]->handshaken
						    ? API_HANDSHAKE_TIMEOUT_MS
						    : API_IDLE_TIMEOUT_MS))
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
	if (rc == 0 && listen(s->fd, API_BACKLOG) != 0)
		rc = -errno;
	return rc;
}

/* "IPv4:port" or "[IPv6]:port", numeric only. */
static int address_parse(const char *address, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[64];
	const char *colon = strrchr(address, ':');
	if (colon == NULL || colon == address || (size_t)(colon - address) >= sizeof(host))
		return -EINVAL;
	memcpy(host, address, (size_t)(colon - address));
	host[colon - address] = '\0';
	char *h = host;
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		h[strlen(h) - 1] = '\0';
		h++;
	}
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	if (getaddrinfo(h, colon + 1, &hints, &ai) != 0 || ai == NULL)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int tcp_listen(struct api_server *s, const char *address)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int rc = address_parse(address, &ss, &sl);
	if (rc != 0)
		return rc;
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	int one = 1;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&ss, sl) != 0 || listen(s->fd, API_BACKLOG) != 0)
		return -errno;
	return 0;
}

static int server_start(struct api_server **out, struct cp_loop *l, const char *where,
			struct api_tls *tls, const struct api_ctx *ctx)
{
	struct api_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->loop = l;
	s->fd = -1;
	s->sweep_timer = -1;
	s->ctx = *ctx;
	s->tls = tls;
	int rc = -ENAMETOOLONG;
	if (strlen(where) >= sizeof(s->path))
		goto fail;
	snprintf(s->path, sizeof(s->path), "%s", where);
	rc = tls ? tcp_listen(s, where) : server_listen(s);
	if (rc != 0)
		goto fail;
	rc = cp_loop_add(l, s->fd, EPOLLIN, server_accept, s);
	if (rc != 0)
		goto fail_unlink;
	s->sweep_timer = cp_timer_add(l, 5000, server_sweep, s);
	if (ctx->events != NULL) {
		s->heartbeat_timer = cp_timer_add(l, API_EVENTS_HEARTBEAT_MS, server_heartbeat, s);
		api_events_listen(ctx->events, server_event, s);
	}
	*out = s;
	return 0;

fail_unlink:
	if (tls == NULL)
		unlink(s->path);
fail:
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return rc;
}

int api_server_create(struct api_server **out, struct cp_loop *l, const char *path,
		      const struct api_ctx *ctx)
{
	return server_start(out, l, path, NULL, ctx);
}

int api_server_create_https(struct api_server **out, struct cp_loop *l, const char *address,
			    struct api_tls *tls, const struct api_ctx *ctx)
{
	if (tls == NULL || ctx->auth == NULL)
		return -EINVAL;
	return server_start(out, l, address, tls, ctx);
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
	if (s->heartbeat_timer > 0)
		cp_timer_del(s->loop, s->heartbeat_timer);
	if (s->ctx.events != NULL)
		api_events_unlisten(s->ctx.events, s);
	cp_loop_del(s->loop, s->fd);
	close(s->fd);
	if (s->tls == NULL)
		unlink(s->path);
	free(s);
	*sp = NULL;
}
