#!/usr/bin/python3
"""Issue #7 item 6, disk full: one server (Redwire or stock redis-server)
whose AOF directory is on a small file system nearly filled by FILLER.

  1. SET 8 KiB values until a write is refused with -MISCONF (or, Redwire,
     is held: no reply, because its record could not be written);
  2. while full: a read works, PING's and a SET's replies are recorded,
     INFO says aof_last_write_status:err;
  3. FILLER is deleted: writes succeed again by themselves (no restart),
     a held write is acknowledged now, INFO says ok again;
  4. prints one JSON line: the replies, the acknowledged keys (ACKLOG gets
     them one a line, to check after a restart).

usage: disk_full_check.py HOST PORT FILLER ACKLOG
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from resp_client import RawConn, encode  # noqa: E402

VALUE = b"v" * 8192
MAX_SETS = 600


def info_field(c, name):
    c.send(encode("INFO", "persistence"))
    body = c.read_reply().decode()
    for line in body.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def main():
    host, port, filler, acklog = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    out = {"acked": 0, "held": None, "misconf": None}
    acked = []
    c = RawConn(host, port)
    c.send(encode("SET", "probe", "before"))
    assert c.read_reply() == b"+OK\r\n"
    for i in range(MAX_SETS):
        key = "f%d" % i
        c.send(encode("SET", key, VALUE))
        c.sock.settimeout(1.5)
        try:
            r = c.read_reply()
        except (TimeoutError, OSError):
            out["held"] = key  # not acknowledged: its record is not written
            held = c
            c = RawConn(host, port)
            continue
        finally:
            c.sock.settimeout(5.0)
        if r == b"+OK\r\n":
            acked.append(key)
            continue
        out["misconf"] = r.decode()
        break
    out["acked"] = len(acked)
    if out["misconf"] is None:
        print(json.dumps(out))
        sys.exit("FAIL: no write was refused on a full disk")

    c.send(encode("GET", "probe"))
    out["get_during"] = c.read_reply().decode()
    c.send(encode("PING"))
    out["ping_during"] = c.read_reply().decode()
    c.send(encode("SET", "during", "x"))
    out["set_during"] = c.read_reply().decode()
    out["status_during"] = info_field(c, "aof_last_write_status")
    if out["held"] is not None:
        held.sock.settimeout(0.5)
        try:
            early = held.read_reply()
            out["held_reply_while_full"] = early.decode()
        except (TimeoutError, OSError):
            out["held_reply_while_full"] = None
        held.sock.settimeout(5.0)

    os.remove(filler)
    t0 = time.time()
    r = None
    while time.time() - t0 < 15:
        c.send(encode("SET", "after", "1"))
        r = c.read_reply()
        if r == b"+OK\r\n":
            break
        time.sleep(0.05)
    out["set_after"] = r.decode()
    out["recovery_s"] = round(time.time() - t0, 2)
    if out["held"] is not None:
        try:
            out["held_reply_after"] = held.read_reply().decode()
            acked.append(out["held"])
        except (TimeoutError, OSError) as e:
            out["held_reply_after"] = "no reply: %s" % e
    out["status_after"] = info_field(c, "aof_last_write_status")
    c.send(encode("EXISTS", *acked))
    out["acked_present"] = c.read_reply().decode().strip()
    with open(acklog, "w") as f:
        f.write("".join(k + "\n" for k in acked + ["after"]))
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
