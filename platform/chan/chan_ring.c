/*
 * Control channel rings: the per-worker journal and the two message rings
 * (format and cursor rules in FORMAT.md).
 *
 * All three are the same single-producer/single-consumer byte ring of
 * framed records. Three cursors, byte offsets that only grow:
 *
 *     durable <= consumed <= produced <= write (producer-private)
 *
 *   - the producer writes records at `write` and makes them visible by a
 *     release store of `produced` (the journal batches: append many, publish
 *     once per loop; message sends publish at once);
 *   - the consumer acquire-loads `produced`, reads records, and moves
 *     `consumed` past them;
 *   - `durable` is the producer's limit: it may fill bytes only while
 *     `write + need - durable <= size`, so nothing the consumer has not
 *     released can be overwritten. On the journal the consumer advances
 *     `durable` only once records are safe (fsync); a restarted consumer
 *     rewinds `consumed` to `durable` and reads them again. On message rings
 *     releasing a message advances `consumed` and `durable` together.
 *
 * A record never wraps: when it does not fit before the end of the data
 * area the producer writes a pad record there (8 bytes are always enough,
 * as every record is a multiple of 8) and continues at offset 0.
 *
 * Context: one producer thread and one consumer thread per ring; nothing
 * blocks or makes a syscall.
 */
#include <errno.h>
#include <string.h>

#include "chan.h"
#include "chan_layout.h"

static uint64_t rec_total(uint64_t len)
{
	return (CHAN_REC_HDR_BYTES + len + CHAN_REC_ALIGN - 1) & ~(uint64_t)(CHAN_REC_ALIGN - 1);
}

/* Largest payload a ring of @p size takes: a record of at most half the
 * ring always fits once the consumer catches up, whatever the pad. */
static uint64_t ring_max_len(uint64_t size)
{
	return size / 2 - CHAN_REC_HDR_BYTES;
}

static size_t ring_space(const struct chan_ring *r)
{
	r->prod->limit = atomic_load_explicit(&r->ctl->durable, memory_order_acquire);
	return (size_t)(r->size - (r->prod->write - r->prod->limit));
}

/*
 * Reserve room for a record of @p total bytes at the producer's write
 * cursor, writing a pad record first if it would cross the end of the data
 * area. @return the data offset to write at, or -ENOSPC with nothing changed.
 */
static int64_t ring_reserve(struct chan_ring *r, uint64_t total)
{
	struct chan_prod *p = r->prod;
	uint64_t pos = p->write & (r->size - 1);
	uint64_t pad = r->size - pos < total ? r->size - pos : 0;
	uint64_t need = pad + total;
	if (p->write + need - p->limit > r->size) {
		p->limit = atomic_load_explicit(&r->ctl->durable, memory_order_acquire);
		if (p->write + need - p->limit > r->size)
			return -ENOSPC;
	}
	if (pad != 0) {
		struct chan_rec_hdr *h = (struct chan_rec_hdr *)(r->data + pos);
		h->len = (uint32_t)pad;
		h->type = CHAN_REC_PAD;
		p->write += pad;
		pos = 0;
	}
	p->write += total;
	return (int64_t)pos;
}

static int ring_write(struct chan_ring *r, const struct chan_rec_hdr *hdr,
		      const struct chan_part *parts, unsigned nparts)
{
	uint64_t total = rec_total(hdr->len);
	int64_t pos = ring_reserve(r, total);
	if (pos < 0)
		return (int)pos;
	uint8_t *dst = r->data + pos;
	memcpy(dst, hdr, sizeof(*hdr));
	size_t off = sizeof(*hdr);
	for (unsigned i = 0; i < nparts; i++) {
		if (parts[i].n != 0)
			memcpy(dst + off, parts[i].p, parts[i].n);
		off += parts[i].n;
	}
	memset(dst + off, 0, total - off); /* no stale bytes leak to the reader */
	return 0;
}

/*
 * Read the record at @p cur (consumer side), skipping a pad record.
 * @return 0, -EAGAIN (nothing published), -EPROTO (a header that cannot be
 * right: the file is corrupt or the producer is broken).
 */
static int ring_read(const struct chan_ring *r, uint64_t cur, struct chan_msg *m)
{
	uint64_t produced = atomic_load_explicit(&r->ctl->produced, memory_order_acquire);
	if (cur == produced)
		return -EAGAIN;
	uint64_t pos = cur & (r->size - 1);
	const struct chan_rec_hdr *h = (const struct chan_rec_hdr *)(r->data + pos);
	if (h->type == CHAN_REC_PAD) {
		if (h->len != r->size - pos)
			return -EPROTO;
		cur += r->size - pos;
		if (cur == produced)
			return -EAGAIN;
		pos = 0;
		h = (const struct chan_rec_hdr *)r->data;
	}
	uint64_t total = rec_total(h->len);
	if (h->len > ring_max_len(r->size) || total > r->size - pos || cur + total > produced)
		return -EPROTO;
	m->type = h->type;
	m->flags = h->flags;
	m->id = h->id;
	m->lsn = h->lsn;
	m->tsc = h->tsc;
	m->len = h->len;
	m->payload = h + 1;
	m->next = cur + total;
	return 0;
}

/* ---- journal: dataplane side ---- */

size_t chan_jrnl_space(const struct chan *c, uint32_t w)
{
	struct chan_ring r = chan_ring_get((struct chan *)c, w, CHAN_RING_JRNL);
	return ring_space(&r);
}

/* A payload above this goes to a side file (chan_big.c): a quarter of the
 * ring, so a few large records never starve the small ones of room. */
static uint64_t big_threshold(uint64_t size)
{
	return ring_max_len(size) / 2;
}

bool chan_jrnl_has_room(const struct chan *c, uint32_t w, size_t need)
{
	struct chan_ring r = chan_ring_get((struct chan *)c, w, CHAN_RING_JRNL);
	if (need > big_threshold(r.size))
		need = sizeof(struct chan_big_ref);
	return ring_space(&r) >= rec_total(need) + CHAN_REC_ALIGN;
}

int chan_jrnl_room(const struct chan *c, uint32_t w, size_t need)
{
	struct chan_ring r = chan_ring_get((struct chan *)c, w, CHAN_RING_JRNL);
	if (need > big_threshold(r.size)) {
		/* room for this one and a few like it in flight on the other workers */
		if (chan_big_fs_free(c) < (uint64_t)need * 2 + CHAN_BIG_MARGIN)
			return -ENOSPC;
		need = sizeof(struct chan_big_ref);
	}
	return ring_space(&r) >= rec_total(need) + CHAN_REC_ALIGN ? 0 : -EAGAIN;
}

/* The payload to a side file, then its reference into the ring. */
static int big_append(struct chan *c, struct chan_ring *r, uint32_t w, uint16_t type, uint64_t tsc,
		      const struct chan_part *parts, unsigned nparts, uint64_t len,
		      uint64_t *lsn_out)
{
	struct chan_big_ref ref = {.bytes = len, .lsn = r->prod->next_lsn, .worker = w};
	int rc = chan_big_write(c, w, ref.lsn, parts, nparts);
	if (rc != 0)
		return rc;
	struct chan_rec_hdr h = {
	    .len = sizeof(ref), .type = type, .flags = CHAN_REC_F_FILE, .lsn = ref.lsn, .tsc = tsc};
	struct chan_part part = {&ref, sizeof(ref)};
	rc = ring_write(r, &h, &part, 1);
	if (rc != 0) {
		chan_jrnl_big_remove(c, w, ref.lsn);
		return rc;
	}
	r->prod->next_lsn++;
	if (lsn_out != NULL)
		*lsn_out = ref.lsn;
	return 0;
}

int chan_jrnl_append(struct chan *c, uint32_t w, uint16_t type, uint64_t tsc,
		     const struct chan_part *parts, unsigned nparts, uint64_t *lsn_out)
{
	struct chan_ring r = chan_ring_get(c, w, CHAN_RING_JRNL);
	uint64_t len = 0;
	for (unsigned i = 0; i < nparts; i++)
		len += parts[i].n;
	if (len > UINT32_MAX || type == CHAN_REC_PAD)
		return -EMSGSIZE;
	if (len > big_threshold(r.size))
		return big_append(c, &r, w, type, tsc, parts, nparts, len, lsn_out);
	struct chan_rec_hdr h = {
	    .len = (uint32_t)len, .type = type, .lsn = r.prod->next_lsn, .tsc = tsc};
	int rc = ring_write(&r, &h, parts, nparts);
	if (rc != 0)
		return rc;
	r.prod->next_lsn++;
	if (lsn_out != NULL)
		*lsn_out = h.lsn;
	return 0;
}

void chan_jrnl_publish(struct chan *c, uint32_t w)
{
	struct chan_ring r = chan_ring_get(c, w, CHAN_RING_JRNL);
	atomic_store_explicit(&r.ctl->produced, r.prod->write, memory_order_release);
}

uint64_t chan_jrnl_durable_lsn(const struct chan *c, uint32_t w)
{
	struct chan_ring r = chan_ring_get((struct chan *)c, w, CHAN_RING_JRNL);
	return atomic_load_explicit(&r.ctl->durable_lsn, memory_order_acquire);
}

/* ---- journal: control side ---- */

int chan_jrnl_peek(struct chan *c, uint32_t w, struct chan_msg *m)
{
	struct chan_ring r = chan_ring_get(c, w, CHAN_RING_JRNL);
	return ring_read(&r, atomic_load_explicit(&r.ctl->consumed, memory_order_relaxed), m);
}

void chan_jrnl_consume(struct chan *c, uint32_t w, const struct chan_msg *m)
{
	struct chan_ring r = chan_ring_get(c, w, CHAN_RING_JRNL);
	atomic_store_explicit(&r.ctl->consumed_lsn, m->lsn, memory_order_relaxed);
	atomic_store_explicit(&r.ctl->consumed, m->next, memory_order_release);
}

/*
 * Move `durable` to the end of the last consumed record whose LSN is
 * <= @p lsn. The common case (everything consumed is durable) jumps
 * straight to `consumed`; otherwise walk the records between the two
 * cursors, which the producer cannot have overwritten.
 */
void chan_jrnl_mark_durable(struct chan *c, uint32_t w, uint64_t lsn)
{
	struct chan_ring r = chan_ring_get(c, w, CHAN_RING_JRNL);
	uint64_t consumed = atomic_load_explicit(&r.ctl->consumed, memory_order_relaxed);
	uint64_t consumed_lsn = atomic_load_explicit(&r.ctl->consumed_lsn, memory_order_relaxed);
	uint64_t pos = atomic_load_explicit(&r.ctl->durable, memory_order_relaxed);
	uint64_t dlsn = atomic_load_explicit(&r.ctl->durable_lsn, memory_order_relaxed);
	if (lsn >= consumed_lsn) {
		pos = consumed;
		dlsn = consumed_lsn;
	} else {
		struct chan_msg m;
		while (pos < consumed && ring_read(&r, pos, &m) == 0 && m.lsn <= lsn &&
		       m.next <= consumed) {
			pos = m.next;
			dlsn = m.lsn;
		}
	}
	if (dlsn < atomic_load_explicit(&r.ctl->durable_lsn, memory_order_relaxed))
		return; /* durability never moves back */
	atomic_store_explicit(&r.ctl->durable_lsn, dlsn, memory_order_release);
	atomic_store_explicit(&r.ctl->durable, pos, memory_order_release);
}

void chan_jrnl_rewind(struct chan *c, uint32_t w)
{
	struct chan_ring r = chan_ring_get(c, w, CHAN_RING_JRNL);
	uint64_t durable = atomic_load_explicit(&r.ctl->durable, memory_order_relaxed);
	uint64_t dlsn = atomic_load_explicit(&r.ctl->durable_lsn, memory_order_relaxed);
	atomic_store_explicit(&r.ctl->consumed_lsn, dlsn, memory_order_relaxed);
	atomic_store_explicit(&r.ctl->consumed, durable, memory_order_release);
}

uint64_t chan_jrnl_pending_bytes(struct chan *c, uint32_t w)
{
	struct chan_ring r = chan_ring_get(c, w, CHAN_RING_JRNL);
	return atomic_load_explicit(&r.ctl->produced, memory_order_acquire) -
	       atomic_load_explicit(&r.ctl->consumed, memory_order_relaxed);
}

/* ---- message rings ---- */

int chan_msg_send(struct chan *c, uint32_t w, enum chan_dir dir, uint16_t type, uint32_t id,
		  const void *payload, uint32_t len)
{
	struct chan_ring r = chan_ring_get(c, w, 1u + (unsigned)dir);
	if (len > ring_max_len(r.size) || type == CHAN_REC_PAD)
		return -EMSGSIZE;
	struct chan_rec_hdr h = {.len = len, .type = type, .id = id};
	struct chan_part part = {payload, len};
	int rc = ring_write(&r, &h, &part, 1);
	if (rc != 0)
		return rc;
	atomic_store_explicit(&r.ctl->produced, r.prod->write, memory_order_release);
	return 0;
}

int chan_msg_recv(struct chan *c, uint32_t w, enum chan_dir dir, struct chan_msg *m)
{
	struct chan_ring r = chan_ring_get(c, w, 1u + (unsigned)dir);
	return ring_read(&r, atomic_load_explicit(&r.ctl->consumed, memory_order_relaxed), m);
}

void chan_msg_release(struct chan *c, uint32_t w, enum chan_dir dir, const struct chan_msg *m)
{
	struct chan_ring r = chan_ring_get(c, w, 1u + (unsigned)dir);
	atomic_store_explicit(&r.ctl->consumed, m->next, memory_order_relaxed);
	atomic_store_explicit(&r.ctl->durable, m->next, memory_order_release);
}
