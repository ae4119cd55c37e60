/*
 * Unit tests for the server and connection commands of dataplane/cmd
 * (AUTH, CLIENT, RESET, CONFIG SET, DEBUG, MEMORY, TIME, LASTSAVE,
 * SHUTDOWN, INFO sections). Replies are compared byte for byte with what
 * stock redis-server 7.0.15 answered to the same sequence
 * (stock_cases_server.inc). Commands run through cmd_call(), which applies
 * NOAUTH and CLIENT REPLY as the dispatcher must.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_harness.h"
#include "store_int.h"

#include "stock_cases_server.inc"

/* The store has no public iterator yet: the test walks its tables. */
static void test_db_foreach(struct store_shard *s, uint32_t db, cmd_key_visit_fn *visit, void *arg)
{
	struct store_db *d = store_db_of(s, db);
	for (int t = 0; t < 2; t++)
		for (uint64_t b = 0; b < d->ht[t].size; b++)
			for (struct store_entry *e = d->ht[t].buckets[b]; e != NULL; e = e->next)
				visit(arg, e->key, e->klen, &e->val, e->expire_at_ms);
}

static void conn_describe(const void *conn, struct cmd_conn_info *out)
{
	(void)conn;
	*out = (struct cmd_conn_info){.peer_ip = 0xc6120001, /* 198.18.0.1 */
				      .peer_port = 40000,
				      .local_ip = 0xc6120002,
				      .local_port = 6379,
				      .qbuf = 26,
				      .qbuf_free = 100,
				      .multi = UINT32_MAX};
}

/* The shared harness plus this file's stand-ins for the dispatcher's hooks. */
static void srv_init(struct harness *h, uint8_t proto, const char *requirepass)
{
	h_init(h, proto, requirepass, 5000);
	h->env.config_file = NULL; /* as the stock server the cases came from */
	h->env.db_foreach = test_db_foreach;
	h->env.conn_describe = conn_describe;
}

static char save_points[] = "3600 1";

/* Cases whose stock reply is a CLIENT LIST/INFO line (addresses, ages
 * of stock's process) are run but not compared. */
/* Lines that carry stock's own ids and addresses (CLIENT LIST/INFO, HELLO's
 * id) are run but not compared; they are checked field by field elsewhere. */
static int skip_ids(const struct cmd_case *c)
{
	return strstr(c->reply, "id=") != NULL || strstr(c->reply, "$2\r\nid\r\n") != NULL;
}

static void run_cases_pass(const struct cmd_case *cases, uint8_t proto, const char *pass)
{
	struct harness h;
	srv_init(&h, proto, pass);
	h_run_cases(&h, cases, skip_ids);
	h_fini(&h);
}

static void test_cmd_auth_with_requirepass_matches_stock(void)
{
	run_cases_pass(auth_pass_cases, RESP_PROTO_2, "sekret");
}

static void test_cmd_auth_without_password_matches_stock(void)
{
	run_cases_pass(auth_nopass_cases, RESP_PROTO_2, "");
}

static void test_cmd_client_subcommands_match_stock(void)
{
	run_cases_pass(client_cases, RESP_PROTO_2, "");
	run_cases_pass(client_resp3_cases, RESP_PROTO_3, "");
}

static void test_cmd_client_reply_off_skip_on_match_stock(void)
{
	run_cases_pass(client_reply_cases, RESP_PROTO_2, "");
}

static void test_cmd_memory_time_lastsave_shutdown_match_stock(void)
{
	run_cases_pass(server_more_cases, RESP_PROTO_2, "");
}

static void test_cmd_debug_digest_and_errors_match_stock(void)
{
	run_cases_pass(debug_cases, RESP_PROTO_2, "");
}

static void test_cmd_config_set_atomic_errors_match_stock(void)
{
	run_cases_pass(config_set_cases, RESP_PROTO_2, "");
}

/* CLIENT INFO prints 7.0.15's fields in order, with the true values. */
static void test_cmd_client_info_fields_in_stock_order(void)
{
	struct harness h;
	srv_init(&h, RESP_PROTO_2, "");
	h_run(&h, "client setname app");
	h_run(&h, "select 2");
	const char *r = h_run(&h, "client info");
	CU_ASSERT(strncmp(r, "$", 1) == 0);
	const char *body = strstr(r, "\r\n") + 2;
	CU_ASSERT_EQUAL((size_t)atoi(r + 1), strlen(body) - 2);
	const char *want = "id=7 addr=198.18.0.1:40000 laddr=198.18.0.2:6379 fd=-1 name=app age=0 "
			   "idle=0 flags=N db=2 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 "
			   "qbuf-free=100 argv-mem=10 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 "
			   "tot-mem=10 events=r cmd=client|info user=default redir=-1 resp=2\n\r\n";
	CU_ASSERT_STRING_EQUAL(body, want);
	h_run(&h, "client no-evict on");
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(&h, "client list"), " flags=e db=2 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(&h, "client list id 7"), " cmd=client|list "));
	CU_ASSERT_STRING_EQUAL(h_run(&h, "client list id 8"), "$0\r\n\r\n");
	h.client.proto = RESP_PROTO_3;
	CU_ASSERT(strncmp(h_run(&h, "client info"), "=", 1) == 0);
	h_fini(&h);
}

/* SETINFO is 7.2's: stock 7.0.15 does not know it, so these texts are 7.2's. */
static void test_cmd_client_setinfo_follows_7_2(void)
{
	struct harness h;
	srv_init(&h, RESP_PROTO_2, "");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "client setinfo lib-name redis-py"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "CLIENT SETINFO LIB-VER 5.0.1"), "+OK\r\n");
	CU_ASSERT_EQUAL(h.client.lib_name_len, 8);
	CU_ASSERT(memcmp(h.client.lib_ver, "5.0.1", 5) == 0);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "client setinfo foo x"),
			       "-ERR Unrecognized option 'foo'\r\n");
	const char *r = h_run(&h, "client setinfo lib-name a\x01");
	CU_ASSERT_STRING_EQUAL(
	    r, "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "client setinfo lib-name"),
			       "-ERR wrong number of arguments for 'client|setinfo' command\r\n");
	h_fini(&h);
}

static void test_cmd_client_name_limit_is_an_error(void)
{
	struct harness h;
	char cmd[128];
	srv_init(&h, RESP_PROTO_2, "");
	snprintf(cmd, sizeof(cmd), "client setname %065d", 0);
	CU_ASSERT_STRING_EQUAL(h_run(&h, cmd),
			       "-ERR Client names longer than 64 bytes are not supported\r\n");
	snprintf(cmd, sizeof(cmd), "client setname %064d", 0);
	CU_ASSERT_STRING_EQUAL(h_run(&h, cmd), "+OK\r\n");
	CU_ASSERT_EQUAL(h.client.name_len, 64);
	h_fini(&h);
}

/* CONFIG SET requirepass takes effect for new and unauthenticated clients;
 * a client accepted before keeps its access, as in Redis. */
static void test_cmd_config_set_requirepass_and_noauth(void)
{
	struct harness h;
	srv_init(&h, RESP_PROTO_2, "");
	const struct cmd_def *get = cmd_lookup((const uint8_t *)"get", 3);
	const struct cmd_def *auth = cmd_lookup((const uint8_t *)"auth", 4);
	CU_ASSERT_FALSE(cmd_auth_required(get, &h.client, &h.env));
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set requirepass pw"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get requirepass"),
			       "*2\r\n$11\r\nrequirepass\r\n$2\r\npw\r\n");
	CU_ASSERT_FALSE(cmd_auth_required(get, &h.client, &h.env));
	struct cmd_client fresh;
	cmd_client_init(&fresh, 9, &h.env, 0);
	CU_ASSERT_TRUE(cmd_auth_required(get, &fresh, &h.env));
	CU_ASSERT_FALSE(cmd_auth_required(auth, &fresh, &h.env));
	CU_ASSERT_STRING_EQUAL(h_run(&h, "reset"), "+RESET\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "get x"), CMD_ERR_NOAUTH);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "auth pw"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "get x"), "$-1\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set requirepass \"\""), "+OK\r\n");
	h_fini(&h);
}

static void test_cmd_config_set_values_reach_readers(void)
{
	struct harness h;
	srv_init(&h, RESP_PROTO_2, "");
	uint64_t g = cmd_rtcfg_generation(h.env.rt);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set maxmemory 1mb proto-max-bulk-len 2mb"),
			       "+OK\r\n");
	CU_ASSERT_EQUAL(cmd_cfg_maxmemory(&h.env), 1 << 20);
	CU_ASSERT_EQUAL(cmd_cfg_proto_max_bulk_len(&h.env), 2 << 20);
	CU_ASSERT_NOT_EQUAL(cmd_rtcfg_generation(h.env.rt), g);
	/* a failing pair leaves every value as it was */
	CU_ASSERT(strncmp(h_run(&h, "config set maxmemory 5mb timeout abc"), "-ERR", 4) == 0);
	CU_ASSERT_EQUAL(cmd_cfg_maxmemory(&h.env), 1 << 20);
	/* the string limit follows proto-max-bulk-len */
	CU_ASSERT_STRING_EQUAL(h_run(&h, "setrange k 2097152 x"),
			       "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set save \"\""), "-ERR CONFIG SET failed "
								  "(possibly related to argument "
								  "'save') - Invalid save "
								  "parameters\r\n");
	h_fini(&h);
}

/* What CONFIG SET tells the control plane (env->config_note). */
static struct {
	int n;
	char text[512];
} notes;

static void note_capture(const struct cmd_ctx *ctx, const char *name, const char *old,
			 const char *value, uint64_t gen)
{
	size_t used = strlen(notes.text);
	(void)ctx;
	(void)gen;
	snprintf(notes.text + used, sizeof(notes.text) - used, "%s:%s->%s;", name, old, value);
	notes.n++;
}

static void test_cmd_config_set_hz_bind_percentiles_and_notes(void)
{
	struct harness h;
	srv_init(&h, RESP_PROTO_2, "");
	/* hz: 0..INT_MAX accepted, clamped to 1..500 (updateHZ()), INFO shows it */
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set hz 0"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get hz"), "*2\r\n$2\r\nhz\r\n$1\r\n1\r\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(&h, "info server"), "\r\nhz:1\r\nconfigured_hz:1\r\n"));
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set hz 1000"), "+OK\r\n");
	CU_ASSERT_EQUAL(cmd_cfg_hz(&h.env), 500);
	/* dynamic-hz (on, as Redis's default): doubled while clients / hz > 200,
	 * at most 500 (7.0.15's serverCron); off: the setting */
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get dynamic-hz"),
			       "*2\r\n$10\r\ndynamic-hz\r\n$3\r\nyes\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set hz 1"), "+OK\r\n");
	CU_ASSERT_EQUAL(cmd_hz_in_force(&h.env, 200), 1);
	CU_ASSERT_EQUAL(cmd_hz_in_force(&h.env, 201), 2);
	CU_ASSERT_EQUAL(cmd_hz_in_force(&h.env, 401), 2);
	CU_ASSERT_EQUAL(cmd_hz_in_force(&h.env, 402), 4);
	CU_ASSERT_EQUAL(cmd_hz_in_force(&h.env, 1000000), 500);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set hz 10"), "+OK\r\n");
	CU_ASSERT_EQUAL(cmd_hz_in_force(&h.env, 10000), 80);
	CU_ASSERT_STRING_EQUAL(
	    h_run(&h, "config set dynamic-hz maybe"),
	    "-ERR CONFIG SET failed (possibly related to argument 'dynamic-hz') - "
	    "argument must be 'yes' or 'no'\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set dynamic-hz no"), "+OK\r\n");
	CU_ASSERT_EQUAL(cmd_hz_in_force(&h.env, 10000), 10);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set dynamic-hz yes"), "+OK\r\n");
	/* bind: the TCP stack's flag follows the verdict on our address */
	CU_ASSERT_TRUE(cmd_cfg_bind_accepts(&h.env));
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set bind 127.0.0.1"), "+OK\r\n");
	CU_ASSERT_FALSE(cmd_cfg_bind_accepts(&h.env));
	CU_ASSERT_EQUAL(atomic_load(cmd_cfg_bind_flag(&h.env)), 0);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set bind *"), "+OK\r\n");
	CU_ASSERT_NOT_EQUAL(atomic_load(cmd_cfg_bind_flag(&h.env)), 0);
	/* percentiles: stored as CONFIG GET shows them (h_run splits at
	 * spaces: one value here; config_set_check.py sends lists) */
	double p[8];
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set latency-tracking-info-percentiles 75.50"),
			       "+OK\r\n");
	CU_ASSERT_EQUAL(cmd_cfg_percentiles(&h.env, p, 8), 1);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config get latency-tracking-info-percentiles"),
			       "*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$4\r\n75.5\r\n");
	/* every directive changed is noted, old -> new; a secret never */
	memset(&notes, 0, sizeof(notes));
	h.env.config_note = note_capture;
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set timeout 7 requirepass pw"), "+OK\r\n");
	CU_ASSERT_EQUAL(notes.n, 2);
	CU_ASSERT_STRING_EQUAL(notes.text, "timeout:0->7;requirepass:(redacted)->(redacted);");
	CU_ASSERT(strncmp(h_run(&h, "config set timeout abc"), "-ERR", 4) == 0);
	CU_ASSERT_EQUAL(notes.n, 2); /* a refused CONFIG SET changes nothing, tells nothing */
	h_fini(&h);
}

static void test_cmd_shutdown_sets_flag_without_reply(void)
{
	struct harness h;
	srv_init(&h, RESP_PROTO_2, "");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "shutdown nosave"), "");
	CU_ASSERT_TRUE(h.ctx.shutdown_requested);
	h.ctx.shutdown_requested = false;
	h.cfg.save = save_points;
	/* the runtime config owns the ACL users: the client lets go of its user
	 * before it goes and takes the new default user after */
	cmd_client_fini(&h.client, &h.env);
	cmd_rtcfg_destroy(&h.env.rt);
	h.env.rt = cmd_rtcfg_create(&h.cfg);
	cmd_client_init(&h.client, 7, &h.env, h_unix_ms());
	CU_ASSERT_STRING_EQUAL(h_run(&h, "shutdown"),
			       "-ERR Errors trying to SHUTDOWN. Check logs.\r\n");
	CU_ASSERT_FALSE(h.ctx.shutdown_requested);
	/* NOW skips waiting for replicas, not the save */
	CU_ASSERT_STRING_EQUAL(h_run(&h, "shutdown now"),
			       "-ERR Errors trying to SHUTDOWN. Check logs.\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "shutdown force"), "");
	CU_ASSERT_TRUE(h.ctx.shutdown_requested);
	h_fini(&h);
}

static void test_cmd_time_and_lastsave(void)
{
	struct harness h;
	srv_init(&h, RESP_PROTO_2, "");
	char want[64];
	snprintf(want, sizeof(want), ":%llu\r\n", (unsigned long long)(h.env.start_unix_ms / 1000));
	CU_ASSERT_STRING_EQUAL(h_run(&h, "lastsave"), want);
	const char *r = h_run(&h, "time");
	CU_ASSERT(strncmp(r, "*2\r\n$10\r\n", 9) == 0);
	CU_ASSERT_EQUAL(strtoull(r + 9, NULL, 10), h.ctx.now_ms / 1000);
	h_fini(&h);
}

/* Section headers of INFO everything, in stock 7.0.15's order. */
static void test_cmd_info_sections_in_stock_order(void)
{
	static const char *const heads[] = {
	    "# Server",	      "# Clients", "# Memory",	 "# Persistence",  "# Stats",
	    "# Replication",  "# CPU",	   "# Modules",	 "# Commandstats", "# Errorstats",
	    "# Latencystats", "# Cluster", "# Keyspace",
	};
	struct harness h;
	srv_init(&h, RESP_PROTO_2, "");
	h_run(&h, "set a 1");
	h_run(&h, "set b 1 ex 100");
	h_run(&h, "get a");
	h_run(&h, "get nope");
	const char *r = h_run(&h, "info everything");
	const char *p = r;
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		const char *q = strstr(p, heads[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(q);
		p = q;
	}
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(r, "\r\n\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "\r\nkeyspace_hits:1\r\nkeyspace_misses:1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "\r\n# Modules\r\n\r\n# Commandstats\r\ncmdstat_get:"));
	/* default leaves out commandstats and latencystats */
	r = h_run(&h, "info");
	CU_ASSERT_PTR_NULL(strstr(r, "# Commandstats"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "# Errorstats"));
	CU_ASSERT_STRING_EQUAL(h_run(&h, "info cluster"),
			       "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n");
	/* RESETSTAT: counters start again from the moment of the reset */
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config resetstat"), "+OK\r\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(&h, "info stats"), "\r\nkeyspace_hits:0\r\n"));
	h_fini(&h);
}

/*
 * INFO commandstats and errorstats after refusals (unknown command and
 * subcommand: no command counts; arity of a command, of a container, of a
 * subcommand: its rejected_calls) and failures (ran, replied an error), as
 * 7.0.15 counts them (the integration test cmdstats_check.py compares with
 * a stock server); CONFIG RESETSTAT starts them again, LATENCY HISTOGRAM too.
 */
static void test_cmd_info_commandstats_and_errorstats(void)
{
	struct harness h;
	srv_init(&h, RESP_PROTO_2, "");
	static const char *const script[] = {
	    "get",     "config get", "config", "config nosuch", "nosuch x",
	    "set k v", "lpush k x",  "incr k", "get k",		"object help",
	};
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++)
		h_run(&h, script[i]);
	const char *r = h_run(&h, "info commandstats");
	static const char want[] =
	    "# Commandstats\r\n"
	    "cmdstat_config:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0\r\n"
	    "cmdstat_config|get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls="
	    "0\r\n"
	    "cmdstat_get:calls=1,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0\r\n"
	    "cmdstat_incr:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=1\r\n"
	    "cmdstat_lpush:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=1\r\n"
	    "cmdstat_object|help:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls="
	    "0\r\n"
	    "cmdstat_set:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0\r\n";
	CU_ASSERT_PTR_NOT_NULL(strstr(r, want));
	if (strstr(r, want) == NULL)
		h_print_escaped("commandstats", r);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "info errorstats"),
			       "$66\r\n# Errorstats\r\nerrorstat_ERR:count=6\r\n"
			       "errorstat_WRONGTYPE:count=1\r\n\r\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(&h, "info stats"), "\r\ntotal_error_replies:7\r\n"));
	/* the latency histograms count the calls that ran */
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(&h, "latency histogram incr"), "calls\r\n:1\r\n"));
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config resetstat"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "info errorstats"), "$14\r\n# Errorstats\r\n\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "latency histogram incr"), "*0\r\n");
	h_run(&h, "incr k");
	r = h_run(&h, "info commandstats");
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "# Commandstats\r\n"
					 "cmdstat_config|resetstat:calls=1,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "\r\ncmdstat_incr:calls=1,usec=0,usec_per_call=0.00,"
					 "rejected_calls=0,failed_calls=1\r\n"));
	CU_ASSERT_PTR_NULL(strstr(r, "cmdstat_get:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(&h, "info stats"), "\r\ntotal_error_replies:1\r\n"));
	h_fini(&h);
}

/* Digests combine across shards exactly as one server computes them. */
static void test_cmd_digest_combines_across_shards(void)
{
	struct harness h;
	srv_init(&h, RESP_PROTO_2, "");
	static const char *const keys[] = {"a", "b", "c", "d"};
	for (int i = 0; i < 4; i++)
		store_set(h.shard, (uint32_t)i % 2, keys[i], 1, "v", 1, STORE_NO_EXPIRE, 0);
	const char *whole = h_run(&h, "debug digest");
	char want[64];
	snprintf(want, sizeof(want), "%s", whole);
	struct store_shard *s1 = store_shard_create(1, 16), *s2 = store_shard_create(2, 16);
	for (int i = 0; i < 4; i++)
		store_set(i < 2 ? s1 : s2, (uint32_t)i % 2, keys[i], 1, "v", 1, STORE_NO_EXPIRE, 0);
	uint8_t final[20] = {0};
	for (uint32_t db = 0; db < 16; db++) {
		uint8_t x1[20], x2[20], x[20];
		bool any = cmd_digest_db(s1, &h.env, db, x1);
		any |= cmd_digest_db(s2, &h.env, db, x2);
		for (int i = 0; i < 20; i++)
			x[i] = x1[i] ^ x2[i];
		if (any)
			cmd_digest_mix_db(final, db, x);
	}
	char got[64] = "+";
	for (int i = 0; i < 20; i++)
		snprintf(got + 1 + 2 * i, 3, "%02x", final[i]);
	strcat(got, "\r\n");
	CU_ASSERT_STRING_EQUAL(got, want);
	store_shard_destroy(&s1);
	store_shard_destroy(&s2);
	h_fini(&h);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_cmd_config_set_hz_bind_percentiles_and_notes),
	    RW_TEST(test_cmd_auth_with_requirepass_matches_stock),
	    RW_TEST(test_cmd_auth_without_password_matches_stock),
	    RW_TEST(test_cmd_client_subcommands_match_stock),
	    RW_TEST(test_cmd_client_reply_off_skip_on_match_stock),
	    RW_TEST(test_cmd_memory_time_lastsave_shutdown_match_stock),
	    RW_TEST(test_cmd_debug_digest_and_errors_match_stock),
	    RW_TEST(test_cmd_config_set_atomic_errors_match_stock),
	    RW_TEST(test_cmd_client_info_fields_in_stock_order),
	    RW_TEST(test_cmd_client_setinfo_follows_7_2),
	    RW_TEST(test_cmd_client_name_limit_is_an_error),
	    RW_TEST(test_cmd_config_set_requirepass_and_noauth),
	    RW_TEST(test_cmd_config_set_values_reach_readers),
	    RW_TEST(test_cmd_shutdown_sets_flag_without_reply),
	    RW_TEST(test_cmd_time_and_lastsave),
	    RW_TEST(test_cmd_info_sections_in_stock_order),
	    RW_TEST(test_cmd_info_commandstats_and_errorstats),
	    RW_TEST(test_cmd_digest_combines_across_shards),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("cmd_server", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
