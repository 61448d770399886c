// router.hpp — maps an HTTP request to the control endpoints or to an ORCA
// API, applying (in this order) statistics, latency, BASIC auth, 404/405,
// injected faults, request-body parsing and the API handler.
#pragma once

#include "api.hpp"
#include "control.hpp"
#include "data.hpp"
#include "http_server.hpp"

namespace orca_sim {

class Router {
public:
	Router(DataStore& store, SimControl& control, const SimConfig& config, bool log_requests)
	    : store_(store), control_(control), config_(config), log_requests_(log_requests)
	{
	}

	void Handle(const HttpRequest& request, HttpResponse& response);

private:
	void HandleOrca(const HttpRequest& request, HttpResponse& response);
	void ServeApi(const HttpRequest& request, const ApiRoute& route, const FaultSpec* fault, HttpResponse& response);
	bool Authorized(const HttpRequest& request) const;

	DataStore& store_;
	SimControl& control_;
	SimConfig config_;
	bool log_requests_;
};

} // namespace orca_sim
