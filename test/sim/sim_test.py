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
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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
    sim = None       # classic, PATIENTS patients
    web = None       # --weborca --latency-ms 30, same data
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
# Runner
# ---------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "orca-sim"))
    parser.add_argument("-k", default="", help="run only tests whose name contains this")
    parser.add_argument("-v", action="store_true", help="print every test")
    args = parser.parse_args()

    started = time.time()
    Env.sim = Sim(args.binary)
    Env.web = Sim(args.binary, "--weborca", "--latency-ms", "30")
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
    if args.v:
        print("(%.1f s)" % (time.time() - started))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
