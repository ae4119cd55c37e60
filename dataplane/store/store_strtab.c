/*
 * Keyspace shard: the table of strings behind the "hashtable" encoding of
 * hashes and sets (see store_strtab.h for the layout and its contract).
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "store_strtab.h"

#define STRTAB_MIN_SIZE 4

/* ---- the hash: 64x64->128 multiply-fold rounds (wyhash's mixing), keyed ---- */

static uint64_t strtab_seed;
static pthread_once_t strtab_seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
	uint64_t s = 0;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = (uint64_t)(uintptr_t)&s * 0x9e3779b97f4a7c15ULL; /* ASLR as the fallback */
	strtab_seed = s | 1;
}

static inline uint64_t mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t store_strtab_hash(const void *k, size_t klen)
{
	pthread_once(&strtab_seed_once, seed_init);
	const uint8_t *p = k;
	uint64_t h = strtab_seed ^ mum(klen, 0xa0761d6478bd642fULL);
	size_t i = 0;
	for (; i + 8 <= klen; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = mum(h ^ w, 0xe7037ed1a0b428dbULL);
	}
	uint64_t tail = 0;
	for (size_t j = 0; i + j < klen; j++)
		tail |= (uint64_t)p[i + j] << (8 * j);
	h = mum(h ^ tail, 0x8ebc6af09c88c6e3ULL);
	return mum(h, 0x589965cc75374cc3ULL);
}

static _Thread_local uint64_t rng_state;

uint64_t store_strtab_rand(void)
{
	if (rng_state == 0) {
		pthread_once(&strtab_seed_once, seed_init);
		rng_state = mum(strtab_seed, (uint64_t)(uintptr_t)&rng_state) | 1;
	}
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* ---- table ---- */

#define STRTAB_REHASH_EMPTY_VISITS 10

static uint64_t node_bytes(const struct store_strtab_node *nd)
{
	return sizeof(*nd) + nd->klen + nd->vlen;
}

static bool rehashing(const struct store_strtab *t)
{
	return t->rehash_idx >= 0;
}

struct store_strtab *store_strtab_create(uint64_t hint)
{
	uint64_t size = STRTAB_MIN_SIZE;
	while (size < hint && size < (UINT64_C(1) << 40))
		size *= 2;
	struct store_strtab *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->b[0] = calloc(size, sizeof(*t->b[0]));
	if (t->b[0] == NULL) {
		free(t);
		return NULL;
	}
	t->size[0] = size;
	t->rehash_idx = -1;
	t->bytes = sizeof(*t) + size * sizeof(*t->b[0]);
	return t;
}

void store_strtab_destroy(struct store_strtab *t)
{
	if (t == NULL)
		return;
	for (int k = 0; k < 2; k++) {
		for (uint64_t i = 0; i < t->size[k]; i++) {
			struct store_strtab_node *nd = t->b[k][i];
			while (nd != NULL) {
				struct store_strtab_node *nx = nd->next;
				free(nd);
				nd = nx;
			}
		}
		free(t->b[k]);
	}
	free(t);
}

bool store_strtab_free_step(struct store_strtab *t, uint64_t *cursor, uint32_t *budget)
{
	uint64_t total = t->size[0] + t->size[1];
	while (*cursor<total && * budget> 0) {
		int k = *cursor < t->size[0] ? 0 : 1;
		uint64_t i = k == 0 ? *cursor : *cursor - t->size[0];
		struct store_strtab_node *nd = t->b[k][i];
		for (; nd != NULL && *budget > 0; (*budget)--) {
			struct store_strtab_node *nx = nd->next;
			free(nd);
			nd = nx;
		}
		t->b[k][i] = nd;
		if (nd == NULL)
			(*cursor)++;
	}
	if (*cursor < total)
		return false;
	free(t->b[0]);
	free(t->b[1]);
	free(t);
	return true;
}

/* Begin moving to a bucket array of @p size. On ENOMEM the table stays as
 * it is (only its fill is off), so callers may ignore the failure. */
static void resize_begin(struct store_strtab *t, uint64_t size)
{
	struct store_strtab_node **nb = calloc(size, sizeof(*nb));
	if (nb == NULL)
		return;
	t->b[1] = nb;
	t->size[1] = size;
	t->rehash_idx = 0;
	t->bytes += size * sizeof(*nb);
}

/* Move one bucket of b[0] (after at most STRTAB_REHASH_EMPTY_VISITS empty
 * ones); when b[0] is empty, b[1] takes its place. */
static void rehash_step(struct store_strtab *t)
{
	if (!rehashing(t))
		return;
	int empty = STRTAB_REHASH_EMPTY_VISITS;
	while ((uint64_t)t->rehash_idx < t->size[0] && t->b[0][t->rehash_idx] == NULL) {
		t->rehash_idx++;
		if (--empty == 0)
			return;
	}
	if ((uint64_t)t->rehash_idx < t->size[0]) {
		struct store_strtab_node *nd = t->b[0][t->rehash_idx];
		t->b[0][t->rehash_idx++] = NULL;
		while (nd != NULL) {
			struct store_strtab_node *nx = nd->next;
			uint64_t j = nd->hash & (t->size[1] - 1);
			nd->next = t->b[1][j];
			t->b[1][j] = nd;
			nd = nx;
		}
	}
	while ((uint64_t)t->rehash_idx < t->size[0] && t->b[0][t->rehash_idx] == NULL)
		t->rehash_idx++;
	if ((uint64_t)t->rehash_idx < t->size[0])
		return;
	free(t->b[0]);
	t->bytes -= t->size[0] * sizeof(*t->b[0]);
	t->b[0] = t->b[1];
	t->size[0] = t->size[1];
	t->b[1] = NULL;
	t->size[1] = 0;
	t->rehash_idx = -1;
}

static struct store_strtab_node **find(const struct store_strtab *t, const void *k, size_t klen,
				       uint64_t h)
{
	for (int a = 0; a < (rehashing(t) ? 2 : 1); a++) {
		struct store_strtab_node **link = &t->b[a][h & (t->size[a] - 1)];
		for (; *link != NULL; link = &(*link)->next) {
			const struct store_strtab_node *nd = *link;
			if (nd->hash == h && nd->klen == klen && memcmp(nd->data, k, klen) == 0)
				return link;
		}
	}
	return NULL;
}

struct store_strtab_node *store_strtab_get(const struct store_strtab *t, const void *k, size_t klen)
{
	struct store_strtab_node **link = find(t, k, klen, store_strtab_hash(k, klen));
	return link != NULL ? *link : NULL;
}

int store_strtab_set(struct store_strtab *t, const void *k, size_t klen, const void *v, size_t vlen)
{
	if (klen > UINT32_MAX || vlen > UINT32_MAX)
		return -ENOMEM;
	rehash_step(t);
	uint64_t h = store_strtab_hash(k, klen);
	struct store_strtab_node **link = find(t, k, klen, h);
	if (link != NULL) {
		struct store_strtab_node *old = *link;
		if (old->vlen != vlen) {
			struct store_strtab_node *nd = realloc(old, sizeof(*nd) + klen + vlen);
			if (nd == NULL)
				return -ENOMEM;
			t->bytes = t->bytes - node_bytes(nd) + sizeof(*nd) + klen + vlen;
			nd->vlen = (uint32_t)vlen;
			*link = nd;
			old = nd;
		}
		if (vlen > 0)
			memcpy(old->data + klen, v, vlen);
		return 0;
	}
	struct store_strtab_node *nd = malloc(sizeof(*nd) + klen + vlen);
	if (nd == NULL)
		return -ENOMEM;
	nd->hash = h;
	nd->klen = (uint32_t)klen;
	nd->vlen = (uint32_t)vlen;
	if (klen > 0)
		memcpy(nd->data, k, klen);
	if (vlen > 0)
		memcpy(nd->data + klen, v, vlen);
	if (!rehashing(t) && t->n >= t->size[0])
		resize_begin(t, t->size[0] * 2);
	int a = rehashing(t) ? 1 : 0; /* while resizing, b[0] only shrinks */
	uint64_t j = h & (t->size[a] - 1);
	nd->next = t->b[a][j];
	t->b[a][j] = nd;
	t->n++;
	t->bytes += node_bytes(nd);
	return 1;
}

bool store_strtab_del(struct store_strtab *t, const void *k, size_t klen)
{
	rehash_step(t);
	struct store_strtab_node **link = find(t, k, klen, store_strtab_hash(k, klen));
	if (link == NULL)
		return false;
	struct store_strtab_node *nd = *link;
	*link = nd->next;
	t->bytes -= node_bytes(nd);
	t->n--;
	free(nd);
	if (!rehashing(t) && t->size[0] > STRTAB_MIN_SIZE && t->n * 8 < t->size[0]) {
		uint64_t size = STRTAB_MIN_SIZE;
		while (size < t->n)
			size *= 2;
		resize_begin(t, size);
	}
	return true;
}

/* The bucket at combined index @p j (b[0]'s, then b[1]'s). */
static struct store_strtab_node *bucket_at(const struct store_strtab *t, uint64_t j)
{
	return j < t->size[0] ? t->b[0][j] : t->b[1][j - t->size[0]];
}

/* dictGetRandomKey(): a random non-empty bucket of either array (b[0]'s
 * buckets below rehash_idx are empty), then a random element of its chain.
 * The table stays at least 1/8 full (shrink on delete), so few tries are
 * needed; the loop is still bounded, falling back to a walk. */
struct store_strtab_node *store_strtab_random(const struct store_strtab *t, uint64_t (*rnd)(void))
{
	if (t->n == 0)
		return NULL;
	uint64_t total = store_strtab_buckets(t), j = 0;
	bool found = false;
	for (int tries = 0; tries < 1000 && !found; tries++) {
		j = rnd() % total;
		found = bucket_at(t, j) != NULL;
	}
	while (!found) {
		j = (j + 1) % total;
		found = bucket_at(t, j) != NULL;
	}
	uint64_t len = 0;
	for (struct store_strtab_node *nd = bucket_at(t, j); nd != NULL; nd = nd->next)
		len++;
	uint64_t pick = rnd() % len;
	struct store_strtab_node *nd = bucket_at(t, j);
	while (pick-- > 0)
		nd = nd->next;
	return nd;
}

static uint64_t rev64(uint64_t v)
{
	v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
	v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
	v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
	return __builtin_bswap64(v);
}

static void emit(struct store_strtab_node *nd, store_strtab_visit_fn *fn, void *arg)
{
	for (; nd != NULL; nd = nd->next)
		fn(arg, nd);
}

/*
 * dictScan(): visit the cursor's bucket, then increment the cursor's
 * reversed bits under the mask, so buckets that split or merge in a resize
 * between two calls are neither skipped nor revisited forever. While
 * resizing, the cursor's bucket of the smaller array is visited, then every
 * bucket of the larger array that it expands to.
 */
uint64_t store_strtab_scan(const struct store_strtab *t, uint64_t v, store_strtab_visit_fn *fn,
			   void *arg)
{
	if (!rehashing(t)) {
		uint64_t m0 = t->size[0] - 1;
		emit(t->b[0][v & m0], fn, arg);
		v |= ~m0;
		v = rev64(v);
		v++;
		return rev64(v);
	}
	int small = t->size[0] <= t->size[1] ? 0 : 1, large = 1 - small;
	uint64_t m0 = t->size[small] - 1, m1 = t->size[large] - 1;
	emit(t->b[small][v & m0], fn, arg);
	do {
		emit(t->b[large][v & m1], fn, arg);
		v |= ~m1;
		v = rev64(v);
		v++;
		v = rev64(v);
	} while (v & (m0 ^ m1));
	return v;
}

struct store_strtab_node *store_strtab_first(const struct store_strtab *t, uint64_t *bucket)
{
	for (*bucket = 0; *bucket < store_strtab_buckets(t); (*bucket)++)
		if (bucket_at(t, *bucket) != NULL)
			return bucket_at(t, *bucket);
	return NULL;
}

struct store_strtab_node *store_strtab_next(const struct store_strtab *t, uint64_t *bucket,
					    const struct store_strtab_node *nd)
{
	if (nd->next != NULL)
		return nd->next;
	for ((*bucket)++; *bucket < store_strtab_buckets(t); (*bucket)++)
		if (bucket_at(t, *bucket) != NULL)
			return bucket_at(t, *bucket);
	return NULL;
}
