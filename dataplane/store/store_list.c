/*
 * List values: the quicklist (see store_list.h for the layout).
 *
 * Invariants: no node is empty; l->len is the sum of the nodes' counts;
 * l->bytes is sizeof(struct store_list) plus, per node, its header and its
 * allocated capacity. A node grows its buffer geometrically up to its bound
 * (so a push is amortised O(1)); a full node is never grown past the bound
 * except by a lone element larger than it.
 *
 * Context: the owning worker lcore.
 */
#include "store_list.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LIST_SIZE_SAFETY 8192u /* Redis's SIZE_SAFETY_LIMIT for count-bounded nodes */

struct store_list_node {
	struct store_list_node *prev, *next;
	uint32_t count; /* entries */
	uint32_t used;	/* bytes of entries */
	uint32_t cap;	/* bytes allocated for data */
	uint32_t pad;
	uint8_t data[];
};

struct store_list {
	struct store_list_node *head, *tail;
	uint64_t len;
	uint64_t bytes;
	uint32_t nodes;
	int32_t fill;
	int32_t compress;
};

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

static size_t entry_size(size_t n)
{
	size_t body = varint_len(n) + n;
	return body + varint_len(body);
}

static void entry_write(uint8_t *d, const void *p, size_t n)
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

/* Decode the entry at @p d. @return its total size. */
static size_t entry_read(const uint8_t *d, const uint8_t **p, size_t *n)
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

/* The size of the entry that ends just before @p end. */
static size_t entry_size_back(const uint8_t *end)
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

/* ---- nodes ---- */

/* The byte bound of a node (list-max-listpack-size). */
static size_t node_max_bytes(const struct store_list *l)
{
	static const size_t sizes[] = {4096, 8192, 16384, 32768, 65536};
	if (l->fill >= 0)
		return LIST_SIZE_SAFETY;
	int32_t i = -l->fill - 1;
	return sizes[i < 5 ? i : 4];
}

/* _quicklistNodeAllowInsert(): may @p nd take one more entry of @p sz bytes? */
static bool node_allows(const struct store_list *l, const struct store_list_node *nd, size_t sz)
{
	if (nd == NULL)
		return false;
	if (l->fill > 0 && nd->count >= (uint32_t)l->fill)
		return false;
	if (l->fill == 0 && nd->count >= 1)
		return false;
	return nd->used + sz <= node_max_bytes(l);
}

static struct store_list_node *node_new(struct store_list *l, size_t cap)
{
	struct store_list_node *nd = malloc(sizeof(*nd) + cap);
	if (nd == NULL)
		return NULL;
	memset(nd, 0, sizeof(*nd));
	nd->cap = (uint32_t)cap;
	l->bytes += sizeof(*nd) + cap;
	l->nodes++;
	return nd;
}

/* Link @p nd after @p at (NULL: at the head). */
static void node_link_after(struct store_list *l, struct store_list_node *at,
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
}

static void node_free(struct store_list *l, struct store_list_node *nd)
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
	free(nd);
}

/* Give @p nd @p cap bytes of data; the node may move (its neighbours are
 * repointed). @return the node, or NULL (unchanged) on ENOMEM. */
static struct store_list_node *node_realloc(struct store_list *l, struct store_list_node *nd,
					    size_t cap)
{
	struct store_list_node *n = realloc(nd, sizeof(*n) + cap);
	if (n == NULL)
		return NULL;
	l->bytes += cap - n->cap;
	n->cap = (uint32_t)cap;
	if (n->prev != NULL)
		n->prev->next = n;
	else
		l->head = n;
	if (n->next != NULL)
		n->next->prev = n;
	else
		l->tail = n;
	return n;
}

/* Make room for @p need bytes of data; the node may move. */
static struct store_list_node *node_reserve(struct store_list *l, struct store_list_node *nd,
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

/* Write an entry at @p off of @p nd (room reserved). */
static struct store_list_node *node_put(struct store_list *l, struct store_list_node *nd,
					uint32_t off, const void *p, size_t n)
{
	size_t sz = entry_size(n);
	nd = node_reserve(l, nd, nd->used + sz);
	if (nd == NULL)
		return NULL;
	memmove(nd->data + off + sz, nd->data + off, nd->used - off);
	entry_write(nd->data + off, p, n);
	nd->used += (uint32_t)sz;
	nd->count++;
	l->len++;
	return nd;
}

/* Remove @p k entries spanning @p span bytes at @p off; frees an emptied
 * node and gives back room a node no longer uses (below a quarter of it,
 * so pops and pushes at one end do not resize it back and forth).
 * @return the node (it may have moved), or NULL if it was freed. */
static struct store_list_node *node_cut(struct store_list *l, struct store_list_node *nd,
					uint32_t off, uint32_t k, size_t span)
{
	memmove(nd->data + off, nd->data + off + span, nd->used - off - span);
	nd->used -= (uint32_t)span;
	nd->count -= k;
	l->len -= k;
	if (nd->count == 0) {
		node_free(l, nd);
		return NULL;
	}
	if (nd->cap > 256 && nd->used < nd->cap / 4) {
		struct store_list_node *n = node_realloc(l, nd, (size_t)nd->used * 2);
		if (n != NULL)
			nd = n;
	}
	return nd;
}

/* Find entry @p idx (< len): its node and offset. */
static struct store_list_node *locate(const struct store_list *l, uint64_t idx, uint32_t *off)
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
	uint32_t o = 0;
	for (uint64_t i = base; i < idx; i++) {
		const uint8_t *p;
		size_t n;
		o += (uint32_t)entry_read(nd->data + o, &p, &n);
	}
	*off = o;
	return nd;
}

/* ---- the list ---- */

struct store_list *store_list_create(int32_t fill, int32_t compress)
{
	struct store_list *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->fill = fill;
	l->compress = compress;
	l->bytes = sizeof(*l);
	return l;
}

void store_list_destroy(struct store_list **lp)
{
	if (lp == NULL || *lp == NULL)
		return;
	struct store_list *l = *lp;
	while (l->head != NULL)
		node_free(l, l->head);
	free(l);
	*lp = NULL;
}

bool store_list_free_step(struct store_list **lp, uint32_t *budget)
{
	struct store_list *l = *lp;
	for (; l->head != NULL && *budget > 0; (*budget)--)
		node_free(l, l->head);
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

/* A new node holding just this element, linked after @p at. */
static int push_new_node(struct store_list *l, struct store_list_node *at, const void *p, size_t n)
{
	size_t sz = entry_size(n);
	struct store_list_node *nd = node_new(l, sz < 64 ? 64 : sz);
	if (nd == NULL)
		return -ENOMEM;
	node_link_after(l, at, nd);
	node_put(l, nd, 0, p, n); /* room reserved: cannot fail */
	return 0;
}

int store_list_push(struct store_list *l, bool head, const void *p, size_t n)
{
	size_t sz = entry_size(n);
	struct store_list_node *nd = head ? l->head : l->tail;
	if (!node_allows(l, nd, sz))
		return push_new_node(l, head ? NULL : l->tail, p, n);
	return node_put(l, nd, head ? 0 : nd->used, p, n) != NULL ? 0 : -ENOMEM;
}

bool store_list_peek(const struct store_list *l, bool head, const uint8_t **p, size_t *n)
{
	if (l->len == 0)
		return false;
	if (head) {
		entry_read(l->head->data, p, n);
	} else {
		const struct store_list_node *nd = l->tail;
		entry_read(nd->data + nd->used - entry_size_back(nd->data + nd->used), p, n);
	}
	return true;
}

void store_list_pop(struct store_list *l, bool head)
{
	struct store_list_node *nd = head ? l->head : l->tail;
	if (nd == NULL)
		return;
	const uint8_t *p;
	size_t n;
	if (head) {
		node_cut(l, nd, 0, 1, entry_read(nd->data, &p, &n));
	} else {
		size_t sz = entry_size_back(nd->data + nd->used);
		node_cut(l, nd, nd->used - (uint32_t)sz, 1, sz);
	}
}

/* Split @p nd at @p off: the entries from @p off on move to a new node
 * after it. @return the new node, or NULL on ENOMEM. */
static struct store_list_node *node_split(struct store_list *l, struct store_list_node *nd,
					  uint32_t off)
{
	uint32_t k = 0;
	for (uint32_t o = 0; o < off; k++) {
		const uint8_t *p;
		size_t n;
		o += (uint32_t)entry_read(nd->data + o, &p, &n);
	}
	size_t span = nd->used - off;
	struct store_list_node *b = node_new(l, span);
	if (b == NULL)
		return NULL;
	memcpy(b->data, nd->data + off, span);
	b->used = (uint32_t)span;
	b->count = nd->count - k;
	nd->used = off;
	nd->count = k;
	node_link_after(l, nd, b);
	return b;
}

int store_list_insert(struct store_list *l, uint64_t idx, const void *p, size_t n)
{
	if (idx == 0 || idx >= l->len)
		return store_list_push(l, idx == 0, p, n);
	size_t sz = entry_size(n);
	uint32_t off;
	struct store_list_node *nd = locate(l, idx, &off);
	if (node_allows(l, nd, sz))
		return node_put(l, nd, off, p, n) != NULL ? 0 : -ENOMEM;
	/* _quicklistInsert(): at a full node's edge try the neighbour first */
	if (off == 0 && node_allows(l, nd->prev, sz))
		return node_put(l, nd->prev, nd->prev->used, p, n) != NULL ? 0 : -ENOMEM;
	if (off == 0)
		return push_new_node(l, nd->prev, p, n);
	struct store_list_node *b = node_split(l, nd, off);
	if (b == NULL)
		return -ENOMEM;
	if (node_allows(l, nd, sz))
		return node_put(l, nd, nd->used, p, n) != NULL ? 0 : -ENOMEM;
	if (node_allows(l, b, sz))
		return node_put(l, b, 0, p, n) != NULL ? 0 : -ENOMEM;
	return push_new_node(l, nd, p, n);
}

int store_list_set(struct store_list *l, uint64_t idx, const void *p, size_t n)
{
	uint32_t off;
	struct store_list_node *nd = locate(l, idx, &off);
	const uint8_t *q;
	size_t qn;
	size_t old = entry_read(nd->data + off, &q, &qn);
	if (old == entry_size(n)) {
		entry_write(nd->data + off, p, n);
		return 0;
	}
	/* Make the new element first so a failure leaves the list as it was. */
	int rc = store_list_insert(l, idx, p, n);
	if (rc != 0)
		return rc;
	store_list_del_range(l, idx + 1, 1);
	return 0;
}

void store_list_del_range(struct store_list *l, uint64_t idx, uint64_t count)
{
	if (idx >= l->len || count == 0)
		return;
	uint32_t off;
	struct store_list_node *nd = locate(l, idx, &off);
	while (count > 0 && nd != NULL) {
		struct store_list_node *next = nd->next;
		if (off == 0 && nd->count <= count) {
			count -= nd->count;
			l->len -= nd->count;
			node_free(l, nd);
		} else {
			uint32_t k = 0, span = 0;
			while (off + span < nd->used && k < count) {
				const uint8_t *p;
				size_t n;
				span += (uint32_t)entry_read(nd->data + off + span, &p, &n);
				k++;
			}
			node_cut(l, nd, off, k, span);
			count -= k;
		}
		nd = next;
		off = 0;
	}
}

/* ---- iteration ---- */

void store_list_iter_init(struct store_list *l, uint64_t idx, bool rev, struct store_list_iter *it)
{
	*it = (struct store_list_iter){.l = l, .rev = rev};
	if (idx >= l->len)
		return;
	uint32_t off;
	it->node = locate(l, idx, &off);
	if (rev) {
		const uint8_t *p;
		size_t n;
		off += (uint32_t)entry_read(it->node->data + off, &p, &n);
	}
	it->off = off;
}

bool store_list_iter_next(struct store_list_iter *it, const uint8_t **p, size_t *n)
{
	while (it->node != NULL) {
		struct store_list_node *nd = it->node;
		if (!it->rev && it->off < nd->used) {
			it->last = nd;
			it->last_off = it->off;
			it->off += (uint32_t)entry_read(nd->data + it->off, p, n);
			return true;
		}
		if (it->rev && it->off > 0) {
			it->off -= (uint32_t)entry_size_back(nd->data + it->off);
			it->last = nd;
			it->last_off = it->off;
			entry_read(nd->data + it->off, p, n);
			return true;
		}
		it->node = it->rev ? nd->prev : nd->next;
		it->off = it->rev && it->node != NULL ? it->node->used : 0;
	}
	return false;
}

void store_list_iter_del(struct store_list_iter *it)
{
	struct store_list_node *nd = it->last, *prev = nd->prev, *next = nd->next;
	const uint8_t *p;
	size_t n;
	size_t sz = entry_read(nd->data + it->last_off, &p, &n);
	nd = node_cut(it->l, nd, it->last_off, 1, sz);
	if (nd == NULL) {
		it->node = it->rev ? prev : next;
		it->off = it->rev && prev != NULL ? prev->used : 0;
	} else {
		it->node = nd;
		it->off = it->last_off; /* fwd: the next entry moved here; rev: ends here */
	}
	it->last = NULL;
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
