#!/bin/bash
# run_regress.sh — pg_regress against a scratch PostgreSQL 15 (pg_virtualenv)
# and a fresh orca-sim.  Expects the extension to be installed (make install).
# PostgreSQL refuses to run as root; pg_virtualenv runs the cluster as postgres.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
state=$(mktemp)
test/start_sim.sh "$state" --patients 20000 --seed 42 --today 2026-11-25
read -r sim_pid ORCA_SIM_URL <"$state"
export ORCA_SIM_URL
# The server runs the helper through COPY FROM PROGRAM as the postgres user,
# which may not be able to read this checkout: give it a copy it can read.
ORCA_SIMCTL=$(mktemp /tmp/orca_fdw_simctl.XXXXXX.py)
cp test/simctl.py "$ORCA_SIMCTL"
chmod 755 "$ORCA_SIMCTL"
export ORCA_SIMCTL
trap 'kill $sim_pid 2>/dev/null || true; rm -f "$ORCA_SIMCTL"' EXIT
status=0
# max_prepared_transactions: sql/registration.sql prepares a transaction (PREPARE TRANSACTION)
pg_virtualenv -t -v 15 -o "shared_preload_libraries=" -o "max_prepared_transactions=2" make -s installcheck ${REGRESS:+REGRESS="$REGRESS"} || status=$?
if [ $status -ne 0 ] && [ -f regression.diffs ]; then
	head -c 20000 regression.diffs
fi
exit $status
