/*
 * registration.cpp — ORCA registrations: requests, checks, the call, answers
 * (see registration.hpp).
 *
 * The mapping from table columns to request elements is kept here (not in
 * the read catalog): patientmodv2 takes fewer fields than patientgetv2
 * returns, and hsptinfmodv2 names some of them differently from hsptinfv2.
 */
#include "core/registration.hpp"

#include "core/dates.hpp"
#include "core/orca_api.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

constexpr char kOpenEnd[] = "9999-12-31";

/* ---- column tables -------------------------------------------------------- */

/* patientmodv2 request fields, in request order, by catalog column. */
struct PatientField {
	const char *column;
	const char *path; /* element path in patientmodreq (and in patientgetv2's record) */
};
const PatientField kPatientFields[] = {
	{"patient_id", "Patient_ID"},
	{"whole_name", "WholeName"},
	{"whole_name_in_kana", "WholeName_inKana"},
	{"birth_date", "BirthDate"},
	{"sex", "Sex"},
	{"house_holder_whole_name", "HouseHolder_WholeName"},
	{"relationship", "Relationship"},
	{"occupation", "Occupation"},
	{"cellular_number", "CellularNumber"},
	{"fax_number", "FaxNumber"},
	{"email_address", "EmailAddress"},
	{"address_zip_code", "Home_Address_Information/Address_ZipCode"},
	{"whole_address1", "Home_Address_Information/WholeAddress1"},
	{"whole_address2", "Home_Address_Information/WholeAddress2"},
	{"phone_number1", "Home_Address_Information/PhoneNumber1"},
	{"phone_number2", "Home_Address_Information/PhoneNumber2"},
	{"workplace_information", "WorkPlace_Information"}, /* jsonb object */
	{"contraindication1", "Contraindication1"},
	{"contraindication2", "Contraindication2"},
	{"allergy1", "Allergy1"},
	{"allergy2", "Allergy2"},
	{"infection1", "Infection1"},
	{"infection2", "Infection2"},
	{"comment1", "Comment1"},
	{"comment2", "Comment2"},
};
/* The keys of WorkPlace_Information patientmodv2 takes. */
const char *const kWorkplaceKeys[] = {"WholeName", "Address_ZipCode", "WholeAddress1", "WholeAddress2", "PhoneNumber"};
/* Top-level elements of patientmodres's Patient_Information (the echo). */
const char *const kPatientEcho[] = {
	"Patient_ID", "WholeName", "WholeName_inKana", "BirthDate", "Sex", "HouseHolder_WholeName", "Relationship",
	"Occupation", "CellularNumber", "FaxNumber", "EmailAddress", "Home_Address_Information",
	"WorkPlace_Information", "Contraindication1", "Contraindication2", "Allergy1", "Allergy2", "Infection1",
	"Infection2", "Comment1", "Comment2", "HealthInsurance_Information",
};

/* hsptinfmodv2 01 fields taken from admissions columns (besides the required ones). */
const char *const kAdmissionWritable[] = {
	"patient_id", "admission_date", "ward_number", "room_number", "department_code", "doctor", "room_charge",
	"hospital_charge_code", "insurance_combination_number", "first_admission_date",
	"discharge_date", /* only NULL on INSERT; UPDATE discharges */
};
const char *const kMealWritable[] = {"patient_id", "perform_date", "morning_meal", "lunch_meal", "evening_meal"};
const char *const kMealColumns[3] = {"morning_meal", "lunch_meal", "evening_meal"};

template <size_t N>
bool
In(const char *const (&list)[N], const std::string &s)
{
	for (const char *x : list)
		if (s == x)
			return true;
	return false;
}

const PatientField *
FindPatientField(const std::string &column)
{
	for (const PatientField &f : kPatientFields)
		if (column == f.column)
			return &f;
	return nullptr;
}

std::string
Quote(const std::string &s)
{
	return "\"" + s + "\"";
}

/* ---- row access ------------------------------------------------------------ */

class Row {
public:
	Row(const ResourceDef &r, const RowImage &row, const std::string &table) : r_(r), row_(row), table_(table) {}

	const ColumnValue *Get(const char *column) const
	{
		int c = r_.FindColumn(column);
		if (c < 0 || static_cast<size_t>(c) >= row_.size() || !row_[c].present)
			return nullptr;
		return &row_[c];
	}
	/* Non-null text or nullptr. */
	const std::string *Text(const char *column) const
	{
		const ColumnValue *v = Get(column);
		return v && !v->isnull ? &v->text : nullptr;
	}
	bool Present(const char *column) const { return Get(column) != nullptr; }

	/* The value, or an error naming the column. */
	const std::string &Required(const char *column, const std::string &why) const
	{
		const ColumnValue *v = Get(column);
		if (!v)
			throw Error(ErrorKind::InvalidValue,
			            "foreign table " + Quote(table_) + " has no column " + Quote(column),
			            why, "Add the column to the foreign table (IMPORT FOREIGN SCHEMA creates it).");
		if (v->isnull)
			throw Error(ErrorKind::InvalidValue,
			            "null value in column " + Quote(column) + " of foreign table " + Quote(table_), why,
			            "Give " + std::string(column) + " a value.");
		return v->text;
	}

	/* Non-null values in columns the registration cannot send. */
	template <typename Writable>
	void RefuseReadOnly(Writable writable, const std::string &api, const std::string &hint_verb) const
	{
		for (size_t c = 0; c < r_.columns.size() && c < row_.size(); c++) {
			const ColumnValue &v = row_[c];
			const std::string &name = r_.columns[c].name;
			if (!v.present || v.isnull || writable(name))
				continue;
			throw Error(ErrorKind::InvalidValue,
			            "column " + Quote(name) + " of foreign table " + Quote(table_) + " cannot be set",
			            "ORCA maintains " + name + " itself; " + api + " does not take it.",
			            "Leave " + name + " out of the " + hint_verb + ".");
		}
	}

	const std::string &Table() const { return table_; }

private:
	const ResourceDef &r_;
	const RowImage &row_;
	const std::string &table_;
};

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

/* Refuses a value with a character no registration may carry, naming the column (never the value). */
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

/* Set a '/'-separated path in a record, creating intermediate records. */
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

/* WorkPlace_Information from a jsonb object's leaves (known keys only). */
Node
WorkplaceFromJson(const ColumnValue &v)
{
	Node rec = Node::MakeRecord();
	for (const char *key : kWorkplaceKeys)
		for (const auto &[path, text] : v.json)
			if (path == key && !text.empty())
				rec.children.emplace_back(key, Node::MakeString(text));
	return rec;
}

/* The settable patient fields (besides the identifying ones) into `record`;
 * from the row when it has the column, else from ORCA's current record. */
void
AddPatientDetails(Node &record, const Row &row, const Node *current)
{
	for (const PatientField &f : kPatientFields) {
		std::string column = f.column;
		if (column == "patient_id" || column == "whole_name" || column == "whole_name_in_kana" ||
		    column == "birth_date" || column == "sex")
			continue;
		const ColumnValue *v = row.Get(f.column);
		if (column == "workplace_information") {
			Node rec = Node::MakeRecord();
			if (v && !v->isnull)
				rec = WorkplaceFromJson(*v);
			else if (!v && current) {
				if (const Node *cur = current->FindPath(f.path))
					for (const char *key : kWorkplaceKeys)
						if (const std::string *s = cur->StringAt(key); s && !s->empty())
							rec.children.emplace_back(key, Node::MakeString(*s));
			}
			if (!rec.children.empty())
				SetPath(record, f.path, std::move(rec));
			continue;
		}
		if (v) {
			if (!v->isnull && !v->text.empty())
				SetString(record, f.path, v->text);
		} else if (current) {
			const std::string *s = current->StringAt(f.path);
			if (s && !s->empty())
				SetString(record, f.path, *s);
		}
	}
}

bool
PatientWritable(const std::string &column)
{
	return FindPatientField(column) != nullptr;
}

bool IsPatientKind(RegKind k);

/* hsptinfmodv2 request elements (top level) → admissions columns. */
const char *const kAdmissionElements[][2] = {
	{"Patient_ID", "patient_id"},
	{"Admission_Date", "admission_date"},
	{"Discharge_Date", "discharge_date"},
	{"Discharge_Reason", "discharge_reason_code"},
	{"Ward_Number", "ward_number"},
	{"Room_Number", "room_number"},
	{"Room_Charge", "room_charge"},
	{"Department_Code", "department_code"},
	{"Last_Admission_Date", "first_admission_date"},
	{"Doctor_Code", "doctor"},
	{"HealthInsurance_Information", "insurance_combination_number"},
	{"Hospital_Charge", "hospital_charge_code"},
};

/* The column a request element's value came from ("" for our own elements). */
std::string
ElementColumn(RegKind kind, const std::string &path)
{
	std::string top = path.substr(0, path.find('/'));
	if (IsPatientKind(kind)) {
		for (const PatientField &f : kPatientFields)
			if (path == f.path || top == f.path)
				return f.column;
		return "";
	}
	for (const auto &e : kAdmissionElements)
		if (top == e[0])
			return e[1];
	return "";
}

/* Every field the request carries, whatever it came from (the row, or ORCA's
 * current record for columns an UPDATE's table lacks): nothing ORCA's xml2
 * cannot carry is ever sent. */
void
CheckRequestText(const Registration &reg, const Row &row, const Node &node, const std::string &path)
{
	if (node.type == Node::Type::String) {
		char32_t cp = 0;
		size_t at = FindUnsendable(node.value, &cp);
		if (at == 0)
			return;
		std::string column = ElementColumn(reg.kind, path);
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
		CheckRequestText(reg, row, child, name.empty() ? path : path.empty() ? name : path + "/" + name);
}

void
CheckRequestText(const Registration &reg, const Row &row)
{
	CheckRequestText(reg, row, reg.record, "");
}

/* ---- meals ------------------------------------------------------------------ */

std::string
DaysText(const std::vector<int> &days_in)
{
	std::vector<int> days = days_in;
	std::sort(days.begin(), days.end());
	days.erase(std::unique(days.begin(), days.end()), days.end());
	std::string out = "*/";
	for (size_t i = 0; i < days.size();) {
		size_t j = i;
		while (j + 1 < days.size() && days[j + 1] == days[j] + 1)
			j++;
		if (i > 0)
			out += ',';
		out += std::to_string(days[i]);
		if (j > i)
			out += "-" + std::to_string(days[j]);
		i = j + 1;
	}
	return out;
}

/* ---- the call ----------------------------------------------------------------- */

bool
IsPatientKind(RegKind k)
{
	return k == RegKind::RegisterPatient || k == RegKind::UpdatePatient || k == RegKind::DeletePatient;
}

/* ORCA's Patient_ID: varchar 20, digits (zero-padded to the site's width). */
constexpr size_t kMaxPatientIdDigits = 20;

bool
IsPatientNumber(const std::string &id)
{
	return !id.empty() && id.size() <= kMaxPatientIdDigits &&
	       std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/* One patient, one key: ORCA pads numbers to the site's width ("42" and
 * "00042" are the same patient), so leading zeros of a number do not count. */
std::string
CanonicalPatientId(const std::string &id)
{
	if (!IsPatientNumber(id))
		return id;
	size_t first = id.find_first_not_of('0');
	return first == std::string::npos ? "0" : id.substr(first);
}

const char *
RowElement(RegKind k)
{
	switch (k) {
	case RegKind::RegisterPatient:
	case RegKind::UpdatePatient:
	case RegKind::DeletePatient: return "Patient_Information";
	case RegKind::Admit:
	case RegKind::Discharge:
	case RegKind::CancelDischarge: return "Hospital_Stay_Infomation"; /* sic */
	case RegKind::Meals: return "Monthly_Information";
	}
	return "";
}

/* The Exchange of one registration: decodes the answer, keeps header fields
 * (in order) and rows; result codes are judged after the call. */
class RegExchange final : public Exchange, public RowSink {
public:
	RegExchange(WireFormat format, std::string row_element) : format_(format), row_element_(std::move(row_element))
	{
	}
	void Begin() override
	{
		fields_.clear();
		rows_.clear();
		decoder_ = Decoder::Create(WireFormat::Auto, row_element_, *this);
	}
	void OnBody(const char *data, size_t len) override { decoder_->Feed(data, len); }
	void Finish() override { decoder_->Finish(); }
	void OnField(const std::string &path, const std::string &value) override { fields_.emplace_back(path, value); }
	void OnRow(Node &&row) override { rows_.push_back(std::move(row)); }

	std::vector<std::pair<std::string, std::string>> fields_;
	std::vector<Node> rows_;

private:
	WireFormat format_;
	std::string row_element_;
	std::unique_ptr<Decoder> decoder_;
};

const std::string *
FieldValue(const std::vector<std::pair<std::string, std::string>> &fields, const std::string &path)
{
	for (const auto &f : fields)
		if (f.first == path)
			return &f.second;
	return nullptr;
}

/* Judge the answer's result codes. */
void
Evaluate(const Registration &reg, RegExchange &ex, RegResult &res)
{
	const RegKind kind = reg.kind;
	res.fields = std::move(ex.fields_);
	std::vector<std::pair<std::string, std::string>> codes; /* code, message */
	if (IsPatientKind(kind)) {
		if (const std::string *c = FieldValue(res.fields, "Api_Result")) {
			const std::string *m = FieldValue(res.fields, "Api_Result_Message");
			codes.emplace_back(*c, m ? *m : std::string());
		}
	} else {
		for (const auto &f : res.fields) {
			if (f.first == "Api_Results/Api_Result")
				codes.emplace_back(f.second, std::string());
			else if (f.first == "Api_Results/Api_Result_Message" && !codes.empty())
				codes.back().second = f.second;
		}
		if (codes.empty())
			if (const std::string *c = FieldValue(res.fields, "Api_Result")) {
				const std::string *m = FieldValue(res.fields, "Api_Result_Message");
				codes.emplace_back(*c, m ? *m : std::string());
			}
	}
	if (codes.empty()) {
		res.outcome = RegOutcome::Unknown;
		res.error_kind = ErrorKind::Protocol;
		res.error_message = "ORCA response carries no Api_Result";
		res.error_detail = "The " + std::string(RegApiName(kind)) + " answer had no result code.";
		return;
	}
	if (!ex.rows_.empty()) {
		if (kind == RegKind::Meals)
			res.days = std::move(ex.rows_);
		else
			res.row = std::move(ex.rows_.front());
	}
	std::string answered;
	bool has_answered = false;
	if (IsPatientKind(kind)) {
		if (const std::string *id = res.row.StringAt("Patient_ID")) {
			answered = *id;
			has_answered = true;
		}
	} else if (const std::string *id = FieldValue(res.fields, "Patient_Information/Patient_ID")) {
		answered = *id;
		has_answered = true;
	}
	if (has_answered && IsPatientNumber(answered))
		res.answered_id = answered;

	std::string failed_code, failed_message;
	for (const auto &[code, message] : codes) {
		if (IsSuccessCode(code))
			continue;
		/* patientmodv2 puts its first warning (K0–K5) into Api_Result */
		if (IsPatientKind(kind) && code.size() == 2 && code[0] == 'K' && code[1] >= '0' && code[1] <= '9')
			continue;
		if (failed_code.empty()) {
			failed_code = code;
			failed_message = message;
		} else
			failed_message += "; Api_Result " + code + ": " + message;
	}
	res.code = codes.front().first;
	res.message = codes.front().second;
	if (!failed_code.empty()) {
		res.outcome = RegOutcome::Refused;
		res.code = failed_code;
		res.message = failed_message;
		return;
	}
	/* ORCA says it registered: the patient it names must be a patient number
	 * (and the one asked for), else we do not know whom it registered. */
	const std::string api = RegApiName(kind);
	std::string id_problem;
	if (has_answered && res.answered_id.empty())
		id_problem = "The " + api + " answer carries a Patient_ID that is not a patient number (" +
		             std::to_string(answered.size()) + " bytes; ORCA's patient numbers are 1 to " +
		             std::to_string(kMaxPatientIdDigits) + " digits).";
	else if (!has_answered && reg.patient_id == "*")
		id_problem = "The " + api + " answer carries no Patient_ID, so the number ORCA gave the patient is not known.";
	else if (!res.answered_id.empty() && reg.patient_id != "*" && IsPatientNumber(reg.patient_id) &&
	         CanonicalPatientId(res.answered_id) != CanonicalPatientId(reg.patient_id))
		id_problem = "The " + api + " answer names patient " + res.answered_id + ", but the registration was for patient " +
		             reg.patient_id + ".";
	if (!id_problem.empty()) {
		res.answered_id.clear();
		res.outcome = RegOutcome::Unknown;
		res.error_kind = ErrorKind::Protocol;
		res.error_message = "ORCA answered Api_Result " + res.code + " with an unusable Patient_ID";
		res.error_detail = id_problem;
		return;
	}
	res.outcome = RegOutcome::Ok;
	if (IsPatientKind(kind) && res.code.size() == 2 && res.code[0] == 'K') {
		res.outcome = RegOutcome::Warning;
		for (int i = 1; i <= 5; i++)
			if (const std::string *w = FieldValue(res.fields, "Api_Warning_Message" + std::to_string(i)))
				if (!w->empty())
					res.warnings.push_back(res.code + ": " + *w);
		if (res.warnings.empty())
			res.warnings.push_back(res.code + ": " + res.message);
	}
}

void
AddJson(std::string &out, const char *key, const std::string &value)
{
	if (value.empty())
		return;
	out += out.size() > 1 ? "," : "";
	AppendJsonString(out, key);
	out += ':';
	AppendJsonString(out, value);
}

std::string
NowIso()
{
	auto now = std::chrono::system_clock::now();
	std::time_t secs = std::chrono::system_clock::to_time_t(now);
	long ms = static_cast<long>(
	    std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
	std::tm tm{};
	gmtime_r(&secs, &tm);
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
	              tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return buf;
}

/* HINTs for registration result codes we know the fix for. */
std::string
RegistrationHint(RegKind kind, const std::string &code)
{
	if (IsPatientKind(kind)) {
		if (code == "10")
			return "No patient with this patient_id exists in ORCA.";
		if (code == "11" || code == "18" || code == "40")
			return "ORCA cannot number this patient automatically; give patient_id explicitly.";
		if (code == "13" || code == "43")
			return "A patient with this patient_id exists already; leave patient_id NULL to let ORCA number "
			       "the new patient.";
		if (code == "14")
			return "Write whole_name in full-width (全角) characters.";
		if (code == "15")
			return "Write whole_name_in_kana in full-width katakana (全角カナ).";
		if (code == "16")
			return "Use sex '1' (male) or '2' (female).";
		if (code == "50")
			return "ORCA matches an update by patient_id, sex and birth_date (names may change), or by patient_id "
			       "and both names when sex or birth_date change; the patient changed in ORCA since it was read.";
		if (code == "81")
			return "ORCA deletes a patient only when patient_id, whole_name, sex and birth_date all match; the "
			       "patient changed in ORCA since it was read.";
		if (code == "82")
			return "ORCA deletes only patients without other data (visits, diseases, admissions); keep the "
			       "patient, or remove that data in ORCA first.";
		if (code == "P1")
			return "Check birth_date and the patient's basic data.";
	} else {
		if (code == "0004" || code == "0003")
			return "No patient with this patient_id exists in ORCA.";
		if (code == "0018")
			return "Use a ward_number listed in the wards table.";
		if (code == "0020")
			return "Use a room_number of that ward, as listed in the rooms table.";
		if (code == "0002")
			return "Use a department_code listed in the departments table.";
		if (code == "0025" || code == "0026")
			return "Use up to three doctor codes listed in the doctors table.";
		if (code == "0028")
			return "The patient is admitted already; discharge the current stay first (UPDATE ... SET "
			       "discharge_date).";
		if (code == "0039" || code == "0043" || code == "0029")
			return "The admission_date overlaps or touches the previous stay; check the previous discharge_date.";
		if (code == "8005" || code == "8010" || code == "0051")
			return "No admission of this patient matches admission_date; read the admissions table again.";
		if (code == "8006")
			return "ORCA changes only the latest admission of a patient.";
		if (code == "0052")
			return "The stay is discharged already.";
		if (code == "0053")
			return "discharge_date must not be before admission_date.";
		if (code == "0076")
			return "ORCA has no inpatient account for that month; it creates them automatically only from the "
			       "current month to three months ahead.";
		if (code == "0138")
			return "Every day must lie within the admission.";
	}
	return HintForApiResult(code);
}

} // namespace

/* ---- names ------------------------------------------------------------------- */

const char *
RegApiName(RegKind k)
{
	switch (k) {
	case RegKind::RegisterPatient:
	case RegKind::UpdatePatient:
	case RegKind::DeletePatient: return "patientmodv2";
	case RegKind::Admit:
	case RegKind::Discharge:
	case RegKind::CancelDischarge: return "hsptinfmodv2";
	case RegKind::Meals: return "hsacctmodv2";
	}
	return "";
}

const char *
RegApiPath(RegKind k)
{
	switch (k) {
	case RegKind::RegisterPatient:
	case RegKind::UpdatePatient:
	case RegKind::DeletePatient: return "/orca12/patientmodv2";
	case RegKind::Admit:
	case RegKind::Discharge:
	case RegKind::CancelDischarge: return "/orca31/hsptinfmodv2";
	case RegKind::Meals: return "/orca31/hsacctmodv2";
	}
	return "";
}

const char *
RegSelector(RegKind k)
{
	switch (k) {
	case RegKind::RegisterPatient: return "class=01";
	case RegKind::UpdatePatient: return "class=02";
	case RegKind::DeletePatient: return "class=03";
	case RegKind::Admit: return "Request_Number 01";
	case RegKind::Discharge: return "Request_Number 02";
	case RegKind::CancelDischarge: return "Request_Number 07";
	case RegKind::Meals: return "Request_Number 4";
	}
	return "";
}

const char *
RegKindName(RegKind k)
{
	switch (k) {
	case RegKind::RegisterPatient: return "register_patient";
	case RegKind::UpdatePatient: return "update_patient";
	case RegKind::DeletePatient: return "delete_patient";
	case RegKind::Admit: return "admit";
	case RegKind::Discharge: return "discharge";
	case RegKind::CancelDischarge: return "cancel_discharge";
	case RegKind::Meals: return "meals";
	}
	return "";
}

std::string
RegCallText(RegKind k)
{
	std::string out = std::string("POST ") + RegApiPath(k);
	if (IsPatientKind(k))
		out += std::string("?") + RegSelector(k);
	else
		out += std::string(" ") + RegSelector(k);
	return out;
}

const char *
RegOutcomeName(RegOutcome o)
{
	switch (o) {
	case RegOutcome::Ok: return "ok";
	case RegOutcome::Warning: return "warning";
	case RegOutcome::Refused: return "error";
	case RegOutcome::NotSent: return "not_sent";
	case RegOutcome::Unknown: return "unknown";
	}
	return "unknown";
}

std::string
Registration::Describe(const std::string &answered_id) const
{
	const std::string id = answered_id.empty() ? patient_id : answered_id;
	std::string out = std::string(RegApiName(kind)) + " " + RegSelector(kind);
	switch (kind) {
	case RegKind::RegisterPatient:
	case RegKind::UpdatePatient:
	case RegKind::DeletePatient: out += " for patient " + id; break;
	case RegKind::Admit: out += " (admission) for patient " + id + ", admission_date " + admission_date; break;
	case RegKind::Discharge:
		out += " (discharge) for patient " + id + ", admission_date " + admission_date + ", discharge_date " +
		       other_date;
		break;
	case RegKind::CancelDischarge:
		out += " (discharge cancel) for patient " + id + ", admission_date " + admission_date;
		break;
	case RegKind::Meals:
		out += " (meals) for patient " + id + ", admission_date " + admission_date + ", days " + other_date + " " +
		       meal_dates;
		break;
	}
	return out;
}

/* ---- builders ------------------------------------------------------------------ */

Registration
BuildPatientInsert(const ResourceDef &r, const RowImage &image, const std::string &today, const std::string &table)
{
	Row row(r, image, table);
	const std::string why = "ORCA needs whole_name, whole_name_in_kana, birth_date and sex to register a patient.";
	std::string name = Trim(row.Required("whole_name", why));
	std::string kana = Trim(row.Required("whole_name_in_kana", why));
	const std::string &birth = row.Required("birth_date", why);
	std::string sex = Trim(row.Required("sex", why));
	row.RefuseReadOnly(PatientWritable, "patientmodv2", "INSERT");
	if (name.empty())
		throw BadValue("whole_name", table, "whole_name is empty.", "Give the patient's name.");
	if (kana.empty())
		throw BadValue("whole_name_in_kana", table, "whole_name_in_kana is empty.", "Give the name's reading.");
	CheckKanjiName(name, table);
	CheckKanaName(kana, table);
	CheckBirthDate(birth, today, table);
	CheckSex(sex, table);

	Registration reg;
	reg.kind = RegKind::RegisterPatient;
	reg.record_name = "patientmodreq";
	const std::string *id = row.Text("patient_id");
	reg.patient_id = id && !Trim(*id).empty() ? Trim(*id) : "*";
	SetString(reg.record, "Patient_ID", reg.patient_id);
	SetString(reg.record, "WholeName", name);
	SetString(reg.record, "WholeName_inKana", kana);
	SetString(reg.record, "BirthDate", birth);
	SetString(reg.record, "Sex", sex);
	AddPatientDetails(reg.record, row, nullptr);
	CheckRequestText(reg, row);
	return reg;
}

bool
PatientUpdateNeedsCurrent(const ResourceDef &r, const RowImage &image)
{
	static const std::string none;
	Row row(r, image, none);
	for (const PatientField &f : kPatientFields)
		if (!row.Present(f.column))
			return true;
	return false;
}

Registration
BuildPatientUpdate(const ResourceDef &r, const RowImage &new_image, const RowImage &old_image, const Node *current,
                   const std::string &today, const std::string &table)
{
	Row now(r, new_image, table), before(r, old_image, table);
	const std::string why_old = "ORCA identifies the patient to update by patient_id with sex and birth_date, or "
	                            "with both names.";
	const std::string &id = before.Required("patient_id", why_old);
	auto old_text = [&](const char *c) { return Trim(before.Required(c, why_old)); };
	const std::string why = "patientmodv2 class=02 rewrites the patient's names, sex and birth date.";
	std::string name = Trim(now.Required("whole_name", why));
	std::string kana = Trim(now.Required("whole_name_in_kana", why));
	std::string birth = now.Required("birth_date", why);
	std::string sex = Trim(now.Required("sex", why));
	CheckKanjiName(name, table);
	CheckKanaName(kana, table);
	CheckBirthDate(birth, today, table);
	CheckSex(sex, table);

	bool names_change = name != old_text("whole_name") || kana != old_text("whole_name_in_kana");
	bool basics_change = sex != old_text("sex") || birth != old_text("birth_date");
	if (names_change && basics_change)
		throw Error(ErrorKind::InvalidValue,
		            "cannot change the names and the sex or birth date of a patient in one update",
		            "ORCA finds the patient to update either by patient_id, sex and birth_date (Mod_Key 1) or by "
		            "patient_id and both names (Mod_Key 2), so one of the two pairs must stay unchanged.",
		            "Update the names and the sex or birth date in two UPDATE statements.");

	Registration reg;
	reg.kind = RegKind::UpdatePatient;
	reg.record_name = "patientmodreq";
	reg.patient_id = id;
	SetString(reg.record, "Mod_Key", basics_change ? "2" : "1");
	SetString(reg.record, "Patient_ID", id);
	SetString(reg.record, "WholeName", name);
	SetString(reg.record, "WholeName_inKana", kana);
	SetString(reg.record, "BirthDate", birth);
	SetString(reg.record, "Sex", sex);
	AddPatientDetails(reg.record, now, current);
	CheckRequestText(reg, now);
	return reg;
}

Registration
BuildPatientDelete(const ResourceDef &r, const RowImage &old_image, const std::string &table)
{
	Row before(r, old_image, table);
	const std::string why = "ORCA deletes a patient only when patient_id, whole_name, sex and birth_date match.";
	Registration reg;
	reg.kind = RegKind::DeletePatient;
	reg.record_name = "patientmodreq";
	reg.patient_id = before.Required("patient_id", why);
	SetString(reg.record, "Patient_ID", reg.patient_id);
	SetString(reg.record, "WholeName", Trim(before.Required("whole_name", why)));
	if (const std::string *kana = before.Text("whole_name_in_kana"))
		SetString(reg.record, "WholeName_inKana", Trim(*kana));
	SetString(reg.record, "BirthDate", before.Required("birth_date", why));
	SetString(reg.record, "Sex", Trim(before.Required("sex", why)));
	CheckRequestText(reg, before);
	return reg;
}

Registration
BuildAdmission(const ResourceDef &r, const RowImage &image, const std::string &table)
{
	Row row(r, image, table);
	const std::string why =
	    "ORCA needs patient_id, admission_date, ward_number, room_number and department_code to admit a patient.";
	Registration reg;
	reg.kind = RegKind::Admit;
	reg.record_name = "private_objects";
	reg.patient_id = Trim(row.Required("patient_id", why));
	reg.admission_date = row.Required("admission_date", why);
	std::string ward = Trim(row.Required("ward_number", why));
	std::string room = Trim(row.Required("room_number", why));
	std::string department = Trim(row.Required("department_code", why));
	row.RefuseReadOnly([](const std::string &c) { return In(kAdmissionWritable, c); }, "hsptinfmodv2", "INSERT");
	if (row.Text("discharge_date"))
		throw Error(ErrorKind::InvalidValue,
		            "column \"discharge_date\" of foreign table " + Quote(table) + " cannot be set by an INSERT",
		            "An INSERT admits the patient (hsptinfmodv2 Request_Number 01); the discharge is a separate "
		            "registration.",
		            "INSERT the admission with discharge_date NULL, then UPDATE ... SET discharge_date = ... to "
		            "discharge.");

	SetString(reg.record, "Request_Number", "01");
	SetString(reg.record, "Patient_ID", reg.patient_id);
	SetString(reg.record, "Admission_Date", reg.admission_date);
	SetString(reg.record, "Ward_Number", ward);
	SetString(reg.record, "Room_Number", room);
	if (const std::string *charge = row.Text("room_charge"))
		SetString(reg.record, "Room_Charge", Trim(*charge));
	SetString(reg.record, "Department_Code", department);
	if (const std::string *first = row.Text("first_admission_date"); first && *first != reg.admission_date)
		SetString(reg.record, "Last_Admission_Date", *first);
	if (const ColumnValue *doctor = row.Get("doctor"); doctor && !doctor->isnull) {
		/* jsonb: ["10001", ...] or [{"Data": "10001", ...}, ...] as SELECT shows it */
		Node codes = Node::MakeArray();
		for (const auto &[path, text] : doctor->json) {
			bool item = path.size() > 2 && path[0] == '[' && path.back() == ']' && path.find('/') == std::string::npos;
			bool data = path.size() > 5 && path[0] == '[' && path.compare(path.size() - 5, 5, "/Data") == 0 &&
			            std::count(path.begin(), path.end(), '/') == 1;
			if ((item || data) && !Trim(text).empty())
				codes.children.emplace_back("", Node::MakeString(Trim(text)));
		}
		if (codes.children.empty() && !doctor->json.empty())
			throw BadValue("doctor", table, "doctor must be a JSON array of doctor codes.",
			               "Use e.g. '[\"10001\"]' or '[{\"Data\": \"10001\"}]'.");
		if (codes.children.size() > 3)
			throw BadValue("doctor", table, "ORCA takes at most three doctors in charge.", "Give one to three codes.");
		if (!codes.children.empty())
			SetPath(reg.record, "Doctor_Code", std::move(codes));
	}
	if (const std::string *combination = row.Text("insurance_combination_number"))
		SetString(reg.record, "HealthInsurance_Information/Insurance_Combination_Number", Trim(*combination));
	if (const std::string *charge = row.Text("hospital_charge_code"))
		SetString(reg.record, "Hospital_Charge", Trim(*charge));
	CheckRequestText(reg, row);
	return reg;
}

bool
BuildAdmissionUpdate(const ResourceDef &r, const RowImage &new_image, const RowImage &old_image,
                     const std::string &table, Registration *out)
{
	Row now(r, new_image, table), before(r, old_image, table);
	const std::string why = "ORCA identifies the stay by patient_id and admission_date.";
	const std::string &id = before.Required("patient_id", why);
	const std::string &admission = before.Required("admission_date", why);
	if (!before.Present("discharge_date"))
		before.Required("discharge_date", "A discharge changes discharge_date.");
	const std::string *old_discharge = before.Text("discharge_date");
	const std::string *new_discharge = now.Text("discharge_date");
	const std::string *reason = now.Text("discharge_reason_code");
	const std::string *old_reason = before.Text("discharge_reason_code");
	bool reason_changed = (reason == nullptr) != (old_reason == nullptr) || (reason && *reason != *old_reason);

	Registration reg;
	reg.record_name = "private_objects";
	reg.patient_id = id;
	reg.admission_date = admission;
	if (!old_discharge && new_discharge) {
		reg.kind = RegKind::Discharge;
		reg.other_date = *new_discharge;
		SetString(reg.record, "Request_Number", "02");
		SetString(reg.record, "Patient_ID", id);
		SetString(reg.record, "Admission_Date", admission);
		SetString(reg.record, "Discharge_Date", *new_discharge);
		if (reason)
			SetString(reg.record, "Discharge_Reason", Trim(*reason));
	} else if (old_discharge && !new_discharge) {
		reg.kind = RegKind::CancelDischarge;
		SetString(reg.record, "Request_Number", "07");
		SetString(reg.record, "Patient_ID", id);
		SetString(reg.record, "Admission_Date", admission);
	} else if (old_discharge && new_discharge && *old_discharge != *new_discharge) {
		throw Error(ErrorKind::Unsupported, "cannot change the discharge_date of a discharged stay",
		            "ORCA changes a discharge only by cancelling it (hsptinfmodv2 Request_Number 07) and "
		            "registering it again (02).",
		            "Run UPDATE ... SET discharge_date = NULL (discharge cancel), then UPDATE ... SET discharge_date "
		            "= the new date.");
	} else if (reason_changed) {
		throw Error(ErrorKind::Unsupported, "cannot change discharge_reason_code without a discharge",
		            "ORCA takes the discharge reason only with the discharge (hsptinfmodv2 Request_Number 02).",
		            "Set discharge_reason_code in the UPDATE that sets discharge_date.");
	} else
		return false;
	CheckRequestText(reg, now);
	*out = std::move(reg);
	return true;
}

MealRow
CheckMealRow(const ResourceDef &r, const RowImage &image, const std::string &table)
{
	Row row(r, image, table);
	const std::string why = "ORCA registers meals per patient and day (hsacctmodv2 Request_Number 4).";
	MealRow m;
	m.patient_id = Trim(row.Required("patient_id", why));
	RefuseUnsendable(m.patient_id, "patient_id", table);
	m.perform_date = row.Required("perform_date", why);
	row.RefuseReadOnly([](const std::string &c) { return In(kMealWritable, c); }, "hsacctmodv2", "INSERT");
	bool any = false;
	for (int i = 0; i < 3; i++) {
		const std::string *v = row.Text(kMealColumns[i]);
		if (!v)
			continue;
		std::string code = Trim(*v);
		if (code.size() == 2 && code[0] == '0')
			code = code.substr(1);
		if (code.size() != 1 || code[0] < '0' || code[0] > '3')
			throw BadValue(kMealColumns[i], table,
			               "Meal codes are 00 (no meal), 01 (meal), 02 (special diet) and 03 (liquid diet).",
			               "Use '00', '01', '02' or '03'; NULL leaves that meal unchanged.");
		m.code[i] = code;
		any = true;
	}
	if (!any)
		throw Error(ErrorKind::InvalidValue,
		            "morning_meal, lunch_meal and evening_meal of foreign table " + Quote(table) + " are all null",
		            "A meals row registers at least one meal of the day.",
		            "Give morning_meal, lunch_meal or evening_meal a code ('00'–'03').");
	long d;
	if (!ParseDate(m.perform_date, &d))
		throw BadValue("perform_date", table, "perform_date is not a calendar date.", "");
	return m;
}

std::string
AdmissionLookup::Find(const std::string &patient_id, const std::string &day, const CancelToken &cancel)
{
	auto it = stays_.find(patient_id);
	if (it == stays_.end()) {
		ApiCall call(Source::InpatientInfo, WireFormat::Xml, "Hospital_Stay_Infomation",
		             ResultRules{{"02"}, {}, {}, false});
		Node req = Node::MakeRecord();
		req.children.emplace_back("Patient_ID", Node::MakeString(patient_id));
		HttpRequest http = call.MakeRequest("POST", "", "private_objects", &req, true);
		calls_++;
		Ticket t = client_.Submit(std::move(http), &call);
		try {
			client_.Wait(t, cancel);
		} catch (...) {
			client_.Abandon(t);
			throw;
		}
		std::vector<Stay> stays;
		for (const Node &stay : call.Rows()) {
			const std::string *adm = stay.StringAt("Admission_Date");
			const std::string *dis = stay.StringAt("Discharge_Date");
			long from, to;
			if (!adm || !ParseDate(*adm, &from))
				continue;
			if (!dis || dis->empty() || *dis == kOpenEnd || !ParseDate(*dis, &to))
				to = 1L << 40;
			stays.push_back(Stay{from, to, *adm});
		}
		it = stays_.emplace(patient_id, std::move(stays)).first;
	}
	long d;
	ParseDate(day, &d);
	const Stay *best = nullptr;
	for (const Stay &s : it->second)
		if (s.from <= d && d <= s.to && (!best || s.from > best->from))
			best = &s;
	if (!best)
		throw Error(ErrorKind::InvalidValue,
		            "no admission of patient " + patient_id + " covers perform_date " + day,
		            "ORCA registers meals only for days of an admission; hsptinfv2 lists no stay of patient " +
		                patient_id + " that includes " + day + ".",
		            "Register the admission first, or check patient_id and perform_date.");
	return best->admission;
}

std::vector<Registration>
BuildMealCalls(const std::vector<MealRow> &rows)
{
	struct Group {
		std::string patient_id, admission, month;
		std::map<int, std::array<std::string, 3>> days; /* day of month → codes (last row wins) */
		std::vector<int> rows;
	};
	std::vector<Group> groups;
	for (size_t i = 0; i < rows.size(); i++) {
		const MealRow &m = rows[i];
		long d;
		if (!ParseDate(m.perform_date, &d))
			throw Error(ErrorKind::Internal, "meal row without a valid perform_date");
		std::string month = FormatMonth(d);
		int dom = static_cast<int>(d - FirstDayOfMonth(d)) + 1;
		Group *g = nullptr;
		for (Group &x : groups)
			if (x.patient_id == m.patient_id && x.admission == m.admission_date && x.month == month)
				g = &x;
		if (!g) {
			groups.push_back(Group{m.patient_id, m.admission_date, month, {}, {}});
			g = &groups.back();
		}
		g->rows.push_back(static_cast<int>(i));
		for (int slot = 0; slot < 3; slot++)
			if (!m.code[slot].empty())
				g->days[dom][slot] = m.code[slot];
	}
	std::vector<Registration> calls;
	for (const Group &g : groups) {
		/* per meal time: Meal_Type → days */
		std::map<std::string, std::vector<int>> by_type[3];
		for (const auto &[dom, codes] : g.days)
			for (int slot = 0; slot < 3; slot++)
				if (!codes[slot].empty())
					by_type[slot][codes[slot]].push_back(dom);
		size_t ncalls = 0;
		for (auto &t : by_type)
			ncalls = std::max(ncalls, t.size());
		std::vector<std::map<std::string, std::vector<int>>::const_iterator> next;
		for (auto &t : by_type)
			next.push_back(t.begin());
		for (size_t k = 0; k < ncalls; k++) {
			Registration reg;
			reg.kind = RegKind::Meals;
			reg.record_name = "private_objects";
			reg.patient_id = g.patient_id;
			reg.admission_date = g.admission;
			reg.other_date = g.month;
			reg.rows = g.rows;
			Node items = Node::MakeArray();
			std::vector<int> all_days;
			for (int slot = 0; slot < 3; slot++) {
				if (next[slot] == by_type[slot].end())
					continue;
				const auto &[type, days] = *next[slot];
				++next[slot];
				std::string dates = DaysText(days);
				if (dates.size() > 100)
					throw Error(ErrorKind::Internal, "Meal_Dates longer than 100 characters");
				Node item = Node::MakeRecord();
				item.children.emplace_back("Meal_Time", Node::MakeString("0" + std::to_string(slot + 1)));
				item.children.emplace_back("Meal_Type", Node::MakeString(type));
				item.children.emplace_back("Meal_Dates", Node::MakeString(dates));
				items.children.emplace_back("", std::move(item));
				all_days.insert(all_days.end(), days.begin(), days.end());
			}
			int first = *std::min_element(all_days.begin(), all_days.end());
			char perform[16];
			std::snprintf(perform, sizeof(perform), "%s-%02d", g.month.c_str(), first);
			reg.meal_dates = DaysText(all_days);
			SetString(reg.record, "Request_Number", "4"); /* one character for hsacctmodv2 */
			SetString(reg.record, "Patient_ID", g.patient_id);
			SetString(reg.record, "Admission_Date", g.admission);
			SetString(reg.record, "Perform_Date", perform);
			SetPath(reg.record, "Meal_Information", std::move(items));
			calls.push_back(std::move(reg));
		}
	}
	return calls;
}

/* ---- sending ------------------------------------------------------------------ */

RegResult
Execute(HttpClient &client, const Registration &reg, const CancelToken &cancel) noexcept
{
	RegResult res;
	bool submitted = false;
	Ticket ticket = 0;
	std::unique_ptr<RegExchange> ex;
	try {
		WireFormat format = IsPatientKind(reg.kind) ? client.Config().format : WireFormat::Xml;
		if (format != WireFormat::Json)
			format = WireFormat::Xml; /* the inpatient APIs: xml2 only */
		ex = std::make_unique<RegExchange>(format, RowElement(reg.kind));
		HttpRequest req;
		req.method = "POST";
		req.path = RegApiPath(reg.kind);
		if (IsPatientKind(reg.kind))
			req.query = RegSelector(reg.kind);
		std::string label = "POST " + req.path + (req.query.empty() ? "" : "?" + req.query);
		if (format == WireFormat::Json)
			req.query += std::string(req.query.empty() ? "" : "&") + "format=json";
		req.body = EncodeRequest(format, reg.record_name, reg.record);
		req.content_type = format == WireFormat::Json ? "application/json; charset=UTF-8"
		                                              : "application/xml; charset=UTF-8";
		req.retry_safe = false; /* a registration is never sent twice */
		req.label = label;
		ticket = client.Submit(std::move(req), ex.get());
		submitted = true;
		client.Wait(ticket, cancel);
		Evaluate(reg, *ex, res);
	} catch (const Error &e) {
		if (submitted)
			client.Abandon(ticket);
		res.error_kind = e.kind;
		res.error_message = e.message;
		res.error_detail = e.detail;
		res.error_hint = e.hint;
		res.cancelled = e.kind == ErrorKind::Cancelled;
		/* "Not sent" only from facts (nothing submitted, or the transport's
		 * count of written request bytes / the unfinished TLS handshake),
		 * never from an error's wording: otherwise it may have been received. */
		if (!submitted || e.nothing_sent)
			res.outcome = RegOutcome::NotSent;
		else if (e.kind == ErrorKind::Auth || e.kind == ErrorKind::NotFound)
			res.outcome = RegOutcome::Refused; /* HTTP 401/404: ORCA did not process it */
		else
			res.outcome = RegOutcome::Unknown;
	} catch (const std::exception &e) {
		if (submitted)
			client.Abandon(ticket);
		res.error_kind = ErrorKind::Internal;
		res.error_message = "internal error in orca_fdw";
		res.error_detail = e.what();
		res.outcome = submitted ? RegOutcome::Unknown : RegOutcome::NotSent;
	} catch (...) {
		if (submitted)
			client.Abandon(ticket);
		res.error_kind = ErrorKind::Internal;
		res.error_message = "internal error in orca_fdw";
		res.outcome = submitted ? RegOutcome::Unknown : RegOutcome::NotSent;
	}
	return res;
}

Error
FailureError(const Registration &reg, const RegResult &res, const std::string &before, const std::string &not_sent)
{
	const std::string api = RegApiName(reg.kind);
	const std::string what = reg.Describe(res.answered_id);
	std::string detail, hint;
	ErrorKind kind = res.error_kind;
	std::string message;
	switch (res.outcome) {
	case RegOutcome::Refused:
		if (!res.code.empty()) {
			kind = ErrorKind::ApiResult;
			message = "ORCA " + api + " call failed";
			detail = "Api_Result " + res.code + ": " + res.message;
			hint = RegistrationHint(reg.kind, res.code);
		} else {
			message = res.error_message;
			detail = res.error_detail;
			hint = res.error_hint;
		}
		detail += "\nNot registered: " + what + ".";
		break;
	case RegOutcome::NotSent:
		if (res.cancelled) {
			message = "ORCA " + api + " call was canceled before it was sent";
			detail = "The wait was canceled (query cancel, statement_timeout or the COMMIT's deadline) before any "
			         "byte of the request was written.";
		} else {
			message = res.error_message;
			detail = res.error_detail;
			hint = res.error_hint;
		}
		detail += "\nNot sent: " + what + ".";
		break;
	default:
		message = "outcome of ORCA " + api + " call is unknown";
		if (res.cancelled)
			detail = "The wait for ORCA's answer was canceled (query cancel, statement_timeout or the COMMIT's "
			         "deadline).";
		else
			detail = res.error_message + (res.error_detail.empty() ? "" : ": " + res.error_detail);
		detail += "\nMay have been registered (it was not resent): " + what + ".";
		hint = "Check in ORCA whether it was registered before repeating it; orca_fdw_audit() records the attempt.";
		break;
	}
	if (!before.empty())
		detail += "\nRegistered earlier in this transaction, and kept by ORCA: " + before + ".";
	if (!not_sent.empty())
		detail += "\nNot sent: " + not_sent + ".";
	Error e(kind, message, detail, hint);
	if (kind == ErrorKind::ApiResult)
		e.api_result = res.code;
	return e;
}

Node
FetchPatient(HttpClient &client, const std::string &patient_id, const CancelToken &cancel)
{
	ApiCall call(Source::PatientGet, client.Config().format == WireFormat::Json ? WireFormat::Json : WireFormat::Xml,
	             "Patient_Information", ResultRules{});
	HttpRequest http = call.MakeRequest("GET", "id=" + patient_id, "", nullptr, true);
	Ticket t = client.Submit(std::move(http), &call);
	try {
		client.Wait(t, cancel);
	} catch (...) {
		client.Abandon(t);
		throw;
	}
	if (call.Rows().empty())
		throw Error(ErrorKind::Protocol, "ORCA patientgetv2 answer has no Patient_Information",
		            "Patient " + patient_id + " could not be read before the update.");
	return std::move(call.Rows().front());
}

std::vector<AnswerValue>
AnswerValues(const ResourceDef &r, const Registration &reg, const RegResult &res, const std::string &perform_date)
{
	std::vector<AnswerValue> out(r.columns.size());
	Source source;
	const Node *row = &res.row;
	switch (reg.kind) {
	case RegKind::RegisterPatient:
	case RegKind::UpdatePatient: source = Source::PatientGet; break;
	case RegKind::Admit: source = Source::InpatientInfo; break;
	case RegKind::Meals:
		source = Source::InpatientMeal;
		row = nullptr;
		for (const Node &day : res.days)
			if (const std::string *d = day.StringAt("Perform_Date"); d && *d == perform_date)
				row = &day;
		break;
	default: return out;
	}
	for (size_t c = 0; c < r.columns.size(); c++) {
		const ColumnDef &col = r.columns[c];
		AnswerValue &v = out[c];
		if (col.name == "patient_id") {
			if (!res.answered_id.empty()) {
				v.present = true;
				v.isnull = false;
				v.text = res.answered_id;
			}
			continue;
		}
		const std::string *path = col.PathIn(source);
		if (!path || !row)
			continue;
		const Node *node = row->FindPath(*path);
		if (!node && path->rfind("Patient_Information/", 0) == 0)
			if (const std::string *f = FieldValue(res.fields, *path)) {
				v.present = true;
				v.isnull = f->empty();
				v.text = *f;
				continue;
			}
		if (!node) {
			/* patientmodv2 echoes these elements; omitted = empty */
			if (source == Source::PatientGet) {
				std::string top = path->substr(0, path->find('/'));
				if (In(kPatientEcho, top)) {
					v.present = true;
					v.isnull = true;
				}
			}
			continue;
		}
		v.present = true;
		if (col.type == ColumnType::Jsonb) {
			v.isnull = node->Empty();
			v.text = NodeToJson(*node);
			continue;
		}
		if (node->type != Node::Type::String)
			continue;
		std::string text = node->value;
		if (col.type == ColumnType::Integer)
			text = Trim(text);
		if (text.empty() || (col.type == ColumnType::Date && text == kOpenEnd))
			continue; /* NULL */
		v.isnull = false;
		v.text = text;
	}
	return out;
}

/* ---- audit ------------------------------------------------------------------------ */

std::string
AuditLine(const AuditContext &ctx, const Registration &reg, const RegResult *res)
{
	std::string out = "{";
	AddJson(out, "ts", NowIso());
	AddJson(out, "event", res ? "result" : "sent");
	AddJson(out, "attempt", ctx.attempt);
	AddJson(out, "database", ctx.database);
	AddJson(out, "user", ctx.user);
	AddJson(out, "server", ctx.server);
	AddJson(out, "table", ctx.table);
	AddJson(out, "mode", ctx.mode);
	AddJson(out, "api", RegApiName(reg.kind));
	AddJson(out, "request", RegSelector(reg.kind));
	AddJson(out, "kind", RegKindName(reg.kind));
	AddJson(out, "patient_id", res && !res->answered_id.empty() ? res->answered_id : reg.patient_id);
	AddJson(out, "admission_date", reg.admission_date);
	if (reg.kind == RegKind::Discharge)
		AddJson(out, "discharge_date", reg.other_date);
	if (reg.kind == RegKind::Meals)
		AddJson(out, "meal_month", reg.other_date);
	AddJson(out, "meal_dates", reg.meal_dates);
	if (res) {
		AddJson(out, "outcome", RegOutcomeName(res->outcome));
		AddJson(out, "api_result", res->code);
		std::string message = res->message;
		for (const std::string &w : res->warnings)
			message += (message.empty() ? "" : "; ") + w;
		AddJson(out, "message", message);
		/* what went wrong, unless ORCA's code and message say it */
		if (!res->Registered() && (res->code.empty() || res->outcome != RegOutcome::Refused))
			AddJson(out, "error", res->error_message);
	} else
		AddJson(out, "outcome", "sent");
	out += "}\n";
	return out;
}

size_t
Ledger::Unreported(int min_level) const
{
	size_t n = 0;
	for (const Entry &e : entries_)
		n += !e.reported && e.level >= min_level ? 1 : 0;
	return n;
}

std::string
Ledger::Text(bool only_unreported, int min_level)
{
	std::string out;
	for (Entry &e : entries_) {
		if (only_unreported && (e.reported || e.level < min_level))
			continue;
		out += (out.empty() ? "" : "; ") + e.text;
		e.reported = true;
	}
	return out;
}

void
Ledger::SubCommit(int level)
{
	for (Entry &e : entries_)
		if (e.level >= level)
			e.level = level - 1;
}

/* ---- plan-time rules --------------------------------------------------------------- */

std::vector<std::string>
OldRowColumns(const ResourceDef &r)
{
	if (r.name == "patients")
		return {"patient_id", "whole_name", "whole_name_in_kana", "birth_date", "sex"};
	if (r.name == "admissions")
		return {"patient_id", "admission_date", "discharge_date", "discharge_reason_code"};
	return {};
}

std::string
TargetKey(const ResourceDef &r, const RowImage &oldrow)
{
	static const std::string none;
	Row row(r, oldrow, none);
	const std::string *id = row.Text("patient_id");
	if (!id)
		return "";
	std::string key = CanonicalPatientId(Trim(*id));
	if (r.name == "admissions") {
		const std::string *admission = row.Text("admission_date");
		if (!admission)
			return "";
		key += "/" + *admission;
	}
	return key;
}

std::string
UpdateRefusal(const ResourceDef &r, int col)
{
	if (col < 0 || static_cast<size_t>(col) >= r.columns.size())
		return "The column does not map to an ORCA field.";
	const std::string &name = r.columns[col].name;
	if (r.name == "patients") {
		if (name == "patient_id")
			return "ORCA identifies the patient by patient_id; it cannot be changed.";
		if (!PatientWritable(name))
			return "ORCA maintains " + name + " itself; patientmodv2 does not take it.";
		return {};
	}
	if (r.name == "admissions") {
		if (name == "discharge_date" || name == "discharge_reason_code")
			return {};
		return "Only discharge_date and discharge_reason_code can be updated: setting discharge_date discharges "
		       "the patient (hsptinfmodv2 Request_Number 02), setting it to NULL cancels the discharge (07).";
	}
	return "Resource " + r.name + " cannot be updated.";
}

} // namespace orca_fdw::core
