#!/bin/bash
# start_sim.sh OUTFILE [orca-sim options...]
# Starts build/orca-sim on a free port in the background, waits until it
# listens, and writes "PID URL" to OUTFILE.
set -euo pipefail
out=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
"$top/build/orca-sim" --port 0 "$@" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
	if url=$(grep -o 'http://[^ ]*' "$log" 2>/dev/null) && [ -n "$url" ]; then
		echo "$pid $url" >"$out"
		exit 0
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "orca-sim exited early:" >&2
		cat "$log" >&2
		exit 1
	fi
	sleep 0.1
done
echo "orca-sim did not start within 30 s" >&2
kill "$pid" 2>/dev/null || true
exit 1
