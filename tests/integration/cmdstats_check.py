#!/usr/bin/python3
"""INFO commandstats and errorstats against stock redis-server 7.0.15
(issue #4): the same seeded workload goes to both, then the sections are
compared.

Workload: wrong arity (of commands, containers and subcommands), wrong
types, unknown commands and subcommands, bad integers and syntax, MULTI
with queued errors (EXECABORT), errors inside EXEC (on one worker and
across both), EXEC/DISCARD without MULTI, nested MULTI, WATCH inside
MULTI, a protocol error, and MSET/MGET/DEL/EXISTS over keys of both
Redwire workers, commands drawn at random from that set (SEED, printed);
then blocking commands (timed out, served, refused), SUBSCRIBE and the
subscribed context's refusals, an error under CLIENT REPLY OFF, NOAUTH,
WRONGPASS. (OOM is left out: Redwire's workers see the others' memory at
their ticks, so a write right after CONFIG SET maxmemory may pass.)
Then CONFIG RESETSTAT and a few more commands: the counts start again.

Compared:
  - errorstats: byte for byte, and total_error_replies of INFO stats;
  - commandstats: each cmdstat_ line with the durations masked (usec and
    usec_per_call differ between servers), as a set: stock walks a dict
    whose order changes from run to run. Redwire's own lines must carry a
    usec and a usec_per_call of the form %.2f equal to usec/calls computed
    in float as Redis does, and keep each container's subcommands together;
  - LATENCY HISTOGRAM: the calls of every command (buckets differ), which
    CONFIG RESETSTAT resets too.

usage: cmdstats_check.py HOST PORT ORACLE_HOST ORACLE_PORT [SEED]
"""
import os
import random
import re
import struct
import sys
import time

from oracle_cases_xshard import tag_on, worker_of
from resp_client import RawConn, encode as E
from srv_check import parse

T0, T1 = tag_on(0), tag_on(1)
K0 = ["{%s}cs:%d" % (T0, i) for i in range(4)]  # worker 0
K1 = ["{%s}cs:%d" % (T1, i) for i in range(4)]  # worker 1
assert all(worker_of(k) == 0 for k in K0) and all(worker_of(k) == 1 for k in K1)
S0, S1, H0 = K0[0], K1[0], "{%s}cs:h" % T0
FAILS = []

# single commands (each one reply)
SINGLE = [
    ("SET", S0, "v"), ("SET", S1, "7"), ("GET",), ("GET", S0), ("LPUSH", S0, "x"),
    ("NOSUCHCMD", "a"), ("nosuch",), ("CONFIG", "NOSUCH"), ("CONFIG",), ("CONFIG", "GET"),
    ("CONFIG", "GET", "maxmemory"), ("INCR", S0), ("INCR", S1), ("OBJECT", "HELP"),
    ("CLIENT", "NOSUCH"), ("CLIENT", "ID", "extra"), ("HSET", H0, "f", "v"), ("GET", H0),
    ("STRLEN", H0), ("GETRANGE", S0, "0"), ("SET", S0, "v", "EX", "0"),
    ("SET", S0, "v", "NX", "XX"), ("EXPIRE", S0, "abc"), ("MSET", S0),
    ("MSET", K0[1], "a", K1[1], "b", K0[2], "c", K1[2], "d"), ("MGET", *K0, *K1),
    ("DEL", K0[3], K1[3], K0[2]), ("EXISTS", *K0, *K1), ("MSETNX", K0[3], "1", K1[3], "2"),
    ("RENAME", K0[3], K1[2]), ("RENAME", "{%s}cs:none" % T0, K1[3]), ("LPOP", H0),
    ("OBJECT", "ENCODING"), ("PING",), ("ECHO",), ("TYPE", S0), ("SELECT", "99"),
    ("ZADD", S0, "1", "m"), ("SADD", K1[1], "m"), ("INCRBY", S1, "x"), ("DBSIZE",),
    ("MEMORY", "NOSUCH"), ("DISCARD",), ("EXEC",), ("UNWATCH",), ("WATCH",),
    # answered by every worker's part, recorded once (failed: refused
    # arguments, KILL's "No such client")
    ("CLIENT", "LIST"), ("CLIENT", "LIST", "ID", "abc"), ("CLIENT", "KILL", "ID", "99999"),
    ("CLIENT", "KILL", "1.1.1.1:1"), ("CLIENT", "KILL", "ID", "0"),
    ("CLIENT", "UNBLOCK", "99999"), ("CLIENT", "UNBLOCK", "x"),
]
# sessions whose replies come in a run (MULTI...)
SESSIONS = [
    [("MULTI",), ("GET",), ("NOSUCH",), ("SET", S0, "b"), ("EXEC",)],
    [("MULTI",), ("INCR", S0), ("SET", K0[1], "b"), ("LPUSH", S0, "z"), ("EXEC",)],
    [("MULTI",), ("INCR", S0), ("EXEC",)],
    [("EXEC",), ("DISCARD",), ("MULTI",), ("MULTI",), ("WATCH", S0), ("DISCARD",)],
    [("MULTI",), ("CONFIG", "NOSUCH"), ("EXEC",)],
    [("MULTI",), ("CONFIG", "GET"), ("EXEC",)],
    # errors inside an EXEC across workers
    [("MULTI",), ("SET", K0[1], "v"), ("LPUSH", S0, "x"), ("INCR", S1), ("INCR", K1[1]),
     ("MGET", S0, S1), ("DEL", K0[2], K1[2]), ("EXEC",)],
    [("WATCH", S0, S1), ("MULTI",), ("GET", S0), ("HGET", S1, "f"), ("EXEC",)],
    [("MULTI",), ("SET", S0, "v"), ("EXEC", "extra"), ("EXEC",)],
]


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL", what)


def run(c, cmds):
    c.send(b"".join(E(*x) for x in cmds))
    return [c.read_reply() for _ in cmds]


def workload(host, port, rng):
    c = RawConn(host, port)
    run(c, [("SET", S0, "v"), ("SET", S1, "7")])
    for _ in range(120):
        if rng.random() < 0.2:
            cmds = rng.choice(SESSIONS)
            run(c, cmds)
        else:
            run(c, [rng.choice(SINGLE)])
    c.sock.close()
    extras(host, port)
    # a protocol error (counted in errorstats, no command); the server closes
    p = RawConn(host, port)
    p.send(b"*1\r\n$abc\r\n")
    p.read_reply()
    p.sock.close()


def extras(host, port):
    """Blocking commands (timed out, served from the other worker, wrong
    type), the subscribed context's refusals, an error under CLIENT REPLY
    OFF, NOAUTH and WRONGPASS."""
    c, d = RawConn(host, port), RawConn(host, port)
    run(d, [("DEL", K0[2], K1[2])])
    run(c, [("BLPOP", K0[2], "0.05")])
    c.send(E("BLPOP", K0[2], K1[2], "0"))
    time.sleep(0.2)
    run(d, [("RPUSH", K1[2], "x")])
    c.read_reply()
    run(c, [("BLPOP", S0, "0")])
    run(c, [("SUBSCRIBE", "cs:ch")])
    run(c, [("GET", S0), ("CLIENT", "LIST"), ("PING",), ("EXEC",), ("UNSUBSCRIBE",)])
    d.send(E("CLIENT", "REPLY", "OFF") + E("INCR", S0) + E("CLIENT", "REPLY", "ON"))
    d.read_reply()
    run(d, [("CONFIG", "SET", "requirepass", "cs-pw")])
    a = RawConn(host, port)
    run(a, [("GET", S0), ("MULTI",), ("AUTH", "bad"), ("AUTH", "cs-pw"), ("GET", S0),
            ("CONFIG", "SET", "requirepass", "")])
    for x in (a, c, d):
        x.sock.close()


def section(c, name):
    c.send(E("INFO", name))
    return parse(c.read_reply())[0][1]


CMDSTAT = re.compile(rb"^cmdstat_([a-z_|-]+):calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),"
                     rb"rejected_calls=(\d+),failed_calls=(\d+)$")


def f32_div(a, b):
    """(float)usec / calls, as Redis divides, printed %.2f."""
    if b == 0:
        return "0.00"
    fa = struct.unpack("f", struct.pack("f", float(a)))[0]
    fb = struct.unpack("f", struct.pack("f", float(b)))[0]
    q = struct.unpack("f", struct.pack("f", fa / fb))[0]
    return "%.2f" % q


def cmdstats(c, own):
    lines = section(c, "commandstats").split(b"\r\n")
    out = set()
    check(lines[0] == b"# Commandstats", "commandstats header %r" % lines[0])
    for ln in lines[1:]:
        if not ln:
            continue
        m = CMDSTAT.match(ln)
        check(m is not None, "cmdstat line format %r" % ln)
        if m is None:
            continue
        name, calls, usec, per, rej, fail = m.groups()
        if own:
            check(per.decode() == f32_div(int(usec), int(calls)),
                  "usec_per_call of %r: %s, usec/calls %s" % (ln, per, f32_div(int(usec), int(calls))))
        out.add(b"cmdstat_%s:calls=%s,usec=_,usec_per_call=_,rejected_calls=%s,failed_calls=%s" %
                (name, calls, rej, fail))
    if own:  # a container's subcommands together, after it if it is there
        names = [CMDSTAT.match(ln).group(1) for ln in lines[1:] if CMDSTAT.match(ln)]
        seen = set()
        prev = None
        for n in names:
            parent = n.split(b"|")[0]
            if parent != prev:
                check(parent not in seen, "subcommands of %r not together: %r" % (parent, names))
                seen.add(parent)
            prev = parent
    return out


def total_errors(c):
    for ln in section(c, "stats").split(b"\r\n"):
        if ln.startswith(b"total_error_replies:"):
            return ln


def hist_calls(c):
    c.send(E("LATENCY", "HISTOGRAM"))
    items = parse(c.read_reply())[0][1]
    out = {}
    for i in range(0, len(items), 2):
        out[items[i][1]] = items[i + 1][1][1][1]
    return out


def observe(host, port, own):
    c = RawConn(host, port)
    hist = hist_calls(c)  # counted in what follows, on both servers alike
    es = section(c, "errorstats")
    tot = total_errors(c)
    cs = cmdstats(c, own)
    c.sock.close()
    return es, tot, cs, hist


def compare(phase, rw, st):
    es, tot, cs, hist = rw
    ses, stot, scs, shist = st
    check(es == ses, "%s: errorstats\n redwire %r\n stock   %r" % (phase, es, ses))
    check(tot == stot, "%s: %r, stock %r" % (phase, tot, stot))
    for ln in sorted(cs - scs):
        check(False, "%s: redwire's %s not in stock's" % (phase, ln.decode()))
    for ln in sorted(scs - cs):
        check(False, "%s: stock's %s not in redwire's" % (phase, ln.decode()))
    check(hist == shist, "%s: LATENCY HISTOGRAM calls\n redwire %r\n stock   %r" % (phase, hist, shist))


def reset(host, port):
    c = RawConn(host, port)
    run(c, [("CONFIG", "RESETSTAT")])
    c.sock.close()


def main():
    host, port, ohost, oport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else int(os.environ.get("CMDSTATS_SEED",
                                                                         random.randrange(1 << 30)))
    print("cmdstats_check: seed %d (CMDSTATS_SEED=%d to repeat)" % (seed, seed))
    for h, p in ((host, port), (ohost, oport)):
        c = RawConn(h, p)
        run(c, [("DEL", *K0, *K1, H0)])
        c.sock.close()
        reset(h, p)
        workload(h, p, random.Random(seed))
    rw, st = observe(host, port, True), observe(ohost, oport, False)
    compare("workload", rw, st)
    check(len(rw[2]) > 20 and b"ERR" in rw[0] and b"EXECABORT" in rw[0] and b"WRONGTYPE" in rw[0],
          "the workload had too few commands or errors: %r %r" % (rw[0], len(rw[2])))
    # CONFIG RESETSTAT, then a few commands: only these count
    after = [("GET", S0), ("INCR", S0), ("NOSUCH",), ("MGET", *K0, *K1), ("CONFIG", "GET"),
             ("MULTI",), ("INCR", S0), ("EXEC",)]
    for h, p in ((host, port), (ohost, oport)):
        reset(h, p)
        c = RawConn(h, p)
        run(c, after)
        c.sock.close()
    rw, st = observe(host, port, True), observe(ohost, oport, False)
    compare("after CONFIG RESETSTAT", rw, st)
    if FAILS:
        print("cmdstats_check: %d failures (seed %d)" % (len(FAILS), seed))
        return 1
    print("cmdstats_check: ok (%d commandstats lines, errorstats %r)" % (len(st[2]), st[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
