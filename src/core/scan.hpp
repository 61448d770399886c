/*
 * scan.hpp — pushdown planning and execution of one foreign scan.
 *
 * The PG side turns WHERE clauses into QualSpecs (column, operator, values)
 * and names the columns the query needs.  PlanScan() chooses, from the shape
 * of the quals alone, the ORCA calls that return a complete superset of the
 * matching rows (PostgreSQL rechecks every qual locally), and describes them
 * for EXPLAIN.  The same function runs at plan time (values may be unknown:
 * parameters) and at execution time (values known), so EXPLAIN and execution
 * agree.  ScanSession runs the plan: it overlaps calls up to the server's
 * max_concurrent_requests and hands out one row at a time.
 */
#pragma once

#include "core/catalog.hpp"
#include "core/http.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace orca_fdw::core {

struct QualSpec {
	int column = -1;       /* index into ResourceDef::columns */
	QualOp op = QualOp::Eq;
	bool values_known = true;   /* false at plan time for $params / outer Vars */
	std::vector<std::string> values; /* text form; dates YYYY-MM-DD; In: the list (NULLs dropped) */
	bool null_value = false;    /* Eq/In/range against NULL only: matches nothing */
	int estimated_count = 1;    /* In with unknown values: how many to expect */
};

struct ScanSpec {
	const ResourceDef *resource = nullptr;
	std::vector<int> needed_columns; /* catalog indexes whose values the scan must produce */
	std::vector<QualSpec> quals;
	double estimated_table_rows = 10000; /* for costing only */
	/* Text as users see it: blank (spaces, U+3000) is NULL and trailing
	 * U+3000 is cut (the table option trim_values, default on). */
	bool trim_values = true;
};

enum class Strategy {
	Empty,          /* a qual can never be true (e.g. patient_id = NULL): no call */
	PatientById,    /* patientgetv2 per id, or patientlst2v2 100 ids a call */
	PatientByName,  /* patientlst3v2, narrowed by sex and birth date while ORCA answers 21 */
	PatientByDate,  /* patientlst1v2 over a create/update date window, split while ORCA answers 10 */
	PatientFull,    /* patientlst1v2 over all dates + patientlst2v2 for ids it cannot list */
	StayByPatient,  /* hsptinfv2 per patient */
	StaySearch,     /* hsfindv3 criteria, 200 rows a page */
	MealByPatient,  /* hsmealv2 per patient-month */
	MealByDate,     /* hsfindv3 for the inpatients of the window, then hsmealv2 per patient-month */
	Reference,      /* a list resource (wards, rooms, departments, doctors): scan_list.cpp */
	MissingQual,    /* the query lacks a condition the resource requires: an error */
	Own,            /* a resource's own plan (its hooks): ScanPlan::variant says which */
};

struct ScanPlan {
	Strategy strategy = Strategy::Empty;
	std::vector<std::string> explain; /* one line per call pattern, for EXPLAIN */
	double estimated_calls = 0;
	double estimated_rows = 0;
	/* Derived parameters the executor uses. */
	int id_qual = -1, name_qual = -1, sex_qual = -1;
	int birth_lo_qual = -1, birth_hi_qual = -1;
	int window_column = -1;          /* create_date / update_date column driving patientlst1v2 */
	bool window_create_only = false; /* class=02 */
	bool driver_get = false;         /* PatientById: one patientgetv2 per id is the whole lookup */
	/* The records a row of this plan arrives with from its driving calls
	 * (source bits, e.g. patientlst1v2 for listed rows, patientlst2v2 for
	 * probed ones); PatientRowFetch() says what completes each. */
	std::vector<unsigned> row_origins;
	bool use_get = false;            /* some rows need patientgetv2 (one call per patient) */
	bool use_list2 = false;          /* some rows need patientlst2v2 (100 ids a call) */
	bool need_list1 = false;         /* a patientlst1v2 listing after the driver, for the rows it found */
	bool list1_class01 = false;      /* that listing uses class=01 (update dates needed) */
	bool needs_dates = false;        /* the query needs columns only patientlst1v2 carries */
	/* Inpatient resources */
	bool use_info = false;           /* hsptinfv2 per patient for columns hsfindv3 lacks */
	bool find_by_patient = false;    /* hsfindv3 per id (Patient_ID) for columns hsptinfv2 lacks */
	int state = 0;                   /* hsfindv3 State criterion (1 = admitted) */
	std::string missing_message, missing_detail, missing_hint; /* Strategy::MissingQual */
	int variant = 0;                 /* Strategy::Own: the resource's own plan shape (its hooks' enum) */
};

ScanPlan PlanScan(const ScanSpec &spec);

/* patients: the APIs (source bits: patientlst2v2, patientgetv2) a row that
 * arrived with the records `present` still needs, so that every needed
 * column has a record that carries it.  Columns only patientlst1v2 carries
 * (create/update dates) are not counted: a plan that needs them lists them
 * for every row (ScanPlan::need_list1), and a row that listing does not
 * contain has none. */
unsigned PatientRowFetch(const ScanSpec &spec, unsigned present);
/* patients: can `value` be the Patient_ID of a row?  Not when it is blank,
 * longer than ORCA's 20-byte field, or holds control or non-ASCII
 * characters: no call is made for such a value. */
bool PossiblePatientId(const std::string &value);
/* patients: the name-search string for a name value, or "" when the value
 * must not be pushed (characters ORCA's name search refuses or treats
 * specially).  Trailing spaces are dropped (a shorter prefix finds more). */
std::string PushableNameText(const std::string &value);

/* A scalar value ORCA sent (an element's text) as SELECT shows it in a
 * column of type `type`; false when it reads as NULL.  Text with
 * trim_values: blank (ASCII spaces and U+3000 only, or nothing) is NULL and
 * trailing U+3000 is cut; without: the text as ORCA sent it.  Dates, times
 * and numbers: ASCII spaces around are dropped, blank is NULL, and so is
 * ORCA's open end 9999-12-31.  Scans and RETURNING both render through it,
 * so a column's value does not depend on the path that produced it. */
bool ColumnText(ColumnType type, std::string &text, bool trim_values);

/* One output row: values per ScanSpec::needed_columns entry. */
struct RowValue {
	const char *data; /* NUL-terminated; valid until the next Next() */
	size_t len;
	bool isnull;
};

struct SessionStats {
	uint64_t calls[kApiCount] = {}; /* by Api */
	uint64_t rows = 0;
};

/* "3 (patientlst2v2 3)": the calls made, in all and per API name (EXPLAIN ANALYZE). */
std::string CallCountsText(const SessionStats &stats);

/* What a non-blocking step of a scan found. */
enum class ScanStep { Row, End, Pending };

class ScanSession {
public:
	/* Shares the ownership of `client`: it lives at least as long as the
	 * session, whatever happens to the cache that handed it out. */
	ScanSession(std::shared_ptr<HttpClient> client, ScanSpec spec);
	~ScanSession();
	ScanSession(const ScanSession &) = delete;
	ScanSession &operator=(const ScanSession &) = delete;

	const ScanPlan &Plan() const;
	/* Next row, or false at the end.  Values stay valid until the next call. */
	bool Next(const CancelToken &cancel);
	/* Asynchronous execution (an Append over several servers): the next row
	 * without waiting for the network when `block` is false — Pending when
	 * it is not there yet; ArmWait then points `w` at what to wait for
	 * before polling again.  Poll(cancel, true) is Next. */
	ScanStep Poll(const CancelToken &cancel, bool block);
	void ArmWait(WaitFd &w) noexcept;
	const RowValue *Values() const;
	/* True when trim_values changed a text value of the current row (a
	 * non-empty blank value read as NULL, or trailing U+3000 cut): its
	 * values are then not all ORCA's own.  UPDATE/DELETE use it to decide
	 * whether ORCA's record must be read before a registration. */
	bool RowCleaned() const;
	/* Start over with new qual values (rescan of a parameterized scan). */
	void Restart(std::vector<QualSpec> quals);
	/* Warnings ORCA answered with (W/K codes), taken once. */
	std::vector<std::string> TakeWarnings();
	const SessionStats &Stats() const;
	/* "patientlst1v2 20, patientlst2v2 3" */
	std::string StatsText() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace orca_fdw::core
