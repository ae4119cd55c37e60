/*
 * List values: the quicklist's nodes, its two ends and iteration (see
 * store_list.h for the entry layout, store_list_int.h for Redis's node
 * rules; inserts, replaces and range deletes are in store_list_edit.c,
 * list-compress-depth in store_list_comp.c).
 *
 * Invariants: no node is empty; l->len is the sum of the nodes' counts;
 * l->bytes is sizeof(struct store_list) plus, per node, its header and its
 * data's allocated capacity (a compressed node's: its blob); a packed
 * node's lp_bytes is 7 plus the listpack bytes of its entries; a node's
 * data is its own allocation, so a node never moves. A node grows its buffer geometrically up to
 * its bound (so a push is amortised O(1)); past the bound only by what it must hold (an element
 * larger than the bound, an LSET, a payload's node).
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_list_int.h"

/* ---- entry encoding ---- */

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 128) {
		v >>= 7;
		n++;
	}
	return n;
}

size_t store_ql_entry_size(size_t n)
{
	size_t body = varint_len(n) + n;
	return body + varint_len(body);
}

void store_ql_entry_write(uint8_t *d, const void *p, size_t n)
{
	size_t vl = varint_len(n), body = vl + n, bl = varint_len(body);
	uint64_t v = n;
	for (size_t i = 0; i < vl; i++, v >>= 7)
		d[i] = (uint8_t)((v & 127) | (i + 1 < vl ? 128 : 0));
	memcpy(d + vl, p, n);
	/* backlen: the last byte holds the low 7 bits, reading backward */
	v = body;
	for (size_t i = bl; i-- > 0; v >>= 7)
		d[body + i] = (uint8_t)((v & 127) | (i != 0 ? 128 : 0));
}

size_t store_ql_entry_read(const uint8_t *d, const uint8_t **p, size_t *n)
{
	uint64_t v = 0;
	size_t i = 0;
	int shift = 0;
	do {
		v |= (uint64_t)(d[i] & 127) << shift;
		shift += 7;
	} while (d[i++] & 128);
	*p = d + i;
	*n = (size_t)v;
	size_t body = i + (size_t)v;
	return body + varint_len(body);
}

size_t store_ql_entry_back(const uint8_t *end)
{
	const uint8_t *q = end - 1;
	uint64_t v = *q & 127;
	int shift = 7;
	while (*q & 128) {
		q--;
		v |= (uint64_t)(*q & 127) << shift;
		shift += 7;
	}
	return (size_t)v + (size_t)(end - q);
}

/* Listpack bytes of an element as a plain node's or a packed node's entry. */
static uint32_t elem_lp_bytes(const struct store_list_node *nd, const uint8_t *p, size_t n)
{
	return (uint32_t)(nd->plain ? n : rdb_lp_entry_bytes(p, n));
}

uint32_t store_ql_entries_span(const struct store_list_node *nd, uint32_t off, uint32_t *k,
			       uint32_t *lp)
{
	uint32_t span = 0, i = 0;
	*lp = 0;
	for (; i < *k && off + span < nd->used; i++) {
		const uint8_t *p;
		size_t n;
		span += (uint32_t)store_ql_entry_read(nd->data + off + span, &p, &n);
		*lp += elem_lp_bytes(nd, p, n);
	}
	*k = i;
	return span;
}

/* ---- nodes ---- */

/* The allocation bound of a node: the byte bound of list-max-listpack-size,
 * 8 KiB for count bounds. */
static size_t node_max_bytes(const struct store_list *l)
{
	return l->fill < 0 ? (size_t)4096 << (-l->fill - 1) : QL_SIZE_SAFETY;
}

struct store_list_node *store_ql_node_new(struct store_list *l, size_t cap, bool plain)
{
	struct store_list_node *nd = calloc(1, sizeof(*nd));
	if (nd == NULL)
		return NULL;
	nd->data = malloc(cap);
	if (nd->data == NULL) {
		free(nd);
		return NULL;
	}
	nd->cap = (uint32_t)cap;
	nd->plain = plain;
	nd->lp_bytes = plain ? 0 : QL_LP_EMPTY;
	l->bytes += sizeof(*nd) + cap;
	return nd;
}

void store_ql_node_link_after(struct store_list *l, struct store_list_node *at,
			      struct store_list_node *nd)
{
	nd->prev = at;
	nd->next = at != NULL ? at->next : l->head;
	if (nd->next != NULL)
		nd->next->prev = nd;
	else
		l->tail = nd;
	if (at != NULL)
		at->next = nd;
	else
		l->head = nd;
	l->nodes++;
}

void store_ql_node_free(struct store_list *l, struct store_list_node *nd)
{
	if (nd->prev != NULL)
		nd->prev->next = nd->next;
	else
		l->head = nd->next;
	if (nd->next != NULL)
		nd->next->prev = nd->prev;
	else
		l->tail = nd->prev;
	l->bytes -= sizeof(*nd) + nd->cap;
	l->nodes--;
	if (l->nocomp == nd)
		l->nocomp = NULL;
	free(nd->data);
	free(nd);
}

void store_ql_node_del(struct store_list *l, struct store_list_node *nd)
{
	l->len -= nd->count;
	store_ql_node_free(l, nd);
	ql_compress_list(l);
}

/* Give @p nd @p cap bytes of data (the node stays where it is).
 * @return the node, or NULL (unchanged) on ENOMEM. */
static struct store_list_node *node_realloc(struct store_list *l, struct store_list_node *nd,
					    size_t cap)
{
	uint8_t *d = realloc(nd->data, cap);
	if (d == NULL)
		return NULL;
	nd->data = d;
	l->bytes = l->bytes - nd->cap + cap;
	nd->cap = (uint32_t)cap;
	return nd;
}

struct store_list_node *store_ql_node_reserve(struct store_list *l, struct store_list_node *nd,
					      size_t need)
{
	if (need <= nd->cap)
		return nd;
	size_t cap = (size_t)nd->cap * 2, bound = node_max_bytes(l);
	if (cap > bound)
		cap = bound;
	if (cap < need)
		cap = need;
	if (cap < 64)
		cap = 64;
	return node_realloc(l, nd, cap);
}

struct store_list_node *store_ql_node_put(struct store_list *l, struct store_list_node *nd,
					  uint32_t off, const void *p, size_t n)
{
	size_t sz = store_ql_entry_size(n);
	if (nd->used + sz > nd->cap && store_ql_node_reserve(l, nd, nd->used + sz) == NULL)
		return NULL;
	memmove(nd->data + off + sz, nd->data + off, nd->used - off);
	store_ql_entry_write(nd->data + off, p, n);
	nd->used += (uint32_t)sz;
	nd->lp_bytes += elem_lp_bytes(nd, p, n);
	nd->count++;
	l->len++;
	return nd;
}

/* Gives back room a node no longer uses (below a quarter of it, so pops
 * and pushes at one end do not resize it back and forth). */
struct store_list_node *store_ql_node_cut(struct store_list *l, struct store_list_node *nd,
					  uint32_t off, uint32_t k, uint32_t span, uint32_t lp)
{
	memmove(nd->data + off, nd->data + off + span, nd->used - off - span);
	nd->used -= span;
	nd->lp_bytes -= lp;
	nd->count -= k;
	l->len -= k;
	if (nd->count == 0) {
		store_ql_node_del(l, nd);
		return NULL;
	}
	if (nd->cap > 256 && nd->used < nd->cap / 4) {
		struct store_list_node *n = node_realloc(l, nd, (size_t)nd->used * 2);
		if (n != NULL)
			nd = n;
	}
	return nd;
}

struct store_list_node *store_ql_find(const struct store_list *l, uint64_t idx, uint32_t *k)
{
	struct store_list_node *nd;
	uint64_t base;
	if (idx < l->len / 2) {
		base = 0;
		for (nd = l->head; base + nd->count <= idx; nd = nd->next)
			base += nd->count;
	} else {
		base = l->len;
		for (nd = l->tail; base - nd->count > idx; nd = nd->prev)
			base -= nd->count;
		base -= nd->count;
	}
	*k = (uint32_t)(idx - base);
	return nd;
}

uint32_t store_ql_offset(const uint8_t *data, uint32_t k)
{
	uint32_t o = 0;
	for (uint32_t i = 0; i < k; i++) {
		const uint8_t *p;
		size_t n;
		o += (uint32_t)store_ql_entry_read(data + o, &p, &n);
	}
	return o;
}

struct store_list_node *store_ql_locate(struct store_list *l, uint64_t idx, uint32_t *off,
					uint32_t *k)
{
	struct store_list_node *nd = store_ql_find(l, idx, k);
	if (ql_use(l, nd) != 0)
		return NULL;
	*off = store_ql_offset(nd->data, *k);
	return nd;
}

/* ---- the list ---- */

/* packed_threshold: process-wide in Redis too. Only DEBUG
 * QUICKLIST-PACKED-THRESHOLD writes it (any worker); lists read it. */
#define QL_PACKED_DEFAULT (UINT64_C(1) << 30)
#define QL_PACKED_MAX	  ((UINT64_C(1) << 32) - (UINT64_C(1) << 20))

_Atomic uint64_t store_ql_packed_threshold = QL_PACKED_DEFAULT;

bool store_list_set_packed_threshold(uint64_t n)
{
	if (n > QL_PACKED_MAX)
		return false;
	atomic_store_explicit(&store_ql_packed_threshold, n == 0 ? QL_PACKED_DEFAULT : n,
			      memory_order_relaxed);
	return true;
}

struct store_list *store_list_create(int32_t fill, int32_t compress)
{
	struct store_list *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->fill = fill < QL_FILL_MIN ? QL_FILL_MIN : fill > QL_FILL_MAX ? QL_FILL_MAX : fill;
	l->compress = compress < 0 ? 0 : compress > QL_COMPRESS_MAX ? QL_COMPRESS_MAX : compress;
	l->bytes = sizeof(*l);
	return l;
}

void store_list_destroy(struct store_list **lp)
{
	if (lp == NULL || *lp == NULL)
		return;
	struct store_list *l = *lp;
	while (l->head != NULL)
		store_ql_node_free(l, l->head);
	free(l);
	*lp = NULL;
}

bool store_list_free_step(struct store_list **lp, uint32_t *budget)
{
	struct store_list *l = *lp;
	for (; l->head != NULL && *budget > 0; (*budget)--)
		store_ql_node_free(l, l->head);
	if (l->head != NULL)
		return false;
	free(l);
	*lp = NULL;
	return true;
}

uint64_t store_list_len(const struct store_list *l)
{
	return l->len;
}

uint64_t store_list_bytes(const struct store_list *l)
{
	return l->bytes;
}

uint32_t store_list_nodes(const struct store_list *l)
{
	return l->nodes;
}

int32_t store_list_fill(const struct store_list *l)
{
	return l->fill;
}

int32_t store_list_compress(const struct store_list *l)
{
	return l->compress;
}

struct store_list_node *store_ql_new_node_after(struct store_list *l, struct store_list_node *at,
						const void *p, size_t n, bool plain)
{
	size_t sz = store_ql_entry_size(n);
	struct store_list_node *nd = store_ql_node_new(l, sz < 64 ? 64 : sz, plain);
	if (nd == NULL)
		return NULL;
	store_ql_node_link_after(l, at, nd);
	store_ql_node_put(l, nd, 0, p, n); /* room reserved: cannot fail */
	return nd;
}

void store_ql_inserted(struct store_list *l, struct store_list_node *old,
		       struct store_list_node *nd)
{
	if (l->compress == 0)
		return;
	if (old != NULL)
		ql_compress(l, old);
	ql_compress(l, nd);
}

/* A new node beside the end @p old (after it, or at the head when @p at
 * is NULL), then __quicklistInsertNode()'s compression. */
static int push_new_node(struct store_list *l, struct store_list_node *at,
			 struct store_list_node *old, const void *p, size_t n, bool plain)
{
	struct store_list_node *nd = store_ql_new_node_after(l, at, p, n, plain);
	if (nd == NULL)
		return -ENOMEM;
	store_ql_inserted(l, old, nd);
	return 0;
}

/* quicklistPushHead/Tail(): into the end node while it allows, else a new
 * node (a plain one for a large element, ql_is_large()). The ends are
 * never compressed. */
int store_list_push(struct store_list *l, bool head, const void *p, size_t n)
{
	struct store_list_node *nd = head ? l->head : l->tail;
	if (!ql_node_allows(l, nd, n))
		return push_new_node(l, head ? NULL : l->tail, nd, p, n, ql_is_large(n));
	return store_ql_node_put(l, nd, head ? 0 : nd->used, p, n) != NULL ? 0 : -ENOMEM;
}

/* quicklistAppendListpack() / quicklistAppendPlainNode(): the compression
 * step comes when the node is linked, before its other elements arrive
 * (it is the tail: in depth, never compressed, whatever it holds). */
int store_list_append_raw(struct store_list *l, bool new_node, bool plain, const void *p, size_t n)
{
	if (new_node || plain || l->tail == NULL || l->tail->plain)
		return push_new_node(l, l->tail, l->tail, p, n, plain);
	return store_ql_node_put(l, l->tail, l->tail->used, p, n) != NULL ? 0 : -ENOMEM;
}

bool store_list_peek(const struct store_list *l, bool head, const uint8_t **p, size_t *n)
{
	if (l->len == 0)
		return false;
	if (head) {
		store_ql_entry_read(l->head->data, p, n);
	} else {
		const struct store_list_node *nd = l->tail;
		store_ql_entry_read(nd->data + nd->used - store_ql_entry_back(nd->data + nd->used),
				    p, n);
	}
	return true;
}

/* quicklistDelIndex() at an end: the entry goes, an emptied node too. */
void store_list_pop(struct store_list *l, bool head)
{
	struct store_list_node *nd = head ? l->head : l->tail;
	if (nd == NULL)
		return;
	const uint8_t *p;
	size_t n;
	uint32_t off = head ? 0 : nd->used - (uint32_t)store_ql_entry_back(nd->data + nd->used);
	uint32_t sz = (uint32_t)store_ql_entry_read(nd->data + off, &p, &n);
	store_ql_node_cut(l, nd, off, 1, sz, elem_lp_bytes(nd, p, n));
}

/* ---- nodes, for the RDB writer ---- */

const struct store_list_node *store_list_node_first(const struct store_list *l)
{
	return l->head;
}

const struct store_list_node *store_list_node_next(const struct store_list_node *nd)
{
	return nd->next;
}

uint32_t store_list_node_len(const struct store_list_node *nd)
{
	return nd->count;
}

bool store_list_node_plain(const struct store_list_node *nd)
{
	return nd->plain;
}

uint32_t store_list_node_lp_bytes(const struct store_list_node *nd)
{
	return nd->lp_bytes;
}

bool store_list_node_lzf(const struct store_list_node *nd, const uint8_t **blob, size_t *n)
{
	if (!nd->lzf)
		return false;
	*blob = nd->data;
	*n = nd->used;
	return true;
}

bool store_list_node_elem(const struct store_list_node *nd, uint32_t *off, const uint8_t **p,
			  size_t *n)
{
	if (nd->lzf || *off >= nd->used)
		return false;
	*off += (uint32_t)store_ql_entry_read(nd->data + *off, p, n);
	return true;
}

/* ---- iteration ----
 *
 * quicklistNext()'s compression: a node is decompressed for use when the
 * walk enters it and compressed back (quicklistCompress()) when the walk
 * leaves it or the iterator is released. A compressed node that the walk
 * only reads is read through a view (store_ql_view()) and left as it is:
 * stock compresses the same listpack back to the same bytes. The node the
 * iterator was set on is entered at the first _next() only (a pending
 * iterator released before that gives the node quicklistCompress() with
 * its own state, as quicklistGetIteratorAtIdx() + release do; entering a
 * raw node changes nothing, so that happens at once).
 */

enum { IT_PENDING, IT_RAW, IT_VIEW };

/* Enter the iterator's node. @return false (the walk ends) on ENOMEM. */
static bool iter_enter(struct store_list_iter *it)
{
	struct store_list_node *nd = it->node;
	it->state = IT_RAW;
	if (nd->lzf) {
		const uint8_t *v = store_ql_view(nd, &it->used);
		if (v != NULL) {
			it->data = v;
			it->state = IT_VIEW;
			return true;
		}
		if (ql_use(it->l, nd) != 0) {
			it->node = NULL;
			return false;
		}
	}
	it->data = nd->data;
	it->used = nd->used;
	return true;
}

/* Leave the current node (quicklistCompress()): nothing for a view. */
static void iter_leave(struct store_list_iter *it)
{
	if (it->node != NULL && it->state != IT_VIEW)
		ql_compress(it->l, it->node);
}

void store_list_iter_init(struct store_list *l, uint64_t idx, bool rev, struct store_list_iter *it)
{
	*it = (struct store_list_iter){.l = l, .rev = rev, .state = IT_PENDING};
	if (idx >= l->len)
		return;
	uint32_t k;
	struct store_list_node *nd = store_ql_find(l, idx, &k);
	it->node = nd;
	if (nd->lzf) {
		it->off = rev ? k + 1 : k; /* pending: an entry index */
		return;
	}
	/* entering a raw node changes nothing: at once */
	it->state = IT_RAW;
	it->data = nd->data;
	it->used = nd->used;
	it->off = store_ql_offset(nd->data, rev ? k + 1 : k);
}

bool store_list_iter_next(struct store_list_iter *it, const uint8_t **p, size_t *n)
{
	while (it->node != NULL) {
		/* (pending: used is 0, this fails) */
		if (!it->rev && it->off < it->used) {
			it->last_off = it->off;
			it->off += (uint32_t)store_ql_entry_read(it->data + it->off, p, n);
			return true;
		}
		if (it->state == IT_PENDING) {
			if (!iter_enter(it))
				return false;
			it->off = store_ql_offset(it->data, it->off);
			continue;
		}
		if (it->rev && it->off > 0) {
			it->off -= (uint32_t)store_ql_entry_back(it->data + it->off);
			it->last_off = it->off;
			store_ql_entry_read(it->data + it->off, p, n);
			return true;
		}
		iter_leave(it);
		it->node = it->rev ? it->node->prev : it->node->next;
		if (it->node != NULL && !iter_enter(it))
			return false;
		it->off = it->rev && it->node != NULL ? it->used : 0;
	}
	return false;
}

/* quicklistDelEntry() (LREM): no merge, an emptied node goes; the walk
 * enters the next node at its next _next(). */
void store_list_iter_del(struct store_list_iter *it)
{
	struct store_list_node *nd = it->node, *prev = nd->prev, *next = nd->next;
	if (it->state == IT_VIEW) { /* now it is decompressed for use */
		if (ql_use(it->l, nd) != 0)
			return; /* ENOMEM: the element stays */
		it->state = IT_RAW;
	}
	uint32_t k = 1, lp;
	uint32_t sz = store_ql_entries_span(nd, it->last_off, &k, &lp);
	nd = store_ql_node_cut(it->l, nd, it->last_off, 1, sz, lp);
	if (nd == NULL) {
		it->node = it->rev ? prev : next;
		it->state = IT_PENDING;
		it->used = 0;
		it->off = it->rev && prev != NULL ? prev->count : 0;
	} else {
		it->data = nd->data;
		it->used = nd->used;
		it->off = it->last_off; /* fwd: the next entry moved here; rev: ends here */
	}
}

void store_list_iter_release(struct store_list_iter *it)
{
	iter_leave(it);
	it->node = NULL;
}

/* ---- collection operations ---- */

static void list_free(struct store_obj *o)
{
	struct store_list *l = o->v.coll;
	store_list_destroy(&l);
	o->v.coll = NULL;
}

static uint64_t list_bytes(const struct store_obj *o)
{
	return store_list_bytes(o->v.coll);
}

const struct store_coll_ops store_list_ops = {.free = list_free, .bytes = list_bytes};
