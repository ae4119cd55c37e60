/*
 * A worker's part of a snapshot (see snap.h and SNAPSHOT.md).
 *
 *   start: store_snap_begin() takes the cut; SNAP_BEGIN tells the control
 *          plane the cut's journal LSN, memory and key count
 *   poll:  walk a slice (store_snap_step) unless the queue is full; pack
 *          queued records into SNAP_CHUNK messages while the ring has room
 *   end:   once the walk is complete the store stops handing keys over;
 *          when the queue is empty SNAP_END carries the status
 *
 * Chunks carry whole keys of one DB. A key larger than a message is cut
 * over several chunks flagged CHAN_SNAP_MORE, and the control plane takes
 * nothing from another worker until its last piece (so keys of different
 * workers never interleave inside the file).
 */
#include "snap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_rdb.h"
#include "store.h"

struct snap_rec {
	uint32_t db, len;
};

static int q_sink(void *arg, const void *p, size_t n)
{
	struct snap_part *sp = arg;
	return rw_buf_append(&sp->q, p, n);
}

/* store_snap_fn: one key of the cut, serialized into the queue. */
static void snap_key(void *arg, uint32_t db, const uint8_t *key, size_t klen,
		     const struct store_obj *o, int64_t expire_at_ms)
{
	struct snap_part *p = arg;
	if (p->err != 0)
		return;
	size_t start = p->q.len;
	struct snap_rec r = {.db = db, .len = 0};
	struct rdb_key_meta m = RDB_KEY_META_NONE;
	m.expire_ms = expire_at_ms;
	if (p->access == SNAP_ACCESS_LRU)
		m.idle_s = (int64_t)store_obj_idle_s(o, p->begin.unix_ms);
	else if (p->access == SNAP_ACCESS_LFU)
		m.freq = store_obj_freq(p->store, o, p->begin.unix_ms);
	int rc = rw_buf_append(&p->q, &r, sizeof(r));
	if (rc == 0)
		rc = cmd_rdb_save_key(&p->out, &m, key, klen, o, p->compress);
	if (rc == 0)
		rc = rdb_out_flush(&p->out);
	if (rc != 0 || p->q.len - start - sizeof(r) > UINT32_MAX) {
		p->err = rc != 0 ? rc : -EFBIG;
		p->q.len = start;
		return;
	}
	r.len = (uint32_t)(p->q.len - start - sizeof(r));
	memcpy(p->q.data + start, &r, sizeof(r));
	p->keys++;
}

int snap_part_init(struct snap_part *p, struct store_shard *s, struct chan *ch, uint32_t w)
{
	memset(p, 0, sizeof(*p));
	p->store = s;
	p->ch = ch;
	p->w = w;
	uint32_t max = ch != NULL ? chan_msg_max(ch) : SNAP_CHUNK_BYTES;
	p->msg_max = max < SNAP_CHUNK_BYTES ? max : SNAP_CHUNK_BYTES;
	p->msg = malloc(p->msg_max);
	return p->msg != NULL ? 0 : -ENOMEM;
}

static void part_reset(struct snap_part *p)
{
	if (p->store != NULL && store_snap_active(p->store))
		store_snap_end(p->store);
	rw_buf_fini(&p->q); /* give the queue's memory back between snapshots */
	p->q_off = p->rec_sent = 0;
	p->id = 0;
}

void snap_part_fini(struct snap_part *p)
{
	part_reset(p);
	free(p->msg);
	p->msg = NULL;
}

int snap_part_start(struct snap_part *p, uint32_t id, bool compress, uint64_t lsn, uint64_t unix_ms)
{
	if (p->id != 0)
		return -EBUSY;
	p->id = id;
	p->compress = compress;
	p->walk_done = p->begin_sent = false;
	p->err = 0;
	p->keys = p->bytes = 0;
	p->q_off = p->rec_sent = 0;
	rw_buf_reset(&p->q);
	rdb_out_init(&p->out, q_sink, p);
	p->begin = (struct chan_snap_begin){.lsn = lsn,
					    .used_bytes = store_shard_stats(p->store)->used_bytes,
					    .keys = store_shard_keys(p->store),
					    .unix_ms = unix_ms};
	store_snap_begin(p->store, snap_key, p);
	return 0;
}

/* Pack queued records of one DB into a message and send it.
 * @return true if one was sent. */
static bool send_chunk(struct snap_part *p)
{
	const size_t hdr = sizeof(struct chan_snap_chunk), room = p->msg_max - hdr;
	size_t pos = p->q_off, rs = p->rec_sent, n = 0;
	struct chan_snap_chunk ch = {0};
	struct snap_rec r;
	memcpy(&r, p->q.data + pos, sizeof(r));
	ch.db = r.db;
	while (pos < p->q.len) {
		memcpy(&r, p->q.data + pos, sizeof(r));
		if (r.db != ch.db)
			break;
		size_t left = r.len - rs;
		if (left <= room - n) {
			memcpy(p->msg + hdr + n, p->q.data + pos + sizeof(r) + rs, left);
			n += left;
			pos += sizeof(r) + r.len;
			rs = 0;
			continue;
		}
		if (n > 0)
			break; /* the next key goes whole into the next message */
		memcpy(p->msg + hdr, p->q.data + pos + sizeof(r) + rs, room);
		n = room;
		rs += room;
		ch.flags = CHAN_SNAP_MORE;
		break;
	}
	memcpy(p->msg, &ch, hdr);
	if (chan_msg_send(p->ch, p->w, CHAN_TO_CP, CHAN_MSG_SNAP_CHUNK, p->id, p->msg,
			  (uint32_t)(hdr + n)) != 0)
		return false;
	p->q_off = pos;
	p->rec_sent = rs;
	p->bytes += n;
	return true;
}

static unsigned queue_flush(struct snap_part *p)
{
	unsigned n = 0;
	while (p->q_off < p->q.len && send_chunk(p))
		n++;
	if (p->q_off == p->q.len) {
		rw_buf_reset(&p->q);
		p->q_off = 0;
	} else if (p->q_off > (1u << 20) && p->q_off * 2 > p->q.len) {
		rw_buf_consume(&p->q, p->q_off);
		p->q_off = 0;
	}
	return n;
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The walk of one loop iteration: slices for SNAP_STEP_US; with
 * rdb-key-save-delay (a test knob, as Redis's per-key sleep in its child)
 * one key per delay, without ever sleeping.
 * @return 1 if it walked. */
static unsigned walk(struct snap_part *p)
{
	uint64_t now = mono_us();
	if (p->key_delay_us == 0) {
		uint64_t end = now + SNAP_STEP_US;
		do
			p->walk_done = store_snap_step(p->store, SNAP_STEP_KEYS, SNAP_STEP_BUCKETS);
		while (!p->walk_done && p->q.len - p->q_off < SNAP_QUEUE_HIGH && mono_us() < end);
		return 1;
	}
	if (now < p->next_us)
		return 0;
	p->next_us = now + p->key_delay_us;
	p->walk_done = store_snap_step(p->store, 1, SNAP_STEP_BUCKETS);
	return 1;
}

/*
 * The work done counts what moved: a slice walked, a message sent. A part
 * waiting for the control plane to drain the ring (the queue full, the
 * ring full) did none, so an idle worker may back off meanwhile
 * (redwire-idle-backoff) instead of spinning on the full ring beside the
 * process that has to empty it.
 */
unsigned snap_part_poll(struct snap_part *p)
{
	unsigned work = 0;
	if (p->id == 0)
		return 0;
	if (!p->begin_sent) {
		if (chan_msg_send(p->ch, p->w, CHAN_TO_CP, CHAN_MSG_SNAP_BEGIN, p->id, &p->begin,
				  sizeof(p->begin)) != 0)
			return 0;
		p->begin_sent = true;
		work++;
	}
	if (!p->walk_done && p->err == 0 && p->q.len - p->q_off < SNAP_QUEUE_HIGH)
		work += walk(p);
	if (p->err != 0) {
		/* a failed part sends nothing more: the file will not be used */
		rw_buf_reset(&p->q);
		p->q_off = p->rec_sent = 0;
		p->walk_done = true;
	}
	if (p->walk_done && store_snap_active(p->store))
		store_snap_end(p->store); /* every key of the cut is queued */
	work += queue_flush(p);
	if (!p->walk_done || p->q_off < p->q.len)
		return work;
	struct chan_snap_end e = {.status = p->err, .keys = p->keys, .bytes = p->bytes};
	if (chan_msg_send(p->ch, p->w, CHAN_TO_CP, CHAN_MSG_SNAP_END, p->id, &e, sizeof(e)) != 0)
		return work;
	part_reset(p);
	return work + 1;
}
