/* Unit tests for rw_alloc (platform/mem): the cost models against the
 * resident memory real allocations take, in whichever build runs them. */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rw_alloc.h"
#include "rw_test.h"

#include "test_mem.h"

/* Resident anonymous bytes (statm resident - shared). */
static uint64_t anon_now(void)
{
	unsigned long long size = 0, res = 0, shared = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu %llu %llu", &size, &res, &shared) != 3)
		res = shared = 0;
	fclose(f);
	return (res - shared) * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Worked examples of the two models (rw_alloc.h). */
static void test_mem_alloc_models_known_sizes(void)
{
	CU_ASSERT_EQUAL(rw_alloc_cost_glibc(0), 0);
	CU_ASSERT_EQUAL(rw_alloc_cost_glibc(88), 96);
	/* ASan: 16 B redzone up to 48 B, classes of 16 up to 256, shadow 1/8 */
	CU_ASSERT_EQUAL(rw_alloc_cost_asan(10), 32 + 4);
	CU_ASSERT_EQUAL(rw_alloc_cost_asan(48), 64 + 8);
	CU_ASSERT_EQUAL(rw_alloc_cost_asan(80), 112 + 14);
	/* 1000 + 128 redzone = 1128: the 1280 class (1024 + 256 steps) */
	CU_ASSERT_EQUAL(rw_alloc_cost_asan(1000), 1280 + 160);
	CU_ASSERT_EQUAL(rw_alloc_cost_asan(1024 * 1024),
			1024 * 1024 + 8192 + (1024 * 1024 + 8192) / 8);
}

/* N live allocations of one size make the process resident by about N
 * times the model's cost, in this build (glibc or ASan). Measured in a
 * child, so no chunk freed by an earlier measurement is reused. @return
 * the child's verdict. */
static bool resident_matches(size_t size, unsigned n)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid > 0) {
		int st = 0;
		return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	void **p = malloc(n * sizeof(*p));
	if (p == NULL)
		_exit(2);
	/* resident before the first look (volatile: a memset here would be
	 * dropped as a dead store, the loop below writes every slot) */
	for (size_t off = 0; off < n * sizeof(*p); off += 4096)
		((volatile char *)p)[off] = 0;
	uint64_t before = anon_now();
	for (unsigned i = 0; i < n; i++) {
		p[i] = malloc(size);
		if (p[i] == NULL)
			_exit(2);
		memset(p[i], 1, size);
	}
	uint64_t grown = anon_now() - before;
	uint64_t model = (uint64_t)n * rw_alloc_cost(malloc_usable_size(p[0]));
	printf("\n  %zu B x %u: resident +%llu, model %llu (%.1f%%)", size, n,
	       (unsigned long long)grown, (unsigned long long)model, 100.0 * grown / model);
	fflush(stdout);
	_exit(grown * 100 >= model * 90 && grown * 100 <= model * 110 ? 0 : 1);
}

static void test_mem_alloc_model_matches_resident_memory(void)
{
	CU_ASSERT(resident_matches(82, 200000));  /* a small key's entry */
	CU_ASSERT(resident_matches(1000, 40000)); /* a 1 kB value */
	CU_ASSERT(resident_matches(5000, 8000));
}

const struct rw_test_case test_mem_alloc_cases[] = {
    RW_TEST(test_mem_alloc_models_known_sizes),
    RW_TEST(test_mem_alloc_model_matches_resident_memory),
    {NULL, NULL},
};
