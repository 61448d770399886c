/*
 * checks.cpp — our own checks of a registration's values, before anything is
 * sent: required columns, control characters, ORCA's rules for names, sex
 * and birth dates; and request records (see internal.hpp).  Each error names
 * the column, never the value.
 */
#include "core/registration/internal.hpp"

#include "core/dates.hpp"

#include <cstdio>

#include "core/cpp_only.hpp"

namespace orca_fdw::core::registration_detail {

/* ---- row access ------------------------------------------------------------ */

const ColumnValue *
Row::Get(const char *column) const
{
	int c = r_.FindColumn(column);
	if (c < 0 || static_cast<size_t>(c) >= row_.size() || !row_[c].present)
		return nullptr;
	return &row_[c];
}

const std::string &
Row::Required(const char *column, const std::string &why) const
{
	const ColumnValue *v = Get(column);
	if (!v)
		throw Error(ErrorKind::InvalidValue, "foreign table " + Quote(table_) + " has no column " + Quote(column), why,
		            "Add the column to the foreign table (IMPORT FOREIGN SCHEMA creates it).");
	if (v->isnull)
		throw Error(ErrorKind::InvalidValue,
		            "null value in column " + Quote(column) + " of foreign table " + Quote(table_), why,
		            "Give " + std::string(column) + " a value.");
	return v->text;
}

Error
Row::ReadOnly(const std::string &name, const std::string &api, const std::string &hint_verb) const
{
	return Error(ErrorKind::InvalidValue, "column " + Quote(name) + " of foreign table " + Quote(table_) + " cannot be set",
	             "ORCA maintains " + name + " itself; " + api + " does not take it.",
	             "Leave " + name + " out of the " + hint_verb + ".");
}

/* ---- values ------------------------------------------------------------------ */

Error
BadValue(const std::string &column, const std::string &table, const std::string &detail, const std::string &hint)
{
	return Error(ErrorKind::InvalidValue,
	             "invalid value in column " + Quote(column) + " of foreign table " + Quote(table), detail, hint);
}

std::string
Trim(const std::string &s)
{
	size_t b = 0, e = s.size();
	while (b < e && (s[b] == ' ' || s[b] == '\t'))
		b++;
	while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	return s.substr(b, e - b);
}

namespace {

/* Decodes UTF-8 into code points; false on malformed input. */
bool
CodePoints(const std::string &s, std::vector<char32_t> &out)
{
	for (size_t i = 0; i < s.size();) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (n == 0 || i + n > s.size())
			return false;
		char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
		for (int k = 1; k < n; k++) {
			unsigned char cc = static_cast<unsigned char>(s[i + k]);
			if ((cc & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (cc & 0x3F);
		}
		out.push_back(cp);
		i += n;
	}
	return true;
}

bool
IsHalfKana(char32_t cp)
{
	return cp >= 0xFF61 && cp <= 0xFF9F;
}

/* Characters no registration field may carry: C0 and C1 control characters
 * and DEL (ORCA's fields are single-line text; xml2 cannot carry most of them
 * at all, and ORCA stores what it gets, so its later answers for the patient
 * become unreadable), and U+FFFE/U+FFFF (not XML characters). */
bool
IsUnsendable(char32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF;
}

/* The 1-based character position of the first unsendable character (or of
 * malformed UTF-8), 0 when there is none. */
size_t
FindUnsendable(const std::string &value, char32_t *found)
{
	std::vector<char32_t> cps;
	if (!CodePoints(value, cps)) {
		*found = 0xFFFD;
		return cps.size() + 1;
	}
	for (size_t i = 0; i < cps.size(); i++)
		if (IsUnsendable(cps[i])) {
			*found = cps[i];
			return i + 1;
		}
	return 0;
}

std::string
CodePointText(char32_t cp)
{
	char buf[16];
	std::snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(cp));
	return buf;
}

std::string
UnsendableDetail(const std::string &column, size_t position, char32_t cp)
{
	return "Character " + std::to_string(position) + " of " + column + " is " + CodePointText(cp) +
	       (cp == 0xFFFD ? " (malformed UTF-8)" : cp >= 0xFFFE ? " (not an XML character)" : " (a control character)") +
	       ". ORCA's fields take no control characters and its xml2 cannot carry them: ORCA would store the value "
	       "and its answers about the patient could no longer be read.";
}

} // namespace

void
RefuseUnsendable(const std::string &value, const std::string &column, const std::string &table)
{
	char32_t cp = 0;
	if (size_t at = FindUnsendable(value, &cp))
		throw BadValue(column, table, UnsendableDetail(column, at, cp),
		               "Remove line breaks, tabs and other control characters from " + column + ".");
}

/* whole_name: ORCA turns a half-width space into U+3000 and refuses any other
 * half-width character (Api_Result 14). */
void
CheckKanjiName(const std::string &value, const std::string &table)
{
	RefuseUnsendable(value, "whole_name", table);
	std::vector<char32_t> cps;
	bool ok = CodePoints(value, cps);
	for (char32_t cp : cps)
		if ((cp < 0x80 && cp != ' ') || IsHalfKana(cp))
			ok = false;
	if (!ok)
		throw BadValue("whole_name", table,
		               "ORCA accepts only full-width (全角) characters in whole_name; it would answer Api_Result 14 "
		               "(漢字氏名は全角で入力して下さい).",
		               "Convert half-width letters, digits and katakana to full width; separate family and given "
		               "name with a full-width space (U+3000).");
}

/* whole_name_in_kana: half-width katakana and spaces are converted by ORCA;
 * other half-width characters are refused (Api_Result 15). */
void
CheckKanaName(const std::string &value, const std::string &table)
{
	RefuseUnsendable(value, "whole_name_in_kana", table);
	std::vector<char32_t> cps;
	bool ok = CodePoints(value, cps);
	for (char32_t cp : cps)
		if (cp < 0x80 && cp != ' ')
			ok = false;
	if (!ok)
		throw BadValue("whole_name_in_kana", table,
		               "ORCA accepts only full-width katakana (全角カナ) in whole_name_in_kana; it would answer "
		               "Api_Result 15 (カナ氏名は全角で入力して下さい).",
		               "Write the reading in full-width katakana, e.g. ヤマダ　タロウ.");
}

void
CheckSex(const std::string &value, const std::string &table)
{
	if (value != "1" && value != "2")
		throw BadValue("sex", table, "ORCA takes sex 1 (male) or 2 (female); it would answer Api_Result 16.",
		               "Use '1' or '2'.");
}

void
CheckBirthDate(const std::string &value, const std::string &today, const std::string &table)
{
	long d, t;
	if (ParseDate(value, &d) && ParseDate(today, &t) && d > t)
		throw BadValue("birth_date", table, "birth_date " + value + " is in the future.",
		               "Check the birth date; ORCA refuses future dates (Api_Result P1).");
}

namespace {

void
CheckNodeText(const Registration &reg, const Row &row, ElementColumnFn element_column, const Node &node,
              const std::string &path)
{
	if (node.type == Node::Type::String) {
		char32_t cp = 0;
		size_t at = FindUnsendable(node.value, &cp);
		if (at == 0)
			return;
		std::string column = element_column(path);
		if (column.empty())
			column = path;
		if (row.Present(column.c_str()))
			throw BadValue(column, row.Table(), UnsendableDetail(column, at, cp),
			               "Remove line breaks, tabs and other control characters from " + column + ".");
		throw Error(ErrorKind::InvalidValue,
		            "ORCA's current value of " + column + " for patient " + reg.patient_id +
		                " contains a character a registration cannot carry",
		            "Foreign table " + Quote(row.Table()) + " has no column " + Quote(column) +
		                ", so the update would send back the value ORCA holds. " + UnsendableDetail(column, at, cp),
		            "Correct " + column + " in ORCA, or add the column to the foreign table and set it in the UPDATE.");
	}
	for (const auto &[name, child] : node.children)
		CheckNodeText(reg, row, element_column, child, name.empty() ? path : path.empty() ? name : path + "/" + name);
}

} // namespace

void
CheckRequestText(const Registration &reg, const Row &row, ElementColumnFn element_column)
{
	CheckNodeText(reg, row, element_column, reg.record, "");
}

/* ---- request records ------------------------------------------------------------ */

void
SetPath(Node &record, const std::string &path, Node value)
{
	Node *node = &record;
	size_t start = 0;
	for (;;) {
		size_t slash = path.find('/', start);
		std::string name = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
		if (slash == std::string::npos) {
			node->children.emplace_back(name, std::move(value));
			return;
		}
		Node *child = nullptr;
		for (auto &c : node->children)
			if (c.first == name && c.second.type == Node::Type::Record)
				child = &c.second;
		if (!child) {
			node->children.emplace_back(name, Node::MakeRecord());
			child = &node->children.back().second;
		}
		node = child;
		start = slash + 1;
	}
}

void
SetString(Node &record, const std::string &path, const std::string &value)
{
	SetPath(record, path, Node::MakeString(value));
}

} // namespace orca_fdw::core::registration_detail
