#!/bin/bash
# bench/fairness.sh — one analyst's point lookup while seven others scan,
# as a ratio to the same lookup on an idle server (issue 14), with the
# limits shared through lock files (no shared_preload_libraries) and through
# shared memory (orca_fdw preloaded).  Expects the extension installed
# (make install) and build/orca-sim built.  Writes bench/RESULTS-fairness.md
# and prints it; raw numbers in bench/out/fairness-*.json.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/out
mkdir -p "$out"
cd "$top"
state=$(mktemp)
test/start_sim.sh "$state" --patients 2000 --seed 1 --today 2025-11-25 --latency-ms 20 --threads 64
read -r sim_pid sim_url <"$state"
trap 'kill $sim_pid 2>/dev/null || true; rm -f "$state"' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg)
for mode in file shm; do
	preload=""
	[ "$mode" = shm ] && preload=orca_fdw
	pg_virtualenv -t -v 15 -o "shared_preload_libraries=$preload" \
		/usr/bin/python3 "$top/bench/fairness.py" --sim-url "$sim_url" --mode "$mode" \
		--out "$out/fairness-$mode.json" >"$out/fairness-$mode.log" 2>&1 ||
		{ tail -20 "$out/fairness-$mode.log" >&2; exit 1; }
done
python3 - "$out" "$load" >"$top/bench/RESULTS-fairness.md" <<'EOF'
import json, sys
out, load = sys.argv[1], sys.argv[2]
print("# Lookup latency while seven analysts scan\n")
print("`bench/fairness.sh`: orca-sim 2,000 patients, 20 ms latency, 64 threads; `max_concurrent_requests` 4")
print("(the default) shared by all backends. One backend times `SELECT patient_id, allergy1 FROM orca.patients")
print("WHERE patient_id = $1` (one patientgetv2 call) inside the backend on an idle server and while seven")
print("other backends scan `patients` with a patientgetv2 column: three rounds of each, 10 lookups a round.")
print("Load average at the start: %s.\n" % load)
print("| limits shared through | idle lookup, median (min – max) | during 7 scans, median (min – max) | ratio | sim max in flight | each scan's next call every |")
print("|---|---|---|---|---|---|")
for mode in ("file", "shm"):
    r = json.load(open("%s/fairness-%s.json" % (out, mode)))
    print("| %s | %.1f ms (%.1f – %.1f) | %.1f ms (%.1f – %.1f) | **%.2f×** | %d | %.0f ms |" % (
        r["mechanism"], r["idle_ms"], r["idle_min"], r["idle_max"], r["loaded_ms"], r["loaded_min"],
        r["loaded_max"], r["ratio"], r["sim_max_in_flight"], r["scan_call_interval_ms"]))
print()
print("A waiting lookup gets the next free slot before any scan's next batch, so it waits for one of the four")
print("calls in flight to end (about 20 ms / 4 on average) instead of queueing behind the scans' batches,")
print("which take turns (last column: how long each scan waits for its next call); the server stays at the")
print("limit meanwhile (max in flight).")
EOF
cat "$top/bench/RESULTS-fairness.md"
