/*
 * Bitmaps on strings: SETBIT, GETBIT, BITCOUNT, BITPOS, BITFIELD,
 * BITFIELD_RO.
 *
 * Redis 7.0.15's bitops.c is the spec. Bit 0 is the most significant bit of
 * the first byte. Writes make the value a private raw string padded with
 * zero bytes up to the highest bit touched (lookupStringForBitCommand()),
 * so OBJECT ENCODING says "raw" after any of them. Offsets are limited by
 * proto-max-bulk-len (in bytes). Two 7.0 quirks kept on purpose: BITCOUNT
 * looks the key up before parsing its range (a missing key answers 0 even
 * to bad arguments), and BITPOS does so after parsing only the bit.
 *
 * Context: the worker lcore that owns the key's shard.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cmd_int.h"

#define ERR_BIT_OFFSET "ERR bit offset is not an integer or out of range"
#define ERR_BF_TYPE                                                                                \
	"ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported "    \
	"but i64 is."

/* getBitOffsetFromArgument(): "#N" means N * bits when @p bits > 0. */
static bool bit_offset(struct cmd_ctx *ctx, const struct resp_arg *a, int bits, uint64_t *off)
{
	size_t hash = bits > 0 && a->len > 0 && a->ptr[0] == '#';
	int64_t v;
	if (!resp_str_to_i64(a->ptr + hash, a->len - hash, &v))
		goto bad;
	if (hash)
		v = (int64_t)((uint64_t)v * (uint64_t)bits); /* wraps as Redis's does */
	if (v < 0 || (uint64_t)(v >> 3) >= cmd_str_max(ctx))
		goto bad;
	*off = (uint64_t)v;
	return true;
bad:
	resp_w_error(ctx->out, ERR_BIT_OFFSET);
	return false;
}

/* The bytes of a string value (NULL, 0 for a missing key). */
static const uint8_t *obj_bytes(const struct store_obj *o, char buf[21], size_t *len)
{
	const uint8_t *p = NULL;
	*len = o != NULL ? store_obj_str(o, buf, &p) : 0;
	return p;
}

/*
 * lookupStringForBitCommand(): start a write and make the value a raw
 * string reaching bit @p maxbit. *@p grew says whether it was created or
 * lengthened. @return the bytes, or NULL after replying an error (the write
 * is then committed).
 */
static uint8_t *bits_for_write(struct cmd_ctx *ctx, struct store_wr *w, uint64_t maxbit, bool *grew)
{
	cmd_write_begin(ctx, &ctx->argv[1], w);
	if (w->obj != NULL && w->obj->type != STORE_TYPE_STRING) {
		store_write_commit(w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return NULL;
	}
	char buf[21];
	size_t old;
	obj_bytes(w->obj, buf, &old);
	size_t need = (size_t)(maxbit >> 3) + 1;
	*grew = w->obj == NULL || need > old;
	uint8_t *p = store_wr_raw(w, need > old ? need : old);
	if (p == NULL) {
		store_write_commit(w, 0, NULL);
		resp_w_error(ctx->out, CMD_ERR_OOM);
	}
	return p;
}

void cmd_setbit(struct cmd_ctx *ctx)
{
	static const char err[] = "ERR bit is not an integer or out of range";
	uint64_t off;
	int64_t on;
	if (!bit_offset(ctx, &ctx->argv[2], 0, &off))
		return;
	if (!resp_str_to_i64(ctx->argv[3].ptr, ctx->argv[3].len, &on) || (on & ~1)) {
		resp_w_error(ctx->out, err);
		return;
	}
	struct store_wr w;
	bool grew;
	uint8_t *p = bits_for_write(ctx, &w, off, &grew);
	if (p == NULL)
		return;
	uint8_t mask = (uint8_t)(1u << (7 - (off & 7)));
	int old = (p[off >> 3] & mask) != 0;
	if (on)
		p[off >> 3] |= mask;
	else
		p[off >> 3] &= (uint8_t)~mask;
	store_write_commit(&w, grew || old != on, "setbit");
	resp_w_int(ctx->out, old);
}

void cmd_getbit(struct cmd_ctx *ctx)
{
	uint64_t off;
	if (!bit_offset(ctx, &ctx->argv[2], 0, &off))
		return;
	struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	if (o != NULL && o->type != STORE_TYPE_STRING) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	char buf[21];
	size_t len;
	const uint8_t *p = obj_bytes(o, buf, &len);
	int bit = (off >> 3) < len && (p[off >> 3] & (1u << (7 - (off & 7))));
	resp_w_int(ctx->out, bit);
}

static int64_t popcount(const uint8_t *p, size_t n)
{
	int64_t bits = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		bits += __builtin_popcountll(w);
	}
	for (; i < n; i++)
		bits += __builtin_popcount(p[i]);
	return bits;
}

/* redisBitpos(): first bit equal to @p bit in @p n bytes; for 0 and none
 * found, n * 8 (the string is zero padded on the right); for 1, -1. */
static int64_t bitpos_scan(const uint8_t *p, size_t n, int bit)
{
	uint8_t skip = bit ? 0 : 0xff;
	size_t i = 0;
	while (i < n && p[i] == skip)
		i++;
	if (i == n)
		return bit ? -1 : (int64_t)n * 8;
	for (int b = 7; b >= 0; b--)
		if (((p[i] >> b) & 1) == bit)
			return (int64_t)i * 8 + (7 - b);
	return -1; /* unreachable: p[i] != skip */
}

/* "BYTE" / "BIT" unit argument. @return 0 byte, 1 bit, -1 after a syntax error. */
static int parse_unit(struct cmd_ctx *ctx, const struct resp_arg *a)
{
	if (cmd_arg_is(a, "bit"))
		return 1;
	if (cmd_arg_is(a, "byte"))
		return 0;
	resp_w_error(ctx->out, CMD_ERR_SYNTAX);
	return -1;
}

/* Clamp [start, end] to a string of @p total units as BITCOUNT/BITPOS do. */
static void clamp_range(int64_t *start, int64_t *end, int64_t total)
{
	if (*start < 0)
		*start += total;
	if (*end < 0)
		*end += total;
	if (*start < 0)
		*start = 0;
	if (*end < 0)
		*end = 0;
	if (*end >= total)
		*end = total - 1;
}

/* A BIT range [start, end] (clamped, start <= end) as the bytes that hold
 * it, plus masks of the bits of the two edge bytes that lie outside it. */
static void bit_range_to_bytes(int64_t *start, int64_t *end, uint8_t *first_neg, uint8_t *last_neg)
{
	*first_neg = (uint8_t)(~((1u << (8 - (*start & 7))) - 1) & 0xff);
	*last_neg = (uint8_t)((1u << (7 - (*end & 7))) - 1);
	*start >>= 3;
	*end >>= 3;
}

void cmd_bitcount(struct cmd_ctx *ctx)
{
	struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	if (o == NULL) {
		resp_w_int(ctx->out, 0);
		return;
	}
	if (o->type != STORE_TYPE_STRING) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	char buf[21];
	size_t len;
	const uint8_t *p = obj_bytes(o, buf, &len);
	int64_t start = 0, end = (int64_t)len - 1, total = (int64_t)len;
	uint8_t first_neg = 0, last_neg = 0;
	if (ctx->argc == 4 || ctx->argc == 5) {
		int isbit = 0;
		if (!cmd_arg_i64(ctx, &ctx->argv[2], &start) ||
		    !cmd_arg_i64(ctx, &ctx->argv[3], &end))
			return;
		if (ctx->argc == 5 && (isbit = parse_unit(ctx, &ctx->argv[4])) < 0)
			return;
		if (isbit)
			total <<= 3;
		if (start < 0 && end < 0 && start > end) {
			resp_w_int(ctx->out, 0);
			return;
		}
		clamp_range(&start, &end, total);
		if (isbit && start <= end)
			bit_range_to_bytes(&start, &end, &first_neg, &last_neg);
	} else if (ctx->argc != 2) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	if (start > end) {
		resp_w_int(ctx->out, 0);
		return;
	}
	int64_t count = popcount(p + start, (size_t)(end - start + 1));
	if (first_neg != 0)
		count -= __builtin_popcount(p[start] & first_neg);
	if (last_neg != 0)
		count -= __builtin_popcount(p[end] & last_neg);
	resp_w_int(ctx->out, count);
}

void cmd_bitpos(struct cmd_ctx *ctx)
{
	int64_t bit;
	if (!cmd_arg_i64(ctx, &ctx->argv[2], &bit))
		return;
	if (bit != 0 && bit != 1) {
		resp_w_error(ctx->out, "ERR The bit argument must be 1 or 0.");
		return;
	}
	struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], 0);
	if (o == NULL) {
		resp_w_int(ctx->out, bit ? -1 : 0);
		return;
	}
	if (o->type != STORE_TYPE_STRING) {
		resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
		return;
	}
	char buf[21];
	size_t len;
	const uint8_t *p = obj_bytes(o, buf, &len);
	int64_t start = 0, end = (int64_t)len - 1, total = (int64_t)len;
	bool end_given = false;
	uint8_t first_neg = 0, last_neg = 0;
	if (ctx->argc >= 4 && ctx->argc <= 6) {
		int isbit = 0;
		if (!cmd_arg_i64(ctx, &ctx->argv[3], &start))
			return;
		if (ctx->argc == 6 && (isbit = parse_unit(ctx, &ctx->argv[5])) < 0)
			return;
		if (ctx->argc >= 5) {
			if (!cmd_arg_i64(ctx, &ctx->argv[4], &end))
				return;
			end_given = true;
		}
		if (isbit)
			total <<= 3;
		clamp_range(&start, &end, total);
		if (isbit && start <= end)
			bit_range_to_bytes(&start, &end, &first_neg, &last_neg);
	} else if (ctx->argc != 3) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	if (start > end) {
		resp_w_int(ctx->out, -1);
		return;
	}
	/* The edge bytes are searched with the out-of-range bits forced to
	 * the value not looked for, the middle directly. */
	int64_t bytes = end - start + 1, pos;
	uint8_t tmp;
	if (first_neg) {
		tmp = bit ? p[start] & (uint8_t)~first_neg : p[start] | first_neg;
		if (last_neg && bytes == 1)
			tmp = bit ? tmp & (uint8_t)~last_neg : tmp | last_neg;
		pos = bitpos_scan(&tmp, 1, (int)bit);
		if (bytes == 1 || (pos != -1 && pos != 8))
			goto result;
		start++;
		bytes--;
	}
	int64_t cur = bytes - (last_neg ? 1 : 0);
	if (cur > 0) {
		pos = bitpos_scan(p + start, (size_t)cur, (int)bit);
		if (bytes == cur || (pos != -1 && pos != cur << 3))
			goto result;
		start += cur;
		bytes -= cur;
	}
	tmp = bit ? p[end] & (uint8_t)~last_neg : p[end] | last_neg;
	pos = bitpos_scan(&tmp, 1, (int)bit);
result:
	/* with an explicit end, "the first 0 after the range" is not an answer */
	if (end_given && bit == 0 && pos == bytes << 3) {
		resp_w_int(ctx->out, -1);
		return;
	}
	if (pos != -1)
		pos += start << 3;
	resp_w_int(ctx->out, pos);
}

/* ---- BITFIELD ---- */

enum bf_opcode { BF_GET, BF_SET, BF_INCRBY };
enum bf_overflow { BF_WRAP, BF_SAT, BF_FAIL };

struct bf_op {
	uint64_t offset;
	int64_t i64;
	uint8_t op, ow, bits, sign;
};

static uint64_t bf_get_u(const uint8_t *p, uint64_t off, unsigned bits)
{
	uint64_t v = 0;
	for (unsigned j = 0; j < bits; j++, off++)
		v = (v << 1) | ((p[off >> 3] >> (7 - (off & 7))) & 1);
	return v;
}

static int64_t bf_get_i(const uint8_t *p, uint64_t off, unsigned bits)
{
	uint64_t u = bf_get_u(p, off, bits);
	if (bits < 64 && (u & ((uint64_t)1 << (bits - 1))))
		u |= UINT64_MAX << bits;
	return (int64_t)u;
}

static void bf_set(uint8_t *p, uint64_t off, unsigned bits, uint64_t v)
{
	for (unsigned j = 0; j < bits; j++, off++) {
		uint8_t mask = (uint8_t)(1u << (7 - (off & 7)));
		if (v & ((uint64_t)1 << (bits - 1 - j)))
			p[off >> 3] |= mask;
		else
			p[off >> 3] &= (uint8_t)~mask;
	}
}

/* checkUnsignedBitfieldOverflow(): @return 0, or nonzero with *limit the
 * value to store under WRAP/SAT. */
static int bf_over_u(uint64_t value, int64_t incr, unsigned bits, int ow, uint64_t *limit)
{
	uint64_t max = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
	int64_t maxincr = (int64_t)(max - value), minincr = (int64_t)(0 - value);
	int r = 0;
	if (value > max || (incr > 0 && incr > maxincr))
		r = 1;
	else if (incr < 0 && incr < minincr)
		r = -1;
	if (r == 0)
		return 0;
	if (ow == BF_WRAP)
		*limit = (value + (uint64_t)incr) & ~(UINT64_MAX << bits);
	else if (ow == BF_SAT)
		*limit = r > 0 ? max : 0;
	return r;
}

/* checkSignedBitfieldOverflow() */
static int bf_over_i(int64_t value, int64_t incr, unsigned bits, int ow, int64_t *limit)
{
	int64_t max = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
	int64_t min = -max - 1;
	int64_t maxincr = (int64_t)((uint64_t)max - (uint64_t)value);
	int64_t minincr = (int64_t)((uint64_t)min - (uint64_t)value);
	int r = 0;
	if (value > max || (bits != 64 && incr > maxincr) ||
	    (value >= 0 && incr > 0 && incr > maxincr))
		r = 1;
	else if (value < min || (bits != 64 && incr < minincr) ||
		 (value < 0 && incr < 0 && incr < minincr))
		r = -1;
	if (r == 0)
		return 0;
	if (ow == BF_WRAP) {
		uint64_t c = (uint64_t)value + (uint64_t)incr;
		if (bits < 64) {
			uint64_t mask = UINT64_MAX << bits;
			c = (c & ((uint64_t)1 << (bits - 1))) ? c | mask : c & ~mask;
		}
		*limit = (int64_t)c;
	} else if (ow == BF_SAT) {
		*limit = r > 0 ? max : min;
	}
	return r;
}

/* getBitfieldTypeFromArgument(): i1..i64, u1..u63 */
static bool bf_type(struct cmd_ctx *ctx, const struct resp_arg *a, uint8_t *sign, uint8_t *bits)
{
	int64_t n;
	if (a->len < 2 || (a->ptr[0] != 'i' && a->ptr[0] != 'u') ||
	    !resp_str_to_i64(a->ptr + 1, a->len - 1, &n) || n < 1 ||
	    n > (a->ptr[0] == 'i' ? 64 : 63)) {
		resp_w_error(ctx->out, ERR_BF_TYPE);
		return false;
	}
	*sign = a->ptr[0] == 'i';
	*bits = (uint8_t)n;
	return true;
}

/* Parse the operations. @return the count, or -1 after replying an error. */
static int64_t bf_parse(struct cmd_ctx *ctx, struct bf_op *ops, bool *readonly, uint64_t *highest)
{
	int64_t n = 0;
	uint8_t ow = BF_WRAP;
	for (uint32_t j = 2; j < ctx->argc; j++) {
		uint32_t rem = ctx->argc - j - 1;
		const struct resp_arg *a = &ctx->argv[j];
		struct bf_op op = {.ow = ow};
		if (cmd_arg_is(a, "get") && rem >= 2) {
			op.op = BF_GET;
		} else if (cmd_arg_is(a, "set") && rem >= 3) {
			op.op = BF_SET;
		} else if (cmd_arg_is(a, "incrby") && rem >= 3) {
			op.op = BF_INCRBY;
		} else if (cmd_arg_is(a, "overflow") && rem >= 1) {
			const struct resp_arg *t = &ctx->argv[++j];
			if (cmd_arg_is(t, "wrap")) {
				ow = BF_WRAP;
			} else if (cmd_arg_is(t, "sat")) {
				ow = BF_SAT;
			} else if (cmd_arg_is(t, "fail")) {
				ow = BF_FAIL;
			} else {
				resp_w_error(ctx->out, "ERR Invalid OVERFLOW type specified");
				return -1;
			}
			continue;
		} else {
			resp_w_error(ctx->out, CMD_ERR_SYNTAX);
			return -1;
		}
		if (!bf_type(ctx, &ctx->argv[j + 1], &op.sign, &op.bits) ||
		    !bit_offset(ctx, &ctx->argv[j + 2], op.bits, &op.offset))
			return -1;
		if (op.op != BF_GET) {
			*readonly = false;
			if (*highest < op.offset + op.bits - 1)
				*highest = op.offset + op.bits - 1;
			if (!cmd_arg_i64(ctx, &ctx->argv[j + 3], &op.i64))
				return -1;
		}
		ops[n++] = op;
		j += op.op == BF_GET ? 2 : 3;
	}
	return n;
}

/* Run one SET/INCRBY on @p p. @return 1 if the stored value changed, 0 if
 * not, -1 if OVERFLOW FAIL refused it. */
static int bf_write(struct cmd_ctx *ctx, uint8_t *p, const struct bf_op *op)
{
	int over;
	if (op->sign) {
		int64_t old = bf_get_i(p, op->offset, op->bits), nv, wrapped = 0, ret;
		if (op->op == BF_INCRBY) {
			over = bf_over_i(old, op->i64, op->bits, op->ow, &wrapped);
			nv = over ? wrapped : (int64_t)((uint64_t)old + (uint64_t)op->i64);
			ret = nv;
		} else {
			nv = op->i64;
			over = bf_over_i(nv, 0, op->bits, op->ow, &wrapped);
			nv = over ? wrapped : nv;
			ret = old;
		}
		if (over && op->ow == BF_FAIL) {
			resp_w_null(ctx->out, cmd_proto(ctx));
			return -1;
		}
		resp_w_int(ctx->out, ret);
		bf_set(p, op->offset, op->bits, (uint64_t)nv);
		return old != nv;
	}
	uint64_t old = bf_get_u(p, op->offset, op->bits), nv, wrapped = 0, ret;
	if (op->op == BF_INCRBY) {
		over = bf_over_u(old, op->i64, op->bits, op->ow, &wrapped);
		nv = over ? wrapped : old + (uint64_t)op->i64;
		ret = nv;
	} else {
		nv = (uint64_t)op->i64;
		over = bf_over_u(nv, 0, op->bits, op->ow, &wrapped);
		nv = over ? wrapped : nv;
		ret = old;
	}
	if (over && op->ow == BF_FAIL) {
		resp_w_null(ctx->out, cmd_proto(ctx));
		return -1;
	}
	resp_w_int(ctx->out, (int64_t)ret);
	bf_set(p, op->offset, op->bits, nv);
	return old != nv;
}

/* GET reads from a zero-padded copy of the (up to) 9 bytes it spans. */
static void bf_read(struct cmd_ctx *ctx, const uint8_t *src, size_t len, const struct bf_op *op)
{
	uint8_t buf[9] = {0};
	uint64_t byte = op->offset >> 3;
	for (uint64_t i = 0; i < 9 && src != NULL && byte + i < len; i++)
		buf[i] = src[byte + i];
	uint64_t off = op->offset - byte * 8;
	if (op->sign)
		resp_w_int(ctx->out, bf_get_i(buf, off, op->bits));
	else
		resp_w_int(ctx->out, (int64_t)bf_get_u(buf, off, op->bits));
}

static void bitfield_generic(struct cmd_ctx *ctx, bool ro_cmd)
{
	/* at most one op per two arguments: a bounded stack array */
	struct bf_op ops_small[16], *ops = ops_small;
	size_t max_ops = ctx->argc / 2 + 1;
	if (max_ops > 16 && (ops = malloc(max_ops * sizeof(*ops))) == NULL) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	bool readonly = true;
	uint64_t highest = 0;
	int64_t n = bf_parse(ctx, ops, &readonly, &highest);
	if (n < 0)
		goto out;
	if (readonly) {
		struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[1], 0);
		if (o != NULL && o->type != STORE_TYPE_STRING) {
			resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
			goto out;
		}
		char buf[21];
		size_t len;
		const uint8_t *src = obj_bytes(o, buf, &len);
		resp_w_array(ctx->out, n);
		for (int64_t i = 0; i < n; i++)
			bf_read(ctx, src, len, &ops[i]);
		goto out;
	}
	if (ro_cmd) {
		resp_w_error(ctx->out, "ERR BITFIELD_RO only supports the GET subcommand");
		goto out;
	}
	struct store_wr w;
	bool grew;
	uint8_t *p = bits_for_write(ctx, &w, highest, &grew);
	if (p == NULL)
		goto out;
	size_t len = w.obj->len;
	uint32_t changes = 0;
	resp_w_array(ctx->out, n);
	for (int64_t i = 0; i < n; i++) {
		if (ops[i].op == BF_GET)
			bf_read(ctx, p, len, &ops[i]);
		else if (bf_write(ctx, p, &ops[i]) + grew > 0)
			changes++;
	}
	store_write_commit(&w, changes, "setbit");
out:
	if (ops != ops_small)
		free(ops);
}

void cmd_bitfield(struct cmd_ctx *ctx)
{
	bitfield_generic(ctx, false);
}

void cmd_bitfield_ro(struct cmd_ctx *ctx)
{
	bitfield_generic(ctx, true);
}

/*
 * BITOP AND|OR|XOR|NOT destkey key [key ...] (bitopCommand()): the sources
 * are read in order (a missing one is an empty string, the first that is
 * not a string answers WRONGTYPE), shorter ones count as zero-padded, and
 * the result, as long as the longest source, replaces destkey as a raw
 * string without a TTL ("set"); an empty result deletes destkey ("del").
 * Sources are read before destkey is written: destkey may be one of them.
 */
void cmd_bitop(struct cmd_ctx *ctx)
{
	enum { AND, OR, XOR, NOT } op;
	const struct resp_arg *name = &ctx->argv[1];
	if (cmd_arg_is(name, "and"))
		op = AND;
	else if (cmd_arg_is(name, "or"))
		op = OR;
	else if (cmd_arg_is(name, "xor"))
		op = XOR;
	else if (cmd_arg_is(name, "not"))
		op = NOT;
	else {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	if (op == NOT && ctx->argc != 4) {
		resp_w_error(ctx->out, "ERR BITOP NOT must be called with a single source key.");
		return;
	}
	uint32_t n = ctx->argc - 3;
	size_t maxlen = 0;
	for (uint32_t j = 0; j < n; j++) {
		struct store_obj *o = cmd_lookup_key(ctx, &ctx->argv[3 + j], 0);
		if (o != NULL && o->type != STORE_TYPE_STRING) {
			resp_w_error(ctx->out, CMD_ERR_WRONGTYPE);
			return;
		}
		char buf[21];
		size_t len;
		obj_bytes(o, buf, &len);
		if (len > maxlen)
			maxlen = len;
	}
	uint8_t *res = maxlen > 0 ? calloc(1, maxlen) : NULL;
	if (maxlen > 0 && res == NULL) {
		resp_w_error(ctx->out, CMD_ERR_OOM);
		return;
	}
	/* a second pass reads the bytes: the first did the lookups' work
	 * (lazy expiry, LRU, keyspace hits) once per key */
	for (uint32_t j = 0; j < n && maxlen > 0; j++) {
		char buf[21];
		size_t len;
		const uint8_t *p =
		    obj_bytes(cmd_lookup_key(ctx, &ctx->argv[3 + j],
					     STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS),
			      buf, &len);
		for (size_t i = 0; i < maxlen; i++) {
			uint8_t b = i < len ? p[i] : 0;
			if (j == 0)
				res[i] = op == NOT ? (uint8_t)~b : b;
			else if (op == AND)
				res[i] &= b;
			else if (op == OR)
				res[i] |= b;
			else
				res[i] ^= b;
		}
	}
	struct store_wr w;
	cmd_write_begin(ctx, &ctx->argv[2], &w);
	if (maxlen == 0) {
		bool found = w.obj != NULL;
		store_wr_delete(&w);
		store_write_commit(&w, found, "del");
		resp_w_int(ctx->out, 0);
		return;
	}
	/* createObject(OBJ_STRING, sds): raw whatever its length, no TTL */
	int rc = store_wr_set_bytes(&w, res, maxlen);
	if (rc == 0 && store_wr_raw(&w, maxlen) == NULL)
		rc = -1;
	if (rc == 0)
		rc = store_wr_set_expire(&w, STORE_NO_EXPIRE);
	store_write_commit(&w, rc == 0, "set");
	free(res);
	if (rc != 0)
		resp_w_error(ctx->out, CMD_ERR_OOM);
	else
		resp_w_int(ctx->out, (int64_t)maxlen);
}
