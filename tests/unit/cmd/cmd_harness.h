/*
 * Shared harness of the command unit tests: one store shard, one client,
 * an environment like the dataplane's, and a way to run a command line
 * ("set k v") through cmd_call() and get the reply bytes back.
 * Expected replies in the *.inc tables were captured from stock
 * redis-server 7.0.15.
 */
#ifndef RW_TEST_CMD_HARNESS_H
#define RW_TEST_CMD_HARNESS_H

#include <stdint.h>

#include "cmd.h"
#include "rw_test.h"
#include "store.h"

struct cmd_case {
	const char *cmd; /* arguments separated by single spaces */
	const char *reply;
};

struct harness {
	struct store_shard *shard;
	struct cmd_client client;
	struct rw_config cfg;
	struct cmd_env env;
	struct rw_buf out;
	struct cmd_ctx ctx;
	uint8_t argbuf[1024];
	struct resp_arg argv[64];
};

uint64_t h_unix_ms(void);
/**
 * Set up @p h: RESP @p proto, @p requirepass ("" for none), a server
 * started @p started_ago_ms ago with pid 4242, run-time config and 16 DBs.
 */
void h_init(struct harness *h, uint8_t proto, const char *requirepass, uint64_t started_ago_ms);
void h_fini(struct harness *h);
/** Split @p line on spaces and run it. @return the reply, NUL-terminated. */
const char *h_run(struct harness *h, const char *line);
/** Print @p s with CR/LF escaped, for failure messages. */
void h_print_escaped(const char *tag, const char *s);
/** Run every case and compare; @p skip (may be NULL) says which not to compare. */
void h_run_cases(struct harness *h, const struct cmd_case *cases,
		 int (*skip)(const struct cmd_case *c));

/* test_cmd_dump.c */
extern const struct rw_test_case cmd_dump_tests[];

#endif
