#!/usr/bin/env bash
# redis-cli's --pipe, --bigkeys, --stat and --latency modes against Redwire
# (issue #4 item 4), each next to stock redis-server 7.0.15 given the same
# data: --pipe's report and the resulting keys, --bigkeys' summary, --stat's
# header and the shape of its rows (requests rising), --latency's
# "min max avg samples" line. Two workers, ASan build.
IT_NAME=rwtcli IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
it_cli flushall >/dev/null # a data dir kept from an earlier run must not count
RW="-h $IT_IP -p $IT_PORT" ST="-h 127.0.0.1 -p $IT_ORACLE_PORT"
TMPD=$(mktemp -d /tmp/rwcli.XXXXXX)
trap 'rc=$?; set +e; rm -rf "$TMPD"; (exit $rc); it_cleanup' EXIT

# --pipe: 3000 SETs and a few collections, as RESP, through redis-cli --pipe
"$IT_PY" - >"$TMPD/in.resp" <<'PY'
import sys
def enc(*a):
    return b"*%d\r\n" % len(a) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in (s.encode() for s in a))
out = b"".join(enc("SET", "cli:s:%d" % i, "v" * (i % 50)) for i in range(3000))
out += enc("RPUSH", "cli:list", *[str(i) for i in range(300)])
out += enc("HSET", "cli:hash", *sum([["f%d" % i, str(i)] for i in range(40)], []))
out += enc("SADD", "cli:set", *[str(i) for i in range(70)])
out += enc("ZADD", "cli:zset", *sum([[str(i), "m%d" % i] for i in range(90)], []))
out += enc("SET", "cli:big", "x" * 5000)
sys.stdout.buffer.write(out)
PY
for s in RW ST; do
	# shellcheck disable=SC2086
	it_ns redis-cli ${!s} --pipe <"$TMPD/in.resp" >"$TMPD/pipe.$s" 2>&1
	# shellcheck disable=SC2086
	it_ns redis-cli ${!s} dbsize >>"$TMPD/pipe.$s"
done
cat "$TMPD/pipe.RW"
cmp "$TMPD/pipe.RW" "$TMPD/pipe.ST" || it_fail "--pipe differs from stock's: $(diff "$TMPD/pipe.RW" "$TMPD/pipe.ST")"

# --bigkeys: the summary (the "so far" lines come in SCAN order)
for s in RW ST; do
	# shellcheck disable=SC2086
	it_ns redis-cli ${!s} --bigkeys | sed -n '/-------- summary -------/,$p' >"$TMPD/big.$s"
done
cat "$TMPD/big.RW"
grep -q "Sampled 3005 keys" "$TMPD/big.RW" || it_fail "--bigkeys did not sample every key"
cmp "$TMPD/big.RW" "$TMPD/big.ST" || it_fail "--bigkeys summary differs: $(diff "$TMPD/big.RW" "$TMPD/big.ST")"

# --stat: needs a terminal to print as it goes
for s in RW ST; do
	timeout 2 ip netns exec "$IT_NAME" script -qfc "redis-cli ${!s} --stat -i 0.2" /dev/null \
		>"$TMPD/stat.$s" 2>&1 || true
done
tr -d '\r' <"$TMPD/stat.RW" | head -4
"$IT_PY" - "$TMPD/stat.RW" "$TMPD/stat.ST" <<'PY'
import re, sys
def rows(p):
    lines = open(p, "rb").read().decode().replace("\r", "").split("\n")
    return lines[:2], [l for l in lines[2:] if l[:1].isdigit()]  # not script(1)'s own words
(hr, rr), (hs, rs) = rows(sys.argv[1]), rows(sys.argv[2])
assert hr == hs, (hr, hs)
row = re.compile(r"^(\d+)\s+([\d.]+[KMG]?)\s+(\d+)\s+(\d+)\s+(\d+) \(\+(\d+)\)\s+(\d+)\s*$")
for r in (rr, rs):
    m = [row.match(x) for x in r]
    assert len(m) >= 3 and all(m), r
reqs = [int(x.group(5)) for x in (row.match(l) for l in rr)]
assert reqs == sorted(reqs) and reqs[-1] > reqs[0], reqs
assert all(int(row.match(l).group(1)) == 3005 for l in rr), rr
print("--stat rows ok:", len(rr))
PY

# --latency: one "min max avg samples" line when stdout is not a terminal
for s in RW ST; do
	# shellcheck disable=SC2086
	timeout 2 ip netns exec "$IT_NAME" redis-cli ${!s} --latency >"$TMPD/lat.$s" 2>&1 || true
done
cat "$TMPD/lat.RW"; echo
grep -Eq '^[0-9]+ [0-9]+ [0-9]+\.[0-9]{2} [0-9]{2,}$' "$TMPD/lat.RW" || it_fail "--latency output: $(cat "$TMPD/lat.RW")"
grep -Eq '^[0-9]+ [0-9]+ [0-9]+\.[0-9]{2} [0-9]{2,}$' "$TMPD/lat.ST" || it_fail "stock --latency output: $(cat "$TMPD/lat.ST")"
it_log "redis-cli modes ok"
