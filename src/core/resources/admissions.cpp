/*
 * admissions.cpp — the admissions resource, one row per hospital stay (入院):
 * its declaration, then its planning and execution hooks.
 *
 *   patient_id = / IN  → hsptinfv2 per patient (every stay, all its columns);
 *                        when the query needs a column only hsfindv3
 *                        carries, hsfindv3 per patient (Patient_ID) instead,
 *                        joined with hsptinfv2 when it needs both
 *   otherwise          → hsfindv3 with the criteria the key conditions give
 *                        (Admission_Date / Discharge_Date ranges,
 *                        discharge_date IS NULL → State 1, ward,
 *                        department), a page at a time; with no criterion:
 *                        State 1 and State 2 (every stay).  Columns only
 *                        hsptinfv2 carries add one hsptinfv2 call per
 *                        patient found.
 *
 * Paths follow shared/orca-api/ (the notes).  hsptinfv2's and hsfindv3's
 * HealthInsurance_Information differ in content: two columns.  Every other
 * column that both carry must read the same for the same stay (checked by
 * the inpatient_trust regression test against both plans and the
 * simulator's truth).  Ward, room and department: hsptinfv2 gives a stay's
 * latest state; hsfindv3 edits its rows as of Base_Date (today, never sent),
 * the same state unless a transfer is dated after today — UNCONFIRMED, as is
 * whether hsfindv3 lists the history-only stays (自院歴/他院歴) hsptinfv2
 * shows.
 */
#include "core/resources/resource.hpp"

#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/registration/builders.hpp"
#include "core/scan_inpatient.hpp"

#include <algorithm>
#include <deque>
#include <cmath>
#include <set>
#include <unordered_map>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace scan_detail {
void PlanAdmissions(const ScanSpec &spec, ScanPlan &p);
std::unique_ptr<Executor> MakeAdmissionsExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan,
                                                 SessionStats &stats, std::vector<std::string> &warnings);
} // namespace scan_detail

namespace {

constexpr Source kFind = Source::InpatientFind;
constexpr Source kInfo = Source::InpatientInfo;

/* The key conditions, by tag: what the hooks read from the declaration. */
enum AdmissionKey : int {
	kKeyPatient,     /* hsptinfv2 per patient */
	kKeyPatientFind, /* hsfindv3 per patient */
	kKeyAdmission,   /* the hsfindv3 criteria, in request order: */
	kKeyDischarge,
	kKeyAdmitted,
	kKeyWard,
	kKeyDepartment,
};

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

} // namespace

/* The registration builders (registration.hpp), as the declaration's write slots. */
bool
Admit(const ResourceDef &r, const WriteInput &in, Registration *out)
{
	*out = BuildAdmission(r, *in.newrow, in.table);
	return true;
}

bool
DischargeOrCancel(const ResourceDef &r, const WriteInput &in, Registration *out)
{
	return BuildAdmissionUpdate(r, *in.newrow, *in.oldrow, in.table, in.today, in.transfer_date, out);
}

/* ---------------------------------------------------------------------- */
/* The declaration                                                          */
/* ---------------------------------------------------------------------- */

ResourceDef
resources::Admissions()
{
	ResourceDef r;
	r.name = "admissions";
	r.comment = "入院履歴 / ORCA hospital stays, one row per stay";
	r.columns = {
		Col("patient_id", ColumnType::Text, Stay("Patient_ID", "Patient_ID"), "患者番号 / patient number"),
		Col("admission_date", ColumnType::Date, Stay("Admission_Date", "Admission_Date"), "入院日 / admission date"),
		Col("discharge_date", ColumnType::Date, Stay("Discharge_Date", "Discharge_Date"), "退院日 / discharge date; NULL while admitted"),
		Col("ward_number", ColumnType::Text, Stay("Ward_Number", "Ward_Number/Data"), "病棟番号 / ward (latest state of the stay)"),
		Col("ward_name", ColumnType::Text, Stay("Ward_Name", "Ward_Name/Data"), "病棟名 / ward name"),
		Col("room_number", ColumnType::Text, Stay("Room_Number", "Room_Number/Data"), "病室番号 / room"),
		Col("department_code", ColumnType::Text, Stay("Department_Code", "Department_Code/Data"), "診療科コード / department code"),
		Col("department_name", ColumnType::Text, Stay("Department_Name", "Department_Code/Name"), "診療科名 / department name"),
		Col("discharge_reason_code", ColumnType::Text, Stay("Discharge_Reason_Code", "Discharge_Type/Data"), "退院事由コード / discharge reason code"),
		Col("discharge_reason_name", ColumnType::Text, Stay("Discharge_Reason_Name", "Discharge_Type/Name"), "退院事由 / discharge reason"),
		Col("whole_name", ColumnType::Text, Stay("WholeName", "Patient_Information/WholeName"), "患者氏名 / patient name (kanji)"),
		Col("whole_name_in_kana", ColumnType::Text, Stay("WholeName_inKana", "Patient_Information/WholeName_inKana"), "患者カナ氏名 / patient name (kana)"),
		Col("sex", ColumnType::Text, Stay("Sex", "Patient_Information/Sex"), "性別 / 1 male, 2 female"),
		Col("birth_date", ColumnType::Date, Stay("Birth_Date", "Patient_Information/BirthDate"), "生年月日 / date of birth"),
		Col("insurance_combination_number", ColumnType::Text,
		    Stay("HealthInsurance_Information/Insurance_Combination_Number", "HealthInsurance_Information/Insurance_Combination_Number"),
		    "保険組合せ番号 / insurance combination of the stay"),
		/* Both APIs call the stay's insurance HealthInsurance_Information, with
		 * different contents (hsptinfv2: card symbol and number; hsfindv3:
		 * insured person, certificate dates, public-expense certificates):
		 * one column each, so a value never depends on the plan. */
		Col("health_insurance_information", ColumnType::Jsonb, Stay("", "HealthInsurance_Information"),
		    "保険組合せ情報 / the stay's insurance combination with card symbol and number, jsonb"),
		Col("health_insurance_certificates", ColumnType::Jsonb, Stay("HealthInsurance_Information", ""),
		    "保険証情報 / the stay's insurance combination with insured person and certificate dates, jsonb"),
		Col("history_number", ColumnType::Text, Stay("", "History_Number"), "入院履歴番号 / admission history number"),
		Col("creation_type", ColumnType::Text, Stay("", "Creation_Type/Data"), "作成区分 / 0 normal, 1 own-hospital history, 2/3 other hospital"),
		Col("first_admission_date", ColumnType::Date, Stay("", "First_Admission_Date"), "初回入院日 / first admission of a continued stay"),
		Col("doctor", ColumnType::Jsonb, Stay("", "Doctor"), "担当医 / doctors in charge: array of {Label, Data, Name}"),
		Col("room_charge", ColumnType::Integer, Stay("", "Room_Charge/Data"), "室料差額 / room charge difference in yen"),
		Col("hospital_charge_code", ColumnType::Text, Stay("", "Hospital_Charge/Data"), "入院料コード / inpatient basic charge code"),
		Col("hospital_charge_name", ColumnType::Text, Stay("", "Hospital_Charge/Name"), "入院料 / inpatient basic charge"),
		Col("meal_type", ColumnType::Text, Stay("", "Meal_Type/Data"), "食事種別 / meal setting of the stay"),
		Col("admission_meal_start", ColumnType::Text, Stay("", "Admission_Meal_Start/Data"), "入院時食事開始 / 0 none, 1 from breakfast, 2 lunch, 3 dinner"),
	};
	const std::vector<QualOp> range = {QualOp::Eq, QualOp::Lt, QualOp::Le, QualOp::Gt, QualOp::Ge};
	r.read.keys = {
	    {kKeyPatient, "patient_id", {QualOp::Eq, QualOp::In}, kInfo, "Patient_ID", "", false, true},
	    {kKeyPatientFind, "patient_id", {QualOp::Eq, QualOp::In}, kFind, "Patient_Information/Patient_ID"},
	    /* the criteria of a search, in the order the request and EXPLAIN give them */
	    {kKeyAdmission, "admission_date", range, kFind, "Admission_Date"},
	    {kKeyDischarge, "discharge_date", range, kFind, "Discharge_Date"},
	    {kKeyAdmitted, "discharge_date", {QualOp::IsNull}, kFind, "State", "1", false, false, "(admitted)"},
	    {kKeyWard, "ward_number", {QualOp::Eq}, kFind, "Ward_Number"},
	    {kKeyDepartment, "department_code", {QualOp::Eq}, kFind, "Department_Code"},
	};
	/* the columns one API lacks come from the other, per patient */
	r.read.hydrate = {
	    {kInfo, 1, "one call per patient found, for columns " + std::string(ApiName(kFind)) + " lacks"},
	    {kFind, 1, "one search per patient"},
	};
	r.read.plan = scan_detail::PlanAdmissions;
	r.read.execute = scan_detail::MakeAdmissionsExecutor;
	r.read.calls = ApiBit(kFind) | ApiBit(kInfo);
	/* a batched join hands 100 patients to one scan: their per-patient
	 * calls run together, never one scan per outer row */
	r.read.join_batch = 100;
	/* registrations: hsptinfmodv2 admission (01), discharge (02), its cancel (07) and transfers (08) */
	r.write.api = Api::InpatientMod;
	r.write.insert = Admit;
	r.write.update = DischargeOrCancel;
	return r;
}

/* ---------------------------------------------------------------------- */
/* Planning                                                                 */
/* ---------------------------------------------------------------------- */

namespace scan_detail {

namespace {

/* The key conditions a search (hsfindv3) takes as criteria, in request order. */
std::vector<const KeyCondition *>
Criteria(const ResourceDef &r)
{
	std::vector<const KeyCondition *> out;
	for (int tag : {kKeyAdmission, kKeyDischarge, kKeyAdmitted, kKeyWard, kKeyDepartment})
		out.push_back(&r.KeyOf(tag));
	return out;
}

bool
IsRange(const KeyCondition &k)
{
	return std::find(k.ops.begin(), k.ops.end(), QualOp::Lt) != k.ops.end();
}

/* A stay date range (admission or discharge) that leaves nothing ORCA can hold. */
bool
NoStayDates(const ScanSpec &spec)
{
	for (const KeyCondition *k : Criteria(*spec.resource)) {
		if (!IsRange(*k))
			continue;
		Bounds b = DateBounds(spec, k->column_index);
		if ((b.has_lo || b.has_hi) && !ClampBounds(b, Day(kMinStayDate), Day(kOpenEnd)))
			return true;
	}
	return false;
}

/* hsfindv3 criteria from the quals, for EXPLAIN; "" when there are none. */
std::string
FindCriteriaText(const ScanSpec &spec, ScanPlan &p)
{
	std::string crit;
	auto add = [&](const std::string &s) { crit += (crit.empty() ? "" : ", ") + s; };
	for (const KeyCondition *k : Criteria(*spec.resource)) {
		if (IsRange(*k)) {
			/* a range that bounds nothing (">= '-infinity'") is no criterion */
			Bounds b = DateBounds(spec, k->column_index);
			if (b.has_lo || b.has_hi || (!b.quals.empty() && !BoundsKnown(spec, b)))
				add(k->parameter + " " + RangeText(spec, b));
		} else if (KeyQual(spec, *k) >= 0) {
			if (!k->value.empty()) {
				p.state = std::atoi(k->value.c_str());
				add(k->parameter + " " + k->value + (k->explain.empty() ? "" : " " + k->explain));
			} else
				add(k->parameter);
		}
	}
	return crit;
}

} // namespace

void
PlanAdmissions(const ScanSpec &spec, ScanPlan &p)
{
	const ResourceDef &r = *spec.resource;
	if (EmptyQual(spec))
		return PlanEmpty(p, "a condition can never be true");
	if (NoStayDates(spec))
		return PlanEmpty(p, "no stay has such dates");
	p.id_qual = KeyQual(spec, r.KeyOf(kKeyPatient));
	const std::string info_hydrate = CallText(kInfo) + " — " + r.HydrateOf(kInfo).explain;
	if (p.id_qual >= 0) {
		double n = IdCount(spec, p.id_qual);
		if (!NeedsBeyond(spec, kInfo)) {
			p.strategy = Strategy::StayByPatient;
			p.explain.push_back(CallText(kInfo) + " — one call per patient (" + Plural(n, "call", "calls") +
			                    "), every stay");
			p.estimated_calls = n;
			p.estimated_rows = std::max(1.0, n * 2);
			return;
		}
		/* a column only hsfindv3 carries: search each patient's stays */
		p.strategy = Strategy::StaySearch;
		p.find_by_patient = true;
		std::string crit = FindCriteriaText(spec, p);
		p.explain.push_back(CallText(kFind) + " — Patient_ID" + (crit.empty() ? "" : ", " + crit) + "; " +
		                    r.HydrateOf(kFind).explain + " (" + Plural(n, "call", "calls") + ")");
		p.use_info = NeedsBeyond(spec, kFind);
		if (p.use_info)
			p.explain.push_back(info_hydrate);
		p.estimated_calls = n * (p.use_info ? 2 : 1);
		p.estimated_rows = std::max(1.0, n * 2);
		return;
	}
	p.strategy = Strategy::StaySearch;
	std::string crit = FindCriteriaText(spec, p);
	if (crit.empty())
		crit = "State 1 and State 2 (every stay)";
	p.explain.push_back(CallText(kFind) + " — " + crit + "; " + std::to_string(FindPageRows()) + " rows a page");
	p.use_info = NeedsBeyond(spec, kFind);
	double rows = std::max(1.0, spec.estimated_table_rows * 0.05);
	p.estimated_calls = std::ceil(rows / FindPageRows()) + 1;
	if (p.use_info) {
		p.explain.push_back(info_hydrate);
		p.estimated_calls += rows;
	}
	p.estimated_rows = rows;
}

/* ---------------------------------------------------------------------- */
/* Execution                                                                */
/* ---------------------------------------------------------------------- */

namespace {

class AdmissionsExecutor final : public InpatientExecutor {
public:
	using InpatientExecutor::InpatientExecutor;

	void Start() override
	{
		switch (plan_.strategy) {
		case Strategy::StayByPatient:
			for (const std::string &id : UniqueIds())
				AddInfo(id);
			return;
		case Strategy::StaySearch: StartStaySearch(); return;
		default: return; /* Empty */
		}
	}

private:
	void StartStaySearch()
	{
		Node criteria = Node::MakeRecord();
		for (const KeyCondition *k : Criteria(*spec_.resource)) {
			if (IsRange(*k)) {
				Bounds b = DateBounds(spec_, k->column_index);
				if (!b.has_lo && !b.has_hi && !b.empty)
					continue;
				if (!ClampBounds(b, Day(kMinStayDate), Day(kOpenEnd)))
					return; /* no stay can have such dates */
				AddRange(criteria, k->parameter, b.lo, b.hi);
				continue;
			}
			int qi = KeyQual(spec_, *k);
			if (qi < 0)
				continue;
			if (!k->value.empty())
				criteria.children.emplace_back(k->parameter, Node::MakeString(k->value));
			else if (spec_.quals[qi].values_known && !spec_.quals[qi].values.empty())
				criteria.children.emplace_back(k->parameter, Node::MakeString(spec_.quals[qi].values[0]));
		}
		bool any = !criteria.children.empty();
		std::vector<Node> searches;
		if (plan_.find_by_patient) {
			const std::string &path = spec_.resource->KeyOf(kKeyPatientFind).parameter;
			const std::string element = path.substr(path.rfind('/') + 1); /* within Patient_Information */
			for (const std::string &id : UniqueIds()) {
				Node c = criteria;
				c.children.emplace(c.children.begin(), element, Node::MakeString(id));
				searches.push_back(std::move(c));
			}
		} else if (!any) {
			/* hsfindv3 needs a criterion (E0100): every stay is admitted or discharged */
			for (const char *state : {"1", "2"}) {
				Node c = criteria;
				c.children.emplace(c.children.begin(), "State", Node::MakeString(state));
				searches.push_back(std::move(c));
			}
		} else
			searches.push_back(std::move(criteria));
		/* The stays of one patient may come from several searches (State 1 and
		 * State 2), on any page.  Jobs complete in the order they were made, so
		 * when every search's first page is in (and has made the jobs for the
		 * pages after it) before the first hsptinfv2 call is made, all pages
		 * complete before any hsptinfv2 answer: each patient's stays are all
		 * waiting when its answer comes.  (TakeStay does not depend on it.) */
		if (Lazy() && searches.size() > 1) {
			/* under a LIMIT: the first search (the current stays), the
			 * others when more rows are asked for */
			deferred_searches_.assign(std::make_move_iterator(searches.begin() + 1),
			                          std::make_move_iterator(searches.end()));
			searches.resize(1);
		}
		first_pages_pending_ = static_cast<int>(searches.size());
		hold_first_pages_ = plan_.use_info && searches.size() > 1;
		for (const Node &c : searches)
			AddFindPage(c, 1);
	}

	void FoundStays(std::vector<Node> &stays) override
	{
		if (hold_first_pages_ && first_pages_pending_ > 0) {
			for (Node &stay : stays)
				held_.push_back(std::move(stay));
			return;
		}
		std::vector<Node> held;
		held.swap(held_);
		for (Node &stay : held)
			TakeStay(std::move(stay));
		for (Node &stay : stays)
			TakeStay(std::move(stay));
	}

	/* One hsfindv3 row: out now, or (use_info) waiting for its patient's
	 * hsptinfv2 answer.  A patient whose answer is in already gets a new
	 * call: a stay never comes out without its hsptinfv2 columns. */
	void TakeStay(Node &&stay)
	{
		const std::string *pid = stay.StringAt("Patient_ID");
		if (!pid)
			return;
		std::string id = *pid;
		const std::string *adm = stay.StringAt("Admission_Date");
		std::string key = IdKey(id) + "/" + (adm ? *adm : std::string());
		if (!stays_seen_.insert(key).second)
			return; /* the same stay on two pages or in two searches */
		OutRow row;
		row.key = key;
		row.id = id;
		row.Set(kFind, std::move(stay));
		if (!plan_.use_info) {
			Emit(std::move(row));
			return;
		}
		std::string patient = IdKey(id);
		waiting_[patient].push_back(std::move(row));
		if (info_pending_.insert(patient).second) {
			/* under a LIMIT: hsptinfv2 for the patients of the rows it takes,
			 * the others' when more rows are asked for */
			if (Lazy() && static_cast<double>(rows_asked_) >= spec_.row_hint)
				info_queue_.push_back(id);
			else
				AddInfo(id);
		}
		rows_asked_++;
	}

	bool Advance() override
	{
		if (!info_queue_.empty()) {
			AddInfo(info_queue_.front());
			info_queue_.pop_front();
			return true;
		}
		if (InpatientExecutor::Advance())
			return true;
		if (deferred_searches_.empty())
			return false;
		Node c = std::move(deferred_searches_.front());
		deferred_searches_.erase(deferred_searches_.begin());
		first_pages_pending_++;
		AddFindPage(c, 1);
		return true;
	}

	void StaysOf(InpatientJob &job, const std::string &, std::vector<Node> &stays) override
	{
		if (plan_.strategy == Strategy::StayByPatient) {
			for (Node &stay : stays) {
				OutRow row;
				row.Set(kInfo, std::move(stay));
				Emit(std::move(row));
			}
			return;
		}
		/* hsfindv3 rows waiting for this answer: match each by admission date */
		std::vector<OutRow> rows;
		if (job.one_stay) {
			rows = std::move(job.rows);
		} else {
			std::string patient_key = IdKey(job.id);
			info_pending_.erase(patient_key);
			auto it = waiting_.find(patient_key);
			if (it != waiting_.end()) {
				rows = std::move(it->second);
				waiting_.erase(it);
			}
		}
		for (OutRow &row : rows) {
			const std::string *adm = row.Part(kFind)->StringAt("Admission_Date");
			if (!adm)
				throw Error(ErrorKind::Protocol,
				            "ORCA " + std::string(ApiName(kFind)) + " answer lists a stay without Admission_Date",
				            "A stay cannot be matched with its " + std::string(ApiName(kInfo)) +
				                " record without its admission date.");
			const Node *match = nullptr;
			for (const Node &stay : stays) {
				const std::string *sadm = stay.StringAt("Admission_Date");
				if (sadm && *sadm == *adm) {
					match = &stay;
					break;
				}
			}
			if (match) {
				row.Set(kInfo, Node(*match));
				Emit(std::move(row));
			} else if (!job.one_stay) {
				/* not among the stays listed (hsptinfv2 lists at most 100):
				 * ask for this one by its admission date */
				std::string day = *adm, row_id = row.id;
				std::vector<OutRow> one;
				one.push_back(std::move(row));
				AddInfo(row_id, day, std::move(one));
			}
			/* else ORCA no longer has the stay (cancelled since the search,
			 * answer 04): it is not a row any more */
		}
	}

	std::vector<Node> deferred_searches_; /* Lazy: searches not started yet */
	std::deque<std::string> info_queue_;  /* Lazy: patients whose hsptinfv2 call waits until rows are asked for */
	size_t rows_asked_ = 0;                /* Lazy: rows sent to hsptinfv2 */
	bool hold_first_pages_ = false; /* keep the first pages' rows until all are in (see StartStaySearch) */
	std::vector<Node> held_;
	std::set<std::string> info_pending_; /* patients with an hsptinfv2 call (every stay) in flight */
	std::set<std::string> stays_seen_;
	std::unordered_map<std::string, std::vector<OutRow>> waiting_;
};

} // namespace

std::unique_ptr<Executor>
MakeAdmissionsExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan, SessionStats &stats,
                       std::vector<std::string> &warnings)
{
	return std::make_unique<AdmissionsExecutor>(client, spec, plan, stats, warnings);
}

} // namespace scan_detail
} // namespace orca_fdw::core
