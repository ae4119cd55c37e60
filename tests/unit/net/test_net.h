/* Test tables of the net unit-test binary (tests/unit/net). */
#ifndef RW_TEST_NET_H
#define RW_TEST_NET_H

#include <errno.h>

#include "tcp_fixture.h"

extern const struct rw_test_case test_net_arp_cases[];
extern const struct rw_test_case test_net_ipv4_cases[];

#endif
