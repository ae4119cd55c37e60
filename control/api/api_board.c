/*
 * What the dataplane publishes on its board (platform/chan/chan_board.h):
 * GET /v1/commands (INFO commandstats and the latency histogram of all
 * commands), GET /v1/slowlog (SLOWLOG GET), each worker's busy share for
 * /v1/stats, and the command families of /metrics. A request maps the
 * board file read-only, copies it under its sequence lock and unmaps it:
 * no worker is asked anything, so the dataplane's loops are unchanged
 * however often the console polls.
 *
 * Context: the control plane's event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"

static int board_map_copy(const char *path, struct chan_board *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = fstat(fd, &st) != 0 ? -errno : st.st_size != sizeof(*out) ? -EPROTO : 0;
	void *p = rc == 0 ? mmap(NULL, sizeof(*out), PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (rc == 0 && p == MAP_FAILED)
		rc = -errno;
	close(fd);
	if (rc != 0)
		return rc;
	rc = chan_board_read(p, out);
	munmap(p, sizeof(*out));
	return rc;
}

int api_board_get(const struct api_ctx *ctx, struct chan_board *out)
{
	struct cp_chan_status st;
	char path[512];
	if (ctx->cfg == NULL)
		return -ENOENT;
	api_chan_status(ctx, &st);
	if (!st.attached)
		return -ENOTCONN;
	if (snprintf(path, sizeof(path), "%s" CHAN_BOARD_SUFFIX, ctx->cfg->rw_channel) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	int rc = board_map_copy(path, out);
	if (rc == 0 && out->epoch != st.epoch)
		rc = -ESTALE; /* a board left by an earlier dataplane run */
	return rc;
}

/* The 503 of a route whose figures come from the board. */
static json_t *board_unavailable(int rc, int *status)
{
	*status = 503;
	return json_pack("{s:s, s:s}", "error", "the dataplane's board is not available", "detail",
			 rc == -ENOTCONN ? "dataplane not attached"
			 : rc == -ESTALE ? "the board is from an earlier dataplane run"
					 : strerror(-rc));
}

static json_t *latency_object(const struct chan_board *b)
{
	json_t *bounds = json_array(), *counts = json_array();
	for (uint32_t k = 0; k < CHAN_BOARD_HIST; k++) {
		json_array_append_new(bounds, json_integer((json_int_t)b->hist_bound_us[k]));
		json_array_append_new(counts, json_integer((json_int_t)b->hist[k]));
	}
	return json_pack("{s:o, s:o}", "bounds_us", bounds, "counts", counts);
}

static int cmd_by_name(const void *a, const void *b)
{
	return strcmp(((const struct chan_board_cmd *)a)->name,
		      ((const struct chan_board_cmd *)b)->name);
}

/* A copy of the board (the caller frees it). NULL: out of memory
 * (*unavailable NULL) or no board to read (*unavailable the 503 body). */
static struct chan_board *board_fetch(const struct api_ctx *ctx, int *status, json_t **unavailable)
{
	*unavailable = NULL;
	struct chan_board *b = malloc(sizeof(*b));
	if (b == NULL)
		return NULL;
	int rc = api_board_get(ctx, b);
	if (rc != 0) {
		free(b);
		*unavailable = board_unavailable(rc, status);
		return NULL;
	}
	return b;
}

json_t *api_board_commands(const struct api_ctx *ctx, const char *arg, int *status)
{
	json_t *unavailable;
	struct chan_board *b = board_fetch(ctx, status, &unavailable);
	(void)arg;
	if (b == NULL)
		return unavailable;
	qsort(b->cmd, b->n_cmds, sizeof(b->cmd[0]), cmd_by_name);
	json_t *cmds = json_array();
	for (uint32_t i = 0; i < b->n_cmds; i++) {
		const struct chan_board_cmd *c = &b->cmd[i];
		json_array_append_new(
		    cmds, json_pack("{s:s, s:I, s:I, s:f, s:I, s:I}", "name", c->name, "calls",
				    (json_int_t)c->calls, "usec", (json_int_t)c->usec,
				    "usec_per_call",
				    c->calls ? (double)c->usec / (double)c->calls : 0.0,
				    "rejected_calls", (json_int_t)c->rejected, "failed_calls",
				    (json_int_t)c->failed));
	}
	json_t *errs = json_array();
	for (uint32_t i = 0; i < b->n_errs && i < CHAN_BOARD_ERRS; i++) {
		char name[sizeof(b->err[i].name) + 1];
		memcpy(name, b->err[i].name, sizeof(b->err[i].name));
		name[sizeof(b->err[i].name)] = '\0';
		json_array_append_new(errs, json_pack("{s:s, s:I}", "name", name, "count",
						      (json_int_t)b->err[i].count));
	}
	json_t *j = json_pack("{s:I, s:o, s:i, s:o, s:o, s:I, s:i}", "published_unix_ms",
			      (json_int_t)b->published_unix_ms, "commands", cmds, "dropped",
			      (int)b->cmds_dropped, "latency", latency_object(b), "errors", errs,
			      "errors_total", (json_int_t)b->errors_total, "errors_dropped",
			      (int)b->errs_dropped);
	free(b);
	*status = 200;
	return j;
}

/* @p len bytes as JSON text: bytes that are not printable ASCII (and the
 * backslash) as "\xNN", as redis-cli shows them (JSON strings must be UTF-8). */
static json_t *arg_string(const char *s, size_t len)
{
	char out[4 * CHAN_BOARD_ARGS + 1];
	size_t n = 0;
	for (size_t i = 0; i < len && n + 5 < sizeof(out); i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, sizeof(out) - n, "\\x%02x", c);
	}
	out[n] = '\0';
	return json_string(out);
}

static json_t *slow_entry(const struct chan_board_slow *e)
{
	json_t *args = json_array();
	size_t off = 0;
	for (uint32_t i = 0; i < e->argc && i < CHAN_BOARD_ARGC; i++) {
		size_t len = e->arg_len[i];
		if (off + len > sizeof(e->args))
			break; /* not written so by the dataplane */
		json_array_append_new(args, arg_string(e->args + off, len));
		off += len;
	}
	return json_pack(
	    "{s:I, s:I, s:I, s:o, s:i, s:o, s:o}", "id", (json_int_t)e->id, "time",
	    (json_int_t)e->time_s, "duration_us", (json_int_t)e->dur_us, "args", args, "argc",
	    (int)e->argc_all, "client", arg_string(e->peer, strnlen(e->peer, sizeof(e->peer))),
	    "client_name",
	    arg_string(e->client_name, strnlen(e->client_name, sizeof(e->client_name))));
}

json_t *api_board_slowlog(const struct api_ctx *ctx, const char *arg, int *status)
{
	json_t *unavailable;
	struct chan_board *b = board_fetch(ctx, status, &unavailable);
	(void)arg;
	if (b == NULL)
		return unavailable;
	json_t *entries = json_array();
	for (uint32_t i = 0; i < b->n_slow && i < CHAN_BOARD_SLOW; i++)
		json_array_append_new(entries, slow_entry(&b->slow[i]));
	json_t *j =
	    json_pack("{s:I, s:I, s:o}", "published_unix_ms", (json_int_t)b->published_unix_ms,
		      "len", (json_int_t)b->slowlog_len, "entries", entries);
	free(b);
	*status = 200;
	return j;
}
