/*
 * Keyspace shard: the API over the hash table (store_ht.c), string
 * objects, the expires index, lazy expiry and the active expire cycle.
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
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "resp.h"
#include "store_int.h"

/* Active expiry samples this many keys of a DB per round and moves on to
 * the next DB when at most a tenth of them were expired (Redis's
 * ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP and its 10% acceptable-stale rule). */
#define STORE_EXPIRE_SAMPLE	20
#define STORE_EXPIRE_STALE_PERC 10

static struct store_db *db_of(struct store_shard *s, uint32_t db)
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
	for (uint32_t i = 0; i < databases; i++)
		s->db[i].rehash_idx = -1;
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
	return s;
}

static void entry_free(struct store_entry *e)
{
	if (e->val.enc == STORE_ENC_RAW)
		free(e->val.v.ptr);
	free(e);
}

void store_shard_destroy(struct store_shard **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	struct store_shard *s = *sp;
	for (uint32_t i = 0; i < s->databases; i++) {
		store_ht_fini(&s->db[i], entry_free);
		free(s->db[i].vol);
	}
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

/* ---- expires index ---- */

static int vol_add(struct store_db *d, struct store_entry *e)
{
	if (d->vol_n == d->vol_cap) {
		uint32_t cap = d->vol_cap ? d->vol_cap * 2 : 16;
		struct store_entry **v = realloc(d->vol, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
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

/* Give @p e the expiry @p at (or none). @return 0 or -ENOMEM. */
static int entry_set_expire(struct store_db *d, struct store_entry *e, int64_t at)
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

static void entry_delete(struct store_db *d, struct store_entry **link, int table)
{
	struct store_entry *e = *link;
	store_ht_unlink(d, link, table);
	if (e->expire_at_ms != STORE_NO_EXPIRE)
		vol_del(d, e);
	entry_free(e);
	store_ht_maybe_shrink(d);
}

/* Find a live entry, reclaiming it first if it expired. */
static struct store_entry **find_live(struct store_shard *s, struct store_db *d, const void *key,
				      size_t klen, uint64_t now_ms, int *table)
{
	struct store_entry **link = store_ht_find(d, key, klen, store_hash(s, key, klen), table);
	if (link != NULL && entry_expired(*link, now_ms)) {
		entry_delete(d, link, *table);
		s->stats.expired_keys++;
		return NULL;
	}
	return link;
}

struct store_obj *store_lookup_write(struct store_shard *s, uint32_t db, const void *key,
				     size_t klen, uint64_t now_ms)
{
	int t;
	struct store_entry **link = find_live(s, db_of(s, db), key, klen, now_ms, &t);
	return link != NULL ? &(*link)->val : NULL;
}

struct store_obj *store_lookup_read(struct store_shard *s, uint32_t db, const void *key,
				    size_t klen, uint64_t now_ms)
{
	struct store_obj *o = store_lookup_write(s, db, key, klen, now_ms);
	if (o != NULL)
		s->stats.keyspace_hits++;
	else
		s->stats.keyspace_misses++;
	return o;
}

int64_t store_get_expire(struct store_shard *s, uint32_t db, const void *key, size_t klen)
{
	int t;
	struct store_entry **link =
	    store_ht_find(db_of(s, db), key, klen, store_hash(s, key, klen), &t);
	return link != NULL ? (*link)->expire_at_ms : STORE_NO_EXPIRE;
}

/* ---- set ---- */

/* A value to store, already classified into its encoding. */
struct store_newval {
	uint8_t enc;
	int64_t i;
	const uint8_t *p;
	size_t len;
};

/* tryObjectEncoding(): an int if canonical and at most 20 chars, inline
 * (embstr) up to 44 bytes, its own allocation beyond. */
static void classify(struct store_newval *nv, const void *val, size_t vlen)
{
	nv->p = val;
	nv->len = vlen;
	if (vlen <= 20 && resp_str_to_i64(val, vlen, &nv->i))
		nv->enc = STORE_ENC_INT;
	else if (vlen <= STORE_EMBSTR_MAX)
		nv->enc = STORE_ENC_EMBSTR;
	else
		nv->enc = STORE_ENC_RAW;
}

static struct store_entry *entry_alloc(const void *key, size_t klen, size_t inline_cap)
{
	struct store_entry *e = malloc(sizeof(*e) + klen + inline_cap);
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->expire_at_ms = STORE_NO_EXPIRE;
	e->klen = (uint32_t)klen;
	e->inline_cap = (uint32_t)inline_cap;
	memcpy(e->key, key, klen);
	return e;
}

/* Store @p nv in @p e, whose inline room is already large enough for an
 * embstr. A RAW value is allocated first, so failure leaves e unchanged. */
static int entry_put_value(struct store_entry *e, const struct store_newval *nv)
{
	uint8_t *raw = NULL;
	if (nv->enc == STORE_ENC_RAW) {
		raw = malloc(nv->len);
		if (raw == NULL)
			return -ENOMEM;
		memcpy(raw, nv->p, nv->len);
	}
	if (e->val.enc == STORE_ENC_RAW)
		free(e->val.v.ptr);
	e->val = (struct store_obj){.type = STORE_TYPE_STRING, .enc = nv->enc};
	if (nv->enc == STORE_ENC_INT) {
		e->val.v.i = nv->i;
	} else if (nv->enc == STORE_ENC_EMBSTR) {
		e->val.v.ptr = e->key + e->klen;
		e->val.len = (uint32_t)nv->len;
		memcpy(e->val.v.ptr, nv->p, nv->len);
	} else {
		e->val.v.ptr = raw;
		e->val.len = (uint32_t)nv->len;
	}
	return 0;
}

/* Make room for an embstr of @p need bytes in the entry held by @p link,
 * moving it if needed and repointing the chain and the expires index. */
static struct store_entry *entry_grow_inline(struct store_db *d, struct store_entry **link,
					     size_t need)
{
	struct store_entry *e = *link;
	if (e->inline_cap >= need)
		return e;
	/* An embstr value would move with realloc; re-derived below anyway. */
	struct store_entry *n = realloc(e, sizeof(*e) + e->klen + need);
	if (n == NULL)
		return NULL;
	n->inline_cap = (uint32_t)need;
	if (n->val.enc == STORE_ENC_EMBSTR)
		n->val.v.ptr = n->key + n->klen;
	*link = n;
	if (n->expire_at_ms != STORE_NO_EXPIRE)
		d->vol[n->vol_idx] = n;
	return n;
}

static int set_existing(struct store_db *d, struct store_entry **link,
			const struct store_newval *nv, int64_t expire_at_ms, unsigned flags)
{
	struct store_entry *e = *link;
	if (nv->enc == STORE_ENC_EMBSTR) {
		e = entry_grow_inline(d, link, nv->len);
		if (e == NULL)
			return -ENOMEM;
	}
	if (entry_put_value(e, nv) != 0)
		return -ENOMEM;
	if (expire_at_ms == STORE_NO_EXPIRE && (flags & STORE_SET_KEEPTTL))
		return 0;
	/* Clearing an expiry cannot fail; setting one may (index growth), in
	 * which case the key keeps no expiry rather than a stale one. */
	if (entry_set_expire(d, e, expire_at_ms) != 0) {
		entry_set_expire(d, e, STORE_NO_EXPIRE);
		return -ENOMEM;
	}
	return 0;
}

static int set_new(struct store_shard *s, struct store_db *d, const void *key, size_t klen,
		   const struct store_newval *nv, int64_t expire_at_ms)
{
	struct store_entry *e = entry_alloc(key, klen, nv->enc == STORE_ENC_EMBSTR ? nv->len : 0);
	if (e == NULL)
		return -ENOMEM;
	e->hash = store_hash(s, key, klen);
	if (entry_put_value(e, nv) != 0)
		goto fail_entry;
	if (entry_set_expire(d, e, expire_at_ms) != 0)
		goto fail_value;
	if (store_ht_insert(d, e) != 0)
		goto fail_expire;
	return 0;

fail_expire:
	entry_set_expire(d, e, STORE_NO_EXPIRE);
fail_value:
	if (e->val.enc == STORE_ENC_RAW)
		free(e->val.v.ptr);
fail_entry:
	free(e);
	return -ENOMEM;
}

static int set_value(struct store_shard *s, uint32_t db, const void *key, size_t klen,
		     const struct store_newval *nv, int64_t expire_at_ms, unsigned flags)
{
	struct store_db *d = db_of(s, db);
	int t;
	/* Callers look the key up first (lazy expiry), as Redis's SET does, so
	 * KEEPTTL never keeps the expiry of a key that is already dead. */
	struct store_entry **link = store_ht_find(d, key, klen, store_hash(s, key, klen), &t);
	if (link != NULL)
		return set_existing(d, link, nv, expire_at_ms, flags);
	return set_new(s, d, key, klen, nv, expire_at_ms);
}

int store_set(struct store_shard *s, uint32_t db, const void *key, size_t klen, const void *val,
	      size_t vlen, int64_t expire_at_ms, unsigned flags)
{
	struct store_newval nv;
	classify(&nv, val, vlen);
	return set_value(s, db, key, klen, &nv, expire_at_ms, flags);
}

int store_set_int(struct store_shard *s, uint32_t db, const void *key, size_t klen, int64_t v,
		  int64_t expire_at_ms, unsigned flags)
{
	struct store_newval nv = {.enc = STORE_ENC_INT, .i = v};
	return set_value(s, db, key, klen, &nv, expire_at_ms, flags);
}

/* ---- delete, sizes ---- */

bool store_delete(struct store_shard *s, uint32_t db, const void *key, size_t klen, uint64_t now_ms)
{
	struct store_db *d = db_of(s, db);
	int t;
	struct store_entry **link = find_live(s, d, key, klen, now_ms, &t);
	if (link == NULL)
		return false;
	entry_delete(d, link, t);
	return true;
}

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

static uint64_t rng_next(struct store_shard *s)
{
	/* xorshift64*: sampling only needs to be cheap and well spread. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dULL;
}

/* Sample up to @p n volatile keys of @p d, deleting expired ones.
 * @return the number expired; *@p sampled gets the number looked at. */
static uint32_t expire_sample_db(struct store_shard *s, struct store_db *d, uint64_t now_ms,
				 uint32_t n, uint32_t *sampled)
{
	uint32_t expired = 0;
	*sampled = 0;
	while (*sampled < n && d->vol_n > 0) {
		struct store_entry *e = d->vol[rng_next(s) % d->vol_n];
		(*sampled)++;
		if (!entry_expired(e, now_ms))
			continue;
		int t;
		struct store_entry **link = store_ht_find(d, e->key, e->klen, e->hash, &t);
		assert(link != NULL && *link == e);
		entry_delete(d, link, t);
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
	s->stats.expired_keys += expired;
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

const char *store_obj_enc_name(const struct store_obj *o)
{
	switch (o->enc) {
	case STORE_ENC_INT:
		return "int";
	case STORE_ENC_EMBSTR:
		return "embstr";
	default:
		return "raw";
	}
}
