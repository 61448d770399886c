/*
 * endpoints.hpp — the ORCA APIs the wrapper calls, one row each: path,
 * method, request and answer records, the element whose items are rows, how
 * many rows an answer holds, the result codes that mean "no rows" or "too
 * many", and the wire formats ORCA documents for it.
 *
 * Nothing else in src/ spells an API's path, name, records or result codes:
 * scans, registrations, EXPLAIN, error messages and statistics read them
 * from this table (the facts are in the notes, shared/orca-api/).  Where one API
 * answers a different record per Request_Number (hsconfwardv2 wards or
 * rooms, system01lstv2 departments or doctors) each answer shape is a row:
 * a column's value comes from one shape.  A new API is one enumerator below
 * and one row in endpoints.cpp (the unit tests check they agree).
 */
#pragma once

#include <string>
#include <vector>

namespace orca_fdw::core {

enum class Api : unsigned char {
	/* reads */
	PatientGet,      /* GET  patientgetv2   one patient, full detail */
	PatientList1,    /* POST patientlst1v2  ids by create/update date window (≤1000) */
	PatientList2,    /* POST patientlst2v2  up to 100 ids; also the rows of patientlst3v2 */
	PatientList3,    /* POST patientlst3v2  name search (≤100 hits), rows as patientlst2v2 */
	InpatientFind,   /* POST hsfindv3       inpatient search, 200 rows a page */
	InpatientInfo,   /* POST hsptinfv2      one patient's stays */
	InpatientMeal,   /* POST hsmealv2       one patient-month meal calendar */
	WardConfig,      /* POST hsconfwardv2   Request_Number 1: wards */
	RoomConfig,      /* POST hsconfwardv2   Request_Number 2: the rooms of a ward */
	DepartmentList,  /* POST system01lstv2  Request_Number 01: departments */
	DoctorList,      /* POST system01lstv2  Request_Number 02: doctors */
	VisitList,       /* POST acceptlstv2    class=03: every reception of a day */
	DiseaseGet,      /* POST diseasegetv2   class=01: one patient's disease names */
	/* registrations */
	PatientMod,          /* POST patientmodv2  class=01/02/03 */
	InpatientMod,        /* POST hsptinfmodv2  admission, discharge, ... */
	InpatientAccountMod, /* POST hsacctmodv2   Request_Number 4: meals */
	Count_
};
constexpr int kApiCount = static_cast<int>(Api::Count_);
constexpr unsigned ApiBit(Api a) { return 1u << static_cast<unsigned>(a); }
static_assert(kApiCount <= 32, "API bit sets are unsigned");

/* Wire formats ORCA documents for an API (the server option `format` picks
 * JSON only where it is documented; the others always speak xml2). */
enum class Formats : unsigned char { Xml2Only, Xml2AndJson };

/* A "no rows" code that means so only for a request that carried the
 * element: hsfindv3 E0001 (no such patient) for a Patient_ID we sent. */
struct CodeIfSent {
	std::string element; /* path in the request record ("Patient_Information/Patient_ID") */
	std::string code;
};

struct Endpoint {
	Api api;
	std::string name;           /* "patientlst1v2": EXPLAIN, errors, statistics */
	std::string path;           /* "/api01rv2/patientlst1v2" (WebORCA adds "/api") */
	std::string method;         /* "GET" or "POST" */
	std::string query;          /* the query argument every call sends ("class=01"), "" when none or per call */
	std::string request_number; /* the body's Request_Number that selects this answer shape, "" when none */
	std::string request_record; /* "patientlst1req"; "" for GET */
	std::string answer_record;  /* "patientlst1res" (as documented; the codec does not require it) */
	std::string row_element;    /* "Patient_Information": each of its items (or itself) is a row */
	int page_size;              /* rows one answer holds at most, or ids one request takes; 0: not paged */
	std::vector<std::string> no_rows;  /* codes meaning exactly "nothing found": zero rows */
	std::vector<CodeIfSent> no_rows_if_sent;
	std::vector<std::string> too_many; /* codes meaning "too many hits": the caller narrows the request */
	std::vector<std::string> refused;  /* codes meaning "ORCA cannot search for this": the caller reads more instead */
	std::vector<std::string> warnings; /* non-zero codes that still mean success (patientmodv2 K0-K9) */
	bool results_array;         /* result codes in an Api_Results array (style B/C answers) */
	Formats formats;
	bool registration;          /* writes ORCA's data: never retried, never resent */
};

/* The row of `api`; every Api below Count_ has one. */
const Endpoint &EndpointOf(Api api);
/* The whole table, in Api order. */
const std::vector<Endpoint> &Endpoints();
const char *ApiName(Api api); /* "patientgetv2" */
const char *ApiPath(Api api); /* "/api01rv2/patientgetv2" */
/* "POST /api01rv2/patientlst2v2?class=01": the method, the path and the
 * query (`query`, or the endpoint's own when empty), for EXPLAIN. */
std::string CallText(Api api, const std::string &query = std::string());

} // namespace orca_fdw::core
