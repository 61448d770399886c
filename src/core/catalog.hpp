/*
 * catalog.hpp — the ORCA resources the wrapper exposes as foreign tables.
 *
 * A resource is a declaration: its columns, their types, and for every ORCA
 * API ("source") that carries a column, the element path inside that API's
 * row.  The planner picks sources from this table; the scan reads values by
 * these paths; IMPORT FOREIGN SCHEMA turns it into CREATE FOREIGN TABLE.
 * Adding a resource is mostly adding a declaration here.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace orca_fdw::core {

/* Every ORCA read API the wrapper calls. */
enum class Source : unsigned char {
	PatientGet,   /* GET  /api01rv2/patientgetv2   one patient, full detail */
	PatientList1, /* POST /api01rv2/patientlst1v2  ids by create/update date window (≤1000) */
	PatientList2, /* POST /api01rv2/patientlst2v2  up to 100 ids; also patientlst3v2 rows */
	PatientList3, /* POST /api01rv2/patientlst3v2  name search (≤100 hits), rows as lst2 */
	InpatientFind,   /* POST /orca36/hsfindv3      inpatient search, 200 rows a page */
	InpatientInfo,   /* POST /api01rv2/hsptinfv2   one patient's stays */
	InpatientMeal,   /* POST /api01rv2/hsmealv2    one patient-month meal calendar */
	WardConfig,      /* POST /api01rv2/hsconfwardv2 Request_Number 1: wards */
	RoomConfig,      /* POST /api01rv2/hsconfwardv2 Request_Number 2: rooms */
	DepartmentList,  /* POST /api01rv2/system01lstv2 Request_Number 01: departments */
	DoctorList,      /* POST /api01rv2/system01lstv2 Request_Number 02: doctors */
	Count_
};
constexpr unsigned SourceBit(Source s) { return 1u << static_cast<unsigned>(s); }
const char *SourcePath(Source s); /* "/api01rv2/patientgetv2" */
const char *SourceName(Source s); /* "patientgetv2" */

enum class ColumnType {
	Text,
	Date,    /* YYYY-MM-DD; ORCA's open end 9999-12-31 reads as NULL */
	Time,
	Integer, /* ORCA pads numbers with spaces ("   1000"): trimmed */
	Jsonb,   /* a nested record or array, keys as ORCA names them */
};

struct SourcePath_ {
	Source source;
	std::string path; /* element path relative to the source's row, '/'-separated */
};

struct ColumnDef {
	std::string name;     /* snake_case column name */
	ColumnType type;
	std::vector<SourcePath_> paths; /* the sources that carry this column */
	std::string comment;  /* for IMPORT FOREIGN SCHEMA and the README */

	const std::string *PathIn(Source s) const;
	unsigned Sources() const;
};

struct ResourceDef {
	std::string name;    /* "patients" */
	std::string comment;
	std::vector<ColumnDef> columns;

	int FindColumn(std::string_view column_name) const; /* -1 when absent */
	/* Column whose element path (or last path component) is `field`; -1 when absent. */
	int FindField(std::string_view field) const;
};

const std::vector<ResourceDef> &Resources();
const ResourceDef *FindResource(std::string_view name);
/* "patients, admissions, meals, ..." for hints. */
std::string ResourceNames();
/* "WholeName_inKana" → "whole_name_in_kana" (the contract's naming rule). */
std::string SnakeCase(std::string_view element);

} // namespace orca_fdw::core
