/*
 * planner_test.cpp — the pushdown planner as a pure function: which ORCA
 * calls a set of quals and needed columns produce, at plan time (values
 * unknown) and at execution time.
 */
#include "core/catalog.hpp"
#include "core/scan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace orca_fdw::core {
namespace {

class PlannerTest : public ::testing::Test {
protected:
	ScanSpec Spec(const char *resource, std::vector<const char *> columns)
	{
		ScanSpec spec;
		spec.resource = FindResource(resource);
		EXPECT_NE(spec.resource, nullptr);
		for (const char *c : columns)
			spec.needed_columns.push_back(spec.resource->FindColumn(c));
		return spec;
	}
	static QualSpec Qual(const ScanSpec &spec, const char *column, QualOp op, std::vector<std::string> values)
	{
		QualSpec q;
		q.column = spec.resource->FindColumn(column);
		q.op = op;
		q.values = std::move(values);
		return q;
	}
	static bool Mentions(const ScanPlan &plan, const std::string &text)
	{
		for (const auto &line : plan.explain)
			if (line.find(text) != std::string::npos)
				return true;
		return false;
	}
};

TEST_F(PlannerTest, SingleIdUsesPatientGet)
{
	ScanSpec spec = Spec("patients", {"patient_id", "whole_name", "birth_date"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::Eq, {"00042"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::PatientById);
	EXPECT_TRUE(plan.use_get);
	EXPECT_FALSE(plan.use_list2);
	EXPECT_FALSE(plan.need_list1);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 1);
}

TEST_F(PlannerTest, SingleIdWithList2OnlyColumnUsesOneList2Call)
{
	ScanSpec spec = Spec("patients", {"patient_id", "outpatient_class"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::Eq, {"00042"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_TRUE(plan.use_list2);
	EXPECT_FALSE(plan.use_get);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 1);
}

TEST_F(PlannerTest, IdListIsBatchedByHundred)
{
	ScanSpec spec = Spec("patients", {"patient_id"});
	std::vector<std::string> ids;
	for (int i = 1; i <= 250; i++)
		ids.push_back(std::to_string(i));
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::In, ids));
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::PatientById);
	EXPECT_TRUE(plan.use_list2);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 3);
	EXPECT_TRUE(Mentions(plan, "250 ids, 100 a call (3 calls)"));
}

TEST_F(PlannerTest, GetOnlyColumnsWithIdListAddOneCallPerId)
{
	ScanSpec spec = Spec("patients", {"patient_id", "allergy1"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::In, {"1", "2", "3"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_TRUE(plan.use_list2);
	EXPECT_TRUE(plan.use_get);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 4);
}

TEST_F(PlannerTest, DatesWithIdNeedAList1Pass)
{
	ScanSpec spec = Spec("patients", {"patient_id", "create_date"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::Eq, {"00042"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_TRUE(plan.need_list1);
	EXPECT_TRUE(Mentions(plan, "only patientlst1v2 carries them"));
}

TEST_F(PlannerTest, NullComparisonMakesNoCall)
{
	ScanSpec spec = Spec("patients", {"patient_id"});
	QualSpec q = Qual(spec, "patient_id", QualOp::Eq, {});
	q.null_value = true;
	spec.quals.push_back(q);
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::Empty);
}

TEST_F(PlannerTest, FullWidthNamePrefixUsesNameSearch)
{
	ScanSpec spec = Spec("patients", {"patient_id"});
	spec.quals.push_back(Qual(spec, "whole_name", QualOp::Prefix, {"山田"}));
	spec.quals.push_back(Qual(spec, "sex", QualOp::Eq, {"2"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::PatientByName);
	EXPECT_GE(plan.sex_qual, 0);
	for (const auto &line : plan.explain)
		EXPECT_EQ(line.find("山田"), std::string::npos) << "names never appear in EXPLAIN";
}

TEST_F(PlannerTest, HalfWidthOrWildcardNamesAreNotPushed)
{
	for (const char *name : {"yamada", "山田＊", "ヤマダ*"}) {
		ScanSpec spec = Spec("patients", {"patient_id"});
		spec.quals.push_back(Qual(spec, "whole_name_in_kana", QualOp::Prefix, {name}));
		EXPECT_EQ(PlanScan(spec).strategy, Strategy::PatientFull) << name;
	}
}

TEST_F(PlannerTest, NameAsParameterIsNotPushed)
{
	ScanSpec spec = Spec("patients", {"patient_id"});
	QualSpec q = Qual(spec, "whole_name", QualOp::Prefix, {});
	q.values_known = false;
	spec.quals.push_back(q);
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::PatientFull);
}

TEST_F(PlannerTest, CreateDateWindowUsesClass02)
{
	ScanSpec spec = Spec("patients", {"patient_id"});
	spec.quals.push_back(Qual(spec, "create_date", QualOp::Ge, {"2020-01-01"}));
	spec.quals.push_back(Qual(spec, "create_date", QualOp::Lt, {"2020-04-01"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::PatientByDate);
	EXPECT_TRUE(plan.window_create_only);
	EXPECT_TRUE(Mentions(plan, "class=02, create_date 2020-01-01 .. 2020-03-31"));
}

TEST_F(PlannerTest, UpdateDateWindowUsesClass01)
{
	ScanSpec spec = Spec("patients", {"patient_id"});
	spec.quals.push_back(Qual(spec, "update_date", QualOp::Gt, {"2018-01-01"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_FALSE(plan.window_create_only);
	EXPECT_TRUE(Mentions(plan, "class=01, update_date 2018-01-02 .. open end"));
}

TEST_F(PlannerTest, NoQualEnumeratesAndProbesUndatedPatients)
{
	ScanSpec spec = Spec("patients", {"whole_address1"});
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::PatientFull);
	EXPECT_TRUE(plan.use_list2) << "detail columns the driver lacks come from patientlst2v2";
	EXPECT_TRUE(Mentions(plan, "cannot list"));
}

TEST_F(PlannerTest, CountStarNeedsNoDetailCalls)
{
	ScanSpec spec = Spec("patients", {});
	ScanPlan plan = PlanScan(spec);
	EXPECT_FALSE(plan.use_list2);
	EXPECT_FALSE(plan.use_get);
}

TEST_F(PlannerTest, AdmittedStaysUseHsfindState1)
{
	ScanSpec spec = Spec("admissions", {"patient_id", "ward_number"});
	QualSpec q = Qual(spec, "discharge_date", QualOp::IsNull, {});
	spec.quals.push_back(q);
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::StaySearch);
	EXPECT_EQ(plan.state, 1);
	EXPECT_FALSE(plan.use_info);
}

TEST_F(PlannerTest, InfoOnlyColumnsAddHsptinfv2)
{
	ScanSpec spec = Spec("admissions", {"patient_id", "history_number"});
	ScanPlan plan = PlanScan(spec);
	EXPECT_TRUE(plan.use_info);
	EXPECT_TRUE(Mentions(plan, "State 1 and State 2"));
}

TEST_F(PlannerTest, StaysOfOnePatientUseHsptinfv2)
{
	ScanSpec spec = Spec("admissions", {"patient_id"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::Eq, {"19"}));
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::StayByPatient);
}

TEST_F(PlannerTest, MealsNeedAPatientOrAStartDate)
{
	ScanSpec spec = Spec("meals", {"patient_id"});
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::MissingQual);
	EXPECT_NE(plan.missing_message.find("perform_date"), std::string::npos);
	EXPECT_GT(plan.estimated_calls, 1e6) << "so joins that supply patient_id win";
	spec.quals.push_back(Qual(spec, "perform_date", QualOp::Le, {"2026-10-31"}));
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::MissingQual);
}

TEST_F(PlannerTest, MealsOfOnePatientMonthIsOneCall)
{
	ScanSpec spec = Spec("meals", {"patient_id", "morning_meal"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::Eq, {"19"}));
	spec.quals.push_back(Qual(spec, "perform_date", QualOp::Ge, {"2026-11-01"}));
	spec.quals.push_back(Qual(spec, "perform_date", QualOp::Le, {"2026-11-30"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::MealByPatient);
	EXPECT_FALSE(plan.use_info);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 1);
	spec.quals.back().values = {"2026-12-05"};
	EXPECT_DOUBLE_EQ(PlanScan(spec).estimated_calls, 2) << "a month boundary adds a call";
}

TEST_F(PlannerTest, MealsByDateFindTheInpatientsFirst)
{
	ScanSpec spec = Spec("meals", {"patient_id"});
	spec.quals.push_back(Qual(spec, "perform_date", QualOp::Ge, {"2026-10-01"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::MealByDate);
	EXPECT_TRUE(Mentions(plan, "hsfindv3"));
}

TEST_F(PlannerTest, ReferenceTablesAreOneList)
{
	for (const char *r : {"wards", "departments", "doctors"}) {
		ScanSpec spec = Spec(r, {});
		EXPECT_EQ(PlanScan(spec).strategy, Strategy::Reference) << r;
	}
}

TEST(CatalogTest, SnakeCaseFollowsTheContract)
{
	EXPECT_EQ(SnakeCase("WholeName_inKana"), "whole_name_in_kana");
	EXPECT_EQ(SnakeCase("BirthDate"), "birth_date");
	EXPECT_EQ(SnakeCase("Patient_ID"), "patient_id");
	EXPECT_EQ(SnakeCase("PhoneNumber1"), "phone_number1");
	EXPECT_EQ(SnakeCase("HouseHolder_WholeName"), "house_holder_whole_name");
}

TEST(CatalogTest, ContractColumnsExist)
{
	const std::vector<std::pair<const char *, std::vector<const char *>>> required = {
		{"patients", {"patient_id", "whole_name", "whole_name_in_kana", "birth_date", "sex", "create_date", "update_date"}},
		{"admissions", {"patient_id", "admission_date", "discharge_date", "ward_number", "room_number", "department_code"}},
		{"meals", {"patient_id", "perform_date", "morning_meal", "lunch_meal", "evening_meal"}},
	};
	for (const auto &[resource, columns] : required) {
		const ResourceDef *r = FindResource(resource);
		ASSERT_NE(r, nullptr) << resource;
		for (const char *c : columns)
			EXPECT_GE(r->FindColumn(c), 0) << resource << "." << c;
	}
	EXPECT_EQ(FindResource("patients")->FindField("WholeName_inKana"), FindResource("patients")->FindColumn("whole_name_in_kana"));
}

} // namespace
} // namespace orca_fdw::core
