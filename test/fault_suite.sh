#!/bin/bash
# fault_suite.sh — the fault-injection suite (issue 5): every orca-sim fault
# mode against every resource's ORCA APIs, answers checked against the
# simulator's ground truth, registrations under every fault mode, a soak in one
# backend (VmRSS bounded), the circuit breaker, and a scan of the postmaster log
# and of every error text for the password and patient data.  Expects the extension to be
# installed (make install) and build/orca-sim built.  Runs a scratch
# PostgreSQL 15 (pg_virtualenv -t) and an orca-sim on a free loopback port.
# Prints "N passed, N failed" last; exit status 1 on failure.
# Extra arguments go to test/fault_suite.py (e.g. --quick, --soak 1000, --seed 3).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
password='S3cret-ormaster'
if [ ! -x build/orca-sim ]; then
	echo "build/orca-sim is missing: run make first" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
start=$(date +%s)
state=$(mktemp)
marker=$(mktemp)
if ! test/start_sim.sh "$state" --patients 3000 --seed 7 --today 2026-11-25 --password "$password"; then
	echo "0 passed, 1 failed"
	exit 1
fi
read -r sim_pid sim_url <"$state"
trap 'kill $sim_pid 2>/dev/null || true; rm -f "$state" "$marker"' EXIT
status=1
for attempt in 1 2 3; do
	: >"$marker"
	pg_virtualenv -t -v 15 -o "shared_preload_libraries=" \
		python3 "$top/test/fault_suite.py" --sim-url "$sim_url" --password "$password" --marker "$marker" "$@"
	status=$?
	# retry only when the cluster could not be set up (the suite never started):
	# concurrent pg_virtualenv runs can race for a port
	if [ -s "$marker" ] || [ $status -eq 0 ]; then
		break
	fi
	echo "pg_virtualenv failed before the suite started (attempt $attempt), retrying" >&2
	sleep $((attempt * 3))
done
passed=0
failed=1
if [ -s "$marker" ] && counts=$(tail -1 "$marker" | grep -E '^[0-9]+ [0-9]+$'); then
	read -r passed failed <<<"$counts"
	if [ $status -ne 0 ] && [ "$failed" -eq 0 ]; then
		# the suite passed but pg_virtualenv failed (e.g. cluster teardown): not a clean run
		echo "FAIL pg_virtualenv exited with $status after the suite finished" >&2
		failed=1
	fi
fi
if ! kill -0 "$sim_pid" 2>/dev/null; then
	echo "FAIL orca-sim died during the suite" >&2
	failed=$((failed + 1))
fi
echo "fault_suite.sh: $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
