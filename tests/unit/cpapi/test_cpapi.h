/* Shared declarations of the control/api (and control/core) unit tests. */
#ifndef RW_TEST_CPAPI_H
#define RW_TEST_CPAPI_H

#include "rw_test.h"

extern const struct rw_test_case test_cpapi_http_cases[];
extern const struct rw_test_case test_cpapi_route_cases[];
extern const struct rw_test_case test_cpapi_chan_cases[];

#endif
