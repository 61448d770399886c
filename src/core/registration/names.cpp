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

} // namespace registration_detail

using namespace registration_detail;

const char *
RegApiName(RegKind k)
{
	switch (k) {
	case RegKind::RegisterPatient:
	case RegKind::UpdatePatient:
	case RegKind::DeletePatient: return "patientmodv2";
	case RegKind::Admit:
	case RegKind::Discharge:
	case RegKind::CancelDischarge: return "hsptinfmodv2";
	case RegKind::Meals: return "hsacctmodv2";
	}
	return "";
}

const char *
RegApiPath(RegKind k)
{
	switch (k) {
	case RegKind::RegisterPatient:
	case RegKind::UpdatePatient:
	case RegKind::DeletePatient: return "/orca12/patientmodv2";
	case RegKind::Admit:
	case RegKind::Discharge:
	case RegKind::CancelDischarge: return "/orca31/hsptinfmodv2";
	case RegKind::Meals: return "/orca31/hsacctmodv2";
	}
	return "";
}

const char *
RegSelector(RegKind k)
{
	switch (k) {
	case RegKind::RegisterPatient: return "class=01";
	case RegKind::UpdatePatient: return "class=02";
	case RegKind::DeletePatient: return "class=03";
	case RegKind::Admit: return "Request_Number 01";
	case RegKind::Discharge: return "Request_Number 02";
	case RegKind::CancelDischarge: return "Request_Number 07";
	case RegKind::Meals: return "Request_Number 4";
	}
	return "";
}

const char *
RegKindName(RegKind k)
{
	switch (k) {
	case RegKind::RegisterPatient: return "register_patient";
	case RegKind::UpdatePatient: return "update_patient";
	case RegKind::DeletePatient: return "delete_patient";
	case RegKind::Admit: return "admit";
	case RegKind::Discharge: return "discharge";
	case RegKind::CancelDischarge: return "cancel_discharge";
	case RegKind::Meals: return "meals";
	}
	return "";
}

std::string
RegCallText(RegKind k)
{
	std::string out = std::string("POST ") + RegApiPath(k);
	if (IsPatientKind(k))
		out += std::string("?") + RegSelector(k);
	else
		out += std::string(" ") + RegSelector(k);
	return out;
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
	std::string out = std::string(RegApiName(kind)) + " " + RegSelector(kind);
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
	case ModifyOp::AdmissionUpdate: {
		std::string cancel = RegSelector(RegKind::CancelDischarge);
		return RegCallText(RegKind::Discharge) + " (discharge) or " + cancel.substr(cancel.rfind(' ') + 1) +
		       " (discharge cancel), one call per changed row";
	}
	case ModifyOp::MealInsert:
		return RegCallText(RegKind::Meals) + ", rows merged per patient, admission and month";
	}
	return "";
}

std::string
ModifyLookupText(ModifyOp op)
{
	const std::string patientget = std::string("GET ") + SourcePath(Source::PatientGet);
	switch (op) {
	case ModifyOp::PatientUpdate:
		return patientget + ", once per row when the table lacks fields class=02 rewrites or the row shows values "
		                    "cleaned (trim_values)";
	case ModifyOp::PatientDelete:
		return patientget + ", once per row when the row shows values cleaned (trim_values)";
	case ModifyOp::MealInsert:
		return std::string("POST ") + SourcePath(Source::InpatientInfo) + ", once per patient, for the admission date";
	default: return "";
	}
}

std::string
MealRow::Describe() const
{
	return std::string(RegApiName(RegKind::Meals)) + " " + RegSelector(RegKind::Meals) + " (meals) for patient " +
	       patient_id + ", perform_date " + perform_date;
}

} // namespace orca_fdw::core
