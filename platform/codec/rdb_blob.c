/*
 * Listpack and intset blobs as Redis 7.0's listpack.c and intset.c lay
 * them out (see rdb_blob.h for the byte layouts): builders that give
 * stock Redis's bytes, and validating readers for untrusted input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_blob.h"
#include "resp.h"

#define LP_HDR		  6
#define LP_EOF		  0xff
#define LP_NUMELE_UNKNOWN 65535
#define LP_ENC_6BIT_STR	  0x80
#define LP_ENC_13BIT_INT  0xc0
#define LP_ENC_12BIT_STR  0xe0
#define LP_ENC_32BIT_STR  0xf0
#define LP_ENC_16BIT_INT  0xf1
#define LP_ENC_24BIT_INT  0xf2
#define LP_ENC_32BIT_INT  0xf3
#define LP_ENC_64BIT_INT  0xf4

static void put_le(uint8_t *b, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *b, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = (v << 8) | b[i];
	return v;
}

static size_t lp_backlen_len(uint64_t l)
{
	return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/* lpEncodeBacklen(): the entry length in 7-bit groups, most significant
 * first, every byte but the first with the top bit set, so it can be read
 * backwards from the entry's last byte. */
static size_t lp_backlen(uint8_t *b, uint64_t l)
{
	size_t n = lp_backlen_len(l);
	for (size_t i = 0; i < n; i++) {
		uint8_t g = (uint8_t)((l >> (7 * (n - 1 - i))) & 127);
		b[i] = i == 0 ? g : (uint8_t)(g | 128);
	}
	return n;
}

static void lp_put(struct rdb_lp *lp, const uint8_t *enc, size_t enclen, const void *data, size_t n)
{
	uint8_t back[5];
	size_t bl = lp_backlen(back, enclen + n);
	if (lp->err == 0)
		lp->err = rdb_buf_sink(&lp->b, enc, enclen);
	if (lp->err == 0 && n > 0)
		lp->err = rdb_buf_sink(&lp->b, data, n);
	if (lp->err == 0)
		lp->err = rdb_buf_sink(&lp->b, back, bl);
	lp->count++;
}

void rdb_lp_init(struct rdb_lp *lp)
{
	static const uint8_t hdr[LP_HDR];
	memset(lp, 0, sizeof(*lp));
	lp->err = rdb_buf_sink(&lp->b, hdr, LP_HDR);
}

/* lpEncodeIntegerGetType(): the encoding+data bytes of @p v's smallest encoding. */
static size_t lp_int_len(int64_t v)
{
	if (v >= 0 && v <= 127)
		return 1;
	if (v >= -4096 && v <= 4095)
		return 2;
	if (v >= INT16_MIN && v <= INT16_MAX)
		return 3;
	if (v >= -8388608 && v <= 8388607)
		return 4;
	return v >= INT32_MIN && v <= INT32_MAX ? 5 : 9;
}

size_t rdb_lp_entry_bytes(const void *s, size_t n)
{
	const uint8_t *c = s;
	int64_t v;
	size_t l;
	/* most elements are not numbers: decided on the first byte */
	bool maybe_int = n > 0 && (c[0] == '-' || (c[0] >= '0' && c[0] <= '9'));
	if (maybe_int && resp_str_to_i64(c, n, &v))
		l = lp_int_len(v);
	else
		l = (n < 64 ? 1 : n < 4096 ? 2 : 5) + n;
	return l + lp_backlen_len(l);
}

/* lpEncodeIntegerGetType(): the smallest encoding holding @p v. */
int rdb_lp_append_int(struct rdb_lp *lp, int64_t v)
{
	uint8_t e[9];
	size_t n;
	uint64_t u = (uint64_t)v;
	if (v >= 0 && v <= 127) {
		e[0] = (uint8_t)v;
		n = 1;
	} else if (v >= -4096 && v <= 4095) {
		u &= (1u << 13) - 1;
		e[0] = (uint8_t)((u >> 8) | LP_ENC_13BIT_INT);
		e[1] = (uint8_t)u;
		n = 2;
	} else if (v >= INT16_MIN && v <= INT16_MAX) {
		e[0] = LP_ENC_16BIT_INT;
		put_le(e + 1, u, 2);
		n = 3;
	} else if (v >= -8388608 && v <= 8388607) {
		e[0] = LP_ENC_24BIT_INT;
		put_le(e + 1, u, 3);
		n = 4;
	} else if (v >= INT32_MIN && v <= INT32_MAX) {
		e[0] = LP_ENC_32BIT_INT;
		put_le(e + 1, u, 4);
		n = 5;
	} else {
		e[0] = LP_ENC_64BIT_INT;
		put_le(e + 1, u, 8);
		n = 9;
	}
	lp_put(lp, e, n, NULL, 0);
	return lp->err;
}

int rdb_lp_append(struct rdb_lp *lp, const void *s, size_t n)
{
	int64_t v;
	uint8_t e[5];
	size_t k;
	if (resp_str_to_i64(s, n, &v))
		return rdb_lp_append_int(lp, v);
	if (n < 64) {
		e[0] = (uint8_t)(LP_ENC_6BIT_STR | n);
		k = 1;
	} else if (n < 4096) {
		e[0] = (uint8_t)(LP_ENC_12BIT_STR | (n >> 8));
		e[1] = (uint8_t)n;
		k = 2;
	} else if (n <= UINT32_MAX) {
		e[0] = LP_ENC_32BIT_STR;
		put_le(e + 1, n, 4);
		k = 5;
	} else {
		return lp->err = -EFBIG;
	}
	lp_put(lp, e, k, s, n);
	return lp->err;
}

int rdb_lp_finish(struct rdb_lp *lp, const uint8_t **p, size_t *n)
{
	static const uint8_t eof = LP_EOF;
	if (lp->err == 0)
		lp->err = rdb_buf_sink(&lp->b, &eof, 1);
	if (lp->err == 0 && lp->b.len > UINT32_MAX)
		lp->err = -EFBIG;
	if (lp->err != 0)
		return lp->err;
	put_le(lp->b.p, lp->b.len, 4);
	put_le(lp->b.p + 4, lp->count < LP_NUMELE_UNKNOWN ? lp->count : LP_NUMELE_UNKNOWN, 2);
	*p = lp->b.p;
	*n = lp->b.len;
	return 0;
}

void rdb_lp_free(struct rdb_lp *lp)
{
	rdb_buf_free(&lp->b);
}

/* The entry at @p p (with @p avail bytes before the terminator's end):
 * its encoding+data length in *@p l, what it holds in *@p e.
 * @return false if it does not fit or is not an encoding. */
static bool lp_entry(const uint8_t *p, size_t avail, size_t *l, struct rdb_lp_elem *e)
{
	uint8_t b = p[0];
	size_t hdr, dlen = 0, ibytes = 0;
	e->is_int = false;
	if (b < 0x80) {
		e->is_int = true;
		e->v = b;
		*l = 1;
		return true;
	}
	if ((b & 0xc0) == LP_ENC_6BIT_STR) {
		hdr = 1, dlen = b & 0x3f;
	} else if ((b & 0xe0) == LP_ENC_13BIT_INT) {
		if (avail < 2)
			return false;
		uint64_t u = ((uint64_t)(b & 0x1f) << 8) | p[1];
		e->is_int = true;
		e->v = u >= (1u << 12) ? (int64_t)u - (1 << 13) : (int64_t)u;
		*l = 2;
		return true;
	} else if ((b & 0xf0) == LP_ENC_12BIT_STR) {
		if (avail < 2)
			return false;
		hdr = 2, dlen = ((size_t)(b & 0x0f) << 8) | p[1];
	} else if (b == LP_ENC_32BIT_STR) {
		if (avail < 5)
			return false;
		hdr = 5, dlen = (size_t)get_le(p + 1, 4);
	} else if (b >= LP_ENC_16BIT_INT && b <= LP_ENC_64BIT_INT) {
		static const size_t w[] = {2, 3, 4, 8};
		ibytes = w[b - LP_ENC_16BIT_INT];
		if (avail < 1 + ibytes)
			return false;
		uint64_t u = get_le(p + 1, ibytes);
		if (ibytes < 8 && (u >> (8 * ibytes - 1)) != 0)
			u |= ~UINT64_C(0) << (8 * ibytes); /* sign-extend */
		e->is_int = true;
		e->v = (int64_t)u;
		*l = 1 + ibytes;
		return true;
	} else {
		return false;
	}
	if (dlen > avail - hdr)
		return false;
	e->s = p + hdr;
	e->n = dlen;
	*l = hdr + dlen;
	return true;
}

int rdb_lp_validate(const uint8_t *p, size_t n, uint32_t *count)
{
	if (n < LP_HDR + 1 || get_le(p, 4) != n || p[n - 1] != LP_EOF)
		return -EBADMSG;
	uint32_t hdr_count = (uint32_t)get_le(p + 4, 2), seen = 0;
	size_t pos = LP_HDR, end = n - 1;
	while (pos < end) {
		struct rdb_lp_elem e;
		size_t l;
		uint8_t back[5];
		if (!lp_entry(p + pos, end - pos, &l, &e))
			return -EBADMSG;
		size_t bl = lp_backlen(back, l);
		if (bl > end - pos - l || memcmp(p + pos + l, back, bl) != 0)
			return -EBADMSG;
		pos += l + bl;
		if (++seen == 0)
			return -EBADMSG;
	}
	if (hdr_count != LP_NUMELE_UNKNOWN && hdr_count != seen)
		return -EBADMSG;
	*count = seen;
	return 0;
}

void rdb_lp_iter_init(struct rdb_lp_iter *it, const uint8_t *p, size_t n)
{
	it->p = p;
	it->pos = LP_HDR;
	it->end = n - 1;
}

bool rdb_lp_next(struct rdb_lp_iter *it, struct rdb_lp_elem *e)
{
	size_t l;
	uint8_t back[5];
	if (it->pos >= it->end || !lp_entry(it->p + it->pos, it->end - it->pos, &l, e))
		return false;
	it->pos += l + lp_backlen(back, l);
	return true;
}

/* ---- intset ---- */

int rdb_intset_build(const int64_t *v, size_t n, struct rdb_buf *out)
{
	uint32_t width = 2;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && v[i] <= v[i - 1])
			return -EINVAL;
		if (v[i] < INT32_MIN || v[i] > INT32_MAX)
			width = 8;
		else if ((v[i] < INT16_MIN || v[i] > INT16_MAX) && width < 4)
			width = 4;
	}
	if (n > UINT32_MAX)
		return -EINVAL;
	uint8_t hdr[8];
	put_le(hdr, width, 4);
	put_le(hdr + 4, n, 4);
	int rc = rdb_buf_sink(out, hdr, sizeof(hdr));
	for (size_t i = 0; i < n && rc == 0; i++) {
		uint8_t b[8];
		put_le(b, (uint64_t)v[i], width);
		rc = rdb_buf_sink(out, b, width);
	}
	return rc;
}

int64_t rdb_intset_get(const uint8_t *p, uint32_t i)
{
	uint32_t width = (uint32_t)get_le(p, 4);
	uint64_t u = get_le(p + 8 + (size_t)i * width, width);
	if (width < 8 && (u >> (8 * width - 1)) != 0)
		u |= ~UINT64_C(0) << (8 * width);
	return (int64_t)u;
}

int rdb_intset_validate(const uint8_t *p, size_t n, uint32_t *count)
{
	if (n < 8)
		return -EBADMSG;
	uint64_t width = get_le(p, 4), len = get_le(p + 4, 4);
	if ((width != 2 && width != 4 && width != 8) || 8 + len * width != n)
		return -EBADMSG;
	/* Redis also refuses an empty intset */
	if (len == 0)
		return -EBADMSG;
	for (uint32_t i = 1; i < len; i++)
		if (rdb_intset_get(p, i) <= rdb_intset_get(p, i - 1))
			return -EBADMSG;
	*count = (uint32_t)len;
	return 0;
}

/* ---- ziplist ---- */

#define ZL_HDR	       10
#define ZL_BIGPREVLEN  254
#define ZL_NUM_UNKNOWN 65535

/* The entry at @p p, @p avail bytes before the terminator: its prevlen in
 * *@p prev, its whole size in *@p l, what it holds in *@p e (zipEntrySafe()).
 * @return false if it does not fit or is not an encoding. */
static bool zl_entry(const uint8_t *p, size_t avail, uint64_t *prev, size_t *l,
		     struct rdb_lp_elem *e)
{
	size_t h;
	if (avail < 2)
		return false;
	if (p[0] < ZL_BIGPREVLEN) {
		*prev = p[0];
		h = 1;
	} else if (p[0] == ZL_BIGPREVLEN && avail >= 6) {
		*prev = get_le(p + 1, 4);
		h = 5;
	} else {
		return false;
	}
	uint8_t b = p[h];
	size_t ehdr, dlen;
	e->is_int = b >= 0xc0;
	if (b < 0x40) {
		ehdr = 1, dlen = b & 0x3f;
	} else if (b < 0x80) {
		if (avail - h < 2)
			return false;
		ehdr = 2, dlen = ((size_t)(b & 0x3f) << 8) | p[h + 1];
	} else if (b < 0xc0) {
		if (avail - h < 5)
			return false;
		ehdr = 5;
		dlen = ((size_t)p[h + 1] << 24) | ((size_t)p[h + 2] << 16) |
		       ((size_t)p[h + 3] << 8) | p[h + 4];
	} else if (b >= 0xf1 && b <= 0xfd) {
		ehdr = 1, dlen = 0;
		e->v = (b & 0x0f) - 1;
	} else {
		ehdr = 1;
		dlen = b == 0xc0   ? 2
		       : b == 0xd0 ? 4
		       : b == 0xe0 ? 8
		       : b == 0xf0 ? 3
		       : b == 0xfe ? 1
				   : 0;
		if (dlen == 0)
			return false;
	}
	if (ehdr > avail - h || dlen > avail - h - ehdr)
		return false;
	const uint8_t *d = p + h + ehdr;
	if (e->is_int && dlen > 0) {
		uint64_t u = get_le(d, dlen);
		if (dlen < 8 && (u >> (8 * dlen - 1)) != 0)
			u |= ~UINT64_C(0) << (8 * dlen);
		e->v = (int64_t)u;
	} else if (!e->is_int) {
		e->s = d;
		e->n = dlen;
	}
	*l = h + ehdr + dlen;
	return true;
}

int rdb_zl_validate(const uint8_t *p, size_t n, uint32_t *count)
{
	if (n < ZL_HDR + 1 || get_le(p, 4) != n || p[n - 1] != 0xff)
		return -EBADMSG;
	uint64_t tail = get_le(p + 4, 4), hdr_count = get_le(p + 8, 2), prevsz = 0, last = ZL_HDR;
	size_t pos = ZL_HDR, end = n - 1;
	uint32_t seen = 0;
	while (pos < end) {
		struct rdb_lp_elem e;
		uint64_t prev;
		size_t l;
		if (!zl_entry(p + pos, end - pos, &prev, &l, &e) || prev != prevsz)
			return -EBADMSG;
		last = pos;
		prevsz = l;
		pos += l;
		if (++seen == 0)
			return -EBADMSG;
	}
	if (tail != last || (hdr_count != ZL_NUM_UNKNOWN && hdr_count != seen))
		return -EBADMSG;
	*count = seen;
	return 0;
}

void rdb_zl_iter_init(struct rdb_lp_iter *it, const uint8_t *p, size_t n)
{
	it->p = p;
	it->pos = ZL_HDR;
	it->end = n - 1;
}

bool rdb_zl_next(struct rdb_lp_iter *it, struct rdb_lp_elem *e)
{
	uint64_t prev;
	size_t l;
	if (it->pos >= it->end || !zl_entry(it->p + it->pos, it->end - it->pos, &prev, &l, e))
		return false;
	it->pos += l;
	return true;
}

/* ---- zipmap ---- */

#define ZM_BIGLEN 254
#define ZM_END	  255

/* A zipmap length at @p p (within @p avail): *@p v, @return its size or 0. */
static size_t zm_len(const uint8_t *p, size_t avail, uint64_t *v)
{
	if (avail < 1 || p[0] == ZM_END)
		return 0;
	if (p[0] < ZM_BIGLEN) {
		*v = p[0];
		return 1;
	}
	if (avail < 5)
		return 0;
	*v = get_le(p + 1, 4);
	return 5;
}

/* One pair at it->pos. @return false at the end or if it does not fit. */
static bool zm_pair(const uint8_t *p, size_t *pos, size_t end, struct rdb_lp_elem *f,
		    struct rdb_lp_elem *v)
{
	uint64_t fl, vl;
	size_t k = zm_len(p + *pos, end - *pos, &fl);
	if (k == 0 || fl > end - *pos - k)
		return false;
	*f = (struct rdb_lp_elem){.s = p + *pos + k, .n = (size_t)fl};
	*pos += k + (size_t)fl;
	k = zm_len(p + *pos, end - *pos, &vl);
	if (k == 0 || end - *pos - k < 1)
		return false;
	uint8_t free_b = p[*pos + k];
	if (vl + free_b > end - *pos - k - 1)
		return false;
	*v = (struct rdb_lp_elem){.s = p + *pos + k + 1, .n = (size_t)vl};
	*pos += k + 1 + (size_t)vl + free_b;
	return true;
}

int rdb_zipmap_validate(const uint8_t *p, size_t n, uint32_t *pairs)
{
	if (n < 2 || p[n - 1] != ZM_END)
		return -EBADMSG;
	size_t pos = 1, end = n - 1;
	uint32_t seen = 0;
	while (pos < end) {
		struct rdb_lp_elem f, v;
		if (!zm_pair(p, &pos, end, &f, &v) || ++seen == 0)
			return -EBADMSG;
	}
	if (p[0] < ZM_BIGLEN && p[0] != seen)
		return -EBADMSG;
	*pairs = seen;
	return 0;
}

void rdb_zipmap_iter_init(struct rdb_lp_iter *it, const uint8_t *p, size_t n)
{
	it->p = p;
	it->pos = 1;
	it->end = n - 1;
}

bool rdb_zipmap_next(struct rdb_lp_iter *it, struct rdb_lp_elem *f, struct rdb_lp_elem *v)
{
	return it->pos < it->end && zm_pair(it->p, &it->pos, it->end, f, v);
}
