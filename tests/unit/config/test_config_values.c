/*
 * bind, latency-tracking-info-percentiles, maxmemory-clients and hz: the
 * values CONFIG SET and the loader share (config_values.c). The expected
 * verdicts and texts are stock redis-server 7.0.15's, observed on a host
 * whose addresses are loopback and one other (here 198.18.0.2).
 */
#include <errno.h>
#include <string.h>

#include "test_config.h"

#define OWN "198.18.0.2"

/* rw_config_bind_check(): 1 accept, 0 bound elsewhere, -1 refused (@p want_err). */
static int bind_verdict(const char *v, const char **err)
{
	bool own = false;
	*err = NULL;
	if (rw_config_bind_check(v, OWN, &own, err) != 0)
		return -1;
	return own ? 1 : 0;
}

static void test_config_bind_classifies_as_stock_binds(void)
{
	static const struct {
		const char *v;
		int verdict;
	} cases[] = {
	    {"", 1}, /* Redis's default "* -::*" */
	    {"* -::*", 1},
	    {"*", 1},
	    {"0.0.0.0", 1},
	    {"-*", 1},
	    {OWN, 1},
	    {"-" OWN, 1},
	    {"127.0.0.1 " OWN, 1},
	    {"::* *", 1},
	    {"127.0.0.1", 0},
	    {"127.0.0.5", 0},
	    {"localhost", 0}, /* a host name: getaddrinfo()'s first IPv4 answer */
	    {"localhost 127.0.0.1", -1},
	    {"-nosuchhost.invalid 127.0.0.1", -1},
	    {"nosuchhost.invalid", -1},
	    {"::1", 0},
	    {"::", 0},
	    {"-1.2.3.4 -5.6.7.8", 0},
	    {"-10.1.1.1 127.0.0.1", 0},
	    {"-::2", 0},
	    {"127.0.0.1 -::1", 0},
	    /* EADDRNOTAVAIL without "-", no address at all, EADDRINUSE */
	    {"10.9.9.9", -1},
	    {"::2", -1},
	    {"abc", -1},
	    {"-abc", -1},
	    {"-", -1},
	    {"1.2.3.4.5", -1},
	    {"-1.2.3.4.5", -1},
	    {"127.0.0.1  127.0.0.2", -1},
	    {"0.0.0.0 *", -1},
	    {"127.0.0.1 127.0.0.1", -1},
	    {"* 127.0.0.1", -1},
	    {"127.0.0.1 -127.0.0.1", -1},
	    {"-::1 -::*", -1},
	    {"* " OWN, -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *err;
		int got = bind_verdict(cases[i].v, &err);
		if (got != cases[i].verdict)
			fprintf(stderr, "bind '%s': %d, want %d\n", cases[i].v, got,
				cases[i].verdict);
		CU_ASSERT_EQUAL(got, cases[i].verdict);
		if (got < 0)
			CU_ASSERT_STRING_EQUAL(err, "Failed to bind to specified addresses.");
	}
}

static void test_config_bind_more_than_16_is_too_many(void)
{
	const char *err;
	CU_ASSERT_EQUAL(bind_verdict("0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", &err), -1);
	CU_ASSERT_STRING_EQUAL(err, "Too many bind addresses specified.");
}

static void test_config_percentiles_parse_and_format_as_stock(void)
{
	double v[RW_CONFIG_PERCENTILES_MAX];
	size_t n;
	const char *err = NULL;
	char buf[256];
	CU_ASSERT_EQUAL(rw_config_percentiles_parse("50 99.99 1e2", v, 64, &n, &err), 0);
	rw_config_percentiles_fmt(v, n, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "50 99.99 100");
	CU_ASSERT_EQUAL(rw_config_percentiles_parse("50.0000001 99.12345678", v, 64, &n, &err), 0);
	rw_config_percentiles_fmt(v, n, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "50 99.123457");
	CU_ASSERT_EQUAL(rw_config_percentiles_parse("0x10", v, 64, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(rw_config_percentiles_parse("", v, 64, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 0);
	static const char *const invalid[] = {"abc", "50 99 abc", "  50   99 ", "50  99", "nan"};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		CU_ASSERT_EQUAL(rw_config_percentiles_parse(invalid[i], v, 64, &n, &err), -EINVAL);
		CU_ASSERT_STRING_EQUAL(err, "Invalid latency-tracking-info-percentiles parameters");
	}
	static const char *const range[] = {"101", "-1", "1.5 inf"};
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		CU_ASSERT_EQUAL(rw_config_percentiles_parse(range[i], v, 64, &n, &err), -EINVAL);
		CU_ASSERT_STRING_EQUAL(err, "latency-tracking-info-percentiles parameters should "
					    "sit between [0.0,100.0]");
	}
}

static void test_config_mempct_reads_bytes_or_percent(void)
{
	int64_t v;
	const char *err;
	CU_ASSERT_EQUAL(rw_config_mempct_parse("10%", &v, &err), 0);
	CU_ASSERT_EQUAL(v, -10);
	CU_ASSERT_EQUAL(rw_config_mempct_parse("1mb", &v, &err), 0);
	CU_ASSERT_EQUAL(v, 1048576);
	CU_ASSERT_EQUAL(rw_config_mempct_parse("0", &v, &err), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(rw_config_mempct_parse("101%", &v, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "percentage argument must be less or equal to 100");
	CU_ASSERT_EQUAL(rw_config_mempct_parse("-1%", &v, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "argument must be a memory or percent value");
	CU_ASSERT_EQUAL(rw_config_mempct_parse("x", &v, &err), -EINVAL);
}

static void test_config_loads_hz_percentiles_bind_and_maxmemory_clients(void)
{
	struct rw_config cfg;
	char err[512], path[64];
	CU_ASSERT_EQUAL_FATAL(load_text(&cfg,
					"hz 1000\nmaxmemory-clients 10%\n"
					"latency-tracking-info-percentiles 50 99.5\n"
					"bind 127.0.0.1 -::1\n",
					0, NULL, NULL, err, sizeof(err), path),
			      0);
	CU_ASSERT_EQUAL(cfg.hz, 500); /* clamped as Redis's updateHZ() */
	CU_ASSERT_STRING_EQUAL(cfg.maxmemory_clients, "10%");
	CU_ASSERT_STRING_EQUAL(cfg.latency_tracking_info_percentiles, "50 99.5");
	CU_ASSERT_STRING_EQUAL(cfg.bind, "127.0.0.1 -::1");
	rw_config_fini(&cfg);
	CU_ASSERT_EQUAL(load_text(&cfg, "hz 0\n", 0, NULL, NULL, err, sizeof(err), path), 0);
	CU_ASSERT_EQUAL(cfg.hz, 1);
	rw_config_fini(&cfg);
	CU_ASSERT_EQUAL(load_text(&cfg, "bind 10.9.9.9\n", 0, NULL, NULL, err, sizeof(err), path),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err,
			       "invalid value '10.9.9.9' for 'bind': Failed to bind to specified "
			       "addresses.");
	/* a name that does not resolve: stock's log lines as it exits */
	CU_ASSERT_EQUAL(load_text(&cfg, "port 7001\nbind 127.0.0.1 -nosuchhost.invalid\n", 0, NULL,
				  NULL, err, sizeof(err), path),
			-EINVAL);
	static const char head[] = "Could not create server TCP listening socket "
				   "nosuchhost.invalid:7001: ", /* then the resolver's reason */
	    tail[] = "; Failed listening on port 7001 (TCP), aborting.";
	CU_ASSERT(strncmp(err, head, sizeof(head) - 1) == 0);
	CU_ASSERT(strlen(err) > sizeof(head) + sizeof(tail) &&
		  strcmp(err + strlen(err) - (sizeof(tail) - 1), tail) == 0);
	CU_ASSERT_EQUAL(
	    load_text(&cfg, "maxmemory-clients 200%\n", 0, NULL, NULL, err, sizeof(err), path),
	    -EINVAL);
	CU_ASSERT(strstr(err, "F") == NULL || strstr(err, "maxmemory-clients") != NULL);
	CU_ASSERT_EQUAL(load_text(&cfg, "latency-tracking-info-percentiles 50 200\n", 0, NULL, NULL,
				  err, sizeof(err), path),
			-EINVAL);
	CU_ASSERT(strstr(err, "should sit between [0.0,100.0]") != NULL);
}

const struct rw_test_case config_values_tests[] = {
    RW_TEST(test_config_bind_classifies_as_stock_binds),
    RW_TEST(test_config_bind_more_than_16_is_too_many),
    RW_TEST(test_config_percentiles_parse_and_format_as_stock),
    RW_TEST(test_config_mempct_reads_bytes_or_percent),
    RW_TEST(test_config_loads_hz_percentiles_bind_and_maxmemory_clients),
    {NULL, NULL},
};
