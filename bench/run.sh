#!/bin/bash
# bench/run.sh — the whole orca_fdw benchmark in one command.
#
#   bench/run.sh [--only concurrency,gentleness,overhead,memory,joins,batchjoin] [--quick] [--allow-dirty]
#
# Builds what it needs (make -j2 for build/orca-sim and orca_fdw.so, make
# install, g++ for bench/baseline.cpp), makes a scratch PostgreSQL 15 with
# pg_virtualenv, runs bench/bench.py there (which starts and stops its own
# orca-sim instances), writes bench/RESULTS.md and prints it.  Logs and raw
# data go to bench/out/.  Takes 4-5 minutes on 2 cores, plus the build.
#
# The results belong to a commit: a tree with uncommitted changes or untracked
# files is refused, unless --allow-dirty (the report then says so and lists them).
# The report names the commit.  --quick checks the harness (small simulators,
# one repetition, a minute or so): its report stays in bench/out/RESULTS.md and
# does not replace bench/RESULTS.md.  Exit status 1 when a verdict is missed
# (a target, or a variant whose result or calls differ from the baseline's).
#
# Environment: BENCH_REPS (default 5), BENCH_SLOW_REPS (3), BENCH_STATEMENT_TIMEOUT (300 s);
# BENCH_FDW_SO=/path/orca_fdw.so and BENCH_SIM=/path/orca-sim use other builds (development aids).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bench=$top/bench
out=$bench/out
mkdir -p "$out"
cd "$top"

quick=0
allow_dirty=0
for arg in "$@"; do
	case "$arg" in
	--quick) quick=1 ;;
	--allow-dirty) allow_dirty=1 ;;
	esac
done
dirty=$(git status --porcelain)
if [ -n "$dirty" ] && [ "$allow_dirty" != 1 ]; then
	echo "bench/run.sh: the tree has uncommitted changes or untracked files; results must come from a commit:" >&2
	echo "$dirty" | head -20 >&2
	echo "Commit (or stash) them, or pass --allow-dirty (the report then says the tree was dirty)." >&2
	exit 2
fi

cleanup() {
	# the simulators bench.py started (by pid; bench.py stops them itself
	# unless it was killed hard)
	if [ -f "$out/sims.pids" ]; then
		while read -r pid; do
			[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
		done <"$out/sims.pids"
		rm -f "$out/sims.pids"
	fi
}
trap cleanup EXIT
rm -f "$out/sims.pids" "$out/bench.pid"

echo "== building (logs in bench/out/build.log)"
: >"$out/build.log"
if [ -n "${BENCH_SIM:-}" ]; then
	echo "   BENCH_SIM=$BENCH_SIM: using that simulator binary"
elif ! make -j2 build/orca-sim >>"$out/build.log" 2>&1; then
	tail -30 "$out/build.log" >&2
	echo "bench/run.sh: cannot build build/orca-sim" >&2
	exit 1
fi
wrapper_build=ok
if [ -n "${BENCH_FDW_SO:-}" ]; then
	echo "   BENCH_FDW_SO=$BENCH_FDW_SO: using that build of the wrapper, not building or installing"
elif ! make -j2 >>"$out/build.log" 2>&1; then
	wrapper_build="make failed: $(grep -m1 -E ': (fatal )?error:|\*\*\*' "$out/build.log" | cut -c1-300)"
elif ! make install >>"$out/build.log" 2>&1; then
	wrapper_build="make install failed: $(tail -1 "$out/build.log" | cut -c1-300)"
fi
echo "   wrapper: $wrapper_build"
# shellcheck disable=SC2046
g++ -std=c++17 -O2 -Wall -Wextra -o "$out/orca-baseline" "$bench/baseline.cpp" \
	$(pkg-config --cflags --libs libcurl libxml-2.0) 2>>"$out/build.log"

echo "== running the benchmark in a scratch PostgreSQL 15 (log in bench/out/bench.log)"
rm -f "$out/RESULTS.md"
# pg_virtualenv writes to a file (not a pipe), so that an interrupted run still
# gets to drop its cluster; progress lines are shown by a tail.
pg_virtualenv -t -v 15 /usr/bin/python3 "$bench/bench.py" --out "$out" --results "$out/RESULTS.md" \
	--wrapper-build "$wrapper_build" "$@" >"$out/bench.log" 2>&1 &
pgv=$!
tail -n +1 -f --pid=$pgv "$out/bench.log" 2>/dev/null | grep --line-buffered '^\[bench' &
on_signal() {
	# stop bench.py (it stops its sims and returns); pg_virtualenv then drops the cluster
	[ -f "$out/bench.pid" ] && kill -TERM "$(cat "$out/bench.pid")" 2>/dev/null || true
	wait "$pgv" 2>/dev/null
	exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
status=0
wait "$pgv" || status=$?
wait

echo
if [ -s "$out/RESULTS.md" ]; then
	if [ "$quick" = 1 ]; then
		echo "(quick mode: the report stays in bench/out/RESULTS.md; bench/RESULTS.md is unchanged)"
	else
		cp "$out/RESULTS.md" "$bench/RESULTS.md"
	fi
	cat "$out/RESULTS.md"
fi
if [ "$status" -ne 0 ]; then
	tail -20 "$out/bench.log" >&2
	echo "bench/run.sh: bench.py exited with status $status (see bench/out/bench.log)" >&2
elif [ -s "$out/results.json" ] && ! python3 "$bench/report.py" "$out/results.json" >/dev/null; then
	echo "bench/run.sh: verdicts missed (see \"Verdicts\" in the report)" >&2
	status=1
fi
exit "$status"
