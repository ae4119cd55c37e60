#!/usr/bin/python3
"""Send the same requests to Redwire and to stock redis-server 7.0.15 and
require byte-identical replies (the oracle is never written down by hand).

usage: oracle_compare.py REDWIRE_HOST:PORT ORACLE_HOST:PORT
"""
import re
import sys
import time

from resp_client import RawConn, encode

# Each case: a list of request chunks sent on one connection, the number of
# replies to read, and whether the server must close the connection after.
E = encode
CASES = [
    ("ping", [E("PING")], 1, False),
    ("ping msg", [E("PING", "hello world")], 1, False),
    ("ping arity", [E("PING", "a", "b")], 1, False),
    ("echo", [E("ECHO", "x" * 100)], 1, False),
    ("echo arity", [E("ECHO")], 1, False),
    ("unknown command", [E("NOSUCH", "a", "b", "c")], 1, False),
    ("unknown command lowercase args", [E("foo")], 1, False),
    ("get missing", [E("GET", "it:missing")], 1, False),
    ("get arity", [E("GET")], 1, False),
    ("set get", [E("SET", "it:k1", "v1"), E("GET", "it:k1")], 2, False),
    ("set nx xx", [E("SET", "it:k2", "a", "NX"), E("SET", "it:k2", "b", "NX"),
                   E("SET", "it:k2", "c", "XX"), E("GET", "it:k2")], 4, False),
    ("set get option", [E("SET", "it:k3", "one"), E("SET", "it:k3", "two", "GET")], 2, False),
    ("set ex px errors", [E("SET", "it:k4", "v", "EX", "0"), E("SET", "it:k4", "v", "PX", "-5"),
                          E("SET", "it:k4", "v", "EX", "abc"), E("SET", "it:k4", "v", "NX", "XX"),
                          E("SET", "it:k4", "v", "BOGUS")], 5, False),
    ("set ex then ttl-less get", [E("SET", "it:k5", "v", "EX", "100"), E("GET", "it:k5")], 2, False),
    ("incr", [E("INCR", "it:n"), E("INCR", "it:n"), E("GET", "it:n")], 3, False),
    ("incr not integer", [E("SET", "it:s", "abc"), E("INCR", "it:s")], 2, False),
    ("incr overflow", [E("SET", "it:big", "9223372036854775807"), E("INCR", "it:big")], 2, False),
    ("del exists", [E("SET", "it:a", "1"), E("SET", "it:b", "2"),
                    E("EXISTS", "it:a", "it:b", "it:a", "it:none"),
                    E("DEL", "it:a", "it:b", "it:none"), E("EXISTS", "it:a")], 5, False),
    ("dbsize", [E("DBSIZE")], 1, False),
    ("select", [E("SELECT", "1"), E("GET", "it:k1"), E("SELECT", "0"), E("GET", "it:k1"),
                E("SELECT", "16"), E("SELECT", "abc")], 6, False),
    ("inline", [b"PING\r\n", b"set it:inl 'hello world'\r\n", b"get it:inl\r\n",
                b"echo \"a\\x41\\n\"\r\n"], 4, False),
    ("inline empty lines", [b"\r\n\r\nPING\r\n"], 1, False),
    ("pipeline", [b"".join(E("SET", "it:p%d" % i, str(i)) for i in range(50)) +
                  b"".join(E("GET", "it:p%d" % i) for i in range(50))], 100, False),
    ("split across writes", [b"*3\r\n$3\r\nSE", b"T\r\n$5\r\nit:sp\r\n$", b"3\r\nabc\r", b"\n",
                             b"*2\r\n$3\r\nGET\r\n$5\r\nit:sp\r\n"], 2, False),
    ("info unknown section", [E("INFO", "nosuchsection")], 1, False),
    ("protocol error multibulk", [b"*abc\r\n"], 1, True),
    ("protocol error bulk", [b"*1\r\n$x\r\n"], 1, True),
    ("protocol error expected $", [b"*1\r\n+PING\r\n"], 1, True),
    ("protocol error unbalanced quotes", [b"set a \"b\r\n"], 1, True),
    ("quit", [E("QUIT")], 1, True),
]


def all_cases():
    """The skeleton's cases here, then every oracle_cases_*.py module's."""
    import glob
    import importlib
    import os
    cases = list(CASES)
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "oracle_cases_*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        cases.extend(mod.CASES)
    return cases


def run_case(addr, chunks, nreplies, expect_close):
    host, port = addr.rsplit(":", 1)
    c = RawConn(host, int(port))
    replies = []
    try:
        for ch in chunks:
            c.send(ch)
            time.sleep(0.002)
        for _ in range(nreplies):
            replies.append(c.read_reply())
        # a server that closes does so right after its reply: 0.1 s tells
        closed = c.closed_by_peer(wait=1.0 if expect_close else 0.05)
    finally:
        c.close()
    return [normalize(r) for r in replies], closed


_POOL = None


def run_pair(redwire, oracle, chunks, nreplies, expect_close):
    """run_case on both servers at once (they are independent): the suite
    waits for one server's pauses instead of both. @return (want, got)."""
    global _POOL
    if _POOL is None:
        import concurrent.futures
        _POOL = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    fw = _POOL.submit(run_case, oracle, chunks, nreplies, expect_close)
    got = run_case(redwire, chunks, nreplies, expect_close)
    return fw.result(), got


# Client ids count connections since each server started, so they differ
# between the two servers by construction: compare them as "N".
CLIENT_ID = re.compile(rb"\$2\r\nid\r\n:\d+\r\n")


def normalize(reply):
    return CLIENT_ID.sub(b"$2\r\nid\r\n:N\r\n", reply)


def main():
    redwire, oracle = sys.argv[1], sys.argv[2]
    failures = 0
    cases = all_cases()
    for name, chunks, n, expect_close in cases:
        (want, want_closed), (got, got_closed) = run_pair(redwire, oracle, chunks, n,
                                                          expect_close)
        if got != want or got_closed != want_closed:
            failures += 1
            print("MISMATCH %s:\n  redis-server: %r closed=%s\n  redwire:      %r closed=%s"
                  % (name, want, want_closed, got, got_closed))
        else:
            print("ok %s" % name)
    print("%d cases, %d mismatches" % (len(cases), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
