/*
 * Time sources shared by both processes, and the clock seam of the
 * dataplane: workers read time only through a struct rw_clock chosen at
 * setup (the TSC-backed real clock, or a fake one that unit tests move by
 * hand), so timers and retransmission are testable without sleeping.
 *
 * Context: any thread; the clocks never block.
 */
#ifndef RW_TIME_H
#define RW_TIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t rw_time_unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline uint64_t rw_time_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

typedef uint64_t rw_clock_now_fn(void *arg);

/* A monotonic microsecond clock plus the matching wall-clock offset. */
struct rw_clock {
	rw_clock_now_fn *now_us; /* monotonic microseconds */
	void *arg;
	int64_t unix_offset_us; /* unix_us = now_us + offset */
};

/** The real clock: CLOCK_MONOTONIC (vDSO, no syscall). */
void rw_clock_init_real(struct rw_clock *c);

/* A fake clock for tests: time moves only when the test says so. */
struct rw_fake_clock {
	uint64_t now_us;
};
void rw_clock_init_fake(struct rw_clock *c, struct rw_fake_clock *f, uint64_t unix_start_us);

static inline uint64_t rw_clock_now_us(const struct rw_clock *c)
{
	return c->now_us(c->arg);
}

#endif
