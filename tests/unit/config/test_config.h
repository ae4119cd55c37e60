/* Shared helpers of the config unit-test binary. */
#ifndef TEST_CONFIG_H
#define TEST_CONFIG_H

#include "config.h"
#include "rw_test.h"

extern const struct rw_test_case config_load_tests[];
extern const struct rw_test_case config_show_tests[];
extern const struct rw_test_case config_values_tests[];

/* The shipped platform/config/redwire.conf (argv[1] of the binary), or NULL. */
extern const char *shipped_conf;

/* Collected warning or echo lines, one per '\n'. */
struct lines {
	char text[16384];
	int count;
};

void lines_add(void *arg, const char *line);

/*
 * Write @p text to a temporary file and load it with the overrides @p argv.
 * The file is removed again; its path is in @p path (>= 64 bytes).
 * @return rw_config_load()'s result.
 */
int load_text(struct rw_config *cfg, const char *text, int argc, char **argv, struct lines *warn,
	      char *err, size_t errlen, char *path);

#endif
