/*
 * slowsync: an LD_PRELOAD shim that makes fsync(2) and fdatasync(2) slow,
 * for the test that the control plane's event loop never waits on the disk
 * (issue #7, Deliver item 2; tests/integration/test_fsync_offloop.sh).
 *
 *   LD_PRELOAD=.../libslowsync.so RW_SLOWSYNC=FILE redwire-control ...
 *
 * While FILE holds a number N > 0, every fsync and fdatasync of the process
 * sleeps N milliseconds, then runs for real: a disk that takes N ms per
 * flush. FILE is read at each call, so a test turns the delay on and off
 * by rewriting it. Without RW_SLOWSYNC, or with FILE missing, nothing
 * changes.
 *
 * Context: any thread of the process that loads it.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef int sync_fn(int fd);

static void delay(void)
{
	const char *path = getenv("RW_SLOWSYNC");
	char buf[32];
	if (path == NULL)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	long ms = strtol(buf, NULL, 10);
	if (ms <= 0 || ms > 60000)
		return;
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

int fsync(int fd)
{
	static sync_fn *real;
	if (real == NULL)
		real = (sync_fn *)dlsym(RTLD_NEXT, "fsync");
	delay();
	return real(fd);
}

int fdatasync(int fd)
{
	static sync_fn *real;
	if (real == NULL)
		real = (sync_fn *)dlsym(RTLD_NEXT, "fdatasync");
	delay();
	return real(fd);
}
