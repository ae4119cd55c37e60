/*
 * Facts the command layer reads about the rest of the dataplane (see
 * dp_info.c): CLIENT INFO/LIST's connection description and INFO's totals.
 */
#ifndef RW_DP_INFO_H
#define RW_DP_INFO_H

#include "worker.h"

/**
 * Publish this worker's shard numbers for INFO: the counters always, the
 * per-DB figures (keys, expires, index bytes: a walk of every DB) only if
 * @p dbs. Context: the owning worker.
 */
void dp_info_publish(struct worker *w, bool dbs);
/** cmd_info_gather_fn: @p arg is the struct dp_shared. Context: any worker. */
void dp_info_gather(void *arg, struct cmd_info_totals *t);
/** Store a CHAN_MSG_PERSIST_STATUS for INFO. @return false if @p m is another type. */
bool dp_info_persist_msg(struct worker *w, const struct chan_msg *m);
/**
 * processCommand()'s disk-error rule: while the last snapshot failed (with
 * stop-writes-on-bgsave-error yes and save points set), or while the
 * control plane reports a
 * failed AOF write or fsync, write commands (and PING, as Redis) are refused
 * with -MISCONF before they run, so nothing is executed that could not be
 * made durable; reads go on. Writes already running stay held until their
 * records are durable.
 * Context: any worker.
 */
bool dp_info_persist_refuses(const struct worker *w, const struct cmd_def *d);
/** The -MISCONF error: the RDB's text, or the AOF's with the reported errno's strerror(). */
void dp_info_misconf_reply(const struct worker *w, struct rw_buf *out);
/** cmd_conn_describe_fn: @p conn is a struct dp_client. Context: its worker. */
void dp_conn_describe(const void *conn, struct cmd_conn_info *out);

#endif
