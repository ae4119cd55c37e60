/*
 * Point-in-time snapshots without fork: the shard's side (see store.h,
 * "point-in-time snapshots", and dataplane/snapshot/SNAPSHOT.md).
 *
 * The walk visits each DB's buckets in SCAN's reverse-binary order, so a
 * key present for the whole walk is met at least once even while the table
 * grows, shrinks or rehashes (store_scan.c). Meeting it twice is harmless:
 * the first meeting marks it (version = cut + 1). A key that is not present
 * for the whole walk was deleted, or changed, after the cut, and
 * store_snap_touch() handed it over before that happened. So when the walk
 * completes, every key of the cut was handed over exactly once.
 *
 * Context: the owning worker lcore.
 */
#include "store_int.h"

void store_snap_save(struct store_shard *s, uint32_t db, struct store_entry *e)
{
	e->version = s->snap.cut + 1;
	s->snap.fn(s->snap.arg, db, e->key, e->klen, &e->val, e->expire_at_ms);
}

void store_snap_begin(struct store_shard *s, store_snap_fn *fn, void *arg)
{
	s->snap.cut = s->stats.version;
	s->stats.version++; /* cut + 1 is the "handed over" mark: no write gets it */
	s->snap.fn = fn;
	s->snap.arg = arg;
	s->snap.db = 0;
	s->snap.cursor = 0;
	s->snap_on = true;
}

/* Hand over the pending keys of one chain. @return how many. */
static uint32_t walk_chain(struct store_shard *s, uint32_t db, struct store_entry *e)
{
	uint32_t n = 0;
	for (; e != NULL; e = e->next)
		if (store_snap_pending(s, e)) {
			store_snap_save(s, db, e);
			n++;
		}
	return n;
}

/* One cursor step of DB @p db, as store_db_scan(). @return the next cursor (0: done). */
static uint64_t walk_bucket(struct store_shard *s, uint32_t db, uint64_t cursor, uint32_t *keys,
			    uint32_t *buckets)
{
	struct store_db *d = store_db_of(s, db);
	const struct store_ht *small = &d->ht[0], *large = &d->ht[1];
	if (small->size == 0)
		return 0;
	if (d->rehash_idx < 0) {
		uint64_t m0 = small->size - 1;
		*keys += walk_chain(s, db, small->buckets[cursor & m0]);
		(*buckets)++;
		return store_scan_next_cursor(cursor, m0);
	}
	if (small->size > large->size) {
		const struct store_ht *t = small;
		small = large;
		large = t;
	}
	uint64_t m0 = small->size - 1, m1 = large->size - 1;
	*keys += walk_chain(s, db, small->buckets[cursor & m0]);
	(*buckets)++;
	do {
		*keys += walk_chain(s, db, large->buckets[cursor & m1]);
		(*buckets)++;
		cursor = store_scan_next_cursor(cursor, m1);
	} while (cursor & (m0 ^ m1));
	return cursor;
}

bool store_snap_step(struct store_shard *s, uint32_t max_keys, uint32_t max_buckets)
{
	uint32_t keys = 0, buckets = 0;
	if (!s->snap_on)
		return true;
	while (s->snap.db < s->databases) {
		if (keys >= max_keys || buckets >= max_buckets)
			return false;
		s->snap.cursor = walk_bucket(s, s->snap.db, s->snap.cursor, &keys, &buckets);
		if (s->snap.cursor == 0)
			s->snap.db++;
	}
	return true;
}

void store_snap_end(struct store_shard *s)
{
	s->snap_on = false;
	s->snap.fn = NULL;
	s->snap.arg = NULL;
}

bool store_snap_active(const struct store_shard *s)
{
	return s->snap_on;
}
