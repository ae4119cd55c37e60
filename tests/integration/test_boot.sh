#!/usr/bin/env bash
# Boot an instance (ASan build) and use it as a person would: ICMP echo from
# the namespace, redis-cli PING/SET/GET/INCR/DEL, redwirectl status; then
# `down` must leave no namespace, process, tap, channel or hugepage file.
IT_NAME=rwtboot IT_SAN=1
source "$(dirname "$0")/lib.sh"
it_up --workers 2

it_log "ICMP echo"
it_ns ping -c 3 -i 0.2 -W 2 "$IT_IP" >/dev/null || it_fail "no ICMP echo reply from $IT_IP"

it_log "redis-cli"
it_eq "$(it_cli ping)" PONG "PING"
it_eq "$(it_cli set greeting hello)" OK "SET"
it_eq "$(it_cli get greeting)" hello "GET"
it_eq "$(it_cli incr counter)" 1 "INCR"
it_eq "$(it_cli incr counter)" 2 "INCR again"
it_eq "$(it_cli del greeting counter nothere)" 2 "DEL of keys on both workers"
it_eq "$(it_cli exists greeting)" 0 "EXISTS after DEL"
it_eq "$(it_cli dbsize)" 0 "DBSIZE"
it_cli info server | grep -q '^redis_version:7.0.15' || it_fail "INFO server has no redis_version"

it_log "redwirectl status"
st=$(it_ctl status)
echo "$st"
echo "$st" | grep -qi 'workers' || it_fail "status shows no workers"
echo "$st" | grep -qiE 'role.*master' || it_fail "status shows no role"

it_log "CONFIG REWRITE writes the instance's copy of the config, never the shipped file"
shipped=$(sha256sum "$IT_ROOT/platform/config/redwire.conf")
own=/var/lib/redwire/$IT_NAME/redwire.conf
it_eq "$(it_cli config set slowlog-max-len 77)" OK "CONFIG SET"
it_eq "$(it_cli config rewrite)" OK "CONFIG REWRITE"
it_eq "$(sha256sum "$IT_ROOT/platform/config/redwire.conf")" "$shipped" "shipped config after CONFIG REWRITE"
grep -qx 'slowlog-max-len 77' "$own" || it_fail "CONFIG REWRITE did not write $own"
grep -qx "redwire-name \"$IT_NAME\"" "$own" || it_fail "$own does not name the instance"

it_log "a second up reports what runs and changes nothing"
dp_pid=$(cat /run/redwire/$IT_NAME/dataplane.pid)
out=$(REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" up --name "$IT_NAME")
echo "$out" | grep -q "is running" || it_fail "second up did not report the running instance"
it_eq "$(cat /run/redwire/$IT_NAME/dataplane.pid)" "$dp_pid" "dataplane pid after a second up"

it_log "up after a crash cleans the leftovers and starts again, keeping the data directory"
touch /var/lib/redwire/$IT_NAME/keep-me
kill -KILL "$dp_pid"
for _ in $(seq 50); do kill -0 "$dp_pid" 2>/dev/null || break; sleep 0.1; done
out=$(REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" up --name "$IT_NAME")
echo "$out" | grep -q "cleaning up" || it_fail "up after a crash did not clean up: $out"
[ "$(cat /run/redwire/$IT_NAME/dataplane.pid)" != "$dp_pid" ] || it_fail "dataplane not restarted"
it_eq "$(it_cli ping)" PONG "PING after restart"
[ -e /var/lib/redwire/$IT_NAME/keep-me ] || it_fail "data directory lost across the restart"

it_log "down leaves nothing behind"
dp_pid=$(cat /run/redwire/$IT_NAME/dataplane.pid)
cp_pid=$(cat /run/redwire/$IT_NAME/control.pid)
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME"
! kill -0 "$dp_pid" 2>/dev/null || it_fail "dataplane still running"
! kill -0 "$cp_pid" 2>/dev/null || it_fail "control plane still running"
! ip netns list | grep -qw "$IT_NAME" || it_fail "namespace left behind"
! ip link show rw0 >/dev/null 2>&1 || it_fail "tap left behind"
[ ! -e /dev/shm/redwire-$IT_NAME.chan ] || it_fail "channel file left behind"
! ls /dev/hugepages/redwire-$IT_NAME* >/dev/null 2>&1 || it_fail "hugepage files left behind"
[ ! -d /run/redwire/$IT_NAME ] || it_fail "runtime directory left behind"
[ -d /var/lib/redwire/$IT_NAME ] || it_fail "data directory was removed"
it_log "ok"
