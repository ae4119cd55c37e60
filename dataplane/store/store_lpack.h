/*
 * A compact packed list of byte strings: the "listpack" encoding of small
 * hashes (field, value, field, value ...), in one allocation.
 *
 *   +---+------+-----+-----+----------------------+----------------------+--
 *   | n | used | cap | pad | len (varint) | bytes | len (varint) | bytes | ...
 *   +---+------+-----+-----+----------------------+----------------------+--
 *
 * Lengths are LEB128 varints (1 byte up to 127), so a small field costs its
 * bytes plus one. Lookups walk the entries: it holds at most the
 * hash-max-listpack-entries fields a user configured, as Redis's listpack
 * does. Entries keep insertion order; a replaced value stays in place and a
 * deleted pair closes the gap, so iteration order is Redis's.
 *
 * Functions that may grow the buffer take `struct store_lpack **`.
 *
 * Context: the owning worker lcore; never blocks.
 */
#ifndef RW_STORE_LPACK_H
#define RW_STORE_LPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_lpack {
	uint32_t n;    /* entries */
	uint32_t used; /* bytes of buf in use */
	uint32_t cap;  /* bytes of buf allocated */
	uint32_t pad;
	uint8_t buf[];
};

/** An empty packed list. @return NULL on ENOMEM. */
struct store_lpack *store_lpack_create(void);
void store_lpack_destroy(struct store_lpack *l);

/**
 * Read the entry at byte offset @p off (must be < used).
 * @return the offset of the next entry.
 */
static inline uint32_t store_lpack_get(const struct store_lpack *l, uint32_t off, const uint8_t **p,
				       uint32_t *len)
{
	uint32_t v = 0;
	int shift = 0;
	uint8_t c;
	do {
		c = l->buf[off++];
		v |= (uint32_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	*p = l->buf + off;
	*len = v;
	return off + v;
}

/** Offset of the first entry at an even index (a hash field) equal to
 * @p k, or -1. */
int64_t store_lpack_find_pair(const struct store_lpack *l, const void *k, size_t klen);
/** Append one entry. @return 0 or -ENOMEM (unchanged). */
int store_lpack_append(struct store_lpack **l, const void *p, size_t len);
/** Replace the entry at @p off with @p p. @return 0 or -ENOMEM (unchanged). */
int store_lpack_replace(struct store_lpack **l, uint32_t off, const void *p, size_t len);
/** Delete @p count entries starting at @p off. */
void store_lpack_delete(struct store_lpack *l, uint32_t off, uint32_t count);
/** Offset of entry number @p idx (walks from the start). */
uint32_t store_lpack_offset(const struct store_lpack *l, uint32_t idx);
/** Bytes the list occupies. */
static inline uint64_t store_lpack_bytes(const struct store_lpack *l)
{
	return sizeof(*l) + l->cap;
}

#endif
