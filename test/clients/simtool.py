#!/usr/bin/env python3
"""simtool.py — orca-sim's control endpoints for the client driver tests
(test/clients/), python3 stdlib only, for /usr/bin/python3 (Debian's drivers).

  simtool.py truth-tsv FILE    the ground truth of patients (GET /__sim/truth/patients):
                               patient_id, whole_name, whole_name_in_kana, birth_date,
                               create_date per line, tab-separated, NULL as \\N; FILE.columns gets the
                               table's column names, one a line (for the Java test)
The simulator's URL comes from $ORCA_SIM_URL.
"""
import json
import os
import sys
import urllib.request

BASE = os.environ.get("ORCA_SIM_URL", "").rstrip("/")


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read().decode() or "null")


def reset():
    call("POST", "/__sim/reset")


def stats():
    return call("GET", "/__sim/stats")


def total():
    return stats()["total"]


def in_flight():
    return stats()["in_flight"]


def slow(delay_ms):
    call("POST", "/__sim/fault", {"mode": "slow", "count": 1, "delay_ms": delay_ms})


def truth(table, **filters):
    q = "&".join("%s=%s" % kv for kv in filters.items())
    return call("GET", "/__sim/truth/%s%s" % (table, "?" + q if q else ""))


TRUTH_COLUMNS = ("patient_id", "whole_name", "whole_name_in_kana", "birth_date", "create_date")


def main(argv):
    if argv[1] == "truth-tsv":
        doc = truth("patients")
        with open(argv[2], "w", encoding="utf-8") as out:
            for row in sorted(doc["rows"], key=lambda r: r["patient_id"]):
                out.write("\t".join("\\N" if row[c] is None else row[c] for c in TRUTH_COLUMNS) + "\n")
        with open(argv[2] + ".columns", "w", encoding="utf-8") as out:
            for c in doc["columns"]:
                out.write(c["name"] + "\n")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
