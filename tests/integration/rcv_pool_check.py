#!/usr/bin/python3
"""Many connections each pipeline megabytes the server cannot run yet; the
server's resident memory must stay bounded and every command must still
run, in order, once it can (issue #6: no workload pushes Redwire past its
memory budget).

A first connection sends CLIENT PAUSE WRITE, so the server holds every
write (Redis: postponed; Redwire: the dispatcher waits). Then CONNS
connections each send MB megabytes of `SET rp:<i> <1 KB value>` ending
with `GET rp:<i>`, without reading a reply, for as long as the server
takes bytes; the resident anonymous memory of PID is sampled meanwhile.
Once nothing moved for a while (the windows closed) or all was sent, the
pause ends and every connection sends its rest and reads every reply:
each must be +OK for every SET and the last value for the GET.

Prints `sent-before-unpause MB`, `peak resident BYTES`, `start resident
BYTES`, and one verdict line per property, the same for any correct
server (compared with stock redis-server's in test_maxmemory.sh).

usage: rcv_pool_check.py HOST PORT PID CONNS MB
"""
import select
import socket
import sys
import time

HOST, PORT, PID = sys.argv[1], int(sys.argv[2]), sys.argv[3]
CONNS, MB = int(sys.argv[4]), int(sys.argv[5])
VALUE_LEN = 1000
STALL_S = 0.5  # nothing accepted for this long: the windows are closed
DEADLINE_S = 60.0


def anon():
    with open("/proc/%s/status" % PID) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


def cmd(*args):
    return b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a), a) for a in args])


def value(i, n):
    head = b"%d:%d:" % (i, n)
    return head + b"v" * (VALUE_LEN - len(head))


def pipeline(i):
    """Connection i's commands: SETs of MB megabytes, then the GET."""
    key = b"rp:%d" % i
    head = b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n" % (len(key), key, VALUE_LEN)
    one = len(head) + VALUE_LEN + 2
    n = ((MB << 20) + one - 1) // one
    out = [head + value(i, k) + b"\r\n" for k in range(n)]
    out.append(cmd(b"GET", key))
    return b"".join(out), n


def ctl(s, *args):
    s.sendall(cmd(*args))
    got = b""
    while not got.endswith(b"\r\n"):
        got += s.recv(4096)
    return got


t_begin = time.time()
control = socket.create_connection((HOST, PORT))
rss0 = anon()
ctl(control, b"CLIENT", b"PAUSE", b"600000", b"WRITE")

conns = []
for i in range(CONNS):
    s = socket.create_connection((HOST, PORT))
    s.setblocking(False)
    data, sets = pipeline(i)
    conns.append({"s": s, "i": i, "data": data, "off": 0, "sets": sets, "in": bytearray()})

peak = rss0
last_move = time.time()
start = last_move
while time.time() - last_move < STALL_S and time.time() - start < DEADLINE_S:
    pending = [c for c in conns if c["off"] < len(c["data"])]
    if not pending:
        break
    _, w, _ = select.select([], [c["s"] for c in pending], [], 0.05)
    for c in pending:
        if c["s"] not in w:
            continue
        try:
            n = c["s"].send(memoryview(c["data"])[c["off"]:c["off"] + (256 << 10)])
        except BlockingIOError:
            n = 0
        if n > 0:
            c["off"] += n
            last_move = time.time()
    peak = max(peak, anon())
time.sleep(0.3)  # what is in flight lands
peak = max(peak, anon())
sent = sum(c["off"] for c in conns)
t_paused = time.time() - t_begin
print("sent-before-unpause %.1f MB of %.1f MB" % (sent / 2**20, sum(len(c["data"]) for c in conns) / 2**20))

ctl(control, b"CLIENT", b"UNPAUSE")


def expected(c):
    return b"+OK\r\n" * c["sets"] + b"$%d\r\n%s\r\n" % (VALUE_LEN, value(c["i"], c["sets"] - 1))


for c in conns:
    c["want"] = expected(c)
todo = {c["s"]: c for c in conns}
start = time.time()
while todo and time.time() - start < DEADLINE_S:
    socks = list(todo)
    wr = [s for s in socks if todo[s]["off"] < len(todo[s]["data"])]
    r, w, _ = select.select(socks, wr, [], 0.1)
    for s in w:
        c = todo[s]
        try:
            c["off"] += s.send(memoryview(c["data"])[c["off"]:c["off"] + (256 << 10)])
        except BlockingIOError:
            pass
    for s in r:
        c = todo[s]
        try:
            got = s.recv(1 << 20)
        except BlockingIOError:
            continue
        if not got:
            del todo[s]
            continue
        c["in"] += got
        if len(c["in"]) >= len(c["want"]):
            del todo[s]
    peak = max(peak, anon())

bad = [c["i"] for c in conns if bytes(c["in"]) != c["want"]]
print("seconds paused %.1f, then %.1f" % (t_paused, time.time() - start))
print("peak resident %d" % peak)
print("start resident %d" % rss0)
print("every connection's replies complete and in order: %s" % (not bad))
if bad:
    c = conns[bad[0]]
    print("first bad: connection %d, %d of %d reply bytes" % (c["i"], len(c["in"]), len(c["want"])))
for c in conns:
    c["s"].close()
control.close()
sys.exit(0 if not bad else 1)
