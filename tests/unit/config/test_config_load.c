/* Loading: defaults, redis.conf syntax, units, overrides, errors, warnings, %n. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_config.h"

#define ARGV(...) ((char *[]){__VA_ARGS__})

static struct rw_config cfg;
static char err[512], path[64];

static int load(const char *text)
{
	return load_text(&cfg, text, 0, NULL, NULL, err, sizeof(err), path);
}

/* The error of loading @p text, with the temporary file name replaced by "F". */
static const char *load_err(const char *text)
{
	static char out[600];
	out[0] = '\0';
	if (load(text) != -EINVAL)
		return "<no error>";
	size_t n = strlen(path);
	snprintf(out, sizeof(out), "F%s", strncmp(err, path, n) == 0 ? err + n : err);
	return out;
}

static void test_config_defaults_without_file(void)
{
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 0, NULL, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.port, 6379);
	CU_ASSERT_EQUAL(cfg.databases, 16);
	CU_ASSERT_EQUAL(cfg.maxmemory, 0);
	CU_ASSERT_EQUAL(cfg.proto_max_bulk_len, 512 * 1024 * 1024);
	CU_ASSERT_EQUAL(cfg.client_query_buffer_limit, 1024 * 1024 * 1024);
	CU_ASSERT_FALSE(cfg.appendonly);
	CU_ASSERT_TRUE(cfg.rw_hugepages);
	CU_ASSERT_STRING_EQUAL(cfg.save, "3600 1 300 100 60 10000");
	CU_ASSERT_STRING_EQUAL(cfg.requirepass, "");
	CU_ASSERT_STRING_EQUAL(cfg.dir, "/var/lib/redwire/rw");
	CU_ASSERT_STRING_EQUAL(cfg.config_file, "");
	rw_config_fini(&cfg);
	rw_config_fini(&cfg); /* twice is harmless */
}

static void test_config_file_syntax_like_redis_conf(void)
{
	CU_ASSERT_EQUAL(load("# comment\n"
			     "   # indented comment\n"
			     "\n"
			     "PORT 7001\r\n"
			     "\tTimeout   30  \n"
			     "requirepass \"p a\\\"ss\\x21\"\n"
			     "logfile '/tmp/x y.log'\n"
			     "appendonly YES\n"
			     "bind 127.0.0.1 -::1\n"
			     "loglevel WARNING"),
			0);
	CU_ASSERT_EQUAL(cfg.port, 7001);
	CU_ASSERT_EQUAL(cfg.timeout, 30);
	CU_ASSERT_STRING_EQUAL(cfg.requirepass, "p a\"ss!");
	CU_ASSERT_STRING_EQUAL(cfg.logfile, "/tmp/x y.log");
	CU_ASSERT_TRUE(cfg.appendonly);
	CU_ASSERT_STRING_EQUAL(cfg.bind, "127.0.0.1 -::1");
	CU_ASSERT_STRING_EQUAL(cfg.loglevel, "warning");
	CU_ASSERT(cfg.config_file[0] == '/');
	rw_config_fini(&cfg);
}

static void test_config_memory_units_like_memtoull(void)
{
	static const struct {
		const char *v;
		int64_t bytes;
	} cases[] = {{"100", 100},
		     {"1k", 1000},
		     {"1kb", 1024},
		     {"1K", 1000},
		     {"1KB", 1024},
		     {"2m", 2000000},
		     {"2mb", 2097152},
		     {"1g", 1000000000},
		     {"1Gb", 1073741824},
		     {"7b", 7},
		     {"kb", 0},
		     {"", 0},
		     {"0", 0},
		     {"3GB", 3221225472LL}};
	char text[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "maxmemory \"%s\"\n", cases[i].v);
		CU_ASSERT_EQUAL_FATAL(load(text), 0);
		CU_ASSERT_EQUAL(cfg.maxmemory, cases[i].bytes);
		rw_config_fini(&cfg);
	}
}

static void test_config_invalid_memory_values_rejected(void)
{
	static const char *bad[] = {"-1", "1.5gb", " 1", "1 kb", "+1", "1tb", "99999999999gb"};
	char text[64];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "maxmemory \"%s\"\n", bad[i]);
		CU_ASSERT_EQUAL(load(text), -EINVAL);
		CU_ASSERT(strstr(err, "for 'maxmemory': must be a size between 0 and") != NULL);
	}
	CU_ASSERT_STRING_EQUAL(load_err("proto-max-bulk-len 1kb\n"),
			       "F:1: invalid value '1kb' for 'proto-max-bulk-len': must be a size "
			       "between 1048576 and 9223372036854775807 bytes, with an optional "
			       "unit k kb m mb g gb");
}

static void test_config_invalid_values_name_line_directive_and_cause(void)
{
	CU_ASSERT_STRING_EQUAL(load_err("\n\nport abc\n"),
			       "F:3: invalid value 'abc' for 'port': must be an integer between 0 "
			       "and 65535");
	CU_ASSERT_STRING_EQUAL(load_err("port 65536\n"),
			       "F:1: invalid value '65536' for 'port': must be an integer between "
			       "0 and 65535");
	CU_ASSERT_STRING_EQUAL(load_err("port +5\n"),
			       "F:1: invalid value '+5' for 'port': must be an integer between 0 "
			       "and 65535");
	CU_ASSERT_STRING_EQUAL(load_err("databases 0\n"),
			       "F:1: invalid value '0' for 'databases': must be an integer between "
			       "1 and 1000000");
	CU_ASSERT_STRING_EQUAL(load_err("appendonly true\n"),
			       "F:1: invalid value 'true' for 'appendonly': must be yes or no");
	CU_ASSERT_STRING_EQUAL(load_err("port 1 2\n"), "F:1: wrong number of arguments for 'port'");
	CU_ASSERT_STRING_EQUAL(load_err("port 6379 # trailing comments are words\n"),
			       "F:1: wrong number of arguments for 'port'");
	CU_ASSERT_STRING_EQUAL(load_err("logfile \"x\n"),
			       "F:1: unbalanced quotes in configuration line");
	CU_ASSERT_STRING_EQUAL(load_err("loglevel loud\n"),
			       "F:1: invalid value 'loud' for 'loglevel': must be one of debug, "
			       "verbose, notice, warning");
	CU_ASSERT_STRING_EQUAL(load_err("redwire-name ../etc\n"),
			       "F:1: invalid value '../etc' for 'redwire-name': must be 1-64 "
			       "characters of A-Z a-z 0-9 . _ - not starting with '.'");
	CU_ASSERT_STRING_EQUAL(load_err("save 60\n"),
			       "F:1: invalid value '60' for 'save': must be pairs of <seconds> "
			       "<changes> (seconds >= 1, changes >= 0), or \"\" to disable");
	CU_ASSERT_STRING_EQUAL(load_err("save 0 1\n"),
			       "F:1: invalid value '0 1' for 'save': must be pairs of <seconds> "
			       "<changes> (seconds >= 1, changes >= 0), or \"\" to disable");
}

/* The enumerated directives: the loader takes exactly the values the table
 * lists (which GET /v1/parameters shows as "allowed"), in any case, stores
 * them lower case, and refuses the rest naming them. */
static void test_config_enum_values_are_what_the_loader_takes(void)
{
	static const char *const names[] = {"loglevel", "maxmemory-policy", "appendfsync",
					    "redwire-port-offload"};
	char text[128], got[64];
	CU_ASSERT_PTR_NULL(rw_config_enum_values("port"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *const *v = rw_config_enum_values(names[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		for (; *v != NULL; v++) {
			snprintf(text, sizeof(text), "%s %c%s\n", names[i], *v[0] & ~0x20, *v + 1);
			CU_ASSERT_EQUAL(load(text), 0);
			CU_ASSERT_EQUAL(rw_config_get(&cfg, names[i], got, sizeof(got)), 0);
			CU_ASSERT_STRING_EQUAL(got, *v);
			rw_config_fini(&cfg);
		}
		snprintf(text, sizeof(text), "%s bogus\n", names[i]);
		CU_ASSERT_STRING_NOT_EQUAL(load_err(text), "<no error>");
	}
	CU_ASSERT_STRING_EQUAL(load_err("redwire-port-offload yes\n"),
			       "F:1: invalid value 'yes' for 'redwire-port-offload': must be one "
			       "of auto, no, strict");
}

static void test_config_unknown_directive_is_an_error(void)
{
	CU_ASSERT_STRING_EQUAL(load_err("port 1\n\n\n\n\n\n\n\n\n\n\nfoo bar\n"),
			       "F:12: unknown directive 'foo'");
	CU_ASSERT_STRING_EQUAL(load_err("Redwire-Nope 1\n"),
			       "F:1: unknown directive 'redwire-nope'");
	CU_ASSERT_STRING_EQUAL(load_err("include /etc/other.conf\n"),
			       "F:1: 'include' is not supported yet; copy the included directives "
			       "into this file");
}

static void test_config_redis_only_directive_warns_and_is_ignored(void)
{
	struct lines warn = {0};
	const char *text = "activerehashing yes\n"
			   "SLAVEOF 10.0.0.1 6379\n"
			   "rename-command FLUSHALL \"\"\n"
			   "client-output-buffer-limit normal 0 0 0\n"
			   "list-max-ziplist-entries 512\n"
			   "key-load-delay 0\n"
			   "daemonize yes\n"
			   "port 6380\n";
	CU_ASSERT_EQUAL(load_text(&cfg, text, 0, NULL, &warn, err, sizeof(err), path), 0);
	CU_ASSERT_EQUAL(warn.count, 7);
	CU_ASSERT_FALSE(cfg.daemonize);
	CU_ASSERT(strstr(warn.text, "directive 'daemonize yes' ignored: Redwire does not "
				    "daemonize, ./redwire supervises the processes\n") != NULL);
	const char *first = "directive 'activerehashing' is a Redis directive Redwire does not "
			    "implement yet; ignored\n";
	CU_ASSERT(strncmp(warn.text, first, strlen(first)) == 0);
	CU_ASSERT(strstr(warn.text, "directive 'slaveof' is a Redis directive") != NULL);
	CU_ASSERT_EQUAL(cfg.port, 6380);
	rw_config_fini(&cfg);
}

static void test_config_redis_name_table_knows_7_0_directives_and_aliases(void)
{
	static const char *names[] = {"acl-pubsub-default", "zset-max-ziplist-value",
				      "replicaof",	    "slaveof",
				      "loadmodule",	    "user",
				      "sentinel",	    "include",
				      "maxmemory-policy",   "appendfsync",
				      "watchdog-period"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CU_ASSERT_TRUE(rw_config_redis_directive(names[i]));
	CU_ASSERT_FALSE(rw_config_redis_directive("redwire-name"));
	CU_ASSERT_FALSE(rw_config_redis_directive("HZ")); /* callers lower-case first */
	CU_ASSERT_FALSE(rw_config_redis_directive(""));
}

static void test_config_save_lines_accumulate_and_empty_clears(void)
{
	CU_ASSERT_EQUAL(load("save 900 1\nsave 300 10 60 10000\n"), 0);
	CU_ASSERT_STRING_EQUAL(cfg.save, "900 1 300 10 60 10000");
	rw_config_fini(&cfg);
	CU_ASSERT_EQUAL(load("save 900 1\nsave \"\"\n"), 0);
	CU_ASSERT_STRING_EQUAL(cfg.save, "");
	rw_config_fini(&cfg);
	CU_ASSERT_EQUAL(load("save ''\nsave 60 1\n"), 0);
	CU_ASSERT_STRING_EQUAL(cfg.save, "60 1");
	rw_config_fini(&cfg);
}

static void test_config_command_line_overrides_file(void)
{
	char *argv[] = {"--port",      "7000",	    "--save",	 "",
			"--maxmemory", "1gb",	    "--logfile", "/tmp/a b",
			"--bind",      "127.0.0.1", "::1",	 "--appendonly yes"};
	int argc = (int)(sizeof(argv) / sizeof(argv[0]));
	CU_ASSERT_EQUAL(
	    load_text(&cfg, "port 6000\nsave 10 1\n", argc, argv, NULL, err, sizeof(err), path), 0);
	CU_ASSERT_EQUAL(cfg.port, 7000);
	CU_ASSERT_STRING_EQUAL(cfg.save, "");
	CU_ASSERT_EQUAL(cfg.maxmemory, 1073741824);
	CU_ASSERT_STRING_EQUAL(cfg.logfile, "/tmp/a b");
	CU_ASSERT_STRING_EQUAL(cfg.bind, "127.0.0.1 ::1");
	CU_ASSERT_TRUE(cfg.appendonly);
	rw_config_fini(&cfg);
}

static void test_config_command_line_save_without_value_means_empty(void)
{
	char **a1 = ARGV("--save", "--port", "7001");
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 3, a1, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.save, "");
	CU_ASSERT_EQUAL(cfg.port, 7001);
	rw_config_fini(&cfg);
	char **a2 = ARGV("--port", "7002", "--save");
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 3, a2, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.save, "");
	rw_config_fini(&cfg);
	/* a quote or backslash inside a value survives the re-quoting */
	char **a3 = ARGV("--requirepass", "a\"b\\c 'd'");
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 2, a3, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.requirepass, "a\"b\\c 'd'");
	rw_config_fini(&cfg);
}

/* The collection encodings' directives, and Redis 7.0's ziplist aliases
 * of them, load into the same fields. */
static void test_config_collection_directives_and_aliases(void)
{
	char **a1 = ARGV("--list-max-ziplist-size", "5", "--zset-max-ziplist-entries", "7",
			 "--zset-max-ziplist-value", "1kb", "--list-compress-depth", "1");
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 8, a1, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.list_max_listpack_size, 5);
	CU_ASSERT_EQUAL(cfg.zset_max_listpack_entries, 7);
	CU_ASSERT_EQUAL(cfg.zset_max_listpack_value, 1024);
	CU_ASSERT_EQUAL(cfg.list_compress_depth, 1);
	rw_config_fini(&cfg);
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 0, NULL, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.list_max_listpack_size, -2);
	CU_ASSERT_EQUAL(cfg.zset_max_listpack_entries, 128);
	CU_ASSERT_EQUAL(cfg.zset_max_listpack_value, 64);
	rw_config_fini(&cfg);
}

static void test_config_command_line_errors(void)
{
	char **a1 = ARGV("--port", "x");
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 2, a1, NULL, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "(command line): invalid value 'x' for 'port': must be an "
				    "integer between 0 and 65535");
	char **a2 = ARGV("7000");
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 1, a2, NULL, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "(command line): unexpected argument '7000': options look like "
				    "--port 7000");
	char **a3 = ARGV("--port", "1", "2");
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 3, a3, NULL, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "(command line): wrong number of arguments for 'port'");
	char **a4 = ARGV("--nope", "1");
	CU_ASSERT_EQUAL(rw_config_load(&cfg, NULL, 2, a4, NULL, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "(command line): unknown directive 'nope'");
}

static void test_config_percent_n_expands_after_loading(void)
{
	CU_ASSERT_EQUAL(load("dir /data/%n/x%n\nredwire-name cache-a\n"), 0);
	CU_ASSERT_STRING_EQUAL(cfg.dir, "/data/cache-a/xcache-a");
	CU_ASSERT_STRING_EQUAL(cfg.rw_channel, "/dev/shm/redwire-cache-a.chan");
	CU_ASSERT_STRING_EQUAL(cfg.rw_mgmt_socket, "/run/redwire/cache-a/api.sock");
	rw_config_fini(&cfg);
	/* secrets are never rewritten */
	CU_ASSERT_EQUAL(load("requirepass pw%n\n"), 0);
	CU_ASSERT_STRING_EQUAL(cfg.requirepass, "pw%n");
	rw_config_fini(&cfg);
}

static void test_config_missing_file_is_errno(void)
{
	CU_ASSERT_EQUAL(rw_config_load(&cfg, "/nonexistent/redwire.conf", 0, NULL, NULL, NULL, err,
				       sizeof(err)),
			-ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "cannot read config file '/nonexistent/redwire.conf': No such "
				    "file or directory");
	CU_ASSERT_PTR_NULL(cfg.dir);
}

static void test_config_shipped_redwire_conf_loads_and_equals_defaults(void)
{
	struct rw_config def;
	struct lines warn = {0};
	char a[256], b[256];
	if (shipped_conf == NULL)
		return;
	CU_ASSERT_EQUAL_FATAL(rw_config_load(&def, NULL, 0, NULL, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(
	    rw_config_load(&cfg, shipped_conf, 0, NULL, lines_add, &warn, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(warn.count, 0);
	for (const char *const *n =
		 (const char *const[]){"port", "save", "dir", "maxmemory", "proto-max-bulk-len",
				       "redwire-channel", "redwire-port-device", "bind", NULL};
	     *n != NULL; n++) {
		CU_ASSERT_EQUAL(rw_config_get(&def, *n, a, sizeof(a)), 0);
		CU_ASSERT_EQUAL(rw_config_get(&cfg, *n, b, sizeof(b)), 0);
		CU_ASSERT_STRING_EQUAL(a, b);
	}
	rw_config_fini(&def);
	rw_config_fini(&cfg);
}

const struct rw_test_case config_load_tests[] = {
    RW_TEST(test_config_defaults_without_file),
    RW_TEST(test_config_file_syntax_like_redis_conf),
    RW_TEST(test_config_memory_units_like_memtoull),
    RW_TEST(test_config_invalid_memory_values_rejected),
    RW_TEST(test_config_invalid_values_name_line_directive_and_cause),
    RW_TEST(test_config_enum_values_are_what_the_loader_takes),
    RW_TEST(test_config_unknown_directive_is_an_error),
    RW_TEST(test_config_redis_only_directive_warns_and_is_ignored),
    RW_TEST(test_config_redis_name_table_knows_7_0_directives_and_aliases),
    RW_TEST(test_config_save_lines_accumulate_and_empty_clears),
    RW_TEST(test_config_command_line_overrides_file),
    RW_TEST(test_config_command_line_save_without_value_means_empty),
    RW_TEST(test_config_command_line_errors),
    RW_TEST(test_config_collection_directives_and_aliases),
    RW_TEST(test_config_percent_n_expands_after_loading),
    RW_TEST(test_config_missing_file_is_errno),
    RW_TEST(test_config_shipped_redwire_conf_loads_and_equals_defaults),
    {NULL, NULL},
};
