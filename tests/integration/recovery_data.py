#!/usr/bin/python3
"""Dataset of the recovery tests (issue #7), written through redis-py.

  recovery_data.py HOST PORT fill          strings of every encoding, absolute
                                           expiries, several DBs, deletes,
                                           FLUSHDB, keys on every worker
  recovery_data.py HOST PORT expiring MS   keys that expire MS ms from now
  recovery_data.py HOST PORT digest        reclaim the expiring keys (a read
                                           of each expires it, in Redis and in
                                           Redwire), then print DEBUG DIGEST

Expiries are absolute (PXAT, EXAT, PEXPIREAT, EXPIREAT) because Redwire
journals relative ones verbatim today (issue #7, item 1); big values are up
to 3 MB so they cross several load messages.
"""
import sys
import time

import redis

DBS = [0, 1, 3, 9, 15]
EXPIRING = 60


def conn(host, port, db=0):
    return redis.Redis(host=host, port=port, db=db, socket_timeout=30)


def fill(host, port):
    far_ms = int(time.time() * 1000) + 10 ** 9
    for db in DBS:
        r = conn(host, port, db)
        p = r.pipeline(transaction=False)
        for i, v in enumerate([0, 1, -5, 9999, 10000, 123456789, 2 ** 62, -2 ** 63]):
            p.set("int:%d" % i, v)
        for i in range(30):
            p.set("emb:%d:%d" % (db, i), "e" * (i + 1))  # embstr up to 44 bytes
            p.set("raw:%d:%d" % (db, i), "r%d" % i * (20 + i * 7))  # raw
            p.incr("ctr:%d" % (i % 7))
            p.append("app:%d" % (i % 5), "piece-%d;" % i)
        p.setrange("rng", 10, "range")
        p.setbit("bits", 1001, 1)
        p.incrbyfloat("flt", 2.5)
        p.getset("gs", "new")
        for i in range(400):
            p.set("k:%d:%d" % (db, i), "value-%d" % i)
        p.mset({"m:%d" % i: "mv%d" % i for i in range(40)})
        p.delete(*["k:%d:%d" % (db, i) for i in range(0, 400, 9)])
        p.unlink(*["m:%d" % i for i in range(0, 40, 4)])
        p.getdel("k:%d:1" % db)
        p.set("abs:px:%d" % db, "v", pxat=far_ms)
        p.set("abs:ex:%d" % db, "v", exat=far_ms // 1000)
        p.set("abs:pe:%d" % db, "v")
        p.pexpireat("abs:pe:%d" % db, far_ms + 7)
        p.set("abs:e:%d" % db, "v")
        p.expireat("abs:e:%d" % db, far_ms // 1000 + 3)
        p.set("abs:persist:%d" % db, "v", pxat=far_ms)
        p.persist("abs:persist:%d" % db)
        p.execute()
        if db == 3:  # a FLUSHDB in the middle of the file, then more writes
            r.flushdb()
            r.set("after-flush", "1")
    r = conn(host, port, 0)
    for i, size in enumerate([100 * 1024, 1024 * 1024, 3 * 1024 * 1024]):
        r.set("big:%d" % i, bytes((j * 7 + i) % 251 for j in range(size)))
    r.append("big:0", b"tail")


def expiring(host, port, ms):
    at = int(time.time() * 1000) + ms
    for db in DBS:
        r = conn(host, port, db)
        p = r.pipeline(transaction=False)
        for i in range(EXPIRING):
            p.set("exp:%d" % i, "gone-soon", pxat=at)
        p.execute()


def digest(host, port):
    for db in DBS:
        r = conn(host, port, db)
        p = r.pipeline(transaction=False)
        for i in range(EXPIRING):
            p.exists("exp:%d" % i)
        p.execute()
    print(conn(host, port).execute_command("DEBUG", "DIGEST").decode())


def main():
    host, port, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if what == "fill":
        fill(host, port)
    elif what == "expiring":
        expiring(host, port, int(sys.argv[4]))
    elif what == "digest":
        digest(host, port)
    else:
        sys.exit("unknown action " + what)


if __name__ == "__main__":
    main()
