/*
 * RDB value primitives as Redis 7.0's rdb.c writes and reads them: length
 * prefixes, strings (plain, INT8/16/32, LZF) and DUMP's footer.
 *
 * Length prefix (first byte's top two bits):
 *
 *   00xxxxxx                      6-bit length
 *   01xxxxxx xxxxxxxx             14-bit length (big-endian)
 *   10000000 + 4 bytes            32-bit length (big-endian)
 *   10000001 + 8 bytes            64-bit length (big-endian)
 *   11xxxxxx                      encoded string, xxxxxx = RDB_ENC_*:
 *       0 INT8, 1 INT16, 2 INT32  (little-endian, signed)
 *       3 LZF: len(compressed), len(original), compressed bytes
 *
 * LZF is liblzf (Debian's liblzf, 3.6, the same code Redis bundles): its
 * output is valid input for any LZF decoder, so Redis reads what this
 * writes and the other way round.
 */
#include <errno.h>
#include <lzf.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"
#include "rdb.h"
#include "resp.h"

int rdb_w_u8(struct rdb_out *o, uint8_t v)
{
	return rdb_out_write(o, &v, 1);
}

int rdb_w_len(struct rdb_out *o, uint64_t len)
{
	uint8_t b[9];
	size_t n;
	if (len < (1u << 6)) {
		b[0] = (uint8_t)((RDB_6BITLEN << 6) | len);
		n = 1;
	} else if (len < (1u << 14)) {
		b[0] = (uint8_t)((RDB_14BITLEN << 6) | (len >> 8));
		b[1] = (uint8_t)len;
		n = 2;
	} else if (len <= UINT32_MAX) {
		b[0] = RDB_32BITLEN;
		for (int i = 0; i < 4; i++)
			b[1 + i] = (uint8_t)(len >> (24 - 8 * i));
		n = 5;
	} else {
		b[0] = RDB_64BITLEN;
		for (int i = 0; i < 8; i++)
			b[1 + i] = (uint8_t)(len >> (56 - 8 * i));
		n = 9;
	}
	return rdb_out_write(o, b, n);
}

/* rdbEncodeInteger(): @return the bytes written to @p b, 0 if out of int32. */
static size_t enc_int(int64_t v, uint8_t b[5])
{
	size_t n;
	if (v >= INT8_MIN && v <= INT8_MAX) {
		b[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
		n = 1;
	} else if (v >= INT16_MIN && v <= INT16_MAX) {
		b[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
		n = 2;
	} else if (v >= INT32_MIN && v <= INT32_MAX) {
		b[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
		n = 4;
	} else {
		return 0;
	}
	uint64_t u = (uint64_t)v;
	for (size_t i = 0; i < n; i++)
		b[1 + i] = (uint8_t)(u >> (8 * i));
	return n + 1;
}

/* rdbTryIntegerEncoding(): only a string that converts to an integer and
 * back to the very same bytes (no "+1", "01", " 1") becomes INT8/16/32. */
static size_t try_int(const uint8_t *s, size_t n, uint8_t b[5])
{
	int64_t v;
	char digits[24];
	if (!resp_str_to_i64(s, n, &v))
		return 0;
	size_t k = resp_i64_to_str(digits, v);
	if (k != n || memcmp(digits, s, n) != 0)
		return 0;
	return enc_int(v, b);
}

/* rdbSaveLzfStringObject(): @return 1 written, 0 LZF did not save 4 bytes,
 * or -errno. */
static int try_lzf(struct rdb_out *o, const uint8_t *s, size_t n)
{
	if (n <= 4 || n > UINT32_MAX)
		return 0;
	size_t cap = n - 4;
	uint8_t *c = malloc(cap + 1);
	if (c == NULL)
		return 0; /* as Redis: no memory for compression, save it plain */
	unsigned clen = lzf_compress(s, (unsigned)n, c, (unsigned)cap);
	int rc = 0;
	if (clen > 0) {
		rdb_w_u8(o, (RDB_ENCVAL << 6) | RDB_ENC_LZF);
		rdb_w_len(o, clen);
		rdb_w_len(o, n);
		rc = rdb_out_write(o, c, clen);
		rc = rc != 0 ? rc : 1;
	}
	free(c);
	return rc;
}

int rdb_w_string(struct rdb_out *o, const void *p, size_t n, bool compress)
{
	const uint8_t *s = p;
	uint8_t b[5];
	if (n <= 11) {
		size_t k = try_int(s, n, b);
		if (k > 0)
			return rdb_out_write(o, b, k);
	}
	/* under 20 bytes LZF cannot even compress "aaaa...": not tried */
	if (compress && n > 20) {
		int rc = try_lzf(o, s, n);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
	rdb_w_len(o, n);
	return rdb_out_write(o, s, n);
}

#define RDB_QL_COMPRESS_MIN	48 /* quicklist.c MIN_COMPRESS_BYTES */
#define RDB_QL_COMPRESS_IMPROVE 8  /* quicklist.c MIN_COMPRESS_IMPROVE */

size_t rdb_ql_lzf(const void *s, size_t n, void *out)
{
	if (n < RDB_QL_COMPRESS_MIN || n > UINT32_MAX)
		return 0;
	/* lzf_compress(node->entry, node->sz, lzf->compressed, node->sz) */
	unsigned clen = lzf_compress(s, (unsigned)n, out, (unsigned)n);
	if (clen == 0 || clen + RDB_QL_COMPRESS_IMPROVE >= n)
		return 0;
	return clen;
}

int rdb_w_lzf_blob(struct rdb_out *o, const void *c, size_t clen, size_t n)
{
	rdb_w_u8(o, (RDB_ENCVAL << 6) | RDB_ENC_LZF);
	rdb_w_len(o, clen);
	rdb_w_len(o, n);
	return rdb_out_write(o, c, clen);
}

int rdb_w_ql_lzf_node(struct rdb_out *o, const void *s, size_t n, bool compress)
{
	if (n < RDB_QL_COMPRESS_MIN || n > UINT32_MAX)
		return rdb_w_string(o, s, n, compress);
	uint8_t *c = malloc(n);
	if (c == NULL)
		return -ENOMEM;
	size_t clen = rdb_ql_lzf(s, n, c);
	int rc = clen == 0 ? rdb_w_string(o, s, n, compress) : rdb_w_lzf_blob(o, c, clen, n);
	free(c);
	return rc;
}

int rdb_w_int_string(struct rdb_out *o, int64_t v)
{
	uint8_t b[5];
	size_t k = enc_int(v, b);
	if (k > 0)
		return rdb_out_write(o, b, k);
	char digits[24];
	k = resp_i64_to_str(digits, v);
	rdb_w_len(o, k);
	return rdb_out_write(o, digits, k);
}

int rdb_w_i64le(struct rdb_out *o, int64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)v >> (8 * i));
	return rdb_out_write(o, b, 8);
}

int rdb_r_u8(struct rdb_in *in, uint8_t *v)
{
	return rdb_in_read(in, v, 1);
}

int rdb_r_i64le(struct rdb_in *in, int64_t *v)
{
	uint8_t b[8];
	int rc = rdb_in_read(in, b, 8);
	if (rc != 0)
		return rc;
	uint64_t u = 0;
	for (int i = 7; i >= 0; i--)
		u = (u << 8) | b[i];
	*v = (int64_t)u;
	return 0;
}

int rdb_r_len(struct rdb_in *in, uint64_t *len, bool *encoded)
{
	uint8_t b[8];
	int rc = rdb_in_read(in, b, 1);
	if (rc != 0)
		return rc;
	*encoded = false;
	unsigned kind = b[0] >> 6;
	if (kind == RDB_ENCVAL) {
		*encoded = true;
		*len = b[0] & 0x3f;
		return 0;
	}
	if (kind == RDB_6BITLEN) {
		*len = b[0] & 0x3f;
		return 0;
	}
	if (kind == RDB_14BITLEN) {
		uint64_t hi = b[0] & 0x3f;
		if ((rc = rdb_in_read(in, b, 1)) != 0)
			return rc;
		*len = (hi << 8) | b[0];
		return 0;
	}
	size_t n;
	if (b[0] == RDB_32BITLEN)
		n = 4;
	else if (b[0] == RDB_64BITLEN)
		n = 8;
	else
		return in->err = -EBADMSG; /* "Unknown length encoding in rdbLoadLen()" */
	if ((rc = rdb_in_read(in, b, n)) != 0)
		return rc;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | b[i];
	*len = v;
	return 0;
}

int rdb_r_len_plain(struct rdb_in *in, uint64_t *len)
{
	bool enc;
	int rc = rdb_r_len(in, len, &enc);
	if (rc == 0 && enc)
		rc = in->err = -EBADMSG;
	return rc;
}

/* A buffer for a string of @p n bytes. @p from_input: the bytes will be
 * read from the stream, so in memory mode more than what is left is
 * refused before allocating (a corrupt length in a DUMP payload). */
static int str_alloc(struct rdb_in *in, uint64_t n, bool from_input, uint8_t **p)
{
	if (from_input && in->src == NULL && n > in->mem_len - in->off)
		return in->err = -ENODATA;
	if (n > in->max_alloc || n >= SIZE_MAX)
		return in->err = -EFBIG;
	*p = malloc((size_t)n + 1);
	if (*p == NULL)
		return in->err = -ENOMEM;
	(*p)[n] = '\0';
	return 0;
}

static int r_int(struct rdb_in *in, unsigned enc, uint8_t **p, size_t *n)
{
	size_t k = enc == RDB_ENC_INT8 ? 1 : enc == RDB_ENC_INT16 ? 2 : 4;
	uint8_t b[4];
	int rc = rdb_in_read(in, b, k);
	if (rc != 0)
		return rc;
	uint32_t u = 0;
	for (size_t i = k; i-- > 0;)
		u = (u << 8) | b[i];
	int64_t v = k == 1 ? (int8_t)u : k == 2 ? (int16_t)u : (int32_t)u;
	if ((rc = str_alloc(in, 24, false, p)) != 0)
		return rc;
	*n = resp_i64_to_str((char *)*p, v);
	(*p)[*n] = '\0';
	return 0;
}

static int r_lzf(struct rdb_in *in, uint8_t **p, size_t *n)
{
	uint64_t clen, len;
	int rc;
	if ((rc = rdb_r_len_plain(in, &clen)) != 0 || (rc = rdb_r_len_plain(in, &len)) != 0)
		return rc;
	/* An LZF back reference yields at most 264 bytes for 3: a stated length
	 * beyond 90 times the compressed one cannot be right (and is refused
	 * before allocating it, as a flipped bit in a length would ask). */
	if (clen > UINT32_MAX || len > UINT32_MAX || len > clen * 90)
		return in->err = -EBADMSG;
	uint8_t *c;
	if ((rc = str_alloc(in, clen, true, &c)) != 0)
		return rc;
	if ((rc = rdb_in_read(in, c, (size_t)clen)) != 0 ||
	    (rc = str_alloc(in, len, false, p)) != 0) {
		free(c);
		return rc;
	}
	unsigned got = len > 0 ? lzf_decompress(c, (unsigned)clen, *p, (unsigned)len) : 0;
	free(c);
	if (got != len) { /* "Invalid LZF compressed string" */
		free(*p);
		*p = NULL;
		return in->err = -EBADMSG;
	}
	*n = (size_t)len;
	return 0;
}

int rdb_r_string(struct rdb_in *in, uint8_t **p, size_t *n)
{
	uint64_t len;
	bool enc;
	int rc = rdb_r_len(in, &len, &enc);
	*p = NULL;
	if (rc != 0)
		return rc;
	if (enc) {
		if (len <= RDB_ENC_INT32)
			return r_int(in, (unsigned)len, p, n);
		if (len == RDB_ENC_LZF)
			return r_lzf(in, p, n);
		return in->err = -EBADMSG; /* "Unknown RDB string encoding type" */
	}
	if ((rc = str_alloc(in, len, true, p)) != 0)
		return rc;
	if ((rc = rdb_in_read(in, *p, (size_t)len)) != 0) {
		free(*p);
		*p = NULL;
		return rc;
	}
	*n = (size_t)len;
	return 0;
}

int rdb_w_dump_footer(struct rdb_out *o)
{
	uint8_t ver[2] = {RDB_VERSION & 0xff, (RDB_VERSION >> 8) & 0xff};
	rdb_out_write(o, ver, 2);
	return rdb_w_i64le(o, (int64_t)o->crc);
}

bool rdb_dump_verify(const void *p, size_t n)
{
	const uint8_t *s = p;
	if (n < 10)
		return false;
	const uint8_t *footer = s + n - 10;
	unsigned ver = (unsigned)footer[1] << 8 | footer[0];
	if (ver > RDB_VERSION)
		return false;
	uint64_t crc = rw_crc64(0, s, n - 8), got = 0;
	for (int i = 7; i >= 0; i--)
		got = (got << 8) | footer[2 + i];
	return crc == got;
}
