#!/bin/bash
# limits_test.sh — limits per ORCA server for the whole cluster (issue 14):
# test/limits_test.py against one orca-sim (--threads 64 --latency-ms 20), in
# a scratch PostgreSQL 15 without orca_fdw in shared_preload_libraries (lock
# files) and in one with it (shared memory).  Expects the extension to be
# installed (make install) and build/orca-sim built.  Prints
# "N passed, N failed" last; exit status 1 on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -x build/orca-sim ]; then
	echo "build/orca-sim is missing: run make first" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
start=$(date +%s)
state=$(mktemp)
marker=$(mktemp)
if ! test/start_sim.sh "$state" --patients 120 --seed 14 --today 2026-11-25 --threads 64 --latency-ms 20; then
	echo "0 passed, 1 failed"
	exit 1
fi
read -r sim_pid sim_url <"$state"
trap 'kill $sim_pid 2>/dev/null || true; rm -f "$state" "$marker"' EXIT
passed=0
failed=0
for mode in file shm; do
	preload=""
	[ "$mode" = shm ] && preload=orca_fdw
	counts=""
	for attempt in 1 2 3; do
		: >"$marker"
		pg_virtualenv -t -v 15 -o "shared_preload_libraries=$preload" \
			python3 "$top/test/limits_test.py" --sim-url "$sim_url" --mode "$mode" --marker "$marker"
		# retry only when the cluster could not be set up (the suite never started)
		if [ -s "$marker" ]; then
			break
		fi
		echo "pg_virtualenv failed before the suite started (attempt $attempt), retrying" >&2
		sleep $((attempt * 3))
	done
	if counts=$(tail -1 "$marker" | grep -E '^[0-9]+ [0-9]+$'); then
		read -r p f <<<"$counts"
		passed=$((passed + p))
		failed=$((failed + f))
	else
		echo "FAIL $mode: the suite did not finish" >&2
		failed=$((failed + 1))
	fi
done
if ! kill -0 "$sim_pid" 2>/dev/null; then
	echo "FAIL orca-sim died during the suite" >&2
	failed=$((failed + 1))
fi
echo "limits_test.sh: $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
