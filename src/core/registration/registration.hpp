/*
 * registration.hpp — ORCA registrations (INSERT/UPDATE/DELETE): the shared
 * types of src/core/registration/.
 *
 * The PG side hands over a row as a RowImage (text per catalog column of the
 * table's resource).  The builders (builders.hpp) check the values first and
 * throw Error(InvalidValue) naming the column; then they build the request
 * record, a Registration.  send.hpp sends it once (never resent) between the
 * audit's "sent" and "result" lines and keeps the ledger; call.hpp holds the
 * call itself and the classification of what happened:
 *   Ok / Warning  ORCA registered it (Warning: patientmodv2 K0–K5);
 *   Refused       ORCA answered with an error code, or the server refused the
 *                 request before processing it (HTTP 401/404): nothing done;
 *   NotSent       the request never left — decided from the transport's facts
 *                 (Error::nothing_sent: no request byte written, or the TLS
 *                 handshake never finished), never from message text;
 *   Unknown       it may have been registered: timeout, HTTP 5xx, connection
 *                 lost after the request was written, an answer that cannot
 *                 be read, a Patient_ID that is not a patient number, a cancel.
 * Texts for the audit line and error messages carry ids and dates only,
 * never names or other personal data.
 *
 *   registration.hpp  these types, and the names of each kind of registration
 *   builders.hpp      per resource family: patients, admissions, meals (merging)
 *   call.hpp          the call, its classification, the error, RETURNING values
 *   rules.hpp         plan-time rules (old-row columns, row identity, updatable columns)
 *   audit.hpp         the audit line and the sink it is written to
 *   ledger.hpp        what a transaction registered
 *   send.hpp          audit "sent" → call → audit "result" → ledger, in one call
 */
#pragma once

#include "core/catalog.hpp"
#include "core/endpoints.hpp"
#include "core/error.hpp"
#include "core/node.hpp"

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
	Transfer,        /* hsptinfmodv2 Request_Number 08 (転科転棟転室) */
	Outing,          /* hsacctmodv2 Request_Number 2 (外泊等登録) */
};

/* The names of a kind of registration; its API's from core/endpoints. */
Api RegApi(RegKind k);                /* Api::PatientMod */
const char *RegApiName(RegKind k);    /* "patientmodv2" */
const char *RegApiPath(RegKind k);    /* "/orca12/patientmodv2" */
const char *RegNumber(RegKind k);     /* "01": the class or Request_Number that selects it */
std::string RegQuery(RegKind k);      /* "class=01"; "" where the request's Request_Number selects it */
std::string RegSelector(RegKind k);   /* "class=01", "Request_Number 01", "Request_Number 4" */
const char *RegKindName(RegKind k);   /* "register_patient", ... (audit) */
/* "patientmodv2 class=01": messages, the ledger, the audit. */
std::string RegCallName(RegKind k);
/* "POST /orca12/patientmodv2?class=01" — for EXPLAIN. */
std::string RegCallText(RegKind k);

/* What a statement does to a foreign table, decided at plan time. */
enum class ModifyOp : unsigned char {
	PatientInsert,   /* patientmodv2 class=01 */
	PatientUpdate,   /* class=02 */
	PatientDelete,   /* class=03 */
	AdmissionInsert, /* hsptinfmodv2 01 */
	AdmissionUpdate, /* hsptinfmodv2 02 (discharge), 07 (discharge cancel) or 08 (transfer) */
	MealInsert,      /* hsacctmodv2 4 (meals) and 2 (outings), rows merged per patient, admission and month */
};
/* EXPLAIN: the calls a statement makes ("ORCA registration"), and the reads
 * it may make first ("ORCA lookup"; "" when none). */
std::string ModifyCallsText(ModifyOp op);
std::string ModifyLookupText(ModifyOp op);

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
	std::string other_date;     /* discharge date; transfer date; meals, outings: the month "YYYY-MM" */
	std::string meal_dates;     /* meals, outings: the call's days in Meal_Dates form ("*" "/20-22") */
	std::string status;         /* outings: the Patient_Status (外泊等区分) sent */
	std::string record_name;    /* "patientmodreq" or "private_objects" */
	Node record = Node::MakeRecord();
	std::vector<int> rows;      /* meals: indexes of the batch rows this call carries */

	/* "patientmodv2 class=01 for patient *" — ids and dates only. */
	std::string Describe(const std::string &answered_id = std::string()) const;
};

/* One meals row: a patient-day with up to three meal codes (00–03). */
struct MealRow {
	std::string patient_id;
	std::string perform_date; /* YYYY-MM-DD */
	std::string code[3];      /* "0".."3" (Meal_Type) per breakfast/lunch/dinner; "" = unchanged */
	std::string status;       /* "00".."17" Patient_Status (外泊等区分, an outing); "" = unchanged */
	std::string admission_date; /* filled by the lookup */

	/* "hsacctmodv2 Request_Number 4 (meals) for patient 00042, perform_date 2026-11-21"
	 * (Request_Number 2 (outing) when the row registers only a patient_status) */
	std::string Describe() const;
};

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
	std::vector<Node> days;            /* meals, outings: Monthly_Information items */
	std::vector<std::pair<std::string, std::string>> fields;

	bool Registered() const { return outcome == RegOutcome::Ok || outcome == RegOutcome::Warning; }
};

/* A column value of ORCA's answer, for RETURNING (call.hpp, AnswerValues). */
struct AnswerValue {
	bool present = false;
	bool isnull = true;
	std::string text;
};

} // namespace orca_fdw::core
