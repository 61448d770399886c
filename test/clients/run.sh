#!/bin/bash
# run.sh — client driver tests (issue 10 item 7): psycopg2, psqlODBC (through
# pyodbc) and pgJDBC against orca_fdw in a scratch PostgreSQL 15
# (pg_virtualenv) and a fresh orca-sim.  Expects the extension installed
# (make install) and build/orca-sim built; the drivers come from
# scripts/install-deps.sh (Debian 12: python3-psycopg2, python3-pyodbc,
# odbc-postgresql, unixodbc, libpostgresql-jdbc-java, default-jdk-headless).
#
#   inner.sh                                  (in the cluster: set-up, then each driver)
#   dbapi_test.py --driver psycopg2|pyodbc   (for /usr/bin/python3)
#   JdbcTest.java                             (compiled with javac)
#
# A missing driver is reported as "SKIP"; under CI=true it counts as a
# failure.  Prints "clients N passed, N failed" and, last, "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/test/clients

cd "$top"
ci=false
case "${CI:-}" in true | 1 | yes) ci=true ;; esac
start=$(date +%s)
work=$(mktemp -d)
out=$work/out
: >"$out"
export work

note_skip() { # DRIVER WHY
	echo "SKIP $1: $2 (scripts/install-deps.sh installs it)" | tee -a "$out"
	if $ci; then
		echo "FAIL $1: missing under CI=true" | tee -a "$out"
	fi
}

# which drivers are here
declare -A skip_drivers=()
/usr/bin/python3 -c 'import psycopg2' 2>/dev/null || { skip_drivers[psycopg2]=1; note_skip psycopg2 "python3-psycopg2 is missing"; }
if ! /usr/bin/python3 -c 'import pyodbc' 2>/dev/null; then
	skip_drivers[pyodbc]=1
	note_skip pyodbc "python3-pyodbc is missing"
elif ! odbcinst -q -d -n "PostgreSQL Unicode" >/dev/null 2>&1; then
	skip_drivers[pyodbc]=1
	note_skip pyodbc "odbc-postgresql (the PostgreSQL Unicode ODBC driver) is missing"
fi
jdbc_jar=/usr/share/java/postgresql.jar
if [ ! -f "$jdbc_jar" ]; then
	skip_drivers[jdbc]=1
	note_skip jdbc "libpostgresql-jdbc-java ($jdbc_jar) is missing"
elif ! command -v javac >/dev/null; then
	skip_drivers[jdbc]=1
	note_skip jdbc "javac (default-jdk-headless) is missing"
else
	mkdir -p "$work/classes"
	if ! javac -encoding UTF-8 -cp "$jdbc_jar" -d "$work/classes" "$here/JdbcTest.java" >>"$out" 2>&1; then
		skip_drivers[jdbc]=1
		echo "FAIL jdbc: JdbcTest.java does not compile" | tee -a "$out"
	fi
fi
export jdbc_jar here

finish() {
	local p f
	p=$(grep -c '^PASS ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	echo "clients: $(($(date +%s) - start)) s"
	echo "clients $p passed, $f failed"
	echo "$p passed, $f failed"
	rm -rf "$work"
	[ "$f" -eq 0 ]
	exit $?
}

if [ ! -x build/orca-sim ]; then
	echo "FAIL setup: build/orca-sim is missing: run make first" | tee -a "$out"
	finish
fi
# --threads 16: every slow (cancelled) request keeps a simulator thread until the suite ends
if ! test/start_sim.sh "$work/sim" --patients 3000 --seed 10 --today 2026-11-25 --threads 16; then
	echo "FAIL setup: orca-sim did not start" | tee -a "$out"
	finish
fi
read -r sim_pid ORCA_SIM_URL <"$work/sim"
export ORCA_SIM_URL
trap 'kill $sim_pid 2>/dev/null || true' EXIT

for attempt in 1 2 3; do
	SKIPS="${!skip_drivers[*]}" pg_virtualenv -t -v 15 -o "shared_preload_libraries=" \
		bash "$here/inner.sh" 2>&1 | tee "$work/attempt"
	if grep -q '^READY$' "$work/attempt"; then
		grep -E '^(PASS|FAIL) ' "$work/attempt" >>"$out"
		break
	fi
	echo "pg_virtualenv failed before the tests started (attempt $attempt), retrying" >&2
	sleep $((attempt * 3))
done
grep -q '^READY$' "$work/attempt" || echo "FAIL setup: the scratch cluster did not come up" | tee -a "$out"
if ! kill -0 "$sim_pid" 2>/dev/null; then
	echo "FAIL setup: orca-sim died during the suite" | tee -a "$out"
fi
finish
