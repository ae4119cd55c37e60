#!/usr/bin/python3
"""Write load for the crash trials (issue #7): every acknowledged write is
logged before the next one is sent, so after a crash the log holds only
writes the server acknowledged.

  crash_client.py HOST PORT LOG TRIAL    write until killed or disconnected
  crash_client.py HOST PORT verify LOG...
        check every logged write against the server; print counts; exit 1 on
        a lost acknowledged write
  crash_client.py HOST PORT verify-cut CUT WINDOW LOG...
        the same after a power cut at unix time CUT, where SETs acknowledged
        within WINDOW seconds before it may be lost (appendfsync everysec)

Log lines (appended, one os.write each):
  S key value t    SET acknowledged at unix time t: key must hold value (keys are unique)
  H key trial seq  SET of an overwritten key acknowledged: the key must hold
                   this write or a later one
  i                an INCR of "crash:ctr" is about to be sent
  I value          that INCR was acknowledged with value
The counter must end between the highest acknowledged value and the number
of INCRs ever sent: above it means a write was applied twice (a replayed
AOF loaded into a live dataset, or records appended again).
"""
import os
import sys
import time

import redis


def write(host, port, log, trial):
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    r = redis.Redis(host=host, port=port, socket_timeout=5, socket_connect_timeout=5)
    seq = 0
    try:
        while True:
            seq += 1
            key = "c:%s:%d" % (trial, seq)
            try:
                r.set(key, "v%d" % seq)
                os.write(fd, b"S %s v%d %.3f\n" % (key.encode(), seq, time.time()))
                if seq % 3 == 0:
                    hot = "hot:%d" % (seq % 17)
                    r.set(hot, "%s:%d" % (trial, seq))
                    os.write(fd, b"H %s %s %d\n" % (hot.encode(), trial.encode(), seq))
                if seq % 2 == 0:
                    os.write(fd, b"i\n")
                    v = r.incr("crash:ctr")
                    os.write(fd, b"I %d\n" % v)
            except redis.exceptions.ResponseError as e:
                # -MISCONF while the AOF cannot be written: refused, not acknowledged
                if "MISCONF" not in str(e):
                    raise
                time.sleep(0.01)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
        pass


def verify(host, port, logs, cut=None, window=0.0):
    """cut, window: a write acknowledged less than window seconds before the
    power cut at unix time cut may be lost (appendfsync everysec); the
    counter may then be below the highest acknowledged value."""
    r = redis.Redis(host=host, port=port, socket_timeout=30)
    when, allowed = {}, 0
    want, hot, sent, acked = {}, {}, 0, 0
    for log in logs:
        if not os.path.exists(log):
            continue
        with open(log, "rb") as f:
            for line in f:
                p = line.split()
                if not line.endswith(b"\n") or not p:
                    continue  # the client was killed mid-line: not logged
                if p[0] == b"S":
                    want[p[1]] = p[2]
                    when[p[1]] = float(p[3]) if len(p) > 3 else 0.0
                elif p[0] == b"H":
                    t, s = p[2].decode(), int(p[3])
                    if (t, s) > hot.get(p[1], ("", 0)):
                        hot[p[1]] = (t, s)
                elif p[0] == b"i":
                    sent += 1
                elif p[0] == b"I":
                    acked = max(acked, int(p[1]))
    lost = 0
    keys = list(want)
    for i in range(0, len(keys), 1000):
        chunk = keys[i:i + 1000]
        for k, v in zip(chunk, r.mget(chunk)):
            if v != want[k] and cut is not None and when[k] > cut - window:
                allowed += 1
            elif v != want[k]:
                lost += 1
                if lost <= 5:
                    print("LOST %s: want %s got %s" % (k.decode(), want[k].decode(), v))
    for k, (t, s) in hot.items():
        v = r.get(k)
        got = v.decode().rsplit(":", 1) if v else ["", "0"]
        if (got[0], int(got[1])) < (t, s) and cut is None:
            lost += 1
            print("LOST overwrite %s: acknowledged %s:%d, holds %s" % (k.decode(), t, s, v))
    ctr = int(r.get("crash:ctr") or 0)
    if cut is None and (ctr < acked or ctr > sent):  # one trial's log after a cut: not the total
        lost += 1
        print("COUNTER crash:ctr=%d outside [%d acknowledged, %d sent]" % (ctr, acked, sent))
    print("verified %d writes, %d overwrites, counter %d in [%d, %d]: %d lost%s" %
          (len(want), len(hot), ctr, acked, sent, lost,
           "" if cut is None else ", %d within the last %.2f s (allowed)" % (allowed, window)))
    return 1 if lost else 0


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    if sys.argv[3] == "verify":
        sys.exit(verify(host, port, sys.argv[4:]))
    if sys.argv[3] == "verify-cut":  # CUT_UNIX_TIME WINDOW_S LOG...
        sys.exit(verify(host, port, sys.argv[6:], float(sys.argv[4]), float(sys.argv[5])))
    write(host, port, sys.argv[3], sys.argv[4])


if __name__ == "__main__":
    main()
