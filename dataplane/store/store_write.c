/*
 * Keyspace shard: the write path, the one way to change a key (see the top
 * of store.h): store_write_begin(), the store_wr_*() value changes, and
 * store_write_commit() with its bookkeeping (dirty counter, versions, LRU
 * clock, hooks, memory accounting). String values are encoded as Redis's
 * object.c does: tryObjectEncoding() for values a client sets, embstr or raw
 * for computed ones, raw for strings changed in place.
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "store_int.h"

/* sds's greedy growth: double up to 1 MB, then 1 MB at a time (SDS_MAX_PREALLOC). */
#define STORE_RAW_PREALLOC (1024u * 1024)

/* A value to store, already classified into its encoding. */
struct store_newval {
	uint8_t enc;
	int64_t i;
	const uint8_t *p;
	size_t len;
};

/* tryObjectEncoding(): an int if canonical and at most 20 chars, inline
 * (embstr) up to 44 bytes, its own allocation beyond. */
static void classify(struct store_newval *nv, const void *val, size_t vlen, bool allow_int)
{
	nv->p = val;
	nv->len = vlen;
	if (allow_int && vlen <= 20 && resp_str_to_i64(val, vlen, &nv->i))
		nv->enc = STORE_ENC_INT;
	else if (vlen <= STORE_EMBSTR_MAX)
		nv->enc = STORE_ENC_EMBSTR;
	else
		nv->enc = STORE_ENC_RAW;
}

/* ---- begin / commit ---- */

void store_write_begin(struct store_shard *s, uint32_t db, const void *key, size_t klen,
		       uint64_t now_ms, struct store_wr *w)
{
	/* now_ms 0 (loaders, store_set()) skips lazy expiry; the clocks of
	 * the entry then use the last time the shard was told. */
	if (now_ms != 0)
		s->clock_ms = now_ms;
	*w = (struct store_wr){.s = s, .key = key, .klen = klen, .now_ms = s->clock_ms, .db = db};
	w->link = store_find_live(s, store_db_of(s, db), db, key, klen, now_ms, &w->table);
	if (w->link == NULL)
		return;
	w->e = *w->link;
	store_snap_touch(s, db, w->e); /* a snapshot gets the value before the write */
	/* lookupKeyWrite() touches the key, unless this command's write lookup did */
	if (s->n_wlooked == 0 || !store_wlooked_take(s, w->e))
		store_entry_touch(s, w->e, w->now_ms);
	w->obj = &w->e->val;
	w->mem_before = store_entry_footprint(w->e);
	w->existed = true;
}

static void commit(struct store_wr *w, uint32_t changes, bool count_dirty, const char *event)
{
	struct store_shard *s = w->s;
	if (w->e != NULL)
		s->stats.used_bytes += store_entry_footprint(w->e) - w->mem_before;
	w->mem_before = w->e != NULL ? store_entry_footprint(w->e) : 0;
	if (changes == 0)
		return;
	if (count_dirty)
		s->stats.dirty += changes;
	if (w->e != NULL) {
		s->stats.version++;
		w->e->gen = s->snap.gen; /* handed over already if a snapshot wanted it */
		/* LFU: begin already counted this access; dbOverwrite() keeps
		 * the old counter, a new key keeps LFU_INIT_VAL. */
		if (!s->lfu && !w->lru_set)
			w->e->lru = store_lru_clock(w->now_ms);
	}
	if (s->n_hooks > 0)
		store_hooks_run(s, w->db, w->key, w->klen, event != NULL ? event : "");
}

void store_write_commit(struct store_wr *w, uint32_t changes, const char *event)
{
	commit(w, changes, true, event);
}

void store_write_commit_silent(struct store_wr *w, const char *event)
{
	commit(w, 1, false, event);
}

/* ---- entries ---- */

/* What the allocator rounds the chunk up to is inline room too (and is
 * counted): store_entry_inline_cap(). */
static struct store_entry *entry_alloc(const void *key, size_t klen, size_t inline_cap)
{
	struct store_entry *e = malloc(sizeof(*e) + klen + inline_cap);
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->expire_at_ms = STORE_NO_EXPIRE;
	e->klen = (uint32_t)klen;
	e->val = (struct store_obj){.type = STORE_TYPE_STRING, .enc = STORE_ENC_EMBSTR};
	e->val.v.ptr = e->key + klen;
	memcpy(e->key, key, klen);
	return e;
}

/* Create the (absent) key with an empty embstr value and @p inline_cap bytes
 * of inline room. @return 0 or -ENOMEM. */
static int wr_create(struct store_wr *w, size_t inline_cap)
{
	struct store_entry *e = entry_alloc(w->key, w->klen, inline_cap);
	if (e == NULL)
		return -ENOMEM;
	e->hash = store_hash(w->s, w->key, w->klen);
	e->lru = store_entry_lru_new(w->s, w->now_ms);
	/* newer than any snapshot's cut, even if the write ends up changing nothing */
	e->gen = w->s->snap.gen;
	w->link = store_ht_insert(store_db_of(w->s, w->db), e, &w->table);
	if (w->link == NULL) {
		free(e);
		return -ENOMEM;
	}
	w->e = e;
	w->obj = &e->val;
	return 0;
}

/* Undo wr_create() after a later allocation failed. */
static void wr_uncreate(struct store_wr *w)
{
	store_ht_unlink(store_db_of(w->s, w->db), w->link, w->table);
	store_entry_free(w->e);
	w->e = NULL;
	w->obj = NULL;
	w->link = NULL;
}

/* Make room for an embstr of @p need bytes, moving the entry if needed and
 * repointing the chain and the expires index. */
static int wr_grow_inline(struct store_wr *w, size_t need)
{
	struct store_entry *e = w->e;
	if (store_entry_inline_cap(e) >= need)
		return 0;
	struct store_entry *n = realloc(e, sizeof(*e) + e->klen + need);
	if (n == NULL)
		return -ENOMEM;
	if (n->val.enc == STORE_ENC_EMBSTR)
		n->val.v.ptr = n->key + n->klen;
	*w->link = n;
	if (n->expire_at_ms != STORE_NO_EXPIRE)
		store_db_of(w->s, w->db)->vol[n->vol_idx] = n;
	w->e = n;
	w->obj = &n->val;
	return 0;
}

/* Store @p nv in the write's entry, creating the key if absent. */
static int wr_put(struct store_wr *w, const struct store_newval *nv)
{
	size_t need = nv->enc == STORE_ENC_EMBSTR ? nv->len : 0;
	bool created = false;
	if (w->e == NULL) {
		if (wr_create(w, need) != 0)
			return -ENOMEM;
		created = true;
	} else if (wr_grow_inline(w, need) != 0) {
		return -ENOMEM;
	}
	struct store_entry *e = w->e;
	uint8_t *raw = NULL;
	if (nv->enc == STORE_ENC_RAW) {
		raw = malloc(nv->len);
		if (raw == NULL) {
			if (created)
				wr_uncreate(w);
			return -ENOMEM;
		}
		memcpy(raw, nv->p, nv->len);
	}
	store_val_release(&e->val);
	e->val = (struct store_obj){.type = STORE_TYPE_STRING, .enc = nv->enc};
	if (nv->enc == STORE_ENC_INT) {
		e->val.v.i = nv->i;
	} else if (nv->enc == STORE_ENC_EMBSTR) {
		e->val.v.ptr = e->key + e->klen;
		e->val.len = (uint32_t)nv->len;
		if (nv->len > 0)
			memcpy(e->val.v.ptr, nv->p, nv->len);
	} else {
		e->val.v.ptr = raw;
		e->val.len = (uint32_t)nv->len;
	}
	return 0;
}

int store_wr_set_str(struct store_wr *w, const void *val, size_t vlen)
{
	struct store_newval nv;
	classify(&nv, val, vlen, true);
	return wr_put(w, &nv);
}

int store_wr_set_bytes(struct store_wr *w, const void *val, size_t vlen)
{
	struct store_newval nv;
	classify(&nv, val, vlen, false);
	return wr_put(w, &nv);
}

int store_wr_set_int(struct store_wr *w, int64_t v)
{
	struct store_newval nv = {.enc = STORE_ENC_INT, .i = v};
	return wr_put(w, &nv);
}

/*
 * sds model. A RAW string's bytes live in a plain allocation, but MEMORY
 * USAGE reports what stock's sds would take, and that depends on its
 * history. sdsnewlen() takes jemalloc's size class of header + length + 1
 * and keeps it all as capacity (a 1-byte header under 32 bytes has none);
 * a value SET stores is trimmed to its length when more than a tenth of it
 * is spare (trimStringObjectIfNeeded()); sdsMakeRoomFor() grows greedily
 * (twice the new length, or 1 MB more) into a size class again. obj->sds
 * keeps the header and the class of a string changed in place; 0 is a
 * string as SET stored it.
 */
uint64_t store_je_class(uint64_t n)
{
	if (n <= 8)
		return 8;
	if (n <= 128)
		return (n + 15) & ~UINT64_C(15);
	uint64_t pow = 128;
	while (pow * 2 < n)
		pow *= 2;
	uint64_t step = pow / 4;
	return (n + step - 1) / step * step;
}

/* A class (store_je_class()'s answer) as a small index and back. */
static uint16_t je_index(uint64_t c)
{
	if (c <= 128)
		return c <= 8 ? 1 : (uint16_t)(c / 16 + 1);
	uint16_t g = 0;
	uint64_t pow = 128;
	while (pow * 2 < c)
		pow *= 2, g++;
	return (uint16_t)(10 + 4 * g + (c - pow) / (pow / 4) - 1);
}

static uint64_t je_of_index(uint16_t idx)
{
	if (idx <= 9)
		return idx == 1 ? 8 : (uint64_t)(idx - 1) * 16;
	uint64_t pow = UINT64_C(128) << ((idx - 10) / 4);
	return pow + (uint64_t)((idx - 10) % 4 + 1) * (pow / 4);
}

/* sdsReqType()'s header bytes for a string of @p n (type 5: @p allow5). */
static uint64_t sds_hdr(uint64_t n, bool allow5)
{
	return n < 32 && allow5 ? 1 : n < 256 ? 3 : n < 65536 ? 5 : 9;
}

/* The capacity a class of @p usable bytes gives header @p hdr (sdssetalloc(), capped by its type).
 */
static uint64_t sds_cap(uint64_t hdr, uint64_t usable)
{
	uint64_t cap = usable - hdr - 1, max = hdr == 3 ? 255 : hdr == 5 ? 65535 : UINT32_MAX;
	return cap < max ? cap : max;
}

/* sdsnewlen() of @p o's bytes. */
static void sds_new(struct store_obj *o)
{
	uint64_t hdr = sds_hdr(o->len, o->len > 0);
	o->sds = (uint16_t)(hdr << 8 | je_index(store_je_class(hdr + o->len + 1)));
}

/* The capacity (sdsalloc()) of @p o's modelled sds. */
static uint64_t sds_alloc(const struct store_obj *o)
{
	if (o->sds == 0) { /* SET: sdsnewlen(), trimmed if a tenth is spare */
		uint64_t hdr = sds_hdr(o->len, false);
		uint64_t cap = sds_cap(hdr, store_je_class(hdr + o->len + 1));
		return cap - o->len > o->len / 10 ? o->len : cap;
	}
	uint64_t hdr = o->sds >> 8;
	return hdr == 1 ? o->len : sds_cap(hdr, je_of_index(o->sds & 0xff));
}

uint64_t store_raw_sds_bytes(const struct store_obj *o)
{
	if (o->sds == 0)
		return store_je_class(sds_hdr(o->len, false) + o->len + 1);
	return je_of_index(o->sds & 0xff);
}

/* sdsMakeRoomFor(), greedy, to hold @p len bytes. */
static void sds_grow(struct store_obj *o, uint64_t len)
{
	if (len <= sds_alloc(o))
		return;
	uint64_t newlen = len < STORE_RAW_PREALLOC ? len * 2 : len + STORE_RAW_PREALLOC;
	uint64_t hdr = sds_hdr(newlen, false);
	o->sds = (uint16_t)(hdr << 8 | je_index(store_je_class(hdr + newlen + 1)));
}

void store_wr_raw_sds(struct store_wr *w, uint16_t sds)
{
	if (w->obj != NULL && w->obj->type == STORE_TYPE_STRING && w->obj->enc == STORE_ENC_RAW)
		w->obj->sds = sds;
}

uint8_t *store_wr_raw(struct store_wr *w, size_t len)
{
	bool created = false;
	if (len > UINT32_MAX - STORE_RAW_PREALLOC)
		return NULL;
	if (w->e == NULL) {
		if (wr_create(w, 0) != 0)
			return NULL;
		created = true;
	}
	struct store_entry *e = w->e;
	struct store_obj *o = &e->val;
	if (o->enc != STORE_ENC_RAW) {
		/* dbUnshareStringValue(): an exact-size private copy */
		char buf[21];
		const uint8_t *p;
		size_t n = store_obj_str(o, buf, &p);
		size_t cap = len > n ? len : n;
		uint8_t *raw = malloc(cap > 0 ? cap : 1);
		if (raw == NULL)
			goto fail;
		if (n > 0)
			memcpy(raw, p, n);
		o->enc = STORE_ENC_RAW;
		o->v.ptr = raw;
		o->len = (uint32_t)(created ? len : n); /* sdsnewlen() */
		sds_new(o);
		o->len = (uint32_t)n;
	}
	if (!created) /* (a new key: sdsnewlen() of its length, no growth) */
		sds_grow(o, len);
	if (len > malloc_usable_size(o->v.ptr)) {
		size_t cap = len < STORE_RAW_PREALLOC ? len * 2 : len + STORE_RAW_PREALLOC;
		uint8_t *raw = realloc(o->v.ptr, cap);
		if (raw == NULL)
			goto fail;
		o->v.ptr = raw;
	}
	if (len > o->len)
		memset(o->v.ptr + o->len, 0, len - o->len);
	o->len = (uint32_t)len;
	return o->v.ptr;
fail:
	if (created)
		wr_uncreate(w);
	return NULL;
}

int store_wr_set_coll(struct store_wr *w, uint8_t type, uint8_t enc, void *coll)
{
	struct store_obj tmp = {.type = type, .enc = enc, .v.coll = coll};
	if (w->e == NULL && wr_create(w, 0) != 0) {
		store_val_release(&tmp);
		return -ENOMEM;
	}
	struct store_entry *e = w->e;
	store_val_release(&e->val);
	e->val = tmp;
	return 0;
}

int store_wr_set_expire(struct store_wr *w, int64_t at_ms)
{
	if (w->e == NULL)
		return -ENOENT;
	return store_entry_set_expire(store_db_of(w->s, w->db), w->e, at_ms);
}

void store_wr_keep_lru(struct store_wr *w, uint32_t lru)
{
	w->e->lru = lru & STORE_LRU_MAX;
	w->lru_set = true;
}

bool store_wr_set_lru(struct store_wr *w, int64_t lfu_freq, int64_t lru_idle_s)
{
	if (w->e == NULL)
		return false;
	if (w->s->lfu) {
		if (lfu_freq < 0)
			return false;
		w->e->lru = (store_lfu_minutes(w->now_ms) << 8) | ((uint32_t)lfu_freq & 0xff);
		return true;
	}
	if (lru_idle_s < 0)
		return false;
	/* the LRU clock wraps (every 2^24 s): an idle time reaching before its
	 * zero is taken from the end of the clock's previous turn, as Redis 7.0
	 * does (lru_abs += LRU_CLOCK_MAX), so OBJECT IDLETIME reads it back */
	int64_t clock = store_lru_clock(w->now_ms), at = clock - lru_idle_s;
	if (at < 0)
		at += STORE_LRU_MAX;
	w->e->lru = (uint32_t)at;
	w->lru_set = true;
	return true;
}

void store_wr_delete(struct store_wr *w)
{
	if (w->e == NULL)
		return;
	/* settle what changed so far; store_entry_delete() takes the rest */
	w->s->stats.used_bytes += store_entry_footprint(w->e) - w->mem_before;
	store_entry_delete(w->s, store_db_of(w->s, w->db), w->link, w->table);
	w->e = NULL;
	w->obj = NULL;
	w->link = NULL;
	w->mem_before = 0;
}

int store_wr_take_coll(struct store_wr *w, struct store_obj *out)
{
	if (w->e == NULL || w->e->val.type == STORE_TYPE_STRING)
		return -EINVAL;
	*out = w->e->val;
	/* the entry goes without its collection: delete frees nothing more,
	 * and the accounting sees the collection leave with it */
	w->e->val = (struct store_obj){.type = STORE_TYPE_STRING, .enc = STORE_ENC_INT};
	store_wr_delete(w);
	return 0;
}

/* ---- one-call writes on the same entry point ---- */

/* For loaders and tests: no lazy expiry first (now 0), as callers that
 * need it look the key up themselves. */
static int set_one(struct store_shard *s, uint32_t db, const void *key, size_t klen,
		   const struct store_newval *nv, int64_t expire_at_ms, unsigned flags)
{
	struct store_wr w;
	store_write_begin(s, db, key, klen, 0, &w);
	int rc = wr_put(&w, nv);
	if (rc == 0 && !(expire_at_ms == STORE_NO_EXPIRE && (flags & STORE_SET_KEEPTTL))) {
		/* Clearing an expiry cannot fail; setting one may (index growth),
		 * in which case the key keeps no expiry rather than a stale one. */
		rc = store_wr_set_expire(&w, expire_at_ms);
		if (rc != 0)
			store_wr_set_expire(&w, STORE_NO_EXPIRE);
	}
	store_write_commit(&w, w.e != NULL && rc == 0 ? 1 : 0, "set");
	return rc;
}

int store_set(struct store_shard *s, uint32_t db, const void *key, size_t klen, const void *val,
	      size_t vlen, int64_t expire_at_ms, unsigned flags)
{
	struct store_newval nv;
	classify(&nv, val, vlen, true);
	return set_one(s, db, key, klen, &nv, expire_at_ms, flags);
}

int store_set_int(struct store_shard *s, uint32_t db, const void *key, size_t klen, int64_t v,
		  int64_t expire_at_ms, unsigned flags)
{
	struct store_newval nv = {.enc = STORE_ENC_INT, .i = v};
	return set_one(s, db, key, klen, &nv, expire_at_ms, flags);
}

bool store_delete(struct store_shard *s, uint32_t db, const void *key, size_t klen, uint64_t now_ms)
{
	struct store_wr w;
	store_write_begin(s, db, key, klen, now_ms, &w);
	bool found = w.obj != NULL;
	store_wr_delete(&w);
	store_write_commit(&w, found ? 1 : 0, "del");
	return found;
}
