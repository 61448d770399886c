#!/bin/bash
# fuzz_ci.sh — builds the codec fuzzer (libFuzzer + ASan + UBSan, clang-14) and
# runs it for a bounded time on the seed corpus test/fuzz/corpus/ (realistic
# xml2/JSON ORCA bodies plus hostile ones: DOCTYPE, entities, deep nesting).
# Any crash, sanitizer report, leak, per-input timeout or out-of-memory fails.
#
#   FUZZ_SECONDS=60 (default)   total fuzzing time
#   FUZZ_BUILD_DIR=build-fuzz   where to build
#   FUZZ_KEEP=1                 keep the work directory (new corpus units, artifacts)
#
# The seed corpus is read only; new units go to a scratch directory.  A crash
# leaves its input in the scratch directory's artifacts/ and the script prints
# the path (the directory is then kept).  Reproduce with
#   build-fuzz/codec_fuzz ARTIFACT
# Prints one closing line "N passed, N failed" (1 test).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${JOBS:-2}

work=$(mktemp -d /tmp/orca_fuzz.XXXXXX)
fuzz_pid=
keep=${FUZZ_KEEP:-0}
cleanup() {
	if [ -n "$fuzz_pid" ] && kill -0 "$fuzz_pid" 2>/dev/null; then
		kill "$fuzz_pid" 2>/dev/null || true
		wait "$fuzz_pid" 2>/dev/null || true
	fi
	[ "$keep" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

result() { # passed failed
	echo "$1 passed, $2 failed"
	[ "$2" -eq 0 ]
}

echo "=== building codec_fuzz in $build"
if ! { cmake -S . -B "$build" -DORCA_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 >"$work/build.log" 2>&1 &&
	cmake --build "$build" -j"$jobs" --target codec_fuzz >>"$work/build.log" 2>&1; }; then
	tail -40 "$work/build.log"
	echo "fuzz_ci: the codec fuzzer did not build"
	result 0 1
	exit 1
fi

mkdir -p "$work/corpus" "$work/artifacts"
echo "=== fuzzing the codec for ${seconds}s ($(find test/fuzz/corpus -type f | wc -l) seed inputs)"
# detect_leaks: LeakSanitizer after every input batch and at exit (libFuzzer's
# -detect_leaks=1 is the default; spelled out).  abort_on_error gives a
# non-zero exit for ASan and UBSan reports alike.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
"$build/codec_fuzz" \
	-max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-detect_leaks=1 -print_final_stats=1 -dict=test/fuzz/orca.dict \
	-artifact_prefix="$work/artifacts/" \
	"$work/corpus" test/fuzz/corpus >"$work/fuzz.log" 2>&1 &
fuzz_pid=$!
wait "$fuzz_pid" || status=$?
fuzz_pid=

grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/fuzz.log" || true
artifacts=$(ls -A "$work/artifacts")
if [ "$status" -ne 0 ] || [ -n "$artifacts" ] ||
	grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$work/fuzz.log"; then
	keep=1
	echo "--- fuzzer output (tail)"
	tail -60 "$work/fuzz.log"
	echo "fuzz_ci: FAILED (exit $status); artifacts in $work/artifacts: ${artifacts:-none}"
	result 0 1
	exit 1
fi
echo "fuzz_ci: no crash, leak or sanitizer report in ${seconds}s"
result 1 0
