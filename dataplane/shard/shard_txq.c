/* The per-shard intent queue (see shard_txq.h). */
#include "shard_txq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TXQ_TAB_MIN 64

uint64_t shard_key_hash(uint32_t db, const void *key, size_t klen)
{
	/* FNV-1a over the db and the key bytes, then a finalizer so the low
	 * bits (the table index) depend on every byte. */
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < 4; i++) {
		h ^= (db >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	const uint8_t *p = key;
	for (size_t i = 0; i < klen; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h != 0 ? h : 1;
}

int shard_txq_init(struct shard_txq *q, shard_txq_grant_fn *grant, void *arg)
{
	memset(q, 0, sizeof(*q));
	q->tab = calloc(TXQ_TAB_MIN, sizeof(*q->tab));
	if (q->tab == NULL)
		return -ENOMEM;
	q->tab_cap = TXQ_TAB_MIN;
	q->grant = grant;
	q->grant_arg = arg;
	return 0;
}

static void entry_free(struct shard_txq_entry *e)
{
	free(e->keys);
	free(e);
}

void shard_txq_fini(struct shard_txq *q)
{
	while (q->free != NULL) {
		struct shard_txq_entry *e = q->free;
		q->free = e->next;
		entry_free(e);
	}
	while (q->head != NULL) {
		struct shard_txq_entry *e = q->head;
		q->head = e->next;
		entry_free(e);
	}
	free(q->tab);
	memset(q, 0, sizeof(*q));
}

struct shard_txq_entry *shard_txq_entry_get(struct shard_txq *q)
{
	struct shard_txq_entry *e = q->free;
	if (e != NULL) {
		q->free = e->next;
	} else {
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			return NULL;
	}
	uint64_t *keys = e->keys;
	uint32_t cap = e->cap;
	memset(e, 0, sizeof(*e));
	e->keys = keys;
	e->cap = cap;
	return e;
}

void shard_txq_entry_put(struct shard_txq *q, struct shard_txq_entry *e)
{
	if (e == NULL)
		return;
	if (e->cap > 1024) { /* a huge transaction does not pin its array */
		free(e->keys);
		e->keys = NULL;
		e->cap = 0;
	}
	e->next = q->free;
	q->free = e;
}

int shard_txq_entry_key(struct shard_txq_entry *e, uint64_t h)
{
	if (e->nkeys == e->cap) {
		uint32_t cap = e->cap ? e->cap * 2 : 8;
		uint64_t *k = realloc(e->keys, sizeof(*k) * cap);
		if (k == NULL)
			return -ENOMEM;
		e->keys = k;
		e->cap = cap;
	}
	e->keys[e->nkeys++] = h;
	return 0;
}

/* ---- key counts: open addressing, linear probing ----
 * A slot whose count drops to 0 keeps its hash (a tombstone the same hash
 * can reuse); the table is wiped when the queue empties and rebuilt when
 * tombstones crowd it. */

static struct shard_txq_slot *slot_find(const struct shard_txq *q, uint64_t h)
{
	uint32_t mask = q->tab_cap - 1;
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		struct shard_txq_slot *s = &q->tab[i];
		if (s->h == h || s->h == 0)
			return s;
	}
}

static int tab_rebuild(struct shard_txq *q, uint32_t cap)
{
	struct shard_txq_slot *old = q->tab;
	uint32_t old_cap = q->tab_cap;
	struct shard_txq_slot *t = calloc(cap, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	q->tab = t;
	q->tab_cap = cap;
	q->tab_used = 0;
	for (uint32_t i = 0; i < old_cap; i++)
		if (old[i].h != 0 && old[i].n != 0) {
			struct shard_txq_slot *s = slot_find(q, old[i].h);
			*s = old[i];
			q->tab_used++;
		}
	free(old);
	return 0;
}

static int count_add(struct shard_txq *q, uint64_t h)
{
	if ((q->tab_used + 1) * 4 > q->tab_cap * 3) {
		uint32_t live = 0;
		for (uint32_t i = 0; i < q->tab_cap; i++)
			live += q->tab[i].n != 0;
		uint32_t cap = q->tab_cap;
		while ((live + 1) * 2 > cap)
			cap *= 2;
		if (tab_rebuild(q, cap) != 0)
			return -ENOMEM;
	}
	struct shard_txq_slot *s = slot_find(q, h);
	if (s->h == 0) {
		s->h = h;
		q->tab_used++;
	}
	s->n++;
	return 0;
}

static void count_del(struct shard_txq *q, uint64_t h, bool held)
{
	struct shard_txq_slot *s = slot_find(q, h);
	if (s->h == h && s->n > 0)
		s->n--;
	if (held && s->h == h && s->held > 0)
		s->held--;
}

/* @p e holds its keys against blocked clients from now on (its keys are
 * counted already, so their slots exist). */
static void hold(struct shard_txq *q, struct shard_txq_entry *e)
{
	if (e->holding)
		return;
	e->holding = true;
	q->n_held++;
	q->n_held_all += e->all;
	for (uint32_t i = 0; i < e->nkeys; i++)
		slot_find(q, e->keys[i])->held++;
}

bool shard_txq_busy(const struct shard_txq *q, const uint64_t *h, uint32_t n, bool all)
{
	if (q->n == 0)
		return false;
	if (q->n_all > 0 || all)
		return true;
	for (uint32_t i = 0; i < n; i++) {
		const struct shard_txq_slot *s = slot_find(q, h[i]);
		if (s->h == h[i] && s->n > 0)
			return true;
	}
	return false;
}

bool shard_txq_held(const struct shard_txq *q, const uint64_t *h, uint32_t n, bool all)
{
	if (q->n_held == 0)
		return false;
	if (q->n_held_all > 0 || all)
		return true;
	for (uint32_t i = 0; i < n; i++) {
		const struct shard_txq_slot *s = slot_find(q, h[i]);
		if (s->h == h[i] && s->held > 0)
			return true;
	}
	return false;
}

/* Count @p e's keys. @return 0 or -ENOMEM (nothing counted). */
static int count_keys(struct shard_txq *q, const struct shard_txq_entry *e)
{
	for (uint32_t i = 0; i < e->nkeys; i++)
		if (count_add(q, e->keys[i]) != 0) {
			while (i-- > 0)
				count_del(q, e->keys[i], false);
			return -ENOMEM;
		}
	return 0;
}

/* Link @p e (its keys counted) before @p pos, NULL: at the tail; granted
 * unless @p busy. @return 1 if granted, 0 if it waits. */
/* Put @p e in the list before @p pos, NULL: at the tail. */
static void list_in(struct shard_txq *q, struct shard_txq_entry *e, struct shard_txq_entry *pos)
{
	e->next = pos;
	e->prev = pos != NULL ? pos->prev : q->tail;
	if (e->prev != NULL)
		e->prev->next = e;
	else
		q->head = e;
	if (pos != NULL)
		pos->prev = e;
	else
		q->tail = e;
}

static void list_out(struct shard_txq *q, struct shard_txq_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		q->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		q->tail = e->prev;
	e->next = e->prev = NULL;
}

/* Link @p e (its keys counted) before @p pos, NULL: at the tail; granted
 * unless @p busy. @return 1 if granted, 0 if it waits. */
static int link_before(struct shard_txq *q, struct shard_txq_entry *e, struct shard_txq_entry *pos,
		       bool busy)
{
	list_in(q, e, pos);
	q->n++;
	q->n_all += e->all;
	e->queued = true;
	e->granted = !busy;
	e->holding = false;
	if (e->fence || (e->granted && e->txid != 0))
		hold(q, e);
	if (busy)
		q->waited_total++;
	else
		q->granted_total++;
	return busy ? 0 : 1;
}

int shard_txq_add(struct shard_txq *q, struct shard_txq_entry *e)
{
	bool busy = shard_txq_busy(q, e->keys, e->nkeys, e->all);
	if (count_keys(q, e) != 0)
		return -ENOMEM;
	return link_before(q, e, NULL, busy);
}

/* A fresh mark for the slots' seen (regrant, shard_txq_add_fence). */
static uint32_t mark_gen(struct shard_txq *q)
{
	if (++q->seen_gen == 0) {
		for (uint32_t i = 0; i < q->tab_cap; i++)
			q->tab[i].seen = 0;
		q->seen_gen = 1;
	}
	return q->seen_gen;
}

/* Mark the keys of @p e (counted: their slots exist) with @p gen. */
static void mark(struct shard_txq *q, const struct shard_txq_entry *e, uint32_t gen)
{
	for (uint32_t i = 0; i < e->nkeys; i++)
		slot_find(q, e->keys[i])->seen = gen;
}

static bool marked(const struct shard_txq *q, const struct shard_txq_entry *e, uint32_t gen)
{
	for (uint32_t i = 0; i < e->nkeys; i++)
		if (slot_find(q, e->keys[i])->seen == gen)
			return true;
	return false;
}

/*
 * The place of fence @p e (keys counted, not in the list), at @p from or
 * further back. The entries from there on that would wait for it are
 * those sharing a key with it, or with one of them ahead ("all" shares
 * every key): one walk, their keys marked as found. It may go ahead of the
 * commands, first LOCKs and reservations among them (they hold nothing
 * elsewhere), not ahead of a granted one (granted means nothing ahead
 * conflicts), a firm one, or one of its owner (its client's attempt in
 * flight, whose end alone ends the fence): behind the last of those. The entries that
 * then wait for it are found by the same walk from that point, among fewer
 * candidates: a subset, so none is granted or firm.
 */
static struct shard_txq_entry *fence_place(struct shard_txq *q, const struct shard_txq_entry *e,
					   struct shard_txq_entry *from)
{
	uint32_t gen = mark_gen(q);
	mark(q, e, gen);
	bool all = e->all;
	struct shard_txq_entry *pos = from;
	for (struct shard_txq_entry *x = from; x != NULL; x = x->next) {
		if (!all && !x->all && !marked(q, x, gen))
			continue;
		if (x->granted || x->firm || (e->owner != 0 && x->owner == e->owner))
			pos = x->next;
		all |= x->all;
		mark(q, x, gen);
	}
	return pos;
}

/* Does an entry ahead of @p pos share a key with @p e (not in the list)? */
static bool conflicts_ahead(struct shard_txq *q, const struct shard_txq_entry *e,
			    const struct shard_txq_entry *pos)
{
	uint32_t gen = mark_gen(q);
	mark(q, e, gen);
	for (const struct shard_txq_entry *x = q->head; x != pos; x = x->next)
		if (e->all || x->all || marked(q, x, gen))
			return true;
	return false;
}

int shard_txq_add_fence(struct shard_txq *q, struct shard_txq_entry *e)
{
	e->fence = true;
	if (!q->gap_open || q->gap == NULL)
		return shard_txq_add(q, e);
	if (count_keys(q, e) != 0)
		return -ENOMEM;
	struct shard_txq_entry *pos = fence_place(q, e, q->gap);
	return link_before(q, e, pos, conflicts_ahead(q, e, pos));
}

void shard_txq_fence_behind(struct shard_txq *q, struct shard_txq_entry *f,
			    struct shard_txq_entry *x)
{
	if (!f->queued || !x->queued || f == x)
		return;
	if (q->gap == f)
		q->gap = f->next;
	list_out(q, f);
	struct shard_txq_entry *pos = fence_place(q, f, x->next);
	list_in(q, f, pos);
	f->granted = !conflicts_ahead(q, f, pos);
}

/* Grant, in queue order, every waiting entry that no entry ahead of it
 * conflicts with. Keys of entries already passed are marked with this
 * scan's generation. */
static void regrant(struct shard_txq *q)
{
	uint32_t gen = mark_gen(q);
	bool any_ahead = false, all_ahead = false;
	for (struct shard_txq_entry *e = q->head; e != NULL; e = e->next) {
		if (!e->granted) {
			bool conflict = all_ahead || (e->all && any_ahead);
			for (uint32_t i = 0; i < e->nkeys && !conflict; i++)
				conflict = slot_find(q, e->keys[i])->seen == gen;
			if (!conflict) {
				e->granted = true;
				q->granted_total++;
				if (e->txid != 0)
					hold(q, e);
				e->ready_next = NULL;
				if (q->ready_tail != NULL)
					q->ready_tail->ready_next = e;
				else
					q->ready = e;
				q->ready_tail = e;
			}
		}
		any_ahead = true;
		all_ahead |= e->all;
		mark(q, e, gen);
	}
}

void shard_txq_unlink(struct shard_txq *q, struct shard_txq_entry *e)
{
	if (!e->queued)
		return;
	if (!q->gap_open) { /* its place, for a fence until shard_txq_grant */
		q->gap_open = true;
		q->gap = e->next;
	} else if (q->gap == e) {
		q->gap = e->next;
	}
	list_out(q, e);
	e->queued = false;
	q->n--;
	q->n_all -= e->all;
	if (e->holding) {
		q->n_held--;
		q->n_held_all -= e->all;
	}
	for (uint32_t i = 0; i < e->nkeys; i++)
		count_del(q, e->keys[i], e->holding);
	e->holding = false;
	if (q->n == 0) {
		memset(q->tab, 0, sizeof(*q->tab) * q->tab_cap);
		q->tab_used = 0;
	}
}

void shard_txq_grant(struct shard_txq *q)
{
	q->gap_open = false;
	q->gap = NULL;
	if (q->n == 0)
		return;
	regrant(q);
	/* Callbacks run here, not inside the scan, and one level deep only: a
	 * callback that removes an entry (a waiting command that ran) only adds
	 * to the ready list this loop is draining. */
	if (q->draining)
		return;
	q->draining = true;
	while (q->ready != NULL) {
		struct shard_txq_entry *r = q->ready;
		q->ready = r->ready_next;
		if (q->ready == NULL)
			q->ready_tail = NULL;
		r->ready_next = NULL;
		if (q->grant != NULL)
			q->grant(q->grant_arg, r);
	}
	q->draining = false;
}

void shard_txq_remove(struct shard_txq *q, struct shard_txq_entry *e)
{
	if (!e->queued)
		return;
	shard_txq_unlink(q, e);
	shard_txq_grant(q);
}

struct shard_txq_entry *shard_txq_find(const struct shard_txq *q, uint64_t txid)
{
	for (struct shard_txq_entry *e = q->head; e != NULL; e = e->next)
		if (e->txid == txid)
			return e;
	return NULL;
}
