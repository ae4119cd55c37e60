/* EAL argument construction and start-up (see rw_eal.h). */
#include "rw_eal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "rw_log.h"

#define EAL_MAX_ARGS 16

static bool hugetlbfs_mounted(void)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	bool found = false;
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, " hugetlbfs ") != NULL;
	fclose(f);
	return found;
}

unsigned rw_eal_hugepages_free_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long free_pages = 0, size_kb = 0;
	if (f == NULL || !hugetlbfs_mounted()) {
		if (f != NULL)
			fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &size_kb);
	}
	fclose(f);
	return (unsigned)(free_pages * size_kb / 1024);
}

/* Parse "2,3" or "2-3" into CPU numbers. @return count, or -EINVAL. */
static int parse_cpus(const char *s, unsigned *cpus, int max)
{
	int n = 0;
	while (*s != '\0' && n < max) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (end == s)
			return -EINVAL;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s || b < a)
				return -EINVAL;
		}
		for (unsigned long c = a; c <= b && n < max; c++)
			cpus[n++] = (unsigned)c;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -EINVAL;
	}
	return n;
}

/* "--lcores=0@(0-1),1@0,2@1": lcore 0 (service) floats, workers pinned. */
static int build_lcores(const struct rw_config *cfg, char *out, size_t len)
{
	unsigned cpus[128];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int n = 0;
	if (cfg->rw_cores[0] != '\0') {
		n = parse_cpus(cfg->rw_cores, cpus, 128);
		if (n <= 0) {
			rw_log(RW_LOG_ERR, "dp.boot", "redwire-cores: invalid CPU list '%s'",
			       cfg->rw_cores);
			return -EINVAL;
		}
	}
	size_t off = (size_t)snprintf(out, len, "--lcores=0@(0-%ld)", ncpu > 0 ? ncpu - 1 : 0);
	for (long w = 0; w < cfg->rw_workers && off < len; w++) {
		unsigned cpu = n > 0 ? cpus[w % n] : (unsigned)(w % (ncpu > 0 ? ncpu : 1));
		off += (size_t)snprintf(out + off, len - off, ",%ld@%u", w + 1, cpu);
	}
	return off < len ? 0 : -ENAMETOOLONG;
}

int rw_eal_setup(struct rw_eal *eal, const struct rw_config *cfg, const char *prog)
{
	static char lcores[1024], prefix[128], dev[512], mem[32];
	char *args[EAL_MAX_ARGS];
	int n = 0;
	int rc = build_lcores(cfg, lcores, sizeof(lcores));
	if (rc != 0)
		return rc;
	args[n++] = (char *)prog;
	args[n++] = lcores;
	snprintf(prefix, sizeof(prefix), "--file-prefix=redwire-%s", cfg->rw_name);
	args[n++] = prefix;
	if (cfg->rw_pci) {
		snprintf(dev, sizeof(dev), "--allow=%s", cfg->rw_port_device);
		args[n++] = dev;
	} else {
		args[n++] = "--no-pci";
		snprintf(dev, sizeof(dev), "--vdev=%s", cfg->rw_port_device);
		args[n++] = dev;
	}
	eal->hugepages =
	    cfg->rw_hugepages && rw_eal_hugepages_free_mb() >= (unsigned)cfg->rw_memory_mb;
	/* DPDK 22.11 refuses --in-memory with --no-huge; without hugepages
	 * --no-shconf keeps runtime files away instead. */
	if (!eal->hugepages) {
		args[n++] = "--no-huge";
		args[n++] = "--no-shconf";
	} else {
		args[n++] = "--in-memory";
	}
	snprintf(mem, sizeof(mem), "-m%lld", (long long)cfg->rw_memory_mb);
	args[n++] = mem;
	args[n++] = "--log-level=*:notice";
	args[n] = NULL;
	char line[2048];
	size_t off = 0;
	for (int i = 1; i < n && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s ", args[i]);
	rw_log(RW_LOG_INFO, "dp.eal", "EAL arguments: %s", line);
	if (rte_eal_init(n, args) < 0)
		return -rte_errno;
	return 0;
}
