// api.hpp — the ORCA API layer: the route table, the per-request context the
// handlers work on, and the helpers that write the common header fields in
// each of ORCA's result styles.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data.hpp"
#include "http_server.hpp"
#include "node.hpp"

namespace orca_sim {

struct SimConfig {
	std::string user = "ormaster";
	std::string password = "ormaster";
	bool weborca = false;
	int latency_ms = 0;
	bool pad_json_arrays = false;
	bool omit_update_time = false; // patientlst1v2 without UpdateTime, as servers before 2017-12
};

// The result styles of the APIs in scope (inpatient notes §1.4).
enum class ResultStyle {
	kScalar2,  // Api_Result (2) + Api_Result_Message [+ Reskey]: patient APIs, system01lstv2, style A
	kResults4, // Api_Results array, success 0000, 4-digit errors: hsptinfmodv2 (style B)
	kResults2, // Api_Results array, success 00, 4-digit errors: hsacctmodv2 (style C)
	kScalar5,  // Api_Result (5): 00000 / E + 4 digits: hsfindv3 (style E)
};

struct ApiContext;
using ApiHandler = void (*)(ApiContext&);

struct ApiRoute {
	const char* path;            // without the WebORCA /api prefix
	const char* method;          // "GET" or "POST"
	const char* request_record;  // nullptr: no body (patientgetv2)
	const char* response_record; // default response record name
	const char* reskey;          // nullptr: no Reskey element
	ResultStyle style;
	ApiHandler handler;
};

const ApiRoute* FindRoute(std::string_view path);
const std::vector<ApiRoute>& AllRoutes();

struct ApiContext {
	ApiContext(const HttpRequest& http_request, const ApiRoute& api_route, DataStore& data_store,
	           const SimConfig& sim_config)
	    : http(http_request), route(api_route), store(data_store), config(sim_config),
	      response_record(api_route.response_record)
	{
	}

	const HttpRequest& http;
	const ApiRoute& route;
	DataStore& store;
	const SimConfig& config;
	Node request;                // the request record (POST APIs)
	Node response;               // the response record being built
	std::string response_record; // may be changed by the handler (system01lstv2)
	int today = 0;               // the simulator's system date, read under the lock
};

// The message the real server pairs with `code` for this API.
std::string ApiMessage(const ApiRoute& route, std::string_view code);
// Default Api_Result of the api_error fault for this API's style.
std::string DefaultFaultResult(const ApiRoute& route);
// Codes for "body could not be parsed" (97 family) and "record not readable" (98 family).
std::string MalformedBodyCode(const ApiRoute& route);
std::string UnreadableRecordCode(const ApiRoute& route);

// Information_Date, Information_Time, Api_Result, Api_Result_Message,
// [Api_Warning_Message1..5], [Reskey] — for the scalar styles.
void WriteHeader(ApiContext& ctx, const std::string& code, const std::string& message,
                 const std::vector<std::string>& warnings = {});
// Same, with the message looked up in the API's table.
void WriteResult(ApiContext& ctx, const std::string& code);
// Information_Date, Information_Time, Api_Results[...] — styles B and C.
void WriteResults(ApiContext& ctx, const std::vector<std::pair<std::string, std::string>>& results);
// An error answer in the route's style, nothing but the header.
void WriteError(ApiContext& ctx, const std::string& code);

// Serialises ctx.response into the HTTP response (xml2 or JSON).
void RenderResponse(const ApiContext& ctx, bool json, HttpResponse& out);
// The "bad_patient_id" fault: every Patient_ID of a rendered answer becomes "X" + the id.
void BreakPatientId(std::string& body, bool json);

// Handlers (api_patients.cpp, api_inpatient.cpp, api_inpatient_mod.cpp, api_system.cpp).
void HandlePatientGet(ApiContext& ctx);
void HandlePatientList1(ApiContext& ctx);
void HandlePatientList2(ApiContext& ctx);
void HandlePatientList3(ApiContext& ctx);
void HandlePatientMod(ApiContext& ctx);
void HandleInpatientFind(ApiContext& ctx);
void HandleInpatientInfo(ApiContext& ctx);
void HandleInpatientMeals(ApiContext& ctx);
void HandleWardInfo(ApiContext& ctx);
void HandleSystemList(ApiContext& ctx);
void HandleInpatientMod(ApiContext& ctx);
void HandleAccountMod(ApiContext& ctx);
void HandleVisitList(ApiContext& ctx);  // api_outpatient.cpp
void HandleDiseaseGet(ApiContext& ctx); // api_outpatient.cpp

// Shared pieces of patient records used by several APIs.
void AddPatientBasics(Node& record, const Patient& patient);
void AddLabel(Node& record, std::string_view name, std::string_view label, std::string data);

} // namespace orca_sim
