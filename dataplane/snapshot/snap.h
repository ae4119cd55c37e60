/*
 * A worker's part of a point-in-time snapshot (fork-less BGSAVE/SAVE):
 * walks the worker's store shard in bounded slices, serializes each key
 * of the cut to RDB (cmd_rdb_save_key) and streams the bytes to the
 * control plane in CHAN_MSG_SNAP_CHUNK messages; the control plane writes
 * the file. The cut itself and the versioning that keeps it point in time
 * are the store's (store.h, "point-in-time snapshots"); how the cut is
 * taken on all workers at once is dataplane/core/dp_snap.c's. The design is
 * written down in SNAPSHOT.md next to this file; the messages in
 * platform/chan/FORMAT.md ("Snapshots").
 *
 * Memory: a key is serialized when the walk reaches it, or just before a
 * write changes it, into a queue of records drained into the channel every
 * loop iteration. The walk pauses while the queue holds SNAP_QUEUE_HIGH
 * bytes, so the overhead is that queue plus what writes hand over faster
 * than the control plane drains, never a copy of the dataset.
 *
 * Context: the owning worker lcore; never blocks.
 */
#ifndef RW_SNAP_H
#define RW_SNAP_H

#include <stdbool.h>
#include <stdint.h>

#include "chan.h"
#include "rdb.h"
#include "rw_buf.h"

struct store_shard;

/* rdbSaveKeyValuePair(): under an LRU maxmemory-policy each key is preceded
 * by RDB_OPCODE_IDLE (its idle seconds), under an LFU one by RDB_OPCODE_FREQ
 * (its decayed counter); the loader gives them back (RESTORE IDLETIME/FREQ). */
enum snap_access { SNAP_ACCESS_NONE = 0, SNAP_ACCESS_LRU = 1, SNAP_ACCESS_LFU = 2 };

#define SNAP_QUEUE_HIGH (4u << 20) /* the walk waits while this much is not sent */
/* A loop iteration walks in slices of SNAP_STEP_KEYS keys / SNAP_STEP_BUCKETS
 * buckets until SNAP_STEP_US have passed (at least one slice), so a request
 * waits behind at most about that much of the walk, whatever a key costs. */
#define SNAP_STEP_US	  50
#define SNAP_STEP_KEYS	  32  /* keys serialized per slice, at most */
#define SNAP_STEP_BUCKETS 256 /* buckets looked at per slice, at most */
#define SNAP_CHUNK_BYTES  (64u << 10)

struct snap_part {
	uint32_t id; /* the snapshot this worker works on; 0: none */
	struct store_shard *store;
	struct chan *ch;
	uint32_t w;
	bool compress;	       /* rdbcompression */
	uint8_t access;	       /* SNAP_ACCESS_*: set by the caller before snap_part_start() */
	uint32_t key_delay_us; /* rdb-key-save-delay: walk one key per this long (tests) */
	uint64_t next_us;      /* ... not before this monotonic time */
	bool walk_done;	       /* every key of the cut is in the queue (or sent) */
	bool begin_sent;       /* SNAP_BEGIN is out */
	int err;	       /* 0, or why the part failed (-ENOTSUP: a type without RDB form) */
	struct chan_snap_begin begin;
	uint64_t keys, bytes;
	struct rw_buf q; /* records {u32 db, u32 len, len RDB bytes} not sent yet, from q_off */
	size_t q_off;
	size_t rec_sent; /* bytes of the record at q_off already sent (a key split over chunks) */
	uint8_t *msg;	 /* scratch: one message */
	uint32_t msg_max;
	struct rdb_out out; /* its sink appends to q */
};

/** Set up an idle part for worker @p w. @return 0 or -ENOMEM. Context: boot. */
int snap_part_init(struct snap_part *p, struct store_shard *s, struct chan *ch, uint32_t w);
/** Free the part's memory (an unfinished snapshot is dropped). */
void snap_part_fini(struct snap_part *p);

/**
 * Take this worker's cut now and start snapshot @p id.
 * @param lsn the worker's last journal LSN (the cut covers every record up to it)
 * @return 0 or -EBUSY (a part is still running here).
 */
int snap_part_start(struct snap_part *p, uint32_t id, bool compress, uint64_t lsn,
		    uint64_t unix_ms);
/** One slice: walk, serialize, send. @return work done (0: idle). */
unsigned snap_part_poll(struct snap_part *p);
/** Is a part running (until its SNAP_END is out)? */
static inline bool snap_part_active(const struct snap_part *p)
{
	return p->id != 0;
}

#endif
