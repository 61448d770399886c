/*
 * endpoints.cpp — the table of ORCA APIs (see endpoints.hpp).
 *
 * Sources: /work/shared/orca-api/patients.md (patient APIs, system01lstv2),
 * inpatient-and-meals.md (hsfindv3, hsptinfv2, hsmealv2, hsconfwardv2 and the
 * inpatient registrations).  "No rows" codes are those that mean exactly
 * "nothing there" for the request sent; every other non-zero code is an error.
 */
#include "core/endpoints.hpp"

#include "core/error.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

std::vector<Endpoint>
BuildEndpoints()
{
	const Formats both = Formats::Xml2AndJson, xml2 = Formats::Xml2Only;
	std::vector<Endpoint> v = {
	    /* api, name, path, method, query, request_number, request record, answer record, row element, page size,
	     * no rows, no rows if sent, too many, refused, warnings, results array, formats, registration */
	    {Api::PatientGet, "patientgetv2", "/api01rv2/patientgetv2", "GET", "", "", "", "patientinfores",
	     "Patient_Information", 0, {"10"}, {}, {}, {}, {}, false, both, false},
	    /* 10: 1000 or more patients in the window (no rows): split it */
	    {Api::PatientList1, "patientlst1v2", "/api01rv2/patientlst1v2", "POST", "", "", "patientlst1req",
	     "patientlst1res", "Patient_Information", 1000, {"20"}, {}, {"10"}, {}, {}, false, both, false},
	    /* unknown ids come back as rows named 【患者番号がありません】 */
	    {Api::PatientList2, "patientlst2v2", "/api01rv2/patientlst2v2", "POST", "class=01", "", "patientlst2req",
	     "patientlst2res", "Patient_Information", 100, {}, {}, {}, {}, {}, false, both, false},
	    /* answers with the patientlst2 record; 21: 100 or more hits; 10 (a character the
	     * name search refuses), 11/12 (a birth date it cannot take): refused */
	    {Api::PatientList3, "patientlst3v2", "/api01rv2/patientlst3v2", "POST", "class=01", "", "patientlst3req",
	     "patientlst2res", "Patient_Information", 100, {"20"}, {}, {"21"}, {"10", "11", "12"}, {}, false, both, false},
	    /* E0106: no hits; E0001 / E0007 / E0008: no such patient, department, ward for a
	     * criterion we sent (a malformed date is never sent: the date codes stay errors) */
	    {Api::InpatientFind, "hsfindv3", "/orca36/hsfindv3", "POST", "", "01", "hsfindv3req", "hsfindv3res", "Result",
	     200, {"E0106"},
	     {{"Patient_Information/Patient_ID", "E0001"},
	      {"Patient_Information/Department_Code", "E0007"},
	      {"Patient_Information/Ward_Number", "E0008"}},
	     {}, {}, {}, false, xml2, false},
	    /* 02: no such patient; 04: no stay admitted on the Admission_Date sent */
	    {Api::InpatientInfo, "hsptinfv2", "/api01rv2/hsptinfv2", "POST", "", "", "private_objects", "private_objects",
	     "Hospital_Stay_Infomation" /* sic */, 100, {"02"}, {{"Admission_Date", "04"}}, {}, {}, {}, false, xml2, false},
	    /* 02: no such patient; 04: no inpatient account that month */
	    {Api::InpatientMeal, "hsmealv2", "/api01rv2/hsmealv2", "POST", "", "", "private_objects", "private_objects",
	     "Monthly_Information", 31, {"02", "04"}, {}, {}, {}, {}, false, xml2, false},
	    {Api::WardConfig, "hsconfwardv2", "/api01rv2/hsconfwardv2", "POST", "", "1", "private_objects",
	     "private_objects", "Ward_Configuration", 50, {}, {}, {}, {}, {}, false, xml2, false},
	    {Api::RoomConfig, "hsconfwardv2", "/api01rv2/hsconfwardv2", "POST", "", "2", "private_objects",
	     "private_objects", "Room_Configuration", 200, {}, {}, {}, {}, {}, false, xml2, false},
	    /* 11: nothing registered */
	    {Api::DepartmentList, "system01lstv2", "/api01rv2/system01lstv2", "POST", "", "01", "system01_managereq",
	     "departmentres", "Department_Information", 0, {"11"}, {}, {}, {}, {}, false, both, false},
	    {Api::DoctorList, "system01lstv2", "/api01rv2/system01lstv2", "POST", "", "02", "system01_managereq",
	     "physicianres", "Physician_Information", 0, {"11"}, {}, {}, {}, {}, false, both, false},
	    /* acceptancelst.html: class 01 lists the receptions waiting for accounting, 02 the
	     * accounted ones, 03 every reception of the day: one call with 03 lists each
	     * reception once (01 + 02 could list one twice, or miss it, if it is accounted
	     * between the two calls).  21: no reception that day; 13: no such doctor, for a
	     * Physician_Code we sent.  The answer holds at most 500 receptions
	     * (Acceptlst_Information, 繰り返し500): resources/visits.cpp refuses a full
	     * answer rather than return part of a day.  UNCONFIRMED: the code of an unknown
	     * Department_Code (an error; resources/visits.cpp sends only known ones). */
	    {Api::VisitList, "acceptlstv2", "/api01rv2/acceptlstv2", "POST", "class=03", "", "acceptlstreq",
	     "acceptlstres", "Acceptlst_Information", 500, {"21"}, {{"Physician_Code", "13"}}, {}, {}, {}, false, xml2,
	     false},
	    /* disease.html: Select_Mode All returns every disease name (ended ones too), at
	     * most 200 (Information_Overflow True beyond: resources/diseases.cpp refuses it).
	     * 10: no such patient; 21: no disease name registered. */
	    {Api::DiseaseGet, "diseasegetv2", "/api01rv2/diseasegetv2", "POST", "class=01", "", "disease_inforeq",
	     "disease_infores", "Disease_Information", 200, {"10", "21"}, {}, {}, {}, {}, false, xml2, false},
	    /* patientmodv2 puts its first warning (K0-K9) into Api_Result: registered */
	    {Api::PatientMod, "patientmodv2", "/orca12/patientmodv2", "POST", "", "", "patientmodreq", "patientmodres",
	     "Patient_Information", 0, {}, {}, {}, {},
	     {"K0", "K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8", "K9"}, false, both, true},
	    {Api::InpatientMod, "hsptinfmodv2", "/orca31/hsptinfmodv2", "POST", "", "", "private_objects",
	     "private_objects", "Hospital_Stay_Infomation" /* sic */, 0, {}, {}, {}, {}, {}, true, xml2, true},
	    {Api::InpatientAccountMod, "hsacctmodv2", "/orca31/hsacctmodv2", "POST", "", "4", "private_objects",
	     "private_objects", "Monthly_Information", 0, {}, {}, {}, {}, {}, true, xml2, true},
	};
	for (size_t i = 0; i < v.size(); i++)
		if (static_cast<size_t>(v[i].api) != i)
			throw Error(ErrorKind::Internal, "ORCA endpoint table is out of order",
			            "Row " + std::to_string(i) + " (" + v[i].name + ") does not match its Api enumerator.");
	if (v.size() != static_cast<size_t>(kApiCount))
		throw Error(ErrorKind::Internal, "ORCA endpoint table is incomplete",
		            std::to_string(v.size()) + " rows for " + std::to_string(kApiCount) + " APIs.");
	return v;
}

} // namespace

const std::vector<Endpoint> &
Endpoints()
{
	static const std::vector<Endpoint> endpoints = BuildEndpoints();
	return endpoints;
}

const Endpoint &
EndpointOf(Api api)
{
	const std::vector<Endpoint> &all = Endpoints();
	size_t i = static_cast<size_t>(api);
	if (i >= all.size())
		throw Error(ErrorKind::Internal, "unknown ORCA API", "Api " + std::to_string(i) + " has no endpoint row.");
	return all[i];
}

const char *
ApiName(Api api)
{
	return EndpointOf(api).name.c_str();
}

const char *
ApiPath(Api api)
{
	return EndpointOf(api).path.c_str();
}

std::string
CallText(Api api, const std::string &query)
{
	const Endpoint &e = EndpointOf(api);
	const std::string &q = query.empty() ? e.query : query;
	return e.method + " " + e.path + (q.empty() ? "" : "?" + q);
}

} // namespace orca_fdw::core
