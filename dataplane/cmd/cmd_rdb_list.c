/*
 * Lists to and from RDB values (cmd_rdb.h), as Redis 7.0.15's rdb.c.
 *
 * SAVING. Redis writes RDB_TYPE_LIST_QUICKLIST_2: the node count, then per
 * node its container (1 plain: the element as a string; 2 packed: its
 * listpack as a string). The store's nodes are cut where Redis's quicklist
 * cuts them after the same commands (store_list_int.h), so each store node
 * becomes one container here, its entries re-encoded as the listpack
 * Redis holds: DUMP gives stock Redis's bytes whatever built the list
 * (pushes at either end, LINSERT splits and merges, LSET, LREM, LTRIM).
 *
 * Compressed nodes. Under list-compress-depth the list holds the nodes
 * Redis holds LZF-compressed as Redis's own blobs (store_list_comp.c), and
 * rdbSaveObject() writes such a node as that blob even with rdbcompression
 * no: so does this writer, so DUMP and RDB files have stock's bytes.
 *
 * LOADING. QUICKLIST_2 (packed and plain nodes) and QUICKLIST (ziplist
 * nodes) keep the payload's nodes, as quicklistAppendListpack() does;
 * LIST_ZIPLIST and LIST (element strings) are pushed at the tail, as
 * Redis's loader pushes them. Empty nodes are skipped, an empty list is
 * bad data. The list takes the configured list-max-listpack-size.
 *
 * Context: see cmd_rdb_int.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "cmd_rdb_int.h"
#include "store_list.h"

#define QL_CONTAINER_PLAIN  1
#define QL_CONTAINER_PACKED 2

uint8_t cmd_rdb_list_type(const struct store_obj *o)
{
	(void)o;
	return RDB_TYPE_LIST_QUICKLIST_2;
}

/* One node: its container and its element(s), or its LZF blob when the
 * list holds it compressed (rdbSaveLzfBlob(), whatever rdbcompression says). */
static int save_node(struct rdb_out *out, const struct store_list_node *nd, bool compress)
{
	uint32_t off = 0;
	const uint8_t *p;
	size_t n;
	rdb_w_len(out, store_list_node_plain(nd) ? QL_CONTAINER_PLAIN : QL_CONTAINER_PACKED);
	if (store_list_node_lzf(nd, &p, &n))
		return rdb_w_lzf_blob(out, p, n, store_list_node_lp_bytes(nd));
	if (store_list_node_plain(nd)) {
		store_list_node_elem(nd, &off, &p, &n);
		return rdb_w_string(out, p, n, compress);
	}
	struct rdb_lp lp;
	rdb_lp_init(&lp);
	while (store_list_node_elem(nd, &off, &p, &n))
		rdb_lp_append(&lp, p, n);
	int rc = rdb_lp_finish(&lp, &p, &n);
	if (rc == 0)
		rc = rdb_w_string(out, p, n, compress);
	rdb_lp_free(&lp);
	return rc;
}

int cmd_rdb_list_save(struct rdb_out *out, const struct store_obj *o, bool compress)
{
	const struct store_list *l = o->v.coll;
	rdb_w_len(out, store_list_nodes(l));
	for (const struct store_list_node *nd = store_list_node_first(l); nd != NULL;
	     nd = store_list_node_next(nd)) {
		int rc = save_node(out, nd, compress);
		if (rc != 0)
			return rc;
	}
	return out->err;
}

/* ---- loading ---- */

static void list_free(void *coll)
{
	struct store_list *l = coll;
	store_list_destroy(&l);
}

/* An element at the tail: pushed (@p node_first false), or kept in the
 * payload's node (the first of its node when @p node_first). */
static int push_elem(struct store_list *l, const struct rdb_lp_elem *e, bool keep_nodes,
		     bool node_first)
{
	char buf[24];
	const uint8_t *p;
	size_t n = cmd_rdb_lp_bytes(e, buf, &p);
	if (!keep_nodes)
		return store_list_push(l, false, p, n);
	return store_list_append_raw(l, node_first, false, p, n);
}

/* A listpack (QUICKLIST_2) or ziplist (QUICKLIST, LIST_ZIPLIST) blob; a
 * node of its own when @p keep_nodes. */
static int load_packed(struct store_list *l, const uint8_t *b, size_t n, bool zl, bool keep_nodes)
{
	uint32_t count;
	struct rdb_lp_iter it;
	struct rdb_lp_elem e;
	if ((zl ? rdb_zl_validate(b, n, &count) : rdb_lp_validate(b, n, &count)) != 0)
		return -EBADMSG;
	if (zl)
		rdb_zl_iter_init(&it, b, n);
	else
		rdb_lp_iter_init(&it, b, n);
	for (bool first = true; zl ? rdb_zl_next(&it, &e) : rdb_lp_next(&it, &e); first = false)
		if (push_elem(l, &e, keep_nodes, first) != 0)
			return -ENOMEM;
	return 0;
}

static int load_nodes(struct rdb_in *in, uint8_t t, struct store_list *l)
{
	uint64_t nodes, container = QL_CONTAINER_PACKED;
	int rc = rdb_r_len_plain(in, &nodes);
	for (uint64_t i = 0; rc == 0 && i < nodes; i++) {
		if (t == RDB_TYPE_LIST_QUICKLIST_2 && (rc = rdb_r_len_plain(in, &container)) != 0)
			break;
		if (container != QL_CONTAINER_PACKED && container != QL_CONTAINER_PLAIN)
			return -EBADMSG;
		uint8_t *b;
		size_t n;
		if ((rc = cmd_rdb_blob_read(in, &b, &n)) != 0)
			break;
		if (n == 0)
			rc = -EBADMSG;
		else if (container == QL_CONTAINER_PLAIN)
			rc = store_list_append_raw(l, true, true, b, n);
		else
			rc = load_packed(l, b, n, t == RDB_TYPE_LIST_QUICKLIST, true);
		free(b);
	}
	return rc;
}

static int load_plain(struct rdb_in *in, struct store_list *l)
{
	uint64_t len;
	int rc = rdb_r_len_plain(in, &len);
	for (uint64_t i = 0; rc == 0 && i < len; i++) {
		uint8_t *s;
		size_t n;
		if ((rc = rdb_r_string(in, &s, &n)) != 0)
			break;
		rc = store_list_push(l, false, s, n);
		free(s);
	}
	return rc;
}

int cmd_rdb_list_load(struct rdb_in *in, uint8_t t, const struct cmd_rdb_limits *lim,
		      struct cmd_rdb_val *v)
{
	struct store_list *l = store_list_create(lim->list_fill, lim->list_compress);
	if (l == NULL)
		return -ENOMEM;
	v->type = STORE_TYPE_LIST;
	v->enc = STORE_ENC_QUICKLIST;
	v->coll = l;
	v->coll_free = list_free;
	int rc;
	if (t == RDB_TYPE_LIST) {
		rc = load_plain(in, l);
	} else if (t == RDB_TYPE_LIST_ZIPLIST) {
		uint8_t *b;
		size_t n;
		rc = cmd_rdb_blob_read(in, &b, &n);
		if (rc == 0) {
			rc = load_packed(l, b, n, true, false);
			free(b);
		}
	} else {
		rc = load_nodes(in, t, l);
	}
	if (rc == 0 && store_list_len(l) == 0)
		rc = -EBADMSG; /* Redis: an empty key is not loaded */
	return rc;
}
