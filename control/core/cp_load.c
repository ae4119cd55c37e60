/* Streaming a dataset into the dataplane (see cp_load.h; wire format in
 * platform/chan/FORMAT.md, "Loading"). */
#include "cp_load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "crc16.h"
#include "rw_buf.h"
#include "rw_log.h"

#define LOAD_SLOTS	    16384 /* RW_SLOTS: Redis Cluster's slot count */
#define LOAD_HEARTBEAT_MS   3000  /* CP_CHAN_HEARTBEAT_STALE_MS */
#define LOAD_STALL_MS	    30000 /* a worker that takes nothing for this long is stuck */
#define LOAD_CHECK_EVERY_MS 50
#define LOAD_WAIT_SLEEP_NS  50000

struct load_worker {
	bool accepted, done, answered, busy;
	struct rw_buf stream; /* {db, len, RESP} records not sent yet, from off */
	size_t off;
	uint64_t sent;
};

struct cp_load {
	struct chan *ch;
	const char *path;
	uint64_t epoch;
	uint32_t session, n;
	uint32_t chunk; /* stream bytes per message: CP_LOAD_CHUNK or what the ring takes */
	uint64_t loaded_bytes;
	uint64_t last_check_ms, last_progress_ms;
	struct cp_load_result res;
	struct cp_load_opts opts;
	struct rw_buf part; /* a split command's part */
	uint8_t *msg;	    /* scratch: loaded_bytes + one chunk */
	struct load_worker w[CHAN_MAX_WORKERS];
};

uint32_t cp_load_key_owner(const void *key, size_t len, uint32_t n_workers)
{
	return (uint32_t)(((uint32_t)rw_key_slot(key, len) * n_workers) / LOAD_SLOTS);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Is the dataplane we load still the one that answered? */
static int alive(struct cp_load *l)
{
	uint64_t now = mono_ms();
	if (now - l->last_check_ms < LOAD_CHECK_EVERY_MS)
		return 0;
	l->last_check_ms = now;
	uint64_t e = 0;
	if (chan_path_epoch(l->path, &e) != 0 || e != l->epoch)
		return -ECONNRESET;
	uint64_t hb = chan_heartbeat_get(l->ch), wall = unix_ms();
	if (wall > hb && wall - hb > LOAD_HEARTBEAT_MS)
		return -ETIMEDOUT;
	if (now - l->last_progress_ms > LOAD_STALL_MS)
		return -ETIMEDOUT;
	return 0;
}

static void pause_briefly(void)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = LOAD_WAIT_SLEEP_NS};
	nanosleep(&ts, NULL);
}

/* Take the workers' answers of this session; anything else on the ring
 * goes to opts.other (a live restore: INFO_REQ, PING) or, at start, is
 * released unread (a PONG, a dead session's answer). */
static void answers_take(struct cp_load *l)
{
	struct chan_msg m;
	for (uint32_t w = 0; w < l->n; w++) {
		while (chan_msg_recv(l->ch, w, CHAN_TO_CP, &m) == 0) {
			struct chan_load_state st;
			if (m.type == CHAN_MSG_LOAD_STATE && m.id == l->session &&
			    m.len >= sizeof(st)) {
				memcpy(&st, m.payload, sizeof(st));
				l->w[w].answered = true;
				if (st.state == CHAN_LOAD_ACCEPTED)
					l->w[w].accepted = true;
				else if (st.state == CHAN_LOAD_BUSY)
					l->w[w].busy = true;
				else if (st.state == CHAN_LOAD_DONE) {
					l->w[w].done = true;
					l->res.executed += st.executed;
					l->res.errors += st.errors;
				}
				l->last_progress_ms = mono_ms();
			} else if (m.type != CHAN_MSG_LOAD_STATE && l->opts.other != NULL) {
				l->opts.other(l->opts.other_arg, w, &m);
			}
			chan_msg_release(l->ch, w, CHAN_TO_CP, &m);
		}
	}
}

static int send_wait(struct cp_load *l, uint32_t w, uint16_t type, const void *p, uint32_t len)
{
	for (;;) {
		int rc = chan_msg_send(l->ch, w, CHAN_TO_DP, type, l->session, p, len);
		if (rc == 0) {
			l->last_progress_ms = mono_ms();
			return 0;
		}
		if (rc != -ENOSPC)
			return rc;
		answers_take(l);
		rc = alive(l);
		if (rc != 0)
			return rc;
		pause_briefly();
	}
}

/* Send worker @p w's stream in CP_LOAD_CHUNK pieces; with @p all, the last partial one too. */
static int stream_flush(struct cp_load *l, uint32_t w, bool all)
{
	struct load_worker *lw = &l->w[w];
	while (lw->stream.len - lw->off >= l->chunk || (all && lw->stream.len > lw->off)) {
		size_t n = lw->stream.len - lw->off;
		if (n > l->chunk)
			n = l->chunk;
		memcpy(l->msg, &l->loaded_bytes, 8);
		memcpy(l->msg + 8, lw->stream.data + lw->off, n);
		int rc = send_wait(l, w, CHAN_MSG_LOAD_CMDS, l->msg, (uint32_t)(n + 8));
		if (rc != 0)
			return rc;
		lw->off += n;
	}
	if (lw->off == lw->stream.len) {
		rw_buf_reset(&lw->stream);
		lw->off = 0;
	}
	return 0;
}

static int push(struct cp_load *l, uint32_t w, uint32_t db, const uint8_t *resp, size_t len)
{
	struct load_worker *lw = &l->w[w];
	if (!lw->accepted)
		return 0; /* serving already: its dataset is live */
	struct chan_load_rec r = {.db = db, .len = (uint32_t)len};
	if (len > UINT32_MAX || rw_buf_append(&lw->stream, &r, sizeof(r)) != 0 ||
	    rw_buf_append(&lw->stream, resp, len) != 0)
		return -ENOMEM;
	lw->sent++;
	l->res.sent++;
	return stream_flush(l, w, false);
}

static bool name_is(const struct resp_arg *a, const char *name)
{
	return a->len == strlen(name) && strncasecmp((const char *)a->ptr, name, a->len) == 0;
}

/* A multi-key command (first key at 1, @p step arguments per key): one part per owner. */
static int push_split(struct cp_load *l, uint32_t db, const struct resp_arg *argv, uint32_t argc,
		      uint32_t step)
{
	for (uint32_t o = 0; o < l->n; o++) {
		uint32_t n = 0;
		for (uint32_t i = 1; i + step - 1 < argc; i += step)
			n += cp_load_key_owner(argv[i].ptr, argv[i].len, l->n) == o;
		if (n == 0)
			continue;
		rw_buf_reset(&l->part);
		resp_w_array(&l->part, 1 + (int64_t)n * step);
		resp_w_bulk(&l->part, argv[0].ptr, argv[0].len);
		for (uint32_t i = 1; i + step - 1 < argc; i += step)
			if (cp_load_key_owner(argv[i].ptr, argv[i].len, l->n) == o)
				for (uint32_t j = 0; j < step; j++)
					resp_w_bulk(&l->part, argv[i + j].ptr, argv[i + j].len);
		int rc = push(l, o, db, l->part.data, l->part.len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int cp_load_cmd(struct cp_load *l, uint32_t db, const struct resp_arg *argv, uint32_t argc,
		const uint8_t *resp, size_t len, uint64_t loaded_bytes)
{
	int rc = 0;
	l->loaded_bytes = loaded_bytes;
	if (argc == 0 || name_is(&argv[0], "multi") || name_is(&argv[0], "exec")) {
		l->res.skipped++;
		return 0;
	}
	/* every worker holds part of every DB: these act on all of them */
	if (name_is(&argv[0], "flushall") || name_is(&argv[0], "flushdb") ||
	    name_is(&argv[0], "swapdb")) {
		for (uint32_t w = 0; w < l->n && rc == 0; w++)
			rc = push(l, w, db, resp, len);
		return rc;
	}
	if (l->n > 1 && argc > 2 && (name_is(&argv[0], "del") || name_is(&argv[0], "unlink")))
		return push_split(l, db, argv, argc, 1);
	if (l->n > 1 && argc > 3 && (name_is(&argv[0], "mset") || name_is(&argv[0], "msetnx")))
		return push_split(l, db, argv, argc, 2);
	uint32_t owner = argc >= 2 ? cp_load_key_owner(argv[1].ptr, argv[1].len, l->n) : 0;
	return push(l, owner, db, resp, len);
}

/* Wait for workers [0, @p upto)'s answers to BEGIN (@p done false) or END. */
static int wait_answers(struct cp_load *l, int timeout_ms, bool done, uint32_t upto)
{
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
	for (;;) {
		answers_take(l);
		bool all = true;
		for (uint32_t w = 0; w < upto; w++)
			all =
			    all && (done ? (!l->w[w].accepted || l->w[w].done) : l->w[w].answered);
		if (all)
			return 0;
		int rc = alive(l);
		if (rc != 0)
			return rc;
		/* while workers still run commands they make progress; the deadline is
		 * for the answers themselves */
		if (mono_ms() > deadline && mono_ms() - l->last_progress_ms > (uint64_t)timeout_ms)
			return -ETIMEDOUT;
		pause_briefly();
	}
}

int cp_load_begin(struct cp_load **out, struct chan *ch, const char *path, uint64_t total_bytes,
		  int timeout_ms, const struct cp_load_opts *opts)
{
	struct cp_load *l = calloc(1, sizeof(*l));
	*out = NULL;
	if (l == NULL || (l->msg = malloc(CP_LOAD_CHUNK + 8)) == NULL) {
		free(l);
		return -ENOMEM;
	}
	if (opts != NULL)
		l->opts = *opts;
	l->ch = ch;
	l->path = path;
	l->epoch = chan_info(ch)->epoch;
	l->n = chan_workers(ch);
	l->chunk = chan_msg_max(ch) - 8 < CP_LOAD_CHUNK ? chan_msg_max(ch) - 8 : CP_LOAD_CHUNK;
	/* tells this session's answers from a dead control plane's */
	l->session = (uint32_t)(unix_ms() ^ ((uint64_t)getpid() << 20)) | 1u;
	l->last_progress_ms = l->last_check_ms = mono_ms();
	uint64_t begin[3] = {total_bytes, unix_ms(), l->opts.flags};
	uint32_t first = 0;
	*out = l;
	if (l->opts.flags & CHAN_LOAD_F_REPLACE) {
		/* worker 0 alone first: it may refuse (a snapshot runs), and then
		 * no other worker may have emptied its shard */
		int rc = send_wait(l, 0, CHAN_MSG_LOAD_BEGIN, begin, sizeof(begin));
		if (rc == 0)
			rc = wait_answers(l, timeout_ms, false, 1);
		if (rc == 0 && l->w[0].busy)
			rc = -EBUSY;
		if (rc != 0)
			return rc;
		first = 1;
	}
	for (uint32_t w = first; w < l->n; w++) {
		int rc = send_wait(l, w, CHAN_MSG_LOAD_BEGIN, begin, sizeof(begin));
		if (rc != 0)
			return rc;
	}
	int rc = wait_answers(l, timeout_ms, false, l->n);
	for (uint32_t w = 0; w < l->n; w++)
		l->res.workers_serving += l->w[w].answered && !l->w[w].accepted;
	return rc;
}

uint32_t cp_load_accepting(const struct cp_load *l)
{
	uint32_t n = 0;
	for (uint32_t w = 0; w < l->n; w++)
		n += l->w[w].accepted;
	return n;
}

int cp_load_end(struct cp_load *l, int timeout_ms, struct cp_load_result *res)
{
	int rc = 0;
	for (uint32_t w = 0; w < l->n && rc == 0; w++) {
		if (!l->w[w].accepted)
			continue;
		rc = stream_flush(l, w, true);
		if (rc == 0)
			rc = send_wait(l, w, CHAN_MSG_LOAD_END, &l->w[w].sent, sizeof(uint64_t));
	}
	if (rc == 0)
		rc = wait_answers(l, timeout_ms, true, l->n);
	for (uint32_t w = 0; w < l->n; w++)
		l->res.workers_loaded += l->w[w].done;
	if (res != NULL)
		*res = l->res;
	return rc;
}

void cp_load_destroy(struct cp_load **lp)
{
	if (lp == NULL || *lp == NULL)
		return;
	struct cp_load *l = *lp;
	for (uint32_t w = 0; w < CHAN_MAX_WORKERS; w++)
		rw_buf_fini(&l->w[w].stream);
	rw_buf_fini(&l->part);
	free(l->msg);
	free(l);
	*lp = NULL;
}
