#!/usr/bin/python3
"""Client memory counts toward key eviction, as in Redis 7.0.

In 7.0 used_memory includes the clients' buffers, and the eviction trigger
is used_memory less mem_not_counted_for_evict (replica output buffers and
the AOF buffer only, evict.c getMaxmemoryState()). So under allkeys-lru
with little headroom, one client holding megabytes makes keys go.

Against one server, twice (a client that does not read 16 MB of replies;
a client whose query buffer holds 6 MB of a half-sent SET): fill keys to
budget - 4 MB, check nothing was evicted, let the client grow past 4 MB,
then write until the server evicts (bounded). Both servers must evict, but
not every key, keep serving writes and end within the budget. The amounts
differ by nature and are only printed: redis-server's kernel socket takes
megabytes of the unread replies, which it does not count, where Redwire's
own TCP stack holds them all, and its buffers grow by doubling. Prints one fact a line, so the caller
diffs the output for Redwire with stock redis-server's; lines starting
with "fig:" carry figures (they differ by nature, the caller prints them).

usage: client_mem_evict_check.py HOST PORT
"""
import socket
import sys
import time

import redis

HOST, PORT = sys.argv[1], int(sys.argv[2])
MB = 1 << 20
HEADROOM = 4 * MB
BUDGET = 24 * MB  # above the empty server's used_memory
BIG = 100000  # bytes of the value the unread replies repeat
VAL = b"v" * 10000


def raw_conn():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # a small receive buffer: unread replies pile up in the server
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((HOST, PORT))
    s.settimeout(10)
    return s


def mem(r):
    m = r.info("memory")
    return (int(m["used_memory"]), int(m["mem_clients_normal"]),
            int(m["mem_not_counted_for_evict"]))


def evicted(r):
    return int(r.info("stats")["evicted_keys"])


def guard_waste(r):
    """Redwire's RSS guard counts allocator waste it could not return
    toward maxmemory (INFO memory redwire_rss_guard_waste; stock: none)."""
    return int(r.info("memory").get("redwire_rss_guard_waste", 0))


def fill(r, budget):
    """10 kB values until used_memory reaches budget - HEADROOM (less what
    Redwire's RSS guard counts: the headroom must stay HEADROOM)."""
    n = 0
    while mem(r)[0] < budget - HEADROOM - guard_waste(r) and n < 100000:
        p = r.pipeline(transaction=False)
        for _ in range(100):
            p.set("cme:%d" % n, VAL)
            n += 1
        p.execute()
    return n


def settle(r, least, timeout=10.0):
    """Wait until the clients hold at least @p least bytes and stop growing."""
    end, last = time.time() + timeout, -1
    while time.time() < end:
        c = mem(r)[1]
        if c >= least and c == last:
            return c
        last = c
        time.sleep(0.2)
    return mem(r)[1]


def write_until_evicted(r, budget, tries=100):
    """Writes, as another client would send them, until keys were evicted
    and the total is back within the budget (+5%: Redwire's figures of
    other workers and of clients are up to a tick and a scan old)."""
    ok = True
    for i in range(tries):
        try:
            r.set("cme:w:%d" % i, VAL)
        except redis.ResponseError as e:
            ok = False
            print("fig: write refused: %s" % e)
            break
        used, _, not_counted = mem(r)
        if evicted(r) > 0 and used - not_counted <= budget * 105 // 100:
            break
        time.sleep(0.05)
    return ok


def scenario(r, name, grow):
    r.flushall()
    r.config_set("maxmemory", 0)
    r.config_resetstat()
    base = mem(r)[0]
    budget = base + BUDGET
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory", budget)
    keys = fill(r, budget)
    print("%s: evicted while filling: %d" % (name, evicted(r)))
    hold = grow(r)
    clients = settle(r, 4 * MB)
    # a figure, not a fact to compare: how much of the unread replies
    # redis-server's kernel socket takes varies with its buffer autotuning
    print("fig: %s: clients hold %d before the writes" % (name, clients))
    served = write_until_evicted(r, budget)
    used, clients, not_counted = mem(r)
    ev = evicted(r)
    print("%s: writes served: %s" % (name, served))
    print("%s: keys evicted: %s" % (name, ev > 0))
    print("%s: not all keys evicted: %s" % (name, r.dbsize() > 0))
    print("%s: used_memory - mem_not_counted_for_evict within maxmemory + 5%%: %s"
          % (name, used - not_counted <= budget * 105 // 100))
    print("fig: %s: maxmemory %d (base %d), keys %d, clients %d, used_memory %d (%.1f%%), "
          "evicted_keys %d" % (name, budget, base, keys, clients, used, 100.0 * used / budget, ev))
    hold.close()
    end = time.time() + 10
    while mem(r)[1] > 2 * MB and time.time() < end:  # the buffers go with the client
        time.sleep(0.1)


def unread_replies(r):
    r.set("cme:big", b"x" * BIG)
    s = raw_conn()
    s.sendall(b"*2\r\n$3\r\nGET\r\n$7\r\ncme:big\r\n" * 160)  # 16 MB, not read
    return s


def half_sent_query(r):
    s = raw_conn()
    s.sendall(b"*3\r\n$3\r\nSET\r\n$5\r\ncme:q\r\n$6000000\r\n")
    for _ in range(59):  # 5.9 MB of the 6 MB argument
        s.sendall(b"y" * 100000)
    return s


def main():
    r = redis.Redis(host=HOST, port=PORT, socket_timeout=30)
    r.config_set("maxmemory-clients", 0)
    scenario(r, "unread replies", unread_replies)
    scenario(r, "query buffer", half_sent_query)
    r.config_set("maxmemory", 0)
    r.flushall()


if __name__ == "__main__":
    main()
