/*
 * The hash and set value tests (issue #5 items 2, 3), one binary of their
 * own so they stay apart from the shard's tests.
 */
#include "rw_test.h"

extern const struct rw_test_case store_hash_tests[], store_set_tests[], store_hs_model_tests[];

int main(void)
{
	if (rw_test_init() != 0 ||
	    rw_test_add_suite("store_hash", NULL, NULL, store_hash_tests) != 0 ||
	    rw_test_add_suite("store_set", NULL, NULL, store_set_tests) != 0 ||
	    rw_test_add_suite("store_hs_model", NULL, NULL, store_hs_model_tests) != 0)
		return 1;
	return rw_test_run();
}
