#!/usr/bin/python3
"""SCAN across workers keeps Redis's guarantee: a full walk (cursor 0 back
to 0) returns every key that exists for the whole walk, at least once,
whatever COUNT, with MATCH and TYPE applied as redis-server applies them
(checked against the same data in a stock redis-server: the same *set* of
keys, since the order and the cursors are each server's own).

usage: scan_check.py HOST:PORT ORACLE_HOST:ORACLE_PORT [--keys N] [--seed S]
"""
import argparse
import random
import sys

import redis


def walk(r, **kw):
    seen, cursor, calls = set(), 0, 0
    while True:
        cursor, keys = r.scan(cursor=cursor, **kw)
        seen.update(keys)
        calls += 1
        if cursor == 0:
            return seen, calls
        if calls > 1000000:
            raise AssertionError("SCAN never returned to cursor 0")


def load(r, n, rng):
    p = r.pipeline(transaction=False)
    for i in range(n):
        k = "sc:%d" % i
        t = i % 5
        if t == 0:
            p.set(k, "v")
        elif t == 1:
            p.rpush(k, "a", "b")
        elif t == 2:
            p.sadd(k, "x")
        elif t == 3:
            p.hset(k, "f", "v")
        else:
            p.zadd(k, {"m": 1.0})
    p.execute()


def conn(addr, db=0):
    host, port = addr.rsplit(":", 1)
    return redis.Redis(host=host, port=int(port), db=db, socket_timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("redwire")
    ap.add_argument("oracle")
    ap.add_argument("--keys", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("seed %d" % seed)
    rng = random.Random(seed)
    rw, orc = conn(a.redwire), conn(a.oracle)
    for r in (rw, orc):
        r.flushall()
        load(r, a.keys, rng)
        conn(a.redwire if r is rw else a.oracle, db=1).set("other-db", "1")
    want = set(rw.keys("*"))
    if len(want) != a.keys:
        print("FAIL: KEYS * gave %d keys, wrote %d" % (len(want), a.keys))
        return 1
    for count in (1, 7, 10, 100, 5000):
        got, calls = walk(rw, count=count)
        if got != want:
            print("FAIL: SCAN COUNT %d missed %d keys, extra %d" % (count, len(want - got), len(got - want)))
            return 1
        print("SCAN COUNT %-4d: all %d keys in %d calls" % (count, len(got), calls))
    for kw in ({"match": "sc:1*"}, {"match": "sc:?"}, {"_type": "list"}, {"_type": "hash"},
               {"_type": "zset", "match": "sc:2*"}, {"_type": "string", "count": 3}, {"_type": "nosuchtype"}):
        mine = walk(rw, **kw)[0]
        theirs = walk(orc, **kw)[0]
        if mine != theirs:
            print("FAIL: SCAN %r: %d keys, redis-server %d" % (kw, len(mine), len(theirs)))
            return 1
        print("SCAN %-40r: %d keys, as redis-server" % (kw, len(mine)))
    # a walk while keys are added and deleted still returns every key that stayed
    stable = set(k for k in want if int(k.split(b":")[1]) % 2 == 0)
    seen, cursor, i = set(), 0, 0
    while True:
        cursor, keys = rw.scan(cursor=cursor, count=50)
        seen.update(keys)
        p = rw.pipeline(transaction=False)
        for j in range(20):
            p.set("sc:new:%d" % (i * 20 + j), "x")
        p.delete(*["sc:%d" % (2 * (i * 10 + j) + 1) for j in range(10)])
        p.execute()
        i += 1
        if cursor == 0:
            break
    if not stable <= seen:
        print("FAIL: a walk under writes missed %d keys present throughout" % len(stable - seen))
        return 1
    print("SCAN under writes: every one of %d stable keys returned" % len(stable))
    # SCAN inside a cross-worker EXEC runs in its turn, on its cursor's
    # worker: it sees the EXEC's FLUSHDB and writes before it, not the keys
    # before the EXEC; the walk goes on outside with its cursor
    r2 = conn(a.redwire, db=2)
    for attempt in range(4):  # (the connection's worker is the kernel's choice)
        r2.set("sc:old", "x")
        t = r2.pipeline(transaction=True)
        t.flushdb()
        t.mset({"sc:e:%d" % i: "x" for i in range(20)})
        t.execute_command("SCAN", "0", "COUNT", "1000")
        cursor, keys = t.execute()[2]
        seen = set(keys)
        while int(cursor) != 0:
            cursor, keys = r2.scan(cursor=cursor, count=1000)
            seen.update(keys)
        if seen != set(b"sc:e:%d" % i for i in range(20)):
            print("FAIL: SCAN inside EXEC after FLUSHDB+MSET saw %r" % sorted(seen))
            return 1
        r2.close()
        r2 = conn(a.redwire, db=2)
    print("SCAN inside a cross-worker EXEC: the EXEC's keys, in its turn")
    for r in (rw, orc):
        r.flushall()
    return 0


if __name__ == "__main__":
    sys.exit(main())
