/*
 * The management API's audit log: one JSON object per line, appended to
 * DIR/mgmt-audit.jsonl (mode 0600), for every change (PATCH, token
 * creation and revocation, TLS reload) and every authentication or
 * authorisation failure, from either listener.
 *
 *   {"time":"2026-11-26T15:04:05.123Z","event":"auth_failure",
 *    "actor":"-","source":"127.0.0.1","method":"GET","path":"/v1/status",
 *    "status":401,"detail":{"reason":"no credentials"}}
 *
 * Each line is one write() on an O_APPEND descriptor, so lines never
 * interleave; no fsync per line (the log is for people, not recovery).
 * Secrets never reach it: token texts are not passed in, only ids.
 *
 * Context: the control plane's event loop.
 */
#ifndef API_AUDIT_H
#define API_AUDIT_H

#include <jansson.h>

struct api_audit {
	int fd; /* -1: not open (tests): lines are dropped */
};

/** Open (create 0600) @p path for append. @return 0 or -errno. */
int api_audit_open(struct api_audit *a, const char *path);
void api_audit_close(struct api_audit *a);

/**
 * Append one line. @p detail (may be NULL) is taken over (decref'd).
 * Context: never fails the request: a failed write is logged.
 */
void api_audit_write(struct api_audit *a, const char *event, const char *actor, const char *source,
		     const char *method, const char *path, int status, json_t *detail);

#endif
