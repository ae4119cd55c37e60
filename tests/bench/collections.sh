#!/usr/bin/env bash
# Collections (issue #5): redis-benchmark's LPUSH, LPOP, SADD, HSET, ZADD, LRANGE_100
# and a ZRANGE of 10 elements with scores from a 1000-element sorted set,
# against Redwire (its net_tap port) and against stock redis-server behind a
# veth pair in a namespace of its own, as tests/bench/compare.sh sets them
# up: one core each (server on CPU 0, client on CPU 1), pipelining 1 and
# 16, median of RUNS runs. Prints requests/s of each and their ratio.
# Then bytes per element of a 1M-element list, hash, set and sorted set: INFO's
# used_memory before and after filling each (Redwire counts its store's
# footprint, redis-server its allocator's), and of the same list under
# list-compress-depth 1 (clist: both hold the interior nodes LZF-compressed).
# Then list reads and writes with list-compress-depth 0 and 1 (CLIST_ELEMENTS
# elements, default 200000, pipelining 1 and 16): LPUSH onto a list of that depth,
# LRANGE of the first 100, LINDEX of the middle element (a compressed node
# at depth 1), requests/s of each server and their ratio.
# Not part of the pass/fail suite.
#   RUNS=3 REQUESTS=100000 CLIENTS=50 ELEMENTS=1000000 tests/bench/collections.sh
#   MEMORY_ONLY=1 tests/bench/collections.sh   (bytes per element only)
#   CLIST_ONLY=1 ELEMENTS=200000 tests/bench/collections.sh   (clist and depth 0/1 only)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-3} REQUESTS=${REQUESTS:-100000} CLIENTS=${CLIENTS:-50}
ELEMENTS=${ELEMENTS:-1000000} MEMORY_ONLY=${MEMORY_ONLY:-0} CLIST_ONLY=${CLIST_ONLY:-0}
CLIST_ELEMENTS=${CLIST_ELEMENTS:-200000}
NAME=rwbcoll${RW_IT_SUFFIX:-} SRV_NS=rwbcsrv${RW_IT_SUFFIX:-} CLI_NS=rwbccli${RW_IT_SUFFIX:-}
SRV_IP=198.19.251.2 CLI_IP=198.19.251.1
conf=$(mktemp /tmp/redwire-bench.XXXXXX.conf)
fill_file=$(mktemp /tmp/redwire-bench-fill.XXXXXX)
srv_pid=""

cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	"$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
	ip netns del "$SRV_NS" 2>/dev/null || true
	ip netns del "$CLI_NS" 2>/dev/null || true
	rm -f "$conf" "$fill_file" "$fill_file".{list,hash,set,zset,clist,d0,d1}
}
trap cleanup EXIT

cat "$ROOT/platform/config/redwire.conf" >"$conf"
printf 'redwire-workers 1\nredwire-cores 0\nredwire-idle-backoff no\n' >>"$conf"
"$ROOT/redwire" up --name "$NAME" --config "$conf" >/dev/null
RW_IP=$(sed 's/.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$NAME/args")

ip netns add "$SRV_NS"; ip netns add "$CLI_NS"
ip link add rwbcv0 netns "$CLI_NS" type veth peer name rwbcv1 netns "$SRV_NS"
ip -n "$CLI_NS" addr add "$CLI_IP/24" dev rwbcv0; ip -n "$CLI_NS" link set rwbcv0 up
ip -n "$SRV_NS" addr add "$SRV_IP/24" dev rwbcv1; ip -n "$SRV_NS" link set rwbcv1 up
ip -n "$SRV_NS" link set lo up
ip netns exec "$SRV_NS" taskset -c 0 redis-server --bind "$SRV_IP" --port 6379 --save '' \
	--appendonly no --protected-mode no --daemonize no >/tmp/redwire-bench-coll.log 2>&1 &
srv_pid=$!
for _ in $(seq 50); do
	[ "$(ip netns exec "$CLI_NS" redis-cli -h "$SRV_IP" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done

# The sorted set ZRANGE reads: 1000 members on both servers.
fill() { # NS HOST
	local args=()
	for i in $(seq 1000); do args+=("$i" "member:$i"); done
	ip netns exec "$1" redis-cli -h "$2" del bench:z >/dev/null
	ip netns exec "$1" redis-cli -h "$2" zadd bench:z "${args[@]}" >/dev/null
}
fill "$NAME" "$RW_IP"
fill "$CLI_NS" "$SRV_IP"

# rps NS HOST PIPELINE TEST -> median requests/s over RUNS runs
rps() {
	local ns=$1 host=$2 p=$3 t=$4 vals=() cmd=()
	case $t in
	zrange) cmd=(zrange bench:z 100 109 withscores) ;;
	lpush_d*) cmd=(lpush "bench:lp:${t#lpush_d}" element:__rand_int__) ;;
	lrange_d*) cmd=(lrange "bench:cl:${t#lrange_d}" 0 99) ;;
	lindex_d*) cmd=(lindex "bench:cl:${t#lindex_d}" $((CLIST_ELEMENTS / 2))) ;;
	*) cmd=(-t "$t") ;;
	esac
	for _ in $(seq "$RUNS"); do
		vals+=("$(ip netns exec "$ns" taskset -c 1 redis-benchmark -h "$host" -p 6379 \
			-c "$CLIENTS" -n "$REQUESTS" -P "$p" --csv "${cmd[@]}" 2>/dev/null |
			awk -F'"' 'NF > 4 {v = $4} END {print v}')")
	done
	printf '%s\n' "${vals[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# side_by_side P TEST: one row, both servers' medians and their ratio
side_by_side() {
	local a b
	a=$(rps "$NAME" "$RW_IP" "$1" "$2")
	b=$(rps "$CLI_NS" "$SRV_IP" "$1" "$2")
	printf '%-10s %-4s %14s %14s %8s\n' "$2" "$1" "$a" "$b" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
}

[ "$MEMORY_ONLY" = 1 ] || [ "$CLIST_ONLY" = 1 ] ||
	printf '%-10s %-4s %14s %14s %8s\n' test P redwire redis-server ratio
for p in 1 16; do
	[ "$MEMORY_ONLY" = 1 ] || [ "$CLIST_ONLY" = 1 ] && break
	for t in lpush lpop sadd hset zadd lrange_100 zrange; do
		side_by_side "$p" "$t"
	done
done

# used_memory NS HOST
used() {
	ip netns exec "$1" redis-cli -h "$2" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}'
}

# RESP filling bench:mem:KIND with ELEMENTS elements, 1000 per command
# (RPUSH element:i, HSET field:i value:i, SADD member:i or ZADD i member:i),
# one file per kind
/usr/bin/python3 - "$ELEMENTS" "$fill_file" "$CLIST_ELEMENTS" <<'PY'
import sys
n, path, nc = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def enc(args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
for d in (0, 1):
    with open(path + ".d%d" % d, "wb") as f:
        for start in range(0, nc, 1000):
            ids = range(start, min(nc, start + 1000))
            f.write(enc([b"RPUSH", b"bench:cl:%d" % d] + [b"element:%d" % i for i in ids]))
for kind in ("list", "hash", "set", "zset", "clist"):
    with open(path + "." + kind, "wb") as f:
        for start in range(0, n, 1000):
            ids = range(start, min(n, start + 1000))
            if kind in ("list", "clist"):
                args = [b"RPUSH", b"bench:mem:" + kind.encode()] + [b"element:%d" % i for i in ids]
            elif kind == "hash":
                args = [b"HSET", b"bench:mem:hash"] + [x for i in ids for x in (b"field:%d" % i, b"value:%d" % i)]
            elif kind == "set":
                args = [b"SADD", b"bench:mem:set"] + [b"member:%d" % i for i in ids]
            else:
                args = [b"ZADD", b"bench:mem:zset"] + [x for i in ids for x in (b"%d" % i, b"member:%d" % i)]
            f.write(enc(args))
PY

printf '\n%-6s %10s %14s %14s %8s\n' type elements redwire-B/el redis-B/el ratio
kinds="list hash set zset clist"
[ "$CLIST_ONLY" = 1 ] && kinds=clist
for kind in $kinds; do
	if [ "$kind" = clist ]; then
		ip netns exec "$NAME" redis-cli -h "$RW_IP" config set list-compress-depth 1 >/dev/null
		ip netns exec "$CLI_NS" redis-cli -h "$SRV_IP" config set list-compress-depth 1 >/dev/null
	fi
	# (the instance's data directory may hold an earlier run's keys)
	ip netns exec "$NAME" redis-cli -h "$RW_IP" del "bench:mem:$kind" >/dev/null
	ip netns exec "$CLI_NS" redis-cli -h "$SRV_IP" del "bench:mem:$kind" >/dev/null
	r0=$(used "$NAME" "$RW_IP"); s0=$(used "$CLI_NS" "$SRV_IP")
	ip netns exec "$NAME" redis-cli -h "$RW_IP" --pipe <"$fill_file.$kind" >/dev/null
	ip netns exec "$CLI_NS" redis-cli -h "$SRV_IP" --pipe <"$fill_file.$kind" >/dev/null
	r1=$(used "$NAME" "$RW_IP"); s1=$(used "$CLI_NS" "$SRV_IP")
	awk -v k="$kind" -v n="$ELEMENTS" -v r=$((r1 - r0)) -v s=$((s1 - s0)) \
		'BEGIN {printf "%-6s %10d %14.1f %14.1f %8.2f\n", k, n, r / n, s / n, (s > 0 ? r / s : 0)}'
done

[ "$MEMORY_ONLY" = 1 ] && exit 0
# list-compress-depth 0 and 1: the lists are created under the depth they test
printf '\n%-10s %-4s %14s %14s %8s   (list of %d)\n' test P redwire redis-server ratio \
	"$CLIST_ELEMENTS"
for d in 0 1; do
	for c in "$NAME $RW_IP" "$CLI_NS $SRV_IP"; do
		set -- $c
		ip netns exec "$1" redis-cli -h "$2" config set list-compress-depth "$d" >/dev/null
		ip netns exec "$1" redis-cli -h "$2" del "bench:cl:$d" "bench:lp:$d" >/dev/null
		ip netns exec "$1" redis-cli -h "$2" --pipe <"$fill_file.d$d" >/dev/null
	done
	for p in 1 16; do
		for t in lpush_d$d lrange_d$d lindex_d$d; do
			side_by_side "$p" "$t"
		done
	done
done
