/*
 * RDB file framing (see rdb_file.h for the layout): Redis 7.0's
 * rdbSaveInfoAuxFields(), rdbSaveKeyValuePair() opcodes, rdbLoadRio()'s
 * opcode loop and its CRC64 trailer check.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_file.h"
#include "resp.h"

int rdb_w_header(struct rdb_out *o)
{
	char magic[10];
	magic[0] = 'R', magic[1] = 'E', magic[2] = 'D', magic[3] = 'I', magic[4] = 'S';
	for (int i = 0, v = RDB_VERSION; i < 4; i++, v /= 10)
		magic[8 - i] = (char)('0' + v % 10);
	return rdb_out_write(o, magic, 9);
}

int rdb_w_aux(struct rdb_out *o, const char *key, const void *val, size_t vlen)
{
	rdb_w_u8(o, RDB_OPCODE_AUX);
	rdb_w_string(o, key, strlen(key), true);
	return rdb_w_string(o, val, vlen, true);
}

int rdb_w_aux_int(struct rdb_out *o, const char *key, int64_t v)
{
	char digits[24];
	size_t n = resp_i64_to_str(digits, v);
	return rdb_w_aux(o, key, digits, n);
}

int rdb_w_aux_offsets(struct rdb_out *o, const uint64_t *lsn, size_t n)
{
	char buf[RDB_AUX_OFFSETS_MAX * 21];
	size_t len = 0;
	if (n > RDB_AUX_OFFSETS_MAX)
		return o->err = -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char digits[21];
		size_t k = 0;
		uint64_t v = lsn[i];
		do
			digits[k++] = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		if (i > 0)
			buf[len++] = ',';
		while (k > 0)
			buf[len++] = digits[--k];
	}
	return rdb_w_aux(o, RDB_AUX_RW_OFFSETS, buf, len);
}

int rdb_aux_offsets_parse(const uint8_t *p, size_t n, uint64_t *lsn, size_t cap)
{
	size_t count = 0, i = 0;
	if (n == 0)
		return 0;
	for (;;) {
		uint64_t v = 0;
		size_t start = i;
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
			if (v > (UINT64_MAX - (p[i] - '0')) / 10)
				return -EBADMSG;
			v = v * 10 + (uint64_t)(p[i] - '0');
		}
		if (i == start || count == cap)
			return -EBADMSG;
		lsn[count++] = v;
		if (i == n)
			return (int)count;
		if (p[i++] != ',')
			return -EBADMSG;
	}
}

int rdb_w_aux_std(struct rdb_out *o, const struct rdb_aux_std *a)
{
	rdb_w_aux(o, "redis-ver", a->redis_ver, strlen(a->redis_ver));
	rdb_w_aux_int(o, "redis-bits", 64);
	rdb_w_aux_int(o, "ctime", a->ctime);
	rdb_w_aux_int(o, "used-mem", (int64_t)a->used_mem);
	return rdb_w_aux_int(o, "aof-base", a->aof_base);
}

int rdb_w_select_db(struct rdb_out *o, uint64_t db)
{
	rdb_w_u8(o, RDB_OPCODE_SELECTDB);
	return rdb_w_len(o, db);
}

int rdb_w_resize_db(struct rdb_out *o, uint64_t keys, uint64_t expires)
{
	rdb_w_u8(o, RDB_OPCODE_RESIZEDB);
	rdb_w_len(o, keys);
	return rdb_w_len(o, expires);
}

int rdb_w_key(struct rdb_out *o, const struct rdb_key_meta *m, uint8_t type, const void *key,
	      size_t klen)
{
	if (m->expire_ms != -1) {
		rdb_w_u8(o, RDB_OPCODE_EXPIRETIME_MS);
		rdb_w_i64le(o, m->expire_ms);
	}
	if (m->idle_s >= 0) {
		rdb_w_u8(o, RDB_OPCODE_IDLE);
		rdb_w_len(o, (uint64_t)m->idle_s);
	}
	if (m->freq >= 0) {
		rdb_w_u8(o, RDB_OPCODE_FREQ);
		rdb_w_u8(o, (uint8_t)m->freq);
	}
	rdb_w_u8(o, type);
	return rdb_w_string(o, key, klen, true);
}

int rdb_w_eof(struct rdb_out *o, bool checksum)
{
	rdb_w_u8(o, RDB_OPCODE_EOF);
	rdb_w_i64le(o, checksum ? (int64_t)o->crc : 0);
	return rdb_out_flush(o);
}

int rdb_r_header(struct rdb_in *in, unsigned *version)
{
	uint8_t b[9];
	int rc = rdb_in_read(in, b, sizeof(b));
	if (rc != 0)
		return rc;
	if (memcmp(b, "REDIS", 5) != 0)
		return in->err = -EBADMSG;
	unsigned v = 0;
	for (int i = 5; i < 9; i++) {
		if (b[i] < '0' || b[i] > '9')
			return in->err = -EBADMSG;
		v = v * 10 + (unsigned)(b[i] - '0');
	}
	if (v < 1 || v > RDB_VERSION)
		return in->err = -ENOTSUP;
	*version = v;
	return 0;
}

void rdb_item_clear(struct rdb_item *it)
{
	free(it->aux_key);
	free(it->aux_val);
	free(it->key);
	it->aux_key = it->aux_val = it->key = NULL;
	it->aux_key_len = it->aux_val_len = it->klen = 0;
}

/* EOF: the trailer is the CRC64 of every byte before it; 0 means the
 * writer had rdbchecksum off (Redis then skips the check, so do we). */
static int r_eof(struct rdb_in *in, unsigned version)
{
	if (version < 5)
		return 0;
	uint64_t expected = in->crc;
	int64_t got;
	int rc = rdb_r_i64le(in, &got);
	if (rc != 0)
		return rc;
	if (got != 0 && (uint64_t)got != expected)
		return in->err = -EBADMSG;
	return 0;
}

/* The opcodes before a key accumulate into it->meta. */
static int r_meta(struct rdb_in *in, uint8_t op, struct rdb_item *it)
{
	int rc;
	if (op == RDB_OPCODE_EXPIRETIME_MS)
		return rdb_r_i64le(in, &it->meta.expire_ms);
	if (op == RDB_OPCODE_EXPIRETIME) {
		uint8_t b[4];
		if ((rc = rdb_in_read(in, b, 4)) != 0)
			return rc;
		int32_t s = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
				      (uint32_t)b[3] << 24);
		it->meta.expire_ms = (int64_t)s * 1000;
		return 0;
	}
	if (op == RDB_OPCODE_FREQ) {
		uint8_t f;
		if ((rc = rdb_r_u8(in, &f)) != 0)
			return rc;
		it->meta.freq = f;
		return 0;
	}
	uint64_t idle; /* RDB_OPCODE_IDLE */
	if ((rc = rdb_r_len_plain(in, &idle)) != 0)
		return rc;
	it->meta.idle_s = idle > INT64_MAX ? INT64_MAX : (int64_t)idle;
	return 0;
}

int rdb_r_next(struct rdb_in *in, unsigned version, struct rdb_item *it)
{
	rdb_item_clear(it);
	it->meta = RDB_KEY_META_NONE;
	for (;;) {
		uint8_t op;
		int rc = rdb_r_u8(in, &op);
		if (rc != 0)
			return rc;
		switch (op) {
		case RDB_OPCODE_EXPIRETIME_MS:
		case RDB_OPCODE_EXPIRETIME:
		case RDB_OPCODE_IDLE:
		case RDB_OPCODE_FREQ:
			if ((rc = r_meta(in, op, it)) != 0)
				return rc;
			continue;
		case RDB_OPCODE_SELECTDB:
			it->kind = RDB_ITEM_SELECTDB;
			return rdb_r_len_plain(in, &it->db);
		case RDB_OPCODE_RESIZEDB:
			it->kind = RDB_ITEM_RESIZEDB;
			if ((rc = rdb_r_len_plain(in, &it->db_keys)) != 0)
				return rc;
			return rdb_r_len_plain(in, &it->db_expires);
		case RDB_OPCODE_AUX:
			it->kind = RDB_ITEM_AUX;
			if ((rc = rdb_r_string(in, &it->aux_key, &it->aux_key_len)) != 0)
				return rc;
			return rdb_r_string(in, &it->aux_val, &it->aux_val_len);
		case RDB_OPCODE_EOF:
			it->kind = RDB_ITEM_EOF;
			return r_eof(in, version);
		case RDB_OPCODE_MODULE_AUX:
		case RDB_OPCODE_FUNCTION:
		case RDB_OPCODE_FUNCTION2:
			return in->err = -ENOTSUP;
		default:
			if (!rdb_type_is_object(op))
				return in->err = -EBADMSG; /* "Unknown RDB encoding type" */
			it->kind = RDB_ITEM_KEY;
			it->type = op;
			return rdb_r_string(in, &it->key, &it->klen);
		}
	}
}
