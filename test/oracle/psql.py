"""A long-lived psql (one backend) fed through stdin — python3 stdlib only.

Every statement is followed by markers on stdout and stderr, so the answer of
each statement is read back exactly: its rows (unaligned, tuples only, fields
separated by U+001F), its SQLSTATE and the lines psql printed on stderr.
A statement that does not answer within the deadline is cancelled
(pg_cancel_backend) and reported as hung.
"""
import queue
import re
import subprocess
import threading
import time

FIELD_SEP = "\x1f"


class Result:
    def __init__(self):
        self.rows = []       # list of lists of str (NULL prints as the NULL marker)
        self.stderr = []
        self.sqlstate = None
        self.hung = False
        self.dead = False
        self.elapsed = 0.0

    @property
    def ok(self):
        return self.sqlstate == "00000" and not self.hung and not self.dead

    @property
    def error(self):
        for line in self.stderr:
            m = re.match(r"^(?:psql:[^:]*:\d+: )?(?:ERROR|FATAL):\s+(.*)$", line)
            if m:
                return m.group(1)
        return None

    def describe(self):
        if self.dead:
            return "psql/backend died: " + " | ".join(self.stderr[-5:])
        if self.hung:
            return "no answer within the deadline (hang)"
        if self.ok:
            return "ok"
        detail = [l for l in self.stderr if l.startswith(("DETAIL:", "HINT:"))]
        return "%s %s%s" % (self.sqlstate, self.error, (" / " + " / ".join(detail)) if detail else "")

    def column(self, i=0):
        return [r[i] for r in self.rows]


NULL = "\\N"  # psql's \pset null: a marker no generated value contains


class Session:
    def __init__(self, name, statement_timeout="60s"):
        self.name = name
        self.n = 0
        self.dead = False
        self.p = subprocess.Popen(
            ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=0", "-F", FIELD_SEP, "-P", "null=" + NULL],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace", bufsize=1)
        self.out = queue.Queue()
        self.err = queue.Queue()
        for stream, q in ((self.p.stdout, self.out), (self.p.stderr, self.err)):
            threading.Thread(target=self._reader, args=(stream, q), daemon=True).start()
        self.pid = None
        r = self.run("SELECT pg_backend_pid()")
        if not r.ok:
            raise RuntimeError("cannot start psql session %s: %s" % (name, r.describe()))
        self.pid = int(r.rows[0][0])
        self.run("SET statement_timeout = '%s'" % statement_timeout)
        self.run("SET client_min_messages = warning")

    @staticmethod
    def _reader(stream, q):
        for line in stream:
            q.put(line.rstrip("\n"))
        q.put(None)

    @staticmethod
    def _collect(q, tag, deadline, into):
        while True:
            left = deadline - time.time()
            if left <= 0:
                return "timeout"
            try:
                line = q.get(timeout=left)
            except queue.Empty:
                return "timeout"
            if line is None:
                return "eof"
            if line.startswith(tag):
                return line
            into.append(line)

    def run(self, sql, deadline=120.0):
        """Runs one statement (or a psql script whose last statement sets SQLSTATE)."""
        res = Result()
        if self.dead:
            res.dead = True
            return res
        self.n += 1
        tag = "@@ORACLE_END%d@@" % self.n
        text = sql.strip().rstrip(";") + ";\n\\echo %s :SQLSTATE\n\\warn %s\n" % (tag, tag)
        t0 = time.time()
        try:
            self.p.stdin.write(text)
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            self.dead = res.dead = True
            return res
        lines = []
        status = self._collect(self.out, tag, t0 + deadline, lines)
        if status == "timeout":
            res.hung = True
            self._signal("pg_cancel_backend")
            status = self._collect(self.out, tag, time.time() + 15, lines)
            if status in ("timeout", "eof"):
                self._signal("pg_terminate_backend")
                self.dead = res.dead = True
                return res
        if status == "eof":
            self.dead = res.dead = True
            self._drain(res)
            return res
        res.elapsed = time.time() - t0
        parts = status.split()
        res.sqlstate = parts[1] if len(parts) > 1 else None
        res.rows = [line.split(FIELD_SEP) for line in lines]
        estatus = self._collect(self.err, tag, time.time() + 10, res.stderr)
        if estatus in ("timeout", "eof"):
            res.dead = self.dead = True
        return res

    def must(self, sql, deadline=300.0):
        r = self.run(sql, deadline)
        if not r.ok:
            raise RuntimeError("%s failed: %s\n%s" % (self.name, r.describe(), sql[:2000]))
        return r

    def _drain(self, res):
        try:
            while True:
                line = self.err.get(timeout=1)
                if line is None:
                    break
                res.stderr.append(line)
        except queue.Empty:
            pass

    def _signal(self, function):
        if self.pid:
            subprocess.run(["psql", "-X", "-A", "-t", "-q", "-c", "SELECT %s(%d)" % (function, self.pid)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)

    def close(self):
        if not self.dead:
            try:
                self.p.stdin.write("\\q\n")
                self.p.stdin.flush()
                self.p.wait(timeout=10)
            except Exception:  # noqa: BLE001 - best effort
                self.p.kill()
