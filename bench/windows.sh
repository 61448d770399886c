#!/bin/bash
# bench/windows.sh — patientlst1v2 window sizing (issue 11 item 3): API calls
# and wall time of a full enumeration of `patients`, the sized sweep against
# the halving before it (the hidden GUC orca_fdw.legacy_window_sizing) in the
# same run, on the simulator's data and on a migration-day burst.
#
#   /work/tools/pgiso bash -c 'make -s install && bench/windows.sh'
#   N=100000 LATENCY_MS=20 BURST=5000 BURST_DAY=2015-04-01 RUNS=3 bench/windows.sh
#
# Prints one line per (data, sizing, query) with patientlst1v2 / patientlst2v2
# calls, the median wall time, and the ratios against the old sizing.  Only
# loopback; the simulator is started and stopped here.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
N=${N:-100000}
LATENCY_MS=${LATENCY_MS:-20}
SEED=${SEED:-7}
RUNS=${RUNS:-3}
BURST=${BURST:-5000}
BURST_DAY=${BURST_DAY:-2015-04-01}
export N LATENCY_MS SEED RUNS BURST BURST_DAY top

inner() {
	set -euo pipefail
	for data in plain burst; do
		extra=()
		[ "$data" = burst ] && extra=(--burst-day "$BURST_DAY" --burst "$BURST")
		state=$(mktemp)
		"$top/test/start_sim.sh" "$state" --patients "$N" --seed "$SEED" --today 2026-11-25 \
			--latency-ms "$LATENCY_MS" "${extra[@]}"
		read -r sim_pid url <"$state"
		rm -f "$state"
		psql -qAtX -v ON_ERROR_STOP=1 <<SQL >/dev/null
DROP EXTENSION IF EXISTS orca_fdw CASCADE;
DROP SCHEMA IF EXISTS orca CASCADE;
CREATE EXTENSION orca_fdw;
CREATE SERVER orca FOREIGN DATA WRAPPER orca_fdw OPTIONS (url '$url');
CREATE USER MAPPING FOR CURRENT_USER SERVER orca OPTIONS (user 'ormaster', password 'ormaster');
CREATE SCHEMA orca;
IMPORT FOREIGN SCHEMA orca LIMIT TO (patients) FROM SERVER orca INTO orca;
SQL
		queries=("count(*)" "count(update_date)")
		# a migration day of more than 999 patients: ORCA cannot list their dates (an error, by design)
		[ "$data" = burst ] && queries=("count(*)")
		for q in "${queries[@]}"; do
			declare -A l1 l2 ms
			for sizing in legacy sized; do
				guc=off
				[ "$sizing" = legacy ] && guc=on
				times=()
				for _ in $(seq 1 "$RUNS"); do
					curl -s -X POST "$url/__sim/reset" >/dev/null
					t0=$(date +%s%N)
					rows=$(psql -qAtX -c "SET orca_fdw.legacy_window_sizing = $guc" -c "SELECT $q FROM orca.patients")
					t1=$(date +%s%N)
					times+=($(((t1 - t0) / 1000000)))
				done
				stats=$(curl -s "$url/__sim/stats")
				l1[$sizing]=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1])["by_path"]; print(d.get("/api01rv2/patientlst1v2",0))' "$stats")
				l2[$sizing]=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1])["by_path"]; print(d.get("/api01rv2/patientlst2v2",0))' "$stats")
				ms[$sizing]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
				printf '%-6s %-7s %-18s rows=%-7s patientlst1v2=%-4s patientlst2v2=%-4s median=%s ms (%s runs)\n' \
					"$data" "$sizing" "$q" "$(echo "$rows" | tail -1)" "${l1[$sizing]}" "${l2[$sizing]}" "${ms[$sizing]}" "$RUNS"
			done
			python3 - "$data" "$q" "${l1[sized]}" "${l1[legacy]}" "${ms[sized]}" "${ms[legacy]}" "$(((N + 999) / 1000))" <<'PY'
import sys
data, q = sys.argv[1], sys.argv[2]
l1_new, l1_old, ms_new, ms_old, floor = (float(x) for x in sys.argv[3:])
print("%-6s ratio   %-18s patientlst1v2 %.2fx, wall time %.2fx of the old sizing (API floor ceil(N/1000) = %d)"
      % (data, q, l1_new / max(l1_old, 1), ms_new / max(ms_old, 1), floor))
PY
			unset l1 l2 ms
		done
		kill "$sim_pid" 2>/dev/null || true
		wait "$sim_pid" 2>/dev/null || true
	done
}
export -f inner
echo "bench/windows.sh: N=$N latency=${LATENCY_MS}ms seed=$SEED burst=$BURST on $BURST_DAY, median of $RUNS runs"
pg_virtualenv -t -v 15 -o "shared_preload_libraries=" bash -c inner
