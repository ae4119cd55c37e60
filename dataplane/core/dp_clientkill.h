/*
 * CLIENT KILL across workers: every worker kills its own matching
 * connections (a fan-out part), the replies are summed (DP_AGG_SUM), or
 * for the old form turned into +OK / -ERR No such client (DP_AGG_KILLED).
 *
 * CLIENT UNBLOCK the same way: a blocked client's request waits on the
 * worker owning its keys (dp_block.h), not on its connection's worker, so
 * every worker looks among its own waiters; the one holding it answers it
 * there, where a push could otherwise serve it (so it is either served or
 * unblocked, never both), and the parts' :1/:0 are summed.
 *
 * Context: the worker lcores.
 */
#ifndef RW_DP_CLIENTKILL_H
#define RW_DP_CLIENTKILL_H

#include <stdbool.h>

#include "cmd.h"

struct worker;
struct dp_client;

/* The part every worker runs (name "client", as CLIENT LIST would show it). */
extern const struct cmd_def dp_clientkill_part_def;

/* CLIENT UNBLOCK's part. */
extern const struct cmd_def dp_clientunblock_part_def;

/** Is this CLIENT UNBLOCK (after the table's checks)? */
bool dp_clientunblock_is(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc);
/** Check its arguments, replying the error to @p cl. @return true if the parts may run. */
bool dp_clientunblock_check(struct worker *w, struct dp_client *cl, struct resp_arg *argv,
			    uint32_t argc);

/* CLIENT LIST's part: this worker's connections' lines (DP_AGG_TEXT). */
extern const struct cmd_def dp_clientlist_part_def;
/** Is this CLIENT LIST (after the table's checks)? */
bool dp_clientlist_is(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc);
/** Check its arguments, replying the error to @p cl. @return true if the parts may run. */
bool dp_clientlist_check(struct worker *w, struct dp_client *cl, struct resp_arg *argv,
			 uint32_t argc);

/** Is this CLIENT KILL (after the table's arity and subcommand checks)? */
/** Close this worker's connections whose ACL user was deleted (ACL
 * DELUSER on any worker; the deleting connection closes after its reply). */
void dp_clientkill_deleted_users(struct worker *w);

bool dp_clientkill_is(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc);

/**
 * Check CLIENT KILL's arguments on the connection's worker, replying
 * Redis's error to @p cl when they are wrong. @return true if the parts
 * may run.
 */
bool dp_clientkill_check(struct worker *w, struct dp_client *cl, struct resp_arg *argv,
			 uint32_t argc);

#endif
