// api_outpatient.cpp — acceptlstv2 (受付一覧, POST /api01rv2/acceptlstv2)
// and diseasegetv2 (患者病名情報の返却, POST /api01rv2/diseasegetv2), per
// acceptancelst.html and disease.html.  The data: outpatient.cpp.
#include "api.hpp"
#include "util.hpp"

namespace orca_sim {

namespace {

std::string
HmsOrEmpty(int seconds)
{
	return seconds < 0 ? std::string() : FormatHms(seconds);
}

} // namespace

// acceptlstv2: class 01 the receptions waiting for accounting, 02 the
// accounted ones, 03 all of them; Acceptance_Date (blank: today), narrowed
// by Department_Code and Physician_Code when sent.  Codes: 21 no reception;
// 13 no such doctor (seen on a real server).  UNCONFIRMED: 12 for an unknown
// department, 01 for a malformed date, 91 for an unknown class (sim/STATUS.md).
void
HandleVisitList(ApiContext& ctx)
{
	const std::string klass = ctx.http.QueryParam("class");
	if (klass != "01" && klass != "02" && klass != "03") {
		WriteHeader(ctx, "91", "処理区分未設定");
		return;
	}
	int day = ctx.today;
	const std::string date = ctx.request.Get("Acceptance_Date");
	if (!date.empty()) {
		const std::optional<int> parsed = ParseDate(date);
		if (!parsed) {
			WriteHeader(ctx, "01", "受付日付の設定に誤りがあります");
			return;
		}
		day = *parsed;
	}
	const std::string department = ctx.request.Get("Department_Code");
	const std::string physician = ctx.request.Get("Physician_Code");
	auto lock = ctx.store.ReadLock();
	if (!department.empty() && ctx.store.FindDepartment(department) == nullptr) {
		WriteHeader(ctx, "12", "診療科が存在しません");
		return;
	}
	if (!physician.empty() && ctx.store.FindDoctor(physician) == nullptr) {
		WriteHeader(ctx, "13", "ドクターが存在しません");
		return;
	}
	std::vector<std::pair<const Patient*, const Visit*>> found;
	const auto& by_day = ctx.store.VisitsByDay();
	const auto entry = by_day.find(day);
	if (entry != by_day.end())
		for (const auto& ref : entry->second) {
			const Patient* patient = ctx.store.FindPatient(ref.first);
			if (patient == nullptr)
				continue;
			const Visit& v = patient->visits[ref.second];
			if ((!department.empty() && v.department_code != department) ||
			    (!physician.empty() && v.physician_code != physician) ||
			    (klass == "01" && v.account_seconds >= 0) || (klass == "02" && v.account_seconds < 0))
				continue;
			found.push_back({patient, &v});
		}
	if (found.empty()) {
		WriteHeader(ctx, "21", "対象の受付はありません");
		ctx.response.Add("Acceptance_Date", FormatDate(day));
		return;
	}
	WriteHeader(ctx, "00", "処理終了");
	ctx.response.Add("Acceptance_Date", FormatDate(day));
	Node& list = ctx.response.AddArray("Acceptlst_Information", 500);
	for (size_t i = 0; i < found.size() && i < 500; i++) {
		const Patient& patient = *found[i].first;
		const Visit& v = *found[i].second;
		Node& item = list.AppendRecord();
		item.Add("Acceptance_Time", FormatHms(v.seconds));
		item.Add("Acceptance_Id", v.acceptance_id);
		item.Add("Department_Code", v.department_code);
		const Department* dep = ctx.store.FindDepartment(v.department_code);
		item.Add("Department_WholeName", dep ? dep->whole_name : "");
		item.Add("Physician_Code", v.physician_code);
		const Doctor* doctor = ctx.store.FindDoctor(v.physician_code);
		item.Add("Physician_WholeName", doctor ? doctor->whole_name : "");
		item.Add("Medical_Information", v.medical_information);
		item.Add("Claim_Infometion", "0"); // sic
		item.Add("Account_Time", HmsOrEmpty(v.account_seconds));
		item.Add("Appointment_Time", HmsOrEmpty(v.appointment_seconds));
		item.Add("Appointment_Id", v.appointment_id);
		AddPatientBasics(item.AddRecord("Patient_Information"), patient);
		Node& insurance = item.AddRecord("HealthInsurance_Information");
		insurance.Add("Insurance_Combination_Number", ZeroPad(v.combination_number, 4));
		const InsuranceCombination* combination = patient.FindCombination(v.combination_number);
		const HealthInsurance* health =
		    combination && combination->health_index >= 0 &&
		            static_cast<size_t>(combination->health_index) < patient.health.size()
		        ? &patient.health[combination->health_index]
		        : nullptr;
		insurance.Add("InsuranceProvider_Class", health ? health->provider_class : "");
		insurance.Add("InsuranceProvider_Number", health ? health->provider_number : "");
		insurance.Add("InsuranceProvider_WholeName", health ? health->provider_name : "");
	}
}

// diseasegetv2 class=01: Patient_ID; Base_Date YYYY-MM (blank: this month);
// Select_Mode All: every disease name, otherwise those open in the Base_Date
// month (UNCONFIRMED reading of the spec).  At most 200 names, oldest start
// first; Information_Overflow True beyond.  10: no such patient; 21: no
// disease name.
void
HandleDiseaseGet(ApiContext& ctx)
{
	auto lock = ctx.store.ReadLock();
	const std::optional<int> number = ctx.store.ParsePatientNumber(ctx.request.Get("Patient_ID"));
	const Patient* patient = number ? ctx.store.FindPatient(*number) : nullptr;
	if (patient == nullptr) {
		WriteHeader(ctx, "10", "患者番号に該当する患者が存在しません");
		return;
	}
	int month = MonthIndexOfDate(ctx.today);
	const std::string base = ctx.request.Get("Base_Date");
	if (!base.empty()) {
		const std::optional<int> parsed = ParseMonth(base);
		if (!parsed) {
			WriteHeader(ctx, "11", "基準月の設定に誤りがあります");
			return;
		}
		month = *parsed;
	}
	const bool all = ctx.request.Get("Select_Mode") == "All";
	std::vector<const Disease*> names;
	for (const Disease& d : patient->diseases)
		if (all || (d.start <= LastDayOfMonth(month) && (d.end == kNoDate || d.end >= FirstDayOfMonth(month))))
			names.push_back(&d);
	if (names.empty()) {
		WriteHeader(ctx, "21", "対象病名がありません");
		return;
	}
	WriteHeader(ctx, "00", "処理終了");
	ctx.response.Add("Information_Overflow", names.size() > 200 ? "True" : "False");
	AddPatientBasics(ctx.response.AddRecord("Disease_Infores"), *patient);
	ctx.response.Add("Base_Date", FormatMonth(month));
	Node& list = ctx.response.AddArray("Disease_Information", 200);
	for (size_t i = 0; i < names.size() && i < 200; i++) {
		const Disease& d = *names[i];
		Node& item = list.AppendRecord();
		item.Add("Department_Code", d.department_code);
		item.Add("Disease_Code", d.code);
		item.Add("Disease_InOut", d.in_out);
		item.Add("Disease_Name", d.name);
		Node& single = item.AddArray("Disease_Single", 6).AppendRecord();
		single.Add("Disease_Single_Code", d.code);
		single.Add("Disease_Single_Name", d.name);
		item.Add("Disease_Category", d.category);
		item.Add("Disease_SuspectedFlag", d.suspected);
		item.Add("Disease_StartDate", FormatDate(d.start));
		item.Add("Disease_EndDate", d.end == kNoDate ? "" : FormatDate(d.end));
		item.Add("Disease_OutCome", d.outcome);
		item.Add("Disease_Supplement_Name", d.supplement);
		item.Add("Insurance_Combination_Number", ZeroPad(d.combination_number, 4));
		item.Add("Disease_AcuteFlag", d.acute);
	}
}

} // namespace orca_sim
