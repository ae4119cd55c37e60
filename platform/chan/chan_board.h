/*
 * The dataplane's board: what the dataplane publishes for the management
 * plane besides the channel's per-worker counters -- per-command calls,
 * time, rejected and failed calls (INFO commandstats), error replies per
 * prefix (INFO errorstats), the latency histogram of all commands, the
 * newest slow log entries and each worker's busy share. One small file next
 * to the channel ("<redwire-channel>.board", tmpfs), rewritten in place by
 * the dataplane's service thread (the main lcore, never a worker) a few
 * times a second from what the workers already record (cmd_diag.h), and
 * mapped read-only by the control plane for a request. Format in
 * FORMAT.md ("Board").
 *
 * Consistency: a sequence lock. The single writer makes `seq` odd, writes,
 * makes it even again; a reader copies the board out and keeps the copy
 * only if `seq` was even and unchanged across the copy (chan_board_read).
 *
 * Context: writer: the dataplane's service thread; reader: any process.
 */
#ifndef RW_CHAN_BOARD_H
#define RW_CHAN_BOARD_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "chan.h"

#define CHAN_BOARD_MAGIC   0x31445242574eull /* "NWBRD1" */
#define CHAN_BOARD_VERSION 2
#define CHAN_BOARD_CMDS	   256 /* commands and subcommands that ran */
#define CHAN_BOARD_SLOW	   32  /* newest slow log entries, all workers */
#define CHAN_BOARD_HIST	   21  /* 1 us .. 1 s, powers of two (cmd_diag.h) */
#define CHAN_BOARD_ARGS	   384 /* a slow entry's argument bytes */
#define CHAN_BOARD_ARGC	   16  /* a slow entry's arguments kept */
#define CHAN_BOARD_ERRS	   32  /* error prefixes (INFO errorstats) */
#define CHAN_BOARD_SUFFIX  ".board"

/* Counters since the dataplane started: CONFIG RESETSTAT does not move them. */
struct chan_board_cmd {
	char name[48]; /* "get", "client|list" */
	uint64_t calls;
	uint64_t usec;	   /* sum of the calls' durations */
	uint64_t rejected; /* refused before running (INFO commandstats rejected_calls) */
	uint64_t failed;   /* ran and replied an error (failed_calls) */
};
_Static_assert(sizeof(struct chan_board_cmd) == 80, "chan_board_cmd is a wire struct");

struct chan_board_err {
	char name[32]; /* "ERR", "WRONGTYPE": an error reply's first word, NUL-terminated */
	uint64_t count;
};
_Static_assert(sizeof(struct chan_board_err) == 40, "chan_board_err is a wire struct");

struct chan_board_slow {
	uint64_t id;
	int64_t time_s;
	int64_t dur_us;
	uint32_t argc;	   /* arguments in args (the entry's first ones that fit) */
	uint32_t argc_all; /* arguments the entry holds */
	char peer[24];	   /* "ip:port" */
	char client_name[40];
	uint16_t arg_len[CHAN_BOARD_ARGC];
	char args[CHAN_BOARD_ARGS]; /* the argc arguments back to back, bytes as they came */
};
_Static_assert(sizeof(struct chan_board_slow) == 512, "chan_board_slow is a wire struct");

struct chan_board {
	uint64_t magic;
	uint32_t version;
	uint32_t bytes;	      /* sizeof(struct chan_board) */
	_Atomic uint64_t seq; /* odd while the writer writes */
	uint64_t epoch;	      /* the channel's epoch (chan_dp_info): a board of this run */
	uint64_t published_unix_ms;
	uint32_t n_workers;
	uint32_t n_cmds;
	uint32_t n_slow;
	uint32_t cmds_dropped;			 /* commands that did not fit in cmd[] */
	uint64_t slowlog_len;			 /* SLOWLOG LEN */
	uint64_t errors_total;			 /* every error reply (total_error_replies) */
	uint32_t n_errs;
	uint32_t errs_dropped; /* error prefixes that did not fit in err[] */
	uint64_t hist_bound_us[CHAN_BOARD_HIST]; /* a bucket's upper bound */
	uint64_t hist[CHAN_BOARD_HIST];		 /* all commands, counts per bucket */
	/* share of the last publishing interval each worker spent in loop
	 * iterations that found work (busy_cycles over TSC cycles), in 1/1000 */
	uint32_t busy_permille[CHAN_MAX_WORKERS];
	struct chan_board_cmd cmd[CHAN_BOARD_CMDS];
	struct chan_board_err err[CHAN_BOARD_ERRS]; /* by name, bytewise */
	struct chan_board_slow slow[CHAN_BOARD_SLOW]; /* newest first */
};
_Static_assert(sizeof(struct chan_board) == 38816, "chan_board is a wire struct");

/* Begin and end a write (the writer only). */
static inline void chan_board_write_begin(struct chan_board *b)
{
	atomic_store_explicit(&b->seq, atomic_load_explicit(&b->seq, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

static inline void chan_board_write_end(struct chan_board *b)
{
	atomic_store_explicit(&b->seq, atomic_load_explicit(&b->seq, memory_order_relaxed) + 1,
			      memory_order_release);
}

/*
 * Copy @p b (a read-only mapping of the file) into @p out, retrying while
 * the writer is at work: a write takes microseconds every 250 ms, but the
 * writer may be preempted mid-write on a loaded host, so after a few quick
 * tries the reader sleeps 100 us between tries (20 ms at most in all).
 * Context: a reader that may block that long.
 * @return 0, -EAGAIN (no consistent copy), -EPROTO (not a board of this
 * format).
 */
static inline int chan_board_read(struct chan_board *b, struct chan_board *out)
{
	for (int tries = 0; tries < 210; tries++) {
		if (tries >= 10)
			nanosleep(&(struct timespec){.tv_nsec = 100000}, NULL);
		uint64_t s1 = atomic_load_explicit(&b->seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		__builtin_memcpy(out, (const void *)b, sizeof(*out));
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&b->seq, memory_order_relaxed) != s1)
			continue;
		if (out->magic != CHAN_BOARD_MAGIC || out->version != CHAN_BOARD_VERSION ||
		    out->bytes != sizeof(*out))
			return -EPROTO;
		return 0;
	}
	return -EAGAIN;
}

#endif
