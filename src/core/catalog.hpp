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

#include "core/endpoints.hpp"

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
