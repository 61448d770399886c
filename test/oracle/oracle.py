#!/usr/bin/env python3
"""oracle.py — the differential oracle of orca_fdw (python3 stdlib + psql).

Runs inside a scratch cluster (test/oracle.sh: pg_virtualenv sets PGHOST,
PGPORT, PGUSER, PGPASSWORD, PGDATABASE) against an orca-sim it is given.

 1. Truth: every table as the simulator holds it (GET /__sim/truth/<table>),
    loaded into schema `truth`.
 2. Copies: each table taken by a full scan (`fullscan`, and `fulljson` over
    a second server with format 'json'), and patients/admissions/meals by
    per-id lookups (`perid`: id batches, `perone`: one id at a time for a
    sample). Each copy is compared with the truth and with the others, row by
    row and column by column: a column whose value differs between copies is a
    value that depends on the plan.
 3. Queries: from a seed, queries over every table (every pushable operator and
    column, AND/OR/NOT, NULLs, boundary dates, infinities, casts, collations,
    IN lists with duplicates/NULLs/two spellings, joins with local tables,
    LATERAL, LIMIT/OFFSET, cursors, PREPARE under force_generic_plan, both wire
    formats) run against the foreign tables and against the truth; the answers
    are compared with EXCEPT ALL both ways. A mismatch is shrunk to a minimal
    reproduction, printed with the rows only on each side (keys and differing
    columns) and the EXPLAIN VERBOSE of the foreign side.
 4. Writes (writes.py): random registration sequences, then the simulator's
    state equals the intended one and /__sim/registrations shows each intended
    registration exactly once.

Prints "N passed, N failed" last; exit status 1 on failure.
"""
import argparse
import json
import os
import re
import sys
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gen  # noqa: E402
from psql import Session  # noqa: E402

TABLES = ["patients", "admissions", "meals", "wards", "rooms", "departments", "doctors", "visits", "diseases"]
TRUTH_TYPES = {"text": "text", "date": "date", "time": "time without time zone", "integer": "integer",
               "jsonb": "jsonb"}
MEALS_ALL = "perform_date >= '2008-04-01'"  # everything hsmealv2 can answer
# visits and diseases cannot be read without their condition: the whole table is these
ALL_ROWS = {
    "meals": MEALS_ALL,
    "visits": "visit_date BETWEEN date '{today}' - 740 AND date '{today}'",  # the simulator's two years
    "diseases": "patient_id = ANY(ARRAY(SELECT patient_id FROM truth.patients))",  # one call per patient
}
# No query over 3 000 simulated patients needs more (the slowest take about 3 s); one that
# does floods the simulator, which is a failure in itself (rule 7), and must not eat the CI budget.
STATEMENT_TIMEOUT = "20s"
# More ORCA calls than this for one query over 3 000 patients is a flood (SELECT * over every
# patient makes about 3 100). Call counts come from the simulator: no timing involved.
FLOOD_CALLS = 10000


class Report:
    def __init__(self, verbose=False):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose
        self.groups = {}   # signature -> Group
        self.notes = []
        self.slow = []     # queries cancelled by statement_timeout while calling ORCA (not counted)

    def ok(self, name):
        self.passed += 1
        if self.verbose:
            print("ok   " + name, flush=True)

    def fail(self, name, text, group=None):
        self.failed += 1
        if group is not None:
            self.groups.setdefault(group, []).append(name)
        print("FAIL " + name + "\n" + indent(text), flush=True)

    def note(self, text):
        self.notes.append(text)
        print("NOTE " + text, flush=True)


def indent(text, by="     "):
    return "\n".join(by + line for line in text.rstrip("\n").split("\n"))


def short(value, n=60):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= n else text[:n] + "…(%d chars)" % len(text)


# ---------------------------------------------------------------------------
# the simulator


class Sim:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def get(self, path, timeout=120):
        with urllib.request.urlopen(self.url + path, timeout=timeout) as r:
            return json.loads(r.read().decode("utf-8"))

    def post(self, path):
        req = urllib.request.Request(self.url + path, data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def truth(self, table, **params):
        query = "&".join("%s=%s" % kv for kv in sorted(params.items()))
        return self.get("/__sim/truth/" + table + ("?" + query if query else ""))

    def registrations(self):
        return self.get("/__sim/registrations")["registrations"]

    def reset(self):
        self.post("/__sim/reset")

    def stats(self):
        return self.get("/__sim/stats")


# ---------------------------------------------------------------------------
# setup


def dollar(text):
    """A dollar-quoted literal whose tag does not occur in the text."""
    n = 0
    while "$o%d$" % n in text:
        n += 1
    tag = "$o%d$" % n
    return tag + text + tag


class World:
    """Schemas, copies and the columns the oracle compares."""

    def __init__(self, s, sim, url, user, password, report):
        self.s = s
        self.sim = sim
        self.report = report
        self.truth = {}
        self.columns = {}   # table -> [(name, pg type)] compared
        self.types = {}
        self.have_icu = True
        self.setup(url, user, password)

    def setup(self, url, user, password):
        s = self.s
        for stmt in [
            "CREATE EXTENSION IF NOT EXISTS orca_fdw",
            "DROP SCHEMA IF EXISTS orca, orca_json, truth, fullscan, fulljson, perid, perone CASCADE",
            "DROP SERVER IF EXISTS oracle_xml CASCADE",
            "DROP SERVER IF EXISTS oracle_json CASCADE",
            "CREATE SERVER oracle_xml FOREIGN DATA WRAPPER orca_fdw OPTIONS (url %s)" % gen.quote(url),
            "CREATE SERVER oracle_json FOREIGN DATA WRAPPER orca_fdw OPTIONS (url %s, format 'json')" % gen.quote(url),
            "CREATE USER MAPPING FOR CURRENT_USER SERVER oracle_xml OPTIONS (user %s, password %s)" %
            (gen.quote(user), gen.quote(password)),
            "CREATE USER MAPPING FOR CURRENT_USER SERVER oracle_json OPTIONS (user %s, password %s)" %
            (gen.quote(user), gen.quote(password)),
            "CREATE SCHEMA orca",
            "IMPORT FOREIGN SCHEMA orca FROM SERVER oracle_xml INTO orca",
            "CREATE SCHEMA orca_json",
            "IMPORT FOREIGN SCHEMA orca FROM SERVER oracle_json INTO orca_json",
            "CREATE SCHEMA truth", "CREATE SCHEMA fullscan", "CREATE SCHEMA fulljson", "CREATE SCHEMA perid",
            "CREATE SCHEMA perone",
        ]:
            s.must(stmt)
        for level in (1, 2):
            r = s.run("CREATE COLLATION IF NOT EXISTS ci_level%d (provider = icu, locale = 'und-u-ks-level%d', "
                      "deterministic = false)" % (level, level))
            if not r.ok:
                self.have_icu = False
        if not self.have_icu:
            self.report.note("no ICU collations: non-deterministic collation predicates are not generated")
        self.load_truth()

    def revive(self):
        """A new session after the backend died (a crash restarts the cluster: wait for it)."""
        deadline = time.time() + 60
        while True:
            try:
                self.s = Session("oracle", STATEMENT_TIMEOUT)
                return self.s
            except RuntimeError:
                if time.time() > deadline:
                    raise
                time.sleep(1)

    def foreign_columns(self, table):
        r = self.s.must("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                        "WHERE attrelid = 'orca.%s'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum" %
                        table)
        return [(row[0], row[1]) for row in r.rows]

    def load_truth(self):
        for t in TABLES:
            doc = self.sim.truth(t)
            self.truth[t] = doc
            truth_types = {c["name"]: c["type"] for c in doc["columns"]}
            cols = []
            for name, typ in self.foreign_columns(t):
                if name not in truth_types:
                    self.report.note("orca.%s.%s: no ground truth for this column (not compared)" % (t, name))
                    continue
                if TRUTH_TYPES[truth_types[name]] != typ:
                    self.report.fail("types/%s.%s" % (t, name), "the foreign table says %s, the README %s" %
                                     (typ, TRUTH_TYPES[truth_types[name]]))
                    continue
                cols.append((name, typ))
            for name in truth_types:
                if name not in dict(cols) and name not in [n for n, _ in self.foreign_columns(t)]:
                    self.report.note("orca.%s has no column %s (in the README's table)" % (t, name))
            self.columns[t] = cols
            self.types[t] = dict(cols)
            for c in doc.get("inconsistencies", []):
                self.report.fail("sim/%s" % t, "orca-sim contradicts itself between APIs: %s" % short(c, 300))
            self.load_truth_table(t, doc)

    def load_truth_table(self, t, doc):
        ddl = ", ".join("%s %s" % (n, typ) for n, typ in self.columns[t])
        self.s.must("DROP TABLE IF EXISTS truth.%s" % t)
        self.s.must("CREATE TABLE truth.%s (%s)" % (t, ddl))
        rows = json.dumps(doc["rows"], ensure_ascii=False)
        self.s.must("INSERT INTO truth.%s SELECT * FROM jsonb_populate_recordset(NULL::truth.%s, %s::jsonb)" %
                    (t, t, dollar(rows)))
        self.s.must("ANALYZE truth.%s" % t)

    def collist(self, t, alias=None):
        return ", ".join(("%s.%s" % (alias, n)) if alias else n for n, _ in self.columns[t])

    def reload_truth(self, tables=TABLES):
        for t in tables:
            self.truth[t] = self.sim.truth(t)
            self.load_truth_table(t, self.truth[t])


# ---------------------------------------------------------------------------
# comparing two tables (copies) row by row and column by column


def compare_relations(s, left, right, table, cols, keys, where=None, left_name=None, right_name=None):
    """Returns None when equal as multisets, else a text report (keys and differing columns only)."""
    names = [c for c, _ in cols]
    lst = ", ".join(names)
    flt = (" WHERE " + where) if where else ""
    L = "(SELECT %s FROM %s%s)" % (lst, left, flt)
    R = "(SELECT %s FROM %s%s)" % (lst, right, flt)
    r = s.must("SELECT (SELECT count(*) FROM %s l), (SELECT count(*) FROM %s r), "
               "(SELECT count(*) FROM (SELECT * FROM %s l EXCEPT ALL SELECT * FROM %s r) x), "
               "(SELECT count(*) FROM (SELECT * FROM %s r EXCEPT ALL SELECT * FROM %s l) y)" % (L, R, L, R, R, L))
    nl, nr, only_l, only_r = (int(x) for x in r.rows[0])
    if only_l == 0 and only_r == 0:
        return None
    ln, rn = left_name or left, right_name or right
    out = ["%s: %d rows, %s: %d rows; %d rows only in %s, %d only in %s (EXCEPT ALL)" %
           (ln, nl, rn, nr, only_l, ln, only_r, rn)]
    key = [k for k in keys if k in names]
    on = " AND ".join("x.%s IS NOT DISTINCT FROM y.%s" % (k, k) for k in key)
    kobj = "json_build_object(%s)" % ", ".join("'%s', x.%s" % (k, k) for k in key)
    korder = ", ".join("x.%s" % k for k in key)
    for a, b, name in ((L, R, ln), (R, L, rn)):
        rr = s.must("SELECT count(*), array_to_json((array_agg(%s ORDER BY %s))[1:5]) FROM %s x "
                    "WHERE NOT EXISTS (SELECT 1 FROM %s y WHERE %s)" % (kobj, korder, a, b, on))
        n = int(rr.rows[0][0])
        if n:
            out.append("%d keys only in %s, e.g. %s" % (n, name, short(rr.rows[0][1], 300)))
    values = ", ".join("('%s', to_jsonb(x.%s), to_jsonb(y.%s))" % (c, c, c) for c in names if c not in key)
    if values:
        rr = s.must("SELECT d.col, count(*), array_to_json((array_agg(json_build_object('key', %s, %s, d.lv, %s, d.rv) "
                    "ORDER BY %s))[1:3]) FROM %s x JOIN %s y ON %s CROSS JOIN LATERAL (VALUES %s) d(col, lv, rv) "
                    "WHERE d.lv IS DISTINCT FROM d.rv GROUP BY d.col ORDER BY 2 DESC, 1" %
                    (kobj, gen.quote(ln), gen.quote(rn), korder, L, R, on, values))
        for col, n, examples in rr.rows:
            out.append("column %s differs in %s rows, e.g. %s" % (col, n, short(examples, 400)))
    return "\n".join(out)


# ---------------------------------------------------------------------------
# running one query both ways


class Outcome:
    def __init__(self):
        self.invalid = None      # the local side failed: not a valid query
        self.error = None        # the foreign side failed
        self.only_f = []         # rows (dicts) only in the foreign answer
        self.only_l = []
        self.n_f = self.n_l = 0
        self.diff_f = self.diff_l = 0  # rows only in the foreign answer / only in the truth's (EXCEPT ALL)
        self.labels = frozenset()
        self.note = ""
        self.calls = 0           # ORCA calls the foreign side made
        self.slow = False        # cancelled by statement_timeout while calling ORCA: reported, not failed

    @property
    def failed(self):
        return self.invalid is None and not self.slow and (self.error is not None or bool(self.labels))


def normalise_error(text):
    """A label that groups errors of one cause: SQLSTATE, the primary message with
    numbers and quoted values blanked, and ORCA's Api_Result code."""
    text = re.sub(r"^(FETCH \d+ \(after \d+ rows\)|second EXECUTE|PREPARE): ", "", text or "")
    state, _, rest = text.partition(" ")
    primary, _, detail = rest.partition(" / ")
    primary = re.sub(r'"[^"]*"', '"…"', primary)
    primary = re.sub(r"\b\d+\b", "N", primary)
    code = re.search(r"Api_Result (\w+)", detail)
    return ("%s %s%s" % (state, primary, (" [Api_Result %s]" % code.group(1)) if code else ""))[:160]


class Runner:
    def __init__(self, world, report, fetch_limit=300):
        self.w = world
        self.report = report
        self.fetch_limit = fetch_limit
        self.calls = 0
        self.copies_stale = False  # after the writes, the full-scan copies are out of date

    @property
    def s(self):
        return self.w.s

    def set_gucs(self, q, on):
        for k, v in sorted(q.gucs.items()):
            self.s.run(("SET %s = %s" % (k, v)) if on else ("RESET %s" % k))

    def foreign(self, q, into):
        """Runs the foreign side of q into temp table `into`; returns None or the error text."""
        s = self.s
        schema = q.server
        self.set_gucs(q, True)
        try:
            if q.mode == "plain":
                r = s.run("CREATE TEMP TABLE %s AS %s" % (into, q.sql(schema)))
                return None if r.ok else r.describe()
            if q.mode == "prepared":
                params = []
                sql = q.sql(schema, params)
                s.run("SET plan_cache_mode = force_generic_plan")
                s.run("DEALLOCATE ALL")
                types = ", ".join(p.typ for p in params)
                r = s.run("PREPARE o_p%s AS %s" % ("(%s)" % types if params else "", sql))
                if not r.ok:
                    return "PREPARE: " + r.describe()
                args = "(%s)" % ", ".join(p.inline() for p in params) if params else ""
                r = s.run("CREATE TEMP TABLE %s AS EXECUTE o_p%s" % (into, args))
                if not r.ok:
                    return r.describe()
                r = s.run("CREATE TEMP TABLE %s_2 AS EXECUTE o_p%s" % (into, args))
                if not r.ok:
                    return "second EXECUTE: " + r.describe()
                s.run("DEALLOCATE o_p")
                return None
            # cursor: FETCH in chunks from the client, then load the rows
            s.must("CREATE TEMP TABLE %s (LIKE o_l)" % into)
            r = s.run("BEGIN")
            r = s.run("DECLARE o_c NO SCROLL CURSOR FOR SELECT to_jsonb(o_q)::text FROM (%s) o_q" % q.sql(schema))
            if not r.ok:
                s.run("ROLLBACK")
                return r.describe()
            rows = []
            i = 0
            while True:
                n = q.fetch_sizes[i % len(q.fetch_sizes)]
                i += 1
                r = s.run("FETCH %d FROM o_c" % n)
                if not r.ok:
                    s.run("ROLLBACK")
                    return "FETCH %d (after %d rows): %s" % (n, len(rows), r.describe())
                rows += [row[0] for row in r.rows]
                if len(r.rows) < n or len(rows) > 200000:
                    break
            s.run("COMMIT")
            if rows:
                s.must("INSERT INTO %s SELECT * FROM jsonb_populate_recordset(NULL::%s, %s::jsonb)" %
                       (into, into, dollar("[" + ",".join(rows) + "]")))
            return None
        finally:
            self.set_gucs(q, False)
            if q.mode == "prepared":
                s.run("RESET plan_cache_mode")

    def check(self, q, against="truth"):
        """Runs q over the foreign tables and over `against`; compares."""
        if self.s.dead:
            self.w.revive()
        s = self.s
        out = Outcome()
        s.run("DROP TABLE IF EXISTS o_l, o_f, o_f_2")
        local = q.copy()
        local.limit_only = None  # LIMIT without ORDER BY: compare with the whole answer
        r = s.run("CREATE TEMP TABLE o_l AS " + local.sql(against))
        if not r.ok:
            out.invalid = r.describe()
            return out
        self.calls += 1
        before = self.w.sim.stats()["total"]
        err = self.foreign(q, "o_f")
        out.calls = self.w.sim.stats()["total"] - before
        if err is not None:
            out.error = err
            if self.s.dead:
                out.labels = frozenset(["the backend died (a crash?)"])
                self.w.revive()
            elif re.search(r"(^|: )57014 ", err):
                if out.calls < 5:  # no answer and no ORCA call: a hang, whatever the machine's speed
                    out.labels = frozenset(["hang: cancelled by statement_timeout after %d ORCA calls" % out.calls])
                else:  # slow because it calls ORCA very often: how often within 20 s depends on the machine
                    out.slow = True
            else:
                out.labels = frozenset(["error: " + normalise_error(err)])
            return out
        if out.calls > FLOOD_CALLS:
            out.labels = frozenset(["flood: more than %d ORCA calls for one query" % FLOOD_CALLS])
            return out
        sides = ["o_f"] + (["o_f_2"] if q.mode == "prepared" else [])
        labels = set()
        for f in sides:
            if q.limit_only is not None:
                r = s.must("SELECT (SELECT count(*) FROM %s), (SELECT count(*) FROM o_l)" % f)
                n_f, n_l = int(r.rows[0][0]), int(r.rows[0][1])
                if n_f != min(q.limit_only, n_l):
                    labels.add("LIMIT %d gave %d rows of %d" % (q.limit_only, n_f, n_l))
                r = s.must("SELECT to_jsonb(x)::text FROM (SELECT * FROM %s EXCEPT ALL SELECT * FROM o_l) x LIMIT %d"
                           % (f, self.fetch_limit))
                out.only_f = [json.loads(row[0]) for row in r.rows]
                out.only_l = []
                keys = self.key_outputs(q)
                if out.only_f and keys:
                    # the truth's rows with the keys of the foreign extras, to show what differs
                    kl = ", ".join(keys)
                    r = s.must("SELECT to_jsonb(x)::text FROM (SELECT * FROM o_l WHERE (%s) IN (SELECT %s FROM "
                               "(SELECT * FROM %s EXCEPT ALL SELECT * FROM o_l) e) EXCEPT ALL SELECT * FROM %s) x "
                               "LIMIT %d" % (kl, kl, f, f, self.fetch_limit))
                    out.only_l = [json.loads(row[0]) for row in r.rows]
                out.diff_f, out.n_f, out.n_l = len(out.only_f), n_f, n_l
            else:
                # each side ordered by its key columns, so rows with the same key pair up
                order = ", ".join(["x.%s" % k for k in self.key_outputs(q)] + ["1"])
                r = s.must("SELECT to_jsonb(x)::text FROM (SELECT * FROM %s EXCEPT ALL SELECT * FROM o_l) x "
                           "ORDER BY %s LIMIT %d" % (f, order, self.fetch_limit))
                out.only_f = [json.loads(row[0]) for row in r.rows]
                r = s.must("SELECT to_jsonb(x)::text FROM (SELECT * FROM o_l EXCEPT ALL SELECT * FROM %s) x "
                           "ORDER BY %s LIMIT %d" % (f, order, self.fetch_limit))
                out.only_l = [json.loads(row[0]) for row in r.rows]
                c = s.must("SELECT (SELECT count(*) FROM %s), (SELECT count(*) FROM o_l), "
                           "(SELECT count(*) FROM (SELECT * FROM %s EXCEPT ALL SELECT * FROM o_l) x), "
                           "(SELECT count(*) FROM (SELECT * FROM o_l EXCEPT ALL SELECT * FROM %s) y)" % (f, f, f))
                out.n_f, out.n_l, out.diff_f, out.diff_l = (int(x) for x in c.rows[0])
            labels |= self.classify(q, out)
            if labels:
                if f == "o_f_2":
                    labels.add("second EXECUTE")
                break
        out.labels = frozenset(labels)
        return out


    def key_outputs(self, q):
        """The outputs that identify a row: key columns of the tables, the local table's columns, GROUP BY."""
        keys = set(gen.KEYS[q.table]) | (set(gen.KEYS[q.other[0]]) if q.other else set())
        return [o for o in q.outputs() if (o[:2] in ("a_", "b_") and o[2:] in keys) or o in ("l_id", "l_n", "g")]

    def key_of(self, q, row):
        return tuple((k, json.dumps(row.get(k), ensure_ascii=False)) for k in self.key_outputs(q))

    @staticmethod
    def column_label(q, name):
        """An output column as table.column (aggregates: count/min/max of table.column)."""
        if name.startswith("a_"):
            return "%s.%s" % (q.table, name[2:])
        if name.startswith("b_") and q.other:
            return "%s.%s" % (q.other[0], name[2:])
        if name == "n":
            return "count(*) over %s" % q.table + (" GROUP BY %s" % q.group_col if q.shape == "group" else "")
        for prefix, agg in (("n_", "count"), ("min_", "min"), ("max_", "max")):
            if name.startswith(prefix):
                return "%s(%s.%s)" % (agg, q.table, name[len(prefix):])
        return name

    def classify(self, q, out):
        labels = set()
        by_key_f, by_key_l = {}, {}
        for row in out.only_f:
            by_key_f.setdefault(self.key_of(q, row), []).append(row)
        for row in out.only_l:
            by_key_l.setdefault(self.key_of(q, row), []).append(row)
        for k in set(by_key_f) | set(by_key_l):
            fs, ls = by_key_f.get(k, []), by_key_l.get(k, [])
            for a, b in zip(fs, ls):
                diff = [self.column_label(q, c) for c in q.outputs() if a.get(c) != b.get(c)]
                labels.add("values differ: " + ", ".join(diff))
            if len(fs) > len(ls):
                labels.add("%s: rows only in the foreign answer" % q.table)
            if len(ls) > len(fs):
                labels.add("%s: rows missing from the foreign answer" % q.table)
        return labels

    # -- presentation -----------------------------------------------------

    def rows_text(self, q, out, limit=6):
        lines = []
        by_key_f, by_key_l = {}, {}
        for row in out.only_f:
            by_key_f.setdefault(self.key_of(q, row), []).append(row)
        for row in out.only_l:
            by_key_l.setdefault(self.key_of(q, row), []).append(row)
        shown = 0
        for k in sorted(set(by_key_f) | set(by_key_l)):
            fs, ls = by_key_f.get(k, []), by_key_l.get(k, [])
            key = ", ".join("%s=%s" % (name, v) for name, v in k) or "(no key column)"
            for a, b in zip(fs, ls):
                diff = [c for c in q.outputs() if a.get(c) != b.get(c)]
                lines.append("%s: %s" % (key, "; ".join("%s foreign %s, truth %s" % (c, short(a.get(c)), short(b.get(c)))
                                                       for c in diff)))
                shown += 1
            for extra in fs[len(ls):]:
                lines.append("%s: only in the foreign answer%s" %
                             (key, "" if k else " " + short(extra, 200)))
                shown += 1
            for missing in ls[len(fs):]:
                lines.append("%s: missing from the foreign answer%s" %
                             (key, "" if k else " " + short(missing, 200)))
                shown += 1
            if shown >= limit:
                break
        if len(out.only_f) + len(out.only_l) > shown or out.diff_f + out.diff_l > len(out.only_f) + len(out.only_l):
            lines.append("… in all %d rows only in the foreign answer and %d only in the truth's "
                         "(foreign %d rows, truth %d)" % (out.diff_f, out.diff_l, out.n_f, out.n_l))
        return "\n".join(lines)

    def explain(self, q):
        s = self.s
        self.set_gucs(q, True)
        try:
            if q.mode == "prepared":
                params = []
                sql = q.sql(q.server, params)
                s.run("SET plan_cache_mode = force_generic_plan")
                s.run("DEALLOCATE ALL")
                s.run("PREPARE o_p%s AS %s" % ("(%s)" % ", ".join(p.typ for p in params) if params else "", sql))
                r = s.run("EXPLAIN (VERBOSE, COSTS OFF) EXECUTE o_p%s" %
                          ("(%s)" % ", ".join(p.inline() for p in params) if params else ""))
                s.run("DEALLOCATE ALL")
                s.run("RESET plan_cache_mode")
            else:
                r = s.run("EXPLAIN (VERBOSE, COSTS OFF) " + q.sql(q.server))
        finally:
            self.set_gucs(q, False)
        return "\n".join(row[0] for row in r.rows) if r.ok else r.describe()

    def reproduction(self, q):
        lines = []
        if q.gucs:
            lines.append(" ".join("SET %s = %s;" % kv for kv in sorted(q.gucs.items())))
        if q.mode == "prepared":
            params = []
            sql = q.sql(q.server, params)
            lines.append("SET plan_cache_mode = force_generic_plan;")
            lines.append("PREPARE p%s AS %s;" % ("(%s)" % ", ".join(p.typ for p in params) if params else "", sql))
            lines.append("EXECUTE p%s;" % ("(%s)" % ", ".join(short(p.inline(), 80) for p in params) if params else ""))
        elif q.mode == "cursor":
            lines.append("BEGIN; DECLARE c CURSOR FOR %s;" % q.sql(q.server))
            lines.append("FETCH %s FROM c; ... (chunks %s)" % (q.fetch_sizes[0], q.fetch_sizes))
        else:
            sql = q.sql(q.server)
            lines.append(sql + ";")
        text = "\n".join(lines)
        return re.sub(r"'([^']{120})[^']{40,}'", lambda m: "'" + m.group(1) + "…'", text)


# ---------------------------------------------------------------------------


def where_columns(q):
    """The columns the query's conditions name (with the shape): failures that agree on
    these and on their labels are taken as one cause without shrinking each."""
    text = q.where.render("a", None) if q.where is not None else ""
    if q.other is not None and q.other[3] is not None:
        text += " " + q.other[3].render("b", None)
    return (q.table, q.shape, frozenset(re.findall(r"\b([ab])\.(\w+)", text)))


def where_pattern(q):
    """The minimal query's conditions with the literals blanked."""
    text = q.where.render("a", None) if q.where is not None else ""
    text = re.sub(r"'(?:[^']|'')*'", "?", text)
    return (q.shape, re.sub(r"\s+", " ", text))


def shrink(runner, q, out, budget, seconds=30.0):
    """Greedy: the first simpler variant that still fails the same way, until none does
    (at most `budget` attempts and about `seconds`)."""
    stop = time.time() + seconds
    best, best_out = q, out
    keep = set()
    for label in out.labels:
        if label.startswith("values differ: "):
            keep |= {col for table, col in re.findall(r"(\w+)\.(\w+)", label) if table == q.table}
    keep |= set(gen.KEYS.get(q.table, []))
    tries = 0
    improved = True
    while improved and tries < budget:
        improved = False
        for cand in best.shrinks(keep):
            if cand.size() >= best.size() and cand.mode == best.mode and cand.server == best.server:
                continue
            if q.table in gen.NEEDS_CONDITION and not gen.required_present(cand.where):
                continue  # the table needs its condition: without it the error is a different story
            tries += 1
            o = runner.check(cand)
            if o.failed and o.labels and o.labels <= best_out.labels | out.labels:
                best, best_out = cand, o
                improved = True
                break
            if tries >= budget or time.time() > stop:
                tries = budget
                break
    return best, best_out, tries


def run_queries(runner, queries, report, n, deadline, shrink_budget, shrink_seconds, seen=None, prefix="query"):
    """Checks n queries from the iterator `queries`; failures are grouped in `seen`."""
    shrink_until = time.time() + shrink_seconds
    seen = {} if seen is None else seen
    invalid = 0
    slow = []
    for i in range(n):
        if time.time() > deadline:
            report.note("time limit reached after %d of %d queries" % (i, n))
            break
        q = next(queries, None)
        if q is None:
            break
        t0 = time.time()
        out = runner.check(q)
        slow.append((time.time() - t0, i + 1, q))
        if out.invalid is not None:
            invalid += 1
            if report.verbose:
                print("skip (not valid SQL over the copies: %s): %s" % (out.invalid[:100], q.sql("orca")[:200]))
            continue
        name = "%s %d (%s, %s)" % (prefix, i + 1, q.table, q.shape)
        if out.slow:
            report.slow.append("%s: cancelled after %s with %d ORCA calls made: %s" %
                               (name, STATEMENT_TIMEOUT, out.calls, short(runner.reproduction(q), 400)))
            print("SLOW " + report.slow[-1], flush=True)
            continue
        if not out.failed:
            report.ok(name)
            continue
        # A failure like one seen already (same labels, WHERE over the same columns) is
        # counted there; a new one is shrunk, and merged when its minimal form is known.
        # Errors are keyed by their text alone: the text names the cause.
        sig = ("pre", out.labels, q.table if out.error else where_columns(q))
        if sig in seen:
            group = seen[sig]
            group["count"] += 1
            report.failed += 1
            print("FAIL %s: same failure as %s" % (name, group["first"]), flush=True)
            continue
        left = shrink_until - time.time()
        if left > 1:
            small, small_out, tries = shrink(runner, q, out, shrink_budget, min(30.0, left))
        else:
            small, small_out, tries = q, out, 0  # the shrinking time is used up: the query as generated
        minimal = ("min", small_out.labels, small.table, None if small_out.error else where_pattern(small))
        if minimal in seen:
            group = seen[minimal]
            seen[sig] = group
            group["count"] += 1
            report.failed += 1
            print("FAIL %s: shrinks to the same failure as %s" % (name, group["first"]), flush=True)
            continue
        group = {"first": name, "count": 1, "labels": sorted(small_out.labels), "table": q.table}
        seen[sig] = seen[minimal] = group
        text = ["failure: " + "; ".join(sorted(small_out.labels)),
                "minimal reproduction (%d shrink steps tried%s):" % (tries, ("; " + small.describe()) if small.describe() else ""),
                indent(runner.reproduction(small), "  ")]
        if small_out.error:
            text.append("foreign side: " + short(small_out.error, 400))
        else:
            text.append("rows only on each side (keys and differing columns):")
            text.append(indent(runner.rows_text(small, small_out), "  "))
            # Does the wrapper's own full scan agree with the foreign answer? Then the
            # value is wrong in every plan (a scan or truth issue), not in this plan.
            fs = runner.check(small, against="fullscan") if not runner.copies_stale else None
            if fs is not None:
                text.append("the same query over the full-scan copy (CREATE TABLE AS SELECT * FROM orca.t) %s" %
                            ("gives the same answer as the foreign side" if not fs.failed else
                             "gives another answer than the foreign side: the value depends on the plan"))
        text.append("EXPLAIN VERBOSE of the foreign side:")
        text.append(indent(runner.explain(small), "  "))
        if small is not q:
            text.append("original query: " + short(runner.reproduction(q), 700))
        report.fail(name, "\n".join(text))
        group["text"] = "\n".join(text)
    slow.sort(key=lambda x: -x[0])
    if report.verbose:
        for seconds, number, q in slow[:5]:
            print("slow: query %d %.1f s: %s" % (number, seconds, short(q.sql(q.server), 300)))
    return seen, invalid


def copies(world, report, sample_size=40):
    """Full-scan and per-id copies, compared with the truth and with each other."""
    s = world.s
    d = world.truth
    stay_ids = sorted({r["patient_id"] for r in d["admissions"]["rows"]})
    all_ids = [r["patient_id"] for r in d["patients"]["rows"]]
    rng = __import__("random").Random(7)
    dateless = [r["patient_id"] for r in d["patients"]["rows"] if r.get("create_date") is None]
    sample = sorted(set(rng.sample(all_ids, min(sample_size, len(all_ids))) + dateless[:3] + stay_ids[:5]))
    made = {}

    def make(schema, t, sql):
        s.run("DROP TABLE IF EXISTS %s.%s" % (schema, t))
        t0 = time.time()
        r = s.run("CREATE TABLE %s.%s AS %s" % (schema, t, sql), deadline=600)
        if not r.ok:
            report.fail("copy/%s.%s" % (schema, t), "taking the copy failed: %s\n  %s" % (r.describe(), short(sql, 300)))
            return False
        made[(schema, t)] = time.time() - t0
        return True

    for t in TABLES:
        cols = world.collist(t)
        where = (" WHERE " + ALL_ROWS[t].format(today=d["patients"]["today"])) if t in ALL_ROWS else ""
        make("fullscan", t, "SELECT %s FROM orca.%s%s" % (cols, t, where))
        make("fulljson", t, "SELECT %s FROM orca_json.%s%s" % (cols, t, where))

    def batches(ids, size):
        return [ids[i:i + size] for i in range(0, len(ids), size)]

    # per-id copies: id batches (patients, admissions), one patient per statement (meals, and a sample)
    for t, ids, size in (("patients", all_ids, 100), ("admissions", stay_ids, 60)):
        cols = world.collist(t)
        parts = ["SELECT %s FROM orca.%s WHERE patient_id = ANY(%s::text[])" % (cols, t, gen.quote(gen.array_literal(b)))
                 for b in batches(ids, size)]
        make("perid", t, "SELECT * FROM (%s) x LIMIT 0" % parts[0])
        for p in parts:
            r = s.run("INSERT INTO perid.%s %s" % (t, p), deadline=600)
            if not r.ok:
                report.fail("copy/perid.%s" % t, "%s\n  %s" % (r.describe(), short(p, 200)))
                break
    cols = world.collist("meals")
    make("perid", "meals", "SELECT %s FROM orca.meals LIMIT 0" % cols)
    for pid in stay_ids:
        r = s.run("INSERT INTO perid.meals SELECT %s FROM orca.meals WHERE patient_id = %s" % (cols, gen.quote(pid)))
        if not r.ok:
            report.fail("copy/perid.meals", "patient %s: %s" % (pid, r.describe()))
            break
    for t in ("patients", "admissions"):
        cols = world.collist(t)
        make("perone", t, "SELECT %s FROM orca.%s LIMIT 0" % (cols, t))
        for pid in sample:
            r = s.run("INSERT INTO perone.%s SELECT %s FROM orca.%s WHERE patient_id = %s" % (t, cols, t, gen.quote(pid)))
            if not r.ok:
                report.fail("copy/perone.%s" % t, "patient %s: %s" % (pid, r.describe()))
                break

    # compare: every copy with the truth, and the copies with each other
    sample_filter = "patient_id = ANY(%s::text[])" % gen.quote(gen.array_literal(sample))
    checks = []
    for t in TABLES:
        checks.append(("fullscan", t, "truth", None))
        checks.append(("fulljson", t, "truth", None))
        checks.append(("fulljson", t, "fullscan", None))
    for t in ("patients", "admissions", "meals"):
        checks.append(("perid", t, "truth", None))
        checks.append(("perid", t, "fullscan", None))
    for t in ("patients", "admissions"):
        checks.append(("perone", t, "truth", sample_filter))
        checks.append(("perone", t, "perid", sample_filter))
    for schema, t, other, flt in checks:
        if (schema, t) not in made and (schema, t) not in [("perid", "patients"), ("perid", "admissions")]:
            continue
        name = "copy/%s.%s = %s.%s" % (schema, t, other, t)
        text = compare_relations(s, "%s.%s" % (schema, t), "%s.%s" % (other, t), t, world.columns[t],
                                 gen.KEYS[t], flt, schema, other)
        if text is None:
            report.ok(name)
        else:
            cols = re.findall(r"column (\w+) differs", text)
            report.fail(name, text, "copies of %s: %s" % (t, ("column " + ", ".join(cols)) if cols else "rows differ"))
    return made


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--user", default="ormaster")
    ap.add_argument("--password", default="ormaster")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-n", type=int, default=300, help="generated queries")
    ap.add_argument("--writes", type=int, default=12, help="registration sequences")
    ap.add_argument("--time-limit", type=float, default=0, help="seconds for the query phase (0 = none)")
    ap.add_argument("--shrink-budget", type=int, default=25, help="shrink attempts per new failure")
    ap.add_argument("--shrink-seconds", type=float, default=90, help="time for shrinking, all failures together")
    ap.add_argument("--skip-copies", action="store_true")
    ap.add_argument("--marker", help="file that gets 'passed failed' when the run ends")
    ap.add_argument("--exit-zero", action="store_true", help="exit 0 when the run completed (the marker has the counts)")
    ap.add_argument("--self-test", action="store_true",
                    help="run the queries over the truth copy instead of the foreign tables: every check must pass "
                         "(tests the oracle's own machinery: cursors, PREPARE, LIMIT, the comparisons)")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()

    started = time.time()
    if args.marker:
        with open(args.marker, "w") as f:
            f.write("started\n")
    report = Report(args.v)
    sim = Sim(args.sim_url)
    s = Session("oracle", STATEMENT_TIMEOUT)
    world = World(s, sim, args.sim_url, args.user, args.password, report)
    print("oracle: seed %d, %d queries, %d write sequences; truth loaded (%s) in %.1f s" %
          (args.seed, args.n, args.writes,
           ", ".join("%s %d" % (t, len(world.truth[t]["rows"])) for t in TABLES), time.time() - started), flush=True)
    s.must("DROP TABLE IF EXISTS lk_ids, lk_wards")
    domain = gen.Domain(world.truth, world.truth["patients"]["today"])
    make_local_tables(s, domain, args.seed)
    if not args.skip_copies:
        t0 = time.time()
        try:
            copies(world, report)
        except RuntimeError as e:  # the backend died
            report.fail("copies", short(str(e), 600), "copies: the backend died (a crash?)")
            world.revive()
        print("oracle: copies taken and compared in %.1f s" % (time.time() - t0), flush=True)
    runner = Runner(world, report)
    generator = gen.Generator(args.seed, domain, world.columns, world.have_icu)
    t0 = time.time()
    deadline = t0 + args.time_limit if args.time_limit else float("inf")
    generated = iter(generator.query, None)
    if args.self_test:
        def over_truth():
            while True:
                q = generator.query()
                q.server = "truth"
                yield q
        generated = over_truth()
    groups, invalid = run_queries(runner, generated, report, args.n, deadline, args.shrink_budget,
                                  args.shrink_seconds)
    print("oracle: %d query runs (shrinking included) in %.1f s; %d generated queries not valid SQL over the copies, skipped" %
          (runner.calls, time.time() - t0, invalid), flush=True)
    if args.writes:
        import writes
        t0 = time.time()
        pool = writes.run(world, report, args.seed, args.writes).pool
        print("oracle: %d write sequences in %.1f s" % (args.writes, time.time() - t0), flush=True)
        # The registrations put meals after this month, old birth dates, new names: query again.
        t0 = time.time()
        world.reload_truth()
        runner.copies_stale = True
        generator.d = gen.Domain(world.truth, world.truth["patients"]["today"])
        probes = iter(name_probes(pool, world.columns["patients"]) + [generator.query() for _ in range(args.n // 5)])
        run_queries(runner, probes, report, 10 ** 6, deadline, args.shrink_budget, args.shrink_seconds / 3,
                    groups, "after writes: query")
        print("oracle: queries after the writes in %.1f s" % (time.time() - t0), flush=True)
    world.s.close()

    distinct = {}
    for g in groups.values():
        distinct[id(g)] = g
    if distinct or report.groups:
        print("\nDistinct failures:")
        for label, names in sorted(report.groups.items()):
            print("  %s: %s" % (label, ", ".join(names)))
        for g in sorted(distinct.values(), key=lambda g: (g["table"], g["first"])):
            print("  %s: %d queries, first %s: %s" % (g["table"], g["count"], g["first"], "; ".join(g["labels"])))
    if report.slow:
        print("\nSlow queries (cancelled by statement_timeout while calling ORCA; not counted, since how many calls fit "
              "in %s depends on the machine):" % STATEMENT_TIMEOUT)
        for line in report.slow:
            print("  " + line)
    print("oracle: %.0f s in all" % (time.time() - started))
    print("%d passed, %d failed" % (report.passed, report.failed))
    if args.marker:
        with open(args.marker, "w") as f:
            f.write("%d %d\n" % (report.passed, report.failed))
    return 1 if report.failed and not args.exit_zero else 0


def name_probes(pool, columns):
    """Name searches for the patients the writes registered (old birth dates, fresh names)."""
    out = []
    names = [c for c, _ in columns]
    for p in pool:
        if p.id is None or p.deleted or "whole_name" not in names:
            continue
        family = p.name.split("\u3000")[0]
        birth = gen.Lit(p.birth, "date")
        out.append(gen.Query("patients", "simple", ["patient_id", "whole_name", "birth_date", "sex"],
                             gen.Pred("{a}.whole_name = {0}", [gen.Lit(p.name, "text")])))
        out.append(gen.Query("patients", "simple", ["patient_id", "whole_name_in_kana", "birth_date"],
                             gen.And([gen.Pred("{a}.whole_name_in_kana LIKE {0}", [gen.Lit(p.kana[:3] + "%", "text")]),
                                      gen.Pred("{a}.birth_date BETWEEN {0} AND {1}", [birth, birth])])))
        out.append(gen.Query("patients", "simple", ["patient_id", "whole_name", "birth_date"],
                             gen.And([gen.Pred("{a}.whole_name LIKE {0}", [gen.Lit(family + "%", "text")]),
                                      gen.Pred("{a}.birth_date <= {0}", [birth])])))
    return out


def make_local_tables(s, d, seed):
    """Local tables the queries join: duplicate and NULL keys, unknown ids, two spellings of one id."""
    rng = __import__("random").Random(seed)
    ids = rng.sample(d.ids, 6) + rng.sample(d.inpatients, min(2, len(d.inpatients))) + \
        rng.sample(d.former, min(2, len(d.former))) + d.dateless[:1] + d.test_ids[:1]
    rows = ids + ids[:3] + [None, None, "9" * d.width, str(int(ids[0])), "0" * 20 + ids[1], "", ids[2] + " "]
    values = ", ".join("(%s, %d)" % ("NULL" if v is None else gen.quote(v), i + 1) for i, v in enumerate(rows))
    s.must("CREATE TABLE lk_ids (id text, n int)")
    s.must("INSERT INTO lk_ids VALUES " + values)
    s.must("CREATE TABLE lk_wards (ward text, n int)")
    s.must("INSERT INTO lk_wards VALUES ('01', 1), ('01', 2), ('02', 3), (NULL, 4), ('99', 5), ('1', 6), ('04', 7)")
    s.must("ANALYZE lk_ids")
    s.must("ANALYZE lk_wards")


if __name__ == "__main__":
    sys.exit(main())
