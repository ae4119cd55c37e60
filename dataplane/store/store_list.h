/*
 * List values: a quicklist, as Redis 7.0 keeps every list.
 *
 * A doubly linked list of nodes, each a packed buffer of entries
 * (listpack-like). The node size follows list-max-listpack-size, read when
 * the list is created (as Redis's createQuicklistObject() does): negative
 * values bound a node's bytes (-1 4 KB, -2 8 KB, ... -5 64 KB), positive
 * ones its entry count (and 8 KB, Redis's SIZE_SAFETY_LIMIT). An element
 * larger than the bound gets a node of its own. list-compress-depth is
 * accepted and kept; nodes are not compressed.
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
 * @p compress (list-compress-depth, kept only). @return NULL on ENOMEM.
 */
struct store_list *store_list_create(int32_t fill, int32_t compress);
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
/** The list-max-listpack-size the list was created with (the RDB writer
 * cuts Redis's nodes with it). */
int32_t store_list_fill(const struct store_list *l);

/** Push an element at the head or the tail. @return 0 or -ENOMEM. */
int store_list_push(struct store_list *l, bool head, const void *p, size_t n);
/** The element at the head or tail (valid until the next change); false if empty. */
bool store_list_peek(const struct store_list *l, bool head, const uint8_t **p, size_t *n);
/** Remove the element at the head or tail (the list must not be empty). */
void store_list_pop(struct store_list *l, bool head);
/** Insert so the element gets index @p idx (0 .. len). @return 0 or -ENOMEM. */
int store_list_insert(struct store_list *l, uint64_t idx, const void *p, size_t n);
/** Replace the element at @p idx (< len). @return 0 or -ENOMEM. */
int store_list_set(struct store_list *l, uint64_t idx, const void *p, size_t n);
/** Remove @p count elements from @p idx on (clipped to the end). */
void store_list_del_range(struct store_list *l, uint64_t idx, uint64_t count);

/* An iterator, forward (head to tail) or reverse. */
struct store_list_iter {
	struct store_list *l;
	struct store_list_node *node; /* NULL: done */
	uint32_t off;		      /* fwd: start of the next entry; rev: its end */
	struct store_list_node *last; /* the entry returned last (for _del) */
	uint32_t last_off;
	bool rev;
};

/** Start at index @p idx (from the head, whatever the direction). */
void store_list_iter_init(struct store_list *l, uint64_t idx, bool rev, struct store_list_iter *it);
/** The next element (valid until the next change). @return false at the end. */
bool store_list_iter_next(struct store_list_iter *it, const uint8_t **p, size_t *n);
/** Delete the element the last _next() returned; the walk continues after it. */
void store_list_iter_del(struct store_list_iter *it);

#endif
