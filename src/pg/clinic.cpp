/*
 * clinic.cpp — the clinic column at plan time.
 *
 * A foreign table's column named clinic (or with field '@clinic') reads the
 * server's clinic option: a constant of the table, so a WHERE clause on it
 * alone is decided by the server's value.  When that value makes a clause
 * false (or NULL), the relation is empty and no ORCA call is made — the
 * planner marks it dummy, as constraint exclusion does.  A clause it makes
 * true stays a local qual (never an ORCA argument).  Partitions of a table
 * partitioned BY LIST (clinic) are pruned by PostgreSQL itself before this.
 */
#include "pg/fdw.hpp"

#include "pg/options.hpp"

namespace orca_fdw::pg {

namespace {

struct ClinicSubst {
	Index relid;
	const OrcaFdwRelationInfo *fpinfo;
	const char *clinic; /* NULL: the server has no clinic option */
	bool other_var;     /* the clause reads something else of the row */
	bool replaced;
};

bool
IsTextLike(Oid t)
{
	return t == TEXTOID || t == VARCHAROID || t == BPCHAROID;
}

Node *
SubstClinic(Node *node, void *arg)
{
	ClinicSubst *cx = (ClinicSubst *) arg;
	if (node == NULL)
		return NULL;
	if (IsA(node, Var)) {
		Var *v = (Var *) node;
		if ((Index) v->varno == cx->relid && v->varlevelsup == 0 && v->varattno > 0 && v->varattno <= cx->fpinfo->natts &&
		    cx->fpinfo->attr_column[v->varattno] == kClinicColumn && IsTextLike(v->vartype)) {
			cx->replaced = true;
			if (!cx->clinic)
				return (Node *) makeNullConst(v->vartype, v->vartypmod, v->varcollid);
			return (Node *) makeConst(v->vartype, v->vartypmod, v->varcollid, -1, CStringGetTextDatum(cx->clinic),
			                          false, false);
		}
		cx->other_var = true;
		return node;
	}
	if (IsA(node, PlaceHolderVar) || IsA(node, Param) || IsA(node, SubLink)) {
		cx->other_var = true;
		return node;
	}
	return expression_tree_mutator(node, reinterpret_cast<Node *(*)()>(reinterpret_cast<void (*)()>(SubstClinic)), arg);
}

} // namespace

bool
ClinicExcludes(PlannerInfo *root, RelOptInfo *baserel, const OrcaFdwRelationInfo *fpinfo)
{
	bool has_clinic = false;
	for (int attno = 1; attno <= fpinfo->natts; attno++)
		has_clinic = has_clinic || fpinfo->attr_column[attno] == kClinicColumn;
	if (!has_clinic)
		return false;
	ClinicSubst cx = {baserel->relid, fpinfo, GetServerClinic(GetForeignTable(fpinfo->relid)->serverid), false, false};
	ListCell *lc;
	foreach (lc, baserel->baserestrictinfo) {
		RestrictInfo *ri = (RestrictInfo *) lfirst(lc);
		if (contain_volatile_functions((Node *) ri->clause))
			continue;
		cx.other_var = cx.replaced = false;
		Node *clause = SubstClinic((Node *) copyObjectImpl(ri->clause), &cx);
		if (cx.other_var || !cx.replaced)
			continue;
		Node *folded = eval_const_expressions(root, clause);
		if (IsA(folded, Const) && (((Const *) folded)->constisnull || !DatumGetBool(((Const *) folded)->constvalue)))
			return true;
	}
	return false;
}

} // namespace orca_fdw::pg
