/*
 * Reading dir/dbfilename at start (see cp_rdb.h): every key becomes a
 * RESTORE of its own value bytes.
 *
 * The file is mapped and read in place (rdb_in over memory), so a value's
 * bytes are the range the skipper walked over: no per-type decoding here,
 * the dataplane's RESTORE does that (and answers an error for a type it
 * cannot load yet, which the load counts).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cp_rdb.h"
#include "crc64.h"
#include "rdb_file.h"
#include "rw_buf.h"

static int skip_string(struct rdb_in *in)
{
	uint8_t *p = NULL;
	size_t n;
	int rc = rdb_r_string(in, &p, &n);
	free(p);
	return rc;
}

static int skip_strings(struct rdb_in *in, uint64_t n)
{
	int rc = 0;
	for (uint64_t i = 0; i < n && rc == 0; i++)
		rc = skip_string(in);
	return rc;
}

/* rdbLoadDoubleValue(): a length byte (253 nan, 254 +inf, 255 -inf) then the digits. */
static int skip_old_double(struct rdb_in *in)
{
	uint8_t len, buf[256];
	int rc = rdb_r_u8(in, &len);
	if (rc != 0 || len >= 253)
		return rc;
	return rdb_in_read(in, buf, len);
}

/* rdbLoadObject()'s reading, without building anything. */
static int skip_value(struct rdb_in *in, uint8_t type)
{
	uint64_t n, c;
	int rc;
	uint8_t d[8];
	switch (type) {
	case RDB_TYPE_STRING:
	case RDB_TYPE_HASH_ZIPMAP:
	case RDB_TYPE_LIST_ZIPLIST:
	case RDB_TYPE_SET_INTSET:
	case RDB_TYPE_ZSET_ZIPLIST:
	case RDB_TYPE_HASH_ZIPLIST:
	case RDB_TYPE_HASH_LISTPACK:
	case RDB_TYPE_ZSET_LISTPACK:
		return skip_string(in);
	case RDB_TYPE_LIST:
	case RDB_TYPE_SET:
	case RDB_TYPE_LIST_QUICKLIST:
		if ((rc = rdb_r_len_plain(in, &n)) != 0)
			return rc;
		return skip_strings(in, n);
	case RDB_TYPE_HASH:
		if ((rc = rdb_r_len_plain(in, &n)) != 0)
			return rc;
		return n > UINT64_MAX / 2 ? -EBADMSG : skip_strings(in, 2 * n);
	case RDB_TYPE_ZSET:
	case RDB_TYPE_ZSET_2:
		if ((rc = rdb_r_len_plain(in, &n)) != 0)
			return rc;
		for (uint64_t i = 0; i < n && rc == 0; i++) {
			rc = skip_string(in);
			if (rc == 0)
				rc = type == RDB_TYPE_ZSET_2 ? rdb_in_read(in, d, 8)
							     : skip_old_double(in);
		}
		return rc;
	case RDB_TYPE_LIST_QUICKLIST_2:
		if ((rc = rdb_r_len_plain(in, &n)) != 0)
			return rc;
		for (uint64_t i = 0; i < n && rc == 0; i++) {
			rc = rdb_r_len_plain(in, &c); /* container: plain or packed */
			if (rc == 0)
				rc = skip_string(in);
		}
		return rc;
	default:
		return -ENOTSUP; /* modules, streams */
	}
}

struct load_ctx {
	cp_rdb_cmd_fn *fn;
	void *arg;
	struct rw_buf payload, resp;
};

/* RESTORE key ttl payload REPLACE ABSTTL, the payload being DUMP's form of
 * the value: type byte, value bytes, RDB version (2 bytes LE), CRC64. */
static int emit(struct load_ctx *lc, uint32_t db, const struct rdb_item *it, const uint8_t *val,
		size_t vlen, uint64_t loaded)
{
	rw_buf_reset(&lc->payload);
	rw_buf_reset(&lc->resp);
	uint8_t ver[2] = {RDB_VERSION & 0xff, RDB_VERSION >> 8};
	if (rw_buf_append(&lc->payload, &it->type, 1) != 0 ||
	    rw_buf_append(&lc->payload, val, vlen) != 0 || rw_buf_append(&lc->payload, ver, 2) != 0)
		return -ENOMEM;
	uint64_t crc = rw_crc64(0, lc->payload.data, lc->payload.len);
	if (rw_buf_append(&lc->payload, &crc, 8) != 0)
		return -ENOMEM;
	char ttl[24], acc[8];
	int tn = snprintf(ttl, sizeof(ttl), "%lld",
			  (long long)(it->meta.expire_ms >= 0 ? it->meta.expire_ms : 0));
	/* RDB_OPCODE_FREQ / IDLE, as rdbLoad() applies them (objectSetLRUOrLFU);
	 * RESTORE takes one of the two */
	const char *opt = it->meta.freq >= 0 ? "FREQ" : it->meta.idle_s >= 0 ? "IDLETIME" : NULL;
	int an = opt == NULL
		     ? 0
		     : snprintf(acc, sizeof(acc), "%lld",
				(long long)(it->meta.freq >= 0 ? it->meta.freq : it->meta.idle_s));
	resp_w_array(&lc->resp, opt != NULL ? 8 : 6);
	resp_w_bulk(&lc->resp, "RESTORE", 7);
	resp_w_bulk(&lc->resp, it->key, it->klen);
	resp_w_bulk(&lc->resp, ttl, (size_t)tn);
	resp_w_bulk(&lc->resp, lc->payload.data, lc->payload.len);
	resp_w_bulk(&lc->resp, "REPLACE", 7);
	resp_w_bulk(&lc->resp, "ABSTTL", 6);
	if (opt != NULL) {
		resp_w_bulk(&lc->resp, opt, strlen(opt));
		resp_w_bulk(&lc->resp, acc, (size_t)an);
	}
	struct resp_arg argv[2] = {{.ptr = (uint8_t *)"RESTORE", .len = 7},
				   {.ptr = it->key, .len = it->klen}};
	return lc->fn(lc->arg, db, argv, 2, lc->resp.data, lc->resp.len, loaded);
}

/*
 * A reader over a mapped file, resumable between keys (a live restore
 * reads it in slices between the control plane's other work): the state
 * is the offset, the RDB version and the DB selected last.
 */
struct cp_rdb_reader {
	const uint8_t *mem;
	size_t size;
	const char *path;
	uint64_t now_ms;
	unsigned version;
	uint32_t db;
	bool eof;
	struct rdb_in in;
	struct rdb_item it;
	struct load_ctx lc;
	struct cp_rdb_load_info info;
};

static int reader_fail(struct cp_rdb_reader *r, int rc)
{
	if (r->info.err[0] == '\0')
		snprintf(r->info.err, sizeof(r->info.err), "%s at offset %llu: %s", r->path,
			 (unsigned long long)r->in.off,
			 rc == -EBADMSG	  ? "corrupt (bad encoding or CRC64 mismatch)"
			 : rc == -ENODATA ? "truncated"
			 : rc == -ENOTSUP ? "a value type or opcode this build cannot load"
					  : strerror(-rc));
	return rc == -ENODATA ? -EBADMSG : rc;
}

int cp_rdb_reader_step(struct cp_rdb_reader *r, cp_rdb_cmd_fn *fn, void *arg, uint64_t max_bytes)
{
	uint64_t stop = max_bytes > UINT64_MAX - r->in.off ? UINT64_MAX : r->in.off + max_bytes;
	int rc = 0;
	r->lc.fn = fn;
	r->lc.arg = arg;
	while (!r->eof && rc == 0 && r->in.off < stop) {
		rc = rdb_r_next(&r->in, r->version, &r->it);
		if (rc != 0)
			break;
		if (r->it.kind == RDB_ITEM_EOF) {
			r->eof = true;
			break;
		}
		if (r->it.kind == RDB_ITEM_SELECTDB) {
			r->db = (uint32_t)r->it.db;
			continue;
		}
		if (r->it.kind != RDB_ITEM_KEY)
			continue;
		uint64_t off = r->in.off;
		rc = skip_value(&r->in, r->it.type);
		if (rc != 0)
			break;
		if (r->it.meta.expire_ms >= 0 && (uint64_t)r->it.meta.expire_ms < r->now_ms) {
			r->info.expired++;
			continue;
		}
		r->info.keys++;
		if (fn != NULL)
			rc = emit(&r->lc, r->db, &r->it, r->mem + off, r->in.off - off, r->in.off);
	}
	if (rc != 0)
		return reader_fail(r, rc);
	return r->eof ? 0 : 1;
}

int cp_rdb_reader_open(struct cp_rdb_reader **out, const char *path, uint64_t now_ms,
		       struct cp_rdb_load_info *info)
{
	memset(info, 0, sizeof(*info));
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	struct cp_rdb_reader *r = calloc(1, sizeof(*r));
	if (r == NULL || fstat(fd, &st) != 0) {
		int e = r == NULL ? -ENOMEM : -errno;
		free(r);
		close(fd);
		return e;
	}
	r->info.bytes = info->bytes = (uint64_t)st.st_size;
	if (st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			int e = -errno;
			close(fd);
			free(r);
			return e;
		}
		madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
		r->mem = m;
	}
	close(fd);
	r->size = (size_t)st.st_size;
	r->path = path;
	r->now_ms = now_ms;
	rdb_in_init_mem(&r->in, r->mem, r->size);
	*out = r;
	int rc = rdb_r_header(&r->in, &r->version);
	if (rc != 0) {
		rc = reader_fail(r, rc);
		*info = r->info;
	}
	return rc;
}

const struct cp_rdb_load_info *cp_rdb_reader_info(const struct cp_rdb_reader *r)
{
	return &r->info;
}

uint64_t cp_rdb_reader_offset(const struct cp_rdb_reader *r)
{
	return r->in.off;
}

void cp_rdb_reader_close(struct cp_rdb_reader **rp)
{
	if (rp == NULL || *rp == NULL)
		return;
	struct cp_rdb_reader *r = *rp;
	rdb_item_clear(&r->it);
	rdb_in_fini(&r->in);
	rw_buf_fini(&r->lc.payload);
	rw_buf_fini(&r->lc.resp);
	if (r->mem != NULL)
		munmap((void *)r->mem, r->size);
	free(r);
	*rp = NULL;
}

int cp_rdb_load(const char *path, uint64_t now_ms, cp_rdb_cmd_fn *fn, void *arg,
		struct cp_rdb_load_info *info)
{
	struct cp_rdb_reader *r = NULL;
	int rc = cp_rdb_reader_open(&r, path, now_ms, info);
	if (rc == 0)
		rc = cp_rdb_reader_step(r, fn, arg, UINT64_MAX);
	if (r != NULL)
		*info = r->info;
	cp_rdb_reader_close(&r);
	return rc;
}
