/* Appliance events: history, JSON and the SSE form (see api_events.h). */
#include "api_events.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_task.h"

void api_events_init(struct api_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->next_id = 1;
}

void api_events_fini(struct api_events *ev)
{
	if (ev == NULL)
		return;
	for (size_t i = 0; i < API_EVENTS_MAX; i++)
		free(ev->ring[i].data);
	memset(ev->ring, 0, sizeof(ev->ring));
}

void api_events_emit(struct api_events *ev, const char *type, json_t *detail)
{
	if (ev == NULL) {
		json_decref(detail);
		return;
	}
	uint64_t now = api_unix_ms(), id = ev->next_id;
	json_t *j =
	    json_pack("{s:I, s:o, s:s, s:o}", "id", (json_int_t)id, "time", api_time_json(now),
		      "type", type, "detail", detail ? detail : json_object());
	char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (data == NULL)
		return; /* out of memory: the event is lost, nothing else */
	ev->next_id++;
	struct api_event *e = &ev->ring[id % API_EVENTS_MAX];
	free(e->data);
	e->id = id;
	e->unix_ms = now;
	snprintf(e->type, sizeof(e->type), "%s", type);
	e->data = data;
	for (size_t i = 0; i < API_EVENTS_LISTENERS; i++)
		if (ev->listeners[i].fn != NULL)
			ev->listeners[i].fn(ev->listeners[i].arg, e);
}

/* The kept event with id @p id, NULL if forgotten or not yet. */
static const struct api_event *event_at(const struct api_events *ev, uint64_t id)
{
	const struct api_event *e = &ev->ring[id % API_EVENTS_MAX];
	return e->id == id && e->data != NULL ? e : NULL;
}

/* The first id after @p since that is still kept. */
static uint64_t first_after(const struct api_events *ev, uint64_t since)
{
	uint64_t oldest = ev->next_id > API_EVENTS_MAX ? ev->next_id - API_EVENTS_MAX : 1;
	return since + 1 > oldest ? since + 1 : oldest;
}

json_t *api_events_json(const struct api_events *ev, uint64_t since)
{
	json_t *a = json_array();
	uint64_t from = first_after(ev, since);
	for (uint64_t id = from; id < ev->next_id; id++) {
		const struct api_event *e = event_at(ev, id);
		json_t *o = e ? json_loads(e->data, 0, NULL) : NULL;
		if (o != NULL)
			json_array_append_new(a, o);
	}
	return json_pack("{s:o, s:I, s:b, s:i}", "events", a, "last_id",
			 (json_int_t)(ev->next_id - 1), "truncated", from > since + 1, "max",
			 API_EVENTS_MAX);
}

int api_events_sse(const struct api_event *e, struct rw_buf *out)
{
	char head[96];
	/* the data is compact JSON: one line, no CR or LF to split it */
	int n = snprintf(head, sizeof(head), "id: %" PRIu64 "\nevent: %s\ndata: ", e->id, e->type);
	int rc = rw_buf_append(out, head, (size_t)n);
	if (rc == 0)
		rc = rw_buf_append(out, e->data, strlen(e->data));
	return rc == 0 ? rw_buf_append(out, "\n\n", 2) : rc;
}

int api_events_replay(const struct api_events *ev, uint64_t since, struct rw_buf *out)
{
	for (uint64_t id = first_after(ev, since); id < ev->next_id; id++) {
		const struct api_event *e = event_at(ev, id);
		int rc = e ? api_events_sse(e, out) : 0;
		if (rc != 0)
			return rc;
	}
	return 0;
}

int api_events_listen(struct api_events *ev, api_events_listener_fn *fn, void *arg)
{
	for (size_t i = 0; i < API_EVENTS_LISTENERS; i++)
		if (ev->listeners[i].fn == NULL) {
			ev->listeners[i].fn = fn;
			ev->listeners[i].arg = arg;
			return 0;
		}
	return -ENOSPC;
}

void api_events_unlisten(struct api_events *ev, void *arg)
{
	for (size_t i = 0; i < API_EVENTS_LISTENERS; i++)
		if (ev->listeners[i].arg == arg)
			ev->listeners[i].fn = NULL;
}

void api_events_config_note(struct api_events *ev, const char *payload, size_t len)
{
	const char *f[5];
	size_t n = 0;
	for (const char *p = payload, *end = payload + len; n < 5 && p < end; n++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (z == NULL)
			return; /* unterminated: not a note */
		f[n] = p;
		p = z + 1;
	}
	if (n < 5 || strcmp(f[3], "resp") != 0)
		return;
	bool secret = api_param_secret(f[0]);
	char actor[48];
	snprintf(actor, sizeof(actor), "resp:%s", f[4]);
	api_events_emit(ev, "config.changed",
			json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "actor", actor,
				  "source", "resp", "client", f[4], "method", "CONFIG SET",
				  "detail", "parameter", f[0], "old", secret ? "(redacted)" : f[2],
				  "new", secret ? "(redacted)" : f[1]));
}

void api_events_watch_dataplane(struct api_events *ev, const struct cp_chan_status *st)
{
	char epoch[17];
	if (ev == NULL || (st->attached == ev->dp_attached && st->epoch == ev->dp_epoch))
		return;
	if (ev->dp_attached) {
		snprintf(epoch, sizeof(epoch), "%016" PRIx64, ev->dp_epoch);
		api_events_emit(ev, "dataplane.detached", json_pack("{s:s}", "epoch", epoch));
	}
	ev->dp_attached = st->attached;
	ev->dp_epoch = st->attached ? st->epoch : 0;
	if (st->attached) {
		snprintf(epoch, sizeof(epoch), "%016" PRIx64, st->epoch);
		api_events_emit(ev, "dataplane.attached",
				json_pack("{s:s, s:i, s:i, s:s}", "epoch", epoch, "pid",
					  (int)st->pid, "workers", (int)st->n_workers, "version",
					  st->version));
	}
}

/* ---- routes ---- */

/* "since=N" in @p query (other parameters ignored). @return false if malformed. */
static bool since_parse(const char *query, uint64_t *since)
{
	*since = 0;
	for (const char *p = query; p != NULL && *p != '\0';) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		if (n > 6 && strncmp(p, "since=", 6) == 0) {
			char *end;
			*since = strtoull(p + 6, &end, 10);
			if (end != p + n || p[6] == '-')
				return false;
		} else if (n == 6 && strncmp(p, "since=", 6) == 0) {
			return false;
		}
		p = amp ? amp + 1 : NULL;
	}
	return true;
}

json_t *api_events_route_list(const struct api_ctx *ctx, const struct api_call *call,
			      const char *arg, struct api_resp *resp)
{
	uint64_t since;
	(void)arg;
	if (!since_parse(call->query, &since))
		return api_error(resp, 400, "since must be an event id (a decimal integer)");
	resp->status = 200;
	if (ctx->events == NULL)
		return json_pack("{s:[], s:i, s:b, s:i}", "events", "last_id", 0, "truncated", 0,
				 "max", 0);
	return api_events_json(ctx->events, since);
}

json_t *api_events_route_stream(const struct api_ctx *ctx, const struct api_call *call,
				const char *arg, struct api_resp *resp)
{
	struct rw_buf b = {0};
	uint64_t since = 0;
	(void)arg;
	if (ctx->events == NULL)
		return api_error(resp, 503, "this process keeps no events");
	if (!since_parse(call->query, &since))
		return api_error(resp, 400, "since must be an event id (a decimal integer)");
	if (call->last_event_id != NULL) {
		char *end;
		since = strtoull(call->last_event_id, &end, 10);
		if (*end != '\0' || call->last_event_id[0] == '-')
			return api_error(resp, 400, "Last-Event-ID must be an event id");
	}
	if (ctx->events->streams >= API_EVENTS_MAX_STREAMS) {
		snprintf(resp->extra, sizeof(resp->extra), "Retry-After: 5\r\n");
		return api_error(resp, 503, "too many event streams open; try again later");
	}
	/* the reconnection delay, then what was missed (only when asked: a new
	 * client starts from now and reads the past at GET /v1/events) */
	bool replay = call->last_event_id != NULL || (call->query && strstr(call->query, "since="));
	if (rw_buf_append(&b, "retry: 3000\n\n", 13) != 0 ||
	    (replay && api_events_replay(ctx->events, since, &b) != 0)) {
		rw_buf_fini(&b);
		return NULL;
	}
	resp->status = 200;
	resp->stream = true;
	resp->content_type = API_CT_EVENT_STREAM;
	resp->body = (char *)b.data; /* the server sends it after the header, unframed */
	resp->len = b.len;
	return json_null();
}
