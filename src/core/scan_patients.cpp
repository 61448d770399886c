/*
 * scan_patients.cpp — the patients resource: planning and execution.
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
#include "core/scan_internal.hpp"

#include "core/dates.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "core/cpp_only.hpp"

namespace orca_fdw::core::scan_detail {

namespace {

constexpr size_t kIdsPerList2Call = 100;
constexpr long kMaxProbedIds = 200000; /* 2000 patientlst2v2 calls */
constexpr size_t kGetBatch = 4;        /* patientgetv2 calls completed together */
constexpr const char *kNoSuchPatient = "【患者番号がありません】";
constexpr const char *kMinDate = "1900-01-01"; /* no ORCA record predates this */
constexpr const char *kMinBirthDate = "1800-01-01";

bool
Has(unsigned bits, Source s)
{
	return (bits & SourceBit(s)) != 0;
}

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

/* ORCA's name search normalises half-width input and treats ＊ specially;
 * push a name only when it is plain full-width text, so the API's answer is
 * a superset of the SQL predicate. */
bool
PushableName(const std::string &s)
{
	if (s.empty())
		return false;
	for (unsigned char c : s)
		if (c < 0x80)
			return false;
	return s.find("＊") == std::string::npos;
}

/* Any qual on create_date/update_date: those are rechecked against patientlst1v2 values. */
bool
HasDateQual(const ScanSpec &spec, const ResourceDef &r)
{
	int c_create = r.FindColumn("create_date"), c_update = r.FindColumn("update_date");
	for (const QualSpec &q : spec.quals)
		if (q.column == c_create || q.column == c_update)
			return true;
	return false;
}

} // namespace

void
PlanPatients(const ScanSpec &spec, ScanPlan &p)
{
	const ResourceDef &r = *spec.resource;
	const int c_id = r.FindColumn("patient_id");
	const int c_name = r.FindColumn("whole_name");
	const int c_kana = r.FindColumn("whole_name_in_kana");
	const int c_birth = r.FindColumn("birth_date");
	const int c_sex = r.FindColumn("sex");
	const int c_create = r.FindColumn("create_date");
	const int c_update = r.FindColumn("update_date");
	const double n_table = spec.estimated_table_rows;

	/* Which needed columns the driver's rows lack, and the cheapest API that
	 * carries them: patientlst2v2 (100 ids a call), else patientgetv2 (one
	 * call per patient), else patientlst1v2 (a date-window enumeration). */
	bool needs_l1_only = false;
	auto enrich = [&](unsigned driver, bool *use_list2, bool *use_get) {
		for (int c : spec.needed_columns) {
			unsigned s = r.columns[c].Sources();
			if (s & driver)
				continue;
			if (Has(s, Source::PatientList2))
				*use_list2 = true;
			else if (Has(s, Source::PatientGet))
				*use_get = true;
		}
	};
	for (int c : spec.needed_columns)
		if (r.columns[c].Sources() == SourceBit(Source::PatientList1))
			needs_l1_only = true;
	p.need_list1 = needs_l1_only;
	p.needs_dates = needs_l1_only || HasDateQual(spec, r);

	/* The date window that bounds patientlst1v2 calls, from create_date or update_date quals. */
	Bounds create_b = DateBounds(spec, c_create), update_b = DateBounds(spec, c_update);
	bool create_bounded = !create_b.quals.empty(), update_bounded = !update_b.quals.empty();
	if (create_bounded) {
		p.window_column = c_create;
		p.window_create_only = true;
	} else if (update_bounded) {
		p.window_column = c_update;
	}
	auto window_text = [&]() -> std::string {
		if (p.window_column < 0)
			return p.needs_dates || p.strategy != Strategy::PatientFull ? "class=01, all dates" : "class=02, all dates";
		const Bounds &b = p.window_create_only ? create_b : update_b;
		std::string lo = b.has_lo ? FormatDate(b.lo) : (b.quals.empty() ? kMinDate : "$param");
		std::string hi = b.has_hi ? FormatDate(b.hi) : "open end";
		bool known = true;
		for (int qi : b.quals)
			known = known && spec.quals[qi].values_known;
		if (!known)
			return std::string(p.window_create_only ? "class=02" : "class=01") + ", " +
			       r.columns[p.window_column].name + " window from parameters";
		return std::string(p.window_create_only ? "class=02" : "class=01") + ", " + r.columns[p.window_column].name +
		       " " + lo + " .. " + hi;
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
	p.name_qual = -1;
	for (int c : {c_name, c_kana}) {
		int qi = FindQual(spec, c, {QualOp::Eq, QualOp::Prefix});
		if (qi >= 0 && spec.quals[qi].values_known && !spec.quals[qi].values.empty() &&
		    PushableName(spec.quals[qi].values[0])) {
			p.name_qual = qi;
			break;
		}
	}
	p.sex_qual = FindQual(spec, c_sex, {QualOp::Eq});
	if (p.sex_qual >= 0 && spec.quals[p.sex_qual].values_known && !spec.quals[p.sex_qual].values.empty() &&
	    spec.quals[p.sex_qual].values[0] != "1" && spec.quals[p.sex_qual].values[0] != "2")
		p.sex_qual = -1;
	p.birth_lo_qual = FindQual(spec, c_birth, {QualOp::Eq, QualOp::Gt, QualOp::Ge});
	p.birth_hi_qual = FindQual(spec, c_birth, {QualOp::Eq, QualOp::Lt, QualOp::Le});

	const std::string l2 = "POST /api01rv2/patientlst2v2?class=01";
	const std::string get = "GET /api01rv2/patientgetv2?id=";
	double calls = 0, rows = 0;

	if (p.id_qual >= 0) {
		const QualSpec &q = spec.quals[p.id_qual];
		double n = q.values_known ? static_cast<double>(q.values.size()) : std::max(1, q.estimated_count);
		bool single = q.op == QualOp::Eq;
		p.strategy = Strategy::PatientById;
		/* One id whose columns patientgetv2 carries: one patientgetv2 call;
		 * otherwise patientlst2v2 batches, plus patientgetv2 per id for the
		 * columns only it carries. */
		bool get_enough = true;
		for (int c : spec.needed_columns) {
			unsigned s = r.columns[c].Sources();
			if (s != SourceBit(Source::PatientList1) && !Has(s, Source::PatientGet))
				get_enough = false;
		}
		if (single && get_enough)
			p.use_get = true;
		else {
			p.use_list2 = true;
			bool unused = false;
			enrich(SourceBit(Source::PatientList2) | SourceBit(Source::PatientList1), &unused, &p.use_get);
		}
		std::string ids = q.values_known ? Plural(n, "id", "ids") : (single ? "1 id from a parameter" : "ids from a parameter");
		if (p.use_list2) {
			double c = std::ceil(n / kIdsPerList2Call);
			p.explain.push_back(l2 + " — " + ids + ", 100 a call" +
			                    (q.values_known ? " (" + Plural(c, "call", "calls") + ")" : std::string()));
			calls += c;
		}
		if (p.use_get) {
			p.explain.push_back(get + "… — one call per id (" + Plural(n, "call", "calls") + ")");
			calls += n;
		}
		rows = n;
	} else if (p.name_qual >= 0) {
		p.strategy = Strategy::PatientByName;
		bool unused = false;
		enrich(SourceBit(Source::PatientList2) | SourceBit(Source::PatientList1), &unused, &p.use_get);
		std::string crit = "name prefix";
		if (p.birth_lo_qual >= 0 || p.birth_hi_qual >= 0)
			crit += ", birth date range";
		if (p.sex_qual >= 0)
			crit += ", sex";
		p.explain.push_back("POST /api01rv2/patientlst3v2?class=01 — " + crit +
		                    "; narrowed by sex and birth date while ORCA answers 21 (100 or more)");
		calls += 1;
		rows = 20;
		if (p.use_get) {
			p.explain.push_back(get + "… — one call per patient found, for detail columns");
			calls += rows;
		}
	} else {
		p.strategy = p.window_column >= 0 ? Strategy::PatientByDate : Strategy::PatientFull;
		rows = n_table * window_fraction;
		p.explain.push_back("POST /api01rv2/patientlst1v2 — " + window_text() +
		                    "; windows split while ORCA answers 10 (1000 or more)");
		calls += std::ceil(rows / 500.0) + 1;
		if (p.strategy == Strategy::PatientFull) {
			p.explain.push_back(l2 + " — ids patientlst1v2 cannot list (no create/update date), 100 a call");
			calls += 2;
		}
		enrich(SourceBit(Source::PatientList1), &p.use_list2, &p.use_get);
		if (p.use_list2) {
			p.explain.push_back(l2 + " — detail columns, 100 ids a call");
			calls += std::ceil(rows / kIdsPerList2Call);
		}
		if (p.use_get) {
			p.explain.push_back(get + "… — one call per patient, for detail columns");
			calls += rows;
		}
		p.need_list1 = false; /* the driver lists them */
	}

	if (p.need_list1) {
		p.explain.push_back("POST /api01rv2/patientlst1v2 — " + window_text() +
		                    ", for create/update dates (only patientlst1v2 carries them)");
		calls += std::ceil(n_table * window_fraction / 500.0) + 1;
	}
	p.estimated_calls = calls;
	p.estimated_rows = std::max(1.0, rows);

}


/* ---------------------------------------------------------------------- */
/* Execution                                                                */
/* ---------------------------------------------------------------------- */

namespace {

enum JobKind { kList1Window, kNameSearch, kEnrich, kProbe, kTailProbe };

class PatientsExecutor final : public Executor {
public:
	using Executor::Executor;

	void Start() override
	{
		if (plan_.strategy == Strategy::Empty) {
			phase_ = Phase::Done;
			return;
		}
		if (plan_.need_list1) {
			phase_ = Phase::DateMap;
			StartWindows(true);
			return;
		}
		StartDriver();
	}

private:
	enum class Phase { DateMap, Driver, Gaps, Tail, Done };

	ResultRules List1Rules() const { return ResultRules{{"20"}, {"10"}, {}, false}; }

	void AddList1Window(long lo, long hi, bool open_end, bool for_datemap)
	{
		auto job = std::make_unique<Job>();
		job->kind = kList1Window;
		job->lo = lo;
		job->hi = hi;
		job->open_end = open_end;
		job->flag = for_datemap;
		Node req = Node::MakeRecord();
		req.children.emplace_back("Base_StartDate", Node::MakeString(FormatDate(lo)));
		if (!open_end)
			req.children.emplace_back("Base_EndDate", Node::MakeString(FormatDate(hi)));
		/* Contain_TestPatient_Flag blank: test patients are included (1 would exclude them).
		 * class=02 lists each patient once (by create date) where class=01
		 * lists it under its create and its update date; the full
		 * enumeration uses it when no date column is needed, since the id
		 * probes that follow find every patient it does not list. */
		bool create_only = plan_.window_create_only ||
		                   (plan_.window_column < 0 && !plan_.needs_dates && !for_datemap &&
		                    plan_.strategy == Strategy::PatientFull);
		std::string cls = create_only ? "class=02" : "class=01";
		AddCall(*job, Source::PatientList1, "Patient_Information", List1Rules(), "POST", cls, "patientlst1req", &req);
		Push(std::move(job));
	}

	void AddList2Call(Job &job, const std::vector<std::string> &ids)
	{
		Node list = Node::MakeArray();
		for (const auto &id : ids) {
			Node item = Node::MakeRecord();
			item.children.emplace_back("Patient_ID", Node::MakeString(id));
			list.children.emplace_back("", std::move(item));
		}
		Node req = Node::MakeRecord();
		req.children.emplace_back("Patient_ID_Information", std::move(list));
		AddCall(job, Source::PatientList2, "Patient_Information", ResultRules{}, "POST", "class=01", "patientlst2req",
		        &req);
	}

	void AddGetCall(Job &job, const std::string &id)
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
		AddCall(job, Source::PatientGet, "Patient_Information", ResultRules{{"10"}, {}, {}, false}, "GET", query, "",
		        nullptr);
	}

	void AddNameSearch(int sex, bool has_birth, long blo, long bhi)
	{
		auto job = std::make_unique<Job>();
		job->kind = kNameSearch;
		job->sex = sex;
		job->has_birth = has_birth;
		job->birth_lo = blo;
		job->birth_hi = bhi;
		Node req = Node::MakeRecord();
		req.children.emplace_back("WholeName", Node::MakeString(spec_.quals[plan_.name_qual].values[0]));
		if (has_birth) {
			req.children.emplace_back("Birth_StartDate", Node::MakeString(FormatDate(blo)));
			req.children.emplace_back("Birth_EndDate", Node::MakeString(FormatDate(bhi)));
		}
		if (sex)
			req.children.emplace_back("Sex", Node::MakeString(std::to_string(sex)));
		AddCall(*job, Source::PatientList3, "Patient_Information", ResultRules{{"20"}, {"21"}, {}, false}, "POST",
		        "class=01", "patientlst3req", &req);
		Push(std::move(job));
	}

	void AddProbe(const std::vector<std::string> &ids, int kind, long from = 0, long to = 0)
	{
		auto job = std::make_unique<Job>();
		job->kind = kind;
		job->output = true;
		job->probe_from = from;
		job->probe_to = to;
		AddList2Call(*job, ids);
		Push(std::move(job));
	}

	void AddTailProbe(long from)
	{
		std::vector<std::string> ids;
		for (long v = from; v < from + static_cast<long>(kIdsPerList2Call); v++)
			ids.push_back(std::to_string(v));
		AddProbe(ids, kTailProbe, from, from + kIdsPerList2Call - 1);
	}

	void StartWindows(bool for_datemap)
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
		AddList1Window(lo, open_end ? lo : hi, open_end, for_datemap);
	}

	void StartDriver()
	{
		phase_ = Phase::Driver;
		switch (plan_.strategy) {
		case Strategy::PatientById: {
			const QualSpec &q = spec_.quals[plan_.id_qual];
			for (const auto &id : q.values) {
				std::string key = IdKey(id);
				if (key.empty() || !seen_.Insert(key))
					continue;
				OutRow c;
				c.key = key;
				c.id = id;
				Enqueue(std::move(c));
			}
			break;
		}
		case Strategy::PatientByName: {
			int sex = 0;
			if (plan_.sex_qual >= 0)
				sex = std::atoi(spec_.quals[plan_.sex_qual].values[0].c_str());
			bool has_birth = plan_.birth_lo_qual >= 0 || plan_.birth_hi_qual >= 0;
			long blo = 0, bhi = 0;
			if (has_birth) {
				int col = spec_.quals[plan_.birth_lo_qual >= 0 ? plan_.birth_lo_qual : plan_.birth_hi_qual].column;
				Bounds b = DateBounds(spec_, col);
				if (!b.has_lo)
					ParseDate(kMinBirthDate, &b.lo);
				if (!b.has_hi)
					ParseDate("9999-12-31", &b.hi);
				if (b.hi < b.lo)
					break;
				blo = b.lo;
				bhi = b.hi;
			}
			AddNameSearch(sex, has_birth, blo, bhi);
			break;
		}
		case Strategy::PatientByDate:
		case Strategy::PatientFull: StartWindows(false); break;
		default: break;
		}
	}

	/* A candidate that needs detail calls waits for a batch; otherwise it is ready. */
	void Enqueue(OutRow &&c)
	{
		if ((plan_.use_list2 && !c.Has(Source::PatientList2)) || (plan_.use_get && !c.Has(Source::PatientGet))) {
			pending_.push_back(std::move(c));
			/* patientgetv2 alone: small batches, so the first rows come after
			 * a few calls (and a LIMIT stops the rest); with patientlst2v2,
			 * batches of 100 ids a call. */
			size_t batch = plan_.use_get && !plan_.use_list2 ? kGetBatch : kIdsPerList2Call;
			if (pending_.size() >= batch)
				FlushPending();
			return;
		}
		Ready(std::move(c));
	}

	void Ready(OutRow &&c)
	{
		if (!emitted_.Insert(c.key))
			return;
		if (plan_.need_list1 && !c.Has(Source::PatientList1)) {
			auto it = datemap_.find(c.key);
			if (it != datemap_.end())
				c.Set(Source::PatientList1, Node(it->second));
		}
		Emit(std::move(c));
	}

	void FlushPending()
	{
		if (pending_.empty())
			return;
		auto job = std::make_unique<Job>();
		job->kind = kEnrich;
		job->output = true;
		job->rows = std::move(pending_);
		pending_.clear();
		std::vector<std::string> ids;
		if (plan_.use_list2)
			for (const auto &c : job->rows)
				if (!c.Has(Source::PatientList2))
					ids.push_back(c.id);
		if (!ids.empty())
			AddList2Call(*job, ids);
		else
			job->calls.push_back(nullptr);
		if (plan_.use_get)
			for (const auto &c : job->rows) {
				if (c.Has(Source::PatientGet))
					job->calls.push_back(nullptr);
				else
					AddGetCall(*job, c.id);
			}
		Push(std::move(job));
	}

	void Complete(Job &job) override
	{
		switch (job.kind) {
		case kList1Window: CompleteWindow(job); break;
		case kNameSearch: CompleteNameSearch(job); break;
		case kEnrich: CompleteEnrich(job); break;
		case kProbe:
		case kTailProbe: CompleteProbe(job); break;
		}
	}

	void CompleteWindow(Job &job)
	{
		ApiCall &call = *job.calls[0];
		if (call.Outcome() == CallOutcome::TooMany) {
			if (job.open_end) {
				long t;
				if (!Today(&t) || t < job.lo)
					t = job.lo;
				/* [lo, today] and (today, open end] */
				AddList1Window(job.lo, t, false, job.flag);
				AddList1Window(t + 1, t + 1, true, job.flag);
				return;
			}
			if (job.lo < job.hi) {
				/* Split into as many parts as the density seen so far suggests
				 * (aiming at ~600 rows a call), at least two. */
				long days = job.hi - job.lo + 1;
				long parts = 2;
				if (density_days_ > 0) {
					double expected = double(density_rows_) / double(density_days_) * double(days);
					parts = std::max(2L, std::min(32L, static_cast<long>(std::ceil(expected / 600.0))));
				}
				parts = std::min(parts, days);
				long start = job.lo;
				for (long i = 0; i < parts; i++) {
					long end = i + 1 == parts ? job.hi : job.lo + days * (i + 1) / parts - 1;
					AddList1Window(start, end, false, job.flag);
					start = end + 1;
				}
				return;
			}
			/* One day with 1000 or more patients: cover it by probing ids. */
			overflow_day_ = true;
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
			if (job.flag) {
				datemap_.emplace(key, std::move(row));
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
	}

	void NoteId(const std::string &key)
	{
		long v;
		if (NumericKey(key, &v))
			max_id_ = std::max(max_id_, v);
		else
			non_numeric_ids_ = true;
	}

	void CompleteNameSearch(Job &job)
	{
		ApiCall &call = *job.calls[0];
		if (call.Outcome() == CallOutcome::TooMany) {
			if (job.sex == 0) {
				AddNameSearch(1, job.has_birth, job.birth_lo, job.birth_hi);
				AddNameSearch(2, job.has_birth, job.birth_lo, job.birth_hi);
				return;
			}
			long lo = job.birth_lo, hi = job.birth_hi;
			if (!job.has_birth) {
				ParseDate(kMinBirthDate, &lo);
				if (!Today(&hi))
					hi = lo + 365L * 250;
			}
			if (lo < hi) {
				long mid = lo + (hi - lo) / 2;
				AddNameSearch(job.sex, true, lo, mid);
				AddNameSearch(job.sex, true, mid + 1, hi);
				return;
			}
			/* Still 100 or more on one day for one sex: read everything. */
			if (!fallback_full_) {
				fallback_full_ = true;
				warnings_.push_back(
				    "patientlst3v2 could not be narrowed below 100 hits; the scan fell back to listing all patients");
			}
			return;
		}
		for (Node &row : call.Rows())
			AddListedRow(std::move(row), true);
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

	void CompleteEnrich(Job &job)
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
			if (plan_.use_list2 && !c.Has(Source::PatientList2)) {
				auto it = l2rows.find(c.key);
				if (it == l2rows.end())
					continue; /* ORCA does not know this id */
				c.Set(Source::PatientList2, std::move(*it->second));
			}
			if (plan_.use_get && !c.Has(Source::PatientGet)) {
				ApiCall *g = job.calls[1 + i].get();
				if (!g || g->Outcome() == CallOutcome::Empty || g->Rows().empty())
					continue;
				c.Set(Source::PatientGet, std::move(g->Rows()[0]));
			}
			Ready(std::move(c));
		}
	}

	void CompleteProbe(Job &job)
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
	void CheckOverflow()
	{
		if (!overflow_day_ || !plan_.needs_dates)
			return;
		throw Error(ErrorKind::Unsupported, "ORCA cannot list the create and update dates completely",
		            "patientlst1v2 answered 10 (1000 or more patients) for a window of a single day.",
		            "Leave create_date, update_date and update_time out of the query, or query patients by id.");
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
			                ") are not listed by patientlst1v2; probing them would take " +
			                std::to_string((max_id_ - listed) / kIdsPerList2Call) + " calls.",
			            "Query patients by id, name or create/update date instead of enumerating all of them.");
		std::vector<std::string> ids;
		for (long v = 1; v <= max_id_; v++) {
			if (seen_.ContainsNumber(v))
				continue;
			ids.push_back(std::to_string(v));
			if (ids.size() == kIdsPerList2Call) {
				AddProbe(ids, kProbe);
				ids.clear();
			}
		}
		if (!ids.empty())
			AddProbe(ids, kProbe);
	}

	bool Advance() override
	{
		if (!pending_.empty()) {
			FlushPending();
			return true;
		}
		switch (phase_) {
		case Phase::DateMap:
			CheckOverflow();
			StartDriver();
			return true;
		case Phase::Driver:
			CheckOverflow();
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
			phase_ = Phase::Done;
			return false;
		case Phase::Gaps:
			phase_ = Phase::Tail;
			AddTailProbe(max_id_ + 1);
			return true;
		case Phase::Tail:
		case Phase::Done: phase_ = Phase::Done; return false;
		}
		return false;
	}

	Phase phase_ = Phase::Driver;
	std::vector<OutRow> pending_;
	KeySet seen_;    /* keys listed or requested */
	KeySet emitted_; /* keys handed out */
	std::unordered_map<std::string, Node> datemap_;
	bool non_numeric_ids_ = false;
	bool overflow_day_ = false;
	bool fallback_full_ = false;
	long max_id_ = 0;
	long density_rows_ = 0, density_days_ = 0; /* rows per day of the windows answered so far */
};

} // namespace

std::unique_ptr<Executor>
MakePatientsExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan, SessionStats &stats,
                     std::vector<std::string> &warnings)
{
	return std::make_unique<PatientsExecutor>(client, spec, plan, stats, warnings);
}

} // namespace orca_fdw::core::scan_detail
