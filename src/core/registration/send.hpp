/*
 * send.hpp — sending one registration, in one call: the audit's "sent"
 * line, the call (once, never resent), the "result" line, the ledger entry,
 * and one report for the PG side to turn into warnings or an error.  The
 * PG side makes that call inside one RunGuarded, so a registration crosses
 * the error wall once.
 *
 * The rules it keeps:
 *   - a registration is not sent when its "sent" line cannot be written
 *     (SendReport::sent false, nothing left, the sink's failure reported);
 *   - every sent registration gets a "result" line, or the report says why
 *     it could not be written;
 *   - what ORCA registered goes into the ledger at the caller's nesting
 *     level; a failure's error names what the transaction registered
 *     before it (kept by ORCA) and what will not be sent.
 */
#pragma once

#include "core/http.hpp"
#include "core/registration/audit.hpp"
#include "core/registration/ledger.hpp"
#include "core/registration/registration.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace orca_fdw::core {

/* Where one registration goes. */
struct SendTarget {
	HttpClient *client = nullptr;
	const CancelToken *cancel = nullptr;
	AuditContext audit; /* database, user, server, table, mode (Send numbers the attempt) */
	int level = 0;      /* (sub)transaction nesting level, for the ledger */
};

/* What happened, for the PG side to report. */
struct SendReport {
	bool sent = false;              /* false: the "sent" line could not be written; nothing was sent */
	AuditFailure audit_failure;     /* the failed line's step and errno (!sent, or result_unrecorded) */
	bool result_unrecorded = false; /* sent, but the "result" line is missing from the log */
	std::string unrecorded_reason;  /* the "result" line could not be built (audit_failure then empty) */
	RegResult result;
	std::string what;               /* Describe() with ORCA's patient number: the ledger's entry */
	std::vector<std::string> warnings; /* ORCA's warnings, one line each: "K0: ... (what)." */
	std::optional<Error> failure;   /* sent and not registered: the error to report */

	bool Registered() const { return sent && result.Registered(); }
};

/* What will not be sent when this registration fails; asked only then. */
using NotSentFn = std::function<std::string()>;

/* A backend's sending: the audit sink, the attempt numbers, the ledger. */
class Sender {
public:
	/* `attempt_prefix` makes attempt ids unique among backends (the pid). */
	Sender(AuditSink &sink, std::string attempt_prefix) : sink_(sink), prefix_(std::move(attempt_prefix)) {}

	/* Throws only when memory runs out: before the "sent" line is written
	 * (nothing was sent), or after the "result" line (as any core code). */
	SendReport Send(const SendTarget &target, const Registration &reg, const NotSentFn &not_sent = nullptr);

	/* What the open transaction registered. */
	Ledger &GetLedger() { return ledger_; }
	uint64_t Attempts() const { return attempts_; }

private:
	AuditSink &sink_;
	std::string prefix_;
	uint64_t attempts_ = 0;
	Ledger ledger_;
};

} // namespace orca_fdw::core
