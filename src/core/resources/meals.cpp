/*
 * meals.cpp — the meals resource: one row per inpatient per day (食事), from
 * hsmealv2's monthly calendars.
 */
#include "core/resources/resource.hpp"

#include "core/scan_internal.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core::resources {

ResourceDef
Meals()
{
	ResourceDef r;
	r.name = "meals";
	r.comment = "ORCA inpatient meal calendar, one row per patient per day";
	auto m = [](const std::string &path) { return In({Source::InpatientMeal}, path); };
	r.columns = {
		Col("patient_id", ColumnType::Text, m("Patient_ID"), "patient number"),
		Col("perform_date", ColumnType::Date, m("Perform_Date"), "the day (診療日)"),
		Col("morning_meal", ColumnType::Text, m("Morning_Meal/Data"), "breakfast: 00 none, 01 meal, 02 special, 03 liquid"),
		Col("lunch_meal", ColumnType::Text, m("Lunch_Meal/Data"), "lunch code"),
		Col("evening_meal", ColumnType::Text, m("Evening_Meal/Data"), "dinner code"),
		Col("morning_meal_name", ColumnType::Text, m("Morning_Meal/Name"), "breakfast"),
		Col("lunch_meal_name", ColumnType::Text, m("Lunch_Meal/Name"), "lunch"),
		Col("evening_meal_name", ColumnType::Text, m("Evening_Meal/Name"), "dinner"),
		Col("ward_number", ColumnType::Text, m("Ward_Number/Data"), "ward that day"),
		Col("ward_name", ColumnType::Text, m("Ward_Name/Data"), "ward name"),
		Col("room_number", ColumnType::Text, m("Room_Number/Data"), "room that day"),
		Col("department_code", ColumnType::Text, m("Department_Code/Data"), "department that day"),
		Col("department_name", ColumnType::Text, m("Department_Code/Name"), "department name"),
		Col("patient_status", ColumnType::Text, m("Patient_Status/Data"), "00 on the ward, 01 overnight leave, ... (外泊等区分)"),
		Col("patient_status_name", ColumnType::Text, m("Patient_Status/Name"), "status"),
		Col("room_charge", ColumnType::Integer, m("Room_Charge/Data"), "room charge difference in yen"),
		Col("insurance_combination_number", ColumnType::Text, m("Insurance_Combination_Number"), "insurance combination that day"),
	};
	r.read.keys = {
	    {0, "patient_id", {QualOp::Eq, QualOp::In}, Api::InpatientMeal, "Patient_ID", "", false, true},
	};
	r.read.plan = scan_detail::PlanMeals;
	r.read.execute = scan_detail::MakeInpatientExecutor;
	r.read.calls = ApiBit(Api::InpatientFind) | ApiBit(Api::InpatientInfo) | ApiBit(Api::InpatientMeal);
	return r;
}

} // namespace orca_fdw::core::resources
