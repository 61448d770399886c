#!/bin/bash
# oracle.sh — the differential oracle (test/oracle/oracle.py): queries generated
# from a seed run against the foreign tables and against the simulator's ground
# truth (/__sim/truth), compared with EXCEPT ALL both ways; full-scan and per-id
# copies compared column by column; random registration sequences checked
# against the simulator's state and its registration log.
# Expects the extension to be installed (make install) and build/orca-sim built.
# Runs a scratch PostgreSQL 15 (pg_virtualenv -t) and its own orca-sim
# (--patients 3000: listings split their date windows, name searches overflow).
# Prints "N passed, N failed" last; exit status 1 on failure.
#
#   test/oracle.sh                      the CI run: fixed seed, a few hundred queries
#   test/oracle.sh --seed 7 -n 2000     longer, any seed (make oracle SEED=7 N=2000)
# Other arguments go to test/oracle/oracle.py (-v, --writes N, --time-limit S, ...).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
password='oracle-S3cret'
if [ ! -x build/orca-sim ]; then
	echo "build/orca-sim is missing: run make first" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
start=$(date +%s)
state=$(mktemp)
marker=$(mktemp)
chmod 666 "$marker"
if ! test/start_sim.sh "$state" --patients 3000 --seed 11 --today 2026-11-25 --password "$password"; then
	echo "0 passed, 1 failed"
	exit 1
fi
read -r sim_pid sim_url <"$state"
trap 'kill $sim_pid 2>/dev/null || true; rm -f "$state" "$marker"' EXIT
status=1
for attempt in 1 2 3; do
	: >"$marker"
	pg_virtualenv -t -v 15 -o "shared_preload_libraries=" \
		python3 "$top/test/oracle/oracle.py" --sim-url "$sim_url" --password "$password" --marker "$marker" \
		--exit-zero --seed 1 -n 250 --writes 20 "$@"
	status=$?
	# retry only when the cluster could not be set up (the oracle never started):
	# concurrent pg_virtualenv runs can race for a port
	if [ -s "$marker" ] || [ $status -eq 0 ]; then
		break
	fi
	echo "pg_virtualenv failed before the oracle finished (attempt $attempt), retrying" >&2
	sleep $((attempt * 3))
done
passed=0
failed=1
if [ -s "$marker" ] && counts=$(tail -1 "$marker" | grep -E '^[0-9]+ [0-9]+$'); then
	read -r passed failed <<<"$counts"
	if [ $status -ne 0 ]; then
		echo "FAIL pg_virtualenv exited with $status after the oracle finished" >&2
		failed=$((failed + 1))
	fi
fi
if ! kill -0 "$sim_pid" 2>/dev/null; then
	echo "FAIL orca-sim died during the oracle" >&2
	failed=$((failed + 1))
fi
echo "oracle.sh: $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
