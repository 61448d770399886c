/*
 * xact_queue.cpp — the backend's registration state (see xact_queue.hpp).
 *
 * COMMIT-time sending has its own deadline (CommitDeadline), since
 * PostgreSQL switches statement_timeout off first.  One registration is one
 * guarded call (SendRegistration → core::Sender::Send), and ReportSent turns
 * its report into warnings or the error afterwards, in the PG regime.
 */
#include "pg/xact_queue.hpp"

#include "pg/audit.hpp"
#include "pg/connection.hpp"
#include "pg/guard.hpp"
#include "pg/options.hpp"

#include <string>
#include <utility>

extern "C" {
#include "commands/dbcommands.h"
#include "storage/proc.h"
#include "utils/timestamp.h"
}

namespace orca_fdw::pg {

namespace {

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
	BackendState(const char *data_dir, int pid) : sink(data_dir), sender(sink, std::to_string(pid)) {}

	FileAuditSink sink;
	core::Sender sender;             /* the audit's attempts, and the ledger of the transaction */
	core::SendReport report;         /* the last registration's */
	std::vector<QueuedItem> queue;   /* on_commit rows of the open transaction */
	std::vector<QueuedItem> sending; /* the queue while PRE_COMMIT sends it */
	std::string text;                /* texts handed to PostgreSQL */
	std::vector<core::Registration> calls; /* commit-time meals */
	std::vector<core::MealRow> meals;
	std::unique_ptr<core::AdmissionLookup> lookup;

	core::Ledger &ledger() { return sender.GetLedger(); }
};

BackendState *backend_state;
bool callbacks_registered;

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

/* C++ regime: the state InitRegistrations made. */
BackendState &
State()
{
	if (!backend_state)
		throw core::Error(core::ErrorKind::Internal, "orca_fdw registration state used before it was set up");
	return *backend_state;
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

/* An error that stops a batch or the commit-time queue before its calls:
 * add what this transaction registered already and what is not sent. */
[[noreturn]] void
ReportWithLedger(CapturedError *err, const char *not_sent)
{
	BackendState *s = backend_state;
	CapturedError *spare = (CapturedError *) palloc(sizeof(CapturedError));
	bool cancelled = err->kind == core::ErrorKind::Cancelled;
	if (TryCore(
	        [&] {
		        std::string detail = cancelled ? std::string() : std::string(err->detail);
		        std::string before = s->ledger().Text(false);
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

/* C++ regime: "a; b; c" of sending[from..], for "not sent" lists. */
std::string
PendingDescription(size_t from)
{
	BackendState &s = State();
	std::string text;
	for (size_t j = from; j < s.sending.size(); j++) {
		const QueuedItem &q = s.sending[j];
		text += (text.empty() ? "" : "; ") + (q.meal ? q.meal_row.Describe() : q.reg.Describe());
	}
	return text;
}

} // namespace

/* ---- sending ------------------------------------------------------------------------ */

core::HttpClient *
ClientFor(Oid serverid, Oid userid)
{
	ForeignServer *server = GetForeignServer(serverid);
	UserMapping *mapping = GetUserMapping(userid, serverid);
	return GetClient(server, mapping);
}

void
InitSendPlace(SendPlace *place, core::HttpClient *client, const char *server, const char *user, const char *table,
              const char *mode, const core::CancelToken *cancel)
{
	char *database = get_database_name(MyDatabaseId);
	place->client = client;
	place->database = database ? database : "";
	place->server = server;
	place->user = user;
	place->table = table;
	place->mode = mode;
	place->cancel = cancel;
	place->level = GetCurrentTransactionNestLevel();
}

const core::SendReport &
SendRegistration(const SendPlace *place, const core::Registration &reg, const core::NotSentFn &not_sent)
{
	BackendState &s = State();
	core::SendTarget target;
	target.client = place->client;
	target.cancel = place->cancel;
	target.audit.database = place->database;
	target.audit.user = place->user;
	target.audit.server = place->server;
	target.audit.table = place->table;
	target.audit.mode = place->mode;
	target.level = place->level;
	s.report = s.sender.Send(target, reg, not_sent);
	return s.report;
}

const core::SendReport &
LastSendReport(void)
{
	return State().report;
}

void
ReportSent(void)
{
	const core::SendReport *r = &backend_state->report;
	/* Nothing was sent unless the attempt was on disk first. */
	if (!r->sent)
		ReportAuditFailure(&r->audit_failure, ERROR);
	if (r->result_unrecorded) {
		if (!r->unrecorded_reason.empty())
			ereport(WARNING, (errmsg("could not record the outcome of an ORCA registration in the audit log"),
			                  errdetail_internal("%s", r->unrecorded_reason.c_str())));
		else
			ReportAuditFailure(&r->audit_failure, WARNING);
	}
	if (r->failure) {
		/* what failed, what this transaction registered already (kept by
		 * ORCA), and what was not sent */
		CapturedError *err = GuardBuffer();
		Capture(*r->failure, err);
		if (r->result.cancelled) {
			/* The cancel's own error follows; say first what may have happened. */
			ereport(WARNING, (errcode(ERRCODE_FDW_ERROR), errmsg_internal("%s", err->message),
			                  err->detail[0] ? errdetail_internal("%s", err->detail) : 0,
			                  err->hint[0] ? errhint("%s", err->hint) : 0));
			RaiseCancel();
		}
		ReportCaptured(err);
	}
	/* ORCA's warnings (K0–K5), one each */
	for (size_t i = 0; i < r->warnings.size(); i++)
		ereport(WARNING, (errcode(ERRCODE_WARNING), errmsg("ORCA answered with a warning"),
		                  errdetail("%s", r->warnings[i].c_str())));
}

void
SendMeals(const SendPlace *place, std::vector<core::MealRow> *meals, std::vector<core::Registration> *calls,
          std::unique_ptr<core::AdmissionLookup> *lookup, size_t rest_from)
{
	core::HttpClient *client = place->client;
	const core::CancelToken *cancel = place->cancel;
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
		BackendState *s = backend_state;
		RunGuarded([&] {
			std::string text;
			for (const core::MealRow &m : *meals)
				text += (text.empty() ? "" : "; ") + m.Describe();
			std::string rest = PendingDescription(rest_from);
			if (!rest.empty())
				text += (text.empty() ? "" : "; ") + rest;
			s->text = text;
		});
		ReportWithLedger(saved, pstrdup(s->text.c_str()));
	}
	size_t ncalls = calls->size();
	for (size_t i = 0; i < ncalls; i++) {
		RunGuarded([&] {
			SendRegistration(place, (*calls)[i], [&] {
				std::string text;
				for (size_t j = i + 1; j < calls->size(); j++)
					text += (text.empty() ? "" : "; ") + (*calls)[j].Describe();
				std::string rest = PendingDescription(rest_from);
				if (!rest.empty())
					text += (text.empty() ? "" : "; ") + rest;
				return text;
			});
		});
		ReportSent();
	}
}

/* ---- the on_commit queue --------------------------------------------------------- */

namespace {

void XactCallback(XactEvent event, void *arg);
void SubXactCallback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg);

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
	OrcaServerOptions o;
	for (size_t i = 0; i < n; i++) {
		const QueuedItem *q = &s->sending[i];
		if (i == 0 || q->serverid != s->sending[i - 1].serverid)
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
	if (IsolationIsSerializable()) {
		RunGuarded([&] { s->text = PendingDescription(0); });
		RefuseSerializable(pstrdup(s->text.c_str()));
	}
	ArmCommitDeadline();
	size_t n = s->sending.size();
	core::HttpClient *client = NULL;
	for (size_t i = 0; i < n;) {
		QueuedItem *q = &s->sending[i];
		/* one client per run of the same server and user */
		if (i == 0 || q->serverid != s->sending[i - 1].serverid || q->userid != s->sending[i - 1].userid)
			client = ClientFor(q->serverid, q->userid);
		SendPlace place;
		InitSendPlace(&place, client, q->server.c_str(), q->user.c_str(), q->table.c_str(), "on_commit",
		              &commit_deadline);
		if (!q->meal) {
			size_t next = i + 1;
			RunGuarded([&] { SendRegistration(&place, q->reg, [next] { return PendingDescription(next); }); });
			ReportSent();
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
		SendMeals(&place, &s->meals, &s->calls, &s->lookup, end);
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
	size_t n = s->ledger().Unreported(min_level);
	if (n == 0)
		return;
	if (!TryCore([&] { s->text = s->ledger().Text(true, min_level); }, err))
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
	size_t n = s->ledger().Unreported(0);
	if (n == 0)
		return;
	if (!TryCore([&] { s->text = s->ledger().Text(true, 0); }, err))
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
		s->ledger().Clear();
		break;
	case XACT_EVENT_ABORT:
		commit_deadline.deadline = 0;
		s->queue.clear();
		s->sending.clear();
		s->lookup.reset();
		WarnUnrolled(0, false);
		s->ledger().Clear();
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
		s->ledger().SubCommit(level);
	}
}

} // namespace

void
InitRegistrations(void)
{
	if (!backend_state) {
		const char *data_dir = DataDir;
		int pid = MyProcPid;
		RunGuarded([&] { backend_state = new BackendState(data_dir, pid); });
	}
	if (callbacks_registered)
		return;
	RegisterXactCallback(XactCallback, NULL);
	RegisterSubXactCallback(SubXactCallback, NULL);
	callbacks_registered = true;
}

void
InitQueuePlace(QueuePlace *place, Oid serverid, Oid userid, const char *server, const char *user, const char *table)
{
	place->serverid = serverid;
	place->userid = userid;
	place->server = server;
	place->user = user;
	place->table = table;
	place->level = GetCurrentTransactionNestLevel();
}

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
QueueRegistration(const QueuePlace *place, const core::Registration *reg, const core::MealRow *meal)
{
	BackendState &s = State();
	QueuedItem item;
	item.serverid = place->serverid;
	item.userid = place->userid;
	item.server = place->server;
	item.user = place->user;
	item.table = place->table;
	item.meal = meal != nullptr;
	if (reg)
		item.reg = *reg;
	if (meal)
		item.meal_row = *meal;
	item.level = place->level;
	s.queue.push_back(std::move(item));
}

} // namespace orca_fdw::pg
