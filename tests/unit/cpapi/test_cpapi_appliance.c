/*
 * GET /v1/appliance (control/api): identity, hugepages per size from a
 * fixture procfs/sysfs tree, NUMA nodes from libnuma.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"
#include "test_cpapi.h"

static char root[128];

static void put(const char *rel, const char *text)
{
	char path[512], dir[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = strchr(path + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(s - path), path);
		mkdir(dir, 0755);
	}
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void fixture(bool with_sysfs)
{
	snprintf(root, sizeof(root), "/tmp/rw-test-cpapi-hp-%d-%d", (int)getpid(), with_sysfs);
	put("proc/meminfo", "MemTotal:       16314260 kB\nHugePages_Total:     256\n"
			    "HugePages_Free:      200\nHugePages_Rsvd:        0\n"
			    "Hugepagesize:       2048 kB\nHugetlb:          524288 kB\n");
	if (!with_sysfs)
		return;
	put("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "4\n");
	put("sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "1\n");
	put("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "256\n");
	put("sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "200\n");
}

static void fixture_remove(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static json_int_t jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void test_cpapi_appliance_hugepages_every_size_sorted_with_default(void)
{
	fixture(true);
	json_t *hp = api_hugepages(root);
	CU_ASSERT_EQUAL_FATAL(json_array_size(hp), 2);
	json_t *a = json_array_get(hp, 0), *b = json_array_get(hp, 1);
	CU_ASSERT_EQUAL(jint(a, "size_kb"), 2048);
	CU_ASSERT_EQUAL(jint(a, "total"), 256);
	CU_ASSERT_EQUAL(jint(a, "free"), 200);
	CU_ASSERT(json_is_true(json_object_get(a, "default")));
	CU_ASSERT_EQUAL(jint(b, "size_kb"), 1048576);
	CU_ASSERT_EQUAL(jint(b, "total"), 4);
	CU_ASSERT_EQUAL(jint(b, "free"), 1);
	CU_ASSERT(json_is_false(json_object_get(b, "default")));
	json_decref(hp);
	fixture_remove();
}

static void test_cpapi_appliance_hugepages_from_meminfo_without_sysfs(void)
{
	fixture(false);
	json_t *hp = api_hugepages(root);
	CU_ASSERT_EQUAL_FATAL(json_array_size(hp), 1);
	CU_ASSERT_EQUAL(jint(json_array_get(hp, 0), "size_kb"), 2048);
	CU_ASSERT_EQUAL(jint(json_array_get(hp, 0), "free"), 200);
	json_decref(hp);
	fixture_remove();
	hp = api_hugepages("/nonexistent-root"); /* nothing readable: an empty list */
	CU_ASSERT_EQUAL(json_array_size(hp), 0);
	json_decref(hp);
}

static void test_cpapi_appliance_has_identity_numa_and_socket(void)
{
	fixture(true);
	struct api_ctx ctx = {
	    .name = "unit", .mgmt_socket = "/run/redwire/unit/api.sock", .proc_root = root};
	struct api_resp resp;
	api_route(&ctx, "GET", "/v1/appliance", &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	json_t *j = json_loadb(resp.body, resp.len, 0, NULL);
	api_resp_fini(&resp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "version")), RW_VERSION);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "name")), "unit");
	CU_ASSERT(json_is_integer(json_object_get(j, "uptime_seconds")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "management_socket")),
			       "/run/redwire/unit/api.sock");
	json_t *dp = json_object_get(j, "dataplane");
	CU_ASSERT(json_is_false(json_object_get(dp, "attached")));
	CU_ASSERT(json_is_null(json_object_get(dp, "pid")));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "hugepages")), 2);
	json_t *numa = json_object_get(j, "numa");
	CU_ASSERT(json_is_boolean(json_object_get(numa, "available")));
	json_t *nodes = json_object_get(numa, "nodes");
	CU_ASSERT(json_is_array(nodes));
	if (json_is_true(json_object_get(numa, "available"))) {
		CU_ASSERT(json_array_size(nodes) >= 1);
		json_t *n0 = json_array_get(nodes, 0);
		CU_ASSERT(jint(n0, "memory_total_bytes") > 0);
		CU_ASSERT(jint(n0, "memory_free_bytes") <= jint(n0, "memory_total_bytes"));
	}
	json_decref(j);
	fixture_remove();
}

const struct rw_test_case test_cpapi_appliance_cases[] = {
    RW_TEST(test_cpapi_appliance_hugepages_every_size_sorted_with_default),
    RW_TEST(test_cpapi_appliance_hugepages_from_meminfo_without_sysfs),
    RW_TEST(test_cpapi_appliance_has_identity_numa_and_socket),
    {NULL, NULL},
};
