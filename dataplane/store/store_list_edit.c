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

/* _quicklistListpackMerge(): @p b (right after @p a) joins @p a.
 * @return the merged node, or NULL when out of memory (nothing changed:
 * the boundary stays, the elements are intact). */
static struct store_list_node *node_merge(struct store_list *l, struct store_list_node *a,
					  struct store_list_node *b)
{
	a = store_ql_node_reserve(l, a, (size_t)a->used + b->used);
	if (a == NULL)
		return NULL;
	memcpy(a->data + a->used, b->data, b->used);
	a->used += b->used;
	a->count += b->count;
	a->lp_bytes += b->lp_bytes - QL_LP_EMPTY; /* one header and terminator fewer */
	store_ql_node_free(l, b);
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

/* Split @p nd at byte @p off (entry @p k): entries from there on move to
 * a new node linked after it. @return the new node, or NULL on ENOMEM. */
static struct store_list_node *node_split(struct store_list *l, struct store_list_node *nd,
					  uint32_t off, uint32_t k)
{
	uint32_t span = nd->used - off, moved = nd->count - k, lp;
	struct store_list_node *b = store_ql_node_new(l, span, false);
	if (b == NULL)
		return NULL;
	store_ql_entries_span(nd, off, &moved, &lp);
	memcpy(b->data, nd->data + off, span);
	b->used = span;
	b->count = moved;
	b->lp_bytes = QL_LP_EMPTY + lp;
	nd->used = off;
	nd->count = k;
	nd->lp_bytes -= lp;
	store_ql_node_link_after(l, nd, b);
	return b;
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
	if (nd->plain || edge)
		return store_ql_push_new_node(l, after ? nd : nd->prev, p, n, true);
	if (node_split(l, nd, off, k) == NULL)
		return -ENOMEM;
	return store_ql_push_new_node(l, nd, p, n, true);
}

int store_list_insert(struct store_list *l, uint64_t pivot, bool after, const void *p, size_t n)
{
	uint32_t off, k;
	struct store_list_node *nd = store_ql_locate(l, pivot, &off, &k);
	if (after) { /* where the element goes: past the pivot */
		const uint8_t *q;
		size_t qn;
		off += (uint32_t)store_ql_entry_read(nd->data + off, &q, &qn);
		k++;
	}
	bool at_tail = after && k == nd->count, at_head = !after && k == 0;
	if (ql_is_large(n))
		return insert_large(l, nd, off, k, at_tail || at_head, after, p, n);
	if (ql_node_allows(l, nd, n))
		return put_rc(store_ql_node_put(l, nd, off, p, n));
	if (at_tail && ql_node_allows(l, nd->next, n))
		return put_rc(store_ql_node_put(l, nd->next, 0, p, n));
	if (at_head && ql_node_allows(l, nd->prev, n))
		return put_rc(store_ql_node_put(l, nd->prev, nd->prev->used, p, n));
	if (at_tail || at_head)
		return store_ql_push_new_node(l, after ? nd : nd->prev, p, n, false);
	/* Full, pivot inside: split there. Redis's "center" is the part that
	 * keeps the pivot; the element joins the other part at the cut. */
	struct store_list_node *b = node_split(l, nd, off, k);
	if (b == NULL)
		return -ENOMEM;
	struct store_list_node *center = after ? nd : b;
	struct store_list_node *m =
	    after ? store_ql_node_put(l, b, 0, p, n) : store_ql_node_put(l, nd, nd->used, p, n);
	if (m == NULL)
		return -ENOMEM;
	if (!after)
		center = m->next; /* nd may have moved; b is still its next */
	merge_around(l, center);
	return 0;
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

int store_list_set(struct store_list *l, uint64_t idx, const void *p, size_t n)
{
	uint32_t off, k;
	struct store_list_node *nd = store_ql_locate(l, idx, &off, &k);
	bool large = ql_is_large(n);
	if ((bool)nd->plain == large)
		return replace_in_place(l, nd, off, p, n);
	/* the other container: the new element after the old, the old goes
	 * (after that insert it is the last entry of its node) */
	int rc = store_list_insert(l, idx, true, p, n);
	if (rc != 0)
		return rc;
	store_list_del_range(l, idx, 1);
	return 0;
}

void store_list_del_range(struct store_list *l, uint64_t idx, uint64_t count)
{
	if (idx >= l->len || count == 0)
		return;
	uint32_t off, k;
	struct store_list_node *nd = store_ql_locate(l, idx, &off, &k);
	while (count > 0 && nd != NULL) {
		struct store_list_node *next = nd->next;
		if (off == 0 && nd->count <= count) {
			count -= nd->count;
			l->len -= nd->count;
			store_ql_node_free(l, nd);
		} else {
			uint32_t lp, del = count < nd->count ? (uint32_t)count : nd->count;
			uint32_t span = store_ql_entries_span(nd, off, &del, &lp);
			store_ql_node_cut(l, nd, off, del, span, lp);
			count -= del;
		}
		nd = next;
		off = 0;
	}
}
