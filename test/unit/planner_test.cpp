/*
 * planner_test.cpp — the pushdown planner as a pure function: which ORCA
 * calls a set of quals and needed columns produce, at plan time (values
 * unknown) and at execution time.
 */
#include "core/registry.hpp"
#include "core/scan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

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
	EXPECT_TRUE(plan.driver_get);
	EXPECT_FALSE(plan.use_list2);
	EXPECT_FALSE(plan.use_get) << "the driver's patientgetv2 row is complete";
	EXPECT_FALSE(plan.need_list1);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 1);
}

TEST_F(PlannerTest, SingleIdWithList2OnlyColumnUsesOneList2Call)
{
	ScanSpec spec = Spec("patients", {"patient_id", "outpatient_class"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::Eq, {"00042"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_FALSE(plan.driver_get);
	EXPECT_EQ(plan.row_origins, std::vector<unsigned>{SourceBit(Source::PatientList2)});
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
	EXPECT_EQ(plan.row_origins, std::vector<unsigned>{SourceBit(Source::PatientList2)});
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 3);
	EXPECT_TRUE(Mentions(plan, "250 ids, 100 a call (3 calls)"));
}

TEST_F(PlannerTest, GetOnlyColumnsWithIdListAddOneCallPerId)
{
	ScanSpec spec = Spec("patients", {"patient_id", "allergy1"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::In, {"1", "2", "3"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.row_origins, std::vector<unsigned>{SourceBit(Source::PatientList2)});
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

/* visits: one acceptlstv2 call per day of a range known at both ends; a
 * department code adds one system01lstv2 call; no range, half a range or
 * more than ten years is the missing-key error naming visit_date. */
TEST_F(PlannerTest, VisitsNeedADayRangeAndCallOncePerDay)
{
	ScanSpec spec = Spec("visits", {"visit_date", "patient_id"});
	spec.quals.push_back(Qual(spec, "visit_date", QualOp::Ge, {"2025-01-01"}));
	spec.quals.push_back(Qual(spec, "visit_date", QualOp::Lt, {"2026-01-01"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::Own);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 365);
	ASSERT_EQ(plan.explain.size(), 1u);
	EXPECT_EQ(plan.explain[0], "POST /api01rv2/acceptlstv2?class=03 — one call per day (visit_date 2025-01-01 .. "
	                           "2025-12-31: 365 calls)");
	spec.quals.push_back(Qual(spec, "department_code", QualOp::Eq, {"01"}));
	spec.quals.push_back(Qual(spec, "physician_code", QualOp::Eq, {"10001"}));
	plan = PlanScan(spec);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 366);
	EXPECT_TRUE(Mentions(plan, "system01lstv2"));
	EXPECT_TRUE(Mentions(plan, "Department_Code from department_code, Physician_Code from physician_code"));

	ScanSpec half = Spec("visits", {"patient_id"});
	half.quals.push_back(Qual(half, "visit_date", QualOp::Ge, {"2025-01-01"}));
	plan = PlanScan(half);
	EXPECT_EQ(plan.strategy, Strategy::MissingQual);
	EXPECT_NE(plan.missing_hint.find("visit_date"), std::string::npos) << plan.missing_hint;
	EXPECT_EQ(PlanScan(Spec("visits", {"patient_id"})).strategy, Strategy::MissingQual);
	ScanSpec infinite = Spec("visits", {"patient_id"});
	infinite.quals.push_back(Qual(infinite, "visit_date", QualOp::Ge, {"-infinity"}));
	infinite.quals.push_back(Qual(infinite, "visit_date", QualOp::Le, {"2025-01-01"}));
	EXPECT_EQ(PlanScan(infinite).strategy, Strategy::MissingQual);
	ScanSpec decades = Spec("visits", {"patient_id"});
	decades.quals.push_back(Qual(decades, "visit_date", QualOp::Ge, {"2000-01-01"}));
	decades.quals.push_back(Qual(decades, "visit_date", QualOp::Le, {"2025-01-01"}));
	plan = PlanScan(decades);
	EXPECT_EQ(plan.strategy, Strategy::MissingQual);
	EXPECT_NE(plan.missing_message.find("9133 days"), std::string::npos) << plan.missing_message;
	ScanSpec one = Spec("visits", {"patient_id"});
	one.quals.push_back(Qual(one, "visit_date", QualOp::Eq, {"2025-01-06"}));
	EXPECT_DOUBLE_EQ(PlanScan(one).estimated_calls, 1);
}

TEST_F(PlannerTest, DiseasesNeedAPatient)
{
	ScanSpec spec = Spec("diseases", {"patient_id", "disease_name"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::In, {"00001", "00002", "00003"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::Own);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 3);
	EXPECT_TRUE(Mentions(plan, "POST /api01rv2/diseasegetv2?class=01 — one call per patient"));
	plan = PlanScan(Spec("diseases", {"patient_id"}));
	EXPECT_EQ(plan.strategy, Strategy::MissingQual);
	EXPECT_NE(plan.missing_hint.find("patient_id"), std::string::npos);
	ASSERT_NE(FindResource("diseases")->JoinKey(), nullptr);
	EXPECT_EQ(FindResource("diseases")->JoinKey()->column, "patient_id");
	EXPECT_EQ(FindResource("visits")->JoinKey(), nullptr) << "a patient does not bound the days";
}

TEST_F(PlannerTest, ListResourcesExplainTheirCalls)
{
	const std::map<std::string, std::vector<std::string>> expected = {
	    {"wards", {"POST /api01rv2/hsconfwardv2 — Request_Number 1 (all wards)"}},
	    {"rooms",
	     {"POST /api01rv2/hsconfwardv2 — Request_Number 1 (the wards)",
	      "POST /api01rv2/hsconfwardv2 — Request_Number 2, one call per ward"}},
	    {"departments", {"POST /api01rv2/system01lstv2 — Request_Number 01"}},
	    {"doctors", {"POST /api01rv2/system01lstv2 — Request_Number 02"}},
	};
	for (const auto &[name, lines] : expected) {
		ScanPlan plan = PlanScan(Spec(name.c_str(), {}));
		EXPECT_EQ(plan.explain, lines) << name;
		EXPECT_DOUBLE_EQ(plan.estimated_calls, name == "rooms" ? 5 : 1) << name;
	}
}

/* Every patients column, alone, with patient_id, and all together, under
 * every strategy: each row a plan can produce (each origin, listed by the
 * patientlst1v2 listing or not) gets every needed column from a record it
 * has or that the plan fetches.  Columns only patientlst1v2 carries are
 * complete when the row came from a listing or the plan lists the rows it
 * found; every API a row needs is one the plan says it calls. */
TEST_F(PlannerTest, EveryColumnHasASourceInEveryStrategy)
{
	const ResourceDef &r = *FindResource("patients");
	const unsigned l1 = SourceBit(Source::PatientList1), l2 = SourceBit(Source::PatientList2),
	               get = SourceBit(Source::PatientGet);
	for (const ColumnDef &c : r.columns)
		EXPECT_NE(c.Sources() & (l1 | l2 | get), 0u) << c.name << " has no source the planner can use";

	struct Case {
		const char *name;
		std::vector<QualSpec> quals;
		Strategy strategy;
	};
	ScanSpec base = Spec("patients", {});
	auto unknown = [&](const char *column, QualOp op) {
		QualSpec q = Qual(base, column, op, {});
		q.values_known = false;
		q.estimated_count = op == QualOp::In ? 10 : 1;
		return q;
	};
	std::vector<std::string> many_ids;
	for (int i = 1; i <= 1000; i++)
		many_ids.push_back(std::to_string(i));
	const std::vector<Case> cases = {
	    {"id =", {Qual(base, "patient_id", QualOp::Eq, {"00042"})}, Strategy::PatientById},
	    {"id = $1 (generic plan, parameterized join)", {unknown("patient_id", QualOp::Eq)}, Strategy::PatientById},
	    {"id IN", {Qual(base, "patient_id", QualOp::In, {"00001", "2", "00003"})}, Strategy::PatientById},
	    {"id IN 1000", {Qual(base, "patient_id", QualOp::In, many_ids)}, Strategy::PatientById},
	    {"id = ANY($1)", {unknown("patient_id", QualOp::In)}, Strategy::PatientById},
	    {"name prefix", {Qual(base, "whole_name", QualOp::Prefix, {"山田"})}, Strategy::PatientByName},
	    {"kana =", {Qual(base, "whole_name_in_kana", QualOp::Eq, {"ヤマダ　ハナコ"})}, Strategy::PatientByName},
	    {"name, birth, sex",
	     {Qual(base, "whole_name", QualOp::Prefix, {"山田"}), Qual(base, "birth_date", QualOp::Ge, {"1950-01-01"}),
	      Qual(base, "sex", QualOp::Eq, {"2"})},
	     Strategy::PatientByName},
	    {"create window", {Qual(base, "create_date", QualOp::Ge, {"2020-01-01"})}, Strategy::PatientByDate},
	    {"update window", {Qual(base, "update_date", QualOp::Le, {"2020-01-01"})}, Strategy::PatientByDate},
	    {"full scan", {}, Strategy::PatientFull},
	};

	std::vector<std::vector<int>> column_sets;
	std::vector<int> all;
	for (size_t c = 0; c < r.columns.size(); c++) {
		column_sets.push_back({static_cast<int>(c)});
		column_sets.push_back({0, static_cast<int>(c)});
		all.push_back(static_cast<int>(c));
	}
	column_sets.push_back(all);

	for (const Case &k : cases)
		for (const auto &columns : column_sets) {
			ScanSpec spec = Spec("patients", {});
			spec.needed_columns = columns;
			spec.quals = k.quals;
			/* quals are rechecked: their columns are needed too */
			for (const QualSpec &q : k.quals)
				if (std::find(spec.needed_columns.begin(), spec.needed_columns.end(), q.column) == spec.needed_columns.end())
					spec.needed_columns.push_back(q.column);
			ScanPlan plan = PlanScan(spec);
			std::string what = std::string(k.name) + " / " + (columns.size() > 2 ? "all columns" : r.columns[columns.back()].name);
			ASSERT_EQ(plan.strategy, k.strategy) << what;
			ASSERT_FALSE(plan.row_origins.empty()) << what;
			bool driver_lists = false, update_needed = false;
			for (unsigned origin : plan.row_origins)
				driver_lists = driver_lists || (origin & l1);
			for (int c : spec.needed_columns)
				update_needed = update_needed || r.columns[c].name == "update_date" || r.columns[c].name == "update_time";
			/* class=02 lists by create date only: a patient with an update
			 * date but none for creation is missing from it */
			if (update_needed && k.strategy == Strategy::PatientFull) {
				EXPECT_TRUE(Mentions(plan, "class=01")) << what;
			}
			if (update_needed && plan.need_list1 && plan.window_column < 0) {
				EXPECT_TRUE(plan.list1_class01) << what;
			}
			for (unsigned origin : plan.row_origins) {
				std::vector<unsigned> variants = {origin};
				if (plan.need_list1 && !(origin & l1))
					variants.push_back(origin | l1); /* the rows the listing found */
				for (unsigned parts : variants) {
					unsigned fetch = PatientRowFetch(spec, parts);
					unsigned present = parts | fetch;
					EXPECT_EQ(fetch & ~(l2 | get), 0u) << what;
					if (fetch & get) {
						EXPECT_TRUE(plan.use_get && Mentions(plan, "patientgetv2")) << what;
					}
					if (fetch & l2) {
						EXPECT_TRUE(plan.use_list2 && Mentions(plan, "patientlst2v2")) << what;
					}
					for (int c : spec.needed_columns) {
						unsigned s = r.columns[c].Sources();
						if (s & present)
							continue;
						EXPECT_EQ(s, l1) << what << ": " << r.columns[c].name << " has no source for rows from origin "
						                 << origin;
						/* rows a full scan probes (or a date window's overflow day)
						 * are the ones its complete listing did not hold */
						EXPECT_TRUE((origin & l1) || plan.need_list1 || driver_lists)
						    << what << ": " << r.columns[c].name << " needs patientlst1v2, which the plan never asks";
					}
				}
			}
			if (plan.need_list1) {
				EXPECT_TRUE(Mentions(plan, "patientlst1v2")) << what;
			}
		}
}

TEST_F(PlannerTest, TestPatientFlagOfListedRowsComesFromTheRowsOrPatientget)
{
	/* patientlst2v2/lst3v2 rows carry no TestPatient_Flag: a few ids or a
	 * name search ask patientgetv2, many ids list patientlst1v2 instead. */
	ScanSpec spec = Spec("patients", {"patient_id", "test_patient_flag"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::In, {"1", "2"}));
	ScanPlan few = PlanScan(spec);
	EXPECT_TRUE(few.use_get);
	EXPECT_FALSE(few.need_list1);
	std::vector<std::string> ids;
	for (int i = 1; i <= 1000; i++)
		ids.push_back(std::to_string(i));
	spec.quals[0].values = ids;
	ScanPlan many = PlanScan(spec);
	EXPECT_TRUE(many.need_list1);
	EXPECT_FALSE(many.list1_class01) << "class=02 lists each patient once";
	EXPECT_TRUE(Mentions(many, "class=02"));
	EXPECT_LT(many.estimated_calls, 1000);
	EXPECT_TRUE(Mentions(many, "one call per patient patientlst1v2 does not list"));

	ScanSpec name = Spec("patients", {"patient_id", "test_patient_flag"});
	name.quals.push_back(Qual(name, "whole_name", QualOp::Prefix, {"山田"}));
	EXPECT_TRUE(PlanScan(name).use_get);
}

TEST_F(PlannerTest, DatesOfFoundPatientsComeFromOneListing)
{
	ScanSpec spec = Spec("patients", {"patient_id", "create_date"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::In, {"1", "2"}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_TRUE(plan.need_list1);
	EXPECT_FALSE(plan.list1_class01) << "class=02 rows carry CreateDate";
	EXPECT_TRUE(Mentions(plan, "class=02, all dates"));
	spec.needed_columns.push_back(spec.resource->FindColumn("update_time"));
	plan = PlanScan(spec);
	EXPECT_TRUE(plan.list1_class01) << "a patient without CreateDate can still have UpdateDate: only class=01 lists it";
	EXPECT_TRUE(Mentions(plan, "class=01, all dates"));
	/* a create_date window bounds the listing */
	spec.quals.push_back(Qual(spec, "create_date", QualOp::Ge, {"2026-01-01"}));
	plan = PlanScan(spec);
	EXPECT_FALSE(plan.list1_class01);
	EXPECT_TRUE(Mentions(plan, "class=02, create_date 2026-01-01 .. open end"));
}

TEST_F(PlannerTest, IdsThatCannotBePatientNumbersAreNeverSent)
{
	EXPECT_TRUE(PossiblePatientId("00042"));
	EXPECT_TRUE(PossiblePatientId("42"));
	EXPECT_TRUE(PossiblePatientId("00000000000000000042")); /* 20 bytes: Patient_ID's width */
	EXPECT_FALSE(PossiblePatientId("000000000000000000042"));
	EXPECT_FALSE(PossiblePatientId(std::string(100000, '1')));
	EXPECT_FALSE(PossiblePatientId(""));
	EXPECT_FALSE(PossiblePatientId("   "));
	EXPECT_FALSE(PossiblePatientId("00042\n"));
	EXPECT_FALSE(PossiblePatientId(std::string("000\x01" "42")));
	EXPECT_FALSE(PossiblePatientId("0004\x7f"));
	EXPECT_FALSE(PossiblePatientId("０００４２")) << "ORCA answers ids in ASCII";

	ScanSpec spec = Spec("patients", {"patient_id"});
	spec.quals.push_back(Qual(spec, "patient_id", QualOp::Eq, {std::string(100000, '7')}));
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::Empty);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 0);
	for (const auto &line : plan.explain)
		EXPECT_LT(line.size(), 200u) << "no value in EXPLAIN";
	spec.quals[0] = Qual(spec, "patient_id", QualOp::In, {"0000000000000000000042", "00042", "42", "00042", "a\tb"});
	plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::PatientById);
	EXPECT_TRUE(Mentions(plan, "2 ids, 100 a call (1 call)")) << "00042 and 42 are asked, each once";
}

TEST_F(PlannerTest, NamesOutsideOrcasCharacterSetAreNotPushed)
{
	EXPECT_EQ(PushableNameText("山田"), "山田");
	EXPECT_EQ(PushableNameText("テスト　コウレイシャ　"), "テスト　コウレイシャ") << "trailing U+3000 dropped";
	EXPECT_EQ(PushableNameText("ﾔﾏﾀﾞ"), "ﾔﾏﾀﾞ") << "half-width katakana: ORCA widens it";
	EXPECT_EQ(PushableNameText("　"), "");
	for (const char *name : {"\xF0\xA0\xAE\xB7田", /* 𠮷: not in JIS X 0208 (nor 0213) */
	                         "\xEE\x80\x80川",     /* U+E000, private use (ORCA's 外字) */
	                         "\xEF\xBF\xBD",       /* U+FFFD */
	                         "髙橋",                   /* JIS X 0212/0213, not 0208 */
	                         "山田＊花", "yamada", "山田 花子", "\xE5\xB1"})
		EXPECT_EQ(PushableNameText(name), "") << name;

	ScanSpec spec = Spec("patients", {"patient_id", "whole_name"});
	spec.quals.push_back(Qual(spec, "whole_name", QualOp::Prefix, {"\xF0\xA0\xAE\xB7"}));
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::PatientFull);
}

/* EXPLAIN ANALYZE's "ORCA requests": one count per API, whatever answer
 * shapes of it the scan asked for (rooms: hsconfwardv2's wards, then the
 * rooms of each). */
TEST(CallCounts, OneCountPerApi)
{
	SessionStats stats;
	EXPECT_EQ(CallCountsText(stats), "0");
	stats.calls[static_cast<int>(Api::WardConfig)] = 1;
	stats.calls[static_cast<int>(Api::RoomConfig)] = 4;
	EXPECT_EQ(CallCountsText(stats), "5 (hsconfwardv2 5)");
	stats.calls[static_cast<int>(Api::PatientList2)] = 3;
	EXPECT_EQ(CallCountsText(stats), "8 (patientlst2v2 3, hsconfwardv2 5)");
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
