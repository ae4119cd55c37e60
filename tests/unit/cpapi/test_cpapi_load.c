/*
 * Streaming a dataset into the dataplane (control/core/cp_load.c) over a
 * real channel file, with a thread playing the dataplane's workers: it
 * answers LOAD_BEGIN, reassembles each worker's command stream from the
 * LOAD_CMDS messages and answers LOAD_END. Checked: every command reaches
 * the worker owning its key, multi-key commands are split per owner,
 * FLUSHALL reaches every worker, MULTI/EXEC are left out, a value larger
 * than a message crosses several (the ring fills and the sender waits), a
 * serving worker gets nothing, and a dataplane that goes away ends the
 * session.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_load.h"
#include "resp.h"
#include "rw_buf.h"
#include "test_cpapi.h"

#define FAKE_WORKERS 2

static char path[128];
static const struct chan_sizes sizes = {.journal_bytes = 1 << 14, .msg_bytes = 1 << 16};

struct fake_dp {
	struct chan *ch;
	uint32_t serving_mask; /* bit w: worker w serves already */
	atomic_bool stop;
	struct rw_buf stream[FAKE_WORKERS];
	uint64_t loaded_max;
	uint64_t end_sent[FAKE_WORKERS];
	int begins, ends;
};

static uint64_t stream_records(const struct rw_buf *b)
{
	uint64_t n = 0;
	for (size_t off = 0; off + sizeof(struct chan_load_rec) <= b->len; n++) {
		struct chan_load_rec r;
		memcpy(&r, b->data + off, sizeof(r));
		off += sizeof(r) + r.len;
	}
	return n;
}

static void fake_msg(struct fake_dp *f, uint32_t w, const struct chan_msg *m)
{
	struct chan_load_state st = {0};
	if (m->type == CHAN_MSG_LOAD_BEGIN) {
		f->begins++;
		st.state = (f->serving_mask >> w) & 1 ? CHAN_LOAD_SERVING : CHAN_LOAD_ACCEPTED;
	} else if (m->type == CHAN_MSG_LOAD_CMDS) {
		uint64_t loaded;
		memcpy(&loaded, m->payload, 8);
		if (loaded > f->loaded_max)
			f->loaded_max = loaded;
		rw_buf_append(&f->stream[w], (const uint8_t *)m->payload + 8, m->len - 8);
		return;
	} else if (m->type == CHAN_MSG_LOAD_END) {
		f->ends++;
		memcpy(&f->end_sent[w], m->payload, 8);
		st.state = CHAN_LOAD_DONE;
		st.executed = stream_records(&f->stream[w]);
	} else {
		return;
	}
	CU_ASSERT_EQUAL(
	    chan_msg_send(f->ch, w, CHAN_TO_CP, CHAN_MSG_LOAD_STATE, m->id, &st, sizeof(st)), 0);
}

static void *fake_run(void *arg)
{
	struct fake_dp *f = arg;
	while (!atomic_load(&f->stop)) {
		struct chan_msg m;
		for (uint32_t w = 0; w < FAKE_WORKERS; w++)
			while (chan_msg_recv(f->ch, w, CHAN_TO_DP, &m) == 0) {
				fake_msg(f, w, &m);
				chan_msg_release(f->ch, w, CHAN_TO_DP, &m);
			}
		chan_heartbeat_set(f->ch, (uint64_t)time(NULL) * 1000 + 999);
		usleep(100);
	}
	return NULL;
}

/* Send one command given as words (a NULL-terminated list) or, for a big value, raw. */
static int send_cmd(struct cp_load *l, uint32_t db, const char *const *words, const char *big,
		    size_t big_len)
{
	struct resp_arg argv[16];
	struct rw_buf b = {0};
	uint32_t argc = 0;
	while (words[argc] != NULL)
		argc++;
	resp_w_array(&b, argc + (big != NULL));
	for (uint32_t i = 0; i < argc; i++)
		resp_w_bulk(&b, words[i], strlen(words[i]));
	if (big != NULL)
		resp_w_bulk(&b, big, big_len);
	/* argv points into a parse of the bytes, as the AOF loader's do */
	struct resp_cmd rc = {.argv = argv, .cap = 16};
	struct resp_limits lim;
	resp_limits_default(&lim);
	CU_ASSERT_EQUAL_FATAL(resp_parse(b.data, b.len, &lim, &rc), RESP_OK);
	int r = cp_load_cmd(l, db, rc.argv, rc.argc, b.data, b.len, 1000 + b.len);
	rw_buf_fini(&b);
	return r;
}

/* Every record of worker w's stream as "db|word word ...", newline separated. */
static void stream_text(const struct rw_buf *s, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t off = 0; off + sizeof(struct chan_load_rec) <= s->len;) {
		struct chan_load_rec r;
		memcpy(&r, s->data + off, sizeof(r));
		off += sizeof(r);
		struct resp_arg argv[16];
		struct resp_cmd rc = {.argv = argv, .cap = 16};
		struct resp_limits lim;
		resp_limits_default(&lim);
		CU_ASSERT_EQUAL_FATAL(resp_parse(s->data + off, r.len, &lim, &rc), RESP_OK);
		CU_ASSERT_EQUAL(rc.consumed, r.len);
		o += (size_t)snprintf(out + o, cap - o, "%u|", r.db);
		for (uint32_t i = 0; i < rc.argc && o < cap; i++)
			o += (size_t)snprintf(out + o, cap - o, "%s%.*s", i ? " " : "",
					      argv[i].len > 20 ? 20 : (int)argv[i].len,
					      (const char *)argv[i].ptr);
		o += (size_t)snprintf(out + o, cap - o, "\n");
		off += r.len;
	}
}

static struct fake_dp *fake_start(pthread_t *t, uint32_t serving_mask)
{
	snprintf(path, sizeof(path), "/dev/shm/rw-test-load-%d.chan", (int)getpid());
	struct fake_dp *f = calloc(1, sizeof(*f));
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL_FATAL(chan_create(&f->ch, path, FAKE_WORKERS, &sizes), 0);
	chan_heartbeat_set(f->ch, (uint64_t)time(NULL) * 1000 + 999);
	f->serving_mask = serving_mask;
	CU_ASSERT_EQUAL_FATAL(pthread_create(t, NULL, fake_run, f), 0);
	return f;
}

static void fake_stop(struct fake_dp *f, pthread_t t)
{
	atomic_store(&f->stop, true);
	pthread_join(t, NULL);
	for (int w = 0; w < FAKE_WORKERS; w++)
		rw_buf_fini(&f->stream[w]);
	chan_detach(&f->ch);
	chan_unlink(path);
	free(f);
}

static void test_load_routes_each_command_to_its_owner(void)
{
	pthread_t t;
	struct fake_dp *f = fake_start(&t, 0);
	struct chan *cp = NULL;
	CU_ASSERT_EQUAL_FATAL(chan_attach(&cp, path), 0);
	struct cp_load *l = NULL;
	CU_ASSERT_EQUAL_FATAL(cp_load_begin(&l, cp, path, 12345, 2000, NULL), 0);
	CU_ASSERT_EQUAL(cp_load_accepting(l), 2);
	/* "a" and "b" live on different workers of two (slots 15495 and 3300) */
	uint32_t oa = cp_load_key_owner("a", 1, 2), ob = cp_load_key_owner("b", 1, 2);
	CU_ASSERT_NOT_EQUAL_FATAL(oa, ob);
	static const char big_word[] = "big";
	size_t big_len = 300 * 1024;
	char *big = malloc(big_len);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	CU_ASSERT_EQUAL(send_cmd(l, 0, (const char *[]){"SET", "a", "1", NULL}, NULL, 0), 0);
	CU_ASSERT_EQUAL(send_cmd(l, 3, (const char *[]){"SET", "b", "2", NULL}, NULL, 0), 0);
	CU_ASSERT_EQUAL(send_cmd(l, 0, (const char *[]){"MULTI", NULL}, NULL, 0), 0);
	CU_ASSERT_EQUAL(send_cmd(l, 0, (const char *[]){"DEL", "a", "b", NULL}, NULL, 0), 0);
	CU_ASSERT_EQUAL(send_cmd(l, 0, (const char *[]){"EXEC", NULL}, NULL, 0), 0);
	CU_ASSERT_EQUAL(send_cmd(l, 1, (const char *[]){"MSET", "a", "x", "b", "y", NULL}, NULL, 0),
			0);
	CU_ASSERT_EQUAL(send_cmd(l, 2, (const char *[]){"FLUSHALL", NULL}, NULL, 0), 0);
	CU_ASSERT_EQUAL(send_cmd(l, 0, (const char *[]){"SET", big_word, NULL}, big, big_len), 0);
	struct cp_load_result res;
	CU_ASSERT_EQUAL(cp_load_end(l, 5000, &res), 0);
	cp_load_destroy(&l);
	CU_ASSERT_EQUAL(res.workers_loaded, 2);
	CU_ASSERT_EQUAL(res.skipped, 2);
	CU_ASSERT_EQUAL(res.sent, 9); /* 2 SET, 2 DEL parts, 2 MSET parts, 2 FLUSHALL, big */
	CU_ASSERT_EQUAL(res.executed, 9);
	CU_ASSERT_EQUAL(f->end_sent[0] + f->end_sent[1], 9);
	CU_ASSERT(f->loaded_max > 1000);
	char got[2][1024], want[2][1024];
	stream_text(&f->stream[oa], got[oa], sizeof(got[oa]));
	stream_text(&f->stream[ob], got[ob], sizeof(got[ob]));
	uint32_t obig = cp_load_key_owner("big", 3, 2);
	snprintf(want[oa], sizeof(want[oa]), "0|SET a 1\n0|DEL a\n1|MSET a x\n2|FLUSHALL\n%s",
		 obig == oa ? "0|SET big abcdefghijklmnopqrst\n" : "");
	snprintf(want[ob], sizeof(want[ob]), "3|SET b 2\n0|DEL b\n1|MSET b y\n2|FLUSHALL\n%s",
		 obig == ob ? "0|SET big abcdefghijklmnopqrst\n" : "");
	CU_ASSERT_STRING_EQUAL(got[oa], want[oa]);
	CU_ASSERT_STRING_EQUAL(got[ob], want[ob]);
	/* the big value arrived whole, through several messages */
	const struct rw_buf *s = &f->stream[obig];
	CU_ASSERT(s->len > big_len && memmem(s->data, s->len, big, big_len) != NULL);
	free(big);
	chan_detach(&cp);
	fake_stop(f, t);
}

static void test_load_skips_a_serving_worker(void)
{
	pthread_t t;
	struct fake_dp *f = fake_start(&t, 1u << 1);
	struct chan *cp = NULL;
	CU_ASSERT_EQUAL_FATAL(chan_attach(&cp, path), 0);
	struct cp_load *l = NULL;
	CU_ASSERT_EQUAL_FATAL(cp_load_begin(&l, cp, path, 1, 2000, NULL), 0);
	CU_ASSERT_EQUAL(cp_load_accepting(l), 1);
	for (int i = 0; i < 50; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", i);
		CU_ASSERT_EQUAL(send_cmd(l, 0, (const char *[]){"SET", key, "v", NULL}, NULL, 0),
				0);
	}
	struct cp_load_result res;
	CU_ASSERT_EQUAL(cp_load_end(l, 5000, &res), 0);
	cp_load_destroy(&l);
	CU_ASSERT_EQUAL(res.workers_loaded, 1);
	CU_ASSERT_EQUAL(res.workers_serving, 1);
	CU_ASSERT_EQUAL(f->stream[1].len, 0);
	CU_ASSERT_EQUAL(stream_records(&f->stream[0]), res.sent);
	CU_ASSERT(res.sent > 10 && res.sent < 50);
	chan_detach(&cp);
	fake_stop(f, t);
}

static void test_load_ends_when_the_dataplane_is_replaced(void)
{
	snprintf(path, sizeof(path), "/dev/shm/rw-test-load-%d.chan", (int)getpid());
	struct chan *dp = NULL, *dp2 = NULL, *cp = NULL;
	CU_ASSERT_EQUAL_FATAL(chan_create(&dp, path, FAKE_WORKERS, &sizes), 0);
	chan_heartbeat_set(dp, (uint64_t)time(NULL) * 1000 + 999);
	CU_ASSERT_EQUAL_FATAL(chan_attach(&cp, path), 0);
	/* nobody answers, and a new dataplane re-creates the file: a new epoch */
	CU_ASSERT_EQUAL_FATAL(chan_create(&dp2, path, FAKE_WORKERS, &sizes), 0);
	struct cp_load *l = NULL;
	CU_ASSERT_EQUAL(cp_load_begin(&l, cp, path, 1, 5000, NULL), -ECONNRESET);
	cp_load_destroy(&l);
	chan_detach(&cp);
	chan_detach(&dp);
	chan_detach(&dp2);
	chan_unlink(path);
}

const struct rw_test_case test_cpapi_load_cases[] = {
    RW_TEST(test_load_routes_each_command_to_its_owner),
    RW_TEST(test_load_skips_a_serving_worker),
    RW_TEST(test_load_ends_when_the_dataplane_is_replaced),
    {NULL, NULL},
};
