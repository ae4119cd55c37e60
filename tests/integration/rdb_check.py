#!/usr/bin/python3
"""platform/codec's RDB writer and reader against stock Redis 7.0.15.

Usage: rdb_check.py RDB_TOOL WORKDIR

Stock servers here listen on unix sockets only (no network). Checks:
1. An RDB the library writes (strings of every encoding, expiries, four
   DBs, Redwire's AUX fields) passes stock redis-check-rdb, and a stock
   redis-server loads it to the DEBUG DIGEST of a stock server given the
   same dataset by SET/PEXPIREAT; every value reads back.
2. IDLE and FREQ in such a file take effect on load (OBJECT IDLETIME under
   allkeys-lru, OBJECT FREQ under allkeys-lfu).
3. A dump.rdb saved by stock redis-server is read by the library with every
   key, value and expiry right, in every DB.
4. Bit flips in that dump.rdb are all detected by the reader.
Prints "N passed, M failed" and exits non-zero on any failure.
"""
import os
import random
import subprocess
import sys
import time

import redis

passed = 0
failures = []


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
        print("FAIL", what)


def dataset():
    """(db, key, value, expire_ms or -1): every string form RDB has."""
    rnd = random.Random(11)
    far = int(time.time() * 1000) + 30 * 86400 * 1000
    vals = [b"", b"0", b"-128", b"32767", b"-2147483648", b"2147483648", b"9223372036854775807",
            b"007", b"hello", b"y" * 44, b"z" * 45, b"abc" * 500, bytes(range(256)),
            bytes(rnd.getrandbits(8) for _ in range(3000)), b"0123456789" * 10000]
    rows = []
    for db in (0, 1, 5, 15):
        for i, v in enumerate(vals):
            exp = far + i * 1000 + db if (i + db) % 3 == 0 else -1
            rows.append((db, b"k:%d:%d" % (db, i), v, exp))
    rows.append((0, b"\x00bin\xffkey", b"v", -1))
    return rows


class Server:
    """A stock redis-server on a unix socket in @p wd."""

    def __init__(self, wd, name, dbfile=None, policy="noeviction"):
        self.sock = os.path.join(wd, name + ".sock")
        args = ["redis-server", "--port", "0", "--unixsocket", self.sock, "--save", "",
                "--appendonly", "no", "--enable-debug-command", "yes", "--dir", wd,
                "--dbfilename", dbfile or (name + ".rdb"), "--maxmemory-policy", policy,
                "--logfile", os.path.join(wd, name + ".log")]
        self.proc = subprocess.Popen(args)
        self.r = redis.Redis(unix_socket_path=self.sock)
        for _ in range(100):
            try:
                if self.r.ping():
                    break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        while self.r.info("persistence").get("loading", 0):
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def tool(rdb_tool, *args, stdin=b""):
    return subprocess.run([rdb_tool, *args], input=stdin, capture_output=True)


def spec(rows, idle=None, freq=None):
    out = []
    for db, k, v, exp in rows:
        i = (idle or {}).get(k, -1)
        f = (freq or {}).get(k, -1)
        out.append(b"%d\t%d\t%d\t%d\t%s\t%s" % (db, exp, i, f, k.hex().encode(), v.hex().encode()))
    return b"\n".join(out) + b"\n"


def populate(r, rows):
    for db, k, v, exp in rows:
        r.execute_command("SELECT", db)
        r.set(k, v)
        if exp != -1:
            r.pexpireat(k, exp)
    r.execute_command("SELECT", 0)


def written_file_loads(rdb_tool, wd, rows):
    path = os.path.join(wd, "lib.rdb")
    res = tool(rdb_tool, "write", path, stdin=spec(rows))
    check(res.returncode == 0, "rdb_tool write: %r" % res.stderr)
    chk = subprocess.run(["redis-check-rdb", path], capture_output=True)
    check(chk.returncode == 0 and b"RDB looks OK" in chk.stdout,
          "redis-check-rdb accepts the library's RDB: %r" % chk.stdout[-400:])
    loaded = Server(wd, "loaded", dbfile="lib.rdb")
    fresh = Server(wd, "fresh")
    try:
        populate(fresh.r, rows)
        d_loaded = loaded.r.execute_command("DEBUG", "DIGEST")
        d_fresh = fresh.r.execute_command("DEBUG", "DIGEST")
        check(d_loaded == d_fresh and d_fresh != b"0" * 40,
              "DEBUG DIGEST of the loaded RDB %r == of the same data set %r" % (d_loaded, d_fresh))
        for db, k, v, exp in rows:
            loaded.r.execute_command("SELECT", db)
            check(loaded.r.get(k) == v, "loaded value of db %d %r" % (db, k))
            check(loaded.r.pexpiretime(k) == exp, "loaded expiry of db %d %r" % (db, k))
    finally:
        loaded.stop()
        fresh.stop()


def idle_freq_load(rdb_tool, wd):
    rows = [(0, b"idle", b"v", -1), (0, b"freq", b"w", -1)]
    path = os.path.join(wd, "lru.rdb")
    res = tool(rdb_tool, "write", path, stdin=spec(rows, {b"idle": 5000}, {b"freq": 77}))
    check(res.returncode == 0, "rdb_tool write with IDLE/FREQ")
    s = Server(wd, "lru", dbfile="lru.rdb", policy="allkeys-lru")
    try:
        got = s.r.object("idletime", "idle")
        check(abs(got - 5000) <= 2, "IDLE 5000 loads as OBJECT IDLETIME %d" % got)
    finally:
        s.stop()
    s = Server(wd, "lfu", dbfile="lru.rdb", policy="allkeys-lfu")
    try:
        check(s.r.object("freq", "freq") == 77, "FREQ 77 loads as OBJECT FREQ")
    finally:
        s.stop()


def read_rows(out):
    got = {}
    for line in out.decode().splitlines():
        f = line.split("\t")
        if f[0] == "aux":
            continue
        got[(int(f[0]), bytes.fromhex(f[4]))] = (bytes.fromhex(f[5]), int(f[1]))
    return got


def stock_file_reads(rdb_tool, wd, rows):
    s = Server(wd, "stock")
    try:
        populate(s.r, rows)
        s.r.save()
    finally:
        s.stop()
    path = os.path.join(wd, "stock.rdb")
    res = tool(rdb_tool, "read", path)
    check(res.returncode == 0, "rdb_tool reads stock dump.rdb: %r" % res.stderr)
    got = read_rows(res.stdout)
    want = {(db, k): (v, exp) for db, k, v, exp in rows}
    check(len(got) == len(want), "key count %d == %d" % (len(got), len(want)))
    for key, val in want.items():
        check(got.get(key) == val, "stock RDB key db %d %r: value and expiry" % key)
    check(b"aux\t%s\t%s" % (b"redis-ver".hex().encode(), b"7.0.15".hex().encode()) in res.stdout,
          "aux redis-ver 7.0.15 reported")

    data = open(path, "rb").read()
    rnd = random.Random(5)
    flipped = os.path.join(wd, "flipped.rdb")
    missed = 0
    tries = 300
    for _ in range(tries):
        bit = rnd.randrange(len(data) * 8)
        b = bytearray(data)
        b[bit // 8] ^= 1 << (bit % 8)
        open(flipped, "wb").write(bytes(b))
        if tool(rdb_tool, "read", flipped).returncode == 0:
            missed += 1
    check(missed == 0, "%d of %d bit flips in the stock RDB went unnoticed" % (missed, tries))


def main():
    rdb_tool, wd = sys.argv[1], sys.argv[2]
    rows = dataset()
    written_file_loads(rdb_tool, wd, rows)
    idle_freq_load(rdb_tool, wd)
    stock_file_reads(rdb_tool, wd, rows)
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
