/*
 * AOF file contents: SELECT records, the "#RW1" batch annotation, and the
 * scanner that validates a file (RESP framing, annotation CRCs, torn tail)
 * and replays it. Format: FORMAT.md in this directory.
 *
 * How a file is read. Redis 7.0's loader (aof.c loadSingleAppendOnlyFile)
 * reads "*<argc>" lines, skips any line starting with '#', and accepts an
 * incomplete command at end of file as a truncated tail; anything else is a
 * format error. Redwire adds batches: the bytes between two annotations
 * (or the file start and the first annotation) must hash to the CRC64 the
 * annotation carries. So a bit flip inside a value, which Redis loads
 * silently, shows as a mismatch at the batch's offset.
 *
 * Where a tail starts. A writer appends a batch and its annotation in one
 * write; a crash can tear that write anywhere. So whatever follows the last
 * annotation of an annotated file is unverified and counts as the tail,
 * even when it parses. A format error that has a later annotation after it
 * cannot be a torn write: that is corruption. A file with no annotation at
 * all (written by stock Redis) is read as Redis reads it, without CRCs.
 *
 * Context: any thread; no allocation except the argv scratch.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aof_internal.h"
#include "crc64.h"

size_t aof_annot_format(char *buf, const struct aof_annot *a)
{
	int n = snprintf(buf, AOF_ANNOT_MAX,
			 AOF_ANNOT_PREFIX "epoch=%016" PRIx64 " w=%u lsn=%" PRIu64 "-%" PRIu64
					  " n=%u crc64=%016" PRIx64 "\r\n",
			 a->epoch, a->w, a->first, a->last, a->n, a->crc);
	return (size_t)n;
}

#define AOF_CRC_FIELD_LEN (16 + 2) /* hex digits and CRLF after "crc64=" */

uint64_t aof_annot_crc_cont(uint64_t batch_crc, const struct aof_annot *a)
{
	char line[AOF_ANNOT_MAX];
	size_t len = aof_annot_format(line, a);
	return rw_crc64(batch_crc, line, len - AOF_CRC_FIELD_LEN);
}

uint64_t aof_annot_crc(const uint8_t *batch, size_t n, const struct aof_annot *a)
{
	return aof_annot_crc_cont(rw_crc64(0, batch, n), a);
}

/*
 * Strict: sscanf() reads the fields, then the line must equal, byte for
 * byte, what aof_annot_format() makes of them (no leading zeros, spaces,
 * signs or upper-case hex slip through).
 */
int aof_annot_parse(const uint8_t *line, size_t n, struct aof_annot *a)
{
	char tmp[AOF_ANNOT_MAX], again[AOF_ANNOT_MAX];
	unsigned w, cmds;

	if (n >= sizeof(tmp) || n < 2 || line[n - 1] != '\n')
		return -EINVAL;
	memcpy(tmp, line, n);
	tmp[n] = '\0';
	if (sscanf(tmp,
		   AOF_ANNOT_PREFIX "epoch=%16" SCNx64 " w=%u lsn=%" SCNu64 "-%" SCNu64
				    " n=%u crc64=%16" SCNx64,
		   &a->epoch, &w, &a->first, &a->last, &cmds, &a->crc) != 6 ||
	    w >= CP_AOF_MAX_WORKERS || a->last < a->first)
		return -EINVAL;
	a->w = w;
	a->n = cmds;
	if (aof_annot_format(again, a) != n || memcmp(again, tmp, n) != 0)
		return -EINVAL;
	return 0;
}

size_t aof_select_format(char *buf, uint32_t db)
{
	char num[16];
	int nl = snprintf(num, sizeof(num), "%u", db);
	return (size_t)sprintf(buf, "*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n", nl, num);
}

/* ---- scanning ---- */

struct scan_ctx {
	struct resp_cmd cmd;
	struct resp_limits lim;
	struct resp_arg small[16];
};

static void scan_ctx_init(struct scan_ctx *x)
{
	memset(x, 0, sizeof(*x));
	resp_limits_default(&x->lim);
	x->lim.max_bulk_len = UINT32_MAX;
	x->cmd.argv = x->small;
	x->cmd.cap = 16;
}

static void scan_ctx_fini(struct scan_ctx *x)
{
	if (x->cmd.argv != x->small)
		free(x->cmd.argv);
}

/* One RESP command at buf[0..len). @return RESP_OK, RESP_INCOMPLETE, RESP_ERROR, or
 * RESP_NEED_ARGS when argv cannot grow (reported as -ENOMEM by callers). */
static enum resp_status parse_one(struct scan_ctx *x, uint8_t *buf, size_t len)
{
	for (;;) {
		enum resp_status st = resp_parse(buf, len, &x->lim, &x->cmd);
		if (st != RESP_NEED_ARGS)
			return st == RESP_OK && x->cmd.argc == 0 ? RESP_ERROR : st;
		struct resp_arg *n = malloc(sizeof(*n) * x->cmd.need_args);
		if (n == NULL)
			return RESP_NEED_ARGS;
		if (x->cmd.argv != x->small)
			free(x->cmd.argv);
		x->cmd.argv = n;
		x->cmd.cap = x->cmd.need_args;
	}
}

static bool is_select(const struct resp_cmd *c, uint32_t *db)
{
	int64_t v;
	if (c->argc != 2 || c->argv[0].len != 6 ||
	    strncasecmp((const char *)c->argv[0].ptr, "select", 6) != 0)
		return false;
	if (!resp_str_to_i64(c->argv[1].ptr, c->argv[1].len, &v) || v < 0 || v > INT32_MAX)
		v = -1;
	*db = (uint32_t)v; /* UINT32_MAX: invalid, the caller reports it */
	return true;
}

/* Is there an annotation line starting after @p off? */
static bool annot_after(const uint8_t *buf, size_t len, size_t off)
{
	static const char pat[] = "\n" AOF_ANNOT_PREFIX;
	return off < len && memmem(buf + off, len - off, pat, sizeof(pat) - 1) != NULL;
}

static int scan_fail(struct aof_scan *s, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int scan_fail(struct aof_scan *s, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	s->err_off = off;
	return -EILSEQ;
}

/* A batch's annotation at buf[off..off+n): check it against the bytes since the last one. */
static int scan_annot(struct aof_scan *s, const uint8_t *buf, size_t batch_start, size_t off,
		      size_t n, uint64_t cmds)
{
	struct aof_annot a;
	if (aof_annot_parse(buf + off, n, &a) != 0)
		return scan_fail(s, off, "malformed %.4s annotation", AOF_ANNOT_PREFIX);
	uint64_t crc = aof_annot_crc(buf + batch_start, off - batch_start, &a);
	if (crc != a.crc)
		return scan_fail(s, batch_start,
				 "CRC64 mismatch in bytes %zu..%zu (worker %u, lsn %" PRIu64
				 "-%" PRIu64 "): stored %016" PRIx64 ", computed %016" PRIx64,
				 batch_start, off, a.w, a.first, a.last, a.crc, crc);
	if (cmds != a.n)
		return scan_fail(s, batch_start,
				 "batch at %zu holds %" PRIu64 " commands, its annotation says %u",
				 batch_start, cmds, a.n);
	if (a.epoch != s->epoch) {
		memset(s->lsn, 0, sizeof(s->lsn));
		s->epoch = a.epoch;
	}
	s->lsn[a.w] = a.last;
	s->batches++;
	return 0;
}

int aof_scan(uint8_t *buf, size_t len, struct aof_scan *s)
{
	struct scan_ctx x;
	size_t off = 0, batch_start = 0, cmd_end = 0;
	uint64_t batch_cmds = 0, cmds = 0, cmds_at_annot = 0;
	int32_t db = -1, db_at_annot = -1;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	s->size = len;
	scan_ctx_init(&x);
	while (off < len) {
		if (buf[off] == '#') {
			const uint8_t *nl = memchr(buf + off, '\n', len - off);
			if (nl == NULL)
				break; /* a torn line */
			size_t n = (size_t)(nl - (buf + off)) + 1;
			if (off == 0 && n == strlen(AOF_HEADER) &&
			    memcmp(buf, AOF_HEADER, n) == 0) {
				s->annotated = true;
				batch_start = n;
			} else if (n > strlen(AOF_ANNOT_PREFIX) &&
				   memcmp(buf + off, AOF_ANNOT_PREFIX, strlen(AOF_ANNOT_PREFIX)) ==
				       0) {
				rc = scan_annot(s, buf, batch_start, off, n, batch_cmds);
				if (rc != 0)
					goto out;
				s->annotated = true;
				batch_start = off + n;
				batch_cmds = 0;
				cmds_at_annot = cmds;
				db_at_annot = db;
			}
			off += n;
			cmd_end = off;
			continue;
		}
		enum resp_status st =
		    buf[off] == '*' ? parse_one(&x, buf + off, len - off) : RESP_ERROR;
		if (st == RESP_NEED_ARGS) {
			rc = -ENOMEM;
			goto out;
		}
		if (st == RESP_INCOMPLETE)
			break;
		uint32_t sel = 0;
		if (st == RESP_OK && is_select(&x.cmd, &sel) && sel == UINT32_MAX)
			st = RESP_ERROR;
		if (st == RESP_ERROR) {
			/* Redis: a format error is fatal; ours too unless it can be a torn write */
			if (!s->annotated || annot_after(buf, len, off)) {
				rc = scan_fail(s, off, "bad RESP command (%s)",
					       x.cmd.err != NULL ? x.cmd.err : "not a command");
				goto out;
			}
			break;
		}
		if (is_select(&x.cmd, &sel))
			db = (int32_t)sel;
		off += x.cmd.consumed;
		cmd_end = off;
		batch_cmds++;
		cmds++;
	}
	if (s->annotated) {
		s->valid_end = batch_start;
		s->commands = cmds_at_annot;
		s->db = db_at_annot;
	} else {
		s->valid_end = cmd_end;
		s->commands = cmds;
		s->db = db;
	}
out:
	scan_ctx_fini(&x);
	return rc;
}

int aof_replay(uint8_t *buf, size_t end, const char *file, uint64_t base, uint32_t *db,
	       cp_aof_cmd_fn *cb, void *arg, uint64_t *count)
{
	struct scan_ctx x;
	size_t off = 0;
	int rc = 0;

	scan_ctx_init(&x);
	while (off < end) {
		if (buf[off] == '#') {
			const uint8_t *nl = memchr(buf + off, '\n', end - off);
			off = nl != NULL ? (size_t)(nl - buf) + 1 : end;
			continue;
		}
		enum resp_status st = parse_one(&x, buf + off, end - off);
		if (st != RESP_OK) {
			rc =
			    st == RESP_NEED_ARGS ? -ENOMEM : -EILSEQ; /* validated: cannot happen */
			break;
		}
		uint32_t sel;
		if (is_select(&x.cmd, &sel)) {
			*db = sel;
		} else {
			struct cp_aof_cmd c = {.db = *db,
					       .resp = buf + off,
					       .len = x.cmd.consumed,
					       .argv = x.cmd.argv,
					       .argc = x.cmd.argc,
					       .file = file,
					       .offset = off,
					       .loaded_bytes = base + off + x.cmd.consumed};
			(*count)++;
			rc = cb(arg, &c);
			if (rc != 0)
				break;
		}
		off += x.cmd.consumed;
	}
	scan_ctx_fini(&x);
	return rc;
}
