/* Unit tests for control/persist (the AOF writer and loader). */
#ifndef TEST_PERSIST_H
#define TEST_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "aof_internal.h"
#include "rw_test.h"

extern const struct rw_test_case persist_format_tests[];
extern const struct rw_test_case persist_write_tests[];
extern const struct rw_test_case persist_load_tests[];
extern const struct rw_test_case persist_rdb_tests[];
extern const struct rw_test_case persist_rewrite_tests[];

/** A fresh empty directory under /tmp (path buffer >= 64 bytes). */
void tp_tmpdir(char *path);
/** rm -r of a directory made by tp_tmpdir. */
void tp_rmdir(const char *path);
/** Read a whole file; caller frees. NULL if missing. */
uint8_t *tp_read(const char *path, size_t *len);
void tp_write(const char *path, const void *p, size_t n);

#endif
