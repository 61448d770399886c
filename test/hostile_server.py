#!/usr/bin/env python3
"""hostile_server.py — an HTTP server (stdlib only) that answers ORCA API calls
with hostile bodies, for test/hostile_test.sh.

  hostile_server.py PORTFILE LOGFILE

Listens on 127.0.0.1 (a free port, written to PORTFILE once listening) and
logs every request line to LOGFILE.  The first path component picks the body
(the foreign server's url carries it as a path prefix, e.g.
http://127.0.0.1:PORT/big), the rest must be an ORCA API path:

  ok         a valid patientgetv2 answer (patient 00001)
  big        10 MB body, Content-Length announced
  bignolen   10 MB body, no Content-Length (read until close)
  big500     10 MB HTTP 500 error page, no Content-Length
  deep       xml2 nested 100 000 elements deep
  deepjson   JSON nested 100 000 arrays/objects deep
  xxe        DOCTYPE with an external entity file:///etc/passwd
  xxenet     DOCTYPE with an external DTD on this server (/evil.dtd) and a
             parameter entity: a request for /evil.dtd means a parser fetched it
  laughs     billion laughs (nested entity expansion)
  longvalue  one 8 MB text value
  empties    8 MB of empty elements inside one row (each a node when decoded)
  numbers    8 MB of a JSON array of numbers inside one row
  fields     8 MB of empty elements outside the rows (each a field)
"""
import http.server
import os
import socketserver
import sys
import threading

MB = 1024 * 1024
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def envelope(inner, decl=b""):
    return (XML_HEAD + decl + b'<xmlio2><patientinfores type="record">'
            b'<Api_Result type="string">00</Api_Result>'
            b'<Api_Result_Message type="string">\xe5\x87\xa6\xe7\x90\x86\xe7\xb5\x82\xe4\xba\x86</Api_Result_Message>'
            b'<Patient_Information type="record">' + inner +
            b'</Patient_Information></patientinfores></xmlio2>\n')


PATIENT = (b'<Patient_ID type="string">00001</Patient_ID>'
           b'<WholeName type="string">\xe4\xbd\x90\xe8\x97\xa4\xe3\x80\x80\xe5\x8d\x9a</WholeName>'
           b'<WholeName_inKana type="string">\xe3\x82\xb5\xe3\x83\x88\xe3\x82\xa6</WholeName_inKana>'
           b'<BirthDate type="string">1944-03-15</BirthDate><Sex type="string">1</Sex>')


def big_body(size):
    filler = b'<Comment1 type="string">' + b"x" * 1000 + b"</Comment1>"
    head = XML_HEAD + b'<xmlio2><patientinfores type="record"><Api_Result type="string">00</Api_Result>' \
        b'<Patient_Information type="record">' + PATIENT
    body = bytearray(head)
    while len(body) < size:
        body += filler
    return bytes(body)


def build_bodies(port):
    depth = 100000
    lol = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%s;" % (b"" if i == 1 else b"%d" % (i - 1))) * 10)
        for i in range(1, 10))
    return {
        "ok": envelope(PATIENT),
        "big": big_body(10 * MB),
        "deep": XML_HEAD + b'<xmlio2><patientinfores type="record">' + b'<a type="record">' * depth +
        b'<Patient_ID type="string">00001</Patient_ID>' + b"</a>" * depth + b"</patientinfores></xmlio2>\n",
        "deepjson": b'{"patientinfores":{"Api_Result":"00","Patient_Information":' + b'{"a":[' * depth +
        b'"00001"' + b"]}" * depth + b"}}\n",
        "xxe": envelope(b'<Patient_ID type="string">00001</Patient_ID><WholeName type="string">&pw;</WholeName>',
                        b'<!DOCTYPE xmlio2 [<!ENTITY pw SYSTEM "file:///etc/passwd">]>\n'),
        "xxenet": envelope(b'<Patient_ID type="string">00001</Patient_ID><WholeName type="string">&pw;</WholeName>',
                           b'<!DOCTYPE xmlio2 SYSTEM "http://127.0.0.1:%d/evil.dtd" '
                           b'[<!ENTITY %% ext SYSTEM "http://127.0.0.1:%d/evil.dtd"> %%ext;]>\n' % (port, port)),
        "laughs": envelope(b'<Patient_ID type="string">00001</Patient_ID><WholeName type="string">&lol9;</WholeName>',
                           b"<!DOCTYPE xmlio2 [" + lol + b"]>\n"),
        "longvalue": envelope(b'<Patient_ID type="string">00001</Patient_ID><WholeName type="string">' +
                              b"\xe3\x81\x82" * (8 * MB // 3) + b"</WholeName>"),
        "empties": envelope(b'<Patient_ID type="string">00001</Patient_ID>' +
                            b'<a type="string"/>' * (8 * MB // 18)),
        "numbers": b'{"patientinfores":{"Api_Result":"00","Patient_Information":{"Patient_ID":"00001","a":[1' +
        b",1" * (4 * MB) + b"]}}}\n",
        "fields": XML_HEAD + b'<xmlio2><patientinfores type="record"><Api_Result type="string">00</Api_Result>' +
        b'<a type="string"/>' * (8 * MB // 18) + b"</patientinfores></xmlio2>\n",
    }


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bodies = {}
    log_lock = threading.Lock()
    log_file = None

    def log_message(self, fmt, *args):
        pass

    def note(self, what):
        with self.log_lock:
            self.log_file.write("%s %s %s\n" % (self.command, self.path, what))
            self.log_file.flush()

    def send_body(self, status, body, length=True, ctype="application/xml; charset=UTF-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            view = memoryview(body)
            for i in range(0, len(body), 65536):
                self.wfile.write(view[i:i + 65536])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            self.note("client closed early")

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        parts = self.path.split("?")[0].split("/")
        mode = parts[1] if len(parts) > 2 else ""
        api = "/" + "/".join(parts[2:])
        if self.path.startswith("/evil.dtd"):
            self.note("DTD FETCHED")
            self.send_body(200, b'<!ENTITY pw "FETCHED">', ctype="application/xml-dtd")
            return
        self.note("")
        if not api.startswith("/api01rv2/") and not api.startswith("/orca"):
            self.send_body(404, b"not found\n", ctype="text/plain")
            return
        if mode == "big":
            self.send_body(200, self.bodies["big"])
        elif mode == "bignolen":
            self.send_body(200, self.bodies["big"], length=False)
        elif mode == "big500":
            self.send_body(500, self.bodies["big"], length=False, ctype="text/html")
        elif mode in ("deepjson", "numbers"):
            self.send_body(200, self.bodies[mode], ctype="application/json")
        elif mode in self.bodies:
            self.send_body(200, self.bodies[mode])
        else:
            self.send_body(404, b"unknown mode\n", ctype="text/plain")

    do_GET = handle_any
    do_POST = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    portfile, logfile = sys.argv[1], sys.argv[2]
    server = Server(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    Handler.bodies = build_bodies(port)
    Handler.log_file = open(logfile, "a")
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
