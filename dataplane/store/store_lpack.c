/*
 * Keyspace shard: the packed list behind the "listpack" encoding (see
 * store_lpack.h for the layout).
 *
 * Context: the owning worker lcore.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_lpack.h"

#define LPACK_MIN_CAP 32

static uint32_t varint_size(size_t v)
{
	uint32_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint32_t varint_put(uint8_t *p, size_t v)
{
	uint32_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

struct store_lpack *store_lpack_create(void)
{
	struct store_lpack *l = malloc(sizeof(*l) + LPACK_MIN_CAP);
	if (l == NULL)
		return NULL;
	*l = (struct store_lpack){.cap = LPACK_MIN_CAP};
	return l;
}

void store_lpack_destroy(struct store_lpack *l)
{
	free(l);
}

/* Make room for @p extra more bytes (doubling). */
static int reserve(struct store_lpack **lp, size_t extra)
{
	struct store_lpack *l = *lp;
	if ((uint64_t)l->used + extra > UINT32_MAX / 2)
		return -ENOMEM;
	if (l->used + extra <= l->cap)
		return 0;
	size_t cap = l->cap;
	while (cap < l->used + extra)
		cap *= 2;
	struct store_lpack *n = realloc(l, sizeof(*n) + cap);
	if (n == NULL)
		return -ENOMEM;
	n->cap = (uint32_t)cap;
	*lp = n;
	return 0;
}

int64_t store_lpack_find_pair(const struct store_lpack *l, const void *k, size_t klen)
{
	uint32_t off = 0;
	while (off < l->used) {
		const uint8_t *p;
		uint32_t len;
		uint32_t next = store_lpack_get(l, off, &p, &len);
		if (len == klen && memcmp(p, k, klen) == 0)
			return off;
		if (next >= l->used)
			break;
		off = store_lpack_get(l, next, &p, &len); /* skip the value */
	}
	return -1;
}

int store_lpack_append(struct store_lpack **lp, const void *p, size_t len)
{
	uint32_t need = varint_size(len) + (uint32_t)len;
	if (len > UINT32_MAX / 2 || reserve(lp, need) != 0)
		return -ENOMEM;
	struct store_lpack *l = *lp;
	uint32_t h = varint_put(l->buf + l->used, len);
	if (len > 0)
		memcpy(l->buf + l->used + h, p, len);
	l->used += need;
	l->n++;
	return 0;
}

int store_lpack_replace(struct store_lpack **lp, uint32_t off, const void *p, size_t len)
{
	const uint8_t *op;
	uint32_t olen;
	uint32_t end = store_lpack_get(*lp, off, &op, &olen);
	uint32_t old = end - off;
	uint32_t need = varint_size(len) + (uint32_t)len;
	if (len > UINT32_MAX / 2)
		return -ENOMEM;
	if (need > old && reserve(lp, need - old) != 0)
		return -ENOMEM;
	struct store_lpack *l = *lp;
	memmove(l->buf + off + need, l->buf + end, l->used - end);
	l->used = l->used - old + need;
	uint32_t h = varint_put(l->buf + off, len);
	if (len > 0)
		memcpy(l->buf + off + h, p, len);
	return 0;
}

void store_lpack_delete(struct store_lpack *l, uint32_t off, uint32_t count)
{
	uint32_t end = off;
	for (uint32_t i = 0; i < count && end < l->used; i++) {
		const uint8_t *p;
		uint32_t len;
		end = store_lpack_get(l, end, &p, &len);
		l->n--;
	}
	memmove(l->buf + off, l->buf + end, l->used - end);
	l->used -= end - off;
}

uint32_t store_lpack_offset(const struct store_lpack *l, uint32_t idx)
{
	uint32_t off = 0;
	for (uint32_t i = 0; i < idx && off < l->used; i++) {
		const uint8_t *p;
		uint32_t len;
		off = store_lpack_get(l, off, &p, &len);
	}
	return off;
}
