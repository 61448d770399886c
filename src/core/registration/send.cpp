/*
 * send.cpp — one registration: audit "sent" → the call → audit "result" →
 * the ledger (see send.hpp).
 */
#include "core/registration/send.hpp"

#include "core/registration/call.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

SendReport
Sender::Send(const SendTarget &target, const Registration &reg, const NotSentFn &not_sent)
{
	SendReport report;
	AuditContext ctx = target.audit;
	attempts_++;
	ctx.attempt = prefix_ + "-" + std::to_string(attempts_);

	/* Nothing is sent unless the attempt is on disk first. */
	if (!sink_.Append(AuditLine(ctx, reg, nullptr), &report.audit_failure))
		return report;
	report.sent = true;
	report.result = Execute(*target.client, reg, *target.cancel);

	try {
		report.result_unrecorded = !sink_.Append(AuditLine(ctx, reg, &report.result), &report.audit_failure);
	} catch (const std::exception &e) {
		report.result_unrecorded = true;
		report.unrecorded_reason = e.what();
	}

	if (!report.result.Registered()) {
		report.failure = FailureError(reg, report.result, ledger_.Text(false), not_sent ? not_sent() : "");
		return report;
	}
	/* the ledger, and ORCA's warnings (K0–K5) as one line each */
	report.what = reg.Describe(report.result.answered_id);
	ledger_.Add(report.what, target.level);
	for (const std::string &w : report.result.warnings)
		report.warnings.push_back(w + " (" + report.what + ").");
	return report;
}

} // namespace orca_fdw::core
