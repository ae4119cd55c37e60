/*
 * The default maxmemory from /proc/meminfo (see rw_sysmem.h).
 */
#include "rw_sysmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of "Field:   N kB" in @p text, in kB; -1 if absent. */
static long long meminfo_field(const char *text, const char *field)
{
	size_t n = strlen(field);
	for (const char *p = text; p != NULL && *p != '\0';) {
		if (strncmp(p, field, n) == 0 && p[n] == ':')
			return strtoll(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

uint64_t rw_sysmem_ordinary_bytes(const char *text)
{
	long long total = meminfo_field(text, "MemTotal");
	if (total <= 0)
		return 0;
	long long pages = meminfo_field(text, "HugePages_Total");
	long long page_kb = meminfo_field(text, "Hugepagesize");
	long long huge = pages > 0 && page_kb > 0 ? pages * page_kb : 0;
	return huge < total ? (uint64_t)(total - huge) * 1024 : 0;
}

uint64_t rw_sysmem_default_maxmemory(void)
{
	char buf[8192];
	FILE *f = fopen("/proc/meminfo", "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return rw_sysmem_ordinary_bytes(buf) / 100 * RW_SYSMEM_DEFAULT_PCT;
}
