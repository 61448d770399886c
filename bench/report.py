"""report.py — renders bench/out/results.json (written by bench.py) as bench/RESULTS.md.

    python3 bench/report.py [bench/out/results.json] > bench/RESULTS.md
"""
import json
import statistics
import sys


def ms(v):
    if v is None:
        return "—"
    if v >= 10000:
        return "%.1f s" % (v / 1000)
    if v >= 100:
        return "%.0f ms" % v
    return "%.1f ms" % v


def ratio(a, b):
    if not a or not b:
        return None
    return a / b


def paired(s, base, field="all_ms"):
    """Median over rounds of s/base (runs were interleaved round by round)."""
    a, b = s.get(field) or [], base.get(field) or []
    if a and len(a) == len(b) and all(b):
        return statistics.median([p / q for p, q in zip(a, b)])
    key = "median_" + field[len("all_"):]
    return ratio(s.get(key), base.get(key))


def x(v, digits=2):
    return "—" if v is None else ("%." + str(digits) + "f×") % v


def spread(s):
    if s["reps"] == 1:
        return "1 run"
    return "%s – %s (%d runs)" % (ms(s["min_ms"]), ms(s["max_ms"]), s["reps"])


def calls(s):
    bp = ", ".join("%s %d" % (k, v) for k, v in sorted(s["by_path"].items()))
    flag = "" if s.get("calls_agree", True) else " (varied between runs)"
    return "%d (%s)%s" % (s["calls"], bp, flag)


def verdict(ok, why=None):
    """ok None: not measured.  why: the reason a check failed (shown with **missed**)."""
    if ok is None:
        return "not measured"
    if ok:
        return "met"
    return "**missed**" + (" (%s)" % why if why else "")


def same_run(s, want_result, want_by_path=None):
    """(ok, why): a series gave want_result in every run and, if given, the calls per API of want_by_path."""
    if s is None:
        return None, None
    why = []
    if not s.get("results_agree", True):
        why.append("results varied between runs")
    if want_result is not None and s["result"] != str(want_result):
        why.append("result %s, expected %s" % (s["result"], want_result))
    if not s.get("calls_agree", True):
        why.append("calls varied between runs")
    if want_by_path is not None and s["by_path"] != want_by_path:
        why.append("calls %s, expected %s" % (calls(s), ", ".join("%s %d" % kv for kv in sorted(want_by_path.items()))))
    return not why, "; ".join(why) or None


def judged(ok_target, check, timing_judged=True):
    """Combine a target (bool or None) with a same_run check: a failed check fails the verdict.
    timing_judged False (quick mode): only the check is judged."""
    ok, why = check
    if ok_target is None:
        return verdict(None)
    if ok is False:
        return verdict(False, why)
    if not timing_judged:
        return "not judged (quick mode); result and calls as expected"
    return verdict(ok_target)


VERDICTS = []  # every verdict the report printed, for the closing count


def row_verdict(text):
    VERDICTS.append(text)
    return text


def err_for(r, *prefixes):
    for e in r.get("errors", []):
        if any(e["step"].startswith(p) for p in prefixes):
            return e["error"]
    if r.get("wrapper_error"):
        return "the wrapper could not be set up: " + r["wrapper_error"]
    return None


def not_measured(out, r, *prefixes):
    e = err_for(r, *prefixes)
    out.append("Not measured: " + ("\n\n```\n%s\n```" % e.strip()[-1500:] if e else "skipped in this run."))
    out.append("")


def render(r):
    out = []
    m = r.get("machine", {})
    del VERDICTS[:]
    out.append("# orca_fdw benchmark results")
    out.append("")
    out.append("Written by `bench/run.sh` (started %s, took %s s) on commit `%s`. Every ratio compares measurements "
               "taken in this same run on this machine; absolute times are context only. See `bench/README.md` for "
               "what each number means. Raw data: `bench/out/results.json`."
               % (r.get("started", "?"), r.get("elapsed_s", "?"), m.get("git", "?")))
    out.append("")
    if m.get("git_dirty"):
        out.append("**Measured on a tree with uncommitted changes** (`bench/run.sh --allow-dirty`): these numbers "
                   "belong to no commit. Changed: %s." % ", ".join("`%s`" % f for f in m["git_dirty"]))
        out.append("")
    if r.get("quick"):
        out.append("**Quick mode** (`--quick`): small simulators and one repetition, to check the harness. The "
                   "numbers are not results and the targets are not judged on them.")
        out.append("")

    # ---- summary ----
    rows = []
    c = r.get("concurrency")
    if c:
        ref = c.get("reference")
        want = (ref["parsed"].get("address1"), ref["by_path"]) if ref else (None, None)
        chk = [same_run(c["mcr%d" % n], *want) for n in (1, 4)]
        chk = next((x for x in chk if x[0] is False), chk[0])
    quick = bool(r.get("quick"))  # timings from quick mode are not judged; results and calls are
    rows.append(("1", "full scan with detail columns, max_concurrent_requests 1 → 4: speed-up (both with the result "
                 "and the calls of the sequential C++ client)",
                 x(c["speedup"]) if c else "—", "≥ 3×",
                 judged(c["speedup"] >= 3 if c else None, chk if c else (None, None), not quick)))
    rows.append(("1", "sim max_in_flight at max_concurrent_requests 4",
                 str(c["mcr4"]["max_in_flight"]) if c else "—", "≤ 4", verdict(c["mcr4"]["max_in_flight"] <= 4 if c else None)))
    g = r.get("gentleness")
    if g:
        gchk = same_run(g["throttled"], g["unthrottled"]["result"], g["unthrottled"]["by_path"])
    rows.append(("2", "sim max_per_second with max_requests_per_second 20 (same result and calls as unthrottled)",
                 str(g["throttled"]["max_per_second"]) if g else "—", "≤ 20",
                 judged(g["throttled"]["max_per_second"] <= 20 if g else None, gchk if g else (None, None))))
    ov = r.get("overhead", {})
    base = ov.get("baseline")
    bp = base["parsed"] if base else {}
    want_of = {"count": bp.get("rows"), "sum": bp.get("name_chars")}
    for key, label in (("wrapper_count_mcr1", "`count(*)`, %s patients, wrapper / C++ baseline (both sequential)"),
                       ("wrapper_sum_mcr1", "`sum(length(whole_name))`, %s patients, wrapper / C++ baseline (both "
                                            "sequential)")):
        s_ = ov.get(key)
        big_n = r.get("sims", {}).get("big", {}).get("patients", "?")
        rw = paired(s_, base, "all_warm_ms") if s_ and base else None
        rp = paired(s_, base, "all_process_ms") if s_ and base else None
        cr = paired(s_, base, "all_cpu_ms") if s_ and base else None
        target = None if rw is None or rp is None else (rw <= 1.3 and rp <= 1.3)
        chk = same_run(s_, want_of[key.split("_")[1]], base["by_path"]) if s_ and base else (None, None)
        rows.append(("3", label % big_n, "warm %s, whole process %s%s" % (x(rw), x(rp), " (client CPU %s)" % x(cr) if cr else ""),
                     "≤ 1.3× both ways", judged(target, chk, not quick)))
    for key, label, want in (("plpython", "plpython3u function (urllib + ElementTree) / C++ baseline",
                              bp.get("name_chars")),
                             ("etl", "Python script + `COPY` into a local table / C++ baseline",
                              "%s|%s" % (bp.get("rows"), bp.get("name_chars")))):
        s_ = ov.get(key)
        ok, why = same_run(s_, want, base["by_path"]) if s_ and base else (None, None)
        rows.append(("3", label + ": same result and calls as the baseline",
                     ("warm %s, whole process %s" % (x(paired(s_, base, "all_warm_ms")), x(paired(s_, base, "all_process_ms")))
                      if s_ and s_.get("all_warm_ms") else "whole process %s" % x(paired(s_, base, "all_process_ms")))
                     if s_ and base else "—", "same", verdict(ok, why)))
    mem = r.get("memory") or {}

    def growth(k):
        e = mem.get(k)
        return "+%.0f MB" % ((e["after"]["VmHWM"] - e["before"]["VmHWM"]) / 1024) if e else "—"
    sims_ = r.get("sims", {})
    rows.append(("3", "backend peak RSS growth of one full scan, %s → %s patients: basic columns; with "
                 "`whole_address1`" % (sims_.get("small", {}).get("patients", "?"), sims_.get("big", {}).get("patients", "?")),
                 "%s → %s; %s → %s" % (growth("small_basic"), growth("big_basic"),
                                       growth("small_detail"), growth("big_detail")), "—", ""))
    j = r.get("joins")
    if j:
        n = j.get("ids", 1000)
        fs_calls = j.get("full_scan", {}).get("calls")
        any_calls = -(-n // 100)
        cheaper = min(n, fs_calls) if fs_calls else n
        rows.append(("4", "`= ANY(ARRAY(SELECT …))` with %d ids: ORCA calls (checks batching: patientlst2v2, 100 ids "
                     "a call; result %d)" % (n, n), str(j["any"]["calls"]), "≤ %d" % any_calls,
                     judged(j["any"]["calls"] <= any_calls, same_run(j["any"], n))))
        if "lateral" in j:
            rows.append(("4", "join forced into a per-row nested loop with LATERAL: ORCA calls (checks one "
                         "parameterized call per local id, no more; result %d)" % n, str(j["lateral"]["calls"]),
                         "= %d" % n, judged(j["lateral"]["calls"] == n, same_run(j["lateral"], n))))
        for key, what in (("nl", "hash and merge join off"), ("default", "the planner's own choice")):
            if key in j:
                shape = ("batched join" if "OrcaBatchedJoin" in j[key].get("plan", "") else
                         "per-id calls" if "patientgetv2" in j[key]["by_path"] else "full scan")
                rows.append(("4", "join with %d local ids, %s: ORCA calls (checks that the plan costs no more calls "
                             "than the cheaper of one call per id (%d) and one full scan (%s); result %d) — plan: %s"
                             % (n, what, n, fs_calls if fs_calls is not None else "?", n, shape),
                             str(j[key]["calls"]), "≤ %d" % cheaper,
                             judged(j[key]["calls"] <= cheaper, same_run(j[key], n))))
        if "lateral" in j:
            rows.append(("4", "time: nested loop forced with LATERAL / `= ANY(ARRAY(…))`",
                         x(ratio(j["lateral"]["median_ms"], j["any"]["median_ms"]), 0), "—", ""))
    else:
        rows.append(("4", "joins with a local table", "—", "—", verdict(None)))
    bj = r.get("batch_join")
    if bj:
        n = bj.get("ids", 1000)
        for name, s_ in sorted(bj["sims"].items(), key=lambda kv: kv[1]["patients"]):
            b, h = s_["batched"], s_["hash"]
            want = -(-n // 100)
            rows.append(("6", "batched join, %d local ids, %s patients: ORCA calls (checks ceil(ids / 100) "
                         "patientlst2v2 calls and the hash join's answer)" % (n, s_["patients"]), str(b["calls"]),
                         "≤ %d" % want, judged(b["calls"] <= want and "OrcaBatchedJoin" in b.get("plan", ""),
                                               same_run(b, h["result"]))))
            rows.append(("6", "time: batched join / hash join over a full enumeration, %s patients" % s_["patients"],
                         x(ratio(b["median_ms"], h["median_ms"])), "—", ""))
    for row in rows:
        if row[4]:
            row_verdict(row[4])
    out.append("## Summary")
    out.append("")
    out.append("| # | measure | result | target | |")
    out.append("|---|---|---|---|---|")
    for row in rows:
        out.append("| %s |" % " | ".join(row))
    out.append("")

    # ---- machine and method ----
    out.append("## Machine and method")
    out.append("")
    out.append("| | |")
    out.append("|---|---|")
    for k, label in (("cpu", "CPU"), ("cores", "cores"), ("memory_gb", "memory (GB)"), ("os", "OS"),
                     ("kernel", "kernel"), ("postgresql", "PostgreSQL"), ("compiler", "compiler"),
                     ("libcurl", "libcurl"), ("libxml2", "libxml2"), ("python", "Python (driver, ETL)"),
                     ("git", "commit"), ("loadavg_at_start", "load average at start"),
                     ("loadavg_at_end", "load average at end")):
        if k in m:
            out.append("| %s | %s |" % (label, m[k]))
    if "git_dirty" in m:
        out.append("| uncommitted changes | %s |" % (", ".join(m["git_dirty"]) if m["git_dirty"] else "none"))
    out.append("")
    out.append("Simulators (all on this machine, loopback only; PostgreSQL, the clients and the simulators share "
               "the %s cores):" % m.get("cores", "?"))
    out.append("")
    out.append("| sim | used for | command | dateless patients |")
    out.append("|---|---|---|---|")
    use = {"lat20": "1 concurrency, 2 gentleness, 4 joins (server/schema `orca`)",
           "big": "3 overhead, memory at the larger size (server/schema `orca_big`)",
           "small": "memory at the smaller size (server/schema `orca_small`)"}
    for name, s in r.get("sims", {}).items():
        out.append("| %s | %s | `%s` | %s |" % (name, use.get(name, ""), s["cmd"], s.get("dateless", "?")))
    out.append("")
    reps = r.get("reps", {})
    out.append("Repetitions: %s per quick series, %s per slow series (the tables give the count); the **median** is "
               "reported, with min – max. SQL is timed inside the backend (`clock_timestamp()` around `EXECUTE`) "
               "after an untimed single-patient query in the same session (library loading, first connection). "
               "Variants compared with each other in sections 1 and 3 run interleaved, round by round, each SQL "
               "repetition in a fresh session; the other series run in one session each. External programs are "
               "timed as whole processes (start-up included). ORCA call counts are the simulator's `/__sim/stats`, "
               "reset before every repetition." % (reps.get("fast", "?"), reps.get("slow", "?")))
    out.append("")

    # ---- 1 ----
    out.append("## 1. Concurrency")
    out.append("")
    if c:
        lat = r["sims"]["lat20"]
        out.append("`%s` on the %s-patient simulator with %s ms latency per call."
                   % (c["query"], lat["patients"], lat["latency"]))
        out.append("")
        out.append("| max_concurrent_requests | median | min – max | ORCA calls | sim max_in_flight | result |")
        out.append("|---|---|---|---|---|---|")
        for n in (1, 4):
            s = c["mcr%d" % n]
            out.append("| %d | %s | %s | %s | %d | %s |" % (n, ms(s["median_ms"]), spread(s), calls(s),
                                                           s["max_in_flight"], s["result"]))
        out.append("")
        lat = r["sims"]["lat20"]["latency"]
        n4 = c["mcr4"]["calls"]
        out.append("Speed-up 1 → 4: **%s** (target ≥ 3×). Latency floor for %d calls: %s sequential, %s at 4 in "
                   "flight." % (x(c["speedup"]), n4, ms(n4 * lat), ms(n4 * lat / 4.0)))
        out.append("")
        ref = c.get("reference")
        if ref:
            exp = ref["parsed"].get("address1")
            same = all(c["mcr%d" % n]["by_path"] == ref["by_path"] for n in (1, 4))
            out.append("Reference: the sequential C++ client (`orca-baseline --detail`) makes %s and takes %s; it "
                       "counts %s patients with an address. The wrapper makes %s calls per API."
                       % (calls(ref), ms(ref["median_ms"]), exp, "the same" if same else "**different**"))
            bad = [n for n in (1, 4) if c["mcr%d" % n]["result"] != str(exp)]
            if bad:
                out.append("")
                out.append("**The wrapper's result differs** (%s instead of %s): the timings above are for a scan "
                           "that did not fetch what the query asks for, so the speed-up is not meaningful."
                           % (c["mcr%d" % bad[0]]["result"], exp))
            out.append("")
    else:
        not_measured(out, r, "concurrency")

    # ---- 2 ----
    out.append("## 2. Gentleness (max_requests_per_second)")
    out.append("")
    if g:
        t, u = g["throttled"], g["unthrottled"]
        lat = r["sims"]["lat20"]
        out.append("`%s` on the %s-patient simulator (%s ms latency), max_concurrent_requests 4."
                   % (g["query"], lat["patients"], lat["latency"]))
        out.append("")
        out.append("| max_requests_per_second | median | min – max | ORCA calls | sim max_per_second | sim max_in_flight |")
        out.append("|---|---|---|---|---|---|")
        out.append("| 0 (no limit) | %s | %s | %s | %d | %d |" % (ms(u["median_ms"]), spread(u), calls(u),
                                                                 u["max_per_second"], u["max_in_flight"]))
        out.append("| 20 | %s | %s | %s | **%d** | %d |" % (ms(t["median_ms"]), spread(t), calls(t),
                                                            t["max_per_second"], t["max_in_flight"]))
        out.append("")
        out.append("`max_per_second` is the simulator's densest sliding one-second window of request starts. "
                   "At 20 requests/s, %d calls cannot take less than %s; measured %s."
                   % (t["calls"], ms(g["min_possible_ms"]), ms(t["median_ms"])))
        out.append("")
    else:
        not_measured(out, r, "gentleness")

    # ---- 3 ----
    out.append("## 3. Overhead against hand-written clients")
    out.append("")
    big = r.get("sims", {}).get("big", {})
    out.append("Full scan of %s patients, simulator latency 0 ms (so the numbers are dominated by client-side work "
               "plus the simulator's own CPU time on the same cores). Each variant is timed two ways: *warm* — the "
               "client is running and connected (orca_fdw and plpython3u: `clock_timestamp()` around the query in "
               "a backend after a warm-up; the baseline: its own clock from its first request to its last row) — "
               "and *whole process* — from process start to exit (`psql -c QUERY`, which includes connecting, "
               "starting the backend, loading the library and the first ORCA connection; the baseline and the "
               "ETL script as programs). The ETL script has only a whole-process time." % big.get("patients", "?"))
    out.append("")
    if base:
        out.append("| variant | warm (median) | **warm ratio** | whole process (median) | min – max | **process ratio** "
                   "| client CPU | CPU ratio | sim CPU | ORCA calls | result |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|")
        labels = [
            ("baseline", "**baseline**: C++17, libcurl easy + libxml2 SAX, sequential (`bench/baseline.cpp`)"),
            ("wrapper_count_mcr1", "orca_fdw `SELECT count(*)`, max_concurrent_requests 1"),
            ("wrapper_sum_mcr1", "orca_fdw `SELECT sum(length(whole_name))`, max_concurrent_requests 1"),
            ("wrapper_count_mcr4", "orca_fdw `SELECT count(*)`, max_concurrent_requests 4"),
            ("wrapper_sum_mcr4", "orca_fdw `SELECT sum(length(whole_name))`, max_concurrent_requests 4"),
            ("plpython", "plpython3u function (urllib + ElementTree), `sum(length(whole_name))`"),
            ("etl", "Python script (urllib + ElementTree) → `COPY` into a local table, then the query"),
        ]
        for key, label in labels:
            s_ = ov.get(key)
            if not s_:
                out.append("| %s | not measured | | | | | | | | | |" % label)
                continue
            res = s_["result"].replace("|", ", ")
            if key == "baseline":
                res = "rows=%s, name_chars=%s" % (s_["parsed"].get("rows"), s_["parsed"].get("name_chars"))
            pms = s_.get("all_process_ms") or []
            rng = "%s – %s" % (ms(min(pms)), ms(max(pms))) if len(pms) > 1 else "%d run" % len(pms)
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                label, ms(s_.get("median_warm_ms")), x(paired(s_, base, "all_warm_ms")),
                ms(s_.get("median_process_ms")), rng, x(paired(s_, base, "all_process_ms")),
                ms(s_.get("median_cpu_ms")), x(paired(s_, base, "all_cpu_ms")), ms(s_.get("median_sim_cpu_ms")),
                calls(s_), res))
        out.append("")
        out.append("Ratios are the median over rounds of (variant ÷ baseline in the same round, measured the same "
                   "way); the variants ran interleaved, one round after the other. *Client CPU*: CPU time of the process doing the client "
                   "work — the PostgreSQL backend for orca_fdw and plpython3u (`time.process_time()` around the "
                   "query), the process (with its children) for the baseline and the ETL script (python + psql; "
                   "the backend that executes the COPY is not included). *Sim CPU*: the simulator's CPU time "
                   "during the run (`/proc/<pid>/stat`, 10 ms ticks). Wall time ≈ client CPU + sim CPU when calls "
                   "are sequential, since both share the machine.")
        out.append("")
        chk = []
        bp = base["parsed"]
        for key in ("wrapper_count_mcr1", "wrapper_count_mcr4"):
            if key in ov:
                chk.append(ov[key]["result"] == str(bp.get("rows")))
        for key in ("wrapper_sum_mcr1", "wrapper_sum_mcr4", "plpython"):
            if key in ov:
                chk.append(ov[key]["result"] == str(bp.get("name_chars")))
        if "etl" in ov:
            chk.append(ov["etl"]["result"] == "%s|%s" % (bp.get("rows"), bp.get("name_chars")))
        if chk:
            out.append("Results agree with the baseline's row count and name length sum: **%s**."
                       % ("yes" if all(chk) else "NO — see the result column"))
            out.append("")
        diff = [k for k, _ in labels if k in ov and ov[k]["by_path"] != base["by_path"]]
        out.append("Same ORCA calls per API as the baseline: **%s**." % (
            "yes, for every variant" if not diff else "NO for " + ", ".join(diff)))
        out.append("")
        out.append("The wrapper target (≤ 1.3×, warm and whole process alike, with the baseline's result and calls) "
                   "is judged on max_concurrent_requests 1, which makes the same calls one at a time like the "
                   "baseline; the max_concurrent_requests 4 rows show what the default setting does on this machine.")
        out.append("")
    else:
        not_measured(out, r, "overhead")
    if not any(k.startswith("wrapper_") for k in ov) and base:
        out.append("Wrapper rows not measured:")
        out.append("")
        not_measured(out, r, "overhead: wrapper")

    out.append("### Backend memory")
    out.append("")
    mem = r.get("memory")
    if mem:
        out.append("Peak resident set (`VmHWM` from `/proc/<pg_backend_pid()>/status`, read with `pg_read_file` in "
                   "the same session) of a fresh backend: *before* = after connecting, loading plpython and "
                   "the wrapper and making one single-patient call; *after* = after one full scan. Default "
                   "max_concurrent_requests 4.")
        out.append("")
        out.append("| patients | query | VmHWM before | VmHWM after | growth | VmRSS after the scan | time | ORCA calls | result |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for key in ("small_basic", "big_basic", "small_detail", "big_detail"):
            e = mem.get(key)
            if not e:
                continue
            b, a = e["before"]["VmHWM"], e["after"]["VmHWM"]
            out.append("| %d | `%s` | %.1f MB | %.1f MB | **%.1f MB** | %.1f MB | %s | %d | %s%s |" % (
                e["patients"], e["query"], b / 1024, a / 1024, (a - b) / 1024, e["after"]["VmRSS"] / 1024,
                ms(e["ms"]), e["calls"], e["result"],
                "" if key.endswith("basic") or e["result"] == str(e["patients"])
                else " (**expected %d**)" % e["patients"]))
        out.append("")
        sb, bb = mem.get("small_basic"), mem.get("big_basic")
        if sb and bb:
            gs = sb["after"]["VmHWM"] - sb["before"]["VmHWM"]
            gb = bb["after"]["VmHWM"] - bb["before"]["VmHWM"]
            sd, bd = mem.get("small_detail"), mem.get("big_detail")
            gd = gbd = None
            if sd and bd:
                gd = sd["after"]["VmHWM"] - sd["before"]["VmHWM"]
                gbd = bd["after"]["VmHWM"] - bd["before"]["VmHWM"]
            out.append("Growth at %s ÷ growth at %s patients: basic columns %s, with `whole_address1` %s — about 1× means "
                       "memory does not grow with the table, about 10× means the scan holds (nearly) all rows at "
                       "once. *VmRSS after the scan* is what the idle backend keeps resident once the query is over."
                       % (bb["patients"], sb["patients"], x(gb / gs, 1) if gs > 0 else "—", x(gbd / gd, 1) if gd else "—"))
            out.append("")
    else:
        not_measured(out, r, "memory")

    # ---- 4 ----
    out.append("## 4. Joins with a local table")
    out.append("")
    if j:
        n = j.get("ids", 1000)
        lat = r.get("sims", {}).get("lat20", {})
        out.append("`local_ids` holds %d patient ids (every 20th patient) of the %s-patient simulator "
                   "(%s ms latency). Every query counts the matching patients' names (expected: %d). One full scan "
                   "(`%s`) makes %s calls." % (n, lat.get("patients", "?"), lat.get("latency", "?"), n,
                                               j.get("full_scan", {}).get("query", "?"),
                                               j.get("full_scan", {}).get("calls", "?")))
        out.append("")
        out.append("What each join target checks: (a) `= ANY(ARRAY(…))` is batched, 100 ids a call; (b) and (d) "
                   "the plan makes no more calls than the cheaper of its two sensible shapes — one parameterized "
                   "call per local id, or one full scan on the other side of the join (with hash and merge join off, "
                   "a full scan outside a nested loop is legitimate and cheaper); (c) a parameterized scan makes "
                   "exactly one call per outer row. Each also checks the answer: %d names." % n)
        out.append("")
        out.append("| # | query | settings | median | min – max | ORCA calls | ratio to ANY | result |")
        out.append("|---|---|---|---|---|---|---|---|")
        a_ms = j["any"]["median_ms"]
        for i, key in enumerate(j.get("variants", [])):
            s_ = j[key]
            out.append("| %s | `%s` | %s | %s | %s | %s | %s | %s%s |" % (
                chr(ord("a") + i), s_["query"], s_["settings"], ms(s_["median_ms"]), spread(s_), calls(s_),
                x(ratio(s_["median_ms"], a_ms), 1), s_["result"],
                "" if s_["result"] == str(n) else " (**expected %d**)" % n))
        out.append("")
        for i, key in enumerate(j.get("variants", [])):
            out.append("Plan %s:" % chr(ord("a") + i))
            out.append("")
            out.append("```")
            out.append(j[key]["plan"])
            out.append("```")
            out.append("")
    else:
        not_measured(out, r, "joins")

    # ---- 6 (batched joins; rendered before 5's text so the numbering in the summary holds) ----
    bj = r.get("batch_join")
    bj_out = ["## 6. Batched joins", ""]
    if bj:
        n = bj.get("ids", 1000)
        bj_out.append("`bj_ids_<sim>` holds %d patient ids spread over each simulator's patients. The batched join "
                      "(`Custom Scan (OrcaBatchedJoin)`, the planner's choice) probes ORCA with 100 distinct ids a "
                      "batch; its baseline, in the same run and interleaved with it, is the hash join over one full "
                      "enumeration of the patients (`orca_fdw.enable_batched_join`, nested loop and merge join off). "
                      "Ratios are batched / hash." % n)
        bj_out.append("")
        bj_out.append("| patients | latency | plan | median | min – max | ORCA calls | ratio to hash | result |")
        bj_out.append("|---|---|---|---|---|---|---|---|")
        for name, s_ in sorted(bj["sims"].items(), key=lambda kv: kv[1]["patients"]):
            for key in ("hash", "batched"):
                v = s_[key]
                bj_out.append("| %s | %s ms | %s (%s) | %s | %s | %s | %s | %s |" % (
                    s_["patients"], s_["latency"], key, v["settings"], ms(v["median_ms"]), spread(v), calls(v),
                    x(ratio(v["median_ms"], s_["hash"]["median_ms"])), v["result"]))
        bj_out.append("")
        for name, s_ in sorted(bj["sims"].items(), key=lambda kv: kv[1]["patients"]):
            for key in ("hash", "batched"):
                bj_out += ["Plan, %s patients, %s:" % (s_["patients"], key), "", "```", s_[key]["plan"], "```", ""]
    else:
        bj_out.append("Not measured in this run (`bench/run.sh --only batchjoin`).")
        bj_out.append("")

    # ---- 5 ----
    out.append("## 5. Per-transaction read cache")
    out.append("")
    out.append("Not implemented: orca_fdw has no per-transaction read cache yet, so there is nothing to measure. "
               "No numbers are given on purpose.")
    out.append("")

    out += bj_out

    missed = sum(1 for v in VERDICTS if v.startswith("**missed**"))
    met = sum(1 for v in VERDICTS if v == "met")
    out.append("## Verdicts")
    out.append("")
    out.append("%d met, %d missed, %d not measured or not judged." % (met, missed, len(VERDICTS) - met - missed))
    out.append("")

    errs = r.get("errors", [])
    if errs or r.get("notes"):
        out.append("## Problems during this run")
        out.append("")
        for e in errs:
            out.append("- **%s**:" % e["step"])
            out.append("")
            out.append("  ```")
            for line in e["error"].strip().splitlines()[-15:]:
                out.append("  " + line)
            out.append("  ```")
        for n in r.get("notes", []):
            out.append("- " + n)
        out.append("")
    return "\n".join(out)


def missed():
    """Verdicts missed by the last render() (bench/run.sh exits 1 when there are any)."""
    return [v for v in VERDICTS if v.startswith("**missed**")]


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "bench/out/results.json"
    with open(path) as f:
        sys.stdout.write(render(json.load(f)))
    sys.exit(1 if missed() else 0)
