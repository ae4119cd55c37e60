/* Inline commands: sdssplitargs() quoting and unescaping, line ends, limits. */
#include <stdlib.h>
#include <string.h>

#include "test_codec.h"

#define S(lit) lit, sizeof(lit) - 1

/* @return the rendered args of the inline command @p wire, or "<status>". */
static const char *inl(const char *wire, size_t len)
{
	static char out[1024];
	size_t used = 0;
	enum resp_status st = codec_parse_one(wire, len, NULL, out, sizeof(out), &used, NULL, 0);
	if (st == RESP_INCOMPLETE)
		return "<incomplete>";
	if (st == RESP_ERROR)
		return "<error>";
	if (st == RESP_NEED_ARGS)
		return "<need-args>";
	CU_ASSERT_EQUAL(used, len);
	return out;
}

static void test_resp_inline_splits_on_blanks(void)
{
	CU_ASSERT_STRING_EQUAL(inl(S("SET  key\tvalue \r\n")), "SET|key|value");
	CU_ASSERT_STRING_EQUAL(inl(S("  PING\n")), "PING");
	/* \v and \f are skipped between args but do not end an unquoted one */
	CU_ASSERT_STRING_EQUAL(inl(S("echo \vx\fy\r\n")), "echo|x\fy");
}

static void test_resp_inline_double_quotes_with_escapes(void)
{
	CU_ASSERT_STRING_EQUAL(inl(S("set a \"b c\"\r\n")), "set|a|b c");
	CU_ASSERT_STRING_EQUAL(inl(S("echo \"\\x41\\n\\q\\\"\"\r\n")), "echo|A\nq\"");
	CU_ASSERT_STRING_EQUAL(inl(S("echo \"\\t\\r\\b\\a\\\\\"\r\n")), "echo|\t\r\b\a\\");
	/* \x needs two hex digits, otherwise it is a plain escaped 'x' */
	CU_ASSERT_STRING_EQUAL(inl(S("echo \"\\x4g\"\r\n")), "echo|x4g");
	CU_ASSERT_STRING_EQUAL(inl(S("echo \"\"\r\n")), "echo|");
}

static void test_resp_inline_single_quotes_only_escape_quote(void)
{
	CU_ASSERT_STRING_EQUAL(inl(S("echo 'a\\'b'\r\n")), "echo|a'b");
	CU_ASSERT_STRING_EQUAL(inl(S("echo 'a\\nb'\r\n")), "echo|a\\nb");
}

static void test_resp_inline_quote_inside_word_starts_quoted_part(void)
{
	CU_ASSERT_STRING_EQUAL(inl(S("echo foo\"bar baz\"\r\n")), "echo|foobar baz");
}

static void test_resp_inline_unbalanced_quotes_is_protocol_error(void)
{
	char err[128];
	static const char *bad[] = {"set a \"b\r\n", "echo \"a\"b\r\n", "echo 'abc\r\n",
				    "echo 'a'b\r\n", "echo \"abc\\\"\r\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(
		    codec_parse_one(bad[i], strlen(bad[i]), NULL, NULL, 0, NULL, err, sizeof(err)),
		    RESP_ERROR);
		CU_ASSERT_STRING_EQUAL(err, "Protocol error: unbalanced quotes in request");
	}
}

static void test_resp_inline_empty_lines_consumed_silently(void)
{
	CU_ASSERT_STRING_EQUAL(inl(S("\r\n")), "");
	CU_ASSERT_STRING_EQUAL(inl(S("\n")), "");
	CU_ASSERT_STRING_EQUAL(inl(S("   \t \r\n")), "");
	char out[256];
	CU_ASSERT_EQUAL(codec_feed(S("\r\n\nPING\n"), 100, 1, out, sizeof(out)), 3);
	CU_ASSERT_STRING_EQUAL(out, "\n\nPING\n");
}

static void test_resp_inline_only_last_cr_is_dropped(void)
{
	/* Redis splits "a\rb" on the inner '\r' too: it is a blank */
	CU_ASSERT_STRING_EQUAL(inl(S("ECHO a\rb\r\n")), "ECHO|a|b");
	CU_ASSERT_STRING_EQUAL(inl(S("ECHO \"a\rb\"\r\r\n")), "ECHO|a\rb");
}

static void test_resp_inline_waits_for_newline(void)
{
	CU_ASSERT_STRING_EQUAL(inl(S("PING")), "<incomplete>");
	CU_ASSERT_STRING_EQUAL(inl(S("PING\r")), "<incomplete>");
	CU_ASSERT_STRING_EQUAL(inl(S("")), "<incomplete>");
}

static void test_resp_inline_too_big_request_after_64k_without_newline(void)
{
	char err[128];
	size_t n = 65537;
	char *wire = malloc(n);
	memset(wire, 'A', n);
	CU_ASSERT_EQUAL(codec_parse_one(wire, n - 1, NULL, NULL, 0, NULL, NULL, 0),
			RESP_INCOMPLETE);
	CU_ASSERT_EQUAL(codec_parse_one(wire, n, NULL, NULL, 0, NULL, err, sizeof(err)),
			RESP_ERROR);
	CU_ASSERT_STRING_EQUAL(err, "Protocol error: too big inline request");
	/* a NUL hides the newline (Redis uses strchr), so the line never ends */
	memcpy(wire, "PING\0\r\n", 7);
	CU_ASSERT_EQUAL(codec_parse_one(wire, 7, NULL, NULL, 0, NULL, NULL, 0), RESP_INCOMPLETE);
	CU_ASSERT_EQUAL(codec_parse_one(wire, n, NULL, NULL, 0, NULL, err, sizeof(err)),
			RESP_ERROR);
	free(wire);
}

static void test_resp_inline_need_args_leaves_line_untouched(void)
{
	struct resp_arg argv[3];
	struct resp_cmd cmd = {.argv = argv, .cap = 2};
	uint8_t wire[] = "a \"b\\x41\" c\r\n";
	uint8_t orig[sizeof(wire)];
	memcpy(orig, wire, sizeof(wire));
	CU_ASSERT_EQUAL(resp_parse(wire, sizeof(wire) - 1, NULL, &cmd), RESP_NEED_ARGS);
	CU_ASSERT_EQUAL(cmd.need_args, 3);
	CU_ASSERT(memcmp(wire, orig, sizeof(wire)) == 0);
	cmd.cap = 3;
	CU_ASSERT_EQUAL(resp_parse(wire, sizeof(wire) - 1, NULL, &cmd), RESP_OK);
	CU_ASSERT_EQUAL(cmd.argc, 3);
	CU_ASSERT_EQUAL(argv[1].len, 2);
	CU_ASSERT(memcmp(argv[1].ptr, "bA", 2) == 0);
	CU_ASSERT_EQUAL(cmd.consumed, sizeof(wire) - 1);
}

static void test_resp_split_args_stops_at_nul_and_reports_count(void)
{
	struct resp_arg argv[4];
	uint8_t line[] = "port 6379\0 ignored";
	CU_ASSERT_EQUAL(resp_split_args(line, sizeof(line) - 1, argv, 4), 2);
	CU_ASSERT_EQUAL(argv[1].len, 4);
	uint8_t many[] = "a b c d e";
	CU_ASSERT_EQUAL(resp_split_args(many, sizeof(many) - 1, argv, 4), 5);
	uint8_t bad[] = "a \"b";
	CU_ASSERT_EQUAL(resp_split_args(bad, sizeof(bad) - 1, argv, 4), -1);
}

const struct rw_test_case codec_inline_tests[] = {
    RW_TEST(test_resp_inline_splits_on_blanks),
    RW_TEST(test_resp_inline_double_quotes_with_escapes),
    RW_TEST(test_resp_inline_single_quotes_only_escape_quote),
    RW_TEST(test_resp_inline_quote_inside_word_starts_quoted_part),
    RW_TEST(test_resp_inline_unbalanced_quotes_is_protocol_error),
    RW_TEST(test_resp_inline_empty_lines_consumed_silently),
    RW_TEST(test_resp_inline_only_last_cr_is_dropped),
    RW_TEST(test_resp_inline_waits_for_newline),
    RW_TEST(test_resp_inline_too_big_request_after_64k_without_newline),
    RW_TEST(test_resp_inline_need_args_leaves_line_untouched),
    RW_TEST(test_resp_split_args_stops_at_nul_and_reports_count),
    {NULL, NULL},
};
