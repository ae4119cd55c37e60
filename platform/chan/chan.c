/*
 * Control channel: creating, attaching and describing the shared-memory
 * file (layout in FORMAT.md). The ring operations are in chan_ring.c.
 *
 * The dataplane creates the file at boot; the control plane attaches to it
 * and re-attaches whenever the epoch changes. chan_create builds the new
 * file under a temporary name and renames it over the old one, so an
 * attacher sees either the old complete file or the new complete file, and
 * a control plane still mapping the old one keeps valid (if stale) memory.
 *
 * Context: boot and attach paths of either process; may block (file I/O).
 */
#include "chan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chan_layout.h"

#ifndef RW_VERSION
#define RW_VERSION "0.0.0"
#endif

const char *const chan_worker_stat_names[] = {
#define CHAN_STAT_NAME(f, d) #f,
    CHAN_WORKER_STATS(CHAN_STAT_NAME)
#undef CHAN_STAT_NAME
};
const size_t chan_worker_stat_count =
    sizeof(chan_worker_stat_names) / sizeof(chan_worker_stat_names[0]);

_Static_assert(sizeof(struct chan_worker_stats) % CHAN_CACHE_LINE == 0,
	       "stats blocks are whole cache lines");

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static bool is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static bool sizes_valid(uint32_t n_workers, uint32_t journal_bytes, uint32_t msg_bytes)
{
	if (n_workers == 0 || n_workers > CHAN_MAX_WORKERS)
		return false;
	if (!is_pow2(journal_bytes) || journal_bytes < CHAN_MIN_RING_BYTES ||
	    journal_bytes > CHAN_MAX_RING_BYTES)
		return false;
	return is_pow2(msg_bytes) && msg_bytes >= CHAN_MIN_RING_BYTES &&
	       msg_bytes <= CHAN_MAX_RING_BYTES;
}

/*
 * The layout is a pure function of (version, n_workers, sizes): the creator
 * writes it into the header and an attacher recomputes it and insists on
 * equality, which catches a file from a build with a different layout even
 * if someone forgot to bump CHAN_VERSION.
 *
 * Worker block: stats | 3 ring control blocks | journal data | to-dp data |
 * to-cp data, each data area page aligned.
 */
static void layout_fill(struct chan_hdr *h, uint32_t n_workers, uint32_t journal_bytes,
			uint32_t msg_bytes)
{
	memset(h, 0, sizeof(*h));
	h->version = CHAN_VERSION;
	h->hdr_bytes = CHAN_HDR_BYTES;
	h->n_workers = n_workers;
	h->journal_bytes = journal_bytes;
	h->msg_bytes = msg_bytes;
	h->rec_hdr_bytes = CHAN_REC_HDR_BYTES;
	h->stat_count = (uint32_t)chan_worker_stat_count;
	h->workers_off = CHAN_HDR_BYTES;
	h->stats_off = 0;
	h->stats_bytes = (uint32_t)sizeof(struct chan_worker_stats);
	uint64_t off = h->stats_bytes;
	for (unsigned i = 0; i < CHAN_RING_COUNT; i++) {
		h->ring_ctl_off[i] = (uint32_t)off;
		off += sizeof(struct chan_ring_ctl);
	}
	for (unsigned i = 0; i < CHAN_RING_COUNT; i++) {
		off = align_up(off, CHAN_DATA_ALIGN);
		h->ring_data_off[i] = off;
		off += i == CHAN_RING_JRNL ? journal_bytes : msg_bytes;
	}
	h->worker_stride = align_up(off, CHAN_DATA_ALIGN);
	h->file_bytes = h->workers_off + h->worker_stride * n_workers;
}

static uint64_t now_unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t random_epoch(void)
{
	uint64_t e = 0;
	if (getrandom(&e, sizeof(e), 0) != (ssize_t)sizeof(e)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		e = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40);
	}
	return e != 0 ? e : 1; /* 0 means "no epoch seen yet" to attachers */
}

static int map_fd(struct chan **out, int fd, size_t bytes)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	struct chan *c = aligned_alloc(CHAN_CACHE_LINE, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		int rc = -errno;
		free(c);
		return rc;
	}
	c->base = p;
	c->bytes = bytes;
	c->hdr = p;
	c->dev = (uint64_t)st.st_dev;
	c->ino = (uint64_t)st.st_ino;
	*out = c;
	return 0;
}

/* Producer state follows the shared cursors: 0 on a fresh file, and the
 * published values on attach (the control plane produces the to-dp ring). */
static void prod_init(struct chan *c)
{
	for (uint32_t w = 0; w < c->hdr->n_workers; w++) {
		for (unsigned i = 0; i < CHAN_RING_COUNT; i++) {
			struct chan_ring r = chan_ring_get(c, w, i);
			r.prod->write =
			    atomic_load_explicit(&r.ctl->produced, memory_order_acquire);
			r.prod->limit = atomic_load_explicit(&r.ctl->durable, memory_order_acquire);
			r.prod->next_lsn =
			    1 + atomic_load_explicit(&r.ctl->consumed_lsn, memory_order_acquire);
		}
	}
}

static void info_fill(struct chan_dp_info *info, uint32_t n_workers)
{
	info->epoch = random_epoch();
	info->pid = (int32_t)getpid();
	info->n_workers = n_workers;
	info->start_unix_ms = now_unix_ms();
	info->heartbeat_unix_ms = info->start_unix_ms;
	snprintf(info->version, sizeof(info->version), "%s", RW_VERSION);
}

int chan_create(struct chan **out, const char *path, uint32_t n_workers,
		const struct chan_sizes *sizes)
{
	if (out == NULL || path == NULL || sizes == NULL ||
	    !sizes_valid(n_workers, sizes->journal_bytes, sizes->msg_bytes))
		return -EINVAL;
	struct chan_hdr h;
	layout_fill(&h, n_workers, sizes->journal_bytes, sizes->msg_bytes);

	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int rc = 0;
	struct chan *c = NULL;
	if (ftruncate(fd, (off_t)h.file_bytes) != 0) {
		rc = -errno;
		goto fail_unlink;
	}
	rc = map_fd(&c, fd, h.file_bytes);
	if (rc != 0)
		goto fail_unlink;
	memcpy(c->hdr, &h, sizeof(h));
	info_fill(&c->hdr->info, n_workers);
	c->hdr->magic = CHAN_MAGIC;
	prod_init(c);
	if ((c->path = strdup(path)) == NULL) {
		rc = -ENOMEM;
		goto fail_unmap;
	}
	chan_big_sweep(path); /* a previous dataplane's: its journal is gone */
	if (rename(tmp, path) != 0) {
		rc = -errno;
		goto fail_unmap;
	}
	close(fd);
	*out = c;
	return 0;

fail_unmap:
	chan_detach(&c);
fail_unlink:
	unlink(tmp);
	close(fd);
	return rc;
}

static int hdr_check(const struct chan_hdr *h, size_t file_bytes)
{
	if (h->magic != CHAN_MAGIC || h->version != CHAN_VERSION)
		return -EPROTO;
	if (!sizes_valid(h->n_workers, h->journal_bytes, h->msg_bytes))
		return -EPROTO;
	struct chan_hdr want;
	layout_fill(&want, h->n_workers, h->journal_bytes, h->msg_bytes);
	/* Compare everything up to the identity block, which the creator fills. */
	if (memcmp((const uint8_t *)&want + 8, (const uint8_t *)h + 8,
		   offsetof(struct chan_hdr, info) - 8) != 0)
		return -EPROTO;
	return want.file_bytes == file_bytes ? 0 : -EPROTO;
}

int chan_attach(struct chan **out, const char *path)
{
	if (out == NULL || path == NULL)
		return -EINVAL;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc;
	struct stat st;
	struct chan_hdr h;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out_close;
	}
	if ((size_t)st.st_size < CHAN_HDR_BYTES ||
	    pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		rc = -EPROTO;
		goto out_close;
	}
	rc = hdr_check(&h, (size_t)st.st_size);
	if (rc != 0)
		goto out_close;
	rc = map_fd(out, fd, (size_t)st.st_size);
	if (rc == 0 && ((*out)->path = strdup(path)) == NULL) {
		chan_detach(out);
		rc = -ENOMEM;
	}
	if (rc == 0)
		prod_init(*out);
out_close:
	close(fd);
	return rc;
}

void chan_detach(struct chan **c)
{
	if (c == NULL || *c == NULL)
		return;
	munmap((*c)->base, (*c)->bytes);
	free((*c)->path);
	free(*c);
	*c = NULL;
}

int chan_unlink(const char *path)
{
	return unlink(path) == 0 ? 0 : -errno;
}

int chan_path_epoch(const char *path, uint64_t *epoch)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct chan_hdr h;
	int rc = 0;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.magic != CHAN_MAGIC ||
	    h.version != CHAN_VERSION)
		rc = -EPROTO;
	else
		*epoch = h.info.epoch;
	close(fd);
	return rc;
}

uint32_t chan_workers(const struct chan *c)
{
	return c->hdr->n_workers;
}

uint32_t chan_msg_max(const struct chan *c)
{
	return c->hdr->msg_bytes / 2 - CHAN_REC_HDR_BYTES;
}

struct chan_dp_info *chan_info(struct chan *c)
{
	return &c->hdr->info;
}

struct chan_worker_stats *chan_stats(struct chan *c, uint32_t w)
{
	return (struct chan_worker_stats *)(chan_worker_base(c, w) + c->hdr->stats_off);
}

/*
 * Workers increment their counters with plain stores; the reader copies
 * each 64-bit field with a relaxed atomic load so it never sees a torn
 * value. Fields are independent: the copy is not a consistent snapshot.
 */
void chan_stats_read(struct chan *c, uint32_t w, struct chan_worker_stats *out)
{
	const uint64_t *src = (const uint64_t *)chan_stats(c, w);
	uint64_t *dst = (uint64_t *)out;
	for (size_t i = 0; i < chan_worker_stat_count; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void chan_heartbeat_set(struct chan *c, uint64_t unix_ms)
{
	__atomic_store_n(&c->hdr->info.heartbeat_unix_ms, unix_ms, __ATOMIC_RELEASE);
}

uint64_t chan_heartbeat_get(const struct chan *c)
{
	return __atomic_load_n(&c->hdr->info.heartbeat_unix_ms, __ATOMIC_ACQUIRE);
}

void chan_place_set(struct chan *c, const struct chan_dp_place *p)
{
	struct chan_dp_place *dst = &c->hdr->place;
	uint32_t n = p->n_placed < CHAN_MAX_WORKERS ? p->n_placed : CHAN_MAX_WORKERS;
	dst->port_node = p->port_node;
	memcpy(dst->worker, p->worker, sizeof(dst->worker));
	__atomic_store_n(&dst->n_placed, n, __ATOMIC_RELEASE);
}

int chan_place_get(const struct chan *c, struct chan_dp_place *out)
{
	const struct chan_dp_place *src = &c->hdr->place;
	uint32_t n = __atomic_load_n(&src->n_placed, __ATOMIC_ACQUIRE);
	if (n == 0)
		return -ENOENT;
	memcpy(out, src, sizeof(*out));
	out->n_placed = n;
	return 0;
}
