/*
 * internal.hpp — what the files of src/core/registration/ share among
 * themselves: access to a row's values, the value checks (checks.cpp), request
 * records, patient numbers.  Not for use outside this directory.
 */
#pragma once

#include "core/registration/registration.hpp"

#include <string>
#include <utility>
#include <vector>

namespace orca_fdw::core::registration_detail {

template <size_t N>
bool
In(const char *const (&list)[N], const std::string &s)
{
	for (const char *x : list)
		if (s == x)
			return true;
	return false;
}

inline std::string
Quote(const std::string &s)
{
	return "\"" + s + "\"";
}

std::string Trim(const std::string &s);

/* A row's values by column name. */
class Row {
public:
	Row(const ResourceDef &r, const RowImage &row, const std::string &table) : r_(r), row_(row), table_(table) {}

	const ColumnValue *Get(const char *column) const;
	/* Non-null text or nullptr. */
	const std::string *Text(const char *column) const
	{
		const ColumnValue *v = Get(column);
		return v && !v->isnull ? &v->text : nullptr;
	}
	bool Present(const char *column) const { return Get(column) != nullptr; }

	/* The value, or an error naming the column. */
	const std::string &Required(const char *column, const std::string &why) const;

	/* Non-null values in columns the registration cannot send. */
	template <typename Writable>
	void RefuseReadOnly(Writable writable, const std::string &api, const std::string &hint_verb) const
	{
		for (size_t c = 0; c < r_.columns.size() && c < row_.size(); c++) {
			const ColumnValue &v = row_[c];
			const std::string &name = r_.columns[c].name;
			if (!v.present || v.isnull || writable(name))
				continue;
			throw ReadOnly(name, api, hint_verb);
		}
	}

	const std::string &Table() const { return table_; }

private:
	Error ReadOnly(const std::string &name, const std::string &api, const std::string &hint_verb) const;

	const ResourceDef &r_;
	const RowImage &row_;
	const std::string &table_;
};

/* ---- checks (checks.cpp) ----------------------------------------------------- */

Error BadValue(const std::string &column, const std::string &table, const std::string &detail,
               const std::string &hint);
/* Refuses a value with a character no registration may carry, naming the column (never the value). */
void RefuseUnsendable(const std::string &value, const std::string &column, const std::string &table);
/* whole_name: full-width only (ORCA: Api_Result 14). */
void CheckKanjiName(const std::string &value, const std::string &table);
/* whole_name_in_kana: no half-width characters but katakana and spaces (Api_Result 15). */
void CheckKanaName(const std::string &value, const std::string &table);
void CheckSex(const std::string &value, const std::string &table);
void CheckBirthDate(const std::string &value, const std::string &today, const std::string &table);

/* The column a request element's value came from ("" for our own elements). */
using ElementColumnFn = std::string (*)(const std::string &path);
/* Every field the request carries, whatever it came from (the row, or ORCA's
 * current record for columns an UPDATE's table lacks): nothing ORCA's xml2
 * cannot carry is ever sent. */
void CheckRequestText(const Registration &reg, const Row &row, ElementColumnFn element_column);

/* ---- request records ----------------------------------------------------------- */

/* Set a '/'-separated path in a record, creating intermediate records. */
void SetPath(Node &record, const std::string &path, Node value);
void SetString(Node &record, const std::string &path, const std::string &value);

/* ---- kinds and patients ------------------------------------------------------- */

bool IsPatientKind(RegKind k);
/* The request's record: "patientmodreq", "private_objects" (endpoints). */
std::string RecordName(RegKind k);
/* ORCA's Patient_ID: varchar 20, digits (zero-padded to the site's width). */
constexpr size_t kMaxPatientIdDigits = 20;
bool IsPatientNumber(const std::string &id);
/* One patient, one key: leading zeros of a number do not count. */
std::string CanonicalPatientId(const std::string &id);
/* patients.cpp: a column patientmodv2 takes; a top-level element of its echo. */
bool PatientWritable(const std::string &column);
bool PatientEchoElement(const std::string &top);

/* The first header field of an answer at `path`, or nullptr. */
const std::string *FieldValue(const std::vector<std::pair<std::string, std::string>> &fields,
                              const std::string &path);

} // namespace orca_fdw::core::registration_detail
