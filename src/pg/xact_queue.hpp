/*
 * xact_queue.hpp — the backend's registration state (xact_queue.cpp): sending
 * one registration and reporting what happened, the on_commit queue sent at
 * COMMIT under its own deadline, the ledger of what the transaction
 * registered, and the warnings of a rollback or PREPARE TRANSACTION that
 * cannot undo registrations.
 *
 * registration_mode 'immediate' sends each row (or meals batch) while the
 * statement runs; 'on_commit' checks the row, queues it in backend memory
 * and sends the queue at XACT_EVENT_PRE_COMMIT, so a rolled-back transaction
 * (or subtransaction) registers nothing.  ORCA has no transactions: what was
 * registered stays registered, so every error names what this transaction
 * registered already and what was not sent, and a rollback after immediate
 * registrations warns (PREPARE TRANSACTION too).  Registrations are sent
 * once, never retried, and each attempt is written to the audit log before
 * and after the call (core/registration/send.hpp, pg/audit.hpp).
 * on_commit is refused in SERIALIZABLE transactions.
 */
#pragma once

#include "core/registration/builders.hpp"
#include "core/registration/send.hpp"

#include <cstddef>
#include <memory>
#include <vector>

#include "pg/pg.hpp"

namespace orca_fdw::pg {

/* Where a registration is sent: plain data (InitSendPlace). */
struct SendPlace {
	core::HttpClient *client;
	const char *database, *server, *user, *table, *mode;
	const core::CancelToken *cancel;
	int level; /* transaction nesting level, for the ledger */
};
/* Where a registration is queued (on_commit): plain data. */
struct QueuePlace {
	Oid serverid, userid;
	const char *server, *user, *table;
	int level;
};

/* PG regime.  First of all, before a statement registers anything: the
 * backend's state and the transaction callbacks. */
void InitRegistrations(void);
/* The client for a server and user (GetClient). */
core::HttpClient *ClientFor(Oid serverid, Oid userid);
void InitSendPlace(SendPlace *place, core::HttpClient *client, const char *server, const char *user,
                   const char *table, const char *mode, const core::CancelToken *cancel);
void InitQueuePlace(QueuePlace *place, Oid serverid, Oid userid, const char *server, const char *user,
                    const char *table);
/* on_commit sends at XACT_EVENT_PRE_COMMIT, and a SERIALIZABLE transaction
 * can still fail after that, when ORCA has registered already: refused, at
 * the first queued row and again before sending.  `not_sent` lists the
 * queue when sending is refused. */
void RefuseSerializable(const char *not_sent);

/* C++ regime: send one registration now (audit, call, audit, ledger: one
 * core::Sender::Send).  The report is kept until the next send. */
const core::SendReport &SendRegistration(const SendPlace *place, const core::Registration &reg,
                                         const core::NotSentFn &not_sent = nullptr);
/* The report of the last SendRegistration. */
const core::SendReport &LastSendReport(void);
/* PG regime, right after SendRegistration: the audit's failures, ORCA's
 * warnings, and the error of a registration ORCA did not make (naming what
 * this transaction registered before it and what will not be sent).
 * Returns only when ORCA registered it. */
void ReportSent(void);

/* C++ regime: queue a registration or a meals row until COMMIT. */
void QueueRegistration(const QueuePlace *place, const core::Registration *reg, const core::MealRow *meal);

/* PG regime: meals rows → admission lookups → merged calls → sent one by
 * one, each reported as ReportSent does.  `rest_from`: the queued items
 * after these (COMMIT), or kNothingQueued. */
constexpr size_t kNothingQueued = static_cast<size_t>(-1);
void SendMeals(const SendPlace *place, std::vector<core::MealRow> *meals, std::vector<core::Registration> *calls,
               std::unique_ptr<core::AdmissionLookup> *lookup, size_t rest_from);

} // namespace orca_fdw::pg
