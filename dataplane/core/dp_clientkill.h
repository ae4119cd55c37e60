/*
 * CLIENT KILL across workers: every worker kills its own matching
 * connections (a fan-out part), the replies are summed (DP_AGG_SUM), or
 * for the old form turned into +OK / -ERR No such client (DP_AGG_KILLED).
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

/** Is this CLIENT KILL (after the table's arity and subcommand checks)? */
bool dp_clientkill_is(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc);

/**
 * Check CLIENT KILL's arguments on the connection's worker, replying
 * Redis's error to @p cl when they are wrong. @return true if the parts
 * may run.
 */
bool dp_clientkill_check(struct worker *w, struct dp_client *cl, struct resp_arg *argv,
			 uint32_t argc);

#endif
