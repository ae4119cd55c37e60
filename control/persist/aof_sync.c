/*
 * The fsync thread: the AOF's fsyncs, the old incr file's before a
 * rewrite's switch, and (aof_syncer_run) jobs run here, not on the event
 * loop, so a slow disk delays acks but never the
 * API or the channel. The loop posts a
 * request ("make everything up to offset X durable"), the thread runs
 * fdatasync(2) and records the outcome with the request's generation; the
 * loop collects it on its next tick (cp_aof_flush). One request is in
 * flight at a time, and the loop issues the next one only after it has
 * seen the previous outcome, so an fsync that succeeds after a failed one
 * is never mistaken for the recovery: that decision stays with the loop.
 *
 * Jobs (aof_syncer_run) take the rest of the disk work off the loop: the
 * AOF writer's fsync thread makes the fresh incr file after an fsync error
 * (aof_rotate.c, posted by aof_write.c) and the old file's last fsync
 * after a rewrite's switch; a second thread of the writer, its file
 * thread, makes the incr file of a rewrite's cut, listed before the cut
 * (aof_rewrite.c), so those fsyncs never delay the file in use's; the RDB
 * writer's thread ends a snapshot and installs an AOF rewrite's base
 * (rdb_save.c, cp_aof_install_run).
 *
 * Context: aof_syncer_* from the loop thread; the worker is this file's
 * thread. Blocking is the point of the thread.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "aof_internal.h"

static void *syncer_main(void *arg)
{
	struct aof_syncer *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->req && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->req && s->stop)
			break;
		uint64_t gen = s->req_gen, off = s->req_off;
		int fd = s->fd; /* aof_syncer_set_fd() may change it between requests */
		aof_job_fn *job = s->job;
		void *job_arg = s->job_arg;
		s->req = false;
		s->busy = true;
		pthread_mutex_unlock(&s->mu);
		int err;
		if (job != NULL) {
			err = -job(job_arg);
		} else {
			errno = 0;
			int rc = s->fsync_fn(fd);
			err = rc == 0 ? 0 : (errno != 0 ? errno : EIO);
		}
		pthread_mutex_lock(&s->mu);
		s->busy = false;
		s->done_gen = gen;
		s->done_off = off;
		s->done_err = err;
		pthread_cond_broadcast(&s->idle_cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static int default_fsync(int fd)
{
	return fdatasync(fd);
}

int aof_syncer_start(struct aof_syncer *s, int fd, cp_aof_fsync_fn *fn, const char *name)
{
	s->fd = fd;
	s->fsync_fn = fn != NULL ? fn : default_fsync;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->idle_cv, &ca);
	pthread_condattr_destroy(&ca);
	int rc = pthread_create(&s->thread, NULL, syncer_main, s);
	if (rc != 0)
		return -rc;
	pthread_setname_np(s->thread, name);
	s->started = true;
	return 0;
}

void aof_syncer_set_fd(struct aof_syncer *s, int fd)
{
	pthread_mutex_lock(&s->mu);
	s->fd = fd;
	pthread_mutex_unlock(&s->mu);
}

void aof_syncer_stop(struct aof_syncer *s)
{
	if (!s->started)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_cond_destroy(&s->idle_cv);
	pthread_mutex_destroy(&s->mu);
	s->started = false;
}

uint64_t aof_syncer_request(struct aof_syncer *s, uint64_t off)
{
	pthread_mutex_lock(&s->mu);
	uint64_t gen = ++s->req_gen;
	s->req_off = off;
	s->job = NULL;
	s->req = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return gen;
}

uint64_t aof_syncer_run(struct aof_syncer *s, aof_job_fn *fn, void *arg)
{
	pthread_mutex_lock(&s->mu);
	uint64_t gen = ++s->req_gen;
	s->req_off = 0;
	s->job = fn;
	s->job_arg = arg;
	s->req = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return gen;
}

bool aof_syncer_done(struct aof_syncer *s, uint64_t gen, int *err)
{
	pthread_mutex_lock(&s->mu);
	bool done = s->done_gen == gen;
	if (done)
		*err = s->done_err;
	pthread_mutex_unlock(&s->mu);
	return done;
}

int aof_syncer_wait_idle(struct aof_syncer *s, int timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	int rc = 0;
	pthread_mutex_lock(&s->mu);
	while ((s->req || s->busy) && rc == 0)
		rc = pthread_cond_timedwait(&s->idle_cv, &s->mu, &ts);
	pthread_mutex_unlock(&s->mu);
	return rc == 0 ? 0 : -ETIMEDOUT;
}
