#!/usr/bin/env python3
"""simctl — talk to orca-sim's control endpoints from tests (python3 stdlib only).

  simctl.py reset                     counters to zero, faults cleared
  simctl.py stats [NAME ...]          "total=N name=n ..." (only the named APIs, or all)
  simctl.py fault MODE [k=v ...]      queue a fault, e.g. fault http500 count=1 path=/api01rv2/patientgetv2
  simctl.py summary KEY               one value of /__sim/summary (lists: their length)
  simctl.py ids KEY                   a list of /__sim/summary, comma-separated
  simctl.py truth TABLE [k=v ...]     the ground truth of a table (GET /__sim/truth/TABLE?k=v&...):
                                      one JSON object per row and line (load it with
                                      jsonb_populate_record)
  simctl.py truth-check TABLE ...     "TABLE: N inconsistencies" per table: rows on which the
                                      simulator's own APIs disagree (then the truth takes the first
                                      API's value), with the first one
  simctl.py registrations             the registration log since the last reset (GET
                                      /__sim/registrations): one JSON object per line

The simulator's URL comes from --url URL (first argument) or $ORCA_SIM_URL.
"""
import json
import os
import sys
import urllib.parse
import urllib.request


BASE = os.environ.get("ORCA_SIM_URL", "")


def call(method, path, body=None):
    url = BASE.rstrip("/") + path
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    req = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read().decode()


def main(argv):
    global BASE
    if len(argv) > 2 and argv[1] == "--url":
        BASE = argv[2]
        argv = argv[:1] + argv[3:]
    cmd = argv[1] if len(argv) > 1 else "stats"
    if cmd == "reset":
        call("POST", "/__sim/reset")
        return 0
    if cmd == "stats":
        st = json.loads(call("GET", "/__sim/stats"))
        by = {k.rsplit("/", 1)[-1]: v for k, v in st.get("by_path", {}).items() if v}
        names = argv[2:] or sorted(by)
        parts = ["total=%d" % st.get("total", 0)] + ["%s=%d" % (n, by.get(n, 0)) for n in names]
        print(" ".join(parts))
        return 0
    if cmd == "fault":
        spec = {"mode": argv[2], "count": 1}
        for kv in argv[3:]:
            k, v = kv.split("=", 1)
            spec[k] = int(v) if v.isdigit() and k in ("count", "delay_ms") else v
        call("POST", "/__sim/fault", spec)
        return 0
    if cmd == "ids":
        s = json.loads(call("GET", "/__sim/summary"))
        print(",".join(s.get(argv[2], [])))
        return 0
    if cmd == "truth":
        query = urllib.parse.urlencode([tuple(kv.split("=", 1)) for kv in argv[3:]])
        doc = json.loads(call("GET", "/__sim/truth/%s%s" % (urllib.parse.quote(argv[2]), "?" + query if query else "")))
        out = sys.stdout
        for row in doc["rows"]:
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        return 0
    if cmd == "truth-check":
        for table in argv[2:]:
            bad = json.loads(call("GET", "/__sim/truth/%s" % urllib.parse.quote(table))).get("inconsistencies", [])
            print("%s: %d inconsistencies%s" % (table, len(bad), (", e.g. " + json.dumps(bad[0], ensure_ascii=False)[:200])
                                                 if bad else ""))
        return 0
    if cmd == "registrations":
        doc = json.loads(call("GET", "/__sim/registrations"))
        for reg in doc["registrations"]:
            sys.stdout.write(json.dumps(reg, ensure_ascii=False, separators=(",", ":")) + "\n")
        return 0
    if cmd == "summary":
        s = json.loads(call("GET", "/__sim/summary"))
        v = s.get(argv[2])
        print(len(v) if isinstance(v, list) else v)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
