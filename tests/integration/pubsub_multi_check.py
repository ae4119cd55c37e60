"""Pub/sub commands inside MULTI/EXEC (issue #5): the same script against
Redwire (two workers) and stock redis-server 7.0.15, the byte streams of
every connection recorded (RESP2, then RESP3); the caller compares them.

Redis 7.0.15 runs them inside EXEC as outside: a PUBLISH to a channel the
client itself subscribed to earlier in the EXEC writes the message into the
EXEC's reply among its elements, SSUBSCRIBE is refused (the EXEC's client
may not block), PING after a SUBSCRIBE answers as a subscribed client. So a
stream is read up to a sentinel (ECHO, or a PING's pong once subscribed),
not by the EXEC array's count. (UNSUBSCRIBE without arguments leaves at
most one channel: Redis's order over several is its dict's, seeded at
random.) Keys live on both workers (keyed commands in
the same EXEC make it a cross-worker transaction).

Usage: pubsub_multi_check.py HOST:PORT -> prints the transcript
"""
import sys
import time

from oracle_cases_xshard import tag_on, worker_of
from resp_client import RawConn, encode

T0, T1 = tag_on(0), tag_on(1)


class S:
    def __init__(self, host, port, proto):
        self.host, self.port, self.proto = host, port, proto
        self.conns, self.out = {}, []

    def c(self, name):
        if name not in self.conns:
            conn = RawConn(self.host, self.port, timeout=10.0)
            if self.proto == 3:
                conn.send(encode("HELLO", "3"))
                conn.read_reply()
            self.conns[name] = conn
        return self.conns[name]

    def cmd(self, name, *args):
        conn = self.c(name)
        conn.send(encode(*args))
        self.out.append((name, args[0], conn.read_reply()))

    def pick(self, name, parity):
        """Connection @p name on the worker of @p parity (a Redwire client
        id's parity names its worker; the kernel spreads connections over
        the queues). Stock redis-server: any."""
        spare = []
        for _ in range(16):
            conn = RawConn(self.host, self.port, timeout=10.0)
            conn.send(encode("CLIENT", "ID"))
            if int(conn.read_reply()[1:-2]) % 2 == parity:
                break
            spare.append(conn)
        for c in spare:
            c.sock.close()
        if self.proto == 3:
            conn.send(encode("HELLO", "3"))
            conn.read_reply()
        self.conns[name] = conn

    def send(self, name, *args):
        self.c(name).send(encode(*args))

    def upto(self, name, what, sentinel):
        """Every reply up to and including @p sentinel (bytes)."""
        conn = self.c(name)
        got = []
        for _ in range(200):
            r = conn.read_reply()
            got.append(r)
            if r == sentinel:
                break
        self.out.append((name, what, b"".join(got)))


END2 = b"$3\r\nend\r\n"


def key(w, name, proto):
    k = "{%s}psm%d:%s" % (T0 if w == 0 else T1, proto, name)
    assert worker_of(k) == w
    return k


def script(s):
    p = s.proto
    A = lambda n: key(0, n, p)  # noqa: E731
    B = lambda n: key(1, n, p)  # noqa: E731
    ch, ch2 = "psm%d:ch" % p, "psm%d:c2" % p
    sc = B("sc")  # a shard channel of worker 1
    s.cmd("sub", "SUBSCRIBE", ch)
    s.cmd("ssub", "SSUBSCRIBE", sc)
    # pub/sub commands alone in an EXEC (runs on the client's worker)
    s.cmd("a", "MULTI")
    for args in (("SUBSCRIBE", ch, ch2), ("PUBLISH", ch, "hi"), ("PSUBSCRIBE", "psm*"),
                 ("PUBLISH", ch2, "x"), ("UNSUBSCRIBE", ch2), ("UNSUBSCRIBE",), ("PUNSUBSCRIBE",),
                 ("SSUBSCRIBE", sc), ("SPUBLISH", sc, "m"), ("SUNSUBSCRIBE",),
                 ("PUBSUB", "NUMSUB", ch, ch2), ("PUBSUB", "SHARDNUMSUB", sc), ("PING",),
                 ("PING", "p")):
        s.cmd("a", *args)
    s.send("a", "EXEC")
    s.send("a", "ECHO", "end")
    s.upto("a", "EXEC pubsub only", END2)
    # with keys of both workers: a transaction across workers
    s.cmd("a", "MULTI")
    for args in (("SET", A("k"), "1"), ("SUBSCRIBE", ch), ("GET", B("k")),
                 ("PUBLISH", ch, "self"), ("INCR", B("n")), ("PING",), ("SPUBLISH", sc, "s2"),
                 ("UNSUBSCRIBE", ch), ("PING",), ("MGET", A("k"), B("n"))):
        s.cmd("a", *args)
    s.send("a", "EXEC")
    s.send("a", "ECHO", "end")
    s.upto("a", "EXEC across workers", END2)
    # a WATCH that fails: nothing runs, nothing is published
    s.cmd("a", "WATCH", A("w"))
    s.cmd("b", "SET", A("w"), "changed")
    s.cmd("a", "MULTI")
    s.cmd("a", "PUBLISH", ch, "never")
    s.cmd("a", "SET", B("k"), "never")
    s.cmd("a", "EXEC")
    s.cmd("a", "GET", B("k"))
    # staying subscribed after EXEC (RESP2: subscribed mode from then on)
    s.cmd("a", "MULTI")
    s.cmd("a", "SUBSCRIBE", ch2)
    s.cmd("a", "SET", B("after"), "1")
    s.send("a", "EXEC")
    s.send("a", "PING", "end")
    s.upto("a", "EXEC leaves it subscribed",
           b"*2\r\n$4\r\npong\r\n$3\r\nend\r\n" if p == 2 else b"$3\r\nend\r\n")
    s.cmd("a", "MULTI")  # refused in RESP2 subscribed mode
    s.cmd("a", "UNSUBSCRIBE", "nope")
    s.cmd("a", "EXEC")
    s.cmd("a", "PUNSUBSCRIBE")
    s.cmd("a", "UNSUBSCRIBE")
    s.cmd("a", "MULTI")
    s.cmd("a", "UNSUBSCRIBE", "zz")
    s.cmd("a", "SUNSUBSCRIBE", "q")
    s.cmd("a", "PUBLISH", ch2, "nobody")
    s.cmd("a", "EXEC")
    # what the other subscribers got, in order
    time.sleep(0.2)
    s.send("sub", "PING", "end")
    s.upto("sub", "subscriber", b"*2\r\n$4\r\npong\r\n$3\r\nend\r\n" if p == 2 else b"$3\r\nend\r\n")
    s.send("ssub", "PING", "end")
    s.upto("ssub", "shard subscriber",
           b"*2\r\n$4\r\npong\r\n$3\r\nend\r\n" if p == 2 else b"$3\r\nend\r\n")


def order_script(s):
    """Keyspace notifications and messages of a cross-worker EXEC reach a
    subscriber on each worker in command order, as Redis raises them (a
    split DEL's in argument order); in RESP3 the EXEC's client, subscribed
    to its own keys, gets its pushes among the reply's elements."""
    p = s.proto
    A = lambda n: key(0, n, p)  # noqa: E731
    B = lambda n: key(1, n, p)  # noqa: E731
    ch = "psm%d:ord" % p
    for par in (0, 1):
        s.pick("ev%d" % par, par)
        s.cmd("ev%d" % par, "PSUBSCRIBE", "__key*__:*psm%d:o*" % p)
        s.cmd("ev%d" % par, "SUBSCRIBE", ch)
    s.cmd("x", "CONFIG", "SET", "notify-keyspace-events", "KEA")
    if p == 3:
        s.cmd("x", "PSUBSCRIBE", "__keyspace@0__:*psm3:oself*")
    s.cmd("x", "MULTI")
    for args in (("SET", A("o1"), "a"), ("PUBLISH", ch, "m1"), ("SET", B("o2"), "b"),
                 ("LPUSH", B("ol"), "v"), ("SET", A("oself1"), "s"), ("PUBLISH", ch, "m2"),
                 ("DEL", B("o2"), A("o1"), B("nosuch")), ("INCR", A("on")),
                 ("SET", B("oself2"), "s"), ("EXPIRE", B("ol"), "100"), ("GET", A("on"))):
        s.cmd("x", *args)
    s.send("x", "EXEC")
    s.send("x", "ECHO", "end")
    s.upto("x", "EXEC notifying across workers", END2)
    if p == 3:
        s.cmd("x", "PUNSUBSCRIBE")
    s.cmd("x", "CONFIG", "SET", "notify-keyspace-events", "")
    s.cmd("x", "DEL", A("on"), B("ol"), A("oself1"), B("oself2"))
    time.sleep(0.2)
    for par in (0, 1):
        s.send("ev%d" % par, "PING", "end")
        s.upto("ev%d" % par, "subscriber of worker %d" % par,
               b"*2\r\n$4\r\npong\r\n$3\r\nend\r\n" if p == 2 else b"$3\r\nend\r\n")


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    for proto in (2, 3):
        s = S(host, int(port), proto)
        script(s)
        order_script(s)
        for name, what, reply in s.out:
            print(repr((proto, name, what, reply)))
        for conn in s.conns.values():
            conn.sock.close()
    d = RawConn(host, int(port))
    d.send(encode("DEBUG", "DIGEST"))
    print(repr(("digest", d.read_reply())))


if __name__ == "__main__":
    main()
