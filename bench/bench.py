#!/usr/bin/python3
"""bench.py — the orca_fdw benchmark driver.

Run by bench/run.sh inside `pg_virtualenv -v 15` (PGHOST/PGPORT/PGUSER/...
point at a scratch cluster).  Starts its own orca-sim instances, creates the
SQL objects, measures, writes bench/out/results.json and bench/RESULTS.md.

Timing:
  - SQL: inside the backend, clock_timestamp() around EXECUTE of the query, in
    a plpgsql loop (bench_measure); the sim's counters are reset before and
    read after every repetition (bench_sim, plpython3u, outside the timed part).
    One psql session per series; a warm-up query in that session first, so
    library loading and the first connection are not timed.
  - external programs (baseline, ETL script): wall clock around the process,
    including process start-up; a warm-up run first.
  - section 3 (overhead) times every variant both ways, so that the wrapper and
    the baseline are compared alike: "warm" = the client is running and has
    connected (wrapper and plpython3u: inside a backend after a warm-up; the
    baseline: its own clock, from before its first request to its last row) and
    "process" = a whole process from start to exit (`psql -c QUERY`: connection,
    backend start, library load, first ORCA connection; the baseline and the ETL
    script as programs).  The ETL script has only the process time.
Medians are reported; min and max alongside.

--quick: small simulators and one repetition, to check the harness; its report
says so and bench/run.sh does not replace bench/RESULTS.md with it.
"""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
SIM = os.environ.get("BENCH_SIM") or os.path.join(TOP, "build", "orca-sim")
PY = "/usr/bin/python3"

SEED = 1
TODAY = "2025-11-25"
SIM_THREADS = 8
SIMS = {
    # name: (patients, latency_ms)
    "lat20": (20000, 20),   # concurrency, gentleness, joins
    "big": (100000, 0),     # overhead, memory (100k)
    "small": (10000, 0),    # memory (10k)
}
QUICK_SIMS = {"lat20": (2000, 5), "big": (10000, 0), "small": (2000, 0)}
JOIN_IDS = 1000  # local ids in the join benchmark (every 20th patient of lat20)
SCHEMAS = {"lat20": "orca", "big": "orca_big", "small": "orca_small"}
SERVERS = {"lat20": "orca", "big": "orca_big", "small": "orca_small"}

REPS = int(os.environ.get("BENCH_REPS", "5"))            # fast series
SLOW_REPS = int(os.environ.get("BENCH_SLOW_REPS", "3"))  # series of several seconds each
LATERAL_REPS = 2
STATEMENT_TIMEOUT_S = int(os.environ.get("BENCH_STATEMENT_TIMEOUT", "300"))

sims = {}      # name -> {"url", "pid", "proc", "patients", "latency", "summary"}
results = {"errors": [], "notes": []}
OUT = None


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# ---------------------------------------------------------------------------
# simulators
# ---------------------------------------------------------------------------

def http_json(url, method="GET"):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read().decode())


def start_sim(name):
    patients, latency = SIMS[name]
    logf = os.path.join(OUT, "sim-%s.log" % name)
    cmd = [SIM, "--host", "127.0.0.1", "--port", "0", "--patients", str(patients), "--seed", str(SEED),
           "--today", TODAY, "--latency-ms", str(latency), "--threads", str(SIM_THREADS)]
    with open(logf, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
    with open(os.path.join(OUT, "sims.pids"), "a") as f:
        f.write("%d\n" % proc.pid)
    url = None
    for _ in range(600):
        with open(logf) as f:
            m = re.search(r"listening on (http://\S+)", f.read())
        if m:
            url = m.group(1)
            break
        if proc.poll() is not None:
            raise RuntimeError("orca-sim %s exited early: %s" % (name, open(logf).read()[-2000:]))
        time.sleep(0.1)
    if not url:
        proc.kill()
        raise RuntimeError("orca-sim %s did not start within 60 s" % name)
    summary = http_json(url + "/__sim/summary")
    sims[name] = {"url": url, "pid": proc.pid, "proc": proc, "patients": patients, "latency": latency,
                  "cmd": ("build/orca-sim" if SIM.endswith("build/orca-sim") else SIM) + " " + " ".join(cmd[1:]),
                  "id_width": int(summary.get("id_width", 5)),
                  "dateless": len(summary.get("dateless", [])),
                  "today": summary.get("today")}
    log("sim %s: %s (pid %d, %d patients, latency %d ms)" % (name, url, proc.pid, patients, latency))


def stop_sims():
    for name, s in sims.items():
        p = s["proc"]
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def sim_cpu_ms(name):
    """CPU time (user + system, all threads) the simulator has used so far."""
    with open("/proc/%d/stat" % sims[name]["pid"]) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def sim_reset(name):
    http_json(sims[name]["url"] + "/__sim/reset", "POST")


def sim_stats(name):
    return http_json(sims[name]["url"] + "/__sim/stats")


# ---------------------------------------------------------------------------
# psql
# ---------------------------------------------------------------------------

class SqlError(Exception):
    pass


def psql(*commands, timeout=None, check=True):
    """Run the commands in one session; returns stdout (unaligned, tuples only)."""
    cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    for c in commands:
        cmd += ["-c", c]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise SqlError(p.stderr.strip() or "psql exited %d" % p.returncode)
    return p.stdout


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def measure_sql(sim, query, reps, settings=(), warmup_query=None, warmup=1):
    """Time `query` reps times in one session.  Returns a series dict."""
    return series(run_sql(sim, query, reps, settings, warmup_query, warmup))


def run_sql(sim, query, reps=1, settings=(), warmup_query=None, warmup=0, before=()):
    """One psql session: `before` statements (e.g. ALTER SERVER), settings, an
    untimed warm-up, then `reps` timed executions.  Returns the rows."""
    cmds = list(before) + ["SET statement_timeout = '%ds'" % STATEMENT_TIMEOUT_S]
    cmds += ["SET %s" % s for s in settings]
    # load plpython (bench_sim) and the wrapper before anything is timed
    cmds.append("SELECT bench_sim(%s, 'stats') IS NOT NULL" % lit(sims[sim]["url"]))
    if warmup_query:
        cmds.append(warmup_query)
    cmds.append("SELECT json_agg(m ORDER BY rep)::jsonb::text FROM bench_measure(%s, %s, %d, %d) m"
                % (lit(sims[sim]["url"]), lit(query), reps, warmup))
    c0 = sim_cpu_ms(sim)
    out = psql(*cmds, timeout=STATEMENT_TIMEOUT_S * (reps + warmup) + 60)
    rows = json.loads(out.strip().splitlines()[-1])
    if reps == 1 and warmup == 0:  # (includes the single-patient warm-up call: negligible)
        rows[0]["sim_cpu_ms"] = sim_cpu_ms(sim) - c0
    return rows


def run_process_sql(sim, query):
    """`psql -c QUERY` as a whole process, timed from outside: connection,
    backend start, library load and the first ORCA connection included."""
    r = run_cmd(sim, ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c",
                      "SET statement_timeout = '%ds'" % STATEMENT_TIMEOUT_S, "-c", query])
    r["cpu_ms"] = None  # psql's CPU, not the backend's: not comparable
    return r


def both_ways(sim, warm_fn, query):
    """One warm run (warm_fn) and one whole-process run of the same query."""
    def go():
        w = warm_fn()
        p = run_process_sql(sim, query)
        w.update({"warm_ms": w["ms"], "process_ms": p["ms"], "process_result": p["result"],
                  "process_stats": p["stats"]})
        return w
    return go


def run_cmd(sim, cmd, record=True):
    if record:
        sim_reset(sim)
    c0 = sim_cpu_ms(sim)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=STATEMENT_TIMEOUT_S)
    ms = (time.perf_counter() - t) * 1000
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    sim_ms = sim_cpu_ms(sim) - c0
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (cmd[0], p.stderr.strip()[-2000:]))
    cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000
    return {"ms": ms, "cpu_ms": cpu, "sim_cpu_ms": sim_ms, "result": p.stdout.strip(),
            "stats": sim_stats(sim) if record else None}


def measure_cmd(sim, cmd, reps, warmup=1):
    for _ in range(warmup):
        run_cmd(sim, cmd, record=False)
    return series([run_cmd(sim, cmd) for _ in range(reps)])


def interleave(variants, reps):
    """variants: list of (key, fn) where fn() returns one row dict (ms, result,
    stats).  Runs round-robin (rep 1 of every variant, then rep 2, ...) so that
    slow drifts in machine load hit all variants alike.  Returns key -> series."""
    rows = {k: [] for k, _ in variants}
    for i in range(reps):
        for k, fn in variants:
            rows[k].append(fn())
        log("    round %d/%d: %s" % (i + 1, reps, ", ".join("%s %s" % (k, fmt_ms(rows[k][-1]["ms"]))
                                                               for k, _ in variants)))
    return {k: series(v) for k, v in rows.items()}


def fmt_ms(v):
    return "%.0f ms" % v


def series(rows):
    ms = [r["ms"] for r in rows]
    # every run's stats and result: the warm and the whole-process run of a round alike
    st = [r["stats"] for r in rows] + [r["process_stats"] for r in rows if r.get("process_stats")]
    res = [r["result"] for r in rows] + [r["process_result"] for r in rows if "process_result" in r]
    cpu = [r["cpu_ms"] for r in rows if r.get("cpu_ms") is not None]
    simcpu = [r["sim_cpu_ms"] for r in rows if r.get("sim_cpu_ms") is not None]
    extra = {}
    for way in ("warm", "process"):
        v = [r[way + "_ms"] for r in rows if r.get(way + "_ms") is not None]
        if v:
            extra["median_%s_ms" % way] = statistics.median(v)
            extra["all_%s_ms" % way] = [round(x, 1) for x in v]
    return dict(extra, **{
        "median_cpu_ms": statistics.median(cpu) if cpu else None,
        "all_cpu_ms": [round(x, 1) for x in cpu],
        "median_sim_cpu_ms": statistics.median(simcpu) if simcpu else None,
        "reps": len(rows),
        "median_ms": statistics.median(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
        "all_ms": [round(x, 1) for x in ms],
        "result": rows[-1]["result"],
        "results_agree": len(set(res)) == 1,
        "calls": st[-1]["total"],
        "calls_agree": len(set(json.dumps(s["by_path"], sort_keys=True) for s in st)) == 1,
        "by_path": {k.rsplit("/", 1)[-1]: v for k, v in st[-1]["by_path"].items()},
        "max_in_flight": max(s.get("max_in_flight", 0) for s in st),
        "max_per_second": max(s.get("max_per_second", 0) for s in st),
    })


# ---------------------------------------------------------------------------
# setup
# ---------------------------------------------------------------------------

HELPERS = r"""
CREATE EXTENSION IF NOT EXISTS plpython3u;

CREATE OR REPLACE FUNCTION bench_sim(url text, action text) RETURNS jsonb LANGUAGE plpython3u AS $py$
import json, urllib.request
if action == 'reset':
    req = urllib.request.Request(url + '/__sim/reset', data=b'', method='POST')
else:
    req = urllib.request.Request(url + '/__sim/stats')
with urllib.request.urlopen(req, timeout=30) as r:
    return r.read().decode()
$py$;

CREATE OR REPLACE FUNCTION bench_cpu() RETURNS float8 LANGUAGE plpython3u AS $py$
import time
return time.process_time() * 1000.0
$py$;

CREATE OR REPLACE FUNCTION bench_measure(url text, q text, reps int, warmup int)
RETURNS TABLE(rep int, ms float8, cpu_ms float8, result text, stats jsonb) LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  c0 float8;
  r text;
BEGIN
  FOR i IN 1..warmup LOOP
    EXECUTE q INTO r;
  END LOOP;
  FOR i IN 1..reps LOOP
    PERFORM bench_sim(url, 'reset');
    c0 := bench_cpu();
    t0 := clock_timestamp();
    EXECUTE q INTO r;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    cpu_ms := bench_cpu() - c0;
    rep := i;
    result := r;
    stats := bench_sim(url, 'stats');
    RETURN NEXT;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION bench_vm() RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_object_agg(split_part(l, ':', 1), (regexp_match(l, '(\d+) kB'))[1]::bigint)
  FROM regexp_split_to_table(pg_read_file('/proc/' || pg_backend_pid() || '/status'), E'\n') AS l
  WHERE l ~ '^(VmHWM|VmRSS|RssAnon|RssFile|RssShmem):'
$$;

CREATE TABLE IF NOT EXISTS bench_patients_copy (
  patient_id text, whole_name text, whole_name_in_kana text, birth_date date, sex text,
  create_date date, update_date date, update_time time, test_patient_flag text);
"""


def setup_python_function():
    src = open(os.path.join(HERE, "orca_fetch.py"), encoding="utf-8").read()
    body = src + "\nreturn fetch_rows(url)\n"
    assert "$py$" not in body
    psql("""CREATE OR REPLACE FUNCTION bench_py_patients(url text)
RETURNS TABLE(patient_id text, whole_name text, whole_name_in_kana text, birth_date date, sex text,
              create_date date, update_date date, update_time time, test_patient_flag text)
LANGUAGE plpython3u AS $py$
""" + body + "$py$")


def setup_wrapper():
    so = os.environ.get("BENCH_FDW_SO")
    if so:
        # an uninstalled build (development aid): the extension's objects by hand
        results["notes"].append("wrapper loaded from %s (BENCH_FDW_SO), not the installed extension" % so)
        psql("CREATE FUNCTION orca_fdw_handler() RETURNS fdw_handler AS %s LANGUAGE C STRICT" % lit(so),
             "CREATE FUNCTION orca_fdw_validator(text[], oid) RETURNS void AS %s LANGUAGE C STRICT" % lit(so),
             "CREATE FOREIGN DATA WRAPPER orca_fdw HANDLER orca_fdw_handler VALIDATOR orca_fdw_validator")
    else:
        psql("CREATE EXTENSION orca_fdw")
    for name in SIMS:
        srv, sch = SERVERS[name], SCHEMAS[name]
        psql("CREATE SERVER %s FOREIGN DATA WRAPPER orca_fdw OPTIONS (url %s, max_concurrent_requests '4')"
             % (srv, lit(sims[name]["url"])),
             "CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (user 'ormaster', password 'ormaster')" % srv,
             "CREATE SCHEMA %s" % sch,
             "IMPORT FOREIGN SCHEMA orca FROM SERVER %s INTO %s" % (srv, sch))
    # the local ids for the join benchmark: every 20th patient of the 20k sim
    w = sims["lat20"]["id_width"]
    psql("CREATE TABLE local_ids (patient_id text PRIMARY KEY)",
         "INSERT INTO local_ids SELECT lpad((g * 20 - 7)::text, %d, '0') FROM generate_series(1, %d) g"
         % (w, JOIN_IDS),
         "ANALYZE local_ids")


def set_server_option(server, option, value):
    """SET (or ADD) a server option; value None drops it."""
    cur = psql("SELECT coalesce(array_to_string(srvoptions, ','), '') FROM pg_foreign_server WHERE srvname = %s"
               % lit(server)).strip()
    present = any(o.split("=", 1)[0] == option for o in cur.split(",") if o)
    if value is None:
        if present:
            psql("ALTER SERVER %s OPTIONS (DROP %s)" % (server, option))
    else:
        psql("ALTER SERVER %s OPTIONS (%s %s %s)" % (server, "SET" if present else "ADD", option, lit(str(value))))


def explain(query, settings=()):
    cmds = ["SET %s" % s for s in settings] + ["EXPLAIN (COSTS OFF) " + query]
    return psql(*cmds).rstrip()


# ---------------------------------------------------------------------------
# the benchmarks
# ---------------------------------------------------------------------------

def step(name, fn):
    log("--- " + name)
    t = time.monotonic()
    try:
        fn()
    except Exception as e:  # keep going: a failing part is reported, not fatal
        msg = "%s: %s" % (name, str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__)
        results["errors"].append({"step": name, "error": str(e).strip()[-3000:]})
        log("FAILED " + msg)
        traceback.print_exc()
    log("    %s took %.1f s" % (name, time.monotonic() - t))


def wrapper_rep(sim, server, mcr, query, warm):
    """One timed run of `query` in a fresh session after ALTER SERVER ... max_concurrent_requests."""
    before = ["ALTER SERVER %s OPTIONS (SET max_concurrent_requests '%d')" % (server, mcr)]
    return lambda: run_sql(sim, query, 1, warmup_query=warm, before=before)[0]


def legacy_window_sizing(on):
    """The reference clients (baseline.cpp, plpython, etl.py) split patientlst1v2
    windows by halving, the wrapper's sizing before issue 11.  Where a section
    compares the wrapper with them, the wrapper runs with that sizing too (the
    hidden orca_fdw.legacy_window_sizing, set for the database so that fresh
    sessions and processes have it): both make the same calls, and the ratio is
    the wrapper's own overhead.  bench/windows.sh measures the sizing itself."""
    psql("DO $$BEGIN EXECUTE format('ALTER DATABASE %%I %s', current_database()); END$$"
         % ("SET orca_fdw.legacy_window_sizing = on" if on else "RESET orca_fdw.legacy_window_sizing"))


def bench_concurrency():
    q = "SELECT count(whole_address1) FROM orca.patients"
    warm = "SELECT count(*) FROM orca.patients WHERE patient_id = '00001'"
    r = {"query": q, "sim": "lat20"}
    legacy_window_sizing(True)
    try:
        r.update(interleave([("mcr1", wrapper_rep("lat20", "orca", 1, q, warm)),
                             ("mcr4", wrapper_rep("lat20", "orca", 4, q, warm))], SLOW_REPS))
    finally:
        legacy_window_sizing(False)
        set_server_option("orca", "max_concurrent_requests", 4)
    r["speedup"] = r["mcr1"]["median_ms"] / r["mcr4"]["median_ms"]
    # reference: the sequential C++ client with the same detail calls (expected result and call count)
    ref = run_cmd("lat20", [os.path.join(OUT, "orca-baseline"), "--url", sims["lat20"]["url"], "--detail"])
    r["reference"] = series([ref])
    r["reference"]["parsed"] = parse_kv(ref["result"])
    log("    reference (baseline --detail, sequential): %.0f ms, %s" % (ref["ms"], ref["result"]))
    for n in (1, 4):
        log("    max_concurrent_requests %d: %.0f ms, %d calls, max_in_flight %d" % (
            n, r["mcr%d" % n]["median_ms"], r["mcr%d" % n]["calls"], r["mcr%d" % n]["max_in_flight"]))
    results["concurrency"] = r


def bench_gentleness():
    q = "SELECT count(*) FROM orca.patients"
    warm = "SELECT count(*) FROM orca.patients WHERE patient_id = '00001'"
    r = {"query": q, "sim": "lat20", "limit": 20}
    r["unthrottled"] = measure_sql("lat20", q, SLOW_REPS, warmup_query=warm, warmup=0)
    set_server_option("orca", "max_requests_per_second", 20)
    try:
        r["throttled"] = measure_sql("lat20", q, 2, warmup_query=warm, warmup=0)
    finally:
        set_server_option("orca", "max_requests_per_second", None)
    t = r["throttled"]
    r["min_possible_ms"] = (t["calls"] - 1) / 20.0 * 1000
    log("    20 req/s: %.0f ms for %d calls, max_per_second %d" % (t["median_ms"], t["calls"], t["max_per_second"]))
    results["gentleness"] = r


def parse_kv(line):
    return {k: float(v) if "." in v else int(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}


def bench_overhead(wrapper_ok):
    """Baseline, wrapper (max_concurrent_requests 1 and 4), plpython3u and the
    ETL script, interleaved round by round."""
    url = sims["big"]["url"]
    exe = os.path.join(OUT, "orca-baseline")

    def baseline():
        r = run_cmd("big", [exe, "--url", url])
        r["process_ms"] = r["ms"]
        r["warm_ms"] = parse_kv(r["result"]).get("ms")  # its own clock: first request to last row
        return r

    def etl():
        r = run_cmd("big", [PY, os.path.join(HERE, "etl.py"), "--url", url])
        r["process_ms"] = r["ms"]
        return r
    variants = [("baseline", baseline)]
    queries = {}
    if wrapper_ok:
        warm = "SELECT count(*) FROM orca_big.patients WHERE patient_id = %s" % lit("1".zfill(sims["big"]["id_width"]))
        for n in (1, 4):
            for key, q in (("count", "SELECT count(*) FROM orca_big.patients"),
                           ("sum", "SELECT sum(length(whole_name)) FROM orca_big.patients")):
                k = "wrapper_%s_mcr%d" % (key, n)
                queries[k] = q
                # the whole-process run uses the server's setting left by the warm run's ALTER SERVER
                variants.append((k, both_ways("big", wrapper_rep("big", "orca_big", n, q, warm), q)))
    qpy = "SELECT sum(length(whole_name)) FROM bench_py_patients(%s)" % lit(url)
    queries["plpython"] = qpy
    variants.append(("plpython", both_ways("big", lambda: run_sql("big", qpy, 1)[0], qpy)))
    variants.append(("etl", etl))
    run_cmd("big", [exe, "--url", url], record=False)  # warm-up
    if wrapper_ok:
        legacy_window_sizing(True)
    try:
        ov = interleave(variants, REPS)
    finally:
        if wrapper_ok:
            legacy_window_sizing(False)
            set_server_option("orca_big", "max_concurrent_requests", 4)
    for k, q in queries.items():
        ov[k]["query"] = q
    ov["baseline"]["parsed"] = parse_kv(ov["baseline"]["result"])
    for k, v in ov.items():
        log("    %s: warm %s, process %s, %d calls, result %s" % (
            k, fmt_ms(v["median_warm_ms"]) if v.get("median_warm_ms") else "-",
            fmt_ms(v["median_process_ms"]) if v.get("median_process_ms") else "-", v["calls"], v["result"]))
    results["overhead"] = ov


def bench_memory():
    mem = results.setdefault("memory", {})
    for name in ("small", "big"):
        sch, width = SCHEMAS[name], sims[name]["id_width"]
        for key, q in (("basic", "SELECT sum(length(whole_name)) FROM %s.patients" % sch),
                       ("detail", "SELECT count(whole_address1) FROM %s.patients" % sch)):
            url = sims[name]["url"]
            out = psql("SET statement_timeout = '%ds'" % STATEMENT_TIMEOUT_S,
                       "SELECT bench_sim(%s, 'stats') IS NOT NULL" % lit(url),
                       "SELECT count(*) FROM %s.patients WHERE patient_id = %s" % (sch, lit("1".zfill(width))),
                       "SELECT bench_vm()",
                       "SELECT json_agg(m)::jsonb::text FROM bench_measure(%s, %s, 1, 0) m" % (lit(url), lit(q)),
                       "SELECT bench_vm()").strip().splitlines()
            before, run, after = json.loads(out[-3]), json.loads(out[-2])[0], json.loads(out[-1])
            mem["%s_%s" % (name, key)] = {"patients": sims[name]["patients"], "query": q, "before": before,
                                          "after": after, "ms": run["ms"], "calls": run["stats"]["total"],
                                          "result": run["result"]}
            log("    memory %s %s: VmHWM %d -> %d kB" % (name, key, before["VmHWM"], after["VmHWM"]))


def bench_joins():
    w = sims["lat20"]["id_width"]
    warm = "SELECT count(*) FROM orca.patients WHERE patient_id = %s" % lit("1".zfill(w))
    join_q = "SELECT count(p.whole_name) FROM local_ids l JOIN orca.patients p ON p.patient_id = l.patient_id"
    # LATERAL + OFFSET 0 leaves the planner no choice: one parameterized foreign scan per local id
    lateral_q = ("SELECT count(p.whole_name) FROM local_ids l, LATERAL (SELECT whole_name FROM orca.patients p "
                 "WHERE p.patient_id = l.patient_id OFFSET 0) p")
    any_q = ("SELECT count(p.whole_name) FROM orca.patients p "
             "WHERE p.patient_id = ANY(ARRAY(SELECT patient_id FROM local_ids))")
    forced = ("enable_hashjoin = off", "enable_mergejoin = off")
    variants = [
        ("any", any_q, (), "defaults", REPS),
        ("nl", join_q, forced, "enable_hashjoin, enable_mergejoin off", SLOW_REPS),
        ("lateral", lateral_q, (), "defaults (LATERAL … OFFSET 0 forces a nested loop with the foreign scan inside)",
         LATERAL_REPS),
        ("default", join_q, (), "defaults (planner's choice)", SLOW_REPS),
    ]
    r = {"sim": "lat20", "variants": [], "ids": JOIN_IDS}
    # what one full scan of the patients costs: the calls a join may make instead of one call per id
    fs = measure_sql("lat20", "SELECT count(*) FROM orca.patients", 1, warmup_query=warm, warmup=0)
    r["full_scan"] = {"query": "SELECT count(*) FROM orca.patients", "calls": fs["calls"], "result": fs["result"]}
    for key, q, sett, label, reps in variants:
        r[key] = measure_sql("lat20", q, reps, settings=sett, warmup_query=warm, warmup=0)
        r[key].update({"query": q, "settings": label, "plan": explain(q, sett)})
        r["variants"].append(key)
        log("    %s: %.0f ms, %d calls, result %s" % (key, r[key]["median_ms"], r[key]["calls"], r[key]["result"]))
    results["joins"] = r


def bench_batch_join():
    """The batched join (a local table JOIN orca.patients by patient_id, the
    CustomScan OrcaBatchedJoin) against its baseline in the same run: the hash
    join over one full enumeration of the patients (orca_fdw.enable_batched_join
    off, nested loop and merge join off), at 20 000 and 100 000 patients."""
    r = {"ids": JOIN_IDS, "sims": {}}
    for name in ("lat20", "big"):
        n_pat, w, sch = sims[name]["patients"], sims[name]["id_width"], SCHEMAS[name]
        tbl = "bj_ids_%s" % name
        # JOIN_IDS ids spread over the patients
        psql("DROP TABLE IF EXISTS %s" % tbl, "CREATE TABLE %s (patient_id text)" % tbl,
             "INSERT INTO %s SELECT lpad((g * %d - 7)::text, %d, '0') FROM generate_series(1, %d) g"
             % (tbl, max(1, n_pat // JOIN_IDS), w, JOIN_IDS),
             "ANALYZE %s" % tbl)
        q = "SELECT count(p.whole_name) FROM %s l JOIN %s.patients p ON p.patient_id = l.patient_id" % (tbl, sch)
        warm = "SELECT count(*) FROM %s.patients WHERE patient_id = %s" % (sch, lit("1".zfill(w)))
        settings = {"hash": ("orca_fdw.enable_batched_join = off", "enable_nestloop = off", "enable_mergejoin = off"),
                    "batched": ()}
        variants = [(k, (lambda sim=name, q=q, sett=sett, warm=warm: run_sql(sim, q, 1, settings=sett,
                                                                              warmup_query=warm)[0]))
                    for k, sett in settings.items()]
        s_ = interleave(variants, SLOW_REPS)
        for k, sett in settings.items():
            s_[k].update({"query": q, "settings": ", ".join(sett) or "defaults", "plan": explain(q, sett)})
            log("    %s %s: %.0f ms, %d calls, result %s" % (name, k, s_[k]["median_ms"], s_[k]["calls"],
                                                             s_[k]["result"]))
        r["sims"][name] = dict(s_, patients=n_pat, latency=sims[name]["latency"])
    results["batch_join"] = r


def bench_bi():
    """BI tools' query shapes (issue 10): each against the same question asked in a
    form the feature does not apply to, in the same run (calls and time as ratios)."""
    w = sims["lat20"]["id_width"]
    warm = "SELECT count(*) FROM orca.patients WHERE patient_id = %s" % lit("1".zfill(w))
    shapes = [
        # (key, query, baseline query, what)
        # count(s.*) needs every column, as a preview shows them
        ("preview", "SELECT count(s.*) FROM (SELECT * FROM orca.patients LIMIT 1) s",
         # OFFSET 0 keeps the LIMIT out of the subquery's scan: the scan as it was before
         "SELECT count(s.*) FROM (SELECT * FROM (SELECT * FROM orca.patients OFFSET 0) s LIMIT 1) s",
         "SELECT * ... LIMIT 1 / the same without the LIMIT reaching the scan"),
        ("timestamps", "SELECT count(*) FROM orca.patients WHERE create_date >= TIMESTAMP '2024-01-01' "
         "AND create_date < TIMESTAMP '2025-01-01'",
         "SELECT count(*) FROM orca.patients WHERE create_date >= DATE '2024-01-01' AND create_date < DATE '2025-01-01'",
         "create_date timestamp range / date range"),
        ("now", "SELECT count(*) FROM orca.patients WHERE create_date >= now() - interval '30 days'",
         "SELECT count(*) FROM orca.patients WHERE create_date >= current_date - 30",
         "create_date >= now() - interval '30 days' / >= current_date - 30"),
        ("meals_preview", "SELECT count(s.*) FROM (SELECT * FROM orca.meals LIMIT 100) s",
         # the simulators' current month (--today 2025-11-25)
         "SELECT count(s.*) FROM (SELECT * FROM orca.meals WHERE perform_date >= DATE '2025-11-01') s",
         "meals LIMIT 100 / the current month of every inpatient"),
    ]
    r = {"sim": "lat20", "shapes": []}
    for key, q, base, what in shapes:
        got = measure_sql("lat20", q, REPS, warmup_query=warm, warmup=0)
        ref = measure_sql("lat20", base, REPS, warmup_query=warm, warmup=0)
        r[key] = {"query": q, "baseline_query": base, "what": what, "got": got, "baseline": ref}
        r["shapes"].append(key)
        log("    %s: %d calls (baseline %d), %.0f ms (baseline %.0f ms)" %
            (key, got["calls"], ref["calls"], got["median_ms"], ref["median_ms"]))
    results["bi"] = r


# ---------------------------------------------------------------------------
# machine info and report
# ---------------------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        return ""


def machine_info():
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem_kb = int(sh("awk '/MemTotal/ {print $2}' /proc/meminfo") or 0)
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1048576, 1),
        "kernel": platform.release(),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "postgresql": psql("SHOW server_version").strip(),
        "compiler": sh("g++ --version | head -1"),
        "libcurl": sh("curl-config --version"),
        "libxml2": sh("xml2-config --version"),
        "python": platform.python_version(),
        "git": sh("cd %s && git rev-parse HEAD" % TOP),
        "git_dirty": [line[3:] for line in
                      sh("cd %s && git status --porcelain" % TOP).splitlines() if line],
        "loadavg_at_start": sh("cut -d' ' -f1-3 /proc/loadavg"),
    }


def main():
    global OUT, REPS, SLOW_REPS, LATERAL_REPS, JOIN_IDS
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--wrapper-build", default="ok", help="'ok' or a message why the wrapper was not built")
    ap.add_argument("--only", default="", help="comma-separated subset: concurrency,gentleness,overhead,memory,joins,batchjoin,bi")
    ap.add_argument("--quick", action="store_true", help="small simulators, one repetition: checks the harness only")
    ap.add_argument("--allow-dirty", action="store_true",
                    help="run.sh was told to measure a tree with uncommitted changes (the report says so)")
    a = ap.parse_args()
    OUT = a.out
    if a.quick:
        SIMS.update(QUICK_SIMS)
        REPS = SLOW_REPS = LATERAL_REPS = 1
        JOIN_IDS = 100
        results["quick"] = True
    os.makedirs(OUT, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with open(os.path.join(OUT, "bench.pid"), "w") as f:
        f.write("%d\n" % os.getpid())
    only = set(x for x in a.only.split(",") if x)
    want = lambda k: not only or k in only  # noqa: E731
    started = time.monotonic()
    results["started"] = datetime.datetime.now().isoformat(timespec="seconds")
    results["reps"] = {"fast": REPS, "slow": SLOW_REPS}
    results["allow_dirty"] = a.allow_dirty
    try:
        results["machine"] = machine_info()
        for name in SIMS:
            start_sim(name)
        results["sims"] = {k: {kk: vv for kk, vv in v.items() if kk != "proc"} for k, v in sims.items()}
        psql(HELPERS)
        setup_python_function()

        wrapper_ok = a.wrapper_build == "ok"
        if not wrapper_ok:
            results["wrapper_error"] = "build failed: " + a.wrapper_build
        else:
            try:
                setup_wrapper()
            except Exception as e:
                wrapper_ok = False
                results["wrapper_error"] = str(e).strip()
                log("wrapper setup failed: %s" % e)
        if want("overhead"):
            step("overhead", lambda: bench_overhead(wrapper_ok))
        if wrapper_ok:
            if want("concurrency"):
                step("concurrency", bench_concurrency)
            if want("gentleness"):
                step("gentleness", bench_gentleness)
            if want("memory"):
                step("memory", bench_memory)
            if want("joins"):
                step("joins", bench_joins)
            if want("batchjoin"):
                step("batchjoin", bench_batch_join)
            if want("bi"):
                step("bi", bench_bi)
    finally:
        stop_sims()
        results.setdefault("machine", {})["loadavg_at_end"] = sh("cut -d' ' -f1-3 /proc/loadavg")
        results["elapsed_s"] = round(time.monotonic() - started, 1)
        with open(os.path.join(OUT, "results.json"), "w") as f:
            json.dump(results, f, indent=1, default=str)
        import report
        with open(a.results, "w") as f:
            f.write(report.render(results))
        log("wrote %s (%.0f s)" % (a.results, results["elapsed_s"]))
        try:
            os.unlink(os.path.join(OUT, "bench.pid"))
        except OSError:
            pass


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
