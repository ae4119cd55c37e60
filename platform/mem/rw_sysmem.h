/*
 * What the machine's memory allows: the default maxmemory when the
 * configuration sets none (issue #6: "if you don't set maxmemory, the OS
 * will kill it" must not happen on this appliance).
 *
 * Keys and values live in ordinary (malloc) memory; the hugepage pool only
 * holds packet buffers and rings and cannot be used for data. So the
 * default is RW_SYSMEM_DEFAULT_PCT percent of what the kernel can give to
 * ordinary allocations: MemTotal less the hugepage pool. The rest is left
 * to the kernel, the control plane, client buffers and allocator waste.
 *
 * Context: boot.
 */
#ifndef RW_SYSMEM_H
#define RW_SYSMEM_H

#include <stdint.h>

#define RW_SYSMEM_DEFAULT_PCT 75

/**
 * Parse /proc/meminfo-formatted @p text: MemTotal less HugePages_Total *
 * Hugepagesize, in bytes. @return 0 if MemTotal is missing.
 */
uint64_t rw_sysmem_ordinary_bytes(const char *text);

/** The default maxmemory for this machine, in bytes (0 if /proc/meminfo is unreadable). */
uint64_t rw_sysmem_default_maxmemory(void);

#endif
