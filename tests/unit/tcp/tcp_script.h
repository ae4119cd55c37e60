/*
 * Segment scripts: a packetdrill-shaped language for TCP behaviour, parsed
 * here and run against the stack on the unit-test fixture's in-memory port
 * and fake clock (tests/tcp/scripts/NAME.pkt; the format is described in
 * tests/tcp/README.md).
 *
 * Context: single-threaded test binaries.
 */
#ifndef RW_TCP_SCRIPT_H
#define RW_TCP_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_MAX_EVENTS 256
#define SC_MAX_ARGS   3
#define SC_ARG_LEN    40

/* An option list as written; for an outbound line it is compared by
 * meaning (which options, which values), not byte layout. */
struct sc_opts {
	bool any; /* <...> */
	bool mss_set;
	uint16_t mss;
	bool ws;
	uint8_t wscale;
	bool sack_perm;
	bool ts;
	bool tsval_any, tsecr_any;
	uint32_t tsval, tsecr;
	uint8_t n_sack;
	uint32_t sack[4][2];
	/* raw bytes in the written order (inbound) */
	uint8_t raw[40];
	uint8_t raw_len;
};

enum sc_kind {
	SC_IN,	/* < : the peer sends */
	SC_OUT, /* > : the stack must send */
	SC_CALL /* name(args): application action or assertion */
};

struct sc_event {
	int line;
	bool rel;    /* +t: relative to the previous event */
	uint64_t us; /* time (relative or absolute) */
	enum sc_kind kind;
	/* segments */
	uint8_t flags;
	bool seq_any;
	uint32_t seq, end, len;
	bool ack_set, ack_any;
	uint32_t ack;
	bool win_set, win_any;
	uint32_t win;
	bool opt_set;
	struct sc_opts opt;
	/* calls */
	char fn[SC_ARG_LEN];
	char arg[SC_MAX_ARGS][SC_ARG_LEN];
	unsigned n_arg;
};

struct sc_script {
	struct sc_event ev[SC_MAX_EVENTS];
	unsigned n;
};

/**
 * Parse the script at @p path. On error, @p err holds "file:line: why".
 * @return 0 or -1.
 */
int sc_parse_file(const char *path, struct sc_script *s, char *err, size_t err_len);
/** Parse one line (no newline) into @p e. @return 1 (event), 0 (blank/comment), -1. */
int sc_parse_line(const char *line, struct sc_event *e, char *err, size_t err_len);

/**
 * Run @p s on the fixture (which must be set up). On failure, @p err says
 * which line and why. @return 0 or -1.
 */
int sc_run(const struct sc_script *s, char *err, size_t err_len);

#endif
