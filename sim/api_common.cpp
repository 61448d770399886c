// api_common.cpp — route table, header writers and response rendering shared
// by every ORCA API handler.
#include "api.hpp"

#include "response_writer.hpp"
#include "util.hpp"

namespace orca_sim {

const std::vector<ApiRoute>&
AllRoutes()
{
	static const std::vector<ApiRoute> routes = {
	    {"/api01rv2/patientgetv2", "GET", nullptr, "patientinfores", "Patient Info", ResultStyle::kScalar2,
	     HandlePatientGet},
	    {"/api01rv2/patientlst1v2", "POST", "patientlst1req", "patientlst1res", "Patient Info",
	     ResultStyle::kScalar2, HandlePatientList1},
	    {"/api01rv2/patientlst2v2", "POST", "patientlst2req", "patientlst2res", "Patient Info",
	     ResultStyle::kScalar2, HandlePatientList2},
	    // Quirk: the name search answers with the patientlst2 record.
	    {"/api01rv2/patientlst3v2", "POST", "patientlst3req", "patientlst2res", "Patient Info",
	     ResultStyle::kScalar2, HandlePatientList3},
	    {"/orca12/patientmodv2", "POST", "patientmodreq", "patientmodres", "Acceptance_Info", ResultStyle::kScalar2,
	     HandlePatientMod},
	    {"/api01rv2/system01lstv2", "POST", "system01_managereq", "departmentres", "Patient Info",
	     ResultStyle::kScalar2, HandleSystemList},
	    {"/orca36/hsfindv3", "POST", "hsfindv3req", "hsfindv3res", nullptr, ResultStyle::kScalar5,
	     HandleInpatientFind},
	    {"/api01rv2/hsptinfv2", "POST", "private_objects", "private_objects", nullptr, ResultStyle::kScalar2,
	     HandleInpatientInfo},
	    {"/api01rv2/hsmealv2", "POST", "private_objects", "private_objects", nullptr, ResultStyle::kScalar2,
	     HandleInpatientMeals},
	    {"/api01rv2/hsconfwardv2", "POST", "private_objects", "private_objects", nullptr, ResultStyle::kScalar2,
	     HandleWardInfo},
	    {"/api01rv2/acceptlstv2", "POST", "acceptlstreq", "acceptlstres", "Patient Info", ResultStyle::kScalar2,
	     HandleVisitList},
	    {"/api01rv2/diseasegetv2", "POST", "disease_inforeq", "disease_infores", "MedicalInfo", ResultStyle::kScalar2,
	     HandleDiseaseGet},
	    {"/orca31/hsptinfmodv2", "POST", "private_objects", "private_objects", nullptr, ResultStyle::kResults4,
	     HandleInpatientMod},
	    {"/orca31/hsacctmodv2", "POST", "private_objects", "private_objects", nullptr, ResultStyle::kResults2,
	     HandleAccountMod},
	};
	return routes;
}

const ApiRoute*
FindRoute(std::string_view path)
{
	for (const ApiRoute& route : AllRoutes())
		if (path == route.path)
			return &route;
	return nullptr;
}

std::string
DefaultFaultResult(const ApiRoute& route)
{
	switch (route.style) {
	case ResultStyle::kScalar2:
		return "90";
	case ResultStyle::kResults4:
	case ResultStyle::kResults2:
		return "9999";
	case ResultStyle::kScalar5:
		return "E0105";
	}
	return "90";
}

std::string
MalformedBodyCode(const ApiRoute& route)
{
	switch (route.style) {
	case ResultStyle::kScalar2:
		return "97";
	case ResultStyle::kResults4:
	case ResultStyle::kResults2:
		return "8097";
	case ResultStyle::kScalar5:
		return "E0097";
	}
	return "97";
}

std::string
UnreadableRecordCode(const ApiRoute& route)
{
	switch (route.style) {
	case ResultStyle::kScalar2:
		return "98";
	case ResultStyle::kResults4:
	case ResultStyle::kResults2:
		return "8098";
	case ResultStyle::kScalar5:
		return "E0098";
	}
	return "98";
}

void
WriteHeader(ApiContext& ctx, const std::string& code, const std::string& message,
            const std::vector<std::string>& warnings)
{
	ctx.response.Add("Information_Date", FormatDate(ctx.today));
	ctx.response.Add("Information_Time", LocalTimeHms());
	ctx.response.Add("Api_Result", code);
	ctx.response.Add("Api_Result_Message", message);
	for (size_t i = 0; i < warnings.size() && i < 5; i++)
		ctx.response.Add("Api_Warning_Message" + std::to_string(i + 1), warnings[i]);
	if (ctx.route.reskey != nullptr)
		ctx.response.Add("Reskey", ctx.route.reskey);
}

void
WriteResult(ApiContext& ctx, const std::string& code)
{
	WriteHeader(ctx, code, ApiMessage(ctx.route, code));
}

void
WriteResults(ApiContext& ctx, const std::vector<std::pair<std::string, std::string>>& results)
{
	ctx.response.Add("Information_Date", FormatDate(ctx.today));
	ctx.response.Add("Information_Time", LocalTimeHms());
	Node& array = ctx.response.AddArray("Api_Results", 10);
	for (size_t i = 0; i < results.size() && i < 10; i++) {
		Node& item = array.AppendRecord();
		item.Add("Api_Result", results[i].first);
		item.Add("Api_Result_Message", results[i].second);
	}
}

void
WriteError(ApiContext& ctx, const std::string& code)
{
	if (ctx.route.style == ResultStyle::kResults4 || ctx.route.style == ResultStyle::kResults2)
		WriteResults(ctx, {{code, ApiMessage(ctx.route, code)}});
	else
		WriteResult(ctx, code);
}

void
RenderResponse(const ApiContext& ctx, bool json, HttpResponse& out)
{
	out.status = 200;
	out.body.clear();
	if (json) {
		// UNCONFIRMED for the private_objects (inpatient) APIs: the JSON key is
		// assumed to be the record name, i.e. {"private_objects": {...}}.
		WriteJson(ctx.response_record, ctx.response, ctx.config.pad_json_arrays, out.body);
		out.SetContentType("application/json");
	} else {
		WriteXml2(ctx.response_record, ctx.response, out.body);
		out.SetContentType("application/xml");
	}
}

void
AddPatientBasics(Node& record, const Patient& patient)
{
	record.Add("Patient_ID", patient.id);
	record.Add("WholeName", patient.whole_name);
	record.Add("WholeName_inKana", patient.kana);
	record.Add("BirthDate", FormatDate(patient.birth));
	record.Add("Sex", patient.sex);
}

void
AddLabel(Node& record, std::string_view name, std::string_view label, std::string data)
{
	Node& pair = record.AddRecord(name);
	pair.Add("Label", std::string(label));
	pair.Add("Data", std::move(data));
}

} // namespace orca_sim
