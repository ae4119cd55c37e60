/*
 * MONITOR (Redis 7.0.15's monitorCommand() and replicationFeedMonitors()):
 * a client that ran MONITOR receives a line for every command any client
 * runs afterwards, on any worker:
 *
 *   +<unix s>.<us> [<db> <ip>:<port>] "cmd" "arg" ...
 *
 * each argument quoted as sdscatrepr() does. As in Redis's call(), a line is
 * fed after the command ran, and not for admin commands (MONITOR itself,
 * CONFIG, DEBUG...) nor those refused before running.
 *
 * Across workers: the worker that ran a command formats the line once and
 * appends it, under the slot lock, to the pending buffer of every worker
 * hosting monitors (cmd_diag_slot.mon); each such worker moves its buffer
 * out once per loop and copies it to its monitors (dataplane/core/
 * dp_monitor.c). Without monitors the cost is one relaxed load per command.
 *
 * Context: any worker.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd_diag.h"
#include "cmd_int.h"

void cmd_monitor(struct cmd_ctx *ctx)
{
	struct cmd_diag *dg = cmd_diag_of(ctx->env);
	if (ctx->client->monitor || dg == NULL)
		return; /* already monitoring: Redis ignores it, no reply */
	uint32_t w = store_shard_id(ctx->shard);
	if (w >= CMD_DIAG_WORKERS) {
		resp_w_error(ctx->out, "ERR internal: no monitor slot");
		return;
	}
	ctx->client->monitor = 1;
	atomic_fetch_add_explicit(&dg->slot[w].monitors, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&dg->monitors, 1, memory_order_relaxed);
	resp_w_simple(ctx->out, "OK");
}

void cmd_monitor_gone(const struct cmd_env *env, uint32_t worker)
{
	struct cmd_diag *dg = cmd_diag_of(env);
	if (dg == NULL || worker >= CMD_DIAG_WORKERS)
		return;
	atomic_fetch_sub_explicit(&dg->slot[worker].monitors, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&dg->monitors, 1, memory_order_relaxed);
}

void cmd_monitor_take(const struct cmd_env *env, uint32_t worker, struct rw_buf *out)
{
	struct cmd_diag *dg = cmd_diag_of(env);
	out->len = 0;
	if (dg == NULL || worker >= CMD_DIAG_WORKERS)
		return;
	struct cmd_diag_slot *s = &dg->slot[worker];
	if (atomic_load_explicit(&s->monitors, memory_order_relaxed) == 0 && s->mon.len == 0)
		return;
	cmd_diag_lock(s);
	struct rw_buf t = s->mon; /* swap: the copy to the clients runs unlocked */
	s->mon = *out;
	s->mon.len = 0;
	cmd_diag_unlock(s);
	*out = t;
}

/* sdscatrepr() */
static void repr(struct rw_buf *b, const uint8_t *p, size_t n)
{
	char tmp[8];
	rw_buf_append(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		const char *esc = NULL;
		switch (p[i]) {
		case '\\':
			esc = "\\\\";
			break;
		case '"':
			esc = "\\\"";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\a':
			esc = "\\a";
			break;
		case '\b':
			esc = "\\b";
			break;
		default:
			if (p[i] >= 0x20 && p[i] < 0x7f) {
				rw_buf_append(b, &p[i], 1);
				continue;
			}
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			esc = tmp;
		}
		rw_buf_append(b, esc, strlen(esc));
	}
	rw_buf_append(b, "\"", 1);
}

void cmd_monitor_feed(struct cmd_ctx *ctx, const struct cmd_def *d, const struct cmd_def *real)
{
	struct cmd_diag *dg = cmd_diag_of(ctx->env);
	if ((d->flags & CMD_ADMIN) || (real->flags & CMD_ADMIN))
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char head[96];
	uint32_t ip = ctx->client->peer_ip;
	int n = snprintf(head, sizeof(head), "+%ld.%06ld [%u %u.%u.%u.%u:%u] ", (long)ts.tv_sec,
			 ts.tv_nsec / 1000, ctx->client->db, ip >> 24, (ip >> 16) & 255,
			 (ip >> 8) & 255, ip & 255, ctx->client->peer_port);
	struct rw_buf line = {0};
	rw_buf_append(&line, head, (size_t)n);
	for (uint32_t i = 0; i < ctx->argc; i++) {
		if (cmd_diag_redacted(d, ctx->argv, i))
			rw_buf_append(&line, "\"(redacted)\"", 12);
		else
			repr(&line, ctx->argv[i].ptr, ctx->argv[i].len);
		if (i + 1 < ctx->argc)
			rw_buf_append(&line, " ", 1);
	}
	rw_buf_append(&line, "\r\n", 2);
	for (uint32_t w = 0; w < CMD_DIAG_WORKERS; w++) {
		struct cmd_diag_slot *s = &dg->slot[w];
		if (atomic_load_explicit(&s->monitors, memory_order_relaxed) == 0)
			continue;
		cmd_diag_lock(s);
		rw_buf_append(&s->mon, line.data, line.len);
		cmd_diag_unlock(s);
	}
	rw_buf_fini(&line);
}
