#!/bin/bash
# demo.sh — the main job on a fresh Debian 12 machine: installs what is
# missing, builds and installs orca_fdw, starts orca-sim and a scratch
# PostgreSQL 15, and runs scripts/demo.sql (example queries, the calls they
# make, and a registration).  Run as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -s -j2
make -s install
state=$(mktemp)
test/start_sim.sh "$state" --patients 5000 --seed 1
read -r sim_pid sim_url <"$state"
trap 'kill $sim_pid 2>/dev/null || true; rm -f "$state"' EXIT
echo "orca-sim: $sim_url (5000 patients)"
pg_virtualenv -t -v 15 psql -X -v ON_ERROR_STOP=1 -v sim_url="$sim_url" -f scripts/demo.sql
