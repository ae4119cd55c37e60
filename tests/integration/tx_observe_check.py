#!/usr/bin/python3
"""What MONITOR, SLOWLOG and LATENCY HISTOGRAM see of MULTI/EXEC whose
commands run on both Redwire workers (issue #4), and CLIENT UNBLOCK queued
in MULTI (issue #5), against stock redis-server 7.0.15.

The same script goes to both servers: transactions over keys of worker 0
and worker 1 (planned across workers, a gather, one whose WATCH fails, one
refused at queuing), with SELECT, PING and PUBLISH among their commands.
Compared: the MONITOR lines (time masked; DB, client address and arguments
kept: MULTI, each command after it ran, EXEC last), the SLOWLOG entries'
arguments with slowlog-log-slower-than 0 (MULTI and every command inside
EXEC, never EXEC), how many calls LATENCY HISTOGRAM counts per command over
the script, and the replies of CLIENT UNBLOCK inside EXEC for clients
blocked on one worker, on the other, and on keys of both.

usage: tx_observe_check.py HOST PORT ORACLE_HOST ORACLE_PORT
"""
import re
import sys
import time

from oracle_cases_xshard import tag_on, worker_of
from resp_client import RawConn, encode as E
from srv_check import parse

T0, T1 = tag_on(0), tag_on(1)
A = "{%s}txo:a" % T0  # worker 0
B = "{%s}txo:b" % T1  # worker 1
assert worker_of(A) == 0 and worker_of(B) == 1
FAILS = []

SCRIPT = [
    ("MULTI",), ("SET", A, "1"), ("PUBLISH", "txo:ch", "m"), ("SET", B, "2"), ("SELECT", "3"),
    ("GET", B), ("MGET", A, B), ("exec",),
    ("SELECT", "0"), ("MULTI",), ("SADD", B + "s", "x"), ("SUNIONSTORE", A + "d", B + "s", A + "s"),
    ("PING",), ("SET", B, "3"), ("EXEC",),
    ("WATCH", B), ("UNWATCH",), ("MULTI",), ("UNWATCH",), ("INCR", A + "n"), ("DEL", A, B),
    ("EXEC",),
    ("WATCH", A), ("SET", A, "changed"), ("MULTI",), ("GET", A), ("SET", B, "no"), ("EXEC",),
    ("MULTI",), ("SET", A, "1"), ("NOSUCHCMD",), ("EXEC",), ("DISCARD",),
    ("MULTI",), ("MULTI",), ("WATCH", A), ("SET", B, "x"), ("DISCARD",),
    # a stepped EXEC (DBSIZE beside RENAME and SMOVE across workers)
    ("MULTI",), ("SET", A, "5"), ("RENAME", A, B), ("DBSIZE",), ("SMOVE", B + "s", A + "s", "x"),
    ("GET", B), ("EXEC",),
    ("DEL", A, B, A + "n", A + "d", A + "s", B + "s"),
]
HIST = ["set", "get", "mget", "exec", "multi", "discard", "watch", "unwatch", "select", "ping",
        "publish", "sadd", "sunionstore", "incr", "del", "rename", "dbsize", "smove"]
MON_LINE = re.compile(rb"^\+\d+\.\d{6} \[(\d+) ([\d.]+:\d+)\] (.*)$")


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL", what)


def hist_calls(c):
    c.send(E("LATENCY", "HISTOGRAM", *HIST))
    t, items = parse(c.read_reply())[0]
    out = {}
    for i in range(0, len(items), 2):
        out[items[i][1].decode()] = items[i + 1][1][1][1]
    return out


def observe(host, port):
    """@return the replies, the MONITOR lines, the SLOWLOG arguments (oldest
    first) and the LATENCY HISTOGRAM calls the script added, per command."""
    m, c = RawConn(host, port), RawConn(host, port)
    m.send(E("MONITOR"))
    m.read_reply()
    me = ("%s:%d" % c.sock.getsockname()).encode()
    c.send(E("CONFIG", "SET", "slowlog-log-slower-than", "0"))
    c.read_reply()
    before = hist_calls(c)
    c.send(E("SLOWLOG", "RESET"))
    c.read_reply()
    replies = []
    for args in SCRIPT:
        c.send(E(*args))
        replies.append(c.read_reply())
    c.send(E("SLOWLOG", "GET", "-1"))
    slow = parse(c.read_reply())[0]
    c.send(E("ECHO", "txo:end"))  # the last MONITOR line to read
    c.read_reply()
    c.send(E("CONFIG", "SET", "slowlog-log-slower-than", "10000"))
    c.read_reply()
    after = hist_calls(c)
    calls = {k: after.get(k, 0) - before.get(k, 0) for k in HIST}
    lines = []
    m.sock.settimeout(2.0)
    for _ in range(200):
        raw = m.read_reply()
        g = MON_LINE.match(raw.rstrip(b"\r\n"))
        if g is None:
            lines.append(raw)
            continue
        if g.group(3) == b'"ECHO" "txo:end"':
            break
        lines.append((g.group(1), g.group(2) == me, g.group(3)))
    m.sock.close()
    args = [[a[1] for a in e[1][3][1]] for e in slow[1]][::-1]
    return replies, lines, args, calls


def unblock_scenario(host, port):
    """Three clients blocked (on a key of worker 1, of worker 0, of both);
    CLIENT UNBLOCK queued in MULTI for each (TIMEOUT, ERROR), for an
    unknown id and with a bad id. @return every reply, the blocked
    clients' included."""
    blocked = []
    for keys in ((B + "q",), (A + "q",), (B + "q", A + "q")):
        b = RawConn(host, port)
        b.send(E("CLIENT", "ID"))
        bid = int(b.read_reply()[1:-2])
        b.send(E("BLPOP", *keys, "0"))
        blocked.append((b, bid))
    time.sleep(0.3)
    a = RawConn(host, port)
    out = []
    for args in (("MULTI",), ("CLIENT", "UNBLOCK", str(blocked[0][1])), ("SET", A + "z", "1"),
                 ("CLIENT", "UNBLOCK", str(blocked[1][1]), "ERROR"),
                 ("CLIENT", "UNBLOCK", str(blocked[2][1])),
                 ("CLIENT", "UNBLOCK", str(blocked[2][1])), ("CLIENT", "UNBLOCK", "99999999"),
                 ("CLIENT", "UNBLOCK", "x"), ("GET", B + "z"), ("EXEC",)):
        a.send(E(*args))
        out.append(a.read_reply())
    for b, _ in blocked:
        out.append(b.read_reply())
        b.send(E("PING"))
        out.append(b.read_reply())
    a.send(E("DEL", A + "z"))
    out.append(a.read_reply())
    return out


def main():
    host, port, ohost, oport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    got, want = observe(host, port), observe(ohost, oport)
    check(got[0] == want[0], "replies %r\n  vs stock %r" % (got[0], want[0]))
    check(got[1] == want[1], "MONITOR lines:\n  redwire %r\n  stock   %r" % (got[1], want[1]))
    check(all(isinstance(x, tuple) and x[1] for x in got[1]),
          "MONITOR lines carry the client's address %r" % got[1])
    check(got[2] == want[2], "SLOWLOG:\n  redwire %r\n  stock   %r" % (got[2], want[2]))
    check(got[3] == want[3], "LATENCY HISTOGRAM calls %r vs stock %r" % (got[3], want[3]))
    got, want = unblock_scenario(host, port), unblock_scenario(ohost, oport)
    check(got == want, "CLIENT UNBLOCK in MULTI %r\n  vs stock %r" % (got, want))
    print("tx_observe_check: %d failures" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
