/*
 * RDB streams: buffered output with a running CRC64 handed to a sink in
 * chunks, and input from memory or a source callback with the CRC64 of
 * what was consumed (what Redis's rio does with its update_cksum hook).
 *
 * The CRC is taken as bytes enter the output buffer or leave the input
 * buffer, never over a whole file afterwards, so a multi-gigabyte snapshot
 * produced in slices costs no second pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"
#include "rdb.h"

/* Source mode reads this much per call. */
#define RDB_IN_CHUNK 65536

void rdb_out_init(struct rdb_out *o, rdb_sink_fn *sink, void *arg)
{
	o->sink = sink;
	o->arg = arg;
	o->crc = 0;
	o->bytes = 0;
	o->err = 0;
	o->used = 0;
}

int rdb_out_flush(struct rdb_out *o)
{
	if (o->err == 0 && o->used > 0)
		o->err = o->sink(o->arg, o->buf, o->used);
	o->used = 0;
	return o->err;
}

int rdb_out_write(struct rdb_out *o, const void *p, size_t n)
{
	const uint8_t *s = p;
	if (o->err != 0)
		return o->err;
	o->crc = rw_crc64(o->crc, s, n);
	o->bytes += n;
	while (n > 0) {
		size_t room = sizeof(o->buf) - o->used;
		if (o->used == 0 && n >= sizeof(o->buf)) {
			/* a big string goes to the sink without a copy */
			o->err = o->sink(o->arg, s, n);
			return o->err;
		}
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->used, s, k);
		o->used += k;
		s += k;
		n -= k;
		if (o->used == sizeof(o->buf) && rdb_out_flush(o) != 0)
			return o->err;
	}
	return 0;
}

int rdb_buf_sink(void *arg, const void *p, size_t n)
{
	struct rdb_buf *b = arg;
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2)
				return -ENOMEM;
			cap *= 2;
		}
		uint8_t *q = realloc(b->p, cap);
		if (q == NULL)
			return -ENOMEM;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void rdb_buf_free(struct rdb_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void rdb_in_init_mem(struct rdb_in *in, const void *p, size_t len)
{
	memset(in, 0, sizeof(*in));
	in->mem = p;
	in->mem_len = len;
	in->max_alloc = RDB_IN_MAX_ALLOC;
}

int rdb_in_init_source(struct rdb_in *in, rdb_source_fn *src, void *arg)
{
	memset(in, 0, sizeof(*in));
	in->src = src;
	in->arg = arg;
	in->max_alloc = RDB_IN_MAX_ALLOC;
	in->buf = malloc(RDB_IN_CHUNK);
	return in->buf != NULL ? 0 : -ENOMEM;
}

void rdb_in_fini(struct rdb_in *in)
{
	if (in == NULL)
		return;
	free(in->buf);
	in->buf = NULL;
}

static void in_take(struct rdb_in *in, void *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n);
	in->crc = rw_crc64(in->crc, src, n);
	in->off += n;
}

int rdb_in_read(struct rdb_in *in, void *p, size_t n)
{
	uint8_t *d = p;
	if (in->err != 0)
		return in->err;
	if (in->src == NULL) {
		if (n > in->mem_len - in->off)
			return in->err = -ENODATA;
		in_take(in, d, in->mem + in->off, n);
		return 0;
	}
	while (n > 0) {
		if (in->head == in->tail) {
			ssize_t got = in->src(in->arg, in->buf, RDB_IN_CHUNK);
			if (got <= 0)
				return in->err = got < 0 ? (int)got : -ENODATA;
			in->head = 0;
			in->tail = (size_t)got;
		}
		size_t k = in->tail - in->head < n ? in->tail - in->head : n;
		in_take(in, d, in->buf + in->head, k);
		in->head += k;
		d += k;
		n -= k;
	}
	return 0;
}
