#!/usr/bin/python3
"""The idle client timeout and dynamic-hz against stock redis-server 7.0.15
(issue #4), the same scenario on both servers side by side.

dynamic-hz: with hz 1, 450 more connections make 7.0.15's serverCron double
hz while clients / hz > 200 (to 4); INFO server's hz follows on both, and
configured_hz stays 1; with dynamic-hz no it is 1 again; once the
connections close, 1. Redwire's workers run their cron at that rate
(cron_runs, read with redwirectl).

timeout: CONFIG SET timeout 2 at run time acts on connections already open.
Plain clients (at least one on each Redwire worker: a client id's parity is
its worker), a client in MULTI, one with half a command sent, one that
subscribed then unsubscribed from everything, and a BLPOP with a 3 s timeout
(its own timeout must still answer it first) are closed without a reply; a
BLPOP with timeout 0, RESP2 and RESP3 subscribers, a shard subscriber, a
pattern subscriber, a MONITOR and a client that keeps sending PING survive,
and then get their push or reply. Which clients go, what each received and
that they get EOF, not a RST, must be the same on both servers.

usage: idle_check.py RW_HOST RW_PORT ORACLE_HOST ORACLE_PORT   (in the namespace)
env RWCTL: the redwirectl command line (--name included) for cron_runs.
"""
import json
import os
import resource
import select
import shlex
import socket
import subprocess
import sys
import time

from resp_client import RawConn, encode as E

SERVERS = {"redwire": (sys.argv[1], int(sys.argv[2])),
           "stock": (sys.argv[3], int(sys.argv[4]))}
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL", what)


def cmd(name, *args):
    """One command on a fresh connection (an admin one would go idle)."""
    c = RawConn(*SERVERS[name])
    c.send(E(*args))
    r = c.read_reply()
    c.sock.close()
    return r


def info_hz(name):
    lines = cmd(name, "INFO", "server").decode().split("\r\n")
    kv = dict(l.split(":", 1) for l in lines if ":" in l)
    return int(kv["hz"]), int(kv["configured_hz"])


def wait_for(what, cond, deadline_s=40):
    end = time.time() + deadline_s
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    check(False, what)
    return None


def cron_runs():
    """Every Redwire worker's cron runs (redwirectl stats)."""
    out = subprocess.run(shlex.split(os.environ["RWCTL"]) + ["stats", "--json"],
                         check=True, capture_output=True).stdout
    return sum(w["cron_runs"] for w in json.loads(out)["workers"])


def dynamic_hz():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    for s in SERVERS:
        check(cmd(s, "CONFIG", "SET", "hz", "1", "timeout", "0") == b"+OK\r\n",
              s + ": CONFIG SET hz 1 timeout 0")
    got = {s: wait_for(s + ": INFO hz 1", lambda s=s: info_hz(s) == (1, 1) and info_hz(s))
           for s in SERVERS}
    print("hz with a few clients:", got)
    held = {s: [socket.create_connection(SERVERS[s], timeout=10) for _ in range(450)]
            for s in SERVERS}
    # the oracle says what hz 451 clients make once it has accepted them all
    # and its cron ran (hz 1 at least, every second); Redwire's INFO must follow
    for s in SERVERS:
        wait_for(s + ": 451 clients", lambda s=s: b"connected_clients:451\r\n"
                 in cmd(s, "INFO", "clients"))
    time.sleep(2.5)
    want = info_hz("stock")
    check(want[0] > 1, "stock: hz scales with the clients: %r" % (want,))
    got = wait_for("redwire: INFO hz %r as stock's" % (want,), lambda: info_hz("redwire") == want
                   and want)
    print("hz with 451 clients: stock %r, redwire %r" % (want, got))
    a, t0 = cron_runs(), time.time()
    time.sleep(1.5)
    rate = (cron_runs() - a) / (time.time() - t0) / 2
    print("redwire cron runs a second per worker at hz %s: %.1f" % (want and want[0], rate))
    check(rate >= 2, "cron_runs a second follows the dynamic hz: %.1f at hz 4" % rate)
    for s in SERVERS:
        cmd(s, "CONFIG", "SET", "dynamic-hz", "no")
    for s in SERVERS:
        wait_for(s + ": dynamic-hz no: hz back to 1", lambda s=s: info_hz(s) == (1, 1))
    for s in SERVERS:
        cmd(s, "CONFIG", "SET", "dynamic-hz", "yes")
    wait_for("stock: hz scales again", lambda: info_hz("stock") == want)
    wait_for("redwire: hz scales again", lambda: info_hz("redwire") == want)
    for socks in held.values():
        for k in socks:
            k.close()
    for s in SERVERS:
        wait_for(s + ": hz 1 once the clients left", lambda s=s: info_hz(s) == (1, 1))
        cmd(s, "CONFIG", "SET", "hz", "10")
    print("dynamic-hz: hz and configured_hz as stock's")


class Client:
    def __init__(self, name, server, setup):
        self.name = name
        self.sock = socket.create_connection(SERVERS[server], timeout=10)
        self.setup_replies = b""
        self.data = b""  # what arrived after the setup
        self.end = None  # "eof" or "rst"
        for raw, n_replies in setup:
            self.sock.sendall(raw)
            c = RawConn.__new__(RawConn)
            c.sock, c.buf = self.sock, b""
            for _ in range(n_replies):
                self.setup_replies += c.read_reply()
            self.data += c.buf
        self.sock.setblocking(False)

    def poll(self):
        while self.end is None:
            try:
                d = self.sock.recv(65536)
            except BlockingIOError:
                return
            except ConnectionResetError:
                self.end = "rst"
                return
            if not d:
                self.end = "eof"
                return
            self.data += d


SCENARIO = [
    # name, setup [(bytes, replies to read)], closed by the timeout
    ("multi", [(E("MULTI"), 1), (E("SET", "{a}k", "v"), 1)], True),
    ("partial", [(b"*2\r\n$3\r\nGET", 0)], True),
    ("unsubscribed", [(E("SUBSCRIBE", "ch"), 1), (E("UNSUBSCRIBE"), 1)], True),
    ("blpop_3s", [(E("BLPOP", "{b}nolist", "3"), 0)], True),
    ("blpop_0", [(E("BLPOP", "{t}list", "0"), 0)], False),
    ("sub_resp2", [(E("SUBSCRIBE", "ch"), 1)], False),
    ("sub_resp3", [(E("HELLO", "3"), 1), (E("SUBSCRIBE", "ch"), 1)], False),
    ("ssub", [(E("SSUBSCRIBE", "ch"), 1)], False),
    ("psub", [(E("PSUBSCRIBE", "c*"), 1)], False),
    ("monitor", [(E("MONITOR"), 1)], False),
    ("active", [(E("PING"), 1)], False),
]


def open_plain(server):
    """Plain idle clients; on Redwire until both workers hold one."""
    out, parities = [], set()
    for i in range(16):
        c = Client("plain%d" % i, server, [(E("CLIENT", "ID"), 1)])
        out.append(c)
        parities.add(int(c.setup_replies[1:-2]) % 2)
        if i >= 1 and (server == "stock" or parities == {0, 1}):
            break
    if server == "redwire":
        check(parities == {0, 1}, "plain clients on both Redwire workers: %r" % parities)
    return out


def idle_timeout():
    for s in SERVERS:
        cmd(s, "DEL", "{t}list", "{b}nolist")
    clients = {}
    for s in SERVERS:
        clients[s] = open_plain(s) + [Client(n, s, setup) for n, setup, _ in SCENARIO]
    for s in SERVERS:
        check(cmd(s, "CONFIG", "SET", "timeout", "2") == b"+OK\r\n", s + ": CONFIG SET timeout 2")
    go = {n for n, _, gone in SCENARIO if gone}
    t0, last_ping = time.time(), 0.0
    while time.time() - t0 < 40:
        if time.time() - last_ping > 0.25:
            for s in SERVERS:
                a = next(c for c in clients[s] if c.name == "active")
                if a.end is None:
                    a.sock.sendall(E("PING"))
            last_ping = time.time()
        select.select([c.sock for s in SERVERS for c in clients[s] if c.end is None], [], [],
                      0.1)
        for s in SERVERS:
            for c in clients[s]:
                c.poll()
        if all(c.end is not None for s in SERVERS for c in clients[s]
               if c.name in go or c.name.startswith("plain")):
            break
    took = time.time() - t0
    # a while more: the survivors must stay
    end = time.time() + 2
    while time.time() < end:
        for s in SERVERS:
            a = next(c for c in clients[s] if c.name == "active")
            if a.end is None:
                a.sock.sendall(E("PING"))
        time.sleep(0.25)
        for s in SERVERS:
            for c in clients[s]:
                c.poll()
    print("closed within %.1f s of CONFIG SET timeout 2" % took)
    # then the survivors get what they wait for
    for s in SERVERS:
        cmd(s, "RPUSH", "{t}list", "x")
        cmd(s, "PUBLISH", "ch", "hello")
        cmd(s, "SPUBLISH", "ch", "shard")
    time.sleep(0.5)
    for s in SERVERS:
        for c in clients[s]:
            c.poll()
    view = {}
    for s in SERVERS:
        view[s] = {}
        for c in clients[s]:
            data = c.data
            if c.name == "active":
                data = b"" if set(data.split(b"\r\n")) <= {b"+PONG", b""} else data
            if c.name == "monitor":
                data = b"" if data else b"nothing monitored"
            print("%-8s %-13s %-4s %r" % (s, c.name, c.end, c.data[:60]))
            if not c.name.startswith("plain"):
                view[s][c.name] = (c.end, data)
        # the plain ones all alike (how many each server got differs)
        view[s]["plain"] = sorted({(c.end, c.data) for c in clients[s]
                                   if c.name.startswith("plain")}, key=repr)
    stock_gone = {n for n, v in view["stock"].items() if n != "plain" and v[0] is not None}
    stock_gone |= {"plain"} if view["stock"]["plain"] == [("eof", b"")] else set()
    check(stock_gone == go | {"plain"}, "stock closes what this test assumes: %r" % stock_gone)
    for n in view["stock"]:
        check(view["redwire"][n] == view["stock"][n], "%s: redwire %r, stock %r"
              % (n, view["redwire"][n], view["stock"][n]))
    for s in SERVERS:
        cmd(s, "CONFIG", "SET", "timeout", "30")
        for c in clients[s]:
            c.sock.close()


T0 = time.time()
dynamic_hz()
T1 = time.time()
idle_timeout()
print("took %.1f s (dynamic-hz %.1f s, timeout %.1f s)" % (time.time() - T0, T1 - T0,
                                                         time.time() - T1))
if FAILS:
    print("%d failure(s)" % len(FAILS))
    sys.exit(1)
print("idle timeout and dynamic-hz as stock's")
