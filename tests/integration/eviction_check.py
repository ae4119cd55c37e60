#!/usr/bin/python3
"""Issue #6: every maxmemory policy holds the budget and evicts only what it may.

For each policy: FLUSHALL, set maxmemory and the policy at run time, offer
three times the budget in 1 kB values (a fifth of them persistent, the rest
with TTLs spread over 100..10000 s), then check from INFO and the keyspace:
  - used_memory <= maxmemory + 5% (the tolerance: other shards' figures are
    up to one worker tick old) and >= 85% of it (no over-eviction);
  - keys were evicted (noeviction: none, and writes got Redis's -OOM);
  - volatile-*: every persistent key survived;
  - volatile-ttl: the survivors' TTLs are longer than the evicted ones'.
With --one-tag every key shares a hash tag (one shard): it must still use
the whole budget.

usage: eviction_check.py HOST PORT [--budget BYTES] [--one-tag] [--seed S]
"""
import argparse
import random
import sys

import redis

POLICIES = ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
            "volatile-random", "volatile-ttl", "noeviction"]
OOM = "command not allowed when used memory > 'maxmemory'."


def info_int(r, field):
    return int(r.info()[field])


def offer(r, budget, tag, rng):
    """Write 3x budget; return (ttl of each volatile key, persistent keys, OOM count)."""
    val = "x" * 1000
    n = 3 * budget // 1000
    ttls, persistent, ooms = {}, [], 0
    for base in range(0, n, 64):
        p = r.pipeline(transaction=False)
        batch = []
        for i in range(base, min(n, base + 64)):
            key = "%sk:%d" % (tag, i)
            if rng.random() < 0.2:
                p.set(key, val)
                batch.append((key, None))
            else:
                ttl = rng.randrange(100, 10000)
                p.set(key, val, ex=ttl)
                batch.append((key, ttl))
        for (key, ttl), res in zip(batch, p.execute(raise_on_error=False)):
            if isinstance(res, redis.exceptions.ResponseError):
                if not str(res).endswith(OOM):
                    raise AssertionError("%s: unexpected error %r" % (key, str(res)))
                ooms += 1
            elif ttl is None:
                persistent.append(key)
            else:
                ttls[key] = ttl
    return ttls, persistent, ooms


def check_policy(r, policy, budget, tag, rng):
    r.config_set("maxmemory", 0)
    r.flushall()
    r.config_set("maxmemory-policy", policy)
    evicted_before = info_int(r, "evicted_keys")
    r.config_set("maxmemory", budget)
    ttls, persistent, ooms = offer(r, budget, tag, rng)
    used, evicted = info_int(r, "used_memory"), info_int(r, "evicted_keys") - evicted_before
    print("%-16s used %7d of %d (%.1f%%) evicted %5d oom %5d" %
          (policy, used, budget, 100.0 * used / budget, evicted, ooms))
    if used > budget * 105 // 100:
        raise AssertionError("%s: used_memory %d over the budget %d" % (policy, used, budget))
    if used < budget * 85 // 100:
        raise AssertionError("%s: used_memory %d: evicted far more than needed" % (policy, used))
    if policy == "noeviction":
        if evicted != 0 or ooms == 0:
            raise AssertionError("noeviction: evicted %d, OOM replies %d" % (evicted, ooms))
        return
    if evicted == 0:
        raise AssertionError("%s: nothing evicted" % policy)
    if policy.startswith("volatile-"):
        p = r.pipeline(transaction=False)
        for k in persistent:
            p.exists(k)
        lost = len(persistent) - sum(p.execute())
        if lost:
            raise AssertionError("%s: %d persistent keys were evicted" % (policy, lost))
    if policy == "volatile-ttl":
        keys = list(ttls)
        p = r.pipeline(transaction=False)
        for k in keys:
            p.exists(k)
        alive = p.execute()
        kept = [ttls[k] for k, a in zip(keys, alive) if a]
        gone = [ttls[k] for k, a in zip(keys, alive) if not a]
        if not kept or not gone or sum(kept) / len(kept) <= sum(gone) / len(gone):
            raise AssertionError("volatile-ttl did not prefer the shortest TTLs")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--budget", type=int, default=2 * 1024 * 1024)
    ap.add_argument("--one-tag", action="store_true")
    ap.add_argument("--policies", default=",".join(POLICIES))
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("seed %d" % seed)
    rng = random.Random(seed)
    r = redis.Redis(host=a.host, port=a.port, socket_timeout=30)
    tag = "{one}" if a.one_tag else ""
    try:
        for policy in a.policies.split(","):
            check_policy(r, policy, a.budget, tag, rng)
    except AssertionError as e:
        print("FAIL (seed %d): %s" % (seed, e))
        return 1
    finally:
        r.config_set("maxmemory", 0)
        r.flushall()
    return 0


if __name__ == "__main__":
    sys.exit(main())
