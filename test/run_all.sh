#!/bin/bash
# run_all.sh — the whole test suite: builds with both build systems, then runs
# each suite and reports each one's own count:
#
#   unit        GoogleTest unit tests (ctest)
#   unit+asan   the same unit tests under ASan+UBSan (ORCA_SKIP_ASAN=1 skips them)
#   sim         orca-sim's tests (test/sim/sim_test.py, through ctest)
#   regress     pg_regress against a scratch PostgreSQL + orca-sim (test/run_regress.sh)
#   and the end-to-end suites of SUITES below, each printing "N passed, N failed".
#
# Prints "suites: unit 129, unit+asan 129, sim 50, regress 10, ..." and, last,
# "N passed, N failed" (the sum over the suites); exit status 1 on any failure.
#
# Under CI=true nothing may be skipped: a skipped suite (ORCA_SKIP_ASAN=1, a
# listed suite script that is missing) counts as a failure.  Without CI a skip
# is reported ("skipped: ...") but not counted.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=${JOBS:-2}
ci=false
case "${CI:-}" in true | 1 | yes) ci=true ;; esac

# End-to-end suites, in the order they run: name and script.  Each prints
# "N passed, N failed" as its last such line and exits non-zero on failure.
# A new suite is one more line here.
SUITES=(
	"tls test/tls_test.sh"
	"hostile test/hostile_test.sh"
	"faults test/fault_suite.sh"
	"oracle test/oracle.sh"
	"limits test/limits_test.sh"
	"fuzz test/fuzz_ci.sh"
	"upgrade test/upgrade_test.sh"
	"sync test/sync_concurrency.sh"
	"package test/package_test.sh"
	"clients test/clients/run.sh"
)

passed=0
failed=0
report=()   # "name N" or "name N (M failed)", in run order
failures=() # what failed, for the closing summary
skipped=()  # what was skipped (only without CI)

record() { # NAME PASSED FAILED [WHY]
	passed=$((passed + $2))
	failed=$((failed + $3))
	if [ "$3" -eq 0 ]; then
		report+=("$1 $2")
	else
		report+=("$1 $2 ($3 failed)")
		failures+=("$1: ${4:-$3 failed}")
	fi
}

skip() { # NAME WHY
	if $ci; then
		echo "=== $1: skipped ($2): a failure under CI=true"
		record "$1" 0 1 "skipped under CI=true ($2)"
	else
		echo "=== $1: skipped ($2)"
		report+=("$1 skipped")
		skipped+=("$1: $2")
	fi
}

# summary LOG: "P F" from the last "N passed, N failed" line, or nothing
# (ctest -V prefixes a test's lines with "N: ")
summary() {
	grep -E '^([0-9]+: )?[0-9]+ passed, [0-9]+ failed' "$1" | tail -1 | sed -E 's/^[0-9]+: //' |
		awk '{print $1, $3}' | grep .
}

# ctest_counts LOG: "P F" from ctest's "N% tests passed, F tests failed out of T"
ctest_counts() {
	local line total nfail
	line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)
	[ -n "$line" ] || return 1
	total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
	nfail=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
	echo "$((total - nfail)) $nfail"
}

# unit_tests NAME BUILD_DIR [ENV...]: the GoogleTest tests of a CMake build (every ctest test but the
# simulator's), recorded under NAME
unit_tests() {
	local name=$1 dir=$2 rc p f counts
	shift 2
	(cd "$dir" && env "$@" ctest -E '^sim_tests$' --output-on-failure -j"$jobs" --timeout 300) >"$log" 2>&1
	rc=$?
	grep -E '^[0-9]+% tests|\*\*\*(Failed|Timeout|Exception)' "$log" | tail -20
	if counts=$(ctest_counts "$log"); then
		read -r p f <<<"$counts"
		[ "$p" -gt 0 ] || { f=$((f + 1)); echo "no unit tests were found"; }
		[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
		record "$name" "$p" "$f"
	else
		tail -20 "$log"
		record "$name" 0 1 "no ctest summary"
	fi
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# 1. PGXS build and install (the canonical build)
echo "=== make (PGXS), make install"
if ! make -s -j"$jobs" || ! make -s install; then
	record build 0 1 "make or make install failed"
fi

# 2. CMake build: module, simulator, unit tests; ctest runs the unit tests and the simulator tests
echo "=== cmake build"
if cmake -S . -B build-cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$log" 2>&1 &&
	cmake --build build-cmake -j"$jobs" >>"$log" 2>&1; then
	echo "=== unit"
	unit_tests unit build-cmake
	echo "=== sim"
	(cd build-cmake && ctest -R '^sim_tests$' -V --timeout 300) >"$log" 2>&1
	rc=$?
	if counts=$(summary "$log"); then
		read -r p f <<<"$counts"
		grep -E '^[0-9]+: FAIL' "$log" | head -20
		[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
		record sim "$p" "$f"
	else
		tail -20 "$log"
		record sim 0 1 "no summary line (is test/sim/sim_test.py registered in ctest?)"
	fi
else
	tail -30 "$log"
	record cmake 0 1 "cmake build failed (unit and sim tests not run)"
fi

# 3. unit tests under ASan + UBSan
if [ "${ORCA_SKIP_ASAN:-0}" = 1 ]; then
	skip unit+asan "ORCA_SKIP_ASAN=1"
else
	echo "=== unit+asan"
	if cmake -S . -B build-asan -DORCA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >"$log" 2>&1 &&
		cmake --build build-asan -j"$jobs" --target unit_tests >>"$log" 2>&1; then
		unit_tests unit+asan build-asan ASAN_OPTIONS=detect_leaks=1
	else
		tail -30 "$log"
		record unit+asan 0 1 "ASan build failed"
	fi
fi

# 4. pg_regress against a scratch cluster and orca-sim (build/orca-sim comes from step 1)
echo "=== regress"
if [ ! -x build/orca-sim ]; then
	record regress 0 1 "build/orca-sim is missing (make failed?)"
else
	test/run_regress.sh >"$log" 2>&1
	rc=$?
	tail -15 "$log"
	if n=$(grep -oE 'All [0-9]+ tests passed' "$log" | grep -oE '[0-9]+'); then
		# every test passed; a non-zero exit afterwards (cluster teardown) still fails the run
		if [ "$rc" -eq 0 ]; then
			record regress "$n" 0
		else
			record regress "$n" 1 "all tests passed, but test/run_regress.sh exited with $rc"
		fi
	elif line=$(grep -oE '[0-9]+ of [0-9]+ tests failed' "$log" | tail -1) && [ -n "$line" ]; then
		nf=$(awk '{print $1}' <<<"$line")
		nt=$(awk '{print $3}' <<<"$line")
		record regress $((nt - nf)) "$nf"
	else
		record regress 0 1 "no pg_regress summary (exit $rc)"
	fi
fi

# 5. end-to-end suites that print their own "N passed, N failed"
for entry in "${SUITES[@]}"; do
	read -r name script <<<"$entry"
	if [ ! -f "$script" ]; then
		skip "$name" "$script is missing"
		continue
	fi
	echo "=== $name ($script)"
	bash "$script" >"$log" 2>&1
	rc=$?
	tail -5 "$log"
	if counts=$(summary "$log"); then
		read -r p f <<<"$counts"
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			record "$name" "$p" 1 "$script exited with $rc after 0 failures"
		else
			record "$name" "$p" "$f"
		fi
	else
		record "$name" 0 1 "$script printed no \"N passed, N failed\" line (exit $rc)"
	fi
done

echo
if [ ${#skipped[@]} -gt 0 ]; then
	printf 'skipped: %s\n' "${skipped[@]}"
fi
if [ ${#failures[@]} -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
(
	IFS=,
	echo "suites: ${report[*]}" | sed 's/,/, /g'
)
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
