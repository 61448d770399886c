/*
 * rules.cpp — plan-time rules of the registrations (see rules.hpp).
 */
#include "core/registration/rules.hpp"
#include "core/registration/internal.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

using namespace registration_detail;

std::vector<std::string>
OldRowColumns(const ResourceDef &r)
{
	if (r.name == "patients")
		return {"patient_id", "whole_name", "whole_name_in_kana", "birth_date", "sex"};
	if (r.name == "admissions")
		return {"patient_id", "admission_date", "discharge_date", "discharge_reason_code",
		        "ward_number", "room_number", "department_code"}; /* a transfer sends the unchanged ones */
	return {};
}

std::string
TargetKey(const ResourceDef &r, const RowImage &oldrow)
{
	static const std::string none;
	Row row(r, oldrow, none);
	const std::string *id = row.Text("patient_id");
	if (!id)
		return "";
	std::string key = CanonicalPatientId(Trim(*id));
	if (r.name == "admissions") {
		const std::string *admission = row.Text("admission_date");
		if (!admission)
			return "";
		key += "/" + *admission;
	}
	return key;
}

std::string
UpdateRefusal(const ResourceDef &r, int col)
{
	if (col < 0 || static_cast<size_t>(col) >= r.columns.size())
		return "The column does not map to an ORCA field.";
	const std::string &name = r.columns[col].name;
	if (r.name == "patients") {
		if (name == "patient_id")
			return "ORCA identifies the patient by patient_id; it cannot be changed.";
		if (!PatientWritable(name))
			return "ORCA maintains " + name + " itself; " + RegApiName(RegKind::UpdatePatient) + " does not take it.";
		return {};
	}
	if (r.name == "admissions") {
		if (name == "discharge_date" || name == "discharge_reason_code" || name == "ward_number" ||
		    name == "room_number" || name == "department_code")
			return {};
		return "Only discharge_date, discharge_reason_code, ward_number, room_number and department_code can be "
		       "updated: setting discharge_date discharges the patient (" +
		       RegCallName(RegKind::Discharge) + "), setting it to NULL cancels the discharge (" +
		       RegNumber(RegKind::CancelDischarge) + "), a new ward, room or department is a transfer (" +
		       RegNumber(RegKind::Transfer) + ").";
	}
	return "Resource " + r.name + " cannot be updated.";
}

} // namespace orca_fdw::core
