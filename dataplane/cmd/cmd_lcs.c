/*
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN] (Redis 7.0's
 * lcsCommand() in t_string.c): the longest common subsequence of two
 * strings, or its length, or the matching ranges.
 *
 * How it works: the classic dynamic-programming table, T[i][j] = the LCS
 * length of a[0..i) and b[0..j), (alen+1)*(blen+1) uint32 cells allocated
 * for the call (Redis refuses when that exceeds proto-max-bulk-len). The
 * walk back from T[alen][blen] yields the subsequence from its end, and
 * groups contiguous matches into ranges, emitted last to first; a range is
 * closed when the walk leaves the diagonal or the next match is not
 * adjacent. Redis writes the IDX array with a deferred length; Redwire
 * walks twice (count, then write) so the reply goes straight to the buffer.
 *
 * Both keys must live on one worker (like SINTER across workers, the
 * dispatcher refuses otherwise with CROSSSLOT).
 * Context: the keys' worker; allocates the table for the call only.
 */
#include <stdlib.h>

#include "cmd_int.h"

struct lcs_opts {
	bool len, idx, withmatchlen;
	int64_t minmatchlen;
};

struct lcs_job {
	const uint8_t *a, *b;
	uint32_t alen, blen;
	uint32_t *t; /* (alen+1) x (blen+1) */
	struct lcs_opts o;
};

#define LCS_T(j, i, k) ((j)->t[(size_t)(k) + (size_t)(i) * ((j)->blen + 1)])

static bool lcs_parse(struct cmd_ctx *ctx, struct lcs_opts *o)
{
	for (uint32_t i = 3; i < ctx->argc; i++) {
		const struct resp_arg *a = &ctx->argv[i];
		bool more = i + 1 < ctx->argc;
		if (cmd_arg_is(a, "idx")) {
			o->idx = true;
		} else if (cmd_arg_is(a, "len")) {
			o->len = true;
		} else if (cmd_arg_is(a, "withmatchlen")) {
			o->withmatchlen = true;
		} else if (cmd_arg_is(a, "minmatchlen") && more) {
			if (!cmd_arg_i64(ctx, &ctx->argv[i + 1], &o->minmatchlen))
				return false;
			if (o->minmatchlen < 0)
				o->minmatchlen = 0;
			i++;
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return false;
		}
	}
	if (o->idx && o->len) {
		resp_w_error(ctx->out, "ERR If you want both the length and indexes, please just "
				       "use IDX.");
		return false;
	}
	return true;
}

static void lcs_fill(struct lcs_job *j)
{
	for (uint32_t i = 0; i <= j->alen; i++)
		for (uint32_t k = 0; k <= j->blen; k++) {
			if (i == 0 || k == 0) {
				LCS_T(j, i, k) = 0;
			} else if (j->a[i - 1] == j->b[k - 1]) {
				LCS_T(j, i, k) = LCS_T(j, i - 1, k - 1) + 1;
			} else {
				uint32_t l1 = LCS_T(j, i - 1, k), l2 = LCS_T(j, i, k - 1);
				LCS_T(j, i, k) = l1 > l2 ? l1 : l2;
			}
		}
}

/*
 * The walk back, as Redis's loop. With @p out NULL it only counts the
 * ranges IDX would emit; with @p out it writes them and, when @p res is not
 * NULL, the subsequence into @p res. @return the number of ranges.
 */
static uint32_t lcs_walk(const struct lcs_job *j, struct rw_buf *out, uint8_t *res)
{
	uint32_t idx = LCS_T(j, j->alen, j->blen), n = 0;
	uint32_t as = j->alen, ae = 0, bs = 0, be = 0; /* as == alen: no range open */
	uint32_t i = j->alen, k = j->blen;
	while (i > 0 && k > 0) {
		bool emit = false;
		if (j->a[i - 1] == j->b[k - 1]) {
			if (res != NULL)
				res[idx - 1] = j->a[i - 1];
			if (as == j->alen) {
				as = ae = i - 1;
				bs = be = k - 1;
			} else if (as == i && bs == k) {
				as--; /* contiguous: extend the range backward */
				bs--;
			} else {
				emit = true;
			}
			if (as == 0 || bs == 0)
				emit = true; /* matched a first byte: the walk ends soon */
			idx--;
			i--;
			k--;
		} else {
			if (LCS_T(j, i - 1, k) > LCS_T(j, i, k - 1))
				i--;
			else
				k--;
			if (as != j->alen)
				emit = true;
		}
		uint32_t mlen = ae - as + 1;
		if (!emit)
			continue;
		if (j->o.minmatchlen == 0 || mlen >= (uint64_t)j->o.minmatchlen) {
			if (j->o.idx && out != NULL) {
				resp_w_array(out, 2 + j->o.withmatchlen);
				resp_w_array(out, 2);
				resp_w_int(out, as);
				resp_w_int(out, ae);
				resp_w_array(out, 2);
				resp_w_int(out, bs);
				resp_w_int(out, be);
				if (j->o.withmatchlen)
					resp_w_int(out, mlen);
			}
			n++;
		}
		as = j->alen;
	}
	return n;
}

static void lcs_reply(struct cmd_ctx *ctx, struct lcs_job *j)
{
	uint32_t len = LCS_T(j, j->alen, j->blen);
	if (j->o.idx) {
		resp_w_map(ctx->out, 2, cmd_proto(ctx));
		resp_w_bulk_cstr(ctx->out, "matches");
		resp_w_array(ctx->out, lcs_walk(j, NULL, NULL));
		lcs_walk(j, ctx->out, NULL);
		resp_w_bulk_cstr(ctx->out, "len");
		resp_w_int(ctx->out, len);
	} else if (j->o.len) {
		resp_w_int(ctx->out, len);
	} else {
		uint8_t *res = malloc(len + 1u);
		if (res == NULL) {
			resp_w_error(ctx->out,
				     "ERR Insufficient memory, failed allocating transient "
				     "memory for LCS");
			return;
		}
		lcs_walk(j, NULL, res);
		resp_w_bulk(ctx->out, res, len);
		free(res);
	}
}

/* A string value's bytes; "" for a missing key. */
static const uint8_t *lcs_value(const struct store_obj *o, char buf[21], uint32_t *len)
{
	if (o == NULL) {
		*len = 0;
		return (const uint8_t *)"";
	}
	const uint8_t *p;
	size_t n = store_obj_str(o, buf, &p);
	*len = n >= UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)n;
	return p;
}

void cmd_lcs(struct cmd_ctx *ctx)
{
	const struct store_obj *oa = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	const struct store_obj *ob = cmd_lookup_key(ctx, &ctx->argv[2], 0);
	if ((oa != NULL && oa->type != STORE_TYPE_STRING) ||
	    (ob != NULL && ob->type != STORE_TYPE_STRING)) {
		resp_w_error(ctx->out, "ERR The specified keys must contain string values");
		return;
	}
	struct lcs_job j = {0};
	if (!lcs_parse(ctx, &j.o))
		return;
	char abuf[21], bbuf[21];
	j.a = lcs_value(oa, abuf, &j.alen);
	j.b = lcs_value(ob, bbuf, &j.blen);
	if (j.alen >= UINT32_MAX - 1 || j.blen >= UINT32_MAX - 1) {
		resp_w_error(ctx->out, "ERR String too long for LCS");
		return;
	}
	uint64_t cells = (uint64_t)(j.alen + 1) * (j.blen + 1);
	uint64_t bytes = cells * sizeof(uint32_t);
	if (bytes > cmd_str_max(ctx)) {
		resp_w_error(ctx->out, "ERR Insufficient memory, transient memory for LCS exceeds "
				       "proto-max-bulk-len");
		return;
	}
	j.t = malloc(bytes);
	if (j.t == NULL) {
		resp_w_error(ctx->out,
			     "ERR Insufficient memory, failed allocating transient memory for LCS");
		return;
	}
	lcs_fill(&j);
	lcs_reply(ctx, &j);
	free(j.t);
}
