#!/usr/bin/python3
"""Cross-worker atomicity under concurrency (issue #4 item 6).

Keys tagged {tA} live on worker 0 and {tB} on worker 1 (CRC16 slots 7288 and
11291 of 16384, two workers), so every command below spans both workers.

  pairs:     writers MSET {tA}p and {tB}p to the same fresh value; readers
             MGET both and must never see two different values (a torn pair);
  transfer:  writers move random amounts between {tA}bal and {tB}bal with
             MULTI INCRBY -x / INCRBY +x EXEC; readers check the sum with MGET
             and with MULTI GET GET EXEC: it never leaves 2 * START;
  msetnx:    racers MSETNX the same two fresh keys with their own value: exactly
             one wins per round and both keys hold the winner's value;
  watch:     optimistic increments with WATCH/MULTI/EXEC retried on nil: the
             counter ends at exactly the number of successful EXECs;
  flush:     in DB 12, writers run MULTI FLUSHDB MSET {tA}f v {tB}f v COPY
             {tA}f {tB}c EXEC (a stepped EXEC: a whole-keyspace command and
             a cross-worker COPY); readers must always see the three keys
             equal and set (MGET, MULTI GET GET GET EXEC), DBSIZE 3,
             RANDOMKEY one of them, a SCAN walk all three: never the
             half-flushed or half-written keyspace.

Bounded: a fixed number of operations per thread. Exit status 0 when every
check held; prints what was counted.

usage: tx_atomic_check.py HOST PORT [ROUNDS]
"""
import random
import sys
import threading
import time

import redis

HOST, PORT = sys.argv[1], int(sys.argv[2])
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 400
START = 100000
errors = []
counts = {"mget": 0, "sum_checks": 0, "transfers": 0, "msetnx_rounds": 0, "watch_ok": 0,
          "watch_retries": 0, "flush_execs": 0, "flush_reads": 0}
lock = threading.Lock()


def conn(db=0):
    return redis.Redis(host=HOST, port=PORT, db=db, socket_timeout=20)


def fail(msg):
    with lock:
        if len(errors) < 20:
            errors.append(msg)


def count(name, n=1):
    with lock:
        counts[name] += n


def pair_writer(wid):
    r = conn()
    for i in range(ROUNDS):
        v = "%d-%d" % (wid, i)
        r.mset({"{tA}p": v, "{tB}p": v})


def pair_reader(stop):
    r = conn()
    n = 0
    while not stop.is_set() and n < ROUNDS * 20:
        a, b = r.mget("{tA}p", "{tB}p")
        if a != b:
            fail("torn MGET: %r %r" % (a, b))
        n += 1
    count("mget", n)


def transfer_writer(seed):
    rnd = random.Random(seed)
    r = conn()
    for _ in range(ROUNDS):
        x = rnd.randint(-50, 50)
        p = r.pipeline(transaction=True)
        p.incrby("{tA}bal", -x)
        p.incrby("{tB}bal", x)
        p.execute()
        count("transfers")


def transfer_reader(stop):
    r = conn()
    n = 0
    while not stop.is_set() and n < ROUNDS * 20:
        a, b = r.mget("{tA}bal", "{tB}bal")
        if int(a) + int(b) != 2 * START:
            fail("MGET sum %s + %s != %d" % (a, b, 2 * START))
        p = r.pipeline(transaction=True)
        p.get("{tA}bal")
        p.get("{tB}bal")
        a, b = p.execute()
        if int(a) + int(b) != 2 * START:
            fail("EXEC sum %s + %s != %d" % (a, b, 2 * START))
        n += 1
    count("sum_checks", n)


def msetnx_racer(wid, barrier, won):
    r = conn()
    for i in range(ROUNDS // 4):
        barrier.wait()
        if r.msetnx({"{tA}nx%d" % i: str(wid), "{tB}nx%d" % i: str(wid)}):
            with lock:
                won.setdefault(i, []).append(wid)


def watch_incr(n_ok):
    r = conn()
    done = 0
    tries = 0
    while done < ROUNDS // 4 and tries < ROUNDS * 50:
        tries += 1
        with r.pipeline(transaction=True) as p:
            try:
                p.watch("{tA}w", "{tB}w")
                a = int(p.get("{tA}w") or 0)
                p.multi()
                p.set("{tA}w", a + 1)
                p.incr("{tB}w")
                p.execute()
                done += 1
            except redis.WatchError:
                count("watch_retries")
    n_ok.append(done)


FLUSH_KEYS = ("{tA}f", "{tB}f", "{tB}c")


def flush_writer(wid):
    r = conn(12)
    for i in range(ROUNDS // 8):
        p = r.pipeline(transaction=True)
        p.flushdb()
        v = "%d-%d" % (wid, i)
        p.mset({"{tA}f": v, "{tB}f": v})
        p.copy("{tA}f", "{tB}c")
        res = p.execute(raise_on_error=False)
        if res != [True, True, True]:
            fail("stepped EXEC replied %r" % (res,))
            return
        count("flush_execs")


def flush_reader(stop):
    r = conn(12)
    n = 0
    while not stop.is_set() and n < ROUNDS * 20:
        vals = r.mget(*FLUSH_KEYS)
        if vals[0] is None or vals.count(vals[0]) != 3:
            fail("MGET during FLUSHDB+MSET+COPY EXECs: %r" % (vals,))
        p = r.pipeline(transaction=True)
        for k in FLUSH_KEYS:
            p.get(k)
        vals = p.execute()
        if vals[0] is None or vals.count(vals[0]) != 3:
            fail("EXEC GETs during FLUSHDB+MSET+COPY EXECs: %r" % (vals,))
        size = r.dbsize()
        if size != 3:
            fail("DBSIZE %d during FLUSHDB+MSET+COPY EXECs" % size)
        k = r.randomkey()
        if k is None or k.decode() not in FLUSH_KEYS:
            fail("RANDOMKEY %r during FLUSHDB+MSET+COPY EXECs" % (k,))
        seen, cursor = set(), 0
        while True:
            cursor, keys = r.scan(cursor=cursor, count=100)
            seen.update(x.decode() for x in keys)
            if cursor == 0:
                break
        if seen != set(FLUSH_KEYS):
            fail("a SCAN walk during FLUSHDB+MSET+COPY EXECs saw %r" % sorted(seen))
        n += 1
    count("flush_reads", n)


def run(threads):
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        if t.is_alive():
            fail("a thread did not finish in time")


def main():
    r = conn()
    r.delete("{tA}p", "{tB}p", "{tA}w", "{tB}w")
    r.mset({"{tA}bal": START, "{tB}bal": START})
    for i in range(ROUNDS // 4):
        r.delete("{tA}nx%d" % i, "{tB}nx%d" % i)

    stop = threading.Event()
    readers = [threading.Thread(target=pair_reader, args=(stop,)) for _ in range(2)]
    readers += [threading.Thread(target=transfer_reader, args=(stop,)) for _ in range(2)]
    for t in readers:
        t.start()
    run([threading.Thread(target=pair_writer, args=(w,)) for w in range(4)] +
        [threading.Thread(target=transfer_writer, args=(s,)) for s in range(4)])
    stop.set()
    for t in readers:
        t.join(120)
    a, b = r.mget("{tA}bal", "{tB}bal")
    if int(a) + int(b) != 2 * START:
        fail("final sum %s + %s" % (a, b))

    won = {}
    barrier = threading.Barrier(4)
    run([threading.Thread(target=msetnx_racer, args=(w, barrier, won)) for w in range(4)])
    for i in range(ROUNDS // 4):
        winners = won.get(i, [])
        va, vb = r.mget("{tA}nx%d" % i, "{tB}nx%d" % i)
        if len(winners) != 1 or va != vb or va is None or int(va) != winners[0]:
            fail("msetnx round %d: winners %r values %r %r" % (i, winners, va, vb))
    count("msetnx_rounds", ROUNDS // 4)

    n_ok = []
    run([threading.Thread(target=watch_incr, args=(n_ok,)) for _ in range(4)])
    a, b = r.mget("{tA}w", "{tB}w")
    total = sum(n_ok)
    count("watch_ok", total)
    if int(a or 0) != total or int(b or 0) != total:
        fail("watch counters %s %s after %d successful EXECs" % (a, b, total))

    t0 = time.time()
    r12 = conn(12)
    r12.flushdb()
    r12.mset({k: "start" for k in FLUSH_KEYS})
    stop = threading.Event()
    readers = [threading.Thread(target=flush_reader, args=(stop,)) for _ in range(3)]
    for t in readers:
        t.start()
    run([threading.Thread(target=flush_writer, args=(w,)) for w in range(2)])
    stop.set()
    for t in readers:
        t.join(120)
    r12.flushdb()
    print("flush phase: %.1f s" % (time.time() - t0))

    print("counted:", " ".join("%s=%d" % kv for kv in sorted(counts.items())))
    for e in errors:
        print("FAIL:", e)
    if counts["mget"] == 0 or counts["sum_checks"] == 0 or counts["watch_retries"] == 0 or \
            counts["flush_reads"] == 0:
        print("FAIL: a check never ran or WATCH never conflicted (no concurrency?)")
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
