/*
 * The channel consumer (control/core) against a real channel file, with
 * this test playing the dataplane: journal records are consumed and made
 * durable, PING and INFO requests are answered, the control plane's own
 * PINGs arrive, a re-created channel (new epoch) is followed, and the API
 * reports what the channel holds.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api_route.h"
#include "cp_chan.h"
#include "cp_loop.h"
#include "test_cpapi.h"

static char path[128];
static const struct chan_sizes sizes = {.journal_bytes = 1 << 14, .msg_bytes = 1 << 12};

static void stop_timer(struct cp_loop *l, void *arg)
{
	(void)arg;
	cp_loop_stop(l);
}

static void run_for(struct cp_loop *l, uint64_t ms)
{
	int id = cp_timer_add(l, ms, stop_timer, NULL);
	CU_ASSERT_FATAL(id > 0);
	CU_ASSERT_EQUAL(cp_loop_run(l), 0);
	cp_timer_del(l, id);
}

static uint64_t unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Play the dataplane: records on worker 0, requests on worker 1. */
static void dp_produce(struct chan *dp)
{
	for (int i = 0; i < 100; i++) {
		struct chan_part part = {"*1\r\n$4\r\nINCR\r\n", 14};
		CU_ASSERT_EQUAL(chan_jrnl_append(dp, 0, CHAN_REC_COMMAND, 0, &part, 1, NULL), 0);
	}
	chan_jrnl_publish(dp, 0);
	CU_ASSERT_EQUAL(chan_msg_send(dp, 1, CHAN_TO_CP, CHAN_MSG_PING, 7, "abc", 3), 0);
	CU_ASSERT_EQUAL(chan_msg_send(dp, 1, CHAN_TO_CP, CHAN_MSG_INFO_REQ, 8, "Persistence", 11),
			0);
	CU_ASSERT_EQUAL(chan_msg_send(dp, 1, CHAN_TO_CP, CHAN_MSG_INFO_REQ, 9, "nosuch", 6), 0);
	chan_stats(dp, 0)->commands = 5;
	chan_stats(dp, 1)->commands = 6;
	chan_stats(dp, 1)->tcp_conns_current = 2;
}

static void dp_check_replies(struct chan *dp)
{
	struct chan_msg m;
	CU_ASSERT_EQUAL_FATAL(chan_msg_recv(dp, 1, CHAN_TO_DP, &m), 0);
	CU_ASSERT_EQUAL(m.type, CHAN_MSG_PONG);
	CU_ASSERT_EQUAL(m.id, 7);
	CU_ASSERT(m.len == 3 && memcmp(m.payload, "abc", 3) == 0);
	chan_msg_release(dp, 1, CHAN_TO_DP, &m);
	CU_ASSERT_EQUAL_FATAL(chan_msg_recv(dp, 1, CHAN_TO_DP, &m), 0);
	CU_ASSERT_EQUAL(m.type, CHAN_MSG_INFO_REPLY);
	CU_ASSERT_EQUAL(m.id, 8);
	CU_ASSERT(m.len > 15 && memcmp(m.payload, "# Persistence\r\nloading:0\r\n", 26) == 0);
	chan_msg_release(dp, 1, CHAN_TO_DP, &m);
	CU_ASSERT_EQUAL_FATAL(chan_msg_recv(dp, 1, CHAN_TO_DP, &m), 0);
	CU_ASSERT_EQUAL(m.type, CHAN_MSG_INFO_REPLY);
	CU_ASSERT_EQUAL(m.id, 9);
	CU_ASSERT_EQUAL(m.len, 0);
	chan_msg_release(dp, 1, CHAN_TO_DP, &m);
}

static void check_api_status(struct cp_chan *cpc)
{
	struct api_ctx ctx = {.name = "t", .start_mono_ms = cp_now_ms(), .chan = cpc};
	struct api_resp resp;
	api_route(&ctx, "GET", "/v1/status", &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	json_t *j = json_loadb(resp.body, resp.len, 0, NULL);
	api_resp_fini(&resp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "workers")), 2);
	json_t *tot = json_object_get(j, "totals");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(tot, "commands")), 11);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(tot, "connections_current")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(tot, "journal_records_consumed")), 100);
	CU_ASSERT(json_is_true(json_object_get(json_object_get(j, "dataplane"), "alive")));
	json_decref(j);
	api_route(&ctx, "GET", "/v1/health/ready", &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	api_resp_fini(&resp);
}

/* /metrics with a live channel: one sample per worker for every counter. */
static void check_api_metrics(struct cp_chan *cpc)
{
	struct api_ctx ctx = {.name = "t", .start_mono_ms = cp_now_ms(), .chan = cpc};
	struct api_resp resp;
	api_route(&ctx, "GET", "/metrics", &resp);
	CU_ASSERT_EQUAL_FATAL(resp.status, 200);
	char why[256] = "";
	int n = test_cpapi_prom_check(resp.body, why, sizeof(why));
	if (n < 0)
		fprintf(stderr, "\n%s\n", why);
	CU_ASSERT(n >= 2 * (int)chan_worker_stat_count);
	double v = -1;
	CU_ASSERT(
	    test_cpapi_prom_sample(resp.body, "redwire_worker_commands_total{worker=\"0\"}", &v) &&
	    v == 5);
	CU_ASSERT(
	    test_cpapi_prom_sample(resp.body, "redwire_worker_commands_total{worker=\"1\"}", &v) &&
	    v == 6);
	CU_ASSERT(test_cpapi_prom_sample(resp.body,
					 "redwire_worker_tcp_conns_current{worker=\"1\"}", &v) &&
		  v == 2);
	CU_ASSERT(test_cpapi_prom_sample(resp.body, "redwire_dataplane_up", &v) && v == 1);
	CU_ASSERT(test_cpapi_prom_sample(resp.body,
					 "redwire_control_journal_records_consumed_total", &v) &&
		  v == 100);
	CU_ASSERT_PTR_NOT_NULL(strstr(resp.body, "# HELP redwire_worker_fwd_sent_total "
						 "commands forwarded to another worker\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(resp.body, "# TYPE redwire_worker_keys gauge\n"));
	api_resp_fini(&resp);
}

/*
 * /metrics' whole-appliance families from the workers' blocks: memory is
 * summed, maxmemory and the snapshot state are worker 0's and are not
 * written per worker, gauges and counters are typed by what they count.
 */
static void check_api_metrics_memory(struct cp_chan *cpc, struct chan *dp)
{
	struct chan_worker_stats *w0 = chan_stats(dp, 0), *w1 = chan_stats(dp, 1);
	w0->used_memory = 1000;
	w1->used_memory = 2000;
	w0->maxmemory = w1->maxmemory = 4096;
	w0->dirty = 30;
	w1->dirty = 12;
	w0->rdb_dirty_saved = 40;
	w0->rdb_saves = 3;
	w0->rdb_last_save_failed = 1;
	w0->rdb_last_save_unix = 1700000000;
	w1->evicted_keys = 7;
	struct api_ctx ctx = {.name = "t", .start_mono_ms = cp_now_ms(), .chan = cpc};
	struct api_resp resp;
	api_route(&ctx, "GET", "/metrics", &resp);
	CU_ASSERT_EQUAL_FATAL(resp.status, 200);
	char why[256] = "";
	CU_ASSERT(test_cpapi_prom_check(resp.body, why, sizeof(why)) > 0);
	static const struct {
		const char *sample;
		double v;
	} want[] = {
	    {"redwire_memory_used_bytes", 3000},
	    {"redwire_memory_max_bytes", 4096},
	    {"redwire_worker_used_memory_bytes{worker=\"1\"}", 2000},
	    {"redwire_worker_evicted_keys_total{worker=\"1\"}", 7},
	    {"redwire_rdb_changes_since_last_save", 2},
	    {"redwire_rdb_saves_total", 3},
	    {"redwire_rdb_last_save_ok", 0},
	    {"redwire_rdb_last_save_timestamp_seconds", 1700000000},
	    {"redwire_aof_enabled", 0}, /* no sink bound: appendonly no */
	    {"redwire_replication_role{role=\"master\"}", 1},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		double v = -1;
		bool found = test_cpapi_prom_sample(resp.body, want[i].sample, &v);
		if (!found || v != want[i].v)
			fprintf(stderr, "\n%s: %g, expected %g\n", want[i].sample, v, want[i].v);
		CU_ASSERT(found && v == want[i].v);
	}
	CU_ASSERT_PTR_NULL(strstr(resp.body, "redwire_worker_maxmemory"));
	CU_ASSERT_PTR_NULL(strstr(resp.body, "redwire_worker_rdb_"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(resp.body, "# TYPE redwire_worker_used_memory_bytes gauge\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(resp.body, "# TYPE redwire_worker_mbufs_in_use gauge\n"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(resp.body, "# TYPE redwire_worker_keyspace_hits_total counter\n"));
	api_resp_fini(&resp);
}

/* GET /v1/appliance's placement: null until the dataplane publishes it, then
 * each worker's lcore, CPU and node as published, "local" false when a worker
 * is off the port's node. */
static json_t *appliance_placement(struct cp_chan *cpc)
{
	struct api_ctx ctx = {.name = "t", .start_mono_ms = cp_now_ms(), .chan = cpc};
	struct api_resp resp;
	api_route(&ctx, "GET", "/v1/appliance", &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	json_t *j = json_loadb(resp.body, resp.len, 0, NULL);
	api_resp_fini(&resp);
	json_t *p = json_incref(json_object_get(j, "placement"));
	json_decref(j);
	return p;
}

static void check_api_placement(struct cp_chan *cpc, struct chan *dp)
{
	json_t *p = appliance_placement(cpc);
	CU_ASSERT(json_is_null(p));
	json_decref(p);
	struct chan_dp_place place = {
	    .n_placed = 2,
	    .port_node = 0,
	    .worker = {{.lcore = 1, .cpu = 3, .node = 0}, {.lcore = 2, .cpu = 9, .node = 1}}};
	chan_place_set(dp, &place);
	p = appliance_placement(cpc);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(p, "port_node")), 0);
	CU_ASSERT(json_is_false(json_object_get(p, "local")));
	json_t *w1 = json_array_get(json_object_get(p, "workers"), 1);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(p, "workers")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(w1, "worker")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(w1, "lcore")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(w1, "cpu")), 9);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(w1, "node")), 1);
	json_decref(p);
	place.worker[1].node = 0;
	chan_place_set(dp, &place);
	p = appliance_placement(cpc);
	CU_ASSERT(json_is_true(json_object_get(p, "local")));
	json_decref(p);
}

static void test_cpapi_chan_consumes_answers_and_follows_new_epoch(void)
{
	snprintf(path, sizeof(path), "/dev/shm/rw-test-cpapi-%d.chan", (int)getpid());
	chan_unlink(path);
	struct cp_loop *l = NULL;
	struct cp_chan *cpc = NULL;
	struct chan *dp = NULL;
	CU_ASSERT_EQUAL_FATAL(cp_loop_create(&l), 0);
	CU_ASSERT_EQUAL_FATAL(cp_chan_create(&cpc, l, path), 0);
	run_for(l, 150); /* no channel yet: keeps retrying */
	struct cp_chan_status st;
	cp_chan_status(cpc, &st);
	CU_ASSERT(!st.attached);

	CU_ASSERT_EQUAL_FATAL(chan_create(&dp, path, 2, &sizes), 0);
	dp_produce(dp);
	run_for(l, 1150); /* attach within 100 ms; one ping round after 1 s */
	cp_chan_status(cpc, &st);
	CU_ASSERT(st.attached && st.alive);
	CU_ASSERT_EQUAL(st.epoch, chan_info(dp)->epoch);
	CU_ASSERT_EQUAL(st.jrnl_records, 100);
	CU_ASSERT_EQUAL(chan_jrnl_durable_lsn(dp, 0), 100);
	dp_check_replies(dp);
	struct chan_msg m;
	CU_ASSERT_EQUAL_FATAL(chan_msg_recv(dp, 0, CHAN_TO_DP, &m), 0);
	CU_ASSERT_EQUAL(m.type, CHAN_MSG_PING);
	CU_ASSERT_EQUAL(chan_msg_send(dp, 0, CHAN_TO_CP, CHAN_MSG_PONG, m.id, m.payload, m.len), 0);
	chan_msg_release(dp, 0, CHAN_TO_DP, &m);
	run_for(l, 20);
	struct cp_chan_worker_status ws;
	CU_ASSERT_EQUAL_FATAL(cp_chan_worker(cpc, 0, &ws), 0);
	CU_ASSERT_EQUAL(ws.pongs, 1);
	CU_ASSERT_EQUAL(ws.stats.commands, 5);
	chan_heartbeat_set(dp, unix_ms());
	check_api_status(cpc);
	check_api_metrics(cpc);
	check_api_metrics_memory(cpc, dp);
	check_api_placement(cpc, dp);

	uint64_t old = chan_info(dp)->epoch;
	chan_detach(&dp); /* the dataplane restarts */
	CU_ASSERT_EQUAL_FATAL(chan_create(&dp, path, 2, &sizes), 0);
	run_for(l, 250);
	cp_chan_status(cpc, &st);
	CU_ASSERT(st.attached);
	CU_ASSERT_NOT_EQUAL(st.epoch, old);
	CU_ASSERT_EQUAL(st.epoch, chan_info(dp)->epoch);

	cp_chan_destroy(&cpc);
	CU_ASSERT_PTR_NULL(cpc);
	cp_loop_destroy(&l);
	chan_detach(&dp);
	chan_unlink(path);
}

static void test_cpapi_chan_info_sections(void)
{
	CU_ASSERT(strncmp(cp_chan_info_section("persistence", 11), "# Persistence\r\n", 15) == 0);
	CU_ASSERT(strncmp(cp_chan_info_section("REPLICATION", 11), "# Replication\r\nrole:master",
			  26) == 0);
	CU_ASSERT_STRING_EQUAL(cp_chan_info_section("persist", 7), "");
	CU_ASSERT_STRING_EQUAL(cp_chan_info_section("", 0), "");
}

static int snap_none(void *arg, struct chan *ch, uint32_t w, const struct chan_msg *m)
{
	(void)arg;
	(void)ch;
	(void)w;
	(void)m;
	return 0;
}

/* A CONFIG SET's note: "name\0value\0old\0source\0client\0gen\0". */
static void config_note_send(struct chan *dp, uint32_t w, const char *name, const char *value,
			     unsigned gen)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s%c%s%c%cresp%c1.2.3.4:5%c%u", name, '\0', value, '\0',
			 '\0', '\0', '\0', gen);
	CU_ASSERT_EQUAL(
	    chan_msg_send(dp, w, CHAN_TO_CP, CHAN_MSG_CONFIG_NOTE, 0, buf, (uint32_t)n + 1), 0);
}

static void acl_note_send(struct chan *dp, uint32_t w, uint64_t gen, uint32_t flags,
			  const char *text)
{
	char buf[256];
	struct chan_acl_note h = {.gen = gen, .flags = flags};
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), text, strlen(text));
	CU_ASSERT_EQUAL(chan_msg_send(dp, w, CHAN_TO_CP, CHAN_MSG_ACL_NOTE, 0, buf,
				      (uint32_t)(sizeof(h) + strlen(text))),
			0);
}

/* The control plane's copy of the dataplane's values and users (what
 * GET /v1/parameters and /v1/users read): none until worker 0's re-send
 * has ended; then every note, the newest by generation whatever ring it
 * came on and in whatever order the rings are taken. */
static void test_cpapi_chan_copy_keeps_the_newest_note(void)
{
	snprintf(path, sizeof(path), "/dev/shm/rw-test-cpapi-copy-%d.chan", (int)getpid());
	chan_unlink(path);
	struct cp_loop *l = NULL;
	struct cp_chan *cpc = NULL;
	struct chan *dp = NULL;
	char v[64];
	const char *users = NULL;
	CU_ASSERT_EQUAL_FATAL(chan_create(&dp, path, 2, &sizes), 0);
	CU_ASSERT_EQUAL_FATAL(cp_loop_create(&l), 0);
	CU_ASSERT_EQUAL_FATAL(cp_chan_create(&cpc, l, path), 0);
	cp_chan_set_snap_hook(cpc, snap_none, NULL);
	run_for(l, 50);
	/* attached: it asked worker 0 to re-send, and has no copy yet */
	struct chan_msg m;
	CU_ASSERT_EQUAL_FATAL(chan_msg_recv(dp, 0, CHAN_TO_DP, &m), 0);
	CU_ASSERT(m.type == CHAN_MSG_CONFIG_NOTE && m.len == 0);
	chan_msg_release(dp, 0, CHAN_TO_DP, &m);
	CU_ASSERT_EQUAL(cp_chan_config_cached(cpc, "timeout", v, sizeof(v)), -EAGAIN);
	CU_ASSERT_EQUAL(cp_chan_users_cached(cpc, &users), -EAGAIN);

	config_note_send(dp, 0, "timeout", "0", 3); /* the re-send (source sync in life) */
	config_note_send(dp, 0, "hz", "10", 3);
	acl_note_send(dp, 0, 2, 0, "user default on nopass ~* &* +@all\n");
	CU_ASSERT_EQUAL(chan_msg_send(dp, 0, CHAN_TO_CP, CHAN_MSG_CONFIG_NOTE, 0, NULL, 0), 0);
	/* two CONFIG SETs on different workers: the newer is taken first */
	config_note_send(dp, 0, "timeout", "50", 5);
	config_note_send(dp, 1, "timeout", "40", 4);
	acl_note_send(dp, 1, 1, 0, "user stale on\n"); /* older than the re-send's */
	cp_chan_notes_take(cpc);
	CU_ASSERT_EQUAL(cp_chan_config_cached(cpc, "timeout", v, sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "50");
	CU_ASSERT_EQUAL(cp_chan_config_cached(cpc, "HZ", v, sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "10");
	CU_ASSERT_EQUAL(cp_chan_config_cached(cpc, "nosuch", v, sizeof(v)), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(cp_chan_users_cached(cpc, &users), 0);
	CU_ASSERT_STRING_EQUAL(users, "user default on nopass ~* &* +@all\n");
	/* users that do not fit a message: no copy, the API asks worker 0 */
	acl_note_send(dp, 1, 7, CHAN_ACL_NOTE_F_TOO_LONG, "");
	cp_chan_notes_take(cpc);
	CU_ASSERT_EQUAL(cp_chan_users_cached(cpc, &users), -EAGAIN);
	acl_note_send(dp, 0, 8, 0, "user default on\nuser app on ~a:* +get\n");
	cp_chan_notes_take(cpc);
	CU_ASSERT_EQUAL_FATAL(cp_chan_users_cached(cpc, &users), 0);
	CU_ASSERT_STRING_EQUAL(users, "user default on\nuser app on ~a:* +get\n");

	cp_chan_destroy(&cpc);
	cp_loop_destroy(&l);
	chan_detach(&dp);
	chan_unlink(path);
}

const struct rw_test_case test_cpapi_chan_cases[] = {
    RW_TEST(test_cpapi_chan_consumes_answers_and_follows_new_epoch),
    RW_TEST(test_cpapi_chan_info_sections),
    RW_TEST(test_cpapi_chan_copy_keeps_the_newest_note),
    {NULL, NULL},
};
