/*
 * libFuzzer target for the RESP request parser (platform/codec/resp_parse.c).
 *
 * The input is a connection's byte stream. It is parsed the way a worker
 * does (command after command until INCOMPLETE or ERROR, growing argv on
 * NEED_ARGS) twice: once whole, and once arriving in two pieces at an
 * offset the first byte chooses, re-parsing from the start of the pending
 * command after each piece as the worker does. Both must yield the same
 * commands with the same arguments and the same final status: a parse may
 * never depend on how TCP cut the stream. Arguments must lie inside the
 * buffer and `consumed` never exceeds what was given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

#define MAX_CMDS 64

struct outcome {
	unsigned ncmds;
	enum resp_status last;
	size_t total_consumed;
	uint64_t digest; /* FNV-1a over every command's arguments */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* Parse commands from buf[*off, len); stops at INCOMPLETE or ERROR. */
static enum resp_status drain(uint8_t *buf, size_t len, size_t *off, struct outcome *o,
			      const struct resp_limits *lim)
{
	static struct resp_arg *argv;
	static uint32_t cap;
	if (argv == NULL) {
		cap = 4;
		argv = malloc(sizeof(*argv) * cap);
	}
	for (;;) {
		struct resp_cmd c;
		memset(&c, 0, sizeof(c));
		c.argv = argv;
		c.cap = cap;
		enum resp_status st = resp_parse(buf + *off, len - *off, lim, &c);
		if (st == RESP_NEED_ARGS) {
			if (c.need_args <= cap || c.need_args > (1u << 20))
				abort(); /* must ask for more than it has, within reason */
			cap = c.need_args;
			argv = realloc(argv, sizeof(*argv) * cap);
			continue;
		}
		if (st != RESP_OK)
			return st;
		if (c.consumed == 0 || c.consumed > len - *off)
			abort();
		for (uint32_t i = 0; i < c.argc; i++) {
			if (argv[i].ptr < buf + *off || argv[i].ptr + argv[i].len > buf + *off + c.consumed)
				abort();
			o->digest = fnv(o->digest, &argv[i].len, sizeof(argv[i].len));
			o->digest = fnv(o->digest, argv[i].ptr, argv[i].len);
		}
		o->ncmds += c.argc != 0;
		*off += c.consumed;
		o->total_consumed = *off;
		if (o->ncmds >= MAX_CMDS)
			return RESP_INCOMPLETE;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct resp_limits lim;
	resp_limits_default(&lim);
	lim.max_bulk_len = 1u << 20; /* keep the fuzzer's claimed sizes small */
	lim.max_inline_len = 4096;
	size_t n = size - 1;
	uint8_t *whole = malloc(n + 1), *pieces = malloc(n + 1);
	memcpy(whole, data + 1, n);
	memcpy(pieces, data + 1, n);

	struct outcome a = {0, 0, 0, 1469598103934665603ull};
	size_t off = 0;
	a.last = drain(whole, n, &off, &a, &lim);

	struct outcome b = {0, 0, 0, 1469598103934665603ull};
	size_t cut = n ? data[0] % (n + 1) : 0;
	off = 0;
	b.last = drain(pieces, cut, &off, &b, &lim);
	if (b.last == RESP_INCOMPLETE && b.ncmds < MAX_CMDS)
		b.last = drain(pieces, n, &off, &b, &lim);
	/* An error seen on a prefix may legitimately differ from the whole
	 * (e.g. a too-long line without CRLF); compare clean outcomes only. */
	if (a.last != RESP_ERROR && b.last != RESP_ERROR && a.ncmds < MAX_CMDS &&
	    b.ncmds < MAX_CMDS) {
		if (a.ncmds != b.ncmds || a.digest != b.digest ||
		    a.total_consumed != b.total_consumed || a.last != b.last) {
			fprintf(stderr, "split at %zu changed the parse: %u/%u cmds\n", cut, a.ncmds,
				b.ncmds);
			abort();
		}
	}
	free(whole);
	free(pieces);
	return 0;
}
