/*
 * Walking and emptying a DB: SCAN's cursor iteration and FLUSHDB.
 *
 * Iteration is Redis's dictScan(): the cursor is a bucket index whose bits
 * are incremented from the most significant end ("reverse binary"), so a
 * walk started before the table grew or shrank still visits every bucket
 * that held an element for the whole walk: the buckets of a larger table
 * that expand one smaller bucket share its low bits, and reverse increment
 * visits all of them before moving on. While a rehash is in progress both
 * tables are visited: the small one's bucket, then every bucket of the
 * large one that expands it. An element present for the whole scan is
 * returned at least once (possibly more: callers tolerate duplicates, as
 * Redis's clients do).
 *
 * Context: the owning worker lcore.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static uint64_t rev64(uint64_t v)
{
	v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
	v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
	v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
	v = ((v >> 8) & 0x00ff00ff00ff00ffull) | ((v & 0x00ff00ff00ff00ffull) << 8);
	v = ((v >> 16) & 0x0000ffff0000ffffull) | ((v & 0x0000ffff0000ffffull) << 16);
	return (v >> 32) | (v << 32);
}

/* Set the bits above @p mask and increment the reversed cursor. */
uint64_t store_scan_next_cursor(uint64_t v, uint64_t mask)
{
	v |= ~mask;
	v = rev64(v);
	v++;
	return rev64(v);
}

static void emit_bucket(struct store_entry *e, uint64_t now_ms, store_scan_fn *fn, void *arg)
{
	for (; e != NULL; e = e->next) {
		if (e->expire_at_ms != STORE_NO_EXPIRE && (uint64_t)e->expire_at_ms < now_ms)
			continue; /* expired: never reported (lazy expiry reclaims it) */
		fn(arg, e->key, e->klen, &e->val);
	}
}

uint64_t store_db_scan(struct store_shard *s, uint32_t db, uint64_t cursor, uint64_t now_ms,
		       store_scan_fn *fn, void *arg)
{
	struct store_db *d = store_db_of(s, db);
	const struct store_ht *small = &d->ht[0], *large = &d->ht[1];
	if (small->size == 0)
		return 0;
	if (d->rehash_idx < 0) {
		uint64_t m0 = small->size - 1;
		emit_bucket(small->buckets[cursor & m0], now_ms, fn, arg);
		return store_scan_next_cursor(cursor, m0);
	}
	if (small->size > large->size) {
		const struct store_ht *t = small;
		small = large;
		large = t;
	}
	uint64_t m0 = small->size - 1, m1 = large->size - 1;
	emit_bucket(small->buckets[cursor & m0], now_ms, fn, arg);
	/* every bucket of the large table that expands the small one's */
	do {
		emit_bucket(large->buckets[cursor & m1], now_ms, fn, arg);
		cursor = store_scan_next_cursor(cursor, m1);
	} while (cursor & (m0 ^ m1));
	return cursor;
}

/* A random entry: a random non-empty bucket (of either table while
 * rehashing), then a random element of its chain. */
static struct store_entry *random_entry(struct store_shard *s, struct store_db *d)
{
	if (d->ht[0].used + d->ht[1].used == 0)
		return NULL;
	for (;;) {
		int t = d->rehash_idx >= 0 && (store_rng_next(s) & 1) ? 1 : 0;
		if (d->ht[t].used == 0)
			continue;
		struct store_entry *e = d->ht[t].buckets[store_rng_next(s) & (d->ht[t].size - 1)];
		if (e == NULL)
			continue;
		unsigned n = 0;
		for (struct store_entry *x = e; x != NULL; x = x->next)
			n++;
		for (uint64_t k = store_rng_next(s) % n; k > 0; k--)
			e = e->next;
		return e;
	}
}

const uint8_t *store_db_random_key(struct store_shard *s, uint32_t db, uint64_t now_ms,
				   size_t *klen)
{
	struct store_db *d = store_db_of(s, db);
	for (int tries = 0;; tries++) {
		struct store_entry *e = random_entry(s, d);
		if (e == NULL)
			return NULL;
		*klen = e->klen;
		bool expired =
		    e->expire_at_ms != STORE_NO_EXPIRE && (uint64_t)e->expire_at_ms <= now_ms;
		if (!expired || tries >= 100)
			return e->key;
		/* lazy expiry reclaims it (its key bytes go with it); draw again */
		uint8_t small[64];
		uint8_t *key = e->klen <= sizeof(small) ? small : malloc(e->klen);
		if (key == NULL)
			return e->key;
		memcpy(key, e->key, e->klen);
		store_lookup(s, db, key, *klen, now_ms,
			     STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS);
		if (key != small)
			free(key);
	}
}

uint64_t store_db_flush(struct store_shard *s, uint32_t db)
{
	struct store_db *d = store_db_of(s, db);
	uint64_t n = d->ht[0].used + d->ht[1].used;
	uint64_t bytes = 0;
	for (int t = 0; t <= 1; t++)
		for (uint64_t i = 0; i < d->ht[t].size; i++)
			for (struct store_entry *e = d->ht[t].buckets[i]; e != NULL; e = e->next)
				bytes += store_entry_footprint(e);
	/* a running snapshot gets every key it has not written yet first */
	if (s->snap_on)
		for (int t = 0; t <= 1; t++)
			for (uint64_t i = 0; i < d->ht[t].size; i++)
				for (struct store_entry *e = d->ht[t].buckets[i]; e != NULL;
				     e = e->next)
					store_snap_touch(s, db, e);
	/* TODO(#5): free huge DBs in bounded steps (lazyfree) instead of at once */
	s->stats.used_bytes -= bytes < s->stats.used_bytes ? bytes : s->stats.used_bytes;
	store_ht_fini(d, store_entry_free); /* takes its tables off used_bytes */
	s->stats.used_bytes -= (uint64_t)d->vol_cap * sizeof(*d->vol);
	free(d->vol);
	d->vol = NULL;
	d->vol_n = d->vol_cap = 0;
	s->stats.dirty += n;
	return n;
}

void store_db_swap(struct store_shard *s, uint32_t a, uint32_t b)
{
	if (a >= s->databases || b >= s->databases || a == b)
		return;
	/* tables, rehash position and expires index travel together; the
	 * entries do not know their DB, so nothing else moves */
	struct store_db t = s->db[a];
	s->db[a] = s->db[b];
	s->db[b] = t;
}
