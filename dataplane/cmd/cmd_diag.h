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
 * The same slot keeps INFO commandstats and errorstats (server.c call(),
 * rejectCommand(), afterErrorReply()): per command its calls, time,
 * rejected calls (refused before running) and failed calls (ran, replied
 * an error), and per error prefix ("ERR", "WRONGTYPE") the error replies.
 *
 * CONFIG RESETSTAT zeroes none of this: counters stay single-writer. It
 * copies every counter into its `base` twin (cmd_diag_reset()), and
 * readers report counter - base. The board (dp_board.c) publishes the
 * counters themselves: monotonic, as Prometheus counters must be.
 *
 * Locking: each slot has a spin flag taken by its worker only when a
 * command is slow enough to be logged (off the fast path) and by a reader
 * copying the slot out (SLOWLOG GET, LATENCY ...: rare, short). Histogram
 * and error counters are single-writer relaxed atomics, read without the
 * lock; bases are written by the worker that runs CONFIG RESETSTAT.
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
#define CMD_ERR_NAMES	    64	/* error prefixes a worker keeps (Redis: no bound) */
#define CMD_ERR_NAME_MAX    32	/* afterErrorReply() looks 32 bytes for the prefix */
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

/* One command's counters (INFO commandstats, LATENCY HISTOGRAM). */
struct cmd_stat_ctrs {
	_Atomic uint64_t calls;
	_Atomic uint64_t usec;	   /* the calls' durations summed (INFO commandstats usec) */
	_Atomic uint64_t rejected; /* refused before running (arity, NOAUTH, OOM...) */
	_Atomic uint64_t failed;   /* ran and replied an error */
	_Atomic uint64_t b[CMD_HIST_BUCKETS];
};

struct cmd_hist {
	const struct cmd_def *def; /* NULL: free */
	struct cmd_stat_ctrs n;
	struct cmd_stat_ctrs base; /* n at the last CONFIG RESETSTAT */
};

/* One error prefix's replies (INFO errorstats). */
struct cmd_err_stat {
	char name[CMD_ERR_NAME_MAX];
	uint32_t len;
	_Atomic uint64_t count;
	_Atomic uint64_t base; /* count at the last CONFIG RESETSTAT */
};

struct cmd_diag_slot {
	atomic_flag lock;
	struct cmd_slowlog_entry *head, *tail;
	uint64_t len;
	struct cmd_lat_ts ev[CMD_LAT_EVENTS];
	struct cmd_hist *hist;	    /* CMD_HIST_SLOTS, on the first command */
	struct cmd_hist *hist_last; /* the entry the last command counted in */
	/* errorstats: entries [0, n_err) are complete (published by a release store) */
	_Atomic uint32_t n_err;
	_Atomic uint64_t errors;       /* every error reply (total_error_replies) */
	_Atomic uint64_t errors_other; /* of them, prefixes err[] had no room for */
	struct cmd_err_stat err[CMD_ERR_NAMES];
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

/** A command's histogram summed over the workers, since the last CONFIG
 * RESETSTAT. @return true if it ran. */
bool cmd_hist_sum(struct cmd_diag *dg, const struct cmd_def *d, uint64_t *calls,
		  uint64_t b[CMD_HIST_BUCKETS]);

/** A command's commandstats figures summed over the workers. */
struct cmd_stat_sum {
	uint64_t calls, usec, rejected, failed;
};
/** @p d's figures since the last CONFIG RESETSTAT. @return true if any is not 0. */
bool cmd_stat_sum(struct cmd_diag *dg, const struct cmd_def *d, struct cmd_stat_sum *out);
/** @p d's figures since the dataplane started (the board). */
void cmd_stat_sum_raw(struct cmd_diag *dg, const struct cmd_def *d, struct cmd_stat_sum *out);

/**
 * The errorstats name of an error reply @p s (afterErrorReply()): the bytes
 * after '-' up to the first space within the first 32 bytes, else "ERR".
 * @return the name's length; *name points into @p s or at "ERR".
 */
size_t cmd_err_name(const uint8_t *s, size_t len, const uint8_t **name);

/**
 * An error reply @p s (a whole "-..." line) went to a client from worker
 * @p worker: total_error_replies and its errorstats name count it.
 * Context: that worker.
 */
void cmd_diag_error(struct cmd_diag *dg, uint32_t worker, const uint8_t *s, size_t len);
/**
 * processCommand() refused a command with error @p s before running it:
 * the error is counted, and a rejected call of @p d, the command or
 * subcommand refused (NULL: unknown command or subcommand, none).
 * Context: worker @p worker.
 */
void cmd_diag_rejected(const struct cmd_env *env, uint32_t worker, const struct cmd_def *d,
		       const uint8_t *s, size_t len);
/**
 * A part of a command that runs on several workers replied error @p s:
 * the error and a failed call of its (sub)command; the call itself is
 * counted by the coordinator (cmd_diag_command()).
 * Context: worker @p worker.
 */
void cmd_diag_failed(struct cmd_ctx *ctx, const struct cmd_def *d, uint32_t worker,
		     const uint8_t *s, size_t len);

/**
 * A blocked command @p d timed out (or CLIENT UNBLOCK ended it): a call in
 * commandstats, as updateStatsOnUnblock() counts it, but none in its
 * latency histogram (7.0.15 records none for a timeout).
 * Context: worker @p worker.
 */
void cmd_diag_timed_out(const struct cmd_env *env, uint32_t worker, const struct cmd_def *d);

/** Every error reply since the dataplane started, all workers. */
uint64_t cmd_diag_errors_total(struct cmd_diag *dg);

/** One errorstats line: a name and its count since the last CONFIG RESETSTAT. */
struct cmd_err_sum {
	char name[CMD_ERR_NAME_MAX + 1];
	uint32_t len;
	uint64_t count;
};
/**
 * The errorstats of every worker merged by name, in Redis's order (its
 * rax: bytewise, a prefix first), names with no count left out.
 * @p raw: since the start (the board), else since the last RESETSTAT.
 * @return the entries written into @p out (at most @p cap).
 */
size_t cmd_err_sums(struct cmd_diag *dg, bool raw, struct cmd_err_sum *out, size_t cap);

/**
 * CONFIG RESETSTAT: every worker's command and error counters and latency
 * histograms start again from 0 for their readers (INFO, LATENCY).
 * Context: any worker.
 */
void cmd_diag_reset(struct cmd_diag *dg);

/** Is argument @p i of @p d a secret (AUTH, HELLO AUTH)? Shown "(redacted)". */
bool cmd_diag_redacted(const struct cmd_def *d, const struct resp_arg *argv, uint32_t i);
/** Feed a command that ran to every worker's monitors (cmd_monitor.c). */
void cmd_monitor_feed(struct cmd_ctx *ctx, const struct cmd_def *d, const struct cmd_def *real);

/** The histogram bucket a command of @p dur_us microseconds counts in. */
uint32_t cmd_hist_bucket_of(int64_t dur_us);
/** The upper bound (us) Redis reports for histogram bucket @p i. */
int64_t cmd_hist_bucket_us(uint32_t i);

#endif
