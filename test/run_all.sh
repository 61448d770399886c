#!/bin/bash
# run_all.sh — the whole test suite: builds with both build systems, runs the
# unit tests (GoogleTest) and simulator tests (ctest), the unit tests again
# under ASan+UBSan, and pg_regress against a scratch PostgreSQL + orca-sim.
# Prints one closing line "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=${JOBS:-2}
passed=0
failed=0
failures=()

count_ctest() { # $1 = log
	local line total nfail
	line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		failures+=("$2 (no ctest summary)")
		return
	fi
	total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
	nfail=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
	passed=$((passed + total - nfail))
	failed=$((failed + nfail))
	[ "$nfail" -eq 0 ] || failures+=("$2: $nfail failed")
}

step() { # name, command...
	local name=$1
	shift
	echo "=== $name"
	if "$@"; then
		return 0
	fi
	failures+=("$name")
	return 1
}

# 1. PGXS build and install (the canonical build)
if step "make (PGXS)" make -s -j"$jobs" && step "make install" make -s install; then
	:
else
	failed=$((failed + 1))
fi

# 2. CMake build: module, simulator, unit tests; ctest runs unit + simulator tests
log=$(mktemp)
if step "cmake build" bash -c "cmake -S . -B build-cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build-cmake -j$jobs >/dev/null"; then
	(cd build-cmake && ctest --output-on-failure -j"$jobs" --timeout 300) 2>&1 | tee "$log" | grep -E '^(Test|[0-9]+% tests| *[0-9]+/[0-9]+ Test.*(Failed|Timeout))' | tail -5
	count_ctest "$log" "ctest"
else
	failed=$((failed + 1))
fi

# 3. unit tests under ASan + UBSan
if [ "${ORCA_SKIP_ASAN:-0}" != 1 ]; then
	if step "cmake asan build" bash -c "cmake -S . -B build-asan -DORCA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null && cmake --build build-asan -j$jobs --target unit_tests >/dev/null"; then
		(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest -R '^[A-Z]' --output-on-failure -j"$jobs" --timeout 300) 2>&1 | tee "$log" | tail -3
		count_ctest "$log" "ctest (asan)"
	else
		failed=$((failed + 1))
	fi
fi

# 4. pg_regress against a scratch cluster and orca-sim
if [ -x build/orca-sim ]; then
	test/run_regress.sh 2>&1 | tee "$log" | tail -15
	if grep -qE 'All [0-9]+ tests passed' "$log"; then
		n=$(grep -oE 'All [0-9]+ tests passed' "$log" | grep -oE '[0-9]+')
		passed=$((passed + n))
	else
		line=$(grep -oE '[0-9]+ of [0-9]+ tests failed' "$log" | tail -1)
		if [ -n "$line" ]; then
			nf=$(awk '{print $1}' <<<"$line")
			nt=$(awk '{print $3}' <<<"$line")
			passed=$((passed + nt - nf))
			failed=$((failed + nf))
		else
			failed=$((failed + 1))
		fi
		failures+=("pg_regress")
	fi
fi
# 5. end-to-end suites that print their own "N passed, N failed":
#    TLS, hostile responses, the fault-injection suite and soak, the cluster-wide
#    limits (limits_test.sh), bounded fuzzing
for suite in test/tls_test.sh test/hostile_test.sh test/fault_suite.sh test/limits_test.sh test/fuzz_ci.sh; do
	[ -x "$suite" ] || continue
	echo "=== $suite"
	"$suite" >"$log" 2>&1
	rc=$?
	tail -5 "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -n "$line" ]; then
		passed=$((passed + $(awk '{print $1}' <<<"$line")))
		nf=$(awk '{print $3}' <<<"$line")
		failed=$((failed + nf))
		[ "$nf" -eq 0 ] && [ $rc -eq 0 ] || failures+=("$suite")
		[ "$nf" -eq 0 ] && [ $rc -ne 0 ] && failed=$((failed + 1))
	else
		failed=$((failed + 1))
		failures+=("$suite (no summary line)")
	fi
done
rm -f "$log"

echo
if [ ${#failures[@]} -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
