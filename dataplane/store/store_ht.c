/*
 * The keyspace hash table: chained buckets, power-of-two sizes, and
 * incremental rehash in the manner of Redis's dict.c.
 *
 * How a resize works. When the table fills (used >= size) a second table
 * of twice the size is allocated and rehash_idx starts at 0. From then on
 * every find/insert first migrates STORE_REHASH_STEP buckets of ht[0] into
 * ht[1] (visiting at most ten times as many empty buckets, so one call is
 * bounded even in a sparse table). While migrating:
 *   - a lookup searches ht[0] and then ht[1];
 *   - an insert goes to ht[1], so ht[0] only shrinks;
 *   - buckets of ht[0] below rehash_idx are empty.
 * When ht[0] is empty, ht[1] becomes ht[0]. Shrinking (after deletes leave
 * the table under 10% full) uses the same machinery, so no operation ever
 * walks the whole table: the worst case per command is one calloc of the
 * new bucket array.
 *
 * Entries cache their hash, so migration never touches key bytes.
 *
 * Context: the shard's owning lcore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define STORE_HT_INITIAL_SIZE	  4
#define STORE_REHASH_STEP	  1
#define STORE_REHASH_EMPTY_VISITS 10

/* ---- SipHash-1-3: keyed, so clients cannot aim keys at one bucket ---- */

static inline uint64_t rotl64(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = rotl64(v1, 13);                                                               \
		v1 ^= v0;                                                                          \
		v0 = rotl64(v0, 32);                                                               \
		v2 += v3;                                                                          \
		v3 = rotl64(v3, 16);                                                               \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = rotl64(v3, 21);                                                               \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = rotl64(v1, 17);                                                               \
		v1 ^= v2;                                                                          \
		v2 = rotl64(v2, 32);                                                               \
	} while (0)

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "SipHash loads assume little endian");

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

uint32_t store_hash(const struct store_shard *s, const void *key, size_t klen)
{
	const uint8_t *in = key;
	uint64_t v0 = 0x736f6d6570736575ULL ^ s->hash_k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ s->hash_k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ s->hash_k0;
	uint64_t v3 = 0x7465646279746573ULL ^ s->hash_k1;
	uint64_t b = (uint64_t)klen << 56;
	size_t i, whole = klen & ~(size_t)7;

	for (i = 0; i < whole; i += 8) {
		uint64_t m = load_le64(in + i);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < (klen & 7); j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	uint64_t h = v0 ^ v1 ^ v2 ^ v3;
	return (uint32_t)(h ^ (h >> 32));
}

/* ---- incremental rehash ---- */

static bool rehashing(const struct store_db *d)
{
	return d->rehash_idx >= 0;
}

/* Move up to @p n non-empty buckets of ht[0] into ht[1]. */
static void rehash_step(struct store_db *d, int n)
{
	int empty_visits = n * STORE_REHASH_EMPTY_VISITS;
	struct store_ht *from = &d->ht[0], *to = &d->ht[1];

	while (n-- > 0 && from->used > 0) {
		while (from->buckets[d->rehash_idx] == NULL) {
			d->rehash_idx++;
			if (--empty_visits == 0)
				return;
		}
		struct store_entry *e = from->buckets[d->rehash_idx];
		while (e != NULL) {
			struct store_entry *next = e->next;
			uint64_t i = e->hash & (to->size - 1);
			e->next = to->buckets[i];
			to->buckets[i] = e;
			from->used--;
			to->used++;
			e = next;
		}
		from->buckets[d->rehash_idx++] = NULL;
	}
	if (from->used == 0) {
		*d->acct -= from->size * sizeof(*from->buckets);
		free(from->buckets);
		*from = *to;
		memset(to, 0, sizeof(*to));
		d->rehash_idx = -1;
	}
}

static uint64_t next_pow2(uint64_t n)
{
	uint64_t size = STORE_HT_INITIAL_SIZE;
	while (size < n)
		size <<= 1;
	return size;
}

/* Allocate a table of @p size and start migrating into it (or, for the
 * very first table, just install it). */
static int resize_start(struct store_db *d, uint64_t size)
{
	struct store_entry **b = calloc(size, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	*d->acct += size * sizeof(*b);
	if (d->ht[0].size == 0) {
		d->ht[0] = (struct store_ht){.buckets = b, .size = size, .used = 0};
		return 0;
	}
	d->ht[1] = (struct store_ht){.buckets = b, .size = size, .used = 0};
	d->rehash_idx = 0;
	return 0;
}

struct store_entry **store_ht_find(struct store_db *d, const void *key, size_t klen, uint32_t hash,
				   int *table)
{
	if (rehashing(d))
		rehash_step(d, STORE_REHASH_STEP);
	for (int t = 0; t <= 1; t++) {
		struct store_ht *ht = &d->ht[t];
		if (ht->size == 0)
			break;
		struct store_entry **link = &ht->buckets[hash & (ht->size - 1)];
		for (; *link != NULL; link = &(*link)->next) {
			struct store_entry *e = *link;
			if (e->hash == hash && e->klen == klen && memcmp(e->key, key, klen) == 0) {
				*table = t;
				return link;
			}
		}
		if (!rehashing(d))
			break;
	}
	return NULL;
}

struct store_entry **store_ht_insert(struct store_db *d, struct store_entry *e, int *table)
{
	if (rehashing(d))
		rehash_step(d, STORE_REHASH_STEP);
	if (d->ht[0].size == 0) {
		if (resize_start(d, STORE_HT_INITIAL_SIZE) != 0)
			return NULL;
	} else if (!rehashing(d) && d->ht[0].used >= d->ht[0].size) {
		/* Failing to grow is not fatal: chains just get longer. */
		(void)resize_start(d, next_pow2(d->ht[0].used * 2));
	}
	*table = rehashing(d) ? 1 : 0;
	struct store_ht *ht = &d->ht[*table];
	uint64_t i = e->hash & (ht->size - 1);
	e->next = ht->buckets[i];
	ht->buckets[i] = e;
	ht->used++;
	return &ht->buckets[i];
}

void store_ht_unlink(struct store_db *d, struct store_entry **link, int table)
{
	struct store_entry *e = *link;
	*link = e->next;
	e->next = NULL;
	d->ht[table].used--;
}

void store_ht_maybe_shrink(struct store_db *d)
{
	struct store_ht *h0 = &d->ht[0];
	if (rehashing(d) || h0->size <= STORE_HT_INITIAL_SIZE)
		return;
	/* Redis's HASHTABLE_MIN_FILL: shrink below 10% full. */
	if (h0->used * 10 >= h0->size)
		return;
	(void)resize_start(d, next_pow2(h0->used));
}

void store_ht_fini(struct store_db *d, void (*free_entry)(struct store_entry *))
{
	for (int t = 0; t <= 1; t++) {
		struct store_ht *ht = &d->ht[t];
		for (uint64_t i = 0; i < ht->size; i++) {
			struct store_entry *e = ht->buckets[i];
			while (e != NULL) {
				struct store_entry *next = e->next;
				free_entry(e);
				e = next;
			}
		}
		*d->acct -= ht->size * sizeof(*ht->buckets);
		free(ht->buckets);
		memset(ht, 0, sizeof(*ht));
	}
	d->rehash_idx = -1;
}
