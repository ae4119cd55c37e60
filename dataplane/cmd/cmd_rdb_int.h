/*
 * The collection types' rows of cmd_rdb.c's tables (see cmd_rdb.h for how
 * a type plugs in), one file per type: cmd_rdb_list.c, cmd_rdb_hash.c,
 * cmd_rdb_set.c, cmd_rdb_zset.c. Private to dataplane/cmd.
 *
 * Context: the worker lcore that owns the object (saving); loading touches
 * no store state and may run anywhere.
 */
#ifndef RW_CMD_RDB_INT_H
#define RW_CMD_RDB_INT_H

#include "cmd_rdb.h"
#include "rdb_blob.h"

/* lists: QUICKLIST_2 out; QUICKLIST_2, QUICKLIST, LIST_ZIPLIST, LIST in */
uint8_t cmd_rdb_list_type(const struct store_obj *o);
int cmd_rdb_list_save(struct rdb_out *out, const struct store_obj *o, bool compress);
cmd_rdb_load_fn cmd_rdb_list_load;

/* hashes: HASH_LISTPACK or HASH out; also HASH_ZIPLIST, HASH_ZIPMAP in */
uint8_t cmd_rdb_hash_type(const struct store_obj *o);
int cmd_rdb_hash_save(struct rdb_out *out, const struct store_obj *o, bool compress);
cmd_rdb_load_fn cmd_rdb_hash_load;

/* sets: SET_INTSET or SET */
uint8_t cmd_rdb_set_type(const struct store_obj *o);
int cmd_rdb_set_save(struct rdb_out *out, const struct store_obj *o, bool compress);
cmd_rdb_load_fn cmd_rdb_set_load;

/* sorted sets: ZSET_LISTPACK or ZSET_2 out; also ZSET_ZIPLIST, ZSET in */
uint8_t cmd_rdb_zset_type(const struct store_obj *o);
int cmd_rdb_zset_save(struct rdb_out *out, const struct store_obj *o, bool compress);
cmd_rdb_load_fn cmd_rdb_zset_load;
/** Convert a loaded listpack set to a skiplist (COPY keeps the source's). */
int cmd_rdb_zset_to_skiplist(struct cmd_rdb_val *v);

/**
 * Read a blob (a listpack, intset, ziplist or zipmap travels as one RDB
 * string) into *@p p / *@p n (malloc'd). @return 0 or the stream's error.
 */
int cmd_rdb_blob_read(struct rdb_in *in, uint8_t **p, size_t *n);
/** Write the finished listpack @p lp as one string, then free it. */
int cmd_rdb_lp_write(struct rdb_out *out, struct rdb_lp *lp, bool compress);
/** A listpack element as bytes: integers as their digits in @p buf. */
size_t cmd_rdb_lp_bytes(const struct rdb_lp_elem *e, char buf[24], const uint8_t **p);

#endif
