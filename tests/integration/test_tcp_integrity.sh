#!/usr/bin/env bash
# it: serial
# Byte-stream integrity against the kernel's TCP through the dataplane's
# seeded impairment stage (redwire-port-impair, drivers/eth/eth_impair.h) on
# both RX and TX: 5% reordering, 1% duplication and 0.1% corruption with 0%,
# 1%, 5% and 20% loss. Several connections SET and GET seeded values of
# 1 B - 4 MB (1 B - 64 KB at 20% loss, where the RTO tail makes big values
# slow; tests/soak/integrity_soak.sh runs them): every byte exactly once, in
# order, both ways, each exchange within a bound from the RTO settings
# (stream_check.py). Checksum offload is off: the port would compute
# checksums after a corruption and so hide it. The seeds are printed; the
# stage's own counts (from the dataplane's log at stop) must show it acted.
# The 20% profile waits on retransmission timers, not on the CPU: it runs on
# a second instance (this script again, INTEGRITY_PROFILES set) while the
# others run here, so the test takes about as long as its slowest profile.
#   INTEGRITY_SEED=N to replay
IT_NAME=${INTEGRITY_NAME:-rwtint}
source "$(dirname "$0")/lib.sh"
seed=${INTEGRITY_SEED:-$RANDOM}
profiles=${INTEGRITY_PROFILES:-0:4194304:6 0.01:4194304:6 0.05:4194304:4}
trap 'exit 143' TERM # the parent stopping this copy still takes its instance down
heavy_pid=""
heavy_log=$(mktemp /tmp/rwtinth.XXXXXX.log)
if [ -z "${INTEGRITY_PROFILES:-}" ]; then
	INTEGRITY_NAME=rwtinh INTEGRITY_SEED=$seed INTEGRITY_PROFILES=0.2:65536:4 "$0" >"$heavy_log" 2>&1 &
	heavy_pid=$!
fi
heavy_wait() { # the 20% profile's verdict, its output after ours
	[ -n "$heavy_pid" ] || return 0
	local rc=0
	wait "$heavy_pid" || rc=$?
	heavy_pid=""
	cat "$heavy_log"
	[ $rc = 0 ] || it_fail "the 20% loss profile failed (output above)"
}
conf=$(mktemp /tmp/rwtint.XXXXXX.conf)
S=$IT_ROOT/tests/integration/stats.py
sum() { it_ctl stats --json | "$IT_PY" "$S" "$1" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }
stage_all=""
it_log "seed $seed"
for prof in $profiles; do
	IFS=: read -r loss max msgs <<<"$prof"
	spec="seed=$seed,drop=$loss,reorder=0.05,dup=0.01,corrupt=0.001"
	sed -e 's/^redwire-port-offload .*/redwire-port-offload no/' "$IT_ROOT/platform/config/redwire.conf" >"$conf"
	echo "redwire-port-impair \"$spec\"" >>"$conf"
	it_up --workers 2 --config "$conf"
	trap 'rc=$?; set +e; [ -n "$heavy_pid" ] && kill "$heavy_pid" 2>/dev/null; wait; rm -f "$conf" "$heavy_log"; (exit $rc); it_cleanup' EXIT
	grep -q "port impairment on (tests only): $spec" "/run/redwire/$IT_NAME/dataplane.log" ||
		it_fail "the impairment stage is not in front of the port"
	it_ns timeout 900 "$IT_PY" "$IT_ROOT/tests/integration/stream_check.py" "$IT_IP" "$IT_PORT" \
		--seed "$seed" --conns 4 --msgs "$msgs" --max "$max" --loss "$loss" --corrupt 0.001 ||
		it_fail "integrity with $spec (replay: INTEGRITY_SEED=$seed)"
	it_log "  dataplane: retransmits $(sum tcp_retransmits), out-of-order kept $(sum tcp_ooo_segs), bad segments dropped $(sum tcp_drop_malformed)"
	pid=$(cat "/run/redwire/$IT_NAME/dataplane.pid")
	kill -TERM "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	st=$(grep 'topic=dp.impair' "/run/redwire/$IT_NAME/dataplane.log" | sed 's/.*msg="//; s/"$//')
	printf '%s\n' "$st" | sed "s/^/[$IT_NAME]   stage: /"
	stage_all+="$st"$'\n'
	if [ "$loss" != 0 ]; then
		n=$(printf '%s\n' "$st" | grep -o " dropped=[0-9]*" | cut -d= -f2 | awk '{s+=$1} END {print s+0}')
		[ "$n" -gt 0 ] || it_fail "the stage dropped nothing at $loss loss"
	fi
	"$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
done
# (the 20% profile moves too little for every kind to show; the others do)
for k in reordered duplicated corrupted; do
	[ -z "${INTEGRITY_PROFILES:-}" ] || break
	n=$(printf '%s' "$stage_all" | grep -o " $k=[0-9]*" | cut -d= -f2 | awk '{s+=$1} END {print s+0}')
	[ "$n" -gt 0 ] || it_fail "the stage never $k a packet"
done
heavy_wait
it_log "ok"
