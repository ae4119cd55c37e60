/*
 * The quicklist (store_list.c, store_list_edit.c): node bounds from
 * list-max-listpack-size (bytes for negative fills, entries for positive
 * ones), order kept across pushes, inserts, splits and deletions in both
 * directions, and bytes() moving with every change and back to the bare
 * header when emptied. Checked against a plain array model under a seeded
 * random sequence.
 *
 * Node layouts: the node boundaries Redis 7.0.15's quicklist has after the
 * same commands, written "lp_bytes/count" per node ("P5": a plain node of
 * 5 bytes). The expected layouts were read from stock redis-server 7.0.15
 * DUMP payloads (each node's listpack header) after the same commands.
 *
 * Compression (store_list_comp.c): which nodes are held LZF-compressed
 * under list-compress-depth, written as a string of 'z' (compressed) and
 * 'r' (raw) per node, follows quicklist.c's calls: the expectations come
 * from __quicklistCompress()'s rule (the first and last depth nodes raw,
 * the others compressed when their listpack has 48 bytes or more and LZF
 * saves more than 8) and, for a node edited in place, from the quicklist.c
 * path the edit takes (cited at each case).
 */
#include <lzf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_test.h"
#include "rdb_blob.h"
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
	store_list_iter_release(&it);
	if (m->n == 0)
		return;
	store_list_iter_init(l, m->n - 1, true, &it);
	while (store_list_iter_next(&it, &p, &n)) {
		i--;
		CU_ASSERT_FATAL(n == strlen(m->v[i]) && memcmp(p, m->v[i], n) == 0);
	}
	CU_ASSERT_EQUAL(i, 0);
	store_list_iter_release(&it);
}

/* 'z' per compressed node, 'r' per raw one; a compressed node's blob must
 * give back its listpack's bytes. */
static const char *zmap(const struct store_list *l)
{
	static char buf[1024];
	size_t o = 0;
	for (const struct store_list_node *nd = store_list_node_first(l); nd != NULL && o < 1023;
	     nd = store_list_node_next(nd)) {
		const uint8_t *b;
		size_t n;
		bool z = store_list_node_lzf(nd, &b, &n);
		if (z) {
			static uint8_t raw[1 << 17];
			unsigned lp = store_list_node_lp_bytes(nd);
			CU_ASSERT(lp >= 48 && n + 8 < lp);
			CU_ASSERT_EQUAL(lzf_decompress(b, (unsigned)n, raw, sizeof(raw)), lp);
		}
		buf[o++] = z ? 'z' : 'r';
	}
	buf[o] = '\0';
	return buf;
}

/* No node within @p depth of either end is compressed (_ql_verify_compress()). */
static void check_ends_raw(const struct store_list *l, int depth)
{
	const char *z = zmap(l);
	size_t n = strlen(z);
	for (size_t i = 0; i < n; i++)
		if (i < (size_t)depth || i + (size_t)depth >= n)
			CU_ASSERT_EQUAL_FATAL(z[i], 'r');
}

/* "lp_bytes/count ..." of every node; also checks each node's lp_bytes
 * against its entries. */
static const char *layout(const struct store_list *l)
{
	static char buf[4096];
	size_t o = 0;
	buf[0] = '\0';
	for (const struct store_list_node *nd = store_list_node_first(l); nd != NULL;
	     nd = store_list_node_next(nd)) {
		uint32_t off = 0, lp = 7;
		const uint8_t *p;
		size_t n;
		while (store_list_node_elem(nd, &off, &p, &n))
			lp += (uint32_t)rdb_lp_entry_bytes(p, n);
		if (store_list_node_lzf(nd, &p, &n))
			lp = store_list_node_lp_bytes(nd); /* zmap() checks the blob */
		if (store_list_node_plain(nd)) {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%sP%u", o ? " " : "",
					      store_list_node_lp_bytes(nd));
			continue;
		}
		CU_ASSERT_EQUAL(lp, store_list_node_lp_bytes(nd));
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%u/%u", o ? " " : "",
				      store_list_node_lp_bytes(nd), store_list_node_len(nd));
	}
	return buf;
}

static void push_str(struct store_list *l, bool head, const char *s)
{
	CU_ASSERT_EQUAL(store_list_push(l, head, s, strlen(s)), 0);
}

/* LINSERT: find the pivot, insert on its side. */
static void linsert(struct store_list *l, bool after, const char *pivot, const char *s)
{
	struct store_list_iter it;
	const uint8_t *p;
	size_t n;
	uint64_t i = 0;
	store_list_iter_init(l, 0, false, &it);
	while (store_list_iter_next(&it, &p, &n) && !(n == strlen(pivot) && !memcmp(p, pivot, n)))
		i++; /* found: the iterator is dropped, as Redis resets it */
	CU_ASSERT_FATAL(i < store_list_len(l));
	CU_ASSERT_EQUAL(store_list_insert(l, i, after, s, strlen(s)), 0);
}

static void lrem_all(struct store_list *l, const char *s)
{
	struct store_list_iter it;
	const uint8_t *p;
	size_t n;
	store_list_iter_init(l, 0, false, &it);
	while (store_list_iter_next(&it, &p, &n))
		if (n == strlen(s) && !memcmp(p, s, n))
			store_list_iter_del(&it);
	store_list_iter_release(&it);
}

/* A string of @p n bytes: @p tag, then x padding. */
static const char *padded(const char *tag, size_t n)
{
	static char buf[8192];
	memset(buf, 'x', n);
	memcpy(buf, tag, strlen(tag));
	buf[n] = '\0';
	return buf;
}

/* Redis's splits and merges at fill 4: a full node split at the pivot, the
 * new element joining the part on its side, neighbours merged within 4. */
static void test_store_list_linsert_splits_and_merges_as_redis(void)
{
	struct store_list *l = store_list_create(4, 0);
	const char *abc[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
	for (int i = 0; i < 8; i++)
		push_str(l, false, abc[i]);
	CU_ASSERT_STRING_EQUAL(layout(l), "19/4 19/4");
	linsert(l, false, "c", "X"); /* split: [a b X] [c d] */
	CU_ASSERT_STRING_EQUAL(layout(l), "16/3 13/2 19/4");
	linsert(l, true, "a", "Y"); /* room in the node */
	CU_ASSERT_STRING_EQUAL(layout(l), "19/4 13/2 19/4");
	linsert(l, true, "h", "Z"); /* last of the last node: a new node */
	CU_ASSERT_STRING_EQUAL(layout(l), "19/4 13/2 19/4 10/1");
	linsert(l, false, "e", "W"); /* first of a full node: the previous node's tail */
	CU_ASSERT_STRING_EQUAL(layout(l), "19/4 16/3 19/4 10/1");
	linsert(l, true, "f", "V"); /* split, then [V g h] merges with [Z] */
	CU_ASSERT_STRING_EQUAL(layout(l), "19/4 16/3 13/2 19/4");
	lrem_all(l, "g"); /* deletes never merge */
	lrem_all(l, "h");
	CU_ASSERT_STRING_EQUAL(layout(l), "19/4 16/3 13/2 13/2");
	linsert(l, true, "c", "U");
	CU_ASSERT_STRING_EQUAL(layout(l), "19/4 19/4 13/2 13/2");
	store_list_destroy(&l);
}

/* 7.0.15 estimates a merge as a->sz + b->sz - 11 (7.2 uses - 7): two
 * nodes of 4107 bytes together merge under fill -1 (4 KiB), 4109 do not. */
static void test_store_list_merge_estimate_is_7_0s(void)
{
	for (int extra = 178; extra <= 180; extra += 2) {
		struct store_list *l = store_list_create(-1, 0);
		char tag[16];
		for (int i = 0; i < 39 * 5; i++) {
			snprintf(tag, sizeof(tag), "e%04d", i);
			push_str(l, false, padded(tag, 100));
		}
		CU_ASSERT_STRING_EQUAL(layout(l), "4024/39 4024/39 4024/39 4024/39 4024/39");
		store_list_del_range(l, 39, 20);
		store_list_del_range(l, 58, 20);
		CU_ASSERT_EQUAL(
		    store_list_set(l, 45, padded("z", 100 + (size_t)extra), 100 + (size_t)extra),
		    0);
		snprintf(tag, sizeof(tag), "e%04d", 137);
		char pivot[128];
		snprintf(pivot, sizeof(pivot), "%s", padded(tag, 100));
		linsert(l, true, pivot, padded("n", 100));
		CU_ASSERT_STRING_EQUAL(
		    layout(l), extra == 178 ? "4024/39 4100/38 2170/21 1964/19 4024/39"
					    : "4024/39 2145/19 1964/19 2170/21 1964/19 4024/39");
		store_list_destroy(&l);
	}
}

/* Node bounds by size class, by count under the 8 KiB safety limit, fill
 * clamped to -5 .. 32767, LSET growing a node past its bound in place. */
static void test_store_list_fill_classes_as_redis(void)
{
	struct store_list *l = store_list_create(-2, 0);
	for (int i = 0; i < 100; i++)
		push_str(l, false, padded("r", 100));
	CU_ASSERT_STRING_EQUAL(layout(l), "8144/79 2170/21");
	store_list_destroy(&l);
	l = store_list_create(-2, 0);
	for (int i = 0; i < 100; i++)
		push_str(l, true, padded("l", 100));
	CU_ASSERT_STRING_EQUAL(layout(l), "2170/21 8144/79");
	store_list_destroy(&l);
	l = store_list_create(1000, 0);
	for (int i = 0; i < 100; i++)
		push_str(l, false, padded("c", 100));
	CU_ASSERT_STRING_EQUAL(layout(l), "8144/79 2170/21");
	store_list_destroy(&l);
	l = store_list_create(0, 0);
	push_str(l, false, "a");
	push_str(l, false, "b");
	push_str(l, false, "c");
	CU_ASSERT_STRING_EQUAL(layout(l), "10/1 10/1 10/1");
	store_list_destroy(&l);
	l = store_list_create(-9, 0);
	CU_ASSERT_EQUAL(store_list_fill(l), -5);
	for (int i = 0; i < 200; i++)
		push_str(l, false, padded("k", 1000));
	CU_ASSERT_STRING_EQUAL(layout(l), "65267/65 65267/65 65267/65 5027/5");
	store_list_destroy(&l);
	l = store_list_create(100000, 0);
	CU_ASSERT_EQUAL(store_list_fill(l), 32767);
	store_list_destroy(&l);
	l = store_list_create(-2, 0);
	for (int i = 0; i < 3000; i++) {
		char num[16];
		snprintf(num, sizeof(num), "%d", i);
		push_str(l, false, num);
	}
	CU_ASSERT_STRING_EQUAL(layout(l), "8183/2768 703/232");
	CU_ASSERT_EQUAL(store_list_set(l, 5, padded("y", 5000), 5000), 0);
	CU_ASSERT_STRING_EQUAL(layout(l), "13188/2768 703/232");
	store_list_destroy(&l);
}

/* A payload's plain node stays plain; LSET of a small element replaces it
 * by the next node's head; nothing is inserted into it. */
static void test_store_list_plain_node_from_payload(void)
{
	struct store_list *l = store_list_create(-2, 0);
	CU_ASSERT_EQUAL(store_list_append_raw(l, true, true, "plain", 5), 0);
	CU_ASSERT_EQUAL(store_list_append_raw(l, true, false, "a", 1), 0);
	CU_ASSERT_EQUAL(store_list_append_raw(l, false, false, "5", 1), 0);
	CU_ASSERT_STRING_EQUAL(layout(l), "P5 12/2");
	CU_ASSERT_EQUAL(store_list_set(l, 0, "P", 1), 0);
	CU_ASSERT_STRING_EQUAL(layout(l), "15/3");
	store_list_destroy(&l);
	l = store_list_create(-2, 0);
	store_list_append_raw(l, true, true, "plain", 5);
	store_list_append_raw(l, true, false, "a", 1);
	store_list_append_raw(l, false, false, "5", 1);
	push_str(l, true, "h");
	linsert(l, true, "plain", "m");
	CU_ASSERT_STRING_EQUAL(layout(l), "10/1 P5 15/3");
	store_list_destroy(&l);
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
	/* 103-byte listpack entries: 79 per 8 KB node */
	CU_ASSERT_EQUAL(store_list_nodes(l), (1000 + 78) / 79);
	/* an element larger than the bound gets a node of its own */
	char *huge = calloc(1, 20000);
	store_list_push(l, false, huge, 20000);
	CU_ASSERT_EQUAL(store_list_nodes(l), (1000 + 78) / 79 + 1);
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
	int32_t fills[] = {1, 2, 5, -1, 2, 5, 3};
	int32_t depths[] = {0, 0, 0, 0, 1, 2, 3};
	for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
		struct store_list *l = store_list_create(fills[f], depths[f]);
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
			} else if ((op == 2 || op == 3) && m.n > 0) {
				size_t idx = r % m.n;
				bool after = (r >> 12) & 1;
				store_list_insert(l, idx, after, s, strlen(s));
				model_insert(&m, idx + after, s);
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
				store_list_iter_release(&it);
				for (size_t i = m.n; i-- > 0;)
					if (m.v[i][0] == '1')
						model_del(&m, i, 1);
			} else if (m.n > 0) {
				bool head = r & 1;
				store_list_pop(l, head);
				model_del(&m, head ? 0 : m.n - 1, 1);
			}
			if (step % 100 == 0) {
				check_equal(l, &m);
				layout(l); /* lp_bytes of every node */
			}
			check_ends_raw(l, depths[f]);
		}
		check_equal(l, &m);
		store_list_del_range(l, 0, store_list_len(l));
		CU_ASSERT_EQUAL(store_list_bytes(l), empty);
		store_list_destroy(&l);
	}
}

/* n copies of c, NUL-terminated (static). */
static const char *rep_str(char c, size_t n)
{
	static char buf[512];
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* A string LZF cannot shrink: pseudo-random letters and digits. */
static const char *noise(uint32_t seed, size_t n)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static char buf[512];
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = al[(seed >> 16) % 62];
	}
	buf[n] = '\0';
	return buf;
}

/* MIN_COMPRESS_BYTES: with one element a node (fill 1), a listpack of 47
 * bytes (a 38-byte string: 7 + 1 + 38 + 1) stays raw, one of 48 is
 * compressed; an interior node that LZF cannot shrink by more than 8
 * bytes stays raw; the ends and the nodes in depth are never compressed. */
static void test_store_list_compress_thresholds(void)
{
	struct store_list *l = store_list_create(1, 1);
	push_str(l, false, "head");
	push_str(l, false, rep_str('a', 38));
	push_str(l, false, rep_str('a', 39));
	push_str(l, false, noise(7, 60));
	push_str(l, false, rep_str('b', 200));
	push_str(l, false, "tail");
	CU_ASSERT_STRING_EQUAL(zmap(l), "rrzrzr");
	CU_ASSERT_STRING_EQUAL(layout(l), "13/1 47/1 48/1 69/1 211/1 13/1");
	store_list_destroy(&l);

	/* round trip: values of every listpack encoding in compressed nodes */
	static struct model mm;
	mm.n = 0;
	l = store_list_create(28, 1); /* two rounds a node: LZF finds the second */
	const char *vals[] = {"0",
			      "127",
			      "-1",
			      "4095",
			      "-4096",
			      "32767",
			      "-8388608",
			      "2147483647",
			      "-9223372036854775808",
			      "9223372036854775807",
			      "0123",
			      "1e3",
			      "",
			      "plain-string-xxxxxxxxx"};
	for (int r = 0; r < 8; r++)
		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			push_str(l, false, vals[i]);
			model_insert(&mm, mm.n, vals[i]);
		}
	CU_ASSERT(strchr(zmap(l), 'z') != NULL);
	check_equal(l, &mm);
	check_ends_raw(l, 1);
	store_list_destroy(&l);
}

/* __quicklistCompress() after pushes at both ends, pops and LTRIM: with
 * compressible nodes, exactly the nodes past the depth are compressed,
 * none while the list has fewer than 2 * depth nodes. */
static void test_store_list_compress_depth_rule(void)
{
	for (int depth = 1; depth <= 3; depth++) {
		struct store_list *l = store_list_create(2, depth);
		uint64_t raw_bytes, z_bytes;
		char want[64];
		for (int i = 0; i < 20; i++) /* 2 per node */
			push_str(l, false, rep_str('t', 40));
		int nodes = (int)store_list_nodes(l);
		CU_ASSERT_EQUAL(nodes, 10);
		for (int i = 0; i < nodes; i++)
			want[i] = i < depth || i >= nodes - depth ? 'r' : 'z';
		want[nodes] = '\0';
		CU_ASSERT_STRING_EQUAL(zmap(l), want);
		z_bytes = store_list_bytes(l);
		/* LTRIM both ends down to 2 * depth nodes: what comes into depth
		 * is decompressed (__quicklistDelNode()) */
		store_list_del_range(l, 0, 2 * (uint64_t)(5 - depth));
		store_list_del_range(l, store_list_len(l) - 2 * (uint64_t)(5 - depth),
				     2 * (uint64_t)(5 - depth));
		CU_ASSERT_EQUAL(store_list_nodes(l), (uint32_t)(2 * depth));
		CU_ASSERT_STRING_EQUAL(zmap(l), rep_str('r', 2 * (size_t)depth));
		/* pushes make it grow again: each new node compresses the one now
		 * just past the depth */
		for (int i = 0; i < 4; i++)
			push_str(l, true, rep_str('n', 40));
		nodes = (int)store_list_nodes(l);
		for (int i = 0; i < nodes; i++)
			want[i] = i < depth || i >= nodes - depth ? 'r' : 'z';
		want[nodes] = '\0';
		CU_ASSERT_STRING_EQUAL(zmap(l), want);
		/* pops from the head: the nodes coming into depth are raw again */
		while (store_list_nodes(l) > (uint32_t)(2 * depth))
			store_list_pop(l, true);
		CU_ASSERT_STRING_EQUAL(zmap(l), rep_str('r', 2 * (size_t)depth));
		store_list_destroy(&l);

		/* the same list at depth 0 takes more memory */
		l = store_list_create(2, 0);
		for (int i = 0; i < 20; i++)
			push_str(l, false, rep_str('t', 40));
		raw_bytes = store_list_bytes(l);
		CU_ASSERT(z_bytes < raw_bytes);
		store_list_destroy(&l);
	}
}

/* An interior node LZF cannot shrink stays raw. LINSERT into it while it
 * has room (_quicklistInsert(): decompress for use, insert, recompress
 * only if it had been compressed) leaves it raw even when it could now be
 * compressed; the next walk that leaves it (quicklistNext():
 * quicklistCompress() of a node not decompressed for use) compresses it.
 * LSET (quicklistReplaceEntry(): quicklistCompress()) tries at once. */
static void test_store_list_compress_failed_node_edits(void)
{
	struct store_list *l = store_list_create(4, 1);
	push_str(l, false, "h1");
	push_str(l, false, "h2");
	push_str(l, false, "h3");
	push_str(l, false, "h4");
	push_str(l, false, noise(1, 40));
	push_str(l, false, noise(2, 40));
	push_str(l, false, "p3");
	push_str(l, false, noise(3, 40));
	for (int i = 0; i < 4; i++)
		push_str(l, false, rep_str('c', 60));
	push_str(l, false, "t1");

	CU_ASSERT_STRING_EQUAL(zmap(l), "rrzr");
	/* LTRIM-like delete in node 1 (tried first: it stays raw), leaving room */
	store_list_del_range(l, 7, 1);
	CU_ASSERT_STRING_EQUAL(zmap(l), "rrzr");
	/* node 1 (noise, noise, p3) has room: the insert stays raw */
	linsert(l, true, "p3", rep_str('d', 300));
	CU_ASSERT_STRING_EQUAL(zmap(l), "rrzr");
	/* a walk over it: leaving node 1 tries it again, now it compresses */
	struct store_list_iter it;
	const uint8_t *p;
	size_t n;
	store_list_iter_init(l, 0, false, &it);
	while (store_list_iter_next(&it, &p, &n))
		;
	store_list_iter_release(&it);
	CU_ASSERT_STRING_EQUAL(zmap(l), "rzzr");
	/* LINDEX of an element of a compressed node reads it through a view:
	 * nothing changes */
	uint64_t b = store_list_bytes(l);
	store_list_iter_init(l, 7, false, &it);
	CU_ASSERT(store_list_iter_next(&it, &p, &n) && n == 300 && p[0] == 'd');
	store_list_iter_release(&it);
	CU_ASSERT_STRING_EQUAL(zmap(l), "rzzr");
	store_list_iter_init(l, 9, false, &it);
	CU_ASSERT(store_list_iter_next(&it, &p, &n) && n == 60 && p[0] == 'c');
	store_list_iter_release(&it);
	CU_ASSERT_STRING_EQUAL(zmap(l), "rzzr");
	CU_ASSERT_EQUAL(store_list_bytes(l), b);
	/* LSET in node 2 decompresses it for use and compresses it back */
	CU_ASSERT_EQUAL(store_list_set(l, 9, "x", 1), 0);
	CU_ASSERT_STRING_EQUAL(zmap(l), "rzzr");
	store_list_iter_init(l, 9, false, &it);
	CU_ASSERT(store_list_iter_next(&it, &p, &n) && n == 1 && p[0] == 'x');
	store_list_iter_release(&it);
	store_list_destroy(&l);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_store_list_count_fill_bounds_nodes),
	    RW_TEST(test_store_list_byte_fill_bounds_nodes),
	    RW_TEST(test_store_list_random_ops_match_model),
	    RW_TEST(test_store_list_linsert_splits_and_merges_as_redis),
	    RW_TEST(test_store_list_merge_estimate_is_7_0s),
	    RW_TEST(test_store_list_fill_classes_as_redis),
	    RW_TEST(test_store_list_plain_node_from_payload),
	    RW_TEST(test_store_list_compress_thresholds),
	    RW_TEST(test_store_list_compress_depth_rule),
	    RW_TEST(test_store_list_compress_failed_node_edits),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("store_list", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
