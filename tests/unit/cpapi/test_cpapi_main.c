/* Unit-test binary of control/api (with the control/core pieces it drives). */
#include "rw_log.h"
#include "test_cpapi.h"

int main(void)
{
	rw_log_setup(1, RW_LOG_ERR); /* keep the CUnit report readable */
	if (rw_test_init() != 0 ||
	    rw_test_add_suite("cpapi_http", NULL, NULL, test_cpapi_http_cases) != 0 ||
	    rw_test_add_suite("cpapi_route", NULL, NULL, test_cpapi_route_cases) != 0 ||
	    rw_test_add_suite("cpapi_chan", NULL, NULL, test_cpapi_chan_cases) != 0 ||
	    rw_test_add_suite("cpapi_params", NULL, NULL, test_cpapi_params_cases) != 0 ||
	    rw_test_add_suite("cpapi_metrics", NULL, NULL, test_cpapi_metrics_cases) != 0 ||
	    rw_test_add_suite("cpapi_appliance", NULL, NULL, test_cpapi_appliance_cases) != 0 ||
	    rw_test_add_suite("cpapi_openapi", NULL, NULL, test_cpapi_openapi_cases) != 0 ||
	    rw_test_add_suite("cpapi_auth", NULL, NULL, test_cpapi_auth_cases) != 0 ||
	    rw_test_add_suite("cpapi_load", NULL, NULL, test_cpapi_load_cases) != 0 ||
	    rw_test_add_suite("cpapi_jobs", NULL, NULL, test_cpapi_jobs_cases) != 0 ||
	    rw_test_add_suite("cpapi_console", NULL, NULL, test_cpapi_console_cases) != 0)
		return 1;
	return rw_test_run();
}
