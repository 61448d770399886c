/*
 * catalog.hpp — what a resource's declaration says (core/resources/<name>.cpp).
 *
 * A resource is one declaration, in the manner of a Steampipe table
 * definition:
 *   - its columns, their types, and for every ORCA API ("source") that
 *     carries a column, the element path inside that API's row: the scan
 *     reads values by these paths, IMPORT FOREIGN SCHEMA creates them;
 *   - its key conditions (Steampipe's KeyColumns): the WHERE clauses ORCA
 *     can narrow calls with — column, operators, the endpoint and request
 *     element they feed, whether the resource requires one, and which one a
 *     join drives (one call per outer row);
 *   - its hydrate groups: the extra calls that complete a row found by
 *     another call, when the query needs columns only they carry;
 *   - how it is read: a list the generic executor makes (ListSpec: one call,
 *     or one per row of a parent list), or planning and execution hooks
 *     where the declaration cannot say it (patients, admissions, meals);
 *   - its write side (WriteSpec): the registration API and builders.
 * The registry (registry.hpp) holds them all and checks each one when it is
 * built: a column without a source, a key without a column or endpoint, a
 * source the resource never calls is an error, never a silent NULL.
 */
#pragma once

#include "core/endpoints.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace orca_fdw::core {

/* The ORCA API (endpoints.hpp) whose rows carry a column's value: a
 * column's "source". */
using Source = Api;
constexpr unsigned SourceBit(Source s) { return ApiBit(s); }

enum class ColumnType {
	Text,
	Date,    /* YYYY-MM-DD; ORCA's open end 9999-12-31 reads as NULL */
	Time,
	Integer, /* ORCA pads numbers with spaces ("   1000"): trimmed */
	Jsonb,   /* a nested record or array, keys as ORCA names them */
};

/* The comparisons the PostgreSQL side can hand over (Prefix: LIKE 'x%', ^@). */
enum class QualOp { Eq, In, Lt, Le, Gt, Ge, Prefix, IsNull, IsNotNull };

struct SourcePath_ {
	Source source;
	std::string path; /* element path relative to the source's row, '/'-separated */
};

struct ColumnDef {
	std::string name;     /* snake_case column name */
	ColumnType type;
	std::vector<SourcePath_> paths; /* the sources that carry this column */
	std::string comment;  /* documentation of the declaration */

	const std::string *PathIn(Source s) const;
	unsigned Sources() const;
};

/* A WHERE condition ORCA can narrow the calls with. */
struct KeyCondition {
	int tag = 0;              /* the resource's own name for it, for its hooks (KeyOf) */
	std::string column;       /* the catalog column compared */
	std::vector<QualOp> ops;  /* the operators that narrow */
	Api api = Api::Count_;    /* the endpoint it feeds */
	std::string parameter;    /* the request element it feeds ("Patient_ID"; a date range:
	                           * the record of First/Last); "" when the hook builds it */
	std::string value;        /* a fixed value sent instead of the compared one
	                           * (discharge_date IS NULL → State "1") */
	bool required = false;    /* the resource needs one of its required keys (ReadSpec::missing) */
	bool join_key = false;    /* an equality with another relation drives one call per outer row */
	std::string explain;      /* EXPLAIN's wording of a fixed value ("(admitted)"), if any */
	int column_index = -1;    /* resolved by the registry */
};

/* Extra calls that complete a row the driving calls found (Steampipe's
 * hydrate functions): a column no driving call carries comes from `api`,
 * `batch` rows a call (1: one call per row). */
struct HydrateGroup {
	Api api = Api::Count_;
	int batch = 1;
	std::string explain; /* EXPLAIN's wording of the calls ("one call per patient found, ...") */
};

/* The texts of the error raised when a query lacks every required key. */
struct MissingKeyText {
	std::string message, detail, hint, explain;
};

/* A resource whose rows all come from one list call, read by the generic
 * executor (core/scan_list.cpp): the call with its endpoint's
 * Request_Number, or — when the call needs a value from another list (the
 * rooms of a ward) — one call per row of that parent list (Steampipe's
 * ParentHydrate). */
struct ListSpec {
	Api api = Api::Count_;     /* Count_: no list; the resource has hooks */
	std::string explain;       /* EXPLAIN's wording after the call's Request_Number */
	Api parent = Api::Count_;  /* Count_: no parent */
	std::string parent_explain;
	std::string parent_value;  /* path of the value in a parent row ("Ward_Number/Data") */
	std::string parameter;     /* the request element it feeds ("Ward_Number") */
	double estimated_calls = 1;
	double estimated_rows = 50;
};

struct ScanSpec;
struct ScanPlan;
struct SessionStats;
class HttpClient;
namespace scan_detail {
class Executor;
}
/* Planning and execution hooks, where the declaration cannot say it. */
using PlanHook = void (*)(const ScanSpec &spec, ScanPlan &plan);
using ExecuteHook = std::unique_ptr<scan_detail::Executor> (*)(HttpClient &client, const ScanSpec &spec,
                                                                ScanPlan &plan, SessionStats &stats,
                                                                std::vector<std::string> &warnings);

struct ReadSpec {
	std::vector<KeyCondition> keys;
	std::vector<HydrateGroup> hydrate;
	MissingKeyText missing;      /* when the resource has required keys */
	ListSpec list;               /* the generic executor, or: */
	PlanHook plan = nullptr;     /* both hooks, or none */
	ExecuteHook execute = nullptr;
	unsigned calls = 0;          /* hooks: the APIs they call (ApiBit); a list's are derived */
	/* Sources whose columns an UPDATE/DELETE target reads only when the
	 * statement names them (patients: what only a patientlst1v2 listing of
	 * every patient carries is never sent back to ORCA). */
	unsigned named_only_sources = 0;
	/* Batched joins (pg/batch_join.cpp): how many distinct values of the
	 * join key one probe carries, handed to the scan as join_key IN (...)
	 * (patients: 100, one patientlst2v2 call; admissions, meals: their
	 * per-patient calls, made together).  0: joins with the resource are
	 * never batched (a parameterized path or a full scan instead).  Needs a
	 * join key taking QualOp::In. */
	int join_batch = 0;
};

struct Node;
struct ColumnValue;
struct Registration;
struct ResourceDef;
/* What a registration builder gets: the statement's row(s), by catalog
 * column (registration.hpp's RowImage), and its context. */
struct WriteInput {
	const std::vector<ColumnValue> *newrow = nullptr; /* INSERT, UPDATE */
	const std::vector<ColumnValue> *oldrow = nullptr; /* UPDATE, DELETE: the old row's key columns */
	const Node *current = nullptr; /* ORCA's record read before an UPDATE/DELETE, when it was */
	std::string today;             /* YYYY-MM-DD, PostgreSQL's current_date */
	std::string transfer_date;     /* admissions: orca_fdw.transfer_date ("" = today) */
	std::string table;             /* the foreign table, for messages */
	bool trim_values = true;       /* the table option */
};
/* Builds the registration of one row (the builders of registration.hpp);
 * false when there is nothing to send (an UPDATE that changes nothing).
 * Throws Error(InvalidValue) naming the column. */
using WriteBuilder = bool (*)(const ResourceDef &r, const WriteInput &in, Registration *out);

/* The write side: the registration API and the builder of each statement
 * it takes (nullptr: refused).  A resource whose api is Count_ is
 * read-only.  The write path (core/registration, pg/ modify) calls them. */
struct WriteSpec {
	Api api = Api::Count_;
	WriteBuilder insert = nullptr, update = nullptr, remove = nullptr;
	/* meals: INSERT rows are checked one by one (CheckMealRow) and merged
	 * into calls per patient, admission and month (BuildMealCalls) */
	bool merges_rows = false;
};

struct ResourceDef {
	std::string name;    /* "patients" */
	std::string comment;
	std::vector<ColumnDef> columns;
	ReadSpec read;
	WriteSpec write;

	int FindColumn(std::string_view column_name) const; /* -1 when absent */
	/* Column whose element path (or last path component) is `field`; -1 when absent. */
	int FindField(std::string_view field) const;
	/* The key condition a join drives (one call per outer row), or nullptr. */
	const KeyCondition *JoinKey() const noexcept;
	/* The key condition with this tag; Error(Internal) when the declaration has none. */
	const KeyCondition &KeyOf(int tag) const;
	/* The hydrate group calling `api`; Error(Internal) when the declaration has none. */
	const HydrateGroup &HydrateOf(Api api) const;
	/* Every API a scan of this resource may call (ApiBit). */
	unsigned Calls() const;
};

/* Declaration helpers for the resource files. */
ColumnDef Col(std::string name, ColumnType type, std::vector<SourcePath_> paths, std::string comment);
/* The same element path in several sources. */
std::vector<SourcePath_> In(std::initializer_list<Source> sources, const std::string &path);

/* "WholeName_inKana" → "whole_name_in_kana" (the contract's naming rule). */
std::string SnakeCase(std::string_view element);

} // namespace orca_fdw::core
