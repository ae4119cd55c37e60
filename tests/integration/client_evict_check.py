#!/usr/bin/python3
"""maxmemory-clients (Redis 7.0 client eviction) against one server.

Prints what a client sees, one fact a line, so the caller can compare the
output for Redwire with stock redis-server's byte for byte:
  - CONFIG SET/GET of maxmemory-clients (bytes, percent, errors) and
    CLIENT NO-EVICT's replies;
  - with maxmemory-clients 1% of maxmemory 600mb (6 MB): a client that does
    not read 10 MB of replies and a client whose query buffer grows past
    8 MB are disconnected; a NO-EVICT client holding 2 MB of unread replies
    and idle normal clients stay connected and are served;
  - with --cross-worker (lines "xw:"): two clients of 4 MB each on two
    different workers: one goes (see cross_worker());
  - INFO stats evicted_clients, and CONFIG RESETSTAT zeroing it.

usage: client_evict_check.py HOST PORT [--cross-worker]
"""
import socket
import sys
import time

import redis

HOST, PORT = sys.argv[1], int(sys.argv[2])
BIG = 100000  # bytes of the value the unread replies repeat


def raw_conn():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # a small receive buffer: unread replies pile up in the server
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((HOST, PORT))
    s.settimeout(10)
    return s


def read_exact(s, n):
    got = b""
    while len(got) < n:
        chunk = s.recv(min(1 << 20, n - len(got)))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(got), n))
        got += chunk
    return got


def closed_by_server(s, timeout=10.0):
    """Read until EOF or reset: True if the server closed the connection."""
    s.settimeout(timeout)
    try:
        while True:
            if not s.recv(1 << 20):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def evicted(r):
    return int(r.info("stats")["evicted_clients"])


def wait_evicted(r, n, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if evicted(r) >= n:
            return True
        time.sleep(0.05)
    return False


def reply(r, *args):
    try:
        return repr(r.execute_command(*args))
    except redis.ResponseError as e:
        return "ERR(%s)" % e


def config_cases(r):
    for v in ("0", "1000", "1mb", "10%", "100%", "0%", "101%", "10.5%", "-5%", "%", "05%",
              "abc", "-1", "5KB%"):
        print("set %-6s -> %s / get %s" % (v, reply(r, "CONFIG", "SET", "maxmemory-clients", v),
                                           reply(r, "CONFIG", "GET", "maxmemory-clients")))
    print("no-evict (no arg):", reply(r, "CLIENT", "NO-EVICT"))
    print("no-evict maybe:", reply(r, "CLIENT", "NO-EVICT", "maybe"))
    print("no-evict ON:", reply(r, "CLIENT", "NO-EVICT", "ON"))
    print("no-evict off:", reply(r, "CLIENT", "NO-EVICT", "off"))
    print("stats has evicted_clients:", "evicted_clients" in r.info("stats"))
    print("memory has mem_clients_normal:", "mem_clients_normal" in r.info("memory"))


def eviction(r):
    r.config_set("maxmemory-clients", 0)
    r.config_set("maxmemory", "600mb")
    r.config_resetstat()
    r.set("cev:big", b"x" * BIG)
    get = b"*2\r\n$3\r\nGET\r\n$7\r\ncev:big\r\n"
    one = len(b"$%d\r\n" % BIG) + BIG + 2
    normals = [redis.Redis(host=HOST, port=PORT, socket_timeout=10) for _ in range(3)]
    for n in normals:
        n.ping()
    keep = raw_conn()
    keep.sendall(b"CLIENT NO-EVICT on\r\n")
    print("keep no-evict:", read_exact(keep, 5))
    keep.sendall(get * 20)  # 2 MB it does not read yet
    time.sleep(0.3)
    print("set 1%:", r.config_set("maxmemory-clients", "1%"))
    print("evicted with 2 MB unread on a no-evict client:", evicted(r))

    out = raw_conn()
    out.sendall(get * 100)  # 10 MB of replies, unread
    print("unread 10 MB: evicted", wait_evicted(r, 1), "closed", closed_by_server(out))

    inp = raw_conn()
    try:
        inp.sendall(b"*3\r\n$3\r\nSET\r\n$5\r\ncev:q\r\n$20000000\r\n")
        for _ in range(80):  # 8 MB of a 20 MB argument
            inp.sendall(b"y" * 100000)
    except (ConnectionResetError, BrokenPipeError):
        pass
    print("query buffer 8 MB: evicted", wait_evicted(r, 2), "closed", closed_by_server(inp))

    body = read_exact(keep, 20 * one)
    print("no-evict client got its 20 replies:", body == (b"$%d\r\n" % BIG + b"x" * BIG + b"\r\n") * 20)
    keep.sendall(b"PING\r\n")
    print("no-evict client after:", read_exact(keep, 7))
    keep.sendall(b"CLIENT INFO\r\n")
    info = keep.recv(65536).decode()
    flags = [f for f in info.split() if f.startswith("flags=")]
    print("no-evict client", flags)
    print("normal clients:", [n.ping() for n in normals])

    print("evicted_clients:", evicted(r))
    print("key cev:q exists:", r.exists("cev:q"))
    r.config_resetstat()
    print("after RESETSTAT:", evicted(r))
    r.config_set("maxmemory-clients", 0)
    for c in [keep] + normals:
        c.close()
    r.delete("cev:big")


def cross_worker(r):
    """One budget across workers: two 4 MB clients whose ids differ in
    parity (Redwire's id modulo the worker count, 2 here, is the worker the
    client lives on); together over 6 MB, either alone under it: exactly
    one goes. Redwire only: stock redis-server's kernel socket buffers take
    megabytes of such output, which Redis does not count, so the same
    traffic is a different load there."""
    r.config_set("maxmemory-clients", "1%")
    r.set("cev:big", b"x" * BIG)
    get = b"*2\r\n$3\r\nGET\r\n$7\r\ncev:big\r\n"
    one = len(b"$%d\r\n" % BIG) + BIG + 2
    base = evicted(r)
    pair, parity = [], set()
    for _ in range(16):
        c = raw_conn()
        c.sendall(b"CLIENT ID\r\n")
        cid = int(c.recv(64)[1:].split(b"\r\n")[0])
        if cid % 2 in parity:
            c.close()
            continue
        parity.add(cid % 2)
        pair.append(c)
        if len(pair) == 2:
            break
    for c in pair:
        c.sendall(get * 40)
        time.sleep(0.5)
    print("xw: two 4 MB clients: evicted", wait_evicted(r, base + 1))
    time.sleep(0.5)
    served = []
    for c in pair:
        try:
            c.settimeout(5)
            served.append(len(read_exact(c, 40 * one)) == 40 * one)
        except (EOFError, ConnectionResetError, socket.timeout):
            served.append(False)
        c.close()
    print("xw: of the two, served in full:", sorted(served))
    print("xw: evicted_clients:", evicted(r) - base)
    r.config_set("maxmemory-clients", 0)
    r.delete("cev:big")


def main():
    r = redis.Redis(host=HOST, port=PORT, socket_timeout=30)
    config_cases(r)
    eviction(r)
    if "--cross-worker" in sys.argv:
        cross_worker(r)


if __name__ == "__main__":
    main()
