/*
 * Sorted set values: listpack and skiplist + hash table (see store_zset.h).
 *
 * LISTPACK entry (in order, no gaps):
 *
 *   +--------------+--------------+-----------+----------------------+
 *   | len (LEB128) | member bytes | score (8) | backlen (reverse     |
 *   |              |              | host dbl) | LEB128 of the above) |
 *   +--------------+--------------+-----------+----------------------+
 *
 * SKIPLIST: William Pugh's skiplist as Redis's t_zset.c keeps it: up to 32
 * levels, p = 1/4, each forward link with the number of elements it
 * skips (span), so the rank of a node is the sum of the spans followed to
 * reach it; a backward link on level 0 for reverse walks. A chained hash
 * table (power-of-two buckets, chains through the nodes) maps members to
 * nodes; it doubles when full and halves below 1/8, all at once (a
 * nested set is bounded by what one command adds).
 *
 * Invariants: len counts the elements; bytes = sizeof(struct store_zset)
 * + the listpack buffer, or + every node allocation + the header + the
 * bucket array.
 *
 * Context: the owning worker lcore.
 */
#include "store_zset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZSL_MAXLEVEL	32
#define LP_SAFETY_BYTES (1u << 30) /* Redis's LISTPACK_MAX_SAFETY_SIZE */

struct zsl_node;

struct zsl_level {
	struct zsl_node *forward;
	uint64_t span;
};

struct zsl_node {
	double score;
	struct zsl_node *backward, *hnext;
	uint64_t hash;
	uint32_t mlen, level;
	uint8_t *m;
	struct zsl_level lv[];
};

struct store_zset {
	uint8_t enc;
	int level; /* skiplist levels in use */
	uint64_t len;
	uint64_t bytes;
	uint64_t rng;
	/* listpack */
	uint8_t *lp;
	uint32_t lp_used, lp_cap;
	/* skiplist and its member index */
	struct zsl_node *header, *tail;
	struct zsl_node **buckets;
	uint64_t nb;
};

/* ---- ordering ---- */

/* sdscmp(): bytes, then the shorter first. */
static int mcmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	int c = n > 0 ? memcmp(a, b, n) : 0;
	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn ? 1 : 0;
}

/* (score, member) order of the set. */
static int ecmp(double s1, const uint8_t *m1, size_t n1, double s2, const uint8_t *m2, size_t n2)
{
	if (s1 < s2)
		return -1;
	if (s1 > s2)
		return 1;
	return mcmp(m1, n1, m2, n2);
}

/* double2ll() keeps an integral score as an integer in a listpack: the
 * only value that changes on the way back is -0. */
static double lp_norm(double s)
{
	return s == 0 ? 0.0 : s;
}

/* ---- listpack ---- */

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 128) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t lp_entry_size(size_t n)
{
	size_t body = varint_len(n) + n + sizeof(double);
	return body + varint_len(body);
}

static void lp_write(uint8_t *d, const void *m, size_t n, double score)
{
	size_t vl = varint_len(n), body = vl + n + sizeof(double), bl = varint_len(body);
	uint64_t v = n;
	for (size_t i = 0; i < vl; i++, v >>= 7)
		d[i] = (uint8_t)((v & 127) | (i + 1 < vl ? 128 : 0));
	if (n > 0)
		memcpy(d + vl, m, n);
	memcpy(d + vl + n, &score, sizeof(score));
	v = body;
	for (size_t i = bl; i-- > 0; v >>= 7)
		d[body + i] = (uint8_t)((v & 127) | (i != 0 ? 128 : 0));
}

/* Decode the entry at @p off. @return its total size. */
static size_t lp_read(const struct store_zset *z, uint32_t off, const uint8_t **m, size_t *n,
		      double *score)
{
	const uint8_t *d = z->lp + off;
	uint64_t v = 0;
	size_t i = 0;
	int shift = 0;
	do {
		v |= (uint64_t)(d[i] & 127) << shift;
		shift += 7;
	} while (d[i++] & 128);
	*m = d + i;
	*n = (size_t)v;
	memcpy(score, d + i + v, sizeof(*score));
	size_t body = i + (size_t)v + sizeof(double);
	return body + varint_len(body);
}

/* Offset of the entry that ends at @p end. */
static uint32_t lp_prev(const struct store_zset *z, uint32_t end)
{
	const uint8_t *q = z->lp + end - 1;
	uint64_t v = *q & 127;
	int shift = 7;
	while (*q & 128) {
		q--;
		v |= (uint64_t)(*q & 127) << shift;
		shift += 7;
	}
	return (uint32_t)(q - z->lp) - (uint32_t)v;
}

/* Offset of the entry of rank @p rank (or lp_used past the end). */
static uint32_t lp_seek(const struct store_zset *z, uint64_t rank)
{
	uint32_t off = 0;
	const uint8_t *m;
	size_t n;
	double s;
	for (uint64_t i = 0; i < rank && off < z->lp_used; i++)
		off += (uint32_t)lp_read(z, off, &m, &n, &s);
	return off;
}

/* Find @p m: its offset, rank and score. */
static bool lp_find(const struct store_zset *z, const void *mm, size_t mn, uint32_t *at,
		    uint64_t *rank, double *score)
{
	uint32_t off = 0;
	for (uint64_t r = 0; off < z->lp_used; r++) {
		const uint8_t *m;
		size_t n;
		double s;
		size_t sz = lp_read(z, off, &m, &n, &s);
		if (n == mn && (n == 0 || memcmp(m, mm, n) == 0)) {
			*at = off;
			*rank = r;
			*score = s;
			return true;
		}
		off += (uint32_t)sz;
	}
	return false;
}

static int lp_insert(struct store_zset *z, double score, const void *mm, size_t mn)
{
	score = lp_norm(score);
	size_t sz = lp_entry_size(mn);
	if (z->lp_used + sz > z->lp_cap) {
		size_t cap = z->lp_cap * 2 > z->lp_used + sz ? z->lp_cap * 2 : z->lp_used + sz;
		if (cap < 64)
			cap = 64;
		uint8_t *p = realloc(z->lp, cap);
		if (p == NULL)
			return -ENOMEM;
		z->bytes += cap - z->lp_cap;
		z->lp = p;
		z->lp_cap = (uint32_t)cap;
	}
	uint32_t off = 0;
	while (off < z->lp_used) {
		const uint8_t *m;
		size_t n;
		double s;
		size_t esz = lp_read(z, off, &m, &n, &s);
		if (ecmp(s, m, n, score, mm, mn) > 0)
			break;
		off += (uint32_t)esz;
	}
	memmove(z->lp + off + sz, z->lp + off, z->lp_used - off);
	lp_write(z->lp + off, mm, mn, score);
	z->lp_used += (uint32_t)sz;
	z->len++;
	return 0;
}

/* Remove the entries in [off, off + span) holding @p k elements. */
static void lp_cut(struct store_zset *z, uint32_t off, uint32_t span, uint64_t k)
{
	memmove(z->lp + off, z->lp + off + span, z->lp_used - off - span);
	z->lp_used -= span;
	z->len -= k;
}

/* ---- member index (hash table) ---- */

static uint64_t mhash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static int dict_resize(struct store_zset *z, uint64_t nb)
{
	struct zsl_node **b = calloc(nb, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	for (uint64_t i = 0; i < z->nb; i++) {
		struct zsl_node *x = z->buckets[i];
		while (x != NULL) {
			struct zsl_node *next = x->hnext;
			x->hnext = b[x->hash & (nb - 1)];
			b[x->hash & (nb - 1)] = x;
			x = next;
		}
	}
	free(z->buckets);
	z->bytes += (nb - z->nb) * sizeof(*b);
	z->buckets = b;
	z->nb = nb;
	return 0;
}

static struct zsl_node *dict_find(const struct store_zset *z, const void *m, size_t n)
{
	if (z->nb == 0)
		return NULL;
	uint64_t h = mhash(m, n);
	for (struct zsl_node *x = z->buckets[h & (z->nb - 1)]; x != NULL; x = x->hnext)
		if (x->hash == h && x->mlen == n && (n == 0 || memcmp(x->m, m, n) == 0))
			return x;
	return NULL;
}

static void dict_unlink(struct store_zset *z, struct zsl_node *x)
{
	struct zsl_node **pp = &z->buckets[x->hash & (z->nb - 1)];
	while (*pp != x)
		pp = &(*pp)->hnext;
	*pp = x->hnext;
}

/* ---- skiplist ---- */

static size_t node_size(uint32_t level, size_t n)
{
	return sizeof(struct zsl_node) + level * sizeof(struct zsl_level) + n;
}

static int zsl_random_level(struct store_zset *z)
{
	int level = 1;
	for (;;) {
		z->rng ^= z->rng << 13;
		z->rng ^= z->rng >> 7;
		z->rng ^= z->rng << 17;
		if ((z->rng & 0xffff) >= 0xffff / 4 || level == ZSL_MAXLEVEL)
			return level;
		level++;
	}
}

static int zsl_init(struct store_zset *z)
{
	z->header = calloc(1, node_size(ZSL_MAXLEVEL, 0));
	if (z->header == NULL)
		return -ENOMEM;
	z->header->level = ZSL_MAXLEVEL;
	z->level = 1;
	z->tail = NULL;
	z->bytes += node_size(ZSL_MAXLEVEL, 0);
	return dict_resize(z, 4);
}

/* zslInsert() plus the index; the member must be absent. */
static int zsl_insert(struct store_zset *z, double score, const void *m, size_t n)
{
	struct zsl_node *update[ZSL_MAXLEVEL], *x = z->header;
	uint64_t rank[ZSL_MAXLEVEL];
	if (z->len + 1 > z->nb && dict_resize(z, z->nb * 2) != 0)
		return -ENOMEM;
	for (int i = z->level - 1; i >= 0; i--) {
		rank[i] = i == z->level - 1 ? 0 : rank[i + 1];
		while (x->lv[i].forward != NULL &&
		       ecmp(x->lv[i].forward->score, x->lv[i].forward->m, x->lv[i].forward->mlen,
			    score, m, n) < 0) {
			rank[i] += x->lv[i].span;
			x = x->lv[i].forward;
		}
		update[i] = x;
	}
	int level = zsl_random_level(z);
	struct zsl_node *nd = malloc(node_size((uint32_t)level, n));
	if (nd == NULL)
		return -ENOMEM;
	z->bytes += node_size((uint32_t)level, n);
	nd->score = score;
	nd->level = (uint32_t)level;
	nd->mlen = (uint32_t)n;
	nd->m = (uint8_t *)&nd->lv[level];
	if (n > 0)
		memcpy(nd->m, m, n);
	nd->hash = mhash(m, n);
	if (level > z->level) {
		for (int i = z->level; i < level; i++) {
			rank[i] = 0;
			update[i] = z->header;
			update[i]->lv[i].span = z->len;
		}
		z->level = level;
	}
	for (int i = 0; i < level; i++) {
		nd->lv[i].forward = update[i]->lv[i].forward;
		update[i]->lv[i].forward = nd;
		nd->lv[i].span = update[i]->lv[i].span - (rank[0] - rank[i]);
		update[i]->lv[i].span = (rank[0] - rank[i]) + 1;
	}
	for (int i = level; i < z->level; i++)
		update[i]->lv[i].span++;
	nd->backward = update[0] == z->header ? NULL : update[0];
	if (nd->lv[0].forward != NULL)
		nd->lv[0].forward->backward = nd;
	else
		z->tail = nd;
	nd->hnext = z->buckets[nd->hash & (z->nb - 1)];
	z->buckets[nd->hash & (z->nb - 1)] = nd;
	z->len++;
	return 0;
}

/* zslDelete() of node @p target plus the index; frees it. */
static void zsl_delete(struct store_zset *z, struct zsl_node *target)
{
	struct zsl_node *update[ZSL_MAXLEVEL], *x = z->header;
	for (int i = z->level - 1; i >= 0; i--) {
		while (x->lv[i].forward != NULL && x->lv[i].forward != target &&
		       ecmp(x->lv[i].forward->score, x->lv[i].forward->m, x->lv[i].forward->mlen,
			    target->score, target->m, target->mlen) < 0)
			x = x->lv[i].forward;
		update[i] = x;
	}
	for (int i = 0; i < z->level; i++) {
		if (update[i]->lv[i].forward == target) {
			update[i]->lv[i].span += target->lv[i].span - 1;
			update[i]->lv[i].forward = target->lv[i].forward;
		} else {
			update[i]->lv[i].span--;
		}
	}
	if (target->lv[0].forward != NULL)
		target->lv[0].forward->backward = target->backward;
	else
		z->tail = target->backward;
	while (z->level > 1 && z->header->lv[z->level - 1].forward == NULL)
		z->level--;
	dict_unlink(z, target);
	z->len--;
	z->bytes -= node_size(target->level, target->mlen);
	free(target);
	if (z->nb > 4 && z->len < z->nb / 8)
		dict_resize(z, z->nb / 2); /* on failure the table just stays larger */
}

/* The node of 0-based rank @p rank (< len). */
static struct zsl_node *zsl_at(const struct store_zset *z, uint64_t rank)
{
	struct zsl_node *x = z->header;
	uint64_t traversed = 0;
	rank++;
	for (int i = z->level - 1; i >= 0; i--) {
		while (x->lv[i].forward != NULL && traversed + x->lv[i].span <= rank) {
			traversed += x->lv[i].span;
			x = x->lv[i].forward;
		}
		if (traversed == rank)
			return x;
	}
	return NULL;
}

/* ---- the set ---- */

struct store_zset *store_zset_create(bool skiplist)
{
	struct store_zset *z = calloc(1, sizeof(*z));
	if (z == NULL)
		return NULL;
	z->bytes = sizeof(*z);
	z->rng = 0x9e3779b97f4a7c15ULL ^ (uintptr_t)z;
	z->enc = STORE_ENC_LISTPACK;
	if (skiplist) {
		z->enc = STORE_ENC_SKIPLIST;
		if (zsl_init(z) != 0) {
			store_zset_destroy(&z);
			return NULL;
		}
	}
	return z;
}

/* Free what @p z holds (not @p z itself). */
static void zset_fini(struct store_zset *z)
{
	free(z->lp);
	if (z->header != NULL) {
		struct zsl_node *x = z->header->lv[0].forward;
		while (x != NULL) {
			struct zsl_node *next = x->lv[0].forward;
			free(x);
			x = next;
		}
		free(z->header);
	}
	free(z->buckets);
}

void store_zset_destroy(struct store_zset **zp)
{
	if (zp == NULL || *zp == NULL)
		return;
	zset_fini(*zp);
	free(*zp);
	*zp = NULL;
}

bool store_zset_free_step(struct store_zset **zp, uint32_t *budget)
{
	struct store_zset *z = *zp;
	if (z->header != NULL) {
		struct zsl_node *x = z->header->lv[0].forward;
		for (; x != NULL && *budget > 0; (*budget)--) {
			struct zsl_node *next = x->lv[0].forward;
			free(x);
			x = next;
		}
		z->header->lv[0].forward = x; /* the rest, for the next step */
		if (x != NULL)
			return false;
	}
	store_zset_destroy(zp);
	return true;
}

uint64_t store_zset_len(const struct store_zset *z)
{
	return z->len;
}

uint64_t store_zset_bytes(const struct store_zset *z)
{
	return z->bytes;
}

uint8_t store_zset_enc(const struct store_zset *z)
{
	return z->enc;
}

/* zsetConvert() to skiplist: every entry moves to the skiplist. */
static int convert_to_skiplist(struct store_zset *z)
{
	struct store_zset tmp = {.rng = z->rng, .bytes = 0};
	if (zsl_init(&tmp) != 0)
		goto fail;
	for (uint32_t off = 0; off < z->lp_used;) {
		const uint8_t *m;
		size_t n;
		double s;
		off += (uint32_t)lp_read(z, off, &m, &n, &s);
		if (zsl_insert(&tmp, s, m, n) != 0)
			goto fail;
	}
	free(z->lp);
	tmp.bytes += sizeof(*z);
	tmp.enc = STORE_ENC_SKIPLIST;
	*z = tmp;
	return 0;
fail:
	zset_fini(&tmp);
	return -ENOMEM;
}

bool store_zset_score(const struct store_zset *z, const void *m, size_t n, double *score)
{
	if (z->enc == STORE_ENC_LISTPACK) {
		uint32_t off;
		uint64_t rank;
		return lp_find(z, m, n, &off, &rank, score);
	}
	struct zsl_node *x = dict_find(z, m, n);
	if (x != NULL)
		*score = x->score;
	return x != NULL;
}

bool store_zset_del(struct store_zset *z, const void *m, size_t n)
{
	if (z->enc == STORE_ENC_LISTPACK) {
		uint32_t off;
		uint64_t rank;
		double s;
		if (!lp_find(z, m, n, &off, &rank, &s))
			return false;
		lp_cut(z, off, (uint32_t)lp_entry_size(n), 1);
		return true;
	}
	struct zsl_node *x = dict_find(z, m, n);
	if (x == NULL)
		return false;
	zsl_delete(z, x);
	return true;
}

static int insert(struct store_zset *z, double score, const void *m, size_t n)
{
	return z->enc == STORE_ENC_LISTPACK ? lp_insert(z, score, m, n)
					    : zsl_insert(z, score, m, n);
}

int store_zset_add(struct store_zset *z, const struct store_zset_cfg *cfg, double score,
		   const void *m, size_t n, unsigned flags, unsigned *out, double *newscore)
{
	double cur;
	*out = 0;
	if (isnan(score)) {
		*out = STORE_ZADD_OUT_NAN;
		return -EDOM;
	}
	if (store_zset_score(z, m, n, &cur)) {
		if (flags & STORE_ZADD_NX) {
			*out = STORE_ZADD_OUT_NOP;
			return 0;
		}
		if (flags & STORE_ZADD_INCR) {
			score += cur;
			if (isnan(score)) {
				*out = STORE_ZADD_OUT_NAN;
				return -EDOM;
			}
		}
		if (((flags & STORE_ZADD_LT) && score >= cur) ||
		    ((flags & STORE_ZADD_GT) && score <= cur)) {
			*out = STORE_ZADD_OUT_NOP;
			return 0;
		}
		*newscore = score;
		if (score != cur) {
			store_zset_del(z, m, n);
			/* re-inserting what was just freed cannot need more room in
			 * a listpack; a skiplist node may fail, losing the member */
			if (insert(z, score, m, n) != 0)
				return -ENOMEM;
			*out = STORE_ZADD_OUT_UPDATED;
		}
		return 0;
	}
	if (flags & STORE_ZADD_XX) {
		*out = STORE_ZADD_OUT_NOP;
		return 0;
	}
	/* lpSafeToAdd(): a listpack never grows past 1 GB, whatever the bounds */
	if (z->enc == STORE_ENC_LISTPACK &&
	    (z->len + 1 > cfg->max_entries || n > cfg->max_value ||
	     z->lp_used + lp_entry_size(n) > LP_SAFETY_BYTES) &&
	    convert_to_skiplist(z) != 0)
		return -ENOMEM;
	if (insert(z, score, m, n) != 0)
		return -ENOMEM;
	*newscore = score;
	*out = STORE_ZADD_OUT_ADDED;
	return 0;
}

bool store_zset_rank(const struct store_zset *z, const void *m, size_t n, uint64_t *rank)
{
	double s;
	if (z->enc == STORE_ENC_LISTPACK) {
		uint32_t off;
		return lp_find(z, m, n, &off, rank, &s);
	}
	struct zsl_node *t = dict_find(z, m, n), *x = z->header;
	if (t == NULL)
		return false;
	uint64_t r = 0;
	for (int i = z->level - 1; i >= 0; i--) {
		while (x->lv[i].forward != NULL &&
		       ecmp(x->lv[i].forward->score, x->lv[i].forward->m, x->lv[i].forward->mlen,
			    t->score, t->m, t->mlen) <= 0) {
			r += x->lv[i].span;
			x = x->lv[i].forward;
		}
		if (x == t)
			break;
	}
	*rank = r - 1;
	return true;
}

void store_zset_del_ranks(struct store_zset *z, uint64_t first, uint64_t end)
{
	if (end > z->len)
		end = z->len;
	if (first >= end)
		return;
	if (z->enc == STORE_ENC_LISTPACK) {
		uint32_t a = lp_seek(z, first), b = lp_seek(z, end);
		lp_cut(z, a, b - a, end - first);
		return;
	}
	struct zsl_node *x = zsl_at(z, first);
	for (uint64_t i = first; i < end && x != NULL; i++) {
		struct zsl_node *next = x->lv[0].forward;
		zsl_delete(z, x);
		x = next;
	}
}

/* ---- ranges: the length of the prefix of elements that satisfy a
 * predicate that holds for a prefix of the order ---- */

struct pred {
	const struct store_zset_range *r;
	const struct store_zset_lexb *lb;
	bool upper; /* false: "below min", true: "not above max" */
};

static bool pred_ok(const struct pred *p, double s, const uint8_t *m, size_t n)
{
	if (p->r != NULL) {
		if (!p->upper)
			return s < p->r->min || (p->r->minex && s == p->r->min);
		return s < p->r->max || (!p->r->maxex && s == p->r->max);
	}
	const struct store_zset_lexb *b = p->lb;
	if (b->inf != 0)
		return b->inf > 0; /* below "+" / not above "+": always; "-": never */
	int c = mcmp(m, n, b->p, b->n);
	if (!p->upper)
		return c < 0 || (b->ex && c == 0);
	return c < 0 || (!b->ex && c == 0);
}

static uint64_t prefix_len(const struct store_zset *z, const struct pred *p)
{
	uint64_t r = 0;
	if (z->enc == STORE_ENC_LISTPACK) {
		for (uint32_t off = 0; off < z->lp_used; r++) {
			const uint8_t *m;
			size_t n;
			double s;
			off += (uint32_t)lp_read(z, off, &m, &n, &s);
			if (!pred_ok(p, s, m, n))
				break;
		}
		return r;
	}
	struct zsl_node *x = z->header;
	for (int i = z->level - 1; i >= 0; i--)
		while (x->lv[i].forward != NULL &&
		       pred_ok(p, x->lv[i].forward->score, x->lv[i].forward->m,
			       x->lv[i].forward->mlen)) {
			r += x->lv[i].span;
			x = x->lv[i].forward;
		}
	return r;
}

void store_zset_score_ranks(const struct store_zset *z, const struct store_zset_range *r,
			    uint64_t *first, uint64_t *end)
{
	struct pred lo = {.r = r, .upper = false}, hi = {.r = r, .upper = true};
	*first = prefix_len(z, &lo);
	*end = prefix_len(z, &hi);
	if (*end < *first)
		*end = *first;
}

void store_zset_lex_ranks(const struct store_zset *z, const struct store_zset_lexb *min,
			  const struct store_zset_lexb *max, uint64_t *first, uint64_t *end)
{
	struct pred lo = {.lb = min, .upper = false}, hi = {.lb = max, .upper = true};
	*first = prefix_len(z, &lo);
	*end = prefix_len(z, &hi);
	if (*end < *first)
		*end = *first;
}

/* ---- iteration ---- */

void store_zset_iter_init(const struct store_zset *z, uint64_t rank, bool rev,
			  struct store_zset_iter *it)
{
	*it = (struct store_zset_iter){.z = z, .rev = rev};
	if (rank >= z->len)
		return;
	it->left = rev ? rank + 1 : z->len - rank;
	if (z->enc == STORE_ENC_SKIPLIST) {
		it->node = zsl_at(z, rank);
		return;
	}
	it->off = lp_seek(z, rank);
	if (rev) { /* off is the end of the entry to return next */
		const uint8_t *m;
		size_t n;
		double s;
		it->off += (uint32_t)lp_read(z, it->off, &m, &n, &s);
	}
}

bool store_zset_iter_next(struct store_zset_iter *it, const uint8_t **m, size_t *n, double *score)
{
	if (it->left == 0)
		return false;
	it->left--;
	if (it->z->enc == STORE_ENC_SKIPLIST) {
		struct zsl_node *x = it->node;
		*m = x->m;
		*n = x->mlen;
		*score = x->score;
		it->node = it->rev ? x->backward : x->lv[0].forward;
		return true;
	}
	if (it->rev) {
		it->off = lp_prev(it->z, it->off);
		lp_read(it->z, it->off, m, n, score);
	} else {
		it->off += (uint32_t)lp_read(it->z, it->off, m, n, score);
	}
	return true;
}

/* ---- ZSCAN ---- */

static uint64_t rev64(uint64_t v)
{
	uint64_t r = 0;
	for (int i = 0; i < 64; i++, v >>= 1)
		r = (r << 1) | (v & 1);
	return r;
}

uint64_t store_zset_scan(const struct store_zset *z, uint64_t cursor, uint64_t count,
			 store_zset_scan_fn *fn, void *arg)
{
	if (z->enc == STORE_ENC_LISTPACK) {
		struct store_zset_iter it;
		const uint8_t *m;
		size_t n;
		double s;
		store_zset_iter_init(z, 0, false, &it);
		while (store_zset_iter_next(&it, &m, &n, &s))
			fn(arg, m, n, s);
		return 0;
	}
	/* dictScan(): visit the bucket, then advance the reversed cursor so a
	 * resize between calls neither skips nor repeats a whole bucket */
	uint64_t mask = z->nb - 1, v = cursor, seen = 0, budget = count * 10;
	do {
		for (struct zsl_node *x = z->buckets[v & mask]; x != NULL; x = x->hnext, seen++)
			fn(arg, x->m, x->mlen, x->score);
		v |= ~mask;
		v = rev64(v);
		v++;
		v = rev64(v);
	} while (v != 0 && budget-- > 0 && seen < count);
	return v;
}

size_t store_zset_score_str(const struct store_zset *z, double s, char *buf)
{
	/* listpack: double2ll() range, the integer itself */
	if (z->enc == STORE_ENC_LISTPACK && s >= (double)(INT64_MAX / -2) &&
	    s <= (double)(INT64_MAX / 2) && s == (double)(long long)s)
		return (size_t)snprintf(buf, 32, "%lld", (long long)s);
	/* d2string() */
	if (isnan(s))
		return (size_t)snprintf(buf, 32, "nan");
	if (isinf(s))
		return (size_t)snprintf(buf, 32, "%s", s < 0 ? "-inf" : "inf");
	if (s == 0)
		return (size_t)snprintf(buf, 32, "%s", signbit(s) ? "-0" : "0");
	if (s > -4503599627370495.0 && s < 4503599627370496.0 && s == (double)(long long)s)
		return (size_t)snprintf(buf, 32, "%lld", (long long)s);
	return (size_t)snprintf(buf, 32, "%.17g", s);
}

/* ---- collection operations ---- */

static void zset_free(struct store_obj *o)
{
	struct store_zset *z = o->v.coll;
	store_zset_destroy(&z);
	o->v.coll = NULL;
}

static uint64_t zset_bytes(const struct store_obj *o)
{
	return store_zset_bytes(o->v.coll);
}

const struct store_coll_ops store_zset_ops = {.free = zset_free, .bytes = zset_bytes};
