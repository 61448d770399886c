/*
 * scan_inpatient.cpp — admissions (one row per stay), meals (one row per
 * patient-day) and the reference lists (wards, rooms, departments, doctors).
 *
 *   admissions  patient_id = / IN      → hsptinfv2 per patient (every stay, all
 *                                        its columns); when the query needs a
 *                                        column only hsfindv3 carries, hsfindv3
 *                                        per patient (Patient_ID) instead, joined
 *                                        with hsptinfv2 when it needs both
 *               otherwise              → hsfindv3 with the criteria the quals give
 *                                        (Admission_Date / Discharge_Date ranges,
 *                                        discharge_date IS NULL → State 1, ward,
 *                                        department), 200 rows a page; with no
 *                                        criterion: State 1 and State 2 (all stays).
 *                                        Columns only hsptinfv2 carries add one
 *                                        hsptinfv2 call per patient found.
 *   meals       patient_id + a range of at most three months → hsmealv2 per
 *                                        patient-month;
 *               patient_id otherwise   → hsptinfv2 for the stays, then their months;
 *               a perform_date range   → hsfindv3 for the stays that overlap it
 *                                        (State 1, and Discharge_Date ≥ start),
 *                                        then hsmealv2 per patient-month;
 *               neither                → an error naming the missing condition
 *                                        (a bounded plan does not exist).
 *               An open stay's months run up to three months after the current
 *               one: ORCA keeps inpatient accounts ahead, never further.
 * The inpatient APIs always speak xml2: JSON is not documented for them.
 * Codes that mean exactly "nothing there" give zero rows: hsfindv3 E0106 (no
 * hits), E0001 / E0007 / E0008 for a Patient_ID / Department_Code /
 * Ward_Number criterion we sent (no such patient, department, ward);
 * hsptinfv2 02 (no such patient), 04 (no such admission, for an
 * Admission_Date we sent); hsmealv2 02 (no such patient), 04 (no inpatient
 * account that month).  Every qual is rechecked by PostgreSQL.
 */
#include "core/scan_internal.hpp"

#include "core/dates.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "core/cpp_only.hpp"

namespace orca_fdw::core::scan_detail {

namespace {

/* Rows one hsfindv3 page holds. */
int
FindPageRows()
{
	return EndpointOf(Api::InpatientFind).page_size;
}
/* hsfindv3 date criteria start here: no ORCA stay predates 1900, and ORCA's
 * date checks are not documented for earlier dates.  A query range that ends
 * before it holds no stay. */
constexpr const char *kMinStayDate = "1900-01-01";
constexpr const char *kOpenEnd = "9999-12-31"; /* ORCA's open end, the last date it writes */
/* hsmealv2 answers 92 for a month before 2008-04: no meals can be read there. */
constexpr const char *kFirstMealDay = "2008-04-01";
/* Inpatient accounts (the months hsmealv2 answers) reach at most three months
 * past the current one: hsacctmodv2 creates missing accounts "from the
 * system date's month up to three months later", and its Request_Number 9
 * stops there too (hospshokuji.html, hosp_kaikeimod.html).  So an open stay is
 * read up to that month, each month without an account answering 04. */
constexpr int kAccountMonthsAhead = 3;
/* A patient's date range known in full and spanning at most this many months
 * is read month by month; otherwise hsptinfv2 gives the stays' months first. */
constexpr int kDirectMealMonths = 3;

long
Day(const char *text)
{
	long d = 0;
	ParseDate(text, &d);
	return d;
}

/* The first day of the month `n` months after the month of `day`. */
long
MonthsLater(long day, int n)
{
	long d = FirstDayOfMonth(day);
	for (int i = 0; i < n; i++)
		d = LastDayOfMonth(d) + 1;
	return d;
}

long
MonthCount(long lo, long hi)
{
	long months = 0;
	for (long d = FirstDayOfMonth(lo); d <= hi; d = LastDayOfMonth(d) + 1)
		months++;
	return months;
}

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
RangeText(const ScanSpec &spec, const Bounds &b)
{
	bool known = true;
	for (int qi : b.quals)
		known = known && spec.quals[qi].values_known;
	if (!known && !b.has_lo && !b.has_hi)
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

void
PlanEmpty(ScanPlan &p, const std::string &why)
{
	p.strategy = Strategy::Empty;
	p.explain.push_back("no ORCA call: " + why);
}

/* A stay date range (admission or discharge) that leaves nothing ORCA can hold. */
bool
NoStayDates(const ScanSpec &spec, const char *column)
{
	Bounds b = DateBounds(spec, spec.resource->FindColumn(column));
	return (b.has_lo || b.has_hi) && !ClampBounds(b, Day(kMinStayDate), Day(kOpenEnd));
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
	/* a range that bounds nothing (">= '-infinity'") is no criterion */
	auto bounds_something = [&](const Bounds &b) {
		bool known = true;
		for (int qi : b.quals)
			known = known && spec.quals[qi].values_known;
		return b.has_lo || b.has_hi || (!b.quals.empty() && !known);
	};
	if (bounds_something(adm))
		add("Admission_Date " + RangeText(spec, adm));
	if (bounds_something(dis))
		add("Discharge_Date " + RangeText(spec, dis));
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
	if (EmptyQual(spec))
		return PlanEmpty(p, "a condition can never be true");
	if (NoStayDates(spec, "admission_date") || NoStayDates(spec, "discharge_date"))
		return PlanEmpty(p, "no stay has such dates");
	if (IdQual(spec, p) >= 0) {
		double n = IdCount(spec, p.id_qual);
		if (!NeedsBeyond(spec, Source::InpatientInfo)) {
			p.strategy = Strategy::StayByPatient;
			p.explain.push_back(CallText(Api::InpatientInfo) + " — one call per patient (" + Plural(n, "call", "calls") +
			                    "), every stay");
			p.estimated_calls = n;
			p.estimated_rows = std::max(1.0, n * 2);
			return;
		}
		/* a column only hsfindv3 carries: search each patient's stays */
		p.strategy = Strategy::StaySearch;
		p.find_by_patient = true;
		std::string crit = FindCriteriaText(spec, p);
		p.explain.push_back(CallText(Api::InpatientFind) + " — Patient_ID" + (crit.empty() ? "" : ", " + crit) +
		                    "; one search per patient (" + Plural(n, "call", "calls") + ")");
		p.use_info = NeedsBeyond(spec, Source::InpatientFind);
		if (p.use_info)
			p.explain.push_back(CallText(Api::InpatientInfo) + " — one call per patient found, for columns " + ApiName(Api::InpatientFind) + " lacks");
		p.estimated_calls = n * (p.use_info ? 2 : 1);
		p.estimated_rows = std::max(1.0, n * 2);
		return;
	}
	p.strategy = Strategy::StaySearch;
	std::string crit = FindCriteriaText(spec, p);
	if (crit.empty())
		crit = "State 1 and State 2 (every stay)";
	p.explain.push_back(CallText(Api::InpatientFind) + " — " + crit + "; " + std::to_string(FindPageRows()) + " rows a page");
	p.use_info = NeedsBeyond(spec, Source::InpatientFind);
	double rows = std::max(1.0, spec.estimated_table_rows * 0.05);
	p.estimated_calls = std::ceil(rows / FindPageRows()) + 1;
	if (p.use_info) {
		p.explain.push_back(CallText(Api::InpatientInfo) + " — one call per patient found, for columns " + ApiName(Api::InpatientFind) + " lacks");
		p.estimated_calls += rows;
	}
	p.estimated_rows = rows;
}

void
PlanMeals(const ScanSpec &spec, ScanPlan &p)
{
	if (EmptyQual(spec))
		return PlanEmpty(p, "a condition can never be true");
	const ResourceDef &r = *spec.resource;
	Bounds days = DateBounds(spec, r.FindColumn("perform_date"));
	if (days.has_hi && days.hi < Day(kFirstMealDay))
		return PlanEmpty(p, std::string(ApiName(Api::InpatientMeal)) + " answers no month before 2008-04");
	bool bounded = !days.quals.empty();
	bool known = true;
	for (int qi : days.quals)
		known = known && spec.quals[qi].values_known;
	double months = 1;
	if (days.has_lo && days.has_hi)
		months = static_cast<double>(MonthCount(std::max(days.lo, Day(kFirstMealDay)), days.hi));
	if (IdQual(spec, p) >= 0) {
		double n = IdCount(spec, p.id_qual);
		p.strategy = Strategy::MealByPatient;
		/* month by month only for a short range known in full (at plan time a
		 * range from parameters is taken to be one) */
		bool direct = bounded && (known ? days.has_lo && days.has_hi && months <= kDirectMealMonths : true);
		if (!direct) {
			p.use_info = true;
			p.explain.push_back(CallText(Api::InpatientInfo) + " — one call per patient, for the months of its stays");
		}
		std::string range = bounded ? "perform_date " + RangeText(spec, days) : "the months of every stay";
		p.explain.push_back(CallText(Api::InpatientMeal) + " — one call per patient and month (" + range + ")");
		p.estimated_calls = n * months + (p.use_info ? n : 0);
		p.estimated_rows = n * months * 28;
		return;
	}
	/* a start date is required: any lower bound, '-infinity' included (it
	 * reads from April 2008, the first month hsmealv2 answers, as an earlier
	 * date would) */
	bool has_start = FindQual(spec, r.FindColumn("perform_date"), {QualOp::Gt, QualOp::Ge, QualOp::Eq}) >= 0;
	if (!has_start) {
		p.strategy = Strategy::MissingQual;
		p.missing_message = "a query on resource \"meals\" needs a patient_id condition or a perform_date range";
		p.missing_detail = "ORCA returns meals one patient-month at a time (" + std::string(ApiName(Api::InpatientMeal)) +
		                   "); without a patient or a start "
		                   "date every month of every inpatient would have to be read.";
		p.missing_hint = "Add WHERE patient_id = '…' or WHERE perform_date >= '…'.";
		p.explain.push_back("no plan: a patient_id condition or a perform_date range is required");
		/* prohibitive, so a join that supplies patient_id per outer row wins */
		p.estimated_calls = 1e9;
		p.estimated_rows = 1e6;
		return;
	}
	p.strategy = Strategy::MealByDate;
	p.explain.push_back(CallText(Api::InpatientFind) + " — stays overlapping perform_date " + RangeText(spec, days) +
	                    " (State 1, and Discharge_Date from the start); 200 rows a page");
	p.explain.push_back(CallText(Api::InpatientMeal) + " — one call per inpatient and month");
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
		p.explain.push_back(CallText(Api::WardConfig) + " — Request_Number 1 (all wards)");
	else if (name == "rooms") {
		p.explain.push_back(CallText(Api::WardConfig) + " — Request_Number 1 (the wards)");
		p.explain.push_back(CallText(Api::RoomConfig) + " — Request_Number 2, one call per ward");
	} else if (name == "departments")
		p.explain.push_back(CallText(Api::DepartmentList) + " — Request_Number 01");
	else if (name == "doctors")
		p.explain.push_back(CallText(Api::DoctorList) + " — Request_Number 02");
	p.estimated_calls = name == "rooms" ? 5 : 1;
	p.estimated_rows = 50;
}

/* ---------------------------------------------------------------------- */
/* Execution                                                                */
/* ---------------------------------------------------------------------- */

namespace {

enum JobKind { kFindPage, kInfo, kMeal, kWards, kRooms, kList };

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
			if (!MealDays(&meal_days_))
				return;
			for (const std::string &id : UniqueIds()) {
				if (plan_.use_info)
					AddInfo(id);
				else
					AddMonths(id, meal_days_.lo, meal_days_.hi);
			}
			return;
		}
		case Strategy::MealByDate: {
			if (!MealDays(&meal_days_))
				return;
			Node admitted = Node::MakeRecord();
			admitted.children.emplace_back("State", Node::MakeString("1"));
			AddRange(admitted, "Admission_Date", Day(kMinStayDate), meal_days_.hi);
			AddFindPage(admitted, 1);
			Node discharged = Node::MakeRecord();
			AddRange(discharged, "Discharge_Date", meal_days_.lo, Day(kOpenEnd));
			AddRange(discharged, "Admission_Date", Day(kMinStayDate), meal_days_.hi);
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
	/* One spelling per patient ("42" and "00042" are one patient: ORCA
	 * answers both as 00042, and PostgreSQL's recheck keeps what equals the
	 * query's text), taken among those ORCA can read (PossiblePatientId: Patient_ID is 20 bytes
	 * of ASCII, so a longer one ("0000000000000000000042") or one with other
	 * characters is never sent, and never hides a spelling that can be). */
	std::vector<std::string> UniqueIds()
	{
		std::vector<std::string> ids;
		std::set<std::string> keys;
		for (const std::string &id : spec_.quals[plan_.id_qual].values) {
			std::string key = IdKey(id);
			if (PossiblePatientId(id) && !key.empty() && keys.insert(key).second)
				ids.push_back(id);
		}
		return ids;
	}

	/* The perform_date range that hsmealv2 can answer: from 2008-04, up to the
	 * query's end (open: the month of each stay's end decides).  False when
	 * nothing is left. */
	bool MealDays(Bounds *out)
	{
		Bounds b = DateBounds(spec_, spec_.resource->FindColumn("perform_date"));
		bool open_end = !b.has_hi;
		if (!ClampBounds(b, Day(kFirstMealDay), Day(kOpenEnd)))
			return false;
		if (open_end)
			b.hi = LONG_MAX;
		*out = b;
		return true;
	}

	/* The last day an open stay can have meals: the end of the third month
	 * after ORCA's current month (its Information_Date). */
	long OpenStayLastDay()
	{
		long today = 0;
		if (!Today(&today))
			throw Error(ErrorKind::Protocol, "ORCA response carries no Information_Date",
			            "The months of a current stay run up to three months after ORCA's current date, which "
			            "every ORCA answer states; this one did not.");
		return LastDayOfMonth(MonthsLater(today, kAccountMonthsAhead));
	}

	static void AddRange(Node &criteria, const char *name, long first, long last)
	{
		Node range = Node::MakeRecord();
		range.children.emplace_back("First", Node::MakeString(FormatDate(std::max(first, Day(kMinStayDate)))));
		range.children.emplace_back("Last", Node::MakeString(FormatDate(std::min(last, Day(kOpenEnd)))));
		criteria.children.emplace_back(name, std::move(range));
	}

	void StartStaySearch()
	{
		const ResourceDef &r = *spec_.resource;
		Node criteria = Node::MakeRecord();
		for (const char *column : {"admission_date", "discharge_date"}) {
			Bounds b = DateBounds(spec_, r.FindColumn(column));
			if (!b.has_lo && !b.has_hi && !b.empty)
				continue;
			if (!ClampBounds(b, Day(kMinStayDate), Day(kOpenEnd)))
				return; /* no stay can have such dates */
			AddRange(criteria, column[0] == 'a' ? "Admission_Date" : "Discharge_Date", b.lo, b.hi);
		}
		if (plan_.state)
			criteria.children.emplace_back("State", Node::MakeString(std::to_string(plan_.state)));
		for (const char *column : {"ward_number", "department_code"}) {
			int qi = FindQual(spec_, r.FindColumn(column), {QualOp::Eq});
			if (qi >= 0 && spec_.quals[qi].values_known && !spec_.quals[qi].values.empty())
				criteria.children.emplace_back(column[0] == 'w' ? "Ward_Number" : "Department_Code",
				                               Node::MakeString(spec_.quals[qi].values[0]));
		}
		bool any = !criteria.children.empty();
		std::vector<Node> searches;
		if (plan_.find_by_patient) {
			for (const std::string &id : UniqueIds()) {
				Node c = criteria;
				c.children.emplace(c.children.begin(), "Patient_ID", Node::MakeString(id));
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
		first_pages_pending_ = static_cast<int>(searches.size());
		hold_first_pages_ = plan_.use_info && searches.size() > 1;
		for (const Node &c : searches)
			AddFindPage(c, 1);
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
		selection.children.emplace_back("Last", Node::MakeString(std::to_string(first + FindPageRows() - 1)));
		req.children.emplace_back("Selection", std::move(selection));
		req.children.emplace_back("Patient_Information", criteria);
		/* Test patients' stays are stays too: never rely on the default of
		 * TestPatient_Class (b = include them). */
		req.children.back().second.children.emplace_back("TestPatient_Class", Node::MakeString("b"));
		/* E0106 (no hits), and the codes meaning "no such patient, department,
		 * ward" for a criterion we sent: endpoints.cpp */
		AddCall(*job, Api::InpatientFind, "", &req);
		Push(std::move(job));
	}

	/* hsptinfv2 for a patient: every stay, or (admission non-empty) the stay
	 * admitted that day, for `rows` waiting for it. */
	void AddInfo(const std::string &id, const std::string &admission = std::string(), std::vector<OutRow> rows = {})
	{
		auto job = std::make_unique<Job>();
		job->kind = kInfo;
		job->text = id;
		Node req = Node::MakeRecord();
		req.children.emplace_back("Patient_ID", Node::MakeString(id));
		/* 02: no such patient (or a malformed number) — no stays to show;
		 * 04 for an Admission_Date: no stay admitted that day (any more) */
		if (!admission.empty()) {
			req.children.emplace_back("Admission_Date", Node::MakeString(admission));
			job->flag = true;
			job->rows = std::move(rows);
		}
		AddCall(*job, Api::InpatientInfo, "", &req);
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
			/* 02: no such patient; 04: no inpatient account for that month — no meals */
			AddCall(*job, Api::InpatientMeal, "", &req);
			Push(std::move(job));
		}
	}

	/* hsmealv2 for the months of a stay (admission and discharge dates as
	 * ORCA wrote them) within the query's range. */
	void AddStayMonths(const std::string &id, const std::string *admission, const std::string *discharge)
	{
		long first, last;
		if (!admission || !ParseDate(*admission, &first))
			return;
		if (!discharge || *discharge == kOpenEnd || !ParseDate(*discharge, &last))
			last = OpenStayLastDay();
		AddMonths(id, std::max(first, meal_days_.lo), std::min(last, meal_days_.hi));
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
		AddCall(*job, request_number[0] == '2' ? Api::RoomConfig : Api::WardConfig, "", &req);
		Push(std::move(job));
	}

	void AddSystemList(const char *request_number)
	{
		auto job = std::make_unique<Job>();
		job->kind = kList;
		Node req = Node::MakeRecord();
		req.children.emplace_back("Request_Number", Node::MakeString(request_number));
		/* 11: nothing registered — an empty list */
		AddCall(*job, request_number[1] == '2' ? Api::DoctorList : Api::DepartmentList, "", &req);
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
		if (job.lo == 1) {
			if (call.Outcome() == CallOutcome::Ok) {
				long count = std::atol(call.Field("Count").c_str());
				for (long first = 1 + FindPageRows(); first <= count; first += FindPageRows())
					AddFindPage(job.request, first);
			}
			first_pages_pending_--;
		}
		if (plan_.strategy == Strategy::MealByDate) {
			for (Node &stay : call.Rows())
				if (const std::string *id = stay.StringAt("Patient_ID"))
					AddStayMonths(*id, stay.StringAt("Admission_Date"), stay.StringAt("Discharge_Date"));
			return;
		}
		if (hold_first_pages_ && first_pages_pending_ > 0) {
			for (Node &stay : call.Rows())
				held_.push_back(std::move(stay));
			return;
		}
		std::vector<Node> held;
		held.swap(held_);
		for (Node &stay : held)
			TakeStay(std::move(stay));
		for (Node &stay : call.Rows())
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
		row.Set(Source::InpatientFind, std::move(stay));
		if (!plan_.use_info) {
			Emit(std::move(row));
			return;
		}
		std::string patient = IdKey(id);
		waiting_[patient].push_back(std::move(row));
		if (info_pending_.insert(patient).second)
			AddInfo(id);
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
			for (Node &stay : stays)
				AddStayMonths(id, stay.StringAt("Admission_Date"), stay.StringAt("Discharge_Date"));
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
		/* hsfindv3 rows waiting for this answer: match each by admission date */
		std::vector<OutRow> rows;
		if (job.flag) {
			rows = std::move(job.rows);
		} else {
			std::string patient_key = IdKey(job.text);
			info_pending_.erase(patient_key);
			auto it = waiting_.find(patient_key);
			if (it != waiting_.end()) {
				rows = std::move(it->second);
				waiting_.erase(it);
			}
		}
		for (OutRow &row : rows) {
			const std::string *adm = row.Part(Source::InpatientFind)->StringAt("Admission_Date");
			if (!adm)
				throw Error(ErrorKind::Protocol, "ORCA " + std::string(ApiName(Api::InpatientFind)) + " answer lists a stay without Admission_Date",
				            "A stay cannot be matched with its " + std::string(ApiName(Api::InpatientInfo)) +
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
				row.Set(Source::InpatientInfo, Node(*match));
				Emit(std::move(row));
			} else if (!job.flag) {
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

	bool Advance() override { return false; }

	Bounds meal_days_;              /* MealByPatient / MealByDate: the range hsmealv2 can answer */
	int first_pages_pending_ = 0;   /* hsfindv3 searches whose first page is not in yet */
	bool hold_first_pages_ = false; /* keep their rows until then (see StartStaySearch) */
	std::vector<Node> held_;
	std::set<std::string> info_pending_; /* patients with an hsptinfv2 call (every stay) in flight */
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
