/*
 * Glob matching with Redis's stringmatchlen() rules (util.c), used by
 * CONFIG GET and COMMAND LIST FILTERBY PATTERN:
 *   *  any run (including none)      ?  one byte
 *   [abc] [a-z] [^x]  a class         \x  a literal x
 * A '*' recurses; like Redis, a nesting limit bounds the work a hostile
 * pattern can cause, and a "skip longer" flag stops the search early once
 * the rest of the string cannot match.
 *
 * Context: any; pure.
 */
#include "cmd_int.h"

#define GLOB_NESTING_MAX 1000

static uint8_t fold(uint8_t c, bool nocase)
{
	return nocase && c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* One [...] class at *pat (just past '['); advances pat past ']'. */
static bool match_class(const uint8_t **pp, size_t *plen, uint8_t c, bool nocase)
{
	const uint8_t *p = *pp;
	size_t n = *plen;
	bool neg = n > 0 && *p == '^', match = false;
	if (neg) {
		p++;
		n--;
	}
	for (;;) {
		if (n > 1 && *p == '\\') {
			p++;
			n--;
			match |= fold(*p, nocase) == fold(c, nocase);
		} else if (n == 0 || *p == ']') {
			break; /* an unterminated class ends at the pattern's end */
		} else if (n >= 3 && p[1] == '-') {
			uint8_t lo = fold(p[0], nocase), hi = fold(p[2], nocase),
				x = fold(c, nocase);
			if (lo > hi) {
				uint8_t t = lo;
				lo = hi;
				hi = t;
			}
			match |= x >= lo && x <= hi;
			p += 2;
			n -= 2;
		} else {
			match |= fold(*p, nocase) == fold(c, nocase);
		}
		p++;
		n--;
	}
	if (n == 0) { /* Redis backs up so the caller's advance stays in bounds */
		p--;
		n++;
	}
	*pp = p;
	*plen = n;
	return neg ? !match : match;
}

static bool glob_impl(const uint8_t *p, size_t plen, const uint8_t *s, size_t slen, bool nocase,
		      bool *skip_longer, int nesting)
{
	if (nesting > GLOB_NESTING_MAX)
		return false;
	while (plen > 0 && slen > 0) {
		switch (p[0]) {
		case '*':
			while (plen > 1 && p[1] == '*') {
				p++;
				plen--;
			}
			if (plen == 1)
				return true;
			while (slen > 0) {
				if (glob_impl(p + 1, plen - 1, s, slen, nocase, skip_longer,
					      nesting + 1))
					return true;
				if (*skip_longer)
					return false;
				s++;
				slen--;
			}
			*skip_longer = true;
			return false;
		case '?':
			s++;
			slen--;
			break;
		case '[':
			p++;
			plen--;
			if (!match_class(&p, &plen, s[0], nocase))
				return false;
			s++;
			slen--;
			break;
		case '\\':
			if (plen >= 2) {
				p++;
				plen--;
			}
			/* fall through */
		default:
			if (fold(p[0], nocase) != fold(s[0], nocase))
				return false;
			s++;
			slen--;
			break;
		}
		p++;
		plen--;
		if (slen == 0) {
			while (plen > 0 && *p == '*') {
				p++;
				plen--;
			}
			break;
		}
	}
	return plen == 0 && slen == 0;
}

bool cmd_glob_match(const uint8_t *pat, size_t plen, const uint8_t *str, size_t slen, bool nocase)
{
	bool skip_longer = false;
	return glob_impl(pat, plen, str, slen, nocase, &skip_longer, 0);
}
