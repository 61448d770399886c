/*
 * registration_test.cpp — registrations: our value checks, request building,
 * meals merging, the call's outcome classification (against the loopback
 * TestHttpServer), the audit line and the ledger.
 */
#include "core/registry.hpp"
#include "core/error.hpp"
#include "core/registration/audit.hpp"
#include "core/registration/builders.hpp"
#include "core/registration/call.hpp"
#include "core/registration/ledger.hpp"
#include "core/registration/registration.hpp"
#include "core/registration/rules.hpp"
#include "core/scan.hpp"

#include "test_http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

namespace orca_fdw::core {
namespace {

using test::TestHttpServer;
using test::TestRequest;
using test::TestResponse;

class NeverCancel final : public CancelToken {
public:
	bool Cancelled() const noexcept override { return false; }
};

const ResourceDef &
Res(const char *name)
{
	const ResourceDef *r = FindResource(name);
	EXPECT_NE(r, nullptr);
	return *r;
}

/* A row of `r` with every column present and NULL, then the given values. */
RowImage
Row(const ResourceDef &r, std::vector<std::pair<std::string, std::string>> values)
{
	RowImage img(r.columns.size());
	for (ColumnValue &v : img)
		v.present = true;
	for (auto &[column, text] : values) {
		int c = r.FindColumn(column);
		EXPECT_GE(c, 0) << column;
		img[c].isnull = false;
		img[c].text = text;
	}
	return img;
}

const Node *
At(const Registration &reg, const char *path)
{
	return reg.record.FindPath(path);
}

std::string
Text(const Registration &reg, const char *path)
{
	const std::string *s = reg.record.StringAt(path);
	return s ? *s : std::string("<absent>");
}

RowImage
Patient(const char *name = "試験　太郎", const char *kana = "シケン　タロウ")
{
	return Row(Res("patients"), {{"whole_name", name}, {"whole_name_in_kana", kana}, {"birth_date", "1980-01-02"},
	                             {"sex", "1"}});
}

TEST(Registration, PatientInsertAutoNumbers)
{
	Registration reg = BuildPatientInsert(Res("patients"), Patient(), "2026-11-25", "patients");
	EXPECT_EQ(reg.kind, RegKind::RegisterPatient);
	EXPECT_EQ(reg.record_name, "patientmodreq");
	EXPECT_EQ(Text(reg, "Patient_ID"), "*");
	EXPECT_EQ(Text(reg, "WholeName"), "試験　太郎");
	EXPECT_EQ(Text(reg, "BirthDate"), "1980-01-02");
	EXPECT_EQ(At(reg, "Home_Address_Information"), nullptr) << "no empty records";
	EXPECT_EQ(reg.Describe("20001"), "patientmodv2 class=01 for patient 20001");
}

TEST(Registration, PatientChecksNameTheColumn)
{
	const ResourceDef &r = Res("patients");
	struct Case {
		RowImage row;
		const char *column;
	} cases[] = {
	    {Patient("Yamada Taro"), "whole_name"},
	    {Patient("山田　ﾀﾛｳ"), "whole_name"},       /* half-width katakana in the kanji name */
	    {Patient("山田　太郎", "yamada"), "whole_name_in_kana"},
	    {Row(r, {{"whole_name", "山田"}, {"birth_date", "1980-01-01"}, {"sex", "1"}}), "whole_name_in_kana"},
	    {Row(r, {{"whole_name", "山田"}, {"whole_name_in_kana", "ヤマダ"}, {"birth_date", "1980-01-01"}, {"sex", "3"}}),
	     "sex"},
	    {Row(r, {{"whole_name", "山田"}, {"whole_name_in_kana", "ヤマダ"}, {"birth_date", "2099-01-01"}, {"sex", "1"}}),
	     "birth_date"},
	    {Row(r, {{"whole_name", "山田"}, {"whole_name_in_kana", "ヤマダ"}, {"birth_date", "1980-01-01"}, {"sex", "1"},
	             {"create_date", "2020-01-01"}}),
	     "create_date"},
	};
	for (const Case &c : cases) {
		try {
			BuildPatientInsert(r, c.row, "2026-11-25", "patients");
			ADD_FAILURE() << c.column;
		} catch (const Error &e) {
			EXPECT_EQ(e.kind, ErrorKind::InvalidValue);
			EXPECT_NE(e.message.find(std::string("\"") + c.column + "\""), std::string::npos) << e.message;
			EXPECT_EQ(e.message.find("Yamada"), std::string::npos) << "values are never echoed";
		}
	}
	/* half-width katakana and spaces in the reading are ORCA's to convert */
	EXPECT_NO_THROW(BuildPatientInsert(r, Patient("山田　太郎", "ﾔﾏﾀﾞ ﾀﾛｳ"), "2026-11-25", "patients"));
}

TEST(Registration, PatientUpdateChoosesModKey)
{
	const ResourceDef &r = Res("patients");
	RowImage before = Patient();
	before[r.FindColumn("patient_id")].isnull = false;
	before[r.FindColumn("patient_id")].text = "00042";
	RowImage renamed = Patient("試験　次郎", "シケン　ジロウ");
	Registration reg = BuildPatientUpdate(r, renamed, before, nullptr, "2026-11-25", "patients", true);
	EXPECT_EQ(Text(reg, "Mod_Key"), "1");
	EXPECT_EQ(Text(reg, "Patient_ID"), "00042");

	RowImage resexed = Patient();
	resexed[r.FindColumn("sex")].text = "2";
	reg = BuildPatientUpdate(r, resexed, before, nullptr, "2026-11-25", "patients", true);
	EXPECT_EQ(Text(reg, "Mod_Key"), "2");

	RowImage both = renamed;
	both[r.FindColumn("sex")].text = "2";
	EXPECT_THROW(BuildPatientUpdate(r, both, before, nullptr, "2026-11-25", "patients", true), Error);
}

TEST(Registration, PatientUpdateKeepsFieldsTheTableLacks)
{
	const ResourceDef &r = Res("patients");
	RowImage now = Patient(), before = Patient();
	for (size_t c = 0; c < now.size(); c++)
		if (r.columns[c].name != "patient_id" && r.columns[c].name != "whole_name" &&
		    r.columns[c].name != "whole_name_in_kana" && r.columns[c].name != "birth_date" && r.columns[c].name != "sex")
			now[c].present = before[c].present = false;
	before[r.FindColumn("patient_id")].isnull = false;
	before[r.FindColumn("patient_id")].text = "00042";
	EXPECT_TRUE(PatientUpdateNeedsCurrent(r, now));
	Node current = Node::MakeRecord();
	Node home = Node::MakeRecord();
	home.children.emplace_back("PhoneNumber1", Node::MakeString("03-0000-0000"));
	current.children.emplace_back("Home_Address_Information", std::move(home));
	current.children.emplace_back("Comment1", Node::MakeString("注意"));
	Registration reg = BuildPatientUpdate(r, now, before, &current, "2026-11-25", "p", true);
	EXPECT_EQ(Text(reg, "Home_Address_Information/PhoneNumber1"), "03-0000-0000");
	EXPECT_EQ(Text(reg, "Comment1"), "注意");
}

/* Real ORCA pads names with U+3000 and answers a lone U+3000 for empty
 * fields; SELECT (trim_values) shows them cleaned.  ORCA's record of
 * patient 17205 as patientgetv2 answers it, and the row SELECT shows. */
Node
PaddedRecord()
{
	Node rec = Node::MakeRecord();
	rec.children.emplace_back("Patient_ID", Node::MakeString("17205"));
	rec.children.emplace_back("WholeName", Node::MakeString("佐藤　博　"));
	rec.children.emplace_back("WholeName_inKana", Node::MakeString("サトウ　ヒロシ　"));
	rec.children.emplace_back("BirthDate", Node::MakeString("1974-10-10"));
	rec.children.emplace_back("Sex", Node::MakeString("1"));
	rec.children.emplace_back("Comment1", Node::MakeString("　"));
	rec.children.emplace_back("Comment2", Node::MakeString("　"));
	rec.children.emplace_back("Allergy1", Node::MakeString("　"));
	return rec;
}

RowImage
PaddedRowAsShown()
{
	return Row(Res("patients"), {{"patient_id", "17205"}, {"whole_name", "佐藤　博"}, {"whole_name_in_kana", "サトウ　ヒロシ"},
	                             {"birth_date", "1974-10-10"}, {"sex", "1"}});
}

RowImage
With(RowImage row, const char *column, const char *value)
{
	int c = Res("patients").FindColumn(column);
	row[c].isnull = value == nullptr;
	row[c].text = value ? value : "";
	return row;
}

TEST(Registration, PaddedPatientUpdateSendsOrcasOwnValues)
{
	const ResourceDef &r = Res("patients");
	const Node current = PaddedRecord();
	const RowImage before = PaddedRowAsShown();

	/* sex changes: Mod_Key 2 matches id and both names, which must be ORCA's */
	Registration reg = BuildPatientUpdate(r, With(before, "sex", "2"), before, &current, "2026-11-25", "p", true);
	EXPECT_EQ(Text(reg, "Mod_Key"), "2");
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博　");
	EXPECT_EQ(Text(reg, "WholeName_inKana"), "サトウ　ヒロシ　");
	EXPECT_EQ(Text(reg, "Sex"), "2");
	/* the fields that read as NULL keep ORCA's lone U+3000; ORCA has no Infection1 */
	EXPECT_EQ(Text(reg, "Comment1"), "　");
	EXPECT_EQ(Text(reg, "Comment2"), "　");
	EXPECT_EQ(Text(reg, "Allergy1"), "　");
	EXPECT_EQ(Text(reg, "Infection1"), "<absent>");

	/* a comment changes: Mod_Key 1 rewrites the names, with ORCA's padding */
	reg = BuildPatientUpdate(r, With(before, "comment1", "メモ"), before, &current, "2026-11-25", "p", true);
	EXPECT_EQ(Text(reg, "Mod_Key"), "1");
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博　");
	EXPECT_EQ(Text(reg, "Sex"), "1");
	EXPECT_EQ(Text(reg, "BirthDate"), "1974-10-10");
	EXPECT_EQ(Text(reg, "Comment1"), "メモ");
	EXPECT_EQ(Text(reg, "Comment2"), "　");

	/* a value set to what SELECT shows (padding, or NULL for a lone U+3000) is no change */
	RowImage same = With(With(With(before, "whole_name", "佐藤　博　"), "sex", "2"), "comment2", nullptr);
	reg = BuildPatientUpdate(r, same, before, &current, "2026-11-25", "p", true);
	EXPECT_EQ(Text(reg, "Mod_Key"), "2") << "not refused as a change of names and sex";
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博　");
	EXPECT_EQ(Text(reg, "Comment2"), "　");

	/* what the user changes is sent as given */
	reg = BuildPatientUpdate(r, With(With(before, "whole_name", "佐藤　博士"), "comment2", "済"), before, &current,
	                         "2026-11-25", "p", true);
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博士");
	EXPECT_EQ(Text(reg, "WholeName_inKana"), "サトウ　ヒロシ　");
	EXPECT_EQ(Text(reg, "Comment2"), "済");

	/* the patient changed in ORCA since it was read: the row's values are
	 * sent, and ORCA's own matching refuses (Api_Result 50) */
	Node renamed = PaddedRecord();
	for (auto &[name, child] : renamed.children)
		if (name == "WholeName")
			child.value = "佐藤　博之";
	reg = BuildPatientUpdate(r, With(before, "sex", "2"), before, &renamed, "2026-11-25", "p", true);
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博");

	/* no record read (the scan cleaned nothing): the row's values are ORCA's */
	reg = BuildPatientUpdate(r, With(before, "sex", "2"), before, nullptr, "2026-11-25", "p", true);
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博");
	EXPECT_EQ(Text(reg, "Comment1"), "<absent>");
}

TEST(Registration, TrimValuesOffSendsTheRowAsOrcaSentIt)
{
	const ResourceDef &r = Res("patients");
	/* trim_values 'false': the row holds ORCA's values (a trailing half-width
	 * space too), and an unchanged one is sent exactly so */
	RowImage before = With(With(PaddedRowAsShown(), "whole_name", "佐藤　博 "), "comment2", "　");
	Registration reg = BuildPatientUpdate(r, With(before, "sex", "2"), before, nullptr, "2026-11-25", "p", false);
	EXPECT_EQ(Text(reg, "Mod_Key"), "2");
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博 ");
	EXPECT_EQ(Text(reg, "Comment2"), "　");
	/* a name changed through such a table is sent as given (trimmed) */
	reg = BuildPatientUpdate(r, With(before, "whole_name", " 佐藤　博士 "), before, nullptr, "2026-11-25", "p", false);
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博士");
	/* and removing ORCA's padding is a change */
	RowImage padded = With(PaddedRowAsShown(), "whole_name", "佐藤　博　");
	reg = BuildPatientUpdate(r, With(padded, "whole_name", "佐藤　博"), padded, nullptr, "2026-11-25", "p", false);
	EXPECT_EQ(Text(reg, "Mod_Key"), "1");
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博");
}

TEST(Registration, PaddedPatientDeleteSendsOrcasNames)
{
	const ResourceDef &r = Res("patients");
	const Node current = PaddedRecord();
	const RowImage before = PaddedRowAsShown();
	Registration reg = BuildPatientDelete(r, before, &current, "p", true);
	EXPECT_EQ(Text(reg, "Patient_ID"), "17205");
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博　");
	EXPECT_EQ(Text(reg, "WholeName_inKana"), "サトウ　ヒロシ　");
	EXPECT_EQ(Text(reg, "BirthDate"), "1974-10-10");
	EXPECT_EQ(Text(reg, "Sex"), "1");
	/* no record read: the row's values, exactly (trim_values off, or nothing cleaned) */
	RowImage raw = With(before, "whole_name", "佐藤　博 ");
	reg = BuildPatientDelete(r, raw, nullptr, "p", false);
	EXPECT_EQ(Text(reg, "WholeName"), "佐藤　博 ");
}

TEST(Registration, ReturningShowsValuesAsSelectDoes)
{
	const ResourceDef &r = Res("patients");
	RegResult res;
	res.outcome = RegOutcome::Ok;
	res.answered_id = "17205";
	res.row = PaddedRecord();
	Node combinations = Node::MakeArray();
	Node combination = Node::MakeRecord();
	combination.children.emplace_back("Insurance_Combination_Number", Node::MakeString("0001"));
	combinations.children.emplace_back("", std::move(combination));
	res.row.children.emplace_back("HealthInsurance_Information", std::move(combinations));
	Registration update = BuildPatientUpdate(r, PaddedRowAsShown(), PaddedRowAsShown(), nullptr, "2026-11-25", "p", true);
	auto value = [&](const std::vector<AnswerValue> &v, const char *column) {
		const AnswerValue &a = v[r.FindColumn(column)];
		return !a.present ? std::string("<absent>") : a.isnull ? std::string("<null>") : a.text;
	};
	std::vector<AnswerValue> shown = AnswerValues(r, update, res, "", true);
	EXPECT_EQ(value(shown, "patient_id"), "17205");
	EXPECT_EQ(value(shown, "whole_name"), "佐藤　博");
	EXPECT_EQ(value(shown, "whole_name_in_kana"), "サトウ　ヒロシ");
	EXPECT_EQ(value(shown, "comment1"), "<null>");
	EXPECT_EQ(value(shown, "infection1"), "<null>") << "echoed elements ORCA omits are empty";
	EXPECT_EQ(value(shown, "birth_date"), "1974-10-10");
	EXPECT_EQ(value(shown, "insurance_combinations"), "<absent>") << "class=02 leaves insurance: the row's value";
	std::vector<AnswerValue> raw = AnswerValues(r, update, res, "", false);
	EXPECT_EQ(value(raw, "whole_name"), "佐藤　博　");
	EXPECT_EQ(value(raw, "comment1"), "　");
	Registration insert = BuildPatientInsert(r, Patient(), "2026-11-25", "p");
	EXPECT_NE(value(AnswerValues(r, insert, res, "", true), "insurance_combinations"), "<absent>");
}

TEST(Registration, ColumnTextIsWhatSelectShows)
{
	auto shown = [](ColumnType type, std::string text, bool trim) {
		return ColumnText(type, text, trim) ? text : std::string("<null>");
	};
	EXPECT_EQ(shown(ColumnType::Text, "佐藤　博　　", true), "佐藤　博");
	EXPECT_EQ(shown(ColumnType::Text, "　", true), "<null>");
	EXPECT_EQ(shown(ColumnType::Text, " 　 ", true), "<null>");
	EXPECT_EQ(shown(ColumnType::Text, "", true), "<null>");
	EXPECT_EQ(shown(ColumnType::Text, "　佐藤 ", true), "　佐藤 ") << "only trailing U+3000 is cut";
	EXPECT_EQ(shown(ColumnType::Text, "佐藤　博　", false), "佐藤　博　");
	EXPECT_EQ(shown(ColumnType::Text, "　", false), "　");
	EXPECT_EQ(shown(ColumnType::Date, " 2020-01-02 ", true), "2020-01-02");
	EXPECT_EQ(shown(ColumnType::Date, "9999-12-31", false), "<null>");
	EXPECT_EQ(shown(ColumnType::Integer, "   1000", true), "1000");
	EXPECT_EQ(shown(ColumnType::Integer, "　", false), "<null>");
}

TEST(Registration, AdmissionAndDischarge)
{
	const ResourceDef &r = Res("admissions");
	RowImage row = Row(r, {{"patient_id", "00100"}, {"admission_date", "2026-11-20"}, {"ward_number", "01"},
	                       {"room_number", "301"}, {"department_code", "01"}});
	row[r.FindColumn("doctor")].isnull = false;
	row[r.FindColumn("doctor")].json = {{"[0]/Label", "担当医"}, {"[0]/Data", "10001"}, {"[1]", "10002"}};
	Registration reg = BuildAdmission(r, row, "admissions");
	EXPECT_EQ(Text(reg, "Request_Number"), "01");
	const Node *doctors = At(reg, "Doctor_Code");
	ASSERT_NE(doctors, nullptr);
	ASSERT_EQ(doctors->children.size(), 2u);
	EXPECT_EQ(doctors->children[0].second.value, "10001");
	EXPECT_EQ(doctors->children[1].second.value, "10002");

	RowImage before = Row(r, {{"patient_id", "00100"}, {"admission_date", "2026-11-20"}});
	RowImage after = Row(r, {{"patient_id", "00100"}, {"admission_date", "2026-11-20"}, {"discharge_date", "2026-11-24"}});
	Registration d;
	ASSERT_TRUE(BuildAdmissionUpdate(r, after, before, "admissions", "2026-11-25", "", &d));
	EXPECT_EQ(d.kind, RegKind::Discharge);
	EXPECT_EQ(Text(d, "Request_Number"), "02");
	EXPECT_EQ(Text(d, "Discharge_Date"), "2026-11-24");
	ASSERT_TRUE(BuildAdmissionUpdate(r, before, after, "admissions", "2026-11-25", "", &d));
	EXPECT_EQ(d.kind, RegKind::CancelDischarge);
	EXPECT_FALSE(BuildAdmissionUpdate(r, before, before, "admissions", "2026-11-25", "", &d)) << "nothing changes: no call";
}

TEST(Registration, TransferSendsAllThreeFieldsWithItsDate)
{
	const ResourceDef &r = Res("admissions");
	auto stay = [&](const char *ward, const char *room, const char *dept, const char *discharge) {
		std::vector<std::pair<std::string, std::string>> v = {{"patient_id", "00109"}, {"admission_date", "2026-09-25"},
		                                                      {"ward_number", ward}, {"room_number", room},
		                                                      {"department_code", dept}};
		if (discharge)
			v.emplace_back("discharge_date", discharge);
		return Row(r, v);
	};
	RowImage before = stay("03", "407", "01", nullptr);
	Registration t;
	/* a room change: ward and department sent as they are; today when no date is set */
	ASSERT_TRUE(BuildAdmissionUpdate(r, stay("03", "408", "01", nullptr), before, "admissions", "2026-11-25", "", &t));
	EXPECT_EQ(t.kind, RegKind::Transfer);
	EXPECT_EQ(Text(t, "Request_Number"), "08");
	EXPECT_EQ(Text(t, "Update_Date"), "2026-11-25");
	EXPECT_EQ(Text(t, "Ward_Number"), "03");
	EXPECT_EQ(Text(t, "Room_Number"), "408");
	EXPECT_EQ(Text(t, "Department_Code"), "01");
	EXPECT_EQ(t.other_date, "2026-11-25");
	/* orca_fdw.transfer_date wins */
	ASSERT_TRUE(BuildAdmissionUpdate(r, stay("04", "451", "10", nullptr), before, "admissions", "2026-11-25",
	                                 "2026-11-20", &t));
	EXPECT_EQ(Text(t, "Update_Date"), "2026-11-20");
	EXPECT_EQ(t.Describe(), "hsptinfmodv2 Request_Number 08 (transfer) for patient 00109, admission_date 2026-09-25, "
	                        "transfer_date 2026-11-20");
	/* refusals, before any call */
	EXPECT_THROW(BuildAdmissionUpdate(r, stay("04", "451", "10", nullptr), before, "admissions", "2026-11-25",
	                                  "2099-01-01", &t),
	             Error) << "a future date";
	EXPECT_THROW(BuildAdmissionUpdate(r, stay("04", "451", "10", nullptr), before, "admissions", "2026-11-25",
	                                  "2026-09-24", &t),
	             Error) << "before the admission";
	EXPECT_THROW(BuildAdmissionUpdate(r, stay("04", "451", "10", "2026-11-24"), before, "admissions", "2026-11-25", "",
	                                  &t),
	             Error) << "with a discharge";
	RowImage discharged = stay("03", "407", "01", "2026-10-01");
	EXPECT_THROW(BuildAdmissionUpdate(r, stay("04", "407", "01", "2026-10-01"), discharged, "admissions", "2026-11-25",
	                                  "", &t),
	             Error) << "a discharged stay";
	RowImage no_department = stay("03", "407", "01", nullptr);
	no_department[r.FindColumn("department_code")].isnull = true;
	EXPECT_THROW(BuildAdmissionUpdate(r, no_department, before, "admissions", "2026-11-25", "", &t), Error);
	/* unchanged (padding aside): no call */
	EXPECT_FALSE(BuildAdmissionUpdate(r, stay("03 ", "407", "01", nullptr), before, "admissions", "2026-11-25", "", &t));
}

TEST(Registration, OutingsOneCallPerRunWithEndDate)
{
	const ResourceDef &r = Res("meals");
	std::vector<MealRow> rows;
	for (const char *d : {"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-24", "2026-11-30", "2026-12-01"}) {
		MealRow m = CheckMealRow(r, Row(r, {{"patient_id", "00159"}, {"perform_date", d}, {"patient_status", "1"}}),
		                         "meals");
		EXPECT_EQ(m.status, "01") << "one digit is taken as two";
		m.admission_date = "2026-10-12";
		rows.push_back(m);
	}
	MealRow both = CheckMealRow(
	    r, Row(r, {{"patient_id", "00159"}, {"perform_date", "2026-11-23"}, {"patient_status", "03"}, {"lunch_meal", "01"}}),
	    "meals");
	both.admission_date = "2026-10-12";
	rows.push_back(both);
	std::vector<Registration> calls = BuildMealCalls(rows);
	/* November: 20-22 (01), 23 (03), 24 (01), 30 (01), then meals of the 23rd; December: 1 (01) */
	ASSERT_EQ(calls.size(), 6u);
	EXPECT_EQ(calls[0].kind, RegKind::Outing);
	EXPECT_EQ(Text(calls[0], "Request_Number"), "2");
	EXPECT_EQ(Text(calls[0], "Perform_Date"), "2026-11-20");
	EXPECT_EQ(Text(calls[0], "End_Date"), "2026-11-22");
	EXPECT_EQ(Text(calls[0], "Patient_Status"), "01");
	EXPECT_EQ(Text(calls[1], "Perform_Date"), "2026-11-23");
	EXPECT_EQ(Text(calls[1], "End_Date"), "2026-11-23");
	EXPECT_EQ(Text(calls[1], "Patient_Status"), "03");
	EXPECT_EQ(Text(calls[2], "Perform_Date"), "2026-11-24");
	EXPECT_EQ(Text(calls[3], "End_Date"), "2026-11-30");
	EXPECT_EQ(calls[4].kind, RegKind::Meals) << "a group's outings come before its meals";
	EXPECT_EQ(calls[5].kind, RegKind::Outing);
	EXPECT_EQ(Text(calls[5], "Perform_Date"), "2026-12-01");
	EXPECT_EQ(Text(calls[5], "End_Date"), "2026-12-01");
	EXPECT_THROW(CheckMealRow(r, Row(r, {{"patient_id", "1"}, {"perform_date", "2026-11-20"}, {"patient_status", "99"}}),
	                          "meals"),
	             Error);
	EXPECT_THROW(CheckMealRow(r, Row(r, {{"patient_id", "1"}, {"perform_date", "2026-11-20"}}), "meals"), Error);
}

TEST(Registration, MealsMergePerPatientAdmissionAndMonth)
{
	const ResourceDef &r = Res("meals");
	auto meal = [&](const char *id, const char *day, const char *m, const char *l, const char *e) {
		std::vector<std::pair<std::string, std::string>> v = {{"patient_id", id}, {"perform_date", day}};
		if (m)
			v.emplace_back("morning_meal", m);
		if (l)
			v.emplace_back("lunch_meal", l);
		if (e)
			v.emplace_back("evening_meal", e);
		MealRow row = CheckMealRow(r, Row(r, v), "meals");
		row.admission_date = "2026-11-01";
		return row;
	};
	std::vector<MealRow> rows = {
	    meal("00100", "2026-11-21", "00", "02", "02"), meal("00100", "2026-11-22", "00", "02", "02"),
	    meal("00100", "2026-11-23", "03", "03", nullptr), meal("00200", "2026-11-23", nullptr, "1", nullptr),
	    meal("00100", "2026-12-01", "01", nullptr, nullptr),
	};
	std::vector<Registration> calls = BuildMealCalls(rows);
	/* 00100 November: breakfast has two codes → two calls; 00200; 00100 December */
	ASSERT_EQ(calls.size(), 4u);
	EXPECT_EQ(Text(calls[0], "Request_Number"), "4");
	EXPECT_EQ(Text(calls[0], "Perform_Date"), "2026-11-21");
	const Node *items = At(calls[0], "Meal_Information");
	ASSERT_NE(items, nullptr);
	ASSERT_EQ(items->children.size(), 3u);
	EXPECT_EQ(*items->children[0].second.StringAt("Meal_Time"), "01");
	EXPECT_EQ(*items->children[0].second.StringAt("Meal_Type"), "0");
	EXPECT_EQ(*items->children[0].second.StringAt("Meal_Dates"), "*/21-22");
	EXPECT_EQ(*items->children[1].second.StringAt("Meal_Dates"), "*/21-22");
	const Node *second = At(calls[1], "Meal_Information");
	ASSERT_EQ(second->children.size(), 2u);
	EXPECT_EQ(*second->children[0].second.StringAt("Meal_Type"), "3");
	EXPECT_EQ(*second->children[0].second.StringAt("Meal_Dates"), "*/23");
	EXPECT_EQ(calls[2].patient_id, "00200");
	EXPECT_EQ(calls[3].other_date, "2026-12");

	EXPECT_THROW(meal("00100", "2026-11-21", "04", nullptr, nullptr), Error);
	EXPECT_THROW(meal("00100", "2026-11-21", nullptr, nullptr, nullptr), Error);
}

TEST(Registration, MealDatesListRangesAndSingles)
{
	const ResourceDef &r = Res("meals");
	std::vector<MealRow> rows;
	for (int d : {1, 2, 3, 5, 7, 8, 31}) {
		MealRow m = CheckMealRow(r, Row(r, {{"patient_id", "1"}, {"perform_date", "2026-10-" + std::string(d < 10 ? "0" : "") + std::to_string(d)},
		                                    {"lunch_meal", "01"}}),
		                         "meals");
		m.admission_date = "2026-09-01";
		rows.push_back(m);
	}
	std::vector<Registration> calls = BuildMealCalls(rows);
	ASSERT_EQ(calls.size(), 1u);
	EXPECT_EQ(calls[0].meal_dates, "*/1-3,5,7-8,31");
}

struct Served {
	int status = 200;
	std::string body;
	TestResponse::Action action = TestResponse::Action::Respond;
};

RegResult
Send(const Served &served, int *requests, const Registration &reg)
{
	TestHttpServer server([&](const TestRequest &) {
		TestResponse r = TestResponse::Status(served.status, served.body);
		r.action = served.action;
		r.truncate_at = served.body.size() / 2;
		return r;
	});
	ServerConfig cfg;
	cfg.base_url = server.Url();
	cfg.retries = 3; /* registrations ignore it */
	cfg.breaker_failures = 0;
	cfg.request_timeout_ms = 5000;
	HttpClient client(cfg);
	RegResult res = Execute(client, reg, NeverCancel());
	*requests = server.RequestCount();
	return res;
}

std::string
PatientAnswer(const std::string &code, const std::string &extra)
{
	return "<xmlio2><patientmodres type=\"record\"><Api_Result type=\"string\">" + code +
	       "</Api_Result><Api_Result_Message type=\"string\">登録終了</Api_Result_Message>" + extra +
	       "<Patient_Information type=\"record\"><Patient_ID type=\"string\">20001</Patient_ID>"
	       "</Patient_Information></patientmodres></xmlio2>";
}

TEST(Registration, OutcomesAreClassifiedAndNeverResent)
{
	Registration reg = BuildPatientInsert(Res("patients"), Patient(), "2026-11-25", "patients");
	int requests = 0;

	RegResult ok = Send({200, PatientAnswer("00", "")}, &requests, reg);
	EXPECT_EQ(ok.outcome, RegOutcome::Ok);
	EXPECT_EQ(ok.answered_id, "20001");
	EXPECT_EQ(requests, 1);

	RegResult warned =
	    Send({200, PatientAnswer("K0", "<Api_Warning_Message1 type=\"string\">警告！同一患者の登録があります"
	                                   "</Api_Warning_Message1>")},
	         &requests, reg);
	EXPECT_EQ(warned.outcome, RegOutcome::Warning);
	ASSERT_EQ(warned.warnings.size(), 1u);
	EXPECT_EQ(warned.warnings[0], "K0: 警告！同一患者の登録があります");

	RegResult refused = Send({200, PatientAnswer("14", "")}, &requests, reg);
	EXPECT_EQ(refused.outcome, RegOutcome::Refused);
	EXPECT_EQ(refused.code, "14");
	Error e = FailureError(reg, refused, "patientmodv2 class=01 for patient 20000", "");
	EXPECT_EQ(e.kind, ErrorKind::ApiResult);
	EXPECT_EQ(e.detail.rfind("Api_Result 14: 登録終了", 0), 0u) << e.detail;
	EXPECT_NE(e.detail.find("kept by ORCA: patientmodv2 class=01 for patient 20000"), std::string::npos);

	for (Served s : {Served{500, "error"}, Served{200, PatientAnswer("00", ""), TestResponse::Action::Truncate},
	                 Served{200, "", TestResponse::Action::Reset}, Served{200, "<xmlio2><patientmodres"}}) {
		RegResult unknown = Send(s, &requests, reg);
		EXPECT_EQ(unknown.outcome, RegOutcome::Unknown) << s.status << " " << static_cast<int>(s.action);
		EXPECT_EQ(requests, 1) << "a registration is never resent";
		EXPECT_EQ(FailureError(reg, unknown, "", "").message, "outcome of ORCA patientmodv2 call is unknown");
	}

	RegResult auth = Send({401, "no"}, &requests, reg);
	EXPECT_EQ(auth.outcome, RegOutcome::Refused);

	/* nobody listens: nothing was sent */
	ServerConfig cfg;
	{
		TestHttpServer gone([](const TestRequest &) { return TestResponse::Ok(""); });
		cfg.base_url = gone.Url();
	}
	cfg.retries = 3;
	cfg.breaker_failures = 0;
	HttpClient client(cfg);
	RegResult not_sent = Execute(client, reg, NeverCancel());
	EXPECT_EQ(not_sent.outcome, RegOutcome::NotSent);
}

/* Item 13: "not sent" only from facts (no request byte written), never from
 * an error's wording; otherwise the outcome is unknown. */
TEST(Registration, NotSentOnlyWhenNothingWasWritten)
{
	Registration reg = BuildPatientInsert(Res("patients"), Patient(), "2026-11-25", "patients");
	int requests = 0;

	/* the server reads the whole request, then closes without a byte */
	RegResult dropped = Send({200, "", TestResponse::Action::CloseSilently}, &requests, reg);
	EXPECT_EQ(requests, 1);
	EXPECT_EQ(dropped.outcome, RegOutcome::Unknown);
	EXPECT_EQ(FailureError(reg, dropped, "", "").message, "outcome of ORCA patientmodv2 call is unknown");

	/* https towards a plain HTTP port: the TLS handshake never finishes */
	{
		TestHttpServer plain([](const TestRequest &) { return TestResponse::Ok("plain"); });
		ServerConfig cfg;
		cfg.base_url = "https://127.0.0.1:" + std::to_string(plain.Port());
		cfg.breaker_failures = 0;
		HttpClient client(cfg);
		RegResult tls = Execute(client, reg, NeverCancel());
		EXPECT_EQ(tls.outcome, RegOutcome::NotSent) << tls.error_message << ": " << tls.error_detail;
		EXPECT_EQ(plain.RequestCount(), 0);
		EXPECT_NE(FailureError(reg, tls, "", "").detail.find("Not sent: patientmodv2 class=01"), std::string::npos);
	}

	/* canceled before the request could leave: not sent; canceled while the
	 * server holds the request: unknown */
	class Fired final : public CancelToken {
	public:
		bool Cancelled() const noexcept override { return true; }
	};
	{
		TestHttpServer server([](const TestRequest &) { return TestResponse::Ok(""); });
		ServerConfig cfg;
		cfg.base_url = server.Url();
		cfg.breaker_failures = 0;
		HttpClient client(cfg);
		RegResult early = Execute(client, reg, Fired());
		EXPECT_TRUE(early.cancelled);
		EXPECT_EQ(early.outcome, RegOutcome::NotSent);
		EXPECT_EQ(FailureError(reg, early, "", "").message, "ORCA patientmodv2 call was canceled before it was sent");
		EXPECT_EQ(server.RequestCount(), 0);
	}
	{
		std::atomic<bool> arrived{false};
		TestHttpServer server([&](const TestRequest &) {
			arrived = true;
			TestResponse r;
			r.action = TestResponse::Action::Hang;
			return r;
		});
		class WhenArrived final : public CancelToken {
		public:
			explicit WhenArrived(const std::atomic<bool> &a) : a_(a) {}
			bool Cancelled() const noexcept override { return a_.load(); }

		private:
			const std::atomic<bool> &a_;
		} token(arrived);
		ServerConfig cfg;
		cfg.base_url = server.Url();
		cfg.breaker_failures = 0;
		HttpClient client(cfg);
		RegResult late = Execute(client, reg, token);
		EXPECT_TRUE(late.cancelled);
		EXPECT_EQ(late.outcome, RegOutcome::Unknown);
		EXPECT_EQ(server.RequestCount(), 1);
	}
}

/* Item 17: the Patient_ID of ORCA's answer is a patient number (digits, at
 * most 20) and the one asked for, or the outcome is unknown. */
TEST(Registration, AnsweredPatientIdIsValidated)
{
	const ResourceDef &r = Res("patients");
	Registration reg = BuildPatientInsert(r, Patient(), "2026-11-25", "patients");
	int requests = 0;
	auto answer = [](const std::string &id) {
		return "<xmlio2><patientmodres type=\"record\"><Api_Result type=\"string\">00</Api_Result>"
		       "<Api_Result_Message type=\"string\">登録終了</Api_Result_Message>"
		       "<Patient_Information type=\"record\">" +
		       (id == "<none>" ? std::string() : "<Patient_ID type=\"string\">" + id + "</Patient_ID>") +
		       "<WholeName type=\"string\">試験　太郎</WholeName></Patient_Information></patientmodres></xmlio2>";
	};
	for (const std::string &bad : std::vector<std::string>{"X20001", "20001 ", "", "123456789012345678901",
	                                                     std::string(5000, '7'), "<none>"}) {
		RegResult res = Send({200, answer(bad)}, &requests, reg);
		EXPECT_EQ(res.outcome, RegOutcome::Unknown) << bad.size();
		EXPECT_TRUE(res.answered_id.empty());
		EXPECT_FALSE(res.Registered());
		Error e = FailureError(reg, res, "", "");
		EXPECT_EQ(e.message, "outcome of ORCA patientmodv2 call is unknown");
		EXPECT_NE(e.detail.find("Patient_ID"), std::string::npos) << e.detail;
		EXPECT_NE(e.detail.find("May have been registered"), std::string::npos) << e.detail;
		EXPECT_LT(e.detail.size(), 600u) << "the answered value is never echoed";
		AuditContext ctx{"1-1", "db", "alice", "orca", "patients", "immediate"};
		std::string line = AuditLine(ctx, reg, &res);
		EXPECT_NE(line.find("\"outcome\":\"unknown\""), std::string::npos) << line;
		EXPECT_NE(line.find("\"patient_id\":\"*\""), std::string::npos) << line;
	}
	RegResult ok = Send({200, answer("20001")}, &requests, reg);
	EXPECT_EQ(ok.outcome, RegOutcome::Ok);
	EXPECT_EQ(ok.answered_id, "20001");

	/* an update of 00042 answered for another patient: unknown; another
	 * spelling of the same number is the same patient */
	RowImage before = Patient();
	before[r.FindColumn("patient_id")].isnull = false;
	before[r.FindColumn("patient_id")].text = "00042";
	Registration upd = BuildPatientUpdate(r, Patient("試験　次郎", "シケン　ジロウ"), before, nullptr, "2026-11-25", "p", true);
	EXPECT_EQ(Send({200, answer("00043")}, &requests, upd).outcome, RegOutcome::Unknown);
	EXPECT_EQ(Send({200, answer("0000042")}, &requests, upd).outcome, RegOutcome::Ok);
	EXPECT_EQ(Send({200, answer("<none>")}, &requests, upd).outcome, RegOutcome::Ok) << "the id sent stands";
}

/* Item 11: nothing ORCA's xml2 cannot carry is ever sent; the error names the column. */
TEST(Registration, ControlCharactersAreRefusedNamingTheColumn)
{
	const ResourceDef &p = Res("patients");
	auto with = [&](const char *column, const std::string &value) {
		RowImage row = Patient();
		row[p.FindColumn(column)].isnull = false;
		row[p.FindColumn(column)].text = value;
		return row;
	};
	struct Case {
		const char *column;
		std::string value;
		const char *code_point;
	} cases[] = {
	    {"comment1", "行1\n行2", "U+000A"},   {"comment2", "a\tb", "U+0009"},
	    {"allergy1", std::string("x\x01", 2), "U+0001"}, {"occupation", "a\x7f", "U+007F"},
	    {"whole_address1", "東京\xc2\x85", "U+0085"}, {"email_address", "a\xef\xbf\xbf", "U+FFFF"},
	    {"whole_name", "山田\r太郎", "U+000D"}, {"whole_name_in_kana", "ヤマダ\nタロウ", "U+000A"},
	    {"phone_number1", "03\x1b", "U+001B"},
	};
	for (const Case &c : cases) {
		try {
			BuildPatientInsert(p, with(c.column, c.value), "2026-11-25", "patients");
			ADD_FAILURE() << c.column;
		} catch (const Error &e) {
			EXPECT_EQ(e.kind, ErrorKind::InvalidValue);
			EXPECT_NE(e.message.find(std::string("column \"") + c.column + "\""), std::string::npos) << e.message;
			EXPECT_NE(e.detail.find(c.code_point), std::string::npos) << e.detail;
			EXPECT_EQ(e.detail.find(c.value), std::string::npos) << "values are never echoed";
		}
	}
	/* jsonb leaves (workplace_information) */
	RowImage work = Patient();
	work[p.FindColumn("workplace_information")].isnull = false;
	work[p.FindColumn("workplace_information")].json = {{"WholeName", "会社\n名"}};
	EXPECT_THROW(
	    {
		    try {
			    BuildPatientInsert(p, work, "2026-11-25", "patients");
		    } catch (const Error &e) {
			    EXPECT_NE(e.message.find("\"workplace_information\""), std::string::npos) << e.message;
			    throw;
		    }
	    },
	    Error);

	/* UPDATE: the row's values, and ORCA's current values of columns the table lacks */
	RowImage before = Patient();
	before[p.FindColumn("patient_id")].isnull = false;
	before[p.FindColumn("patient_id")].text = "00042";
	EXPECT_THROW(BuildPatientUpdate(p, with("comment1", "a\nb"), before, nullptr, "2026-11-25", "p", true), Error);
	RowImage narrow = Patient(), narrow_before = before;
	for (size_t c = 0; c < narrow.size(); c++)
		if (p.columns[c].name == "comment2")
			narrow[c].present = narrow_before[c].present = false;
	Node current = Node::MakeRecord();
	current.children.emplace_back("Comment2", Node::MakeString("x\ny"));
	try {
		BuildPatientUpdate(p, narrow, narrow_before, &current, "2026-11-25", "p", true);
		ADD_FAILURE();
	} catch (const Error &e) {
		EXPECT_NE(e.message.find("ORCA's current value of comment2 for patient 00042"), std::string::npos) << e.message;
	}

	/* admissions and meals */
	const ResourceDef &a = Res("admissions");
	EXPECT_THROW(BuildAdmission(a,
	                            Row(a, {{"patient_id", "00100"}, {"admission_date", "2026-11-20"}, {"ward_number", "01\n"},
	                                    {"room_number", "301"}, {"department_code", "01"}}),
	                            "admissions"),
	             Error);
	const ResourceDef &m = Res("meals");
	EXPECT_THROW(CheckMealRow(m, Row(m, {{"patient_id", "001\x02"}, {"perform_date", "2026-11-21"}, {"lunch_meal", "01"}}),
	                          "meals"),
	             Error);
	/* full-width text, non-BMP characters and U+3000 are fine */
	EXPECT_NO_THROW(BuildPatientInsert(p, with("comment1", "𠮷野家　注意"), "2026-11-25", "patients"));
}

/* Item 4: one ORCA row, one identity, whatever the spelling of its number. */
TEST(Registration, TargetKeyIdentifiesTheOrcaRow)
{
	const ResourceDef &p = Res("patients");
	const ResourceDef &a = Res("admissions");
	EXPECT_EQ(TargetKey(p, Row(p, {{"patient_id", "00042"}})), TargetKey(p, Row(p, {{"patient_id", "42"}})));
	EXPECT_NE(TargetKey(p, Row(p, {{"patient_id", "00042"}})), TargetKey(p, Row(p, {{"patient_id", "00043"}})));
	EXPECT_EQ(TargetKey(p, Row(p, {})), "");
	std::string k1 = TargetKey(a, Row(a, {{"patient_id", "00100"}, {"admission_date", "2026-11-20"}}));
	EXPECT_EQ(k1, TargetKey(a, Row(a, {{"patient_id", "100"}, {"admission_date", "2026-11-20"}})));
	EXPECT_NE(k1, TargetKey(a, Row(a, {{"patient_id", "00100"}, {"admission_date", "2025-01-10"}})));
	EXPECT_EQ(TargetKey(a, Row(a, {{"patient_id", "00100"}})), "");
}

TEST(Registration, InpatientAnswersUseApiResultsArrays)
{
	const ResourceDef &r = Res("admissions");
	Registration reg = BuildAdmission(r, Row(r, {{"patient_id", "00101"}, {"admission_date", "2026-11-20"},
	                                             {"ward_number", "09"}, {"room_number", "901"}, {"department_code", "01"}}),
	                                  "admissions");
	int requests = 0;
	RegResult res = Send({200, "<xmlio2><private_objects type=\"record\"><Api_Results type=\"array\">"
	                           "<Api_Results_child type=\"record\"><Api_Result type=\"string\">0018</Api_Result>"
	                           "<Api_Result_Message type=\"string\">病棟番号の入力に誤りがあります</Api_Result_Message>"
	                           "</Api_Results_child><Api_Results_child type=\"record\"><Api_Result "
	                           "type=\"string\">0020</Api_Result></Api_Results_child></Api_Results>"
	                           "</private_objects></xmlio2>"},
	                     &requests, reg);
	EXPECT_EQ(res.outcome, RegOutcome::Refused);
	EXPECT_EQ(res.code, "0018");
	EXPECT_EQ(res.message, "病棟番号の入力に誤りがあります; Api_Result 0020: ");
}

TEST(Registration, AuditLineHoldsIdsAndDatesOnly)
{
	Registration reg = BuildPatientInsert(Res("patients"), Patient(), "2026-11-25", "patients");
	AuditContext ctx{"1-1", "db", "alice", "orca", "patients", "immediate"};
	std::string sent = AuditLine(ctx, reg, nullptr);
	EXPECT_EQ(sent.back(), '\n');
	EXPECT_NE(sent.find("\"event\":\"sent\""), std::string::npos);
	EXPECT_NE(sent.find("\"patient_id\":\"*\""), std::string::npos);
	EXPECT_EQ(sent.find("試験"), std::string::npos) << "no names in the audit";
	RegResult res;
	res.outcome = RegOutcome::Ok;
	res.code = "00";
	res.answered_id = "20001";
	std::string result = AuditLine(ctx, reg, &res);
	EXPECT_NE(result.find("\"outcome\":\"ok\""), std::string::npos);
	EXPECT_NE(result.find("\"patient_id\":\"20001\""), std::string::npos);
}

TEST(Registration, LedgerReportsOnceAndFollowsSubtransactions)
{
	Ledger ledger;
	ledger.Add("a", 1);
	ledger.Add("b", 2);
	EXPECT_EQ(ledger.Unreported(2), 1u);
	EXPECT_EQ(ledger.Text(true, 2), "b");
	EXPECT_EQ(ledger.Unreported(), 1u);
	ledger.Add("c", 3);
	ledger.SubCommit(3);
	EXPECT_EQ(ledger.Unreported(3), 0u);
	EXPECT_EQ(ledger.Unreported(2), 1u);
	EXPECT_EQ(ledger.Text(false), "a; b; c");
	EXPECT_EQ(ledger.Unreported(), 0u);
}

} // namespace
} // namespace orca_fdw::core
