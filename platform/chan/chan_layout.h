/*
 * Control channel: the shared-memory layout (private to platform/chan).
 *
 * Both processes map the same file; every structure here is part of the
 * channel format (FORMAT.md) and pinned with _Static_assert. Change any of
 * them only together with CHAN_VERSION.
 *
 * Context: included by chan.c and chan_ring.c only.
 */
#ifndef RW_CHAN_LAYOUT_H
#define RW_CHAN_LAYOUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"

/* The ASCII bytes "RWCHAN1\0" read as a little-endian uint64. */
#define CHAN_MAGIC	    UINT64_C(0x00314e4148435752)
#define CHAN_HDR_BYTES	    4096u
#define CHAN_CACHE_LINE	    64u
#define CHAN_DATA_ALIGN	    4096u
#define CHAN_REC_ALIGN	    8u
#define CHAN_MIN_RING_BYTES 1024u
#define CHAN_MAX_RING_BYTES (1u << 30)

/* Ring index inside a worker block. */
enum chan_ring_idx {
	CHAN_RING_JRNL = 0,
	CHAN_RING_TO_DP = 1, /* = 1 + CHAN_TO_DP */
	CHAN_RING_TO_CP = 2, /* = 1 + CHAN_TO_CP */
	CHAN_RING_COUNT = 3,
};

/* File header at offset 0; written once by chan_create before the rename
 * that publishes the file, so a reader never sees it half filled. Only
 * info.heartbeat_unix_ms changes afterwards, and place is filled once by
 * the dataplane before its workers start (n_placed last). */
struct chan_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_bytes;
	uint64_t file_bytes;
	uint32_t n_workers;
	uint32_t journal_bytes;
	uint32_t msg_bytes;
	uint32_t rec_hdr_bytes;
	uint64_t workers_off;	/* file offset of worker 0's block */
	uint64_t worker_stride; /* bytes between worker blocks */
	uint32_t stats_off;	/* within a worker block */
	uint32_t stats_bytes;
	uint32_t ring_ctl_off[CHAN_RING_COUNT];	 /* within a worker block */
	uint32_t stat_count;			 /* fields in chan_worker_stats */
	uint64_t ring_data_off[CHAN_RING_COUNT]; /* within a worker block */
	uint8_t reserved0[24];
	struct chan_dp_info info;   /* offset 128 */
	struct chan_dp_place place; /* offset 256: chan_place_set */
};

_Static_assert(sizeof(struct chan_dp_info) == 128, "chan_dp_info is part of the format");
_Static_assert(offsetof(struct chan_hdr, ring_data_off) == 80, "chan_hdr layout");
_Static_assert(offsetof(struct chan_hdr, info) == 128, "chan_hdr layout");
_Static_assert(offsetof(struct chan_hdr, place) == 256, "chan_hdr layout");
_Static_assert(sizeof(struct chan_dp_place) == 8 + 16 * CHAN_MAX_WORKERS,
	       "chan_dp_place is part of the format");
_Static_assert(sizeof(struct chan_hdr) <= CHAN_HDR_BYTES, "chan_hdr fits its page");

/* Cursors of one ring, each writer's fields on its own cache line so the
 * producer and the consumer never false-share. All cursors are byte offsets
 * that only grow (64-bit: they never wrap in practice); the position in the
 * data area is cursor & (size - 1). */
struct chan_ring_ctl {
	_Atomic uint64_t produced; /* writer: producer */
	uint8_t pad0[CHAN_CACHE_LINE - 8];
	_Atomic uint64_t consumed;     /* writer: consumer */
	_Atomic uint64_t consumed_lsn; /* lsn of the last consumed record */
	uint8_t pad1[CHAN_CACHE_LINE - 16];
	_Atomic uint64_t durable;     /* writer: consumer; the producer's limit */
	_Atomic uint64_t durable_lsn; /* lsn of the last durable record */
	uint8_t pad2[CHAN_CACHE_LINE - 16];
	uint8_t reserved[CHAN_CACHE_LINE];
};

_Static_assert(sizeof(struct chan_ring_ctl) == 4 * CHAN_CACHE_LINE, "chan_ring_ctl layout");
_Static_assert(offsetof(struct chan_ring_ctl, consumed) == 64, "chan_ring_ctl layout");
_Static_assert(offsetof(struct chan_ring_ctl, durable) == 128, "chan_ring_ctl layout");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "cursors must be lock-free to be shared");

/* Record header; a record is this header, the payload, then zero padding
 * to a multiple of 8 bytes. A pad record only has its first 8 bytes
 * ({len, type = CHAN_REC_PAD}) and means "continue at the ring start". */
struct chan_rec_hdr {
	uint32_t len; /* payload bytes (pad record: bytes skipped) */
	uint16_t type;
	uint16_t flags;
	uint32_t id;
	uint32_t reserved;
	uint64_t lsn;
	uint64_t tsc;
};

#define CHAN_REC_PAD	   0u
#define CHAN_REC_HDR_BYTES ((uint32_t)sizeof(struct chan_rec_hdr))

_Static_assert(sizeof(struct chan_rec_hdr) == 32, "chan_rec_hdr is part of the format");
_Static_assert(offsetof(struct chan_rec_hdr, lsn) == 16, "chan_rec_hdr layout");

/* Producer state kept in the producer's own process memory: the journal's
 * unpublished write cursor and the cached durable limit. One cache line per
 * ring so worker threads never share a line. */
struct chan_prod {
	uint64_t write;	   /* next byte to write; published as `produced` */
	uint64_t limit;	   /* last seen `durable`; refreshed only when short of room */
	uint64_t next_lsn; /* journal only */
} __attribute__((aligned(CHAN_CACHE_LINE)));

struct chan {
	uint8_t *base;
	size_t bytes;
	struct chan_hdr *hdr;
	uint64_t dev;
	uint64_t ino;
	char *path; /* the channel file's: side files of large records sit next to it */
	struct chan_prod prod[CHAN_MAX_WORKERS][CHAN_RING_COUNT];
};

/* Side files of large journal records (chan_big.c). */
int chan_big_write(const struct chan *c, uint32_t w, uint64_t lsn, const struct chan_part *parts,
		   unsigned nparts);
/** Bytes free to an unprivileged writer on the file system of the side
 * files (statvfs of the channel's directory); UINT64_MAX if unknown. */
uint64_t chan_big_fs_free(const struct chan *c);
/* Free space kept beyond a large record's own (chan_jrnl_room()). */
#define CHAN_BIG_MARGIN (16ull << 20)
/** Remove side files a previous dataplane left next to @p path. */
void chan_big_sweep(const char *path);

struct chan_ring {
	struct chan_ring_ctl *ctl;
	uint8_t *data;
	uint64_t size;
	struct chan_prod *prod;
};

static inline uint8_t *chan_worker_base(const struct chan *c, uint32_t w)
{
	return c->base + c->hdr->workers_off + (uint64_t)w * c->hdr->worker_stride;
}

static inline struct chan_ring chan_ring_get(struct chan *c, uint32_t w, unsigned idx)
{
	uint8_t *wb = chan_worker_base(c, w);
	struct chan_ring r = {
	    .ctl = (struct chan_ring_ctl *)(wb + c->hdr->ring_ctl_off[idx]),
	    .data = wb + c->hdr->ring_data_off[idx],
	    .size = idx == CHAN_RING_JRNL ? c->hdr->journal_bytes : c->hdr->msg_bytes,
	    .prod = &c->prod[w][idx],
	};
	return r;
}

#endif
