"""Blocking pops, several clients: the same timed script against Redwire and
stock redis-server, every reply's bytes recorded in order; the caller's
process compares the two transcripts (RESP2, then RESP3 via HELLO 3).

Usage: block_check.py HOST:PORT   -> prints the transcript (one repr per line)
"""
import sys
import time

from resp_client import RawConn, encode

GAP = 0.15  # lets a blocking command park before the next step


class Script:
    def __init__(self, host, port, proto, prefix):
        self.host, self.port, self.proto, self.p = host, port, proto, prefix
        self.conns = {}
        self.out = []

    def c(self, name):
        if name not in self.conns:
            conn = RawConn(self.host, self.port, timeout=10.0)
            if self.proto == 3:
                conn.send(encode("HELLO", "3"))
                conn.read_reply()
            self.conns[name] = conn
        return self.conns[name]

    def k(self, key):
        return self.p + key

    def cmd(self, name, *args):
        """Send and read the reply now."""
        conn = self.c(name)
        conn.send(encode(*args))
        self.out.append((name, args[0], conn.read_reply()))

    def send(self, name, *args):
        """Send a command that blocks; its reply is read by recv()."""
        self.c(name).send(encode(*args))
        time.sleep(GAP)

    def recv(self, name, what):
        self.out.append((name, what, self.c(name).read_reply()))

    def drop(self, name):
        self.conns.pop(name).close()
        time.sleep(GAP)


def errors(s):
    k = s.k
    s.cmd("a", "SET", k("{x}str"), "x")
    for t in ["abc", "-1", "0.5x", "", " 1", "nan", "1e400", "-0.5", "1e5000"]:
        s.cmd("a", "BLPOP", k("{x}e"), t)
    s.cmd("a", "BLMOVE", k("{x}e"), k("{x}d"), "LEFT", "UP", "0")
    s.cmd("a", "BLMOVE", k("{x}e"), k("{x}d"), "LEFT", "RIGHT", "x")
    s.cmd("a", "BRPOPLPUSH", k("{x}str"), k("{x}d"), "0")
    s.cmd("a", "BLPOP", k("{x}e"), k("{x}str"), "0")
    s.cmd("a", "BZPOPMIN", k("{x}str"), "0")
    s.cmd("a", "BLMPOP", "0", "0", k("{x}e"), "LEFT")
    s.cmd("a", "BLMPOP", "x", "1", k("{x}e"), "LEFT")
    s.cmd("a", "BZMPOP", "0", "1", k("z"), "MIN", "COUNT", "0")
    s.cmd("a", "BZMPOP", "0", "1", k("z"), "SIDEWAYS")
    s.cmd("a", "BLPOP", k("{x}e"))


def immediate(s):
    k = s.k
    s.cmd("a", "RPUSH", k("{i}l"), "a", "b", "c", "d", "e", "f")
    s.cmd("a", "BLPOP", k("{i}none"), k("{i}l"), "0")
    s.cmd("a", "BRPOP", k("{i}l"), "0")
    s.cmd("a", "BLMPOP", "0", "1", k("{i}l"), "LEFT", "COUNT", "2")
    s.cmd("a", "BLMOVE", k("{i}l"), k("{i}l2"), "RIGHT", "LEFT", "0")
    s.cmd("a", "BRPOPLPUSH", k("{i}l"), k("{i}l2"), "0")
    s.cmd("a", "LRANGE", k("{i}l2"), "0", "-1")
    s.cmd("a", "ZADD", k("z"), "1", "a", "2.5", "b", "3", "c", "4", "d")
    s.cmd("a", "BZPOPMIN", k("z"), "0")
    s.cmd("a", "BZPOPMAX", k("z"), "0")
    s.cmd("a", "BZMPOP", "0", "1", k("z"), "MIN", "COUNT", "5")
    s.cmd("a", "EXISTS", k("z"), k("{i}l"))


def timeouts(s):
    k = s.k
    s.send("a", "BLPOP", k("{t}1"), k("{t}2"), "0.1")
    time.sleep(0.2)
    s.recv("a", "BLPOP timeout")
    s.send("a", "BLMOVE", k("{t}1"), k("{t}2"), "LEFT", "RIGHT", "0.05")
    time.sleep(0.2)
    s.recv("a", "BLMOVE timeout")
    s.send("a", "BRPOPLPUSH", k("{t}1"), k("{t}2"), "0.05")
    time.sleep(0.2)
    s.recv("a", "BRPOPLPUSH timeout")
    s.send("a", "BZPOPMIN", k("{t}1"), "0.05")
    time.sleep(0.2)
    s.recv("a", "BZPOPMIN timeout")
    s.send("a", "BZMPOP", "0.05", "2", k("{t}1"), k("{t}2"), "MAX")
    time.sleep(0.2)
    s.recv("a", "BZMPOP timeout")
    s.send("a", "BLMPOP", "0.05", "1", k("{t}1"), "RIGHT")
    time.sleep(0.2)
    s.recv("a", "BLMPOP timeout")


def fairness(s):
    k = s.k
    for who in ["b1", "b2", "b3"]:
        s.send(who, "BLPOP", k("q"), "0")
    s.cmd("a", "RPUSH", k("q"), "x", "y")
    s.recv("b1", "first blocked")
    s.recv("b2", "second blocked")
    s.cmd("a", "LLEN", k("q"))
    s.cmd("a", "RPUSH", k("q"), "z")
    s.recv("b3", "third blocked")
    # two keys: the waiter is served from the key that got the push
    s.send("b1", "BRPOP", k("{m}1"), k("{m}2"), "0")
    s.cmd("a", "LPUSH", k("{m}2"), "v")
    s.recv("b1", "second key")
    # zsets
    s.send("b2", "BZPOPMIN", k("zq"), "0")
    s.send("b3", "BZPOPMAX", k("zq"), "0")
    s.cmd("a", "ZADD", k("zq"), "1", "lo", "9", "hi", "5", "mid")
    s.recv("b2", "BZPOPMIN woken")
    s.recv("b3", "BZPOPMAX woken")
    s.cmd("a", "ZRANGE", k("zq"), "0", "-1", "WITHSCORES")
    s.send("b1", "BZMPOP", "0", "1", k("zq2"), "MAX", "COUNT", "2")
    s.cmd("a", "ZADD", k("zq2"), "1", "a", "2", "b", "3", "c")
    s.recv("b1", "BZMPOP woken")
    s.send("b2", "BLMPOP", "0", "1", k("lq"), "RIGHT", "COUNT", "3")
    s.cmd("a", "RPUSH", k("lq"), "1", "2")
    s.recv("b2", "BLMPOP woken")


def moves(s):
    k = s.k
    # a served BLMOVE pushes: the push serves the next waiter
    s.send("b1", "BLMOVE", k("{c}s"), k("{c}d"), "RIGHT", "LEFT", "0")
    s.send("b2", "BLPOP", k("{c}d"), "0")
    s.cmd("a", "RPUSH", k("{c}s"), "x")
    s.recv("b1", "BLMOVE woken")
    s.recv("b2", "BLPOP woken by the move")
    s.cmd("a", "EXISTS", k("{c}s"), k("{c}d"))
    s.send("b3", "BRPOPLPUSH", k("{r}s"), k("{r}d"), "0")
    s.cmd("a", "LPUSH", k("{r}s"), "1", "2")
    s.recv("b3", "BRPOPLPUSH woken")
    s.cmd("a", "LRANGE", k("{r}d"), "0", "-1")
    s.cmd("a", "LRANGE", k("{r}s"), "0", "-1")


def multi(s):
    k = s.k
    s.cmd("a", "MULTI")
    s.cmd("a", "BLPOP", k("{me}e"), "0")
    s.cmd("a", "BRPOP", k("{me}e"), "0")
    s.cmd("a", "BLMOVE", k("{me}e"), k("{me}d"), "LEFT", "LEFT", "0")
    s.cmd("a", "BRPOPLPUSH", k("{me}e"), k("{me}d"), "0")
    s.cmd("a", "BZPOPMIN", k("{me}e"), "0")
    s.cmd("a", "BLMPOP", "0", "1", k("{me}e"), "LEFT")
    s.cmd("a", "BZMPOP", "0", "1", k("{me}e"), "MIN")
    s.cmd("a", "RPUSH", k("{me}e"), "v")
    s.cmd("a", "BLPOP", k("{me}e"), "0")
    s.cmd("a", "EXEC")
    # a push inside a transaction serves a waiter after EXEC
    s.send("b1", "BLPOP", k("mw"), "0")
    s.cmd("a", "MULTI")
    s.cmd("a", "RPUSH", k("mw"), "1")
    s.cmd("a", "RPUSH", k("mw"), "2")
    s.cmd("a", "EXEC")
    s.recv("b1", "woken after EXEC")
    s.cmd("a", "LRANGE", k("mw"), "0", "-1")


def pipelined(s):
    k = s.k
    # a blocked client runs nothing else until served
    conn = s.c("b1")
    conn.send(encode("BLPOP", k("pq"), "0") + encode("PING") + encode("LLEN", k("pq")))
    time.sleep(GAP)
    s.cmd("a", "RPUSH", k("pq"), "a", "b")
    s.recv("b1", "BLPOP")
    s.recv("b1", "PING after")
    s.recv("b1", "LLEN after")


def disconnect(s):
    k = s.k
    s.send("gone", "BLPOP", k("dq"), "0")
    s.send("b1", "BLPOP", k("dq"), "0")
    s.cmd("a", "INFO", "clients")
    s.drop("gone")
    s.cmd("a", "RPUSH", k("dq"), "v", "w")
    s.recv("b1", "served after the first waiter left")
    s.cmd("a", "LRANGE", k("dq"), "0", "-1")
    s.cmd("a", "INFO", "clients")


def blocked_line(reply):
    for ln in reply.split(b"\r\n"):
        if ln.startswith(b"blocked_clients:"):
            return ln
    return b"?"


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    for proto in (2, 3):
        s = Script(host, int(port), proto, "p%d:" % proto)
        for f in (errors, immediate, timeouts, fairness, moves, multi, pipelined, disconnect):
            f(s)
        for name, what, reply in s.out:
            if what == "INFO":  # only the blocked clients count is comparable
                reply = blocked_line(reply)
            if what == "CLIENT":  # the flags column, sorted (ids and ports differ)
                reply = b" ".join(sorted(f for ln in reply.split(b"\n") for f in ln.split(b" ")
                                         if f.startswith(b"flags=")))
            print(repr((proto, name, what, reply)))
        for conn in s.conns.values():
            conn.close()
    c = RawConn(host, int(port))
    c.send(encode("DEBUG", "DIGEST"))
    print(repr(("digest", c.read_reply())))


if __name__ == "__main__":
    main()
