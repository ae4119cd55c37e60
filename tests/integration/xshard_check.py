#!/usr/bin/python3
"""Multi-key collection commands across workers (issue #5 item 7): checks
the byte-for-byte cases (oracle_cases_xshard.py) cannot make.

  notify REDWIRE ORACLE   keyspace notifications (notify-keyspace-events
                          KEA) of cross-worker SUNIONSTORE SMOVE LMOVE
                          ZUNIONSTORE ZRANGESTORE LMPOP ZMPOP..., of DEL
                          MSET MSETNX UNLINK over both workers' keys, and
                          of a stepped EXEC: the same messages as
                          redis-server's, in its order, command by command
  atomic ADDR [ROUNDS]    movers SMOVE members and LMOVE elements between
                          keys of worker 0 and worker 1 while readers check,
                          with SUNION/SINTERCARD (themselves cross-worker)
                          and MULTI SCARD SCARD EXEC, that every member is
                          in exactly one of them, never both or neither
  seq ADDR SEED           FLUSHALL, then the untagged random sequences of
                          oracle_cases_xshard.py; prints DEBUG DIGEST
  lfu REDWIRE ORACLE [one]
                          OBJECT FREQ of every key after each command
                          (allkeys-lfu, lfu-log-factor 0 and
                          lfu-decay-time 0 make the counter a count of
                          touches): reads touch the originals as Redis's
                          lookups do, written keys keep or start counters
                          as Redis's in-place writes, dbOverwrite() and
                          dbAdd() do, RENAME/MOVE keep the object's, COPY
                          starts anew (one: every key on worker 0)

Bounded: fixed rounds, timeouts on every read. Exit status 0 when every
check held."""
import os
import random
import sys
import threading
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_cases_xshard import a, b  # noqa: E402
from resp_client import RawConn  # noqa: E402
from resp_client import encode as E  # noqa: E402


def conn(addr):
    host, port = addr.rsplit(":", 1)
    return redis.Redis(host=host, port=int(port), socket_timeout=20)


NOTIFY_CMDS = [
    ("DEL", a("n1"), a("n2"), a("l"), a("z")), ("DEL", b("n1"), b("n2"), b("l"), b("z"), b("d")),
    ("SADD", a("n1"), "1", "2", "3"), ("SADD", b("n1"), "3", "4"),
    ("SUNIONSTORE", b("n2"), a("n1"), b("n1")), ("SINTERSTORE", a("n2"), a("n1"), b("n1")),
    ("SDIFFSTORE", a("n2"), b("n1"), a("n1")), ("SINTERSTORE", a("n2"), a("none"), b("n1")),
    ("SINTER", a("n1"), b("n1")), ("SMOVE", a("n1"), b("n1"), "1"), ("SMOVE", a("n1"), b("d"), "2"),
    ("SMOVE", a("n1"), b("d"), "3"), ("SMOVE", b("d"), a("n1"), "9"),
    ("RPUSH", a("l"), "x", "y"), ("LMOVE", a("l"), b("l"), "LEFT", "RIGHT"),
    ("RPOPLPUSH", a("l"), b("l")), ("LMPOP", "2", a("l"), b("l"), "LEFT", "COUNT", "5"),
    ("ZADD", a("z"), "1", "a", "2", "b"), ("ZUNIONSTORE", b("z"), "2", a("z"), b("z")),
    ("ZINTERSTORE", b("z"), "2", a("z"), b("none")), ("ZRANGESTORE", b("z"), a("z"), "0", "0"),
    ("ZDIFFSTORE", b("z"), "2", a("z"), b("z")), ("ZMPOP", "2", b("none"), a("z"), "MIN"),
    ("ZMPOP", "2", a("z"), b("z"), "MAX", "COUNT", "3"),
    # split commands outside MULTI: their notifications in argument order
    ("MSET", a("m1"), "1", b("m1"), "2", a("m2"), "3", b("m2"), "4"),
    ("DEL", b("m1"), a("m1"), b("m2"), a("none"), a("m2")),
    ("MSETNX", b("m3"), "1", a("m3"), "2", b("m4"), "3"),
    ("UNLINK", a("m3"), b("m3"), b("m4")),
    # a stepped EXEC (KEYS, DBSIZE beside commands needing both workers'
    # keys): every command's notifications in command order
    [("SADD", a("n3"), "1", "2"), ("SADD", b("n3"), "2", "3"), ("KEYS", "it:none*"),
     ("SUNIONSTORE", a("n4"), a("n3"), b("n3")), ("MSET", b("m5"), "1", a("m5"), "2"),
     ("RENAME", b("n3"), a("n5")), ("DBSIZE",), ("SMOVE", a("n5"), b("n6"), "3"),
     ("DEL", a("m5"), b("m5"), a("n3"), a("n4"), a("n5"), b("n6"))],
]


def notify_run(addr):
    r = conn(addr)
    r.config_set("notify-keyspace-events", "KEA")
    p = r.pubsub()
    p.psubscribe("__key*__:*")
    deadline = time.time() + 5
    while p.get_message(timeout=0.5) is None and time.time() < deadline:
        pass  # the psubscribe confirmation
    groups = []
    for c in NOTIFY_CMDS:
        if isinstance(c, list):  # MULTI ... EXEC
            t = r.pipeline(transaction=True)
            for x in c:
                t.execute_command(*x)
            t.execute(raise_on_error=False)
        else:
            r.execute_command(*c)
        got = []
        while True:
            m = p.get_message(timeout=0.3)
            if m is None:
                break
            got.append((m["channel"], m["data"]))
        groups.append((c, got))
    r.config_set("notify-keyspace-events", "")
    p.close()
    return groups


def notify(rw, oracle):
    want, got = notify_run(oracle), notify_run(rw)
    bad = 0
    for (c, w), (_, g) in zip(want, got):
        if w != g:
            bad += 1
            print("notifications of %r differ:\n  redis-server %r\n  redwire      %r" % (c, w, g))
    print("notify: %d commands, %d differ" % (len(want), bad))
    return 1 if bad else 0


MEMBERS = ["m%d" % i for i in range(20)]
ELEMS = ["e%d" % i for i in range(20)]
errors = []


def mover(addr, rounds, seed):
    r = conn(addr)
    rnd = random.Random(seed)
    for _ in range(rounds):
        m = rnd.choice(MEMBERS)
        if rnd.random() < 0.5:
            r.smove(a("sa"), b("sb"), m)
        else:
            r.smove(b("sb"), a("sa"), m)
        src, dst = (a("la"), b("lb")) if rnd.random() < 0.5 else (b("lb"), a("la"))
        r.lmove(src, dst, rnd.choice(["LEFT", "RIGHT"]), rnd.choice(["LEFT", "RIGHT"]))


def reader(addr, stop, counts):
    r = conn(addr)
    while not stop.is_set() and len(errors) < 10:
        u = r.sunion(a("sa"), b("sb"))
        if len(u) != len(MEMBERS):
            errors.append("SUNION saw %d members" % len(u))
        n = r.execute_command("SINTERCARD", "2", a("sa"), b("sb"))
        if n != 0:
            errors.append("SINTERCARD saw %d members in both" % n)
        p = r.pipeline(transaction=True)
        p.scard(a("sa"))
        p.scard(b("sb"))
        p.llen(a("la"))
        p.llen(b("lb"))
        ca, cb, la, lb = p.execute()
        if ca + cb != len(MEMBERS):
            errors.append("SCARD %d + %d" % (ca, cb))
        if la + lb != len(ELEMS):
            errors.append("LLEN %d + %d" % (la, lb))
        counts[0] += 1


def atomic(addr, rounds):
    r = conn(addr)
    r.delete(a("sa"), a("la"))
    r.delete(b("sb"), b("lb"))
    r.sadd(a("sa"), *MEMBERS)
    r.rpush(b("lb"), *ELEMS)
    stop = threading.Event()
    counts = [0]
    movers = [threading.Thread(target=mover, args=(addr, rounds, s)) for s in range(3)]
    readers = [threading.Thread(target=reader, args=(addr, stop, counts)) for _ in range(2)]
    for t in movers + readers:
        t.start()
    for t in movers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    print("atomic: %d moves, %d reads, %d errors" % (3 * rounds * 2, counts[0], len(errors)))
    for e in errors:
        print("  " + e)
    return 1 if errors or counts[0] == 0 else 0


def seq(addr, seed):
    import oracle_cases_list
    import oracle_cases_set
    import oracle_cases_zset
    from oracle_cases_xshard import untag
    reqs = [E("FLUSHALL")]
    reqs += oracle_cases_set.random_sequence(seed) + oracle_cases_set.random_sequence_ht(seed)
    chunks = [untag(b"".join(reqs))]
    n = len(reqs)
    for mod in (oracle_cases_zset, oracle_cases_list):
        c, k = mod.random_case(seed, 600)
        chunks += [untag(x) for x in c]
        n += k
    chunks.append(E("DEBUG", "DIGEST"))
    n += 1
    host, port = addr.rsplit(":", 1)
    c = RawConn(host, int(port), timeout=30)
    for ch in chunks:
        c.send(ch)
    last = b""
    for _ in range(n):
        last = c.read_reply()
    c.close()
    print(last[1:].split(b"\r\n")[0].decode())
    return 0


def lfu_plan(b):
    """The keys and commands of the LFU check, @b naming the second key of
    each pair (worker 1's, or worker 0's for the one-worker run)."""
    keys = [a("s1"), b("s2"), b("d"), a("d"), a("l1"), b("l2"), a("z1"), b("z2"), b("zd"),
            a("h"), b("str"), a("str"), b("n")]
    # A command touches each key as Redis's lookups do: a write lookup and
    # the write after it are one access (SMOVE, LMOVE...), a read and a
    # write two (ZINTERSTORE zd .. zd), RENAME's and MOVE's key keeps the
    # source's counter, COPY's starts anew. Across workers a gather's read
    # leaves the original alone and its RELEASE brings back what the
    # command's lookups did to the copy: a key named twice is touched twice
    # (SUNION k1 k2 k1), one never looked up not at all (ZMPOP's second).
    cmds = [
        ("SINTER", a("s1"), b("s2")), ("SUNIONSTORE", b("d"), a("s1"), b("s2")),
        ("SUNIONSTORE", b("d"), a("s1"), b("s2")), ("SDIFFSTORE", a("s1"), a("s1"), b("s2")),
        ("SADD", a("s1"), "1", "2", "3"), ("SINTERCARD", "2", a("s1"), b("d")),
        ("SINTERSTORE", b("d"), b("s2"), a("s1"), b("d")), ("ZUNION", "2", a("z1"), b("z2")),
        ("SUNION", a("s1"), b("d")), ("SDIFF", b("s2"), a("s1")),
        ("SMOVE", a("s1"), b("s2"), "1"), ("SMOVE", b("s2"), a("d"), "3"),
        ("SMOVE", b("s2"), b("s2"), "4"), ("SREM", a("s1"), "9"), ("SISMEMBER", a("s1"), "2"),
        ("SINTERSTORE", a("d"), b("s2"), b("d"), a("s1")),
        ("LMOVE", a("l1"), b("l2"), "LEFT", "RIGHT"), ("RPOPLPUSH", b("l2"), a("l1")),
        ("LMOVE", a("l1"), a("l1"), "LEFT", "RIGHT"), ("LSET", a("l1"), "0", "q"),
        ("LMPOP", "2", b("none"), a("l1"), "LEFT", "COUNT", "2"),
        ("ZUNIONSTORE", b("zd"), "2", a("z1"), b("z2")), ("ZUNION", "2", a("z1"), b("zd")),
        ("ZINTERSTORE", b("zd"), "2", a("z1"), b("zd")), ("ZDIFFSTORE", b("zd"), "2", a("z1"), b("zd")),
        ("ZRANGESTORE", b("zd"), a("z1"), "0", "1"), ("ZRANGESTORE", a("z1"), a("z1"), "0", "-1"),
        ("ZUNIONSTORE", b("zd"), "2", a("s1"), a("z1")), ("ZINTERCARD", "2", a("z1"), b("z2")),
        ("ZINCRBY", a("z1"), "1", "b"), ("ZMPOP", "2", b("none"), a("z1"), "MIN"),
        ("HSET", a("h"), "f", "3"), ("HINCRBY", a("h"), "f", "1"), ("HGET", a("h"), "f"),
        ("MSET", b("str"), "v", a("str"), "w"), ("MSET", b("str"), "v", a("str"), "w"),
        ("APPEND", b("str"), "x"), ("INCR", b("n")), ("GETSET", b("n"), "7"),
        ("RENAME", b("str"), a("str")), ("RENAME", a("str"), b("str")),
        ("COPY", a("s1"), b("d"), "REPLACE"), ("COPY", b("d"), a("d")), ("COPY", a("z1"), b("zd")),
        ("RENAME", a("s1"), b("d")), ("RENAME", b("d"), a("s1")), ("RENAMENX", b("zd"), a("z1")),
        ("RENAMENX", b("zd"), a("d")), ("COPY", b("n"), a("str"), "REPLACE"),
        ("RENAME", b("n"), a("h")), ("EXPIRE", a("z1"), "1000"), ("PERSIST", a("z1")),
        ("SUNION", a("s1"), b("d"), a("s1")), ("ZMPOP", "2", a("z1"), b("z2"), "MIN"),
        ("SADD", b("d"), "7"),
        # an EXEC run as one gather: each command's lookups count
        [("SCARD", a("s1")), ("SISMEMBER", b("d"), "7"), ("SUNION", a("s1"), b("d")),
         ("ZSCORE", a("z1"), "c")],
    ]
    return keys, cmds


def lfu_run(addr, b_key):
    keys, cmds = lfu_plan(b_key)
    r = conn(addr)
    names = ("maxmemory-policy", "lfu-log-factor", "lfu-decay-time")
    saved = {k: r.config_get(k)[k] for k in names}
    r.config_set("maxmemory-policy", "allkeys-lfu")
    r.config_set("lfu-log-factor", 0)
    r.config_set("lfu-decay-time", 0)
    try:
        r.delete(*keys)
        r.sadd(a("s1"), "1", "2", "3", "4")
        r.sadd(b_key("s2"), "3", "4", "5")
        r.rpush(a("l1"), "x", "y", "z", "w")
        r.rpush(b_key("l2"), "p")
        r.zadd(a("z1"), {"a": 1, "b": 2, "c": 3})
        r.zadd(b_key("z2"), {"b": 5, "d": 6})
        r.hset(a("h"), mapping={"f": 1, "g": 2})
        r.set(b_key("n"), 5)
        out = []
        for c in cmds:
            try:
                if isinstance(c, list):
                    p = r.pipeline(transaction=True)
                    for x in c:
                        p.execute_command(*x)
                    reply = p.execute()
                else:
                    reply = r.execute_command(*c)
            except redis.ResponseError as e:
                reply = str(e)
            freq = []
            for k in keys:
                try:
                    freq.append(r.object("freq", k))
                except redis.ResponseError:
                    freq.append(None)
            out.append((c, reply, freq))
        r.delete(*keys)
        return out
    finally:
        for k, v in saved.items():
            r.config_set(k, v)


def lfu(rw, oracle, opts):
    one_worker = "one" in opts
    b_key = (lambda n: a("2" + n)) if one_worker else b
    want, got = lfu_run(oracle, b_key), lfu_run(rw, b_key)
    bad = 0
    for (c, wr, wf), (_, gr, gf) in zip(want, got):
        if (wr, wf) != (gr, gf):
            bad += 1
            print("after %r:\n  redis-server %r %r\n  redwire      %r %r" % (c, wr, wf, gr, gf))
    print("lfu%s: %d commands, %d differ (keys %s)" % (" one worker" if one_worker else "",
                                                       len(want), bad, " ".join(lfu_plan(b_key)[0])))
    return 1 if bad else 0


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "lfu":
        sys.exit(lfu(sys.argv[2], sys.argv[3], sys.argv[4:]))
    if mode == "notify":
        sys.exit(notify(sys.argv[2], sys.argv[3]))
    if mode == "atomic":
        sys.exit(atomic(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 300))
    sys.exit(seq(sys.argv[2], int(sys.argv[3])))
