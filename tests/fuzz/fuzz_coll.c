/*
 * libFuzzer target for the collection types' store code
 * (dataplane/store/store_list.c, store_zset.c).
 *
 * The input is a program: each 4-byte step picks an operation (push, pop,
 * insert, set, delete a range, delete while iterating, on a list whose
 * node bound and list-compress-depth (0-3) the first byte chooses; add with ZADD's flags, remove,
 * delete a rank window, on a sorted set whose listpack bounds are small so it converts), applied
 * both to the structure and to a plain array model. After every step the invariants are checked:
 * the same elements in the same order both ways (list, read through compressed nodes too), no
 * compressed node within the depth of either end, every compressed
 * node's blob giving back a valid listpack of its entries, strictly ascending (score, member)
 * order, scores, ranks and length equal to the model's (sorted set), a listpack only while within
 * its bounds, and bytes() back to an empty set's when emptied. Any difference aborts.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzf.h>

#include "rdb_blob.h"
#include "store_list.h"
#include "store_zset.h"

#define MAXN 256

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__);         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct lmodel {
	char v[MAXN][12];
	size_t n;
};

static void elem(char *out, uint8_t a, uint8_t b)
{
	/* short and long elements, some equal */
	snprintf(out, 12, "%c%u%s", 'a' + a % 4, b % 16, (b & 0x80) ? "-longer" : "");
}

static void list_check(struct store_list *l, const struct lmodel *m, int depth)
{
	struct store_list_iter it;
	const uint8_t *p;
	size_t n, i = 0;
	CHECK(store_list_len(l) == m->n);
	CHECK(store_list_nodes(l) <= m->n);
	store_list_iter_init(l, 0, false, &it);
	while (store_list_iter_next(&it, &p, &n)) {
		CHECK(i < m->n && n == strlen(m->v[i]) && memcmp(p, m->v[i], n) == 0);
		i++;
	}
	CHECK(i == m->n);
	store_list_iter_release(&it);
	if (m->n > 0)
		store_list_iter_init(l, m->n - 1, true, &it);
	while (m->n > 0 && store_list_iter_next(&it, &p, &n)) {
		i--;
		CHECK(n == strlen(m->v[i]) && memcmp(p, m->v[i], n) == 0);
	}
	CHECK(i == 0);
	store_list_iter_release(&it);
	/* every node holds entries and knows its listpack's bytes */
	uint64_t total = 0, at = 0, nodes = store_list_nodes(l);
	for (const struct store_list_node *nd = store_list_node_first(l); nd != NULL;
	     nd = store_list_node_next(nd), at++) {
		uint32_t off = 0, lp = 7, k = 0;
		const uint8_t *blob;
		size_t bn;
		if (store_list_node_lzf(nd, &blob, &bn)) {
			static uint8_t raw[1 << 16];
			uint32_t count, want = store_list_node_lp_bytes(nd);
			CHECK(at >= (uint64_t)depth && at + (uint64_t)depth < nodes);
			CHECK(want >= 48 && bn + 8 < want);
			CHECK(lzf_decompress(blob, (unsigned)bn, raw, sizeof(raw)) == want);
			CHECK(store_list_node_plain(nd) ||
			      (rdb_lp_validate(raw, want, &count) == 0 &&
			       count == store_list_node_len(nd)));
			total += store_list_node_len(nd);
			continue;
		}
		while (store_list_node_elem(nd, &off, &p, &n)) {
			lp += (uint32_t)rdb_lp_entry_bytes(p, n);
			k++;
		}
		CHECK(k > 0 && k == store_list_node_len(nd));
		CHECK(store_list_node_plain(nd) || lp == store_list_node_lp_bytes(nd));
		total += k;
	}
	CHECK(total == m->n);
}

static void list_step(struct store_list *l, struct lmodel *m, const uint8_t *s)
{
	char e[12];
	elem(e, s[1], s[2]);
	size_t idx = m->n ? s[3] % (m->n + 1) : 0;
	switch (s[0] % 6) {
	case 0:
		if (m->n < MAXN && store_list_push(l, s[1] & 1, e, strlen(e)) == 0) {
			size_t at = (s[1] & 1) ? 0 : m->n;
			memmove(m->v[at + 1], m->v[at], (m->n - at) * sizeof(m->v[0]));
			memcpy(m->v[at], e, sizeof(e));
			m->n++;
		}
		break;
	case 1:
		if (m->n > 0) {
			bool head = s[1] & 1;
			store_list_pop(l, head);
			if (head)
				memmove(m->v[0], m->v[1], (m->n - 1) * sizeof(m->v[0]));
			m->n--;
		}
		break;
	case 2: {
		/* LINSERT: before or after the pivot idx */
		bool after = s[2] & 1;
		size_t at = idx + after;
		if (m->n < MAXN && idx < m->n &&
		    store_list_insert(l, idx, after, e, strlen(e)) == 0) {
			memmove(m->v[at + 1], m->v[at], (m->n - at) * sizeof(m->v[0]));
			memcpy(m->v[at], e, sizeof(e));
			m->n++;
		}
		break;
	}
	case 3:
		if (idx < m->n && store_list_set(l, idx, e, strlen(e)) == 0)
			memcpy(m->v[idx], e, sizeof(e));
		break;
	case 4:
		if (idx < m->n) {
			size_t k = s[2] % 8;
			if (idx + k > m->n)
				k = m->n - idx;
			store_list_del_range(l, idx, k);
			memmove(m->v[idx], m->v[idx + k], (m->n - idx - k) * sizeof(m->v[0]));
			m->n -= k;
		}
		break;
	default: {
		/* drop every element starting with the chosen letter, walking
		 * in the chosen direction */
		struct store_list_iter it;
		const uint8_t *p;
		size_t n;
		char c = (char)('a' + s[1] % 4);
		bool rev = s[2] & 1;
		store_list_iter_init(l, rev && m->n ? m->n - 1 : 0, rev, &it);
		while (store_list_iter_next(&it, &p, &n))
			if (n > 0 && p[0] == (uint8_t)c)
				store_list_iter_del(&it);
		store_list_iter_release(&it);
		size_t o = 0;
		for (size_t i = 0; i < m->n; i++)
			if (m->v[i][0] != c)
				memmove(m->v[o++], m->v[i], sizeof(m->v[0]));
		m->n = o;
	}
	}
}

struct zel {
	char m[12];
	double s;
};

struct zmodel {
	struct zel v[MAXN];
	size_t n;
};

static int zcmp(const void *a, const void *b)
{
	const struct zel *x = a, *y = b;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	size_t xn = strlen(x->m), yn = strlen(y->m), n = xn < yn ? xn : yn;
	int c = memcmp(x->m, y->m, n);
	return c != 0 ? c : (xn > yn) - (xn < yn);
}

static void zset_check(struct store_zset *z, struct zmodel *m, const struct store_zset_cfg *cfg)
{
	struct store_zset_iter it;
	const uint8_t *p;
	size_t n, i = 0;
	double s;
	qsort(m->v, m->n, sizeof(m->v[0]), zcmp);
	CHECK(store_zset_len(z) == m->n);
	if (store_zset_enc(z) == STORE_ENC_LISTPACK)
		CHECK(m->n <= cfg->max_entries);
	store_zset_iter_init(z, 0, false, &it);
	while (store_zset_iter_next(&it, &p, &n, &s)) {
		CHECK(i < m->n && n == strlen(m->v[i].m) && memcmp(p, m->v[i].m, n) == 0);
		CHECK(s == m->v[i].s);
		if (store_zset_enc(z) == STORE_ENC_LISTPACK)
			CHECK(n <= cfg->max_value);
		uint64_t r;
		CHECK(store_zset_rank(z, p, n, &r) && r == i);
		i++;
	}
	CHECK(i == m->n);
}

static void zset_step(struct store_zset *z, struct zmodel *m, const struct store_zset_cfg *cfg,
		      const uint8_t *s)
{
	char e[12];
	elem(e, s[1], s[2]);
	size_t k;
	for (k = 0; k < m->n && strcmp(m->v[k].m, e) != 0; k++)
		;
	switch (s[0] % 3) {
	case 0: {
		static const double scores[] = {0, 1, -1, 2.5, -0.0, INFINITY, -INFINITY, 7};
		double sc = scores[s[3] % 8];
		unsigned flags = (s[3] >> 3) & 31, out;
		double ns;
		if ((flags & STORE_ZADD_NX) &&
		    (flags & (STORE_ZADD_XX | STORE_ZADD_GT | STORE_ZADD_LT)))
			flags &= ~STORE_ZADD_NX;
		if ((flags & STORE_ZADD_GT) && (flags & STORE_ZADD_LT))
			flags &= ~STORE_ZADD_LT;
		if (k == m->n && (m->n >= MAXN || (flags & STORE_ZADD_XX)))
			break;
		int rc = store_zset_add(z, cfg, sc, e, strlen(e), flags, &out, &ns);
		if (k == m->n) {
			CHECK(rc == 0 && (out & STORE_ZADD_OUT_ADDED));
			snprintf(m->v[m->n].m, sizeof(m->v[0].m), "%s", e);
			m->v[m->n].s =
			    store_zset_enc(z) == STORE_ENC_LISTPACK && sc == 0 ? 0.0 : sc;
			m->n++;
			break;
		}
		if (rc != 0) {
			CHECK(rc == -EDOM); /* inf + -inf */
			break;
		}
		if (out & STORE_ZADD_OUT_UPDATED)
			m->v[k].s = store_zset_enc(z) == STORE_ENC_LISTPACK && ns == 0 ? 0.0 : ns;
		break;
	}
	case 1:
		CHECK(store_zset_del(z, e, strlen(e)) == (k < m->n));
		if (k < m->n)
			m->v[k] = m->v[--m->n];
		break;
	default:
		if (m->n > 0) {
			qsort(m->v, m->n, sizeof(m->v[0]), zcmp);
			size_t a = s[3] % m->n, b = a + s[2] % 5;
			if (b > m->n)
				b = m->n;
			store_zset_del_ranks(z, a, b);
			memmove(&m->v[a], &m->v[b], (m->n - b) * sizeof(m->v[0]));
			m->n -= b - a;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lmodel lm;
	static struct zmodel zm;
	if (size < 2)
		return 0;
	static const int32_t fills[] = {-1, -2, 1, 2, 3, 5, 0, 16};
	int depth = (data[0] >> 3) % 4;
	struct store_list *l = store_list_create(fills[data[0] % 8], depth);
	struct store_zset_cfg cfg = {.max_entries = data[1] % 8, .max_value = 2 + data[1] / 32};
	struct store_zset *z = store_zset_create(cfg.max_entries == 0);
	CHECK(l != NULL && z != NULL);
	uint64_t zempty = store_zset_bytes(z);
	bool converted = false;
	lm.n = 0;
	zm.n = 0;
	for (size_t off = 2; off + 4 <= size; off += 4) {
		if (data[off] & 0x80) {
			zset_step(z, &zm, &cfg, data + off);
			zset_check(z, &zm, &cfg);
			converted |= store_zset_enc(z) == STORE_ENC_SKIPLIST;
		} else {
			list_step(l, &lm, data + off);
			list_check(l, &lm, depth);
		}
	}
	store_list_del_range(l, 0, store_list_len(l));
	CHECK(store_list_len(l) == 0 && store_list_nodes(l) == 0);
	store_zset_del_ranks(z, 0, store_zset_len(z));
	CHECK(store_zset_len(z) == 0);
	if (!converted && cfg.max_entries > 0)
		CHECK(store_zset_bytes(z) >= zempty);
	store_list_destroy(&l);
	store_zset_destroy(&z);
	return 0;
}
