#!/usr/bin/python3
"""Bulk values far larger than the journal ring (issue #3 item 5: 64 MB in CI).

Runs the same writes against Redwire and stock redis-server 7.0.15 and
compares every reply byte for byte (values by SHA-256), then DEBUG DIGEST.
One key lives on each worker, so whichever worker the connection lands on,
one of the large SETs crosses to the other. While the large SETs travel, a
second connection INCRs a counter on the same keys' workers: its writes
queue behind the large record in the journal and must all land, in order.

usage: big_values_check.py HOST PORT ORACLE_PORT SEED [BIG_MB]
(BIG_MB: the largest value, 64 by default; the soak run takes 512)
"""
import hashlib
import random
import sys
import threading

import redis

SLOTS = 16384


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def key_on_worker(prefix, worker, workers=2):
    """A key whose slot maps to @worker (shard_of_slot: slot * n / 16384)."""
    for i in range(100000):
        k = f"{prefix}:{i}"
        if crc16(k.encode()) % SLOTS * workers // SLOTS == worker:
            return k
    raise SystemExit("no key found")


def sha(v):
    return hashlib.sha256(v).hexdigest() if v is not None else None


def counter_loop(r, keys, n, errors):
    try:
        for i in range(n):
            for k in keys:
                got = r.incr(k)
                if got != i + 1:
                    errors.append(f"INCR {k} #{i + 1} returned {got}")
                    return
    except Exception as e:  # noqa: BLE001 - report whatever broke
        errors.append(f"counter connection: {e!r}")


def run(r, r2, big, counters):
    """The scenario; returns the replies (large values as hashes)."""
    out = []
    errors = []
    t = threading.Thread(target=counter_loop, args=(r2, counters, 300, errors))
    t.start()
    for k, v in big.items():
        out.append(("SET", k, r.set(k, v)))
    t.join()
    out.append(("counter errors", errors))
    k0, k1 = list(big)
    out.append(("APPEND", r.append(k1, big[k1][: 1 << 20])))
    out.append(("SETRANGE", r.setrange(k0, len(big[k0]) - 3, b"xyz")))
    out.append(("STRLEN", r.strlen(k0), r.strlen(k1)))
    out.append(("GETRANGE", r.getrange(k0, -8, -1)))
    for k in big:
        out.append(("GET", k, sha(r.get(k))))
    out.append(("GET counters", [r.get(k) for k in counters]))
    out.append(("PING after", r.ping()))
    return out


def main():
    host, port, oport, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    big_mb = int(sys.argv[5]) if len(sys.argv) > 5 else 64
    print(f"seed {seed} largest value {big_mb} MB")
    rng = random.Random(seed)
    k0, k1 = key_on_worker("big", 0), key_on_worker("big", 1)
    big = {k0: rng.randbytes(big_mb << 20), k1: rng.randbytes(20 << 20)}
    counters = [key_on_worker("ctr", 0), key_on_worker("ctr", 1)]
    kw = dict(socket_timeout=120 + big_mb)
    rw = redis.Redis(host=host, port=port, **kw)
    rw2 = redis.Redis(host=host, port=port, **kw)
    st = redis.Redis(host="127.0.0.1", port=oport, **kw)
    st2 = redis.Redis(host="127.0.0.1", port=oport, **kw)
    got = run(rw, rw2, big, counters)
    want = run(st, st2, big, counters)
    bad = 0
    for g, w in zip(got, want):
        if g != w:
            print(f"DIFF redwire {g!r} stock {w!r}")
            bad += 1
    dg, dw = rw.execute_command("DEBUG", "DIGEST"), st.execute_command("DEBUG", "DIGEST")
    if dg != dw:
        print(f"DIFF DEBUG DIGEST redwire {dg!r} stock {dw!r}")
        bad += 1
    print(f"digest {dw.decode() if isinstance(dw, bytes) else dw}")
    print(f"{len(got)} replies compared, {bad} differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
