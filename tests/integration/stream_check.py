#!/usr/bin/python3
"""Byte-stream integrity through an impaired link (test_tcp_integrity.sh,
tests/soak/integrity_soak.sh), run in the instance's namespace.

CONNS connections at once each SET a value and GET it back, MSGS times,
with sizes drawn log-uniformly from 1 B to MAX bytes (connection 0 also
sends exactly 1 B and MAX): the client -> Redwire direction carries the SET,
Redwire -> client the GET reply. Values are seeded random bytes, so a byte
lost, duplicated, reordered or corrupted in either direction shows as a
wrong value or a broken RESP frame. Every exchange must complete within a
bound computed from the stack's RTO settings and the profile's loss:

  p        = 1 - (1 - loss)^2 + corrupt   a transmission or its ACK is lost
  k        = the fewest consecutive timeouts of one segment whose chance,
             over every segment of the run, is below 1e-3
  tail     = sum_{i<k} min(RTO_MIN * 2^i, RTO_MAX)   one unlucky segment
  bound(n) = 2 s + 2 segs(n) * p * 2 RTO_MIN + tail + n / (5 MB/s)
             (n bytes each way; each loss costs at most two RTO floors, when
             it is recovered by the timer rather than fast retransmit)

with RTO_MIN 200 ms and RTO_MAX 60 s (dataplane/tcp/tcp_timer.c; Linux's
floor is the same). Prints the seed and the worst time against its bound.

usage: stream_check.py HOST PORT --seed S [--conns 4] [--msgs 6] [--max 4194304]
                       [--loss 0.05] [--corrupt 0.001]
"""
import argparse
import math
import random
import sys
import threading
import time

import redis

RTO_MIN, RTO_MAX = 0.2, 60.0
MSS = 1400


def segs(n):
    return n // MSS + 2


def tail(k):
    return sum(min(RTO_MIN * 2 ** i, RTO_MAX) for i in range(k))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--conns", type=int, default=4)
    ap.add_argument("--msgs", type=int, default=6)
    ap.add_argument("--max", type=int, default=4 << 20)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--corrupt", type=float, default=0.0)
    a = ap.parse_args()

    plans = []
    for c in range(a.conns):
        rng = random.Random(a.seed * 1000 + c)
        sizes = [int(math.exp(rng.uniform(0, math.log(a.max)))) for _ in range(a.msgs)]
        if c == 0:
            sizes[0], sizes[-1] = 1, a.max
        plans.append((rng, sizes))
    total_segs = sum(2 * segs(n) for _, sizes in plans for n in sizes)
    p = 1 - (1 - a.loss) ** 2 + a.corrupt
    k = 1
    while p > 0 and total_segs * p ** k > 1e-3 and k < 15:
        k += 1

    def bound(n):
        return 2.0 + 2 * segs(n) * p * 2 * RTO_MIN + tail(k) + n / 5e6

    errors, worst = [], [0.0, 0, 0.0]
    lock = threading.Lock()
    moved = [0]

    def run(c):
        rng, sizes = plans[c]
        r = redis.Redis(host=a.host, port=a.port, socket_timeout=bound(a.max) + 5,
                        socket_connect_timeout=30)
        try:
            r.ping()
            for i, n in enumerate(sizes):
                v = rng.randbytes(n)
                key = "stream:%d:%d:%d" % (a.seed, c, i)
                t0 = time.monotonic()
                if r.set(key, v) is not True:
                    raise AssertionError("SET %s (%d B) did not answer OK" % (key, n))
                got = r.get(key)
                dt = time.monotonic() - t0
                if got != v:
                    raise AssertionError("%s: %d bytes sent, %s came back different" % (
                        key, n, len(got) if got is not None else None))
                r.delete(key)
                with lock:
                    moved[0] += 2 * n
                    if worst[2] == 0 or dt / bound(n) > worst[0] / worst[2]:
                        worst[:] = [dt, n, bound(n)]
                if dt > bound(n):
                    raise AssertionError("%s: %d bytes took %.1f s, bound %.1f s" % (
                        key, n, dt, bound(n)))
        except Exception as e:  # noqa: BLE001 - reported with the seed
            with lock:
                errors.append("conn %d: %r" % (c, e))
        finally:
            r.close()

    t0 = time.monotonic()
    ts = [threading.Thread(target=run, args=(c,)) for c in range(a.conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.monotonic() - t0
    tag = "seed=%d loss=%g corrupt=%g conns=%d msgs=%d max=%d" % (
        a.seed, a.loss, a.corrupt, a.conns, a.msgs, a.max)
    if errors:
        print("FAIL %s: %s" % (tag, "; ".join(errors)))
        sys.exit(1)
    print("ok %s: %.1f MB both ways in %.1f s; worst %d B in %.2f s (bound %.1f s, k=%d)" % (
        tag, moved[0] / 1e6, secs, worst[1], worst[0], worst[2], k))


if __name__ == "__main__":
    main()
