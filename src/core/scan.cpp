/*
 * scan.cpp — the scan session and the machinery shared by the resources.
 *
 * PlanScan dispatches to the resource's planner (scan_patients.cpp,
 * scan_inpatient.cpp).  ScanSession runs the resource's executor and turns
 * each assembled row into text values by the catalog's element paths.
 */
#include "core/scan.hpp"

#include "core/dates.hpp"
#include "core/scan_internal.hpp"

#include <algorithm>
#include <cmath>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace scan_detail {

std::string
IdKey(const std::string &id)
{
	size_t start = id.find_first_not_of(' ');
	if (start == std::string::npos)
		return {};
	size_t end = id.find_last_not_of(' ');
	std::string s = id.substr(start, end - start + 1);
	bool digits = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
	if (!digits)
		return s;
	size_t nz = s.find_first_not_of('0');
	return nz == std::string::npos ? "0" : s.substr(nz);
}

Bounds
DateBounds(const ScanSpec &spec, int column)
{
	Bounds b;
	auto nothing = [&b]() {
		b.empty = true;
		b.has_lo = b.has_hi = true;
		b.lo = 1;
		b.hi = 0;
	};
	for (size_t i = 0; i < spec.quals.size(); i++) {
		const QualSpec &q = spec.quals[i];
		if (q.column != column)
			continue;
		if (q.op != QualOp::Eq && q.op != QualOp::Lt && q.op != QualOp::Le && q.op != QualOp::Gt && q.op != QualOp::Ge)
			continue;
		b.quals.push_back(static_cast<int>(i));
		if (!q.values_known || q.values.empty() || b.empty)
			continue;
		const std::string &v = q.values[0];
		bool set_lo = q.op == QualOp::Eq || q.op == QualOp::Gt || q.op == QualOp::Ge;
		bool set_hi = q.op == QualOp::Eq || q.op == QualOp::Lt || q.op == QualOp::Le;
		if (v == "infinity" || v == "-infinity") {
			/* below every date: a lower bound of it bounds nothing, an upper
			 * bound (or =) excludes everything; above every date: the mirror */
			bool below = v[0] == '-';
			if (below ? set_hi : set_lo)
				nothing();
			continue;
		}
		long d;
		if (!ParseDate(v, &d))
			continue;
		long lo = q.op == QualOp::Gt ? d + 1 : d, hi = q.op == QualOp::Lt ? d - 1 : d;
		if (set_lo && (!b.has_lo || lo > b.lo)) {
			b.lo = lo;
			b.has_lo = true;
		}
		if (set_hi && (!b.has_hi || hi < b.hi)) {
			b.hi = hi;
			b.has_hi = true;
		}
	}
	/* every ORCA date lies within 0001-01-01 .. 9999-12-31 */
	long first_day, last_day;
	ParseDate("0001-01-01", &first_day);
	ParseDate("9999-12-31", &last_day);
	if (!b.empty && ((b.has_lo && b.has_hi && b.lo > b.hi) || (b.has_lo && b.lo > last_day) ||
	                 (b.has_hi && b.hi < first_day)))
		nothing();
	return b;
}

bool
BoundsKnown(const ScanSpec &spec, const Bounds &b)
{
	for (int qi : b.quals)
		if (!spec.quals[qi].values_known)
			return false;
	return true;
}

std::string
RangeText(const ScanSpec &spec, const Bounds &b)
{
	if (!BoundsKnown(spec, b) && !b.has_lo && !b.has_hi)
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

int
KeyQual(const ScanSpec &spec, const KeyCondition &key)
{
	for (size_t i = 0; i < spec.quals.size(); i++)
		if (spec.quals[i].column == key.column_index &&
		    std::find(key.ops.begin(), key.ops.end(), spec.quals[i].op) != key.ops.end())
			return static_cast<int>(i);
	return -1;
}

bool
HasRequiredKey(const ScanSpec &spec)
{
	bool any_required = false;
	for (const KeyCondition &k : spec.resource->read.keys) {
		if (!k.required)
			continue;
		any_required = true;
		if (KeyQual(spec, k) >= 0)
			return true;
	}
	return !any_required;
}

void
PlanMissingKey(const ScanSpec &spec, ScanPlan &p)
{
	const MissingKeyText &m = spec.resource->read.missing;
	p.strategy = Strategy::MissingQual;
	p.missing_message = m.message;
	p.missing_detail = m.detail;
	p.missing_hint = m.hint;
	p.explain.push_back(m.explain);
	/* prohibitive, so a join that supplies the key per outer row wins */
	p.estimated_calls = 1e9;
	p.estimated_rows = 1e6;
}

bool
ClampBounds(Bounds &b, long min, long max)
{
	if (b.empty)
		return false;
	b.lo = b.has_lo ? std::max(b.lo, min) : min;
	b.hi = b.has_hi ? std::min(b.hi, max) : max;
	b.has_lo = b.has_hi = true;
	if (b.lo > b.hi)
		b.empty = true;
	return !b.empty;
}

int
FindQual(const ScanSpec &spec, int column, std::initializer_list<QualOp> ops)
{
	for (size_t i = 0; i < spec.quals.size(); i++)
		if (spec.quals[i].column == column && std::find(ops.begin(), ops.end(), spec.quals[i].op) != ops.end())
			return static_cast<int>(i);
	return -1;
}

std::string
Plural(double n, const char *one, const char *many)
{
	long v = std::lround(n);
	return std::to_string(v) + " " + (v == 1 ? one : many);
}

bool
KeySet::Number(const std::string &key, long *v)
{
	if (key.empty() || key.size() > 7) /* up to 9,999,999: a bitmap of at most 1.25 MB */
		return false;
	long n = 0;
	for (char c : key) {
		if (c < '0' || c > '9')
			return false;
		n = n * 10 + (c - '0');
	}
	*v = n;
	return true;
}

bool
KeySet::Insert(const std::string &key)
{
	long v;
	if (!Number(key, &v))
		return others_.insert(key).second;
	if (static_cast<size_t>(v) >= bits_.size())
		bits_.resize(std::max(static_cast<size_t>(v) + 1, bits_.size() * 2));
	if (bits_[v])
		return false;
	bits_[v] = true;
	return true;
}

bool
KeySet::Contains(const std::string &key) const
{
	long v;
	if (!Number(key, &v))
		return others_.count(key) != 0;
	return ContainsNumber(v);
}

Executor::Executor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan, SessionStats &stats,
                   std::vector<std::string> &warnings)
	: client_(client), spec_(spec), plan_(plan), stats_(stats), warnings_(warnings), format_(client.Config().format),
	  budget_(static_cast<size_t>(std::max(2, client.Config().max_concurrent * 2)))
{
}

Executor::~Executor()
{
	Abandon();
}

void
Executor::Abandon() noexcept
{
	for (auto &job : jobs_)
		for (Ticket t : job->tickets)
			client_.Abandon(t);
	jobs_.clear();
}

ApiCall *
Executor::AddCall(Job &job, Api api, const std::string &query, const Node *record)
{
	auto call = std::make_unique<ApiCall>(api, format_);
	job.requests.push_back(call->Prepare(query, record));
	job.calls.push_back(std::move(call));
	return job.calls.back().get();
}

void
Executor::SubmitJob(Job &job)
{
	size_t r = 0;
	/* a scan's first kLookupCalls calls (over all its rescans) are lookups,
	 * the rest scan batches that let waiting lookups go first */
	uint64_t made = 0;
	for (uint64_t n : stats_.calls)
		made += n;
	for (auto &call : job.calls) {
		if (!call)
			continue;
		HttpRequest &request = job.requests[r++];
		request.bulk = made++ >= static_cast<uint64_t>(kLookupCalls);
		job.tickets.push_back(client_.Submit(std::move(request), call.get()));
		stats_.calls[static_cast<int>(call->GetSource())]++;
	}
	job.requests.clear();
	job.submitted = true;
	in_flight_ += job.tickets.size();
}

void
Executor::Pump()
{
	for (bool output : {true, false})
		for (auto &job : jobs_) {
			if (job->submitted || job->output != output)
				continue;
			/* a job larger than the budget still goes when nothing else is in flight */
			if (in_flight_ > 0 && in_flight_ + job->requests.size() > budget_)
				return;
			SubmitJob(*job);
		}
}

ScanStep
Executor::Poll(const CancelToken &cancel, bool block)
{
	bool progressed = false; /* non-blocking: one round of the client per Poll */
	for (;;) {
		if (!ready_.empty()) {
			current_ = std::move(ready_.front());
			ready_.pop_front();
			return ScanStep::Row;
		}
		if (jobs_.empty()) {
			if (!Advance())
				return ScanStep::End;
			continue;
		}
		/* Jobs that hand rows out go first: the calls of the others keep
		 * running meanwhile, but their results (more rows to enrich) are not
		 * taken in until the rows already found have left, so memory stays
		 * bounded by a few responses, not by the table. */
		Pump();
		/* Complete a job whose calls have all finished, row-producing first;
		 * otherwise wait for one call (of a row-producing job if there is one)
		 * while every transfer progresses.  Completion follows the network,
		 * so discovery calls (date windows) go on while rows are enriched. */
		auto finished = [&](const std::unique_ptr<Job> &j) {
			if (!j->submitted)
				return false;
			for (Ticket t : j->tickets)
				if (!client_.Done(t))
					return false;
			return true;
		};
		/* Jobs that only discover work complete in the order they were
		 * created, so what they decide (window splits) does not depend on
		 * network timing and a query makes the same calls every time. */
		auto first_plain =
		    std::find_if(jobs_.begin(), jobs_.end(), [](const std::unique_ptr<Job> &j) { return !j->output; });
		auto it = std::find_if(jobs_.begin(), jobs_.end(),
		                       [&](const std::unique_ptr<Job> &j) { return j->output && finished(j); });
		if (it == jobs_.end() && first_plain != jobs_.end() && finished(*first_plain))
			it = first_plain;
		if (it == jobs_.end()) {
			auto wait_on = std::find_if(jobs_.begin(), jobs_.end(),
			                            [](const std::unique_ptr<Job> &j) { return j->output && j->submitted; });
			if (wait_on == jobs_.end() && first_plain != jobs_.end() && (*first_plain)->submitted)
				wait_on = first_plain;
			if (wait_on == jobs_.end())
				wait_on = std::find_if(jobs_.begin(), jobs_.end(),
				                       [](const std::unique_ptr<Job> &j) { return j->submitted; });
			if (wait_on == jobs_.end()) {
				SubmitJob(*jobs_.front()); /* cannot happen after Pump, but never wait on nothing */
				wait_on = jobs_.begin();
			}
			if (!block) {
				if (progressed)
					return ScanStep::Pending;
				client_.Progress(cancel);
				progressed = true;
				continue;
			}
			for (Ticket t : (*wait_on)->tickets)
				if (!client_.Done(t)) {
					client_.WaitDone(t, cancel);
					break;
				}
			continue;
		}
		for (Ticket t : (*it)->tickets)
			client_.Wait(t, cancel);
		std::unique_ptr<Job> done = std::move(*it);
		jobs_.erase(it);
		in_flight_ -= done->tickets.size();
		for (auto &call : done->calls) {
			if (!call)
				continue;
			if (!today_known_ && ParseDate(call->Field("Information_Date"), &today_))
				today_known_ = true;
			for (const auto &w : call->Warnings())
				if (std::find(warnings_.begin(), warnings_.end(), w) == warnings_.end())
					warnings_.push_back(w);
		}
		CompleteJob(*done);
		progressed = false; /* what it scheduled starts in the next round */
	}
}

} // namespace scan_detail

using scan_detail::Executor;
using scan_detail::OutRow;

namespace {

/* Real ORCA servers answer an empty field as a lone U+3000
 * ("Contraindication1": "　") and pad names with it ("テスト　コウレイシャ　"). */
const std::string kIdeographicSpace = "\xE3\x80\x80";

/* Only ASCII spaces and U+3000 (or nothing). */
bool
IsBlankText(const std::string &s)
{
	for (size_t i = 0; i < s.size();) {
		if (s[i] == ' ')
			i++;
		else if (s.compare(i, kIdeographicSpace.size(), kIdeographicSpace) == 0)
			i += kIdeographicSpace.size();
		else
			return false;
	}
	return true;
}

void
CutTrailingIdeographicSpaces(std::string &s)
{
	while (s.size() >= kIdeographicSpace.size() &&
	       s.compare(s.size() - kIdeographicSpace.size(), kIdeographicSpace.size(), kIdeographicSpace) == 0)
		s.resize(s.size() - kIdeographicSpace.size());
}

} // namespace

bool
ColumnText(ColumnType type, std::string &text, bool trim_values)
{
	if (type != ColumnType::Text) {
		/* a date, time or number: padding is not part of it, blank is NULL */
		size_t b = text.find_first_not_of(' '), e = text.find_last_not_of(' ');
		text = b == std::string::npos ? std::string() : text.substr(b, e - b + 1);
		if (IsBlankText(text))
			return false;
		return !(type == ColumnType::Date && text == "9999-12-31");
	}
	/* Text as users see it (trim_values, default on): blank is NULL,
	 * trailing U+3000 cut; off: ORCA's raw value. */
	if (trim_values) {
		if (IsBlankText(text))
			return false;
		CutTrailingIdeographicSpaces(text);
	}
	return true;
}

ScanPlan
PlanScan(const ScanSpec &spec)
{
	ScanPlan p;
	if (!spec.resource)
		return p;
	/* A date condition that no date can meet (`< '-infinity'`, crossed
	 * bounds): no call, whatever the resource. */
	for (const QualSpec &q : spec.quals)
		if (q.column >= 0 && spec.resource->columns[q.column].type == ColumnType::Date &&
		    scan_detail::DateBounds(spec, q.column).empty) {
			p.strategy = Strategy::Empty;
			p.explain.push_back("no ORCA call: a condition can never be true");
			return p;
		}
	/* the resource's hook, or the generic list (the registry checked it has one) */
	const ReadSpec &read = spec.resource->read;
	if (read.plan)
		read.plan(spec, p);
	else
		scan_detail::PlanList(spec, p);
	return p;
}

struct ScanSession::Impl {
	std::shared_ptr<HttpClient> owner; /* declared first: outlives the executor */
	HttpClient &client;
	ScanSpec spec;
	ScanPlan plan;
	SessionStats stats;
	std::vector<std::string> warnings;
	std::unique_ptr<Executor> executor;
	std::vector<std::string> value_buf;
	std::vector<RowValue> values;
	bool row_cleaned = false;

	Impl(std::shared_ptr<HttpClient> c, ScanSpec s) : owner(std::move(c)), client(*owner), spec(std::move(s)) {}

	void Start()
	{
		executor.reset();
		plan = PlanScan(spec);
		if (plan.strategy == Strategy::MissingQual)
			throw Error(ErrorKind::MissingQual, plan.missing_message, plan.missing_detail, plan.missing_hint);
		const ReadSpec &read = spec.resource->read;
		executor = read.execute ? read.execute(client, spec, plan, stats, warnings)
		                        : scan_detail::MakeListExecutor(client, spec, plan, stats, warnings);
		executor->Start();
	}

	void BuildValues(const OutRow &row)
	{
		const ResourceDef &r = *spec.resource;
		size_t n = spec.needed_columns.size();
		value_buf.assign(n, std::string());
		values.assign(n, RowValue{nullptr, 0, true});
		row_cleaned = false;
		for (size_t i = 0; i < n; i++) {
			const ColumnDef &col = r.columns[spec.needed_columns[i]];
			const Node *node = nullptr;
			for (const auto &sp : col.paths) {
				const Node *part = row.Part(sp.source);
				if (!part)
					continue;
				node = part->FindPath(sp.path);
				break; /* the record is there: an absent element means empty */
			}
			if (!node)
				continue;
			std::string text;
			if (col.type == ColumnType::Jsonb || node->type != Node::Type::String)
				text = NodeToJson(*node); /* ORCA's elements as they came */
			else {
				text = node->value;
				bool shown = ColumnText(col.type, text, spec.trim_values);
				if (col.type == ColumnType::Text && !node->value.empty() && (!shown || text != node->value))
					row_cleaned = true;
				if (!shown)
					continue;
			}
			value_buf[i] = std::move(text);
			values[i] = RowValue{value_buf[i].c_str(), value_buf[i].size(), false};
		}
	}
};

ScanSession::ScanSession(std::shared_ptr<HttpClient> client, ScanSpec spec)
	: impl_(std::make_unique<Impl>(std::move(client), std::move(spec)))
{
	impl_->Start();
}

ScanSession::~ScanSession() = default;

const ScanPlan &
ScanSession::Plan() const
{
	return impl_->plan;
}

bool
ScanSession::Next(const CancelToken &cancel)
{
	return Poll(cancel, true) == ScanStep::Row;
}

ScanStep
ScanSession::Poll(const CancelToken &cancel, bool block)
{
	if (!impl_->executor)
		return ScanStep::End;
	ScanStep step = impl_->executor->Poll(cancel, block);
	if (step != ScanStep::Row)
		return step;
	impl_->BuildValues(impl_->executor->Current());
	impl_->stats.rows++;
	return step;
}

void
ScanSession::ArmWait(WaitFd &w) noexcept
{
	impl_->client.ArmWait(w);
}

const RowValue *
ScanSession::Values() const
{
	return impl_->values.data();
}

bool
ScanSession::RowCleaned() const
{
	return impl_->row_cleaned;
}

void
ScanSession::Restart(std::vector<QualSpec> quals)
{
	impl_->executor.reset(); /* abandons its calls */
	impl_->spec.quals = std::move(quals);
	impl_->Start();
}

std::vector<std::string>
ScanSession::TakeWarnings()
{
	std::vector<std::string> w;
	w.swap(impl_->warnings);
	return w;
}

const SessionStats &
ScanSession::Stats() const
{
	return impl_->stats;
}

std::string
CallCountsText(const SessionStats &stats)
{
	/* one count per API name: an API with several answer shapes (hsconfwardv2
	 * wards and rooms) has a row per shape in the endpoint table */
	std::vector<std::pair<std::string, uint64_t>> per_api;
	uint64_t total = 0;
	for (int s = 0; s < kApiCount; s++) {
		uint64_t n = stats.calls[s];
		if (!n)
			continue;
		total += n;
		const std::string name = ApiName(static_cast<Api>(s));
		auto it = std::find_if(per_api.begin(), per_api.end(), [&](const auto &p) { return p.first == name; });
		if (it == per_api.end())
			per_api.emplace_back(name, n);
		else
			it->second += n;
	}
	std::string out;
	for (const auto &[name, n] : per_api)
		out += (out.empty() ? "" : ", ") + name + " " + std::to_string(n);
	return std::to_string(total) + (out.empty() ? "" : " (" + out + ")");
}

std::string
ScanSession::StatsText() const
{
	return CallCountsText(impl_->stats);
}

} // namespace orca_fdw::core
