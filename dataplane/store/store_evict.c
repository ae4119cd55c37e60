/*
 * Keyspace shard: maxmemory eviction and the LFU counter (Redis 7.0
 * evict.c), per shard. The shard's budget is the caller's business (this
 * slice: maxmemory / workers; borrowing between shards comes later).
 *
 * HOW A KEY IS CHOSEN (Redis's approximated LRU/LFU/TTL)
 *
 * Exact LRU would need a list touched on every access; Redis instead
 * samples. Each round, for every DB with candidates, maxmemory-samples keys
 * are drawn (from the keyspace for allkeys-*, from the volatile index for
 * volatile-*) and scored:
 *
 *     LRU  idle ms since the last access
 *     LFU  255 - the decayed log counter
 *     TTL  UINT64_MAX - the absolute expiry
 *
 * Scores enter a pool of the 16 best candidates seen so far, sorted
 * ascending and kept across calls, so every round improves on the last:
 *
 *     pool: [ worst ... best ]      insert where the score fits; when full,
 *            0             15       drop the left end (a better key came)
 *
 * The best (rightmost) candidate is looked up again by its key: it may have
 * been deleted or changed since it was sampled (a "ghost"), then the next is
 * tried. *-random policies skip the pool: a random key of the next DB in
 * turn (random bucket, random chain element; from the volatile index for
 * volatile-random).
 *
 * Every eviction is a write (store_write_begin / store_wr_delete / commit
 * with event "evicted"), so hooks see it as Redis's propagateDeletion()
 * does; it does not move the dirty counter (Redis's eviction does not
 * count toward rdb_changes_since_last_save).
 *
 * Context: the owning worker lcore; never blocks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

#define EVPOOL_SIZE	   16
#define EVPOOL_KEY_INIT	   64 /* bytes a slot's key copy starts with */
#define EVICT_SAMPLE_CHUNK 16 /* keys drawn at once from a DB */

struct evpool_slot {
	uint64_t idle; /* score: higher evicts first */
	uint64_t hash;
	uint32_t db;
	uint32_t klen;
	uint32_t cap; /* bytes of key */
	bool used;
	uint8_t *key;
};

struct store_evict_pool {
	struct evpool_slot slot[EVPOOL_SIZE];
	uint8_t *scratch; /* the key being evicted (hooks read it after the entry is freed) */
	size_t scratch_cap;
};

/* ---- LFU (evict.c LFULogIncr / LFUDecrAndReturn) ---- */

static uint32_t lfu_elapsed(uint32_t ldt, uint32_t now)
{
	return now >= ldt ? now - ldt : 65535 - ldt + now;
}

static uint8_t lfu_decr(const struct store_shard *s, uint32_t lru, uint64_t now_ms)
{
	uint32_t ldt = lru >> 8, counter = lru & 255;
	uint32_t periods = s->evict.lfu_decay_time ? lfu_elapsed(ldt, store_lfu_minutes(now_ms)) /
							 s->evict.lfu_decay_time
						   : 0;
	if (periods)
		counter = periods > counter ? 0 : counter - periods;
	return (uint8_t)counter;
}

static uint8_t lfu_log_incr(struct store_shard *s, uint8_t counter)
{
	if (counter == 255)
		return 255;
	double r = (double)(store_rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
	double base = (double)counter - STORE_LFU_INIT_VAL;
	if (base < 0)
		base = 0;
	double p = 1.0 / (base * s->evict.lfu_log_factor + 1);
	return r < p ? (uint8_t)(counter + 1) : counter;
}

void store_lfu_touch(struct store_shard *s, struct store_entry *e, uint64_t now_ms)
{
	uint8_t c = lfu_log_incr(s, lfu_decr(s, e->lru, now_ms));
	e->lru = (store_lfu_minutes(now_ms) << 8) | c;
}

#define ENTRY_OF(o)                                                                                \
	((const struct store_entry *)((const uint8_t *)(o)-offsetof(struct store_entry, val)))

uint8_t store_obj_freq(const struct store_shard *s, const struct store_obj *o, uint64_t now_ms)
{
	return lfu_decr(s, ENTRY_OF(o)->lru, now_ms);
}

void store_shard_evict_cfg_set(struct store_shard *s, const struct store_evict_cfg *cfg)
{
	s->evict = *cfg;
	if (s->evict.samples == 0)
		s->evict.samples = 1;
	s->lfu = store_evict_policy_lfu(cfg->policy);
}

enum store_evict_result store_evict_last(const struct store_shard *s)
{
	return (enum store_evict_result)s->evict_last;
}

void store_evict_pool_free(struct store_shard *s)
{
	struct store_evict_pool *p = s->pool;
	if (p == NULL)
		return;
	for (int i = 0; i < EVPOOL_SIZE; i++)
		free(p->slot[i].key);
	free(p->scratch);
	free(p);
	s->pool = NULL;
}

static struct store_evict_pool *pool_get(struct store_shard *s)
{
	if (s->pool != NULL)
		return s->pool;
	struct store_evict_pool *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	for (int i = 0; i < EVPOOL_SIZE; i++) {
		p->slot[i].key = malloc(EVPOOL_KEY_INIT);
		if (p->slot[i].key == NULL) {
			s->pool = p;
			store_evict_pool_free(s);
			return NULL;
		}
		p->slot[i].cap = EVPOOL_KEY_INIT;
	}
	s->pool = p;
	return p;
}

/* ---- sampling ---- */

/* dictGetSomeKeys(): up to @p count entries from consecutive buckets after
 * a random one, jumping elsewhere after a run of empty buckets. */
static unsigned sample_keys(struct store_shard *s, struct store_db *d, struct store_entry **out,
			    unsigned count)
{
	uint64_t size = d->ht[0].used + d->ht[1].used;
	if (size == 0)
		return 0;
	if (count > size)
		count = (unsigned)size;
	int tables = d->rehash_idx >= 0 ? 2 : 1;
	uint64_t maxmask = d->ht[0].size - 1;
	if (tables == 2 && d->ht[1].size - 1 > maxmask)
		maxmask = d->ht[1].size - 1;
	uint64_t i = store_rng_next(s) & maxmask;
	uint64_t maxsteps = (uint64_t)count * 10;
	unsigned stored = 0, emptylen = 0;
	while (stored < count && maxsteps-- > 0) {
		for (int j = 0; j < tables; j++) {
			/* buckets of ht[0] below rehash_idx are empty */
			if (tables == 2 && j == 0 && i < (uint64_t)d->rehash_idx) {
				if (i >= d->ht[1].size)
					i = (uint64_t)d->rehash_idx;
				else
					continue;
			}
			if (i >= d->ht[j].size)
				continue;
			struct store_entry *e = d->ht[j].buckets[i];
			if (e == NULL) {
				if (++emptylen >= 5 && emptylen > count) {
					i = store_rng_next(s) & maxmask;
					emptylen = 0;
				}
				continue;
			}
			emptylen = 0;
			for (; e != NULL && stored < count; e = e->next)
				out[stored++] = e;
			if (stored == count)
				return stored;
		}
		i = (i + 1) & maxmask;
	}
	return stored;
}

/* dictGetRandomKey(): a random non-empty bucket, a random element of it. */
static struct store_entry *random_key(struct store_shard *s, struct store_db *d)
{
	if (d->ht[0].used + d->ht[1].used == 0)
		return NULL;
	for (int tries = 0; tries < 1000; tries++) {
		int t = d->rehash_idx >= 0 && (store_rng_next(s) & 1) ? 1 : 0;
		if (d->ht[t].size == 0)
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
	struct store_entry *one;
	return sample_keys(s, d, &one, 1) == 1 ? one : NULL;
}

/* ---- the pool (evictionPoolPopulate) ---- */

static uint64_t score(const struct store_shard *s, const struct store_entry *e, uint64_t now_ms)
{
	switch (s->evict.policy) {
	case STORE_EVICT_VOLATILE_TTL:
		return UINT64_MAX - (uint64_t)e->expire_at_ms;
	case STORE_EVICT_VOLATILE_LFU:
	case STORE_EVICT_ALLKEYS_LFU:
		return 255 - lfu_decr(s, e->lru, now_ms);
	default: { /* estimateObjectIdleTime(), in ms */
		uint32_t now = store_lru_clock(now_ms), then = e->lru & STORE_LRU_MAX;
		uint64_t idle_s = now >= then ? now - then : (uint64_t)STORE_LRU_MAX - then + now;
		return idle_s * 1000;
	}
	}
}

static void pool_insert(struct store_evict_pool *p, uint32_t db, const struct store_entry *e,
			uint64_t idle)
{
	struct evpool_slot *pool = p->slot;
	int k = 0;
	while (k < EVPOOL_SIZE && pool[k].used && pool[k].idle < idle)
		k++;
	if (k == 0 && pool[EVPOOL_SIZE - 1].used)
		return; /* worse than every candidate of a full pool */
	if (k < EVPOOL_SIZE && !pool[k].used) {
		/* an empty slot: insert in place */
	} else if (!pool[EVPOOL_SIZE - 1].used) {
		/* room on the right: shift k.. right, reusing the last slot's buffer */
		struct evpool_slot last = pool[EVPOOL_SIZE - 1];
		memmove(pool + k + 1, pool + k, sizeof(pool[0]) * (size_t)(EVPOOL_SIZE - k - 1));
		pool[k] = last;
	} else {
		/* full: drop the worst (left end), shift ..k-1 left */
		k--;
		struct evpool_slot first = pool[0];
		memmove(pool, pool + 1, sizeof(pool[0]) * (size_t)k);
		pool[k] = first;
	}
	struct evpool_slot *sl = &pool[k];
	if (e->klen > sl->cap) {
		uint8_t *b = realloc(sl->key, e->klen);
		if (b == NULL) {
			sl->used = false;
			return;
		}
		sl->key = b;
		sl->cap = e->klen;
	}
	memcpy(sl->key, e->key, e->klen);
	sl->klen = e->klen;
	sl->hash = e->hash;
	sl->db = db;
	sl->idle = idle;
	sl->used = true;
}

static void pool_populate(struct store_shard *s, struct store_evict_pool *p, uint32_t db,
			  bool allkeys, uint64_t now_ms)
{
	struct store_db *d = &s->db[db];
	struct store_entry *batch[EVICT_SAMPLE_CHUNK];
	for (uint32_t left = s->evict.samples; left > 0;) {
		unsigned want = left < EVICT_SAMPLE_CHUNK ? left : EVICT_SAMPLE_CHUNK;
		unsigned n;
		if (allkeys) {
			n = sample_keys(s, d, batch, want);
		} else {
			for (n = 0; n < want && d->vol_n > 0; n++)
				batch[n] = d->vol[store_rng_next(s) % d->vol_n];
		}
		if (n == 0)
			break;
		for (unsigned i = 0; i < n; i++)
			pool_insert(p, db, batch[i], score(s, batch[i], now_ms));
		left -= want;
	}
}

/* ---- evicting one key ---- */

/* Delete @p key of @p db through the write path. @return true if a key
 * went away (evicted, or reclaimed as expired). */
static bool evict_key(struct store_shard *s, uint32_t db, const uint8_t *key, size_t klen,
		      uint64_t now_ms)
{
	struct store_evict_pool *p = s->pool;
	if (klen > p->scratch_cap) {
		uint8_t *b = realloc(p->scratch, klen);
		if (b == NULL)
			return false;
		p->scratch = b;
		p->scratch_cap = klen;
	}
	if (klen > 0)
		memmove(p->scratch, key, klen);
	uint64_t keys_before = s->stats.expired_keys;
	struct store_wr w;
	store_write_begin(s, db, p->scratch, klen, now_ms, &w);
	if (w.obj == NULL) {
		store_write_commit(&w, 0, NULL);
		return s->stats.expired_keys != keys_before;
	}
	store_wr_delete(&w);
	store_write_commit_silent(&w, "evicted");
	s->stats.evicted_keys++;
	return true;
}

static bool policy_allkeys(unsigned policy)
{
	return policy == STORE_EVICT_ALLKEYS_LRU || policy == STORE_EVICT_ALLKEYS_LFU ||
	       policy == STORE_EVICT_ALLKEYS_RANDOM;
}

bool store_evict_has_candidates(const struct store_shard *s, unsigned policy)
{
	if (policy >= STORE_EVICT_NOEVICTION)
		return false;
	bool allkeys = policy_allkeys(policy);
	for (uint32_t i = 0; i < s->databases; i++)
		if ((allkeys ? store_db_size(s, i) : store_db_expires(s, i)) != 0)
			return true;
	return false;
}

/* One key by the pool. @return false when no DB has a candidate. */
static bool evict_one_pool(struct store_shard *s, uint64_t now_ms)
{
	struct store_evict_pool *p = s->pool;
	bool allkeys = policy_allkeys(s->evict.policy);
	for (;;) {
		uint64_t total = 0;
		for (uint32_t i = 0; i < s->databases; i++) {
			struct store_db *d = &s->db[i];
			uint64_t keys = allkeys ? d->ht[0].used + d->ht[1].used : d->vol_n;
			if (keys == 0)
				continue;
			pool_populate(s, p, i, allkeys, now_ms);
			total += keys;
		}
		if (total == 0)
			return false;
		for (int k = EVPOOL_SIZE - 1; k >= 0; k--) {
			struct evpool_slot *sl = &p->slot[k];
			if (!sl->used)
				continue;
			sl->used = false;
			int t;
			struct store_entry **link =
			    store_ht_find(&s->db[sl->db], sl->key, sl->klen, sl->hash, &t);
			if (link == NULL || (!allkeys && (*link)->expire_at_ms == STORE_NO_EXPIRE))
				continue; /* a ghost: gone or no longer volatile */
			if (evict_key(s, sl->db, sl->key, sl->klen, now_ms))
				return true;
		}
	}
}

/* One random key of the next DB in turn that has one. */
static bool evict_one_random(struct store_shard *s, uint64_t now_ms)
{
	bool allkeys = s->evict.policy == STORE_EVICT_ALLKEYS_RANDOM;
	for (uint32_t i = 0; i < s->databases; i++) {
		uint32_t db = ++s->evict_db % s->databases;
		struct store_db *d = &s->db[db];
		struct store_entry *e = NULL;
		if (allkeys)
			e = random_key(s, d);
		else if (d->vol_n > 0)
			e = d->vol[store_rng_next(s) % d->vol_n];
		if (e != NULL)
			return evict_key(s, db, e->key, e->klen, now_ms);
	}
	return false;
}

/* evictionTimeLimitUs() */
static uint64_t time_limit_us(uint32_t tenacity)
{
	if (tenacity <= 10)
		return 50u * tenacity;
	if (tenacity < 100)
		return (uint64_t)(500.0 * pow(1.15, (double)tenacity - 10.0));
	return UINT64_MAX;
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

size_t store_evict(struct store_shard *s, uint64_t budget_bytes, const struct store_evict_cfg *cfg,
		   uint64_t now_ms, unsigned max_keys)
{
	store_shard_evict_cfg_set(s, cfg);
	uint64_t start = s->stats.used_bytes;
	if (start <= budget_bytes) {
		s->evict_last = STORE_EVICT_OK;
		return 0;
	}
	if (cfg->policy >= STORE_EVICT_NOEVICTION || pool_get(s) == NULL) {
		s->evict_last = STORE_EVICT_FAIL;
		return 0;
	}
	bool random =
	    cfg->policy == STORE_EVICT_ALLKEYS_RANDOM || cfg->policy == STORE_EVICT_VOLATILE_RANDOM;
	uint64_t limit_us = time_limit_us(cfg->tenacity), t0 = mono_us();
	enum store_evict_result res = STORE_EVICT_OK;
	unsigned n = 0;
	while (s->stats.used_bytes > budget_bytes) {
		if (max_keys != 0 && n >= max_keys) {
			res = STORE_EVICT_RUNNING;
			break;
		}
		bool ok = random ? evict_one_random(s, now_ms) : evict_one_pool(s, now_ms);
		if (!ok) {
			res = STORE_EVICT_FAIL;
			break;
		}
		if (++n % 16 == 0 && limit_us != UINT64_MAX && mono_us() - t0 > limit_us &&
		    s->stats.used_bytes > budget_bytes) {
			res = STORE_EVICT_RUNNING;
			break;
		}
	}
	s->evict_last = (uint8_t)res;
	return start > s->stats.used_bytes ? (size_t)(start - s->stats.used_bytes) : 0;
}
