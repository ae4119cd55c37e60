/*
 * Keyspace shard: the API over the hash table (store_ht.c), lookups, the
 * expires index, lazy expiry and the active expire cycle. Writes live in
 * store_write.c.
 *
 * Expiry follows Redis 7.0 (db.c, expire.c): a key is expired once now is
 * strictly past its expiry time; lookups delete an expired key before
 * answering (lazy); store_active_expire_step() reclaims keys nobody reads,
 * sampling the expires index a bounded number of keys per call.
 *
 * Context: the owning worker lcore. Allocation is plain malloc for now;
 * memory accounting and per-shard NUMA arenas arrive with maxmemory.
 */
#include <assert.h>
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "resp.h"
#include "rw_alloc.h"
#include "store_int.h"

/* Active expiry samples this many keys of a DB per round and moves on to
 * the next DB when at most a tenth of them were expired (Redis's
 * ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP and its 10% acceptable-stale rule). */
#define STORE_EXPIRE_SAMPLE	20
#define STORE_EXPIRE_STALE_PERC 10

struct store_db *store_db_of(struct store_shard *s, uint32_t db)
{
	assert(db < s->databases);
	return &s->db[db];
}

/* ---- shard lifecycle ---- */

struct store_shard *store_shard_create(uint32_t id, uint32_t databases)
{
	if (databases == 0)
		return NULL;
	struct store_shard *s = calloc(1, sizeof(*s) + databases * sizeof(struct store_db));
	if (s == NULL)
		return NULL;
	s->id = id;
	s->databases = databases;
	for (uint32_t i = 0; i < databases; i++) {
		s->db[i].rehash_idx = -1;
		s->db[i].acct = &s->stats.used_bytes;
	}
	uint64_t seed[3];
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		/* Boot without entropy: still distinct per shard, just predictable. */
		seed[0] = 0x9e3779b97f4a7c15ULL * (id + 1);
		seed[1] = 0xbf58476d1ce4e5b9ULL ^ id;
		seed[2] = 0x94d049bb133111ebULL + id;
	}
	s->hash_k0 = seed[0];
	s->hash_k1 = seed[1];
	s->rng = seed[2] | 1;
	s->evict = (struct store_evict_cfg){.policy = STORE_EVICT_NOEVICTION,
					    .samples = 5,
					    .tenacity = 10,
					    .lfu_log_factor = 10,
					    .lfu_decay_time = 1};
	return s;
}

void store_entry_free(struct store_entry *e)
{
	store_val_release(&e->val);
	free(e);
}

void store_shard_destroy(struct store_shard **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	struct store_shard *s = *sp;
	for (uint32_t i = 0; i < s->databases; i++) {
		store_ht_fini(&s->db[i], store_entry_free);
		free(s->db[i].vol);
	}
	store_evict_pool_free(s);
	store_lazyfree_drain();
	free(s);
	*sp = NULL;
}

uint32_t store_shard_id(const struct store_shard *s)
{
	return s->id;
}

uint32_t store_shard_databases(const struct store_shard *s)
{
	return s->databases;
}

struct store_stats *store_shard_stats(struct store_shard *s)
{
	return &s->stats;
}

int store_hook_add(struct store_shard *s, store_hook_fn *fn, void *arg)
{
	if (s->n_hooks == STORE_HOOKS_MAX)
		return -ENOSPC;
	s->hooks[s->n_hooks].fn = fn;
	s->hooks[s->n_hooks].arg = arg;
	s->n_hooks++;
	return 0;
}

void store_hooks_run(struct store_shard *s, uint32_t db, const void *key, size_t klen,
		     const char *event)
{
	for (uint32_t i = 0; i < s->n_hooks; i++)
		s->hooks[i].fn(s->hooks[i].arg, db, key, klen, event);
}

uint64_t store_entry_footprint(const struct store_entry *e)
{
	uint64_t n = rw_alloc_cost(malloc_usable_size((void *)e));
	if (e->val.type != STORE_TYPE_STRING)
		n += store_coll_bytes(&e->val);
	else if (e->val.enc == STORE_ENC_RAW)
		n += rw_alloc_cost(malloc_usable_size(e->val.v.ptr));
	return n;
}

size_t store_entry_inline_cap(const struct store_entry *e)
{
	return malloc_usable_size((void *)e) - sizeof(*e) - e->klen;
}

void store_db_index_bytes(const struct store_shard *s, uint32_t db, uint64_t *main,
			  uint64_t *expires)
{
	const struct store_db *d = &s->db[db];
	*main = (d->ht[0].size + d->ht[1].size) * sizeof(struct store_entry *);
	*expires = (uint64_t)d->vol_cap * sizeof(struct store_entry *);
}

void store_db_figures(const struct store_shard *s, uint32_t n, struct store_db_figures *out)
{
	if (n > s->databases)
		n = s->databases;
	for (uint32_t i = 0; i < n; i++) {
		const struct store_db *d = &s->db[i];
		out[i] = (struct store_db_figures){
		    .keys = d->ht[0].used + d->ht[1].used,
		    .expires = d->vol_n,
		    .main_bytes = (d->ht[0].size + d->ht[1].size) * sizeof(struct store_entry *),
		    .expires_bytes = (uint64_t)d->vol_cap * sizeof(struct store_entry *),
		};
	}
}

uint64_t store_shard_index_bytes(const struct store_shard *s)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < s->databases; i++) {
		const struct store_db *d = &s->db[i];
		n += (d->ht[0].size + d->ht[1].size) * sizeof(struct store_entry *);
		n += (uint64_t)d->vol_cap * sizeof(struct store_entry *);
	}
	return n;
}

/* ---- expires index ---- */

static int vol_add(struct store_db *d, struct store_entry *e)
{
	if (d->vol_n == d->vol_cap) {
		uint32_t cap = d->vol_cap ? d->vol_cap * 2 : 16;
		struct store_entry **v = realloc(d->vol, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		*d->acct += (uint64_t)(cap - d->vol_cap) * sizeof(*v);
		d->vol = v;
		d->vol_cap = cap;
	}
	e->vol_idx = d->vol_n;
	d->vol[d->vol_n++] = e;
	return 0;
}

/* Swap-remove: the last volatile entry takes e's slot. */
static void vol_del(struct store_db *d, struct store_entry *e)
{
	struct store_entry *last = d->vol[--d->vol_n];
	d->vol[e->vol_idx] = last;
	last->vol_idx = e->vol_idx;
}

int store_entry_set_expire(struct store_db *d, struct store_entry *e, int64_t at)
{
	bool had = e->expire_at_ms != STORE_NO_EXPIRE;
	bool has = at != STORE_NO_EXPIRE;
	if (has && !had && vol_add(d, e) != 0)
		return -ENOMEM;
	if (had && !has)
		vol_del(d, e);
	e->expire_at_ms = at;
	return 0;
}

/* ---- lookup and lazy expiry ---- */

static bool entry_expired(const struct store_entry *e, uint64_t now_ms)
{
	return e->expire_at_ms != STORE_NO_EXPIRE && (int64_t)now_ms > e->expire_at_ms;
}

void store_entry_delete(struct store_shard *s, struct store_db *d, struct store_entry **link,
			int table)
{
	struct store_entry *e = *link;
	store_snap_touch(s, (uint32_t)(d - s->db), e); /* expiry, eviction, DEL */
	store_ht_unlink(d, link, table);
	if (e->expire_at_ms != STORE_NO_EXPIRE)
		vol_del(d, e);
	s->stats.used_bytes -= store_entry_footprint(e);
	store_entry_free(e);
	store_ht_maybe_shrink(d);
}

/* The store's own write: reclaim an expired key. Same bookkeeping as a
 * command's write (memory, hooks) but no dirty change: the expiry itself
 * was the change. */
static void reclaim_expired(struct store_shard *s, struct store_db *d, uint32_t db,
			    struct store_entry **link, int table)
{
	struct store_entry *e = *link;
	if (s->n_hooks > 0)
		store_hooks_run(s, db, e->key, e->klen, "expired");
	store_entry_delete(s, d, link, table);
	s->stats.expired_keys++;
}

struct store_entry **store_find_live(struct store_shard *s, struct store_db *d, uint32_t db,
				     const void *key, size_t klen, uint64_t now_ms, int *table)
{
	struct store_entry **link = store_ht_find(d, key, klen, store_hash(s, key, klen), table);
	if (link != NULL && entry_expired(*link, now_ms)) {
		reclaim_expired(s, d, db, link, *table);
		return NULL;
	}
	return link;
}

/* Remember @p e as looked up for writing (once: a key named twice, LMOVE
 * l l, was touched twice by its lookups and its write touches it no more). */
static void wlooked_add(struct store_shard *s, struct store_entry *e)
{
	uint32_t n = s->n_wlooked;
	for (uint32_t i = 0; i < n; i++)
		if (s->wlooked[i] == e)
			return;
	if (n < sizeof(s->wlooked) / sizeof(s->wlooked[0]))
		s->wlooked[s->n_wlooked++] = e;
}

struct store_obj *store_lookup(struct store_shard *s, uint32_t db, const void *key, size_t klen,
			       uint64_t now_ms, unsigned flags)
{
	int t;
	struct store_entry **link =
	    store_find_live(s, store_db_of(s, db), db, key, klen, now_ms, &t);
	if (!(flags & STORE_LOOKUP_NOSTATS)) {
		if (link != NULL)
			s->stats.keyspace_hits++;
		else
			s->stats.keyspace_misses++;
	}
	if (link == NULL)
		return NULL;
	if (!(flags & STORE_LOOKUP_NOTOUCH)) {
		s->clock_ms = now_ms;
		store_entry_touch(s, *link, now_ms);
	}
	if (flags & STORE_LOOKUP_WRITE)
		wlooked_add(s, *link);
	return &(*link)->val;
}

struct store_obj *store_lookup_write(struct store_shard *s, uint32_t db, const void *key,
				     size_t klen, uint64_t now_ms)
{
	return store_lookup(s, db, key, klen, now_ms, STORE_LOOKUP_NOSTATS | STORE_LOOKUP_WRITE);
}

void store_cmd_end(struct store_shard *s)
{
	s->n_wlooked = 0;
}

struct store_obj *store_lookup_read(struct store_shard *s, uint32_t db, const void *key,
				    size_t klen, uint64_t now_ms)
{
	return store_lookup(s, db, key, klen, now_ms, 0);
}

int64_t store_get_expire(struct store_shard *s, uint32_t db, const void *key, size_t klen)
{
	int t;
	struct store_entry **link =
	    store_ht_find(store_db_of(s, db), key, klen, store_hash(s, key, klen), &t);
	return link != NULL ? (*link)->expire_at_ms : STORE_NO_EXPIRE;
}

/* ---- delete, sizes ---- */

uint64_t store_db_size(const struct store_shard *s, uint32_t db)
{
	assert(db < s->databases);
	return s->db[db].ht[0].used + s->db[db].ht[1].used;
}

uint64_t store_db_expires(const struct store_shard *s, uint32_t db)
{
	assert(db < s->databases);
	return s->db[db].vol_n;
}

uint64_t store_shard_keys(const struct store_shard *s)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < s->databases; i++)
		n += store_db_size(s, i);
	return n;
}

bool store_db_rehashing(const struct store_shard *s, uint32_t db)
{
	assert(db < s->databases);
	return s->db[db].rehash_idx >= 0;
}

/* ---- active expiry ---- */

/* Sample up to @p n volatile keys of @p d, deleting expired ones.
 * @return the number expired; *@p sampled gets the number looked at. */
static uint32_t expire_sample_db(struct store_shard *s, struct store_db *d, uint64_t now_ms,
				 uint32_t n, uint32_t *sampled)
{
	uint32_t expired = 0;
	*sampled = 0;
	while (*sampled < n && d->vol_n > 0) {
		struct store_entry *e = d->vol[store_rng_next(s) % d->vol_n];
		(*sampled)++;
		if (!entry_expired(e, now_ms))
			continue;
		int t;
		struct store_entry **link = store_ht_find(d, e->key, e->klen, e->hash, &t);
		assert(link != NULL && *link == e);
		reclaim_expired(s, d, (uint32_t)(d - s->db), link, t);
		expired++;
	}
	return expired;
}

uint32_t store_active_expire_step(struct store_shard *s, uint64_t now_ms, uint32_t budget)
{
	uint32_t expired = 0;
	/* Visit each DB at most once per call, resuming at expire_db. */
	for (uint32_t visited = 0; visited < s->databases && budget > 0; visited++) {
		struct store_db *d = &s->db[s->expire_db];
		for (;;) {
			uint32_t want = budget < STORE_EXPIRE_SAMPLE ? budget : STORE_EXPIRE_SAMPLE;
			uint32_t sampled;
			uint32_t n = expire_sample_db(s, d, now_ms, want, &sampled);
			expired += n;
			budget -= sampled;
			/* Stay on this DB while it looks more than 10% stale. */
			if (budget == 0 || sampled == 0 ||
			    n * 100 <= sampled * STORE_EXPIRE_STALE_PERC)
				break;
		}
		if (budget == 0)
			break;
		s->expire_db = (s->expire_db + 1) % s->databases;
	}
	return expired;
}

/* ---- string objects ---- */

size_t store_obj_str(const struct store_obj *o, char buf[21], const uint8_t **p)
{
	if (o->enc == STORE_ENC_INT) {
		*p = (const uint8_t *)buf;
		return resp_i64_to_str(buf, o->v.i);
	}
	*p = o->v.ptr;
	return o->len;
}

#define ENTRY_OF(o)                                                                                \
	((const struct store_entry *)((const uint8_t *)(o)-offsetof(struct store_entry, val)))

uint64_t store_obj_idle_s(const struct store_obj *o, uint64_t now_ms)
{
	/* estimateObjectIdleTime(): the clock wraps every 2^24 s */
	uint32_t now = store_lru_clock(now_ms), then = ENTRY_OF(o)->lru;
	return now >= then ? now - then : (uint64_t)STORE_LRU_MAX - then + now;
}

int64_t store_obj_expire(const struct store_obj *o)
{
	return ENTRY_OF(o)->expire_at_ms;
}

uint32_t store_obj_lru(const struct store_obj *o)
{
	return ENTRY_OF(o)->lru;
}

void store_obj_set_lru(struct store_obj *o, uint32_t lru)
{
	struct store_entry *e =
	    (struct store_entry *)((uint8_t *)o - offsetof(struct store_entry, val));
	e->lru = lru & STORE_LRU_MAX;
}

const char *store_obj_enc_name(const struct store_obj *o)
{
	switch (o->enc) {
	case STORE_ENC_INT:
		return "int";
	case STORE_ENC_EMBSTR:
		return "embstr";
	case STORE_ENC_HT:
		return "hashtable";
	case STORE_ENC_INTSET:
		return "intset";
	case STORE_ENC_SKIPLIST:
		return "skiplist";
	case STORE_ENC_QUICKLIST:
		return "quicklist";
	case STORE_ENC_LISTPACK:
		return "listpack";
	default:
		return "raw";
	}
}
