/*
 * Journal records too large for the ring. A value may be as large as
 * proto-max-bulk-len (512 MB) while a worker's journal ring is a few MB,
 * and the ring's `durable` rule cannot let a record through in pieces: the
 * consumer frees ring space only once a record is durable, and a record
 * is durable only once it is whole in the AOF, so a record larger than the
 * ring would wait for itself. Such a payload goes to a side file next to
 * the channel file, "<channel>.w<worker>.l<lsn>", and the ring carries a
 * small reference (CHAN_REC_F_FILE, struct chan_big_ref). The consumer
 * maps the file when it reaches the reference and removes it once the
 * record is durable, so a restarted consumer re-reads it like any record
 * behind the durable cursor. Files a dead dataplane left are swept when
 * the next one creates the channel (their journal died with it).
 *
 * The producer's write is a syscall on a worker thread: it happens only
 * for a payload of megabytes, whose copy costs more than the open.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "chan.h"
#include "chan_layout.h"

static int big_path(const char *chan_path, uint32_t w, uint64_t lsn, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s.w%" PRIu32 ".l%" PRIu64, chan_path, w, lsn);
	return n > 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

int chan_big_write(const struct chan *c, uint32_t w, uint64_t lsn, const struct chan_part *parts,
		   unsigned nparts)
{
	char path[PATH_MAX];
	int rc = big_path(c->path, w, lsn, path, sizeof(path));
	if (rc != 0)
		return rc;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (unsigned i = 0; i < nparts && rc == 0; i++)
		rc = write_all(fd, parts[i].p, parts[i].n);
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0)
		unlink(path);
	return rc;
}

int chan_jrnl_big_map(const struct chan *c, const struct chan_msg *m, const void **p, size_t *len)
{
	struct chan_big_ref ref;
	if (!(m->flags & CHAN_REC_F_FILE) || m->len != sizeof(ref))
		return -EPROTO;
	memcpy(&ref, m->payload, sizeof(ref));
	if (ref.lsn != m->lsn || ref.worker >= CHAN_MAX_WORKERS || ref.bytes == 0)
		return -EPROTO;
	char path[PATH_MAX];
	int rc = big_path(c->path, ref.worker, ref.lsn, path, sizeof(path));
	if (rc != 0)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) != 0)
		rc = -errno;
	else if ((uint64_t)st.st_size != ref.bytes)
		rc = -EPROTO; /* cut short: the producer died while writing it */
	else if ((map = mmap(NULL, ref.bytes, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		rc = -errno;
	close(fd);
	if (rc != 0)
		return rc;
	*p = map;
	*len = ref.bytes;
	return 0;
}

void chan_jrnl_big_unmap(const void *p, size_t len)
{
	if (p != NULL)
		munmap((void *)p, len);
}

int chan_jrnl_big_remove(const struct chan *c, uint32_t w, uint64_t lsn)
{
	char path[PATH_MAX];
	int rc = big_path(c->path, w, lsn, path, sizeof(path));
	if (rc != 0)
		return rc;
	return unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
}

/* The directory part of @p path into @p dir. @return 0, or -ENAMETOOLONG. */
static int dir_of(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	int n = slash == NULL	? snprintf(dir, cap, ".")
		: slash == path ? snprintf(dir, cap, "/")
				: snprintf(dir, cap, "%.*s", (int)(slash - path), path);
	return n > 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

uint64_t chan_big_fs_free(const struct chan *c)
{
	char dir[PATH_MAX];
	struct statvfs st;
	if (dir_of(c->path, dir, sizeof(dir)) != 0 || statvfs(dir, &st) != 0)
		return UINT64_MAX;
	return (uint64_t)st.f_bavail * st.f_frsize;
}

void chan_big_sweep(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	if (dir_of(path, dir, sizeof(dir)) != 0)
		return;
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	size_t blen = strlen(base);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, base, blen) != 0 || strncmp(e->d_name + blen, ".w", 2) != 0)
			continue;
		char full[PATH_MAX];
		if (snprintf(full, sizeof(full), "%s/%s", dir, e->d_name) < (int)sizeof(full))
			unlink(full);
	}
	closedir(d);
}
