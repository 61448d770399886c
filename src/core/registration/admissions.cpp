/*
 * admissions.cpp — admission registrations (hsptinfmodv2 Request_Number 01,
 * 02 discharge, 07 discharge cancel, 08 transfer; see builders.hpp).  hsptinfmodv2 names
 * some fields differently from hsptinfv2, so the mapping is kept here.
 */
#include "core/registration/builders.hpp"
#include "core/registration/internal.hpp"

#include <algorithm>

#include "core/dates.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

using namespace registration_detail;

namespace {

/* hsptinfmodv2 01 fields taken from admissions columns (besides the required ones). */
const char *const kAdmissionWritable[] = {
	"patient_id", "admission_date", "ward_number", "room_number", "department_code", "doctor", "room_charge",
	"hospital_charge_code", "insurance_combination_number", "first_admission_date",
	"discharge_date", /* only NULL on INSERT; UPDATE discharges */
};

/* hsptinfmodv2 request elements (top level) → admissions columns. */
const char *const kAdmissionElements[][2] = {
	{"Patient_ID", "patient_id"},
	{"Admission_Date", "admission_date"},
	{"Discharge_Date", "discharge_date"},
	{"Discharge_Reason", "discharge_reason_code"},
	{"Ward_Number", "ward_number"},
	{"Room_Number", "room_number"},
	{"Room_Charge", "room_charge"},
	{"Department_Code", "department_code"},
	{"Last_Admission_Date", "first_admission_date"},
	{"Doctor_Code", "doctor"},
	{"HealthInsurance_Information", "insurance_combination_number"},
	{"Hospital_Charge", "hospital_charge_code"},
};

/* The column a request element's value came from ("" for our own elements). */
std::string
AdmissionElementColumn(const std::string &path)
{
	std::string top = path.substr(0, path.find('/'));
	for (const auto &e : kAdmissionElements)
		if (top == e[0])
			return e[1];
	return "";
}

} // namespace

Registration
BuildAdmission(const ResourceDef &r, const RowImage &image, const std::string &table)
{
	Row row(r, image, table);
	const std::string why =
	    "ORCA needs patient_id, admission_date, ward_number, room_number and department_code to admit a patient.";
	Registration reg;
	reg.kind = RegKind::Admit;
	reg.record_name = RecordName(reg.kind);
	reg.patient_id = Trim(row.Required("patient_id", why));
	reg.admission_date = row.Required("admission_date", why);
	std::string ward = Trim(row.Required("ward_number", why));
	std::string room = Trim(row.Required("room_number", why));
	std::string department = Trim(row.Required("department_code", why));
	row.RefuseReadOnly([](const std::string &c) { return In(kAdmissionWritable, c); }, RegApiName(reg.kind),
	                   "INSERT");
	if (row.Text("discharge_date"))
		throw Error(ErrorKind::InvalidValue,
		            "column \"discharge_date\" of foreign table " + Quote(table) + " cannot be set by an INSERT",
		            "An INSERT admits the patient (" + RegCallName(RegKind::Admit) +
		                "); the discharge is a separate registration.",
		            "INSERT the admission with discharge_date NULL, then UPDATE ... SET discharge_date = ... to "
		            "discharge.");

	SetString(reg.record, "Request_Number", RegNumber(reg.kind));
	SetString(reg.record, "Patient_ID", reg.patient_id);
	SetString(reg.record, "Admission_Date", reg.admission_date);
	SetString(reg.record, "Ward_Number", ward);
	SetString(reg.record, "Room_Number", room);
	if (const std::string *charge = row.Text("room_charge"))
		SetString(reg.record, "Room_Charge", Trim(*charge));
	SetString(reg.record, "Department_Code", department);
	if (const std::string *first = row.Text("first_admission_date"); first && *first != reg.admission_date)
		SetString(reg.record, "Last_Admission_Date", *first);
	if (const ColumnValue *doctor = row.Get("doctor"); doctor && !doctor->isnull) {
		/* jsonb: ["10001", ...] or [{"Data": "10001", ...}, ...] as SELECT shows it */
		Node codes = Node::MakeArray();
		for (const auto &[path, text] : doctor->json) {
			bool item = path.size() > 2 && path[0] == '[' && path.back() == ']' && path.find('/') == std::string::npos;
			bool data = path.size() > 5 && path[0] == '[' && path.compare(path.size() - 5, 5, "/Data") == 0 &&
			            std::count(path.begin(), path.end(), '/') == 1;
			if ((item || data) && !Trim(text).empty())
				codes.children.emplace_back("", Node::MakeString(Trim(text)));
		}
		if (codes.children.empty() && !doctor->json.empty())
			throw BadValue("doctor", table, "doctor must be a JSON array of doctor codes.",
			               "Use e.g. '[\"10001\"]' or '[{\"Data\": \"10001\"}]'.");
		if (codes.children.size() > 3)
			throw BadValue("doctor", table, "ORCA takes at most three doctors in charge.", "Give one to three codes.");
		if (!codes.children.empty())
			SetPath(reg.record, "Doctor_Code", std::move(codes));
	}
	if (const std::string *combination = row.Text("insurance_combination_number"))
		SetString(reg.record, "HealthInsurance_Information/Insurance_Combination_Number", Trim(*combination));
	if (const std::string *charge = row.Text("hospital_charge_code"))
		SetString(reg.record, "Hospital_Charge", Trim(*charge));
	CheckRequestText(reg, row, AdmissionElementColumn);
	return reg;
}

/*
 * A transfer (転科転棟転室, Request_Number 08) changes ward_number,
 * room_number and department_code from Update_Date onward.  The request
 * carries all three (the new values, and the stay's own for those the UPDATE
 * leaves): the department is required since 2016-01-26, and whether ORCA
 * takes a transfer without ward or room is UNCONFIRMED (notes §4.2), so
 * sending them is what is safe.  Doctors, room charge, insurance and the
 * inpatient charge are not sent: ORCA's defaults for an 08 without them
 * (keep, or the new ward's settings) are UNCONFIRMED; the simulator keeps
 * them.
 */
bool
BuildAdmissionUpdate(const ResourceDef &r, const RowImage &new_image, const RowImage &old_image,
                     const std::string &table, const std::string &today, const std::string &transfer_date,
                     Registration *out)
{
	Row now(r, new_image, table), before(r, old_image, table);
	const std::string why = "ORCA identifies the stay by patient_id and admission_date.";
	const std::string &id = before.Required("patient_id", why);
	const std::string &admission = before.Required("admission_date", why);
	if (!before.Present("discharge_date"))
		before.Required("discharge_date", "A discharge changes discharge_date.");
	const std::string *old_discharge = before.Text("discharge_date");
	const std::string *new_discharge = now.Text("discharge_date");
	const std::string *reason = now.Text("discharge_reason_code");
	const std::string *old_reason = before.Text("discharge_reason_code");
	bool reason_changed = (reason == nullptr) != (old_reason == nullptr) || (reason && *reason != *old_reason);
	bool discharge_changed = (old_discharge == nullptr) != (new_discharge == nullptr) ||
	                         (old_discharge && *old_discharge != *new_discharge);

	/* the transfer columns: which ones the UPDATE changes */
	const char *const place[] = {"ward_number", "room_number", "department_code"};
	std::string moved;       /* the first changed column, for messages */
	for (const char *c : place) {
		if (!now.Present(c))
			continue;
		const std::string *a = before.Text(c), *b = now.Text(c);
		if ((a == nullptr) != (b == nullptr) || (a && Trim(*a) != Trim(*b))) {
			if (moved.empty())
				moved = c;
		}
	}

	Registration reg;
	reg.patient_id = id;
	reg.admission_date = admission;
	if (!moved.empty()) {
		const std::string call = RegCallName(RegKind::Transfer);
		if (discharge_changed || reason_changed)
			throw Error(ErrorKind::Unsupported,
			            "cannot change " + moved + " and " + (discharge_changed ? "discharge_date" : "discharge_reason_code") +
			                " of foreign table " + Quote(table) + " in one UPDATE",
			            "A transfer (" + call + ") and a discharge (" + RegNumber(RegKind::Discharge) +
			                ") are separate ORCA registrations.",
			            "Run one UPDATE for the transfer, then another for the discharge.");
		if (old_discharge)
			throw Error(ErrorKind::InvalidValue,
			            "cannot change " + moved + " of a discharged stay in foreign table " + Quote(table),
			            "ORCA transfers (" + call + ") only a current stay; patient " + id + "'s stay of " + admission +
			                " was discharged on " + *old_discharge + ".",
			            "Cancel the discharge first (UPDATE ... SET discharge_date = NULL), or change the stay in "
			            "ORCA.");
		reg.kind = RegKind::Transfer;
		std::string fields[3];
		for (int i = 0; i < 3; i++) {
			if (!now.Present(place[i]) && !before.Present(place[i]))
				now.Required(place[i], "A transfer (" + call + ") sends the stay's ward_number, room_number and "
				                       "department_code.");
			const std::string *v = now.Present(place[i]) ? now.Text(place[i]) : before.Text(place[i]);
			if (!v || Trim(*v).empty())
				throw Error(ErrorKind::InvalidValue,
				            "column \"" + std::string(place[i]) + "\" of foreign table " + Quote(table) +
				                " cannot be NULL in a transfer",
				            "A transfer (" + call + ") sends the stay's ward_number, room_number and "
				            "department_code; the UPDATE or the stay must give each.",
				            "Set " + std::string(place[i]) + " to a value from the " +
				                (i == 0 ? "wards" : i == 1 ? "rooms" : "departments") + " table.");
			fields[i] = Trim(*v);
			RefuseUnsendable(fields[i], place[i], table);
		}
		/* the transfer date: orca_fdw.transfer_date, else today */
		const std::string &date = transfer_date.empty() ? today : transfer_date;
		long day, admitted, now_day;
		if (!ParseDate(date, &day))
			throw Error(ErrorKind::InvalidValue, "orca_fdw.transfer_date is not a calendar date",
			            "A transfer needs its date (Update_Date) as YYYY-MM-DD.",
			            "SET LOCAL orca_fdw.transfer_date = '2026-11-20', or RESET it for today.");
		if (ParseDate(admission, &admitted) && day < admitted)
			throw Error(ErrorKind::InvalidValue,
			            "transfer date " + date + " is before admission_date " + admission + " of patient " + id,
			            "ORCA dates a transfer within the stay (Api_Result 0097: 入院日＞異動日).",
			            "SET LOCAL orca_fdw.transfer_date to a day of the stay, or RESET it for today.");
		/* A transfer dated after today would make the stay's ward differ
		 * between hsptinfv2 (latest state) and hsfindv3 (as of today), so
		 * a column would depend on the plan; whether ORCA takes future
		 * transfers at all is UNCONFIRMED.  Refused. */
		if (ParseDate(today, &now_day) && day > now_day)
			throw Error(ErrorKind::InvalidValue, "transfer date " + date + " is in the future",
			            "orca_fdw registers transfers dated today (PostgreSQL's current_date) or earlier.",
			            "Register the transfer on its day, or SET LOCAL orca_fdw.transfer_date to a past day.");
		reg.other_date = date;
		SetString(reg.record, "Request_Number", RegNumber(reg.kind));
		SetString(reg.record, "Patient_ID", id);
		SetString(reg.record, "Admission_Date", admission);
		SetString(reg.record, "Update_Date", date);
		SetString(reg.record, "Ward_Number", fields[0]);
		SetString(reg.record, "Room_Number", fields[1]);
		SetString(reg.record, "Department_Code", fields[2]);
	} else if (!old_discharge && new_discharge) {
		reg.kind = RegKind::Discharge;
		reg.other_date = *new_discharge;
		SetString(reg.record, "Request_Number", RegNumber(reg.kind));
		SetString(reg.record, "Patient_ID", id);
		SetString(reg.record, "Admission_Date", admission);
		SetString(reg.record, "Discharge_Date", *new_discharge);
		if (reason)
			SetString(reg.record, "Discharge_Reason", Trim(*reason));
	} else if (old_discharge && !new_discharge) {
		reg.kind = RegKind::CancelDischarge;
		SetString(reg.record, "Request_Number", RegNumber(reg.kind));
		SetString(reg.record, "Patient_ID", id);
		SetString(reg.record, "Admission_Date", admission);
	} else if (old_discharge && new_discharge && *old_discharge != *new_discharge) {
		throw Error(ErrorKind::Unsupported, "cannot change the discharge_date of a discharged stay",
		            "ORCA changes a discharge only by cancelling it (" + RegCallName(RegKind::CancelDischarge) +
		                ") and registering it again (" + RegNumber(RegKind::Discharge) + ").",
		            "Run UPDATE ... SET discharge_date = NULL (discharge cancel), then UPDATE ... SET discharge_date "
		            "= the new date.");
	} else if (reason_changed) {
		throw Error(ErrorKind::Unsupported, "cannot change discharge_reason_code without a discharge",
		            "ORCA takes the discharge reason only with the discharge (" + RegCallName(RegKind::Discharge) +
		                ").",
		            "Set discharge_reason_code in the UPDATE that sets discharge_date.");
	} else
		return false;
	reg.record_name = RecordName(reg.kind);
	CheckRequestText(reg, now, AdmissionElementColumn);
	*out = std::move(reg);
	return true;
}

} // namespace orca_fdw::core
