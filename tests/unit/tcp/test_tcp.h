/* Test tables and helpers of the tcp unit-test binary (tests/unit/tcp). */
#ifndef RW_TEST_TCP_H
#define RW_TEST_TCP_H

#include <string.h>

#include "tcp_fixture.h"

extern const struct rw_test_case test_tcp_open_cases[];
extern const struct rw_test_case test_tcp_data_cases[];
extern const struct rw_test_case test_tcp_retx_cases[];
extern const struct rw_test_case test_tcp_close_cases[];
extern const struct rw_test_case test_tcp_opts_cases[];
extern const struct rw_test_case test_tcp_ooo_cases[];
extern const struct rw_test_case test_tcp_sack_cases[];
extern const struct rw_test_case test_tcp_stream_cases[];
extern const struct rw_test_case test_tcp_bulk_cases[];
extern const struct rw_test_case test_tcp_offload_cases[];
extern const struct rw_test_case test_tcp_limits_cases[];
extern const struct rw_test_case test_tcp_pmtu_cases[];
extern const struct rw_test_case test_tcp_rwnd_cases[];
/** Register the two-worker suite (its own setup: two stacks, one tcp_shared). */
int test_tcp_handoff_register(void);

/* The application queues @p len bytes of a known pattern on @p c. */
static inline void app_write(struct tcp_conn *c, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)('a' + i % 26);
		CU_ASSERT_EQUAL_FATAL(rw_buf_append(&c->snd, &b, 1), 0);
	}
	tcp_output_mark(&fx.tcp, c);
}

/* @p p carries bytes [off, off + p->len) of the app_write pattern. */
static inline int pattern_ok(const struct fx_pkt *p, size_t off)
{
	for (size_t i = 0; i < p->len; i++)
		if (p->data[i] != (uint8_t)('a' + (off + i) % 26))
			return 0;
	return 1;
}

#endif
