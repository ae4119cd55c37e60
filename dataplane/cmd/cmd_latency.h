/*
 * LATENCY's parts shared by cmd_latency.c (the data subcommands) and
 * cmd_latency_report.c (HISTOGRAM, DOCTOR, GRAPH). Internal to dataplane/cmd.
 */
#ifndef RW_CMD_LATENCY_H
#define RW_CMD_LATENCY_H

#include "cmd_diag.h"

/** Merge event @p ev of every worker into @p out. @return true if it exists. */
bool cmd_lat_merge(struct cmd_diag *dg, int ev, struct cmd_lat_ts *out);
/** The event an argument names, or -1. */
int cmd_lat_event_find(const struct resp_arg *a);

void cmd_latency_histogram(struct cmd_ctx *ctx, struct cmd_diag *dg);
/** INFO latencystats' lines (after its header) into @p b. Context: the connection's worker. */
void cmd_latency_info(struct cmd_ctx *ctx, struct rw_buf *b);
void cmd_latency_doctor(struct cmd_ctx *ctx, struct cmd_diag *dg);
void cmd_latency_graph(struct cmd_ctx *ctx, struct cmd_diag *dg);

#endif
