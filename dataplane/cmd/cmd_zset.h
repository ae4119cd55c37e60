/*
 * Helpers shared by the sorted set command files (cmd_zset.c,
 * cmd_zsetops.c). Private to dataplane/cmd.
 */
#ifndef RW_CMD_ZSET_H
#define RW_CMD_ZSET_H

#include "cmd_int.h"
#include "store_zset.h"

#define ZS_ERR_NAN   "ERR resulting score is not a number (NaN)"
#define ZS_ERR_RANGE "ERR min or max is not a float"
#define ZS_ERR_LEX   "ERR min or max not valid string range item"

/** The zset-max-listpack-* bounds in force. */
void zs_cfg(const struct cmd_ctx *ctx, struct store_zset_cfg *cfg);
/** getDoubleFromObject(): strtod over the whole argument, no leading
 * space, no overflow, no NaN. @return false if not a valid float. */
bool zs_parse_double(const struct resp_arg *a, double *v);
/** lookupKeyRead + checkType: the set, or NULL (*@p wrong after WRONGTYPE). */
struct store_zset *zs_read(struct cmd_ctx *ctx, const struct resp_arg *key, bool *wrong);
/** zslParseRange(): "(" for exclusive, strtod with nothing left over. */
bool zs_parse_range(const struct resp_arg *min, const struct resp_arg *max,
		    struct store_zset_range *r);
/** zslParseLexRange(): "+", "-", "(member", "[member". */
bool zs_parse_lex(const struct resp_arg *min, const struct resp_arg *max,
		  struct store_zset_lexb *lo, struct store_zset_lexb *hi);
/** An element of a range reply: member, and its score if @p withscores
 * (RESP3: a [member, score] pair; RESP2: flat, the score a bulk string). */
void zs_reply_elem(struct cmd_ctx *ctx, const uint8_t *m, size_t n, double score, bool withscores);
/** The array header of @p count elements (x2 for RESP2 WITHSCORES). */
void zs_reply_len(struct cmd_ctx *ctx, uint64_t count, bool withscores);

/*
 * A result set copied out of its source (the destination of a STORE may
 * be the source): members in one buffer, scores beside them, in order.
 */
struct zs_result {
	uint8_t *buf;
	size_t used, cap;
	struct zs_item {
		size_t off, len;
		double score;
	} * items;
	size_t n, n_cap;
};

int zs_result_push(struct zs_result *r, const uint8_t *m, size_t n, double score);
void zs_result_free(struct zs_result *r);
/**
 * Store @p r at @p dst as a new sorted set (setKey(): replaces any value,
 * clears the expiry), or delete @p dst when @p r is empty; reply the
 * element count. The set is built from a listpack element by element, so
 * it is a listpack exactly when Redis's result would be one (ZRANGESTORE
 * adds the same way; ZUNIONSTORE's zsetConvertToListpackIfNeeded() keeps
 * a listpack for the same sizes).
 */
void zs_store_result(struct cmd_ctx *ctx, const struct resp_arg *dst, const struct zs_result *r,
		     const char *event);

#endif
