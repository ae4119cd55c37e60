/*
 * `redwirectl memory`: where the memory budget goes, worker by worker.
 *
 * One maxmemory covers every shard (dataplane/cmd/cmd_evict.c); each
 * worker evicts from its own shard only. An operator asking "why are keys
 * evicted" or "which core holds the data" needs the per-shard split the
 * RESP side cannot show (INFO sums the shards): keys, keys with a TTL,
 * used bytes and their share of the total, evictions, expiries, hits and
 * misses per worker, then the totals against maxmemory, the policy, and the
 * dataplane's resident memory.
 *
 * Built from GET /v1/stats (the counters the workers publish) and GET
 * /v1/parameters/maxmemory-policy (the run-time value). --json prints the
 * same figures as one JSON object.
 *
 * Context: redwirectl, blocking.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_cmd.h"

/* The per-worker fields shown, from the stats block's names. */
static const char *const mem_fields[] = {"keys",	   "expires",	   "used_memory",
					 "evicted_keys",   "expired_keys", "keyspace_hits",
					 "keyspace_misses"};
#define N_MEM_FIELDS (sizeof(mem_fields) / sizeof(mem_fields[0]))

static json_int_t jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Redis's bytesToHuman(): 1023B, 1.50K, 2.00M, ... */
static void human(char *s, size_t cap, double n)
{
	static const char units[] = "BKMGTP";
	size_t u = 0;
	while (n >= 1024 && u + 1 < sizeof(units) - 1) {
		n /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(s, cap, "%.0fB", n);
	else
		snprintf(s, cap, "%.2f%c", n, units[u]);
}

static json_t *ratio_or_null(json_int_t num, json_int_t den)
{
	return den > 0 ? json_real((double)num / (double)den) : json_null();
}

/* The figures of one worker (or of the totals, @p w < 0). */
static json_t *mem_row(json_t *src, int w, json_int_t total_used)
{
	json_t *o = json_object();
	if (w >= 0)
		json_object_set_new(o, "worker", json_integer(w));
	for (size_t k = 0; k < N_MEM_FIELDS; k++)
		json_object_set_new(o, mem_fields[k], json_integer(jint(src, mem_fields[k])));
	json_object_set_new(o, "used_share", ratio_or_null(jint(src, "used_memory"), total_used));
	json_int_t hits = jint(src, "keyspace_hits"), misses = jint(src, "keyspace_misses");
	json_object_set_new(o, "hit_ratio", ratio_or_null(hits, hits + misses));
	return o;
}

/* GET /v1/parameters/maxmemory-policy's value; "" if it cannot be had. */
static void policy_get(const struct ctl *c, char *buf, size_t len)
{
	int status = 0;
	json_t *j = NULL;
	buf[0] = '\0';
	if (ctl_fetch_json(c, "/v1/parameters/maxmemory-policy", &status, &j) != CTL_EXIT_OK)
		return;
	const char *v = json_string_value(json_object_get(j, "value"));
	if (status == 200 && v != NULL)
		snprintf(buf, len, "%s", v);
	json_decref(j);
}

/* The JSON that --json prints and the table is drawn from. */
static json_t *mem_build(json_t *stats, const char *policy)
{
	json_t *tot = json_object_get(stats, "totals");
	json_int_t used = jint(tot, "used_memory"), max = jint(tot, "maxmemory");
	json_t *workers = json_array(), *w;
	size_t i;
	json_array_foreach(json_object_get(stats, "workers"), i, w)
	    json_array_append_new(workers, mem_row(w, (int)jint(w, "worker"), used));
	json_t *o = mem_row(tot, -1, used);
	json_object_del(o, "used_share");
	json_object_set_new(o, "attached",
			    json_boolean(json_is_true(json_object_get(stats, "attached"))));
	json_object_set_new(o, "maxmemory", json_integer(max));
	json_object_set_new(o, "used_of_max", ratio_or_null(used, max));
	json_object_set_new(o, "maxmemory_policy", policy[0] ? json_string(policy) : json_null());
	json_object_set_new(o, "dataplane_rss_bytes",
			    json_integer(jint(stats, "dataplane_rss_bytes")));
	json_object_set_new(o, "workers", workers);
	return o;
}

static void pct(json_t *v)
{
	if (json_is_number(v))
		printf(" %7.1f%%", json_number_value(v) * 100);
	else
		printf(" %8s", "-");
}

static void mem_line(const char *label, json_t *r)
{
	char used[32];
	human(used, sizeof(used), (double)jint(r, "used_memory"));
	printf("%-6s %12lld %10lld %10s", label, jint(r, "keys"), jint(r, "expires"), used);
	pct(json_object_get(r, "used_share"));
	printf(" %10lld %10lld", jint(r, "evicted_keys"), jint(r, "expired_keys"));
	pct(json_object_get(r, "hit_ratio"));
	printf("\n");
}

static void mem_print(json_t *m)
{
	char used[32], max[32], rss[32];
	human(used, sizeof(used), (double)jint(m, "used_memory"));
	human(max, sizeof(max), (double)jint(m, "maxmemory"));
	human(rss, sizeof(rss), (double)jint(m, "dataplane_rss_bytes"));
	json_t *of = json_object_get(m, "used_of_max");
	const char *policy = json_string_value(json_object_get(m, "maxmemory_policy"));
	printf("used memory:   %s (%lld bytes)", used, jint(m, "used_memory"));
	if (json_is_number(of))
		printf(" of maxmemory %s: %.1f%%\n", max, json_number_value(of) * 100);
	else
		printf(", no maxmemory\n");
	printf("policy:        %s\n", policy ? policy : "-");
	printf("dataplane RSS: %s\n\n", rss);
	printf("%-6s %12s %10s %10s %9s %10s %10s %9s\n", "worker", "keys", "expires", "used",
	       "share", "evicted", "expired", "hit_rate");
	size_t i;
	json_t *w;
	json_array_foreach(json_object_get(m, "workers"), i, w)
	{
		char label[16];
		snprintf(label, sizeof(label), "%lld", jint(w, "worker"));
		mem_line(label, w);
	}
	json_object_set_new(m, "used_share", json_real(1));
	mem_line("total", m);
	json_object_del(m, "used_share");
}

int ctl_cmd_memory(const struct ctl *c, int argc, char **argv)
{
	if (argc > 0) {
		fprintf(stderr, "redwirectl: unexpected argument '%s'\n", argv[0]);
		return CTL_EXIT_USAGE;
	}
	int status = 0;
	json_t *stats;
	enum ctl_exit e = ctl_fetch_json(c, "/v1/stats", &status, &stats);
	if (e != CTL_EXIT_OK)
		return e;
	if (status != 200) {
		const char *why = json_string_value(json_object_get(stats, "error"));
		fprintf(stderr, "redwirectl: /v1/stats: HTTP %d: %s\n", status, why ? why : "");
		json_decref(stats);
		return CTL_EXIT_FAIL;
	}
	char policy[64];
	policy_get(c, policy, sizeof(policy));
	json_t *m = mem_build(stats, policy);
	json_decref(stats);
	bool attached = json_is_true(json_object_get(m, "attached"));
	if (c->json) {
		json_dumpf(m, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (!attached) {
		fprintf(stderr, "redwirectl: the dataplane is not attached\n");
	} else {
		mem_print(m);
	}
	json_decref(m);
	return attached ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}
