#!/bin/bash
# bench/clinics.sh — a group of clinics: one query over N ORCA servers (issue 11).
#
#   bench/clinics.sh [N_CLINICS (4)] [PATIENTS per clinic (3000)] [LATENCY_MS (100)] [REPS (3)]
#
# Starts N orca-sim processes (one per clinic, each answering after LATENCY_MS),
# a scratch PostgreSQL 15 (pg_virtualenv) with a table partitioned BY LIST
# (clinic) over one foreign-table partition per clinic (orca_fdw_add_clinic),
# and times, median of REPS:
#   one     SELECT count(*) FROM one clinic's partition
#   async   SELECT count(*) FROM the partitioned table (Async Foreign Scans, the default)
#   sync    the same with async_capable 'false' on every server (one clinic after the other)
# and prints the ratios async/one and sync/one.  Target: async/one <= 1.6 at 4
# clinics and 100 ms.  Each server keeps its own max_concurrent_requests (default
# 4) and rate limit, so the clinics' calls overlap only across servers.  Also
# checks that the counts agree (the partitioned count is the sum of the clinics').
# Installs the extension: run it inside an isolation such as /work/tools/pgiso on a
# shared machine.  Exit status 1 when the target or a count is missed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
n=${1:-4}
patients=${2:-3000}
latency=${3:-100}
reps=${4:-3}
make -s -j2 >/dev/null
make -s install >/dev/null
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
adds=""
for i in $(seq 1 "$n"); do
	test/start_sim.sh "$work/sim$i" --patients "$patients" --seed "$i" --today 2026-11-25 --latency-ms "$latency"
	read -r pid url <"$work/sim$i"
	pids+=("$pid")
	adds+="SELECT orca_fdw_add_clinic('c$i', '$url', 'ormaster', 'ormaster', 'bench');"$'\n'
done
cat >"$work/bench.sql" <<SQL
\\set ON_ERROR_STOP 1
\\pset tuples_only on
\\pset format unaligned
SET client_min_messages = warning;
CREATE EXTENSION orca_fdw;
$adds
CREATE FUNCTION pg_temp.ms(q text) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz := clock_timestamp(); BEGIN EXECUTE q; RETURN extract(epoch FROM clock_timestamp() - t0) * 1000; END \$\$;
CREATE FUNCTION pg_temp.median(q text, reps int) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE v float8[] := '{}'; BEGIN
  FOR i IN 1..reps LOOP v := v || pg_temp.ms(q); END LOOP;
  RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(v) x); END \$\$;
SELECT 'sum', (SELECT sum(c) FROM (SELECT count(*) c FROM bench.patients GROUP BY clinic) x);
SELECT 'each', string_agg(format('%s=%s', clinic, n), ' ' ORDER BY clinic) FROM (SELECT clinic, count(*) n FROM bench.patients GROUP BY clinic) x;
SELECT 'one_count', count(*) FROM bench.patients_c1;
SELECT 'one', pg_temp.median('SELECT count(*) FROM bench.patients_c1', $reps);
SELECT 'async_count', count(*) FROM bench.patients;
SELECT 'async', pg_temp.median('SELECT count(*) FROM bench.patients', $reps);
SELECT format('ALTER SERVER %I OPTIONS (ADD async_capable %L)', srvname, 'false') FROM pg_foreign_server WHERE srvname LIKE 'clinic\\_%' \\gexec
SELECT 'sync', pg_temp.median('SELECT count(*) FROM bench.patients', $reps);
SQL
port=$((6000 + RANDOM % 2000))
pg_virtualenv -t -v 15 -c "-p $port" -o "shared_preload_libraries=" psql -X -q -f "$work/bench.sql" >"$work/out" 2>&1 || {
	cat "$work/out"
	exit 1
}
val() { grep "^$1|" "$work/out" | cut -d'|' -f2; }
one=$(val one) async=$(val async) sync=$(val sync)
status=0
echo "clinics=$n patients/clinic=$patients latency=${latency}ms reps=$reps (median ms)"
echo "  counts per clinic: $(val each)"
echo "  one clinic:            $(printf '%8.0f' "$one") ms"
echo "  all, async Append:     $(printf '%8.0f' "$async") ms   ratio $(awk -v a="$async" -v o="$one" 'BEGIN{printf "%.2f", a/o}')x one clinic"
echo "  all, sync (async off): $(printf '%8.0f' "$sync") ms   ratio $(awk -v a="$sync" -v o="$one" 'BEGIN{printf "%.2f", a/o}')x one clinic"
if [ "$(val async_count)" != "$(val sum)" ]; then
	echo "  MISSED: the partitioned count $(val async_count) is not the sum of the clinics' $(val sum)"
	status=1
fi
if awk -v a="$async" -v o="$one" 'BEGIN{exit !(a/o > 1.6)}'; then
	echo "  MISSED: async/one above 1.6"
	status=1
else
	echo "  target async/one <= 1.6: met"
fi
exit $status
