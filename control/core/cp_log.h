/*
 * Control-plane logging: one logfmt line per event on stdout,
 *   ts=2026-11-26T12:00:00.123Z level=info topic=cp.api msg="request" method=GET status=200
 * The message is quoted; callers append their own key=value fields, whose
 * values must not contain spaces or quotes (use cp_log_quote for those).
 *
 * Context: the control plane's event-loop thread; write(2) per line.
 */
#ifndef CP_LOG_H
#define CP_LOG_H

#include <stddef.h>

enum cp_log_level { CP_LOG_DEBUG, CP_LOG_INFO, CP_LOG_WARN, CP_LOG_ERR };

/** Set the output fd (default 1) and the lowest level written. */
void cp_log_setup(int fd, enum cp_log_level min_level);

/** Log @p msg with optional printf-formatted "k=v k=v" fields (@p kv may be NULL). */
void cp_log(enum cp_log_level lvl, const char *topic, const char *msg, const char *kv, ...)
    __attribute__((format(printf, 4, 5)));

/** Quote @p s as a logfmt value into @p buf ("..." with \" and \\ escaped). @return buf. */
const char *cp_log_quote(char *buf, size_t len, const char *s);

#endif
