/* Unit tests for platform/codec: RESP parser and writers, numbers, CRCs, RDB. */
#include "test_codec.h"

int main(void)
{
	if (rw_test_init() != 0 ||
	    rw_test_add_suite("codec_parse", NULL, NULL, codec_parse_tests) ||
	    rw_test_add_suite("codec_inline", NULL, NULL, codec_inline_tests) ||
	    rw_test_add_suite("codec_write", NULL, NULL, codec_write_tests) ||
	    rw_test_add_suite("codec_num_crc", NULL, NULL, codec_num_crc_tests) ||
	    rw_test_add_suite("codec_rdb", NULL, NULL, codec_rdb_tests) ||
	    rw_test_add_suite("codec_rdb_file", NULL, NULL, codec_rdb_file_tests) ||
	    rw_test_add_suite("codec_rdb_blob", NULL, NULL, codec_rdb_blob_tests))
		return 1;
	return rw_test_run();
}

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void render(const struct resp_cmd *cmd, char *out, size_t outlen)
{
	size_t w = 0;
	out[0] = '\0';
	for (uint32_t i = 0; i < cmd->argc; i++) {
		int n = snprintf(out + w, outlen - w, "%s%.*s", i ? "|" : "", (int)cmd->argv[i].len,
				 (const char *)cmd->argv[i].ptr);
		if (n < 0 || (size_t)n >= outlen - w)
			return;
		w += (size_t)n;
	}
}

enum resp_status codec_parse_one(const void *wire, size_t len, const struct resp_limits *lim,
				 char *out, size_t outlen, size_t *consumed, char *err,
				 size_t errlen)
{
	struct resp_arg argv[CODEC_MAX_ARGS];
	struct resp_cmd cmd = {.argv = argv, .cap = CODEC_MAX_ARGS};
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, wire, len);
	enum resp_status st = resp_parse(copy, len, lim, &cmd);
	if (out != NULL)
		out[0] = '\0';
	if (st == RESP_OK) {
		CU_ASSERT(cmd.consumed > 0 && cmd.consumed <= len);
		for (uint32_t i = 0; i < cmd.argc; i++)
			CU_ASSERT(cmd.argv[i].ptr >= copy &&
				  cmd.argv[i].ptr + cmd.argv[i].len <= copy + len);
		if (out != NULL)
			render(&cmd, out, outlen);
		if (consumed != NULL)
			*consumed = cmd.consumed;
	}
	if (st == RESP_ERROR && err != NULL)
		snprintf(err, errlen, "%s", cmd.err);
	free(copy);
	return st;
}

int codec_feed(const void *wire, size_t n, size_t first, size_t chunk, char *out, size_t outlen)
{
	size_t have = 0, pos = 0, w = 0;
	int cmds = 0;
	char line[4096];

	out[0] = '\0';
	for (bool started = false; have < n; started = true) {
		size_t piece = started ? chunk : first;
		have = have + piece < n ? have + piece : n;
		for (;;) {
			size_t used = 0;
			enum resp_status st =
			    codec_parse_one((const uint8_t *)wire + pos, have - pos, NULL, line,
					    sizeof(line), &used, NULL, 0);
			if (st == RESP_INCOMPLETE)
				break;
			if (st != RESP_OK)
				return -1;
			pos += used;
			cmds++;
			int k = snprintf(out + w, outlen - w, "%s\n", line);
			if (k > 0 && (size_t)k < outlen - w)
				w += (size_t)k;
		}
	}
	return pos == n ? cmds : -1;
}
