/*
 * catalog.cpp — declarations of the ORCA resources (see catalog.hpp).
 *
 * Paths follow shared/orca-api/ (the notes).  Where two APIs carry an element with the
 * same name but a different meaning (patientgetv2's HealthInsurance_Information
 * lists insurance *combinations*, patientlst2v2's lists the individual
 * insurances), the columns are kept apart so a column never changes meaning
 * with the plan.  The same holds for admissions: hsptinfv2's and hsfindv3's
 * HealthInsurance_Information are two columns.  Every other admissions column
 * that both carry must read the same for the same stay (checked by the
 * inpatient_trust regression test against both plans and the simulator's
 * truth).  Ward, room and department: hsptinfv2 gives a stay's latest state;
 * hsfindv3 edits its rows as of Base_Date (today, never sent), the same state
 * unless a transfer is dated after today — UNCONFIRMED, as is whether hsfindv3
 * lists the history-only stays (自院歴/他院歴) hsptinfv2 shows.
 */
#include "core/catalog.hpp"

#include <cctype>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

constexpr Source kGet = Source::PatientGet;
constexpr Source kL1 = Source::PatientList1;
constexpr Source kL2 = Source::PatientList2;

ColumnDef
Col(std::string name, ColumnType type, std::vector<SourcePath_> paths, std::string comment)
{
	return ColumnDef{std::move(name), type, std::move(paths), std::move(comment)};
}

/* The same element path in several sources. */
std::vector<SourcePath_>
In(std::initializer_list<Source> sources, const std::string &path)
{
	std::vector<SourcePath_> out;
	for (Source s : sources)
		out.push_back(SourcePath_{s, path});
	return out;
}

ResourceDef
Patients()
{
	ResourceDef r;
	r.name = "patients";
	r.comment = "ORCA patients";
	const auto all = {kGet, kL1, kL2};
	const auto detail = {kGet, kL2};
	r.columns = {
		Col("patient_id", ColumnType::Text, In(all, "Patient_ID"), "patient number, zero-padded as ORCA returns it"),
		Col("whole_name", ColumnType::Text, In(all, "WholeName"), "name (kanji), family and given name separated by U+3000"),
		Col("whole_name_in_kana", ColumnType::Text, In(all, "WholeName_inKana"), "name (full-width katakana)"),
		Col("birth_date", ColumnType::Date, In(all, "BirthDate"), "date of birth"),
		Col("sex", ColumnType::Text, In(all, "Sex"), "1 male, 2 female"),
		Col("create_date", ColumnType::Date, In({kL1}, "CreateDate"), "registration date (NULL for migrated patients)"),
		Col("update_date", ColumnType::Date, In({kL1}, "UpdateDate"), "last update date"),
		Col("update_time", ColumnType::Time, In({kL1}, "UpdateTime"), "last update time"),
		Col("test_patient_flag", ColumnType::Text, In({kGet, kL1}, "TestPatient_Flag"), "0 real patient, 1 test patient"),
		Col("address_zip_code", ColumnType::Text, In(detail, "Home_Address_Information/Address_ZipCode"), "home postal code (7 digits)"),
		Col("whole_address1", ColumnType::Text, In(detail, "Home_Address_Information/WholeAddress1"), "home address"),
		Col("whole_address2", ColumnType::Text, In(detail, "Home_Address_Information/WholeAddress2"), "home address (house number, building)"),
		Col("phone_number1", ColumnType::Text, In(detail, "Home_Address_Information/PhoneNumber1"), "home phone"),
		Col("phone_number2", ColumnType::Text, In(detail, "Home_Address_Information/PhoneNumber2"), "contact phone"),
		Col("outpatient_class", ColumnType::Text, In({kL2}, "Outpatient_Class"), "1 inpatient, 2 not admitted"),
		Col("health_insurance_information", ColumnType::Jsonb, In({kL2}, "HealthInsurance_Information"), "the patient's individual health insurances, jsonb array"),
		Col("public_insurance_information", ColumnType::Jsonb, In({kL2}, "PublicInsurance_Information"), "the patient's public expense entries, jsonb array"),
		Col("house_holder_whole_name", ColumnType::Text, In({kGet}, "HouseHolder_WholeName"), "head of household"),
		Col("relationship", ColumnType::Text, In({kGet}, "Relationship"), "relation to the head of household"),
		Col("occupation", ColumnType::Text, In({kGet}, "Occupation"), "occupation"),
		Col("nick_name", ColumnType::Text, In({kGet}, "NickName"), "common name"),
		Col("cellular_number", ColumnType::Text, In({kGet}, "CellularNumber"), "mobile phone"),
		Col("fax_number", ColumnType::Text, In({kGet}, "FaxNumber"), "fax"),
		Col("email_address", ColumnType::Text, In({kGet}, "EmailAddress"), "e-mail"),
		Col("contraindication1", ColumnType::Text, In({kGet}, "Contraindication1"), "contraindication note 1"),
		Col("contraindication2", ColumnType::Text, In({kGet}, "Contraindication2"), "contraindication note 2"),
		Col("allergy1", ColumnType::Text, In({kGet}, "Allergy1"), "allergy note 1"),
		Col("allergy2", ColumnType::Text, In({kGet}, "Allergy2"), "allergy note 2"),
		Col("infection1", ColumnType::Text, In({kGet}, "Infection1"), "infection note 1"),
		Col("infection2", ColumnType::Text, In({kGet}, "Infection2"), "infection note 2"),
		Col("comment1", ColumnType::Text, In({kGet}, "Comment1"), "comment 1"),
		Col("comment2", ColumnType::Text, In({kGet}, "Comment2"), "comment 2"),
		Col("death_flag", ColumnType::Text, In({kGet}, "Death_Flag"), "1 deceased"),
		Col("first_visit_date", ColumnType::Date, In({kGet}, "FirstVisit_Date"), "first visit"),
		Col("last_visit_date", ColumnType::Date, In({kGet}, "LastVisit_Date"), "last visit"),
		Col("insurance_combinations", ColumnType::Jsonb, In({kGet}, "HealthInsurance_Information"), "insurance combinations (HealthInsurance_Information of the patient's record), jsonb array"),
		Col("workplace_information", ColumnType::Jsonb, In({kGet}, "WorkPlace_Information"), "workplace, jsonb object"),
		Col("contact_information", ColumnType::Jsonb, In({kGet}, "Contact_Information"), "emergency contact, jsonb object"),
		Col("care_information", ColumnType::Jsonb, In({kGet}, "Care_Information"), "long-term care insurance and certifications, jsonb object"),
	};
	return r;
}

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
	return r;
}

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
	return r;
}

ResourceDef
Wards()
{
	ResourceDef r;
	r.name = "wards";
	r.comment = "wards";
	auto w = [](const std::string &path) { return In({Source::WardConfig}, path); };
	r.columns = {
		Col("ward_number", ColumnType::Text, w("Ward_Number/Data"), "ward number"),
		Col("ward_name", ColumnType::Text, w("Ward_Name/Data"), "ward name"),
		Col("ward_short_name", ColumnType::Text, w("Ward_Short_Name/Data"), "short name"),
		Col("ward_type", ColumnType::Text, w("Ward_Type/Data"), "01 general, 02 psychiatric, ... (病棟種別)"),
		Col("ward_type_name", ColumnType::Text, w("Ward_Type/Name"), "ward type"),
		Col("hospital_charge_code", ColumnType::Text, w("Hospital_Charge/Data"), "basic charge code"),
		Col("hospital_charge_name", ColumnType::Text, w("Hospital_Charge/Name"), "basic charge"),
		Col("start_date", ColumnType::Date, w("Start_Date"), "setting valid from"),
		Col("end_date", ColumnType::Date, w("End_Date"), "setting valid to; NULL when open"),
		Col("room_number", ColumnType::Jsonb, w("Room_Number"), "the ward's rooms: array of {Label, Data}"),
	};
	return r;
}

ResourceDef
Rooms()
{
	ResourceDef r;
	r.name = "rooms";
	r.comment = "rooms of every ward";
	auto w = [](const std::string &path) { return In({Source::RoomConfig}, path); };
	r.columns = {
		Col("ward_number", ColumnType::Text, w("Ward_Number/Data"), "ward number"),
		Col("ward_name", ColumnType::Text, w("Ward_Name/Data"), "ward name"),
		Col("room_number", ColumnType::Text, w("Room_Number/Data"), "room number"),
		Col("room_type", ColumnType::Text, w("Room_Type/Data"), "01 general, 02 ICU, ... (病室種別)"),
		Col("room_type_name", ColumnType::Text, w("Room_Type/Name"), "room type"),
		Col("bed_numbers", ColumnType::Integer, w("Bed_Numbers/Data"), "beds"),
		Col("room_charge", ColumnType::Integer, w("Room_Charge/Data"), "room charge difference in yen"),
		Col("sex", ColumnType::Text, w("Sex/Data"), "1 men, 2 women, 3 mixed"),
		Col("extension_number", ColumnType::Text, w("Extension_Number/Data"), "phone extension"),
		Col("start_date", ColumnType::Date, w("Start_Date"), "setting valid from"),
		Col("end_date", ColumnType::Date, w("End_Date"), "setting valid to; NULL when open"),
	};
	return r;
}

ResourceDef
Departments()
{
	ResourceDef r;
	r.name = "departments";
	r.comment = "departments";
	auto d = [](const std::string &path) { return In({Source::DepartmentList}, path); };
	r.columns = {
		Col("department_code", ColumnType::Text, d("Code"), "department code"),
		Col("whole_name", ColumnType::Text, d("WholeName"), "name"),
		Col("name1", ColumnType::Text, d("Name1"), "short name 1"),
		Col("name2", ColumnType::Text, d("Name2"), "short name 2"),
		Col("name3", ColumnType::Text, d("Name3"), "short name 3"),
		Col("receipt_code", ColumnType::Text, d("Receipt_Code"), "department code on receipts"),
	};
	return r;
}

ResourceDef
Doctors()
{
	ResourceDef r;
	r.name = "doctors";
	r.comment = "doctors";
	auto d = [](const std::string &path) { return In({Source::DoctorList}, path); };
	r.columns = {
		Col("doctor_code", ColumnType::Text, d("Code"), "doctor code (5 digits)"),
		Col("whole_name", ColumnType::Text, d("WholeName"), "name"),
		Col("whole_name_in_kana", ColumnType::Text, d("WholeName_inKana"), "name in kana"),
		Col("physician_permission_id", ColumnType::Text, d("Physician_Permission_Id"), "licence number"),
		Col("department_code1", ColumnType::Text, d("Department_Code1"), "first department"),
		Col("department_code2", ColumnType::Text, d("Department_Code2"), "second department"),
		Col("department_code3", ColumnType::Text, d("Department_Code3"), "third department"),
	};
	return r;
}

std::vector<ResourceDef>
BuildResources()
{
	std::vector<ResourceDef> v;
	v.push_back(Patients());
	v.push_back(Admissions());
	v.push_back(Meals());
	v.push_back(Wards());
	v.push_back(Rooms());
	v.push_back(Departments());
	v.push_back(Doctors());
	return v;
}

} // namespace

const std::string *
ColumnDef::PathIn(Source s) const
{
	for (const auto &p : paths)
		if (p.source == s)
			return &p.path;
	return nullptr;
}

unsigned
ColumnDef::Sources() const
{
	unsigned bits = 0;
	for (const auto &p : paths)
		bits |= SourceBit(p.source);
	return bits;
}

int
ResourceDef::FindColumn(std::string_view column_name) const
{
	for (size_t i = 0; i < columns.size(); i++)
		if (columns[i].name == column_name)
			return static_cast<int>(i);
	return -1;
}

int
ResourceDef::FindField(std::string_view field) const
{
	for (size_t i = 0; i < columns.size(); i++)
		for (const auto &p : columns[i].paths) {
			std::string_view path = p.path;
			size_t slash = path.rfind('/');
			std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
			if (path == field || last == field)
				return static_cast<int>(i);
		}
	return -1;
}

const std::vector<ResourceDef> &
Resources()
{
	static const std::vector<ResourceDef> resources = BuildResources();
	return resources;
}

const ResourceDef *
FindResource(std::string_view name)
{
	for (const auto &r : Resources())
		if (r.name == name)
			return &r;
	return nullptr;
}

std::string
ResourceNames()
{
	std::string out;
	for (const auto &r : Resources()) {
		if (!out.empty())
			out += ", ";
		out += r.name;
	}
	return out;
}

std::string
SnakeCase(std::string_view element)
{
	std::string out;
	for (size_t i = 0; i < element.size(); i++) {
		unsigned char c = static_cast<unsigned char>(element[i]);
		if (std::isupper(c)) {
			unsigned char prev = i > 0 ? static_cast<unsigned char>(element[i - 1]) : 0;
			if (i > 0 && (std::islower(prev) || std::isdigit(prev)) && !out.empty() && out.back() != '_')
				out += '_';
			out += static_cast<char>(std::tolower(c));
		} else if (c == '_') {
			if (!out.empty() && out.back() != '_')
				out += '_';
		} else
			out += static_cast<char>(c);
	}
	return out;
}

} // namespace orca_fdw::core
