#!/usr/bin/python3
"""Hard cases for the dataplane's TCP, with the kernel's TCP as the peer
(issue #3). Run inside the instance's namespace. Every mode is bounded.

  tcp_hard.py churn HOST PORT CYCLES THREADS [SOURCES SEED]
      CYCLES connect / SET / GET / QUIT (the server closes first, so the
      TIME_WAIT is Redwire's) over THREADS threads; every reply verified;
      from the comma-separated SOURCES addresses in turn, values drawn
      from SEED (printed).
  tcp_hard.py legit HOST PORT SECONDS
      a normal client: connect / SET / GET / close in a loop for SECONDS;
      prints "legit ok=N failed=M".
  tcp_hard.py flood HOST PORT COUNT NET24
      COUNT SYNs from spoofed sources NET24.10-NET24.249 (the instance's own
      /24 inside 198.18.0.0/15), random ports, with scapy.
  tcp_hard.py slow HOST PORT VALUE_BYTES HELD_GETS OVER_GETS
      a client that stops reading: HELD_GETS replies wait in a zero window
      (then are read back and verified: persist and window reopening work),
      then OVER_GETS more, past the output limit: the server must reset it.
      Meanwhile another client must keep getting answers within 1 s.
"""
import os
import random
import socket
import sys
import threading
import time


def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(min(1 << 20, n - len(buf)))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def one_cycle(host, port, i, quit_first, src=None, val=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        if src is not None:
            s.bind((src, 0))
        s.connect((host, port))
        key, val = "churn:%d" % (i % 997), val or "v%d" % i
        s.sendall(cmd("SET", key, val) + cmd("GET", key))
        want = b"+OK\r\n" + b"$%d\r\n%s\r\n" % (len(val), val.encode())
        got = read_exact(s, len(want))
        if got != want:
            raise ValueError("cycle %d: got %r" % (i, got))
        if quit_first:
            s.sendall(cmd("QUIT"))
            if read_exact(s, 5) != b"+OK\r\n":
                raise ValueError("QUIT")
            s.settimeout(10)
            if s.recv(1) != b"":  # the server's FIN
                raise ValueError("data after QUIT")
    finally:
        s.close()


def churn(host, port, cycles, threads, sources=None, seed=None):
    errors = []
    lock = threading.Lock()
    per = cycles // threads
    if seed is not None:
        print("churn seed=%d" % seed, flush=True)

    def run(t):
        rng = random.Random(seed * 1000 + t) if seed is not None else None
        for k in range(per):
            i = t * per + k
            src = sources[i % len(sources)] if sources else None
            val = "v%d-%x" % (i, rng.getrandbits(64)) if rng else None
            try:
                one_cycle(host, port, i, True, src, val)
            except Exception as e:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(repr(e))

    ts = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    t0 = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("churn cycles=%d errors=%d seconds=%.1f" % (per * threads, len(errors), time.time() - t0))
    for e in errors[:5]:
        print("  ", e)
    return 1 if errors else 0


def legit(host, port, seconds):
    ok = failed = 0
    end = time.time() + seconds
    i = 0
    while time.time() < end:
        try:
            one_cycle(host, port, i, False)
            ok += 1
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("legit failure:", repr(e))
        i += 1
    print("legit ok=%d failed=%d" % (ok, failed))
    return 0


def flood(host, port, count, net24):
    from scapy.all import IP, TCP, conf, send  # noqa: PLC0415 - only this mode needs scapy
    conf.verb = 0
    rng = random.Random(0x5eed)
    pkts = [IP(src="%s.%d" % (net24, 10 + rng.randrange(240)), dst=host) /
            TCP(sport=rng.randrange(1024, 65535), dport=port, flags="S",
                seq=rng.randrange(1 << 32), window=65535, options=[("MSS", 1460)])
            for _ in range(count)]
    mark = os.environ.get("RW_FLOOD_MARK")
    if mark:  # the caller starts its normal client once the SYNs go out
        open(mark, "w").close()
    t0 = time.time()
    send(pkts, inter=0)
    print("flood sent=%d seconds=%.1f" % (count, time.time() - t0))
    return 0


def slow(host, port, value_bytes, held, over):
    val = os.urandom(value_bytes)
    setup = socket.create_connection((host, port), timeout=10)
    setup.sendall(cmd("SET", "slow:v", val))
    assert read_exact(setup, 5) == b"+OK\r\n"
    setup.close()
    reply = b"$%d\r\n" % value_bytes + val + b"\r\n"

    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window closes fast
    s.settimeout(30)
    s.connect((host, port))
    s.sendall(cmd("GET", "slow:v") * held)

    # Phase 1: nobody reads; the others must be served meanwhile.
    worst = 0.0
    other = socket.create_connection((host, port), timeout=5)
    for i in range(40):
        t0 = time.time()
        other.sendall(cmd("SET", "o:%d" % i, "x") + cmd("GET", "o:%d" % i))
        if read_exact(other, 5 + 7) != b"+OK\r\n$1\r\nx\r\n":
            print("FAIL: another client got a wrong reply")
            return 1
        worst = max(worst, time.time() - t0)
        time.sleep(0.1)
    print("other client: 40 round trips while the reader stalled, worst %.3f s" % worst)
    if worst > 1.0:
        print("FAIL: the stalled reader slowed others down")
        return 1
    # The stalled replies arrive whole once the reader reads again.
    got = read_exact(s, len(reply) * held)
    if got != reply * held:
        print("FAIL: held replies came back wrong")
        return 1
    print("held replies: %d x %d bytes read back intact" % (held, value_bytes))

    # Phase 2: far more than the output limit piles up: the server resets.
    s.sendall(cmd("GET", "slow:v") * over)
    time.sleep(2)
    try:
        n = 0
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            n += len(chunk)
            if n > len(reply) * over:
                print("FAIL: more bytes than asked for")
                return 1
    except ConnectionResetError:
        print("reset by the server after %d bytes of %d" % (n, len(reply) * over))
        return 0
    except socket.timeout:
        print("FAIL: no reset: the connection still waits")
        return 1
    print("FAIL: connection closed without a reset after %d bytes" % n)
    return 1


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    a = sys.argv[4:]
    if mode == "churn":
        return churn(host, port, int(a[0]), int(a[1]), a[2].split(",") if len(a) > 2 else None,
                     int(a[3]) if len(a) > 3 else None)
    if mode == "legit":
        return legit(host, port, float(a[0]))
    if mode == "flood":
        return flood(host, port, int(a[0]), a[1])
    if mode == "slow":
        return slow(host, port, int(a[0]), int(a[1]), int(a[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
