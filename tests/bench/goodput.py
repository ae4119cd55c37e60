#!/usr/bin/python3
"""Goodput of one connection moving big values (tests/bench/tcp.sh): SET
(client -> server) or GET (server -> client) of a SIZE-MB value ROUNDS
times, each reply checked; prints the application bytes per second over all
rounds in MB/s (the value bytes only, as "goodput").

usage: goodput.py HOST PORT --op get|set [--mb 16] [--rounds 3]
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
    a = ap.parse_args()
    r = redis.Redis(host=a.host, port=a.port, socket_timeout=120)
    v = os.urandom(a.mb << 20)
    r.set("goodput", v)
    spent = 0.0
    for _ in range(a.rounds):
        t0 = time.monotonic()
        if a.op == "set":
            ok = r.set("goodput", v) is True
        else:
            ok = r.get("goodput") == v
        spent += time.monotonic() - t0
        if not ok:
            sys.exit("goodput: a %s came back wrong" % a.op)
    r.delete("goodput")
    print("%.2f" % (a.rounds * len(v) / spent / 1e6))


if __name__ == "__main__":
    main()
