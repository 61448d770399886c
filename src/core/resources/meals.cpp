/*
 * meals.cpp — the meals resource, one row per inpatient per day (食事), from
 * hsmealv2's monthly calendars: its declaration, then its planning and
 * execution hooks.
 *
 *   patient_id + a range of at most three months → hsmealv2 per patient-month
 *   patient_id otherwise → hsptinfv2 for the stays, then their months
 *   a perform_date start → hsfindv3 for the stays that overlap the range
 *                          (State 1, and Discharge_Date ≥ start), then
 *                          hsmealv2 per patient-month
 *   neither              → an error naming the missing condition (a bounded
 *                          plan does not exist: the required key conditions)
 * An open stay's months run up to three months after the current one: ORCA
 * keeps inpatient accounts ahead, never further.
 */
#include "core/resources/resource.hpp"

#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/scan_inpatient.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace scan_detail {
void PlanMeals(const ScanSpec &spec, ScanPlan &p);
std::unique_ptr<Executor> MakeMealsExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan,
                                            SessionStats &stats, std::vector<std::string> &warnings);
} // namespace scan_detail

namespace {

constexpr Source kMeal = Source::InpatientMeal;

/* The key conditions, by tag: what the hooks read from the declaration. */
enum MealKey : int { kKeyPatient, kKeyStart, kKeyEnd };

} // namespace

/* ---------------------------------------------------------------------- */
/* The declaration                                                          */
/* ---------------------------------------------------------------------- */

ResourceDef
resources::Meals()
{
	ResourceDef r;
	r.name = "meals";
	r.comment = "入院患者食事等情報 / ORCA inpatient meal calendar, one row per patient per day";
	auto m = [](const std::string &path) { return In({Source::InpatientMeal}, path); };
	r.columns = {
		Col("patient_id", ColumnType::Text, m("Patient_ID"), "患者番号 / patient number"),
		Col("perform_date", ColumnType::Date, m("Perform_Date"), "診療日 / the day"),
		Col("morning_meal", ColumnType::Text, m("Morning_Meal/Data"), "朝食 / breakfast: 00 none, 01 meal, 02 special, 03 liquid"),
		Col("lunch_meal", ColumnType::Text, m("Lunch_Meal/Data"), "昼食 / lunch code"),
		Col("evening_meal", ColumnType::Text, m("Evening_Meal/Data"), "夕食 / dinner code"),
		Col("morning_meal_name", ColumnType::Text, m("Morning_Meal/Name"), "朝食名 / breakfast"),
		Col("lunch_meal_name", ColumnType::Text, m("Lunch_Meal/Name"), "昼食名 / lunch"),
		Col("evening_meal_name", ColumnType::Text, m("Evening_Meal/Name"), "夕食名 / dinner"),
		Col("ward_number", ColumnType::Text, m("Ward_Number/Data"), "病棟番号 / ward that day"),
		Col("ward_name", ColumnType::Text, m("Ward_Name/Data"), "病棟名 / ward name"),
		Col("room_number", ColumnType::Text, m("Room_Number/Data"), "病室番号 / room that day"),
		Col("department_code", ColumnType::Text, m("Department_Code/Data"), "診療科コード / department that day"),
		Col("department_name", ColumnType::Text, m("Department_Code/Name"), "診療科名 / department name"),
		Col("patient_status", ColumnType::Text, m("Patient_Status/Data"), "外泊等区分 / 00 on the ward, 01 overnight leave, ..."),
		Col("patient_status_name", ColumnType::Text, m("Patient_Status/Name"), "外泊等区分名 / status"),
		Col("room_charge", ColumnType::Integer, m("Room_Charge/Data"), "室料差額 / room charge difference in yen"),
		Col("insurance_combination_number", ColumnType::Text, m("Insurance_Combination_Number"), "保険組合せ番号 / insurance combination that day"),
	};
	/* A query needs a patient or a start date (any lower bound, '-infinity'
	 * included: it reads from April 2008, the first month hsmealv2 answers,
	 * as an earlier date would); without either every month of every
	 * inpatient would have to be read.  The perform_date range also bounds
	 * the hsfindv3 search for the stays that overlap it. */
	r.read.keys = {
	    {kKeyPatient, "patient_id", {QualOp::Eq, QualOp::In}, kMeal, "Patient_ID", "", true, true},
	    {kKeyStart, "perform_date", {QualOp::Eq, QualOp::Gt, QualOp::Ge}, kMeal, "Perform_Month", "", true},
	    {kKeyEnd, "perform_date", {QualOp::Lt, QualOp::Le}, kMeal, "Perform_Month"},
	};
	r.read.missing.message = "a query on resource \"meals\" needs a patient_id condition or a perform_date range";
	r.read.missing.detail = "ORCA returns meals one patient-month at a time (" + std::string(ApiName(kMeal)) +
	                        "); without a patient or a start date every month of every inpatient would have to be "
	                        "read.";
	r.read.missing.hint = "Add WHERE patient_id = '…' or WHERE perform_date >= '…'.";
	r.read.missing.explain = "no plan: a patient_id condition or a perform_date range is required";
	/* without a range known in full, a patient's stays give its months */
	r.read.hydrate = {
	    {Api::InpatientInfo, 1, "one call per patient, for the months of its stays"},
	};
	r.read.plan = scan_detail::PlanMeals;
	r.read.execute = scan_detail::MakeMealsExecutor;
	r.read.calls = ApiBit(Api::InpatientFind) | ApiBit(Api::InpatientInfo) | ApiBit(kMeal);
	/* a batched join hands 100 patients to one scan: their per-patient
	 * calls run together, never one scan per outer row */
	r.read.join_batch = 100;
	/* registrations: hsacctmodv2 Request_Number 4, rows checked one by one
	 * (CheckMealRow) and merged per patient, admission and month (BuildMealCalls) */
	r.write.api = Api::InpatientAccountMod;
	r.write.merges_rows = true;
	return r;
}

/* ---------------------------------------------------------------------- */
/* Planning                                                                 */
/* ---------------------------------------------------------------------- */

namespace scan_detail {

namespace {

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
/* A query with no condition at all and a LIMIT of at most this many rows
 * (with its OFFSET) is a preview: answered from the current inpatients'
 * current month on, at about one call per patient-month of rows taken.
 * A larger one, or one whose rows PostgreSQL still filters, could read every
 * month of every stay: refused as before. */
constexpr double kMaxPreviewRows = 10000;
/* Meal rows one patient-month yields, for spreading a LIMIT over calls. */
constexpr double kRowsPerMonth = 28;

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

/* The perform_date column's bounds. */
Bounds
DayBounds(const ScanSpec &spec)
{
	return DateBounds(spec, spec.resource->KeyOf(kKeyStart).column_index);
}

} // namespace

void
PlanMeals(const ScanSpec &spec, ScanPlan &p)
{
	const ResourceDef &r = *spec.resource;
	if (EmptyQual(spec))
		return PlanEmpty(p, "a condition can never be true");
	Bounds days = DayBounds(spec);
	if (days.has_hi && days.hi < Day(kFirstMealDay))
		return PlanEmpty(p, std::string(ApiName(kMeal)) + " answers no month before 2008-04");
	bool bounded = !days.quals.empty();
	bool known = BoundsKnown(spec, days);
	double months = 1;
	if (days.has_lo && days.has_hi)
		months = static_cast<double>(MonthCount(std::max(days.lo, Day(kFirstMealDay)), days.hi));
	p.id_qual = KeyQual(spec, r.KeyOf(kKeyPatient));
	if (p.id_qual >= 0) {
		double n = IdCount(spec, p.id_qual);
		p.strategy = Strategy::MealByPatient;
		/* month by month only for a short range known in full (at plan time a
		 * range from parameters is taken to be one) */
		bool direct = bounded && (known ? days.has_lo && days.has_hi && months <= kDirectMealMonths : true);
		if (!direct) {
			p.use_info = true;
			p.explain.push_back(CallText(Api::InpatientInfo) + " — " + r.HydrateOf(Api::InpatientInfo).explain);
		}
		std::string range = bounded ? "perform_date " + RangeText(spec, days) : "the months of every stay";
		p.explain.push_back(CallText(kMeal) + " — one call per patient and month (" + range + ")");
		p.estimated_calls = n * months + (p.use_info ? n : 0);
		p.estimated_rows = n * months * 28;
		return;
	}
	bool preview = !bounded && spec.hint_exact && spec.row_hint > 0 && spec.row_hint <= kMaxPreviewRows;
	if (!HasRequiredKey(spec) && !preview)
		return PlanMissingKey(spec, p);
	p.strategy = Strategy::MealByDate;
	if (preview) {
		p.explain.push_back("preview (LIMIT " + std::to_string(std::lround(spec.row_hint)) +
		                    ", no condition): the current inpatients' current month first, then their other "
		                    "months, then earlier stays, only as far as the rows taken need");
		p.explain.push_back(CallText(Api::InpatientFind) + " — current stays (State 1); earlier stays when asked for");
		p.explain.push_back(CallText(kMeal) + " — one call per inpatient and month, " +
		                    Plural(std::ceil(spec.row_hint / kRowsPerMonth), "month", "months") + " for the rows taken");
		p.estimated_calls = 1 + std::ceil(spec.row_hint / kRowsPerMonth);
		p.estimated_rows = spec.row_hint;
		return;
	}
	p.explain.push_back(CallText(Api::InpatientFind) + " — stays overlapping perform_date " + RangeText(spec, days) +
	                    " (State 1, and Discharge_Date from the start); " + std::to_string(FindPageRows()) +
	                    " rows a page");
	p.explain.push_back(CallText(kMeal) + " — one call per inpatient and month");
	double patients = std::max(1.0, spec.estimated_table_rows * 0.02);
	p.estimated_calls = 2 + patients * months;
	p.estimated_rows = patients * months * 28;
}

/* ---------------------------------------------------------------------- */
/* Execution                                                                */
/* ---------------------------------------------------------------------- */

namespace {

class MealsExecutor final : public InpatientExecutor {
public:
	using InpatientExecutor::InpatientExecutor;

	void Start() override
	{
		switch (plan_.strategy) {
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
			if (Lazy())
				deferred_search_ = std::move(discharged); /* the current stays first */
			else
				AddFindPage(discharged, 1);
			return;
		}
		default: return; /* Empty */
		}
	}

private:
	/* Under a LIMIT (ScanSpec::row_hint): the patient-months are asked a few
	 * at a time as the query takes rows, the current month first; then
	 * the current stays' further pages; then the earlier stays. */
	bool Advance() override
	{
		if (!queued_.empty()) {
			long today = 0;
			long current = Today(&today) ? FirstDayOfMonth(today) : -1;
			/* the current month's calls first, otherwise in the order found */
			std::stable_partition(queued_.begin(), queued_.end(),
			                      [&](const std::pair<std::string, long> &m) { return m.second == current; });
			double left = std::max(1.0, spec_.row_hint - static_cast<double>(emitted_));
			size_t n = static_cast<size_t>(std::min(8.0, std::ceil(left / kRowsPerMonth)));
			n = std::min(std::max<size_t>(n, 1), queued_.size());
			for (size_t i = 0; i < n; i++)
				AddMonthCall(queued_[i].first, queued_[i].second);
			queued_.erase(queued_.begin(), queued_.begin() + static_cast<long>(n));
			return true;
		}
		if (InpatientExecutor::Advance())
			return true;
		if (deferred_search_.type == Node::Type::Record) {
			Node criteria = std::move(deferred_search_);
			deferred_search_ = Node();
			AddFindPage(criteria, 1);
			return true;
		}
		return false;
	}

	void AddMonthCall(const std::string &id, long month)
	{
		auto job = std::make_unique<InpatientJob>();
		job->kind = InpatientJob::Kind::Meal;
		job->id = id;
		Node req = Node::MakeRecord();
		req.children.emplace_back("Patient_ID", Node::MakeString(id));
		req.children.emplace_back("Perform_Month", Node::MakeString(FormatMonth(month)));
		/* 02: no such patient; 04: no inpatient account for that month — no meals */
		AddCall(*job, kMeal, "", &req);
		Push(std::move(job));
	}

	/* The perform_date range that hsmealv2 can answer: from 2008-04, up to the
	 * query's end (open: the month of each stay's end decides).  False when
	 * nothing is left. */
	bool MealDays(Bounds *out)
	{
		Bounds b = DayBounds(spec_);
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

	/* hsmealv2 for every month of [lo, hi] (day numbers) not asked yet. */
	void AddMonths(const std::string &id, long lo, long hi)
	{
		if (hi < lo)
			return;
		for (long d = FirstDayOfMonth(lo); d <= hi; d = LastDayOfMonth(d) + 1) {
			std::string month = FormatMonth(d);
			if (!meal_months_.insert(IdKey(id) + "/" + month).second)
				continue;
			if (Lazy())
				queued_.emplace_back(id, d);
			else
				AddMonthCall(id, d);
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

	void FoundStays(std::vector<Node> &stays) override
	{
		for (Node &stay : stays)
			if (const std::string *id = stay.StringAt("Patient_ID"))
				AddStayMonths(*id, stay.StringAt("Admission_Date"), stay.StringAt("Discharge_Date"));
	}

	void StaysOf(InpatientJob &, const std::string &id, std::vector<Node> &stays) override
	{
		for (Node &stay : stays)
			AddStayMonths(id, stay.StringAt("Admission_Date"), stay.StringAt("Discharge_Date"));
	}

	void CompleteOwn(InpatientJob &job) override
	{
		ApiCall &call = *job.calls[0];
		const std::string &id = call.Field("Patient_Information/Patient_ID");
		for (Node &day : call.Rows()) {
			day.children.emplace_back("Patient_ID", Node::MakeString(id.empty() ? job.id : id));
			OutRow row;
			row.Set(kMeal, std::move(day));
			Emit(std::move(row));
			emitted_++;
		}
	}

	Bounds meal_days_; /* the range hsmealv2 can answer */
	std::set<std::string> meal_months_;
	std::vector<std::pair<std::string, long>> queued_; /* Lazy: patient, first day of the month */
	Node deferred_search_;                              /* Lazy: the earlier stays' search, until asked for */
	size_t emitted_ = 0;
};

} // namespace

std::unique_ptr<Executor>
MakeMealsExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan, SessionStats &stats,
                  std::vector<std::string> &warnings)
{
	return std::make_unique<MealsExecutor>(client, spec, plan, stats, warnings);
}

} // namespace scan_detail
} // namespace orca_fdw::core
