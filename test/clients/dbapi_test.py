#!/usr/bin/python3
"""dbapi_test.py --driver psycopg2|pyodbc — orca_fdw through a Python client
driver, as BI tools and scripts use it (issue 10 item 7).  Run by
test/clients/run.sh inside a scratch cluster (PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGDATABASE) with orca_fdw imported into schema orca and
$ORCA_SIM_URL naming orca-sim.  psycopg2 is libpq; pyodbc goes through
unixODBC and psqlODBC (odbc-postgresql).

  metadata   information_schema, col_description, the driver's own catalog
             calls (ODBC SQLTables/SQLColumns) and cursor.description of
             "WHERE 1 = 0" and "LIMIT 0" make no ORCA call (the simulator's stats), and the
             columns are the simulator's own list
  cursor     a server-side cursor (psycopg2 named cursor, itersize 7; ODBC
             UseDeclareFetch with Fetch=7) is open in pg_cursors while rows
             arrive; the rows, names in kanji and kana and dates as
             datetime.date, equal the simulator's ground truth; it costs the
             ORCA calls of the same query read at once
  param      a Japanese name sent as a parameter finds exactly its patients
  views      (psycopg2) a plain view over a foreign table reads ORCA with the
             view owner's user mapping, a security_invoker view with the
             caller's (README "BI tools")
  cancel     cancel() from another thread while ORCA is slow (the
             simulator's slow fault) ends the query with 57014 while the
             ORCA call is still in flight (so the backend did not wait for
             it), and the connection answers correctly afterwards.
             (pyodbc sets a query timeout through SQL_ATTR_CONNECTION_TIMEOUT,
             which psqlODBC refuses: JdbcTest.java tests setQueryTimeout.)
Prints PASS/FAIL lines.
"""
import argparse
import datetime
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simtool  # noqa: E402

SLOW_MS = 600000  # the suite ends (and stops the simulator, which cuts the wait short) long before
FAILED = 0
DRIVER = None


def check(ok, name, detail=""):
    global FAILED
    if not ok:
        FAILED += 1
    print("%s %s %s%s" % ("PASS" if ok else "FAIL", DRIVER, name, (": " + str(detail)) if not ok and detail != "" else ""),
          flush=True)
    return ok


def connect(declare_fetch=False):
    env = os.environ
    if DRIVER == "psycopg2":
        import psycopg2
        conn = psycopg2.connect("")
        conn.set_client_encoding("UTF8")
        return conn
    import pyodbc
    cs = ("Driver={PostgreSQL Unicode};Server=%s;Port=%s;Database=%s;Uid=%s;Pwd=%s;UseDeclareFetch=%d;Fetch=7"
          % (env.get("PGHOST", "localhost"), env["PGPORT"], env["PGDATABASE"], env["PGUSER"], env["PGPASSWORD"],
             1 if declare_fetch else 0))
    return pyodbc.connect(cs, autocommit=False)


def sqlstate(exc):
    if DRIVER == "psycopg2":
        return exc.pgcode
    return exc.args[0] if exc.args else None


def truth_rows():
    doc = simtool.truth("patients")
    rows = []
    for r in doc["rows"]:
        rows.append((r["patient_id"], r["whole_name"], r["whole_name_in_kana"],
                     None if r["birth_date"] is None else datetime.date.fromisoformat(r["birth_date"])))
    return sorted(rows), [c["name"] for c in doc["columns"]]


def rows_of(cur):
    return [tuple(r) for r in cur.fetchall()]


def is_kanji(ch):
    return "\u4e00" <= ch <= "\u9fff"


def is_katakana(ch):
    return "\u30a0" <= ch <= "\u30ff"


SELECT = "SELECT patient_id, whole_name, whole_name_in_kana, birth_date FROM orca.patients"


def test_metadata(truth_columns):
    conn = connect()
    simtool.reset()
    cur = conn.cursor()
    cur.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'orca' "
                "AND table_name = 'patients' ORDER BY ordinal_position")
    cols = [r[1] for r in cur.fetchall()]
    check(cols == truth_columns, "information_schema.columns lists the patients columns", cols)
    cur.execute("SELECT col_description('orca.patients'::regclass, 1), obj_description('orca.patients'::regclass)")
    col_comment, table_comment = cur.fetchone()
    check(col_comment is not None and col_comment.startswith("患者番号 / patient number") and "Patient_ID" in col_comment
          and table_comment is not None and table_comment.startswith("患者 / "),
          "the imported comments arrive in Japanese", (col_comment, table_comment))
    cur.execute("SELECT * FROM orca.patients WHERE 1 = 0")
    check([d[0] for d in cur.description] == truth_columns and cur.fetchall() == [],
          "cursor.description of WHERE 1 = 0", [d[0] for d in cur.description])
    cur.execute("SELECT * FROM orca.patients LIMIT 0")
    check([d[0] for d in cur.description] == truth_columns and cur.fetchall() == [],
          "cursor.description of LIMIT 0", [d[0] for d in cur.description])
    if DRIVER == "pyodbc":
        tables = {(r.table_name, r.table_type) for r in cur.tables(schema="orca")}
        check(("patients", "FOREIGN TABLE") in tables or ("patients", "TABLE") in tables,
              "SQLTables lists the foreign tables", sorted(tables))
        print("INFO pyodbc SQLTables table types: %s" % sorted({t for _, t in tables}), flush=True)
        cols = [r.column_name for r in cur.columns(table="patients", schema="orca")]
        check(cols == truth_columns, "SQLColumns lists the patients columns", cols)
        remarks = {r.column_name: r.remarks for r in cur.columns(table="patients", schema="orca")}
        print("INFO pyodbc SQLColumns REMARKS of patient_id: %r" % remarks.get("patient_id"), flush=True)
    conn.rollback()
    st = simtool.stats()
    check(st["total"] == 0, "the metadata calls made no ORCA call", st["by_path"])
    conn.close()


def test_cursor(truth):
    # the same query read at once: its ORCA calls
    conn = connect()
    simtool.reset()
    cur = conn.cursor()
    cur.execute(SELECT + " ORDER BY patient_id")
    at_once = rows_of(cur)
    calls_at_once = simtool.total()
    conn.rollback()
    conn.close()

    conn = connect(declare_fetch=True)
    simtool.reset()
    if DRIVER == "psycopg2":
        cur = conn.cursor(name="bi_cursor")
        cur.itersize = 7
        cur.execute(SELECT + " ORDER BY patient_id")
        it = iter(cur)
        first = [tuple(next(it)) for _ in range(3)]
    else:
        cur = conn.cursor()
        cur.execute(SELECT + " ORDER BY patient_id")
        first = [tuple(cur.fetchone()) for _ in range(3)]
    other = conn.cursor()
    other.execute("SELECT name, statement FROM pg_cursors")
    open_cursors = [tuple(r) for r in other.fetchall()]
    check(any("orca.patients" in (s or "") for _, s in open_cursors), "the rows come through a server-side cursor",
          open_cursors)
    if DRIVER == "psycopg2":
        got = first + [tuple(r) for r in it]
    else:
        got = first + rows_of(cur)
    calls = simtool.total()
    conn.rollback()
    conn.close()
    check(got == truth, "cursor rows equal the ground truth (%d rows)" % len(truth),
          "got %d rows, first difference %s" % (len(got), next(((a, b) for a, b in zip(got, truth) if a != b), None)))
    check(at_once == truth, "rows read at once equal the ground truth")
    check(all(isinstance(r[3], datetime.date) for r in got if r[3] is not None), "dates arrive as datetime.date",
          [type(r[3]) for r in got[:3]])
    # the check can fail: the simulator's names are kanji and full-width katakana
    check(any(any(is_kanji(c) for c in r[1]) for r in got) and all(all(is_katakana(c) or c == "\u3000" for c in r[2])
                                                                  for r in got if r[2]),
          "names arrive as kanji and katakana", got[:2])
    check(calls == calls_at_once and calls > 0, "the cursor costs the ORCA calls of the same query read at once",
          "%d calls through the cursor, %d at once" % (calls, calls_at_once))


def test_param(truth):
    conn = connect()
    cur = conn.cursor()
    name = next(r[1] for r in truth if r[1] and any(is_kanji(c) for c in r[1]))
    want = sorted(r for r in truth if r[1] == name)
    mark = "%s" if DRIVER == "psycopg2" else "?"
    cur.execute(SELECT + " WHERE whole_name = " + mark + " ORDER BY patient_id", (name,))
    got = rows_of(cur)
    check(got == want, "a kanji name as a parameter finds exactly its patients", (len(got), len(want)))
    conn.rollback()
    conn.close()


def test_views(truth):
    """README "BI tools": a view per foreign table.  A plain view reads ORCA with
    its owner's user mapping; WITH (security_invoker = true) with the caller's."""
    conn = connect()
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("DROP ROLE IF EXISTS bi_reader")
    cur.execute("CREATE ROLE bi_reader")
    # the reader's own ORCA credentials are wrong: which mapping a view uses shows
    cur.execute("CREATE USER MAPPING FOR bi_reader SERVER orca OPTIONS (user 'ormaster', password 'wrong')")
    cur.execute("CREATE SCHEMA IF NOT EXISTS bi")
    cur.execute("CREATE VIEW bi.patients_owner AS SELECT * FROM orca.patients")
    cur.execute("CREATE VIEW bi.patients_invoker WITH (security_invoker = true) AS SELECT * FROM orca.patients")
    cur.execute("GRANT USAGE ON SCHEMA bi, orca TO bi_reader")
    cur.execute("GRANT SELECT ON bi.patients_owner, bi.patients_invoker, orca.patients TO bi_reader")
    conn.autocommit = False
    pid = truth[5][0]
    want = [r for r in truth if r[0] == pid]
    mark = "%s" if DRIVER == "psycopg2" else "?"
    try:
        cur.execute("SET ROLE bi_reader")
        cur.execute("SELECT patient_id, whole_name, whole_name_in_kana, birth_date FROM bi.patients_owner "
                    "WHERE patient_id = " + mark, (pid,))
        check(rows_of(cur) == want, "a plain view reads ORCA with its owner's user mapping")
    except Exception as e:
        check(False, "a plain view reads ORCA with its owner's user mapping", e)
    conn.rollback()
    state = None
    try:
        cur.execute("SET ROLE bi_reader")
        cur.execute("SELECT patient_id FROM bi.patients_invoker WHERE patient_id = " + mark, (pid,))
        cur.fetchall()
    except Exception as e:
        state = sqlstate(e)
        print("INFO %s security_invoker view with the caller's wrong password: %s" % (DRIVER, str(e).splitlines()[0]),
              flush=True)
    check(state is not None and state.startswith("HV"),
          "a security_invoker view reads ORCA with the caller's user mapping (his wrong password: an HV error)", state)
    conn.rollback()
    conn.close()


def wait_in_flight(baseline):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if simtool.in_flight() > baseline:
            return True
        time.sleep(0.02)
    return False


def slow_query_cancelled(name, conn, arm, truth):
    """Runs a one-patient lookup while ORCA is slow; arm(cur, baseline) sets up the cancel."""
    pid = truth[len(truth) // 2][0]
    baseline = simtool.in_flight()
    simtool.slow(SLOW_MS)
    cur = conn.cursor()
    arm(cur, baseline)
    mark = "%s" if DRIVER == "psycopg2" else "?"
    state, rows = None, None
    t0 = time.monotonic()
    try:
        cur.execute(SELECT + " WHERE patient_id = " + mark, (pid,))
        rows = rows_of(cur)
    except Exception as e:  # the driver's own error class
        state = sqlstate(e)
        detail = str(e).splitlines()[0] if str(e) else ""
    elapsed = time.monotonic() - t0
    still = simtool.in_flight()
    print("INFO %s %s: returned after %.2f s (not asserted), sqlstate %s" % (DRIVER, name, elapsed, state), flush=True)
    check(rows is None and state in ("57014", "HY008", "HYT00"), name + " ends the query as cancelled",
          "rows %r, sqlstate %r" % (rows, state))
    check(still > baseline, name + " returns while the ORCA call is still in flight",
          "in flight %d, before %d" % (still, baseline))
    conn.rollback()
    cur = conn.cursor()
    want = [r for r in truth if r[0] == pid]
    cur.execute(SELECT + " WHERE patient_id = " + mark, (pid,))
    check(rows_of(cur) == want, name + ": the connection answers correctly afterwards")
    conn.rollback()


def test_cancel(truth):
    conn = connect()

    def arm(cur, baseline):
        def canceller():
            if wait_in_flight(baseline):
                (conn if DRIVER == "psycopg2" else cur).cancel()
        threading.Thread(target=canceller, daemon=True).start()

    slow_query_cancelled("cancel()", conn, arm, truth)
    conn.close()


def main():
    global DRIVER
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", choices=("psycopg2", "pyodbc"), required=True)
    DRIVER = ap.parse_args().driver
    truth, columns = truth_rows()
    tests = [lambda: test_metadata(columns), lambda: test_cursor(truth), lambda: test_param(truth),
             lambda: test_cancel(truth)]
    if DRIVER == "psycopg2":
        tests.append(lambda: test_views(truth))
    for t in tests:
        try:
            t()
        except Exception as e:  # a test that dies is a failure, and the others still run
            check(False, "test raised", "%s: %s" % (type(e).__name__, e))
    print("DONE " + DRIVER, flush=True)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
