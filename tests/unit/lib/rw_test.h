/*
 * Shared CUnit scaffolding for the unit-test binaries.
 *
 * Each test file defines a table of tests and registers it with
 * RW_TEST_SUITE(); rw_test_run() runs every registered suite in basic mode
 * and returns the process exit status (0 only if every assertion passed).
 */
#ifndef RW_TEST_H
#define RW_TEST_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

struct rw_test_case {
	const char *name;
	CU_TestFunc fn;
};

#define RW_TEST(fn)                                                                                \
	{                                                                                          \
#fn, fn                                                                            \
	}

/** Register a suite; @p tests ends with {NULL, NULL}. @return 0 or -1. */
int rw_test_add_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc fini,
		      const struct rw_test_case *tests);
/** Initialise the registry; call first. */
int rw_test_init(void);
/** Run all suites; @return 0 if all passed, 1 otherwise. */
int rw_test_run(void);

#endif
