#!/usr/bin/python3
"""Dataset of test_aof_rewrite.sh, written through redis-py.

  aof_rewrite_data.py HOST PORT fill BULK   every type and encoding this build
                                            has, far expiries, several DBs; and
                                            BULK small string keys in db 2 (so a
                                            rewrite lasts long enough to watch)
  aof_rewrite_data.py HOST PORT grow BYTES  about BYTES of 1 KiB values in db 3
                                            (the AOF grows: the auto threshold)

The same script fills Redwire and stock redis-server, so DEBUG DIGEST of
the two can be compared.
"""
import sys
import time

import redis


def fill(r, bulk):
    far = int(time.time()) + 10 ** 8
    p = r.pipeline(transaction=False)
    for db in (0, 1, 5):
        p.execute_command("SELECT", db)
        p.set("int", 12345)
        p.set("str", "hello world %d" % db)
        p.set("big", "x" * 5000 + str(db))  # LZF-compressible
        p.set("exp", "v", exat=far)
        p.rpush("list:small", *["e%d" % i for i in range(10)])
        p.rpush("list:big", *["element-%d-%s" % (i, "y" * 40) for i in range(400)])
        p.hset("hash:small", mapping={"f%d" % i: "v%d" % i for i in range(8)})
        p.hset("hash:big", mapping={"field-%d" % i: "value-%d" % i for i in range(700)})
        p.sadd("set:int", *range(50))
        p.sadd("set:small", *["m%d" % i for i in range(20)])
        p.sadd("set:big", *["member-%d" % i for i in range(600)])
        p.zadd("zset:small", {"z%d" % i: i * 1.5 for i in range(10)})
        p.zadd("zset:big", {"member-%d" % i: i / 3 for i in range(300)})
        p.expireat("hash:small", far)
        p.incr("counter")
    p.execute()
    r.execute_command("SELECT", 2)
    for start in range(0, bulk, 2000):
        p = r.pipeline(transaction=False)
        for i in range(start, min(bulk, start + 2000)):
            p.set("bulk:%d" % i, "value-%d" % i)
        p.execute()


def grow(r, nbytes):
    r.execute_command("SELECT", 3)
    v = "g" * 1024
    for start in range(0, nbytes // 1024, 500):
        p = r.pipeline(transaction=False)
        for i in range(start, start + 500):
            p.set("grow:%d" % i, v)
        p.execute()


def main():
    r = redis.Redis(host=sys.argv[1], port=int(sys.argv[2]), socket_timeout=60)
    if sys.argv[3] == "fill":
        fill(r, int(sys.argv[4]))
    elif sys.argv[3] == "grow":
        grow(r, int(sys.argv[4]))
    else:
        sys.exit("unknown action " + sys.argv[3])


if __name__ == "__main__":
    main()
