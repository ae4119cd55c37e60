# Shared helpers for integration tests (bash). Each test boots its own
# instance (never the user's "rw"), in its own namespace, and tears it down
# on exit, whatever happens.
#   IT_NAME   instance name (set by the test before it_up)
#   IT_SAN=1  run the instance from the ASan+UBSan build
#   RW_IT_SUFFIX  appended to IT_NAME when this file is sourced, so two checkouts can run the
#             same test at once without sharing an instance
set -euo pipefail
IT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IT_PY=/usr/bin/python3 # Debian's python, where python3-redis and scapy live
IT_ORACLE_PID=""
IT_NAME="${IT_NAME:-it}${RW_IT_SUFFIX:-}" # tests set IT_NAME before sourcing this file
# An earlier run's snapshot (the shipped config has save points, and a
# shutdown saves) would load at the next start: each run starts empty.
rm -f "/var/lib/redwire/$IT_NAME/dump.rdb"
# Without --config an instance runs from its data dir's copy of the shipped
# config, made at its first start: a test starts from the current one.
rm -f "/var/lib/redwire/$IT_NAME/redwire.conf"

it_build() {
	if [ "${IT_SAN:-0}" = 1 ]; then echo "${REDWIRE_BUILD_SAN:-$IT_ROOT/build-san}"; else echo "${REDWIRE_BUILD:-$IT_ROOT/build}"; fi
}

it_log() { printf '[%s] %s\n' "${IT_NAME:-it}" "$*"; }
it_fail() { printf '[%s] FAIL: %s\n' "${IT_NAME:-it}" "$*" >&2; exit 1; }

# it_promtool: the path of promtool, from Debian's prometheus package unpacked
# into a cache directory on first use (apt-get download fetches the .deb
# alone, ~19 MB: no daemon, no dependencies). Tests run two at a time and
# more than one needs it: the first to come fetches it under a lock, the
# others wait and reuse it.
it_promtool() {
	if command -v promtool >/dev/null; then command -v promtool; return; fi
	local dir=${REDWIRE_CACHE:-/var/cache/redwire-it}/prometheus
	mkdir -p "$dir" || return 1
	(
		flock -w 600 9 || exit 1
		[ -x "$dir/root/usr/bin/promtool" ] && exit 0
		it_log "unpacking promtool from Debian's prometheus package into $dir" >&2
		rm -rf "$dir/root" "$dir"/prometheus_*.deb
		(cd "$dir" && apt-get download prometheus >/dev/null 2>&1) ||
			{ apt-get update -q >/dev/null && (cd "$dir" && apt-get download prometheus >/dev/null); } ||
			exit 1
		dpkg-deb -x "$dir"/prometheus_*.deb "$dir/root.tmp" && rm -f "$dir"/prometheus_*.deb &&
			mv "$dir/root.tmp" "$dir/root"
	) 9>"$dir/.lock" || return 1
	echo "$dir/root/usr/bin/promtool"
}

# it_grep GREP-ARGS: `grep -q` for the end of a pipe. grep -q leaves at its
# first match and closes the pipe: a writer still writing (jq, redwirectl,
# in 4 KB chunks) then dies of SIGPIPE, which pipefail reports as the
# pipeline failing. This reads all of its input first.
it_grep() {
	local n
	n=$(grep -c "$@") || true
	[ "${n:-0}" -gt 0 ]
}

it_cleanup() {
	local rc=$?
	if [ -n "$IT_ORACLE_PID" ]; then kill "$IT_ORACLE_PID" 2>/dev/null || true; wait "$IT_ORACLE_PID" 2>/dev/null || true; fi
	if [ $rc != 0 ] && [ -d "/run/redwire/$IT_NAME" ]; then
		echo "---- dataplane log (tail) ----"; tail -30 "/run/redwire/$IT_NAME/dataplane.log" 2>/dev/null || true
		echo "---- control log (tail) ----"; tail -10 "/run/redwire/$IT_NAME/control.log" 2>/dev/null || true
	fi
	REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null 2>&1 || true
	exit $rc
}

it_up() { # [redwire up options]
	trap it_cleanup EXIT
	REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" up --name "$IT_NAME" "$@"
	IT_IP=$(sed 's/^--.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$IT_NAME/args")
	IT_PEER=${IT_IP%.2}.1
	IT_PORT=$(cat "/run/redwire/$IT_NAME/port")
	export IT_IP IT_PEER IT_PORT
}

it_ns() { ip netns exec "$IT_NAME" "$@"; }
it_cli() { ip netns exec "$IT_NAME" redis-cli -h "$IT_IP" -p "$IT_PORT" "$@"; }
it_ctl() { "$(it_build)/control/cli/redwirectl" --name "$IT_NAME" "$@"; }

# Stock redis-server 7.0.15 inside the instance's namespace, on loopback:
# the oracle whose replies Redwire's must equal byte for byte. It gets
# Redwire's maxmemory (which defaults to a share of RAM, where Redis's is 0)
# so CONFIG GET and INFO agree. Call after it_up.
it_oracle_start() {
	IT_ORACLE_PORT=7379
	local mm; mm=$(it_cli config get maxmemory | tail -1)
	ip netns exec "$IT_NAME" redis-server --port "$IT_ORACLE_PORT" --bind 127.0.0.1 --save '' --maxmemory "$mm" \
		--appendonly no --daemonize no --protected-mode no --enable-debug-command yes --dir /tmp >/tmp/oracle-$IT_NAME.log 2>&1 &
	IT_ORACLE_PID=$!
	for _ in $(seq 50); do
		[ "$(ip netns exec "$IT_NAME" redis-cli -p "$IT_ORACLE_PORT" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	it_fail "oracle redis-server did not start"
}

it_eq() { # ACTUAL EXPECTED WHAT
	[ "$1" = "$2" ] || it_fail "$3: got '$1', expected '$2'"
}

# A /24 of 198.18.0.0/15 for a test that builds its own namespaces instead of
# running an instance: reserved the way ./redwire up reserves one (the same
# lock and /run/redwire/NAME/subnet file), released on exit. Sets IT_NET
# (e.g. 198.18.7: hosts .1 and .2 are the test's).
it_net_reserve() { # [NAME: the reservation's name, default IT_NAME; another when an instance runs too]
	local base=/run/redwire idx=-1 used=" " f i
	IT_NET_NAME=${1:-$IT_NAME}
	mkdir -p "$base/$IT_NET_NAME"
	exec 9>"$base/.subnet.lock"
	flock 9
	for f in "$base"/*/subnet; do [ -f "$f" ] && used+="$(cat "$f") "; done
	for i in $(seq 1 511); do
		case $used in *" $i "*) ;; *) idx=$i; break ;; esac
	done
	[ "$idx" -ge 0 ] && echo "$idx" >"$base/$IT_NET_NAME/subnet"
	exec 9>&-
	[ "$idx" -ge 0 ] || it_fail "no free /24 in 198.18.0.0/15"
	IT_NET="198.$((18 + idx / 256)).$((idx % 256))"
	trap 'rc=$?; rm -rf "/run/redwire/$IT_NET_NAME"; exit $rc' EXIT
	export IT_NET
}
