/*
 * RDB encoding, as Redis 7.0 writes it (RDB version 10): the streams every
 * RDB byte goes through (with a running CRC64), the value primitives
 * (lengths, strings with their integer and LZF forms), and the file framing
 * (header, AUX, SELECTDB, RESIZEDB, key metadata, EOF + CRC64 trailer).
 * The on-disk layout is written down in platform/codec/RDB_FORMAT.md.
 *
 * Who uses it: DUMP/RESTORE in the dataplane (a value plus Redis's
 * version+CRC64 footer), and the snapshot writer/loader (a whole file,
 * written in slices through a chunk callback). Pure C, no DPDK, no store:
 * the mapping between stored objects and RDB value types lives with the
 * store's users (dataplane/cmd/cmd_rdb.c dispatches per type).
 *
 * Context: any thread; a stream belongs to one thread at a time; nothing
 * here blocks except what a caller's sink/source callback does.
 */
#ifndef RW_RDB_H
#define RW_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* RDB_VERSION of Redis 7.0: the header's "REDIS0010", DUMP's footer. */
#define RDB_VERSION 10

/* Value types (rdb.h RDB_TYPE_*), the byte before a key. */
enum rdb_type {
	RDB_TYPE_STRING = 0,
	RDB_TYPE_LIST = 1,
	RDB_TYPE_SET = 2,
	RDB_TYPE_ZSET = 3,
	RDB_TYPE_HASH = 4,
	RDB_TYPE_ZSET_2 = 5,
	RDB_TYPE_MODULE = 6,
	RDB_TYPE_MODULE_2 = 7,
	RDB_TYPE_HASH_ZIPMAP = 9,
	RDB_TYPE_LIST_ZIPLIST = 10,
	RDB_TYPE_SET_INTSET = 11,
	RDB_TYPE_ZSET_ZIPLIST = 12,
	RDB_TYPE_HASH_ZIPLIST = 13,
	RDB_TYPE_LIST_QUICKLIST = 14,
	RDB_TYPE_STREAM_LISTPACKS = 15,
	RDB_TYPE_HASH_LISTPACK = 16,
	RDB_TYPE_ZSET_LISTPACK = 17,
	RDB_TYPE_LIST_QUICKLIST_2 = 18,
	RDB_TYPE_STREAM_LISTPACKS_2 = 19,
};

/** rdbIsObjectType() of 7.0: 0..7 and 9..19. */
static inline bool rdb_type_is_object(int t)
{
	return (t >= 0 && t <= 7) || (t >= 9 && t <= 19);
}

/* Opcodes (rdb.h RDB_OPCODE_*). */
enum rdb_opcode {
	RDB_OPCODE_FUNCTION2 = 245,
	RDB_OPCODE_FUNCTION = 246,
	RDB_OPCODE_MODULE_AUX = 247,
	RDB_OPCODE_IDLE = 248,
	RDB_OPCODE_FREQ = 249,
	RDB_OPCODE_AUX = 250,
	RDB_OPCODE_RESIZEDB = 251,
	RDB_OPCODE_EXPIRETIME_MS = 252,
	RDB_OPCODE_EXPIRETIME = 253,
	RDB_OPCODE_SELECTDB = 254,
	RDB_OPCODE_EOF = 255,
};

/* Length prefixes: the top two bits of the first byte (rdb.h RDB_6BITLEN...). */
#define RDB_6BITLEN  0
#define RDB_14BITLEN 1
#define RDB_32BITLEN 0x80
#define RDB_64BITLEN 0x81
#define RDB_ENCVAL   3
/* Special string encodings after RDB_ENCVAL (rdb.h RDB_ENC_*). */
#define RDB_ENC_INT8  0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_LZF   3

/* ---- streams (rdb_io.c) ---- */

/**
 * Where an output stream's bytes go: called with whole chunks (and the
 * rest at rdb_out_flush()). @return 0 or -errno (sticky in the stream).
 */
typedef int rdb_sink_fn(void *arg, const void *p, size_t n);

/* Bytes an output stream gathers before it calls its sink. */
#define RDB_OUT_CHUNK 16384

/*
 * An output stream. Every byte written updates crc (CRC64 of everything so
 * far, what the EOF trailer and DUMP's footer carry). An error is sticky:
 * later writes do nothing and return it, so a writer can check once at the
 * end. A snapshot keeps one stream across many slices.
 */
struct rdb_out {
	rdb_sink_fn *sink;
	void *arg;
	uint64_t crc;
	uint64_t bytes; /* written so far (buffered ones included) */
	int err;	/* 0 or the first -errno */
	size_t used;
	uint8_t buf[RDB_OUT_CHUNK];
};

/** Start a stream that sends its chunks to @p sink. */
void rdb_out_init(struct rdb_out *o, rdb_sink_fn *sink, void *arg);
/** Append @p n bytes. @return 0 or the stream's error. */
int rdb_out_write(struct rdb_out *o, const void *p, size_t n);
/** Hand every buffered byte to the sink. @return 0 or the stream's error. */
int rdb_out_flush(struct rdb_out *o);

/* A growable memory buffer and a sink that appends to it (DUMP, tests). */
struct rdb_buf {
	uint8_t *p;
	size_t len, cap;
};
/** rdb_sink_fn appending to the struct rdb_buf @p arg. @return 0 or -ENOMEM. */
int rdb_buf_sink(void *arg, const void *p, size_t n);
/** Free the buffer's memory; the buffer is then empty. */
void rdb_buf_free(struct rdb_buf *b);

/**
 * Where an input stream's bytes come from: fill up to @p n bytes.
 * @return the count (0 at the end) or -errno.
 */
typedef ssize_t rdb_source_fn(void *arg, void *p, size_t n);

/*
 * An input stream: over a memory block (DUMP payloads) or a source
 * callback (files). crc is the CRC64 of every byte consumed so far; off
 * the count of them (for error messages naming the offset).
 */
struct rdb_in {
	const uint8_t *mem; /* memory mode: the whole input */
	size_t mem_len;
	rdb_source_fn *src; /* source mode */
	void *arg;
	uint64_t crc;
	uint64_t off;
	uint64_t max_alloc; /* largest string a read may allocate */
	int err;
	size_t head, tail; /* source mode: buf[head..tail) not yet consumed */
	uint8_t *buf;
};

/* Default bound on one string's allocation (Redis's proto-max-bulk-len
 * ceiling is larger, but a length that big in an RDB is corruption here). */
#define RDB_IN_MAX_ALLOC (UINT64_C(1) << 32)

/** Read from the @p len bytes at @p p (not copied: they must outlive the stream). */
void rdb_in_init_mem(struct rdb_in *in, const void *p, size_t len);
/** Read through @p src. @return 0 or -ENOMEM. */
int rdb_in_init_source(struct rdb_in *in, rdb_source_fn *src, void *arg);
/** Free what the stream allocated; NULL-safe. */
void rdb_in_fini(struct rdb_in *in);
/**
 * Consume exactly @p n bytes into @p p.
 * @return 0, -ENODATA if the input ends first, or the source's -errno.
 */
int rdb_in_read(struct rdb_in *in, void *p, size_t n);

/* ---- value primitives (rdb_val.c) ---- */

/** One byte (a type or an opcode). */
int rdb_w_u8(struct rdb_out *o, uint8_t v);
/** rdbSaveLen(): 6, 14, 32 or 64-bit length. */
int rdb_w_len(struct rdb_out *o, uint64_t len);
/**
 * rdbSaveRawString(): a string of up to 11 bytes that is a canonical
 * integer in the int32 range is written as INT8/16/32; with @p compress a
 * string longer than 20 bytes that LZF shrinks by at least 4 bytes is
 * written LZF-compressed; otherwise length + bytes.
 */
int rdb_w_string(struct rdb_out *o, const void *s, size_t n, bool compress);
/**
 * A quicklist node's blob (a listpack, or a plain node's element) that
 * Redis 7.0.15 holds LZF-compressed in memory (an interior node under
 * list-compress-depth): __quicklistCompressNode() keeps the LZF form of a
 * blob of 48 bytes or more (MIN_COMPRESS_BYTES) only when it is more than
 * 8 bytes shorter (MIN_COMPRESS_IMPROVE), and rdbSaveObject() writes a compressed
 * node as that LZF blob (rdbSaveLzfBlob()) whatever rdbcompression says.
 * A blob that would not stay compressed is written by rdb_w_string().
 * @return 0 or -errno.
 */
int rdb_w_ql_lzf_node(struct rdb_out *o, const void *s, size_t n, bool compress);
/**
 * __quicklistCompressNode()'s test and compression: the LZF form of a
 * blob of @p n bytes into @p out (room for @p n bytes), kept only for a
 * blob of 48 bytes or more that it makes more than 8 bytes shorter.
 * Lists hold such nodes compressed in memory (store_list.c). @return the
 * compressed length, or 0 when the blob stays raw.
 */
size_t rdb_ql_lzf(const void *s, size_t n, void *out);
/** rdbSaveLzfBlob(): @p clen bytes of LZF data that give @p n bytes. @return 0 or -errno. */
int rdb_w_lzf_blob(struct rdb_out *o, const void *c, size_t clen, size_t n);
/** rdbSaveLongLongAsStringObject(): an INT-encoded string value. */
int rdb_w_int_string(struct rdb_out *o, int64_t v);
/** An 8-byte little-endian signed value (EXPIRETIME_MS, the CRC trailer). */
int rdb_w_i64le(struct rdb_out *o, int64_t v);

/** rdbLoadLen(): *@p encoded tells an RDB_ENCVAL byte (then *len is the RDB_ENC_*). */
int rdb_r_len(struct rdb_in *in, uint64_t *len, bool *encoded);
/** A length that must not be an encoded value. @return 0 or -EBADMSG. */
int rdb_r_len_plain(struct rdb_in *in, uint64_t *len);
/**
 * rdbGenericLoadStringObject(): any of the string forms. *@p p is a
 * malloc'd copy (NUL-terminated, freed by the caller), *@p n its length;
 * integer forms come back as their decimal digits.
 * @return 0, -EBADMSG (bad encoding, LZF data that does not give the
 *         stated length), -ENODATA (truncated), -EFBIG, -ENOMEM.
 */
int rdb_r_string(struct rdb_in *in, uint8_t **p, size_t *n);
/** One byte. */
int rdb_r_u8(struct rdb_in *in, uint8_t *v);
/** 8 bytes little-endian. */
int rdb_r_i64le(struct rdb_in *in, int64_t *v);

/* ---- DUMP payloads (rdb_val.c) ---- */

/**
 * createDumpPayload()'s footer: after the value, 2-byte little-endian RDB
 * version then the CRC64 (little-endian) of everything before it.
 */
int rdb_w_dump_footer(struct rdb_out *o);
/**
 * verifyDumpPayload(): at least 10 bytes, version <= RDB_VERSION, CRC64
 * matches. @return true if the payload may be decoded.
 */
bool rdb_dump_verify(const void *p, size_t n);

#endif
