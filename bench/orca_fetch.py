# orca_fetch.py — the Python comparison client: reads all patients of an ORCA
# server with urllib + xml.etree.ElementTree, making the same calls as orca_fdw's
# full scan and bench/baseline.cpp:
#   1. patientlst1v2 class=02 (by create date) from 1900-01-01 with an open end;
#      a window that answers 10 ("1000 or more") is split: an open window into
#      [lo, today] + [today+1, open end], a closed one into as many parts as the
#      density of the windows answered so far suggests (~600 rows a part, 2 to
#      32); windows are processed first-in first-out;
#   2. patientlst2v2 probes (100 ids a call) for every id 1..max_id that
#      patientlst1v2 did not list (patients without dates);
#   3. patientlst2v2 tail probes of 100 ids past the highest id until one finds nobody.
# The benchmark report compares every variant's calls per API with the baseline's.
#
# Used twice by the benchmark:
#   - embedded verbatim as the body of the plpython3u function bench_py_patients()
#     (bench/bench.py appends "return fetch_rows(url)"), so this file must stay
#     valid as a function body: no "global", no main block;
#   - imported by bench/etl.py (standalone script that COPYs the rows into a table).
#
# Rows are tuples in BASIC_COLUMNS order; dates '' and '9999-12-31' become None; text is cleaned
# as the wrapper's default trim_values does (trailing U+3000 cut, blank text None).
import base64
import datetime
import math
import urllib.request
import xml.etree.ElementTree as ET

BASIC_COLUMNS = (
    ("patient_id", "Patient_ID"),
    ("whole_name", "WholeName"),
    ("whole_name_in_kana", "WholeName_inKana"),
    ("birth_date", "BirthDate"),
    ("sex", "Sex"),
    ("create_date", "CreateDate"),
    ("update_date", "UpdateDate"),
    ("update_time", "UpdateTime"),
    ("test_patient_flag", "TestPatient_Flag"),
)
DATE_ELEMENTS = ("BirthDate", "CreateDate", "UpdateDate")
NO_SUCH_PATIENT = "【患者番号がありません】"


def orca_post(base, auth, path, body):
    req = urllib.request.Request(
        base + path, data=body.encode("utf-8"), method="POST",
        headers={"Authorization": auth, "Content-Type": "application/xml; charset=UTF-8"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        root = ET.fromstring(resp.read())
    res = root[0]  # <xmlio2><patientlstNres>
    info = res.find("Patient_Information")
    rows = [] if info is None else list(info)
    return res.findtext("Api_Result", ""), res.findtext("Information_Date", ""), rows


def orca_list1(base, auth, lo, hi):
    body = ('<data><patientlst1req type="record"><Base_StartDate type="string">%s</Base_StartDate>' % lo.isoformat())
    if hi is not None:
        body += '<Base_EndDate type="string">%s</Base_EndDate>' % hi.isoformat()
    body += "</patientlst1req></data>"
    return orca_post(base, auth, "/api01rv2/patientlst1v2?class=02", body)


def orca_list2(base, auth, ids):
    items = "".join('<Patient_ID_Information_child type="record"><Patient_ID type="string">%s</Patient_ID>'
                    "</Patient_ID_Information_child>" % i for i in ids)
    body = ('<data><patientlst2req type="record"><Patient_ID_Information type="array">%s'
            "</Patient_ID_Information></patientlst2req></data>" % items)
    return orca_post(base, auth, "/api01rv2/patientlst2v2?class=01", body)


def row_tuple(elem):
    out = []
    for _, name in BASIC_COLUMNS:
        v = elem.findtext(name)
        if name in DATE_ELEMENTS and (not v or v == "9999-12-31"):
            v = None
        elif name == "UpdateTime" and not v:
            v = None
        elif v is not None:
            v = v.rstrip("\u3000")
            if not v.strip(" \u3000"):
                v = None
        out.append(v)
    return tuple(out)


def id_key(pid):
    return pid.lstrip("0") or "0"


def fetch_rows(base, user="ormaster", password="ormaster"):
    """Yield one tuple per patient (BASIC_COLUMNS order)."""
    base = base.rstrip("/")
    auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    seen = set()
    max_id = 0
    today = None
    density_rows = density_days = 0  # rows per day of the closed windows answered so far
    windows = [(datetime.date(1900, 1, 1), None)]  # FIFO; hi None = open end
    while windows:
        lo, hi = windows.pop(0)
        code, info_date, rows = orca_list1(base, auth, lo, hi)
        if today is None and info_date:
            today = datetime.date.fromisoformat(info_date)
        if code == "10":
            if hi is None:
                t = max(today or lo, lo)
                windows.append((lo, t))
                windows.append((t + datetime.timedelta(days=1), None))
            elif lo < hi:
                days = (hi - lo).days + 1
                parts = 2
                if density_days > 0:
                    expected = density_rows / density_days * days
                    parts = max(2, min(32, int(math.ceil(expected / 600.0))))
                parts = min(parts, days)
                start = lo
                for i in range(parts):
                    end = hi if i + 1 == parts else lo + datetime.timedelta(days=days * (i + 1) // parts - 1)
                    windows.append((start, end))
                    start = end + datetime.timedelta(days=1)
            # else: one overflowing day; the id probes cover it
            continue
        if code == "20":
            continue
        if code != "00":
            raise RuntimeError("patientlst1v2 answered %s" % code)
        if hi is not None and rows:
            density_rows += len(rows)
            density_days += (hi - lo).days + 1
        for r in rows:
            pid = r.findtext("Patient_ID")
            if not pid:
                continue
            k = id_key(pid)
            if k in seen:
                continue
            seen.add(k)
            if k.isdigit():
                max_id = max(max_id, int(k))
            yield row_tuple(r)

    def probe(ids):
        code, _, rows = orca_list2(base, auth, ids)
        found = []
        for r in rows:
            pid = r.findtext("Patient_ID")
            if not pid or r.findtext("WholeName") == NO_SUCH_PATIENT:
                continue
            found.append(r)
        return found

    gaps = [str(v) for v in range(1, max_id + 1) if str(v) not in seen]
    for i in range(0, len(gaps), 100):
        for r in probe(gaps[i:i + 100]):
            k = id_key(r.findtext("Patient_ID"))
            if k not in seen:
                seen.add(k)
                yield row_tuple(r)
    start = max_id + 1
    while True:
        found = probe([str(v) for v in range(start, start + 100)])
        for r in found:
            k = id_key(r.findtext("Patient_ID"))
            if k not in seen:
                seen.add(k)
                yield row_tuple(r)
        if not found:
            break
        start += 100
