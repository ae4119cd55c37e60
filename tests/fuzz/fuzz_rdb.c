/*
 * libFuzzer target for platform/codec's RDB reader: the input is read as a
 * whole RDB file (every item, string values decoded), as a DUMP payload
 * (verify, then the type byte and a string value from the whole payload,
 * as RESTORE does), and as a raw string that must survive the writer and
 * the reader unchanged, compressed or not, and as a listpack and an intset
 * blob (validated, then walked). Crashes, leaks, reads past the
 * input and a changed round trip are findings.
 */
#include <stdlib.h>
#include <string.h>

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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_file(data, size);
	read_dump(data, size);
	read_blobs(data, size);
	round_trip(data, size, true);
	round_trip(data, size, false);
	return 0;
}
