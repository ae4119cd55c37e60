/* Shared declarations of the control/api (and control/core) unit tests. */
#ifndef RW_TEST_CPAPI_H
#define RW_TEST_CPAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "rw_test.h"

extern const struct rw_test_case test_cpapi_http_cases[];
extern const struct rw_test_case test_cpapi_route_cases[];
extern const struct rw_test_case test_cpapi_chan_cases[];
extern const struct rw_test_case test_cpapi_params_cases[];
extern const struct rw_test_case test_cpapi_metrics_cases[];
extern const struct rw_test_case test_cpapi_appliance_cases[];
extern const struct rw_test_case test_cpapi_openapi_cases[];
extern const struct rw_test_case test_cpapi_auth_cases[];
extern const struct rw_test_case test_cpapi_load_cases[];
extern const struct rw_test_case test_cpapi_jobs_cases[];
extern const struct rw_test_case test_cpapi_console_cases[];

/**
 * Check @p text line by line against the Prometheus text format 0.0.4 as
 * Redwire writes it (HELP, TYPE counter|gauge, then the family's samples;
 * counters end in _total; every family once).
 * @return the number of samples, or -1 with the offending line in @p why.
 */
int test_cpapi_prom_check(const char *text, char *why, size_t whylen);
/** Find the sample @p series (name with labels, exactly as written). */
bool test_cpapi_prom_sample(const char *text, const char *series, double *value);

#endif
