#!/bin/bash
# sync_concurrency.sh — orca_fdw_sync while others use the mirror (issue 11 item 2).
# A run holds its transaction open (the simulator answers slowly); meanwhile
#   1. a reader of the mirror is not blocked: its SELECT returns under a
#      statement_timeout of 5 s while the run is still going;
#   2. a second run on the same target waits (pg_stat_activity shows it waiting
#      on a lock) and completes after the first, changing nothing.
# Expects the extension installed (inside pgiso); starts its own orca-sim and a
# scratch cluster (pg_virtualenv).  Prints "N passed, N failed"; exits 1 on a failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "${1:-}" != --inside ]; then
	state=$(mktemp)
	# 300 ms a call: a run over 2000 patients takes several seconds
	test/start_sim.sh "$state" --patients 2000 --seed 5 --today 2026-11-25 --latency-ms 300
	read -r sim_pid url <"$state"
	rm -f "$state"
	trap 'kill $sim_pid 2>/dev/null || true' EXIT
	ORCA_SIM_URL=$url pg_virtualenv -t -v 15 -o "shared_preload_libraries=" "$0" --inside
	exit $?
fi

passed=0
failed=0
check() { if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok: $1"; else failed=$((failed + 1)); echo "FAIL: $1 (got '$2', want '$3')"; fi; }
q() { psql -X -qAt -v ON_ERROR_STOP=1 "$@"; }

q <<SQL
CREATE EXTENSION orca_fdw;
CREATE SERVER orca FOREIGN DATA WRAPPER orca_fdw OPTIONS (url '$ORCA_SIM_URL');
CREATE USER MAPPING FOR CURRENT_USER SERVER orca OPTIONS (user 'ormaster', password 'ormaster');
CREATE SCHEMA orca;
IMPORT FOREIGN SCHEMA orca LIMIT TO (patients) FROM SERVER orca INTO orca;
CREATE FOREIGN TABLE src (patient_id text, whole_name text, birth_date date, create_date date,
  update_date date, update_time time) SERVER orca OPTIONS (resource 'patients');
SQL
n0=$(q -c "SELECT orca_fdw_sync('src', 'public.mirror')")
check "first run mirrors every patient" "$n0" "2000"
# force a full refresh, so the next run takes a while (about 25 calls of 300 ms)
q -c "UPDATE orca_fdw_sync_state SET watermark = NULL"

# run 1: in a transaction held open for 3 s after the run
q -c "BEGIN" -c "SELECT orca_fdw_sync('src', 'public.mirror')" -c "SELECT pg_sleep(3)" -c "COMMIT" >/tmp/sync_c1.$$ 2>&1 &
r1=$!
sleep 1
# a reader during the run: not blocked
reader=$(q -c "SET statement_timeout = '5s'" -c "SELECT count(*) FROM public.mirror" 2>&1)
check "a reader during the run is not blocked" "$reader" "2000"
# run 2 on the same target: waits for run 1
q -c "SELECT orca_fdw_sync('src', 'public.mirror')" >/tmp/sync_c2.$$ 2>&1 &
r2=$!
waiting=""
for _ in $(seq 1 50); do
	waiting=$(q -c "SELECT wait_event_type FROM pg_stat_activity WHERE query LIKE 'SELECT orca_fdw_sync%' AND pid <> pg_backend_pid() AND state = 'active' AND wait_event_type = 'Lock' LIMIT 1")
	[ -n "$waiting" ] && break
	sleep 0.1
done
check "a second run on the same target waits for the first" "$waiting" "Lock"
wait $r1
s1=$?
wait $r2
s2=$?
check "the first run succeeded" "$s1" "0"
check "the second run succeeded after it" "$s2" "0"
check "the second run found nothing left to change" "$(tr -d '\n' </tmp/sync_c2.$$)" "0"
check "two runs counted, full then incremental" "$(q -c "SELECT runs || ' ' || last_mode FROM orca_fdw_sync_state")" "3 incremental"
rm -f /tmp/sync_c1.$$ /tmp/sync_c2.$$
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
