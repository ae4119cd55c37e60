/*
 * Unit tests for dataplane/cmd: commands run through cmd_call() on a real
 * store shard, replies compared byte for byte with what stock
 * redis-server 7.0.15 answered to the same sequence (stock_cases.inc,
 * stock_meta.inc).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_harness.h"

#include "stock_cases.inc"
#include "stock_meta.inc"
#include "stock_cases_strings.inc"

static void run_cases(const struct cmd_case *cases, uint8_t proto)
{
	struct harness h;
	h_init(&h, proto, "", 90061000); /* started 1 day, 1 h, 1 min, 1 s ago */
	h_run_cases(&h, cases, NULL);
	h_fini(&h);
}

static void test_cmd_set_options_and_errors_match_stock(void)
{
	run_cases(set_cases, RESP_PROTO_2);
}

static void test_cmd_incr_overflow_and_non_integer_match_stock(void)
{
	run_cases(incr_cases, RESP_PROTO_2);
}

static void test_cmd_del_exists_dbsize_match_stock(void)
{
	run_cases(keyspace_cases, RESP_PROTO_2);
}

static void test_cmd_server_arity_unknown_select_match_stock(void)
{
	run_cases(server_cases, RESP_PROTO_2);
}

static void test_cmd_resp3_nulls_and_maps_match_stock(void)
{
	run_cases(resp3_cases, RESP_PROTO_3);
}

static void test_cmd_command_info_docs_match_stock(void)
{
	run_cases(meta_cases, RESP_PROTO_2);
	run_cases(meta3_cases, RESP_PROTO_3);
}

static void test_cmd_string_family_matches_stock(void)
{
	run_cases(string_cases, RESP_PROTO_2);
}

static void test_cmd_incr_decr_incrbyfloat_match_stock(void)
{
	run_cases(incr_more_cases, RESP_PROTO_2);
}

static void test_cmd_setbit_getbit_bitcount_bitpos_match_stock(void)
{
	run_cases(bitmap_cases, RESP_PROTO_2);
}

static void test_cmd_bitfield_overflow_and_errors_match_stock(void)
{
	run_cases(bitfield_cases, RESP_PROTO_2);
}

static void test_cmd_expire_ttl_persist_match_stock(void)
{
	run_cases(expire_cases, RESP_PROTO_2);
}

static void test_cmd_type_touch_unlink_object_match_stock(void)
{
	run_cases(keyspace_more_cases, RESP_PROTO_2);
}

static void test_cmd_string_family_resp3_matches_stock(void)
{
	run_cases(strings_resp3_cases, RESP_PROTO_3);
}

/* The journal sees a write only when the store counted a change. */
static void test_cmd_dirty_counts_only_applied_changes(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 90061000);
	static const struct {
		const char *cmd;
		uint32_t dirty;
	} steps[] = {
	    {"setnx k 1", 1},
	    {"setnx k 1", 0},
	    {"append k 2", 1},
	    {"getrange k 0 -1", 0},
	    {"expire k 100", 1},
	    {"expire k 100 nx", 0},
	    {"persist k", 1},
	    {"persist k", 0},
	    {"setbit b 1 1", 1},
	    {"setbit b 1 1", 0},
	    {"setbit b 1 0", 1},
	    {"touch k b", 0},
	    {"bitfield b set u8 0 0", 0},
	    {"bitfield b set u8 8 1", 1},
	    {"getex k", 0},
	    {"getex k ex 10", 1},
	    {"getdel k", 1},
	    {"getdel k", 0},
	    {"unlink b k", 1},
	    {"incrbyfloat f 1", 1},
	    {"incrbyfloat f x", 0},
	    {"expire f -1", 1},
	    {"exists f", 0},
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		h.ctx.dirty = 0;
		h_run(&h, steps[i].cmd);
		if (h.ctx.dirty != steps[i].dirty)
			fprintf(stderr, "\n  %s: dirty %u want %u\n", steps[i].cmd, h.ctx.dirty,
				steps[i].dirty);
		CU_ASSERT_EQUAL(h.ctx.dirty, steps[i].dirty);
	}
	h_fini(&h);
}

/* OBJECT IDLETIME counts whole seconds since the last read or write. */
static void test_cmd_object_idletime_follows_access(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 90061000);
	h_run(&h, "set k v");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "object idletime k"), ":0\r\n");
	uint64_t t0 = h.ctx.now_ms;
	struct store_obj *o = store_lookup(h.shard, 0, "k", 1, t0, STORE_LOOKUP_NOTOUCH);
	CU_ASSERT_EQUAL(store_obj_idle_s(o, t0 + 5000), 5);
	/* NOTOUCH lookups (TTL, TYPE, EXISTS, OBJECT) leave the clock alone */
	store_lookup(h.shard, 0, "k", 1, t0 + 5000, STORE_LOOKUP_NOTOUCH);
	CU_ASSERT_EQUAL(store_obj_idle_s(o, t0 + 7000), 7);
	store_lookup(h.shard, 0, "k", 1, t0 + 7000, 0);
	CU_ASSERT_EQUAL(store_obj_idle_s(o, t0 + 7000), 0);
	h_fini(&h);
}

static void test_cmd_command_count_equals_table_size(void)
{
	struct harness h;
	size_t n;
	char want[32];
	cmd_table(&n);
	h_init(&h, RESP_PROTO_2, "", 90061000);
	snprintf(want, sizeof(want), ":%zu\r\n", n);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "command count"), want);
	snprintf(want, sizeof(want), "*%zu\r\n", n);
	CU_ASSERT(strncmp(h_run(&h, "command"), want, strlen(want)) == 0);
	CU_ASSERT(strncmp(h_run(&h, "COMMAND INFO"), want, strlen(want)) == 0);
	h_fini(&h);
}

static void test_cmd_table_sorted_and_metadata_consistent(void)
{
	size_t n;
	const struct cmd_def *t = cmd_table(&n);
	for (size_t i = 0; i < n; i++) {
		char head[64];
		if (i > 0)
			CU_ASSERT(strcmp(t[i - 1].name, t[i].name) < 0);
		/* the captured COMMAND INFO entry names this command with this arity */
		snprintf(head, sizeof(head), "*10\r\n$%zu\r\n%s\r\n:%d\r\n", strlen(t[i].name),
			 t[i].name, t[i].arity);
		CU_ASSERT(strncmp(t[i].meta_info, head, strlen(head)) == 0);
		CU_ASSERT_PTR_EQUAL(cmd_lookup((const uint8_t *)t[i].name, strlen(t[i].name)),
				    &t[i]);
		for (uint32_t k = 1; k < t[i].n_subcmds; k++)
			CU_ASSERT(strcmp(t[i].subcmds[k - 1].name, t[i].subcmds[k].name) < 0);
	}
	CU_ASSERT_PTR_NOT_NULL(cmd_lookup((const uint8_t *)"GeT", 3));
	CU_ASSERT_PTR_NULL(cmd_lookup((const uint8_t *)"ge", 2));
	CU_ASSERT_PTR_NULL(cmd_lookup((const uint8_t *)"", 0));
}

static void test_cmd_quit_sets_close_after_reply(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 90061000);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "quit"), "+OK\r\n");
	CU_ASSERT_EQUAL(h.client.close_after_reply, 1);
	h_fini(&h);
}

static void test_cmd_select_switches_db_and_writes_count_dirty(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 90061000);
	h_run(&h, "set a 1");
	CU_ASSERT_EQUAL(h.ctx.dirty, 1);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "select 3"), "+OK\r\n");
	CU_ASSERT_EQUAL(h.client.db, 3);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "get a"), "$-1\r\n");
	h_run(&h, "incr a");
	h_run(&h, "del a nope");
	h_run(&h, "set a 1 nx");
	h_run(&h, "set a 1 nx"); /* not applied: not dirty */
	CU_ASSERT_EQUAL(h.ctx.dirty, 4);
	CU_ASSERT_EQUAL(store_db_size(h.shard, 0), 1);
	CU_ASSERT_EQUAL(store_db_size(h.shard, 3), 1);
	h_fini(&h);
}

static void test_cmd_set_ex_sets_expiry_and_incr_keeps_it(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 90061000);
	h_run(&h, "set n 5 ex 100");
	int64_t at = store_get_expire(h.shard, 0, "n", 1);
	CU_ASSERT(at > (int64_t)h.ctx.now_ms + 99000 && at <= (int64_t)h.ctx.now_ms + 100000);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "incr n"), ":6\r\n");
	CU_ASSERT_EQUAL(store_get_expire(h.shard, 0, "n", 1), at);
	h_run(&h, "set n 7 keepttl");
	CU_ASSERT_EQUAL(store_get_expire(h.shard, 0, "n", 1), at);
	h_run(&h, "set n 8");
	CU_ASSERT_EQUAL(store_get_expire(h.shard, 0, "n", 1), STORE_NO_EXPIRE);
	h_run(&h, "set n 8 pxat 99999999999999");
	CU_ASSERT_EQUAL(store_get_expire(h.shard, 0, "n", 1), 99999999999999);
	h_fini(&h);
}

/* The field names stock 7.0.15 prints in INFO's server section, in order. */
static const char *const stock_server_fields[] = {
    "redis_version",
    "redis_git_sha1",
    "redis_git_dirty",
    "redis_build_id",
    "redis_mode",
    "os",
    "arch_bits",
    "monotonic_clock",
    "multiplexing_api",
    "atomicvar_api",
    "gcc_version",
    "process_id",
    "process_supervised",
    "run_id",
    "tcp_port",
    "server_time_usec",
    "uptime_in_seconds",
    "uptime_in_days",
    "hz",
    "configured_hz",
    "lru_clock",
    "executable",
    "config_file",
    "io_threads_active",
    "redwire_version", /* ours, last */
};

static void test_cmd_info_server_has_stock_fields_in_order(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 90061000);
	const char *r = h_run(&h, "info");
	const char *body = strstr(r, "\r\n") + 2;
	CU_ASSERT(strncmp(body, "# Server\r\n", 10) == 0);
	const char *p = body + 10;
	for (size_t i = 0; i < sizeof(stock_server_fields) / sizeof(stock_server_fields[0]); i++) {
		size_t n = strlen(stock_server_fields[i]);
		CU_ASSERT_FATAL(strncmp(p, stock_server_fields[i], n) == 0 && p[n] == ':');
		p = strstr(p, "\r\n");
		CU_ASSERT_FATAL(p != NULL);
		p += 2;
	}
	CU_ASSERT(strncmp(p, "\r\n# Clients\r\n", 13) == 0); /* sections are CRLF-separated */
	CU_ASSERT_EQUAL((size_t)atoi(r + 1), strlen(body) - 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\r\nredis_version:7.0.15\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\r\nmultiplexing_api:dpdk\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\r\nprocess_id:4242\r\n"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(body, "\r\nrun_id:0123456789abcdef0123456789abcdef01234567\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\r\ntcp_port:6379\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\r\nuptime_in_seconds:90061\r\nuptime_in_days:1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\r\nexecutable:/usr/bin/redwire-dataplane\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\r\nconfig_file:/etc/redwire/redwire.conf\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\r\nredwire_version:" RW_VERSION "\r\n"));
	/* section selection */
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(&h, "info clients default"), "\r\n# Keyspace\r\n"));
	CU_ASSERT_PTR_NULL(strstr(h_run(&h, "INFO Server"), "# Clients"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(&h, "info everything"), "\r\n# Commandstats\r\n"));
	CU_ASSERT_STRING_EQUAL(h_run(&h, "info nosuch"), "$0\r\n\r\n");
	h.client.proto = RESP_PROTO_3;
	CU_ASSERT(strncmp(h_run(&h, "info server"), "=", 1) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(&h, "info server"), "\r\ntxt:# Server\r\n"));
	h_fini(&h);
}

static void test_cmd_config_get_globs_exact_names_and_dedup(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 90061000);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get port"), "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n");
	/* an exact name is echoed as typed, once (stock 7.0.15: "*2 $4 PORT $5 <port>") */
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get PORT port"),
			       "*2\r\n$4\r\nPORT\r\n$4\r\n6379\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get DATA*"),
			       "*2\r\n$9\r\ndatabases\r\n$2\r\n16\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get nosuch"), "*0\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get p?rt dat[a-b]bases port"),
			       "*4\r\n$4\r\nport\r\n$4\r\n6379\r\n$9\r\ndatabases\r\n$2\r\n16\r\n");
	/* port cannot change at run time in Redwire */
	CU_ASSERT_STRING_EQUAL(
	    h_run(&h, "config set port 1"),
	    "-ERR CONFIG SET failed (possibly related to argument 'port') - can't "
	    "set immutable config\r\n");
	/* CONFIG REWRITE: a file of this test's own; without one, Redis's error */
	char path[] = "/tmp/rw_test_cfgrw_XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, "# kept\ntimeout 5\ntimeout 6\n", 27) == 27);
	close(fd);
	h.env.config_file = path;
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set timeout 7"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "Config rewrite"), "+OK\r\n");
	char got[4096] = {0};
	FILE *f = fopen(path, "r");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(fread(got, 1, sizeof(got) - 1, f) > 0);
	fclose(f);
	unlink(path);
	CU_ASSERT(strncmp(got, "# kept\ntimeout 7\n\n", 18) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "\n# Generated by CONFIG REWRITE\n"));
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set timeout 0"), "+OK\r\n");
	h.env.config_file = "";
	CU_ASSERT_STRING_EQUAL(h_run(&h, "Config rewrite"),
			       "-ERR The server is running without a config file\r\n");
	h.client.proto = RESP_PROTO_3;
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get port"), "%1\r\n$4\r\nport\r\n$4\r\n6379\r\n");
	CU_ASSERT(strncmp(h_run(&h, "config help"), "*11\r\n+CONFIG <subcommand>", 25) == 0);
	h_fini(&h);
}

static void test_cmd_command_list_filters(void)
{
	struct harness h;
	h_init(&h, RESP_PROTO_2, "", 90061000);
	const char *r = h_run(&h, "command list filterby pattern co*"); /* command config copy */
	CU_ASSERT(strncmp(r, "*15\r\n$7\r\ncommand\r\n$13\r\ncommand|count\r\n", 36) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "$10\r\nconfig|set\r\n"));
	r = h_run(&h, "command list filterby aclcat CONNECTION");
	/* command + 7 subcommands, auth, 13 client subcommands, echo hello ping quit reset select
	 */
	CU_ASSERT(strncmp(r, "*28\r\n", 5) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "$6\r\nselect\r\n"));
	CU_ASSERT_PTR_NULL(strstr(r, "config"));
	size_t n;
	cmd_table(&n);
	r = h_run(&h, "command list");
	CU_ASSERT_EQUAL(
	    atoi(r + 1),
	    (int)n + 7 + 5 + 5 + 13 + 6 + 6 + 4 + 7 +
		13); /* names, COMMAND/CONFIG/OBJECT/CLIENT/MEMORY/PUBSUB/SLOWLOG/LATENCY/ACL
		       subcommands */
	CU_ASSERT_STRING_EQUAL(h_run(&h, "command help x"),
			       "-ERR wrong number of arguments for 'command|help' command\r\n");
	CU_ASSERT(strncmp(h_run(&h, "command help"), "*21\r\n+COMMAND <subcommand>", 26) == 0);
	h_fini(&h);
}

void test_cmd_glob_matches_like_redis(void);	    /* test_cmd_glob.c */
void test_cmd_hist_bucket_matches_hdr_levels(void); /* test_cmd_diag.c */
void test_cmd_err_name_as_after_error_reply(void);
void test_cmd_cmdstat_line_divides_as_float(void);
void test_cmd_errorstats_merge_sort_and_reset(void);

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_cmd_set_options_and_errors_match_stock),
	    RW_TEST(test_cmd_incr_overflow_and_non_integer_match_stock),
	    RW_TEST(test_cmd_del_exists_dbsize_match_stock),
	    RW_TEST(test_cmd_server_arity_unknown_select_match_stock),
	    RW_TEST(test_cmd_resp3_nulls_and_maps_match_stock),
	    RW_TEST(test_cmd_command_info_docs_match_stock),
	    RW_TEST(test_cmd_string_family_matches_stock),
	    RW_TEST(test_cmd_incr_decr_incrbyfloat_match_stock),
	    RW_TEST(test_cmd_setbit_getbit_bitcount_bitpos_match_stock),
	    RW_TEST(test_cmd_bitfield_overflow_and_errors_match_stock),
	    RW_TEST(test_cmd_expire_ttl_persist_match_stock),
	    RW_TEST(test_cmd_type_touch_unlink_object_match_stock),
	    RW_TEST(test_cmd_string_family_resp3_matches_stock),
	    RW_TEST(test_cmd_dirty_counts_only_applied_changes),
	    RW_TEST(test_cmd_object_idletime_follows_access),
	    RW_TEST(test_cmd_command_count_equals_table_size),
	    RW_TEST(test_cmd_table_sorted_and_metadata_consistent),
	    RW_TEST(test_cmd_quit_sets_close_after_reply),
	    RW_TEST(test_cmd_select_switches_db_and_writes_count_dirty),
	    RW_TEST(test_cmd_set_ex_sets_expiry_and_incr_keeps_it),
	    RW_TEST(test_cmd_info_server_has_stock_fields_in_order),
	    RW_TEST(test_cmd_config_get_globs_exact_names_and_dedup),
	    RW_TEST(test_cmd_command_list_filters),
	    RW_TEST(test_cmd_glob_matches_like_redis),
	    RW_TEST(test_cmd_hist_bucket_matches_hdr_levels),
	    RW_TEST(test_cmd_err_name_as_after_error_reply),
	    RW_TEST(test_cmd_cmdstat_line_divides_as_float),
	    RW_TEST(test_cmd_errorstats_merge_sort_and_reset),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("cmd_replies", NULL, NULL, tests) != 0 ||
	    rw_test_add_suite("cmd_dump", NULL, NULL, cmd_dump_tests) != 0)
		return 1;
	return rw_test_run();
}
