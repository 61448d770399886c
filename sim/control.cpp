// control.cpp — see control.hpp.
#include "control.hpp"

#include "api.hpp"
#include "json.hpp"
#include "request_parser.hpp"
#include "truth.hpp"
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

// Registration log entries keep ids and dates only, each at most this long:
// a 100k-character id is not worth keeping.
constexpr size_t kMaxLoggedField = 64;
constexpr size_t kMaxRegistrations = 100000;

std::string
Bounded(std::string_view text)
{
	if (text.size() <= kMaxLoggedField)
		return std::string(text);
	size_t cut = kMaxLoggedField;
	while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
		cut--; // never split a UTF-8 sequence
	return std::string(text.substr(0, cut)) + "...";
}

std::string
ShortApiName(std::string_view path)
{
	const size_t slash = path.rfind('/');
	return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

void
AppendJsonField(std::string& out, const char* name, const std::string& value)
{
	out += ", \"";
	out += name;
	out += "\": ";
	if (value.empty()) {
		out += "null";
		return;
	}
	out += '"';
	AppendJsonEscaped(out, value);
	out += '"';
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

bool
SimControl::IsRegistration(const ApiRoute& route)
{
	const std::string_view path = route.path;
	return path == "/orca12/patientmodv2" || path == "/orca31/hsptinfmodv2" || path == "/orca31/hsacctmodv2";
}

void
SimControl::RecordRegistration(const ApiRoute& route, const HttpRequest& request, const Node* parsed,
                               const Node* response, bool handled, const std::string& fault)
{
	RegistrationRecord record;
	record.api = ShortApiName(route.path);
	record.fault = fault;
	record.handled = handled;

	RequestBody body;
	if (parsed == nullptr && route.request_record != nullptr) {
		std::string error;
		if (ParseRequestBody(request.body, route.request_record, body, error) == BodyStatus::kOk)
			parsed = &body.record;
	}
	static const Node kEmpty;
	const Node& fields = parsed != nullptr ? *parsed : kEmpty;
	if (record.api == "patientmodv2")
		record.selector = "class=" + Bounded(request.QueryParam("class"));
	else
		record.selector = "Request_Number=" + Bounded(fields.Get("Request_Number"));
	record.requested_id = Bounded(fields.Get("Patient_ID"));
	record.admission_date = Bounded(fields.Get("Admission_Date"));
	if (record.api == "hsptinfmodv2") {
		record.discharge_date = Bounded(fields.Get("Discharge_Date"));
		record.update_date = Bounded(fields.Get("Update_Date"));
		record.ward_number = Bounded(fields.Get("Ward_Number"));
		record.room_number = Bounded(fields.Get("Room_Number"));
		record.department_code = Bounded(fields.Get("Department_Code"));
	}
	if (record.api == "hsacctmodv2") {
		record.perform_date = Bounded(fields.Get("Perform_Date"));
		record.end_date = Bounded(fields.Get("End_Date"));
		record.patient_status = Bounded(fields.Get("Patient_Status"));
		if (const Node* meals = fields.Find("Meal_Information")) {
			std::string items = "[";
			auto add = [&](const Node& item) {
				if (item.IsBlank())
					return;
				if (items.size() > 1)
					items += ", ";
				items += "{";
				bool first = true;
				for (const char* name : {"Meal_Time", "Meal_Type", "Meal_Dates", "Meal_SameAfter"}) {
					const std::string value = item.Get(name);
					if (value.empty())
						continue;
					items += first ? "\"" : ", \"";
					first = false;
					items += name;
					items += "\": \"";
					AppendJsonEscaped(items, Bounded(value));
					items += "\"";
				}
				items += "}";
			};
			if (meals->IsArray()) {
				for (const auto& item : meals->Children())
					add(*item);
			} else {
				add(*meals);
			}
			record.meal_items = items + "]";
		}
	}

	std::string answered_id;
	if (response != nullptr) {
		if (const Node* results = response->Find("Api_Results")) {
			for (const auto& item : results->Children())
				record.api_results.push_back(Bounded(item->Get("Api_Result")));
		} else if (!response->Get("Api_Result").empty()) {
			record.api_results.push_back(Bounded(response->Get("Api_Result")));
		}
		if (const Node* patient = response->Find("Patient_Information"))
			answered_id = Bounded(patient->Get("Patient_ID"));
	}
	if (!answered_id.empty()) {
		record.patient_id = answered_id;
	} else {
		auto lock = store_.ReadLock();
		const std::optional<int> number = store_.ParsePatientNumber(record.requested_id);
		record.patient_id = number ? store_.FormatPatientId(*number) : record.requested_id;
	}
	// Success as each API answers it: patientmodv2 00 or a K warning (the
	// patient is registered), hsptinfmodv2 0000, hsacctmodv2 00.
	if (handled && !record.api_results.empty()) {
		const std::string& code = record.api_results.front();
		if (record.api == "patientmodv2")
			record.changed = code == "00" || (!code.empty() && code[0] == 'K');
		else if (record.api == "hsptinfmodv2")
			record.changed = code == "0000";
		else
			record.changed = code == "00";
	}

	std::lock_guard<std::mutex> lock(mutex_);
	record.seq = ++registration_seq_;
	registrations_.push_back(std::move(record));
	if (registrations_.size() > kMaxRegistrations) {
		registrations_.pop_front();
		registrations_dropped_++;
	}
}

std::string
SimControl::RegistrationsJson()
{
	std::lock_guard<std::mutex> lock(mutex_);
	std::string out = "{\"dropped\": " + std::to_string(registrations_dropped_) + ", \"registrations\": [";
	bool first = true;
	for (const RegistrationRecord& record : registrations_) {
		out += first ? "\n" : ",\n";
		first = false;
		out += "{\"seq\": " + std::to_string(record.seq);
		AppendJsonField(out, "api", record.api);
		AppendJsonField(out, "selector", record.selector);
		AppendJsonField(out, "patient_id", record.patient_id);
		AppendJsonField(out, "requested_id", record.requested_id);
		AppendJsonField(out, "admission_date", record.admission_date);
		AppendJsonField(out, "discharge_date", record.discharge_date);
		AppendJsonField(out, "perform_date", record.perform_date);
		AppendJsonField(out, "update_date", record.update_date);
		AppendJsonField(out, "ward_number", record.ward_number);
		AppendJsonField(out, "room_number", record.room_number);
		AppendJsonField(out, "department_code", record.department_code);
		AppendJsonField(out, "end_date", record.end_date);
		AppendJsonField(out, "patient_status", record.patient_status);
		out += ", \"meal_items\": " + (record.meal_items.empty() ? std::string("null") : record.meal_items);
		AppendJsonField(out, "api_result", record.api_results.empty() ? std::string() : record.api_results.front());
		out += ", \"api_results\": [";
		for (size_t i = 0; i < record.api_results.size(); i++) {
			out += i > 0 ? ", \"" : "\"";
			AppendJsonEscaped(out, record.api_results[i]);
			out += "\"";
		}
		out += "]";
		AppendJsonField(out, "fault", record.fault);
		out += std::string(", \"handled\": ") + (record.handled ? "true" : "false");
		out += std::string(", \"changed\": ") + (record.changed ? "true" : "false") + "}";
	}
	return out + "]}";
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
			registrations_.clear();
			registration_seq_ = 0;
			registrations_dropped_ = 0;
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
	} else if (path == "/__sim/registrations") {
		if (require("GET"))
			JsonAnswer(response, 200, RegistrationsJson());
	} else if (path == "/__sim/truth" || StartsWith(path, "/__sim/truth/")) {
		if (!require("GET"))
			return;
		const std::string table = path.size() > 13 ? path.substr(13) : std::string();
		std::string body;
		int status;
		{
			// No registration runs while the truth is read, so it is one state.
			std::unique_lock<std::shared_mutex> gate(gate_);
			status = RenderTruth(store_, table, request, body);
		}
		JsonAnswer(response, status, std::move(body));
	} else {
		JsonAnswer(response, 404, "{\"Code\": 404, \"Message\": \"Not Found\"}");
	}
}

} // namespace orca_sim
