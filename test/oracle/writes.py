"""Writes for the differential oracle: random registration sequences.

Each sequence is a handful of registrations (INSERT/UPDATE/DELETE patients,
admissions INSERT + discharge + discharge cancel, meals INSERT, outings (meals
INSERT with patient_status: hsacctmodv2 2), transfers (UPDATE admissions SET
ward/room/department: hsptinfmodv2 08), UPDATE ... FROM
and DELETE ... USING with duplicate join keys), in `immediate` or `on_commit`
mode, in autocommit or in a transaction that commits or rolls back, with
savepoints rolled back to, and some registrations that fail by the wrapper's
own checks or by ORCA's rules. The oracle keeps a model of what ORCA must hold
afterwards; after each sequence

  * every statement succeeded or failed as the model says,
  * the simulator's state (GET /__sim/truth/..?patient_id=) equals the model
    for every patient the oracle registered,
  * GET /__sim/registrations (reset before each sequence) shows each
    registration the model sent exactly once, nothing the model did not send
    (nothing from rolled-back on_commit work), and a refused registration at
    most once, unchanged.
"""
import datetime
import random
import re
from collections import Counter

import gen

FULL_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
KANJI = "一二三四五六七八九十百千"
KANA = "アイウエオカキクケコサシスセソ"
ROOMS = {"01": ["301", "302", "305"], "02": ["351", "356"], "03": ["401", "404"], "04": ["451", "455"]}
DEPARTMENTS = ["01", "02", "03", "04", "10", "11", "20", "22"]
MEAL_SLOTS = ["morning_meal", "lunch_meal", "evening_meal"]


class Patient:
    def __init__(self, pid, name, kana, birth, sex, phone):
        self.id = pid
        self.name, self.kana, self.birth, self.sex, self.phone = name, kana, birth, sex, phone
        self.deleted = False
        self.stays = []          # dicts: admission, discharge (None = open), ward, room, department
        self.meals = {}          # (date, slot) -> code, for the latest stay
        self.statuses = {}       # date -> Patient_Status registered (outings), for the latest stay
        self.meals_ahead = True  # meal days after today's month still answered (no discharge since)

    def open_stay(self):
        return self.stays[-1] if self.stays and self.stays[-1]["discharge"] is None else None


class Op:
    """One registration statement and what the model expects of it.
    expect: ok (sent once, changes the data), refused (the wrapper refuses it: never sent),
    fails (refused by the wrapper or by ORCA: sent at most once, changes nothing)."""

    def __init__(self, sql, expect, sends, apply=None, label=""):
        self.sql = sql
        self.expect = expect
        self.sends = sends        # registration log keys the op sends when it goes through
        self.apply = apply        # model change when it went through
        self.label = label
        self.state = None         # done | failed | not_sent
        self.late_ok = False      # on_commit: the refusal may come at COMMIT instead
        self.meal_effects = None  # rows of orca.meals (meals, outings): merged at COMMIT


def q(v):
    return "NULL" if v is None else gen.quote(v)


class Writes:
    def __init__(self, world, report, seed):
        self.w = world
        self.sim = world.sim
        self.report = report
        self.rng = random.Random(seed * 7919 + 13)
        self.pool = []
        d = world.truth["patients"]
        self.today = datetime.date.fromisoformat(d["today"])
        self.width = len(d["rows"][0]["patient_id"])
        # Explicit ids count down from 9 × 10^(width-1) - 1: ORCA's auto-numbering (highest
        # ever + 1) then continues above them and never meets them.
        self.taken = {int(r["patient_id"]) for r in d["rows"]}
        self.next_explicit = 9 * 10 ** (self.width - 1) - 1
        self.serial = 0
        self.existing = [r["patient_id"] for r in d["rows"][:50]]
        # patients ORCA will not delete (82): admissions, receptions or disease names
        self.undeletable = sorted({r["patient_id"] for t in ("admissions", "visits", "diseases")
                                   for r in world.truth[t]["rows"]})
        self.setup()

    @property
    def s(self):
        return self.w.s

    def setup(self):
        s = self.s
        s.run("DROP SCHEMA IF EXISTS orca_oc CASCADE")
        s.run("DROP SERVER IF EXISTS oracle_oc CASCADE")
        r = s.must("SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'oracle_xml'")
        url = [o for o in r.rows[0][0].strip("{}").split(",") if o.startswith("url=")][0][4:]
        um = s.must("SELECT umoptions FROM pg_user_mappings WHERE srvname = 'oracle_xml'").rows[0][0]
        opts = dict(o.split("=", 1) for o in um.strip("{}").split(","))
        s.must("CREATE SERVER oracle_oc FOREIGN DATA WRAPPER orca_fdw OPTIONS (url %s, registration_mode 'on_commit')"
               % gen.quote(url.strip('"')))
        s.must("CREATE USER MAPPING FOR CURRENT_USER SERVER oracle_oc OPTIONS (user %s, password %s)" %
               (gen.quote(opts["user"]), gen.quote(opts["password"])))
        s.must("CREATE SCHEMA orca_oc")
        s.must("IMPORT FOREIGN SCHEMA orca LIMIT TO (patients, admissions, meals) FROM SERVER oracle_oc INTO orca_oc")

    # -- building blocks --------------------------------------------------

    def fresh_person(self):
        self.serial += 1
        n = self.serial
        digits = str(n).translate(FULL_DIGITS)
        name = "神託\u3000" + self.rng.choice(KANJI) + digits
        kana = "シンタク\u3000" + self.rng.choice(KANA) + digits
        birth = (datetime.date(1940, 1, 1) + datetime.timedelta(days=self.rng.randint(0, 22000))).isoformat()
        if self.rng.random() < 0.1:
            birth = self.rng.choice(["1799-05-05", "1850-02-28", "1899-12-31", "1900-01-01"])  # old dates
        return name, kana, birth, self.rng.choice(["1", "2"]), "03-%04d-%04d" % (self.rng.randint(0, 9999), n)

    def explicit_id(self):
        while self.next_explicit in self.taken:
            self.next_explicit -= 1
        self.taken.add(self.next_explicit)
        return "%0*d" % (self.width, self.next_explicit)

    def live(self, pred=lambda p: True):
        return [p for p in self.pool if not p.deleted and pred(p)]

    def op_insert_patient(self, schema, on_commit):
        name, kana, birth, sex, phone = self.fresh_person()
        if on_commit or self.rng.random() < 0.3:
            pid = self.explicit_id()
        else:
            pid = None  # ORCA numbers the patient; RETURNING tells which
        sql = ("INSERT INTO %s.patients (patient_id, whole_name, whole_name_in_kana, birth_date, sex, phone_number1) "
               "VALUES (%s, %s, %s, %s, %s, %s)%s" % (schema, q(pid), q(name), q(kana), q(birth), q(sex), q(phone),
                                                       "" if on_commit else " RETURNING patient_id"))
        holder = {"id": pid}

        def apply(result_rows):
            if holder["id"] is None and result_rows:
                holder["id"] = result_rows[0][0]
            self.pool.append(Patient(holder["id"], name, kana, birth, sex, phone))
        op = Op(sql, "ok", None, apply, "insert patient")
        op.sends = lambda: [("patientmodv2", "class=01", holder["id"], None, None)]
        return op

    def op_bad_patient(self, schema, on_commit):
        name, kana, birth, sex, phone = self.fresh_person()
        kind = self.rng.choice(["sex", "future", "existing", "control"])
        comment = None
        pid = self.explicit_id()
        if kind == "sex":
            sex, expect = "3", "refused"
        elif kind == "future":
            birth, expect = "2031-01-01", "refused"
        elif kind == "control":
            comment, expect = "メモ\x01\x1b", "refused"  # control characters in free text
        else:
            pid, expect = self.rng.choice(self.existing), "fails"  # ORCA: 13 registered already
        sql = ("INSERT INTO %s.patients (patient_id, whole_name, whole_name_in_kana, birth_date, sex, comment1) "
               "VALUES (%s, %s, %s, %s, %s, %s)" % (schema, q(pid), q(name), q(kana), q(birth), q(sex),
                                                    "NULL" if comment is None else
                                                    "E'%s'" % comment.replace("\x01", "\\x01").replace("\x1b", "\\x1b")))
        op = Op(sql, expect, None, None, "insert patient (%s)" % kind)
        op.sends = lambda: [("patientmodv2", "class=01", pid, None, None)]
        return op

    def op_update_patient(self, schema, p, dup_join=False):
        if self.rng.random() < 0.5:
            phone = "06-%04d-%04d" % (self.rng.randint(0, 9999), self.rng.randint(0, 9999))
            change, new = "phone_number1 = %s" % q(phone), {"phone": phone}
        else:
            name = p.name + self.rng.choice(KANJI)
            change, new = "whole_name = %s" % q(name), {"name": name}
        if dup_join:
            sql = ("UPDATE %s.patients p SET %s FROM (VALUES (%s), (%s), (NULL)) v(id) WHERE p.patient_id = v.id" %
                   (schema, change, q(p.id), q(p.id)))
        else:
            sql = "UPDATE %s.patients SET %s WHERE patient_id = %s" % (schema, change, q(p.id))

        def apply(_):
            for k, v in new.items():
                setattr(p, k, v)
        return Op(sql, "ok", [("patientmodv2", "class=02", p.id, None, None)], apply,
                  "update patient" + (" (UPDATE ... FROM, duplicate keys)" if dup_join else ""))

    def op_delete_patient(self, schema, p, dup_join=False):
        if dup_join:
            sql = ("DELETE FROM %s.patients p USING (VALUES (%s), (%s)) v(id) WHERE p.patient_id = v.id" %
                   (schema, q(p.id), q(p.id)))
        else:
            sql = "DELETE FROM %s.patients WHERE patient_id = %s" % (schema, q(p.id))

        def apply(_):
            p.deleted = True
        if p.stays:  # ORCA keeps patients with admissions (82)
            return Op(sql, "fails", [("patientmodv2", "class=03", p.id, None, None)], None, "delete patient with stays")
        return Op(sql, "ok", [("patientmodv2", "class=03", p.id, None, None)], apply,
                  "delete patient" + (" (DELETE ... USING, duplicate keys)" if dup_join else ""))

    def op_admit(self, schema, p, bad=False):
        last = p.stays[-1]["discharge"] if p.stays else None
        start = max(datetime.date(2025, 1, 1), self.today - datetime.timedelta(days=60))
        if last:
            start = max(start, datetime.date.fromisoformat(last) + datetime.timedelta(days=1))
        day = start + datetime.timedelta(days=self.rng.randint(0, max(0, (self.today - start).days)))
        ward = self.rng.choice(sorted(ROOMS))
        room = self.rng.choice(ROOMS[ward])
        dept = self.rng.choice(DEPARTMENTS)
        if bad:
            ward = "09"
        sql = ("INSERT INTO %s.admissions (patient_id, admission_date, ward_number, room_number, department_code) "
               "VALUES (%s, %s, %s, %s, %s)" % (schema, q(p.id), q(day.isoformat()), q(ward), q(room), q(dept)))
        stay = {"admission": day.isoformat(), "discharge": None, "ward": ward, "room": room, "department": dept}

        def apply(_):
            p.stays.append(stay)
            p.meals = {}
            p.statuses = {}
            p.meals_ahead = True
        return Op(sql, "fails" if bad else "ok",
                  [("hsptinfmodv2", "Request_Number=01", p.id, day.isoformat(), None)], None if bad else apply,
                  "admission" + (" (unknown ward)" if bad else ""))

    def op_discharge(self, schema, p):
        stay = p.stays[-1]
        adm = datetime.date.fromisoformat(stay.get("moved") or stay["admission"])  # ORCA: 0054 before a transfer
        day = adm + datetime.timedelta(days=self.rng.randint(0, 20))
        sql = ("UPDATE %s.admissions SET discharge_date = %s WHERE patient_id = %s AND admission_date = %s" %
               (schema, q(day.isoformat()), q(p.id), q(stay["admission"])))

        def apply(_):
            stay["discharge"] = day.isoformat()
            p.meals_ahead = False
        return Op(sql, "ok", [("hsptinfmodv2", "Request_Number=02", p.id, stay["admission"], day.isoformat())],
                  apply, "discharge")

    def op_cancel_discharge(self, schema, p):
        stay = p.stays[-1]
        sql = ("UPDATE %s.admissions SET discharge_date = NULL WHERE patient_id = %s AND admission_date = %s" %
               (schema, q(p.id), q(stay["admission"])))

        def apply(_):
            stay["discharge"] = None
        return Op(sql, "ok", [("hsptinfmodv2", "Request_Number=07", p.id, stay["admission"], None)], apply,
                  "discharge cancel")

    def op_meals(self, schema, p, bad=False):
        stay = p.stays[-1]
        adm = datetime.date.fromisoformat(stay["admission"])
        end = datetime.date.fromisoformat(stay["discharge"]) if stay["discharge"] else self.today + datetime.timedelta(
            days=self.rng.choice([5, 10, 40]))
        days = sorted({adm + datetime.timedelta(days=self.rng.randint(0, max(0, (end - adm).days)))
                       for _ in range(self.rng.randint(1, 4))})
        if bad:
            days = [adm - datetime.timedelta(days=3)]  # outside every admission: the wrapper refuses it
        rows, effects = [], {}
        for day in days:
            codes = [self.rng.choice(["00", "01", "02", "03", None]) for _ in MEAL_SLOTS]
            if all(c is None for c in codes):
                codes[0] = "02"
            rows.append("(%s, %s, %s, %s, %s)" % (q(p.id), q(day.isoformat()), q(codes[0]), q(codes[1]), q(codes[2])))
            for slot, code in zip(MEAL_SLOTS, codes):
                if code is not None:
                    effects[(day.isoformat(), slot)] = code
        sql = ("INSERT INTO %s.meals (patient_id, perform_date, morning_meal, lunch_meal, evening_meal) VALUES %s" %
               (schema, ", ".join(rows)))

        def apply(_):
            p.meals.update(effects)
        op = Op(sql, "refused" if bad else "ok",
                [("hsacctmodv2", "Request_Number=4", p.id, stay["admission"], None)], None if bad else apply,
                "meals" + (" (outside the stay)" if bad else ""))
        op.meal_effects = {(p.id,) + k: v for k, v in effects.items()}
        op.late_ok = bad  # the admission of a day may be looked up at COMMIT
        return op

    def op_transfer(self, schema, p):
        """A transfer of the open stay (hsptinfmodv2 08), dated by orca_fdw.transfer_date: on or after the
        admission and the previous transfer, not before the month before last, not after today."""
        stay = p.open_stay()
        lo = max(datetime.date.fromisoformat(stay["admission"]),
                 datetime.date.fromisoformat(stay.get("moved") or stay["admission"]),
                 (self.today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1))
        if lo > self.today:
            return None
        day = lo + datetime.timedelta(days=self.rng.randint(0, (self.today - lo).days))
        ward = self.rng.choice(sorted(ROOMS))
        room = self.rng.choice(ROOMS[ward])
        if (ward, room) == (stay["ward"], stay["room"]):
            room = next(r for r in ROOMS[ward] if r != room)
        sets = {"ward_number": ward, "room_number": room}
        if self.rng.random() < 0.5:
            sets["department_code"] = self.rng.choice(DEPARTMENTS)
        if ward == stay["ward"] and self.rng.random() < 0.5:
            del sets["ward_number"]  # a room change alone: the stay's ward is sent as it is
        sql = ("SET orca_fdw.transfer_date = %s;\nUPDATE %s.admissions SET %s WHERE patient_id = %s AND "
               "admission_date = %s" % (q(day.isoformat()), schema,
                                        ", ".join("%s = %s" % (k, q(v)) for k, v in sorted(sets.items())),
                                        q(p.id), q(stay["admission"])))

        def apply(_):
            stay["ward"], stay["room"] = ward, room
            stay["department"] = sets.get("department_code", stay["department"])
            stay["moved"] = day.isoformat()
        return Op(sql, "ok", [("hsptinfmodv2", "Request_Number=08", p.id, stay["admission"], None)], apply,
                  "transfer")

    def op_outing(self, schema, p):
        """Outings (外泊等登録) on days of the latest stay up to today: INSERT INTO meals with patient_status."""
        stay = p.stays[-1]
        adm = datetime.date.fromisoformat(stay["admission"])
        end = datetime.date.fromisoformat(stay["discharge"]) if stay["discharge"] else max(self.today, adm)
        first = adm + datetime.timedelta(days=self.rng.randint(0, max(0, (end - adm).days)))
        days = [first + datetime.timedelta(days=i) for i in range(self.rng.randint(1, 3))]
        days = [d for d in days if d <= end]
        status = self.rng.choice(["01", "02", "03", "00"])
        sql = ("INSERT INTO %s.meals (patient_id, perform_date, patient_status) VALUES %s" %
               (schema, ", ".join("(%s, %s, %s)" % (q(p.id), q(d.isoformat()), q(status)) for d in days)))
        effects = {d.isoformat(): status for d in days}

        def apply(_):
            p.statuses.update(effects)
        op = Op(sql, "ok", [("hsacctmodv2", "Request_Number=2", p.id, stay["admission"], None)], apply, "outing")
        op.meal_effects = {}
        op.status_effects = {(p.id, k): v for k, v in effects.items()}
        return op

    # -- one sequence -----------------------------------------------------

    def plan(self, on_commit):
        """The ops of one sequence (valid ones first; at most one failing op, last)."""
        schema = "orca_oc" if on_commit else "orca"
        ops = []
        touched = set()
        for _ in range(self.rng.randint(1, 4)):
            choices = ["insert"]
            free = [p for p in self.live() if p.id not in touched]
            if free:
                choices += ["update", "delete", "admit", "meals", "outing", "discharge", "transfer", "cancel",
                            "update_dup", "delete_dup"]
            kind = self.rng.choice(choices)
            if kind == "insert":
                ops.append(self.op_insert_patient(schema, on_commit))
                continue
            if kind in ("update", "update_dup"):
                p = self.rng.choice(free)
                ops.append(self.op_update_patient(schema, p, kind == "update_dup"))
            elif kind in ("delete", "delete_dup"):
                cand = [p for p in free if not p.stays]
                if not cand:
                    continue
                p = self.rng.choice(cand)
                ops.append(self.op_delete_patient(schema, p, kind == "delete_dup"))
            elif kind == "admit":
                cand = [p for p in free if p.open_stay() is None]
                if not cand:
                    continue
                p = self.rng.choice(cand)
                ops.append(self.op_admit(schema, p))
            elif kind in ("meals", "outing"):
                cand = [p for p in free if p.stays]
                if not cand:
                    continue
                p = self.rng.choice(cand)
                ops.append(self.op_meals(schema, p) if kind == "meals" else self.op_outing(schema, p))
            elif kind in ("discharge", "transfer"):
                cand = [p for p in free if p.open_stay() is not None]
                if not cand:
                    continue
                p = self.rng.choice(cand)
                op = self.op_discharge(schema, p) if kind == "discharge" else self.op_transfer(schema, p)
                if op is None:
                    continue
                ops.append(op)
            else:
                cand = [p for p in free if p.stays and p.stays[-1]["discharge"] is not None]
                if not cand:
                    continue
                p = self.rng.choice(cand)
                ops.append(self.op_cancel_discharge(schema, p))
            touched.add(p.id)
        if self.rng.random() < 0.4:
            kind = self.rng.choice(["patient", "admit", "meals", "delete"])
            free = [p for p in self.live() if p.id not in touched]
            if kind == "admit" and [p for p in free if p.open_stay() is None]:
                ops.append(self.op_admit(schema, self.rng.choice([p for p in free if p.open_stay() is None]), bad=True))
            elif kind == "meals" and [p for p in free if p.stays]:
                ops.append(self.op_meals(schema, self.rng.choice([p for p in free if p.stays]), bad=True))
            elif kind == "delete" and not on_commit:
                pid = self.rng.choice(self.undeletable)
                row = self.sim.truth("patients", patient_id=pid)["rows"]
                if row:
                    ops.append(Op("DELETE FROM orca.patients WHERE patient_id = %s" % q(pid), "fails",
                                  [("patientmodv2", "class=03", pid, None, None)], None,
                                  "delete patient with admissions, receptions or disease names (ORCA 82)"))
            else:
                ops.append(self.op_bad_patient(schema, on_commit))
        return ops

    def run_sequence(self, number):
        rng = self.rng
        on_commit = rng.random() < 0.4
        in_txn = on_commit or rng.random() < 0.6
        ending = "COMMIT" if not in_txn or rng.random() < 0.7 else "ROLLBACK"
        ops = self.plan(on_commit)
        self.sim.reset()
        s = self.s
        problems = []
        trace = ["mode %s, %s" % ("on_commit" if on_commit else "immediate",
                                  ("transaction ending in " + ending) if in_txn else "autocommit")]
        if in_txn:
            s.must("BEGIN")
        queued = []  # on_commit: ops in the queue, in order
        sp = 0
        for op in ops:
            savepoint = in_txn and (op.expect != "ok" or rng.random() < 0.3)
            if savepoint:
                sp += 1
                s.must("SAVEPOINT sp%d" % sp)
                mark = len(queued)
            r = s.run(op.sql)
            trace.append("%s: %s -> %s" % (op.label, op.sql[:160], "ok" if r.ok else r.describe()[:160]))
            if op.expect == "refused" and r.ok and not (on_commit and op.late_ok):
                problems.append("%s: the wrapper accepted what it must refuse" % op.label)
            if op.expect == "ok" and not r.ok:
                problems.append("%s failed: %s" % (op.label, r.describe()))
            if not on_commit and op.expect == "fails" and r.ok:
                problems.append("%s: succeeded, but ORCA refuses it" % op.label)
            if on_commit:
                if r.ok:
                    queued.append(op)
                else:
                    op.state = "not_sent" if op.expect == "refused" else "failed"
            else:
                op.state = "done" if (r.ok and op.expect == "ok") else "failed"
                if op.state == "done" and op.apply:
                    op.apply(r.rows)
            undo = savepoint and (not r.ok or rng.random() < 0.25)
            if undo:
                s.must("ROLLBACK TO SAVEPOINT sp%d" % sp)
                trace.append("ROLLBACK TO SAVEPOINT sp%d" % sp)
                if on_commit:
                    for dropped in queued[mark:]:
                        dropped.state = "not_sent"
                    del queued[mark:]
            elif not r.ok and in_txn:
                s.run("ROLLBACK")  # an error without a savepoint aborts the transaction
                in_txn = False
                for dropped in queued:
                    dropped.state = "not_sent"
                queued = []
        if in_txn:
            r = s.run(ending)
            trace.append("%s -> %s" % (ending, "ok" if r.ok else r.describe()[:200]))
            if ending == "ROLLBACK":
                for op in queued:
                    op.state = "not_sent"
            else:
                # The queue goes out in order; the first refusal ends it.  A run
                # of consecutive rows of orca.meals (meals and outings) is merged:
                # the admission of every row of the run is looked up before any of
                # its calls, so a row the wrapper refuses then (late_ok) sends
                # nothing of its run.
                failing = [op for op in queued if op.expect != "ok"]
                if failing and r.ok:
                    problems.append("COMMIT succeeded although %s must fail" % failing[0].label)
                if not failing and not r.ok:
                    problems.append("COMMIT failed: %s" % r.describe())
                runs, i = [], 0
                while i < len(queued):
                    j = i + 1
                    if queued[i].meal_effects is not None:
                        while j < len(queued) and queued[j].meal_effects is not None:
                            j += 1
                    runs.append(queued[i:j])
                    i = j
                stopped = False
                for run in runs:
                    late = any(op.expect == "refused" and op.late_ok for op in run)
                    for op in run:
                        if stopped or late:
                            op.state = "not_sent"
                        elif op.expect == "ok":
                            op.state = "done"
                            if op.apply:
                                op.apply([])
                        else:
                            op.state = "failed" if op.expect == "fails" else "not_sent"
                            stopped = True
                    stopped = stopped or late
                if not r.ok:
                    s.run("ROLLBACK")
        problems += self.check_log(ops)
        problems += self.check_state()
        name = "writes %d (%s)" % (number, ", ".join(op.label for op in ops) or "nothing")
        if problems:
            self.resync()  # later sequences start from what ORCA holds, not from the model
            label = re.sub(r"\d+", "N", re.sub(r"\[.*|\(.*|:.*", "", problems[0]))[:80].strip()
            self.report.fail(name, "\n".join(problems) + "\nsequence:\n  " + "\n  ".join(trace), "writes: " + label)
        else:
            self.report.ok(name)

    def resync(self):
        """Takes the pool's state from the simulator after a sequence went wrong."""
        for p in self.pool:
            if p.id is None:
                continue
            rows = self.sim.truth("patients", patient_id=p.id)["rows"]
            if not rows:
                p.deleted = True
                continue
            r = rows[0]
            p.deleted = False
            p.name, p.kana, p.birth, p.sex, p.phone = (r["whole_name"], r["whole_name_in_kana"], r["birth_date"],
                                                      r["sex"], r["phone_number1"])
            p.stays = [{"admission": a["admission_date"], "discharge": a["discharge_date"], "ward": a["ward_number"],
                        "room": a["room_number"], "department": a["department_code"]}
                       for a in self.sim.truth("admissions", patient_id=p.id)["rows"]]
            p.meals = {}
            p.statuses = {}
            p.meals_ahead = False

    # -- checks -----------------------------------------------------------

    def check_log(self, ops):
        problems = []
        log = self.sim.registrations()
        changed = [e for e in log if e["changed"]]
        unchanged = [e for e in log if not e["changed"]]

        def key(e):
            return (e["api"], e["selector"], e["patient_id"], e["admission_date"],
                    e["discharge_date"] if e["selector"] in ("Request_Number=02",) else None)
        want, maybe, must_fail = [], [], []
        meal_want, status_want = {}, {}
        for op in ops:
            sends = op.sends() if callable(op.sends) else op.sends
            if op.state == "done":
                if sends[0][0] == "hsacctmodv2":
                    meal_want.update(op.meal_effects)
                    status_want.update(getattr(op, "status_effects", {}))
                else:
                    want += sends
            elif op.state == "failed" and op.expect == "fails":
                maybe += sends
            elif op.state == "failed" and op.expect == "ok":
                maybe += sends  # an unexpected failure is reported already; it may have been sent once
        got = Counter(key(e) for e in changed if e["api"] != "hsacctmodv2")
        if got != Counter(want):
            extra, missing = got - Counter(want), Counter(want) - got
            problems.append("registrations that changed the data differ from the intended ones:%s%s" %
                            ("".join(" %s sent %d more time(s);" % (k, n) for k, n in sorted(extra.items())),
                             "".join(" %s not registered;" % (k,) for k in sorted(missing))))
        # meals: each intended (patient, day, slot, code) registered exactly once
        sent = {}
        for e in changed:
            if e["api"] != "hsacctmodv2":
                continue
            for item in e.get("meal_items") or []:
                slot = MEAL_SLOTS[int(item["Meal_Time"]) - 1]
                code = "0" + item["Meal_Type"]
                for day in expand_days(item.get("Meal_Dates"), e["perform_date"]):
                    k = (e["patient_id"], day, slot)
                    sent[k] = sent.get(k, []) + [code]
        for k, codes in sorted(sent.items()):
            if len(codes) > 1:
                problems.append("meal %s registered %d times (%s)" % (k, len(codes), codes))
        # outings: each intended (patient, day) status registered exactly once, always with End_Date
        statuses = {}
        for e in changed:
            if e["api"] != "hsacctmodv2" or e["selector"] != "Request_Number=2":
                continue
            if not e.get("end_date"):
                problems.append("an outing without End_Date: %s %s" % (e["patient_id"], e["perform_date"]))
                continue
            day = datetime.date.fromisoformat(e["perform_date"])
            while day <= datetime.date.fromisoformat(e["end_date"]):
                k = (e["patient_id"], day.isoformat())
                statuses[k] = statuses.get(k, []) + [e["patient_status"]]
                day += datetime.timedelta(days=1)
        for k, codes in sorted(statuses.items()):
            if len(codes) > 1:
                problems.append("outing %s registered %d times (%s)" % (k, len(codes), codes))
        if {k: v[-1] for k, v in statuses.items()} != status_want:
            problems.append("outings registered %s; expected %s" %
                            (sorted((k, v[-1]) for k, v in statuses.items()), sorted(status_want.items())))
        if {k: v[-1] for k, v in sent.items()} != meal_want:
            problems.append("meals registered %s; expected %s" %
                            (sorted((k, v[-1]) for k, v in sent.items()), sorted(meal_want.items())))
        for e in unchanged:
            if e["api"] == "hsacctmodv2":
                continue
            k = key(e)
            if k in maybe:
                maybe.remove(k)
            else:
                problems.append("an unexpected registration request (it changed nothing): %s %s" %
                                (k, e["api_result"]))
        return problems

    def check_state(self):
        problems = []
        for p in self.pool:
            if p.id is None:
                continue
            rows = self.sim.truth("patients", patient_id=p.id)["rows"]
            if p.deleted:
                if rows:
                    problems.append("patient %s: deleted, but ORCA holds it" % p.id)
                continue
            if not rows:
                problems.append("patient %s: registered, but ORCA does not hold it" % p.id)
                continue
            r = rows[0]
            got = (r["whole_name"], r["whole_name_in_kana"], r["birth_date"], r["sex"], r["phone_number1"])
            if got != (p.name, p.kana, p.birth, p.sex, p.phone):
                problems.append("patient %s: ORCA holds %s, expected %s" % (p.id, got, (p.name, p.kana, p.birth,
                                                                                       p.sex, p.phone)))
            stays = [(a["admission_date"], a["discharge_date"], a["ward_number"], a["room_number"], a["department_code"])
                     for a in self.sim.truth("admissions", patient_id=p.id)["rows"]]
            want = [(x["admission"], x["discharge"], x["ward"], x["room"], x["department"]) for x in p.stays]
            if stays != want:
                problems.append("patient %s: stays %s, expected %s" % (p.id, stays, want))
            if p.meals and p.stays:
                stay = p.stays[-1]
                last_month_end = gen.month_end(self.today.year, self.today.month)
                meals = {m["perform_date"]: m for m in self.sim.truth("meals", patient_id=p.id)["rows"]}
                for (day, slot), code in sorted(p.meals.items()):
                    if stay["discharge"] and day > stay["discharge"]:
                        continue
                    if day > last_month_end and not p.meals_ahead:
                        continue
                    got = meals.get(day, {}).get(slot)
                    if got != code:
                        problems.append("patient %s: %s %s is %s, registered %s" % (p.id, day, slot, got, code))
            if p.statuses and p.stays:
                stay = p.stays[-1]
                days = {m["perform_date"]: m for m in self.sim.truth("meals", patient_id=p.id)["rows"]}
                for day, status in sorted(p.statuses.items()):
                    if stay["discharge"] and day > stay["discharge"]:
                        continue
                    got = days.get(day, {}).get("patient_status")
                    if got != status:
                        problems.append("patient %s: %s patient_status is %s, registered %s" % (p.id, day, got, status))
        return problems


def expand_days(dates, perform_date):
    """Meal_Dates '*/1-3,5' of the month of perform_date (blank: perform_date)."""
    if not dates:
        return [perform_date]
    if not perform_date:
        return ["?" + dates]
    month = perform_date[:8]
    out = []
    for part in dates[2:].split(","):
        a, _, b = part.strip().partition("-")
        for day in range(int(a), int(b or a) + 1):
            out.append("%s%02d" % (month, day))
    return out


def run(world, report, seed, n):
    w = Writes(world, report, seed)
    for i in range(n):
        try:
            w.run_sequence(i + 1)
        except RuntimeError as e:  # a statement the sequence needs failed, or the backend died
            report.fail("writes %d" % (i + 1), str(e)[:600], "writes: the sequence could not run")
            if world.s.dead:
                world.revive()
            else:
                world.s.run("ROLLBACK")
            w.resync()
    # the registrations changed the data: the truth follows
    world.reload_truth(["patients", "admissions"])
    return w
