#!/usr/bin/env bash
# Run every test: CUnit unit tests (sanitizer build), bounded libFuzzer runs
# (tests/fuzz/run.sh), then the integration
# tests against instances of their own (never the user's "rw"). Ends with
# "N passed, M failed". Called by `./redwire test`.
#   --unit-only / --integration-only   run one half
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_SAN=${REDWIRE_BUILD_SAN:-$ROOT/build-san}
passed=0 failed=0 failures=()
mode=${1:-all}

run_unit() {
	local bin out line
	while IFS= read -r bin; do
		out=$("$bin" 2>&1); rc=$?
		# CUnit's run summary: "tests  <total> <ran> <passed> <failed> <inactive>"
		line=$(printf '%s\n' "$out" | awk '$1=="tests" && NF>=5 {print $3, $4, $5}' | tail -1)
		if [ -z "$line" ]; then
			failed=$((failed + 1)); failures+=("unit:$(basename "$bin") (no summary, exit $rc)")
			printf '%s\n' "$out" | tail -20
			continue
		fi
		read -r ran ok bad <<<"$line"
		passed=$((passed + ok)); failed=$((failed + bad))
		if [ "$bad" != 0 ] || [ "$rc" != 0 ]; then
			[ "$bad" = 0 ] && failed=$((failed + 1))
			failures+=("unit:$(basename "$bin")")
			printf '%s\n' "$out" | grep -E -B2 -A6 'FAILED|ERROR|Sanitizer' | head -60
		fi
		printf 'unit %-28s %s/%s passed\n' "$(basename "$bin")" "$ok" "$ran"
	done < <(find "$BUILD_SAN/tests/unit" -type f -executable -name 'test_*' | sort)
}

run_integration() {
	local t rc
	for t in "$ROOT"/tests/integration/test_*; do
		[ -x "$t" ] || continue
		printf 'integration %s ... ' "$(basename "$t")"
		local log=/tmp/redwire-it-$(basename "$t").log start=$SECONDS
		timeout 900 "$t" >"$log" 2>&1; rc=$?
		if [ $rc = 0 ]; then
			echo "ok ($((SECONDS - start)) s)"; passed=$((passed + 1))
		else
			echo "FAILED (exit $rc, $((SECONDS - start)) s)"; failed=$((failed + 1)); failures+=("integration:$(basename "$t")")
			tail -40 "$log"
		fi
	done
}

run_fuzz() {
	local out
	if out=$("$ROOT/tests/fuzz/run.sh" 2>&1); then
		passed=$((passed + 1)); echo "$out"
	else
		failed=$((failed + 1)); failures+=("fuzz"); echo "$out"
	fi
}

[ "$mode" != --integration-only ] && run_unit
[ "$mode" != --integration-only ] && run_fuzz
[ "$mode" != --unit-only ] && run_integration
if [ ${#failures[@]} -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
