#!/bin/bash
# inner.sh — test/clients/run.sh's part inside the scratch cluster
# (pg_virtualenv): a UTF8 database with orca_fdw imported into schema orca,
# then each driver's test.  Environment from run.sh: ORCA_SIM_URL, here,
# work, jdbc_jar, SKIPS (drivers that are missing).
set -uo pipefail
export PGDATABASE=clients
psql -q -X -d postgres -c "CREATE DATABASE clients ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" || exit 1
psql -q -X -v ON_ERROR_STOP=1 -v sim_url="$ORCA_SIM_URL" <<'SQL' || exit 1
CREATE EXTENSION orca_fdw;
CREATE SERVER orca FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER orca OPTIONS (user 'ormaster', password 'ormaster');
CREATE SCHEMA orca;
IMPORT FOREIGN SCHEMA orca FROM SERVER orca INTO orca;
SQL
echo "READY" # run.sh's marker: the cluster came up
/usr/bin/python3 "$here/simtool.py" truth-tsv "$work/truth.tsv" || echo "FAIL setup: truth-tsv"
skipped() { [[ " $SKIPS " == *" $1 "* ]]; }
# run DRIVER COMMAND...: a driver's test, which prints "DONE DRIVER" last; a test that dies
# before it counts as a failure
run() {
	local d=$1 t0
	shift
	skipped "$d" && return
	t0=$(date +%s)
	"$@" 2>&1 | tee "$work/$d.log"
	grep -qx "DONE $d" "$work/$d.log" || echo "FAIL $d: the test did not finish"
	echo "INFO $d: $(($(date +%s) - t0)) s"
}
run psycopg2 /usr/bin/python3 "$here/dbapi_test.py" --driver psycopg2
run pyodbc /usr/bin/python3 "$here/dbapi_test.py" --driver pyodbc
run jdbc java -cp "$jdbc_jar:$work/classes" JdbcTest "$work/truth.tsv"
exit 0
