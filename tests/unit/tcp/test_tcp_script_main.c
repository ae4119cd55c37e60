/*
 * One CUnit test per segment script in tests/tcp/scripts/NAME.pkt (the
 * directory is compiled in; TCP_SCRIPT_DIR in the environment overrides
 * it). Each script runs on a fresh fixture (tcp_fixture.h).
 */
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_fixture.h"
#include "tcp_script.h"

#define MAX_SCRIPTS 256

static glob_t scripts;
static unsigned next_script;
static struct sc_script script;

/* CUnit runs tests in registration order: test k runs script k. */
static void run_next_script(void)
{
	const char *path = scripts.gl_pathv[next_script++];
	char err[512];
	if (sc_parse_file(path, &script, err, sizeof(err)) != 0) {
		fprintf(stderr, "\n  %s\n", err);
		CU_FAIL("script does not parse");
		return;
	}
	if (sc_run(&script, err, sizeof(err)) != 0) {
		fprintf(stderr, "\n  %s: %s\n", path, err);
		CU_FAIL("script failed");
	}
}

static void test_sc_parser_rejects_bad_lines(void)
{
	struct sc_event e;
	char err[128];
	CU_ASSERT_EQUAL(sc_parse_line("+0 < S 0:1(0) win 1", &e, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(sc_parse_line("+0 < X 0:0(0)", &e, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(sc_parse_line("+0 < S 0:0(0) <mss 1460,wscale 7>", &e, err, sizeof(err)),
			-1); /* 7 bytes: inbound options must fill words */
	CU_ASSERT_EQUAL(sc_parse_line("// comment", &e, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(
	    sc_parse_line(
		"+0.1 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>", &e,
		err, sizeof(err)),
	    1);
	CU_ASSERT_EQUAL(e.us, 100000);
	CU_ASSERT(e.rel);
	CU_ASSERT_EQUAL(e.opt.mss, 1460);
	CU_ASSERT(e.opt.sack_perm && e.opt.ts && e.opt.ws);
	CU_ASSERT_EQUAL(e.opt.tsval, 100);
	CU_ASSERT_EQUAL(e.opt.wscale, 7);
	CU_ASSERT_EQUAL(e.opt.raw_len, 20);
	CU_ASSERT_EQUAL(
	    sc_parse_line("+0 > P. 1:11(10) ack ... win ... <...>", &e, err, sizeof(err)), 1);
	CU_ASSERT(e.ack_any && e.win_any && e.opt.any);
	CU_ASSERT_EQUAL(sc_parse_line("+0 write(10)", &e, err, sizeof(err)), 1);
	CU_ASSERT_STRING_EQUAL(e.fn, "write");
	CU_ASSERT_EQUAL(e.n_arg, 1);
}

int main(void)
{
	const char *dir = getenv("TCP_SCRIPT_DIR");
	char pattern[1024];
	snprintf(pattern, sizeof(pattern), "%s/*.pkt", dir != NULL ? dir : TCP_SCRIPT_DIR);
	if (glob(pattern, 0, NULL, &scripts) != 0 || scripts.gl_pathc == 0) {
		fprintf(stderr, "no scripts match %s\n", pattern);
		return 1;
	}
	if (scripts.gl_pathc > MAX_SCRIPTS)
		return 1;
	static struct rw_test_case cases[MAX_SCRIPTS + 2];
	static char names[MAX_SCRIPTS][128];
	unsigned n = 0;
	cases[n++] = (struct rw_test_case){"test_sc_parser_rejects_bad_lines",
					   test_sc_parser_rejects_bad_lines};
	for (size_t i = 0; i < scripts.gl_pathc; i++) {
		char tmp[1024];
		snprintf(tmp, sizeof(tmp), "%s", scripts.gl_pathv[i]);
		snprintf(names[i], sizeof(names[i]), "%s", basename(tmp));
		cases[n++] = (struct rw_test_case){names[i], run_next_script};
	}
	cases[n] = (struct rw_test_case){NULL, NULL};
	if (fx_eal_init() != 0)
		return 1;
	if (rw_test_init() != 0 || fx_add_suite("tcp_script", cases) != 0)
		return 1;
	int rc = rw_test_run();
	fx_eal_fini();
	globfree(&scripts);
	return rc;
}
