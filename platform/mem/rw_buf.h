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

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rw_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/** Make room for @p extra more bytes. @return 0 or -ENOMEM. */
int rw_buf_reserve(struct rw_buf *b, size_t extra);
/** Append bytes. @return 0 or -ENOMEM. */
int rw_buf_append(struct rw_buf *b, const void *p, size_t n);
/** Drop the first @p n bytes (consumed input), moving the rest to the front. */
void rw_buf_consume(struct rw_buf *b, size_t n);
/** Release the memory; the buffer is empty and reusable afterwards. */
void rw_buf_fini(struct rw_buf *b);

static inline void rw_buf_reset(struct rw_buf *b)
{
	b->len = 0;
}

#endif
