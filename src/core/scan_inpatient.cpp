/*
 * scan_inpatient.cpp — admissions (one row per stay), meals (one row per
 * patient-day) and the reference lists (wards, rooms, departments, doctors).
 *
 *   admissions  patient_id = / IN      → hsptinfv2 per patient (every stay, all columns)
 *               otherwise              → hsfindv3 with the criteria the quals give
 *                                        (Admission_Date / Discharge_Date ranges,
 *                                        discharge_date IS NULL → State 1, ward,
 *                                        department), 200 rows a page; with no
 *                                        criterion: State 1 and State 2 (all stays).
 *                                        Columns only hsptinfv2 carries add one
 *                                        hsptinfv2 call per patient found.
 *   meals       patient_id + a perform_date range → hsmealv2 per patient-month;
 *               patient_id alone       → hsptinfv2 for the stays, then their months;
 *               a perform_date range   → hsfindv3 for the stays that overlap it
 *                                        (State 1, and Discharge_Date ≥ start),
 *                                        then hsmealv2 per patient-month;
 *               neither                → an error naming the missing condition
 *                                        (a bounded plan does not exist).
 * The inpatient APIs always speak xml2: JSON is not documented for them.
 * hsfindv3 answers E0106 for "no hits", hsmealv2 04 for "no account that
 * month": both are zero rows.  Every qual is rechecked by PostgreSQL.
 */
#include "core/scan_internal.hpp"

#include "core/dates.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "core/cpp_only.hpp"

namespace orca_fdw::core::scan_detail {

namespace {

constexpr int kFindPageRows = 200;
constexpr const char *kMinDate = "1900-01-01";
constexpr const char *kOpenEnd = "9999-12-31";

bool
Has(unsigned bits, Source s)
{
	return (bits & SourceBit(s)) != 0;
}

/* Columns the query needs that `driver` does not carry. */
bool
NeedsBeyond(const ScanSpec &spec, Source driver)
{
	for (int c : spec.needed_columns)
		if (!Has(spec.resource->columns[c].Sources(), driver))
			return true;
	return false;
}

int
IdQual(const ScanSpec &spec, ScanPlan &p)
{
	int c_id = spec.resource->FindColumn("patient_id");
	p.id_qual = FindQual(spec, c_id, {QualOp::Eq, QualOp::In});
	return p.id_qual;
}

double
IdCount(const ScanSpec &spec, int qual)
{
	const QualSpec &q = spec.quals[qual];
	return q.values_known ? static_cast<double>(q.values.size()) : std::max(1, q.estimated_count);
}

std::string
RangeText(const Bounds &b)
{
	if (!b.quals.empty() && !b.has_lo && !b.has_hi)
		return "from parameters";
	return (b.has_lo ? FormatDate(b.lo) : std::string("…")) + " .. " + (b.has_hi ? FormatDate(b.hi) : std::string("…"));
}

bool
EmptyQual(const ScanSpec &spec)
{
	for (const QualSpec &q : spec.quals)
		if (q.null_value || (q.op == QualOp::In && q.values_known && q.values.empty()))
			return true;
	return false;
}

/* hsfindv3 criteria from the admissions quals; "" when there are none. */
std::string
FindCriteriaText(const ScanSpec &spec, ScanPlan &p)
{
	const ResourceDef &r = *spec.resource;
	std::string crit;
	auto add = [&](const std::string &s) { crit += (crit.empty() ? "" : ", ") + s; };
	Bounds adm = DateBounds(spec, r.FindColumn("admission_date"));
	Bounds dis = DateBounds(spec, r.FindColumn("discharge_date"));
	if (!adm.quals.empty())
		add("Admission_Date " + RangeText(adm));
	if (!dis.quals.empty())
		add("Discharge_Date " + RangeText(dis));
	if (FindQual(spec, r.FindColumn("discharge_date"), {QualOp::IsNull}) >= 0) {
		p.state = 1;
		add("State 1 (admitted)");
	}
	if (FindQual(spec, r.FindColumn("ward_number"), {QualOp::Eq}) >= 0)
		add("Ward_Number");
	if (FindQual(spec, r.FindColumn("department_code"), {QualOp::Eq}) >= 0)
		add("Department_Code");
	return crit;
}

} // namespace

void
PlanAdmissions(const ScanSpec &spec, ScanPlan &p)
{
	if (EmptyQual(spec)) {
		p.strategy = Strategy::Empty;
		p.explain.push_back("no ORCA call: a condition can never be true");
		return;
	}
	if (IdQual(spec, p) >= 0) {
		double n = IdCount(spec, p.id_qual);
		p.strategy = Strategy::StayByPatient;
		p.explain.push_back("POST /api01rv2/hsptinfv2 — one call per patient (" + Plural(n, "call", "calls") +
		                    "), every stay");
		p.estimated_calls = n;
		p.estimated_rows = std::max(1.0, n * 2);
		return;
	}
	p.strategy = Strategy::StaySearch;
	std::string crit = FindCriteriaText(spec, p);
	if (crit.empty())
		crit = "State 1 and State 2 (every stay)";
	p.explain.push_back("POST /orca36/hsfindv3 — " + crit + "; 200 rows a page");
	p.use_info = NeedsBeyond(spec, Source::InpatientFind);
	double rows = std::max(1.0, spec.estimated_table_rows * 0.05);
	p.estimated_calls = std::ceil(rows / kFindPageRows) + 1;
	if (p.use_info) {
		p.explain.push_back("POST /api01rv2/hsptinfv2 — one call per patient found, for columns hsfindv3 lacks");
		p.estimated_calls += rows;
	}
	p.estimated_rows = rows;
}

void
PlanMeals(const ScanSpec &spec, ScanPlan &p)
{
	if (EmptyQual(spec)) {
		p.strategy = Strategy::Empty;
		p.explain.push_back("no ORCA call: a condition can never be true");
		return;
	}
	const ResourceDef &r = *spec.resource;
	Bounds days = DateBounds(spec, r.FindColumn("perform_date"));
	bool bounded = !days.quals.empty();
	double months = 1;
	if (days.has_lo && days.has_hi && days.hi >= days.lo) {
		months = 0;
		for (long d = FirstDayOfMonth(days.lo); d <= days.hi; d = LastDayOfMonth(d) + 1)
			months++;
	}
	if (IdQual(spec, p) >= 0) {
		double n = IdCount(spec, p.id_qual);
		p.strategy = Strategy::MealByPatient;
		if (!(days.has_lo && days.has_hi) && !(bounded && !days.has_lo && !days.has_hi)) {
			p.use_info = true;
			p.explain.push_back("POST /api01rv2/hsptinfv2 — one call per patient, for the months of its stays");
		}
		std::string range = bounded ? "perform_date " + RangeText(days) : "the months of every stay";
		p.explain.push_back("POST /api01rv2/hsmealv2 — one call per patient and month (" + range + ")");
		p.estimated_calls = n * months + (p.use_info ? n : 0);
		p.estimated_rows = n * months * 28;
		return;
	}
	if (!bounded || (!days.has_lo && !days.quals.empty() && FindQual(spec, r.FindColumn("perform_date"), {QualOp::Gt, QualOp::Ge, QualOp::Eq}) < 0)) {
		p.strategy = Strategy::MissingQual;
		p.missing_message = "a query on resource \"meals\" needs a patient_id condition or a perform_date range";
		p.missing_detail = "ORCA returns meals one patient-month at a time (hsmealv2); without a patient or a start "
		                   "date every month of every inpatient would have to be read.";
		p.missing_hint = "Add WHERE patient_id = '…' or WHERE perform_date >= '…' (with an end date for months "
		                 "after the current one).";
		p.explain.push_back("no plan: a patient_id condition or a perform_date range is required");
		/* prohibitive, so a join that supplies patient_id per outer row wins */
		p.estimated_calls = 1e9;
		p.estimated_rows = 1e6;
		return;
	}
	p.strategy = Strategy::MealByDate;
	p.explain.push_back("POST /orca36/hsfindv3 — stays overlapping perform_date " + RangeText(days) +
	                    " (State 1, and Discharge_Date from the start); 200 rows a page");
	p.explain.push_back("POST /api01rv2/hsmealv2 — one call per inpatient and month");
	double patients = std::max(1.0, spec.estimated_table_rows * 0.02);
	p.estimated_calls = 2 + patients * months;
	p.estimated_rows = patients * months * 28;
}

void
PlanReference(const ScanSpec &spec, ScanPlan &p)
{
	p.strategy = Strategy::Reference;
	const std::string &name = spec.resource->name;
	if (name == "wards")
		p.explain.push_back("POST /api01rv2/hsconfwardv2 — Request_Number 1 (all wards)");
	else if (name == "rooms") {
		p.explain.push_back("POST /api01rv2/hsconfwardv2 — Request_Number 1 (the wards)");
		p.explain.push_back("POST /api01rv2/hsconfwardv2 — Request_Number 2, one call per ward");
	} else if (name == "departments")
		p.explain.push_back("POST /api01rv2/system01lstv2 — Request_Number 01");
	else if (name == "doctors")
		p.explain.push_back("POST /api01rv2/system01lstv2 — Request_Number 02");
	p.estimated_calls = name == "rooms" ? 5 : 1;
	p.estimated_rows = 50;
}

/* ---------------------------------------------------------------------- */
/* Execution                                                                */
/* ---------------------------------------------------------------------- */

namespace {

enum JobKind { kFindPage, kInfo, kMeal, kWards, kRooms, kList };

struct StaySpan {
	long first, last; /* admission .. discharge (or today) */
};

class InpatientExecutor final : public Executor {
public:
	using Executor::Executor;

	void Start() override
	{
		const std::string &name = spec_.resource->name;
		switch (plan_.strategy) {
		case Strategy::Empty: return;
		case Strategy::StayByPatient:
			for (const std::string &id : UniqueIds())
				AddInfo(id);
			return;
		case Strategy::StaySearch: StartStaySearch(); return;
		case Strategy::MealByPatient: {
			Bounds days = DateBounds(spec_, spec_.resource->FindColumn("perform_date"));
			for (const std::string &id : UniqueIds()) {
				if (plan_.use_info)
					AddInfo(id);
				else
					AddMonths(id, days.lo, days.hi);
			}
			return;
		}
		case Strategy::MealByDate: {
			Bounds days = DateBounds(spec_, spec_.resource->FindColumn("perform_date"));
			Node admitted = Node::MakeRecord();
			admitted.children.emplace_back("State", Node::MakeString("1"));
			if (days.has_hi)
				AddRange(admitted, "Admission_Date", false, 0, true, days.hi);
			AddFindPage(admitted, 1);
			Node discharged = Node::MakeRecord();
			AddRange(discharged, "Discharge_Date", true, days.lo, false, 0);
			if (days.has_hi)
				AddRange(discharged, "Admission_Date", false, 0, true, days.hi);
			AddFindPage(discharged, 1);
			return;
		}
		case Strategy::Reference:
			if (name == "wards" || name == "rooms")
				AddWardList(name == "wards" ? kWards : kRooms, "1", "");
			else
				AddSystemList(name == "departments" ? "01" : "02");
			return;
		default: return;
		}
	}

private:
	std::vector<std::string> UniqueIds()
	{
		std::vector<std::string> ids;
		std::set<std::string> keys;
		for (const std::string &id : spec_.quals[plan_.id_qual].values) {
			std::string key = IdKey(id);
			if (!key.empty() && keys.insert(key).second)
				ids.push_back(id);
		}
		return ids;
	}

	static void AddRange(Node &criteria, const char *name, bool has_first, long first, bool has_last, long last)
	{
		Node range = Node::MakeRecord();
		long min;
		ParseDate(kMinDate, &min);
		range.children.emplace_back("First", Node::MakeString(FormatDate(has_first ? first : min)));
		if (has_last)
			range.children.emplace_back("Last", Node::MakeString(FormatDate(last)));
		else
			range.children.emplace_back("Last", Node::MakeString(kOpenEnd));
		criteria.children.emplace_back(name, std::move(range));
	}

	void StartStaySearch()
	{
		const ResourceDef &r = *spec_.resource;
		Node criteria = Node::MakeRecord();
		Bounds adm = DateBounds(spec_, r.FindColumn("admission_date"));
		Bounds dis = DateBounds(spec_, r.FindColumn("discharge_date"));
		if (adm.has_lo || adm.has_hi)
			AddRange(criteria, "Admission_Date", adm.has_lo, adm.lo, adm.has_hi, adm.hi);
		if (dis.has_lo || dis.has_hi)
			AddRange(criteria, "Discharge_Date", dis.has_lo, dis.lo, dis.has_hi, dis.hi);
		if ((adm.has_lo && adm.has_hi && adm.hi < adm.lo) || (dis.has_lo && dis.has_hi && dis.hi < dis.lo))
			return; /* an empty range: nothing can match */
		if (plan_.state)
			criteria.children.emplace_back("State", Node::MakeString(std::to_string(plan_.state)));
		for (const char *column : {"ward_number", "department_code"}) {
			int qi = FindQual(spec_, r.FindColumn(column), {QualOp::Eq});
			if (qi >= 0 && spec_.quals[qi].values_known && !spec_.quals[qi].values.empty())
				criteria.children.emplace_back(column[0] == 'w' ? "Ward_Number" : "Department_Code",
				                               Node::MakeString(spec_.quals[qi].values[0]));
		}
		if (criteria.children.empty()) {
			/* hsfindv3 needs a criterion (E0100): every stay is admitted or discharged. */
			for (const char *state : {"1", "2"}) {
				Node c = Node::MakeRecord();
				c.children.emplace_back("State", Node::MakeString(state));
				AddFindPage(c, 1);
			}
			return;
		}
		AddFindPage(criteria, 1);
	}

	void AddFindPage(const Node &criteria, long first)
	{
		auto job = std::make_unique<Job>();
		job->kind = kFindPage;
		job->lo = first;
		job->request = criteria;
		Node req = Node::MakeRecord();
		req.children.emplace_back("Request_Number", Node::MakeString("01"));
		Node selection = Node::MakeRecord();
		selection.children.emplace_back("First", Node::MakeString(std::to_string(first)));
		selection.children.emplace_back("Last", Node::MakeString(std::to_string(first + kFindPageRows - 1)));
		req.children.emplace_back("Selection", std::move(selection));
		req.children.emplace_back("Patient_Information", criteria);
		AddCall(*job, Source::InpatientFind, "Result", ResultRules{{"E0106"}, {}, {}, false}, "POST", "", "hsfindv3req",
		        &req, true);
		Push(std::move(job));
	}

	void AddInfo(const std::string &id)
	{
		if (!info_requested_.insert(IdKey(id)).second)
			return;
		auto job = std::make_unique<Job>();
		job->kind = kInfo;
		job->text = id;
		Node req = Node::MakeRecord();
		req.children.emplace_back("Patient_ID", Node::MakeString(id));
		/* 02: no such patient (or a malformed number) — no stays to show */
		AddCall(*job, Source::InpatientInfo, "Hospital_Stay_Infomation", ResultRules{{"02"}, {}, {}, false}, "POST", "",
		        "private_objects", &req, true);
		Push(std::move(job));
	}

	/* hsmealv2 for every month of [lo, hi] (day numbers) not asked yet. */
	void AddMonths(const std::string &id, long lo, long hi)
	{
		if (hi < lo)
			return;
		for (long d = FirstDayOfMonth(lo); d <= hi; d = LastDayOfMonth(d) + 1) {
			std::string month = FormatMonth(d);
			if (!meal_months_.insert(IdKey(id) + "/" + month).second)
				continue;
			auto job = std::make_unique<Job>();
			job->kind = kMeal;
			job->text = id;
			Node req = Node::MakeRecord();
			req.children.emplace_back("Patient_ID", Node::MakeString(id));
			req.children.emplace_back("Perform_Month", Node::MakeString(month));
			/* 04: no inpatient account for that month — no meals */
			AddCall(*job, Source::InpatientMeal, "Monthly_Information", ResultRules{{"04"}, {}, {}, false}, "POST", "",
			        "private_objects", &req, true);
			Push(std::move(job));
		}
	}

	void AddWardList(int kind, const char *request_number, const std::string &ward)
	{
		auto job = std::make_unique<Job>();
		job->kind = kind;
		job->text = ward;
		Node req = Node::MakeRecord();
		req.children.emplace_back("Request_Number", Node::MakeString(request_number));
		if (!ward.empty())
			req.children.emplace_back("Ward_Number", Node::MakeString(ward));
		bool rooms = request_number[0] == '2';
		AddCall(*job, rooms ? Source::RoomConfig : Source::WardConfig, rooms ? "Room_Configuration" : "Ward_Configuration",
		        ResultRules{{}, {}, {}, false}, "POST", "", "private_objects", &req, true);
		Push(std::move(job));
	}

	void AddSystemList(const char *request_number)
	{
		auto job = std::make_unique<Job>();
		job->kind = kList;
		Node req = Node::MakeRecord();
		req.children.emplace_back("Request_Number", Node::MakeString(request_number));
		bool doctors = request_number[1] == '2';
		/* 11: nothing registered — an empty list */
		AddCall(*job, doctors ? Source::DoctorList : Source::DepartmentList,
		        doctors ? "Physician_Information" : "Department_Information", ResultRules{{"11"}, {}, {}, false}, "POST",
		        "", "system01_managereq", &req);
		Push(std::move(job));
	}

	void Complete(Job &job) override
	{
		ApiCall &call = *job.calls[0];
		switch (job.kind) {
		case kFindPage: CompleteFindPage(job, call); break;
		case kInfo: CompleteInfo(job, call); break;
		case kMeal: {
			const std::string &id = call.Field("Patient_Information/Patient_ID");
			for (Node &day : call.Rows()) {
				day.children.emplace_back("Patient_ID", Node::MakeString(id.empty() ? job.text : id));
				OutRow row;
				row.Set(Source::InpatientMeal, std::move(day));
				Emit(std::move(row));
			}
			break;
		}
		case kWards:
			for (Node &ward : call.Rows()) {
				OutRow row;
				row.Set(Source::WardConfig, std::move(ward));
				Emit(std::move(row));
			}
			break;
		case kRooms:
			if (job.text.empty()) {
				/* the ward list: ask for each ward's rooms (hsconfwardv2 2 needs a ward or room) */
				for (Node &ward : call.Rows())
					if (const std::string *number = ward.StringAt("Ward_Number/Data"))
						AddRoomsOf(*number);
				break;
			}
			for (Node &room : call.Rows()) {
				OutRow row;
				row.Set(Source::RoomConfig, std::move(room));
				Emit(std::move(row));
			}
			break;
		case kList:
			for (Node &item : call.Rows()) {
				OutRow row;
				row.Set(call.GetSource(), std::move(item));
				Emit(std::move(row));
			}
			break;
		}
	}

	void AddRoomsOf(const std::string &ward) { AddWardList(kRooms, "2", ward); }

	void CompleteFindPage(Job &job, ApiCall &call)
	{
		if (job.lo == 1 && call.Outcome() == CallOutcome::Ok) {
			long count = std::atol(call.Field("Count").c_str());
			for (long first = 1 + kFindPageRows; first <= count; first += kFindPageRows)
				AddFindPage(job.request, first);
		}
		if (plan_.strategy == Strategy::MealByDate) {
			Bounds days = DateBounds(spec_, spec_.resource->FindColumn("perform_date"));
			long today = 0;
			bool today_known = Today(&today);
			for (Node &stay : call.Rows()) {
				const std::string *id = stay.StringAt("Patient_ID");
				const std::string *adm = stay.StringAt("Admission_Date");
				const std::string *dis = stay.StringAt("Discharge_Date");
				long first, last;
				if (!id || !adm || !ParseDate(*adm, &first))
					continue;
				if (!dis || *dis == kOpenEnd || !ParseDate(*dis, &last))
					last = today_known ? LastDayOfMonth(today) : first;
				AddMonths(*id, std::max(first, days.lo), days.has_hi ? std::min(last, days.hi) : last);
			}
			return;
		}
		for (Node &stay : call.Rows()) {
			const std::string *id = stay.StringAt("Patient_ID");
			const std::string *adm = stay.StringAt("Admission_Date");
			if (!id)
				continue;
			std::string key = IdKey(*id) + "/" + (adm ? *adm : std::string());
			if (!stays_seen_.insert(key).second)
				continue; /* the same stay on two pages or in two searches */
			OutRow row;
			row.key = key;
			row.id = *id;
			row.Set(Source::InpatientFind, std::move(stay));
			if (plan_.use_info) {
				waiting_[IdKey(*id)].push_back(std::move(row));
				AddInfo(*id);
			} else
				Emit(std::move(row));
		}
	}

	void CompleteInfo(Job &job, ApiCall &call)
	{
		/* the stays, each with the patient's id and basic fields */
		Node patient = Node::MakeRecord();
		for (const char *f : {"Patient_ID", "WholeName", "WholeName_inKana", "BirthDate", "Sex"}) {
			const std::string &v = call.Field(std::string("Patient_Information/") + f);
			if (!v.empty())
				patient.children.emplace_back(f, Node::MakeString(v));
		}
		const std::string *pid = patient.StringAt("Patient_ID");
		std::string id = pid ? *pid : job.text;
		std::vector<Node> &stays = call.Rows();
		for (Node &stay : stays) {
			stay.children.emplace_back("Patient_ID", Node::MakeString(id));
			stay.children.emplace_back("Patient_Information", patient);
		}
		if (plan_.strategy == Strategy::MealByPatient) {
			Bounds days = DateBounds(spec_, spec_.resource->FindColumn("perform_date"));
			long today = 0;
			bool today_known = Today(&today);
			for (Node &stay : stays) {
				long first, last;
				const std::string *adm = stay.StringAt("Admission_Date");
				const std::string *dis = stay.StringAt("Discharge_Date");
				if (!adm || !ParseDate(*adm, &first))
					continue;
				if (!dis || *dis == kOpenEnd || !ParseDate(*dis, &last))
					last = today_known ? LastDayOfMonth(today) : first;
				if (days.has_lo)
					first = std::max(first, days.lo);
				if (days.has_hi)
					last = std::min(last, days.hi);
				AddMonths(id, first, last);
			}
			return;
		}
		if (plan_.strategy == Strategy::StayByPatient) {
			for (Node &stay : stays) {
				OutRow row;
				row.Set(Source::InpatientInfo, std::move(stay));
				Emit(std::move(row));
			}
			return;
		}
		/* enrichment of hsfindv3 rows: match the stay by admission date */
		auto it = waiting_.find(IdKey(id));
		if (it == waiting_.end())
			return;
		for (OutRow &row : it->second) {
			const std::string *adm = row.Part(Source::InpatientFind)->StringAt("Admission_Date");
			for (Node &stay : stays) {
				const std::string *sadm = stay.StringAt("Admission_Date");
				if (adm && sadm && *adm == *sadm) {
					row.Set(Source::InpatientInfo, Node(stay));
					break;
				}
			}
			Emit(std::move(row));
		}
		waiting_.erase(it);
	}

	bool Advance() override { return false; }

	std::set<std::string> info_requested_;
	std::set<std::string> meal_months_;
	std::set<std::string> stays_seen_;
	std::unordered_map<std::string, std::vector<OutRow>> waiting_;
};

} // namespace

std::unique_ptr<Executor>
MakeInpatientExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan, SessionStats &stats,
                      std::vector<std::string> &warnings)
{
	return std::make_unique<InpatientExecutor>(client, spec, plan, stats, warnings);
}

} // namespace orca_fdw::core::scan_detail
