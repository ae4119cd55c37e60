/*
 * RESP request parser: multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline
 * ("GET k\r\n") commands, one command per call.
 *
 * Where it sits: the dataplane's worker lcore calls it on a connection's query
 * buffer after each receive burst; the control plane calls it on AOF files and
 * the replication stream. Pure C, no allocation, reentrant.
 *
 * Spec: Redis 7.0.15 networking.c, processInputBuffer(), processInlineBuffer()
 * and processMultibulkBuffer(). Its quirks are kept on purpose, because a
 * client that works against Redis must work against Redwire byte for byte:
 *
 *   - the request type is decided by the first byte: '*' is multibulk,
 *     anything else is an inline line;
 *   - Redis finds line ends with strchr() on a NUL-terminated buffer, so a
 *     NUL byte before the terminator hides it: the request stays incomplete
 *     until more than 64 KB are buffered, then fails as "too big";
 *   - a "*" or "$" count line ends at '\r', and the byte after it is skipped
 *     without being checked; likewise the two bytes after bulk data;
 *   - the inline line ends at '\n', with one '\r' before it dropped.
 *
 * Statelessness: Redis keeps its parse position in the client; here every
 * call starts from the front of the buffer and INCOMPLETE consumes nothing.
 * Re-scanning only walks the "$len" headers (bulk data is skipped by length),
 * but a command of very many tiny arguments arriving in many small segments
 * is re-walked per segment; the query-buffer limit bounds that work.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "resp.h"

/* networking.c's replies, in Redis 7.0.15's wording (the wire adds "-ERR "). */
#define RESP_E_MBULK_LEN      "Protocol error: invalid multibulk length"
#define RESP_E_BULK_LEN	      "Protocol error: invalid bulk length"
#define RESP_E_MBULK_TOO_BIG  "Protocol error: too big mbulk count string"
#define RESP_E_BULK_TOO_BIG   "Protocol error: too big bulk count string"
#define RESP_E_INLINE_TOO_BIG "Protocol error: too big inline request"
#define RESP_E_UNBALANCED     "Protocol error: unbalanced quotes in request"
#define RESP_E_UNAUTH_MBULK   "Protocol error: unauthenticated multibulk length"
#define RESP_E_UNAUTH_BULK    "Protocol error: unauthenticated bulk length"
#define RESP_UNAUTH_MBULK_MAX 10 /* authRequired() caps, networking.c */
#define RESP_UNAUTH_BULK_MAX  16384
#define RESP_NOT_FOUND	      SIZE_MAX

void resp_limits_default(struct resp_limits *lim)
{
	lim->max_bulk_len = 512ull * 1024 * 1024;
	lim->max_multibulk = INT_MAX;
	lim->max_inline_len = 64 * 1024;
}

/* ------------------------------------------------------------------------ */
/* sdssplitargs()                                                           */
/* ------------------------------------------------------------------------ */

/* isspace() in the C locale; bytes >= 0x80 are never blanks. */
static int split_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int split_hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int split_unescape(int c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'b':
		return '\b';
	case 'a':
		return '\a';
	default:
		return c;
	}
}

/*
 * One pass over a line. With out == NULL it only counts and validates; with
 * out == line it unescapes in place. In-place is safe because every output
 * byte consumes at least one input byte, so the write index never passes the
 * read index. The control flow copies sdssplitargs() statement for statement
 * (including its "advance unless at NUL" step) so that odd inputs such as
 * `a"b c"` or `"a"b` split exactly as in Redis.
 */
struct split_pass {
	const uint8_t *in;
	uint8_t *out;
	size_t n; /* bytes before the end or the first NUL */
	size_t i; /* read index */
	size_t w; /* write index */
};

static int split_at(const struct split_pass *s, size_t i)
{
	return i < s->n ? s->in[i] : 0;
}

static void split_put(struct split_pass *s, int c)
{
	if (s->out != NULL)
		s->out[s->w] = (uint8_t)c;
	s->w++;
}

/* @return 0, or -1 on unbalanced quotes. */
static int split_token(struct split_pass *s)
{
	int inq = 0, insq = 0, done = 0;

	while (!done) {
		int c = split_at(s, s->i);
		if (inq) {
			int h1 = split_hex_val(split_at(s, s->i + 2));
			int h2 = split_hex_val(split_at(s, s->i + 3));
			if (c == '\\' && split_at(s, s->i + 1) == 'x' && h1 >= 0 && h2 >= 0) {
				split_put(s, h1 * 16 + h2);
				s->i += 3;
			} else if (c == '\\' && split_at(s, s->i + 1)) {
				s->i++;
				split_put(s, split_unescape(split_at(s, s->i)));
			} else if (c == '"') {
				/* a closing quote must be followed by a blank or the end */
				int next = split_at(s, s->i + 1);
				if (next && !split_is_space(next))
					return -1;
				done = 1;
			} else if (!c) {
				return -1;
			} else {
				split_put(s, c);
			}
		} else if (insq) {
			if (c == '\\' && split_at(s, s->i + 1) == '\'') {
				s->i++;
				split_put(s, '\'');
			} else if (c == '\'') {
				int next = split_at(s, s->i + 1);
				if (next && !split_is_space(next))
					return -1;
				done = 1;
			} else if (!c) {
				return -1;
			} else {
				split_put(s, c);
			}
		} else {
			switch (c) {
			case ' ':
			case '\n':
			case '\r':
			case '\t':
			case 0:
				done = 1;
				break;
			case '"':
				inq = 1;
				break;
			case '\'':
				insq = 1;
				break;
			default:
				split_put(s, c);
				break;
			}
		}
		if (split_at(s, s->i))
			s->i++;
	}
	return 0;
}

static int64_t split_run(struct split_pass *s, struct resp_arg *argv, uint32_t cap)
{
	int64_t argc = 0;

	for (;;) {
		while (split_at(s, s->i) && split_is_space(split_at(s, s->i)))
			s->i++;
		if (!split_at(s, s->i))
			return argc;
		size_t start = s->w;
		if (split_token(s) != 0)
			return -1;
		if (s->out != NULL && (uint64_t)argc < cap) {
			argv[argc].ptr = s->out + start;
			argv[argc].len = (uint32_t)(s->w - start);
		}
		argc++;
	}
}

int64_t resp_split_args(uint8_t *line, size_t n, struct resp_arg *argv, uint32_t cap)
{
	const uint8_t *nul = memchr(line, 0, n);
	struct split_pass s = {.in = line, .n = nul ? (size_t)(nul - line) : n};

	/* dry run first: an error or a too small argv must leave the line as is */
	int64_t argc = split_run(&s, NULL, 0);
	if (argc < 0 || (uint64_t)argc > cap)
		return argc;
	s = (struct split_pass){.in = line, .out = line, .n = s.n};
	return split_run(&s, argv, cap);
}

/* ------------------------------------------------------------------------ */
/* requests                                                                 */
/* ------------------------------------------------------------------------ */

/* strchr(buf + from, c) on Redis's NUL-terminated query buffer. */
static size_t parse_find(const uint8_t *buf, size_t from, size_t len, uint8_t c)
{
	for (size_t i = from; i < len; i++) {
		if (buf[i] == c)
			return i;
		if (buf[i] == 0)
			return RESP_NOT_FOUND;
	}
	return RESP_NOT_FOUND;
}

static enum resp_status parse_error(struct resp_cmd *cmd, const char *err)
{
	cmd->err = err;
	return RESP_ERROR;
}

static enum resp_status parse_inline(uint8_t *buf, size_t len, const struct resp_limits *lim,
				     struct resp_cmd *cmd)
{
	size_t nl = parse_find(buf, 0, len, '\n');
	if (nl == RESP_NOT_FOUND)
		return len > lim->max_inline_len ? parse_error(cmd, RESP_E_INLINE_TOO_BIG)
						 : RESP_INCOMPLETE;

	size_t line_len = nl > 0 && buf[nl - 1] == '\r' ? nl - 1 : nl;
	int64_t argc = resp_split_args(buf, line_len, cmd->argv, cmd->cap);
	if (argc < 0)
		return parse_error(cmd, RESP_E_UNBALANCED);
	if ((uint64_t)argc > cmd->cap) {
		cmd->need_args = (uint32_t)argc; /* < len / 2, far below UINT32_MAX */
		return RESP_NEED_ARGS;
	}
	cmd->argc = (uint32_t)argc;
	cmd->consumed = nl + 1;
	return RESP_OK;
}

/*
 * A "*N" or "$N" count line at @p pos. Redis takes the line up to the first
 * '\r' and needs one more byte after it (unchecked), so the number is ready
 * once '\r' is not the last byte buffered.
 * @return RESP_OK with *val and *next set, RESP_INCOMPLETE, or RESP_ERROR
 *         (too_big when no '\r' is within the inline limit; bad if not a number).
 */
/*
 * The common count: 1 to 18 digits without a leading zero, then '\r' and
 * one more byte. Such a line is what parse_find() + resp_str_to_i64() would
 * accept with the same value, at a few instructions per digit; anything
 * else ("-1", "0", signs, spaces, an incomplete line) takes the general path.
 */
static inline __attribute__((always_inline)) bool
parse_count_fast(const uint8_t *buf, size_t pos, size_t len, int64_t *val, size_t *next)
{
	size_t i = pos + 1;
	if (i >= len || (unsigned)(buf[i] - '1') > 8u)
		return false;
	size_t end = len < i + 18 ? len : i + 18;
	uint64_t v = 0;
	unsigned d;
	for (; i < end && (d = (unsigned)(buf[i] - '0')) < 10u; i++)
		v = v * 10 + d;
	if (i + 1 >= len || buf[i] != '\r')
		return false;
	*val = (int64_t)v;
	*next = i + 2;
	return true;
}

static enum resp_status parse_count(const uint8_t *buf, size_t pos, size_t len,
				    const struct resp_limits *lim, const char *too_big,
				    struct resp_cmd *cmd, int64_t *val, size_t *next, bool *bad)
{
	*bad = false;
	if (parse_count_fast(buf, pos, len, val, next))
		return RESP_OK;
	size_t cr = parse_find(buf, pos, len, '\r');
	if (cr == RESP_NOT_FOUND)
		return len - pos > lim->max_inline_len ? parse_error(cmd, too_big)
						       : RESP_INCOMPLETE;
	if (cr + 2 > len)
		return RESP_INCOMPLETE;
	*bad = cr == pos || !resp_str_to_i64(buf + pos + 1, cr - pos - 1, val);
	*next = cr + 2;
	return RESP_OK;
}

static enum resp_status parse_bulk_header(const uint8_t *buf, size_t pos, size_t len,
					  const struct resp_limits *lim, struct resp_cmd *cmd,
					  uint64_t *bulk_len, size_t *next)
{
	int64_t ll = 0;
	bool bad;
	enum resp_status st =
	    parse_count(buf, pos, len, lim, RESP_E_BULK_TOO_BIG, cmd, &ll, next, &bad);
	if (st != RESP_OK)
		return st;
	if (buf[pos] != '$') {
		/* addReplyErrorFormat() turns CR and LF into spaces */
		int c = buf[pos] == '\r' || buf[pos] == '\n' ? ' ' : buf[pos];
		snprintf(cmd->err_buf, sizeof(cmd->err_buf),
			 "Protocol error: expected '$', got '%c'", c);
		return parse_error(cmd, cmd->err_buf);
	}
	uint64_t max = lim->max_bulk_len < UINT32_MAX ? lim->max_bulk_len : UINT32_MAX;
	if (bad || ll < 0 || (uint64_t)ll > max)
		return parse_error(cmd, RESP_E_BULK_LEN);
	if (ll > RESP_UNAUTH_BULK_MAX && cmd->auth_required)
		return parse_error(cmd, RESP_E_UNAUTH_BULK);
	*bulk_len = (uint64_t)ll;
	return RESP_OK;
}

static enum resp_status parse_multibulk(uint8_t *buf, size_t len, const struct resp_limits *lim,
					struct resp_cmd *cmd)
{
	int64_t count = 0;
	size_t pos = 0;
	bool bad = false;
	enum resp_status st = RESP_OK;
	if (!parse_count_fast(buf, 0, len, &count, &pos))
		st = parse_count(buf, 0, len, lim, RESP_E_MBULK_TOO_BIG, cmd, &count, &pos, &bad);
	if (st != RESP_OK)
		return st;
	uint64_t max = lim->max_multibulk < INT_MAX ? lim->max_multibulk : INT_MAX;
	if (bad || (count > 0 && (uint64_t)count > max))
		return parse_error(cmd, RESP_E_MBULK_LEN);
	if (count > RESP_UNAUTH_MBULK_MAX && cmd->auth_required)
		return parse_error(cmd, RESP_E_UNAUTH_MBULK);

	/* the largest bulk length the fast path below takes as is */
	uint64_t fast_max = lim->max_bulk_len < UINT32_MAX ? lim->max_bulk_len : UINT32_MAX;
	if (cmd->auth_required && fast_max > RESP_UNAUTH_BULK_MAX)
		fast_max = RESP_UNAUTH_BULK_MAX;
	for (int64_t k = 0; k < count; k++) {
		uint64_t bulk_len = 0;
		int64_t ll;
		size_t next;
		/* a plain "$N\r" within the limits, inline; else the general path
		 * (same answer, plus the errors) */
		if (parse_count_fast(buf, pos, len, &ll, &next) && buf[pos] == '$' &&
		    (uint64_t)ll <= fast_max) {
			bulk_len = (uint64_t)ll;
			pos = next;
		} else {
			st = parse_bulk_header(buf, pos, len, lim, cmd, &bulk_len, &pos);
			if (st != RESP_OK)
				return st;
		}
		/* the two bytes after the data are skipped unchecked, as in Redis */
		if (len - pos < bulk_len + 2)
			return RESP_INCOMPLETE;
		if ((uint64_t)k < cmd->cap) {
			cmd->argv[k].ptr = buf + pos;
			cmd->argv[k].len = (uint32_t)bulk_len;
		}
		pos += bulk_len + 2;
	}
	if (count > 0 && (uint64_t)count > cmd->cap) {
		cmd->need_args = (uint32_t)count;
		return RESP_NEED_ARGS;
	}
	cmd->argc = count > 0 ? (uint32_t)count : 0;
	cmd->consumed = pos;
	return RESP_OK;
}

enum resp_status resp_parse(uint8_t *buf, size_t len, const struct resp_limits *lim,
			    struct resp_cmd *cmd)
{
	struct resp_limits def;

	if (lim == NULL) {
		resp_limits_default(&def);
		lim = &def;
	}
	cmd->argc = 0;
	cmd->consumed = 0;
	cmd->err = NULL;
	if (len == 0)
		return RESP_INCOMPLETE;
	if (buf[0] == '*')
		return parse_multibulk(buf, len, lim, cmd);
	return parse_inline(buf, len, lim, cmd);
}
