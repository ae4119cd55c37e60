/*
 * The control plane's event loop: epoll for file descriptors plus periodic
 * timers, one thread. Everything in redwire-control runs from callbacks of
 * this loop; nothing else blocks for long.
 *
 * Timers are periodic (the control plane only needs heartbeats, polls and
 * sweeps). The loop sleeps in epoll_wait until the nearest timer is due.
 *
 * Context: the control plane's main thread only.
 */
#ifndef CP_LOOP_H
#define CP_LOOP_H

#include <stdint.h>

struct cp_loop;

typedef void cp_io_fn(struct cp_loop *l, int fd, uint32_t events, void *arg);
typedef void cp_timer_fn(struct cp_loop *l, void *arg);

#define CP_LOOP_MAX_TIMERS 32

/** @return 0, -errno (epoll_create1), -ENOMEM. */
int cp_loop_create(struct cp_loop **out);
/** NULL-safe; clears the pointer. Does not close registered fds. */
void cp_loop_destroy(struct cp_loop **l);

/** Watch @p fd for EPOLL* @p events. @return 0 or -errno. */
int cp_loop_add(struct cp_loop *l, int fd, uint32_t events, cp_io_fn *fn, void *arg);
/** Change the watched events. @return 0 or -errno. */
int cp_loop_mod(struct cp_loop *l, int fd, uint32_t events);
/** Stop watching @p fd; pending events for it in this iteration are dropped. */
void cp_loop_del(struct cp_loop *l, int fd);

/** Call @p fn every @p period_ms. @return a timer id > 0, or -ENOSPC. */
int cp_timer_add(struct cp_loop *l, uint64_t period_ms, cp_timer_fn *fn, void *arg);
void cp_timer_del(struct cp_loop *l, int id);

/** Run until cp_loop_stop(). @return 0 or -errno from epoll_wait. */
int cp_loop_run(struct cp_loop *l);
/** Ask cp_loop_run to return after the current iteration (callable from callbacks). */
void cp_loop_stop(struct cp_loop *l);

/** Monotonic milliseconds, the loop's time base. */
uint64_t cp_now_ms(void);

#endif
