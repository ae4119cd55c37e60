/*
 * Stored values to and from RDB values: the per-type seam between the
 * keyspace (struct store_obj) and platform/codec's RDB encoding, shared by
 * DUMP/RESTORE (cmd_dump.c) and, later, the snapshot writer and the RDB
 * loader, so a value has one RDB form wherever it goes.
 *
 * HOW A TYPE PLUGS IN (lists, hashes, sets, sorted sets)
 *
 * cmd_rdb.c holds two tables:
 *   - save, indexed by enum store_type: rdb_type(o) names the RDB type byte
 *     for the object's encoding (e.g. a listpack hash is
 *     RDB_TYPE_HASH_LISTPACK, a hashtable hash RDB_TYPE_HASH), and
 *     save(out, o, compress) writes the value after that byte, as Redis
 *     7.0's rdbSaveObject() does for it (strings through rdb_w_string(),
 *     listpacks and intsets built with platform/codec/rdb_blob.h and
 *     written as one rdb_w_string() blob, ...);
 *   - load, indexed by the RDB type byte (0..19): load(in, t, lim, v) reads a
 *     value of type t and builds, without touching the keyspace, the
 *     collection in v (v->type, v->enc, v->coll, v->coll_free): RESTORE
 *     checks the whole payload before it changes anything, and a value
 *     that fails to load leaves the key as it was. Several RDB types may
 *     map to one loader (a hash from RDB_TYPE_HASH, _ZIPLIST, _LISTPACK);
 *     blobs are checked with rdb_lp_validate() / rdb_intset_validate()
 *     before their elements are used.
 * cmd_rdb_val_apply() then installs it with store_wr_set_coll() inside the
 * caller's write. A type's code adds its rows there (and its functions in
 * its own cmd_rdb_<type>.c); nothing else changes. Until a row exists,
 * its values answer -ENOTSUP (DUMP) or load as bad data (RESTORE), which
 * is what the RDB loader must report as "type not supported yet".
 *
 * Context: the worker lcore that owns the object's shard (store objects
 * are not shared); loading touches no store state.
 */
#ifndef RW_CMD_RDB_H
#define RW_CMD_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdb.h"
#include "rdb_file.h"
#include "store.h"

/* A value decoded from RDB, not yet in the keyspace. */
struct cmd_rdb_val {
	uint8_t type; /* enum store_type */
	uint8_t enc;  /* enum store_enc (collections) */
	uint8_t *str; /* STRING: malloc'd bytes (store_wr_set_str() encodes them) */
	size_t len;
	void *coll;		       /* collections: built by the type's loader */
	void (*coll_free)(void *coll); /* frees coll if it is never applied (NULL:
					  the store's free for type and enc) */
};

/*
 * The encoding directives a loaded value is held to (rdbLoadObject() reads
 * them from server.*): a compact value over a bound is converted after
 * loading, as Redis does. cmd_rdb_limits_get() fills them from the
 * configuration in force; CMD_RDB_LIMITS_DEFAULT is Redis 7.0's defaults.
 */
struct cmd_rdb_limits {
	int32_t list_fill;	   /* list-max-listpack-size */
	int32_t list_compress;	   /* list-compress-depth */
	uint64_t hash_max_entries; /* hash-max-listpack-entries */
	uint64_t hash_max_value;   /* hash-max-listpack-value */
	uint64_t set_max_intset;   /* set-max-intset-entries */
	uint64_t zset_max_entries; /* zset-max-listpack-entries */
	uint64_t zset_max_value;   /* zset-max-listpack-value */
};
#define CMD_RDB_LIMITS_DEFAULT ((struct cmd_rdb_limits){-2, 0, 128, 64, 512, 128, 64})

struct cmd_env;
/** The limits of the configuration in force (CONFIG SET included). */
void cmd_rdb_limits_get(const struct cmd_env *env, struct cmd_rdb_limits *lim);

/* One stored type's RDB form (see the top of this file). */
struct cmd_rdb_type {
	uint8_t (*rdb_type)(const struct store_obj *o);
	int (*save)(struct rdb_out *out, const struct store_obj *o, bool compress);
};
typedef int cmd_rdb_load_fn(struct rdb_in *in, uint8_t rdb_type, const struct cmd_rdb_limits *lim,
			    struct cmd_rdb_val *v);

/**
 * rdbSaveObjectType() + rdbSaveObject(): the type byte then the value.
 * @param compress rdbcompression: LZF for long strings
 * @return 0, -ENOTSUP (no RDB form for this type yet) or the stream's error.
 */
int cmd_rdb_save(struct rdb_out *out, const struct store_obj *o, bool compress);
/**
 * rdbSaveKeyValuePair(): one key of an RDB file, its metadata (@p m:
 * expiry, IDLE or FREQ), type byte, name and value. For the snapshot writer.
 * @return 0, -ENOTSUP or the stream's error.
 */
int cmd_rdb_save_key(struct rdb_out *out, const struct rdb_key_meta *m, const void *key,
		     size_t klen, const struct store_obj *o, bool compress);
/**
 * rdbLoadObject() of a value of RDB type @p rdb_type into @p v (zeroed
 * first). @return 0, -ENOTSUP (type not loadable here yet), or the stream's
 * -EBADMSG/-ENODATA/-ENOMEM; on error @p v holds nothing.
 */
int cmd_rdb_load(struct rdb_in *in, uint8_t rdb_type, struct cmd_rdb_val *v);
/** cmd_rdb_load() holding the value to @p lim (NULL: CMD_RDB_LIMITS_DEFAULT). */
int cmd_rdb_load_lim(struct rdb_in *in, uint8_t rdb_type, const struct cmd_rdb_limits *lim,
		     struct cmd_rdb_val *v);
/**
 * Make @p v the value of the key being written (created if absent; an
 * existing value is replaced, its expiry kept). @p v is emptied, also on
 * failure. @return 0 or -ENOMEM.
 */
int cmd_rdb_val_apply(struct store_wr *w, struct cmd_rdb_val *v);
/**
 * A copy of the collection @p o with its encoding (Redis's COPY dups the
 * object as it is): written in its RDB form, loaded without conversion
 * (a list with @p o's list-max-listpack-size), then converted to @p o's
 * encoding where the RDB form held a compact one.
 * @return 0, -EINVAL (a string) or -ENOMEM.
 */
int cmd_rdb_dup(const struct store_obj *o, struct cmd_rdb_val *v);
/**
 * Convert the loaded collection @p v to encoding @p enc when that is the
 * hash table / skiplist one and @p v holds the compact one (what a value
 * carried between workers had). @return 0 or -ENOMEM.
 */
int cmd_rdb_val_match_enc(struct cmd_rdb_val *v, uint8_t enc);
/**
 * cmd_rdb_val_match_enc() for the value of the key being written (the
 * destination of a move between workers); a string gets back the raw or
 * embstr encoding its source had (Redis moves or duplicates the object).
 * @return 0 or -ENOMEM.
 */
int cmd_rdb_wr_match_enc(struct store_wr *w, uint8_t enc);
/** Free what @p v holds; NULL-safe members; leaves it empty. */
void cmd_rdb_val_free(struct cmd_rdb_val *v);

#endif
