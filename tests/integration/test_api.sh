#!/usr/bin/env bash
# The management API and redwirectl against a booted instance under load:
# /metrics passes `promtool check metrics` (Debian's prometheus package,
# unpacked into a cache directory on first use: only promtool is needed)
# and its per-worker counters move; `stats --watch` shows rates and stops on
# --count and on Ctrl-C; `config get` globs over /v1/parameters with
# secrets redacted; `appliance` reports the running dataplane; exit codes
# and --help are as documented.
IT_NAME=rwtapi
source "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/rwtapi.XXXXXX)
on_exit() {
	local rc=$?
	set +e # errexit would end the trap at `(exit $rc)`, before it_cleanup
	[ -n "${LOAD_PID:-}" ] && kill "$LOAD_PID" 2>/dev/null
	rm -rf "$TMP"
	(exit $rc)
	it_cleanup
}
trap on_exit EXIT
command -v jq >/dev/null || it_fail "jq is needed"

PROMTOOL=$(it_promtool) || it_fail "cannot get promtool (apt-get download prometheus)"

it_up --workers 2
trap on_exit EXIT # it_up set its own
for _ in $(seq 50); do it_ctl health >/dev/null 2>&1 && break; sleep 0.1; done
it_ctl health >/dev/null || it_fail "instance not ready"

it_log "load in the background"
# bounded: at most 2M requests; stopped as soon as the rates have been seen
ip netns exec "$IT_NAME" timeout 60 redis-benchmark -h "$IT_IP" -p "$IT_PORT" -c 8 -P 4 -n 2000000 -t set,get -q \
	>"$TMP/load.txt" 2>&1 &
LOAD_PID=$!

it_log "stats --watch --json: rates per worker while the load runs"
it_ctl stats --watch --json --interval 0.5 --count 3 >"$TMP/watch.json" || it_fail "stats --watch failed"
it_eq "$(wc -l <"$TMP/watch.json")" 3 "stats --watch --count 3 lines"
jq -e '.workers | length == 2' "$TMP/watch.json" >/dev/null || it_fail "watch: not 2 workers"
jq -s -e 'map(.workers[].commands_per_s // 0) | add > 0' "$TMP/watch.json" >/dev/null ||
	it_fail "watch: no commands/s while the load ran: $(cat "$TMP/watch.json")"
it_ctl stats --watch --interval 0.2 --count 1 >"$TMP/watch.txt" || it_fail "stats --watch (table)"
grep -q 'commands/s' "$TMP/watch.txt" && grep -qE '^total ' "$TMP/watch.txt" || it_fail "watch table: $(cat "$TMP/watch.txt")"

it_log "stats --watch stops on Ctrl-C with exit 0"
# started directly, not through the it_ctl function: the signal must reach redwirectl itself
"$(it_build)/control/cli/redwirectl" --name "$IT_NAME" stats --watch --interval 0.2 >/dev/null &
wpid=$!
sleep 0.7
kill -INT "$wpid"
rc=0
timeout 3 tail --pid="$wpid" -f /dev/null || { kill "$wpid"; it_fail "stats --watch ignored SIGINT"; }
wait "$wpid" || rc=$?
it_eq "$rc" 0 "stats --watch exit status after Ctrl-C"
kill "$LOAD_PID" 2>/dev/null || true
wait "$LOAD_PID" 2>/dev/null || true
LOAD_PID=""

it_log "/metrics: promtool check metrics, per-worker samples"
it_ctl metrics >"$TMP/metrics.txt" || it_fail "redwirectl metrics"
"$PROMTOOL" check metrics <"$TMP/metrics.txt" >"$TMP/promtool.txt" 2>&1 ||
	{ cat "$TMP/promtool.txt"; it_fail "promtool check metrics"; }
[ -s "$TMP/promtool.txt" ] && { cat "$TMP/promtool.txt"; it_fail "promtool reported lint problems"; }
# redis-benchmark's one key lives on one shard, but its connections reach both workers
for f in commands_received_total rx_packets_total; do
	for w in 0 1; do
		v=$(sed -n "s/^redwire_worker_$f{worker=\"$w\"} //p" "$TMP/metrics.txt")
		[ -n "$v" ] && [ "$v" -gt 0 ] || it_fail "worker $w: redwire_worker_$f is '$v'"
	done
done
grep -qx 'redwire_dataplane_up 1' "$TMP/metrics.txt" || it_fail "redwire_dataplane_up is not 1"
grep -qx 'redwire_dataplane_workers 2' "$TMP/metrics.txt" || it_fail "redwire_dataplane_workers is not 2"
grep -q '^# TYPE redwire_worker_rx_packets_total counter$' "$TMP/metrics.txt" || it_fail "no rx_packets counter"
sum=$(it_ctl stats --json | jq '.totals.commands')
m=$(awk '/^redwire_worker_commands_total/ {s += $2} END {print s}' "$TMP/metrics.txt")
[ "$m" -le "$sum" ] || it_fail "metrics commands $m > later /v1/stats total $sum"

it_log "config get"
it_ctl config get 'max*' >"$TMP/cfg.txt" || it_fail "config get max*"
grep -q '^maxmemory ' "$TMP/cfg.txt" && grep -q '^maxclients ' "$TMP/cfg.txt" || it_fail "config get max*: $(cat "$TMP/cfg.txt")"
it_eq "$(it_ctl config get PORT --json | jq '.[0].value')" "$IT_PORT" "config get PORT value"
it_ctl config get '*' --json >"$TMP/params.json"
# the control plane applies its failed-login limits at once, the dataplane what its CONFIG SET
# changes at run time (maxmemory), the rest at restart (test_api_config.sh checks each by PATCH)
jq -e 'length > 30 and all(.apply == "immediate" or .apply == "restart")
	and all(select(.name | startswith("redwire-mgmt-auth-")) | .apply == "immediate")
	and any(.name == "maxmemory" and .apply == "immediate")
	and any(.name == "port" and .apply == "restart")' "$TMP/params.json" >/dev/null || it_fail "config get '*'"
jq -e 'all(select(.secret) | .value == "(redacted)" or .value == "")' "$TMP/params.json" >/dev/null ||
	it_fail "a secret is not redacted"
rc=0; it_ctl config get 'no-such-*' >/dev/null 2>&1 || rc=$?
it_eq "$rc" 1 "config get with no match"

it_log "appliance"
it_ctl appliance --json >"$TMP/app.json" || it_fail "appliance"
it_eq "$(jq '.dataplane.pid' "$TMP/app.json")" "$(cat "/run/redwire/$IT_NAME/dataplane.pid")" "appliance dataplane pid"
it_eq "$(jq '.dataplane.workers' "$TMP/app.json")" 2 "appliance workers"
it_eq "$(jq -r '.management_socket' "$TMP/app.json")" "/run/redwire/$IT_NAME/api.sock" "appliance socket"
it_eq "$(jq -r '.ports[0].address' "$TMP/app.json")" "$IT_IP" "appliance client port address"
it_eq "$(jq -r '.ports[0].resp_port' "$TMP/app.json")" "$IT_PORT" "appliance RESP port"
it_eq "$(jq -r '.lcores.workers' "$TMP/app.json")" 2 "appliance lcores"
it_eq "$(jq -r '.image_slot' "$TMP/app.json")" null "appliance image slot (no images yet)"
jq -e '(.hugepages | length >= 1) and (.numa.available | type == "boolean")' "$TMP/app.json" >/dev/null ||
	it_fail "appliance hugepages/numa: $(cat "$TMP/app.json")"
it_ctl appliance | it_grep '^hugepages: ' || it_fail "appliance table has no hugepages"
# NUMA placement: each worker's CPU is the one its DPDK lcore thread is pinned to
# (the worker thread's affinity in /proc), its node that CPU's in sysfs
DP_PID=$(cat "/run/redwire/$IT_NAME/dataplane.pid")
it_eq "$(jq '.placement.workers | length' "$TMP/app.json")" 2 "appliance placement: workers"
jq -e '.numa.nodes | all(.hugepages | type == "array")' "$TMP/app.json" >/dev/null ||
	it_fail "appliance: hugepages per NUMA node: $(jq -c .numa "$TMP/app.json")"
while read -r lcore cpu node; do
	pinned=
	for t in /proc/"$DP_PID"/task/*; do
		case $(cat "$t/comm") in # DPDK 22.11 names it rte-worker-N; later, dpdk-workerN
		rte-worker-"$lcore" | lcore-worker-"$lcore" | dpdk-worker"$lcore") ;;
		*) continue ;;
		esac
		pinned=$(sed -n 's/^Cpus_allowed_list:\t//p' "$t/status")
	done
	it_eq "$pinned" "$cpu" "lcore $lcore's thread affinity vs placement cpu"
	want=$(ls -d /sys/devices/system/cpu/cpu"$cpu"/node* 2>/dev/null | sed -n 's/.*node//p' | head -1)
	it_eq "$node" "${want:-null}" "cpu $cpu's NUMA node vs placement"
done < <(jq -r '.placement.workers[] | "\(.lcore) \(.cpu) \(.node)"' "$TMP/app.json")
jq -e '.placement | (.port_node == null or .port_node >= 0) and
	(.local == null or .local == ([.workers[].node] | all(. == $p.port_node)))' \
	--argjson p "$(jq .placement "$TMP/app.json")" "$TMP/app.json" >/dev/null ||
	it_fail "appliance placement port: $(jq -c .placement "$TMP/app.json")"
it_ctl appliance | it_grep -E '^worker 1 +lcore [0-9]+, cpu [0-9]+, node ' || it_fail "appliance table has no placement"

it_log "exit codes and --help"
for c in status stats health appliance config metrics; do
	it_ctl "$c" --help | grep -q "^usage: redwirectl .* $c" || it_fail "$c --help"
done
it_ctl --help | grep -q '3  the management API cannot be reached' || it_fail "--help lists no exit codes"
rc=0; "$(it_build)/control/cli/redwirectl" --name rwtnosuch status >/dev/null 2>&1 || rc=$?
it_eq "$rc" 3 "exit status when the API cannot be reached"
rc=0; it_ctl frobnicate >/dev/null 2>&1 || rc=$?
it_eq "$rc" 2 "exit status of an unknown command"
rc=0; it_ctl stats --count 0 >/dev/null 2>&1 || rc=$?
it_eq "$rc" 2 "exit status of a bad option"
it_log "ok"
