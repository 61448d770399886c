// router.cpp — see router.hpp.
#include "router.hpp"

#include <chrono>
#include <cstdio>

#include "request_parser.hpp"
#include "util.hpp"

namespace orca_sim {

namespace {

void
JsonError(HttpResponse& response, int status, const char* message)
{
	// WebORCA answers gateway errors with a small JSON body (real-clients §2.3).
	response.status = status;
	response.SetContentType("application/json");
	response.body = "{\"Code\":" + std::to_string(status) + ",\"Message\":\"" + message + "\"}";
}

void
Unauthorized(HttpResponse& response)
{
	JsonError(response, 401, "Unauthorized");
	response.SetHeader("WWW-Authenticate", "Basic realm=\"ORCA\"");
}

bool
DecodeBase64(std::string_view text, std::string& out)
{
	auto value = [](char c) -> int {
		if (c >= 'A' && c <= 'Z')
			return c - 'A';
		if (c >= 'a' && c <= 'z')
			return c - 'a' + 26;
		if (c >= '0' && c <= '9')
			return c - '0' + 52;
		if (c == '+')
			return 62;
		if (c == '/')
			return 63;
		return -1;
	};
	out.clear();
	unsigned buffer = 0;
	int bits = 0;
	for (char c : text) {
		if (c == '=')
			break;
		const int v = value(c);
		if (v < 0)
			return false;
		buffer = ((buffer << 6) | static_cast<unsigned>(v)) & 0xFFFFFFu;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out += static_cast<char>((buffer >> bits) & 0xFF);
		}
	}
	return true;
}

// Breaks a finished body for the "malformed" fault: the first 60% of the
// document followed by an unterminated fragment, still with status 200.
void
CorruptBody(std::string& body, bool json)
{
	body.resize(body.size() * 6 / 10);
	body += json ? "{\"Api_Result\": \"0" : "<Api_Result type=\"str";
}

// Keeps the two-phase in-flight accounting balanced on every return path.
class InFlight {
public:
	InFlight(SimControl& control, const ApiRoute* route) : control_(control), active_(route != nullptr)
	{
		if (active_)
			control_.BeginRequest(route->path);
	}
	~InFlight()
	{
		if (active_)
			control_.EndRequest();
	}
	InFlight(const InFlight&) = delete;
	InFlight& operator=(const InFlight&) = delete;

private:
	SimControl& control_;
	bool active_;
};

} // namespace

bool
Router::Authorized(const HttpRequest& request) const
{
	const std::string* header = request.Header("authorization");
	if (header == nullptr)
		return false;
	std::string_view value = TrimAscii(*header);
	if (value.size() < 6 || ToLowerAscii(value.substr(0, 6)) != "basic ")
		return false;
	std::string decoded;
	if (!DecodeBase64(TrimAscii(value.substr(6)), decoded))
		return false;
	return decoded == config_.user + ":" + config_.password;
}

void
Router::Handle(const HttpRequest& request, HttpResponse& response)
{
	const auto started = std::chrono::steady_clock::now();
	if (request.path == "/__sim" || StartsWith(request.path, "/__sim/"))
		control_.Handle(request, response);
	else
		HandleOrca(request, response);
	if (log_requests_) {
		const auto elapsed =
		    std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
		std::fprintf(stderr, "orca-sim: %s %s -> %d (%zu bytes, %.1f ms)\n", request.method.c_str(),
		             request.target.c_str(), response.status, response.body.size(), elapsed.count() / 1000.0);
	}
}

void
Router::HandleOrca(const HttpRequest& request, HttpResponse& response)
{
	// WebORCA serves the API only under /api; classic ORCA only without it.
	const ApiRoute* route = nullptr;
	if (config_.weborca) {
		if (StartsWith(request.path, "/api/"))
			route = FindRoute(std::string_view(request.path).substr(4));
	} else {
		route = FindRoute(request.path);
	}

	InFlight in_flight(control_, route);
	if (config_.latency_ms > 0)
		SleepInterruptible(config_.latency_ms);

	if (!Authorized(request)) {
		Unauthorized(response);
		return;
	}
	if (route == nullptr) {
		JsonError(response, 404, "Not Found");
		return;
	}
	if (request.method != route->method) {
		JsonError(response, 405, "Method Not Allowed");
		response.SetHeader("Allow", route->method);
		return;
	}

	// Faults apply to requests that would otherwise be served (authorised,
	// right method). Transport faults fire before the handler runs, so a
	// faulted registration changes nothing; "malformed" and "truncated" break
	// the answer after the handler has done its work, as a dropped
	// connection on a real server would.
	const std::optional<FaultSpec> fault = control_.TakeFault(route->path);
	if (fault) {
		const bool early = fault->mode == "http500" || fault->mode == "http503" || fault->mode == "auth401" ||
		                   fault->mode == "reset";
		if (early && SimControl::IsRegistration(*route))
			control_.RecordRegistration(*route, request, nullptr, nullptr, false, fault->mode);
		if (fault->mode == "http500") {
			JsonError(response, 500, "Internal Server Error");
			return;
		}
		if (fault->mode == "http503") {
			JsonError(response, 503, "Service Unavailable");
			return;
		}
		if (fault->mode == "auth401") {
			Unauthorized(response);
			return;
		}
		if (fault->mode == "reset") {
			response.delivery = HttpResponse::Delivery::kReset;
			return;
		}
		if (fault->mode == "slow")
			SleepInterruptible(fault->delay_ms);
	}
	ServeApi(request, *route, fault ? &*fault : nullptr, response);
}

void
Router::ServeApi(const HttpRequest& request, const ApiRoute& route, const FaultSpec* fault, HttpResponse& response)
{
	ApiContext ctx(request, route, store_, config_);
	{
		auto lock = store_.ReadLock();
		ctx.today = store_.Today();
	}
	const bool json = request.QueryParam("format") == "json";

	bool body_ok = true;
	if (route.request_record != nullptr) {
		RequestBody body;
		std::string error;
		const BodyStatus status = ParseRequestBody(request.body, route.request_record, body, error);
		if (status == BodyStatus::kMalformed) {
			WriteError(ctx, MalformedBodyCode(route));
			body_ok = false;
		} else if (status == BodyStatus::kWrongRecord) {
			// UNCONFIRMED: whether the server rejects an unexpected record
			// name; the simulator answers the 98 family so client bugs show.
			WriteError(ctx, UnreadableRecordCode(route));
			body_ok = false;
		} else {
			ctx.request = std::move(body.record);
		}
	}

	const bool api_error = body_ok && fault != nullptr && fault->mode == "api_error";
	if (api_error) {
		// HTTP 200 with the requested Api_Result in this API's envelope; the
		// handler does not run, so nothing is registered.
		if (std::string_view(route.path) == "/api01rv2/system01lstv2" &&
		    (ctx.request.Get("Request_Number") == "02" || request.QueryParam("class") == "02"))
			ctx.response_record = "physicianres";
		WriteError(ctx, fault->api_result.empty() ? DefaultFaultResult(route) : fault->api_result);
	} else if (body_ok && SimControl::IsRegistration(route)) {
		auto gate = control_.RegistrationGate(); // the truth endpoint waits for registrations in progress
		route.handler(ctx);
	} else if (body_ok) {
		route.handler(ctx);
	}
	if (SimControl::IsRegistration(route))
		control_.RecordRegistration(route, request, body_ok ? &ctx.request : nullptr, &ctx.response,
		                            body_ok && !api_error, fault != nullptr ? fault->mode : std::string());

	RenderResponse(ctx, json, response);
	if (fault != nullptr && fault->mode == "malformed")
		CorruptBody(response.body, json);
	if (fault != nullptr && fault->mode == "truncated")
		response.delivery = HttpResponse::Delivery::kTruncate;
	if (fault != nullptr && fault->mode == "bad_patient_id")
		BreakPatientId(response.body, json);
}

} // namespace orca_sim
