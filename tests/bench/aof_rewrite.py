#!/usr/bin/python3
"""BGREWRITEAOF of a large dataset under a uniform overwrite load, for one
server (tests/bench/aof_rewrite.sh runs it for Redwire and for stock
redis-server, both with appendonly yes, and prints them side by side).

Usage: aof_rewrite.py HOST PORT PIDS KEYS VALUE_BYTES [fork]
  PIDS, fork: as tests/bench/snapshot.py (whose sampling this reuses).
Prints one line of key=value figures.
"""
import os
import subprocess
import sys
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snapshot import populate, sample  # noqa: E402


def main():
    host, port, pids, keys, vbytes = sys.argv[1:6]
    fork = len(sys.argv) > 6 and sys.argv[6] == "fork"
    port, keys, vbytes = int(port), int(keys), int(vbytes)
    pids = [int(x) for x in pids.split(",")]
    r = redis.Redis(host=host, port=port, socket_timeout=600)
    t = time.time()
    populate(r, keys, vbytes)
    used = r.info("memory")["used_memory"]
    fill_s = time.time() - t
    # the AOF now holds every SET: rewrite once so the measured one starts from a base
    p0 = r.info("persistence")
    load = subprocess.Popen(["redis-benchmark", "-h", host, "-p", str(port), "-t", "set",
                             "-r", str(keys), "-d", str(vbytes), "-c", "8", "-P", "16",
                             "-n", "1000000000", "-q"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        base = sample(pids, fork, 3)
        cmds0 = r.info("stats")["total_commands_processed"]
        done0 = p0["aof_rewrites"]
        t0 = time.time()
        r.bgrewriteaof()

        def done():
            p = r.info("persistence")
            return p["aof_rewrite_in_progress"] == 0 and p["aof_rewrite_scheduled"] == 0 and (
                p["aof_rewrites"] > done0 or p["aof_last_bgrewrite_status"] != "ok")
        peak = sample(pids, fork, 1200, done)
        rw_s = time.time() - t0
        cmds = r.info("stats")["total_commands_processed"] - cmds0
    finally:
        load.terminate()
        load.wait()
    p = r.info("persistence")
    extra = max(0, peak - base) * 1024
    print("used_memory=%d fill_s=%.1f base_rss=%d peak_rss=%d extra_bytes=%d extra_pct=%.2f "
          "rewrite_s=%.2f status=%s writes_during=%d writes_per_s=%d cow_size=%d "
          "aof_base_size=%d" % (
              used, fill_s, base * 1024, peak * 1024, extra, 100.0 * extra / used, rw_s,
              p["aof_last_bgrewrite_status"], cmds, cmds / max(rw_s, 0.001),
              p.get("aof_last_cow_size", 0), p.get("aof_base_size", 0)), flush=True)


if __name__ == "__main__":
    main()
