#!/usr/bin/env python3
"""limits_test.py — limits per ORCA server for the whole cluster (issue 14).

Runs inside a scratch cluster (test/limits_test.sh: pg_virtualenv sets PGHOST,
PGPORT, PGUSER, PGPASSWORD, PGDATABASE), once with orca_fdw in
shared_preload_libraries (--mode shm) and once without (--mode file), against
an orca-sim started with --threads 64 --latency-ms 20.

  1. eight backends (two databases, two server objects naming the same ORCA)
     scan patients with a detail column at once: every answer is complete
     (the simulator's own patient count), the simulator never sees more
     requests in flight than max_concurrent_requests, and orca_fdw_limits
     reports slots in use within the limit and backends waiting;
  2. the same with max_requests_per_second: the simulator's densest
     one-second window holds at most the ceiling;
  3. a backend holding every slot (its calls hang in the simulator): another
     backend's lookup waits and answers statement_timeout (57014); after
     pg_terminate_backend the slots come back and the lookup runs;
  4. the same with SIGKILL: the postmaster restarts the cluster (log: "was
     terminated by signal 9"); afterwards no slot is taken and scans run
     within the limit; in lock-file mode also a non-PostgreSQL process that
     holds the slot locks and is SIGKILLed: the kernel gives them back with
     no restart at all;
  5. the circuit breaker is shared: failures in one backend open it for
     another (nothing sent), and after the cool-down exactly one trial call
     goes out while the others are refused;
  6. orca_fdw_stats against the simulator's own counts: calls, retries,
     rows; the cluster's numbers with shared memory, the backend's own with
     lock files; orca_fdw_stats_reset.

Prints PASS/FAIL lines; the last line of --marker gets "PASSED FAILED".
"""
import argparse
import fcntl
import glob
import json
import os
import re
import signal
import struct
import subprocess
import threading
import time
import urllib.request

PASSED = 0
FAILED = 0


def check(ok, name, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print("PASS " + name, flush=True)
    else:
        FAILED += 1
        print("FAIL " + name + (": " + str(detail) if detail != "" else ""), flush=True)
    return ok


def log(msg):
    print(msg, flush=True)


class Sim:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode()

    def reset(self):
        self._call("POST", "/__sim/reset")

    def fault(self, mode, count=1, path=None, **kw):
        spec = {"mode": mode, "count": count}
        if path:
            spec["path"] = path
        spec.update(kw)
        self._call("POST", "/__sim/fault", spec)

    def stats(self):
        return json.loads(self._call("GET", "/__sim/stats"))

    def summary(self):
        return json.loads(self._call("GET", "/__sim/summary"))

    def calls(self, api):
        return sum(n for p, n in self.stats()["by_path"].items() if p.endswith("/" + api))

    def wait_idle(self, limit=30.0):
        end = time.time() + limit
        while time.time() < end:
            if self.stats()["in_flight"] == 0:
                return True
            time.sleep(0.05)
        return False


class Res:
    def __init__(self, rc, out, err):
        self.rc = rc
        self.rows = [l for l in out.splitlines() if l != ""]
        self.err = err
        m = re.search(r"(?:ERROR|FATAL):\s+([0-9A-Z]{5})", err)
        self.sqlstate = m.group(1) if m else None

    @property
    def ok(self):
        return self.rc == 0 and self.sqlstate is None

    def __str__(self):
        return "rc=%s rows=%s err=%s" % (self.rc, self.rows[:3], self.err.strip()[:300])


def psql_args(sqls, db=None, app="limits_test", verbose=False):
    args = ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"]
    if not verbose:
        args += ["-v", "VERBOSITY=sqlstate"]
    if db:
        args += ["-d", db]
    for s in sqls:
        args += ["-c", s]
    env = dict(os.environ, PGAPPNAME=app)
    return args, env


def q(*sqls, db=None, app="limits_test", timeout=120, verbose=False):
    args, env = psql_args(sqls, db, app, verbose)
    try:
        p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Res(-1, "", "client timeout")
    return Res(p.returncode, p.stdout, p.stderr)


def background(*sqls, db=None, app="limits_bg"):
    args, env = psql_args(sqls, db, app)
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(fn, limit=15.0, step=0.05):
    end = time.time() + limit
    last = None
    while time.time() < end:
        last = fn()
        if last:
            return last
        time.sleep(step)
    return last


def limits_row(server="lim", db="limits_a"):
    r = q("SELECT slots_in_use, backends_waiting, lookups_waiting, circuit_breaker, mechanism "
          "FROM orca_fdw_limits WHERE server = '%s'" % server, db=db)
    if not r.ok or not r.rows:
        return None
    f = r.rows[0].split("|")
    return {"in_use": int(f[0]), "waiting": int(f[1]), "lookups": int(f[2]), "breaker": f[3], "mechanism": f[4]}


def server_up():
    return q("SELECT 1", timeout=5).ok


SCAN = ("SELECT count(*), count(DISTINCT patient_id), count(coalesce(allergy1, '')) "
        "FROM orca.patients")
LOOKUP = "SELECT patient_id, allergy1 IS NULL FROM orca.patients WHERE patient_id = '00001'"


def setup(url, limit):
    opts = "url '%s', max_concurrent_requests '%d', circuit_breaker_failures '0'" % (url, limit)
    for db, srv, schema in (("limits_a", "lim", "orca"), ("limits_b", "lim_b", "orca")):
        r = q("CREATE DATABASE %s" % db)
        if not r.ok and "42P04" not in r.err:
            raise RuntimeError("createdb %s: %s" % (db, r))
        stmts = ["CREATE EXTENSION IF NOT EXISTS orca_fdw",
                 "CREATE SERVER %s FOREIGN DATA WRAPPER orca_fdw OPTIONS (%s)" % (srv, opts),
                 "CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (user 'ormaster', password 'ormaster')"
                 % srv,
                 "CREATE SCHEMA %s" % schema,
                 "IMPORT FOREIGN SCHEMA orca FROM SERVER %s INTO %s" % (srv, schema)]
        if db == "limits_a":
            # a server with a breaker, on the same ORCA
            stmts += ["CREATE SERVER brk FOREIGN DATA WRAPPER orca_fdw OPTIONS (url '%s', retries '0', "
                      "circuit_breaker_failures '2', circuit_breaker_cooldown '2')" % url,
                      "CREATE USER MAPPING FOR CURRENT_USER SERVER brk OPTIONS (user 'ormaster', password 'ormaster')",
                      "CREATE SCHEMA brk",
                      "IMPORT FOREIGN SCHEMA orca LIMIT TO (departments, patients) FROM SERVER brk INTO brk"]
        for s in stmts:
            r = q(s, db=db)
            if not r.ok:
                raise RuntimeError("setup %s: %s: %s" % (db, s[:60], r))


def run_parallel(n, sql):
    """n backends, half in each database, all at once; returns their results."""
    results = [None] * n

    def go(i):
        results[i] = q(sql, db="limits_a" if i % 2 == 0 else "limits_b", app="limits_scan_%d" % i, timeout=300)
    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    return threads, results


def observe(threads, db="limits_a"):
    """Poll orca_fdw_limits while the threads run: max slots in use, max backends waiting."""
    max_in_use = max_waiting = 0
    samples = 0
    while any(t.is_alive() for t in threads):
        row = limits_row(db=db)
        if row:
            samples += 1
            max_in_use = max(max_in_use, row["in_use"])
            max_waiting = max(max_waiting, row["waiting"])
        time.sleep(0.1)
    for t in threads:
        t.join()
    return max_in_use, max_waiting, samples


def test_concurrency(sim, mode, limit, patients):
    sim.reset()
    threads, results = run_parallel(8, SCAN)
    max_in_use, max_waiting, samples = observe(threads)
    st = sim.stats()
    want = "%d|%d|%d" % (patients, patients, patients)
    check(all(r.ok and r.rows == [want] for r in results),
          "%s: 8 concurrent scans (2 databases, 2 server objects) all return every patient" % mode,
          "; ".join(str(r) for r in results if not (r.ok and r.rows == [want])))
    calls = st["by_path"].get("/api01rv2/patientgetv2", 0)
    check(calls >= 8 * patients, "%s: the scans called patientgetv2 per patient" % mode, calls)
    check(st["max_in_flight"] <= limit,
          "%s: the simulator never saw more than max_concurrent_requests (%d) in flight" % (mode, limit),
          "max_in_flight %d" % st["max_in_flight"])
    log("  %s: sim max_in_flight %d, max_per_second %d, %d requests; view: max slots in use %d, "
        "max backends waiting %d (%d samples)" % (mode, st["max_in_flight"], st["max_per_second"], st["total"],
                                                  max_in_use, max_waiting, samples))
    check(samples > 0 and max_in_use <= limit, "%s: orca_fdw_limits shows slots in use within the limit" % mode,
          "max %d over %d samples" % (max_in_use, samples))
    check(max_waiting >= 1, "%s: orca_fdw_limits shows backends waiting" % mode, max_waiting)


def test_rate(sim, mode, limit, rps):
    for db, srv in (("limits_a", "lim"), ("limits_b", "lim_b")):
        q("ALTER SERVER %s OPTIONS (ADD max_requests_per_second '%d')" % (srv, rps), db=db)
    sim.reset()
    ids = ",".join("'%05d'" % i for i in range(1, 31))
    sql = "SELECT count(*), count(coalesce(allergy1, '')) FROM orca.patients WHERE patient_id IN (%s)" % ids
    threads, results = run_parallel(8, sql)
    for t in threads:
        t.join()
    st = sim.stats()
    check(all(r.ok and r.rows == ["30|30"] for r in results), "%s: 8 rate-limited lookups answer" % mode,
          "; ".join(str(r) for r in results if not (r.ok and r.rows == ["30|30"])))
    check(st["total"] >= 8 * 30, "%s: the rate test made its calls" % mode, st["total"])
    check(st["max_per_second"] <= rps,
          "%s: no one-second window at the simulator held more than max_requests_per_second (%d)" % (mode, rps),
          "max_per_second %d over %d requests" % (st["max_per_second"], st["total"]))
    check(st["max_in_flight"] <= limit, "%s: in flight within the limit under the rate limit" % mode,
          st["max_in_flight"])
    log("  %s: rate %d/s: sim max_per_second %d, max_in_flight %d, %d requests" % (
        mode, rps, st["max_per_second"], st["max_in_flight"], st["total"]))
    for db, srv in (("limits_a", "lim"), ("limits_b", "lim_b")):
        q("ALTER SERVER %s OPTIONS (DROP max_requests_per_second)" % srv, db=db)


def backend_pid(app):
    def find():
        r = q("SELECT pid FROM pg_stat_activity WHERE application_name = '%s'" % app)
        return int(r.rows[0]) if r.ok and r.rows else None
    return wait_for(find, 10)


def hold_all_slots(sim, limit):
    """A backend whose scan hangs in `limit` patientgetv2 calls; returns (proc, pid)."""
    sim.reset()
    sim.fault("slow", count=limit, path="/api01rv2/patientgetv2", delay_ms=8000)
    proc = background("SELECT count(allergy1) FROM orca.patients", db="limits_a", app="limits_holder")
    pid = backend_pid("limits_holder")
    held = wait_for(lambda: (limits_row() or {}).get("in_use") == limit, 15)
    return proc, pid, held


def test_terminate(sim, mode, limit):
    proc, pid, held = hold_all_slots(sim, limit)
    check(pid is not None and held, "%s: a scan holds every slot (its calls hang)" % mode, (pid, limits_row()))
    r = q("SET statement_timeout = '1s'", LOOKUP, db="limits_b")
    check(r.sqlstate == "57014", "%s: another backend's lookup waits for a slot and answers statement_timeout" % mode,
          r)
    q("SELECT pg_terminate_backend(%d)" % pid)
    proc.wait(timeout=30)
    back = wait_for(lambda: (limits_row() or {}).get("in_use") == 0, 10)
    check(back, "%s: after pg_terminate_backend the slots come back" % mode, limits_row())
    r = q(LOOKUP, db="limits_b")
    check(r.ok and r.rows in (["00001|t"], ["00001|f"]), "%s: the lookup runs again" % mode, r)
    sim.reset()  # clears the remaining fault; the hanging calls end with the simulator's sleep
    sim.wait_idle()


def postmaster_log():
    root = os.environ.get("PG_CLUSTER_CONF_ROOT")
    files = glob.glob(os.path.join(os.path.dirname(root), "log", "postgresql-*.log")) if root else []
    text = ""
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            text += fh.read()
    return text


def test_sigkill(sim, mode, limit, patients):
    proc, pid, held = hold_all_slots(sim, limit)
    check(pid is not None and held, "%s: a scan holds every slot again" % mode, limits_row())
    os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=30)
    # the postmaster kills every backend and reinitialises; wait until it accepts connections
    time.sleep(1)
    up = wait_for(server_up, 60, 0.5)
    check(up, "%s: the cluster restarts after a backend was killed" % mode)
    check(("(PID %d) was terminated by signal 9" % pid) in postmaster_log(),
          "%s: the postmaster log shows the SIGKILL" % mode)
    sim.reset()
    sim.wait_idle()
    row = limits_row()
    check(row is not None and row["in_use"] == 0 and row["waiting"] == 0,
          "%s: after the crash restart no slot is taken and nobody waits" % mode, row)
    sim.reset()
    threads, results = run_parallel(4, SCAN)
    for t in threads:
        t.join()
    st = sim.stats()
    want = "%d|%d|%d" % (patients, patients, patients)
    check(all(r.ok and r.rows == [want] for r in results) and st["max_in_flight"] <= limit,
          "%s: after the restart 4 scans run within the limit" % mode,
          "max_in_flight %d; %s" % (st["max_in_flight"], [str(r) for r in results if not r.ok]))


def pack_flock(ltype, start):
    # struct flock on Linux x86_64/aarch64: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid
    return struct.pack("hhxxxxqqixxxx", ltype, 0, start, 1, 0)


def test_kernel_release(sim, mode, limit):
    """Lock-file mode: a plain process takes the slot locks and is SIGKILLed."""
    datadir = q("SHOW data_directory").rows[0]
    url_key = q("SELECT orca_url FROM orca_fdw_limits WHERE server = 'lim'", db="limits_a").rows[0]
    path = None
    for f in glob.glob(os.path.join(datadir, "orca_fdw", "limits", "*.gate")):
        with open(f, "rb") as fh:
            head = fh.read(8 + 256)
        if head[8:].split(b"\0")[0].decode() == url_key:
            path = f
    check(path is not None, "%s: the lock file of the server exists" % mode, url_key)
    if path is None:
        return
    F_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", 37)
    r_fd, w_fd = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(r_fd)
        fd = os.open(path, os.O_RDWR)
        base = (1 << 30) + 16
        for i in range(limit):
            fcntl.fcntl(fd, F_OFD_SETLK, pack_flock(fcntl.F_WRLCK, base + i))
        os.write(w_fd, b"x")
        while True:
            time.sleep(60)
    os.close(w_fd)
    os.read(r_fd, 1)
    os.close(r_fd)
    row = limits_row()
    check(row is not None and row["in_use"] == limit,
          "%s: orca_fdw_limits counts slots held by another process" % mode, row)
    sim.reset()
    r = q("SET statement_timeout = '1s'", LOOKUP, db="limits_b")
    check(r.sqlstate == "57014" and sim.stats()["total"] == 0,
          "%s: while another process holds the slots, a lookup waits and sends nothing" % mode, r)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    row = limits_row()
    check(row is not None and row["in_use"] == 0,
          "%s: the kernel gave the slots back when that process was killed (no restart)" % mode, row)
    r = q(LOOKUP, db="limits_b")
    check(r.ok and len(r.rows) == 1, "%s: the lookup runs again" % mode, r)


def test_breaker(sim, mode):
    dep = "SELECT count(*) FROM brk.departments"
    sim.reset()
    sim.fault("http503", count=-1)
    a = [q(dep, db="limits_a", app="brk_a", verbose=True) for _ in range(2)]
    check(all("HTTP 503" in r.err for r in a), "%s: breaker: two failures in backend A" % mode,
          [str(r) for r in a])
    before = sim.stats()["total"]
    b = q(dep, db="limits_a", app="brk_b", verbose=True)
    after = sim.stats()["total"]
    check("circuit breaker is open" in b.err and after == before,
          "%s: breaker: backend B is refused without a call" % mode, "%s; %d calls" % (b, after - before))
    row = limits_row("brk", db="limits_a")
    check(row is not None and row["breaker"] == "open", "%s: orca_fdw_limits shows the breaker open" % mode, row)
    sim.reset()
    time.sleep(2.3)
    # the trial call hangs for a while: everyone else is refused meanwhile
    sim.fault("slow", count=1, path="/api01rv2/system01lstv2", delay_ms=2500)
    trial = background(dep, db="limits_a", app="brk_trial")
    wait_for(lambda: sim.stats()["in_flight"] >= 1, 10, 0.02)
    others = [q(dep, db="limits_a", app="brk_other", verbose=True) for _ in range(3)]
    out, err = trial.communicate(timeout=60)
    st = sim.stats()
    check(all("trial call is in progress" in r.err for r in others),
          "%s: breaker: while one backend's trial call is in flight, the others are refused" % mode,
          [r.err.strip()[:200] for r in others])
    check(st["total"] == 1, "%s: breaker: exactly one trial call reached the server" % mode, st["total"])
    check(trial.returncode == 0 and out.strip() != "", "%s: breaker: the trial call succeeded" % mode, err)
    r = q(dep, db="limits_a", app="brk_after")
    check(r.ok, "%s: breaker: closed for everyone after the trial" % mode, r)


def test_stats(sim, mode):
    r = q("SELECT orca_fdw_stats_reset()", db="limits_a")
    check(r.ok, "%s: orca_fdw_stats_reset()" % mode, r)
    sim.reset()
    sim.fault("http503", count=1, path="/api01rv2/patientgetv2")  # one retry (default retries 2)
    look = q("SELECT count(coalesce(allergy1, '')) FROM orca.patients WHERE patient_id IN ('00001', '00002')",
             "SELECT api, calls, errors, retries, rows, bytes > 0, total_ms > 0 FROM orca_fdw_stats "
             "WHERE server = 'lim' ORDER BY api", db="limits_a")
    st = sim.stats()["by_path"]
    get = st.get("/api01rv2/patientgetv2", 0)
    lst2 = st.get("/api01rv2/patientlst2v2", 0)
    # patientlst2v2 finds the 2 patients (2 rows), patientgetv2 per patient (1 row each)
    want = ["patientgetv2|2|0|%d|2|t|t" % (get - 2), "patientlst2v2|%d|0|0|2|t|t" % lst2]
    check(look.ok and look.rows[0] == "2" and look.rows[1:] == want and get == 3,
          "%s: orca_fdw_stats counts calls, retries and rows as the simulator saw them" % mode,
          "%s; sim patientgetv2 %d patientlst2v2 %d" % (look, get, lst2))
    other = q("SELECT count(*) FROM orca_fdw_stats WHERE server = 'lim'", db="limits_a")
    if mode == "shm":
        check(other.ok and other.rows == ["2"], "shm: another backend sees the cluster's statistics", other)
    else:
        check(other.ok and other.rows == ["0"], "file: without shared memory a backend sees only its own calls",
              other)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--mode", choices=["shm", "file"], required=True)
    ap.add_argument("--limit", type=int, default=3)
    ap.add_argument("--rps", type=int, default=40)
    ap.add_argument("--marker")
    args = ap.parse_args()
    if args.marker:
        with open(args.marker, "w") as f:
            f.write("started\n")
    sim = Sim(args.sim_url)
    patients = sim.summary()["patients"]
    mode = args.mode
    try:
        preload = " ".join(q("SHOW shared_preload_libraries").rows)
        check(("orca_fdw" in preload) == (mode == "shm"), "%s: shared_preload_libraries as intended" % mode,
              preload)
        setup(args.sim_url, args.limit)
        row = limits_row()
        want = "shared memory" if mode == "shm" else "lock files"
        check(row is not None and row["mechanism"] == want, "%s: orca_fdw_limits names the mechanism" % mode, row)
        test_concurrency(sim, mode, args.limit, patients)
        test_rate(sim, mode, args.limit, args.rps)
        test_terminate(sim, mode, args.limit)
        test_stats(sim, mode)
        test_breaker(sim, mode)
        if mode == "file":
            test_kernel_release(sim, mode, args.limit)
        test_sigkill(sim, mode, args.limit, patients)
    except Exception as e:  # a broken setup is a failure, not a crash of the suite
        check(False, "%s: the suite ran to its end" % mode, repr(e))
    log("%d passed, %d failed" % (PASSED, FAILED))
    if args.marker:
        with open(args.marker, "a") as f:
            f.write("%d %d\n" % (PASSED, FAILED))
    return 0 if FAILED == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
