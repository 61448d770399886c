// data.cpp — DataStore indexes, lookups, mutations and the meal calendar.
// Generation of the world lives in data_gen.cpp.
#include "data.hpp"

#include <algorithm>

namespace orca_sim {

namespace {

const char kIdeographicSpace[] = "\xE3\x80\x80"; // U+3000

} // namespace

bool
Stay::IsOpen() const
{
	return discharge == OpenEndDate();
}

StayPlace
Stay::PlaceOn(int day) const
{
	StayPlace place{ward_number, room_number, department_code};
	for (auto it = moves.rbegin(); it != moves.rend() && day < it->date; ++it)
		place = StayPlace{it->from_ward, it->from_room, it->from_department};
	return place;
}

const Stay*
Patient::OpenStay() const
{
	for (const Stay& stay : stays)
		if (stay.IsOpen())
			return &stay;
	return nullptr;
}

Stay*
Patient::OpenStay()
{
	for (Stay& stay : stays)
		if (stay.IsOpen())
			return &stay;
	return nullptr;
}

const InsuranceCombination*
Patient::FindCombination(int combination_number) const
{
	for (const InsuranceCombination& combination : combinations)
		if (combination.number == combination_number)
			return &combination;
	return nullptr;
}

DataStore::DataStore() = default;

int
DataStore::MaxPatientNumber() const
{
	for (size_t i = by_number_.size(); i-- > 1;)
		if (by_number_[i])
			return static_cast<int>(i);
	return 0;
}

std::string
DataStore::FormatPatientId(int number) const
{
	return ZeroPad(number, id_width_);
}

std::optional<int>
DataStore::ParsePatientNumber(std::string_view raw) const
{
	std::string_view text = TrimAscii(raw);
	if (!IsAllDigits(text) || text.size() > 20)
		return std::nullopt;
	while (text.size() > 1 && text.front() == '0')
		text.remove_prefix(1);
	if (static_cast<int>(text.size()) > id_width_)
		return std::nullopt;
	int number = 0;
	for (char c : text)
		number = number * 10 + (c - '0');
	if (number <= 0)
		return std::nullopt;
	return number;
}

const Patient*
DataStore::FindPatient(int number) const
{
	if (number <= 0 || static_cast<size_t>(number) >= by_number_.size())
		return nullptr;
	return by_number_[static_cast<size_t>(number)].get();
}

Patient*
DataStore::FindPatient(int number)
{
	if (number <= 0 || static_cast<size_t>(number) >= by_number_.size())
		return nullptr;
	return by_number_[static_cast<size_t>(number)].get();
}

void
DataStore::CollectChanged(bool include_updates, int from, int to, bool exclude_test, size_t limit,
                          std::vector<const Patient*>& out) const
{
	auto accept = [&](int number) {
		const Patient* patient = FindPatient(number);
		if (patient == nullptr || (exclude_test && patient->test_flag == "1"))
			return;
		out.push_back(patient);
	};
	for (auto it = by_create_.lower_bound({from, 0}); it != by_create_.end() && it->first <= to; ++it) {
		accept(it->second);
		if (out.size() >= limit)
			return;
	}
	if (!include_updates)
		return;
	for (auto it = by_update_.lower_bound({from, 0}); it != by_update_.end() && it->first <= to; ++it) {
		const Patient* patient = FindPatient(it->second);
		if (patient == nullptr || (patient->create_date >= from && patient->create_date <= to))
			continue; // listed already through its create date
		accept(it->second);
		if (out.size() >= limit)
			return;
	}
}

void
DataStore::CollectByName(const std::string& family, const std::string& given, bool given_only, size_t limit,
                         const std::function<bool(const Patient&)>& filter, std::vector<const Patient*>& out) const
{
	std::set<int> hits;
	auto scan = [&](const std::set<std::pair<std::string, int>>& index, const std::string& prefix,
	                bool check_given_kanji, bool check_given_kana) {
		for (auto it = index.lower_bound({prefix, 0});
		     it != index.end() && hits.size() < limit && StartsWith(it->first, prefix); ++it) {
			const Patient* patient = FindPatient(it->second);
			if (patient == nullptr)
				continue;
			if (check_given_kanji && !StartsWith(patient->given_name, given))
				continue;
			if (check_given_kana && !StartsWith(patient->given_kana, given))
				continue;
			if (filter && !filter(*patient))
				continue;
			hits.insert(patient->number);
		}
	};
	if (given_only) {
		scan(by_given_name_, given, false, false);
		scan(by_given_kana_, given, false, false);
	} else {
		const bool with_given = !given.empty();
		scan(by_whole_name_, family, with_given, false);
		scan(by_kana_, family, false, with_given);
	}
	for (int number : hits)
		out.push_back(FindPatient(number));
}

void
DataStore::SplitName(const std::string& whole, std::string& given)
{
	const size_t space = whole.find(kIdeographicSpace);
	given = space == std::string::npos ? std::string() : whole.substr(space + 3);
}

void
DataStore::IndexPatient(const Patient& patient)
{
	if (patient.create_date != kNoDate)
		by_create_.insert({patient.create_date, patient.number});
	if (patient.update_date != kNoDate)
		by_update_.insert({patient.update_date, patient.number});
	by_whole_name_.insert({patient.whole_name, patient.number});
	by_kana_.insert({patient.kana, patient.number});
	if (!patient.given_name.empty())
		by_given_name_.insert({patient.given_name, patient.number});
	if (!patient.given_kana.empty())
		by_given_kana_.insert({patient.given_kana, patient.number});
}

void
DataStore::UnindexPatient(const Patient& patient)
{
	by_create_.erase({patient.create_date, patient.number});
	by_update_.erase({patient.update_date, patient.number});
	by_whole_name_.erase({patient.whole_name, patient.number});
	by_kana_.erase({patient.kana, patient.number});
	by_given_name_.erase({patient.given_name, patient.number});
	by_given_kana_.erase({patient.given_kana, patient.number});
}

Patient&
DataStore::InsertPatient(std::unique_ptr<Patient> patient)
{
	const size_t number = static_cast<size_t>(patient->number);
	if (by_number_.size() <= number)
		by_number_.resize(number + 1);
	SplitName(patient->whole_name, patient->given_name);
	SplitName(patient->kana, patient->given_kana);
	patient->id = FormatPatientId(patient->number);
	IndexPatient(*patient);
	by_number_[number] = std::move(patient);
	live_patients_++;
	return *by_number_[number];
}

void
DataStore::RenamePatient(Patient& patient, const std::string& whole_name, const std::string& kana)
{
	UnindexPatient(patient);
	patient.whole_name = whole_name;
	patient.kana = kana;
	SplitName(patient.whole_name, patient.given_name);
	SplitName(patient.kana, patient.given_kana);
	IndexPatient(patient);
}

void
DataStore::TouchPatient(Patient& patient, int day, int seconds_of_day)
{
	UnindexPatient(patient);
	// A migrated row keeps its blank CreateDate; only the update stamp is set
	// (UNCONFIRMED: the real server may also fill CreateDate).
	patient.update_date = day;
	patient.update_time = seconds_of_day;
	IndexPatient(patient);
}

void
DataStore::DeletePatient(int number)
{
	Patient* patient = FindPatient(number);
	if (patient == nullptr)
		return;
	UnindexPatient(*patient);
	by_number_[static_cast<size_t>(number)].reset();
	live_patients_--;
}

int
DataStore::NextFreePatientNumber() const
{
	// ORCA auto-numbering continues after the highest number ever issued.
	return static_cast<int>(std::max<size_t>(by_number_.size(), 1));
}

const Department*
DataStore::FindDepartment(std::string_view code) const
{
	for (const Department& department : departments_)
		if (department.code == code)
			return &department;
	return nullptr;
}

const Doctor*
DataStore::FindDoctor(std::string_view code) const
{
	for (const Doctor& doctor : doctors_)
		if (doctor.code == code)
			return &doctor;
	return nullptr;
}

const Ward*
DataStore::FindWard(std::string_view number) const
{
	for (const Ward& ward : wards_)
		if (ward.number == number)
			return &ward;
	return nullptr;
}

const Room*
DataStore::FindRoom(const Ward& ward, std::string_view number) const
{
	for (const Room& room : ward.rooms)
		if (room.number == number)
			return &room;
	return nullptr;
}

const DischargeReason*
DataStore::FindDischargeReason(std::string_view code) const
{
	for (const DischargeReason& reason : discharge_reasons_)
		if (reason.code == code)
			return &reason;
	return nullptr;
}

bool
DataStore::IsRegisteredRoomCharge(int yen) const
{
	return std::find(room_charges_.begin(), room_charges_.end(), yen) != room_charges_.end();
}

std::string
DataStore::StatusOn(const Stay& stay, int day) const
{
	// Registered outings (hsacctmodv2 2) first.
	if (const auto it = stay.status_overrides.find(day); it != stay.status_overrides.end())
		return it->second;
	// About one day in a hundred is an overnight leave (外泊), never on the
	// admission or discharge day.
	if (stay.generated && day != stay.admission && day != stay.discharge &&
	    MixHash(stay.seed, static_cast<uint64_t>(day)) % 100 == 0)
		return "01";
	return "00";
}

MealDay
DataStore::MealsOn(const Stay& stay, int day) const
{
	MealDay meals;
	const auto override_it = stay.meal_overrides.find(day);
	const bool on_leave = StatusOn(stay, day) != "00";
	for (int slot = 0; slot < 3; slot++) {
		if (override_it != stay.meal_overrides.end() && !override_it->second[static_cast<size_t>(slot)].empty()) {
			meals[static_cast<size_t>(slot)] = override_it->second[static_cast<size_t>(slot)];
			continue;
		}
		if (day >= stay.same_after_from[static_cast<size_t>(slot)]) {
			meals[static_cast<size_t>(slot)] = stay.same_after_code[static_cast<size_t>(slot)];
			continue;
		}
		std::string code = stay.diet;
		if (on_leave)
			code = "00";
		else if (day == stay.admission && (stay.meal_start_slot == 0 || slot + 1 < stay.meal_start_slot))
			code = "00";
		else if (!stay.IsOpen() && day == stay.discharge && slot == 2)
			code = "00";
		else if (stay.generated && MixHash(stay.seed ^ 0x5bd1e995ULL, static_cast<uint64_t>(day) * 4 + static_cast<uint64_t>(slot)) %
		             100 <
		         2)
			code = "00"; // meal stopped (食止め), e.g. before an examination
		meals[static_cast<size_t>(slot)] = code;
	}
	return meals;
}

void
DataStore::AccountMonths(const Stay& stay, int& first, int& last) const
{
	first = MonthIndexOfDate(stay.admission);
	last = stay.IsOpen() ? std::max(stay.last_account_month, first) : MonthIndexOfDate(stay.discharge);
}

} // namespace orca_sim
