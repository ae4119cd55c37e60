/*
 * RDB file framing, as Redis 7.0's rdbSaveRio()/rdbLoadRio() lay it out:
 *
 *   "REDIS0010"
 *   AUX redis-ver, redis-bits, ctime, used-mem, aof-base (+ Redwire's own)
 *   per non-empty DB:  SELECTDB n, RESIZEDB keys expires,
 *                      per key: [EXPIRETIME_MS t] [IDLE s | FREQ f] type key value
 *   EOF, CRC64 of every byte before it (little-endian; 0 = not computed)
 *
 * The writer is a set of calls on a struct rdb_out, so a snapshot can emit
 * a DB header now and its keys over many later loop iterations; the sink
 * receives chunks. The reader is a pull parser: rdb_r_next() returns one
 * item at a time and, for a key, leaves the value in the stream for the
 * caller's per-type loader (rdb_r_string() for strings). The CRC64 trailer
 * is checked when EOF is reached, so a bit flip anywhere is reported
 * (-EBADMSG) even where it still parses.
 *
 * Context: any thread; no allocation except the reader's item strings.
 */
#ifndef RW_RDB_FILE_H
#define RW_RDB_FILE_H

#include "rdb.h"

/* Redwire's own AUX fields (stock Redis skips unknown AUX fields). */
#define RDB_AUX_RW_EPOCH   "redwire-epoch"   /* failover epoch the snapshot was taken in */
#define RDB_AUX_RW_OFFSETS "redwire-offsets" /* per-worker journal LSNs the cut covers */
/* Most workers an offsets field lists. */
#define RDB_AUX_OFFSETS_MAX 128

/* The AUX fields every Redis 7.0 RDB starts with (rdbSaveInfoAuxFields). */
struct rdb_aux_std {
	const char *redis_ver; /* "7.0.15" */
	int64_t ctime;	       /* unix seconds */
	uint64_t used_mem;     /* bytes */
	bool aof_base;	       /* the RDB is the base of a multi-part AOF */
};

/* Per-key metadata before the type byte; -1 for "absent". */
struct rdb_key_meta {
	int64_t expire_ms; /* absolute unix ms */
	int64_t idle_s;	   /* IDLE: written when the LRU policy keeps idle times */
	int freq;	   /* FREQ: 0..255, written under an LFU policy */
};
#define RDB_KEY_META_NONE ((struct rdb_key_meta){-1, -1, -1})

/** "REDIS0010". */
int rdb_w_header(struct rdb_out *o);
/** An AUX field (key and value through rdbSaveRawString, as rdbSaveAuxField). */
int rdb_w_aux(struct rdb_out *o, const char *key, const void *val, size_t vlen);
/** An AUX field holding a decimal integer (rdbSaveAuxFieldStrInt). */
int rdb_w_aux_int(struct rdb_out *o, const char *key, int64_t v);
/**
 * The "redwire-offsets" AUX field: @p n journal LSNs, one per worker in
 * worker order, as decimal numbers separated by commas ("17,0,4096").
 */
int rdb_w_aux_offsets(struct rdb_out *o, const uint64_t *lsn, size_t n);
/**
 * Parse a "redwire-offsets" value into @p lsn (room for @p cap).
 * @return the count, or -EBADMSG (not that format, or more than @p cap).
 */
int rdb_aux_offsets_parse(const uint8_t *p, size_t n, uint64_t *lsn, size_t cap);
/** redis-ver, redis-bits (64), ctime, used-mem, aof-base, in Redis's order. */
int rdb_w_aux_std(struct rdb_out *o, const struct rdb_aux_std *a);
/** SELECTDB @p db. */
int rdb_w_select_db(struct rdb_out *o, uint64_t db);
/** RESIZEDB: the DB's key count and how many of them have an expiry. */
int rdb_w_resize_db(struct rdb_out *o, uint64_t keys, uint64_t expires);
/**
 * A key's metadata, type byte and name; the caller writes the value next
 * (rdb_w_string() for a string).
 */
int rdb_w_key(struct rdb_out *o, const struct rdb_key_meta *m, uint8_t type, const void *key,
	      size_t klen);
/** EOF and the CRC64 trailer (0 when !@p checksum, as rdbchecksum no), then flush. */
int rdb_w_eof(struct rdb_out *o, bool checksum);

enum rdb_item_kind {
	RDB_ITEM_AUX,
	RDB_ITEM_SELECTDB,
	RDB_ITEM_RESIZEDB,
	RDB_ITEM_KEY, /* its value follows in the stream: read it before the next call */
	RDB_ITEM_EOF, /* the trailer was checked */
};

/* One item of an RDB file; strings are malloc'd and owned by the item. */
struct rdb_item {
	enum rdb_item_kind kind;
	uint8_t *aux_key, *aux_val; /* AUX */
	size_t aux_key_len, aux_val_len;
	uint64_t db;		      /* SELECTDB */
	uint64_t db_keys, db_expires; /* RESIZEDB */
	struct rdb_key_meta meta;     /* KEY */
	uint8_t type;		      /* KEY: enum rdb_type */
	uint8_t *key;		      /* KEY */
	size_t klen;
};

/**
 * Read and check the "REDISnnnn" header.
 * @return 0 (*@p version set), -EBADMSG (not an RDB), -ENOTSUP (version
 *         0 or newer than RDB_VERSION), -ENODATA (truncated).
 */
int rdb_r_header(struct rdb_in *in, unsigned *version);
/**
 * The next item. Frees the previous item's strings first.
 * @return 0, -EBADMSG (unknown opcode or type, bad encoding, CRC64
 *         mismatch at EOF), -ENOTSUP (modules, functions), -ENODATA
 *         (truncated), -ENOMEM, or the source's -errno.
 */
int rdb_r_next(struct rdb_in *in, unsigned version, struct rdb_item *it);
/** Free the item's strings (leaves it empty). */
void rdb_item_clear(struct rdb_item *it);

#endif
