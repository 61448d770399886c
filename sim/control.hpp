// control.hpp — the simulator's own endpoints under /__sim/ (no auth, never
// prefixed): request statistics, fault injection and a ground-truth summary
// of the generated data for tests.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "data.hpp"
#include "http_server.hpp"

namespace orca_sim {

struct FaultSpec {
	std::string mode;       // http500, http503, auth401, malformed, truncated, slow, reset, api_error, bad_patient_id
	int remaining = 1;      // -1 = until /__sim/reset
	std::string path;       // API path without /api; "" = any API
	int delay_ms = 2000;    // slow
	std::string api_result; // api_error; "" = the API's default busy/failure code
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

	// Serves GET /__sim/stats, POST /__sim/reset, POST|GET /__sim/fault,
	// GET /__sim/summary.
	void Handle(const HttpRequest& request, HttpResponse& response);

private:
	std::string StatsJson();
	std::string FaultsJson();
	std::string SummaryJson();
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
};

} // namespace orca_sim
