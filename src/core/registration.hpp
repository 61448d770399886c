/*
 * registration.hpp — ORCA registrations (INSERT/UPDATE/DELETE): request
 * building, our own value checks, the call, and reading ORCA's answer.
 *
 * The PG side hands over a row as a RowImage (text per catalog column of the
 * table's resource).  The builders check the values first (missing required
 * columns, half-width names, future birth dates, meal codes) and throw
 * Error(InvalidValue) naming the column; then they build the request record.
 * Execute() sends it once (HttpRequest.retry_safe = false: never resent) and
 * classifies what happened:
 *   Ok / Warning  ORCA registered it (Warning: patientmodv2 K0–K5);
 *   Refused       ORCA answered with an error code, or the server refused the
 *                 request before processing it (HTTP 401/404): nothing done;
 *   NotSent       the request never left — decided from the transport's facts
 *                 (Error::nothing_sent: no request byte written, or the TLS
 *                 handshake never finished), never from message text;
 *   Unknown       it may have been registered: timeout, HTTP 5xx, connection
 *                 lost after the request was written, an answer that cannot
 *                 be read, a Patient_ID that is not a patient number, a cancel.
 * Meals rows (one patient-day each) are merged per patient, admission and
 * month into hsacctmodv2 calls (Meal_Dates lists per meal time and type).
 * The audit line (JSON) and the texts for error messages are built here too;
 * ids and dates only, never names or other personal data.
 */
#pragma once

#include "core/catalog.hpp"
#include "core/codec.hpp"
#include "core/error.hpp"
#include "core/http.hpp"
#include "core/node.hpp"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace orca_fdw::core {

enum class RegKind : unsigned char {
	RegisterPatient, /* patientmodv2 class=01 */
	UpdatePatient,   /* patientmodv2 class=02 */
	DeletePatient,   /* patientmodv2 class=03 */
	Admit,           /* hsptinfmodv2 Request_Number 01 */
	Discharge,       /* hsptinfmodv2 Request_Number 02 */
	CancelDischarge, /* hsptinfmodv2 Request_Number 07 */
	Meals,           /* hsacctmodv2 Request_Number 4 */
};

const char *RegApiName(RegKind k);   /* "patientmodv2" */
const char *RegApiPath(RegKind k);   /* "/orca12/patientmodv2" */
const char *RegSelector(RegKind k);  /* "class=01", "Request_Number 01", "Request_Number 4" */
const char *RegKindName(RegKind k);  /* "register_patient", ... (audit) */
/* "POST /orca12/patientmodv2?class=01" — for EXPLAIN. */
std::string RegCallText(RegKind k);

/* One column value of a row, as the PG side converted it. */
struct ColumnValue {
	bool present = false; /* the foreign table has a column mapped to this catalog column */
	bool isnull = true;
	std::string text;     /* dates YYYY-MM-DD, numbers as digits */
	/* jsonb columns: the leaves, path → text; array items are "[i]" components ("[0]/Data") */
	std::vector<std::pair<std::string, std::string>> json;
};
/* A row, indexed by catalog column (ResourceDef::columns). */
using RowImage = std::vector<ColumnValue>;

struct Registration {
	RegKind kind = RegKind::RegisterPatient;
	std::string patient_id;     /* as sent; "*" = ORCA numbers the patient */
	std::string admission_date; /* admissions and meals */
	std::string other_date;     /* discharge date; meals: the month "YYYY-MM" */
	std::string meal_dates;     /* meals: the call's days in Meal_Dates form ("*" "/20-22") */
	std::string record_name;    /* "patientmodreq" or "private_objects" */
	Node record = Node::MakeRecord();
	std::vector<int> rows;      /* meals: indexes of the batch rows this call carries */

	/* "patientmodv2 class=01 for patient *" — ids and dates only. */
	std::string Describe(const std::string &answered_id = std::string()) const;
};

/* ---- building (each throws Error(InvalidValue) naming the column) ---------- */

/* INSERT INTO patients: class=01; patient_id NULL → "*". `today` is YYYY-MM-DD. */
Registration BuildPatientInsert(const ResourceDef &r, const RowImage &row, const std::string &today,
                                const std::string &table);
/* True when the table lacks a field class=02 rewrites: the current record
 * (patientgetv2) must then supply it, or the update would blank it. */
bool PatientUpdateNeedsCurrent(const ResourceDef &r, const RowImage &newrow);
/* UPDATE patients: class=02.  Mod_Key 1 (match by id + sex + birth date) when
 * names change, Mod_Key 2 (match by id + names) when sex or birth date change.
 * `current` is the patientgetv2 record, or nullptr. */
Registration BuildPatientUpdate(const ResourceDef &r, const RowImage &newrow, const RowImage &oldrow,
                                const Node *current, const std::string &today, const std::string &table);
/* DELETE FROM patients: class=03 with the row's id, names, sex, birth date. */
Registration BuildPatientDelete(const ResourceDef &r, const RowImage &oldrow, const std::string &table);

/* INSERT INTO admissions: Request_Number 01. */
Registration BuildAdmission(const ResourceDef &r, const RowImage &row, const std::string &table);
/* UPDATE admissions: discharge (02) or discharge cancel (07); false when
 * nothing changes (no call). */
bool BuildAdmissionUpdate(const ResourceDef &r, const RowImage &newrow, const RowImage &oldrow,
                          const std::string &table, Registration *out);

/* One meals row: a patient-day with up to three meal codes (00–03). */
struct MealRow {
	std::string patient_id;
	std::string perform_date; /* YYYY-MM-DD */
	std::string code[3];      /* "0".."3" (Meal_Type) per breakfast/lunch/dinner; "" = unchanged */
	std::string admission_date; /* filled by the lookup */
};
MealRow CheckMealRow(const ResourceDef &r, const RowImage &row, const std::string &table);

/* Finds the admission a day belongs to (hsptinfv2, one call per patient,
 * cached).  Throws Error(InvalidValue) when no stay covers the day. */
class AdmissionLookup {
public:
	explicit AdmissionLookup(HttpClient &client) : client_(client) {}
	std::string Find(const std::string &patient_id, const std::string &day, const CancelToken &cancel);
	uint64_t Calls() const { return calls_; }

private:
	struct Stay {
		long from, to; /* day numbers; open end = far future */
		std::string admission;
	};
	HttpClient &client_;
	std::map<std::string, std::vector<Stay>> stays_;
	uint64_t calls_ = 0;
};

/* Meals rows (admission dates filled) → hsacctmodv2 calls: one call per
 * patient, admission and month when each meal time has one code, more when
 * a meal time has several (a call carries each Meal_Time once, max 3). */
std::vector<Registration> BuildMealCalls(const std::vector<MealRow> &rows);

/* ---- sending -------------------------------------------------------------- */

enum class RegOutcome { Ok, Warning, Refused, NotSent, Unknown };
const char *RegOutcomeName(RegOutcome o); /* "ok", "warning", "error" (refused), "not_sent", "unknown" */

struct RegResult {
	RegOutcome outcome = RegOutcome::Unknown;
	std::string code, message;         /* Api_Result(s) and message(s) */
	std::vector<std::string> warnings; /* "K0: 警告！同一患者の登録があります" */
	ErrorKind error_kind = ErrorKind::Internal;
	std::string error_message, error_detail, error_hint; /* transport / protocol failure */
	bool cancelled = false;
	std::string answered_id;           /* Patient_ID of the answer */
	Node row = Node::MakeRecord();     /* the answer's record (patient, stay), if any */
	std::vector<Node> days;            /* meals: Monthly_Information items */
	std::vector<std::pair<std::string, std::string>> fields;

	bool Registered() const { return outcome == RegOutcome::Ok || outcome == RegOutcome::Warning; }
};

/* Send once (never resent) and classify; never throws. */
RegResult Execute(HttpClient &client, const Registration &reg, const CancelToken &cancel) noexcept;

/* The error to report for a failed registration.  `before` lists what this
 * transaction registered already (kept by ORCA), `not_sent` what will not be sent. */
Error FailureError(const Registration &reg, const RegResult &result, const std::string &before,
                   const std::string &not_sent);

/* patientgetv2 for one patient (a read; retried as reads are). */
Node FetchPatient(HttpClient &client, const std::string &patient_id, const CancelToken &cancel);

/* Values of the resource's columns in ORCA's answer, for RETURNING. */
struct AnswerValue {
	bool present = false;
	bool isnull = true;
	std::string text;
};
std::vector<AnswerValue> AnswerValues(const ResourceDef &r, const Registration &reg, const RegResult &result,
                                      const std::string &perform_date);

/* ---- audit ------------------------------------------------------------------ */

struct AuditContext {
	std::string attempt;  /* pairs the "sent" and "result" lines */
	std::string database, user, server, table, mode;
};
/* One JSON line (with the final '\n'): `result` nullptr → the "sent" line. */
std::string AuditLine(const AuditContext &ctx, const Registration &reg, const RegResult *result);

/* What a transaction registered, for error messages and the rollback
 * warnings.  Entries carry the (sub)transaction nesting level they were made at. */
class Ledger {
public:
	void Add(std::string text, int level) { entries_.push_back(Entry{std::move(text), level, false}); }
	bool Empty() const { return entries_.empty(); }
	/* Entries not yet named in an error or warning, made at min_level or deeper. */
	size_t Unreported(int min_level = 0) const;
	/* "a; b; c" of the entries (all, or the unreported ones at min_level or
	 * deeper); marks them reported. */
	std::string Text(bool only_unreported, int min_level = 0);
	/* A subtransaction at `level` committed: its entries move to its parent. */
	void SubCommit(int level);
	void Clear() noexcept { entries_.clear(); }

private:
	struct Entry {
		std::string text;
		int level;
		bool reported;
	};
	std::vector<Entry> entries_;
};

/* ---- plan-time rules ------------------------------------------------------------ */

/* The catalog columns UPDATE/DELETE need from the old row (junk columns). */
std::vector<std::string> OldRowColumns(const ResourceDef &r);
/* The identity in ORCA of an UPDATE/DELETE target row, from those junk
 * columns: patients by patient number, admissions by patient number and
 * admission date (ORCA keeps one stay per patient and day).  Leading zeros of
 * a number do not count ("42" and "00042" are one patient).  "" when the old
 * row lacks them.  A join that produces one target row twice is registered
 * once: PostgreSQL skips a second update of the same row in one statement. */
std::string TargetKey(const ResourceDef &r, const RowImage &oldrow);
/* Why an UPDATE of `r` may not set catalog column `col`; "" when it may. */
std::string UpdateRefusal(const ResourceDef &r, int col);

} // namespace orca_fdw::core
