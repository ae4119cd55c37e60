/*
 * Streaming a dataset into the dataplane at start (issue #7, "Recovery on
 * start"): the control plane's side of the LOAD_* messages
 * (platform/chan/FORMAT.md, "Loading").
 *
 *   cp_load_begin()   LOAD_BEGIN to every worker; each answers "accepted"
 *                     (it waits for its dataset) or "serving" (a live
 *                     dataset: nothing is loaded into it, ever)
 *   cp_load_cmd()     one command of the file: routed to the worker owning
 *                     its key (CRC16 slot, as dataplane/shard), multi-key
 *                     DEL/UNLINK/MSET/MSETNX split per owner, FLUSHALL and
 *                     FLUSHDB to every worker, MULTI/EXEC dropped (each
 *                     command of a transaction is replayed on its own)
 *   cp_load_end()     the rest of the stream, LOAD_END, and the workers'
 *                     "done" answers
 *
 * Commands are packed into LOAD_CMDS messages of up to CP_LOAD_CHUNK bytes
 * per worker; a command larger than that continues in the next message.
 * When a worker's ring is full the call waits (this is the control plane's
 * boot or attach path), watching that the dataplane is still the one the
 * session started with: a new channel epoch or a stale heartbeat ends the
 * session with -ECONNRESET / -ETIMEDOUT.
 *
 * Context: the control plane's event loop thread; blocks while it waits.
 */
#ifndef CP_LOAD_H
#define CP_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "resp.h"

#define CP_LOAD_CHUNK (64u * 1024) /* command bytes per LOAD_CMDS message */

struct cp_load_result {
	uint32_t workers_loaded;  /* workers that accepted and finished */
	uint32_t workers_serving; /* workers that served already (not loaded) */
	uint64_t sent;		  /* commands sent (a split command counts per part) */
	uint64_t skipped;	  /* MULTI/EXEC left out */
	uint64_t executed;	  /* as the workers report */
	uint64_t errors;	  /* commands the workers could not run */
};

struct cp_load;

/* A message of worker @p w that is not the session's (INFO_REQ, PING, a
 * CONFIG_NOTE): handed on while the session waits, instead of dropped. */
typedef void cp_load_other_fn(void *arg, uint32_t w, const struct chan_msg *m);

struct cp_load_opts {
	uint32_t flags;		 /* CHAN_LOAD_F_REPLACE: a live restore */
	cp_load_other_fn *other; /* NULL: other messages are released unread */
	void *other_arg;
};

/**
 * Start a session on channel @p ch (file @p path, to notice a restarted
 * dataplane): LOAD_BEGIN to every worker, then wait up to @p timeout_ms for
 * every answer. @p total_bytes feeds INFO's loading_total_bytes. @p opts
 * may be NULL. With CHAN_LOAD_F_REPLACE worker 0 gets its BEGIN first and
 * alone; the others only once it accepted.
 * @return 0, -ETIMEDOUT, -ECONNRESET (the dataplane went away), -ENOMEM,
 *         -EBUSY (REPLACE: worker 0 runs a snapshot; nothing changed).
 */
int cp_load_begin(struct cp_load **out, struct chan *ch, const char *path, uint64_t total_bytes,
		  int timeout_ms, const struct cp_load_opts *opts);
/** Workers that accepted the session (0: the dataplane serves already, nothing to load). */
uint32_t cp_load_accepting(const struct cp_load *l);
/**
 * Send one command (RESP array @p resp of @p len bytes, arguments @p argv)
 * for database @p db; @p loaded_bytes is the progress through the files.
 * @return 0, -ECONNRESET, -ETIMEDOUT, -ENOMEM.
 */
int cp_load_cmd(struct cp_load *l, uint32_t db, const struct resp_arg *argv, uint32_t argc,
		const uint8_t *resp, size_t len, uint64_t loaded_bytes);
/** Flush, LOAD_END, wait up to @p timeout_ms for every worker's "done". @return as above. */
int cp_load_end(struct cp_load *l, int timeout_ms, struct cp_load_result *res);
/** NULL-safe; clears the pointer. */
void cp_load_destroy(struct cp_load **l);

/** The worker owning @p key among @p n_workers (dataplane/shard's shard_of_key). */
uint32_t cp_load_key_owner(const void *key, size_t len, uint32_t n_workers);

#endif
