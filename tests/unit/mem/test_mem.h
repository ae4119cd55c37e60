/* The mem unit binary's suites (one per area). */
#ifndef RW_TEST_MEM_H
#define RW_TEST_MEM_H

#include "rw_test.h"

extern const struct rw_test_case test_mem_alloc_cases[];

#endif
