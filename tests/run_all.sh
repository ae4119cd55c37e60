#!/usr/bin/env bash
# Run every test: CUnit unit tests (sanitizer build), bounded libFuzzer runs
# (tests/fuzz/run.sh), then the integration
# tests against instances of their own (never the user's "rw"). Ends with
# "N passed, M failed". Called by `./redwire test`.
#   --unit-only / --integration-only   run one half
#   REDWIRE_IT_JOBS=N   integration tests at once (default 2)
#   REDWIRE_IT_ONLY=RE  only the integration tests whose file name matches RE
# A whole run starts the unit tests and the fuzz runs beside the integration
# tests (those mostly wait on boots and round trips; the unit tests and the
# fuzzers want CPU), and waits for them before the serial integration tests.
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

# Integration tests run REDWIRE_IT_JOBS at a time (default 2: most of a
# test's time is boot, waits and a client's round trips, not CPU). Each has
# its own instance, namespace and /24. A test whose script says
# "# it: serial" (load generators, timing bounds, 10,000 connections) runs
# alone, after the others.
it_start() { # TEST
	local t=$1
	( start=$SECONDS
	  timeout 900 "$t" >"/tmp/redwire-it-$(basename "$t").log" 2>&1; rc=$?
	  echo "$rc $((SECONDS - start))" >"$IT_RES/$(basename "$t")"
	  exit $rc ) &
	it_pids[$!]=$t
}

it_reap() { # wait for one running test and report it
	local pid t name rc secs
	wait -n -p pid "${!it_pids[@]}" || true
	t=${it_pids[$pid]}; unset "it_pids[$pid]"
	name=$(basename "$t")
	read -r rc secs <"$IT_RES/$name" 2>/dev/null || { rc=255 secs=?; }
	if [ "$rc" = 0 ]; then
		echo "integration $name ... ok ($secs s)"; passed=$((passed + 1))
	else
		echo "integration $name ... FAILED (exit $rc, $secs s)"; failed=$((failed + 1))
		failures+=("integration:$name")
		# The test's own last lines (its FAIL message) come before the
		# instance logs it_cleanup appends: print both, the test's first.
		sed -n '/^---- dataplane log/q;p' "/tmp/redwire-it-$name.log" | tail -25
		sed -n '/^---- dataplane log/,$p' "/tmp/redwire-it-$name.log" | tail -45
	fi
}

# Unit tests and fuzz runs in the background: their output and counts land
# in files and are reported by bg_report().
bg_start() {
	BG_DIR=$(mktemp -d /tmp/redwire-bg.XXXXXX)
	( run_unit; run_fuzz
	  echo "$passed $failed" >"$BG_DIR/counts"
	  [ ${#failures[@]} -gt 0 ] && printf '%s\n' "${failures[@]}" >"$BG_DIR/failures"
	  exit 0 ) >"$BG_DIR/out" 2>&1 &
	BG_PID=$!
}

bg_report() {
	[ -n "${BG_PID:-}" ] || return 0
	wait "$BG_PID"
	BG_PID=""
	cat "$BG_DIR/out"
	local p=0 f=1 line
	read -r p f <"$BG_DIR/counts" 2>/dev/null ||
		{ echo "unit/fuzz: no counts (the background run died)"; failures+=("unit/fuzz"); }
	passed=$((passed + p)); failed=$((failed + f))
	[ -f "$BG_DIR/failures" ] && while IFS= read -r line; do failures+=("$line"); done <"$BG_DIR/failures"
	rm -rf "$BG_DIR"
}

run_integration() {
	local t jobs=${REDWIRE_IT_JOBS:-2} serial=()
	declare -gA it_pids=()
	IT_RES=$(mktemp -d /tmp/redwire-it-res.XXXXXX)
	for t in "$ROOT"/tests/integration/test_*; do
		[ -x "$t" ] || continue
		[[ $(basename "$t") =~ ${REDWIRE_IT_ONLY:-.} ]] || continue
		if grep -q '^# it: serial' "$t"; then serial+=("$t"); continue; fi
		while [ ${#it_pids[@]} -ge "$jobs" ]; do it_reap; done
		it_start "$t"
	done
	while [ ${#it_pids[@]} -gt 0 ]; do it_reap; done
	bg_report # the serial tests' bounds assume the CPU is theirs
	for t in "${serial[@]}"; do
		it_start "$t"
		it_reap
	done
	rm -rf "$IT_RES"
}

run_fuzz() {
	local out
	if out=$("$ROOT/tests/fuzz/run.sh" 2>&1); then
		passed=$((passed + 1)); echo "$out"
	else
		failed=$((failed + 1)); failures+=("fuzz"); echo "$out"
	fi
}

case $mode in
--unit-only) run_unit; run_fuzz ;;
--integration-only) run_integration ;;
*) bg_start; run_integration; bg_report ;;
esac
if [ ${#failures[@]} -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
