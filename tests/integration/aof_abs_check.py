#!/usr/bin/python3
"""Issue #7 item 1: expiries are journaled as absolute times.

Runs the same expiry-setting commands on Redwire and on stock redis-server
7.0.15 (appendonly yes, no RDB preamble), then reads both incr AOF files and
compares the commands each journaled: the same command names and arguments,
where an absolute unix-ms time (>= 10^12) must match within a tolerance (the
two servers ran the command at slightly different instants). Redis's own
rewrite is the oracle: SET .. EX -> SET .. PXAT, EXPIRE -> PEXPIREAT,
GETEX EX -> PEXPIREAT, RESTORE ttl -> RESTORE <ms> .. ABSTTL, past -> DEL.

usage: aof_abs_check.py RW_HOST RW_PORT RW_AOF STOCK_PORT STOCK_AOF
"""
import sys
import time

import redis

TOL_MS = 5000


def cases(r, now_ms):
    """The commands, run on one server; returns the replies (compared too)."""
    now_s = now_ms // 1000
    out = []

    def c(*args):
        try:
            out.append(r.execute_command(*args))
        except redis.ResponseError as e:
            out.append("ERR " + str(e))

    c("SET", "a", "1", "EX", "100")
    c("SET", "b", "1", "PX", "100000")
    c("SET", "c", "1", "EXAT", str(now_s + 100))
    c("SET", "d", "1", "PXAT", str(now_ms + 100000))
    c("SET", "e", "1", "EX", "100", "GET")
    c("SET", "e", "2", "EX", "100", "NX")
    c("SET", "e", "3", "PX", "100000", "XX")
    c("SET", "f", "1", "KEEPTTL")
    c("SETEX", "g", "100", "v")
    c("PSETEX", "h", "100000", "v")
    c("SET", "x", "v")
    c("EXPIRE", "x", "100")
    c("PEXPIRE", "x", "200000")
    c("EXPIREAT", "x", str(now_s + 300))
    c("PEXPIREAT", "x", str(now_ms + 400000))
    c("EXPIRE", "x", "500", "GT")
    c("EXPIRE", "x", "10", "GT")
    c("PEXPIRE", "x", "50000", "LT")
    c("SET", "y", "v")
    c("EXPIRE", "y", "-1")
    c("SET", "z", "v")
    c("EXPIREAT", "z", "1")
    c("SET", "j", "v")
    c("GETEX", "j", "EX", "100")
    c("GETEX", "j", "PX", "100000")
    c("GETEX", "j", "EXAT", str(now_s + 200))
    c("GETEX", "j", "PXAT", str(now_ms + 300000))
    c("GETEX", "j", "PERSIST")
    c("GETEX", "j", "PERSIST")
    c("GETEX", "j")
    c("GETEX", "j", "EXAT", "1")
    c("SET", "k", "payload")
    payload = r.execute_command("DUMP", "k")
    c("RESTORE", "r1", "100000", payload)
    c("RESTORE", "r2", "0", payload)
    c("RESTORE", "r3", str(now_ms + 100000), payload, "ABSTTL")
    c("RESTORE", "r1", "200000", payload, "REPLACE")
    c("RESTORE", "r2", "1", payload, "REPLACE", "ABSTTL")
    c("MULTI")
    c("SET", "t", "1", "EX", "100")
    c("EXPIRE", "t", "200")
    c("EXEC")
    return out


def parse_aof(path):
    """The commands of an AOF file, as lists of bytes; '#' lines and SELECT skipped."""
    data = open(path, "rb").read()
    cmds, i = [], 0
    while i < len(data):
        if data[i:i + 1] == b"#":
            i = data.index(b"\n", i) + 1
            continue
        assert data[i:i + 1] == b"*", (path, i, data[i:i + 20])
        j = data.index(b"\r\n", i)
        n = int(data[i + 1:j])
        i = j + 2
        args = []
        for _ in range(n):
            j = data.index(b"\r\n", i)
            ln = int(data[i + 1:j])
            args.append(data[j + 2:j + 2 + ln])
            i = j + 2 + ln + 2
        if args[0].upper() != b"SELECT":
            cmds.append(args)
    return cmds


def is_abs_ms(a):
    return a.isdigit() and len(a) >= 13


def main():
    rw_host, rw_port, rw_aof, st_port, st_aof = sys.argv[1:6]
    rw = redis.Redis(host=rw_host, port=int(rw_port))
    st = redis.Redis(host="127.0.0.1", port=int(st_port))
    now_ms = int(time.time() * 1000)
    got_rw = cases(rw, now_ms)
    got_st = cases(st, now_ms)
    if got_rw != got_st:
        for i, (a, b) in enumerate(zip(got_rw, got_st)):
            if a != b:
                print(f"reply {i}: redwire {a!r} redis {b!r}")
        sys.exit("FAIL: replies differ")
    a, b = parse_aof(rw_aof), parse_aof(st_aof)
    bad = 0
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else None
        y = b[i] if i < len(b) else None
        ok = x is not None and y is not None and len(x) == len(y)
        if ok:
            for u, v in zip(x, y):
                if is_abs_ms(u) and is_abs_ms(v):
                    ok = ok and abs(int(u) - int(v)) <= TOL_MS
                    ok = ok and int(u) > now_ms - TOL_MS
                elif u != v:
                    ok = False
        if not ok:
            bad += 1
            print(f"command {i}: redwire {x!r}\n           redis   {y!r}")
    if bad:
        sys.exit(f"FAIL: {bad} journaled commands differ from redis-server's AOF")
    abs_count = sum(1 for c in a for u in c if is_abs_ms(u))
    print(f"{len(a)} journaled commands equal redis-server's ({abs_count} absolute times)")


if __name__ == "__main__":
    main()
