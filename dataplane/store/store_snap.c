/*
 * Point-in-time snapshots without fork: the shard's side (see store.h,
 * "point-in-time snapshots", and dataplane/snapshot/SNAPSHOT.md).
 *
 * The walk visits each DB's buckets in SCAN's reverse-binary order, so a
 * key present for the whole walk is met at least once even while the table
 * grows, shrinks or rehashes (store_scan.c). Meeting it twice is harmless:
 * the first meeting marks it (gen = the snapshot's). A key that is not
 * present for the whole walk was deleted, or changed, after the cut, and
 * store_snap_touch() handed it over before that happened. So when the walk
 * completes, every key of the cut was handed over exactly once.
 *
 * WHY 8 BITS OF GENERATION ARE ENOUGH
 *
 * begin moves the shard's generation G to G + 1 (mod 256); a key is the
 * snapshot's while its gen differs from G. Keys created or changed get G,
 * keys handed over get G. So a completed walk leaves every key at G (kept
 * as clean_gen), and after k snapshots abandoned since (a failed BGSAVE,
 * shutdown), keys hold clean_gen or one of the k generations after it. The
 * next G differs from all of them unless it wraps around to clean_gen,
 * after 255 abandoned walks in a row: then begin first gives every key the
 * current G (one pass over the keyspace, the price of 255 failed saves),
 * so the new G is again held by no key.
 *
 * Context: the owning worker lcore.
 */
#include "store_int.h"

void store_snap_save(struct store_shard *s, uint32_t db, struct store_entry *e)
{
	e->gen = s->snap.gen;
	s->snap.fn(s->snap.arg, db, e->key, e->klen, &e->val, e->expire_at_ms);
}

/* Every key gets generation @p gen (see the top: the wrap guard). */
static void regen_all(struct store_shard *s, uint8_t gen)
{
	for (uint32_t db = 0; db < s->databases; db++)
		for (int t = 0; t <= 1; t++) {
			const struct store_ht *ht = &s->db[db].ht[t];
			for (uint64_t i = 0; i < ht->size; i++)
				for (struct store_entry *e = ht->buckets[i]; e != NULL; e = e->next)
					e->gen = gen;
		}
}

void store_snap_begin(struct store_shard *s, store_snap_fn *fn, void *arg)
{
	uint8_t next = (uint8_t)(s->snap.gen + 1);
	if (next == s->snap.clean_gen) {
		regen_all(s, s->snap.gen);
		s->snap.clean_gen = s->snap.gen;
	}
	s->snap.gen = next;
	s->snap.complete = false;
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
	s->snap.complete = true;
	return true;
}

void store_snap_end(struct store_shard *s)
{
	if (s->snap_on && s->snap.complete)
		s->snap.clean_gen = s->snap.gen; /* every key holds it now */
	s->snap_on = false;
	s->snap.fn = NULL;
	s->snap.arg = NULL;
}

bool store_snap_active(const struct store_shard *s)
{
	return s->snap_on;
}
