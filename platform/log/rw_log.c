/* logfmt logging and per-lcore log rings (see rw_log.h). */
#include "rw_log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 1;
static enum rw_log_level log_min = RW_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "notice", "warn", "error"};

void rw_log_setup(int fd, enum rw_log_level min_level)
{
	log_fd = fd;
	log_min = min_level;
}

int rw_log_level_parse(const char *s, enum rw_log_level *out)
{
	static const struct {
		const char *name;
		enum rw_log_level lvl;
	} map[] = {{"debug", RW_LOG_DEBUG},
		   {"verbose", RW_LOG_INFO},
		   {"notice", RW_LOG_NOTICE},
		   {"warning", RW_LOG_WARN},
		   {"nothing", RW_LOG_ERR}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcasecmp(s, map[i].name) == 0) {
			*out = map[i].lvl;
			return 0;
		}
	}
	return -EINVAL;
}

const char *rw_log_quote(char *buf, size_t len, const char *s)
{
	size_t o = 0;
	if (len < 3) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (; *s != '\0' && o + 3 < len; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			buf[o++] = '\\';
		buf[o++] = ch < 0x20 ? ' ' : (char)ch; /* one event, one line */
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* One write(2) per line, so concurrent writers to one fd never interleave. */
static void emit(enum rw_log_level lvl, const char *topic, const char *msg, const char *kv,
		 va_list ap)
{
	char line[2048], qmsg[800];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(
	    line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s topic=%s msg=%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    ts.tv_nsec / 1000000, level_names[lvl], topic, rw_log_quote(qmsg, sizeof(qmsg), msg));
	size_t len = n < 0 ? 0 : (size_t)n;
	if (kv != NULL && len + 2 < sizeof(line)) {
		line[len++] = ' ';
		n = vsnprintf(line + len, sizeof(line) - len, kv, ap);
		len += n < 0 ? 0 : (size_t)n;
	}
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(log_fd, line, len);
	(void)w;
}

void rw_log_kv(enum rw_log_level lvl, const char *topic, const char *msg, const char *kv, ...)
{
	if (lvl < log_min)
		return;
	va_list ap;
	va_start(ap, kv);
	emit(lvl, topic, msg, kv, ap);
	va_end(ap);
}

void rw_log(enum rw_log_level lvl, const char *topic, const char *fmt, ...)
{
	if (lvl < log_min)
		return;
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rw_log_kv(lvl, topic, msg, NULL);
}

void rw_logring_put(struct rw_logring *r, enum rw_log_level lvl, const char *topic, const char *fmt,
		    ...)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail >= RW_LOGRING_SLOTS) {
		atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
		return;
	}
	__typeof__(r->rec[0]) *rec = &r->rec[head & (RW_LOGRING_SLOTS - 1)];
	rec->level = (uint8_t)lvl;
	snprintf(rec->topic, sizeof(rec->topic), "%s", topic);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rec->msg, sizeof(rec->msg), fmt, ap);
	va_end(ap);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

unsigned rw_logring_drain(struct rw_logring *r, const char *who)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	unsigned n = 0;
	for (; tail != head; tail++, n++) {
		__typeof__(r->rec[0]) *rec = &r->rec[tail & (RW_LOGRING_SLOTS - 1)];
		if (rec->level >= log_min)
			rw_log((enum rw_log_level)rec->level, rec->topic, "%s %s", who, rec->msg);
	}
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	uint64_t dropped = atomic_exchange_explicit(&r->dropped, 0, memory_order_relaxed);
	if (dropped != 0)
		rw_log(RW_LOG_WARN, "log", "%s dropped %llu log records (ring full)", who,
		       (unsigned long long)dropped);
	return n;
}
