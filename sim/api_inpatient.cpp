// api_inpatient.cpp — the inpatient read APIs: hsfindv3 (inpatient search,
// style E), hsptinfv2 (admission history), hsmealv2 (monthly meal calendar)
// and hsconfwardv2 (wards/rooms), all per inpatient-and-meals.md §2, §3, §6, §9.
#include <algorithm>
#include <climits>
#include <functional>

#include "api.hpp"
#include "inpatient_common.hpp"
#include "util.hpp"

namespace orca_sim {

namespace {

const char* const kWardTypeNames[][2] = {
    {"01", "一般病棟"}, {"02", "精神病棟"},       {"03", "結核病棟"},           {"04", "療養病棟"},     {"05", "障害者施設等"},
    {"06", "専門病院"}, {"08", "有床診療所"}, {"09", "有床診療所療養病床"}, {"10", "医療観察病棟"},
};

const char* const kRoomTypeNames[][2] = {
    {"01", "一般病室"}, {"02", "ICU"},     {"03", "CCU"},   {"04", "NICU"},           {"05", "リカバリ室"},
    {"06", "感染症室"}, {"07", "ダミー室"}, {"08", "重症者加算部屋１"}, {"09", "重症者加算部屋２"}, {"10", "MFICU"},
    {"11", "GCU"},      {"12", "無菌室"},   {"13", "精神科隔離病室"},
};

template <size_t N>
std::string
LookupName(const char* const (&table)[N][2], const std::string& code)
{
	for (const auto& entry : table)
		if (code == entry[0])
			return entry[1];
	return std::string();
}

std::string
DepartmentName(const DataStore& store, const std::string& code)
{
	const Department* department = store.FindDepartment(code);
	return department != nullptr ? department->whole_name : std::string();
}

std::string
WardName(const DataStore& store, const std::string& number)
{
	const Ward* ward = store.FindWard(number);
	return ward != nullptr ? ward->name : std::string();
}

std::string
HospitalChargeName(const DataStore& store, const std::string& code)
{
	for (const Ward& ward : store.Wards())
		if (ward.charge_code == code)
			return ward.charge_name;
	return std::string();
}

} // namespace

// ---------------------------------------------------------------------------
// Shared fragments
// ---------------------------------------------------------------------------

std::string
MealName(const std::string& code)
{
	if (code == "00")
		return "食事なし";
	if (code == "01")
		return "食事あり";
	if (code == "02")
		return "食事あり（特別食）";
	if (code == "03")
		return "食事あり（流動食）";
	return std::string();
}

std::string
PatientStatusName(const std::string& code)
{
	static const char* const kNames[][2] = {
	    {"00", "入院中"},
	    {"01", "外泊"},
	    {"02", "治療の為の外泊"},
	    {"03", "選定入院中の外泊"},
	    {"04", "他医療機関受診４０％減算"},
	    {"05", "他医療機関受診１０％減算"},
	    {"06", "他医療機関受診２０％減算"},
	    {"08", "特定時間退院減算"},
	    {"09", "特定曜日入退院減算"},
	    {"13", "特定曜日入退院減算＋他医療機関受診１０％減算"},
	    {"14", "他医療機関受診５％減算"},
	    {"15", "他医療機関受診３５％減算"},
	    {"16", "他医療機関受診１５％減算"},
	    {"17", "特定曜日入退院減算＋他医療機関受診５％減算"},
	};
	return LookupName(kNames, code);
}

/* A combination's number, insurance and public expenses, as the inpatient
 * answers list them (hsptinfv2 stays, hsmealv2/hsacctmodv2 Insurance_Information). */
void
AddCombinationFields(Node& record, const Patient& patient, int combination_number)
{
	record.Add("Insurance_Combination_Number", ZeroPad(combination_number, 4));
	const InsuranceCombination* combination = patient.FindCombination(combination_number);
	if (combination == nullptr)
		return;
	if (combination->health_index >= 0) {
		const HealthInsurance& health = patient.health[static_cast<size_t>(combination->health_index)];
		record.Add("InsuranceProvider_Class", health.provider_class);
		record.Add("InsuranceProvider_Number", health.provider_number);
		record.Add("InsuranceProvider_WholeName", health.provider_name);
		record.Add("HealthInsuredPerson_Symbol", health.symbol);
		record.Add("HealthInsuredPerson_Number", health.number);
	}
	Node& publics = record.AddArray("PublicInsurance_Information", 4);
	for (int index : combination->public_indexes) {
		const PublicInsurance& pub = patient.publics[static_cast<size_t>(index)];
		Node& item = publics.AppendRecord();
		item.Add("PublicInsurance_Class", pub.insurance_class);
		item.Add("PublicInsurance_Name", pub.name);
		item.Add("PublicInsurer_Number", pub.payer_number);
		item.Add("PublicInsuredPerson_Number", pub.recipient_number);
	}
}

void
AddStayInsurance(Node& parent, const Patient& patient, int combination_number)
{
	AddCombinationFields(parent.AddRecord("HealthInsurance_Information"), patient, combination_number);
}

void
AddStayPlacement(Node& record, const DataStore& store, const Patient& patient, const Stay& stay)
{
	AddLabel(record, "Ward_Number", "病棟番号", stay.ward_number);
	AddLabel(record, "Ward_Name", "病棟名", WardName(store, stay.ward_number));
	AddLabel(record, "Room_Number", "病室番号", stay.room_number);
	record.AddTriple("Department_Code", "診療科", stay.department_code, DepartmentName(store, stay.department_code));
	Node& doctors = record.AddArray("Doctor", 3);
	for (const std::string& code : stay.doctor_codes) {
		const Doctor* doctor = store.FindDoctor(code);
		Node& item = doctors.AppendRecord();
		item.Add("Label", "担当医");
		item.Add("Data", code);
		item.Add("Name", doctor ? doctor->whole_name : "");
	}
	AddStayInsurance(record, patient, stay.combination_number);
	record.Add("First_Admission_Date", FormatDate(stay.admission));
	record.AddTriple("Moving_From_Nursing", "介護からの異動", "1", "対象外");
	record.AddTriple("Room_Charge", "室料差額", SpacePad(stay.room_charge, 7), "円");
	record.AddTriple("Over_180days_Hospital_Stay", "選定入院", "1", "選定対象");
	record.AddTriple("Hospital_Charge", "入院日の入院料", stay.hospital_charge_code,
	                 HospitalChargeName(store, stay.hospital_charge_code));
	record.AddTriple("Editing_Hospital_Charge", "入院会計", "2", "入院料を算定する");
}

void
AddStayDetails(Node& record, const DataStore& store, const Patient& patient, const Stay& stay)
{
	static const char* const kMealStart[] = {"食事なし", "朝食から", "昼食から", "夕食から"};
	record.Add("History_Number", ZeroPad(stay.history_number, 3));
	record.AddTriple("Creation_Type", "入院歴作成区分", "0", "通常登録");
	record.Add("Admission_Date", FormatDate(stay.admission));
	record.AddTriple("Admission_Meal_Start", "入院日の食事開始時間", std::to_string(stay.meal_start_slot),
	                 kMealStart[stay.meal_start_slot]);
	record.Add("Discharge_Date", FormatDate(stay.discharge));
	if (!stay.discharge_reason.empty()) {
		const DischargeReason* reason = store.FindDischargeReason(stay.discharge_reason);
		record.AddTriple("Discharge_Type", "退院事由", stay.discharge_reason, reason ? reason->name : "");
	}
	AddStayPlacement(record, store, patient, stay);
	const Department* department = store.FindDepartment(stay.department_code);
	if (patient.sex == "2" && department != nullptr &&
	    (department->receipt_code == "23" || department->receipt_code == "24")) {
		record.AddTriple("Delivery", "分娩区分", "0", "分娩入院でない");
		record.AddTriple("Direct_Payment", "直接支払制度", "1", "利用する");
	}
	record.AddTriple("Recurring_Billing", "定期請求", "1", "医療機関での設定");
	record.AddTriple("Search_Function", "検索時患者表示", "1", "表示可");
	if (stay.meal_type_individual) {
		record.AddTriple("Meal_Type", "食事の種類", "C", "個別指示");
		static const char* const kLabels[] = {"食事の種類（朝）", "食事の種類（昼）", "食事の種類（夕）"};
		static const char* const kNames[] = {"Morning_Meal", "Lunch_Meal", "Evening_Meal"};
		for (size_t slot = 0; slot < 3; slot++) {
			const std::string code =
			    stay.same_after_code[slot].empty() ? stay.diet : stay.same_after_code[slot];
			record.AddTriple(kNames[slot], kLabels[slot], code.substr(1), MealName(code));
		}
	} else {
		record.AddTriple("Meal_Type", "食事の種類", stay.diet.substr(1), MealName(stay.diet));
	}
}

bool
HasAccountFor(const DataStore& store, const Patient& patient, int month_index)
{
	for (const Stay& stay : patient.stays) {
		int first, last;
		store.AccountMonths(stay, first, last);
		if (month_index >= first && month_index <= last)
			return true;
	}
	return false;
}

bool
AddMonthCalendar(Node& response, const DataStore& store, const Patient& patient, int month_index, bool with_charges)
{
	std::vector<const Stay*> stays;
	for (const Stay& stay : patient.stays) {
		int first, last;
		store.AccountMonths(stay, first, last);
		if (month_index >= first && month_index <= last)
			stays.push_back(&stay);
	}
	if (stays.empty())
		return false;

	Node& periods = response.AddArray("Admission_Discharge_Date", 5);
	for (size_t i = 0; i < stays.size() && i < 5; i++) {
		Node& item = periods.AppendRecord();
		item.Add("Admission_Date", FormatDate(stays[i]->admission));
		item.Add("Discharge_Date", FormatDate(stays[i]->discharge));
	}
	response.Add("Perform_Month", FormatMonth(month_index));

	const int month_first = FirstDayOfMonth(month_index);
	const int month_last = LastDayOfMonth(month_index);
	std::vector<int> combinations_used;
	Node& days = response.AddArray("Monthly_Information", 31);
	for (const Stay* stay : stays) {
		int first_month, last_month;
		store.AccountMonths(*stay, first_month, last_month);
		const int stay_last = stay->IsOpen() ? LastDayOfMonth(last_month) : stay->discharge;
		for (int day = std::max(month_first, stay->admission); day <= std::min(month_last, stay_last); day++) {
			// where the patient was that day: transfers (08) apply from their date
			const StayPlace place = stay->PlaceOn(day);
			const Ward* ward = store.FindWard(place.ward_number);
			Node& item = days.AppendRecord();
			item.Add("Perform_Date", FormatDate(day));
			item.AddTriple("Department_Code", "診療科", place.department_code,
			               DepartmentName(store, place.department_code));
			AddLabel(item, "Ward_Number", "病棟番号", place.ward_number);
			AddLabel(item, "Ward_Name", "病棟名", ward ? ward->name : "");
			AddLabel(item, "Room_Number", "病室番号", place.room_number);
			item.Add("Insurance_Combination_Number", ZeroPad(stay->combination_number, 4));
			const std::string status = store.StatusOn(*stay, day);
			item.AddTriple("Patient_Status", "外泊・他医療機関受診情報等", status, PatientStatusName(status));
			const MealDay meals = store.MealsOn(*stay, day);
			item.AddTriple("Morning_Meal", "朝食", meals[0], MealName(meals[0]));
			item.AddTriple("Lunch_Meal", "昼食", meals[1], MealName(meals[1]));
			item.AddTriple("Evening_Meal", "夕食", meals[2], MealName(meals[2]));
			item.AddTriple("Room_Charge", "室料差額", SpacePad(stay->room_charge, 7), "円");
			if (with_charges && ward != nullptr) {
				Node& charges = item.AddRecord("Hospital_Charge_Information");
				charges.Add("Label", "入院基本料等");
				Node& list = charges.AddArray("Hospital_Charge", 20);
				Node& charge = list.AppendRecord();
				charge.Add("Data", ward->charge_code);
				charge.Add("Name", ward->charge_name);
			}
		}
		if (std::find(combinations_used.begin(), combinations_used.end(), stay->combination_number) ==
		    combinations_used.end())
			combinations_used.push_back(stay->combination_number);
	}

	// The details of the combinations used by the days come last (hospfood.html).
	Node& insurances = response.AddArray("Insurance_Information", 10);
	for (int number : combinations_used)
		AddCombinationFields(insurances.AppendRecord(), patient, number);
	return true;
}

// ---------------------------------------------------------------------------
// hsfindv3 (POST /orca36/hsfindv3) — inpatient search, one row per stay
// ---------------------------------------------------------------------------

namespace {

struct DateRange {
	int first = INT_MIN;
	int last = INT_MAX;
	bool given = false;
};

// Parses {First, Last} of a range record; returns the error code or "".
std::string
ParseRange(const Node* record, const char* first_error, const char* last_error, const char* order_error,
           DateRange& range)
{
	if (record == nullptr)
		return std::string();
	const std::string first = record->Get("First");
	const std::string last = record->Get("Last");
	if (!first.empty()) {
		const std::optional<int> parsed = ParseDate(first);
		if (!parsed)
			return first_error;
		range.first = *parsed;
		range.given = true;
	}
	if (!last.empty()) {
		const std::optional<int> parsed = ParseDate(last);
		if (!parsed)
			return last_error;
		range.last = *parsed;
		range.given = true;
	}
	if (range.first > range.last)
		return order_error;
	return std::string();
}

bool
ParseCount(const std::string& text, long long& value)
{
	if (!IsAllDigits(text) || text.size() > 7)
		return false;
	value = std::stoll(text);
	return value >= 1;
}

struct FindRow {
	const Patient* patient;
	const Stay* stay;
};

} // namespace

void
HandleInpatientFind(ApiContext& ctx)
{
	const Node& request = ctx.request;
	if (request.Get("Request_Number") != "01") {
		WriteResult(ctx, "E0091");
		return;
	}
	int base_date = ctx.today;
	if (!request.Get("Base_Date").empty()) {
		const std::optional<int> parsed = ParseDate(request.Get("Base_Date"));
		if (!parsed) {
			WriteResult(ctx, "E0025");
			return;
		}
		base_date = *parsed;
	}

	static const Node kEmpty;
	const Node* criteria_node = request.Find("Patient_Information");
	const Node& criteria = criteria_node != nullptr ? *criteria_node : kEmpty;
	auto lock = ctx.store.ReadLock();
	const DataStore& store = ctx.store;

	const Patient* only_patient = nullptr;
	const std::string patient_id = criteria.Get("Patient_ID");
	if (!patient_id.empty()) {
		const std::optional<int> number = store.ParsePatientNumber(patient_id);
		only_patient = number ? store.FindPatient(*number) : nullptr;
		if (only_patient == nullptr) {
			WriteResult(ctx, "E0001");
			return;
		}
	}
	const std::string name = SpaceToFullWidth(TrimAscii(criteria.GetRaw("WholeName")));
	if (!name.empty() && !IsAllFullWidth(name)) {
		WriteResult(ctx, "E0002");
		return;
	}
	// Checks follow the order of the request table; the first error wins.
	DateRange birth, admission, discharge;
	std::string error = ParseRange(criteria.Find("BirthDate"), "E0016", "E0017", "E0103", birth);
	if (!error.empty()) {
		WriteResult(ctx, error);
		return;
	}
	const std::string address = SpaceToFullWidth(TrimAscii(criteria.GetRaw("WholeAddress")));
	if (!address.empty() && !IsAllFullWidth(address)) {
		WriteResult(ctx, "E0004");
		return;
	}
	error = ParseRange(criteria.Find("Admission_Date"), "E0005", "E0006", "E0101", admission);
	if (error.empty())
		error = ParseRange(criteria.Find("Discharge_Date"), "E0011", "E0012", "E0102", discharge);
	if (!error.empty()) {
		WriteResult(ctx, error);
		return;
	}
	const std::string department = criteria.Get("Department_Code");
	if (!department.empty() && store.FindDepartment(department) == nullptr) {
		WriteResult(ctx, "E0007");
		return;
	}
	const std::string ward = criteria.Get("Ward_Number");
	if (!ward.empty() && store.FindWard(ward) == nullptr) {
		WriteResult(ctx, "E0008");
		return;
	}
	const std::string state = criteria.Get("State");
	if (!state.empty() && (state.size() != 1 || state[0] < '1' || state[0] > '5')) {
		WriteResult(ctx, "E0009");
		return;
	}
	const std::string billing_state = criteria.Get("Billing_State");
	if (!billing_state.empty() && billing_state != "1" && billing_state != "2") {
		WriteResult(ctx, "E0026");
		return;
	}
	const std::string billing_month = criteria.Get("Reccurning_Billing_Month");
	if (!billing_month.empty() && !ParseMonth(billing_month)) {
		WriteResult(ctx, "E0027");
		return;
	}
	const std::string billing_period = criteria.Get("Reccurning_Billing_Period");
	if (!billing_period.empty() && billing_period != "1" && billing_period != "2" && billing_period != "3") {
		WriteResult(ctx, "E0028");
		return;
	}
	const std::string reason = criteria.Get("Discharge_Reason");
	if (!reason.empty() && store.FindDischargeReason(reason) == nullptr) {
		WriteResult(ctx, "E0013");
		return;
	}
	const std::string death = criteria.Get("Death_Class");
	if (!death.empty() && death != "0" && death != "1") {
		WriteResult(ctx, "E0014");
		return;
	}
	const std::string test_class = criteria.Get("TestPatient_Class");
	if (!test_class.empty() && test_class != "a" && test_class != "b" && test_class != "1") {
		WriteResult(ctx, "E0018");
		return;
	}
	const bool any_criterion = only_patient != nullptr || !name.empty() || birth.given || !address.empty() ||
	                           admission.given || discharge.given || !department.empty() || !ward.empty() ||
	                           !state.empty() || !billing_state.empty() || !billing_month.empty() ||
	                           !reason.empty() || !death.empty() || !test_class.empty();
	if (!any_criterion) {
		WriteResult(ctx, "E0100");
		return;
	}

	// Sort keys (max 3). Order_Class 1/2 taken as ascending/descending of
	// the key's natural order (UNCONFIRMED).
	struct SortKey {
		int key;
		bool reverse;
	};
	std::vector<SortKey> sort_keys;
	if (const Node* keys = request.Find("Sort_Key")) {
		static const char* const kKeyErrors[] = {"E0019", "E0021", "E0023"};
		static const char* const kOrderErrors[] = {"E0020", "E0022", "E0024"};
		size_t slot = 0;
		for (const auto& item : keys->Children()) {
			if (slot >= 3)
				break;
			const std::string key = item->Get("Key_Class");
			const std::string order = item->Get("Order_Class");
			if (key.empty() && order.empty()) {
				slot++;
				continue;
			}
			if (key.size() != 1 || key[0] < '1' || key[0] > '7') {
				WriteResult(ctx, kKeyErrors[slot]);
				return;
			}
			if (!order.empty() && order != "1" && order != "2") {
				WriteResult(ctx, kOrderErrors[slot]);
				return;
			}
			sort_keys.push_back({key[0] - '0', order == "2"});
			slot++;
		}
	}

	// Paging window.
	long long first_row = 1, last_row = 0;
	const std::string first_text = request.Find("Selection") ? request.Find("Selection")->Get("First") : "";
	const std::string last_text = request.Find("Selection") ? request.Find("Selection")->Get("Last") : "";
	if (!first_text.empty() && !ParseCount(first_text, first_row)) {
		WriteResult(ctx, "E0107");
		return;
	}
	if (!last_text.empty() && !ParseCount(last_text, last_row)) {
		WriteResult(ctx, "E0108");
		return;
	}
	if (last_text.empty())
		last_row = first_row + 199;
	if (last_row < first_row) {
		WriteResult(ctx, "E0110");
		return;
	}
	last_row = std::min(last_row, first_row + 199); // at most 200 rows per call

	// Search.
	const int month = MonthIndexOfDate(base_date);
	const int month_first = FirstDayOfMonth(month);
	const int month_last = LastDayOfMonth(month);
	auto stay_matches = [&](const Stay& stay) {
		if (admission.given && (stay.admission < admission.first || stay.admission > admission.last))
			return false;
		if (discharge.given && (stay.discharge < discharge.first || stay.discharge > discharge.last))
			return false;
		if (!department.empty() && stay.department_code != department)
			return false;
		if (!ward.empty() && stay.ward_number != ward)
			return false;
		if (state == "1" && !stay.IsOpen())
			return false;
		if (state == "2" && stay.IsOpen())
			return false;
		if (state == "3" && (stay.admission > month_last || stay.discharge < month_first))
			return false;
		if (state == "4" && (stay.admission > base_date || stay.discharge < base_date))
			return false;
		if (state == "5")
			return false; // no admission uses the temporary combination 999
		if (billing_state == "1" && stay.IsOpen())
			return false; // 退院請求済: discharged stays are billed at discharge
		if (!reason.empty() && stay.discharge_reason != reason)
			return false;
		if (death == "1" && stay.discharge_reason != "05")
			return false;
		if (death == "0" && stay.discharge_reason == "05")
			return false;
		return true;
	};
	auto patient_matches = [&](const Patient& patient) {
		if (!name.empty() && !StartsWith(patient.whole_name, name) && !StartsWith(patient.kana, name))
			return false;
		if (birth.given && (patient.birth < birth.first || patient.birth > birth.last))
			return false;
		// UNCONFIRMED: address matching taken as "contains".
		if (!address.empty() && (patient.address1 + patient.address2).find(address) == std::string::npos)
			return false;
		// UNCONFIRMED: what a blank TestPatient_Class means. Taken as "a"
		// (test patients left out), the stricter reading: a client that wants
		// every stay must send "b".
		if ((test_class == "a" || test_class.empty()) && patient.test_flag == "1")
			return false;
		if (test_class == "1" && patient.test_flag != "1")
			return false;
		return true;
	};

	std::vector<FindRow> hits;
	auto scan_patient = [&](const Patient& patient) {
		if (patient.stays.empty() || !patient_matches(patient))
			return;
		for (const Stay& stay : patient.stays)
			if (stay_matches(stay))
				hits.push_back({&patient, &stay});
	};
	if (only_patient != nullptr) {
		scan_patient(*only_patient);
	} else {
		for (const auto& patient : store.AllPatients())
			if (patient)
				scan_patient(*patient);
	}
	if (hits.empty()) {
		WriteResult(ctx, "E0106");
		return;
	}
	const long long count = static_cast<long long>(hits.size());
	if (first_row > count) {
		WriteResult(ctx, "E0109");
		return;
	}
	last_row = std::min(last_row, count);

	auto compare_key = [](int key, const FindRow& a, const FindRow& b) -> int {
		auto cmp = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
		switch (key) {
		case 1: {
			const int ward_order = cmp(a.stay->ward_number, b.stay->ward_number);
			return ward_order != 0 ? ward_order : cmp(a.stay->room_number, b.stay->room_number);
		}
		case 2:
			return cmp(a.patient->number, b.patient->number);
		case 3:
			return cmp(a.patient->kana, b.patient->kana);
		case 4:
			return cmp(b.stay->admission, a.stay->admission);
		case 5:
			return cmp(a.stay->admission, b.stay->admission);
		case 6:
			return cmp(b.stay->discharge, a.stay->discharge);
		case 7:
			return cmp(a.stay->discharge, b.stay->discharge);
		}
		return 0;
	};
	std::stable_sort(hits.begin(), hits.end(), [&](const FindRow& a, const FindRow& b) {
		for (const SortKey& key : sort_keys) {
			int order = compare_key(key.key, a, b);
			if (key.reverse)
				order = -order;
			if (order != 0)
				return order < 0;
		}
		// Default and tie-break: patient number, then admission date (UNCONFIRMED).
		if (a.patient->number != b.patient->number)
			return a.patient->number < b.patient->number;
		return a.stay->admission < b.stay->admission;
	});

	WriteResult(ctx, "00000");
	ctx.response.Add("Count", std::to_string(count));
	Node& selection = ctx.response.AddRecord("Selection");
	selection.Add("First", std::to_string(first_row));
	selection.Add("Last", std::to_string(last_row));
	if (billing_state == "2") {
		// Billing is not simulated: the previous month counts as billed.
		ctx.response.Add("Last_Reccurning_Billing_Month", FormatMonth(month - 1));
		ctx.response.Add("Last_Reccurning_Billing_Period", "1");
	}
	Node& results = ctx.response.AddArray("Result", 200);
	for (long long row = first_row; row <= last_row; row++) {
		const FindRow& hit = hits[static_cast<size_t>(row - 1)];
		const Patient& patient = *hit.patient;
		const Stay& stay = *hit.stay;
		Node& item = results.AppendRecord();
		item.Add("Number", std::to_string(row));
		item.Add("Patient_ID", patient.id);
		item.Add("WholeName_inKana", patient.kana);
		item.Add("WholeName", patient.whole_name);
		item.Add("Sex", patient.sex);
		item.Add("Birth_Date", FormatDate(patient.birth));
		item.Add("Ward_Number", stay.ward_number);
		item.Add("Ward_Name", WardName(store, stay.ward_number));
		item.Add("Room_Number", stay.room_number);
		item.Add("PhoneNumber", patient.phone1);
		item.Add("ZipCode", patient.zip);
		item.Add("Address1", patient.address1);
		item.Add("Address2", patient.address2);
		Node& insurance = item.AddRecord("HealthInsurance_Information");
		insurance.Add("Insurance_Combination_Number", ZeroPad(stay.combination_number, 4));
		if (const InsuranceCombination* combination = patient.FindCombination(stay.combination_number)) {
			if (combination->health_index >= 0) {
				const HealthInsurance& health = patient.health[static_cast<size_t>(combination->health_index)];
				insurance.Add("InsuranceProvider_Class", health.provider_class);
				insurance.Add("InsuranceProvider_Number", health.provider_number);
				insurance.Add("InsuranceProvider_WholeName", health.provider_name);
				insurance.Add("HealthInsuredPerson_Continuation", health.continuation);
				insurance.Add("HealthInsuredPerson_Assistance", health.assistance);
				insurance.Add("RelationToInsuredPerson", health.relation);
				insurance.Add("HealthInsuredPerson_WholeName", health.insured_name);
				insurance.Add("Certificate_StartDate", FormatDate(health.start));
				insurance.Add("Certificate_ExpiredDate", FormatDate(health.expire));
			}
			Node& publics = insurance.AddArray("PublicInsurance_Information", 4);
			for (int index : combination->public_indexes) {
				const PublicInsurance& pub = patient.publics[static_cast<size_t>(index)];
				Node& entry = publics.AppendRecord();
				entry.Add("PublicInsurance_Class", pub.insurance_class);
				entry.Add("PublicInsurance_Name", pub.name);
				entry.Add("PublicInsurer_Number", pub.payer_number);
				entry.Add("PublicInsuredPerson_Number", pub.recipient_number);
				entry.Add("Certificate_IssuedDate", FormatDate(pub.issued));
				entry.Add("Certificate_ExpiredDate", FormatDate(pub.expire));
			}
		}
		item.Add("Admission_Date", FormatDate(stay.admission));
		item.Add("Discharge_Date", FormatDate(stay.discharge));
		if (!stay.discharge_reason.empty()) {
			const DischargeReason* discharge_reason = store.FindDischargeReason(stay.discharge_reason);
			item.Add("Discharge_Reason_Code", stay.discharge_reason);
			item.Add("Discharge_Reason_Name", discharge_reason ? discharge_reason->name : "");
		}
		item.Add("Department_Code", stay.department_code);
		item.Add("Department_Name", DepartmentName(store, stay.department_code));
	}
}

// ---------------------------------------------------------------------------
// hsptinfv2 (POST /api01rv2/hsptinfv2) — one patient's admissions, newest first
// ---------------------------------------------------------------------------

void
HandleInpatientInfo(ApiContext& ctx)
{
	auto lock = ctx.store.ReadLock();
	const std::optional<int> number = ctx.store.ParsePatientNumber(ctx.request.Get("Patient_ID"));
	const Patient* patient = number ? ctx.store.FindPatient(*number) : nullptr;
	if (patient == nullptr) {
		WriteResult(ctx, "02");
		return;
	}
	// A blank Admission_Date returns every admission ([src]; the page's
	// "system date" remark contradicts its own request table).
	const std::string admission_text = ctx.request.Get("Admission_Date");
	const Stay* only = nullptr;
	if (!admission_text.empty()) {
		const std::optional<int> admission = ParseDate(admission_text);
		for (const Stay& stay : patient->stays)
			if (admission && stay.admission == *admission)
				only = &stay;
		if (only == nullptr) {
			WriteResult(ctx, "04");
			return;
		}
	}
	// UNCONFIRMED: a patient without any admission gets 00 and no
	// Hospital_Stay_Infomation (rather than 03).
	WriteResult(ctx, "00");
	AddPatientBasics(ctx.response.AddRecord("Patient_Information"), *patient);
	Node& stays = ctx.response.AddArray("Hospital_Stay_Infomation", 100); // sic: "Infomation"
	for (auto it = patient->stays.rbegin(); it != patient->stays.rend(); ++it) {
		if (only != nullptr && &*it != only)
			continue;
		if (stays.Children().size() >= 100)
			break;
		AddStayDetails(stays.AppendRecord(), ctx.store, *patient, *it);
	}
}

// ---------------------------------------------------------------------------
// hsmealv2 (POST /api01rv2/hsmealv2) — one month of meals per inpatient day
// ---------------------------------------------------------------------------

void
HandleInpatientMeals(ApiContext& ctx)
{
	auto lock = ctx.store.ReadLock();
	const std::optional<int> number = ctx.store.ParsePatientNumber(ctx.request.Get("Patient_ID"));
	const Patient* patient = number ? ctx.store.FindPatient(*number) : nullptr;
	if (patient == nullptr) {
		WriteResult(ctx, "02");
		return;
	}
	int month = MonthIndexOfDate(ctx.today);
	const std::string month_text = ctx.request.Get("Perform_Month");
	if (!month_text.empty()) {
		const std::optional<int> parsed = ParseMonth(month_text);
		if (!parsed) {
			WriteResult(ctx, "01");
			return;
		}
		month = *parsed;
	}
	if (month < 2008 * 12 + 3) {
		WriteResult(ctx, "92");
		return;
	}
	// No inpatient account for the month (including never admitted) → 04.
	if (!HasAccountFor(ctx.store, *patient, month)) {
		WriteResult(ctx, "04");
		return;
	}
	WriteResult(ctx, "00");
	AddPatientBasics(ctx.response.AddRecord("Patient_Information"), *patient);
	AddMonthCalendar(ctx.response, ctx.store, *patient, month, true);
}

// ---------------------------------------------------------------------------
// hsconfwardv2 (POST /api01rv2/hsconfwardv2) — Request_Number 1 wards, 2 rooms
// ---------------------------------------------------------------------------

void
HandleWardInfo(ApiContext& ctx)
{
	const std::string request_number = ctx.request.Get("Request_Number");
	if (request_number != "1" && request_number != "2") {
		WriteResult(ctx, "91");
		return;
	}
	int base_date = ctx.today;
	if (!ctx.request.Get("Base_Date").empty()) {
		const std::optional<int> parsed = ParseDate(ctx.request.Get("Base_Date"));
		if (!parsed) {
			WriteResult(ctx, "01");
			return;
		}
		base_date = *parsed;
	}
	if (base_date < DaysFromCivil(2008, 4, 1)) {
		WriteResult(ctx, "92");
		return;
	}
	const std::string ward_number = ctx.request.Get("Ward_Number");
	const std::string room_number = ctx.request.Get("Room_Number");
	auto lock = ctx.store.ReadLock();
	const DataStore& store = ctx.store;

	if (request_number == "1") {
		std::vector<const Ward*> wards;
		for (const Ward& ward : store.Wards()) {
			if (ward.start_date > base_date)
				continue;
			if (!ward_number.empty()) {
				if (ward.number == ward_number)
					wards.push_back(&ward);
			} else if (!room_number.empty()) {
				if (store.FindRoom(ward, room_number) != nullptr)
					wards.push_back(&ward);
			} else {
				wards.push_back(&ward);
			}
		}
		if (wards.empty()) {
			WriteResult(ctx, "03");
			return;
		}
		WriteResult(ctx, "00");
		Node& list = ctx.response.AddArray("Ward_Configuration", 50);
		for (const Ward* ward : wards) {
			Node& item = list.AppendRecord();
			item.Add("Start_Date", FormatDate(ward->start_date));
			item.Add("End_Date", FormatDate(OpenEndDate()));
			AddLabel(item, "Ward_Number", "病棟番号", ward->number);
			AddLabel(item, "Ward_Name", "病棟名称", ward->name);
			AddLabel(item, "Ward_Short_Name", "短縮病棟名", ward->short_name);
			item.AddTriple("Ward_Type", "病棟種別", ward->type_code, LookupName(kWardTypeNames, ward->type_code));
			item.AddTriple("Hospital_Charge", "入院基本料", ward->charge_code, ward->charge_name);
			Node& over = item.AddRecord("Over180days_Hospital_Stay_Charges");
			over.Add("Label", "選定入院料");
			over.AddTriple("Calculation_Type", "負担計算", "1", "定率設定");
			over.AddTriple("Consumption_Tax", "消費税", "0", "なし");
			over.AddTriple("Value_Per_Day", "一般点数単価", SpacePad(10, 4), "点");
			over.AddTriple("Value_Per_Day_Late_Elderly", "後期高齢者点数単価", SpacePad(10, 4), "点");
			Node& rooms = item.AddArray("Room_Number", 200);
			for (const Room& room : ward->rooms) {
				Node& entry = rooms.AppendRecord();
				entry.Add("Label", "病室番号");
				entry.Add("Data", room.number);
			}
		}
		return;
	}

	// Rooms: at least one of ward and room must be given.
	// UNCONFIRMED: the error code for "neither given" (51 chosen).
	std::vector<std::pair<const Ward*, const Room*>> rooms;
	if (!ward_number.empty() || !room_number.empty()) {
		for (const Ward& ward : store.Wards()) {
			if (ward.start_date > base_date || (!ward_number.empty() && ward.number != ward_number))
				continue;
			for (const Room& room : ward.rooms)
				if (room_number.empty() || room.number == room_number)
					rooms.push_back({&ward, &room});
		}
	}
	if (rooms.empty()) {
		WriteResult(ctx, "51");
		return;
	}
	static const char* const kSexNames[] = {"", "男部屋", "女部屋", "男女混合"};
	WriteResult(ctx, "00");
	Node& list = ctx.response.AddArray("Room_Configuration", 200);
	for (const auto& entry : rooms) {
		const Ward& ward = *entry.first;
		const Room& room = *entry.second;
		Node& item = list.AppendRecord();
		item.Add("Start_Date", FormatDate(ward.start_date));
		item.Add("End_Date", FormatDate(OpenEndDate()));
		AddLabel(item, "Ward_Number", "病棟番号", ward.number);
		AddLabel(item, "Ward_Name", "病棟名称", ward.name);
		AddLabel(item, "Room_Number", "病室番号", room.number);
		item.AddTriple("Room_Type", "病室種別", room.type_code, LookupName(kRoomTypeNames, room.type_code));
		item.AddTriple("Bed_Numbers", "収容人数", SpacePad(room.beds, 2), "人");
		if (room.charge > 0)
			item.AddTriple("Room_Charge", "室料差額", SpacePad(room.charge, 7), "円");
		item.AddTriple("Sex", "性別特定", room.sex_code, kSexNames[room.sex_code[0] - '0']);
		item.AddTriple("Extension_Number", "内線番号", room.extension, "番");
	}
}

} // namespace orca_sim
