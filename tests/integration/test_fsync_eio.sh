#!/usr/bin/env bash
# Issue #7, fsync EIO through faultfs, under a logged write load with
# appendfsync always: "eio 1" (EIO, then OK) and "eio 2" (EIO again while
# recovering). Each time: a clear log line, the AOF recovers without a
# restart into a fresh incr file named by the manifest (never fsync again
# and trust the same file), the load goes on, and no acknowledged write is
# missing. faultfs drops the pages of a failed fsync for good (they read
# as zeros after a power cut even if a later fsync of that file succeeds),
# so the final power cut and restart would lose or corrupt acknowledged
# writes if any had been trusted to a failed file.
IT_NAME=rwteio
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/recovery_lib.sh"
source "$(dirname "$0")/faultfs_lib.sh"

WORK=$(mktemp -d /tmp/rwteio-XXXXXX)
CONF=$WORK/redwire.conf
CLIENT_PID=""
cleanup_eio() {
	if [ -n "$CLIENT_PID" ]; then kill -KILL "$CLIENT_PID" 2>/dev/null || true; fi
	REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null 2>&1 || true
	ffs_stop
	rm -rf "$WORK"
}
trap cleanup_eio EXIT
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync always\nredwire-aof-reserve 1mb\n' >>"$CONF"
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null 2>&1 || true
ffs_start
it_up --workers 2 --config "$CONF" >/dev/null
trap 'rc=$?; set +e; cleanup_eio; (exit $rc); it_cleanup' EXIT
CLOG=/run/redwire/$IT_NAME/control.log
count() { grep -c "$1" "$CLOG" || true; }
verify_all() { # WHAT
	local out
	out=$(it_ns "$IT_PY" "$IT_ROOT/tests/integration/crash_client.py" "$IT_IP" "$IT_PORT" verify "$WORK"/load.*) ||
		{ echo "$out"; it_fail "$1: acknowledged writes lost"; }
	it_log "  $1: ${out##*$'\n'}"
}

n=0
for fault in "eio 1" "eio 2"; do
	n=$((n + 1))
	it_log "$fault under load"
	ip netns exec "$IT_NAME" "$IT_PY" "$IT_ROOT/tests/integration/crash_client.py" "$IT_IP" \
		"$IT_PORT" "$WORK/load.$n" "e$n" &
	CLIENT_PID=$!
	for _ in $(seq 100); do [ -s "$WORK/load.$n" ] && break; sleep 0.05; done
	sleep 0.5
	failed=$(count 'msg="AOF fsync failed')
	fresh=$(count 'msg="AOF re-persisted into a fresh incr file')
	ffs_cmd "$fault"
	for _ in $(seq 200); do [ "$(count 'msg="AOF re-persisted into a fresh incr file')" -gt "$fresh" ] && break; sleep 0.05; done
	[ "$(count 'msg="AOF fsync failed')" -gt "$failed" ] || it_fail "$fault: no log line for the failed fsync"
	[ "$(count 'msg="AOF re-persisted into a fresh incr file')" -gt "$fresh" ] || it_fail "$fault: no recovery into a fresh file"
	before=$(wc -l <"$WORK/load.$n")
	sleep 0.7
	after=$(wc -l <"$WORK/load.$n")
	[ "$after" -gt "$before" ] || it_fail "$fault: writes are not acknowledged after the recovery"
	kill -KILL "$CLIENT_PID"; wait "$CLIENT_PID" 2>/dev/null || true; CLIENT_PID=""
	it_eq "$(it_cli info persistence | tr -d '\r' | grep '^aof_last_write_status:')" "aof_last_write_status:ok" "$fault: INFO after the recovery"
	verify_all "$fault, no restart"
done
grep 'msg="AOF fsync failed' "$CLOG" | head -1 | sed 's/^/    /'
grep 'msg="AOF re-persisted' "$CLOG" | head -1 | sed 's/^/    /'
[ "$(grep -c 'type i$' "$FFS_MNT/appendonly.aof.manifest")" -ge 3 ] || it_fail "the manifest does not list the fresh incr files: $(cat "$FFS_MNT/appendonly.aof.manifest")"
out=$(cd "$FFS_MNT" && redis-check-aof appendonly.aof.manifest 2>&1) || it_fail "redis-check-aof: $out"

it_log "power cut, restart from what the disk kept"
rc_kill dataplane
rc_kill control
ffs_cmd cut
rc_up --workers 2 --config "$CONF"
rc_wait_loaded 60
verify_all "after the power cut"
it_log "ok"
