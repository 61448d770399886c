#!/usr/bin/env python3
"""fault_suite.py — fault-injection suite for orca_fdw (python3 stdlib only).

Runs inside a scratch cluster (test/fault_suite.sh: pg_virtualenv sets PGHOST,
PGPORT, PGUSER, PGPASSWORD, PGDATABASE) against an orca-sim started with
--patients 3000 --seed 7 --today 2026-11-25 --password PASSWORD.

  0. the right answers: the simulator's ground truth (GET /__sim/truth/<table>) is copied into
     tables truth.<table> and every query runs against it; the wrapper's fault-free answers
     (retries '0', default retries twice, format json) must equal it.
  1. matrix: every simulator fault mode x every (query, ORCA API) pair, and the cells that add
     something (the last call of a multi-call scan; retries, persistence, slow answers and the
     JSON codec once per ORCA API) — Matrix.run says what each dimension proves.  Each query
     must end with the documented error of its fault (SQLSTATE and text; 57014 for slow +
     statement_timeout) or with exactly the truth (row count + md5 of the sorted rows); after an
     error the same query, fault-free, in the SAME backend must give the truth.
  2. circuit breaker: opens after the configured failures, sends nothing while
     open, closes after the cool-down.  Extras: pg_cancel_backend during a slow
     call, statement_timeout during the retry back-off, pg_terminate_backend
     during a call (clean exit), faults inside transactions (ROLLBACK TO
     SAVEPOINT) and between cursor FETCHes (error or exactly the missing rows),
     max_response_size, unexpected "too many" answers (narrowing stays exact).
     Cursor cases must reach their fault (a call after the first FETCH).
  3. soak: thousands of queries with random faults in ONE backend; VmRSS of the
     backend after warm-up and at the end (bounded growth); orca-sim answers.
  3b. registrations (last: they change the data): INSERT patients, admissions and meals, a
     discharge, a transfer, an outing and an on_commit queue of two patients under every fault mode (and with no
     server, and with the circuit breaker open).  From the simulator's state (/__sim/truth,
     /__sim/registrations): each was applied once or not at all and never resent, the queued
     one after a failure never sent; the error says ok / refused / unknown / not sent as the
     fault implies (README "When a registration fails") and orca_fdw_audit() agrees.
  4. the postmaster log: no crash; the log and every captured error text
     contain neither the user-mapping password (nor its BASIC token) nor
     patient names, kana names or phone numbers.

Each query runs in a long-lived `psql -X -A -t -q` per backend fed through
stdin, with statement_timeout and a deadline of our own (a hang is reported,
the backend cancelled).  Prints "N passed, N failed"; exit status 1 on failure.
"""
import argparse
import base64
import glob
import json
import os
import queue
import random
import re
import subprocess
import sys
import threading
import tempfile
import time
import urllib.parse
import urllib.request

# --------------------------------------------------------------------------
# result bookkeeping

PASSED = 0
FAILED = 0
FAILURES = []
ERROR_TEXTS = []  # every stderr line psql printed (errors, details, hints, warnings)


def check(ok, name, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
    else:
        FAILED += 1
        FAILURES.append(name + (": " + detail if detail else ""))
        print("FAIL " + name + (": " + detail if detail else ""), flush=True)
    return ok


def log(msg):
    print(msg, flush=True)


# --------------------------------------------------------------------------
# orca-sim control endpoints


class Sim:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def _call(self, method, path, body=None, timeout=5):
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read().decode()

    def reset(self):
        self._call("POST", "/__sim/reset")

    def fault(self, mode, count=1, path=None, **kw):
        spec = {"mode": mode, "count": count}
        if path:
            spec["path"] = path
        spec.update(kw)
        self._call("POST", "/__sim/fault", spec)

    def stats(self, timeout=5):
        return json.loads(self._call("GET", "/__sim/stats", timeout=timeout))

    def summary(self):
        return json.loads(self._call("GET", "/__sim/summary"))

    def truth(self, table, consistent=False, **filters):
        """The simulator's ground truth of a table (GET /__sim/truth/<table>): the rows.  consistent:
        check that the simulator's APIs agree on every row (the truth is only defined where they do)."""
        q = urllib.parse.urlencode(filters)
        doc = json.loads(self._call("GET", "/__sim/truth/%s%s" % (table, "?" + q if q else ""), timeout=60))
        if consistent:
            bad = doc.get("inconsistencies", [])
            check(not bad, "orca-sim's APIs agree on every row of %s" % table, "%d rows, e.g. %s" % (
                len(bad), json.dumps(bad[:1], ensure_ascii=False)[:300]))
        return doc["rows"]

    def registrations(self):
        """Every registration request the simulator received since the last reset."""
        return json.loads(self._call("GET", "/__sim/registrations"))["registrations"]

    def wait_idle(self, max_in_flight=2, limit=5.0):
        """Slow faults keep a simulator worker asleep after the client left."""
        end = time.time() + limit
        while time.time() < end:
            if self.stats()["in_flight"] <= max_in_flight:
                return True
            time.sleep(0.02)
        return False


# --------------------------------------------------------------------------
# a long-lived psql: one backend, fed through stdin


class Result:
    def __init__(self):
        self.rows = []
        self.stderr = []
        self.sqlstate = None
        self.elapsed = 0.0
        self.hung = False
        self.dead = False

    @property
    def ok(self):
        return self.sqlstate == "00000" and not self.hung and not self.dead

    @property
    def message(self):
        for line in self.stderr:
            m = re.match(r"^(?:psql:[^:]*:\d+: )?(?:ERROR|FATAL):\s+(.*)$", line)
            if m:
                return m.group(1)
        return None

    @property
    def detail(self):
        for line in self.stderr:
            if line.startswith("DETAIL:"):
                return line[7:].strip()
        return ""

    def describe(self):
        if self.dead:
            return "psql/backend died: " + " | ".join(self.stderr[-5:])
        if self.hung:
            return "no answer within the deadline (hang)"
        if self.ok:
            return "ok " + " ".join(self.rows)[:80]
        return "%s %s%s" % (self.sqlstate, self.message, (" / " + self.detail) if self.detail else "")


class Session:
    def __init__(self, name):
        self.name = name
        self.n = 0
        self.dead = False
        self.p = subprocess.Popen(
            ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace", bufsize=1)
        self.out = queue.Queue()
        self.err = queue.Queue()
        for stream, q in ((self.p.stdout, self.out), (self.p.stderr, self.err)):
            threading.Thread(target=self._reader, args=(stream, q), daemon=True).start()
        self.pid = None
        r = self.run("SELECT pg_backend_pid()")
        if not r.ok:
            raise RuntimeError("cannot start psql session %s: %s" % (name, r.describe()))
        self.pid = int(r.rows[0])
        self.run("SET statement_timeout = '20s'")

    @staticmethod
    def _reader(stream, q):
        for line in stream:
            q.put(line.rstrip("\n"))
        q.put(None)

    def _collect(self, q, tag, deadline, into):
        while True:
            left = deadline - time.time()
            if left <= 0:
                return "timeout"
            try:
                line = q.get(timeout=left)
            except queue.Empty:
                return "timeout"
            if line is None:
                return "eof"
            if line.startswith(tag):
                return line
            into.append(line)

    def run(self, sql, deadline=40.0):
        res = Result()
        if self.dead:
            res.dead = True
            return res
        self.n += 1
        tag = "@@END%d@@" % self.n
        text = sql.strip().rstrip(";") + ";\n\\echo %s :SQLSTATE\n\\warn %s\n" % (tag, tag)
        t0 = time.time()
        try:
            self.p.stdin.write(text)
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            self.dead = res.dead = True
            return res
        end = t0 + deadline
        status = self._collect(self.out, tag, end, res.rows)
        if status == "timeout":
            res.hung = True
            self._cancel()
            status = self._collect(self.out, tag, time.time() + 15, res.rows)
            if status in ("timeout", "eof"):
                self._kill()
                res.dead = True
                return res
        if status == "eof":
            self.dead = res.dead = True
            self._drain_err(res)
            return res
        res.elapsed = time.time() - t0
        parts = status.split()
        res.sqlstate = parts[1] if len(parts) > 1 else None
        estatus = self._collect(self.err, tag, time.time() + 10, res.stderr)
        if estatus != tag and not str(estatus).startswith(tag):
            res.dead = self.dead = True
        ERROR_TEXTS.extend(res.stderr)
        return res

    def _drain_err(self, res):
        try:
            while True:
                line = self.err.get(timeout=1)
                if line is None:
                    break
                res.stderr.append(line)
        except queue.Empty:
            pass
        ERROR_TEXTS.extend(res.stderr)

    def _cancel(self):
        if self.pid:
            subprocess.run(["psql", "-X", "-A", "-t", "-q", "-c", "SELECT pg_cancel_backend(%d)" % self.pid],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)

    def _kill(self):
        self.dead = True
        if self.pid:
            subprocess.run(["psql", "-X", "-A", "-t", "-q", "-c", "SELECT pg_terminate_backend(%d)" % self.pid],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
        try:
            self.p.kill()
        except OSError:
            pass

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def close(self):
        if not self.dead:
            try:
                self.p.stdin.write("\\q\n")
                self.p.stdin.flush()
                self.p.wait(timeout=10)
            except Exception:
                self.p.kill()


# --------------------------------------------------------------------------
# the queries: each exercises one resource through one or more ORCA APIs

CHECKSUM = ("SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '-') "
            "FROM (%s) t")


def make_queries(inpatient):
    ids12 = ",".join("'%05d'" % i for i in range(3, 15))
    return {
        # patients
        "p_get": "SELECT patient_id, whole_name, nick_name, insurance_combinations FROM {s}.patients "
                 "WHERE patient_id = '00042'",
        "p_ids": "SELECT patient_id, whole_name, whole_address1, health_insurance_information FROM {s}.patients "
                 "WHERE patient_id = ANY(ARRAY(SELECT lpad(g::text, 5, '0') FROM generate_series(1, 250) g))",
        "p_details": "SELECT patient_id, nick_name, allergy1, contact_information FROM {s}.patients "
                     "WHERE patient_id IN (%s)" % ids12,
        "p_created": "SELECT patient_id, create_date, update_date, birth_date FROM {s}.patients "
                     "WHERE create_date BETWEEN '2010-01-01' AND '2019-12-31'",
        "p_all": "SELECT patient_id, create_date, update_date, update_time FROM {s}.patients",
        "p_name": "SELECT patient_id, whole_name, birth_date, sex FROM {s}.patients WHERE whole_name LIKE '佐藤%'",
        # admissions
        "a_all": "SELECT patient_id, admission_date, discharge_date, ward_number, room_number, department_code "
                 "FROM {s}.admissions",
        "a_hist": "SELECT patient_id, admission_date, history_number, meal_type FROM {s}.admissions "
                  "WHERE discharge_date IS NULL",
        "a_pid": "SELECT * FROM {s}.admissions WHERE patient_id = '%s'" % inpatient,
        # meals
        "m_range": "SELECT * FROM {s}.meals WHERE perform_date BETWEEN '2026-10-01' AND '2026-10-31'",
        "m_pid": "SELECT * FROM {s}.meals WHERE patient_id = '%s'" % inpatient,
        "m_month": "SELECT * FROM {s}.meals WHERE patient_id = '%s' "
                   "AND perform_date BETWEEN '2026-11-01' AND '2026-11-30'" % inpatient,
        # reference tables
        "wards": "SELECT * FROM {s}.wards",
        "rooms": "SELECT * FROM {s}.rooms",
        "departments": "SELECT * FROM {s}.departments",
        "doctors": "SELECT * FROM {s}.doctors",
        # outpatients: receptions one call per day, disease names one call per patient
        "v_days": "SELECT * FROM {s}.visits WHERE visit_date BETWEEN '2026-11-16' AND '2026-11-20'",
        "v_dep": "SELECT * FROM {s}.visits WHERE visit_date BETWEEN '2026-11-02' AND '2026-11-20' "
                 "AND department_code = '01'",
        "d_ids": "SELECT * FROM {s}.diseases WHERE patient_id IN (%s)" % ids12,
    }


# which API each resource must be exercised through (the brief's list)
REQUIRED = {
    "patients": ["/api01rv2/patientgetv2", "/api01rv2/patientlst1v2", "/api01rv2/patientlst2v2",
                 "/api01rv2/patientlst3v2"],
    "admissions": ["/orca36/hsfindv3", "/api01rv2/hsptinfv2"],
    "meals": ["/api01rv2/hsmealv2", "/orca36/hsfindv3"],
    "wards": ["/api01rv2/hsconfwardv2"],
    "rooms": ["/api01rv2/hsconfwardv2"],
    "departments": ["/api01rv2/system01lstv2"],
    "doctors": ["/api01rv2/system01lstv2"],
    "visits": ["/api01rv2/acceptlstv2", "/api01rv2/system01lstv2"],
    "diseases": ["/api01rv2/diseasegetv2"],
}
RESOURCE_OF = {"p": "patients", "a": "admissions", "m": "meals", "v": "visits", "d": "diseases"}


def resource_of(qname):
    return RESOURCE_OF.get(qname.split("_")[0], qname)


# --------------------------------------------------------------------------
# documented errors (README "Errors, timeouts, retries and cancellation",
# "Troubleshooting" and the regression test expected/errors.out)

DOCUMENTED = [
    ("HV00N", r"could not connect to ORCA server"),
    ("HV00N", r"ORCA server rejected the credentials"),
    ("HV00N", r"ORCA API path not found"),
    ("HV00N", r"circuit breaker is open for ORCA server"),
    ("HV00N", r"ORCA server closed the connection without an answer"),
    ("HV000", r"ORCA \w+ call failed"),
    ("HV000", r"ORCA server returned HTTP 5\d\d"),
    ("HV000", r"ORCA request timed out"),
    ("HV00M", r"malformed XML in ORCA response"),
    ("HV00M", r"malformed JSON in ORCA response"),
    ("HV00M", r"ORCA response was truncated"),
    ("HV00M", r"truncated ORCA response"),
    ("HV00M", r"ORCA server sent a malformed HTTP response"),
    ("HV00M", r"ORCA response exceeds max_response_size"),
    ("57014", r"canceling statement due to statement timeout"),
]

# what each fault mode must produce when it ends in an error
EXPECTED_ERRORS = {
    "http500": [("HV000", r"ORCA server returned HTTP 500")],
    "http503": [("HV000", r"ORCA server returned HTTP 503")],
    "auth401": [("HV00N", r"ORCA server rejected the credentials")],
    "malformed": [("HV00M", r"malformed XML in ORCA response"), ("HV00M", r"malformed JSON in ORCA response"),
                  ("HV00M", r"truncated ORCA response")],
    "truncated": [("HV00M", r"ORCA response was truncated"), ("HV00M", r"truncated ORCA response"),
                  ("HV00N", r"ORCA server closed the connection without an answer")],
    "reset": [("HV00N", r"ORCA server closed the connection without an answer"),
              ("HV00N", r"could not connect to ORCA server"), ("HV00M", r"ORCA response was truncated")],
    "api_error": [("HV000", r"ORCA \w+ call failed")],
    "slow_rt": [("HV000", r"ORCA request timed out")],
    "slow_st": [("57014", r"canceling statement due to statement timeout")],
    "slow_ok": [],
}
RETRYABLE = {"http500", "http503", "malformed", "truncated", "reset", "slow_rt"}


def documented(sqlstate, message):
    return any(sqlstate == s and message is not None and re.fullmatch(m, message) for s, m in DOCUMENTED)


def expected_error(mode, sqlstate, message):
    return any(sqlstate == s and message is not None and re.fullmatch(m, message)
               for s, m in EXPECTED_ERRORS[mode])


def api_name(path):
    return path.rsplit("/", 1)[-1]


# --------------------------------------------------------------------------
# setup


SERVERS = {
    # schema: server options (beyond url); the breaker is off in the matrix so
    # that one test's failures cannot leak into the next
    "r0": "retries '0', circuit_breaker_failures '0'",
    "rd": "circuit_breaker_failures '0'",  # default retries (2)
    "rd1": "circuit_breaker_failures '0', max_concurrent_requests '1'",  # one call at a time: counts retries
    "r0t": "retries '0', circuit_breaker_failures '0', request_timeout '0.3'",
    "rdt": "circuit_breaker_failures '0', request_timeout '0.3'",
    "cb": "retries '0', circuit_breaker_failures '3', circuit_breaker_cooldown '1'",
    "j0": "format 'json', retries '0', circuit_breaker_failures '0'",
    "jd": "format 'json', circuit_breaker_failures '0'",
    "r6": "retries '6', circuit_breaker_failures '0'",
    "small": "max_response_size '20kB', circuit_breaker_failures '0'",
}


def setup(sess, url, user, password):
    stmts = ["CREATE EXTENSION IF NOT EXISTS orca_fdw"]
    for schema, opts in SERVERS.items():
        stmts += [
            "CREATE SERVER srv_%s FOREIGN DATA WRAPPER orca_fdw OPTIONS (url '%s', %s)" % (schema, url, opts),
            "CREATE USER MAPPING FOR CURRENT_USER SERVER srv_%s OPTIONS (user '%s', password '%s')"
            % (schema, user, password),
            "CREATE SCHEMA %s" % schema,
            "IMPORT FOREIGN SCHEMA orca FROM SERVER srv_%s INTO %s" % (schema, schema),
        ]
    for s in stmts:
        r = sess.run(s)
        if not r.ok:
            raise RuntimeError("setup failed: %s: %s" % (s.split(" OPTIONS")[0], r.describe()))


TRUTH_TABLES = ("patients", "admissions", "meals", "wards", "rooms", "departments", "doctors", "visits", "diseases")


def load_truth(sim, tables=TRUTH_TABLES):
    """Copies the simulator's ground truth into tables truth.<table>, typed like the foreign tables
    rd.<table>, so that every query of the suite can be run against the truth as it is written."""
    script = ["CREATE SCHEMA IF NOT EXISTS truth;", "CREATE TABLE IF NOT EXISTS truth_in (line text);"]
    files = []
    try:
        for t in tables:
            f = tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".json", delete=False)
            files.append(f.name)
            with f:
                for row in sim.truth(t, consistent=True):
                    f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            # csv with a quote and a delimiter that JSON text never holds: each line is read as it is
            script += ["TRUNCATE truth_in;",
                       "\\copy truth_in FROM '%s' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" % f.name,
                       "DROP TABLE IF EXISTS truth.%s;" % t,
                       "CREATE TABLE truth.%s AS SELECT r.* FROM truth_in, jsonb_populate_record(NULL::rd.%s, "
                       "line::jsonb) r;" % (t, t)]
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"], input="\n".join(script) + "\n",
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("loading the truth failed: " + p.stderr.strip()[-500:])
    finally:
        for f in files:
            os.unlink(f)


# --------------------------------------------------------------------------
# 1. the matrix


class Matrix:
    def __init__(self, sess, sim, queries, baseline, calls):
        self.sess = sess
        self.sim = sim
        self.queries = queries
        self.baseline = baseline
        self.calls = calls
        self.outcomes = {}  # mode -> outcome -> n
        self.outcomes_by_api = {}  # api -> outcome -> n
        self.covered = set()  # (resource, path)
        self.wrong = set()  # queries whose fault-free answer is wrong: not faulted
        self.time_by_mode = {}
        self.n = 0

    def count(self, mode, outcome, table=None):
        d = (self.outcomes if table is None else table).setdefault(mode, {})
        d[outcome] = d.get(outcome, 0) + 1

    def one(self, qname, path, k, mode, retries, persistent, fmt="xml"):
        """Inject a fault at the k-th call to path, run, judge."""
        if fmt == "json":
            schema = "j0" if retries == "0" else "jd"
        else:
            schema = ("r0" if retries == "0" else "rd") + ("t" if mode == "slow_rt" else "")
            if retries == "2" and mode in ("api_error", "auth401"):
                schema = "rd1"  # one call at a time, so that every call to the path after the fault is a retry
        sql = CHECKSUM % self.queries[qname].format(s=schema)
        label = "%s %s@%s#%s retries=%s %s%s" % (mode, qname, api_name(path), "all" if persistent else k,
                                                   "0" if retries == "0" else "default",
                                                   "persistent" if persistent else "once",
                                                   " json" if fmt == "json" else "")
        self.n += 1
        t0 = time.time()
        self.sim.wait_idle(3)
        self.sim.reset()
        if k > 1:
            self.sim.fault("slow", count=k - 1, path=path, delay_ms=0)  # pass the first k-1 calls through
        count = -1 if persistent else 1
        if mode == "slow_rt":
            self.sim.fault("slow", count=count, path=path, delay_ms=500)  # request_timeout 0.3 s
        elif mode == "slow_st":
            self.sim.fault("slow", count=count, path=path, delay_ms=700)  # statement_timeout 200 ms
        elif mode == "slow_ok":
            self.sim.fault("slow", count=count, path=path, delay_ms=60)
        else:
            self.sim.fault(mode, count=count, path=path)
        if mode == "slow_st":
            self.sess.run("SET statement_timeout = '200ms'")
        r = self.sess.run(sql)
        if mode == "slow_st":
            self.sess.run("SET statement_timeout = '20s'")
        st = self.sim.stats()
        hits = st["by_path"].get(path, 0)
        self.sim.reset()

        want = self.baseline[qname]
        if r.dead or r.hung:
            outcome = "crash" if r.dead else "hang"
        elif r.ok:
            outcome = "correct" if r.rows == [want] else "WRONG"
        elif expected_error(mode, r.sqlstate, r.message):
            outcome = "error"
        elif documented(r.sqlstate, r.message):
            outcome = "other documented error"
        else:
            outcome = "undocumented error"
        self.count(mode, outcome)
        self.count(api_name(path) + ("" if fmt == "xml" else " (json)"), outcome, self.outcomes_by_api)
        self.covered.add((resource_of(qname), path))

        problems = []
        if outcome in ("crash", "hang", "WRONG", "undocumented error"):
            problems.append(outcome + ": " + r.describe() + ("" if outcome != "WRONG" else " want " + want))
        if outcome == "other documented error":
            problems.append("error does not fit the fault: " + r.describe())
        if outcome == "correct" and mode in ("slow_st",):
            problems.append("statement_timeout did not fire")
        # a transient fault on a read must be absorbed by the default retries
        if not persistent and retries == "2" and mode in RETRYABLE and outcome == "error":
            problems.append("transient fault not retried: " + r.describe())
        if mode == "slow_ok" and outcome != "correct":
            problems.append("a slow but timely answer failed: " + r.describe())
        if retries == "0" and mode not in ("slow_ok",) and outcome == "correct":
            # not wrong in itself, but then the fault cannot have reached the query
            if hits < k:
                problems.append("fault never fired (%d calls to %s)" % (hits, path))
        if not persistent and st["pending_faults"] and outcome not in ("hang", "crash"):
            problems.append("fault not consumed: the query made fewer calls to %s than the baseline" % path)
        if persistent and retries == "2" and mode in RETRYABLE and mode != "slow_rt" and outcome == "error" \
                and hits < 3:
            problems.append("persistent %s: only %d attempts with the default retries" % (mode, hits))
        # an answer that is not a transport, status or body failure (Api_Result, HTTP 401) is final:
        # the default retries must not repeat the call (rd1 makes one call at a time)
        if retries == "2" and mode in ("api_error", "auth401") and hits != k:
            problems.append("%s was retried: %d calls to %s, the fault was at call %d" % (mode, hits, path, k))
        if mode == "slow_st" and outcome == "error" and r.elapsed > 1.0:
            problems.append("statement_timeout answered after %.2f s" % r.elapsed)
        # the same backend must answer the same query right away, fault-free
        if outcome not in ("correct",) and not self.sess.dead:
            self.sim.wait_idle(3)
            again = self.sess.run(sql)
            if not again.ok or again.rows != [want]:
                problems.append("backend unusable after the fault: next query gave " + again.describe())
        if self.sess.dead:
            problems.append("session died")
        check(not problems, "matrix " + label, "; ".join(problems))
        self.time_by_mode[mode] = self.time_by_mode.get(mode, 0.0) + time.time() - t0
        return outcome

    def run(self, quick=False):
        """The matrix, without cells that repeat what another cell proves.  What each dimension proves:

        A. every fault mode x every (query, ORCA API) pair, first call, retries '0': each way an API call
           can fail, in each scan pipeline that makes it, ends in the documented error of that mode
           (right SQLSTATE and text), never a crash, hang or wrong rows, and the backend answers the
           same query right afterwards;
        B. the last call of a pair that makes several (retries '0'; a transport, status, body and
           Api_Result failure): a failure after rows were handed out and other calls finished or are
           in flight aborts the query cleanly (no partial answer);
        C. transient retryable faults with the default retries, first and last call, once per ORCA
           API: absorbed, the answer is exactly the truth;
        D. persistent retryable faults with the default retries, once per ORCA API: the retries are
           bounded (1 + 2 attempts), then the documented error;
        E. Api_Result and HTTP 401 with the default retries, once per ORCA API: final, never retried;
        F. a slow but timely answer (60 ms), once per ORCA API: no error;
        G. format 'json' (patient APIs): the JSON codec's body failures and its Api_Result, retries '0'
           and default.
        Retries, positions and persistence are properties of the HTTP layer and the scan pipeline,
        not of each query, so C-F take one query per API; A and B keep every pipeline.
        --quick: A only."""
        t0 = time.time()
        modes = ["http500", "http503", "auth401", "malformed", "truncated", "reset", "api_error",
                 "slow_rt", "slow_st"]
        plan = []
        first_query_of = {}  # ORCA API -> the first (query, call count) that makes it
        for qname in self.queries:
            if qname in self.wrong:
                continue
            for path, n in sorted(self.calls[qname].items()):
                first_query_of.setdefault(path, (qname, n))
                for mode in modes:                                                   # A
                    plan.append((qname, path, 1, mode, "0", False))
                if n >= 2 and not quick:                                             # B
                    for mode in ("http500", "reset", "truncated", "api_error"):
                        plan.append((qname, path, n, mode, "0", False))
        if not quick:
            for path, (qname, n) in sorted(first_query_of.items()):
                for mode in sorted(RETRYABLE):
                    for k in sorted({1, n}):                                         # C
                        if mode == "slow_rt" and k != 1:
                            continue
                        plan.append((qname, path, k, mode, "2", False))
                    if mode != "slow_rt":                                            # D
                        plan.append((qname, path, 1, mode, "2", True))
                for mode in ("api_error", "auth401"):                                # E
                    plan.append((qname, path, 1, mode, "2", False))
                plan.append((qname, path, 1, "slow_ok", "0", False))                 # F
            # G: format 'json' (patient APIs only; the inpatient APIs always speak xml2)
            for qname in self.queries:
                if not qname.startswith("p_") or qname in self.wrong:
                    continue
                for path, n in sorted(self.calls[qname].items()):
                    for mode in ("malformed", "truncated", "api_error"):
                        plan.append((qname, path, 1, mode, "0", False, "json"))
                    for mode in ("malformed", "truncated"):
                        plan.append((qname, path, 1, mode, "2", False, "json"))
        log("matrix: %d faulted queries" % len(plan))
        for i, args in enumerate(plan):
            self.one(*args)
            if self.sess.dead:
                check(False, "matrix session", "the backend died; %d tests not run" % (len(plan) - i - 1))
                break
            if (i + 1) % 200 == 0:
                log("  ... %d/%d (%.0f s)" % (i + 1, len(plan), time.time() - t0))
        for res, paths in REQUIRED.items():
            for p in paths:
                check((res, p) in self.covered, "coverage %s via %s" % (res, api_name(p)))
        log("matrix done in %.1f s (by mode: %s)" % (time.time() - t0, ", ".join(
            "%s %.1f s" % kv for kv in self.time_by_mode.items())))


# --------------------------------------------------------------------------
# 2. circuit breaker


def breaker_test(sess, sim, queries, baseline):
    sql = CHECKSUM % queries["departments"].format(s="cb")
    sim.reset()
    sim.fault("http503", count=-1)
    msgs = []
    for _ in range(3):
        msgs.append(sess.run(sql))
    before = sim.stats()["total"]
    opened = sess.run(sql)
    after = sim.stats()["total"]
    sim.reset()
    check(all(r.sqlstate == "HV000" and r.message == "ORCA server returned HTTP 503" for r in msgs),
          "breaker: failures before it opens are HTTP 503", "; ".join(r.describe() for r in msgs))
    check(opened.sqlstate == "HV00N" and (opened.message or "").startswith("circuit breaker is open"),
          "breaker: opens after circuit_breaker_failures", opened.describe())
    check(after == before, "breaker: nothing is sent while open", "%d requests" % (after - before))
    time.sleep(1.2)
    r = sess.run(sql)
    check(r.ok and r.rows == [baseline["departments"]], "breaker: closes after the cool-down", r.describe())


# --------------------------------------------------------------------------
# 2b. cancellation, termination, transactions, cursors, oversized answers,
#     unexpected "too many" answers


def _later(seconds, sql):
    """Run sql from another connection after a delay (cancel/terminate)."""
    def go():
        time.sleep(seconds)
        subprocess.run(["psql", "-X", "-A", "-t", "-q", "-c", sql], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20)
    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t


def extras(sess, sim, queries, baseline, calls):
    t0 = time.time()
    dep = CHECKSUM % queries["departments"].format(s="rd")
    sys_path = "/api01rv2/system01lstv2"

    # query cancel while ORCA is silent: answered at once, backend usable
    sim.wait_idle(2)
    sim.reset()
    sim.fault("slow", count=1, path=sys_path, delay_ms=3000)
    t = _later(0.3, "SELECT pg_cancel_backend(%d)" % sess.pid)
    r = sess.run(dep)
    t.join()
    sim.reset()
    check(r.sqlstate == "57014" and r.message == "canceling statement due to user request" and r.elapsed < 1.3,
          "cancel: pg_cancel_backend during a slow call", "%s after %.2f s" % (r.describe(), r.elapsed))
    r = sess.run(dep)
    check(r.ok and r.rows == [baseline["departments"]], "cancel: backend usable afterwards", r.describe())

    # statement_timeout during the retry back-off (retries 6: 100 ms .. 2 s, 5 s in all)
    sim.reset()
    sim.fault("http503", count=-1, path=sys_path)
    sess.run("SET statement_timeout = '300ms'")
    r = sess.run(CHECKSUM % queries["departments"].format(s="r6"))
    sess.run("SET statement_timeout = '20s'")
    sim.reset()
    check(r.sqlstate == "57014" and r.elapsed < 1.0, "cancel: statement_timeout during the retry back-off",
          "%s after %.2f s" % (r.describe(), r.elapsed))
    r = sess.run(CHECKSUM % queries["departments"].format(s="r6"))
    check(r.ok and r.rows == [baseline["departments"]], "cancel: r6 usable after the back-off cancel",
          r.describe())

    # pg_terminate_backend while a request waits: the backend exits cleanly (no crash)
    sim.wait_idle(2)
    sim.reset()
    victim = Session("terminate")
    sim.fault("slow", count=1, path="/api01rv2/patientgetv2", delay_ms=3000)
    t = _later(0.3, "SELECT pg_terminate_backend(%d)" % victim.pid)
    r = victim.run(CHECKSUM % queries["p_get"].format(s="rd"), deadline=10)
    t.join()
    gone = False
    for _ in range(100):
        if not os.path.exists("/proc/%d" % victim.pid):
            gone = True
            break
        time.sleep(0.02)
    check(not r.hung and gone and any("terminating connection due to administrator command" in line
                                      for line in r.stderr),
          "terminate: backend waiting on ORCA exits on pg_terminate_backend",
          "hung=%s gone=%s %s" % (r.hung, gone, " | ".join(r.stderr[:2])))
    victim.close()
    sim.reset()

    # errors inside transactions: savepoint rollback, then the same query works
    for mode in ("http500", "malformed", "truncated", "reset", "api_error", "auth401"):
        for qname, path in (("p_ids", "/api01rv2/patientlst2v2"), ("a_hist", "/api01rv2/hsptinfv2"),
                            ("m_range", "/api01rv2/hsmealv2")):
            n = calls[qname][path]
            sql = CHECKSUM % queries[qname].format(s="r0")
            sim.reset()
            sess.run("BEGIN")
            sess.run("SAVEPOINT s")
            if n > 1:
                sim.fault("slow", count=n // 2, path=path, delay_ms=0)
            sim.fault(mode, count=1, path=path)
            r1 = sess.run(sql)
            rb = sess.run("ROLLBACK TO SAVEPOINT s")
            sim.reset()
            r2 = sess.run(sql)
            rc = sess.run("COMMIT")
            ok1 = (r1.ok and r1.rows == [baseline[qname]]) or expected_error(mode, r1.sqlstate, r1.message)
            check(ok1 and rb.ok and r2.ok and r2.rows == [baseline[qname]] and rc.ok,
                  "transaction: %s on %s@%s, ROLLBACK TO SAVEPOINT, again" % (mode, qname, api_name(path)),
                  "%s / %s / %s / %s" % (r1.describe(), rb.describe(), r2.describe(), rc.describe()))

    # cursors: a fault after the first FETCH; the rest is an error or exactly the missing rows.  Each
    # case must reach its fault (a call to the faulted API after FETCH 5), or it proves nothing.
    # Persistent faults end in the mode's error; a single fault with the default retries is absorbed.
    cursor_outcomes = {}
    for qname, path in (("a_hist", "/api01rv2/hsptinfv2"), ("m_range", "/api01rv2/hsmealv2"),
                        ("p_all", "/api01rv2/patientlst1v2"), ("p_all", "/api01rv2/patientlst2v2")):
        want = sorted(sess.run(queries[qname].format(s="truth")).rows)
        for mode in ("http500", "truncated", "malformed", "api_error"):
            for schema, count in (("r0", -1), ("rd", -1), ("rd", 1)):
                if count == 1 and mode not in RETRYABLE:
                    continue
                q = queries[qname].format(s=schema)
                sim.reset()
                sess.run("BEGIN")
                sess.run("DECLARE c NO SCROLL CURSOR FOR " + q)
                first = sess.run("FETCH 5 FROM c")
                before = sim.stats()["by_path"].get(path, 0)
                sim.fault(mode, count=count, path=path)
                rest = sess.run("FETCH ALL FROM c")
                st = sim.stats()
                sess.run("ROLLBACK")
                sim.reset()
                reached = st["by_path"].get(path, 0) > before
                got = sorted(first.rows + rest.rows)
                if rest.ok:
                    ok = first.ok and got == want and count == 1
                    what = ("rows complete" if got == want else "PARTIAL/WRONG: %d rows, want %d" % (
                        len(got), len(want))) + ("" if count == 1 else " despite a persistent fault")
                else:
                    ok = first.ok and expected_error(mode, rest.sqlstate, rest.message) and count == -1
                    what = rest.describe()
                key = ("error" if not rest.ok else "complete") + ("" if reached else " (fault not reached)")
                cursor_outcomes[key] = cursor_outcomes.get(key, 0) + 1
                check(ok and reached, "cursor: %s%s on %s@%s (%s) after FETCH 5" % (
                    mode, "" if count == -1 else " once", qname, api_name(path), schema),
                    "%s; fault reached: %s (%d calls to %s before it, %d after)" % (
                        what, reached, before, api_name(path), st["by_path"].get(path, 0)))

    log("cursor outcomes: " + json.dumps(cursor_outcomes, sort_keys=True))

    # max_response_size: an oversized answer is refused (not retried, not truncated into rows)
    sim.reset()
    r = sess.run(CHECKSUM % queries["p_ids"].format(s="small"))
    check(r.sqlstate == "HV00M" and r.message == "ORCA response exceeds max_response_size",
          "max_response_size: oversized answer refused", r.describe())
    r = sess.run(CHECKSUM % queries["p_ids"].format(s="rd"))
    check(r.ok and r.rows == [baseline["p_ids"]], "max_response_size: backend usable afterwards", r.describe())

    # an unexpected "too many" answer (patientlst3v2 21, patientlst1v2 10) at any call: the wrapper
    # narrows further and the answer stays exact
    for qname, path, code in (("p_name", "/api01rv2/patientlst3v2", "21"),
                              ("p_created", "/api01rv2/patientlst1v2", "10"),
                              ("p_all", "/api01rv2/patientlst1v2", "10")):
        n = calls[qname][path]
        for k in sorted({1, n // 2 + 1, n}):
            for schema in ("r0", "rd"):
                sim.reset()
                if k > 1:
                    sim.fault("slow", count=k - 1, path=path, delay_ms=0)
                sim.fault("api_error", count=1, path=path, api_result=code)
                r = sess.run(CHECKSUM % queries[qname].format(s=schema))
                pending = sim.stats()["pending_faults"]
                sim.reset()
                ok = (r.ok and r.rows == [baseline[qname]]) or (
                    r.sqlstate == "HV00L" and not r.ok)  # "cannot be complete" is documented too
                check(ok and not pending, "too many: Api_Result %s at %s call %d of %d (%s)" % (
                    code, qname, k, n, schema), r.describe())
    log("extras done in %.1f s" % (time.time() - t0))


# --------------------------------------------------------------------------
# 2c. registrations under every fault mode: applied once or not at all, never resent, and the
#     error and the audit say which (README "When a registration fails")


WRITE_MODES = ["none", "slow_ok", "http500", "http503", "auth401", "malformed", "truncated", "reset", "api_error",
               "slow_rt", "slow_st", "down", "breaker"]
# what the error must say for each fault: ok (registered), refused (ORCA answered: not registered),
# unknown (may have been registered, not resent), not_sent (no request left)
WRITE_EXPECT = {"none": "ok", "slow_ok": "ok", "http500": "unknown", "http503": "unknown", "auth401": "refused",
                "malformed": "unknown", "truncated": "unknown", "reset": "unknown", "api_error": "refused",
                "slow_rt": "unknown", "slow_st": "unknown", "down": "not_sent", "breaker": "not_sent"}
WRITE_KINDS = ["patient", "admit", "discharge", "transfer", "meals", "outing", "on_commit"]
WRITE_PATH = {"patient": "/orca12/patientmodv2", "on_commit": "/orca12/patientmodv2",
              "admit": "/orca31/hsptinfmodv2", "discharge": "/orca31/hsptinfmodv2", "transfer": "/orca31/hsptinfmodv2",
              "meals": "/orca31/hsacctmodv2", "outing": "/orca31/hsacctmodv2"}
# the kinds that need a current stay first (admitted on 2026-11-20 in ward 01)
WRITE_ON_STAY = ("discharge", "transfer", "meals", "outing")
KATAKANA = "アイウエオカキクケコ"


def classify_write(r):
    """What the client said about a registration: ok, refused, unknown or not_sent."""
    if r.ok:
        return "ok"
    text = "\n".join(r.stderr)
    if re.search(r"outcome of ORCA \w+ call is unknown|May have been registered", text):
        return "unknown"
    if r.message and re.fullmatch(r"could not connect to ORCA server.*|circuit breaker is open for ORCA server.*",
                                  r.message):
        return "not_sent"
    if r.message and re.fullmatch(r"ORCA \w+ call failed|ORCA server rejected the credentials|"
                                  r"ORCA API path not found", r.message) and "Not registered:" in text:
        return "refused"
    return "other: " + r.describe()


def writes(sess, sim, password, user, url):
    """Every registration kind under every fault mode, judged from the simulator's state."""
    t0 = time.time()
    stmts = ["CREATE SERVER srv_dn FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:9', retries '0')",
             "CREATE USER MAPPING FOR CURRENT_USER SERVER srv_dn OPTIONS (user '%s', password '%s')" % (user, password),
             "CREATE SCHEMA dn", "IMPORT FOREIGN SCHEMA orca FROM SERVER srv_dn INTO dn"]
    for schema in ("rd", "r0t", "cb", "dn"):
        stmts.append("CREATE FOREIGN TABLE %s.oc_patients (patient_id text, whole_name text, whole_name_in_kana text, "
                     "birth_date date, sex text) SERVER srv_%s OPTIONS (resource 'patients', "
                     "registration_mode 'on_commit')" % (schema, schema))
    for st in stmts:
        r = sess.run(st)
        check(r.ok, "writes setup: " + st.split(" OPTIONS")[0], r.describe())
    # patients that were never admitted, for admissions and meals; a room of ward 01
    admitted = {a["patient_id"] for a in sim.truth("admissions")}
    fresh = [p["patient_id"] for p in sim.truth("patients") if p["patient_id"] not in admitted]
    fresh.reverse()
    room = next(r_["room_number"] for r_ in sim.truth("rooms") if r_["ward_number"] == "01")
    room2 = next(r_["room_number"] for r_ in sim.truth("rooms") if r_["ward_number"] == "02")
    outcomes = {}
    n = 0

    def name(i):
        tag = "".join(KATAKANA[int(d)] for d in "%04d" % i)
        return "障害　" + tag, "ショウガイ　" + tag

    def admit_sql(schema, pid):
        return ("INSERT INTO %s.admissions (patient_id, admission_date, ward_number, room_number, department_code) "
                "VALUES ('%s', '2026-11-20', '01', '%s', '01')" % (schema, pid, room))

    for mode in WRITE_MODES:
        for kind in WRITE_KINDS:
            n += 1
            schema = {"slow_rt": "r0t", "down": "dn", "breaker": "cb"}.get(mode, "rd")
            path = WRITE_PATH[kind]
            label = "write %s %s" % (kind, mode)
            pid = None
            names = [name(2 * n), name(2 * n + 1)]
            if kind == "admit" or kind in WRITE_ON_STAY:
                pid = fresh.pop()
            if kind in WRITE_ON_STAY:
                sim.wait_idle(0)
                sim.reset()
                r = sess.run(admit_sql("rd", pid))
                if not check(r.ok, label + ": admission before the test", r.describe()):
                    continue
            if kind == "patient":
                sql = ["INSERT INTO %s.patients (whole_name, whole_name_in_kana, birth_date, sex) VALUES "
                       "('%s', '%s', '1990-01-01', '1')" % ((schema,) + names[0])]
            elif kind == "on_commit":
                sql = ["BEGIN"] + ["INSERT INTO %s.oc_patients (whole_name, whole_name_in_kana, birth_date, sex) "
                                   "VALUES ('%s', '%s', '1990-01-01', '1')" % ((schema,) + nm) for nm in names] + \
                      ["COMMIT"]
            elif kind == "admit":
                sql = [admit_sql(schema, pid)]
            elif kind == "discharge":
                sql = ["UPDATE %s.admissions SET discharge_date = '2026-11-24' WHERE patient_id = '%s' "
                       "AND admission_date = '2026-11-20'" % (schema, pid)]
            elif kind == "transfer":
                sql = ["SET orca_fdw.transfer_date = '2026-11-22'",
                       "UPDATE %s.admissions SET ward_number = '02', room_number = '%s' WHERE patient_id = '%s' "
                       "AND admission_date = '2026-11-20'" % (schema, room2, pid),
                       "RESET orca_fdw.transfer_date"]
            elif kind == "outing":
                sql = ["INSERT INTO %s.meals (patient_id, perform_date, patient_status) "
                       "VALUES ('%s', '2026-11-21', '01')" % (schema, pid)]
            else:
                sql = ["INSERT INTO %s.meals (patient_id, perform_date, morning_meal, lunch_meal, evening_meal) "
                       "VALUES ('%s', '2026-11-21', '02', '03', '00')" % (schema, pid)]
            audit_start = sess.run("SELECT coalesce(max(seq), 0) FROM orca_fdw_audit()")
            audit_start = int(audit_start.rows[0]) if audit_start.ok and audit_start.rows else 0
            sim.wait_idle(0)
            sim.reset()
            if mode == "breaker":
                for _ in range(3):  # circuit_breaker_failures 3: three failed reads open it
                    sim.fault("http503", count=1, path="/api01rv2/system01lstv2")
                    sess.run("SELECT count(*) FROM cb.departments")
                sim.reset()
            elif mode == "slow_rt":
                sim.fault("slow", count=1, path=path, delay_ms=500)  # request_timeout 0.3 s
            elif mode == "slow_st":
                sim.fault("slow", count=1, path=path, delay_ms=700)  # statement_timeout 200 ms
            elif mode == "slow_ok":
                sim.fault("slow", count=1, path=path, delay_ms=60)
            elif mode not in ("none", "down"):
                sim.fault(mode, count=1, path=path)
            if mode == "slow_st":
                sess.run("SET statement_timeout = '200ms'")
            results = [sess.run(q) for q in sql]
            if mode == "slow_st":
                sess.run("SET statement_timeout = '20s'")
            if kind == "on_commit" and not results[-1].ok:
                sess.run("ROLLBACK")  # (a failed COMMIT has ended the transaction already)
            r = next((x for x in results if not x.ok), results[-1])
            sim.wait_idle(0)  # a slow fault finishes the registration after the client gave up
            regs = [g for g in sim.registrations() if g["api"] == api_name(path)]
            pending = sim.stats()["pending_faults"]
            sim.reset()
            # what ORCA holds now
            if kind in ("patient", "on_commit"):
                by_name = {}
                for p_ in sim.truth("patients"):
                    by_name[p_["whole_name"]] = by_name.get(p_["whole_name"], 0) + 1
                applied = [by_name.get(nm[0], 0) for nm in (names if kind == "on_commit" else names[:1])]
            elif kind == "admit":
                applied = [sum(1 for a in sim.truth("admissions", patient_id=pid) if a["admission_date"] == "2026-11-20")]
            elif kind == "discharge":
                applied = [sum(1 for a in sim.truth("admissions", patient_id=pid)
                               if a["admission_date"] == "2026-11-20" and a["discharge_date"] == "2026-11-24")]
            elif kind == "transfer":
                applied = [sum(1 for a in sim.truth("admissions", patient_id=pid)
                               if a["admission_date"] == "2026-11-20" and a["ward_number"] == "02")]
            elif kind == "outing":
                applied = [sum(1 for m in sim.truth("meals", patient_id=pid, **{"from": "2026-11-21", "to": "2026-11-21"})
                               if m["patient_status"] == "01")]
            else:
                applied = [sum(1 for m in sim.truth("meals", patient_id=pid, **{"from": "2026-11-21", "to": "2026-11-21"})
                               if (m["morning_meal"], m["lunch_meal"], m["evening_meal"]) == ("02", "03", "00"))]
            said = classify_write(r)
            want = WRITE_EXPECT[mode]
            audit = sess.run("SELECT event || ' ' || outcome FROM orca_fdw_audit() WHERE seq > %d ORDER BY seq"
                             % audit_start)
            events = audit.rows if audit.ok else ["?"]
            results_ = [e.split()[1] for e in events if e.startswith("result ")]
            problems = []
            if any(a > 1 for a in applied):
                problems.append("applied %s times" % applied)
            if len(regs) > len(applied):
                problems.append("%d %s requests for %d registrations: resent" % (len(regs), api_name(path),
                                                                                  len(applied)))
            if sum(1 for g in regs if g.get("changed")) != sum(applied):
                problems.append("the simulator's log says %d changed, its data %s" % (
                    sum(1 for g in regs if g.get("changed")), applied))
            if mode == "slow_st" and said == "ok":
                problems.append("statement_timeout did not interrupt the registration (%s took %.1f s)"
                                % ("COMMIT" if kind == "on_commit" else "the statement", r.elapsed))
            elif said != want:
                problems.append("the client said %s, the fault means %s" % (said, want))
            first = applied[0] if applied else 0
            if said == "ok" and (min(applied) != 1 or not results_ or any(o not in ("ok", "warning") for o in results_)):
                problems.append("reported done, but applied %s, audit %s" % (applied, events))
            if said == "refused" and (first != 0 or "error" not in results_[:1]):
                problems.append("reported refused, but applied %s, audit %s" % (applied, events))
            # (the audit's outcome for a request that never left: "error", or "not_sent" where it has one)
            if said == "not_sent" and (regs or first != 0 or any(o not in ("error", "not_sent") for o in results_)):
                problems.append("reported not sent, but %d requests arrived, applied %s, audit %s" % (
                    len(regs), applied, events))
            if said == "unknown" and results_[:1] != ["unknown"]:
                problems.append("reported unknown, but audit %s" % events)
            if kind == "on_commit" and said not in ("ok",) and (applied[1:] != [0] or len(regs) > 1):
                problems.append("the registration queued after the failed one was sent: applied %s, %d requests"
                                % (applied, len(regs)))
            if kind == "on_commit" and said != "ok" and "Not sent:" not in "\n".join(r.stderr):
                problems.append("the error does not name what was not sent")
            if sum(1 for e in events if e.startswith("sent ")) != len(results_):
                problems.append("audit: every sent line needs its result line: %s" % events)
            if pending and mode not in ("none", "down", "breaker"):
                problems.append("the fault was never reached (%d pending)" % pending)
            outcomes.setdefault(mode, {})
            outcomes[mode][said] = outcomes[mode].get(said, 0) + 1
            check(not problems, label, "; ".join(problems) + " [%s]" % r.describe())
    for mode in WRITE_MODES:
        log("  writes %-9s %s" % (mode, json.dumps(outcomes.get(mode, {}), sort_keys=True)))
    log("writes done in %.1f s" % (time.time() - t0))


# --------------------------------------------------------------------------
# 3. soak


SOAK_QUERIES = ["p_get", "p_get", "p_details", "p_ids", "a_pid", "a_hist", "m_month", "m_pid", "wards", "rooms",
                "departments", "doctors", "p_name", "p_get", "a_pid", "m_month", "p_all", "a_all", "m_range"]
SOAK_MODES = ["http500", "http503", "auth401", "malformed", "truncated", "reset", "api_error", "slow"]


def soak(sim, queries, baseline, calls, n, seconds, seed, rss_bound_mb, wrong=()):
    rnd = random.Random(seed)
    soak_queries = [q for q in SOAK_QUERIES if q not in wrong]
    sess = Session("soak")
    all_paths = sorted({p for c in calls.values() for p in c})
    log("soak: up to %d queries or %d s in backend %d (seed %d)" % (n, seconds, sess.pid, seed))
    t0 = time.time()
    warm = None
    samples = []
    bad = []
    outcomes = {}
    done = 0
    sim_ok = True
    for i in range(n):
        if time.time() - t0 > seconds:
            break
        qname = rnd.choice(soak_queries)
        schema = rnd.choice(["r0", "rd"])
        sql = CHECKSUM % queries[qname].format(s=schema)
        sim.reset()
        mode = None
        stmt_timeout = False
        if rnd.random() < 0.75:
            mode = rnd.choice(SOAK_MODES)
            r = rnd.random()
            path = (rnd.choice(sorted(calls[qname])) if r < 0.6 else
                    rnd.choice(all_paths) if r < 0.85 else None)
            count = rnd.choice([1, 1, 1, 2, 3, -1]) if rnd.random() < 0.9 else -1
            if count == -1 and rnd.random() < 0.7:
                count = 1  # keep persistent faults (3 attempts + back-off) rare
            kw = {}
            if mode == "slow":
                if rnd.random() < 0.15:
                    stmt_timeout = True
                    kw["delay_ms"] = 400
                else:
                    kw["delay_ms"] = rnd.randint(1, 80)
            if mode == "api_error" and rnd.random() < 0.3:
                kw["api_result"] = rnd.choice(["89", "99", "E0105"])
            if k := rnd.choice([0, 0, 0, 1, 2]):
                if path:
                    sim.fault("slow", count=k, path=path, delay_ms=0)
            sim.fault(mode, count=count, path=path, **kw)
        if stmt_timeout:
            sess.run("SET statement_timeout = '150ms'")
        res = sess.run(sql)
        if stmt_timeout:
            sess.run("SET statement_timeout = '20s'")
        done += 1
        if res.dead or res.hung:
            o = "crash" if res.dead else "hang"
        elif res.ok:
            o = "correct" if res.rows == [baseline[qname]] else "WRONG"
        elif documented(res.sqlstate, res.message) and (res.sqlstate != "57014" or stmt_timeout):
            o = "error"
        else:
            o = "undocumented error"
        outcomes[o] = outcomes.get(o, 0) + 1
        if mode is None and o != "correct":
            bad.append("#%d %s without fault: %s" % (i, qname, res.describe()))
        elif o not in ("correct", "error"):
            bad.append("#%d %s %s: %s %s" % (i, qname, mode, o, res.describe()))
        if sess.dead:
            break
        if i == 199:
            warm = sess.rss_kb()
        if (i + 1) % 250 == 0:
            samples.append((i + 1, sess.rss_kb()))
            try:
                sim.stats(timeout=3)
            except Exception as e:  # noqa: BLE001
                sim_ok = False
                bad.append("#%d orca-sim stopped answering: %s" % (i, e))
        if stmt_timeout:
            sim.wait_idle(3)
    elapsed = time.time() - t0
    sim.reset()
    final = sess.run(CHECKSUM % queries["p_ids"].format(s="rd"))
    end = sess.rss_kb()
    log("soak: %d queries in %.1f s (%.0f/s); outcomes %s" % (done, elapsed, done / max(elapsed, 0.001),
                                                            json.dumps(outcomes, sort_keys=True)))
    log("soak: backend %d VmRSS after warm-up (200 queries) %s kB, at the end %s kB, growth %s kB" % (
        sess.pid, warm, end, (end - warm) if warm and end else "?"))
    log("soak: VmRSS samples (queries:kB) " + ", ".join("%d:%s" % s for s in samples))
    if len(samples) >= 4 and samples[len(samples) // 2][1] and samples[-1][1]:
        a, b = samples[len(samples) // 2], samples[-1]
        log("soak: second half: %+d kB over %d queries" % (b[1] - a[1], b[0] - a[0]))
    for b in bad[:20]:
        log("  " + b)
    check(not bad, "soak: every query correct or a documented error", "%d bad (first: %s)" % (
        len(bad), bad[0] if bad else ""))
    check(not sess.dead, "soak: one backend throughout")
    check(done >= min(n, 500), "soak: enough queries", "%d" % done)
    check(warm is not None and end is not None and end - warm <= rss_bound_mb * 1024,
          "soak: backend VmRSS growth <= %d MB" % rss_bound_mb, "warm %s kB, end %s kB" % (warm, end))
    check(final.ok and final.rows == [baseline["p_ids"]], "soak: backend answers correctly at the end",
          final.describe())
    try:
        st = sim.stats(timeout=3)
        check(sim_ok and "total" in st, "soak: orca-sim keeps answering")
    except Exception as e:  # noqa: BLE001
        check(False, "soak: orca-sim keeps answering", str(e))
    sess.close()
    return done, elapsed, warm, end


# --------------------------------------------------------------------------
# 4. the log and the error texts


def find_log(sess):
    root = os.environ.get("PG_CLUSTER_CONF_ROOT")
    cands = []
    if root:
        cands += glob.glob(os.path.join(os.path.dirname(root), "log", "postgresql-*.log"))
    r = sess.run("SELECT coalesce(pg_current_logfile(), ''), current_setting('data_directory'), "
                 "current_setting('log_directory')")
    if r.ok and r.rows:
        cur, datadir, logdir = (r.rows[0].split("|") + ["", "", ""])[:3]
        if cur:
            cands.append(cur if cur.startswith("/") else os.path.join(datadir, cur))
        d = logdir if logdir.startswith("/") else os.path.join(datadir, logdir)
        cands += sorted(glob.glob(os.path.join(d, "*")))
    return [c for c in cands if os.path.isfile(c)]


NAME_RE = re.compile("\u3000")


def find_pii(text, names):
    """Names: 'family<U+3000>given' (kanji and kana). Check every U+3000."""
    hits = set()
    for m in NAME_RE.finditer(text):
        i = m.start()
        for f in range(1, 6):
            for g in range(1, 7):
                s = text[max(0, i - f):i + 1 + g]
                if s in names:
                    hits.add(s)
    return hits


def leak_checks(sess, logs, password, user, names, phones):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    texts = [("captured error texts", "\n".join(ERROR_TEXTS))]
    for path in logs:
        with open(path, encoding="utf-8", errors="replace") as f:
            texts.append((path, f.read()))
    for what, text in texts:
        check(password not in text and token not in text,
              "no password or BASIC token in " + what)
        pii = find_pii(text, names)
        pii |= {p for p in re.findall(r"\d{2,4}-\d{3,4}-\d{4}", text) if p in phones}
        check(not pii, "no patient names or phone numbers in " + what,
              "%d hits, e.g. %s" % (len(pii), sorted(pii)[:3]))
    return texts


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--user", default="ormaster")
    ap.add_argument("--password", required=True)
    ap.add_argument("--marker", help="file written once the suite runs (lets the wrapper retry cluster setup)")
    ap.add_argument("--soak", type=int, default=4000)
    ap.add_argument("--soak-seconds", type=float, default=150)
    ap.add_argument("--budget", type=float, default=330,
                    help="seconds for the whole suite: the soak is cut to fit (at least 45 s)")
    ap.add_argument("--rss-bound-mb", type=int, default=20)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("FAULT_SUITE_SEED", "20261125")))
    ap.add_argument("--quick", action="store_true", help="first-call faults only")
    ap.add_argument("--only", choices=["matrix", "soak", "breaker", "extras", "writes"], action="append")
    args = ap.parse_args()
    if args.marker:
        with open(args.marker, "w") as f:
            f.write("started\n")
    t_start = time.time()
    sim = Sim(args.sim_url)
    summary = sim.summary()
    inpatient = summary["current_inpatients"][0]
    log("orca-sim %s: %d patients, today %s, %d current inpatients" % (
        args.sim_url, summary["patients"], summary["today"], len(summary["current_inpatients"])))

    sess = Session("matrix")
    setup(sess, args.sim_url, args.user, args.password)
    logs = find_log(sess)
    log("postmaster log: %s" % (", ".join(logs) or "NOT FOUND"))
    # positive control: the file we read is the live log of this cluster
    marker = "fault-suite-marker-%d-%d" % (os.getpid(), int(time.time()))
    sess.run("DO $$BEGIN RAISE WARNING '%%', '%s'; END$$" % marker)
    time.sleep(0.2)
    live = False
    for path in logs:
        with open(path, encoding="utf-8", errors="replace") as f:
            live = live or marker in f.read()
    check(live, "the postmaster log file is found and is live", ", ".join(logs) or "no log file")

    queries = make_queries(inpatient)
    # the right answers: each query run against the simulator's ground truth (truth.<table>), not
    # against the wrapper; the wrapper's fault-free answers (r0, rd twice, json) must equal them
    load_truth(sim)
    baseline, calls, wrong = {}, {}, set()
    for qname, q in queries.items():
        t = sess.run(CHECKSUM % q.format(s="truth"))
        want = t.rows[0] if t.ok and t.rows else "?"
        sim.reset()
        a = sess.run(CHECKSUM % q.format(s="rd"))
        st = sim.stats()
        b = sess.run(CHECKSUM % q.format(s="r0"))
        c = sess.run(CHECKSUM % q.format(s="rd"))
        check(t.ok and not want.startswith("0 "), "truth %s: non-empty" % qname, t.describe())
        ok = all(x.ok and x.rows == [want] for x in (a, b, c))
        check(ok, "fault-free %s equals the ground truth (%s)" % (qname, want[:40]),
              "%s / %s / %s" % (a.describe(), b.describe(), c.describe()))
        if qname.startswith("p_"):
            j = sess.run(CHECKSUM % q.format(s="jd"))
            ok = ok and check(j.ok and j.rows == [want], "fault-free %s over format json equals the ground truth"
                              % qname, j.describe())
        baseline[qname] = want
        calls[qname] = {p: n for p, n in st["by_path"].items() if n}
        log("  %-12s %-40s calls %s" % (qname, want[:40], json.dumps(calls[qname])))
        if not ok:
            # its faulted runs would only repeat this failure: the query leaves the matrix and the soak
            log("  %s is wrong without any fault: left out of the matrix and the soak" % qname)
            wrong.add(qname)

    # names, kana names and phones of the patients whose data the faulted answers carried
    r = sess.run("SELECT whole_name || E'\\t' || coalesce(whole_name_in_kana, '') || E'\\t' || "
                 "coalesce(phone_number1, '') || E'\\t' || coalesce(cellular_number, '') || E'\\t' || "
                 "coalesce(house_holder_whole_name, '') FROM truth.patients")
    names, phones = set(), set()
    for line in r.rows:
        parts = line.split("\t")
        names.update(p for p in (parts[0], parts[1], parts[4]) if "\u3000" in p)
        phones.update(p for p in (parts[2], parts[3]) if p)
    check(len(names) > 1000, "personal data to look for", "%d names" % len(names))
    sample = sorted(names)[len(names) // 2]
    check(find_pii("DETAIL: x" + sample + "y", names) == {sample}, "self-test: the name finder finds a name")
    log("looking for %d names/kana names and %d phone numbers in logs and errors" % (len(names), len(phones)))

    only = set(args.only or ["matrix", "breaker", "extras", "soak", "writes"])
    matrix = Matrix(sess, sim, queries, baseline, calls)
    matrix.wrong = wrong
    if "matrix" in only:
        matrix.run(quick=args.quick)
    pid_r = sess.run("SELECT pg_backend_pid()")
    check(pid_r.ok and pid_r.rows == [str(sess.pid)], "matrix: one backend throughout", pid_r.describe())
    if "breaker" in only:
        breaker_test(sess, sim, queries, baseline)
    if "extras" in only:
        extras(sess, sim, queries, baseline, calls)
    soak_numbers = None
    if "soak" in only and args.soak > 0:
        # the registrations that follow take about 30 s
        reserve = 20 + (40 if "writes" in only else 0)
        seconds = max(45.0, min(args.soak_seconds, args.budget - (time.time() - t_start) - reserve))
        soak_numbers = soak(sim, queries, baseline, calls, args.soak, seconds, args.seed, args.rss_bound_mb, wrong)

    # registrations change the data the read baselines were taken from: they come last
    if "writes" in only:
        writes(sess, sim, args.password, args.user, args.sim_url)

    # crashes: the postmaster log
    crash_lines = []
    for path in logs:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if re.search(r"terminated by signal|server process \(PID|was terminated|PANIC|TRAP:|"
                             r"out of memory|terminating any other active server processes", line):
                    crash_lines.append(line.strip())
    check(not crash_lines, "no backend crash in the postmaster log", " | ".join(crash_lines[:3]))
    leak_checks(sess, logs, args.password, args.user, names, phones)
    try:
        sim.stats(timeout=3)
        check(True, "orca-sim alive at the end")
    except Exception as e:  # noqa: BLE001
        check(False, "orca-sim alive at the end", str(e))
    sess.close()

    log("")
    log("matrix outcomes (faulted queries by fault mode):")
    outs = ["correct", "error", "other documented error", "undocumented error", "WRONG", "hang", "crash"]
    log("  %-10s %s" % ("mode", " ".join("%9s" % o[:9] for o in outs)))
    for mode, d in matrix.outcomes.items():
        log("  %-10s %s" % (mode, " ".join("%9d" % d.get(o, 0) for o in outs)))
    tot = {o: sum(d.get(o, 0) for d in matrix.outcomes.values()) for o in outs}
    log("  %-10s %s" % ("total", " ".join("%9d" % tot[o] for o in outs)))
    log("matrix outcomes by ORCA API:")
    for api, d in sorted(matrix.outcomes_by_api.items()):
        log("  %-20s %s" % (api, " ".join("%s %d" % (o, n) for o, n in sorted(d.items()))))
    if soak_numbers:
        done, el, warm, end = soak_numbers
        log("soak: %d queries, %.0f s, VmRSS %s kB -> %s kB" % (done, el, warm, end))
    log("runtime %.0f s" % (time.time() - t_start))
    if FAILURES:
        log("failures (%d):" % len(FAILURES))
        for f in FAILURES[:40]:
            log("  " + f)
    print("%d passed, %d failed" % (PASSED, FAILED))
    if args.marker:
        with open(args.marker, "a") as f:
            f.write("%d %d\n" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
