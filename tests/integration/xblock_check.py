"""Blocking across workers (issue #5): CLIENT UNBLOCK, and clients blocked on
keys of two workers. The same timed script of several connections runs
against Redwire (two workers) and stock redis-server; the caller compares the
transcripts (RESP2, then RESP3) byte for byte. Every key name is built on a
hash tag whose worker is known (oracle_cases_xshard.worker_of: Redwire's
slot-to-worker map), so the cases name which worker holds what.

Usage: xblock_check.py HOST:PORT         -> prints the transcript (one repr per line)
       xblock_check.py steal HOST:PORT   -> the transcript of cross_steal, release_steal
          and blocked_list
       xblock_check.py release_proxy HOST:PORT -> the transcript of release_proxy
       xblock_check.py race HOST:PORT N  -> N rounds of clients blocked on keys of
          both workers (and on one) while two connections push to both workers
          at once (and cross-worker transactions read both keys meanwhile):
          every element is popped at most once and none is lost
          (popped + left == pushed), every waiter is served once, nothing hangs
"""
import sys
import time

from block_check import GAP, Script
from oracle_cases_xshard import tag_on, worker_of
from resp_client import RawConn, encode

T0, T1 = tag_on(0), tag_on(1)
FORMS = ["both", "both", "rev", "a", "b", "move"]


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


def xk(s):
    """Key makers for worker 0 and worker 1."""
    return (lambda n: on(0, s, n)), (lambda n: on(1, s, n))


def cross_immediate(s):
    A, B = xk(s)
    s.cmd("a", "RPUSH", B("l"), "b1", "b2")
    s.cmd("a", "BLPOP", A("l"), B("l"), "0")  # A empty: served from B
    s.cmd("a", "RPUSH", A("l"), "a1")
    s.cmd("a", "BRPOP", B("l"), A("l"), "0")  # both: the first in argument order
    s.cmd("a", "BLPOP", A("l"), B("l"), "0")
    s.cmd("a", "SET", A("str"), "x")
    s.cmd("a", "BLPOP", A("str"), B("l"), "0")  # a wrong type before: the error
    s.cmd("a", "BLPOP", B("none"), A("str"), "0")
    s.cmd("a", "BLPOP", A("l"), B("l"), "x")  # argument errors
    s.cmd("a", "BLMPOP", "0", "2", A("l"), B("l"), "UP")
    s.cmd("a", "RPUSH", A("src"), "1", "2", "3")
    s.cmd("a", "BLMOVE", A("src"), B("dst"), "RIGHT", "LEFT", "0")
    s.cmd("a", "BRPOPLPUSH", A("src"), B("dst"), "0")
    s.cmd("a", "BLMOVE", B("dst"), A("src"), "LEFT", "LEFT", "0")
    s.cmd("a", "LRANGE", A("src"), "0", "-1")
    s.cmd("a", "LRANGE", B("dst"), "0", "-1")
    s.cmd("a", "BLMOVE", A("str"), B("dst"), "LEFT", "LEFT", "0")
    s.cmd("a", "BLMOVE", B("dst"), A("str"), "LEFT", "LEFT", "0")
    s.cmd("a", "RPUSH", B("m"), "x", "y", "z")
    s.cmd("a", "BLMPOP", "0", "2", A("m"), B("m"), "RIGHT", "COUNT", "2")
    s.cmd("a", "ZADD", B("z"), "1", "a", "2", "b", "3", "c")
    s.cmd("a", "BZPOPMIN", A("z"), B("z"), "0")
    s.cmd("a", "BZPOPMAX", A("z"), B("z"), "0")
    s.cmd("a", "BZMPOP", "0", "2", A("z"), B("z"), "MIN", "COUNT", "5")
    s.cmd("a", "EXISTS", A("z"), B("z"), B("m"), A("l"), B("l"))


def cross_wake(s):
    A, B = xk(s)
    s.send("b1", "BLPOP", A("q"), B("q"), "0")
    s.cmd("a", "RPUSH", B("q"), "v")
    s.recv("b1", "woken by worker 1")
    s.send("b1", "BRPOP", A("q"), B("q"), "0")
    s.cmd("a", "RPUSH", A("q"), "w")
    s.recv("b1", "woken by worker 0")
    s.cmd("a", "EXISTS", A("q"), B("q"))
    # a push of several: one element each, in blocking order
    s.send("b1", "BLPOP", A("f"), B("f"), "0")  # several workers
    s.send("b2", "BLPOP", A("f"), "0")  # one worker, blocked later
    s.send("b3", "BLPOP", B("f"), A("f"), "0")
    s.cmd("a", "RPUSH", A("f"), "x")
    s.recv("b1", "first blocked, first served")
    s.cmd("a", "RPUSH", A("f"), "y", "z")
    s.recv("b2", "second blocked")
    s.recv("b3", "third blocked")
    s.cmd("a", "LRANGE", A("f"), "0", "-1")
    # a later client on one worker does not overtake an earlier one on two
    s.send("b2", "BLPOP", B("g"), "0")
    s.send("b1", "BLPOP", A("g"), B("g"), "0")
    s.send("b3", "BLPOP", B("g"), "0")
    s.cmd("a", "RPUSH", B("g"), "1", "2", "3")
    s.recv("b2", "g first")
    s.recv("b1", "g second")
    s.recv("b3", "g third")
    # a key of the wrong type does not serve a waiter; then the right one does
    s.send("b1", "BLPOP", A("w"), B("w"), "0")
    s.cmd("a", "SET", B("w"), "str")
    s.cmd("a", "ZADD", A("w"), "1", "m")
    s.cmd("a", "DEL", A("w"))
    s.cmd("a", "RPUSH", A("w"), "ok")
    s.recv("b1", "served by the list")
    # sorted sets, and the numkeys forms
    s.send("b2", "BZPOPMIN", A("zq"), B("zq"), "0")
    s.cmd("a", "ZADD", B("zq"), "5", "five", "1", "one")
    s.recv("b2", "BZPOPMIN woken")
    s.send("b3", "BZMPOP", "0", "2", A("zq"), B("zq"), "MAX", "COUNT", "3")
    s.cmd("a", "ZADD", A("zq"), "7", "seven")
    s.recv("b3", "BZMPOP woken")
    s.send("b1", "BLMPOP", "0", "2", A("lm"), B("lm"), "LEFT", "COUNT", "2")
    s.cmd("a", "RPUSH", B("lm"), "p", "q", "r")
    s.recv("b1", "BLMPOP woken")
    s.cmd("a", "LRANGE", B("lm"), "0", "-1")
    s.cmd("a", "ZRANGE", B("zq"), "0", "-1", "WITHSCORES")


def cross_moves(s):
    A, B = xk(s)
    # BLMOVE between workers; its push on worker 1 serves a waiter there
    s.send("b1", "BLMOVE", A("ms"), B("md"), "RIGHT", "LEFT", "0")
    s.send("b2", "BLPOP", B("md"), "0")
    s.cmd("a", "RPUSH", A("ms"), "e1")
    s.recv("b1", "BLMOVE woken")
    s.recv("b2", "BLPOP woken by the move's push")
    s.cmd("a", "EXISTS", A("ms"), B("md"))
    s.send("b3", "BRPOPLPUSH", B("rs"), A("rd"), "0")
    s.cmd("a", "LPUSH", B("rs"), "1", "2")
    s.recv("b3", "BRPOPLPUSH woken")
    s.cmd("a", "LRANGE", A("rd"), "0", "-1")
    s.cmd("a", "LRANGE", B("rs"), "0", "-1")
    # a chain: the move into worker 0 serves a client blocked on both
    s.send("b1", "BLMOVE", B("c1"), A("c2"), "LEFT", "RIGHT", "0")
    s.send("b2", "BLPOP", A("c2"), B("c3"), "0")
    s.cmd("a", "RPUSH", B("c1"), "chain")
    s.recv("b1", "chain move")
    s.recv("b2", "chain pop")
    s.cmd("a", "EXISTS", B("c1"), A("c2"))


def cross_timeouts(s):
    A, B = xk(s)
    for args in (("BLPOP", A("t"), B("t"), "0.1"), ("BZPOPMAX", A("t"), B("t"), "0.05"),
                 ("BLMOVE", A("t"), B("t"), "LEFT", "RIGHT", "0.05"),
                 ("BRPOPLPUSH", B("t"), A("t"), "0.05"),
                 ("BLMPOP", "0.05", "2", A("t"), B("t"), "LEFT"),
                 ("BZMPOP", "0.05", "2", A("t"), B("t"), "MIN")):
        # no sleep: the reply read here is the one the timeout sends
        s.c("b1").send(encode(*args))
        s.recv("b1", args[0] + " timeout")
    # a push after the timeout stays
    s.cmd("a", "RPUSH", A("t"), "late")
    s.cmd("a", "LRANGE", A("t"), "0", "-1")


def cross_clients(s):
    A, B = xk(s)
    # pipelined behind a blocked command: runs only once it is served
    conn = s.c("b1")
    conn.send(encode("BLPOP", A("pq"), B("pq"), "0") + encode("PING") +
              encode("LLEN", B("pq")))
    time.sleep(GAP)
    s.cmd("a", "RPUSH", B("pq"), "a", "b")
    s.recv("b1", "BLPOP")
    s.recv("b1", "PING after")
    s.recv("b1", "LLEN after")
    # a client that went away is never served
    s.send("gone", "BLPOP", A("d"), B("d"), "0")
    s.send("b2", "BLPOP", A("d"), B("d"), "0")
    s.cmd("a", "INFO", "clients")
    s.drop("gone")
    s.cmd("a", "INFO", "clients")
    s.cmd("a", "RPUSH", A("d"), "v", "w")
    s.recv("b2", "served after the first waiter left")
    s.cmd("a", "LRANGE", A("d"), "0", "-1")
    # CLIENT UNBLOCK of a client blocked on both workers
    ids = {who: client_id(s, who) for who in ("b1", "b3")}
    s.send("b1", "BLPOP", A("u"), B("u"), "0")
    s.send("b3", "BLMOVE", B("u"), A("u"), "LEFT", "LEFT", "0")
    s.cmd("a", "CLIENT", "UNBLOCK", ids["b1"], "ERROR")
    s.recv("b1", "unblocked (error)")
    s.cmd("a", "CLIENT", "UNBLOCK", ids["b3"])
    s.recv("b3", "unblocked (timeout)")
    s.cmd("a", "CLIENT", "UNBLOCK", ids["b3"])
    s.cmd("a", "RPUSH", A("u"), "stays")
    s.cmd("a", "LRANGE", A("u"), "0", "-1")
    # inside MULTI nothing blocks
    s.cmd("a", "MULTI")
    s.cmd("a", "BLPOP", A("e"), B("e"), "0")
    s.cmd("a", "BLMOVE", A("e"), B("e"), "LEFT", "LEFT", "0")
    s.cmd("a", "EXEC")
    s.cmd("a", "INFO", "clients")


def wait_blocked(s, n):
    """Until INFO says @n clients are blocked (bounded), instead of a fixed
    sleep: both servers count a client once its command found nothing."""
    conn = s.c("ctl")
    for _ in range(1000):
        conn.send(encode("INFO", "clients"))
        if b"blocked_clients:%d\r\n" % n in conn.read_reply():
            return
        time.sleep(0.002)
    raise SystemExit("client not blocked after 2 s")


STEAL_ROUNDS = 6


def cross_steal(s):
    """Issue #5: a client blocked on keys of both workers is served at the
    push, before any other command (Redis's handleClientsBlockedOnKeys()),
    so an LPOP right behind the RPUSH finds nothing: pipelined on the
    pushing connection, or sent at once from another one (stock answers nil
    whichever it runs first). The element is pushed on either worker."""
    A, B = xk(s)
    for r in range(STEAL_ROUNDS):
        for i, (w, other) in enumerate(((1, False), (0, False), (1, True), (0, True))):
            ka, kb = A("st%d_%d" % (r, i)), B("st%d_%d" % (r, i))
            kp = kb if w == 1 else ka
            s.c("b1").send(encode("BLPOP", ka, kb, "0"))
            wait_blocked(s, 1)
            if other:
                s.c("a").send(encode("RPUSH", kp, "x%d" % i))
                s.c("b2").send(encode("LPOP", kp))
                s.recv("a", "RPUSH")
                s.recv("b2", "LPOP from another connection")
            else:
                s.c("a").send(encode("RPUSH", kp, "x%d" % i) + encode("LPOP", kp))
                s.recv("a", "RPUSH")
                s.recv("a", "LPOP pipelined behind it")
            s.recv("b1", "served at the push")
            s.cmd("a", "EXISTS", ka, kb)


def release_steal(s):
    """Issue #5: a client blocked on a key of one worker is served at the
    push a cross-worker command or transaction makes (LMOVE, RPOPLPUSH,
    MULTI/EXEC over both workers), before an LPOP already queued behind that
    transaction's lock on the key: pipelined on the pushing connection (it
    reaches the key's worker while the transaction holds the key), or sent
    at once from another connection (stock answers nil whichever it runs
    first). The waiter sits on either worker."""
    for w in (0, 1):
        K, O = (lambda n: on(w, s, n)), (lambda n: on(1 - w, s, n))
        forms = [
            ("LMOVE", [("LMOVE", O("src"), K("rk"), "LEFT", "RIGHT")]),
            ("RPOPLPUSH", [("RPOPLPUSH", O("src"), K("rk"))]),
            ("EXEC", [("MULTI",), ("SET", O("str"), "v"), ("RPUSH", K("rk"), "m"),
                      ("INCR", O("n")), ("EXEC",)]),
        ]
        for other in (False, True):
            for name, cmds in forms:
                s.cmd("a", "RPUSH", O("src"), "e1")
                # (a timeout, so a client the LPOP robbed answers nil, not a hang)
                s.c("b1").send(encode("BLPOP", K("rk"), "5"))
                wait_blocked(s, 1)
                data = b"".join(encode(*c) for c in cmds)
                if other:
                    s.c("a").send(data)
                    s.c("b2").send(encode("LPOP", K("rk")))
                else:
                    s.c("a").send(data + encode("LPOP", K("rk")))
                for c in cmds:
                    s.recv("a", c[0])
                if other:
                    s.recv("b2", "LPOP from another connection, behind the %s" % name)
                else:
                    s.recv("a", "LPOP pipelined behind the %s" % name)
                s.recv("b1", "served at the push (%s, worker %d)" % (name, w))
                s.cmd("a", "LLEN", K("rk"))
                s.cmd("a", "DEL", O("src"), O("str"), O("n"))


RELEASE_PROXY_ROUNDS = 2
BIG = 20000  # a set the gather EXEC copies: the LPOP reaches the key meanwhile


def release_proxy(s):
    """Issue #5: a client blocked on keys of both workers (a proxy parked on
    the key's worker, its connection on the other) is served at the push a
    cross-worker MULTI/EXEC makes, before an LPOP already queued behind that
    transaction's lock: the proxy is woken at the RELEASE and reserves the
    key in the released entry's place in the intent queue, ahead of the
    LPOP (stock serves the blocked client at the EXEC's end, so the LPOP
    finds nothing). The LPOP is pipelined behind the EXEC on a connection
    of the key's worker (it reaches the key while the transaction holds it:
    the RELEASE to the coordinator's own shard goes through its self
    queue), or sent from another connection of that worker while the
    transaction holds the key (the EXEC is a gather, SINTERCARD over both
    workers: it copies a big set meanwhile). Last form: the EXEC only reads
    the key, and an RPUSH then an LPOP (pipelined) queue behind it; the
    client is served at the RPUSH, before the LPOP. The old code woke the
    proxy at the push while the transaction still held the key (or after
    the LPOP was granted) and queued its reservation behind that LPOP,
    which took the element."""
    for w in (0, 1):
        K, O = (lambda n: on(w, s, n)), (lambda n: on(1 - w, s, n))
        conn_on(s, "px%d" % w, 1 - w)  # the blocked client, on the other worker
        conn_on(s, "tx%d" % w, w)  # the transaction's (and pipelined LPOP's)
        conn_on(s, "lp%d" % w, w)  # the other LPOP's connection
        waits = [("BLPOP", K("rk"), O("rk2"), "5"),
                 ("BLMOVE", K("rk"), O("dst"), "LEFT", "RIGHT", "5")]
        conn = s.c("ctl")
        for i in range(0, BIG, 2000):
            conn.send(encode("SADD", O("big"), *("m%d" % j for j in range(i, i + 2000))))
            conn.read_reply()
        head = [("MULTI",), ("SET", O("str"), "v"), ("SINTERCARD", "2", O("big"), K("s"))]
        forms = {"pipelined": head + [("RPUSH", K("rk"), "m"), ("INCR", O("n")), ("EXEC",)],
                 "other": head + [("RPUSH", K("rk"), "m"), ("INCR", O("n")), ("EXEC",)],
                 "queued push": head + [("LLEN", K("rk")), ("EXEC",)]}
        for r in range(RELEASE_PROXY_ROUNDS):
            for form, txn in forms.items():
                if r > 0 and form != "other":  # (the form that lost on the old code)
                    continue
                data = b"".join(encode(*c) for c in txn)
                for wait in waits:
                    s.c("px%d" % w).send(encode(*wait))
                    wait_blocked(s, 1)
                    pop = encode("LPOP", K("rk"))
                    if form == "pipelined":
                        s.c("tx%d" % w).send(data + pop)
                    else:  # (either order gives stock's replies)
                        s.c("tx%d" % w).send(data)
                        time.sleep(0.005)
                        push = encode("RPUSH", K("rk"), "m") if form == "queued push" else b""
                        s.c("lp%d" % w).send(push + pop)
                    for c in txn:
                        s.recv("tx%d" % w, c[0])
                    if form == "queued push":
                        s.recv("lp%d" % w, "RPUSH queued behind the EXEC")
                    s.recv("tx%d" % w if form == "pipelined" else "lp%d" % w,
                           "LPOP behind the EXEC (%s, round %d)" % (form, r))
                    s.recv("px%d" % w, "%s served at the push (%s, worker %d)" % (wait[0], form, w))
                    s.cmd("ctl", "LRANGE", O("dst"), "0", "-1")
                    s.cmd("ctl", "DEL", K("rk"), O("dst"), O("str"), O("n"))
        s.c("ctl").send(encode("DEL", O("big")))
        s.c("ctl").read_reply()
        for name in ("px%d" % w, "tx%d" % w, "lp%d" % w):
            s.drop(name)


# CLIENT LIST fields that depend neither on the transport nor on the clock
# (id addr laddr fd age idle qbuf qbuf-free argv-mem tot-mem rbs rbp obl
# differ by nature between the two servers)
LIST_FIELDS = ("name", "flags", "db", "sub", "psub", "ssub", "multi", "multi-mem", "oll",
               "omem", "events", "cmd", "user", "redir", "resp")


def list_line(reply, cid):
    """The comparable fields of client @cid's line in a CLIENT LIST reply."""
    for line in reply.split(b"\n"):
        line = line.lstrip(b"txt:").strip()
        if line.startswith(b"id=%s " % cid.encode()):
            kv = dict(p.split(b"=", 1) for p in line.split(b" ") if b"=" in p)
            return b" ".join(b"%s=%s" % (f.encode(), kv.get(f.encode(), b"?")) for f in LIST_FIELDS)
    return b"<no line for the client>"


def blocked_list(s):
    """CLIENT LIST, from another connection, shows a blocked client with
    flags=b and cmd=blpop: keys on one worker, then on both."""
    A, B = xk(s)
    cid = client_id(s, "b3")
    for keys in ((B("bl"),), (A("bl"), B("bl"))):
        s.c("b3").send(encode("BLPOP", *keys, "0"))
        wait_blocked(s, 1)
        for args in (("CLIENT", "LIST"), ("CLIENT", "LIST", "ID", cid)):
            conn = s.c("a")
            conn.send(encode(*args))
            s.out.append(("a", " ".join(args[:3]) + " (blocked)", list_line(conn.read_reply(), cid)))
        s.cmd("a", "RPUSH", keys[-1], "v")
        s.recv("b3", "BLPOP served")
        conn = s.c("a")
        conn.send(encode("CLIENT", "LIST"))
        s.out.append(("a", "CLIENT LIST (served)", list_line(conn.read_reply(), cid)))


def conn_on(s, name, w):
    """Connection @name, on worker @w in Redwire (its client id's residue;
    on redis-server any does)."""
    spare = []
    for _ in range(64):
        conn = RawConn(s.host, s.port, timeout=10.0)
        if s.proto == 3:
            conn.send(encode("HELLO", "3"))
            conn.read_reply()
        conn.send(encode("CLIENT", "ID"))
        if int(conn.read_reply()[1:]) % 2 == w:
            break
        spare.append(conn)
    for c in spare:
        c.close()
    s.conns[name] = conn


def cross_stall(s):
    """While a client blocked on keys of both workers is woken by a push on
    worker 1 and decides, a client blocked on another key of worker 1 is
    served at its push all the same, before a LPOP pipelined behind it (as
    Redis serves it at the push); one blocked on the woken key waits for
    the first client's pop."""
    A, B = xk(s)
    conn_on(s, "w1", 1)
    conn_on(s, "l1", 1)
    conn_on(s, "l2", 1)
    s.send("b1", "BLPOP", A("sq"), B("sq"), "0")
    s.send("l1", "BLPOP", B("sk"), "1")
    s.send("l2", "BLPOP", B("sq"), "1")
    conn = s.c("w1")
    conn.send(encode("RPUSH", B("sq"), "v") + encode("RPUSH", B("sk"), "w") +
              encode("LPOP", B("sk")) + encode("LLEN", B("sq")))
    for what in ("RPUSH (wakes b1)", "RPUSH (serves l1)", "LPOP (nothing left)", "LLEN"):
        s.out.append(("w1", what, conn.read_reply()))
    s.recv("b1", "BLPOP served by worker 1")
    s.recv("l1", "BLPOP served at the push")
    s.recv("l2", "BLPOP after b1: times out")
    for name in ("w1", "l1", "l2"):
        s.drop(name)


CASES = [unblock, cross_immediate, cross_wake, cross_moves, cross_timeouts, cross_clients,
         cross_stall]


def race(host, port, rounds):
    import random
    import threading
    rng = random.Random(5)
    p = "race%d:" % int(time.time() * 1000)
    A = lambda n: "{%s}%s%s" % (T0, p, n)  # noqa: E731
    B = lambda n: "{%s}%s%s" % (T1, p, n)  # noqa: E731
    ctl = RawConn(host, port)
    for r in range(rounds):
        ka, kb = A("k%d" % r), B("k%d" % r)
        waiters = []
        for i in range(rng.randint(2, 6)):
            c = RawConn(host, port, timeout=10.0)
            form = rng.choice(FORMS)
            cmd = {"both": ("BLPOP", ka, kb, "0"), "rev": ("BRPOP", kb, ka, "0"),
                   "a": ("BLPOP", ka, "0"), "b": ("BLPOP", kb, "0"),
                   "move": ("BLMOVE", ka, B("dst%d" % r), "LEFT", "RIGHT", "0")}[form]
            c.send(encode(*cmd))
            waiters.append((c, form))
        time.sleep(0.05)
        pushed = []
        # each key gets one element per waiter that may take from it, so
        # every waiter is served whatever order the pops take
        n_both = sum(1 for _, f in waiters if f in ("both", "rev"))
        need_a = sum(1 for _, f in waiters if f in ("a", "move")) + n_both
        need_b = sum(1 for _, f in waiters if f == "b") + n_both
        plan = ["a"] * need_a + ["b"] * need_b
        rng.shuffle(plan)
        jobs = {"a": [], "b": []}
        for i, where in enumerate(plan):
            e = "e%d_%d" % (r, i)
            jobs[where].append(e)
            pushed.append(e)

        def pusher(key, elems):
            c = RawConn(host, port)
            for e in elems:
                c.send(encode("RPUSH", key, e))
                c.read_reply()
            c.sock.close()

        done = threading.Event()

        def prober():
            # transactions over both workers meanwhile (locks taken worker 0
            # first): none may wait for a woken client's reservation on
            # worker 1 while that client's attempt waits for them (a hang)
            c = RawConn(host, port, timeout=10.0)
            for _ in range(200):
                c.send(encode("EXISTS", ka, kb) + encode("MULTI") + encode("LLEN", ka) +
                       encode("LLEN", kb) + encode("EXEC"))
                for _ in range(5):
                    c.read_reply()
                if done.is_set():
                    break
            c.sock.close()

        pr = threading.Thread(target=prober)
        pr.start()
        ts = [threading.Thread(target=pusher, args=(ka, jobs["a"])),
              threading.Thread(target=pusher, args=(kb, jobs["b"]))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        done.set()
        pr.join()
        popped = []
        for c, form in waiters:
            reply = c.read_reply()
            elems = [x for x in reply.split(b"\r\n") if x.startswith(b"e")]
            if len(elems) != 1:
                print("round %d: waiter %s got %r" % (r, form, reply))
                return 1
            popped.append(elems[0].decode())
            c.sock.close()
        left = []
        for key in (ka, kb, B("dst%d" % r)):
            ctl.send(encode("LRANGE", key, "0", "-1"))
            left += [x.decode() for x in ctl.read_reply().split(b"\r\n") if x.startswith(b"e")]
        moved = [e for e in left if e in popped]
        rest = [e for e in left if e not in popped]
        if len(set(popped)) != len(popped) or sorted(popped + rest) != sorted(pushed) or \
                len(moved) != sum(1 for _, f in waiters if f == "move"):
            print("round %d: pushed %r (to a %r, to b %r) waiters %r popped %r left %r" % (
                r, pushed, jobs["a"], jobs["b"], [f for _, f in waiters], popped, left))
            return 1
        ctl.send(encode("DEL", ka, kb, B("dst%d" % r)))
        ctl.read_reply()
    ctl.send(encode("INFO", "clients"))
    time.sleep(0.1)
    print("%d rounds: every element popped once at most, none lost" % rounds)
    return 0


def main():
    if sys.argv[1] == "race":
        host, port = sys.argv[2].rsplit(":", 1)
        sys.exit(race(host, int(port), int(sys.argv[3])))
    cases = CASES
    if sys.argv[1] == "steal":  # its own run: the caller reads the counters around it
        cases = [cross_steal, release_steal, blocked_list]
        sys.argv.pop(1)
    elif sys.argv[1] == "release_proxy":  # (its own run, as steal)
        cases = [release_proxy]
        sys.argv.pop(1)
    host, port = sys.argv[1].rsplit(":", 1)
    for proto in (2, 3):
        s = Script(host, int(port), proto, "x%d:" % proto)
        for f in cases:
            f(s)
        for name, what, reply in s.out:
            if what == "INFO":  # only the blocked clients count is comparable
                reply = [ln for ln in reply.split(b"\r\n") if ln.startswith(b"blocked_clients:")]
            print(repr((proto, name, what, reply)))
        for conn in s.conns.values():
            conn.close()
    c = encode("DEBUG", "DIGEST")
    d = RawConn(host, int(port))
    d.send(c)
    print(repr(("digest", d.read_reply())))


if __name__ == "__main__":
    main()
