// control.cpp — see control.hpp.
#include "control.hpp"

#include "api.hpp"
#include "json.hpp"
#include "util.hpp"

namespace orca_sim {

namespace {

const char* const kFaultModes[] = {"http500",   "http503", "auth401", "malformed",     "truncated",
                                   "slow",      "reset",   "api_error", "bad_patient_id"};

void
JsonAnswer(HttpResponse& response, int status, std::string body)
{
	response.status = status;
	response.SetContentType("application/json");
	response.body = std::move(body);
	response.body += '\n';
}

std::string
FaultJson(const FaultSpec& fault)
{
	std::string out = "{\"mode\": \"" + JsonEscape(fault.mode) + "\", \"count\": " + std::to_string(fault.remaining);
	if (!fault.path.empty())
		out += ", \"path\": \"" + JsonEscape(fault.path) + "\"";
	if (fault.mode == "slow")
		out += ", \"delay_ms\": " + std::to_string(fault.delay_ms);
	if (fault.mode == "api_error" && !fault.api_result.empty())
		out += ", \"api_result\": \"" + JsonEscape(fault.api_result) + "\"";
	return out + "}";
}

bool
ParseInteger(const std::string& text, long long& value)
{
	std::string_view digits = TrimAscii(text);
	bool negative = false;
	if (!digits.empty() && digits[0] == '-') {
		negative = true;
		digits.remove_prefix(1);
	}
	if (!IsAllDigits(digits) || digits.size() > 9)
		return false;
	value = std::stoll(std::string(digits));
	if (negative)
		value = -value;
	return true;
}

} // namespace

void
SimControl::BeginRequest(const std::string& api_path)
{
	const auto now = std::chrono::steady_clock::now();
	std::lock_guard<std::mutex> lock(mutex_);
	total_++;
	by_path_[api_path]++;
	in_flight_++;
	if (in_flight_ > max_in_flight_)
		max_in_flight_ = in_flight_;
	// Sliding window: the densest 1-second window always ends at a start.
	recent_starts_.push_back(now);
	while (!recent_starts_.empty() && now - recent_starts_.front() >= std::chrono::seconds(1))
		recent_starts_.pop_front();
	if (static_cast<int>(recent_starts_.size()) > max_per_second_)
		max_per_second_ = static_cast<int>(recent_starts_.size());
}

void
SimControl::EndRequest()
{
	std::lock_guard<std::mutex> lock(mutex_);
	if (in_flight_ > 0)
		in_flight_--;
}

std::optional<FaultSpec>
SimControl::TakeFault(const std::string& api_path)
{
	std::lock_guard<std::mutex> lock(mutex_);
	for (size_t i = 0; i < faults_.size(); i++) {
		FaultSpec& fault = faults_[i];
		if (!fault.path.empty() && fault.path != api_path)
			continue;
		FaultSpec taken = fault;
		if (fault.remaining > 0 && --fault.remaining == 0)
			faults_.erase(faults_.begin() + static_cast<long>(i));
		return taken;
	}
	return std::nullopt;
}

bool
SimControl::AddFault(const std::string& body, std::string& error)
{
	JsonValue document;
	if (!ParseJson(body, document, error))
		return false;
	if (!document.IsObject()) {
		error = "the fault must be a JSON object";
		return false;
	}
	FaultSpec fault;
	fault.mode = document.MemberText("mode");
	bool known = false;
	for (const char* mode : kFaultModes)
		known = known || fault.mode == mode;
	if (!known) {
		error = "unknown fault mode '" + fault.mode +
		        "' (http500, http503, auth401, malformed, truncated, slow, reset, api_error, bad_patient_id)";
		return false;
	}
	long long number = 0;
	const std::string count_text = document.MemberText("count");
	if (!count_text.empty()) {
		if (!ParseInteger(count_text, number) || (number < 1 && number != -1)) {
			error = "count must be a positive integer, or -1 for \"until reset\"";
			return false;
		}
		fault.remaining = static_cast<int>(number);
	}
	fault.path = std::string(TrimAscii(document.MemberText("path")));
	if (StartsWith(fault.path, "/api/"))
		fault.path = fault.path.substr(4);
	if (!fault.path.empty() && FindRoute(fault.path) == nullptr) {
		error = "path '" + fault.path + "' is not a simulated API path (give it without the /api prefix)";
		return false;
	}
	const std::string delay_text = document.MemberText("delay_ms");
	if (!delay_text.empty()) {
		if (!ParseInteger(delay_text, number) || number < 0 || number > 600000) {
			error = "delay_ms must be an integer between 0 and 600000";
			return false;
		}
		fault.delay_ms = static_cast<int>(number);
	}
	fault.api_result = std::string(TrimAscii(document.MemberText("api_result")));
	std::lock_guard<std::mutex> lock(mutex_);
	faults_.push_back(fault);
	return true;
}

std::string
SimControl::StatsJson()
{
	std::lock_guard<std::mutex> lock(mutex_);
	std::string out = "{\"total\": " + std::to_string(total_) + ", \"by_path\": {";
	bool first = true;
	for (const auto& entry : by_path_) {
		if (!first)
			out += ", ";
		first = false;
		out += "\"" + JsonEscape(entry.first) + "\": " + std::to_string(entry.second);
	}
	out += "}, \"in_flight\": " + std::to_string(in_flight_);
	out += ", \"max_in_flight\": " + std::to_string(max_in_flight_);
	out += ", \"max_per_second\": " + std::to_string(max_per_second_);
	out += ", \"pending_faults\": " + std::to_string(faults_.size()) + "}";
	return out;
}

std::string
SimControl::FaultsJson()
{
	std::lock_guard<std::mutex> lock(mutex_);
	std::string out = "{\"pending\": [";
	for (size_t i = 0; i < faults_.size(); i++) {
		if (i > 0)
			out += ", ";
		out += FaultJson(faults_[i]);
	}
	return out + "]}";
}

std::string
SimControl::SummaryJson()
{
	auto lock = store_.ReadLock();
	std::string dateless;
	std::string inpatients;
	for (const auto& patient : store_.AllPatients()) {
		if (!patient)
			continue;
		if (!patient->HasDates())
			dateless += (dateless.empty() ? "\"" : ", \"") + patient->id + "\"";
		const Stay* stay = patient->OpenStay();
		if (stay != nullptr && stay->admission <= store_.Today())
			inpatients += (inpatients.empty() ? "\"" : ", \"") + patient->id + "\"";
	}
	const int max_number = store_.MaxPatientNumber();
	return "{\"patients\": " + std::to_string(store_.PatientCount()) + ", \"dateless\": [" + dateless +
	       "], \"current_inpatients\": [" + inpatients + "], \"today\": \"" + FormatDate(store_.Today()) +
	       "\", \"max_patient_id\": \"" + (max_number > 0 ? store_.FormatPatientId(max_number) : std::string()) +
	       "\", \"id_width\": " + std::to_string(store_.IdWidth()) + "}";
}

void
SimControl::Handle(const HttpRequest& request, HttpResponse& response)
{
	const std::string& path = request.path;
	auto require = [&](const char* method) {
		if (request.method == method)
			return true;
		response.SetHeader("Allow", method);
		JsonAnswer(response, 405, "{\"error\": \"method not allowed\"}");
		return false;
	};
	if (path == "/__sim/stats") {
		if (require("GET"))
			JsonAnswer(response, 200, StatsJson());
	} else if (path == "/__sim/reset") {
		if (!require("POST"))
			return;
		{
			std::lock_guard<std::mutex> lock(mutex_);
			total_ = 0;
			by_path_.clear();
			max_in_flight_ = in_flight_;
			recent_starts_.clear();
			max_per_second_ = 0;
			faults_.clear();
		}
		JsonAnswer(response, 200, "{\"reset\": true}");
	} else if (path == "/__sim/fault") {
		if (request.method == "GET") {
			JsonAnswer(response, 200, FaultsJson());
			return;
		}
		if (!require("POST"))
			return;
		std::string error;
		if (!AddFault(request.body, error)) {
			JsonAnswer(response, 400, "{\"error\": \"" + JsonEscape(error) + "\"}");
			return;
		}
		JsonAnswer(response, 200, FaultsJson());
	} else if (path == "/__sim/summary") {
		if (require("GET"))
			JsonAnswer(response, 200, SummaryJson());
	} else {
		JsonAnswer(response, 404, "{\"Code\": 404, \"Message\": \"Not Found\"}");
	}
}

} // namespace orca_sim
