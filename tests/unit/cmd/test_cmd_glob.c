/* Unit tests for cmd_glob_match() (Redis's stringmatchlen() rules). Linked
 * into the cmd test binary; registered from test_cmd_replies.c. */
#include <string.h>

#include "cmd_int.h"
#include "rw_test.h"

static bool m(const char *pat, const char *str, bool nocase)
{
	return cmd_glob_match((const uint8_t *)pat, strlen(pat), (const uint8_t *)str, strlen(str),
			      nocase);
}

void test_cmd_glob_matches_like_redis(void)
{
	CU_ASSERT_FALSE(m("*", "", false)); /* Redis quirk: the loop never runs on "" */
	CU_ASSERT(m("*", "anything", false));
	CU_ASSERT(m("h?llo", "hello", false));
	CU_ASSERT_FALSE(m("h?llo", "hllo", false));
	CU_ASSERT(m("h*llo", "heeeello", false));
	CU_ASSERT(m("h[ae]llo", "hallo", false));
	CU_ASSERT_FALSE(m("h[ae]llo", "hillo", false));
	CU_ASSERT(m("h[^e]llo", "hallo", false));
	CU_ASSERT_FALSE(m("h[^e]llo", "hello", false));
	CU_ASSERT(m("h[a-b]llo", "hbllo", false));
	CU_ASSERT(m("h[b-a]llo", "hbllo", false)); /* reversed range */
	CU_ASSERT(m("a\\*b", "a*b", false));
	CU_ASSERT_FALSE(m("a\\*b", "axb", false));
	CU_ASSERT(m("MAX-*", "max-clients", true));
	CU_ASSERT_FALSE(m("MAX-*", "max-clients", false));
	CU_ASSERT(m("*max-*-entries*", "hash-max-listpack-entries", false));
	CU_ASSERT(m("a[", "a", false) == false);
	CU_ASSERT(m("**a**", "xxa", false));
	/* a pathological pattern finishes quickly */
	CU_ASSERT_FALSE(
	    m("a*a*a*a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false));
}
