#!/usr/bin/python3
"""Hold N connections to Redwire at once (test_tcp_scale.sh), run in the
instance's namespace: connect them all from several source addresses
(non-blocking, at most WAVE handshakes in flight), check every one is up,
run CHECK (a shell command, e.g. the counters check) while they are all held,
then SET and GET a distinct key on every connection, verify each reply, and
close them all.

usage: scale_check.py HOST PORT --conns N --sources A,B,.. [--check CMD] [--wave 512]
Prints "scale held=N requests_ok=N seconds=S"; exits 1 on any failure.
"""
import argparse
import resource
import selectors
import socket
import subprocess
import sys
import time


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def connect_all(host, port, n, sources, wave, deadline):
    socks, pending = [], {}
    sel = selectors.DefaultSelector()
    i = 0
    while (i < n or pending) and time.monotonic() < deadline:
        while i < n and len(pending) < wave:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((sources[i % len(sources)], 0))
            s.setblocking(False)
            s.connect_ex((host, port))
            sel.register(s, selectors.EVENT_WRITE, i)
            pending[s] = i
            i += 1
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            sel.unregister(s)
            del pending[s]
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err != 0:
                fail("connection %d: %s" % (key.data, socket.errno.errorcode.get(err, err)))
            socks.append((key.data, s))
    if pending or len(socks) != n:
        fail("only %d of %d connections up in time" % (len(socks), n))
    return socks


def request_all(socks, deadline):
    sel = selectors.DefaultSelector()
    want, got = {}, {}
    for i, s in socks:
        val = "v%d" % i
        s.setblocking(True)
        s.sendall(resp("SET", "scale:%d" % i, val) + resp("GET", "scale:%d" % i))
        s.setblocking(False)
        want[s] = b"+OK\r\n$%d\r\n%s\r\n" % (len(val), val.encode())
        got[s] = b""
        sel.register(s, selectors.EVENT_READ)
    left = len(socks)
    while left and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            chunk = s.recv(4096)
            if not chunk:
                fail("a connection closed before its reply")
            got[s] += chunk
            if len(got[s]) >= len(want[s]):
                if got[s] != want[s]:
                    fail("wrong reply %r, wanted %r" % (got[s], want[s]))
                sel.unregister(s)
                left -= 1
    if left:
        fail("%d connections got no complete reply in time" % left)
    return len(socks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--conns", type=int, required=True)
    ap.add_argument("--sources", required=True)
    ap.add_argument("--check", default="")
    ap.add_argument("--wave", type=int, default=512)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    need = a.conns + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(need, soft), max(need, hard)))
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    socks = connect_all(a.host, a.port, a.conns, a.sources.split(","), a.wave, deadline)
    print("held %d connections after %.1f s" % (len(socks), time.monotonic() - t0), flush=True)
    if a.check and subprocess.run(a.check, shell=True).returncode != 0:
        fail("check while held: %s" % a.check)
    ok = request_all(socks, deadline)
    for _, s in socks:
        s.close()
    print("scale held=%d requests_ok=%d seconds=%.1f" % (len(socks), ok, time.monotonic() - t0))


if __name__ == "__main__":
    main()
