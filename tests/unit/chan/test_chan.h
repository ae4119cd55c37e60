/* Shared helpers of the platform/chan unit tests. */
#ifndef RW_TEST_CHAN_H
#define RW_TEST_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "rw_test.h"

/* A per-process channel path in /dev/shm, so parallel test runs never meet. */
const char *test_chan_path(void);
/* The deterministic payload byte @p j of record @p seq. */
static inline uint8_t test_chan_byte(uint64_t seq, size_t j)
{
	return (uint8_t)(seq * 31u + j * 7u + (seq >> 8));
}

extern const struct rw_test_case test_chan_ring_cases[];
extern const struct rw_test_case test_chan_stress_cases[];

#endif
