/*
 * visits.cpp — the visits resource, one row per outpatient reception (受付)
 * of a day, from acceptlstv2: its declaration, then its planning and
 * execution hooks.
 *
 *   a visit_date range known at both ends → acceptlstv2 class=03 per day,
 *       Department_Code / Physician_Code sent when the query compares them
 *       with one value (PostgreSQL rechecks every qual)
 *   otherwise → an error naming visit_date (every day ever would be read)
 *
 * A department_code is first looked up in ORCA's departments (one
 * system01lstv2 call): the code acceptlstv2 answers for an unknown
 * department is not documented (UNCONFIRMED), so an unknown one makes no
 * acceptlstv2 call and no row, and a known one is sent.  An unknown
 * physician_code answers 13 (seen on a real server): no rows.
 *
 * Which classes: acceptancelst.html documents class 01 (receptions waiting
 * for accounting), 02 (accounted) and 03 (every reception).  One class=03
 * call per day lists each reception exactly once; calling 01 and 02 would
 * list a reception twice, or not at all, when it is accounted between the
 * two calls.  UNCONFIRMED: that 03 on a real server is exactly the union of
 * 01 and 02 (the spec says 全受付対象, "every reception").
 */
#include "core/resources/resource.hpp"

#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/scan_internal.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace scan_detail {
void PlanVisits(const ScanSpec &spec, ScanPlan &p);
std::unique_ptr<Executor> MakeVisitsExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan,
                                             SessionStats &stats, std::vector<std::string> &warnings);
} // namespace scan_detail

namespace {

constexpr Source kVisit = Source::VisitList;

/* The key conditions, by tag: what the hooks read from the declaration. */
enum VisitKey : int { kKeyStart, kKeyEnd, kKeyDepartment, kKeyPhysician };

/* One call per day: a range longer than this (ten years) is refused rather
 * than sent to a clinic's production server as thousands of calls. */
constexpr long kMaxVisitDays = 3660;

} // namespace

/* ---------------------------------------------------------------------- */
/* The declaration                                                          */
/* ---------------------------------------------------------------------- */

ResourceDef
resources::Visits()
{
	ResourceDef r;
	r.name = "visits";
	r.comment = "受付一覧 / ORCA outpatient receptions, one row per reception";
	auto v = [](const std::string &path) { return In({kVisit}, path); };
	r.columns = {
		Col("visit_date", ColumnType::Date, v("Acceptance_Date"), "受付日 / the day of the reception"),
		Col("acceptance_id", ColumnType::Text, v("Acceptance_Id"), "受付ID / reception number of the day"),
		Col("acceptance_time", ColumnType::Time, v("Acceptance_Time"), "受付時間 / reception time"),
		Col("patient_id", ColumnType::Text, v("Patient_Information/Patient_ID"), "患者番号 / patient number"),
		Col("department_code", ColumnType::Text, v("Department_Code"), "診療科コード / department"),
		Col("department_name", ColumnType::Text, v("Department_WholeName"), "診療科名 / department name"),
		Col("physician_code", ColumnType::Text, v("Physician_Code"), "ドクターコード / doctor"),
		Col("physician_name", ColumnType::Text, v("Physician_WholeName"), "ドクター名 / doctor name"),
		Col("medical_information", ColumnType::Text, v("Medical_Information"),
		    "診療内容区分 / 01 examination, 02 medication only, ..."),
		Col("appointment_time", ColumnType::Time, v("Appointment_Time"), "予約時間 / appointment time, if booked"),
		Col("appointment_id", ColumnType::Text, v("Appointment_Id"), "予約ID / appointment number, if booked"),
		Col("account_time", ColumnType::Time, v("Account_Time"), "会計時間 / accounting time; NULL while waiting"),
		Col("insurance_combination_number", ColumnType::Text,
		    v("HealthInsurance_Information/Insurance_Combination_Number"), "保険組合せ番号 / insurance combination"),
		Col("insurance_provider_class", ColumnType::Text,
		    v("HealthInsurance_Information/InsuranceProvider_Class"), "保険の種類 / insurance class"),
		Col("insurance_provider_name", ColumnType::Text,
		    v("HealthInsurance_Information/InsuranceProvider_WholeName"), "保険の名称 / insurance name"),
	};
	/* Both ends of a visit_date range are required: one call per day. */
	const std::vector<QualOp> lower = {QualOp::Eq, QualOp::Gt, QualOp::Ge};
	const std::vector<QualOp> upper = {QualOp::Eq, QualOp::Lt, QualOp::Le};
	r.read.keys = {
	    {kKeyStart, "visit_date", lower, kVisit, "Acceptance_Date", "", true},
	    {kKeyEnd, "visit_date", upper, kVisit, "Acceptance_Date"},
	    {kKeyDepartment, "department_code", {QualOp::Eq}, kVisit, "Department_Code"},
	    {kKeyPhysician, "physician_code", {QualOp::Eq}, kVisit, "Physician_Code"},
	};
	r.read.missing.message = "a query on resource \"visits\" needs a visit_date range";
	r.read.missing.detail = "ORCA lists receptions one day at a time (" + std::string(ApiName(kVisit)) +
	                        "); without a first and a last day every day would have to be read.";
	r.read.missing.hint = "Add WHERE visit_date = '…' or WHERE visit_date BETWEEN '…' AND '…'.";
	r.read.missing.explain = "no plan: a visit_date range (first and last day) is required";
	r.read.plan = scan_detail::PlanVisits;
	r.read.execute = scan_detail::MakeVisitsExecutor;
	r.read.calls = ApiBit(kVisit) | ApiBit(Api::DepartmentList);
	return r;
}

/* ---------------------------------------------------------------------- */
/* Planning                                                                 */
/* ---------------------------------------------------------------------- */

namespace scan_detail {

namespace {

Bounds
VisitDays(const ScanSpec &spec)
{
	return DateBounds(spec, spec.resource->KeyOf(kKeyStart).column_index);
}

/* A code ORCA can be asked for: 1-20 printable ASCII characters.  Any other
 * value is not sent (the day is read whole; PostgreSQL filters). */
bool
PushableCode(const std::string &v)
{
	if (v.empty() || v.size() > 20)
		return false;
	for (unsigned char c : v)
		if (c <= ' ' || c > '~')
			return false;
	return true;
}

/* The Eq qual of a key with a known, sendable value; -1 when none. */
int
CodeQual(const ScanSpec &spec, const KeyCondition &key)
{
	int q = KeyQual(spec, key);
	if (q < 0)
		return -1;
	const QualSpec &qs = spec.quals[q];
	if (qs.values_known && (qs.values.size() != 1 || !PushableCode(qs.values[0])))
		return -1;
	return q;
}

} // namespace

void
PlanVisits(const ScanSpec &spec, ScanPlan &p)
{
	const ResourceDef &r = *spec.resource;
	if (EmptyQual(spec))
		return PlanEmpty(p, "a condition can never be true");
	Bounds days = VisitDays(spec);
	bool known = BoundsKnown(spec, days);
	bool lower = KeyQual(spec, r.KeyOf(kKeyStart)) >= 0, upper = KeyQual(spec, r.KeyOf(kKeyEnd)) >= 0;
	if (!lower || !upper || (known && (!days.has_lo || !days.has_hi)))
		return PlanMissingKey(spec, p);
	double n = 30; /* a range from parameters */
	if (known) {
		n = static_cast<double>(days.hi - days.lo + 1);
		if (n > kMaxVisitDays) {
			p.strategy = Strategy::MissingQual;
			p.missing_message = "visit_date range of " + std::to_string(static_cast<long>(n)) +
			                    " days is too long for resource \"visits\"";
			p.missing_detail = "ORCA lists receptions one day at a time (" + std::string(ApiName(kVisit)) +
			                   "); at most " + std::to_string(kMaxVisitDays) + " days are read in one query.";
			p.missing_hint = "Narrow the visit_date range, or read it in several queries.";
			p.explain.push_back("no plan: a visit_date range of at most " + std::to_string(kMaxVisitDays) +
			                    " days is required");
			p.estimated_calls = 1e9;
			p.estimated_rows = 1e6;
			return;
		}
	}
	p.strategy = Strategy::Own;
	std::string narrowed;
	for (int tag : {kKeyDepartment, kKeyPhysician}) {
		const KeyCondition &k = r.KeyOf(tag);
		if (CodeQual(spec, k) >= 0)
			narrowed += ", " + k.parameter + " from " + k.column;
	}
	if (CodeQual(spec, r.KeyOf(kKeyDepartment)) >= 0) {
		p.explain.push_back(CallText(Api::DepartmentList) + " — Request_Number " +
		                    EndpointOf(Api::DepartmentList).request_number +
		                    " (is department_code one of ORCA's departments?)");
		n += 1;
	}
	double day_count = CodeQual(spec, r.KeyOf(kKeyDepartment)) >= 0 ? n - 1 : n;
	p.explain.push_back(CallText(kVisit) + " — one call per day (visit_date " + RangeText(spec, days) +
	                    (known ? ": " + Plural(day_count, "call", "calls") : std::string()) + narrowed + ")");
	p.estimated_calls = n;
	p.estimated_rows = n * 40;
}

/* ---------------------------------------------------------------------- */
/* Execution                                                                */
/* ---------------------------------------------------------------------- */

namespace {

struct VisitJob final : Job {
	std::string day; /* "": the departments (system01lstv2) */
};

class VisitsExecutor final : public ExecutorFor<VisitJob> {
public:
	using ExecutorFor::ExecutorFor;

	void Start() override
	{
		if (plan_.strategy != Strategy::Own)
			return; /* Empty */
		Bounds days = VisitDays(spec_);
		if (days.empty || !days.has_lo || !days.has_hi)
			return;
		const ResourceDef &r = *spec_.resource;
		for (int tag : {kKeyDepartment, kKeyPhysician}) {
			const KeyCondition &k = r.KeyOf(tag);
			int q = CodeQual(spec_, k);
			if (q >= 0)
				criteria_.emplace_back(k.parameter, spec_.quals[q].values[0]);
		}
		next_ = days.lo;
		last_ = days.hi;
		int dq = CodeQual(spec_, r.KeyOf(kKeyDepartment));
		if (dq >= 0) {
			/* the days wait for the departments: an unknown code makes no call */
			department_ = spec_.quals[dq].values[0];
			waiting_ = true;
			auto job = std::make_unique<VisitJob>();
			Node req = Node::MakeRecord();
			req.children.emplace_back("Request_Number",
			                          Node::MakeString(EndpointOf(Api::DepartmentList).request_number));
			AddCall(*job, Api::DepartmentList, "", &req);
			Push(std::move(job));
			return;
		}
		Advance();
	}

private:
	/* Days are queued a few at a time: the executor keeps its calls in
	 * flight, and a year's range is not 365 requests built up front. */
	bool Advance() override
	{
		if (waiting_ || next_ > last_)
			return false;
		for (int i = 0; i < 16 && next_ <= last_; i++, next_++) {
			auto job = std::make_unique<VisitJob>();
			job->output = true;
			job->day = FormatDate(next_);
			Node req = Node::MakeRecord();
			req.children.emplace_back("Acceptance_Date", Node::MakeString(job->day));
			for (const auto &c : criteria_)
				req.children.emplace_back(c.first, Node::MakeString(c.second));
			AddCall(*job, kVisit, "", &req);
			Push(std::move(job));
		}
		return true;
	}

	void Complete(VisitJob &job) override
	{
		ApiCall &call = *job.calls[0];
		if (job.day.empty()) {
			waiting_ = false;
			bool known = false;
			for (Node &row : call.Rows())
				if (const std::string *code = row.StringAt("Code"))
					known = known || *code == department_;
			if (!known)
				next_ = last_ + 1; /* no such department: no reception */
			return;
		}
		std::vector<Node> &rows = call.Rows();
		if (static_cast<int>(rows.size()) >= EndpointOf(kVisit).page_size)
			throw Error(ErrorKind::Unsupported,
			            "ORCA listed " + std::to_string(rows.size()) + " receptions for " + job.day +
			                ", the most one " + ApiName(kVisit) + " answer holds",
			            "The day may have more receptions than ORCA returns in one answer; a part of a day is "
			            "never returned as the whole.",
			            "Narrow the query by department_code or physician_code.");
		const std::string &day = call.Field("Acceptance_Date");
		for (Node &item : rows) {
			item.children.emplace_back("Acceptance_Date", Node::MakeString(day.empty() ? job.day : day));
			OutRow row;
			row.Set(kVisit, std::move(item));
			Emit(std::move(row));
		}
	}

	std::vector<std::pair<std::string, std::string>> criteria_;
	std::string department_;
	bool waiting_ = false; /* the departments' answer is not in yet */
	long next_ = 0, last_ = -1;
};

} // namespace

std::unique_ptr<Executor>
MakeVisitsExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan, SessionStats &stats,
                   std::vector<std::string> &warnings)
{
	return std::make_unique<VisitsExecutor>(client, spec, plan, stats, warnings);
}

} // namespace scan_detail
} // namespace orca_fdw::core
