#!/usr/bin/env python3
"""End-to-end tests of build/orca-sim (python3 stdlib only).

Starts the simulator on free ports with fixed --patients/--seed/--today and
checks envelopes, result codes, quirks, JSON mode, auth, the WebORCA prefix,
fault injection, statistics, registrations and the inpatient APIs.

    python3 test/sim/sim_test.py [--binary build/orca-sim] [-k substring] [-v]

Prints one line per failed test and a final "N passed, N failed"; exits
non-zero when anything failed.
"""

import argparse
import base64
import calendar
import datetime
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TODAY = "2025-06-15"
SEED = 42
PATIENTS = 3000
AUTH = "Basic " + base64.b64encode(b"ormaster:ormaster").decode()


# ---------------------------------------------------------------------------
# Simulator process and HTTP helpers
# ---------------------------------------------------------------------------

class Sim:
    def __init__(self, binary, *extra):
        args = [binary, "--port", "0", "--patients", str(PATIENTS), "--seed", str(SEED),
                "--today", TODAY, "--threads", "6"] + list(extra)
        # ORCA_SIM_STDERR=path keeps the simulators' stderr (e.g. sanitizer reports).
        log = os.environ.get("ORCA_SIM_STDERR")
        stderr = open(log, "a") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True)
        self.line = self.proc.stdout.readline().strip()
        if not self.line.startswith("orca-sim listening on http://"):
            self.proc.kill()
            raise RuntimeError("simulator did not start: %r" % self.line)
        self.host, port = self.line.rsplit("/", 1)[-1].rsplit(":", 1)
        self.port = int(port)
        self.prefix = "/api" if "--weborca" in extra else ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return None
        return self.proc.returncode

    def conn(self, timeout=10):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, auth=True, conn=None, prefix=True):
        """Returns (status, headers dict (lower-case), body bytes)."""
        own = conn is None
        conn = conn or self.conn()
        hdrs = {"Authorization": AUTH} if auth else {}
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body is not None:
            hdrs["Content-Type"] = "application/xml"
        hdrs.update(headers or {})
        full = (self.prefix if prefix else "") + path
        conn.request(method, full, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        result = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        if own:
            conn.close()
        return result

    def api(self, path, body=None, method=None, conn=None):
        """POST (or GET without body) an ORCA API; parses xml2 or JSON."""
        method = method or ("POST" if body is not None else "GET")
        status, headers, data = self.request(method, path, body, conn=conn)
        if status != 200:
            raise AssertionError("HTTP %d for %s: %r" % (status, path, data[:200]))
        if "format=json" in path:
            assert headers.get("content-type") == "application/json", headers
            doc = json.loads(data.decode("utf-8"))
            assert len(doc) == 1, doc.keys()
            name = next(iter(doc))
            return name, doc[name]
        assert headers.get("content-type") == "application/xml", headers
        return parse_xml2(data)

    def control(self, method, path, payload=None):
        body = json.dumps(payload).encode() if payload is not None else None
        conn = self.conn()
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, json.loads(data.decode()) if data else None

    def reset(self):
        status, _ = self.control("POST", "/__sim/reset")
        assert status == 200


def xml_to_obj(elem):
    """xml2 element -> str / dict / list, checking the typing rules."""
    kind = elem.get("type")
    assert kind in ("string", "record", "array"), "untyped element <%s>" % elem.tag
    if kind == "string":
        assert len(elem) == 0, "string element <%s> has children" % elem.tag
        assert elem.text not in (None, ""), "empty element <%s> should be omitted" % elem.tag
        return elem.text
    if kind == "array":
        items = []
        for child in elem:
            assert child.tag == elem.tag + "_child", "array item <%s> in <%s>" % (child.tag, elem.tag)
            items.append(xml_to_obj(child))
        assert items, "empty array <%s> should be omitted" % elem.tag
        return items
    record = {}
    for child in elem:
        assert child.tag not in record, "duplicate <%s>" % child.tag
        record[child.tag] = xml_to_obj(child)
    assert record, "empty record <%s> should be omitted" % elem.tag
    return record


def parse_xml2(data):
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), data[:60]
    root = ET.fromstring(data)
    assert root.tag == "xmlio2", root.tag
    assert len(root) == 1
    record = root[0]
    assert record.get("type") == "record"
    return record.tag, xml_to_obj(record)


def all_strings(value):
    if isinstance(value, dict):
        return all(all_strings(v) for v in value.values())
    if isinstance(value, list):
        return all(all_strings(v) for v in value)
    return isinstance(value, str)


def xml_body(record, fields):
    """Builds an xml2 request body from a dict (nested dict = record, list = array)."""
    def emit(name, value):
        if isinstance(value, dict):
            return '<%s type="record">%s</%s>' % (name, "".join(emit(k, v) for k, v in value.items()), name)
        if isinstance(value, list):
            items = []
            for item in value:
                if isinstance(item, dict):
                    items.append(emit(name + "_child", item))
                else:
                    items.append('<%s_child type="string">%s</%s_child>' % (name, item, name))
            return '<%s type="array">%s</%s>' % (name, "".join(items), name)
        return '<%s type="string">%s</%s>' % (name, value, name)
    return '<?xml version="1.0" encoding="UTF-8"?>\n<data>' + emit(record, fields) + "</data>"


def json_body(record, fields):
    return json.dumps({record: fields}, ensure_ascii=False)


def rows(res, key="Patient_Information"):
    return res.get(key, [])


# ---------------------------------------------------------------------------
# Test registry
# ---------------------------------------------------------------------------

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def check(cond, message="check failed"):
    if not cond:
        raise AssertionError(message)


def eq(actual, expected, what=""):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what or "value", expected, actual))


class Env:
    binary = None
    sim = None       # classic, PATIENTS patients
    web = None       # --weborca --latency-ms 30, same data
    reg = None       # for registrations (phase 3), same data
    summary = None


def header_ok(res, code, reskey="Patient Info"):
    eq(res.get("Api_Result"), code, "Api_Result (%s)" % res.get("Api_Result_Message"))
    eq(res.get("Information_Date"), TODAY, "Information_Date")
    t = res.get("Information_Time", "")
    check(len(t) == 8 and t[2] == ":" and t[5] == ":", "Information_Time %r" % t)
    check(res.get("Api_Result_Message"), "Api_Result_Message missing")
    if reskey:
        eq(res.get("Reskey"), reskey, "Reskey")


# ---------------------------------------------------------------------------
# Transport, auth, routing
# ---------------------------------------------------------------------------

@test
def test_listening_line():
    check(Env.sim.line == "orca-sim listening on http://127.0.0.1:%d" % Env.sim.port, Env.sim.line)


@test
def test_auth_required():
    s = Env.sim
    status, headers, body = s.request("GET", "/api01rv2/patientgetv2?id=1", auth=False)
    eq(status, 401, "status without auth")
    eq(headers.get("www-authenticate"), 'Basic realm="ORCA"', "WWW-Authenticate")
    bad = "Basic " + base64.b64encode(b"ormaster:wrong").decode()
    status, _, _ = s.request("GET", "/api01rv2/patientgetv2?id=1", auth=False, headers={"Authorization": bad})
    eq(status, 401, "status with a wrong password")
    status, _, _ = s.request("POST", "/api01rv2/patientlst1v2?class=01", body="x", auth=False)
    eq(status, 401, "POST without auth")


@test
def test_unknown_path_and_method():
    s = Env.sim
    status, headers, body = s.request("GET", "/api01rv2/nosuchapi")
    eq(status, 404, "unknown path")
    eq(json.loads(body), {"Code": 404, "Message": "Not Found"}, "404 body")
    status, headers, _ = s.request("POST", "/api01rv2/patientgetv2?id=1", body="<data/>")
    eq(status, 405, "POST to patientgetv2")
    eq(headers.get("allow"), "GET", "Allow header")
    status, headers, _ = s.request("GET", "/api01rv2/patientlst1v2?class=01")
    eq(status, 405, "GET to patientlst1v2")
    eq(headers.get("allow"), "POST", "Allow header")
    status, _, _ = s.request("GET", "/api/api01rv2/patientgetv2?id=1")
    eq(status, 404, "/api prefix on classic ORCA")


@test
def test_keep_alive_and_pipelining():
    s = Env.sim
    conn = s.conn()
    for i in (1, 2, 3):
        name, res = s.api("/api01rv2/patientgetv2?id=%d" % i, conn=conn)
        eq(res["Patient_Information"]["Patient_ID"], "%05d" % i)
    conn.close()
    # Two pipelined requests on one socket, answered in order.
    req = ("GET /api01rv2/patientgetv2?id=5 HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n" % AUTH) + \
          ("GET /api01rv2/patientgetv2?id=6 HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nConnection: close\r\n\r\n" % AUTH)
    data = raw_exchange(s, req.encode())
    check(data.count(b"HTTP/1.1 200 OK") == 2, "two answers expected")
    check(data.index(b"00005") < data.index(b"00006"), "answers in request order")


def raw_exchange(s, payload, stages=None, timeout=5):
    sock = socket.create_connection((s.host, s.port), timeout=timeout)
    sock.sendall(payload)
    chunks = []
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except socket.timeout:
        pass
    sock.close()
    return b"".join(chunks)


@test
def test_expect_100_continue():
    s = Env.sim
    body = xml_body("patientlst2req", {"Patient_ID_Information": [{"Patient_ID": "7"}]}).encode()
    sock = socket.create_connection((s.host, s.port), timeout=5)
    head = ("POST /api01rv2/patientlst2v2?class=01 HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
            "Content-Type: application/xml\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (AUTH, len(body)))
    sock.sendall(head.encode())
    interim = sock.recv(1024)
    check(interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), "interim %r" % interim)
    sock.sendall(body)
    sock.settimeout(5)
    data = b""
    while b"</xmlio2>" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    check(b"HTTP/1.1 200 OK" in data and b"<Patient_ID type=\"string\">00007</Patient_ID>" in data, data[:300])


@test
def test_chunked_request_body():
    s = Env.sim
    body = json_body("patientlst2req", {"Patient_ID_Information": [{"Patient_ID": "8"}]}).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    req = ("POST /api01rv2/patientlst2v2?class=01&format=json HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % AUTH).encode() + chunked
    data = raw_exchange(s, req)
    check(b"HTTP/1.1 200 OK" in data and b'"Patient_ID":"00008"' in data, data[:300])


# ---------------------------------------------------------------------------
# patientgetv2
# ---------------------------------------------------------------------------

@test
def test_patientget_xml():
    s = Env.sim
    name, res = s.api("/api01rv2/patientgetv2?id=42")
    eq(name, "patientinfores", "record")
    header_ok(res, "00")
    eq(res["Api_Result_Message"], "処理終了")
    p = res["Patient_Information"]
    eq(p["Patient_ID"], "00042", "padded id")
    check("\u3000" in p["WholeName"] and "\u3000" in p["WholeName_inKana"], "full-width space in names")
    check(p["Sex"] in ("1", "2"))
    check(len(p["BirthDate"]) == 10)
    combos = p["HealthInsurance_Information"]
    check(isinstance(combos, list) and combos, "HealthInsurance_Information array")
    eq(combos[0]["Insurance_Combination_Number"], "0001")
    check(list(res.keys())[:5] == ["Information_Date", "Information_Time", "Api_Result", "Api_Result_Message",
                                   "Reskey"], "header order %r" % list(res.keys())[:5])


@test
def test_patientget_json_and_errors():
    s = Env.sim
    name, res = s.api("/api01rv2/patientgetv2?id=00042&format=json")
    eq(name, "patientinfores")
    check(all_strings(res), "all JSON values are strings")
    eq(res["Patient_Information"]["Patient_ID"], "00042")
    _, xml_res = s.api("/api01rv2/patientgetv2?id=42")
    xml_res.pop("Information_Time")
    res.pop("Information_Time")
    eq(res, xml_res, "JSON and xml2 carry the same data")
    _, res = s.api("/api01rv2/patientgetv2")
    header_ok(res, "01")
    eq(res["Api_Result_Message"], "患者番号の設定がありません")
    check("Patient_Information" not in res)
    _, res = s.api("/api01rv2/patientgetv2?id=99999")
    header_ok(res, "10")
    eq(res["Api_Result_Message"], "患者番号に該当する患者が存在しません")
    _, res = s.api("/api01rv2/patientgetv2?id=abc")
    header_ok(res, "10")


@test
def test_patientget_dateless_patient():
    s = Env.sim
    check(Env.summary["dateless"], "some dateless patients exist")
    pid = Env.summary["dateless"][0]
    _, res = s.api("/api01rv2/patientgetv2?id=" + pid)
    header_ok(res, "00")
    eq(res["Patient_Information"]["Patient_ID"], pid)


@test
def test_patientget_inpatient():
    s = Env.sim
    check(Env.summary["current_inpatients"], "some current inpatients exist")
    pid = Env.summary["current_inpatients"][0]
    _, res = s.api("/api01rv2/patientgetv2?id=" + pid)
    p = res["Patient_Information"]
    eq(p.get("Outpatient_Class"), "1", "Outpatient_Class of an inpatient")
    check(p.get("Admission_Date", "") <= TODAY, "Admission_Date")
    check("LastVisit_Date" not in p, "LastVisit_Date omitted for inpatients")


# ---------------------------------------------------------------------------
# patientlst1v2
# ---------------------------------------------------------------------------

def lst1(s, cls, fields, fmt_json=False):
    q = "/api01rv2/patientlst1v2" + ("?class=%s" % cls if cls is not None else "")
    if fmt_json:
        q += ("&" if "?" in q else "?") + "format=json"
        return s.api(q, json_body("patientlst1req", fields))
    return s.api(q, xml_body("patientlst1req", fields))


@test
def test_lst1_class_and_errors():
    s = Env.sim
    name, res = lst1(s, None, {})
    eq(name, "patientlst1res")
    header_ok(res, "91")
    eq(res["Api_Result_Message"], "処理区分未設定")
    _, res = lst1(s, "03", {})
    header_ok(res, "91")
    _, res = lst1(s, "01", {"Base_StartDate": "2024-02-01", "Base_EndDate": "2024-01-01"})
    header_ok(res, "01")
    eq(res["Api_Result_Message"], "開始日付＞終了日付です")
    _, res = lst1(s, "01", {"Base_StartDate": "2024-01-01", "Contain_TestPatient_Flag": "9"})
    header_ok(res, "02")
    _, res = lst1(s, "01", {"Base_StartDate": "2030-01-01"})
    header_ok(res, "20")
    eq(res["Api_Result_Message"], "該当患者がありません")


@test
def test_lst1_over_1000():
    s = Env.sim
    _, res = lst1(s, "01", {"Base_StartDate": "2000-01-01"})
    header_ok(res, "10")
    eq(res["Api_Result_Message"], "該当患者が１０００件以上となります")
    check("Patient_Information" not in res, "no rows with code 10 (simulator choice)")


def collect_lst1(s, cls, years):
    seen = {}
    for year in years:
        _, res = lst1(s, cls, {"Base_StartDate": "%d-01-01" % year, "Base_EndDate": "%d-12-31" % year})
        if res["Api_Result"] == "20":
            continue
        header_ok(res, "00")
        eq(res["Target_Patient_Count"], "%04d" % len(res["Patient_Information"]), "Target_Patient_Count")
        for row in res["Patient_Information"]:
            seen[row["Patient_ID"]] = row
    return seen


@test
def test_lst1_covers_all_dated_patients():
    s = Env.sim
    seen = collect_lst1(s, "02", range(2005, 2026))
    dateless = set(Env.summary["dateless"])
    eq(len(seen), PATIENTS - len(dateless), "class 02 over all years lists every dated patient once")
    check(not (dateless & set(seen)), "dateless patients are never listed")
    for row in seen.values():
        check(row["CreateDate"] and row["UpdateDate"] >= row["CreateDate"], row)
        check(len(row["UpdateTime"]) == 8, row)


@test
def test_lst1_order_and_today_default():
    s = Env.sim
    _, res = lst1(s, "01", {"Base_StartDate": "2024-01-01", "Base_EndDate": "2024-12-31"})
    header_ok(res, "00")
    keys = [(r["UpdateDate"], r["UpdateTime"], r["CreateDate"], r["Patient_ID"]) for r in res["Patient_Information"]]
    eq(keys, sorted(keys), "class 01 order: update date, time, create date, id")
    for r in res["Patient_Information"]:
        check("2024-01-01" <= r["CreateDate"] <= "2024-12-31" or "2024-01-01" <= r["UpdateDate"] <= "2024-12-31", r)
    _, res = lst1(s, "02", {"Base_StartDate": "2024-01-01", "Base_EndDate": "2024-12-31"})
    keys = [(r["CreateDate"], r["Patient_ID"]) for r in res["Patient_Information"]]
    eq(keys, sorted(keys), "class 02 order: create date, id")
    # Blank start = today.
    _, a = lst1(s, "01", {})
    _, b = lst1(s, "01", {"Base_StartDate": TODAY})
    eq(a.get("Api_Result"), b.get("Api_Result"))
    eq([r["Patient_ID"] for r in rows(a)], [r["Patient_ID"] for r in rows(b)], "blank start = today")


@test
def test_lst1_test_patient_flag():
    s = Env.sim
    seen = collect_lst1(s, "02", range(2005, 2026))
    test_ids = {pid for pid, row in seen.items() if row["TestPatient_Flag"] == "1"}
    check(test_ids, "some test patients exist")
    year = int(seen[sorted(test_ids)[0]]["CreateDate"][:4])
    span = {"Base_StartDate": "%d-01-01" % year, "Base_EndDate": "%d-12-31" % year}
    _, incl = lst1(s, "02", dict(span, Contain_TestPatient_Flag="0"))
    _, excl = lst1(s, "02", dict(span, Contain_TestPatient_Flag="1"))
    incl_ids = {r["Patient_ID"] for r in rows(incl)}
    excl_ids = {r["Patient_ID"] for r in rows(excl)}
    check(incl_ids & test_ids, "flag 0 includes test patients")
    check(not (excl_ids & test_ids), "flag 1 EXCLUDES test patients")
    eq(incl_ids - excl_ids, incl_ids & test_ids)


@test
def test_lst1_json():
    s = Env.sim
    name, res = lst1(s, "02", {"Base_StartDate": "2010-01-01", "Base_EndDate": "2010-03-31"}, fmt_json=True)
    eq(name, "patientlst1res")
    header_ok(res, "00")
    check(isinstance(res["Patient_Information"], list) and all_strings(res))


# ---------------------------------------------------------------------------
# patientlst2v2
# ---------------------------------------------------------------------------

def lst2(s, ids, fmt_json=False, cls="01"):
    q = "/api01rv2/patientlst2v2?class=%s" % cls
    items = [{"Patient_ID": i} for i in ids]
    if fmt_json:
        return s.api(q + "&format=json", json_body("patientlst2req", {"Patient_ID_Information": items}))
    return s.api(q, xml_body("patientlst2req", {"Patient_ID_Information": items}))


@test
def test_lst2_rows_and_unknown_ids():
    s = Env.sim
    dateless = Env.summary["dateless"][0]
    name, res = lst2(s, ["42", "99999", "abc", dateless, "00007", "1234567"])
    eq(name, "patientlst2res")
    header_ok(res, "00")
    eq(res["Target_Patient_Count"], "003")
    eq(res["No_Target_Patient_Count"], "003")
    ids = [r["Patient_ID"] for r in res["Patient_Information"]]
    eq(ids, ["00042", "99999", "abc", dateless, "00007", "1234567"], "one row per id, in order")
    missing = [r for r in res["Patient_Information"] if r["WholeName"] == "【患者番号がありません】"]
    eq(len(missing), 3)
    check(all(set(r) == {"Patient_ID", "WholeName"} for r in missing), "unknown rows carry only id + name")
    row = res["Patient_Information"][0]
    check(row["Outpatient_Class"] in ("1", "2"))
    check(isinstance(row["HealthInsurance_Information"], list))
    check("Home_Address_Information" in row)


@test
def test_lst2_class_and_limits():
    s = Env.sim
    _, res = lst2(s, ["1"], cls="02")
    header_ok(res, "91")
    _, res = lst2(s, [str(i) for i in range(1, 121)], fmt_json=True)
    header_ok(res, "00")
    eq(len(res["Patient_Information"]), 100, "at most 100 ids are read")
    eq(res["Target_Patient_Count"], "100")
    _, res = lst2(s, [])
    header_ok(res, "00")
    eq(res["Target_Patient_Count"], "000")


@test
def test_lst2_json_matches_xml():
    s = Env.sim
    ids = [str(i) for i in range(1, 30)]
    _, a = lst2(s, ids)
    _, b = lst2(s, ids, fmt_json=True)
    a.pop("Information_Time")
    b.pop("Information_Time")
    eq(a, b, "same content in xml2 and JSON")


# ---------------------------------------------------------------------------
# patientlst3v2
# ---------------------------------------------------------------------------

def lst3(s, fields, fmt_json=False, cls="01"):
    q = "/api01rv2/patientlst3v2?class=%s" % cls
    if fmt_json:
        return s.api(q + "&format=json", json_body("patientlst3req", fields))
    return s.api(q, xml_body("patientlst3req", fields))


@test
def test_lst3_codes():
    s = Env.sim
    name, res = lst3(s, {"WholeName": ""})
    eq(name, "patientlst2res", "patientlst3v2 answers with patientlst2res")
    header_ok(res, "17")
    eq(lst3(s, {"WholeName": "\ue000"})[1]["Api_Result"], "10")
    eq(lst3(s, {"WholeName": "サ", "Birth_StartDate": "1990-02-30"})[1]["Api_Result"], "11")
    eq(lst3(s, {"WholeName": "サ", "Birth_StartDate": "1990-01-01", "Birth_EndDate": "x"})[1]["Api_Result"], "12")
    eq(lst3(s, {"WholeName": "サ", "Birth_EndDate": "1990-01-01"})[1]["Api_Result"], "13")
    eq(lst3(s, {"WholeName": "サ", "Birth_StartDate": "1991-01-01", "Birth_EndDate": "1990-01-01"})[1]["Api_Result"],
       "14")
    eq(lst3(s, {"WholeName": "サ", "Sex": "3"})[1]["Api_Result"], "15")
    eq(lst3(s, {"WholeName": "サ", "InOut": "3"})[1]["Api_Result"], "16")
    eq(lst3(s, {"WholeName": "ンン"})[1]["Api_Result"], "20")
    eq(lst3(s, {"WholeName": "サ"}, cls="02")[1]["Api_Result"], "91")
    _, res = lst3(s, {"WholeName": "サ"})
    header_ok(res, "21")
    eq(res["Api_Result_Message"], "該当患者が１００件以上となります")
    check("Patient_Information" not in res, "no rows with code 21 (simulator choice)")


@test
def test_lst3_prefix_and_normalisation():
    s = Env.sim
    _, full = lst3(s, {"WholeName": "ヤマダ", "Sex": "2"})
    header_ok(full, "00")
    _, half = lst3(s, {"WholeName": "ﾔﾏﾀﾞ", "Sex": "2"})
    eq([r["Patient_ID"] for r in rows(half)], [r["Patient_ID"] for r in rows(full)], "half-width kana normalised")
    for r in rows(full):
        check(r["WholeName_inKana"].startswith("ヤマダ") and r["Sex"] == "2", r)
    eq(full["Target_Patient_Count"], "%03d" % len(rows(full)))
    eq(full["No_Target_Patient_Count"], "000")
    _, kanji = lst3(s, {"WholeName": "山田"}, fmt_json=True)
    check(all(r["WholeName"].startswith("山田") for r in rows(kanji)), "kanji prefix")
    check(len(rows(kanji)) >= len(rows(full)))


@test
def test_lst3_given_name_and_birth_filters():
    s = Env.sim
    _, res = lst3(s, {"WholeName": "＊花子"})
    header_ok(res, "00")
    check(rows(res) and all(r["WholeName"].split("\u3000")[1].startswith("花子") for r in rows(res)), "＊given")
    _, res = lst3(s, {"WholeName": "*ハナコ"})  # half-width * normalised to ＊
    check(rows(res) and all(r["WholeName_inKana"].split("\u3000")[1].startswith("ハナコ") for r in rows(res)))
    _, res = lst3(s, {"WholeName": "タ＊タ"})
    for r in rows(res):
        family, given = r["WholeName_inKana"].split("\u3000")
        check(family.startswith("タ") and given.startswith("タ"), r)
    _, res = lst3(s, {"WholeName": "サ", "Birth_StartDate": "1950-01-01", "Birth_EndDate": "1950-12-31"})
    header_ok(res, "00")
    check(all("1950-01-01" <= r["BirthDate"] <= "1950-12-31" for r in rows(res)))
    one = rows(res)[0]
    _, res = lst3(s, {"WholeName": one["WholeName"][:1], "Birth_StartDate": one["BirthDate"]})
    check(all(r["BirthDate"] == one["BirthDate"] for r in rows(res)), "blank end = start")
    check(one["Patient_ID"] in [r["Patient_ID"] for r in rows(res)])


@test
def test_lst3_inout():
    s = Env.sim
    pid = Env.summary["current_inpatients"][0]
    _, got = s.api("/api01rv2/patientgetv2?id=" + pid)
    kana = got["Patient_Information"]["WholeName_inKana"]
    _, res = lst3(s, {"WholeName": kana, "InOut": "1"})
    check(pid in [r["Patient_ID"] for r in rows(res)], "inpatient found with InOut=1")
    check(all(r["Outpatient_Class"] == "1" for r in rows(res)))
    _, res = lst3(s, {"WholeName": kana, "InOut": "2"})
    check(pid not in [r["Patient_ID"] for r in rows(res)], "inpatient excluded with InOut=2")


def truth_rows(s, table="patients"):
    status, doc = s.control("GET", "/__sim/truth/" + table)
    eq(status, 200, "truth status")
    return doc["rows"]


@test
def test_lst3_refuses_characters_outside_jis_x_0208():
    # ORCSKANACHK on an EUC-JP server: JIS X 0208 only (half-width input widened first)
    s = Env.sim
    for name in ("\U00020bb7田", "\ue000藤", "\ufffd", "髙橋", "山田\x01", "﨑山"):
        eq(lst3(s, {"WholeName": name})[1]["Api_Result"], "10", "name %r" % name)
    for name in ("山田", "ﾔﾏﾀﾞ", "ヤマダ　ハナコ"):
        check(lst3(s, {"WholeName": name, "Sex": "2"})[1]["Api_Result"] in ("00", "20"), "name %r" % name)
    # patients registered with such names: refused by the name search, found by their kana
    variants = [r for r in truth_rows(s) if r["whole_name"][:1] in ("\U00020bb7", "髙", "\ue000")]
    check(len({r["whole_name"][:1] for r in variants}) == 3, "all three variants exist: %r" % variants[:3])
    for r in variants[:6]:
        eq(lst3(s, {"WholeName": r["whole_name"]})[1]["Api_Result"], "10", r["whole_name"])
        _, res = lst3(s, {"WholeName": r["whole_name_in_kana"], "Birth_StartDate": r["birth_date"]})
        check(r["patient_id"] in [x["Patient_ID"] for x in rows(res)], "found by kana: %r" % r)


@test
def test_lst3_birth_dates_of_any_year():
    # the whole YYYYMMDD range is a valid Birth_StartDate/EndDate (UNCONFIRMED on a real server)
    s = Env.sim
    odd = [r for r in truth_rows(s) if r["birth_date"] < "1800-01-01" or r["birth_date"] > TODAY]
    check(odd, "some patients have birth dates before 1800 or after today")
    for r in odd:
        for lo, hi in (("0001-01-01", "1799-12-31"), ("%s" % TODAY, "9999-12-31")):
            if not lo <= r["birth_date"] <= hi:
                continue
            _, res = lst3(s, {"WholeName": r["whole_name_in_kana"][:3], "Birth_StartDate": lo, "Birth_EndDate": hi})
            header_ok(res, "00")
            check(r["patient_id"] in [x["Patient_ID"] for x in rows(res)], r)


@test
def test_patientget_fields_of_real_servers():
    # captured from real servers: a lone U+3000 for some empty fields, names ending in U+3000,
    # WorkPlace/Contact/Care information for some patients
    s = Env.sim
    seen = {"lone": 0, "padded": 0, "WorkPlace_Information": 0, "Contact_Information": 0, "Care_Information": 0}
    for number in range(1, 401):
        _, res = s.api("/api01rv2/patientgetv2?id=%d&format=json" % number)
        info = res["Patient_Information"]
        seen["lone"] += info.get("Comment1") == "\u3000" or info.get("Contraindication1") == "\u3000"
        seen["padded"] += info["WholeName"].endswith("\u3000")
        for key in ("WorkPlace_Information", "Contact_Information", "Care_Information"):
            seen[key] += key in info
        if "WorkPlace_Information" in info:
            eq(sorted(info["WorkPlace_Information"]), sorted(["WholeName", "Address_ZipCode", "WholeAddress1",
                                                             "WholeAddress2", "PhoneNumber"]), "WorkPlace fields")
        if "Care_Information" in info:
            for item in info["Care_Information"]["Insurance"]:
                check(len(item["InsuranceProvider_Number"]) == 6 and len(item["HealthInsuredPerson_Number"]) == 10)
            for item in info["Care_Information"].get("Certification", []):
                check(item["Need_Care_State_Code"] in ("12", "13", "21", "22", "23", "24", "25"), item)
    for key, n in seen.items():
        check(n > 0, "no patient with %s among 400: %r" % (key, seen))
    # the padded name is the same in every API, and its prefix search finds it
    padded = [r for r in truth_rows(s) if r["patient_id"] <= "00400"]
    for number in range(1, 401):
        _, res = s.api("/api01rv2/patientgetv2?id=%d" % number)
        name = res["Patient_Information"]["WholeName"]
        if name.endswith("\u3000"):
            _, l2 = lst2(s, [str(number)])
            eq(rows(l2)[0]["WholeName"], name, "patientlst2v2 pads too")
            _, l3 = lst3(s, {"WholeName": name.rstrip("\u3000")})
            check("%05d" % number in [r["Patient_ID"] for r in rows(l3)], "trimmed prefix finds the padded name")
            break
    check(padded, "truth rows")


@test
def test_omit_update_time():
    # servers before 2017-12 answer patientlst1v2 without UpdateTime
    window = {"Base_StartDate": "2010-01-01", "Base_EndDate": "2010-03-31"}
    _, res = lst1(Env.sim, "01", window)
    check(rows(res) and all("UpdateTime" in r for r in rows(res)), "UpdateTime by default")
    old = Sim(Env.binary, "--omit-update-time")
    try:
        _, res = lst1(old, "01", window)
        check(rows(res), "rows")
        check(all("UpdateTime" not in r and "UpdateDate" in r for r in rows(res)), "no UpdateTime")
    finally:
        old.stop()


@test
def test_burst_day():
    # --burst-day/--burst: N patients with contiguous numbers created on one day (a migration
    # day); the same data on every start; patientlst1v2 answers 10 for that day in both classes
    day = "2015-04-01"
    burst = Sim(Env.binary, "--burst-day", day, "--burst", "1200")
    again = Sim(Env.binary, "--burst-day", day, "--burst", "1200")
    try:
        for cls in ("01", "02"):
            _, res = lst1(burst, cls, {"Base_StartDate": day, "Base_EndDate": day})
            header_ok(res, "10")
        _, before = lst1(burst, "02", {"Base_StartDate": "2015-03-01", "Base_EndDate": "2015-03-31"})
        _, after = lst1(burst, "02", {"Base_StartDate": "2015-04-02", "Base_EndDate": "2015-05-31"})
        header_ok(before, "00")
        header_ok(after, "00")
        ids = sorted(int(r["Patient_ID"]) for r in rows(before) + rows(after))
        gap = max(b - a - 1 for a, b in zip(ids, ids[1:]))
        # the burst's 1200 contiguous numbers (a neighbour may fall on the day too: +-2 days jitter)
        check(1200 <= gap <= 1204, "a run of 1200 numbers on the burst day, got %d" % gap)
        _, res2 = lst1(again, "02", {"Base_StartDate": "2015-03-01", "Base_EndDate": "2015-03-31"})
        eq(rows(res2), rows(before), "deterministic")
        _, plain = lst1(Env.sim, "02", {"Base_StartDate": day, "Base_EndDate": day})
        check(plain["Api_Result"] in ("00", "20"), "no burst without the option")
    finally:
        burst.stop()
        again.stop()


# ---------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------

@test
def test_malformed_and_wrong_record_bodies():
    s = Env.sim
    for body in ('<data><patientlst1req type="record"><Base_StartDate>2024', "{\"patientlst1req\": {", "hello", ""):
        _, res = s.api("/api01rv2/patientlst1v2?class=01", body)
        header_ok(res, "97")
        eq(res["Api_Result_Message"], "送信内容に誤りがあります")
    _, res = s.api("/api01rv2/patientlst1v2?class=01", '<data><patientlst9req type="record"/></data>')
    header_ok(res, "98")
    eq(res["Api_Result_Message"], "送信内容の読込ができませんでした")
    # Requests without type attributes and with entities are accepted.
    _, res = s.api("/api01rv2/patientlst2v2?class=01",
                   "<data><patientlst2req><Patient_ID_Information><Patient_ID_Information_child>"
                   "<Patient_ID>&#52;2</Patient_ID></Patient_ID_Information_child></Patient_ID_Information>"
                   "</patientlst2req></data>")
    eq(res["Patient_Information"][0]["Patient_ID"], "00042")


# ---------------------------------------------------------------------------
# Control endpoints, statistics, faults
# ---------------------------------------------------------------------------

@test
def test_stats_counting():
    s = Env.sim
    s.reset()
    s.api("/api01rv2/patientgetv2?id=1")
    s.api("/api01rv2/patientgetv2?id=2")
    s.api("/api01rv2/patientlst2v2?class=01", xml_body("patientlst2req", {"Patient_ID_Information": []}))
    s.request("GET", "/api01rv2/patientgetv2?id=1", auth=False)   # 401: still counted
    s.request("GET", "/api01rv2/unknown")                          # 404: not counted
    status, stats = s.control("GET", "/__sim/stats")
    eq(status, 200)
    eq(stats["total"], 4, "total")
    eq(stats["by_path"], {"/api01rv2/patientgetv2": 3, "/api01rv2/patientlst2v2": 1}, "by_path")
    check(stats["max_in_flight"] >= 1 and stats["max_per_second"] >= 4, stats)
    s.reset()
    _, stats = s.control("GET", "/__sim/stats")
    eq((stats["total"], stats["by_path"], stats["max_in_flight"], stats["max_per_second"]), (0, {}, 0, 0))


@test
def test_max_in_flight_and_per_second():
    s = Env.sim
    s.reset()
    s.control("POST", "/__sim/fault", {"mode": "slow", "count": 4, "delay_ms": 400})
    threads = [threading.Thread(target=lambda: s.api("/api01rv2/patientgetv2?id=3")) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _, stats = s.control("GET", "/__sim/stats")
    eq(stats["max_in_flight"], 4, "4 slow requests in parallel")
    eq(stats["max_per_second"], 4)
    s.reset()


@test
def test_fault_http_errors():
    s = Env.sim
    s.reset()
    status, body = s.control("POST", "/__sim/fault", {"mode": "http500", "count": 2})
    eq(status, 200)
    eq(len(body["pending"]), 1)
    eq(s.request("GET", "/api01rv2/patientgetv2?id=1")[0], 500)
    eq(s.request("GET", "/api01rv2/patientgetv2?id=1")[0], 500)
    eq(s.request("GET", "/api01rv2/patientgetv2?id=1")[0], 200, "fault consumed after K requests")
    s.control("POST", "/__sim/fault", {"mode": "http503"})
    s.control("POST", "/__sim/fault", {"mode": "auth401"})
    eq(s.request("GET", "/api01rv2/patientgetv2?id=1")[0], 503, "queued faults fire in order")
    status, headers, _ = s.request("GET", "/api01rv2/patientgetv2?id=1")
    eq(status, 401)
    check("www-authenticate" in headers)
    eq(s.request("GET", "/api01rv2/patientgetv2?id=1")[0], 200)
    _, stats = s.control("GET", "/__sim/stats")
    eq(stats["by_path"]["/api01rv2/patientgetv2"], 6, "faulted requests are counted")


@test
def test_fault_path_filter_and_reset():
    s = Env.sim
    s.reset()
    s.control("POST", "/__sim/fault", {"mode": "http500", "count": 1, "path": "/api01rv2/patientlst2v2"})
    eq(s.request("GET", "/api01rv2/patientgetv2?id=1")[0], 200, "other path not affected")
    body = xml_body("patientlst2req", {"Patient_ID_Information": [{"Patient_ID": "1"}]})
    eq(s.request("POST", "/api01rv2/patientlst2v2?class=01", body)[0], 500, "matching path faulted")
    s.control("POST", "/__sim/fault", {"mode": "http500", "count": 5})
    s.reset()
    eq(s.request("GET", "/api01rv2/patientgetv2?id=1")[0], 200, "reset clears pending faults")
    status, body = s.control("POST", "/__sim/fault", {"mode": "explode"})
    eq(status, 400, "unknown mode")
    status, body = s.control("POST", "/__sim/fault", {"mode": "http500", "path": "/api01rv2/nothing"})
    eq(status, 400, "unknown path")
    status, body = s.control("POST", "/__sim/fault", {"mode": "http500", "path": "/api/api01rv2/patientgetv2"})
    eq(status, 200, "an /api prefix in the fault path is tolerated")
    s.reset()


@test
def test_fault_malformed_truncated_reset():
    s = Env.sim
    s.reset()
    s.control("POST", "/__sim/fault", {"mode": "malformed"})
    status, _, data = s.request("GET", "/api01rv2/patientgetv2?id=1")
    eq(status, 200)
    try:
        ET.fromstring(data)
        raise AssertionError("malformed body parsed")
    except ET.ParseError:
        pass
    s.control("POST", "/__sim/fault", {"mode": "malformed"})
    status, _, data = s.request("GET", "/api01rv2/patientgetv2?id=1&format=json")
    eq(status, 200)
    try:
        json.loads(data)
        raise AssertionError("malformed JSON parsed")
    except ValueError:
        pass
    s.control("POST", "/__sim/fault", {"mode": "truncated"})
    try:
        s.request("GET", "/api01rv2/patientgetv2?id=1")
        raise AssertionError("truncated body read completely")
    except http.client.IncompleteRead:
        pass
    s.control("POST", "/__sim/fault", {"mode": "reset"})
    try:
        s.request("GET", "/api01rv2/patientgetv2?id=1")
        raise AssertionError("reset connection answered")
    except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine, OSError):
        pass
    eq(s.request("GET", "/api01rv2/patientgetv2?id=1")[0], 200, "server fine afterwards")


@test
def test_fault_slow_and_api_error():
    s = Env.sim
    s.reset()
    s.control("POST", "/__sim/fault", {"mode": "slow", "delay_ms": 300})
    start = time.time()
    _, res = s.api("/api01rv2/patientgetv2?id=1")
    check(time.time() - start >= 0.3, "slow waited")
    header_ok(res, "00")
    s.control("POST", "/__sim/fault", {"mode": "api_error", "api_result": "90"})
    name, res = s.api("/api01rv2/patientgetv2?id=1")
    eq(name, "patientinfores")
    header_ok(res, "90")
    eq(res["Api_Result_Message"], "他端末使用中")
    check("Patient_Information" not in res)
    s.control("POST", "/__sim/fault", {"mode": "api_error", "path": "/api01rv2/patientlst1v2"})
    name, res = lst1(s, "01", {}, fmt_json=True)
    eq(name, "patientlst1res")
    header_ok(res, "90")


# ---------------------------------------------------------------------------
# WebORCA prefix, latency, determinism
# ---------------------------------------------------------------------------

@test
def test_weborca_prefix():
    w = Env.web
    w.reset()
    name, res = w.api("/api01rv2/patientgetv2?id=42")
    header_ok(res, "00")
    status, _, body = w.request("GET", "/api01rv2/patientgetv2?id=42", prefix=False)
    eq(status, 404, "no API without /api on WebORCA")
    eq(json.loads(body)["Code"], 404)
    status, stats = w.control("GET", "/__sim/stats")
    eq(stats["by_path"], {"/api01rv2/patientgetv2": 1}, "stats paths without the /api prefix")
    status, _ = w.control("GET", "/api/__sim/stats")
    check(status in (401, 404), "control endpoints are never prefixed")


@test
def test_latency():
    w = Env.web
    start = time.time()
    w.api("/api01rv2/patientgetv2?id=1")
    check(time.time() - start >= 0.03, "--latency-ms 30 applied")
    start = time.time()
    w.control("GET", "/__sim/stats")
    check(time.time() - start < 0.03, "no latency on control endpoints")


@test
def test_deterministic_data():
    for pid in ("1", "42", "777", Env.summary["dateless"][0]):
        _, a = Env.sim.api("/api01rv2/patientgetv2?id=%s&format=json" % pid)
        _, b = Env.web.api("/api01rv2/patientgetv2?id=%s&format=json" % pid)
        a.pop("Information_Time")
        b.pop("Information_Time")
        eq(a, b, "same seed/patients/today give the same data")
    _, summary = Env.web.control("GET", "/__sim/summary")
    eq(summary, Env.summary, "same summary")


@test
def test_summary_shape():
    sm = Env.summary
    eq(sm["patients"], PATIENTS)
    eq(sm["today"], TODAY)
    eq(sm["max_patient_id"], "%05d" % PATIENTS)
    check(15 <= len(sm["dateless"]) <= 45, "about 1%% dateless: %d" % len(sm["dateless"]))
    check(15 <= len(sm["current_inpatients"]) <= 90, "1-2%% inpatients: %d" % len(sm["current_inpatients"]))


# ---------------------------------------------------------------------------
# Phase 2: inpatient reads (hsfindv3, hsptinfv2, hsmealv2, hsconfwardv2) and system01lstv2
# ---------------------------------------------------------------------------

def hsfind(s, criteria=None, selection=None, sort=None, extra=None, fmt_json=True):
    fields = {"Request_Number": "01"}
    fields.update(extra or {})
    if selection:
        fields["Selection"] = selection
    if criteria is not None:
        fields["Patient_Information"] = criteria
    if sort:
        fields["Sort_Key"] = [{"Key_Class": k, "Order_Class": o} for k, o in sort]
    if fmt_json:
        return s.api("/orca36/hsfindv3?format=json", json_body("hsfindv3req", fields))
    return s.api("/orca36/hsfindv3", xml_body("hsfindv3req", fields))


def hsfind_all(s, criteria, sort=None):
    """All rows of a search, page by page (200 at most per call)."""
    result, first = [], 1
    while True:
        _, res = hsfind(s, criteria, {"First": str(first), "Last": str(first + 199)}, sort)
        if res["Api_Result"] == "E0106":
            return 0, []
        eq(res["Api_Result"], "00000", "hsfindv3 page")
        page = res["Result"]
        check(len(page) <= 200, "at most 200 rows per call")
        result.extend(page)
        count = int(res["Count"])
        if int(res["Selection"]["Last"]) >= count:
            return count, result
        first = int(res["Selection"]["Last"]) + 1


def header5(res, code):
    eq(res.get("Api_Result"), code, "Api_Result (%s)" % res.get("Api_Result_Message"))
    eq(res.get("Information_Date"), TODAY)
    check("Reskey" not in res, "no Reskey in hsfindv3")


@test
def test_hsfind_codes():
    s = Env.sim
    name, res = hsfind(s, {"State": "1"}, extra={"Request_Number": "02"})
    eq(name, "hsfindv3res")
    header5(res, "E0091")
    _, res = hsfind(s, None)
    header5(res, "E0100")
    eq(res["Api_Result_Message"], "検索条件が入力されていません。")
    _, res = hsfind(s, {})
    header5(res, "E0100")
    cases = [({"Patient_ID": "99999"}, "E0001"), ({"WholeName": "Yamada"}, "E0002"),
             ({"Department_Code": "77"}, "E0007"), ({"Ward_Number": "09"}, "E0008"), ({"State": "6"}, "E0009"),
             ({"Admission_Date": {"First": "2025-13-01"}}, "E0005"),
             ({"Admission_Date": {"First": "2025-02-01", "Last": "2025-01-01"}}, "E0101"),
             ({"Discharge_Date": {"Last": "x"}}, "E0012"), ({"TestPatient_Class": "c"}, "E0018"),
             ({"BirthDate": {"First": "1990-01-01", "Last": "1980-01-01"}}, "E0103"),
             ({"State": "1", "Discharge_Reason": "05"}, "E0106")]
    for criteria, code in cases:
        _, res = hsfind(s, criteria)
        header5(res, code)
    _, res = hsfind(s, {"State": "1"}, extra={"Base_Date": "2025-02-30"})
    header5(res, "E0025")
    _, res = hsfind(s, {"State": "1"}, {"First": "abc"})
    header5(res, "E0107")
    _, res = hsfind(s, {"State": "1"}, {"First": "5", "Last": "2"})
    header5(res, "E0110")
    _, res = hsfind(s, {"State": "1"}, {"First": "9999"})
    header5(res, "E0109")
    _, res = hsfind(s, {"State": "1"}, sort=[("8", "1")])
    header5(res, "E0019")


@test
def test_hsfind_current_inpatients():
    s = Env.sim
    name, res = hsfind(s, {"State": "1"}, fmt_json=False)
    eq(name, "hsfindv3res")
    header5(res, "00000")
    eq(res["Api_Result_Message"], "正常終了")
    ids = [r["Patient_ID"] for r in res["Result"]]
    eq(sorted(ids), sorted(Env.summary["current_inpatients"]), "State 1 = the current inpatients")
    eq(res["Count"], str(len(ids)))
    eq(res["Selection"], {"First": "1", "Last": str(len(ids))})
    for i, row in enumerate(res["Result"], 1):
        eq(row["Number"], str(i), "row number")
        eq(row["Discharge_Date"], "9999-12-31")
        check("Birth_Date" in row and "BirthDate" not in row, "Birth_Date spelling")
        check(row["Ward_Name"] and row["Department_Name"] and row["Room_Number"], row)
        check("Discharge_Reason_Code" not in row)
        eq(row["HealthInsurance_Information"]["Insurance_Combination_Number"][:2], "00")
    _, as_json = hsfind(s, {"State": "1"})
    res.pop("Information_Time")
    as_json.pop("Information_Time")
    eq(as_json, res, "JSON = xml2")


@test
def test_hsfind_paging_and_sort():
    s = Env.sim
    criteria = {"Admission_Date": {"First": "2012-04-01", "Last": TODAY}}
    count, rows_all = hsfind_all(s, criteria)
    check(count > 200, "more than 200 stays in total (%d)" % count)
    eq(len(rows_all), count, "pages cover every row")
    eq([r["Number"] for r in rows_all], [str(i) for i in range(1, count + 1)])
    keys = [(r["Patient_ID"], r["Admission_Date"]) for r in rows_all]
    eq(len(set(keys)), count, "no duplicates across pages")
    eq(keys, sorted(keys), "default order: patient, admission")
    _, res = hsfind(s, criteria, {"First": "1", "Last": "999"})
    eq(res["Selection"], {"First": "1", "Last": "200"}, "Last capped at First+199")
    _, res = hsfind(s, criteria, {"First": str(count - 2)})
    eq(res["Selection"], {"First": str(count - 2), "Last": str(count)})
    eq(len(res["Result"]), 3)
    _, res = hsfind(s, criteria, sort=[("4", "1")])
    dates = [r["Admission_Date"] for r in res["Result"]]
    eq(dates, sorted(dates, reverse=True), "Key_Class 4: newest admission first")
    _, res = hsfind(s, {"State": "2"}, sort=[("1", "1")])
    keys = [(r["Ward_Number"], r["Room_Number"]) for r in res["Result"]]
    eq(keys, sorted(keys), "Key_Class 1: ward, room")
    check(all(r["Discharge_Date"] != "9999-12-31" and r["Discharge_Reason_Code"] for r in res["Result"]))


@test
def test_hsfind_filters():
    s = Env.sim
    _, res = hsfind(s, {"State": "4"}, extra={"Base_Date": "2024-03-15"})
    if res["Api_Result"] == "00000":
        for r in res["Result"]:
            check(r["Admission_Date"] <= "2024-03-15" <= r["Discharge_Date"], r)
    count, rows_ward = hsfind_all(s, {"Ward_Number": "02", "Department_Code": "01"})
    check(count > 0 and all(r["Ward_Number"] == "02" and r["Department_Code"] == "01" for r in rows_ward))
    pid = Env.summary["current_inpatients"][0]
    _, res = hsfind(s, {"Patient_ID": str(int(pid))})
    check(res["Result"] and all(r["Patient_ID"] == pid for r in res["Result"]), "Patient_ID criterion")
    kana = res["Result"][0]["WholeName_inKana"]
    _, res = hsfind(s, {"WholeName": kana, "State": "1"})
    check(pid in [r["Patient_ID"] for r in res["Result"]], "WholeName criterion")


@test
def test_hsptinf():
    s = Env.sim
    pid = Env.summary["current_inpatients"][0]
    name, res = s.api("/api01rv2/hsptinfv2", xml_body("private_objects", {"Patient_ID": str(int(pid)),
                                                                           "Admission_Date": ""}))
    eq(name, "private_objects")
    header_ok(res, "00", reskey=None)
    check("Reskey" not in res)
    eq(res["Patient_Information"]["Patient_ID"], pid)
    stays = res["Hospital_Stay_Infomation"]
    check(isinstance(stays, list) and stays, "Hospital_Stay_Infomation (sic) array")
    eq(stays[0]["Discharge_Date"], "9999-12-31", "newest first")
    numbers = [int(x["History_Number"]) for x in stays]
    eq(numbers, sorted(numbers, reverse=True))
    first = stays[0]
    eq(first["Ward_Number"]["Label"], "病棟番号")
    eq(first["Creation_Type"], {"Label": "入院歴作成区分", "Data": "0", "Name": "通常登録"})
    eq(first["Department_Code"]["Label"], "診療科")
    eq(first["Room_Charge"]["Name"], "円")
    eq(len(first["Room_Charge"]["Data"]), 7, "Room_Charge padded to 7")
    check(first["Doctor"][0]["Label"] == "担当医" and len(first["Doctor"][0]["Data"]) == 5)
    _, found = hsfind(s, {"Patient_ID": pid})
    eq(sorted(x["Admission_Date"] for x in stays), sorted(r["Admission_Date"] for r in found["Result"]),
       "hsptinfv2 and hsfindv3 agree")
    _, one = s.api("/api01rv2/hsptinfv2?format=json",
                   json_body("private_objects", {"Patient_ID": pid, "Admission_Date": first["Admission_Date"]}))
    eq(len(one["Hospital_Stay_Infomation"]), 1)
    _, res = s.api("/api01rv2/hsptinfv2", xml_body("private_objects", {"Patient_ID": pid,
                                                                       "Admission_Date": "2000-01-01"}))
    header_ok(res, "04", reskey=None)
    _, res = s.api("/api01rv2/hsptinfv2", xml_body("private_objects", {"Patient_ID": "99999"}))
    header_ok(res, "02", reskey=None)
    eq(res["Api_Result_Message"], "患者番号の設定に誤りがあります")


MEAL_NAMES = {"00": "食事なし", "01": "食事あり", "02": "食事あり（特別食）", "03": "食事あり（流動食）"}


def hsmeal(s, pid, month, fmt_json=True):
    body = {"Patient_ID": pid, "Perform_Month": month}
    if fmt_json:
        return s.api("/api01rv2/hsmealv2?format=json", json_body("private_objects", body))
    return s.api("/api01rv2/hsmealv2", xml_body("private_objects", body))


@test
def test_hsmeal_current_month():
    s = Env.sim
    pid = Env.summary["current_inpatients"][0]
    _, info = s.api("/api01rv2/hsptinfv2?format=json", json_body("private_objects", {"Patient_ID": pid}))
    admission = info["Hospital_Stay_Infomation"][0]["Admission_Date"]
    name, res = hsmeal(s, pid, TODAY[:7], fmt_json=False)
    eq(name, "private_objects")
    header_ok(res, "00", reskey=None)
    eq(res["Perform_Month"], TODAY[:7])
    check({"Admission_Date": admission, "Discharge_Date": "9999-12-31"} in res["Admission_Discharge_Date"])
    days = res["Monthly_Information"]
    first_day = max(admission, TODAY[:7] + "-01")
    eq(days[0]["Perform_Date"], first_day, "calendar starts at admission or the 1st")
    eq(days[-1]["Perform_Date"], TODAY[:7] + "-30", "current account runs to the end of the month")
    eq(len(days), len({d["Perform_Date"] for d in days}))
    for d in days:
        for slot, label in (("Morning_Meal", "朝食"), ("Lunch_Meal", "昼食"), ("Evening_Meal", "夕食")):
            meal = d[slot]
            eq(meal["Label"], label)
            check(meal["Data"] in MEAL_NAMES, meal)
            eq(meal["Name"], MEAL_NAMES[meal["Data"]])
        eq(d["Patient_Status"]["Label"], "外泊・他医療機関受診情報等")
        eq(d["Ward_Number"]["Label"], "病棟番号")
        check(d["Hospital_Charge_Information"]["Hospital_Charge"][0]["Data"].startswith("190"))
    check(res["Insurance_Information"][0]["Insurance_Combination_Number"], "Insurance_Information last")
    eq(list(res.keys())[-1], "Insurance_Information")
    # Blank month = the current month.
    _, blank = hsmeal(s, pid, "")
    eq(len(blank["Monthly_Information"]), len(days))


@test
def test_hsmeal_discharged_and_errors():
    s = Env.sim
    _, res = hsfind(s, {"State": "2"}, {"First": "1", "Last": "1"})
    row = res["Result"][0]
    _, meals = hsmeal(s, row["Patient_ID"], row["Discharge_Date"][:7])
    header_ok(meals, "00", reskey=None)
    last = [d for d in meals["Monthly_Information"] if d["Perform_Date"] == row["Discharge_Date"]]
    eq(len(last), 1, "discharge day in the calendar")
    eq(last[0]["Evening_Meal"]["Data"], "00", "no dinner on the discharge day")
    periods = [(x["Admission_Date"], x["Discharge_Date"]) for x in meals["Admission_Discharge_Date"]]
    for d in meals["Monthly_Information"]:
        check(any(a <= d["Perform_Date"] <= b for a, b in periods), "day %s inside a stay" % d["Perform_Date"])
    _, res = hsmeal(s, row["Patient_ID"], "2012-01")
    header_ok(res, "04", reskey=None)
    eq(res["Api_Result_Message"], "入院会計情報の取得に失敗しました")
    eq(hsmeal(s, row["Patient_ID"], "2025-13")[1]["Api_Result"], "01")
    eq(hsmeal(s, row["Patient_ID"], "2008-03")[1]["Api_Result"], "92")
    eq(hsmeal(s, "99999", "2025-01")[1]["Api_Result"], "02")


def month_after(month, k):
    y, m = int(month[:4]), int(month[5:7])
    t = y * 12 + m - 1 + k
    return "%04d-%02d" % (t // 12, t % 12 + 1)


@test
def test_hsmeal_accounts_ahead():
    """A current stay's inpatient accounts run from its admission month to a last month
    between one month behind and three months after the current one, never further
    (hsacctmodv2 creates accounts up to three months ahead); every day of them exists."""
    s = Env.sim
    current = TODAY[:7]
    lasts = []
    for pid in Env.summary["current_inpatients"]:
        _, info = s.api("/api01rv2/hsptinfv2?format=json", json_body("private_objects", {"Patient_ID": pid}))
        admission = info["Hospital_Stay_Infomation"][0]["Admission_Date"][:7]
        months = [month_after(current, k) for k in range(-2, 6)]
        have = [m for m in months if hsmeal(s, pid, m)[1]["Api_Result"] == "00"]
        expected_first = max(admission, months[0])
        check(have and have[0] == expected_first, "%s: accounts start at admission: %s" % (pid, have))
        eq(have, [m for m in months if have[0] <= m <= have[-1]], "%s: accounts contiguous" % pid)
        check(month_after(current, -1) <= have[-1] <= month_after(current, 3), "%s: last %s" % (pid, have[-1]))
        lasts.append(have[-1])
        if have[-1] > current:
            _, res = hsmeal(s, pid, have[-1])
            days = [d["Perform_Date"] for d in res["Monthly_Information"]]
            y, m = int(have[-1][:4]), int(have[-1][5:7])
            eq(days, ["%s-%02d" % (have[-1], d) for d in range(1, calendar.monthrange(y, m)[1] + 1)],
               "a month ahead has every day")
        _, res = hsmeal(s, pid, month_after(current, 4))
        header_ok(res, "04", reskey=None)
    for k in (-1, 0, 1, 3):
        check(month_after(current, k) in lasts, "some current stay's accounts end at month %+d" % k)


@test
def test_hsfind_test_patients_only_when_asked():
    """A blank TestPatient_Class leaves test patients out (UNCONFIRMED, strict); `b` includes them."""
    s = Env.sim
    _, res = hsfind(s, {"Patient_ID": "2007"})
    header5(res, "E0106")
    count, rows_b = hsfind_all(s, {"Patient_ID": "2007", "TestPatient_Class": "b"})
    check(count > 0 and all(r["Patient_ID"] == "02007" for r in rows_b), "b: the test patient's stays")
    count_only, _ = hsfind_all(s, {"State": "2", "TestPatient_Class": "1"})
    count_all, _ = hsfind_all(s, {"State": "2", "TestPatient_Class": "b"})
    count_blank, _ = hsfind_all(s, {"State": "2"})
    eq(count_blank + count_only, count_all, "blank = every stay but the test patients'")


@test
def test_hsconfward():
    s = Env.sim
    def ward(fields):
        return s.api("/api01rv2/hsconfwardv2?format=json", json_body("private_objects", fields))[1]
    res = ward({"Request_Number": "1"})
    header_ok(res, "00", reskey=None)
    wards = res["Ward_Configuration"]
    eq([w["Ward_Number"]["Data"] for w in wards], ["01", "02", "03", "04"])
    eq(wards[0]["Ward_Name"], {"Label": "病棟名称", "Data": "東３病棟"})
    eq(wards[0]["Room_Number"][0], {"Label": "病室番号", "Data": "301"})
    eq([w["Ward_Number"]["Data"] for w in ward({"Request_Number": "1", "Room_Number": "352"})["Ward_Configuration"]],
       ["02"])
    rooms = ward({"Request_Number": "2", "Ward_Number": "01"})["Room_Configuration"]
    eq(len(rooms), 8)
    eq(rooms[0]["Bed_Numbers"], {"Label": "収容人数", "Data": " 1", "Name": "人"})
    eq(ward({"Request_Number": "2"})["Api_Result"], "51")
    eq(ward({"Request_Number": "3"})["Api_Result"], "91")
    eq(ward({"Request_Number": "1", "Base_Date": "2025-02-30"})["Api_Result"], "01")
    eq(ward({"Request_Number": "1", "Base_Date": "2008-03-31"})["Api_Result"], "92")


@test
def test_system01lst():
    s = Env.sim
    name, res = s.api("/api01rv2/system01lstv2", xml_body("system01_managereq", {"Request_Number": "01",
                                                                                 "Base_Date": TODAY}))
    eq(name, "departmentres")
    header_ok(res, "00")
    codes = [d["Code"] for d in res["Department_Information"]]
    check(codes[:2] == ["01", "02"], codes)
    eq(res["Department_Information"][0], {"Code": "01", "WholeName": "内科", "Name1": "内科", "Name2": "内科",
                                           "Name3": "内", "Receipt_Code": "01"})
    name, res = s.api("/api01rv2/system01lstv2?format=json", json_body("system01_managereq", {"Request_Number": "02"}))
    eq(name, "physicianres")
    check(all(len(p["Code"]) == 5 for p in res["Physician_Information"]))
    eq(res["Base_Date"], TODAY, "blank Base_Date = today")
    name, res = s.api("/api01rv2/system01lstv2?class=01", xml_body("system01_managereq", {}))
    eq(name, "departmentres", "class query argument also selects")
    name, res = s.api("/api01rv2/system01lstv2", xml_body("system01_managereq", {}))
    header_ok(res, "91")


# ---------------------------------------------------------------------------
# Phase 3: registrations (on a separate simulator, so the shared data stay intact)
# ---------------------------------------------------------------------------

def patientmod(s, cls, fields):
    return s.api("/orca12/patientmodv2?class=%s&format=json" % cls, json_body("patientmodreq", fields))[1]


NEW_PATIENT = {"Patient_ID": "*", "WholeName": "試験 次郎", "WholeName_inKana": "ｼｹﾝ ｼﾞﾛｳ",
               "BirthDate": "1990-02-20", "Sex": "1",
               "Home_Address_Information": {"Address_ZipCode": "1000001", "PhoneNumber1": "03-0000-0000"},
               "HealthInsurance_Information": {"InsuranceProvider_Number": "138057",
                                               "HealthInsuredPerson_Symbol": "99",
                                               "HealthInsuredPerson_Number": "123"}}


@test
def test_patientmod_register():
    r = Env.reg
    _, summary = r.control("GET", "/__sim/summary")
    res = patientmod(r, "01", NEW_PATIENT)
    header_ok(res, "00", reskey="Acceptance_Info")
    eq(res["Api_Result_Message"], "登録終了")
    p = res["Patient_Information"]
    new_id = "%05d" % (int(summary["max_patient_id"]) + 1)
    eq(p["Patient_ID"], new_id, "auto-numbering takes the next free id")
    eq(p["WholeName"], "試験\u3000次郎", "half-width space converted")
    eq(p["WholeName_inKana"], "シケン\u3000ジロウ", "half-width kana converted")
    combo = p["HealthInsurance_Information"][0]
    eq((combo["Insurance_Combination_Number"], combo["InsuranceProvider_Class"], combo["HealthInsuredPerson_Symbol"]),
       ("0001", "060", "９９"))
    _, got = r.api("/api01rv2/patientgetv2?id=" + new_id)
    eq(got["Patient_Information"]["WholeName"], "試験\u3000次郎", "later reads see the new patient")
    _, listed = lst1(r, "02", {})
    check(new_id in [x["Patient_ID"] for x in rows(listed)], "listed by patientlst1v2 with CreateDate today")
    row = [x for x in rows(listed) if x["Patient_ID"] == new_id][0]
    eq((row["CreateDate"], row["UpdateDate"]), (TODAY, TODAY))
    _, found = lst3(r, {"WholeName": "シケン＊ジロウ"})
    check(new_id in [x["Patient_ID"] for x in rows(found)], "found by name")
    # Same name, sex and birth date again: registered, with warning K0.
    again = patientmod(r, "01", NEW_PATIENT)
    eq(again["Api_Result"], "K0")
    eq(again["Api_Result_Message"], "登録終了")
    eq(again["Api_Warning_Message1"], "警告！同一患者の登録があります")
    check(list(again.keys()).index("Api_Warning_Message1") < list(again.keys()).index("Reskey"))
    eq(again["Patient_Information"]["Patient_ID"], "%05d" % (int(new_id) + 1))


@test
def test_patientmod_errors():
    r = Env.reg
    base = dict(NEW_PATIENT, HealthInsurance_Information={})
    cases = [({"Patient_ID": ""}, "01"), ({"WholeName": ""}, "02"), ({"WholeName_inKana": ""}, "03"),
             ({"BirthDate": ""}, "04"), ({"Sex": ""}, "05"), ({"Patient_ID": "1"}, "13"),
             ({"Patient_ID": "12a"}, "12"), ({"WholeName": "Taro　Shiken"}, "14"),
             ({"WholeName_inKana": "SHIKEN"}, "15"), ({"Sex": "3"}, "16"), ({"BirthDate": "1990-02-30"}, "17"),
             ({"BirthDate": "2030-01-01"}, "P1"),
             ({"Home_Address_Information": {"PhoneNumber1": "０３"}}, "22")]
    for change, code in cases:
        res = patientmod(r, "01", dict(base, **change))
        eq(res["Api_Result"], code, "patientmodv2 %r" % change)
        eq(res["Reskey"], "Acceptance_Info")
        check("Patient_Information" not in res)
    eq(patientmod(r, "01", dict(base, BirthDate="2030-01-01"))["Api_Result_Message"], "生年月日に未来日が入力されました")
    eq(patientmod(r, "04", base)["Api_Result"], "91")
    eq(r.api("/orca12/patientmodv2?format=json", json_body("patientmodreq", base))[1]["Api_Result"], "91")


@test
def test_patientmod_update_and_delete():
    r = Env.reg
    created = patientmod(r, "01", dict(NEW_PATIENT, WholeName="更新 前子", WholeName_inKana="コウシン マエコ",
                                      Sex="2", BirthDate="1985-05-05", HealthInsurance_Information={}))
    pid = created["Patient_Information"]["Patient_ID"]
    update = {"Patient_ID": str(int(pid)), "WholeName": "更新　後子", "WholeName_inKana": "コウシン　アトコ",
              "BirthDate": "1985-05-05", "Sex": "2"}
    res = patientmod(r, "02", update)
    header_ok(res, "00", reskey="Acceptance_Info")
    eq(res["Api_Result_Message"], "更新終了")
    _, got = r.api("/api01rv2/patientgetv2?id=" + pid)
    eq(got["Patient_Information"]["WholeName"], "更新\u3000後子")
    _, found = lst3(r, {"WholeName": "コウシン　アト"})
    eq([x["Patient_ID"] for x in rows(found)], [pid], "name index follows the update")
    eq(lst3(r, {"WholeName": "コウシン　マエ"})[1]["Api_Result"], "20")
    eq(patientmod(r, "02", dict(update, Sex="1"))["Api_Result"], "50", "Mod_Key 1: sex must match")
    eq(patientmod(r, "02", dict(update, Mod_Key="2", WholeName="別人　花子"))["Api_Result"], "50")
    eq(patientmod(r, "02", dict(update, Mod_Key="3"))["Api_Result"], "53")
    eq(patientmod(r, "02", dict(update, Patient_ID="99998"))["Api_Result"], "10")
    # Delete: the target must match; patients with admissions cannot be deleted.
    delete = {"Patient_ID": pid, "WholeName": "更新　後子", "BirthDate": "1985-05-05", "Sex": "2"}
    eq(patientmod(r, "03", dict(delete, WholeName="違う　名前"))["Api_Result"], "81")
    inpatient = Env.summary["current_inpatients"][0]
    _, info = r.api("/api01rv2/patientgetv2?id=" + inpatient)
    p = info["Patient_Information"]
    eq(patientmod(r, "03", {"Patient_ID": inpatient, "WholeName": p["WholeName"], "BirthDate": p["BirthDate"],
                            "Sex": p["Sex"]})["Api_Result"], "82")
    res = patientmod(r, "03", delete)
    eq((res["Api_Result"], res["Api_Result_Message"]), ("00", "削除終了"))
    eq(r.api("/api01rv2/patientgetv2?id=" + pid)[1]["Api_Result"], "10", "deleted")
    _, res = lst2(r, [pid])
    eq(res["Patient_Information"][0]["WholeName"], "【患者番号がありません】")


@test
def test_patientmod_delete_refused_for_receptions_and_diseases():
    # ORCA deletes only a patient without visit history, disease names or admissions (82):
    # a patient with disease names only, and one with receptions only, are kept as they are.
    r = Env.reg
    stayed = {x["patient_id"] for x in truth(r, "admissions")}
    visited = {x["patient_id"] for x in truth(r, "visits")}
    diseased = {x["patient_id"] for x in truth(r, "diseases")}
    only_diseases = sorted(diseased - visited - stayed)
    only_visits = sorted(visited - diseased - stayed)
    check(only_diseases and only_visits, "the data have patients with disease names only and receptions only")
    for pid in (only_diseases[0], only_visits[0]):
        before = {t: truth(r, t, patient_id=pid) for t in ("patients", "visits", "diseases")}
        _, info = r.api("/api01rv2/patientgetv2?id=" + pid)
        p = info["Patient_Information"]
        res = patientmod(r, "03", {"Patient_ID": pid, "WholeName": p["WholeName"], "BirthDate": p["BirthDate"],
                                   "Sex": p["Sex"]})
        eq((res["Api_Result"], res["Api_Result_Message"]),
           ("82", "患者情報以外のデータが登録済みです。削除できません"), "patient %s" % pid)
        check("Patient_Information" not in res)
        eq({t: truth(r, t, patient_id=pid) for t in before}, before, "patient %s unchanged" % pid)
    # the patient of a registration with neither is deleted (test_patientmod_update_and_delete)


@test
def test_patientmod_workplace_fields():
    # class=01 and 02 take every WorkPlace_Information field, store it and echo it
    r = Env.reg
    work = {"WholeName": "ｻﾝﾌﾟﾙ商事", "Address_ZipCode": "1000001", "WholeAddress1": "東京都千代田区ﾁﾖﾀﾞ",
            "WholeAddress2": "1-2", "PhoneNumber": "03-1111-2222"}
    stored = {"WholeName": "サンプル商事", "Address_ZipCode": "1000001", "WholeAddress1": "東京都千代田区チヨダ",
              "WholeAddress2": "１－２", "PhoneNumber": "03-1111-2222"}
    created = patientmod(r, "01", dict(NEW_PATIENT, WholeName="勤務 先子", WholeName_inKana="キンム サキコ",
                                      Sex="2", HealthInsurance_Information={}, WorkPlace_Information=work))
    header_ok(created, "00", reskey="Acceptance_Info")
    eq(created["Patient_Information"]["WorkPlace_Information"], stored, "class=01 echo")
    pid = created["Patient_Information"]["Patient_ID"]
    eq(r.api("/api01rv2/patientgetv2?id=%s&format=json" % pid)[1]["Patient_Information"]["WorkPlace_Information"],
       stored, "class=01 stored every field")
    update = {"Patient_ID": pid, "WholeName": "勤務　先子", "WholeName_inKana": "キンム　サキコ",
              "BirthDate": NEW_PATIENT["BirthDate"], "Sex": "2",
              "WorkPlace_Information": {"Address_ZipCode": "0600001", "PhoneNumber": "011-222-3333"}}
    res = patientmod(r, "02", update)
    header_ok(res, "00", reskey="Acceptance_Info")
    want = {"Address_ZipCode": "0600001", "PhoneNumber": "011-222-3333"}
    eq(res["Patient_Information"]["WorkPlace_Information"], want, "class=02 echo: what was sent, the rest blanked")
    eq(r.api("/api01rv2/patientgetv2?id=%s&format=json" % pid)[1]["Patient_Information"]["WorkPlace_Information"],
       want, "class=02 rewrote every field")
    eq(truth(r, "patients", patient_id=pid)[0]["workplace_information"], want)
    for change, code in (({"Address_ZipCode": "100-0001"}, "21"), ({"PhoneNumber": "０３"}, "24")):
        res = patientmod(r, "02", dict(update, WorkPlace_Information=change))
        eq((res["Api_Result"], res["Api_Result_Message"]),
           (code, {"21": "勤務先郵便番号エラー", "24": "勤務先電話番号エラー"}[code]), "workplace %r" % change)


@test
def test_patientmod_keeps_what_it_is_sent():
    # names padded with U+3000 and a lone U+3000 in empty fields are stored data: an update
    # matches by the padded names and keeps what it is sent back; what it is not sent is blanked
    r = Env.reg
    raw = {row["patient_id"]: row for row in truth(r, "patients", trim_values="false")}
    padded = [p for p, row in sorted(raw.items()) if row["whole_name"].endswith("\u3000")
              and row["comment1"] == "\u3000" and row["comment2"] == "\u3000"]
    check(padded, "a padded patient with lone U+3000 comments")
    pid = padded[0]
    row = raw[pid]
    trimmed = truth(r, "patients", patient_id=pid)[0]
    eq((trimmed["whole_name"], trimmed["comment1"]), (row["whole_name"].rstrip("\u3000"), None),
       "the default truth cleans, trim_values=false does not")
    base = {"Patient_ID": pid, "WholeName": row["whole_name"].rstrip("\u3000"),
            "WholeName_inKana": row["whole_name_in_kana"], "BirthDate": row["birth_date"], "Sex": row["sex"],
            "Mod_Key": "2"}
    eq(patientmod(r, "02", base)["Api_Result"], "50", "Mod_Key 2 matches the stored (padded) names")
    res = patientmod(r, "02", dict(base, WholeName=row["whole_name"], Comment1="\u3000"))
    header_ok(res, "00", reskey="Acceptance_Info")
    after = truth(r, "patients", patient_id=pid, trim_values="false")[0]
    eq((after["whole_name"], after["comment1"], after["comment2"]), (row["whole_name"], "\u3000", None),
       "Comment1 sent back as U+3000 kept, Comment2 not sent blanked")
    eq(r.control("GET", "/__sim/truth/patients?trim_values=yes")[0], 400)


@test
def test_patientmod_concurrent_autonumber():
    r = Env.reg
    ids, lock = [], threading.Lock()

    def worker(i):
        res = patientmod(r, "01", dict(NEW_PATIENT, WholeName="並行　%s" % "一二三四五六七八"[i],
                                       WholeName_inKana="ヘイコウ　イチ", HealthInsurance_Information={}))
        with lock:
            ids.append(res["Patient_Information"]["Patient_ID"])
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    eq(len(set(ids)), 8, "8 concurrent registrations get 8 distinct ids")


def inpatient_mod(s, fields, path="/orca31/hsptinfmodv2"):
    return s.api(path + "?format=json", json_body("private_objects", fields))[1]


def new_outpatient(r, name):
    res = patientmod(r, "01", dict(NEW_PATIENT, WholeName=name, WholeName_inKana="ニュウイン　テスト",
                                   HealthInsurance_Information={"InsuranceProvider_Number": "138057"}))
    return res["Patient_Information"]["Patient_ID"]


@test
def test_admission_discharge_cycle():
    r = Env.reg
    pid = new_outpatient(r, "入院　一号")
    admit = {"Request_Number": "01", "Patient_ID": str(int(pid)), "Admission_Date": "2025-06-10",
             "Ward_Number": "01", "Room_Number": "303", "Department_Code": "01", "Doctor_Code": ["10001"]}
    res = inpatient_mod(r, dict(admit, Ward_Number="09", Room_Number="999", Department_Code="77"))
    eq([x["Api_Result"] for x in res["Api_Results"]], ["0018", "0020", "0002"], "several errors at once")
    eq(res["Request_Number"], {"Label": "リクエスト番号", "Data": "01", "Name": "入院登録"})
    eq(inpatient_mod(r, dict(admit, Patient_ID="99998"))["Api_Results"][0]["Api_Result"], "0004")
    eq(inpatient_mod(r, dict(admit, Admission_Date="2025-06-31"))["Api_Results"][0]["Api_Result"], "8001")
    eq(inpatient_mod(r, dict(admit, Admission_Date="2011-01-01"))["Api_Results"][0]["Api_Result"], "8002")
    eq(inpatient_mod(r, dict(admit, Room_Charge="1234"))["Api_Results"][0]["Api_Result"], "8047")
    eq(inpatient_mod(r, dict(admit, Doctor_Code=["99999"]))["Api_Results"][0]["Api_Result"], "0025")
    eq(inpatient_mod(r, dict(admit, Request_Number="04"))["Api_Results"][0]["Api_Result"], "8003")
    res = inpatient_mod(r, admit)
    eq(res["Api_Results"], [{"Api_Result": "0000", "Api_Result_Message": "処理終了"}])
    stay = res["Hospital_Stay_Infomation"]
    check(isinstance(stay, dict), "a single record in the registration answer")
    eq((stay["History_Number"], stay["Admission_Date"], stay["Ward_Number"]["Data"], stay["Room_Number"]["Data"]),
       ("001", "2025-06-10", "01", "303"))
    eq(inpatient_mod(r, admit)["Api_Results"][0]["Api_Result"], "0028", "already admitted")
    # The stay appears in the reads.
    _, found = hsfind(r, {"Patient_ID": pid, "State": "1"})
    eq([(x["Admission_Date"], x["Discharge_Date"]) for x in found["Result"]], [("2025-06-10", "9999-12-31")])
    _, info = r.api("/api01rv2/hsptinfv2?format=json", json_body("private_objects", {"Patient_ID": pid}))
    eq(info["Hospital_Stay_Infomation"][0]["Admission_Date"], "2025-06-10")
    _, summary = r.control("GET", "/__sim/summary")
    check(pid in summary["current_inpatients"])
    _, meals = hsmeal(r, pid, "2025-06")
    eq(meals["Monthly_Information"][0]["Perform_Date"], "2025-06-10")
    _, got = r.api("/api01rv2/patientgetv2?id=" + pid)
    eq((got["Patient_Information"]["Outpatient_Class"], got["Patient_Information"]["Admission_Date"]),
       ("1", "2025-06-10"))

    # Meals (hsacctmodv2 Request_Number 4).
    meal_req = {"Request_Number": "4", "Patient_ID": pid, "Admission_Date": "2025-06-10",
                "Perform_Date": "2025-06-11",
                "Meal_Information": [{"Meal_Time": "01", "Meal_Type": "0", "Meal_Dates": "*/11-13"},
                                     {"Meal_Time": "03", "Meal_Type": "2", "Meal_Dates": "*/14",
                                      "Meal_SameAfter": "1"}]}
    acct = "/orca31/hsacctmodv2"
    res = inpatient_mod(r, meal_req, acct)
    eq(res["Api_Results"], [{"Api_Result": "00"}], "meal registration succeeded")
    eq(res["Request_Number"], {"Label": "リクエスト番号", "Data": "4", "Name": "食事"})
    eq(res["Perform_Month"], "2025-06")
    check("Hospital_Charge_Information" not in res["Monthly_Information"][0], "hsacctmodv2 has no 2018 per-day charges")
    _, meals = hsmeal(r, pid, "2025-06")
    by_day = {d["Perform_Date"]: d for d in meals["Monthly_Information"]}
    for day in ("2025-06-11", "2025-06-12", "2025-06-13"):
        eq(by_day[day]["Morning_Meal"]["Data"], "00", "breakfast stopped on " + day)
    eq(by_day["2025-06-14"]["Morning_Meal"]["Data"], "01")
    for day in ("2025-06-13", "2025-06-14", "2025-06-20", "2025-06-30"):
        eq(by_day[day]["Evening_Meal"]["Data"], "02" if day >= "2025-06-14" else "01", "dinner on " + day)
    eq(by_day["2025-06-14"]["Evening_Meal"]["Name"], "食事あり（特別食）")
    _, info = r.api("/api01rv2/hsptinfv2?format=json", json_body("private_objects", {"Patient_ID": pid}))
    eq(info["Hospital_Stay_Infomation"][0]["Meal_Type"]["Data"], "C", "Meal_SameAfter → 個別指示")
    eq(info["Hospital_Stay_Infomation"][0]["Evening_Meal"]["Data"], "2")
    # Meal errors.
    def meal_error(change, item_change=None):
        req = dict(meal_req, **change)
        if item_change is not None:
            req["Meal_Information"] = [dict(meal_req["Meal_Information"][0], **item_change)]
        return [x["Api_Result"] for x in inpatient_mod(r, req, acct)["Api_Results"]]
    eq(meal_error({}, {"Meal_Time": "04"}), ["0085"])
    eq(meal_error({"Meal_Information": [meal_req["Meal_Information"][0]] * 2}), ["0086"])
    eq(meal_error({}, {"Meal_Type": "5"}), ["0145"])
    eq(meal_error({}, {"Meal_Dates": "1-3"}), ["0136"])
    eq(meal_error({}, {"Meal_Dates": "*/"}), ["0137"])
    eq(meal_error({}, {"Meal_Dates": "*/1-3"}), ["0138"])
    eq(meal_error({}, {"Meal_SameAfter": "2"}), ["0201"])
    eq(meal_error({"Admission_Date": "2025-06-01"}), ["8005"])
    eq(meal_error({"Patient_ID": "99998"}), ["0004"])
    eq(meal_error({"Request_Number": "04"}), ["8003"])
    eq(meal_error({"Patient_ID": new_outpatient(r, "食事　なし")}), ["8010"])

    # Discharge.
    discharge = {"Request_Number": "02", "Patient_ID": pid, "Admission_Date": "2025-06-10",
                 "Discharge_Date": "2025-06-14", "Discharge_Reason": "01"}
    eq(inpatient_mod(r, dict(discharge, Discharge_Date="2025-06-01"))["Api_Results"][0]["Api_Result"], "0053")
    eq(inpatient_mod(r, dict(discharge, Discharge_Date="x"))["Api_Results"][0]["Api_Result"], "8009")
    eq(inpatient_mod(r, dict(discharge, Admission_Date="2025-06-09"))["Api_Results"][0]["Api_Result"], "8005")
    res = inpatient_mod(r, discharge)
    eq(res["Api_Results"][0]["Api_Result"], "0000")
    eq(res["Request_Number"]["Name"], "退院登録")
    eq((res["Start_Date"], res["End_Date"], res["History_Number"]), ("2025-06-10", "2025-06-14", "001"))
    eq(res["Acsimulate_Information"][-1]["Information_Class"]["Data"], "2", "grand total last")
    eq(inpatient_mod(r, discharge)["Api_Results"][0]["Api_Result"], "0052", "already discharged")
    _, found = hsfind(r, {"Patient_ID": pid})
    eq((found["Result"][0]["Discharge_Date"], found["Result"][0]["Discharge_Reason_Name"]), ("2025-06-14", "治癒"))
    _, meals = hsmeal(r, pid, "2025-06")
    eq(meals["Monthly_Information"][-1]["Perform_Date"], "2025-06-14", "calendar ends at discharge")
    # Cancel the discharge, then the admission.
    res = inpatient_mod(r, {"Request_Number": "07", "Patient_ID": pid, "Admission_Date": "2025-06-10"})
    eq(res["Api_Results"][0]["Api_Result"], "0000")
    _, found = hsfind(r, {"Patient_ID": pid})
    eq(found["Result"][0]["Discharge_Date"], "9999-12-31", "discharge cancelled")
    res = inpatient_mod(r, {"Request_Number": "05", "Patient_ID": pid, "Admission_Date": "2025-06-10"})
    eq(res["Api_Results"][0]["Api_Result"], "0000")
    eq(hsfind(r, {"Patient_ID": pid})[1]["Api_Result"], "E0106", "admission cancelled")


@test
def test_api_error_fault_on_registration():
    r = Env.reg
    pid = new_outpatient(r, "障害　試験")
    r.control("POST", "/__sim/fault", {"mode": "api_error", "path": "/orca31/hsptinfmodv2"})
    admit = {"Request_Number": "01", "Patient_ID": pid, "Admission_Date": "2025-06-12", "Ward_Number": "02",
             "Room_Number": "355", "Department_Code": "10"}
    res = inpatient_mod(r, admit)
    eq(res["Api_Results"], [{"Api_Result": "9999", "Api_Result_Message": "他端末で使用中です"}])
    eq(hsfind(r, {"Patient_ID": pid})[1]["Api_Result"], "E0106", "nothing registered by a faulted request")
    r.control("POST", "/__sim/fault", {"mode": "http500", "path": "/orca12/patientmodv2"})
    _, before = r.control("GET", "/__sim/summary")
    eq(r.request("POST", "/orca12/patientmodv2?class=01", json_body("patientmodreq", NEW_PATIENT))[0], 500)
    _, after = r.control("GET", "/__sim/summary")
    eq(after["patients"], before["patients"], "http500 before the handler: no registration")
    eq(inpatient_mod(r, admit)["Api_Results"][0]["Api_Result"], "0000")



# ---------------------------------------------------------------------------
# Ground truth (/__sim/truth/<table>) and the registration log (/__sim/registrations)
# ---------------------------------------------------------------------------

def truth(s, table, **params):
    query = "&".join("%s=%s" % kv for kv in sorted(params.items()))
    status, doc = s.control("GET", "/__sim/truth/%s%s" % (table, "?" + query if query else ""))
    eq(status, 200, "truth of %s: %r" % (table, doc))
    eq(doc["table"], table)
    eq(doc["row_count"], len(doc["rows"]))
    names = [c["name"] for c in doc["columns"]]
    for row in doc["rows"]:
        eq(list(row.keys()), names, "every row has every column, in order")
    eq(doc["inconsistencies"], [], "the simulator's APIs agree with each other")
    return doc["rows"]


def text_or_none(value):
    """The truth's text rendering: blank → None, trailing U+3000 removed."""
    if value is None or value.strip(" \u3000") == "":
        return None
    return value.rstrip("\u3000")


@test
def test_truth_endpoint_shape_and_errors():
    s = Env.sim
    status, doc = s.control("GET", "/__sim/truth")
    eq(status, 200)
    eq(doc["tables"], ["patients", "admissions", "meals", "wards", "rooms", "departments", "doctors", "visits",
                       "diseases"])
    eq(s.control("GET", "/__sim/truth/receptions")[0], 404, "unknown table")
    eq(s.control("POST", "/__sim/truth/patients")[0], 405)
    eq(s.control("GET", "/__sim/truth/wards?patient_id=1")[0], 400, "patient_id filters per-patient tables only")
    eq(s.control("GET", "/__sim/truth/admissions?from=2025-01-01")[0], 400, "from/to filter meals and visits only")
    eq(s.control("GET", "/__sim/truth/meals?from=2025-02-30")[0], 400, "a bad date")
    status, doc = s.control("GET", "/__sim/truth/patients?patient_id=99999")
    eq((status, doc["rows"]), (200, []), "an unknown patient has no rows")
    before = s.control("GET", "/__sim/stats")[1]["total"]
    truth(s, "departments")
    eq(s.control("GET", "/__sim/stats")[1]["total"], before, "truth calls are not counted as API requests")
    types = {c["name"]: c["type"] for c in s.control("GET", "/__sim/truth/patients?patient_id=1")[1]["columns"]}
    eq((types["birth_date"], types["update_time"], types["insurance_combinations"]), ("date", "time", "jsonb"))


@test
def test_truth_patients_match_the_apis():
    s = Env.sim
    rows = truth(s, "patients")
    eq([r["patient_id"] for r in rows], ["%05d" % n for n in range(1, PATIENTS + 1)], "every patient, in id order")
    by_id = {r["patient_id"]: r for r in rows}
    for pid in ("00001", "00007", "00257", Env.summary["dateless"][0], Env.summary["current_inpatients"][0]):
        row = by_id[pid]
        _, got = s.api("/api01rv2/patientgetv2?id=" + pid)
        p = got["Patient_Information"]
        for column, element in (("whole_name", "WholeName"), ("whole_name_in_kana", "WholeName_inKana"),
                                ("birth_date", "BirthDate"), ("sex", "Sex"), ("test_patient_flag", "TestPatient_Flag"),
                                ("occupation", "Occupation"), ("house_holder_whole_name", "HouseHolder_WholeName"),
                                ("first_visit_date", "FirstVisit_Date"), ("last_visit_date", "LastVisit_Date")):
            eq(row[column], text_or_none(p.get(element)), "%s of %s" % (column, pid))
        eq(row["phone_number1"], p["Home_Address_Information"].get("PhoneNumber1"))
        eq(row["insurance_combinations"], p.get("HealthInsurance_Information"), "jsonb as the JSON API answers it")
        _, listed = lst2(s, [pid], fmt_json=True)
        item = listed["Patient_Information"][0]
        eq(row["outpatient_class"], item["Outpatient_Class"])
        eq(row["health_insurance_information"], item.get("HealthInsurance_Information"))
        eq(row["public_insurance_information"], item.get("PublicInsurance_Information"))
    eq(by_id["00007"]["test_patient_flag"], "1", "ids = 7 (mod 250) are test patients")
    dateless = by_id[Env.summary["dateless"][0]]
    eq((dateless["create_date"], dateless["update_date"], dateless["update_time"]), (None, None, None),
       "migrated patients have no dates")
    _, listed = lst1(s, "02", {"Base_StartDate": "2005-01-01", "Base_EndDate": "2005-03-31"}, fmt_json=True)
    for item in rows_of(listed):
        row = by_id[item["Patient_ID"]]
        eq((row["create_date"], row["update_date"], row["update_time"]),
           (item["CreateDate"], item["UpdateDate"], item["UpdateTime"]), "patientlst1v2 dates")
    inpatient = by_id[Env.summary["current_inpatients"][0]]
    eq(inpatient["outpatient_class"], "1")
    one = truth(s, "patients", patient_id="42")
    eq(one, [by_id["00042"]], "patient_id filter, any spelling of the id")


def rows_of(res, key="Patient_Information"):
    return res.get(key, [])


@test
def test_truth_admissions_match_hsfindv3():
    s = Env.sim
    rows = truth(s, "admissions")
    stays = (hsfind_all(s, {"State": "1", "TestPatient_Class": "b"})[1] +
             hsfind_all(s, {"State": "2", "TestPatient_Class": "b"})[1])
    eq(sorted((x["Patient_ID"], x["Admission_Date"]) for x in stays),
       [(r["patient_id"], r["admission_date"]) for r in rows], "every stay once, ordered by patient and admission")
    by_key = {(r["patient_id"], r["admission_date"]): r for r in rows}
    for x in stays:
        row = by_key[(x["Patient_ID"], x["Admission_Date"])]
        eq((row["ward_number"], row["room_number"], row["department_code"], row["whole_name"], row["birth_date"]),
           (x["Ward_Number"], x["Room_Number"], x["Department_Code"], x["WholeName"].rstrip("\u3000"),
            x["Birth_Date"]))  # names padded with U+3000 read trimmed
        eq(row["discharge_date"], None if x["Discharge_Date"] == "9999-12-31" else x["Discharge_Date"],
           "9999-12-31 renders as null")
    current = [r for r in rows if r["discharge_date"] is None]
    eq(sorted(r["patient_id"] for r in current), sorted(Env.summary["current_inpatients"]))
    pid = current[0]["patient_id"]
    _, info = s.api("/api01rv2/hsptinfv2?format=json", json_body("private_objects", {"Patient_ID": pid}))
    latest = info["Hospital_Stay_Infomation"][0]
    row = by_key[(pid, latest["Admission_Date"])]
    eq((row["history_number"], row["doctor"], row["room_charge"], row["meal_type"]),
       (latest["History_Number"], latest["Doctor"], int(latest["Room_Charge"]["Data"]), latest["Meal_Type"]["Data"]))
    check(isinstance(row["room_charge"], int), "integer columns are JSON numbers")
    eq(truth(s, "admissions", patient_id=pid), [r for r in rows if r["patient_id"] == pid])


@test
def test_truth_meals_match_hsmealv2():
    s = Env.sim
    pid = Env.summary["current_inpatients"][0]
    rows = truth(s, "meals", patient_id=pid)
    month = TODAY[:7]
    _, res = hsmeal(s, pid, month)
    days = res["Monthly_Information"]
    this_month = [r for r in rows if r["perform_date"].startswith(month)]
    eq([r["perform_date"] for r in this_month], [d["Perform_Date"] for d in days], "every day ORCA answers")
    for row, day in zip(this_month, days):
        eq((row["patient_id"], row["morning_meal"], row["lunch_meal"], row["evening_meal"], row["ward_number"],
            row["patient_status"], row["room_charge"]),
           (pid, day["Morning_Meal"]["Data"], day["Lunch_Meal"]["Data"], day["Evening_Meal"]["Data"],
            day["Ward_Number"]["Data"], day["Patient_Status"]["Data"], int(day["Room_Charge"]["Data"])))
        eq(row["evening_meal_name"], MEAL_NAMES[day["Evening_Meal"]["Data"]])
    # Every month the truth lists is a month hsmealv2 answers, and no other.
    months = sorted({r["perform_date"][:7] for r in rows})
    for m in months:
        eq(hsmeal(s, pid, m)[1]["Api_Result"], "00", "month " + m)
    year, month0 = divmod(int(months[-1][:4]) * 12 + int(months[-1][5:]), 12)  # the next month, 0-based
    later = "%04d-%02d" % (year, month0 + 1)
    eq(hsmeal(s, pid, later)[1]["Api_Result"], "04", "the month after the last one has no account")
    first = month + "-10"
    window = truth(s, "meals", patient_id=pid, **{"from": first, "to": month + "-12"})
    eq(window, [r for r in rows if first <= r["perform_date"] <= month + "-12"], "from/to filter")
    everyone = truth(s, "meals", **{"from": TODAY, "to": TODAY})
    # (an inpatient whose accounts lag behind the current month has no day in it)
    accounted = [p for p in Env.summary["current_inpatients"] if hsmeal(s, p, month)[1]["Api_Result"] == "00"]
    eq(sorted(r["patient_id"] for r in everyone), sorted(accounted), "one row per inpatient on a day")


@test
def test_truth_reference_tables():
    s = Env.sim
    wards = truth(s, "wards")
    eq([w["ward_number"] for w in wards], ["01", "02", "03", "04"])
    eq(wards[0]["end_date"], None, "open end → null")
    eq(wards[0]["room_number"][0], {"Label": "病室番号", "Data": "301"})
    rooms = truth(s, "rooms")
    eq(len(rooms), sum(len(w["room_number"]) for w in wards))
    eq([(r["room_number"], r["room_charge"]) for r in rooms[:4]],
       [("301", 11000), ("302", 5500), ("303", 3300), ("304", None)], "no Room_Charge element → null")
    eq([d["department_code"] for d in truth(s, "departments")], ["01", "02", "03", "04", "10", "11", "20", "22"])
    doctors = truth(s, "doctors")
    eq([d["doctor_code"] for d in doctors], ["%d" % n for n in range(10001, 10009)])


def registrations(s):
    status, doc = s.control("GET", "/__sim/registrations")
    eq(status, 200)
    return doc["registrations"]


@test
def test_registration_log_and_truth_follow_registrations():
    r = Env.reg
    r.reset()
    eq(registrations(r), [], "reset clears the log")
    created = patientmod(r, "01", dict(NEW_PATIENT, WholeName="真実　一郎", WholeName_inKana="シンジツ　イチロウ",
                                      Comment1="メモ\u3000\u3000", Comment2="\u3000",
                                      HealthInsurance_Information={}))
    pid = created["Patient_Information"]["Patient_ID"]
    row = truth(r, "patients", patient_id=pid)[0]
    eq((row["whole_name"], row["create_date"], row["update_date"]), ("真実\u3000一郎", TODAY, TODAY))
    eq((row["comment1"], row["comment2"]), ("メモ", None), "trailing U+3000 removed, blank → null")
    eq(patientmod(r, "01", dict(NEW_PATIENT, Sex="3"))["Api_Result"], "16")
    r.control("POST", "/__sim/fault", {"mode": "api_error", "path": "/orca12/patientmodv2"})
    eq(patientmod(r, "01", NEW_PATIENT)["Api_Result"], "90")
    r.control("POST", "/__sim/fault", {"mode": "reset", "path": "/orca31/hsptinfmodv2"})
    admit = {"Request_Number": "01", "Patient_ID": str(int(pid)), "Admission_Date": "2025-06-01",
             "Ward_Number": "01", "Room_Number": "304", "Department_Code": "01"}
    try:
        inpatient_mod(r, admit)
        raise AssertionError("the reset fault answers nothing")
    except (ConnectionError, http.client.HTTPException, OSError):
        pass
    eq(truth(r, "admissions", patient_id=pid), [], "nothing admitted by a reset request")
    eq(inpatient_mod(r, admit)["Api_Results"][0]["Api_Result"], "0000")
    meal = {"Request_Number": "4", "Patient_ID": pid, "Admission_Date": "2025-06-01", "Perform_Date": "2025-08-03",
            "Meal_Information": [{"Meal_Time": "02", "Meal_Type": "3", "Meal_Dates": "*/3-4"}]}
    eq(inpatient_mod(r, meal, "/orca31/hsacctmodv2")["Api_Results"][0]["Api_Result"], "00")
    log = registrations(r)
    eq([(x["seq"], x["api"], x["selector"], x["patient_id"], x["api_result"], x["fault"], x["handled"], x["changed"])
         for x in log],
       [(1, "patientmodv2", "class=01", pid, "00", None, True, True),
        (2, "patientmodv2", "class=01", "*", "16", None, True, False),
        (3, "patientmodv2", "class=01", "*", "90", "api_error", False, False),
        (4, "hsptinfmodv2", "Request_Number=01", pid, None, "reset", False, False),
        (5, "hsptinfmodv2", "Request_Number=01", pid, "0000", None, True, True),
        (6, "hsacctmodv2", "Request_Number=4", pid, "00", None, True, True)])
    eq((log[0]["requested_id"], log[4]["requested_id"], log[4]["admission_date"]), ("*", str(int(pid)), "2025-06-01"))
    eq((log[5]["perform_date"], log[5]["meal_items"]),
       ("2025-08-03", [{"Meal_Time": "02", "Meal_Type": "3", "Meal_Dates": "*/3-4"}]))
    stays = truth(r, "admissions", patient_id=pid)
    eq([(x["admission_date"], x["discharge_date"], x["ward_number"]) for x in stays], [("2025-06-01", None, "01")])
    meals = truth(r, "meals", patient_id=pid)
    eq((meals[0]["perform_date"], meals[-1]["perform_date"]), ("2025-06-01", "2025-08-31"),
       "the meal registration opened August: the truth shows months ahead of today")
    eq([m["lunch_meal"] for m in meals if m["perform_date"] in ("2025-08-03", "2025-08-04", "2025-08-05")],
       ["03", "03", "01"])
    discharge = {"Request_Number": "02", "Patient_ID": pid, "Admission_Date": "2025-06-01",
                 "Discharge_Date": "2025-06-20"}
    eq(inpatient_mod(r, discharge)["Api_Results"][0]["Api_Result"], "0000")
    eq(registrations(r)[-1]["discharge_date"], "2025-06-20")
    eq(truth(r, "admissions", patient_id=pid)[0]["discharge_date"], "2025-06-20")
    eq(truth(r, "meals", patient_id=pid)[-1]["perform_date"], "2025-06-20", "no meals after the discharge")


@test
def test_truth_waits_for_registrations():
    r = Env.reg
    before = len(truth(r, "patients"))
    done = []

    def register(i):
        res = patientmod(r, "01", dict(NEW_PATIENT, WholeName="同時　%s" % "一二三四五六"[i],
                                       WholeName_inKana="ドウジ　テスト", HealthInsurance_Information={}))
        done.append(res["Api_Result"])
    threads = [threading.Thread(target=register, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    counts = [len(truth(r, "patients")) for _ in range(3)]
    for t in threads:
        t.join()
    eq(sorted(set(done)), ["00"])
    check(all(before <= c <= before + 6 for c in counts), "snapshots between the states: %r" % counts)
    eq(len(truth(r, "patients")), before + 6)


@test
def test_bad_patient_id_fault():
    r = Env.reg
    _, before = r.control("GET", "/__sim/summary")
    for fmt in ("json", "xml"):
        r.control("POST", "/__sim/fault", {"mode": "bad_patient_id", "path": "/orca12/patientmodv2"})
        path = "/orca12/patientmodv2?class=01" + ("&format=json" if fmt == "json" else "")
        if fmt == "json":
            res = r.api(path, json_body("patientmodreq", NEW_PATIENT))[1]
        else:
            res = r.api(path, "<data><patientmodreq type=\"record\"><Patient_ID type=\"string\">*</Patient_ID>"
                              "<WholeName type=\"string\">試験　三郎</WholeName><WholeName_inKana type=\"string\">"
                              "シケン　サブロウ</WholeName_inKana><BirthDate type=\"string\">1990-02-20</BirthDate>"
                              "<Sex type=\"string\">1</Sex></patientmodreq></data>")[1]
        eq(res["Api_Result"] in ("00", "K0"), True, "the registration is made")
        pid = res["Patient_Information"]["Patient_ID"]
        eq(pid[0], "X", "the answered id is broken: %r" % pid)
        eq(pid[1:].isdigit(), True, pid)
    _, after = r.control("GET", "/__sim/summary")
    eq(after["patients"], before["patients"] + 2, "both registrations were made")


# ---------------------------------------------------------------------------
# Outpatients: acceptlstv2 (receptions) and diseasegetv2 (disease names)
# ---------------------------------------------------------------------------

def accept(s, klass, fields):
    return s.api("/api01rv2/acceptlstv2?class=" + klass, xml_body("acceptlstreq", fields))


def weekday(day):
    return datetime.date.fromisoformat(day).weekday() < 5


@test
def test_acceptlst_receptions_of_a_day():
    s = Env.sim
    visits = truth(s, "visits")
    check(len(visits) > PATIENTS // 10, "a share of the patients have receptions: %d" % len(visits))
    days = sorted({v["visit_date"] for v in visits})
    check(all(weekday(d) and d < TODAY for d in days), "receptions only on past weekdays")
    check(days[0] >= "2023-06-15", "within the last two years: %s" % days[0])
    keys = [(v["visit_date"], v["acceptance_id"]) for v in visits]
    eq(len(keys), len(set(keys)), "a reception is (day, acceptance id)")
    check(all(v["account_time"] for v in visits), "past receptions are accounted")
    # the busiest day, as the API answers it
    day = max(days, key=lambda d: sum(v["visit_date"] == d for v in visits))
    want = [v for v in visits if v["visit_date"] == day]
    name, res = accept(s, "03", {"Acceptance_Date": day})
    eq(name, "acceptlstres")
    header_ok(res, "00")
    eq(res["Acceptance_Date"], day)
    items = res["Acceptlst_Information"]
    eq([i["Acceptance_Id"] for i in items], ["%05d" % n for n in range(1, len(want) + 1)], "ids in reception order")
    eq(sorted(i["Acceptance_Time"] for i in items), [i["Acceptance_Time"] for i in items])
    eq(sorted((i["Patient_Information"]["Patient_ID"], i["Department_Code"]) for i in items),
       sorted((v["patient_id"], v["department_code"]) for v in want), "the truth is what the API answers")
    first = items[0]
    eq(first["HealthInsurance_Information"]["Insurance_Combination_Number"], want[0]["insurance_combination_number"])
    check(first["Department_WholeName"] and first["Physician_WholeName"], "names as ORCA gives them")
    # classes: 02 accounted = all of them (past days); 01 waiting = none
    eq(len(accept(s, "02", {"Acceptance_Date": day})[1]["Acceptlst_Information"]), len(items))
    header_ok(accept(s, "01", {"Acceptance_Date": day})[1], "21")
    # narrowing
    dep = first["Department_Code"]
    got = accept(s, "03", {"Acceptance_Date": day, "Department_Code": dep})[1]["Acceptlst_Information"]
    eq(len(got), sum(v["department_code"] == dep for v in want))
    doc = first["Physician_Code"]
    got = accept(s, "03", {"Acceptance_Date": day, "Physician_Code": doc})[1]["Acceptlst_Information"]
    eq(len(got), sum(v["physician_code"] == doc for v in want))
    header_ok(accept(s, "03", {"Acceptance_Date": day, "Physician_Code": "99999"})[1], "13")
    header_ok(accept(s, "03", {"Acceptance_Date": day, "Department_Code": "99"})[1], "12")
    header_ok(accept(s, "03", {"Acceptance_Date": "2025-06-14"})[1], "21")  # a Saturday
    header_ok(accept(s, "03", {"Acceptance_Date": "2025-02-30"})[1], "01")
    header_ok(accept(s, "04", {"Acceptance_Date": day})[1], "91")
    # truth filters
    eq(len(truth(s, "visits", **{"from": day, "to": day})), len(want))
    pid = want[0]["patient_id"]
    eq(truth(s, "visits", patient_id=pid), [v for v in visits if v["patient_id"] == pid])
    eq(truth(s, "visits", patient_id="99999"), [])


@test
def test_diseaseget_names_of_a_patient():
    s = Env.sim
    diseases = truth(s, "diseases")
    patients = {d["patient_id"] for d in diseases}
    check(PATIENTS // 5 < len(patients) < PATIENTS * 3 // 5, "a share of the patients: %d" % len(patients))
    inpatients = {a["patient_id"] for a in truth(s, "admissions")}
    eq(inpatients - patients, set(), "every patient with a stay has a disease name")
    for pid in sorted(inpatients)[:20]:
        mains = [d for d in diseases if d["patient_id"] == pid and d["disease_category"] == "PD"]
        eq(len(mains), 1, "one main disease of an inpatient")
        eq(mains[0]["disease_in_out"], "I")
    pid = sorted(patients)[0]
    want = [d for d in diseases if d["patient_id"] == pid]
    name, res = s.api("/api01rv2/diseasegetv2?class=01", xml_body("disease_inforeq", {"Patient_ID": pid,
                                                                                     "Select_Mode": "All"}))
    eq(name, "disease_infores")
    header_ok(res, "00", "MedicalInfo")
    eq(res["Disease_Infores"]["Patient_ID"], pid)
    eq(res["Information_Overflow"], "False")
    items = res["Disease_Information"]
    eq([(i["Disease_Code"], i["Disease_StartDate"]) for i in items],
       [(d["disease_code"], d["start_date"]) for d in want], "oldest start first; the truth is the API's answer")
    eq(sorted(i["Disease_StartDate"] for i in items), [i["Disease_StartDate"] for i in items])
    ended = [d for d in diseases if d["end_date"]]
    check(ended and all(d["outcome"] for d in ended), "ended names have an outcome")
    check(all(d["end_date"] is None or d["end_date"] >= d["start_date"] for d in diseases))
    # without Select_Mode All: the names open in the Base_Date month
    if ended:
        e = ended[0]
        month = e["start_date"][:7]
        res = s.api("/api01rv2/diseasegetv2?class=01", xml_body("disease_inforeq", {"Patient_ID": e["patient_id"],
                                                                                   "Base_Date": TODAY[:7]}))[1]
        open_now = [i for i in res.get("Disease_Information", [])]
        check(all("Disease_EndDate" not in i or i["Disease_EndDate"] >= TODAY[:7] for i in open_now), month)
    header_ok(s.api("/api01rv2/diseasegetv2?class=01", xml_body("disease_inforeq", {"Patient_ID": "99999"}))[1],
              "10", "MedicalInfo")
    without = next(n for n in range(1, PATIENTS) if "%05d" % n not in patients)
    header_ok(s.api("/api01rv2/diseasegetv2?class=01",
                    xml_body("disease_inforeq", {"Patient_ID": str(without), "Select_Mode": "All"}))[1],
              "21", "MedicalInfo")
    eq(truth(s, "diseases", patient_id=pid), want)
    eq(truth(s, "diseases", patient_id="99999"), [])


@test
def test_outpatient_data_is_deterministic():
    other = Sim(Env.binary)
    try:
        eq(truth(other, "visits", **{"from": "2025-05-01", "to": "2025-05-31"}),
           truth(Env.sim, "visits", **{"from": "2025-05-01", "to": "2025-05-31"}), "same seed, same receptions")
        eq(truth(other, "diseases", patient_id="00042"), truth(Env.sim, "diseases", patient_id="00042"))
    finally:
        other.stop()
    third = Sim(Env.binary, "--seed", "43")
    try:
        check(truth(third, "visits", **{"from": "2025-05-01", "to": "2025-05-31"}) !=
              truth(Env.sim, "visits", **{"from": "2025-05-01", "to": "2025-05-31"}), "another seed, other receptions")
    finally:
        third.stop()


# ---------------------------------------------------------------------------
# Runner
# ---------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "orca-sim"))
    parser.add_argument("-k", default="", help="run only tests whose name contains this")
    parser.add_argument("-v", action="store_true", help="print every test")
    args = parser.parse_args()

    started = time.time()
    Env.binary = args.binary
    Env.sim = Sim(args.binary)
    Env.web = Sim(args.binary, "--weborca", "--latency-ms", "30")
    Env.reg = Sim(args.binary)
    passed = failed = 0
    try:
        _, Env.summary = Env.sim.control("GET", "/__sim/summary")
        for fn in TESTS:
            if args.k not in fn.__name__:
                continue
            try:
                fn()
                passed += 1
                if args.v:
                    print("ok   %s" % fn.__name__)
            except Exception as exc:  # noqa: BLE001 - report every failure and go on
                failed += 1
                print("FAIL %s: %s" % (fn.__name__, exc))
                if args.v:
                    traceback.print_exc()
        if not args.k or "shutdown" in args.k:
            try:
                rc = Env.sim.stop()
                eq(rc, 0, "exit status after SIGTERM")
                passed += 1
            except Exception as exc:  # noqa: BLE001
                failed += 1
                print("FAIL test_sigterm_shutdown: %s" % exc)
    finally:
        Env.sim.stop()
        Env.web.stop()
        Env.reg.stop()
    if args.v:
        print("(%.1f s)" % (time.time() - started))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
