/*
 * The quicklist (store_list.c): node bounds from list-max-listpack-size
 * (bytes for negative fills, entries for positive ones), order kept across
 * pushes, inserts, splits and deletions in both directions, and bytes()
 * moving with every change and back to the bare header when emptied.
 * Checked against a plain array model under a seeded random sequence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_test.h"
#include "store_list.h"

#define MODEL_MAX 4096

struct model {
	char v[MODEL_MAX][24];
	size_t n;
};

static void model_insert(struct model *m, size_t idx, const char *s)
{
	memmove(&m->v[idx + 1], &m->v[idx], (m->n - idx) * sizeof(m->v[0]));
	snprintf(m->v[idx], sizeof(m->v[0]), "%s", s);
	m->n++;
}

static void model_del(struct model *m, size_t idx, size_t k)
{
	if (idx + k > m->n)
		k = m->n - idx;
	memmove(&m->v[idx], &m->v[idx + k], (m->n - idx - k) * sizeof(m->v[0]));
	m->n -= k;
}

static void check_equal(struct store_list *l, const struct model *m)
{
	struct store_list_iter it;
	const uint8_t *p;
	size_t n, i = 0;
	CU_ASSERT_EQUAL_FATAL(store_list_len(l), m->n);
	store_list_iter_init(l, 0, false, &it);
	while (store_list_iter_next(&it, &p, &n)) {
		CU_ASSERT_FATAL(i < m->n);
		CU_ASSERT_FATAL(n == strlen(m->v[i]) && memcmp(p, m->v[i], n) == 0);
		i++;
	}
	CU_ASSERT_EQUAL(i, m->n);
	if (m->n == 0)
		return;
	store_list_iter_init(l, m->n - 1, true, &it);
	while (store_list_iter_next(&it, &p, &n)) {
		i--;
		CU_ASSERT_FATAL(n == strlen(m->v[i]) && memcmp(p, m->v[i], n) == 0);
	}
	CU_ASSERT_EQUAL(i, 0);
}

static void test_store_list_count_fill_bounds_nodes(void)
{
	struct store_list *l = store_list_create(3, 0);
	uint64_t empty = store_list_bytes(l);
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(store_list_push(l, false, "x", 1), 0);
	CU_ASSERT_EQUAL(store_list_nodes(l), 4); /* 3 + 3 + 3 + 1 */
	CU_ASSERT(store_list_bytes(l) > empty);
	for (int i = 0; i < 10; i++)
		store_list_pop(l, i & 1);
	CU_ASSERT_EQUAL(store_list_len(l), 0);
	CU_ASSERT_EQUAL(store_list_nodes(l), 0);
	CU_ASSERT_EQUAL(store_list_bytes(l), empty);
	store_list_destroy(&l);
	CU_ASSERT_PTR_NULL(l);
}

static void test_store_list_byte_fill_bounds_nodes(void)
{
	char big[100];
	memset(big, 'b', sizeof(big));
	struct store_list *l = store_list_create(-2, 0); /* 8 KB nodes */
	for (int i = 0; i < 1000; i++)
		store_list_push(l, true, big, sizeof(big));
	/* 102-byte entries: 80 per 8 KB node */
	CU_ASSERT_EQUAL(store_list_nodes(l), (1000 + 79) / 80);
	/* an element larger than the bound gets a node of its own */
	char *huge = calloc(1, 20000);
	store_list_push(l, false, huge, 20000);
	CU_ASSERT_EQUAL(store_list_nodes(l), (1000 + 79) / 80 + 1);
	const uint8_t *p;
	size_t n;
	CU_ASSERT(store_list_peek(l, false, &p, &n) && n == 20000);
	free(huge);
	store_list_destroy(&l);
}

static void test_store_list_random_ops_match_model(void)
{
	static struct model m;
	uint32_t seed = 12345;
	int32_t fills[] = {1, 2, 5, -1};
	for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
		struct store_list *l = store_list_create(fills[f], 0);
		uint64_t empty = store_list_bytes(l);
		m.n = 0;
		for (int step = 0; step < 3000; step++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t r = seed >> 8, op = r % 8;
			char s[24];
			snprintf(s, sizeof(s), "%u%s", r % 1000, (r & 64) ? "-longer-element" : "");
			if (m.n + 1 >= MODEL_MAX)
				op = 7;
			if (op <= 1) {
				store_list_push(l, op == 0, s, strlen(s));
				model_insert(&m, op == 0 ? 0 : m.n, s);
			} else if (op == 2 || op == 3) {
				size_t idx = m.n ? r % (m.n + 1) : 0;
				store_list_insert(l, idx, s, strlen(s));
				model_insert(&m, idx, s);
			} else if (op == 4 && m.n > 0) {
				size_t idx = r % m.n;
				store_list_set(l, idx, s, strlen(s));
				snprintf(m.v[idx], sizeof(m.v[0]), "%s", s);
			} else if (op == 5 && m.n > 0) {
				size_t idx = r % m.n, k = (r >> 4) % 9;
				store_list_del_range(l, idx, k);
				model_del(&m, idx, k);
			} else if (op == 6 && m.n > 0) {
				/* LREM-like: drop every element starting with '1', reverse walk */
				struct store_list_iter it;
				const uint8_t *p;
				size_t n;
				store_list_iter_init(l, m.n - 1, (r & 1) != 0, &it);
				if (!(r & 1))
					store_list_iter_init(l, 0, false, &it);
				while (store_list_iter_next(&it, &p, &n))
					if (n > 0 && p[0] == '1')
						store_list_iter_del(&it);
				for (size_t i = m.n; i-- > 0;)
					if (m.v[i][0] == '1')
						model_del(&m, i, 1);
			} else if (m.n > 0) {
				bool head = r & 1;
				store_list_pop(l, head);
				model_del(&m, head ? 0 : m.n - 1, 1);
			}
			if (step % 100 == 0)
				check_equal(l, &m);
		}
		check_equal(l, &m);
		store_list_del_range(l, 0, store_list_len(l));
		CU_ASSERT_EQUAL(store_list_bytes(l), empty);
		store_list_destroy(&l);
	}
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_store_list_count_fill_bounds_nodes),
	    RW_TEST(test_store_list_byte_fill_bounds_nodes),
	    RW_TEST(test_store_list_random_ops_match_model),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("store_list", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
