/*
 * Freeing big collections in bounded steps (Redis's lazyfree-lazy-*,
 * issue #5 item 5: DEL, UNLINK, FLUSHALL ASYNC, expiry, an overwrite never
 * stall a worker).
 *
 * Redis hands an object whose free effort exceeds LAZYFREE_THRESHOLD to a
 * background thread. A worker here has no thread to spare, so a collection
 * that leaves the keyspace holding more than STORE_LAZYFREE_MIN_BYTES is
 * queued instead of freed (store_val_release(), every path that drops a
 * value goes through it), and store_lazyfree_step(), called by the worker
 * loop, frees a bounded number of allocations (list nodes, table nodes,
 * skiplist nodes) per call, oldest first. A one-block value (listpack,
 * intset) goes in one free().
 *
 * The key is gone at once (the command sees it deleted; memory accounting
 * counts it freed); only the allocator gets its memory back later.
 *
 * The queue is per thread (_Thread_local): each worker lcore frees what
 * its own shard dropped, without sharing; store_shard_destroy() drains it.
 *
 * Context: the owning worker lcore.
 */
#include <stdlib.h>

#include "store_hash.h"
#include "store_int.h"
#include "store_list.h"
#include "store_set.h"
#include "store_strtab.h"
#include "store_zset.h"

struct lf_item {
	struct store_obj o;
	uint64_t cursor; /* hash tables: the next bucket */
};

static _Thread_local struct {
	struct lf_item *v;
	size_t head, n, cap;
} lf;

bool store_lazyfree_defer(const struct store_obj *o, uint64_t bytes)
{
	if (o->type == STORE_TYPE_STRING || bytes < STORE_LAZYFREE_MIN_BYTES)
		return false;
	if (lf.head + lf.n == lf.cap) {
		if (lf.head > 0) { /* slide the live items down before growing */
			for (size_t i = 0; i < lf.n; i++)
				lf.v[i] = lf.v[lf.head + i];
			lf.head = 0;
		} else {
			size_t cap = lf.cap ? lf.cap * 2 : 16;
			struct lf_item *v = realloc(lf.v, cap * sizeof(*v));
			if (v == NULL)
				return false; /* freed at once then */
			lf.v = v;
			lf.cap = cap;
		}
	}
	lf.v[lf.head + lf.n++] = (struct lf_item){.o = *o};
	return true;
}

/* Free part of @p it. @return true when it is gone. */
static bool item_step(struct lf_item *it, uint32_t *budget)
{
	struct store_obj *o = &it->o;
	switch (o->type) {
	case STORE_TYPE_LIST: {
		struct store_list *l = o->v.coll;
		bool done = store_list_free_step(&l, budget);
		o->v.coll = l;
		return done;
	}
	case STORE_TYPE_ZSET: {
		struct store_zset *z = o->v.coll;
		bool done = store_zset_free_step(&z, budget);
		o->v.coll = z;
		return done;
	}
	case STORE_TYPE_HASH:
	case STORE_TYPE_SET:
		if (o->enc == STORE_ENC_HT)
			return store_strtab_free_step(o->v.coll, &it->cursor, budget);
		break;
	default:
		break;
	}
	/* one block (listpack, intset) */
	if (o->type == STORE_TYPE_HASH)
		store_hash_ops.free(o);
	else if (o->type == STORE_TYPE_SET)
		store_set_ops.free(o);
	if (*budget > 0)
		(*budget)--;
	return true;
}

uint32_t store_lazyfree_step(uint32_t budget)
{
	uint32_t left = budget;
	while (lf.n > 0 && left > 0) {
		if (!item_step(&lf.v[lf.head], &left))
			break;
		lf.head++;
		lf.n--;
	}
	if (lf.n == 0)
		lf.head = 0;
	return budget - left;
}

uint64_t store_lazyfree_pending(void)
{
	return lf.n;
}

void store_lazyfree_drain(void)
{
	while (lf.n > 0)
		store_lazyfree_step(UINT32_MAX);
	free(lf.v);
	lf.v = NULL;
	lf.cap = lf.head = 0;
}
