#!/usr/bin/env bash
# TCP figures (issue #3); not part of the pass/fail suite. Redwire through
# its net_tap port and stock redis-server through a veth pair, both reached
# from the instance's namespace (same client, same nftables rules), one
# worker / one redis-server on CPU 0 polling flat out, clients on CPU 1.
# GSO/TSO/GRO are off on both links so an nftables drop takes one MTU-sized
# segment on either path.
#   1. single-connection ping-pong latency (redis-benchmark -c 1): p50, p99
#   2. GET/SET with 50 clients: requests/s and p99, clean and under 1%
#      nftables loss both ways (numgen random)
#   3. goodput of one connection moving 8 MB values under the same 1% loss,
#      Redwire against Linux-to-Linux in the same run (target >= 0.5)
#      (values stay below 16 MB: a SET of 16 MB never completes, the
#      dataplane's 16 MB journal cannot take the record; see the report).
#      ROUNDS transfers each way, Redwire and Linux taking turns, medians.
#      The client's nftables output hook sees its TCP's 64 KB GSO buffers
#      and a drop there is a local error that TCP retries at once: for SET
#      (client sending) that rule loses no data, only 1% of the ACKs on the
#      input hook. So SET runs twice: "set" with those rules alone, and
#      "set-rx" with 1% of the data segments lost on arrival at the server
#      as well: the dataplane's impairment stage (rx_drop) for Redwire, an
#      input-hook rule in the server's namespace for Linux.
#      worker% is the share of the time the dataplane worker ran while it
#      wanted to (schedstat, over the Redwire transfers): below ~90% the
#      machine's load, not TCP, sets Redwire's figure, since the kernel
#      receives in softirq and ACKs at once while the worker waits its turn.
#   4. SACK on vs off (the client's net.ipv4.tcp_sack) for GETs, Redwire
#      sending, under burst loss of its segments from the dataplane's
#      impairment stage (Gilbert-Elliott on TX; ACKs untouched, so the figure
#      is about recovering several holes at once), over SEEDS, in both burst
#      models: "packet" (BURST: a burst ends per packet, so one that takes a
#      whole small flight outlasts several backed-off RTOs) and "time"
#      (BURST_TIME: an outage of a drawn duration, burst_us). Each seed boots
#      a fresh instance for SACK on and again for off; medians over the
#      seeds and their ratio (target >= 1.2). TIMEOUT bounds each GET: a
#      stall prints "stalled" (0 MB/s in the medians), never hangs the run.
#   5. Linux-to-Linux SACK on vs off under an nftables burst-like drop
#      (numgen inc: LINUX_BURST segments of every LINUX_EVERY that
#      redis-server sends; no nftables match does time windows under a
#      second), so Linux's own ratio stands beside section 4's.
#   REQUESTS=100000 PINGS=20000 MB=8 ROUNDS=3 SEEDS="1 2 3 4 5" tests/bench/tcp.sh
#   SECTIONS="3 4" to run some sections only
set -euo pipefail
REQUESTS=${REQUESTS:-100000} PINGS=${PINGS:-20000} MB=${MB:-8} ROUNDS=${ROUNDS:-3}
BURST=${BURST:-tx_burst=0.003,tx_burst_len=4} SEEDS=${SEEDS:-1 2 3 4 5}
BURST_TIME=${BURST_TIME:-tx_burst=0.003,tx_burst_us=1000} SACK_MB=${SACK_MB:-$MB} TIMEOUT=${TIMEOUT:-30}
IT_NAME=rwbtcp
source "$(dirname "$0")/../integration/lib.sh"
it_net_reserve "${IT_NAME}v" # the veth's /24, apart from the instance's own
SNS=${IT_NAME}${RW_IT_SUFFIX:-}s
conf=$(mktemp /tmp/rwbtcp.XXXXXX.conf)
srv_pid=""
bench_cleanup() {
	local rc=$?
	[ -n "$srv_pid" ] && { kill "$srv_pid" 2>/dev/null; wait "$srv_pid" 2>/dev/null || true; }
	ip netns del "$SNS" 2>/dev/null || true
	"$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null 2>&1 || true
	rm -f "$conf"; rm -rf "/run/redwire/$IT_NET_NAME"
	exit $rc
}
G=$IT_ROOT/tests/bench/goodput.py
SRV=$IT_NET.2

boot() { # [impairment spec]
	{ cat "$IT_ROOT/platform/config/redwire.conf"
	  printf 'redwire-workers 1\nredwire-cores 0\nredwire-idle-backoff no\n'
	  [ -n "${1:-}" ] && printf 'redwire-port-offload no\nredwire-port-impair "%s"\n' "$1"
	} >"$conf"
	"$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null 2>&1 || true
	it_up --config "$conf" >/dev/null
	trap bench_cleanup EXIT
	it_ns ethtool -K rw0 tso off gso off gro off >/dev/null 2>&1 || true
}

# the veth from the instance's namespace to redis-server's (again after a
# reboot: the instance's namespace goes with it, and the pair with that)
veth_up() {
	ip link add rwv0 netns "$IT_NAME" type veth peer name rwv1 netns "$SNS"
	it_ns ip addr add "$IT_NET.1/24" dev rwv0
	ip -n "$SNS" addr add "$SRV/24" dev rwv1
	for x in "$IT_NAME rwv0" "$SNS rwv1"; do
		set -- $x
		ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off >/dev/null
		ip -n "$1" link set "$2" up
	done
}
boot
ip netns add "$SNS"
veth_up
ip -n "$SNS" link set lo up
ip netns exec "$SNS" taskset -c 0 redis-server --bind "$SRV" --port 6379 --save '' --appendonly no \
	--protected-mode no --daemonize no >/tmp/rwbtcp-redis.log 2>&1 &
srv_pid=$!
for _ in $(seq 50); do [ "$(it_ns redis-cli -h "$SRV" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done

loss_on() {
	it_ns nft -f - <<NFT
table inet rwbloss {
	chain out { type filter hook output priority 0; tcp dport 6379 numgen random mod 100 < 1 drop; }
	chain in { type filter hook input priority 0; tcp sport 6379 numgen random mod 100 < 1 drop; }
}
NFT
}
loss_off() { it_ns nft delete table inet rwbloss; }
# csv HOST ARGS... -> "test rps p50 p99" lines
bench() {
	local host=$1; shift
	it_ns taskset -c 1 redis-benchmark -h "$host" -p 6379 --csv "$@" 2>/dev/null |
		awk -F'"' 'NR>1 {print $2, $4, $10, $14}'
}
want() { case " ${SECTIONS:-1 2 3 4 5} " in *" $1 "*) return 0 ;; esac; return 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }

if want 1; then
	echo "== 1. single-connection ping-pong (redis-benchmark -c 1 -n $PINGS), latency ms"
	printf '%-5s %10s %10s %12s %12s\n' test rw_p50 rw_p99 redis_p50 redis_p99
	for t in ping_mbulk get set; do
		read -r _ _ a50 a99 <<<"$(bench "$IT_IP" -c 1 -n "$PINGS" -t "$t")"
		read -r _ _ b50 b99 <<<"$(bench "$SRV" -c 1 -n "$PINGS" -t "$t")"
		printf '%-5s %10s %10s %12s %12s\n' "$t" "$a50" "$a99" "$b50" "$b99"
	done
fi

if want 2; then
	echo "== 2. GET/SET, 50 clients, $REQUESTS requests: requests/s and p99 ms"
	printf '%-5s %-6s %10s %8s %12s %10s\n' test loss rw_rps rw_p99 redis_rps redis_p99
	for loss in 0 1; do
		[ $loss = 1 ] && loss_on
		for t in set get; do
			read -r _ ar _ a99 <<<"$(bench "$IT_IP" -c 50 -n "$REQUESTS" -t "$t")"
			read -r _ br _ b99 <<<"$(bench "$SRV" -c 50 -n "$REQUESTS" -t "$t")"
			printf '%-5s %-6s %10s %8s %12s %10s\n' "$t" "$loss%" "$ar" "$a99" "$br" "$b99"
		done
	done
	loss_off
fi

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
# run and wait nanoseconds of the dataplane's worker threads (schedstat)
worker_ns() {
	local pid t run=0 wait=0 r w _
	pid=$(cat "/run/redwire/$IT_NAME/dataplane.pid")
	for t in /proc/"$pid"/task/*; do
		case $(cat "$t/comm") in rte-worker-*) read -r r w _ <"$t/schedstat"; run=$((run + r)) wait=$((wait + w)) ;; esac
	done
	echo "$run $wait"
}
# goodput OP LABEL: ROUNDS single transfers each, Redwire and Linux in turn
goodput() {
	local op=$1 a="" b="" r0 w0 r1 w1
	read -r r0 w0 <<<"$(worker_ns)"
	for _ in $(seq "$ROUNDS"); do
		a="$a $(it_ns taskset -c 1 "$IT_PY" "$G" "$IT_IP" "$IT_PORT" --op "$op" --mb "$MB" --rounds 1)"
		b="$b $(it_ns taskset -c 1 "$IT_PY" "$G" "$SRV" 6379 --op "$op" --mb "$MB" --rounds 1)"
	done
	read -r r1 w1 <<<"$(worker_ns)"
	a=$(median <<<"$a") b=$(median <<<"$b")
	printf '%-6s %10s %12s %8s %8s\n' "$2" "$a" "$b" "$(ratio "$a" "$b")" \
		"$(awk -v r=$((r1 - r0)) -v w=$((w1 - w0)) 'BEGIN {printf "%.0f%%", (r + w > 0 ? 100 * r / (r + w) : 0)}')"
}
if want 3; then
	echo "== 3. goodput of one connection under 1% nftables loss, ${MB} MB values, median of $ROUNDS, MB/s"
	printf '%-6s %10s %12s %8s %8s\n' op redwire linux ratio worker%
	loss_on
	for op in get set; do goodput $op $op; done
	loss_off
	boot "seed=1,rx_drop=0.01"
	veth_up
	loss_on
	ip netns exec "$SNS" nft -f - <<NFT
table inet rwbloss {
	chain in { type filter hook input priority 0; tcp dport 6379 numgen random mod 100 < 1 drop; }
}
NFT
	goodput set set-rx
	loss_off
	ip netns exec "$SNS" nft delete table inet rwbloss
fi

if want 4; then
	# Each (model, seed) boots a fresh instance so SACK on and off meet the
	# same impairment stream from its start; a transfer that stalls past
	# TIMEOUT seconds reports "stalled" and counts as 0 MB/s in the medians.
	# rto/tlp/fr: the worker's retransmission timeouts, tail loss probes
	# and fast recoveries over the run.
	echo "== 4. SACK on vs off, GET (Redwire sending, ${SACK_MB} MB x $ROUNDS) under burst loss of its segments, MB/s"
	printf '%-6s %-5s %10s %16s %10s %16s %8s\n' model seed sack_on "rto/tlp/fr" sack_off "rto/tlp/fr" ratio
	ctr() { it_ctl --json stats | "$IT_PY" -c 'import json, sys
w = json.load(sys.stdin)["workers"]
print(*(sum(x.get(k, 0) for x in w) for k in ("tcp_rto_expired", "tcp_loss_probes", "tcp_fast_recoveries")))'; }
	sack_run() { # sysctl value -> "MB/s rto/tlp/fr"
		local g r0 t0 f0 r1 t1 f1
		it_ns sysctl -qw net.ipv4.tcp_sack="$1"
		read -r r0 t0 f0 <<<"$(ctr)"
		g=$(it_ns timeout $((TIMEOUT * ROUNDS + 30)) taskset -c 1 "$IT_PY" "$G" "$IT_IP" "$IT_PORT" \
			--op get --mb "$SACK_MB" --rounds "$ROUNDS" --timeout "$TIMEOUT" || echo stalled)
		read -r r1 t1 f1 <<<"$(ctr)"
		echo "$g $((r1 - r0))/$((t1 - t0))/$((f1 - f0))"
	}
	for model in "packet:$BURST" "time:$BURST_TIME"; do
		name=${model%%:*} spec=${model#*:} on_all="" off_all=""
		for seed in $SEEDS; do
			boot "seed=$seed,$spec"
			read -r a ac <<<"$(sack_run 1)"
			boot "seed=$seed,$spec"
			read -r b bc <<<"$(sack_run 0)"
			printf '%-6s %-5s %10s %16s %10s %16s %8s\n' "$name" "$seed" "$a" "$ac" "$b" "$bc" \
				"$(ratio "${a/stalled/0}" "${b/stalled/0}")"
			on_all="$on_all ${a/stalled/0}" off_all="$off_all ${b/stalled/0}"
		done
		a=$(median <<<"$on_all") b=$(median <<<"$off_all")
		printf '%-6s %-5s %10s %16s %10s %16s %8s\n' "$name" median "$a" "" "$b" "" "$(ratio "$a" "$b")"
	done
fi

if want 5; then
	# Linux-to-Linux SACK on/off under a burst-like drop: nftables has no
	# Gilbert-Elliott and no sub-second time match (meta hour/day are
	# coarse), so the closest is a deterministic burst by packet count:
	# LINUX_BURST consecutive segments of every LINUX_EVERY that
	# redis-server sends are dropped (numgen inc), the mean rate and burst
	# length of BURST. Its retransmissions are counted packets too, so a
	# burst never outlasts a back-off as the shim's packet model does; the
	# figure is Linux's own SACK on/off ratio, not a match of the shim's.
	LINUX_EVERY=${LINUX_EVERY:-333} LINUX_BURST=${LINUX_BURST:-4}
	echo "== 5. Linux-to-Linux SACK on vs off, GET (redis-server sending, ${SACK_MB} MB x $ROUNDS) under nftables bursts of $LINUX_BURST in $LINUX_EVERY, MB/s"
	printf '%-6s %10s %10s %8s\n' run sack_on sack_off ratio
	ip netns exec "$SNS" nft -f - <<NFT
table inet rwbburst {
	chain out { type filter hook output priority 0; tcp sport 6379 numgen inc mod $LINUX_EVERY < $LINUX_BURST drop; }
}
NFT
	on_all="" off_all=""
	for run in $SEEDS; do
		it_ns sysctl -qw net.ipv4.tcp_sack=1
		a=$(it_ns timeout $((TIMEOUT * ROUNDS + 30)) taskset -c 1 "$IT_PY" "$G" "$SRV" 6379 \
			--op get --mb "$SACK_MB" --rounds "$ROUNDS" --timeout "$TIMEOUT" || echo stalled)
		it_ns sysctl -qw net.ipv4.tcp_sack=0
		b=$(it_ns timeout $((TIMEOUT * ROUNDS + 30)) taskset -c 1 "$IT_PY" "$G" "$SRV" 6379 \
			--op get --mb "$SACK_MB" --rounds "$ROUNDS" --timeout "$TIMEOUT" || echo stalled)
		printf '%-6s %10s %10s %8s\n' "$run" "$a" "$b" "$(ratio "${a/stalled/0}" "${b/stalled/0}")"
		on_all="$on_all ${a/stalled/0}" off_all="$off_all ${b/stalled/0}"
	done
	it_ns sysctl -qw net.ipv4.tcp_sack=1
	ip netns exec "$SNS" nft delete table inet rwbburst
	a=$(median <<<"$on_all") b=$(median <<<"$off_all")
	printf '%-6s %10s %10s %8s\n' median "$a" "$b" "$(ratio "$a" "$b")"
fi
