/*
 * patients.cpp — the patients resource.
 *
 * Paths follow shared/orca-api/ (the notes).  patientgetv2 and patientlst2v2
 * both carry an element HealthInsurance_Information, with different
 * meanings (patientgetv2's lists insurance *combinations*, patientlst2v2's
 * the individual insurances): two columns, so a column never changes
 * meaning with the plan.  patientlst3v2 (the name search) answers
 * patientlst2v2 rows.
 */
#include "core/resources/resource.hpp"

#include "core/scan_internal.hpp"

#include "core/cpp_only.hpp"

namespace orca_fdw::core::resources {

namespace {

constexpr Source kGet = Source::PatientGet;
constexpr Source kL1 = Source::PatientList1;
constexpr Source kL2 = Source::PatientList2;

} // namespace

ResourceDef
Patients()
{
	ResourceDef r;
	r.name = "patients";
	r.comment = "ORCA patients";
	const auto all = {kGet, kL1, kL2};
	const auto detail = {kGet, kL2};
	r.columns = {
		Col("patient_id", ColumnType::Text, In(all, "Patient_ID"), "patient number, zero-padded as ORCA returns it"),
		Col("whole_name", ColumnType::Text, In(all, "WholeName"), "name (kanji), family and given name separated by U+3000"),
		Col("whole_name_in_kana", ColumnType::Text, In(all, "WholeName_inKana"), "name (full-width katakana)"),
		Col("birth_date", ColumnType::Date, In(all, "BirthDate"), "date of birth"),
		Col("sex", ColumnType::Text, In(all, "Sex"), "1 male, 2 female"),
		Col("create_date", ColumnType::Date, In({kL1}, "CreateDate"), "registration date (NULL for migrated patients)"),
		Col("update_date", ColumnType::Date, In({kL1}, "UpdateDate"), "last update date"),
		Col("update_time", ColumnType::Time, In({kL1}, "UpdateTime"), "last update time"),
		Col("test_patient_flag", ColumnType::Text, In({kGet, kL1}, "TestPatient_Flag"), "0 real patient, 1 test patient"),
		Col("address_zip_code", ColumnType::Text, In(detail, "Home_Address_Information/Address_ZipCode"), "home postal code (7 digits)"),
		Col("whole_address1", ColumnType::Text, In(detail, "Home_Address_Information/WholeAddress1"), "home address"),
		Col("whole_address2", ColumnType::Text, In(detail, "Home_Address_Information/WholeAddress2"), "home address (house number, building)"),
		Col("phone_number1", ColumnType::Text, In(detail, "Home_Address_Information/PhoneNumber1"), "home phone"),
		Col("phone_number2", ColumnType::Text, In(detail, "Home_Address_Information/PhoneNumber2"), "contact phone"),
		Col("outpatient_class", ColumnType::Text, In({kL2}, "Outpatient_Class"), "1 inpatient, 2 not admitted"),
		Col("health_insurance_information", ColumnType::Jsonb, In({kL2}, "HealthInsurance_Information"), "the patient's individual health insurances, jsonb array"),
		Col("public_insurance_information", ColumnType::Jsonb, In({kL2}, "PublicInsurance_Information"), "the patient's public expense entries, jsonb array"),
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
		Col("insurance_combinations", ColumnType::Jsonb, In({kGet}, "HealthInsurance_Information"), "insurance combinations (HealthInsurance_Information of the patient's record), jsonb array"),
		Col("workplace_information", ColumnType::Jsonb, In({kGet}, "WorkPlace_Information"), "workplace, jsonb object"),
		Col("contact_information", ColumnType::Jsonb, In({kGet}, "Contact_Information"), "emergency contact, jsonb object"),
		Col("care_information", ColumnType::Jsonb, In({kGet}, "Care_Information"), "long-term care insurance and certifications, jsonb object"),
	};
	r.read.plan = scan_detail::PlanPatients;
	r.read.execute = scan_detail::MakePatientsExecutor;
	r.read.calls = ApiBit(kGet) | ApiBit(kL1) | ApiBit(kL2) | ApiBit(Api::PatientList3);
	r.read.named_only_sources = ApiBit(kL1);
	return r;
}

} // namespace orca_fdw::core::resources
