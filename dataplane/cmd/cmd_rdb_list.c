/*
 * Lists to and from RDB values (cmd_rdb.h), as Redis 7.0.15's rdb.c.
 *
 * SAVING. Redis writes RDB_TYPE_LIST_QUICKLIST_2: the node count, then per
 * node its container (2: packed) and its listpack as one string. The nodes
 * are Redis's quicklist nodes, whose boundaries come from how
 * _quicklistNodeAllowInsert() filled them. The store's own nodes use
 * another entry format, so the list is cut again here the way Redis cuts
 * a list pushed at the tail element by element:
 *
 *     new_sz = listpack bytes so far + element length + 8 (the estimate)
 *     fits  if  fill < 0 and new_sz <= 4096 << (-fill - 1)  (-5: 64 KiB)
 *     else  if  new_sz > 8192 (SIZE_SAFETY_LIMIT): a new node
 *     else  fits while the node has fewer than fill entries
 *
 * so a list built by RPUSH (and any list of one node) DUMPs to Redis's
 * exact bytes. A multi-node list whose nodes Redis filled from the head
 * (LPUSH) or split by LINSERT gets other node boundaries: the same
 * elements, a payload Redis restores to the same list, other bytes.
 *
 * LOADING. QUICKLIST_2 (packed and plain nodes), QUICKLIST (ziplist
 * nodes), LIST_ZIPLIST and LIST (element strings) all become a store list
 * built with the configured list-max-listpack-size, pushed at the tail as
 * Redis's loader does; empty nodes are skipped, an empty list is bad data.
 *
 * Context: see cmd_rdb_int.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "cmd_rdb_int.h"
#include "store_list.h"

#define QL_CONTAINER_PLAIN  1
#define QL_CONTAINER_PACKED 2
#define QL_SIZE_SAFETY	    8192u
#define QL_SIZE_ESTIMATE    8u

uint8_t cmd_rdb_list_type(const struct store_obj *o)
{
	(void)o;
	return RDB_TYPE_LIST_QUICKLIST_2;
}

/* _quicklistNodeAllowInsert() for a node of @p lp_bytes / @p count. */
static bool ql_allows(int32_t fill, size_t lp_bytes, uint32_t count, size_t sz)
{
	static const size_t level[] = {4096, 8192, 16384, 32768, 65536};
	size_t new_sz = lp_bytes + sz + QL_SIZE_ESTIMATE;
	if (fill < 0) {
		size_t i = (size_t)(-(int64_t)fill) - 1;
		if (i < 5 && new_sz <= level[i])
			return true;
	}
	if (new_sz > QL_SIZE_SAFETY)
		return false;
	return fill > 0 && count < (uint32_t)fill;
}

/* The quicklist nodes Redis would hold: call @p emit for each, or count
 * them when @p emit is NULL. @return the node count, or -errno. */
static int64_t ql_cut(struct rdb_out *out, struct store_list *l, int32_t fill, bool compress)
{
	struct store_list_iter it;
	struct rdb_lp lp;
	const uint8_t *p;
	size_t n;
	int64_t nodes = 0;
	rdb_lp_init(&lp);
	store_list_iter_init(l, 0, false, &it);
	while (store_list_iter_next(&it, &p, &n)) {
		if (lp.count > 0 && !ql_allows(fill, lp.b.len + 1, lp.count, n)) {
			nodes++;
			if (out != NULL) {
				rdb_w_len(out, QL_CONTAINER_PACKED);
				int rc = cmd_rdb_lp_write(out, &lp, compress);
				if (rc != 0)
					return rc;
			} else {
				rdb_lp_free(&lp);
			}
			rdb_lp_init(&lp);
		}
		if (rdb_lp_append(&lp, p, n) != 0) {
			rdb_lp_free(&lp);
			return -ENOMEM;
		}
	}
	if (lp.count > 0) {
		nodes++;
		if (out != NULL) {
			rdb_w_len(out, QL_CONTAINER_PACKED);
			return cmd_rdb_lp_write(out, &lp, compress) != 0 ? -ENOMEM : nodes;
		}
	}
	rdb_lp_free(&lp);
	return nodes;
}

int cmd_rdb_list_save(struct rdb_out *out, const struct store_obj *o, bool compress)
{
	struct store_list *l = o->v.coll;
	int32_t fill = store_list_fill(l);
	/* two passes: the node count comes first */
	int64_t nodes = ql_cut(NULL, l, fill, false);
	if (nodes < 0)
		return (int)nodes;
	rdb_w_len(out, (uint64_t)nodes);
	int64_t rc = ql_cut(out, l, fill, compress);
	return rc < 0 ? (int)rc : out->err;
}

/* ---- loading ---- */

static void list_free(void *coll)
{
	struct store_list *l = coll;
	store_list_destroy(&l);
}

static int push_elem(struct store_list *l, const struct rdb_lp_elem *e)
{
	char buf[24];
	const uint8_t *p;
	size_t n = cmd_rdb_lp_bytes(e, buf, &p);
	return store_list_push(l, false, p, n);
}

/* A listpack (QUICKLIST_2) or ziplist (QUICKLIST, LIST_ZIPLIST) node. */
static int load_packed(struct store_list *l, const uint8_t *b, size_t n, bool zl)
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
	while (zl ? rdb_zl_next(&it, &e) : rdb_lp_next(&it, &e))
		if (push_elem(l, &e) != 0)
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
			rc = store_list_push(l, false, b, n);
		else
			rc = load_packed(l, b, n, t == RDB_TYPE_LIST_QUICKLIST);
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
			rc = load_packed(l, b, n, true);
			free(b);
		}
	} else {
		rc = load_nodes(in, t, l);
	}
	if (rc == 0 && store_list_len(l) == 0)
		rc = -EBADMSG; /* Redis: an empty key is not loaded */
	return rc;
}
