#!/usr/bin/python3
"""Fork-less snapshots (BGSAVE/SAVE) against stock Redis 7.0.15.

Usage: snapshot_check.py PHASE IP PORT DATADIR WORKDIR [WORKERS]

Runs inside the instance's namespace. Stock servers used to read files
listen on unix sockets in WORKDIR. Phases:
  save     strings of every encoding with expiries in three DBs; SAVE and
           BGSAVE; stock redis-check-rdb accepts dump.rdb and a stock
           redis-server loads it to Redwire's DEBUG DIGEST; LASTSAVE and
           INFO's rdb_* fields move; then lists, hashes, sets and sorted sets
           of every encoding: redis-check-rdb accepts the file, stock loads
           it to Redwire's digest.
           Then under allkeys-lfu: FREQ opcodes, stock loads the same
           OBJECT FREQ.
  stock    make WORKDIR/stock.rdb with a stock server (allkeys-lfu), strings,
           collections and keys of differing FREQ (kept for 'loaded').
  loaded   Redwire, started on that file (allkeys-lfu), has its DEBUG
           DIGEST and OBJECT FREQ.
  pit      point in time: BGSAVE under a 100%-overwrite load with
           cross-worker MULTI/EXEC pairs; in the file every pair is whole and
           every sequential writer's writes are a prefix (one cut).
  replies  SAVE/BGSAVE/LASTSAVE replies equal a stock redis-server's.
  cpcrash  after the control plane was killed during a BGSAVE and restarted:
           the snapshot ends (done or given up), no temp file stays, BGSAVE works.
  points   "save 1 1" saves after a change, and only then.
  shutdown SHUTDOWN with save points saves before it stops;
           Before it, under allkeys-lru, keys of known idle time.
  reloaded the restarted instance has the last write; under allkeys-lru
           its OBJECT IDLETIME matches stock's loading the same file.
Prints "N passed, M failed"; exits non-zero on any failure.
"""
import binascii
import os
import random
import shutil
import subprocess
import sys
import threading
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
        print("FAIL", what, flush=True)


class Stock:
    """A stock redis-server on a unix socket loading @p dbfile from @p wd."""

    def __init__(self, wd, name, dbfile, extra=()):
        self.sock = os.path.join(wd, name + ".sock")
        args = ["redis-server", "--port", "0", "--unixsocket", self.sock, "--save", "",
                "--appendonly", "no", "--enable-debug-command", "yes", "--dir", wd,
                "--dbfilename", dbfile, "--logfile", os.path.join(wd, name + ".log")] + list(extra)
        self.proc = subprocess.Popen(args)
        self.r = redis.Redis(unix_socket_path=self.sock)
        for _ in range(200):
            try:
                if self.r.ping():
                    break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        while self.r.info("persistence").get("loading", 0):
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def worker_of(key, n):
    """dataplane/shard: CRC16 (XMODEM) slot of the hash tag, slot * n / 16384."""
    k = key.encode() if isinstance(key, str) else key
    s = k.find(b"{")
    if s >= 0:
        e = k.find(b"}", s + 1)
        if e > s + 1:
            k = k[s + 1:e]
    return (binascii.crc_hqx(k, 0) % 16384) * n // 16384


def tags(n):
    """Two hash tags owned by different workers."""
    t0 = next(t for t in ("t%d" % i for i in range(1000)) if worker_of("{%s}" % t, n) == 0)
    t1 = next(t for t in ("t%d" % i for i in range(1000)) if worker_of("{%s}" % t, n) == n - 1)
    return t0, t1


def lastsave(c):
    """LASTSAVE as unix seconds (redis-py turns it into a datetime)."""
    v = c.execute_command("LASTSAVE")
    return int(v.timestamp()) if hasattr(v, "timestamp") else int(v)


def wait_saved(r, saves_before, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        p = r.info("persistence")
        if p["rdb_bgsave_in_progress"] == 0 and p["rdb_saves"] > saves_before:
            return p
        if p["rdb_bgsave_in_progress"] == 0 and p["rdb_last_bgsave_status"] != "ok":
            return p
        time.sleep(0.02)
    return r.info("persistence")


def strings_dataset(r):
    rng = random.Random(7)
    now_ms = int(time.time() * 1000)
    for db in (0, 3, 9):
        r.execute_command("SELECT", db)
        for i in range(3000):
            k = "k%d:%d" % (db, i)
            form = i % 6
            v = [str(i), str(-i * 1000003), "e" * (i % 40), "raw-" + "y" * (50 + i % 300),
                 "".join(rng.choice("ab") for _ in range(100)), str(2**40 + i)][form]
            r.set(k, v)
            if i % 5 == 0:
                r.pexpireat(k, now_ms + 3600_000 + i)
    r.execute_command("SELECT", 0)


def collections_dataset(r, db, seed):
    """Lists, hashes, sets and sorted sets in both of Redis's encodings for
    each (listpack/quicklist, listpack/hashtable, intset/hashtable,
    listpack/skiplist), some with expiries."""
    rng = random.Random(seed)
    now_ms = int(time.time() * 1000)
    r.execute_command("SELECT", db)
    for i in range(40):
        big = i % 2 == 1  # past the listpack limits: the other encoding
        n = 300 if big else 5 + i
        r.rpush("l:%d" % i, *["e%d-%s" % (j, "x" * rng.randrange(90 if big else 20))
                              for j in range(n)])
        r.hset("h:%d" % i, mapping={"f%d" % j: str(rng.randrange(10**9)) if j % 2 else
                                    "v" * rng.randrange(70 if big else 30) for j in range(n)})
        r.sadd("si:%d" % i, *[rng.randrange(-10**6, 10**6) for _ in range(n if not big else 600)])
        r.sadd("ss:%d" % i, *["m%d" % rng.randrange(10**6) for _ in range(n)])
        r.zadd("z:%d" % i, {"z%d" % j: rng.choice([rng.random() * 1000, j, -j / 3.0])
                            for j in range(n)})
        if i % 4 == 0:
            for k in ("l", "h", "si", "ss", "z"):
                r.pexpireat("%s:%d" % (k, i), now_ms + 3600_000 + i)
    r.execute_command("SELECT", 0)


def phase_save(r, datadir, wd):
    r.flushall()
    strings_dataset(r)
    p0 = r.info("persistence")
    check(p0["rdb_changes_since_last_save"] > 0, "changes counted before a save: %r" % p0)
    time.sleep(1.1)
    before = lastsave(r)
    check(r.execute_command("SAVE") in (True, b"OK"), "SAVE replies +OK")
    p1 = r.info("persistence")
    check(p1["rdb_changes_since_last_save"] == 0, "no changes since SAVE: %r" % p1)
    check(p1["rdb_saves"] == p0["rdb_saves"] + 1, "rdb_saves counts the SAVE")
    check(p1["rdb_last_bgsave_status"] == "ok", "status ok")
    check(lastsave(r) > before, "LASTSAVE moved: %r > %r" % (lastsave(r), before))
    path = os.path.join(datadir, "dump.rdb")
    chk = subprocess.run(["redis-check-rdb", path], capture_output=True)
    check(chk.returncode == 0 and b"RDB looks OK" in chk.stdout,
          "redis-check-rdb accepts Redwire's dump.rdb: %r" % chk.stdout[-300:])
    check(b"9000 keys read" in chk.stdout, "redis-check-rdb read every key: %r" % chk.stdout[-300:])
    shutil.copy(path, os.path.join(wd, "rw.rdb"))
    st = Stock(wd, "fromrw", "rw.rdb")
    try:
        d_rw = r.execute_command("DEBUG", "DIGEST")
        d_st = st.r.execute_command("DEBUG", "DIGEST")
        check(d_rw == d_st and d_rw != b"0" * 40,
              "stock redis-server loads Redwire's file to its digest: %r %r" % (d_rw, d_st))
    finally:
        st.stop()
    # BGSAVE: reply, progress fields, then a file stock Redis loads again
    r.set("after-save", "1")
    saves = r.info("persistence")["rdb_saves"]
    check(r.bgsave() is True, "BGSAVE replies +Background saving started")
    p = wait_saved(r, saves)
    check(p["rdb_saves"] == saves + 1 and p["rdb_last_bgsave_status"] == "ok",
          "BGSAVE completes: %r" % p)
    check(p["rdb_last_bgsave_time_sec"] >= 0, "rdb_last_bgsave_time_sec set")
    shutil.copy(path, os.path.join(wd, "rw2.rdb"))
    st = Stock(wd, "fromrw2", "rw2.rdb")
    try:
        check(st.r.get("after-save") == b"1", "the BGSAVE file has the later write")
        check(r.execute_command("DEBUG", "DIGEST") == st.r.execute_command("DEBUG", "DIGEST"),
              "BGSAVE file loads to Redwire's digest")
    finally:
        st.stop()
    # collections of every type and encoding
    collections_dataset(r, 5, 11)
    check(r.execute_command("SAVE") in (True, b"OK"), "SAVE with collections")
    check(r.info("persistence")["rdb_last_bgsave_status"] == "ok", "collections saved")
    chk = subprocess.run(["redis-check-rdb", path], capture_output=True)
    check(chk.returncode == 0 and b"RDB looks OK" in chk.stdout,
          "redis-check-rdb accepts collections: %r" % chk.stdout[-300:])
    shutil.copy(path, os.path.join(wd, "rw3.rdb"))
    st = Stock(wd, "fromrw3", "rw3.rdb")
    try:
        d_rw = r.execute_command("DEBUG", "DIGEST")
        check(d_rw == st.r.execute_command("DEBUG", "DIGEST"),
              "stock loads Redwire's collections to its digest")
        st.r.execute_command("SELECT", 5)
        r.execute_command("SELECT", 5)
        check(st.r.object("encoding", "l:1") == r.object("encoding", "l:1") and
              st.r.object("encoding", "z:1") == r.object("encoding", "z:1") and
              st.r.object("encoding", "si:0") == r.object("encoding", "si:0"),
              "encodings after the stock load equal Redwire's")
        r.execute_command("SELECT", 0)
    finally:
        st.stop()


LFU = ("--maxmemory-policy", "allkeys-lfu", "--lfu-decay-time", "0")


def lfu_dataset(r):
    """Keys read different numbers of times under allkeys-lfu (no decay):
    OBJECT FREQ of each, which a save and a load must keep."""
    for i in range(12):
        r.set("lfu:%d" % i, i)
        for _ in range(i * i * 4):
            r.get("lfu:%d" % i)
    return [r.object("freq", "lfu:%d" % i) for i in range(12)]


def phase_lfu(r, datadir, wd):
    """RDB_OPCODE_FREQ (rdbSaveKeyValuePair() under an LFU policy): Redwire's
    file passes redis-check-rdb, and stock loading it shows the same OBJECT
    FREQ for every key (the reverse: phase_stock/phase_loaded)."""
    r.flushall()
    r.config_set("lfu-decay-time", 0)
    r.config_set("maxmemory-policy", "allkeys-lfu")
    try:
        want = lfu_dataset(r)
        check(len(set(want)) > 3, "the counters differ from key to key: %r" % want)
        check(r.execute_command("SAVE") in (True, b"OK"), "SAVE under allkeys-lfu")
        path = os.path.join(datadir, "dump.rdb")
        chk = subprocess.run(["redis-check-rdb", path], capture_output=True)
        check(chk.returncode == 0 and b"RDB looks OK" in chk.stdout,
              "redis-check-rdb accepts Redwire's file with FREQ: %r" % chk.stdout[-300:])
        with open(path, "rb") as f:
            data = f.read()
        check(data.count(bytes([249])) >= 12, "FREQ opcodes (249) in the file")
        shutil.copy(path, os.path.join(wd, "rwlfu.rdb"))
        st = Stock(wd, "fromrwlfu", "rwlfu.rdb", LFU)
        try:
            got = [st.r.object("freq", "lfu:%d" % i) for i in range(12)]
            check(got == want, "stock loads Redwire's FREQ: %r vs %r" % (got, want))
        finally:
            st.stop()
    finally:
        r.config_set("maxmemory-policy", "noeviction")
        r.config_set("lfu-decay-time", 1)


LRU_IDLE = [0, 3000, 60000, 86400 * 3, 86400 * 30]  # seconds


def lru_before_shutdown(r, wd):
    """allkeys-lru: keys of known idle time (RESTORE ... IDLETIME), so the
    SHUTDOWN save writes RDB_OPCODE_IDLE for them (rdbSaveKeyValuePair()
    under an LRU policy); the time of the save goes to WORKDIR/lru.t."""
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.set("lru:src", "v")
    payload = r.dump("lru:src")
    r.delete("lru:src")
    for i, idle in enumerate(LRU_IDLE):
        r.restore("lru:%d" % i, 0, payload, idletime=idle)
    got = [r.object("idletime", "lru:%d" % i) for i in range(len(LRU_IDLE))]
    check(all(idle <= g <= idle + 2 for idle, g in zip(LRU_IDLE, got)),
          "RESTORE IDLETIME under allkeys-lru: %r" % got)
    with open(os.path.join(wd, "lru.t"), "w") as f:
        f.write("%d" % int(time.time()))


def lru_after_restart(r, datadir, wd):
    """The restarted instance (allkeys-lru) loaded the SHUTDOWN save: stock,
    loading the same file under allkeys-lru, is the oracle. Both count idle
    time from the load on (idle at the save + time since the load), and
    Redwire loaded earlier, by about the same amount for every key:
    Redwire's OBJECT IDLETIME minus stock's is nearly one value for all
    keys, between 0 and the seconds since the save. Nearly: each key's idle
    clock starts when it lands, and on a loaded machine the load of the
    whole file spreads its keys over seconds (diffs 5..10 s seen at load
    30; stock loads its copy alone); 15 s still tells the clock-wrap error
    (days) apart."""
    path = os.path.join(datadir, "dump.rdb")
    with open(path, "rb") as f:
        check(f.read().count(bytes([248])) >= len(LRU_IDLE), "IDLE opcodes (248) in the file")
    shutil.copy(path, os.path.join(wd, "rwlru.rdb"))
    st = Stock(wd, "fromrwlru", "rwlru.rdb", ("--maxmemory-policy", "allkeys-lru"))
    try:
        keys = ["lru:%d" % i for i in range(len(LRU_IDLE))]

        def idle(c):  # one pipeline: every key read within the same second or two
            p = c.pipeline(transaction=False)
            for k in keys:
                p.object("idletime", k)
            return p.execute()
        rw, sv = idle(r), idle(st.r)
        since = int(time.time()) - int(open(os.path.join(wd, "lru.t")).read())
    finally:
        st.stop()
    diff = [a - b for a, b in zip(rw, sv)]
    check(all(idle <= b <= idle + since + 2 for idle, b in zip(LRU_IDLE, sv)),
          "stock loads the idle times Redwire saved: %r (saved %r, %d s ago)" % (sv, LRU_IDLE, since))
    check(max(diff) - min(diff) <= 15 and -1 <= min(diff) and max(diff) <= since + 1,
          "Redwire's OBJECT IDLETIME after the restart %r vs stock's %r (%d s since the save)"
          % (rw, sv, since))


def phase_stock(wd):
    st = Stock(wd, "maker", "stock.rdb", LFU)
    try:
        r = st.r
        now_ms = int(time.time() * 1000)
        for db in (0, 2):
            r.execute_command("SELECT", db)
            for i in range(2000):
                k = "s%d:%d" % (db, i)
                r.set(k, [str(i), "v" * (i % 60), "w" * 500, str(-(2**50) - i)][i % 4])
                if i % 3 == 0:
                    r.pexpireat(k, now_ms + 7200_000 + i)
        r.execute_command("SELECT", 0)
        collections_dataset(r, 4, 12)
        with open(os.path.join(wd, "stock.freq"), "w") as f:
            f.write(" ".join(str(v) for v in lfu_dataset(r)))
        r.set("gone", "x", px=1)  # in the file, expired: not loaded
        time.sleep(0.01)
        check(r.save() is True, "stock SAVE")
        check(r.get("gone") is None, "gone expired")  # the digest is without it
        with open(os.path.join(wd, "stock.digest"), "wb") as f:
            f.write(r.execute_command("DEBUG", "DIGEST"))
    finally:
        st.stop()


def phase_loaded(r, wd):
    want = open(os.path.join(wd, "stock.digest"), "rb").read()
    got = r.execute_command("DEBUG", "DIGEST")
    check(got == want and want != b"0" * 40, "stock dump.rdb loads into Redwire: %r %r" % (got, want))
    check(r.exists("gone") == 0, "an expired key is not loaded")
    check(r.dbsize() == 2000 + 12, "db 0 size")
    # started under allkeys-lfu (test_snapshot.sh): stock's FREQ opcodes applied
    want = [int(v) for v in open(os.path.join(wd, "stock.freq")).read().split()]
    got = [r.object("freq", "lfu:%d" % i) for i in range(12)]
    check(got == want, "Redwire loads stock's FREQ: %r vs %r" % (got, want))


class Writer(threading.Thread):
    """A sequential writer: operation k sets its keys to k, one at a time
    (each waits for its reply), so the server applies them in order."""

    def __init__(self, ip, port, start, fn):
        super().__init__(daemon=True)
        self.r = redis.Redis(host=ip, port=port)
        self.k = start
        self.fn = fn
        self.stop = False
        self.err = None

    def run(self):
        try:
            while not self.stop:
                self.fn(self.r, self.k)
                self.k += 1
        except Exception as e:  # reported by the checker
            self.err = e


class Noise(threading.Thread):
    """Random pipelined overwrites of d:* keys (no order to check)."""

    def __init__(self, ip, port, m):
        super().__init__(daemon=True)
        self.r = redis.Redis(host=ip, port=port)
        self.m = m
        self.stop = False

    def run(self):
        rng = random.Random()
        while not self.stop:
            p = self.r.pipeline(transaction=False)
            for _ in range(64):
                p.set("d:%d" % rng.randrange(self.m), os.urandom(40).hex())
            p.execute()


def prefix_ok(vals, n, what):
    """vals[i] = the last k with k % n == i among writes 0..K-1: one cut."""
    top = max(vals)
    K = top + 1
    bad = [i for i in range(n) if vals[i] != i + n * ((K - 1 - i) // n)]
    check(not bad, "%s: one cut at %d (first bad %r)" % (what, K, bad[:3]))
    return K


def phase_points(r):
    """save points: "save 1 1" saves within a few seconds of a change."""
    r.config_set("save", "")
    saves = r.info("persistence")["rdb_saves"]
    r.set("point", "1")
    time.sleep(1.5)
    check(r.info("persistence")["rdb_saves"] == saves, "no save point: no save")
    r.config_set("save", "1 1")
    p = wait_saved(r, saves, timeout=10)
    check(p["rdb_saves"] == saves + 1 and p["rdb_changes_since_last_save"] == 0,
          "save 1 1 saved after a change: %r" % p)
    time.sleep(2.5)
    check(r.info("persistence")["rdb_saves"] == saves + 1, "no change: no further save")
    r.config_set("save", "")
    r.set("shutdown-key", "kept")  # the next phase's SHUTDOWN must save it


def phase_pit(r, ip, port, datadir, wd, n_workers):
    r.config_set("save", "")  # no save point may start a snapshot in between
    t0, t1 = tags(n_workers)
    N, M, D = 2000, 60000, 60000
    pad = "p" * 80
    r.flushall()
    p = r.pipeline(transaction=False)
    for i in range(N):
        p.set("a{%s}:%d" % (t0, i), i)
        p.set("b{%s}:%d" % (t1, i), i)
    for j in range(M):
        p.set("c:%d" % j, "%d|%s" % (j, pad))
    for j in range(D):
        p.set("d:%d" % j, pad)
    p.execute()

    def pair(rc, k):
        tx = rc.pipeline(transaction=True)
        tx.set("a{%s}:%d" % (t0, k % N), k)
        tx.set("b{%s}:%d" % (t1, k % N), k)
        tx.execute()

    def single(rc, k):
        rc.set("c:%d" % (k % M), "%d|%s" % (k, pad))

    next_k = (N, M)  # each round's writers go on where the last ones stopped
    for rnd in range(3):
        wp, wc = Writer(ip, port, next_k[0], pair), Writer(ip, port, next_k[1], single)
        noise = [Noise(ip, port, D) for _ in range(2)]
        for t in [wp, wc] + noise:
            t.start()
        time.sleep(0.3 + random.random() * 0.3)
        saves = r.info("persistence")["rdb_saves"]
        k_before = (wp.k, wc.k)
        check(r.bgsave() is True, "round %d: BGSAVE under load" % rnd)
        p = wait_saved(r, saves)
        k_after = (wp.k, wc.k)
        time.sleep(0.1)
        for t in [wp, wc] + noise:
            t.stop = True
        for t in [wp, wc] + noise:
            t.join(timeout=10)
        next_k = (wp.k, wc.k)
        check(wp.err is None and wc.err is None, "writers ran cleanly: %r %r" % (wp.err, wc.err))
        check(p["rdb_last_bgsave_status"] == "ok", "round %d: snapshot ok: %r" % (rnd, p))
        check(k_after[0] > k_before[0] and k_after[1] > k_before[1],
              "round %d: writes went on during the snapshot %r -> %r" % (rnd, k_before, k_after))
        name = "pit%d.rdb" % rnd
        shutil.copy(os.path.join(datadir, "dump.rdb"), os.path.join(wd, name))
        st = Stock(wd, "pit%d" % rnd, name)
        try:
            s = st.r
            a = s.mget(["a{%s}:%d" % (t0, i) for i in range(N)])
            b = s.mget(["b{%s}:%d" % (t1, i) for i in range(N)])
            c = s.mget(["c:%d" % j for j in range(M)])
            check(None not in a and None not in b and None not in c, "every key in the file")
            split = [i for i in range(N) if a[i] != b[i]]
            check(not split, "round %d: every MULTI/EXEC pair whole (split: %r)" % (rnd, split[:3]))
            ka = prefix_ok([int(x) for x in a], N, "round %d pairs" % rnd)
            kc = prefix_ok([int(x.split(b"|")[0]) for x in c], M, "round %d singles" % rnd)
            check(k_before[0] <= ka <= k_after[0] + 1 and k_before[1] <= kc <= k_after[1] + 1,
                  "round %d: the cut lies within the BGSAVE: pairs %d in %r, singles %d in %r"
                  % (rnd, ka, (k_before[0], k_after[0]), kc, (k_before[1], k_after[1])))
            check(s.dbsize() == N * 2 + M + D, "round %d: no key more or less" % rnd)
        finally:
            st.stop()
        print("round %d: pairs cut at %d, singles at %d, snapshot %s s" % (
            rnd, ka, kc, p["rdb_last_bgsave_time_sec"]), flush=True)


def phase_replies(r, wd):
    # the oracle: a stock redis-server of our own, so its files stay in wd
    oracle = Stock(wd, "oracle", "oracle.rdb")
    try:
        replies_vs(r, oracle.r)
    finally:
        oracle.stop()


def replies_vs(r, o):

    def reply(c, *args):
        try:
            return c.execute_command(*args)
        except redis.exceptions.ResponseError as e:
            return "ERR:" + str(e)

    for args in (("BGSAVE", "x"), ("BGSAVE", "SCHEDULE", "x"), ("SAVE", "x"), ("LASTSAVE", "x"),
                 ("SAVE",), ("BGSAVE", "SCHEDULE")):
        check(reply(r, *args) == reply(o, *args), "%r: %r == %r" % (args, reply(r, *args),
                                                                 reply(o, *args)))
        if args[0] == "BGSAVE":
            wait_saved(r, -1)
            while o.info("persistence")["rdb_bgsave_in_progress"]:
                time.sleep(0.02)
    for c in (r, o):
        c.execute_command("MULTI")
    check(reply(r, "SAVE") == reply(o, "SAVE"), "SAVE inside MULTI: %r" % reply(r, "SAVE"))
    for c in (r, o):
        reply(c, "DISCARD")
    check(reply(r, "BGSAVE") == reply(o, "BGSAVE"), "BGSAVE")
    check(lastsave(r) >= int(time.time()) - 5, "LASTSAVE is recent")


def main():
    phase, ip, port, datadir, wd = sys.argv[1:6]
    n_workers = int(sys.argv[6]) if len(sys.argv) > 6 else 2
    port = int(port)
    r = redis.Redis(host=ip, port=port) if phase != "stock" else None
    if phase == "save":
        phase_save(r, datadir, wd)
        phase_lfu(r, datadir, wd)
    elif phase == "stock":
        phase_stock(wd)
    elif phase == "loaded":
        phase_loaded(r, wd)
    elif phase == "cpcrash":
        # a BGSAVE ran when the control plane was killed and restarted
        deadline = time.time() + 60
        while time.time() < deadline and r.info("persistence")["rdb_bgsave_in_progress"]:
            time.sleep(0.2)
        p = r.info("persistence")
        check(p["rdb_bgsave_in_progress"] == 0, "the orphaned snapshot ends: %r" % p)
        print("orphaned snapshot ended with status %s" % p["rdb_last_bgsave_status"])
        saves = p["rdb_saves"]
        check(r.bgsave() is True, "BGSAVE after the control plane restarted")
        p = wait_saved(r, saves)
        check(p["rdb_last_bgsave_status"] == "ok" and p["rdb_saves"] == saves + 1,
              "and it completes: %r" % p)
        check(not [f for f in os.listdir(datadir) if f.startswith("temp-")],
              "no temp file left: %r" % os.listdir(datadir))
        chk = subprocess.run(["redis-check-rdb", os.path.join(datadir, "dump.rdb")],
                             capture_output=True)
        check(chk.returncode == 0 and b"RDB looks OK" in chk.stdout, "the file is good")
    elif phase == "points":
        phase_points(r)
    elif phase == "shutdown":
        lru_before_shutdown(r, wd)
        r.config_set("save", "3600 1")
        # the appliance stops without closing connections (the port goes
        # away with it): no reply ever comes
        rs = redis.Redis(host=ip, port=port, socket_timeout=10)
        try:
            rs.execute_command("SHUTDOWN")
            check(False, "SHUTDOWN returned")
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            check(True, "SHUTDOWN gave no reply")
    elif phase == "reloaded":
        check(r.get("shutdown-key") == b"kept", "SHUTDOWN saved the last write")
        check(r.dbsize() > 100000, "and the rest: %d keys" % r.dbsize())
        lru_after_restart(r, datadir, wd)
    elif phase == "pit":
        phase_pit(r, ip, port, datadir, wd, n_workers)
    elif phase == "replies":
        phase_replies(r, wd)
    print("%d passed, %d failed" % (passed, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
