#!/usr/bin/env bash
# A client that stops reading: its replies wait in a closed window (zero-
# window probes, counted), another client is served meanwhile within 1 s
# per round trip, the held replies arrive intact once it reads again; when
# far more than redwire-client-output-limit piles up, the server resets it.
IT_NAME=rwtslow
source "$(dirname "$0")/lib.sh"
conf=$(mktemp /tmp/rwtslow.XXXXXX.conf)
sed 's/^redwire-client-output-limit .*/redwire-client-output-limit 8mb/' \
	"$IT_ROOT/platform/config/redwire.conf" >"$conf"
it_up --workers 2 --config "$conf"
trap 'rc=$?; set +e; rm -f "$conf"; (exit $rc); it_cleanup' EXIT
S=$IT_ROOT/tests/integration/stats.py
sum() { it_ctl stats --json | "$IT_PY" "$S" "$1" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }
probes0=$(sum tcp_persist_probes) drops0=$(sum tcp_drop_output_limit)
it_ns "$IT_PY" "$IT_ROOT/tests/integration/tcp_hard.py" slow "$IT_IP" "$IT_PORT" 1048576 4 24 ||
	it_fail "slow reader scenario"
probes=$(( $(sum tcp_persist_probes) - probes0 )) drops=$(( $(sum tcp_drop_output_limit) - drops0 ))
it_log "zero-window probes: $probes; connections reset at the output limit: $drops"
[ "$probes" -gt 0 ] || it_fail "no zero-window probe while the reader stalled"
it_eq "$drops" 1 "connections reset at the output limit"
[ "$(it_cli ping)" = PONG ] || it_fail "no PING afterwards"
it_log "ok"
