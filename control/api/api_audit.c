/* The management API's audit log (see api_audit.h). */
#include "api_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rw_log.h"

int api_audit_open(struct api_audit *a, const char *path)
{
	a->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	return a->fd >= 0 ? 0 : -errno;
}

void api_audit_close(struct api_audit *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

static void time_iso(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void api_audit_write(struct api_audit *a, const char *event, const char *actor, const char *source,
		     const char *method, const char *path, int status, json_t *detail)
{
	char when[40];
	if (a->fd < 0) {
		json_decref(detail);
		return;
	}
	time_iso(when, sizeof(when));
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "time", when, "event", event,
			      "actor", actor ? actor : "-", "source", source ? source : "-",
			      "method", method, "path", path, "status", status);
	if (j != NULL && detail != NULL)
		json_object_set(j, "detail", detail);
	json_decref(detail);
	char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (line == NULL)
		return;
	size_t n = strlen(line);
	line[n] = '\n'; /* json_dumps' NUL becomes the newline: one write per line */
	if (write(a->fd, line, n + 1) != (ssize_t)(n + 1))
		rw_log_kv(RW_LOG_WARN, "cp.api", "audit log write failed", "err=\"%s\"",
			  strerror(errno));
	free(line);
}
