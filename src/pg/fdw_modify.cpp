/*
 * fdw_modify.cpp — INSERT, UPDATE and DELETE: registrations in ORCA.
 *
 *   patients    INSERT → patientmodv2 class=01, UPDATE → class=02, DELETE → class=03
 *   admissions  INSERT → hsptinfmodv2 01; UPDATE of discharge_date → 02 (or 07 to cancel)
 *   meals       INSERT → hsacctmodv2 4, rows merged per patient, admission and month
 *
 * registration_mode 'immediate' sends each row (or meals batch) while the
 * statement runs; 'on_commit' checks the row, queues it in backend memory
 * and sends the queue at XACT_EVENT_PRE_COMMIT, so a rolled-back transaction
 * (or subtransaction) registers nothing.  ORCA has no transactions: what was
 * registered stays registered, so every error names what this transaction
 * registered already and what was not sent, and a rollback after immediate
 * registrations warns (PREPARE TRANSACTION too).  Registrations are sent
 * once, never retried, and each attempt is written to the audit log before
 * and after the call (audit.hpp).  A target row an UPDATE/DELETE join
 * produces twice is registered once (core::TargetKey).  UPDATE and DELETE
 * of patients send ORCA's own values where the row shows them cleaned
 * (trim_values): the scan marks each target row's ctid with whether it
 * cleaned any value (kRowCleaned), and only such rows (or rows of a table
 * lacking fields class=02 rewrites) cost a patientgetv2 before the call.
 * on_commit is refused in SERIALIZABLE transactions, and COMMIT-time
 * sending has its own deadline (CommitDeadline), since PostgreSQL switches
 * statement_timeout off first.
 *
 * Error wall: C++ objects (the rows' images, requests, results, the queue)
 * live on the C++ heap — per statement in a ModifySession deleted by a reset
 * callback of the query context, per backend in BackendState — and are
 * touched only inside RunGuarded/TryCore.  The frames here hold plain data.
 */
#include "pg/fdw.hpp"

#include "core/registration/audit.hpp"
#include "core/registration/builders.hpp"
#include "core/registration/call.hpp"
#include "core/registration/ledger.hpp"
#include "core/registration/rules.hpp"
#include "pg/audit.hpp"
#include "pg/connection.hpp"
#include "pg/guard.hpp"
#include "pg/options.hpp"

#include <memory>
#include <set>
#include <string>
#include <vector>

extern "C" {
#include "commands/dbcommands.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "storage/proc.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
}

namespace orca_fdw::pg {

namespace {

/* What a ModifyTable does to a foreign table, decided at plan time. */
enum ModifyKind {
	kPatientInsert,
	kPatientUpdate,
	kPatientDelete,
	kAdmissionInsert,
	kAdmissionUpdate,
	kMealInsert,
};

/* fdw_private of a ModifyTable's foreign result relation, by index. */
enum FdwModifyPrivateIndex {
	FdwModifyPrivateKind,    /* Integer: ModifyKind */
	FdwModifyPrivateUpdated, /* List of Integer: attribute numbers an UPDATE sets */
};

constexpr int kMaxOldColumns = 8;

/* Per-statement C++ state: the current row's request and answer. */
struct ModifySession {
	core::Registration reg;
	core::RegResult result;
	std::vector<core::MealRow> meals;
	std::vector<core::Registration> calls;
	std::vector<core::AnswerValue> answer;
	core::Node current;
	std::unique_ptr<core::AdmissionLookup> lookup; /* meals: hsptinfv2 answers of this statement */
	std::set<std::string> targets; /* UPDATE/DELETE: identities (core::TargetKey) of the rows done */
};

/* Executor state of one foreign result relation (ri_FdwState). */
struct OrcaFdwModifyState {
	Relation rel;
	const char *relname;
	const core::ResourceDef *resource;
	int kind;                  /* ModifyKind */
	int mode;                  /* kRegistrationImmediate / kRegistrationOnCommit */
	int batch_size;            /* meals: rows merged per immediate batch */
	bool has_returning;
	Oid serverid;
	Oid userid;                /* whose user mapping is used */
	const char *server_name;
	const char *user_name;
	core::HttpClient *client;  /* immediate mode; owned by the connection cache */

	int natts;
	int *attr_column;          /* [attno] → catalog column, -1 unmapped; [0] unused */
	Oid *atttype;              /* [attno] */
	int ncolumns;              /* catalog columns of the resource */
	int *column_attno;         /* [catalog column] → attno, 0 when the table lacks it */

	int nold;                  /* junk columns carrying the old row (UPDATE/DELETE) */
	AttrNumber old_attno[kMaxOldColumns]; /* in the subplan's output */
	int old_column[kMaxOldColumns];       /* catalog column */
	AttrNumber ctid_attno;     /* patients UPDATE/DELETE: the scan's mark (kRowAsSent, ...), or invalid */
	bool trim_values;          /* table option: values are shown (and RETURNING) cleaned */

	MemoryContext temp_cxt;    /* per-row conversions */
	ModifySession *session;    /* C++ heap */
	MemoryContextCallback cleanup;
};

/* A row in plain C form, indexed by catalog column, before the core sees it. */
struct RowPod {
	int ncolumns;
	bool *present;
	bool *isnull;
	char **text;
	int *njson;
	char ***json_path;
	char ***json_text;
};

/* A queued (on_commit) registration. */
struct QueuedItem {
	Oid serverid;
	Oid userid;
	std::string server, user, table;
	bool meal;
	core::Registration reg; /* patients, admissions */
	core::MealRow meal_row; /* meals (merged at commit) */
	int level;              /* transaction nesting level that queued it */
};

/* Backend-lifetime registration state (C++ heap). */
struct BackendState {
	std::vector<QueuedItem> queue;   /* on_commit rows of the open transaction */
	std::vector<QueuedItem> sending; /* the queue while PRE_COMMIT sends it */
	core::Ledger ledger;             /* what this transaction registered */
	core::AuditContext audit;
	std::string text;                /* texts handed to PostgreSQL */
	uint64_t attempts = 0;
	core::RegResult result;          /* commit-time results */
	std::vector<core::Registration> calls;
	std::vector<core::MealRow> meals;
	std::unique_ptr<core::AdmissionLookup> lookup;
};

BackendState *backend_state;
bool callbacks_registered;

/* Where one registration goes, for the audit and messages. */
struct SendTarget {
	core::HttpClient *client;
	const char *server;
	const char *user;
	const char *table;
	const char *mode;
	const core::CancelToken *cancel; /* statement time: CancelToken(); COMMIT: commit_deadline */
};

/* COMMIT-time sending runs after PostgreSQL has switched statement_timeout
 * off (finish_xact_command), so the queue carries its own deadline: the
 * statement_timeout of the statement that commits, counted from its start,
 * or, when statement_timeout is 0, the sum of the calls' own bounds.  It
 * fires like a query cancel; query cancel itself is answered as always. */
class CommitDeadline final : public core::CancelToken {
public:
	TimestampTz deadline = 0; /* 0: none */
	bool from_statement_timeout = false;
	int timeout_ms = 0;

	bool Expired() const noexcept { return deadline != 0 && GetCurrentTimestamp() >= deadline; }
	bool Cancelled() const noexcept override { return QueryCancelPending || ProcDiePending || Expired(); }
};
CommitDeadline commit_deadline; /* static storage: never on an ereport frame */

BackendState *
State()
{
	if (!backend_state)
		RunGuarded([&] { backend_state = new BackendState(); });
	return backend_state;
}

void
DeleteSession(void *arg)
{
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) arg;
	ModifySession *s = st->session;
	st->session = nullptr;
	delete s;
}

const char *
ModeName(int mode)
{
	return mode == kRegistrationOnCommit ? "on_commit" : "immediate";
}

char *
TodayText(void)
{
	int y, m, d;
	j2date(GetSQLCurrentDate() + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return psprintf("%04d-%02d-%02d", y, m, d);
}

/* attno → catalog column, as the planner maps them (field option, else name). */
int *
MapAttributes(Relation rel, const core::ResourceDef *r)
{
	TupleDesc desc = RelationGetDescr(rel);
	int *map = (int *) palloc(sizeof(int) * (desc->natts + 1));
	map[0] = -1;
	for (int i = 0; i < desc->natts; i++) {
		Form_pg_attribute att = TupleDescAttr(desc, i);
		int col = -1;
		if (!att->attisdropped) {
			const char *field = GetColumnField(RelationGetRelid(rel), att->attnum);
			const char *name = NameStr(att->attname);
			RunGuarded([&] { col = field ? r->FindField(field) : r->FindColumn(name); });
		}
		map[i + 1] = col;
	}
	return map;
}

const core::ResourceDef *
RelationResource(Relation rel)
{
	OrcaTableOptions topts;
	GetTableOptions(RelationGetRelid(rel), &topts);
	return LookupResource(topts.resource, RelationGetRelid(rel));
}

/* registration_mode and batch_size: the table's, else the server's. */
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

/* ---- rows: Datum → text ----------------------------------------------------- */

char *
DateText(DateADT d)
{
	int y, m, day;
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return psprintf("%04d-%02d-%02d", y, m, day);
}

char *
JsonbScalarText(JsonbValue *v)
{
	switch (v->type) {
	case jbvString: return pnstrdup(v->val.string.val, v->val.string.len);
	case jbvNumeric: return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	case jbvBool: return pstrdup(v->val.boolean ? "true" : "false");
	default: return NULL;
	}
}

/* The leaves of a jsonb value as (path, text); array items are "[i]". */
void
FlattenJsonb(Jsonb *jb, RowPod *pod, int col)
{
	struct Frame {
		bool array;
		int index;
		char *key;
	} frames[32];
	int depth = 0;
	int cap = 8, n = 0;
	char **paths = (char **) palloc(sizeof(char *) * cap);
	char **texts = (char **) palloc(sizeof(char *) * cap);
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue v;
	JsonbIteratorToken tok;
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE) {
		switch (tok) {
		case WJB_BEGIN_ARRAY:
		case WJB_BEGIN_OBJECT:
			if (depth >= 32)
				ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				                errmsg("jsonb value nested too deeply for an ORCA registration")));
			if (depth > 0 && frames[depth - 1].array)
				frames[depth - 1].index++;
			frames[depth].array = tok == WJB_BEGIN_ARRAY;
			frames[depth].index = -1;
			frames[depth].key = NULL;
			depth++;
			break;
		case WJB_END_ARRAY:
		case WJB_END_OBJECT: depth--; break;
		case WJB_KEY: frames[depth - 1].key = pnstrdup(v.val.string.val, v.val.string.len); break;
		case WJB_ELEM:
		case WJB_VALUE: {
			if (tok == WJB_ELEM)
				frames[depth - 1].index++;
			char *text = JsonbScalarText(&v);
			if (!text)
				break;
			StringInfoData path;
			initStringInfo(&path);
			for (int i = 0; i < depth; i++) {
				if (i > 0)
					appendStringInfoChar(&path, '/');
				if (frames[i].array)
					appendStringInfo(&path, "[%d]", frames[i].index);
				else
					appendStringInfoString(&path, frames[i].key ? frames[i].key : "");
			}
			if (n == cap) {
				cap *= 2;
				paths = (char **) repalloc(paths, sizeof(char *) * cap);
				texts = (char **) repalloc(texts, sizeof(char *) * cap);
			}
			paths[n] = path.data;
			texts[n] = text;
			n++;
			break;
		}
		default: break;
		}
	}
	pod->njson[col] = n;
	pod->json_path[col] = paths;
	pod->json_text[col] = texts;
}

void
SetPodValue(OrcaFdwModifyState *st, RowPod *pod, int col, Datum d, bool isnull, Oid type, AttrNumber attno)
{
	pod->present[col] = true;
	pod->isnull[col] = isnull;
	if (isnull)
		return;
	switch (type) {
	case TEXTOID:
	case VARCHAROID:
	case BPCHAROID: pod->text[col] = TextDatumGetCString(d); break;
	case DATEOID: {
		DateADT date = DatumGetDateADT(d);
		if (DATE_NOT_FINITE(date))
			ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			                errmsg("invalid value in column \"%s\" of foreign table \"%s\"",
			                       NameStr(TupleDescAttr(RelationGetDescr(st->rel), attno - 1)->attname),
			                       st->relname),
			                errdetail("ORCA dates are calendar dates; infinity cannot be sent.")));
		pod->text[col] = DateText(date);
		break;
	}
	case JSONBOID: {
		Jsonb *jb = DatumGetJsonbP(d);
		pod->text[col] = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
		FlattenJsonb(jb, pod, col);
		break;
	}
	default: {
		Oid out;
		bool varlena;
		getTypeOutputInfo(type, &out, &varlena);
		pod->text[col] = OidOutputFunctionCall(out, d);
	}
	}
}

RowPod *
NewPod(OrcaFdwModifyState *st)
{
	RowPod *pod = (RowPod *) palloc0(sizeof(RowPod));
	int n = Max(st->ncolumns, 1);
	pod->ncolumns = st->ncolumns;
	pod->present = (bool *) palloc0(sizeof(bool) * n);
	pod->isnull = (bool *) palloc0(sizeof(bool) * n);
	pod->text = (char **) palloc0(sizeof(char *) * n);
	pod->njson = (int *) palloc0(sizeof(int) * n);
	pod->json_path = (char ***) palloc0(sizeof(char **) * n);
	pod->json_text = (char ***) palloc0(sizeof(char **) * n);
	return pod;
}

/* The slot's row (the new row for INSERT and UPDATE). */
RowPod *
SlotRow(OrcaFdwModifyState *st, TupleTableSlot *slot)
{
	RowPod *pod = NewPod(st);
	slot_getallattrs(slot);
	for (int attno = 1; attno <= st->natts; attno++) {
		int col = st->attr_column[attno];
		if (col < 0)
			continue;
		SetPodValue(st, pod, col, slot->tts_values[attno - 1], slot->tts_isnull[attno - 1], st->atttype[attno], attno);
	}
	return pod;
}

/* The old row, from the junk columns AddForeignUpdateTargets asked for. */
RowPod *
OldRow(OrcaFdwModifyState *st, TupleTableSlot *planSlot)
{
	RowPod *pod = NewPod(st);
	for (int i = 0; i < st->nold; i++) {
		int col = st->old_column[i];
		AttrNumber attno = st->column_attno[col];
		bool isnull;
		Datum d = ExecGetJunkAttribute(planSlot, st->old_attno[i], &isnull);
		SetPodValue(st, pod, col, d, isnull, st->atttype[attno], attno);
	}
	return pod;
}

/* C++ regime: the POD row as the core's RowImage. */
core::RowImage
MakeImage(const RowPod *pod)
{
	core::RowImage img(pod->ncolumns);
	for (int c = 0; c < pod->ncolumns; c++) {
		core::ColumnValue &v = img[c];
		v.present = pod->present[c];
		v.isnull = pod->isnull[c];
		if (pod->text[c])
			v.text = pod->text[c];
		for (int j = 0; j < pod->njson[c]; j++)
			v.json.emplace_back(pod->json_path[c][j], pod->json_text[c][j]);
	}
	return img;
}

/* ---- sending ---------------------------------------------------------------- */

core::HttpClient *
ClientFor(Oid serverid, Oid userid)
{
	ForeignServer *server = GetForeignServer(serverid);
	UserMapping *mapping = GetUserMapping(userid, serverid);
	return GetClient(server, mapping);
}

/* Send one registration: audit "sent", the call, audit "result", the ledger
 * and ORCA's warnings.  True when ORCA registered it. */
bool
SendOne(const SendTarget *t, const core::Registration *reg, core::RegResult *res)
{
	BackendState *s = State();
	CapturedError *err = GuardBuffer();
	char *database = get_database_name(MyDatabaseId);
	int pid = MyProcPid;
	int level = GetCurrentTransactionNestLevel();

	if (!TryCore(
	        [&] {
		        s->attempts++;
		        s->audit.attempt = std::to_string(pid) + "-" + std::to_string(s->attempts);
		        s->audit.database = database ? database : "";
		        s->audit.user = t->user;
		        s->audit.server = t->server;
		        s->audit.table = t->table;
		        s->audit.mode = t->mode;
		        s->text = core::AuditLine(s->audit, *reg, nullptr);
	        },
	        err))
		ReportCaptured(err);
	/* Nothing is sent unless the attempt is on disk first. */
	AuditAppend(pstrdup(s->text.c_str()), ERROR);

	core::HttpClient *client = t->client;
	const core::CancelToken *cancel = t->cancel;
	if (!TryCore([&] { *res = core::Execute(*client, *reg, *cancel); }, err)) {
		res->outcome = core::RegOutcome::Unknown;
		res->error_kind = core::ErrorKind::Internal;
	}

	if (TryCore([&] { s->text = core::AuditLine(s->audit, *reg, res); }, err))
		AuditAppend(pstrdup(s->text.c_str()), WARNING);
	else
		ereport(WARNING, (errmsg("could not record the outcome of an ORCA registration in the audit log"),
		                  errdetail_internal("%s", err->message)));

	if (!res->Registered())
		return false;
	/* the ledger, and ORCA's warnings (K0–K5) as one line each */
	if (!TryCore(
	        [&] {
		        std::string what = reg->Describe(res->answered_id);
		        s->ledger.Add(what, level);
		        s->text.clear();
		        for (const std::string &w : res->warnings)
			        s->text += w + " (" + what + ").\n";
	        },
	        err))
		ReportCaptured(err);
	char *warnings = pstrdup(s->text.c_str());
	for (char *line = warnings, *end; line && *line; line = end) {
		end = strchr(line, '\n');
		if (end)
			*end++ = '\0';
		ereport(WARNING, (errcode(ERRCODE_WARNING), errmsg("ORCA answered with a warning"), errdetail("%s", line)));
	}
	return true;
}

/* After a cancelled wait: PostgreSQL's own error (query cancel, statement
 * timeout, terminate), or the COMMIT deadline's. */
[[noreturn]] void
RaiseCancel(void)
{
	CHECK_FOR_INTERRUPTS();
	if (commit_deadline.Expired()) {
		if (commit_deadline.from_statement_timeout)
			ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED), errmsg("canceling statement due to statement timeout"),
			                errdetail("statement_timeout (%d ms) elapsed while COMMIT sent the queued ORCA "
			                          "registrations.",
			                          commit_deadline.timeout_ms)));
		ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
		                errmsg("canceling COMMIT: sending the queued ORCA registrations took too long"),
		                errdetail("With statement_timeout 0, COMMIT allows the queued registrations the sum of "
		                          "their calls' connect_timeout and request_timeout (%d ms).",
		                          commit_deadline.timeout_ms),
		                errhint("Check the ORCA server; set statement_timeout to choose the limit yourself.")));
	}
	ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED), errmsg("canceling ORCA request")));
}

/* Report a failed registration: what failed, what this transaction
 * registered already (kept by ORCA), and what was not sent. */
[[noreturn]] void
ReportFailure(const core::Registration *reg, const core::RegResult *res, const char *not_sent)
{
	BackendState *s = State();
	CapturedError *err = GuardBuffer();
	bool cancelled = res->cancelled;
	if (!TryCore(
	        [&] {
		        std::string before = s->ledger.Text(false);
		        core::Error e = core::FailureError(*reg, *res, before, not_sent ? not_sent : "");
		        Capture(e, err);
	        },
	        err))
		ReportCaptured(err);
	if (cancelled) {
		/* The cancel's own error follows; say first what may have happened. */
		ereport(WARNING, (errcode(ERRCODE_FDW_ERROR), errmsg_internal("%s", err->message),
		                  err->detail[0] ? errdetail_internal("%s", err->detail) : 0,
		                  err->hint[0] ? errhint("%s", err->hint) : 0));
		RaiseCancel();
	}
	ReportCaptured(err);
}

/* An error that stops a batch or the commit-time queue before its calls:
 * add what this transaction registered already and what is not sent. */
[[noreturn]] void
ReportWithLedger(CapturedError *err, const char *not_sent)
{
	BackendState *s = State();
	CapturedError *spare = (CapturedError *) palloc(sizeof(CapturedError));
	bool cancelled = err->kind == core::ErrorKind::Cancelled;
	if (TryCore(
	        [&] {
		        std::string detail = cancelled ? std::string() : std::string(err->detail);
		        std::string before = s->ledger.Text(false);
		        if (!before.empty())
			        detail += std::string(detail.empty() ? "" : "\n") +
			                  "Registered earlier in this transaction, and kept by ORCA: " + before + ".";
		        if (not_sent && not_sent[0])
			        detail += std::string(detail.empty() ? "" : "\n") + "Not sent: " + not_sent + ".";
		        core::Error e(cancelled ? core::ErrorKind::Internal : err->kind,
		                      cancelled ? "ORCA registrations were canceled" : err->message, detail,
		                      cancelled ? "" : err->hint);
		        Capture(e, spare);
	        },
	        spare)) {
		if (!cancelled)
			ReportCaptured(spare);
		/* the cancel's own error follows; say first what was and was not sent */
		ereport(WARNING, (errcode(ERRCODE_FDW_ERROR), errmsg_internal("%s", spare->message),
		                  spare->detail[0] ? errdetail_internal("%s", spare->detail) : 0));
	}
	if (cancelled)
		RaiseCancel();
	ReportCaptured(err);
}

/* Meals rows → admission lookups → merged calls → sent one by one.
 * `rest` describes queued registrations after these (commit time). */
void
SendMeals(const SendTarget *t, std::vector<core::MealRow> *meals, std::vector<core::Registration> *calls,
          core::RegResult *res, std::unique_ptr<core::AdmissionLookup> *lookup, const char *rest)
{
	core::HttpClient *client = t->client;
	const core::CancelToken *cancel = t->cancel;
	CapturedError *err = GuardBuffer();
	if (!TryCore(
	        [&] {
		        if (!*lookup)
			        *lookup = std::make_unique<core::AdmissionLookup>(*client);
		        for (core::MealRow &m : *meals)
			        m.admission_date = (*lookup)->Find(m.patient_id, m.perform_date, *cancel);
		        *calls = core::BuildMealCalls(*meals);
	        },
	        err)) {
		/* nothing of these rows was sent */
		CapturedError *saved = (CapturedError *) palloc(sizeof(CapturedError));
		memcpy(saved, err, sizeof(CapturedError));
		BackendState *s = State();
		RunGuarded([&] {
			std::string text;
			for (const core::MealRow &m : *meals)
				text += (text.empty() ? "" : "; ") + std::string("hsacctmodv2 Request_Number 4 (meals) for patient ") +
				        m.patient_id + ", perform_date " + m.perform_date;
			if (rest && rest[0])
				text += (text.empty() ? "" : "; ") + std::string(rest);
			s->text = text;
		});
		ReportWithLedger(saved, pstrdup(s->text.c_str()));
	}
	size_t ncalls = calls->size();
	for (size_t i = 0; i < ncalls; i++) {
		if (SendOne(t, &(*calls)[i], res))
			continue;
		char *not_sent = NULL;
		BackendState *s = State();
		RunGuarded([&] {
			std::string text;
			for (size_t j = i + 1; j < calls->size(); j++)
				text += (text.empty() ? "" : "; ") + (*calls)[j].Describe();
			if (rest && rest[0])
				text += (text.empty() ? "" : "; ") + std::string(rest);
			s->text = text;
		});
		not_sent = pstrdup(s->text.c_str());
		ReportFailure(&(*calls)[i], res, not_sent);
	}
}

/* ---- the on_commit queue --------------------------------------------------------- */

void XactCallback(XactEvent event, void *arg);
void SubXactCallback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg);

void
RegisterCallbacks(void)
{
	if (callbacks_registered)
		return;
	RegisterXactCallback(XactCallback, NULL);
	RegisterSubXactCallback(SubXactCallback, NULL);
	callbacks_registered = true;
}

/* on_commit sends at XACT_EVENT_PRE_COMMIT, and a SERIALIZABLE transaction
 * can still fail after that (PreCommit_CheckForSerializationFailure), when
 * ORCA has registered already: refused, at the first queued row and again
 * before sending.  `not_sent` lists the queue when sending is refused. */
void
RefuseSerializable(const char *not_sent)
{
	if (!IsolationIsSerializable())
		return;
	ereport(ERROR,
	        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
	         errmsg("registration_mode on_commit cannot be used in a SERIALIZABLE transaction"),
	         not_sent ? errdetail("PostgreSQL may still fail a serializable transaction after the queued "
	                              "registrations are sent at COMMIT, and ORCA cannot take them back.\nNot sent: %s.",
	                              not_sent)
	                  : errdetail("PostgreSQL may still fail a serializable transaction after the queued "
	                              "registrations are sent at COMMIT, and ORCA cannot take them back."),
	         errhint("Run the transaction at READ COMMITTED or REPEATABLE READ (SET TRANSACTION ISOLATION LEVEL), "
	                 "or use registration_mode 'immediate'.")));
}

void
Enqueue(OrcaFdwModifyState *st, const core::Registration *reg, const core::MealRow *meal)
{
	BackendState *s = State();
	int level = GetCurrentTransactionNestLevel();
	RefuseSerializable(NULL);
	RegisterCallbacks();
	RunGuarded([&] {
		QueuedItem item;
		item.serverid = st->serverid;
		item.userid = st->userid;
		item.server = st->server_name;
		item.user = st->user_name;
		item.table = st->relname;
		item.meal = meal != nullptr;
		if (reg)
			item.reg = *reg;
		if (meal)
			item.meal_row = *meal;
		item.level = level;
		s->queue.push_back(std::move(item));
	});
}

/* Descriptions of sending[from..] for "not sent" lists. */
char *
PendingText(size_t from)
{
	BackendState *s = State();
	RunGuarded([&] {
		std::string text;
		for (size_t j = from; j < s->sending.size(); j++) {
			const QueuedItem &q = s->sending[j];
			std::string d;
			if (q.meal) {
				const core::MealRow &m = q.meal_row;
				d = "hsacctmodv2 Request_Number 4 (meals) for patient " + m.patient_id + ", perform_date " +
				    m.perform_date;
			} else
				d = q.reg.Describe();
			text += (text.empty() ? "" : "; ") + d;
		}
		s->text = text;
	});
	return pstrdup(s->text.c_str());
}

/* The COMMIT's deadline (see CommitDeadline), armed before sending. */
void
ArmCommitDeadline(void)
{
	BackendState *s = backend_state;
	commit_deadline.deadline = 0;
	commit_deadline.from_statement_timeout = StatementTimeout > 0;
	if (StatementTimeout > 0) {
		commit_deadline.timeout_ms = StatementTimeout;
		commit_deadline.deadline = TimestampTzPlusMilliseconds(GetCurrentStatementStartTimestamp(), StatementTimeout);
		return;
	}
	/* statement_timeout 0: every call may take its connect_timeout plus
	 * request_timeout (and its max_requests_per_second spacing); a meals row
	 * may need a lookup and a call */
	double budget_ms = 0;
	size_t n = s->sending.size();
	for (size_t i = 0; i < n; i++) {
		const QueuedItem *q = &s->sending[i];
		OrcaServerOptions o;
		GetServerOptions(GetForeignServer(q->serverid), NULL, &o);
		double call_ms = (o.connect_timeout + o.request_timeout) * 1000.0;
		if (o.max_requests_per_second > 0)
			call_ms += 1000.0 / o.max_requests_per_second;
		budget_ms += call_ms * (q->meal ? 2 : 1);
	}
	budget_ms = Min(budget_ms, (double) INT_MAX);
	commit_deadline.timeout_ms = (int) budget_ms;
	commit_deadline.deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), commit_deadline.timeout_ms);
}

/* XACT_EVENT_PRE_COMMIT: send the queue in order; the first failure aborts
 * the transaction with an error naming what was and was not registered. */
void
FlushQueue(void)
{
	BackendState *s = backend_state;
	if (!s || s->queue.empty())
		return;
	/* Take the queue: whatever happens next, nothing is sent twice. */
	RunGuarded([&] {
		s->sending = std::move(s->queue);
		s->queue.clear();
		s->lookup.reset();
	});
	if (IsolationIsSerializable())
		RefuseSerializable(PendingText(0));
	ArmCommitDeadline();
	size_t n = s->sending.size();
	for (size_t i = 0; i < n;) {
		QueuedItem *q = &s->sending[i];
		SendTarget t;
		t.client = ClientFor(q->serverid, q->userid);
		t.server = q->server.c_str();
		t.user = q->user.c_str();
		t.table = q->table.c_str();
		t.mode = "on_commit";
		t.cancel = &commit_deadline;
		if (!q->meal) {
			if (!SendOne(&t, &q->reg, &s->result))
				ReportFailure(&q->reg, &s->result, PendingText(i + 1));
			i++;
			continue;
		}
		/* a run of meals rows for the same server and user: merged */
		size_t end = i;
		while (end < n && s->sending[end].meal && s->sending[end].serverid == q->serverid &&
		       s->sending[end].userid == q->userid)
			end++;
		RunGuarded([&] {
			s->lookup.reset(); /* bound to this run's client */
			s->meals.clear();
			for (size_t j = i; j < end; j++)
				s->meals.push_back(s->sending[j].meal_row);
		});
		SendMeals(&t, &s->meals, &s->calls, &s->result, &s->lookup, PendingText(end));
		i = end;
	}
	RunGuarded([&] {
		s->sending.clear();
		s->lookup.reset();
	});
	commit_deadline.deadline = 0;
}

/* Rollback: registrations made (immediate mode) are not undone in ORCA. */
void
WarnUnrolled(int min_level, bool subtransaction)
{
	BackendState *s = backend_state;
	CapturedError *err = GuardBuffer();
	size_t n = s->ledger.Unreported(min_level);
	if (n == 0)
		return;
	if (!TryCore([&] { s->text = s->ledger.Text(true, min_level); }, err))
		return;
	ereport(WARNING,
	        (errcode(ERRCODE_WARNING),
	         errmsg_plural("%d ORCA registration of this %s is not rolled back",
	                       "%d ORCA registrations of this %s are not rolled back", (int) n, (int) n,
	                       subtransaction ? "subtransaction" : "transaction"),
	         errdetail("Registered in ORCA: %s.", s->text.c_str()),
	         errhint("ORCA has no transactions; undo them in ORCA if they were not wanted, or use "
	                 "registration_mode 'on_commit' to send registrations only at COMMIT.")));
}

/* PREPARE TRANSACTION: the prepared transaction leaves this backend, and
 * COMMIT PREPARED / ROLLBACK PREPARED may run anywhere, so the immediate
 * registrations it made are named now (they are kept by ORCA either way). */
void
WarnPrepared(void)
{
	BackendState *s = backend_state;
	CapturedError *err = GuardBuffer();
	size_t n = s->ledger.Unreported(0);
	if (n == 0)
		return;
	if (!TryCore([&] { s->text = s->ledger.Text(true, 0); }, err))
		ReportCaptured(err);
	ereport(WARNING,
	        (errcode(ERRCODE_WARNING),
	         errmsg_plural("%d ORCA registration of this transaction stays registered whatever becomes of the "
	                       "prepared transaction",
	                       "%d ORCA registrations of this transaction stay registered whatever becomes of the "
	                       "prepared transaction",
	                       (int) n, (int) n),
	         errdetail("Registered in ORCA: %s.", s->text.c_str()),
	         errhint("ROLLBACK PREPARED does not undo them; undo them in ORCA if the transaction is rolled back.")));
}

void
XactCallback(XactEvent event, void *arg)
{
	BackendState *s = backend_state;
	if (!s)
		return;
	switch (event) {
	case XACT_EVENT_PRE_COMMIT: FlushQueue(); break;
	case XACT_EVENT_PRE_PREPARE:
		if (!s->queue.empty())
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			                errmsg("cannot prepare a transaction that has queued ORCA registrations"),
			                errhint("Registrations in registration_mode 'on_commit' are sent at COMMIT; use "
			                        "'immediate' in transactions that are prepared.")));
		WarnPrepared();
		break;
	case XACT_EVENT_COMMIT:
	case XACT_EVENT_PREPARE:
		s->queue.clear();
		s->sending.clear();
		s->ledger.Clear();
		break;
	case XACT_EVENT_ABORT:
		commit_deadline.deadline = 0;
		s->queue.clear();
		s->sending.clear();
		s->lookup.reset();
		WarnUnrolled(0, false);
		s->ledger.Clear();
		break;
	default: break;
	}
}

void
SubXactCallback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg)
{
	BackendState *s = backend_state;
	if (!s || (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB))
		return;
	int level = GetCurrentTransactionNestLevel();
	CapturedError *err = GuardBuffer();
	if (event == SUBXACT_EVENT_ABORT_SUB) {
		/* queued rows of the aborted subtransaction (and its children) are dropped */
		TryCore(
		    [&] {
			    std::vector<QueuedItem> keep;
			    for (QueuedItem &q : s->queue)
				    if (q.level < level)
					    keep.push_back(std::move(q));
			    s->queue = std::move(keep);
		    },
		    err);
		WarnUnrolled(level, true);
	} else {
		for (QueuedItem &q : s->queue)
			if (q.level >= level)
				q.level = level - 1;
		s->ledger.SubCommit(level);
	}
}

/* ---- executor state ----------------------------------------------------------------- */

void
InitModifyState(OrcaFdwModifyState *st, ResultRelInfo *rinfo, EState *estate, int kind)
{
	Relation rel = rinfo->ri_RelationDesc;
	TupleDesc desc = RelationGetDescr(rel);
	RegisterCallbacks(); /* the ledger and the queue end with the transaction */
	st->rel = rel;
	st->relname = pstrdup(RelationGetRelationName(rel));
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

	st->natts = desc->natts;
	st->attr_column = MapAttributes(rel, st->resource);
	st->atttype = (Oid *) palloc0(sizeof(Oid) * (desc->natts + 1));
	for (int i = 0; i < desc->natts; i++)
		st->atttype[i + 1] = TupleDescAttr(desc, i)->atttypid;
	const core::ResourceDef *r = st->resource;
	int ncolumns = 0;
	RunGuarded([&] { ncolumns = static_cast<int>(r->columns.size()); });
	st->ncolumns = ncolumns;
	st->column_attno = (int *) palloc0(sizeof(int) * Max(ncolumns, 1));
	for (int attno = 1; attno <= st->natts; attno++)
		if (st->attr_column[attno] >= 0 && st->column_attno[st->attr_column[attno]] == 0)
			st->column_attno[st->attr_column[attno]] = attno;

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
		                   st->relname),
		         errhint("Leave out RETURNING, or set the table option registration_mode 'immediate'.")));
}

void
EnsureClient(OrcaFdwModifyState *st)
{
	if (!st->client)
		st->client = ClientFor(st->serverid, st->userid);
}

SendTarget
TargetOf(OrcaFdwModifyState *st)
{
	SendTarget t;
	t.client = st->client;
	t.server = st->server_name;
	t.user = st->user_name;
	t.table = st->relname;
	t.mode = ModeName(st->mode);
	t.cancel = &CancelToken();
	return t;
}

/* RETURNING: the row as sent, with the columns ORCA's answer carries. */
void
FillFromAnswer(OrcaFdwModifyState *st, TupleTableSlot *slot, const RowPod *fallback, const char *perform_date)
{
	ModifySession *ss = st->session;
	const core::ResourceDef *r = st->resource;
	bool trim = st->trim_values;
	RunGuarded(
	    [&] { ss->answer = core::AnswerValues(*r, ss->reg, ss->result, perform_date ? perform_date : "", trim); });

	TupleDesc desc = slot->tts_tupleDescriptor;
	Datum *values = (Datum *) palloc0(sizeof(Datum) * Max(desc->natts, 1));
	bool *nulls = (bool *) palloc(sizeof(bool) * Max(desc->natts, 1));
	bool have_slot = !TTS_EMPTY(slot);
	if (have_slot)
		slot_getallattrs(slot);
	for (int a = 0; a < desc->natts; a++) {
		values[a] = have_slot ? slot->tts_values[a] : (Datum) 0;
		nulls[a] = have_slot ? slot->tts_isnull[a] : true;
	}
	for (int attno = 1; attno <= desc->natts; attno++) {
		int col = st->attr_column[attno];
		if (col < 0)
			continue;
		Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
		const char *text = NULL;
		bool present = false, isnull = true;
		if (static_cast<size_t>(col) < ss->answer.size() && ss->answer[col].present) {
			present = true;
			isnull = ss->answer[col].isnull;
			text = ss->answer[col].text.c_str();
		} else if (!have_slot && fallback && fallback->present[col]) {
			present = true;
			isnull = fallback->isnull[col];
			text = fallback->text[col];
		}
		if (!present)
			continue;
		nulls[attno - 1] = isnull || text == NULL;
		if (nulls[attno - 1])
			continue;
		Oid infunc, ioparam;
		getTypeInputInfo(att->atttypid, &infunc, &ioparam);
		values[attno - 1] = OidInputFunctionCall(infunc, (char *) text, ioparam, att->atttypmod);
	}
	MemoryContext old = MemoryContextSwitchTo(slot->tts_mcxt);
	HeapTuple tuple = heap_form_tuple(desc, values, nulls);
	MemoryContextSwitchTo(old);
	ExecForceStoreHeapTuple(tuple, slot, true);
}

/* ---- meals ---------------------------------------------------------------------------- */

void
InsertMeals(OrcaFdwModifyState *st, TupleTableSlot **slots, int nslots)
{
	ModifySession *ss = st->session;
	const core::ResourceDef *r = st->resource;
	const char *relname = st->relname;
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	RowPod **rows = (RowPod **) palloc(sizeof(RowPod *) * Max(nslots, 1));
	for (int i = 0; i < nslots; i++)
		rows[i] = SlotRow(st, slots[i]);
	RunGuarded([&] {
		ss->meals.clear();
		for (int i = 0; i < nslots; i++)
			ss->meals.push_back(core::CheckMealRow(*r, MakeImage(rows[i]), relname));
	});
	if (st->mode == kRegistrationOnCommit) {
		for (int i = 0; i < nslots; i++)
			Enqueue(st, nullptr, &ss->meals[i]);
	} else {
		EnsureClient(st);
		SendTarget t = TargetOf(st);
		SendMeals(&t, &ss->meals, &ss->calls, &ss->result, &ss->lookup, NULL);
		if (st->has_returning && nslots == 1 && !ss->calls.empty()) {
			char *day = pstrdup(ss->meals[0].perform_date.c_str());
			RunGuarded([&] { ss->reg = ss->calls.back(); });
			FillFromAnswer(st, slots[0], NULL, day);
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->temp_cxt);
}

/* Send (immediate) or queue (on_commit) ss->reg; RETURNING from the answer. */
void
Register(OrcaFdwModifyState *st, TupleTableSlot *slot, const RowPod *fallback)
{
	ModifySession *ss = st->session;
	if (st->mode == kRegistrationOnCommit) {
		Enqueue(st, &ss->reg, nullptr);
		return;
	}
	EnsureClient(st);
	SendTarget t = TargetOf(st);
	if (!SendOne(&t, &ss->reg, &ss->result))
		ReportFailure(&ss->reg, &ss->result, NULL);
	if (st->has_returning)
		FillFromAnswer(st, slot, fallback, NULL);
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

/* ORCA's current record of the old row's patient (patientgetv2), into
 * ss->current; a read, made before the registration is built. */
const core::Node *
FetchCurrent(OrcaFdwModifyState *st, const RowPod *before)
{
	EnsureClient(st);
	core::HttpClient *client = st->client;
	ModifySession *ss = st->session;
	const core::ResourceDef *r = st->resource;
	const char *relname = st->relname;
	RunGuarded([&] {
		core::RowImage img = MakeImage(before);
		int c = r->FindColumn("patient_id");
		if (c < 0 || !img[c].present || img[c].isnull)
			throw core::Error(core::ErrorKind::InvalidValue,
			                  "foreign table \"" + std::string(relname) + "\" has no column \"patient_id\"",
			                  "ORCA identifies the patient by patient_id.");
		ss->current = core::FetchPatient(*client, img[c].text, CancelToken());
	});
	return &ss->current;
}

/* UPDATE/DELETE: true when this statement handled the same ORCA row before
 * (a join produced it twice); the first time, it is remembered. */
bool
SeenTarget(OrcaFdwModifyState *st, const RowPod *before)
{
	ModifySession *ss = st->session;
	const core::ResourceDef *r = st->resource;
	bool seen = false;
	RunGuarded([&] {
		std::string key = core::TargetKey(*r, MakeImage(before));
		if (!key.empty())
			seen = !ss->targets.insert(std::move(key)).second;
	});
	return seen;
}

} // namespace

/* ---- FdwRoutine callbacks ------------------------------------------------------------------ */

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
	static char names[kMaxOldColumns][NAMEDATALEN];
	int nnames = 0;
	RunGuarded([&] {
		for (const std::string &c : core::OldRowColumns(*r))
			if (nnames < kMaxOldColumns)
				strlcpy(names[nnames++], c.c_str(), NAMEDATALEN);
	});
	for (int i = 0; i < nnames; i++) {
		const char *name = names[i];
		int col = -1;
		RunGuarded([&] { col = r->FindColumn(name); });
		for (int attno = 1; attno <= desc->natts; attno++) {
			if (map[attno] != col || col < 0)
				continue;
			Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
			Var *var = makeVar(rtindex, attno, att->atttypid, att->atttypmod, att->attcollation, 0);
			add_row_identity_var(root, var, rtindex, psprintf("orca_old_%s", name));
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
	int kind = -1;

	if (plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("ON CONFLICT is not supported for foreign table \"%s\"", relname),
		                errdetail("ORCA registrations cannot detect conflicts in advance.")));
	if (strcmp(resource, "patients") == 0)
		kind = op == CMD_INSERT ? kPatientInsert : op == CMD_UPDATE ? kPatientUpdate : kPatientDelete;
	else if (strcmp(resource, "admissions") == 0) {
		if (op == CMD_DELETE)
			ereport(ERROR,
			        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			         errmsg("cannot delete from foreign table \"%s\"", relname),
			         errdetail("orca_fdw registers admissions (INSERT) and discharges (UPDATE ... SET discharge_date); "
			                   "it does not cancel admissions."),
			         errhint("Cancel an admission in ORCA itself; to discharge the patient, set its discharge_date "
			                 "with UPDATE.")));
		kind = op == CMD_INSERT ? kAdmissionInsert : kAdmissionUpdate;
	} else if (strcmp(resource, "meals") == 0) {
		if (op != CMD_INSERT)
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			                errmsg("cannot %s foreign table \"%s\"", op == CMD_UPDATE ? "update" : "delete from",
			                       relname),
			                errdetail("ORCA's meal registration (hsacctmodv2) sets the meals of a day; it has no "
			                          "update or delete."),
			                errhint("INSERT a row for the patient and day with the new codes: it overwrites that "
			                        "day's meals ('00' stops a meal).")));
		kind = kMealInsert;
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
			RunGuarded([&] { strlcpy(refusal, core::UpdateRefusal(*r, col).c_str(), sizeof(refusal)); });
			if (refusal[0])
				ereport(ERROR,
				        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				         errmsg("column \"%s\" of foreign table \"%s\" cannot be updated",
				                NameStr(TupleDescAttr(RelationGetDescr(rel), attno - 1)->attname), relname),
				         errdetail("%s", refusal),
				         kind == kAdmissionUpdate
				             ? errhint("Discharge with UPDATE %s SET discharge_date = ...; change other admission "
				                       "data in ORCA.",
				                       relname)
				             : errhint("Leave the column out of the SET list.")));
			updated = lappend_int(updated, attno);
		}
	}
	table_close(rel, NoLock);
	return list_make2(makeInteger(kind), updated);
}

void
orcaBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private, int subplan_index,
                       int eflags)
{
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return; /* no I/O for plain EXPLAIN */
	EState *estate = mtstate->ps.state;
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) palloc0(sizeof(OrcaFdwModifyState));
	InitModifyState(st, rinfo, estate, intVal(list_nth(fdw_private, FdwModifyPrivateKind)));
	st->has_returning = ((ModifyTable *) mtstate->ps.plan)->returningLists != NIL;
	RefuseReturning(st);

	if (st->kind == kPatientUpdate || st->kind == kPatientDelete || st->kind == kAdmissionUpdate) {
		Plan *subplan = outerPlanState(mtstate)->plan;
		static char names[kMaxOldColumns][NAMEDATALEN];
		int nnames = 0;
		const core::ResourceDef *r = st->resource;
		RunGuarded([&] {
			for (const std::string &c : core::OldRowColumns(*r))
				if (nnames < kMaxOldColumns)
					strlcpy(names[nnames++], c.c_str(), NAMEDATALEN);
		});
		for (int i = 0; i < nnames; i++) {
			int col = -1;
			const char *name = names[i];
			RunGuarded([&] { col = r->FindColumn(name); });
			AttrNumber attno =
			    ExecFindJunkAttributeInTlist(subplan->targetlist, psprintf("orca_old_%s", names[i]));
			if (col < 0 || !AttributeNumberIsValid(attno))
				continue; /* the table lacks it: the builders name it if needed */
			st->old_attno[st->nold] = attno;
			st->old_column[st->nold] = col;
			st->nold++;
		}
		if (st->kind != kAdmissionUpdate)
			st->ctid_attno = ExecFindJunkAttributeInTlist(subplan->targetlist, "ctid");
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
	int kind = strcmp(resource, "patients") == 0     ? kPatientInsert
	           : strcmp(resource, "admissions") == 0 ? kAdmissionInsert
	           : strcmp(resource, "meals") == 0      ? kMealInsert
	                                                 : -1;
	if (kind < 0)
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
	if (st->kind == kMealInsert) {
		InsertMeals(st, &slot, 1);
		return slot;
	}
	MemoryContextReset(st->temp_cxt);
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	RowPod *row = SlotRow(st, slot);
	char *today = TodayText();
	ModifySession *ss = st->session;
	const core::ResourceDef *r = st->resource;
	const char *relname = st->relname;
	int kind = st->kind;
	RunGuarded([&] {
		core::RowImage img = MakeImage(row);
		ss->reg = kind == kPatientInsert ? core::BuildPatientInsert(*r, img, today, relname)
		                                 : core::BuildAdmission(*r, img, relname);
	});
	MemoryContextSwitchTo(old);
	Register(st, slot, row);
	return slot;
}

TupleTableSlot **
orcaExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot **slots, TupleTableSlot **planSlots,
                           int *numSlots)
{
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) rinfo->ri_FdwState;
	if (st->kind == kMealInsert)
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
	if (!st || st->kind != kMealInsert || st->mode != kRegistrationImmediate || rinfo->ri_projectReturning ||
	    rinfo->ri_WithCheckOptions != NIL ||
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
	RowPod *now = SlotRow(st, slot);
	RowPod *before = OldRow(st, planSlot);
	char *today = TodayText();
	ModifySession *ss = st->session;
	const core::ResourceDef *r = st->resource;
	const char *relname = st->relname;
	bool call = true;
	if (SeenTarget(st, before)) {
		MemoryContextSwitchTo(old);
		return NULL; /* a second update of the same row in this statement: skipped, as PostgreSQL does */
	}
	if (st->kind == kPatientUpdate) {
		bool needs_current = false;
		RunGuarded([&] { needs_current = core::PatientUpdateNeedsCurrent(*r, MakeImage(now)); });
		/* ORCA's record first when the table lacks fields class=02 rewrites
		 * (or the update would blank them), or when the row shows values
		 * cleaned (ORCA's own are sent where the user did not change them) */
		const core::Node *current =
		    needs_current || RowMayBeCleaned(st, planSlot) ? FetchCurrent(st, before) : nullptr;
		bool trim = st->trim_values;
		RunGuarded([&] {
			ss->reg = core::BuildPatientUpdate(*r, MakeImage(now), MakeImage(before), current, today, relname, trim);
		});
	} else {
		RunGuarded([&] { call = core::BuildAdmissionUpdate(*r, MakeImage(now), MakeImage(before), relname, &ss->reg); });
	}
	MemoryContextSwitchTo(old);
	if (!call)
		return slot;
	Register(st, slot, now);
	return slot;
}

TupleTableSlot *
orcaExecForeignDelete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	OrcaFdwModifyState *st = (OrcaFdwModifyState *) rinfo->ri_FdwState;
	MemoryContextReset(st->temp_cxt);
	MemoryContext old = MemoryContextSwitchTo(st->temp_cxt);
	RowPod *before = OldRow(st, planSlot);
	ModifySession *ss = st->session;
	const core::ResourceDef *r = st->resource;
	const char *relname = st->relname;
	if (SeenTarget(st, before)) {
		MemoryContextSwitchTo(old);
		return NULL; /* deleted already by this statement: skipped, as PostgreSQL does */
	}
	/* class=03 matches names: ORCA's own, read first when the row shows them cleaned */
	const core::Node *current = RowMayBeCleaned(st, planSlot) ? FetchCurrent(st, before) : nullptr;
	bool trim = st->trim_values;
	RunGuarded([&] { ss->reg = core::BuildPatientDelete(*r, MakeImage(before), current, relname, trim); });
	MemoryContextSwitchTo(old);
	ExecClearTuple(slot);
	Register(st, slot, before);
	return slot;
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

void
orcaExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private, int subplan_index,
                         ExplainState *es)
{
	int kind = intVal(list_nth(fdw_private, FdwModifyPrivateKind));
	int mode, batch;
	RegistrationOptions(rinfo->ri_RelationDesc, &mode, &batch, NULL, NULL);
	static char text[512];
	RunGuarded([&] {
		std::string t;
		switch (kind) {
		case kPatientInsert: t = core::RegCallText(core::RegKind::RegisterPatient) + ", one call per row"; break;
		case kPatientUpdate:
			t = core::RegCallText(core::RegKind::UpdatePatient) + ", one call per row";
			break;
		case kPatientDelete: t = core::RegCallText(core::RegKind::DeletePatient) + ", one call per row"; break;
		case kAdmissionInsert: t = core::RegCallText(core::RegKind::Admit) + " (admission), one call per row"; break;
		case kAdmissionUpdate:
			t = "POST /orca31/hsptinfmodv2 Request_Number 02 (discharge) or 07 (discharge cancel), one call per "
			    "changed row";
			break;
		case kMealInsert:
			t = core::RegCallText(core::RegKind::Meals) + ", rows merged per patient, admission and month";
			break;
		}
		strlcpy(text, t.c_str(), sizeof(text));
	});
	ExplainPropertyText("ORCA registration", text, es);
	if (kind == kPatientUpdate)
		ExplainPropertyText("ORCA lookup",
		                    "GET /api01rv2/patientgetv2, once per row when the table lacks fields class=02 rewrites "
		                    "or the row shows values cleaned (trim_values)",
		                    es);
	if (kind == kPatientDelete)
		ExplainPropertyText("ORCA lookup",
		                    "GET /api01rv2/patientgetv2, once per row when the row shows values cleaned (trim_values)",
		                    es);
	if (kind == kMealInsert)
		ExplainPropertyText("ORCA lookup", "POST /api01rv2/hsptinfv2, once per patient, for the admission date", es);
	ExplainPropertyText("Registration mode", ModeName(mode), es);
	if (kind == kMealInsert && mode == kRegistrationImmediate)
		ExplainPropertyInteger("Batch size", NULL, batch, es);
}

} // namespace orca_fdw::pg
