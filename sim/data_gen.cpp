// data_gen.cpp — deterministic generation of the simulated clinic.
//
// Every patient is generated from its own PRNG seeded with (seed, number),
// so the data are a pure function of (patient count, seed, today). All names,
// addresses and numbers are invented; surnames and given names are common
// Japanese names combined at random.
#include <algorithm>
#include <cstdio>

#include "data.hpp"

namespace orca_sim {

namespace {

struct NameEntry {
	const char* kanji;
	const char* kana;
	int weight; // relative frequency (tenths)
};

// Family names, roughly in the order of their real frequency. Weights make
// some prefixes very common (サ, 佐藤) and some rare (鰐淵).
const NameEntry kFamilyNames[] = {
    {"佐藤", "サトウ", 200},     {"鈴木", "スズキ", 180},     {"高橋", "タカハシ", 150},   {"田中", "タナカ", 140},
    {"伊藤", "イトウ", 120},     {"渡辺", "ワタナベ", 120},   {"山本", "ヤマモト", 110},   {"中村", "ナカムラ", 110},
    {"小林", "コバヤシ", 100},   {"加藤", "カトウ", 90},      {"吉田", "ヨシダ", 90},      {"山田", "ヤマダ", 80},
    {"佐々木", "ササキ", 80},    {"山口", "ヤマグチ", 70},    {"松本", "マツモト", 70},    {"井上", "イノウエ", 70},
    {"木村", "キムラ", 60},      {"林", "ハヤシ", 60},        {"斎藤", "サイトウ", 60},    {"清水", "シミズ", 60},
    {"山崎", "ヤマザキ", 50},    {"森", "モリ", 50},          {"池田", "イケダ", 50},      {"橋本", "ハシモト", 50},
    {"阿部", "アベ", 50},        {"石川", "イシカワ", 40},    {"山下", "ヤマシタ", 40},    {"中島", "ナカジマ", 40},
    {"石井", "イシイ", 40},      {"小川", "オガワ", 40},      {"前田", "マエダ", 40},      {"岡田", "オカダ", 40},
    {"長谷川", "ハセガワ", 30},  {"藤田", "フジタ", 30},      {"後藤", "ゴトウ", 30},      {"近藤", "コンドウ", 30},
    {"村上", "ムラカミ", 30},    {"遠藤", "エンドウ", 20},    {"青木", "アオキ", 20},      {"坂本", "サカモト", 20},
    {"西村", "ニシムラ", 20},    {"福田", "フクダ", 20},      {"太田", "オオタ", 20},      {"三浦", "ミウラ", 20},
    {"藤井", "フジイ", 20},      {"岡本", "オカモト", 20},    {"松田", "マツダ", 20},      {"中川", "ナカガワ", 20},
    {"東", "ヒガシ", 5},         {"柳", "ヤナギ", 4},         {"猪俣", "イノマタ", 3},     {"蛭田", "ヒルタ", 2},
    {"鰐淵", "ワニブチ", 2},     {"四十物", "アイモノ", 1},
};

const NameEntry kMaleGivenNames[] = {
    {"太郎", "タロウ", 10}, {"一郎", "イチロウ", 10}, {"健一", "ケンイチ", 10}, {"誠", "マコト", 10},
    {"浩", "ヒロシ", 10},   {"隆", "タカシ", 10},     {"翔太", "ショウタ", 10}, {"大輔", "ダイスケ", 10},
    {"拓也", "タクヤ", 10}, {"健太", "ケンタ", 10},   {"直樹", "ナオキ", 10},   {"博", "ヒロシ", 10},
    {"茂", "シゲル", 10},   {"清", "キヨシ", 10},     {"勝", "マサル", 10},     {"悠真", "ユウマ", 10},
    {"蓮", "レン", 10},     {"大翔", "ヒロト", 10},   {"修", "オサム", 10},     {"正男", "マサオ", 10},
    {"和夫", "カズオ", 10}, {"昭", "アキラ", 10},     {"進", "ススム", 10},     {"豊", "ユタカ", 10},
    {"亮", "リョウ", 10},   {"陽斗", "ハルト", 10},
};

const NameEntry kFemaleGivenNames[] = {
    {"花子", "ハナコ", 10},   {"美咲", "ミサキ", 10}, {"陽子", "ヨウコ", 10}, {"恵子", "ケイコ", 10},
    {"裕子", "ユウコ", 10},   {"直美", "ナオミ", 10}, {"由美", "ユミ", 10},   {"久美子", "クミコ", 10},
    {"明美", "アケミ", 10},   {"幸子", "サチコ", 10}, {"和子", "カズコ", 10}, {"洋子", "ヨウコ", 10},
    {"真由美", "マユミ", 10}, {"結衣", "ユイ", 10},   {"葵", "アオイ", 10},   {"陽菜", "ヒナ", 10},
    {"京子", "キョウコ", 10}, {"節子", "セツコ", 10}, {"美穂", "ミホ", 10},   {"愛", "アイ", 10},
    {"彩", "アヤ", 10},       {"千尋", "チヒロ", 10}, {"桜", "サクラ", 10},   {"文子", "フミコ", 10},
    {"静香", "シズカ", 10},   {"芽依", "メイ", 10},
};

struct AddressEntry {
	const char* zip;
	const char* address;
	const char* area_code;
};

const AddressEntry kAddresses[] = {
    {"1130021", "東京都文京区本駒込", "03"},       {"1600022", "東京都新宿区新宿", "03"},
    {"1560043", "東京都世田谷区松原", "03"},       {"5300001", "大阪府大阪市北区梅田", "06"},
    {"4600008", "愛知県名古屋市中区栄", "052"},    {"8100001", "福岡県福岡市中央区天神", "092"},
    {"0600001", "北海道札幌市中央区北一条西", "011"}, {"9800811", "宮城県仙台市青葉区一番町", "022"},
    {"7300011", "広島県広島市中区基町", "082"},    {"6900051", "島根県松江市横浜町", "0852"},
    {"2310023", "神奈川県横浜市中区山下町", "045"}, {"3300063", "埼玉県さいたま市浦和区高砂", "048"},
    {"6008216", "京都府京都市下京区東塩小路町", "075"}, {"3800836", "長野県長野市南県町", "026"},
};

const char* const kBuildings[] = {"コーポ桜", "メゾン緑ヶ丘", "ハイツ青葉", "グランドパレス", "サンライズ"};

struct InsurerKind {
	const char* provider_class;
	const char* name;
	const char* number_prefix;
	int random_digits;
};

const InsurerKind kNationalHealth = {"060", "国保", "13", 4};
const InsurerKind kKyokai = {"009", "協会", "0113", 4};
const InsurerKind kKumiai = {"006", "組合", "06", 6};
const InsurerKind kKyosai = {"031", "共済", "31", 6};
const InsurerKind kLateElderly = {"039", "後期高齢者", "3913", 4};

struct PublicKind {
	const char* insurance_class;
	const char* name;
	const char* payer;
	int money_outpatient;
};

const PublicKind kPublicKinds[] = {
    {"019", "原爆一般", "19113760", 0},
    {"051", "特定疾患", "51136018", 0},
    {"054", "難病", "54136015", 5000},
    {"088", "乳幼児医療", "88136017", 0},
};

const char* const kOccupations[] = {"会社員", "自営業", "公務員", "主婦", "無職", "パート", "教員", "農業"};
const char* const kAllergies[] = {"ペニシリン", "卵", "そば", "スギ花粉", "造影剤"};

template <size_t N>
const NameEntry&
PickWeighted(const NameEntry (&table)[N], Rng& rng)
{
	int total = 0;
	for (const NameEntry& entry : table)
		total += entry.weight;
	int pick = static_cast<int>(rng.Below(static_cast<uint32_t>(total)));
	for (const NameEntry& entry : table) {
		if (pick < entry.weight)
			return entry;
		pick -= entry.weight;
	}
	return table[0];
}

std::string
RandomDigits(Rng& rng, int count)
{
	std::string digits;
	for (int i = 0; i < count; i++)
		digits += static_cast<char>('0' + rng.Below(10));
	return digits;
}

std::string
PhoneNumber(Rng& rng, const std::string& area)
{
	switch (area.size()) {
	case 2:
		return area + "-" + RandomDigits(rng, 4) + "-" + RandomDigits(rng, 4);
	case 3:
		return area + "-" + RandomDigits(rng, 3) + "-" + RandomDigits(rng, 4);
	default:
		return area + "-" + RandomDigits(rng, 2) + "-" + RandomDigits(rng, 4);
	}
}

HealthInsurance
MakeInsurance(const InsurerKind& kind, Rng& rng, const Patient& patient, bool self, const std::string& rate)
{
	HealthInsurance insurance;
	insurance.provider_class = kind.provider_class;
	insurance.provider_name = kind.name;
	insurance.provider_number = std::string(kind.number_prefix) + RandomDigits(rng, kind.random_digits);
	if (insurance.provider_class == "039") {
		insurance.symbol = "";
		insurance.number = DigitsToFullWidth(RandomDigits(rng, 8));
	} else {
		insurance.symbol = DigitsToFullWidth(RandomDigits(rng, 1 + static_cast<int>(rng.Below(7))));
		insurance.number = DigitsToFullWidth(RandomDigits(rng, 1 + static_cast<int>(rng.Below(6))));
	}
	insurance.relation = self ? "1" : "2";
	insurance.insured_name = self ? patient.whole_name : patient.householder;
	AssistanceForRate(rate, insurance.assistance, insurance.assistance_name);
	return insurance;
}

std::string
FullWidthNumber(int value)
{
	return DigitsToFullWidth(std::to_string(value));
}

} // namespace

std::string
BurdenRateForAge(int age)
{
	if (age < 6)
		return "0.20";
	if (age < 70)
		return "0.30";
	if (age < 75)
		return "0.20";
	return "0.10";
}

void
AssistanceForRate(const std::string& rate, std::string& code, std::string& name)
{
	if (rate == "0.10") {
		code = "1";
		name = "１割";
	} else if (rate == "0.20") {
		code = "2";
		name = "２割";
	} else {
		code = "3";
		name = "３割";
	}
}

// Master data of the simulated hospital (system management 1005, 1010, 5001,
// 5002, 5005, 5013). Invented but shaped like a small general hospital.
static void
BuildMasterData(std::vector<Department>& departments, std::vector<Doctor>& doctors, std::vector<Ward>& wards,
                std::vector<DischargeReason>& reasons, std::vector<int>& room_charges)
{
	departments = {
	    {"01", "内科", "内科", "内科", "内", "01"},         {"02", "精神科", "精神科", "精神", "精", "02"},
	    {"03", "小児科", "小児科", "小児科", "小", "09"},   {"04", "整形外科", "整形外科", "整形", "整", "11"},
	    {"10", "外科", "外科", "外科", "外", "10"},         {"11", "皮膚科", "皮膚科", "皮膚科", "皮", "19"},
	    {"20", "泌尿器科", "泌尿器科", "泌尿器", "泌", "20"}, {"22", "産婦人科", "産婦人科", "産婦人", "産", "23"},
	};
	doctors = {
	    {"10001", "青山　誠一", "アオヤマ　セイイチ", "MD100231", {"01"}},
	    {"10002", "北川　玲子", "キタガワ　レイコ", "MD100877", {"01", "03"}},
	    {"10003", "南條　健吾", "ナンジョウ　ケンゴ", "MD101342", {"10"}},
	    {"10004", "西園　亜紀", "ニシゾノ　アキ", "MD102009", {"04"}},
	    {"10005", "東郷　文彦", "トウゴウ　フミヒコ", "MD102561", {"02"}},
	    {"10006", "三上　沙織", "ミカミ　サオリ", "MD103118", {"03"}},
	    {"10007", "桐生　達也", "キリュウ　タツヤ", "MD103790", {"20"}},
	    {"10008", "水野　恵美", "ミズノ　エミ", "MD104402", {"22", "11"}},
	};
	reasons = {{"01", "治癒"}, {"02", "軽快"}, {"03", "転医"}, {"04", "中止"}, {"05", "死亡"}, {"09", "その他"}};
	room_charges = {0, 3300, 5500, 11000};

	struct WardSpec {
		const char* number;
		const char* name;
		const char* type_code;
		const char* charge_code;
		const char* charge_name;
		int first_room;
		int room_count;
	};
	const WardSpec specs[] = {
	    {"01", "東３病棟", "01", "190117710", "一般病棟７対１入院基本料", 301, 8},
	    {"02", "西３病棟", "01", "190117710", "一般病棟７対１入院基本料", 351, 8},
	    {"03", "東４病棟", "01", "190077410", "一般病棟１０対１入院基本料", 401, 8},
	    {"04", "西４病棟", "04", "190120110", "療養病棟入院基本料１", 451, 6},
	};
	const int settings_start = DaysFromCivil(2012, 4, 1);
	for (const WardSpec& spec : specs) {
		Ward ward;
		ward.number = spec.number;
		ward.name = spec.name;
		ward.short_name = spec.name;
		ward.type_code = spec.type_code;
		ward.charge_code = spec.charge_code;
		ward.charge_name = spec.charge_name;
		ward.start_date = settings_start;
		for (int i = 0; i < spec.room_count; i++) {
			Room room;
			const int number = spec.first_room + i;
			room.number = std::to_string(number);
			if (i == 0) {
				room.beds = 1;
				room.charge = 11000;
			} else if (i == 1) {
				room.beds = 1;
				room.charge = 5500;
			} else if (i == 2) {
				room.beds = 2;
				room.charge = 3300;
			} else {
				room.beds = 4;
				room.charge = 0;
			}
			room.type_code = "01";
			room.sex_code = i < 3 ? "3" : (i % 2 == 0 ? "1" : "2");
			room.extension = std::to_string(2000 + number);
			ward.rooms.push_back(room);
		}
		wards.push_back(ward);
	}
}

static void
GenerateInsurances(Patient& patient, Rng& rng, int today, int earliest)
{
	const int age = AgeOn(patient.birth, today);
	const std::string rate = BurdenRateForAge(age);
	const bool self = age >= 20 || patient.relationship == "本人";

	if (rng.PerMille(10)) {
		// Self-pay only (自費).
		HealthInsurance self_pay;
		self_pay.provider_class = "980";
		self_pay.provider_name = "自費";
		self_pay.relation = "1";
		self_pay.assistance = "2";
		self_pay.assistance_name = "非課税";
		self_pay.insured_name = patient.whole_name;
		self_pay.start = std::max(earliest, patient.birth);
		self_pay.expire = OpenEndDate();
		self_pay.check_date = self_pay.start;
		patient.health.push_back(self_pay);
	} else {
		const InsurerKind* kind;
		if (age >= 75) {
			kind = &kLateElderly;
		} else {
			const uint32_t pick = rng.Below(100);
			kind = pick < 40 ? &kNationalHealth : pick < 75 ? &kKyokai : pick < 92 ? &kKumiai : &kKyosai;
		}
		HealthInsurance primary = MakeInsurance(*kind, rng, patient, self || kind == &kLateElderly, rate);
		const int window = std::max(1, today - std::max(earliest, patient.birth));
		primary.start = std::max(earliest, patient.birth) + static_cast<int>(rng.Below(static_cast<uint32_t>(
		                                                      std::min(window, 730))));
		primary.start = std::min(primary.start, today);
		if (kind == &kLateElderly) {
			// 後期高齢者医療 starts at 75 (and did not exist before 2008-04).
			int by, bm, bd;
			CivilFromDays(patient.birth, by, bm, bd);
			const int seventy_fifth = DaysFromCivil(by + 75, bm, std::min(bd, DaysInMonth(by + 75, bm)));
			primary.start = std::min(today, std::max(seventy_fifth, DaysFromCivil(2008, 4, 1)));
		}
		primary.expire = OpenEndDate();
		primary.check_date = std::min(today, primary.start + static_cast<int>(rng.Below(400)));
		patient.health.push_back(primary);

		// About one patient in five also has an older, expired insurance.
		if (rng.PerMille(200) && primary.start - patient.birth > 400) {
			const InsurerKind& old_kind = kind == &kKyokai ? kNationalHealth : kKyokai;
			HealthInsurance old = MakeInsurance(old_kind, rng, patient, self, BurdenRateForAge(std::max(age - 3, 0)));
			old.expire = primary.start - 1;
			old.start = std::max(patient.birth, old.expire - 300 - static_cast<int>(rng.Below(2500)));
			old.check_date = old.start;
			patient.health.push_back(old);
		}
	}

	// Public expense (公費) for some patients.
	if (rng.PerMille(80)) {
		const PublicKind& kind =
		    age < 6 ? kPublicKinds[3] : kPublicKinds[rng.Below(3)];
		PublicInsurance pub;
		pub.insurance_class = kind.insurance_class;
		pub.name = kind.name;
		pub.payer_number = kind.payer;
		pub.recipient_number = RandomDigits(rng, 7);
		pub.rate_admission = "0.00";
		pub.rate_outpatient = "0.00";
		pub.money_admission = 0;
		pub.money_outpatient = kind.money_outpatient;
		pub.issued = patient.health[0].start;
		pub.expire = OpenEndDate();
		patient.publics.push_back(pub);
	}

	// Insurance combinations (保険組合せ).
	int next = 1;
	{
		InsuranceCombination combination;
		combination.number = next++;
		combination.health_index = 0;
		combination.start = patient.health[0].start;
		combination.expire = OpenEndDate();
		const std::string combination_rate = patient.health[0].provider_class == "980" ? "1.00" : rate;
		combination.rate_admission = combination_rate;
		combination.rate_outpatient = combination_rate;
		patient.combinations.push_back(combination);
	}
	if (patient.health.size() > 1) {
		InsuranceCombination combination;
		combination.number = next++;
		combination.health_index = 1;
		combination.start = patient.health[1].start;
		combination.expire = patient.health[1].expire;
		combination.rate_admission = BurdenRateForAge(std::max(age - 3, 0));
		combination.rate_outpatient = combination.rate_admission;
		patient.combinations.push_back(combination);
	}
	if (!patient.publics.empty()) {
		InsuranceCombination combination;
		combination.number = next++;
		combination.health_index = 0;
		combination.public_indexes.push_back(0);
		combination.start = std::max(patient.health[0].start, patient.publics[0].issued);
		combination.expire = OpenEndDate();
		combination.rate_admission = "0.00";
		combination.rate_outpatient = "0.00";
		patient.combinations.push_back(combination);
	}
}

static void
GenerateStays(Patient& patient, Rng& rng, int today, uint64_t seed, const std::vector<Ward>& wards,
              const std::vector<Doctor>& doctors, const std::vector<DischargeReason>& reasons)
{
	const bool current = rng.PerMille(15);
	const bool past = rng.PerMille(50);
	if (!current && !past)
		return;
	const int minimum_admission = std::max({DaysFromCivil(2012, 4, 1), patient.birth,
	                                        patient.create_date == kNoDate ? 0 : patient.create_date});
	if (minimum_admission > today)
		return;

	static const char* const kInpatientDepartments[] = {"01", "01", "01", "10", "10", "04", "04", "02", "20", "22"};
	auto make_stay = [&](int admission, int discharge) {
		Stay stay;
		stay.admission = admission;
		stay.discharge = discharge;
		std::string department = kInpatientDepartments[rng.Below(10)];
		if (department == "22" && patient.sex != "2")
			department = "01";
		stay.department_code = department;
		const Ward& ward = wards[rng.Below(static_cast<uint32_t>(wards.size()))];
		const Room& room = ward.rooms[rng.Below(static_cast<uint32_t>(ward.rooms.size()))];
		stay.ward_number = ward.number;
		stay.room_number = room.number;
		stay.room_charge = room.charge;
		stay.hospital_charge_code = ward.charge_code;
		std::vector<const Doctor*> candidates;
		for (const Doctor& doctor : doctors)
			if (std::find(doctor.department_codes.begin(), doctor.department_codes.end(), department) !=
			    doctor.department_codes.end())
				candidates.push_back(&doctor);
		if (candidates.empty())
			candidates.push_back(&doctors[0]);
		stay.doctor_codes.push_back(candidates[rng.Below(static_cast<uint32_t>(candidates.size()))]->code);
		if (rng.PerMille(200)) {
			const std::string& second = doctors[rng.Below(static_cast<uint32_t>(doctors.size()))].code;
			if (second != stay.doctor_codes[0])
				stay.doctor_codes.push_back(second);
		}
		stay.combination_number = patient.combinations.back().number;
		if (patient.combinations.back().expire != OpenEndDate())
			stay.combination_number = 1;
		const uint32_t diet = rng.Below(1000);
		stay.diet = diet < 850 ? "01" : diet < 950 ? "02" : "03";
		const uint32_t start = rng.Below(10);
		stay.meal_start_slot = start < 6 ? 2 : start < 8 ? 1 : 3;
		if (discharge != OpenEndDate()) {
			const uint32_t reason = rng.Below(100);
			stay.discharge_reason = reason < 20 ? reasons[0].code
			                        : reason < 80 ? reasons[1].code
			                        : reason < 90 ? reasons[2].code
			                        : reason < 95 ? reasons[3].code
			                        : reason < 97 ? reasons[4].code
			                                      : reasons[5].code;
		}
		return stay;
	};

	std::vector<Stay> stays;
	int cursor = today;
	if (current) {
		const int admission = std::max(minimum_admission, today - static_cast<int>(rng.Below(91)));
		stays.push_back(make_stay(admission, OpenEndDate()));
		stays.back().last_account_month = MonthIndexOfDate(today);
		cursor = admission - 1;
	}
	if (past) {
		const int count = 1 + static_cast<int>(rng.Below(3));
		for (int i = 0; i < count; i++) {
			const int discharge = cursor - 5 - static_cast<int>(rng.Below(900));
			const int length = rng.PerMille(100) ? 46 + static_cast<int>(rng.Below(135))
			                                       : 1 + static_cast<int>(rng.Below(45));
			const int admission = discharge - length;
			if (admission < minimum_admission)
				break;
			stays.push_back(make_stay(admission, discharge));
			cursor = admission - 1;
		}
	}
	std::reverse(stays.begin(), stays.end());
	for (size_t i = 0; i < stays.size(); i++) {
		stays[i].history_number = static_cast<int>(i) + 1;
		stays[i].seed = MixHash(seed ^ static_cast<uint64_t>(patient.number) * 0x10001ULL, i + 1);
	}
	if (current) {
		// The current stay's inpatient accounts (the months hsmealv2 answers):
		// ORCA keeps them ahead — registrations create the month of their date
		// up to three months after the current one, and 入院会計作成 (hsacctmodv2
		// 9) creates the following months up to there — and, early in a month,
		// the new month may not have its account yet (the spec's example:
		// accounts August–October on November 1st). From a hash of the stay,
		// not from rng, so the rest of the world does not move.
		Stay& stay = stays.back();
		const int month = MonthIndexOfDate(today);
		const uint64_t draw = MixHash(stay.seed, 0xacc0u) % 100;
		int last = draw < 50 ? month : draw < 70 ? month + 1 : draw < 85 ? month + 2 : month + 3;
		if (draw >= 95 && MonthIndexOfDate(stay.admission) < month)
			last = month - 1;
		stay.last_account_month = last;
	}
	patient.stays = std::move(stays);
}

// What real servers answer beyond the basics, from a PRNG of its own so the
// rest of the data stays as it was: workplace, emergency contact and care
// information for some patients; names padded with a trailing U+3000 and
// empty free-text fields answered as a lone U+3000 by some (as captured from
// real servers: "テスト　コウレイシャ　", "Contraindication1": "　").
static void
GenerateRealServerTraits(Patient& p, uint64_t seed, int today)
{
	Rng rng(MixHash(seed ^ 0x5eed18f1de117ULL, static_cast<uint64_t>(p.number)));
	const char* const kSpace = "　";
	// Family names written with characters outside JIS X 0208, which ORCA's
	// name search refuses (Api_Result 10): 𠮷田 (U+20BB7, outside the BMP),
	// 髙橋 (JIS X 0212), and 斎藤 with a clinic-defined 外字 (private use
	// U+E000); the kana stays as it is.
	static const char* const kVariants[][2] = {
	    {"吉田　", "\xF0\xA0\xAE\xB7田　"}, {"高橋　", "髙橋　"}, {"斎藤　", "\xEE\x80\x80藤　"}};
	const bool variant = rng.PerMille(100);
	for (const auto& v : kVariants)
		if (variant && p.whole_name.compare(0, std::char_traits<char>::length(v[0]), v[0]) == 0)
			p.whole_name = v[1] + p.whole_name.substr(std::char_traits<char>::length(v[0]));
	// A few birth dates no registration screen would take (data-entry
	// errors and migrations hold them): before 1800 or after today.
	if (rng.PerMille(15) && p.stays.empty() && p.whole_name.compare(0, 9, "佐藤　") == 0)
		p.birth = rng.PerMille(700) ? DaysFromCivil(1700 + static_cast<int>(rng.Below(99)), 1 + static_cast<int>(rng.Below(12)), 1)
		                            : today + 1 + static_cast<int>(rng.Below(3000));
	if (rng.PerMille(30)) {
		p.whole_name += kSpace;
		p.kana += kSpace;
	}
	// Some patients hold a lone U+3000 in their empty free-text fields (as
	// the screens store a cleared field): patientgetv2 answers it, and only
	// a registration that sends something else changes it.
	if (rng.PerMille(100))
		for (std::string* detail : {&p.contraindication1, &p.contraindication2, &p.allergy1, &p.allergy2,
		                            &p.infection1, &p.infection2, &p.comment1, &p.comment2})
			if (detail->empty())
				*detail = kSpace;
	const AddressEntry& near = kAddresses[rng.Below(sizeof(kAddresses) / sizeof(kAddresses[0]))];
	if (rng.PerMille(200) && !p.occupation.empty() && p.occupation != "無職" && p.occupation != "主婦" &&
	    p.occupation != "学生") {
		static const char* const kEmployers[] = {"架空商事株式会社", "見本銀行", "試験電機株式会社", "仮名市役所",
		                                         "例題運輸株式会社"};
		p.workplace_name = kEmployers[rng.Below(5)];
		p.workplace_zip = near.zip;
		p.workplace_address1 = near.address;
		p.workplace_address2 = FullWidthNumber(1 + static_cast<int>(rng.Below(9))) + "－" +
		                       FullWidthNumber(1 + static_cast<int>(rng.Below(30)));
		p.workplace_phone = PhoneNumber(rng, near.area_code);
	}
	if (rng.PerMille(150)) {
		const bool female = rng.PerMille(500);
		const NameEntry& given = female ? PickWeighted(kFemaleGivenNames, rng) : PickWeighted(kMaleGivenNames, rng);
		p.contact_name = p.whole_name.substr(0, p.whole_name.find(kSpace)) + kSpace + given.kanji;
		p.contact_relationship = female ? (rng.PerMille(500) ? "妻" : "長女") : (rng.PerMille(500) ? "夫" : "長男");
		p.contact_zip = near.zip;
		p.contact_address1 = near.address;
		p.contact_address2 = FullWidthNumber(1 + static_cast<int>(rng.Below(5))) + "丁目" +
		                     FullWidthNumber(1 + static_cast<int>(rng.Below(30))) + "番";
		p.contact_phone1 = PhoneNumber(rng, near.area_code);
		if (rng.PerMille(500))
			p.contact_phone2 = std::string(rng.PerMille(500) ? "090" : "080") + "-" + RandomDigits(rng, 4) + "-" +
			                   RandomDigits(rng, 4);
	}
	// Long-term care insurance from 65; a share is certified (要支援/要介護).
	if (AgeOn(p.birth, today) >= 65 && rng.PerMille(300)) {
		int by, bm, bd;
		CivilFromDays(p.birth, by, bm, bd);
		CareInsurance insurance;
		insurance.provider_number = "13" + RandomDigits(rng, 4);
		insurance.insured_number = RandomDigits(rng, 10);
		insurance.start = std::max(DaysFromCivil(2000, 4, 1), DaysFromCivil(by + 65, bm, std::min(bd, 28)));
		insurance.expire = OpenEndDate();
		p.care_insurances.push_back(insurance);
		if (rng.PerMille(400)) {
			static const char* const kStates[][2] = {{"12", "要支援１"}, {"13", "要支援２"}, {"21", "要介護１"},
			                                         {"22", "要介護２"}, {"23", "要介護３"}, {"24", "要介護４"},
			                                         {"25", "要介護５"}};
			const auto& state = kStates[rng.Below(7)];
			CareCertification certification;
			certification.state_code = state[0];
			certification.state_name = state[1];
			certification.certified = std::max(insurance.start, today - 30 - static_cast<int>(rng.Below(700)));
			certification.start = certification.certified;
			certification.expire = certification.start + 365 * (1 + static_cast<int>(rng.Below(3))) - 1;
			p.care_certifications.push_back(certification);
		}
	}
}

static std::unique_ptr<Patient>
GeneratePatient(int number, const WorldParams& params, const std::vector<Ward>& wards,
                const std::vector<Doctor>& doctors, const std::vector<DischargeReason>& reasons)
{
	Rng rng(MixHash(params.seed, static_cast<uint64_t>(number)));
	auto patient = std::make_unique<Patient>();
	Patient& p = *patient;
	const int today = params.today;
	p.number = number;
	p.sex = rng.Below(100) < 48 ? "1" : "2";
	const NameEntry& family = PickWeighted(kFamilyNames, rng);
	const NameEntry& given = p.sex == "1" ? PickWeighted(kMaleGivenNames, rng) : PickWeighted(kFemaleGivenNames, rng);
	p.whole_name = std::string(family.kanji) + "　" + given.kanji;
	p.kana = std::string(family.kana) + "　" + given.kana;

	// Migrated patients (about 1%): every tenth of the oldest tenth of the
	// numbers; they have no CreateDate/UpdateDate.
	const int oldest_tenth = std::max(1, (params.patient_count + 9) / 10);
	const bool migrated = number <= oldest_tenth && number % 10 == static_cast<int>(params.seed % 10);

	const int first_day = DaysFromCivil(2005, 1, 1);
	const int span = std::max(0, today - first_day);
	const int latest_birth = std::min(today, DaysFromCivil(2025, 12, 31));
	const int earliest_birth = DaysFromCivil(1930, 1, 1);
	if (migrated) {
		p.birth = earliest_birth + static_cast<int>(rng.Below(static_cast<uint32_t>(
		                              std::max(1, std::min(latest_birth, DaysFromCivil(2000, 12, 31)) - earliest_birth))));
	} else {
		// Registration dates grow with the patient number, as on a real server.
		const long long offset = static_cast<long long>(number - 1) * span / std::max(1, params.patient_count);
		p.create_date = std::min(today, first_day + static_cast<int>(offset) + static_cast<int>(rng.Below(3)));
		const int birth_end = std::max(earliest_birth + 1, std::min(latest_birth, p.create_date));
		p.birth = earliest_birth + static_cast<int>(rng.Below(static_cast<uint32_t>(birth_end - earliest_birth)));
		if (rng.PerMille(400)) {
			p.update_date = p.create_date;
		} else {
			const uint32_t range = static_cast<uint32_t>(today - p.create_date + 1);
			p.update_date = p.create_date + static_cast<int>(std::max(rng.Below(range), rng.Below(range)));
		}
		p.update_time = 8 * 3600 + 30 * 60 + static_cast<int>(rng.Below(10 * 3600 + 30 * 60));
	}
	p.test_flag = number % 250 == 7 ? "1" : "0";

	const AddressEntry& address = kAddresses[rng.Below(sizeof(kAddresses) / sizeof(kAddresses[0]))];
	p.zip = address.zip;
	p.address1 = address.address;
	p.address2 = FullWidthNumber(1 + static_cast<int>(rng.Below(5))) + "丁目" +
	             FullWidthNumber(1 + static_cast<int>(rng.Below(30))) + "番" +
	             FullWidthNumber(1 + static_cast<int>(rng.Below(20))) + "号";
	if (rng.PerMille(300))
		p.address2 += std::string("　") + kBuildings[rng.Below(5)] + FullWidthNumber(101 + static_cast<int>(rng.Below(9)) +
		                                                                              100 * static_cast<int>(rng.Below(5)));
	p.phone1 = PhoneNumber(rng, address.area_code);
	if (rng.PerMille(600))
		p.cellular = std::string(rng.PerMille(500) ? "090" : "080") + "-" + RandomDigits(rng, 4) + "-" +
		             RandomDigits(rng, 4);
	if (rng.PerMille(200))
		p.phone2 = p.cellular.empty() ? PhoneNumber(rng, address.area_code) : p.cellular;

	const int age = AgeOn(p.birth, today);
	if (age < 20) {
		const bool father = rng.PerMille(600);
		const NameEntry& parent = father ? PickWeighted(kMaleGivenNames, rng) : PickWeighted(kFemaleGivenNames, rng);
		p.householder = std::string(family.kanji) + "　" + parent.kanji;
		p.relationship = p.sex == "1" ? "長男" : "長女";
		if (age >= 6)
			p.occupation = "学生";
	} else if (rng.PerMille(700)) {
		p.householder = p.whole_name;
		p.relationship = "本人";
		p.occupation = kOccupations[rng.Below(8)];
	} else {
		const NameEntry& spouse = p.sex == "1" ? PickWeighted(kFemaleGivenNames, rng) : PickWeighted(kMaleGivenNames, rng);
		p.householder = std::string(family.kanji) + "　" + spouse.kanji;
		p.relationship = p.sex == "1" ? "夫" : "妻";
		p.occupation = kOccupations[rng.Below(8)];
	}
	if (rng.PerMille(60))
		p.allergy1 = kAllergies[rng.Below(5)];
	if (rng.PerMille(15))
		p.contraindication1 = "ワーファリン併用注意";
	if (rng.PerMille(20))
		p.infection1 = "ＨＢｓ抗原陽性";

	const int earliest = p.create_date == kNoDate ? DaysFromCivil(2003, 4, 1) : p.create_date;
	GenerateInsurances(p, rng, today, earliest);

	if (p.create_date != kNoDate) {
		p.first_visit = p.create_date;
	} else {
		p.first_visit = std::max(p.birth, DaysFromCivil(1995, 1, 1) + static_cast<int>(rng.Below(3600)));
	}
	if (rng.PerMille(800))
		p.last_visit = p.first_visit + static_cast<int>(rng.Below(static_cast<uint32_t>(std::max(1, today - p.first_visit + 1))));

	GenerateStays(p, rng, today, params.seed, wards, doctors, reasons);
	GenerateRealServerTraits(p, params.seed, today);
	return patient;
}

void
DataStore::Generate(const WorldParams& params)
{
	auto lock = WriteLock();
	seed_ = params.seed;
	today_ = params.today;
	int width = 5;
	for (long long limit = 100000; params.patient_count >= limit; limit *= 10)
		width++;
	id_width_ = width;
	BuildMasterData(departments_, doctors_, wards_, discharge_reasons_, room_charges_);
	by_number_.clear();
	by_number_.reserve(static_cast<size_t>(params.patient_count) + 1);
	by_number_.resize(1);
	for (int number = 1; number <= params.patient_count; number++) {
		std::unique_ptr<Patient> patient = GeneratePatient(number, params, wards_, doctors_, discharge_reasons_);
		GenerateOutpatient(*patient, params.seed, params.today, departments_, doctors_);
		InsertPatient(std::move(patient));
	}
	IndexVisits(by_number_, visits_by_day_);
}

} // namespace orca_sim
