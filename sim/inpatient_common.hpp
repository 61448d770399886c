// inpatient_common.hpp — response fragments shared by the inpatient read APIs
// (hsptinfv2, hsmealv2) and the registrations that echo the same layouts
// (hsptinfmodv2, hsacctmodv2).
#pragma once

#include <string>

#include "data.hpp"
#include "node.hpp"

namespace orca_sim {

// Label/Data/Name of the meal codes used in calendars ("00".."03").
std::string MealName(const std::string& code);
std::string PatientStatusName(const std::string& code);

// HealthInsurance_Information of an admission: the combination's insurance
// and its public expenses (hsptinfv2 §3.2 layout).
void AddStayInsurance(Node& parent, const Patient& patient, int combination_number);

// Ward, room, department, doctors, insurance and charges of a stay, the part
// of Hospital_Stay_Infomation that hsptinfv2 and hsptinfmodv2 share.
void AddStayPlacement(Node& record, const DataStore& store, const Patient& patient, const Stay& stay);

// The Hospital_Stay_Infomation fields of one stay (hsptinfv2 layout).
void AddStayDetails(Node& record, const DataStore& store, const Patient& patient, const Stay& stay);

// Admission_Discharge_Date, Perform_Month, Monthly_Information and
// Insurance_Information of one month. Returns false when no stay of the
// patient has an inpatient account for that month. `with_charges` adds the
// 5.0 per-day Hospital_Charge_Information (hsmealv2 only).
bool AddMonthCalendar(Node& response, const DataStore& store, const Patient& patient, int month_index,
                      bool with_charges);

// True when some stay of the patient has an account for the month.
bool HasAccountFor(const DataStore& store, const Patient& patient, int month_index);

} // namespace orca_sim
