/*
 * faultfs: a FUSE file system for the persistence fault tests (issue #7).
 * It passes everything through to a flat backing directory and models
 * what a disk has made durable, so a test can pull the plug.
 *
 *   faultfs BACKING STATE CTL MOUNTPOINT
 *
 * Durability model (strict, like a disk with a volatile cache):
 *   - a file's bytes are durable as of its last successful fsync/fdatasync
 *     (a copy in STATE/ino-<inode>);
 *   - the directory's names are durable as of its last fsync (fsyncdir):
 *     a name created or renamed since is not, a removed one comes back.
 *
 * Commands: write one line to the file CTL; faultfs runs it and deletes
 * CTL (the test waits for that):
 *   cut        "power cut": the backing directory becomes its durable state
 *              (every byte and name not fsynced is forgotten); the writer
 *              processes must be dead already
 *   eio N      the next N file fsyncs fail with EIO ("eio 1": EIO then OK)
 *   eio-sticky the next file fsync fails, and so does every later fsync of
 *              that same file (a bad area); other files are fine
 *   eio-off    no more injected fsync errors
 *   enospc on|off  writes and fallocate fail with ENOSPC
 *
 * A failed fsync behaves as Linux's can: the dirty bytes are dropped from
 * what the disk will hold (they read back from the cache until the cut),
 * and a later fsync of the same file that succeeds does not bring them
 * back: they read as zeros after a cut, unless they were written again.
 * So a writer that fsyncs again and trusts the file loses data here.
 *
 * Single-threaded FUSE loop; one mutex orders it and the control thread.
 */
#define FUSE_USE_VERSION 35
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 256
#define NAME_MAX_ 256

struct ino_state {
	ino_t ino;
	uint64_t dirty_lo;	   /* lowest offset written since the last good fsync */
	uint64_t lost_lo, lost_hi; /* dropped by a failed fsync: zeros after a cut */
	bool sticky;		   /* every fsync fails */
};

struct dname {
	char name[NAME_MAX_];
	ino_t ino;
};

static struct {
	int back;	 /* backing directory fd */
	int state;	 /* state directory fd */
	const char *ctl; /* control file path */
	pthread_mutex_t mu;
	struct ino_state files[MAX_FILES];
	size_t n_files;
	struct dname names[MAX_FILES]; /* the durable directory */
	size_t n_names;
	int eio_left;
	bool eio_sticky_next;
	bool enospc;
} fs = {.mu = PTHREAD_MUTEX_INITIALIZER};

static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static struct ino_state *file_get(ino_t ino)
{
	for (size_t i = 0; i < fs.n_files; i++)
		if (fs.files[i].ino == ino)
			return &fs.files[i];
	if (fs.n_files == MAX_FILES)
		return NULL;
	struct ino_state *f = &fs.files[fs.n_files++];
	*f = (struct ino_state){.ino = ino, .dirty_lo = UINT64_MAX};
	return f;
}

/* ---- the durable copy ---- */

static int copy_fd(int from, int to, uint64_t *len)
{
	char buf[65536];
	uint64_t off = 0;
	for (;;) {
		ssize_t n = pread(from, buf, sizeof(buf), (off_t)off);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		if (pwrite(to, buf, (size_t)n, (off_t)off) != n)
			return -EIO;
		off += (uint64_t)n;
	}
	*len = off;
	return ftruncate(to, (off_t)off) == 0 ? 0 : -errno;
}

static int durable_save(int fd, struct ino_state *f)
{
	char name[64];
	snprintf(name, sizeof(name), "ino-%lu", (unsigned long)f->ino);
	int out = openat(fs.state, name, O_RDWR | O_CREAT, 0600);
	if (out < 0)
		return -errno;
	uint64_t len;
	int rc = copy_fd(fd, out, &len);
	if (rc == 0 && f->lost_hi > f->lost_lo && f->lost_lo < len) {
		/* the pages a failed fsync dropped never reach the disk */
		uint64_t hi = f->lost_hi < len ? f->lost_hi : len;
		static const char zero[4096];
		for (uint64_t o = f->lost_lo; o < hi; o += sizeof(zero)) {
			size_t n = hi - o < sizeof(zero) ? (size_t)(hi - o) : sizeof(zero);
			if (pwrite(out, zero, n, (off_t)o) != (ssize_t)n)
				rc = -EIO;
		}
	}
	close(out);
	return rc;
}

static void names_snapshot(void)
{
	int d = dup(fs.back);
	DIR *dir = fdopendir(d);
	fs.n_names = 0;
	if (dir == NULL)
		return;
	rewinddir(dir);
	struct dirent *e;
	while ((e = readdir(dir)) != NULL && fs.n_names < MAX_FILES) {
		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		struct stat st;
		if (fstatat(fs.back, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		snprintf(fs.names[fs.n_names].name, NAME_MAX_, "%s", e->d_name);
		fs.names[fs.n_names++].ino = st.st_ino;
	}
	closedir(dir);
}

static void state_clear(void)
{
	int d = dup(fs.state);
	DIR *dir = fdopendir(d);
	if (dir == NULL)
		return;
	rewinddir(dir);
	struct dirent *e;
	while ((e = readdir(dir)) != NULL)
		if (strncmp(e->d_name, "ino-", 4) == 0)
			unlinkat(fs.state, e->d_name, 0);
	closedir(dir);
}

/* Everything as it is now is durable (at start, and after a cut). */
static void all_durable(void)
{
	state_clear();
	fs.n_files = 0;
	names_snapshot();
	for (size_t i = 0; i < fs.n_names; i++) {
		int fd = openat(fs.back, fs.names[i].name, O_RDONLY);
		struct ino_state *f = file_get(fs.names[i].ino);
		if (fd >= 0 && f != NULL)
			durable_save(fd, f);
		if (fd >= 0)
			close(fd);
	}
}

static void power_cut(void)
{
	/* read every durable file first: names may share an inode */
	struct {
		char name[NAME_MAX_];
		char *data;
		size_t len;
	} keep[MAX_FILES];
	size_t n = fs.n_names;
	for (size_t i = 0; i < n; i++) {
		char iname[64];
		snprintf(keep[i].name, NAME_MAX_, "%s", fs.names[i].name);
		snprintf(iname, sizeof(iname), "ino-%lu", (unsigned long)fs.names[i].ino);
		keep[i].data = NULL;
		keep[i].len = 0;
		int fd = openat(fs.state, iname, O_RDONLY);
		if (fd < 0)
			continue; /* named durably, never fsynced: empty */
		struct stat st;
		fstat(fd, &st);
		keep[i].data = malloc((size_t)st.st_size + 1);
		keep[i].len = (size_t)pread(fd, keep[i].data, (size_t)st.st_size, 0);
		close(fd);
	}
	int d = dup(fs.back);
	DIR *dir = fdopendir(d);
	if (dir != NULL) {
		rewinddir(dir);
		struct dirent *e;
		while ((e = readdir(dir)) != NULL)
			if (e->d_name[0] != '.')
				unlinkat(fs.back, e->d_name, 0);
		closedir(dir);
	}
	for (size_t i = 0; i < n; i++) {
		int fd = openat(fs.back, keep[i].name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			if (keep[i].len > 0 && write(fd, keep[i].data, keep[i].len) < 0)
				perror("faultfs: cut");
			close(fd);
		}
		free(keep[i].data);
	}
	all_durable();
	fs.eio_left = 0;
	fs.eio_sticky_next = false;
	fs.enospc = false;
}

/* ---- control ---- */

static void *ctl_main(void *arg)
{
	(void)arg;
	for (;;) {
		usleep(5000);
		FILE *f = fopen(fs.ctl, "r");
		if (f == NULL)
			continue;
		char line[128] = "";
		if (fgets(line, sizeof(line), f) == NULL || strchr(line, '\n') == NULL) {
			fclose(f); /* not written whole yet */
			continue;
		}
		fclose(f);
		pthread_mutex_lock(&fs.mu);
		int n;
		if (strncmp(line, "cut", 3) == 0)
			power_cut();
		else if (strncmp(line, "eio-sticky", 10) == 0)
			fs.eio_sticky_next = true;
		else if (strncmp(line, "eio-off", 7) == 0) {
			fs.eio_left = 0;
			fs.eio_sticky_next = false;
			for (size_t i = 0; i < fs.n_files; i++)
				fs.files[i].sticky = false;
		} else if (sscanf(line, "eio %d", &n) == 1)
			fs.eio_left = n;
		else if (strncmp(line, "enospc on", 9) == 0)
			fs.enospc = true;
		else if (strncmp(line, "enospc off", 10) == 0)
			fs.enospc = false;
		else
			fprintf(stderr, "faultfs: unknown command %s", line);
		fprintf(stderr, "faultfs: done %s", line);
		pthread_mutex_unlock(&fs.mu);
		unlink(fs.ctl);
	}
	return NULL;
}

/* ---- FUSE operations: pass through to the backing directory ---- */

#define LOCKED(expr)                                                                               \
	({                                                                                         \
		pthread_mutex_lock(&fs.mu);                                                        \
		int rc_ = (expr);                                                                  \
		pthread_mutex_unlock(&fs.mu);                                                      \
		rc_;                                                                               \
	})

static int ret(int rc)
{
	return rc < 0 ? -errno : rc;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	if (fi != NULL)
		return ret(fstat((int)fi->fh, st));
	return ret(fstatat(fs.back, rel(path), st, AT_SYMLINK_NOFOLLOW));
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	int d = openat(fs.back, rel(path), O_RDONLY | O_DIRECTORY);
	if (d < 0)
		return -errno;
	DIR *dir = fdopendir(d);
	struct dirent *e;
	while ((e = readdir(dir)) != NULL)
		fill(buf, e->d_name, NULL, 0, 0);
	closedir(dir);
	return 0;
}

/* Files are opened for reading too: fsync copies them to the durable state. */
static int rw_flags(int flags)
{
	if ((flags & O_ACCMODE) == O_WRONLY)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	return flags & ~O_NOFOLLOW;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	int fd = openat(fs.back, rel(path), rw_flags(fi->flags));
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd = openat(fs.back, rel(path), rw_flags(fi->flags) | O_CREAT, mode);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int op_read(const char *path, char *buf, size_t n, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	ssize_t r = pread((int)fi->fh, buf, n, off);
	return r < 0 ? -errno : (int)r;
}

static int do_write(int fd, const char *buf, size_t n, off_t off)
{
	if (fs.enospc)
		return -ENOSPC;
	ssize_t w = pwrite(fd, buf, n, off);
	if (w < 0)
		return -errno;
	struct stat st;
	struct ino_state *f = fstat(fd, &st) == 0 ? file_get(st.st_ino) : NULL;
	if (f != NULL && (uint64_t)off < f->dirty_lo)
		f->dirty_lo = (uint64_t)off;
	/* written again: those pages are dirty once more and reach the disk
	 * with the next good fsync (only a fsync without rewriting loses them) */
	if (f != NULL && f->lost_hi > f->lost_lo && (uint64_t)off <= f->lost_lo &&
	    (uint64_t)off + (uint64_t)w > f->lost_lo)
		f->lost_lo = (uint64_t)off + (uint64_t)w;
	return (int)w;
}

static int op_write(const char *path, const char *buf, size_t n, off_t off,
		    struct fuse_file_info *fi)
{
	(void)path;
	return LOCKED(do_write((int)fi->fh, buf, n, off));
}

static int do_fsync(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	struct ino_state *f = file_get(st.st_ino);
	if (f == NULL)
		return -ENOMEM;
	if (fs.eio_sticky_next) {
		fs.eio_sticky_next = false;
		f->sticky = true;
	}
	if (f->sticky || fs.eio_left > 0) {
		if (!f->sticky)
			fs.eio_left--;
		if (f->dirty_lo != UINT64_MAX) { /* dropped, marked clean */
			f->lost_lo = f->lost_hi > f->lost_lo && f->lost_lo < f->dirty_lo
					 ? f->lost_lo
					 : f->dirty_lo;
			f->lost_hi =
			    (uint64_t)st.st_size > f->lost_hi ? (uint64_t)st.st_size : f->lost_hi;
			f->dirty_lo = UINT64_MAX;
		}
		fprintf(stderr, "faultfs: fsync of inode %lu fails with EIO\n",
			(unsigned long)st.st_ino);
		return -EIO;
	}
	int rc = durable_save(fd, f);
	if (rc == 0)
		f->dirty_lo = UINT64_MAX;
	return rc;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	return LOCKED(do_fsync((int)fi->fh));
}

static int do_fsyncdir(void)
{
	names_snapshot();
	return 0;
}

static int op_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	(void)fi;
	return LOCKED(do_fsyncdir());
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int op_unlink(const char *path)
{
	return LOCKED(ret(unlinkat(fs.back, rel(path), 0)));
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	if (flags != 0)
		return -EINVAL;
	return LOCKED(ret(renameat(fs.back, rel(from), fs.back, rel(to))));
}

static int do_ftruncate(int fd, off_t size)
{
	return ret(ftruncate(fd, size));
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	if (fi != NULL)
		return LOCKED(do_ftruncate((int)fi->fh, size));
	int fd = openat(fs.back, rel(path), O_WRONLY);
	if (fd < 0)
		return -errno;
	int rc = ftruncate(fd, size) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

static int op_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
	(void)path;
	if (fs.enospc)
		return -ENOSPC;
	return ret(fallocate((int)fi->fh, mode, off, len));
}

static int op_mkdir(const char *path, mode_t mode)
{
	return ret(mkdirat(fs.back, rel(path), mode));
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	if (fi != NULL)
		return ret(futimens((int)fi->fh, tv));
	return ret(utimensat(fs.back, rel(path), tv, AT_SYMLINK_NOFOLLOW));
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (fi != NULL)
		return ret(fchmod((int)fi->fh, mode));
	return ret(fchmodat(fs.back, rel(path), mode, 0));
}

static int op_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	return ret(fstatvfs(fs.back, st));
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->use_ino = 0;
	cfg->direct_io = 1; /* every write reaches us: the model sees what the writer wrote */
	cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 0;
	pthread_t t;
	pthread_create(&t, NULL, ctl_main, NULL);
	pthread_detach(t);
	return NULL;
}

static const struct fuse_operations ops = {
    .init = op_init,
    .getattr = op_getattr,
    .readdir = op_readdir,
    .open = op_open,
    .create = op_create,
    .read = op_read,
    .write = op_write,
    .fsync = op_fsync,
    .fsyncdir = op_fsyncdir,
    .release = op_release,
    .unlink = op_unlink,
    .rename = op_rename,
    .truncate = op_truncate,
    .fallocate = op_fallocate,
    .mkdir = op_mkdir,
    .utimens = op_utimens,
    .chmod = op_chmod,
    .statfs = op_statfs,
};

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: faultfs BACKING STATE CTL MOUNTPOINT\n");
		return 2;
	}
	fs.back = open(argv[1], O_RDONLY | O_DIRECTORY);
	fs.state = open(argv[2], O_RDONLY | O_DIRECTORY);
	fs.ctl = argv[3];
	if (fs.back < 0 || fs.state < 0) {
		perror("faultfs: backing or state directory");
		return 1;
	}
	all_durable();
	char *fargv[] = {argv[0], "-f", "-s", "-o", "fsname=faultfs", argv[4], NULL};
	return fuse_main(6, fargv, &ops, NULL);
}
