#!/usr/bin/python3
"""MEMORY STATS has the shape stock redis-server 7.0.15 gives it: the same
fields in the same order with the same reply types, in RESP2 and RESP3
(the values are each server's own). Both servers get the same keys in DB 0
and DB 3 first, so the per-DB entries must match too.

usage: memory_stats_check.py HOST PORT ORACLE_HOST ORACLE_PORT
"""
import sys
import time

from resp_client import RawConn, encode as E


def fields(host, port, proto):
    c = RawConn(host, port)
    c.send(E("HELLO", str(proto)))
    c.read_reply()
    for db in ("0", "3"):
        c.send(E("SELECT", db) + E("SET", "it:ms:a", "1") + E("SET", "it:ms:b", "x" * 100, "EX", "100"))
        for _ in range(3):
            c.read_reply()
    time.sleep(0.01)  # other workers publish their figures once per 1 ms tick
    c.send(E("MEMORY", "STATS"))
    raw = c.read_reply()
    for db in ("0", "3"):
        c.send(E("SELECT", db) + E("DEL", "it:ms:a", "it:ms:b"))
        c.read_reply()
        c.read_reply()
    return raw


def skeleton(raw):
    """The reply with every value replaced by its RESP type (numbers in
    bulk strings, RESP2's doubles, tagged as such); names and nesting kept."""
    pos = 0

    def line():
        nonlocal pos
        end = raw.index(b"\r\n", pos)
        text, pos = raw[pos:end], end + 2
        return text

    def item():
        nonlocal pos
        head = line()
        kind, body = head[:1], head[1:]
        if kind in (b"*", b"%"):
            n = int(body) * (2 if kind == b"%" else 1)
            return (kind, [item() for _ in range(n)])
        if kind == b"$":
            data = raw[pos:pos + int(body)]
            pos += int(body) + 2
            try:
                float(data)
                return b"$number"
            except ValueError:
                return data
        return kind  # :integer ,double
    return item()


def main():
    host, port, ohost, oport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    bad = 0
    for proto in (2, 3):
        mine = skeleton(fields(host, port, proto))
        theirs = skeleton(fields(ohost, oport, proto))
        if mine != theirs:
            bad += 1
            print("MEMORY STATS RESP%d differs:\n redwire %r\n oracle  %r" % (proto, mine, theirs))
        else:
            print("MEMORY STATS RESP%d: same %d fields, types and nesting" % (proto, len(mine[1]) // 2))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
