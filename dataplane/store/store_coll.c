/*
 * Keyspace shard: what a value holds outside its entry. Strings keep RAW
 * bytes; every other type keeps a collection owned by its type's code,
 * reached through the operations each type registers in coll_ops[] below
 * (see struct store_coll_ops in store.h).
 *
 * Context: the owning worker lcore.
 */
#include <stdlib.h>

#include "store_hash.h"
#include "store_int.h"
#include "store_list.h"
#include "store_set.h"
#include "store_zset.h"

/* Indexed by enum store_type; a type without an entry is not built yet. */
static const struct store_coll_ops *const coll_ops[STORE_TYPE_STREAM + 1] = {
    [STORE_TYPE_LIST] = &store_list_ops,
    [STORE_TYPE_SET] = &store_set_ops,
    [STORE_TYPE_ZSET] = &store_zset_ops,
    [STORE_TYPE_HASH] = &store_hash_ops,
};

static const struct store_coll_ops *ops_of(const struct store_obj *o)
{
	return o->type < sizeof(coll_ops) / sizeof(coll_ops[0]) ? coll_ops[o->type] : NULL;
}

void store_val_release(struct store_obj *o)
{
	if (o->type == STORE_TYPE_STRING) {
		if (o->enc == STORE_ENC_RAW)
			free(o->v.ptr);
		o->v.ptr = NULL;
		return;
	}
	const struct store_coll_ops *ops = ops_of(o);
	/* a big collection is freed in steps by the worker loop (store_lazyfree.c) */
	if (ops != NULL && o->v.coll != NULL && !store_lazyfree_defer(o, ops->bytes(o)))
		ops->free(o);
	o->v.coll = NULL;
}

uint64_t store_coll_bytes(const struct store_obj *o)
{
	const struct store_coll_ops *ops = ops_of(o);
	return ops != NULL && o->v.coll != NULL ? ops->bytes(o) : 0;
}
