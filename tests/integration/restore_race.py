#!/usr/bin/python3
"""Cross-worker traffic racing a live restore (test_api_snapshots.sh).

Usage: restore_race.py IP PORT STARTED_FILE [CONNS] [MAX_SECONDS]

CONNS connections each pipeline, round after round, commands whose keys
live on both workers of a 2-worker instance: MSET of a key on each worker,
RENAME to a key on the other worker, SADD on each worker, SUNIONSTORE of
both sets into a third, and a GET of the renamed key. Every reply is checked
against what Redis 7.0 answers for that sequence (a model per connection:
OK, OK, 1, 1, the union's size, the value), until the first -LOADING: the
restore began, and from then on nothing is sent (what ran before it is
emptied with the shard; what runs after it would change the restored
dataset). A reply that is neither the expected one nor -LOADING is a wrong
reply; a read that times out is a hang. Exit 0 only if every connection
saw -LOADING and none got a wrong reply or hung. The keys (rr:*) are not in
the snapshot, so any write that lands on a shard after it was emptied
shows in the DEBUG DIGEST the test compares afterwards.
"""
import socket
import sys
import time

IP, PORT, STARTED = sys.argv[1], int(sys.argv[2]), sys.argv[3]
CONNS = int(sys.argv[4]) if len(sys.argv) > 4 else 8
MAX_S = float(sys.argv[5]) if len(sys.argv) > 5 else 60.0


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def worker_of(key, n=2):
    return (crc16(key.encode()) % 16384) * n // 16384


def key_on(prefix, w):
    i = 0
    while worker_of(f"{prefix}.{i}") != w:
        i += 1
    return f"{prefix}.{i}"


def pack(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Conn:
    def __init__(self, c):
        self.s = socket.create_connection((IP, PORT), timeout=15)
        self.buf = b""
        self.i = 0
        self.mA, self.rA = key_on(f"rr:{c}:m", 0), key_on(f"rr:{c}:r", 1)
        self.mB = key_on(f"rr:{c}:mb", 1)
        self.sA, self.sB = key_on(f"rr:{c}:s", 0), key_on(f"rr:{c}:t", 1)
        self.u = key_on(f"rr:{c}:u", c % 2)
        self.loading = False

    def line(self):
        while b"\r\n" not in self.buf:
            b = self.s.recv(65536)
            if not b:
                raise EOFError("connection closed")
            self.buf += b
        ln, _, self.buf = self.buf.partition(b"\r\n")
        return ln

    def reply(self):
        ln = self.line()
        if ln[:1] == b"$":
            n = int(ln[1:])
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                b = self.s.recv(65536)
                if not b:
                    raise EOFError("connection closed")
                self.buf += b
            v, self.buf = self.buf[:n], self.buf[n + 2:]
            return v
        return ln

    def send_round(self):
        i = self.i
        self.expect = [b"+OK", b"+OK", b":1", b":1", b":%d" % (i + 1), str(i).encode()]
        self.s.sendall(pack("MSET", self.mA, i, self.mB, i) + pack("RENAME", self.mA, self.rA) +
                       pack("SADD", self.sA, i) + pack("SADD", self.sB, i) +
                       pack("SUNIONSTORE", self.u, self.sA, self.sB) + pack("GET", self.rA))

    def read_round(self, bad):
        for want in self.expect:
            got = self.reply()
            if got.startswith(b"-LOADING"):
                self.loading = True
            elif not self.loading and got != want:
                bad.append(f"{self.mA} round {self.i}: want {want!r} got {got!r}")
            elif self.loading and got != want:
                bad.append(f"{self.mA} round {self.i}: after -LOADING got {got!r}")
        self.i += 1


conns = [Conn(c) for c in range(CONNS)]
for c in conns:
    c.s.sendall(pack("DEL", c.mA, c.rA, c.mB, c.sA, c.sB, c.u))
    c.reply()
bad, t0, started = [], time.monotonic(), False
try:
    while time.monotonic() - t0 < MAX_S:
        live = [c for c in conns if not c.loading]
        if not live or any(c.loading for c in conns):
            break  # the restore began: nothing more is sent
        for c in live:
            c.send_round()
        for c in live:
            c.read_round(bad)
        if not started and conns[0].i >= 20:
            open(STARTED, "w").close()
            started = True
except (socket.timeout, OSError, EOFError) as e:
    bad.append(f"hang or drop: {e!r}")
rounds = sum(c.i for c in conns)
print(f"rounds={rounds} loading={sum(c.loading for c in conns)}/{len(conns)} wrong={len(bad)}")
for b in bad[:10]:
    print("  " + b)
sys.exit(0 if not bad and any(c.loading for c in conns) else 1)
