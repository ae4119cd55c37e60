#!/usr/bin/env bash
# Dataplane parameters set from the management API (issue #8): PATCH
# /v1/parameters/{name} travels the control channel as CONFIG SET, runs the
# dataplane's own CONFIG handler on every worker, and shows in CONFIG GET
# over RESP on fresh connections (spread over both workers); a bad value is
# a 400 whose error is Redis's text, byte for byte as redis-server 7.0.15
# words it; the ETag changes with the value; redwirectl config set/get.
# PATCH /v1/parameters changes several at once under the list's ETag, and
# one refused value (stock's error text for the same CONFIG SET) leaves
# every directive as it was, as stock 7.0 rolls back.
# Then the ACL users through /v1/users and redwirectl users: rules as stock's
# ACL LIST shows them, hashes never passwords, Redis's refusals, connections
# on both workers, DELETE closing them, events.
IT_NAME=rwtcfg
source "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/rwtcfg.XXXXXX)
on_exit() {
	local rc=$?
	set +e
	rm -rf "$TMP"
	(exit $rc)
	it_cleanup
}
command -v jq >/dev/null || it_fail "jq is needed"
it_up --workers 2
trap on_exit EXIT
it_oracle_start
SOCK=/run/redwire/$IT_NAME/api.sock
# hc [curl args...] PATH: the status code; body in $TMP/body, headers in $TMP/head
hc() {
	local p=${*: -1}
	curl -s --max-time 10 --unix-socket "$SOCK" -o "$TMP/body" -D "$TMP/head" -w '%{http_code}' \
		"${@:1:$#-1}" "http://localhost$p" || true
}
etag() { hc "/v1/parameters/$1" >/dev/null; tr -d '\r' <"$TMP/head" | sed -n 's/^etag: //Ip' | head -1; }
oracle() { ip netns exec "$IT_NAME" redis-cli -p "$IT_ORACLE_PORT" "$@"; }
# CONFIG GET on N fresh connections: every answer must be VALUE
get_all() { # NAME VALUE
	for i in $(seq 8); do
		it_eq "$(it_cli config get "$1" | tail -1)" "$2" "CONFIG GET $1 on connection $i"
	done
}

for case in "maxmemory 123456789" "maxmemory-policy allkeys-lfu" "timeout 77" "maxmemory-samples 9"; do
	set -- $case
	it_log "PATCH $1 = $2"
	E1=$(etag "$1")
	[ -n "$E1" ] || it_fail "no ETag on GET $1"
	it_eq "$(hc -X PATCH -H "If-Match: $E1" -d "{\"value\":\"$2\"}" "/v1/parameters/$1")" 200 "PATCH $1"
	it_eq "$(jq -r '.value | tostring' "$TMP/body")" "$2" "PATCH $1 answer's value"
	get_all "$1" "$2"
	E2=$(etag "$1")
	[ "$E1" != "$E2" ] || it_fail "ETag of $1 did not change ($E1)"
	it_eq "$(hc -X PATCH -H "If-Match: $E1" -d "{\"value\":\"$2\"}" "/v1/parameters/$1")" 412 "PATCH $1 with the old ETag"
done

it_log "an integer JSON value works too"
it_eq "$(hc -X PATCH -H "If-Match: $(etag maxmemory)" -d '{"value":200000000}' /v1/parameters/maxmemory)" 200 "PATCH maxmemory integer"
get_all maxmemory 200000000

it_log "bad values: 400 with redis-server's error text"
for case in "maxmemory-policy bogus" "maxmemory 12xyz" "timeout -5" "maxmemory-samples abc" "databases 20"; do
	set -- $case
	want=$(oracle config set "$1" "$2")
	case $want in ERR*) ;; *) it_fail "the oracle accepted CONFIG SET $1 $2: $want" ;; esac
	before=$(it_cli config get "$1" | tail -1)
	it_eq "$(hc -X PATCH -H "If-Match: $(etag "$1")" -d "{\"value\":\"$2\"}" "/v1/parameters/$1")" 400 "PATCH $1=$2"
	it_eq "$(jq -r .error "$TMP/body")" "$want" "PATCH $1=$2 error text"
	it_eq "$(it_cli config get "$1" | tail -1)" "$before" "$1 unchanged after a refused PATCH"
done
it_eq "$(hc -X PATCH -H "If-Match: $(etag timeout)" -d '{"value":[1]}' /v1/parameters/timeout)" 400 "PATCH with an array value"
jq -e '.error | length > 0' "$TMP/body" >/dev/null || it_fail "400 without a JSON error body"

it_log "a change made over RESP shows in the API (and moves the ETag)"
E1=$(etag timeout)
it_eq "$(it_cli config set timeout 33)" OK "RESP CONFIG SET timeout"
hc /v1/parameters/timeout >/dev/null
it_eq "$(jq -r .value "$TMP/body")" 33 "API value after a RESP CONFIG SET"
[ "$(etag timeout)" != "$E1" ] || it_fail "ETag did not move after a RESP CONFIG SET"

it_log "redwirectl config set / get"
it_eq "$(it_ctl config set maxmemory-policy volatile-ttl)" OK "redwirectl config set"
get_all maxmemory-policy volatile-ttl
it_eq "$(it_ctl config get maxmemory-policy --json | jq -r '.[0].value')" volatile-ttl "redwirectl config get --json"
it_ctl config set maxmemory-policy nope 2>"$TMP/err" && it_fail "redwirectl config set accepted a bad policy"
grep -qF "$(oracle config set maxmemory-policy nope)" "$TMP/err" || it_fail "redwirectl error: $(cat "$TMP/err")"
it_eq "$(it_ctl config set timeout 5 --json | jq -r .value)" 5 "redwirectl config set --json"
it_log "PATCH /v1/parameters: several directives at once, all or none, guarded by the list's ETag"
letag() { hc /v1/parameters >/dev/null; tr -d '\r' <"$TMP/head" | sed -n 's/^etag: //Ip' | head -1; }
L1=$(letag)
[ -n "$L1" ] || it_fail "no ETag on GET /v1/parameters"
BULK='{"parameters":{"maxmemory-samples":7,"timeout":"41","maxmemory-policy":"allkeys-random","redwire-mgmt-auth-window":90}}'
it_eq "$(hc -X PATCH -d "$BULK" /v1/parameters)" 428 "bulk PATCH without If-Match"
it_eq "$(hc -X PATCH -H 'If-Match: "0000000000000000"' -d "$BULK" /v1/parameters)" 412 "bulk PATCH with a wrong ETag"
it_eq "$(hc -X PATCH -H "If-Match: $L1" -d "$BULK" /v1/parameters)" 200 "bulk PATCH"
it_eq "$(jq -c '[.parameters[] | {(.name): (.value | tostring)}] | add' "$TMP/body")" \
	'{"maxmemory-samples":"7","timeout":"41","maxmemory-policy":"allkeys-random","redwire-mgmt-auth-window":"90"}' "bulk PATCH's answer"
get_all maxmemory-samples 7
get_all timeout 41
get_all maxmemory-policy allkeys-random
hc /v1/parameters/redwire-mgmt-auth-window >/dev/null
it_eq "$(jq -r .value "$TMP/body")" 90 "the control plane's parameter of the bulk PATCH"
L2=$(letag)
[ "$L2" != "$L1" ] || it_fail "the list's ETag did not change"
it_eq "$(hc -X PATCH -H "If-Match: $L1" -d "$BULK" /v1/parameters)" 412 "bulk PATCH with the old list ETag"
it_log "one bad value refuses them all, with stock's CONFIG SET error text (Redis 7.0 rolls back too)"
oracle config set maxmemory-samples 5 timeout 0 >/dev/null
want=$(oracle config set maxmemory-samples 9 timeout -5 maxmemory-policy noeviction)
case $want in ERR*) ;; *) it_fail "the oracle accepted the bad CONFIG SET: $want" ;; esac
it_eq "$(oracle config get maxmemory-samples | tail -1)" 5 "the oracle rolled maxmemory-samples back"
it_eq "$(hc -X PATCH -H "If-Match: $L2" -d '{"parameters":{"maxmemory-samples":9,"timeout":-5,"maxmemory-policy":"noeviction"}}' /v1/parameters)" 400 "bulk PATCH with a bad value"
it_eq "$(jq -r .error "$TMP/body")" "$want" "bulk PATCH's refusal is stock's text"
get_all maxmemory-samples 7
get_all timeout 41
get_all maxmemory-policy allkeys-random
it_eq "$(hc -X PATCH -H "If-Match: $L2" -d '{"parameters":{"timeout":5,"redwire-mgmt-auth-window":0}}' /v1/parameters)" 400 "a control-plane value out of bounds"
get_all timeout 41
it_eq "$(hc -X PATCH -H "If-Match: $L2" -d '{"parameters":{"nosuch":1}}' /v1/parameters)" 400 "bulk PATCH of no such directive"
it_eq "$(jq -r .name "$TMP/body")" nosuch "the unknown name"
it_eq "$(hc -X PATCH -H "If-Match: $L2" -d '{"parameters":{}}' /v1/parameters)" 400 "bulk PATCH of nothing"
it_eq "$(hc -X PATCH -H "If-Match: $L2" -d '[1]' /v1/parameters)" 400 "bulk PATCH of an array"
it_eq "$(letag)" "$L2" "nothing changed by the refused bulk PATCHes"
it_cli config set timeout 0 >/dev/null

it_log "apply and allowed tell the truth: immediate iff a PATCH of the current value is taken"
hc /v1/parameters >/dev/null
jq -r '.parameters[] | select((.secret | not) and (.name | startswith("redwire-mgmt-") | not) and .value != null) |
	[.name, .apply, (if .value == true then "yes" elif .value == false then "no" else (.value | tostring) end)] | @tsv' \
	"$TMP/body" >"$TMP/applies"
n_imm=0
while IFS=$'\t' read -r name apply value; do
	code=$(hc -X PATCH -H 'If-Match: *' -d "{\"value\":\"$value\"}" "/v1/parameters/$name")
	case "$apply:$code" in
	immediate:200) n_imm=$((n_imm + 1)) ;;
	restart:400) ;;
	*) it_fail "$name: apply $apply but a PATCH of its current value '$value' answered $code: $(cat "$TMP/body")" ;;
	esac
done <"$TMP/applies"
[ "$n_imm" -ge 10 ] || it_fail "only $n_imm directives apply immediately"
hc /v1/parameters/maxmemory-policy >/dev/null
jq -r '.allowed[]' "$TMP/body" >"$TMP/allowed"
it_eq "$(wc -l <"$TMP/allowed")" 8 "maxmemory-policy's allowed values"
while read -r v; do
	it_eq "$(oracle config set maxmemory-policy "$v")" OK "stock takes maxmemory-policy $v"
done <"$TMP/allowed"
hc /v1/parameters/port >/dev/null
jq -e '.apply == "restart" and (has("allowed") | not)' "$TMP/body" >/dev/null || it_fail "port: $(cat "$TMP/body")"
# a boot-only enumerated directive lists what the boot loader accepts (CUnit
# test_config_load checks the loader takes exactly these)
hc /v1/parameters/redwire-port-offload >/dev/null
jq -e '.apply == "restart"' "$TMP/body" >/dev/null || it_fail "redwire-port-offload: $(cat "$TMP/body")"
it_eq "$(jq -c .allowed "$TMP/body")" '["auto","no","strict"]' "redwire-port-offload's allowed values"
it_log "$n_imm directives apply immediately"

it_log "users (issue #8): PUT/GET/DELETE /v1/users run the dataplane's ACL over the channel"
RULES='on >s3cret ~app:* %R~ro:* &app:* -@all +@string'
SUM=$(printf s3cret | sha256sum | cut -d' ' -f1)
# shellcheck disable=SC2086
oracle acl setuser app reset $RULES >/dev/null
want=$(oracle acl list | sed -n 's/^user app //p')
it_eq "$(hc -X PUT -d "{\"rules\":\"$RULES\"}" /v1/users/app)" 201 "PUT a new user"
it_eq "$(jq -r .rules "$TMP/body")" "$want" "the user's rules, as stock's ACL LIST"
it_eq "$(jq -r '.password_hashes[0]' "$TMP/body")" "$SUM" "the password's SHA-256"
grep -q s3cret "$TMP/body" && it_fail "a password came back: $(cat "$TMP/body")"
it_eq "$(hc -X PUT -d "{\"rules\":\"$RULES\"}" /v1/users/app)" 200 "PUT the same user again (replaced)"
it_eq "$(hc /v1/users/app)" 200 "GET the user"
it_eq "$(jq -c '[.enabled, .nopass, .keys, .channels, .commands]' "$TMP/body")" \
	'[true,false,["~app:*","%R~ro:*"],["&app:*"],"-@all +@string"]' "GET /v1/users/app"
it_eq "$(hc /v1/users)" 200 "GET /v1/users"
it_eq "$(jq -r '[.users[].name] | join(" ")' "$TMP/body")" "app default" "the users, in name order"
for i in $(seq 6); do # fresh connections land on both workers
	it_eq "$(it_ns redis-cli -h "$IT_IP" -p "$IT_PORT" --user app --pass s3cret --no-auth-warning set app:$i v)" OK "SET as app ($i)"
	it_eq "$(it_ns redis-cli -h "$IT_IP" -p "$IT_PORT" --user app --pass s3cret --no-auth-warning set zz v)" \
		"$(ip netns exec "$IT_NAME" redis-cli -p "$IT_ORACLE_PORT" --user app --pass s3cret --no-auth-warning set zz v)" "NOPERM as app ($i)"
done
want=$(oracle acl setuser app nosuchrule)
it_eq "$(hc -X PUT -d '{"rules":"on nosuchrule"}' /v1/users/app)" 400 "PUT a rule Redis refuses"
it_eq "$(jq -r .error "$TMP/body")" "$want" "the refusal is Redis's text"
it_eq "$(hc -X PUT -d '{}' /v1/users/app)" 400 "PUT without rules"
it_eq "$(it_ns redis-cli -h "$IT_IP" -p "$IT_PORT" --user app --pass s3cret --no-auth-warning set app:x v)" OK "a refused PUT changes nothing"
it_log "redwirectl users"
it_ctl users list | grep -q '^app ' || it_fail "redwirectl users list: $(it_ctl users list)"
it_eq "$(it_ctl users set svc on nopass '~svc:*' +get --json | jq -r .commands)" "-@all +get" "redwirectl users set --json"
it_eq "$(it_ctl users get svc --json | jq -r .nopass)" true "redwirectl users get --json"
it_ctl users set svc bogus 2>"$TMP/err" && it_fail "redwirectl users set accepted a bad rule"
grep -qF "$(oracle acl setuser svc bogus)" "$TMP/err" || it_fail "redwirectl users set error: $(cat "$TMP/err")"
it_eq "$(it_ctl users del svc)" "deleted svc" "redwirectl users del"
it_ctl users get svc 2>/dev/null && it_fail "redwirectl users get of a deleted user"
it_ctl users --help | grep -q "set NAME RULES" || it_fail "redwirectl users --help"
it_log "DELETE closes the user's connections; default cannot go"
exec 7< <(it_ns redis-cli -h "$IT_IP" -p "$IT_PORT" --user app --pass s3cret --no-auth-warning -r 100 -i 0.1 get app:1 2>&1)
sleep 0.5
it_eq "$(hc -X DELETE /v1/users/app)" 200 "DELETE the user"
it_eq "$(jq -r .deleted "$TMP/body")" app "DELETE's answer"
timeout 15 cat <&7 >"$TMP/held" || true
exec 7<&-
[ "$(grep -c '^v$' "$TMP/held")" -lt 100 ] || it_fail "the deleted user's connection kept working"
it_eq "$(hc /v1/users/app)" 404 "GET a deleted user"
it_eq "$(hc -X DELETE /v1/users/app)" 404 "DELETE it again"
it_eq "$(hc -X DELETE /v1/users/default)" 400 "DELETE default"
it_log "events name the user, never its rules"
hc /v1/events >/dev/null
jq -e '[.events[] | select(.type == "user.changed")] | length >= 2' "$TMP/body" >/dev/null || it_fail "no user.changed events"
jq -e '[.events[] | select(.type == "user.deleted")] | length >= 1' "$TMP/body" >/dev/null || it_fail "no user.deleted event"
grep -q s3cret "$TMP/body" && it_fail "an event holds the password"
AUDIT=/var/lib/redwire/$IT_NAME/mgmt-audit.jsonl
if [ -f "$AUDIT" ]; then
	grep -q s3cret "$AUDIT" && it_fail "the audit log holds the password"
fi
it_log "PASS"
