/*
 * catalog.cpp — declarations of the ORCA resources (see catalog.hpp).
 *
 * Paths follow shared/orca-api/ (the notes).  Where two APIs carry an element with the
 * same name but a different meaning (patientgetv2's HealthInsurance_Information
 * lists insurance *combinations*, patientlst2v2's lists the individual
 * insurances), the columns are kept apart so a column never changes meaning
 * with the plan.
 */
#include "core/catalog.hpp"

#include <cctype>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

constexpr Source kGet = Source::PatientGet;
constexpr Source kL1 = Source::PatientList1;
constexpr Source kL2 = Source::PatientList2;

ColumnDef
Col(std::string name, ColumnType type, std::vector<SourcePath_> paths, std::string comment)
{
	return ColumnDef{std::move(name), type, std::move(paths), std::move(comment)};
}

/* The same element path in several sources. */
std::vector<SourcePath_>
In(std::initializer_list<Source> sources, const std::string &path)
{
	std::vector<SourcePath_> out;
	for (Source s : sources)
		out.push_back(SourcePath_{s, path});
	return out;
}

ResourceDef
Patients()
{
	ResourceDef r;
	r.name = "patients";
	r.comment = "ORCA patients (patientgetv2, patientlst1v2, patientlst2v2, patientlst3v2)";
	const auto all = {kGet, kL1, kL2};
	const auto detail = {kGet, kL2};
	r.columns = {
		Col("patient_id", ColumnType::Text, In(all, "Patient_ID"), "patient number, zero-padded as ORCA returns it"),
		Col("whole_name", ColumnType::Text, In(all, "WholeName"), "name (kanji), family and given name separated by U+3000"),
		Col("whole_name_in_kana", ColumnType::Text, In(all, "WholeName_inKana"), "name (full-width katakana)"),
		Col("birth_date", ColumnType::Date, In(all, "BirthDate"), "date of birth"),
		Col("sex", ColumnType::Text, In(all, "Sex"), "1 male, 2 female"),
		Col("create_date", ColumnType::Date, In({kL1}, "CreateDate"), "registration date (patientlst1v2 only; NULL for migrated patients)"),
		Col("update_date", ColumnType::Date, In({kL1}, "UpdateDate"), "last update date (patientlst1v2 only)"),
		Col("update_time", ColumnType::Time, In({kL1}, "UpdateTime"), "last update time (patientlst1v2 only)"),
		Col("test_patient_flag", ColumnType::Text, In({kGet, kL1}, "TestPatient_Flag"), "0 real patient, 1 test patient"),
		Col("address_zip_code", ColumnType::Text, In(detail, "Home_Address_Information/Address_ZipCode"), "home postal code (7 digits)"),
		Col("whole_address1", ColumnType::Text, In(detail, "Home_Address_Information/WholeAddress1"), "home address"),
		Col("whole_address2", ColumnType::Text, In(detail, "Home_Address_Information/WholeAddress2"), "home address (house number, building)"),
		Col("phone_number1", ColumnType::Text, In(detail, "Home_Address_Information/PhoneNumber1"), "home phone"),
		Col("phone_number2", ColumnType::Text, In(detail, "Home_Address_Information/PhoneNumber2"), "contact phone"),
		Col("outpatient_class", ColumnType::Text, In({kL2}, "Outpatient_Class"), "1 inpatient, 2 not admitted (patientlst2v2)"),
		Col("health_insurance_information", ColumnType::Jsonb, In({kL2}, "HealthInsurance_Information"), "the patient's individual health insurances (patientlst2v2), jsonb array"),
		Col("public_insurance_information", ColumnType::Jsonb, In({kL2}, "PublicInsurance_Information"), "the patient's public expense entries (patientlst2v2), jsonb array"),
		Col("house_holder_whole_name", ColumnType::Text, In({kGet}, "HouseHolder_WholeName"), "head of household"),
		Col("relationship", ColumnType::Text, In({kGet}, "Relationship"), "relation to the head of household"),
		Col("occupation", ColumnType::Text, In({kGet}, "Occupation"), "occupation"),
		Col("nick_name", ColumnType::Text, In({kGet}, "NickName"), "common name"),
		Col("cellular_number", ColumnType::Text, In({kGet}, "CellularNumber"), "mobile phone"),
		Col("fax_number", ColumnType::Text, In({kGet}, "FaxNumber"), "fax"),
		Col("email_address", ColumnType::Text, In({kGet}, "EmailAddress"), "e-mail"),
		Col("contraindication1", ColumnType::Text, In({kGet}, "Contraindication1"), "contraindication note 1"),
		Col("contraindication2", ColumnType::Text, In({kGet}, "Contraindication2"), "contraindication note 2"),
		Col("allergy1", ColumnType::Text, In({kGet}, "Allergy1"), "allergy note 1"),
		Col("allergy2", ColumnType::Text, In({kGet}, "Allergy2"), "allergy note 2"),
		Col("infection1", ColumnType::Text, In({kGet}, "Infection1"), "infection note 1"),
		Col("infection2", ColumnType::Text, In({kGet}, "Infection2"), "infection note 2"),
		Col("comment1", ColumnType::Text, In({kGet}, "Comment1"), "comment 1"),
		Col("comment2", ColumnType::Text, In({kGet}, "Comment2"), "comment 2"),
		Col("death_flag", ColumnType::Text, In({kGet}, "Death_Flag"), "1 deceased"),
		Col("first_visit_date", ColumnType::Date, In({kGet}, "FirstVisit_Date"), "first visit"),
		Col("last_visit_date", ColumnType::Date, In({kGet}, "LastVisit_Date"), "last visit"),
		Col("insurance_combinations", ColumnType::Jsonb, In({kGet}, "HealthInsurance_Information"), "insurance combinations (patientgetv2 HealthInsurance_Information), jsonb array"),
		Col("workplace_information", ColumnType::Jsonb, In({kGet}, "WorkPlace_Information"), "workplace, jsonb object"),
		Col("contact_information", ColumnType::Jsonb, In({kGet}, "Contact_Information"), "emergency contact, jsonb object"),
		Col("care_information", ColumnType::Jsonb, In({kGet}, "Care_Information"), "long-term care insurance and certifications, jsonb object"),
	};
	return r;
}

std::vector<ResourceDef>
BuildResources()
{
	std::vector<ResourceDef> v;
	v.push_back(Patients());
	return v;
}

} // namespace

const char *
SourcePath(Source s)
{
	switch (s) {
	case Source::PatientGet: return "/api01rv2/patientgetv2";
	case Source::PatientList1: return "/api01rv2/patientlst1v2";
	case Source::PatientList2: return "/api01rv2/patientlst2v2";
	case Source::PatientList3: return "/api01rv2/patientlst3v2";
	case Source::InpatientFind: return "/orca36/hsfindv3";
	case Source::InpatientInfo: return "/api01rv2/hsptinfv2";
	case Source::InpatientMeal: return "/api01rv2/hsmealv2";
	case Source::WardConfig: return "/api01rv2/hsconfwardv2";
	case Source::SystemList: return "/api01rv2/system01lstv2";
	case Source::Count_: break;
	}
	return "";
}

const char *
SourceName(Source s)
{
	const char *p = SourcePath(s);
	const char *slash = p;
	for (const char *q = p; *q; q++)
		if (*q == '/')
			slash = q + 1;
	return slash;
}

const std::string *
ColumnDef::PathIn(Source s) const
{
	for (const auto &p : paths)
		if (p.source == s)
			return &p.path;
	return nullptr;
}

unsigned
ColumnDef::Sources() const
{
	unsigned bits = 0;
	for (const auto &p : paths)
		bits |= SourceBit(p.source);
	return bits;
}

int
ResourceDef::FindColumn(std::string_view column_name) const
{
	for (size_t i = 0; i < columns.size(); i++)
		if (columns[i].name == column_name)
			return static_cast<int>(i);
	return -1;
}

int
ResourceDef::FindField(std::string_view field) const
{
	for (size_t i = 0; i < columns.size(); i++)
		for (const auto &p : columns[i].paths) {
			std::string_view path = p.path;
			size_t slash = path.rfind('/');
			std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
			if (path == field || last == field)
				return static_cast<int>(i);
		}
	return -1;
}

const std::vector<ResourceDef> &
Resources()
{
	static const std::vector<ResourceDef> resources = BuildResources();
	return resources;
}

const ResourceDef *
FindResource(std::string_view name)
{
	for (const auto &r : Resources())
		if (r.name == name)
			return &r;
	return nullptr;
}

std::string
ResourceNames()
{
	std::string out;
	for (const auto &r : Resources()) {
		if (!out.empty())
			out += ", ";
		out += r.name;
	}
	return out;
}

std::string
SnakeCase(std::string_view element)
{
	std::string out;
	for (size_t i = 0; i < element.size(); i++) {
		unsigned char c = static_cast<unsigned char>(element[i]);
		if (std::isupper(c)) {
			unsigned char prev = i > 0 ? static_cast<unsigned char>(element[i - 1]) : 0;
			if (i > 0 && (std::islower(prev) || std::isdigit(prev)) && !out.empty() && out.back() != '_')
				out += '_';
			out += static_cast<char>(std::tolower(c));
		} else if (c == '_') {
			if (!out.empty() && out.back() != '_')
				out += '_';
		} else
			out += static_cast<char>(c);
	}
	return out;
}

} // namespace orca_fdw::core
