// truth.cpp — see truth.hpp. Rendering rules (also in sim/STATUS.md):
//   text     the element's value; absent, empty or blank (ASCII spaces and
//            U+3000 only) → null; trailing U+3000 removed. With
//            trim_values=false (the table option of that name): absent or
//            empty → null, otherwise the value exactly as the API answers it
//   date     YYYY-MM-DD; absent, blank or ORCA's open end 9999-12-31 → null
//   time     HH:MM:SS; absent or blank → null
//   integer  a JSON number (ORCA pads numbers with spaces); absent or blank → null
//   jsonb    the element as the JSON API answers it: records → objects,
//            arrays → arrays, values → strings, ORCA's element names, empty
//            elements omitted; absent or empty → null
#include "truth.hpp"

#include <algorithm>
#include <climits>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "api.hpp"
#include "response_writer.hpp"
#include "util.hpp"

namespace orca_sim {

namespace {

enum class Type { kText, kDate, kTime, kInteger, kJsonb };

const char*
TypeName(Type type)
{
	switch (type) {
	case Type::kText:
		return "text";
	case Type::kDate:
		return "date";
	case Type::kTime:
		return "time";
	case Type::kInteger:
		return "integer";
	case Type::kJsonb:
		return "jsonb";
	}
	return "text";
}

// Where a column's value is in one API's record.
struct Source {
	const char* api;
	std::string path;
};

// The first source a row has gives the value; the other sources of that
// row are compared with it.
struct Column {
	const char* name;
	Type type;
	std::vector<Source> sources;
};

// One API's record for a row: a base record, plus named nodes that paths
// starting with that name resolve in (hsptinfv2's Patient_Information next
// to a stay, the Patient_ID of a hsmealv2 answer next to a day).
struct Part {
	const Node* base = nullptr;
	std::vector<std::pair<std::string, const Node*>> mounts;
};

struct Row {
	std::map<std::string, Part> parts; // by API name
	std::string only_in;               // set when the other API of the table lacks the row
};

struct Table {
	const char* name;
	std::vector<Column> columns;
	std::vector<const char*> key; // columns that name a row in "inconsistencies"
};

constexpr char kGet[] = "patientgetv2";
constexpr char kList1[] = "patientlst1v2";
constexpr char kList2[] = "patientlst2v2";
constexpr char kInfo[] = "hsptinfv2";
constexpr char kFind[] = "hsfindv3";
constexpr char kMeal[] = "hsmealv2";
constexpr char kWard[] = "hsconfwardv2";
constexpr char kSystem[] = "system01lstv2";
constexpr char kAccept[] = "acceptlstv2";
constexpr char kDisease[] = "diseasegetv2";

// The columns of the README's tables.
const std::vector<Table>&
Tables()
{
	auto one = [](const char* name, Type type, const char* api, const char* path) {
		return Column{name, type, {{api, path}}};
	};
	auto basic = [](const char* name, Type type, const char* path) {
		return Column{name, type, {{kGet, path}, {kList1, path}, {kList2, path}}};
	};
	auto detail = [](const char* name, const char* path) {
		const std::string full = std::string("Home_Address_Information/") + path;
		return Column{name, Type::kText, {{kGet, full}, {kList2, full}}};
	};
	auto get = [&](const char* name, Type type, const char* path) { return one(name, type, kGet, path); };
	auto stay = [](const char* name, Type type, const char* info_path, const char* find_path) {
		return Column{name, type, {{kInfo, info_path}, {kFind, find_path}}};
	};
	auto info = [&](const char* name, Type type, const char* path) { return one(name, type, kInfo, path); };
	auto find = [&](const char* name, Type type, const char* path) { return one(name, type, kFind, path); };
	auto meal = [&](const char* name, Type type, const char* path) { return one(name, type, kMeal, path); };
	auto ward = [&](const char* name, Type type, const char* path) { return one(name, type, kWard, path); };
	auto system = [&](const char* name, const char* path) { return one(name, Type::kText, kSystem, path); };
	auto accept = [&](const char* name, Type type, const char* path) { return one(name, type, kAccept, path); };
	auto disease = [&](const char* name, Type type, const char* path) { return one(name, type, kDisease, path); };
	const Type T = Type::kText, D = Type::kDate, I = Type::kInteger, J = Type::kJsonb;

	static const std::vector<Table> tables = {
	    {"patients",
	     {
	         basic("patient_id", T, "Patient_ID"),
	         basic("whole_name", T, "WholeName"),
	         basic("whole_name_in_kana", T, "WholeName_inKana"),
	         basic("birth_date", D, "BirthDate"),
	         basic("sex", T, "Sex"),
	         one("create_date", D, kList1, "CreateDate"),
	         one("update_date", D, kList1, "UpdateDate"),
	         one("update_time", Type::kTime, kList1, "UpdateTime"),
	         Column{"test_patient_flag", T, {{kGet, "TestPatient_Flag"}, {kList1, "TestPatient_Flag"}}},
	         detail("address_zip_code", "Address_ZipCode"),
	         detail("whole_address1", "WholeAddress1"),
	         detail("whole_address2", "WholeAddress2"),
	         detail("phone_number1", "PhoneNumber1"),
	         detail("phone_number2", "PhoneNumber2"),
	         one("outpatient_class", T, kList2, "Outpatient_Class"),
	         one("health_insurance_information", J, kList2, "HealthInsurance_Information"),
	         one("public_insurance_information", J, kList2, "PublicInsurance_Information"),
	         get("house_holder_whole_name", T, "HouseHolder_WholeName"),
	         get("relationship", T, "Relationship"),
	         get("occupation", T, "Occupation"),
	         get("nick_name", T, "NickName"),
	         get("cellular_number", T, "CellularNumber"),
	         get("fax_number", T, "FaxNumber"),
	         get("email_address", T, "EmailAddress"),
	         get("contraindication1", T, "Contraindication1"),
	         get("contraindication2", T, "Contraindication2"),
	         get("allergy1", T, "Allergy1"),
	         get("allergy2", T, "Allergy2"),
	         get("infection1", T, "Infection1"),
	         get("infection2", T, "Infection2"),
	         get("comment1", T, "Comment1"),
	         get("comment2", T, "Comment2"),
	         get("death_flag", T, "Death_Flag"),
	         get("first_visit_date", D, "FirstVisit_Date"),
	         get("last_visit_date", D, "LastVisit_Date"),
	         get("insurance_combinations", J, "HealthInsurance_Information"),
	         get("workplace_information", J, "WorkPlace_Information"),
	         get("contact_information", J, "Contact_Information"),
	         get("care_information", J, "Care_Information"),
	     },
	     {"patient_id"}},
	    {"admissions",
	     {
	         stay("patient_id", T, "Patient_ID", "Patient_ID"),
	         stay("admission_date", D, "Admission_Date", "Admission_Date"),
	         stay("discharge_date", D, "Discharge_Date", "Discharge_Date"),
	         stay("ward_number", T, "Ward_Number/Data", "Ward_Number"),
	         stay("ward_name", T, "Ward_Name/Data", "Ward_Name"),
	         stay("room_number", T, "Room_Number/Data", "Room_Number"),
	         stay("department_code", T, "Department_Code/Data", "Department_Code"),
	         stay("department_name", T, "Department_Code/Name", "Department_Name"),
	         stay("discharge_reason_code", T, "Discharge_Type/Data", "Discharge_Reason_Code"),
	         stay("discharge_reason_name", T, "Discharge_Type/Name", "Discharge_Reason_Name"),
	         stay("whole_name", T, "Patient_Information/WholeName", "WholeName"),
	         stay("whole_name_in_kana", T, "Patient_Information/WholeName_inKana", "WholeName_inKana"),
	         stay("sex", T, "Patient_Information/Sex", "Sex"),
	         stay("birth_date", D, "Patient_Information/BirthDate", "Birth_Date"),
	         stay("insurance_combination_number", T, "HealthInsurance_Information/Insurance_Combination_Number",
	              "HealthInsurance_Information/Insurance_Combination_Number"),
	         // Both APIs call the stay's insurance HealthInsurance_Information, with
	         // other fields: one column each, not compared.
	         info("health_insurance_information", J, "HealthInsurance_Information"),
	         find("health_insurance_certificates", J, "HealthInsurance_Information"),
	         info("history_number", T, "History_Number"),
	         info("creation_type", T, "Creation_Type/Data"),
	         info("first_admission_date", D, "First_Admission_Date"),
	         info("doctor", J, "Doctor"),
	         info("room_charge", I, "Room_Charge/Data"),
	         info("hospital_charge_code", T, "Hospital_Charge/Data"),
	         info("hospital_charge_name", T, "Hospital_Charge/Name"),
	         info("meal_type", T, "Meal_Type/Data"),
	         info("admission_meal_start", T, "Admission_Meal_Start/Data"),
	     },
	     {"patient_id", "admission_date"}},
	    {"meals",
	     {
	         meal("patient_id", T, "Patient_ID"),
	         meal("perform_date", D, "Perform_Date"),
	         meal("morning_meal", T, "Morning_Meal/Data"),
	         meal("lunch_meal", T, "Lunch_Meal/Data"),
	         meal("evening_meal", T, "Evening_Meal/Data"),
	         meal("morning_meal_name", T, "Morning_Meal/Name"),
	         meal("lunch_meal_name", T, "Lunch_Meal/Name"),
	         meal("evening_meal_name", T, "Evening_Meal/Name"),
	         meal("ward_number", T, "Ward_Number/Data"),
	         meal("ward_name", T, "Ward_Name/Data"),
	         meal("room_number", T, "Room_Number/Data"),
	         meal("department_code", T, "Department_Code/Data"),
	         meal("department_name", T, "Department_Code/Name"),
	         meal("patient_status", T, "Patient_Status/Data"),
	         meal("patient_status_name", T, "Patient_Status/Name"),
	         meal("room_charge", I, "Room_Charge/Data"),
	         meal("insurance_combination_number", T, "Insurance_Combination_Number"),
	     },
	     {"patient_id", "perform_date"}},
	    {"wards",
	     {
	         ward("ward_number", T, "Ward_Number/Data"),
	         ward("ward_name", T, "Ward_Name/Data"),
	         ward("ward_short_name", T, "Ward_Short_Name/Data"),
	         ward("ward_type", T, "Ward_Type/Data"),
	         ward("ward_type_name", T, "Ward_Type/Name"),
	         ward("hospital_charge_code", T, "Hospital_Charge/Data"),
	         ward("hospital_charge_name", T, "Hospital_Charge/Name"),
	         ward("start_date", D, "Start_Date"),
	         ward("end_date", D, "End_Date"),
	         ward("room_number", J, "Room_Number"),
	     },
	     {"ward_number"}},
	    {"rooms",
	     {
	         ward("ward_number", T, "Ward_Number/Data"),
	         ward("ward_name", T, "Ward_Name/Data"),
	         ward("room_number", T, "Room_Number/Data"),
	         ward("room_type", T, "Room_Type/Data"),
	         ward("room_type_name", T, "Room_Type/Name"),
	         ward("bed_numbers", I, "Bed_Numbers/Data"),
	         ward("room_charge", I, "Room_Charge/Data"),
	         ward("sex", T, "Sex/Data"),
	         ward("extension_number", T, "Extension_Number/Data"),
	         ward("start_date", D, "Start_Date"),
	         ward("end_date", D, "End_Date"),
	     },
	     {"ward_number", "room_number"}},
	    {"departments",
	     {
	         system("department_code", "Code"),
	         system("whole_name", "WholeName"),
	         system("name1", "Name1"),
	         system("name2", "Name2"),
	         system("name3", "Name3"),
	         system("receipt_code", "Receipt_Code"),
	     },
	     {"department_code"}},
	    {"doctors",
	     {
	         system("doctor_code", "Code"),
	         system("whole_name", "WholeName"),
	         system("whole_name_in_kana", "WholeName_inKana"),
	         system("physician_permission_id", "Physician_Permission_Id"),
	         system("department_code1", "Department_Code1"),
	         system("department_code2", "Department_Code2"),
	         system("department_code3", "Department_Code3"),
	     },
	     {"doctor_code"}},
	    {"visits",
	     {
	         accept("visit_date", D, "Acceptance_Date"),
	         accept("acceptance_id", T, "Acceptance_Id"),
	         accept("acceptance_time", Type::kTime, "Acceptance_Time"),
	         accept("patient_id", T, "Patient_Information/Patient_ID"),
	         accept("department_code", T, "Department_Code"),
	         accept("department_name", T, "Department_WholeName"),
	         accept("physician_code", T, "Physician_Code"),
	         accept("physician_name", T, "Physician_WholeName"),
	         accept("medical_information", T, "Medical_Information"),
	         accept("appointment_time", Type::kTime, "Appointment_Time"),
	         accept("appointment_id", T, "Appointment_Id"),
	         accept("account_time", Type::kTime, "Account_Time"),
	         accept("insurance_combination_number", T, "HealthInsurance_Information/Insurance_Combination_Number"),
	         accept("insurance_provider_class", T, "HealthInsurance_Information/InsuranceProvider_Class"),
	         accept("insurance_provider_name", T, "HealthInsurance_Information/InsuranceProvider_WholeName"),
	     },
	     {"visit_date", "acceptance_id"}},
	    {"diseases",
	     {
	         disease("patient_id", T, "Patient_ID"),
	         disease("department_code", T, "Department_Code"),
	         disease("disease_code", T, "Disease_Code"),
	         disease("disease_name", T, "Disease_Name"),
	         disease("disease_in_out", T, "Disease_InOut"),
	         disease("disease_category", T, "Disease_Category"),
	         disease("suspected_flag", T, "Disease_SuspectedFlag"),
	         disease("acute_flag", T, "Disease_AcuteFlag"),
	         disease("start_date", D, "Disease_StartDate"),
	         disease("end_date", D, "Disease_EndDate"),
	         disease("outcome", T, "Disease_OutCome"),
	         disease("supplement_name", T, "Disease_Supplement_Name"),
	         disease("insurance_combination_number", T, "Insurance_Combination_Number"),
	         disease("disease_class", T, "Disease_Class"),
	         disease("insurance_disease", T, "Insurance_Disease"),
	         disease("receipt_print", T, "Disease_Receipt_Print"),
	     },
	     {"patient_id", "disease_code", "start_date"}},
	};
	return tables;
}

// --- calling the handlers in-process ------------------------------------------

class Calls {
public:
	explicit Calls(DataStore& store) : store_(store) {}

	// Runs the API at `path` and keeps its answer alive as long as this object.
	const Node& Run(const char* path, const std::string& query, Node request = Node::MakeRecord())
	{
		const ApiRoute* route = FindRoute(path);
		HttpRequest http;
		http.method = route->method;
		http.path = path;
		http.query = query;
		http.target = query.empty() ? http.path : http.path + "?" + query;
		ApiContext ctx(http, *route, store_, config_);
		{
			auto lock = store_.ReadLock();
			ctx.today = store_.Today();
		}
		ctx.request = std::move(request);
		route->handler(ctx);
		answers_.push_back(std::move(ctx.response));
		return answers_.back();
	}

private:
	DataStore& store_;
	SimConfig config_;
	std::deque<Node> answers_;
};

Node
Record(std::initializer_list<std::pair<const char*, std::string>> fields)
{
	Node record = Node::MakeRecord();
	for (const auto& field : fields)
		record.Add(field.first, field.second);
	return record;
}

// Array items, or the node itself when a single record was sent as one.
std::vector<const Node*>
Items(const Node* node)
{
	std::vector<const Node*> out;
	if (node == nullptr)
		return out;
	if (node->IsArray()) {
		for (const auto& item : node->Children())
			if (!item->IsBlank())
				out.push_back(item.get());
	} else if (!node->IsBlank()) {
		out.push_back(node);
	}
	return out;
}

// --- rendering ----------------------------------------------------------------

const Node*
FindPath(const Node* node, std::string_view path)
{
	while (node != nullptr && !path.empty()) {
		const size_t slash = path.find('/');
		node = node->IsRecord() ? node->Find(path.substr(0, slash)) : nullptr;
		path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
	}
	return node;
}

const Node*
Resolve(const Part& part, std::string_view path)
{
	const size_t slash = path.find('/');
	const std::string_view head = path.substr(0, slash);
	for (const auto& mount : part.mounts)
		if (mount.first == head)
			return slash == std::string_view::npos ? mount.second : FindPath(mount.second, path.substr(slash + 1));
	return FindPath(part.base, path);
}

constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";

bool
IsBlankText(std::string_view text)
{
	while (!text.empty()) {
		if (text.front() == ' ')
			text.remove_prefix(1);
		else if (StartsWith(text, kIdeographicSpace))
			text.remove_prefix(kIdeographicSpace.size());
		else
			return false;
	}
	return true;
}

std::string
JsonString(std::string_view text)
{
	std::string out = "\"";
	AppendJsonEscaped(out, text);
	return out + "\"";
}

// The JSON literal of a column value ("null" for SQL NULL); `trim` false
// keeps text as the API answered it (the wrapper's trim_values 'false').
std::string
RenderValue(const Node* node, Type type, bool trim)
{
	if (node == nullptr || node->IsBlank())
		return "null";
	if (type == Type::kJsonb || !node->IsString()) {
		std::string json;
		WriteJsonNode(*node, json);
		return type == Type::kJsonb ? json : JsonString(json);
	}
	std::string_view value = node->Value();
	switch (type) {
	case Type::kText:
		if (!trim)
			return JsonString(value);
		if (IsBlankText(value))
			return "null";
		while (value.size() >= kIdeographicSpace.size() &&
		       value.substr(value.size() - kIdeographicSpace.size()) == kIdeographicSpace)
			value.remove_suffix(kIdeographicSpace.size());
		return JsonString(value);
	case Type::kDate:
		value = TrimAscii(value);
		if (value.empty() || value == "9999-12-31")
			return "null";
		return JsonString(value);
	case Type::kTime:
		value = TrimAscii(value);
		return value.empty() ? "null" : JsonString(value);
	case Type::kInteger: {
		value = TrimAscii(value);
		if (value.empty())
			return "null";
		std::string_view digits = value;
		const bool negative = digits.front() == '-';
		if (negative)
			digits.remove_prefix(1);
		if (!IsAllDigits(digits) || digits.empty())
			return JsonString(value); // not a number: loading it fails visibly
		while (digits.size() > 1 && digits.front() == '0')
			digits.remove_prefix(1);
		return (negative && digits != "0" ? "-" : "") + std::string(digits);
	}
	case Type::kJsonb:
		break;
	}
	return "null";
}

struct Output {
	std::string rows;
	std::string inconsistencies;
	size_t row_count = 0;

	void Inconsistency(const std::string& entry)
	{
		inconsistencies += inconsistencies.empty() ? "\n" : ",\n";
		inconsistencies += entry;
	}
};

void
RenderRow(const Table& table, const Row& row, bool trim, Output& out)
{
	std::map<std::string, std::string> values;
	std::vector<std::string> differences;
	for (const Column& column : table.columns) {
		const Source* chosen = nullptr;
		std::string value = "null";
		for (const Source& source : column.sources) {
			const auto part = row.parts.find(source.api);
			if (part == row.parts.end())
				continue;
			std::string rendered = RenderValue(Resolve(part->second, source.path), column.type, trim);
			if (chosen == nullptr) {
				chosen = &source;
				value = std::move(rendered);
			} else if (rendered != value) {
				differences.push_back("{\"column\": " + JsonString(column.name) + ", \"" + chosen->api + "\": " +
				                      value + ", \"" + source.api + "\": " + rendered + "}");
			}
		}
		values[column.name] = value;
	}
	std::string json = "{";
	for (const Column& column : table.columns) {
		if (json.size() > 1)
			json += ", ";
		json += JsonString(column.name) + ": " + values[column.name];
	}
	json += "}";
	out.rows += out.row_count++ > 0 ? ",\n" : "\n";
	out.rows += json;

	if (differences.empty() && row.only_in.empty())
		return;
	std::string key = "{";
	for (const char* name : table.key) {
		if (key.size() > 1)
			key += ", ";
		key += JsonString(name) + ": " + values[name];
	}
	key += "}";
	if (!row.only_in.empty())
		out.Inconsistency("{\"row\": " + key + ", \"only_in\": " + JsonString(row.only_in) + "}");
	for (const std::string& difference : differences)
		out.Inconsistency("{\"row\": " + key + ", \"differs\": " + difference + "}");
}

// --- filters --------------------------------------------------------------------

struct Filter {
	bool by_patient = false;
	int patient = 0; // 0: no such patient (nothing matches)
	int from = INT_MIN;
	int to = INT_MAX;
};

bool
ParseFilter(DataStore& store, const std::string& table, const HttpRequest& request, Filter& filter,
            std::string& error)
{
	const bool per_patient = table == "patients" || table == "admissions" || table == "meals" ||
	                         table == "visits" || table == "diseases";
	if (request.HasQueryParam("patient_id")) {
		if (!per_patient) {
			error = "patient_id filters only patients, admissions, meals, visits and diseases";
			return false;
		}
		filter.by_patient = true;
		auto lock = store.ReadLock();
		const std::optional<int> number = store.ParsePatientNumber(request.QueryParam("patient_id"));
		filter.patient = number && store.FindPatient(*number) != nullptr ? *number : 0;
	}
	for (const char* name : {"from", "to"}) {
		if (!request.HasQueryParam(name))
			continue;
		if (table != "meals" && table != "visits") {
			error = "from and to filter only meals and visits";
			return false;
		}
		const std::optional<int> day = ParseDate(request.QueryParam(name));
		if (!day) {
			error = std::string(name) + " must be a date YYYY-MM-DD";
			return false;
		}
		(name[0] == 'f' ? filter.from : filter.to) = *day;
	}
	return true;
}

// The patients the rows come from: every live patient, or the filtered one.
std::vector<const Patient*>
SelectPatients(const DataStore& store, const Filter& filter, bool with_stays_only)
{
	std::vector<const Patient*> out;
	if (filter.by_patient) {
		const Patient* patient = filter.patient > 0 ? store.FindPatient(filter.patient) : nullptr;
		if (patient != nullptr && (!with_stays_only || !patient->stays.empty()))
			out.push_back(patient);
		return out;
	}
	for (const auto& patient : store.AllPatients())
		if (patient && (!with_stays_only || !patient->stays.empty()))
			out.push_back(patient.get());
	return out;
}

// --- tables -----------------------------------------------------------------------

bool
BuildPatients(DataStore& store, const Filter& filter, Calls& calls, std::vector<Row>& rows, std::string& error)
{
	std::vector<std::string> ids;
	std::map<int, int> created_per_day; // every patient's create date: patientlst1v2 windows count them all
	std::set<int> wanted_days;
	{
		auto lock = store.ReadLock();
		for (const Patient* patient : SelectPatients(store, filter, false)) {
			ids.push_back(patient->id);
			if (patient->HasDates())
				wanted_days.insert(patient->create_date);
		}
		for (const auto& patient : store.AllPatients())
			if (patient && patient->HasDates())
				created_per_day[patient->create_date]++;
	}
	std::map<std::string, Row> by_id;
	for (const std::string& id : ids) {
		const Node& answer = calls.Run("/api01rv2/patientgetv2", "id=" + id);
		if (answer.Get("Api_Result") == "00")
			by_id[id].parts[kGet].base = answer.Find("Patient_Information");
	}
	for (size_t start = 0; start < ids.size(); start += 100) {
		Node request = Node::MakeRecord();
		Node& list = request.AddArray("Patient_ID_Information", 100);
		for (size_t i = start; i < ids.size() && i < start + 100; i++)
			list.AppendRecord().Add("Patient_ID", ids[i]);
		const Node& answer = calls.Run("/api01rv2/patientlst2v2", "class=01", std::move(request));
		for (const Node* item : Items(answer.Find("Patient_Information"))) {
			const auto row = by_id.find(item->Get("Patient_ID"));
			if (row != by_id.end() && item->Has("BirthDate"))
				row->second.parts[kList2].base = item;
		}
	}
	// patientlst1v2 class=02 over windows of create dates, at most 1000 patients each.
	std::vector<std::pair<int, int>> windows;
	int window_count = 0;
	for (const auto& day : created_per_day) {
		if (!filter.by_patient || wanted_days.count(day.first)) {
			if (!windows.empty() && window_count + day.second <= 1000 && !filter.by_patient) {
				windows.back().second = day.first;
				window_count += day.second;
			} else {
				windows.push_back({day.first, day.first});
				window_count = day.second;
			}
		}
	}
	for (const auto& window : windows) {
		const Node& answer = calls.Run("/api01rv2/patientlst1v2", "class=02",
		                               Record({{"Base_StartDate", FormatDate(window.first)},
		                                       {"Base_EndDate", FormatDate(window.second)}}));
		const std::string code = answer.Get("Api_Result");
		if (code == "10") {
			error = "patientlst1v2 lists more than 1000 patients created on " + FormatDate(window.first);
			return false;
		}
		for (const Node* item : Items(answer.Find("Patient_Information"))) {
			const auto row = by_id.find(item->Get("Patient_ID"));
			if (row != by_id.end())
				row->second.parts[kList1].base = item;
		}
	}
	for (auto& entry : by_id)
		if (entry.second.parts.count(kGet))
			rows.push_back(std::move(entry.second));
	return true;
}

void
BuildAdmissions(DataStore& store, const Filter& filter, Calls& calls, std::vector<Row>& rows)
{
	std::vector<std::string> ids;
	{
		auto lock = store.ReadLock();
		for (const Patient* patient : SelectPatients(store, filter, true))
			ids.push_back(patient->id);
	}
	// (patient id, admission date, ordinal among stays with that date) → row
	std::map<std::tuple<std::string, std::string, int>, Row> stays;
	for (const std::string& id : ids) {
		const Node& info = calls.Run("/api01rv2/hsptinfv2", "", Record({{"Patient_ID", id}}));
		const Node* patient = info.Find("Patient_Information");
		std::map<std::string, int> seen;
		for (const Node* stay : Items(info.Find("Hospital_Stay_Infomation"))) {
			const std::string admission = stay->Get("Admission_Date");
			Part& part = stays[{id, admission, seen[admission]++}].parts[kInfo];
			part.base = stay;
			part.mounts = {{"Patient_Information", patient},
			               {"Patient_ID", patient != nullptr ? patient->Find("Patient_ID") : nullptr}};
		}
		seen.clear();
		for (long long first = 1;;) {
			Node request = Record({{"Request_Number", "01"}});
			Node& criteria = request.AddRecord("Patient_Information");
			criteria.Add("Patient_ID", id);
			criteria.Add("TestPatient_Class", "b"); // test patients' stays too (blank leaves them out)
			Node& selection = request.AddRecord("Selection");
			selection.Add("First", std::to_string(first));
			selection.Add("Last", std::to_string(first + 199));
			const Node& found = calls.Run("/orca36/hsfindv3", "", std::move(request));
			const std::vector<const Node*> items = Items(found.Find("Result"));
			for (const Node* item : items) {
				const std::string admission = item->Get("Admission_Date");
				stays[{id, admission, seen[admission]++}].parts[kFind].base = item;
			}
			first += 200;
			if (items.empty() || first > std::atoll(found.Get("Count").c_str()))
				break;
		}
	}
	for (auto& entry : stays) {
		Row& row = entry.second;
		if (!row.parts.count(kInfo))
			row.only_in = kFind;
		else if (!row.parts.count(kFind))
			row.only_in = kInfo;
		rows.push_back(std::move(row));
	}
}

void
BuildMeals(DataStore& store, const Filter& filter, Calls& calls, std::vector<Row>& rows)
{
	constexpr int kFirstMealMonth = 2008 * 12 + 3; // hsmealv2 answers 92 before April 2008
	std::vector<std::pair<std::string, std::set<int>>> candidates;
	{
		auto lock = store.ReadLock();
		const int this_month = MonthIndexOfDate(store.Today());
		for (const Patient* patient : SelectPatients(store, filter, true)) {
			std::set<int> months;
			for (const Stay& stay : patient->stays) {
				int first, last;
				store.AccountMonths(stay, first, last);
				// Months ahead are asked too: hsmealv2 decides which have an account.
				if (stay.IsOpen())
					last = std::max(last, this_month + 6);
				first = std::max(first, kFirstMealMonth);
				if (filter.from != INT_MIN)
					first = std::max(first, MonthIndexOfDate(filter.from));
				if (filter.to != INT_MAX)
					last = std::min(last, MonthIndexOfDate(filter.to));
				for (int month = first; month <= last; month++)
					months.insert(month);
			}
			candidates.push_back({patient->id, std::move(months)});
		}
	}
	for (const auto& candidate : candidates) {
		for (int month : candidate.second) {
			const Node& answer = calls.Run("/api01rv2/hsmealv2", "",
			                               Record({{"Patient_ID", candidate.first}, {"Perform_Month", FormatMonth(month)}}));
			if (answer.Get("Api_Result") != "00")
				continue;
			const Node* patient = answer.Find("Patient_Information");
			const Node* id = patient != nullptr ? patient->Find("Patient_ID") : nullptr;
			for (const Node* day : Items(answer.Find("Monthly_Information"))) {
				const std::optional<int> date = ParseDate(day->Get("Perform_Date"));
				if (date && (*date < filter.from || *date > filter.to))
					continue;
				Row row;
				row.parts[kMeal] = Part{day, {{"Patient_ID", id}}};
				rows.push_back(std::move(row));
			}
		}
	}
}

// visits: acceptlstv2 class=03 for every day with receptions (within from..to).
void
BuildVisits(DataStore& store, const Filter& filter, Calls& calls, std::vector<Row>& rows)
{
	std::vector<int> days;
	std::string id;
	{
		auto lock = store.ReadLock();
		for (const auto& entry : store.VisitsByDay())
			if (entry.first >= filter.from && entry.first <= filter.to)
				days.push_back(entry.first);
		if (filter.by_patient) {
			const Patient* patient = filter.patient > 0 ? store.FindPatient(filter.patient) : nullptr;
			if (patient == nullptr)
				return;
			id = patient->id;
		}
	}
	for (int day : days) {
		const Node& answer = calls.Run("/api01rv2/acceptlstv2", "class=03", Record({{"Acceptance_Date", FormatDate(day)}}));
		const Node* date = answer.Find("Acceptance_Date");
		for (const Node* item : Items(answer.Find("Acceptlst_Information"))) {
			const Node* pid = FindPath(item, "Patient_Information/Patient_ID");
			if (filter.by_patient && (pid == nullptr || pid->Value() != id))
				continue;
			Row row;
			row.parts[kAccept] = Part{item, {{"Acceptance_Date", date}}};
			rows.push_back(std::move(row));
		}
	}
}

// diseases: diseasegetv2 (Select_Mode All) for every live patient.
void
BuildDiseases(DataStore& store, const Filter& filter, Calls& calls, std::vector<Row>& rows)
{
	std::vector<std::string> ids;
	{
		auto lock = store.ReadLock();
		for (const Patient* patient : SelectPatients(store, filter, false))
			if (!patient->diseases.empty())
				ids.push_back(patient->id);
	}
	for (const std::string& id : ids) {
		const Node& answer = calls.Run("/api01rv2/diseasegetv2", "class=01",
		                               Record({{"Patient_ID", id}, {"Select_Mode", "All"}}));
		const Node* patient = answer.Find("Disease_Infores");
		const Node* pid = patient != nullptr ? patient->Find("Patient_ID") : nullptr;
		for (const Node* item : Items(answer.Find("Disease_Information"))) {
			Row row;
			row.parts[kDisease] = Part{item, {{"Patient_ID", pid}}};
			rows.push_back(std::move(row));
		}
	}
}

void
AddItems(const Node* list, const char* api, std::vector<Row>& rows)
{
	for (const Node* item : Items(list)) {
		Row row;
		row.parts[api].base = item;
		rows.push_back(std::move(row));
	}
}

std::string
Error(const std::string& message)
{
	return "{\"error\": " + JsonString(message) + "}";
}

} // namespace

int
RenderTruth(DataStore& store, const std::string& table_name, const HttpRequest& request, std::string& body)
{
	const Table* table = nullptr;
	std::string names;
	for (const Table& candidate : Tables()) {
		names += names.empty() ? "" : ", ";
		names += JsonString(candidate.name);
		if (table_name == candidate.name)
			table = &candidate;
	}
	if (table_name.empty()) {
		body = "{\"tables\": [" + names + "]}";
		return 200;
	}
	if (table == nullptr) {
		body = Error("unknown table; known: patients, admissions, meals, wards, rooms, departments, doctors, visits, "
		             "diseases");
		return 404;
	}
	Filter filter;
	std::string error;
	if (!ParseFilter(store, table_name, request, filter, error)) {
		body = Error(error);
		return 400;
	}
	// trim_values=false: text as the APIs answer it (padding and lone U+3000
	// kept), as the wrapper's table option of that name reads it.
	bool trim = true;
	if (request.HasQueryParam("trim_values")) {
		const std::string value = request.QueryParam("trim_values");
		if (value != "true" && value != "false") {
			body = Error("trim_values must be true or false");
			return 400;
		}
		trim = value == "true";
	}

	Calls calls(store);
	std::vector<Row> rows;
	if (table_name == "patients") {
		if (!BuildPatients(store, filter, calls, rows, error)) {
			body = Error(error);
			return 500;
		}
	} else if (table_name == "admissions") {
		BuildAdmissions(store, filter, calls, rows);
	} else if (table_name == "meals") {
		BuildMeals(store, filter, calls, rows);
	} else if (table_name == "wards") {
		AddItems(calls.Run("/api01rv2/hsconfwardv2", "", Record({{"Request_Number", "1"}})).Find("Ward_Configuration"),
		         kWard, rows);
	} else if (table_name == "rooms") {
		const Node& wards = calls.Run("/api01rv2/hsconfwardv2", "", Record({{"Request_Number", "1"}}));
		for (const Node* ward : Items(wards.Find("Ward_Configuration"))) {
			const Node* number = FindPath(ward, "Ward_Number/Data");
			if (number == nullptr)
				continue;
			AddItems(calls
			             .Run("/api01rv2/hsconfwardv2", "",
			                  Record({{"Request_Number", "2"}, {"Ward_Number", number->Value()}}))
			             .Find("Room_Configuration"),
			         kWard, rows);
		}
	} else if (table_name == "visits") {
		BuildVisits(store, filter, calls, rows);
	} else if (table_name == "diseases") {
		BuildDiseases(store, filter, calls, rows);
	} else if (table_name == "departments") {
		AddItems(calls.Run("/api01rv2/system01lstv2", "", Record({{"Request_Number", "01"}})).Find("Department_Information"),
		         kSystem, rows);
	} else {
		AddItems(calls.Run("/api01rv2/system01lstv2", "", Record({{"Request_Number", "02"}})).Find("Physician_Information"),
		         kSystem, rows);
	}

	Output out;
	for (const Row& row : rows)
		RenderRow(*table, row, trim, out);
	std::string columns;
	for (const Column& column : table->columns) {
		columns += columns.empty() ? "" : ", ";
		columns += "{\"name\": " + JsonString(column.name) + ", \"type\": \"" + TypeName(column.type) + "\"}";
	}
	std::string today;
	{
		auto lock = store.ReadLock();
		today = FormatDate(store.Today());
	}
	body = "{\"table\": " + JsonString(table->name) + ", \"today\": \"" + today + "\", \"columns\": [" + columns +
	       "], \"row_count\": " + std::to_string(out.row_count) + ", \"rows\": [" + out.rows +
	       "], \"inconsistencies\": [" + out.inconsistencies + "]}";
	return 200;
}

} // namespace orca_sim
