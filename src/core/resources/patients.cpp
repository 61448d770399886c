/*
 * patients.cpp — the patients resource: its declaration, then the planning
 * and execution hooks it needs (a lookup by ids, names or date windows that
 * stays complete whatever ORCA's limits).
 *
 * Paths follow shared/orca-api/ (the notes).  patientgetv2 and patientlst2v2
 * both carry an element HealthInsurance_Information, with different
 * meanings (patientgetv2's lists insurance *combinations*, patientlst2v2's
 * the individual insurances): two columns, so a column never changes
 * meaning with the plan.  patientlst3v2 (the name search) answers
 * patientlst2v2 rows.
 *
 * Completeness rules (ORCA is a clinic's production system, and a silently
 * partial answer is the worst outcome):
 *   - patientlst1v2 answers 10 ("1000 or more") without rows: the date window
 *     is split in two and both halves are asked, recursively.  A single day
 *     that still overflows is covered by probing ids with patientlst2v2.
 *   - patientlst1v2 never lists patients without CreateDate/UpdateDate
 *     (migrated data), so a full scan probes every id up to the highest one
 *     seen (and 100 beyond, repeatedly) with patientlst2v2; unknown ids come
 *     back as 【患者番号がありません】 rows and are dropped.
 *   - patientlst3v2 answers 21 ("100 or more") without rows: the search is
 *     narrowed by sex, then by halving the birth-date range; a single day of
 *     one sex that still overflows falls back to the full scan.
 * Every qual is rechecked by PostgreSQL, so a call may return a superset.
 */
#include "core/resources/resource.hpp"

#include "core/dates.hpp"
#include "core/registration/builders.hpp"
#include "core/scan_internal.hpp"

#include <algorithm>
#include <cmath>
#include <iconv.h>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace scan_detail {
void PlanPatients(const ScanSpec &spec, ScanPlan &p);
std::unique_ptr<Executor> MakePatientsExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan,
                                               SessionStats &stats, std::vector<std::string> &warnings);
} // namespace scan_detail

namespace {

constexpr Source kGet = Source::PatientGet;
constexpr Source kL1 = Source::PatientList1;
constexpr Source kL2 = Source::PatientList2;
constexpr unsigned kGetBit = SourceBit(kGet);
constexpr unsigned kL1Bit = SourceBit(kL1);
constexpr unsigned kL2Bit = SourceBit(kL2);

/* The key conditions, by tag: what the planner reads from the declaration. */
enum PatientKey : int { kKeyId, kKeyName, kKeyKana, kKeyBirth, kKeySex, kKeyCreate, kKeyUpdate };

} // namespace

/* ---------------------------------------------------------------------- */
/* The declaration                                                          */
/* ---------------------------------------------------------------------- */

namespace {

/* The registration builders (registration.hpp), as the declaration's write slots. */
bool
InsertPatient(const ResourceDef &r, const WriteInput &in, Registration *out)
{
	*out = BuildPatientInsert(r, *in.newrow, in.today, in.table);
	return true;
}

bool
UpdatePatient(const ResourceDef &r, const WriteInput &in, Registration *out)
{
	*out = BuildPatientUpdate(r, *in.newrow, *in.oldrow, in.current, in.today, in.table, in.trim_values);
	return true;
}

bool
DeletePatient(const ResourceDef &r, const WriteInput &in, Registration *out)
{
	*out = BuildPatientDelete(r, *in.oldrow, in.current, in.table, in.trim_values);
	return true;
}

} // namespace

ResourceDef
resources::Patients()
{
	ResourceDef r;
	r.name = "patients";
	r.comment = "患者 / ORCA patients";
	const auto all = {kGet, kL1, kL2};
	const auto detail = {kGet, kL2};
	r.columns = {
		Col("patient_id", ColumnType::Text, In(all, "Patient_ID"), "患者番号 / patient number, zero-padded as ORCA returns it"),
		Col("whole_name", ColumnType::Text, In(all, "WholeName"), "患者氏名 / name (kanji), family and given name separated by U+3000"),
		Col("whole_name_in_kana", ColumnType::Text, In(all, "WholeName_inKana"), "患者カナ氏名 / name (full-width katakana)"),
		Col("birth_date", ColumnType::Date, In(all, "BirthDate"), "生年月日 / date of birth"),
		Col("sex", ColumnType::Text, In(all, "Sex"), "性別 / 1 male, 2 female"),
		Col("create_date", ColumnType::Date, In({kL1}, "CreateDate"), "登録日 / registration date (NULL for migrated patients)"),
		Col("update_date", ColumnType::Date, In({kL1}, "UpdateDate"), "更新日 / last update date"),
		Col("update_time", ColumnType::Time, In({kL1}, "UpdateTime"), "更新時間 / last update time"),
		Col("test_patient_flag", ColumnType::Text, In({kGet, kL1}, "TestPatient_Flag"), "テスト患者区分 / 0 real patient, 1 test patient"),
		Col("address_zip_code", ColumnType::Text, In(detail, "Home_Address_Information/Address_ZipCode"), "郵便番号 / home postal code (7 digits)"),
		Col("whole_address1", ColumnType::Text, In(detail, "Home_Address_Information/WholeAddress1"), "住所 / home address"),
		Col("whole_address2", ColumnType::Text, In(detail, "Home_Address_Information/WholeAddress2"), "番地方書 / home address (house number, building)"),
		Col("phone_number1", ColumnType::Text, In(detail, "Home_Address_Information/PhoneNumber1"), "自宅電話番号 / home phone"),
		Col("phone_number2", ColumnType::Text, In(detail, "Home_Address_Information/PhoneNumber2"), "連絡先電話番号 / contact phone"),
		Col("outpatient_class", ColumnType::Text, In({kL2}, "Outpatient_Class"), "入院外来区分 / 1 inpatient, 2 not admitted"),
		Col("health_insurance_information", ColumnType::Jsonb, In({kL2}, "HealthInsurance_Information"), "保険情報 / the patient's individual health insurances, jsonb array"),
		Col("public_insurance_information", ColumnType::Jsonb, In({kL2}, "PublicInsurance_Information"), "公費情報 / the patient's public expense entries, jsonb array"),
		Col("house_holder_whole_name", ColumnType::Text, In({kGet}, "HouseHolder_WholeName"), "世帯主名 / head of household"),
		Col("relationship", ColumnType::Text, In({kGet}, "Relationship"), "続柄 / relation to the head of household"),
		Col("occupation", ColumnType::Text, In({kGet}, "Occupation"), "職業 / occupation"),
		Col("nick_name", ColumnType::Text, In({kGet}, "NickName"), "通称名 / common name"),
		Col("cellular_number", ColumnType::Text, In({kGet}, "CellularNumber"), "携帯番号 / mobile phone"),
		Col("fax_number", ColumnType::Text, In({kGet}, "FaxNumber"), "FAX番号 / fax"),
		Col("email_address", ColumnType::Text, In({kGet}, "EmailAddress"), "メールアドレス / e-mail"),
		Col("contraindication1", ColumnType::Text, In({kGet}, "Contraindication1"), "禁忌1 / contraindication note 1"),
		Col("contraindication2", ColumnType::Text, In({kGet}, "Contraindication2"), "禁忌2 / contraindication note 2"),
		Col("allergy1", ColumnType::Text, In({kGet}, "Allergy1"), "アレルギー1 / allergy note 1"),
		Col("allergy2", ColumnType::Text, In({kGet}, "Allergy2"), "アレルギー2 / allergy note 2"),
		Col("infection1", ColumnType::Text, In({kGet}, "Infection1"), "感染症1 / infection note 1"),
		Col("infection2", ColumnType::Text, In({kGet}, "Infection2"), "感染症2 / infection note 2"),
		Col("comment1", ColumnType::Text, In({kGet}, "Comment1"), "コメント1 / comment 1"),
		Col("comment2", ColumnType::Text, In({kGet}, "Comment2"), "コメント2 / comment 2"),
		Col("death_flag", ColumnType::Text, In({kGet}, "Death_Flag"), "死亡区分 / 1 deceased"),
		Col("first_visit_date", ColumnType::Date, In({kGet}, "FirstVisit_Date"), "初診日 / first visit"),
		Col("last_visit_date", ColumnType::Date, In({kGet}, "LastVisit_Date"), "最終来院日 / last visit"),
		Col("insurance_combinations", ColumnType::Jsonb, In({kGet}, "HealthInsurance_Information"), "保険組合せ情報 / insurance combinations (HealthInsurance_Information of the patient's record), jsonb array"),
		Col("workplace_information", ColumnType::Jsonb, In({kGet}, "WorkPlace_Information"), "勤務先情報 / workplace, jsonb object"),
		Col("contact_information", ColumnType::Jsonb, In({kGet}, "Contact_Information"), "連絡先情報 / emergency contact, jsonb object"),
		Col("care_information", ColumnType::Jsonb, In({kGet}, "Care_Information"), "介護保険情報 / long-term care insurance and certifications, jsonb object"),
	};
	const std::vector<QualOp> range = {QualOp::Eq, QualOp::Lt, QualOp::Le, QualOp::Gt, QualOp::Ge};
	r.read.keys = {
	    /* ids: patientlst2v2, 100 a call (or patientgetv2 ?id= for one id
	     * whose columns it carries); a join drives one lookup per outer row */
	    {kKeyId, "patient_id", {QualOp::Eq, QualOp::In}, kL2, "Patient_ID_Information/Patient_ID", "", false, true},
	    /* the name search, narrowed by sex and birth date while it answers 21 */
	    {kKeyName, "whole_name", {QualOp::Eq, QualOp::Prefix}, Api::PatientList3, "WholeName"},
	    {kKeyKana, "whole_name_in_kana", {QualOp::Eq, QualOp::Prefix}, Api::PatientList3, "WholeName"},
	    {kKeyBirth, "birth_date", range, Api::PatientList3, "Birth_StartDate, Birth_EndDate"},
	    {kKeySex, "sex", {QualOp::Eq}, Api::PatientList3, "Sex"},
	    /* date windows: class=02 lists by create date, class=01 by create or update date */
	    {kKeyCreate, "create_date", range, kL1, "Base_StartDate, Base_EndDate"},
	    {kKeyUpdate, "update_date", range, kL1, "Base_StartDate, Base_EndDate"},
	};
	/* Rows found by ids, names or windows get the columns their record lacks
	 * from these, as the query needs them (PatientRowFetch). */
	r.read.hydrate = {
	    {kL2, EndpointOf(kL2).page_size, "detail columns"},
	    {kGet, 1, "one call per patient"},
	    {kL1, EndpointOf(kL1).page_size, "create/update dates and test_patient_flag of the patients found"},
	};
	r.read.plan = scan_detail::PlanPatients;
	r.read.execute = scan_detail::MakePatientsExecutor;
	r.read.calls = ApiBit(kGet) | ApiBit(kL1) | ApiBit(kL2) | ApiBit(Api::PatientList3);
	/* what only a listing of every patient's dates carries is never sent back */
	r.read.named_only_sources = ApiBit(kL1);
	/* a batched join asks patientlst2v2 for 100 ids a call */
	r.read.join_batch = EndpointOf(kL2).page_size;
	/* registrations: patientmodv2 class=01/02/03 */
	r.write.api = Api::PatientMod;
	r.write.insert = InsertPatient;
	r.write.update = UpdatePatient;
	r.write.remove = DeletePatient;
	return r;
}

/* ---------------------------------------------------------------------- */
/* Helpers (scan.hpp)                                                       */
/* ---------------------------------------------------------------------- */

namespace {

/* One EUC-JP conversion handle per backend, opened on first use. */
class EucJp {
public:
	EucJp() : cd_(iconv_open("EUC-JP", "UTF-8")) {}
	~EucJp()
	{
		if (cd_ != reinterpret_cast<iconv_t>(-1))
			iconv_close(cd_);
	}
	EucJp(const EucJp &) = delete;
	EucJp &operator=(const EucJp &) = delete;

	/* True when the UTF-8 character `ch` is in JIS X 0208 (two bytes
	 * 0xA1-0xFE in EUC-JP) or is a half-width katakana (0x8E xx, which
	 * ORCA's name search turns into full width).  ASCII, JIS X 0212 (0x8F),
	 * private-use characters, U+FFFD and everything EUC-JP cannot hold are
	 * refused. */
	bool InSearchSet(const std::string &ch)
	{
		if (cd_ == reinterpret_cast<iconv_t>(-1))
			return false;
		iconv(cd_, nullptr, nullptr, nullptr, nullptr);
		char out[8];
		char *in = const_cast<char *>(ch.data());
		size_t in_left = ch.size(), out_left = sizeof(out);
		char *outp = out;
		if (iconv(cd_, &in, &in_left, &outp, &out_left) == static_cast<size_t>(-1) || in_left != 0)
			return false;
		size_t n = sizeof(out) - out_left;
		auto b = [&](size_t i) { return static_cast<unsigned char>(out[i]); };
		if (n == 2 && b(0) == 0x8E)
			return true;
		return n == 2 && b(0) >= 0xA1 && b(0) <= 0xFE && b(1) >= 0xA1 && b(1) <= 0xFE;
	}

private:
	iconv_t cd_;
};

} // namespace

unsigned
PatientRowFetch(const ScanSpec &spec, unsigned present)
{
	const ResourceDef &r = *spec.resource;
	unsigned fetch = 0;
	/* Columns exactly one of the fetchable APIs carries decide first; then a
	 * column either carries comes from one already asked, else from
	 * patientlst2v2 (100 ids a call, where patientgetv2 is one per patient). */
	for (int pass = 0; pass < 2; pass++)
		for (int c : spec.needed_columns) {
			unsigned s = r.columns[c].Sources();
			if ((s & (present | fetch)) != 0 || s == kL1Bit)
				continue;
			unsigned fetchable = s & (kL2Bit | kGetBit);
			if (pass == 0 && fetchable != kL2Bit && fetchable != kGetBit)
				continue;
			fetch |= (fetchable & kL2Bit) ? kL2Bit : kGetBit;
		}
	return fetch;
}

bool
PossiblePatientId(const std::string &value)
{
	/* Patient_ID is 20 bytes wide, and ORCA answers it in ASCII (digits,
	 * zero-padded): a longer value, a control character or a non-ASCII one
	 * ('０００４２') can never be equal to one. */
	if (value.empty() || value.size() > 20)
		return false;
	bool blank = true;
	for (unsigned char c : value) {
		if (c < 0x20 || c > 0x7E)
			return false;
		blank = blank && c == ' ';
	}
	return !blank;
}

std::string
PushableNameText(const std::string &value)
{
	/* Trailing spaces (U+3000 or ASCII) are dropped: ORCA keeps a trailing
	 * U+3000 in names, and a shorter prefix only finds more. */
	std::string s = value;
	for (;;) {
		if (!s.empty() && s.back() == ' ')
			s.pop_back();
		else if (s.size() >= 3 && s.compare(s.size() - 3, 3, "\xE3\x80\x80") == 0)
			s.resize(s.size() - 3);
		else
			break;
	}
	if (s.empty() || s.size() > 200)
		return {};
	/* ORCA's name search (ORCSKANACHK) accepts JIS X 0208 (EUC-JP servers;
	 * UTF-8 servers also take JIS X 0213) and answers 10 (外字) for anything
	 * else; it turns half-width input into full width and reads ＊ as the
	 * family/given separator.  Push only plain full-width JIS X 0208 text,
	 * so the answer is a superset of the SQL predicate. */
	static EucJp euc;
	for (size_t i = 0; i < s.size();) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
		if (len < 2 || i + len > s.size())
			return {};
		std::string ch = s.substr(i, len);
		if (ch == "＊" || !euc.InSearchSet(ch))
			return {};
		i += len;
	}
	return s;
}

namespace scan_detail {

namespace {

/* Ids one patientlst2v2 call takes. */
size_t
IdsPerList2Call()
{
	return static_cast<size_t>(EndpointOf(Api::PatientList2).page_size);
}
constexpr long kMaxProbedIds = 200000; /* 2000 patientlst2v2 calls */
constexpr size_t kGetBatch = 4;        /* patientgetv2 calls completed together */
constexpr const char *kNoSuchPatient = "【患者番号がありません】";
constexpr const char *kMinDate = "1900-01-01"; /* no ORCA record predates this */
/* The sized sweep of patientlst1v2 windows (PatientsExecutor::TargetRows):
 * rows aimed at per call (ORCA's cap is 999), the first window's days, how
 * much a window may grow over the one before, windows in flight. */
constexpr double kWindowTarget = 970.0;
constexpr long kFirstSweepDays = 56;
constexpr long kSweepGrowth = 16;
constexpr long kMinHalfRows = 100; /* rows of a window's older half that make its density */
constexpr long kSweepAhead = 2;
constexpr long kOverflowRows = 1250; /* rows assumed in a sweep window ORCA answered 10 for */
/* Birth dates are narrowed over everything ORCA can hold (YYYYMMDD); the
 * part before kUsualBirthFrom and the part after today are asked on their
 * own, so halving starts from a range where patients are. */
constexpr const char *kFirstBirthDate = "0001-01-01";
constexpr const char *kLastBirthDate = "9999-12-31";
constexpr const char *kUsualBirthFrom = "1800-01-01";
/* Share of the patients patientlst1v2 cannot list (no create/update date),
 * for estimates only. */
constexpr double kUndatedShare = 0.01;
/* Under a LIMIT (ScanSpec::row_hint) an enumeration lists the patients
 * created in the last kRecentDays of ORCA's date first, and the older ones
 * only when more rows are asked for. */
constexpr long kRecentDays = 30;

bool
NumericKey(const std::string &key, long *out)
{
	if (key.empty() || key.size() > 15)
		return false;
	long v = 0;
	for (char c : key) {
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*out = v;
	return true;
}

/* Any qual on create_date/update_date: those are rechecked against patientlst1v2 values. */
bool
HasDateQual(const ScanSpec &spec, const ResourceDef &r)
{
	int c_create = r.KeyOf(kKeyCreate).column_index, c_update = r.KeyOf(kKeyUpdate).column_index;
	for (const QualSpec &q : spec.quals)
		if (q.column == c_create || q.column == c_update)
			return true;
	return false;
}

/* Calls of a patientlst1v2 listing of `rows` patients (split while ORCA
 * answers 10); class=01 lists a patient under its create and its update
 * date, so its windows fill faster. */
double
ListingCalls(double rows, bool class01)
{
	return std::ceil(rows / (class01 ? 250.0 : 500.0)) + 1;
}

/* Calls per row for fetching the records in `fetch`. */
double
FetchCost(unsigned fetch)
{
	return ((fetch & kGetBit) ? 1.0 : 0.0) + ((fetch & kL2Bit) ? 1.0 / IdsPerList2Call() : 0.0);
}

/* The distinct values of an id qual that can be patient numbers, in order. */
std::vector<std::string>
IdSpellings(const QualSpec &q)
{
	std::vector<std::string> out;
	std::unordered_set<std::string> seen;
	for (const auto &v : q.values)
		if (PossiblePatientId(v) && seen.insert(v).second)
			out.push_back(v);
	return out;
}

} // namespace

void
PlanPatients(const ScanSpec &spec, ScanPlan &p)
{
	const ResourceDef &r = *spec.resource;
	const int c_id = r.KeyOf(kKeyId).column_index;
	const int c_name = r.KeyOf(kKeyName).column_index;
	const int c_kana = r.KeyOf(kKeyKana).column_index;
	const int c_birth = r.KeyOf(kKeyBirth).column_index;
	const int c_sex = r.KeyOf(kKeySex).column_index;
	const int c_create = r.KeyOf(kKeyCreate).column_index;
	const int c_update = r.KeyOf(kKeyUpdate).column_index;
	const double n_table = spec.estimated_table_rows;

	bool list1_only_needed = false, update_needed = false;
	for (int c : spec.needed_columns)
		if (r.columns[c].Sources() == kL1Bit) {
			list1_only_needed = true;
			update_needed = update_needed || c != c_create;
		}
	p.needs_dates = list1_only_needed || HasDateQual(spec, r);

	/* The date window that bounds patientlst1v2 calls, from create_date or update_date quals. */
	Bounds create_b = DateBounds(spec, c_create), update_b = DateBounds(spec, c_update);
	bool create_bounded = !create_b.quals.empty(), update_bounded = !update_b.quals.empty();
	if (create_bounded) {
		p.window_column = c_create;
		p.window_create_only = true;
	} else if (update_bounded) {
		p.window_column = c_update;
	}
	auto window_text = [&](bool class01) -> std::string {
		const char *cls = class01 ? "class=01" : "class=02";
		if (p.window_column < 0)
			return std::string(cls) + ", all dates";
		const Bounds &b = p.window_create_only ? create_b : update_b;
		std::string lo = b.has_lo ? FormatDate(b.lo) : (b.quals.empty() ? kMinDate : "$param");
		std::string hi = b.has_hi ? FormatDate(b.hi) : "open end";
		bool known = true;
		for (int qi : b.quals)
			known = known && spec.quals[qi].values_known;
		if (!known)
			return std::string(cls) + ", " + r.columns[p.window_column].name + " window from parameters";
		return std::string(cls) + ", " + r.columns[p.window_column].name + " " + lo + " .. " + hi;
	};
	const double window_fraction = p.window_column < 0 ? 1.0 : 0.1;

	/* A qual that can never be true means no call at all. */
	for (const QualSpec &q : spec.quals)
		if (q.null_value || (q.op == QualOp::In && q.values_known && q.values.empty())) {
			p.strategy = Strategy::Empty;
			p.explain.push_back("no ORCA call: a condition can never be true");
			return;
		}

	p.id_qual = FindQual(spec, c_id, {QualOp::Eq, QualOp::In});
	if (p.id_qual >= 0 && spec.quals[p.id_qual].values_known && IdSpellings(spec.quals[p.id_qual]).empty()) {
		p.strategy = Strategy::Empty;
		p.explain.push_back("no ORCA call: no value can be an ORCA patient number");
		return;
	}
	p.name_qual = -1;
	bool name_from_parameter = false;
	for (int c : {c_name, c_kana}) {
		int qi = FindQual(spec, c, {QualOp::Eq, QualOp::Prefix});
		if (qi >= 0 && spec.quals[qi].values_known && !spec.quals[qi].values.empty() &&
		    !PushableNameText(spec.quals[qi].values[0]).empty()) {
			p.name_qual = qi;
			name_from_parameter = false;
			break;
		}
		/* a generic plan: the name search, if the value bound can be searched */
		if (qi >= 0 && !spec.quals[qi].values_known && p.name_qual < 0) {
			p.name_qual = qi;
			name_from_parameter = true;
		}
	}
	p.sex_qual = FindQual(spec, c_sex, {QualOp::Eq});
	if (p.sex_qual >= 0 && spec.quals[p.sex_qual].values_known && !spec.quals[p.sex_qual].values.empty() &&
	    spec.quals[p.sex_qual].values[0] != "1" && spec.quals[p.sex_qual].values[0] != "2")
		p.sex_qual = -1;
	p.birth_lo_qual = FindQual(spec, c_birth, {QualOp::Eq, QualOp::Gt, QualOp::Ge});
	p.birth_hi_qual = FindQual(spec, c_birth, {QualOp::Eq, QualOp::Lt, QualOp::Le});

	const std::string l1 = CallText(Api::PatientList1) + " — ";
	const std::string l2 = CallText(Api::PatientList2);
	const std::string get = CallText(Api::PatientGet, "id=");
	const std::string list1_name = ApiName(Api::PatientList1);
	double calls = 0, rows = 0;

	/* The driver: the calls that find the rows, and what each row arrives with. */
	struct Origin {
		unsigned parts;
		double rows;
	};
	std::vector<Origin> origins;
	std::string get_scope; /* "per id", "per patient found", ... */
	bool ids_known = false;
	if (p.id_qual >= 0) {
		const QualSpec &q = spec.quals[p.id_qual];
		ids_known = q.values_known;
		double n = q.values_known ? static_cast<double>(IdSpellings(q).size()) : std::max(1, q.estimated_count);
		p.strategy = Strategy::PatientById;
		/* One id whose columns patientgetv2 carries: one patientgetv2 call;
		 * otherwise patientlst2v2 batches (each spelling of an id is asked:
		 * SQL compares them as text, ORCA pads them). */
		p.driver_get = q.op == QualOp::Eq && PatientRowFetch(spec, kGetBit) == 0;
		std::string ids = q.values_known ? Plural(n, "id", "ids")
		                                 : (q.op == QualOp::Eq ? "1 id from a parameter" : "ids from a parameter");
		if (p.driver_get) {
			p.explain.push_back(get + "… — one call per id (" + Plural(n, "call", "calls") + ")");
			calls += n;
		} else {
			double c = std::ceil(n / IdsPerList2Call());
			p.explain.push_back(l2 + " — " + ids + ", " + std::to_string(IdsPerList2Call()) + " a call" +
			                    (q.values_known ? " (" + Plural(c, "call", "calls") + ")" : std::string()));
			calls += c;
		}
		origins.push_back({p.driver_get ? kGetBit : kL2Bit, n});
		get_scope = "one call per id";
		rows = n;
	} else if (p.name_qual >= 0) {
		p.strategy = Strategy::PatientByName;
		std::string crit = "name prefix";
		if (p.birth_lo_qual >= 0 || p.birth_hi_qual >= 0)
			crit += ", birth date range";
		if (p.sex_qual >= 0)
			crit += ", sex";
		p.explain.push_back(CallText(Api::PatientList3) + " — " + crit +
		                    (name_from_parameter ? " from a parameter (when its value cannot be searched: every "
		                                           "patient is listed instead)"
		                                         : std::string()) +
		                    "; narrowed by sex and birth date while ORCA answers 21 (100 or more)");
		calls += 1;
		rows = 20;
		origins.push_back({kL2Bit, rows}); /* patientlst3v2 answers patientlst2v2 rows */
		get_scope = "one call per patient found";
	} else {
		p.strategy = p.window_column >= 0 ? Strategy::PatientByDate : Strategy::PatientFull;
		rows = n_table * window_fraction;
		/* class=02 lists each patient once (by create date) where class=01
		 * lists it under its create and its update date; it serves when no
		 * update date is needed, and a full scan's id probes find every
		 * patient it does not list. */
		bool class01 = !p.window_create_only && (p.window_column >= 0 || p.needs_dates);
		p.explain.push_back(l1 + window_text(class01) + "; windows split while ORCA answers 10 (1000 or more)");
		calls += ListingCalls(rows, class01);
		double probed = 0;
		if (p.strategy == Strategy::PatientFull) {
			p.explain.push_back(l2 + " — ids " + list1_name + " cannot list (no create/update date), " +
			                    std::to_string(IdsPerList2Call()) + " a call");
			calls += 2;
			probed = rows * kUndatedShare;
		}
		origins.push_back({kL1Bit, rows - probed});
		origins.push_back({kL2Bit, probed}); /* probed ids (and a window day with 1000 or more) */
		get_scope = "one call per patient";
	}

	/* Columns only patientlst1v2 carries, for rows found another way: a
	 * listing after the driver, for the patients it found.  It also carries
	 * test_patient_flag, which otherwise costs a patientgetv2 call per row:
	 * list when that is cheaper. */
	bool driver_lists = false;
	for (const Origin &o : origins)
		driver_lists = driver_lists || (o.parts & kL1Bit);
	p.list1_class01 = !p.window_create_only && (p.window_column >= 0 || update_needed);
	double listing = ListingCalls(n_table * window_fraction, p.list1_class01);
	if (!driver_lists) {
		if (list1_only_needed)
			p.need_list1 = true;
		else {
			double without = 0, with = listing;
			for (const Origin &o : origins) {
				without += o.rows * FetchCost(PatientRowFetch(spec, o.parts));
				with += o.rows * ((1 - kUndatedShare) * FetchCost(PatientRowFetch(spec, o.parts | kL1Bit)) +
				                  kUndatedShare * FetchCost(PatientRowFetch(spec, o.parts)));
			}
			p.need_list1 = with < without;
		}
	}

	/* What completes the rows: every needed column from a record the row has. */
	double list2_rows = 0, get_rows = 0;
	bool get_only_unlisted = true;
	for (const Origin &o : origins) {
		p.row_origins.push_back(o.parts);
		unsigned f_all = PatientRowFetch(spec, o.parts);
		unsigned f_listed = p.need_list1 ? PatientRowFetch(spec, o.parts | kL1Bit) : f_all;
		double listed = p.need_list1 ? o.rows * (1 - kUndatedShare) : (o.parts & kL1Bit) ? o.rows : 0;
		double unlisted = o.rows - listed;
		unsigned f_listed_rows = (o.parts & kL1Bit) ? f_all : f_listed;
		list2_rows += ((f_listed_rows & kL2Bit) ? listed : 0) + ((f_all & kL2Bit) ? unlisted : 0);
		get_rows += ((f_listed_rows & kGetBit) ? listed : 0) + ((f_all & kGetBit) ? unlisted : 0);
		p.use_list2 = p.use_list2 || ((f_all | f_listed) & kL2Bit);
		p.use_get = p.use_get || ((f_all | f_listed) & kGetBit);
		if (((o.parts & kL1Bit) ? f_all : f_listed) & kGetBit)
			get_only_unlisted = false;
	}
	if (p.use_list2) {
		p.explain.push_back(l2 + " — detail columns, " + std::to_string(IdsPerList2Call()) + " ids a call");
		calls += std::ceil(list2_rows / IdsPerList2Call());
	}
	if (p.use_get) {
		std::string scope = get_only_unlisted ? "one call per patient " + list1_name + " does not list" : get_scope;
		if (p.strategy == Strategy::PatientById && !get_only_unlisted)
			scope += ids_known ? " (" + Plural(get_rows, "call", "calls") + ")" : std::string();
		else
			scope += ", for detail columns";
		p.explain.push_back(get + "… — " + scope);
		calls += get_rows;
	}
	if (p.need_list1) {
		std::string why = list1_only_needed ? "for create/update dates (only " + list1_name + " carries them)"
		                                    : "for test_patient_flag (cheaper than " + std::string(ApiName(Api::PatientGet)) +
		                                          " per patient)";
		p.explain.push_back(l1 + window_text(p.list1_class01) + ", " + why +
		                    ": after the patients are found, windows split while ORCA answers 10, until every one is listed");
		calls += listing;
	}
	p.estimated_calls = calls;
	p.estimated_rows = std::max(1.0, rows);
}

/* ---------------------------------------------------------------------- */
/* Execution                                                                */
/* ---------------------------------------------------------------------- */

namespace {

enum JobKind { kList1Window, kNameSearch, kEnrich, kProbe, kTailProbe, kIdLookup };

/* A job of the patients executor. */
struct PatientJob final : Job {
	JobKind kind = kList1Window;
	/* kList1Window: a patientlst1v2 window [lo, hi], or from lo on (open_end) */
	long lo = 0, hi = 0;
	bool open_end = false;
	bool listing = false; /* the listing after the driver (need_list1), not the driver */
	bool sweep = false;   /* a window of the sized sweep (StartSweep) */
	bool class02 = false; /* class=02 whatever the plan lists with (one day, SplitWindow) */
	long seq = 0;         /* a sweep window's place in the sweep */
	/* kNameSearch: the narrowing of a patientlst3v2 search */
	int sex = 0;
	bool has_birth = false;
	long birth_lo = 0, birth_hi = 0;
	std::vector<OutRow> rows; /* kEnrich: the rows the calls complete */
	long probe_to = 0;        /* kTailProbe: the last id probed */
};

class PatientsExecutor final : public ExecutorFor<PatientJob> {
public:
	using ExecutorFor::ExecutorFor;

	void Start() override
	{
		if (plan_.strategy == Strategy::Empty) {
			phase_ = Phase::Done;
			return;
		}
		StartDriver();
	}

private:
	/* Driver: the calls that find rows; Gaps/Tail: id probes of a full scan;
	 * Listing: patientlst1v2 for the rows found (need_list1). */
	enum class Phase { Driver, Gaps, Tail, Listing, Done };

	/* class=02 lists each patient once (by create date) where class=01
	 * lists it under its create and its update date; the full enumeration
	 * uses it when no date column is needed, since the id probes that
	 * follow find every patient it does not list. */
	bool CreateOnly(bool listing) const
	{
		return listing ? !plan_.list1_class01
		               : plan_.window_create_only ||
		                     (plan_.window_column < 0 && !plan_.needs_dates && plan_.strategy == Strategy::PatientFull);
	}

	void AddList1Window(long lo, long hi, bool open_end, bool listing, bool sweep = false, bool class02 = false,
	                    long seq = 0)
	{
		auto job = std::make_unique<PatientJob>();
		job->kind = kList1Window;
		job->lo = lo;
		job->hi = hi;
		job->open_end = open_end;
		job->listing = listing;
		job->sweep = sweep;
		job->class02 = class02;
		job->seq = seq;
		Node req = Node::MakeRecord();
		req.children.emplace_back("Base_StartDate", Node::MakeString(FormatDate(lo)));
		if (!open_end)
			req.children.emplace_back("Base_EndDate", Node::MakeString(FormatDate(hi)));
		/* Contain_TestPatient_Flag blank: test patients are included (1 would exclude them). */
		std::string cls = class02 || CreateOnly(listing) ? "class=02" : "class=01";
		AddCall(*job, Api::PatientList1, cls, &req);
		Push(std::move(job));
	}

	void AddList2Call(PatientJob &job, const std::vector<std::string> &ids)
	{
		Node list = Node::MakeArray();
		for (const auto &id : ids) {
			Node item = Node::MakeRecord();
			item.children.emplace_back("Patient_ID", Node::MakeString(id));
			list.children.emplace_back("", std::move(item));
		}
		Node req = Node::MakeRecord();
		req.children.emplace_back("Patient_ID_Information", std::move(list));
		AddCall(job, Api::PatientList2, "", &req);
	}

	void AddGetCall(PatientJob &job, const std::string &id)
	{
		std::string query = "id=";
		static const char hex[] = "0123456789ABCDEF";
		for (char c : id) {
			if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_')
				query += c;
			else {
				query += '%';
				query += hex[(static_cast<unsigned char>(c) >> 4) & 15];
				query += hex[static_cast<unsigned char>(c) & 15];
			}
		}
		AddCall(job, Api::PatientGet, query, nullptr);
	}

	void AddNameSearch(int sex, bool has_birth, long blo, long bhi)
	{
		auto job = std::make_unique<PatientJob>();
		job->kind = kNameSearch;
		job->sex = sex;
		job->has_birth = has_birth;
		job->birth_lo = blo;
		job->birth_hi = bhi;
		Node req = Node::MakeRecord();
		req.children.emplace_back("WholeName", Node::MakeString(PushableNameText(spec_.quals[plan_.name_qual].values[0])));
		if (has_birth) {
			req.children.emplace_back("Birth_StartDate", Node::MakeString(FormatDate(blo)));
			req.children.emplace_back("Birth_EndDate", Node::MakeString(FormatDate(bhi)));
		}
		if (sex)
			req.children.emplace_back("Sex", Node::MakeString(std::to_string(sex)));
		/* 21 (too many): 100 or more, narrow.  10 (a character ORCA's name
		 * search refuses), 11/12 (a birth date it cannot take) are refusals:
		 * read every patient and let PostgreSQL filter. */
		AddCall(*job, Api::PatientList3, "", &req);
		Push(std::move(job));
	}

	void AddProbe(const std::vector<std::string> &ids, JobKind kind, long to = 0)
	{
		auto job = std::make_unique<PatientJob>();
		job->kind = kind;
		job->output = true;
		job->probe_to = to;
		AddList2Call(*job, ids);
		Push(std::move(job));
	}

	void AddTailProbe(long from)
	{
		std::vector<std::string> ids;
		for (long v = from; v < from + static_cast<long>(IdsPerList2Call()); v++)
			ids.push_back(std::to_string(v));
		AddProbe(ids, kTailProbe, from + IdsPerList2Call() - 1);
	}

	void StartWindows(bool listing)
	{
		long lo, hi;
		ParseDate(kMinDate, &lo);
		hi = lo;
		bool open_end = true;
		if (plan_.window_column >= 0) {
			Bounds b = DateBounds(spec_, plan_.window_column);
			if (b.has_lo)
				lo = std::max(lo, b.lo);
			if (b.has_hi) {
				hi = b.hi;
				open_end = false;
			}
			if (!open_end && hi < lo)
				return; /* empty window: nothing can match */
		}
		AddList1Window(lo, open_end ? lo : hi, open_end, listing);
	}

	/* Every distinct spelling that can be a patient number is asked: SQL
	 * compares ids as text, ORCA pads them ('42' and '00042' both find
	 * 00042), so two spellings may find one patient (emitted once) and a
	 * spelling ORCA cannot read must not hide another one. */
	void StartIdLookups()
	{
		std::vector<std::string> ids = IdSpellings(spec_.quals[plan_.id_qual]);
		if (plan_.driver_get) {
			for (const auto &id : ids) {
				auto job = std::make_unique<PatientJob>();
				job->kind = kIdLookup;
				job->output = true;
				AddGetCall(*job, id);
				Push(std::move(job));
			}
			return;
		}
		std::vector<std::string> batch;
		for (const auto &id : ids) {
			batch.push_back(id);
			if (batch.size() == IdsPerList2Call()) {
				AddProbe(batch, kIdLookup);
				batch.clear();
			}
		}
		if (!batch.empty())
			AddProbe(batch, kIdLookup);
	}

	/* Birth-date parts of a name search that still answers 21: two halves
	 * of the range, split in the middle of the part where birth dates
	 * usually are, so the parts before 1800 and after today ride along
	 * instead of costing calls of their own. */
	void SplitBirthRange(int sex, long lo, long hi)
	{
		long usual_lo, usual_hi;
		ParseDate(kUsualBirthFrom, &usual_lo);
		if (!Today(&usual_hi) || usual_hi < usual_lo)
			usual_hi = usual_lo + 365L * 250;
		long mlo = std::max(lo, usual_lo), mhi = std::min(hi, usual_hi);
		long mid = mlo < mhi ? mlo + (mhi - mlo) / 2 : lo + (hi - lo) / 2;
		AddNameSearch(sex, true, lo, mid);
		AddNameSearch(sex, true, mid + 1, hi);
	}

	void StartDriver()
	{
		phase_ = Phase::Driver;
		switch (plan_.strategy) {
		case Strategy::PatientById: StartIdLookups(); break;
		case Strategy::PatientByName: {
			if (spec_.quals[plan_.name_qual].values.empty()) { /* never at execution: values are known */
				fallback_full_ = true;
				break;
			}
			int sex = 0;
			if (plan_.sex_qual >= 0)
				sex = std::atoi(spec_.quals[plan_.sex_qual].values[0].c_str());
			bool has_birth = plan_.birth_lo_qual >= 0 || plan_.birth_hi_qual >= 0;
			long blo = 0, bhi = 0;
			if (has_birth) {
				int col = spec_.quals[plan_.birth_lo_qual >= 0 ? plan_.birth_lo_qual : plan_.birth_hi_qual].column;
				Bounds b = DateBounds(spec_, col);
				long first, last;
				ParseDate(kFirstBirthDate, &first);
				ParseDate(kLastBirthDate, &last);
				blo = b.has_lo ? std::max(b.lo, first) : first;
				bhi = b.has_hi ? std::min(b.hi, last) : last;
				if (bhi < blo)
					break;
			}
			AddNameSearch(sex, has_birth, blo, bhi);
			break;
		}
		case Strategy::PatientByDate:
		case Strategy::PatientFull: StartWindows(false); break;
		default: break;
		}
	}

	/* Under a LIMIT: rows beyond those the query will most likely take are
	 * completed (and listed) only when it asks for them. */
	bool Lazy() const { return spec_.row_hint > 0; }
	bool RowsWanted() const { return static_cast<double>(flushed_) < spec_.row_hint; }
	size_t BatchSize() const { return plan_.use_get && !plan_.use_list2 ? kGetBatch : IdsPerList2Call(); }

	/* The records this row still needs (PatientRowFetch), beyond those it has. */
	unsigned Missing(const OutRow &c) const { return PatientRowFetch(spec_, c.present) & ~c.present; }

	/* A row found by the driver: held for the patientlst1v2 listing when the
	 * plan has one, then completed by patientlst2v2/patientgetv2 calls as
	 * it needs them, then handed out. */
	void Enqueue(OutRow &&c)
	{
		if (plan_.need_list1 && !listing_done_ && !c.Has(Source::PatientList1)) {
			if (wanted_.Insert(c.key))
				held_.push_back(std::move(c));
			return;
		}
		if (Missing(c) != 0) {
			pending_.push_back(std::move(c));
			/* patientgetv2 alone: small batches, so the first rows come after
			 * a few calls (and a LIMIT stops the rest); with patientlst2v2,
			 * batches of 100 ids a call.  Under a LIMIT, the rows it will
			 * take, and the others when it asks for them (Advance). */
			size_t batch = BatchSize();
			if (Lazy()) {
				if (RowsWanted() &&
				    static_cast<double>(pending_.size()) >= std::min<double>(batch, spec_.row_hint - flushed_))
					FlushPending();
				return;
			}
			if (pending_.size() >= batch)
				FlushPending();
			return;
		}
		flushed_++;
		Ready(std::move(c));
	}

	void Ready(OutRow &&c)
	{
		if (!emitted_.Insert(c.key))
			return;
		Emit(std::move(c));
	}

	void FlushPending()
	{
		if (pending_.empty())
			return;
		auto job = std::make_unique<PatientJob>();
		job->kind = kEnrich;
		job->output = true;
		if (Lazy() && pending_.size() > BatchSize()) {
			/* a batch at a time, as the query asks for rows */
			auto end = pending_.begin() + static_cast<long>(BatchSize());
			job->rows.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(end));
			pending_.erase(pending_.begin(), end);
		} else {
			job->rows = std::move(pending_);
			pending_.clear();
		}
		flushed_ += job->rows.size();
		std::vector<std::string> ids;
		for (const auto &c : job->rows)
			if (Missing(c) & SourceBit(Source::PatientList2))
				ids.push_back(c.id);
		if (!ids.empty())
			AddList2Call(*job, ids);
		else
			job->calls.push_back(nullptr);
		for (const auto &c : job->rows) {
			if (Missing(c) & SourceBit(Source::PatientGet))
				AddGetCall(*job, c.id);
			else
				job->calls.push_back(nullptr);
		}
		Push(std::move(job));
	}

	void Complete(PatientJob &job) override
	{
		switch (job.kind) {
		case kList1Window: CompleteWindow(job); break;
		case kNameSearch: CompleteNameSearch(job); break;
		case kEnrich: CompleteEnrich(job); break;
		case kIdLookup: CompleteIdLookup(job); break;
		case kProbe:
		case kTailProbe: CompleteProbe(job); break;
		}
	}

	void CompleteWindow(PatientJob &job)
	{
		ApiCall &call = *job.calls[0];
		if (job.sweep)
			NoteSweepAnswer(job, call);
		if (call.Outcome() == CallOutcome::TooMany) {
			/* The listing after the driver stops once every row it is for is listed. */
			if (job.listing && listed_.size() == held_.size())
				return;
			SplitWindow(job);
			IssueSweep();
			return;
		}
		if (!job.open_end && !call.Rows().empty()) {
			density_rows_ += static_cast<long>(call.Rows().size());
			density_days_ += job.hi - job.lo + 1;
		}
		for (Node &row : call.Rows()) {
			const std::string *id = row.StringAt("Patient_ID");
			if (!id)
				continue;
			std::string key = IdKey(*id);
			if (key.empty())
				continue;
			if (job.listing) {
				if (wanted_.Contains(key))
					listed_.emplace(key, std::move(row));
				continue;
			}
			if (!seen_.Insert(key))
				continue;
			NoteId(key);
			OutRow c;
			c.key = key;
			c.id = *id;
			c.Set(Source::PatientList1, std::move(row));
			Enqueue(std::move(c));
		}
		IssueSweep();
	}

	/* A window ORCA answered 10 for (1000 or more patients). */
	void SplitWindow(const PatientJob &job)
	{
		/* The listing after a lookup by id or name stops once the patients
		 * it is for are listed, wherever their dates are: it keeps the
		 * halving (all parts at once, oldest first). */
		const bool legacy = spec_.legacy_window_sizing || job.listing;
		long today;
		if (!Today(&today) || today < job.lo)
			today = job.lo;
		/* A LIMIT's few rows (issue 10): the patients created in the last
		 * kRecentDays now, the older ones only when more rows are asked
		 * for (Advance takes deferred_ windows). */
		if (job.open_end && Lazy() && !job.listing && RowsWanted() && today - kRecentDays > job.lo) {
			AddList1Window(today - kRecentDays, today - kRecentDays, true, false);
			deferred_.emplace_back(job.lo, today - kRecentDays - 1);
			return;
		}
		/* Nothing answered yet (the first window, over everything asked):
		 * sweep it backwards from today with windows sized from the
		 * density the answers show. */
		if (!legacy && !sweeping_ && last_rows_ < 0 && !job.sweep &&
		    (job.open_end ? today : job.hi) - job.lo + 1 > kFirstSweepDays) {
			StartSweep(job.lo, job.open_end ? today : job.hi, job.open_end, job.listing);
			return;
		}
		if (job.open_end) {
			/* [lo, today] and (today, open end] */
			AddList1Window(job.lo, today, false, job.listing);
			AddList1Window(today + 1, today + 1, true, job.listing);
			return;
		}
		if (job.lo < job.hi) {
			long days = job.hi - job.lo + 1;
			long parts = 2;
			if (legacy) {
				/* The sizing before issue 11 (and orca_fdw.legacy_window_sizing,
				 * for bench/windows.sh): parts from the density of every window
				 * so far, aiming at ~600 rows a call. */
				if (density_days_ > 0) {
					double expected = double(density_rows_) / double(density_days_) * double(days);
					parts = std::max(2L, std::min(32L, static_cast<long>(std::ceil(expected / 600.0))));
				}
			} else {
				/* At least 1000 patients in `days`: parts that each hold about
				 * the target at the density seen last (or at this window's
				 * lower bound, when higher).  A window sized for the target
				 * overflows only because of a denser stretch (a migration
				 * day): then halves, which narrow it down. */
				double rho = 1000.0 / double(days);
				if (last_rows_ > 0 && last_days_ > 0)
					rho = std::max(rho, double(last_rows_) / double(last_days_));
				double want = std::ceil(rho * double(days) / TargetRows(std::max(last_rows_, 0L)));
				parts = std::max(2L, std::min(32L, static_cast<long>(want)));
			}
			parts = std::min(parts, days);
			long start = job.lo;
			for (long i = 0; i < parts; i++) {
				long end = i + 1 == parts ? job.hi : job.lo + days * (i + 1) / parts - 1;
				AddList1Window(start, end, false, job.listing);
				start = end + 1;
			}
			return;
		}
		/* One day with 1000 or more patients created or updated (class=01)
		 * in a scan that asks every date: the patients created on another
		 * day are listed, with both dates, in that day's window; class=02
		 * for this day lists those created on it.  (A window bounded by the
		 * query misses patients created before it: no such rescue.) */
		if (!job.class02 && !CreateOnly(job.listing) && plan_.window_column < 0 && !spec_.legacy_window_sizing) {
			AddList1Window(job.lo, job.lo, false, job.listing, false, true);
			return;
		}
		/* One day with 1000 or more patients: cover it by probing ids. */
		if (job.listing)
			listing_overflow_ = true;
		else
			overflow_day_ = true;
	}

	/* ---- The sized sweep (issue 11) ----
	 * ORCA answers at most 999 patients a patientlst1v2 call and says 10,
	 * without rows, from 1000 on: a call that overflows is wasted.  Halving
	 * from "all dates" down (the sizing before) left windows 28% full on
	 * average.  The sweep walks [lo, hi] backwards from its upper end, one
	 * window after the other (two in flight once a density is known), each
	 * sized so that the density of the last answered window fills it to
	 * TargetRows; a window that still overflows is split (SplitWindow).
	 * Backwards, because ORCA's newest registrations are the densest part
	 * and the oldest end (before the clinic used ORCA) is empty: once a
	 * window answers no row, the rest of the range is one call. */
	static double TargetRows(long seen)
	{
		/* Less than the cap by the noise of the estimate (one standard
		 * deviation of a count of `seen`), never below half of it. */
		double margin = seen > 0 ? 1.0 / std::sqrt(double(seen)) : 0.5;
		return kWindowTarget * std::max(0.5, 1.0 - margin);
	}

	void StartSweep(long lo, long hi, bool open_end, bool listing)
	{
		sweeping_ = true;
		sweep_lo_ = lo;
		sweep_cursor_ = hi;
		sweep_open_ = open_end;
		sweep_listing_ = listing;
		sweep_days_ = 0;
		IssueSweep();
	}

	long NextSweepDays() const
	{
		long rest = sweep_cursor_ - sweep_lo_ + 1;
		if (last_rows_ < 0 || last_days_ <= 0)
			return std::min(rest, kFirstSweepDays);
		if (last_rows_ == 0 || data_started_)
			return rest;
		double rho = double(last_rows_) / double(last_days_);
		long days = static_cast<long>(std::floor(TargetRows(last_rows_) / rho));
		days = std::max(1L, std::min(days, std::max(1L, sweep_days_) * kSweepGrowth));
		return std::min(rest, days);
	}

	/* A sweep window's answer, applied in the order the windows were
	 * issued (answers of windows in flight together arrive in any order):
	 * the windows, and so the calls, do not depend on timing. */
	void NoteSweepAnswer(const PatientJob &job, ApiCall &call)
	{
		SweepAnswer a;
		a.overflow = call.Outcome() == CallOutcome::TooMany;
		a.rows = a.overflow ? 0 : static_cast<long>(call.Rows().size());
		a.days = job.hi - job.lo + 1;
		/* Where the window's rows begin: a window whose oldest quarter holds
		 * none reached the start of the clinic's data, and the rest of the
		 * range goes in one call. */
		long oldest = job.hi + 1;
		/* The density of the window's older half, next to the window that
		 * follows: the density changes along the dates (class=01 windows
		 * thin out away from today, where the update dates crowd). */
		long mid = job.lo + (job.hi - job.lo) / 2, half_rows = 0;
		if (!a.overflow)
			for (Node &row : call.Rows()) {
				long d, first = job.hi + 1;
				for (const char *field : {"CreateDate", "UpdateDate"}) {
					const std::string *v = row.StringAt(field);
					if (v && ParseDate(*v, &d) && d >= job.lo && d <= job.hi)
						first = std::min(first, d);
				}
				oldest = std::min(oldest, first);
				half_rows += first <= mid ? 1 : 0;
			}
		a.started = a.rows > 0 && oldest - job.lo > (job.hi - job.lo) / 4;
		if (a.rows >= 2 * kMinHalfRows && half_rows >= kMinHalfRows) {
			a.rows = half_rows;
			a.days = mid - job.lo + 1;
		}
		sweep_answers_[job.seq] = a;
		for (auto it = sweep_answers_.find(sweep_applied_); it != sweep_answers_.end();
		     it = sweep_answers_.find(sweep_applied_)) {
			if (!it->second.overflow) {
				last_rows_ = it->second.rows;
				last_days_ = it->second.days;
				data_started_ = it->second.started;
			} else {
				/* 1000 or more in that window: the density rose; size the
				 * next window from that bound (a quarter more), not from the
				 * answer before, which would overflow again. */
				last_rows_ = kOverflowRows;
				last_days_ = it->second.days;
				data_started_ = false;
			}
			sweep_answers_.erase(it);
			sweep_applied_++;
		}
	}

	void IssueSweep()
	{
		if (!sweeping_)
			return;
		if (sweep_listing_ && listed_.size() == held_.size() && !held_.empty()) {
			sweeping_ = false;
			return;
		}
		long ahead = last_rows_ > 0 ? kSweepAhead : 1;
		while (sweep_issued_ - sweep_applied_ < ahead && sweep_cursor_ >= sweep_lo_) {
			long days = NextSweepDays();
			long lo = sweep_cursor_ - days + 1;
			AddList1Window(lo, sweep_cursor_, sweep_open_, sweep_listing_, true, false, sweep_issued_++);
			sweep_open_ = false;
			sweep_days_ = days;
			sweep_cursor_ = lo - 1;
		}
		if (sweep_cursor_ < sweep_lo_ && sweep_issued_ == sweep_applied_)
			sweeping_ = false;
	}

	void NoteId(const std::string &key)
	{
		long v;
		if (NumericKey(key, &v))
			max_id_ = std::max(max_id_, v);
		else
			non_numeric_ids_ = true;
	}

	void CompleteNameSearch(PatientJob &job)
	{
		ApiCall &call = *job.calls[0];
		if (call.Outcome() == CallOutcome::Refused) {
			/* ORCA refused the search string or a birth date of ours: a
			 * complete answer needs every patient. */
			FallBackToFullScan(std::string(ApiName(Api::PatientList3)) + " refused the search (Api_Result " +
			                   call.ResultCode().substr(0, 8) + "); the scan listed all patients instead");
			return;
		}
		if (call.Outcome() == CallOutcome::TooMany) {
			if (job.sex == 0) {
				AddNameSearch(1, job.has_birth, job.birth_lo, job.birth_hi);
				AddNameSearch(2, job.has_birth, job.birth_lo, job.birth_hi);
				return;
			}
			long lo = job.birth_lo, hi = job.birth_hi;
			if (!job.has_birth) {
				ParseDate(kFirstBirthDate, &lo);
				ParseDate(kLastBirthDate, &hi);
			}
			if (lo < hi) {
				SplitBirthRange(job.sex, lo, hi);
				return;
			}
			/* Still 100 or more on one day for one sex: read everything. */
			FallBackToFullScan(std::string(ApiName(Api::PatientList3)) +
			                   " could not be narrowed below 100 hits; the scan fell back to listing all patients");
			return;
		}
		for (Node &row : call.Rows())
			AddListedRow(std::move(row), true);
	}

	void FallBackToFullScan(const std::string &warning)
	{
		if (fallback_full_)
			return;
		fallback_full_ = true;
		warnings_.push_back(warning);
	}

	/* A patientlst2v2/lst3v2 row: a candidate with its detail columns. */
	void AddListedRow(Node &&row, bool from_search)
	{
		const std::string *name = row.StringAt("WholeName");
		if (name && *name == kNoSuchPatient)
			return;
		const std::string *id = row.StringAt("Patient_ID");
		if (!id)
			return;
		std::string key = IdKey(*id);
		if (key.empty())
			return;
		if (!seen_.Insert(key) && !from_search)
			return;
		NoteId(key);
		OutRow c;
		c.key = key;
		c.id = *id;
		c.Set(Source::PatientList2, std::move(row));
		Enqueue(std::move(c));
	}

	void CompleteIdLookup(PatientJob &job)
	{
		ApiCall &call = *job.calls[0];
		if (call.GetSource() == Source::PatientList2) {
			CompleteProbe(job);
			return;
		}
		if (call.Outcome() == CallOutcome::Empty || call.Rows().empty())
			return; /* patientgetv2 10: no such patient */
		Node &row = call.Rows()[0];
		const std::string *id = row.StringAt("Patient_ID");
		if (!id)
			return;
		std::string key = IdKey(*id);
		if (key.empty() || !seen_.Insert(key))
			return;
		OutRow c;
		c.key = key;
		c.id = *id;
		c.Set(Source::PatientGet, std::move(row));
		Enqueue(std::move(c));
	}

	void CompleteEnrich(PatientJob &job)
	{
		std::unordered_map<std::string, Node *> l2rows;
		if (job.calls[0])
			for (Node &row : job.calls[0]->Rows()) {
				const std::string *name = row.StringAt("WholeName");
				const std::string *id = row.StringAt("Patient_ID");
				if (!id || (name && *name == kNoSuchPatient))
					continue;
				l2rows.emplace(IdKey(*id), &row);
			}
		for (size_t i = 0; i < job.rows.size(); i++) {
			OutRow &c = job.rows[i];
			unsigned missing = Missing(c);
			if (missing & SourceBit(Source::PatientList2)) {
				auto it = l2rows.find(c.key);
				if (it == l2rows.end())
					continue; /* ORCA does not know this id (any more) */
				c.Set(Source::PatientList2, std::move(*it->second));
				l2rows.erase(it);
			}
			if (missing & SourceBit(Source::PatientGet)) {
				ApiCall *g = job.calls[1 + i].get();
				if (!g || g->Outcome() == CallOutcome::Empty || g->Rows().empty())
					continue;
				c.Set(Source::PatientGet, std::move(g->Rows()[0]));
			}
			Ready(std::move(c));
		}
	}

	void CompleteProbe(PatientJob &job)
	{
		bool found = false;
		for (Node &row : job.calls[0]->Rows()) {
			const std::string *name = row.StringAt("WholeName");
			if (name && *name == kNoSuchPatient)
				continue;
			found = true;
			AddListedRow(std::move(row), false);
		}
		if (job.kind == kTailProbe && found)
			AddTailProbe(job.probe_to + 1);
	}

	/* A one-day window that still answers 10 leaves create/update dates
	 * unknown for some patients: refuse rather than answer NULL for them. */
	void CheckOverflow(bool overflow)
	{
		if (!overflow)
			return;
		throw Error(ErrorKind::Unsupported, "ORCA cannot list the create and update dates completely",
		            std::string(ApiName(Api::PatientList1)) + " answered 10 (1000 or more patients) for a window of a single day.",
		            "Leave create_date, update_date and update_time out of the query, or query patients by id.");
	}

	bool NeedsListedColumns() const
	{
		for (int c : spec_.needed_columns)
			if (spec_.resource->columns[c].Sources() == SourceBit(Source::PatientList1))
				return true;
		return false;
	}

	/* The listing is complete (or stopped early): rows it did not list have
	 * no create/update date; they get test_patient_flag from patientgetv2. */
	void ReleaseHeld()
	{
		listing_done_ = true;
		CheckOverflow(listing_overflow_ && listed_.size() < held_.size() && NeedsListedColumns());
		std::vector<OutRow> held = std::move(held_);
		held_.clear();
		for (OutRow &c : held) {
			auto it = listed_.find(c.key);
			if (it != listed_.end())
				c.Set(Source::PatientList1, std::move(it->second));
			Enqueue(std::move(c));
		}
		listed_.clear();
	}

	/* Probe every id in 1..max_id that patientlst1v2 did not list. */
	void ScheduleGaps()
	{
		if (non_numeric_ids_ && max_id_ == 0)
			return;
		long listed = 0;
		for (long v = 1; v <= max_id_; v++)
			listed += seen_.ContainsNumber(v) ? 1 : 0;
		/* A numbering that starts far from 1 would mean thousands of calls for
		 * ids that never existed: refuse rather than flood the clinic's server. */
		if (max_id_ - listed > kMaxProbedIds)
			throw Error(ErrorKind::Unsupported, "ORCA patient numbers are too sparse to enumerate",
			            std::to_string(max_id_ - listed) + " numbers below the highest one (" + std::to_string(max_id_) +
			                ") are not listed by " + ApiName(Api::PatientList1) + "; probing them would take " +
			                std::to_string((max_id_ - listed) / IdsPerList2Call()) + " calls.",
			            "Query patients by id, name or create/update date instead of enumerating all of them.");
		std::vector<std::string> ids;
		for (long v = 1; v <= max_id_; v++) {
			if (seen_.ContainsNumber(v))
				continue;
			ids.push_back(std::to_string(v));
			if (ids.size() == IdsPerList2Call()) {
				AddProbe(ids, kProbe);
				ids.clear();
			}
		}
		if (!ids.empty())
			AddProbe(ids, kProbe);
	}

	/* After the driver (and a full scan's probes): the listing, if rows wait for it. */
	bool AfterDriver()
	{
		if (!held_.empty()) {
			phase_ = Phase::Listing;
			StartWindows(true);
			return true;
		}
		phase_ = Phase::Done;
		return false;
	}

	bool Advance() override
	{
		if (!pending_.empty()) {
			FlushPending();
			return true;
		}
		switch (phase_) {
		case Phase::Driver:
			if (!deferred_.empty()) {
				auto [lo, hi] = deferred_.back();
				deferred_.pop_back();
				AddList1Window(lo, hi, false, false);
				return true;
			}
			CheckOverflow(overflow_day_ && plan_.needs_dates);
			if (fallback_full_ && plan_.strategy != Strategy::PatientFull) {
				plan_.strategy = Strategy::PatientFull;
				plan_.window_column = -1;
				plan_.window_create_only = false;
				StartWindows(false);
				return true;
			}
			if (plan_.strategy == Strategy::PatientFull ||
			    (plan_.strategy == Strategy::PatientByDate && overflow_day_)) {
				phase_ = Phase::Gaps;
				ScheduleGaps();
				return true;
			}
			return AfterDriver();
		case Phase::Gaps:
			phase_ = Phase::Tail;
			AddTailProbe(max_id_ + 1);
			return true;
		case Phase::Tail: return AfterDriver();
		case Phase::Listing:
			phase_ = Phase::Done;
			ReleaseHeld();
			return true;
		case Phase::Done: return false;
		}
		return false;
	}

	Phase phase_ = Phase::Driver;
	std::vector<OutRow> pending_;
	KeySet seen_;    /* keys listed or requested */
	KeySet emitted_; /* keys handed out */
	/* Rows waiting for the patientlst1v2 listing, their keys, and the listed records found for them. */
	std::vector<OutRow> held_;
	KeySet wanted_;
	std::unordered_map<std::string, Node> listed_;
	bool listing_done_ = false;
	bool listing_overflow_ = false;
	bool non_numeric_ids_ = false;
	bool overflow_day_ = false;
	bool fallback_full_ = false;
	long max_id_ = 0;
	size_t flushed_ = 0; /* rows sent to be completed, or handed out complete */
	std::vector<std::pair<long, long>> deferred_; /* driver windows left for when more rows are asked for */
	long density_rows_ = 0, density_days_ = 0; /* rows per day of the windows answered so far */
	/* The sized sweep: windows end at sweep_cursor_ and go down to sweep_lo_;
	 * the first one keeps the open end (sweep_open_). */
	bool sweeping_ = false, sweep_open_ = false, sweep_listing_ = false;
	long sweep_lo_ = 0, sweep_cursor_ = 0, sweep_days_ = 0;
	/* Sweep windows issued, answers applied (in issue order), answers
	 * waiting for an earlier window's. */
	struct SweepAnswer {
		bool overflow = false, started = false;
		long rows = 0, days = 0;
	};
	long sweep_issued_ = 0, sweep_applied_ = 0;
	std::map<long, SweepAnswer> sweep_answers_;
	long last_rows_ = -1, last_days_ = 0; /* the last sweep window answered: rows and days */
	bool data_started_ = false;           /* ... and its oldest quarter was empty */
};

} // namespace

std::unique_ptr<Executor>
MakePatientsExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan, SessionStats &stats,
                     std::vector<std::string> &warnings)
{
	return std::make_unique<PatientsExecutor>(client, spec, plan, stats, warnings);
}

} // namespace scan_detail
} // namespace orca_fdw::core
