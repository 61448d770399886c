// data.hpp — the simulated clinic: patients, insurances, wards, departments,
// doctors, admissions (stays) and meal calendars, plus the indexes the APIs
// need (by id, by create/update date, by name prefix).
//
// Everything is generated as a pure function of (patient count, seed, today)
// by GenerateWorld() (data_gen.cpp). Registrations (patientmodv2,
// hsptinfmodv2, hsacctmodv2) mutate the store; callers take ReadLock() or
// WriteLock() around every access.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "util.hpp"

namespace orca_sim {

// --- master data (system management) ----------------------------------------

struct Department {
	std::string code;         // "01"
	std::string whole_name;   // 内科
	std::string name1, name2, name3;
	std::string receipt_code; // レセ電診療科
};

struct Doctor {
	std::string code; // "10001"
	std::string whole_name;
	std::string kana;
	std::string permission_id;
	std::vector<std::string> department_codes;
};

struct Room {
	std::string number;      // "301"
	std::string type_code;   // 01 一般病室 ...
	int beds = 4;
	int charge = 0;          // 室料差額 (yen per day)
	std::string sex_code;    // 1 男部屋 / 2 女部屋 / 3 男女混合
	std::string extension;   // 内線番号
};

struct Ward {
	std::string number;       // "01"
	std::string name;         // 東３病棟
	std::string short_name;
	std::string type_code;    // 01 一般病棟 ...
	std::string charge_code;  // 入院基本料 code
	std::string charge_name;
	int start_date = 0;
	std::vector<Room> rooms;
};

struct DischargeReason {
	std::string code;
	std::string name;
};

// --- patients ------------------------------------------------------------------

struct HealthInsurance {
	std::string provider_class;  // 060 国保, 009 協会, 039 後期高齢者, 980 自費 ...
	std::string provider_number;
	std::string provider_name;   // 制度名称
	std::string symbol;          // full-width digits
	std::string number;          // full-width digits
	std::string continuation;
	std::string assistance;      // 補助区分
	std::string assistance_name;
	std::string relation;        // 1 本人 / 2 家族
	std::string insured_name;
	int start = kNoDate;
	int expire = kNoDate;
	int check_date = kNoDate;
};

struct PublicInsurance {
	std::string insurance_class; // 3 digits
	std::string name;
	std::string payer_number;
	std::string recipient_number;
	std::string rate_admission, rate_outpatient; // "0.00"
	int money_admission = 0, money_outpatient = 0;
	int issued = kNoDate;
	int expire = kNoDate;
};

struct InsuranceCombination {
	int number = 1;          // 0001 ...
	int health_index = -1;   // into Patient::health, -1 = none
	std::vector<int> public_indexes;
	int start = kNoDate;
	int expire = kNoDate;
	std::string rate_admission, rate_outpatient;
	std::string nondisplay = "N";
};

// One meal slot: 0 breakfast, 1 lunch, 2 dinner. Codes are the response
// codes "00".."03".
using MealDay = std::array<std::string, 3>;

// A transfer (転科転棟転室, hsptinfmodv2 08): from `date` on, the stay is in
// the ward/room/department the Stay holds next (the following move's
// `from_*`, or the Stay's own after the last move); before it, in `from_*`.
struct StayMove {
	int date = 0;
	std::string from_ward, from_room, from_department;
};

struct StayPlace {
	std::string ward_number, room_number, department_code;
};

struct Stay {
	int history_number = 1;
	int admission = 0;
	int discharge = 0;             // OpenEndDate() while admitted
	std::string discharge_reason;  // code, "" while admitted
	std::string ward_number;
	std::string room_number;
	std::string department_code;
	std::vector<std::string> doctor_codes;
	int combination_number = 1;
	int room_charge = 0;
	std::string hospital_charge_code;
	std::string diet;              // default meal code "01".."03"
	int meal_start_slot = 1;       // Admission_Meal_Start: 1 breakfast, 2 lunch, 3 dinner, 0 none
	int last_account_month = 0;    // newest month with an inpatient account (month index)
	uint64_t seed = 0;             // for the generated calendar
	std::map<int, MealDay> meal_overrides; // date -> codes ("" = not overridden)
	std::array<int, 3> same_after_from{{INT32_MAX, INT32_MAX, INT32_MAX}};
	std::array<std::string, 3> same_after_code;
	bool meal_type_individual = false; // set by Meal_SameAfter: hsptinfv2 Meal_Type C
	bool generated = true;             // false for stays registered through the API: no random noise
	std::vector<StayMove> moves;       // transfers, oldest first; ward/room/department above: the latest state
	std::map<int, std::string> status_overrides; // date -> Patient_Status registered (hsacctmodv2 2)

	bool IsOpen() const;
	// Ward, room and department on `day` (hsmealv2's per-day place).
	StayPlace PlaceOn(int day) const;
};

// Long-term care (介護) of a patient: patientgetv2 Care_Information.
// An outpatient reception (acceptlstv2), generated on a past weekday.
struct Visit {
	int day = 0;
	int seconds = 0;                 // reception time, seconds of day
	std::string acceptance_id;       // "00001": order of reception that day (set when indexed)
	std::string department_code;
	std::string physician_code;
	std::string medical_information; // 01 診察１, 02 薬のみ, ...
	int appointment_seconds = -1;    // -1: no appointment
	std::string appointment_id;
	int account_seconds = -1;        // -1: waiting for accounting
	int combination_number = 1;
};

// A disease name (diseasegetv2).
struct Disease {
	std::string department_code;
	std::string code;       // 一連病名コード
	std::string name;
	std::string in_out;     // O / I
	std::string category;   // PD: main disease
	std::string suspected;  // S
	std::string acute;      // A
	std::string outcome;    // "" open, F cured, D died, N unchanged, ...
	std::string supplement; // 補足コメント
	int start = 0;
	int end = kNoDate;      // kNoDate while open
	int combination_number = 1;
};

struct CareInsurance {
	std::string provider_number; // 6 digits
	std::string insured_number;  // 10 digits
	int start = kNoDate;
	int expire = kNoDate;
};

struct CareCertification {
	std::string state_code; // 11/12/13 要支援, 21..25 要介護
	std::string state_name;
	int certified = kNoDate;
	int start = kNoDate;
	int expire = kNoDate;
};

struct Patient {
	int number = 0;
	std::string id; // zero-padded
	std::string whole_name;   // 山田　花子
	std::string kana;         // ヤマダ　ハナコ
	std::string given_name;   // part after U+3000 (for ＊ searches)
	std::string given_kana;
	int birth = 0;
	std::string sex;          // "1" / "2"
	std::string householder;
	std::string relationship;
	std::string zip;
	std::string address1, address2;
	std::string phone1, phone2;
	std::string cellular, fax, email;
	std::string occupation;
	std::string workplace_name;
	std::string workplace_zip, workplace_address1, workplace_address2, workplace_phone;
	// Emergency contact (Contact_Information).
	std::string contact_name, contact_relationship, contact_zip, contact_address1, contact_address2,
	    contact_phone1, contact_phone2;
	std::vector<CareInsurance> care_insurances;
	std::vector<CareCertification> care_certifications;
	// Real servers answer some empty free-text fields of patientgetv2 with a
	// lone U+3000 instead of omitting them ("Contraindication1": "　"); the
	// generator stores that U+3000 in the field (UNCONFIRMED whether ORCA
	// stores it or renders empty fields so: stored, an update that omits the
	// field blanks it, which is what a client must not do by accident).
	std::string contraindication1, contraindication2, allergy1, allergy2, infection1, infection2, comment1,
	    comment2;
	std::string test_flag = "0";
	int create_date = kNoDate; // kNoDate for migrated patients
	int update_date = kNoDate;
	int update_time = 0;                              // seconds of day
	int first_visit = kNoDate;
	int last_visit = kNoDate;
	std::vector<HealthInsurance> health;
	std::vector<PublicInsurance> publics;
	std::vector<InsuranceCombination> combinations;
	std::vector<Stay> stays; // ascending by admission date
	std::vector<Visit> visits;     // ascending by day (outpatient.cpp)
	std::vector<Disease> diseases; // ascending by start date (outpatient.cpp)

	bool HasDates() const { return create_date != kNoDate; }
	const Stay* OpenStay() const;
	Stay* OpenStay();
	const InsuranceCombination* FindCombination(int number) const;
};

struct WorldParams;
// Outpatient receptions and disease names of a generated patient, and the
// index of the receptions by day (outpatient.cpp).
void GenerateOutpatient(Patient& patient, uint64_t seed, int today, const std::vector<Department>& departments,
                        const std::vector<Doctor>& doctors);
void IndexVisits(const std::vector<std::unique_ptr<Patient>>& patients,
                 std::map<int, std::vector<std::pair<int, int>>>& by_day);

struct WorldParams {
	int patient_count = 1000;
	uint64_t seed = 1;
	int today = 0; // day number
};

// Patient burden rate by age ("0.30", "0.20", "0.10") and the matching
// HealthInsuredPerson_Assistance code/name.
std::string BurdenRateForAge(int age);
void AssistanceForRate(const std::string& rate, std::string& code, std::string& name);

// --- the store -------------------------------------------------------------------

class DataStore {
public:
	DataStore();

	void Generate(const WorldParams& params); // data_gen.cpp

	std::shared_lock<std::shared_mutex> ReadLock() const { return std::shared_lock<std::shared_mutex>(mutex_); }
	std::unique_lock<std::shared_mutex> WriteLock() { return std::unique_lock<std::shared_mutex>(mutex_); }

	// All accessors below require a lock held by the caller.
	int Today() const { return today_; }
	int IdWidth() const { return id_width_; }
	int PatientCount() const { return live_patients_; }
	int MaxPatientNumber() const;
	std::string FormatPatientId(int number) const;
	// Digits only, 1..10^width-1, after stripping blanks: the number; otherwise nullopt.
	std::optional<int> ParsePatientNumber(std::string_view raw) const;
	const Patient* FindPatient(int number) const;
	Patient* FindPatient(int number);
	const std::vector<std::unique_ptr<Patient>>& AllPatients() const { return by_number_; }

	// Patients whose create date (class 02) or create-or-update date
	// (class 01) falls into [from, to]. Stops after `limit` matches.
	void CollectChanged(bool include_updates, int from, int to, bool exclude_test, size_t limit,
	                    std::vector<const Patient*>& out) const;

	// Name prefix search. `family` / `given` are full-width; an empty given
	// means "whole-name prefix = family". Stops after `limit` matches.
	void CollectByName(const std::string& family, const std::string& given, bool given_only, size_t limit,
	                   const std::function<bool(const Patient&)>& filter, std::vector<const Patient*>& out) const;

	// --- mutations (write lock) ---
	Patient& InsertPatient(std::unique_ptr<Patient> patient);
	void RenamePatient(Patient& patient, const std::string& whole_name, const std::string& kana);
	void TouchPatient(Patient& patient, int day, int seconds_of_day);
	void DeletePatient(int number);
	int NextFreePatientNumber() const;

	// --- master data ---
	const std::vector<Department>& Departments() const { return departments_; }
	const std::vector<Doctor>& Doctors() const { return doctors_; }
	const std::vector<Ward>& Wards() const { return wards_; }
	const std::vector<DischargeReason>& DischargeReasons() const { return discharge_reasons_; }
	const Department* FindDepartment(std::string_view code) const;
	const Doctor* FindDoctor(std::string_view code) const;
	const Ward* FindWard(std::string_view number) const;
	const Room* FindRoom(const Ward& ward, std::string_view number) const;
	const DischargeReason* FindDischargeReason(std::string_view code) const;
	bool IsRegisteredRoomCharge(int yen) const;

	// --- meal calendar ---
	// Response meal codes for one day of a stay, "00".."03".
	MealDay MealsOn(const Stay& stay, int day) const;
	// Patient_Status ("00" in hospital, "01" overnight leave ...).
	std::string StatusOn(const Stay& stay, int day) const;
	// Months [first, last] (month indexes) that have an inpatient account.
	void AccountMonths(const Stay& stay, int& first, int& last) const;

	uint64_t Seed() const { return seed_; }
	// day → (patient number, index into its visits), in reception order (outpatient.cpp)
	const std::map<int, std::vector<std::pair<int, int>>>& VisitsByDay() const { return visits_by_day_; }

private:
	void IndexPatient(const Patient& patient);
	void UnindexPatient(const Patient& patient);
	static void SplitName(const std::string& whole, std::string& given);

	mutable std::shared_mutex mutex_;
	std::map<int, std::vector<std::pair<int, int>>> visits_by_day_;
	uint64_t seed_ = 1;
	int today_ = 0;
	int id_width_ = 5;
	int live_patients_ = 0;
	std::vector<std::unique_ptr<Patient>> by_number_; // index = patient number
	std::set<std::pair<int, int>> by_create_;         // (create date, number)
	std::set<std::pair<int, int>> by_update_;         // (update date, number)
	// (key, number) sorted, for prefix searches
	std::set<std::pair<std::string, int>> by_whole_name_;
	std::set<std::pair<std::string, int>> by_kana_;
	std::set<std::pair<std::string, int>> by_given_name_;
	std::set<std::pair<std::string, int>> by_given_kana_;

	std::vector<Department> departments_;
	std::vector<Doctor> doctors_;
	std::vector<Ward> wards_;
	std::vector<DischargeReason> discharge_reasons_;
	std::vector<int> room_charges_;
};

} // namespace orca_sim
