/*
 * redwirectl: the operator's command-line tool. Speaks the management API
 * (control/api) over its Unix socket and prints the answer as a table, or
 * as the API's JSON with --json. `redwirectl --help` lists the commands and
 * the exit codes; `redwirectl COMMAND --help` a command's options.
 *
 * This file parses the command line, dispatches, and maps transport
 * failures to exit codes; the commands are in ctl_show.c and ctl_watch.c.
 *
 * Context: redwirectl, blocking, single threaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmd.h"

#define CTL_DEFAULT_NAME "rw"

struct ctl_command {
	const char *name;
	int (*fn)(const struct ctl *c, int argc, char **argv);
	const char *usage; /* options, after "redwirectl [global options] NAME" */
	const char *help;  /* one line for the command list */
	const char *more;  /* details for `NAME --help` */
};

static const struct ctl_command commands[] = {
    {"status", ctl_cmd_status, "[--json]", "role, uptime, dataplane, per-worker counts", ""},
    {"stats", ctl_cmd_stats, "[--json] [--watch [--interval S] [--count N]]",
     "every per-worker counter; --watch redraws per-worker rates",
     "  --watch        redraw per-worker rates (commands/s, packets/s, forwarded/s,\n"
     "                 evicted/s) and used memory\n"
     "                 every interval until Ctrl-C (exit 0) or --count redraws;\n"
     "                 with --json, one JSON object per line instead\n"
     "  --interval S   seconds between redraws (default 1; fractions allowed)\n"
     "  --count N      stop after N redraws\n"},
    {"memory", ctl_cmd_memory, "[--json]",
     "memory per worker: keys, TTLs, used bytes and share, evictions, hit rate",
     "  Each worker's shard: keys, keys with a TTL, used memory and its share of\n"
     "  the total, keys evicted and expired, hit rate; then the total against\n"
     "  maxmemory (one budget for all shards), the policy and the dataplane's\n"
     "  resident memory. Exit 1 if the dataplane is not attached.\n"},
    {"health", ctl_cmd_health, "[--json]", "liveness and readiness (exit 1 if not ready)", ""},
    {"appliance", ctl_cmd_appliance, "[--json]",
     "version, dataplane, hugepages, NUMA nodes, socket", ""},
    {"config", ctl_cmd_config, "get PATTERN | set NAME VALUE [--json]",
     "parameters whose names match a glob; set one at run time (CONFIG SET)",
     "  get PATTERN    glob over the parameter names, case-insensitive ('*', 'max*',\n"
     "                 'redwire-*'); prints name, value and default (secrets read\n"
     "                 \"(redacted)\"); exit 1 if nothing matches\n"},
    {"doctor", ctl_cmd_doctor, "[--root DIR] [--config FILE] [--json]",
     "check the host: hugepages, NIC binding, IOMMU, NUMA, management NIC, PMDs, prefix",
     "  Reads sysfs and procfs on this host (it does not need the appliance to run)\n"
     "  and prints one line per check; each FAULT comes with the command that fixes\n"
     "  it. Exit 0 when nothing is wrong, 1 when a fault was found.\n"
     "  --config FILE  the configuration to check against (default: the running\n"
     "                 instance's, from the arguments next to its socket; else the\n"
     "                 built-in defaults)\n"
     "  --root DIR     read /sys, /proc, /run and /usr under DIR (fixture trees)\n"},
    {"metrics", ctl_cmd_metrics, "", "the Prometheus metrics exposition (/metrics)", ""},
    {"support-bundle", ctl_cmd_support_bundle, "[-o FILE]",
     "appliance, stats, parameters, metrics and log tails in one JSON (secrets redacted)",
     "  -o FILE        write the bundle to FILE instead of standard output\n"},
    {"token", ctl_cmd_token, "create ROLE NAME [--ttl SECONDS] | list | revoke ID [--json]",
     "bearer tokens for the HTTPS API (create prints the token once)",
     "  create ROLE NAME\n"
     "                 make a token: ROLE is viewer, operator or admin; NAME says who\n"
     "                 it is for; --ttl makes it expire after SECONDS (default: never).\n"
     "                 Prints the token on the first line, then its id: the token is\n"
     "                 shown this once (the server keeps only its SHA-256)\n"
     "  list           id, name, role, expiry of every token (never the token)\n"
     "  revoke ID      the token stops working at once; exit 1 if there is no such id\n"},
    {"users", ctl_cmd_users, "list | get NAME | set NAME RULES... | del NAME [--json]",
     "the Redis ACL users (admin): list, show, create or replace, delete",
     "  list           every user: name, on/off, key and channel patterns, command\n"
     "                 rules, nopass or how many passwords (never a password)\n"
     "  get NAME       one user; exit 1 if there is none\n"
     "  set NAME RULES...\n"
     "                 the user becomes exactly RULES, ACL SETUSER's syntax, e.g.\n"
     "                 set app on '>secret' '~app:*' -@all +@read; created if new.\n"
     "                 A rule Redis refuses is printed and exits 1; nothing changes\n"
     "  del NAME       delete the user and close its connections (not 'default')\n"},
    {"tasks", ctl_cmd_tasks, "[ID] [--json]",
     "long jobs (snapshots) with state, phase, progress, ETA and error",
     "  Newest first, the last 64; with ID, that task alone (exit 1 if unknown).\n"},
    {"events", ctl_cmd_events, "[--since ID] [--follow] [--json]",
     "what happened: config changes, snapshots, dataplane attach/detach, tokens, TLS",
     "  --since ID     only events after ID\n"
     "  --follow, -f   keep printing new events (polls every 0.5 s) until Ctrl-C;\n"
     "                 with --json, one event per line\n"},
    {"snapshot", ctl_cmd_snapshot, "create [--wait] | list | delete ID | restore ID [--json]",
     "RDB snapshots: take one (a task), list the kept files, delete, restore",
     "  create         ask for a snapshot; prints its task. --wait follows the task\n"
     "                 with a progress bar (standard error) and exits 0 only if it\n"
     "                 succeeded\n"
     "  list           the kept files: id, size, time, checksum check\n"
     "  delete ID      remove a kept file\n"
     "  restore ID     load it into the running appliance (admin), following the\n"
     "                 task with a progress bar: clients get -LOADING while it loads,\n"
     "                 then an AOF rewrite (appendonly yes) or a save makes it durable\n"
     "                 (exit 0 once the task succeeded, 1 if it failed)\n"},
    {"replication", ctl_cmd_replication, "[--json]",
     "replication status (the API answers 501 until replication lands: exit 1)",
     "  GET /v1/replication: role, link and lag once replication exists; until then\n"
     "  the API's 501 answer is printed and the exit status is 1.\n"},
    {"failover", ctl_cmd_failover, "status | start [--json]",
     "failover status; start a manual failover (501 until failover lands: exit 1)",
     "  status         GET /v1/failover\n"
     "  start          POST /v1/failover (operator): a manual failover\n"
     "  Until failover exists the API answers 501; it is printed, exit status 1.\n"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: redwirectl [--socket PATH | --name NAME] [--json] <command> [options]\n"
		   "commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"Run 'redwirectl <command> --help' for a command's options.\n"
		"NAME defaults to \"" CTL_DEFAULT_NAME "\": socket /run/redwire/NAME/api.sock\n"
		"exit status:\n"
		"  0  success\n"
		"  1  the API answered an error, or the check failed (health: not ready;\n"
		"     config get: nothing matched; doctor: a fault was found)\n"
		"  2  usage error\n"
		"  3  the management API cannot be reached (no socket, refused, timeout)\n"
		"  4  the API's answer is not understood (not HTTP, or not the JSON expected)\n");
}

static void command_usage(FILE *f, const struct ctl_command *cmd)
{
	fprintf(f, "usage: redwirectl [--socket PATH | --name NAME] %s %s\n%s\n%s", cmd->name,
		cmd->usage, cmd->help, cmd->more);
	fprintf(f, "  --json         print the API's JSON%s\n  --help         this text\n",
		strcmp(cmd->name, "metrics") == 0 ? " (ignored: the exposition is text)" : "");
}

static enum ctl_exit ctl_send(const struct ctl *c, const char *method, const char *path,
			      const char *body, struct ctl_resp *r)
{
	int rc = ctl_http_request(c->sock, method, path, body, r);
	if (rc == 0)
		return CTL_EXIT_OK;
	if (rc == -EPROTO) {
		fprintf(stderr, "redwirectl: %s at %s: not an HTTP response\n", path, c->sock);
		return CTL_EXIT_PROTOCOL;
	}
	fprintf(stderr, "redwirectl: cannot reach the management API at %s: %s%s\n", c->sock,
		strerror(-rc),
		rc == -ENOENT || rc == -ECONNREFUSED ? " (is redwire-control running?)" : "");
	return rc == -ENOMEM ? CTL_EXIT_FAIL : CTL_EXIT_UNREACHABLE;
}

enum ctl_exit ctl_fetch(const struct ctl *c, const char *path, struct ctl_resp *r)
{
	return ctl_send(c, "GET", path, NULL, r);
}

enum ctl_exit ctl_fetch_json(const struct ctl *c, const char *path, int *status, json_t **out)
{
	return ctl_send_json(c, "GET", path, NULL, status, out);
}

enum ctl_exit ctl_send_json(const struct ctl *c, const char *method, const char *path,
			    const char *body, int *status, json_t **out)
{
	struct ctl_resp r;
	*out = NULL;
	enum ctl_exit e = ctl_send(c, method, path, body, &r);
	if (e != CTL_EXIT_OK)
		return e;
	*status = r.status;
	json_error_t err;
	*out = json_loads(r.body, 0, &err);
	if (*out == NULL)
		fprintf(stderr, "redwirectl: %s answered %d with invalid JSON: %s\n", path,
			r.status, err.text);
	ctl_resp_fini(&r);
	return *out != NULL ? CTL_EXIT_OK : CTL_EXIT_PROTOCOL;
}

/*
 * Pull the options every command takes (--json, --help, and the global
 * --socket/--name, also accepted after the command) out of its arguments.
 * @return true if --help was asked.
 */
static bool common_opts(struct ctl *c, const char **name, int *argc, char **argv)
{
	bool help = false;
	int w = 0;
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			c->json = true;
		else if (strcmp(argv[i], "--socket") == 0 && i + 1 < *argc)
			c->sock = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < *argc)
			*name = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			help = true;
		else
			argv[w++] = argv[i];
	}
	*argc = w;
	return help;
}

int main(int argc, char **argv)
{
	struct ctl c = {0};
	const char *name = CTL_DEFAULT_NAME;
	int i;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			c.sock = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			c.json = true;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return CTL_EXIT_OK;
		} else {
			fprintf(stderr, "redwirectl: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	const char *cmd = argv[i];
	if (strcmp(cmd, "help") == 0) {
		for (size_t k = 0; i + 1 < argc && k < N_COMMANDS; k++)
			if (strcmp(commands[k].name, argv[i + 1]) == 0) {
				command_usage(stdout, &commands[k]);
				return CTL_EXIT_OK;
			}
		usage(stdout);
		return i + 1 < argc ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	char path[256];
	for (size_t k = 0; k < N_COMMANDS; k++) {
		if (strcmp(commands[k].name, cmd) != 0)
			continue;
		int sub_argc = argc - i - 1;
		char **sub_argv = argv + i + 1;
		if (common_opts(&c, &name, &sub_argc, sub_argv)) {
			command_usage(stdout, &commands[k]);
			return CTL_EXIT_OK;
		}
		if (c.sock == NULL) {
			snprintf(path, sizeof(path), "/run/redwire/%s/api.sock", name);
			c.sock = path;
		}
		int rc = commands[k].fn(&c, sub_argc, sub_argv);
		if (rc == CTL_EXIT_USAGE)
			command_usage(stderr, &commands[k]);
		return rc;
	}
	fprintf(stderr, "redwirectl: unknown command '%s'\n", cmd);
	usage(stderr);
	return CTL_EXIT_USAGE;
}
