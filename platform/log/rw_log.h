/*
 * Logging in logfmt: `ts=2026-11-26T12:00:00.123Z level=info topic=dp.tcp msg="..." k=v`.
 *
 * Two paths:
 *   - rw_log(): for boot code, service threads and the control plane; one
 *     write(2) per line to the log fd (stdout unless logfile is set).
 *   - struct rw_logring: for worker lcores, which must never call stdio or
 *     make a syscall on the hot path. A worker formats a fixed-size record
 *     into its own single-producer ring; a service thread drains the rings
 *     with rw_logring_drain(). A full ring drops the record and counts it.
 *
 * Context: rw_log any thread; a logring has one producer and one consumer.
 */
#ifndef RW_LOG_H
#define RW_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

enum rw_log_level { RW_LOG_DEBUG, RW_LOG_INFO, RW_LOG_NOTICE, RW_LOG_WARN, RW_LOG_ERR };

/** Set the output fd and the minimum level (boot). */
void rw_log_setup(int fd, enum rw_log_level min_level);
/** Parse Redis's loglevel names (debug verbose notice warning). @return 0 or -EINVAL. */
int rw_log_level_parse(const char *s, enum rw_log_level *out);

/** A formatted message: `msg="..."`. */
void rw_log(enum rw_log_level lvl, const char *topic, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** A fixed message plus printf-formatted `k=v` fields (@p kv may be NULL);
 * values with spaces or quotes go through rw_log_quote(). */
void rw_log_kv(enum rw_log_level lvl, const char *topic, const char *msg, const char *kv, ...)
    __attribute__((format(printf, 4, 5)));
/** Quote @p s as a logfmt value into @p buf. @return buf. */
const char *rw_log_quote(char *buf, size_t len, const char *s);

#define RW_LOGRING_RECORD 256
#define RW_LOGRING_SLOTS  256 /* power of two */

struct rw_logring {
	_Atomic uint64_t head; /* producer */
	char pad0[56];
	_Atomic uint64_t tail; /* consumer */
	_Atomic uint64_t dropped;
	char pad1[48];
	struct {
		uint8_t level;
		char topic[15];
		char msg[RW_LOGRING_RECORD - 16];
	} rec[RW_LOGRING_SLOTS];
};

/** Producer side (the owning worker). Never blocks; drops when full. */
void rw_logring_put(struct rw_logring *r, enum rw_log_level lvl, const char *topic, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
/** Consumer side: write pending records through rw_log(). @return records written. */
unsigned rw_logring_drain(struct rw_logring *r, const char *who);

#endif
