/* Control-plane logfmt logging (see cp_log.h). */
#include "cp_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 1;
static enum cp_log_level log_min = CP_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void cp_log_setup(int fd, enum cp_log_level min_level)
{
	log_fd = fd;
	log_min = min_level;
}

const char *cp_log_quote(char *buf, size_t len, const char *s)
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
		buf[o++] = ch < 0x20 ? '?' : (char)ch; /* one event, one line */
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

void cp_log(enum cp_log_level lvl, const char *topic, const char *msg, const char *kv, ...)
{
	if (lvl < log_min)
		return;
	char line[2048], qmsg[512];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(
	    line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s topic=%s msg=%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    ts.tv_nsec / 1000000, level_names[lvl], topic, cp_log_quote(qmsg, sizeof(qmsg), msg));
	size_t len = n < 0 ? 0 : (size_t)n;
	if (kv != NULL && len + 2 < sizeof(line)) {
		va_list ap;
		va_start(ap, kv);
		line[len++] = ' ';
		n = vsnprintf(line + len, sizeof(line) - len, kv, ap);
		va_end(ap);
		len += n < 0 ? 0 : (size_t)n;
	}
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* one write per line so concurrent writers to the same fd never interleave */
	ssize_t w = write(log_fd, line, len);
	(void)w;
}
