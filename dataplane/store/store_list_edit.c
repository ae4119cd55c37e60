/*
 * List edits inside the quicklist: insert (LINSERT), replace (LSET) and
 * range delete (LTRIM, LPOP/RPOP/LMPOP with a count), each with the node
 * effects Redis 7.0.15's quicklist.c has (store_list_int.h):
 *
 *   _quicklistInsert(), an element going before or after a pivot:
 *     the pivot's node allows it          -> into that node
 *     pivot last, inserting after, and
 *       the next node allows it           -> head of the next node
 *     pivot first, inserting before, and
 *       the previous node allows it       -> tail of the previous node
 *     pivot at that edge otherwise        -> a new node on that side
 *     pivot inside a full node            -> split the node at the pivot,
 *       the element joins the part on its side, then _quicklistMergeNodes()
 *       around the pivot's part:
 *
 *         [pp][p][center][n][nn]   merge pp+p, then n+nn, then p+center,
 *                                  then (that result)+next, each if allowed
 *
 *   a large element (ql_is_large()) goes in a plain node of its own (splitting
 *   a packed node when inside it, no merge);
 *
 *   quicklistReplaceEntry(): in place (the node may outgrow its bound),
 *   except that a plain node's small element (or a packed node's huge
 *   one) is inserted after the old element, which is then deleted;
 *
 *   quicklistDelRange(): entries leave their nodes, emptied nodes go,
 *   nothing merges.
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <string.h>

#include "store_list_int.h"

/* _quicklistNodeAllowMerge() */
static bool merge_allows(const struct store_list *l, const struct store_list_node *a,
			 const struct store_list_node *b)
{
	if (a == NULL || b == NULL || a->plain || b->plain)
		return false;
	uint32_t merge_sz = a->lp_bytes + b->lp_bytes - QL_MERGE_SLACK;
	return ql_fill_ok(l, merge_sz, (uint64_t)a->count + b->count);
}

/* _quicklistListpackMerge(): @p b (right after @p a) joins @p a, both
 * decompressed first, then __quicklistDelNode() of the emptied one and
 * quicklistCompress() of the merged one. @return the merged node, or NULL
 * when out of memory (nothing changed: the boundary stays, the elements
 * are intact). */
static struct store_list_node *node_merge(struct store_list *l, struct store_list_node *a,
					  struct store_list_node *b)
{
	if ((a->lzf && store_ql_decomp_node(l, a) != 0) ||
	    (b->lzf && store_ql_decomp_node(l, b) != 0))
		return NULL;
	a = store_ql_node_reserve(l, a, (size_t)a->used + b->used);
	if (a == NULL)
		return NULL;
	memcpy(a->data + a->used, b->data, b->used);
	a->used += b->used;
	a->count += b->count;
	a->lp_bytes += b->lp_bytes - QL_LP_EMPTY; /* one header and terminator fewer */
	b->count = 0;
	store_ql_node_del(l, b);
	ql_compress(l, a);
	return a;
}

/* _quicklistMergeNodes() around @p center. */
static void merge_around(struct store_list *l, struct store_list_node *center)
{
	struct store_list_node *prev = center->prev, *next = center->next;
	struct store_list_node *pp = prev != NULL ? prev->prev : NULL;
	struct store_list_node *nn = next != NULL ? next->next : NULL;
	if (merge_allows(l, prev, pp))
		node_merge(l, pp, prev);
	if (merge_allows(l, next, nn))
		node_merge(l, next, nn);
	struct store_list_node *target = center;
	if (merge_allows(l, center->prev, center)) {
		struct store_list_node *m = node_merge(l, center->prev, center);
		if (m != NULL)
			target = m;
	}
	if (merge_allows(l, target, target->next))
		node_merge(l, target, target->next);
}

/*
 * _quicklistSplitNode(): @p nd (decompressed) is cut at byte @p off (entry
 * @p k); the part on the @p after side of the cut (entries from k on when
 * after, else those before k) moves to a new node, not linked, with room
 * for @p extra more bytes. @p nd keeps the other part and its state, as
 * Redis's node does. @return the new node, or NULL on ENOMEM.
 */
static struct store_list_node *node_split(struct store_list *l, struct store_list_node *nd,
					  uint32_t off, uint32_t k, bool after, size_t extra)
{
	uint32_t span = after ? nd->used - off : off;
	uint32_t moved = after ? nd->count - k : k, lp;
	struct store_list_node *b = store_ql_node_new(l, span + extra, false);
	if (b == NULL)
		return NULL;
	store_ql_entries_span(nd, after ? off : 0, &moved, &lp);
	memcpy(b->data, nd->data + (after ? off : 0), span);
	if (!after)
		memmove(nd->data, nd->data + off, nd->used - off);
	b->used = span;
	b->count = moved;
	b->lp_bytes = QL_LP_EMPTY + lp;
	nd->used -= span;
	nd->count -= moved;
	nd->lp_bytes -= lp;
	return b;
}

/* __quicklistInsertNode(): link @p nd beside @p at on the @p after side,
 * then the compression of both. */
static void insert_node(struct store_list *l, struct store_list_node *at,
			struct store_list_node *nd, bool after)
{
	store_ql_node_link_after(l, after ? at : at->prev, nd);
	store_ql_inserted(l, at, nd);
}

static int put_rc(const struct store_list_node *nd)
{
	return nd != NULL ? 0 : -ENOMEM;
}

/* A large element (ql_is_large()): a plain node beside the pivot's, which is
 * split when the element goes inside it. @p off is the byte where it goes
 * in @p nd, @p k that entry's index. */
static int insert_large(struct store_list *l, struct store_list_node *nd, uint32_t off, uint32_t k,
			bool edge, bool after, const void *p, size_t n)
{
	if (nd->plain || edge) {
		struct store_list_node *e =
		    store_ql_new_node_after(l, after ? nd : nd->prev, p, n, true);
		if (e == NULL)
			return -ENOMEM;
		store_ql_inserted(l, nd, e);
		return 0;
	}
	struct store_list_node *b = node_split(l, nd, off, k, after, 0);
	if (b == NULL)
		return -ENOMEM;
	struct store_list_node *e = store_ql_new_node_after(l, after ? nd : nd->prev, p, n, true);
	if (e == NULL) { /* ENOMEM: the elements stay, split */
		store_ql_node_link_after(l, after ? nd : nd->prev, b);
		return -ENOMEM;
	}
	store_ql_inserted(l, nd, e);
	insert_node(l, e, b, after);
	return 0;
}

/* _quicklistInsert() at entry @p pivot; @p linsert: LINSERT's iterator is
 * then released, which compresses the pivot's node where _quicklistInsert()
 * returns before resetting it (a large element). */
static int insert(struct store_list *l, uint64_t pivot, bool after, const void *p, size_t n,
		  bool linsert)
{
	uint32_t off, k;
	struct store_list_node *nd = store_ql_locate(l, pivot, &off, &k);
	if (nd == NULL)
		return -ENOMEM;
	if (after) { /* where the element goes: past the pivot */
		const uint8_t *q;
		size_t qn;
		off += (uint32_t)store_ql_entry_read(nd->data + off, &q, &qn);
		k++;
	}
	bool at_tail = after && k == nd->count, at_head = !after && k == 0;
	if (ql_is_large(n)) {
		int rc = insert_large(l, nd, off, k, at_tail || at_head, after, p, n);
		if (rc == 0 && linsert)
			ql_compress(l, nd);
		return rc;
	}
	if (ql_node_allows(l, nd, n)) {
		int rc = put_rc(store_ql_node_put(l, nd, off, p, n));
		ql_recompress_only(l, nd);
		return rc;
	}
	struct store_list_node *side = at_tail ? nd->next : at_head ? nd->prev : NULL;
	if (side != NULL && ql_node_allows(l, side, n)) {
		if (ql_use(l, side) != 0)
			return -ENOMEM;
		int rc = put_rc(store_ql_node_put(l, side, at_tail ? 0 : side->used, p, n));
		ql_recompress_only(l, side);
		ql_recompress_only(l, nd);
		return rc;
	}
	if (at_tail || at_head) {
		struct store_list_node *e =
		    store_ql_new_node_after(l, after ? nd : nd->prev, p, n, false);
		if (e == NULL)
			return -ENOMEM;
		store_ql_inserted(l, nd, e);
		return 0;
	}
	/* Full, pivot inside: split there; the element joins the part cut
	 * off, at the cut; Redis's node keeps the pivot and is the center. */
	struct store_list_node *b = node_split(l, nd, off, k, after, store_ql_entry_size(n));
	if (b == NULL)
		return -ENOMEM;
	store_ql_node_put(l, b, after ? 0 : b->used, p, n); /* room reserved */
	insert_node(l, nd, b, after);
	merge_around(l, nd);
	return 0;
}

int store_list_insert(struct store_list *l, uint64_t pivot, bool after, const void *p, size_t n)
{
	return insert(l, pivot, after, p, n, true);
}

/* Replace the entry at @p off of @p nd in place. */
static int replace_in_place(struct store_list *l, struct store_list_node *nd, uint32_t off,
			    const void *p, size_t n)
{
	uint32_t k = 1, old_lp;
	uint32_t old = store_ql_entries_span(nd, off, &k, &old_lp);
	size_t sz = store_ql_entry_size(n);
	if (sz > old) {
		nd = store_ql_node_reserve(l, nd, nd->used - old + sz);
		if (nd == NULL)
			return -ENOMEM;
	}
	memmove(nd->data + off + sz, nd->data + off + old, nd->used - off - old);
	store_ql_entry_write(nd->data + off, p, n);
	nd->used = (uint32_t)(nd->used - old + sz);
	nd->lp_bytes = nd->lp_bytes - old_lp + (uint32_t)(nd->plain ? n : rdb_lp_entry_bytes(p, n));
	return 0;
}

/* quicklistReplaceEntry() */
int store_list_set(struct store_list *l, uint64_t idx, const void *p, size_t n)
{
	uint32_t off, k;
	struct store_list_node *nd = store_ql_locate(l, idx, &off, &k);
	if (nd == NULL)
		return -ENOMEM;
	bool large = ql_is_large(n);
	if ((bool)nd->plain == large) {
		int rc = replace_in_place(l, nd, off, p, n);
		ql_compress(l, nd);
		return rc;
	}
	/* the other container: the new element after the old, the old goes
	 * (after that insert it is the last entry of its node) */
	if (nd->plain) {
		int rc = insert(l, idx, true, p, n, false);
		if (rc == 0)
			store_ql_node_del(l, nd);
		return rc;
	}
	l->nocomp = nd; /* dont_compress */
	int rc = insert(l, idx, true, p, n, false);
	if (rc != 0 || nd->count == 1) {
		l->nocomp = NULL;
		if (rc == 0)
			store_ql_node_del(l, nd);
		return rc;
	}
	uint32_t sz = (uint32_t)store_ql_entry_back(nd->data + nd->used), lp;
	uint32_t one = 1;
	store_ql_entries_span(nd, nd->used - sz, &one, &lp);
	store_ql_node_cut(l, nd, nd->used - sz, 1, sz, lp);
	l->nocomp = NULL;
	ql_compress(l, nd);
	ql_compress(l, nd->next);
	return 0;
}

/* quicklistDelRange(): the iterator that finds the first node is released
 * (quicklistCompress() of that node) before anything goes. */
int store_list_del_range(struct store_list *l, uint64_t idx, uint64_t count)
{
	if (idx >= l->len || count == 0)
		return 0;
	uint32_t k;
	struct store_list_node *nd = store_ql_find(l, idx, &k);
	ql_compress(l, nd);
	while (count > 0 && nd != NULL) {
		struct store_list_node *next = nd->next;
		if (k == 0 && nd->count <= count) {
			count -= nd->count;
			store_ql_node_del(l, nd);
		} else {
			if (ql_use(l, nd) != 0)
				return -ENOMEM;
			uint32_t off = store_ql_offset(nd->data, k);
			uint32_t lp, del = count < nd->count - k ? (uint32_t)count : nd->count - k;
			uint32_t span = store_ql_entries_span(nd, off, &del, &lp);
			nd = store_ql_node_cut(l, nd, off, del, span, lp);
			if (nd != NULL)
				ql_recompress_only(l, nd);
			count -= del;
		}
		nd = next;
		k = 0;
	}
	return 0;
}
