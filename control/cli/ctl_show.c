/*
 * redwirectl's one-shot commands: status, stats, health, appliance,
 * config get, metrics. Each GETs its route and prints a table, or the
 * API's JSON with --json.
 *
 * Context: redwirectl, blocking.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmd.h"

static json_int_t jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void print_uptime(json_int_t s)
{
	if (s >= 86400)
		printf("%lldd%02lldh%02lldm\n", s / 86400, s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		printf("%lldh%02lldm%02llds\n", s / 3600, s % 3600 / 60, s % 60);
	else
		printf("%llds\n", s);
}

static void print_dataplane(json_t *dp)
{
	if (!json_is_true(json_object_get(dp, "attached"))) {
		printf("dataplane:    not attached\n");
		return;
	}
	printf("dataplane:    pid %lld, epoch %s, %s, %lld workers\n", jint(dp, "pid"),
	       jstr(dp, "epoch"),
	       json_is_true(json_object_get(dp, "alive")) ? "alive" : "NOT ALIVE (stale heartbeat)",
	       jint(dp, "workers"));
}

static void print_status(json_t *j)
{
	json_t *tot = json_object_get(j, "totals");
	printf("role:         %s\n", jstr(j, "role"));
	printf("name:         %s\n", jstr(j, "name"));
	printf("version:      %s\n", jstr(j, "version"));
	printf("uptime:       ");
	print_uptime(jint(j, "uptime_seconds"));
	print_dataplane(json_object_get(j, "dataplane"));
	printf("connections:  %lld\n", jint(tot, "connections_current"));
	printf("commands:     %lld executed, %lld received\n", jint(tot, "commands"),
	       jint(tot, "commands_received"));
	printf("journal:      %lld records consumed\n", jint(tot, "journal_records_consumed"));
	json_t *workers = json_object_get(j, "workers");
	if (json_array_size(workers) == 0)
		return;
	printf("\n%-6s %14s %12s %12s %11s %9s\n", "worker", "commands", "fwd_sent", "fwd_recv",
	       "connections", "ping_us");
	size_t i;
	json_t *w;
	json_array_foreach(workers, i, w)
	{
		json_t *st = json_object_get(w, "stats");
		printf("%-6lld %14lld %12lld %12lld %11lld %9lld\n", jint(w, "worker"),
		       jint(st, "commands"), jint(st, "fwd_sent"), jint(st, "fwd_received"),
		       jint(st, "tcp_conns_current"), jint(json_object_get(w, "ping"), "rtt_us"));
	}
}

/* One row per counter, one column per worker, then the total. */
static void print_stats(json_t *j)
{
	json_t *workers = json_object_get(j, "workers"), *tot = json_object_get(j, "totals");
	if (!json_is_true(json_object_get(j, "attached")))
		printf("dataplane not attached\n");
	size_t i;
	json_t *w;
	printf("%-22s", "counter");
	json_array_foreach(workers, i, w)
	{
		char h[24];
		snprintf(h, sizeof(h), "w%lld", jint(w, "worker"));
		printf(" %14s", h);
	}
	printf(" %16s\n", "total");
	const char *key;
	json_t *v;
	json_object_foreach(tot, key, v)
	{
		printf("%-22s", key);
		json_array_foreach(workers, i, w) printf(" %14lld", jint(w, key));
		printf(" %16lld\n", json_integer_value(v));
	}
}

/* "worker 0:     lcore 1, cpu 1, node 0": where the EAL put each worker. */
static void print_placement(json_t *p)
{
	size_t i;
	json_t *e;
	if (!json_is_object(p))
		return;
	json_t *pn = json_object_get(p, "port_node");
	if (json_is_integer(pn))
		printf("port node:    %lld%s\n", (long long)json_integer_value(pn),
		       json_is_true(json_object_get(p, "local")) ? " (every worker on it)"
								 : " (a worker on another node)");
	else
		printf("port node:    none (a virtual device)\n");
	json_array_foreach(json_object_get(p, "workers"), i, e)
	{
		json_t *n = json_object_get(e, "node");
		printf("worker %-6lld lcore %lld, cpu %lld, node ", jint(e, "worker"),
		       jint(e, "lcore"), jint(e, "cpu"));
		if (json_is_integer(n))
			printf("%lld\n", (long long)json_integer_value(n));
		else
			printf("unknown\n");
	}
}

static void print_appliance(json_t *j)
{
	printf("name:         %s\n", jstr(j, "name"));
	printf("version:      %s\n", jstr(j, "version"));
	printf("uptime:       ");
	print_uptime(jint(j, "uptime_seconds"));
	print_dataplane(json_object_get(j, "dataplane"));
	printf("socket:       %s\n", jstr(j, "management_socket"));
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(j, "ports"), i, e) if (json_object_get(e, "resp_port"))
	    printf("port:         %s %s:%lld (%s)\n", jstr(e, "role"), jstr(e, "address"),
		   jint(e, "resp_port"), jstr(e, "device"));
	else printf("port:         %s %s\n", jstr(e, "role"), jstr(e, "address"));
	json_t *lc = json_object_get(j, "lcores");
	if (lc != NULL)
		printf("lcores:       %lld workers, cores %s\n", jint(lc, "workers"),
		       *jstr(lc, "cores") ? jstr(lc, "cores") : "(the first N)");
	printf("image slot:   %s\n", json_is_string(json_object_get(j, "image_slot"))
					 ? jstr(j, "image_slot")
					 : "(no images installed)");
	json_array_foreach(json_object_get(j, "hugepages"), i, e)
	    printf("hugepages:    %lld kB: %lld total, %lld free%s\n", jint(e, "size_kb"),
		   jint(e, "total"), jint(e, "free"),
		   json_is_true(json_object_get(e, "default")) ? " (default size)" : "");
	json_t *numa = json_object_get(j, "numa");
	if (!json_is_true(json_object_get(numa, "available")))
		printf("numa:         not available\n");
	json_array_foreach(json_object_get(numa, "nodes"), i, e)
	    printf("numa node %lld:  %lld MiB total, %lld MiB free\n", jint(e, "node"),
		   jint(e, "memory_total_bytes") >> 20, jint(e, "memory_free_bytes") >> 20);
	print_placement(json_object_get(j, "placement"));
}

/* GET @p path; print it with @p print (or as JSON); non-200 is CTL_EXIT_FAIL. */
static int show(const struct ctl *c, const char *path, void (*print)(json_t *))
{
	int status = 0;
	json_t *j;
	enum ctl_exit e = ctl_fetch_json(c, path, &status, &j);
	if (e != CTL_EXIT_OK)
		return e;
	if (c->json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (status != 200) {
		fprintf(stderr, "redwirectl: %s: HTTP %d: %s\n", path, status, jstr(j, "error"));
	} else {
		print(j);
	}
	json_decref(j);
	return status == 200 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

static int no_args(int argc, char **argv)
{
	if (argc == 0)
		return CTL_EXIT_OK;
	fprintf(stderr, "redwirectl: unexpected argument '%s'\n", argv[0]);
	return CTL_EXIT_USAGE;
}

int ctl_cmd_status(const struct ctl *c, int argc, char **argv)
{
	int rc = no_args(argc, argv);
	return rc != CTL_EXIT_OK ? rc : show(c, "/v1/status", print_status);
}

static int parse_number(const char *opt, const char *s, double min, double *out)
{
	char *end;
	double v = s ? strtod(s, &end) : 0;
	if (s == NULL || end == s || *end != '\0' || !(v >= min)) {
		fprintf(stderr, "redwirectl: %s needs a number >= %g\n", opt, min);
		return CTL_EXIT_USAGE;
	}
	*out = v;
	return CTL_EXIT_OK;
}

int ctl_cmd_stats(const struct ctl *c, int argc, char **argv)
{
	bool watch = false;
	double interval = 1, count = 0;
	for (int i = 0; i < argc; i++) {
		int rc = CTL_EXIT_OK;
		if (strcmp(argv[i], "--watch") == 0 || strcmp(argv[i], "-w") == 0)
			watch = true;
		else if (strcmp(argv[i], "--interval") == 0)
			rc = parse_number("--interval", i + 1 < argc ? argv[++i] : NULL, 0.05,
					  &interval);
		else if (strcmp(argv[i], "--count") == 0)
			rc = parse_number("--count", i + 1 < argc ? argv[++i] : NULL, 1, &count);
		else
			rc = no_args(1, &argv[i]);
		if (rc != CTL_EXIT_OK)
			return rc;
	}
	if (!watch && (count != 0 || interval != 1)) {
		fprintf(stderr, "redwirectl: --interval and --count go with --watch\n");
		return CTL_EXIT_USAGE;
	}
	if (watch)
		return ctl_stats_watch(c, interval, (long)count);
	return show(c, "/v1/stats", print_stats);
}

int ctl_cmd_health(const struct ctl *c, int argc, char **argv)
{
	int live_status = 0, ready_status = 0;
	json_t *live, *ready;
	int rc = no_args(argc, argv);
	if (rc != CTL_EXIT_OK)
		return rc;
	rc = ctl_fetch_json(c, "/v1/health/live", &live_status, &live);
	if (rc != CTL_EXIT_OK)
		return rc;
	rc = ctl_fetch_json(c, "/v1/health/ready", &ready_status, &ready);
	if (rc != CTL_EXIT_OK) {
		json_decref(live);
		return rc;
	}
	if (c->json) {
		json_t *both = json_pack("{s:O, s:O}", "live", live, "ready", ready);
		json_dumpf(both, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(both);
	} else {
		printf("live:  %s\n", live_status == 200 ? "yes" : "no");
		printf("ready: %s (%s)\n", ready_status == 200 ? "yes" : "no",
		       jstr(ready, "reason"));
	}
	json_decref(live);
	json_decref(ready);
	return live_status == 200 && ready_status == 200 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

int ctl_cmd_appliance(const struct ctl *c, int argc, char **argv)
{
	int rc = no_args(argc, argv);
	return rc != CTL_EXIT_OK ? rc : show(c, "/v1/appliance", print_appliance);
}

/* A parameter's value as redis.conf would spell it. */
static void value_text(json_t *v, char *buf, size_t len)
{
	if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", json_integer_value(v));
	else if (json_is_string(v))
		snprintf(buf, len, "\"%s\"", json_string_value(v));
	else
		snprintf(buf, len, "-");
}

/* config set NAME VALUE: GET the parameter for its ETag, then PATCH with
 * If-Match, so a change made meanwhile by a console is not overwritten. */
static int config_set(const struct ctl *c, const char *name, const char *value)
{
	char path[256], hdr[128];
	struct ctl_resp r;
	snprintf(path, sizeof(path), "/v1/parameters/%s", name);
	enum ctl_exit e = ctl_fetch(c, path, &r);
	if (e != CTL_EXIT_OK)
		return e;
	snprintf(hdr, sizeof(hdr), "If-Match: %s\r\n", r.etag);
	bool found = r.status == 200;
	ctl_resp_fini(&r);
	if (!found) {
		fprintf(stderr, "redwirectl: no parameter '%s'\n", name);
		return CTL_EXIT_FAIL;
	}
	json_t *body = json_pack("{s:s}", "value", value);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	int rc = ctl_http_request_hdr(c->sock, "PATCH", path, hdr, text, &r);
	free(text);
	if (rc != 0) {
		fprintf(stderr, "redwirectl: %s: %s\n", c->sock, strerror(-rc));
		return CTL_EXIT_UNREACHABLE;
	}
	json_error_t err;
	json_t *j = json_loads(r.body, 0, &err);
	if (r.status == 200 && c->json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (r.status == 200) {
		printf("OK\n");
	} else {
		fprintf(stderr, "redwirectl: %s: HTTP %d: %s\n", name, r.status, jstr(j, "error"));
	}
	rc = r.status == 200 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
	json_decref(j);
	ctl_resp_fini(&r);
	return rc;
}

int ctl_cmd_config(const struct ctl *c, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[0], "set") == 0)
		return config_set(c, argv[1], argv[2]);
	if (argc != 2 || strcmp(argv[0], "get") != 0) {
		fprintf(stderr, "redwirectl: config needs: get PATTERN | set NAME VALUE\n");
		return CTL_EXIT_USAGE;
	}
	const char *pattern = argv[1];
	int status = 0;
	json_t *j;
	enum ctl_exit e = ctl_fetch_json(c, "/v1/parameters", &status, &j);
	if (e != CTL_EXIT_OK)
		return e;
	if (status != 200) {
		fprintf(stderr, "redwirectl: /v1/parameters: HTTP %d: %s\n", status,
			jstr(j, "error"));
		json_decref(j);
		return CTL_EXIT_FAIL;
	}
	json_t *params = json_object_get(j, "parameters"), *match = json_array(), *p;
	size_t i;
	json_array_foreach(params, i, p) if (fnmatch(pattern, jstr(p, "name"), FNM_CASEFOLD) == 0)
	    json_array_append(match, p);
	if (c->json) {
		json_dumpf(match, stdout, JSON_INDENT(2));
		printf("\n");
	} else {
		char value[1100], def[1100];
		json_array_foreach(match, i, p)
		{
			value_text(json_object_get(p, "value"), value, sizeof(value));
			value_text(json_object_get(p, "default"), def, sizeof(def));
			printf("%-28s %-28s (default %s, applies at %s)\n", jstr(p, "name"), value,
			       def, jstr(p, "apply"));
		}
	}
	int rc = json_array_size(match) > 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
	if (rc != CTL_EXIT_OK)
		fprintf(stderr, "redwirectl: no parameter matches '%s'\n", pattern);
	json_decref(match);
	json_decref(j);
	return rc;
}

int ctl_cmd_metrics(const struct ctl *c, int argc, char **argv)
{
	struct ctl_resp r;
	int rc = no_args(argc, argv);
	if (rc != CTL_EXIT_OK)
		return rc;
	enum ctl_exit e = ctl_fetch(c, "/metrics", &r);
	if (e != CTL_EXIT_OK)
		return e;
	if (r.status == 200)
		fwrite(r.body, 1, r.len, stdout);
	else
		fprintf(stderr, "redwirectl: /metrics: HTTP %d\n", r.status);
	rc = r.status == 200 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
	ctl_resp_fini(&r);
	return rc;
}

/* support-bundle [-o FILE]: the JSON as the API sends it (secrets redacted there). */
int ctl_cmd_support_bundle(const struct ctl *c, int argc, char **argv)
{
	const char *out = NULL;
	if (argc == 2 && (strcmp(argv[0], "-o") == 0 || strcmp(argv[0], "--output") == 0))
		out = argv[1];
	else if (argc != 0)
		return no_args(argc, argv);
	struct ctl_resp r;
	enum ctl_exit e = ctl_fetch(c, "/v1/support-bundle", &r);
	if (e != CTL_EXIT_OK)
		return e;
	int rc = CTL_EXIT_OK;
	if (r.status != 200) {
		fprintf(stderr, "redwirectl: /v1/support-bundle: HTTP %d\n", r.status);
		rc = CTL_EXIT_FAIL;
	} else {
		FILE *f = out ? fopen(out, "we") : stdout;
		if (f == NULL || fwrite(r.body, 1, r.len, f) != r.len || fputc('\n', f) == EOF) {
			fprintf(stderr, "redwirectl: cannot write %s\n", out ? out : "stdout");
			rc = CTL_EXIT_FAIL;
		}
		if (f != NULL && f != stdout && fclose(f) != 0)
			rc = CTL_EXIT_FAIL;
	}
	ctl_resp_fini(&r);
	return rc;
}
