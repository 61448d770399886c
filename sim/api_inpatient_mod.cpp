// api_inpatient_mod.cpp — inpatient registrations (inpatient notes §4, §5):
//   hsptinfmodv2 (POST /orca31/hsptinfmodv2): Request_Number 01 admission,
//     02 discharge, 05/06 admission cancel, 07 discharge cancel, 08
//     transfer (転科転棟転室), 09 transfer cancel. Result style B:
//     Api_Results array, 4-digit codes, success 0000.
//   hsacctmodv2 (POST /orca31/hsacctmodv2): Request_Number 4 meal
//     registration, 2 outings (外泊等登録). Result style C: Api_Results
//     array, success 00.
// Not simulated (answered 8003): hsptinfmodv2 03, 12 and hsacctmodv2 3, 9.
#include <algorithm>
#include <cstdlib>
#include <set>

#include "api.hpp"
#include "inpatient_common.hpp"
#include "util.hpp"

namespace orca_sim {

namespace {

using Results = std::vector<std::pair<std::string, std::string>>;

void
AddError(ApiContext& ctx, Results& results, const std::string& code)
{
	if (results.size() < 10)
		results.emplace_back(code, ApiMessage(ctx.route, code));
}

const Stay*
LatestStay(const Patient& patient)
{
	return patient.stays.empty() ? nullptr : &patient.stays.back();
}

std::string
InpatientRequestName(const std::string& request_number)
{
	static const char* const kNames[][2] = {
	    {"01", "入院登録"}, {"02", "退院登録"}, {"03", "変更"},           {"05", "入院取消"},
	    {"06", "入院取消（会計含む）"}, {"07", "退院取消"}, {"08", "転科転棟転室"}, {"09", "異動取消"},
	    {"12", "入院登録（訂正）"},
	};
	for (const auto& entry : kNames)
		if (request_number == entry[0])
			return entry[1];
	return std::string();
}

void
AddRequestNumber(ApiContext& ctx, const std::string& data, const std::string& name)
{
	ctx.response.AddTriple("Request_Number", "リクエスト番号", data, name);
}

// The Hospital_Stay_Infomation record of an hsptinfmod01v2res answer.
void
AddRegisteredStay(Node& response, const DataStore& store, const Patient& patient, const Stay& stay)
{
	Node& record = response.AddRecord("Hospital_Stay_Infomation"); // sic
	record.Add("History_Number", ZeroPad(stay.history_number, 3));
	record.AddTriple("Creation_Type", "入院歴作成区分", "0", "通常登録");
	record.Add("Admission_Date", FormatDate(stay.admission));
	if (!stay.moves.empty())
		record.Add("Last_Update_Date", FormatDate(stay.moves.back().date)); // 前回異動日
	AddStayPlacement(record, store, patient, stay);
	record.AddTriple("Recurring_Billing", "定期請求", "1", "医療機関での設定");
	record.AddTriple("Search_Function", "検索時患者表示", "1", "表示可");
}

// Finds the insurance combination an admission request designates; the
// combination number wins, else the first combination matching the given
// insurance fields; nothing given → the patient's first combination.
const InsuranceCombination*
DesignatedCombination(const Patient& patient, const Node* record, bool& given)
{
	given = record != nullptr && !record->IsBlank();
	if (!given)
		return patient.combinations.empty() ? nullptr : &patient.combinations.front();
	const std::string number = record->Get("Insurance_Combination_Number");
	if (!number.empty()) {
		if (!IsAllDigits(number))
			return nullptr;
		return patient.FindCombination(std::stoi(number));
	}
	const std::string provider_class = record->Get("InsuranceProvider_Class");
	const std::string provider_number = record->Get("InsuranceProvider_Number");
	for (const InsuranceCombination& combination : patient.combinations) {
		if (combination.health_index < 0)
			continue;
		const HealthInsurance& health = patient.health[static_cast<size_t>(combination.health_index)];
		if ((provider_class.empty() || health.provider_class == provider_class) &&
		    (provider_number.empty() || health.provider_number == provider_number))
			return &combination;
	}
	return nullptr;
}

void
Admit(ApiContext& ctx, Patient& patient, int admission)
{
	DataStore& store = ctx.store;
	const Node& request = ctx.request;
	Results errors;
	if (patient.OpenStay() != nullptr) {
		AddError(ctx, errors, "0028");
	} else if (const Stay* last = LatestStay(patient)) {
		if (admission < last->discharge)
			AddError(ctx, errors, "0039");
		else if (admission == last->discharge && request.Get("Last_Admission_Date").empty())
			AddError(ctx, errors, "0043");
	}
	const std::string ward_number = request.Get("Ward_Number");
	const std::string room_number = request.Get("Room_Number");
	const Ward* ward = store.FindWard(ward_number);
	const Room* room = ward != nullptr ? store.FindRoom(*ward, room_number) : nullptr;
	if (ward == nullptr)
		AddError(ctx, errors, "0018");
	if (room == nullptr)
		AddError(ctx, errors, "0020");
	const std::string department = request.Get("Department_Code");
	if (store.FindDepartment(department) == nullptr)
		AddError(ctx, errors, "0002");
	std::vector<std::string> doctors;
	if (const Node* list = request.Find("Doctor_Code")) {
		for (const auto& item : list->Children()) {
			const std::string code =
			    item->IsString() ? std::string(TrimAscii(item->Value())) : item->Get("Doctor_Code");
			if (!code.empty())
				doctors.push_back(code);
		}
		if (list->IsString() && !list->IsBlank())
			doctors.push_back(std::string(TrimAscii(list->Value())));
	}
	if (doctors.size() > 3) {
		AddError(ctx, errors, "0026");
	} else {
		for (const std::string& code : doctors)
			if (store.FindDoctor(code) == nullptr) {
				AddError(ctx, errors, "0025");
				break;
			}
	}
	int room_charge = room != nullptr ? room->charge : 0;
	const std::string charge_text = request.Get("Room_Charge");
	if (!charge_text.empty()) {
		if (!IsAllDigits(charge_text) || charge_text.size() > 7)
			AddError(ctx, errors, "0024");
		else if (!store.IsRegisteredRoomCharge(std::stoi(charge_text)))
			AddError(ctx, errors, "8047");
		else
			room_charge = std::stoi(charge_text);
	}
	const std::string over_180 = request.Get("Over180days_Hospital_Stay");
	if (!over_180.empty() && over_180 != "1" && over_180 != "2")
		AddError(ctx, errors, "0156");
	bool insurance_given = false;
	const InsuranceCombination* combination =
	    DesignatedCombination(patient, request.Find("HealthInsurance_Information"), insurance_given);
	if (combination == nullptr && insurance_given)
		AddError(ctx, errors, "0032");
	if (!errors.empty()) {
		WriteResults(ctx, errors);
		AddRequestNumber(ctx, "01", InpatientRequestName("01"));
		return;
	}

	Stay stay;
	stay.history_number = patient.stays.empty() ? 1 : patient.stays.back().history_number + 1;
	stay.admission = admission;
	stay.discharge = OpenEndDate();
	stay.ward_number = ward->number;
	stay.room_number = room->number;
	stay.department_code = department;
	stay.doctor_codes = doctors;
	stay.combination_number = combination != nullptr ? combination->number : 1;
	stay.room_charge = room_charge;
	stay.hospital_charge_code = ward->charge_code;
	stay.diet = "01";
	stay.meal_start_slot = 1;
	stay.last_account_month = std::max(MonthIndexOfDate(ctx.today), MonthIndexOfDate(admission));
	stay.seed = MixHash(store.Seed() ^ static_cast<uint64_t>(patient.number), 0x51A7 + stay.history_number);
	stay.generated = false;
	patient.stays.push_back(stay);

	WriteResults(ctx, {{"0000", ApiMessage(ctx.route, "0000")}});
	AddRequestNumber(ctx, "01", InpatientRequestName("01"));
	AddPatientBasics(ctx.response.AddRecord("Patient_Information"), patient);
	AddRegisteredStay(ctx.response, store, patient, patient.stays.back());
}

// A simplified discharge bill (hsptinfmod02v2res Acsimulate_Information):
// per month a detail and a month total, then a grand total. The amounts are
// invented but consistent: 1,500 points per day, the patient pays the
// combination's rate, 490 yen per served meal.
void
AddDischargeBill(ApiContext& ctx, const Patient& patient, const Stay& stay)
{
	const InsuranceCombination* combination = patient.FindCombination(stay.combination_number);
	const double rate = combination != nullptr ? std::atof(combination->rate_admission.c_str()) : 0.3;
	const Department* department = ctx.store.FindDepartment(stay.department_code);
	Node& bills = ctx.response.AddArray("Acsimulate_Information", 13);
	long long total_points = 0, total_patient = 0, total_meals = 0;
	auto add_amounts = [](Node& item, long long points, long long patient_yen, long long meal_yen) {
		Node& money = item.AddRecord("Cd_Information");
		money.Add("Ac_Money", SpacePad(patient_yen + meal_yen, 10));
		money.Add("Ai_Money", SpacePad(patient_yen, 10));
		money.Add("Oe_Money", SpacePad(0, 10));
		money.Add("Ml_Smoney", SpacePad(meal_yen, 10));
		Node& points_info = item.AddRecord("Ac_Point_Information");
		points_info.Add("Ac_Ttl_Point", SpacePad(points, 10));
		Node& details = points_info.AddArray("Ac_Point_Detail", 16);
		Node& detail = details.AppendRecord();
		detail.Add("AC_Point_Name", "入院料");
		detail.Add("AC_Point", SpacePad(points, 10));
	};
	for (int month = MonthIndexOfDate(stay.admission); month <= MonthIndexOfDate(stay.discharge); month++) {
		long long days = 0, meals = 0;
		for (int day = std::max(stay.admission, FirstDayOfMonth(month));
		     day <= std::min(stay.discharge, LastDayOfMonth(month)); day++) {
			days++;
			for (const std::string& code : ctx.store.MealsOn(stay, day))
				if (code != "00")
					meals++;
		}
		const long long points = days * 1500;
		const long long patient_yen = static_cast<long long>(points * 10 * rate / 10) * 10;
		const long long meal_yen = meals * 490;
		total_points += points;
		total_patient += patient_yen;
		total_meals += meal_yen;
		for (const char* kind : {"0", "1"}) {
			Node& item = bills.AppendRecord();
			item.AddTriple("Information_Class", "請求情報種別", kind, kind[0] == '0' ? "明細" : "月合計");
			item.Add("Perform_Month", FormatMonth(month));
			if (kind[0] == '0') {
				item.Add("Department_Code", stay.department_code);
				item.Add("Department_Name", department ? department->whole_name : "");
			}
			add_amounts(item, points, patient_yen, meal_yen);
		}
	}
	Node& total = bills.AppendRecord();
	total.AddTriple("Information_Class", "請求情報種別", "2", "総合計");
	add_amounts(total, total_points, total_patient, total_meals);
}

void
Discharge(ApiContext& ctx, Patient& patient, int admission)
{
	const Node& request = ctx.request;
	auto fail = [&](const std::string& code) {
		WriteResults(ctx, {{code, ApiMessage(ctx.route, code)}});
		AddRequestNumber(ctx, "02", InpatientRequestName("02"));
	};
	if (patient.stays.empty()) {
		fail("0051");
		return;
	}
	Stay* stay = nullptr;
	for (Stay& candidate : patient.stays)
		if (candidate.admission == admission)
			stay = &candidate;
	if (stay == nullptr) {
		fail("8005");
		return;
	}
	if (stay != &patient.stays.back()) {
		fail("8006");
		return;
	}
	if (!stay->IsOpen()) {
		fail("0052");
		return;
	}
	const std::optional<int> discharge = ParseDate(request.Get("Discharge_Date"));
	if (!discharge) {
		fail("8009");
		return;
	}
	if (*discharge < stay->admission) {
		fail("0053");
		return;
	}
	if (!stay->moves.empty() && *discharge < stay->moves.back().date) {
		fail("0054"); // 前回異動日＞退院日
		return;
	}
	const std::string reason = request.Get("Discharge_Reason");
	if (!reason.empty() && ctx.store.FindDischargeReason(reason) == nullptr) {
		fail("0046");
		return;
	}
	stay->discharge = *discharge;
	stay->discharge_reason = reason.empty() ? "02" : reason; // UNCONFIRMED default: 軽快
	WriteResults(ctx, {{"0000", ApiMessage(ctx.route, "0000")}});
	AddRequestNumber(ctx, "02", InpatientRequestName("02"));
	ctx.response.Add("Start_Date", FormatDate(stay->admission));
	ctx.response.Add("End_Date", FormatDate(stay->discharge));
	AddPatientBasics(ctx.response.AddRecord("Patient_Information"), patient);
	ctx.response.Add("History_Number", ZeroPad(stay->history_number, 3));
	ctx.response.Add("Admission_Date", FormatDate(stay->admission));
	AddDischargeBill(ctx, patient, *stay);
}

// The stay an 05/06/07/08/09 request names: the patient's latest admission
// with that date. Returns nullptr with the error code (8005 none, 8006 not
// the latest) in `code`.
Stay*
LatestStayOn(Patient& patient, int admission, std::string& code)
{
	auto found = std::find_if(patient.stays.begin(), patient.stays.end(),
	                          [&](const Stay& stay) { return stay.admission == admission; });
	if (found == patient.stays.end()) {
		code = "8005";
		return nullptr;
	}
	if (&*found != &patient.stays.back()) {
		code = "8006";
		return nullptr;
	}
	return &*found;
}

// 08 転科転棟転室: from Update_Date on, the stay is in the new ward, room and
// department (hsmealv2 shows it per day; hsptinfv2/hsfindv3 the latest
// state). UNCONFIRMED (sim/STATUS.md): the code for a discharged stay
// (0052 chosen), whether Ward_Number/Room_Number may be omitted (required
// here: 0018/0020), whether Update_Date may lie in the future (accepted
// when its month has an account, else 0206), and what an 08 without
// Doctor_Code/Room_Charge does to them (kept here).
void
Transfer(ApiContext& ctx, Patient& patient, int admission)
{
	DataStore& store = ctx.store;
	const Node& request = ctx.request;
	auto fail = [&](const Results& errors) {
		WriteResults(ctx, errors);
		AddRequestNumber(ctx, "08", InpatientRequestName("08"));
	};
	auto fail_one = [&](const std::string& code) { fail({{code, ApiMessage(ctx.route, code)}}); };
	std::string code;
	Stay* found = LatestStayOn(patient, admission, code);
	if (found == nullptr) {
		fail_one(code);
		return;
	}
	Stay& stay = *found;
	if (!stay.IsOpen()) {
		fail_one("0052");
		return;
	}
	const std::optional<int> date = ParseDate(request.Get("Update_Date"));
	if (!date) {
		fail_one("8007");
		return;
	}
	if (*date < DaysFromCivil(2012, 4, 1)) {
		fail_one("8008");
		return;
	}
	if (*date < stay.admission) {
		fail_one("0097");
		return;
	}
	if (!stay.moves.empty() && *date < stay.moves.back().date) {
		fail_one("0098");
		return;
	}
	if (MonthIndexOfDate(*date) < MonthIndexOfDate(ctx.today) - 1) {
		fail_one("0134"); // 前々月以前
		return;
	}
	int first_month, last_month;
	store.AccountMonths(stay, first_month, last_month);
	if (MonthIndexOfDate(*date) > last_month) {
		fail_one("0206");
		return;
	}
	Results errors;
	const Ward* ward = store.FindWard(request.Get("Ward_Number"));
	const Room* room = ward != nullptr ? store.FindRoom(*ward, request.Get("Room_Number")) : nullptr;
	if (ward == nullptr)
		AddError(ctx, errors, "0018");
	if (room == nullptr)
		AddError(ctx, errors, "0020");
	const std::string department = request.Get("Department_Code");
	if (store.FindDepartment(department) == nullptr)
		AddError(ctx, errors, "0002");
	if (!errors.empty()) {
		fail(errors);
		return;
	}
	stay.moves.push_back(StayMove{*date, stay.ward_number, stay.room_number, stay.department_code});
	stay.ward_number = ward->number;
	stay.room_number = room->number;
	stay.department_code = department;
	WriteResults(ctx, {{"0000", ApiMessage(ctx.route, "0000")}});
	AddRequestNumber(ctx, "08", InpatientRequestName("08"));
	AddPatientBasics(ctx.response.AddRecord("Patient_Information"), patient);
	AddRegisteredStay(ctx.response, store, patient, stay);
}

// 09 異動取消: cancels the stay's latest transfer.
void
CancelTransfer(ApiContext& ctx, Patient& patient, int admission)
{
	auto fail = [&](const std::string& code) {
		WriteResults(ctx, {{code, ApiMessage(ctx.route, code)}});
		AddRequestNumber(ctx, "09", InpatientRequestName("09"));
	};
	std::string code;
	Stay* found = LatestStayOn(patient, admission, code);
	if (found == nullptr) {
		fail(code);
		return;
	}
	if (found->moves.empty()) {
		fail("0142");
		return;
	}
	const StayMove move = found->moves.back();
	found->moves.pop_back();
	found->ward_number = move.from_ward;
	found->room_number = move.from_room;
	found->department_code = move.from_department;
	WriteResults(ctx, {{"0000", ApiMessage(ctx.route, "0000")}});
	AddRequestNumber(ctx, "09", InpatientRequestName("09"));
	AddPatientBasics(ctx.response.AddRecord("Patient_Information"), patient);
	Node& record = ctx.response.AddRecord("Hospital_Stay_Infomation");
	record.Add("History_Number", ZeroPad(found->history_number, 3));
	record.Add("Admission_Date", FormatDate(found->admission));
}

void
CancelAdmissionOrDischarge(ApiContext& ctx, Patient& patient, int admission, const std::string& request_number)
{
	auto fail = [&](const std::string& code) {
		WriteResults(ctx, {{code, ApiMessage(ctx.route, code)}});
		AddRequestNumber(ctx, request_number, InpatientRequestName(request_number));
	};
	auto found = std::find_if(patient.stays.begin(), patient.stays.end(),
	                          [&](const Stay& stay) { return stay.admission == admission; });
	if (found == patient.stays.end()) {
		fail("8005");
		return;
	}
	if (&*found != &patient.stays.back()) {
		fail("8006");
		return;
	}
	const int history_number = found->history_number;
	if (request_number == "07") {
		if (found->IsOpen()) {
			fail("0143");
			return;
		}
		found->last_account_month = std::max(MonthIndexOfDate(ctx.today), MonthIndexOfDate(found->discharge));
		found->discharge = OpenEndDate();
		found->discharge_reason.clear();
	} else {
		patient.stays.erase(found);
	}
	WriteResults(ctx, {{"0000", ApiMessage(ctx.route, "0000")}});
	AddRequestNumber(ctx, request_number, InpatientRequestName(request_number));
	AddPatientBasics(ctx.response.AddRecord("Patient_Information"), patient);
	Node& record = ctx.response.AddRecord("Hospital_Stay_Infomation");
	record.Add("History_Number", ZeroPad(history_number, 3));
	record.Add("Admission_Date", FormatDate(admission));
}

// Parses Meal_Dates ("*/1-3,5"): the days of the month. Returns the error
// code or "".
std::string
ParseMealDates(const std::string& text, int month_index, std::vector<int>& days)
{
	if (!StartsWith(text, "*/"))
		return "0136";
	const std::string list = text.substr(2);
	if (TrimAscii(list).empty())
		return "0137";
	const int month_days = LastDayOfMonth(month_index) - FirstDayOfMonth(month_index) + 1;
	size_t start = 0;
	while (start <= list.size()) {
		size_t comma = list.find(',', start);
		if (comma == std::string::npos)
			comma = list.size();
		const std::string_view part = TrimAscii(std::string_view(list).substr(start, comma - start));
		const size_t dash = part.find('-');
		const std::string_view from_text = dash == std::string_view::npos ? part : part.substr(0, dash);
		const std::string_view to_text = dash == std::string_view::npos ? part : part.substr(dash + 1);
		if (!IsAllDigits(from_text) || !IsAllDigits(to_text) || from_text.size() > 2 || to_text.size() > 2)
			return "0136";
		const int from = std::stoi(std::string(from_text));
		const int to = std::stoi(std::string(to_text));
		if (from < 1 || to > month_days || from > to)
			return "0136";
		for (int day = from; day <= to; day++)
			days.push_back(FirstDayOfMonth(month_index) + day - 1);
		start = comma + 1;
	}
	return std::string();
}

// hsacctmodv2 2 外泊等登録: Patient_Status from Perform_Date through
// End_Date (same month, 8014). Without End_Date the spec says the status
// applies "from Perform_Date onward"; how far is UNCONFIRMED: here to the
// end of Perform_Date's month. 99 (取消) puts the days back to 00. Which
// codes are valid follows the day (notes §12.1); 09 only on Saturdays and
// Sundays (0161). Whether a day outside the stay is 8010 or 0075 is
// UNCONFIRMED (0075 for End_Date past the discharge). Meals of outing days
// read 00 unless registered (the simulator's own rule, UNCONFIRMED).
void
RegisterOuting(ApiContext& ctx, Patient& patient, Stay& stay, int perform_date, int month, int last_month)
{
	auto fail_one = [&](const std::string& code) {
		WriteResults(ctx, {{code, ApiMessage(ctx.route, code)}});
		AddRequestNumber(ctx, "2", "外泊");
	};
	int end_date = LastDayOfMonth(month);
	const std::string end_text = ctx.request.Get("End_Date");
	if (!end_text.empty()) {
		const std::optional<int> parsed = ParseDate(end_text);
		if (!parsed || *parsed < perform_date) {
			fail_one("8013");
			return;
		}
		if (MonthIndexOfDate(*parsed) != month) {
			fail_one("8014");
			return;
		}
		end_date = *parsed;
	}
	if (end_date > stay.discharge) {
		if (!end_text.empty()) {
			fail_one("0075");
			return;
		}
		end_date = stay.discharge;
	}
	std::string status = ctx.request.Get("Patient_Status");
	if (status.size() == 1)
		status = "0" + status;
	static const char* const kSince2018[] = {"00", "01", "02", "03", "04", "05", "06", "08", "09",
	                                         "13", "14", "15", "16", "17", "99"};
	static const char* const kBefore2018[] = {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "13", "99"};
	bool valid = false;
	if (perform_date >= DaysFromCivil(2018, 4, 1)) {
		for (const char* code : kSince2018)
			valid = valid || status == code;
	} else {
		for (const char* code : kBefore2018)
			valid = valid || status == code;
		if (status == "07" && perform_date >= DaysFromCivil(2016, 4, 1))
			valid = false;
	}
	if (!valid) {
		fail_one("8011");
		return;
	}
	if (status == "09")
		for (int day = perform_date; day <= end_date; day++) {
			const int weekday = (day % 7 + 7 + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
			if (weekday != 0 && weekday != 6) {
				fail_one("0161");
				return;
			}
		}
	if (month > last_month)
		stay.last_account_month = month;
	for (int day = perform_date; day <= end_date; day++)
		stay.status_overrides[day] = status == "99" ? "00" : status;
	WriteResults(ctx, {{"00", ""}});
	AddRequestNumber(ctx, "2", "外泊");
	AddPatientBasics(ctx.response.AddRecord("Patient_Information"), patient);
	AddMonthCalendar(ctx.response, ctx.store, patient, month, false);
}

} // namespace

// ---------------------------------------------------------------------------
// hsptinfmodv2
// ---------------------------------------------------------------------------

void
HandleInpatientMod(ApiContext& ctx)
{
	const std::string request_number = ctx.request.Get("Request_Number");
	if (request_number != "01" && request_number != "02" && request_number != "05" && request_number != "06" &&
	    request_number != "07" && request_number != "08" && request_number != "09") {
		WriteResults(ctx, {{"8003", ApiMessage(ctx.route, "8003")}});
		return;
	}
	auto fail = [&](const std::string& code) {
		WriteResults(ctx, {{code, ApiMessage(ctx.route, code)}});
		AddRequestNumber(ctx, request_number, InpatientRequestName(request_number));
	};
	auto lock = ctx.store.WriteLock();
	const std::optional<int> number = ctx.store.ParsePatientNumber(ctx.request.Get("Patient_ID"));
	Patient* patient = number ? ctx.store.FindPatient(*number) : nullptr;
	if (patient == nullptr) {
		fail("0004");
		return;
	}
	const std::optional<int> admission = ParseDate(ctx.request.Get("Admission_Date"));
	if (!admission) {
		fail("8001");
		return;
	}
	if (request_number == "01") {
		if (*admission < DaysFromCivil(2012, 4, 1)) {
			fail("8002");
			return;
		}
		Admit(ctx, *patient, *admission);
	} else if (request_number == "02") {
		Discharge(ctx, *patient, *admission);
	} else if (request_number == "08") {
		Transfer(ctx, *patient, *admission);
	} else if (request_number == "09") {
		CancelTransfer(ctx, *patient, *admission);
	} else {
		CancelAdmissionOrDischarge(ctx, *patient, *admission, request_number);
	}
}

// ---------------------------------------------------------------------------
// hsacctmodv2 — Request_Number 4: meal registration (食事登録)
// ---------------------------------------------------------------------------

void
HandleAccountMod(ApiContext& ctx)
{
	// Request_Number is ONE character here ("4"); "04" is not accepted
	// (UNCONFIRMED: the server probably truncates it to "0").
	const std::string request_number = ctx.request.Get("Request_Number");
	if (request_number != "4" && request_number != "2") {
		WriteResults(ctx, {{"8003", ApiMessage(ctx.route, "8003")}});
		return;
	}
	const bool outing = request_number == "2";
	const char* const request_name = outing ? "外泊" : "食事";
	auto fail = [&](const Results& errors) {
		WriteResults(ctx, errors);
		AddRequestNumber(ctx, request_number, request_name);
	};
	auto fail_one = [&](const std::string& code) { fail({{code, ApiMessage(ctx.route, code)}}); };

	auto lock = ctx.store.WriteLock();
	DataStore& store = ctx.store;
	const std::optional<int> number = store.ParsePatientNumber(ctx.request.Get("Patient_ID"));
	Patient* patient = number ? store.FindPatient(*number) : nullptr;
	if (patient == nullptr) {
		fail_one("0004");
		return;
	}
	const std::optional<int> admission = ParseDate(ctx.request.Get("Admission_Date"));
	if (!admission) {
		fail_one("8001");
		return;
	}
	if (patient->stays.empty()) {
		fail_one("8010");
		return;
	}
	// Meals can be registered for the latest admission only.
	Stay& stay = patient->stays.back();
	if (stay.admission != *admission) {
		fail_one("8005");
		return;
	}
	int perform_date = ctx.today;
	if (!ctx.request.Get("Perform_Date").empty()) {
		const std::optional<int> parsed = ParseDate(ctx.request.Get("Perform_Date"));
		if (!parsed) {
			fail_one("8009");
			return;
		}
		perform_date = *parsed;
	}
	if (perform_date < stay.admission || perform_date > stay.discharge) {
		fail_one("8010");
		return;
	}
	// The month needs an inpatient account; missing months between the
	// current month and three months later are created automatically.
	const int month = MonthIndexOfDate(perform_date);
	int first_month, last_month;
	store.AccountMonths(stay, first_month, last_month);
	if (month > last_month) {
		if (!stay.IsOpen() || month > MonthIndexOfDate(ctx.today) + 3) {
			fail_one("0076");
			return;
		}
	}
	if (outing) {
		RegisterOuting(ctx, *patient, stay, perform_date, month, last_month);
		return;
	}

	struct MealChange {
		int slot;
		std::string code;
		std::vector<int> days;
		bool same_after;
	};
	std::vector<MealChange> changes;
	Results errors;
	std::set<std::string> times_seen;
	const Node* meals = ctx.request.Find("Meal_Information");
	if (meals == nullptr || meals->IsBlank()) {
		// UNCONFIRMED: the code for a request without any meal (0085 chosen).
		fail_one("0085");
		return;
	}
	std::vector<const Node*> items;
	if (meals->IsArray()) {
		for (const auto& item : meals->Children())
			items.push_back(item.get());
	} else {
		items.push_back(meals);
	}
	for (const Node* item : items) {
		if (item->IsBlank())
			continue;
		const std::string time = item->Get("Meal_Time");
		const std::string type = item->Get("Meal_Type");
		const std::string dates = item->Get("Meal_Dates");
		const std::string same_after = item->Get("Meal_SameAfter");
		if (time != "01" && time != "02" && time != "03") {
			AddError(ctx, errors, "0085");
			continue;
		}
		if (!times_seen.insert(time).second) {
			AddError(ctx, errors, "0086");
			continue;
		}
		if (type.size() != 1 || type[0] < '0' || type[0] > '3') {
			AddError(ctx, errors, "0145");
			continue;
		}
		if (!same_after.empty() && same_after != "0" && same_after != "1") {
			AddError(ctx, errors, "0201");
			continue;
		}
		MealChange change{time[1] - '1', "0" + type, {}, same_after == "1"};
		if (dates.empty()) {
			change.days.push_back(perform_date);
		} else {
			const std::string error = ParseMealDates(dates, month, change.days);
			if (!error.empty()) {
				AddError(ctx, errors, error);
				continue;
			}
		}
		bool outside = false;
		for (int day : change.days)
			if (day < stay.admission || day > stay.discharge)
				outside = true;
		if (outside) {
			AddError(ctx, errors, "0138");
			continue;
		}
		changes.push_back(change);
	}
	if (!errors.empty()) {
		fail(errors);
		return;
	}

	if (month > last_month)
		stay.last_account_month = month;
	for (const MealChange& change : changes) {
		const size_t slot = static_cast<size_t>(change.slot);
		for (int day : change.days)
			stay.meal_overrides[day][slot] = change.code;
		if (change.same_after) {
			// Keep this meal type for every later day, later months included.
			const int from = *std::min_element(change.days.begin(), change.days.end());
			stay.same_after_from[slot] = from;
			stay.same_after_code[slot] = change.code;
			for (auto& entry : stay.meal_overrides)
				if (entry.first > from)
					entry.second[slot].clear();
			stay.meal_type_individual = true;
		}
	}

	// Success: "00" (the samples show no message element).
	WriteResults(ctx, {{"00", ""}});
	AddRequestNumber(ctx, "4", "食事");
	AddPatientBasics(ctx.response.AddRecord("Patient_Information"), *patient);
	AddMonthCalendar(ctx.response, store, *patient, month, false);
}

} // namespace orca_sim
