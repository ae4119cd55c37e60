/*
 * Stored values to and from RDB values: the per-type tables (see
 * cmd_rdb.h for how a type plugs in) and the string type's rows.
 *
 * Strings are saved as rdbSaveStringObject() does: an INT-encoded object
 * through rdbSaveLongLongAsStringObject() (INT8/16/32, else its digits),
 * any other through rdbSaveRawString() (which still finds the canonical
 * integers among them, and compresses long ones). They load as
 * rdbLoadObject() + tryObjectEncoding(): int, embstr or raw by content,
 * exactly what SET would have stored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_rdb.h"

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

static int str_load(struct rdb_in *in, uint8_t rdb_type, struct cmd_rdb_val *v)
{
	(void)rdb_type;
	v->type = STORE_TYPE_STRING;
	return rdb_r_string(in, &v->str, &v->len);
}

/* Indexed by enum store_type. */
static const struct cmd_rdb_type save_tab[STORE_TYPE_STREAM + 1] = {
    [STORE_TYPE_STRING] = {str_rdb_type, str_save},
};

/* Indexed by the RDB type byte. */
static cmd_rdb_load_fn *const load_tab[RDB_TYPE_STREAM_LISTPACKS_2 + 1] = {
    [RDB_TYPE_STRING] = str_load,
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
	memset(v, 0, sizeof(*v));
	if (rdb_type > RDB_TYPE_STREAM_LISTPACKS_2 || load_tab[rdb_type] == NULL)
		return -ENOTSUP;
	int rc = load_tab[rdb_type](in, rdb_type, v);
	if (rc != 0)
		cmd_rdb_val_free(v);
	return rc;
}

void cmd_rdb_val_free(struct cmd_rdb_val *v)
{
	free(v->str);
	if (v->coll != NULL && v->coll_free != NULL)
		v->coll_free(v->coll);
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
