#!/usr/bin/python3
"""Pub/sub and keyspace notifications against stock redis-server 7.0.15
(issue #5 items 6 and 7), byte for byte, with clients on both workers.

usage: pubsub_check.py REDWIRE_HOST:PORT ORACLE_HOST:PORT N_WORKERS

Each scenario names its connections and the worker each must sit on in
Redwire (a connection's worker is its CLIENT ID mod N_WORKERS: ids are
handed out as n * workers + worker). The same steps run against both
servers; every reply and every message a subscriber reads is compared.
"""
import sys
import time

from resp_client import RawConn, encode as E

RW, ORA, NW, ONLY = None, None, 2, None  # set by main() (or an importer)


def connect(addr, worker=None):
    """A connection; in Redwire, one that sits on @worker (bounded tries)."""
    host, port = addr.rsplit(":", 1)
    spare = []
    for _ in range(64):
        c = RawConn(host, int(port))
        if worker is None:
            return c
        c.send(E("CLIENT", "ID"))
        cid = int(c.read_reply()[1:-2])
        if cid % NW == worker:
            for s in spare:
                s.close()
            return c
        spare.append(c)
    raise SystemExit("no connection landed on worker %d" % worker)


def sort_array(raw):
    """An array of bulk strings with its elements sorted."""
    head, rest = raw.split(b"\r\n", 1)
    elems = []
    while rest:
        ln, rest = rest.split(b"\r\n", 1)
        n = int(ln[1:])
        elems.append(ln + b"\r\n" + rest[:n + 2])
        rest = rest[n + 2:]
    return head + b"\r\n" + b"".join(sorted(elems))


def run(addr, placed, steps):
    """Run @steps: (conn, request bytes or None, replies to read[, sort]).
    @return the transcript of what was read."""
    conns = {n: connect(addr, w if addr == RW else None) for n, w in placed.items()}
    out = []  # noqa
    for st in steps:
        name, req, n = st[0], st[1], st[2]
        if name == "sleep":
            time.sleep(n)
            continue
        if req == b"close":  # the client goes away without a word
            conns[name].close()
            out.append((name, req, []))
            continue
        c = conns[name]
        if req is not None:
            c.send(req)
        got = [c.read_reply() for _ in range(n)]
        if len(st) > 3 and st[3] == "sort":  # Redis's order is its dict's: random
            got = [sort_array(g) for g in got]
        if len(st) > 3 and st[3] == "set":  # several patterns match: dict order in Redis
            got.sort()
        if len(st) > 3 and st[3] == "fields":  # CLIENT INFO / INFO: the pub/sub fields only
            import re
            got = [b" ".join(re.findall(rb"(?:flags|sub|psub|ssub|pubsub_\w+)[=:]\S+", g))
                   for g in got]
        if len(st) > 3 and st[3] == "skip":
            got = [b"(skipped)"] * n
        out.append((name, req, got))
    closed = {n: c.closed_by_peer(0.2) for n, c in conns.items() if c.sock.fileno() >= 0}
    for c in conns.values():
        c.close()
    return out, closed


def compare(title, placed, steps):
    a, ca = run(RW, placed, steps)
    b, cb = run(ORA, placed, steps)
    for x, y in zip(a, b):
        if x != y:
            print("FAIL %s: conn %s sent %r\n  redwire: %r\n  redis:   %r" %
                  (title, x[0], x[1], x[2], y[2]))
            return False
    if ca != cb:
        print("FAIL %s: closed connections differ: %r vs %r" % (title, ca, cb))
        return False
    print("ok %s (%d steps)" % (title, len(steps)))
    return True


# Subscribers and publishers on both workers.
TWO = {"s0": 0, "s1": 1 % NW, "p0": 0, "p1": 1 % NW}

SCENARIOS = []


def scenario(title, placed, steps):
    SCENARIOS.append((title, placed, steps))


scenario("resp2 subscribe publish across workers", TWO, [
    ("s0", E("SUBSCRIBE", "ps:a", "ps:b"), 2),
    ("s1", E("SUBSCRIBE", "ps:a"), 1),
    ("s1", E("PSUBSCRIBE", "ps:*", "ps:[ab]"), 2),
    ("p0", E("PUBLISH", "ps:a", "one"), 1),
    ("s0", None, 1), ("s1", None, 3, "set"),
    ("p1", E("PUBLISH", "ps:b", "two"), 1),
    ("s0", None, 1), ("s1", None, 2, "set"),
    ("p1", E("PUBLISH", "ps:nobody", "x"), 1),
    ("s1", None, 1),
    ("p0", E("PUBLISH", "other", "x"), 1),
    ("s0", E("PING"), 1), ("s0", E("PING", "hi"), 1), ("s0", E("PING", "a", "b"), 1),
    ("s0", E("GET", "k"), 1), ("s0", E("CLIENT", "LIST"), 1), ("s0", E("MULTI"), 1),
    ("s0", E("UNSUBSCRIBE", "ps:a", "nosuch"), 2),
    ("p0", E("PUBLISH", "ps:a", "three"), 1),
    ("s1", None, 3, "set"),
    ("s0", E("UNSUBSCRIBE"), 1),
    ("s0", E("UNSUBSCRIBE"), 1),
    ("s0", E("GET", "k"), 1),
    ("s1", E("PUNSUBSCRIBE", "ps:*"), 1),
    ("s1", E("GET", "k"), 1),
    ("s1", E("PUNSUBSCRIBE"), 1), ("s1", E("UNSUBSCRIBE"), 1), ("s1", E("GET", "k"), 1),
    ("s1", E("PUNSUBSCRIBE"), 1),
    ("p0", E("PUBLISH", "ps:a", "four"), 1),
])

scenario("resp2 subscribed mode: reset and quit", TWO, [
    ("s0", E("SUBSCRIBE", "ps:r"), 1),
    ("s1", E("PSUBSCRIBE", "ps:r*"), 1),
    ("s0", E("RESET"), 1), ("s0", E("GET", "k"), 1),
    ("p1", E("PUBLISH", "ps:r", "m"), 1),
    ("s1", None, 1),
    ("s1", E("QUIT"), 1),
    ("sleep", None, 0.2),
    ("p0", E("PUBLISH", "ps:r", "m"), 1),
    ("p0", E("PUBSUB", "NUMPAT"), 1),
    ("p0", E("PUBSUB", "NUMSUB", "ps:r"), 1),
])

scenario("a subscriber that disconnects is forgotten on every worker", TWO, [
    ("s0", E("SUBSCRIBE", "ps:d", "ps:e"), 2), ("s0", E("PSUBSCRIBE", "ps:d*"), 1),
    ("s1", E("SSUBSCRIBE", "ps:d"), 1), ("s1", E("SUBSCRIBE", "ps:d"), 1),
    ("p0", E("PUBSUB", "NUMSUB", "ps:d", "ps:e"), 1),
    ("s0", b"close", 0), ("s1", b"close", 0),
    ("sleep", None, 0.3),
    ("p0", E("PUBSUB", "NUMSUB", "ps:d", "ps:e"), 1),
    ("p1", E("PUBSUB", "SHARDNUMSUB", "ps:d"), 1),
    ("p1", E("PUBSUB", "NUMPAT"), 1), ("p1", E("PUBSUB", "CHANNELS", "ps:*"), 1),
    ("p0", E("PUBLISH", "ps:d", "anyone?"), 1), ("p1", E("SPUBLISH", "ps:d", "anyone?"), 1),
    ("p0", E("INFO", "stats"), 1, "fields"),
])

scenario("resp3 push frames, every command allowed", TWO, [
    ("s0", E("HELLO", "3"), 1, "skip"), ("s1", E("HELLO", "3"), 1, "skip"),
    ("s0", E("SUBSCRIBE", "ps:3"), 1),
    ("s1", E("PSUBSCRIBE", "ps:3*"), 1),
    ("s1", E("SSUBSCRIBE", "ps:3s"), 1),
    ("s0", E("SET", "ps:k3", "v"), 1), ("s0", E("GET", "ps:k3"), 1),
    ("s0", E("PING"), 1), ("s1", E("PING", "x"), 1),
    ("p1", E("PUBLISH", "ps:3", "hello"), 1),
    ("s0", None, 1), ("s1", None, 1),
    ("p0", E("SPUBLISH", "ps:3s", "shard"), 1),
    ("s1", None, 1),
    ("s0", E("UNSUBSCRIBE"), 1), ("s0", E("UNSUBSCRIBE"), 1),
    ("s1", E("SUNSUBSCRIBE"), 1), ("s1", E("PUNSUBSCRIBE", "nope"), 1),
    ("s1", E("PUNSUBSCRIBE"), 1),
    ("s0", E("DEL", "ps:k3"), 1),
])

# {b} hashes to worker 0 of 2: s0's own write runs on its worker
scenario("resp3 notification of the client's own write comes before the reply", TWO, [
    ("s0", E("HELLO", "3"), 1, "skip"),
    ("p0", E("CONFIG", "SET", "notify-keyspace-events", "KA"), 1),
    ("s0", E("SUBSCRIBE", "__keyspace@0__:{b}own"), 1),
    ("s0", E("SET", "{b}own", "v"), 2),
    ("s0", E("RPUSH", "{b}own2", "a", "b"), 1),
    ("s0", E("DEL", "{b}own"), 2),
    ("p0", E("CONFIG", "SET", "notify-keyspace-events", ""), 1),
])

scenario("shard channels", TWO, [
    ("s0", E("SSUBSCRIBE", "ps:s1", "ps:s2"), 2),
    ("s1", E("SSUBSCRIBE", "ps:s1"), 1),
    ("s1", E("SUBSCRIBE", "ps:s1"), 1),
    ("p1", E("SPUBLISH", "ps:s1", "sm"), 1),
    ("s0", None, 1), ("s1", None, 1),
    ("p0", E("PUBLISH", "ps:s1", "plain"), 1),
    ("s1", None, 1),
    ("p0", E("PUBSUB", "SHARDNUMSUB", "ps:s1", "ps:s2", "ps:none"), 1),
    ("p0", E("PUBSUB", "SHARDCHANNELS"), 1, "sort"),
    ("p0", E("PUBSUB", "NUMSUB", "ps:s1"), 1),
    ("s0", E("SUNSUBSCRIBE", "ps:s1"), 1),
    ("s1", E("UNSUBSCRIBE"), 1), ("s1", E("GET", "k"), 1),
    ("s1", E("SUNSUBSCRIBE"), 1), ("s1", E("GET", "k"), 1),
    ("p1", E("SPUBLISH", "ps:s1", "again"), 1),
    ("s0", E("SUNSUBSCRIBE"), 1),
])

scenario("pubsub introspection", TWO, [
    ("s0", E("SUBSCRIBE", "ps:i1", "ps:i2"), 2),
    ("s1", E("SUBSCRIBE", "ps:i2", "ps:j3"), 2),
    ("s0", E("PSUBSCRIBE", "ps:i*", "ps:j*"), 2),
    ("s1", E("PSUBSCRIBE", "ps:i*"), 1),
    ("p0", E("INFO", "stats"), 1, "fields"),  # ps:i2 and ps:i* on both workers count once
    ("p0", E("PUBSUB", "NUMSUB", "ps:i1", "ps:i2", "ps:j3", "ps:none"), 1),
    ("p1", E("PUBSUB", "NUMSUB"), 1),
    ("p1", E("PUBSUB", "NUMPAT"), 1),
    ("p1", E("PUBSUB", "CHANNELS"), 1, "sort"),
    ("p0", E("PUBSUB", "CHANNELS", "ps:i*"), 1, "sort"),
    ("p0", E("PUBSUB", "CHANNELS", "nomatch*"), 1),
    ("p0", E("PUBSUB", "CHANNELS", "a", "b"), 1),
    ("p0", E("PUBSUB", "NUMPAT", "x"), 1),
    ("p0", E("PUBSUB", "FOO"), 1),
    ("p0", E("PUBSUB"), 1),
    ("p0", E("PUBSUB", "HELP"), 1),
    ("p0", E("PUBLISH", "ps:i2"), 1),
    ("p0", E("SUBSCRIBE"), 1),
    ("p1", E("PUBLISH", "ps:i2", "m"), 1),
    ("s0", None, 2), ("s1", None, 2),
    ("s0", E("CLIENT", "INFO"), 1, "skip"),
    ("s1", E("UNSUBSCRIBE", "ps:i2"), 1), ("p1", E("INFO", "stats"), 1, "fields"),
    ("s0", E("UNSUBSCRIBE", "ps:i2"), 1), ("p0", E("INFO", "stats"), 1, "fields"),
    ("s0", E("PUNSUBSCRIBE"), 2, "set"), ("p1", E("INFO", "stats"), 1, "fields"),
])

scenario("config, INFO and CLIENT INFO", TWO, [
    ("p0", E("CONFIG", "GET", "notify-keyspace-events"), 1),
    ("p0", E("CONFIG", "GET", "client-output-buffer-limit"), 1),
    ("p0", E("CONFIG", "SET", "notify-keyspace-events", "KEA"), 1),
    ("p1", E("CONFIG", "GET", "notify-keyspace-events"), 1),
    ("p0", E("CONFIG", "SET", "notify-keyspace-events", "AKEn"), 1),
    ("p1", E("CONFIG", "GET", "notify-keyspace-events"), 1),
    ("p0", E("CONFIG", "SET", "notify-keyspace-events", "lK$xn"), 1),
    ("p1", E("CONFIG", "GET", "notify-keyspace-events"), 1),
    ("p0", E("CONFIG", "SET", "notify-keyspace-events", "K$q"), 1),
    ("p0", E("CONFIG", "SET", "notify-keyspace-events", ""), 1),
    ("p1", E("CONFIG", "GET", "notify-keyspace-events"), 1),
    ("p0", E("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb 5"), 1),
    ("p1", E("CONFIG", "GET", "client-output-buffer-limit"), 1),
    ("p0", E("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb"), 1),
    ("p0", E("CONFIG", "SET", "client-output-buffer-limit", "master 1 1 1"), 1),
    ("p0", E("CONFIG", "SET", "client-output-buffer-limit", "pubsub x 1 1"), 1),
    ("p0", E("CONFIG", "SET", "client-output-buffer-limit", "replica 1gb 2mb 3 normal 1 2 3"), 1),
    ("p1", E("CONFIG", "GET", "client-output-buffer-limit"), 1),
    ("p0", E("CONFIG", "SET", "client-output-buffer-limit",
             "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"), 1),
    ("s0", E("HELLO", "3"), 1, "skip"),
    ("s0", E("SUBSCRIBE", "ps:c0"), 1), ("s0", E("PSUBSCRIBE", "ps:p*", "ps:q*"), 2),
    ("s1", E("SSUBSCRIBE", "ps:c1", "ps:c2"), 2),
    ("s0", E("CLIENT", "INFO"), 1, "fields"),
    ("p0", E("INFO", "stats"), 1, "fields"),
    ("s0", E("UNSUBSCRIBE"), 1), ("s0", E("CLIENT", "INFO"), 1, "fields"),
    ("s0", E("PUNSUBSCRIBE"), 2, "set"), ("s0", E("CLIENT", "INFO"), 1, "fields"),
    ("p1", E("INFO", "stats"), 1, "fields"),
])

# Keyspace notifications: one writer, a subscriber to every event on each
# worker; keys on both workers ({a} and {b} hash to different workers).
NOTIFY_CMDS = [
    E("SET", "{a}s", "1"), E("APPEND", "{a}s", "2"), E("INCR", "{a}s"), E("DECR", "{b}n"),
    E("INCRBY", "{b}n", "5"), E("DECRBY", "{b}n", "2"), E("INCRBYFLOAT", "{b}n", "1.5"),
    E("SETRANGE", "{a}s", "0", "x"), E("SETBIT", "{b}bits", "3", "1"), E("SETNX", "{a}nx", "v"),
    E("SETEX", "{a}ex", "100", "v"), E("PSETEX", "{b}px", "100000", "v"),
    E("SET", "{a}s", "2", "EX", "100"), E("GETSET", "{a}s", "3"), E("GETDEL", "{a}nx"),
    E("MSET", "{a}m1", "1", "{a}m2", "2"),
    E("EXPIRE", "{a}s", "100"), E("PEXPIRE", "{b}n", "100000"), E("PERSIST", "{a}s"),
    E("EXPIRE", "{a}ex", "0"),
    E("DEL", "{a}s", "{a}none"), E("UNLINK", "{b}n"),
    E("RENAME", "{b}px", "{b}px2"),
    E("LPUSH", "{a}l", "a", "b", "c"), E("RPUSH", "{b}l", "x"), E("LPUSHX", "{a}l", "d"),
    E("RPUSHX", "{a}none", "d"), E("LPOP", "{a}l"), E("RPOP", "{a}l"), E("LINSERT", "{a}l", "BEFORE", "a", "z"),
    E("LSET", "{a}l", "0", "q"), E("LREM", "{a}l", "1", "q"), E("LTRIM", "{a}l", "0", "0"),
    E("RPOP", "{b}l"), E("LMOVE", "{a}l", "{a}l2", "LEFT", "RIGHT"), E("RPOPLPUSH", "{a}l2", "{a}l3"),
    E("HSET", "{b}h", "f", "1", "g", "2"), E("HSETNX", "{b}h", "z", "1"), E("HMSET", "{b}h", "y", "1"),
    E("HINCRBY", "{b}h", "f", "2"), E("HINCRBYFLOAT", "{b}h", "f", "0.5"), E("HDEL", "{b}h", "f", "g", "z", "y"),
    E("SADD", "{a}set", "1", "2", "3"), E("SREM", "{a}set", "1"), E("SPOP", "{a}set"),
    E("SADD", "{a}s2", "2", "3", "4"), E("SINTERSTORE", "{a}dst", "{a}set", "{a}s2"),
    E("SUNIONSTORE", "{a}dst", "{a}set", "{a}s2"), E("SDIFFSTORE", "{a}dst", "{a}s2", "{a}s2"),
    E("SMOVE", "{a}s2", "{a}set", "4"),
    E("ZADD", "{b}z", "1", "a", "2", "b", "3", "c"), E("ZINCRBY", "{b}z", "5", "a"),
    E("ZADD", "{b}z", "INCR", "1", "b"), E("ZREM", "{b}z", "c"), E("ZPOPMIN", "{b}z"),
    E("ZADD", "{b}z2", "1", "x", "2", "y"), E("ZUNIONSTORE", "{b}zu", "2", "{b}z", "{b}z2"),
    E("ZINTERSTORE", "{b}zi", "2", "{b}z", "{b}z2"), E("ZREMRANGEBYSCORE", "{b}z2", "0", "1"),
    E("ZREMRANGEBYRANK", "{b}z2", "0", "0"), E("ZPOPMAX", "{b}z"),
    E("COPY", "{a}m1", "{a}copy"), E("SET", "{a}gone", "v", "PX", "50"),
]


def notify_steps(flags, cmds, wait=0.4):
    steps = [("p0", E("CONFIG", "SET", "notify-keyspace-events", flags), 1),
             ("s0", E("PSUBSCRIBE", "__key*__:*"), 1),
             ("s1", E("PSUBSCRIBE", "__keyevent@0__:*"), 1),
             ("p1", E("FLUSHALL"), 1)]
    for c in cmds:
        steps.append(("p0", c, 1))
    steps.append(("sleep", None, wait))  # {a}gone expires (actively)
    steps.append(("p1", E("CONFIG", "SET", "notify-keyspace-events", ""), 1))
    steps.append(("p1", E("SET", "{b}after", "1"), 1))
    steps.append(("p1", E("PUBLISH", "__keyevent@0__:mark", "end"), 1))
    return steps


def read_until_mark(conn_steps):
    return conn_steps


scenario("keyspace notifications, every type, KEA", TWO, notify_steps("KEA", NOTIFY_CMDS))
scenario("keyspace notifications, classes", TWO, notify_steps("Elz", NOTIFY_CMDS))
scenario("keyspace notifications, new keys", TWO, notify_steps("AKEn", NOTIFY_CMDS))
scenario("keyspace notifications, new keys only", TWO, notify_steps("Kn", NOTIFY_CMDS))


def notify_compare(title, placed, steps):
    """As compare(), then drain each subscriber's messages up to the mark
    and compare the streams."""
    streams = []
    for addr in (RW, ORA):
        conns = {n: connect(addr, w if addr == RW else None) for n, w in placed.items()}
        for st in steps:
            if st[0] == "sleep":
                time.sleep(st[2])
                continue
            conns[st[0]].send(st[1])
            for _ in range(st[2]):
                conns[st[0]].read_reply()
        got = {}
        for n in ("s0", "s1"):
            msgs = []
            for _ in range(2000):
                r = conns[n].read_reply()
                if r.endswith(b"$3\r\nend\r\n") and b"mark" in r:
                    break
                msgs.append(r)
            got[n] = msgs
        streams.append(got)
        for c in conns.values():
            c.close()
    ok = True
    for n in ("s0", "s1"):
        a, b = streams[0][n], streams[1][n]
        if a != b:
            ok = False
            print("FAIL %s: %s's stream differs (%d vs %d messages)" % (title, n, len(a), len(b)))
            for i in range(max(len(a), len(b))):
                x = a[i] if i < len(a) else None
                y = b[i] if i < len(b) else None
                if x != y:
                    print("  first difference at %d:\n  redwire: %r\n  redis:   %r" % (i, x, y))
                    break
            if "-v" in sys.argv:
                import difflib
                short = lambda m: [r.split(b"\r\n")[-4:-1:2] for r in m]
                for ln in difflib.unified_diff([repr(x) for x in short(a)], [repr(x) for x in short(b)], lineterm=""):
                    print("   ", ln)
    if ok:
        print("ok %s (%d + %d messages)" % (title, len(streams[0]["s0"]), len(streams[0]["s1"])))
    return ok


def main():
    global RW, ORA, NW, ONLY
    RW, ORA, NW = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ONLY = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] != "-v" else None
    ok = True
    for title, placed, steps in SCENARIOS:
        if ONLY is not None and not title.startswith(ONLY):
            continue
        if title.startswith("keyspace"):
            ok &= notify_compare(title, placed, steps)
        else:
            ok &= compare(title, placed, steps)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
