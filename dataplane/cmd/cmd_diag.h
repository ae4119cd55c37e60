/*
 * What SLOWLOG and LATENCY report (Redis 7.0's slowlog.c, latency.c and the
 * per-command latency histograms of server.c call()), kept per worker and
 * merged when read.
 *
 * Every worker records its own commands into its own slot of one shared
 * struct cmd_diag (one per process, created with the run-time config): the
 * slow log (a list, newest first), the latency events ("command",
 * "fast-command": 160 one-second samples each) and one histogram per
 * command. A reply merges every slot as one Redis server would present
 * them: slow log ids come from one process-wide counter, so entries of all
 * workers sort by id; latency samples of the same second keep the highest.
 *
 * Locking: each slot has a spin flag taken by its worker only when a
 * command is slow enough to be logged (off the fast path) and by a reader
 * copying the slot out (SLOWLOG GET, LATENCY ...: rare, short). Histogram
 * counters are single-writer relaxed atomics, read without the lock.
 *
 * Context: any worker lcore; nothing here blocks beyond the spin.
 */
#ifndef RW_CMD_DIAG_H
#define RW_CMD_DIAG_H

#include <stdatomic.h>
#include <stdint.h>

#include "cmd.h"
#include "rw_buf.h"

#define CMD_DIAG_WORKERS    64	/* slots: the most workers a process runs */
#define CMD_SLOWLOG_ARGC    32	/* SLOWLOG_ENTRY_MAX_ARGC */
#define CMD_SLOWLOG_STR	    128 /* SLOWLOG_ENTRY_MAX_STRING */
#define CMD_LAT_TS_LEN	    160 /* LATENCY_TS_LEN */
#define CMD_LAT_EVENTS	    2	/* "command", "fast-command" */
#define CMD_HIST_BUCKETS    21	/* 1 us .. 1 s in powers of two (hdr log iteration) */
#define CMD_HIST_SLOTS	    512 /* commands and subcommands, open addressing */
#define CMD_LAT_EV_COMMAND  0
#define CMD_LAT_EV_FAST_CMD 1

struct cmd_slowlog_entry {
	struct cmd_slowlog_entry *next, *prev; /* newer, older... head is the newest */
	uint64_t id;
	int64_t time_s;
	int64_t dur_us;
	char peer[24];
	char name[CMD_CLIENT_NAME_MAX + 1];
	uint32_t argc;
	uint32_t arg_len[CMD_SLOWLOG_ARGC];
	uint32_t arg_off[CMD_SLOWLOG_ARGC];
	uint8_t data[]; /* the (truncated) arguments */
};

struct cmd_lat_sample {
	int64_t time_s; /* 0: empty */
	int64_t ms;
};

struct cmd_lat_ts {
	bool used; /* the event exists (LATENCY RESET removes it) */
	uint32_t idx;
	int64_t max;
	struct cmd_lat_sample s[CMD_LAT_TS_LEN];
};

struct cmd_hist {
	const struct cmd_def *def; /* NULL: free */
	_Atomic uint64_t calls;
	_Atomic uint64_t usec; /* the calls' durations summed (INFO commandstats usec) */
	_Atomic uint64_t b[CMD_HIST_BUCKETS];
};

struct cmd_diag_slot {
	atomic_flag lock;
	struct cmd_slowlog_entry *head, *tail;
	uint64_t len;
	struct cmd_lat_ts ev[CMD_LAT_EVENTS];
	struct cmd_hist *hist;	    /* CMD_HIST_SLOTS, on the first command */
	struct cmd_hist *hist_last; /* the entry the last command counted in */
	/* MONITOR: lines for this worker's monitors, appended by every worker
	 * under the lock, moved out by this worker once per loop (dp_monitor.c) */
	_Atomic uint32_t monitors;
	struct rw_buf mon;
} __attribute__((aligned(64)));

struct cmd_diag {
	_Atomic uint64_t slowlog_next_id;
	/* CLIENT PAUSE: commands wait until this unix ms (0: not paused);
	 * all of them, or only those that write (cmd_client_pause.c) */
	_Atomic uint64_t pause_end_ms;
	_Atomic uint32_t pause_all;
	_Atomic uint32_t monitors; /* MONITOR clients on all workers */
	struct cmd_diag_slot slot[CMD_DIAG_WORKERS];
};

struct cmd_diag *cmd_diag_create(void);
void cmd_diag_destroy(struct cmd_diag **d);
/** The process's diag state (NULL without env->rt: nothing is recorded). */
struct cmd_diag *cmd_diag_of(const struct cmd_env *env);

void cmd_diag_lock(struct cmd_diag_slot *s);
void cmd_diag_unlock(struct cmd_diag_slot *s);

extern const char *const cmd_lat_event_names[CMD_LAT_EVENTS];

/** A command's histogram summed over the workers. @return true if it ran. */
bool cmd_hist_sum(struct cmd_diag *dg, const struct cmd_def *d, uint64_t *calls,
		  uint64_t b[CMD_HIST_BUCKETS]);

/** Is argument @p i of @p d a secret (AUTH, HELLO AUTH)? Shown "(redacted)". */
bool cmd_diag_redacted(const struct cmd_def *d, const struct resp_arg *argv, uint32_t i);
/** Feed a command that ran to every worker's monitors (cmd_monitor.c). */
void cmd_monitor_feed(struct cmd_ctx *ctx, const struct cmd_def *d, const struct cmd_def *real);

/** The histogram bucket a command of @p dur_us microseconds counts in. */
uint32_t cmd_hist_bucket_of(int64_t dur_us);
/** The upper bound (us) Redis reports for histogram bucket @p i. */
int64_t cmd_hist_bucket_us(uint32_t i);

#endif
