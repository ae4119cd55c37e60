/*
 * Unit tests for dataplane/net: ARP, IPv4 validation, ICMP echo and IPv4
 * output, driven through crafted frames on the in-memory port (EAL with
 * --no-huge, see tcp_fixture.h).
 */
#include "test_net.h"

int main(void)
{
	if (fx_eal_init() != 0)
		return 1;
	if (rw_test_init() != 0 || fx_add_suite("net_arp", test_net_arp_cases) != 0 ||
	    fx_add_suite("net_ipv4", test_net_ipv4_cases) != 0)
		return 1;
	int rc = rw_test_run();
	fx_eal_fini();
	return rc;
}
