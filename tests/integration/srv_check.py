#!/usr/bin/python3
"""The time-dependent replies of SLOWLOG and LATENCY against stock
redis-server 7.0.15 (issue #4): the same commands go to both servers, on
keys of both Redwire workers; the replies must have the same structure and
types in RESP2 and RESP3, the same logged arguments and client names, ids
newest first, durations and times that make sense; LATENCY's events,
history, doctor report and graph read the same once digits are masked.

usage: srv_check.py HOST PORT ORACLE_HOST ORACLE_PORT
"""
import re
import sys
import time

from resp_client import RawConn, encode as E

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL", what)


def parse(raw, pos=0):
    """RESP2/3 bytes -> (type byte, value); aggregates hold lists."""
    eol = raw.index(b"\r\n", pos)
    t, head, nxt = raw[pos:pos + 1], raw[pos + 1:eol], eol + 2
    if t in b"$=!":
        n = int(head)
        if n < 0:
            return (t, None), nxt
        return (t, raw[nxt:nxt + n]), nxt + n + 2
    if t in b"*~>%":
        n = int(head) * (2 if t == b"%" else 1)
        out = []
        for _ in range(max(n, 0)):
            v, nxt = parse(raw, nxt)
            out.append(v)
        return (t, out), nxt
    if t == b":":
        return (t, int(head)), nxt
    return (t, head), nxt


def skeleton(v):
    t, x = v
    if isinstance(x, list):
        return (t, [skeleton(e) for e in x])
    return t


class Server:
    def __init__(self, host, port, proto):
        self.c = RawConn(host, port)
        self.cmd("HELLO", str(proto))

    def cmd(self, *args):
        self.c.send(E(*args))
        return parse(self.c.read_reply())[0]


def run_slowlog(srv):
    """Every command is logged while slowlog-log-slower-than is 0."""
    srv.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
    srv.cmd("SLOWLOG", "RESET")
    srv.cmd("SET", "{x}slow", "v")  # {x}: worker 1 of 2
    srv.cmd("SET", "{b}slow", "v")  # {b}: worker 0
    srv.cmd("CLIENT", "SETNAME", "slowtest")
    srv.cmd("GET", "{x}slow")
    srv.cmd("ECHO", "y" * 200)
    srv.cmd("RPUSH", "{x}slowl", *[str(i) for i in range(40)])
    srv.cmd("AUTH", "nosuchpass")
    srv.cmd("GET", "{b}slow")
    got = srv.cmd("SLOWLOG", "GET", "-1")
    n = srv.cmd("SLOWLOG", "LEN")
    srv.cmd("CONFIG", "SET", "slowlog-max-len", "3")
    srv.cmd("PING")
    srv.cmd("GET", "{x}slow")
    trimmed = srv.cmd("SLOWLOG", "GET", "-1")
    n3 = srv.cmd("SLOWLOG", "LEN")
    srv.cmd("CONFIG", "SET", "slowlog-max-len", "128")
    srv.cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    srv.cmd("DEL", "{x}slow", "{x}slowl")
    srv.cmd("DEL", "{b}slow")
    return got, n, trimmed, n3


def entries_view(reply, who):
    """The logged arguments and names, after checking each entry's fields."""
    t, es = reply
    view, ids, now = [], [], time.time()
    for e in es:
        f = e[1]
        check(len(f) == 6, "%s: slowlog entry has 6 fields" % who)
        ids.append(f[0][1])
        check(abs(f[1][1] - now) < 60, "%s: slowlog timestamp is now" % who)
        check(f[2][0] == b":" and f[2][1] >= 0, "%s: slowlog duration" % who)
        check(re.match(rb"^\d+\.\d+\.\d+\.\d+:\d+$", f[4][1]) is not None
              and not f[4][1].startswith(b"0.0.0.0"), "%s: slowlog client address %r" % (who, f[4][1]))
        view.append(([a[1] for a in f[3][1]], f[5][1]))
    check(ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids),
          "%s: slowlog ids newest first %r" % (who, ids))
    return view


def check_slowlog(rw, st, proto):
    want = run_slowlog(st)
    got = run_slowlog(rw)
    for i, what in enumerate(("SLOWLOG GET -1", "SLOWLOG LEN", "trimmed GET", "trimmed LEN")):
        check(skeleton(got[i]) == skeleton(want[i]),
              "RESP%d %s structure: %r vs stock %r" % (proto, what, skeleton(got[i]), skeleton(want[i])))
    for i in (0, 2):
        g, w = entries_view(got[i], "redwire"), entries_view(want[i], "stock")
        check(g == w, "RESP%d slowlog entries:\n  redwire %r\n  stock   %r" % (proto, g, w))
    check(got[1] == want[1] and got[3] == want[3] == (b":", 3),
          "RESP%d SLOWLOG LEN %r %r vs stock %r %r" % (proto, got[1], got[3], want[1], want[3]))


def mask(text):
    return re.sub(rb"\d+(\.\d+)?", b"N", text)


def run_latency(srv):
    srv.cmd("CONFIG", "SET", "latency-monitor-threshold", "20")
    srv.cmd("LATENCY", "RESET")
    srv.cmd("DEBUG", "SLEEP", "0.05")
    out = {
        "latest": srv.cmd("LATENCY", "LATEST"),
        "history": srv.cmd("LATENCY", "HISTORY", "command"),
        "doctor": srv.cmd("LATENCY", "DOCTOR"),
        "graph": srv.cmd("LATENCY", "GRAPH", "command"),
        "histogram": srv.cmd("LATENCY", "HISTOGRAM", "debug", "lcs", "nosuch"),
    }
    out["reset"] = srv.cmd("LATENCY", "RESET")
    out["after"] = srv.cmd("LATENCY", "LATEST")
    srv.cmd("CONFIG", "SET", "latency-monitor-threshold", "0")
    return out


def check_latency(rw, st, proto):
    want, got = run_latency(st), run_latency(rw)
    for k in want:
        if k == "histogram":  # bucket counts depend on timing: checked below
            continue
        check(skeleton(got[k]) == skeleton(want[k]),
              "RESP%d LATENCY %s structure: %r vs stock %r" % (proto, k, skeleton(got[k]), skeleton(want[k])))
    ev = got["latest"][1][0][1]
    check(ev[0][1] == b"command" and ev[2][1] >= 50 and ev[3][1] >= ev[2][1],
          "LATENCY LATEST names the 50 ms command: %r" % (ev,))
    check(abs(ev[1][1] - time.time()) < 60, "LATENCY LATEST time is now")
    h = got["history"][1]
    check(len(h) == 1 and h[0][1][1][1] >= 50, "LATENCY HISTORY one sample >= 50 ms: %r" % (h,))
    for k in ("doctor", "graph"):
        g, w = mask(got[k][1]), mask(want[k][1])
        # stock may add advice on transparent huge pages Redwire's process never uses
        w = w.split(b"\n- I detected a non zero amount of anonymous huge pages")[0]
        check(g == w, "RESP%d LATENCY %s text:\n%s\n  stock:\n%s" % (proto, k, g.decode(), w.decode()))
    hg, hw = got["histogram"][1], want["histogram"][1]
    names = lambda m: [m[i][1] for i in range(0, len(m), 2)]
    check(names(hg) == names(hw) == [b"debug", b"lcs"], "LATENCY HISTOGRAM names %r vs %r" % (names(hg), names(hw)))
    calls = lambda m: [m[i + 1][1][1][1] for i in range(0, len(m), 2)]
    check(calls(hg) == calls(hw), "LATENCY HISTOGRAM calls %r vs stock %r" % (calls(hg), calls(hw)))
    # the buckets: Redis's hdr levels (cmd_diag.c), cumulative counts rising to calls
    levels = [((1024 << k) + (8 << k) - 1) // 1000 for k in range(21)]
    for who, m in (("redwire", hg), ("stock", hw)):
        check(m and got["histogram"][0] == want["histogram"][0], "%s histogram map type" % who)
        for i in range(0, len(m), 2):
            cdf = m[i + 1][1]
            check([e[1] for e in cdf[0::2]] == [b"calls", b"histogram_usec"], "%s histogram fields" % who)
            b = cdf[3][1]
            keys, cum = [e[1] for e in b[0::2]], [e[1] for e in b[1::2]]
            check(all(x in levels for x in keys) and keys == sorted(set(keys)),
                  "%s histogram levels %r" % (who, keys))
            check(cum == sorted(set(cum)) and cum and cum[-1] == cdf[1][1],
                  "%s histogram cumulative %r calls %r" % (who, cum, cdf[1][1]))
    check(got["reset"] == want["reset"] == (b":", 1), "LATENCY RESET counts the event")





def main():
    host, port, ohost, oport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    for proto in (2, 3):
        rw, st = Server(host, port, proto), Server(ohost, oport, proto)
        check_slowlog(rw, st, proto)
        check_latency(rw, st, proto)
    check_client_kill(host, port, ohost, oport)
    check_client_pause(host, port, ohost, oport)
    check_monitor(host, port, ohost, oport)
    print("srv_check: %d failures" % len(FAILS))
    return 1 if FAILS else 0



def kill_scenario(host, port):
    """Eight connections (on both workers for Redwire: a client id's parity
    names its worker), killed by ID, by ADDR and the old ip:port form, then
    the caller itself (SKIPME no), then LADDR kills the rest. @return what
    each step replied and which victims saw their connection end."""
    ctl = Server(host, port, 2)
    conns = [Server(host, port, 2) for _ in range(8)]
    ids = [c.cmd("CLIENT", "ID")[1] for c in conns]
    addrs = ["%s:%d" % c.c.sock.getsockname() for c in conns]
    laddr = "%s:%d" % conns[0].c.sock.getpeername()
    out = [ctl.cmd("CLIENT", "KILL", "ID", str(ids[0])),
           ctl.cmd("CLIENT", "KILL", "ID", str(ids[1]), "TYPE", "normal"),
           ctl.cmd("CLIENT", "KILL", "ADDR", addrs[2]),
           ctl.cmd("CLIENT", "KILL", addrs[3]),
           ctl.cmd("CLIENT", "KILL", addrs[3]),
           ctl.cmd("CLIENT", "KILL", "ID", str(ids[4]), "TYPE", "pubsub"),
           conns[5].cmd("CLIENT", "KILL", "ID", str(ids[5])),
           conns[5].cmd("CLIENT", "KILL", "ID", str(ids[5]), "SKIPME", "no")]
    time.sleep(0.1)
    dead = []
    for c in conns:
        try:
            c.cmd("PING")
            dead.append(False)
        except (ConnectionError, OSError):
            dead.append(True)
    out.append(ctl.cmd("CLIENT", "KILL", "LADDR", laddr))
    time.sleep(0.1)
    for i in (4, 6, 7):
        try:
            conns[i].cmd("PING")
            dead.append(False)
        except (ConnectionError, OSError):
            dead.append(True)
    out.append(ctl.cmd("PING"))
    return out, dead, ids


def check_client_kill(host, port, ohost, oport):
    got, gdead, ids = kill_scenario(host, port)
    want, wdead, _ = kill_scenario(ohost, oport)
    check({i % 2 for i in ids} == {0, 1}, "CLIENT KILL: connections on both workers %r" % ids)
    check(got == want, "CLIENT KILL replies %r vs stock %r" % (got, want))
    check(gdead == wdead, "CLIENT KILL victims %r vs stock %r" % (gdead, wdead))
    got, gdead, ids = kill_in_multi_scenario(host, port)
    want, wdead, _ = kill_in_multi_scenario(ohost, oport)
    check({i % 2 for i in ids[:2]} == {0, 1}, "CLIENT KILL in MULTI: victims on both workers %r"
          % ids)
    check(got == want, "CLIENT KILL in MULTI replies %r vs stock %r" % (got, want))
    check(gdead == wdead, "CLIENT KILL in MULTI victims %r vs stock %r" % (gdead, wdead))


def kill_in_multi_scenario(host, port):
    """CLIENT KILL queued in MULTI runs at EXEC on every worker: by ID, by
    the old ip:port form, by ID and TYPE, an unknown ID and a bad filter;
    the fourth connection must survive. @return the replies, who died, ids."""
    ctl = Server(host, port, 2)
    # victims on both workers (a Redwire client id's parity names its
    # worker, and the kernel spreads flows over the queues): the first even
    # and odd ids of up to 12 connections, then two more
    pool = [Server(host, port, 2) for _ in range(12)]
    pids = [c.cmd("CLIENT", "ID")[1] for c in pool]
    even = next((i for i, v in enumerate(pids) if v % 2 == 0), 0)
    odd = next((i for i, v in enumerate(pids) if v % 2 == 1), 1)
    pick = [even, odd] + [i for i in range(len(pool)) if i not in (even, odd)][:2]
    conns = [pool[i] for i in pick]
    for i, c in enumerate(pool):
        if i not in pick:
            c.c.close()
    ids = [pids[i] for i in pick]
    addrs = ["%s:%d" % c.c.sock.getsockname() for c in conns]
    out = [ctl.cmd("MULTI"),
           ctl.cmd("CLIENT", "KILL", "ID", str(ids[0])),
           ctl.cmd("CLIENT", "KILL", addrs[1]),
           ctl.cmd("CLIENT", "KILL", "ID", str(ids[2]), "TYPE", "normal"),
           ctl.cmd("CLIENT", "KILL", "ID", "99999999"),
           ctl.cmd("CLIENT", "KILL", "TYPE", "nosuch"),
           ctl.cmd("EXEC")]
    time.sleep(0.1)
    dead = []
    for c in conns:
        try:
            c.cmd("PING")
            dead.append(False)
        except (ConnectionError, OSError):
            dead.append(True)
    out.append(ctl.cmd("PING"))
    return out, dead, ids



def pause_scenario(host, port):
    """CLIENT PAUSE WRITE holds writes (on both workers) but not reads;
    ALL holds everything; UNPAUSE releases at once. @return what was seen
    (replies, and whether each command waited)."""
    ctl, a, b = Server(host, port, 2), Server(host, port, 2), Server(host, port, 2)
    seen = []

    def timed(conn, *args):
        t = time.time()
        r = conn.cmd(*args)
        return r, time.time() - t

    seen.append(ctl.cmd("CLIENT", "PAUSE", "400", "WRITE"))
    r, dt = timed(a, "GET", "{x}pause")
    seen.append((r, dt < 0.2))
    r, dt = timed(a, "SET", "{x}pause", "1")
    seen.append((r, 0.25 < dt < 2))
    seen.append(ctl.cmd("CLIENT", "PAUSE", "400", "ALL"))
    r, dt = timed(b, "PING")
    seen.append((r, 0.25 < dt < 2))
    seen.append(ctl.cmd("CLIENT", "PAUSE", "5000", "WRITE"))
    b.c.send(E("SET", "{b}pause", "2"))  # waits on the other worker
    time.sleep(0.2)
    seen.append(a.cmd("GET", "{b}pause"))  # not written yet
    t = time.time()
    seen.append(ctl.cmd("CLIENT", "UNPAUSE"))
    seen.append(parse(b.c.read_reply())[0])
    seen.append(time.time() - t < 1)
    seen.append(a.cmd("GET", "{b}pause"))
    a.cmd("DEL", "{x}pause")
    a.cmd("DEL", "{b}pause")
    return seen


def check_client_pause(host, port, ohost, oport):
    got, want = pause_scenario(host, port), pause_scenario(ohost, oport)
    check(got == want, "CLIENT PAUSE %r vs stock %r" % (got, want))



MON_LINE = re.compile(rb"^\+(\d+)\.(\d{6}) \[(\d+) ([\d.]+:\d+)\] (.*)$")


def monitor_scenario(host, port, proto):
    """A MONITOR client sees the other client's commands, run on both
    workers, in Redis's line format; admin commands are not shown, secrets
    are redacted. @return (lines without their time, checks)."""
    m, c = Server(host, port, proto), Server(host, port, 2)
    first = m.cmd("MONITOR")
    m.c.send(E("MONITOR"))  # a second MONITOR: no reply at all
    me = "%s:%d" % c.c.sock.getsockname()
    c.cmd("SELECT", "2")
    c.cmd("SET", "{x}mon", 'a "b"\n')
    c.cmd("GET", "{b}mon")
    c.cmd("CONFIG", "GET", "timeout")
    c.cmd("AUTH", "secret")
    c.cmd("HELLO", "2", "AUTH", "default", "pw")
    c.cmd("DEL", "{x}mon", "{x}mon2")
    c.cmd("MGET", "{x}mon", "{b}mon")  # keys of both workers
    c.cmd("DBSIZE")
    c.cmd("SELECT", "0")
    lines, ok = [], True
    for _ in range(9):
        raw = m.c.read_reply()
        g = MON_LINE.match(raw.rstrip(b"\r\n"))
        ok = ok and g is not None and abs(int(g.group(1)) - time.time()) < 60 \
            and g.group(4).decode() == me
        lines.append((g.group(3), g.group(5)) if g else raw)
    ok = ok and m.c.closed_by_peer(wait=0.2) is False and m.c.buf == b""  # nothing more
    return first, lines, ok


def check_monitor(host, port, ohost, oport):
    for proto in (2, 3):
        got, want = monitor_scenario(host, port, proto), monitor_scenario(ohost, oport, proto)
        check(got == want, "RESP%d MONITOR %r\n  vs stock %r" % (proto, got, want))
        check(got[2], "RESP%d MONITOR lines: time and client address" % proto)


if __name__ == "__main__":
    sys.exit(main())
