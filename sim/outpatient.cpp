// outpatient.cpp — the generated outpatient receptions (acceptlstv2) and
// disease names (diseasegetv2) of a patient, and the index of receptions by
// day.  Deterministic from the seed and the patient number, from a stream of
// its own (the other generated data does not change with it).
//
//   receptions: a quarter of the patients, 1-6 receptions on past weekdays of
//     the last two years (after the patient's registration), 08:30-17:00, in a
//     department and with one of its doctors; every one accounted (past days).
//   disease names: 40% of the patients, and every patient with a stay, 1-4
//     names; an inpatient's main disease (PD, I) starts on its latest
//     admission, in the stay's department.  Some are suspected (S), some ended
//     (F cured, N unchanged, R better; D died only for ended stays' patients:
//     never here).
#include "data.hpp"

#include <algorithm>

namespace orca_sim {

namespace {

struct DiseaseName {
	const char* code;
	const char* name;
};

// Sample names with 7-digit codes in the form of ORCA's 一連病名コード.
const DiseaseName kDiseaseNames[] = {
    {"8833421", "高血圧症"},         {"2500013", "２型糖尿病"},   {"2720004", "脂質異常症"},
    {"4659007", "急性上気道炎"},     {"4779004", "アレルギー性鼻炎"}, {"5350011", "慢性胃炎"},
    {"4939004", "気管支喘息"},       {"7245003", "腰痛症"},       {"7159004", "変形性膝関節症"},
    {"2780005", "肥満症"},           {"4280011", "慢性心不全"},   {"4349017", "脳梗塞"},
    {"4860004", "肺炎"},             {"5990013", "尿路感染症"},   {"2449003", "甲状腺機能低下症"},
    {"3119002", "うつ状態"},         {"7807004", "不眠症"},       {"2859014", "貧血"},
    {"5718002", "脂肪肝"},           {"8200010", "大腿骨頚部骨折"},
};
constexpr int kDiseaseNameCount = sizeof(kDiseaseNames) / sizeof(kDiseaseNames[0]);

const char* const kSupplements[] = {"右", "左", "両側", "急性増悪"};
const char* const kEndedOutcomes[] = {"F", "F", "N", "R"};

bool
Weekday(int day)
{
	return ((day % 7) + 7 + 3) % 7 < 5; // day 0 (1970-01-01) was a Thursday
}

const Doctor*
DoctorOf(const std::string& department, const std::vector<Doctor>& doctors, Rng& rng)
{
	std::vector<const Doctor*> in_department;
	for (const Doctor& doctor : doctors)
		if (std::find(doctor.department_codes.begin(), doctor.department_codes.end(), department) !=
		    doctor.department_codes.end())
			in_department.push_back(&doctor);
	if (in_department.empty())
		return doctors.empty() ? nullptr : &doctors[rng.Below(static_cast<uint32_t>(doctors.size()))];
	return in_department[rng.Below(static_cast<uint32_t>(in_department.size()))];
}

} // namespace

void
GenerateOutpatient(Patient& p, uint64_t seed, int today, const std::vector<Department>& departments,
                   const std::vector<Doctor>& doctors)
{
	Rng rng(MixHash(seed ^ 0x6f75747061746965ULL, static_cast<uint64_t>(p.number)));
	const int first_day = std::max({today - 730, p.birth + 1, p.create_date == kNoDate ? 0 : p.create_date});
	const int combination = p.combinations.empty() ? 1 : p.combinations.front().number;

	if (rng.PerMille(250) && first_day < today && !departments.empty()) {
		const int count = 1 + static_cast<int>(rng.Below(6));
		const Department& home = departments[rng.Below(static_cast<uint32_t>(departments.size()))];
		for (int i = 0; i < count; i++) {
			int day = first_day + static_cast<int>(rng.Below(static_cast<uint32_t>(today - first_day)));
			while (!Weekday(day))
				day--;
			if (day < first_day)
				continue;
			Visit v;
			v.day = day;
			v.seconds = 8 * 3600 + 30 * 60 + static_cast<int>(rng.Below(8 * 3600 + 30 * 60));
			v.department_code = rng.PerMille(800) ? home.code
			                                      : departments[rng.Below(static_cast<uint32_t>(departments.size()))].code;
			const Doctor* doctor = DoctorOf(v.department_code, doctors, rng);
			v.physician_code = doctor ? doctor->code : "";
			v.medical_information = rng.PerMille(850) ? "01" : "02";
			if (rng.PerMille(300)) {
				v.appointment_seconds = std::max(9 * 3600, v.seconds - v.seconds % 1800);
				v.appointment_id = ZeroPad(1 + rng.Below(20), 2);
			}
			v.account_seconds = std::min(23 * 3600, v.seconds + 20 * 60 + static_cast<int>(rng.Below(70 * 60)));
			v.combination_number = combination;
			if (std::none_of(p.visits.begin(), p.visits.end(), [&](const Visit& o) { return o.day == day; }))
				p.visits.push_back(v);
		}
		std::sort(p.visits.begin(), p.visits.end(), [](const Visit& a, const Visit& b) { return a.day < b.day; });
	}

	const Stay* latest = p.stays.empty() ? nullptr : &p.stays.back();
	if (latest == nullptr && !rng.PerMille(400))
		return;
	const int earliest = std::max(p.birth + 1, p.create_date == kNoDate ? p.first_visit : p.create_date);
	const int count = 1 + static_cast<int>(rng.Below(4));
	for (int i = 0; i < count; i++) {
		const DiseaseName& n = kDiseaseNames[rng.Below(kDiseaseNameCount)];
		Disease d;
		d.code = n.code;
		d.name = n.name;
		d.in_out = "O";
		d.department_code = departments.empty() ? "01" : departments[rng.Below(static_cast<uint32_t>(departments.size()))].code;
		d.start = earliest < today ? earliest + static_cast<int>(rng.Below(static_cast<uint32_t>(today - earliest))) : today;
		if (rng.PerMille(150))
			d.suspected = "S";
		if (rng.PerMille(100))
			d.acute = "A";
		if (rng.PerMille(150))
			d.supplement = kSupplements[rng.Below(4)];
		if (rng.PerMille(300) && d.start < today) {
			d.end = d.start + 1 + static_cast<int>(rng.Below(static_cast<uint32_t>(today - d.start)));
			d.outcome = kEndedOutcomes[rng.Below(4)];
		}
		d.combination_number = combination;
		p.diseases.push_back(d);
	}
	if (latest != nullptr) {
		// the main disease of the latest stay
		Disease& main = p.diseases.front();
		main.category = "PD";
		main.in_out = "I";
		main.suspected.clear();
		main.start = latest->admission;
		main.department_code = latest->department_code;
		main.end = kNoDate;
		main.outcome.clear();
		if (!latest->IsOpen() && rng.PerMille(700)) {
			main.end = latest->discharge;
			main.outcome = "F";
		}
		main.combination_number = latest->combination_number;
	} else if (rng.PerMille(500)) {
		p.diseases.front().category = "PD";
	}
	std::stable_sort(p.diseases.begin(), p.diseases.end(),
	                 [](const Disease& a, const Disease& b) { return a.start < b.start; });
}

void
IndexVisits(const std::vector<std::unique_ptr<Patient>>& patients, std::map<int, std::vector<std::pair<int, int>>>& by_day)
{
	by_day.clear();
	for (const auto& patient : patients)
		if (patient)
			for (size_t i = 0; i < patient->visits.size(); i++)
				by_day[patient->visits[i].day].push_back({patient->number, static_cast<int>(i)});
	for (auto& day : by_day) {
		std::vector<std::pair<int, int>>& list = day.second;
		auto seconds = [&](const std::pair<int, int>& e) {
			return std::make_pair(patients[e.first]->visits[e.second].seconds, e.first);
		};
		std::sort(list.begin(), list.end(), [&](const auto& a, const auto& b) { return seconds(a) < seconds(b); });
		for (size_t i = 0; i < list.size(); i++)
			patients[list[i].first]->visits[list[i].second].acceptance_id = ZeroPad(static_cast<long long>(i + 1), 5);
	}
}

} // namespace orca_sim
