/* The read side: CONFIG GET-style lookup and the start-up echo. */
#include <errno.h>
#include <string.h>

#include "test_config.h"

static void test_config_get_formats_each_type(void)
{
	struct rw_config cfg;
	char err[256], buf[64];
	char *argv[] = {"--maxmemory", "2kb", "--requirepass", "s3cret", "--appendonly", "yes"};
	CU_ASSERT_EQUAL_FATAL(rw_config_load(&cfg, NULL, 6, argv, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rw_config_get(&cfg, "maxmemory", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "2048");
	CU_ASSERT_EQUAL(rw_config_get(&cfg, "APPENDONLY", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "yes");
	CU_ASSERT_EQUAL(rw_config_get(&cfg, "requirepass", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "s3cret");
	CU_ASSERT_EQUAL(rw_config_get(&cfg, "redwire-port-device", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "net_tap0,iface=rw0");
	CU_ASSERT_EQUAL(rw_config_get(&cfg, "dynamic-hz", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "yes"); /* Redis's default */
	CU_ASSERT_EQUAL(rw_config_get(&cfg, "activerehashing", buf, sizeof(buf)), -ENOENT);
	CU_ASSERT_EQUAL(rw_config_get(&cfg, "redwire-port-device", buf, 5), -ENOSPC);
	rw_config_fini(&cfg);
}

static void test_config_echo_lists_every_directive_with_secrets_redacted(void)
{
	struct rw_config cfg;
	struct lines out = {0};
	char err[256];
	char *argv[] = {"--requirepass", "s3cret", "--logfile", "/tmp/my log", "--port", "7000"};
	CU_ASSERT_EQUAL_FATAL(rw_config_load(&cfg, NULL, 6, argv, NULL, NULL, err, sizeof(err)), 0);
	rw_config_echo(&cfg, lines_add, &out);
	CU_ASSERT(out.count > 30);
	CU_ASSERT(strstr(out.text, "config requirepass=(redacted)\n") != NULL);
	CU_ASSERT(strstr(out.text, "s3cret") == NULL);
	CU_ASSERT(strstr(out.text, "config port=7000\n") != NULL);
	CU_ASSERT(strstr(out.text, "config logfile=\"/tmp/my log\"\n") != NULL);
	CU_ASSERT(strstr(out.text, "config pidfile=\"\"\n") != NULL);
	CU_ASSERT(strstr(out.text, "config proto-max-bulk-len=536870912\n") != NULL);
	CU_ASSERT(strstr(out.text, "config save=\"3600 1 300 100 60 10000\"\n") != NULL);
	CU_ASSERT(strstr(out.text, "config redwire-channel=/dev/shm/redwire-rw.chan\n") != NULL);
	CU_ASSERT(strncmp(out.text, "config port=7000\n", 17) == 0);
	rw_config_fini(&cfg);
}

static void test_config_echo_shows_empty_secret_as_empty(void)
{
	struct rw_config cfg;
	struct lines out = {0};
	char err[256];
	CU_ASSERT_EQUAL_FATAL(rw_config_load(&cfg, NULL, 0, NULL, NULL, NULL, err, sizeof(err)), 0);
	rw_config_echo(&cfg, lines_add, &out);
	CU_ASSERT(strstr(out.text, "config requirepass=\"\"\n") != NULL);
	rw_config_fini(&cfg);
}

const struct rw_test_case config_show_tests[] = {
    RW_TEST(test_config_get_formats_each_type),
    RW_TEST(test_config_echo_lists_every_directive_with_secrets_redacted),
    RW_TEST(test_config_echo_shows_empty_secret_as_empty),
    {NULL, NULL},
};
