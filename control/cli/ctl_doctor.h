/*
 * `redwirectl doctor`: checks the host an appliance runs (or is about to
 * run) on, and names for each fault the exact command that fixes it.
 *
 * Every file is read under a root directory ("" normally; a fixture tree
 * in tests), so the checks run against fake sysfs/procfs trees:
 * tests/integration/test_doctor.sh builds one tree per fault.
 *
 * Context: redwirectl, blocking, single threaded.
 */
#ifndef CTL_DOCTOR_H
#define CTL_DOCTOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define DOC_MAX_FINDINGS 64

struct doc_finding {
	char id[32];	/* stable: "hugepages-short", "nic-driver", ... */
	bool fault;	/* false: the check passed */
	char what[512]; /* what was found */
	char fix[512];	/* the command that fixes it ("" when it passed) */
};

struct doc {
	const char *root; /* prefix of every path read */
	const struct rw_config *cfg;
	const char *config_file; /* for the fixes that edit it */
	struct doc_finding f[DOC_MAX_FINDINGS];
	int n;
	json_t *hugepages; /* [{size_kb, node (null: all nodes), total, free, default}] */
};

/* Record a passed check (@p fix NULL) or a fault. */
void doc_add(struct doc *d, const char *id, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* <root><path>, formatted. */
const char *doc_path(const struct doc *d, char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The first line of <root><path> without its newline. @return false if unreadable. */
bool doc_read_line(const struct doc *d, const char *path, char *buf, size_t len);
/* <root><path> as a number. @return false if unreadable or not a number. */
bool doc_read_long(const struct doc *d, const char *path, long *out);

/* The mount point of a hugetlbfs in <root>/proc/mounts. @return false: none. */
bool doc_hugetlbfs(const struct doc *d, char *mnt, size_t len);

/* ctl_doctor_checks.c: each adds its findings. */
void doc_check_hugepages(struct doc *d, int nic_node);
void doc_check_nic(struct doc *d, int *nic_node);
void doc_check_mgmt(struct doc *d);
void doc_check_pmds(struct doc *d);
void doc_check_file_prefix(struct doc *d);

#endif
