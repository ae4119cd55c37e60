#!/usr/bin/python3
"""Verified load: every reply is checked, not just counted.

Each of C connections writes its own keys (spread over all slots, so over
all workers) with pipelines of depth P, then every key is read back through
a *different* connection and compared with what was written. Exits 1 on the
first wrong reply, printing it.

usage: load_check.py HOST PORT [--conns C] [--keys N] [--pipeline P] [--seed S]
"""
import argparse
import random
import sys
import threading

from resp_client import RawConn, encode


def run_pipelined(conn, requests, expect, depth):
    for i in range(0, len(requests), depth):
        batch = requests[i:i + depth]
        conn.send(b"".join(batch))
        for j in range(len(batch)):
            got = conn.read_reply()
            want = expect[i + j]
            if got != want:
                raise AssertionError("request %r: got %r, want %r" % (batch[j][:60], got, want))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--keys", type=int, default=500)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("load_check seed=%d conns=%d keys=%d pipeline=%d" % (seed, a.conns, a.keys, a.pipeline))
    rnd = random.Random(seed)
    values = {}
    plan = []
    for c in range(a.conns):
        keys = ["lc:%d:%d:%d" % (seed, c, k) for k in range(a.keys)]
        for k in keys:
            values[k] = ("%x" % rnd.getrandbits(64)) * rnd.randint(1, 40)
        plan.append(keys)
    errors = []

    def writer(c):
        try:
            conn = RawConn(a.host, a.port, timeout=a.timeout)
            reqs = [encode("SET", k, values[k]) for k in plan[c]]
            run_pipelined(conn, reqs, [b"+OK\r\n"] * len(reqs), a.pipeline)
            conn.close()
        except Exception as e:  # reported below, test fails
            errors.append("writer %d: %s" % (c, e))

    def reader(c):
        try:
            conn = RawConn(a.host, a.port, timeout=a.timeout)
            keys = plan[(c + 1) % a.conns]  # another connection's keys
            reqs = [encode("GET", k) for k in keys]
            want = [b"$%d\r\n%s\r\n" % (len(values[k]), values[k].encode()) for k in keys]
            run_pipelined(conn, reqs, want, a.pipeline)
            conn.close()
        except Exception as e:
            errors.append("reader %d: %s" % (c, e))

    for phase in (writer, reader):
        threads = [threading.Thread(target=phase, args=(c,)) for c in range(a.conns)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            print("\n".join(errors[:10]))
            print("load_check FAILED (seed=%d)" % seed)
            return 1
    print("load_check ok: %d SET + %d GET verified" % (a.conns * a.keys, a.conns * a.keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
