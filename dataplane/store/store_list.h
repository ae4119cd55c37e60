/*
 * List values: a quicklist, as Redis 7.0 keeps every list.
 *
 * A doubly linked list of nodes, each a packed buffer of entries
 * (listpack-like). The nodes are cut where Redis 7.0.15's quicklist cuts
 * its nodes after the same commands (store_list_int.h has the rules), so
 * the RDB writer emits one listpack per node and DUMP gives stock Redis's
 * bytes. list-max-listpack-size is read when the list is created (as
 * Redis's createQuicklistObject() does), and so is list-compress-depth:
 * the nodes past that depth from either end are held LZF-compressed, the
 * listpack Redis would hold compressed to Redis's bytes, at the moments
 * Redis compresses and decompresses them (store_list_comp.c), so the RDB
 * writer emits a compressed node's blob as it is.
 *
 * Entry layout inside a node (listpack's idea, simpler encodings):
 *
 *   +--------------+-------------+---------------------+
 *   | len (LEB128) | bytes (len) | backlen (reverse    |
 *   | 1..5 bytes   |             | LEB128 of len+bytes)|
 *   +--------------+-------------+---------------------+
 *
 * so an iterator walks forward by the length and backward by the backlen.
 *
 * bytes() is kept incrementally (node allocations plus the header), O(1).
 * Context: the owning worker lcore, inside a store write for changes.
 */
#ifndef RW_STORE_LIST_H
#define RW_STORE_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_list;
struct store_list_node;

/** The collection operations of lists (store_coll.c). */
extern const struct store_coll_ops store_list_ops;

/**
 * An empty list whose nodes follow @p fill (list-max-listpack-size) and
 * @p compress (list-compress-depth). @return NULL on ENOMEM.
 */
struct store_list *store_list_create(int32_t fill, int32_t compress);
/**
 * quicklistisSetPackedThreshold() (DEBUG QUICKLIST-PACKED-THRESHOLD):
 * elements of @p n bytes or more go in plain nodes from now on, in every
 * list of every worker; 0 restores 1 GiB. @return false (unchanged) above
 * 4 GiB - 1 MiB.
 * Context: any lcore.
 */
bool store_list_set_packed_threshold(uint64_t n);
/** Free the list; NULL-safe; clears *@p l. */
void store_list_destroy(struct store_list **l);
/**
 * Free at most *@p budget nodes of a list no key holds any more (lazy
 * free); *@p budget drops by what was freed. @return true when the whole
 * list is gone (*@p l cleared).
 */
bool store_list_free_step(struct store_list **l, uint32_t *budget);

uint64_t store_list_len(const struct store_list *l);
/** Bytes the list holds (nodes and header), O(1). */
uint64_t store_list_bytes(const struct store_list *l);
/** Nodes in the list (tests: node splitting at the fill bound). */
uint32_t store_list_nodes(const struct store_list *l);
/** The list-max-listpack-size the list was created with (clamped to
 * -5 .. 32767 as quicklistSetFill() does). */
int32_t store_list_fill(const struct store_list *l);
/** The list-compress-depth the list was created with (clamped to 0 ..
 * 65535 as quicklistSetCompressDepth() does). */
int32_t store_list_compress(const struct store_list *l);

/** Push an element at the head or the tail. @return 0 or -ENOMEM. */
int store_list_push(struct store_list *l, bool head, const void *p, size_t n);
/** The element at the head or tail (valid until the next change); false if empty. */
bool store_list_peek(const struct store_list *l, bool head, const uint8_t **p, size_t *n);
/** Remove the element at the head or tail (the list must not be empty). */
void store_list_pop(struct store_list *l, bool head);
/**
 * Insert before or @p after the element at @p pivot (< len), as
 * quicklistInsertBefore/After() do for LINSERT: into its node, the
 * neighbour node at an edge, a new node, or by splitting the node and
 * merging around it, then what releasing LINSERT's iterator does.
 * @return 0 or -ENOMEM (the elements unchanged).
 */
int store_list_insert(struct store_list *l, uint64_t pivot, bool after, const void *p, size_t n);
/** Replace the element at @p idx (< len), in place as quicklistReplaceEntry()
 * does (its node may outgrow the fill bound). @return 0 or -ENOMEM. */
int store_list_set(struct store_list *l, uint64_t idx, const void *p, size_t n);
/** Remove @p count elements from @p idx on (clipped to the end), as
 * quicklistDelRange(). @return 0, or -ENOMEM (a compressed node could
 * not be decompressed: the elements from there on stay). */
int store_list_del_range(struct store_list *l, uint64_t idx, uint64_t count);

/**
 * Append at the tail keeping a payload's node boundaries (RDB loading, as
 * quicklistAppendListpack() / quicklistAppendPlainNode() do): into a new
 * node when @p new_node (a plain one when @p plain), else into the tail
 * node whatever its fill. @return 0 or -ENOMEM.
 */
int store_list_append_raw(struct store_list *l, bool new_node, bool plain, const void *p, size_t n);

/* Nodes, head to tail (the RDB writer emits one container per node). */
const struct store_list_node *store_list_node_first(const struct store_list *l);
const struct store_list_node *store_list_node_next(const struct store_list_node *nd);
/** Entries of the node. */
uint32_t store_list_node_len(const struct store_list_node *nd);
/** Is it a plain node (one element, RDB container 1)? */
bool store_list_node_plain(const struct store_list_node *nd);
/** The bytes Redis's listpack of this node has (plain: the element's). */
uint32_t store_list_node_lp_bytes(const struct store_list_node *nd);
/** A compressed node (list-compress-depth): its LZF blob, the bytes Redis
 * holds, which give store_list_node_lp_bytes() bytes. @return false for a
 * raw node. */
bool store_list_node_lzf(const struct store_list_node *nd, const uint8_t **blob, size_t *n);
/** The node's element at byte *@p off (start at 0); *@p off moves past it.
 * @return false after the last (at once for a compressed node). */
bool store_list_node_elem(const struct store_list_node *nd, uint32_t *off, const uint8_t **p,
			  size_t *n);

/*
 * An iterator, forward (head to tail) or reverse. Under list-compress-depth
 * a walk changes which nodes are compressed as quicklistNext() does
 * (store_list_comp.c): release it when done, as quicklistReleaseIterator().
 * An element read from a compressed node is valid until the next _next()
 * or the next read of a compressed node on this thread.
 */
struct store_list_iter {
	struct store_list *l;
	struct store_list_node *node; /* NULL: done */
	const uint8_t *data;	      /* the node's entries (or a view of them) */
	uint32_t used;		      /* bytes of data */
	uint32_t off;		      /* fwd: start of the next entry; rev: its end */
	uint32_t last_off;	      /* the entry returned last (for _del) */
	uint8_t state;
	bool rev;
};

/** Start at index @p idx (from the head, whatever the direction). */
void store_list_iter_init(struct store_list *l, uint64_t idx, bool rev, struct store_list_iter *it);
/** The next element. @return false at the end. */
bool store_list_iter_next(struct store_list_iter *it, const uint8_t **p, size_t *n);
/** Delete the element the last _next() returned; the walk continues after it. */
void store_list_iter_del(struct store_list_iter *it);
/** quicklistReleaseIterator(): the node the walk stands on is compressed
 * back as the rule says. Not called after an insert or replace (Redis
 * resets that iterator). */
void store_list_iter_release(struct store_list_iter *it);

#endif
