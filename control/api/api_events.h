/*
 * Appliance events: an in-memory, bounded history of what happened
 * (configuration changed, snapshot started/finished/failed, dataplane
 * attached/detached, token created/revoked, TLS reloaded, any other change
 * made through the API), served as JSON at GET /v1/events?since=ID and as
 * a server-sent-events stream at GET /v1/events/stream.
 *
 * Each event has an id counting up from 1 (never reused while the control
 * plane runs), a time, a type ("snapshot.finished") and a JSON detail.
 * The history keeps the last API_EVENTS_MAX; a client that asks for events
 * since an id already forgotten gets what is left and `truncated: true`.
 *
 * The stream (HTML Living Standard, "Server-sent events"): each event is
 *
 *   id: 42
 *   event: config.changed
 *   data: {"id":42,"time":"...","type":"config.changed","detail":{...}}
 *   <empty line>
 *
 * so a browser's EventSource, reconnecting, sends Last-Event-ID: 42 and
 * gets the events after it (from the history) before the live ones. A
 * comment line (": heartbeat") goes out every API_EVENTS_HEARTBEAT_MS so
 * proxies and clients see a live connection. At most API_EVENTS_MAX_STREAMS
 * streams are open at once (both listeners together); more are 503.
 * Details never hold a secret: they are the audit log's details (token
 * ids, never texts).
 *
 * The API servers register as listeners: an emitted event is written to
 * every open stream at once (api_server.c).
 *
 * Context: the control plane's event loop.
 */
#ifndef API_EVENTS_H
#define API_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cp_chan.h"
#include "rw_buf.h"

#define API_EVENTS_MAX		256
#define API_EVENTS_MAX_STREAMS	8
#define API_EVENTS_HEARTBEAT_MS 5000
#define API_EVENTS_LISTENERS	4
/* a stream whose client reads slower than events come is closed past this */
#define API_EVENTS_STREAM_BACKLOG (1024 * 1024)

struct api_event {
	uint64_t id; /* 0: an empty slot */
	uint64_t unix_ms;
	char type[32];
	char *data; /* the event's JSON, as in GET /v1/events (malloc'd) */
};

typedef void api_events_listener_fn(void *arg, const struct api_event *e);

struct api_events {
	struct api_event ring[API_EVENTS_MAX];
	uint64_t next_id;
	uint32_t streams; /* open streams */
	struct {
		api_events_listener_fn *fn;
		void *arg;
	} listeners[API_EVENTS_LISTENERS];
	/* the dataplane as last seen, for attach/detach events */
	bool dp_attached;
	uint64_t dp_epoch;
};

void api_events_init(struct api_events *ev);
/** Free the history. NULL-safe. */
void api_events_fini(struct api_events *ev);

/** Record an event of @p type; @p detail (may be NULL) is taken over. NULL-safe on @p ev. */
void api_events_emit(struct api_events *ev, const char *type, json_t *detail);

/** {"events": [after @p since, oldest first], "last_id", "truncated", "max"}. */
json_t *api_events_json(const struct api_events *ev, uint64_t since);

/** Append @p e in the stream's form. @return 0 or -ENOMEM. */
int api_events_sse(const struct api_event *e, struct rw_buf *out);
/** Append every kept event after @p since in the stream's form. @return 0 or -ENOMEM. */
int api_events_replay(const struct api_events *ev, uint64_t since, struct rw_buf *out);

/** Register (@p fn non-NULL) or drop a listener. @return 0 or -ENOSPC. */
int api_events_listen(struct api_events *ev, api_events_listener_fn *fn, void *arg);
void api_events_unlisten(struct api_events *ev, void *arg);

/**
 * A CONFIG_NOTE from the dataplane ("name\0value\0old\0source\0client\0",
 * platform/chan/FORMAT.md): a CONFIG SET sent on the RESP port becomes a
 * config.changed event shaped as a PATCH's (parameter, old, new; secrets
 * "(redacted)" whatever the dataplane sent), with source "resp" and the
 * client's address. Notes of the API's own CONFIG SETs ("api") and the
 * older two-field form are no events: the PATCH recorded those.
 */
void api_events_config_note(struct api_events *ev, const char *payload, size_t len);

/** Emit dataplane.attached/detached when @p st differs from what was last seen. */
void api_events_watch_dataplane(struct api_events *ev, const struct cp_chan_status *st);

#endif
