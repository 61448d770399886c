#!/bin/bash
# upgrade_test.sh — versioned SQL: every earlier version of orca_fdw, brought to the current one by
# ALTER EXTENSION orca_fdw UPDATE, has the same objects as a fresh install, and what users made
# survives the update.
#
# The versions are the full scripts orca_fdw--V.sql of this tree; the current one is
# orca_fdw.control's default_version.  For each earlier version V:
#   objects    CREATE EXTENSION orca_fdw VERSION 'V'; ALTER EXTENSION orca_fdw UPDATE; every object
#              of the extension (test/extension_objects.sql: whole function definitions, views,
#              the wrapper's handler/validator/options, owners, grants, initial privileges,
#              comments) equals a fresh CREATE EXTENSION orca_fdw — a difference prints as diff -u.
#   user data  CREATE EXTENSION orca_fdw VERSION 'V', then a server, user mappings, imported and
#              hand-made foreign tables with options, grants on them and on the extension's
#              function, wrapper and views, user views over the extension's views, and a
#              registration (its lines in the audit log); ALTER EXTENSION orca_fdw UPDATE; the
#              schema dump (pg_dump --schema-only), the audit log read by a role it was granted
#              to, and a query through a foreign table by that role answer the same before and
#              after.
# And checks of the scripts: the current version has a full script, each upgrade script leads
# from one shipped version to another, every script refuses to be run by psql, and PostgreSQL
# offers exactly this tree's versions with an update path from each to the current one.
#
# UPGRADE_KEEP=1 keeps the work directory (the object lists, dumps and diffs).
# Expects the extension installed (make install; on a shared machine inside an isolation such
# as pgiso).  Starts its own orca-sim and a scratch cluster (pg_virtualenv).  Prints
# "N passed, N failed"; exits 1 on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

current=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" orca_fdw.control)
# full scripts (orca_fdw--V.sql), oldest first
versions=$(ls orca_fdw--*.sql | sed -n 's/^orca_fdw--\([^-]*\)\.sql$/\1/p' | sort -V)
earlier=$(grep -vxF "$current" <<<"$versions" || true)

# ---------------------------------------------------------------------------
# inside the scratch cluster (pg_virtualenv runs this script again with --inside)
if [ "${1:-}" = --inside ]; then
	work=$2
	psql_q() { psql -X -v ON_ERROR_STOP=1 -q "$@"; }
	psql_at() { psql -X -v ON_ERROR_STOP=1 -qAt "$@"; }
	newdb() { createdb -E UTF8 -T template0 --locale=C "$1"; }
	# same_text PASS FAIL LABEL1 FILE1 LABEL2 FILE2: pass, or fail with the unified diff
	same_text() {
		if diff -u --label "$3" --label "$5" "$4" "$6" >"$work/diff"; then
			pass "$1"
		else
			fail "$2"
			head -80 "$work/diff"
		fi
	}

	psql_q -c "CREATE ROLE orca_reader LOGIN PASSWORD 'reader'" || fail "could not create the role orca_reader"

	# what PostgreSQL offers: exactly this tree's versions, each with a path to the current one
	offered=$(psql_at -c "SELECT version FROM pg_available_extension_versions WHERE name = 'orca_fdw'" | sort -V)
	if [ "$offered" = "$versions" ]; then
		pass "installed versions are this tree's: $(echo $versions)"
	else
		fail "installed versions ($(echo $offered)) are not this tree's ($(echo $versions)): run make install"
	fi
	for v in $earlier; do
		path=$(psql_at -c "SELECT path FROM pg_extension_update_paths('orca_fdw') WHERE source = '$v' AND target = '$current'")
		if [ -n "$path" ]; then
			pass "update path $path"
		else
			fail "no update path from $v to $current: add orca_fdw--$v--<next>.sql"
		fi
	done

	# the fresh install of the current version
	newdb fresh
	psql_q -d fresh -c "CREATE EXTENSION orca_fdw"
	psql_at -d fresh -f test/extension_objects.sql >"$work/fresh.objects" || echo "(test/extension_objects.sql failed)" >>"$work/fresh.objects"
	got=$(psql_at -d fresh -c "SELECT extversion FROM pg_extension WHERE extname = 'orca_fdw'")
	nobj=$(grep -c '^== ' "$work/fresh.objects")
	if [ "$got" = "$current" ] && [ "$nobj" -gt 1 ] && ! grep -q '^(test/extension_objects.sql failed)' "$work/fresh.objects"; then
		pass "fresh install: version $got, $((nobj - 1)) objects"
	else
		fail "fresh install: version '$got' (want $current), $((nobj - 1)) objects"
	fi

	# user data made at version V: the statements, run after CREATE EXTENSION ... VERSION 'V'
	user_data() { # DB
		psql_q -d "$1" -v sim_url="$ORCA_SIM_URL" <<-'SQL'
			CREATE SERVER orca FOREIGN DATA WRAPPER orca_fdw
			  OPTIONS (url :'sim_url', max_concurrent_requests '2', request_timeout '30');
			CREATE USER MAPPING FOR CURRENT_USER SERVER orca OPTIONS (user 'ormaster', password 'ormaster');
			CREATE USER MAPPING FOR orca_reader SERVER orca OPTIONS (user 'ormaster', password 'ormaster');
			CREATE SCHEMA orca;
			IMPORT FOREIGN SCHEMA orca FROM SERVER orca INTO orca;
			CREATE FOREIGN TABLE my_patients (
			  id text OPTIONS (field 'Patient_ID'),
			  whole_name text,
			  birth_date date)
			  SERVER orca OPTIONS (resource 'patients', trim_values 'false');
			CREATE VIEW current_inpatients AS
			  SELECT patient_id, ward_number FROM orca.admissions WHERE discharge_date IS NULL;
			GRANT USAGE ON SCHEMA orca TO orca_reader;
			GRANT SELECT ON orca.patients, my_patients, current_inpatients TO orca_reader;
			GRANT USAGE ON FOREIGN DATA WRAPPER orca_fdw TO orca_reader;
			GRANT USAGE ON FOREIGN SERVER orca TO orca_reader;
			GRANT EXECUTE ON FUNCTION orca_fdw_audit() TO orca_reader;
			COMMENT ON FOREIGN TABLE my_patients IS 'made by hand before the update';
			-- a view over each view the extension has at this version, granted to the reader
			SELECT format('CREATE VIEW %I AS SELECT * FROM %s; GRANT SELECT ON %I, %s TO orca_reader',
			              'my_' || c.relname, c.oid::regclass, 'my_' || c.relname, c.oid::regclass)
			FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
			WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind = 'v'
			  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'orca_fdw') \gexec
			-- a registration: its "sent" and "result" lines go to the audit log
			INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex)
			VALUES ('更新　試験', 'コウシン　シケン', '1970-05-06', '2');
		SQL
	}
	# what must survive the update, as text
	snapshot() { # DB OUT
		{
			echo "-- pg_dump --schema-only"
			# (without the \restrict lines, whose key is new on every run)
			pg_dump --schema-only "$1" | grep -vE '^\\(un)?restrict '
			echo "-- the audit log as orca_reader reads it"
			PGUSER=orca_reader PGPASSWORD=reader psql_at -d "$1" -c \
				"SELECT seq, event, api, kind, patient_id, outcome, api_result FROM orca_fdw_audit() ORDER BY seq"
			echo "-- a query through the foreign tables as orca_reader"
			PGUSER=orca_reader PGPASSWORD=reader psql_at -d "$1" -c \
				"SELECT p.patient_id, p.birth_date, m.whole_name FROM orca.patients p JOIN my_patients m ON m.id = p.patient_id
				 WHERE p.patient_id IN ('00001', '00002') ORDER BY 1"
		} >"$2" 2>&1
	}

	for v in $earlier; do
		# objects: updated from V equals fresh
		db=objects_${v//./_}
		newdb "$db"
		if psql_q -d "$db" -c "CREATE EXTENSION orca_fdw VERSION '$v'" 2>"$work/err"; then
			pass "$v: CREATE EXTENSION orca_fdw VERSION '$v'"
		else
			fail "$v: CREATE EXTENSION orca_fdw VERSION '$v': $(cat "$work/err")"
			continue
		fi
		if psql_q -d "$db" -c "ALTER EXTENSION orca_fdw UPDATE" 2>"$work/err"; then
			got=$(psql_at -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'orca_fdw'")
			if [ "$got" = "$current" ]; then
				pass "$v: ALTER EXTENSION orca_fdw UPDATE leads to $got"
			else
				fail "$v: ALTER EXTENSION orca_fdw UPDATE leads to $got, not $current"
			fi
		else
			fail "$v: ALTER EXTENSION orca_fdw UPDATE: $(cat "$work/err")"
			continue
		fi
		if ! psql_at -d "$db" -f test/extension_objects.sql >"$work/$v.objects"; then
			fail "$v: test/extension_objects.sql failed"
		else
			same_text "$v: updated to $current, the extension's $((nobj - 1)) objects equal a fresh install's" \
				"$v: updated to $current, the extension's objects differ from a fresh install's:" \
				"fresh install of $current" "$work/fresh.objects" "$v updated to $current" "$work/$v.objects"
		fi

		# user data: made at V, the same after the update
		db=data_${v//./_}
		newdb "$db"
		psql_q -d "$db" -c "CREATE EXTENSION orca_fdw VERSION '$v'"
		if ! user_data "$db" >"$work/err" 2>&1; then
			fail "$v: could not make the user data: $(cat "$work/err")"
			continue
		fi
		snapshot "$db" "$work/$v.before"
		lines=$(grep -cE '^[0-9]+\|(sent|result)\|patientmodv2\|register_patient\|' "$work/$v.before")
		rows=$(grep -cE '^0000[12]\|' "$work/$v.before")
		if [ "$lines" -eq 2 ] && [ "$rows" -eq 2 ]; then
			pass "$v: user data made (the registration's 2 audit lines, 2 patients through the foreign tables)"
		else
			fail "$v: user data: $lines audit lines of the registration (want 2), $rows patients (want 2):"
			tail -20 "$work/$v.before"
		fi
		if ! psql_q -d "$db" -c "ALTER EXTENSION orca_fdw UPDATE" 2>"$work/err"; then
			fail "$v: ALTER EXTENSION orca_fdw UPDATE with user data: $(cat "$work/err")"
			continue
		fi
		snapshot "$db" "$work/$v.after"
		same_text "$v: after the update, schema dump, audit log and foreign-table answers are unchanged" \
			"$v: the update changed what users made or can read:" \
			"$v before the update" "$work/$v.before" "after the update to $current" "$work/$v.after"
	done
	echo "$passed $failed" >"$work/counts"
	exit 0
fi

# ---------------------------------------------------------------------------
# the scripts themselves
if [ -n "$current" ] && [ -f "orca_fdw--$current.sql" ]; then
	pass "orca_fdw.control's default_version $current has its full script orca_fdw--$current.sql"
else
	fail "orca_fdw.control's default_version '$current' has no full script orca_fdw--$current.sql"
fi
for f in orca_fdw--*--*.sql; do
	[ -e "$f" ] || continue
	from=$(sed -E 's/^orca_fdw--(.*)--(.*)\.sql$/\1/' <<<"$f")
	to=$(sed -E 's/^orca_fdw--(.*)--(.*)\.sql$/\2/' <<<"$f")
	if grep -qxF "$from" <<<"$versions" && grep -qxF "$to" <<<"$versions"; then
		pass "$f leads from $from to $to, both shipped as full scripts"
	else
		fail "$f: $from or $to has no full script (a released version's script stays installable)"
	fi
done
for f in orca_fdw--*.sql; do
	if grep -qE '^\\echo Use "(CREATE|ALTER) EXTENSION orca_fdw[^"]*" to load this file\. \\quit' "$f"; then
		pass "$f refuses to run in psql"
	else
		fail "$f has no '\\echo Use \"CREATE EXTENSION orca_fdw\" to load this file. \\quit' line"
	fi
done
if [ -z "$earlier" ]; then
	echo "no earlier version: nothing to update from"
fi

work=$(mktemp -d /tmp/orca_upgrade.XXXXXX)
chmod 755 "$work"
sim_pid=
cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
	if [ "${UPGRADE_KEEP:-0}" = 1 ]; then
		echo "kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
if ! test/start_sim.sh "$work/sim" --patients 200 --seed 12 --today 2026-11-25; then
	fail "orca-sim did not start (make builds build/orca-sim)"
else
	read -r sim_pid ORCA_SIM_URL <"$work/sim"
	export ORCA_SIM_URL
	pg_virtualenv -t -v 15 -o shared_preload_libraries= bash "$0" --inside "$work"
	if [ -f "$work/counts" ]; then
		read -r p f <"$work/counts"
		passed=$((passed + p))
		failed=$((failed + f))
	else
		fail "the checks in the scratch cluster did not finish"
	fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
