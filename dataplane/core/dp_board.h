/*
 * Publishing the dataplane's board (platform/chan/chan_board.h): the
 * service thread copies what the workers record for SLOWLOG and the
 * per-command histograms (cmd_diag.h) into a file the control plane maps,
 * so a scrape or a console never asks a worker for anything.
 *
 * Context: the dataplane's service thread (the main lcore) only.
 */
#ifndef DP_BOARD_H
#define DP_BOARD_H

#include <stdint.h>

#include "chan_board.h"

#define DP_BOARD_PERIOD_MS 250

struct dp_shared;

struct dp_board {
	struct chan_board *b; /* the shared mapping; NULL: not published */
	char path[512];
	uint64_t last_ms;		  /* last publication (unix ms) */
	uint64_t last_tsc;		  /* TSC then, for the busy shares */
	uint64_t *last_busy;		  /* each worker's busy_cycles then */
	const void **defs;		  /* cmd_def of each cmd[] entry, while filling */
	struct chan_board_slow *slow_tmp; /* every worker's newest entries, to sort */
};

/**
 * Create "<channel>.board" (built under a temporary name, then renamed)
 * and map it. A failure is logged and leaves the board unpublished: the
 * dataplane serves without it.
 * @return 0 or -errno.
 */
int dp_board_setup(struct dp_board *bd, const struct dp_shared *sh);
/** Publish when DP_BOARD_PERIOD_MS have passed since the last time. */
void dp_board_tick(struct dp_board *bd, const struct dp_shared *sh, uint64_t now_ms);
/** Unmap and remove the file. */
void dp_board_teardown(struct dp_board *bd);

#endif
