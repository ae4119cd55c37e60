#!/usr/bin/python3
"""A fragmenting workload against a budget; Redwire's RSS guard must keep
the dataplane's resident memory within maxmemory + its start + 16 MB.

Many small values (the budget and a quarter offered), every other one deleted
(glibc keeps the holes between live neighbours), then larger values (twice
the budget again), which do not fit in those holes. Pipelines of bounded
size, so no client holds megabytes of unparsed commands. After each phase
it prints the resident anonymous memory of PID, used_memory and
evicted_keys, and at the end the largest resident figure seen and the
RSS guard's counters.

usage: frag_check.py HOST PORT PID BUDGET
"""
import socket
import sys

import redis

HOST, PORT, PID, BUDGET = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
r = redis.Redis(host=HOST, port=PORT, socket_timeout=30)
peak = 0


def anon():
    with open("/proc/%s/status" % PID) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


def look(what):
    global peak
    a = anon()
    peak = max(peak, a)
    info = r.info()
    print("%-20s resident %4d MB, used_memory %5.1f MB, evicted_keys %d"
          % (what, a >> 20, int(info["used_memory"]) / 2**20, int(info["evicted_keys"])))


def cmd(*args):
    return b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a), a) for a in args])


def run(cmds, batch):
    """Send @p cmds @p batch at a time on a raw socket, reading every reply
    (one line each: +OK, :1) before the next batch."""
    global peak
    s = socket.create_connection((HOST, PORT))
    for i in range(0, len(cmds), batch):
        chunk = cmds[i:i + batch]
        s.sendall(b"".join(chunk))
        got, lines = b"", 0
        while lines < len(chunk):
            data = s.recv(1 << 16)
            if not data:
                raise EOFError("server closed")
            got += data
            lines = got.count(b"\r\n")
        if b"-" in got:
            raise AssertionError("error reply: %r" % got[:200])
        if (i // batch) % 20 == 0:
            peak = max(peak, anon())
    s.close()


small, big = b"s" * 100, b"b" * 700
n_small = 5 * BUDGET // 4 // 150
n_big = 2 * BUDGET // 750
look("start")
run([cmd(b"SET", b"fs:%d" % i, small) for i in range(n_small)], 1000)
look("small values")
run([cmd(b"DEL", b"fs:%d" % i) for i in range(0, n_small, 2)], 1000)
look("every other deleted")
run([cmd(b"SET", b"fb:%d" % i, big) for i in range(n_big)], 500)
look("larger values")
print("peak resident %d" % peak)
info = r.info()
print("guard: purges %s, purged %d MB, engaged %s" % (
    info["redwire_rss_guard_purges"], int(info["redwire_rss_guard_purged_bytes"]) >> 20,
    info["redwire_rss_guard_engaged"]))
