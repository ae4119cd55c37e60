/*
 * Unit tests for dataplane/tcp in lwIP's manner: crafted segments go in
 * through net_input, the in-memory port captures what the stack sends, the
 * clock is fake and connections are jumped into states where useful (see
 * tcp_fixture.h).
 */
#include "test_tcp.h"

int main(void)
{
	if (fx_eal_init() != 0)
		return 1;
	if (rw_test_init() != 0 || fx_add_suite("tcp_open", test_tcp_open_cases) != 0 ||
	    fx_add_suite("tcp_data", test_tcp_data_cases) != 0 ||
	    fx_add_suite("tcp_retx", test_tcp_retx_cases) != 0 ||
	    fx_add_suite("tcp_close", test_tcp_close_cases) != 0 ||
	    fx_add_suite("tcp_opts", test_tcp_opts_cases) != 0 ||
	    fx_add_suite("tcp_ooo", test_tcp_ooo_cases) != 0 ||
	    fx_add_suite("tcp_sack", test_tcp_sack_cases) != 0 ||
	    fx_add_suite("tcp_stream", test_tcp_stream_cases) != 0 ||
	    fx_add_suite("tcp_bulk", test_tcp_bulk_cases) != 0 ||
	    fx_add_suite("tcp_offload", test_tcp_offload_cases) != 0 ||
	    fx_add_suite("tcp_limits", test_tcp_limits_cases) != 0 ||
	    fx_add_suite("tcp_pmtu", test_tcp_pmtu_cases) != 0 ||
	    fx_add_suite("tcp_rwnd", test_tcp_rwnd_cases) != 0 || test_tcp_handoff_register() != 0)
		return 1;
	int rc = rw_test_run();
	fx_eal_fini();
	return rc;
}
