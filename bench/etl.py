#!/usr/bin/python3
"""etl.py — the "copy it into PostgreSQL first" alternative to orca_fdw.

Fetches every patient with bench/orca_fetch.py (urllib + ElementTree, the same
calls as the wrapper's full scan) and streams the rows into a local table with
`psql -c "COPY ... FROM STDIN"` (TRUNCATE and COPY in one transaction), then
runs the benchmark's query on the local table and prints its result.

    etl.py --url http://127.0.0.1:PORT --table bench_patients_copy [--query SQL]

Connection settings come from the usual PG* environment variables.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orca_fetch  # noqa: E402


def copy_escape(v):
    if v is None:
        return "\\N"
    return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--table", default="bench_patients_copy")
    ap.add_argument("--query", default=None, help="query to run on the table afterwards")
    ap.add_argument("--user", default="ormaster")
    ap.add_argument("--password", default="ormaster")
    a = ap.parse_args()
    cols = ", ".join(c for c, _ in orca_fetch.BASIC_COLUMNS)
    query = a.query or "SELECT count(*), sum(length(whole_name)) FROM %s" % a.table
    cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
           "-c", "BEGIN", "-c", "TRUNCATE %s" % a.table,
           "-c", "COPY %s (%s) FROM STDIN" % (a.table, cols),
           "-c", "COMMIT", "-c", query]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    buf = []
    try:
        for row in orca_fetch.fetch_rows(a.url, a.user, a.password):
            buf.append("\t".join(copy_escape(v) for v in row))
            if len(buf) >= 1000:
                p.stdin.write(("\n".join(buf) + "\n").encode("utf-8"))
                buf.clear()
        if buf:
            p.stdin.write(("\n".join(buf) + "\n").encode("utf-8"))
    except BaseException:
        p.kill()
        raise
    out, _ = p.communicate()
    if p.returncode != 0:
        sys.exit("etl.py: psql failed (%d)" % p.returncode)
    sys.stdout.write(out.decode())


if __name__ == "__main__":
    main()
