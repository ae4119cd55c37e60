/* Test tables of the codec unit-test binary, one per file (see test_codec_main.c). */
#ifndef TEST_CODEC_H
#define TEST_CODEC_H

#include "rw_test.h"

extern const struct rw_test_case codec_parse_tests[];
extern const struct rw_test_case codec_inline_tests[];
extern const struct rw_test_case codec_write_tests[];
extern const struct rw_test_case codec_num_crc_tests[];
extern const struct rw_test_case codec_rdb_tests[];
extern const struct rw_test_case codec_rdb_file_tests[];
extern const struct rw_test_case codec_rdb_blob_tests[];

#endif

#include <stddef.h>
#include <stdint.h>

#include "resp.h"

#define CODEC_MAX_ARGS 64

/*
 * Parse one command from a private heap copy of exactly @p len bytes (so
 * ASan flags any read past the end) and render it as "arg|arg|..." in @p out.
 * @return the status; *consumed is set with RESP_OK, *err with RESP_ERROR.
 */
enum resp_status codec_parse_one(const void *wire, size_t len, const struct resp_limits *lim,
				 char *out, size_t outlen, size_t *consumed, char *err,
				 size_t errlen);

/*
 * Feed @p wire to a simulated connection in pieces of @p chunk bytes (the
 * first piece is @p first bytes), parsing after every piece as a worker
 * would, and render every command as one "arg|arg\n" line into @p out.
 * @return the number of commands, or -1 on a parse error or leftover bytes.
 */
int codec_feed(const void *wire, size_t n, size_t first, size_t chunk, char *out, size_t outlen);
