"""Query generation for the differential oracle: a small query model that
renders to SQL over any schema (the foreign tables, or a local copy), inline
or with $n parameters, and can be shrunk step by step.

Only SQL whose answer is fully determined by the data is generated:
LIMIT/OFFSET always come with ORDER BY over every output column (ties are
identical rows), a LIMIT without ORDER BY is checked as "a sub-multiset of the
right size", no volatile or clock-dependent function (current_date, now(),
random()) appears, collated or non-deterministic expressions appear only in
WHERE clauses, never in outputs.
"""
import json
import random

# ---------------------------------------------------------------------------
# literals and parameters


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def array_literal(values):
    """A PostgreSQL array literal for text values (None → NULL)."""
    parts = []
    for v in values:
        if v is None:
            parts.append("NULL")
        else:
            parts.append('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"


class Lit:
    """A typed value: inline as 'v'::type, or a $n parameter of that type."""

    def __init__(self, value, typ):
        self.value = value  # str, list of str (arrays) or None
        self.typ = typ

    def inline(self):
        if self.value is None:
            return "NULL::" + self.typ
        if isinstance(self.value, list):
            return quote(array_literal(self.value)) + "::" + self.typ
        return quote(self.value) + "::" + self.typ

    def render(self, params):
        if params is None:
            return self.inline()
        params.append(self)
        return "$%d" % len(params)

    def __repr__(self):
        return "Lit(%r, %r)" % (self.value, self.typ)


# ---------------------------------------------------------------------------
# boolean expressions


class Pred:
    """A leaf: `template` with {a} for the table alias and {0}, {1}, ... for literals.
    `items` (optional): an IN list, rendered at {items} as l1, l2, ...; shrinkable."""

    def __init__(self, template, lits=(), items=None, item_sep=", ", required=False):
        self.template = template
        self.lits = list(lits)
        self.items = list(items) if items is not None else None
        self.item_sep = item_sep
        self.required = required  # meals: the condition the table needs

    def render(self, alias, params):
        values = [lit.render(params) for lit in self.lits]
        items = self.item_sep.join(lit.render(params) for lit in self.items) if self.items is not None else ""
        return self.template.format(*values, a=alias, items=items)

    def shrinks(self):
        if self.items is not None and len(self.items) > 1:
            for i in range(len(self.items)):
                yield Pred(self.template, self.lits, self.items[:i] + self.items[i + 1:], self.item_sep, self.required)

    def size(self):
        return 1 + (len(self.items) if self.items else 0)


class And:
    def __init__(self, parts):
        self.parts = list(parts)

    def render(self, alias, params):
        if not self.parts:
            return "true"
        return "(" + " AND ".join(p.render(alias, params) for p in self.parts) + ")"

    def shrinks(self):
        for i in range(len(self.parts)):
            rest = self.parts[:i] + self.parts[i + 1:]
            yield And(rest) if len(rest) != 1 else rest[0]
        for i, p in enumerate(self.parts):
            for q in p.shrinks():
                yield And(self.parts[:i] + [q] + self.parts[i + 1:])

    def size(self):
        return 1 + sum(p.size() for p in self.parts)


class Or:
    def __init__(self, parts):
        self.parts = list(parts)

    def render(self, alias, params):
        return "(" + " OR ".join(p.render(alias, params) for p in self.parts) + ")"

    def shrinks(self):
        for p in self.parts:
            yield p
        for i, p in enumerate(self.parts):
            for q in p.shrinks():
                yield Or(self.parts[:i] + [q] + self.parts[i + 1:])

    def size(self):
        return 1 + sum(p.size() for p in self.parts)


class Not:
    def __init__(self, part):
        self.part = part

    def render(self, alias, params):
        return "NOT " + self.part.render(alias, params)

    def shrinks(self):
        yield self.part
        for q in self.part.shrinks():
            yield Not(q)

    def size(self):
        return 1 + self.part.size()


def required_present(expr):
    """True when a top-level conjunct is a required (meals) condition."""
    if expr is None:
        return False
    if isinstance(expr, Pred):
        return expr.required
    if isinstance(expr, And):
        return any(required_present(p) for p in expr.parts)
    return False


# ---------------------------------------------------------------------------
# queries

KEYS = {
    "patients": ["patient_id"],
    "admissions": ["patient_id", "admission_date"],
    "meals": ["patient_id", "perform_date"],
    "wards": ["ward_number"],
    "rooms": ["ward_number", "room_number"],
    "departments": ["department_code"],
    "doctors": ["doctor_code"],
    "visits": ["visit_date", "acceptance_id"],
    "diseases": ["patient_id", "disease_code", "start_date"],
}

# key of the local table a join uses, per foreign table
JOIN_KEY = {"patients": "patient_id", "admissions": "patient_id", "meals": "patient_id",
            "wards": "ward_number", "rooms": "ward_number", "diseases": "patient_id"}

# tables whose queries need a condition (the required key conditions)
NEEDS_CONDITION = ("meals", "visits", "diseases")


class Query:
    """shape: simple | agg | group | join_local | left_local | lateral | ff_join | exists_local
    (EXISTS, or NOT EXISTS when anti) | in_local (key IN (SELECT local key))
    mode: plain (CREATE TABLE AS) | cursor (DECLARE + FETCH in chunks) | prepared
    (PREPARE under plan_cache_mode = force_generic_plan, EXECUTE twice)."""

    def __init__(self, table, shape="simple", cols=None, where=None):
        self.table = table
        self.shape = shape
        self.cols = list(cols or [])
        self.where = where
        self.order_limit = None      # (limit, offset): ORDER BY every output column
        self.limit_only = None       # LIMIT n without ORDER BY: sub-multiset check
        self.agg_cols = []           # agg: columns counted / min / max
        self.group_col = None        # group: the grouping column
        self.local = None            # join_local / left_local / lateral: (local table, its key column)
        self.lateral_limit = 3
        self.anti = False            # exists_local: NOT EXISTS
        self.other = None            # ff_join: (foreign table, cols, join template with {a} {b}, where)
        self.mode = "plain"
        self.server = "orca"
        self.gucs = {}
        self.fetch_sizes = [7]

    def copy(self):
        q = Query(self.table, self.shape, self.cols, self.where)
        for name in ("order_limit", "limit_only", "agg_cols", "group_col", "local", "lateral_limit", "anti", "other",
                     "mode", "server", "gucs", "fetch_sizes"):
            setattr(q, name, getattr(self, name))
        return q

    # -- rendering --------------------------------------------------------

    def outputs(self):
        """Output column names, in order."""
        if self.shape == "agg":
            out = ["n"]
            for c in self.agg_cols:
                out += ["n_" + c, "min_" + c, "max_" + c] if c not in JSONB_LIKE else ["n_" + c]
            return out
        if self.shape == "group":
            return ["g", "n"]
        out = ["a_" + c for c in self.cols]
        if self.shape in ("join_local",):
            out.append("l_n")
        if self.shape in ("left_local", "lateral"):
            out = ["l_id", "l_n"] + out
        if self.shape == "exists_local":
            out = ["l_id", "l_n"]
        if self.shape == "ff_join":
            out += ["b_" + c for c in self.other[1]]
        return out

    def sql(self, schema, params=None):
        """The query over `schema` (orca, orca_json, truth, fullscan, ...);
        with `params` a list, literals become $n parameters appended to it."""
        t = "%s.%s" % (schema, self.table)
        where = self.where.render("a", params) if self.where is not None else None
        sel = ", ".join("a.%s AS a_%s" % (c, c) for c in self.cols)
        if self.shape == "simple":
            sql = "SELECT %s FROM %s a" % (sel, t) + (" WHERE " + where if where else "")
        elif self.shape == "agg":
            parts = ["count(*) AS n"]
            for c in self.agg_cols:
                parts.append("count(a.%s) AS n_%s" % (c, c))
                if c not in JSONB_LIKE:
                    parts.append("min(a.%s) AS min_%s" % (c, c))
                    parts.append("max(a.%s) AS max_%s" % (c, c))
            sql = "SELECT %s FROM %s a" % (", ".join(parts), t) + (" WHERE " + where if where else "")
        elif self.shape == "group":
            sql = ("SELECT a.%s AS g, count(*) AS n FROM %s a" % (self.group_col, t) +
                   (" WHERE " + where if where else "") + " GROUP BY 1")
        elif self.shape == "join_local":
            lt, lk = self.local
            sql = ("SELECT %s, l.n AS l_n FROM %s a JOIN %s l ON a.%s = l.%s" % (sel, t, lt, JOIN_KEY[self.table], lk) +
                   (" WHERE " + where if where else ""))
        elif self.shape == "left_local":
            lt, lk = self.local
            sql = ("SELECT l.%s AS l_id, l.n AS l_n, %s FROM %s l LEFT JOIN %s a ON a.%s = l.%s" %
                   (lk, sel, lt, t, JOIN_KEY[self.table], lk) + (" AND " + where if where else ""))
        elif self.shape == "lateral":
            lt, lk = self.local
            inner_order = ", ".join(str(i + 1) for i in range(len(self.cols)))
            sql = ("SELECT l.%s AS l_id, l.n AS l_n, x.* FROM %s l CROSS JOIN LATERAL (SELECT %s FROM %s a "
                   "WHERE a.%s = l.%s%s ORDER BY %s LIMIT %d) x" %
                   (lk, lt, sel, t, JOIN_KEY[self.table], lk, (" AND " + where) if where else "", inner_order,
                    self.lateral_limit))
        elif self.shape == "exists_local":
            lt, lk = self.local
            sql = ("SELECT l.%s AS l_id, l.n AS l_n FROM %s l WHERE %sEXISTS (SELECT 1 FROM %s a WHERE a.%s = l.%s%s)" %
                   (lk, lt, "NOT " if self.anti else "", t, JOIN_KEY[self.table], lk,
                    (" AND " + where) if where else ""))
        elif self.shape == "in_local":
            lt, lk = self.local
            sql = ("SELECT %s FROM %s a WHERE a.%s IN (SELECT l.%s FROM %s l)" % (sel, t, JOIN_KEY[self.table], lk, lt) +
                   (" AND " + where if where else ""))
        elif self.shape == "ff_join":
            other_table, other_cols, on, other_where = self.other
            bsel = ", ".join("b.%s AS b_%s" % (c, c) for c in other_cols)
            conds = [c for c in (where, other_where.render("b", params) if other_where is not None else None) if c]
            sql = ("SELECT %s, %s FROM %s a JOIN %s.%s b ON %s" % (sel, bsel, t, schema, other_table, on) +
                   (" WHERE " + " AND ".join(conds) if conds else ""))
        else:
            raise ValueError(self.shape)
        if self.order_limit is not None:
            limit, offset = self.order_limit
            sql += " ORDER BY %s LIMIT %d" % (", ".join(str(i + 1) for i in range(len(self.outputs()))), limit)
            if offset:
                sql += " OFFSET %d" % offset
        elif self.limit_only is not None:
            sql += " LIMIT %d" % self.limit_only
        return sql

    def describe(self):
        extra = []
        if self.server != "orca":
            extra.append("server " + self.server)
        if self.mode != "plain":
            extra.append("mode " + self.mode + (" (fetch %s)" % self.fetch_sizes if self.mode == "cursor" else ""))
        if self.gucs:
            extra.append(", ".join("%s=%s" % kv for kv in sorted(self.gucs.items())))
        return "; ".join(extra)

    def size(self):
        n = len(self.outputs()) + (self.where.size() if self.where is not None else 0)
        n += 3 if self.shape != "simple" else 0
        n += 1 if self.order_limit or self.limit_only else 0
        n += 1 if self.mode != "plain" else 0
        n += len(self.gucs) + (1 if self.server == "orca_json" else 0)
        if self.other is not None and self.other[3] is not None:
            n += self.other[3].size()
        return n

    # -- shrinking --------------------------------------------------------

    def shrinks(self, keep_cols=()):
        """Simpler variants, simplest changes first."""
        if self.mode != "plain":
            q = self.copy()
            q.mode = "plain"
            yield q
        if self.server == "orca_json":
            q = self.copy()
            q.server = "orca"
            yield q
        if self.gucs:
            q = self.copy()
            q.gucs = {}
            yield q
        if self.order_limit is not None or self.limit_only is not None:
            q = self.copy()
            q.order_limit = q.limit_only = None
            yield q
        if self.shape in ("join_local", "left_local", "lateral", "ff_join", "exists_local", "in_local"):
            q = self.copy()
            q.shape, q.local, q.other = "simple", None, None
            if self.shape == "exists_local":
                q.cols = [c for c in KEYS[self.table]]
            if self.shape == "lateral":
                q.order_limit = None
            yield q
        if self.shape in ("agg", "group"):
            q = self.copy()
            q.shape = "simple"
            q.cols = [c for c in KEYS[self.table]] + [c for c in self.agg_cols if c not in KEYS[self.table]]
            if self.group_col and self.group_col not in q.cols:
                q.cols.append(self.group_col)
            yield q
        if self.where is not None:
            cut = self.copy()
            cut.where = None
            yield cut
            for w in self.where.shrinks():
                q = self.copy()
                q.where = w
                yield q
        if self.other is not None and self.other[3] is not None:
            for w in [None] + list(self.other[3].shrinks()):
                q = self.copy()
                q.other = (self.other[0], self.other[1], self.other[2], w)
                yield q
        if len(self.cols) > 1:
            for c in self.cols:
                if c in keep_cols:
                    continue
                q = self.copy()
                q.cols = [x for x in self.cols if x != c]
                yield q
        if self.shape == "agg" and len(self.agg_cols) > 0:
            for c in self.agg_cols:
                q = self.copy()
                q.agg_cols = [x for x in self.agg_cols if x != c]
                yield q


JSONB_LIKE = set()  # filled by the generator: jsonb columns (no min/max)


# ---------------------------------------------------------------------------
# the generator


def month_end(year, month):
    import calendar
    return "%04d-%02d-%02d" % (year, month, calendar.monthrange(year, month)[1])


HALF_KANA = dict(zip(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォッャュョー",
    "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｯｬｭｮｰ"))
VOICED = dict(zip("ガギグゲゴザジズゼゾダヂヅデドバビブベボ", "カキクケコサシスセソタチツテトハヒフヘホ"))
HALF_VOICED = dict(zip("パピプペポ", "ハヒフヘホ"))


def to_half_width_kana(text):
    """Full-width katakana and U+3000 in half-width form (ｶﾞ for ガ)."""
    out = []
    for ch in text:
        if ch in VOICED:
            out.append(HALF_KANA[VOICED[ch]] + "ﾞ")
        elif ch in HALF_VOICED:
            out.append(HALF_KANA[HALF_VOICED[ch]] + "ﾟ")
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(HALF_KANA.get(ch, ch))
    return "".join(out)


class Domain:
    """Values harvested from the truth: ids, names, dates, codes."""

    def __init__(self, truth, today):
        self.today = today
        pats = truth["patients"]["rows"]
        adms = truth["admissions"]["rows"]
        self.ids = [r["patient_id"] for r in pats]
        self.width = len(self.ids[0]) if self.ids else 5
        self.dateless = [r["patient_id"] for r in pats if r.get("create_date") is None]
        self.test_ids = [r["patient_id"] for r in pats if r.get("test_patient_flag") == "1"]
        self.stay_ids = sorted({r["patient_id"] for r in adms})
        self.inpatients = sorted({r["patient_id"] for r in adms if r.get("discharge_date") is None})
        self.former = sorted(set(self.stay_ids) - set(self.inpatients))
        self.names = [r["whole_name"] for r in pats if r.get("whole_name")]
        self.kanas = [r["whole_name_in_kana"] for r in pats if r.get("whole_name_in_kana")]
        self.births = [r["birth_date"] for r in pats if r.get("birth_date")]
        self.creates = [r["create_date"] for r in pats if r.get("create_date")]
        self.updates = [r["update_date"] for r in pats if r.get("update_date")]
        self.admission_dates = [r["admission_date"] for r in adms]
        self.discharge_dates = [r["discharge_date"] for r in adms if r.get("discharge_date")]
        self.stays = adms
        self.values = {}  # (table, column) -> sample of non-null scalar values
        for table, doc in truth.items():
            for c in doc["columns"]:
                if c["type"] in ("jsonb",):
                    continue
                seen = []
                for r in doc["rows"][:4000]:
                    v = r.get(c["name"])
                    if v is not None:
                        seen.append(str(v))
                self.values[(table, c["name"])] = seen
        y, m, d = (int(x) for x in today.split("-"))
        ny, nm = (y, m + 1) if m < 12 else (y + 1, 1)
        py, pm = (y, m - 1) if m > 1 else (y - 1, 12)
        self.month_first = "%04d-%02d-01" % (y, m)
        self.boundary_dates = [
            "1799-12-31", "1800-01-01", "1899-12-31", "1900-01-01", "1930-01-01", "2004-12-31", "2005-01-01",
            "2008-03-31", "2008-04-01", "2012-03-31", "2012-04-01", "2024-02-29",
            "%04d-%02d-01" % (py, pm), month_end(py, pm), self.month_first, today, month_end(y, m),
            "%04d-%02d-01" % (ny, nm), month_end(ny, nm), "%04d-01-01" % (y + 1), "9999-12-31",
        ]
        self.today_plus = []
        import datetime
        base = datetime.date(y, m, d)
        for delta in (-40, -7, -1, 1, 3, 10, 45, 95):
            self.today_plus.append((base + datetime.timedelta(days=delta)).isoformat())


class Generator:
    def __init__(self, seed, domain, columns, have_icu=True):
        """columns: table -> list of (name, pg type) the oracle compares."""
        self.rng = random.Random(seed)
        self.d = domain
        self.columns = columns
        self.types = {t: dict(cols) for t, cols in columns.items()}
        self.have_icu = have_icu
        for t, cols in columns.items():
            for name, typ in cols:
                if typ == "jsonb":
                    JSONB_LIKE.add(name)

    # -- values -----------------------------------------------------------

    def pick(self, seq):
        return self.rng.choice(seq)

    def chance(self, p):
        return self.rng.random() < p

    def some_id(self, kind=None):
        r = self.rng.random()
        d = self.d
        if kind == "stay" or (kind is None and r < 0.25 and d.stay_ids):
            return self.pick(d.inpatients if d.inpatients and self.chance(0.5) else d.stay_ids)
        if kind is None and r < 0.32 and d.dateless:
            return self.pick(d.dateless)
        if kind is None and r < 0.37 and d.test_ids:
            return self.pick(d.test_ids)
        return self.pick(d.ids)

    def odd_id(self):
        """Ids that name no patient, or one patient in another spelling."""
        d = self.d
        real = self.some_id()
        n = int(real)
        choices = [
            str(n),                                   # unpadded
            "0" * 17 + real,                          # over-padded
            real.translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # full-width digits
            " " + real,                               # a leading blank
            "9" * d.width,                            # beyond the highest id
            "%0*d" % (d.width, len(d.ids) + 1),       # the next free id
            "0" * d.width,
            "",
            "abc",
            real + "x",
        ]
        if self.chance(0.05):
            choices.append("0" * self.pick([300, 5000, 100000]) + real)  # absurdly long
        if self.chance(0.05):
            choices.append(real[:-1] + "\t")
        return self.pick(choices)

    def id_lit(self, odd=0.2, kind=None):
        return Lit(self.odd_id() if self.chance(odd) else self.some_id(kind), "text")

    def id_list(self, kind=None, n=None):
        n = n or self.rng.randint(1, 8)
        items = [self.id_lit(0.25, kind) for _ in range(n)]
        if self.chance(0.4):
            items.append(Lit(items[0].value, "text"))              # a duplicate
        if self.chance(0.3):
            items.append(Lit(None, "text"))                        # a NULL
        if self.chance(0.35) and items[0].value and items[0].value.isdigit():
            # two spellings of one id: unpadded, or padded to 22 digits
            v = items[0].value
            items.append(Lit(self.pick([str(int(v)), "0" * (22 - len(v)) + v]), "text"))
        self.rng.shuffle(items)
        return items

    def date_value(self, sample=None):
        r = self.rng.random()
        if r < 0.3:
            return self.pick(self.d.boundary_dates)
        if r < 0.5:
            return self.pick(self.d.today_plus)
        if r < 0.55:
            return self.pick(["infinity", "-infinity"])
        if sample:
            v = self.pick(sample)
            if self.chance(0.3):
                import datetime
                v = (datetime.date.fromisoformat(v) + datetime.timedelta(days=self.pick([-1, 1]))).isoformat()
            return v
        return self.pick(self.d.boundary_dates)

    def date_sample(self, table, col):
        return self.d.values.get((table, col)) or self.d.boundary_dates

    # -- predicates -------------------------------------------------------

    def pred_date(self, table, col, required=False):
        sample = self.date_sample(table, col)
        c = "{a}." + col
        forms = ["=", ">=", ">", "<=", "<", "between", "range", "isnull", "notnull", "ts", "in", "ne"]
        if required:
            forms = [">=", ">", "between", "=", "ts_between"]
        f = self.pick(forms)
        v = Lit(self.date_value(sample), "date")
        if f in ("=", ">=", ">", "<=", "<"):
            return Pred(c + " " + f + " {0}", [v], required=required)
        if f in ("between", "ts_between"):
            w = Lit(self.date_value(sample), "date")
            if self.chance(0.8) and v.value not in ("infinity", "-infinity") and w.value not in ("infinity", "-infinity") \
                    and v.value > w.value:
                v, w = w, v
            if required and self.chance(0.6):
                # a window near the data: a few days to a few months
                import datetime
                start = datetime.date.fromisoformat(self.pick(self.d.today_plus[:5] + sample[:50] if sample else
                                                              self.d.today_plus))
                v = Lit(start.isoformat(), "date")
                w = Lit((start + datetime.timedelta(days=self.pick([0, 1, 6, 30, 62, 100]))).isoformat(), "date")
            if f == "ts_between":
                return Pred(c + " BETWEEN {0} AND {1}", [Lit(v.value, "timestamp"), Lit(w.value, "timestamp")],
                            required=required)
            return Pred(c + " BETWEEN {0} AND {1}", [v, w], required=required)
        if f == "range":
            w = Lit(self.date_value(sample), "date")
            finite = v.value not in ("infinity", "-infinity") and w.value not in ("infinity", "-infinity")
            if finite and v.value > w.value and self.chance(0.8):
                v, w = w, v
            return And([Pred(c + " >= {0}", [v]), Pred(c + " < {0}", [w])])
        if f == "isnull":
            return Pred(c + " IS NULL")
        if f == "notnull":
            return Pred(c + " IS NOT NULL")
        if f == "ts":
            return Pred(c + "::timestamp " + self.pick([">=", "<", "="]) + " {0}", [Lit(v.value, "timestamp")])
        if f == "in":
            return Pred(c + " IN ({items})", items=[v, Lit(self.date_value(sample), "date"), Lit(None, "date")])
        return Pred(c + " <> {0}", [v])

    def pred_id(self, table, required=False, kind=None):
        c = "{a}.patient_id"
        f = self.pick(["=", "=", "in", "any", "any_sub", "in_sub", "varchar", "collate_c", "ci", "ne", "notin",
                       "like", "isnull", "range"] if not required else ["=", "=", "in", "any", "any_sub", "varchar"])
        if f == "=":
            return Pred(c + " = {0}", [self.id_lit(0.2, kind)], required=required)
        if f == "in":
            return Pred(c + " IN ({items})", items=self.id_list(kind), required=required)
        if f == "any":
            return Pred(c + " = ANY(ARRAY[{items}])", items=self.id_list(kind), required=required)
        if f == "any_sub":
            n = self.rng.randint(1, 12)
            return Pred(c + " = ANY(ARRAY(SELECT id FROM lk_ids WHERE n <= %d ORDER BY id, n))" % n, required=required)
        if f == "in_sub":
            return Pred(c + " IN (SELECT id FROM lk_ids WHERE n %% 3 = %d)" % self.rng.randint(0, 2))
        if f == "varchar":
            return Pred(c + "::varchar = {0}", [Lit(self.id_lit(0.2, kind).value, "varchar")], required=required)
        if f == "collate_c":
            return Pred(c + ' COLLATE "C" = {0}', [self.id_lit(0.2, kind)])
        if f == "ci":
            if not self.have_icu:
                return Pred(c + " = {0}", [self.id_lit(0.2, kind)])
            real = self.some_id(kind)
            if self.chance(0.6):  # full-width digits: equal to the id under a non-deterministic collation
                real = real.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
            return Pred(c + " = {0} COLLATE %s" % self.pick(["ci_level1", "ci_level2"]), [Lit(real, "text")])
        if f == "ne":
            return Pred(c + " <> {0}", [self.id_lit(0.2, kind)])
        if f == "notin":
            return Pred(c + " NOT IN ({items})", items=self.id_list(kind))
        if f == "like":
            return Pred(c + " LIKE {0}", [Lit(self.some_id()[:-1] + "%", "text")])
        if f == "isnull":
            return Pred(c + " IS NULL")
        lo, hi = sorted([self.some_id(), self.some_id()])
        return Pred(c + " BETWEEN {0} AND {1}", [Lit(lo, "text"), Lit(hi, "text")])

    def name_prefix(self, kana=False):
        full = self.pick(self.d.kanas if kana else self.d.names)
        family, _, given = full.partition("\u3000")
        r = self.rng.random()
        if r < 0.35:
            return family
        if r < 0.55:
            return family[:1]
        if r < 0.7:
            return family + "\u3000" + given[:1]
        if r < 0.75:
            return family + " " + given[:1]               # a half-width space
        if r < 0.8:
            return full
        return self.pick(["ｻﾄｳ", "A", "佐藤＊", "＊博", "𠮷", "\ue000", "\ufffd", "佐_", "100%", "ア", "ヤ", "鰐淵"])

    def pred_name(self, col):
        kana = col.endswith("kana")
        c = "{a}." + col
        f = self.pick(["like", "like", "prefix_op", "=", "ilike", "contains", "collate_c_like", "ci_eq", "isnull",
                       "gt"])
        p = self.name_prefix(kana)
        esc = p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        if f == "like":
            return Pred(c + " LIKE {0}", [Lit(esc + "%", "text")])
        if f == "prefix_op":
            return Pred(c + " ^@ {0}", [Lit(p, "text")])
        if f == "=":
            full = self.pick(self.d.kanas if kana else self.d.names)
            return Pred(c + " = {0}", [Lit(full if self.chance(0.8) else p, "text")])
        if f == "ilike":
            return Pred(c + " ILIKE {0}", [Lit(esc + "%", "text")])
        if f == "contains":
            return Pred(c + " LIKE {0}", [Lit("%" + p[-1:] + "%", "text")])
        if f == "collate_c_like":
            return Pred(c + ' COLLATE "C" LIKE {0}', [Lit(esc + "%", "text")])
        if f == "ci_eq" and self.have_icu:
            full = self.pick(self.d.kanas if kana else self.d.names)
            if kana and self.chance(0.6):
                full = to_half_width_kana(full)  # a width difference: equal at ICU levels 1 and 2
            return Pred(c + " = {0} COLLATE %s" % self.pick(["ci_level1", "ci_level2"]), [Lit(full, "text")])
        if f == "isnull":
            return Pred(c + " IS NULL")
        return Pred(c + " > {0}", [Lit(p, "text")])

    def pred_text(self, table, col):
        c = "{a}." + col
        sample = self.d.values.get((table, col)) or ["x"]
        v = self.pick(sample)
        f = self.pick(["=", "=", "in", "ne", "isnull", "notnull", "like", "varchar", "odd"])
        if f == "=":
            return Pred(c + " = {0}", [Lit(v, "text")])
        if f == "in":
            items = [Lit(self.pick(sample), "text") for _ in range(self.rng.randint(1, 4))]
            if self.chance(0.3):
                items.append(Lit(None, "text"))
            return Pred(c + " IN ({items})", items=items)
        if f == "ne":
            return Pred(c + " <> {0}", [Lit(v, "text")])
        if f == "isnull":
            return Pred(c + " IS NULL")
        if f == "notnull":
            return Pred(c + " IS NOT NULL")
        if f == "like":
            return Pred(c + " LIKE {0}", [Lit(v[:2].replace("%", "\\%").replace("_", "\\_") + "%", "text")])
        if f == "varchar":
            return Pred(c + " = {0}", [Lit(v, "varchar")])
        odd = self.pick(["99", "1", "00", "０１", "", " " + v, v + " "])
        return Pred(c + " = {0}", [Lit(odd, "text")])

    def pred_int(self, col):
        c = "{a}." + col
        f = self.pick([">", "=", "isnull", "between"])
        v = Lit(str(self.pick([0, 1, 2, 3300, 5500, 11000, 4])), "integer")
        if f == "isnull":
            return Pred(c + " IS NULL")
        if f == "between":
            return Pred(c + " BETWEEN {0} AND {1}", [v, Lit(str(int(v.value) + 6000), "integer")])
        return Pred(c + " " + f + " {0}", [v])

    def pred_time(self, col):
        return Pred("{a}.%s %s {0}" % (col, self.pick(["<", ">=", "="])),
                    [Lit(self.pick(["08:30:00", "12:00:00", "18:59:59", "19:00:00", "00:00:00"]), "time")])

    def pred_jsonb(self, table, col):
        c = "{a}." + col
        if col == "doctor":
            return Pred(c + " @> {0}", [Lit(json.dumps([{"Data": self.pick(["10001", "10002", "10005", "99999"])}]),
                                            "jsonb")])
        if col == "room_number":
            return Pred(c + " @> {0}", [Lit(json.dumps([{"Data": self.pick(["301", "352", "451", "999"])}]), "jsonb")])
        f = self.pick(["isnull", "notnull", "path", "contains", "length"])
        if f == "isnull":
            return Pred(c + " IS NULL")
        if f == "notnull":
            return Pred(c + " IS NOT NULL")
        if f == "path":
            return Pred("jsonb_path_exists(%s, {0})" % c,
                        [Lit('$.** ? (@ == "%s")' % self.pick(["060", "039", "009", "0001", "0002", "019", "1"]),
                             "jsonpath")])
        if f == "contains":
            return Pred(c + " @> {0}", [Lit(json.dumps([{"InsuranceProvider_Class": self.pick(["060", "039", "980"])}]),
                                            "jsonb")])
        return Pred("jsonb_array_length(CASE jsonb_typeof(%s) WHEN 'array' THEN %s END) >= {0}" % (c, c),
                    [Lit(str(self.pick([1, 2, 3])), "integer")])

    def pred_visit_range(self):
        """The visit_date range visits needs, as one predicate (never shrunk to half a range):
        near the data's end (the last weeks) or anywhere in its two years, 0 to 40 days."""
        import datetime
        today = datetime.date.fromisoformat(self.d.today)
        start = today - datetime.timedelta(days=self.pick([1, 3, 8, 20, 45, 200, 400, 700, 760]))
        end = start + datetime.timedelta(days=self.pick([0, 0, 1, 4, 6, 13, 30, 40]))
        v, w = Lit(start.isoformat(), "date"), Lit(end.isoformat(), "date")
        c = "{a}.visit_date"
        f = self.pick(["between", "=", "ge_le", "gt_lt", "ts_between"])
        if f == "=":
            return Pred(c + " = {0}", [v], required=True)
        if f == "ge_le":
            return Pred("(%s >= {0} AND %s <= {1})" % (c, c), [v, w], required=True)
        if f == "gt_lt":
            return Pred("(%s > {0} AND %s < {1})" % (c, c), [v, w], required=True)
        if f == "ts_between":
            return Pred(c + " BETWEEN {0} AND {1}", [Lit(v.value, "timestamp"), Lit(w.value, "timestamp")],
                        required=True)
        return Pred(c + " BETWEEN {0} AND {1}", [v, w], required=True)

    def pred_for(self, table, col, required=False):
        typ = self.types[table][col]
        if table == "visits" and col == "visit_date" and required:
            return self.pred_visit_range()
        if col == "patient_id":
            return self.pred_id(table, required, "stay" if table in ("admissions", "meals") else None)
        if col in ("whole_name", "whole_name_in_kana") and table in ("patients", "admissions"):
            return self.pred_name(col)
        if typ == "date":
            return self.pred_date(table, col, required)
        if typ == "integer":
            return self.pred_int(col)
        if typ == "jsonb":
            return self.pred_jsonb(table, col)
        if typ.startswith("time"):
            return self.pred_time(col)
        return self.pred_text(table, col)

    # columns the README lists as pushed down, per table (more weight)
    PUSHABLE = {
        "patients": ["patient_id", "whole_name", "whole_name_in_kana", "birth_date", "sex", "create_date",
                     "update_date"],
        "admissions": ["patient_id", "discharge_date", "admission_date", "ward_number", "department_code"],
        "meals": ["patient_id", "perform_date"],
        "wards": ["ward_number"],
        "rooms": ["ward_number", "room_number"],
        "departments": ["department_code"],
        "doctors": ["doctor_code"],
        "visits": ["visit_date", "department_code", "physician_code", "patient_id"],
        "diseases": ["patient_id", "disease_category", "end_date"],
    }

    def where(self, table, n=None):
        cols = [c for c, _ in self.columns[table]]
        pushable = [c for c in self.PUSHABLE[table] if c in self.types[table]]
        n = n if n is not None else self.pick([0, 1, 1, 2, 2, 3, 4])
        parts = []
        if table == "meals":
            col = "patient_id" if self.chance(0.45) else "perform_date"
            parts.append(self.pred_for(table, col, required=True))
            if col == "patient_id" and self.chance(0.4):
                parts.append(self.pred_for(table, "perform_date", required=True))
            n = max(0, n - 1)
        elif table == "visits":
            parts.append(self.pred_for(table, "visit_date", required=True))
            n = max(0, n - 1)
        elif table == "diseases":
            parts.append(self.pred_for(table, "patient_id", required=True))
            n = max(0, n - 1)
        for _ in range(n):
            col = self.pick(pushable) if self.chance(0.65) else self.pick(cols)
            p = self.pred_for(table, col)
            r = self.rng.random()
            if r < 0.12:
                p = Or([p, self.pred_for(table, self.pick(pushable) if self.chance(0.6) else self.pick(cols))])
            elif r < 0.18:
                p = Not(p)
            parts.append(p)
        if table == "patients" and parts and self.chance(0.3):
            # the name search's companions: birth date range and sex
            parts.append(self.pred_name(self.pick(["whole_name", "whole_name_in_kana"])))
            if self.chance(0.6):
                parts.append(self.pred_date(table, "birth_date"))
            if self.chance(0.5):
                parts.append(Pred("{a}.sex = {0}", [Lit(self.pick(["1", "2"]), "text")]))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(parts)

    # -- whole queries ----------------------------------------------------

    CHEAP = {
        # patient columns every listing carries (no per-patient patientgetv2 call)
        "patients": ["patient_id", "whole_name", "whole_name_in_kana", "birth_date", "sex", "create_date",
                     "update_date", "update_time", "test_patient_flag"],
    }

    def projection(self, table, expensive_ok):
        cols = [c for c, _ in self.columns[table]]
        keys = [k for k in KEYS[table] if k in self.types[table]]
        pool = cols if expensive_ok or table not in self.CHEAP else [c for c in cols if c in self.CHEAP[table]]
        if self.chance(0.12):
            chosen = list(pool)
        else:
            chosen = self.rng.sample(pool, min(len(pool), self.rng.randint(1, 6)))
        if self.chance(0.9):
            chosen = keys + [c for c in chosen if c not in keys]
        return [c for c in cols if c in chosen]  # table order

    def selective(self, where):
        """True when the WHERE probably names a few patients (detail columns are then cheap)."""
        text = where.render("a", None) if where is not None else ""
        return "patient_id =" in text or "patient_id IN" in text or "ANY(" in text or "LIKE '" in text

    def query(self, table=None):
        g = self
        if table is None:
            table = g.pick(["patients"] * 9 + ["admissions"] * 5 + ["meals"] * 5 + ["visits"] * 3 +
                           ["diseases"] * 3 + ["wards", "rooms", "departments", "doctors"])
        where = g.where(table)
        expensive_ok = table != "patients" or g.selective(where) or g.chance(0.08)
        q = Query(table, "simple", g.projection(table, expensive_ok), where)
        r = g.rng.random()
        per_patient = table in ("patients", "admissions", "meals", "diseases")
        if r < 0.10:
            q.shape = "agg"
            cols = [c for c, _ in g.columns[table]]
            pool = cols if expensive_ok or table not in g.CHEAP else g.CHEAP[table]
            q.agg_cols = g.rng.sample(pool, min(len(pool), g.rng.randint(1, 3)))
        elif r < 0.16:
            q.shape = "group"
            low = [c for c, t in g.columns[table] if t in ("text", "integer") and c not in ("patient_id",) and
                   (expensive_ok or table not in g.CHEAP or c in g.CHEAP[table])]
            q.group_col = g.pick(low)
        elif r < 0.26 and table in JOIN_KEY:
            q.shape = "join_local"
            q.local = ("lk_wards", "ward") if table in ("wards", "rooms") else ("lk_ids", "id")
        elif r < 0.32 and per_patient:
            q.shape = "left_local"
            q.local = ("lk_ids", "id")
            if table in ("meals", "diseases"):  # the join gives patient_id
                q.where = g.where(table, 1)
        elif r < 0.37 and per_patient:
            q.shape = "lateral"
            q.local = ("lk_ids", "id")
            q.lateral_limit = g.pick([1, 2, 3, 10])
        elif r < 0.41 and per_patient:
            q.shape = g.pick(["exists_local", "in_local"])
            q.local = ("lk_ids", "id")
            q.anti = g.chance(0.5)
        elif r < 0.47 and table in ("admissions", "meals", "diseases"):
            q.shape = "ff_join"
            if table == "diseases":  # inpatients with their disease names
                q.other = ("admissions", ["patient_id", "admission_date", "ward_number"], "b.patient_id = a.patient_id",
                           Pred("{a}.discharge_date IS NULL") if g.chance(0.6) else None)
                if g.chance(0.5):
                    q.where = g.where(table, 0) if g.chance(0.3) else Pred("{a}.disease_category = 'PD'")
            elif table == "admissions":
                q.other = ("patients", g.projection("patients", False)[:4], "b.patient_id = a.patient_id",
                           g.where("patients", g.pick([0, 0, 1])))
            else:
                q.other = ("admissions", ["patient_id", "admission_date", "ward_number"],
                           "b.patient_id = a.patient_id AND a.perform_date >= b.admission_date "
                           "AND (b.discharge_date IS NULL OR a.perform_date <= b.discharge_date)",
                           Pred("{a}.discharge_date IS NULL") if g.chance(0.5) else None)
        if q.shape in ("simple", "join_local", "ff_join") and g.chance(0.2):
            if g.chance(0.75):
                q.order_limit = (g.pick([1, 2, 5, 10, 50]), g.pick([0, 0, 1, 3, 20]))
            else:
                q.limit_only = g.pick([1, 3, 10])
        r = g.rng.random()
        if r < 0.15:
            q.mode = "cursor"
            q.fetch_sizes = [g.pick([1, 2, 3, 7, 50, 200]) for _ in range(3)]
        elif r < 0.30:
            q.mode = "prepared"
        if g.chance(0.25):
            q.server = "orca_json"
        if q.shape in ("join_local", "left_local", "lateral", "ff_join", "exists_local", "in_local") and g.chance(0.5):
            q.gucs = {"enable_hashjoin": "off", "enable_mergejoin": "off"}
            if g.chance(0.3):
                q.gucs["enable_memoize"] = "off"
            if g.chance(0.3):  # the per-row parameterized path instead of the batched join
                q.gucs["orca_fdw.enable_batched_join"] = "off"
        if q.limit_only is not None and q.shape in ("agg", "group"):
            q.limit_only = None
        return q
