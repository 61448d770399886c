/*
 * scan_inpatient.hpp — what the inpatient resources (admissions, meals:
 * core/resources/) share: ORCA's stay dates, and an executor base that
 * pages hsfindv3 searches and reads hsptinfv2's stays of a patient.
 *
 * The inpatient APIs always speak xml2 (endpoints.cpp: JSON is not
 * documented for them).  Their "nothing there" codes give zero rows
 * (endpoints.cpp): hsfindv3 E0106 (no hits), E0001 / E0007 / E0008 for a
 * Patient_ID / Department_Code / Ward_Number criterion we sent; hsptinfv2
 * 02 (no such patient), 04 (no such admission, for an Admission_Date we
 * sent); hsmealv2 02 (no such patient), 04 (no inpatient account that
 * month).  Every qual is rechecked by PostgreSQL.
 */
#pragma once

#include "core/scan_internal.hpp"

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace orca_fdw::core::scan_detail {

/* hsfindv3 date criteria start here: no ORCA stay predates 1900, and ORCA's
 * date checks are not documented for earlier dates.  A query range that ends
 * before it holds no stay. */
constexpr const char *kMinStayDate = "1900-01-01";
constexpr const char *kOpenEnd = "9999-12-31"; /* ORCA's open end, the last date it writes */

/* The day number of a YYYY-MM-DD constant. */
long Day(const char *text);
/* Rows one hsfindv3 page holds. */
int FindPageRows();
/* Columns the query needs that `driver` does not carry. */
bool NeedsBeyond(const ScanSpec &spec, Source driver);
/* How many patients an id qual names (an estimate when its values are not known yet). */
double IdCount(const ScanSpec &spec, int qual);

/* A job of an inpatient executor. */
struct InpatientJob final : Job {
	enum class Kind { FindPage, Info, Meal };
	Kind kind = Kind::FindPage;
	long first = 0;           /* FindPage: the first row number of the page */
	Node criteria;            /* FindPage: the search, for the pages after the first */
	std::string id;           /* Info, Meal: the patient as asked for */
	bool one_stay = false;    /* Info: asked for the stay admitted on one day */
	std::vector<OutRow> rows; /* Info one_stay: the rows waiting for that stay */
};

/* The calls both inpatient resources make.  A derived executor says what
 * the stays a search found and the stays of a patient become. */
class InpatientExecutor : public ExecutorFor<InpatientJob> {
public:
	using ExecutorFor::ExecutorFor;

protected:
	/* One spelling per patient ("42" and "00042" are one patient: ORCA
	 * answers both as 00042, and PostgreSQL's recheck keeps what equals the
	 * query's text), taken among those ORCA can read (PossiblePatientId:
	 * Patient_ID is 20 bytes of ASCII, so a longer one
	 * ("0000000000000000000042") or one with other characters is never sent,
	 * and never hides a spelling that can be). */
	std::vector<std::string> UniqueIds() const;
	/* A First/Last date range criterion, within the dates ORCA holds. */
	static void AddRange(Node &criteria, const std::string &name, long first, long last);
	/* One page of an hsfindv3 search (test patients' stays included). */
	void AddFindPage(const Node &criteria, long first);
	/* hsptinfv2 for a patient: every stay, or (admission non-empty) the stay
	 * admitted that day, for `rows` waiting for it. */
	void AddInfo(const std::string &id, const std::string &admission = std::string(), std::vector<OutRow> rows = {});

	/* The stays of one hsfindv3 page. */
	virtual void FoundStays(std::vector<Node> &stays) = 0;
	/* hsptinfv2's stays of a patient, each with Patient_ID and the patient's
	 * Patient_Information added. */
	virtual void StaysOf(InpatientJob &job, const std::string &id, std::vector<Node> &stays) = 0;
	/* A job of a kind the derived executor made. */
	virtual void CompleteOwn(InpatientJob &job);

	int first_pages_pending_ = 0; /* hsfindv3 searches whose first page is not in yet */

	/* Under a LIMIT (ScanSpec::row_hint) the pages after a search's first
	 * are asked one at a time when more rows are asked for: Advance. */
	bool Lazy() const { return spec_.row_hint > 0; }
	bool Advance() override;

private:
	void Complete(InpatientJob &job) final;
	std::vector<std::pair<Node, long>> deferred_pages_; /* Lazy: criteria, first row number */
};

} // namespace orca_fdw::core::scan_detail
