#!/usr/bin/env bash
# GET /v1/support-bundle and `redwirectl support-bundle` (issue #8): the
# bundle of a booted instance holds the appliance, status, per-worker
# stats, parameters, metrics and both log tails, and no secret. The test
# plants them: requirepass in the config file, another one set at run time
# with CONFIG SET (the dataplane's live value), both written into the
# control plane's and the dataplane's logs as a leak would; then greps the
# bundle for them. Also under the ASan build (IT_SAN=1).
IT_NAME=rwtsup
source "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/rwtsup.XXXXXX)
on_exit() {
	local rc=$?
	set +e # errexit would end the trap at `(exit $rc)`, before it_cleanup
	rm -rf "$TMP"
	(exit $rc)
	it_cleanup
}
trap on_exit EXIT
command -v jq >/dev/null || it_fail "jq is needed"
BOOT_SECRET="Boot-Pl4nted-$RANDOM$RANDOM" LIVE_SECRET="Live-Pl4nted-$RANDOM$RANDOM"

cp "$IT_ROOT/platform/config/redwire.conf" "$TMP/redwire.conf"
echo "requirepass \"$BOOT_SECRET\"" >>"$TMP/redwire.conf"
export REDISCLI_AUTH=$BOOT_SECRET # redis-cli's password, for `redwire up`'s readiness check
it_up --workers 2 --config "$TMP/redwire.conf"
trap on_exit EXIT # it_up set its own
for _ in $(seq 50); do it_ctl health >/dev/null 2>&1 && break; sleep 0.1; done
it_ctl health >/dev/null || it_fail "instance not ready"

it_log "secrets: one in the config, one set at run time, both leaked into the logs"
it_eq "$(it_cli config set requirepass "$LIVE_SECRET")" OK "CONFIG SET requirepass"
export REDISCLI_AUTH=$LIVE_SECRET
it_eq "$(it_cli set k v)" OK "AUTH with the new password"
RUN=/run/redwire/$IT_NAME
echo "level=warn msg=\"planted\" pass=$BOOT_SECRET live=$LIVE_SECRET" >>"$RUN/control.log"
echo "level=warn msg=\"planted\" auth=\"$LIVE_SECRET\"" >>"$RUN/dataplane.log"

it_ctl support-bundle -o "$TMP/bundle.json" || it_fail "redwirectl support-bundle"
for s in "$BOOT_SECRET" "$LIVE_SECRET"; do
	grep -qF "$s" "$TMP/bundle.json" && it_fail "the bundle holds the secret $s"
done
it_log "no secret in the bundle ($(wc -c <"$TMP/bundle.json") bytes)"
jq -e '.redactions >= 3' "$TMP/bundle.json" >/dev/null || it_fail "redactions: $(jq .redactions "$TMP/bundle.json")"
jq -r '.logs["control.log"]' "$TMP/bundle.json" | it_grep -F 'pass=(redacted) live=(redacted)' ||
	it_fail "control.log: the planted line is not redacted in place"
jq -r '.logs["dataplane.log"]' "$TMP/bundle.json" | it_grep -F 'auth="(redacted)"' ||
	it_fail "dataplane.log: the planted line is not redacted in place"
jq -r '.logs["control.log"]' "$TMP/bundle.json" | it_grep 'attached to the dataplane channel' ||
	it_fail "control.log tail lacks the attach line"
jq -r '.logs["dataplane.log"]' "$TMP/bundle.json" | it_grep 'ready: serving' || it_fail "dataplane.log tail"

it_log "the parts are the API's answers"
jq -e '.name == "'"$IT_NAME"'" and (.stats.workers | length) == 2 and .stats.attached and
	.status.dataplane.alive and (.appliance.dataplane.workers == 2) and
	(.metrics | test("redwire_memory_used_bytes [0-9]+")) and
	([.parameters.parameters[] | select(.name == "requirepass")][0].value == "(redacted)") and
	(.stats.totals.keys == 1)' "$TMP/bundle.json" >/dev/null ||
	it_fail "bundle parts: $(jq -c '{name, redactions, w: (.stats.workers | length), keys: .stats.totals.keys}' "$TMP/bundle.json")"
it_ctl support-bundle >"$TMP/stdout.json" || it_fail "support-bundle to stdout"
jq -e '.generated_unix_ms > 0' "$TMP/stdout.json" >/dev/null || it_fail "support-bundle stdout is not the bundle"
it_ctl support-bundle --help >"$TMP/help.txt" && grep -q '^usage: redwirectl .* support-bundle' "$TMP/help.txt" ||
	it_fail "support-bundle --help"
rc=0; it_ctl support-bundle extra >/dev/null 2>&1 || rc=$?
it_eq "$rc" 2 "support-bundle with an extra argument"
it_log "ok"
