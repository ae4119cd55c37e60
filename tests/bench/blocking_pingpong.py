"""BLPOP/LPUSH ping-pong: PAIRS pairs of connections; in each, one client
blocks in BLPOP and the other's LPUSH wakes it, ROUNDS times. All pairs
run interleaved from one thread (non-blocking sockets would add nothing:
every round waits for its wake-up). Prints wake-ups per second.

usage: blocking_pingpong.py HOST:PORT ROUNDS PAIRS
"""
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 3)[0] + "/tests/integration")
from resp_client import RawConn, encode  # noqa: E402


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    rounds, pairs = int(sys.argv[2]), int(sys.argv[3])
    conns = [(RawConn(host, int(port)), RawConn(host, int(port))) for _ in range(pairs)]
    keys = ["pp:%d" % i for i in range(pairs)]
    t0 = time.perf_counter()
    for _ in range(rounds):
        for (a, _), k in zip(conns, keys):
            a.send(encode("BLPOP", k, "0"))
        for (_, b), k in zip(conns, keys):
            b.send(encode("LPUSH", k, "v"))
        for a, b in conns:
            b.read_reply()
            a.read_reply()
    dt = time.perf_counter() - t0
    print("%.0f" % (rounds * pairs / dt))


if __name__ == "__main__":
    main()
