/*
 * Integer <-> decimal string with Redis's exact rules (util.c string2ll()
 * and ll2string()).
 *
 * Where it sits: the RESP parser's "*N"/"$N" counts, command arguments
 * (INCR, EXPIRE, ...) and config values. Pure C; any thread.
 *
 * string2ll() is stricter than strtoll(): no blanks, no '+', no leading
 * zeros (so "-0" and "007" are rejected), at most 20 characters, and the
 * value must fit in int64. Clients rely on these rejections ("ERR value is
 * not an integer or out of range"), so they are kept exactly.
 */
#include <stdbool.h>

#include "resp.h"

#define RESP_LONG_STR_SIZE 21 /* util.h: a valid string is shorter than this */

int resp_str_to_i64(const uint8_t *p, size_t n, int64_t *out)
{
	size_t i = 0;
	bool negative = false;
	uint64_t v;

	if (n == 0 || n >= RESP_LONG_STR_SIZE)
		return 0;
	if (n == 1 && p[0] == '0') {
		*out = 0;
		return 1;
	}
	if (p[0] == '-') {
		negative = true;
		if (++i == n)
			return 0;
	}
	/* the first digit is 1-9: the only number with a leading 0 is "0" */
	if (p[i] < '1' || p[i] > '9')
		return 0;
	v = (uint64_t)(p[i++] - '0');
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		unsigned d = (unsigned)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (negative) {
		if (v > (uint64_t)INT64_MAX + 1)
			return 0;
		/* -(INT64_MAX + 1) would overflow as int64: negate in uint64 */
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return 0;
		*out = (int64_t)v;
	}
	return 1;
}

size_t resp_i64_to_str(char *buf, int64_t v)
{
	char tmp[RESP_LONG_STR_SIZE];
	size_t n = 0, len = 0;
	/* magnitude in uint64 so INT64_MIN needs no special case */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		buf[len++] = '-';
	while (n > 0)
		buf[len++] = tmp[--n];
	buf[len] = '\0';
	return len;
}
