#!/usr/bin/python3
"""Peak extra memory of a snapshot under a uniform overwrite load, the
latency of one more client's SETs before and during it (p50, p99.9), and
the time to load the file, for one server (tests/bench/snapshot.sh runs it for
Redwire and for stock redis-server and prints them side by side).

Usage: [IDLE_S=10] snapshot.py HOST PORT PIDS KEYS VALUE_BYTES [fork]
  IDLE_S  seconds of the window before the snapshot (load running)
  PIDS  comma-separated pids whose resident memory is the server's
        (Redwire: dataplane and control plane; redis-server: its pid).
  fork  redis-server: the BGSAVE child's private memory counts too (its
        copy-on-write pages), found as a child of the first pid.
Prints one line of key=value figures; cpu_idle and cpu_save: each thread's
CPU (% of one core, by thread name) in the window before and during it.
"""
import os
import subprocess
import sys
import threading
import time

import redis


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def private_kb(pid):
    """A fork child's own pages (copy-on-write copies): Private_* of smaps_rollup."""
    n = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith(("Private_Dirty:", "Private_Clean:")):
                    n += int(line.split()[1])
    except OSError:
        pass
    return n


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def mem_kb(pids, fork):
    n = sum(rss_kb(p) for p in pids)
    if fork:
        n += sum(private_kb(c) for c in children(pids[0]))
    return n


def thread_ticks(pids):
    """CPU clock ticks (user + system) of each thread of @pids, by thread name."""
    out = {}
    for pid in pids:
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                    st = f.read()
            except OSError:
                continue
            name = st[st.index("(") + 1:st.rindex(")")].replace(" ", "_")
            fields = st[st.rindex(")") + 2:].split()
            out[name] = out.get(name, 0) + int(fields[11]) + int(fields[12])
    return out


def cpu_share(before, after, seconds):
    """Each thread name's CPU in % of one core over @seconds, busiest first."""
    hz = os.sysconf("SC_CLK_TCK")
    d = {k: (after.get(k, 0) - before.get(k, 0)) * 100.0 / hz / max(seconds, 0.001)
         for k in after}
    return ",".join("%s:%d" % (k, v) for k, v in sorted(d.items(), key=lambda kv: -kv[1])
                    if v >= 1) or "-"


def populate(r, keys, vbytes):
    val = b"v" * vbytes
    p = r.pipeline(transaction=False)
    for i in range(keys):
        p.set(b"key:%012d" % i, val)
        if i % 2000 == 1999:
            p.execute()
    p.execute()


def sample(pids, fork, seconds, stop=None):
    peak, t_end = 0, time.time() + seconds
    while time.time() < t_end and not (stop and stop()):
        peak = max(peak, mem_kb(pids, fork))
        time.sleep(0.01)
    return peak


class Probe(threading.Thread):
    """One connection, one SET at a time (a key of its own, the dataset's
    value size): each request's latency with its start time, so the
    windows before and during the snapshot are told apart."""

    def __init__(self, host, port, vbytes):
        super().__init__(daemon=True)
        self.r = redis.Redis(host=host, port=port)
        self.val = b"p" * vbytes
        self.samples = []
        self.stop = False

    def run(self):
        i = 0
        while not self.stop:
            t = time.perf_counter()
            self.r.set(b"probe:%d" % (i % 1000), self.val)
            self.samples.append((t, time.perf_counter() - t))
            i += 1


def pct(lat, q):
    if not lat:
        return 0.0
    lat = sorted(lat)
    return lat[min(len(lat) - 1, int(q * len(lat)))] * 1e6


def main():
    host, port, pids, keys, vbytes = sys.argv[1:6]
    fork = len(sys.argv) > 6 and sys.argv[6] == "fork"
    port, keys, vbytes = int(port), int(keys), int(vbytes)
    pids = [int(x) for x in pids.split(",")]
    r = redis.Redis(host=host, port=port)
    r.config_set("save", "")
    t = time.time()
    populate(r, keys, vbytes)
    used = r.info("memory")["used_memory"]
    fill_s = time.time() - t
    load = subprocess.Popen(["redis-benchmark", "-h", host, "-p", str(port), "-t", "set",
                             "-r", str(keys), "-d", str(vbytes), "-c", "8", "-P", "16",
                             "-n", "1000000000", "-q"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    probe = Probe(host, port, vbytes)
    try:
        time.sleep(3)
        probe.start()
        t_idle = time.perf_counter()
        ticks0 = thread_ticks(pids)
        base = sample(pids, fork, float(os.environ.get("IDLE_S", "10")))
        t_idle_end = time.perf_counter()
        ticks1 = thread_ticks(pids)
        cmds0 = r.info("stats")["total_commands_processed"]
        saves = r.info("persistence")["rdb_saves"]
        t0 = time.time()
        r.bgsave()

        def done():
            p = r.info("persistence")
            return p["rdb_bgsave_in_progress"] == 0 and (p["rdb_saves"] > saves or
                                                       p["rdb_last_bgsave_status"] != "ok")
        t_save = time.perf_counter()
        peak = sample(pids, fork, float(os.environ.get("SAVE_TIMEOUT", "1800")), done)
        finished = done()
        t_save_end = time.perf_counter()
        ticks2 = thread_ticks(pids)
        save_s = time.time() - t0
        cmds = r.info("stats")["total_commands_processed"] - cmds0
    finally:
        probe.stop = True
        load.terminate()
        load.wait()
    probe.join(timeout=10)
    idle = [d for t, d in probe.samples if t_idle <= t < t_idle_end]
    during = [d for t, d in probe.samples if t_save <= t < t_save_end]
    p = r.info("persistence")
    extra = max(0, peak - base) * 1024
    print("used_memory=%d fill_s=%.1f base_rss=%d peak_rss=%d extra_bytes=%d extra_pct=%.2f "
          "bgsave_s=%.2f status=%s writes_during=%d writes_per_s=%d cow_size=%d "
          "idle_n=%d idle_p50_us=%d idle_p999_us=%d save_n=%d save_p50_us=%d save_p999_us=%d" % (
              used, fill_s, base * 1024, peak * 1024, extra, 100.0 * extra / used, save_s,
              p["rdb_last_bgsave_status"] if finished else "timeout", cmds, cmds / max(save_s, 0.001),
              p.get("rdb_last_cow_size", 0), len(idle), pct(idle, 0.5), pct(idle, 0.999),
              len(during), pct(during, 0.5), pct(during, 0.999)) +
          " cpu_idle=%s cpu_save=%s" % (
              cpu_share(ticks0, ticks1, t_idle_end - t_idle),
              cpu_share(ticks1, ticks2, t_save_end - t_save)), flush=True)


if __name__ == "__main__":
    main()
