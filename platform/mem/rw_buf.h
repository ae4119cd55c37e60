/*
 * rw_buf: a growable byte buffer used for query buffers, reply buffers and
 * message payloads. Plain C, no DPDK; linked by both processes.
 *
 * Growth doubles the capacity, so appends are amortised O(1); the hot path
 * reuses one buffer per connection, so steady state allocates nothing.
 *
 * Context: single owner; not thread safe.
 */
#ifndef RW_BUF_H
#define RW_BUF_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rw_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/** Grow the capacity to hold @p extra more bytes (the slow path). @return 0 or -ENOMEM. */
int rw_buf_grow(struct rw_buf *b, size_t extra);

/* Reply writers call these for every few bytes: the fast path is inline. */

/** Make room for @p extra more bytes. @return 0 or -ENOMEM. */
static inline int rw_buf_reserve(struct rw_buf *b, size_t extra)
{
	return b->cap - b->len >= extra ? 0 : rw_buf_grow(b, extra);
}

/** Append bytes. @return 0 or -ENOMEM. */
static inline int rw_buf_append(struct rw_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n && rw_buf_grow(b, n) != 0)
		return -ENOMEM;
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}
/** Drop the first @p n bytes (consumed input), moving the rest to the front. */
void rw_buf_consume(struct rw_buf *b, size_t n);
/** Release the memory; the buffer is empty and reusable afterwards. */
void rw_buf_fini(struct rw_buf *b);

static inline void rw_buf_reset(struct rw_buf *b)
{
	b->len = 0;
}

#endif
