/*
 * Pub/sub subscription tables (dataplane/cmd/cmd_pubsub.c), the reply
 * formats of subscriptions and messages (RESP2 arrays, RESP3 pushes) and the
 * notify-keyspace-events flags (cmd_notify.c). The replies and streams as a
 * whole are compared with stock redis-server 7.0.15 by
 * tests/integration/test_pubsub.sh.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_pubsub.h"
#include "rw_test.h"

static uint32_t subs_of(const struct cmd_ps_tab *t, const char *name)
{
	const struct cmd_ps_ent *e = cmd_ps_find(t, name, strlen(name));
	return e != NULL ? e->n : 0;
}

static void test_cmd_ps_subscribe_twice_keeps_one_entry(void)
{
	struct cmd_ps_tab t = {0};
	struct cmd_ps_client a = {0}, b = {0};
	CU_ASSERT_EQUAL(cmd_ps_subscribe(&t, &a, CMD_PS_CHAN, 1, "news", 4), 1);
	CU_ASSERT_EQUAL(cmd_ps_subscribe(&t, &a, CMD_PS_CHAN, 1, "news", 4), 0);
	CU_ASSERT_EQUAL(cmd_ps_subscribe(&t, &b, CMD_PS_CHAN, 2, "news", 4), 1);
	CU_ASSERT_EQUAL(t.n, 1);
	CU_ASSERT_EQUAL(subs_of(&t, "news"), 2);
	CU_ASSERT_EQUAL(a.n[CMD_PS_CHAN], 1);
	CU_ASSERT_EQUAL(cmd_ps_unsubscribe(&t, &a, CMD_PS_CHAN, 1, "news", 4), 1);
	CU_ASSERT_EQUAL(cmd_ps_unsubscribe(&t, &a, CMD_PS_CHAN, 1, "news", 4), 0);
	CU_ASSERT_EQUAL(subs_of(&t, "news"), 1);
	CU_ASSERT_EQUAL(cmd_ps_unsubscribe(&t, &b, CMD_PS_CHAN, 2, "news", 4), 1);
	CU_ASSERT_EQUAL(t.n, 0); /* the last subscriber gone: the entry is freed */
	CU_ASSERT_PTR_NULL(cmd_ps_find(&t, "news", 4));
	cmd_ps_client_fini(&a);
	cmd_ps_client_fini(&b);
	cmd_ps_tab_fini(&t);
}

static void test_cmd_ps_client_list_keeps_subscription_order(void)
{
	struct cmd_ps_tab t = {0};
	struct cmd_ps_client c = {0};
	char name[16];
	for (int i = 0; i < 100; i++) { /* grows the table and the list */
		int n = snprintf(name, sizeof(name), "ch%d", i);
		CU_ASSERT_EQUAL(cmd_ps_subscribe(&t, &c, CMD_PS_CHAN, 7, name, (size_t)n), 1);
	}
	CU_ASSERT_EQUAL(cmd_ps_unsubscribe(&t, &c, CMD_PS_CHAN, 7, "ch50", 4), 1);
	CU_ASSERT_EQUAL(c.n[CMD_PS_CHAN], 99);
	for (int i = 0, k = 0; i < 100; i++) {
		if (i == 50)
			continue;
		int n = snprintf(name, sizeof(name), "ch%d", i);
		CU_ASSERT_EQUAL(c.list[CMD_PS_CHAN][k]->len, (uint32_t)n);
		CU_ASSERT(memcmp(c.list[CMD_PS_CHAN][k]->name, name, (size_t)n) == 0);
		k++;
	}
	while (c.n[CMD_PS_CHAN] != 0) {
		const struct cmd_ps_ent *e = c.list[CMD_PS_CHAN][0];
		CU_ASSERT_EQUAL(cmd_ps_unsubscribe(&t, &c, CMD_PS_CHAN, 7, e->name, e->len), 1);
	}
	CU_ASSERT_EQUAL(t.n, 0);
	cmd_ps_client_fini(&c);
	cmd_ps_tab_fini(&t);
}

static void count_visit(void *arg, const struct cmd_ps_ent *e)
{
	*(uint32_t *)arg += e->n;
}

static void test_cmd_ps_patterns_match_with_redis_glob(void)
{
	struct cmd_ps_tab t = {0};
	struct cmd_ps_client a = {0}, b = {0};
	const char *pats[] = {"news.*", "news.[ab]*", "h?llo", "x\\*", "*"};
	for (size_t i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(cmd_ps_subscribe(&t, &a, CMD_PS_PAT, 1, pats[i], strlen(pats[i])),
				1);
	CU_ASSERT_EQUAL(cmd_ps_subscribe(&t, &b, CMD_PS_PAT, 2, "news.*", 6), 1);
	uint32_t n = 0;
	/* news.*, news.[ab]* (twice: two clients on news.*), * */
	CU_ASSERT_EQUAL(cmd_ps_match(&t, "news.art", 8, count_visit, &n), 3);
	CU_ASSERT_EQUAL(n, 4);
	n = 0;
	CU_ASSERT_EQUAL(cmd_ps_match(&t, "hallo", 5, count_visit, &n), 2);
	n = 0;
	CU_ASSERT_EQUAL(cmd_ps_match(&t, "x*", 2, count_visit, &n), 2); /* escaped star */
	CU_ASSERT_EQUAL(cmd_ps_match(&t, "xy", 2, count_visit, &n), 1);
	CU_ASSERT(cmd_ps_glob("a[^b]c", 6, "axc", 3));
	CU_ASSERT(!cmd_ps_glob("a[^b]c", 6, "abc", 3));
	CU_ASSERT(!cmd_ps_glob("News.*", 6, "news.x", 6)); /* case matters */
	while (a.n[CMD_PS_PAT] != 0) {
		const struct cmd_ps_ent *e = a.list[CMD_PS_PAT][0];
		cmd_ps_unsubscribe(&t, &a, CMD_PS_PAT, 1, e->name, e->len);
	}
	CU_ASSERT_EQUAL(t.n, 1);
	cmd_ps_unsubscribe(&t, &b, CMD_PS_PAT, 2, "news.*", 6);
	CU_ASSERT_EQUAL(t.n, 0);
	cmd_ps_client_fini(&a);
	cmd_ps_client_fini(&b);
	cmd_ps_tab_fini(&t);
}

static void test_cmd_ps_ref_counts_create_and_free_entries(void)
{
	struct cmd_ps_tab t = {0};
	CU_ASSERT_EQUAL(cmd_ps_ref(&t, "a", 1, -1), 0); /* nothing to drop */
	CU_ASSERT_EQUAL(t.n, 0);
	CU_ASSERT_EQUAL(cmd_ps_ref(&t, "a", 1, 1), 1);
	CU_ASSERT_EQUAL(cmd_ps_ref(&t, "a", 1, 1), 2);
	CU_ASSERT_EQUAL(cmd_ps_ref(&t, "b", 1, 1), 1);
	CU_ASSERT_EQUAL(t.n, 2);
	CU_ASSERT_EQUAL(cmd_ps_ref(&t, "a", 1, -1), 1);
	CU_ASSERT_EQUAL(cmd_ps_ref(&t, "a", 1, -1), 0);
	CU_ASSERT_PTR_NULL(cmd_ps_find(&t, "a", 1));
	CU_ASSERT_EQUAL(t.n, 1);
	cmd_ps_tab_fini(&t);
	CU_ASSERT_EQUAL(t.n, 0);
}

static void test_cmd_ps_replies_are_arrays_in_resp2_pushes_in_resp3(void)
{
	struct rw_buf b = {0};
	cmd_pubsub_w_ack(&b, RESP_PROTO_2, "subscribe", "ch", 2, 1);
	CU_ASSERT_NSTRING_EQUAL(b.data, "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", b.len);
	rw_buf_reset(&b);
	cmd_pubsub_w_ack(&b, RESP_PROTO_3, "unsubscribe", NULL, 0, 0);
	CU_ASSERT_NSTRING_EQUAL(b.data, ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n", b.len);
	rw_buf_reset(&b);
	cmd_pubsub_w_ack(&b, RESP_PROTO_2, "unsubscribe", NULL, 0, 0);
	CU_ASSERT_NSTRING_EQUAL(b.data, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n", b.len);
	rw_buf_reset(&b);
	cmd_pubsub_w_msg(&b, RESP_PROTO_3, "pmessage", "c*", 2, "ch", 2, "hi", 2);
	CU_ASSERT_NSTRING_EQUAL(
	    b.data, ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n", b.len);
	rw_buf_fini(&b);
}

static void test_cmd_notify_flags_parse_and_print_like_redis(void)
{
	uint32_t f;
	char buf[32];
	CU_ASSERT_EQUAL(cmd_notify_parse((const uint8_t *)"KEA", 3, &f), 0);
	cmd_notify_format(f, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "AKE");
	CU_ASSERT_EQUAL(cmd_notify_parse((const uint8_t *)"AKEn", 4, &f), 0);
	cmd_notify_format(f, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "AKE"); /* n is not part of A and A hides it */
	CU_ASSERT_EQUAL(cmd_notify_parse((const uint8_t *)"mzKlx$", 6, &f), 0);
	cmd_notify_format(f, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "$lzxKm");
	CU_ASSERT_EQUAL(cmd_notify_parse((const uint8_t *)"Kq", 2, &f), -1);
	uint32_t cls;
	CU_ASSERT_STRING_EQUAL(cmd_notify_event("decrby", &cls), "incrby");
	CU_ASSERT_EQUAL(cls, CMD_NOTIFY_STRING);
	CU_ASSERT_STRING_EQUAL(cmd_notify_event("hmset", &cls), "hset");
	CU_ASSERT_EQUAL(cls, CMD_NOTIFY_HASH);
	CU_ASSERT_STRING_EQUAL(cmd_notify_event("expired", &cls), "expired");
	CU_ASSERT_EQUAL(cls, CMD_NOTIFY_EXPIRED);
	CU_ASSERT_PTR_NULL(cmd_notify_event("", &cls));
	CU_ASSERT_EQUAL(cls, 0);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_cmd_ps_subscribe_twice_keeps_one_entry),
	    RW_TEST(test_cmd_ps_client_list_keeps_subscription_order),
	    RW_TEST(test_cmd_ps_patterns_match_with_redis_glob),
	    RW_TEST(test_cmd_ps_ref_counts_create_and_free_entries),
	    RW_TEST(test_cmd_ps_replies_are_arrays_in_resp2_pushes_in_resp3),
	    RW_TEST(test_cmd_notify_flags_parse_and_print_like_redis),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("cmd_pubsub", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
