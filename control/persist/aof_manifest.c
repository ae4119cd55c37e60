/*
 * The AOF manifest, as Redis 7.0 reads and writes it (aof.c
 * aofLoadManifestFromFile, getAofManifestAsString, persistAofManifest):
 *
 *   file appendonly.aof.1.base.aof seq 1 type b\n
 *   file appendonly.aof.1.incr.aof seq 1 type i\n
 *
 * one line per file, key/value pairs in any order split with sdssplitargs()
 * rules, '#' lines are comments. Writing it is crash-safe: a temp file in
 * the same directory, write, fsync, rename(2) over the manifest, fsync the
 * directory so the rename itself survives a power loss.
 *
 * Context: control plane, boot and rare events; blocks (file I/O).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof_internal.h"

#define MANIFEST_LINE_MAX 1024 /* Redis: AOF_ANNOTATION_LINE_MAX_LEN */
#define MANIFEST_MAX	  (1024 * 1024)

int aof_manifest_add(struct aof_manifest *m, const char *name, int64_t seq, char type)
{
	if (strlen(name) >= AOF_NAME_MAX)
		return -ENAMETOOLONG;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 4;
		struct aof_file_info *f = realloc(m->files, cap * sizeof(*f));
		if (f == NULL)
			return -ENOMEM;
		m->files = f;
		m->cap = cap;
	}
	struct aof_file_info *f = &m->files[m->n++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->seq = seq;
	f->type = type;
	return 0;
}

void aof_manifest_fini(struct aof_manifest *m)
{
	free(m->files);
	memset(m, 0, sizeof(*m));
}

const struct aof_file_info *aof_manifest_base(const struct aof_manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->files[i].type == 'b')
			return &m->files[i];
	return NULL;
}

const struct aof_file_info *aof_manifest_last_incr(const struct aof_manifest *m)
{
	const struct aof_file_info *last = NULL;
	for (size_t i = 0; i < m->n; i++)
		if (m->files[i].type == 'i' && (last == NULL || m->files[i].seq > last->seq))
			last = &m->files[i];
	return last;
}

static int parse_fail(char *err, size_t errlen, int line, const char *cause)
{
	snprintf(err, errlen, "manifest line %d: %s", line, cause);
	return -EINVAL;
}

/* One non-comment line, already trimmed and NUL-terminated. */
static int parse_line(char *s, size_t n, int lineno, struct aof_manifest *m, int64_t *last_incr,
		      char *err, size_t errlen)
{
	struct resp_arg argv[16];
	int64_t argc = resp_split_args((uint8_t *)s, n, argv, 16);
	const char *file = NULL;
	int64_t seq = -1;
	char type = 0;

	if (argc < 6 || argc > 16 || argc % 2 != 0)
		return parse_fail(err, errlen, lineno, "Invalid AOF manifest file format");
	char name[AOF_NAME_MAX];
	for (int64_t i = 0; i < argc; i += 2) {
		/* arguments are unescaped in place, packed: compare by length */
		const struct resp_arg *k = &argv[i], *v = &argv[i + 1];
		if (k->len == 4 && memcmp(k->ptr, "file", 4) == 0) {
			if (v->len >= sizeof(name))
				return parse_fail(err, errlen, lineno, "File name too long");
			memcpy(name, v->ptr, v->len);
			name[v->len] = '\0';
			file = name;
		} else if (k->len == 3 && memcmp(k->ptr, "seq", 3) == 0) {
			if (!resp_str_to_i64(v->ptr, v->len, &seq))
				return parse_fail(err, errlen, lineno,
						  "Invalid AOF manifest file format");
		} else if (k->len == 4 && memcmp(k->ptr, "type", 4) == 0) {
			type = v->len == 1 ? (char)v->ptr[0] : '?';
		}
	}
	if (file == NULL || seq < 0 || type == 0)
		return parse_fail(err, errlen, lineno, "Invalid AOF manifest file format");
	if (strchr(file, '/') != NULL || file[0] == '\0')
		return parse_fail(err, errlen, lineno, "File can't be a path, just a filename");
	if (type == 'b' && aof_manifest_base(m) != NULL)
		return parse_fail(err, errlen, lineno, "Found duplicate base file information");
	if (type != 'b' && type != 'h' && type != 'i')
		return parse_fail(err, errlen, lineno, "Unknown AOF file type");
	if (type == 'i') {
		if (seq <= *last_incr)
			return parse_fail(err, errlen, lineno,
					  "Found a non-monotonic sequence number");
		*last_incr = seq;
	}
	return aof_manifest_add(m, file, seq, type);
}

int aof_manifest_parse(const char *text, size_t len, struct aof_manifest *m, char *err,
		       size_t errlen)
{
	char line[MANIFEST_LINE_MAX + 1];
	int64_t last_incr = 0;
	int lineno = 0, rc = 0;
	size_t off = 0;

	memset(m, 0, sizeof(*m));
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		lineno++;
		if (nl == NULL || n >= MANIFEST_LINE_MAX) {
			rc =
			    parse_fail(err, errlen, lineno,
				       nl == NULL ? "The AOF manifest file is truncated"
						  : "The AOF manifest file contains too long line");
			break;
		}
		memcpy(line, text + off, n);
		line[n] = '\0';
		off += n + 1;
		char *s = line;
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		size_t sl = strlen(s);
		while (sl > 0 && (s[sl - 1] == ' ' || s[sl - 1] == '\t' || s[sl - 1] == '\r'))
			s[--sl] = '\0';
		if (sl == 0 || s[0] == '#')
			continue;
		rc = parse_line(s, sl, lineno, m, &last_incr, err, errlen);
		if (rc != 0)
			break;
	}
	if (rc == 0 && m->n == 0)
		rc = parse_fail(err, errlen, lineno, "Found an empty AOF manifest");
	if (rc != 0)
		aof_manifest_fini(m);
	return rc;
}

static int format_type(const struct aof_manifest *m, char type, struct rw_buf *out)
{
	char line[AOF_NAME_MAX + 64];
	for (size_t i = 0; i < m->n; i++) {
		const struct aof_file_info *f = &m->files[i];
		if (f->type != type)
			continue;
		int n = snprintf(line, sizeof(line), "file %s seq %" PRId64 " type %c\n", f->name,
				 f->seq, f->type);
		if (rw_buf_append(out, line, (size_t)n) != 0)
			return -ENOMEM;
	}
	return 0;
}

int aof_manifest_format(const struct aof_manifest *m, struct rw_buf *out)
{
	if (format_type(m, 'b', out) != 0 || format_type(m, 'h', out) != 0 ||
	    format_type(m, 'i', out) != 0)
		return -ENOMEM;
	return 0;
}

int aof_manifest_read(int dirfd, const char *name, struct aof_manifest *m, char *err, size_t errlen)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = 0;
	char *text = NULL;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (st.st_size > MANIFEST_MAX) {
		snprintf(err, errlen, "manifest %s is larger than %d bytes", name, MANIFEST_MAX);
		rc = -EINVAL;
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	ssize_t got = pread(fd, text, (size_t)st.st_size, 0);
	if (got != st.st_size) {
		rc = got < 0 ? -errno : -EIO;
		goto out;
	}
	rc = aof_manifest_parse(text, (size_t)st.st_size, m, err, errlen);
out:
	free(text);
	close(fd);
	return rc;
}

int aof_dir_fsync(int dirfd)
{
	return fsync(dirfd) == 0 ? 0 : -errno;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int aof_manifest_write(int dirfd, const char *name, const struct aof_manifest *m)
{
	char tmp[AOF_NAME_MAX + 8];
	struct rw_buf b = {0};
	int rc, fd = -1;

	if (snprintf(tmp, sizeof(tmp), "temp-%s", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	rc = aof_manifest_format(m, &b);
	if (rc != 0)
		goto out;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = write_all(fd, b.data, b.len);
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	fd = -1;
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) != 0)
		rc = -errno;
	if (rc == 0)
		rc = aof_dir_fsync(dirfd);
	if (rc != 0)
		unlinkat(dirfd, tmp, 0);
out:
	rw_buf_fini(&b);
	return rc;
}

int aof_file_map(int dirfd, const char *name, uint8_t **p, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = 0;
	*p = NULL;
	*len = 0;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
	} else if (st.st_size > 0) {
		void *m =
		    mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			rc = -errno;
		else {
			*p = m;
			*len = (size_t)st.st_size;
		}
	}
	close(fd);
	return rc;
}

void aof_file_unmap(uint8_t *p, size_t len)
{
	if (p != NULL)
		munmap(p, len);
}

int aof_name_base(char *buf, size_t len, const char *filename, int64_t seq, bool rdb)
{
	int n =
	    snprintf(buf, len, "%s.%lld.base.%s", filename, (long long)seq, rdb ? "rdb" : "aof");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int aof_name_incr(char *buf, size_t len, const char *filename, int64_t seq)
{
	int n = snprintf(buf, len, "%s.%lld.incr.aof", filename, (long long)seq);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int aof_manifest_switch(struct aof_manifest *m, const char *base_name, int64_t base_seq,
			int64_t keep_incr_seq)
{
	for (size_t i = 0; i < m->n; i++) {
		struct aof_file_info *f = &m->files[i];
		if (f->type == 'b' || (f->type == 'i' && f->seq < keep_incr_seq))
			f->type = 'h';
	}
	return aof_manifest_add(m, base_name, base_seq, 'b');
}

size_t aof_manifest_drop_history(struct aof_manifest *m)
{
	size_t k = 0, n = m->n;
	for (size_t i = 0; i < m->n; i++)
		if (m->files[i].type != 'h')
			m->files[k++] = m->files[i];
	m->n = k;
	return n - k;
}

int aof_history_unlink(int dirfd, const struct aof_manifest *m)
{
	int rc = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->files[i].type == 'h' && unlinkat(dirfd, m->files[i].name, 0) != 0 &&
		    errno != ENOENT && rc == 0)
			rc = -errno;
	return rc;
}
