/*
 * endpoints_test.cpp — the table of ORCA APIs: one row per Api, in order,
 * with what the scans and registrations read from it; and no API spelled
 * anywhere else in src/.
 */
#include "core/endpoints.hpp"
#include "core/orca_api.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace orca_fdw::core {
namespace {

TEST(Endpoints, OneRowPerApiInOrder)
{
	ASSERT_EQ(Endpoints().size(), static_cast<size_t>(kApiCount));
	for (int i = 0; i < kApiCount; i++) {
		const Endpoint &e = EndpointOf(static_cast<Api>(i));
		EXPECT_EQ(static_cast<int>(e.api), i);
		EXPECT_FALSE(e.name.empty()) << i;
		EXPECT_EQ(e.path.substr(e.path.rfind('/') + 1), e.name) << "the path ends in the API's name";
		EXPECT_TRUE(e.method == "GET" || e.method == "POST") << e.name;
		EXPECT_EQ(e.request_record.empty(), e.method == "GET") << e.name << ": a POST sends a request record";
		EXPECT_FALSE(e.row_element.empty()) << e.name;
		EXPECT_FALSE(e.answer_record.empty()) << e.name;
	}
	EXPECT_STREQ(ApiName(Api::PatientList1), "patientlst1v2");
	EXPECT_EQ(CallText(Api::PatientList2), "POST /api01rv2/patientlst2v2?class=01");
	EXPECT_EQ(CallText(Api::PatientGet, "id=…"), "GET /api01rv2/patientgetv2?id=…");
	EXPECT_EQ(CallText(Api::InpatientFind), "POST /orca36/hsfindv3");
}

TEST(Endpoints, RegistrationsAreMarkedAndInpatientApisSpeakXml2)
{
	std::set<std::string> writes;
	for (const Endpoint &e : Endpoints())
		if (e.registration)
			writes.insert(e.name);
	EXPECT_EQ(writes, (std::set<std::string>{"patientmodv2", "hsptinfmodv2", "hsacctmodv2"}));
	for (Api a : {Api::InpatientFind, Api::InpatientInfo, Api::InpatientMeal, Api::WardConfig, Api::RoomConfig,
	              Api::InpatientMod, Api::InpatientAccountMod})
		EXPECT_EQ(EndpointOf(a).formats, Formats::Xml2Only) << ApiName(a);
	/* a JSON server still gets xml2 where ORCA documents only xml2 */
	ApiCall info(Api::InpatientInfo, WireFormat::Json);
	Node req = Node::MakeRecord();
	req.children.emplace_back("Patient_ID", Node::MakeString("00001"));
	HttpRequest r = info.Prepare("", &req);
	EXPECT_EQ(r.query, "");
	EXPECT_EQ(r.method, "POST");
	EXPECT_EQ(r.body.rfind("<data><private_objects type=\"record\">", 0), 0u) << r.body;
	EXPECT_TRUE(r.retry_safe) << "reads are retried";
	ApiCall get(Api::PatientGet, WireFormat::Json);
	r = get.Prepare("id=00001", nullptr);
	EXPECT_EQ(r.method, "GET");
	EXPECT_EQ(r.query, "id=00001&format=json");
	EXPECT_EQ(r.label, "GET /api01rv2/patientgetv2?id=00001");
}

/* The codes that mean "no rows" only for a criterion the request carried. */
TEST(Endpoints, NoRowsCodesOfCriteriaCountOnlyWhenSent)
{
	auto outcome = [](const Node &req, const std::string &code) {
		ApiCall call(Api::InpatientFind, WireFormat::Xml);
		call.Prepare("", &req);
		call.Begin();
		std::string body = "<?xml version=\"1.0\"?><xmlio2><hsfindv3res type=\"record\"><Api_Result type=\"string\">" +
		                   code + "</Api_Result><Api_Result_Message type=\"string\">x</Api_Result_Message>" +
		                   "</hsfindv3res></xmlio2>";
		call.OnBody(body.data(), body.size());
		try {
			call.Finish();
		} catch (const Error &e) {
			return std::string("error ") + e.api_result;
		}
		return std::string(call.Outcome() == CallOutcome::Empty ? "empty" : "ok");
	};
	Node plain = Node::MakeRecord();
	Node criteria = Node::MakeRecord();
	criteria.children.emplace_back("State", Node::MakeString("1"));
	plain.children.emplace_back("Patient_Information", criteria);
	Node ward = Node::MakeRecord();
	criteria.children.emplace_back("Ward_Number", Node::MakeString("99"));
	ward.children.emplace_back("Patient_Information", criteria);
	EXPECT_EQ(outcome(plain, "E0106"), "empty");
	EXPECT_EQ(outcome(plain, "E0008"), "error E0008") << "no ward was asked for: E0008 is an error";
	EXPECT_EQ(outcome(ward, "E0008"), "empty") << "the ward we asked for does not exist: no stay has it";
	EXPECT_EQ(outcome(ward, "E0001"), "error E0001");
}

/* Every API's name, path and records are spelled in endpoints.cpp only. */
TEST(Endpoints, NoApiLiteralElsewhereInSrc)
{
	std::set<std::string> needles;
	for (const Endpoint &e : Endpoints()) {
		needles.insert(e.name);
		needles.insert(e.path);
		for (const std::string *r : {&e.request_record, &e.answer_record})
			if (!r->empty())
				needles.insert(*r);
	}
	const std::regex literal("\"(?:[^\"\\\\\\n]|\\\\.)*\"");
	std::set<std::string> found;
	namespace fs = std::filesystem;
	for (const auto &entry : fs::recursive_directory_iterator(fs::path(ORCA_SOURCE_DIR) / "src")) {
		const std::string path = entry.path().generic_string();
		const std::string ext = entry.path().extension().string();
		if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".c" && ext != ".h"))
			continue;
		const std::string file = entry.path().filename().string();
		if (file == "endpoints.cpp")
			continue;
		std::ifstream in(entry.path());
		std::string line;
		bool in_comment = false;
		for (int n = 1; std::getline(in, line); n++) {
			/* drop comments: a literal in a comment is prose, not code */
			std::string code;
			for (size_t i = 0; i < line.size(); i++) {
				if (in_comment) {
					if (line.compare(i, 2, "*/") == 0) {
						in_comment = false;
						i++;
					}
					continue;
				}
				if (line.compare(i, 2, "/*") == 0) {
					in_comment = true;
					i++;
					continue;
				}
				if (line.compare(i, 2, "//") == 0)
					break;
				if (line[i] == '"') { /* copy a literal whole: a comment opener inside it is text */
					size_t j = i + 1;
					while (j < line.size() && line[j] != '"')
						j += line[j] == '\\' ? 2 : 1;
					code += line.substr(i, j - i + 1);
					i = j;
					continue;
				}
				code += line[i];
			}
			for (std::sregex_iterator m(code.begin(), code.end(), literal), end; m != end; ++m)
				for (const std::string &needle : needles)
					if (m->str().find(needle) != std::string::npos)
						found.insert(path.substr(path.find("/src/") + 1) + ":" + std::to_string(n) + ": " +
						                m->str().substr(0, 80));
		}
	}
	std::ostringstream all;
	for (const std::string &f : found)
		all << f << "\n";
	EXPECT_TRUE(found.empty()) << "API names, paths or records outside endpoints.cpp:\n" << all.str();
}

} // namespace
} // namespace orca_fdw::core
