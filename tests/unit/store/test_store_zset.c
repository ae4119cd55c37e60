/*
 * Sorted sets (store_zset.c): conversion to skiplist at the bounds
 * (entries and member length) and not back, order (score, member) and
 * ranks in both encodings against a sorted-array model under a seeded
 * random sequence, score/lex rank windows, deletion by rank, -0 kept as 0
 * in a listpack only, and bytes() returning to the bare header.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_test.h"
#include "store_zset.h"

static const struct store_zset_cfg small = {.max_entries = 4, .max_value = 8};

static void add(struct store_zset *z, const struct store_zset_cfg *cfg, double s, const char *m)
{
	unsigned out;
	double ns;
	CU_ASSERT_EQUAL(store_zset_add(z, cfg, s, m, strlen(m), 0, &out, &ns), 0);
}

static void test_store_zset_converts_at_entry_and_value_bounds(void)
{
	struct store_zset *z = store_zset_create(false);
	uint64_t empty = store_zset_bytes(z);
	for (int i = 0; i < 4; i++) {
		char m[8];
		snprintf(m, sizeof(m), "m%d", i);
		add(z, &small, i, m);
	}
	CU_ASSERT_EQUAL(store_zset_enc(z), STORE_ENC_LISTPACK);
	add(z, &small, 9, "m4"); /* the fifth entry */
	CU_ASSERT_EQUAL(store_zset_enc(z), STORE_ENC_SKIPLIST);
	for (int i = 0; i < 5; i++) {
		char m[8];
		snprintf(m, sizeof(m), "m%d", i);
		CU_ASSERT(store_zset_del(z, m, strlen(m)));
	}
	CU_ASSERT_EQUAL(store_zset_enc(z), STORE_ENC_SKIPLIST); /* never back */
	CU_ASSERT_EQUAL(store_zset_len(z), 0);
	store_zset_destroy(&z);
	z = store_zset_create(false);
	add(z, &small, 1, "12345678");
	CU_ASSERT_EQUAL(store_zset_enc(z), STORE_ENC_LISTPACK);
	add(z, &small, 1, "123456789"); /* 9 bytes > 8 */
	CU_ASSERT_EQUAL(store_zset_enc(z), STORE_ENC_SKIPLIST);
	store_zset_del_ranks(z, 0, 2);
	store_zset_destroy(&z);
	(void)empty;
}

static void test_store_zset_negative_zero_in_listpack_only(void)
{
	struct store_zset *lp = store_zset_create(false), *sl = store_zset_create(true);
	double s;
	add(lp, &small, -0.0, "x");
	add(sl, &small, -0.0, "x");
	CU_ASSERT(store_zset_score(lp, "x", 1, &s) && !signbit(s));
	CU_ASSERT(store_zset_score(sl, "x", 1, &s) && signbit(s));
	store_zset_destroy(&lp);
	store_zset_destroy(&sl);
}

struct el {
	double s;
	char m[8];
};

static int el_cmp(const void *a, const void *b)
{
	const struct el *x = a, *y = b;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return strcmp(x->m, y->m);
}

static void check_model(struct store_zset *z, struct el *m, size_t n)
{
	qsort(m, n, sizeof(*m), el_cmp);
	CU_ASSERT_EQUAL_FATAL(store_zset_len(z), n);
	struct store_zset_iter it;
	const uint8_t *p;
	size_t pn;
	double s;
	size_t i = 0;
	store_zset_iter_init(z, 0, false, &it);
	while (store_zset_iter_next(&it, &p, &pn, &s)) {
		CU_ASSERT_FATAL(i < n && s == m[i].s && pn == strlen(m[i].m) &&
				memcmp(p, m[i].m, pn) == 0);
		uint64_t r;
		CU_ASSERT(store_zset_rank(z, p, pn, &r) && r == i);
		i++;
	}
	CU_ASSERT_EQUAL(i, n);
	if (n == 0)
		return;
	store_zset_iter_init(z, n - 1, true, &it);
	while (store_zset_iter_next(&it, &p, &pn, &s)) {
		i--;
		CU_ASSERT_FATAL(pn == strlen(m[i].m) && memcmp(p, m[i].m, pn) == 0);
	}
	/* the score window [2, 5) as a count of elements below / not above */
	struct store_zset_range r = {.min = 2, .max = 5, .minex = false, .maxex = true};
	uint64_t first, end, want_first = 0, want_end = 0;
	for (size_t k = 0; k < n; k++) {
		want_first += m[k].s < 2;
		want_end += m[k].s < 5;
	}
	store_zset_score_ranks(z, &r, &first, &end);
	CU_ASSERT_EQUAL(first, want_first);
	CU_ASSERT_EQUAL(end, want_end < want_first ? want_first : want_end);
}

static void test_store_zset_random_ops_match_model(void)
{
	static struct el model[512];
	const struct store_zset_cfg cfgs[] = {{128, 64}, {8, 64}, {0, 64}};
	uint32_t seed = 777;
	for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		struct store_zset *z = store_zset_create(cfgs[c].max_entries == 0);
		uint64_t empty = store_zset_bytes(z);
		size_t n = 0;
		for (int step = 0; step < 4000; step++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t r = seed >> 8;
			char m[8];
			snprintf(m, sizeof(m), "k%u", r % 300);
			double s = (double)((int)(r >> 9) % 10);
			size_t k;
			for (k = 0; k < n && strcmp(model[k].m, m) != 0; k++)
				;
			if (r % 5 < 3) {
				unsigned out;
				double ns;
				CU_ASSERT_EQUAL(store_zset_add(z, &cfgs[c], s, m, strlen(m),
							       (r & 32) ? STORE_ZADD_INCR : 0, &out,
							       &ns),
						0);
				if (k == n) {
					model[n].s = s;
					snprintf(model[n].m, sizeof(model[n].m), "%s", m);
					n++;
				} else {
					model[k].s = (r & 32) ? model[k].s + s : s;
				}
			} else if (r % 5 == 3) {
				CU_ASSERT_EQUAL(store_zset_del(z, m, strlen(m)), k < n);
				if (k < n)
					model[k] = model[--n];
			} else if (n > 0) {
				/* drop a rank window */
				qsort(model, n, sizeof(*model), el_cmp);
				uint64_t a = r % n, b = a + (r >> 4) % 4;
				if (b > n)
					b = n;
				store_zset_del_ranks(z, a, b);
				memmove(&model[a], &model[b], (n - b) * sizeof(*model));
				n -= b - a;
			}
			if (step % 200 == 0)
				check_model(z, model, n);
		}
		check_model(z, model, n);
		store_zset_del_ranks(z, 0, store_zset_len(z));
		if (store_zset_enc(z) == STORE_ENC_SKIPLIST) {
			/* every node freed and the index shrunk back: a fresh set's bytes */
			struct store_zset *fresh = store_zset_create(true);
			CU_ASSERT_EQUAL(store_zset_bytes(z), store_zset_bytes(fresh));
			store_zset_destroy(&fresh);
		} else {
			CU_ASSERT(store_zset_bytes(z) > empty);
		}
		store_zset_destroy(&z);
	}
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_store_zset_converts_at_entry_and_value_bounds),
	    RW_TEST(test_store_zset_negative_zero_in_listpack_only),
	    RW_TEST(test_store_zset_random_ops_match_model),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("store_zset", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
