/*
 * libFuzzer target for platform/codec's RDB reader: the input is read as a
 * whole RDB file (every item, string values decoded), as a DUMP payload
 * (verify, then the type byte and a string value from the whole payload,
 * as RESTORE does), and as a raw string that must survive the writer and
 * the reader unchanged, compressed or not, and as a listpack and an intset
 * blob (validated, then walked), as a ziplist and a zipmap blob, and as a
 * typed value (the first byte picks the RDB type, the rest is the value)
 * fed to the collection loaders of dataplane/cmd/cmd_rdb_*.c under default
 * and under tiny encoding limits; a value that loads must save, and what
 * it saves must load again. Crashes, leaks, reads past the input and a
 * changed round trip are findings.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd_rdb.h"
#include "rdb_blob.h"
#include "rdb_file.h"

static void read_file(const uint8_t *p, size_t n)
{
	struct rdb_in in;
	struct rdb_item it = {0};
	unsigned ver;
	rdb_in_init_mem(&in, p, n);
	in.max_alloc = 1u << 20;
	int rc = rdb_r_header(&in, &ver);
	while (rc == 0) {
		if ((rc = rdb_r_next(&in, ver, &it)) != 0 || it.kind == RDB_ITEM_EOF)
			break;
		if (it.kind == RDB_ITEM_KEY) {
			uint8_t *v;
			size_t vn;
			if (it.type != RDB_TYPE_STRING || rdb_r_string(&in, &v, &vn) != 0)
				break;
			free(v);
		}
	}
	rdb_item_clear(&it);
}

static void read_dump(const uint8_t *p, size_t n)
{
	struct rdb_in in;
	uint8_t type, *v;
	size_t vn;
	(void)rdb_dump_verify(p, n);
	rdb_in_init_mem(&in, p, n);
	in.max_alloc = 1u << 20;
	if (rdb_r_u8(&in, &type) == 0 && rdb_r_string(&in, &v, &vn) == 0)
		free(v);
}

static void round_trip(const uint8_t *p, size_t n, bool compress)
{
	struct rdb_buf b = {0};
	struct rdb_out *o = malloc(sizeof(*o));
	rdb_out_init(o, rdb_buf_sink, &b);
	rdb_w_string(o, p, n, compress);
	if (rdb_out_flush(o) != 0)
		abort();
	struct rdb_in in;
	uint8_t *v;
	size_t vn;
	rdb_in_init_mem(&in, b.p, b.len);
	if (rdb_r_string(&in, &v, &vn) != 0 || vn != n || (n > 0 && memcmp(v, p, n) != 0) ||
	    in.off != b.len)
		abort();
	free(v);
	free(o);
	rdb_buf_free(&b);
}

static void read_blobs(const uint8_t *p, size_t n)
{
	uint32_t count;
	if (rdb_lp_validate(p, n, &count) == 0) {
		struct rdb_lp_iter it;
		struct rdb_lp_elem e;
		uint32_t seen = 0;
		rdb_lp_iter_init(&it, p, n);
		while (rdb_lp_next(&it, &e))
			seen++;
		if (seen != count)
			abort();
	}
	if (rdb_intset_validate(p, n, &count) == 0)
		(void)rdb_intset_get(p, count - 1);
	struct rdb_lp_iter it;
	struct rdb_lp_elem e, f;
	if (rdb_zl_validate(p, n, &count) == 0) {
		uint32_t seen = 0;
		rdb_zl_iter_init(&it, p, n);
		while (rdb_zl_next(&it, &e))
			seen++;
		if (seen != count)
			abort();
	}
	if (rdb_zipmap_validate(p, n, &count) == 0) {
		uint32_t seen = 0;
		rdb_zipmap_iter_init(&it, p, n);
		while (rdb_zipmap_next(&it, &e, &f))
			seen++;
		if (seen != count)
			abort();
	}
}

/* Save the loaded value @p v and load what was saved: it must load. */
static void resave(struct cmd_rdb_val *v, const struct cmd_rdb_limits *lim)
{
	struct store_obj o = {.type = v->type, .enc = v->enc};
	if (v->type == STORE_TYPE_STRING)
		return;
	o.v.coll = v->coll;
	struct rdb_buf b = {0};
	struct rdb_out *out = malloc(sizeof(*out));
	rdb_out_init(out, rdb_buf_sink, &b);
	if (cmd_rdb_save(out, &o, true) != 0 || rdb_out_flush(out) != 0)
		abort();
	free(out);
	struct rdb_in in;
	struct cmd_rdb_val again;
	uint8_t type;
	rdb_in_init_mem(&in, b.p, b.len);
	if (rdb_r_u8(&in, &type) != 0 || cmd_rdb_load_lim(&in, type, lim, &again) != 0 ||
	    again.type != v->type || in.off != b.len)
		abort();
	cmd_rdb_val_free(&again);
	rdb_buf_free(&b);
}

static void load_value(const uint8_t *p, size_t n, const struct cmd_rdb_limits *lim)
{
	struct rdb_in in;
	struct cmd_rdb_val v;
	if (n < 1 || !rdb_type_is_object(p[0]))
		return;
	rdb_in_init_mem(&in, p + 1, n - 1);
	in.max_alloc = 1u << 20;
	if (cmd_rdb_load_lim(&in, p[0], lim, &v) != 0)
		return;
	resave(&v, lim);
	cmd_rdb_val_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_file(data, size);
	read_dump(data, size);
	read_blobs(data, size);
	round_trip(data, size, true);
	round_trip(data, size, false);
	static const struct cmd_rdb_limits tiny = {3, 0, 2, 4, 2, 2, 4};
	load_value(data, size, NULL);
	load_value(data, size, &tiny);
	return 0;
}
