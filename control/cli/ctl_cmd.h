/*
 * redwirectl's subcommands and what they share: the socket to talk to,
 * the output mode, the exit codes, and a GET that maps failures to them.
 *
 * Context: redwirectl, blocking, single threaded.
 */
#ifndef CTL_CMD_H
#define CTL_CMD_H

#include <jansson.h>
#include <stdbool.h>

#include "ctl_http.h"

/* Stable exit codes (documented in `redwirectl --help`). */
enum ctl_exit {
	CTL_EXIT_OK = 0,	  /* success */
	CTL_EXIT_FAIL = 1,	  /* the API answered an error, or the check failed */
	CTL_EXIT_USAGE = 2,	  /* bad command line */
	CTL_EXIT_UNREACHABLE = 3, /* no socket, connection refused, timeout */
	CTL_EXIT_PROTOCOL = 4,	  /* the answer is not HTTP, or not the JSON expected */
};

struct ctl {
	const char *sock;
	bool json; /* print the API's JSON instead of a table */
};

/**
 * GET @p path. On CTL_EXIT_OK @p r holds the response (any HTTP status;
 * free with ctl_resp_fini); otherwise the cause is printed.
 */
enum ctl_exit ctl_fetch(const struct ctl *c, const char *path, struct ctl_resp *r);
/**
 * GET @p path and parse its JSON into @p *out (the caller json_decref()s);
 * @p *status is the HTTP status. Non-JSON is CTL_EXIT_PROTOCOL.
 */
enum ctl_exit ctl_fetch_json(const struct ctl *c, const char *path, int *status, json_t **out);

/**
 * @p method @p path with JSON @p body (NULL: none), and parse the answer's
 * JSON as ctl_fetch_json() does.
 */
enum ctl_exit ctl_send_json(const struct ctl *c, const char *method, const char *path,
			    const char *body, int *status, json_t **out);

/* Subcommands: @p argc/@p argv start after the command's name. */
int ctl_cmd_status(const struct ctl *c, int argc, char **argv);
int ctl_cmd_stats(const struct ctl *c, int argc, char **argv);
int ctl_cmd_health(const struct ctl *c, int argc, char **argv);
int ctl_cmd_appliance(const struct ctl *c, int argc, char **argv);
int ctl_cmd_config(const struct ctl *c, int argc, char **argv);
int ctl_cmd_metrics(const struct ctl *c, int argc, char **argv);
int ctl_cmd_support_bundle(const struct ctl *c, int argc, char **argv);
/* ctl_memory.c: `memory`, the budget split per worker. */
int ctl_cmd_memory(const struct ctl *c, int argc, char **argv);
/* ctl_doctor.c: `doctor`, the host checks (runs locally, not through the API). */
int ctl_cmd_doctor(const struct ctl *c, int argc, char **argv);
/* ctl_users.c: `users list|get|set|del` (the Redis ACL users). */
int ctl_cmd_users(const struct ctl *c, int argc, char **argv);

/* ctl_token.c: `token create|list|revoke`. */
int ctl_cmd_token(const struct ctl *c, int argc, char **argv);

/* ctl_task.c: `tasks [ID]`. */
int ctl_cmd_tasks(const struct ctl *c, int argc, char **argv);
/* ctl_task.c: `snapshot create [--wait]|list|delete ID|restore ID`. */
int ctl_cmd_snapshot(const struct ctl *c, int argc, char **argv);
/* ctl_task.c: `events [--since ID] [--follow]`. */
int ctl_cmd_events(const struct ctl *c, int argc, char **argv);

/* ctl_repl.c: `replication`, `failover status|start` (501 until their issue lands). */
int ctl_cmd_replication(const struct ctl *c, int argc, char **argv);
int ctl_cmd_failover(const struct ctl *c, int argc, char **argv);

/* ctl_watch.c: `stats --watch`. @p count 0 means until Ctrl-C. */
int ctl_stats_watch(const struct ctl *c, double interval_s, long count);

#endif
