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
		/* its date (in the session's time zone, as PostgreSQL compares a
		 * date with a timestamptz); ExtractQual widened the operator */
		char buf[32];
		Datum d = DirectFunctionCall1(type == TIMESTAMPOID ? timestamp_date : timestamptz_date, value);
		return pstrdup(DateText(DatumGetDateADT(d), buf, sizeof(buf)));
	}
	Oid out;
	bool varlena;
	getTypeOutputInfo(type, &out, &varlena);
	return OidOutputFunctionCall(out, value);
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
	int col = VarColumn(baserel, fpinfo, left);
	if (col < 0) {
		col = VarColumn(baserel, fpinfo, right);
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
	Oid ltype = exprType((Node *) StripRelabel(left));
	Oid rtype = exprType((Node *) StripRelabel(right));
	char *opname = get_opname(opno);
	if (!opname)
		return false;
	bool is_text = IsTextType(ltype) && IsTextType(rtype);
	/* A date column against a timestamp (with or without time zone) is pushed
	 * as the timestamp's date (DatumToOrcaText), with < and > widened to <=
	 * and >=: d < ts and d > ts hold only for dates on or beyond ts's date, so
	 * the calls return a superset that PostgreSQL's recheck narrows. */
	bool date_ts = ltype == DATEOID && (rtype == TIMESTAMPOID || rtype == TIMESTAMPTZOID);
	bool date = (ltype == DATEOID && rtype == DATEOID) || date_ts;
	out->column = col;
	out->value = right;
	if (strcmp(opname, "=") == 0 && (is_text || date))
		out->op = core::QualOp::Eq;
	else if (date && strcmp(opname, "<") == 0)
		out->op = date_ts ? core::QualOp::Le : core::QualOp::Lt;
	else if (date && strcmp(opname, "<=") == 0)
		out->op = core::QualOp::Le;
	else if (date && strcmp(opname, ">") == 0)
		out->op = date_ts ? core::QualOp::Ge : core::QualOp::Gt;
	else if (date && strcmp(opname, ">=") == 0)
		out->op = core::QualOp::Ge;
	else if (is_text && strcmp(opname, "^@") == 0)
		out->op = core::QualOp::Prefix;
	else if (is_text && strcmp(opname, "~~") == 0) {
		/* LIKE: only a constant pattern with a literal prefix */
		Expr *pat = StripRelabel(right);
		if (!IsA(pat, Const) || ((Const *) pat)->constisnull)
			return false;
		char *prefix = LikePrefix(TextDatumGetCString(((Const *) pat)->constvalue));
		if (!prefix)
			return false;
		out->op = core::QualOp::Prefix;
		out->value = (Expr *) makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1, CStringGetTextDatum(prefix), false, false);
	} else
		return false;
	return true;
}

core::ScanSpec
MakeScanSpec(const core::ResourceDef *resource, const int *needed, int nneeded, const QualValues *quals, int nquals,
             double table_rows)
{
	core::ScanSpec spec;
	spec.resource = resource;
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
             double table_rows, double *rows, double *calls, List **explain)
{
	char *joined = NULL; /* malloc'd by the core side, freed here */
	double r = 0, c = 0;
	RunGuarded([&] {
		core::ScanPlan plan = core::PlanScan(MakeScanSpec(resource, needed, nneeded, quals, nquals, table_rows));
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
		if (!q->value) {
			v->known = true;
			continue;
		}
		if (!IsA(e, Const)) {
			v->known = false;
			continue;
		}
		Const *c = (Const *) e;
		v->known = true;
		if (c->constisnull) {
			v->null_value = true;
			continue;
		}
		if (q->array) {
			ArrayType *arr = DatumGetArrayTypeP(c->constvalue);
			Oid elemtype = ARR_ELEMTYPE(arr);
			int16 typlen;
			bool typbyval;
			char typalign;
			Datum *elems;
			bool *elemnulls;
			int nelems;
			get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
			deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &elemnulls, &nelems);
			v->values = (char **) palloc0(sizeof(char *) * Max(nelems, 1));
			for (int j = 0; j < nelems; j++)
				if (!elemnulls[j]) {
					char *t = DatumToOrcaText(elems[j], elemtype);
					if (t)
						v->values[v->nvalues++] = t;
				}
		} else {
			char *t = DatumToOrcaText(c->constvalue, c->consttype);
			if (!t) {
				v->known = false;
				continue;
			}
			v->values = (char **) palloc(sizeof(char *));
			v->values[0] = t;
			v->nvalues = 1;
		}
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
	EstimatePlan(fpinfo->resource, needed, nneeded, qv, nq, fpinfo->table_rows, &fpinfo->rows, &fpinfo->calls,
	             &fpinfo->explain);
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
	if (batch_key >= 0) /* the calls of one batch of the planned size */
		EstimateBatchProbe(root, baserel, batch_key, intVal(lsecond(best_path->fdw_private)), &sp.explain);
	else
		EstimatePlan(fpinfo->resource, needed, nneeded, qv, nq, fpinfo->table_rows, &rows, &calls, &sp.explain);
	sp.table_rows = fpinfo->table_rows;
	sp.mark_rows = fpinfo->is_target;

	List *fdw_private = EncodeScanPrivate(&sp);
	List *local = extract_actual_clauses(scan_clauses, false);
	return make_foreignscan(tlist, local, baserel->relid, fdw_exprs, fdw_private, NIL, NIL, outer_plan);
}

} // namespace orca_fdw::pg
