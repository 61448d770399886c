/*
 * modify_exec.cpp — executing INSERT, UPDATE and DELETE (see modify_exec.hpp
 * and modify.hpp).
 *
 * Each row is one registration (meals rows: merged into hsacctmodv2 calls).
 * A row crosses into the core once to be checked and built — with its
 * identity (a target row an UPDATE/DELETE join produces twice is registered
 * once, core::TargetKey), ORCA's current record where the builder needs it,
 * and its place in the on_commit queue — and, in registration_mode
 * 'immediate', once more to be sent (xact_queue.hpp: audit, call, audit,
 * ledger) with RETURNING's values.
 *
 * UPDATE and DELETE of patients send ORCA's own values where the row shows
 * them cleaned (trim_values): the scan marks each target row's ctid with
 * whether it cleaned any value (kRowCleaned), and only such rows (or rows of
 * a table lacking fields class=02 rewrites) cost a patientgetv2 before the
 * call.
 */
#include "pg/modify_exec.hpp"

#include "core/registration/builders.hpp"
#include "core/registration/call.hpp"
#include "core/registration/rules.hpp"
#include "pg/fdw.hpp"
#include "pg/guard.hpp"
#include "pg/modify.hpp"
#include "pg/modify_plan.hpp"
#include "pg/options.hpp"
#include "pg/row_image.hpp"
#include "pg/xact_queue.hpp"

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace orca_fdw::pg {

namespace {

/* Per-statement C++ state. */
struct ModifySession {
	core::Registration reg;                  /* the current row's */
	std::vector<core::AnswerValue> answer;   /* RETURNING */
	std::vector<core::MealRow> meals;        /* the current batch */
	std::vector<core::Registration> calls;   /* its hsacctmodv2 calls */
	std::unique_ptr<core::AdmissionLookup> lookup; /* meals: hsptinfv2 answers of this statement */
	std::set<std::string> targets; /* UPDATE/DELETE: identities (core::TargetKey) of the rows done */
};

/* Executor state of one foreign result relation (ri_FdwState). */
struct OrcaFdwModifyState {
	RowLayout layout;
	const core::ResourceDef *resource;
	core::ModifyOp kind;
	int mode;                  /* kRegistrationImmediate / kRegistrationOnCommit */
	int batch_size;            /* meals: rows merged per immediate batch */
	bool has_returning;
	Oid serverid;
	Oid userid;                /* whose user mapping is used */
	const char *server_name;
	const char *user_name;
	core::HttpClient *client;  /* owned by the connection cache; made at first need */

	int nold;                  /* junk columns carrying the old row (UPDATE/DELETE) */
	AttrNumber old_attno[kMaxOldColumns]; /* in the subplan's output */
	int old_column[kMaxOldColumns];       /* catalog column */
	AttrNumber ctid_attno;     /* patients UPDATE/DELETE: the scan's mark (kRowAsSent, ...), or invalid */
	bool trim_values;          /* table option: values are shown (and RETURNING) cleaned */
	bool needs_current;        /* patients UPDATE: the table lacks fields class=02 rewrites */

	MemoryContext temp_cxt;    /* per-row conversions */
	ModifySession *session;    /* C++ heap */
	MemoryContextCallback cleanup;
};

/* What became of a row. */
enum RowOutcome {
	kRowRegistered, /* sent (immediate) or queued (on_commit) */
	kRowDuplicate,  /* a target row this statement did already: skipped, as PostgreSQL does */
	kRowUnchanged,  /* an UPDATE that changes nothing ORCA holds: no call */
};

void
DeleteSession(void *arg)
{
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) arg;
	ModifySession *s = st->session;
	st->session = nullptr;
	delete s;
}

char *
TodayText(void)
{
	int y, m, d;
	j2date(GetSQLCurrentDate() + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return psprintf("%04d-%02d-%02d", y, m, d);
}

void
InitModifyState(OrcaFdwModifyState *st, ResultRelInfo *rinfo, EState *estate, core::ModifyOp kind)
{
	Relation rel = rinfo->ri_RelationDesc;
	InitRegistrations(); /* the ledger and the queue end with the transaction */
	st->resource = RelationResource(rel);
	st->kind = kind;
	RegistrationOptions(rel, &st->mode, &st->batch_size, &st->serverid, &st->server_name);
	OrcaTableOptions topts;
	GetTableOptions(RelationGetRelid(rel), &topts);
	st->trim_values = topts.trim_values;

	Oid userid = GetUserId();
	if (rinfo->ri_RangeTableIndex > 0) {
		RangeTblEntry *rte = exec_rt_fetch(rinfo->ri_RangeTableIndex, estate);
		if (OidIsValid(rte->checkAsUser))
			userid = rte->checkAsUser;
	}
	st->userid = userid;
	st->user_name = GetUserNameFromId(userid, false);

	InitRowLayout(&st->layout, rel, st->resource);

	st->temp_cxt = AllocSetContextCreate(estate->es_query_cxt, "orca_fdw registration", ALLOCSET_SMALL_SIZES);
	ModifySession *session = nullptr;
	RunGuarded([&] { session = new ModifySession(); });
	st->session = session;
	st->cleanup.func = DeleteSession;
	st->cleanup.arg = st;
	MemoryContextRegisterResetCallback(estate->es_query_cxt, &st->cleanup);
}

void
RefuseReturning(OrcaFdwModifyState *st)
{
	if (st->has_returning && st->mode == kRegistrationOnCommit)
		ereport(ERROR,
		        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		         errmsg("RETURNING is not supported with registration_mode on_commit"),
		         errdetail("Registrations of foreign table \"%s\" are sent to ORCA at COMMIT, so ORCA's answer (such "
		                   "as a new patient_id) is not known when the statement ends.",
		                   st->layout.relname),
		         errhint("Leave out RETURNING, or set the table option registration_mode 'immediate'.")));
}

void
EnsureClient(OrcaFdwModifyState *st)
{
	if (!st->client)
		st->client = ClientFor(st->serverid, st->userid);
}

void
InitSendPlaceOf(OrcaFdwModifyState *st, SendPlace *place)
{
	InitSendPlace(place, st->client, st->server_name, st->user_name, st->layout.relname, ModeName(st->mode),
	              &CancelToken());
}

/* UPDATE/DELETE of patients: may the old row's values differ from ORCA's
 * own?  Not when trim_values is off, nor when the scan marked the row as
 * holding only values as ORCA sent them; yes when it cleaned one, and when
 * the mark is missing (not known). */
bool
RowMayBeCleaned(OrcaFdwModifyState *st, TupleTableSlot *planSlot)
{
	if (!st->trim_values)
		return false;
	if (!AttributeNumberIsValid(st->ctid_attno))
		return true;
	bool isnull;
	Datum d = ExecGetJunkAttribute(planSlot, st->ctid_attno, &isnull);
	if (isnull)
		return true;
	ItemPointer tid = (ItemPointer) DatumGetPointer(d);
	return !(ItemPointerGetBlockNumberNoCheck(tid) == kRowMarkBlock &&
	         ItemPointerGetOffsetNumberNoCheck(tid) == kRowAsSent);
}

/* One row of INSERT (patients, admissions), UPDATE or DELETE; `now` is the
 * new row (INSERT, UPDATE), `before` the old one (UPDATE, DELETE).  One
 * crossing checks and builds the registration (and queues it, on_commit);
 * one more sends it (immediate), with RETURNING's values. */
RowOutcome
RegisterRow(OrcaFdwModifyState *st, TupleTableSlot *slot, TupleTableSlot *planSlot, const RowPod *now,
            const RowPod *before)
{
	ModifySession *ss = st->session;
	const core::ResourceDef *r = st->resource;
	const char *relname = st->layout.relname;
	core::ModifyOp kind = st->kind;
	bool trim = st->trim_values;
	bool queue = st->mode == kRegistrationOnCommit;
	bool serializable = queue && IsolationIsSerializable();
	RowOutcome outcome = kRowRegistered;

	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	char *today = kind == core::ModifyOp::PatientInsert || kind == core::ModifyOp::PatientUpdate ||
	                      kind == core::ModifyOp::AdmissionUpdate
	                  ? TodayText()
	                  : NULL;
	/* admissions: the date of a transfer, as the row is registered (or queued) */
	const char *transfer_date =
	    kind == core::ModifyOp::AdmissionUpdate && orca_transfer_date ? pstrdup(orca_transfer_date) : "";
	/* patients: ORCA's record first when the table lacks fields class=02
	 * rewrites (or the update would blank them), or when the row shows
	 * values cleaned (ORCA's own are sent where the user did not change
	 * them; class=03 matches names) */
	bool fetch = (kind == core::ModifyOp::PatientUpdate && st->needs_current) ||
	             ((kind == core::ModifyOp::PatientUpdate || kind == core::ModifyOp::PatientDelete) &&
	              RowMayBeCleaned(st, planSlot));
	if (fetch)
		EnsureClient(st);
	core::HttpClient *client = st->client;
	QueuePlace qp;
	if (queue)
		InitQueuePlace(&qp, st->serverid, st->userid, st->server_name, st->user_name, relname);
	RunGuarded([&] {
		core::RowImage old_image;
		if (before) {
			old_image = MakeImage(before);
			std::string key = core::TargetKey(*r, old_image);
			if (!key.empty() && !ss->targets.insert(std::move(key)).second) {
				outcome = kRowDuplicate;
				return;
			}
		}
		core::Node current;
		if (fetch)
			current = core::FetchPatientOf(*client, *r, old_image, relname, CancelToken());
		switch (kind) {
		case core::ModifyOp::PatientInsert: ss->reg = core::BuildPatientInsert(*r, MakeImage(now), today, relname); break;
		case core::ModifyOp::AdmissionInsert: ss->reg = core::BuildAdmission(*r, MakeImage(now), relname); break;
		case core::ModifyOp::PatientUpdate:
			ss->reg = core::BuildPatientUpdate(*r, MakeImage(now), old_image, fetch ? &current : nullptr, today,
			                                   relname, trim);
			break;
		case core::ModifyOp::AdmissionUpdate:
			if (!core::BuildAdmissionUpdate(*r, MakeImage(now), old_image, relname, today, transfer_date, &ss->reg)) {
				outcome = kRowUnchanged;
				return;
			}
			break;
		case core::ModifyOp::PatientDelete:
			ss->reg = core::BuildPatientDelete(*r, old_image, fetch ? &current : nullptr, relname, trim);
			break;
		case core::ModifyOp::MealInsert: throw core::Error(core::ErrorKind::Internal, "meals rows are merged");
		}
		if (queue && !serializable)
			QueueRegistration(&qp, &ss->reg, nullptr);
	});
	MemoryContextSwitchTo(old);
	if (outcome != kRowRegistered)
		return outcome;
	if (kind == core::ModifyOp::PatientDelete)
		ExecClearTuple(slot);
	if (queue) {
		RefuseSerializable(NULL);
		return outcome;
	}

	EnsureClient(st);
	SendPlace place;
	InitSendPlaceOf(st, &place);
	bool returning = st->has_returning;
	RunGuarded([&] {
		const core::SendReport &report = SendRegistration(&place, ss->reg);
		if (returning && report.Registered())
			ss->answer = core::AnswerValues(*r, ss->reg, report.result, "", trim);
	});
	ReportSent();
	if (returning)
		StoreAnswer(&st->layout, slot, &ss->answer, now ? now : before);
	return outcome;
}

/* INSERT INTO meals: the rows checked, then queued (on_commit) or merged and
 * sent (immediate). */
void
InsertMeals(OrcaFdwModifyState *st, TupleTableSlot **slots, int nslots)
{
	ModifySession *ss = st->session;
	const core::ResourceDef *r = st->resource;
	const char *relname = st->layout.relname;
	bool queue = st->mode == kRegistrationOnCommit;
	bool serializable = queue && IsolationIsSerializable();
	bool trim = st->trim_values;
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	RowPod **rows = (RowPod **) palloc(sizeof(RowPod *) * Max(nslots, 1));
	for (int i = 0; i < nslots; i++)
		rows[i] = SlotRow(&st->layout, slots[i]);
	QueuePlace qp;
	if (queue)
		InitQueuePlace(&qp, st->serverid, st->userid, st->server_name, st->user_name, relname);
	RunGuarded([&] {
		ss->meals.clear();
		for (int i = 0; i < nslots; i++)
			ss->meals.push_back(core::CheckMealRow(*r, MakeImage(rows[i]), relname));
		if (queue && !serializable)
			for (const core::MealRow &m : ss->meals)
				QueueRegistration(&qp, nullptr, &m);
	});
	if (queue)
		RefuseSerializable(NULL);
	else {
		EnsureClient(st);
		SendPlace place;
		InitSendPlaceOf(st, &place);
		SendMeals(&place, &ss->meals, &ss->calls, &ss->lookup, kNothingQueued);
		if (st->has_returning && nslots == 1) {
			bool answered = false;
			RunGuarded([&] {
				if (ss->calls.empty())
					return;
				ss->answer = core::AnswerValues(*r, ss->calls.back(), LastSendReport().result,
				                                ss->meals[0].perform_date, trim);
				answered = true;
			});
			if (answered)
				StoreAnswer(&st->layout, slots[0], &ss->answer, NULL);
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->temp_cxt);
}

} // namespace

/* ---- FdwRoutine callbacks ------------------------------------------------------------------ */

void
orcaBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private, int subplan_index,
                       int eflags)
{
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return; /* no I/O for plain EXPLAIN */
	EState *estate = mtstate->ps.state;
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) palloc0(sizeof(OrcaFdwModifyState));
	core::ModifyOp kind = static_cast<core::ModifyOp>(intVal(list_nth(fdw_private, FdwModifyPrivateKind)));
	InitModifyState(st, rinfo, estate, kind);
	st->has_returning = ((ModifyTable *) mtstate->ps.plan)->returningLists != NIL;
	RefuseReturning(st);

	if (kind == core::ModifyOp::PatientUpdate || kind == core::ModifyOp::PatientDelete ||
	    kind == core::ModifyOp::AdmissionUpdate) {
		Plan *subplan = outerPlanState(mtstate)->plan;
		char names[kMaxOldColumns][NAMEDATALEN];
		int columns[kMaxOldColumns];
		int n = OldRowColumns(st->resource, names, columns);
		for (int i = 0; i < n; i++) {
			AttrNumber attno = ExecFindJunkAttributeInTlist(subplan->targetlist, OldRowJunkName(names[i]));
			if (columns[i] < 0 || !AttributeNumberIsValid(attno))
				continue; /* the table lacks it: the builders name it if needed */
			st->old_attno[st->nold] = attno;
			st->old_column[st->nold] = columns[i];
			st->nold++;
		}
		if (kind != core::ModifyOp::AdmissionUpdate)
			st->ctid_attno = ExecFindJunkAttributeInTlist(subplan->targetlist, "ctid");
	}
	if (kind == core::ModifyOp::PatientUpdate) {
		/* which columns the table has decides it, for every row */
		RowPod *columns = ColumnsRow(&st->layout);
		const core::ResourceDef *r = st->resource;
		bool needs = false;
		RunGuarded([&] { needs = core::PatientUpdateNeedsCurrent(*r, MakeImage(columns)); });
		st->needs_current = needs;
	}
	rinfo->ri_FdwState = st;
}

void
orcaBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	EState *estate = mtstate->ps.state;
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) palloc0(sizeof(OrcaFdwModifyState));
	const core::ResourceDef *r = RelationResource(rinfo->ri_RelationDesc);
	char resource[NAMEDATALEN];
	RunGuarded([&] { strlcpy(resource, r->name.c_str(), sizeof(resource)); });
	core::ModifyOp kind;
	if (strcmp(resource, "patients") == 0)
		kind = core::ModifyOp::PatientInsert;
	else if (strcmp(resource, "admissions") == 0)
		kind = core::ModifyOp::AdmissionInsert;
	else if (strcmp(resource, "meals") == 0)
		kind = core::ModifyOp::MealInsert;
	else
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("foreign table \"%s\" is read-only", RelationGetRelationName(rinfo->ri_RelationDesc)),
		                errhint("Wards, rooms, departments and doctors are maintained in ORCA's system "
		                        "management.")));
	InitModifyState(st, rinfo, estate, kind);
	st->has_returning = rinfo->ri_returningList != NIL || rinfo->ri_projectReturning != NULL;
	RefuseReturning(st);
	rinfo->ri_FdwState = st;
}

TupleTableSlot *
orcaExecForeignInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) rinfo->ri_FdwState;
	if (st->kind == core::ModifyOp::MealInsert) {
		InsertMeals(st, &slot, 1);
		return slot;
	}
	MemoryContextReset(st->temp_cxt);
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	RowPod *row = SlotRow(&st->layout, slot);
	MemoryContextSwitchTo(old);
	RegisterRow(st, slot, planSlot, row, NULL);
	return slot;
}

TupleTableSlot **
orcaExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots, TupleTableSlot **planSlots,
                           int *numSlots)
{
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) rinfo->ri_FdwState;
	if (st->kind == core::ModifyOp::MealInsert)
		InsertMeals(st, slots, *numSlots);
	else
		for (int i = 0; i < *numSlots; i++)
			orcaExecForeignInsert(estate, rinfo, slots[i], planSlots ? planSlots[i] : NULL);
	return slots;
}

int
orcaGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) rinfo->ri_FdwState;
	/* patientmodv2 and hsptinfmodv2 take one registration per call */
	if (!st || st->kind != core::ModifyOp::MealInsert || st->mode != kRegistrationImmediate ||
	    rinfo->ri_projectReturning || rinfo->ri_WithCheckOptions != NIL ||
	    (rinfo->ri_TrigDesc && (rinfo->ri_TrigDesc->trig_insert_before_row || rinfo->ri_TrigDesc->trig_insert_after_row)))
		return 1;
	return Max(st->batch_size, 1);
}

TupleTableSlot *
orcaExecForeignUpdate(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) rinfo->ri_FdwState;
	MemoryContextReset(st->temp_cxt);
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	RowPod *now = SlotRow(&st->layout, slot);
	RowPod *before = JunkRow(&st->layout, planSlot, st->nold, st->old_attno, st->old_column);
	MemoryContextSwitchTo(old);
	/* a second update of the same row in this statement: skipped, as PostgreSQL does */
	return RegisterRow(st, slot, planSlot, now, before) == kRowDuplicate ? NULL : slot;
}

TupleTableSlot *
orcaExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) rinfo->ri_FdwState;
	MemoryContextReset(st->temp_cxt);
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	RowPod *before = JunkRow(&st->layout, planSlot, st->nold, st->old_attno, st->old_column);
	MemoryContextSwitchTo(old);
	/* deleted already by this statement: skipped, as PostgreSQL does */
	return RegisterRow(st, slot, planSlot, NULL, before) == kRowDuplicate ? NULL : slot;
}

void
orcaEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) rinfo->ri_FdwState;
	if (!st)
		return;
	DeleteSession(st);
}

void
orcaEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	orcaEndForeignModify(estate, rinfo);
}

} // namespace orca_fdw::pg
