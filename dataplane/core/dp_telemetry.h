/*
 * DPDK telemetry commands of the dataplane (issue #8 item 6), so that
 * dpdk-telemetry.py (Debian's dpdk-dev), connected to the instance's
 * socket /var/run/dpdk/redwire-<name>/dpdk_telemetry.v2, shows the app:
 *
 *   /redwire/info          name, version, pid, workers, start time
 *   /redwire/stats[,W]     every channel counter summed over the workers,
 *                          or worker W's
 *   /redwire/commands      calls per command (the board's commandstats;
 *                          "client|list" is spelled client/list, the only
 *                          separators telemetry names allow)
 *
 * The callbacks run on DPDK's telemetry thread: they read the channel's
 * stats blocks and the board file, as the control plane does, never a
 * worker's state.
 *
 * Context: setup on the main lcore after the channel exists.
 */
#ifndef DP_TELEMETRY_H
#define DP_TELEMETRY_H

struct dp_shared;

/** Register the commands. @return 0 or the first failure's -errno (logged). */
int dp_telemetry_setup(const struct dp_shared *sh);

#endif
