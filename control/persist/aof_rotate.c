/*
 * A fresh incr file after an fsync error (issue #7, "Faults").
 *
 * Once fsync has failed, the kernel may have dropped the dirty pages of
 * the file while marking them clean, so neither the bytes written since
 * the last good fsync nor a later fsync that "succeeds" on the same file
 * can be trusted (PostgreSQL's fsyncgate; Redis 7.0 retries and trusts the
 * file again). The writer keeps those bytes in memory; this file persists
 * them anew:
 *
 *   1. cut the old incr file back to its last good fsync, and fsync that;
 *   2. write <appendfilename>.<seq+1>.incr.aof: the header, a carry, then
 *      the kept bytes unchanged (their batches' CRCs cover batch bytes
 *      only, so they verify after any prefix that ends on a line); fsync;
 *   3. list it in the manifest (temp, fsync, rename, fsync the directory).
 *
 *   carry:  SELECT <db at the cut>            only when a db was selected
 *           #RW1 epoch=E w=0 lsn=L0-L0 n=..   closes it (the batch may be empty)
 *           #RW1 epoch=E w=i lsn=Li-Li n=0    one empty batch per worker i > 0 with Li != 0
 *
 * The carry restates the db and the per-worker LSNs in effect at the cut,
 * so the new file loads in the right db and, read alone at the next open,
 * tells which records are already in the AOF (cp_aof_open skips them).
 *
 * A failure at any step leaves the manifest as it was (a half-written new
 * file is unlinked) and the writer poisoned: it tries again later with
 * another fresh file. A crash between 1 and 3 can lose only bytes that
 * were never fsynced.
 *
 * Context: the AOF writer's fsync thread (aof_sync.c jobs posted by
 * aof_write.c and aof_rewrite.c); blocks on its fsyncs. The loop leaves
 * the old fd and the kept bytes alone until it has the outcome.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aof_internal.h"

static int write_at(const struct cp_aof_conf *conf, int fd, const void *p, size_t n, uint64_t *off)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t w = conf->pwrite_fn(fd, b, n, (off_t)*off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 && errno != 0 ? -errno : -EIO;
		b += w;
		n -= (size_t)w;
		*off += (uint64_t)w;
	}
	return 0;
}

int aof_carry_append(struct rw_buf *out, const struct aof_carry *c)
{
	char buf[AOF_ANNOT_MAX + 48];
	size_t n = 0;
	struct aof_annot an = {.epoch = c->epoch, .w = 0, .first = c->lsn[0], .last = c->lsn[0]};
	if (c->db >= 0) {
		n = aof_select_format(buf, (uint32_t)c->db);
		an.n = 1;
	}
	an.crc = aof_annot_crc((const uint8_t *)buf, n, &an);
	n += aof_annot_format(buf + n, &an);
	int rc = rw_buf_append(out, buf, n);
	for (uint32_t w = 1; rc == 0 && w < CP_AOF_MAX_WORKERS; w++) {
		if (c->lsn[w] == 0)
			continue;
		an = (struct aof_annot){
		    .epoch = c->epoch, .w = w, .first = c->lsn[w], .last = c->lsn[w]};
		an.crc = aof_annot_crc((const uint8_t *)buf, 0, &an);
		n = aof_annot_format(buf, &an);
		rc = rw_buf_append(out, buf, n);
	}
	return rc != 0 ? -ENOMEM : 0;
}

static int carry_write(const struct cp_aof_conf *conf, int fd, const struct aof_carry *c,
		       uint64_t *off)
{
	struct rw_buf b = {0};
	int rc = aof_carry_append(&b, c);
	if (rc == 0)
		rc = write_at(conf, fd, b.data, b.len, off);
	rw_buf_fini(&b);
	return rc;
}

int aof_incr_new(int dirfd, const struct cp_aof_conf *conf, cp_aof_fsync_fn *fsync_fn,
		 const struct aof_carry *carry, const uint8_t *bytes, size_t n, bool listed,
		 struct aof_fresh *out)
{
	struct aof_manifest m = {0};
	char mname[AOF_NAME_MAX + 16], err[256];
	int fd = -1, rc;

	snprintf(mname, sizeof(mname), "%s.manifest", conf->filename);
	rc = aof_manifest_read(dirfd, mname, &m, err, sizeof(err));
	if (rc == -ENOENT && !listed)
		rc = 0; /* appendonly yes on a fresh directory */
	const struct aof_file_info *last = rc == 0 ? aof_manifest_last_incr(&m) : NULL;
	if (rc == 0 && last == NULL && listed)
		rc = -EINVAL;
	if (rc != 0)
		goto out;
	out->seq = last != NULL ? last->seq + 1 : 1;
	rc = aof_name_incr(out->name, sizeof(out->name), conf->filename, out->seq);
	if (rc != 0)
		goto out;

	/* the new file, whole and fsynced before anything names it */
	fd = openat(dirfd, out->name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	uint64_t off = 0;
	rc = write_at(conf, fd, AOF_HEADER, strlen(AOF_HEADER), &off);
	if (rc == 0 && carry != NULL)
		rc = carry_write(conf, fd, carry, &off);
	out->carry_end = off;
	if (rc == 0 && n > 0)
		rc = write_at(conf, fd, bytes, n, &off);
	if (rc == 0 && fsync_fn(fd) != 0)
		rc = errno != 0 ? -errno : -EIO;
	if (rc == 0)
		rc = aof_dir_fsync(dirfd);

	/* then the manifest names it */
	if (rc == 0 && listed)
		rc = aof_manifest_add(&m, out->name, out->seq, 'i');
	if (rc == 0 && listed)
		rc = aof_manifest_write(dirfd, mname, &m);
	if (rc != 0) {
		close(fd);
		unlinkat(dirfd, out->name, 0);
		goto out;
	}
	out->fd = fd;
	out->len = off;
out:
	aof_manifest_fini(&m);
	return rc;
}

int aof_incr_fresh(int dirfd, const struct cp_aof_conf *conf, cp_aof_fsync_fn *fsync_fn, int old_fd,
		   uint64_t old_good, const struct aof_carry *carry, const uint8_t *bytes, size_t n,
		   struct aof_fresh *out)
{
	/* 1. the old file back to what its good fsyncs covered */
	if (ftruncate(old_fd, (off_t)old_good) != 0)
		return -errno;
	if (fsync_fn(old_fd) != 0)
		return errno != 0 ? -errno : -EIO;
	/* 2. and 3. */
	return aof_incr_new(dirfd, conf, fsync_fn, carry, bytes, n, true, out);
}
