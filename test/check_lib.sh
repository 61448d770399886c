# shellcheck shell=bash
# check_lib.sh — helpers for the end-to-end shell tests (sourced, bash).
# Checks run psql against the scratch cluster of pg_virtualenv (PGHOST etc.
# are set by it) and count passes and failures in $CHECK_COUNTS.
#
#   check_ok NAME SQL REGEX           the statement succeeds; its output matches REGEX
#   check_error NAME SQL REGEX...     the statement fails; the output (psql
#                                     verbose error: SQLSTATE, DETAIL, HINT)
#                                     matches every REGEX (grep -E)
#   check_true NAME COMMAND...        a shell condition
#   run_sql SQL                       psql output (stdout+stderr) in $out,
#                                     exit status in $rc, seconds in $elapsed
# CHECK_MAX_SECONDS (default 10): a statement taking longer fails its check.
# CHECK_VERBOSE=1: print the output of passing checks too.

passed=0
failed=0
CHECK_MAX_SECONDS=${CHECK_MAX_SECONDS:-10}
out=
rc=0
elapsed=0

_now() { date +%s.%N; }

run_sql() { # SQL
	local t0 t1
	t0=$(_now)
	rc=0
	out=$(timeout 60 psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "$1" 2>&1) || rc=$?
	t1=$(_now)
	elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
}

pass() { # NAME
	passed=$((passed + 1))
	echo "ok   - $1 (${elapsed}s)"
	if [ "${CHECK_VERBOSE:-0}" = 1 ] && [ -n "$out" ]; then
		sed 's/^/       | /' <<<"$out" | head -20
	fi
}

fail() { # NAME WHY
	failed=$((failed + 1))
	echo "FAIL - $1: $2 (${elapsed}s)"
	if [ -n "$out" ]; then
		sed 's/^/       | /' <<<"$out" | head -20
	fi
}

_too_slow() {
	awk -v e="$elapsed" -v m="$CHECK_MAX_SECONDS" 'BEGIN { exit !(e > m) }'
}

check_ok() { # NAME SQL REGEX
	run_sql "$2"
	if [ "$rc" -ne 0 ]; then
		fail "$1" "statement failed (psql exit $rc)"
	elif ! grep -qE -- "$3" <<<"$out"; then
		fail "$1" "output does not match /$3/"
	elif _too_slow; then
		fail "$1" "took longer than ${CHECK_MAX_SECONDS}s"
	else
		pass "$1"
	fi
}

check_error() { # NAME SQL REGEX...
	local name=$1 sql=$2 re
	shift 2
	run_sql "$sql"
	if [ "$rc" -eq 0 ]; then
		fail "$name" "statement succeeded, an error was expected"
		return
	fi
	for re in "$@"; do
		if ! grep -qE -- "$re" <<<"$out"; then
			fail "$name" "error does not match /$re/"
			return
		fi
	done
	if _too_slow; then
		fail "$name" "took longer than ${CHECK_MAX_SECONDS}s"
		return
	fi
	pass "$name"
}

check_true() { # NAME COMMAND...
	local name=$1
	shift
	out=
	elapsed=0
	if "$@"; then
		pass "$name"
	else
		fail "$name" "condition failed: $*"
	fi
}

write_counts() { # FILE
	echo "$passed $failed" >"$1"
}
