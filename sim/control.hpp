// control.hpp — the simulator's own endpoints under /__sim/ (no auth, never
// prefixed): request statistics, fault injection, a summary of the generated
// data, the ground truth of every table (truth.cpp) and the log of the
// registration requests received, for tests.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "data.hpp"
#include "http_server.hpp"
#include "node.hpp"

namespace orca_sim {

struct ApiRoute;

struct FaultSpec {
	std::string mode;       // http500, http503, auth401, malformed, truncated, slow, reset, api_error, bad_patient_id
	int remaining = 1;      // -1 = until /__sim/reset
	std::string path;       // API path without /api; "" = any API
	int delay_ms = 2000;    // slow
	std::string api_result; // api_error; "" = the API's default busy/failure code
};

// One registration request as the simulator received it (GET /__sim/registrations).
struct RegistrationRecord {
	long long seq = 0;
	std::string api;            // patientmodv2, hsptinfmodv2, hsacctmodv2
	std::string selector;       // class=01 / Request_Number=01
	std::string requested_id;   // Patient_ID as sent (trimmed, bounded)
	std::string patient_id;     // ORCA's id: the answer's, else the request's normalised, else as sent
	std::string admission_date; // as sent
	std::string discharge_date; // hsptinfmodv2 02
	std::string perform_date;   // hsacctmodv2
	std::string update_date;    // hsptinfmodv2 08: Update_Date (the transfer date)
	std::string ward_number, room_number, department_code; // hsptinfmodv2 01/08, as sent
	std::string end_date;       // hsacctmodv2 2: End_Date
	std::string patient_status; // hsacctmodv2 2: Patient_Status
	std::string meal_items;     // hsacctmodv2: JSON array of the Meal_Information items as sent
	std::vector<std::string> api_results; // every Api_Result of the answer (empty: no answer)
	std::string fault;          // the injected fault that applied, if any
	bool handled = false;       // the handler ran
	bool changed = false;       // the handler ran and answered success: the data changed
};

class SimControl {
public:
	explicit SimControl(DataStore& store) : store_(store) {}

	// Statistics. Every ORCA API request whose path names a simulated API is
	// counted when it reaches the router — whatever happens next (401, 405,
	// injected faults included). Unknown paths and /__sim/ are not counted.
	void BeginRequest(const std::string& api_path);
	void EndRequest();

	// Takes one pending fault matching the API path, if any.
	std::optional<FaultSpec> TakeFault(const std::string& api_path);

	// True for the APIs that change the data (patientmodv2, hsptinfmodv2, hsacctmodv2).
	static bool IsRegistration(const ApiRoute& route);
	// Registration handlers run holding this gate shared; the truth endpoint
	// holds it exclusively, so it sees no half-done sequence of registrations.
	std::shared_lock<std::shared_mutex> RegistrationGate() const
	{
		return std::shared_lock<std::shared_mutex>(gate_);
	}
	// Appends a registration request to the log. `parsed` is the request
	// record when the body was parsed already (nullptr: parse it here);
	// `response` the answer when one was built (nullptr: the request was
	// faulted before any answer).
	void RecordRegistration(const ApiRoute& route, const HttpRequest& request, const Node* parsed,
	                        const Node* response, bool handled, const std::string& fault);

	// Serves GET /__sim/stats, POST /__sim/reset, POST|GET /__sim/fault,
	// GET /__sim/summary, GET /__sim/truth/<table>, GET /__sim/registrations.
	void Handle(const HttpRequest& request, HttpResponse& response);

private:
	std::string StatsJson();
	std::string FaultsJson();
	std::string SummaryJson();
	std::string RegistrationsJson();
	bool AddFault(const std::string& body, std::string& error);

	DataStore& store_;
	std::mutex mutex_;
	long long total_ = 0;
	std::map<std::string, long long> by_path_;
	int in_flight_ = 0;
	int max_in_flight_ = 0;
	std::deque<std::chrono::steady_clock::time_point> recent_starts_;
	int max_per_second_ = 0;
	std::vector<FaultSpec> faults_;
	mutable std::shared_mutex gate_;
	std::deque<RegistrationRecord> registrations_; // since the last reset, at most kMaxRegistrations
	long long registration_seq_ = 0;
	long long registrations_dropped_ = 0;
};

} // namespace orca_sim
