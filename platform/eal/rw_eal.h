/*
 * EAL start-up from the configuration: the only platform module that
 * touches DPDK. It builds the EAL argument list so that an operator never
 * writes one by hand, and so that the safety rules always hold:
 *   - --no-pci plus --vdev=<redwire-port-device>, or, for a real NIC, an
 *     explicit allow-list (-a <PCI address>): no other device is probed;
 *   - --file-prefix=redwire-<name>, so instances never share runtime files;
 *   - hugepages when hugetlbfs has room for redwire-memory-mb, with
 *     --in-memory so no hugepage or runtime file outlives the process, even
 *     after a crash (the control channel is ours: no multi-process needed);
 *     else --no-huge with --no-shconf (22.11 refuses --in-memory there);
 *   - one lcore per worker pinned to its CPU (redwire-cores, default the
 *     first N CPUs), and the main (service) lcore floating over all of them.
 *
 * Context: boot, main thread.
 */
#ifndef RW_EAL_H
#define RW_EAL_H

#include <stdbool.h>

#include "config.h"

struct rw_eal {
	bool hugepages;
};

/** Build the EAL arguments and call rte_eal_init(). @return 0 or -errno. */
int rw_eal_setup(struct rw_eal *eal, const struct rw_config *cfg, const char *prog);

/** Free 2 MB hugepage memory in MB on a mounted hugetlbfs (0 if none). */
unsigned rw_eal_hugepages_free_mb(void);

#endif
