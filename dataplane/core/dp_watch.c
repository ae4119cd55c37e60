/* Watched keys on their owner shard (see dp_watch.h). */
#include "dp_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shard_txq.h"
#include "store.h"

struct dp_watch_ent {
	struct dp_watch_ent *next;
	uint64_t cid;
	uint64_t h;
	uint32_t epoch, db, klen;
	bool dirty;
	uint8_t key[];
};

static int grow(struct dp_watch *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 64;
	struct dp_watch_ent **b = calloc(cap, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->cap; i++)
		while (t->b[i] != NULL) {
			struct dp_watch_ent *e = t->b[i];
			t->b[i] = e->next;
			e->next = b[e->h & (cap - 1)];
			b[e->h & (cap - 1)] = e;
		}
	free(t->b);
	t->b = b;
	t->cap = cap;
	return 0;
}

int dp_watch_add(struct dp_watch *t, struct store_shard *s, uint64_t cid, uint32_t epoch,
		 uint32_t db, const void *key, size_t klen, uint64_t now_ms)
{
	store_lookup(s, db, key, klen, now_ms, STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS);
	if ((t->n + 1 > t->cap) && grow(t) != 0)
		return -ENOMEM;
	uint64_t h = shard_key_hash(db, key, klen);
	for (struct dp_watch_ent *e = t->b[h & (t->cap - 1)]; e != NULL; e = e->next)
		if (e->cid == cid && e->epoch == epoch && e->h == h && e->db == db &&
		    e->klen == klen && memcmp(e->key, key, klen) == 0)
			return 0; /* WATCH twice: Redis keeps one entry */
	struct dp_watch_ent *e = malloc(sizeof(*e) + klen);
	if (e == NULL)
		return -ENOMEM;
	*e = (struct dp_watch_ent){
	    .cid = cid, .h = h, .epoch = epoch, .db = db, .klen = (uint32_t)klen};
	memcpy(e->key, key, klen);
	e->next = t->b[h & (t->cap - 1)];
	t->b[h & (t->cap - 1)] = e;
	t->n++;
	return 0;
}

void dp_watch_store_event(void *arg, uint32_t db, const void *key, size_t klen, const char *event)
{
	struct dp_watch *t = arg;
	(void)event;
	if (t->n == 0)
		return;
	uint64_t h = shard_key_hash(db, key, klen);
	for (struct dp_watch_ent *e = t->b[h & (t->cap - 1)]; e != NULL; e = e->next)
		if (e->h == h && e->db == db && e->klen == klen && memcmp(e->key, key, klen) == 0)
			e->dirty = true;
}

void dp_watch_flush(struct dp_watch *t, struct store_shard *s, uint32_t db, bool all,
		    uint64_t now_ms)
{
	for (uint32_t i = 0; i < t->cap && t->n > 0; i++)
		for (struct dp_watch_ent *e = t->b[i]; e != NULL; e = e->next)
			if ((all || e->db == db) &&
			    store_lookup(s, e->db, e->key, e->klen, now_ms,
					 STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS) != NULL)
				e->dirty = true;
}

void dp_watch_swap(struct dp_watch *t, struct store_shard *s, uint32_t a, uint32_t b,
		   uint64_t now_ms)
{
	const unsigned fl = STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS;
	for (uint32_t i = 0; i < t->cap && t->n > 0; i++)
		for (struct dp_watch_ent *e = t->b[i]; e != NULL; e = e->next)
			if ((e->db == a || e->db == b) &&
			    (store_lookup(s, a, e->key, e->klen, now_ms, fl) != NULL ||
			     store_lookup(s, b, e->key, e->klen, now_ms, fl) != NULL))
				e->dirty = true;
}

/* Unlink the entries of @p cid of @p epoch (every epoch: DP_WATCH_ALL); @p s non-NULL: first expire
 * each lazily (which dirties it through the hook). @return any dirty. */
static bool drop(struct dp_watch *t, struct store_shard *s, uint64_t cid, uint32_t epoch,
		 uint64_t now_ms)
{
	bool dirty = false;
	for (uint32_t i = 0; i < t->cap && t->n > 0; i++) {
		struct dp_watch_ent **link = &t->b[i];
		while (*link != NULL) {
			struct dp_watch_ent *e = *link;
			if (e->cid != cid || (epoch != DP_WATCH_ALL && e->epoch != epoch)) {
				link = &e->next;
				continue;
			}
			if (s != NULL)
				store_lookup(s, e->db, e->key, e->klen, now_ms,
					     STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS);
			dirty |= e->dirty;
			*link = e->next;
			free(e);
			t->n--;
		}
	}
	return dirty;
}

bool dp_watch_check(struct dp_watch *t, struct store_shard *s, uint64_t cid, uint32_t epoch,
		    uint64_t now_ms)
{
	return drop(t, s, cid, epoch, now_ms);
}

void dp_watch_remove(struct dp_watch *t, uint64_t cid, uint32_t epoch)
{
	drop(t, NULL, cid, epoch, 0);
}

void dp_watch_fini(struct dp_watch *t)
{
	for (uint32_t i = 0; i < t->cap; i++)
		while (t->b[i] != NULL) {
			struct dp_watch_ent *e = t->b[i];
			t->b[i] = e->next;
			free(e);
		}
	free(t->b);
	memset(t, 0, sizeof(*t));
}
