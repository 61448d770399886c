/*
 * admissions.cpp — the admissions resource: one row per hospital stay (入院).
 *
 * Paths follow shared/orca-api/ (the notes).  hsptinfv2's and hsfindv3's
 * HealthInsurance_Information differ in content: two columns.  Every other
 * column that both carry must read the same for the same stay (checked by
 * the inpatient_trust regression test against both plans and the
 * simulator's truth).  Ward, room and department: hsptinfv2 gives a stay's
 * latest state; hsfindv3 edits its rows as of Base_Date (today, never sent),
 * the same state unless a transfer is dated after today — UNCONFIRMED, as is
 * whether hsfindv3 lists the history-only stays (自院歴/他院歴) hsptinfv2
 * shows.
 */
#include "core/resources/resource.hpp"

#include "core/scan_internal.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core::resources {

namespace {

constexpr Source kFind = Source::InpatientFind;
constexpr Source kInfo = Source::InpatientInfo;

/* hsfindv3 carries plain strings, hsptinfv2 Label/Data/Name triples. */
std::vector<SourcePath_>
Stay(const std::string &find_path, const std::string &info_path)
{
	std::vector<SourcePath_> out;
	if (!find_path.empty())
		out.push_back(SourcePath_{kFind, find_path});
	if (!info_path.empty())
		out.push_back(SourcePath_{kInfo, info_path});
	return out;
}

} // namespace

ResourceDef
Admissions()
{
	ResourceDef r;
	r.name = "admissions";
	r.comment = "ORCA hospital stays, one row per stay";
	r.columns = {
		Col("patient_id", ColumnType::Text, Stay("Patient_ID", "Patient_ID"), "patient number"),
		Col("admission_date", ColumnType::Date, Stay("Admission_Date", "Admission_Date"), "admission date (入院日)"),
		Col("discharge_date", ColumnType::Date, Stay("Discharge_Date", "Discharge_Date"), "discharge date; NULL while admitted"),
		Col("ward_number", ColumnType::Text, Stay("Ward_Number", "Ward_Number/Data"), "ward (latest state of the stay)"),
		Col("ward_name", ColumnType::Text, Stay("Ward_Name", "Ward_Name/Data"), "ward name"),
		Col("room_number", ColumnType::Text, Stay("Room_Number", "Room_Number/Data"), "room"),
		Col("department_code", ColumnType::Text, Stay("Department_Code", "Department_Code/Data"), "department (診療科) code"),
		Col("department_name", ColumnType::Text, Stay("Department_Name", "Department_Code/Name"), "department name"),
		Col("discharge_reason_code", ColumnType::Text, Stay("Discharge_Reason_Code", "Discharge_Type/Data"), "discharge reason (退院事由) code"),
		Col("discharge_reason_name", ColumnType::Text, Stay("Discharge_Reason_Name", "Discharge_Type/Name"), "discharge reason"),
		Col("whole_name", ColumnType::Text, Stay("WholeName", "Patient_Information/WholeName"), "patient name (kanji)"),
		Col("whole_name_in_kana", ColumnType::Text, Stay("WholeName_inKana", "Patient_Information/WholeName_inKana"), "patient name (kana)"),
		Col("sex", ColumnType::Text, Stay("Sex", "Patient_Information/Sex"), "1 male, 2 female"),
		Col("birth_date", ColumnType::Date, Stay("Birth_Date", "Patient_Information/BirthDate"), "date of birth"),
		Col("insurance_combination_number", ColumnType::Text,
		    Stay("HealthInsurance_Information/Insurance_Combination_Number", "HealthInsurance_Information/Insurance_Combination_Number"),
		    "insurance combination of the stay"),
		/* Both APIs call the stay's insurance HealthInsurance_Information, with
		 * different contents (hsptinfv2: card symbol and number; hsfindv3:
		 * insured person, certificate dates, public-expense certificates):
		 * one column each, so a value never depends on the plan. */
		Col("health_insurance_information", ColumnType::Jsonb, Stay("", "HealthInsurance_Information"),
		    "the stay's insurance combination with card symbol and number, jsonb"),
		Col("health_insurance_certificates", ColumnType::Jsonb, Stay("HealthInsurance_Information", ""),
		    "the stay's insurance combination with insured person and certificate dates, jsonb"),
		Col("history_number", ColumnType::Text, Stay("", "History_Number"), "admission history number"),
		Col("creation_type", ColumnType::Text, Stay("", "Creation_Type/Data"), "0 normal, 1 own-hospital history, 2/3 other hospital"),
		Col("first_admission_date", ColumnType::Date, Stay("", "First_Admission_Date"), "first admission of a continued stay"),
		Col("doctor", ColumnType::Jsonb, Stay("", "Doctor"), "doctors in charge: array of {Label, Data, Name}"),
		Col("room_charge", ColumnType::Integer, Stay("", "Room_Charge/Data"), "room charge difference in yen"),
		Col("hospital_charge_code", ColumnType::Text, Stay("", "Hospital_Charge/Data"), "inpatient basic charge code"),
		Col("hospital_charge_name", ColumnType::Text, Stay("", "Hospital_Charge/Name"), "inpatient basic charge"),
		Col("meal_type", ColumnType::Text, Stay("", "Meal_Type/Data"), "meal setting of the stay"),
		Col("admission_meal_start", ColumnType::Text, Stay("", "Admission_Meal_Start/Data"), "0 none, 1 from breakfast, 2 lunch, 3 dinner"),
	};
	r.read.keys = {
	    {0, "patient_id", {QualOp::Eq, QualOp::In}, kInfo, "Patient_ID", "", false, true},
	};
	r.read.plan = scan_detail::PlanAdmissions;
	r.read.execute = scan_detail::MakeInpatientExecutor;
	r.read.calls = ApiBit(kFind) | ApiBit(kInfo);
	return r;
}

} // namespace orca_fdw::core::resources
