/*
 * The two blob formats Redis 7.0 puts inside RDB values of small
 * collections, so lists, hashes, sets and sorted sets can write and read
 * the same bytes stock Redis does (issue #5: DUMP/RESTORE of every type
 * round-trips with stock 7.0.15):
 *
 *   listpack (listpack.c): quicklist nodes (RDB_TYPE_LIST_QUICKLIST_2,
 *     container 2), RDB_TYPE_HASH_LISTPACK, RDB_TYPE_ZSET_LISTPACK;
 *   intset (intset.c): RDB_TYPE_SET_INTSET.
 *
 * Each blob travels in the RDB as one string (rdb_w_string(), so it is
 * LZF-compressed like any long string). The builders produce Redis's exact
 * bytes; the readers check a blob completely before handing out elements
 * (a RESTORE payload is untrusted input), as Redis's deep sanitization
 * (lpValidateIntegrity, intsetValidateIntegrity) does.
 *
 * Listpack layout:
 *
 *   +-------------+-----------+---------------------------------+------+
 *   | total bytes | elements  | entry entry ...                 | 0xFF |
 *   | u32 LE      | u16 LE    | encoding+data, backlen          |      |
 *   +-------------+-----------+---------------------------------+------+
 *
 *   elements is 65535 when the count does not fit. Entry encodings:
 *   0xxxxxxx 7-bit uint | 10xxxxxx 6-bit-length string | 110xxxxx +1 13-bit
 *   int | 1110xxxx +1 12-bit-length string | F1/F2/F3/F4 16/24/32/64-bit
 *   int (LE, two's complement) | F0 + u32 LE length string. backlen is the
 *   length of encoding+data in 1..5 bytes of 7 bits, readable from the
 *   right. A string that is a canonical integer is stored as an integer.
 *
 * Intset layout: u32 LE width (2, 4 or 8), u32 LE count, then the values
 * in ascending order, each width bytes LE; the width is the smallest that
 * holds every value.
 *
 * Context: any thread; pure.
 */
#ifndef RW_RDB_BLOB_H
#define RW_RDB_BLOB_H

#include "rdb.h"

/* ---- listpack ---- */

/* A listpack being built (lpNew + lpAppend). */
struct rdb_lp {
	struct rdb_buf b;
	uint32_t count;
	int err;
};

/** Start an empty listpack. */
void rdb_lp_init(struct rdb_lp *lp);
/** lpAppend(): a canonical integer string is stored as an integer. @return 0 or -ENOMEM. */
int rdb_lp_append(struct rdb_lp *lp, const void *s, size_t n);
/**
 * The bytes rdb_lp_append() adds for this element: encoding, data and
 * backlen (what lpBytes() grows by). Lists keep it per node to fill their
 * nodes as Redis's quicklist does (store_list.c).
 */
size_t rdb_lp_entry_bytes(const void *s, size_t n);
/** Append an integer. @return 0 or -ENOMEM. */
int rdb_lp_append_int(struct rdb_lp *lp, int64_t v);
/**
 * Close the listpack: terminator and header. *@p p / *@p n are the blob
 * (owned by @p lp until rdb_lp_free()). @return 0, -ENOMEM or -EFBIG
 * (over 4 GiB).
 */
int rdb_lp_finish(struct rdb_lp *lp, const uint8_t **p, size_t *n);
void rdb_lp_free(struct rdb_lp *lp);

/* One listpack element: a string, or an integer (is_int). */
struct rdb_lp_elem {
	bool is_int;
	int64_t v;
	const uint8_t *s;
	size_t n;
};

/**
 * Check a whole listpack blob: header total equals @p n, every entry's
 * encoding, length and backlen agree and stay inside, the terminator is
 * last, the element count matches the header (unless 65535).
 * @return 0 (*@p count set) or -EBADMSG.
 */
int rdb_lp_validate(const uint8_t *p, size_t n, uint32_t *count);

/* Walks a listpack that rdb_lp_validate() accepted. */
struct rdb_lp_iter {
	const uint8_t *p;
	size_t pos, end;
};
void rdb_lp_iter_init(struct rdb_lp_iter *it, const uint8_t *p, size_t n);
/** @return true with the next element in *@p e, false at the end. */
bool rdb_lp_next(struct rdb_lp_iter *it, struct rdb_lp_elem *e);

/* ---- ziplist and zipmap (read only: RDB files of Redis < 7.0) ----
 *
 * Ziplist: u32 LE total bytes, u32 LE offset of the last entry, u16 LE
 * count (65535: unknown), entries, 0xFF. An entry is prevlen (1 byte below
 * 254, else 0xFE + u32 LE), an encoding (00llllll, 01llllll llllllll
 * big-endian, 10xxxxxx + u32 BE: string of that length; 0xC0 int16, 0xD0
 * int32, 0xE0 int64, 0xF0 int24, 0xFE int8, LE; 0xF1..0xFD the values
 * 0..12), then its data.
 *
 * Zipmap (RDB_TYPE_HASH_ZIPMAP, Redis < 2.6): u8 count (254: unknown),
 * then per pair: len, field, len, free byte, value, free bytes; 0xFF. A
 * len is one byte below 254, else 254 + u32 LE.
 */

/**
 * ziplistValidateIntegrity(): header total equals @p n, every entry fits,
 * each prevlen is the previous entry's size, the tail offset is the last
 * entry's, the terminator is last, the count matches (unless 65535).
 * @return 0 (*@p count set) or -EBADMSG.
 */
int rdb_zl_validate(const uint8_t *p, size_t n, uint32_t *count);
/** Walk a ziplist rdb_zl_validate() accepted (struct rdb_lp_iter reused). */
void rdb_zl_iter_init(struct rdb_lp_iter *it, const uint8_t *p, size_t n);
bool rdb_zl_next(struct rdb_lp_iter *it, struct rdb_lp_elem *e);

/**
 * zipmapValidateIntegrity(): every length inside, free bytes within the
 * blob, the terminator last. @return 0 (*@p pairs set) or -EBADMSG.
 */
int rdb_zipmap_validate(const uint8_t *p, size_t n, uint32_t *pairs);
/** Walk the pairs of a zipmap rdb_zipmap_validate() accepted. */
void rdb_zipmap_iter_init(struct rdb_lp_iter *it, const uint8_t *p, size_t n);
bool rdb_zipmap_next(struct rdb_lp_iter *it, struct rdb_lp_elem *f, struct rdb_lp_elem *v);

/* ---- intset ---- */

/**
 * Build an intset of the @p n values @p v (strictly ascending) into @p out
 * (appended). @return 0, -EINVAL (not strictly ascending) or -ENOMEM.
 */
int rdb_intset_build(const int64_t *v, size_t n, struct rdb_buf *out);
/**
 * intsetValidateIntegrity(): width 2/4/8, size = 8 + count * width,
 * values strictly ascending. @return 0 (*@p count set) or -EBADMSG.
 */
int rdb_intset_validate(const uint8_t *p, size_t n, uint32_t *count);
/** Value @p i of an intset rdb_intset_validate() accepted. */
int64_t rdb_intset_get(const uint8_t *p, uint32_t i);

#endif
