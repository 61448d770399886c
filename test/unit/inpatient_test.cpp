/*
 * inpatient_test.cpp — the admissions and meals read paths: the date bounds
 * the planners share (DateBounds, ClampBounds, infinities), their plans, and
 * ScanSession runs against a small fake ORCA (TestHttpServer) whose data the
 * test owns, so every expected row is known independently of the wrapper.
 */
#include "core/registry.hpp"
#include "core/dates.hpp"
#include "core/scan.hpp"
#include "core/scan_internal.hpp"
#include "test_http_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace orca_fdw::core {
namespace {

using scan_detail::Bounds;
using scan_detail::ClampBounds;
using scan_detail::DateBounds;
using test::TestHttpServer;
using test::TestRequest;
using test::TestResponse;

long
D(const char *s)
{
	long d = 0;
	EXPECT_TRUE(ParseDate(s, &d)) << s;
	return d;
}

ScanSpec
Spec(const char *resource, std::vector<const char *> columns)
{
	ScanSpec spec;
	spec.resource = FindResource(resource);
	for (const char *c : columns) {
		int i = spec.resource->FindColumn(c);
		EXPECT_GE(i, 0) << c;
		spec.needed_columns.push_back(i);
	}
	return spec;
}

void
AddQual(ScanSpec &spec, const char *column, QualOp op, std::vector<std::string> values, bool known = true)
{
	QualSpec q;
	q.column = spec.resource->FindColumn(column);
	q.op = op;
	q.values = std::move(values);
	q.values_known = known;
	spec.quals.push_back(std::move(q));
}

Bounds
BoundsOf(std::vector<std::pair<QualOp, std::string>> quals)
{
	ScanSpec spec = Spec("admissions", {});
	for (auto &[op, v] : quals)
		AddQual(spec, "admission_date", op, {v});
	return DateBounds(spec, spec.resource->FindColumn("admission_date"));
}

/* ------------------------------------------------------------------ DateBounds */

TEST(DateBounds, FiniteBoundsAreInclusive)
{
	Bounds b = BoundsOf({{QualOp::Gt, "2026-01-31"}, {QualOp::Lt, "2026-03-01"}});
	EXPECT_TRUE(b.has_lo && b.has_hi);
	EXPECT_FALSE(b.empty);
	EXPECT_EQ(b.lo, D("2026-02-01"));
	EXPECT_EQ(b.hi, D("2026-02-28"));
	b = BoundsOf({{QualOp::Ge, "2026-01-01"}, {QualOp::Ge, "2026-02-01"}, {QualOp::Le, "2026-05-01"}});
	EXPECT_EQ(b.lo, D("2026-02-01")) << "the tighter lower bound wins";
	b = BoundsOf({{QualOp::Eq, "2026-04-01"}});
	EXPECT_EQ(b.lo, D("2026-04-01"));
	EXPECT_EQ(b.hi, D("2026-04-01"));
	EXPECT_EQ(b.quals.size(), 1u);
}

TEST(DateBounds, InfinitiesBoundNothingOrExcludeEverything)
{
	for (auto [op, v] : std::vector<std::pair<QualOp, const char *>>{{QualOp::Ge, "-infinity"},
	                                                                {QualOp::Gt, "-infinity"},
	                                                                {QualOp::Le, "infinity"},
	                                                                {QualOp::Lt, "infinity"}}) {
		Bounds b = BoundsOf({{op, v}});
		EXPECT_FALSE(b.has_lo || b.has_hi || b.empty) << v;
		EXPECT_EQ(b.quals.size(), 1u) << "the qual is still listed";
	}
	for (auto [op, v] : std::vector<std::pair<QualOp, const char *>>{{QualOp::Eq, "infinity"},
	                                                                {QualOp::Eq, "-infinity"},
	                                                                {QualOp::Ge, "infinity"},
	                                                                {QualOp::Gt, "infinity"},
	                                                                {QualOp::Le, "-infinity"},
	                                                                {QualOp::Lt, "-infinity"}}) {
		Bounds b = BoundsOf({{op, v}, {QualOp::Ge, "2026-01-01"}});
		EXPECT_TRUE(b.empty) << v;
		EXPECT_TRUE(b.has_lo && b.has_hi && b.lo > b.hi) << "empty also shows as crossed bounds: " << v;
	}
	Bounds b = BoundsOf({{QualOp::Ge, "-infinity"}, {QualOp::Le, "2026-01-01"}});
	EXPECT_FALSE(b.has_lo);
	EXPECT_TRUE(b.has_hi);
}

TEST(DateBounds, CrossedBoundsAreEmptyAndUnknownValuesBoundNothing)
{
	EXPECT_TRUE(BoundsOf({{QualOp::Ge, "2026-02-01"}, {QualOp::Lt, "2026-02-01"}}).empty);
	EXPECT_TRUE(BoundsOf({{QualOp::Gt, "9999-12-31"}}).empty) << "beyond every ORCA date";
	EXPECT_TRUE(BoundsOf({{QualOp::Lt, "0001-01-01"}}).empty);
	EXPECT_FALSE(BoundsOf({{QualOp::Ge, "9999-12-31"}}).empty);
	EXPECT_FALSE(BoundsOf({{QualOp::Ge, "2026-02-01"}, {QualOp::Le, "2026-02-01"}}).empty);
	ScanSpec spec = Spec("admissions", {});
	AddQual(spec, "admission_date", QualOp::Ge, {}, false);
	AddQual(spec, "admission_date", QualOp::Le, {"not a date"});
	AddQual(spec, "admission_date", QualOp::IsNull, {});
	Bounds b = DateBounds(spec, spec.resource->FindColumn("admission_date"));
	EXPECT_FALSE(b.has_lo || b.has_hi || b.empty);
	EXPECT_EQ(b.quals.size(), 2u) << "IS NULL is no bound and not listed";
}

TEST(DateBounds, ClampKeepsWhatAnApiCanAnswer)
{
	Bounds b = BoundsOf({{QualOp::Ge, "1800-01-01"}});
	ASSERT_TRUE(ClampBounds(b, D("1900-01-01"), D("9999-12-31")));
	EXPECT_EQ(b.lo, D("1900-01-01"));
	EXPECT_EQ(b.hi, D("9999-12-31"));
	b = BoundsOf({{QualOp::Lt, "1899-06-01"}});
	EXPECT_FALSE(ClampBounds(b, D("1900-01-01"), D("9999-12-31")));
	b = BoundsOf({{QualOp::Ge, "9999-12-31"}, {QualOp::Le, "9999-12-31"}});
	EXPECT_TRUE(ClampBounds(b, D("1900-01-01"), D("9999-12-31")));
	b = BoundsOf({{QualOp::Gt, "2026-01-01"}});
	EXPECT_FALSE(ClampBounds(b, D("1900-01-01"), D("2025-12-31")));
	b = BoundsOf({{QualOp::Lt, "-infinity"}});
	EXPECT_FALSE(ClampBounds(b, D("1900-01-01"), D("9999-12-31")));
}

/* ------------------------------------------------------------------ plans */

TEST(InpatientPlan, ImpossibleDatesMakeNoCall)
{
	ScanSpec spec = Spec("patients", {"patient_id"});
	AddQual(spec, "birth_date", QualOp::Lt, {"-infinity"});
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::Empty) << "any resource, any date column";
	spec = Spec("admissions", {"patient_id"});
	AddQual(spec, "admission_date", QualOp::Lt, {"1899-01-01"});
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::Empty) << "no stay before 1900";
	spec = Spec("meals", {"patient_id"});
	AddQual(spec, "patient_id", QualOp::Eq, {"19"});
	AddQual(spec, "perform_date", QualOp::Le, {"2008-03-31"});
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::Empty) << "hsmealv2 answers nothing before 2008-04";
}

TEST(InpatientPlan, MealsOfAPatientReadShortRangesDirectly)
{
	ScanSpec spec = Spec("meals", {"patient_id"});
	AddQual(spec, "patient_id", QualOp::Eq, {"19"});
	AddQual(spec, "perform_date", QualOp::Ge, {"2026-11-01"});
	AddQual(spec, "perform_date", QualOp::Le, {"2027-01-31"});
	ScanPlan plan = PlanScan(spec);
	EXPECT_FALSE(plan.use_info);
	EXPECT_DOUBLE_EQ(plan.estimated_calls, 3);
	spec.quals.back().values = {"2027-12-31"};
	EXPECT_TRUE(PlanScan(spec).use_info) << "a long range asks for the stays first";
	spec.quals.pop_back();
	EXPECT_TRUE(PlanScan(spec).use_info) << "an open range asks for the stays first";
	spec.quals.back().values = {"-infinity"};
	EXPECT_TRUE(PlanScan(spec).use_info);
}

TEST(InpatientPlan, MealsByDateNeedAStart)
{
	ScanSpec spec = Spec("meals", {"patient_id"});
	AddQual(spec, "perform_date", QualOp::Le, {"2026-12-31"});
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::MissingQual) << "an end alone is no start";
	AddQual(spec, "perform_date", QualOp::Ge, {"-infinity"});
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::MealByDate) << "-infinity is a start, like 1500-01-01";
	spec.quals.back().values = {"2026-12-01"};
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::MealByDate);
	spec.quals.back().values_known = false;
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::MealByDate) << "a parameter may be a start";
}

TEST(InpatientPlan, PatientPlansFetchColumnsOnlyHsfindv3Carries)
{
	ScanSpec spec = Spec("admissions", {"patient_id", "health_insurance_certificates"});
	AddQual(spec, "patient_id", QualOp::Eq, {"19"});
	ScanPlan plan = PlanScan(spec);
	EXPECT_EQ(plan.strategy, Strategy::StaySearch);
	EXPECT_TRUE(plan.find_by_patient);
	EXPECT_FALSE(plan.use_info);
	spec.needed_columns.push_back(spec.resource->FindColumn("history_number"));
	EXPECT_TRUE(PlanScan(spec).use_info);
	spec = Spec("admissions", {"patient_id", "health_insurance_information", "ward_name"});
	AddQual(spec, "patient_id", QualOp::Eq, {"19"});
	EXPECT_EQ(PlanScan(spec).strategy, Strategy::StayByPatient);
}

/* The admissions columns that both hsfindv3 and hsptinfv2 carry.  Each must
 * read the same for the same stay whatever the plan; sql/inpatient.sql
 * compares them through both plans against the simulator — keep its column
 * list in step with this one. */
TEST(InpatientCatalog, ColumnsCarriedByBothApisAreKnown)
{
	const ResourceDef *r = FindResource("admissions");
	std::vector<std::string> both;
	for (const ColumnDef &c : r->columns)
		if (c.PathIn(Source::InpatientFind) && c.PathIn(Source::InpatientInfo))
			both.push_back(c.name);
	EXPECT_EQ(both, (std::vector<std::string>{"patient_id", "admission_date", "discharge_date", "ward_number",
	                                          "ward_name", "room_number", "department_code", "department_name",
	                                          "discharge_reason_code", "discharge_reason_name", "whole_name",
	                                          "whole_name_in_kana", "sex", "birth_date",
	                                          "insurance_combination_number"}));
	int info = r->FindColumn("health_insurance_information"), find = r->FindColumn("health_insurance_certificates");
	ASSERT_GE(info, 0);
	ASSERT_GE(find, 0);
	EXPECT_EQ(r->columns[info].Sources(), SourceBit(Source::InpatientInfo));
	EXPECT_EQ(r->columns[find].Sources(), SourceBit(Source::InpatientFind));
}

/* ------------------------------------------------------------------ a fake ORCA */

struct FakeStay {
	std::string admission, discharge = "9999-12-31", ward = "01";
};

/* hsfindv3, hsptinfv2 and hsmealv2 over data the test sets up. */
class FakeOrca {
public:
	std::string today = "2026-11-25";
	std::map<std::string, std::vector<FakeStay>> stays; /* 5-digit id → stays, oldest first */
	std::set<std::string> test_patients;
	std::set<std::string> cancelled;                    /* "id/admission": hsptinfv2 no longer lists it */
	std::map<std::string, std::set<std::string>> accounts; /* id → months with an inpatient account */
	size_t info_cap = 100;                              /* hsptinfv2 lists at most this many stays */

	TestResponse Handle(const TestRequest &r)
	{
		std::lock_guard<std::mutex> lock(mutex_);
		calls_.push_back(r.path + " " + r.body);
		if (r.path == "/orca36/hsfindv3")
			return Find(r.body);
		if (r.path == "/api01rv2/hsptinfv2")
			return Info(r.body);
		if (r.path == "/api01rv2/hsmealv2")
			return Meals(r.body);
		return TestResponse::Status(404);
	}

	std::vector<std::string> Calls(const std::string &path)
	{
		std::lock_guard<std::mutex> lock(mutex_);
		std::vector<std::string> out;
		for (const auto &c : calls_)
			if (c.compare(0, path.size() + 1, path + " ") == 0)
				out.push_back(c.substr(path.size() + 1));
		return out;
	}

	static std::string Field(const std::string &body, const std::string &name)
	{
		std::smatch m;
		std::regex re("<" + name + " type=\"string\">([^<]*)</" + name + ">");
		return std::regex_search(body, m, re) ? m[1].str() : std::string();
	}

private:
	static std::string Pad(const std::string &id)
	{
		std::string digits = id;
		while (digits.size() < 5)
			digits = "0" + digits;
		return digits;
	}
	static std::string Leaf(const char *name, const std::string &v)
	{
		return v.empty() ? std::string() : "<" + std::string(name) + " type=\"string\">" + v + "</" + name + ">";
	}
	std::string Head(const char *record, const std::string &code) const
	{
		return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xmlio2><" + std::string(record) + " type=\"record\">" +
		       Leaf("Information_Date", today) + Leaf("Api_Result", code) + Leaf("Api_Result_Message", "x");
	}
	static std::string Range(const std::string &body, const char *name, const char *part)
	{
		std::smatch m;
		std::regex re("<" + std::string(name) + " type=\"record\">.*?<" + part + " type=\"string\">([^<]*)<");
		return std::regex_search(body, m, re) ? m[1].str() : std::string();
	}

	TestResponse Find(const std::string &body)
	{
		std::string state = Field(body, "State"), ward = Field(body, "Ward_Number"),
		            pid = Field(body, "Patient_ID"), test_class = Field(body, "TestPatient_Class");
		std::string adm_first = Range(body, "Admission_Date", "First"), adm_last = Range(body, "Admission_Date", "Last");
		std::string dis_first = Range(body, "Discharge_Date", "First"), dis_last = Range(body, "Discharge_Date", "Last");
		if (!ward.empty() && ward != "01" && ward != "02")
			return TestResponse::Ok(Head("hsfindv3res", "E0008") + "</hsfindv3res></xmlio2>");
		if (!pid.empty() && !stays.count(Pad(pid)))
			return TestResponse::Ok(Head("hsfindv3res", "E0001") + "</hsfindv3res></xmlio2>");
		std::vector<std::pair<std::string, FakeStay>> hits;
		for (const auto &[id, list] : stays) {
			if (!pid.empty() && id != Pad(pid))
				continue;
			if (test_patients.count(id) && test_class != "b")
				continue; /* like orca-sim: a blank class leaves test patients out */
			for (const FakeStay &s : list) {
				bool open = s.discharge == "9999-12-31";
				if ((state == "1" && !open) || (state == "2" && open) || (!ward.empty() && s.ward != ward))
					continue;
				if ((!adm_first.empty() && s.admission < adm_first) || (!adm_last.empty() && s.admission > adm_last))
					continue;
				if ((!dis_first.empty() && s.discharge < dis_first) || (!dis_last.empty() && s.discharge > dis_last))
					continue;
				hits.emplace_back(id, s);
			}
		}
		if (hits.empty())
			return TestResponse::Ok(Head("hsfindv3res", "E0106") + "</hsfindv3res></xmlio2>");
		size_t first = std::stoul(Range(body, "Selection", "First"));
		size_t last = std::min(hits.size(), first + 199);
		std::string out = Head("hsfindv3res", "00000") + Leaf("Count", std::to_string(hits.size())) +
		                  "<Result type=\"array\">";
		for (size_t i = first; i <= last; i++) {
			const auto &[id, s] = hits[i - 1];
			out += "<Result_child type=\"record\">" + Leaf("Patient_ID", id) + Leaf("Ward_Number", s.ward) +
			       "<HealthInsurance_Information type=\"record\">" + Leaf("Insurance_Combination_Number", "0001") +
			       Leaf("Certificate_StartDate", "2020-01-01") + "</HealthInsurance_Information>" +
			       Leaf("Admission_Date", s.admission) + Leaf("Discharge_Date", s.discharge) + "</Result_child>";
		}
		return TestResponse::Ok(out + "</Result></hsfindv3res></xmlio2>");
	}

	TestResponse Info(const std::string &body)
	{
		std::string id = Pad(Field(body, "Patient_ID")), only = Field(body, "Admission_Date");
		auto it = stays.find(id);
		if (it == stays.end())
			return TestResponse::Ok(Head("private_objects", "02") + "</private_objects></xmlio2>");
		std::vector<FakeStay> listed;
		for (auto s = it->second.rbegin(); s != it->second.rend(); ++s) /* newest first */
			if (!cancelled.count(id + "/" + s->admission) && (only.empty() || s->admission == only))
				listed.push_back(*s);
		if (!only.empty() && listed.empty())
			return TestResponse::Ok(Head("private_objects", "04") + "</private_objects></xmlio2>");
		if (listed.size() > info_cap)
			listed.resize(info_cap);
		std::string out = Head("private_objects", "00") + "<Patient_Information type=\"record\">" +
		                  Leaf("Patient_ID", id) + "</Patient_Information><Hospital_Stay_Infomation type=\"array\">";
		for (const FakeStay &s : listed)
			out += "<Hospital_Stay_Infomation_child type=\"record\">" + Leaf("History_Number", "001") +
			       Leaf("Admission_Date", s.admission) + Leaf("Discharge_Date", s.discharge) +
			       "<Ward_Number type=\"record\">" + Leaf("Data", s.ward) + "</Ward_Number>" +
			       "<HealthInsurance_Information type=\"record\">" + Leaf("Insurance_Combination_Number", "0001") +
			       Leaf("HealthInsuredPerson_Symbol", "１２") + "</HealthInsurance_Information>" +
			       "</Hospital_Stay_Infomation_child>";
		return TestResponse::Ok(out + "</Hospital_Stay_Infomation></private_objects></xmlio2>");
	}

	TestResponse Meals(const std::string &body)
	{
		std::string id = Pad(Field(body, "Patient_ID")), month = Field(body, "Perform_Month");
		if (month < "2008-04")
			return TestResponse::Ok(Head("private_objects", "92") + "</private_objects></xmlio2>");
		if (!stays.count(id))
			return TestResponse::Ok(Head("private_objects", "02") + "</private_objects></xmlio2>");
		if (!accounts[id].count(month))
			return TestResponse::Ok(Head("private_objects", "04") + "</private_objects></xmlio2>");
		std::string out = Head("private_objects", "00") + "<Patient_Information type=\"record\">" +
		                  Leaf("Patient_ID", id) + "</Patient_Information><Monthly_Information type=\"array\">";
		for (const char *day : {"-01", "-15"})
			out += "<Monthly_Information_child type=\"record\">" + Leaf("Perform_Date", month + day) +
			       "<Morning_Meal type=\"record\">" + Leaf("Data", "01") + "</Morning_Meal></Monthly_Information_child>";
		return TestResponse::Ok(out + "</Monthly_Information></private_objects></xmlio2>");
	}

	std::mutex mutex_;
	std::vector<std::string> calls_;
};

class NeverCancel : public CancelToken {
public:
	bool Cancelled() const noexcept override { return false; }
};

class InpatientScan : public ::testing::Test {
protected:
	InpatientScan() : server_([this](const TestRequest &r) { return orca_.Handle(r); }) {}

	/* Every row of a scan, as "col=value|col=value" (NULL as ∅). */
	std::vector<std::string> Rows(ScanSpec spec, int max_concurrent = 4)
	{
		ServerConfig cfg;
		cfg.base_url = server_.Url();
		cfg.max_concurrent = max_concurrent;
		cfg.retries = 0;
		cfg.breaker_failures = 0;
		ScanSession session(std::make_shared<HttpClient>(cfg), spec);
		std::vector<std::string> rows;
		NeverCancel never;
		while (session.Next(never)) {
			std::string line;
			for (size_t i = 0; i < spec.needed_columns.size(); i++) {
				const RowValue &v = session.Values()[i];
				line += (i ? "|" : "") + spec.resource->columns[spec.needed_columns[i]].name + "=" +
				        (v.isnull ? std::string("∅") : std::string(v.data, v.len));
			}
			rows.push_back(line);
		}
		std::sort(rows.begin(), rows.end());
		return rows;
	}

	FakeOrca orca_;
	TestHttpServer server_;
};

std::string
Id(int n)
{
	char buf[8];
	snprintf(buf, sizeof(buf), "%05d", n);
	return buf;
}

/* Issue 8 item 1: the first patients of the State 1 search have older stays
 * on a later page of the State 2 search.  Every stay comes out, each with its
 * hsptinfv2 columns, with one hsptinfv2 call per patient. */
TEST_F(InpatientScan, EveryStayKeepsItsHsptinfv2ColumnsWhateverThePageOrder)
{
	for (int p = 1; p <= 260; p++) {
		std::string day = std::to_string(p % 28 + 1);
		orca_.stays[Id(p)].push_back({"2020-01-" + std::string(day.size() < 2 ? "0" : "") + day, "2020-02-01"});
	}
	orca_.stays[Id(250)].push_back({"2021-01-01", "2021-01-10"});
	/* State 1: patients 250-252, on its only page; their older stays are rows
	 * 250-253 of State 2, on its second page */
	for (int p = 250; p <= 252; p++)
		orca_.stays[Id(p)].push_back({"2026-11-0" + std::to_string(p - 249)});
	for (int max_concurrent : {1, 4}) {
		std::vector<std::string> rows = Rows(Spec("admissions", {"patient_id", "admission_date", "history_number"}),
		                                     max_concurrent);
		size_t stays = 0;
		for (const auto &[id, list] : orca_.stays)
			stays += list.size();
		EXPECT_EQ(rows.size(), stays) << "max_concurrent_requests " << max_concurrent;
		for (const auto &row : rows)
			EXPECT_NE(row.find("history_number=001"), std::string::npos) << row;
		EXPECT_EQ(std::count(rows.begin(), rows.end(), "patient_id=00250|admission_date=2021-01-01|history_number=001"),
		          1);
	}
	EXPECT_EQ(orca_.Calls("/api01rv2/hsptinfv2").size(), 2 * 260u) << "one hsptinfv2 call per patient and scan";
	for (const auto &body : orca_.Calls("/orca36/hsfindv3"))
		EXPECT_EQ(FakeOrca::Field(body, "TestPatient_Class"), "b") << "test patients' stays are asked for";
}

/* A stay hsptinfv2 does not list with the others (it lists at most 100) is
 * looked up by its admission date; one that ORCA no longer has (cancelled
 * after the search) is no row. */
TEST_F(InpatientScan, AStayMissingFromTheListIsLookedUpNotLeftHalfEmpty)
{
	orca_.info_cap = 2;
	for (const char *day : {"2024-01-01", "2024-03-01", "2024-05-01"})
		orca_.stays["00007"].push_back({day, std::string(day).replace(8, 2, "20")});
	orca_.stays["00008"].push_back({"2024-02-01", "2024-02-05"});
	orca_.stays["00008"].push_back({"2024-04-01", "2024-04-05"});
	orca_.cancelled.insert("00008/2024-04-01");
	orca_.test_patients.insert("00008");
	std::vector<std::string> rows = Rows(Spec("admissions", {"patient_id", "admission_date", "history_number"}));
	EXPECT_EQ(rows, (std::vector<std::string>{"patient_id=00007|admission_date=2024-01-01|history_number=001",
	                                          "patient_id=00007|admission_date=2024-03-01|history_number=001",
	                                          "patient_id=00007|admission_date=2024-05-01|history_number=001",
	                                          "patient_id=00008|admission_date=2024-02-01|history_number=001"}));
	std::vector<std::string> lookups;
	for (const auto &body : orca_.Calls("/api01rv2/hsptinfv2"))
		if (!FakeOrca::Field(body, "Admission_Date").empty())
			lookups.push_back(FakeOrca::Field(body, "Patient_ID") + "/" + FakeOrca::Field(body, "Admission_Date"));
	std::sort(lookups.begin(), lookups.end());
	EXPECT_EQ(lookups, (std::vector<std::string>{"00007/2024-01-01", "00008/2024-04-01"}));
}

/* Issue 8 item 2: a patient plan that needs hsfindv3's insurance searches the
 * patient's stays; an unknown patient (E0001) is no row. */
TEST_F(InpatientScan, PatientPlanWithHsfindv3ColumnsSearchesByPatient)
{
	orca_.stays["00042"].push_back({"2026-10-01"});
	ScanSpec spec = Spec("admissions", {"patient_id", "health_insurance_certificates", "health_insurance_information"});
	AddQual(spec, "patient_id", QualOp::In, {"42", "99"});
	std::vector<std::string> rows = Rows(spec);
	ASSERT_EQ(rows.size(), 1u);
	EXPECT_NE(rows[0].find("\"Certificate_StartDate\":\"2020-01-01\""), std::string::npos) << rows[0];
	EXPECT_NE(rows[0].find("\"HealthInsuredPerson_Symbol\":\"１２\""), std::string::npos) << rows[0];
	EXPECT_EQ(orca_.Calls("/orca36/hsfindv3").size(), 2u);
}

/* Two spellings of one patient: the one ORCA can read (20 bytes at most) is
 * sent, once. */
TEST_F(InpatientScan, OneCallPerPatientWithASpellingOrcaCanRead)
{
	orca_.stays["00042"].push_back({"2026-10-01"});
	for (auto ids : std::vector<std::vector<std::string>>{{"0000000000000000000042", "00042", "42"},
	                                                      {"42", "0000000000000000000042"}}) {
		ScanSpec spec = Spec("admissions", {"patient_id", "admission_date"});
		AddQual(spec, "patient_id", QualOp::In, ids);
		EXPECT_EQ(Rows(spec), (std::vector<std::string>{"patient_id=00042|admission_date=2026-10-01"}));
	}
	std::vector<std::string> sent;
	for (const auto &body : orca_.Calls("/api01rv2/hsptinfv2"))
		sent.push_back(FakeOrca::Field(body, "Patient_ID"));
	EXPECT_EQ(sent, (std::vector<std::string>{"00042", "42"}));
}

/* Issue 8 item 8: a ward ORCA does not know (E0008 to our Ward_Number) is zero rows. */
TEST_F(InpatientScan, UnknownWardIsNoRow)
{
	orca_.stays["00001"].push_back({"2026-11-01"});
	ScanSpec spec = Spec("admissions", {"patient_id"});
	AddQual(spec, "ward_number", QualOp::Eq, {"99"});
	EXPECT_TRUE(Rows(spec).empty());
	spec.quals.back().values = {"01"};
	EXPECT_EQ(Rows(spec).size(), 1u);
}

/* Issue 8 items 3 and 7: an open stay's months run to three months after
 * ORCA's current month, no further; an unknown patient in a list is no row;
 * nothing before 2008-04 is asked for. */
TEST_F(InpatientScan, MealsReachTheAccountsAheadAndStop)
{
	orca_.stays["00005"].push_back({"2026-10-20"});
	orca_.accounts["00005"] = {"2026-10", "2026-11", "2026-12", "2027-01"};
	orca_.test_patients.insert("00005"); /* found by date only when hsfindv3 is asked to include them */
	ScanSpec spec = Spec("meals", {"patient_id", "perform_date"});
	AddQual(spec, "patient_id", QualOp::In, {"5", "77"});
	AddQual(spec, "perform_date", QualOp::Ge, {"-infinity"});
	std::vector<std::string> rows = Rows(spec);
	EXPECT_EQ(rows.size(), 8u) << "two days in each of four months";
	EXPECT_EQ(rows.back(), "patient_id=00005|perform_date=2027-01-15");
	std::vector<std::string> months;
	for (const auto &body : orca_.Calls("/api01rv2/hsmealv2"))
		months.push_back(FakeOrca::Field(body, "Perform_Month"));
	std::sort(months.begin(), months.end());
	EXPECT_EQ(months, (std::vector<std::string>{"2026-10", "2026-11", "2026-12", "2027-01", "2027-02"}))
	    << "up to 2027-02 (three months after 2026-11), not beyond";

	/* date only: the same months through hsfindv3 */
	ScanSpec by_date = Spec("meals", {"patient_id", "perform_date"});
	AddQual(by_date, "perform_date", QualOp::Ge, {"2026-12-01"});
	EXPECT_EQ(Rows(by_date), (std::vector<std::string>{"patient_id=00005|perform_date=2026-12-01",
	                                                   "patient_id=00005|perform_date=2026-12-15",
	                                                   "patient_id=00005|perform_date=2027-01-01",
	                                                   "patient_id=00005|perform_date=2027-01-15"}));

	/* a range reaching before 2008-04, with an unknown patient: zero rows, no error */
	ScanSpec old = Spec("meals", {"patient_id"});
	AddQual(old, "patient_id", QualOp::In, {"77", "5"});
	AddQual(old, "perform_date", QualOp::Ge, {"1800-01-01"});
	AddQual(old, "perform_date", QualOp::Le, {"2008-05-31"});
	EXPECT_TRUE(Rows(old).empty());
	for (const auto &body : orca_.Calls("/api01rv2/hsmealv2"))
		EXPECT_GE(FakeOrca::Field(body, "Perform_Month"), "2008-04");
}

} // namespace
} // namespace orca_fdw::core
