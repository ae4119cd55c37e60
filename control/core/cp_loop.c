/* Control-plane event loop: epoll + periodic timers (see cp_loop.h). */
#include "cp_loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct cp_io {
	cp_io_fn *fn;
	void *arg;
};

struct cp_timer {
	cp_timer_fn *fn;
	void *arg;
	uint64_t period_ms;
	uint64_t due_ms;
};

struct cp_loop {
	int epfd;
	bool stop;
	struct cp_io *io; /* indexed by fd, so a deleted fd is seen as such */
	int n_io;
	struct cp_timer timers[CP_LOOP_MAX_TIMERS]; /* id = index + 1; fn NULL = free */
};

uint64_t cp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int cp_loop_create(struct cp_loop **out)
{
	struct cp_loop *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int rc = -errno;
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void cp_loop_destroy(struct cp_loop **l)
{
	if (l == NULL || *l == NULL)
		return;
	close((*l)->epfd);
	free((*l)->io);
	free(*l);
	*l = NULL;
}

static int io_slot(struct cp_loop *l, int fd)
{
	if (fd < l->n_io)
		return 0;
	int n = l->n_io ? l->n_io : 64;
	while (n <= fd)
		n *= 2;
	struct cp_io *io = realloc(l->io, (size_t)n * sizeof(*io));
	if (io == NULL)
		return -ENOMEM;
	memset(io + l->n_io, 0, (size_t)(n - l->n_io) * sizeof(*io));
	l->io = io;
	l->n_io = n;
	return 0;
}

int cp_loop_add(struct cp_loop *l, int fd, uint32_t events, cp_io_fn *fn, void *arg)
{
	if (fd < 0 || fn == NULL)
		return -EINVAL;
	int rc = io_slot(l, fd);
	if (rc != 0)
		return rc;
	struct epoll_event ev = {.events = events, .data.fd = fd};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -errno;
	l->io[fd] = (struct cp_io){fn, arg};
	return 0;
}

int cp_loop_mod(struct cp_loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : -errno;
}

void cp_loop_del(struct cp_loop *l, int fd)
{
	if (fd < 0 || fd >= l->n_io)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->io[fd] = (struct cp_io){NULL, NULL};
}

int cp_timer_add(struct cp_loop *l, uint64_t period_ms, cp_timer_fn *fn, void *arg)
{
	for (int i = 0; i < CP_LOOP_MAX_TIMERS; i++) {
		struct cp_timer *t = &l->timers[i];
		if (t->fn != NULL)
			continue;
		*t = (struct cp_timer){fn, arg, period_ms ? period_ms : 1, cp_now_ms() + period_ms};
		return i + 1;
	}
	return -ENOSPC;
}

void cp_timer_del(struct cp_loop *l, int id)
{
	if (id >= 1 && id <= CP_LOOP_MAX_TIMERS)
		l->timers[id - 1].fn = NULL;
}

void cp_loop_stop(struct cp_loop *l)
{
	l->stop = true;
}

/* Fire due timers; @return ms until the next one is due (-1: none). */
static int timers_run(struct cp_loop *l)
{
	uint64_t now = cp_now_ms();
	int64_t wait = -1;
	for (int i = 0; i < CP_LOOP_MAX_TIMERS; i++) {
		struct cp_timer *t = &l->timers[i];
		if (t->fn == NULL)
			continue;
		if (t->due_ms <= now) {
			/* schedule from now, not from due: a stalled loop does not burst */
			t->due_ms = now + t->period_ms;
			t->fn(l, t->arg);
			if (t->fn == NULL)
				continue;
		}
		int64_t left = (int64_t)(t->due_ms - now);
		if (wait < 0 || left < wait)
			wait = left;
	}
	return (int)wait;
}

int cp_loop_run(struct cp_loop *l)
{
	struct epoll_event evs[64];
	l->stop = false;
	while (!l->stop) {
		int wait = timers_run(l);
		if (l->stop)
			break;
		int n = epoll_wait(l->epfd, evs, 64, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			int fd = evs[i].data.fd;
			if (fd < l->n_io && l->io[fd].fn != NULL)
				l->io[fd].fn(l, fd, evs[i].events, l->io[fd].arg);
		}
	}
	return 0;
}
