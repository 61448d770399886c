/*
 * modify_plan.cpp — planning INSERT, UPDATE and DELETE (see modify_plan.hpp
 * and modify.hpp).
 *
 * The plan fixes the registration (core::ModifyOp) and refuses what ORCA's
 * APIs cannot do, naming the table and column.  UPDATE and DELETE carry the
 * old row's identifying values in junk columns ("orca_old_<column>"), and
 * for patients the scan's mark of whether it cleaned a value of the row, in
 * ctid (kRowCleaned, fdw.hpp).
 */
#include "pg/modify_plan.hpp"

#include "core/registration/rules.hpp"
#include "pg/fdw.hpp"
#include "pg/guard.hpp"
#include "pg/modify.hpp"
#include "pg/options.hpp"
#include "pg/row_image.hpp"

#include <string>

extern "C" {
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "utils/guc.h"
}

namespace orca_fdw::pg {

/* ---- orca_fdw.transfer_date ------------------------------------------------------ */

char *orca_transfer_date = NULL;

/* A calendar date as YYYY-MM-DD, or empty (today).  The value is sent to ORCA
 * as it is, so it must be exactly that form. */
static bool
CheckTransferDate(char **newval, void **extra, GucSource source)
{
	const char *v = *newval;
	if (v == NULL || v[0] == '\0')
		return true;
	bool ok = strlen(v) == 10;
	for (int i = 0; ok && i < 10; i++)
		ok = (i == 4 || i == 7) ? v[i] == '-' : (v[i] >= '0' && v[i] <= '9');
	if (ok) {
		int y = atoi(v), m = atoi(v + 5), d = atoi(v + 8);
		static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		ok = y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] && !(m == 2 && d == 29 && !leap);
	}
	if (!ok) {
		GUC_check_errdetail("orca_fdw.transfer_date is a date as YYYY-MM-DD, or empty for today.");
		return false;
	}
	return true;
}

void
DefineModifyGucs(void)
{
	DefineCustomStringVariable("orca_fdw.transfer_date",
	                           "Date of the transfers (転科転棟転室) an UPDATE of admissions registers.",
	                           "YYYY-MM-DD; empty (the default) means today. Use SET LOCAL.", &orca_transfer_date, "",
	                           PGC_USERSET, 0, CheckTransferDate, NULL, NULL);
}

/* ---- shared with the executor (modify.hpp) -------------------------------------- */

int
OldRowColumns(const core::ResourceDef *r, char (*names)[NAMEDATALEN], int *columns)
{
	int n = 0;
	RunGuarded([&] {
		for (const std::string &c : core::OldRowColumns(*r))
			if (n < kMaxOldColumns) {
				strlcpy(names[n], c.c_str(), NAMEDATALEN);
				columns[n] = r->FindColumn(c);
				n++;
			}
	});
	return n;
}

char *
OldRowJunkName(const char *name)
{
	return psprintf("orca_old_%s", name);
}

const core::ResourceDef *
RelationResource(Relation rel)
{
	OrcaTableOptions topts;
	GetTableOptions(RelationGetRelid(rel), &topts);
	return LookupResource(topts.resource, RelationGetRelid(rel));
}

void
RegistrationOptions(Relation rel, int *mode, int *batch_size, Oid *serverid, const char **server_name)
{
	OrcaTableOptions topts;
	OrcaServerOptions sopts;
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	GetTableOptions(RelationGetRelid(rel), &topts);
	GetServerOptions(server, NULL, &sopts);
	*mode = topts.registration_mode >= 0 ? topts.registration_mode : sopts.registration_mode;
	*batch_size = topts.batch_size > 0 ? topts.batch_size : sopts.batch_size;
	if (serverid)
		*serverid = server->serverid;
	if (server_name)
		*server_name = pstrdup(server->servername);
}

const char *
ModeName(int mode)
{
	return mode == kRegistrationOnCommit ? "on_commit" : "immediate";
}

/* ---- FdwRoutine callbacks ------------------------------------------------------------ */

int
orcaIsForeignRelUpdatable(Relation rel)
{
	/* Every resource says yes here so that PlanForeignModify can refuse with a hint. */
	return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

void
orcaAddForeignUpdateTargets(PlannerInfo *root, Index rtindex, RangeTblEntry *target_rte, Relation target_relation)
{
	const core::ResourceDef *r = RelationResource(target_relation);
	int *map = MapAttributes(target_relation, r);
	TupleDesc desc = RelationGetDescr(target_relation);
	char names[kMaxOldColumns][NAMEDATALEN];
	int columns[kMaxOldColumns];
	int n = OldRowColumns(r, names, columns);
	for (int i = 0; i < n; i++) {
		int col = columns[i];
		for (int attno = 1; attno <= desc->natts; attno++) {
			if (map[attno] != col || col < 0)
				continue;
			Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
			Var *var = makeVar(rtindex, attno, att->atttypid, att->atttypmod, att->attcollation, 0);
			add_row_identity_var(root, var, rtindex, OldRowJunkName(names[i]));
			break;
		}
	}
	/* patients: the scan's mark of whether it cleaned a value of the row
	 * (kRowCleaned), carried in ctid as postgres_fdw carries its rows' */
	bool patients = false;
	RunGuarded([&] { patients = r->name == "patients"; });
	if (patients)
		add_row_identity_var(root, makeVar(rtindex, SelfItemPointerAttributeNumber, TIDOID, -1, InvalidOid, 0),
		                     rtindex, "ctid");
}

List *
orcaPlanForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation, int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation rel = table_open(rte->relid, NoLock);
	const char *relname = pstrdup(RelationGetRelationName(rel));
	const core::ResourceDef *r = RelationResource(rel);
	char resource[NAMEDATALEN];
	RunGuarded([&] { strlcpy(resource, r->name.c_str(), sizeof(resource)); });
	CmdType op = plan->operation;
	core::ModifyOp kind = core::ModifyOp::PatientInsert;

	if (plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("ON CONFLICT is not supported for foreign table \"%s\"", relname),
		                errdetail("ORCA registrations cannot detect conflicts in advance.")));
	if (strcmp(resource, "patients") == 0)
		kind = op == CMD_INSERT   ? core::ModifyOp::PatientInsert
		       : op == CMD_UPDATE ? core::ModifyOp::PatientUpdate
		                          : core::ModifyOp::PatientDelete;
	else if (strcmp(resource, "admissions") == 0) {
		if (op == CMD_DELETE)
			ereport(ERROR,
			        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			         errmsg("cannot delete from foreign table \"%s\"", relname),
			         errdetail("orca_fdw registers admissions (INSERT), discharges and transfers (UPDATE); it does "
			                   "not cancel admissions."),
			         errhint("Cancel an admission in ORCA itself; to discharge the patient, set its discharge_date "
			                 "with UPDATE.")));
		kind = op == CMD_INSERT ? core::ModifyOp::AdmissionInsert : core::ModifyOp::AdmissionUpdate;
	} else if (strcmp(resource, "meals") == 0) {
		if (op != CMD_INSERT) {
			char api[NAMEDATALEN];
			RunGuarded([&] { strlcpy(api, core::RegApiName(core::RegKind::Meals), sizeof(api)); });
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			                errmsg("cannot %s foreign table \"%s\"", op == CMD_UPDATE ? "update" : "delete from",
			                       relname),
			                errdetail("ORCA's meal registration (%s) sets the meals of a day; it has no update or "
			                          "delete.",
			                          api),
			                errhint("INSERT a row for the patient and day with the new codes: it overwrites that "
			                        "day's meals ('00' stops a meal).")));
		}
		kind = core::ModifyOp::MealInsert;
	} else
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("foreign table \"%s\" is read-only", relname),
		                errdetail("Resource \"%s\" has no registration API in orca_fdw.", resource),
		                errhint("Wards, rooms, departments and doctors are maintained in ORCA's system "
		                        "management.")));

	List *updated = NIL;
	if (op == CMD_UPDATE) {
		int *map = MapAttributes(rel, r);
		RelOptInfo *baserel = find_base_rel(root, resultRelation);
		Bitmapset *cols = get_rel_all_updated_cols(root, baserel);
		int x = -1;
		while ((x = bms_next_member(cols, x)) >= 0) {
			AttrNumber attno = x + FirstLowInvalidHeapAttributeNumber;
			if (attno <= InvalidAttrNumber)
				continue;
			int col = map[attno];
			static char refusal[512];
			refusal[0] = '\0';
			if (col == kClinicColumn)
				strlcpy(refusal, "The column reads the server's clinic option: a row stays with its clinic's ORCA.",
				        sizeof(refusal));
			else
				RunGuarded([&] { strlcpy(refusal, core::UpdateRefusal(*r, col).c_str(), sizeof(refusal)); });
			if (refusal[0])
				ereport(ERROR,
				        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				         errmsg("column \"%s\" of foreign table \"%s\" cannot be updated",
				                NameStr(TupleDescAttr(RelationGetDescr(rel), attno - 1)->attname), relname),
				         errdetail("%s", refusal),
				         kind == core::ModifyOp::AdmissionUpdate
				             ? errhint("Discharge with UPDATE %s SET discharge_date = ...; transfer with SET "
				                       "ward_number, room_number, department_code; change other admission data in "
				                       "ORCA.",
				                       relname)
				             : errhint("Leave the column out of the SET list.")));
			updated = lappend_int(updated, attno);
		}
	}
	table_close(rel, NoLock);
	return list_make2(makeInteger(static_cast<int>(kind)), updated);
}

void
orcaExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private, int subplan_index,
                         ExplainState *es)
{
	core::ModifyOp kind = static_cast<core::ModifyOp>(intVal(list_nth(fdw_private, FdwModifyPrivateKind)));
	int mode, batch;
	RegistrationOptions(rinfo->ri_RelationDesc, &mode, &batch, NULL, NULL);
	static char calls[512], lookup[512];
	RunGuarded([&] {
		strlcpy(calls, core::ModifyCallsText(kind).c_str(), sizeof(calls));
		strlcpy(lookup, core::ModifyLookupText(kind).c_str(), sizeof(lookup));
	});
	ExplainPropertyText("ORCA registration", calls, es);
	if (lookup[0])
		ExplainPropertyText("ORCA lookup", lookup, es);
	ExplainPropertyText("Registration mode", ModeName(mode), es);
	if (kind == core::ModifyOp::AdmissionUpdate && orca_transfer_date && orca_transfer_date[0])
		ExplainPropertyText("Transfer date", orca_transfer_date, es);
	if (kind == core::ModifyOp::MealInsert && mode == kRegistrationImmediate)
		ExplainPropertyInteger("Batch size", NULL, batch, es);
}

} // namespace orca_fdw::pg
