#!/usr/bin/python3
"""One connection's commands run in the order sent, as others see them
(issue #4): Redis runs a client's commands one after the other, so no other
client sees a later command's effect before an earlier one's, and MONITOR
prints them in the order sent. Redwire runs a command for another worker's
keys there; before the order rule of dp_client.c ("Pipelines in order"),
a pipeline's commands for different workers ran in whatever order the
workers reached them.

monitor:  one client pipelines 50 mixed commands over keys of both workers
          (seeded); the MONITOR lines (timestamp and client address cut;
          the DB and the arguments kept) and the replies are compared with
          stock redis-server 7.0.15's for the same pipeline; then the same
          pipeline as inline commands (quoted arguments), replies compared.
observer: on three workers, client A pipelines SET first i, SET second i
          for key pairs over every two workers, i = 1..ITER in batches;
          client B (on another worker) meanwhile reads each pair's second
          key then its first (GET, one round trip each, never MGET). A set
          the first key before the second, so B must never see the second
          newer. Run against stock too (it never does: the check itself
          holds).

usage: order_check.py monitor|observer HOST PORT ORACLE_HOST ORACLE_PORT [ITER [WORKERS]]
"""
import random
import re
import sys
import multiprocessing

from oracle_cases_xshard import tag_on, worker_of
from resp_client import RawConn, encode as E

T0, T1 = tag_on(0), tag_on(1)
MON_LINE = re.compile(rb"^\+\d+\.\d{6} \[(\d+) [^\]]*\] (.*)$")


def monitor_pipeline():
    """50 commands over keys of both workers, single-worker and across."""
    rnd = random.Random(4)
    k0 = ["{%s}ord:%s" % (T0, c) for c in "abc"]
    k1 = ["{%s}ord:%s" % (T1, c) for c in "abc"]
    assert all(worker_of(k) == 0 for k in k0) and all(worker_of(k) == 1 for k in k1)
    keys = k0 + k1
    out = []
    for i in range(50):
        k, o = rnd.choice(keys), rnd.choice(keys)
        same = rnd.choice(k0 if k in k0 else k1)
        out.append(rnd.choice([
            ("SET", k, "v%d" % i), ("GET", k), ("EXISTS", k), ("INCR", k + "n"),
            ("APPEND", k, "x"), ("STRLEN", k), ("DEL", k), ("TYPE", k), ("PING",),
            ("MGET", k, same), ("MGET", k, o), ("EXISTS", k, o), ("DBSIZE",),
            ("SET", k, "w%d" % i), ("GET", k)]))
    clean = ("DEL",) + tuple(keys) + tuple(k + "n" for k in keys)
    return [clean] + out + [clean]


def observe_monitor(host, port, cmds):
    m, c = RawConn(host, port, timeout=30), RawConn(host, port, timeout=30)
    m.send(E("MONITOR"))
    m.read_reply()
    c.send(b"".join(E(*a) for a in cmds))
    replies = [c.read_reply() for _ in cmds]
    c.send(E("ECHO", "ord:end"))  # the last MONITOR line to read
    c.read_reply()
    lines = []
    for _ in range(len(cmds) + 20):
        raw = m.read_reply()
        g = MON_LINE.match(raw.rstrip(b"\r\n"))
        if g is not None and g.group(2) == b'"ECHO" "ord:end"':
            break
        lines.append((g.group(1), g.group(2)) if g is not None else raw)
    m.close()
    c.close()
    return replies, lines


def monitor(host, port, ohost, oport):
    cmds = monitor_pipeline()
    got, want = observe_monitor(host, port, cmds), observe_monitor(ohost, oport, cmds)
    fails, n_lines = 0, len(got[1])
    if got[0] != want[0]:
        fails += 1
        print("FAIL replies %r\n  vs stock %r" % (got[0], want[0]))
    if got[1] != want[1]:
        fails += 1
        n = next((i for i, (a, b) in enumerate(zip(got[1], want[1])) if a != b),
                 min(len(got[1]), len(want[1])))
        print("FAIL MONITOR line %d of %d/%d: redwire %r, stock %r" %
              (n, len(got[1]), len(want[1]), got[1][n:n + 3], want[1][n:n + 3]))
    # the same pipeline as inline commands, values quoted with a space: an
    # inline line is split in place, and one whose command waits for the
    # commands ahead is parsed again (the line must be put back as it came)
    inline = b"".join(b" ".join(b'"%s"' % a.replace(" ", "  ").encode()
                                for a in ((c[0],) + tuple(x.replace("v", "v ") for x in c[1:])))
                      + b"\r\n" for c in cmds)
    got, want = inline_replies(host, port, inline, len(cmds)), inline_replies(ohost, oport, inline,
                                                                              len(cmds))
    if got != want:
        fails += 1
        n = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
        print("FAIL inline reply %d: redwire %r, stock %r" % (n, got[n], want[n]))
    print("order_check monitor: %d commands, %d lines, %d failures" % (len(cmds), n_lines, fails))
    return fails


def inline_replies(host, port, data, n):
    c = RawConn(host, port, timeout=30)
    c.send(data)
    out = [c.read_reply() for _ in range(n)]
    c.close()
    return out


def tag_of(w, workers):
    for i in range(200):
        t = "it:xs%d" % i
        if worker_of(t, workers) == w:
            return t
    raise RuntimeError("no tag")


def conn_on(host, port, workers, want):
    """A connection on worker @p want on Redwire (its client ids are
    n * workers + worker; the kernel picks the queue): at most 60 tries,
    then any; on stock the first."""
    for _ in range(60):
        c = RawConn(host, port, timeout=60)
        c.send(E("CLIENT", "ID"))
        cid = int(c.read_reply()[1:-2])
        if want is None or cid % workers == want:
            return c
        c.close()
    return RawConn(host, port, timeout=60)


def observer(host, port, iters, workers, redwire):
    """@return (reads by B, times B saw a pair's second key newer).
    A pair for each two workers (first on one, second on the other): with
    two workers the rings' order hides A's reordering from B (a read of the
    other worker's key comes back behind A's earlier forwarded SET); with
    three, B on the first key's worker reads the second key on the third
    worker and the first key at home. On Redwire A sits on the last worker
    and B on worker 1. On the old code this caught the reordering in one
    run of several (B's read must fall in the window): a check that the
    order holds under load more than a sure regression test; MONITOR's
    check above is the sure one."""
    pairs = []
    for p in range(workers):
        for q in range(workers):
            if p != q:
                pairs.append(("{%s}ord:%d%d1" % (tag_of(p, workers), p, q),
                              "{%s}ord:%d%d2" % (tag_of(q, workers), p, q)))
    a = conn_on(host, port, workers, workers - 1 if redwire else None)
    b = conn_on(host, port, workers, 1 if redwire else None)
    read = pairs
    a.send(E("MSET", *[x for pr in pairs for k in pr for x in (k, "0")]))
    a.read_reply()
    def writer():  # a process of its own: B's reads do not wait for A's Python
        for start in range(1, iters + 1, 50):
            batch = []
            for i in range(start, min(start + 50, iters + 1)):
                for first, second in pairs:
                    batch += [E("SET", first, str(i)), E("SET", second, str(i))]
            a.send(b"".join(batch))
            for _ in batch:
                a.read_reply()

    t = multiprocessing.get_context("fork").Process(target=writer)
    t.start()

    def get(k):
        b.send(E("GET", k))
        return int(b.read_reply().split(b"\r\n")[1])

    reads = bad = 0
    while t.is_alive():
        for first, second in read:
            v2 = get(second)
            v1 = get(first)
            reads += 1
            if v2 > v1:
                bad += 1
                if bad <= 3:
                    print("B read %s=%d then %s=%d" % (second, v2, first, v1))
    t.join()
    if t.exitcode != 0:
        raise RuntimeError("writer failed: exit %r" % t.exitcode)
    a.send(E("DEL", *[k for pr in pairs for k in pr]))
    a.read_reply()
    a.close()
    b.close()
    return reads, bad


def main():
    mode, host, port, ohost, oport = sys.argv[1:6]
    port, oport = int(port), int(oport)
    if mode == "monitor":
        return 1 if monitor(host, port, ohost, oport) else 0
    iters = int(sys.argv[6]) if len(sys.argv) > 6 else 300
    workers = int(sys.argv[7]) if len(sys.argv) > 7 else 3
    s_reads, s_bad = observer(ohost, oport, iters, workers, False)
    reads, bad = observer(host, port, iters, workers, True)
    print("order_check observer: %d pairs read (stock %d), second newer than first %d "
          "times (stock %d)" % (reads, s_reads, bad, s_bad))
    return 1 if bad or s_bad else 0


if __name__ == "__main__":
    sys.exit(main())
