/*
 * GET /v1/appliance: what this box is. Version and name, uptime, the
 * attached dataplane (pid, epoch, workers), hugepages per size, NUMA nodes
 * with their memory (libnuma) and hugepages, where the dataplane's workers
 * and port sit on them (the placement its EAL published in the channel
 * header), and the management socket.
 *
 * Hugepages come from sysfs (/sys/kernel/mm/hugepages/hugepages-<N>kB:
 * nr_hugepages, free_hugepages), which lists every size; /proc/meminfo
 * names the default size (Hugepagesize) and stands in for sysfs when that
 * is missing (some containers). A fixture root replaces "/" in tests.
 *
 * Context: the control plane's event loop; reads a few small procfs/sysfs
 * files per request (no blocking devices).
 */
#include <dirent.h>
#include <inttypes.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

#ifndef RW_VERSION
#define RW_VERSION "0.0.0"
#endif

#define HP_SYSFS "/sys/kernel/mm/hugepages"

struct meminfo_hp {
	long long size_kb, total, free;
};

static void meminfo_read(const char *root, struct meminfo_hp *m)
{
	char path[512], line[256];
	m->size_kb = m->total = m->free = -1;
	snprintf(path, sizeof(path), "%s/proc/meminfo", root);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Total: %lld", &m->total);
		sscanf(line, "HugePages_Free: %lld", &m->free);
		sscanf(line, "Hugepagesize: %lld kB", &m->size_kb);
	}
	fclose(f);
}

static long long sysfs_count(const char *root, const char *dir, const char *file)
{
	char path[768];
	long long v = -1;
	snprintf(path, sizeof(path), "%s" HP_SYSFS "/%s/%s", root, dir, file);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static json_t *hp_object(long long size_kb, long long total, long long free_pages, bool def)
{
	return json_pack("{s:I, s:I, s:I, s:b}", "size_kb", (json_int_t)size_kb, "total",
			 (json_int_t)(total < 0 ? 0 : total), "free",
			 (json_int_t)(free_pages < 0 ? 0 : free_pages), "default", def);
}

static int hp_cmp(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "size_kb"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "size_kb"));
	return (x > y) - (x < y);
}

/* Sort by size so the answer does not depend on readdir order. */
static json_t *hp_sorted(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v = calloc(n ? n : 1, sizeof(*v));
	json_t *out = json_array();
	if (v == NULL || out == NULL) {
		free(v);
		json_decref(out);
		return arr;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(arr, i);
	qsort(v, n, sizeof(*v), hp_cmp);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(arr);
	return out;
}

json_t *api_hugepages(const char *root)
{
	struct meminfo_hp mi;
	char path[512];
	bool default_seen = false;
	json_t *arr = json_array();
	if (arr == NULL)
		return NULL;
	meminfo_read(root, &mi);
	snprintf(path, sizeof(path), "%s" HP_SYSFS, root);
	DIR *d = opendir(path);
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
		long long kb;
		if (sscanf(e->d_name, "hugepages-%lldkB", &kb) != 1)
			continue;
		bool def = kb == mi.size_kb;
		default_seen |= def;
		json_array_append_new(
		    arr, hp_object(kb, sysfs_count(root, e->d_name, "nr_hugepages"),
				   sysfs_count(root, e->d_name, "free_hugepages"), def));
	}
	if (d != NULL)
		closedir(d);
	if (!default_seen && mi.size_kb > 0)
		json_array_append_new(arr, hp_object(mi.size_kb, mi.total, mi.free, true));
	return hp_sorted(arr);
}

/* Hugepages reserved on NUMA node @p n, per size
 * (/sys/devices/system/node/node<n>/hugepages/hugepages-<N>kB). */
static json_t *node_hugepages(const char *root, int n)
{
	char path[512];
	json_t *arr = json_array();
	snprintf(path, sizeof(path), "%s/sys/devices/system/node/node%d/hugepages", root, n);
	DIR *d = opendir(path);
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
		long long kb, v[2] = {-1, -1};
		static const char *const files[] = {"nr_hugepages", "free_hugepages"};
		if (sscanf(e->d_name, "hugepages-%lldkB", &kb) != 1)
			continue;
		for (int i = 0; i < 2; i++) {
			char f[800];
			snprintf(f, sizeof(f), "%s/%s/%s", path, e->d_name, files[i]);
			FILE *fp = fopen(f, "re");
			if (fp != NULL && fscanf(fp, "%lld", &v[i]) != 1)
				v[i] = -1;
			if (fp != NULL)
				fclose(fp);
		}
		json_array_append_new(arr, json_pack("{s:I, s:I, s:I}", "size_kb", (json_int_t)kb,
						     "total", (json_int_t)(v[0] < 0 ? 0 : v[0]),
						     "free", (json_int_t)(v[1] < 0 ? 0 : v[1])));
	}
	if (d != NULL)
		closedir(d);
	return hp_sorted(arr);
}

/*
 * Where the dataplane runs, as its EAL placed it (chan_dp_place): each
 * worker's lcore, CPU and that CPU's node, the client port's node, and
 * whether every worker shares the port's node ("local"; null when the port
 * has none, a virtual device). null while no dataplane is attached.
 */
static json_t *placement_object(const struct api_ctx *ctx)
{
	struct chan_dp_place p;
	if (ctx->chan == NULL || cp_chan_place(ctx->chan, &p) != 0)
		return json_null();
	json_t *workers = json_array();
	bool local = p.port_node >= 0;
	for (uint32_t w = 0; w < p.n_placed; w++) {
		const struct chan_dp_lcore *l = &p.worker[w];
		local &= l->node == p.port_node;
		json_array_append_new(
		    workers, json_pack("{s:I, s:I, s:I, s:o}", "worker", (json_int_t)w, "lcore",
				       (json_int_t)l->lcore, "cpu", (json_int_t)l->cpu, "node",
				       l->node >= 0 ? json_integer(l->node) : json_null()));
	}
	return json_pack("{s:o, s:o, s:o}", "port_node",
			 p.port_node >= 0 ? json_integer(p.port_node) : json_null(), "workers",
			 workers, "local", p.port_node >= 0 ? json_boolean(local) : json_null());
}

static json_t *numa_object(const char *root)
{
	if (numa_available() < 0)
		return json_pack("{s:b, s:[]}", "available", 0, "nodes");
	json_t *nodes = json_array();
	int max = numa_max_node();
	for (int n = 0; n <= max; n++) {
		long long free_bytes = 0;
		long long total = numa_node_size64(n, &free_bytes);
		if (total < 0)
			continue; /* a hole in the node numbering */
		json_array_append_new(nodes, json_pack("{s:i, s:I, s:I, s:o}", "node", n,
						       "memory_total_bytes", (json_int_t)total,
						       "memory_free_bytes", (json_int_t)free_bytes,
						       "hugepages", node_hugepages(root, n)));
	}
	return json_pack("{s:b, s:i, s:o}", "available", 1, "max_node", max, "nodes", nodes);
}

/* The client port and the management address, as configured (the port's
 * counters are /v1/stats's and /metrics's). */
static json_t *ports_object(const struct rw_config *cfg)
{
	return json_pack("[{s:s, s:s, s:s, s:I, s:I, s:b}, {s:s, s:s}]", "role", "client", "device",
			 cfg->rw_port_device, "address", cfg->rw_address, "resp_port",
			 (json_int_t)cfg->port, "mtu", (json_int_t)cfg->rw_mtu, "pci", cfg->rw_pci,
			 "role", "management", "address", cfg->rw_mgmt_address);
}

json_t *api_appliance(const struct api_ctx *ctx, const char *arg, int *status)
{
	struct cp_chan_status st;
	(void)arg;
	api_chan_status(ctx, &st);
	const char *root = ctx->proc_root ? ctx->proc_root : "";
	json_t *hp = api_hugepages(root);
	*status = 200;
	json_t *o = json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:s, s:n}", "version",
			      RW_VERSION, "name", ctx->name ? ctx->name : "", "uptime_seconds",
			      (json_int_t)api_uptime_seconds(ctx), "dataplane",
			      api_dataplane_object(&st), "hugepages", hp ? hp : json_array(),
			      "numa", numa_object(root), "placement", placement_object(ctx),
			      "management_socket", ctx->mgmt_socket ? ctx->mgmt_socket : "",
			      "image_slot"); /* A/B images are not installed yet (images/) */
	if (o != NULL && ctx->cfg != NULL) {
		json_object_set_new(o, "ports", ports_object(ctx->cfg));
		json_object_set_new(o, "lcores",
				    json_pack("{s:I, s:s}", "workers",
					      (json_int_t)ctx->cfg->rw_workers, "cores",
					      ctx->cfg->rw_cores));
	}
	return o;
}
