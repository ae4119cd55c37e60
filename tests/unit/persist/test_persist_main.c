/* Unit tests for control/persist. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rw_log.h"
#include "test_persist.h"

void tp_tmpdir(char *path)
{
	strcpy(path, "/tmp/rw-persist-test-XXXXXX");
	if (mkdtemp(path) == NULL)
		abort();
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];
	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

void tp_rmdir(const char *path)
{
	if (strncmp(path, "/tmp/rw-persist-test-", 21) == 0)
		rm_tree(path);
}

uint8_t *tp_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n + 1);
	*len = fread(p, 1, (size_t)n, f);
	p[*len] = 0;
	fclose(f);
	return p;
}

void tp_write(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		abort();
	fwrite(p, 1, n, f);
	fclose(f);
}

int main(void)
{
	/* warnings are expected (torn tails, injected errors); keep the output readable */
	rw_log_setup(2, RW_LOG_ERR + 1);
	if (rw_test_init() != 0 ||
	    rw_test_add_suite("persist_format", NULL, NULL, persist_format_tests) ||
	    rw_test_add_suite("persist_write", NULL, NULL, persist_write_tests) ||
	    rw_test_add_suite("persist_load", NULL, NULL, persist_load_tests) ||
	    rw_test_add_suite("persist_rdb", NULL, NULL, persist_rdb_tests) ||
	    rw_test_add_suite("persist_rewrite", NULL, NULL, persist_rewrite_tests))
		return 1;
	return rw_test_run();
}
