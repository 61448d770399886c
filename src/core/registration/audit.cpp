/*
 * audit.cpp — the audit's JSON lines (see audit.hpp).
 */
#include "core/registration/audit.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

void
AddJson(std::string &out, const char *key, const std::string &value)
{
	if (value.empty())
		return;
	out += out.size() > 1 ? "," : "";
	AppendJsonString(out, key);
	out += ':';
	AppendJsonString(out, value);
}

std::string
NowIso()
{
	auto now = std::chrono::system_clock::now();
	std::time_t secs = std::chrono::system_clock::to_time_t(now);
	long ms = static_cast<long>(
	    std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
	std::tm tm{};
	gmtime_r(&secs, &tm);
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
	              tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return buf;
}

} // namespace

std::string
AuditLine(const AuditContext &ctx, const Registration &reg, const RegResult *res)
{
	std::string out = "{";
	AddJson(out, "ts", NowIso());
	AddJson(out, "event", res ? "result" : "sent");
	AddJson(out, "attempt", ctx.attempt);
	AddJson(out, "database", ctx.database);
	AddJson(out, "user", ctx.user);
	AddJson(out, "server", ctx.server);
	AddJson(out, "table", ctx.table);
	AddJson(out, "mode", ctx.mode);
	AddJson(out, "api", RegApiName(reg.kind));
	AddJson(out, "request", RegSelector(reg.kind));
	AddJson(out, "kind", RegKindName(reg.kind));
	AddJson(out, "patient_id", res && !res->answered_id.empty() ? res->answered_id : reg.patient_id);
	AddJson(out, "admission_date", reg.admission_date);
	if (reg.kind == RegKind::Discharge)
		AddJson(out, "discharge_date", reg.other_date);
	if (reg.kind == RegKind::Transfer)
		AddJson(out, "transfer_date", reg.other_date);
	if (reg.kind == RegKind::Meals || reg.kind == RegKind::Outing)
		AddJson(out, "meal_month", reg.other_date);
	if (reg.kind == RegKind::Outing)
		AddJson(out, "patient_status", reg.status);
	AddJson(out, "meal_dates", reg.meal_dates);
	if (res) {
		AddJson(out, "outcome", RegOutcomeName(res->outcome));
		AddJson(out, "api_result", res->code);
		std::string message = res->message;
		for (const std::string &w : res->warnings)
			message += (message.empty() ? "" : "; ") + w;
		AddJson(out, "message", message);
		/* what went wrong, unless ORCA's code and message say it */
		if (!res->Registered() && (res->code.empty() || res->outcome != RegOutcome::Refused))
			AddJson(out, "error", res->error_message);
	} else
		AddJson(out, "outcome", "sent");
	out += "}\n";
	return out;
}

} // namespace orca_fdw::core
