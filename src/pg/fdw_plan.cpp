/*
 * fdw_plan.cpp — planning: which columns a query needs, which WHERE clauses
 * ORCA can narrow the calls with, costs, parameterized paths for joins, and
 * the ForeignScan node.
 *
 * Every clause stays in the plan's local quals, so PostgreSQL rechecks it:
 * pushed clauses only choose which calls are made, never which rows are
 * returned.
 */
#include "pg/fdw.hpp"

#include "pg/guard.hpp"
#include "pg/options.hpp"

#include "utils/fmgroids.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace orca_fdw::pg {

namespace {

bool
IsTextType(Oid t)
{
	return t == TEXTOID || t == VARCHAROID || t == BPCHAROID;
}

Expr *
StripRelabel(Expr *e)
{
	while (e && IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return e;
}

/* The catalog column of `e` if it is a Var of this relation. */
int
VarColumn(RelOptInfo *baserel, OrcaFdwRelationInfo *fpinfo, Expr *e)
{
	e = StripRelabel(e);
	if (!e || !IsA(e, Var))
		return -1;
	Var *v = (Var *) e;
	if (v->varno != (int) baserel->relid || v->varlevelsup != 0 || v->varattno <= 0 || v->varattno > fpinfo->natts)
		return -1;
	return fpinfo->attr_column[v->varattno];
}

/* A date column cast to timestamp or timestamptz (CAST(create_date AS
 * timestamp) >= …): the column, whose comparison with a timestamp is the
 * cross-type one PostgreSQL defines the same way (date_ge_timestamp). */
Expr *
StripDateCast(Expr *e)
{
	e = StripRelabel(e);
	if (e && IsA(e, FuncExpr)) {
		FuncExpr *f = (FuncExpr *) e;
		if ((f->funcid == F_TIMESTAMP_DATE || f->funcid == F_TIMESTAMPTZ_DATE) && list_length(f->args) == 1 &&
		    exprType((Node *) linitial(f->args)) == DATEOID && IsA(StripRelabel((Expr *) linitial(f->args)), Var))
			return StripRelabel((Expr *) linitial(f->args));
	}
	return e;
}

/* The other side must be computable before the scan starts. */
bool
UsableValue(PlannerInfo *root, RelOptInfo *baserel, Expr *e)
{
	if (!e)
		return false;
	if (bms_is_member(baserel->relid, pull_varnos(root, (Node *) e)))
		return false;
	return !contain_volatile_functions((Node *) e);
}

/* A text comparison is pushed only under a deterministic collation: there
 * equal strings are equal bytes and a LIKE prefix is a byte prefix, which is
 * what ORCA matches.  Under a nondeterministic one ('０００４２' = '00042'
 * COLLATE an ICU level1/level2 collation) PostgreSQL finds rows ORCA's
 * exact match would never return: the clause stays local only. */
bool
DeterministicCollation(Oid collation)
{
	return !OidIsValid(collation) || get_collation_isdeterministic(collation);
}

/* Literal prefix of a LIKE pattern ("日医%" → "日医"); NULL when none or when it has escapes. */
char *
LikePrefix(const char *pattern)
{
	size_t n = 0;
	while (pattern[n] && pattern[n] != '%' && pattern[n] != '_') {
		if (pattern[n] == '\\')
			return NULL;
		n++;
	}
	if (n == 0)
		return NULL;
	return pnstrdup(pattern, n);
}

/* A date for the core: "YYYY-MM-DD" for the years 1-9999 that ORCA writes;
 * "-infinity" / "infinity" for PostgreSQL's infinite dates and for finite
 * dates before / after every ORCA date (BC, or beyond 9999), which compare
 * with ORCA's dates exactly as the infinities do.  The core's DateBounds
 * turns them into "no bound" or "nothing matches". */
const char *
DateText(DateADT d, char *buf, size_t size)
{
	if (DATE_IS_NOBEGIN(d))
		return "-infinity";
	if (DATE_IS_NOEND(d))
		return "infinity";
	int y, m, day;
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	if (y < 1)
		return "-infinity";
	if (y > 9999)
		return "infinity";
	snprintf(buf, size, "%04d-%02d-%02d", y, m, day);
	return buf;
}

} // namespace

char *
DatumToOrcaText(Datum value, Oid type)
{
	if (IsTextType(type))
		return TextDatumGetCString(value);
	if (type == DATEOID) {
		char buf[32];
		return pstrdup(DateText(DatumGetDateADT(value), buf, sizeof(buf)));
	}
	if (type == TIMESTAMPOID || type == TIMESTAMPTZOID) {
		/* its date (in the session's time zone); a comparison with a date
		 * column goes through TimestampDateBound instead */
		char buf[32];
		Datum d = DirectFunctionCall1(type == TIMESTAMPOID ? timestamp_date : timestamptz_date, value);
		return pstrdup(DateText(DatumGetDateADT(d), buf, sizeof(buf)));
	}
	Oid out;
	bool varlena;
	getTypeOutputInfo(type, &out, &varlena);
	return OidOutputFunctionCall(out, value);
}

namespace {

/* A date column compared with a timestamp (with or without time zone): the
 * date bound that selects exactly the same dates.  PostgreSQL compares a
 * date as its midnight (in the session's time zone for timestamptz), so the
 * dates that satisfy `d op ts` start or end within a day of ts's own date:
 * the candidates D-1, D, D+1 are tried with PostgreSQL's own cross-type
 * operator, which settles time-of-day, time zones and daylight-saving gaps
 * alike.  `>= 2024-01-01 00:00` is `>= 2024-01-01`, `< 2025-01-01 00:00`
 * is `<= 2024-12-31`, `= 2024-01-01 12:00` matches no date.  Evaluated
 * with the values of execution (now(), the session's TimeZone then). */
void
TimestampDateBound(QualValues *v, Datum value, Oid type)
{
	bool tz = type == TIMESTAMPTZOID;
	Timestamp t = tz ? DatumGetTimestampTz(value) : DatumGetTimestamp(value);
	char buf[32];
	if (TIMESTAMP_NOT_FINITE(t)) {
		/* dates compare with ±infinity as the infinite dates do */
		v->values = (char **) palloc(sizeof(char *));
		v->values[0] = pstrdup(TIMESTAMP_IS_NOBEGIN(t) ? "-infinity" : "infinity");
		v->nvalues = 1;
		return;
	}
	PGFunction fn;
	switch (v->op) {
	case core::QualOp::Eq: fn = tz ? date_eq_timestamptz : date_eq_timestamp; break;
	case core::QualOp::Lt: fn = tz ? date_lt_timestamptz : date_lt_timestamp; break;
	case core::QualOp::Le: fn = tz ? date_le_timestamptz : date_le_timestamp; break;
	case core::QualOp::Gt: fn = tz ? date_gt_timestamptz : date_gt_timestamp; break;
	case core::QualOp::Ge: fn = tz ? date_ge_timestamptz : date_ge_timestamp; break;
	default: v->known = false; return;
	}
	DateADT d = DatumGetDateADT(DirectFunctionCall1(tz ? timestamptz_date : timestamp_date, value));
	bool holds[3];
	for (int i = 0; i < 3; i++)
		holds[i] = DatumGetBool(DirectFunctionCall2(fn, DateADTGetDatum(d + i - 1), value));
	int pick = -1;
	switch (v->op) {
	case core::QualOp::Eq:
		if (!holds[0] && !holds[1] && !holds[2]) {
			v->null_value = true; /* no date equals it */
			return;
		}
		if (holds[0] + holds[1] + holds[2] == 1)
			pick = holds[0] ? 0 : holds[1] ? 1 : 2;
		break;
	case core::QualOp::Gt:
	case core::QualOp::Ge:
		/* the first date that satisfies it; every later one does too */
		pick = holds[0] ? 0 : holds[1] ? 1 : holds[2] ? 2 : -1;
		v->op = core::QualOp::Ge;
		break;
	default:
		/* the last date that satisfies it; every earlier one does too */
		pick = holds[2] ? 2 : holds[1] ? 1 : holds[0] ? 0 : -1;
		v->op = core::QualOp::Le;
		break;
	}
	if (pick < 0) {
		v->known = false; /* not readable: bounds nothing */
		return;
	}
	v->values = (char **) palloc(sizeof(char *));
	v->values[0] = pstrdup(DateText(d + pick - 1, buf, sizeof(buf)));
	v->nvalues = 1;
}

} // namespace

void
FillQualValue(QualValues *v, bool array, bool like, Datum value, Oid type)
{
	if (array) {
		ArrayType *arr = DatumGetArrayTypeP(value);
		Oid elemtype = ARR_ELEMTYPE(arr);
		int16 typlen;
		bool typbyval;
		char typalign;
		Datum *elems;
		bool *nulls;
		int n;
		get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
		deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
		v->values = (char **) palloc0(sizeof(char *) * Max(n, 1));
		for (int j = 0; j < n; j++)
			if (!nulls[j])
				v->values[v->nvalues++] = DatumToOrcaText(elems[j], elemtype);
		v->estimated_count = v->nvalues;
		return;
	}
	if (type == TIMESTAMPOID || type == TIMESTAMPTZOID) {
		TimestampDateBound(v, value, type);
		return;
	}
	char *t = DatumToOrcaText(value, type);
	if (like) {
		/* a pattern from a parameter: its literal prefix, or nothing to push */
		t = LikePrefix(t);
		if (!t) {
			/* no literal prefix: all it says for the calls is that the
			 * column is not NULL (LIKE is never true on NULL) */
			v->op = core::QualOp::IsNotNull;
			return;
		}
	}
	v->values = (char **) palloc(sizeof(char *));
	v->values[0] = t;
	v->nvalues = 1;
}

const core::ResourceDef *
LookupResource(const char *name, Oid relid)
{
	const core::ResourceDef *r = nullptr;
	RunGuarded([&] { r = core::FindResource(name); });
	if (!r)
		ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
		                errmsg("foreign table \"%s\" has no ORCA resource", get_rel_name(relid)),
		                errhint("Set the table option resource, e.g. OPTIONS (resource 'patients').")));
	return r;
}

bool
ExtractQual(PlannerInfo *root, RelOptInfo *baserel, OrcaFdwRelationInfo *fpinfo, Expr *clause, OrcaQual *out)
{
	memset(out, 0, sizeof(*out));
	if (IsA(clause, NullTest)) {
		NullTest *nt = (NullTest *) clause;
		int col = VarColumn(baserel, fpinfo, nt->arg);
		if (col < 0 || nt->argisrow)
			return false;
		out->column = col;
		out->op = nt->nulltesttype == IS_NULL ? core::QualOp::IsNull : core::QualOp::IsNotNull;
		return true;
	}
	if (IsA(clause, ScalarArrayOpExpr)) {
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) clause;
		if (!sa->useOr || list_length(sa->args) != 2 || sa->opno >= FirstNormalObjectId ||
		    !DeterministicCollation(sa->inputcollid))
			return false;
		char *opname = get_opname(sa->opno);
		if (!opname || strcmp(opname, "=") != 0)
			return false;
		Expr *left = (Expr *) linitial(sa->args), *right = (Expr *) lsecond(sa->args);
		int col = VarColumn(baserel, fpinfo, left);
		Oid ltype = exprType((Node *) StripRelabel(left));
		if (col < 0 || !(IsTextType(ltype) || ltype == DATEOID) || !UsableValue(root, baserel, right))
			return false;
		out->column = col;
		out->op = core::QualOp::In;
		out->value = right;
		out->array = true;
		return true;
	}
	if (!IsA(clause, OpExpr))
		return false;
	OpExpr *op = (OpExpr *) clause;
	if (list_length(op->args) != 2 || op->opno >= FirstNormalObjectId || !DeterministicCollation(op->inputcollid))
		return false;
	Expr *left = (Expr *) linitial(op->args), *right = (Expr *) lsecond(op->args);
	Oid opno = op->opno;
	int col = VarColumn(baserel, fpinfo, StripDateCast(left));
	if (col < 0) {
		col = VarColumn(baserel, fpinfo, StripDateCast(right));
		if (col < 0)
			return false;
		opno = get_commutator(opno);
		if (!OidIsValid(opno))
			return false;
		Expr *tmp = left;
		left = right;
		right = tmp;
	}
	if (!UsableValue(root, baserel, right))
		return false;
	Oid ltype = exprType((Node *) StripDateCast(left));
	Oid rtype = exprType((Node *) StripRelabel(right));
	char *opname = get_opname(opno);
	if (!opname)
		return false;
	bool is_text = IsTextType(ltype) && IsTextType(rtype);
	/* A date column (or its cast to a timestamp type) against a timestamp
	 * (with or without time zone): the equivalent date bound is computed
	 * from the value when it is known (TimestampDateBound). */
	bool date_ts = ltype == DATEOID && (rtype == TIMESTAMPOID || rtype == TIMESTAMPTZOID);
	/* a cast column compares as date_op_timestamp[tz] only with its own type */
	if (StripDateCast(left) != StripRelabel(left) && exprType((Node *) StripRelabel(left)) != rtype)
		return false;
	bool date = (ltype == DATEOID && rtype == DATEOID) || date_ts;
	out->column = col;
	out->value = right;
	if (strcmp(opname, "=") == 0 && (is_text || date))
		out->op = core::QualOp::Eq;
	else if (date && strcmp(opname, "<") == 0)
		out->op = core::QualOp::Lt;
	else if (date && strcmp(opname, "<=") == 0)
		out->op = core::QualOp::Le;
	else if (date && strcmp(opname, ">") == 0)
		out->op = core::QualOp::Gt;
	else if (date && strcmp(opname, ">=") == 0)
		out->op = core::QualOp::Ge;
	else if (is_text && strcmp(opname, "^@") == 0)
		out->op = core::QualOp::Prefix;
	else if (is_text && strcmp(opname, "~~") == 0) {
		/* LIKE: a constant pattern with a literal prefix, or a pattern
		 * known at execution only (a parameter of a generic plan), whose
		 * prefix is taken then (FillQualValue) */
		Expr *pat = StripRelabel(right);
		out->op = core::QualOp::Prefix;
		if (!IsA(pat, Const)) {
			out->like = true;
			return true;
		}
		if (((Const *) pat)->constisnull)
			return false;
		char *prefix = LikePrefix(TextDatumGetCString(((Const *) pat)->constvalue));
		if (!prefix)
			return false;
		out->value = (Expr *) makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1, CStringGetTextDatum(prefix), false, false);
	} else
		return false;
	return true;
}

core::ScanSpec
MakeScanSpec(const core::ResourceDef *resource, const int *needed, int nneeded, const QualValues *quals, int nquals,
             double table_rows, double row_hint, bool hint_exact)
{
	core::ScanSpec spec;
	spec.resource = resource;
	spec.row_hint = row_hint;
	spec.hint_exact = hint_exact;
	spec.needed_columns.assign(needed, needed + nneeded);
	spec.estimated_table_rows = table_rows;
	for (int i = 0; i < nquals; i++) {
		core::QualSpec q;
		q.column = quals[i].column;
		q.op = quals[i].op;
		q.values_known = quals[i].known;
		q.null_value = quals[i].null_value;
		q.estimated_count = quals[i].estimated_count;
		for (int j = 0; j < quals[i].nvalues; j++)
			q.values.emplace_back(quals[i].values[j]);
		spec.quals.push_back(std::move(q));
	}
	return spec;
}

void
EstimatePlan(const core::ResourceDef *resource, const int *needed, int nneeded, const QualValues *quals, int nquals,
             double table_rows, double *rows, double *calls, List **explain, double row_hint, bool hint_exact)
{
	char *joined = NULL; /* malloc'd by the core side, freed here */
	double r = 0, c = 0;
	RunGuarded([&] {
		core::ScanPlan plan = core::PlanScan(
		    MakeScanSpec(resource, needed, nneeded, quals, nquals, table_rows, row_hint, hint_exact));
		std::string all;
		for (const auto &line : plan.explain)
			all += line + "\n";
		r = plan.estimated_rows;
		c = plan.estimated_calls;
		joined = strdup(all.c_str());
		if (!joined)
			throw std::bad_alloc();
	});
	*rows = r;
	*calls = c;
	*explain = NIL;
	char *copy = pstrdup(joined);
	free(joined);
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
		*explain = lappend(*explain, makeString(pstrdup(line)));
}

/* Plan-time qual values: Consts are known, everything else is not. */
static void
PlanTimeValues(List *quals, QualValues **out, int *nout)
{
	int n = list_length(quals), i = 0;
	QualValues *qv = (QualValues *) palloc0(sizeof(QualValues) * Max(n, 1));
	ListCell *lc;
	foreach (lc, quals) {
		OrcaQual *q = (OrcaQual *) lfirst(lc);
		QualValues *v = &qv[i++];
		v->column = q->column;
		v->op = q->op;
		v->estimated_count = q->array ? 10 : 1;
		Expr *e = StripRelabel(q->value);
		v->known = !q->value || IsA(e, Const);
		if (!q->value || !v->known)
			continue;
		Const *c = (Const *) e;
		if (c->constisnull)
			v->null_value = true;
		else
			FillQualValue(v, q->array, q->like, c->constvalue, c->consttype);
	}
	*out = qv;
	*nout = n;
}

/* Does the scan have to produce attribute attno?  An UPDATE/DELETE target
 * carries a whole-row Var, used to rebuild the new row; columns only the
 * resource's named_only_sources carry (patients: the create/update dates of
 * patientlst1v2) are not sent back to ORCA, so they are left out of it
 * rather than enumerating every patient's dates for a one-row UPDATE (they
 * read as NULL in its RETURNING unless named). */
static bool
AttrNeeded(OrcaFdwRelationInfo *fpinfo, int attno)
{
	if (bms_is_member(attno - FirstLowInvalidHeapAttributeNumber, fpinfo->attrs_used))
		return true;
	if (!bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, fpinfo->attrs_used))
		return false;
	int col = fpinfo->attr_column[attno];
	if (!fpinfo->is_target || col < 0)
		return true;
	const core::ResourceDef *r = fpinfo->resource;
	return (r->columns[col].Sources() & ~r->read.named_only_sources) != 0;
}

/* Catalog columns of the needed attributes (deduplicated), palloc'd. */
static int *
NeededColumns(OrcaFdwRelationInfo *fpinfo, int *n)
{
	int *cols = (int *) palloc(sizeof(int) * (fpinfo->natts + 1));
	int count = 0;
	for (int attno = 1; attno <= fpinfo->natts; attno++) {
		if (!AttrNeeded(fpinfo, attno))
			continue;
		int col = fpinfo->attr_column[attno];
		if (col < 0)
			continue;
		bool dup = false;
		for (int i = 0; i < count; i++)
			dup = dup || cols[i] == col;
		if (!dup)
			cols[count++] = col;
	}
	*n = count;
	return cols;
}

/* The rows a query reading only this relation will take: its LIMIT plus
 * OFFSET, when nothing between the scan and the Limit needs more rows than
 * it passes on (no sort, aggregate, grouping, DISTINCT, window, set-returning
 * function or row lock; no other relation).  Only a hint: the scan makes
 * the calls for these rows first and more only when more are asked for, so
 * rows never depend on it.  *exact: no qual is rechecked above the scan, so
 * no more than the hint is ever asked for. */
static void
RowHint(PlannerInfo *root, RelOptInfo *baserel, double *hint, bool *exact)
{
	Query *parse = root->parse;
	*hint = 0;
	*exact = false;
	if (parse->commandType != CMD_SELECT || !parse->limitCount || parse->hasAggs || parse->groupClause ||
	    parse->groupingSets || parse->havingQual || parse->hasWindowFuncs || parse->distinctClause ||
	    parse->sortClause || parse->setOperations || parse->rowMarks || parse->hasTargetSRFs ||
	    bms_membership(root->all_baserels) != BMS_SINGLETON || parse->limitOption != LIMIT_OPTION_COUNT)
		return;
	if (!IsA(parse->limitCount, Const) || (parse->limitOffset && !IsA(parse->limitOffset, Const)))
		return;
	Const *count = (Const *) parse->limitCount;
	if (count->constisnull || count->consttype != INT8OID)
		return; /* LIMIT ALL */
	double n = (double) Max(DatumGetInt64(count->constvalue), (int64) 1);
	if (parse->limitOffset) {
		Const *offset = (Const *) parse->limitOffset;
		if (offset->consttype != INT8OID)
			return;
		if (!offset->constisnull)
			n += (double) Max(DatumGetInt64(offset->constvalue), (int64) 0);
	}
	*hint = Min(n, 1e9);
	*exact = baserel->baserestrictinfo == NIL;
}

void
orcaGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	OrcaFdwRelationInfo *fpinfo = (OrcaFdwRelationInfo *) palloc0(sizeof(OrcaFdwRelationInfo));
	OrcaTableOptions topts;
	GetTableOptions(foreigntableid, &topts);
	fpinfo->relid = foreigntableid;
	fpinfo->is_target = root->parse->resultRelation == (int) baserel->relid &&
	                    (root->parse->commandType == CMD_UPDATE || root->parse->commandType == CMD_DELETE);
	fpinfo->resource = LookupResource(topts.resource, foreigntableid);
	fpinfo->table_rows = topts.estimated_rows;

	Relation rel = table_open(foreigntableid, NoLock);
	TupleDesc desc = RelationGetDescr(rel);
	fpinfo->natts = desc->natts;
	fpinfo->attr_column = (int *) palloc(sizeof(int) * (desc->natts + 1));
	fpinfo->attr_column[0] = -1;
	for (int i = 0; i < desc->natts; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		int col = -1;
		if (!att->attisdropped) {
			const char *field = GetColumnField(foreigntableid, att->attnum);
			const char *name = NameStr(att->attname);
			const core::ResourceDef *r = fpinfo->resource;
			RunGuarded([&] { col = field ? r->FindField(field) : r->FindColumn(name); });
			if (col < 0 && IsClinicColumn(name, field, false))
				col = kClinicColumn; /* the server's clinic option (clinic.cpp) */
			if (col == -1 && field)
				ereport(ERROR, (errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
				                errmsg("ORCA resource \"%s\" has no field \"%s\"", r->name.c_str(), field),
				                errdetail("Column \"%s\" of foreign table \"%s\" names it in its field option.", name,
				                          RelationGetRelationName(rel))));
		}
		fpinfo->attr_column[i + 1] = col;
	}
	/* Columns needed: the output and every local qual (all quals are rechecked). */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &fpinfo->attrs_used);
	ListCell *lc;
	foreach (lc, baserel->baserestrictinfo) {
		RestrictInfo *ri = (RestrictInfo *) lfirst(lc);
		pull_varattnos((Node *) ri->clause, baserel->relid, &fpinfo->attrs_used);
	}
	for (int attno = 1; attno <= fpinfo->natts; attno++) {
		Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
		if (fpinfo->attr_column[attno] >= 0 || fpinfo->attr_column[attno] == kClinicColumn || att->attisdropped ||
		    !AttrNeeded(fpinfo, attno))
			continue;
		ereport(ERROR, (errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
		                errmsg("column \"%s\" of foreign table \"%s\" does not map to an ORCA field",
		                       NameStr(att->attname), RelationGetRelationName(rel)),
		                errhint("Name the column after a column of resource \"%s\" or set its field option.",
		                        fpinfo->resource->name.c_str())));
	}
	table_close(rel, NoLock);

	List *quals = NIL;
	foreach (lc, baserel->baserestrictinfo) {
		RestrictInfo *ri = (RestrictInfo *) lfirst(lc);
		OrcaQual *q = (OrcaQual *) palloc(sizeof(OrcaQual));
		if (ExtractQual(root, baserel, fpinfo, ri->clause, q))
			quals = lappend(quals, q);
	}
	QualValues *qv;
	int nq, nneeded;
	PlanTimeValues(quals, &qv, &nq);
	int *needed = NeededColumns(fpinfo, &nneeded);
	RowHint(root, baserel, &fpinfo->row_hint, &fpinfo->hint_exact);
	EstimatePlan(fpinfo->resource, needed, nneeded, qv, nq, fpinfo->table_rows, &fpinfo->rows, &fpinfo->calls,
	             &fpinfo->explain, fpinfo->row_hint, fpinfo->hint_exact);
	/* The calls' yield, or fewer once the local recheck has filtered. */
	double sel = clauselist_selectivity(root, baserel->baserestrictinfo, 0, JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(Min(fpinfo->rows, fpinfo->table_rows * sel));
	baserel->fdw_private = fpinfo;
	/* a condition on the clinic column that the server's clinic makes false: no call */
	if (ClinicExcludes(root, baserel, fpinfo))
		mark_dummy_rel(baserel);
}

namespace {

struct EcMatchArg {
	int column; /* catalog column of the key */
	OrcaFdwRelationInfo *fpinfo;
	Var *current;
};

bool
EcMemberMatches(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec, EquivalenceMember *em, void *arg)
{
	EcMatchArg *state = (EcMatchArg *) arg;
	Expr *e = StripRelabel(em->em_expr);
	if (!IsA(e, Var) || !DeterministicCollation(ec->ec_collation))
		return false;
	Var *v = (Var *) e;
	return v->varno == (int) rel->relid && v->varlevelsup == 0 && v->varattno > 0 && v->varattno <= state->fpinfo->natts &&
	       state->fpinfo->attr_column[v->varattno] == state->column &&
	       IsTextType(v->vartype);
}

} // namespace

void
orcaGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	OrcaFdwRelationInfo *fpinfo = (OrcaFdwRelationInfo *) baserel->fdw_private;
	Cost total = fpinfo->calls * kCallCost + fpinfo->rows * cpu_tuple_cost;
	add_path(baserel, (Path *) create_foreignscan_path(root, baserel, NULL, baserel->rows, kCallCost, total, NIL,
	                                                   baserel->lateral_relids, NULL, NIL));

	/* Parameterized paths: the declaration's join key, an outer value that
	 * drives one call per outer row. */
	const core::KeyCondition *join_key = fpinfo->resource->JoinKey(); /* noexcept */
	if (!join_key)
		return;
	const int key = join_key->column_index;

	List *clauses = NIL;
	ListCell *lc;
	foreach (lc, baserel->joininfo) {
		RestrictInfo *ri = (RestrictInfo *) lfirst(lc);
		OrcaQual q;
		if (join_clause_is_movable_to(ri, baserel) && ExtractQual(root, baserel, fpinfo, ri->clause, &q) &&
		    q.column == key && q.op == core::QualOp::Eq)
			clauses = lappend(clauses, ri);
	}
	if (baserel->has_eclass_joins) {
		EcMatchArg arg = {key, fpinfo, NULL};
		List *ec = generate_implied_equalities_for_column(root, baserel, EcMemberMatches, &arg,
		                                                  baserel->lateral_referencers);
		clauses = list_concat(clauses, ec);
	}

	List *ppi_list = NIL;
	foreach (lc, clauses) {
		RestrictInfo *ri = (RestrictInfo *) lfirst(lc);
		if (!join_clause_is_movable_to(ri, baserel))
			continue;
		Relids required_outer = bms_union(ri->clause_relids, baserel->lateral_relids);
		required_outer = bms_del_member(required_outer, baserel->relid);
		if (bms_is_empty(required_outer))
			continue;
		ParamPathInfo *ppi = get_baserel_parampathinfo(root, baserel, required_outer);
		ppi_list = list_append_unique_ptr(ppi_list, ppi);
	}

	foreach (lc, ppi_list) {
		ParamPathInfo *ppi = (ParamPathInfo *) lfirst(lc);
		/* One key value per loop: the resource's lookup once, plus detail calls. */
		QualValues qv[1];
		memset(qv, 0, sizeof(qv));
		qv[0].column = key;
		qv[0].op = core::QualOp::Eq;
		qv[0].known = false;
		qv[0].estimated_count = 1;
		int nneeded;
		int *needed = NeededColumns(fpinfo, &nneeded);
		double rows, calls;
		List *explain;
		EstimatePlan(fpinfo->resource, needed, nneeded, qv, 1, fpinfo->table_rows, &rows, &calls, &explain);
		Cost cost = calls * kCallCost + rows * cpu_tuple_cost;
		add_path(baserel, (Path *) create_foreignscan_path(root, baserel, NULL, Max(ppi->ppi_rows, 1.0), kCallCost,
		                                                   cost, NIL, ppi->ppi_req_outer, NULL, NIL));
	}
}

double
EstimateBatchProbe(PlannerInfo *root, RelOptInfo *baserel, int key_column, double nkeys, List **explain)
{
	OrcaFdwRelationInfo *fpinfo = (OrcaFdwRelationInfo *) baserel->fdw_private;
	List *pushed = NIL;
	ListCell *lc;
	foreach (lc, baserel->baserestrictinfo) {
		OrcaQual *q = (OrcaQual *) palloc(sizeof(OrcaQual));
		if (ExtractQual(root, baserel, fpinfo, ((RestrictInfo *) lfirst(lc))->clause, q))
			pushed = lappend(pushed, q);
	}
	QualValues *own;
	int nown, nneeded;
	PlanTimeValues(pushed, &own, &nown);
	QualValues *qv = (QualValues *) palloc0(sizeof(QualValues) * (nown + 1));
	memcpy(qv, own, sizeof(QualValues) * nown);
	qv[nown].column = key_column;
	qv[nown].op = core::QualOp::In;
	qv[nown].known = false;
	qv[nown].estimated_count = (int) Max(1.0, Min(nkeys, 1e9));
	int *needed = NeededColumns(fpinfo, &nneeded);
	double rows, calls;
	List *lines;
	EstimatePlan(fpinfo->resource, needed, nneeded, qv, nown + 1, fpinfo->table_rows, &rows, &calls, &lines);
	if (explain)
		*explain = lines;
	return calls;
}

ForeignScan *
orcaGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid, ForeignPath *best_path, List *tlist,
                   List *scan_clauses, Plan *outer_plan)
{
	OrcaFdwRelationInfo *fpinfo = (OrcaFdwRelationInfo *) baserel->fdw_private;
	List *fdw_exprs = NIL, *pushed = NIL;
	ListCell *lc;

	/* Columns needed by the output and every clause, including join clauses moved here. */
	foreach (lc, scan_clauses) {
		RestrictInfo *ri = (RestrictInfo *) lfirst(lc);
		pull_varattnos((Node *) ri->clause, baserel->relid, &fpinfo->attrs_used);
		OrcaQual *q = (OrcaQual *) palloc(sizeof(OrcaQual));
		if (ExtractQual(root, baserel, fpinfo, ri->clause, q))
			pushed = lappend(pushed, q);
	}
	ScanPrivate sp;
	memset(&sp, 0, sizeof(sp));
	sp.resource = fpinfo->resource->name.c_str(); /* copied by EncodeScanPrivate */
	sp.quals = (ScanPrivateQual *) palloc0(sizeof(ScanPrivateQual) * (list_length(pushed) + 1));
	foreach (lc, pushed) {
		OrcaQual *q = (OrcaQual *) lfirst(lc);
		ScanPrivateQual *out = &sp.quals[sp.nquals++];
		out->column = q->column;
		out->op = q->op;
		out->expr = -1;
		out->known = true;
		out->array = q->array;
		out->like = q->like;
		if (q->value) {
			fdw_exprs = lappend(fdw_exprs, q->value);
			out->expr = list_length(fdw_exprs) - 1;
			out->known = IsA(StripRelabel(q->value), Const);
		}
	}

	/* The inner scan of a batched join (batch_join.cpp): key IN (the keys of
	 * each batch), values handed over at execution. */
	int batch_key = best_path->fdw_private != NIL ? intVal(linitial(best_path->fdw_private)) : -1;
	if (batch_key >= 0)
		sp.quals[sp.nquals++] = ScanPrivateQual{batch_key, core::QualOp::In, kBatchKeysExpr, false, true};

	int nneeded;
	int *needed = NeededColumns(fpinfo, &nneeded);
	sp.attrs = (ScanPrivateAttr *) palloc0(sizeof(ScanPrivateAttr) * (fpinfo->natts + 1));
	for (int attno = 1; attno <= fpinfo->natts; attno++)
		if ((fpinfo->attr_column[attno] >= 0 || fpinfo->attr_column[attno] == kClinicColumn) &&
		    AttrNeeded(fpinfo, attno))
			sp.attrs[sp.nattrs++] = ScanPrivateAttr{(AttrNumber) attno, fpinfo->attr_column[attno]};

	/* EXPLAIN lines for this path's quals (join params are not Consts: unknown). */
	QualValues *qv;
	int nq;
	PlanTimeValues(pushed, &qv, &nq);
	double rows, calls;
	/* A parameterized path (one scan per outer row) and a batched join's
	 * probe take every row of each. */
	bool param = best_path->path.param_info != NULL || batch_key >= 0;
	sp.row_hint = param ? 0 : fpinfo->row_hint;
	sp.hint_exact = !param && fpinfo->hint_exact;
	if (batch_key >= 0) /* the calls of one batch of the planned size */
		EstimateBatchProbe(root, baserel, batch_key, intVal(lsecond(best_path->fdw_private)), &sp.explain);
	else
		EstimatePlan(fpinfo->resource, needed, nneeded, qv, nq, fpinfo->table_rows, &rows, &calls, &sp.explain,
		             sp.row_hint, sp.hint_exact);
	sp.table_rows = fpinfo->table_rows;
	sp.mark_rows = fpinfo->is_target;

	List *fdw_private = EncodeScanPrivate(&sp);
	List *local = extract_actual_clauses(scan_clauses, false);
	return make_foreignscan(tlist, local, baserel->relid, fdw_exprs, fdw_private, NIL, NIL, outer_plan);
}

} // namespace orca_fdw::pg
