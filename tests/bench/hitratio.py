#!/usr/bin/python3
"""Hit ratio and per-key overhead, Redwire beside stock redis-server (issue #6).

hitratio: one Zipf-distributed trace (fixed seed) replayed as a cache would
use it (GET; on a miss SET the value) against both servers with the same
maxmemory and policy; prints each one's hit ratio. The keyspace is several
times what maxmemory holds, so the policy decides the hit ratio.

overhead: FLUSHALL, maxmemory 0, then N small keys (10-byte names, 8-byte
values); prints used_memory growth per key minus the 18 payload bytes.

usage: hitratio.py HOST:PORT HOST:PORT [--seed S] [--ops N] [--keys K]
       [--budget BYTES] [--overhead-keys N]
"""
import argparse
import bisect
import random

import redis


def zipf_cdf(n, s):
    w = [1.0 / (i ** s) for i in range(1, n + 1)]
    total = sum(w)
    acc, out = 0.0, []
    for x in w:
        acc += x / total
        out.append(acc)
    return out


def trace(seed, n_keys, n_ops, s=0.99):
    rng = random.Random(seed)
    cdf = zipf_cdf(n_keys, s)
    # ranks are shuffled onto key names so popularity is not name order
    names = list(range(n_keys))
    rng.shuffle(names)
    return [names[min(bisect.bisect_left(cdf, rng.random()), n_keys - 1)] for _ in range(n_ops)]


def replay(r, ops, value, batch=64):
    hits = 0
    for i in range(0, len(ops), batch):
        keys = ["hr:%d" % k for k in ops[i:i + batch]]
        p = r.pipeline(transaction=False)
        for k in keys:
            p.get(k)
        got = p.execute()
        p = r.pipeline(transaction=False)
        for k, v in zip(keys, got):
            if v is None:
                p.set(k, value)
            else:
                hits += 1
        p.execute()
    return hits / len(ops)


def prepare(r, budget, policy):
    r.config_set("maxmemory", 0)
    r.flushall()
    r.config_set("maxmemory-policy", policy)
    r.config_set("maxmemory", budget)


def overhead(r, n):
    r.config_set("maxmemory", 0)
    r.flushall()
    before = int(r.info("memory")["used_memory"])
    for base in range(0, n, 1000):
        r.mset({"k%09d" % i: "v%07d" % i for i in range(base, min(n, base + 1000))})
    grown = int(r.info("memory")["used_memory"]) - before
    r.flushall()
    return grown / n - 18


def conn(addr):
    host, port = addr.rsplit(":", 1)
    return redis.Redis(host=host, port=int(port), socket_timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("redwire")
    ap.add_argument("redis")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--ops", type=int, default=300000)
    ap.add_argument("--keys", type=int, default=100000)
    ap.add_argument("--budget", type=int, default=8 * 1024 * 1024)
    ap.add_argument("--overhead-keys", type=int, default=1000000)
    a = ap.parse_args()
    servers = [("redwire", conn(a.redwire)), ("redis-server", conn(a.redis))]
    ops = trace(a.seed, a.keys, a.ops)
    value = "x" * 100
    print("trace: seed %d, %d ops over %d keys (Zipf 0.99), 100-byte values, maxmemory %d" %
          (a.seed, a.ops, a.keys, a.budget))
    print("%-12s %14s %14s %10s" % ("policy", "redwire hit%", "redis hit%", "delta pp"))
    for policy in ("allkeys-lru", "allkeys-lfu"):
        ratios = []
        for _, r in servers:
            prepare(r, a.budget, policy)
            ratios.append(100.0 * replay(r, ops, value))
        print("%-12s %14.2f %14.2f %+10.2f" % (policy, ratios[0], ratios[1], ratios[0] - ratios[1]))
    per_key = [overhead(r, a.overhead_keys) for _, r in servers]
    print("overhead per key (%d keys, 10-byte names, 8-byte values): redwire %.1f B, "
          "redis-server %.1f B, ratio %.2f" % (a.overhead_keys, per_key[0], per_key[1],
                                                per_key[0] / per_key[1]))


if __name__ == "__main__":
    main()
