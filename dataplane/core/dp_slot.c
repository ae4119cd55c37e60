/* Reply slots and the combination of split replies (see dp_slot.h). */
#include "dp_slot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

int dp_slot_begin(struct dp_slot *s, enum dp_agg agg, uint32_t n_workers)
{
	rw_buf_reset(&s->buf);
	s->parts_left = 1; /* the hold */
	s->agg = (uint8_t)agg;
	s->failed = false;
	s->total = 0;
	s->nkeys = 0;
	if (agg == DP_AGG_CONCAT || agg == DP_AGG_MERGE || agg == DP_AGG_DIGEST) {
		if (s->parts == NULL || s->n_parts < n_workers) {
			struct rw_buf *p = realloc(s->parts, sizeof(*p) * n_workers);
			if (p == NULL)
				return -ENOMEM;
			memset(p + s->n_parts, 0, sizeof(*p) * (n_workers - s->n_parts));
			s->parts = p;
			s->n_parts = n_workers;
		}
		for (uint32_t i = 0; i < s->n_parts; i++)
			rw_buf_reset(&s->parts[i]);
	}
	return 0;
}

int dp_slot_key_owner(struct dp_slot *s, uint32_t i, uint8_t owner)
{
	if (i >= s->key_cap) {
		uint32_t cap = s->key_cap ? s->key_cap * 2 : 64;
		while (cap <= i)
			cap *= 2;
		uint8_t *k = realloc(s->key_owner, cap);
		if (k == NULL)
			return -ENOMEM;
		s->key_owner = k;
		s->key_cap = cap;
	}
	s->key_owner[i] = owner;
	if (i + 1 > s->nkeys)
		s->nkeys = i + 1;
	return 0;
}

/* Length of the one RESP element at @p p (bulk, null or a line), 0 if
 * truncated. Elements of the arrays combined here are never nested. */
static size_t element_len(const uint8_t *p, size_t n)
{
	const uint8_t *eol = memchr(p, '\n', n);
	if (eol == NULL)
		return 0;
	size_t line = (size_t)(eol - p) + 1;
	int64_t blen;
	if (p[0] != '$' || !resp_str_to_i64(p + 1, line - 3, &blen) || blen < 0)
		return line;
	size_t total = line + (size_t)blen + 2;
	return total <= n ? total : 0;
}

/* "*N\r\n" header of an array reply: @return bytes it takes, 0 if not an array. */
static size_t array_header(const uint8_t *p, size_t n, int64_t *count)
{
	const uint8_t *eol = memchr(p, '\n', n);
	if (n < 4 || p[0] != '*' || eol == NULL ||
	    !resp_str_to_i64(p + 1, (size_t)(eol - p) - 2, count))
		return 0;
	return (size_t)(eol - p) + 1;
}

static void fail_with(struct dp_slot *s, const uint8_t *p, size_t n)
{
	if (s->failed)
		return;
	s->failed = true;
	rw_buf_reset(&s->buf);
	rw_buf_append(&s->buf, p, n);
}

static void finish_merge(struct dp_slot *s)
{
	size_t off[256] = {0};
	resp_w_array(&s->buf, s->nkeys);
	for (uint32_t i = 0; i < s->nkeys; i++) {
		uint8_t o = s->key_owner[i];
		struct rw_buf *part = &s->parts[o];
		size_t len = element_len(part->data + off[o], part->len - off[o]);
		if (len == 0) { /* a part answered fewer elements than keys it got */
			rw_buf_reset(&s->buf);
			rw_buf_append(&s->buf, "-ERR internal: short reply from a worker\r\n", 42);
			return;
		}
		rw_buf_append(&s->buf, part->data + off[o], len);
		off[o] += len;
	}
}

static void finish(struct dp_slot *s)
{
	if (s->failed)
		return;
	switch (s->agg) {
	case DP_AGG_SUM:
		resp_w_int(&s->buf, s->total);
		break;
	case DP_AGG_KILLED:
		if (s->total > 0)
			resp_w_simple(&s->buf, "OK");
		else
			resp_w_error(&s->buf, "ERR No such client");
		break;
	case DP_AGG_OK:
		resp_w_simple(&s->buf, "OK");
		break;
	case DP_AGG_CONCAT:
	case DP_AGG_DIGEST:
		resp_w_array(&s->buf, s->total);
		for (uint32_t i = 0; i < s->n_parts; i++)
			rw_buf_append(&s->buf, s->parts[i].data, s->parts[i].len);
		break;
	case DP_AGG_MERGE:
		finish_merge(s);
		break;
	default:
		break;
	}
}

void dp_slot_absorb(struct dp_slot *s, uint32_t owner, const uint8_t *p, size_t n)
{
	int64_t v;
	size_t h;
	if (n > 0 && p[0] == '-') {
		fail_with(s, p, n);
	} else if (s->failed) {
		/* the first error stands */
	} else if (s->agg == DP_AGG_NONE) {
		rw_buf_append(&s->buf, p, n);
	} else if (s->agg == DP_AGG_SUM || s->agg == DP_AGG_KILLED) {
		if (n > 3 && p[0] == ':' && resp_str_to_i64(p + 1, n - 3, &v))
			s->total += v;
		else
			fail_with(s, p, n);
	} else if (s->agg == DP_AGG_OK) {
		if (n != 5 || memcmp(p, "+OK\r\n", 5) != 0)
			fail_with(s, p, n);
	} else if ((h = array_header(p, n, &v)) != 0 && owner < s->n_parts) {
		s->total += v;
		rw_buf_append(&s->parts[owner], p + h, n - h);
	} else {
		fail_with(s, p, n);
	}
	if (--s->parts_left == 0)
		finish(s);
}

void dp_slot_release(struct dp_slot *s)
{
	if (--s->parts_left == 0)
		finish(s);
}

void dp_slot_fail(struct dp_slot *s, const char *err)
{
	fail_with(s, (const uint8_t *)err, strlen(err));
}

void dp_slot_fini(struct dp_slot *s)
{
	rw_buf_fini(&s->buf);
	for (uint32_t i = 0; i < s->n_parts; i++)
		rw_buf_fini(&s->parts[i]);
	free(s->parts);
	free(s->key_owner);
	memset(s, 0, sizeof(*s));
}
