/* Unit tests for rw_buf (platform/mem). */
#include <string.h>

#include "rw_buf.h"
#include "rw_sysmem.h"
#include "rw_test.h"
#include "test_mem.h"

static void test_mem_buf_append_grows_and_keeps_bytes(void)
{
	struct rw_buf b = {0};
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(rw_buf_append(&b, "abcd", 4), 0);
	CU_ASSERT_EQUAL(b.len, 4000);
	CU_ASSERT(b.cap >= 4000);
	CU_ASSERT(memcmp(b.data + 3996, "abcd", 4) == 0);
	rw_buf_fini(&b);
	CU_ASSERT_PTR_NULL(b.data);
}

static void test_mem_buf_consume_moves_rest_to_front(void)
{
	struct rw_buf b = {0};
	rw_buf_append(&b, "hello world", 11);
	rw_buf_consume(&b, 6);
	CU_ASSERT_EQUAL(b.len, 5);
	CU_ASSERT(memcmp(b.data, "world", 5) == 0);
	rw_buf_consume(&b, 99);
	CU_ASSERT_EQUAL(b.len, 0);
	rw_buf_fini(&b);
}

/* The default maxmemory leaves the hugepage pool out: data lives in ordinary memory. */
static void test_mem_sysmem_excludes_hugepages(void)
{
	const char *mi = "MemTotal:       24000000 kB\n"
			 "MemFree:        20000000 kB\n"
			 "HugePages_Total:     512\n"
			 "HugePages_Free:      500\n"
			 "Hugepagesize:       2048 kB\n";
	CU_ASSERT_EQUAL(rw_sysmem_ordinary_bytes(mi), (24000000ull - 512 * 2048) * 1024);
	CU_ASSERT_EQUAL(rw_sysmem_ordinary_bytes("MemTotal: 1000 kB\n"), 1000ull * 1024);
	CU_ASSERT_EQUAL(rw_sysmem_ordinary_bytes("MemFree: 1000 kB\n"), 0);
	/* a pool larger than the machine (misreported) gives no budget, not a wrap */
	CU_ASSERT_EQUAL(rw_sysmem_ordinary_bytes("MemTotal: 1000 kB\nHugePages_Total: 10\n"
						 "Hugepagesize: 2048 kB\n"),
			0);
	CU_ASSERT(rw_sysmem_default_maxmemory() > 0); /* this machine has a /proc/meminfo */
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_mem_buf_append_grows_and_keeps_bytes),
	    RW_TEST(test_mem_buf_consume_moves_rest_to_front),
	    RW_TEST(test_mem_sysmem_excludes_hugepages),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("mem_buf", NULL, NULL, tests) != 0 ||
	    rw_test_add_suite("mem_alloc", NULL, NULL, test_mem_alloc_cases) != 0)
		return 1;
	return rw_test_run();
}
