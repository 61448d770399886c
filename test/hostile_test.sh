#!/bin/bash
# hostile_test.sh — hostile ORCA responses end to end: test/hostile_server.py
# (python3 stdlib, 127.0.0.1) answers /api01rv2/patientgetv2 with a 10 MB body
# (with and without Content-Length, and as an HTTP 500 page), 100 000-deep
# xml2 and JSON nesting, a DOCTYPE with an external entity file:///etc/passwd,
# an external DTD on the network, a billion-laughs expansion, an 8 MB value,
# and 8 MB of tiny elements (empty elements in one row, a JSON array of
# numbers, empty fields outside the rows) that would decode to many times
# their size.
# For each, a scratch PostgreSQL 15 backend (pg_virtualenv) runs
#   SELECT ... FROM <server>.patients WHERE patient_id = '00001'
# and the check requires: a clear HV00M error ("... response ..."), within
# HOSTILE_MAX_MS (default 5000 ms, retries included), the backend's peak RSS
# (VmHWM) growing by less than HOSTILE_MAX_GROWTH_KB (default 8192 kB, less
# than the 10 MB body; 65536 kB for the tiny-element bodies, whose decoded
# nodes take memory of their own), and no /etc/passwd content in the output.  Afterwards:
# no /etc/passwd content in the server log, the external DTD never fetched,
# and the wrapper still answers.  Needs the extension installed (make install).
# Prints "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# ---------------------------------------------------------------------------
# inner part: runs inside pg_virtualenv
# ---------------------------------------------------------------------------
if [ "${1:-}" = --inner ]; then
	# shellcheck source=test/check_lib.sh
	. "$top/test/check_lib.sh"
	max_ms=${HOSTILE_MAX_MS:-5000}
	max_growth_kb=${HOSTILE_MAX_GROWTH_KB:-8192}
	base="http://127.0.0.1:$HOSTILE_PORT"
	mkserver() { # NAME MODE OPTIONS
		cat <<-EOF
			CREATE SERVER h_$1 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url '$base/$2', connect_timeout '2', request_timeout '10'${3:+, $3});
			CREATE USER MAPPING FOR CURRENT_USER SERVER h_$1 OPTIONS (user 'ormaster', password 'ormaster');
			CREATE FOREIGN TABLE h_$1 (patient_id text, whole_name text) SERVER h_$1 OPTIONS (resource 'patients');
		EOF
	}
	small="max_response_size '64kB'"
	large="max_response_size '16MB'"
	setup="CREATE EXTENSION orca_fdw;
$(mkserver ok ok "$small")
$(mkserver big big "$small")
$(mkserver bignolen bignolen "$small")
$(mkserver big500 big500 "$small")
$(mkserver deep deep "$large")
$(mkserver deepjson deepjson "$large, format 'json'")
$(mkserver xxe xxe "$small")
$(mkserver xxenet xxenet "$small")
$(mkserver laughs laughs "$small")
$(mkserver longvalue longvalue "$large")
$(mkserver empties empties "$large")
$(mkserver numbers numbers "$large, format 'json'")
$(mkserver fields fields "$large")"
	run_sql "$setup"
	if [ "$rc" -ne 0 ]; then
		fail "setup" "could not create the servers"
		write_counts "$HOSTILE_DIR/counts"
		exit 1
	fi
	alltext=$HOSTILE_DIR/all_output.txt
	: >"$alltext"
	check_ok "sanity: the hostile server's valid answer reads (max_response_size 64kB)" \
		"SELECT patient_id, whole_name FROM h_ok WHERE patient_id = '00001'" '^00001\|.+'
	cat <<<"$out" >>"$alltext"

	hwm="SELECT 'HWM ' || substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*([0-9]+)');"
	hostile() { # NAME TABLE REGEX...
		local name=$1 table=$2 re before after ms growth errors limit_kb=${growth_limit_kb:-$max_growth_kb}
		shift 2
		# one backend: warm up (module, libcurl, libxml2 loaded, one request
		# made), peak RSS, the hostile query timed on the server, peak RSS
		out=$(timeout 60 psql -X -At -v VERBOSITY=verbose -f - 2>&1 <<-EOF
			SELECT count(*) FROM h_ok WHERE patient_id = '00001';
			$hwm
			SELECT clock_timestamp() AS t0 \gset
			SELECT patient_id, whole_name FROM $table WHERE patient_id = '00001';
			SELECT 'MS ' || round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000);
			$hwm
		EOF
		) || true
		out=$(sed -E 's/^psql:[^:]*:[0-9]+: //' <<<"$out")
		cat <<<"$out" >>"$alltext"
		before=$(grep -m1 '^HWM ' <<<"$out" | awk '{print $2}')
		after=$(grep '^HWM ' <<<"$out" | tail -1 | awk '{print $2}')
		ms=$(grep -m1 '^MS ' <<<"$out" | awk '{print $2}')
		elapsed=$(awk -v m="${ms:-0}" 'BEGIN { printf "%.2f", m / 1000 }')
		errors=$(grep -E '^(ERROR|DETAIL|HINT|WARNING):' <<<"$out" || true)
		if [ -z "$before" ] || [ -z "$after" ] || [ -z "$ms" ]; then
			fail "$name" "the session did not complete"
			return
		fi
		growth=$((after - before))
		if grep -qE '^00001\|' <<<"$out"; then
			fail "$name" "the query returned a row"
			return
		fi
		if grep -qE 'root:x:0:0|/usr/sbin/nologin|FETCHED' <<<"$out"; then
			fail "$name" "/etc/passwd or fetched DTD content in the output"
			return
		fi
		if ! grep -qE '^ERROR:  HV00M: .*response' <<<"$errors"; then
			fail "$name" "no HV00M \"...response...\" error"
			return
		fi
		for re in "$@"; do
			if ! grep -qE -- "$re" <<<"$errors"; then
				fail "$name" "error does not match /$re/"
				return
			fi
		done
		if [ "$ms" -gt "$max_ms" ]; then
			fail "$name" "took ${ms} ms (limit ${max_ms})"
			return
		fi
		if [ "$growth" -gt "$limit_kb" ]; then
			fail "$name" "backend peak RSS grew by ${growth} kB (limit ${limit_kb})"
			return
		fi
		out="$errors
(peak RSS ${before} kB -> ${after} kB, +${growth} kB)"
		pass "$name"
	}

	too_large='exceeds max_response_size'
	hostile "10 MB body with Content-Length, max_response_size 64kB" h_big "$too_large"
	hostile "10 MB body without Content-Length, max_response_size 64kB" h_bignolen "$too_large"
	hostile "10 MB HTTP 500 error page, max_response_size 64kB" h_big500 "$too_large"
	hostile "xml2 nested 100 000 deep" h_deep 'DETAIL:  .*(deep|depth|nesting)'
	hostile "JSON nested 100 000 deep" h_deepjson 'DETAIL:  .*(deep|depth|nesting)'
	hostile "DOCTYPE with an external entity file:///etc/passwd" h_xxe 'DETAIL:  .*(DOCTYPE|DTD|entit)'
	hostile "DOCTYPE with an external DTD over http" h_xxenet 'DETAIL:  .*(DOCTYPE|DTD|entit)'
	hostile "billion laughs" h_laughs 'DETAIL:  .*(DOCTYPE|DTD|entit)'
	hostile "8 MB text value" h_longvalue 'DETAIL:  .*(long|bytes|size|value)'
	many='ERROR:  HV00M: too many elements in ORCA response'
	limit='DETAIL:  .*more than 100000 elements'
	growth_limit_kb=65536 hostile "8 MB of empty elements in one row" h_empties "$many" "$limit"
	growth_limit_kb=65536 hostile "8 MB JSON array of numbers in one row" h_numbers "$many" "$limit"
	growth_limit_kb=65536 hostile "8 MB of empty fields outside the rows" h_fields "$many" "$limit"

	elapsed=0
	out=
	log=$(find "$(dirname "$PG_CLUSTER_CONF_ROOT")/log" -name "*.log" 2>/dev/null | head -1 || true)
	if [ -z "$log" ]; then
		fail "server log: no /etc/passwd content" "server log not found"
	elif grep -qE 'root:x:0:0|/usr/sbin/nologin|FETCHED' "$log"; then
		out=$(grep -nE 'root:x:0:0|/usr/sbin/nologin|FETCHED' "$log" | head -5)
		fail "server log: no /etc/passwd content" "found in $log"
	else
		pass "server log: no /etc/passwd content"
	fi
	check_true "no /etc/passwd content in any psql output" \
		bash -c "! grep -qE 'root:x:0:0|/usr/sbin/nologin' '$alltext'"
	check_true "the external DTD was never requested" \
		bash -c "! grep -q 'DTD FETCHED' '$HOSTILE_DIR/requests.log'"
	check_ok "the wrapper still answers afterwards" \
		"SELECT patient_id, whole_name FROM h_ok WHERE patient_id = '00001'" '^00001\|.+'
	write_counts "$HOSTILE_DIR/counts"
	exit 0
fi

# ---------------------------------------------------------------------------
# outer part: the hostile server, then the cluster
# ---------------------------------------------------------------------------
cd "$top"
start=$(date +%s)
dir=$(mktemp -d /tmp/orca_hostile.XXXXXX)
chmod 755 "$dir"
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 test/hostile_server.py "$dir/port" "$dir/requests.log" 2>"$dir/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
	[ -s "$dir/port" ] && break
	if ! kill -0 "$server_pid" 2>/dev/null; then
		cat "$dir/server.err" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
	sleep 0.1
done
if [ ! -s "$dir/port" ]; then
	echo "hostile_test: the hostile server did not start" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
export HOSTILE_PORT HOSTILE_DIR=$dir
HOSTILE_PORT=$(cat "$dir/port")

status=0
pg_virtualenv -t -v 15 -o "shared_preload_libraries=" "$top/test/hostile_test.sh" --inner || status=$?
if [ -f "$dir/counts" ]; then
	read -r passed failed <"$dir/counts"
else
	passed=0
	failed=1
fi
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "requests per body (retries included):"
awk 'NF == 2 && $2 !~ /^\/ok\// { split($2, p, "/"); n[p[2]]++ } END { for (m in n) printf "  %s %d\n", m, n[m] }' \
	"$dir/requests.log" | sort
echo "hostile_test: $(($(date +%s) - start))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
