#!/usr/bin/python3
"""Goodput of one connection moving big values (tests/bench/tcp.sh): SET
(client -> server) or GET (server -> client) of a SIZE-MB value ROUNDS
times, each reply checked; prints the application bytes per second over all
rounds in MB/s (the value bytes only, as "goodput").

usage: goodput.py HOST PORT --op get|set [--mb 16] [--rounds 3] [--timeout 120]

A transfer that does not finish within --timeout seconds (the socket's
timeout: no byte for that long) prints "stalled" instead of a figure, so a
bench run never hangs on one.
"""
import argparse
import os
import sys
import time

import redis


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--op", choices=("get", "set"), required=True)
    ap.add_argument("--mb", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    r = redis.Redis(host=a.host, port=a.port, socket_timeout=a.timeout)
    v = os.urandom(a.mb << 20)
    try:
        r.set("goodput", v)
    except (redis.exceptions.TimeoutError, redis.exceptions.ConnectionError):
        print("stalled")
        return
    spent = 0.0
    for _ in range(a.rounds):
        t0 = time.monotonic()
        try:
            if a.op == "set":
                ok = r.set("goodput", v) is True
            else:
                ok = r.get("goodput") == v
        except (redis.exceptions.TimeoutError, redis.exceptions.ConnectionError):
            print("stalled")
            return
        spent += time.monotonic() - t0
        if time.monotonic() - t0 > a.timeout:
            print("stalled")
            return
        if not ok:
            sys.exit("goodput: a %s came back wrong" % a.op)
    r.delete("goodput")
    print("%.2f" % (a.rounds * len(v) / spent / 1e6))


if __name__ == "__main__":
    main()
