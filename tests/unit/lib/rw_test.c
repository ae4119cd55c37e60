/* CUnit scaffolding shared by the unit-test binaries (see rw_test.h). */
#include "rw_test.h"

#include <stdio.h>

int rw_test_init(void)
{
	return CU_initialize_registry() == CUE_SUCCESS ? 0 : -1;
}

int rw_test_add_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc fini,
		      const struct rw_test_case *tests)
{
	CU_pSuite s = CU_add_suite(name, init, fini);
	if (s == NULL)
		return -1;
	for (const struct rw_test_case *t = tests; t->name != NULL; t++)
		if (CU_add_test(s, t->name, t->fn) == NULL)
			return -1;
	return 0;
}

int rw_test_run(void)
{
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (ran == 0) {
		fprintf(stderr, "no tests ran\n");
		return 1;
	}
	return failed == 0 ? 0 : 1;
}
