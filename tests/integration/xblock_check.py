"""Blocking across workers (issue #5): CLIENT UNBLOCK, and clients blocked on
keys of two workers. The same timed script of several connections runs
against Redwire (two workers) and stock redis-server; the caller compares the
transcripts (RESP2, then RESP3) byte for byte. Every key name is built on a
hash tag whose worker is known (oracle_cases_xshard.worker_of: Redwire's
slot-to-worker map), so the cases name which worker holds what.

Usage: xblock_check.py HOST:PORT   -> prints the transcript (one repr per line)
"""
import sys
import time

from block_check import GAP, Script
from oracle_cases_xshard import tag_on, worker_of
from resp_client import encode

T0, T1 = tag_on(0), tag_on(1)


def on(w, s, name):
    """A key of worker w (0 or 1), the script's prefix after the tag."""
    k = "{%s}%s%s" % (T0 if w == 0 else T1, s.p, name)
    assert worker_of(k) == w, k
    return k


def client_id(s, name):
    """The connection's id (not recorded: ids differ between servers)."""
    conn = s.c(name)
    conn.send(encode("CLIENT", "ID"))
    return conn.read_reply()[1:].strip().decode()


def unblock(s):
    for w in (0, 1):
        k = lambda n: on(w, s, n)  # noqa: E731
        ids = {who: client_id(s, who) for who in ("b1", "b2", "b3")}
        s.cmd("a", "CLIENT", "UNBLOCK", ids["b1"])  # not blocked: 0
        s.send("b1", "BLPOP", k("u1"), k("u2"), "0")
        s.cmd("a", "CLIENT", "UNBLOCK", ids["b1"])
        s.recv("b1", "BLPOP unblocked (timeout)")
        s.send("b2", "BLMOVE", k("u1"), k("u2"), "LEFT", "RIGHT", "0")
        s.cmd("a", "CLIENT", "UNBLOCK", ids["b2"], "ERROR")
        s.recv("b2", "BLMOVE unblocked (error)")
        s.send("b3", "BRPOPLPUSH", k("u1"), k("u2"), "0")
        s.cmd("a", "CLIENT", "UNBLOCK", ids["b3"], "timeout")
        s.recv("b3", "BRPOPLPUSH unblocked (timeout)")
        s.send("b1", "BZPOPMIN", k("z1"), "0")
        s.send("b2", "BZMPOP", "0", "1", k("z1"), "MAX")
        s.cmd("a", "CLIENT", "UNBLOCK", ids["b2"], "error")
        s.recv("b2", "BZMPOP unblocked (error)")
        s.cmd("a", "ZADD", k("z1"), "1", "m")
        s.recv("b1", "BZPOPMIN still served")
        s.send("b3", "BLMPOP", "10", "1", k("u1"), "LEFT")
        s.cmd("a", "CLIENT", "UNBLOCK", ids["b3"], "TIMEOUT")
        s.recv("b3", "BLMPOP unblocked")
        s.cmd("a", "CLIENT", "UNBLOCK", ids["b3"], "TIMEOUT")
        # an unblocked client pops nothing afterwards
        s.cmd("a", "RPUSH", k("u1"), "kept")
        s.cmd("a", "LRANGE", k("u1"), "0", "-1")
        # the caller itself, and the errors
        s.cmd("b1", "CLIENT", "UNBLOCK", ids["b1"])
        s.cmd("a", "CLIENT", "UNBLOCK", "x")
        s.cmd("a", "CLIENT", "UNBLOCK", "x", "sideways")
        s.cmd("a", "CLIENT", "UNBLOCK", ids["b1"], "sideways")
        s.cmd("a", "CLIENT", "UNBLOCK", "-1", "ERROR")
        s.cmd("a", "CLIENT", "UNBLOCK", "0")
        s.cmd("a", "CLIENT", "UNBLOCK", ids["b1"], "TIMEOUT", "x")
        s.cmd("a", "CLIENT", "UNBLOCK")
        s.cmd("a", "INFO", "clients")


CASES = [unblock]


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    for proto in (2, 3):
        s = Script(host, int(port), proto, "x%d:" % proto)
        for f in CASES:
            f(s)
        for name, what, reply in s.out:
            if what == "INFO":  # only the blocked clients count is comparable
                reply = [ln for ln in reply.split(b"\r\n") if ln.startswith(b"blocked_clients:")]
            print(repr((proto, name, what, reply)))
        for conn in s.conns.values():
            conn.close()
    c = encode("DEBUG", "DIGEST")
    from resp_client import RawConn
    d = RawConn(host, int(port))
    d.send(c)
    print(repr(("digest", d.read_reply())))


if __name__ == "__main__":
    main()
