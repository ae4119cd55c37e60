/*
 * Loading the AOF back: manifest, then the base file, then every incr file
 * by seq (history files are skipped, as Redis 7.0 does), each validated in
 * full before the first command is delivered, so a corrupt file never half
 * loads. Only the last file may have a torn tail, and only
 * aof-load-truncated yes cuts it (Redis's rule; the cut itself is done by
 * the writer when it reopens the file, cp_aof_open()). Redwire's own
 * exception: a closed incr file's torn tail followed only by files that
 * hold no command (the incr file of a rewrite's cut, listed before the
 * cut, with at most its carry: a power loss before the old file's last
 * fsync, which goes before any of the new file's) is that tail too.
 *
 * Context: control plane at start; blocks (mmap and page faults).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aof_internal.h"
#include "cp_rdb.h"
#include "rw_log.h"

int cp_aof_fsync_parse(const char *s, enum cp_aof_fsync *out)
{
	if (strcasecmp(s, "always") == 0)
		*out = CP_AOF_FSYNC_ALWAYS;
	else if (strcasecmp(s, "everysec") == 0)
		*out = CP_AOF_FSYNC_EVERYSEC;
	else if (strcasecmp(s, "no") == 0)
		*out = CP_AOF_FSYNC_NO;
	else
		return -EINVAL;
	return 0;
}

const char *cp_aof_fsync_name(enum cp_aof_fsync f)
{
	return f == CP_AOF_FSYNC_ALWAYS ? "always" : f == CP_AOF_FSYNC_NO ? "no" : "everysec";
}

/* The incr files by seq, then: base first. Small n: insertion order is kept by parse. */
static int load_order(const struct aof_manifest *m, const struct aof_file_info **order)
{
	int n = 0;
	const struct aof_file_info *base = aof_manifest_base(m);
	if (base != NULL)
		order[n++] = base;
	for (size_t i = 0; i < m->n; i++)
		if (m->files[i].type == 'i')
			order[n++] = &m->files[i]; /* parse enforced increasing seq */
	return n;
}

static int load_fail(struct cp_aof_load_info *info, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct loaded_file {
	const char *name;
	uint8_t *p;
	size_t len;
	struct aof_scan scan;
	uint64_t end; /* bytes to deliver */
	bool rdb;     /* an RDB preamble base ("REDIS" magic) */
	bool torn;    /* a closed incr file's torn tail: loads if no later file holds a command */
};

static uint64_t now_unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void file_path(const struct cp_aof_conf *conf, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", conf->dir, conf->dirname, name);
}

/* An RDB base (aof-use-rdb-preamble yes): checked whole (CRC64) by the RDB
 * reader, delivered as its RESTOREs. */
static int load_check_rdb(const struct cp_aof_conf *conf, struct loaded_file *f,
			  struct cp_aof_load_info *info)
{
	char path[4096];
	struct cp_rdb_load_info ri;
	file_path(conf, f->name, path, sizeof(path));
	int rc = cp_rdb_load(path, now_unix_ms(), NULL, NULL, &ri);
	if (rc != 0)
		return load_fail(info, rc == -ENOTSUP ? -ENOTSUP : -EILSEQ, "%s",
				 ri.err[0] ? ri.err : strerror(-rc));
	f->rdb = true;
	f->end = f->len;
	return 0;
}

struct rdb_adapt {
	cp_aof_cmd_fn *cb;
	void *arg;
	const char *file;
	uint64_t base;
	uint64_t *count;
};

static int rdb_adapt_cmd(void *arg, uint32_t db, const struct resp_arg *argv, uint32_t argc,
			 const uint8_t *resp, size_t len, uint64_t loaded)
{
	struct rdb_adapt *ad = arg;
	struct cp_aof_cmd c = {.db = db,
			       .resp = resp,
			       .len = len,
			       .argv = argv,
			       .argc = argc,
			       .file = ad->file,
			       .offset = loaded,
			       .loaded_bytes = ad->base + loaded};
	++*ad->count;
	return ad->cb(ad->arg, &c);
}

static int replay_rdb(const struct cp_aof_conf *conf, const struct loaded_file *f, uint64_t base,
		      cp_aof_cmd_fn *cb, void *arg, uint64_t *count, struct cp_aof_load_info *info)
{
	char path[4096];
	struct cp_rdb_load_info ri;
	struct rdb_adapt ad = {.cb = cb, .arg = arg, .file = f->name, .base = base, .count = count};
	file_path(conf, f->name, path, sizeof(path));
	int rc = cp_rdb_load(path, now_unix_ms(), rdb_adapt_cmd, &ad, &ri);
	if (rc != 0 && ri.err[0] != '\0')
		load_fail(info, rc, "%s", ri.err);
	return rc;
}

static int load_fail(struct cp_aof_load_info *info, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int load_fail(struct cp_aof_load_info *info, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(info->err, sizeof(info->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* files[i], closed, has a torn tail: the AOF's tail if no later file holds a command. */
static int load_torn_closed(struct loaded_file *files, int i, int n, struct cp_aof_load_info *info)
{
	struct loaded_file *f = &files[i];
	for (int j = i + 1; j < n; j++)
		if (files[j].rdb || files[j].scan.commands > 0)
			return load_fail(info, -EILSEQ,
					 "%s offset %" PRIu64 ": truncated or unverified tail of "
					 "%" PRIu64 " bytes in a closed file",
					 f->name, f->end, (uint64_t)(f->len - f->end));
	info->tail_cut = f->len - f->end;
	info->tail_offset = f->end;
	snprintf(info->tail_file, sizeof(info->tail_file), "%s", f->name);
	rw_log_kv(RW_LOG_WARN, "cp.aof",
		  "AOF tail is torn in the file before an empty one: loading up to its last "
		  "whole batch",
		  "file=%s offset=%" PRIu64 " cut_bytes=%" PRIu64, f->name, f->end, info->tail_cut);
	return 0;
}

/* Validate one file and decide how much of it loads. */
static int load_check(const struct cp_aof_conf *conf, struct loaded_file *f, bool base, bool last,
		      struct cp_aof_load_info *info)
{
	if (f->len >= 5 && memcmp(f->p, "REDIS", 5) == 0) {
		if (!base) /* Redis too: only a base may be an RDB */
			return load_fail(info, -EILSEQ, "%s offset 0: an RDB in an incr file",
					 f->name);
		return load_check_rdb(conf, f, info);
	}
	int rc = aof_scan(f->p, f->len, &f->scan);
	if (rc == -EILSEQ)
		return load_fail(info, rc, "%s offset %" PRIu64 ": %s", f->name, f->scan.err_off,
				 f->scan.err);
	if (rc != 0)
		return load_fail(info, rc, "%s: %s", f->name, strerror(-rc));
	f->end = f->scan.valid_end;
	if (f->end < f->len && !last && !base && conf->load_truncated) {
		f->torn = true; /* decided once every later file is scanned */
	} else if (f->end < f->len) {
		if (!last || !conf->load_truncated)
			return load_fail(info, -EILSEQ,
					 "%s offset %" PRIu64 ": truncated or unverified tail of "
					 "%" PRIu64 " bytes%s",
					 f->name, f->end, (uint64_t)(f->len - f->end),
					 last ? " (aof-load-truncated is no)"
					      : " in a closed file");
		info->tail_cut = f->len - f->end;
		info->tail_offset = f->end;
		snprintf(info->tail_file, sizeof(info->tail_file), "%s", f->name);
		rw_log_kv(RW_LOG_WARN, "cp.aof",
			  "AOF tail is torn: loading up to the last whole batch",
			  "file=%s offset=%" PRIu64 " cut_bytes=%" PRIu64, f->name, f->end,
			  info->tail_cut);
	}
	if (!f->scan.annotated && f->len > 0) {
		info->unverified += f->len;
		rw_log_kv(RW_LOG_INFO, "cp.aof",
			  "AOF file has no checksums (written by stock Redis?)",
			  "file=%s bytes=%zu", f->name, f->len);
	}
	info->batches += f->scan.batches;
	if (f->scan.batches > 0) {
		info->epoch = f->scan.epoch;
		memcpy(info->lsn, f->scan.lsn, sizeof(info->lsn));
	}
	return 0;
}

int aof_dir_open(const struct cp_aof_conf *conf, bool create, int *out)
{
	int dfd = open(conf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && create && errno == ENOENT && mkdir(conf->dir, 0755) == 0)
		dfd = open(conf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	int fd = openat(dfd, conf->dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && create && errno == ENOENT) {
		if (mkdirat(dfd, conf->dirname, 0755) != 0 && errno != EEXIST) {
			int e = -errno;
			close(dfd);
			return e;
		}
		fsync(dfd); /* the new directory entry survives a power loss */
		fd = openat(dfd, conf->dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	int e = fd < 0 ? -errno : 0;
	close(dfd);
	*out = fd;
	return e;
}

int cp_aof_files_bytes(const struct cp_aof_conf *conf, uint64_t *total)
{
	struct aof_manifest m = {0};
	char mname[AOF_NAME_MAX + 16], err[256];
	int dirfd = -1;
	*total = 0;
	snprintf(mname, sizeof(mname), "%s.manifest", conf->filename);
	int rc = aof_dir_open(conf, false, &dirfd);
	if (rc == 0)
		rc = aof_manifest_read(dirfd, mname, &m, err, sizeof(err));
	for (size_t i = 0; rc == 0 && i < m.n; i++) {
		struct stat st;
		if (m.files[i].type != 'h' && fstatat(dirfd, m.files[i].name, &st, 0) == 0)
			*total += (uint64_t)st.st_size;
	}
	aof_manifest_fini(&m);
	if (dirfd >= 0)
		close(dirfd);
	return rc == -ENOENT ? 0 : rc;
}

int cp_aof_load(const struct cp_aof_conf *conf, cp_aof_cmd_fn *cb, void *arg,
		struct cp_aof_load_info *info)
{
	struct aof_manifest m = {0};
	struct loaded_file *files = NULL;
	const struct aof_file_info **order = NULL;
	char mname[AOF_NAME_MAX + 16], err[256] = "";
	int dirfd = -1, n = 0, rc;

	memset(info, 0, sizeof(*info));
	snprintf(mname, sizeof(mname), "%s.manifest", conf->filename);
	rc = aof_dir_open(conf, false, &dirfd);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0)
		return load_fail(info, rc, "%s/%s: %s", conf->dir, conf->dirname, strerror(-rc));
	rc = aof_manifest_read(dirfd, mname, &m, err, sizeof(err));
	if (rc == -ENOENT) {
		rc = 0;
		goto out;
	}
	if (rc != 0) {
		load_fail(info, rc, "%s: %s", mname, rc == -EINVAL ? err : strerror(-rc));
		goto out;
	}
	info->exists = true;
	order = calloc(m.n, sizeof(*order));
	files = calloc(m.n, sizeof(*files));
	if (order == NULL || files == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	n = load_order(&m, order);
	for (int i = 0; i < n && rc == 0; i++) {
		files[i].name = order[i]->name;
		rc = aof_file_map(dirfd, order[i]->name, &files[i].p, &files[i].len);
		if (rc != 0)
			load_fail(info, rc, "%s: %s", order[i]->name, strerror(-rc));
		else
			rc = load_check(conf, &files[i], order[i]->type == 'b', i == n - 1, info);
	}
	for (int i = 0; i < n && rc == 0; i++)
		if (files[i].torn)
			rc = load_torn_closed(files, i, n, info);
	for (int i = 0; i < n && rc == 0; i++)
		info->total_bytes += files[i].end;
	for (uint64_t base = 0, i = 0; i < (uint64_t)n && rc == 0; i++) {
		uint32_t db = 0; /* Redis loads each file with a fresh client, in db 0 */
		if (files[i].rdb)
			rc = replay_rdb(conf, &files[i], base, cb, arg, &info->commands, info);
		else
			rc = aof_replay(files[i].p, files[i].end, files[i].name, base, &db, cb, arg,
					&info->commands);
		base += files[i].end;
		info->files++;
	}
out:
	for (int i = 0; files != NULL && i < n; i++)
		aof_file_unmap(files[i].p, files[i].len);
	free(files);
	free(order);
	aof_manifest_fini(&m);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}
