/*
 * List compression: list-compress-depth as Redis 7.0.15's quicklist.c
 * holds it, so a list takes stock's memory and DUMP gives stock's bytes.
 *
 * WHAT IS COMPRESSED. A node's compressed form is Redis's exactly: the
 * listpack Redis would hold for the node (a plain node: its element),
 * compressed by rdb_ql_lzf() (liblzf, the code Redis bundles), kept only
 * when the listpack has 48 bytes or more and LZF makes it more than 8
 * bytes shorter. The node then holds that blob instead of its entries
 * (used = the blob's bytes, lp_bytes still the listpack's); the RDB writer
 * emits it as it is (rdbSaveLzfBlob()).
 *
 * WHEN. Which nodes are compressed is not a pure function of the list:
 * it is the trace of the compression calls quicklist.c makes, each a test
 * of the node's current listpack. So the store makes the same calls at the
 * same moments (store_list_int.h has them, named after Redis's macros):
 *
 *   ql_compress_list()  __quicklistCompress(ql, NULL): after a node left
 *   store_ql_comp_list()  __quicklistCompress(ql, node): the first depth
 *                       nodes from each end decompressed, @p node (unless
 *                       in depth) and the first node past the depth on
 *                       each side compressed; nothing at all while the list
 *                       has fewer than 2 * depth nodes
 *   ql_compress()       quicklistCompress(): a node decompressed for use
 *                       is compressed back, any other gets the list rule
 *   ql_use()            quicklistDecompressNodeForUse()
 *   ql_recompress_only() quicklistRecompressOnly()
 *
 * and each operation calls them where its quicklist.c counterpart does
 * (pushes and RDB appends: __quicklistInsertNode(); pops, LREM, LTRIM and
 * merges: __quicklistDelNode(); LINSERT, LSET, LTRIM and walks: their own,
 * see store_list.c and store_list_edit.c). Redis's node->dont_compress
 * (set by LSET around its insert) is l->nocomp.
 *
 * A node whose compression failed stays raw with nothing remembered; a
 * later call tries it again, as Redis's does, so a node edited in place
 * while raw (LTRIM, LINSERT into it) stays raw until a call reaches it.
 *
 * READING A COMPRESSED NODE. A walk that only reads a compressed node
 * (LRANGE, LINDEX, LPOS, the digest) decodes it into a per-thread buffer
 * and leaves the node alone: Redis decompresses it, then compresses the
 * unchanged listpack back to the same blob, so the end state is the same
 * and no compression is paid. Writes decompress the node in place.
 *
 * At depth 0 nothing is ever compressed and every call above returns at
 * its first test.
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <lzf.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "store_list_int.h"

/* Larger nodes (LSET-grown, plain) are decompressed in place to be read. */
#define QL_VIEW_MAX (128u << 10)

/* The entries of a node of @p plain kind from its listpack @p raw / @p n:
 * written at @p d unless NULL. @return their bytes. */
static size_t unpack(bool plain, const uint8_t *raw, size_t n, uint8_t *d)
{
	if (plain) {
		if (d != NULL)
			store_ql_entry_write(d, raw, n);
		return store_ql_entry_size(n);
	}
	struct rdb_lp_iter it;
	struct rdb_lp_elem e;
	size_t at = 0;
	char buf[24];
	rdb_lp_iter_init(&it, raw, n);
	while (rdb_lp_next(&it, &e)) {
		const uint8_t *p = e.s;
		size_t len = e.n;
		if (e.is_int) {
			len = resp_i64_to_str(buf, e.v); /* as lpGet() */
			p = (const uint8_t *)buf;
		}
		if (d != NULL)
			store_ql_entry_write(d + at, p, len);
		at += store_ql_entry_size(len);
	}
	return at;
}

/* The node's bytes become `data` (`len` of them); the list's memory count
 * follows the allocation it replaces. */
static void node_take_data(struct store_list *l, struct store_list_node *nd, uint8_t *data,
			   size_t len)
{
	free(nd->data);
	l->bytes = l->bytes - nd->cap + len;
	nd->data = data;
	nd->cap = (uint32_t)len;
	nd->used = (uint32_t)len;
}

void store_ql_comp_node(struct store_list *l, struct store_list_node *nd)
{
	if (nd == l->nocomp)
		return; /* dont_compress: before recompress is cleared, as Redis */
	nd->recompress = 0;
	if (nd->lp_bytes < 48) /* MIN_COMPRESS_BYTES */
		return;
	struct rdb_lp lp;
	const uint8_t *blob;
	size_t n;
	bool built = !nd->plain;
	if (nd->plain) {
		store_ql_entry_read(nd->data, &blob, &n);
	} else {
		uint32_t off = 0;
		const uint8_t *p;
		size_t pn;
		rdb_lp_init(&lp);
		while (off < nd->used) {
			off += (uint32_t)store_ql_entry_read(nd->data + off, &p, &pn);
			rdb_lp_append(&lp, p, pn);
		}
		if (rdb_lp_finish(&lp, &blob, &n) != 0)
			goto out; /* ENOMEM: stays raw */
	}
	uint8_t *c = malloc(n);
	if (c == NULL)
		goto out;
	size_t clen = rdb_ql_lzf(blob, n, c);
	if (clen == 0) {
		free(c);
		goto out;
	}
	uint8_t *shrunk = realloc(c, clen);
	if (shrunk != NULL)
		c = shrunk;
	node_take_data(l, nd, c, clen);
	nd->lzf = 1;
out:
	if (built)
		rdb_lp_free(&lp);
}

int store_ql_decomp_node(struct store_list *l, struct store_list_node *nd)
{
	size_t n = nd->lp_bytes;
	uint8_t *raw = malloc(n);
	if (raw == NULL)
		return -ENOMEM;
	if (lzf_decompress(nd->data, nd->used, raw, (unsigned)n) != n) {
		free(raw); /* cannot happen: the blob is our own */
		return -EIO;
	}
	size_t need = unpack(nd->plain, raw, n, NULL);
	uint8_t *d = malloc(need);
	if (d == NULL) {
		free(raw);
		return -ENOMEM;
	}
	unpack(nd->plain, raw, n, d);
	free(raw);
	node_take_data(l, nd, d, need);
	nd->lzf = 0;
	nd->recompress = 0;
	return 0;
}

void store_ql_comp_list(struct store_list *l, struct store_list_node *nd)
{
	if (l->nodes == 0 || l->compress == 0 || l->nodes < (uint32_t)l->compress * 2)
		return;
	struct store_list_node *fwd = l->head, *rev = l->tail;
	bool in_depth = false;
	for (int32_t depth = 0; depth < l->compress; depth++) {
		if (fwd->lzf)
			store_ql_decomp_node(l, fwd);
		if (rev->lzf)
			store_ql_decomp_node(l, rev);
		if (fwd == nd || rev == nd)
			in_depth = true;
		if (fwd == rev || fwd->next == rev)
			return;
		fwd = fwd->next;
		rev = rev->prev;
	}
	if (!in_depth && nd != NULL && !nd->lzf)
		store_ql_comp_node(l, nd);
	if (!fwd->lzf)
		store_ql_comp_node(l, fwd);
	if (!rev->lzf)
		store_ql_comp_node(l, rev);
}

/* The view buffers of this thread: the listpack, then the entries. */
static _Thread_local struct {
	uint8_t *lp, *ent;
	size_t lp_cap, ent_cap;
} view;

static bool view_room(uint8_t **b, size_t *cap, size_t need)
{
	if (need <= *cap)
		return true;
	uint8_t *n = realloc(*b, need);
	if (n == NULL)
		return false;
	*b = n;
	*cap = need;
	return true;
}

const uint8_t *store_ql_view(const struct store_list_node *nd, uint32_t *used)
{
	size_t n = nd->lp_bytes;
	if (n > QL_VIEW_MAX || !view_room(&view.lp, &view.lp_cap, n))
		return NULL;
	if (lzf_decompress(nd->data, nd->used, view.lp, (unsigned)n) != n)
		return NULL;
	size_t need = unpack(nd->plain, view.lp, n, NULL);
	if (!view_room(&view.ent, &view.ent_cap, need))
		return NULL;
	unpack(nd->plain, view.lp, n, view.ent);
	*used = (uint32_t)need;
	return view.ent;
}
