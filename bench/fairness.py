#!/usr/bin/python3
"""fairness.py — one analyst's lookup while seven others scan (issue 14).

Run by bench/fairness.sh inside `pg_virtualenv` (PGHOST/PGPORT/... set), once
without and once with orca_fdw in shared_preload_libraries.  Against one
orca-sim (20 ms latency, 64 threads) and the default max_concurrent_requests
4, shared by every backend:

  idle    the lookup `SELECT patient_id, allergy1 FROM orca.patients WHERE
          patient_id = $1` (one patientgetv2 call), timed inside the backend
          (clock_timestamp around the SELECT in plpgsql), with different ids,
          nothing else running;
  loaded  the same while seven other backends scan `patients` with a
          patientgetv2 column (each wants every slot: thousands of calls),
          after a 2 s warm-up; the scans are cancelled afterwards.
Three rounds of idle then loaded (10 lookups each by default), so drifting
machine load hits both phases.

Reports the medians and their ratio (loaded / idle), the simulator's
max_in_flight during the loaded phases (the shared limit: at most 4), and
for contrast the interval at which each scan gets a call through.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

REPS = int(os.environ.get("BENCH_REPS", "30"))
ROUNDS = 3


def psql(sql, app="fairness", timeout=600):
    env = dict(os.environ, PGAPPNAME=app)
    p = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], env=env,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def sim_get(url, path, method="GET"):
    req = urllib.request.Request(url + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode())


def lookups(n, first_id):
    ids = ",".join("'%05d'" % (first_id + i) for i in range(n))
    rc, out, err = psql("SELECT string_agg(lookup_ms(id)::text, ' ') FROM unnest(ARRAY[%s]) AS id" % ids,
                        app="fairness_lookup")
    if rc != 0:
        raise RuntimeError(err)
    return [float(x) for x in out.split()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    url = args.sim_url.rstrip("/")
    setup = [
        "CREATE EXTENSION IF NOT EXISTS orca_fdw",
        "CREATE SERVER orca FOREIGN DATA WRAPPER orca_fdw OPTIONS (url '%s')" % url,
        "CREATE USER MAPPING FOR CURRENT_USER SERVER orca OPTIONS (user 'ormaster', password 'ormaster')",
        "CREATE SCHEMA orca",
        "IMPORT FOREIGN SCHEMA orca LIMIT TO (patients) FROM SERVER orca INTO orca",
        """CREATE FUNCTION lookup_ms(id text) RETURNS float8 LANGUAGE plpgsql AS $$
           DECLARE t0 timestamptz; r record;
           BEGIN
             t0 := clock_timestamp();
             SELECT patient_id, allergy1 INTO r FROM orca.patients WHERE patient_id = id;
             RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
           END $$""",
    ]
    for s in setup:
        rc, out, err = psql(s)
        if rc != 0:
            raise RuntimeError("%s: %s" % (s[:50], err))
    _, mech, _ = psql("SELECT mechanism FROM orca_fdw_limits WHERE server = 'orca'")

    lookups(3, 1)  # warm-up: library load, connections
    idle, loaded = [], []
    calls_per_s = []
    max_in_flight = 0
    still = True
    per_round = max(1, REPS // ROUNDS)
    for rnd in range(ROUNDS):
        # rounds alternate, so drifting machine load hits both phases
        idle += lookups(per_round, 100 + rnd * per_round)
        scanners = []
        for i in range(7):
            env = dict(os.environ, PGAPPNAME="fairness_scan")
            scanners.append(subprocess.Popen(
                ["psql", "-X", "-A", "-t", "-q", "-c", "SELECT count(coalesce(allergy1, '')) FROM orca.patients"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(2.0)
        sim_get(url, "/__sim/reset", "POST")
        t0 = time.time()
        loaded += lookups(per_round, 1000 + rnd * per_round)
        elapsed = time.time() - t0
        st = sim_get(url, "/__sim/stats")
        max_in_flight = max(max_in_flight, st["max_in_flight"])
        calls_per_s.append((st["total"] - per_round) / elapsed)
        psql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'fairness_scan'")
        for p in scanners:
            p.wait(timeout=60)
        still = still and all(p.returncode != 0 for p in scanners)  # cancelled: they were still scanning
        end = time.time() + 10
        while time.time() < end and sim_get(url, "/__sim/stats")["in_flight"] > 0:
            time.sleep(0.05)

    res = {
        "mode": args.mode,
        "mechanism": mech,
        "reps": len(idle),
        "idle_ms": statistics.median(idle),
        "idle_min": min(idle), "idle_max": max(idle),
        "loaded_ms": statistics.median(loaded),
        "loaded_min": min(loaded), "loaded_max": max(loaded),
        "ratio": statistics.median(loaded) / statistics.median(idle),
        "sim_max_in_flight": max_in_flight,
        "scan_calls_per_s": statistics.median(calls_per_s),
        # each of the 7 scans gets a call through every 7/rate seconds
        "scan_call_interval_ms": 7000.0 / statistics.median(calls_per_s),
        "scans_were_running": still,
    }
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res), flush=True)
    return 0 if still else 1


if __name__ == "__main__":
    sys.exit(main())
