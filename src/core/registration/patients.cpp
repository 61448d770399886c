/*
 * patients.cpp — patient registrations (patientmodv2 class=01/02/03): the
 * request fields, ORCA's own values, the builders, and the patientgetv2
 * read an update or delete may need first (see builders.hpp).
 *
 * The mapping from table columns to request elements is kept here (not in
 * the read catalog): patientmodv2 takes fewer fields than patientgetv2
 * returns.
 */
#include "core/registration/builders.hpp"
#include "core/registration/internal.hpp"

#include "core/orca_api.hpp"
#include "core/scan.hpp"

#include <optional>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

using namespace registration_detail;

namespace {

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

const PatientField *
FindPatientField(const std::string &column)
{
	for (const PatientField &f : kPatientFields)
		if (column == f.column)
			return &f;
	return nullptr;
}

/* ---- ORCA's own values (builders.hpp) ----------------------------------------- */

/* A field's value for comparing the row's value with ORCA's: with
 * trim_values as SELECT shows it (spaces around aside: ORCA's fields drop
 * or convert half-width spaces), without it exactly; empty and NULL alike. */
std::optional<std::string>
Comparable(const std::string *value, bool trim_values)
{
	if (!value)
		return std::nullopt;
	std::string text = trim_values ? Trim(*value) : *value;
	if (trim_values && !ColumnText(ColumnType::Text, text, true))
		return std::nullopt;
	if (text.empty())
		return std::nullopt;
	return text;
}

bool
SameValue(const std::string *a, const std::string *b, bool trim_values)
{
	return Comparable(a, trim_values) == Comparable(b, trim_values);
}

/* ORCA's value of a field: `known` when patientgetv2's record was read or
 * the old row has the column (its values are then ORCA's own); `text`
 * nullptr when ORCA holds none. */
struct OrcaValue {
	bool known = false;
	const std::string *text = nullptr;
};

OrcaValue
OrcaValueOf(const char *column, const Node *current, const Row *before)
{
	const PatientField *f = FindPatientField(column);
	if (current && f)
		return OrcaValue{true, current->StringAt(f->path)};
	if (before && before->Present(column))
		return OrcaValue{true, before->Text(column)};
	return OrcaValue{};
}

/* What to send for a field whose row value is `user` (nullptr: NULL):
 * ORCA's own value when the two are the same as SELECT shows them, else
 * `otherwise` (the user's value as the builders send it). */
const std::string *
SendValue(const std::string *user, const std::string *otherwise, const OrcaValue &orca, bool trim_values)
{
	if (orca.known && SameValue(user, orca.text, trim_values))
		return orca.text;
	return otherwise;
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
 * from the row when it has the column (ORCA's own value when the row's
 * equals it), else from ORCA's current record. */
void
AddPatientDetails(Node &record, const Row &row, const Node *current, bool trim_values)
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
			const std::string *user = v->isnull ? nullptr : &v->text;
			const std::string *send = user;
			if (current)
				send = SendValue(user, user, OrcaValue{true, current->StringAt(f.path)}, trim_values);
			if (send && !send->empty())
				SetString(record, f.path, *send);
		} else if (current) {
			const std::string *s = current->StringAt(f.path);
			if (s && !s->empty())
				SetString(record, f.path, *s);
		}
	}
}

/* The column a patientmodreq element's value came from ("" for our own elements). */
std::string
PatientElementColumn(const std::string &path)
{
	std::string top = path.substr(0, path.find('/'));
	for (const PatientField &f : kPatientFields)
		if (path == f.path || top == f.path)
			return f.column;
	return "";
}

} // namespace

namespace registration_detail {

bool
PatientWritable(const std::string &column)
{
	return FindPatientField(column) != nullptr;
}

bool
PatientEchoElement(const std::string &top)
{
	return In(kPatientEcho, top);
}

} // namespace registration_detail

Registration
BuildPatientInsert(const ResourceDef &r, const RowImage &image, const std::string &today, const std::string &table)
{
	Row row(r, image, table);
	const std::string why = "ORCA needs whole_name, whole_name_in_kana, birth_date and sex to register a patient.";
	std::string name = Trim(row.Required("whole_name", why));
	std::string kana = Trim(row.Required("whole_name_in_kana", why));
	const std::string &birth = row.Required("birth_date", why);
	std::string sex = Trim(row.Required("sex", why));
	row.RefuseReadOnly(PatientWritable, RegApiName(RegKind::RegisterPatient), "INSERT");
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
	reg.record_name = RecordName(reg.kind);
	const std::string *id = row.Text("patient_id");
	reg.patient_id = id && !Trim(*id).empty() ? Trim(*id) : "*";
	SetString(reg.record, "Patient_ID", reg.patient_id);
	SetString(reg.record, "WholeName", name);
	SetString(reg.record, "WholeName_inKana", kana);
	SetString(reg.record, "BirthDate", birth);
	SetString(reg.record, "Sex", sex);
	AddPatientDetails(reg.record, row, nullptr, true);
	CheckRequestText(reg, row, PatientElementColumn);
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
                   const std::string &today, const std::string &table, bool trim_values)
{
	Row now(r, new_image, table), before(r, old_image, table);
	const std::string why_old = "ORCA identifies the patient to update by patient_id with sex and birth_date, or "
	                            "with both names.";
	const std::string &id = before.Required("patient_id", why_old);
	const std::string why = RegCallName(RegKind::UpdatePatient) + " rewrites the patient's names, sex and birth date.";
	const std::string &name_in = now.Required("whole_name", why);
	const std::string &kana_in = now.Required("whole_name_in_kana", why);
	const std::string &birth = now.Required("birth_date", why);
	const std::string &sex_in = now.Required("sex", why);
	std::string name = Trim(name_in), kana = Trim(kana_in), sex = Trim(sex_in);
	CheckKanjiName(name, table);
	CheckKanaName(kana, table);
	CheckBirthDate(birth, today, table);
	CheckSex(sex, table);

	/* changed as the user sees it: with trim_values, padding ORCA added is no change */
	auto changed = [&](const std::string &value, const char *column) {
		const std::string &old = before.Required(column, why_old);
		return trim_values ? !SameValue(&value, &old, true) : Trim(value) != Trim(old);
	};
	bool names_change = changed(name_in, "whole_name") || changed(kana_in, "whole_name_in_kana");
	bool basics_change = changed(sex_in, "sex") || changed(birth, "birth_date");
	if (names_change && basics_change)
		throw Error(ErrorKind::InvalidValue,
		            "cannot change the names and the sex or birth date of a patient in one update",
		            "ORCA finds the patient to update either by patient_id, sex and birth_date (Mod_Key 1) or by "
		            "patient_id and both names (Mod_Key 2), so one of the two pairs must stay unchanged.",
		            "Update the names and the sex or birth date in two UPDATE statements.");

	Registration reg;
	reg.kind = RegKind::UpdatePatient;
	reg.record_name = RecordName(reg.kind);
	reg.patient_id = id;
	SetString(reg.record, "Mod_Key", basics_change ? "2" : "1");
	SetString(reg.record, "Patient_ID", id);
	/* ORCA's own names, sex and birth date where unchanged: they identify the
	 * patient (Mod_Key 2: names; 1: sex and birth date), and a name rewritten
	 * without its padding would be a change of name in ORCA */
	auto send = [&](const char *element, const char *column, const std::string &user, const std::string &value) {
		const std::string *v = SendValue(&user, &value, OrcaValueOf(column, current, &before), trim_values);
		SetString(reg.record, element, v ? *v : std::string());
	};
	send("WholeName", "whole_name", name_in, name);
	send("WholeName_inKana", "whole_name_in_kana", kana_in, kana);
	send("BirthDate", "birth_date", birth, birth);
	send("Sex", "sex", sex_in, sex);
	AddPatientDetails(reg.record, now, current, trim_values);
	CheckRequestText(reg, now, PatientElementColumn);
	return reg;
}

Registration
BuildPatientDelete(const ResourceDef &r, const RowImage &old_image, const Node *current, const std::string &table,
                   bool trim_values)
{
	Row before(r, old_image, table);
	const std::string why = "ORCA deletes a patient only when patient_id, whole_name, sex and birth_date match.";
	Registration reg;
	reg.kind = RegKind::DeletePatient;
	reg.record_name = RecordName(reg.kind);
	reg.patient_id = before.Required("patient_id", why);
	SetString(reg.record, "Patient_ID", reg.patient_id);
	/* ORCA matches the patient by these: its own values (the row's, or the
	 * record read before, when they are the same as SELECT shows them) */
	auto send = [&](const char *element, const char *column, const std::string &user) {
		std::string trimmed = Trim(user);
		const std::string *v = SendValue(&user, &trimmed, OrcaValueOf(column, current, &before), trim_values);
		SetString(reg.record, element, v ? *v : std::string());
	};
	send("WholeName", "whole_name", before.Required("whole_name", why));
	if (const std::string *kana = before.Text("whole_name_in_kana"))
		send("WholeName_inKana", "whole_name_in_kana", *kana);
	send("BirthDate", "birth_date", before.Required("birth_date", why));
	send("Sex", "sex", before.Required("sex", why));
	CheckRequestText(reg, before, PatientElementColumn);
	return reg;
}

Node
FetchPatient(HttpClient &client, const std::string &patient_id, const CancelToken &cancel)
{
	const Endpoint &e = EndpointOf(Api::PatientGet);
	WireFormat format = e.formats == Formats::Xml2AndJson && client.Config().format == WireFormat::Json
	                        ? WireFormat::Json
	                        : WireFormat::Xml;
	/* no "no rows" codes: a patient the row was just read from must be there
	 * (10, no such patient, is ORCA's error) */
	ApiCall call(Api::PatientGet, format, e.row_element, ResultRules{});
	HttpRequest http = call.MakeRequest(e.method, "id=" + patient_id, e.request_record, nullptr, true);
	Ticket t = client.Submit(std::move(http), &call);
	try {
		client.Wait(t, cancel);
	} catch (...) {
		client.Abandon(t);
		throw;
	}
	if (call.Rows().empty())
		throw Error(ErrorKind::Protocol, "ORCA " + e.name + " answer has no " + e.row_element,
		            "Patient " + patient_id + " could not be read before the update.");
	return std::move(call.Rows().front());
}

Node
FetchPatientOf(HttpClient &client, const ResourceDef &r, const RowImage &oldrow, const std::string &table,
               const CancelToken &cancel)
{
	int c = r.FindColumn("patient_id");
	if (c < 0 || static_cast<size_t>(c) >= oldrow.size() || !oldrow[c].present || oldrow[c].isnull)
		throw Error(ErrorKind::InvalidValue, "foreign table " + Quote(table) + " has no column \"patient_id\"",
		            "ORCA identifies the patient by patient_id.");
	return FetchPatient(client, oldrow[c].text, cancel);
}

} // namespace orca_fdw::core
