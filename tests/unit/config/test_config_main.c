/* Unit tests for platform/config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_config.h"

void lines_add(void *arg, const char *line)
{
	struct lines *l = arg;
	size_t used = strlen(l->text);
	snprintf(l->text + used, sizeof(l->text) - used, "%s\n", line);
	l->count++;
}

int load_text(struct rw_config *cfg, const char *text, int argc, char **argv, struct lines *warn,
	      char *err, size_t errlen, char *path)
{
	strcpy(path, "/tmp/rw-config-test-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -999;
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	int rc = rw_config_load(cfg, path, argc, argv, warn ? lines_add : NULL, warn, err, errlen);
	unlink(path);
	return rc;
}

const char *shipped_conf;

int main(int argc, char **argv)
{
	shipped_conf = argc > 1 ? argv[1] : NULL;
	if (rw_test_init() != 0 ||
	    rw_test_add_suite("config_load", NULL, NULL, config_load_tests) ||
	    rw_test_add_suite("config_show", NULL, NULL, config_show_tests) ||
	    rw_test_add_suite("config_values", NULL, NULL, config_values_tests))
		return 1;
	return rw_test_run();
}
