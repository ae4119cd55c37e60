/*
 * `redwirectl doctor [--root DIR] [--config FILE] [--json]`: the host
 * checks of ctl_doctor_checks.c against the configuration the appliance
 * runs with, one line per check, each fault followed by the command that
 * fixes it. Exit 0 when nothing is wrong, 1 when a fault was found.
 *
 * The configuration: --config FILE; else the running instance's (the
 * arguments `redwire up` recorded next to the API socket, in ARGS_FILE);
 * else the defaults. It runs on the host itself, not through the API:
 * the point is to diagnose a host whose appliance may not start.
 *
 * Context: redwirectl, blocking.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmd.h"
#include "ctl_doctor.h"

#define ARGS_FILE "args" /* next to api.sock: `redwire up`'s daemon arguments */
#define MAX_ARGS  64

const char *doc_path(const struct doc *d, char *buf, size_t len, const char *fmt, ...)
{
	size_t off = (size_t)snprintf(buf, len, "%s", d->root);
	va_list ap;
	va_start(ap, fmt);
	if (off < len)
		vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
	return buf;
}

bool doc_read_line(const struct doc *d, const char *path, char *buf, size_t len)
{
	char p[1024];
	FILE *f = fopen(doc_path(d, p, sizeof(p), "%s", path), "re");
	if (f == NULL)
		return false;
	bool ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

bool doc_read_long(const struct doc *d, const char *path, long *out)
{
	char buf[64], *end;
	if (!doc_read_line(d, path, buf, sizeof(buf)))
		return false;
	long v = strtol(buf, &end, 10);
	if (end == buf)
		return false;
	*out = v;
	return true;
}

void doc_add(struct doc *d, const char *id, const char *fix, const char *fmt, ...)
{
	if (d->n >= DOC_MAX_FINDINGS)
		return;
	struct doc_finding *f = &d->f[d->n++];
	snprintf(f->id, sizeof(f->id), "%s", id);
	f->fault = fix != NULL;
	snprintf(f->fix, sizeof(f->fix), "%s", fix ? fix : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
}

/*
 * The configuration: @p file, else the running instance's recorded
 * arguments ("--config FILE --redwire-name NAME ..."), else the defaults.
 */
static int config_load(const struct ctl *c, const char *file, struct rw_config *cfg)
{
	char err[512] = "", args[4096] = "", path[512];
	char *argv[MAX_ARGS];
	int argc = 0;
	if (file == NULL) {
		const char *slash = strrchr(c->sock, '/');
		snprintf(path, sizeof(path), "%.*s/" ARGS_FILE,
			 (int)(slash ? (size_t)(slash - c->sock) : 0), c->sock);
		FILE *f = fopen(path, "re");
		if (f != NULL) {
			if (fgets(args, sizeof(args), f) == NULL)
				args[0] = '\0';
			fclose(f);
		}
		for (char *t = strtok(args, " \n"); t != NULL && argc < MAX_ARGS;
		     t = strtok(NULL, " \n"))
			argv[argc++] = t;
		if (argc >= 2 && strcmp(argv[0], "--config") == 0) {
			file = argv[1];
			memmove(argv, argv + 2, sizeof(argv[0]) * (size_t)(argc - 2));
			argc -= 2;
		}
	}
	int rc = rw_config_load(cfg, file, argc, argv, NULL, NULL, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "redwirectl: doctor: %s\n",
			err[0] ? err : "cannot read the configuration");
	return rc;
}

static void print_hugepages(json_t *hp)
{
	size_t i;
	json_t *e;
	json_array_foreach(hp, i, e)
	{
		json_t *node = json_object_get(e, "node");
		char where[32];
		if (json_is_integer(node))
			snprintf(where, sizeof(where), "node %lld", json_integer_value(node));
		else
			snprintf(where, sizeof(where), "all nodes");
		printf("hugepages  %8lld kB  %-10s %6lld total %6lld free%s\n",
		       json_integer_value(json_object_get(e, "size_kb")), where,
		       json_integer_value(json_object_get(e, "total")),
		       json_integer_value(json_object_get(e, "free")),
		       json_is_true(json_object_get(e, "default")) ? "  (default size)" : "");
	}
}

static json_t *report_json(const struct doc *d, int faults)
{
	json_t *list = json_array();
	for (int i = 0; i < d->n; i++) {
		const struct doc_finding *f = &d->f[i];
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:o}", "id", f->id, "status",
				    f->fault ? "fault" : "ok", "message", f->what, "fix",
				    f->fault ? json_string(f->fix) : json_null()));
	}
	return json_pack("{s:s, s:s, s:i, s:o, s:O}", "config_file",
			 d->config_file ? d->config_file : "", "root", d->root, "faults", faults,
			 "findings", list, "hugepages", d->hugepages);
}

int ctl_cmd_doctor(const struct ctl *c, int argc, char **argv)
{
	const char *root = "", *file = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			root = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			file = argv[++i];
		else {
			fprintf(stderr, "redwirectl: unexpected argument '%s'\n", argv[i]);
			return CTL_EXIT_USAGE;
		}
	}
	struct rw_config cfg;
	if (config_load(c, file, &cfg) != 0)
		return CTL_EXIT_FAIL;
	static struct doc d; /* 64 findings of 1 KiB: not on the stack */
	memset(&d, 0, sizeof(d));
	d.root = root;
	d.cfg = &cfg;
	d.config_file = cfg.config_file;
	d.hugepages = json_array();
	int nic_node = -1;
	doc_check_nic(&d, &nic_node);
	doc_check_hugepages(&d, nic_node);
	doc_check_mgmt(&d);
	doc_check_pmds(&d);
	doc_check_file_prefix(&d);
	int faults = 0;
	for (int i = 0; i < d.n; i++)
		faults += d.f[i].fault;
	if (c->json) {
		json_t *j = report_json(&d, faults);
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(j);
	} else {
		printf("config     %s\n", cfg.config_file[0] ? cfg.config_file : "(defaults)");
		print_hugepages(d.hugepages);
		for (int i = 0; i < d.n; i++) {
			printf("%-6s %-20s %s\n", d.f[i].fault ? "FAULT" : "ok", d.f[i].id,
			       d.f[i].what);
			if (d.f[i].fault)
				printf("       fix: %s\n", d.f[i].fix);
		}
		printf("%d fault%s\n", faults, faults == 1 ? "" : "s");
	}
	json_decref(d.hugepages);
	rw_config_fini(&cfg);
	return faults ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
