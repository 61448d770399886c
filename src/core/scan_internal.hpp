/*
 * scan_internal.hpp — the machinery shared by the resource executors
 * (scan_patients.cpp, scan_inpatient.cpp): rows assembled from several APIs,
 * jobs of API calls kept in flight, and the loop that completes them in order.
 */
#pragma once

#include "core/orca_api.hpp"
#include "core/scan.hpp"

#include <deque>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace orca_fdw::core::scan_detail {

constexpr int kSourceCount = kApiCount;

/* One output row, assembled from the records of the APIs that carry it. */
struct OutRow {
	std::string key; /* identity used to deduplicate (patient id key, stay, ...) */
	std::string id;  /* the patient id as requested or listed */
	Node parts[kSourceCount];
	unsigned present = 0;

	void Set(Source s, Node &&n)
	{
		parts[static_cast<int>(s)] = std::move(n);
		present |= SourceBit(s);
	}
	bool Has(Source s) const { return (present & SourceBit(s)) != 0; }
	const Node *Part(Source s) const { return Has(s) ? &parts[static_cast<int>(s)] : nullptr; }
};

/* A group of calls completed together.  Each executor derives its own job
 * type with what its kinds of job need (ExecutorFor<JobT>). */
struct Job {
	virtual ~Job() = default;
	bool output = false; /* hands rows out: completed before jobs that only discover more work */
	std::vector<std::unique_ptr<ApiCall>> calls; /* entries may be null */
	std::vector<HttpRequest> requests;           /* one per non-null call, until submitted */
	std::vector<Ticket> tickets;                 /* after submission */
	bool submitted = false;
};

class Executor {
public:
	Executor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan, SessionStats &stats,
	         std::vector<std::string> &warnings);
	virtual ~Executor();
	Executor(const Executor &) = delete;
	Executor &operator=(const Executor &) = delete;

	virtual void Start() = 0;
	/* The next row into Current(); false at the end. */
	bool Next(const CancelToken &cancel) { return Poll(cancel, true) == ScanStep::Row; }
	/* Next without blocking when `block` is false: Pending when the row
	 * waits for the network (HttpClient::ArmWait says when to try again). */
	ScanStep Poll(const CancelToken &cancel, bool block);
	const OutRow &Current() const { return current_; }

protected:
	/* A finished job: its calls have all completed successfully. */
	virtual void CompleteJob(Job &job) = 0;
	/* Nothing in flight and nothing ready: schedule more, or return false. */
	virtual bool Advance() = 0;

	/* Create and keep a call of `api` in `job` (submitted when the job is):
	 * `query` is its API arguments ("" for the endpoint's), `record` its
	 * request record (nullptr for GET). */
	ApiCall *AddCall(Job &job, Api api, const std::string &query, const Node *record);
	void Push(std::unique_ptr<Job> job) { jobs_.push_back(std::move(job)); }
	void Emit(OutRow &&row) { ready_.push_back(std::move(row)); }
	bool Today(long *days) const
	{
		*days = today_;
		return today_known_;
	}

	HttpClient &client_;
	const ScanSpec &spec_;
	ScanPlan &plan_;
	SessionStats &stats_;
	std::vector<std::string> &warnings_;
	WireFormat format_;

private:
	void Abandon() noexcept;
	/* Hand jobs to the HTTP client while fewer than budget_ calls are in
	 * flight, row-producing jobs first.  Keeping the rest here, not in the
	 * client's queue, bounds how many parsed answers wait in memory. */
	void Pump();
	void SubmitJob(Job &job);
	size_t in_flight_ = 0;
	size_t budget_ = 8;

	std::deque<std::unique_ptr<Job>> jobs_;
	std::deque<OutRow> ready_;
	OutRow current_;
	long today_ = 0;
	bool today_known_ = false;
};

/* An executor whose jobs are all of its own type JobT (derived from Job). */
template <class JobT>
class ExecutorFor : public Executor {
public:
	using Executor::Executor;

protected:
	/* A finished job: its calls have all completed successfully. */
	virtual void Complete(JobT &job) = 0;
	void Push(std::unique_ptr<JobT> job) { Executor::Push(std::move(job)); }

private:
	void CompleteJob(Job &job) final { Complete(static_cast<JobT &>(job)); }
};

/* A set of patient keys: numeric ids in a bitmap (no string per id), others hashed. */
class KeySet {
public:
	/* True when the key was not in the set. */
	bool Insert(const std::string &key);
	bool Contains(const std::string &key) const;
	bool ContainsNumber(long v) const { return v >= 0 && static_cast<size_t>(v) < bits_.size() && bits_[v]; }

private:
	static bool Number(const std::string &key, long *v);
	std::vector<bool> bits_;
	std::unordered_set<std::string> others_;
};

/* List resources (ReadSpec::list): scan_list.cpp. */
void PlanList(const ScanSpec &spec, ScanPlan &p);
std::unique_ptr<Executor> MakeListExecutor(HttpClient &client, const ScanSpec &spec, ScanPlan &plan,
                                           SessionStats &stats, std::vector<std::string> &warnings);


/* Helpers shared by the planners. */

/* A qual that can never be true: compared with NULL, or IN an empty list. */
bool EmptyQual(const ScanSpec &spec);
/* The plan that makes no call ("no ORCA call: " + why in EXPLAIN). */
void PlanEmpty(ScanPlan &p, const std::string &why);
/* True when the query has a qual for one of the resource's required key
 * conditions (or the resource requires none). */
bool HasRequiredKey(const ScanSpec &spec);
/* The plan of a query that lacks every required key: MissingQual with the
 * declaration's texts, costed so that a join that supplies a key wins. */
void PlanMissingKey(const ScanSpec &spec, ScanPlan &p);
/* A qual of `spec` on the key condition's column with one of its operators; -1 when none. */
int KeyQual(const ScanSpec &spec, const KeyCondition &key);

/* The dates that the quals on one date column allow (day numbers, see dates.hpp).
 *
 * Qual values come from the PostgreSQL side as "YYYY-MM-DD" (years 1-9999) or
 * as "infinity" / "-infinity": PostgreSQL's infinite dates, and finite dates
 * outside the years 1-9999 that ORCA can write (every ORCA date lies between
 * them).  Only =, <, <=, >, >= count; a qual whose value is not known yet
 * (a parameter at plan time) or not readable bounds nothing.
 *   - has_lo / has_hi: an inclusive finite bound, lo <= d <= hi for every
 *     matching d ("> d" gives lo = d + 1, "< d" gives hi = d - 1);
 *   - ">= -infinity", "> -infinity", "<= infinity", "< infinity" bound nothing;
 *     "= ±infinity", ">= infinity", "> infinity", "<= -infinity",
 *     "< -infinity" match no date at all;
 *   - empty: no date satisfies the known quals (such an infinite value,
 *     bounds that cross, or a bound beyond every ORCA date: "> 9999-12-31").
 *     Then also has_lo = has_hi = true and lo > hi, so a caller that compares
 *     lo with hi sees it too.
 * The bounds are those of the query, not of any API: a caller clamps them to
 * the dates its API accepts (ClampBounds).  PlanScan makes no call at all
 * when the bounds of any date column are empty. */
struct Bounds {
	bool has_lo = false, has_hi = false;
	long lo = 0, hi = 0;
	bool empty = false;
	std::vector<int> quals; /* every =, <, <=, >, >= qual on the column, known or not */
};
Bounds DateBounds(const ScanSpec &spec, int column);
/* True when every qual of the bounds had its value known. */
bool BoundsKnown(const ScanSpec &spec, const Bounds &b);
/* "2026-01-01 .. 2026-06-30", "… .. 2026-06-30", or "from parameters", for EXPLAIN. */
std::string RangeText(const ScanSpec &spec, const Bounds &b);
/* Narrow `b` to [min, max] (both finite): afterwards has_lo and has_hi are
 * set.  False when nothing of [min, max] is left (or `b` was empty). */
bool ClampBounds(Bounds &b, long min, long max);
int FindQual(const ScanSpec &spec, int column, std::initializer_list<QualOp> ops);
std::string Plural(double n, const char *one, const char *many);
/* "42" and "00042" name the same patient (ORCA zero-pads numeric ids). */
std::string IdKey(const std::string &id);

} // namespace orca_fdw::core::scan_detail
