/* Reply slots and the combination of split replies (see dp_slot.h). */
#include "dp_slot.h"

#include <errno.h>
#include <stdio.h>
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
	if (agg == DP_AGG_CONCAT || agg == DP_AGG_MERGE || agg == DP_AGG_DIGEST ||
	    agg == DP_AGG_TEXT) {
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

/* The payload of a bulk ("$N") or verbatim ("=N", "txt:" first) string
 * reply: @return its offset, *@p len its length; 0 if it is neither. */
static size_t text_payload(const uint8_t *p, size_t n, size_t *len)
{
	const uint8_t *eol = memchr(p, '\n', n);
	int64_t blen;
	if (n < 4 || (p[0] != '$' && p[0] != '=') || eol == NULL ||
	    !resp_str_to_i64(p + 1, (size_t)(eol - p) - 2, &blen) || blen < 0)
		return 0;
	size_t off = (size_t)(eol - p) + 1, skip = p[0] == '=' ? 4 : 0;
	if (off + (size_t)blen > n || (size_t)blen < skip)
		return 0;
	*len = (size_t)blen - skip;
	return off + skip;
}

struct text_line {
	const uint8_t *p;
	size_t n;
	uint64_t id;
};

static uint64_t line_id(const uint8_t *p, size_t n)
{
	uint64_t id = 0;
	for (size_t i = 3; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		id = id * 10 + (uint64_t)(p[i] - '0');
	return id;
}

/* Every part's lines, by id (Redis lists its clients in creation order, and
 * ids grow with it), framed as the parts were (total: '$' or '='). */
static void finish_text(struct dp_slot *s)
{
	uint32_t n = 0, cap = 0;
	struct text_line *ln = NULL, *t;
	size_t bytes = 0;
	for (uint32_t i = 0; i < s->n_parts; i++)
		for (size_t off = 0; off < s->parts[i].len;) {
			const uint8_t *p = s->parts[i].data + off;
			const uint8_t *eol = memchr(p, '\n', s->parts[i].len - off);
			size_t len = eol != NULL ? (size_t)(eol - p) + 1 : s->parts[i].len - off;
			off += len;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				if ((t = realloc(ln, sizeof(*ln) * cap)) == NULL) {
					free(ln);
					fail_with(s, (const uint8_t *)"-ERR out of memory\r\n", 20);
					return;
				}
				ln = t;
			}
			ln[n].p = p;
			ln[n].n = len;
			ln[n++].id = line_id(p, len);
			bytes += len;
		}
	for (uint32_t i = 1; i < n; i++) /* insertion sort: a few parts, each in order */
		for (uint32_t j = i; j > 0 && ln[j - 1].id > ln[j].id; j--) {
			struct text_line x = ln[j];
			ln[j] = ln[j - 1];
			ln[j - 1] = x;
		}
	char head[32];
	bool verbatim = s->total == '=';
	int hn = snprintf(head, sizeof(head), "%c%zu\r\n%s", verbatim ? '=' : '$',
			  bytes + (verbatim ? 4 : 0), verbatim ? "txt:" : "");
	rw_buf_append(&s->buf, head, (size_t)hn);
	for (uint32_t i = 0; i < n; i++)
		rw_buf_append(&s->buf, ln[i].p, ln[i].n);
	rw_buf_append(&s->buf, "\r\n", 2);
	free(ln);
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
	case DP_AGG_TEXT:
		finish_text(s);
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
	} else if (s->agg == DP_AGG_TEXT) {
		size_t len, off = text_payload(p, n, &len);
		if (off == 0 || owner >= s->n_parts) {
			fail_with(s, p, n);
		} else {
			s->total = p[0]; /* the framing of the parts */
			rw_buf_append(&s->parts[owner], p + off, len);
		}
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
