#!/usr/bin/env bash
# Multi-key collection commands across workers (issue #5 item 7): requests/s
# of SUNIONSTORE and SUNION whose keys live on one worker ({hash tag}) and
# on two (the gather transaction: lock, copy, run, write back), on Redwire
# with two workers, with redis-benchmark in the instance's namespace;
# stock redis-server (one process, loopback in the same namespace) for
# reference, and MSET on one and two workers (a transaction that copies
# nothing). Sets of MEMBERS integers each (intsets). Prints requests/s and
# the cross/same ratio. All clients hit the same keys, so cross-worker
# commands serialize on their locks: the figure is about 1 / (latency of
# one transaction). Not part of the pass/fail suite.
#   REQUESTS=20000 CLIENTS=20 PIPELINE=1 MEMBERS="10 100" tests/bench/bench_xshard.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REQUESTS=${REQUESTS:-20000} CLIENTS=${CLIENTS:-20} PIPELINE=${PIPELINE:-1}
MEMBERS=${MEMBERS:-"10 100"}
NAME=rwbxs${RW_IT_SUFFIX:-}
srv_pid=""
conf=$(mktemp /tmp/redwire-bench-xs.XXXXXX.conf)
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	"$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
	rm -f "$conf"
}
trap cleanup EXIT
# workers poll flat out (production): a cross-worker hop is then not a sleep
cat "$ROOT/platform/config/redwire.conf" >"$conf"
printf 'redwire-idle-backoff %s\n' "${IDLE_BACKOFF:-no}" >>"$conf"
"$ROOT/redwire" up --name "$NAME" --workers 2 --config "$conf" >/dev/null
IP=$(sed 's/^--.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$NAME/args")
PORT=$(cat "/run/redwire/$NAME/port")
ip netns exec "$NAME" redis-server --port 7399 --bind 127.0.0.1 --save '' --appendonly no \
	--daemonize no >/dev/null 2>&1 &
srv_pid=$!
sleep 0.5
# {it:xs0} is a tag of worker 0 and {it:xs2} one of worker 1 (two workers,
# tests/integration/oracle_cases_xshard.py)
W0='{it:xs0}' W1='{it:xs2}'
rps() { # HOST PORT command...
	local h=$1 p=$2
	shift 2
	ip netns exec "$NAME" redis-benchmark -h "$h" -p "$p" -n "$REQUESTS" -c "$CLIENTS" \
		-P "$PIPELINE" -q "$@" 2>/dev/null | tr '\r' '\n' | grep -o '[0-9.]* requests per second' |
		tail -1 | cut -d' ' -f1
}
printf '%-10s %7s %12s %12s %12s %8s\n' command members same cross stock cross/same
for m in $MEMBERS; do
	for h in "$IP $PORT" "127.0.0.1 7399"; do
		read -r host port <<<"$h"
		for k in "${W0}a" "${W0}b" "${W1}a"; do
			ip netns exec "$NAME" redis-cli -h "$host" -p "$port" del "$k" >/dev/null
			# shellcheck disable=SC2046
			ip netns exec "$NAME" redis-cli -h "$host" -p "$port" sadd "$k" $(seq 1 "$m") >/dev/null
		done
	done
	for cmd in sunionstore sunion mset; do
		if [ $cmd = mset ]; then # the transactions' own cost, for reference
			same=(MSET "${W0}x" 1 "${W0}y" 2)
			cross=(MSET "${W0}x" 1 "${W1}y" 2)
		elif [ $cmd = sunionstore ]; then
			same=(SUNIONSTORE "${W0}d" "${W0}a" "${W0}b")
			cross=(SUNIONSTORE "${W1}d" "${W0}a" "${W1}a")
		else
			same=(SUNION "${W0}a" "${W0}b")
			cross=(SUNION "${W0}a" "${W1}a")
		fi
		s=$(rps "$IP" "$PORT" "${same[@]}")
		c=$(rps "$IP" "$PORT" "${cross[@]}")
		o=$(rps 127.0.0.1 7399 "${cross[@]}")
		printf '%-10s %7s %12s %12s %12s %8s\n' "$cmd" "$m" "$s" "$c" "$o" \
			"$(awk -v a="$c" -v b="$s" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
	done
done
