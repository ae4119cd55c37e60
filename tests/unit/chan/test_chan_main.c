/* Unit-test binary of platform/chan: the ring and layout suites plus the stress suite. */
#include <stdio.h>
#include <unistd.h>

#include "chan.h"
#include "test_chan.h"

const char *test_chan_path(void)
{
	static char path[128];
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/dev/shm/rw-test-chan-%d.chan", (int)getpid());
	return path;
}

static int suite_fini(void)
{
	chan_unlink(test_chan_path());
	return 0;
}

int main(void)
{
	if (rw_test_init() != 0 ||
	    rw_test_add_suite("chan_ring", NULL, suite_fini, test_chan_ring_cases) != 0 ||
	    rw_test_add_suite("chan_stress", NULL, suite_fini, test_chan_stress_cases) != 0)
		return 1;
	return rw_test_run();
}
