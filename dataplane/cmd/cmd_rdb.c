/*
 * Stored values to and from RDB values: the per-type tables (see
 * cmd_rdb.h for how a type plugs in), the string type's rows and helpers
 * the collection types share (cmd_rdb_list/hash/set/zset.c hold theirs).
 *
 * Strings are saved as rdbSaveStringObject() does: an INT-encoded object
 * through rdbSaveLongLongAsStringObject() (INT8/16/32, else its digits),
 * any other through rdbSaveRawString() (which still finds the canonical
 * integers among them, and compresses long ones). They load as
 * rdbLoadObject() + tryObjectEncoding(): int, embstr or raw by content,
 * exactly what SET would have stored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_rdb_int.h"
#include "store_hash.h"
#include "store_list.h"
#include "store_set.h"
#include "store_zset.h"

static uint8_t str_rdb_type(const struct store_obj *o)
{
	(void)o;
	return RDB_TYPE_STRING;
}

static int str_save(struct rdb_out *out, const struct store_obj *o, bool compress)
{
	if (o->enc == STORE_ENC_INT)
		return rdb_w_int_string(out, o->v.i);
	return rdb_w_string(out, o->v.ptr, o->len, compress);
}

static int str_load(struct rdb_in *in, uint8_t rdb_type, const struct cmd_rdb_limits *lim,
		    struct cmd_rdb_val *v)
{
	(void)rdb_type;
	(void)lim;
	v->type = STORE_TYPE_STRING;
	return rdb_r_string(in, &v->str, &v->len);
}

/* Indexed by enum store_type. */
static const struct cmd_rdb_type save_tab[STORE_TYPE_STREAM + 1] = {
    [STORE_TYPE_STRING] = {str_rdb_type, str_save},
    [STORE_TYPE_LIST] = {cmd_rdb_list_type, cmd_rdb_list_save},
    [STORE_TYPE_SET] = {cmd_rdb_set_type, cmd_rdb_set_save},
    [STORE_TYPE_ZSET] = {cmd_rdb_zset_type, cmd_rdb_zset_save},
    [STORE_TYPE_HASH] = {cmd_rdb_hash_type, cmd_rdb_hash_save},
};

/* Indexed by the RDB type byte. */
static cmd_rdb_load_fn *const load_tab[RDB_TYPE_STREAM_LISTPACKS_2 + 1] = {
    [RDB_TYPE_STRING] = str_load,
    [RDB_TYPE_LIST] = cmd_rdb_list_load,
    [RDB_TYPE_LIST_ZIPLIST] = cmd_rdb_list_load,
    [RDB_TYPE_LIST_QUICKLIST] = cmd_rdb_list_load,
    [RDB_TYPE_LIST_QUICKLIST_2] = cmd_rdb_list_load,
    [RDB_TYPE_SET] = cmd_rdb_set_load,
    [RDB_TYPE_SET_INTSET] = cmd_rdb_set_load,
    [RDB_TYPE_ZSET] = cmd_rdb_zset_load,
    [RDB_TYPE_ZSET_2] = cmd_rdb_zset_load,
    [RDB_TYPE_ZSET_ZIPLIST] = cmd_rdb_zset_load,
    [RDB_TYPE_ZSET_LISTPACK] = cmd_rdb_zset_load,
    [RDB_TYPE_HASH] = cmd_rdb_hash_load,
    [RDB_TYPE_HASH_ZIPMAP] = cmd_rdb_hash_load,
    [RDB_TYPE_HASH_ZIPLIST] = cmd_rdb_hash_load,
    [RDB_TYPE_HASH_LISTPACK] = cmd_rdb_hash_load,
};

int cmd_rdb_save(struct rdb_out *out, const struct store_obj *o, bool compress)
{
	if (o->type > STORE_TYPE_STREAM || save_tab[o->type].save == NULL)
		return -ENOTSUP;
	const struct cmd_rdb_type *t = &save_tab[o->type];
	rdb_w_u8(out, t->rdb_type(o));
	return t->save(out, o, compress);
}

int cmd_rdb_save_key(struct rdb_out *out, const struct rdb_key_meta *m, const void *key,
		     size_t klen, const struct store_obj *o, bool compress)
{
	if (o->type > STORE_TYPE_STREAM || save_tab[o->type].save == NULL)
		return -ENOTSUP;
	const struct cmd_rdb_type *t = &save_tab[o->type];
	rdb_w_key(out, m, t->rdb_type(o), key, klen);
	return t->save(out, o, compress);
}

int cmd_rdb_load(struct rdb_in *in, uint8_t rdb_type, struct cmd_rdb_val *v)
{
	return cmd_rdb_load_lim(in, rdb_type, NULL, v);
}

int cmd_rdb_load_lim(struct rdb_in *in, uint8_t rdb_type, const struct cmd_rdb_limits *lim,
		     struct cmd_rdb_val *v)
{
	static const struct cmd_rdb_limits dflt = CMD_RDB_LIMITS_DEFAULT;
	memset(v, 0, sizeof(*v));
	if (rdb_type > RDB_TYPE_STREAM_LISTPACKS_2 || load_tab[rdb_type] == NULL)
		return -ENOTSUP;
	int rc = load_tab[rdb_type](in, rdb_type, lim != NULL ? lim : &dflt, v);
	if (rc != 0)
		cmd_rdb_val_free(v);
	return rc;
}

/* The store's free for a collection that never reached the keyspace. */
static void coll_release(struct cmd_rdb_val *v)
{
	struct store_obj o = {.type = v->type, .enc = v->enc};
	o.v.coll = v->coll;
	const struct store_coll_ops *ops = v->type == STORE_TYPE_LIST	? &store_list_ops
					   : v->type == STORE_TYPE_SET	? &store_set_ops
					   : v->type == STORE_TYPE_ZSET ? &store_zset_ops
					   : v->type == STORE_TYPE_HASH ? &store_hash_ops
									: NULL;
	if (ops != NULL)
		ops->free(&o);
}

void cmd_rdb_val_free(struct cmd_rdb_val *v)
{
	free(v->str);
	if (v->coll != NULL && v->coll_free != NULL)
		v->coll_free(v->coll);
	else if (v->coll != NULL)
		coll_release(v);
	v->str = NULL;
	v->coll = NULL;
	v->len = 0;
}

int cmd_rdb_val_apply(struct store_wr *w, struct cmd_rdb_val *v)
{
	int rc;
	if (v->type == STORE_TYPE_STRING) {
		rc = store_wr_set_str(w, v->str, v->len);
		cmd_rdb_val_free(v);
		return rc;
	}
	void *coll = v->coll;
	v->coll = NULL; /* the store owns it from here, also on failure */
	cmd_rdb_val_free(v);
	return store_wr_set_coll(w, v->type, v->enc, coll);
}

/* ---- helpers of the collection types (cmd_rdb_int.h) ---- */

int cmd_rdb_blob_read(struct rdb_in *in, uint8_t **p, size_t *n)
{
	return rdb_r_string(in, p, n);
}

int cmd_rdb_lp_write(struct rdb_out *out, struct rdb_lp *lp, bool compress)
{
	const uint8_t *p;
	size_t n;
	int rc = rdb_lp_finish(lp, &p, &n);
	if (rc == 0)
		rc = rdb_w_string(out, p, n, compress);
	rdb_lp_free(lp);
	return rc;
}

size_t cmd_rdb_lp_bytes(const struct rdb_lp_elem *e, char buf[24], const uint8_t **p)
{
	if (!e->is_int) {
		*p = e->s;
		return e->n;
	}
	*p = (const uint8_t *)buf;
	return (size_t)snprintf(buf, 24, "%lld", (long long)e->v);
}

int cmd_rdb_val_match_enc(struct cmd_rdb_val *v, uint8_t enc)
{
	if (v->coll == NULL || v->enc == enc)
		return 0;
	struct store_obj o = {.type = v->type, .enc = v->enc};
	o.v.coll = v->coll;
	int rc = 0;
	if (v->type == STORE_TYPE_HASH && enc == STORE_ENC_HT)
		rc = store_hash_to_ht(&o);
	else if (v->type == STORE_TYPE_SET && enc == STORE_ENC_HT)
		rc = store_set_to_ht(&o);
	else if (v->type == STORE_TYPE_ZSET && enc == STORE_ENC_SKIPLIST)
		return cmd_rdb_zset_to_skiplist(v);
	v->enc = o.enc;
	v->coll = o.v.coll;
	return rc;
}

int cmd_rdb_dup(const struct store_obj *o, struct cmd_rdb_val *v)
{
	memset(v, 0, sizeof(*v));
	if (o->type == STORE_TYPE_STRING)
		return -EINVAL;
	/* bounds that give the source's encoding straight away: 0 puts a
	 * hash table / skiplist up front, no bound keeps the compact form */
	bool big = o->enc == STORE_ENC_HT || o->enc == STORE_ENC_SKIPLIST;
	uint64_t bound = big ? 0 : UINT64_MAX;
	struct cmd_rdb_limits lim = {0, 0, bound, UINT64_MAX, bound, bound, UINT64_MAX};
	if (o->type == STORE_TYPE_LIST) { /* quicklistDup(): the source's options */
		lim.list_fill = store_list_fill(o->v.coll);
		lim.list_compress = store_list_compress(o->v.coll);
	}
	struct rdb_buf b = {0};
	struct rdb_out *out = malloc(sizeof(*out)); /* 16 KiB: not on a worker's stack */
	if (out == NULL)
		return -ENOMEM;
	rdb_out_init(out, rdb_buf_sink, &b);
	int rc = cmd_rdb_save(out, o, false);
	rc = rc != 0 ? rc : rdb_out_flush(out);
	free(out);
	if (rc == 0) {
		struct rdb_in in;
		uint8_t type;
		rdb_in_init_mem(&in, b.p, b.len);
		rc = rdb_r_u8(&in, &type);
		rc = rc != 0 ? rc : cmd_rdb_load_lim(&in, type, &lim, v);
		rc = rc != 0 ? rc : cmd_rdb_val_match_enc(v, o->enc);
		if (rc != 0)
			cmd_rdb_val_free(v);
	}
	rdb_buf_free(&b);
	return rc == 0 ? 0 : -ENOMEM;
}

int cmd_rdb_wr_match_enc(struct store_wr *w, uint8_t enc)
{
	struct store_obj *o = w->obj;
	if (o == NULL || o->enc == enc)
		return 0;
	if (o->type == STORE_TYPE_STRING) {
		/* a string moved as its bytes: SET chose int or embstr where the
		 * source was raw (APPEND, SETBIT, BITOP), or int where it was an
		 * embstr holding a number (INCRBYFLOAT) */
		char num[21];
		const uint8_t *p;
		size_t n = store_obj_str(o, num, &p);
		if (enc == STORE_ENC_RAW)
			return store_wr_raw(w, n) != NULL ? 0 : -ENOMEM;
		if (enc == STORE_ENC_EMBSTR && o->enc == STORE_ENC_INT)
			return store_wr_set_bytes(w, p, n);
		return 0;
	}
	struct cmd_rdb_val v = {.type = o->type, .enc = o->enc, .coll = o->v.coll};
	int rc = cmd_rdb_val_match_enc(&v, enc);
	/* converted in place within the write (store.h: collections) */
	o->enc = v.enc;
	o->v.coll = v.coll;
	return rc;
}
