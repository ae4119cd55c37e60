#!/usr/bin/python3
"""One cell of the TCP negotiation matrix (test_tcp_negotiation.sh), run in
the instance's namespace: a verified transfer of large values over one
connection while a packet socket on the kernel side of the tap records every
TCP header, then what the capture shows was negotiated and used:

  - the client's SYN offers exactly what its sysctls allow (TS, SACK, WS);
  - Redwire's SYN-ACK answers each option iff it was offered (RFC 7323 §1.3,
    RFC 2018 §2) with MSS = its MTU - 40;
  - Redwire's data segments carry timestamps iff agreed, and are full-sized:
    the largest payload is min(both MSSs) less 12 bytes of timestamps;
  - Redwire never sends past the window the client advertised, read with
    the client's shift iff window scaling was agreed, and with scaling it
    does use more than 64 KB (the in-flight peak is printed);
  - SACK blocks appear in the client's ACKs only if SACK was agreed (and,
    with --lossy while nftables drops packets, do appear when it was).

usage: negotiation_check.py HOST PORT --dp-mtu M --ts 0|1 --sack 0|1 --ws 0|1 [--sizes MB,MB]
                            [--lossy]
Prints one line "cell ... ok" with the figures, exits 1 with the reason.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

import redis

ETH_P_ALL = 0x0003
SO_RCVBUFFORCE = 33
SOL_PACKET, PACKET_STATISTICS = 263, 6


def parse_opts(b):
    out, i = {}, 0
    while i < len(b):
        k = b[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(b) or b[i + 1] < 2:
            break
        ln = b[i + 1]
        v = b[i + 2:i + ln]
        if k == 2 and ln == 4:
            out["mss"] = struct.unpack("!H", v)[0]
        elif k == 3 and ln == 3:
            out["ws"] = v[0]
        elif k == 4:
            out["sackok"] = True
        elif k == 5:
            out["sack"] = (ln - 2) // 8
        elif k == 8 and ln == 10:
            out["ts"] = struct.unpack("!II", v)
        i += ln
    return out


class Capture:
    """TCP headers on the tap, in the order the kernel side saw them."""

    def __init__(self, dev, port):
        self.port = port
        self.segs = []  # (from_dp, flags, seq, ack, win, payload_len, opts)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        # A header lost from the capture (a full socket buffer) would make the
        # window check wrong: a big buffer, and the kernel's drop count is checked.
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 256 << 20)
        self.sock.bind((dev, 0))
        self.sock.settimeout(0.1)
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            try:
                d = self.sock.recv(200)
            except socket.timeout:
                continue
            if len(d) < 54 or d[12:14] != b"\x08\x00" or d[23] != 6:
                continue
            ihl = (d[14] & 15) * 4
            tot = struct.unpack("!H", d[16:18])[0]
            t = 14 + ihl
            sport, dport, seq, ack, off, flags, win = struct.unpack("!HHIIBBH", d[t:t + 16])
            if self.port not in (sport, dport):
                continue
            hl = (off >> 4) * 4
            opts = parse_opts(d[t + 20:t + hl])
            self.segs.append((sport == self.port, flags, seq, ack, win, tot - ihl - hl, opts))

    def close(self):
        time.sleep(0.2)
        self.stop = True
        self.t.join()
        _, self.dropped = struct.unpack("II", self.sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
        self.sock.close()


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--dev", default="rw0")
    ap.add_argument("--dp-mtu", type=int, required=True)
    ap.add_argument("--ts", type=int, required=True)
    ap.add_argument("--sack", type=int, required=True)
    ap.add_argument("--ws", type=int, required=True)
    ap.add_argument("--sizes", default="1,8", help="value sizes in MB")
    ap.add_argument("--lossy", action="store_true",
                    help="loss is on: no in-flight peak check; SACK blocks iff SACK agreed")
    a = ap.parse_args()
    cap = Capture(a.dev, a.port)
    r = redis.Redis(host=a.host, port=a.port, socket_timeout=60)
    moved = 0
    t0 = time.monotonic()
    for n, mb in enumerate(int(x) for x in a.sizes.split(",")):
        v = os.urandom(mb << 20)
        key = "neg:%d" % n
        if r.set(key, v) is not True:
            fail("SET of %d MB" % mb)
        got = r.get(key)
        if got != v:
            fail("GET of %d MB came back different (%d bytes)" % (mb, len(got or b"")))
        r.delete(key)
        moved += 2 * len(v)
    secs = time.monotonic() - t0
    r.close()
    cap.close()
    segs = cap.segs
    if cap.dropped:
        fail("the capture lost %d packets: the checks below would be guesses" % cap.dropped)
    syn = [s for s in segs if not s[0] and s[1] & 0x02]
    synack = [s for s in segs if s[0] and s[1] & 0x12 == 0x12]
    # with --lossy nftables may drop the SYN-ACK (the capture still sees it):
    # Redwire sends it again, and the client may repeat its SYN; every copy
    # must carry the same options (timestamps' values aside)
    if a.lossy:
        kinds = {(tuple(sorted(s[6])), s[6].get("mss"), s[6].get("ws")) for s in synack}
        if not syn or len(kinds) != 1:
            fail("expected SYNs and identical SYN-ACKs, saw %d and %d" % (len(syn), len(synack)))
    elif len(syn) != 1 or len(synack) != 1:
        fail("expected one SYN and one SYN-ACK, saw %d and %d" % (len(syn), len(synack)))
    so, sao = syn[0][6], synack[0][6]
    offered = ("ts" in so, "sackok" in so, "ws" in so)
    if offered != (bool(a.ts), bool(a.sack), bool(a.ws)):
        fail("the client offered ts/sack/ws=%s, its sysctls say %s" % (
            offered, (a.ts, a.sack, a.ws)))
    answered = ("ts" in sao, "sackok" in sao, "ws" in sao)
    if answered != offered:
        fail("Redwire answered ts/sack/ws=%s to an offer of %s" % (answered, offered))
    if sao.get("mss") != a.dp_mtu - 40:
        fail("Redwire's MSS %s, expected %d" % (sao.get("mss"), a.dp_mtu - 40))
    seg_max = min(so["mss"], sao["mss"]) - (12 if a.ts else 0)
    data = [s for s in segs if s[0] and s[5] > 0]
    biggest = max(s[5] for s in data)
    if biggest != seg_max:
        fail("Redwire's largest segment carried %d bytes, expected %d" % (biggest, seg_max))
    bad_ts = [s for s in segs if s[0] and ("ts" in s[6]) != bool(a.ts)]
    if bad_ts:
        fail("%d Redwire segments with timestamps %s" % (len(bad_ts), "missing" if a.ts else "sent"))
    cshift = so.get("ws", 0) if a.ws else 0
    # The right edge is the furthest ACK + window the client ever offered
    # (scaling rounds a window down, so a later edge may sit a little left
    # of an earlier one, which the sender may still use: RFC 9293 §3.8.6).
    last_ack = edge = None
    peak = over = sacks = 0
    first = ""
    for from_dp, flags, seq, ack, win, ln, opts in segs:
        if flags & 0x02:
            continue
        if not from_dp:
            if flags & 0x10:
                last_ack = ack
                e = (ack + (win << cshift)) & 0xffffffff
                if edge is None or 0 < ((e - edge) & 0xffffffff) < 1 << 31:
                    edge = e
            sacks += 1 if "sack" in opts else 0
        elif ln > 0 and last_ack is not None:
            flight = (seq + ln - last_ack) & 0xffffffff
            if flight < 1 << 31:
                peak = max(peak, flight)
            beyond = (seq + ln - edge) & 0xffffffff
            if 1 < beyond < 1 << 31:  # a 1-byte zero-window probe is allowed
                if over == 0:
                    first = "first: seq %d len %d is %d bytes past the edge (ack %d)" % (
                        seq, ln, beyond, last_ack)
                over += 1
    if over:
        fail("%d Redwire segments beyond the client's advertised window; %s" % (over, first))
    if a.lossy and a.sack and not sacks:
        fail("SACK agreed and packets lost, but the client never sent a SACK block")
    if a.ws and peak <= 65535 and not a.lossy:
        fail("window scaling agreed but at most %d bytes were ever in flight" % peak)
    if not a.ws and peak > 65535:
        fail("no window scaling, yet %d bytes in flight" % peak)
    if sacks and not a.sack:
        fail("the client sent %d SACK blocks without SACK agreed" % sacks)
    print("cell mtu=%d ts=%d sack=%d ws=%d ok: %d segments, largest %d B, in-flight peak %d B, "
          "client SACKs %d, %.1f MB/s" % (a.dp_mtu, a.ts, a.sack, a.ws, len(segs), biggest, peak,
                                         sacks, moved / secs / 1e6))


if __name__ == "__main__":
    main()
