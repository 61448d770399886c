/*
 * names.cpp — the names of each kind of registration (API, request, audit
 * kind, EXPLAIN text) and the descriptions used in messages and the ledger.
 */
#include "core/registration/internal.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace registration_detail {

bool
IsPatientKind(RegKind k)
{
	return k == RegKind::RegisterPatient || k == RegKind::UpdatePatient || k == RegKind::DeletePatient;
}

std::string
RecordName(RegKind k)
{
	return EndpointOf(RegApi(k)).request_record;
}

} // namespace registration_detail

using namespace registration_detail;

namespace {

/* Each kind of registration: its API (endpoints.hpp) and how a call selects
 * it — a query argument (patientmodv2 class=01) or the request's
 * Request_Number element (hsptinfmodv2, hsacctmodv2). */
struct KindRow {
	RegKind kind;
	Api api;
	bool in_query;      /* "class=NN" in the query; else "Request_Number NN" in the body */
	const char *number;
	const char *name;   /* the audit's kind */
};
const KindRow kKinds[] = {
	{RegKind::RegisterPatient, Api::PatientMod, true, "01", "register_patient"},
	{RegKind::UpdatePatient, Api::PatientMod, true, "02", "update_patient"},
	{RegKind::DeletePatient, Api::PatientMod, true, "03", "delete_patient"},
	{RegKind::Admit, Api::InpatientMod, false, "01", "admit"},
	{RegKind::Discharge, Api::InpatientMod, false, "02", "discharge"},
	{RegKind::CancelDischarge, Api::InpatientMod, false, "07", "cancel_discharge"},
	{RegKind::Meals, Api::InpatientAccountMod, false, "4", "meals"}, /* one character */
	{RegKind::Transfer, Api::InpatientMod, false, "08", "transfer"},
	{RegKind::Outing, Api::InpatientAccountMod, false, "2", "outing"}, /* one character */
};

const KindRow &
KindOf(RegKind k)
{
	for (const KindRow &row : kKinds)
		if (row.kind == k)
			return row;
	throw Error(ErrorKind::Internal, "unknown kind of ORCA registration");
}

} // namespace

Api
RegApi(RegKind k)
{
	return KindOf(k).api;
}

const char *
RegApiName(RegKind k)
{
	return ApiName(RegApi(k));
}

const char *
RegApiPath(RegKind k)
{
	return ApiPath(RegApi(k));
}

const char *
RegNumber(RegKind k)
{
	return KindOf(k).number;
}

std::string
RegQuery(RegKind k)
{
	return KindOf(k).in_query ? std::string("class=") + KindOf(k).number : std::string();
}

std::string
RegSelector(RegKind k)
{
	return KindOf(k).in_query ? RegQuery(k) : std::string("Request_Number ") + KindOf(k).number;
}

const char *
RegKindName(RegKind k)
{
	return KindOf(k).name;
}

std::string
RegCallName(RegKind k)
{
	return std::string(RegApiName(k)) + " " + RegSelector(k);
}

std::string
RegCallText(RegKind k)
{
	if (KindOf(k).in_query)
		return CallText(RegApi(k), RegQuery(k));
	return CallText(RegApi(k)) + " " + RegSelector(k);
}

const char *
RegOutcomeName(RegOutcome o)
{
	switch (o) {
	case RegOutcome::Ok: return "ok";
	case RegOutcome::Warning: return "warning";
	case RegOutcome::Refused: return "error";
	case RegOutcome::NotSent: return "not_sent";
	case RegOutcome::Unknown: return "unknown";
	}
	return "unknown";
}

std::string
Registration::Describe(const std::string &answered_id) const
{
	const std::string id = answered_id.empty() ? patient_id : answered_id;
	std::string out = RegCallName(kind);
	switch (kind) {
	case RegKind::RegisterPatient:
	case RegKind::UpdatePatient:
	case RegKind::DeletePatient: out += " for patient " + id; break;
	case RegKind::Admit: out += " (admission) for patient " + id + ", admission_date " + admission_date; break;
	case RegKind::Discharge:
		out += " (discharge) for patient " + id + ", admission_date " + admission_date + ", discharge_date " +
		       other_date;
		break;
	case RegKind::CancelDischarge:
		out += " (discharge cancel) for patient " + id + ", admission_date " + admission_date;
		break;
	case RegKind::Meals:
		out += " (meals) for patient " + id + ", admission_date " + admission_date + ", days " + other_date + " " +
		       meal_dates;
		break;
	case RegKind::Transfer:
		out += " (transfer) for patient " + id + ", admission_date " + admission_date + ", transfer_date " +
		       other_date;
		break;
	case RegKind::Outing:
		out += " (outing " + status + ") for patient " + id + ", admission_date " + admission_date + ", days " +
		       other_date + " " + meal_dates;
		break;
	}
	return out;
}

std::string
ModifyCallsText(ModifyOp op)
{
	switch (op) {
	case ModifyOp::PatientInsert: return RegCallText(RegKind::RegisterPatient) + ", one call per row";
	case ModifyOp::PatientUpdate: return RegCallText(RegKind::UpdatePatient) + ", one call per row";
	case ModifyOp::PatientDelete: return RegCallText(RegKind::DeletePatient) + ", one call per row";
	case ModifyOp::AdmissionInsert: return RegCallText(RegKind::Admit) + " (admission), one call per row";
	case ModifyOp::AdmissionUpdate:
		return RegCallText(RegKind::Discharge) + " (discharge), " + RegNumber(RegKind::CancelDischarge) +
		       " (discharge cancel) or " + RegNumber(RegKind::Transfer) + " (transfer), one call per changed row";
	case ModifyOp::MealInsert:
		return RegCallText(RegKind::Meals) + " (meals) and " + RegNumber(RegKind::Outing) +
		       " (outings: patient_status), rows merged per patient, admission and month";
	}
	return "";
}

std::string
ModifyLookupText(ModifyOp op)
{
	const std::string patientget = CallText(Api::PatientGet);
	switch (op) {
	case ModifyOp::PatientUpdate:
		return patientget + ", once per row when the table lacks fields class=02 rewrites or the row shows values "
		                    "cleaned (trim_values)";
	case ModifyOp::PatientDelete:
		return patientget + ", once per row when the row shows values cleaned (trim_values)";
	case ModifyOp::MealInsert:
		return CallText(Api::InpatientInfo) + ", once per patient, for the admission date";
	default: return "";
	}
}

std::string
MealRow::Describe() const
{
	bool meals = !code[0].empty() || !code[1].empty() || !code[2].empty();
	return RegCallName(meals ? RegKind::Meals : RegKind::Outing) + (meals ? " (meals)" : " (outing)") +
	       " for patient " + patient_id + ", perform_date " + perform_date;
}

} // namespace orca_fdw::core
