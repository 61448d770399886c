/*
 * outpatient_test.cpp — the visits (acceptlstv2) and diseases (diseasegetv2)
 * read paths against a small fake ORCA whose answers the test owns: the
 * rows, the requests sent (one per day / per patient, the criteria), and
 * the answers that are refused rather than returned in part (a day that
 * fills acceptlstv2's 500 rows, a patient with more than 200 names).
 */
#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/scan.hpp"
#include "test_http_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

namespace orca_fdw::core {
namespace {

using test::TestHttpServer;
using test::TestRequest;
using test::TestResponse;

std::string
Leaf(const char *name, const std::string &v)
{
	return v.empty() ? std::string() : "<" + std::string(name) + " type=\"string\">" + v + "</" + name + ">";
}

std::string
Head(const char *record, const std::string &code)
{
	return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xmlio2><" + std::string(record) + " type=\"record\">" +
	       Leaf("Information_Date", "2026-11-25") + Leaf("Api_Result", code) + Leaf("Api_Result_Message", "x");
}

std::string
Field(const std::string &body, const char *name)
{
	std::smatch m;
	std::regex re("<" + std::string(name) + " type=\"string\">([^<]*)<");
	return std::regex_search(body, m, re) ? m[1].str() : std::string();
}

/* acceptlstv2: `per_day` receptions on 2026-11-16 .. 2026-11-20, numbered;
 * department "01" for the odd ones.  diseasegetv2: patient 00001 has two
 * names, 00002 `many` names (Information_Overflow beyond 200), others 10. */
struct FakeOrca {
	int per_day = 3;
	int many = 2;
	std::mutex mutex;
	std::vector<std::string> calls; /* "acceptlstv2 2026-11-16 dep=01", "diseasegetv2 00001 All" */

	TestResponse Handle(const TestRequest &r)
	{
		if (r.path == "/api01rv2/acceptlstv2")
			return Accept(r);
		if (r.path == "/api01rv2/diseasegetv2")
			return Diseases(r);
		return TestResponse::Status(404);
	}

	TestResponse Accept(const TestRequest &r)
	{
		std::string day = Field(r.body, "Acceptance_Date"), dep = Field(r.body, "Department_Code");
		{
			std::lock_guard<std::mutex> lock(mutex);
			calls.push_back("acceptlstv2 " + r.query + " " + day + (dep.empty() ? "" : " dep=" + dep));
		}
		if (day < "2026-11-16" || day > "2026-11-20")
			return TestResponse::Ok(Head("acceptlstres", "21") + "</acceptlstres></xmlio2>");
		std::string out = Head("acceptlstres", "00") + Leaf("Acceptance_Date", day) +
		                  "<Acceptlst_Information type=\"array\">";
		for (int i = 1; i <= per_day; i++) {
			std::string d = i % 2 ? "01" : "02";
			if (!dep.empty() && d != dep)
				continue;
			char id[8];
			snprintf(id, sizeof(id), "%05d", i);
			out += "<Acceptlst_Information_child type=\"record\">" + Leaf("Acceptance_Time", "09:00:00") +
			       Leaf("Acceptance_Id", id) + Leaf("Department_Code", d) +
			       "<Patient_Information type=\"record\">" + Leaf("Patient_ID", id) + "</Patient_Information>" +
			       "</Acceptlst_Information_child>";
		}
		return TestResponse::Ok(out + "</Acceptlst_Information></acceptlstres></xmlio2>");
	}

	TestResponse Diseases(const TestRequest &r)
	{
		std::string id = Field(r.body, "Patient_ID");
		{
			std::lock_guard<std::mutex> lock(mutex);
			calls.push_back("diseasegetv2 " + id + " " + Field(r.body, "Select_Mode"));
		}
		int n = id == "00001" ? 2 : id == "00002" ? many : -1;
		if (n < 0)
			return TestResponse::Ok(Head("disease_infores", "10") + "</disease_infores></xmlio2>");
		std::string out = Head("disease_infores", "00") + Leaf("Information_Overflow", n > 200 ? "True" : "False") +
		                  "<Disease_Infores type=\"record\">" + Leaf("Patient_ID", id) + "</Disease_Infores>" +
		                  "<Disease_Information type=\"array\">";
		for (int i = 1; i <= std::min(n, 200); i++)
			out += "<Disease_Information_child type=\"record\">" + Leaf("Disease_Code", std::to_string(8830000 + i)) +
			       Leaf("Disease_Name", "病名") + Leaf("Disease_Category", i == 1 ? "PD" : "") +
			       Leaf("Disease_StartDate", "2026-01-0" + std::to_string(1 + i % 9)) + "</Disease_Information_child>";
		return TestResponse::Ok(out + "</Disease_Information></disease_infores></xmlio2>");
	}
};

class NeverCancel : public CancelToken {
public:
	bool Cancelled() const noexcept override { return false; }
};

class OutpatientScan : public ::testing::Test {
protected:
	OutpatientScan() : server_([this](const TestRequest &r) { return orca_.Handle(r); }) {}

	ScanSpec Spec(const char *resource, std::vector<const char *> columns)
	{
		ScanSpec spec;
		spec.resource = FindResource(resource);
		for (const char *c : columns)
			spec.needed_columns.push_back(spec.resource->FindColumn(c));
		return spec;
	}
	static void AddQual(ScanSpec &spec, const char *column, QualOp op, std::vector<std::string> values)
	{
		QualSpec q;
		q.column = spec.resource->FindColumn(column);
		q.op = op;
		q.values = std::move(values);
		spec.quals.push_back(std::move(q));
	}
	std::vector<std::string> Rows(const ScanSpec &spec)
	{
		ServerConfig cfg;
		cfg.base_url = server_.Url();
		cfg.retries = 0;
		cfg.breaker_failures = 0;
		ScanSession session(std::make_shared<HttpClient>(cfg), spec);
		std::vector<std::string> rows;
		NeverCancel never;
		while (session.Next(never)) {
			std::string line;
			for (size_t i = 0; i < spec.needed_columns.size(); i++) {
				const RowValue &v = session.Values()[i];
				line += (i ? "|" : "") + (v.isnull ? std::string("∅") : std::string(v.data, v.len));
			}
			rows.push_back(line);
		}
		std::sort(rows.begin(), rows.end());
		return rows;
	}
	std::vector<std::string> Calls()
	{
		std::lock_guard<std::mutex> lock(orca_.mutex);
		std::vector<std::string> c = orca_.calls;
		std::sort(c.begin(), c.end());
		return c;
	}

	FakeOrca orca_;
	TestHttpServer server_;
};

TEST_F(OutpatientScan, VisitsAreOneClass03CallPerDayWithTheDayOnEachRow)
{
	ScanSpec spec = Spec("visits", {"visit_date", "acceptance_id", "patient_id", "department_code"});
	AddQual(spec, "visit_date", QualOp::Ge, {"2026-11-19"});
	AddQual(spec, "visit_date", QualOp::Le, {"2026-11-21"});
	EXPECT_EQ(Rows(spec), (std::vector<std::string>{
	                          "2026-11-19|00001|00001|01", "2026-11-19|00002|00002|02", "2026-11-19|00003|00003|01",
	                          "2026-11-20|00001|00001|01", "2026-11-20|00002|00002|02", "2026-11-20|00003|00003|01"}));
	EXPECT_EQ(Calls(), (std::vector<std::string>{"acceptlstv2 class=03 2026-11-19", "acceptlstv2 class=03 2026-11-20",
	                                             "acceptlstv2 class=03 2026-11-21"}))
	    << "one call per day, 21 (no reception) is no row";
}

TEST_F(OutpatientScan, AFullDayIsRefusedNotReturnedInPart)
{
	orca_.per_day = 500;
	ScanSpec spec = Spec("visits", {"patient_id"});
	AddQual(spec, "visit_date", QualOp::Eq, {"2026-11-20"});
	try {
		Rows(spec);
		FAIL() << "a day of 500 receptions must be refused";
	} catch (const Error &e) {
		EXPECT_EQ(e.message, "ORCA listed 500 receptions for 2026-11-20, the most one acceptlstv2 answer holds");
		EXPECT_NE(e.hint.find("department_code"), std::string::npos) << e.hint;
	}
	orca_.per_day = 499;
	EXPECT_EQ(Rows(spec).size(), 499u);
}

TEST_F(OutpatientScan, DiseasesAreOneCallPerPatientAndUnknownPatientsHaveNoRows)
{
	ScanSpec spec = Spec("diseases", {"patient_id", "disease_code", "disease_category"});
	AddQual(spec, "patient_id", QualOp::In, {"00001", "1", "00003", "", "00001"});
	EXPECT_EQ(Rows(spec), (std::vector<std::string>{"00001|8830001|PD", "00001|8830002|∅"}));
	EXPECT_EQ(Calls(), (std::vector<std::string>{"diseasegetv2 00001 All", "diseasegetv2 00003 All"}))
	    << "'1' and '00001' are one patient; a blank id is never sent; 10 (no such patient) is no row";
}

TEST_F(OutpatientScan, APatientWithMoreNamesThanOneAnswerIsRefused)
{
	orca_.many = 201;
	ScanSpec spec = Spec("diseases", {"disease_code"});
	AddQual(spec, "patient_id", QualOp::Eq, {"00002"});
	EXPECT_THROW(Rows(spec), Error);
	orca_.many = 200;
	EXPECT_EQ(Rows(spec).size(), 200u);
}

} // namespace
} // namespace orca_fdw::core
