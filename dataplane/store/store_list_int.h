/*
 * Inside the quicklist: the node, the entry codec and the node rules
 * shared by store_list.c (nodes, ends, iteration) and store_list_edit.c
 * (insert with split and merge, replace, range delete). Nothing outside
 * those two files includes this.
 *
 * THE NODE RULES are Redis 7.0.15's quicklist.c, so a list holds the node
 * boundaries stock Redis's would after the same commands, and DUMP (RDB
 * type LIST_QUICKLIST_2, one listpack per node) gives its exact bytes.
 * Redis decides with each node's listpack size (node->sz, lpBytes()), so
 * every node keeps lp_bytes, the size its listpack would have (header and
 * terminator 7 bytes, plus rdb_lp_entry_bytes() per entry), next to the
 * store's own entry bytes:
 *
 *   may node take an element of n bytes (_quicklistNodeAllowInsert)?
 *     no if the node is plain or n >= packed_threshold (1 GiB, DEBUG
 *     QUICKLIST-PACKED-THRESHOLD changes it)
 *     new_sz = lp_bytes + n + 8                (SIZE_ESTIMATE_OVERHEAD)
 *     fill < 0:  new_sz <= 4096 << (-fill - 1) (-1 4 KiB .. -5 64 KiB)
 *     fill >= 0: new_sz <= 8192 (SIZE_SAFETY_LIMIT) and count < fill
 *   may nodes a and b merge (_quicklistNodeAllowMerge)?
 *     neither plain; merge_sz = a.lp_bytes + b.lp_bytes - 11 (7.0's
 *     estimate, a ziplist's overhead: 7.2 has 7), same bounds with
 *     a.count + b.count <= fill
 *
 * fill is clamped to -5 .. 32767 as quicklistSetFill() does. Only
 * _quicklistInsert() (LINSERT, LSET of a plain node) splits and merges;
 * pops, LREM, LTRIM and range deletes only shrink or drop nodes; LSET
 * replaces in place whatever the node's size becomes.
 *
 * A plain node (Redis's PLAIN container) holds one element of
 * packed_threshold bytes or more, or a plain node of an RDB payload; it takes no other element and
 * never merges. Its entry is in the same format, lp_bytes is the
 * element's length (Redis's sz of a plain node).
 *
 * Context: the owning worker lcore.
 */
#ifndef RW_STORE_LIST_INT_H
#define RW_STORE_LIST_INT_H

#include <stdatomic.h>

#include "rdb_blob.h"
#include "store_list.h"

#define QL_SIZE_SAFETY	 8192u /* SIZE_SAFETY_LIMIT */
#define QL_SIZE_ESTIMATE 8u    /* SIZE_ESTIMATE_OVERHEAD */
#define QL_MERGE_SLACK	 11u   /* 7.0.15: a->sz + b->sz - 11 */
#define QL_FILL_MIN	 (-5)
#define QL_FILL_MAX	 32767 /* (1 << (QL_FILL_BITS - 1)) - 1, 64-bit */
#define QL_LP_EMPTY	 7u    /* a listpack's header and terminator */
#define QL_COMPRESS_MAX	 65535 /* (1 << QL_COMP_BITS) - 1 */

struct store_list_node {
	struct store_list_node *prev, *next;
	uint8_t *data;		 /* entries; the LZF blob of the listpack when lzf */
	uint32_t count : 29;	 /* entries */
	uint32_t plain : 1;	 /* Redis's PLAIN container: one element */
	uint32_t lzf : 1;	 /* QUICKLIST_NODE_ENCODING_LZF */
	uint32_t recompress : 1; /* decompressed for use: compress it back */
	uint32_t used;		 /* bytes of entries (lzf: of the blob) */
	uint32_t cap;		 /* bytes allocated for data */
	uint32_t lp_bytes;	 /* Redis's node->sz: the listpack's bytes */
};

struct store_list {
	struct store_list_node *head, *tail;
	struct store_list_node *nocomp; /* Redis's node->dont_compress (LSET) */
	uint64_t len;
	uint64_t bytes;
	uint32_t nodes;
	int32_t fill;
	int32_t compress;
};

/* _quicklistNodeSizeMeetsOptimizationRequirement() and the safety and
 * count bounds: may a node of @p new_sz listpack bytes hold @p new_count? */
static inline bool ql_fill_ok(const struct store_list *l, size_t new_sz, uint64_t new_count)
{
	if (l->fill < 0)
		return new_sz <= (size_t)4096 << (-l->fill - 1);
	return new_sz <= QL_SIZE_SAFETY && new_count <= (uint64_t)l->fill;
}

/* isLargeElement(): an element of packed_threshold bytes or more goes in a
 * plain node of its own (store_list.c has the process-wide threshold). */
extern _Atomic uint64_t store_ql_packed_threshold;
static inline bool ql_is_large(size_t n)
{
	return n >= atomic_load_explicit(&store_ql_packed_threshold, memory_order_relaxed);
}

/* _quicklistNodeAllowInsert(): may @p nd take an element of @p n bytes? */
static inline bool ql_node_allows(const struct store_list *l, const struct store_list_node *nd,
				  size_t n)
{
	if (nd == NULL || nd->plain || ql_is_large(n))
		return false;
	return ql_fill_ok(l, (size_t)nd->lp_bytes + n + QL_SIZE_ESTIMATE, (uint64_t)nd->count + 1);
}

/*
 * COMPRESSION, as quicklist.c's (store_list_comp.c has the essay). Every
 * call below is a no-op at depth 0 (no node is ever compressed there), so
 * the default path costs one predictable branch per call.
 */

/** __quicklistCompress(): the nodes in depth raw, @p nd (may be NULL)
 * and the ones just past the depth compressed (tried). */
void store_ql_comp_list(struct store_list *l, struct store_list_node *nd);
/** __quicklistCompressNode() of a raw node. */
void store_ql_comp_node(struct store_list *l, struct store_list_node *nd);
/** __quicklistDecompressNode() of a compressed node. @return 0 or -ENOMEM. */
int store_ql_decomp_node(struct store_list *l, struct store_list_node *nd);

/* quicklistCompress(): back after use, else the whole list's rule. */
static inline void ql_compress(struct store_list *l, struct store_list_node *nd)
{
	if (l->compress == 0)
		return;
	if (nd->recompress) {
		if (!nd->lzf)
			store_ql_comp_node(l, nd);
	} else {
		store_ql_comp_list(l, nd);
	}
}

/* __quicklistCompress(l, NULL) after a node left (__quicklistDelNode()). */
static inline void ql_compress_list(struct store_list *l)
{
	if (l->compress != 0)
		store_ql_comp_list(l, NULL);
}

/* quicklistDecompressNodeForUse(). @return 0 or -ENOMEM. */
static inline int ql_use(struct store_list *l, struct store_list_node *nd)
{
	if (!nd->lzf)
		return 0;
	int rc = store_ql_decomp_node(l, nd);
	if (rc == 0)
		nd->recompress = 1;
	return rc;
}

/* quicklistRecompressOnly(). */
static inline void ql_recompress_only(struct store_list *l, struct store_list_node *nd)
{
	if (nd->recompress && !nd->lzf)
		store_ql_comp_node(l, nd);
}

/* ---- store_list.c ---- */

/** Store bytes of the entry for an element of @p n bytes. */
size_t store_ql_entry_size(size_t n);
/** Write the entry of @p p / @p n at @p d. */
void store_ql_entry_write(uint8_t *d, const void *p, size_t n);
/** Decode the entry at @p d. @return its store bytes. */
size_t store_ql_entry_read(const uint8_t *d, const uint8_t **p, size_t *n);
/**
 * Store and listpack bytes of the @p k entries from @p off of @p nd (k is
 * clipped to the node's end; *@p k says how many). @return store bytes.
 */
uint32_t store_ql_entries_span(const struct store_list_node *nd, uint32_t off, uint32_t *k,
			       uint32_t *lp);
/** The size of the entry that ends just before @p end. */
size_t store_ql_entry_back(const uint8_t *end);
/** Entry @p idx (< len): its node and index in the node (nothing decompressed). */
struct store_list_node *store_ql_find(const struct store_list *l, uint64_t idx, uint32_t *k);
/** The byte offset of entry @p k in a node's entries @p data. */
uint32_t store_ql_offset(const uint8_t *data, uint32_t k);
/** Entry @p idx (< len): its node, decompressed for use, byte offset and
 * index in the node. @return NULL on ENOMEM. */
struct store_list_node *store_ql_locate(struct store_list *l, uint64_t idx, uint32_t *off,
					uint32_t *k);
/** A compressed node's entries, decoded into this thread's buffer (valid
 * until the next view) and *@p used set; the node is unchanged. @return
 * NULL when the node is too large for a view, or on ENOMEM. */
const uint8_t *store_ql_view(const struct store_list_node *nd, uint32_t *used);
/** A node with room for @p cap bytes, not linked. NULL on ENOMEM. */
struct store_list_node *store_ql_node_new(struct store_list *l, size_t cap, bool plain);
/** Link @p nd after @p at (NULL: at the head). */
void store_ql_node_link_after(struct store_list *l, struct store_list_node *at,
			      struct store_list_node *nd);
/** Unlink and free @p nd (its entries leave len to the caller). */
void store_ql_node_free(struct store_list *l, struct store_list_node *nd);
/** __quicklistDelNode(): free @p nd, its entries leave len, then the
 * compression rule for the list. */
void store_ql_node_del(struct store_list *l, struct store_list_node *nd);
/** Room for @p need bytes of data (the node stays put: its data moves). NULL on ENOMEM. */
struct store_list_node *store_ql_node_reserve(struct store_list *l, struct store_list_node *nd,
					      size_t need);
/** Put an element at byte @p off of @p nd (raw). @return the node, or
 * NULL on ENOMEM (nothing changed). */
struct store_list_node *store_ql_node_put(struct store_list *l, struct store_list_node *nd,
					  uint32_t off, const void *p, size_t n);
/** Remove @p k entries (@p span store bytes, @p lp listpack bytes) at
 * @p off; frees an emptied node. @return the node or NULL if freed. */
struct store_list_node *store_ql_node_cut(struct store_list *l, struct store_list_node *nd,
					  uint32_t off, uint32_t k, uint32_t span, uint32_t lp);
/** A new node holding just this element, linked after @p at (NULL: at
 * the head); no compression step (the caller does __quicklistInsertNode()'s).
 * @return the node or NULL on ENOMEM. */
struct store_list_node *store_ql_new_node_after(struct store_list *l, struct store_list_node *at,
						const void *p, size_t n, bool plain);
/** __quicklistInsertNode()'s compression: @p old (may be NULL), then @p nd. */
void store_ql_inserted(struct store_list *l, struct store_list_node *old,
		       struct store_list_node *nd);

#endif
